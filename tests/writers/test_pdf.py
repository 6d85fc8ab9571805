"""The PDF writer, checked by reading its files back with pypdf (and poppler for ink extents)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import unicodedata
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from pypdf.generic import Destination, DictionaryObject

from briefgen import fonts
from briefgen import model as m
from briefgen.errors import BriefgenWarning, OutputError
from briefgen.fonts import VIETNAMESE_LETTERS, resolve_serif
from briefgen.writers import get_writer
from briefgen.writers.pdf import write

MM = 72 / 25.4
A4_PT = (210 * MM, 297 * MM)


# --------------------------------------------------------------------------- helpers


def read(data: bytes) -> PdfReader:
    """Open written bytes with pypdf, as a user's program would."""
    return PdfReader(io.BytesIO(data))


def flat(text: str) -> str:
    """NFC text with every white-space run (line wraps) folded to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def pdf_text(data: bytes) -> str:
    return flat("\n".join(page.extract_text() for page in read(data).pages))


@dataclass(frozen=True)
class Fragment:
    """A piece of text as pypdf's content visitor sees it, at its page position."""

    text: str
    x: float
    y: float
    font: str
    size: float


def fragments(page: object) -> list[Fragment]:
    """Every non-blank text fragment of ``page`` with its start position in page space."""
    found: list[Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        # Text space → page space: the text matrix composed with the current transform.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        found.append(Fragment(text.strip(), x, y, name, size * tm[0] * cm[0]))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


def simple_document(*blocks: m.Block, page: m.PageSetup | None = None) -> m.Document:
    return m.Document(blocks=blocks, page=page or m.PageSetup())


def text(value: str) -> m.Inlines:
    return (m.Text(value),)


def long_table(rows: int) -> m.Table:
    return m.Table(
        header=((m.Cell(text("Chỉ tiêu")), m.Cell(text("Giá trị"), align="right")),),
        body=tuple(
            (m.Cell(text(f"Dòng {r}")), m.Cell(text(f"{r}.000 đồng"), align="right"))
            for r in range(1, rows + 1)
        ),
        widths=(0.6, 0.4),
    )


@pytest.fixture
def sample_pdf(sample_document: m.Document) -> bytes:
    return write(sample_document)


@pytest.fixture
def pdftotext() -> str:
    """poppler's pdftotext, for ink extents pypdf does not compute."""
    path = shutil.which("pdftotext")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("poppler-utils is required in CI")
        pytest.skip("pdftotext not installed")
    return path


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x_min: float
    x_max: float
    y_min: float


def words(pdftotext: str, data: bytes, tmp_path: Path) -> list[Word]:
    """Word boxes from ``pdftotext -bbox`` (y measured down from the top edge)."""
    source = tmp_path / "written.pdf"
    source.write_bytes(data)
    result = subprocess.run(
        [pdftotext, "-bbox", str(source), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found: list[Word] = []
    page = 0
    for line in result.stdout.splitlines():
        if line.lstrip().startswith("<page "):
            page += 1
        match = re.search(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>',
            line,
        )
        if match:
            x_min, y_min, x_max, word = match.groups()
            found.append(Word(word, page, float(x_min), float(x_max), float(y_min)))
    return found


# --------------------------------------------------------------------------- text


def test_sample_covers_every_block_type(sample_document: m.Document) -> None:
    assert {type(block) for block in sample_document.blocks} == set(m.BLOCK_TYPES)


def test_every_text_of_the_sample_is_extracted_in_nfc(
    sample_document: m.Document, sample_pdf: bytes
) -> None:
    extracted = pdf_text(sample_pdf)
    for line in m.texts(sample_document):
        assert flat(line) in extracted
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nam Định, ngày 07 tháng 01 năm 2022",
        "Kết quả công tác năm 2021 của Sở TT&TT",
    ):
        assert expected in extracted


def test_markup_like_text_prints_literally(sample_pdf: bytes) -> None:
    extracted = pdf_text(sample_pdf)
    assert "A < B & C <b>x</b>" in extracted
    assert "Sở TT&TT." in extracted
    assert "&amp;" not in extracted and "&lt;" not in extracted


def test_no_missing_glyph_boxes_or_replacement_characters(sample_pdf: bytes) -> None:
    extracted = pdf_text(sample_pdf)
    assert "\u25a0" not in extracted and "\ufffd" not in extracted


def test_every_vietnamese_letter_round_trips() -> None:
    data = write(simple_document(m.Paragraph(text(VIETNAMESE_LETTERS))))
    assert VIETNAMESE_LETTERS in pdf_text(data).replace(" ", "")


def test_strong_and_emph_switch_to_the_bold_and_italic_faces(sample_pdf: bytes) -> None:
    found = fragments(read(sample_pdf).pages[0])
    bold = [f for f in found if "11/63" in f.text]
    italic = [f for f in found if "A < B & C" in f.text]
    assert bold and all(f.font.endswith("-Bold") for f in bold)
    assert italic and all(f.font.endswith("-Italic") for f in italic)
    headings = [f for f in found if f.text.startswith("I. KẾT QUẢ")]
    assert headings and headings[0].font.endswith("-Bold")


def test_line_break_ends_the_line_inside_the_paragraph(sample_pdf: bytes) -> None:
    page = read(sample_pdf).pages[0].extract_text()
    assert re.search(r"<b>x</b>\s*\n\s*Sở TT&TT\.", page)


def test_unprintable_characters_are_dropped_and_newlines_are_spaces() -> None:
    data = write(simple_document(m.Paragraph(text("một\nhai\tba\x00\x0b\ud800bốn"))))
    assert "một hai babốn" in pdf_text(data)


def _printable_in_font() -> list[str]:
    """Left-to-right letters, digits, punctuation, symbols and spaces every face has.

    A character the font lacks prints as its missing-glyph box, which no reader can
    turn back into text; what the font has must come back exactly.  Right-to-left
    scripts are left out because pypdf reorders them on extraction, and characters
    NFC changes because the model stores text in NFC.
    """
    family = resolve_serif()
    faces = (family.regular, family.bold, family.italic, family.bold_italic)
    covered = set.intersection(*(set(TTFont(path).getBestCmap()) for path in faces))
    return [
        char
        for char in map(chr, sorted(covered))
        if (unicodedata.category(char)[0] in "LNPS" or unicodedata.category(char) == "Zs")
        and unicodedata.bidirectional(char) not in {"R", "AL", "AN"}
        and unicodedata.normalize("NFC", char) == char
    ]


@settings(max_examples=30, deadline=None)
@given(st.text(st.sampled_from(_printable_in_font()), min_size=1, max_size=60))
def test_any_printable_text_the_font_covers_survives(value: str) -> None:
    expected = flat(m.Text(value).text)
    data = write(simple_document(m.Paragraph(text(value), align="left")))
    assert flat(pdf_text(data)) == expected


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=60))
def test_any_text_at_all_writes_a_pdf(value: str) -> None:
    # Characters the font lacks are reported (a warning), never an error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefgenWarning)
        data = write(simple_document(m.Heading(1, text(value)), m.Paragraph(text(value))))
    assert len(read(data).pages) == 1


