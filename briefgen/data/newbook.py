"""A ready-to-fill workbook in the layout: ``briefgen new-workbook PATH``.

Every sheet of the layout with two header rows (Vietnamese labels, then the
ids), frozen; sensible column widths; an instructions sheet in Vietnamese
first; a hidden sheet of lists behind the drop-downs.  Data validation:
province names, indicator ids, units, sections and kinds from drop-down
lists; whole numbers for counts, ranks and years; 0–100 for percentages;
positive numbers for money, densities and durations.  With ``year`` and
``provinces``, the report-facts and figures sheets have one row per province
already.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from briefgen.data import layout, provinces
from briefgen.data.dataset import Dataset
from briefgen.data.export import Sheet, figures_grid, put, write_header
from briefgen.data.indicators import KINDS, SECTIONS, Catalogue, Indicator, builtin
from briefgen.data.tabular import grid_column, grid_label
from briefgen.errors import Location, UsageError
from briefgen.files import write_atomic

ROWS = 500
"""Rows under the header that carry data validation (more when more are pre-filled)."""

_LISTS = layout.LISTS.vi


def new_workbook(path: Path, *, year: int | None = None, provinces: Sequence[str] = ()) -> Path:
    """Write a ready-to-fill workbook at ``path`` (an .xlsx that does not exist yet)."""
    if path.suffix.lower() != ".xlsx":
        raise UsageError(
            f"a new workbook is an .xlsx file, not '{path.suffix or path.name}'",
            Location(file=str(path)),
        )
    if path.exists():
        raise UsageError(
            "already exists: a new workbook never overwrites a file",
            Location(file=str(path)),
            "choose another name, or delete the file first",
        )
    if year is not None and not 1990 <= year <= 2100:
        raise UsageError(f"year {year} is outside 1990–2100")
    units = [_resolve(name, year) for name in provinces]
    return write_atomic(path, workbook_bytes(year, units, str(path)))


def _resolve(name: str, year: int | None) -> provinces.Unit:
    return provinces.resolve(name, year=year)


def workbook_bytes(year: int | None, units: Sequence[provinces.Unit], file: str) -> bytes:
    """The new workbook's bytes."""
    from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

    catalogue = builtin()
    book = Workbook()
    book.remove(book.active)
    _instructions(book.create_sheet(layout.INSTRUCTIONS.vi), catalogue)
    lists = _lists(book.create_sheet(_LISTS), catalogue, year)
    rows = max(ROWS, len(units) + 100)
    for kind in (*layout.SHEETS, layout.ADDRESSES):
        sheet = _sheet(kind, catalogue)
        worksheet = book.create_sheet(kind.vi)
        write_header(worksheet, sheet)
        if kind.id in ("reports", "figures", "addresses"):
            for offset, unit in enumerate(units):
                put(worksheet, 3 + offset, 1, unit.name, file, sheet)
                if year is not None and kind.keyed:
                    put(worksheet, 3 + offset, 2, year, file, sheet)
        _validate(worksheet, sheet, lists, rows, year)
    settings = book[layout.by_id("settings").vi]
    settings.cell(row=3, column=1, value=layout.SETTINGS["title"])
    settings.cell(row=4, column=1, value=layout.SETTINGS["locale"])
    settings.cell(row=4, column=2, value="vi")
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(kind: layout.SheetKind, catalogue: Catalogue) -> Sheet:
    if kind.id == "figures":
        return figures_grid(Dataset((), catalogue), (), all_indicators=True)
    columns = list(kind.columns)
    ids, labels = [c.id for c in columns], [c.vi for c in columns]
    return Sheet(kind, ids, labels, widths=[c.width for c in columns])


# --------------------------------------------------------------------------- lists


class _Lists:
    """Ranges of the hidden lists sheet, by name, as validation formulas."""

    def __init__(self) -> None:
        self.ranges: dict[str, str] = {}


