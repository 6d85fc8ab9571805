"""Loading records: the seed fixture, and located errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import briefgen
from briefgen.errors import DataError, InputError, RecordNotFoundError, UnknownProvinceError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"


def test_seed_fixture_holds_the_four_seed_province_years() -> None:
    data = briefgen.load(SEEDS)
    keys = {(e.unit.code, e.record.year) for e in data.entries}
    assert keys == {("36", 2021), ("38", 2020), ("24", 2022), ("06", 2020)}


def test_seed_fixture_keeps_figures_as_reported() -> None:
    data = briefgen.load(SEEDS)
    thanh_hoa = data.get("Thanh Hóa", 2020)
    assert thanh_hoa.observations["broadband_subscribers"].per_100 == 49.8
    assert thanh_hoa.observations["broadband_subscribers"].plan_pct == 105.88
    assert thanh_hoa.observations["sector_revenue"].value == 3630
    assert thanh_hoa.observations["national_portal_services"].rank == 3
    nam_dinh = data.get("Nam Định", 2021)
    assert nam_dinh.observations["postal_revenue"].yoy_pct == 8.3
    assert nam_dinh.observations["ict_index"].rank == 11
    assert nam_dinh.observations["ict_index"].of == 63
    bac_giang = data.get("Bắc Giang", 2022)
    assert bac_giang.observations["dti"].edition == 2021
    assert bac_giang.targets[0].rank_max == 10


def test_every_seed_record_names_its_sources_by_title_date_and_author() -> None:
    data = briefgen.load(SEEDS)
    for record in data.records:
        assert record.sources, record.label
        for source in record.sources:
            assert source.title and source.published, (record.label, source)
            assert source.file is None, "the seed articles stay outside the repository"
            # Published after the year reported on, in the days around the conference.
            assert source.published.year in (record.year, record.year + 1), source
    nam_dinh = data.get("Nam Định", 2021)
    assert [s.author for s in nam_dinh.sources] == ["Nguyễn Hương", "Trần Là"]
    assert nam_dinh.sources[1].publisher is not None
    assert "Hải Hậu" in nam_dinh.sources[1].publisher


def test_a_source_needs_a_title_or_a_file(tmp_path: Path) -> None:
    text = GOOD + "    sources:\n      - {author: Lan Phương}\n"
    with pytest.raises(DataError, match="a source needs a 'title' or a 'file'"):
        briefgen.load(_write(tmp_path, text))


def test_any_spelling_of_a_province_finds_its_record() -> None:
    data = briefgen.load(SEEDS)
    assert data.get("Thanh Hoá", 2020) is data.get("38", 2020)
    assert data.get("nam dinh", 2021).province == "Nam Định"


def test_json_and_yaml_load_to_equal_records(tmp_path: Path) -> None:
    raw = yaml.safe_load(SEEDS.read_text("utf-8"))
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps(raw, default=str, ensure_ascii=False), "utf-8")
    assert briefgen.load(path).records == briefgen.load(SEEDS).records


def test_missing_record_says_what_the_dataset_holds() -> None:
    data = briefgen.load(SEEDS)
    with pytest.raises(RecordNotFoundError, match="Nam Định has records for 2021"):
        data.get("Nam Định", 2019)


def _write(tmp_path: Path, text: str, name: str = "data.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


GOOD = """\
records:
  - province: Nam Định
    year: 2021
    observations:
      postal_revenue: {value: 130, yoy_pct: 8.3}
