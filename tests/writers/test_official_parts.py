"""Template-level report facts, the logo and "Kính gửi" in our PDF, our DOCX and
LibreOffice's rendering of the DOCX: read back with pypdf, pdfplumber and python-docx."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest
from conftest import convert_to_pdf, write_template
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image
from pypdf import PdfReader

import briefgen
from briefgen import model as m
from briefgen.errors import OutputError
from briefgen.writers import docx as docx_writer
from briefgen.writers import pdf as pdf_writer

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "fixtures" / "national-2019-2025.json"
MM = 72 / 25.4
LOGO_RGB = (200, 30, 30)

SETTINGS = """\
extends: official
report:
  issuer: "Sở Khoa học và Công nghệ"
  authority: "KT. GIÁM ĐỐC"
  signer: {name: "Nguyễn Văn An", role: "PHÓ GIÁM ĐỐC"}
  recipients: ["Các sở, ban, ngành", "Đảng ủy Sở"]
  addressees: ["Bộ Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh"]
  drafting_unit: KHTC
  drafter: NVA
  copies: 5
logo: {file: logo.png, height_mm: 12, description: "Biểu trưng Sở"}
"""
EXPECTED_LINES = (
    "UBND TỈNH THANH HÓA",
    "SỞ KHOA HỌC",
    "VÀ CÔNG NGHỆ",
    "Kính gửi:",
    "- Bộ Khoa học và Công nghệ;",
    "- Ủy ban nhân dân tỉnh.",
    "KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "Nguyễn Văn An",
    "Nơi nhận:",
    "- Như trên;",
    "- Các sở, ban, ngành;",
    "- Đảng ủy Sở;",
    "- Lưu: VT, KHTC, NVA (05).",
)
AUTHOR = "Sở Khoa học và Công nghệ tỉnh Thanh Hóa"
TITLE = (
    "Báo cáo kết quả công tác khoa học, công nghệ và chuyển đổi số năm 2025 "
    "và phương hướng, nhiệm vụ năm 2026 - Tỉnh Thanh Hóa"
)


def png(width: int = 300, height: int = 300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), LOGO_RGB).save(buffer, "PNG")
    return buffer.getvalue()


def flat(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text)


def docx_text(data: bytes) -> str:
    """Every paragraph of the DOCX body (tables included), one a line."""
    body = docx.Document(io.BytesIO(data)).element.body
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p")))


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_template(
        tmp_path_factory.mktemp("tpl") / "branded",
        '{% extends "official/brief.xml.j2" %}\n',
        SETTINGS,
    )
    (folder / "logo.png").write_bytes(png())
    return folder


@pytest.fixture(scope="module")
def brief(branded: Path) -> briefgen.Document:
    """Thanh Hóa 2025 of the national fixture: its record says only the date."""
    data = briefgen.load(NATIONAL)
    assert data.get("Thanh Hóa", 2025).report.signer is None
    return briefgen.build(data, province="Thanh Hóa", year=2025, template=branded)


@pytest.fixture(scope="module")
def pdf(brief: briefgen.Document) -> bytes:
    return brief.to_bytes("pdf")


@pytest.fixture(scope="module")
def docx_bytes(brief: briefgen.Document) -> bytes:
    return brief.to_bytes("docx")


@pytest.fixture(scope="module")
def rendered(
    docx_bytes: bytes, libreoffice: str, tmp_path_factory: pytest.TempPathFactory
) -> bytes:
    """LibreOffice's PDF of our DOCX."""
    out = tmp_path_factory.mktemp("lo")
    source = out / "branded.docx"
    source.write_bytes(docx_bytes)
    (converted,) = convert_to_pdf(libreoffice, [source], out)
    return converted.read_bytes()


# --------------------------------------------------------------------------- content


