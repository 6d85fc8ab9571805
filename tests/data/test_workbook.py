"""The workbook layout: a new workbook filled in as a user would, Vietnamese and English
names, CSV folders and DataFrames, numbers typed as text, percent cells, every mistake
located at its sheet and cell in one run, and LibreOffice reading what we write."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import briefgen
from briefgen.cli import main
from briefgen.data import layout
from briefgen.errors import BriefgenWarning, DataError, OutputError, UnknownProvinceError

ROOT = Path(__file__).resolve().parents[2]

# The Thanh Hóa 2020 record of the seed reports with the report facts of an office.
YAML = """\
title: "Thanh Hóa 2020"
records:
  - province: Thanh Hóa
    year: 2020
    report:
      number: "05/BC-STTTT"
      date: 2021-01-11
      place: "Thanh Hóa"
      parent: "UBND TỈNH THANH HÓA"
      issuer: "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
      issuer_short: STTTT
      signer: {name: "Đỗ Hữu Quyết", role: "PHÓ GIÁM ĐỐC"}
      authority: "KT. GIÁM ĐỐC"
      recipients:
        - "UBND tỉnh (để báo cáo)"
        - "Bộ Thông tin và Truyền thông (để báo cáo)"
        - "Lưu: VT, KHTC"
    observations:
      sector_revenue: {value: 3630, unit: ty_dong, plan_pct: 100.6, note: "ước đạt"}
      phone_subscribers: {value: 2890000, plan_pct: 100.67}
      broadband_subscribers: {value: 1800000, per_100: 49.8, plan_pct: 105.88}
      online_filing_rate_l3: {value: 56.35}
      national_portal_services: {value: 615, rank: 3, of: 63}
      dti: {rank: 12, of: 63}
    highlights:
      - "Các chỉ tiêu bưu chính - viễn thông hoàn thành vượt mức."
      - "Hạ tầng thông tin ngày càng hiện đại, đồng bộ."
    awards:
      - "Huân chương Lao động hạng Ba."
    targets:
      - {indicator: phone_subscribers, value: 2916000, per_100: 80}
      - {indicator: sector_revenue, value: 3745}
      - {indicator: dti, rank_max: 10, text: "Giữ DTI trong nhóm 10 tỉnh dẫn đầu."}
      - text: "Triển khai Nghị quyết về chuyển đổi số của tỉnh."
    leaders:
      - {name: "Đầu Thanh Tùng", role: "Phó Chủ tịch UBND tỉnh"}
    sources:
      - {title: "Tổng kết công tác Thông tin và Truyền thông năm 2020", published: 2021-01-11}
