"""End to end through the public API: every seed record to PDF and DOCX, read back."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import docx
import pytest
from conftest import convert_to_pdf
from pypdf import PdfReader

import briefgen
from briefgen import model as m
from briefgen.errors import (
    RecordNotFoundError,
    TemplateError,
    UnknownProvinceError,
    UsageError,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"

# The figures each record must show, in Vietnamese format, and words that
# belong to other records only (nothing of another province may leak in).
EXPECTED: dict[tuple[str, int], tuple[str, ...]] = {
    ("Nam Định", 2021): (
        "UBND TỈNH NAM ĐỊNH",
        "Nam Định, ngày 07 tháng 01 năm 2022",
        "xếp thứ 11/63 tỉnh, thành phố",
        "14/63",
        "6/63",
        "130 tỷ đồng",
        "tăng 8,3% so với cùng kỳ năm 2020",
        "đạt 118% kế hoạch năm 2021",
        "Trần Lê Đoài",
        "huyện Hải Hậu",
        "32.000",
    ),
    ("Thanh Hóa", 2020): (
        "UBND TỈNH THANH HÓA",
        "Thanh Hóa, ngày 11 tháng 01 năm 2021",
        "3.630 tỷ đồng",
        "100,6%",
        "200 tỷ đồng",
        "2.890.000 thuê bao",
        "100,67%",
        "1.800.000 thuê bao",
        "49,8 thuê bao/100 dân",
        "105,88%",
        "56,35%",
        "57,53%",
        "615",
        "2.916.000 thuê bao",
        "80 máy/100 dân",
        "1.830.000 thuê bao",
        "50,6 thuê bao/100 dân",
        "3.745 tỷ đồng",
        "Đỗ Hữu Quyết",
    ),
    ("Bắc Giang", 2022): (
        "UBND TỈNH BẮC GIANG",
        "Bắc Giang, ngày 29 tháng 12 năm 2022",
        "1.850.000 thuê bao",
        "tăng 2,8% so với cùng kỳ năm 2021",
        "1.720.000 thuê bao",
        "tăng 1,2%",
        "Chỉ số chuyển đổi số (DTI) năm 2021 xếp thứ 10/63 tỉnh, thành phố",
        "nhóm 10 tỉnh, thành phố dẫn đầu",
    ),
    ("Bắc Kạn", 2020): (
        "UBND TỈNH BẮC KẠN",
        "Bắc Kạn, ngày 06 tháng 01 năm 2021",
        "60%",
        "vượt chỉ tiêu 30%",
        "Vi Hương",
        "Hà Văn Tiến",
    ),
}
DECREE_HEADER = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "BÁO CÁO",
    "Nơi nhận:",
)
PROVINCE_WORDS = ("Nam Định", "Thanh Hóa", "Bắc Giang", "Bắc Kạn")


@pytest.fixture(scope="module")
def dataset() -> briefgen.Dataset:
    return briefgen.load(SEEDS)


@pytest.fixture(scope="module")
def rendered(dataset: briefgen.Dataset) -> dict[tuple[str, int], dict[str, bytes]]:
    out: dict[tuple[str, int], dict[str, bytes]] = {}
    for key in EXPECTED:
        brief = briefgen.build(dataset, province=key[0], year=key[1])
        out[key] = {"pdf": brief.to_bytes("pdf"), "docx": brief.to_bytes("docx")}
    return out


def _flat(text: str) -> str:
    """NFC text with all white space runs (line wraps) folded to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def pdf_text(data: bytes) -> str:
    return _flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return _flat("\n".join(parts))


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]}")
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_each_record_shows_its_figures_in_vietnamese_format(
    rendered: dict[tuple[str, int], dict[str, bytes]], key: tuple[str, int], fmt: str
) -> None:
    text = pdf_text(rendered[key][fmt]) if fmt == "pdf" else docx_text(rendered[key][fmt])
    for expected in EXPECTED[key] + DECREE_HEADER:
        assert expected in text, f"{expected!r} missing from the {fmt} of {key}"
    assert "\u25a0" not in text and "\ufffd" not in text
    for other in PROVINCE_WORDS:
        if other != key[0]:
            assert other not in text, f"{other} leaks into the {fmt} of {key}"


def test_sections_without_data_are_left_out(
    rendered: dict[tuple[str, int], dict[str, bytes]],
) -> None:
    bac_kan = docx_text(rendered[("Bắc Kạn", 2020)]["docx"])
    assert "Chính quyền điện tử và dịch vụ công trực tuyến" in bac_kan
    for absent in ("Viễn thông và Internet", "Bưu chính", "Các chỉ số xếp hạng"):
        assert not re.search(rf"\d\. {absent}", bac_kan), absent


