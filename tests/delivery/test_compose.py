"""Composing the outbox: files checked, names and types right, stable identity, limits, DKIM."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.delivery.compose import compose_messages
from briefgen.delivery.outbox import read_outbox
from briefgen.delivery.settings import DkimSettings
from briefgen.errors import DataError, InputError

from .conftest import FROM, copy_batch, manifest, to_address, units_of, write_book

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MOMENT = datetime(2025, 1, 10, 9, 30, tzinfo=timezone(timedelta(hours=7)))


def _parse(path: Path) -> EmailMessage:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    return message


def test_pdf_and_docx_attach_with_their_types_names_and_bytes(
    batch_2024: Path, tmp_path: Path
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    report = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob", now=MOMENT)
    files = {(f["code"], f["format"]): f for f in manifest(batch_2024)["files"]}
    names = {
        "01": "Hà Nội",
        "38": "Thanh Hóa",
        "77": "Bà Rịa - Vũng Tàu",
    }
    for item in report.messages:
        message = _parse(report.folder / item.file)
        assert message.get_content_type() == "multipart/mixed"
        body, pdf, docx = message.iter_parts()
        assert body.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
        for part, fmt, ctype in ((pdf, "pdf", "application/pdf"), (docx, "docx", DOCX)):
            assert part.get_content_type() == ctype
            assert part.get_content_disposition() == "attachment"
            assert part.get_filename() == f"Báo cáo {names[item.code]} 2024.{fmt}"
            data = part.get_content()
            assert hashlib.sha256(data).hexdigest() == files[(item.code, fmt)]["sha256"]
        # The fallback for clients that read only Content-Type: one RFC 2047 word.
        name = f"Báo cáo {names[item.code]} 2024.pdf"
        word = "=?utf-8?b?" + base64.b64encode(name.encode()).decode() + "?="
        (raw,) = [v for k, v in pdf.raw_items() if k == "Content-Type"]
        assert raw == f'application/pdf;\r\n name="{word}"'
        assert pdf["Content-Type"].params["name"] == name
        assert message["Date"] == "Fri, 10 Jan 2025 09:30:00 +0700"
        assert message["Content-Language"] == "vi"


def test_outbox_json_lists_each_message_and_matches_its_file(
    batch_2024: Path, tmp_path: Path
) -> None:
    units = units_of(batch_2024)
    book = write_book(tmp_path / "book.csv", units)
    report = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob")
    index = json.loads((tmp_path / "ob" / "outbox.json").read_text("utf-8"))
    assert [m["province"] for m in index["messages"]] == [
        "Hà Nội",
        "Thanh Hóa",
        "Bà Rịa - Vũng Tàu",
    ]
    for entry, unit in zip(index["messages"], units, strict=True):
        data = (tmp_path / "ob" / entry["file"]).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["recipients"] == [to_address(unit), f"vp-{unit.code}@example.gov.vn"]
        assert entry["subject"] == _parse(tmp_path / "ob" / entry["file"])["Subject"]
        assert [a["name"] for a in entry["attachments"]] == [
            f"Báo cáo {unit.name} 2024.pdf",
            f"Báo cáo {unit.name} 2024.docx",
        ]
    assert read_outbox(tmp_path / "ob").messages == report.messages


def test_composing_again_changes_nothing_and_the_message_id_follows_the_recipients(
    batch_2024: Path, tmp_path: Path
) -> None:
    units = units_of(batch_2024)
    book = write_book(tmp_path / "book.csv", units)
    first = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob", now=MOMENT)
    before = {p.name: p.read_bytes() for p in (tmp_path / "ob").glob("*.eml")}
    later = MOMENT + timedelta(days=2)
    second = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob", now=later)
    assert {p.name: p.read_bytes() for p in (tmp_path / "ob").glob("*.eml")} == before
    assert first.messages == second.messages

    other = write_book(tmp_path / "other.csv", units, no_cc={"38"})
    third = compose_messages(batch_2024, other, mail_from=FROM, outbox=tmp_path / "ob", now=later)
    ids = [
        (a.message_id, b.message_id) for a, b in zip(first.messages, third.messages, strict=True)
    ]
    assert ids[0][0] == ids[0][1] and ids[2][0] == ids[2][1]
    assert ids[1][0] != ids[1][1]  # new recipients: a new message, with today's date
    assert third.messages[1].date == "Sun, 12 Jan 2025 09:30:00 +0700"
    assert third.messages[0].date == "Fri, 10 Jan 2025 09:30:00 +0700"
    assert all(m.message_id.endswith("@example.gov.vn>") for m in third.messages)


def test_bcc_goes_in_the_envelope_and_in_no_header(batch_2024: Path, tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(
        "defaults:\n  bcc: Lưu trữ <luutru@example.gov.vn>\nrecipients:\n"
        + "".join(
            f"  - {{province: '{u.code}', to: {to_address(u)}}}\n" for u in units_of(batch_2024)
        ),
        "utf-8",
    )
    report = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob")
    for item in report.messages:
        assert item.recipients[-1] == "luutru@example.gov.vn"
        assert item.bcc == ("Lưu trữ <luutru@example.gov.vn>",)
        data = (report.folder / item.file).read_bytes()
        assert b"luutru" not in data and "Bcc" not in _parse(report.folder / item.file)


def test_a_file_changed_since_the_batch_stops_everything(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = copy_batch(batch_2024, tmp_path / "batch")
    changed = batch / "77-ba-ria-vung-tau-2024-official.docx"
    changed.write_bytes(changed.read_bytes() + b"\0")
    book = write_book(tmp_path / "book.csv", units_of(batch))
    code = main(["send", str(batch), "--recipients", str(book), "--from", FROM])
    err = capsys.readouterr().err
    assert code == 2
    assert f"briefgen: error: {changed}: changed since the batch (SHA-256 " in err
    assert not (batch / "outbox").exists()  # the two good messages were not written either


def test_a_file_gone_from_the_batch_is_named(batch_2024: Path, tmp_path: Path) -> None:
    batch = copy_batch(batch_2024, tmp_path / "batch")
    (batch / "01-ha-noi-2024-official.pdf").unlink()
    book = write_book(tmp_path / "book.csv", units_of(batch))
    with pytest.raises(DataError, match=r"01-ha-noi-2024-official.pdf: missing: the manifest"):
        compose_messages(batch, book, mail_from=FROM)


def test_a_folder_without_a_manifest_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "book.csv").write_text("province,to\n38,a@thanhhoa.gov.vn\n", "utf-8")
    code = main(["send", str(tmp_path), "--recipients", str(tmp_path / "book.csv"), "--from", FROM])
    assert code == 2
    assert f"{tmp_path}: no manifest.json in '{tmp_path}'" in capsys.readouterr().err


def test_a_province_that_failed_in_the_batch_is_reported_and_not_composed(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = copy_batch(batch_2024, tmp_path / "batch")
    data = manifest(batch)
    data["files"] = [f for f in data["files"] if f["code"] != "38"]
    data["failures"] = [{"code": "38", "province": "Thanh Hóa", "reason": "TemplateError: x"}]
    data["complete"] = False
    (batch / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))  # still has Thanh Hóa's row
    code = main(["send", str(batch), "--recipients", str(book), "--from", FROM])
    err = capsys.readouterr().err
    assert code == 1
    assert "SKIPPED 38 Thanh Hóa: failed in the batch: TemplateError: x" in err
    outbox = read_outbox(batch / "outbox")
    assert [m.code for m in outbox.messages] == ["01", "77"]
    assert [s.code for s in outbox.skipped] == ["38"] and not outbox.ok


def test_the_size_limit_is_checked_after_encoding_before_anything_is_written(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    args = ["send", str(batch_2024), "--recipients", str(book), "--from", FROM]
    # About 165 KB of files is about 225 KB after base64: under 0.2 MB it does not fit.
    assert main([*args, "--max-size", "0.2", "--outbox", str(tmp_path / "ob")]) == 2
    err = capsys.readouterr().err
    assert (
        "Hà Nội (01), field 'max_size': the message is 0.2 MB after encoding, over the 0.2" in err
    )
    assert not (tmp_path / "ob").exists()
    assert main([*args, "--max-size", "0.25", "--outbox", str(tmp_path / "ob")]) == 0
    # The same messages, already in the outbox, are still held to a new limit.
    assert main([*args, "--max-size", "0.2", "--outbox", str(tmp_path / "ob")]) == 2


def test_limit_composes_the_first_provinces_but_checks_the_whole_book(
    batch_2024: Path, tmp_path: Path
) -> None:
    units = units_of(batch_2024)
    book = write_book(tmp_path / "book.csv", units)
    report = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob", limit=1)
    assert [m.code for m in report.messages] == ["01"]
    partial = write_book(tmp_path / "partial.csv", units[:1])
    with pytest.raises(DataError, match=r"no row for Thanh Hóa \(38\)"):
        compose_messages(batch_2024, partial, mail_from=FROM, outbox=tmp_path / "ob2", limit=1)


def test_a_new_outbox_replaces_the_messages_of_an_earlier_one(
    batch_2024: Path, tmp_path: Path
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob")
    (tmp_path / "ob" / "notes.txt").write_text("mine", "utf-8")
    compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob", limit=2)
    assert sorted(p.name for p in (tmp_path / "ob").iterdir()) == [
        "01-ha-noi-2024.eml", "38-thanh-hoa-2024.eml", "notes.txt", "outbox.json",
    ]  # fmt: skip


def test_a_bad_sender_address_is_an_error_naming_the_option(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    assert main(["send", str(batch_2024), "--recipients", str(book), "--from", "Sở <baocao>"]) == 2
    assert "field 'from': 'Sở <baocao>' is not a valid address" in capsys.readouterr().err
    assert main(["send", str(batch_2024), "--recipients", str(book)]) == 2
    assert "field 'from': no sender address" in capsys.readouterr().err


def test_sender_and_reply_to_headers_and_the_envelope(batch_2024: Path, tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    report = compose_messages(
        batch_2024, book, mail_from=FROM, sender="Văn thư, Sở KH&CN <vanthu@example.gov.vn>",
        reply_to="Phòng Tổng hợp <tonghop@example.gov.vn>", outbox=tmp_path / "ob",
    )  # fmt: skip
    message = _parse(report.folder / report.messages[0].file)
    assert message["Sender"].addresses[0].display_name == "Văn thư, Sở KH&CN"
    assert message["Reply-To"].addresses[0].addr_spec == "tonghop@example.gov.vn"
    assert report.messages[0].envelope_from == "vanthu@example.gov.vn"
    assert report.messages[0].message_id.endswith("@example.gov.vn>")


def test_dkim_signs_every_message_and_the_signature_verifies(
    batch_2024: Path, tmp_path: Path
) -> None:
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    settings = DkimSettings.from_file("example.gov.vn", "briefgen", key_file)
    report = compose_messages(
        batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob", dkim=settings
    )

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"briefgen._domainkey.example.gov.vn."
        return record

    for item in report.messages:
        data = (report.folder / item.file).read_bytes()
        assert data.startswith(
            b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.gov.vn;"
        )
        assert dkim.verify(data, dnsfunc=dns)
        assert not dkim.verify(data.replace(b"Subject:", b"Subject: X", 1), dnsfunc=dns)
    # The same command line, with the options, and a bad key.
    assert main(
        ["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--outbox",
         str(tmp_path / "ob2"), "--dkim-domain", "example.gov.vn", "--dkim-selector", "briefgen",
         "--dkim-key", str(key_file)]
    ) == 0  # fmt: skip
    # Composed again without DKIM: the same message, unsigned (not the signed copy kept).
    again = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob")
    for item in again.messages:
        assert item.dkim == "" and item.sha256 == item.content_sha256
        assert not (again.folder / item.file).read_bytes().startswith(b"DKIM-Signature")
    assert [m.date for m in again.messages] == [m.date for m in report.messages]
    key_file.write_bytes(b"not a key")
    with pytest.raises(InputError, match="cannot sign with this DKIM key"):
        bad = DkimSettings.from_file("example.gov.vn", "briefgen", key_file)
        compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob3", dkim=bad)
