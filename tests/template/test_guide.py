"""The authoring guide's worked example is real: its code is the example folder, and it renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import briefgen

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "templates.md"
EXAMPLE = ROOT / "examples" / "templates" / "kien-nghi"
BLOCK = re.compile(r"^```\w+ file=(\S+)\n(.*?)^```$", re.S | re.M)


def test_every_file_block_of_the_guide_is_the_file_itself() -> None:
    blocks = BLOCK.findall(GUIDE.read_text("utf-8"))
    assert len(blocks) >= 2
    for name, body in blocks:
        assert (ROOT / name).read_text("utf-8") == body, name


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_worked_example_renders_with_its_extra_section(fmt: str) -> None:
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    brief = briefgen.build(data, province="Bắc Kạn", year=2020, template=EXAMPLE)
    texts = list(briefgen.model.texts(brief))
    assert "III. ĐỀ XUẤT, KIẾN NGHỊ" in texts
    assert "Bố trí kinh phí cho các dự án chuyển đổi số năm tới." in texts
    assert texts.index("III. ĐỀ XUẤT, KIẾN NGHỊ") < next(
        i for i, t in enumerate(texts) if t.startswith("Trên đây là báo cáo")
    )
    assert brief.style.size_pt == 13
    assert brief.to_bytes(fmt)[:4] in (b"%PDF", b"PK\x03\x04")


def test_guide_names_every_tag_of_the_vocabulary() -> None:
    from briefgen.template.markup import INLINE_TAGS, _Converter

    guide = GUIDE.read_text("utf-8")
    for tag in (*_Converter.BLOCKS, *INLINE_TAGS):
        assert f"`{tag}`" in guide, tag


def test_report_settings_example_renders_its_facts_and_logo() -> None:
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    example = ROOT / "examples" / "templates" / "so-khcn"
    brief = briefgen.build(data, province="Nam Định", year=2021, template=example)
    texts = list(briefgen.model.texts(brief))
    assert "Nguyễn Văn An" in texts  # the record names no signer: the template's signs
    assert "Kính gửi:" in texts and "Ủy ban nhân dân tỉnh." in texts
    assert "và kế hoạch năm 2022" in texts
    assert "- Lưu: VT, VP, KHTC, NVA (05)." in texts  # the record's line, completed
    letterhead = next(b for b in brief.blocks if isinstance(b, briefgen.model.Letterhead))
    assert letterhead.logo is not None and letterhead.logo.height_mm == 12
    assert brief.meta.author == "Sở Khoa học và Công nghệ tỉnh Nam Định"
