"""The layout record: where the PDF writer put what signing needs to know.

While laying out a brief, the PDF writer notes where the Decree-30 signature
block landed — the page, the authority and title lines (boxes 7a–7b), the gap
left for the signature (box 7c), the signer's name, and every text box of the
block that an image must not cover — and whether the brief is a draft.
Signing (:mod:`briefgen.finish`) places the signature and seal images from
this record, never from guessed coordinates.

The record travels beside the bytes (:func:`briefgen.writers.pdf.write_with_layout`)
and inside the PDF itself, as JSON text under the document catalog key
:data:`CATALOG_KEY`, so that a brief rendered earlier can be signed later.

Coordinates are PDF points in the page's user space: origin at the bottom
left, y upwards.  This module imports only the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["CATALOG_KEY", "PdfLayout", "Rect", "SignatureBlock"]

CATALOG_KEY: Final = "BriefgenLayout"
"""Name (without the slash) of the document catalog entry holding the record."""

RECORD_VERSION: Final = 1


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in PDF points; ``x0 <= x1`` and ``y0 <= y1``.

    Coordinates are rounded to a thousandth of a point, so a record read back
    from a file equals the one written.
    """

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        for name in ("x0", "y0", "x1", "y1"):
            object.__setattr__(self, name, round(float(getattr(self, name)), 3))
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"not a rectangle: {self}")

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def overlaps(self, other: Rect) -> bool:
        """True when the two share an area (touching edges do not count)."""
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def contains(self, other: Rect, tolerance: float = 0.01) -> bool:
        """True when ``other`` lies inside this rectangle."""
        return (
            other.x0 >= self.x0 - tolerance
            and other.y0 >= self.y0 - tolerance
            and other.x1 <= self.x1 + tolerance
            and other.y1 <= self.y1 + tolerance
        )

    def shifted(self, dx: float = 0.0, dy: float = 0.0) -> Rect:
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def as_list(self) -> list[float]:
        return [self.x0, self.y0, self.x1, self.y1]

    @classmethod
    def of(cls, values: Any) -> Rect:
        """A rectangle from ``[x0, y0, x1, y1]``; :class:`ValueError` for anything else."""
        if not isinstance(values, Sequence) or len(values) != 4:
            raise ValueError(f"a rectangle is four numbers, not {values!r}")
        numbers = []
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"a rectangle is four numbers, not {values!r}")
            numbers.append(float(value))
        return cls(*numbers)


@dataclass(frozen=True)
class SignatureBlock:
    """Where the signature block of a brief landed.

    ``page``: 0-based index of its page.  ``column``: the signature column
    (the right cell of the block).  ``authority``: one band per printed line
    of the authority and title ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), as wide as its
    text.  ``gap``: the room between the last of those lines and the name, as
    wide as the column (box 7c; the seal of box 8 goes there too).  ``name``:
    the signer's name, one band per line (empty when the block names no one).
    ``avoid``: every text box of the block, both columns — what an image must
    never cover.  ``signer_name``: the name as printed, which signing compares
    with the certificate's (``None`` when the block names no one, or in a record
    written before briefgen kept it).
    """

    page: int
    column: Rect
    authority: tuple[Rect, ...]
    gap: Rect
    name: tuple[Rect, ...]
    avoid: tuple[Rect, ...]
    signer_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "column": self.column.as_list(),
            "authority": [r.as_list() for r in self.authority],
            "gap": self.gap.as_list(),
            "name": [r.as_list() for r in self.name],
            "avoid": [r.as_list() for r in self.avoid],
        } | ({"signer_name": self.signer_name} if self.signer_name else {})

    @classmethod
    def from_dict(cls, data: Any) -> SignatureBlock:
        if not isinstance(data, dict):
            raise ValueError("the signature record is not a mapping")
        page = data.get("page")
        if isinstance(page, bool) or not isinstance(page, int) or page < 0:
            raise ValueError(f"bad page index {page!r}")
        return cls(
            page=page,
            column=Rect.of(data.get("column")),
            authority=tuple(Rect.of(r) for r in _list(data, "authority")),
            gap=Rect.of(data.get("gap")),
            name=tuple(Rect.of(r) for r in _list(data, "name")),
            avoid=tuple(Rect.of(r) for r in _list(data, "avoid")),
            signer_name=_text(data.get("signer_name")),
        )


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"the signer's name is not text: {value!r}")
    return value or None


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"'{key}' is not a list")
    return value


@dataclass(frozen=True)
class PdfLayout:
    """The layout record of one PDF.

    ``page_size``: (width, height) of its pages in points.  ``text_area``: the
    page's text frame (inside the margins).  ``pages``: number of pages.
    ``draft``: the brief is marked "DỰ THẢO" and must not be signed.
    ``signature``: the last signature block (``None`` when the brief has none).
    """

    page_size: tuple[float, float]
    text_area: Rect
    pages: int
    draft: bool = False
    signature: SignatureBlock | None = None

    def __post_init__(self) -> None:
        width, height = self.page_size
        object.__setattr__(self, "page_size", (round(float(width), 3), round(float(height), 3)))

    def to_json(self) -> str:
        """Compact ASCII JSON (it is stored in the PDF as a plain string)."""
        body = {
            "briefgen_layout": RECORD_VERSION,
            "page_size": list(self.page_size),
            "text_area": self.text_area.as_list(),
            "pages": self.pages,
            "draft": self.draft,
            "signature": None if self.signature is None else self.signature.to_dict(),
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=True, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PdfLayout:
        """Parse a record; :class:`ValueError` saying what is wrong for anything else."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValueError(f"the layout record is not JSON: {error}") from None
        if not isinstance(data, dict) or data.get("briefgen_layout") != RECORD_VERSION:
            raise ValueError("not a briefgen layout record of a known version")
        size = data.get("page_size")
        if not isinstance(size, list) or len(size) != 2:
            raise ValueError("bad page size in the layout record")
        pages = data.get("pages")
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
            raise ValueError(f"bad page count {pages!r} in the layout record")
        signature = data.get("signature")
        return cls(
            page_size=(float(size[0]), float(size[1])),
            text_area=Rect.of(data.get("text_area")),
            pages=pages,
            draft=data.get("draft") is True,
            signature=None if signature is None else SignatureBlock.from_dict(signature),
        )
