"""Template-level report facts and the logo: validated where they are read, merged
under the record's own facts in one place, and reaching every part of the document."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import write_template
from PIL import Image

import briefgen
from briefgen import model as m
from briefgen.errors import TemplateError
from briefgen.template.context import abbreviation
from briefgen.template.env import load_template

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
NBSP = "\u00a0"

SETTINGS = """\
extends: official
report:
  issuer: "Sở Khoa học và Công nghệ"
  place: "TP. Thanh Hóa"
  authority: "KT. GIÁM ĐỐC"
  signer: {name: "Nguyễn Văn An", role: "PHÓ GIÁM ĐỐC"}
  recipients: ["Bộ Khoa học và Công nghệ (để báo cáo)", "Các sở, ban, ngành"]
  addressees: ["Ủy ban nhân dân tỉnh"]
  drafting_unit: KHTC
  drafter: NVA
  copies: 5
"""
ENTRY = '{% extends "official/brief.xml.j2" %}\n'


def png(width: int = 300, height: int = 300, fmt: str = "PNG") -> bytes:
    """A small picture in a colour no chart uses."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def dataset(tmp_path: Path, report: dict[str, Any] | None = None, **record: Any) -> Any:
    """A one-record dataset (Thanh Hóa 2025 unless told), with ``report`` facts."""
    raw = {
        "province": "Thanh Hóa",
        "year": 2025,
        "observations": {"postal_revenue": {"value": 130}},
        **record,
    }
    if report is not None:
        raw["report"] = report
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"records": [raw]}, ensure_ascii=False), "utf-8")
    return briefgen.load(path)


def build(tmp_path: Path, config: str = SETTINGS, report: dict[str, Any] | None = None,
          **record: Any) -> briefgen.Document:  # fmt: skip
    folder = tmp_path / f"tpl{len(list(tmp_path.glob('tpl*')))}"
    write_template(folder, ENTRY, config)
    data = dataset(tmp_path, report, **record)
    entry = data.entries[0]
    return briefgen.build(data, province=entry.unit.code, year=entry.record.year, template=folder)


def block(brief: m.Document, kind: type[Any]) -> Any:
    return next(b for b in brief.blocks if isinstance(b, kind))


def lines(inlines_list: tuple[m.Inlines, ...]) -> list[str]:
    return [m.plain(line) for line in inlines_list]


# --------------------------------------------------------------------------- merging


def test_template_report_facts_reach_letterhead_signature_recipients_and_metadata(
    tmp_path: Path,
) -> None:
    brief = build(tmp_path, report={"date": "2026-01-14"})
    letterhead = block(brief, m.Letterhead)
    assert [m.plain(line.content) for line in letterhead.left] == [
        "UBND TỈNH THANH HÓA",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    ]
    assert m.plain(letterhead.left_foot.content).endswith("/BC-SKHCN")
    assert m.plain(letterhead.right_foot.content) == "TP. Thanh Hóa, ngày 14 tháng 01 năm 2026"
    signature = block(brief, m.Signature)
    assert lines(signature.authority) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert m.plain(signature.name) == "Nguyễn Văn An"
    assert lines(signature.recipients) == [
        "- Như trên;",
        "- Bộ Khoa học và Công nghệ (để báo cáo);",
        "- Các sở, ban, ngành;",
        "- Lưu: VT, KHTC, NVA (05).",
    ]
    assert lines(block(brief, m.Addressees).items) == ["Ủy ban nhân dân tỉnh."]
    assert brief.meta.author == "Sở Khoa học và Công nghệ tỉnh Thanh Hóa"
    assert brief.meta.title == (
        "Báo cáo kết quả công tác khoa học, công nghệ và chuyển đổi số năm 2025 "
        "và phương hướng, nhiệm vụ năm 2026 - Tỉnh Thanh Hóa"
    )


def test_a_record_wins_wherever_it_says_something(tmp_path: Path) -> None:
    report = {
        "date": "2026-01-14",
        "signer": {"name": "Lê Thị Bình"},
        "recipients": ["Văn phòng UBND tỉnh", "Lưu: VT, VP"],
        "addressees": ["Bộ Khoa học và Công nghệ", "UBND tỉnh Thanh Hóa"],
        "copies": 3,
    }
    brief = build(tmp_path, report=report)
    signature = block(brief, m.Signature)
    # The record's signer replaces the template's whole: no role of another person.
    assert m.plain(signature.name) == "Lê Thị Bình"
    assert lines(signature.authority) == ["KT. GIÁM ĐỐC"]
    assert lines(signature.recipients) == [
        "- Như trên;",
        "- Văn phòng UBND tỉnh;",
        "- Lưu: VT, VP, KHTC, NVA (03).",
    ]
    assert lines(block(brief, m.Addressees).items) == [
        "- Bộ Khoa học và Công nghệ;",
        "- UBND tỉnh Thanh Hóa.",
    ]
    # What the record does not say still comes from the template.
    assert "SỞ KHOA HỌC" in m.plain(block(brief, m.Letterhead).left[1].content)