def _lists(worksheet: Any, catalogue: Catalogue, year: int | None) -> _Lists:
    if year is not None:
        names = [unit.name for unit in provinces.units(provinces.era_for_year(year))]
    else:
        names = list(dict.fromkeys(u.name for era in provinces.ERAS for u in provinces.units(era)))
    columns: dict[str, list[str]] = {
        "provinces": names,
        "indicators": list(catalogue),
        "units": list(catalogue.units),
        "sections": list(layout.SECTIONS.values()),
        "settings": list(layout.SETTINGS.values()),
        "kinds": list(KINDS),
        "index_sections": list(SECTIONS),
        "better": ["higher", "lower"],
        "bool": ["TRUE", "FALSE"],
        "locale": ["vi", "en"],
    }
    lists = _Lists()
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]

    for index, (name, values) in enumerate(columns.items(), start=1):
        letter = get_column_letter(index)
        worksheet.cell(row=1, column=index, value=name)
        for offset, value in enumerate(values, start=2):
            worksheet.cell(row=offset, column=index, value=value)
        lists.ranges[name] = f"'{_LISTS}'!${letter}$2:${letter}${len(values) + 1}"
    worksheet.sheet_state = "hidden"
    return lists


# --------------------------------------------------------------------------- validation


def _validate(worksheet: Any, sheet: Sheet, lists: _Lists, rows: int, year: int | None) -> None:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped,unused-ignore]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped,unused-ignore]

    last = 2 + rows
    top_rank = provinces.denominator(year) if year is not None else 63
    for index, name in enumerate(sheet.ids, start=1):
        indicator = sheet.indicators[index - 1] if index - 1 < len(sheet.indicators) else None
        rule = _rule(sheet.kind.id, name, indicator, lists, top_rank)
        if rule is None:
            continue
        kind, options, message = rule
        validation = DataValidation(type=kind, allow_blank=True, **options)
        validation.error = message
        validation.errorTitle = "Giá trị không hợp lệ"
        validation.prompt = message
        validation.showErrorMessage = True
        validation.showInputMessage = False
        if kind == "list" and name == "province":
            validation.errorStyle = "warning"  # any spelling or code is accepted
        letter = get_column_letter(index)
        validation.add(f"{letter}3:{letter}{last}")
        worksheet.add_data_validation(validation)


def _list(lists: _Lists, name: str, message: str) -> tuple[str, dict[str, Any], str]:
    return "list", {"formula1": lists.ranges[name]}, message


def _whole(low: int, high: int, message: str) -> tuple[str, dict[str, Any], str]:
    return "whole", {"operator": "between", "formula1": str(low), "formula2": str(high)}, message


def _decimal(low: float, high: float | None, message: str) -> tuple[str, dict[str, Any], str]:
    if high is None:
        return "decimal", {"operator": "greaterThanOrEqual", "formula1": str(low)}, message
    return "decimal", {"operator": "between", "formula1": str(low), "formula2": str(high)}, message


_BIG = 10**15


def _rule(
    sheet: str, name: str, indicator: Indicator | None, lists: _Lists, top_rank: int
) -> tuple[str, dict[str, Any], str] | None:
    """The validation of one column, or None."""
    if name == "province":
        return _list(lists, "provinces", "Chọn tỉnh, thành phố (hoặc gõ tên, mã)")
    if name == "year" or name == "edition":
        return _whole(1990, 2100, "Năm, từ 1990 đến 2100")
    if indicator is not None:
        return _indicator_rule(indicator, top_rank)
    fixed: dict[tuple[str, str], tuple[str, dict[str, Any], str]] = {
        ("texts", "section"): _list(lists, "sections", "Chọn mục"),
        ("settings", "key"): _list(lists, "settings", "Chọn mục"),
        ("indicators", "kind"): _list(lists, "kinds", "Chọn loại chỉ tiêu"),
        ("indicators", "unit"): _list(lists, "units", "Chọn đơn vị tính"),
        ("indicators", "better"): _list(lists, "better", "higher hoặc lower"),
        ("indicators", "additive"): _list(lists, "bool", "TRUE hoặc FALSE"),
        ("indicators", "section"): _list(lists, "index_sections", "Chọn phần"),
        ("denominators", "count"): _whole(1, 100, "Số tỉnh, thành phố được xếp hạng"),
    }
    if (sheet, name) in fixed:
        return fixed[(sheet, name)]
    if name == "indicator":
        return _list(lists, "indicators", "Chọn mã chỉ tiêu")
    if name == "unit" and sheet in ("figures", "figure_details"):
        return _list(lists, "units", "Chọn mã đơn vị tính")
    if name in ("rank", "of", "rank_max"):
        return _whole(1, 100, "Số nguyên dương")
    if name in ("per_100", "plan", "plan_pct"):
        return _decimal(0, None, "Số không âm")
    if name == "yoy_pct":
        return _decimal(-100, _BIG, "Phần trăm tăng (giảm) so với cùng kỳ")
    if name in ("date", "published"):
        return "date", {"operator": "greaterThan", "formula1": "1"}, "Ngày/tháng/năm"
    return None