def test_every_seed_brief_has_at_least_one_chart(dataset: briefgen.Dataset) -> None:
    for key in EXPECTED:
        brief = briefgen.build(dataset, province=key[0], year=key[1])
        charts = brief.charts()
        assert charts, key
        assert all(c.image is not None for c in charts)


def test_two_renders_are_byte_identical(dataset: briefgen.Dataset) -> None:
    first = briefgen.build(dataset, province="Thanh Hóa", year=2020)
    second = briefgen.build(dataset, province="38", year=2020)
    for fmt in ("pdf", "docx"):
        assert first.to_bytes(fmt) == second.to_bytes(fmt)


def test_build_names_the_brief_with_an_ascii_slug(dataset: briefgen.Dataset) -> None:
    brief = briefgen.build(dataset, province="Thanh Hoá", year=2020)
    assert brief.name == "thanh-hoa-2020-official"


def test_save_picks_the_format_from_the_suffix_and_writes_atomically(
    dataset: briefgen.Dataset, tmp_path: Path
) -> None:
    brief = briefgen.build(dataset, province="Nam Định", year=2021)
    pdf = brief.save(tmp_path / "brief.pdf")
    word = brief.save(tmp_path / "brief.docx")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert word.read_bytes().startswith(b"PK")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.docx", "brief.pdf"]


def test_save_into_a_folder_uses_the_brief_name(dataset: briefgen.Dataset, tmp_path: Path) -> None:
    brief = briefgen.build(dataset, province="Nam Định", year=2021)
    assert brief.save(tmp_path, "docx").name == "nam-dinh-2021-official.docx"


def test_markup_like_record_text_renders_literally(tmp_path: Path) -> None:
    data = tmp_path / "data.yaml"
    data.write_text(
        "records:\n"
        "  - province: Nam Định\n"
        "    year: 2021\n"
        "    observations:\n"
        "      postal_revenue: {value: 130, note: 'A < B & C <b>x</b>'}\n"
        "    highlights: ['Sở TT&TT <chart/> {{ 7*7 }}']\n",
        "utf-8",
    )
    brief = briefgen.build(briefgen.load(data), province="Nam Định", year=2021)
    for text in (pdf_text(brief.to_bytes("pdf")), docx_text(brief.to_bytes("docx"))):
        assert "A < B & C <b>x</b>" in text
        assert "Sở TT&TT <chart/> {{ 7*7 }}" in text
    assert len(brief.charts()) == 0 or all("7*7" not in c.spec.title for c in brief.charts())


def test_unknown_record_and_bad_arguments_are_clear_errors(dataset: briefgen.Dataset) -> None:
    with pytest.raises(RecordNotFoundError, match="no record for Nam Định in 2019"):
        briefgen.build(dataset, province="Nam Định", year=2019)
    with pytest.raises(UnknownProvinceError, match="merged into Tỉnh Ninh Bình"):
        briefgen.build(dataset, province="Nam Định", year=2026)
    with pytest.raises(UsageError, match="year must be an integer"):
        briefgen.build(dataset, province="Nam Định", year="2021")  # type: ignore[arg-type]
    with pytest.raises(TemplateError, match=r"unknown template 'oficial'.*did you mean 'official'"):
        briefgen.build(dataset, province="Nam Định", year=2021, template="oficial")


def test_libreoffice_opens_each_docx_and_agrees_on_page_count(
    rendered: dict[tuple[str, int], dict[str, bytes]], libreoffice: str, tmp_path: Path
) -> None:
    for key, outputs in rendered.items():
        stem = f"{key[0].replace(' ', '_')}-{key[1]}"
        source = tmp_path / f"{stem}.docx"
        source.write_bytes(outputs["docx"])
        (converted,) = convert_to_pdf(libreoffice, [source], tmp_path / "lo")
        theirs = len(PdfReader(converted).pages)
        ours = len(PdfReader(io.BytesIO(outputs["pdf"])).pages)
        assert abs(theirs - ours) <= 1, f"{key}: LibreOffice {theirs} pages, ours {ours}"
        assert "Độc lập - Tự do - Hạnh phúc" in _flat(
            "\n".join(p.extract_text() for p in PdfReader(converted).pages)
        )


