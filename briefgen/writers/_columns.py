"""Column widths of a table taken from its content, shared by every writer.

A table's ``widths`` in the model are the template author's preferred
proportions.  Printed as they are, a narrow column breaks a number inside
("+27,63%" over "*") or a header inside a word ("hoạc" over "h").  Here each
column gets at least the width of its widest unbreakable piece — a word, or a
number with its sign, percent and marker, which contain no space — taking the
room from columns that have more than their longest line needs, then from
columns that can wrap.  Where the author's proportions break nothing, they are
kept as they are.

Each writer measures text with its own metrics (the font it embeds, or the
metrics of the font the word processor will use) and passes the measure in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefgen import model as m

Measure = Callable[[str, bool], float]
"""Width in points of a text at the table's size, bold or not."""


@dataclass(frozen=True)
class _Extent:
    """What one cell needs: its widest unbreakable piece and its longest line, in points."""

    narrowest: float
    widest: float


def cell_extent(content: m.Inlines, measure: Measure, header: bool) -> _Extent:
    """The narrowest and widest widths ``content`` can be set in (without padding)."""
    longest_word = longest_line = 0.0
    word = line = 0.0
    for run in m.runs(content, bold=header):
        if run.is_break:
            longest_word, longest_line = max(longest_word, word), max(longest_line, line)
            word = line = 0.0
            continue
        pieces = run.text.split(" ")
        for index, piece in enumerate(pieces):
            if index:  # a space: a line may break here
                longest_word = max(longest_word, word)
                word = 0.0
                line += measure(" ", run.bold)
            width = measure(piece, run.bold) if piece else 0.0
            word += width
            line += width
    return _Extent(max(longest_word, word), max(longest_line, line))


def column_widths(
    table: m.Table, total: float, measure: Measure, padding: float
) -> tuple[float, ...]:
    """Widths in points of ``table``'s columns, summing to ``total``.

    ``padding``: the cell's left plus right padding, added to what the text
    needs.  When even the narrowest layout is wider than ``total``, columns
    are narrowed in proportion and the widest pieces break.
    """
    columns = table.columns
    narrowest = [padding] * columns
    widest = [padding] * columns
    header_rows = len(table.header)
    for row_index, row in enumerate(table.header + table.body):
        column = 0
        for cell in row:
            # Cells spanning columns do not size single columns.
            if cell.colspan == 1 and column < columns:
                extent = cell_extent(cell.content, measure, row_index < header_rows)
                narrowest[column] = max(narrowest[column], extent.narrowest + padding)
                widest[column] = max(widest[column], extent.widest + padding)
            column += cell.colspan
    return fit(tuple(w * total for w in table.widths), narrowest, widest, total)


def fit(
    preferred: Sequence[float],
    narrowest: Sequence[float],
    widest: Sequence[float],
    total: float,
) -> tuple[float, ...]:
    """Widths summing to ``total``: ``preferred``, except that a column narrower than its
    ``narrowest`` piece is widened, taking the room first from columns wider than their
    ``widest`` line needs, then from columns wider than their narrowest piece."""
    if sum(narrowest) >= total:
        return _cap(narrowest, total)
    widths = [max(p, n) for p, n in zip(preferred, narrowest, strict=True)]
    excess = sum(widths) - total
    roomy = [max(w, n) for w, n in zip(widest, narrowest, strict=True)]
    for floor in (roomy, narrowest):
        room = [max(0.0, w - f) for w, f in zip(widths, floor, strict=True)]
        available = sum(room)
        if excess <= 0 or available <= 0:
            continue
        take = min(excess, available)
        widths = [w - r * take / available for w, r in zip(widths, room, strict=True)]
        excess -= take
    return tuple(widths)


def _cap(needs: Sequence[float], total: float) -> tuple[float, ...]:
    """``needs`` cut to sum to ``total``: the columns needing least keep what they need,
    the others share the rest equally (a 2,000-character word does not crush the
    column of numbers beside it)."""
    remaining = total
    widths = list(needs)
    order = sorted(range(len(needs)), key=lambda i: needs[i])
    for position, index in enumerate(order):
        share = remaining / (len(order) - position)
        if needs[index] > share:
            for rest in order[position:]:
                widths[rest] = share
            break
        remaining -= needs[index]
    return tuple(widths)
