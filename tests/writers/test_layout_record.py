"""The PDF writer's layout record: where the signature block landed, read back from the page."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest
from reportlab.platypus import KeepTogether  # type: ignore[import-untyped]

import briefgen
from briefgen import model as m
from briefgen.writers import pdf as pdf_writer
from briefgen.writers.layout import PdfLayout, Rect
from briefgen.writers.pdf import write, write_with_layout

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
MM = 72 / 25.4


def t(text: str) -> m.Inlines:
    return (m.Text(text),)


def signature_block(room_mm: float | None = None) -> m.Signature:
    return m.Signature(
        authority=(t("KT. GIÁM ĐỐC"), t("PHÓ GIÁM ĐỐC")),
        name=t("Nguyễn Văn Ánh"),
        recipients=(t("- UBND tỉnh;"), t("- Bộ Thông tin và Truyền thông;"), t("- Lưu: VT, VP.")),
        recipients_label=t("Nơi nhận:"),
        room_mm=room_mm,
    )


def document(*blocks: m.Block, draft: bool = False) -> m.Document:
    return m.Document(blocks=blocks, draft=draft)


def words(data: bytes, page: int) -> list[tuple[str, Rect]]:
    """The words of a page with their boxes in PDF space (origin bottom left)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        sheet = pdf.pages[page]
        return [
            (w["text"], Rect(w["x0"], sheet.height - w["bottom"], w["x1"], sheet.height - w["top"]))
            for w in sheet.extract_words()
        ]


def box_of(found: list[tuple[str, Rect]], text: str) -> Rect:
    parts = text.split()
    for start in range(len(found)):
        chunk = found[start : start + len(parts)]
        if [w for w, _ in chunk] == parts:
            boxes = [r for _, r in chunk]
            return Rect(
                min(b.x0 for b in boxes),
                min(b.y0 for b in boxes),
                max(b.x1 for b in boxes),
                max(b.y1 for b in boxes),
            )
    raise AssertionError(f"{text!r} not found")


