"""Tables in (CSV, XLSX, DataFrame): the same records as YAML, and located errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml

import briefgen
from briefgen.data.dataset import Dataset
from briefgen.data.load import load
from briefgen.errors import DataError, UnknownProvinceError, UsageError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
FIELDS = (
    "value",
    "unit",
    "yoy_pct",
    "plan",
    "plan_pct",
    "rank",
    "of",
    "per_100",
    "edition",
    "note",
    "source",
)
LONG_HEADER = ["province", "year", "indicator", *FIELDS]


def _observations(dataset: Dataset) -> dict[tuple[str, int], Any]:
    return {(e.unit.code, e.record.year): e.record.observations for e in dataset.entries}


def _seed_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = yaml.safe_load(SEEDS.read_text("utf-8"))["records"]
    return records


def _vi(value: object) -> object:
    """A number written the Vietnamese way: 2.890.000 and 49,8."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    whole, _, fraction = repr(value).partition(".")
    return f"{int(whole):,}".replace(",", ".") + ("," + fraction if fraction != "0" else "")


def _long_rows(vietnamese: bool = False) -> list[list[object]]:
    rows: list[list[object]] = []
    for record in _seed_records():
        for indicator, fields in record.get("observations", {}).items():
            cells = [fields.get(name) for name in FIELDS]
            if vietnamese:
                cells = [_vi(cell) for cell in cells]
            rows.append([record["province"], record["year"], indicator, *cells])
    return rows


def _wide_rows() -> list[list[object]]:
    columns: list[str] = []
    for record in _seed_records():
        for indicator, fields in record.get("observations", {}).items():
            for name in fields:
                column = indicator if name == "value" else f"{indicator}.{name}"
                if column not in columns:
                    columns.append(column)
    rows: list[list[object]] = [["Province", "Year", *columns]]
    for record in _seed_records():
        observations = record.get("observations", {})
        row: list[object] = [record["province"], record["year"]]
        for column in columns:
            indicator, _, name = column.partition(".")
            row.append(observations.get(indicator, {}).get(name or "value"))
        rows.append(row)
    return rows


