"""The synthetic national fixture: regenerable, valid, complete, plausible and labelled."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

import briefgen
from briefgen.data import provinces
from briefgen.data.dataset import Dataset
from briefgen.data.load import validate

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "national-2019-2025.json"
GENERATOR = ROOT / "fixtures" / "make_national.py"
OLD_YEARS = range(2019, 2025)


def _generator() -> ModuleType:
    """fixtures/make_national.py as a module (fixtures/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_national", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is made
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def data() -> Dataset:
    return briefgen.load(FIXTURE)


def test_committed_fixture_is_what_the_generator_makes_now() -> None:
    generator = _generator()
    text = generator.render()
    assert text == generator.render(), "the generator must be deterministic"
    assert FIXTURE.read_text(encoding="utf-8") == text, (
        "fixtures/national-2019-2025.json is stale: run .venv/bin/python fixtures/make_national.py"
    )


def test_fixture_is_one_record_per_line_with_only_known_top_level_keys() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    raw = json.loads(text)
    assert set(raw) == {"title", "records"}
    assert len(text.splitlines()) == len(raw["records"]) + 2


def test_the_shared_loader_accepts_it_without_errors_or_warnings(data: Dataset) -> None:
    dataset, problems = validate(FIXTURE)
    assert dataset is not None
    assert [str(p) for p in problems] == []
    assert len(data) == 63 * len(OLD_YEARS) + 34


def test_fixture_says_it_is_synthetic(data: Dataset) -> None:
    title = (data.title or "").lower()
    assert "synthetic" in title and "not real" in title
    for record in data.records:
        assert [s.file for s in record.sources] == ["fixtures/make_national.py"]
        assert "SYNTHETIC" in (record.sources[0].title or "")


def test_all_63_units_each_year_to_2024_and_the_34_units_in_2025(data: Dataset) -> None:
    per_year = Counter(r.year for r in data.records)
    assert dict(per_year) == {**dict.fromkeys(OLD_YEARS, 63), 2025: 34}
    for year in OLD_YEARS:
        assert {u.code for u in data.units(year)} == {u.code for u in provinces.units("63")}
    new_units = provinces.units("34")
    assert {u.code for u in data.units(2025)} == {u.code for u in new_units}
    assert {data.get(u.name, 2025).province for u in new_units} == {u.name for u in new_units}


@pytest.mark.parametrize("indicator", ["dti", "ict_index"])
def test_rankings_are_competition_rankings_with_the_years_denominator(
    data: Dataset, indicator: str
) -> None:
    for year in data.years():
        observations = [
            e.record.observations[indicator]
            for e in data.peers(year)
            if indicator in e.record.observations
        ]
        if not observations:
            continue
        assert len(observations) == provinces.denominator(year)
        assert {o.of for o in observations} == {provinces.denominator(year)}
        ranks = sorted(o.rank for o in observations if o.rank is not None)
        assert len(ranks) == len(observations)
        for rank in ranks:
            assert rank == 1 + sum(1 for other in ranks if other < rank), (year, rank)


def test_denominators_are_63_before_2025_and_34_in_2025(data: Dataset) -> None:
    for record in data.records:
        expected = 63 if record.year < 2025 else 34
        for observation in record.observations.values():
            if observation.rank is not None:
                assert observation.of == expected, record.label


def test_which_editions_exist(data: Dataset) -> None:
    def years_with(indicator: str) -> set[int]:
        return {r.year for r in data.records if indicator in r.observations}

    assert years_with("dti") == set(range(2020, 2026))
    assert years_with("ict_index") == {2019, 2020}
    assert years_with("online_services_l4") == {2019, 2020, 2021}
    assert years_with("online_services_full") == set(range(2022, 2026))


def test_exactly_one_tie_in_all_rankings(data: Dataset) -> None:
    ties: list[tuple[str, int, int]] = []
    for year in data.years():
        for indicator in ("dti", "ict_index"):
            counts = Counter(data.positions(year, indicator).values())
            ties += [(indicator, year, rank) for rank, n in counts.items() if n > 1]
    assert len(ties) == 1, ties
    indicator, year, rank = ties[0]
    ranks = set(data.positions(year, indicator).values())
    assert rank + 1 not in ranks and rank + 2 in ranks  # 15, 15, 17


def test_rankings_persist_from_year_to_year(data: Dataset) -> None:
    for year in range(2021, 2025):
        now, before = data.positions(year, "dti"), data.positions(year - 1, "dti")
        moves = [abs(now[code] - before[code]) for code in now]
        assert len(moves) == 63
        assert sum(moves) / len(moves) < 10, year


def test_magnitudes_are_plausible(data: Dataset) -> None:
    for entry in data.entries:
        observations = entry.record.observations
        population = entry.unit.population
        assert population, entry.record.label
        phones = observations["phone_subscribers"].value
        assert phones is not None
        assert 60 <= phones / population * 100 <= 200, entry.record.label
        broadband = observations["broadband_subscribers"]
        internet = observations["internet_subscribers"].value
        assert broadband.value is not None and internet is not None
        assert broadband.value <= internet, entry.record.label
        assert broadband.per_100 is not None and 10 <= broadband.per_100 <= 120
        sector = observations["sector_revenue"].value
        telecom = observations["telecom_revenue"].value
        postal = observations["postal_revenue"].value
        assert sector is not None and telecom is not None and postal is not None
        assert telecom + postal < sector, entry.record.label
        assert 100 <= sector / population * 1e6 <= 6000, entry.record.label
        for revenue in ("sector_revenue", "telecom_revenue", "postal_revenue"):
            plan_pct = observations[revenue].plan_pct
            assert plan_pct is not None and 95 <= plan_pct <= 110
        rate = observations["online_filing_rate"].value
        assert rate is not None and 0 <= rate <= 100


def test_seed_province_magnitudes_are_in_the_right_range(data: Dataset) -> None:
    thanh_hoa = data.get("Thanh Hóa", 2020).observations["sector_revenue"].value
    assert thanh_hoa is not None and 2500 <= thanh_hoa <= 5000  # the real figure is 3.630
    hanoi = data.get("Hà Nội", 2020).observations["sector_revenue"].value
    assert hanoi is not None and hanoi / 8.05 > 2 * thanh_hoa / 3.64  # more per head


def test_online_filing_rate_rises_nationally(data: Dataset) -> None:
    def mean(year: int) -> float:
        rates = [
            r.observations["online_filing_rate"].value or 0.0
            for r in data.records
            if r.year == year
        ]
        return sum(rates) / len(rates)

    means = [mean(year) for year in range(2019, 2026)]
    assert means == sorted(means)
