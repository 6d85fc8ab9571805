"""Compose one message per province from a batch: the dry run, and the first half of sending.

Each message is a standard ``multipart/mixed`` built with the standard
library's ``email`` package: a ``multipart/alternative`` body (plain text and
HTML, both UTF-8 in 7-bit transfer encodings) and the province's files from
the batch manifest, each checked against its SHA-256 as it is read.

- Attachment names are human ("Báo cáo Thanh Hóa 2024.pdf"): RFC 2231
  ``filename*`` on Content-Disposition, and an RFC 2047 ``name=`` on
  Content-Type for the mail clients that read only that.
- Headers with display names and the subject are encoded by
  :mod:`briefgen.delivery.mime`, so they read back exactly.
- ``Message-ID`` is stable: made from the attachments' SHA-256 and the
  recipients, so the same brief to the same people is the same message on
  every run, and the journal can tell it was already sent.
- A message is composed again with the ``Date`` of the copy already in the
  outbox; when that gives the same bytes, it *is* that message, so
  re-running a dry run changes nothing and ``--send`` sends byte for byte the
  files a person checked.
- Every message is checked against the size limit after encoding; a message
  over it stops the run before anything is written or sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.data.provinces import Unit
from briefgen.delivery import mime
from briefgen.delivery.addresses import AddressBook, Mailbox, Recipients, load_address_book
from briefgen.delivery.mailtext import AttachmentInfo, MailTemplates, mail_context
from briefgen.delivery.manifest import Batch, BatchFile, read_batch
from briefgen.delivery.outbox import (
    Attachment,
    Outbox,
    OutboxMessage,
    OutboxWriter,
    Skipped,
    eml_name,
    previous_messages,
)
from briefgen.delivery.settings import DEFAULT_MAX_SIZE, MB, DkimSettings, Sender
from briefgen.errors import InputError, Location, TemplateError, UsageError
from briefgen.files import check_folder

OUTBOX = "outbox"
"""The outbox folder's name inside the batch folder, unless another is given."""

ComposeProgress = Callable[[int, int, OutboxMessage], None]
"""Called after each message: (done, total, message)."""

_DKIM_HEADERS = (
    "from", "sender", "reply-to", "subject", "date", "message-id", "to", "cc",
    "mime-version", "content-type", "content-language",
)  # fmt: skip


@dataclass(frozen=True)
class ComposeReport:
    """What a dry run made: the outbox and its messages, and the provinces left out.

    ``skipped``: provinces of the batch with no files (they failed in the
    batch); ``complete``: the batch's own flag.
    """

    outbox: Outbox

    @property
    def folder(self) -> Path:
        return self.outbox.folder

    @property
    def messages(self) -> tuple[OutboxMessage, ...]:
        return self.outbox.messages

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        return self.outbox.skipped

    @property
    def complete(self) -> bool:
        return self.outbox.complete

    @property
    def ok(self) -> bool:
        """True when every province of a complete batch has its message."""
        return self.outbox.ok


@dataclass(frozen=True)
class _Composed:
    message: OutboxMessage
    data: bytes


def compose_messages(
    batch: str | Path,
    recipients: str | Path | AddressBook,
    *,
    mail_from: str | Sender,
    sender: str | None = None,
    reply_to: str | None = None,
    outbox: str | Path | None = None,
    template: str | Path | None = None,
    limit: int | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    dkim: DkimSettings | None = None,
    progress: ComposeProgress | None = None,
    now: datetime | None = None,
) -> ComposeReport:
    """Compose one message per province of the batch in ``batch`` and write the outbox.

    ``recipients``: an address book file (or one already loaded).
    ``mail_from``/``sender``/``reply_to``: the addresses as text, or a
    :class:`Sender` for all three.  ``outbox``: where to write (``None``:
    ``batch/outbox``).  ``template``: whose mail files to use (``None``: the
    batch's template).  ``limit``: only the first N provinces by code.
    ``max_size``: bytes a message may have after encoding.  ``dkim``: sign
    every message.  ``now``: the ``Date`` of new messages (``None``: now).

    Nothing is written unless every message was composed: a bad address book,
    a changed file, a template error or an oversized message raises an
    :class:`InputError` and leaves the outbox as it was.
    """
    _check_options(limit, max_size, outbox)
    parsed = batch if isinstance(batch, Batch) else read_batch(batch)
    book = (
        recipients
        if isinstance(recipients, AddressBook)
        else load_address_book(recipients, year=parsed.year)
    )
    who = mail_from if isinstance(mail_from, Sender) else Sender.parse(mail_from, sender, reply_to)
    mail = _mail_templates(template, parsed)
    units = parsed.units()
    for unit, _ in units:
        book.require(unit.code, unit.name)  # every province is checked, --limit or not
    chosen = units[:limit] if limit is not None else units
    signing = _signing(dkim)
    folder = Path(outbox) if outbox is not None else parsed.folder / OUTBOX
    check_folder(folder)
    run = _Run(parsed, book, who, mail, folder, signing, max_size)
    return ComposeReport(_write_outbox(run, chosen, now, progress))


def _check_options(limit: int | None, max_size: int, outbox: str | Path | None) -> None:
    """Refuse a limit or size limit below 1, and a file where the outbox folder goes."""
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}", Location(field="limit"))
    if max_size < 1:
        raise UsageError(f"the size limit must be positive, not {max_size}")
    if outbox is not None:
        check_folder(Path(outbox))  # a file in the way is refused before any work


@dataclass(frozen=True)
class _Run:
    """What every message of one :func:`compose_messages` call is composed with."""

    batch: Batch
    book: AddressBook
    who: Sender
    mail: MailTemplates
    folder: Path
    """The outbox folder."""
    signing: _Signing | None
    max_size: int


def _write_outbox(
    run: _Run,
    chosen: Sequence[tuple[Unit, Sequence[BatchFile]]],
    now: datetime | None,
    progress: ComposeProgress | None,
) -> Outbox:
    """Compose the message of each province ``chosen`` and write the outbox, all or nothing."""
    parsed, folder = run.batch, run.folder
    earlier = previous_messages(folder)
    moment = now or datetime.now().astimezone()
    with OutboxWriter(folder) as writer:
        for done, (unit, files) in enumerate(chosen, start=1):
            composed = _compose_province(
                parsed, unit, files, run.book.require(unit.code, unit.name), run.who, run.mail,
                moment, earlier, folder, run.signing, run.max_size,
            )  # fmt: skip
            writer.add(composed.message, composed.data)
            if progress is not None:
                progress(done, len(chosen), composed.message)
        skipped = tuple(Skipped(f.code, f.province, f.reason) for f in parsed.failures)
        return writer.commit(
            batch=str(parsed.folder),
            year=parsed.year,
            template=parsed.template,
            complete=parsed.complete,
            skipped=skipped,
        )


def _mail_templates(template: str | Path | None, batch: Batch) -> MailTemplates:
    try:
        return MailTemplates(template if template is not None else batch.template)
    except TemplateError as error:
        if template is None:
            error.add_hint(
                f"the batch was made with template '{batch.template}'; give its folder with "
                "--template"
            )
        raise


@dataclass(frozen=True)
class _Signing:
    """DKIM signing: who signs (``d=…; s=…``) and the function that prepends the signature."""

    identity: str
    sign: Callable[[bytes], bytes]


def _signing(settings: DkimSettings | None) -> _Signing | None:
    """DKIM signing with ``settings`` (the ``dkim`` extra); ``None`` without settings."""
    if settings is None:
        return None
    try:
        import dkim  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise UsageError(
            "DKIM signing needs the dkimpy package", hint="pip install briefgen[dkim]"
        ) from None
    try:
        dkim.sign(  # a bad key or domain fails here, once, before any message
            b"From: a@b.c\r\n\r\n", settings.selector.encode(), settings.domain.encode(),
            settings.key,
        )  # fmt: skip
    except Exception as error:
        raise InputError(
            f"cannot sign with this DKIM key: {error}", Location(field="dkim_key")
        ) from None

    def sign(data: bytes) -> bytes:
        signature: bytes = dkim.sign(
            data,
            settings.selector.encode(),
            settings.domain.encode(),
            settings.key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h.encode() for h in _DKIM_HEADERS],
        )
        return signature + data

    key_id = hashlib.sha256(settings.key).hexdigest()[:12]
    return _Signing(f"d={settings.domain}; s={settings.selector}; key={key_id}", sign)