# --------------------------------------------------------------------------- fonts


def test_a_serif_covering_vietnamese_is_found_and_reported() -> None:
    family = resolve_serif()
    assert family.source in {"Times New Roman", "Liberation Serif", "DejaVu Serif"}
    for path in (family.regular, family.bold, family.italic, family.bold_italic):
        assert path.is_file()
    assert resolve_serif() is family  # resolved and registered once per process


def test_an_unknown_family_falls_back_to_a_substitute() -> None:
    family = resolve_serif("No Such Serif Family")
    assert family.source in {"Liberation Serif", "DejaVu Serif"}


def _dejavu_files() -> list[Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [folder / f"DejaVuSerif{s}.ttf" for s in ("", "-Bold", "-Italic", "-BoldItalic")]


def test_system_fonts_are_found_by_family_name_folder_by_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete, partial = tmp_path / "b-complete", tmp_path / "a-partial"
    complete.mkdir()
    partial.mkdir()
    for index, source in enumerate(_dejavu_files()):
        # Renamed files: the family is read from the font's name table, not the file name.
        shutil.copy(source, complete / f"dejavu-{index}.ttf")
        if index != 3:
            shutil.copy(source, partial / f"dejavu-{index}.ttf")
    monkeypatch.setattr(fonts, "_font_folders", lambda: (tmp_path,))
    monkeypatch.setattr(fonts, "_fontconfig_file", lambda family, face: None)
    found = list(fonts._system_families("DejaVu Serif"))
    assert len(found) == 1
    assert [path.parent for path in found[0].files] == [complete] * 4
    assert [path.name for path in found[0].files] == [f"dejavu-{i}.ttf" for i in range(4)]
    assert list(fonts._system_families("Times New Roman")) == []


def test_a_family_missing_one_vietnamese_letter_is_rejected(tmp_path: Path) -> None:
    from fontTools import subset  # type: ignore[import-untyped]

    files = []
    for index, source in enumerate(_dejavu_files()):
        font = TTFont(source)
        cmap = set(font.getBestCmap()) - {ord("ỹ")}
        subsetter = subset.Subsetter()
        subsetter.populate(unicodes=cmap)
        subsetter.subset(font)
        target = tmp_path / f"face-{index}.ttf"
        font.save(target)
        files.append(target)
    candidate = fonts._Candidate("TestNoYTilde", "Test", (files[0], files[1], files[2], files[3]))
    assert fonts._registered(candidate) is None


def test_every_font_is_an_embedded_truetype_subset_and_none_is_helvetica(
    sample_pdf: bytes,
) -> None:
    fonts: dict[str, DictionaryObject] = {}
    for page in read(sample_pdf).pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        font_table = resources["/Font"].get_object()
        assert isinstance(font_table, DictionaryObject)
        for reference in font_table.values():
            font = reference.get_object()
            assert isinstance(font, DictionaryObject)
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    source = resolve_serif().source.replace(" ", "")
    for name, font in fonts.items():
        assert "Helvetica" not in name
        assert re.fullmatch(r"/[A-Z]{6}\+.+", name), name
        assert source in name
        descriptor = font["/FontDescriptor"].get_object()
        assert isinstance(descriptor, DictionaryObject)
        assert "/FontFile2" in descriptor, name
    assert b"Helvetica" not in sample_pdf


# --------------------------------------------------------------------------- page


def test_page_is_a4_portrait(sample_pdf: bytes) -> None:
    for page in read(sample_pdf).pages:
        assert float(page.mediabox.width) == pytest.approx(A4_PT[0], abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(A4_PT[1], abs=0.5)


def test_landscape_swaps_the_page_sides() -> None:
    data = write(simple_document(m.Paragraph(text("Ngang")), page=m.PageSetup(landscape=True)))
    page = read(data).pages[0]
    assert float(page.mediabox.width) == pytest.approx(A4_PT[1], abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(A4_PT[0], abs=0.5)


def test_text_starts_inside_the_decree_30_margins(
    sample_document: m.Document, sample_pdf: bytes
) -> None:
    margins = sample_document.page.margins
    for page in read(sample_pdf).pages:
        for fragment in fragments(page):
            assert fragment.x >= margins.left * MM - 1, fragment


def test_text_ends_inside_the_decree_30_margins(
    sample_document: m.Document, sample_pdf: bytes, pdftotext: str, tmp_path: Path
) -> None:
    margins = sample_document.page.margins
    found = words(pdftotext, sample_pdf, tmp_path)
    assert found
    for word in found:
        assert word.x_min >= margins.left * MM - 1, word
        assert word.x_max <= A4_PT[0] - margins.right * MM + 1, word


def test_justified_lines_fill_the_measure(pdftotext: str, tmp_path: Path) -> None:
    long = " ".join(["Doanh thu bưu chính tăng trưởng ổn định qua các năm"] * 8)
    document = simple_document(m.Paragraph(text(long)))
    found = words(pdftotext, write(document), tmp_path)
    right_edge = A4_PT[0] - document.page.margins.right * MM
    assert max(w.x_max for w in found) == pytest.approx(right_edge, abs=1)


def test_first_line_is_indented_unless_the_paragraph_says_no(
    sample_document: m.Document, sample_pdf: bytes
) -> None:
    left = sample_document.page.margins.left * MM
    indent = sample_document.style.first_line_indent_mm * MM
    found = fragments(read(sample_pdf).pages[0])
    first = next(f for f in found if f.text.startswith("Chỉ số ICT"))
    after_break = next(f for f in found if f.text.startswith("Sở TT&TT."))
    assert first.x == pytest.approx(left + indent, abs=0.5)
    assert after_break.x == pytest.approx(left, abs=0.5)
    centred = next(f for f in found if f.text == "Căn giữa")
    assert centred.x > left + indent * 2


def test_lists_use_dashes_and_numbers(sample_pdf: bytes) -> None:
    page = read(sample_pdf).pages[0].extract_text()
    assert re.search(r"-\s*Doanh thu 130 tỷ đồng;", page)
    assert re.search(r"1\.\s*Một", page) and re.search(r"2\.\s*Hai", page)


def _top_fragment(page: object) -> Fragment:
    return max(fragments(page), key=lambda f: f.y)


def test_page_number_is_centred_at_the_top_from_page_two(
    sample_document: m.Document, sample_pdf: bytes
) -> None:
    layout = sample_document.page
    pages = read(sample_pdf).pages
    assert len(pages) == 2
    first_top = _top_fragment(pages[0])
    assert not first_top.text.isdigit()
    assert first_top.y < A4_PT[1] - layout.margins.top * MM
    number = _top_fragment(pages[1])
    assert number.text == "2"
    assert number.size == pytest.approx(sample_document.style.size_pt)
    text_centre = (layout.margins.left * MM + A4_PT[0] - layout.margins.right * MM) / 2
    digit_centre = number.x + number.size * 0.25
    assert abs(digit_centre - text_centre) < 5 * MM
    # Baseline in the top margin, 10 to 12.5 mm below the top edge.
    assert 10 * MM <= A4_PT[1] - number.y <= 12.5 * MM


def test_page_one_is_numbered_when_asked(sample_document: m.Document) -> None:
    document = replace(sample_document, page=m.PageSetup(number_first_page=True))
    top = _top_fragment(read(write(document)).pages[0])
    assert top.text == "1"


def test_no_page_numbers_when_disabled(sample_document: m.Document) -> None:
    document = replace(sample_document, page=m.PageSetup(number_pages=False))
    for page in read(write(document)).pages:
        assert not _top_fragment(page).text.isdigit()


def test_a_heading_never_ends_a_page_and_its_bookmark_follows_it() -> None:
    for filler in range(20, 90):
        blocks: list[m.Block] = [m.Paragraph(text(f"Đoạn {i} văn bản.")) for i in range(filler)]
        blocks += [m.Heading(2, text("1. Tiêu đề mục")), m.Paragraph(text("Nội dung."))]
        reader = read(write(simple_document(*blocks)))
        first_page = [f.text for f in fragments(reader.pages[0])]
        assert first_page[-1] != "1. Tiêu đề mục"
        if len(reader.pages) > 1:
            assert "1. Tiêu đề mục" in reader.pages[1].extract_text()
            heading = reader.outline[0]
            assert isinstance(heading, Destination)
            assert reader.get_destination_page_number(heading) == 1
            return
    pytest.fail("the filler never pushed the heading to page 2")


def test_page_break_starts_a_new_page(sample_pdf: bytes) -> None:
    pages = read(sample_pdf).pages
    assert "Trang hai." not in pages[0].extract_text()
    assert "Trang hai." in pages[1].extract_text()


# --------------------------------------------------------------------------- metadata and outline


def test_metadata_and_language_are_set(sample_document: m.Document, sample_pdf: bytes) -> None:
    reader = read(sample_pdf)
    info = reader.metadata
    assert info is not None
    assert info.title == sample_document.meta.title
    assert info.author == "Sở TT&TT Nam Định"
    assert info.subject == sample_document.meta.subject
    assert info.creator == "briefgen"
    assert "Nam Định" in str(info["/Keywords"])
    assert str(reader.root_object["/Lang"]) == "vi"


def test_the_pdf_is_dated_the_documents_date(sample_pdf: bytes) -> None:
    info = read(sample_pdf).metadata
    assert info is not None
    # The start of 15 January 2022 in Vietnam, both dates (pypdf reads them as moments).
    assert info["/CreationDate"] == info["/ModDate"] == "D:20220115000000+07'00'"
    assert info.creation_date == dt.datetime(2022, 1, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_a_pdf_without_a_date_has_no_creation_date(sample_document: m.Document) -> None:
    undated = replace(sample_document, meta=replace(sample_document.meta, date=None))
    info = read(write(undated)).metadata
    assert info is not None and info.title == sample_document.meta.title
    assert "/CreationDate" not in info and "/ModDate" not in info


def _outline_titles(outline: Sequence[object]) -> list[object]:
    """pypdf's nested outline as titles: a list after an entry holds its children."""
    titles: list[object] = []
    for item in outline:
        if isinstance(item, list):
            titles.append(_outline_titles(item))
        else:
            assert isinstance(item, Destination)
            titles.append(item.title)
    return titles


def test_headings_become_nested_bookmarks(sample_pdf: bytes) -> None:
    assert _outline_titles(read(sample_pdf).outline) == [
        "I. KẾT QUẢ NĂM 2021",
        ["1. Chỉ số xếp hạng"],
    ]


def test_bookmarks_nest_by_level_and_never_skip_one() -> None:
    document = simple_document(
        m.Heading(1, text("I. Một")),
        m.Heading(2, text("1. Hai")),
        m.Heading(3, text("a) Ba")),
        m.Heading(1, text("II. Bốn")),
        m.Heading(3, text("a) Năm")),
        m.PageBreak(),
        m.Heading(2, text("1. Sáu")),
    )
    reader = read(write(document))
    assert _outline_titles(reader.outline) == [
        "I. Một",
        ["1. Hai", ["a) Ba"]],
        "II. Bốn",
        ["a) Năm", "1. Sáu"],
    ]
    nested = reader.outline[-1]
    assert isinstance(nested, list) and isinstance(nested[-1], Destination)
    assert reader.get_destination_page_number(nested[-1]) == 1


# --------------------------------------------------------------------------- determinism and errors


def test_two_writes_are_byte_identical(sample_document: m.Document) -> None:
    assert write(sample_document) == write(sample_document)


def test_an_undrawn_chart_is_refused(sample_document: m.Document) -> None:
    blocks = tuple(
        replace(b, image=None) if isinstance(b, m.Chart) else b for b in sample_document.blocks
    )
    with pytest.raises(OutputError, match=r"blocks\[9\].*has not been drawn"):
        write(sample_document.with_blocks(blocks))


def test_an_unreadable_chart_picture_is_refused(sample_document: m.Document) -> None:
    broken = m.ChartImage(raster=b"not a png", dpi=200, width_mm=150, height_mm=70)
    blocks = tuple(
        replace(b, image=broken) if isinstance(b, m.Chart) else b for b in sample_document.blocks
    )
    with pytest.raises(OutputError, match="unreadable picture"):
        write(sample_document.with_blocks(blocks))


def test_writes_in_parallel_threads_give_the_same_bytes(sample_document: m.Document) -> None:
    documents = [sample_document, simple_document(long_table(120))] * 4
    expected = [write(document) for document in documents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(write, documents)) == expected


def test_the_writer_is_registered() -> None:
    assert get_writer("pdf") is write
    assert get_writer(".PDF") is write


# --------------------------------------------------------------------------- tables and charts


def test_a_long_table_repeats_its_header_on_the_next_page() -> None:
    reader = read(write(simple_document(long_table(300))))
    assert len(reader.pages) >= 2
    for page in reader.pages[:2]:
        found = sorted(fragments(page), key=lambda f: -f.y)
        top_rows = [f.text for f in found if not f.text.isdigit()][:2]
        assert sorted(top_rows) == ["Chỉ tiêu", "Giá trị"], top_rows
    second = reader.pages[1].extract_text()
    assert second.count("Chỉ tiêu") == 1
    assert "Dòng 300" in pdf_text(write(simple_document(long_table(300))))


def test_spanned_cells_sit_in_their_grid_columns() -> None:
    table = m.Table(
        header=(
            (m.Cell(text("Tỉnh"), rowspan=2), m.Cell(text("Năm"), colspan=2)),
            (m.Cell(text("Đầu"), align="center"), m.Cell(text("Cuối"), align="center")),
        ),
        body=(
            (m.Cell(text("Nam Định"), rowspan=2), m.Cell(text("a1")), m.Cell(text("a2"))),
            (m.Cell(text("b1")), m.Cell(text("b2"))),
        ),
        widths=(0.5, 0.25, 0.25),
    )
    document = simple_document(table)
    left = document.page.margins.left * MM
    width = document.page.text_width_mm * MM
    found = {f.text: f for f in fragments(read(write(document)).pages[0])}
    assert found["a1"].x == pytest.approx(found["b1"].x, abs=0.5)
    assert left + width * 0.5 < found["b1"].x < left + width * 0.75
    assert left + width * 0.75 < found["b2"].x
    assert left + width * 0.5 < found["Đầu"].x < left + width * 0.75
    assert left + width * 0.75 < found["Cuối"].x
    # The row-spanning cells are centred vertically across both rows.
    assert found["b1"].y < found["Nam Định"].y < found["a1"].y
    assert found["Cuối"].y < found["Tỉnh"].y < found["Năm"].y


def test_table_caption_is_centred_bold_above_the_table(sample_pdf: bytes) -> None:
    found = fragments(read(sample_pdf).pages[0])
    caption = next(f for f in found if f.text == "Bảng 1. Chỉ tiêu chủ yếu")
    header = next(f for f in found if f.text == "Chỉ tiêu")
    assert caption.y > header.y
    assert caption.font.endswith("-Bold")


def test_the_chart_is_drawn_at_its_size_with_an_italic_caption_below(sample_pdf: bytes) -> None:
    page = read(sample_pdf).pages[0]
    images = list(page.images)
    assert len(images) == 1
    found = fragments(page)
    caption = next(f for f in found if f.text == "Biểu đồ 1. Doanh thu bưu chính")
    table_row = next(f for f in found if f.text == "Thiếu ô")
    assert caption.y < table_row.y
    assert caption.font.endswith("-Italic")
    content = page.get_contents()
    assert content is not None
    # platypus draws the picture with one scaling matrix: 150 by 70 mm.
    assert re.search(rb"425\.19\d* 0 0 198\.42\d* ", content.get_data())


def test_a_chart_wider_than_the_text_is_scaled_down(sample_document: m.Document) -> None:
    blocks = []
    for block in sample_document.blocks:
        if isinstance(block, m.Chart) and block.image is not None:
            block = replace(block, image=replace(block.image, width_mm=300, height_mm=140))
        blocks.append(block)
    page = read(write(sample_document.with_blocks(blocks))).pages
    content = b"".join(p.get_contents().get_data() for p in page)  # type: ignore[union-attr]
    text_width = sample_document.page.text_width_mm * MM
    match = re.search(rb"([\d.]+) 0 0 ([\d.]+) 0 0 cm\s*/FormXob", content)
    assert match, content[:2000]
    assert float(match.group(1)) == pytest.approx(text_width, abs=0.5)
    assert float(match.group(2)) == pytest.approx(text_width * 140 / 300, abs=0.5)


# --------------------------------------------------------------------------- official parts


def test_letterhead_columns_are_centred_and_the_feet_share_a_baseline(
    sample_document: m.Document, sample_pdf: bytes
) -> None:
    layout = sample_document.page
    left = layout.margins.left * MM
    width = layout.text_width_mm * MM
    found = fragments(read(sample_pdf).pages[0])
    number = next(f for f in found if f.text.startswith("Số:"))
    date = next(f for f in found if f.text.startswith("Nam Định, ngày"))
    assert number.y == pytest.approx(date.y, abs=1)
    assert number.x < left + width * 0.4 < date.x
    motto = next(f for f in found if f.text.startswith("CỘNG HÒA"))
    body = next(f for f in found if f.text.startswith("UBND"))
    assert motto.y == pytest.approx(body.y, abs=2)
    assert date.font.endswith("-Italic")


def test_a_wrapped_issuing_body_is_set_in_balanced_lines(sample_pdf: bytes) -> None:
    page = read(sample_pdf).pages[0].extract_text()
    assert re.search(r"SỞ THÔNG TIN VÀ\s*\n\s*TRUYỀN THÔNG", page)


def test_signature_puts_recipients_left_and_the_signer_right_below_a_gap(
    sample_document: m.Document, sample_pdf: bytes
) -> None:
    left = sample_document.page.margins.left * MM
    width = sample_document.page.text_width_mm * MM
    found = fragments(read(sample_pdf).pages[1])
    label = next(f for f in found if f.text == "Nơi nhận:")
    recipient = next(f for f in found if f.text == "- UBND tỉnh;")
    authority = next(f for f in found if f.text == "PHÓ GIÁM ĐỐC")
    name = next(f for f in found if f.text == "Nguyễn Văn A")
    assert label.x == pytest.approx(left, abs=3)
    assert label.font.endswith("-BoldItalic") and label.size == 12
    assert recipient.size == 11
    assert authority.x > left + width * 0.45
    assert authority.font.endswith("-Bold") and name.font.endswith("-Bold")
    assert authority.y - name.y > 25 * MM


def test_characters_the_font_cannot_draw_are_reported_once_with_their_place() -> None:
    lacking = "".join(chr(c) for c in range(0x1F600, 0x1F608))  # eight emoji
    document = m.Document(
        blocks=(
            m.Paragraph((m.Text(f"Đầu đoạn {lacking} cuối đoạn"),)),
            m.Paragraph((m.Text("Tiếng Việt đầy đủ dấu: ỹ Ỹ ự Ự ≥ – “”"),)),
        )
    )
    with pytest.warns(BriefgenWarning) as said:
        text = pdf_text(write(document))
    (warning,) = said
    message = str(warning.message)
    assert "has no glyph for 8 characters, which the PDF leaves out" in message
    assert "'😀' (U+1F600) in “Đầu đoạn" in message and "; and 3 more" in message
    assert "Tiếng Việt đầy đủ dấu: ỹ Ỹ ự Ự ≥ – “”" in text  # covered text is all there


def test_a_document_the_font_covers_gives_no_warning(sample_document: m.Document) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write(sample_document)
