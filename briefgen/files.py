"""Safe output files: ASCII names inside the chosen folder, written atomically."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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


def _not_writable(error: OSError, path: Path) -> UsageError | OutputError:
    """The error for a file that cannot be written at ``path``: a folder or a file in the
    way, no permission, a read-only disk are the chooser's to fix (:class:`UsageError`,
    exit 2); anything else (a full disk, an I/O error) is an :class:`OutputError`."""
    where = Location(file=str(path))
    if error.errno == errno.EISDIR:
        return UsageError(
            "cannot write: a folder of that name is in the way", where, "choose another name"
        )
    if error.errno in _CHOSEN_BADLY:
        in_the_way = error.errno in (errno.ENOTDIR, errno.EEXIST)
        return UsageError(
            f"cannot write: {error.strerror}",
            where,
            "a file is in the way of its folder; choose another folder"
            if in_the_way
            else "choose a place you can write to",
        )
    return OutputError(f"cannot write: {error.strerror}", where)


def check_folder(folder: Path) -> None:
    """Refuse, before any work, an output folder that cannot be one: a file at its name
    or at the name of a folder above it (a :class:`UsageError`).  Nothing is created."""
    current = folder
    while True:
        if current.is_dir():
            return
        if current.exists() or current.is_symlink():
            where = Location(file=str(folder))
            what = "is a file, not a folder" if current == folder else f"{current} is a file"
            raise UsageError(what, where, "choose another folder")
        if current.parent == current:
            return
        current = current.parent


def check_file(path: Path) -> None:
    """Refuse, before any work, an output file name taken by a folder, or whose folder
    cannot be one (:func:`check_folder`); a :class:`UsageError`."""
    if path.is_dir():
        raise UsageError(
            "is a folder: a file cannot be written at its name",
            Location(file=str(path)),
            "give a file name inside it, or choose another name",
        )
    check_folder(path.parent)


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
            if in_the_way:
                check_folder(folder)  # names the file in the way
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
        raise _not_writable(error, path) from None
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
        raise _not_writable(error, path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_all(files: Sequence[tuple[Path, bytes]]) -> list[Path]:
    """Write several files atomically, all or none: when one cannot be written, those
    this call wrote already are removed (what they replaced is gone: the caller makes
    every file's bytes first, so that only writing itself can fail midway)."""
    written: list[Path] = []
    try:
        for path, data in files:
            written.append(write_atomic(path, data))
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written


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


SCRATCH_PREFIX = ".briefgen-scratch-"
"""Prefix of the hidden working folders a batch makes in its output folder
(``.briefgen-scratch-XXXXXXXX``: its shared chart cache), which :func:`remove_stale`
clears when a killed batch left one."""

_SCRATCH = re.compile(re.escape(SCRATCH_PREFIX) + r"[0-9a-z_]{8}")


def scratch_folder(folder: Path) -> Path | None:
    """A new private working folder inside ``folder`` (``None`` when none can be made).

    The batch that makes it removes it; one that is killed first leaves it for
    :func:`remove_stale`, so nothing accumulates outside the output folder.
    """
    try:
        return Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=folder))
    except OSError:
        return None


def remove_stale(folder: Path) -> list[Path]:
    """Remove what an interrupted batch left in ``folder``; returns what was removed.

    Only briefgen's own is touched, and only when owned by this user: regular
    files (not links) named ``.NAME.briefgen-XXXXXXXX.part`` and working
    folders (not links) named ``.briefgen-scratch-XXXXXXXX``; any other hidden
    file stays.  Only for a folder no other process is writing into: a batch
    calls it under the folder's lock (:func:`lock_folder`), before its workers
    start.
    """
    removed: list[Path] = []
    try:
        candidates = list(folder.glob(".*"))
    except OSError:
        return removed
    owner = os.geteuid() if hasattr(os, "geteuid") else None
    for candidate in candidates:
        kind = _stale_kind(candidate.name)
        if kind is None:
            continue
        try:
            info = candidate.lstat()
        except OSError:
            continue
        if not kind(info.st_mode) or (owner is not None and info.st_uid != owner):
            continue
        try:
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(candidate)
            else:
                candidate.unlink()
        except OSError:
            continue
        removed.append(candidate)
    return removed


def _stale_kind(name: str) -> Callable[[int], bool] | None:
    """The file type a leftover of this name must have (``None``: not briefgen's)."""
    if _TEMPORARY.fullmatch(name):
        return stat.S_ISREG
    if _SCRATCH.fullmatch(name):
        return stat.S_ISDIR
    return None


LOCK_FILE = ".briefgen.lock"
"""The file a batch locks in its output folder while it writes there."""


@contextlib.contextmanager
def lock_folder(folder: Path, what: str = "batch") -> Iterator[None]:
    """Hold an exclusive lock on output ``folder`` (where the system has ``flock``).

    A second holder fails at once with a :class:`UsageError` saying another
    ``what`` is writing there.  The lock file (:data:`LOCK_FILE`) is opened
    without following a symbolic link and is removed on release; a process
    killed while holding it leaves the file, unlocked, for the next to take.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the caller goes unguarded
        yield
        return
    path = folder / LOCK_FILE
    handle = _locked_file(path, fcntl, what)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked: a waiter then sees another file
        os.close(handle)


def _locked_file(path: Path, fcntl: Any, what: str) -> int:
    """An open descriptor of ``path``, locked, that is still the file at ``path``."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            handle = os.open(path, flags, 0o600)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UsageError(
                    f"{LOCK_FILE} is a symbolic link", Location(file=str(path)), "remove it"
                ) from None
            raise _not_writable(error, path) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(handle)
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise UsageError(
                    f"another {what} is writing into this folder",
                    Location(file=str(path.parent)),
                    "wait for it to finish, or choose another output folder",
                ) from None
            raise _not_writable(error, path) from None
        try:
            held, named = os.fstat(handle), os.lstat(path)
            same = (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
        except OSError:
            same = False  # removed by the holder that just released it
        if same:
            return handle
        os.close(handle)
