"""A batch's manifest after the batch: files signed later, and signed PDFs told apart.

``briefgen batch`` (:mod:`briefgen.batch`, which owns the format) writes
``manifest.json`` with each file's SHA-256, and ``briefgen send`` sends only
files that match it.  Signing a brief later changes its bytes; this module
updates that file's entry, so that the manifest vouches for the signed file,
and tells signed PDFs apart, so that nothing replaces one by an unsigned render
or advises doing so.

A PDF is signed by an incremental update: the signed file begins with the very
bytes that were signed.  So the entry the batch wrote (SHA-256 and size) still
proves where a signed file came from (:func:`extends`), whichever tool signed
it, and however many signatures were added since.

An entry of a file signed after the batch reads::

    {"code": "38", "province": "Thanh Hóa", "format": "pdf",
     "path": "38-thanh-hoa-2024-official.pdf",
     "sha256": "<of the signed file>", "bytes": 245447, "signed": true}
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from briefgen.errors import BriefgenWarning, DataError, Location, OutputError, UsageError
from briefgen.files import inside, read_regular, write_atomic

__all__ = [
    "MANIFEST",
    "extends",
    "is_signed",
    "keep_signed",
    "record_signed",
    "refuse_replacing_signed",
]

MANIFEST: Final = "manifest.json"

MAX_SIGNED_BYTES: Final = 200_000_000
"""Largest PDF read to tell whether it is signed (a larger planted file is not a brief)."""

REPLACE_SIGNED: Final = "--replace-signed (replace_signed=True)"
"""How a batch is told to replace signed briefs anyway, on the command line and in Python."""

_BYTE_RANGE: Final = re.compile(rb"/ByteRange\s*\[\s*\d+\s+\d+\s+\d+\s+\d+\s*\]")
"""The byte range every PDF signature (and document timestamp) declares.  It cannot
sit in a compressed object stream, since it names byte offsets of the file itself."""


def is_signed(data: bytes) -> bool:
    """Whether the PDF ``data`` holds a digital signature (an empty signature field does not
    count)."""
    return _BYTE_RANGE.search(data) is not None


def extends(data: bytes, sha256: str, size: int) -> bool:
    """Whether ``data`` begins with the file of SHA-256 ``sha256`` and ``size`` bytes: that
    file itself, or that file with incremental updates (signatures) appended."""
    return 0 < size <= len(data) and hashlib.sha256(data[:size]).hexdigest() == sha256


def record_signed(
    path: str | Path, data: bytes | None = None, *, required: bool = False
) -> Path | None:
    """Record in the ``manifest.json`` beside ``path`` that the file was signed.

    The file's entry gets the signed file's SHA-256 and size and ``"signed": true``,
    when the manifest vouches for what was signed: the file (``data``, else read
    from ``path``) must begin with the bytes the entry names.  The manifest is
    rewritten atomically, under a lock on its folder.  Returns the manifest
    updated, or ``None`` when there was nothing to do.

    ``required=False`` (after signing): a folder without a manifest, or one that
    does not list the file, is not a batch folder — nothing to do; a manifest
    that lists the file but does not vouch for it gets a :class:`BriefgenWarning`.
    ``required=True`` (recording a file another tool signed): each of those, and
    a file with no signature, raises :class:`DataError`.
    """
    file = Path(path)
    where = Location(file=str(file))
    if data is None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise DataError(f"cannot read: {error.strerror}", where) from None
    if not is_signed(data):
        if required:
            raise DataError("holds no digital signature: there is nothing to record", where)
        return None
    with _locked(file.parent):
        return _record(file.parent / MANIFEST, file, data, where, required)


def _record(
    manifest: Path, file: Path, data: bytes, where: Location, required: bool
) -> Path | None:
    """Update the entry of ``file`` in ``manifest`` for its signed ``data`` (folder locked)."""
    try:
        body = _read(manifest)
    except DataError as error:
        _not_recorded(error, required)
        return None
    if body is None:
        if required:
            hint = "only files of a briefgen batch folder are recorded"
            raise DataError(f"no {MANIFEST} beside it", where, hint)
        return None
    entry = _entry(body, file)
    if entry is None:
        if required:
            raise DataError(f"{manifest} does not list it", where)
        return None
    digest = hashlib.sha256(data).hexdigest()
    if entry.get("sha256") == digest and entry.get("bytes") == len(data):
        if entry.get("signed") is not True:
            entry["signed"] = True
            _write(manifest, body)
            return manifest
        return None
    if not extends(data, str(entry.get("sha256")), _size(entry)):
        refusal = DataError(
            f"{manifest} does not vouch for it: the file is not the batch's file with "
            "signatures added, so its entry was not updated and briefgen send refuses it",
            where,
            "sign the file the batch wrote, or render it into a new folder and sign that",
        )
        _not_recorded(refusal, required)
        return None
    entry.update(sha256=digest, bytes=len(data), signed=True)
    _write(manifest, body)
    return manifest


def keep_signed(folder: Path, stamp: Mapping[str, Any]) -> None:
    """Refuse a ``skip_existing`` batch that would not keep the signed briefs of the batch
    before it.

    ``stamp``: what the new batch is made from (``input_sha256``, ``template``,
    ``briefgen``, ``finish``), as :mod:`briefgen.batch` writes it.  When the
    earlier manifest in ``folder`` has another stamp, none of its files is kept;
    if some of them are signed PDFs, the batch fails before anything is
    written, saying how the earlier batch was made.
    """
    try:
        body = _read(folder / MANIFEST)
    except DataError:
        return  # an unreadable manifest vouches for nothing
    if body is None:
        return
    differences = _differences(body, stamp)
    if not differences:
        return
    signed = [name for name in _listed(body) if _signed_file(folder, name)]
    if not signed:
        return
    more = f" and {len(signed) - 1} more" if len(signed) > 1 else ""
    raise UsageError(
        f"the folder holds signed briefs of an earlier batch made {', '.join(differences)} "
        f"({signed[0]}{more}); this batch would not keep them, and it replaces no signed file",
        Location(file=str(folder / MANIFEST)),
        hint="run it as the earlier batch was run, render into another folder, or replace "
        f"them with {REPLACE_SIGNED}",
    )


def refuse_replacing_signed(folder: Path, names: Iterable[str]) -> None:
    """Refuse a batch that would write over signed PDFs: one that does not skip existing
    files replaces each file at its ``names`` in ``folder``, and a signed PDF replaced
    loses its signatures.  The :class:`UsageError` says how many and what to do."""
    signed = sorted(name for name in names if _signed_file(folder, name))
    if not signed:
        return
    more = f" and {len(signed) - 1} more" if len(signed) > 1 else ""
    raise UsageError(
        f"{len(signed)} signed brief(s) in the folder would be replaced, losing their "
        f"signatures ({signed[0]}{more})",
        Location(file=str(folder)),
        f"keep them with --skip-existing (skip_existing=True), or replace them with "
        f"{REPLACE_SIGNED}",
    )


def _differences(body: Mapping[str, Any], stamp: Mapping[str, Any]) -> list[str]:
    """How the batch of manifest ``body`` was made differently from ``stamp``, in words."""
    differences = []
    if body.get("input_sha256") != stamp.get("input_sha256"):
        differences.append(f"from other input ({body.get('input') or 'unknown'})")
    if body.get("template") != stamp.get("template"):
        differences.append(f"with template '{body.get('template')}'")
    if body.get("briefgen") != stamp.get("briefgen"):
        differences.append(f"by briefgen {body.get('briefgen')}")
    if body.get("finish") != stamp.get("finish"):
        differences.append(f"with {_options(body.get('finish'))}")
    return differences


def _options(finish: Any) -> str:
    """The command-line options a batch's ``finish`` record stands for."""
    if not isinstance(finish, Mapping) or not finish:
        return "no signing, archival or draft options"
    words = []
    if finish.get("signed"):
        words.append("--sign")
    sign_fields = finish.get("sign_fields")
    if sign_fields is True:
        words.append("--sign-fields")
    elif isinstance(sign_fields, (int, float)) and sign_fields:
        words.append(f"--sign-fields {sign_fields:g}")
    if finish.get("archival"):
        words.append(f"--archival {finish['archival']}")
    if finish.get("draft"):
        words.append("--draft")
    return " ".join(words)


