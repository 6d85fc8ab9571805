"""The journal: an append-only record of what was sent where, made so nothing is sent twice.

SMTP has no idempotency: a message whose reply was lost may have been
delivered.  So each message is recorded, one JSON line at a time, flushed to
the system at once and fsynced (see :meth:`Journal.write`):

- ``sending`` — before ``MAIL FROM``, and on disk before ``DATA``;
- ``sent`` — after the server's final reply to ``DATA``, with that reply and
  any recipient it refused;
- ``failed`` — the server said no before accepting the message (a 5xx, a 4xx
  retried too often, a size it will not take): nothing was delivered;
- ``uncertain`` — the connection broke after the message was handed over and
  before the reply: it may have been delivered.

A message's state is its last line.  ``sent`` is never sent again.  A
``sending`` with nothing after it (the process died, most likely between
``DATA`` and the reply) is *uncertain*, like an explicit ``uncertain``: never sent again unless
asked (``--resend-uncertain``).  ``failed`` is tried again by the next run.
A last line cut short by a crash is ignored, and cut off by the next sender (it
was being written, so the step it records had not happened).  Only one process
may send from an outbox at a time (an exclusive lock on the journal).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from briefgen.errors import DataError, Location, OutputError, UsageError

SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNCERTAIN = "uncertain"
EVENTS = (SENDING, SENT, FAILED, UNCERTAIN)

_sync = getattr(os, "fdatasync", os.fsync)
"""Make a file's data (and its size) durable: ``fdatasync`` where the system has it
(it skips the times, which the journal does not need), else ``fsync``."""


@dataclass(frozen=True)
class Entry:
    """One line of the journal.

    ``key``/``message_id``: the message; ``code``/``province``: its province;
    ``recipients``: the addresses the server accepted (``sending``, ``sent``);
    ``refused``: address → the server's reply, for recipients it refused;
    ``reply``: the server's reply (``sent``, ``failed``); ``reason``: our own
    words on what happened; ``attempt``: 1 for the first try of a run.
    """

    time: str
    event: str
    key: str
    message_id: str
    code: str
    province: str
    file: str = ""
    server: str = ""
    recipients: tuple[str, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    reply: str = ""
    reason: str = ""
    attempt: int = 1

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "time": self.time,
            "event": self.event,
            "key": self.key,
            "message_id": self.message_id,
            "code": self.code,
            "province": self.province,
        }
        optional = {
            "file": self.file,
            "server": self.server,
            "recipients": list(self.recipients),
            "refused": dict(self.refused),
            "reply": self.reply,
            "reason": self.reason,
        }
        data.update({k: v for k, v in optional.items() if v})
        data["attempt"] = self.attempt
        return data

    @property
    def state(self) -> str:
        """``sent``, ``failed`` or ``uncertain`` (a ``sending`` left as the last line)."""
        return UNCERTAIN if self.event == SENDING else self.event


def now() -> str:
    """The current time, ISO 8601 with its offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def read_journal(path: str | Path) -> list[Entry]:
    """Every complete line of the journal at ``path`` (none if there is no journal)."""
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the journal: {error}", Location(file=str(file))) from None
    lines = text.split("\n")
    entries: list[Entry] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data.get("event") not in EVENTS:
                raise ValueError(f"unknown event {data.get('event')!r}")
            data["recipients"] = tuple(data.get("recipients", ()))
            entries.append(Entry(**data))
        except (ValueError, TypeError) as error:
            if number == len(lines) and not text.endswith("\n"):
                break  # the line a crash cut short: its step had not happened
            raise DataError(
                f"not a journal line: {error}",
                Location(file=str(file), row=number),
                "the journal is append-only; restore it from a backup, do not edit it",
            ) from None
    return entries


def states(entries: list[Entry]) -> dict[str, Entry]:
    """The last line of each message, by key."""
    last: dict[str, Entry] = {}
    for entry in entries:
        last[entry.key] = entry
    return last


class Journal:
    """The journal of one outbox, open for appending, locked against a second sender."""

    def __init__(self, path: Path):
        self.path = path
        self._handle: TextIO | None = None
        self.entries: list[Entry] = []
        self._last: dict[str, Entry] = {}
        self._syncer: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []

    def __enter__(self) -> Journal:
        existed = self.path.exists()
        try:
            handle = open(self.path, "a+", encoding="utf-8")
        except OSError as error:
            raise OutputError(
                f"cannot open the journal: {error.strerror}", Location(file=str(self.path))
            ) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise UsageError(
                    "another briefgen send is using this outbox",
                    Location(file=str(self.path)),
                    "wait for it to finish; two senders could send a message twice",
                ) from None
            raise
        self._handle = handle
        if not existed:
            _fsync_folder(self.path.parent)
        self.entries = read_journal(self.path)
        self._last = states(self.entries)
        self._end_torn_line(handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._handle is None:
            return
        try:
            self.sync()
        finally:
            if self._syncer is not None:
                self._syncer.shutdown(wait=True)
                self._syncer = None
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def sync(self) -> None:
        """Wait until every line written so far is on disk; a failed sync is an error."""
        pending, self._pending = self._pending, []
        for future in pending:
            try:
                future.result()
            except OSError as error:
                raise OutputError(
                    f"cannot write the journal to disk: {error.strerror}",
                    Location(file=str(self.path)),
                ) from None

    def _end_torn_line(self, handle: TextIO) -> None:
        """Cut off a last line a crash left unfinished (its step never happened), so
        that every line is whole before the next one is appended."""
        with open(self.path, "rb") as raw:
            data = raw.read()
        if not data or data.endswith(b"\n"):
            return
        handle.flush()
        os.truncate(self.path, data.rfind(b"\n") + 1)
        handle.seek(0, os.SEEK_END)
        os.fsync(handle.fileno())

    def state(self, key: str) -> Entry | None:
        """The last line about message ``key``, or ``None``."""
        return self._last.get(key)

    def write(self, entry: Entry, *, wait: bool = True) -> None:
        """Append ``entry`` and sync it to disk: before returning, or, with
        ``wait=False``, in the background while the caller goes on (then
        :meth:`sync` waits for it; closing the journal does too).

        The line is in the system's hands at once, so it survives this process
        dying.  The sender starts ``sending``'s sync before MAIL FROM and waits
        for it before DATA, and lets ``sent``'s sync run while it starts the next
        message: syncs of the same file that overlap are committed together, so
        a message waits for about one.
        """
        if self._handle is None:
            raise RuntimeError("the journal is not open")
        self._handle.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
        self._handle.flush()
        fd = self._handle.fileno()
        if wait:
            _sync(fd)
        else:
            if self._syncer is None:
                self._syncer = ThreadPoolExecutor(2, thread_name_prefix="briefgen-journal")
            self._pending = [f for f in self._pending if not f.done() or f.exception()]
            self._pending.append(self._syncer.submit(_sync, fd))
        self.entries.append(entry)
        self._last[entry.key] = entry


def _fsync_folder(folder: Path) -> None:
    """Make a new file's name durable (its folder's entry), where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def iter_states(path: Path) -> Iterator[Entry]:
    """The last line of each message in the journal at ``path``, in the order first seen."""
    yield from states(read_journal(path)).values()
