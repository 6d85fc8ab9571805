"""Safe output files: ASCII names inside the chosen folder, written atomically."""

from __future__ import annotations

import os
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


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    A failure at any point leaves either the old file or none, never half a file.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
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