def _csv(rows: list[list[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue()


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def _workbook(tmp_path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "data.xlsx"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def seed_observations() -> dict[tuple[str, int], Any]:
    return _observations(briefgen.load(SEEDS))


# --------------------------------------------------------------------------- same records


def test_long_csv_loads_the_seed_observations(tmp_path: Path, seed_observations: Any) -> None:
    path = _write(tmp_path, _csv([LONG_HEADER, *_long_rows()]))
    assert _observations(briefgen.load(path)) == seed_observations


def test_wide_csv_loads_the_seed_observations(tmp_path: Path, seed_observations: Any) -> None:
    path = _write(tmp_path, _csv(_wide_rows()))
    assert _observations(briefgen.load(path)) == seed_observations


def test_excel_csv_with_bom_semicolons_and_vietnamese_numbers_loads_the_seeds(
    tmp_path: Path, seed_observations: Any
) -> None:
    header = [name.upper() + " " for name in LONG_HEADER]  # names are case-insensitive
    text = _csv([header, *_long_rows(vietnamese=True)], delimiter=";")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert "1.850.000" in text and "49,8" in text
    assert _observations(load(path, locale="vi")) == seed_observations


def test_xlsx_sheets_load_the_seed_observations(tmp_path: Path, seed_observations: Any) -> None:
    path = _workbook(
        tmp_path, {"Bảng rộng": _wide_rows(), "Dài": [LONG_HEADER, *_long_rows(vietnamese=True)]}
    )
    assert _observations(load(path)) == seed_observations
    assert _observations(load(path, sheet="Dài", locale="vi")) == seed_observations


def test_dataframes_load_the_seed_observations(seed_observations: Any) -> None:
    long_frame = pd.DataFrame(_long_rows(), columns=LONG_HEADER)
    wide = _wide_rows()
    wide_frame = pd.DataFrame(wide[1:], columns=wide[0])
    assert _observations(briefgen.load(long_frame)) == seed_observations
    assert _observations(load(wide_frame)) == seed_observations


def test_rows_of_one_province_year_group_into_one_record_in_first_seen_order(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "province,year,indicator,value,rank,of\n"
        "Bắc Giang,2022,phone_subscribers,1850000,,\n"
        "Nam Định,2021,dti,,11,63\n"
        "Bắc Giang,2022,dti,,10,63\n",
    )
    dataset = briefgen.load(path)
    assert [r.label for r in dataset.records] == ["Bắc Giang 2022", "Nam Định 2021"]
    assert set(dataset.records[0].observations) == {"phone_subscribers", "dti"}


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("declaration", "header_suffix", "options"),
    [
        ("# locale: vi\n", "", {}),
        ("", "", {"locale": "vi"}),
        ("", " [vi]", {}),
    ],
)
def test_vietnamese_numbers_are_read_when_the_locale_is_declared(
    tmp_path: Path, declaration: str, header_suffix: str, options: dict[str, str]
) -> None:
    path = _write(
        tmp_path,
        f"{declaration}province;year;phone_subscribers{header_suffix};"
        f"phone_subscribers.plan_pct{header_suffix};"
        f"broadband_subscribers.per_100{header_suffix}\n"
        "Thanh Hóa;2020;2.890.000;100,67%;49,8\n",
    )
    observations = load(path, **options).records[0].observations
    assert observations["phone_subscribers"].value == 2890000
    assert observations["phone_subscribers"].plan_pct == 100.67
    assert observations["broadband_subscribers"].per_100 == 49.8


def test_plain_numbers_and_percent_signs_are_read_without_a_locale(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "province,year,phone_subscribers,phone_subscribers.plan_pct\n"
        "Thanh Hóa,2020,2890000,100.67%\n",
    )
    observation = load(path).records[0].observations["phone_subscribers"]
    assert (observation.value, observation.plan_pct) == (2890000, 100.67)


def test_a_decimal_comma_without_a_locale_names_row_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "province;year;indicator;value;per_100\n"
        "Thanh Hóa;2020;phone_subscribers;2890000;\n"
        "Thanh Hóa;2020;broadband_subscribers;1800000;49,8\n",
    )
    with pytest.raises(DataError, match=r"decimal comma: it reads 49\.8 .*locale: vi") as caught:
        load(path)
    message = str(caught.value)
    assert f"{path}:3, column 'per_100', record 1 (Thanh Hóa 2020)" in message
    assert "field 'observations.broadband_subscribers.per_100'" in message


def test_an_ungrouped_dot_is_not_a_vietnamese_number(tmp_path: Path) -> None:
    path = _write(tmp_path, "# locale: vi\nprovince,year,budget_contribution\nThanh Hóa,2020,1.5\n")
    with pytest.raises(DataError, match="not a number written the Vietnamese way") as caught:
        load(path)
    assert f"{path}:3" in str(caught.value)


# --------------------------------------------------------------------------- errors

GOOD_LONG = (
    "province,year,indicator,value,yoy_pct,rank,of\n"
    "Nam Định,2021,dti,,,11,63\n"
    "Nam Định,2021,postal_revenue,130,8.3,,\n"
)


@pytest.mark.parametrize(
    ("text", "error", "where", "message"),
    [
        (
            GOOD_LONG.replace("130", "abc"),
            DataError,
            ":3, column 'value', record 1 (Nam Định 2021), "
            "field 'observations.postal_revenue.value'",
            "'abc' is not a number",
        ),
        (
            GOOD_LONG.replace("postal_revenue", "postal_revenu"),
            DataError,
            ":3, column 'indicator', record 1 (Nam Định 2021), field 'observations.postal_revenu'",
            "unknown indicator 'postal_revenu'.*did you mean: postal_revenue",
        ),
        (
            GOOD_LONG.replace("11,63", "70,63"),
            DataError,
            ":2, column 'indicator', record 1 (Nam Định 2021), field 'observations.dti'",
            "rank 70 is greater than",
        ),
        (
            GOOD_LONG.replace("Nam Định", "Nam Dihn"),
            UnknownProvinceError,
            ":2, column 'province', record 1 (Nam Dihn 2021), field 'province'",
            "unknown province 'Nam Dihn'",
        ),
        (
            GOOD_LONG + "Nam Định,2021,dti,,,12,63\n",
            DataError,
            ":4, column 'rank', record 1 (Nam Định 2021)",
            r"'rank' of 'dti' is given twice for Nam Định 2021 \(also row 2\)",
        ),
        (
            GOOD_LONG.replace(",2021,", ",twenty,", 1),
            DataError,
            ":2, column 'year'",
            "'twenty' is not a number",
        ),
        (GOOD_LONG.replace("province,year,", "province,"), DataError, ":1", r"column\(s\): year"),
        (GOOD_LONG.replace("yoy_pct", "yoy"), DataError, ":1", "unknown column 'yoy'"),
        (
            "# a comment\n" + GOOD_LONG.replace("130", "x"),
            DataError,
            ":4, column 'value', record 1",
            "'x'",
        ),
        ("\n\n", DataError, ":1", "the table is empty"),
    ],
)
def test_bad_tables_fail_with_file_row_record_and_field(
    tmp_path: Path, text: str, error: type[Exception], where: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(error, match=message) as caught:
        load(path)
    assert f"{path}{where}" in str(caught.value)


def test_wide_rows_report_their_own_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "province,year,dti.rank,dti.of\nNam Định,2021,11,63\nBắc Giang,2022,70,63\n",
    )
    with pytest.raises(DataError, match="rank 70") as caught:
        load(path)
    assert f"{path}:3, column 'dti.rank', record 2 (Bắc Giang 2022)" in str(caught.value)


def test_wide_column_with_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "province,year,dti.rnk\nNam Định,2021,11\n")
    with pytest.raises(DataError, match=r"unknown column 'dti\.rnk'"):
        load(path)


def test_xlsx_errors_count_rows_as_excel_shows_them(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["province", "year", "indicator", "value"],
        ["Nam Định", 2021, "postal_revenue", 130],
        [],
        ["Thanh Hóa", 2020, "sector_revenue", "3630 tỷ"],
    ]
    path = _workbook(tmp_path, {"Sheet": rows})
    with pytest.raises(DataError, match="'3630 tỷ' is not a number") as caught:
        load(path)
    where = f"{path}, sheet 'Sheet', cell D4 (row 4, column 'value'), record 2 (Thanh Hóa 2020)"
    assert where in str(caught.value)


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {"2021": _wide_rows(), "2022": _wide_rows()})
    with pytest.raises(DataError, match=r"no sheet named 'Sheet1'.*sheets: 2021, 2022"):
        load(path, sheet="Sheet1")


