"""The DOCX writer, checked by reading its files back (python-docx, XML) and through LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import time
import unicodedata
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Mm
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen import model as m
from briefgen.errors import OutputError
from briefgen.writers.docx import write

W_P = qn("w:p")
A4_MM = (210.0, 297.0)


# --------------------------------------------------------------------------- helpers


def read(data: bytes) -> DocxDocument:
    """Open written bytes with python-docx, as a user's program would."""
    return docx.Document(io.BytesIO(data))


def paragraph_texts(element: object) -> list[str]:
    """Text of every paragraph under ``element`` (tables included); w:br becomes a newline."""
    texts: list[str] = []
    for p in element.iter(W_P):  # type: ignore[attr-defined]
        parts: list[str] = []
        for node in p.iter(qn("w:t"), qn("w:br")):
            parts.append("\n" if node.tag == qn("w:br") else node.text or "")
        texts.append("".join(parts))
    return texts


def body_text(document: DocxDocument) -> str:
    return "\n".join(paragraph_texts(document.element.body))


def grid_tables(document: DocxDocument) -> list[object]:
    """The data tables (Table Grid style), leaving out letterhead and signature layouts."""
    return [t for t in document.tables if t.style is not None and t.style.name == "Table Grid"]


def simple_document(*blocks: m.Block, page: m.PageSetup | None = None) -> m.Document:
    return m.Document(blocks=blocks, page=page or m.PageSetup())


def text_table(rows: int, columns: int = 3) -> m.Table:
    header = (tuple(m.Cell((m.Text(f"Cột {c}"),)) for c in range(columns)),)
    body = tuple(
        tuple(m.Cell((m.Text(f"{r}.{c} đồng"),), align="right") for c in range(columns))
        for r in range(rows)
    )
    return m.Table(header=header, body=body)


@pytest.fixture
def sample_docx(sample_document: m.Document) -> bytes:
    return write(sample_document)


# --------------------------------------------------------------------------- text


def test_sample_covers_every_block_type(sample_document: m.Document) -> None:
    assert {type(block) for block in sample_document.blocks} == set(m.BLOCK_TYPES)


def test_every_text_of_the_sample_appears_in_nfc(
    sample_document: m.Document, sample_docx: bytes
) -> None:
    text = body_text(read(sample_docx))
    assert unicodedata.is_normalized("NFC", text)
    for line in m.texts(sample_document):
        assert line in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Nam Định, ngày 07 tháng 01 năm 2022" in text


def test_markup_like_text_is_written_literally(sample_docx: bytes) -> None:
    text = body_text(read(sample_docx))
    assert "A < B & C <b>x</b>" in text
    assert "Sở TT&TT." in text
    assert "&amp;" not in text and "&lt;" not in text
    document_xml = zipfile.ZipFile(io.BytesIO(sample_docx)).read("word/document.xml")
    assert b"<b>" not in document_xml  # escaped once in the XML, never markup


def test_strong_and_emph_become_bold_and_italic_runs(sample_docx: bytes) -> None:
    runs = [r for p in read(sample_docx).paragraphs for r in p.runs]
    assert any(r.text == "11/63" and r.bold for r in runs)
    assert any(r.text == "A < B & C <b>x</b>" and r.italic and not r.bold for r in runs)


def test_line_break_becomes_a_break_inside_the_paragraph(sample_docx: bytes) -> None:
    texts = paragraph_texts(read(sample_docx).element.body)
    assert any(t.endswith("<b>x</b>\nSở TT&TT.") for t in texts)


def test_newlines_inside_text_are_not_breaks_and_bad_characters_are_dropped() -> None:
    data = write(simple_document(m.Paragraph((m.Text("một\nhai\tba\x00\x0bbốn"),))))
    paragraph = read(data).paragraphs[-1]
    assert paragraph.text == "một hai babốn"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_any_text_survives(text: str) -> None:
    node = m.Text(text)
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", node.text)
    expected = re.sub("\r\n|[\r\n\t]", " ", expected)
    data = write(simple_document(m.Paragraph((node,))))
    assert read(data).paragraphs[-1].text == expected


# --------------------------------------------------------------------------- page and styles


def test_section_is_a4_portrait_with_decree_30_margins(sample_docx: bytes) -> None:
    section = read(sample_docx).sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert abs(section.page_width.mm - A4_MM[0]) < 0.5
    assert abs(section.page_height.mm - A4_MM[1]) < 0.5
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    top, bottom, left, right = (margin.mm for margin in margins if margin is not None)
    assert 20 - 0.1 <= top <= 25 + 0.1
    assert 20 - 0.1 <= bottom <= 25 + 0.1
    assert 30 - 0.1 <= left <= 35 + 0.1
    assert 15 - 0.1 <= right <= 20 + 0.1


