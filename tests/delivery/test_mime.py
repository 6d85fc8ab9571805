"""Headers that read back exactly: any display name, subject and file name, any reader."""

from __future__ import annotations

import os
import shutil
import subprocess
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.delivery import mime
from briefgen.delivery.addresses import parse_mailboxes
from briefgen.errors import Location

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
LETTERS = VIETNAMESE + VIETNAMESE.upper() + "0123456789"
PUNCTUATION = " ,.;:()<>\"'&@-–—/\\?=_!"
# Single spaces, no space at either end: the form an address book normalises names to.
names = (
    st.lists(st.text(alphabet=LETTERS + PUNCTUATION.replace(" ", ""), min_size=1, max_size=12),
             min_size=1, max_size=12)
    .map(" ".join)
    .filter(lambda s: len(s) <= mime.MAX_NAME)
)  # fmt: skip

TRICKY = [
    "Sở Khoa học và Công nghệ, tỉnh Hà Tĩnh",
    "H à Tĩnh",
    "UBND tỉnh Thừa Thiên Huế (Văn phòng), Phòng Tổng hợp – Hành chính – Quản trị, bộ phận một cửa",
    'Sở "TT&TT", Bà Rịa - Vũng Tàu',
    "=?utf-8?q?not_a_word?=",
    "Nguyễn Văn A",
    "John Smith",
    "O'Brien, Ann",
    "Đắk Lắk; Đắk Nông",
    "x" * 120,
]


def _message(name: str, subject: str, filename: str) -> bytes:
    message = EmailMessage(policy=mime.POLICY)
    message["From"] = mime.fold("From", mime.address_list([(name, "a@example.gov.vn")]))
    message["To"] = mime.fold(
        "To", mime.address_list([(name, "b@example.gov.vn"), ("Hà Tĩnh, Sở", "c@example.gov.vn")])
    )
    message["Subject"] = mime.fold("Subject", mime.unstructured(subject))
    message.set_content("Nội dung.", charset="utf-8")
    message.make_mixed()
    message.attach(mime.attachment_part("application/pdf", filename, b"%PDF-1.4", mime.POLICY))
    return mime.as_bytes(message)


@settings(max_examples=150, deadline=None)
@given(name=names, subject=names, filename=names)
def test_any_name_subject_and_file_name_read_back_exactly_in_python(
    name: str, subject: str, filename: str
) -> None:
    data = _message(name, subject, filename)
    lines = data.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    assert data.isascii()
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert not parsed.defects
    assert parsed["From"].addresses[0].display_name == name
    assert [a.display_name for a in parsed["To"].addresses] == [name, "Hà Tĩnh, Sở"]
    assert parsed["Subject"] == subject
    (part,) = parsed.iter_attachments()
    assert part.get_filename() == filename
    # The RFC-2047-by-the-letter reader of the standard library agrees.
    old = BytesParser(policy=policy.compat32).parsebytes(data)
    (pair,) = getaddresses([str(old["From"])])
    assert str(make_header(decode_header(pair[0]))) == name
    assert str(make_header(decode_header(str(old["Subject"])))) == subject


def test_short_headers_fold_at_78_columns() -> None:
    data = _message("Nguyễn Văn A", "Báo cáo " * 30, "Báo cáo.pdf")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


def test_perl_reads_every_tricky_name_exactly(tmp_path: Path) -> None:
    if shutil.which("perl") is None:
        if os.environ.get("CI"):
            pytest.fail("perl is required in CI")
        pytest.skip("perl not installed")
    source = "".join(
        f"{mime.fold('From', mime.address_list([(name, 'a@example.gov.vn')]))}\r\n"
        f"{mime.fold('Subject', mime.unstructured(name))}\r\n"
        for name in TRICKY
    )
    path = tmp_path / "headers.txt"
    path.write_bytes(source.encode("ascii"))
    script = (
        "BEGIN{$/=undef} s/\\r\\n[ \\t]+/ /g; for (split /\\r\\n/) {"
        ' print Encode::decode("MIME-Header", $_), "\\n" }'
    )
    out = subprocess.run(
        ["perl", "-CS", "-MEncode", "-ne", script, str(path)],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert out == [
        line for name in TRICKY for line in (f"{_perl_from(name)} <a@example.gov.vn>", name)
    ]


def _perl_from(name: str) -> str:
    """How a mailbox's phrase reads decoded: quoted strings keep their quotes."""
    tokens = mime.phrase(name)
    if len(tokens) == 1 and tokens[0].startswith('"'):
        return tokens[0]
    return name


def test_ascii_names_stay_readable_and_specials_are_quoted() -> None:
    assert mime.phrase("John Smith") == ["John", "Smith"]
    assert mime.phrase("O'Brien, Ann") == ['"O\'Brien, Ann"']
    assert mime.phrase('a "b" \\ c') == ['"a \\"b\\" \\\\ c"']
    assert mime.phrase("Hà") == ["=?utf-8?b?SMOg?="]
    assert mime.unstructured("Plain subject") == ["Plain", "subject"]


def test_an_address_book_name_goes_through_unchanged() -> None:
    (box,) = parse_mailboxes('"Sở TT&TT, tỉnh Hà Tĩnh" <a@hatinh.gov.vn>', Location())
    data = _message(box.name, "x", "y.pdf")
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert parsed["From"].addresses[0].display_name == "Sở TT&TT, tỉnh Hà Tĩnh"


def test_content_types_by_format() -> None:
    assert mime.content_type("pdf") == "application/pdf"
    assert mime.content_type(".DOCX") == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert mime.content_type("odt") == "application/octet-stream"
