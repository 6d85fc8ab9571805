"""Read a whole dataset from a workbook, a folder of CSV files or a dict of DataFrames.

The layout (:mod:`briefgen.data.layout`) has one sheet per kind of content:
settings, report facts, figures (wide or long) and their details, targets,
texts by section, leaders, local reports, sources, declared indicators and
ranking denominators.  Sheets are found by English id or Vietnamese label;
rows of every sheet meet in one record per province and year (any spelling of
one unit), in the order they first appear.  Every value remembers its cell,
so validation names sheet, cell, column, record and field.

A workbook none of whose sheets is part of the layout is read as one table of
figures (its first sheet, or ``sheet=``), as before the layout existed.
"""

from __future__ import annotations

import contextlib
import io
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen.data import cells, layout, limits, tabular
from briefgen.data.cells import Cell, CellProblem
from briefgen.data.indicators import Catalogue, Indicator, builtin
from briefgen.data.layout import Column, SheetKind
from briefgen.data.sheets import Assembly, Header, Table, data_rows, header
from briefgen.errors import DataError, Location, field_path

if TYPE_CHECKING:
    from briefgen.data.load import Parsed

FRAMES_FILE = "<DataFrames>"
"""The file label of data loaded from a dict of DataFrames."""

_SETTINGS = layout.by_id("settings")


def _declare(where: str) -> str:
    return (
        f"write vi (1.175.000 and 49,8) or en (1,175,000 and 49.8) as "
        f"'{layout.SETTINGS['locale']}' ({_SETTINGS.vi}: locale) {where}, end the column's "
        "header with ' [vi]' or ' [en]', or load(..., locale='vi')"
    )


DECLARE_WORKBOOK = _declare(f"in sheet '{_SETTINGS.vi}'")
DECLARE_FOLDER = _declare("in settings.csv")
DECLARE_FRAMES = _declare("in the 'settings' DataFrame")


# --------------------------------------------------------------------------- sources


def read_workbook(
    content: bytes,
    file: str,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    limits_: limits.Limits | Mapping[str, Any] | None = None,
) -> Parsed:
    """Parse an .xlsx workbook: the whole layout, or one table of figures (``sheet``)."""
    convention = tabular.check_locale(locale)
    inspection = limits.inspect(content, file, limits.Limits.from_options(limits_))
    with opened_workbook(content, file) as book:
        worksheets = {ws.title: ws for ws in book.worksheets}
        if not worksheets:
            raise DataError("the workbook has no worksheet", Location(file=file))

        def table(title: str) -> Table:
            scan = inspection.sheets.get(title, limits.SheetScan())
            rows = _worksheet_rows(worksheets[title], scan)
            return Table(file, title, rows, convention, DECLARE_WORKBOOK)

        if sheet is not None:
            if sheet not in worksheets:
                raise DataError(
                    f"no sheet named '{sheet}'",
                    Location(file=file),
                    f"the workbook's sheets: {', '.join(worksheets)}",
                )
            return _figures_only(table(sheet), file)
        kinds = _kinds(list(worksheets))
        if kinds is None:
            return _figures_only(table(next(iter(worksheets))), file)
        return assemble([(kind, table(title)) for kind, title in kinds.found], file, kinds)


@contextlib.contextmanager
def opened_workbook(content: bytes, file: str) -> Iterator[Any]:
    """The openpyxl workbook (read-only, values) of an .xlsx's bytes, closed afterwards;
    a :class:`DataError` naming ``file`` when it is not one.  Check its cost first
    (:func:`briefgen.data.limits.inspect`)."""
    import openpyxl  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped,unused-ignore]

    with warnings.catch_warnings():
        # Harmless notes about workbooks from other tools; the data reads the same.
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        warnings.filterwarnings("ignore", ".*extension is not supported", UserWarning)
        warnings.filterwarnings("ignore", "Data Validation extension", UserWarning)
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
            raise DataError(
                f"not a readable Excel workbook ({error})",
                Location(file=file),
                "save it from Excel as .xlsx",
            ) from None
        try:
            yield book
        finally:
            book.close()


