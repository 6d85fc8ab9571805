"""The summary template is exactly one A4 page, in PDF and (through LibreOffice) in DOCX."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import convert_to_pdf
from pypdf import PdfReader

import briefgen
from briefgen import model as m

ROOT = Path(__file__).resolve().parents[2]
DATA = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
KEYS = [(e.unit.code, e.record.year) for e in DATA.entries]


@pytest.fixture(scope="module")
def briefs() -> dict[tuple[str, int], briefgen.Document]:
    return {
        key: briefgen.build(DATA, province=key[0], year=key[1], template="summary") for key in KEYS
    }


@pytest.mark.parametrize("key", KEYS, ids=lambda k: f"{k[0]}-{k[1]}")
def test_summary_pdf_is_one_page(
    briefs: dict[tuple[str, int], briefgen.Document], key: tuple[str, int]
) -> None:
    assert len(PdfReader(io.BytesIO(briefs[key].to_bytes("pdf"))).pages) == 1


def _libreoffice_pages(
    libreoffice: str, briefs: dict[tuple[str, int], briefgen.Document], folder: Path
) -> dict[str, int]:
    """Pages of each brief's DOCX as LibreOffice lays it out, by file name."""
    sources = []
    for key, brief in briefs.items():
        source = folder / f"{key[0]}-{key[1]}.docx"
        source.write_bytes(brief.to_bytes("docx"))
        sources.append(source)
    converted = convert_to_pdf(libreoffice, sources, folder / "lo")
    return {s.name: len(PdfReader(c).pages) for s, c in zip(sources, converted, strict=True)}


def test_summary_docx_is_one_page_in_libreoffice(
    briefs: dict[tuple[str, int], briefgen.Document], libreoffice: str, tmp_path: Path
) -> None:
    pages = _libreoffice_pages(libreoffice, briefs, tmp_path)
    assert set(pages.values()) == {1}, pages


def test_summary_tiles_colour_trends_by_what_is_better(
    briefs: dict[tuple[str, int], briefgen.Document],
) -> None:
    tiles = next(b for b in briefs[("36", 2021)].blocks if isinstance(b, m.Tiles))
    postal = next(t for t in tiles.tiles if m.plain(t.label) == "Doanh thu bưu chính")
    assert (postal.trend, postal.good) == ("up", True)
    assert m.plain(postal.value) == "130 tỷ đồng"
    assert m.plain(postal.note) == "+8,3% so với 2020"


def test_summary_shows_national_positions_and_at_most_three_highlights(
    briefs: dict[tuple[str, int], briefgen.Document],
) -> None:
    for brief in briefs.values():
        lists = [b for b in brief.blocks if isinstance(b, m.ListBlock)]
        assert lists and len(lists[-1].items) <= 3
    texts = list(m.texts(briefs[("38", 2020)]))
    assert "Vị trí trên toàn quốc" in texts
    assert any("3/63" in t for t in texts)


NATIONAL = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
# A spread of the national fixture: every year, both eras; its briefs carry two charts.
NATIONAL_KEYS = [(e.unit.code, e.record.year) for e in NATIONAL.entries[::7]]


def test_national_summaries_with_their_charts_are_one_page() -> None:
    for code, year in NATIONAL_KEYS:
        brief = briefgen.build(NATIONAL, province=code, year=year, template="summary")
        assert len(brief.charts()) == 2, (code, year)
        pages = len(PdfReader(io.BytesIO(brief.to_bytes("pdf"))).pages)
        assert pages == 1, (code, year, pages)


def test_national_summary_docx_is_one_page_in_libreoffice(libreoffice: str, tmp_path: Path) -> None:
    briefs = {
        (code, year): briefgen.build(NATIONAL, province=code, year=year, template="summary")
        for code, year in (("01", 2025), ("38", 2024), ("79", 2019))
    }
    pages = _libreoffice_pages(libreoffice, briefs, tmp_path)
    assert set(pages.values()) == {1}, pages


def test_every_2025_summary_is_one_page_in_pdf_and_in_libreoffice(
    libreoffice: str, tmp_path: Path
) -> None:
    """All 34 units of 2025, the 23 merged ones with their merger note and the "(*)"
    legend at the foot (which take their room from the charts)."""
    units = [e.unit.code for e in NATIONAL.entries if e.record.year == 2025]
    briefs = {
        (code, 2025): briefgen.build(NATIONAL, province=code, year=2025, template="summary")
        for code in units
    }
    assert len(briefs) == 34
    for key, brief in briefs.items():
        assert len(PdfReader(io.BytesIO(brief.to_bytes("pdf"))).pages) == 1, key
    blocks = briefs[("37", 2025)].blocks
    ninh_binh = [m.plain(b.content) for b in blocks if isinstance(b, m.Paragraph)]
    assert "(*) Tính từ số liệu năm trước; báo cáo không nêu trực tiếp." in ninh_binh
    assert any(p.startswith("Ghi chú: Tỉnh Ninh Bình hình thành") for p in ninh_binh)
    assert any(p.startswith("Nguồn:") for p in ninh_binh)
    pages = _libreoffice_pages(libreoffice, briefs, tmp_path)
    assert set(pages.values()) == {1}, {name: n for name, n in pages.items() if n != 1}
