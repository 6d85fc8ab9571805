"""Read tables of figures (CSV, one sheet of a workbook, a pandas DataFrame).

Two layouts, told apart by the header (an ``indicator`` column means long):

* **long**: one row per observation; columns ``province, year, indicator`` and
  any :class:`~briefgen.data.records.Observation` field (``value, unit,
  yoy_pct, plan, plan_pct, rank, of, per_100, edition, note, source``).  Rows
  of the same province and year (any spelling of one unit) make one record,
  in first-seen order.
* **wide**: one row per province-year; columns ``province, year``, then one
  column per indicator id holding its value (its rank, for a ranking such as
  ``dti``), and ``<indicator>.<field>`` columns for the other fields
  (``ict_index.of``, ``postal_revenue.yoy_pct``).

Columns are named by id or by Vietnamese label ("Tỉnh, thành phố", "Năm",
"Chỉ tiêu", "Thuê bao điện thoại"), in any case.  An empty cell means "not
reported".  Numbers typed as text are read as :mod:`briefgen.data.cells`
says: plain unless the table declares its convention with ``locale=``, a line
``# locale: vi`` (or ``en``) before the header, or a header ending in
``[vi]`` / ``[en]``.  Rows are numbered as a spreadsheet shows them; a
DataFrame's rows are numbered from 2, as if under a header row.

Every unreadable cell is a problem naming file, row, column, record and
field; reading goes on, so one run reports them all.  The rest is left to the
shared validation in :mod:`briefgen.data.validate`.  A workbook of several
sheets (figures, report facts, targets, texts) is read by
:mod:`briefgen.data.workbook`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen.data import cells, layout
from briefgen.data.cells import LOCALES, Cell, CellProblem, Convention
from briefgen.data.indicators import Catalogue, Indicator, builtin
from briefgen.data.records import Observation
from briefgen.data.sheets import Assembly, Header, Table, data_rows, header
from briefgen.errors import DataError, Location, UsageError

if TYPE_CHECKING:
    from briefgen.data.load import Parsed

__all__ = ["FRAME_FILE", "LOCALES", "TABLE_SUFFIXES", "WORKBOOK_SUFFIXES"]

FRAME_FILE = "<DataFrame>"
"""The file label of data loaded from a pandas DataFrame."""

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
"""Suffixes read as Excel workbooks (bytes, not text)."""

TABLE_SUFFIXES = frozenset({".csv"}) | WORKBOOK_SUFFIXES
"""Suffixes read as tables; ``locale=`` applies to these (and to folders and DataFrames)."""

FIELDS = tuple(Observation.model_fields)
_TEXT_FIELDS = frozenset({"unit", "note", "source"})
_WHOLE_FIELDS = frozenset({"rank", "of", "edition"})
_PERCENT_FIELDS = frozenset({"yoy_pct", "plan_pct"})
_LONG_REQUIRED = ("province", "year", "indicator")
_WIDE_REQUIRED = ("province", "year")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z_0-9]+)?")

DECLARE_CSV = (
    "a first line '# locale: vi' (1.175.000 and 49,8) or '# locale: en' (1,175,000 and 49.8), "
    "a header ending in ' [vi]' or ' [en]', or load(..., locale='vi')"
)
DECLARE_FRAME = "load(frame, locale='vi') or locale='en', or a column name ending in ' [vi]'"


# --------------------------------------------------------------------------- readers


def read_csv(text: str, file: str, *, locale: str | None = None) -> Parsed:
    """Parse a CSV table of figures (UTF-8, ``,`` ``;`` or tab delimited), long or wide."""
    from briefgen.data.load import Parsed

    assembly = Assembly(file)
    table = Table(file, None, csv_rows(text, file), check_locale(locale), DECLARE_CSV, refs=False)
    read_figures(table, assembly, builtin())
    return Parsed(assembly.result(), assembly.line_of, tuple(assembly.problems.items))


def csv_rows(text: str, file: str) -> Iterator[tuple[int, Sequence[Cell]]]:
    """The numbered rows of a CSV text, as cells."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise DataError(f"not valid CSV: {error}", Location(file=file, row=start)) from None
        yield start, [Cell(value, start, index) for index, value in enumerate(row)]


def read_frame(frame: Any, *, locale: str | None = None) -> Parsed:
    """Parse a pandas DataFrame of figures laid out like a long or wide table."""
    from briefgen.data.load import Parsed

    assembly = Assembly(FRAME_FILE)
    rows, hint = frame_rows(frame)
    table = Table(FRAME_FILE, None, rows, check_locale(locale), DECLARE_FRAME, refs=False)
    read_figures(table, assembly, builtin(), missing_hint=hint)
    return Parsed(assembly.result(), assembly.line_of, tuple(assembly.problems.items))


