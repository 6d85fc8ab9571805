"""Export: what briefgen export writes loads back to an equal dataset, in every format."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import briefgen
from briefgen.cli import main
from briefgen.data import provinces
from briefgen.data.dataset import Dataset
from briefgen.data.export import export
from briefgen.data.indicators import KINDS, SECTIONS, builtin
from briefgen.data.load import Parsed, from_data
from briefgen.data.records import MIN_FIGURE
from briefgen.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(
    p for p in (ROOT / "fixtures").iterdir() if p.suffix in (".yaml", ".yml", ".json")
)
TARGETS = ("book.xlsx", "folder", "data.yaml", "data.json")


def _same(loaded: Dataset, original: Dataset) -> None:
    """The equality docs/data.md promises: Dataset compares content, not where it was read."""
    assert loaded == original
    assert loaded.records == original.records  # what == compares, said part by part
    assert dict(loaded.catalogue) == dict(original.catalogue)
    assert loaded.title == original.title
    assert loaded.other_denominators() == original.other_denominators()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("target", TARGETS)
def test_every_fixture_loads_back_equal_from_every_export(
    tmp_path: Path, fixture: Path, target: str
) -> None:
    original = briefgen.load(fixture)
    written = briefgen.export(original, tmp_path / target)
    _same(briefgen.load(written), original)


def test_export_from_the_command_line_takes_any_input(tmp_path: Path) -> None:
    seeds = ROOT / "fixtures" / "seed-reports.yaml"
    assert main(["export", str(seeds), "--to", str(tmp_path / "seeds.xlsx")]) == 0
    assert main(["export", str(tmp_path / "seeds.xlsx"), "--to", str(tmp_path / "csv/")]) == 0
    assert main(["export", str(tmp_path / "csv"), "--to", str(tmp_path / "back.yaml")]) == 0
    _same(briefgen.load(tmp_path / "back.yaml"), briefgen.load(seeds))
    assert {p.name for p in (tmp_path / "csv").iterdir()} >= {"figures.csv", "reports.csv"}


def test_export_to_an_unknown_suffix_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = ROOT / "fixtures" / "seed-reports.yaml"
    assert main(["export", str(seeds), "--to", str(tmp_path / "data.ods")]) == 2
    assert "cannot export to '.ods' files" in capsys.readouterr().err
    with pytest.raises(UsageError, match="is a file, not a folder"):
        (tmp_path / "taken").write_text("x")
        export(briefgen.load(seeds), tmp_path / "taken")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("afile", "afile: is a file, not a folder (choose another folder)"),
        ("afile/data.yaml", "afile: is a file, not a folder"),
        ("afile/folder", "afile is a file"),
        ("data.yaml", "data.yaml: is a folder: a file cannot be written at its name"),
        ("book.xlsx", "book.xlsx: is a folder: a file cannot be written at its name"),
    ],
)
def test_export_to_a_place_taken_by_a_file_or_folder_exits_2_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "data.yaml").mkdir()
    (tmp_path / "book.xlsx").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    # The data file does not exist: the target is refused before it is read.
    code = main(["export", str(tmp_path / "missing.yaml"), "--to", str(tmp_path / target)])
    (line,) = capsys.readouterr().err.splitlines()
    assert code == 2 and message in line, line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    with pytest.raises(UsageError, match=re.escape(message.split(": ", 1)[-1])):
        briefgen.export(ROOT / "fixtures" / "seed-reports.yaml", tmp_path / target)


def test_an_exported_workbook_keeps_figures_in_a_grid_and_details_in_rows(
    tmp_path: Path,
) -> None:
    path = briefgen.export(
        briefgen.load(ROOT / "fixtures" / "seed-reports.yaml"), tmp_path / "b.xlsx"
    )
    book = openpyxl.load_workbook(path)
    figures = book["Số liệu"]
    ids = [cell.value for cell in figures[2]]
    assert ids[:2] == ["province", "year"] and "dti.rank" in ids
    thanh_hoa = next(row for row in figures.iter_rows(min_row=3, values_only=True)
                     if row[0] == "Thanh Hoá")  # fmt: skip
    assert thanh_hoa[ids.index("phone_subscribers")] == 2890000
    details = [row for row in book["Chi tiết số liệu"].iter_rows(min_row=3, values_only=True)]
    assert ("Thanh Hoá", 2020, "phone_subscribers") in {row[:3] for row in details}
    assert figures.freeze_panes == "A3"


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    seeds = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    record = seeds.records[0].model_copy(update={"highlights": ("=SUM(A1:A9)", "+84 91 234")})
    from briefgen.data.dataset import from_records

    data = from_records([record])
    loaded = briefgen.load(briefgen.export(data, tmp_path / "b.xlsx"))
    assert loaded.records[0].highlights == ("=SUM(A1:A9)", "+84 91 234")


# --------------------------------------------------------------------------- property

_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
        blacklist_characters="\ufeff\ufffe\uffff",
    )
    | st.sampled_from("\nđĐươạ ,.;:%#=-'\""),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() != "")


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats as figures are: 15 significant digits at most, as Excel keeps them, and 0
    or at least MIN_FIGURE in size (a smaller one is refused as not data)."""
    return (
        st.floats(low, high)
        .map(lambda value: float(f"{value:.15g}"))
        .filter(lambda value: value == 0 or abs(value) >= MIN_FIGURE)
    )


_NUMBER = _floats(0, 1e12) | st.integers(0, 10**9)
_CATALOGUE = builtin()