def _listed(body: Mapping[str, Any]) -> list[str]:
    """The PDF files the manifest lists (paths relative to its folder)."""
    return [
        item["path"]
        for item in body["files"]
        if isinstance(item, dict)
        and isinstance(item.get("path"), str)
        and str(item.get("format", "")).lower() == "pdf"
    ]


def _signed_file(folder: Path, name: str) -> bool:
    """Whether the regular file ``name`` in ``folder`` is a signed PDF (a link is not:
    what is at the name itself is what a batch would replace)."""
    try:
        data = read_regular(inside(folder, name), MAX_SIGNED_BYTES)
    except OutputError:
        return False
    return data is not None and is_signed(data)


def _not_recorded(error: DataError, required: bool) -> None:
    """Raise ``error`` when recording was asked for, else warn with it."""
    if required:
        raise error
    # The warning names the line that called record_signed's caller (through _record).
    warnings.warn(BriefgenWarning(error.message, error.where, error.hint), stacklevel=5)


def _read(manifest: Path) -> dict[str, Any] | None:
    """The manifest's JSON (``None`` when there is none); :class:`DataError` if unreadable."""
    where = Location(file=str(manifest))
    try:
        raw = manifest.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", where) from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise DataError(f"not a batch manifest, left as it is: {error}", where) from None
    if not isinstance(body, dict) or not isinstance(body.get("files"), list):
        raise DataError("not a batch manifest (no list of files), left as it is", where)
    return body


def _entry(body: dict[str, Any], file: Path) -> dict[str, Any] | None:
    """The entry of ``body['files']`` naming ``file``."""
    target = file.resolve()
    for item in body["files"]:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        try:
            if inside(file.parent, item["path"]) == target:
                return item
        except OutputError:
            continue  # a name leaving the folder is never this file
    return None


def _size(entry: dict[str, Any]) -> int:
    size = entry.get("bytes")
    return size if isinstance(size, int) and not isinstance(size, bool) else 0


def _write(manifest: Path, body: dict[str, Any]) -> None:
    """Written as :mod:`briefgen.batch` writes it (UTF-8, indented, keys in its order)."""
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    write_atomic(manifest, text.encode("utf-8"))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (where the system has ``flock``), so that files
    of one batch signed by processes running at once each get their entry."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks on folders
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock
