"""Look constants and rules every writer shares, so a block looks the same in PDF and DOCX."""

from __future__ import annotations

import datetime as dt
from typing import Final

from briefgen import model as m

TILE_FILL: Final = "F2F2F2"
"""Tile background: a light grey that prints on any office printer."""

TREND_ARROWS: Final[dict[str, str]] = {"up": "▲", "down": "▼", "flat": "►"}
"""Arrow of a tile's change."""

TREND_COLOURS: Final[dict[bool | None, str]] = {True: "2E7D32", False: "C62828", None: "595959"}
"""Arrow colour by whether the change is good: green, red, grey (distinct in grey print too)."""

DRAFT_LABELS: Final[dict[str, str]] = {"vi": "DỰ THẢO", "en": "DRAFT"}
"""The mark every page of a draft carries, by document language (Vietnamese otherwise)."""

SIGNATURE_GAP_MM: Final = 25.0
"""Room between the signer's title and name when the document reserves none
(``Signature.room_mm`` is ``None``): enough for a handwritten signature."""

LEAD_IN_LINES: Final = 2
"""Lines of a lead-in paragraph (:func:`leads_in`) printed on the page where what it
introduces starts; the lines before may end the page before."""


def leads_in(block: m.Block) -> bool:
    """Whether ``block`` introduces what follows it ("… chủ yếu sau:"): a paragraph
    ending with a colon, which a careful clerk never leaves at the foot of a page
    with its list or table on the next."""
    return isinstance(block, m.Paragraph) and m.plain(block.content).rstrip().endswith(":")


DOCUMENT_TIME_ZONE: Final = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Vietnam's time: a document dated a day is created at that day's midnight there."""


def issued_at(meta: m.Meta) -> dt.datetime | None:
    """The moment written as the document's creation and modification date: the start
    of its date in Vietnam (``None`` when it has no date: none is written)."""
    if meta.date is None:
        return None
    return dt.datetime.combine(meta.date, dt.time(), DOCUMENT_TIME_ZONE)