def test_seed_records_keep_their_own_signer_and_recipients_under_a_template(
    tmp_path: Path,
) -> None:
    folder = write_template(tmp_path / "tpl", ENTRY, SETTINGS)
    brief = briefgen.build(briefgen.load(SEEDS), province="Thanh Hóa", year=2020, template=folder)
    signature = block(brief, m.Signature)
    assert m.plain(signature.name) == "Đỗ Hữu Quyết"
    assert lines(signature.authority) == ["GIÁM ĐỐC"]
    assert lines(signature.recipients)[-1] == "- Lưu: VT, KHTC, NVA (05)."
    assert lines(signature.recipients)[0] == "- Như trên;"


def test_without_template_or_record_facts_the_defaults_fill_in(tmp_path: Path) -> None:
    brief = build(tmp_path, "extends: official\n", year=2024)
    signature = block(brief, m.Signature)
    assert lines(signature.recipients) == ["- UBND tỉnh (để báo cáo);", "- Lưu: VT."]
    assert lines(signature.authority) == ["GIÁM ĐỐC"]
    assert not any(isinstance(b, m.Addressees) for b in brief.blocks)
    assert m.plain(block(brief, m.Letterhead).left_foot.content).endswith("/BC-STTTT")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Sở Khoa học và Công nghệ", "SKHCN"),
        ("Sở Thông tin và Truyền thông", "STTTT"),
        ("Sở Giáo dục và Đào tạo", "SGDĐT"),
        ("Ủy ban nhân dân", "UBND"),
        ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ],
)
def test_the_symbol_is_the_initials_of_the_issuing_body(name: str, short: str) -> None:
    assert abbreviation(name) == short


def test_a_record_naming_another_body_does_not_take_the_templates_symbol(
    tmp_path: Path,
) -> None:
    config = SETTINGS.replace("  place:", "  issuer_short: KHCN\n  place:")
    assert m.plain(block(build(tmp_path, config), m.Letterhead).left_foot.content).endswith(
        "/BC-KHCN"
    )
    brief = build(tmp_path, config, report={"issuer": "Sở Nội vụ"})
    assert m.plain(block(brief, m.Letterhead).left_foot.content).endswith("/BC-SNV")


def test_a_child_template_changes_the_title_line_in_template_yaml(tmp_path: Path) -> None:
    config = (
        "extends: official\nreport:\n  kind: TỜ TRÌNH\n"
        '  summary: "Về kế hoạch {field} năm {next_year}\\ncủa {issuer} tỉnh {province}"\n'
        "  field: chuyển đổi số\n"
    )
    brief = build(tmp_path, config)
    assert lines(block(brief, m.Title).lines) == [
        "TỜ TRÌNH",
        "Về kế hoạch chuyển đổi số năm 2026\ncủa Sở Khoa học và Công nghệ tỉnh Thanh Hóa",
    ]
    assert brief.meta.title == (
        "Tờ trình về kế hoạch chuyển đổi số năm 2026 của Sở Khoa học và Công nghệ tỉnh "
        "Thanh Hóa - Tỉnh Thanh Hóa"
    )
    # The opening and closing sentences follow the title line: a Tờ trình presents
    # what its title names, and the closing does not name the body twice.
    texts = list(m.texts(brief))
    assert (
        "Sở Khoa học và Công nghệ tỉnh Thanh Hóa trình bày về kế hoạch chuyển đổi số năm 2026 "
        "của Sở Khoa học và Công nghệ tỉnh Thanh Hóa như sau:"
    ) in texts
    assert (
        "Trên đây là tờ trình về kế hoạch chuyển đổi số năm 2026 của Sở Khoa học và Công nghệ "
        "tỉnh Thanh Hóa./."
    ) in texts


def test_a_grandchild_inherits_report_facts_key_by_key(tmp_path: Path) -> None:
    parent = write_template(tmp_path / "parent", ENTRY, SETTINGS)
    child = write_template(
        tmp_path / "child", ENTRY, f"extends: {parent}\nreport:\n  drafter: TTH\n"
    )
    data = dataset(tmp_path)
    brief = briefgen.build(data, province="38", year=2025, template=child)
    recipients = lines(block(brief, m.Signature).recipients)
    assert recipients[1] == "- Bộ Khoa học và Công nghệ (để báo cáo);"
    assert recipients[-1] == "- Lưu: VT, KHTC, TTH (05)."


