"""Send an outbox over SMTP: once, at a bounded rate, within the server's limits.

- One connection for the whole run (STARTTLS, implicit TLS, or none for a
  local relay), opened again when the server drops it.
- The server's advertised ``SIZE`` is respected: a message over it is
  refused before ``MAIL FROM`` with a clear reason, and the run goes on.
- A recipient the server refuses (5xx) is reported with the server's reply;
  the message still goes to the others, and the run goes on.  A temporary
  failure (4xx, a dropped connection before the message was handed over) is
  retried after a backoff that doubles, a bounded number of times.
- The journal (:mod:`briefgen.delivery.journal`) records ``sending`` before
  ``DATA`` and ``sent`` with the server's reply after it, so a message is sent
  at most once, across crashes and reruns; a message whose outcome is unknown
  is reported as uncertain and not sent again unless asked.
- The password is read once from the environment or the keyring
  (:meth:`SmtpSettings.login_password`) and goes nowhere but to AUTH.

The logger ``briefgen.delivery`` says at INFO what happened to each message,
at WARNING what was refused or is uncertain, at DEBUG each connection.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.delivery import journal as jr
from briefgen.delivery.compose import ComposeReport
from briefgen.delivery.outbox import Outbox, OutboxMessage, Skipped, read_outbox
from briefgen.delivery.settings import SmtpSettings
from briefgen.errors import Location, OutputError, UsageError

log = logging.getLogger("briefgen.delivery")

SENT = "sent"
ALREADY_SENT = "already-sent"
UNCERTAIN = "uncertain"
REFUSED = "refused"
FAILED = "failed"

_MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class Outcome:
    """What happened to one message in this run.

    ``status``: ``sent``; ``already-sent`` (by an earlier run, per the journal);
    ``uncertain`` (an earlier or this run handed it over and never heard the
    reply: not sent again); ``refused`` (the server said no for good: 5xx, a
    size over its limit); ``failed`` (temporary failures outlasted the retries).
    ``reply``: the server's reply, or why.  ``refused``: recipients the server
    refused, each with its reply (the message went to the others).
    """

    code: str
    province: str
    message_id: str
    status: str
    reply: str = ""
    refused: Mapping[str, str] = field(default_factory=dict)
    attempts: int = 0

    @property
    def delivered(self) -> bool:
        """The server took the message, now or in an earlier run."""
        return self.status in (SENT, ALREADY_SENT)


@dataclass(frozen=True)
class SendReport:
    """What a send run did, message by message, and where its journal is."""

    outcomes: tuple[Outcome, ...]
    journal: Path
    skipped: tuple[Skipped, ...] = ()
    """Provinces of the batch that had no message to send (they failed in the batch)."""

    def _with(self, *statuses: str) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status in statuses)

    @property
    def sent(self) -> tuple[Outcome, ...]:
        return self._with(SENT)

    @property
    def already_sent(self) -> tuple[Outcome, ...]:
        return self._with(ALREADY_SENT)

    @property
    def uncertain(self) -> tuple[Outcome, ...]:
        return self._with(UNCERTAIN)

    @property
    def refused(self) -> tuple[Outcome, ...]:
        return self._with(REFUSED)

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return self._with(FAILED)

    @property
    def ok(self) -> bool:
        """Every message delivered to every recipient, and no province left out."""
        return not self.skipped and all(o.delivered and not o.refused for o in self.outcomes)


SendProgress = Callable[[int, int, Outcome], None]
"""Called after each message: (done, total, outcome)."""


def send_messages(
    outbox: str | Path | Outbox | ComposeReport,
    smtp: SmtpSettings,
    *,
    limit: int | None = None,
    resend_uncertain: bool = False,
    progress: SendProgress | None = None,
) -> SendReport:
    """Send the messages of an outbox (a folder, or what :func:`compose_messages` returned).

    ``limit``: only the first N messages.  ``resend_uncertain``: send again
    the messages whose outcome is unknown (they may arrive twice).  Messages
    the journal records as sent are skipped.  Returns a :class:`SendReport`;
    refusals and failures are reported, not raised.  Raises :class:`UsageError`
    for bad settings or a refused login and :class:`DataError` when a composed
    message changed on disk (nothing is sent then), and :class:`OutputError`
    when the server cannot be reached (what was sent before is in the journal).
    """
    box = outbox.outbox if isinstance(outbox, ComposeReport) else outbox
    box = box if isinstance(box, Outbox) else read_outbox(box)
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}", Location(field="limit"))
    chosen = box.messages[:limit] if limit is not None else box.messages
    password = smtp.login_password()
    for message in chosen:
        box.read(message)  # every file checked before anything is sent
    outcomes: list[Outcome] = []
    with jr.Journal(box.journal) as journal:
        connection = _Connection(smtp, password)
        pacer = _Pacer(smtp.rate)
        try:
            for done, message in enumerate(chosen, start=1):
                outcome = _deliver(box, message, journal, connection, pacer, smtp, resend_uncertain)
                _log(outcome)
                outcomes.append(outcome)
                if progress is not None:
                    progress(done, len(chosen), outcome)
        finally:
            connection.close()
    return SendReport(tuple(outcomes), box.journal, box.skipped)


def _log(outcome: Outcome) -> None:
    where = f"{outcome.code} {outcome.province}"
    if outcome.status in (SENT, ALREADY_SENT) and not outcome.refused:
        log.info("%s: %s (%s)", where, outcome.status, outcome.reply)
    else:
        log.warning("%s: %s (%s) %s", where, outcome.status, outcome.reply, outcome.refused or "")


# --------------------------------------------------------------------------- pacing


class _Pacer:
    """At most ``per_minute`` starts a minute: each waits until 60/N s after the last."""

    def __init__(
        self,
        per_minute: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next is not None and self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


# --------------------------------------------------------------------------- connection


class _Connection:
    """One SMTP connection, opened on first use and again after the server drops it."""

    def __init__(self, settings: SmtpSettings, password: str | None):
        self.settings = settings
        self._password = password
        self.smtp: smtplib.SMTP | None = None
        self.size_limit: int | None = None
        self.opened = 0

    def ensure(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = self._open()
            self.opened += 1
        return self.smtp

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        log.debug("connecting to %s (%s)", s.server, s.tls)
        smtp: smtplib.SMTP
        if s.tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.effective_port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.effective_port, timeout=s.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if s.tls == "starttls":
                if not smtp.has_extn("starttls"):
                    raise UsageError(
                        f"{s.server} does not offer STARTTLS",
                        Location(field="tls"),
                        "use --tls ssl for a server that speaks TLS from the start "
                        "(port 465), or --tls none for a local relay",
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user is not None:
                self._login(smtp)
        except BaseException:
            _close(smtp)
            raise
        size = smtp.esmtp_features.get("size", "").strip()
        self.size_limit = int(size) if size.isdigit() and int(size) > 0 else None
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        s = self.settings
        assert s.user is not None and self._password is not None
        try:
            if s.user.isascii() and self._password.isascii():
                smtp.login(s.user, self._password)
            else:
                _utf8_login(smtp, s.user, self._password)
        except smtplib.SMTPAuthenticationError as error:
            reply = _reply(error.smtp_code, error.smtp_error)
            raise UsageError(
                f"{s.server} refused the login of '{s.user}': {reply}",
                Location(field="smtp_user"),
                f"check the user and the password in ${s.password_env} or the keyring",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise UsageError(
                f"{s.server} offers no login (AUTH) on this connection",
                Location(field="smtp_user"),
                "leave out --smtp-user, or use --tls starttls/ssl if it needs TLS first",
            ) from None

    def drop(self) -> None:
        """Forget a connection the server closed or broke."""
        if self.smtp is not None:
            _close(self.smtp)
        self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            _close(self.smtp)
        self.smtp = None


def _utf8_login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN (or LOGIN) with UTF-8 credentials, which ``smtplib.login`` cannot send
    (it encodes them as ASCII; RFC 4616 says UTF-8)."""

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("the server offers no AUTH")
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in mechanisms:
        code, text = smtp.docmd("AUTH", "PLAIN " + b64(f"\0{user}\0{password}"))
    elif "LOGIN" in mechanisms:
        code, text = smtp.docmd("AUTH", "LOGIN " + b64(user))
        if code == 334:
            code, text = smtp.docmd(b64(password))
    else:
        raise smtplib.SMTPAuthenticationError(
            504, b"a password that is not ASCII needs AUTH PLAIN or LOGIN, which it lacks"
        )
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, text)


