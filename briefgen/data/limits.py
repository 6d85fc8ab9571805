"""What a workbook may cost, checked before it is read.

An .xlsx file is a zip of XML parts.  A small file can declare a huge sheet
(a dimension of A1:XFD1048576 with one cell at the far corner) or inflate to
gigabytes (a "zip bomb").  :func:`inspect` bounds both before openpyxl sees
the file: the size and compression ratio of every part from the zip's
directory, then one streaming pass over each sheet that finds the rows and
columns actually used (cells holding a value, whatever the sheet declares)
and the formulas whose value was never computed.  XML with a document type
declaration (where entity bombs live) is refused.

The limits have sensible defaults (:class:`Limits`); raise one with
``briefgen.load(..., limits={"rows": 500_000})``, ``--limit rows=500000`` on
the command line, or ``BRIEFGEN_LIMITS="rows=500000,part_bytes=500M"``.
"""

from __future__ import annotations

import dataclasses
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from briefgen.errors import DataError, Location, UsageError

ENV = "BRIEFGEN_LIMITS"
"""The environment variable that raises limits: ``rows=500000,part_bytes=500M``."""

_CHUNK = 1 << 16
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_SIZE = re.compile(r"(\d+)\s*([kKmMgG]?)[bB]?$")


@dataclass(frozen=True)
class Limits:
    """What one workbook may cost.  Each bound is checked before the workbook is read.

    ``file_bytes``: size of the .xlsx file.  ``part_bytes``: uncompressed size
    of any one part (a sheet's XML, the shared strings).  ``total_bytes``: of
    all parts together.  ``ratio``: how many times a part larger than 1 MB may
    inflate.  ``parts``: members of the zip.  ``rows``/``columns``: the last
    row and column holding a value in any sheet.  ``cells``: rows × columns of
    a sheet's used range.  ``strings``: entries of the shared-string table.
    """

    file_bytes: int = 100 * 2**20
    part_bytes: int = 200 * 2**20
    total_bytes: int = 400 * 2**20
    ratio: int = 200
    parts: int = 10_000
    rows: int = 200_000
    columns: int = 2_000
    cells: int = 5_000_000
    strings: int = 2_000_000

    @classmethod
    def from_options(cls, options: Limits | Mapping[str, Any] | None = None) -> Limits:
        """Defaults, raised by ``$BRIEFGEN_LIMITS``, then by ``options`` (a dict or Limits)."""
        limits = cls()
        env = os.environ.get(ENV, "").strip()
        if env:
            pairs = dict(_pair(item, ENV) for item in env.split(",") if item.strip())
            limits = limits.with_(pairs, ENV)
        if isinstance(options, Limits):
            return options
        if options:
            limits = limits.with_(dict(options), "limits")
        return limits

    def with_(self, changes: Mapping[str, Any], origin: str) -> Limits:
        """These limits with ``changes`` (names of fields → values such as 500000 or "500M")."""
        names = {f.name for f in dataclasses.fields(self)}
        values: dict[str, int] = {}
        for name, value in changes.items():
            if name not in names:
                raise UsageError(
                    f"unknown limit '{name}' in {origin}",
                    hint=f"limits: {', '.join(sorted(names))}",
                )
            values[name] = _size(value, name, origin)
        return dataclasses.replace(self, **values)


def _pair(item: str, origin: str) -> tuple[str, str]:
    name, equals, value = item.partition("=")
    if not equals:
        raise UsageError(f"'{item.strip()}' in {origin} is not NAME=VALUE", hint="e.g. rows=500000")
    return name.strip(), value.strip()


def _size(value: Any, name: str, origin: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(str(value).strip())
    if match is None or int(match.group(1)) <= 0:
        raise UsageError(
            f"limit {name}={value!r} in {origin} is not a positive whole number",
            hint="e.g. rows=500000 or part_bytes=500M",
        )
    scale = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match.group(2).lower()]
    return int(match.group(1)) * scale


def parse_options(items: list[str] | None) -> dict[str, str]:
    """``--limit NAME=VALUE`` options as a dict for :meth:`Limits.from_options`."""
    return dict(_pair(item, "--limit") for item in items or ())


@dataclass
class SheetScan:
    """What one pass over a sheet's XML found.

    ``rows``/``columns``: the last row and column (1-based) holding a value
    (0 for an empty sheet).  ``formulas``: (row, column) of formulas with no
    stored value.
    """

    rows: int = 0
    columns: int = 0
    formulas: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Inspection:
    """The sheets of a workbook by name, in the workbook's order, with their scans."""

    sheets: dict[str, SheetScan]


def _too_much(file: str, what: str, limit: int, name: str) -> DataError:
    return DataError(
        f"{what}, more than the limit of {limit:,}",
        Location(file=file),
        f"if the workbook is genuine, raise the limit: load(..., limits={{'{name}': N}}), "
        f"--limit {name}=N or {ENV}={name}=N",
    )


