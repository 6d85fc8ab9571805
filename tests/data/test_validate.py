"""Validation: every problem, each with file, line, record and field, in one run."""

from __future__ import annotations

from pathlib import Path

import pytest

import briefgen
from briefgen.cli import main
from briefgen.data.load import validate

HEAD = "records:\n"


def _record(
    observations: str = "", extra: str = "", province: str = "Nam Định", year: str = "2021"
) -> str:
    text = f"  - province: {province}\n    year: {year}\n"
    if observations:
        text += "    observations:\n" + "".join(
            f"      {line}\n" for line in observations.splitlines()
        )
    if extra:
        text += "".join(f"    {line}\n" for line in extra.splitlines())
    return text


# (record text, expected message, expected field, line of the problem within the record)
MALFORMED: list[tuple[str, str, str, int]] = [
    (_record(province="Nam Dihn"), "unknown province 'Nam Dihn'", "province", 1),
    (_record(province="Atlantis"), "unknown province 'Atlantis'", "province", 1),
    (_record(year="twenty"), "must be a whole number (got 'twenty')", "year", 2),
    (_record(year="1800"), "must be at least 1990 (got 1800)", "year", 2),
    (_record(province="Nam Định", year="2026"), "merged into Tỉnh Ninh Bình", "province", 1),
    (
        _record("postal_revenu: {value: 1}"),
        "unknown indicator 'postal_revenu'",
        "observations.postal_revenu",
        4,
    ),
    (
        _record("postal_revenue: {value: abc}"),
        "must be a number (got 'abc')",
        "observations.postal_revenue.value",
        4,
    ),
    (
        _record("postal_revenue: {value: -5}"),
        "negative money -5",
        "observations.postal_revenue.value",
        4,
    ),
    (
        _record("phone_subscribers: {value: -1}"),
        "negative count -1",
        "observations.phone_subscribers.value",
        4,
    ),
    (
        _record("online_filing_rate: {value: 130}"),
        "percentage 130 is outside 0–100",
        "observations.online_filing_rate.value",
        4,
    ),
    (
        _record("online_filing_rate: {value: -2}"),
        "percentage -2 is outside 0–100",
        "observations.online_filing_rate.value",
        4,
    ),
    (
        _record("dti: {rank: 70, of: 63}"),
        "rank 70 is greater than the number ranked (63)",
        "observations.dti",
        4,
    ),
    (_record("dti: {rank: 0, of: 63}"), "must be at least 1 (got 0)", "observations.dti.rank", 4),
    (
        # Without 'of', a national ranking covers the year's units: 63 up to 2024.
        _record("ict_index: {rank: 70}"),
        "rank 70 is greater than the number of units the 2021 ranking covers (63)",
        "observations.ict_index.rank",
        4,
    ),
    (
        _record("dti: {rank: 5, of: 34}"),
        "ranked out of 34, but 2021 rankings cover 63 units",
        "observations.dti.of",
        4,
    ),
    (_record("dti: {of: 63}"), "'of' is given without 'rank'", "observations.dti", 4),
    (_record("dti: {value: 12}"), "is a ranking: give 'rank'", "observations.dti.value", 4),
    (
        _record("postal_revenue: {value: 1, yoy: 3}"),
        "unknown field",
        "observations.postal_revenue.yoy",
        4,
    ),
    (
        _record("postal_revenue: {value: 1, unit: usd}"),
        "unknown unit 'usd'",
        "observations.postal_revenue.unit",
        4,
    ),
    (
        _record("broadband_subscribers: {value: 1, per_100: -3}"),
        "must be at least 0 (got -3)",
        "observations.broadband_subscribers.per_100",
        4,
    ),
    (
        _record("postal_revenue: {value: 1, plan_pct: -3}"),
        "negative plan attainment",
        "observations.postal_revenue.plan_pct",
        4,
    ),
    (
        _record("dti: {rank: 3, of: 63, edition: 1800}"),
        "must be at least 1990 (got 1800)",
        "observations.dti.edition",
        4,
    ),
    (_record("postal_revenue: 130"), "must be a mapping", "observations.postal_revenue", 4),
    (_record(extra="colour: red"), "unknown field", "colour", 3),
    (_record(extra="targets:\n  - {value: 3}"), "needs an 'indicator' or a 'text'", "targets.1", 4),
    (
        _record(extra="targets:\n  - {indicator: phone_subscriber, value: 3}"),
        "unknown indicator 'phone_subscriber'",
        "targets.1.indicator",
        4,
    ),
    (
        _record(extra="targets:\n  - {indicator: dti}"),
        "has no value, per_100, rank_max or text",
        "targets.1",
        4,
    ),
    (_record(extra="report: {date: 2022-13-45}"), "date", "report.date", 3),
    (_record(extra="leaders:\n  - {role: x}"), "required field is missing", "leaders.1.name", 4),
    (_record(extra="observations: [1, 2]"), "'observations' must map", "observations", 3),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.yaml"
    path.write_text(text, "utf-8")
    return path


def test_the_table_has_at_least_25_cases() -> None:
    assert len(MALFORMED) >= 25


@pytest.mark.parametrize(("text", "message", "field", "line"), MALFORMED)
def test_each_malformed_record_gives_its_message_and_place(
    tmp_path: Path, text: str, message: str, field: str, line: int
) -> None:
    path = _write(tmp_path, HEAD + text)
    dataset, problems = validate(path)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in problems]
    error = errors[0]
    assert message in error.message or message in str(error), str(error)
    assert error.where.file == str(path)
    assert error.where.field == field
    assert error.where.row == line + 1  # +1 for the "records:" line
    assert error.where.record is not None and error.where.record.startswith("record 1")
    assert dataset is not None and len(dataset) == 0


