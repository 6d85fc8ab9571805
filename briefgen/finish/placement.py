"""Where the signature and seal images go, computed from the layout record.

Decree 30 (Appendix I, II.7.d, II.8.a): the signer's image is centred between
the authority/title line and the signer's name (box 7c); the seal, at its real
size, covers about the left third of the signer's image (box 8).  Both must
fit between the title's and the name's ink with a clearance, and neither may
cover any text of the block; when the seal would reach into the recipients
column, both move right as far as the signature column allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from briefgen.errors import Location, UsageError
from briefgen.writers.layout import Rect, SignatureBlock

__all__ = ["MM", "Placement", "place", "room_mm"]

MM: Final = 72 / 25.4
"""Points per millimetre."""

CLEARANCE_MM: Final = 1.0
"""Space kept between an image and the text above and below it."""
INK_ALLOWANCE_MM: Final = 1.5
"""How far the recorded text boxes of the title and name reach into the gap: the PDF
writer pads each line 0.3 em for stacked marks and dots below, 1.5 mm at Decree-30 sizes
(13–14 pt)."""
SEAL_OVERLAP: Final = 1 / 3
"""Share of the signer's image, from its left edge, that the seal covers."""


@dataclass(frozen=True)
class Placement:
    """Rectangles (PDF points) of the signer's image and of the seal on ``page``."""

    page: int
    signature: Rect
    seal: Rect


def room_mm(signature_height_mm: float, seal_mm: float) -> float:
    """Height the writer must leave between title and name for both images."""
    return max(signature_height_mm, seal_mm) + 2 * (CLEARANCE_MM + INK_ALLOWANCE_MM)


def place(
    block: SignatureBlock,
    signature_mm: tuple[float, float],
    seal_mm: float,
    where: Location | None = None,
    signature: Rect | None = None,
    signed: bool = False,
) -> Placement:
    """Place a ``signature_mm`` (width, height) image and a ``seal_mm`` seal in ``block``.

    ``signature``: where an earlier signature of box 7c already is (the seal is
    then placed against it).  ``signed``: the PDF already holds a signature (so
    the advice never is to render it again).  Raises :class:`UsageError` when
    the block leaves no room for them without covering text.
    """
    low, high = _free_band(block)
    room = high - low
    seal_side = seal_mm * MM
    if seal_side > room + 0.01:
        raise UsageError(
            f"the signature block leaves {room / MM:.1f} mm between the title and the name, "
            f"too little for a {seal_mm:g} mm seal",
            where,
            hint=_no_room_hint(seal_mm, signed),
        )
    centre_y = (low + high) / 2
    if signature is None:
        width, height = (value * MM for value in signature_mm)
        if height > room:  # a tall signature is drawn smaller, never over text
            width, height = width * room / height, room
        centre_x = block.column.centre[0]
        signature = Rect(
            centre_x - width / 2, centre_y - height / 2, centre_x + width / 2, centre_y + height / 2
        )
    seal_right = signature.x0 + signature.width * SEAL_OVERLAP
    seal = Rect(
        seal_right - seal_side, centre_y - seal_side / 2, seal_right, centre_y + seal_side / 2
    )
    shift = _shift_clear_of_text(block, signature, seal)
    if shift is None:
        raise UsageError(
            "the signature and seal images cannot be placed without covering text of the page",
            where,
            hint="leave more room: a shorter recipients list or a wider signature column",
        )
    return Placement(block.page, signature.shifted(shift), seal.shifted(shift))


def _no_room_hint(seal_mm: float, signed: bool) -> str:
    if signed:
        return (
            "the PDF is already signed and cannot be laid out again: keep it as it is; a copy "
            f"rendered into another folder with --sign-fields {seal_mm:g} has room, signed anew"
        )
    return f"render it again with --sign CONFIG or --sign-fields {seal_mm:g}, which leave room"


def _free_band(block: SignatureBlock) -> tuple[float, float]:
    """The vertical band of the gap clear of the title's and the name's ink, with clearance."""
    clearance = CLEARANCE_MM * MM
    low = max([block.gap.y0, *(box.y1 for box in block.name)]) + clearance
    high = min([block.gap.y1, *(box.y0 for box in block.authority)]) - clearance
    return low, max(low, high)


def _shift_clear_of_text(block: SignatureBlock, signature: Rect, seal: Rect) -> float | None:
    """How far right both images must move to cover no text (0 when they cover none);
    ``None`` when moving cannot help within the signature column."""
    clearance = CLEARANCE_MM * MM
    shift = 0.0
    for _ in range(len(block.avoid) + 1):
        moved = [rect.shifted(shift) for rect in (signature, seal)]
        blocking = [box for box in block.avoid if any(rect.overlaps(box) for rect in moved)]
        if not blocking:
            return shift
        # Text in the way lies left of the images (the recipients): clear its right edge.
        shift = max(box.x1 + clearance - seal.x0 for box in blocking)
        if signature.x1 + shift > block.column.x1:
            return None
    return None
