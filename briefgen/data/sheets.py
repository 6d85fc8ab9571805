"""Tables of cells and the records they build, with every problem located at its cell.

A :class:`Table` is one sheet of a workbook, one CSV file or one DataFrame:
numbered rows of :class:`~briefgen.data.cells.Cell`.  :func:`header` finds its
header (after comment lines such as ``# locale: vi``; a second header row of
ids under a row of labels is read too), and :class:`Assembly` gathers the
values of many tables into records, remembering the cell each value came from
so that validation can name it.  Problems are collected, never raised: one run
reports every unreadable cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from briefgen.data import cells, provinces
from briefgen.data.cells import Cell, CellProblem, Convention
from briefgen.data.validate import Problem, record_label, record_name
from briefgen.errors import DataError, Location, field_path

_LOCALE_LINE = re.compile(r"#\s*locale\s*:\s*(\S*)\s*$", re.IGNORECASE)
_CONVENTION_SUFFIX = re.compile(r"\s*\[(vi|en)\]$", re.IGNORECASE)

Path = tuple[str | int, ...]


@dataclass
class Table:
    """One table: where it is, its rows, and the number convention its source declares.

    ``sheet``: the sheet's name (``None`` for a single CSV file or DataFrame).
    ``refs``: whether cells are named as a spreadsheet names them ("D7").
    ``declare``: how this kind of source declares its convention, for messages.
    """

    file: str
    sheet: str | None
    rows: Iterator[tuple[int, Sequence[Cell]]]
    convention: Convention | None = None
    declare: str = ""
    refs: bool = True

    def at(self, cell: Cell | None, column: str | None = None, row: int | None = None) -> Location:
        """The location of ``cell`` (or of a whole ``row``) in this table."""
        if cell is None:
            return Location(file=self.file, sheet=self.sheet, row=row)
        return Location(
            file=self.file,
            sheet=self.sheet,
            row=cell.row,
            cell=cell.ref if self.refs and self.sheet is not None else None,
            column=column,
        )


@dataclass(frozen=True)
class Header:
    """A table's named columns: position → (id, header as written, declared convention)."""

    row: int
    ids: dict[int, str]
    written: dict[int, str]
    conventions: dict[int, Convention]
    cells: dict[int, Cell] = field(default_factory=dict)

    def position(self, column_id: str) -> int | None:
        """Where the column ``column_id`` is, or None."""
        for index, name in self.ids.items():
            if name == column_id:
                return index
        return None


