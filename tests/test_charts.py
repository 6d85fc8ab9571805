"""Charts: every kind for every fixture record in both formats, vector in PDF, sharp
pictures in DOCX, Vietnamese numbers, deterministic, honest about missing data,
shared through the cache, and flat in memory over a batch."""

from __future__ import annotations

import io
import itertools
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import docx
import pytest
from conftest import write_template
from PIL import Image
from pypdf import PdfReader

import briefgen
from briefgen import charts
from briefgen import model as m
from briefgen.errors import TemplateError

ROOT = Path(__file__).resolve().parents[1]
DATA = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
NATIONAL = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
SEEDS = [(entry.unit.code, entry.record.year) for entry in DATA.entries]
# A spread of the national fixture: both eras, merged and unchanged 2025 units.
NATIONAL_CASES = [
    (entry.unit.code, entry.record.year)
    for index, entry in enumerate(NATIONAL.entries)
    if index % 23 == 0 or (entry.record.year == 2025 and index % 5 == 0)
]
EMU_PER_INCH = 914_400
NOT_ENOUGH = ("Chưa đủ số liệu", "Not enough data")
"""How briefs once said that a chart had too little data: never in a brief now."""

# One of each kind, through the macros a template author uses.
EVERY_KIND = """{% extends "official/brief.xml.j2" %}
{% block charts %}
{% set ranks = figures.values()|selectattr("is_rank")|selectattr("rank")|list %}
{% set valued = figures.values()|rejectattr("is_rank")|selectattr("value", "ne", none)|list %}
{% set planned = figures.having("attainment")|rejectattr("is_rank")|list %}
{% set growing = figures.having("yoy")|rejectattr("is_rank")|list %}
{% if ranks %}
{{ ui.rankings_chart(ranks, "rank") }}
{{ ui.rank_trend_chart(ranks[0], "rank_trend") }}
{% endif %}
{% if planned %}{{ ui.plan_chart(planned, "plan") }}{% endif %}
{% if growing %}{{ ui.growth_chart(growing, "growth") }}{% endif %}
{% if valued %}
{{ ui.peers_chart(valued[0], "peers") }}
{{ ui.trend_chart(valued[0], "line") }}
{{ ui.chart("bar", "", valued|map(attribute="short")|list,
    [{"label": "x", "values": valued|map(attribute="value")|list}], caption="bar") }}
{% endif %}
{% endblock %}
"""


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("templates") / "every-kind", EVERY_KIND)


def _spec(
    values: tuple[float | None, ...], kind: str = "bar", lang: str = "vi", **extra: object
) -> m.ChartSpec:
    return m.ChartSpec(
        kind=kind,
        title="Doanh thu",
        categories=tuple(str(2019 + i) for i in range(len(values))),
        series=(m.Series("Doanh thu", values),),
        unit="tỷ đồng",
        lang=lang,
        **extra,  # type: ignore[arg-type]
    )


