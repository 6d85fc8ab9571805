"""Charts: vector in PDF, sharp pictures in DOCX, deterministic, honest about missing data,
and flat in memory over a batch."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import pytest
from PIL import Image
from pypdf import PdfReader

import briefgen
from briefgen import charts
from briefgen import model as m

ROOT = Path(__file__).resolve().parents[1]
DATA = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
SEEDS = [(entry.unit.code, entry.record.year) for entry in DATA.entries]
EMU_PER_INCH = 914_400


def _spec(values: tuple[float | None, ...], kind: str = "bar", lang: str = "vi") -> m.ChartSpec:
    return m.ChartSpec(
        kind=kind,
        title="Doanh thu",
        categories=tuple(str(2019 + i) for i in range(len(values))),
        series=(m.Series("Doanh thu", values),),
        unit="tỷ đồng",
        lang=lang,
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


@pytest.mark.parametrize(("code", "year"), SEEDS)
def test_pdf_charts_are_vector_and_docx_pictures_print_at_200_dpi(code: str, year: int) -> None:
    brief = briefgen.build(DATA, province=code, year=year, template="official")
    assert brief.charts(), "every seed record's official brief has a chart"
    assert _image_xobjects(brief.to_bytes("pdf")) == 0

    document = docx.Document(io.BytesIO(brief.to_bytes("docx")))
    shapes = list(document.inline_shapes)
    assert len(shapes) == len(brief.charts())
    for shape in shapes:
        rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        blob = document.part.related_parts[rid].blob
        pixels = Image.open(io.BytesIO(blob)).size[0]
        printed_inches = shape.width / EMU_PER_INCH
        assert pixels / printed_inches >= 200


def test_the_same_spec_draws_the_same_png_and_svg_bytes() -> None:
    spec = _spec((110.0, None, 130.5))
    charts._draw_cached.cache_clear()
    first = charts.draw(spec)
    charts._draw_cached.cache_clear()
    second = charts.draw(spec)
    assert first.svg is not None and first.svg.startswith(b"<?xml")
    assert (first.png, first.svg) == (second.png, second.svg)


def test_svg_text_is_outlines_so_the_reader_needs_no_font() -> None:
    image = charts.draw(_spec((1.5, 2.25)))
    assert image.svg is not None
    assert b"<text" not in image.svg
    assert b"Date" not in image.svg


def test_axis_labels_use_vietnamese_decimal_commas() -> None:
    assert charts.tick_label(1.5, "vi") == "1,5"
    assert charts.tick_label(2.25, "vi") == "2,25"
    assert charts.tick_label(2890, "vi") == "2.890"
    assert charts.tick_label(1.5, "en") == "1.5"


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("bar", (5.0,), False),
        ("bar", (5.0, None, None), False),
        ("bar", (5.0, None, 6.0), True),
        ("line", (None, 7.0, None), False),
        ("line", (3.0, None, 7.0), True),
    ],
)
def test_a_chart_needs_two_points(
    kind: str, values: tuple[float | None, ...], expected: bool
) -> None:
    assert charts.drawable(_spec(values, kind)) is expected


def test_a_line_with_one_point_makes_the_chart_undrawable() -> None:
    spec = m.ChartSpec(
        kind="line",
        title="",
        categories=("2019", "2020", "2021"),
        series=(m.Series("a", (1.0, 2.0, 3.0)), m.Series("b", (None, 4.0, None))),
    )
    assert not charts.drawable(spec)


def test_a_chart_with_one_point_becomes_a_sentence_in_the_built_document(
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

    sentence = "Not enough data for a chart: Postal revenue."
    paragraphs = [m.plain(b.content) for b in brief.blocks if isinstance(b, m.Paragraph)]
    assert sentence in paragraphs
    assert all(chart.spec.title != "Postal revenue" for chart in brief.charts())
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(brief.to_bytes("pdf"))).pages
    )
    assert "Not enough data for a chart" in pdf_text
    docx_text = [p.text for p in docx.Document(io.BytesIO(brief.to_bytes("docx"))).paragraphs]
    assert sentence in docx_text


def test_a_vietnamese_chart_without_data_says_so_in_vietnamese() -> None:
    chart = m.Chart(_spec((None, 3.0)), caption=(m.Text("Biểu đồ 2. Doanh thu"),))
    document = m.Document(blocks=(chart,))
    (block,) = charts.draw_charts(document).blocks
    assert isinstance(block, m.Paragraph)
    assert m.plain(block.content) == "Chưa đủ số liệu để vẽ biểu đồ: Doanh thu."


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_two_thousand_charts_leave_no_figures_and_flat_memory() -> None:
    """SLOW (about 90 s: 2,000 real draws, PNG and SVG each, small 40 × 25 mm figures).

    No figure is left registered with pyplot, and memory grows by less than 50 MB
    from chart 200 to chart 2,000."""
    from matplotlib import _pylab_helpers

    charts._draw_cached.cache_clear()
    start = 0
    for index in range(2000):
        if index == 200:
            start = _rss_kb()
        spec = m.ChartSpec(
            kind="bar" if index % 2 else "line",
            title="",
            categories=("2020", "2021", "2022"),
            series=(m.Series("a", (float(index), index + 1.5, index / 3)),),
            width_mm=40,
            height_mm=25,
        )
        charts.draw(spec)
    growth_mb = (_rss_kb() - start) / 1024
    charts._draw_cached.cache_clear()
    assert len(_pylab_helpers.Gcf.figs) == 0
    assert growth_mb < 50, f"memory grew {growth_mb:.1f} MB"