"""


def _columns(worksheet: Any) -> dict[str, int]:
    """Column id (row 2 of a new workbook) → column number."""
    return {cell.value: cell.column for cell in worksheet[2] if isinstance(cell.value, str)}


def _fill(worksheet: Any, rows: list[Mapping[str, object]], start: int = 3) -> None:
    """Type ``rows`` under the header, by column id, from row ``start``."""
    columns = _columns(worksheet)
    for offset, row in enumerate(rows):
        for name, value in row.items():
            worksheet.cell(row=start + offset, column=columns[name], value=value)


def _fill_new_workbook(path: Path) -> None:
    """What a user does with `briefgen new-workbook book.xlsx --year 2020 --provinces 38`."""
    book = openpyxl.load_workbook(path)
    settings = book["Thông tin chung"]
    assert settings["A3"].value == "Tiêu đề"
    settings["B3"] = "Thanh Hóa 2020"
    reports = book["Báo cáo"]
    assert (reports["A3"].value, reports["B3"].value) == ("Thanh Hóa", 2020)  # pre-filled
    _fill(
        reports,
        [
            {
                "number": "05/BC-STTTT",
                "date": "11/01/2021",
                "place": "Thanh Hóa",
                "parent": "UBND TỈNH THANH HÓA",
                "issuer": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
                "issuer_short": "STTTT",
                "signer": "Đỗ Hữu Quyết",
                "signer_role": "PHÓ GIÁM ĐỐC",
                "authority": "KT. GIÁM ĐỐC",
                "recipients": "UBND tỉnh (để báo cáo)\nBộ Thông tin và Truyền thông (để báo cáo)"
                "\nLưu: VT, KHTC",
            }
        ],
    )
    figures = book["Số liệu"]
    _fill(
        figures,
        [
            {
                "sector_revenue": 3630,
                "phone_subscribers": 2890000,
                "broadband_subscribers": 1800000,
                "online_filing_rate_l3": 0.5635,
                "national_portal_services": 615,
                "dti.rank": 12,
            }
        ],
    )
    rate = figures.cell(row=3, column=_columns(figures)["online_filing_rate_l3"])
    rate.number_format = "0.00%"  # shows 56.35%: what the user sees is what is meant
    key = {"province": "Thanh Hóa", "year": 2020}
    _fill(
        book["Chi tiết số liệu"],
        [
            key | {"indicator": "sector_revenue", "unit": "ty_dong", "plan_pct": 100.6,
                   "note": "ước đạt"},
            key | {"indicator": "phone_subscribers", "plan_pct": 100.67},
            key | {"indicator": "broadband_subscribers", "per_100": 49.8, "plan_pct": 105.88},
            key | {"indicator": "national_portal_services", "rank": 3, "of": 63},
            key | {"indicator": "dti", "of": 63},
        ],
    )  # fmt: skip
    _fill(
        book["Mục tiêu"],
        [
            key | {"indicator": "phone_subscribers", "value": 2916000, "per_100": 80},
            key | {"indicator": "sector_revenue", "value": 3745},
            key | {"indicator": "dti", "rank_max": 10,
                   "text": "Giữ DTI trong nhóm 10 tỉnh dẫn đầu."},
            key | {"text": "Triển khai Nghị quyết về chuyển đổi số của tỉnh."},
        ],
    )  # fmt: skip
    _fill(
        book["Nội dung"],
        [
            key | {"section": "Điểm nổi bật",
                   "text": "Các chỉ tiêu bưu chính - viễn thông hoàn thành vượt mức."},
            key | {"section": "Khen thưởng", "text": "Huân chương Lao động hạng Ba."},
            key | {"section": "Điểm nổi bật",
                   "text": "Hạ tầng thông tin ngày càng hiện đại, đồng bộ."},
        ],
    )  # fmt: skip
    _fill(book["Lãnh đạo dự"], [key | {"name": "Đầu Thanh Tùng", "role": "Phó Chủ tịch UBND tỉnh"}])
    _fill(
        book["Nguồn"],
        [
            key | {"title": "Tổng kết công tác Thông tin và Truyền thông năm 2020",
                   "published": "2021-01-11"},
        ],
    )  # fmt: skip
    book.save(path)


def test_a_filled_in_new_workbook_renders_the_same_brief_as_the_equivalent_yaml(
    tmp_path: Path,
) -> None:
    book = tmp_path / "thanh-hoa.xlsx"
    assert main(["new-workbook", str(book), "--year", "2020", "--provinces", "38"]) == 0
    _fill_new_workbook(book)
    yaml_path = tmp_path / "thanh-hoa.yaml"
    yaml_path.write_text(YAML, "utf-8")

    from_book = briefgen.load(book)
    from_yaml = briefgen.load(yaml_path)
    assert from_book.records == from_yaml.records
    assert from_book.title == from_yaml.title == "Thanh Hóa 2020"
    record = from_book.get("Thanh Hóa", 2020)
    assert record.observations["online_filing_rate_l3"].value == 56.35  # the percent cell
    assert record.report.signer is not None and record.report.signer.role == "PHÓ GIÁM ĐỐC"
    assert len(record.report.recipients) == 3
    for template in ("official", "summary", "en"):
        brief_book = briefgen.build(from_book, "Thanh Hóa", 2020, template)
        brief_yaml = briefgen.build(from_yaml, "Thanh Hóa", 2020, template)
        assert brief_book.dump() == brief_yaml.dump()
    dump = briefgen.build(from_book, "Thanh Hóa", 2020).dump()
    for text in ("05/BC-STTTT", "KT. GIÁM ĐỐC", "Đỗ Hữu Quyết", "56,35%", "Lưu: VT, KHTC"):
        assert text in dump


def test_an_empty_new_workbook_has_one_problem_no_records(tmp_path: Path) -> None:
    book = tmp_path / "empty.xlsx"
    assert main(["new-workbook", str(book)]) == 0
    report = briefgen.validate(book)
    assert [str(p) for p in report.problems] == [
        f"{book}: error: no records: no row names a province and a year "
        "(fill in the province and year of each row (docs/data.md))"
    ]


def test_new_workbook_never_overwrites_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"precious")
    assert main(["new-workbook", str(book)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert book.read_bytes() == b"precious"
    assert main(["new-workbook", str(tmp_path / "book.ods")]) == 2
    assert main(["new-workbook", str(tmp_path / "x.xlsx"), "--provinces", "Atlantis"]) == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_new_workbook_has_frozen_headers_widths_instructions_and_validation(
    tmp_path: Path,
) -> None:
    book_path = tmp_path / "book.xlsx"
    briefgen.new_workbook(book_path, year=2025, provinces=["Ninh Bình", "Huế"])
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[0] == "Hướng dẫn"
    assert book["Danh mục"].sheet_state == "hidden"
    assert {kind.vi for kind in layout.SHEETS} <= set(book.sheetnames)
    instructions = "\n".join(str(c.value) for row in book["Hướng dẫn"].iter_rows() for c in row)
    assert "HƯỚNG DẪN NHẬP SỐ LIỆU" in instructions and "thue_bao" not in instructions[:200]
    figures = book["Số liệu"]
    assert figures.freeze_panes == "A3"
    assert figures["A1"].value == "Tỉnh, thành phố" and figures["A2"].value == "province"
    assert [figures["A3"].value, figures["A4"].value] == ["Ninh Bình", "Huế"]
    assert figures.column_dimensions["A"].width >= 20
    rules = _validations(figures)
    columns = _columns(figures)
    letter = openpyxl.utils.get_column_letter
    assert rules[letter(columns["province"])][0] == "list"
    assert rules[letter(columns["phone_subscribers"])] == ("whole", "0", "1000000000000000")
    assert rules[letter(columns["online_filing_rate"])] == ("decimal", "0", "100")
    assert rules[letter(columns["dti.rank"])] == ("whole", "1", "34")  # 2025: 34 units
    details = _validations(book["Chi tiết số liệu"])
    details_columns = _columns(book["Chi tiết số liệu"])
    indicator_list = details[letter(details_columns["indicator"])]
    unit_list = details[letter(details_columns["unit"])]
    assert indicator_list[0] == unit_list[0] == "list"
    lists = book["Danh mục"]
    assert _range_values(lists, indicator_list[1])[:2] == ["ict_index", "dti"]
    assert "thue_bao" in _range_values(lists, unit_list[1])
    provinces = _range_values(lists, rules[letter(columns["province"])][1])
    assert len(provinces) == 34 and "Ninh Bình" in provinces
    addresses = book["Địa chỉ thư"]  # the address book of the e-mail delivery, same workbook
    assert list(_columns(addresses)) == ["province", "to", "cc", "bcc", "reply_to", "addressee"]
    assert addresses["A3"].value == "Ninh Bình"


def test_the_address_sheet_is_left_to_the_delivery_and_not_read_as_data(tmp_path: Path) -> None:
    tables = _layout_tables(False) | {
        "Địa chỉ thư": [["province", "to"], ["Nam Định", "Sở KH&CN <skhcn@namdinh.gov.vn>"]]
    }
    data = briefgen.load(_save(tmp_path, tables, "book.xlsx"))  # no warning, no error
    assert len(data) == 1


def _validations(worksheet: Any) -> dict[str, tuple[str, str, str | None]]:
    """Column letter → (type, formula1, formula2) of the sheet's data validations."""
    found = {}
    for rule in worksheet.data_validations.dataValidation:
        for cells in rule.sqref.ranges:
            letter = openpyxl.utils.get_column_letter(cells.min_col)
            found[letter] = (rule.type, rule.formula1, rule.formula2)
    return found