def test_validate_lists_every_problem_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each case in its own record, and each province-year distinct so no duplicates arise.
    provinces = ["Nam Định", "Thanh Hóa", "Bắc Giang", "Bắc Kạn", "Hà Nội", "Huế"]
    records = []
    for index, (text, _, _, _) in enumerate(MALFORMED):
        year = str(1995 + index)
        if "year: twenty" in text or "year: 1800" in text or "year: 2026" in text:
            records.append(text)
            continue
        text = text.replace("year: 2021", f"year: {year}")
        text = text.replace("of: 63}", "of: 63}" if int(year) < 2025 else "of: 34}")
        records.append(text.replace("province: Nam Định", f"province: {provinces[index % 6]}"))
    path = _write(tmp_path, HEAD + "".join(records))
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if ": error: " in line]
    assert code == 2
    assert len(lines) == len(MALFORMED), "\n".join(lines)
    assert f"{len(MALFORMED)} error(s)" in err
    for line in lines:
        assert line.startswith(f"{path}:")


def test_clean_file_validates_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    assert main(["validate", str(root / "fixtures" / "seed-reports.yaml")]) == 0
    assert "0 error(s)" in capsys.readouterr().err


def test_growth_that_disagrees_with_last_year_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        HEAD
        + _record("postal_revenue: {value: 100}", year="2020")
        + _record("postal_revenue: {value: 110, yoy_pct: 8.3}")
    )
    path = _write(tmp_path, text)
    _, problems = validate(path)
    assert [p.severity for p in problems] == ["warning"]
    assert "reported growth 8.3% disagrees with 10.00%" in problems[0].message
    assert problems[0].where.field == "observations.postal_revenue.yoy_pct"
    assert main(["validate", str(path)]) == 0  # warnings do not fail