def _indicator_rule(indicator: Indicator, top_rank: int) -> tuple[str, dict[str, Any], str]:
    unit = indicator.unit.vi
    if indicator.kind == "rank":
        return _whole(1, top_rank, f"Thứ hạng, từ 1 đến {top_rank}")
    if indicator.kind == "count":
        return _whole(0, _BIG, f"Số nguyên không âm ({unit})")
    if indicator.kind == "percent":
        return _decimal(0, 100, "Phần trăm, từ 0 đến 100 (72,4% ghi 72,4)")
    return _decimal(0, None, f"Số không âm ({unit})")


# --------------------------------------------------------------------------- instructions


def _instructions(worksheet: Any, catalogue: Catalogue) -> None:
    from openpyxl.styles import Font  # type: ignore[import-untyped,unused-ignore]

    notes = (
        "Mỗi sheet chứa một loại nội dung; dòng 1 là tên cột, dòng 2 là mã cột (không xóa, "
        "không sửa dòng 2).",
        "Ô để trống nghĩa là không có số liệu. Số ghi bằng số, không ghi kèm chữ.",
        "Nếu gõ số dưới dạng chữ, khai báo cách viết số ở sheet 'Thông tin chung' "
        "(vi: 1.175.000 và 49,8; en: 1,175,000 và 49.8).",
        "Ô định dạng phần trăm (72,4%) được đọc là 72,4. Tỷ lệ ghi từ 0 đến 100.",
        "Tên tỉnh, thành phố ghi theo bất kỳ cách viết nào (Thanh Hoá, Thanh Hóa, TP.HCM) "
        "hoặc mã hai chữ số (38).",
        "Kiểm tra trước khi lập báo cáo: briefgen validate TEN_TEP.xlsx (mọi lỗi kèm sheet và ô).",
    )
    lines: list[tuple[str, str, str]] = [("title", "HƯỚNG DẪN NHẬP SỐ LIỆU CHO BÁO CÁO", "")]
    lines += [("note", note, "") for note in notes]
    lines.append(("", "", ""))
    for kind in (*layout.SHEETS, layout.ADDRESSES):
        lines.append(("sheet", f"Sheet '{kind.vi}' ({kind.id})", kind.help))
        for column in kind.columns:
            if kind.id == "figures" and column.id not in ("province", "year"):
                continue
            lines.append(("", f"   {column.vi} ({column.id})", column.help))
        if kind.id == "figures":
            lines.append(("", "   một cột cho mỗi chỉ tiêu", "xem danh mục chỉ tiêu bên dưới"))
        lines.append(("", "", ""))
    lines.append(("sheet", "Danh mục chỉ tiêu (mã — tên — đơn vị — loại)", ""))
    for indicator in catalogue.values():
        lines.append(
            ("", f"   {grid_column(indicator)}", f"{grid_label(indicator)} — {indicator.vi}")
        )
    for number, (style, first, second) in enumerate(lines, start=1):
        a = worksheet.cell(row=number, column=1, value=first or None)
        b = worksheet.cell(row=number, column=2, value=second or None)
        if style == "title":
            a.font = Font(bold=True, size=14)
        elif style == "sheet":
            a.font = Font(bold=True)
        del b
    worksheet.column_dimensions["A"].width = 42
    worksheet.column_dimensions["B"].width = 100