def _worksheet_rows(worksheet: Any, scan: limits.SheetScan) -> Iterator[tuple[int, Sequence[Cell]]]:
    """The cells of a sheet that hold something, row by row, within its used range only."""
    last_row = max([scan.rows, *(row for row, _ in scan.formulas)])
    last_column = max([scan.columns, *(column for _, column in scan.formulas)])
    if last_row == 0 or last_column == 0:
        return
    rows = worksheet.iter_rows(min_row=1, max_row=last_row, min_col=1, max_col=last_column)
    for number, row in enumerate(rows, start=1):
        found: list[Cell] = []
        for index, item in enumerate(row):
            value = item.value
            formula = (number, index + 1) in scan.formulas
            if value is None and not formula:
                continue
            number_format = getattr(item, "number_format", None) or "General"
            found.append(Cell(value, number, index, number_format, formula))
        yield number, found


def read_folder(path: Path, file: str, *, locale: str | None = None) -> Parsed:
    """Parse a folder of CSV files named after the layout's sheets (figures.csv, Báo cáo.csv)."""
    convention = tabular.check_locale(locale)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    kinds = _kinds([p.stem for p in files])
    if kinds is None:
        raise DataError(
            "the folder holds no CSV file of the workbook layout",
            Location(file=file),
            "name the files after the sheets: figures.csv, reports.csv, targets.csv, ... "
            "(see docs/data.md)",
        )
    by_stem = {p.stem: p for p in files}
    tables = []
    for kind, stem in kinds.found:
        csv_path = by_stem[stem]
        label = str(csv_path)
        text = tabular.decode(tabular.read_bytes(csv_path, label), label)
        rows = tabular.csv_rows(text, label)
        tables.append((kind, Table(label, None, rows, convention, DECLARE_FOLDER, refs=False)))
    return assemble(tables, file, kinds)


def read_frames(frames: Mapping[str, Any], *, locale: str | None = None) -> Parsed:
    """Parse a dict of DataFrames keyed by sheet (``pandas.read_excel(path, sheet_name=None)``)."""
    convention = tabular.check_locale(locale)
    kinds = _kinds([str(name) for name in frames])
    if kinds is None:
        raise DataError(
            "none of the DataFrames is named after a sheet of the workbook layout",
            Location(file=FRAMES_FILE),
            "key them by sheet: {'figures': ..., 'reports': ..., 'targets': ...} "
            "(see docs/data.md)",
        )
    by_name = {str(name): frame for name, frame in frames.items()}
    tables = []
    for kind, name in kinds.found:
        rows, _ = tabular.frame_rows(by_name[name])
        tables.append(
            (kind, Table(FRAMES_FILE, name, rows, convention, DECLARE_FRAMES, refs=False))
        )
    return assemble(tables, FRAMES_FILE, kinds)


def is_frames(source: object) -> bool:
    """Whether ``source`` is a non-empty mapping of DataFrames."""
    return (
        isinstance(source, Mapping)
        and bool(source)
        and all(tabular.is_frame(frame) for frame in source.values())
    )


class _Kinds:
    """Which tables of a source hold which kind of sheet, and what was left out."""

    def __init__(self) -> None:
        self.found: list[tuple[SheetKind, str]] = []
        self.ignored: list[str] = []
        self.twice: list[tuple[str, str]] = []


def _kinds(names: list[str]) -> _Kinds | None:
    """The layout's sheets among ``names`` (None when there is none), in reading order."""
    kinds = _Kinds()
    chosen: dict[str, str] = {}
    for name in names:
        kind = layout.sheet_kind(name)
        if kind is None:
            kinds.ignored.append(name)
        elif kind in (layout.INSTRUCTIONS, layout.LISTS, layout.ADDRESSES):
            continue
        elif kind.id in chosen:
            kinds.twice.append((name, chosen[kind.id]))
        else:
            chosen[kind.id] = name
    if not chosen:
        return None
    order = {kind.id: position for position, kind in enumerate(layout.SHEETS)}
    kinds.found = sorted(
        ((layout.by_id(kind_id), name) for kind_id, name in chosen.items()),
        key=lambda item: order[item[0].id],
    )
    return kinds