def _close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}".strip()


# --------------------------------------------------------------------------- one message


@dataclass(frozen=True)
class _Try:
    """One attempt's result: ``sent``, ``temporary``, ``permanent`` or ``uncertain``."""

    kind: str
    reply: str
    refused: Mapping[str, str] = field(default_factory=dict)
    journaled: bool = False
    """Whether the journal already closed this attempt's ``sending`` line."""


def _deliver(
    box: Outbox,
    message: OutboxMessage,
    journal: jr.Journal,
    connection: _Connection,
    pacer: _Pacer,
    settings: SmtpSettings,
    resend_uncertain: bool,
) -> Outcome:
    """Send one message, or say why not, retrying temporary failures."""

    def outcome(
        status: str, reply: str, attempts: int, refused: Mapping[str, str] | None = None
    ) -> Outcome:
        return Outcome(
            message.code, message.province, message.message_id, status, reply,
            dict(refused or {}), attempts,
        )  # fmt: skip

    last = journal.state(message.key)
    if last is not None and last.state == jr.SENT:
        return outcome(ALREADY_SENT, last.reply, 0, last.refused)
    if last is not None and last.state == jr.UNCERTAIN and not resend_uncertain:
        why = last.reason or "the run stopped after handing it over, before the server's reply"
        return outcome(UNCERTAIN, f"{why}; not sent again (--resend-uncertain sends it)", 0)
    data = box.read(message)
    attempt = 0
    while True:
        attempt += 1
        pacer.wait()
        result = _attempt(message, data, attempt, journal, connection, settings)
        if result.kind == "temporary" and attempt <= settings.retries:
            delay = min(settings.backoff * 2 ** (attempt - 1), _MAX_BACKOFF)
            log.info(
                "%s %s: %s; again in %.1f s", message.code, message.province, result.reply, delay
            )
            time.sleep(delay)
            continue
        break
    if result.kind == "sent":
        return outcome(SENT, result.reply, attempt, result.refused)
    if result.kind == "uncertain":
        return outcome(UNCERTAIN, result.reply, attempt)
    status = REFUSED if result.kind == "permanent" else FAILED
    reply = result.reply if status == REFUSED else f"{result.reply} (after {attempt} attempts)"
    if not result.journaled:
        _journal(
            journal, jr.FAILED, message, connection, attempt, reply=reply, refused=result.refused
        )
    return outcome(status, reply, attempt, result.refused)


