"""The address book: YAML, CSV and XLSX read alike; every mistake named by file, row and field."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest

from briefgen.cli import main
from briefgen.delivery.addresses import Mailbox, load_address_book, parse_mailboxes
from briefgen.errors import DataError, Location, UnknownProvinceError

from .conftest import FROM, StartServer

HEADER = "province,to,cc,bcc,reply_to,addressee\n"
GOOD = {
    "01": 'Hà Nội,"Sở KH&CN, thành phố Hà Nội <skhcn@hanoi.gov.vn>",,,,\n',
    "38": (
        'Thanh Hoá,"Sở Khoa học và Công nghệ, tỉnh Thanh Hóa <skhcn@thanhhoa.gov.vn>",'
        '"Văn phòng <vp@thanhhoa.gov.vn>; ""Lãnh đạo; Sở"" <ld@thanhhoa.gov.vn>",'
        "audit@example.org,Phòng Tổng hợp <tonghop@thanhhoa.gov.vn>,"
        "Sở Khoa học và Công nghệ tỉnh Thanh Hóa\n"
    ),
    "77": "77,stttt@baria-vungtau.gov.vn,,,,\n",
}


def _csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text(header + "".join(rows), "utf-8")
    return path


def test_a_csv_book_resolves_spellings_and_codes_and_reads_every_field(tmp_path: Path) -> None:
    book = load_address_book(_csv(tmp_path / "book.csv", *GOOD.values()), year=2024)
    assert list(book.entries) == ["01", "38", "77"]
    hn, th, vt = book.entries.values()
    assert hn.to == (Mailbox("Sở KH&CN, thành phố Hà Nội", "skhcn@hanoi.gov.vn"),)
    assert th.province == "Thanh Hóa" and th.row == 3
    assert th.cc == (
        Mailbox("Văn phòng", "vp@thanhhoa.gov.vn"),
        Mailbox("Lãnh đạo; Sở", "ld@thanhhoa.gov.vn"),  # a quoted ';' is part of the name
    )
    assert th.bcc == (Mailbox("", "audit@example.org"),)
    assert th.reply_to == (Mailbox("Phòng Tổng hợp", "tonghop@thanhhoa.gov.vn"),)
    assert th.addressee == "Sở Khoa học và Công nghệ tỉnh Thanh Hóa"
    assert th.envelope == (
        "skhcn@thanhhoa.gov.vn", "vp@thanhhoa.gov.vn", "ld@thanhhoa.gov.vn", "audit@example.org",
    )  # fmt: skip
    assert vt.province == "Bà Rịa - Vũng Tàu" and vt.to == (
        Mailbox("", "stttt@baria-vungtau.gov.vn"),
    )


def test_yaml_csv_and_xlsx_books_are_the_same_book(tmp_path: Path) -> None:
    csv_book = load_address_book(_csv(tmp_path / "book.csv", *GOOD.values()), year=2024)
    yaml_path = tmp_path / "book.yaml"
    yaml_path.write_text(
        """\
recipients:
  - province: Hà Nội
    to: "Sở KH&CN, thành phố Hà Nội <skhcn@hanoi.gov.vn>"
  - province: Thanh Hoá
    to: ["Sở Khoa học và Công nghệ, tỉnh Thanh Hóa <skhcn@thanhhoa.gov.vn>"]
    cc:
      - Văn phòng <vp@thanhhoa.gov.vn>
      - '"Lãnh đạo; Sở" <ld@thanhhoa.gov.vn>'
    bcc: audit@example.org
    reply_to: Phòng Tổng hợp <tonghop@thanhhoa.gov.vn>
    addressee: Sở Khoa học và Công nghệ tỉnh Thanh Hóa
  - {province: "77", to: stttt@baria-vungtau.gov.vn}