def test_a_file_that_is_not_a_workbook_is_a_data_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "province,year\n", "data.xlsx")
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        load(path)


def test_dataframe_errors_number_rows_from_two(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "province": ["Nam Định", "Nam Định"],
            "year": [2021, 2021],
            "indicator": ["dti", "postal_revenu"],
            "value": [None, 130.0],
            "rank": [11, None],
            "of": [63, None],
        }
    )
    with pytest.raises(DataError, match="unknown indicator") as caught:
        briefgen.load(frame)
    assert "<DataFrame>:3, column 'indicator', record 1 (Nam Định 2021)" in str(caught.value)


def test_dataframe_with_keys_in_the_index_says_to_reset_it() -> None:
    frame = pd.DataFrame(
        {"province": ["Nam Định"], "year": [2021], "postal_revenue": [130]}
    ).set_index(["province", "year"])
    with pytest.raises(DataError, match=r"reset_index\(\)"):
        load(frame)


def test_sheet_and_locale_options_are_refused_where_they_cannot_apply(tmp_path: Path) -> None:
    csv_path = _write(tmp_path, GOOD_LONG)
    with pytest.raises(UsageError, match=r"sheet= applies to \.xlsx"):
        load(csv_path, sheet="Sheet1")
    with pytest.raises(UsageError, match="locale= applies to CSV and XLSX"):
        load(SEEDS, locale="vi")
    with pytest.raises(UsageError, match="unknown number locale 'fr'"):
        load(csv_path, locale="fr")