class Problems:
    """Problems found while reading, in the order found."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, message: str, where: Location, hint: str | None = None) -> None:
        self.items.append(Problem("error", message, where, hint))

    def warn(self, message: str, where: Location, hint: str | None = None) -> None:
        self.items.append(Problem("warning", message, where, hint))


def _convention_line(cell: object) -> str | None:
    if isinstance(cell, str):
        match = _LOCALE_LINE.match(cell.strip())
        if match:
            return match.group(1).lower()
    return None


def header(
    table: Table,
    resolve: Callable[[str], str | None],
    problems: Problems,
    *,
    describe: Callable[[], str],
) -> Header | None:
    """Find the header of ``table``: the first row that is neither blank nor a comment.

    ``resolve`` maps a header as written to a column id (None: unknown).  An
    unknown header is a problem and its column is not read; ``describe`` says
    which headers are known.  Returns None for a table with no header row.
    """
    for row_number, row in table.rows:
        if _blank(row):
            continue
        first = row[0].value if row and row[0].column == 0 else None
        if isinstance(first, str) and first.lstrip().startswith("#"):
            declared = _convention_line(first)
            if declared is not None and table.convention is None:
                convention = cells.check_convention(declared)
                if convention is None:
                    problems.error(
                        f"unknown number convention '{declared}'",
                        table.at(row[0], row=row_number),
                        "use '# locale: vi' (1.175.000 and 49,8) or '# locale: en'",
                    )
                table.convention = convention
            continue
        ids_row = _ids_row(table, resolve)
        rows = [row] if ids_row is None else [row, ids_row[1]]
        return _read_header(
            table, ids_row[0] if ids_row else row_number, rows, resolve, problems, describe
        )
    return None


def _ids_row(
    table: Table, resolve: Callable[[str], str | None]
) -> tuple[int, Sequence[Cell]] | None:
    """The row under the header when it names columns too (new workbooks: labels, then ids).

    Such a row holds only text that names columns; a data row always holds a
    province name and a year, which name none.
    """
    rows = table.rows
    for row_number, row in rows:
        if _blank(row):
            continue
        filled = [cell for cell in row if not cells.is_blank(cell.value)]
        if all(
            isinstance(cell.value, str)
            and resolve(_CONVENTION_SUFFIX.sub("", cell.value)) is not None
            for cell in filled
        ):
            return row_number, row
        table.rows = _prepend((row_number, row), rows)
        return None
    return None


def _read_header(
    table: Table,
    row_number: int,
    rows: list[Sequence[Cell]],
    resolve: Callable[[str], str | None],
    problems: Problems,
    describe: Callable[[], str],
) -> Header:
    """Columns named by the header rows (an id in the second row wins over a label above it)."""
    ids: dict[int, str] = {}
    written: dict[int, str] = {}
    conventions: dict[int, Convention] = {}
    where: dict[int, Cell] = {}
    unknown: dict[int, Cell] = {}
    for row in rows:
        for cell in row:
            if cells.is_blank(cell.value):
                continue
            text = str(cell.value).strip() if cell.formula else cells.text(cell)
            suffix = _CONVENTION_SUFFIX.search(text)
            if suffix:
                conventions[cell.column] = suffix.group(1).lower()  # type: ignore[assignment]
            column_id = resolve(text[: suffix.start()] if suffix else text)
            if column_id is None:
                unknown.setdefault(cell.column, cell)
                continue
            unknown.pop(cell.column, None)
            ids[cell.column] = column_id
            written[cell.column] = text
            where[cell.column] = cell
    for column, cell in sorted(unknown.items()):
        if column not in ids:
            text = cells.text(cell)
            problems.error(f"unknown column '{text}'", table.at(cell, text), describe())
    seen: dict[str, Cell] = {}
    for column in sorted(ids):
        column_id, cell = ids[column], where[column]
        if column_id in seen:
            also = _cell_name(table, seen[column_id])
            problems.error(
                f"column '{written[column]}' appears twice (also {also})",
                table.at(cell, written[column]),
                "keep one column of each; the second is not read",
            )
            del ids[column]
            continue
        seen[column_id] = cell
    return Header(row_number, ids, written, conventions, where)


def _prepend(
    first: tuple[int, Sequence[Cell]], rest: Iterator[tuple[int, Sequence[Cell]]]
) -> Iterator[tuple[int, Sequence[Cell]]]:
    yield first
    yield from rest


def _blank(row: Sequence[Cell]) -> bool:
    return all(cells.is_blank(cell.value) for cell in row)


def _cell_name(table: Table, cell: Cell) -> str:
    if table.refs and table.sheet is not None:
        return f"cell {cell.ref}"
    return f"row {cell.row}"


def data_rows(
    table: Table, head: Header, problems: Problems
) -> Iterator[tuple[int, dict[str, Cell]]]:
    """The table's rows after the header: column id → non-blank cell.

    A value under a column without a header is reported once per column.
    """
    reported: set[int] = set()
    known = set(head.ids) | set(head.written)
    for row_number, row in table.rows:
        named: dict[str, Cell] = {}
        for cell in row:
            if cells.is_blank(cell.value) and not cell.formula:
                continue
            if cell.column in head.ids:
                named[head.ids[cell.column]] = cell
            elif cell.column not in known and cell.column not in reported:
                reported.add(cell.column)
                problems.error(
                    f"a value ({cells.text(cell)!r}) in column {cells.column_letter(cell.column)}, "
                    "which has no header",
                    table.at(cell),
                    "name the column or clear it",
                )
        if named:
            yield row_number, named


# --------------------------------------------------------------------------- records


class Assembly:
    """Records built from many tables, and the place of every value in them."""

    def __init__(self, file: str):
        self.file = file
        self.data: dict[str, Any] = {}
        self.records: list[dict[str, Any]] = []
        self.problems = Problems()
        self._where: dict[Path, Location] = {(): Location(file=file)}
        self._keys: dict[tuple[str, int], int] = {}
        self.damaged: set[Path] = set()
        """Observations with a cell that could not be read: validation is spared what
        follows from the missing cell ('of' without 'rank')."""
        self.owners: dict[Path, tuple[str, str | None]] = {}
        """Which table filled a list (recipients may come from two sheets, not both)."""

    # -- places

    def line_of(self, path: Sequence[str | int]) -> Location | None:
        """The location of the value at ``path`` (or of the nearest enclosing one)."""
        key = tuple(path)
        while key not in self._where:
            key = key[:-1]
        return self._where[key]

    def place(self, path: Path, where: Location) -> None:
        """Remember where the value at ``path`` came from (the first place wins)."""
        self._where.setdefault(path, where)

    # -- records

    def record(
        self, table: Table, row: dict[str, Cell], row_number: int, head: Header | None = None
    ) -> int | None:
        """The index of the record the row's province and year name (made on first sight).

        None (with a problem) when the province or year is missing or unreadable.
        """
        province_cell = row.get("province")
        year_cell = row.get("year")

        def column(cell: Cell, name: str) -> str:
            return head.written.get(cell.column, name) if head is not None else name

        if province_cell is None:
            self.problems.error(
                "the province is empty", table.at(None, row=row_number), "name the province"
            )
            return None
        province = cells.text(province_cell)
        if year_cell is None:
            self.problems.error("the year is empty", table.at(None, row=row_number))
            return None
        try:
            year = cells.whole_number(year_cell, None, table.declare)
        except CellProblem as problem:
            self.problems.error(
                problem.message, table.at(year_cell, column(year_cell, "year")), problem.hint
            )
            return None
        record_key = (_province_key(province, year), year)
        if record_key in self._keys:
            return self._keys[record_key]
        index = len(self.records)
        self._keys[record_key] = index
        self.records.append({"province": province, "year": year})
        province_at = table.at(province_cell, column(province_cell, "province"))
        self.place(("records", index), province_at)
        self.place(("records", index, "province"), province_at)
        self.place(("records", index, "year"), table.at(year_cell, column(year_cell, "year")))
        return index

    def label(self, index: int) -> str:
        """ "Nam Định 2021" for the record at ``index`` (the official name when it resolves)."""
        record = self.records[index]
        return record_name(record["province"], record["year"])

    def record_label(self, index: int) -> str:
        """The record as validation names it: "record 2 (Nam Định 2021)"."""
        return record_label(index, self.records[index]["province"], self.records[index]["year"])

    def put(self, path: Path, value: object, where: Location) -> bool:
        """Set the value at ``path`` (dicts made on the way); a value given twice is a problem."""
        target = self._container(path[:-1])
        last = path[-1]
        if isinstance(target, dict) and last in target:
            first = self._where.get(path)
            also = f" (also {_describe(first, where)})" if first is not None else ""
            self.problems.error(
                f"{_field_name(path)} is given twice for {self.label(int(path[1]))}{also}",
                where,
                "keep one; clear the other",
            )
            return False
        target[last] = value
        self._where[path] = where
        return True

    def ensure(self, path: Path) -> None:
        """Make the mapping at ``path`` exist (an observation reported with no figure)."""
        self._container(path)

    def append(self, path: Path, value: object, where: Location) -> int:
        """Append ``value`` to the list at ``path``; returns its index."""
        items = self._container(path, list)
        items.append(value)
        self._where.setdefault((*path, len(items) - 1), where)
        return len(items) - 1

    def _container(self, path: Path, leaf: type = dict) -> Any:
        current: Any = self.data if path[:1] != ("records",) else None
        if path[:1] == ("records",):
            current = self.records[int(path[1])]
            path = path[2:]
        for position, step in enumerate(path):
            kind = leaf if position == len(path) - 1 else dict
            if isinstance(current, dict):
                current = current.setdefault(step, kind())
            else:
                current = current[int(step)]
        return current

    def result(self) -> dict[str, Any]:
        """The plain data the records and other tables make (as a YAML file would hold)."""
        for path in self.damaged:
            observation = self._container(path)
            if isinstance(observation, dict) and "rank" not in observation:
                observation.pop("of", None)
        return {**self.data, "records": self.records}


def _describe(first: Location, now: Location) -> str:
    """Where ``first`` is, said from ``now``: "cell E2", "sheet 'Số liệu' cell E2", "row 2"."""
    place = f"cell {first.cell}" if first.cell is not None else f"row {first.row}"
    if first.sheet is not None and first.sheet != now.sheet:
        return f"sheet '{first.sheet}' {place}"
    if first.file != now.file and first.file is not None:
        return f"{first.file} {place}"
    return place


def _field_name(path: Path) -> str:
    parts = [str(p) for p in path[2:]]
    if parts[:1] == ["observations"] and len(parts) == 3:
        return f"'{parts[2]}' of '{parts[1]}'"
    return f"'{field_path(path[2:])}'"


def _province_key(name: str, year: int) -> str:
    """Spellings of one unit share a key; an unknown name keys on its normalised text."""
    try:
        return provinces.resolve(name, year=year).code
    except DataError:
        return "?" + provinces.normalise(name)


def located(where: Location, **changes: Any) -> Location:
    """``where`` with ``changes`` (a shorthand for :func:`dataclasses.replace`)."""
    return replace(where, **changes)
