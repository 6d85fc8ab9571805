"""Sender and server settings: the config file, defaults, and where a password may come from."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.delivery.settings import Sender, SmtpSettings, load_config
from briefgen.errors import DataError, UsageError

from .conftest import FROM, StartServer, units_of, write_book


def test_a_config_file_gives_the_options_and_the_command_line_wins(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    server = smtp_server()
    config = tmp_path / "send.yaml"
    config.write_text(
        f"""\
smtp_host: 127.0.0.1
smtp_port: {server.port}
tls: none
from: "{FROM}"
reply_to: Phòng Tổng hợp <tonghop@example.gov.vn>
rate: 6000
max_size: 5
outbox: {tmp_path / "from-config"}
""",
        "utf-8",
    )
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    args = ["send", str(batch_2024), "--recipients", str(book), "--config", str(config)]
    assert main([*args, "--send", "--limit", "1"]) == 0
    assert len(server.handler.received) == 1
    message = server.handler.received[0].parsed()
    assert message["Reply-To"].addresses[0].addr_spec == "tonghop@example.gov.vn"
    assert (tmp_path / "from-config" / "journal.jsonl").is_file()
    assert main([*args, "--outbox", str(tmp_path / "given")]) == 0  # the option wins
    assert (tmp_path / "given" / "outbox.json").is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("smtp_password: hunter2\n", "send.yaml:1, field 'smtp_password': a password is never"),
        ("smtp_hots: x\n", "send.yaml:1, field 'smtp_hots': unknown key 'smtp_hots' (did you "
                           "mean 'smtp_host'?)"),
        ("rate: fast\n", "send.yaml:1, field 'rate': 'rate' must be int or float, not 'fast'"),
        ("- a\n", "send.yaml: a config file is a mapping"),
    ],
)  # fmt: skip
def test_a_bad_config_file_is_named_by_line_and_key(
    text: str, message: str, batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "send.yaml"
    config.write_text(text, "utf-8")
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    code = main(["send", str(batch_2024), "--recipients", str(book), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert "hunter2" not in err
    assert not (batch_2024 / "outbox").exists()


def test_send_without_a_server_is_a_usage_error(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    code = main(["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--send"])
    assert code == 2
    assert "field 'smtp_host': --send needs the mail server" in capsys.readouterr().err
    assert main(["send", str(batch_2024), "--from", FROM]) == 2
    assert "send needs --recipients FILE" in capsys.readouterr().err


def test_defaults_and_checks_of_the_server_settings() -> None:
    assert SmtpSettings("smtp.example.gov.vn").server == "smtp.example.gov.vn:587"
    assert SmtpSettings("smtp.example.gov.vn", tls="ssl").effective_port == 465
    assert SmtpSettings("localhost", tls="none").effective_port == 25
    assert "hunter2" not in repr(SmtpSettings("h", user="u", password="hunter2"))
    with pytest.raises(UsageError, match="without TLS would send the password unencrypted"):
        SmtpSettings("smtp.example.gov.vn", tls="none", user="baocao")
    SmtpSettings("127.0.0.1", tls="none", user="baocao")  # a local relay may
    with pytest.raises(UsageError, match="unknown TLS mode 'tls'"):
        SmtpSettings("h", tls="tls")
    with pytest.raises(UsageError, match="rate must be a positive number"):
        SmtpSettings("h", rate=0)


def test_the_password_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SMTP_SECRET", "s3cret")
    assert SmtpSettings("h", user="u", password_env="MY_SMTP_SECRET").login_password() == "s3cret"
    assert SmtpSettings("h").login_password() is None  # no user, no login
    monkeypatch.delenv("BRIEFGEN_SMTP_PASSWORD", raising=False)
    with pytest.raises(UsageError, match=r"set the environment variable BRIEFGEN_SMTP_PASSWORD"):
        SmtpSettings("h", user="u").login_password()


def test_the_keyring_needs_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFGEN_SMTP_PASSWORD", raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if briefgen[keyring] were not installed
    with pytest.raises(UsageError, match=r"pip install briefgen\[keyring\]"):
        SmtpSettings("h", user="u", keyring="briefgen-smtp").login_password()


def test_sender_addresses_are_parsed_like_the_address_book() -> None:
    sender = Sender.parse(FROM, "Văn thư <vanthu@example.gov.vn>", "a@x.vn; b@x.vn")
    assert sender.mail_from.name == "Sở Khoa học và Công nghệ, Văn phòng Tổng hợp"
    assert sender.envelope_from == "vanthu@example.gov.vn"
    assert [m.address for m in sender.reply_to] == ["a@x.vn", "b@x.vn"]
    with pytest.raises(UsageError, match="must be exactly one address"):
        Sender.parse("a@x.vn; b@x.vn")


def test_load_config_reads_every_key(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("smtp-host: h\nsmtp_port: 2525\nretries: 0\nbackoff: 0.5\n", "utf-8")
    assert load_config(path) == {"smtp_host": "h", "smtp_port": 2525, "retries": 0, "backoff": 0.5}
    with pytest.raises(DataError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