def _figures_only(table: Table, file: str) -> Parsed:
    from briefgen.data.load import Parsed

    assembly = Assembly(file)
    tabular.read_figures(table, assembly, builtin())
    return Parsed(assembly.result(), assembly.line_of, tuple(assembly.problems.items))


# --------------------------------------------------------------------------- the layout


def assemble(tables: list[tuple[SheetKind, Table]], file: str, kinds: _Kinds) -> Parsed:
    """Records from the tables of the layout, with every problem found on the way."""
    from briefgen.data.load import Parsed

    assembly = Assembly(file)
    for name in kinds.ignored:
        assembly.problems.warn(
            f"'{name}' is not a sheet of the workbook layout and is not read",
            Location(file=file, sheet=name),
            "sheets: " + ", ".join(f"{kind.vi} ({kind.id})" for kind in layout.SHEETS),
        )
    for name, first in kinds.twice:
        assembly.problems.error(
            f"sheet '{name}' holds the same content as sheet '{first}'",
            Location(file=file, sheet=name),
            "keep one of them",
        )
    by_id = {kind.id: table for kind, table in tables}
    if "settings" in by_id:
        _settings(by_id["settings"], assembly)
    declared = assembly.data.pop("locale", None)
    for table in by_id.values():
        if table.convention is None:
            table.convention = declared
    catalogue = builtin()
    if "indicators" in by_id:
        catalogue = _indicators(by_id["indicators"], assembly, catalogue)
    if "denominators" in by_id:
        _denominators(by_id["denominators"], assembly)
    readers: dict[str, Callable[[Table, SheetKind, Assembly, Catalogue], None]] = {
        "reports": _reports,
        "figures": _figures,
        "figure_details": _figures,
        "targets": _targets,
        "texts": _texts,
        "leaders": _leaders,
        "local_reports": _local_reports,
        "sources": _sources,
    }
    for kind, table in tables:
        if kind.id in readers:
            readers[kind.id](table, kind, assembly, catalogue)
    if not assembly.records:
        assembly.data.setdefault("records", [])
    return Parsed(assembly.result(), assembly.line_of, tuple(assembly.problems.items))


def _head(table: Table, kind: SheetKind, assembly: Assembly) -> Header | None:
    """The header of a sheet of ``kind``; None (with a problem) when it lacks key columns."""
    known = ", ".join(f"{c.vi} ({c.id})" for c in kind.columns)

    def resolve(written: str) -> str | None:
        column = kind.column(written)
        return column.id if column is not None else None

    head = header(
        table, resolve, assembly.problems, describe=lambda: f"columns of this sheet: {known}"
    )
    if head is None:
        return None
    required = ("province", "year") if kind.keyed else (kind.columns[0].id,)
    missing = [name for name in required if name not in head.ids.values()]
    if missing:
        labels = ", ".join(f"'{kind.column(name).vi}' ({name})" for name in missing)  # type: ignore[union-attr]
        assembly.problems.error(
            f"missing required column(s): {labels}",
            table.at(None, row=head.row),
            f"columns of this sheet: {known}",
        )
        return None
    return head


def _rows(
    table: Table, kind: SheetKind, assembly: Assembly
) -> Iterator[tuple[int, dict[str, Cell], int, Header]]:
    """The rows of a keyed sheet with the index of the record each belongs to."""
    head = _head(table, kind, assembly)
    if head is None:
        return
    for row_number, row in data_rows(table, head, assembly.problems):
        index = assembly.record(table, row, row_number, head)
        if index is not None:
            yield row_number, row, index, head


def _read(
    cell: Cell, column: Column, table: Table, head: Header, *, percent: bool | None = None
) -> object:
    """One cell read the way its column says."""
    convention = head.conventions.get(cell.column) or table.convention
    if column.kind == "text":
        return cells.text(cell)
    if column.kind == "lines":
        return list(cells.lines(cell))
    if column.kind == "date":
        return cells.date(cell)
    if column.kind == "bool":
        return cells.boolean(cell)
    if column.kind == "integer":
        return cells.number(cell, convention, table.declare, whole=True)
    scale = column.percent if percent is None else percent
    return cells.number(cell, convention, table.declare, percent=scale)