def frame_rows(frame: Any) -> tuple[Iterator[tuple[int, Sequence[Cell]]], str | None]:
    """A DataFrame's header and rows as cells (numbered from 1), and a hint about its index."""
    import pandas  # type: ignore[import-untyped,unused-ignore]

    hint = None
    if any(name is not None for name in frame.index.names):
        hint = "columns in the index are not read: call frame.reset_index() first"

    def plain(value: object) -> object:
        if value is None or (pandas.api.types.is_scalar(value) and bool(pandas.isna(value))):
            return None
        if isinstance(value, pandas.Timestamp):
            return value.to_pydatetime()
        item = getattr(value, "item", None)  # numpy scalars to Python numbers
        return item() if callable(item) and not isinstance(value, str) else value

    header_row = [Cell(str(column), 1, index) for index, column in enumerate(frame.columns)]
    rows = (
        (position + 2, [Cell(plain(v), position + 2, i) for i, v in enumerate(values)])
        for position, values in enumerate(frame.itertuples(index=False, name=None))
    )
    return chain([(1, header_row)], rows), hint


def is_frame(source: object) -> bool:
    """Whether ``source`` looks like a pandas DataFrame."""
    return hasattr(source, "to_dict") and hasattr(source, "columns")


def read_bytes(path: Path, file: str, kind: str = "a data file") -> bytes:
    """The bytes of a file (``kind`` of file, for a folder given instead), with the same
    errors for every format."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError("file not found", Location(file=file)) from None
    except IsADirectoryError:
        raise DataError(f"is a folder, not {kind}", Location(file=file)) from None
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", Location(file=file)) from None


def decode(raw: bytes, file: str) -> str:
    """``raw`` as UTF-8 text (a byte-order mark dropped); a :class:`DataError` naming
    ``file`` if it is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"not UTF-8 text (byte {error.start})", Location(file=file), "save the file as UTF-8"
        ) from None


def check_locale(locale: str | None) -> Convention | None:
    """The declared ``locale=`` option, refused with a usage error when unknown."""
    if locale is None:
        return None
    convention = cells.check_convention(locale)
    if convention is None or locale != convention:
        raise UsageError(
            f"unknown number locale '{locale}'", hint=f"use one of: {', '.join(LOCALES)}"
        )
    return convention


# --------------------------------------------------------------------------- figures


def _names(catalogue: Catalogue) -> dict[str, str]:
    """Header key → column id for figure tables: fixed columns, fields, indicator labels."""
    names: dict[str, str] = {}
    for indicator in catalogue.values():
        for label in (indicator.en, indicator.en_short, indicator.vi, indicator.vi_short):
            names.setdefault(layout.key(label), grid_column(indicator))
        names[layout.key(grid_label(indicator))] = grid_column(indicator)
    kind = layout.by_id("figure_details")
    for column in kind.columns:
        names[layout.key(column.vi)] = column.id
        names[layout.key(column.id)] = column.id
    return names


def grid_label(indicator: Indicator) -> str:
    """The Vietnamese header of an indicator's column in a wide table."""
    unit = "thứ hạng" if indicator.kind == "rank" else indicator.unit.vi
    return f"{indicator.vi_short} ({unit})" if unit else indicator.vi_short


def grid_column(indicator: Indicator) -> str:
    """The id header of an indicator's main column in a wide table ("dti.rank" for rankings)."""
    return f"{indicator.id}.rank" if indicator.kind == "rank" else indicator.id


def read_figures(
    table: Table, assembly: Assembly, catalogue: Catalogue, *, missing_hint: str | None = None
) -> None:
    """Read a long or wide table of figures into ``assembly``'s records."""
    names = _names(catalogue)

    def resolve(written: str) -> str | None:
        found = names.get(layout.key(written))
        if found is not None:
            return found
        raw = written.strip().lower()
        return raw if _IDENTIFIER.fullmatch(raw) else None

    problems = assembly.problems
    head = header(table, resolve, problems, describe=lambda: _describe_columns(None))
    if head is None:
        problems.error(
            "the table is empty: it needs a header row", table.at(None, row=1), _hint(None, None)
        )
        return
    long = "indicator" in head.ids.values()
    required = _LONG_REQUIRED if long else _WIDE_REQUIRED
    missing = [name for name in required if name not in head.ids.values()]
    if missing:
        problems.error(
            f"missing required column(s): {', '.join(missing)}",
            table.at(None, row=head.row),
            _hint(missing_hint, long),
        )
        return
    _check_columns(table, head, long, catalogue, assembly)
    for row_number, row in data_rows(table, head, problems):
        index = assembly.record(table, row, row_number, head)
        if index is None:
            continue
        if long:
            _long_row(table, head, row, index, assembly, catalogue)
        else:
            _wide_row(table, head, row, index, assembly, catalogue)


def _hint(missing_hint: str | None, long: bool | None) -> str:
    hint = (
        f"a long table needs columns {', '.join(_LONG_REQUIRED)}; a wide one "
        f"{', '.join(_WIDE_REQUIRED)} and one column per indicator"
    )
    return hint if missing_hint is None else f"{missing_hint}; {hint}"