def _compose_province(
    batch: Batch,
    unit: Unit,
    files: Sequence[BatchFile],
    entry: Recipients,
    who: Sender,
    mail: MailTemplates,
    moment: datetime,
    earlier: dict[str, OutboxMessage],
    folder: Path,
    signing: _Signing | None,
    max_size: int,
) -> _Composed:
    """One province's message; the copy already in the outbox when it is the same."""
    contents = [(item, batch.read(item)) for item in files]
    base = {"unit": unit, "province": unit.name, "code": unit.code, "year": batch.year}
    base["template"] = batch.template
    attachments = _attachments(mail, base, contents)
    key = message_key(attachments, entry)
    reply_to = entry.reply_to or who.reply_to
    context = mail_context(
        unit,
        batch.year,
        batch.template,
        [AttachmentInfo(a.name, a.format, a.bytes) for a in attachments],
        {"name": who.mail_from.name, "address": who.mail_from.address},
        [m.name or m.address for m in entry.to],
        [m.name or m.address for m in entry.cc],
        entry.addressee,
    )
    text = mail.render(context)
    parts = _Parts(unit, batch.year, entry, who, reply_to, key, text, mail.language)

    previous = earlier.get(key)
    if previous is not None:
        again = _build(parts, previous.date, attachments, contents)
        if hashlib.sha256(again).hexdigest() == previous.content_sha256:
            same_signer = previous.dkim == (signing.identity if signing else "")
            kept = _kept(folder, previous) if same_signer else None
            if kept is not None:
                _check_size(parts, len(kept), max_size)
                return _Composed(previous, kept)
            return _finish(parts, previous.date, attachments, again, signing, max_size)
    date = format_datetime(moment)
    data = _build(parts, date, attachments, contents)
    return _finish(parts, date, attachments, data, signing, max_size)


def _kept(folder: Path, previous: OutboxMessage) -> bytes | None:
    """The bytes of the earlier copy of a message, if it is still intact."""
    try:
        data = (folder / previous.file).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == previous.sha256 else None


def _attachments(
    mail: MailTemplates, context: dict[str, Any], contents: Sequence[tuple[BatchFile, bytes]]
) -> list[Attachment]:
    out: list[Attachment] = []
    used: set[str] = set()
    for item, data in contents:
        name = mail.attachment_name(context, item.format)
        stem, dot, ext = name.rpartition(".")
        number = 2
        while name.casefold() in used:  # two files of one format: "… (2).pdf"
            name = f"{stem} ({number}){dot}{ext}"
            number += 1
        used.add(name.casefold())
        out.append(
            Attachment(
                name=name,
                file=item.path,
                format=item.format,
                content_type=mime.content_type(item.format),
                sha256=item.sha256,
                bytes=len(data),
            )
        )
    return out


def message_key(attachments: Sequence[Attachment], entry: Recipients) -> str:
    """What identifies a message: the attachments' SHA-256 and the recipients (32 hex digits)."""
    identity = {
        "attachments": sorted(a.sha256 for a in attachments),
        "to": sorted(m.address.lower() for m in entry.to),
        "cc": sorted(m.address.lower() for m in entry.cc),
        "bcc": sorted(m.address.lower() for m in entry.bcc),
    }
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class _Parts:
    """Everything in a message but its date and attachments' bytes."""

    unit: Unit
    year: int
    entry: Recipients
    who: Sender
    reply_to: tuple[Mailbox, ...]
    key: str
    text: Any
    language: str

    @property
    def message_id(self) -> str:
        return f"<{self.key}@{_id_domain(self.who.envelope_from)}>"

    @property
    def smtputf8(self) -> bool:
        entry = self.entry
        boxes = [self.who.mail_from, *entry.to, *entry.cc, *entry.bcc, *self.reply_to]
        if self.who.sender is not None:
            boxes.append(self.who.sender)
        return any(b.smtputf8 for b in boxes)


