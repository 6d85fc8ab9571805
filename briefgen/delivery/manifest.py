"""A batch as delivery sees it: the ``manifest.json`` that ``briefgen batch`` wrote.

Delivery never re-renders and never reloads data: what it sends is what the
manifest lists, each file checked against the manifest's SHA-256 when it is
read.  A province the batch failed has no files; it is reported, not sent.

A brief signed after the batch is sent when its signing was recorded in the
manifest (``briefgen sign`` does it; :mod:`briefgen.manifest`).  No message
here ever advises a step that would replace a signed file by an unsigned one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.data import provinces
from briefgen.errors import DataError, Location, OutputError, UnknownProvinceError, field_path
from briefgen.files import inside
from briefgen.manifest import extends, is_signed

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BatchFile:
    """One file of the batch, as the manifest lists it (``path`` relative to the folder)."""

    code: str
    province: str
    format: str
    path: str
    sha256: str
    bytes: int
    signed: bool = False
    """The batch signed it, or its signing after the batch was recorded."""


@dataclass(frozen=True)
class BatchFailure:
    """A province the batch could not render, and why."""

    code: str
    province: str
    reason: str


@dataclass(frozen=True)
class Batch:
    """A batch folder and its manifest.

    ``complete``: the manifest's flag (``False`` while a batch runs, after an
    interrupted one, or when a province failed).  ``files`` are in manifest
    order; :meth:`units` groups them by province.
    """

    folder: Path
    manifest: Path
    sha256: str
    year: int
    template: str
    formats: tuple[str, ...]
    complete: bool
    files: tuple[BatchFile, ...]
    failures: tuple[BatchFailure, ...]

    def units(self) -> list[tuple[provinces.Unit, tuple[BatchFile, ...]]]:
        """Each province with files, sorted by code, its files in the batch's format order."""
        era = provinces.era_for_year(self.year)
        order = {fmt: index for index, fmt in enumerate(self.formats)}
        grouped: dict[str, list[BatchFile]] = {}
        for item in self.files:
            grouped.setdefault(item.code, []).append(item)
        out = []
        for code in sorted(grouped):
            items = sorted(grouped[code], key=lambda f: (order.get(f.format, len(order)), f.path))
            out.append((provinces.get(code, era), tuple(items)))
        return out

    def read(self, item: BatchFile) -> bytes:
        """The bytes of ``item``, refused if they are not what the batch wrote."""
        where = Location(file=str(self.folder / item.path))
        try:
            data = inside(self.folder, item.path).read_bytes()
        except OutputError:
            raise DataError(
                f"the manifest names '{item.path}', which is outside the batch folder",
                Location(file=str(self.manifest), field="files"),
            ) from None
        except FileNotFoundError:
            again = "briefgen batch ... --skip-existing"
            hint = (
                f"it was signed: put the signed file back, or make it again ({again}) and sign it"
                if item.signed
                else f"make it again: {again} renders only what is missing"
            )
            missing = "missing: the manifest lists it but the file is gone"
            raise DataError(missing, where, hint) from None
        except OSError as error:
            raise DataError(f"cannot read: {error.strerror}", where) from None
        digest = hashlib.sha256(data).hexdigest()
        if digest != item.sha256 or len(data) != item.bytes:
            raise _changed(item, data, digest, where)
        return data


def _changed(item: BatchFile, data: bytes, digest: str, where: Location) -> DataError:
    """Why a file that does not match the manifest is not sent, and a way on that keeps
    every signature (a signed file is never to be rendered over)."""
    found = f"SHA-256 {digest[:12]}…, the manifest says {item.sha256[:12]}…"
    if is_signed(data) and extends(data, item.sha256, item.bytes):
        return DataError(
            "signed since the batch by a tool that did not record it in the manifest (the "
            "batch's file is intact inside it); it is not sent until recorded",
            where,
            f"record it: briefgen sign --record {where.file}",
        )
    if is_signed(data):
        return DataError(
            f"signed, but not the file the batch made ({found}); it is not sent",
            where,
            "keep it; to send the batch's brief, move this file out of the folder, make it "
            "again with briefgen batch ... --skip-existing, and sign that",
        )
    if item.signed:
        return DataError(
            f"the manifest records it signed, but the file holds no signature ({found}); "
            "it is not sent",
            where,
            "put the signed file back, or make it again with briefgen batch ... --skip-existing "
            "and sign it again",
        )
    return DataError(
        f"changed since the batch ({found}); it is not sent",
        where,
        "run the batch again to make and record it (briefgen batch ... --skip-existing)",
    )


def read_batch(folder: str | Path) -> Batch:
    """Read ``folder/manifest.json``; :class:`DataError` naming the field if it is malformed."""
    base = Path(folder)
    path = base / MANIFEST
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        hint = "give the folder 'briefgen batch --out' wrote"
        raise DataError(f"no {MANIFEST} in '{base}'", Location(file=str(base)), hint) from None
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", Location(file=file)) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", None)
        raise DataError(f"not a batch manifest: {error}", Location(file=file, row=line)) from None
    if not isinstance(data, dict):
        raise DataError("not a batch manifest (not a JSON object)", Location(file=file))
    year = _field(data, "year", int, file)
    era = provinces.era_for_year(year)
    files = tuple(
        _file(item, index, file, era) for index, item in enumerate(_list(data, "files", file))
    )
    failures = tuple(
        BatchFailure(
            str(_field(item, "code", str, file, f"failures.{index}")),
            str(item.get("province", "")),
            str(item.get("reason", "")),
        )
        for index, item in enumerate(_list(data, "failures", file))
    )
    formats = tuple(str(f) for f in data.get("formats") or sorted({f.format for f in files}))
    return Batch(
        folder=base,
        manifest=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        year=year,
        template=str(_field(data, "template", str, file)),
        formats=formats,
        complete=bool(data.get("complete", False)),
        files=files,
        failures=failures,
    )


def _field(data: Mapping[str, Any], key: str, kind: type, file: str, prefix: str = "") -> Any:
    name = f"{prefix}.{key}" if prefix else key
    value = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DataError(
            f"not a batch manifest: '{name}' is {value!r}, not {kind.__name__}",
            Location(file=file, field=name),
            "give the folder of a briefgen batch",
        )
    return value


def _list(data: Mapping[str, Any], key: str, file: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DataError(
            f"not a batch manifest: '{key}' is not a list of objects",
            Location(file=file, field=key),
        )
    return value


def _file(item: Mapping[str, Any], index: int, file: str, era: str) -> BatchFile:
    prefix = field_path(("files", index))
    code = _field(item, "code", str, file, prefix)
    try:
        provinces.get(code, era)
    except UnknownProvinceError as error:
        raise DataError(error.message, Location(file=file, field=f"{prefix}.code")) from None
    return BatchFile(
        code=code,
        province=str(item.get("province", "")),
        format=str(_field(item, "format", str, file, prefix)).lower(),
        path=_field(item, "path", str, file, prefix),
        sha256=_field(item, "sha256", str, file, prefix),
        bytes=_field(item, "bytes", int, file, prefix),
        signed=item.get("signed") is True,
    )
