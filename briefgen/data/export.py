"""Write a dataset in the documented layout: a workbook, a folder of CSV files, YAML or JSON.

Loading what :func:`export` writes gives back an equal dataset: the same
records (every field), the same declared indicators and title.  Ranking
denominators that differ from the rule (63 units up to 2024, 34 from 2025)
are declared again from the figures that use them.

In a workbook and a CSV folder every sheet of the layout is written (empty
ones with their headers only, ready to fill).  Figures go in two sheets: the
main figure of each indicator (its value, or its rank for a ranking) in a
wide grid, one row per province-year; every other field (growth, plan,
density, notes) in the long "details" sheet.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefgen.data import layout
from briefgen.data.cells import MAX_CELL_TEXT
from briefgen.data.dataset import Dataset
from briefgen.data.indicators import Indicator, builtin
from briefgen.data.layout import SheetKind
from briefgen.data.records import Observation, Person, Record
from briefgen.data.tabular import grid_column, grid_label
from briefgen.errors import Location, OutputError, UsageError
from briefgen.files import check_file, check_folder, write_atomic

FORMATS = (".xlsx", ".yaml", ".yml", ".json")
"""File suffixes :func:`export` writes; any other path is a folder of CSV files."""


@dataclass
class Sheet:
    """One sheet to write: its kind, column ids and labels, rows, and number kinds."""

    kind: SheetKind
    ids: list[str]
    labels: list[str]
    rows: list[list[object]] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    indicators: list[Indicator | None] = field(default_factory=list)
    """For the figures grid: the indicator of each column (None for key columns)."""


def check_target(to: Path) -> None:
    """Refuse, before any work, a place ``export`` cannot write (a :class:`UsageError`):
    an unknown suffix, a folder at a file's name, a file at a folder's name or above it."""
    suffix = to.suffix.lower()
    if suffix in FORMATS:
        check_file(to)
    elif suffix and not to.is_dir():
        raise UsageError(
            f"cannot export to '{suffix}' files",
            Location(file=str(to)),
            f"use one of: {', '.join(FORMATS)}, or a folder (a path without a suffix)",
        )
    else:
        check_folder(to)


def export(dataset: Dataset, to: Path) -> Path:
    """Write ``dataset`` to ``to``: .xlsx, .yaml/.yml, .json, or else a folder of CSV files."""
    check_target(to)
    suffix = to.suffix.lower()
    if suffix in (".yaml", ".yml"):
        text = yaml.safe_dump(to_data(dataset), allow_unicode=True, sort_keys=False, width=100)
        return write_atomic(to, text.encode("utf-8"))
    if suffix == ".json":
        text = json.dumps(to_data(dataset), ensure_ascii=False, indent=1)
        return write_atomic(to, (text + "\n").encode("utf-8"))
    sheets = to_sheets(dataset)
    if suffix == ".xlsx":
        return write_atomic(to, workbook_bytes(sheets, str(to)))
    for sheet in sheets:
        write_atomic(to / f"{sheet.kind.id}.csv", csv_bytes(sheet))
    return to


# --------------------------------------------------------------------------- plain data


def to_data(dataset: Dataset) -> dict[str, Any]:
    """The dataset as the plain data a YAML file holds (``title``, ``indicators``, ...)."""
    data: dict[str, Any] = {}
    if dataset.title:
        data["title"] = dataset.title
    declared = declared_indicators(dataset)
    if declared:
        data["indicators"] = declared
    denominators = declared_denominators(dataset)
    if denominators:
        data["denominators"] = denominators
    data["records"] = [
        record.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        | {"province": record.province, "year": record.year}
        for record in dataset.records
    ]
    return data


def declared_indicators(dataset: Dataset) -> dict[str, dict[str, Any]]:
    """Indicators the dataset declares (new or changed against the built-in catalogue)."""
    builtin_catalogue = builtin()
    declared: dict[str, dict[str, Any]] = {}
    for indicator_id, indicator in dataset.catalogue.items():
        if builtin_catalogue.get(indicator_id) == indicator:
            continue
        spec: dict[str, Any] = {}
        for item in dataclasses.fields(indicator):
            if item.name == "id":
                continue
            value = getattr(indicator, item.name)
            spec[item.name] = value.id if item.name == "unit" else value
        declared[indicator_id] = spec
    return declared


def declared_denominators(dataset: Dataset) -> dict[str, dict[int, int]]:
    """Rankings out of another number of units than the year's rule, as the data file
    declares them (:meth:`Dataset.other_denominators`): indicator id → {edition: units}."""
    found: dict[str, dict[int, int]] = {}
    for (indicator_id, edition), count in sorted(dataset.other_denominators().items()):
        found.setdefault(indicator_id, {})[edition] = count
    return found


# --------------------------------------------------------------------------- sheets


def _sheet(kind: SheetKind, ids: Sequence[str] | None = None) -> Sheet:
    columns = [kind.column(name) for name in ids] if ids else list(kind.columns)
    return Sheet(
        kind,
        [c.id for c in columns if c],
        [c.vi for c in columns if c],
        widths=[c.width for c in columns if c],
    )


def to_sheets(dataset: Dataset) -> list[Sheet]:
    """Every sheet of the layout, filled from ``dataset`` (empty sheets keep their headers)."""
    records = dataset.records
    sheets = {kind.id: _sheet(kind) for kind in layout.SHEETS}
    if dataset.title:
        sheets["settings"].rows.append([layout.SETTINGS["title"], dataset.title])
    _fill_indicators(sheets["indicators"], declared_indicators(dataset))
    for indicator_id, by_year in declared_denominators(dataset).items():
        for year, count in sorted(by_year.items()):
            sheets["denominators"].rows.append([indicator_id, year, count])
    sheets["figures"] = figures_grid(dataset, records)
    for record in records:
        key = [record.province, record.year]
        sheets["reports"].rows.append(key + _report_row(sheets["reports"], record))
        _details(sheets["figure_details"], record, dataset)
        _targets(sheets["targets"], record)
        _texts(sheets["texts"], record)
        for leader in record.leaders:
            sheets["leaders"].rows.append([*key, leader.name, leader.role])
        _local_reports(sheets["local_reports"], record)
        for source in record.sources:
            row = [getattr(source, name, None) for name in sheets["sources"].ids[2:]]
            sheets["sources"].rows.append(key + row)
    return [sheets[kind.id] for kind in layout.SHEETS]


def _fill_indicators(sheet: Sheet, declared: dict[str, dict[str, Any]]) -> None:
    for indicator_id, spec in declared.items():
        sheet.rows.append([indicator_id if name == "id" else spec.get(name) for name in sheet.ids])


def figures_grid(
    dataset: Dataset, records: Sequence[Record], all_indicators: bool = False
) -> Sheet:
    """The wide sheet of main figures: one column per indicator the records report."""
    kind = layout.by_id("figures")
    used = {indicator_id for record in records for indicator_id in record.observations}
    indicators = [
        indicator
        for indicator_id, indicator in dataset.catalogue.items()
        if all_indicators or indicator_id in used
    ]
    sheet = _sheet(kind, ["province", "year"])
    sheet.indicators = [None, None]
    for indicator in indicators:
        sheet.ids.append(grid_column(indicator))
        sheet.labels.append(grid_label(indicator))
        sheet.widths.append(max(12, min(24, len(grid_label(indicator)) // 2 + 4)))
        sheet.indicators.append(indicator)
    for record in records:
        row: list[object] = [record.province, record.year]
        for indicator in indicators:
            observation = record.observations.get(indicator.id)
            row.append(None if observation is None else getattr(observation, _main(indicator)))
        sheet.rows.append(row)
    return sheet


def _main(indicator: Indicator) -> str:
    return "rank" if indicator.kind == "rank" else "value"


def _details(sheet: Sheet, record: Record, dataset: Dataset) -> None:
    """One row per observation with more than its main figure (or with nothing at all)."""
    for indicator_id, observation in record.observations.items():
        indicator = dataset.catalogue.get(indicator_id)
        main = _main(indicator) if indicator is not None else None
        values = {
            name: getattr(observation, name)
            for name in Observation.model_fields
            if name != main and getattr(observation, name) is not None
        }
        empty = all(getattr(observation, name) is None for name in Observation.model_fields)
        if not values and not empty:
            continue
        sheet.rows.append(
            [record.province, record.year, indicator_id]
            + [values.get(name) for name in sheet.ids[3:]]
        )


def _report_row(sheet: Sheet, record: Record) -> list[object]:
    report = record.report
    row: list[object] = []
    for name in sheet.ids[2:]:
        if name.endswith("_role") and hasattr(report, name.removesuffix("_role")):
            person = getattr(report, name.removesuffix("_role"))
            row.append(person.role if person is not None else None)
            continue
        value: Any = getattr(report, name, None)
        if isinstance(value, Person):
            value = value.name
        if name == "recipients" and any("\n" in line for line in value or ()):
            value = None  # kept one a row in the texts sheet instead
        row.append(value)
    return row


def _targets(sheet: Sheet, record: Record) -> None:
    for target in record.targets:
        row = [getattr(target, name) for name in sheet.ids[2:]]
        sheet.rows.append([record.province, record.year, *row])


def _texts(sheet: Sheet, record: Record) -> None:
    sections: list[tuple[str, Sequence[str]]] = [
        ("highlights", record.highlights),
        ("awards", record.awards),
    ]
    if any("\n" in line for line in record.report.recipients):
        sections.append(("recipients", record.report.recipients))
    for section, texts in sections:
        for text in texts:
            sheet.rows.append([record.province, record.year, layout.SECTIONS[section], text])


def _local_reports(sheet: Sheet, record: Record) -> None:
    for report in record.local_reports:
        key = [record.province, record.year, report.unit, report.topic]
        if not report.figures:
            sheet.rows.append([*key, None, None, None])
        for figure in report.figures:
            sheet.rows.append([*key, figure.label, figure.value, figure.unit])


# --------------------------------------------------------------------------- files


def csv_bytes(sheet: Sheet) -> bytes:
    """A sheet as UTF-8 CSV (with a byte order mark, so Excel reads the diacritics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.ids)
    for row in sheet.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "\n".join(str(item) for item in value)
    return str(value)