def _image_xobjects(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        xobjects = resources.get_object().get("/XObject")
        if xobjects is None:
            continue
        for ref in xobjects.get_object().values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


def _docx_picture_dpis(data: bytes) -> list[float]:
    document = docx.Document(io.BytesIO(data))
    dpis = []
    for shape in document.inline_shapes:
        rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        blob = document.part.related_parts[rid].blob
        pixels = Image.open(io.BytesIO(blob)).size[0]
        dpis.append(pixels / (shape.width / EMU_PER_INCH))
    return dpis


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _labels(image: m.ChartImage) -> list[str]:
    return [mark.text for mark in image.scene if isinstance(mark, m.Label)]


# ----------------------------------------------------------------------------- every kind


@pytest.mark.parametrize(
    ("dataset", "code", "year"),
    [("seed", c, y) for c, y in SEEDS] + [("national", c, y) for c, y in NATIONAL_CASES],
)
def test_every_kind_renders_for_fixture_records_in_both_formats(
    every_kind: Path, dataset: str, code: str, year: int
) -> None:
    data = DATA if dataset == "seed" else NATIONAL
    brief = briefgen.build(data, province=code, year=year, template=every_kind)
    drawn = brief.charts()
    kinds = {c.spec.kind for c in drawn}
    # Each chart is drawn or left out (the caption is the kind); no sentence stands for one.
    for chart in drawn:
        assert chart.image is not None and chart.image.scene and chart.image.png
        assert m.plain(chart.caption) == chart.spec.kind
    assert not [t for t in m.texts(brief) if t.startswith(NOT_ENOUGH)]
    if dataset == "national":
        # The national fixture has every province, every year: these kinds always have
        # data (growth and trends from the second year on: a brief shows no later year).
        assert {"plan", "peers", "bar"} <= kinds, kinds
        if year > min(NATIONAL.years()):
            assert {"growth", "line"} <= kinds, kinds
        if min(NATIONAL.years()) < year < 2025:  # a 2025 unit's rankings start in 2025
            assert "rank_trend" in kinds
        for chart in drawn:
            if chart.spec.kind in ("line", "rank_trend"):
                assert chart.spec.categories[-1] == str(year)

    pdf = brief.to_bytes("pdf")
    assert _image_xobjects(pdf) == 0
    dpis = _docx_picture_dpis(brief.to_bytes("docx"))
    assert len(dpis) == len(drawn)
    assert all(dpi >= 200 for dpi in dpis), dpis


# Only the charts, one of each kind, on a page of their own (no letterhead, no table).
CHARTS_ONLY = (
    """{% import "_lib/macros.xml.j2" as ui with context %}
<document title="{{ unit.name }} {{ year }}" lang="{{ lang }}">
<h1>{{ unit.name }} {{ year }}</h1>
"""
    + EVERY_KIND.split("{% block charts %}")[1].split("{% endblock %}")[0]
    + "</document>\n"
)


def test_every_kind_for_every_national_record_in_both_formats(tmp_path: Path) -> None:
    """All 412 records of the national fixture, every kind, PDF and DOCX (about 30 s:
    some 2,800 charts, rendered with render_batch on two processes)."""
    folder = write_template(tmp_path / "charts-only", CHARTS_ONLY, "language: vi\n")
    total = 0
    with ProcessPoolExecutor(2) as pool:
        for year in NATIONAL.years():
            report = briefgen.render_batch(
                NATIONAL, year, template=folder, out_dir=tmp_path / "out", executor=pool
            )
            assert report.ok, report.failures
            total += len(report.written)
    assert total == len(NATIONAL.entries) * 2
    out = tmp_path / "out"
    for pdf in out.glob("*.pdf"):
        assert _image_xobjects(pdf.read_bytes()) == 0, pdf.name
        word = pdf.with_suffix(".docx")
        dpis = _docx_picture_dpis(word.read_bytes())
        assert all(dpi >= 200 for dpi in dpis), word.name
        texts = [p.text for p in docx.Document(str(word)).paragraphs]
        drawn = {t for t in texts if t in charts.KINDS}  # captions name the kind
        assert len(dpis) == len(drawn) >= 4, (word.name, drawn)
        assert not [t for t in texts if t.startswith(NOT_ENOUGH)], word.name


@pytest.mark.parametrize(("code", "year"), SEEDS)
def test_official_briefs_have_vector_charts_and_sharp_pictures(code: str, year: int) -> None:
    brief = briefgen.build(DATA, province=code, year=year, template="official")
    assert brief.charts(), "every seed record's official brief has a chart"
    assert _image_xobjects(brief.to_bytes("pdf")) == 0
    assert all(dpi >= 200 for dpi in _docx_picture_dpis(brief.to_bytes("docx")))


def test_chart_text_in_the_pdf_is_real_text_with_vietnamese_numbers() -> None:
    brief = briefgen.build(NATIONAL, province="Hà Nội", year=2025, template="summary")
    peers = next(c for c in brief.charts() if c.spec.kind == "peers")
    assert peers.image is not None
    values = [v for v in peers.spec.series[0].values if v is not None]
    import statistics

    median = charts.tick_label(statistics.median(values), "vi")
    assert "," in median  # the fixture's median is not a whole number
    text = _pdf_text(brief.to_bytes("pdf"))
    assert f"Trung vị: {median}" in text
    own = peers.spec.series[0].values[peers.spec.highlight or 0]
    assert own is not None
    assert f"Hà Nội: {charts.tick_label(own, 'vi')}" in text


# ----------------------------------------------------------------------------- numbers


def test_axis_labels_use_vietnamese_decimal_commas() -> None:
    assert charts.tick_label(1.5, "vi") == "1,5"
    assert charts.tick_label(2.25, "vi") == "2,25"
    assert charts.tick_label(2890, "vi") == "2.890"
    assert charts.tick_label(1_850_000, "vi") == "1,85 triệu"
    assert charts.tick_label(1.5, "en") == "1.5"
    assert charts.tick_label(1_850_000, "en") == "1.85 million"


def test_drawn_axis_and_value_labels_follow_the_language() -> None:
    vi = _labels(charts.draw(_spec((1.5, 2.25, 0.75), kind="line")))
    en = _labels(charts.draw(_spec((1.5, 2.25, 0.75), kind="line", lang="en")))
    assert "0,75" in vi and "0,5" in vi and "1,5" in vi
    assert "0.75" in en and "0.5" in en and "1.5" in en
    assert not any("." in label for label in vi if label[0].isdigit())


# ----------------------------------------------------------------------------- kinds


def _boxes(image: m.ChartImage) -> list[m.Box]:
    """The bars: boxes other than the 7-point legend keys."""
    return [
        mark
        for mark in image.scene
        if isinstance(mark, m.Box) and (mark.width, mark.height) != (7.0, 7.0)
    ]


def test_bars_leave_gaps_for_missing_values() -> None:
    image = charts.draw(_spec((5.0, None, 7.0)))
    assert len(_boxes(image)) == 2
    assert "0" not in [label for label in _labels(image) if label not in ("0",)]


def test_a_line_breaks_at_a_gap_and_labels_the_last_value() -> None:
    image = charts.draw(_spec((1.0, 2.0, None, 4.0, 5.5), kind="line"))
    lines = [s for s in image.scene if isinstance(s, m.Stroke) and len(s.points) >= 2]
    trend = [s for s in lines if s.line_width == 1.4]
    assert [len(s.points) for s in trend] == [2, 2]
    dots = [d for d in image.scene if isinstance(d, m.Dot)]
    assert len(dots) == 4
    last = [
        label
        for label in image.scene
        if isinstance(label, m.Label) and label.bold and label.text != "Doanh thu"  # the title
    ]
    assert [label.text for label in last] == ["5,5"]


def test_plan_marks_the_plan_and_labels_attainment() -> None:
    spec = m.ChartSpec(
        "plan",
        "",
        ("Doanh thu", "Viễn thông"),
        (m.Series("Thực hiện", (2890.0, 1900.0)), m.Series("Kế hoạch", (2800.0, 2000.0))),
        unit="tỷ đồng",
    )
    image = charts.draw(spec)
    labels = _labels(image)
    assert "103,21%" in labels and "95%" in labels
    bars = _boxes(image)
    marks = [s for s in image.scene if isinstance(s, m.Stroke) and s.line_width == 1.6]
    assert len(bars) == 2 and len(marks) == 2
    # The plan of 2,000 sits above the 1,900 bar; the plan of 2,800 below the 2,890 bar.
    assert marks[1].points[0][1] > bars[1].y + bars[1].height
    assert marks[0].points[0][1] < bars[0].y + bars[0].height


def test_growth_bars_are_coloured_by_whether_the_change_is_for_the_better() -> None:
    spec = m.ChartSpec(
        "growth",
        "",
        ("Doanh thu", "Thuê bao", "Thời gian xử lý", "Chi phí"),
        (m.Series("Tăng trưởng", (12.5, -3.2, -8.0, 4.1)),),
        unit="% so với cùng kỳ",
        better=("higher", "higher", "lower", "lower"),
    )
    image = charts.draw(spec)
    colours = [b.fill for b in _boxes(image)]
    assert colours == [charts.ACCENT, charts.WORSE, charts.ACCENT, charts.WORSE]
    assert {"+12,5%", "-3,2%", "-8%", "+4,1%"} <= set(_labels(image))
    assert {"Cải thiện", "Kém đi"} <= set(_labels(image))


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_colours_that_carry_meaning_survive_black_and_white_printing() -> None:
    assert abs(_luminance(charts.ACCENT) - _luminance(charts.WORSE)) > 0.35
    assert abs(_luminance(charts.ACCENT) - _luminance(charts.OTHERS)) > 0.35
    first, second = charts.SERIES_COLOURS[:2]
    assert abs(_luminance(first) - _luminance(second)) > 0.35


def test_rank_trend_puts_first_place_on_top_and_marks_the_2025_change() -> None:
    spec = m.ChartSpec(
        "rank_trend",
        "",
        ("2022", "2023", "2024", "2025"),
        (m.Series("DTI", (30.0, 12.0, 9.0, 4.0)), m.Series("N", (63.0, 63.0, 63.0, 34.0))),
    )
    image = charts.draw(spec)
    dots = [d for d in image.scene if isinstance(d, m.Dot)]
    assert [d.y for d in dots] == sorted(d.y for d in dots)  # better rank, higher up
    trend = [s for s in image.scene if isinstance(s, m.Stroke) and s.colour == charts.ACCENT]
    assert len(trend) == 1 and len(trend[0].points) == 3  # not drawn across the change
    dashed = [s for s in image.scene if isinstance(s, m.Stroke) and s.dash]
    assert dashed, "the change of denominator is marked"
    labels = _labels(image)
    assert "từ 2025: 34 tỉnh, thành phố" in labels
    assert {"30/63", "4/34"} <= set(labels)
    assert "thứ hạng (1 là cao nhất)" in labels


def test_peers_are_sorted_with_this_province_named_and_the_median_dashed() -> None:
    names = ("An Giang", "Bắc Ninh", "Cà Mau", "Đà Nẵng", "Hà Nội")
    values = (30.0, 50.5, 10.0, 40.0, 20.0)
    spec = m.ChartSpec(
        "peers", "", names, (m.Series("Doanh thu", values),), unit="tỷ đồng", highlight=3
    )
    image = charts.draw(spec)
    bars = _boxes(image)
    heights = [b.height for b in bars]
    assert heights == sorted(heights, reverse=True)
    assert [b.fill for b in bars].count(charts.ACCENT) == 1
    assert bars[1].fill == charts.ACCENT  # Đà Nẵng, 40, second highest
    labels = _labels(image)
    assert "Đà Nẵng: 40" in labels
    assert "Trung vị: 30" in labels
    median = [s for s in image.scene if isinstance(s, m.Stroke) and s.dash and s.points[0][0] < 50]
    assert len(median) == 1


def test_rank_tracks_show_position_and_number_ranked() -> None:
    spec = m.ChartSpec(
        "rank",
        "",
        ("DTI", "ICT Index"),
        (m.Series("Thứ hạng", (12.0, 3.0)), m.Series("Số tỉnh", (63.0, 34.0))),
    )
    labels = _labels(charts.draw(spec))
    assert {"12/63", "3/34", "DTI", "ICT Index"} <= set(labels)


def test_labels_stay_inside_the_chart() -> None:
    spec = m.ChartSpec(
        "peers",
        "",
        tuple(f"Tỉnh có tên rất dài số {i}" for i in range(34)),
        (m.Series("v", tuple(float(100 - i) for i in range(34))),),
        highlight=0,
    )
    image = charts.draw(spec)
    width = spec.width_mm * 72 / 25.4
    for label in image.scene:
        if isinstance(label, m.Label):
            size = charts.text_width(label.text, label.size, label.bold)
            left = {"start": 0.0, "middle": size / 2, "end": size}[label.anchor]
            assert label.x - left >= 0 and label.x - left + size <= width, label


@pytest.mark.parametrize("count", [5, 12, 63])
def test_category_labels_never_overlap_however_many_categories(count: int) -> None:
    spec = m.ChartSpec(
        "bar",
        "",
        tuple(f"Tỉnh Bà Rịa - Vũng Tàu số {i}" for i in range(count)),
        (m.Series("x", tuple(float(i * 137) for i in range(count))),),
    )
    image = charts.draw(spec)
    names = [
        label
        for label in image.scene
        if isinstance(label, m.Label) and label.anchor == "end" and label.text[0] == "T"
    ]
    assert names, "categories are named"
    heights = sorted(label.y for label in names)
    gaps = [b - a for a, b in itertools.pairwise(heights)]
    assert min(gaps) >= min(label.size for label in names), gaps
    assert all(label.size >= 5 for label in image.scene if isinstance(label, m.Label))


def test_tiny_values_keep_their_digits() -> None:
    image = charts.draw(_spec((0.001, 0.0025), kind="line"))
    assert "0,0025" in _labels(image)  # the last value
    ticks = [x.text for x in image.scene if isinstance(x, m.Label) and x.anchor == "end"]
    assert len(set(ticks)) == len(ticks) >= 3  # no axis of "0, 0, 0"
    assert charts.tick_label(0.00123, "vi") == "0,0012"


def test_a_non_finite_value_is_a_template_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not a finite number"):
        charts.draw(_spec((float("nan"), 1.0)))
    folder = write_template(
        tmp_path / "nan-chart",
        '{% extends "official/brief.xml.j2" %}\n{% block charts %}\n'
        '<chart kind="bar"><x>a</x><x>b</x><series label="s"><v>1</v><v>inf</v></series></chart>'
        "\n{% endblock %}\n",
    )
    code, year = SEEDS[0]
    with pytest.raises(TemplateError, match="finite number or nothing, not 'inf'") as caught:
        briefgen.build(DATA, province=code, year=year, template=folder)
    assert caught.value.where.row is not None


# ----------------------------------------------------------------------------- specs


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (_spec((1.0, 2.0), kind="pie"), "unknown chart kind 'pie'"),
        (_spec((1.0, 2.0), kind="plan"), "a plan chart needs 2 series"),
        (_spec((1.0, 2.0), kind="rank_trend"), "a rank_trend chart needs 2 series"),
        (_spec((1.0, 2.0), kind="growth", better=("higher",)), "'better' has 1 entries"),
        (_spec((1.0, 2.0), kind="growth", better=("up", "up")), "must be 'higher', 'lower'"),
        (_spec((1.0, 2.0), highlight=2), "highlight 2 is not a category index"),
    ],
)
def test_a_spec_no_kind_can_draw_is_a_template_error(spec: m.ChartSpec, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        charts.draw(spec)


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("bar", (5.0,), False),
        ("bar", (5.0, None, None), False),
        ("bar", (5.0, None, 6.0), True),
        ("line", (None, 7.0, None), False),
        ("line", (3.0, None, 7.0), True),
        ("growth", (None, 2.0), False),
        ("growth", (1.0, 2.0), True),
        ("peers", (4.0, None), False),
        ("peers", (4.0, 3.0), True),
    ],
)
def test_a_chart_needs_two_points(
    kind: str, values: tuple[float | None, ...], expected: bool
) -> None:
    assert charts.drawable(_spec(values, kind)) is expected