def test_every_setting_is_printed_in_the_pdf_with_its_metadata(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    for line in EXPECTED_LINES:
        assert line in text, line
    assert reader.metadata is not None
    assert reader.metadata["/Author"] == AUTHOR
    assert reader.metadata["/Title"] == TITLE
    # The logo is the only picture: charts are vector drawings.
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    assert images[0].image is not None and images[0].image.size == (300, 300)
    assert images[0].image.convert("RGB").getpixel((150, 150)) == LOGO_RGB


def test_every_setting_is_printed_in_the_docx_with_its_core_properties(docx_bytes: bytes) -> None:
    document = docx.Document(io.BytesIO(docx_bytes))
    text = flat(docx_text(docx_bytes))
    for line in EXPECTED_LINES:
        assert line in text, line
    assert document.core_properties.author == AUTHOR
    assert document.core_properties.title == TITLE

    def blob(shape: Any) -> bytes:
        blip = shape._inline.find(".//" + qn("a:blip"))
        data: bytes = document.part.related_parts[blip.get(qn("r:embed"))].blob
        return data

    (shape,) = [shape for shape in document.inline_shapes if blob(shape) == png()]
    assert (shape.width, shape.height) == (Mm(12), Mm(12))
    assert shape._inline.docPr.get("descr") == "Biểu trưng Sở"
    # It is in the letterhead, the document's first table.
    assert document.tables[0]._tbl.xpath(".//pic:pic")


def test_libreoffice_prints_every_setting_and_the_logo(rendered: bytes) -> None:
    reader = PdfReader(io.BytesIO(rendered))
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    for line in EXPECTED_LINES:
        assert line in text, line

    def is_logo(picture: Image.Image | None) -> bool:
        # LibreOffice resamples pictures to 300 dpi: the logo is known by its colour.
        if picture is None:
            return False
        width, height = picture.size
        return bool(picture.convert("RGB").getpixel((width // 2, height // 2)) == LOGO_RGB)

    logos = {image.data for page in reader.pages for image in page.images if is_logo(image.image)}
    assert len(logos) == 1


# --------------------------------------------------------------------------- layout


def _page_one(data: bytes) -> Any:
    return pdfplumber.open(io.BytesIO(data)).pages[0]


def _word(page: Any, text: str) -> dict[str, Any]:
    return next(w for w in page.extract_words() if w["text"] == text)


@pytest.mark.parametrize("source", ["pdf", "rendered"])
def test_the_logo_sits_beside_the_body_lines_which_stay_level_with_the_motto(
    source: str, request: pytest.FixtureRequest
) -> None:
    page = _page_one(request.getfixturevalue(source))
    (image,) = page.images
    assert image["x1"] - image["x0"] == pytest.approx(12 * MM, abs=0.5 * MM)
    assert image["bottom"] - image["top"] == pytest.approx(12 * MM, abs=0.5 * MM)
    assert image["x0"] == pytest.approx(30 * MM, abs=1.5 * MM)  # the left margin
    parent, motto = _word(page, "UBND"), _word(page, "CỘNG")
    assert image["x1"] < parent["x0"]
    assert parent["top"] == pytest.approx(motto["top"], abs=1.5)
    # No page number on page 1 (Decree 30), logo or not.
    assert not [w for w in page.extract_words() if w["bottom"] < 20 * MM]


def test_the_pdf_and_libreoffice_place_the_logo_alike(pdf: bytes, rendered: bytes) -> None:
    ours, theirs = _page_one(pdf).images[0], _page_one(rendered).images[0]
    for key in ("x0", "x1", "top", "bottom"):
        assert ours[key] == pytest.approx(theirs[key], abs=1 * MM), key


@pytest.mark.parametrize("source", ["pdf", "rendered"])
def test_several_addressees_align_their_dashes_under_the_colon(
    source: str, request: pytest.FixtureRequest
) -> None:
    page = _page_one(request.getfixturevalue(source))
    label = _word(page, "gửi:")
    colon = next(c for c in page.chars if c["text"] == ":" and c["x0"] >= label["x0"]
                 and abs(c["top"] - label["top"]) < 2)  # fmt: skip
    dashes = [
        c for c in page.chars
        if c["text"] == "-" and label["bottom"] < c["top"] < label["bottom"] + 40
    ]  # fmt: skip
    assert len(dashes) == 2
    assert dashes[0]["x0"] == pytest.approx(dashes[1]["x0"], abs=0.5)
    assert dashes[0]["x0"] == pytest.approx(colon["x0"], abs=2)
    # The block as a whole sits near the middle of the text width.
    middle = (30 * MM + (210 - 15) * MM) / 2
    assert _word(page, "Kính")["x0"] < middle < dashes[0]["x0"] + 120


# --------------------------------------------------------------------------- writers


def _letterhead(logo: m.Picture | None, position: m.LogoPosition = "left",
                left_width: float = 0.43) -> m.Letterhead:  # fmt: skip
    t = m.Text
    return m.Letterhead(
        left=(m.HeaderLine((t("UBND TỈNH NAM ĐỊNH"),), 13),),
        right=(m.HeaderLine((m.Strong((t("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),)),), 12),),
        left_foot=m.HeaderLine((t("Số: 05/BC-STTTT"),), 13),
        right_foot=m.HeaderLine((t("Nam Định, ngày 07 tháng 01 năm 2022"),), 14),
        left_width=left_width,
        logo=logo,
        logo_position=position,
    )


def _document(*blocks: m.Block) -> m.Document:
    return m.Document(blocks=blocks)


def test_a_logo_above_prints_centred_over_the_body_lines() -> None:
    letterhead = _letterhead(m.Picture(png(), 15, 15), "above")
    page = _page_one(pdf_writer.write(_document(letterhead)))
    (image,) = page.images
    parent = _word(page, "UBND")
    assert image["bottom"] < parent["top"]
    column_middle = 30 * MM + 0.43 * 165 * MM / 2
    assert (image["x0"] + image["x1"]) / 2 == pytest.approx(column_middle, abs=1)
    table = docx.Document(io.BytesIO(docx_writer.write(_document(letterhead)))).tables[0]
    assert len(table.columns) == 2
    first = table.cell(0, 0).paragraphs[0]
    assert first._p.find(".//" + qn("w:drawing")) is not None
    assert table.cell(0, 0).paragraphs[1].text == "UBND TỈNH NAM ĐỊNH"


def test_a_logo_too_wide_to_leave_the_lines_room_goes_above_them() -> None:
    letterhead = _letterhead(m.Picture(png(600, 300), 40, 20), "left", left_width=0.35)
    assert not letterhead.logo_beside(0.35 * 165)
    page = _page_one(pdf_writer.write(_document(letterhead)))
    assert page.images[0]["bottom"] < _word(page, "UBND")["top"]
    table = docx.Document(io.BytesIO(docx_writer.write(_document(letterhead)))).tables[0]
    assert len(table.columns) == 2


def test_beside_the_logo_the_docx_numbers_and_dates_level_across_the_full_columns() -> None:
    letterhead = _letterhead(m.Picture(png(), 12, 12))
    table = docx.Document(io.BytesIO(docx_writer.write(_document(letterhead)))).tables[0]
    assert len(table.columns) == 3
    foot = table.rows[1]._tr.tc_lst
    assert len(foot) == 2 and foot[0].grid_span == 2
    assert table.rows[1].cells[0].text == "Số: 05/BC-STTTT"


def test_a_single_addressee_prints_on_the_label_line_centred() -> None:
    block = m.Addressees(((m.Text("Ủy ban nhân dân tỉnh Thanh Hóa."),),), (m.Text("Kính gửi:"),))
    page = _page_one(pdf_writer.write(_document(block)))
    words = [w for w in page.extract_words() if abs(w["top"] - _word(page, "Kính")["top"]) < 2]
    centre = (words[0]["x0"] + words[-1]["x1"]) / 2
    assert centre == pytest.approx((30 * MM + 195 * MM) / 2, abs=2)
    (paragraph,) = docx.Document(io.BytesIO(docx_writer.write(_document(block)))).paragraphs
    assert paragraph.text == "Kính gửi: Ủy ban nhân dân tỉnh Thanh Hóa."
    assert paragraph.alignment is None or paragraph.alignment == 1  # centred (Compact style)
    assert paragraph.style is not None and paragraph.style.name == "Compact"


def test_a_long_addressee_wraps_under_its_text_not_under_its_dash() -> None:
    long = "- " + "Ủy ban nhân dân các huyện, thị xã, thành phố thuộc tỉnh " * 3 + ";"
    block = m.Addressees(((m.Text(long),), (m.Text("- Sở Tài chính."),)), (m.Text("Kính gửi:"),))
    page = _page_one(pdf_writer.write(_document(block)))
    lines = sorted({round(w["top"]) for w in page.extract_words()})
    assert len(lines) >= 4  # label, at least two lines of the long item, the short one
    firsts = [min((w for w in page.extract_words() if round(w["top"]) == top),
                  key=lambda w: w["x0"]) for top in lines[1:]]  # fmt: skip
    dash, wrapped = firsts[0], firsts[1]
    assert dash["text"] == "-" and wrapped["x0"] > dash["x1"]
    document = docx.Document(io.BytesIO(docx_writer.write(_document(block))))
    item = document.paragraphs[1].paragraph_format
    assert item.first_line_indent is not None and item.first_line_indent < 0
    assert item.left_indent is not None and item.left_indent > 0


@pytest.mark.parametrize("writer", [pdf_writer.write, docx_writer.write])
def test_an_unreadable_logo_is_an_output_error_naming_the_block(writer: Any) -> None:
    letterhead = _letterhead(m.Picture(b"\x89PNG broken", 12, 12))
    with pytest.raises(OutputError, match=r"blocks\[1\].*logo is not a readable picture"):
        writer(_document(m.Paragraph((m.Text("x"),)), letterhead))


def test_the_blank_date_line_prints_with_room_to_write(tmp_path: Path) -> None:
    raw = {"records": [{"province": "Thanh Hóa", "year": 2025,
                        "observations": {"postal_revenue": {"value": 130}}}]}  # fmt: skip
    path = tmp_path / "data.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    brief = briefgen.build(briefgen.load(path), province="38", year=2025)
    page = _page_one(brief.to_bytes("pdf"))
    day, month = _word(page, "ngày"), _word(page, "tháng")
    assert day["top"] == pytest.approx(month["top"], abs=1)
    assert month["x0"] - day["x1"] > 10  # room for "14" written by hand
    assert "năm" in [w["text"] for w in page.extract_words() if abs(w["top"] - day["top"]) < 1]
    blank = "\u00a0" * 6
    assert f"Thanh Hóa, ngày{blank}tháng{blank}năm 2025" in docx_text(brief.to_bytes("docx"))


def test_a_brief_with_a_logo_is_written_byte_identically_twice(
    brief: briefgen.Document,
) -> None:
    for fmt in ("pdf", "docx"):
        assert brief.to_bytes(fmt) == replace(brief).to_bytes(fmt)