def test_landscape_swaps_the_page_sides() -> None:
    page = m.PageSetup(landscape=True)
    section = read(write(simple_document(m.Paragraph((m.Text("x"),)), page=page))).sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert abs(section.page_width.mm - 297) < 0.5
    assert abs(section.page_height.mm - 210) < 0.5


def test_normal_style_is_times_new_roman_justified_with_first_line_indent(
    sample_docx: bytes,
) -> None:
    normal = read(sample_docx).styles["Normal"]
    rpr = normal.element.rPr
    fonts = rpr.find(qn("w:rFonts"))
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(script)) == "Times New Roman"
    assert not any("Theme" in name or "theme" in name for name in fonts.attrib)
    assert rpr.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    assert normal.font.size is not None and 13 <= normal.font.size.pt <= 14
    body = normal.paragraph_format
    assert (
        body.alignment is not None and body.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    assert body.first_line_indent is not None and 10 <= body.first_line_indent.mm <= 12.7 + 0.01
    assert body.space_after is not None and body.space_after.pt >= 6


def test_english_documents_are_marked_en_gb() -> None:
    document = m.Document(blocks=(m.Paragraph((m.Text("Hello"),)),), meta=m.Meta(language="en"))
    written = read(write(document))
    lang = written.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-GB"
    assert written.core_properties.language == "en-GB"


def test_headings_are_black_bold_in_the_body_font(sample_docx: bytes) -> None:
    written = read(sample_docx)
    for level in (1, 2, 3):
        style = written.styles[f"Heading {level}"]
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == "Times New Roman"
        assert fonts.get(qn("w:asciiTheme")) is None
        assert style.font.bold is True
        assert style.font.italic is (level == 3)
        color = style.element.rPr.find(qn("w:color"))
        assert color.get(qn("w:val")) == "000000" and color.get(qn("w:themeColor")) is None
        assert style.paragraph_format.keep_with_next is True
    headings = [p for p in written.paragraphs if p.style.name.startswith("Heading")]
    assert [p.text for p in headings] == ["I. KẾT QUẢ NĂM 2021", "1. Chỉ số xếp hạng"]


def test_lists_use_decree_30_dashes_and_numbers_with_hanging_indent(sample_docx: bytes) -> None:
    items = [p for p in read(sample_docx).paragraphs if p.style.name == "List Item"]
    assert [p.text for p in items] == [
        "- Doanh thu 130 tỷ đồng;",
        "- Tăng 8,3%.",
        "1. Một",
        "2. Hai",
    ]
    for item in items:
        fmt = item.paragraph_format
        assert fmt.first_line_indent is not None and fmt.first_line_indent < 0
        assert fmt.left_indent is not None
        # The marker starts where a body paragraph's first line starts.
        assert abs((fmt.left_indent + fmt.first_line_indent) - Mm(12.7)) < Mm(0.1)


def test_paragraph_alignment_and_indent_overrides(sample_docx: bytes) -> None:
    centred = next(p for p in read(sample_docx).paragraphs if p.text == "Căn giữa")
    assert centred.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert centred.paragraph_format.first_line_indent == 0


# --------------------------------------------------------------------------- page numbers


def _has_page_field(element: object) -> bool:
    instructions = [t.text or "" for t in element.iter(qn("w:instrText"))]  # type: ignore[attr-defined]
    simple = [f.get(qn("w:instr")) or "" for f in element.iter(qn("w:fldSimple"))]  # type: ignore[attr-defined]
    return any(i.split()[:1] == ["PAGE"] for i in instructions + simple)


def test_page_number_field_is_centred_in_the_header_but_not_on_page_one(
    sample_docx: bytes,
) -> None:
    section = read(sample_docx).sections[0]
    assert section.different_first_page_header_footer is True
    assert _has_page_field(section.header._element)
    number = next(p for p in section.header.paragraphs if _has_page_field(p._p))
    assert number.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert not _has_page_field(first._element)
    sizes = {int(sz.get(qn("w:val"))) for sz in number._p.iter(qn("w:sz"))}
    assert sizes == {26}  # 13 pt, the body size


def test_numbering_page_one_too_drops_the_different_first_page() -> None:
    page = m.PageSetup(number_first_page=True)
    section = read(write(simple_document(m.Paragraph((m.Text("x"),)), page=page))).sections[0]
    assert section.different_first_page_header_footer is False
    assert _has_page_field(section.header._element)


def test_no_page_numbers_when_disabled() -> None:
    page = m.PageSetup(number_pages=False)
    section = read(write(simple_document(m.Paragraph((m.Text("x"),)), page=page))).sections[0]
    assert not _has_page_field(section.header._element)
    assert not _has_page_field(section.first_page_header._element)


# --------------------------------------------------------------------------- tables


def test_every_table_header_row_repeats_and_body_rows_do_not() -> None:
    header = (
        (m.Cell((m.Text("Chỉ tiêu"),), rowspan=2), m.Cell((m.Text("Năm"),), colspan=2)),
        (m.Cell((m.Text("2020"),)), m.Cell((m.Text("2021"),))),
    )
    body = ((m.Cell((m.Text("Doanh thu"),)), m.Cell((m.Text("120"),)), m.Cell((m.Text("130"),))),)
    written = read(write(simple_document(m.Table(header=header, body=body))))
    (table,) = grid_tables(written)
    flags = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None
             for tr in table._tbl.tr_lst]  # fmt: skip
    assert flags == [True, True, False]
    for tr in table._tbl.tr_lst:  # no row is torn over two pages
        assert tr.trPr.find(qn("w:cantSplit")) is not None


