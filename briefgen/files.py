"""Safe output files: ASCII names inside the chosen folder, written atomically."""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import tempfile
from pathlib import Path

from briefgen.errors import Location, OutputError, UsageError
from briefgen.text import slugify


def brief_name(slug: str, year: int, template: str, ext: str) -> str:
    """The default file name of a brief: ``nam-dinh-2021-official.pdf``."""
    return f"{slugify(slug)}-{year}-{slugify(template)}.{ext.lstrip('.')}"


def inside(folder: Path, name: str) -> Path:
    """``folder / name`` for a plain file name, refusing any name that would leave ``folder``.

    The folder is resolved; the name is not: a symbolic link planted at the
    name is never followed, and :func:`write_atomic` renames over it.
    """
    base = folder.resolve()
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise OutputError(
            f"output name '{name}' leaves the output folder", Location(file=str(base))
        )
    return base / name


_CHOSEN_BADLY = frozenset(
    {errno.ENOTDIR, errno.EEXIST, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG}
)
"""Why a folder cannot be made that is the chooser's to fix (a file in the way, no right)."""


def make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if needed.

    A folder that cannot be made where it was asked for (a file in the way,
    no permission, a read-only disk) is a :class:`UsageError`, bad input the
    command line answers with exit 2; other failures (a full disk) are an
    :class:`OutputError`.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        where = Location(file=str(folder))
        if error.errno in _CHOSEN_BADLY:
            in_the_way = error.errno in (errno.ENOTDIR, errno.EEXIST)
            raise UsageError(
                f"cannot make the output folder: {error.strerror}",
                where,
                "a file is in the way; choose another folder"
                if in_the_way
                else "choose a folder you can write to",
            ) from None
        raise OutputError(f"cannot make the output folder: {error.strerror}", where) from None


TEMPORARY_SUFFIX = ".part"
"""Suffix of the hidden temporary names files are written under before their rename."""

TEMPORARY_MARK = ".briefgen-"
"""What marks a temporary name as briefgen's own: ``.NAME.briefgen-XXXXXXXX.part``."""

_TEMPORARY = re.compile(r"\..+\.briefgen-[0-9a-z_]{8}\.part")


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is always either the old file,
    absent, or the whole new file, never half of one.

    On Linux the data goes to an unnamed file in the folder (``O_TMPFILE``): a
    process killed while writing leaves nothing behind.  The finished file gets
    a hidden temporary name only for the instant before its rename.  Elsewhere
    it is written under the hidden name (``.NAME.briefgen-XXXXXXXX.part``) and
    renamed; a process killed meanwhile leaves that name, which
    :func:`remove_stale` clears on the next batch.

    ``path`` itself is replaced, never written through: a symbolic link at
    ``path`` is replaced by the file, its target left alone.
    """
    folder = path.parent
    make_folder(folder)
    if _write_unnamed(path, data):
        return path
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}{TEMPORARY_MARK}", suffix=TEMPORARY_SUFFIX, dir=folder
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
    tmp = path.parent / f".{path.name}{TEMPORARY_MARK}{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
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


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes;
    ``None`` when it is missing, a symbolic link, a folder or larger.  A link is
    never followed: what is kept or trusted is the file at that name itself."""
    # O_NONBLOCK: a FIFO planted at the name must not hang the open.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        if path.is_symlink():  # where O_NOFOLLOW does not exist
            return None
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= limit else None


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files an interrupted writer left in ``folder``; returns
    what was removed.

    Only briefgen's own are touched: regular files (not links) named
    ``.NAME.briefgen-XXXXXXXX.part`` and owned by this user; any other hidden
    file stays.  Only for a folder no other process is writing into: a batch
    calls it before its workers start.
    """
    removed: list[Path] = []
    try:
        candidates = list(folder.glob(f".*{TEMPORARY_MARK}*{TEMPORARY_SUFFIX}"))
    except OSError:
        return removed
    owner = os.geteuid() if hasattr(os, "geteuid") else None
    for candidate in candidates:
        if not _TEMPORARY.fullmatch(candidate.name):
            continue
        try:
            info = candidate.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or (owner is not None and info.st_uid != owner):
            continue
        try:
            candidate.unlink()
        except OSError:
            continue
        removed.append(candidate)
    return removed
