"""What the briefs say about figures, checked by hand: rates in percentage points, merged
units compared only where their former provinces' figures combine, and sentence style."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

import briefgen
from briefgen import model as m
from briefgen import text as fmt
from briefgen.data.dataset import Dataset, from_records
from briefgen.data.records import Observation, Record, Target
from briefgen.template.context import build_context

ROOT = Path(__file__).resolve().parents[2]
SEEDS = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
NATIONAL = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
TEMPLATES = ("official", "en")


DATA = {"seeds": SEEDS, "national": NATIONAL}


@cache
def _brief(data: str, province: str, year: int, template: str) -> briefgen.Document:
    """The brief of a bundled fixture ("seeds" or "national"), built once per test run."""
    return briefgen.build(DATA[data], province=province, year=year, template=template)


def _paragraphs(brief: m.Document) -> list[str]:
    """Body paragraphs and list items, as plain text."""
    out: list[str] = []
    for block in brief.blocks:
        if isinstance(block, m.Paragraph):
            out.append(m.plain(block.content))
        elif isinstance(block, m.ListBlock):
            out += [m.plain(item) for item in block.items]
    return out


def _row(brief: m.Document, label: str) -> list[str]:
    """The cells of the indicator table's row for ``label``."""
    table = next(b for b in brief.blocks if isinstance(b, m.Table))
    for row in table.body:
        cells = [m.plain(c.content) for c in row]
        if cells[1] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


def _chart(brief: m.Document, kind: str) -> m.ChartSpec | None:
    return next(
        (b.spec for b in brief.blocks if isinstance(b, m.Chart) and b.spec.kind == kind), None
    )


def _text(brief: m.Document) -> str:
    return "\n".join(m.texts(brief))


# -- Ninh Bình 2025: formed from Hà Nam, Nam Định and Ninh Bình on 1 July 2025.
# Hand-checked from the national fixture's 2024 records:
#   sector revenue 992,9 + 2.218,6 + 1.262,3 = 4.473,8 tỷ đồng; 4.648 / 4.473,8 - 1 = 3,89 %
#   online filing (67,1 × 852.800 + 69,38 × 1.780.393 + 63,58 × 982.487) / 3.615.680
#     = 67,27 %; 79,85 - 67,27 = 12,58 points
#   fully online services 1.199 against 1.135 + 924 + 900 = 2.959 would read "giảm 59,48%":
#     the same services exist in each province, so they are not compared.

NINH_BINH = {
    "official": {
        "revenue": "Tổng doanh thu toàn ngành đạt 4.648 tỷ đồng, tăng 3,89% so với cùng kỳ "
        "năm 2024",
        "services": "Dịch vụ công trực tuyến toàn trình đạt 1.199 dịch vụ; dịch vụ công trực "
        "tuyến một phần đạt 605 dịch vụ; ",
        "rate": "tỷ lệ hồ sơ giải quyết trực tuyến đạt 79,85%, tăng 12,58 điểm phần trăm so với "
        "cùng kỳ năm 2024 (tính từ số liệu năm trước).",
        "rate_cell": "+12,58 điểm %*",
        "revenue_cell": "+3,89%*",
        "note": "Từ ngày 01/07/2025, tỉnh Ninh Bình được hình thành trên cơ sở hợp nhất tỉnh Hà "
        "Nam, tỉnh Nam Định và tỉnh Ninh Bình. Số liệu năm 2024 dùng để so sánh là tổng số liệu "
        "của các tỉnh trước hợp nhất; riêng tỷ lệ hồ sơ giải quyết trực tuyến là bình quân theo "
        "dân số. Các chỉ tiêu dịch vụ công trực tuyến toàn trình và dịch vụ công trực tuyến một "
        "phần không so sánh được với số liệu của các tỉnh trước hợp nhất nên không nêu mức tăng, "
        "giảm so với năm 2024.",
        "services_row": "DVC toàn trình",
        "rate_row": "Hồ sơ trực tuyến",
    },
    "en": {
        "revenue": "Total sector revenue: VND 4,648 billion, up 3.89%* year on year",
        "services": "Fully online public services: 1,199 services.",
        "rate": "Applications processed online: 79.85%, up 12.58 percentage points* year on year.",
        "rate_cell": "+12.58 pp*",
        "revenue_cell": "+3.89%*",
        "note": "On 1 July 2025 Ninh Bình Province was formed by merging the provinces of Hà Nam, "
        "Nam Định and Ninh Bình. The 2024 figures used for comparison are the totals of the former "
        "provinces; for applications processed online, their population-weighted average. Fully "
        "online public services and partly online public services cannot be compared with the "
        "figures of the former provinces, so no change on 2024 is given.",
        "services_row": "Fully online services",
        "rate_row": "Online filing",
    },
}