def test_sample_table_header_is_marked_bold_centred_and_cell_alignment_kept(
    sample_docx: bytes,
) -> None:
    (table,) = grid_tables(read(sample_docx))
    first = table.rows[0]
    assert first._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.paragraphs[0].style.name for c in first.cells] == ["Table Heading"] * 2
    heading_style = first.cells[0].paragraphs[0].style
    assert heading_style.font.bold is True
    assert heading_style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert first.cells[1].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    value = table.rows[1].cells[1].paragraphs[0]
    assert value.text == "130 tỷ đồng"
    assert value.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert value.style.font.size.pt == 12


def test_table_widths_follow_the_model_on_grid_and_every_cell(sample_docx: bytes) -> None:
    written = read(sample_docx)
    (table,) = grid_tables(written)
    text_width = Mm(210 - 30 - 15)
    grid = [col.width for col in table.columns]
    assert abs(grid[0] - text_width * 0.7) < Mm(0.1)
    assert abs(grid[1] - text_width * 0.3) < Mm(0.1)
    assert table.autofit is False
    for tr in table._tbl.tr_lst:
        for tc in tr.tc_lst:
            assert tc.width is not None
    merged = table.rows[2]._tr.tc_lst
    assert len(merged) == 1 and merged[0].grid_span == 2
    assert abs(merged[0].width - text_width) < Mm(0.1)


def test_the_caption_is_centred_above_the_table(sample_docx: bytes) -> None:
    body = list(read(sample_docx).element.body)
    table_index = next(
        i for i, e in enumerate(body) if e.tag == qn("w:tbl") and "TableGrid" in e.xml
    )
    caption = body[table_index - 1]
    assert paragraph_texts(caption) == ["Bảng 1. Chỉ tiêu chủ yếu"]
    assert caption.find(f"{qn('w:pPr')}/{qn('w:jc')}") is None  # centred by the Caption style
    assert caption.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None


def test_rowspans_merge_vertically_and_covered_cells_are_filled_in() -> None:
    # The model leaves out cells covered by a rowspan: "Tỉnh" spans 3 rows, "A" spans 2.
    rows = (
        (m.Cell((m.Text("Tỉnh"),), rowspan=3), m.Cell((m.Text("A"),), rowspan=2), m.Cell(())),
        (m.Cell((m.Text("b"),)),),
        (m.Cell((m.Text("c"),), colspan=2),),
    )
    written = read(write(simple_document(m.Table(header=(), body=rows))))
    (table,) = grid_tables(written)
    texts = [[cell.text for cell in row.cells] for row in table.rows]
    assert texts == [["Tỉnh", "A", ""], ["Tỉnh", "A", "b"], ["Tỉnh", "c", "c"]]
    first_column = [tr.tc_lst[0].vMerge for tr in table._tbl.tr_lst]
    assert first_column == ["restart", "continue", "continue"]


