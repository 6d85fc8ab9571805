"""Header encoding that reads back exactly, and the email policy that writes it unchanged.

Python's own header folder (``email.policy.SMTP``, 3.11 to 3.13) drops the
space between two encoded words when it folds a long display name, so "Sở
Khoa học và Công nghệ, tỉnh Hà Tĩnh" comes back as "…tỉnh HàTĩnh", and it
collapses runs of spaces.  This module encodes the headers briefgen writes
itself, by the letter of the RFCs, and :data:`POLICY` writes such a
:class:`Prefolded` value as it is while leaving every other header (the MIME
parts' own) to the standard library:

- A subject with non-ASCII text is split into RFC 2047 ``B`` encoded words of
  at most 75 characters, each holding whole characters, so its spaces travel
  inside the words and the whitespace between words, which readers drop,
  never carries text.
- A display name or an attachment name that is not plain ASCII is ONE encoded
  word, however long.  Readers disagree about two encoded words in a row in a
  phrase: RFC 2047 readers (Thunderbird, Perl's Encode, ``email.header``)
  drop the space between them, Python's ``headerregistry`` puts one there, so
  no split reads back the same everywhere.  Every reader we know reads one long
  word the same; RFC 2047's 75-character limit is the price (lines stay under
  RFC 5322's 998; :data:`MAX_NAME` keeps them there).
- ASCII display names are written as atoms when they can be, else as a quoted
  string; addresses are always ``<addr-spec>``.
- Lines are folded at 78 characters between tokens, never inside one.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import re
from collections.abc import Iterable, Sequence
from email.generator import BytesGenerator
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from typing import Any

MAX_LINE = 78
"""Folding width (RFC 5322 recommends 78; 998 is the hard limit)."""

_WORD_PAYLOAD = 39
"""Bytes per encoded word: 39 bytes are 52 base64 characters, a 64-character word, which
fits on the first line beside any header name up to 12 characters ("Reply-To: ")."""

_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+")
_QUOTED_MAX = 60
MAX_NAME = 200
"""Longest display name or attachment name in characters (one encoded word < 998 columns)."""
"""Longer ASCII display names are encoded, so that no token needs a line of its own."""

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "txt": "text/plain",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""Content type of an attachment by the batch format (file suffix)."""


def content_type(fmt: str) -> str:
    """The MIME type of a file of format ``fmt`` ("pdf", "docx"); octet-stream if unknown."""
    return CONTENT_TYPES.get(fmt.lower().lstrip("."), "application/octet-stream")


class Prefolded(str):
    """A header value already encoded and folded here; :data:`POLICY` writes it unchanged."""

    __slots__ = ()


class _Policy(EmailPolicy):
    """``email.policy.SMTP`` (CRLF, 78 columns, 7-bit bodies) that keeps :class:`Prefolded`
    header values exactly as they were made."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, Prefolded):
            return (name, value)
        return super().header_store_parse(name, value)

    def fold(self, name: str, value: Any) -> str:
        if isinstance(value, Prefolded):
            return f"{name}: {value}{self.linesep}"
        folded: str = super().fold(name, value)
        return folded

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if isinstance(value, Prefolded):
            return _parsed(self, name, value)  # the generator asks for a part's type often
        return super().header_fetch_parse(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, Prefolded):
            return self.fold(name, value).encode("utf-8" if self.utf8 else "ascii")
        encoded: bytes = super().fold_binary(name, value)
        return encoded


@functools.lru_cache(maxsize=4096)
def _parsed(policy: _Policy, name: str, value: Prefolded) -> Any:
    return super(_Policy, policy).header_fetch_parse(name, value)


POLICY = _Policy(linesep="\r\n", cte_type="7bit", max_line_length=MAX_LINE)
"""The policy of every message briefgen composes: bodies in 7-bit encodings (no
8BITMIME needed), CRLF line ends, headers of this module kept as made."""

POLICY_UTF8 = POLICY.clone(utf8=True)
"""The same for a message with an internationalised address (sent with SMTPUTF8)."""


def encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 ``B`` encoded words (UTF-8), each holding whole characters."""
    words: list[str] = []
    chunk = b""
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > _WORD_PAYLOAD:
            words.append(_word(chunk))
            chunk = b""
        chunk += data
    if chunk or not words:
        words.append(_word(chunk))
    return words