@pytest.mark.parametrize("template", TEMPLATES)
def test_ninh_binh_2025_compares_revenue_with_the_sum_of_its_former_provinces(
    template: str,
) -> None:
    brief = _brief("national", "Ninh Bình", 2025, template)
    expected = NINH_BINH[template]
    assert any(expected["revenue"] in p for p in _paragraphs(brief))
    label = "Doanh thu toàn ngành" if template == "official" else "Sector revenue"
    assert _row(brief, label)[4] == expected["revenue_cell"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_ninh_binh_2025_does_not_compare_its_online_services(template: str) -> None:
    brief = _brief("national", "Ninh Bình", 2025, template)
    expected = NINH_BINH[template]
    assert any(expected["services"] in p for p in _paragraphs(brief))
    assert _row(brief, expected["services_row"])[4] == ""
    text = _text(brief)
    assert "59,48" not in text and "59.48" not in text
    growth = _chart(brief, "growth")
    assert growth is not None
    assert expected["services_row"] not in growth.categories


@pytest.mark.parametrize("template", TEMPLATES)
def test_ninh_binh_2025_compares_its_rate_in_points_with_the_weighted_mean(template: str) -> None:
    brief = _brief("national", "Ninh Bình", 2025, template)
    expected = NINH_BINH[template]
    assert any(expected["rate"] in p for p in _paragraphs(brief))
    assert _row(brief, expected["rate_row"])[4] == expected["rate_cell"]
    growth = _chart(brief, "growth")
    assert growth is not None and expected["rate_row"] not in growth.categories


@pytest.mark.parametrize("template", TEMPLATES)
def test_ninh_binh_2025_says_once_why_figures_are_compared_as_they_are(template: str) -> None:
    brief = _brief("national", "Ninh Bình", 2025, template)
    paragraphs = _paragraphs(brief)
    assert paragraphs.count(NINH_BINH[template]["note"]) == 1
    word = "hợp nhất" if template == "official" else "merging"
    assert sum(word in p for p in paragraphs) == 1


def test_ninh_binh_2025_summary_notes_the_merger_briefly_and_stays_one_page() -> None:
    brief = _brief("national", "Ninh Bình", 2025, "summary")
    notes = [p for p in _paragraphs(brief) if p.startswith("Ghi chú:")]
    assert notes == [
        "Ghi chú: Tỉnh Ninh Bình hình thành từ ngày 01/07/2025 trên cơ sở hợp nhất Hà Nam, "
        "Nam Định và Ninh Bình; mức tăng, giảm so với năm 2024 tính trên tổng số liệu (tỷ lệ: "
        "bình quân theo dân số) của các đơn vị trước hợp nhất."
    ]
    tiles = next(b for b in brief.blocks if isinstance(b, m.Tiles))
    revenue = next(t for t in tiles.tiles if m.plain(t.label) == "Doanh thu toàn ngành")
    assert m.plain(revenue.note) == "+3,89%* so với 2024"
    assert len(PdfReader(io.BytesIO(brief.to_bytes("pdf"))).pages) == 1


def test_trend_chart_of_a_merged_unit_says_in_english_what_its_early_years_are() -> None:
    brief = _brief("national", "Ninh Bình", 2025, "en")
    trend = next(b for b in brief.blocks if isinstance(b, m.Chart) and b.spec.kind == "line")
    assert m.plain(trend.caption) == (
        "Chart 1. Sector revenue over the years; before 2025 the total of Hà Nam, "
        "Nam Định and Ninh Bình"
    )
    assert trend.spec.series[0].values[-2] == pytest.approx(4473.8)


def test_a_chart_over_the_years_says_how_a_merged_units_early_years_are_formed() -> None:
    merger = build_context(NATIONAL, NATIONAL.entry("Ninh Bình", 2025), "vi")["merger"]
    former = "Hà Nam, Nam Định và Ninh Bình"
    assert merger.caption("sector_revenue") == f"; số liệu trước năm 2025 là tổng của {former}"
    assert merger.caption("online_filing_rate") == (
        f"; số liệu trước năm 2025 là bình quân theo dân số của {former}"
    )
    assert merger.caption("online_services_full") == ""  # no early years to explain


def test_an_unmerged_unit_has_no_merger_note() -> None:
    for template in TEMPLATES:
        brief = _brief("national", "Thanh Hóa", 2025, template)
        assert not any("hợp nhất" in p or "merging" in p for p in _paragraphs(brief))


# -- rates: 45,6 % → 58,2 % is 12,6 percentage points, not "tăng 27,63%"


def _rates_dataset() -> Dataset:
    def record(year: int, rate: float, revenue: float, phones: float) -> Record:
        return Record(
            province="Thanh Hóa",
            year=year,
            observations={
                "sector_revenue": Observation(value=revenue),
                "phone_subscribers": Observation(value=phones),
                "online_filing_rate": Observation(value=rate),
            },
            targets=(Target(indicator="online_filing_rate", value=70),),
        )

    return from_records([record(2023, 45.6, 3000, 3_000_000), record(2024, 58.2, 3300, 3_150_000)])


RATES = {
    "official": (
        "Tỷ lệ hồ sơ giải quyết trực tuyến đạt 58,2%, tăng 12,6 điểm phần trăm so với cùng kỳ "
        "năm 2023 (tính từ số liệu năm trước).",
        "+12,6 điểm %*",
        "Hồ sơ trực tuyến",
        "Tỷ lệ hồ sơ giải quyết trực tuyến đạt 70% (tăng 11,8 điểm phần trăm so với năm 2024).",
    ),
    "en": (
        "Applications processed online: 58.2%, up 12.6 percentage points* year on year.",
        "+12.6 pp*",
        "Online filing",
        "Applications processed online: 70% (up 11.8 percentage points on 2024).",
    ),
}


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_rates_change_is_in_percentage_points_everywhere(template: str) -> None:
    brief = briefgen.build(_rates_dataset(), province="Thanh Hóa", year=2024, template=template)
    sentence, cell, row, goal = RATES[template]
    paragraphs = _paragraphs(brief)
    assert any(sentence in p for p in paragraphs)
    assert goal in paragraphs
    assert _row(brief, row)[4] == cell
    text = _text(brief)
    assert "27,63" not in text and "27.63" not in text  # the relative change
    growth = _chart(brief, "growth")
    assert growth is not None and growth.categories and row not in growth.categories


def test_a_rates_tile_shows_its_change_in_points() -> None:
    brief = briefgen.build(_rates_dataset(), province="Thanh Hóa", year=2024, template="summary")
    tiles = next(b for b in brief.blocks if isinstance(b, m.Tiles))
    rate = next(t for t in tiles.tiles if m.plain(t.label) == "Hồ sơ trực tuyến")
    assert (m.plain(rate.note), rate.trend, rate.good) == ("+12,6 điểm %* so với 2023", "up", True)


# -- sentence style


def _official_and_en_briefs() -> list[m.Document]:
    cases = [("seeds", e.unit.code, e.record.year) for e in SEEDS.entries]
    cases += [("national", u.code, 2025) for u in NATIONAL.units(2025)]
    cases += [("national", u.code, 2020) for u in NATIONAL.units(2020)[::7]]
    return [_brief(d, code, year, t) for d, code, year in cases for t in TEMPLATES]


def test_no_clause_after_a_semicolon_starts_with_a_capital() -> None:
    wrong = []
    for brief in _official_and_en_briefs():
        for paragraph in _paragraphs(brief):
            for rest in paragraph.split("; ")[1:]:
                if fmt.lower_first(rest) != rest:
                    wrong.append(rest[:40])
    assert wrong == []


def test_computed_from_last_year_is_said_at_most_once_a_paragraph() -> None:
    said = 0
    for brief in _official_and_en_briefs():
        for paragraph in _paragraphs(brief):
            notes = paragraph.count("(tính từ số liệu năm trước)") + paragraph.count(
                "được tính từ số liệu năm trước"
            )
            assert notes <= 1, paragraph
            said += notes
    assert said > 0


def test_several_computed_changes_are_named_in_one_closing_sentence() -> None:
    brief = _brief("national", "Thanh Hóa", 2020, "official")
    telecom = next(p for p in _paragraphs(brief) if p.startswith("Tổng số thuê bao điện thoại"))
    # phones' growth is reported; the other three are computed
    assert telecom.endswith(
        ". Mức tăng, giảm so với cùng kỳ của tổng số thuê bao Internet, thuê bao Internet băng "
        "thông rộng và doanh thu viễn thông được tính từ số liệu năm trước."
    )
    egov = next(p for p in _paragraphs(brief) if p.startswith("Dịch vụ công trực tuyến mức độ 3"))
    assert egov.endswith(
        "tăng 8,34 điểm phần trăm so với cùng kỳ năm 2019. Các mức tăng, giảm so với cùng kỳ "
        "nêu trên được tính từ số liệu năm trước."
    )


def _subscribers(phones: float, internet: float) -> Dataset:
    return from_records(
        [
            Record(
                province="Bắc Giang",
                year=2022,
                observations={
                    "phone_subscribers": Observation(value=phones),
                    "internet_subscribers": Observation(value=internet),
                },
            )
        ]
    )


@pytest.mark.parametrize(
    ("template", "phones", "internet", "expected", "absent"),
    [
        ("official", 3_000_000, 1_900_000, ("3.000.000 thuê bao", "1.900.000 thuê bao"), "triệu"),
        ("official", 3_000_000, 2_000_000, ("3 triệu thuê bao", "2 triệu thuê bao"), ".000"),
        ("en", 3_000_000, 1_900_000, ("3,000,000 subscribers", "1,900,000 subscribers"), "million"),
        ("en", 3_000_000, 2_000_000, ("3 million subscribers", "2 million subscribers"), ",000"),
    ],
)
def test_one_list_uses_one_number_style(
    template: str, phones: float, internet: float, expected: tuple[str, str], absent: str
) -> None:
    brief = briefgen.build(
        _subscribers(phones, internet), province="Bắc Giang", year=2022, template=template
    )
    text = "\n".join(_paragraphs(brief))
    for amount in expected:
        assert amount in text
    assert absent not in text


def test_english_density_rows_read_as_english() -> None:
    brief = _brief("seeds", "Thanh Hóa", 2020, "en")
    assert _row(brief, "Broadband subscriber density")[2] == "per 100 inhabitants"


@pytest.mark.parametrize(
    ("template", "cell"), [("official", "+30 điểm %*"), ("en", "+30 pp*"), ("summary", None)]
)
def test_a_rate_against_its_planned_rate_is_compared_in_points_not_as_a_ratio(
    template: str, cell: str | None
) -> None:
    # Bắc Kạn 2020: level-4 online services at 60% against a 30% target, by hand
    # 30 points above plan; "200%" of plan would read as double the services.
    brief = _brief("seeds", "Bắc Kạn", 2020, template)
    text = "\n".join(m.texts(brief))
    assert "200%" not in text and "200,00%" not in text
    if cell is not None:
        table = next(b for b in brief.blocks if isinstance(b, m.Table))
        plans = [m.plain(row[-1].content) for row in table.body]
        assert cell in plans