def _where(
    table: Table, head: Header, cell: Cell, record: str | None, field: str | None
) -> Location:
    base = table.at(cell, head.written.get(cell.column))
    return Location(
        file=base.file,
        record=record,
        row=base.row,
        field=field,
        sheet=base.sheet,
        cell=base.cell,
        column=base.column,
    )


def _row_where(table: Table, head: Header, row: dict[str, Cell], label: str) -> Location:
    """Where a row's item is: its first cell."""
    first = min(row.values(), key=lambda cell: cell.column)
    return _where(table, head, first, label, None)


def _cells_of(
    table: Table,
    kind: SheetKind,
    head: Header,
    row: dict[str, Cell],
    assembly: Assembly,
    label: str | None,
    prefix: str,
    percent: Callable[[str], bool | None] = lambda name: None,
) -> tuple[dict[str, tuple[object, Location]], bool]:
    """The row's cells read by column (key columns left out), and whether all were readable."""
    values: dict[str, tuple[object, Location]] = {}
    readable = True
    for name, cell in row.items():
        if kind.keyed and name in ("province", "year"):
            continue
        column = kind.column(name)
        assert column is not None
        where = _where(table, head, cell, label, f"{prefix}{name}")
        try:
            values[name] = (_read(cell, column, table, head, percent=percent(name)), where)
        except CellProblem as problem:
            assembly.problems.error(problem.message, where, problem.hint)
            readable = False
    return values, readable


def _settings(table: Table, assembly: Assembly) -> None:
    kind = _SETTINGS
    head = _head(table, kind, assembly)
    if head is None:
        return
    names = {layout.key(label): name for name, label in layout.SETTINGS.items()}
    names.update({layout.key(name): name for name in layout.SETTINGS})
    for _, row in data_rows(table, head, assembly.problems):
        key_cell, value_cell = row.get("key"), row.get("value")
        if key_cell is None:
            continue
        name = names.get(layout.key(cells.text(key_cell)))
        where = _where(table, head, key_cell, None, None)
        if name is None:
            assembly.problems.error(
                f"unknown setting '{cells.text(key_cell)}'",
                where,
                "settings: " + ", ".join(f"{v} ({k})" for k, v in layout.SETTINGS.items()),
            )
            continue
        if value_cell is None:
            continue
        value = cells.text(value_cell)
        value_where = _where(table, head, value_cell, None, name)
        if name == "locale":
            convention = cells.check_convention(value)
            if convention is None:
                assembly.problems.error(
                    f"unknown number convention '{value}'",
                    value_where,
                    "write vi (1.175.000 and 49,8) or en (1,175,000 and 49.8)",
                )
                continue
            assembly.data["locale"] = convention
        else:
            assembly.put((name,), value, value_where)


def _indicators(table: Table, assembly: Assembly, catalogue: Catalogue) -> Catalogue:
    """Declared indicators into ``indicators:``; the catalogue the figures are read with."""
    kind = layout.by_id("indicators")
    head = _head(table, kind, assembly)
    if head is None:
        return catalogue
    declared: dict[str, dict[str, object]] = {}
    for _, row in data_rows(table, head, assembly.problems):
        id_cell = row.get("id")
        if id_cell is None:
            first = next(iter(row.values()))
            assembly.problems.error(
                "the indicator's id is empty", _where(table, head, first, None, "indicators")
            )
            continue
        indicator_id = cells.text(id_cell)
        where = _where(table, head, id_cell, None, f"indicators.{indicator_id}")
        if indicator_id in declared:
            assembly.problems.error(
                f"indicator '{indicator_id}' is declared twice", where, "keep one row for it"
            )
            continue
        values, _ = _cells_of(table, kind, head, row, assembly, None, f"indicators.{indicator_id}.")
        spec = {name: value for name, (value, _) in values.items() if name != "id"}
        declared[indicator_id] = spec
        assembly.place(("indicators", indicator_id), where)
        for name, (_, cell_where) in values.items():
            assembly.place(("indicators", indicator_id, name), cell_where)
    assembly.data["indicators"] = declared
    for indicator_id, spec in declared.items():
        try:
            catalogue = catalogue.extended({indicator_id: spec})
        except DataError:
            continue  # validation reports it at its cell
    return catalogue


