"""Sending to a real SMTP server (aiosmtpd on 127.0.0.1): intact, once, within limits, securely."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import shutil
import subprocess
from email.header import decode_header, make_header
from pathlib import Path

import pytest

import briefgen
from briefgen.cli import main
from briefgen.delivery.journal import read_journal, states
from briefgen.delivery.outbox import read_outbox
from briefgen.delivery.send import _Pacer

from .conftest import (
    FROM,
    FROM_NAME,
    Certificate,
    Handler,
    Server,
    StartServer,
    cc_address,
    cc_name,
    copy_batch,
    manifest,
    run_briefgen,
    to_address,
    to_name,
    units_of,
    write_book,
)

TRANSPORT = {"received", "return-path", "x-peer", "x-mailfrom", "x-rcptto", "delivered-to"}


def _send(batch: Path, book: Path, outbox: Path, server: Server, *extra: str) -> int:
    return main(
        [
            "send", str(batch), "--recipients", str(book), "--from", FROM,
            "--outbox", str(outbox), "--send", *server.options(), *extra,
        ]
    )  # fmt: skip


def test_every_province_of_the_2025_batch_arrives_once_intact_over_one_connection(
    national_2025: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    server = smtp_server()
    units = units_of(national_2025)
    book = write_book(tmp_path / "book.csv", units)
    assert _send(national_2025, book, tmp_path / "outbox", server) == 0

    received = server.handler.received
    assert len(received) == len(units) == 34
    assert len(server.handler.sessions) == 1  # one connection for the whole run
    files = {f["code"]: f for f in manifest(national_2025)["files"]}
    by_to = {r.rcpt_tos[0]: r for r in received}
    for unit in units:
        item = by_to[to_address(unit)]
        assert item.rcpt_tos == [to_address(unit), cc_address(unit)]
        assert item.mail_from == "baocao@example.gov.vn"
        message = item.parsed()
        assert message["To"].addresses[0].display_name == to_name(unit)
        assert message["Cc"].addresses[0].display_name == cc_name(unit)
        assert message["From"].addresses[0].display_name == FROM_NAME
        assert str(message["Subject"]).endswith(f"năm 2025 - {unit.full_name}")
        (attachment,) = message.iter_attachments()
        assert attachment.get_filename() == f"Báo cáo {unit.name} 2025.pdf"
        assert attachment.get_content_type() == "application/pdf"
        data = attachment.get_content()
        assert hashlib.sha256(data).hexdigest() == files[unit.code]["sha256"]


def _perl_headers(path: Path) -> dict[str, str]:
    """The decoded headers of a message as Perl's Encode::MIME-Header reads them."""
    script = (
        "BEGIN{$/=undef} my ($h) = split /\\r?\\n\\r?\\n/, $_, 2; $h =~ s/\\r?\\n[ \\t]+/ /g;"
        "for (split /\\r?\\n/, $h) { my ($k, $v) = /^([^:]+):\\s*(.*)$/;"
        ' print "$k\\t", Encode::decode("MIME-Header", $v), "\\n" }'
    )
    result = subprocess.run(
        ["perl", "-CS", "-MEncode", "-ne", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("\t", 1) for line in result.stdout.splitlines())


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is required in CI (.ci/run installs it)")
        pytest.skip(f"{tool} not installed")
    return path


def test_names_read_back_exactly_in_independent_readers(
    national_2025: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    """ripmime and munpack unpack the received messages, Perl decodes their headers:
    every Vietnamese file name and display name is exact, every file intact."""
    _need("ripmime")
    _need("munpack")
    _need("perl")
    server = smtp_server()
    units = units_of(national_2025)
    book = write_book(tmp_path / "book.csv", units)
    assert _send(national_2025, book, tmp_path / "outbox", server) == 0
    files = {f["code"]: f["sha256"] for f in manifest(national_2025)["files"]}
    by_to = {r.rcpt_tos[0]: r for r in server.handler.received}
    for unit in units:
        eml = tmp_path / f"{unit.code}.eml"
        eml.write_bytes(by_to[to_address(unit)].data)
        want = f"Báo cáo {unit.name} 2025.pdf"

        headers = _perl_headers(eml)
        assert headers["To"] == f"{to_name(unit)} <{to_address(unit)}>"
        assert headers["Cc"] == f"{cc_name(unit)} <{cc_address(unit)}>"
        assert headers["From"] == FROM
        assert headers["Subject"].endswith(f"- {unit.full_name}")

        ripped = tmp_path / f"ripmime-{unit.code}"
        ripped.mkdir()
        subprocess.run(["ripmime", "-i", str(eml), "-d", str(ripped)], check=True)
        assert hashlib.sha256((ripped / want).read_bytes()).hexdigest() == files[unit.code]

        # munpack reads no RFC 2231 and decodes no RFC 2047: it names the file after the
        # raw name= parameter ('?' made 'X'), which must be the name as one encoded word.
        unpacked = tmp_path / f"munpack-{unit.code}"
        unpacked.mkdir()
        listing = subprocess.run(
            ["munpack", "-q", "-t", str(eml)],
            cwd=unpacked,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        word = "=?utf-8?b?" + base64.b64encode(want.encode()).decode() + "?="
        assert str(make_header(decode_header(word))) == want
        assert f"{word.replace('?', 'X')} (application/pdf)" in listing
        unpacked_pdf = unpacked / word.replace("?", "X")  # a '/' of base64 makes a folder
        assert hashlib.sha256(unpacked_pdf.read_bytes()).hexdigest() == files[unit.code]


def test_the_dry_run_outbox_is_what_send_delivers(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    server = smtp_server()
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    outbox = tmp_path / "outbox"
    dry = ["send", str(batch_2024), "--recipients", str(book), "--from", FROM]
    assert main([*dry, "--outbox", str(outbox)]) == 0
    assert server.handler.received == []  # a dry run sends nothing
    reviewed = {p.name: p.read_bytes() for p in outbox.glob("*.eml")}
    assert len(reviewed) == 3

    assert _send(batch_2024, book, outbox, server) == 0
    delivered = {r.message_id: r for r in server.handler.received}
    assert len(delivered) == 3
    from email import policy
    from email.parser import BytesParser

    for data in reviewed.values():
        dry_message = BytesParser(policy=policy.default).parsebytes(data)
        got = delivered[str(dry_message["Message-ID"])]
        sent_message = got.parsed()
        mine = [(k, str(v)) for k, v in dry_message.items() if k.lower() not in TRANSPORT]
        theirs = [(k, str(v)) for k, v in sent_message.items() if k.lower() not in TRANSPORT]
        assert mine == theirs
        assert [
            (a.get_filename(), a.get_content_type(), a.get_content())
            for a in dry_message.iter_attachments()
        ] == [
            (a.get_filename(), a.get_content_type(), a.get_content())
            for a in sent_message.iter_attachments()
        ]
        assert got.data == data  # byte for byte, in fact
        assert "Bcc" not in dry_message


def test_a_refused_recipient_is_reported_and_the_others_are_delivered(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    units = units_of(batch_2024)  # 01 Hà Nội, 38 Thanh Hóa, 77 Bà Rịa - Vũng Tàu
    handler = Handler()
    reply = "550 5.1.1 <{}>: Recipient address rejected: User unknown"
    handler.refuse = {to_address(u): reply.format(to_address(u)) for u in units[:2]}
    server = smtp_server(handler)
    book = write_book(tmp_path / "book.csv", units, no_cc={"01"})  # Hà Nội: only its 'to'

    assert _send(batch_2024, book, tmp_path / "outbox", server) == 1
    err = capsys.readouterr().err
    assert "REFUSED 01 Hà Nội: every recipient was refused" in err
    assert f"<{to_address(units[1])}>: 550 5.1.1 <{to_address(units[1])}>: Recipient" in err
    received = handler.received
    assert [r.rcpt_tos for r in received] == [
        [cc_address(units[1])],
        [to_address(units[2]), cc_address(units[2])],
    ]
    last = states(read_journal(tmp_path / "outbox" / "journal.jsonl"))
    by_code = {e.code: e for e in last.values()}
    assert (
        by_code["01"].event == "failed"
        and "550 5.1.1" in by_code["01"].refused[to_address(units[0])]
    )
    assert by_code["38"].event == "sent" and to_address(units[1]) in by_code["38"].refused


def test_a_temporary_failure_is_retried_and_the_message_delivered_once(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    handler = Handler(data_replies=["452 4.3.1 Insufficient system storage"] * 2)
    server = smtp_server(handler)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    assert _send(batch_2024, book, tmp_path / "outbox", server, "--backoff", "0.01") == 0
    assert handler.data_commands == 5  # 452, 452, then 250 for the first; 250, 250
    assert sorted(len(v) for v in handler.by_message_id().values()) == [1, 1, 1]
    events = [e.event for e in read_journal(tmp_path / "outbox" / "journal.jsonl")]
    assert events[:6] == ["sending", "failed", "sending", "failed", "sending", "sent"]


def test_temporary_failures_past_the_retries_are_reported_and_the_run_goes_on(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Handler(data_replies=["451 4.3.0 Try again later"] * 3)
    server = smtp_server(handler)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    args = ("--backoff", "0", "--retries", "2")
    assert _send(batch_2024, book, tmp_path / "outbox", server, *args) == 1
    assert "FAILED 01 Hà Nội: message refused: 451 4.3.0 Try again later (after 3 attempts)" in (
        capsys.readouterr().err
    )
    assert len(handler.received) == 2
    # The next run tries it again: nothing was delivered, so nothing is doubled.
    assert _send(batch_2024, book, tmp_path / "outbox", server) == 0
    assert sorted(len(v) for v in handler.by_message_id().values()) == [1, 1, 1]


def test_a_message_over_the_servers_size_is_refused_before_data(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # A batch of DOCX files only, but Thanh Hóa's PDF too: its message is about 225 KB,
    # the others about 88 KB, and the server takes 100,000 bytes.
    batch = copy_batch(batch_2024, tmp_path / "batch")
    data = manifest(batch)
    data["files"] = [f for f in data["files"] if f["format"] == "docx" or f["code"] == "38"]
    import json

    (batch / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    server = smtp_server(data_size_limit=100_000)
    book = write_book(tmp_path / "book.csv", units_of(batch))
    assert _send(batch, book, tmp_path / "outbox", server) == 1
    err = capsys.readouterr().err
    size = next(m.size for m in read_outbox(tmp_path / "outbox").messages if m.code == "38")
    assert (
        f"REFUSED 38 Thanh Hóa: the message is {size:,} bytes and 127.0.0.1:{server.port} "
        "accepts at most 100,000 (its SIZE); not sent"
    ) in err
    assert len(server.handler.mail_options) == 2  # no MAIL FROM for it, let alone DATA
    assert all(opts[0].startswith("SIZE=") for opts in server.handler.mail_options)
    assert [r.rcpt_tos[0] for r in server.handler.received] == [
        "skhcn-01@example.gov.vn",
        "skhcn-77@example.gov.vn",
    ]


def test_a_dropped_connection_is_opened_again_and_nothing_is_lost_or_doubled(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    handler = Handler(drop_after={0})
    server = smtp_server(handler)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    assert _send(batch_2024, book, tmp_path / "outbox", server, "--backoff", "0") == 0
    assert len(handler.sessions) == 2
    assert sorted(len(v) for v in handler.by_message_id().values()) == [1, 1, 1]


PASSWORD = "Mật-khẩu s3cr3t!"


def _auth_server(smtp_server: StartServer, certificate: Certificate, tries: list[str]) -> Server:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        tries.append(data.login.decode())
        ok = data.login == b"baocao" and data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)

    server: Server = smtp_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    return server


def test_starttls_and_a_password_from_the_environment_that_never_shows(
    batch_2024: Path,
    tmp_path: Path,
    smtp_server: StartServer,
    certificate: Certificate,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tries: list[str] = []
    server = _auth_server(smtp_server, certificate, tries)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    outbox = tmp_path / "outbox"
    args = [
        "send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--outbox",
        str(outbox), "--send", *server.options("starttls"), "--smtp-user", "baocao",
        "--cafile", str(certificate.cert),
    ]  # fmt: skip
    env = {"BRIEFGEN_SMTP_PASSWORD": PASSWORD}
    result = run_briefgen(args, env)
    assert result.returncode == 0, result.stderr
    assert len(server.handler.received) == 3 and tries == ["baocao"]

    # The same in this process, every log record kept.
    caplog.set_level(logging.DEBUG)
    os.environ["BRIEFGEN_SMTP_PASSWORD"] = PASSWORD
    try:
        assert main([*args[:-6], "--outbox", str(tmp_path / "second"), *args[-6:]]) == 0
    finally:
        del os.environ["BRIEFGEN_SMTP_PASSWORD"]
    assert len(server.handler.received) == 6

    secrets = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode()]
    written = [
        p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file()
    ]
    logged = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    for secret in secrets:
        assert secret not in result.stdout + result.stderr
        assert not any(secret in text for text in written + logged)
    assert "sent" in [e.event for e in read_journal(outbox / "journal.jsonl")]


def test_a_wrong_password_stops_before_anything_is_sent_and_is_not_echoed(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, certificate: Certificate
) -> None:
    tries: list[str] = []
    server = _auth_server(smtp_server, certificate, tries)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    wrong = "sai-mật-khẩu-0815"
    result = run_briefgen(
        [
            "send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--send",
            "--outbox", str(tmp_path / "outbox"), *server.options("starttls"),
            "--smtp-user", "baocao", "--cafile", str(certificate.cert),
        ],
        {"BRIEFGEN_SMTP_PASSWORD": wrong},
    )  # fmt: skip
    assert result.returncode == 2
    assert "refused the login of 'baocao': 535" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4  # no traceback
    assert "Traceback" not in result.stderr
    assert server.handler.received == []


def test_a_password_on_the_command_line_is_refused_without_echo(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    code = main(
        ["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--password",
         "hunter2-secret", "--outbox", str(tmp_path / "outbox")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "never taken on the command line" in err and "hunter2-secret" not in err
    assert not (tmp_path / "outbox").exists()


def test_no_password_for_a_user_stops_before_the_outbox_is_written(
    batch_2024: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BRIEFGEN_SMTP_PASSWORD", raising=False)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    code = main(
        ["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--send",
         "--smtp-host", "127.0.0.1", "--smtp-user", "baocao", "--outbox", str(tmp_path / "ob")]
    )  # fmt: skip
    assert code == 2
    assert "no password for SMTP user 'baocao'" in capsys.readouterr().err
    assert not (tmp_path / "ob").exists()


def test_implicit_tls_with_the_test_certificate(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, certificate: Certificate
) -> None:
    server = smtp_server(ssl_context=certificate.server_context())
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    cafile = str(certificate.cert)
    code = main(
        ["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--send",
         "--outbox", str(tmp_path / "tls-outbox"), *server.options("ssl"), "--cafile", cafile]
    )  # fmt: skip
    assert code == 0
    assert len(server.handler.received) == 3


def test_a_certificate_that_is_not_trusted_is_refused(
    batch_2024: Path,
    tmp_path: Path,
    smtp_server: StartServer,
    certificate: Certificate,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    code = main(
        ["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--send",
         "--outbox", str(tmp_path / "outbox"), *server.options("starttls"), "--retries", "0"]
    )  # fmt: skip
    assert code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in capsys.readouterr().err
    assert server.handler.received == []


def test_the_library_api_composes_and_sends_with_a_progress_callback(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    server = smtp_server()
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    seen: list[tuple[int, int, str]] = []
    composed = briefgen.compose_messages(
        batch_2024, book, mail_from=FROM, outbox=tmp_path / "outbox",
        progress=lambda done, total, m: seen.append((done, total, m.code)),
    )  # fmt: skip
    assert seen == [(1, 3, "01"), (2, 3, "38"), (3, 3, "77")]
    assert composed.ok and len(composed.messages) == 3
    settings = briefgen.SmtpSettings(server.host, port=server.port, tls="none")
    statuses: list[str] = []
    report = briefgen.send_messages(
        composed, settings, progress=lambda done, total, o: statuses.append(o.status)
    )
    assert report.ok and statuses == ["sent"] * 3
    assert next(o.reply for o in report.sent).startswith("250 2.0.0 Ok")
    again = briefgen.send_messages(tmp_path / "outbox", settings)
    assert [o.status for o in again.outcomes] == ["already-sent"] * 3
    assert len(server.handler.received) == 3


def test_the_rate_spaces_message_starts_evenly() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = _Pacer(30, clock=lambda: now[0], sleep=sleep)  # one every 2 s
    pacer.wait()
    now[0] += 0.5
    pacer.wait()
    now[0] += 3.0
    pacer.wait()
    pacer.wait()
    assert slept == [1.5, 2.0]
    assert _Pacer(None).interval == 0


def test_lines_that_start_with_a_dot_arrive_as_written(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    """SMTP ends a message at a line holding one '.': such lines are doubled on the
    wire (dot-stuffing) and the server restores them."""
    from conftest import write_template

    folder = write_template(tmp_path / "dots", '{% extends "official/brief.xml.j2" %}')
    (folder / "mail.subject.j2").write_text("Report {{ year }}", "utf-8")
    (folder / "mail.txt.j2").write_text("Dear all,\n.\n..two\n.end\n", "utf-8")
    (folder / "mail.html.j2").write_text("<p>.</p>\n.\n", "utf-8")
    server = smtp_server()
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    outbox = tmp_path / "outbox"
    assert _send(batch_2024, book, outbox, server, "--template", str(folder)) == 0
    for item in server.handler.received:
        message = item.parsed()
        assert message.get_body(("plain",)).get_content() == "Dear all,\r\n.\r\n..two\r\n.end\r\n"
        (eml,) = [p for p in outbox.glob("*.eml") if p.read_bytes() == item.data]
        assert b"\r\n.\r\n" in eml.read_bytes()


def test_an_internationalised_address_goes_with_smtputf8_or_is_refused_clearly(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "book.csv"
    book.write_text(
        "province,to\n01,Sở KH&CN <skhcn@hanoi.gov.vn>\n38,Nguyễn Văn A <nguyễn@thanhhoa.vn>\n"
        "77,stttt@baria-vungtau.gov.vn\n",
        "utf-8",
    )
    modern = smtp_server(enable_SMTPUTF8=True)
    assert _send(batch_2024, book, tmp_path / "outbox", modern) == 0
    (utf8,) = [r for r in modern.handler.received if r.rcpt_tos == ["nguyễn@thanhhoa.vn"]]
    assert "SMTPUTF8" in modern.handler.mail_options[1]
    from email import policy
    from email.parser import Parser

    # An RFC 6532 message: its headers are UTF-8 text, read as such.
    message = Parser(policy=policy.SMTPUTF8).parsestr(utf8.data.decode("utf-8"))
    assert message["To"].addresses[0].addr_spec == "nguyễn@thanhhoa.vn"
    assert message["To"].addresses[0].display_name == "Nguyễn Văn A"

    old = smtp_server(enable_SMTPUTF8=False)  # aiosmtpd's Controller offers it unless told
    assert _send(batch_2024, book, tmp_path / "outbox-old", old) == 1
    assert "an address needs SMTPUTF8, which 127.0.0.1:" in capsys.readouterr().err
    assert len(old.handler.received) == 2