@st.composite
def _observation(draw: st.DrawFn, indicator_id: str, year: int) -> dict[str, Any]:
    indicator = _CATALOGUE.get(indicator_id)
    kind = indicator.kind if indicator is not None else "count"
    fields: dict[str, Any] = {}
    if kind == "rank":
        of = provinces.denominator(year)
        fields["rank"] = draw(st.integers(1, of))
        if draw(st.booleans()):
            fields["of"] = of
    elif draw(st.booleans()):
        if kind == "percent":
            fields["value"] = draw(st.sampled_from([0]) | _floats(1.01, 100))
        else:
            fields["value"] = draw(_NUMBER)
    optional = {
        "yoy_pct": _floats(-100, 1e4),
        "plan_pct": _floats(0, 1e3),
        "per_100": _floats(0, 500),
        "note": _TEXT,
        "source": _TEXT,
        "unit": st.sampled_from(sorted(_CATALOGUE.units)),
    }
    for name, strategy in optional.items():
        if kind != "rank" and draw(st.integers(0, 3)) == 0:
            fields[name] = draw(strategy)
    return fields


_DATES = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))


@st.composite
def _record(draw: st.DrawFn, province: str, year: int, extra: list[str]) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from([*_CATALOGUE, *extra]), unique=True, max_size=6))
    record: dict[str, Any] = {
        "province": province,
        "year": year,
        "observations": {i: draw(_observation(i, year)) for i in ids},
        "highlights": draw(st.lists(_TEXT, max_size=3)),
        "awards": draw(st.lists(_TEXT, max_size=2)),
        "targets": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"indicator": st.sampled_from(list(_CATALOGUE))},
                    optional={"value": _NUMBER, "rank_max": st.integers(1, 63), "text": _TEXT},
                ).filter(lambda t: len(t) > 1)
                | st.fixed_dictionaries({"text": _TEXT}),
                max_size=3,
            )
        ),
        "leaders": draw(
            st.lists(st.fixed_dictionaries({"name": _TEXT}, optional={"role": _TEXT}), max_size=2)
        ),
        "sources": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"title": _TEXT},
                    optional={
                        "published": _DATES,
                        "author": _TEXT,
                        "file": _TEXT,
                        "publisher": _TEXT,
                    },
                ),
                max_size=2,
            )
        ),
        "local_reports": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"unit": _TEXT},
                    optional={
                        "topic": _TEXT,
                        "figures": st.lists(
                            st.fixed_dictionaries(
                                {"label": _TEXT, "value": _NUMBER}, optional={"unit": _TEXT}
                            ),
                            max_size=3,
                        ),
                    },
                ),
                max_size=2,
                unique_by=lambda report: report["unit"].strip(),
            )
        ),
        "report": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "number": _TEXT,
                    "date": _DATES,
                    "place": _TEXT,
                    "parent": _TEXT,
                    "issuer": _TEXT,
                    "issuer_short": _TEXT,
                    "authority": _TEXT,
                    "signer": st.fixed_dictionaries({"name": _TEXT}, optional={"role": _TEXT}),
                    "recipients": st.lists(_TEXT, max_size=3),
                },
            )
        ),
    }
    return record


@st.composite
def _datasets(draw: st.DrawFn) -> dict[str, Any]:
    """Valid data as YAML would hold it: distinct provinces (so no growth to check), any
    text, declared indicators."""
    extra: dict[str, dict[str, Any]] = {}
    for number in range(draw(st.integers(0, 2))):
        extra[f"custom_{number}"] = {  # labels as written in a cell: no outer white space
            "vi": draw(_TEXT).strip(),
            "en": draw(_TEXT).strip(),
            "kind": draw(st.sampled_from([k for k in KINDS if k not in ("rank", "percent")])),
            "unit": draw(st.sampled_from(sorted(_CATALOGUE.units))),
            "additive": draw(st.booleans()),
            "section": draw(st.sampled_from(SECTIONS)),
        }
    units = draw(
        st.lists(st.sampled_from(provinces.units("63")), min_size=1, max_size=4, unique=True)
    )
    records = [
        draw(_record(unit.name, draw(st.integers(1995, 2024)), list(extra))) for unit in units
    ]
    data: dict[str, Any] = {"records": records}
    if extra:
        data["indicators"] = extra
    if draw(st.booleans()):
        data["title"] = draw(_TEXT)
    return data


def _dataset(data: dict[str, Any]) -> Dataset:
    return from_data(Parsed(data, lambda path: None), "<generated>")


EMPTY_RECORDS = "ignore:.*the record has no figures or text"
"""Generated records may say nothing (a valid edge case the loader warns about)."""


@pytest.mark.filterwarnings(EMPTY_RECORDS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=_datasets())
def test_any_dataset_loads_back_equal_from_a_workbook_a_csv_folder_and_yaml(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]
) -> None:
    original = _dataset(data)
    folder = tmp_path_factory.mktemp("export")
    for target in ("book.xlsx", "csv", "data.yaml"):
        _same(briefgen.load(briefgen.export(original, folder / target)), original)


@pytest.mark.filterwarnings(EMPTY_RECORDS)
def test_the_generator_makes_datasets_with_every_kind_of_content() -> None:
    """The property above is only as good as its data: it must reach every sheet."""
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None)
    @given(data=_datasets())
    def collect(data: dict[str, Any]) -> None:
        dataset = _dataset(data)
        for record in dataset.records:
            seen.update(name for name in type(record).model_fields if getattr(record, name))
            if any("\n" in r for r in record.report.recipients):
                seen.add("multi-line recipient")
        if len(dataset.catalogue) > len(_CATALOGUE):
            seen.add("declared indicators")

    collect()
    assert {"observations", "highlights", "targets", "leaders", "awards", "local_reports",
            "report", "sources", "declared indicators"} <= seen  # fmt: skip
