"""Derived figures checked against values computed by hand from the seed reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import briefgen
from briefgen.data import derive, provinces
from briefgen.data.dataset import from_records
from briefgen.data.records import Observation, Record
from briefgen.template.context import build_context

ROOT = Path(__file__).resolve().parents[2]
SEEDS = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")


def _context(province: str, year: int, dataset: briefgen.Dataset = SEEDS) -> dict[str, object]:
    return build_context(dataset, dataset.entry(province, year), "vi")


def test_thanh_hoa_2021_targets_against_2020_results() -> None:
    goals = {g.target.indicator: g for g in _context("Thanh Hóa", 2020)["goals"]}  # type: ignore[attr-defined]
    # 2.916.000 / 2.890.000 - 1 = 0,8997 %; 1.830.000 / 1.800.000 - 1 = 1,667 %;
    # 3.745 / 3.630 - 1 = 3,168 %; 18 triệu = 18 triệu.
    assert goals["phone_subscribers"].growth == pytest.approx(0.8997, abs=1e-4)
    assert goals["broadband_subscribers"].growth == pytest.approx(1.6667, abs=1e-4)
    assert goals["sector_revenue"].growth == pytest.approx(3.1680, abs=1e-4)
    assert goals["press_copies"].growth == 0
    assert "tăng 0,9% so với năm 2020" in goals["phone_subscribers"].sentence()
    assert "bằng năm 2020" in goals["press_copies"].sentence()


def test_plan_attainment_is_reported_when_given_and_derived_when_not() -> None:
    thanh_hoa = _context("Thanh Hóa", 2020)["figures"]
    reported = thanh_hoa["phone_subscribers"].attainment  # type: ignore[index]
    assert reported == derive.Figure(100.67, derived=False)
    bac_kan = _context("Bắc Kạn", 2020)["figures"]
    derived = bac_kan["online_services_l4_share"].attainment  # type: ignore[index]
    assert derived == derive.Figure(200.0, derived=True)  # 60 % against a 30 % target


def test_density_from_population_is_derived_and_reported_density_wins() -> None:
    figures = _context("Thanh Hóa", 2020)["figures"]
    # 2.890.000 / 3.640.128 × 100 = 79,39 phones per 100 inhabitants (2019 census)
    phones = figures["phone_subscribers"].per_100  # type: ignore[index]
    assert phones is not None and phones.derived
    assert phones.value == pytest.approx(79.39, abs=0.01)
    broadband = figures["broadband_subscribers"].per_100  # type: ignore[index]
    assert broadband == derive.Figure(49.8, derived=False)  # not 1.800.000/3.640.128 = 49,45


def test_growth_is_derived_from_last_years_record() -> None:
    records = [
        Record(
            province="Bắc Giang",
            year=2021,
            observations={
                "phone_subscribers": Observation(value=1_800_000),
                "dti": Observation(rank=13, of=63),
            },
        ),
        Record(
            province="Bắc Giang",
            year=2022,
            observations={
                "phone_subscribers": Observation(value=1_850_000),
                "dti": Observation(rank=10, of=63),
            },
        ),
    ]
    figures = _context("Bắc Giang", 2022, from_records(records))["figures"]
    phones = figures["phone_subscribers"]  # type: ignore[index]
    assert phones.yoy == derive.Figure(pytest.approx(2.7778, abs=1e-4), derived=True)
    assert "(tính từ số liệu năm trước)" in phones.sentence()
    dti = figures["dti"]  # type: ignore[index]
    assert dti.rank_change == 3
    assert "tăng 3 bậc" in dti.sentence()


def test_reported_growth_wins_over_derived() -> None:
    records = [
        Record(
            province="Nam Định", year=2020, observations={"postal_revenue": Observation(value=120)}
        ),
        Record(
            province="Nam Định",
            year=2021,
            observations={"postal_revenue": Observation(value=130, yoy_pct=8.3)},
        ),
    ]
    figures = _context("Nam Định", 2021, from_records(records))["figures"]
    assert figures["postal_revenue"].yoy == derive.Figure(8.3, derived=False)  # type: ignore[index]


@pytest.mark.parametrize(
    ("values", "better", "expected"),
    [
        ({"a": 10, "b": 20, "c": 20, "d": 5}, "higher", {"b": 1, "c": 1, "a": 3, "d": 4}),
        ({"a": 15, "b": 15, "c": 17, "d": 1}, "lower", {"d": 1, "a": 2, "b": 2, "c": 4}),
        ({"a": 1}, "higher", {"a": 1}),
        ({}, "higher", {}),
    ],
)
def test_competition_ranking_shares_ranks_and_skips(
    values: dict[str, float], better: str, expected: dict[str, int]
) -> None:
    assert derive.competition_ranks(values, better) == expected


def test_position_among_the_datasets_provinces_uses_competition_ranking() -> None:
    records = [
        Record(province=name, year=2022, observations={"phone_subscribers": Observation(value=v)})
        for name, v in [
            ("Nam Định", 100.0),
            ("Thanh Hóa", 300.0),
            ("Bắc Giang", 300.0),
            ("Bắc Kạn", 50.0),
        ]
    ]
    dataset = from_records(records)
    assert dataset.positions(2022, "phone_subscribers") == {"38": 1, "24": 1, "36": 3, "06": 4}
    figures = _context("Nam Định", 2022, dataset)["figures"]
    assert figures["phone_subscribers"].position == (3, 4)  # type: ignore[index]


def test_merged_unit_history_sums_additive_figures_and_never_ranks() -> None:
    records = [
        Record(
            province=name,
            year=2024,
            observations={
                "phone_subscribers": Observation(value=v),
                "dti": Observation(rank=r, of=63),
            },
        )
        for name, v, r in [
            ("Hà Nam", 900_000, 20),
            ("Nam Định", 1_900_000, 11),
            ("Ninh Bình", 1_100_000, 30),
        ]
    ] + [
        Record(
            province="Ninh Bình",
            year=2025,
            observations={
                "phone_subscribers": Observation(value=4_000_000),
                "dti": Observation(rank=9, of=34),
            },
        ),
    ]
    dataset = from_records(records)
    new_ninh_binh = dataset.entry("Ninh Bình", 2025).unit
    assert new_ninh_binh.era == "34"
    phones = dict(dataset.history(new_ninh_binh, "phone_subscribers"))
    assert phones[2024].value == 3_900_000
    assert phones[2024].note == "tổng của Hà Nam, Nam Định, Ninh Bình"
    assert phones[2025].value == 4_000_000
    assert 2024 not in dict(dataset.history(new_ninh_binh, "dti"))
    # Growth for 2025 is computed against the summed 2024 figure.
    figures = _context("Ninh Bình", 2025, dataset)["figures"]
    assert figures["phone_subscribers"].yoy.value == pytest.approx(2.5641, abs=1e-4)  # type: ignore[index]


def test_unchanged_unit_keeps_its_own_history_across_the_reform() -> None:
    records = [
        Record(province="Thanh Hóa", year=2024, observations={"dti": Observation(rank=20, of=63)}),
        Record(province="Thanh Hóa", year=2025, observations={"dti": Observation(rank=8, of=34)}),
    ]
    dataset = from_records(records)
    unit = dataset.entry("Thanh Hóa", 2025).unit
    assert [year for year, _ in dataset.history(unit, "dti")] == [2024, 2025]
    dti = _context("Thanh Hóa", 2025, dataset)["figures"]["dti"]  # type: ignore[index]
    assert dti.rank_change is None  # 20/63 and 8/34 are not comparable
    assert "bậc" not in dti.sentence()
    assert provinces.denominator(2024) == 63 and provinces.denominator(2025) == 34