def test_consecutive_tables_stay_two_tables() -> None:
    written = read(write(simple_document(text_table(1), text_table(1))))
    tags = [e.tag for e in written.element.body]
    first = tags.index(qn("w:tbl"))
    assert tags[first + 1] == W_P
    assert len(grid_tables(written)) == 2


def test_a_5000_row_table_writes_in_linear_time() -> None:
    table = text_table(5000)
    start = time.perf_counter()
    data = write(simple_document(table))
    elapsed = time.perf_counter() - start
    # Quadratic cell access takes minutes here; the linear writer takes a few seconds.
    assert elapsed < 30
    assert len(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")) > 1_000_000


# --------------------------------------------------------------------------- official parts


def _rules(element: object) -> list[object]:
    return [p for p in element.iter(W_P) if p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}") is not None]  # type: ignore[attr-defined]


def test_letterhead_is_a_borderless_two_column_table_with_centred_rules(
    sample_docx: bytes,
) -> None:
    written = read(sample_docx)
    letterhead = written.tables[0]
    borders = letterhead._tbl.tblPr.find(qn("w:tblBorders"))
    assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}
    left, right = letterhead.rows[0].cells
    assert letterhead.columns[0].width == left.width
    assert abs(left.width - Mm(165 * 0.4)) < Mm(0.1)
    for cell in (left, right):
        (rule,) = _rules(cell._tc)
        ind = rule.find(f"{qn('w:pPr')}/{qn('w:ind')}")
        assert ind.get(qn("w:left")) == ind.get(qn("w:right"))  # centred
    # The motto's rule is as long as the motto (Times Bold 13 pt: about 56 mm).
    motto_rule = _rules(right._tc)[0]
    ind = motto_rule.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    available_mm = right.width.mm - 2 * 1.0  # cell padding
    rule_mm = available_mm - 2 * int(ind.get(qn("w:left"))) / 1440 * 25.4
    assert 50 < rule_mm < 62
    foot = letterhead.rows[1].cells
    assert [c.text for c in foot] == ["Số: 05/BC-STTTT", "Nam Định, ngày 07 tháng 01 năm 2022"]
    assert foot[1].paragraphs[0].runs[0].italic is True


def test_title_is_centred_bold_with_a_short_rule(sample_docx: bytes) -> None:
    paragraphs = read(sample_docx).paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "BÁO CÁO")
    title, summary, rule = paragraphs[start : start + 3]
    for line in (title, summary):
        assert line.style.name == "Compact"
        assert line.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
        assert all(run.bold for run in line.runs)
    assert rule.text == "" and _rules(rule._p)
    assert rule.paragraph_format.left_indent == rule.paragraph_format.right_indent


def test_signature_puts_recipients_left_and_signer_right(sample_docx: bytes) -> None:
    signature = read(sample_docx).tables[-1]
    left, right = signature.rows[0].cells
    label = left.paragraphs[0].runs[0]
    assert label.text == "Nơi nhận:" and label.bold and label.italic and label.font.size.pt == 12
    assert [p.runs[0].font.size.pt for p in left.paragraphs[1:]] == [11, 11]
    texts = [p.text for p in right.paragraphs]
    assert texts == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "", "Nguyễn Văn A"]
    # The room for the signature is one line exactly as tall as the PDF's (25 mm).
    assert right.paragraphs[2].paragraph_format.line_spacing.mm == pytest.approx(25, abs=0.1)
    assert all(run.bold for p in right.paragraphs for run in p.runs)
    assert signature.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


# --------------------------------------------------------------------------- charts


def test_an_undrawn_chart_is_refused(sample_document: m.Document) -> None:
    chart = next(b for b in sample_document.blocks if isinstance(b, m.Chart))
    undrawn = m.Chart(chart.spec, chart.caption, image=None)
    with pytest.raises(OutputError, match=r"blocks\[1\].*Doanh thu bưu chính.*not been drawn"):
        write(simple_document(m.Paragraph((m.Text("x"),)), undrawn))


def test_the_chart_prints_at_200_dpi_or_more(sample_docx: bytes) -> None:
    written = read(sample_docx)
    (shape,) = written.inline_shapes
    blip = shape._inline.find(".//" + qn("a:blip"))
    image: Image = written.part.related_parts[blip.get(qn("r:embed"))].image
    inches = shape.width / 914400
    assert image.px_width / inches >= 200
    assert shape.width <= Mm(150)