def test_official_brief_uses_decree_30_page_setup(dataset: briefgen.Dataset) -> None:
    brief = briefgen.build(dataset, province="Nam Định", year=2021)
    margins = brief.page.margins
    assert brief.page.size_mm == (210.0, 297.0)
    assert 20 <= margins.top <= 25 and 20 <= margins.bottom <= 25
    assert 30 <= margins.left <= 35 and 15 <= margins.right <= 20
    assert 13 <= brief.style.size_pt <= 14
    assert not brief.page.number_first_page
    assert isinstance(brief.blocks[0], m.Letterhead)
    assert isinstance(brief.blocks[-1], m.Signature)


def test_real_brief_pages_are_a4_numbered_from_page_two(
    rendered: dict[tuple[str, int], dict[str, bytes]],
) -> None:
    reader = PdfReader(io.BytesIO(rendered[("Thanh Hóa", 2020)]["pdf"]))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.5)

    def topmost(page_index: int) -> str:
        found: list[tuple[float, str]] = []

        def visit(text: str, cm: object, tm: list[float], font: object, size: object) -> None:
            if text.strip():
                found.append((tm[5], text.strip()))

        reader.pages[page_index].extract_text(visitor_text=visit)
        return max(found)[1]

    assert not topmost(0).isdigit()
    assert topmost(1) == "2"


def test_real_docx_is_a4_with_decree_30_margins(
    rendered: dict[tuple[str, int], dict[str, bytes]],
) -> None:
    section = docx.Document(io.BytesIO(rendered[("Nam Định", 2021)]["docx"])).sections[0]
    mm = 36000  # EMU per millimetre; margins are stored in whole twips (±0.02 mm)
    assert section.page_width is not None and abs(section.page_width / mm - 210) < 0.5
    assert section.page_height is not None and abs(section.page_height / mm - 297) < 0.5
    assert 30 - 0.02 <= section.left_margin / mm <= 35 + 0.02  # type: ignore[operator]
    assert 15 - 0.02 <= section.right_margin / mm <= 20 + 0.02  # type: ignore[operator]
    assert 20 - 0.02 <= section.top_margin / mm <= 25 + 0.02  # type: ignore[operator]
    assert section.different_first_page_header_footer


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_en_template_uses_english_labels_numbers_and_dates(
    dataset: briefgen.Dataset, fmt: str
) -> None:
    brief = briefgen.build(dataset, province="Thanh Hóa", year=2020, template="en")
    data = brief.to_bytes(fmt)
    text = pdf_text(data) if fmt == "pdf" else docx_text(data)
    for expected in (
        "THANH HÓA PROVINCE",
        "Telephone subscribers: 2,890,000 subscribers, 100.67% of the 2020 plan",
        "density 49.8 per 100 inhabitants",
        "VND 3,630 billion",
        "11 January 2021",
        "ranked 3rd of 63 nationally",
        "2,916,000 subscribers (up 0.9% on 2020)",
    ):
        assert expected in text, expected
    assert "2.890.000" not in text
    assert brief.meta.language == "en"


def test_the_public_api_is_importable_from_the_package() -> None:
    from briefgen.batch import BatchReport, render_batch

    assert briefgen.render_batch is render_batch
    assert briefgen.BatchReport is BatchReport
    assert {"load", "build", "render_batch", "Dataset", "Document"} <= set(dir(briefgen))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = briefgen.nope  # type: ignore[attr-defined]


def test_importing_briefgen_loads_no_heavy_dependency() -> None:
    """``import briefgen`` is lazy: a script that only formats numbers or draws charts
    (or a spawned worker) does not pay for the template engine or the writers."""
    import subprocess
    import sys

    probe = (
        "import sys, briefgen, briefgen.charts, briefgen.text;"
        "print(sorted(m for m in ('jinja2', 'pydantic', 'reportlab', 'docx', 'yaml')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("template", ["official", "en", "summary"])
def test_a_brief_is_dated_the_day_its_report_is_issued(template: str) -> None:
    data = briefgen.load(SEEDS)
    brief = briefgen.build(data, province="Nam Định", year=2021, template=template)
    info = PdfReader(io.BytesIO(brief.to_bytes("pdf"))).metadata
    assert info is not None and info["/CreationDate"] == "D:20220107000000+07'00'"
    core = docx.Document(io.BytesIO(brief.to_bytes("docx"))).core_properties
    assert core.created is not None and core.created.isoformat() == "2022-01-06T17:00:00+00:00"
    assert "date=2022-01-07" in brief.dump().splitlines()[0]
