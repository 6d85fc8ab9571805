"""Read tables (CSV, XLSX, pandas DataFrames) into the plain data the YAML reader gives.

Two layouts, told apart by the header (an ``indicator`` column means long):

* **long**: one row per observation; columns ``province, year, indicator`` and
  any :class:`~briefgen.data.records.Observation` field (``value, unit,
  yoy_pct, plan, plan_pct, rank, of, per_100, edition, note, source``).  Rows
  of the same province and year (same spelling) make one record, in
  first-seen order.
* **wide**: one row per province-year; columns ``province, year``, then one
  column per indicator id holding its value, and ``<indicator>.<field>``
  columns for the other fields (``ict_index.rank``, ``postal_revenue.yoy_pct``).

Column names are case-insensitive.  An empty cell means "not reported".
Numbers are plain ("1234.5") unless the table declares Vietnamese numbers
("2.890.000", "49,8", "100,67%") with ``locale="vi"``, a line ``# locale: vi``
before the header, or a column header ending in ``[vi]``.  Rows are numbered
as a spreadsheet shows them: the header is row 1 unless comment lines come
before it; a DataFrame's rows are numbered from 2, as if under a header row.

Cells that cannot be read (a bad number, an empty province) raise
:class:`DataError` here, naming file, row, column and field; everything else
is left to the shared validation in :mod:`briefgen.data.validate`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen.data.records import Observation
from briefgen.errors import DataError, Location, UsageError

if TYPE_CHECKING:
    from briefgen.data.load import Parsed

FRAME_FILE = "<DataFrame>"
"""The file label of data loaded from a pandas DataFrame."""

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
"""Suffixes read as Excel workbooks (bytes, not text)."""

TABLE_SUFFIXES = frozenset({".csv"}) | WORKBOOK_SUFFIXES
"""Suffixes read by this module; ``locale=`` applies to these only."""

LOCALES = ("vi", "en")
"""Declared number locales: "vi" reads "2.890.000" and "49,8"; "en" is the default."""

_FIELDS = tuple(Observation.model_fields)
_TEXT_FIELDS = frozenset({"unit", "note", "source"})
_LONG_REQUIRED = ("province", "year", "indicator")
_WIDE_REQUIRED = ("province", "year")

_LOCALE_LINE = re.compile(r"#\s*locale\s*:\s*(\S*)\s*$", re.IGNORECASE)
_VI_SUFFIX = re.compile(r"\s*\[vi\]$", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_VI_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_VI_HINT = (
    "declare Vietnamese numbers with a first line '# locale: vi', load(..., locale='vi'), "
    "or a column header ending in '[vi]'"
)


# --------------------------------------------------------------------------- readers


def read_csv(text: str, file: str, *, locale: str | None = None) -> Parsed:
    """Parse a CSV table (UTF-8, ``,`` ``;`` or tab delimited), long or wide."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def rows() -> Iterator[tuple[int, Sequence[object]]]:
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise DataError(f"not valid CSV: {error}", Location(file=file, row=start)) from None
            yield start, row

    return _read_table(rows(), file, locale)


def read_xlsx(
    content: bytes, file: str, *, sheet: str | None = None, locale: str | None = None
) -> Parsed:
    """Parse one sheet of an Excel workbook (``sheet`` by name; ``None``: the first)."""
    import openpyxl  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        # Harmless notes about workbooks from other tools; the data reads the same.
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        warnings.filterwarnings("ignore", ".*extension is not supported", UserWarning)
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
            raise DataError(
                f"not a readable Excel workbook ({error})",
                Location(file=file),
                "save it from Excel as .xlsx",
            ) from None
        try:
            if sheet is None:
                if not book.worksheets:
                    raise DataError("the workbook has no worksheet", Location(file=file))
                worksheet = book.worksheets[0]
            elif sheet in book.sheetnames:
                worksheet = book[sheet]
            else:
                raise DataError(
                    f"no sheet named '{sheet}'",
                    Location(file=file),
                    f"the workbook's sheets: {', '.join(book.sheetnames)}",
                )
            rows = enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1)
            return _read_table(rows, file, locale)
        finally:
            book.close()


def read_frame(frame: Any, *, locale: str | None = None) -> Parsed:
    """Parse a pandas DataFrame laid out like a long or wide table (the index is ignored)."""
    import pandas  # type: ignore[import-untyped,unused-ignore]

    header: list[object] = [str(column) for column in frame.columns]
    hint = None
    if any(name is not None for name in frame.index.names):
        hint = "columns in the index are not read: call frame.reset_index() first"

    def plain(value: object) -> object:
        if value is None or (pandas.api.types.is_scalar(value) and bool(pandas.isna(value))):
            return None
        item = getattr(value, "item", None)  # numpy scalars to Python numbers
        return item() if callable(item) and not isinstance(value, str) else value

    rows = (
        (position + 2, [plain(value) for value in values])
        for position, values in enumerate(frame.itertuples(index=False, name=None))
    )
    return _read_table(chain([(1, header)], rows), FRAME_FILE, locale, missing_hint=hint)