def test_a_rates_reported_change_is_checked_in_percentage_points(tmp_path: Path) -> None:
    # 45,6% → 58,2%: a reported change of 12,6 points agrees; 27,63 (relative) does not
    base = _record("online_filing_rate: {value: 45.6}", year="2020")
    agreeing = _record("online_filing_rate: {value: 58.2, yoy_pct: 12.6}")
    _, problems = validate(_write(tmp_path, HEAD + base + agreeing))
    assert problems == []
    relative = _record("online_filing_rate: {value: 58.2, yoy_pct: 27.63}")
    _, problems = validate(_write(tmp_path, HEAD + base + relative))
    assert [p.severity for p in problems] == ["warning"]
    assert "reported change 27.63 percentage points disagrees with 12.60 points" in str(problems[0])
    assert problems[0].where.field == "observations.online_filing_rate.yoy_pct"


def test_plan_attainment_that_disagrees_with_the_plan_is_a_warning(tmp_path: Path) -> None:
    path = _write(
        tmp_path, HEAD + _record("postal_revenue: {value: 130, plan: 100, plan_pct: 118}")
    )
    _, problems = validate(path)
    assert [p.severity for p in problems] == ["warning"]
    assert "118% disagrees with value/plan = 130.00%" in problems[0].message


def test_declared_denominator_allows_another_number_ranked(tmp_path: Path) -> None:
    text = (
        "denominators:\n  dti: {2024: 34}\n" + HEAD + _record("dti: {rank: 5, of: 34}", year="2024")
    )
    _, problems = validate(_write(tmp_path, text))
    assert problems == []


def test_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    dataset, problems = validate(tmp_path / "missing.yaml")
    assert dataset is None
    assert [p.message for p in problems] == ["file not found"]


def test_validate_reads_workbooks_and_names_the_sheet_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Số liệu"
    sheet.append(["province", "year", "postal_revenue", "postal_revenu"])
    sheet.append(["Nam Định", 2021, 130, 5])
    path = tmp_path / "data.xlsx"
    workbook.save(path)
    code = main(["validate", str(path), "--sheet", "Số liệu"])
    out = capsys.readouterr().out
    assert code == 2
    assert f"{path}, sheet 'Số liệu', cell D1 (row 1, column 'postal_revenu')" in out
    assert "unknown indicator 'postal_revenu'" in out


# --------------------------------------------------------------------------- the library's report


def test_validate_reports_every_unreadable_cell_of_a_table_in_one_run(tmp_path: Path) -> None:
    import briefgen

    path = tmp_path / "figures.csv"
    path.write_text(
        "province,year,indicator,value,rank,of\n"
        "Nam Định,2021,postal_revenue,abc,,\n"
        "Nam Định,2021,dti,,eleven,63\n"
        "Thanh Hóa,2020,sector_revenue,3.630,,\n"
        "Thanh Hóa,twenty,phone_subscribers,1,,\n"
        "Bắc Giang,2022,phone_subscribers,1850000,,\n",
        "utf-8",
    )
    report = briefgen.validate(path)
    assert isinstance(report, briefgen.Report) and not report.ok
    located = [(p.where.row, p.where.column, p.message) for p in report.errors]
    assert located == [
        (2, "value", "'abc' is not a number"),
        (3, "rank", "'eleven' is not a number"),
        (5, "year", "'twenty' is not a number"),
    ], located
    # Nam Định 2021 has errors: it is not among the records that passed.
    assert report.dataset is not None and len(report.dataset) == 2
    # Without its two unreadable figures, Nam Định 2021 has nothing left to report.
    assert [(w.where.record, w.message) for w in report.warnings] == [
        (
            "record 1 (Nam Định 2021)",
            "the record has no figures or text, so its brief would report nothing",
        )
    ]
    assert str(report).endswith("3 error(s), 1 warning(s); 2 valid record(s)")


def test_load_issues_warnings_through_the_warnings_module(tmp_path: Path) -> None:
    import briefgen

    text = (
        HEAD
        + _record("postal_revenue: {value: 100}", year="2020")
        + _record("postal_revenue: {value: 110, yoy_pct: 8.3}")
    )
    path = _write(tmp_path, text)
    with pytest.warns(briefgen.BriefgenWarning, match="reported growth 8.3% disagrees") as caught:
        data = briefgen.load(path)
    assert len(data) == 2
    warning = caught[0].message
    assert isinstance(warning, briefgen.BriefgenWarning)
    assert warning.where.field == "observations.postal_revenue.yoy_pct"
    assert str(warning).startswith(f"{path}:6, record 2 (Nam Định 2021)")
    assert caught[0].filename == __file__
    report = briefgen.validate(path)
    assert report.ok and [p.severity for p in report] == ["warning"]


