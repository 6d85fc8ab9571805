"""The outbox: one ``.eml`` file per message and ``outbox.json`` saying what each holds.

A dry run writes it; ``--send`` writes it too and sends exactly its files, so
the outbox is always the record of what went out.  It is written all or
nothing: the messages are staged in a hidden folder beside it and moved in
only when every one was composed, so a bad file or template leaves the old
outbox (or none) as it was.  The journal (:mod:`briefgen.delivery.journal`)
lives in the outbox folder and is never touched by a rewrite.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from briefgen import __version__
from briefgen.errors import DataError, Location, OutputError
from briefgen.files import make_folder, write_atomic

INDEX = "outbox.json"
JOURNAL = "journal.jsonl"


@dataclass(frozen=True)
class Attachment:
    """One attached file: its name in the mail, and what it is in the batch."""

    name: str
    file: str
    """Path of the file in the batch folder, as the manifest lists it."""
    format: str
    content_type: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class OutboxMessage:
    """One composed message, as ``outbox.json`` records it.

    ``key``: identifies the message by what it carries and to whom (the
    attachments' SHA-256 and the recipients); the journal knows a message by
    it and ``message_id`` is made from it.  ``to``/``cc``/``bcc``/``reply_to``
    are the mailboxes as text ("Name <addr>"); ``bcc`` appears in no header.
    ``recipients``: the SMTP envelope (every address, each once).
    ``size`` and ``sha256`` are of the ``.eml`` file.  ``smtputf8``: an
    address needs the server's SMTPUTF8 extension.  ``date``: the ``Date``
    header, kept while the message stays the same.
    """

    file: str
    key: str
    message_id: str
    code: str
    province: str
    subject: str
    date: str
    mail_from: str
    envelope_from: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    reply_to: tuple[str, ...]
    recipients: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    size: int
    sha256: str
    content_sha256: str
    """SHA-256 of the message before its DKIM signature (``sha256`` when unsigned)."""
    smtputf8: bool = False
    dkim: str = ""
    """Who signed it with DKIM ("d=…; s=…; key=…"); ``""``: not signed."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OutboxMessage:
        values = dict(data)
        for name in ("to", "cc", "bcc", "reply_to", "recipients"):
            values[name] = tuple(values.get(name) or ())
        values["attachments"] = tuple(Attachment(**a) for a in values.get("attachments") or ())
        return cls(**values)


@dataclass(frozen=True)
class Skipped:
    """A province of the batch that gets no message, and why."""

    code: str
    province: str
    reason: str


@dataclass(frozen=True)
class Outbox:
    """An outbox folder as ``outbox.json`` describes it.

    ``batch``: the batch folder it was composed from; ``complete``: the
    batch's manifest flag; ``skipped``: provinces of the batch without a message.
    """

    folder: Path
    batch: str
    year: int
    template: str
    complete: bool
    messages: tuple[OutboxMessage, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def journal(self) -> Path:
        """The journal of what was sent from this outbox."""
        return self.folder / JOURNAL

    @property
    def ok(self) -> bool:
        """True when every province of a complete batch has a message."""
        return self.complete and not self.skipped

    def read(self, message: OutboxMessage) -> bytes:
        """The bytes of ``message``'s file, refused if they are not what was composed."""
        path = self.folder / message.file
        try:
            data = path.read_bytes()
        except OSError as error:
            raise DataError(
                f"cannot read the composed message: {error.strerror}",
                Location(file=str(path)),
                "compose the outbox again (briefgen send without --send)",
            ) from None
        if hashlib.sha256(data).hexdigest() != message.sha256:
            raise DataError(
                "changed since it was composed; it is not sent",
                Location(file=str(path)),
                "compose the outbox again (briefgen send without --send)",
            )
        return data


def eml_name(code: str, slug: str, year: int) -> str:
    """The file name of a province's message: ``38-thanh-hoa-2024.eml``."""
    return f"{code}-{slug}-{year}.eml"


def read_outbox(folder: str | Path) -> Outbox:
    """Read ``outbox.json`` of ``folder``; :class:`DataError` if it is missing or malformed."""
    base = Path(folder)
    path = base / INDEX
    try:
        data = json.loads(path.read_text("utf-8"))
        return Outbox(
            folder=base,
            batch=str(data["batch"]),
            year=int(data["year"]),
            template=str(data["template"]),
            complete=bool(data["complete"]),
            messages=tuple(OutboxMessage.from_json(m) for m in data["messages"]),
            skipped=tuple(Skipped(**s) for s in data.get("skipped", ())),
        )
    except FileNotFoundError:
        raise DataError(
            f"no {INDEX}: nothing was composed here",
            Location(file=str(base)),
            "run briefgen send BATCH --recipients BOOK first (a dry run)",
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(
            f"not an outbox index: {type(error).__name__}: {error}", Location(file=str(path))
        ) from None


def previous_messages(folder: Path) -> dict[str, OutboxMessage]:
    """The messages an earlier run composed in ``folder``, by key (empty if none or unreadable)."""
    try:
        return {m.key: m for m in read_outbox(folder).messages}
    except DataError:
        return {}


class OutboxWriter:
    """Stages messages beside ``folder`` and moves them in at :meth:`commit`, all or nothing.

    Use as a context manager: leaving it without a commit (an error) removes
    the staged files and leaves the folder as it was.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        parent = folder.parent
        make_folder(parent)  # a file in the way, no permission: the place asked for
        try:
            self._stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=parent))
        except OSError as error:
            raise OutputError(
                f"cannot write the outbox: {error.strerror}", Location(file=str(folder))
            ) from None
        self._messages: list[OutboxMessage] = []

    def __enter__(self) -> OutboxWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        shutil.rmtree(self._stage, ignore_errors=True)

    def add(self, message: OutboxMessage, data: bytes) -> None:
        """Stage one message's bytes under ``message.file``."""
        try:
            (self._stage / message.file).write_bytes(data)
        except OSError as error:
            raise OutputError(
                f"cannot write the outbox: {error.strerror}", Location(file=str(self.folder))
            ) from None
        self._messages.append(message)

    def commit(
        self, *, batch: str, year: int, template: str, complete: bool, skipped: tuple[Skipped, ...]
    ) -> Outbox:
        """Move the staged messages in, write ``outbox.json``, drop messages of earlier runs."""
        old = previous_messages(self.folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # No fsync for each message: a message damaged by a crash fails its SHA-256
            # check when it is sent, and the outbox can always be composed again.
            for message in self._messages:
                os.replace(self._stage / message.file, self.folder / message.file)
        except OSError as error:
            raise OutputError(
                f"cannot write the outbox: {error.strerror}", Location(file=str(self.folder))
            ) from None
        outbox = Outbox(
            folder=self.folder,
            batch=batch,
            year=year,
            template=template,
            complete=complete,
            messages=tuple(self._messages),
            skipped=skipped,
        )
        body = {
            "briefgen": __version__,
            "batch": batch,
            "year": year,
            "template": template,
            "complete": complete,
            "messages": [m.to_json() for m in outbox.messages],
            "skipped": [asdict(s) for s in skipped],
        }
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
        write_atomic(self.folder / INDEX, text.encode("utf-8"))
        current = {m.file for m in self._messages}
        for stale in {m.file for m in old.values()} - current:
            if stale.endswith(".eml") and "/" not in stale:
                (self.folder / stale).unlink(missing_ok=True)
        return outbox