"""


@pytest.mark.parametrize(
    ("text", "error", "where", "message"),
    [
        (
            GOOD.replace("postal_revenue", "postal_revenu"),
            DataError,
            ":5",
            "unknown indicator 'postal_revenu'.*did you mean: postal_revenue",
        ),
        (
            GOOD.replace("yoy_pct", "yoy"),
            DataError,
            ":5",
            "field 'observations.postal_revenue.yoy': unknown field",
        ),
        (
            GOOD.replace("value: 130", "value: abc"),
            DataError,
            ":5",
            "observations.postal_revenue.value",
        ),
        (GOOD.replace("year: 2021", "year: twenty"), DataError, ":3", "field 'year'"),
        (
            GOOD.replace("Nam Định", "Nam Dihn"),
            UnknownProvinceError,
            ":2",
            "unknown province 'Nam Dihn'",
        ),
        (
            GOOD.replace("{value: 130, yoy_pct: 8.3}", "{rank: 70, of: 63}").replace(
                "postal_revenue", "dti"
            ),
            DataError,
            ":5",
            "rank 70 is greater than",
        ),
        (
            GOOD.replace("{value: 130, yoy_pct: 8.3}", "{value: -5}"),
            DataError,
            ":5",
            "negative money",
        ),
        (GOOD + GOOD.replace("records:\n", ""), DataError, ":6", "duplicate record"),
        ("records: []\n", DataError, ":1", "no records"),
        ("records:\n  - [1, 2]\n", DataError, ":2", "must be a mapping"),
        ("recods: []\n", DataError, ":1", "unknown top-level key 'recods'"),
        ("records:\n  - province: [unclosed\n", DataError, ":", "not valid YAML"),
    ],
)
def test_bad_records_fail_with_file_line_and_field(
    tmp_path: Path, text: str, error: type[Exception], where: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(error, match=message) as caught:
        briefgen.load(path)
    assert f"{path}{where}" in str(caught.value)


def test_unknown_suffix_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", "data.txt")
    with pytest.raises(InputError, match=r"\.csv, \.json, \.xlsm, \.xlsx, \.yaml, \.yml"):
        briefgen.load(path)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        briefgen.load(tmp_path / "none.yaml")


def test_a_missing_folder_or_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^nope/: folder not found$"):
        briefgen.load("nope/")
    with pytest.raises(DataError, match=r"none: file or folder not found$"):
        briefgen.load(tmp_path / "none")
    with pytest.raises(DataError, match=r"folder .*gone does not exist either"):
        briefgen.load(tmp_path / "gone" / "data.xlsx")


# --------------------------------------------------------------------------- data from Python


SEED_DATA = yaml.safe_load(SEEDS.read_text("utf-8"))


def test_the_data_of_a_yaml_file_loads_from_python_as_from_the_file() -> None:
    from_file = briefgen.load(SEEDS)
    from_python = briefgen.load(SEED_DATA)
    assert from_python == from_file  # records, declared indicators, title
    assert from_python.source == "<data>" and from_python.digest == ""
    assert briefgen.load(SEED_DATA["records"]) == briefgen.load({"records": SEED_DATA["records"]})
    assert briefgen.load(tuple(SEED_DATA["records"])).records == from_file.records


def test_data_from_python_takes_every_top_level_key_of_a_yaml_file() -> None:
    data = {
        "title": "Số liệu 2024",
        "locale": "vi",
        "indicators": {
            "my_count": {"vi": "Số điểm", "en": "Points", "kind": "count", "unit": "dich_vu"}
        },
        "denominators": {"dti": {2024: 34}},
        "records": [
            {
                "province": "Nam Dinh",
                "year": 2024,
                "observations": {"my_count": {"value": 7}, "dti": {"rank": 3, "of": 34}},
            }
        ],
    }
    dataset = briefgen.load(data)
    assert dataset.title == "Số liệu 2024" and "my_count" in dataset.catalogue
    assert dataset.units_ranked("dti", 2024) == 34
    assert dataset.get("Nam Định", 2024).observations["my_count"].value == 7


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"records": [{"province": "Nam Dinh", "year": 2021, "targets": [{"text": "a"}, {}]}]},
            "<data>, record 1 (Nam Định 2021), field 'targets.2': a target needs an "
            "'indicator' or a 'text'",
        ),
        (
            {"records": [{"province": "X", "year": 2021}]},
            "<data>, record 1 (X 2021), field 'province': unknown province 'X'",
        ),
        ({"records": []}, "<data>, field 'records': no records: the data needs a non-empty list"),
        ({"record": []}, "<data>, field 'record': unknown top-level key 'record'"),
        ([5], "<data>, record 1: a record must be a mapping of fields"),
    ],
)
def test_data_from_python_is_checked_as_a_file_with_fields_named_and_no_lines(
    data: object, message: str
) -> None:
    with pytest.raises(DataError) as caught:
        briefgen.load(data)
    assert str(caught.value).startswith(message), str(caught.value)
    assert caught.value.where.row is None
    report = briefgen.validate(data)
    assert not report.ok and str(report.errors[0]).startswith(message.split(": ", 1)[0])


def test_python_data_is_told_apart_from_dataframes() -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"province": ["Nam Định"], "year": [2021], "postal_revenue": [130]})
    assert len(briefgen.load({"figures": frame})) == 1  # a dict of DataFrames: the workbook
    with pytest.raises(briefgen.UsageError, match="a dict mixes DataFrames and other values"):
        briefgen.load({"figures": frame, "records": []})
    with pytest.raises(briefgen.UsageError, match="locale= applies to tables"):
        briefgen.load(SEED_DATA, locale="vi")
    with pytest.raises(briefgen.UsageError, match=r"load\(\) needs a file or folder path"):
        briefgen.load(5)