def _describe_columns(long: bool | None) -> str:
    if long:
        return f"allowed columns: {', '.join((*_LONG_REQUIRED, *FIELDS))}"
    return (
        "columns are province, year, <indicator> and <indicator>.<field> with a field "
        f"among: {', '.join(FIELDS)} (or, with an 'indicator' column, the fields alone)"
    )


def _check_columns(
    table: Table, head: Header, long: bool, catalogue: Catalogue, assembly: Assembly
) -> None:
    """Columns that do not fit the table's layout are problems, and are not read."""
    for position, name in list(head.ids.items()):
        cell = head.cells.get(position)
        written = head.written.get(position, name)
        if name in _LONG_REQUIRED or (long and name in FIELDS):
            continue
        indicator, dot, field = name.partition(".")
        if long or (dot and field not in FIELDS) or (not dot and name in FIELDS):
            assembly.problems.error(
                f"unknown column '{written}'", table.at(cell, written), _describe_columns(long)
            )
        elif indicator not in catalogue:
            try:
                catalogue.require(indicator)
            except DataError as error:
                assembly.problems.error(error.message, table.at(cell, written), error.hint)
        else:
            continue
        del head.ids[position]


def _long_row(
    table: Table,
    head: Header,
    row: dict[str, cells.Cell],
    index: int,
    assembly: Assembly,
    catalogue: Catalogue,
) -> None:
    indicator_cell = row.get("indicator")
    label = assembly.record_label(index)
    if indicator_cell is None:
        assembly.problems.error(
            "the indicator is empty",
            _at(table, head, row["province"], label, "indicator"),
            "name the indicator, or clear the row",
        )
        return
    indicator = cells.text(indicator_cell)
    assembly.place(
        ("records", index, "observations", indicator),
        _at(table, head, indicator_cell, label, f"observations.{indicator}"),
    )
    assembly.place(("records", index, "observations"), table.at(indicator_cell, "indicator"))
    assembly.ensure(("records", index, "observations", indicator))
    found = catalogue.get(indicator)
    for name, cell in row.items():
        if name in _LONG_REQUIRED:
            continue
        _field(table, head, cell, index, indicator, name, found, assembly)


def _wide_row(
    table: Table,
    head: Header,
    row: dict[str, cells.Cell],
    index: int,
    assembly: Assembly,
    catalogue: Catalogue,
) -> None:
    for name, cell in row.items():
        if name in _WIDE_REQUIRED:
            continue
        indicator_id, _, field = name.partition(".")
        found = catalogue.get(indicator_id)
        if not field:
            field = "rank" if found is not None and found.kind == "rank" else "value"
        label = assembly.record_label(index)
        assembly.place(
            ("records", index, "observations", indicator_id),
            _at(table, head, cell, label, f"observations.{indicator_id}"),
        )
        _field(table, head, cell, index, indicator_id, field, found, assembly)


def _field(
    table: Table,
    head: Header,
    cell: cells.Cell,
    index: int,
    indicator_id: str,
    field: str,
    indicator: Indicator | None,
    assembly: Assembly,
) -> None:
    label = assembly.record_label(index)
    where = _at(table, head, cell, label, f"observations.{indicator_id}.{field}")
    try:
        value = read_field(
            cell, field, indicator, head.conventions.get(cell.column) or table.convention, table
        )
    except CellProblem as problem:
        assembly.problems.error(problem.message, where, problem.hint)
        assembly.damaged.add(("records", index, "observations", indicator_id))
        return
    assembly.put(("records", index, "observations", indicator_id, field), value, where)


def read_field(
    cell: cells.Cell,
    field: str,
    indicator: Indicator | None,
    convention: Convention | None,
    table: Table,
) -> object:
    """One observation field from a cell: text, a whole number or a number (percent-aware)."""
    if field in _TEXT_FIELDS:
        return cells.text(cell)
    if field in _WHOLE_FIELDS:
        return cells.number(cell, convention, table.declare, whole=True)
    percent: bool | None
    if field in _PERCENT_FIELDS:
        percent = True
    elif field in ("value", "plan"):
        percent = None if indicator is None else indicator.kind == "percent"
    else:
        percent = False
    return cells.number(cell, convention, table.declare, percent=percent)


def _at(table: Table, head: Header, cell: cells.Cell, record: str, field: str) -> Location:
    where = table.at(cell, head.written.get(cell.column))
    return Location(
        file=where.file,
        record=record,
        row=where.row,
        field=field,
        sheet=where.sheet,
        cell=where.cell,
        column=where.column,
    )


def _delimiter(text: str) -> str:
    """``,``, ``;`` or tab: whichever the header line (the first non-comment line) uses most."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
            best = max(counts, key=lambda delimiter: counts[delimiter])
            return best if counts[best] else ","
    return ","
