"""Pages as a reader sees them: our PDFs and LibreOffice's rendering of our DOCX.

Every record of the seed and national fixtures, with the ``official`` and ``en``
templates, goes through :mod:`pagecheck` (no page but the last ends more than a
fifth empty, no page holds only the signature block, no number of a table cell
breaks).  Then the behaviours behind those rules, one by one, and the layouts of
hostile input (rows and letterhead cells taller than a page, megabyte paragraphs).
"""

from __future__ import annotations

import io
import multiprocessing
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pdfplumber
import pytest
from conftest import convert_to_pdf
from docx import Document as read_docx
from docx.oxml.ns import qn
from docx.shared import Mm
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from pagecheck import (
    Expectations,
    Rendered,
    check,
    check_all,
    jobs,
    render,
)
from pypdf import PdfReader

import briefgen
from briefgen import model as m
from briefgen.fitting import chart_fitting
from briefgen.writers import docx as docx_writer
from briefgen.writers import pdf as pdf_writer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
WORKERS = 2
SHARES = 16
"""Pieces the work is cut into, so both workers stay busy to the end."""

T = m.Text


def pool() -> ProcessPoolExecutor:
    # Fresh interpreters: no state (fonts, caches) shared with the test process.
    return ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))


def shares(items: list, count: int = SHARES) -> list[list]:  # type: ignore[type-arg]
    return [items[start::count] for start in range(count) if items[start::count]]


def report(problems: list) -> str:  # type: ignore[type-arg]
    lines = sorted(str(p) for p in problems)
    return f"{len(lines)} problems:\n" + "\n".join(lines[:60])


# --------------------------------------------------------------------------- every brief


