"""``briefgen send`` as a person sees it: the outbox table, progress, summary, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.cli import main

from .conftest import FROM, StartServer, to_address, units_of, write_book


def test_a_dry_run_prints_the_outbox_and_says_nothing_was_sent(
    batch_2024: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = units_of(batch_2024)
    book = write_book(tmp_path / "book.csv", units)
    outbox = tmp_path / "outbox"
    assert main(["send", str(batch_2024), "--recipients", str(book), "--from", FROM,
                 "--outbox", str(outbox)]) == 0  # fmt: skip
    captured = capsys.readouterr()
    table = captured.out.splitlines()
    assert table[0].split() == ["code", "province", "to", "size", "attachments"]
    assert table[2].startswith("38    Thanh Hóa ")
    assert f"<{to_address(units[1])}> (+1)" in table[2]
    assert "Báo cáo Thanh Hóa 2024.pdf, Báo cáo Thanh Hóa 2024.docx" in table[2]
    assert captured.err.splitlines() == [
        "[1/3] 01 Hà Nội: composed",
        "[2/3] 38 Thanh Hóa: composed",
        "[3/3] 77 Bà Rịa - Vũng Tàu: composed",
        f"dry run: 3 message(s) written to {outbox}/ (outbox.json lists them); nothing was "
        "sent. Check them, then add --send.",
    ]


def test_send_prints_progress_and_a_summary(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server = smtp_server()
    book = write_book(tmp_path / "book.csv", units_of(batch_2024))
    args = ["send", str(batch_2024), "--recipients", str(book), "--from", FROM, "--outbox",
            str(tmp_path / "outbox"), "--send", *server.options(), "--limit", "2"]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[2:5] == [
        "[1/2] 01 Hà Nội: sent",
        "[2/2] 38 Thanh Hóa: sent",
        f"2 sent, 0 sent before, 0 uncertain, 0 refused, 0 failed; journal: "
        f"{tmp_path / 'outbox' / 'journal.jsonl'}",
    ]
    args[-1] = "3"
    assert main(args) == 0
    assert "1 sent, 2 sent before" in capsys.readouterr().err
    assert len(server.handler.received) == 3


def test_the_status_lists_messages_of_earlier_outboxes_too(
    batch_2024: Path, tmp_path: Path, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server = smtp_server()
    units = units_of(batch_2024)
    outbox = tmp_path / "outbox"
    base = ["send", str(batch_2024), "--from", FROM, "--outbox", str(outbox)]
    book = write_book(tmp_path / "book.csv", units)
    assert main([*base, "--recipients", str(book), "--send", *server.options()]) == 0
    other = write_book(tmp_path / "other.csv", units, no_cc={"01"})  # 01 is a new message now
    assert main([*base, "--recipients", str(other)]) == 0
    capsys.readouterr()
    assert main(["send", "--status", str(batch_2024), "--outbox", str(outbox)]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [(r.split()[0], "pending" in r, " sent " in r) for r in rows] == [
        ("01", True, False),  # the new message, composed but not sent
        ("38", False, True),
        ("77", False, True),
        ("01", False, True),  # the one sent before, from the earlier outbox
    ]
