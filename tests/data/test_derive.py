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
    records = [
        Record(
            province="Hà Tĩnh",
            year=2023,
            observations={"postal_revenue": Observation(value=130, unit="ty_dong", plan=104)},
        )
    ]
    postal = _context("Hà Tĩnh", 2023, from_records(records))["figures"]["postal_revenue"]  # type: ignore[index]
    assert postal.attainment == derive.Figure(125.0, derived=True)  # 130 / 104
    assert postal.plan_points is None


def test_a_rate_against_its_planned_rate_is_a_difference_in_points() -> None:
    bac_kan = _context("Bắc Kạn", 2020)["figures"]
    share = bac_kan["online_services_l4_share"]  # type: ignore[index]
    assert share.attainment is None  # 60 % against a 30 % target is not "200 %" of plan
    assert share.plan_points == derive.Figure(30.0, derived=True)
    assert share.plan_text() == "+30 điểm %*"


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


def test_combine_sums_weights_or_refuses() -> None:
    assert derive.combine([900_000, 1_900_000, 1_100_000], [1, 1, 1], "sum") == 3_900_000
    # (60 × 1.000.000 + 30 × 3.000.000) / 4.000.000 = 37,5, not the plain mean 45
    assert derive.combine([60, 30], [1_000_000, 3_000_000], "weighted") == 37.5
    assert derive.combine([60, 30], [1_000_000, 3_000_000], "none") is None
    assert derive.combine([60, None], [1, 1], "sum") is None  # a part missing is not the whole
    assert derive.combine([60, 30], [1_000_000, None], "weighted") is None


def test_a_rates_change_is_the_difference_in_points() -> None:
    assert derive.point_change(58.2, 45.6) == pytest.approx(12.6)
    assert derive.change(58.2, 45.6, rate=True) == pytest.approx(12.6)
    assert derive.change(58.2, 45.6, rate=False) == pytest.approx(27.6316, abs=1e-4)
    assert derive.point_change(58.2, None) is None


def _rate_records(yoy_pct: float | None = None) -> list[Record]:
    return [
        Record(
            province="Thanh Hóa",
            year=2023,
            observations={"online_filing_rate": Observation(value=45.6)},
        ),
        Record(
            province="Thanh Hóa",
            year=2024,
            observations={"online_filing_rate": Observation(value=58.2, yoy_pct=yoy_pct)},
        ),
    ]


def test_a_rate_derived_from_last_year_changes_in_points_not_percent() -> None:
    rate = _context("Thanh Hóa", 2024, from_records(_rate_records()))["figures"][  # type: ignore[index]
        "online_filing_rate"
    ]
    assert rate.yoy is None  # relative growth is never stated for a rate
    assert rate.points == derive.Figure(pytest.approx(12.6), derived=True)
    assert rate.change is rate.points
    assert rate.sentence() == (
        "Tỷ lệ hồ sơ giải quyết trực tuyến đạt 58,2%, tăng 12,6 điểm phần trăm so với "
        "cùng kỳ năm 2023 (tính từ số liệu năm trước)"
    )
    assert rate.yoy_text() == "+12,6 điểm %*"
    assert rate.tile_note() == "+12,6 điểm %* so với 2023"
    assert (rate.trend, rate.good) == ("up", True)


def test_a_reported_yoy_pct_on_a_rate_is_its_change_in_points() -> None:
    dataset = from_records(_rate_records(yoy_pct=12.6))
    rate = build_context(dataset, dataset.entry("Thanh Hóa", 2024), "en")["figures"][  # type: ignore[index]
        "online_filing_rate"
    ]
    assert rate.points == derive.Figure(12.6, derived=False)
    assert rate.sentence() == (
        "Applications processed online: 58.2%, up 12.6 percentage points year on year"
    )
    assert rate.yoy_text() == "+12.6 pp"


def _ninh_binh_parts(year: int = 2024) -> list[Record]:
    """Hà Nam, Nam Định and Ninh Bình before the merger (2019 census weights)."""
    return [
        Record(
            province=name,
            year=year,
            observations={
                "sector_revenue": Observation(value=revenue),
                "phone_subscribers": Observation(value=phones, per_100=density),
                "online_filing_rate": Observation(value=rate),
                "online_services_full": Observation(value=services),
                "dti": Observation(rank=rank, of=63),
            },
        )
        for name, revenue, phones, density, rate, services, rank in [
            ("Hà Nam", 992.9, 817_604, 91.22, 67.1, 1135, 20),
            ("Nam Định", 2218.6, 1_852_103, 98.98, 69.38, 924, 11),
            ("Ninh Bình", 1262.3, 1_035_012, 100.23, 63.58, 900, 30),
        ]
    ]


def _new_ninh_binh() -> Record:
    return Record(
        province="Ninh Bình",
        year=2025,
        observations={
            "sector_revenue": Observation(value=4648),
            "phone_subscribers": Observation(value=3_785_278, per_100=98.62),
            "online_filing_rate": Observation(value=79.85),
            "online_services_full": Observation(value=1199),
            "dti": Observation(rank=17, of=34),
        },
    )


def test_merged_unit_history_combines_each_figure_by_its_merge_rule() -> None:
    dataset = from_records([*_ninh_binh_parts(), _new_ninh_binh()])
    unit = dataset.entry("Ninh Bình", 2025).unit
    revenue = dict(dataset.history(unit, "sector_revenue"))[2024]
    assert revenue.value == pytest.approx(4473.8)  # 992,9 + 2.218,6 + 1.262,3
    # (67,1 × 852.800 + 69,38 × 1.780.393 + 63,58 × 982.487) / 3.615.680 = 67,2662
    rate = dict(dataset.history(unit, "online_filing_rate"))[2024]
    assert rate.value == pytest.approx(67.2662, abs=1e-4)
    assert rate.note == "bình quân theo dân số của Hà Nam, Nam Định, Ninh Bình"
    # densities are population-weighted too: (91,22 × 852.800 + 98,98 × 1.780.393
    # + 100,23 × 982.487) / 3.615.680 = 97,4894
    phones = dict(dataset.history(unit, "phone_subscribers"))[2024]
    assert phones.value == 3_704_719
    assert phones.per_100 == pytest.approx(97.4894, abs=1e-4)
    # the same services exist in each province: 1.135 + 924 + 900 would mean nothing
    assert [y for y, _ in dataset.history(unit, "online_services_full")] == [2025]
    assert [y for y, _ in dataset.history(unit, "dti")] == [2025]
    assert dataset.combination(unit, "online_services_full") == "none"
    assert dataset.combination(dataset.entry("Nam Định", 2024).unit, "sector_revenue") == "own"


def test_merged_unit_compares_revenue_with_the_sum_and_services_not_at_all() -> None:
    dataset = from_records([*_ninh_binh_parts(), _new_ninh_binh()])
    figures = _context("Ninh Bình", 2025, dataset)["figures"]
    revenue = figures["sector_revenue"]  # type: ignore[index]
    assert revenue.yoy.value == pytest.approx(3.8938, abs=1e-4)  # 4.648 / 4.473,8 - 1
    rate = figures["online_filing_rate"]  # type: ignore[index]
    assert rate.points.value == pytest.approx(12.5838, abs=1e-4)  # 79,85 - 67,2662
    services = figures["online_services_full"]  # type: ignore[index]
    assert not services.comparable
    assert services.yoy is None and services.previous is None  # not -59,48% against 2.959
    assert services.sentence() == "Dịch vụ công trực tuyến toàn trình đạt 1.199 dịch vụ"
    assert services.yoy_text() == ""