def _id_domain(address: str) -> str:
    domain = address.rpartition("@")[2]
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "briefgen.invalid"


def _header(name: str, boxes: Sequence[Mailbox]) -> mime.Prefolded:
    return mime.fold(name, mime.address_list((b.name, b.address) for b in boxes))


def _build(
    parts: _Parts,
    date: str,
    attachments: Sequence[Attachment],
    contents: Sequence[tuple[BatchFile, bytes]],
) -> bytes:
    """The message's bytes (before any DKIM signature)."""
    policy = mime.POLICY_UTF8 if parts.smtputf8 else mime.POLICY
    boundary = f"=_briefgen_{parts.key[:16]}"
    message = EmailMessage(policy=policy)
    message["Date"] = mime.Prefolded(date)
    message["From"] = _header("From", [parts.who.mail_from])
    if parts.who.sender is not None:
        message["Sender"] = _header("Sender", [parts.who.sender])
    message["To"] = _header("To", parts.entry.to)
    if parts.entry.cc:
        message["Cc"] = _header("Cc", parts.entry.cc)
    if parts.reply_to:
        message["Reply-To"] = _header("Reply-To", parts.reply_to)
    message["Subject"] = mime.fold("Subject", mime.unstructured(parts.text.subject))
    message["Message-ID"] = mime.Prefolded(parts.message_id)
    message["User-Agent"] = mime.Prefolded(f"briefgen/{__version__}")
    message["MIME-Version"] = mime.Prefolded("1.0")
    message["Content-Language"] = mime.Prefolded(parts.language)
    message["Content-Type"] = mime.Prefolded(f'multipart/mixed; boundary="{boundary}_0"')
    text = mime.text_part(parts.text.text, "plain", boundary, policy)
    if parts.text.html is None:
        message.attach(text)
    else:
        body = EmailMessage(policy=policy)
        body["Content-Type"] = mime.Prefolded(f'multipart/alternative; boundary="{boundary}_1"')
        body.attach(text)
        body.attach(mime.text_part(parts.text.html, "html", boundary, policy))
        message.attach(body)
    for attachment, (_, data) in zip(attachments, contents, strict=True):
        message.attach(mime.attachment_part(attachment.content_type, attachment.name, data, policy))
    return mime.as_bytes(message)


def _finish(
    parts: _Parts,
    date: str,
    attachments: Sequence[Attachment],
    data: bytes,
    signing: _Signing | None,
    max_size: int,
) -> _Composed:
    content_sha256 = hashlib.sha256(data).hexdigest()
    signed = signing.sign(data) if signing is not None else data
    _check_size(parts, len(signed), max_size)
    entry = parts.entry
    message = OutboxMessage(
        file=eml_name(parts.unit.code, parts.unit.slug, parts.year),
        key=parts.key,
        message_id=parts.message_id,
        code=parts.unit.code,
        province=parts.unit.name,
        subject=parts.text.subject,
        date=date,
        mail_from=str(parts.who.mail_from),
        envelope_from=parts.who.envelope_from,
        to=tuple(map(str, entry.to)),
        cc=tuple(map(str, entry.cc)),
        bcc=tuple(map(str, entry.bcc)),
        reply_to=tuple(map(str, parts.reply_to)),
        recipients=entry.envelope,
        attachments=tuple(attachments),
        size=len(signed),
        sha256=hashlib.sha256(signed).hexdigest(),
        content_sha256=content_sha256,
        smtputf8=parts.smtputf8,
        dkim=signing.identity if signing is not None else "",
    )
    return _Composed(message, signed)


def _check_size(parts: _Parts, size: int, max_size: int) -> None:
    if size > max_size:
        raise InputError(
            f"the message is {size / MB:.1f} MB after encoding, over the "
            f"{max_size / MB:g} MB limit",
            Location(record=f"{parts.unit.name} ({parts.unit.code})", field="max_size"),
            "raise --max-size, or attach fewer formats (briefgen batch --format pdf)",
        )
