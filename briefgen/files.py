"""Safe output files: ASCII names inside the chosen folder, written atomically."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from briefgen.errors import Location, OutputError
from briefgen.text import slugify


def brief_name(slug: str, year: int, template: str, ext: str) -> str:
    """The default file name of a brief: ``nam-dinh-2021-official.pdf``."""
    return f"{slugify(slug)}-{year}-{slugify(template)}.{ext.lstrip('.')}"


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would leave ``folder``."""
    base = folder.resolve()
    target = (base / name).resolve()
    if target.parent != base and base not in target.parents:
        raise OutputError(
            f"output name '{name}' leaves the output folder", Location(file=str(base))
        )
    return target


TEMPORARY_SUFFIX = ".part"
"""Suffix of the hidden temporary names files are written under before their rename."""


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is always either the old file,
    absent, or the whole new file, never half of one.

    On Linux the data goes to an unnamed file in the folder (``O_TMPFILE``): a
    process killed while writing leaves nothing behind.  The finished file gets
    a hidden temporary name only for the instant before its rename.  Elsewhere
    it is written under the hidden name (``.NAME.XXXX.part``) and renamed; a
    process killed meanwhile leaves that name, which :func:`remove_stale`
    clears on the next batch.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror}", Location(file=str(path))) from None
    if _write_unnamed(path, data):
        return path
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=folder
        )
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror}", Location(file=str(path))) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write: {error.strerror}", Location(file=str(path))) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _write_unnamed(path: Path, data: bytes) -> bool:
    """Write through an ``O_TMPFILE`` file linked into place; ``False`` where the
    system or file system cannot (the caller then uses a named temporary file)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not Path("/proc/self/fd").is_dir():
        return False
    try:
        fd = os.open(path.parent, flag | os.O_WRONLY, 0o644)
    except OSError:
        return False
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), 0o644)
            # linkat(…, AT_SYMLINK_FOLLOW) names the unnamed file; CPython calls linkat,
            # not link, only when given a folder descriptor.
            folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.link(f"/proc/self/fd/{handle.fileno()}", tmp.name, dst_dir_fd=folder)
            finally:
                os.close(folder)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files an interrupted writer left in ``folder``
    (``.NAME.XXXX.part``); returns what was removed.  Only for a folder no other
    process is writing into: a batch calls it before its workers start."""
    removed: list[Path] = []
    try:
        candidates = list(folder.glob(f".*{TEMPORARY_SUFFIX}"))
    except OSError:
        return removed
    for candidate in candidates:
        if candidate.is_file() and not candidate.is_symlink():
            try:
                candidate.unlink()
            except OSError:
                continue
            removed.append(candidate)
    return removed
