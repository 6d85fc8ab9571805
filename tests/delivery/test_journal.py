"""The journal: exactly once across a SIGKILL, uncertain never resent, the status table."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.delivery.journal import SENDING, SENT, Entry, Journal, read_journal, states
from briefgen.errors import DataError, UsageError

from .conftest import (
    FROM,
    Handler,
    StartServer,
    briefgen_process,
    run_briefgen,
    units_of,
    write_book,
)


def test_a_run_killed_between_data_and_the_reply_then_rerun_sends_each_message_once(
    national_2025: Path, tmp_path: Path, smtp_server: StartServer
) -> None:
    """SIGKILL while the server holds its reply to the 11th message: the first ten are
    sent and journaled, the 11th is uncertain; the rerun sends the other 23 and not it."""
    handler = Handler(hold=10)
    server = smtp_server(handler)
    units = units_of(national_2025)
    book = write_book(tmp_path / "book.csv", units)
    outbox = tmp_path / "outbox"
    args = [
        "send", str(national_2025), "--recipients", str(book), "--from", FROM,
        "--outbox", str(outbox), "--send", *server.options(),
    ]  # fmt: skip
    process = briefgen_process(args)
    try:
        assert handler.arrived.wait(120), "the server never saw the 11th message"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        handler.release.set()
    assert process.returncode == -signal.SIGKILL
    assert len(handler.received) == 11
    held = handler.received[10]

    last = states(read_journal(outbox / "journal.jsonl"))
    assert sorted(e.event for e in last.values()) == [SENDING] + [SENT] * 10
    (in_flight,) = [e for e in last.values() if e.event == SENDING]
    assert in_flight.message_id == held.message_id
    assert in_flight.code == units[10].code

    rerun = run_briefgen(args)
    assert rerun.returncode == 1  # one message's fate is unknown: the run is not all good
    assert f"UNCERTAIN {units[10].code} {units[10].name}: " in rerun.stderr
    assert "23 sent, 10 sent before, 1 uncertain, 0 refused, 0 failed" in rerun.stderr
    counts = {mid: len(items) for mid, items in handler.by_message_id().items()}
    assert len(counts) == 34 and set(counts.values()) == {1}  # each message exactly once

    status = run_briefgen(["send", "--status", str(national_2025), "--outbox", str(outbox)])
    assert status.returncode == 0
    rows = [line.split() for line in status.stdout.splitlines()[1:]]
    assert len(rows) == 34
    assert [r[0] for r in rows if "uncertain" in r] == [units[10].code]
    assert sum("sent" in r for r in rows) == 33

    # On purpose, the uncertain message is sent again; nothing else is.
    again = run_briefgen([*args, "--resend-uncertain"])
    assert again.returncode == 0, again.stderr
    assert "1 sent, 33 sent before" in again.stderr
    counts = {mid: len(items) for mid, items in handler.by_message_id().items()}
    assert counts[held.message_id] == 2 and sum(counts.values()) == 35


def test_a_connection_lost_after_the_data_is_uncertain_and_the_run_goes_on(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server takes the first message and vanishes before its reply: the message is
    recorded as uncertain (never resent), the run reconnects and sends the rest."""

    class Vanishing(Handler):
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            reply = await super().handle_DATA(server, session, envelope)
            if len(self.received) == 1:
                server.transport.abort()  # type: ignore[attr-defined]
            return reply

    handler = Vanishing()
    server = smtp_server(handler)
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    outbox = tmp_path / "outbox"
    args = ["send", str(batch_2024), "--recipients", str(book), "--from", FROM]
    args += ["--outbox", str(outbox), "--send", *server.options(), "--backoff", "0"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "UNCERTAIN 01 Hà Nội: the connection broke before the server's reply" in err
    assert len(handler.received) == 3
    last = {e.code: e.event for e in states(read_journal(outbox / "journal.jsonl")).values()}
    assert last == {"01": "uncertain", "38": "sent", "77": "sent"}
    assert main(args) == 1
    assert len(handler.received) == 3  # not sent again
    assert "0 sent, 2 sent before, 1 uncertain" in capsys.readouterr().err


def _entry(event: str, key: str = "k1") -> Entry:
    return Entry(time="2025-01-10T09:30:00+07:00", event=event, key=key, message_id="<m>",
                 code="38", province="Thanh Hóa")  # fmt: skip


def test_a_line_cut_short_by_a_crash_is_ignored_and_the_next_line_starts_clean(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        journal.write(_entry("sending"))
    line = json.dumps(_entry("sent").to_json())
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line[:40])  # the process died while writing 'sent'
    assert [e.event for e in read_journal(path)] == ["sending"]
    assert states(read_journal(path))["k1"].state == "uncertain"
    with Journal(path) as journal:
        assert journal.state("k1") is not None
        journal.write(_entry("sending", "k2"))
    assert [e.key for e in read_journal(path)] == ["k1", "k2"]


def test_a_damaged_journal_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    good = json.dumps(_entry("sent").to_json())
    path.write_text(f"{good}\nnot json\n{good}\n", "utf-8")
    with pytest.raises(DataError, match=r"journal.jsonl:2: not a journal line"):
        read_journal(path)


def test_two_senders_cannot_share_an_outbox(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    with Journal(path), pytest.raises(UsageError, match="another briefgen send"):
        Journal(path).__enter__()


def test_status_of_a_folder_where_nothing_was_composed_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["send", "--status", str(tmp_path)]) == 2
    assert "nothing was composed or sent here" in capsys.readouterr().err


def test_status_lists_pending_messages_of_a_dry_run(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    outbox = tmp_path / "outbox"
    assert main(["send", str(batch_2024), "--recipients", str(book), "--from", FROM,
                 "--outbox", str(outbox)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["send", str(batch_2024), "--status", "--outbox", str(outbox)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["code", "province", "state", "time"]
    assert [line.split()[0] for line in lines[1:]] == ["01", "38", "77"]
    assert all("pending" in line for line in lines[1:])