def test_default_recipients_of_older_templates_are_still_read(tmp_path: Path) -> None:
    config = "extends: official\nvalues:\n  default_recipients: [Sở Tài chính, 'Lưu: VT, VP']\n"
    recipients = lines(block(build(tmp_path, config), m.Signature).recipients)
    assert recipients == ["- Sở Tài chính;", "- Lưu: VT, VP."]


# --------------------------------------------------------------------------- date line


def test_without_a_date_the_date_line_prints_blanks_to_fill_in(tmp_path: Path) -> None:
    brief = build(tmp_path, "extends: official\n")
    dateline = m.plain(block(brief, m.Letterhead).right_foot.content)
    blank = NBSP * 6
    assert dateline == f"Thanh Hóa, ngày{blank}tháng{blank}năm 2025"
    for fmt in ("pdf", "docx"):
        assert brief.to_bytes(fmt)  # the blanks survive both writers (checked in tests/writers)


def test_the_place_of_ho_chi_minh_city_keeps_its_prefix(tmp_path: Path) -> None:
    brief = build(tmp_path, "extends: official\n", province="TP Hồ Chí Minh",
                  report={"date": "2026-01-10"})  # fmt: skip
    dateline = m.plain(block(brief, m.Letterhead).right_foot.content)
    assert dateline == "Thành phố Hồ Chí Minh, ngày 10 tháng 01 năm 2026"
    brief = build(tmp_path, "extends: official\n", province="Hà Nội")
    assert m.plain(block(brief, m.Letterhead).right_foot.content).startswith("Hà Nội, ngày")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ("report:\n  isuer: X\n", "report.isuer", "unknown key 'isuer'"),
        ("report: [a]\n", "report", "'report' must be a mapping"),
        ("report:\n  copies: 0\n", "report.copies", r"must be at least 1 \(got 0\)"),
        ("report:\n  signer: {role: X}\n", "report.signer.name", "required field is missing"),
        ("report:\n  recipients: 5\n", "report.recipients", r"must be a list \(got 5\)"),
        ("report:\n  summary: 'năm {yaer}'\n", "report.summary", r"unknown placeholder '\{yaer\}'"),
        ("report:\n  summary: 'năm {year.real}'\n", "report.summary", "unknown placeholder"),
        ("report:\n  summary: 'năm {year!r}'\n", "report.summary", "unknown placeholder"),
        ("report:\n  summary: 'năm {'\n", "report.summary", "not a valid pattern"),
    ],
)
def test_bad_report_settings_are_errors_naming_template_yaml_and_the_key(
    tmp_path: Path, config: str, field: str, message: str
) -> None:
    folder = write_template(tmp_path / "bad", ENTRY, "extends: official\n" + config)
    with pytest.raises(TemplateError, match=message) as caught:
        load_template(folder)
    assert caught.value.where.file == str(folder.resolve() / "template.yaml")
    assert caught.value.where.field == field
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- logo


def logo_template(tmp_path: Path, logo: str, picture: bytes | None = None,
                  name: str = "logo.png") -> Path:  # fmt: skip
    folder = write_template(tmp_path / "branded", ENTRY, f"extends: official\nlogo: {logo}\n")
    if picture is not None:
        (folder / name).write_bytes(picture)
    return folder


def test_a_logo_is_read_with_its_proportions(tmp_path: Path) -> None:
    folder = logo_template(tmp_path, "{file: logo.png, height_mm: 15}", png(400, 200))
    logo = load_template(folder).config.logo
    assert logo is not None
    assert (logo.width_mm, logo.height_mm, logo.position) == (30, 15, "left")
    folder = logo_template(tmp_path / "w", "{file: logo.png, width_mm: 20, position: above}",
                           png(400, 200))  # fmt: skip
    logo = load_template(folder).config.logo
    assert logo is not None and (logo.width_mm, logo.height_mm) == (20, 10)
    assert logo.position == "above"


def test_a_logo_given_as_a_file_name_prints_12_mm_high_beside_the_lines(tmp_path: Path) -> None:
    folder = logo_template(tmp_path, "logo.png", png())
    brief = briefgen.build(dataset(tmp_path), province="38", year=2025, template=folder)
    letterhead = block(brief, m.Letterhead)
    assert letterhead.logo is not None
    assert (letterhead.logo.width_mm, letterhead.logo.height_mm) == (12, 12)
    assert letterhead.logo_position == "left"
    assert letterhead.logo.data == png()
    assert "logo left 12x12mm" in brief.dump()