def _journal(
    journal: jr.Journal,
    event: str,
    message: OutboxMessage,
    connection: _Connection,
    attempt: int,
    *,
    reply: str = "",
    reason: str = "",
    recipients: tuple[str, ...] = (),
    refused: Mapping[str, str] | None = None,
    wait: bool = True,
) -> None:
    journal.write(
        jr.Entry(
            time=jr.now(),
            event=event,
            key=message.key,
            message_id=message.message_id,
            code=message.code,
            province=message.province,
            file=message.file,
            server=connection.settings.server,
            recipients=recipients,
            refused=dict(refused or {}),
            reply=reply,
            reason=reason,
            attempt=attempt,
        ),
        wait=wait,
    )


def _kind(code: int) -> str:
    return "temporary" if 400 <= code < 500 else "permanent"


def _attempt(
    message: OutboxMessage,
    data: bytes,
    attempt: int,
    journal: jr.Journal,
    connection: _Connection,
    settings: SmtpSettings,
) -> _Try:
    """``sending`` in the journal, MAIL and RCPT while it syncs, DATA once it is on disk,
    then ``sent`` with the server's reply."""
    try:
        smtp = connection.ensure()
    except (OSError, smtplib.SMTPException) as error:
        if attempt > settings.retries:
            raise OutputError(
                f"cannot reach the mail server {settings.server}: {_error_text(error)}",
                Location(field="smtp_host"),
                "check --smtp-host, --smtp-port and --tls; what was sent is in the journal",
            ) from None
        return _Try("temporary", f"cannot connect: {_error_text(error)}")
    refusal = _refuse_before_mail(message, smtp, connection)
    if refusal is not None:
        return refusal
    _journal(
        journal, jr.SENDING, message, connection, attempt, recipients=message.recipients,
        wait=False,  # synced while MAIL and RCPT go back and forth; waited for before DATA
    )  # fmt: skip
    try:
        accepted, refused, problem = _envelope(message, smtp, connection)
    except (OSError, smtplib.SMTPException) as error:
        connection.drop()
        problem = _Try("temporary", f"connection lost before the message: {_error_text(error)}")
        accepted, refused = (), {}
    if problem is not None:
        _reset(smtp, connection)
        _journal(
            journal, jr.FAILED, message, connection, attempt, reply=problem.reply,
            refused=problem.refused,
        )  # fmt: skip
        return _Try(problem.kind, problem.reply, problem.refused, journaled=True)
    journal.sync()  # 'sending' is on disk before the message is handed over
    return _data(message, data, attempt, journal, connection, smtp, accepted, refused)


