"""``briefgen send``: the command's logic (the CLI only wires its arguments to :func:`run`).

``briefgen send OUT_DIR --recipients BOOK`` composes the outbox (a dry run);
with ``--send`` it then sends it; ``briefgen send --status OUT_DIR`` prints
the journal as a table.  Options come from the command line, else from
``--config FILE``, else from the defaults.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from briefgen.delivery import journal as jr
from briefgen.delivery.compose import OUTBOX, ComposeReport, compose_messages
from briefgen.delivery.outbox import INDEX, JOURNAL, OutboxMessage, read_outbox
from briefgen.delivery.send import SendReport, send_messages
from briefgen.delivery.settings import (
    DEFAULT_MAX_SIZE,
    MB,
    PASSWORD_ENV,
    DkimSettings,
    Sender,
    SmtpSettings,
    load_config,
)
from briefgen.errors import DataError, Location, UsageError

EXIT_OK = 0
EXIT_FAILURE = 1


class _Options:
    """Command-line values over config-file values over defaults."""

    def __init__(self, given: Mapping[str, Any]):
        self.given = given
        self.config = load_config(given["config"]) if given.get("config") else {}

    def get(self, name: str, default: Any = None) -> Any:
        value = self.given.get(name)
        if value is None:
            value = self.config.get(name)
        return default if value is None else value


def run(given: Mapping[str, Any], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``briefgen send`` with the parsed arguments ``given``; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    options = _Options(given)
    batch = Path(given["out_dir"])
    outbox = Path(options.get("outbox") or batch / OUTBOX)
    if given.get("status"):
        out.write(status_table(outbox))
        return EXIT_OK
    book = options.get("recipients")
    if not book:
        raise UsageError(
            "send needs --recipients FILE, the address book",
            hint="see docs/delivery.md for its format",
        )
    sender = Sender.parse(options.get("from"), options.get("sender"), options.get("reply_to"))
    smtp = _smtp(options) if given.get("send") else None
    dkim = _dkim(options)
    max_mb = float(options.get("max_size", DEFAULT_MAX_SIZE / MB))
    with _Bar(err, "message") as bar:
        report = compose_messages(
            batch,
            book,
            mail_from=sender,
            outbox=outbox,
            template=options.get("template"),
            limit=options.get("limit"),
            max_size=int(max_mb * MB) if max_mb > 0 else 0,
            dkim=dkim,
            progress=bar.composed,
        )
    _print_outbox(report, out)
    _print_skipped(report, err)
    if smtp is None:
        err.write(
            f"dry run: {len(report.messages)} message(s) written to {report.folder}/ "
            f"({INDEX} lists them); nothing was sent. Check them, then add --send.\n"
        )
        return EXIT_OK if report.ok else EXIT_FAILURE
    with _Bar(err, "message") as bar:
        sent = send_messages(
            report,
            smtp,
            resend_uncertain=bool(given.get("resend_uncertain")),
            progress=bar.sent,
        )
    _print_sent(sent, err)
    return EXIT_OK if sent.ok else EXIT_FAILURE


def _smtp(options: _Options) -> SmtpSettings:
    host = options.get("smtp_host")
    if not host:
        raise UsageError(
            "--send needs the mail server",
            Location(field="smtp_host"),
            "give --smtp-host (and --smtp-port, --smtp-user, --tls) or 'smtp_host:' in --config",
        )
    settings = SmtpSettings(
        host=host,
        port=options.get("smtp_port"),
        user=options.get("smtp_user"),
        tls=options.get("tls", "starttls"),
        password_env=options.get("password_env", PASSWORD_ENV),
        keyring=options.get("keyring"),
        cafile=options.get("cafile"),
        timeout=float(options.get("timeout", 60.0)),
        rate=options.get("rate"),
        retries=int(options.get("retries", 3)),
        backoff=float(options.get("backoff", 2.0)),
    )
    # Read the password now: a missing one stops the run before anything is written.
    return replace(settings, password=settings.login_password())


def _dkim(options: _Options) -> DkimSettings | None:
    names = ("dkim_domain", "dkim_selector", "dkim_key")
    values = [options.get(name) for name in names]
    if not any(values):
        return None
    if not all(values):
        missing = [n for n, v in zip(names, values, strict=True) if not v]
        raise UsageError(
            "DKIM signing needs a domain, a selector and a key",
            Location(field=missing[0]),
            "give --dkim-domain, --dkim-selector and --dkim-key together",
        )
    return DkimSettings.from_file(values[0], values[1], values[2])


# --------------------------------------------------------------------------- output


class _Bar:
    """A tqdm bar on a terminal, else one line per item (as ``briefgen batch`` does)."""

    def __init__(self, err: TextIO, unit: str):
        self.err = err
        self.unit = unit
        self.bar: Any = None

    def __enter__(self) -> _Bar:
        if self.err.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(total=None, unit=self.unit, file=self.err, dynamic_ncols=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def _step(self, done: int, total: int, label: str) -> None:
        if self.bar is not None:
            self.bar.total = total
            self.bar.set_postfix_str(label)
            self.bar.update(1)
        else:
            self.err.write(f"[{done}/{total}] {label}\n")

    def composed(self, done: int, total: int, message: OutboxMessage) -> None:
        self._step(done, total, f"{message.code} {message.province}: composed")

    def sent(self, done: int, total: int, outcome: Any) -> None:
        self._step(done, total, f"{outcome.code} {outcome.province}: {outcome.status}")


def _print_outbox(report: ComposeReport, out: TextIO) -> None:
    rows = [
        (
            m.code,
            m.province,
            _first(m.to, len(m.recipients)),
            f"{m.size / 1024:,.0f} KB",
            ", ".join(a.name for a in m.attachments),
        )
        for m in report.messages
    ]
    out.write(_table(("code", "province", "to", "size", "attachments"), rows))


def _first(to: tuple[str, ...], total: int) -> str:
    text = to[0] if to else ""
    return f"{text} (+{total - 1})" if total > 1 else text


def _print_skipped(report: ComposeReport, err: TextIO) -> None:
    if not report.complete and not report.skipped:
        err.write("warning: the batch's manifest says it is not complete (was it interrupted?)\n")
    for item in report.skipped:
        err.write(f"SKIPPED {item.code} {item.province}: failed in the batch: {item.reason}\n")


def _print_sent(report: SendReport, err: TextIO) -> None:
    counts = (
        f"{len(report.sent)} sent, {len(report.already_sent)} sent before, "
        f"{len(report.uncertain)} uncertain, {len(report.refused)} refused, "
        f"{len(report.failed)} failed; journal: {report.journal}"
    )
    err.write(counts + "\n")
    for outcome in report.outcomes:
        label = f"{outcome.code} {outcome.province}"
        if outcome.status in ("refused", "failed", "uncertain"):
            err.write(f"{outcome.status.upper()} {label}: {outcome.reply}\n")
        for address, reply in outcome.refused.items():
            err.write(f"REFUSED {label} <{address}>: {reply}\n")
    for item in report.skipped:
        err.write(f"SKIPPED {item.code} {item.province}: failed in the batch: {item.reason}\n")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    if not rows:
        return ""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    return "\n".join(lines) + "\n"


def status_table(outbox: Path) -> str:
    """The journal of ``outbox`` as a table: one row per message, its last state.

    Messages composed but never tried show as ``pending``.
    """
    journal = outbox / JOURNAL
    entries = jr.read_journal(journal)
    composed: tuple[OutboxMessage, ...] = ()
    if (outbox / INDEX).is_file():
        composed = read_outbox(outbox).messages
    elif not entries:
        raise DataError(
            "nothing was composed or sent here",
            Location(file=str(outbox)),
            "give the batch folder (or --outbox DIR) that briefgen send used",
        )
    last = jr.states(entries)
    rows: list[tuple[str, ...]] = []
    for message in composed:
        rows.append(
            _status_row(message.code, message.province, last.pop(message.key, None), message)
        )
    for entry in last.values():  # messages of earlier outboxes
        rows.append(_status_row(entry.code, entry.province, entry, None))
    header = ("code", "province", "state", "time", "recipients", "server reply", "message-id")
    return _table(header, rows)


def _status_row(
    code: str, province: str, entry: jr.Entry | None, message: OutboxMessage | None
) -> tuple[str, ...]:
    if entry is None:
        recipients = ", ".join(message.recipients) if message else ""
        return (
            code,
            province,
            "pending",
            "",
            recipients,
            "",
            message.message_id if message else "",
        )
    recipients = ", ".join(entry.recipients) or (", ".join(message.recipients) if message else "")
    said = entry.reply or entry.reason
    if entry.refused:
        said += "; refused: " + "; ".join(f"{a} ({r})" for a, r in entry.refused.items())
    return (code, province, entry.state, entry.time, recipients, said, entry.message_id)
