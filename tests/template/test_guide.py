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