def _refuse_before_mail(
    message: OutboxMessage, smtp: smtplib.SMTP, connection: _Connection
) -> _Try | None:
    limit = connection.size_limit
    if limit is not None and message.size > limit:
        return _Try(
            "permanent",
            f"the message is {message.size:,} bytes and {connection.settings.server} accepts at "
            f"most {limit:,} (its SIZE); not sent",
        )
    if message.smtputf8 and not smtp.has_extn("smtputf8"):
        return _Try(
            "permanent",
            f"an address needs SMTPUTF8, which {connection.settings.server} does not offer",
        )
    return None


def _envelope(
    message: OutboxMessage, smtp: smtplib.SMTP, connection: _Connection
) -> tuple[tuple[str, ...], dict[str, str], _Try | None]:
    """MAIL FROM and RCPT TO: (accepted, refused, a reason to stop or None)."""
    options = []
    if connection.size_limit is not None or smtp.has_extn("size"):
        options.append(f"SIZE={message.size}")
    if message.smtputf8:
        options += ["SMTPUTF8", "BODY=8BITMIME"]
    code, text = smtp.mail(message.envelope_from, options)
    if code != 250:
        if code == 421:
            connection.drop()
        return (), {}, _Try(_kind(code), f"MAIL FROM refused: {_reply(code, text)}")
    accepted: list[str] = []
    refused: dict[str, str] = {}
    for address in message.recipients:
        code, text = smtp.rcpt(address)
        if code in (250, 251):
            accepted.append(address)
        elif 400 <= code < 500:
            if code == 421:
                connection.drop()
            return (), {}, _Try("temporary", f"RCPT TO {address}: {_reply(code, text)}")
        else:
            refused[address] = _reply(code, text)
    if not accepted:
        return (), refused, _Try("permanent", "every recipient was refused", refused)
    return tuple(accepted), refused, None


def _reset(smtp: smtplib.SMTP, connection: _Connection) -> None:
    if connection.smtp is None:
        return
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException):
        connection.drop()


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _data(
    message: OutboxMessage,
    data: bytes,
    attempt: int,
    journal: jr.Journal,
    connection: _Connection,
    smtp: smtplib.SMTP,
    accepted: tuple[str, ...],
    refused: dict[str, str],
) -> _Try:
    """DATA: until the server's 354 nothing was handed over; after it, only its reply tells."""

    def failed(kind: str, reply: str) -> _Try:
        _journal(journal, jr.FAILED, message, connection, attempt, reply=reply, recipients=accepted)
        return _Try(kind, reply, refused, journaled=True)

    try:
        smtp.putcmd("data")
        code, text = smtp.getreply()
    except (OSError, smtplib.SMTPException) as error:
        connection.drop()
        return failed("temporary", f"connection lost before DATA: {_error_text(error)}")
    if code != 354:
        _reset(smtp, connection)
        return failed(_kind(code), f"DATA refused: {_reply(code, text)}")
    body = _LEADING_DOT.sub(b"..", data) if data.startswith(b".") or b"\n." in data else data
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    try:
        smtp.send(body + b".\r\n")
        code, text = smtp.getreply()
    except (OSError, smtplib.SMTPException) as error:
        connection.drop()
        reason = f"the connection broke before the server's reply ({_error_text(error)})"
        _journal(
            journal, jr.UNCERTAIN, message, connection, attempt, reason=reason, recipients=accepted
        )
        return _Try(
            "uncertain", reason + "; it may have been delivered: not sent again", journaled=True
        )
    reply = _reply(code, text)
    if code != 250:
        if code == 421:
            connection.drop()
        return failed(_kind(code), f"message refused: {reply}")
    _journal(
        journal, jr.SENT, message, connection, attempt, reply=reply, recipients=accepted,
        refused=refused, wait=False,  # on disk before the next DATA; see Journal.write
    )  # fmt: skip
    return _Try("sent", reply, refused)


def _error_text(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())