def test_a_ranking_without_its_denominator_is_checked_against_the_years_units(
    tmp_path: Path,
) -> None:
    # 2025 rankings cover the 34 units; an edition of 2024 the 63; a declaration wins.
    text = (
        "denominators:\n  dti: {2023: 70}\n"
        + HEAD
        + _record("dti: {rank: 34}\nict_index: {rank: 35}", province="Ninh Bình", year="2025")
        + _record("dti: {rank: 63, edition: 2024}", province="Huế", year="2025")
        + _record("dti: {rank: 70}", province="Hà Nội", year="2023")
    )
    _, problems = validate(_write(tmp_path, text))
    assert [(p.severity, p.where.field, p.message) for p in problems] == [
        (
            "error",
            "observations.ict_index.rank",
            "rank 35 is greater than the number of units the 2025 ranking covers (34)",
        )
    ]


def test_a_ranking_without_its_denominator_gets_the_number_of_units_of_its_edition(
    tmp_path: Path,
) -> None:
    text = (
        "denominators:\n  dti: {2023: 70}\n"
        + HEAD
        + _record("ict_index: {rank: 12}\ndti: {rank: 9}", year="2024")
        + _record("dti: {rank: 17}\npar_index: {rank: 8, edition: 2024}", "", "Ninh Bình", "2025")
        + _record("dti: {rank: 65}\npostal_revenue: {value: 3, rank: 3}", "", "Hà Nội", "2023")
    )
    dataset, problems = validate(_write(tmp_path, text))
    assert problems == []
    assert dataset is not None
    denominators = {
        (record.year, indicator): obs.of
        for record in dataset.records
        for indicator, obs in record.observations.items()
    }
    assert denominators == {
        (2024, "ict_index"): 63,
        (2024, "dti"): 63,
        (2025, "dti"): 34,
        (2025, "par_index"): 63,  # the 2024 edition ranked the 63 provinces
        (2023, "dti"): 70,  # as declared
        (2023, "postal_revenue"): None,  # a position that is not a national ranking
    }


def test_a_workbooks_wide_rank_columns_need_no_denominator(tmp_path: Path) -> None:
    # The wide figures sheet (and a CSV like it) has 'ict_index.rank' columns, no '.of'.
    import briefgen

    path = tmp_path / "figures.csv"
    path.write_text("province,year,ict_index.rank,dti.rank\nNam Định,2024,12,9\n", "utf-8")
    record = briefgen.load(path).records[0]
    assert (record.observations["ict_index"].of, record.observations["dti"].of) == (63, 63)


def test_a_record_with_no_figures_or_text_is_a_warning(tmp_path: Path) -> None:
    # Report facts and sources alone give a brief nothing to report; one highlight does.
    empty = _record(extra="report: {number: 05/BC-STTTT}\nsources:\n  - {title: Báo cáo}")
    said = _record(province="Thanh Hóa", extra="highlights: [Hạ tầng được nâng cấp.]")
    blank = _record("postal_revenue: {note: ước đạt}", province="Bắc Giang")
    _, problems = validate(_write(tmp_path, HEAD + empty + said + blank))
    assert [(p.severity, p.where.record, p.where.row, p.message) for p in problems] == [
        (
            "warning",
            "record 1 (Nam Định 2021)",
            2,
            "the record has no figures or text, so its brief would report nothing",
        ),
        (
            "warning",
            "record 3 (Bắc Giang 2021)",
            10,
            "the record has no figures or text, so its brief would report nothing",
        ),
    ]


