"""Mail templates: Vietnamese and English built-ins, inheritance, autoescaped HTML, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import write_template

from briefgen.cli import main
from briefgen.data import provinces
from briefgen.delivery.mailtext import AttachmentInfo, MailTemplates, mail_context
from briefgen.errors import TemplateError

from .conftest import FROM, units_of, write_book


def _context(year: int = 2024, code: str = "38", addressee: str | None = None) -> dict[str, Any]:
    unit = provinces.get(code, provinces.era_for_year(year))
    files = [
        AttachmentInfo(f"Báo cáo {unit.name} {year}.pdf", "pdf", 101_180),
        AttachmentInfo(f"Báo cáo {unit.name} {year}.docx", "docx", 64_081),
    ]
    sender = {"name": "Sở Khoa học và Công nghệ tỉnh Nam Định", "address": "baocao@example.gov.vn"}
    return mail_context(
        unit, year, "official", files, sender, ["Sở KH&CN Thanh Hóa"], [], addressee
    )


def test_the_official_mail_is_vietnamese_with_a_text_and_an_html_body() -> None:
    mail = MailTemplates("official").render(
        _context(addressee="Sở Khoa học và Công nghệ tỉnh Thanh Hóa")
    )
    assert mail.subject == (
        "Báo cáo kết quả công tác thông tin và truyền thông năm 2024 - Tỉnh Thanh Hóa"
    )
    assert mail.text.splitlines() == [
        "Kính gửi: Sở Khoa học và Công nghệ tỉnh Thanh Hóa.",
        "",
        "Sở Khoa học và Công nghệ tỉnh Nam Định trân trọng gửi báo cáo kết quả công tác thông tin "
        "và truyền thông năm 2024 của tỉnh Thanh Hóa.",
        "",
        "Tệp đính kèm:",
        "- Báo cáo Thanh Hóa 2024.pdf (99 KB, bản PDF để đọc và in)",
        "- Báo cáo Thanh Hóa 2024.docx (63 KB, bản Word để chỉnh sửa khi cần)",
        "",
        "Đề nghị Quý cơ quan xác nhận đã nhận được thư này. Trân trọng./.",
        "",
        "Sở Khoa học và Công nghệ tỉnh Nam Định",
        "baocao@example.gov.vn",
    ]
    assert mail.html is not None
    assert '<html lang="vi">' in mail.html
    assert "<li>Báo cáo Thanh Hóa 2024.pdf (99 KB, bản PDF để đọc và in)</li>" in mail.html
    assert f"<title>{mail.subject}</title>" in mail.html


def test_from_2025_the_mail_names_the_new_field_and_unit() -> None:
    mail = MailTemplates("official").render(_context(2025, "37"))
    assert mail.subject == (
        "Báo cáo kết quả công tác khoa học, công nghệ và chuyển đổi số năm 2025 - Tỉnh Ninh Bình"
    )
    assert mail.text.startswith("Kính gửi: Sở KH&CN Thanh Hóa.")  # no addressee: the first 'to'


def test_the_english_template_mails_in_english() -> None:
    mail = MailTemplates("en").render(_context())
    assert mail.subject == "Thanh Hóa Province: information and communications in 2024"
    assert mail.text.startswith("Dear Sở KH&CN Thanh Hóa,\n")
    assert "- Báo cáo Thanh Hóa 2024.pdf (99 KB, PDF, to read and print)" in mail.text
    assert mail.html is not None and '<html lang="en">' in mail.html
    unit = provinces.get("38")
    assert MailTemplates("en").attachment_name({"unit": unit, "year": 2024}, "pdf") == (
        "Thanh Hóa brief 2024.pdf"
    )


def test_the_summary_mail_extends_the_official_one_and_names_its_file_its_way() -> None:
    mail = MailTemplates("summary").render(_context())
    assert mail.subject == "Tóm tắt kết quả năm 2024 - Tỉnh Thanh Hóa"
    assert "bản tóm tắt một trang kết quả năm 2024 của tỉnh Thanh Hóa" in mail.text
    assert mail.text.endswith(
        "Trân trọng./.\n\nSở Khoa học và Công nghệ tỉnh Nam Định\nbaocao@example.gov.vn\n"
    )
    assert mail.html is not None and "bản tóm tắt một trang" in mail.html
    unit = provinces.get("38")
    assert MailTemplates("summary").attachment_name({"unit": unit, "year": 2024}, "pdf") == (
        "Tóm tắt Thanh Hóa 2024.pdf"
    )


def test_text_is_plain_and_html_is_escaped() -> None:
    context = _context(addressee="Sở TT&TT <Phòng 1>")
    mail = MailTemplates("official").render(context)
    assert mail.text.startswith("Kính gửi: Sở TT&TT <Phòng 1>.")
    assert mail.html is not None
    assert "Kính gửi: <b>Sở TT&amp;TT &lt;Phòng 1&gt;</b>." in mail.html


def test_a_user_template_mails_like_the_one_it_extends_until_it_has_its_own_files(
    tmp_path: Path,
) -> None:
    folder = write_template(tmp_path / "tinh-x", '{% extends "official/brief.xml.j2" %}')
    inherited = MailTemplates(folder).render(_context())
    assert inherited == MailTemplates("official").render(_context())
    (folder / "mail.subject.j2").write_text(
        "Gửi {{ addressee }}:\n  báo cáo  {{ year }}\n", "utf-8"
    )
    (folder / "mail.txt.j2").write_text(
        '{% extends "official/mail.txt.j2" %}{% block closing %}Xin cảm ơn!\n{% endblock %}',
        "utf-8",
    )
    (folder / "mail.attachment.j2").write_text("Tệp: {{ unit.name }}/{{ year }}", "utf-8")
    templates = MailTemplates(folder)
    mine = templates.render(_context())
    assert mine.subject == "Gửi Sở KH&CN Thanh Hóa: báo cáo 2024"  # one line, single spaces
    assert "Xin cảm ơn!" in mine.text and "Trân trọng./." not in mine.text
    assert mine.html is not None and inherited.html is not None  # no mail.html.j2 of its own:
    assert mine.html.replace(mine.subject.replace("&", "&amp;"), "") == inherited.html.replace(
        inherited.subject, ""
    )
    unit = provinces.get("38")
    assert templates.attachment_name({"unit": unit, "year": 2024}, "docx") == (
        "Tệp- Thanh Hóa-2024.docx"  # no ':' or '/' in a file name
    )


def test_an_error_in_a_mail_template_names_its_file_and_line(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_template(tmp_path / "tinh-x", '{% extends "official/brief.xml.j2" %}')
    subject = folder / "mail.subject.j2"
    subject.write_text("Báo cáo\n{{ nam }}\n", "utf-8")
    with pytest.raises(TemplateError, match=r"mail.subject.j2:2: undefined: 'nam' is undefined"):
        MailTemplates(folder).render(_context())
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    args = ["send", str(batch_2024), "--recipients", str(book), "--from", FROM]
    code = main([*args, "--template", str(folder), "--outbox", str(tmp_path / "ob")])
    assert code == 2
    assert f"{subject}:2: undefined: 'nam' is undefined" in capsys.readouterr().err
    assert not (tmp_path / "ob").exists()


def test_the_sandbox_blocks_a_mail_template_reaching_into_python(tmp_path: Path) -> None:
    folder = write_template(tmp_path / "tinh-x", '{% extends "official/brief.xml.j2" %}')
    (folder / "mail.subject.j2").write_text("{{ unit.__class__.__init__.__globals__ }}", "utf-8")
    with pytest.raises(TemplateError, match="unsafe operation blocked by the sandbox"):
        MailTemplates(folder).render(_context())


def test_an_empty_subject_is_an_error(tmp_path: Path) -> None:
    folder = write_template(tmp_path / "tinh-x", '{% extends "official/brief.xml.j2" %}')
    (folder / "mail.subject.j2").write_text("{# nothing #}\n", "utf-8")
    with pytest.raises(TemplateError, match="the subject is empty for Thanh Hóa"):
        MailTemplates(folder).render(_context())


def test_the_brief_templates_still_escape_their_xml() -> None:
    from briefgen.template.env import load_template

    env = load_template("official").env
    assert env.from_string("{{ x }}").render(x="A & B") == "A &amp; B"
    assert env.get_template("official/mail.subject.j2").environment is env