@pytest.mark.parametrize(
    ("kind", "first", "second", "expected"),
    [
        ("plan", (None, 5.0), (4.0, None), False),
        ("plan", (5.0, None), (4.0, None), True),
        ("rank_trend", (5.0, 4.0), (63.0, None), False),
        ("rank_trend", (5.0, 4.0), (63.0, 34.0), True),
        ("rank", (None, 4.0), (63.0, None), False),
        ("rank", (5.0, None), (63.0, None), True),
    ],
)
def test_two_series_kinds_need_their_pairs(
    kind: str,
    first: tuple[float | None, ...],
    second: tuple[float | None, ...],
    expected: bool,
) -> None:
    spec = m.ChartSpec(kind, "", ("a", "b"), (m.Series("x", first), m.Series("y", second)))
    assert charts.drawable(spec) is expected


def test_a_line_with_one_point_makes_the_chart_undrawable() -> None:
    spec = m.ChartSpec(
        kind="line",
        title="",
        categories=("2019", "2020", "2021"),
        series=(m.Series("a", (1.0, 2.0, 3.0)), m.Series("b", (None, 4.0, None))),
    )
    assert not charts.drawable(spec)


def test_a_chart_with_one_point_is_left_out_of_the_built_document(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "one-point"
    shutil.copytree(ROOT / "templates" / "en", folder)
    if (ROOT / "templates" / "_lib").is_dir():
        shutil.copytree(ROOT / "templates" / "_lib", tmp_path / "_lib")
    source = folder / "brief.xml.j2"
    text = source.read_text("utf-8")
    lonely = (
        '<chart kind="line" title="Postal revenue" width="120" height="60" lang="en">'
        '<x>2020</x><x>2021</x><series label="Revenue"><v></v><v>130</v></series>'
        "<caption>Chart 9. Postal revenue</caption></chart>"
    )
    marker = "{% block charts %}"
    assert marker in text
    source.write_text(text.replace(marker, marker + "\n" + lonely), "utf-8")
    code, year = SEEDS[0]
    brief = briefgen.build(DATA, province=code, year=year, template=folder)

    assert all(chart.spec.title != "Postal revenue" for chart in brief.charts())
    assert not any(isinstance(b, m.Chart) and b.image is None for b in brief.blocks)
    pdf_text = _pdf_text(brief.to_bytes("pdf"))
    docx_text = "\n".join(
        p.text for p in docx.Document(io.BytesIO(brief.to_bytes("docx"))).paragraphs
    )
    for text in (pdf_text, docx_text):
        assert "Chart 9" not in text
        assert "Not enough data" not in text


def test_a_chart_without_data_is_dropped_and_the_blocks_around_it_stay() -> None:
    before, after = m.Paragraph((m.Text("Trước"),)), m.Paragraph((m.Text("Sau"),))
    chart = m.Chart(_spec((None, 3.0)), caption=(m.Text("Biểu đồ 2. Doanh thu"),))
    document = m.Document(blocks=(before, chart, after))
    assert charts.draw_charts(document).blocks == (before, after)


# ----------------------------------------------------------------------------- output


def test_the_same_spec_draws_the_same_bytes() -> None:
    spec = _spec((110.0, None, 130.5))
    charts._draw_cached.cache_clear()
    first = charts.draw(spec)
    charts._draw_cached.cache_clear()
    second = charts.draw(spec)
    assert first is not second
    assert (first.png, first.scene) == (second.png, second.scene)


def test_the_png_is_a_palette_picture_at_200_dpi_of_its_printed_size() -> None:
    spec = _spec((1.0, 2.0, 3.0))
    picture = Image.open(io.BytesIO(charts.draw(spec).png))
    assert picture.mode == "P"
    assert picture.info["dpi"] == pytest.approx((200, 200), abs=0.5)
    assert picture.size[0] == round(spec.width_mm / 25.4 * 200)
    # Not blank: dark marks on a white ground.
    grey = picture.convert("L")
    darkest, lightest = grey.getextrema()
    assert lightest == 255 and darkest < 80
    assert grey.getpixel((0, 0)) == 255


def test_charts_use_a_serif_font_that_covers_vietnamese() -> None:
    from matplotlib.ft2font import FT2Font

    from briefgen.text import VIETNAMESE_LETTERS

    for path in charts.font_files():
        charmap = FT2Font(path).get_charmap()
        assert all(ord(c) in charmap for c in VIETNAMESE_LETTERS), path
        assert "Serif" in FT2Font(path).family_name or "Times" in FT2Font(path).family_name


# ----------------------------------------------------------------------------- cost


def test_the_disk_cache_shares_a_chart_between_processes(tmp_path: Path) -> None:
    """What a batch does: workers point at one folder; a chart drawn by one is read
    by the others (simulated here by clearing this process's memory cache)."""
    spec = _spec((3.0, 1.0, 2.0))
    charts._draw_cached.cache_clear()
    charts.use_disk_cache(tmp_path)
    try:
        drawn, reused = charts.counts()
        first = charts.draw(spec)
        assert len(list(tmp_path.glob("*.chart"))) == 1
        charts._draw_cached.cache_clear()
        second = charts.draw(spec)
        assert charts.counts() == (drawn + 1, reused + 1)
        assert second == first
        # The picture, made when first asked for, is shared the same way.
        charts._png.cache_clear()
        png = first.png
        assert [p.name for p in tmp_path.glob("*.png")] == [f"{entry_name(tmp_path)}.png"]
        charts._png.cache_clear()
        next(tmp_path.glob("*.png")).write_bytes(b"\x89PNG\r\n\x1a\nfrom the disk")
        assert second.png == b"\x89PNG\r\n\x1a\nfrom the disk"
        # A damaged entry is drawn again, never an error.
        next(tmp_path.glob("*.chart")).write_bytes(b"not a chart")
        next(tmp_path.glob("*.png")).write_bytes(b"not a picture")
        charts._draw_cached.cache_clear()
        charts._png.cache_clear()
        assert charts.draw(spec) == first and charts.draw(spec).png == png
        assert not list(tmp_path.glob("*.part"))
    finally:
        charts.use_disk_cache(None)
        charts._draw_cached.cache_clear()
        charts._png.cache_clear()


def entry_name(folder: Path) -> str:
    return next(folder.glob("*.chart")).stem


def test_a_pdf_makes_no_chart_picture_and_a_docx_only_those_it_prints() -> None:
    """Pictures cost most of a chart: the PDF draws vectors and needs none, and a
    chart drawn again to fit its page is rasterised at its printed height only."""
    brief = briefgen.build(NATIONAL, "04", 2021)  # Cao Bằng: its second chart is refitted
    charts._png.cache_clear()
    brief.to_bytes("pdf")
    assert charts._png.cache_info().currsize == 0
    document = docx.Document(io.BytesIO(brief.to_bytes("docx")))
    printed = brief.fitted().charts()
    assert [c.spec for c in printed] != [c.spec for c in brief.charts()]
    assert charts._png.cache_info().currsize == len(printed) == len(document.inline_shapes)
    assert all(c.image is not None and c.image.png == charts._png(c.spec) for c in printed)


def test_a_chart_picture_can_be_given_as_bytes_or_made_when_read() -> None:
    image = charts.draw(_spec((1.0, 2.0)))
    assert callable(image.raster)  # not made yet
    given = m.ChartImage(image.png, image.dpi, image.width_mm, image.height_mm, image.scene)
    assert given.png == image.png


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_two_thousand_charts_leave_no_figures_and_flat_memory() -> None:
    """2,000 real draws (about 25 s): no figure is ever registered with pyplot, and
    memory grows by less than 30 MB from chart 200 to chart 2,000 (the 512-entry
    cache included)."""
    from matplotlib import _pylab_helpers

    charts._draw_cached.cache_clear()
    start = 0
    kinds = ("bar", "line", "growth", "peers")
    for index in range(2000):
        if index == 200:
            start = _rss_kb()
        kind = kinds[index % len(kinds)]
        spec = m.ChartSpec(
            kind=kind,
            title="",
            categories=("2020", "2021", "2022"),
            series=(m.Series("a", (float(index), index + 1.5, index / 3)),),
            better=("higher", "lower", "higher") if kind == "growth" else (),
        )
        charts.draw(spec)
    growth_mb = (_rss_kb() - start) / 1024
    charts._draw_cached.cache_clear()
    assert len(_pylab_helpers.Gcf.figs) == 0
    assert growth_mb < 30, f"memory grew {growth_mb:.1f} MB"


def test_a_cache_folder_this_process_cannot_see_is_left_alone(tmp_path: Path) -> None:
    """A dask worker on another machine gets the batch's folder name: it draws its
    charts and creates nothing there."""
    elsewhere = tmp_path / "on-the-batch-machine"
    charts._draw_cached.cache_clear()
    charts.use_disk_cache(elsewhere)
    try:
        assert charts.draw(_spec((4.0, 2.0))).png
    finally:
        charts.use_disk_cache(None)
        charts._draw_cached.cache_clear()
    assert not elsewhere.exists()