def test_a_new_workbook_not_filled_in_warns_for_each_record(tmp_path: Path) -> None:
    import briefgen

    book = briefgen.new_workbook(tmp_path / "book.xlsx", year=2024, provinces=["Nam Định", "Huế"])
    report = briefgen.validate(book)
    assert report.ok
    assert [(w.where.sheet, w.where.cell, w.message) for w in report.warnings] == [
        ("Báo cáo", "A3", "the record has no figures or text, so its brief would report nothing"),
        ("Báo cáo", "A4", "the record has no figures or text, so its brief would report nothing"),
    ]


# --------------------------------------------------------------------------- what a person reads


def test_positions_in_a_field_count_from_one_as_a_person_counts(tmp_path: Path) -> None:
    targets = "targets:\n" + "".join(
        f"  - {{indicator: phone_subscribers, value: {v}}}\n" for v in ("1", "2", "3", "abc")
    )
    path = _write(tmp_path, HEAD + _record(extra=targets + "highlights: [a, '']"))
    _, problems = validate(path)
    fields = {(p.where.field, p.where.row): p.message for p in problems}
    # the fourth target is on line 8 of the file (line 1 is 'records:')
    assert fields[("targets.4.value", 8)] == "must be a number (got 'abc')"
    with pytest.raises(briefgen.DataError, match=r"field 'targets\.4\.value': must be a number"):
        briefgen.load(path)


@pytest.mark.parametrize(
    ("observations", "extra", "message"),
    [
        ("dti: {rank: 0, of: 63}", "", "must be at least 1 (got 0)"),
        ("dti: {rank: 10001}", "", "must be at most 10000 (got 10001)"),
        ("postal_revenue: {value: .nan}", "", "must be a finite number, not NaN or infinity"),
        ("postal_revenue: {value: [1]}", "", "must be a number"),
        ("", "report: {copies: 2.5}", "must be a whole number (got 2.5)"),
        ("", "report: {date: 2022-13-45}", "must be a date such as 2022-01-07"),
        ("", "report: {number: 5}", "must be text (got 5)"),
        ("", "highlights: abc", "must be a list (got 'abc')"),
        ("", "leaders: [5]", "must be a mapping of fields (got 5)"),
    ],
)
def test_pydantics_messages_are_said_in_plain_english(
    tmp_path: Path, observations: str, extra: str, message: str
) -> None:
    _, problems = validate(_write(tmp_path, HEAD + _record(observations, extra)))
    (problem,) = problems
    assert problem.message.startswith(message), problem.message
    assert "Input should" not in problem.message and "valid" not in problem.message


def test_a_record_is_named_by_its_official_name_when_the_province_resolves(
    tmp_path: Path,
) -> None:
    text = (
        HEAD
        + _record("dti: {rank: 0}", province="Nam Dinh", year="2021")
        + _record("dti: {rank: 0}", province="Nam Dihn", year="2021")
    )
    _, problems = validate(_write(tmp_path, text))
    assert [p.where.record for p in problems] == [
        "record 1 (Nam Định 2021)",  # as written: "Nam Dinh"
        "record 2 (Nam Dihn 2021)",  # no such province: as written
        "record 2 (Nam Dihn 2021)",
    ]


def test_the_summary_counts_only_records_without_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table cell that cannot be read leaves its record in the data, but the record has an
    error: it is not counted valid, nor is it in the report's dataset."""
    path = tmp_path / "figures.csv"
    path.write_text(
        "province,year,indicator,value\n"
        "Nam Dinh,2021,postal_revenue,abc\n"
        "Nam Dinh,2021,phone_subscribers,1850000\n"
        "Thanh Hóa,2020,sector_revenue,3630\n",
        "utf-8",
    )
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "record 1 (Nam Định 2021), field 'observations.postal_revenue.value'" in captured.out
    assert captured.err.strip() == f"{path}: 1 error(s), 0 warning(s); 1 valid record(s)"
    report = briefgen.validate(path)
    assert report.dataset is not None
    assert [(e.unit.name, e.record.year) for e in report.dataset.entries] == [("Thanh Hóa", 2020)]