@pytest.fixture(scope="module")
def briefs(tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    """Every brief of the fixtures, rendered in two worker processes, PDFs checked."""
    out = tmp_path_factory.mktemp("briefs")
    with pool() as workers:
        parts = workers.map(render, shares(jobs(FIXTURES)), [out] * SHARES)
        return [brief for part in parts for brief in part]


@pytest.fixture(scope="module")
def libreoffice_problems(
    briefs: list[Rendered], tmp_path_factory: pytest.TempPathFactory, libreoffice: str
) -> list:  # type: ignore[type-arg]
    """The problems of LibreOffice's rendering of every brief's DOCX."""
    # One LibreOffice per core, each with its own profile, over half of the files.
    halves = [briefs[: len(briefs) // 2], briefs[len(briefs) // 2 :]]
    outs = [tmp_path_factory.mktemp("libreoffice") for _ in halves]
    with ThreadPoolExecutor(len(halves)) as threads:
        converted = threads.map(
            lambda half, out: convert_to_pdf(libreoffice, [b.docx for b in half], out),
            halves,
            outs,
        )
        pairs = [
            (pdf, brief.expect)
            for half, pdfs in zip(halves, converted, strict=True)
            for pdf, brief in zip(pdfs, half, strict=True)
        ]
    with pool() as workers:
        return [problem for part in workers.map(check_all, shares(pairs)) for problem in part]


@pytest.fixture(scope="module")
def libreoffice() -> str:
    from conftest import soffice

    path = soffice()
    if path is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI")
        pytest.skip("LibreOffice not installed")
    return path


def test_the_checker_covers_every_record_of_both_fixtures_in_both_templates(
    briefs: list[Rendered],
) -> None:
    records = sum(
        len(briefgen.load(FIXTURES / name))
        for name in ("seed-reports.yaml", "national-2019-2025.json")
    )
    assert len(briefs) == 2 * records
    assert {brief.job.template for brief in briefs} == {"official", "en"}


def test_no_page_of_our_pdfs_is_badly_laid_out(briefs: list[Rendered]) -> None:
    problems = [problem for brief in briefs for problem in brief.problems]
    assert not problems, report(problems)


def test_no_page_of_libreoffices_rendering_of_our_docx_is_badly_laid_out(
    libreoffice_problems: list,  # type: ignore[type-arg]
) -> None:
    assert not libreoffice_problems, report(libreoffice_problems)


# --------------------------------------------------------------------------- the checker


def filler(lines: int) -> m.Paragraph:
    """A body paragraph about ``lines`` lines long in the default style."""
    return m.Paragraph(
        (T("Nội dung báo cáo được trình bày đầy đủ và rõ ràng. " * (5 * lines // 3)),)
    )


SIGNATURE = m.Signature(
    authority=((T("GIÁM ĐỐC"),),),
    name=(T("Đỗ Hữu Quyết"),),
    recipients=((T("- UBND tỉnh;"),), (T("- Lưu: VT."),)),
    recipients_label=(T("Nơi nhận:"),),
)
CLOSING = m.Paragraph((T("Trên đây là báo cáo kết quả công tác năm 2020./."),))


def checked(document: m.Document, folder: Path, name: str = "brief") -> list:  # type: ignore[type-arg]
    """The page checker's problems with our PDF of ``document``."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf_writer.write(document))
    return check(path, Expectations.of(document, name))


def kinds(problems: list) -> set[str]:  # type: ignore[type-arg]
    return {problem.kind for problem in problems}


def test_the_checker_finds_a_page_ended_early(tmp_path: Path) -> None:
    document = m.Document(blocks=(filler(3), m.PageBreak(), filler(3)))
    (problem,) = checked(document, tmp_path)
    assert problem.kind == "hole" and problem.page == 1


def test_the_checker_finds_a_signature_on_a_page_of_its_own(tmp_path: Path) -> None:
    document = m.Document(blocks=(filler(20), CLOSING, m.PageBreak(), SIGNATURE))
    problems = checked(document, tmp_path)
    assert [p.page for p in problems if p.kind == "signature alone"] == [2, 2]


def test_the_checker_finds_a_number_broken_over_two_lines(tmp_path: Path) -> None:
    # Twelve columns of long numbers cannot all fit: numbers must break.
    row = tuple(m.Cell((T("+1.234.567,89%*"),)) for _ in range(12))
    document = m.Document(blocks=(m.Table(header=(), body=(row,)),))
    problems = checked(document, tmp_path)
    assert kinds(problems) == {"split number"}
    assert "'+1.234.567,89%*'" in problems[0].detail


# --------------------------------------------------------------------------- behaviours


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, white space folded, without the page numbers."""
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]
    return pages[:1] + [re.sub(r"^\d+ ", "", page) for page in pages[1:]]


def table_of(rows: int, caption: str = "Bảng 1. Chỉ tiêu") -> m.Table:
    header = ((m.Cell((T("TT"),)), m.Cell((T("Chỉ tiêu"),)), m.Cell((T("So với kế hoạch"),))),)
    body = tuple(
        (m.Cell((T(str(i)),)), m.Cell((T(f"Chỉ tiêu số {i}"),)), m.Cell((T("-14,29%"),)))
        for i in range(1, rows + 1)
    )
    return m.Table(header=header, body=body, widths=(1, 8, 1), caption=(T(caption),))


def test_a_heading_keeps_the_caption_header_and_first_rows_and_the_table_runs_on(
    tmp_path: Path,
) -> None:
    blocks = (filler(25), m.Heading(2, (T("7. Một số chỉ tiêu chủ yếu"),)), table_of(40))
    document = m.Document(blocks=blocks)
    pages = pdf_pages(pdf_writer.write(document))
    assert len(pages) == 2
    first, second = pages
    # The heading did not jump with the whole table: it starts on page 1 with the
    # caption, the header and at least two rows; the rest runs on under a repeated header.
    assert "7. Một số chỉ tiêu chủ yếu Bảng 1. Chỉ tiêu TT Chỉ tiêu So với kế hoạch" in first
    assert "Chỉ tiêu số 2" in first
    assert second.startswith("TT Chỉ tiêu So với kế hoạch")
    assert "Chỉ tiêu số 40" in second
    # Split once per page: never a header over a single row, then the header again.
    assert [page.count("TT Chỉ tiêu So với kế hoạch") for page in pages] == [1, 1]
    assert not checked(document, tmp_path)


def test_a_heading_whose_table_cannot_start_on_the_page_moves_with_it() -> None:
    blocks = (filler(38), m.Heading(2, (T("7. Một số chỉ tiêu chủ yếu"),)), table_of(10))
    pages = pdf_pages(pdf_writer.write(m.Document(blocks=blocks)))
    assert "7. Một số chỉ tiêu" not in pages[0]
    assert pages[1].startswith("7. Một số chỉ tiêu chủ yếu Bảng 1.")


@pytest.mark.parametrize("lines", [28, 31, 33, 35])
def test_the_closing_paragraph_prints_on_the_page_of_the_signature(
    tmp_path: Path, lines: int
) -> None:
    document = m.Document(blocks=(filler(lines), CLOSING, SIGNATURE))
    pages = pdf_pages(pdf_writer.write(document))
    signed = next(page for page in pages if "Đỗ Hữu Quyết" in page)
    assert "năm 2020./." in signed
    assert not kinds(checked(document, tmp_path)) & {"signature alone"}


def test_the_docx_keeps_the_closing_paragraph_with_the_signature() -> None:
    document = m.Document(blocks=(filler(5), CLOSING, SIGNATURE))
    body = read_docx(io.BytesIO(docx_writer.write(document))).paragraphs
    closing = next(p for p in body if p.text.startswith("Trên đây"))
    assert closing.paragraph_format.keep_with_next is True


LEAD_IN = m.Paragraph(
    (
        T(
            "Năm 2021, Sở Thông tin và Truyền thông tập trung thực hiện các mục tiêu, "
            "nhiệm vụ chủ yếu sau:"
        ),
    )
)
TARGETS = m.ListBlock(
    ordered=True,
    items=tuple(
        (T(f"Chỉ tiêu thứ {i}: hoàn thành kế hoạch chuyển đổi số của tỉnh năm 2021."),)
        for i in range(1, 9)
    ),
)


def long_lead_in(lines: int) -> m.Paragraph:
    """A lead-in paragraph about ``lines`` lines long."""
    return m.Paragraph(
        (
            T(
                "Trong năm tới, Sở tiếp tục triển khai nhiều nhiệm vụ. " * (5 * lines // 3)
                + "Cụ thể như sau:"
            ),
        )
    )


def test_the_checker_finds_a_lead_in_at_the_foot_of_a_page(tmp_path: Path) -> None:
    document = m.Document(blocks=(filler(3), LEAD_IN, m.PageBreak(), TARGETS))
    problems = [p for p in checked(document, tmp_path) if p.kind == "lead-in alone"]
    assert [p.page for p in problems] == [1]
    assert problems[0].detail.endswith("chủ yếu sau:")


# Lines of filler that bring the lead-in to the foot of page 1 (or past it).
LEAD_INS = [(LEAD_IN, lines, follower) for lines in range(36, 42) for follower in ("list", "table")]
LEAD_INS += [(long_lead_in(6), lines, "list") for lines in range(33, 41)]


@pytest.mark.parametrize(("lead_in", "lines", "follower"), LEAD_INS)
def test_a_lead_in_prints_on_the_page_where_what_it_introduces_starts(
    tmp_path: Path, lead_in: m.Paragraph, lines: int, follower: str
) -> None:
    introduced = TARGETS if follower == "list" else table_of(12)
    document = m.Document(blocks=(filler(lines), lead_in, introduced))
    pages = pdf_pages(pdf_writer.write(document))
    start = "1. Chỉ tiêu thứ 1" if follower == "list" else "Bảng 1. Chỉ tiêu"
    page = next(page for page in pages if start in page)
    before = page.split(start)[0]
    # At least the lead-in's last lines print above it; a long one may begin a page before.
    assert before.endswith("sau: ") or before.endswith("như sau: ")
    assert not kinds(checked(document, tmp_path)) & {"lead-in alone", "hole"}


@pytest.mark.parametrize("lines", range(36, 42))
def test_libreoffice_prints_a_docx_lead_in_with_what_it_introduces(
    tmp_path: Path, libreoffice: str, lines: int
) -> None:
    document = m.Document(blocks=(filler(lines), LEAD_IN, TARGETS))
    source = tmp_path / "brief.docx"
    source.write_bytes(docx_writer.write(document))
    body = read_docx(source).paragraphs
    lead = next(p for p in body if p.text.endswith("chủ yếu sau:"))
    assert lead.paragraph_format.keep_with_next is True
    (printed,) = convert_to_pdf(libreoffice, [source], tmp_path)
    problems = check(printed, Expectations.of(document, "brief"))
    assert "lead-in alone" not in kinds(problems), report(problems)


def test_numbers_and_header_words_of_narrow_columns_are_never_broken(tmp_path: Path) -> None:
    # The author's widths leave 4 % to each figure: far too little.
    header = tuple(m.Cell((T(text),)) for text in ("Chỉ tiêu", "So với cùng kỳ", "So với kế hoạch"))
    body = tuple(
        (m.Cell((T(f"Chỉ tiêu {i}"),)), m.Cell((T(yoy),)), m.Cell((T("105,88%"),)))
        for i, yoy in enumerate(("+27,63%*", "-14,29%", "+124,23%*"))
    )
    table = m.Table(header=(header,), body=body, widths=(92, 4, 4))
    document = m.Document(blocks=(table,))
    assert not checked(document, tmp_path)
    words = pdfplumber.open(io.BytesIO(pdf_writer.write(document))).pages[0].extract_words()
    assert {"kế", "hoạch", "cùng", "kỳ"} <= {w["text"] for w in words}
    # The DOCX grid gives each figure the room it needs in print (measured with the
    # font LibreOffice uses for Times New Roman), taken from the label column.
    grid = read_docx(io.BytesIO(docx_writer.write(document))).tables[0].columns
    label, *figures = (column.width.pt for column in grid)
    for column, width in enumerate(figures, start=1):
        texts = [m.plain(row[column].content) for row in body]
        assert width >= max(printed_width(text, 12) for text in texts) + 6
    assert label < 0.92 * 467


def printed_width(text: str, size: float) -> float:
    """Width of ``text`` in points, from Liberation Serif's own advance widths."""
    path = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
    if not path.is_file():
        import os

        if os.environ.get("CI"):
            pytest.fail("Liberation Serif 2 is required in CI (.ci/run installs fonts-liberation2)")
        pytest.skip("Liberation Serif 2 is not installed")
    font = TTFont(path)
    advances, cmap = font["hmtx"], font.getBestCmap()
    units = sum(advances[cmap[ord(char)]][0] for char in text)
    return float(units * size / font["head"].unitsPerEm)


def test_the_docx_table_keeps_its_header_and_first_row_with_the_caption() -> None:
    document = m.Document(blocks=(table_of(5),))
    table = read_docx(io.BytesIO(docx_writer.write(document))).tables[0]
    kept = [
        all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)
        for row in table.rows
    ]
    assert kept == [True, True, False, False, False, False]
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_a_chart_that_would_leave_a_hole_is_drawn_shorter(tmp_path: Path) -> None:
    from briefgen import charts

    spec = m.ChartSpec(
        kind="bar",
        title="",
        categories=("2019", "2020", "2021"),
        series=(m.Series("Doanh thu", (110.0, 120.0, 130.0)),),
        unit="tỷ đồng",
        height_mm=70,
    )
    blocks = (filler(31), m.Chart(spec, caption=(T("Biểu đồ 1. Doanh thu"),)), filler(10))
    document = charts.draw_charts(m.Document(blocks=blocks))
    fitting = pdf_writer.ChartFitting({}, charts.refit_chart)
    scales = pdf_writer.chart_scales(document, fitting)
    assert list(scales) == [1] and 0.5 <= scales[1] < 1
    fitted = pdf_writer.redrawn(document, fitting, scales)
    chart = fitted.blocks[1]
    assert isinstance(chart, m.Chart) and chart.spec.height_mm < 70
    assert chart.image is not None and chart.image.height_mm == chart.spec.height_mm
    assert not pdf_writer.chart_scales(fitted, fitting)  # drawn at its height, it fits as it is
    pages = pdf_pages(pdf_writer.write(fitted))
    assert "Biểu đồ 1. Doanh thu" in pages[0]
    assert not checked(fitted, tmp_path)
    # Writing fits the chart as it lays the pages out: the same file, the same heights.
    data, _, found = pdf_writer.write_fitted(document, fitting)
    assert found == scales and data == pdf_writer.write(fitted)


def test_a_brief_prints_its_charts_at_the_height_their_page_has_room_for() -> None:
    seed = briefgen.load(FIXTURES / "national-2019-2025.json")
    brief = briefgen.build(seed, "04", 2021)  # Cao Bằng: its second chart did not fit
    assert all(chart.spec.height_mm >= 65 for chart in brief.charts())  # as the template says
    fitted = brief.fitted()
    assert any(chart.spec.height_mm < 65 for chart in fitted.charts())
    assert not pdf_writer.chart_scales(fitted, chart_fitting(fitted))
    assert brief.dump() == fitted.dump() != m.dump(brief)
    assert brief.to_bytes("pdf") == pdf_writer.write(fitted)
    docx = read_docx(io.BytesIO(brief.to_bytes("docx")))
    heights = sorted(shape.height for shape in docx.inline_shapes)
    wanted = sorted(Mm(c.spec.height_mm) for c in fitted.charts())
    assert heights == pytest.approx(wanted, abs=Mm(0.1))


GROWN = ("01", 2020, "en")
"""Hà Nội 2020 in English: its third chart cannot be made short enough for page 2."""


def test_the_pdf_is_the_same_whichever_format_is_written_first() -> None:
    """Writing the PDF fits the charts on the way; writing the DOCX first plans the
    pages without writing them: both find the same heights."""
    seed = briefgen.load(FIXTURES / "national-2019-2025.json")
    for case in (("04", 2021, "official"), GROWN):
        pdf_first = briefgen.build(seed, *case)
        docx_first = briefgen.build(seed, *case)
        docx = docx_first.to_bytes("docx")
        assert pdf_first.to_bytes("pdf") == docx_first.to_bytes("pdf")
        assert pdf_first.to_bytes("docx") == docx
        assert pdf_first.fitted() == docx_first.fitted()


def test_charts_above_one_that_cannot_be_made_short_enough_are_drawn_taller() -> None:
    seed = briefgen.load(FIXTURES / "national-2019-2025.json")
    brief = briefgen.build(seed, *GROWN)
    before = {c.caption: c.spec.height_mm for c in brief.charts()}
    after = {c.caption: c.spec.height_mm for c in brief.fitted().charts()}
    assert any(after[caption] > height for caption, height in before.items())


# --------------------------------------------------------------------------- hostile input

LONG_WORDS = ("Chỉ", "tiêu", "hạ", "tầng", "số", "được", "đầu", "tư.", "Ứng", "dụng;")


def long_text(characters: int, seed: int = 7) -> str:
    """Vietnamese-looking text of exactly ``characters`` characters: words, sentences."""
    words: list[str] = []
    size = 0
    index = seed
    while size < characters:
        word = LONG_WORDS[index % len(LONG_WORDS)]
        index = (index * 31 + 17) % 1009
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:characters]


def squeezed(text: str) -> str:
    """``text`` without white space: what survives any line breaking."""
    return "".join(text.split())


def test_a_table_row_taller_than_a_page_is_split_over_pages() -> None:
    label = long_text(5000)
    word = "X" * 2000  # a 2,000-character label with no space to break at
    body = ((m.Cell((T(label),)), m.Cell((T("1"),))), (m.Cell((T(word),)), m.Cell((T("2"),))))
    table = m.Table(header=((m.Cell((T("Chỉ tiêu"),)), m.Cell((T("Giá trị"),))),), body=body)
    document = m.Document(blocks=(table,))
    pages = pdf_pages(pdf_writer.write(document))
    assert len(pages) >= 2
    # Each page repeats the header; the figures sit beside the label parts.
    printed = squeezed(" ".join(pages)).replace("ChỉtiêuGiátrị", "")
    assert printed == squeezed(label) + "1" + word + "2" or re.sub(r"[12]", "", printed) == (
        squeezed(label) + word
    )
    cells = read_docx(io.BytesIO(docx_writer.write(document))).tables[0].rows
    assert [row.cells[0].text for row in cells[1:]] == [label, word]
    # Word would cut a row it may not split at the page foot.
    assert cells[1]._tr.trPr is None or cells[1]._tr.trPr.find(qn("w:cantSplit")) is None


def test_a_letterhead_cell_taller_than_a_page_is_split_over_pages() -> None:
    number = "Số: " + "1234567890" * 1000
    letterhead = m.Letterhead(
        left=(m.HeaderLine((T("UBND TỈNH THANH HÓA"),)),),
        right=(m.HeaderLine((T("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),)),),
        left_foot=m.HeaderLine((T(number),)),
        right_foot=m.HeaderLine((T("Thanh Hóa, ngày 11 tháng 01 năm 2021"),)),
    )
    document = m.Document(blocks=(letterhead, filler(2)))
    pages = pdf_pages(pdf_writer.write(document))
    # The date, bottom-aligned beside the number, prints among its lines.
    printed = squeezed(" ".join(pages)).replace("ThanhHóa,ngày11tháng01năm2021", "")
    assert len(pages) >= 2 and squeezed(number) in printed
    assert number in read_docx(io.BytesIO(docx_writer.write(document))).tables[0]._cells[2].text


RENDER_LONG = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from briefgen import model as m
    from briefgen.writers import render

    text = Path(sys.argv[1]).read_text("utf-8")
    document = m.Document(blocks=(m.Paragraph((m.Text(text),)), m.ListBlock(((m.Text(text),),))))
    for fmt in ("pdf", "docx"):
        Path(sys.argv[2]).with_suffix("." + fmt).write_bytes(render(document, fmt))
    """
)


@pytest.mark.parametrize("characters", [1_000_000])
def test_a_megabyte_paragraph_renders_in_seconds_and_reads_back_whole(
    tmp_path: Path, characters: int
) -> None:
    text = long_text(characters)
    source = tmp_path / "text.txt"
    source.write_text(text, "utf-8")
    # Laid out in quadratic time, one megabyte took minutes; in linear time, seconds.
    subprocess.run(
        [sys.executable, "-c", RENDER_LONG, str(source), str(tmp_path / "long")],
        check=True,
        timeout=60,
    )
    pages = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "long.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\f")
    printed = "".join(pages[:1] + [re.sub(r"^\s*\d+\s", "", page) for page in pages[1:]])
    # The paragraph, then the list item after its dash: every character, in order.
    assert squeezed(printed) == squeezed(text) + "-" + squeezed(text)
    paragraphs = read_docx(tmp_path / "long.docx").paragraphs
    assert paragraphs[0].text == text and paragraphs[1].text.endswith(text)


def test_long_text_is_cut_at_sentence_ends_and_keeps_every_character() -> None:
    from briefgen.writers._pdf_flow import CHUNK_CHARS, chunk_runs

    text = long_text(20_000)
    runs = [m.Run(text[:7000]), m.Run(text[7000:], bold=True)]
    pieces = list(chunk_runs(runs))
    assert "".join(run.text for piece in pieces for run in piece) == text
    assert all(sum(len(run.text) for run in piece) <= CHUNK_CHARS for piece in pieces)
    ends = [piece[-1].text.rstrip()[-1] for piece in pieces[:-1]]
    assert set(ends) <= {".", ";"}  # sentence ends, never inside a word
    assert [run.bold for run in pieces[4]] in ([True], [False], [False, True])
