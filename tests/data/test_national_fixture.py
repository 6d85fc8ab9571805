"""The synthetic national fixture: regenerable, valid, complete and plausible."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import briefgen
from briefgen.data import provinces

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "national-2019-2025.json"
DATA = briefgen.load(FIXTURE)


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_national", ROOT / "fixtures" / "make_national.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_fixture_is_what_the_generator_makes() -> None:
    assert FIXTURE.read_text("utf-8") == _generator().render()


def test_fixture_says_it_is_synthetic() -> None:
    assert "synthetic" in DATA.title.lower() and "not real" in DATA.title.lower()
    assert all("SYNTHETIC" in (r.sources[0].title or "") for r in DATA.records)


def test_all_63_provinces_each_year_and_the_34_units_in_2025() -> None:
    years = Counter(r.year for r in DATA.records)
    assert {year: years[year] for year in range(2019, 2025)} == dict.fromkeys(range(2019, 2025), 63)
    assert years[2025] == 34
    assert {u.code for u in DATA.units(2025)} == {u.code for u in provinces.units("34")}
    assert all(u.era == "34" for u in DATA.units(2025))


def test_rankings_are_competition_rankings_with_the_years_denominator() -> None:
    tie_seen = False
    for year in DATA.years():
        ranks = [
            e.record.observations["dti"] for e in DATA.peers(year) if "dti" in e.record.observations
        ]
        if not ranks:
            continue
        values = sorted(o.rank for o in ranks if o.rank is not None)
        for rank in values:
            assert rank == 1 + sum(1 for other in values if other < rank)
        assert {o.of for o in ranks} == {provinces.denominator(year)}
        tie_seen = tie_seen or len(set(values)) < len(values)
    assert tie_seen, "the fixture should hold at least one tie"


def test_magnitudes_are_plausible() -> None:
    for entry in DATA.entries:
        phones = entry.record.observations["phone_subscribers"].value
        population = entry.unit.population
        assert phones is not None and population
        assert 60 <= phones / population * 100 <= 200, entry.record.label
