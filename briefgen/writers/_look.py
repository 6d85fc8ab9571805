"""Look constants every writer shares, so a block looks the same in PDF and DOCX."""

from __future__ import annotations

from typing import Final

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