""",
        "utf-8",
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["Hà Nội", "Sở KH&CN, thành phố Hà Nội <skhcn@hanoi.gov.vn>"])
    sheet.append(
        ["Thanh Hoá", "Sở Khoa học và Công nghệ, tỉnh Thanh Hóa <skhcn@thanhhoa.gov.vn>",
         'Văn phòng <vp@thanhhoa.gov.vn>\n"Lãnh đạo; Sở" <ld@thanhhoa.gov.vn>', "audit@example.org",
         "Phòng Tổng hợp <tonghop@thanhhoa.gov.vn>", "Sở Khoa học và Công nghệ tỉnh Thanh Hóa"]
    )  # fmt: skip
    sheet.append([77, "stttt@baria-vungtau.gov.vn"])  # a code typed as a number
    workbook.save(tmp_path / "book.xlsx")
    for other in (tmp_path / "book.yaml", tmp_path / "book.xlsx"):
        book = load_address_book(other, year=2024)
        assert {
            c: (e.to, e.cc, e.bcc, e.reply_to, e.addressee) for c, e in book.entries.items()
        } == {c: (e.to, e.cc, e.bcc, e.reply_to, e.addressee) for c, e in csv_book.entries.items()}


def test_defaults_give_every_province_a_cc_and_a_reply_to(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "book.csv",
        GOOD["01"],
        "*,,Lưu trữ <archive@example.org>,,Phòng Tổng hợp <th@example.org>,\n",
        "38,a@thanhhoa.gov.vn,archive@example.org,,Riêng <r@thanhhoa.gov.vn>,\n",
    )
    book = load_address_book(path, year=2024)
    assert book.entries["01"].cc == (Mailbox("Lưu trữ", "archive@example.org"),)
    assert book.entries["01"].reply_to == (Mailbox("Phòng Tổng hợp", "th@example.org"),)
    assert book.entries["38"].cc == (Mailbox("", "archive@example.org"),)  # not twice
    assert book.entries["38"].reply_to == (Mailbox("Riêng", "r@thanhhoa.gov.vn"),)


def test_display_names_are_nfc_with_single_spaces() -> None:
    decomposed = unicodedata.normalize("NFD", "Sở  Khoa học,   tỉnh Hà Tĩnh")
    (box,) = parse_mailboxes(f"  {decomposed}   <a@hatinh.gov.vn> ", Location())
    assert box.name == "Sở Khoa học, tỉnh Hà Tĩnh"
    assert unicodedata.is_normalized("NFC", box.name)


def test_an_internationalised_domain_is_written_in_ascii() -> None:
    (box,) = parse_mailboxes("Sở <so@ví-dụ.vn>", Location())
    assert box.address == "so@xn--v-d-rma6749a.vn" and not box.smtputf8
    (utf8,) = parse_mailboxes("nguyễn@ví-dụ.vn", Location())
    assert utf8.smtputf8


def test_a_2025_book_names_the_34_units(tmp_path: Path) -> None:
    path = _csv(tmp_path / "book.csv", "Ninh Bình,a@ninhbinh.gov.vn,,,,\n")
    assert load_address_book(path, year=2025).entries["37"].province == "Ninh Bình"
    merged = _csv(
        tmp_path / "old.csv", "Ninh Bình,a@ninhbinh.gov.vn,,,,\n", "Nam Định,b@x.vn,,,,\n"
    )
    with pytest.raises(UnknownProvinceError, match="merged into Tỉnh Ninh Bình") as caught:
        load_address_book(merged, year=2025)
    assert caught.value.where == Location(file=str(merged), row=3, field="province")


# --------------------------------------------------------------------------- bad books

ROWS = [GOOD["01"], GOOD["38"], GOOD["77"]]
BAD_CSV: dict[str, tuple[str, list[str], int, str, str]] = {
    # kind: (header, rows, row, field, what the message says)
    "unknown province": (
        HEADER,
        [ROWS[0], "Thanh Hao,a@thanhhoa.gov.vn,,,,\n", ROWS[2]],
        3,
        "province",
        "unknown province 'Thanh Hao' (did you mean: Thanh Hóa",
    ),
    "malformed address": (
        HEADER,
        [ROWS[0], "38,skhcn@@thanhhoa.gov.vn,,,,\n", ROWS[2]],
        3,
        "to",
        "'skhcn@@thanhhoa.gov.vn' is not a valid address",
    ),
    "addresses split by commas": (
        HEADER,
        [ROWS[0], '38,"a@thanhhoa.gov.vn, b@thanhhoa.gov.vn",,,,\n', ROWS[2]],
        3,
        "to",
        "separate several addresses with ';'",
    ),
    "a display name, then a comma and another address": (
        HEADER,
        [ROWS[0], '38,"Sở A, Sở B <a@thanhhoa.gov.vn>, c@thanhhoa.gov.vn",,,,\n', ROWS[2]],
        3,
        "to",
        "'Sở A, Sở B <a@thanhhoa.gov.vn>, c@thanhhoa.gov.vn' holds several addresses separated "
        "by commas (separate several addresses with ';' (a comma belongs to a display name))",
    ),
    "an address, then a comma and a display name": (
        HEADER,
        [ROWS[0], '38,"a@thanhhoa.gov.vn, Sở B <b@thanhhoa.gov.vn>",,,,\n', ROWS[2]],
        3,
        "to",
        "holds several addresses separated by commas (separate several addresses with ';'",
    ),
    "no 'to'": (
        HEADER,
        [ROWS[0], "38,,vp@thanhhoa.gov.vn,,,\n", ROWS[2]],
        3,
        "to",
        "no 'to' address for Thanh Hóa",
    ),
    "duplicate province": (
        HEADER,
        [*ROWS, "Thanh Hóa,b@thanhhoa.gov.vn,,,,\n"],
        5,
        "province",
        "Thanh Hóa (38) has a second row (its first row is 3",
    ),
    "unknown column": (
        "province,to,ccc\n",
        ["38,a@thanhhoa.gov.vn,\n"],
        1,
        "ccc",
        "unknown field 'ccc' (did you mean 'cc'?)",
    ),
    "control character in a name": (
        HEADER,
        [ROWS[0], "38,Sở\tKH <a@thanhhoa.gov.vn>,,,,\n", ROWS[2]],
        3,
        "to",
        "line break or control character (U+0009)",
    ),
    "no closing '>'": (
        HEADER,
        [ROWS[0], "38,Sở KH <a@thanhhoa.gov.vn,,,,\n", ROWS[2]],
        3,
        "to",
        "has a '<' without a closing '>'",
    ),
    "no closing quote": (
        HEADER,
        [ROWS[0], '38,"""Sở KH <a@thanhhoa.gov.vn>",,,,\n', ROWS[2]],
        3,
        "to",
        "opening '\"' without a closing one",
    ),
    "same address twice": (
        HEADER,
        [ROWS[0], "38,a@thanhhoa.gov.vn,A@thanhhoa.gov.vn,,,\n", ROWS[2]],
        3,
        "cc",
        "is listed twice ('to' and 'cc')",
    ),
    "no province": (
        HEADER,
        [ROWS[0], ",a@thanhhoa.gov.vn,,,,\n", ROWS[2]],
        3,
        "province",
        "no province",
    ),
    "bad reply_to": (
        HEADER,
        [ROWS[0], "38,a@thanhhoa.gov.vn,,,tonghop at thanhhoa,\n", ROWS[2]],
        3,
        "reply_to",
        "'tonghop at thanhhoa' is not a valid address",
    ),
    "display name too long": (
        HEADER,
        [ROWS[0], f"38,{'Sở ' * 80}<a@thanhhoa.gov.vn>,,,,\n", ROWS[2]],
        3,
        "to",
        "characters is too long",
    ),
    "a default 'to'": (
        HEADER,
        [*ROWS, "*,all@example.org,,,,\n"],
        5,
        "to",
        "'to' cannot be a default for every province",
    ),
    "a cell without a column": (
        "province,to\n",
        ["38,a@thanhhoa.gov.vn,stray\n"],
        2,
        "",
        "a cell right of the last column holds 'stray'",
    ),
}


