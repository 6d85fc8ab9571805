"""The words of a mail: subject, plain-text body, HTML body and attachment names.

They come from optional files of a template folder, rendered in the same
sandbox as the brief (:mod:`briefgen.template.env`):

- ``mail.subject.j2``: the subject, one line (line breaks and runs of spaces
  become single spaces);
- ``mail.txt.j2``: the plain-text body;
- ``mail.html.j2``: its HTML alternative, autoescaped (optional);
- ``mail.attachment.j2``: an attachment's name without its extension
  (optional; default "Báo cáo Thanh Hóa 2024" or "Thanh Hóa brief 2024").

Each file is looked up in the template, then along its ``extends`` chain, then
in the built-in template of its language (``official`` for Vietnamese, ``en``
for English), so a user template that extends ``official`` mails like
``official`` until it carries its own files.  A file may extend another
(``{% extends "official/mail.txt.j2" %}``) and replace a block.

The context is built from the batch's manifest and the sender settings, never
from the data: ``unit`` (code, name, kind, full_name, admin_prefix),
``province``, ``code``, ``year``, ``template``, ``files`` (name, format,
bytes, kb), ``sender`` (name, address), ``recipients`` (to, cc: display
names or addresses), ``addressee``, and, in the bodies, ``subject``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.data.provinces import Unit
from briefgen.delivery.mime import MAX_NAME
from briefgen.errors import Location, TemplateError
from briefgen.template.env import Template, load_template

SUBJECT = "mail.subject.j2"
TEXT = "mail.txt.j2"
HTML = "mail.html.j2"
ATTACHMENT = "mail.attachment.j2"

FALLBACK = {"vi": "official", "en": "en"}
"""The built-in template whose mail files a template of this language falls back to."""

_DEFAULT_STEM = {"vi": "Báo cáo {name} {year}", "en": "{name} brief {year}"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass(frozen=True)
class MailText:
    """A rendered mail: one-line subject, plain text, and HTML (``None``: none)."""

    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class AttachmentInfo:
    """What a mail template sees of one attachment."""

    name: str
    format: str
    bytes: int

    @property
    def kb(self) -> int:
        """The size in KB (1 024 bytes), rounded up."""
        return max(1, math.ceil(self.bytes / 1024))


class MailTemplates:
    """The mail files of one brief template, found once and rendered per province."""

    def __init__(self, template: str | Path | Template):
        self.template = template if isinstance(template, Template) else load_template(template)
        fallback_name = FALLBACK.get(self.template.language, "official")
        fallback = load_template(fallback_name)
        self._files: dict[str, tuple[Template, str] | None] = {}
        for name in (SUBJECT, TEXT, HTML, ATTACHMENT):
            self._files[name] = self.template.find_file(name) or fallback.find_file(name)
        for required in (SUBJECT, TEXT):
            if self._files[required] is None:
                raise TemplateError(
                    f"no {required} for the mail",
                    Location(file=str(self.template.folder)),
                    f"add {required} to the template folder, or extend '{fallback_name}'",
                )

    @property
    def language(self) -> str:
        return self.template.language

    def sources(self) -> Mapping[str, str | None]:
        """Which file renders each part (for messages and docs); ``None``: none."""
        return {
            name: (str(found[0].folder / name) if found else None)
            for name, found in self._files.items()
        }

    def _render(self, name: str, context: Mapping[str, Any]) -> str | None:
        found = self._files[name]
        if found is None:
            return None
        owner, file = found
        return unicodedata.normalize("NFC", owner.render_xml(context, file))

    def attachment_name(self, context: Mapping[str, Any], fmt: str) -> str:
        """The human file name of an attachment of format ``fmt`` ("Báo cáo Thanh Hóa 2024.pdf")."""
        stem = self._render(ATTACHMENT, {**context, "format": fmt})
        unit: Unit = context["unit"]
        if stem is None:
            pattern = _DEFAULT_STEM.get(self.language, _DEFAULT_STEM["vi"])
            stem = pattern.format(name=unit.name, year=context["year"])
        clean = _UNSAFE.sub("-", " ".join(stem.split())).strip(" .")
        if not clean:
            raise TemplateError(
                f"{ATTACHMENT} gives an empty name for {unit.name}",
                Location(file=self.sources()[ATTACHMENT]),
            )
        suffix = f".{fmt}"
        return clean[: MAX_NAME - len(suffix)] + suffix

    def render(self, context: Mapping[str, Any]) -> MailText:
        """Subject, text and HTML of one mail; errors name the template file and line."""
        raw_subject = self._render(SUBJECT, context) or ""
        subject = " ".join(raw_subject.split())
        if not subject:
            raise TemplateError(
                f"the subject is empty for {context['unit'].name}",
                Location(file=self.sources()[SUBJECT]),
                "the subject template must print some text",
            )
        full = {**context, "subject": subject}
        text = (self._render(TEXT, full) or "").strip("\n") + "\n"
        html = self._render(HTML, full)
        return MailText(subject, text, html)


def mail_context(
    unit: Unit,
    year: int,
    template: str,
    files: Sequence[AttachmentInfo],
    sender: Mapping[str, str],
    to: Sequence[str],
    cc: Sequence[str],
    addressee: str | None,
) -> dict[str, Any]:
    """The names a mail template sees (see the module docstring)."""
    return {
        "unit": unit,
        "province": unit.name,
        "code": unit.code,
        "year": year,
        "template": template,
        "files": list(files),
        "sender": dict(sender),
        "recipients": {"to": list(to), "cc": list(cc)},
        "addressee": addressee or (to[0] if to else unit.full_name),
    }