def test_a_chart_wider_than_the_text_is_scaled_down(sample_document: m.Document) -> None:
    chart = next(b for b in sample_document.blocks if isinstance(b, m.Chart))
    assert chart.image is not None
    wide = m.Chart(chart.spec, chart.caption, image=m.ChartImage(
        raster=chart.image.png, dpi=100, width_mm=300, height_mm=140))  # fmt: skip
    (shape,) = read(write(simple_document(wide))).inline_shapes
    assert shape.width <= Mm(165) and shape.width > Mm(164)


def test_the_chart_is_centred_and_kept_with_its_italic_caption(sample_docx: bytes) -> None:
    paragraphs = read(sample_docx).paragraphs
    index = next(
        i for i, p in enumerate(paragraphs) if p._p.find(".//" + qn("w:drawing")) is not None
    )
    picture, caption = paragraphs[index], paragraphs[index + 1]
    assert picture.paragraph_format.keep_with_next is True
    assert picture.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert caption.text == "Biểu đồ 1. Doanh thu bưu chính"
    assert all(run.italic for run in caption.runs)


# --------------------------------------------------------------------------- package


def test_core_properties_are_filled(sample_docx: bytes) -> None:
    core = read(sample_docx).core_properties
    assert core.title == "Báo cáo năm 2021 — Nam Định"
    assert core.author == "Sở TT&TT Nam Định"
    assert core.subject == "Kết quả công tác năm 2021"
    assert core.keywords == "ICT; Nam Định"
    assert core.language == "vi-VN"
    assert core.last_modified_by == "briefgen"
    assert core.revision == 1
    # The document's date, at the start of that day in Vietnam (17:00 UTC the day before).
    assert core.created == dt.datetime(2022, 1, 14, 17, 0, tzinfo=dt.UTC)
    assert core.modified == core.created
    assert core.comments == ""


def test_a_document_without_a_date_has_no_creation_date(sample_document: m.Document) -> None:
    undated = replace(sample_document, meta=replace(sample_document.meta, date=None))
    core = read(write(undated)).core_properties
    assert core.created is None and core.modified is None


def test_two_writes_are_byte_identical(sample_document: m.Document) -> None:
    first, second = write(sample_document), write(sample_document)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        infos = package.infolist()
        assert package.testzip() is None  # patched stamps leave every member's CRC intact
    assert infos and all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in infos)
    assert all((info.create_system, info.external_attr) == (0, 0) for info in infos)
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in infos)
    assert infos[0].filename == "[Content_Types].xml"


def test_page_break_is_a_page_break_run(sample_docx: bytes) -> None:
    breaks = list(read(sample_docx).element.body.iter(qn("w:br")))
    assert [b.get(qn("w:type")) for b in breaks if b.get(qn("w:type"))] == ["page"]


def test_the_writer_is_registered() -> None:
    from briefgen.writers import get_writer

    assert get_writer("docx") is write


# --------------------------------------------------------------------------- LibreOffice


def _pdf_text(pdf: Path) -> tuple[int, list[tuple[float, float]], str]:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), sizes, " ".join(unicodedata.normalize("NFC", text).split())


def test_libreoffice_converts_the_docx_to_a_two_page_a4_pdf(
    sample_docx: bytes, libreoffice: str, tmp_path: Path
) -> None:
    source = tmp_path / "brief.docx"
    source.write_bytes(sample_docx)
    result = subprocess.run(
        [
            libreoffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    pdf = tmp_path / "brief.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), result.stdout + result.stderr
    pages, sizes, text = _pdf_text(pdf)
    assert pages == 2
    for width, height in sizes:
        assert abs(width - 595.3) < 1.5 and abs(height - 841.9) < 1.5
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nam Định, ngày 07 tháng 01 năm 2022",
        "BÁO CÁO",
        "Kết quả công tác năm 2021 của Sở TT&TT",
        "A < B & C <b>x</b>",
        "Doanh thu bưu chính",
        "Biểu đồ 1. Doanh thu bưu chính",
        "Trang hai.",
        "Nguyễn Văn A",
    ):
        assert expected in text


def test_a_chart_picture_has_alt_text_from_its_title_or_caption() -> None:
    from briefgen import charts

    spec = m.ChartSpec("bar", "", ("2023", "2024"), (m.Series("x", (1.0, 2.0)),))
    chart = m.Chart(spec, caption=(m.Text("Biểu đồ 1. Doanh thu"),))
    document = charts.draw_charts(m.Document(blocks=(chart,)))
    package = read(write(document))
    (properties,) = package.element.body.iter(qn("wp:docPr"))
    assert properties.get("descr") == "Biểu đồ 1. Doanh thu"