def test_a_logo_in_a_parent_folder_is_read_from_that_folder(tmp_path: Path) -> None:
    parent = logo_template(tmp_path, "{file: art/logo.png}")
    (parent / "art").mkdir()
    (parent / "art" / "logo.png").write_bytes(png())
    child = write_template(tmp_path / "child", ENTRY, f"extends: {parent}\n")
    assert load_template(child).config.logo is not None
    removed = write_template(tmp_path / "plain", ENTRY, f"extends: {parent}\nlogo: false\n")
    assert load_template(removed).config.logo is None


def test_outside_paths_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(png())
    cases = {
        "absolute": (str(outside), "not the absolute path"),
        "dots": ("../outside.png", "leaves it with '..'"),
        "dots-inside": ("art/../logo.png", "leaves it with '..'"),
        "link": ("link.png", "is a link to"),
    }
    for name, (path, message) in cases.items():
        folder = write_template(tmp_path / name, ENTRY, f"extends: official\nlogo: '{path}'\n")
        (folder / "logo.png").write_bytes(png())
        os.symlink(outside, folder / "link.png")
        with pytest.raises(TemplateError, match=message) as caught:
            load_template(folder)
        assert caught.value.where.field == "logo.file", name
        assert "inside the template folder" in str(caught.value)


def test_a_link_that_stays_inside_the_folder_is_allowed(tmp_path: Path) -> None:
    folder = logo_template(tmp_path, "link.png", png())
    os.symlink(folder / "logo.png", folder / "link.png")
    assert load_template(folder).config.logo is not None


@pytest.mark.parametrize(
    ("logo", "picture", "field", "message"),
    [
        ("missing.png", png(), "logo.file", "'missing.png' not found"),
        ("logo.png", b"not a picture", "logo.file", "cannot be read as an image"),
        ("logo.png", png()[:60], "logo.file", "cannot be read as an image"),
        ("logo.png", png(fmt="GIF"), "logo.file", "is a GIF image"),
        ("{file: logo.png, height_mm: 50}", png(), "logo.height_mm", "must be 5 to 40 mm"),
        ("{file: logo.png, height_mm: 2}", png(), "logo.height_mm", "must be 5 to 40 mm"),
        ("{file: logo.png, height_mm: 30}", png(600, 100), "logo.height_mm", "at most 60 mm"),
        ("{file: logo.png, width_mm: 10, height_mm: 10}", png(), "logo", "not both"),
        ("{file: logo.png, height_mm: big}", png(), "logo.height_mm", "must be a number"),
        ("{file: logo.png, position: right}", png(), "logo.position", "left or above"),
        ("{file: logo.png, size: 3}", png(), "logo.size", "unknown key 'size'"),
        ("{height_mm: 10}", png(), "logo.file", "needs a 'file'"),
        ("[logo.png]", png(), "logo", "file name or a mapping"),
    ],
)
def test_bad_logo_settings_are_errors_naming_template_yaml_and_the_key(
    tmp_path: Path, logo: str, picture: bytes, field: str, message: str
) -> None:
    folder = logo_template(tmp_path, logo, picture)
    with pytest.raises(TemplateError, match=message) as caught:
        load_template(folder)
    assert caught.value.where.field == field
    assert caught.value.where.file == str(folder.resolve() / "template.yaml")


def test_a_logo_tag_without_a_logo_setting_names_the_template_line(tmp_path: Path) -> None:
    folder = write_template(
        tmp_path / "tpl",
        '{% extends "official/brief.xml.j2" %}\n{% block letterhead %}\n'
        "<letterhead><logo/><left><line>UBND</line></left><right><line>CHXH</line></right>"
        "</letterhead>\n{% endblock %}\n",
    )
    with pytest.raises(TemplateError, match="<logo/> but the template sets no logo") as caught:
        briefgen.build(dataset(tmp_path), province="38", year=2025, template=folder)
    assert caught.value.where.row == 3
    assert str(caught.value.where.file).endswith("brief.xml.j2")


def test_the_logo_tag_may_place_and_size_the_logo_otherwise(tmp_path: Path) -> None:
    folder = write_template(
        tmp_path / "tpl",
        '{% extends "official/brief.xml.j2" %}\n{% block letterhead %}\n'
        '<letterhead><logo position="above" height="8"/><left><line>UBND</line></left>'
        "<right><line>CHXH</line></right></letterhead>\n{% endblock %}\n",
        "extends: official\nlogo: {file: logo.png, height_mm: 16}\n",
    )
    (folder / "logo.png").write_bytes(png(400, 200))
    letterhead = block(
        briefgen.build(dataset(tmp_path), province="38", year=2025, template=folder), m.Letterhead
    )
    assert letterhead.logo_position == "above"
    assert (letterhead.logo.width_mm, letterhead.logo.height_mm) == (16, 8)
