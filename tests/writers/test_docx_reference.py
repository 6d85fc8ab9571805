"""A template's reference.docx: its styles and header artwork carry into our DOCX."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from conftest import _tiny_png, convert_to_pdf
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

import briefgen

ROOT = Path(__file__).resolve().parents[2]


def _reference(path: Path) -> None:
    """A Word document with its own Normal style, a logo in the header and body text."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    header = document.sections[0].header.paragraphs[0]
    header.add_run().add_picture(io.BytesIO(_tiny_png(30, 10, 100)), width=Mm(30))
    document.add_paragraph("THIS BODY TEXT MUST NOT APPEAR")
    document.save(str(path))


@pytest.fixture
def branded(tmp_path: Path) -> Path:
    folder = tmp_path / "branded"
    folder.mkdir()
    (folder / "template.yaml").write_text("name: branded\nextends: official\n", "utf-8")
    (folder / "brief.xml.j2").write_text('{% extends "official/brief.xml.j2" %}\n', "utf-8")
    _reference(folder / "reference.docx")
    return folder


@pytest.fixture
def rendered(branded: Path) -> bytes:
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    brief = briefgen.build(data, province="Nam Định", year=2021, template=branded)
    assert brief.reference_docx is not None
    return brief.to_bytes("docx")


def test_reference_styles_win_over_the_templates_typography(rendered: bytes) -> None:
    normal = docx.Document(io.BytesIO(rendered)).styles["Normal"]
    assert normal.font.name == "Arial"
    assert normal.font.size == Pt(11)


def test_reference_header_artwork_is_kept_and_its_body_dropped(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    header = document.sections[0].header
    assert header._element.xpath(".//w:drawing")
    texts = [p.text for p in document.paragraphs]
    assert "THIS BODY TEXT MUST NOT APPEAR" not in texts
    assert any("Nam Định" in t for t in texts)
    section = document.sections[0]
    assert abs(section.page_width.mm - 210) < 0.5  # type: ignore[union-attr]


def test_without_a_reference_the_writer_uses_its_own_styles() -> None:
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    brief = briefgen.build(data, province="Nam Định", year=2021)
    assert brief.reference_docx is None
    normal = docx.Document(io.BytesIO(brief.to_bytes("docx"))).styles["Normal"]
    assert normal.font.name == "Times New Roman"


def test_a_broken_reference_is_a_clear_error_before_anything_is_rendered(
    branded: Path,
) -> None:
    (branded / "reference.docx").write_bytes(b"not a zip")
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    with pytest.raises(briefgen.TemplateError, match=r"reference\.docx is not a Word document"):
        briefgen.build(data, province="Nam Định", year=2021, template=branded)


def test_a_reference_without_the_table_grid_style_gets_it_for_its_tables(
    branded: Path,
) -> None:
    # Word writes "Table Grid" into styles.xml only once a table has used it.
    document = docx.Document(str(branded / "reference.docx"))
    grid = document.styles["Table Grid"].element
    grid.getparent().remove(grid)
    document.save(str(branded / "reference.docx"))
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    brief = briefgen.build(data, province="Nam Định", year=2021, template=branded)
    written = docx.Document(io.BytesIO(brief.to_bytes("docx")))
    data_tables = [
        t for t in written.tables if t.style is not None and t.style.name == "Table Grid"
    ]
    assert data_tables, "the indicator table has the Table Grid style"
    borders = data_tables[0].style.element.find(qn("w:tblPr")).find(qn("w:tblBorders"))
    assert borders is not None and borders.find(qn("w:insideH")) is not None
    # Added once, not once per table.
    assert [s.name for s in written.styles if s.name == "Table Grid"] == ["Table Grid"]


def test_libreoffice_opens_the_branded_docx(
    rendered: bytes, libreoffice: str, tmp_path: Path
) -> None:
    source = tmp_path / "branded.docx"
    source.write_bytes(rendered)
    (converted,) = convert_to_pdf(libreoffice, [source], tmp_path)
    assert converted.stat().st_size > 0