def _word(data: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="


def _is_plain_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


def phrase(text: str) -> list[str]:
    """The tokens of a display name: atoms, one quoted string, or encoded words."""
    if not text:
        return []
    words = text.split(" ")
    if "=?" in text:  # would read as an encoded word
        return [_word(text.encode("utf-8"))]
    if _is_plain_ascii(text) and all(_ATEXT.fullmatch(w) for w in words) and len(text) < MAX_LINE:
        return words
    if _is_plain_ascii(text) and len(text) <= _QUOTED_MAX:
        return ['"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return [_word(text.encode("utf-8"))]


def mailbox(display_name: str, addr_spec: str) -> list[str]:
    """Tokens of one mailbox: ``phrase <addr>`` or the bare ``addr``."""
    if not display_name:
        return [addr_spec]
    return [*phrase(display_name), f"<{addr_spec}>"]


def address_list(mailboxes: Iterable[tuple[str, str]]) -> list[str]:
    """Tokens of an address list; each mailbox but the last ends with a comma."""
    tokens: list[list[str]] = [mailbox(name, addr) for name, addr in mailboxes]
    out: list[str] = []
    for index, parts in enumerate(tokens):
        if index < len(tokens) - 1:
            parts = [*parts[:-1], parts[-1] + ","]
        out.extend(parts)
    return out


def unstructured(text: str) -> list[str]:
    """Tokens of an unstructured header (Subject): ASCII words, or encoded words."""
    if (
        _is_plain_ascii(text)
        and "  " not in text
        and "=?" not in text
        and all(0 < len(w) < MAX_LINE - 12 for w in text.split(" "))
    ):
        return text.split(" ")
    return encoded_words(text)


def fold(name: str, tokens: Sequence[str]) -> Prefolded:
    """Join ``tokens`` with single spaces, breaking lines (CRLF + space) at 78 columns."""
    lines: list[str] = []
    current = ""
    width = len(name) + 2
    for token in tokens:
        if not current:
            current = token
        elif width + len(current) + 1 + len(token) <= MAX_LINE:
            current += " " + token
        else:
            lines.append(current)
            current = token
            width = 1
    lines.append(current)
    return Prefolded("\r\n ".join(lines))


def encoded_parameter(mime_type: str, name: str, value: str) -> Prefolded:
    """``type; name="value"`` with a non-ASCII value as RFC 2047 encoded words.

    RFC 2047 forbids encoded words inside a quoted parameter, yet this is the
    ``name=`` form Outlook and Gmail write and the only one some Outlook
    versions read; it goes beside the standard RFC 2231 ``filename*``.
    """
    if _is_plain_ascii(value) and len(value) <= _QUOTED_MAX and '"' not in value:
        return Prefolded(f'{mime_type};\r\n {name}="{value}"')
    return Prefolded(f'{mime_type};\r\n {name}="{_word(value.encode("utf-8"))}"')


def text_part(text: str, subtype: str, boundary: str, policy: EmailPolicy) -> EmailMessage:
    """A UTF-8 text part with CRLF line ends: 7bit when it is plain ASCII, else base64."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    part = EmailMessage(policy=policy)
    part["Content-Type"] = Prefolded(f'text/{subtype}; charset="utf-8"')
    lines = data.split(b"\r\n")
    if data.isascii() and max(map(len, lines)) <= 998 and boundary.encode() not in data:
        part["Content-Transfer-Encoding"] = Prefolded("7bit")
        part.set_payload(data.decode("ascii"))
    else:
        part["Content-Transfer-Encoding"] = Prefolded("base64")
        part.set_payload(base64_lines(data).decode("ascii"))
    return part


def attachment_part(mime_type: str, name: str, data: bytes, policy: EmailPolicy) -> EmailMessage:
    """An attachment: ``name`` as RFC 2231 ``filename*`` (the standard library's folding)
    and as an RFC 2047 ``name=`` (:func:`encoded_parameter`), base64 encoded once."""
    part = EmailMessage(policy=policy)
    part["Content-Type"] = encoded_parameter(mime_type, "name", name)
    part["Content-Transfer-Encoding"] = Prefolded("base64")
    part.add_header("Content-Disposition", "attachment", filename=name)
    part.set_payload(base64_lines(data).decode("ascii"))
    return part


def base64_lines(data: bytes) -> bytes:
    """``data`` in base64, 76 characters a line, each line ending in CRLF (RFC 2045)."""
    text = binascii.b2a_base64(data, newline=False)
    return b"\r\n".join([text[i : i + 76] for i in range(0, len(text), 76)]) + b"\r\n"


class _Generator(BytesGenerator):
    """The standard generator, writing an already encoded attachment body in one piece.

    ``BytesGenerator`` writes a body line by line in Python: for a 150 KB
    brief that is 2,700 lines and most of the time it takes to compose a
    message.  Attachment bodies (``application/*``) are base64 with CRLF
    already (:func:`attachment_part`), so they can be written whole.
    """

    def _handle_application(self, msg: MIMEPart) -> None:
        payload = msg.get_payload()
        if not isinstance(payload, str):  # pragma: no cover - our parts hold text
            super()._handle_text(msg)  # type: ignore[misc]
            return
        self._fp.write(payload.encode("ascii"))  # type: ignore[attr-defined]


def as_bytes(message: EmailMessage) -> bytes:
    """The bytes of ``message`` under its own policy (CRLF, headers as made)."""
    buffer = io.BytesIO()
    _Generator(buffer, mangle_from_=False, policy=message.policy).flatten(message)
    return buffer.getvalue()
