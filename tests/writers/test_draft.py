"""A draft is marked "DỰ THẢO" on every page, in PDF and DOCX, in the margin and over no text."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from conftest import convert_to_pdf

import briefgen
from briefgen import model as m

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def seeds() -> briefgen.Dataset:
    return briefgen.load(SEEDS)


def marks_and_words(data: bytes, label: str = "DỰ THẢO") -> list[tuple[dict, list[dict]]]:
    """Per page: the mark's words as one box (top-down coordinates), and the other words."""
    pages = []
    first, second = label.split() if " " in label else (label, None)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            found = page.extract_words()
            mark = [w for w in found if w["text"] in (first, second)]
            assert mark, f"page {page.page_number} has no {label!r}"
            box = {
                "x0": min(w["x0"] for w in mark),
                "x1": max(w["x1"] for w in mark),
                "top": min(w["top"] for w in mark),
                "bottom": max(w["bottom"] for w in mark),
            }
            others = [w for w in found if w not in mark]
            pages.append((box, others))
    return pages


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x0"] < b["x1"]
        and b["x0"] < a["x1"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_every_page_of_a_draft_pdf_carries_the_mark_in_the_top_margin(
    seeds: briefgen.Dataset,
) -> None:
    brief = briefgen.build(seeds, "38", 2020, draft=True)
    data = brief.to_bytes("pdf")
    pages = marks_and_words(data)
    assert len(pages) >= 3
    top_margin = 20 * MM
    for box, others in pages:
        assert box["bottom"] < top_margin  # above the text area
        assert box["x0"] >= 30 * MM - 1  # from the left edge of the text
        assert not [w["text"] for w in others if overlaps(box, w)]


def test_the_draft_mark_moves_no_text(seeds: briefgen.Dataset) -> None:
    plain = briefgen.build(seeds, "38", 2020)
    draft = plain.as_draft()
    with (
        pdfplumber.open(io.BytesIO(plain.to_bytes("pdf"))) as a,
        pdfplumber.open(io.BytesIO(draft.to_bytes("pdf"))) as b,
    ):
        assert len(a.pages) == len(b.pages)
        for before, after in zip(a.pages, b.pages, strict=True):
            kept = [w for w in after.extract_words() if w["text"] not in ("DỰ", "THẢO")]
            assert kept == before.extract_words()


def test_every_page_of_a_draft_docx_shows_the_mark_in_libreoffice(
    seeds: briefgen.Dataset, libreoffice: str, tmp_path: Path
) -> None:
    brief = briefgen.build(seeds, "38", 2020, draft=True)
    plain = briefgen.build(seeds, "38", 2020)
    draft_docx = brief.save(tmp_path / "draft.docx")
    plain_docx = plain.save(tmp_path / "plain.docx")
    draft_pdf, plain_pdf = convert_to_pdf(libreoffice, [draft_docx, plain_docx], tmp_path)
    pages = marks_and_words(draft_pdf.read_bytes())
    with pdfplumber.open(plain_pdf) as reference:
        assert len(pages) == len(reference.pages)
        unmarked = [page.extract_words() for page in reference.pages]
    for (box, others), before in zip(pages, unmarked, strict=True):
        assert box["bottom"] < 20 * MM  # in the top margin
        assert not [w["text"] for w in others if overlaps(box, w)]
        # Nothing else moved: LibreOffice lays the text out as without the mark.
        assert [(w["text"], round(w["x0"]), round(w["top"])) for w in others] == [
            (w["text"], round(w["x0"]), round(w["top"])) for w in before
        ]


def test_an_english_draft_says_draft(seeds: briefgen.Dataset) -> None:
    brief = briefgen.build(seeds, "36", 2021, template="en", draft=True)
    with pdfplumber.open(io.BytesIO(brief.to_bytes("pdf"))) as pdf:
        for page in pdf.pages:
            assert "DRAFT" in [w["text"] for w in page.extract_words()][:3]


def test_the_model_dump_says_draft(seeds: briefgen.Dataset) -> None:
    brief = briefgen.build(seeds, "36", 2021, draft=True)
    assert brief.dump().splitlines()[0].endswith(" draft")
    assert not briefgen.build(seeds, "36", 2021).dump().splitlines()[0].endswith(" draft")
    assert brief.as_draft(False).draft is False


def test_a_draft_with_no_page_numbers_and_a_single_page_is_marked(tmp_path: Path) -> None:
    page = m.PageSetup(number_pages=False)
    document = m.Document(blocks=(m.Paragraph((m.Text("Một trang."),)),), page=page, draft=True)
    from briefgen.writers import render

    ((_, others),) = marks_and_words(render(document, "pdf"))
    assert [w["text"] for w in others] == ["Một", "trang."]
    assert render(document, "docx")  # a header is made where there was none
