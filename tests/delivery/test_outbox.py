"""The outbox: written all or nothing, and a message changed on disk is never sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.delivery.compose import compose_messages
from briefgen.delivery.outbox import read_outbox
from briefgen.delivery.send import send_messages
from briefgen.delivery.settings import SmtpSettings
from briefgen.errors import DataError

from .conftest import FROM, StartServer, units_of, write_book


def test_a_message_changed_after_composing_stops_the_send_before_any_connection(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    server = smtp_server()
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    report = compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob")
    edited = tmp_path / "ob" / report.messages[2].file
    edited.write_bytes(edited.read_bytes().replace(b"Subject:", b"Subject: [edited]", 1))
    settings = SmtpSettings(server.host, port=server.port, tls="none")
    with pytest.raises(DataError, match=r"77-ba-ria-vung-tau-2024\.eml: changed since it was"):
        send_messages(tmp_path / "ob", settings)
    assert server.handler.sessions == []


def test_reading_a_folder_that_is_no_outbox_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nothing was composed here .*run briefgen send BATCH"):
        read_outbox(tmp_path)
    (tmp_path / "outbox.json").write_text("{}", "utf-8")
    with pytest.raises(DataError, match="not an outbox index: KeyError"):
        read_outbox(tmp_path)


def test_an_error_halfway_leaves_the_earlier_outbox_as_it_was(
    batch_2024: Path, tmp_path: Path
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    compose_messages(batch_2024, book, mail_from=FROM, outbox=tmp_path / "ob")
    before = {p.name: p.read_bytes() for p in (tmp_path / "ob").iterdir()}
    with pytest.raises(Exception, match=r"over the 0\.2 MB limit"):
        compose_messages(
            batch_2024, book, mail_from="Khác <khac@example.gov.vn>", outbox=tmp_path / "ob",
            max_size=200_000,
        )  # fmt: skip
    assert {p.name: p.read_bytes() for p in (tmp_path / "ob").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.csv", "ob"]  # no staging left