def workbook_bytes(sheets: Sequence[Sheet], file: str) -> bytes:
    """The sheets as an .xlsx workbook: two header rows (labels, ids), frozen, sized."""
    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        worksheet = book.create_sheet(sheet.kind.vi)
        write_header(worksheet, sheet)
        for offset, row in enumerate(sheet.rows):
            for column, value in enumerate(row):
                put(worksheet, 3 + offset, column + 1, value, file, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_header(worksheet: Any, sheet: Sheet) -> None:
    """Row 1: Vietnamese labels (bold); row 2: the ids (grey); both frozen; column widths."""
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]

    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (label, name) in enumerate(zip(sheet.labels, sheet.ids, strict=True), start=1):
        top = worksheet.cell(row=1, column=index, value=label)
        top.font = Font(bold=True)
        top.fill = fill
        top.alignment = Alignment(wrap_text=True, vertical="top")
        below = worksheet.cell(row=2, column=index, value=name)
        below.font = Font(color="808080", italic=True, size=9)
        width = sheet.widths[index - 1] if index - 1 < len(sheet.widths) else 16
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A3"


def put(worksheet: Any, row: int, column: int, value: object, file: str, sheet: Sheet) -> None:
    """Write one value: text stays text (even "=..."), dates as dates, lists one a line."""
    from openpyxl.styles import Alignment  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.utils.exceptions import IllegalCharacterError  # type: ignore[import-untyped,unused-ignore]

    if value is None:
        return
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(item) for item in value)
    if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
        raise OutputError(
            f"a text of {len(value):,} characters does not fit in a cell "
            f"(at most {MAX_CELL_TEXT:,})",
            Location(file=file, sheet=sheet.kind.vi, row=row, column=sheet.ids[column - 1]),
            "export to .yaml instead",
        )
    try:
        cell = worksheet.cell(row=row, column=column, value=value)
    except IllegalCharacterError:
        raise OutputError(
            "a text holds a control character a workbook cannot store",
            Location(file=file, sheet=sheet.kind.vi, row=row, column=sheet.ids[column - 1]),
            "export to .yaml instead",
        ) from None
    if isinstance(value, str):
        cell.data_type = "s"  # "=SUM(...)" typed as text stays text
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, dt.date):
        cell.number_format = "dd/mm/yyyy"