def _run_bad(
    book: Path, batch: Path, tmp_path: Path, smtp_server: StartServer,
    capsys: pytest.CaptureFixture[str],
) -> str:  # fmt: skip
    server = smtp_server()
    outbox = tmp_path / "outbox"
    code = main(
        ["send", str(batch), "--recipients", str(book), "--from", FROM, "--outbox", str(outbox),
         "--send", *server.options()]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert server.handler.sessions == [] and server.handler.received == []  # nothing sent
    assert not outbox.exists()  # nothing written
    assert not list(tmp_path.glob(".outbox*"))
    (line,) = err.strip().splitlines()  # one line, no traceback
    return line


@pytest.mark.parametrize("kind", list(BAD_CSV))
def test_a_bad_address_book_fails_naming_file_row_and_field_and_nothing_happens(
    kind: str,
    batch_2024: Path,
    tmp_path: Path,
    smtp_server: StartServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    header, rows, row, field, message = BAD_CSV[kind]
    book = _csv(tmp_path / "book.csv", *rows, header=header)
    line = _run_bad(book, batch_2024, tmp_path, smtp_server, capsys)
    where = f"{book}:{row}, field '{field}'" if field else f"{book}:{row}"
    assert line.startswith(f"briefgen: error: {where}: "), line
    assert message in line


BAD_OTHER: dict[str, tuple[str, str, str]] = {
    # kind: (file name, content, expected start after 'briefgen: error: ' with {book})
    "yaml: an address that is a number": (
        "book.yaml",
        "recipients:\n  - province: Hà Nội\n    to: 42\n",
        "{book}:3, field 'to': expected addresses as text, not int 42",
    ),
    "yaml: an unknown key": (
        "book.yaml",
        "recipients:\n  - province: Hà Nội\n    to: a@hanoi.gov.vn\n    adressee: Sở\n",
        "{book}:4, field 'adressee': unknown field 'adressee' (did you mean 'addressee'?)",
    ),
    "yaml: a display name cut at its comma": (
        "book.yaml",
        "recipients:\n  - province: Hà Nội\n    to: [Sở KH, Hà Nội <a@hanoi.gov.vn>]\n",
        "{book}:3, field 'to': 'Sở KH' is not a valid address",
    ),
    "yaml: not YAML": (
        "book.yaml",
        "recipients:\n  - province: [Hà Nội\n",
        "{book}:3: not valid YAML",
    ),
    "a batch province without a row": (
        "book.csv",
        HEADER + GOOD["01"] + GOOD["38"],
        "{book}, field 'province': no row for Bà Rịa - Vũng Tàu (77), which the batch has a brief",
    ),
    "not UTF-8": ("book.csv", "", "{book}: not UTF-8 text"),
    "an unknown suffix": ("book.txt", "x", "{book}: cannot read '.txt' address books"),
}


@pytest.mark.parametrize("kind", list(BAD_OTHER))
def test_other_bad_books_fail_the_same_way(
    kind: str,
    batch_2024: Path,
    tmp_path: Path,
    smtp_server: StartServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, content, expected = BAD_OTHER[kind]
    book = tmp_path / name
    if kind == "not UTF-8":
        book.write_bytes((HEADER + "H\xe0 N\xf4i,a@hanoi.gov.vn,,,,\n").encode("latin-1"))
    else:
        book.write_text(content, "utf-8")
    line = _run_bad(book, batch_2024, tmp_path, smtp_server, capsys)
    assert line.startswith("briefgen: error: " + expected.format(book=book)), line


def test_a_bad_cell_of_a_workbook_is_named_by_its_row(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["province", "to"])
    sheet.append(["Hà Nội", "a@hanoi.gov.vn"])
    sheet.append(["Thanh Hóa", "Sở <khcn@thanhhoa>"])
    book = tmp_path / "book.xlsx"
    workbook.save(book)
    line = _run_bad(book, batch_2024, tmp_path, smtp_server, capsys)
    assert line.startswith(f"briefgen: error: {book}:3, field 'to': 'Sở <khcn@thanhhoa>' is not")


def test_a_book_with_only_a_header_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="the address book has no rows"):
        load_address_book(_csv(tmp_path / "book.csv"))


def test_the_address_sheet_of_a_briefgen_workbook_is_the_book(tmp_path: Path) -> None:
    # The workbook a user fills for their data (briefgen new-workbook) keeps the
    # address book in its sheet "Địa chỉ thư", labels over ids: one file for both.
    import briefgen

    path = tmp_path / "book.xlsx"
    briefgen.new_workbook(path, year=2025, provinces=["Ninh Bình", "Thanh Hóa"])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Địa chỉ thư"]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Tỉnh, thành phố", "Gửi đến"]
    rows = {sheet.cell(row, 1).value: row for row in range(3, sheet.max_row + 1)}
    sheet.cell(rows["Ninh Bình"], 2, "Sở KH&CN, tỉnh Ninh Bình <skhcn@ninhbinh.gov.vn>")
    sheet.cell(rows["Thanh Hóa"], 2, "skhcn@thanhhoa.gov.vn")
    sheet.cell(rows["Thanh Hóa"], 3, "Văn phòng <vp@thanhhoa.gov.vn>")
    workbook.save(path)
    book = load_address_book(path, year=2025)
    assert set(book.entries) == {"37", "38"}
    assert book.entries["37"].to == (Mailbox("Sở KH&CN, tỉnh Ninh Bình", "skhcn@ninhbinh.gov.vn"),)
    assert book.entries["38"].cc == (Mailbox("Văn phòng", "vp@thanhhoa.gov.vn"),)


def test_a_workbook_declaring_a_huge_sheet_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # One cell at the far corner of A1:XFD1048576: read cell by cell, this hangs.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["province", "to"])
    sheet.append(["Hà Nội", "a@hanoi.gov.vn"])
    sheet["XFD1048576"] = "x"
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with pytest.raises(DataError, match="limit") as raised:
        load_address_book(path, year=2024)
    assert str(path) in str(raised.value)