def _range_values(book_sheet: Any, formula: str) -> list[object]:
    reference = formula.rpartition("!")[2].replace("$", "")
    return [cell.value for row in book_sheet[reference] for cell in row]


# --------------------------------------------------------------------------- LibreOffice


# A new workbook's records are not filled in yet: loading one warns that they say nothing.
@pytest.mark.filterwarnings("ignore:.*the record has no figures or text")
def test_libreoffice_opens_a_new_workbook_and_keeps_its_drop_down_lists(
    tmp_path: Path, libreoffice: str
) -> None:
    book = tmp_path / "book.xlsx"
    briefgen.new_workbook(book, year=2024, provinces=["Nam Định", "Thanh Hoá"])
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    csv_out, xlsx_out = tmp_path / "csv", tmp_path / "xlsx"
    # Every sheet to its own CSV file (filter token 12: sheet number, -1 for all).
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    for target, out in ((csv_filter, csv_out), ("xlsx", xlsx_out)):
        result = subprocess.run(
            [libreoffice, profile, "--headless", "--convert-to", target, "--outdir", str(out),
             str(book)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    figures_csv = next(csv_out.glob("*Số liệu*.csv"))
    with figures_csv.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["Tỉnh, thành phố", "Năm"]
    assert rows[1][:3] == ["province", "year", "ict_index.rank"]
    assert [row[:2] for row in rows[2:4]] == [["Nam Định", "2024"], ["Thanh Hóa", "2024"]]
    # Calc kept the drop-down lists and number rules: read back from its own save.
    resaved = openpyxl.load_workbook(xlsx_out / "book.xlsx")
    rules = _validations(resaved["Chi tiết số liệu"])
    types = {rule[0] for rule in rules.values()}
    assert {"list", "whole", "decimal"} <= types
    figures = resaved["Số liệu"]
    figure_rules = _validations(figures)
    letter = openpyxl.utils.get_column_letter(_columns(figures)["dti.rank"])
    assert figure_rules[letter][:3] == ("whole", "1", "63")
    province_list = _validations(figures)["A"]
    assert province_list[0] == "list"
    assert "Nam Định" in _range_values(resaved["Danh mục"], province_list[1])
    # And briefgen reads Calc's save as it reads its own.
    assert briefgen.load(xlsx_out / "book.xlsx").records == briefgen.load(book).records


# --------------------------------------------------------------------------- names


def _layout_tables(vietnamese: bool) -> dict[str, list[list[object]]]:
    """The same small dataset, named the English or the Vietnamese way."""

    def name(kind_id: str) -> str:
        return layout.by_id(kind_id).vi if vietnamese else kind_id

    def head(kind_id: str, ids: list[str]) -> list[object]:
        kind = layout.by_id(kind_id)
        return [kind.column(i).vi if vietnamese and kind.column(i) else i for i in ids]  # type: ignore[union-attr]

    return {
        name("reports"): [
            head("reports", ["province", "year", "number", "date", "signer", "signer_role"]),
            ["Nam Dinh", 2021, "12/BC-STTTT", "07/01/2022", "Nguyễn Văn A", "GIÁM ĐỐC"],
        ],
        name("figures"): [
            [*head("figures", ["province", "year"]), "postal_revenue", "dti"],
            ["Nam Định", 2021, 130, 11],
        ],
        name("figure_details"): [
            head("figure_details", ["province", "year", "indicator", "yoy_pct", "of"]),
            ["nam định", 2021, "postal_revenue", 8.3, None],
            ["36", 2021, "dti", None, 63],
        ],
        name("targets"): [
            head("targets", ["province", "year", "indicator", "value", "text"]),
            ["Nam Định", 2021, "postal_revenue", 140, None],
            ["Nam Định", 2021, None, None, "Chuyển đổi số."],
        ],
        name("texts"): [
            head("texts", ["province", "year", "section", "text"]),
            ["Nam Định", 2021, "highlights" if not vietnamese else "Điểm nổi bật", "Một."],
            ["Nam Định", 2021, "recipients" if not vietnamese else "Nơi nhận", "UBND tỉnh"],
        ],
    }


def _save(tmp_path: Path, tables: dict[str, list[list[object]]], name: str) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in tables.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_english_ids_and_vietnamese_labels_read_the_same_records(tmp_path: Path) -> None:
    english = briefgen.load(_save(tmp_path, _layout_tables(False), "en.xlsx"))
    vietnamese = briefgen.load(_save(tmp_path, _layout_tables(True), "vi.xlsx"))
    assert english.records == vietnamese.records
    record = english.get("Nam Định", 2021)
    assert record.report.number == "12/BC-STTTT"
    assert str(record.report.date) == "2022-01-07"
    assert record.observations["postal_revenue"].yoy_pct == 8.3
    assert (record.observations["dti"].rank, record.observations["dti"].of) == (11, 63)
    assert record.highlights == ("Một.",) and record.report.recipients == ("UBND tỉnh",)
    assert [t.indicator for t in record.targets] == ["postal_revenue", None]


def test_a_csv_folder_and_a_dict_of_dataframes_read_as_the_workbook(tmp_path: Path) -> None:
    tables = _layout_tables(True)
    from_book = briefgen.load(_save(tmp_path, tables, "vi.xlsx"))
    folder = tmp_path / "csv"
    folder.mkdir()
    for title, rows in tables.items():
        with (folder / f"{title}.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["" if v is None else v for v in row] for row in rows])
    assert briefgen.load(folder).records == from_book.records
    frames = {title: pd.DataFrame(rows[1:], columns=rows[0]) for title, rows in tables.items()}
    assert briefgen.load(frames).records == from_book.records
    read_back = pd.read_excel(tmp_path / "vi.xlsx", sheet_name=None)
    assert briefgen.load(read_back).records == from_book.records


def test_a_sheet_outside_the_layout_is_a_warning_not_an_error(tmp_path: Path) -> None:
    tables = _layout_tables(False) | {"Ghi chú": [["anything"]]}
    path = _save(tmp_path, tables, "book.xlsx")
    with pytest.warns(BriefgenWarning, match=r"sheet 'Ghi chú': 'Ghi chú' is not a sheet"):
        data = briefgen.load(path)
    assert len(data) == 1


# --------------------------------------------------------------------------- numbers


def _figures_book(tmp_path: Path, rows: list[list[object]], settings: str | None = None) -> Path:
    tables: dict[str, list[list[object]]] = {"Số liệu": rows}
    if settings is not None:
        tables = {"Thông tin chung": [["Mục", "Giá trị"], ["Cách viết số", settings]]} | tables
    return _save(tmp_path, tables, "numbers.xlsx")


def test_numbers_typed_as_text_need_a_declared_convention(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["province", "year", "internet_subscribers", "broadband_subscribers.per_100"],
        ["Bắc Giang", 2022, "1,175,000", "49.8"],
    ]
    with pytest.raises(DataError) as caught:
        briefgen.load(_figures_book(tmp_path, rows))
    message = str(caught.value)
    assert message.startswith(
        f"{tmp_path / 'numbers.xlsx'}, sheet 'Số liệu', cell C2 (row 2, column "
        "'internet_subscribers'), record 1 (Bắc Giang 2022), "
        "field 'observations.internet_subscribers.value': '1,175,000' is not a plain number"
    )
    assert "1175000 if numbers are written the English way ('en')" in message
    assert "'Cách viết số'" in message and "sheet 'Thông tin chung'" in message
    english = briefgen.load(_figures_book(tmp_path, rows, settings="en")).records[0]
    assert english.observations["internet_subscribers"].value == 1175000
    assert english.observations["broadband_subscribers"].per_100 == 49.8
    rows[1][2:] = ["1.175.000", "49,8"]
    vietnamese = briefgen.load(_figures_book(tmp_path, rows, settings="vi")).records[0]
    assert vietnamese.observations["internet_subscribers"].value == 1175000
    assert vietnamese.observations["broadband_subscribers"].per_100 == 49.8
    rows[0][2] = "internet_subscribers [vi]"  # a column declares its own convention
    rows[0][3] = "broadband_subscribers.per_100 [vi]"
    by_column = briefgen.load(_figures_book(tmp_path, rows)).records[0]
    assert by_column.observations == vietnamese.observations


@pytest.mark.parametrize(
    ("column", "value", "number_format", "expected"),
    [
        ("online_filing_rate", 0.724, "0.0%", 72.4),  # shows 72.4%
        ("online_filing_rate", 0.5635, "0.00%", 56.35),
        ("online_filing_rate", 72.4, "General", 72.4),
        ("online_filing_rate", "72,4%", "@", 72.4),  # text, in the declared convention
        ("postal_revenue.plan_pct", 1.18, "0%", 118),  # "đạt 118% kế hoạch"
        ("postal_revenue.yoy_pct", 0.083, "0.0%", 8.3),
    ],
)
def test_percent_cells_read_as_the_percentage_they_show(
    tmp_path: Path, column: str, value: object, number_format: str, expected: float
) -> None:
    rows: list[list[object]] = [["province", "year", column], ["Nam Định", 2021, value]]
    path = _figures_book(tmp_path, rows, settings="vi")
    book = openpyxl.load_workbook(path)
    book["Số liệu"]["C2"].number_format = number_format
    book.save(path)
    indicator, _, field = column.partition(".")
    observation = briefgen.load(path).records[0].observations[indicator]
    assert getattr(observation, field or "value") == expected


def test_a_percent_cell_in_a_column_of_counts_is_refused_at_its_cell(tmp_path: Path) -> None:
    rows: list[list[object]] = [["province", "year", "phone_subscribers"], ["Nam Định", 2021, 0.5]]
    path = _figures_book(tmp_path, rows)
    book = openpyxl.load_workbook(path)
    book["Số liệu"]["C2"].number_format = "0%"
    book.save(path)
    with pytest.raises(DataError, match=r"cell C2 .*formatted as a percentage \(it shows 50%\)"):
        briefgen.load(path)


def test_a_rate_that_looks_like_a_fraction_is_a_warning(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["province", "year", "online_filing_rate"],
        ["Nam Định", 2021, 0.72],
    ]
    path = _figures_book(tmp_path, rows)
    report = briefgen.validate(path)
    assert report.ok and len(report.warnings) == 1
    warning = report.warnings[0]
    assert "percentage 0.72 looks like a fraction: 72% was perhaps meant" in warning.message
    assert (warning.where.sheet, warning.where.cell) == ("Số liệu", "C2")
    with pytest.warns(BriefgenWarning, match=r"cell C2 .*looks like a fraction") as caught:
        briefgen.load(path)
    assert caught[0].filename == __file__  # the warning points at the caller's line


def test_a_formula_without_a_stored_value_says_to_save_the_workbook(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["province", "year", "postal_revenue", "telecom_revenue"],
        ["Nam Định", 2021, 130, "=C2*10"],
    ]
    path = _figures_book(tmp_path, rows)  # openpyxl stores the formula, not its value
    with pytest.raises(DataError) as caught:
        briefgen.load(path)
    message = str(caught.value)
    assert "cell D2 (row 2, column 'telecom_revenue')" in message
    assert "formula whose value was never computed" in message
    assert "open the workbook in Excel or LibreOffice and save it" in message


# --------------------------------------------------------------------------- mistakes


def _mistakes_book(tmp_path: Path) -> Path:
    """A workbook with one of each kind of mistake (the comments say which, and where)."""
    tables: dict[str, list[list[object]]] = {
        "Thông tin chung": [["Mục", "Giá trị"], ["Cách viết số", "fr"]],  # B2 bad convention
        "Khai báo chỉ tiêu": [
            ["id", "vi", "en", "kind", "unit"],
            ["wifi_points", "Điểm wifi", "Wi-Fi points", "counts", "dich_vu"],  # D2 kind
            ["fibre_km", "Cáp quang", "Fibre", "count", "km"],  # E3 unit
        ],
        "Báo cáo": [
            ["province", "year", "date", "signer_role", "colour"],  # E1 unknown column
            ["Nam Định", 2021, "31/02/2022", "GIÁM ĐỐC", None],  # C2 date, D2 role alone
            ["Atlantis", 2021, None, None, None],  # A3 unknown province
            [None, 2021, "07/01/2022", None, None],  # row 4: no province
        ],
        "Số liệu": [
            ["province", "year", "internet_subscribers", "online_filing_rate", "postal_revenu",
             "dti.rank", "phone_subscribers"],  # E1 unknown indicator
            ["Nam Định", 2021, "1,175,000", 130, None, 70, -5],  # C2 text, D2 >100, F2, G2
            ["Bắc Giang", "2022b", 1, 2, None, None, None],  # B3 year
        ],
        "Chi tiết số liệu": [
            ["province", "year", "indicator", "unit", "of", "plan_pct"],
            ["Nam Định", 2021, "dti", None, 63, None],
            ["Nam Định", 2021, "postal_revenue", "usd", None, "đạt"],  # D3 unit, F3 text
            ["Nam Định", 2021, "dti", None, 64, None],  # E4 given twice
        ],
        "Mục tiêu": [
            ["province", "year", "indicator", "value", "rank_max"],
            ["Nam Định", 2021, "phone_subscriber", 3, None],  # C2 unknown indicator
            ["Nam Định", 2021, "dti", None, 2.5],  # E3 not whole
        ],
        "Nội dung": [
            ["province", "year", "section", "text"],
            ["Nam Định", 2021, "Thành tích", "Một."],  # C2 unknown section
        ],
        "Báo cáo cơ sở": [
            ["province", "year", "unit", "label", "value"],
            ["Nam Định", 2021, "huyện Hải Hậu", "tin bài", "nhiều"],  # E2 not a number
        ],
        "Số đơn vị xếp hạng": [
            ["indicator", "year", "count"],
            ["dti", 2021, "sáu mươi"],  # C2 not a number
        ],
    }  # fmt: skip
    path = _save(tmp_path, tables, "mistakes.xlsx")
    book = openpyxl.load_workbook(path)
    book["Số liệu"]["H1"] = None
    book["Số liệu"]["J2"] = "stray"  # J2: a value under no header
    book.save(path)
    return path


# (sheet, cell, what the message says)
MISTAKES = [
    ("Thông tin chung", "B2", "unknown number convention 'fr'"),
    ("Khai báo chỉ tiêu", "D2", "unknown kind 'counts'"),
    ("Khai báo chỉ tiêu", "E3", "unknown unit 'km'"),
    ("Báo cáo", "E1", "unknown column 'colour'"),
    ("Báo cáo", "C2", "'31/02/2022' is not a date"),
    ("Báo cáo", "D2", "a role ('GIÁM ĐỐC') without the person's name"),
    ("Báo cáo", "A3", "unknown province 'Atlantis'"),
    ("Báo cáo", None, "the province is empty"),
    ("Số liệu", "E1", "unknown indicator 'postal_revenu'"),
    ("Số liệu", "J2", "which has no header"),
    ("Số liệu", "C2", "'1,175,000' is not a plain number"),
    ("Số liệu", "D2", "percentage 130 is outside 0–100"),
    ("Số liệu", "F2", "rank 70 is greater than the number ranked (63)"),
    ("Số liệu", "G2", "negative count -5"),
    ("Số liệu", "B3", "'2022b' is not a number"),
    ("Chi tiết số liệu", "D3", "unknown unit 'usd'"),
    ("Chi tiết số liệu", "F3", "'đạt' is not a number"),
    ("Chi tiết số liệu", "E4", "'of' of 'dti' is given twice for Nam Định 2021 (also cell E2)"),
    ("Mục tiêu", "C2", "unknown indicator 'phone_subscriber'"),
    ("Mục tiêu", "E3", "2.5 is not a whole number"),
    ("Nội dung", "C2", "unknown section 'Thành tích'"),
    ("Báo cáo cơ sở", "E2", "'nhiều' is not a number"),
    ("Số đơn vị xếp hạng", "C2", "'sáu mươi' is not a number"),
]


def test_every_mistake_of_a_workbook_is_reported_at_its_sheet_and_cell_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _mistakes_book(tmp_path)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if ": error: " in line]
    assert len(MISTAKES) >= 15
    for sheet, cell, message in MISTAKES:
        where = f"{path}, sheet '{sheet}', " + (f"cell {cell} " if cell else "row ")
        found = [line for line in lines if line.startswith(where) and message in line]
        assert found, f"{sheet} {cell}: {message}\n" + "\n".join(lines)
    assert len(lines) == len(MISTAKES), "\n".join(lines)
    assert f"{len(MISTAKES)} error(s)" in err
    with pytest.raises(DataError, match=f"{len(MISTAKES) - 1} more problem"):
        briefgen.load(path)


def test_the_first_error_of_a_workbook_is_one_located_line(tmp_path: Path) -> None:
    path = _save(
        tmp_path,
        {"Báo cáo": [["Tỉnh, thành phố", "Năm"], ["Thanh Hóa", 2020], ["Nam Định", 2026]]},
        "book.xlsx",
    )
    with pytest.raises(UnknownProvinceError) as caught:
        briefgen.load(path)
    assert str(caught.value).startswith(
        f"{path}, sheet 'Báo cáo', cell A3 (row 3, column 'Tỉnh, thành phố'), "
        "record 2 (Nam Định 2026), field 'province': 'Nam Định' is Tỉnh Nam Định (code 36), "
        "which merged into Tỉnh Ninh Bình"
    )


def test_export_refuses_text_a_cell_cannot_hold(tmp_path: Path) -> None:
    data = briefgen.load(_save(tmp_path, _layout_tables(False), "book.xlsx"))
    record = data.records[0].model_copy(update={"highlights": ("x" * 40_000,)})
    from briefgen.data.dataset import from_records

    with pytest.raises(OutputError, match="does not fit in a cell"):
        briefgen.export(from_records([record]), tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    briefgen.export(from_records([record]), tmp_path / "out.yaml")  # YAML holds it
