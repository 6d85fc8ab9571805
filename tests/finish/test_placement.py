"""Where the signature and seal go, from a layout record (geometry only)."""

from __future__ import annotations

import pytest

from briefgen.errors import UsageError
from briefgen.finish.placement import MM, place, room_mm
from briefgen.writers.layout import Rect, SignatureBlock


def block(room: float = 42 * MM, recipients_right: float = 280.0) -> SignatureBlock:
    """A signature column at x 300–550 with a title above and a name under a ``room`` gap;
    recipients in the left column reach ``recipients_right``."""
    name_top = 500.0
    gap = Rect(300, name_top, 550, name_top + room)
    title = Rect(380, gap.y1, 470, gap.y1 + 20)
    name = Rect(375, name_top - 20, 475, name_top)
    recipients = Rect(90, name_top - 10, recipients_right, gap.y1 + 20)
    return SignatureBlock(0, Rect(300, name.y0, 550, title.y1), (title,), gap, (name,),
                          (recipients, title, name))  # fmt: skip


def test_the_signature_is_centred_in_the_gap_and_the_seal_covers_its_left_third() -> None:
    placed = place(block(), (40, 20), 36)
    signature, seal = placed.signature, placed.seal
    assert signature.centre[0] == pytest.approx(425, abs=0.01)
    assert signature.centre[1] == pytest.approx(block().gap.centre[1], abs=0.01)
    assert signature.width == pytest.approx(
        40 * MM, abs=0.01
    ) and signature.height == pytest.approx(20 * MM, abs=0.01)
    assert seal.width == pytest.approx(36 * MM, abs=0.01) and seal.height == pytest.approx(
        36 * MM, abs=0.01
    )
    assert (seal.x1 - signature.x0) / signature.width == pytest.approx(1 / 3, abs=1e-4)
    assert seal.centre[1] == pytest.approx(signature.centre[1], abs=0.01)


def test_both_move_right_to_clear_the_recipients_column() -> None:
    crowded = block(recipients_right=330)
    placed = place(crowded, (40, 20), 36)
    assert placed.seal.x0 >= 330
    assert (placed.seal.x1 - placed.signature.x0) / placed.signature.width == pytest.approx(
        1 / 3, abs=1e-4
    )
    assert not any(placed.seal.overlaps(box) for box in crowded.avoid)


def test_no_room_without_covering_text_is_an_error() -> None:
    with pytest.raises(UsageError, match="cannot be placed without covering text"):
        place(block(recipients_right=440), (40, 20), 36)
    with pytest.raises(UsageError, match=r"leaves \d+\.\d mm .* too little for a 40 mm seal"):
        place(block(room=30 * MM), (40, 20), 40)


def test_a_tall_signature_is_drawn_smaller_never_over_text() -> None:
    placed = place(block(), (40, 60), 36)
    assert placed.signature.height <= block().gap.height
    assert placed.signature.width / placed.signature.height == pytest.approx(40 / 60, abs=0.01)


def test_an_earlier_signature_keeps_its_place() -> None:
    earlier = Rect(400, 520, 500, 560)
    placed = place(block(), (40, 20), 36, signature=earlier)
    assert placed.signature == earlier
    assert placed.seal.x1 == pytest.approx(400 + 100 / 3, abs=0.01)


def test_the_room_asked_of_the_writer_fits_the_larger_image_with_clearance() -> None:
    assert room_mm(20, 36) > 36 and room_mm(45, 36) > 45
    placed = place(block(room=room_mm(20, 36) * MM), (40, 20), 36)
    assert placed.seal.height == pytest.approx(36 * MM, abs=0.01)
