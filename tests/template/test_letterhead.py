"""The official letterhead of every province, as printed: in the PDF and in LibreOffice's
rendering of the DOCX, the place-and-date line is one line and no place name is broken.

The 63 units of 2024 and the 34 of 2025 (the national fixture), with the report date
and without one (the blank "ngày      tháng      năm" line is as long).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest
from conftest import convert_to_pdf, write_template

import briefgen
from briefgen import model as m
from briefgen.data.dataset import Dataset, from_records

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
YEARS = (2024, 2025)

# The official template with its letterhead only: what this test reads, and quick to convert.
BLOCKS = ("title", "addressees", "intro", "merger_note", "results", "indicators", "charts",
          "goals", "closing", "signature")  # fmt: skip
LETTERHEAD_ONLY = '{% extends "official/brief.xml.j2" %}\n' + "".join(
    f"{{% block {name} %}}{{% endblock %}}\n" for name in BLOCKS
)


@pytest.fixture(scope="module")
def letterhead_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("templates") / "letterhead", LETTERHEAD_ONLY)


def _undated() -> Dataset:
    records = [
        e.record.model_copy(update={"report": e.record.report.model_copy(update={"date": None})})
        for e in NATIONAL.entries
        if e.record.year in YEARS
    ]
    return from_records(records)


CASES = {"dated": NATIONAL, "undated": _undated()}


def _briefs(template: Path, dataset: Dataset) -> Iterator[briefgen.Document]:
    for entry in dataset.entries:
        if entry.record.year in YEARS:
            yield briefgen.build(
                dataset, province=entry.unit.code, year=entry.record.year, template=template
            )


def _lines(page: pdfplumber.page.Page) -> list[str]:
    """The page's lines of text, left to right, whitespace removed (NBSP blanks too)."""
    rows: list[list[dict[str, object]]] = []
    for word in sorted(page.extract_words(), key=lambda w: (w["bottom"], w["x0"])):
        if rows and abs(float(rows[-1][0]["bottom"]) - float(word["bottom"])) <= 2:  # type: ignore[arg-type]
            rows[-1].append(word)
        else:
            rows.append([word])
    return [
        "".join(str(w["text"]) for w in sorted(row, key=lambda w: float(w["x0"])))  # type: ignore[arg-type]
        for row in rows
    ]


def _bare(text: str) -> str:
    return "".join(text.split())


def _check(brief: briefgen.Document, pdf: bytes, where: str) -> None:
    """The date line on one line; the parent body's place on one line (after "UBND …")."""
    letterhead = next(b for b in brief.blocks if isinstance(b, m.Letterhead))
    assert letterhead.right_foot is not None
    dateline = _bare(m.plain(letterhead.right_foot.content))
    parent = m.plain(letterhead.left[0].content)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1, where
        lines = _lines(document.pages[0])
    assert any(dateline in line for line in lines), (where, dateline, lines)
    place = parent.split("\n")[-1].removeprefix("UBND TỈNH ").removeprefix("UBND THÀNH PHỐ ")
    assert any(_bare(place) in line for line in lines), (where, parent, lines)


@pytest.mark.parametrize("case", CASES)
def test_every_pdf_letterhead_keeps_its_date_line_and_place_names_whole(
    letterhead_only: Path, case: str
) -> None:
    count = 0
    for brief in _briefs(letterhead_only, CASES[case]):
        _check(brief, brief.to_bytes("pdf"), f"{brief.name}.pdf")
        count += 1
    assert count == 63 + 34


@pytest.mark.parametrize("case", CASES)
def test_every_docx_letterhead_keeps_its_date_line_and_place_names_whole_in_libreoffice(
    letterhead_only: Path, case: str, libreoffice: str, tmp_path: Path
) -> None:
    briefs = list(_briefs(letterhead_only, CASES[case]))
    sources = []
    for brief in briefs:
        source = tmp_path / f"{brief.name}.docx"
        source.write_bytes(brief.to_bytes("docx"))
        sources.append(source)
    converted = convert_to_pdf(libreoffice, sources, tmp_path / "lo")
    assert len(converted) == 63 + 34
    for brief, pdf in zip(briefs, converted, strict=True):
        _check(brief, pdf.read_bytes(), f"{brief.name}.docx")


@pytest.mark.parametrize(
    ("code", "year", "left", "size"),
    [
        ("77", 2024, ["UBND TỈNH\nBÀ RỊA - VŨNG TÀU", "SỞ THÔNG TIN VÀ\nTRUYỀN THÔNG"], 13),
        ("79", 2025, ["UBND THÀNH PHỐ\nHỒ CHÍ MINH", "SỞ KHOA HỌC\nVÀ CÔNG NGHỆ"], 13),
        ("36", 2024, ["UBND TỈNH NAM ĐỊNH", "SỞ THÔNG TIN VÀ\nTRUYỀN THÔNG"], 14),
        ("37", 2025, ["UBND TỈNH NINH BÌNH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"], 14),
    ],
)
def test_long_names_break_as_a_clerk_breaks_them_and_a_long_date_line_is_13_pt(
    code: str, year: int, left: list[str], size: float
) -> None:
    brief = briefgen.build(NATIONAL, province=code, year=year)
    letterhead = next(b for b in brief.blocks if isinstance(b, m.Letterhead))
    assert [m.plain(line.content) for line in letterhead.left] == left
    assert letterhead.right_foot is not None and letterhead.right_foot.size_pt == size