def assert_record_matches_the_page(data: bytes, layout: PdfLayout) -> None:
    block = layout.signature
    assert block is not None
    found = words(data, block.page)
    first, second = (box_of(found, line) for line in ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"))
    name = box_of(found, "Nguyễn Văn Ánh")
    assert block.authority[0].contains(first) and block.authority[1].contains(second)
    assert block.name[0].contains(name)
    # The gap (box 7c) lies between the title's last line and the name, across the column.
    assert name.y1 <= block.gap.y0 + 0.01 and block.gap.y1 <= second.y0 + 0.01 + 4
    assert block.gap.y0 < block.gap.y1
    assert block.column.contains(block.gap) and block.column.contains(first)
    # Everything the block prints is among the boxes to avoid.
    for text in ("Nơi nhận:", "- UBND tỉnh;", "- Bộ Thông tin và Truyền thông;", "- Lưu: VT, VP."):
        printed = box_of(found, text)
        assert any(avoid.contains(printed) for avoid in block.avoid), text
    for text_box in (first, second, name):
        assert any(avoid.contains(text_box) for avoid in block.avoid)


def test_the_record_says_where_the_signature_block_landed() -> None:
    data, layout = write_with_layout(document(m.Paragraph(t("Nội dung.")), signature_block()))
    assert layout.pages == 1 and layout.signature is not None and layout.signature.page == 0
    assert_record_matches_the_page(data, layout)
    assert layout.text_area == Rect(30 * MM, 20 * MM, 195 * MM, 277 * MM)
    assert not layout.draft


def test_the_record_follows_the_block_to_a_later_page() -> None:
    filler = [
        m.Paragraph(t(f"Đoạn văn số {i} của báo cáo, đủ dài để chiếm chỗ.")) for i in range(60)
    ]
    data, layout = write_with_layout(document(*filler, signature_block()))
    assert layout.pages >= 2
    assert layout.signature is not None and layout.signature.page == layout.pages - 1
    assert_record_matches_the_page(data, layout)


def test_the_record_holds_when_the_block_is_kept_together_with_the_closing_paragraph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pagination may wrap the last paragraph and the signature in one KeepTogether that
    moves to the next page whole: the record notes where it is finally drawn."""
    story = pdf_writer._StoryBuilder.story

    def kept_together(self: object, blocks: object) -> list[object]:
        flowables = story(self, blocks)  # type: ignore[arg-type]
        return [*flowables[:-2], KeepTogether(flowables[-2:])]

    monkeypatch.setattr(pdf_writer._StoryBuilder, "story", kept_together)
    # Enough text that the closing paragraph and the block no longer fit on page 1.
    filler = [
        m.Paragraph(t(f"Đoạn văn số {i} của báo cáo, đủ dài để chiếm chỗ.")) for i in range(25)
    ]
    closing = m.Paragraph(t("Trên đây là báo cáo kết quả công tác năm 2021./."))
    data, layout = write_with_layout(document(*filler, closing, signature_block()))
    assert layout.signature is not None and layout.signature.page == layout.pages - 1 >= 1
    assert_record_matches_the_page(data, layout)
    closing_box = box_of(words(data, layout.signature.page), "Trên đây là báo cáo")
    assert closing_box.y0 > layout.signature.column.y1  # moved together, above the block


def test_room_mm_sets_the_gap_between_title_and_name() -> None:
    _, default = write_with_layout(document(signature_block()))
    _, roomy = write_with_layout(document(signature_block(room_mm=42)))
    assert default.signature is not None and roomy.signature is not None
    assert default.signature.gap.height == pytest.approx(25 * MM, abs=0.1)
    assert roomy.signature.gap.height == pytest.approx(42 * MM, abs=0.1)


def test_the_record_is_stored_in_the_pdf_and_read_back_equal() -> None:
    from briefgen.finish.sign import read_layout

    data, layout = write_with_layout(document(signature_block(), draft=True))
    assert read_layout(data) == layout
    assert layout.draft


def test_a_document_without_signature_block_records_none() -> None:
    _, layout = write_with_layout(document(m.Paragraph(t("Chỉ một đoạn."))))
    assert layout.signature is None and layout.pages == 1
    assert PdfLayout.from_json(layout.to_json()) == layout


def test_write_gives_the_same_bytes_as_write_with_layout(sample_document: m.Document) -> None:
    assert write(sample_document) == write_with_layout(sample_document)[0]
    brief = briefgen.build(briefgen.load(SEEDS), "36", 2021)
    assert brief.to_bytes("pdf") == write_with_layout(brief.fitted())[0]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"briefgen_layout": 2}',
        '{"briefgen_layout": 1, "page_size": [1, 2], "text_area": [0, 0, 1], "pages": 1}',
        '{"briefgen_layout": 1, "page_size": [1, 2], "text_area": [0, 0, 1, 1], "pages": 0}',
        '{"briefgen_layout": 1, "page_size": [1, 2], "text_area": [0, 0, 1, 1], "pages": 1,'
        ' "signature": {"page": -1}}',
    ],
)
def test_a_damaged_record_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        PdfLayout.from_json(text)


def test_rect_geometry() -> None:
    a = Rect(0, 0, 10, 10)
    assert a.overlaps(Rect(5, 5, 15, 15)) and not a.overlaps(Rect(10, 0, 20, 10))
    assert a.contains(Rect(1, 1, 9, 9)) and not a.contains(Rect(1, 1, 11, 9))
    assert a.shifted(2, 3) == Rect(2, 3, 12, 13)
    assert Rect(0.00049, 0, 1, 1).x0 == 0.0  # a thousandth of a point
    with pytest.raises(ValueError):
        Rect(5, 0, 1, 1)


def test_the_recorded_signature_block_of_a_real_brief_is_its_last_page() -> None:
    brief = briefgen.build(briefgen.load(SEEDS), "38", 2020)
    data, layout = write_with_layout(replace(brief))
    assert layout.signature is not None
    found = words(data, layout.signature.page)
    assert layout.signature.name[0].contains(box_of(found, "Đỗ Hữu Quyết"))
    assert layout.signature.authority[0].contains(box_of(found, "GIÁM ĐỐC"))