def inspect(content: bytes, file: str, limits: Limits) -> Inspection:
    """Check ``content`` (an .xlsx file) against ``limits`` without inflating more than a
    bounded amount; raises :class:`DataError` naming the limit and how to raise it."""
    if len(content) > limits.file_bytes:
        raise _too_much(
            file, f"the file is {len(content):,} bytes", limits.file_bytes, "file_bytes"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DataError(
            f"not a readable Excel workbook ({error})",
            Location(file=file),
            "save it from Excel as .xlsx",
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.parts:
            raise _too_much(file, f"the workbook has {len(members):,} parts", limits.parts, "parts")
        _check_sizes(members, file, limits)
        names = {info.filename for info in members}
        sheets = _sheet_parts(archive, names, file)
        strings = "xl/sharedStrings.xml"
        if strings in names:
            _scan(archive, strings, file, _StringCounter(limits, file))
        found: dict[str, SheetScan] = {}
        for title, part in sheets.items():
            if part not in names:
                continue
            scanner = _scan(archive, part, file, _SheetScanner(limits, file, title))
            found[title] = scanner.result
        return Inspection(found)


def _check_sizes(members: list[zipfile.ZipInfo], file: str, limits: Limits) -> None:
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > limits.part_bytes:
            raise _too_much(
                file,
                f"part '{info.filename}' inflates to {info.file_size:,} bytes",
                limits.part_bytes,
                "part_bytes",
            )
        if info.file_size > 2**20 and info.file_size > limits.ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _too_much(
                file,
                f"part '{info.filename}' inflates {ratio:,} times ({info.compress_size:,} to "
                f"{info.file_size:,} bytes)",
                limits.ratio,
                "ratio",
            )
    if total > limits.total_bytes:
        raise _too_much(
            file, f"the parts inflate to {total:,} bytes", limits.total_bytes, "total_bytes"
        )


class _Handler:
    """Receives the start and end of elements of one part (namespaces stripped)."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """An element starts."""

    def end(self, name: str) -> None:
        """An element ends."""

    def text(self, data: str) -> None:
        """Character data."""


def _scan(archive: zipfile.ZipFile, part: str, file: str, handler: Any) -> Any:
    """Stream ``part`` through expat into ``handler``; a DTD or bad XML is a DataError."""
    parser = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise DataError(
            f"part '{part}' declares a document type, which workbooks never need",
            Location(file=file),
            "save the workbook again from Excel or LibreOffice",
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = lambda name, attributes: handler.start(
        name.rpartition(":")[2], attributes
    )
    parser.EndElementHandler = lambda name: handler.end(name.rpartition(":")[2])
    parser.CharacterDataHandler = handler.text
    try:
        with archive.open(part) as stream:
            _feed(parser, stream)
    except expat.ExpatError as error:
        raise DataError(
            f"part '{part}' is not well-formed XML ({error})",
            Location(file=file),
            "save the workbook again from Excel or LibreOffice",
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataError(
            f"not a readable Excel workbook ({error})", Location(file=file), "save it again"
        ) from None
    return handler


def _feed(parser: Any, stream: IO[bytes]) -> None:
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            parser.Parse(b"", True)
            return
        parser.Parse(chunk, False)


class _Collector(_Handler):
    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, str]]] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.items.append((name, dict(attributes)))


def _sheet_parts(archive: zipfile.ZipFile, names: set[str], file: str) -> dict[str, str]:
    """Sheet title → its part, from xl/workbook.xml and its relationships."""
    if "xl/workbook.xml" not in names:
        return {}
    book = _scan(archive, "xl/workbook.xml", file, _Collector())
    targets: dict[str, str] = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names:
        for name, attributes in _scan(archive, rels, file, _Collector()).items:
            if name == "Relationship" and "Id" in attributes and "Target" in attributes:
                target = attributes["Target"]
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[attributes["Id"]] = path
    sheets: dict[str, str] = {}
    for name, attributes in book.items:
        if name != "sheet":
            continue
        rid = next((v for k, v in attributes.items() if k.endswith("id") and k != "sheetId"), "")
        if rid in targets:
            sheets[attributes.get("name", rid)] = targets[rid]
    return sheets


class _StringCounter(_Handler):
    def __init__(self, limits: Limits, file: str):
        self.limits = limits
        self.file = file
        self.count = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "si":
            self.count += 1
            if self.count > self.limits.strings:
                raise _too_much(
                    self.file,
                    f"the shared-string table has more than {self.limits.strings:,} entries",
                    self.limits.strings,
                    "strings",
                )


class _SheetScanner(_Handler):
    """Finds the used range of a sheet, counting only cells that hold a value."""

    def __init__(self, limits: Limits, file: str, title: str):
        self.limits = limits
        self.file = file
        self.title = title
        self.result = SheetScan()
        self.row = 0
        self.column = 0
        self.has_value = False
        self.has_formula = False
        self.in_value = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "row":
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            self.column = 0
        elif name == "c":
            reference = _CELL_REF.match(attributes.get("r", ""))
            if reference:
                self.column = _column_number(reference.group(1))
                self.row = int(reference.group(2))
            else:
                self.column += 1
            self.has_value = False
            self.has_formula = False
        elif name in ("v", "t"):
            self.in_value = True
        elif name == "f":
            self.has_formula = True

    def text(self, data: str) -> None:
        if self.in_value and data.strip():
            self.has_value = True

    def end(self, name: str) -> None:
        if name in ("v", "t"):
            self.in_value = False
        if name != "c":
            return
        if self.has_formula and not self.has_value:
            self.result.formulas.add((self.row, self.column))
        elif not self.has_value:
            return
        self._used(self.row, self.column)

    def _used(self, row: int, column: int) -> None:
        result = self.result
        result.rows = max(result.rows, row)
        result.columns = max(result.columns, column)
        where = f"sheet '{self.title}' uses cells up to {_letters(result.columns)}{result.rows}"
        if result.rows > self.limits.rows:
            raise _too_much(self.file, f"{where}: {result.rows:,} rows", self.limits.rows, "rows")
        if result.columns > self.limits.columns:
            raise _too_much(
                self.file,
                f"{where}: {result.columns:,} columns",
                self.limits.columns,
                "columns",
            )
        if result.rows * result.columns > self.limits.cells:
            raise _too_much(
                self.file,
                f"{where}: {result.rows:,} rows × {result.columns:,} columns "
                f"= {result.rows * result.columns:,} cells",
                self.limits.cells,
                "cells",
            )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _letters(column: int) -> str:
    from briefgen.data.cells import column_letter

    return column_letter(column - 1)