def is_frame(source: object) -> bool:
    """Whether ``source`` looks like a pandas DataFrame."""
    return hasattr(source, "to_dict") and hasattr(source, "columns")


def read_bytes(path: Path, file: str) -> bytes:
    """The bytes of a workbook, with the same errors as text files get."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError("file not found", Location(file=file)) from None
    except IsADirectoryError:
        raise DataError("is a folder, not a data file", Location(file=file)) from None
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", Location(file=file)) from None


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class _Column:
    """One named column: where it is, its header as written, and how to read it."""

    index: int
    header: str
    name: str
    vi: bool


class _Table:
    """The records of one table and the row each of their values came from."""

    def __init__(self, file: str, header_row: int, locale: str | None):
        self.file = file
        self.locale = locale
        self.records: list[dict[str, Any]] = []
        self.rows: dict[tuple[str | int, ...], int] = {(): header_row, ("records",): header_row}
        self.grouped: dict[tuple[str, int], int] = {}

    def line_of(self, path: Sequence[str | int]) -> int | None:
        key = tuple(path)
        while key not in self.rows:
            key = key[:-1]
        return self.rows[key]

    def record(self, province: str, year: int, row: int, *, group: bool) -> int:
        """The index of the record of ``province`` in ``year`` (grouped: the first seen)."""
        if group and (province, year) in self.grouped:
            return self.grouped[(province, year)]
        index = len(self.records)
        self.records.append({"province": province, "year": year, "observations": {}})
        self.rows[("records", index)] = row
        if group:
            self.grouped[(province, year)] = index
        return index

    def label(self, index: int) -> str:
        record = self.records[index]
        return f"record {index + 1} ({record['province']} {record['year']})"

    def observe(
        self, index: int, indicator: str, fields: dict[str, object], row: int, *, long: bool
    ) -> None:
        observations = self.records[index]["observations"]
        path: tuple[str | int, ...] = ("records", index, "observations", indicator)
        if indicator in observations and long:
            raise DataError(
                f"indicator '{indicator}' is given twice for this record "
                f"(also row {self.rows[path]})",
                Location(self.file, self.label(index), row, f"observations.{indicator}"),
                "keep one row per province, year and indicator",
            )
        observations[indicator] = fields
        self.rows[path] = row


def _read_table(
    rows: Iterable[tuple[int, Sequence[object]]],
    file: str,
    locale: str | None,
    *,
    missing_hint: str | None = None,
) -> Parsed:
    """Records from numbered rows: comment lines, a header, then data rows."""
    from briefgen.data.load import Parsed

    declared = _check_locale(locale, Location(file=file))
    iterator = iter(rows)
    for row_number, cells in iterator:
        if _is_blank_row(cells):
            continue
        first = cells[0]
        if isinstance(first, str) and first.lstrip().startswith("#"):
            match = _LOCALE_LINE.match(first.strip())
            if match and locale is None:
                declared = _check_locale(
                    match.group(1).lower(), Location(file=file, row=row_number)
                )
            continue
        header_row, header = row_number, cells
        break
    else:
        raise DataError("the table is empty: it needs a header row", Location(file=file, row=1))

    columns = _columns(header, file, header_row)
    names = {column.name: column for column in columns}
    long = "indicator" in names
    required = _LONG_REQUIRED if long else _WIDE_REQUIRED
    missing = [name for name in required if name not in names]
    if missing:
        hint = (
            f"a long table needs columns {', '.join(_LONG_REQUIRED)}; a wide one "
            f"{', '.join(_WIDE_REQUIRED)} and one column per indicator"
        )
        raise DataError(
            f"missing required column(s): {', '.join(missing)}",
            Location(file=file, row=header_row),
            hint if missing_hint is None else f"{missing_hint}; {hint}",
        )
    _check_fields(columns, long, file, header_row)
    named = {column.index for column in columns}
    table = _Table(file, header_row, declared)
    for row_number, cells in iterator:
        if _is_blank_row(cells):
            continue
        for position, cell in enumerate(cells):
            if position not in named and not _is_blank(cell):
                raise DataError(
                    f"a value ({cell!r}) in column {position + 1}, which has no header",
                    Location(file=file, row=row_number),
                    "name the column or clear it",
                )
        _row(table, names, columns, row_number, cells, long)
    return Parsed({"records": table.records}, table.line_of)


def _row(
    table: _Table,
    names: dict[str, _Column],
    columns: list[_Column],
    row: int,
    cells: Sequence[object],
    long: bool,
) -> None:
    def cell(column: _Column) -> object:
        return cells[column.index] if column.index < len(cells) else None

    def where(field: str, record: str | None = None) -> Location:
        return Location(table.file, record, row, field)

    province_cell = cell(names["province"])
    if _is_blank(province_cell):
        raise DataError("the province is empty", where("province"))
    province = _text(province_cell)
    year_column = names["year"]
    year_cell = cell(year_column)
    if _is_blank(year_cell):
        raise DataError("the year is empty", where("year"))
    year = _number(year_cell, table, year_column, where("year"))
    if not float(year).is_integer():
        raise DataError(f"the year {year_cell!r} is not a whole number", where("year"))
    index = table.record(province, int(year), row, group=long)
    label = table.label(index)

    if long:
        indicator_cell = cell(names["indicator"])
        if _is_blank(indicator_cell):
            raise DataError("the indicator is empty", where("indicator", label))
        indicator = _text(indicator_cell)
        fields: dict[str, object] = {}
        for column in columns:
            if column.name in _LONG_REQUIRED or _is_blank(cell(column)):
                continue
            field = f"observations.{indicator}.{column.name}"
            fields[column.name] = _value(
                cell(column), column.name, table, column, where(field, label)
            )
        table.observe(index, indicator, fields, row, long=True)
        return

    by_indicator: dict[str, dict[str, object]] = {}
    for column in columns:
        if column.name in _WIDE_REQUIRED or _is_blank(cell(column)):
            continue
        indicator, _, name = column.name.partition(".")
        name = name or "value"
        field = f"observations.{indicator}.{name}"
        value = _value(cell(column), name, table, column, where(field, label))
        by_indicator.setdefault(indicator, {})[name] = value
    for indicator, fields in by_indicator.items():
        table.observe(index, indicator, fields, row, long=False)


def _columns(header: Sequence[object], file: str, row: int) -> list[_Column]:
    columns: list[_Column] = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(header):
        written = "" if _is_blank(cell) else str(cell).strip()
        if not written:
            continue
        name = _VI_SUFFIX.sub("", written).strip().lower()
        if name in seen:
            raise DataError(
                f"column '{written}' appears twice (also '{seen[name]}')",
                Location(file=file, row=row),
            )
        seen[name] = written
        columns.append(_Column(index, written, name, name != written.lower()))
    return columns


def _check_fields(columns: list[_Column], long: bool, file: str, row: int) -> None:
    """Every column names a field a record or observation has."""
    for column in columns:
        if long:
            known = column.name in _LONG_REQUIRED or column.name in _FIELDS
            hint = f"allowed columns: {', '.join((*_LONG_REQUIRED, *_FIELDS))}"
        else:
            indicator, dot, name = column.name.partition(".")
            known = column.name in _WIDE_REQUIRED or (
                bool(indicator) and (not dot or name in _FIELDS)
            )
            hint = (
                "columns are province, year, <indicator> and <indicator>.<field> with a field "
                f"among: {', '.join(_FIELDS)}"
            )
        if not known:
            raise DataError(f"unknown column '{column.header}'", Location(file=file, row=row), hint)


# --------------------------------------------------------------------------- cells


def _value(cell: object, field: str, table: _Table, column: _Column, where: Location) -> object:
    if field in _TEXT_FIELDS:
        return _text(cell)
    return _number(cell, table, column, where)


def _number(cell: object, table: _Table, column: _Column, where: Location) -> int | float:
    """A number from a numeric cell or from text written in the table's locale."""
    if isinstance(cell, bool) or not isinstance(cell, (int, float, str)):
        raise DataError(
            f"{cell!r} in column '{column.header}' is not a number", where, _cell_hint(cell)
        )
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and not math.isfinite(cell):
            raise DataError(f"{cell!r} in column '{column.header}' is not a number", where)
        return cell
    text = cell.strip().removesuffix("%").strip()
    if column.vi or table.locale == "vi":
        text = _SPACES.sub("", text)
        if _VI_NUMBER.fullmatch(text):
            plain = text.replace(".", "").replace(",", ".")
            return float(plain) if "," in text else int(plain)
        raise DataError(
            f"'{cell}' in column '{column.header}' is not a Vietnamese number",
            where,
            "write '.' between thousands and ',' before decimals: 2.890.000 or 49,8",
        )
    if _PLAIN_NUMBER.fullmatch(text):
        return int(text) if text.lstrip("+-").isdigit() else float(text)
    if "," in text:
        raise DataError(
            f"'{cell}' in column '{column.header}' has a decimal comma", where, _VI_HINT
        )
    raise DataError(f"'{cell}' in column '{column.header}' is not a number", where)


def _cell_hint(cell: object) -> str | None:
    if isinstance(cell, (dt.date, dt.datetime, dt.time)):
        return "the cell is formatted as a date: format it as a number"
    if isinstance(cell, bool):
        return "the cell holds TRUE/FALSE"
    return None


def _text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _is_blank(cell: object) -> bool:
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    return isinstance(cell, float) and math.isnan(cell)


def _is_blank_row(cells: Sequence[object]) -> bool:
    return all(_is_blank(cell) for cell in cells)


def _check_locale(locale: str | None, where: Location) -> str | None:
    if locale is None or locale in LOCALES:
        return locale
    message = f"unknown number locale '{locale}'"
    hint = f"use one of: {', '.join(LOCALES)}"
    if where.row is None:
        raise UsageError(message, where, hint)
    raise DataError(message, where, hint)


def _delimiter(text: str) -> str:
    """``,``, ``;`` or tab: whichever the header line (the first non-comment line) uses most."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
            best = max(counts, key=lambda delimiter: counts[delimiter])
            return best if counts[best] else ","
    return ","