def _denominators(table: Table, assembly: Assembly) -> None:
    kind = layout.by_id("denominators")
    head = _head(table, kind, assembly)
    if head is None:
        return
    declared: dict[str, dict[int, int]] = {}
    for _, row in data_rows(table, head, assembly.problems):
        values, readable = _cells_of(table, kind, head, row, assembly, None, "denominators.")
        if not readable:
            continue
        if not all(name in values for name in ("indicator", "year", "count")):
            first = next(iter(row.values()))
            assembly.problems.error(
                "a denominator needs an indicator, a year and a count",
                _where(table, head, first, None, "denominators"),
            )
            continue
        indicator = str(values["indicator"][0])
        year = int(values["year"][0])  # type: ignore[call-overload]
        by_year = declared.setdefault(indicator, {})
        if year in by_year:
            assembly.problems.error(
                f"the denominator of '{indicator}' in {year} is given twice",
                values["year"][1],
                "keep one row",
            )
            continue
        by_year[year] = int(values["count"][0])  # type: ignore[call-overload]
        assembly.place(("denominators", indicator), values["indicator"][1])
        assembly.place(("denominators", indicator, year), values["count"][1])
    assembly.data["denominators"] = declared


def _reports(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    for _, row, index, head in _rows(table, kind, assembly):
        label = assembly.record_label(index)
        values, _ = _cells_of(table, kind, head, row, assembly, label, "report.")
        base = ("records", index, "report")
        assembly.place(base, table.at(row["province"], "province"))
        people = {name for name in values if name.endswith("_role")}
        for name, (value, where) in values.items():
            if name in people:
                continue
            if f"{name}_role" in (c.id for c in kind.columns):
                assembly.put((*base, name, "name"), value, where)
                assembly.place((*base, name), where)
                continue
            if assembly.put((*base, name), value, where) and isinstance(value, list):
                assembly.owners[(*base, name)] = (table.file, table.sheet)
                for position in range(len(value)):
                    assembly.place((*base, name, position), where)
        for role in people:
            person = role.removesuffix("_role")
            value, where = values[role]
            if person not in values:
                assembly.problems.error(
                    f"a role ('{value}') without the person's name",
                    where,
                    f"fill in column '{kind.column(person).vi}' too"  # type: ignore[union-attr]
                    if kind.column(person)
                    else None,
                )
                continue
            assembly.put((*base, person, "role"), value, where)


def _figures(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    tabular.read_figures(table, assembly, catalogue)


def _targets(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    for _, row, index, head in _rows(table, kind, assembly):
        label = assembly.record_label(index)
        indicator_cell = row.get("indicator")
        found = catalogue.get(cells.text(indicator_cell)) if indicator_cell else None
        position = len(assembly.records[index].get("targets", []))
        prefix = f"targets.{position}."

        def percent(name: str, found: Indicator | None = found) -> bool | None:
            if name != "value":
                return False if name == "per_100" else None
            return None if found is None else found.kind == "percent"

        values, readable = _cells_of(table, kind, head, row, assembly, label, prefix, percent)
        if not readable:
            continue
        path = ("records", index, "targets")
        first = _row_where(table, head, row, label)
        position = assembly.append(path, {n: v for n, (v, _) in values.items()}, first)
        for name, (_, where) in values.items():
            assembly.place((*path, position, name), where)


def _texts(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    sections = {layout.key(label): name for name, label in layout.SECTIONS.items()}
    sections.update({layout.key(name): name for name in layout.SECTIONS})
    for _, row, index, head in _rows(table, kind, assembly):
        label = assembly.record_label(index)
        section_cell, text_cell = row.get("section"), row.get("text")
        if section_cell is None:
            where = _where(table, head, text_cell or row["province"], label, None)
            assembly.problems.error(
                "the section is empty",
                where,
                "sections: " + ", ".join(f"{v} ({k})" for k, v in layout.SECTIONS.items()),
            )
            continue
        section = sections.get(layout.key(cells.text(section_cell)))
        if section is None:
            assembly.problems.error(
                f"unknown section '{cells.text(section_cell)}'",
                _where(table, head, section_cell, label, None),
                "sections: " + ", ".join(f"{v} ({k})" for k, v in layout.SECTIONS.items()),
            )
            continue
        if text_cell is None:
            continue
        record = assembly.records[index]
        path: tuple[str | int, ...] = ("records", index, section)
        if section == "recipients":
            path = ("records", index, "report", "recipients")
            report = record.get("report", {})
            owner = assembly.owners.get(path)
            if "recipients" in report and owner != (table.file, table.sheet):
                assembly.problems.error(
                    f"the recipients of {assembly.label(index)} are given in sheet "
                    f"'{layout.by_id('reports').vi}' too",
                    _where(table, head, section_cell, label, "report.recipients"),
                    "keep them in one place",
                )
                continue
        position = len(_list_at(record, path[2:]))
        where = _where(table, head, text_cell, label, field_path((*path[2:], position)))
        assembly.append(path, cells.text(text_cell), where)
        assembly.owners[path] = (table.file, table.sheet)


def _list_at(record: dict[str, Any], path: tuple[str | int, ...]) -> list[Any]:
    current: Any = record
    for step in path:
        if not isinstance(current, dict) or step not in current:
            return []
        current = current[step]
    return current if isinstance(current, list) else []


def _leaders(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    _items(table, kind, assembly, "leaders")


def _sources(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    _items(table, kind, assembly, "sources")


def _items(table: Table, kind: SheetKind, assembly: Assembly, field: str) -> None:
    """One list item per row: a leader, a source."""
    for _, row, index, head in _rows(table, kind, assembly):
        label = assembly.record_label(index)
        position = len(assembly.records[index].get(field, []))
        values, readable = _cells_of(
            table, kind, head, row, assembly, label, f"{field}.{position}."
        )
        if not readable or not values:
            continue
        path = ("records", index, field)
        first = _row_where(table, head, row, label)
        position = assembly.append(path, {n: v for n, (v, _) in values.items()}, first)
        for name, (_, where) in values.items():
            assembly.place((*path, position, name), where)


def _local_reports(table: Table, kind: SheetKind, assembly: Assembly, catalogue: Catalogue) -> None:
    """Consecutive rows of one record, unit and topic make one local report."""
    last: tuple[int, object, object] | None = None
    for _, row, index, head in _rows(table, kind, assembly):
        label = assembly.record_label(index)
        reports = assembly.records[index].get("local_reports", [])
        position = len(reports) - 1
        values, readable = _cells_of(
            table, kind, head, row, assembly, label, f"local_reports.{max(position, 0)}."
        )
        if not readable or not values:
            continue
        unit = values.get("unit", (None, None))[0]
        topic = values.get("topic", (None, None))[0]
        path = ("records", index, "local_reports")
        first_where = _row_where(table, head, row, label)
        if last != (index, unit, topic) or position < 0:
            report: dict[str, object] = {"unit": unit} if unit is not None else {}
            if topic is not None:
                report["topic"] = topic
            position = assembly.append(path, report, first_where)
            for name in ("unit", "topic"):
                if name in values:
                    assembly.place((*path, position, name), values[name][1])
            last = (index, unit, topic)
        figure = {
            target: values[name][0]
            for name, target in (("label", "label"), ("value", "value"), ("figure_unit", "unit"))
            if name in values
        }
        if figure:
            figures_path = (*path, position, "figures")
            at = assembly.append(figures_path, figure, first_where)
            for name, target in (("label", "label"), ("value", "value"), ("figure_unit", "unit")):
                if name in values:
                    assembly.place((*figures_path, at, target), values[name][1])
