"""Page flow of the PDF writer: what stays together, what may split, and where.

reportlab's own ``keepWithNext`` and ``KeepTogether`` move a heading and the
whole block after it to the next page whenever the block does not fit, which
leaves a third of a page blank before a small section and its table.  A clerk
keeps a heading with the *start* of what follows and lets the rest run on.
This module holds the flowables that do that, for :mod:`briefgen.writers.pdf`:

- :class:`KeepWithFirst` keeps headings and a table caption on the page where
  the block after them starts: with the first two lines of a paragraph, or the
  header and first rows of a table, and lets the rest split;
- :class:`KeepWithSignature` keeps the closing paragraph (at least its last two
  lines) on the page of the signature block;
- :class:`BriefTable` splits between rows, repeating the header, and inside a
  row only when that row is taller than a page;
- :func:`chunk_runs` cuts very long text into pieces reportlab lays out in
  linear time;
- :class:`FlowDocTemplate` fits chart heights so that a chart that does not
  fit leaves no hole.

Only this module, :mod:`briefgen.writers.pdf` and :mod:`briefgen.fonts` import
reportlab.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import Flowable as PdfFlowable  # type: ignore[import-untyped]
from reportlab.platypus import PageBreak, Table
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus.doctemplate import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    FrameBreak,
    NullActionFlowable,
)
from reportlab.platypus.flowables import (  # type: ignore[import-untyped]
    _ContainerSpace,
    _listWrapOn,
)

from briefgen import model as m
from briefgen.writers._look import LEAD_IN_LINES

Flowable: TypeAlias = Any
"""A reportlab flowable (reportlab ships no type information)."""

FIRST_ROWS: Final = 2
"""Body rows of a table kept with its heading and caption (all, if it has fewer)."""
CLOSING_LINES: Final = 2
"""Lines of the closing paragraph kept on the signature's page, at least."""
CHUNK_CHARS: Final = 2000
"""Longest text given to reportlab as one paragraph; longer text is cut into pieces.

Splitting a paragraph over a page lays out its remaining text again, so one
paragraph of n characters costs n²: a 1 MB paragraph took minutes."""
_CHUNK_WINDOW: Final = 500
"""How far before the limit a piece may end, to end it at a sentence."""
_SENTENCE_END: Final = re.compile(r"[.!?;:…](?:[\"'”’)\]]*)\s")
_WHITESPACE: Final = re.compile(r"\s")
_FORCE_SPLIT: Final = 0xFFFFFF
"""Height a keeping container reports: the frame then always asks it to split."""


def _frame_at_top(flowable: Flowable) -> bool:
    frame = getattr(flowable, "_frame", None)
    return bool(getattr(frame, "_atTop", False))


def _flat(flowables: Sequence[Flowable]) -> list[Flowable]:
    """``flowables`` with every keeping container (which reports a huge height to be
    split) replaced by its content."""
    out: list[Flowable] = []
    for flowable in flowables:
        if isinstance(flowable, _ContainerSpace):
            out += _flat(flowable._content)
        else:
            out.append(flowable)
    return out


def _height(flowables: Sequence[Flowable], width: float, canvas: Any) -> float:
    """Height of ``flowables`` set one under the other, spaces between them merged."""
    height: float = _listWrapOn(_flat(flowables), width, canvas)[1]
    return height


class _Keep(_ContainerSpace, PdfFlowable):  # type: ignore[misc]
    """A container never drawn itself: the frame always splits it into its content."""

    def __init__(self, content: Sequence[Flowable]) -> None:
        super().__init__()
        self._content = list(content)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._whole = _height(self._content, available_width, self.canv)
        return available_width, _FORCE_SPLIT

    def _moved(self) -> list[Flowable]:
        """The content on the next page, or here when this is a page's top already."""
        if _frame_at_top(self):
            return _handed(self._content)
        return [FrameBreak(), *self._content]


def _handed(flowables: Sequence[Flowable]) -> list[Flowable]:
    """``flowables`` as a split result the frame takes one by one (reportlab would
    otherwise place the first one at once, even a container that must split)."""
    return [NullActionFlowable(), *flowables]


class KeepWithFirst(_Keep):
    """``lead`` (headings, a caption) on the page where ``follower`` starts.

    The follower splits as it can: a paragraph keeps at least two lines with
    the lead (its style allows no orphans), a table its header and first
    :data:`FIRST_ROWS` body rows.  When that much does not fit, the lead and
    the follower start the next page together.
    """

    def __init__(self, lead: Sequence[Flowable], follower: Flowable) -> None:
        super().__init__([*lead, follower])
        self.lead = list(lead)
        self.follower = follower

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        canvas = self.canv
        if self._whole <= available_height:
            return _handed(self._content)
        lead_height = _height(self.lead, available_width, canvas)
        # The frame puts the larger of the lead's space after and the follower's space
        # before between them; a point more keeps rounding from splitting it twice.
        gap = max(self.lead[-1].getSpaceAfter(), self.follower.getSpaceBefore())
        room = available_height - lead_height - gap - 1
        if room > 0 and isinstance(self.follower, (PdfParagraph, Table)):
            self.follower.wrapOn(canvas, available_width, room)
            parts = self.follower.splitOn(canvas, available_width, room)
            if len(parts) > 1 and _enough(parts[0], self.follower):
                return _handed([*self.lead, *parts])
        return self._lead_in_split(available_width, available_height) or self._moved()

    def _lead_in_split(
        self, available_width: float, available_height: float
    ) -> list[Flowable] | None:
        """A lead-in paragraph (:func:`mark_lead_in`) that cannot print whole with the
        start of what it introduces: its first lines here, its last
        :data:`LEAD_IN_LINES` with the follower on the next page (``None`` when it
        is not one, or has no lines to leave here)."""
        last = self.lead[-1]
        if not getattr(last, "_brief_lead_in", False) or not isinstance(last, PdfParagraph):
            return None
        canvas = self.canv
        above = self.lead[:-1]
        room = available_height - 1
        if above:
            gap = max(above[-1].getSpaceAfter(), last.getSpaceBefore())
            room -= _height(above, available_width, canvas) + gap
        _, height = last.wrapOn(canvas, available_width, available_height)
        room = min(room, height - LEAD_IN_LINES * last.style.leading - 1)
        if room <= last.style.leading:
            return None
        parts = last.splitOn(canvas, available_width, room)
        if len(parts) < 2:
            return None
        mark_lead_in(parts[1])
        return _handed([*above, parts[0], KeepWithFirst([parts[1]], self.follower)])


def mark_lead_in(flowable: Flowable) -> None:
    """Mark ``flowable`` (a paragraph ending with a colon) as leading in to the next one:
    its last lines start the page of what it introduces (:class:`KeepWithFirst`)."""
    flowable.keepWithNext = 1
    flowable._brief_lead_in = True


def _enough(first: Flowable, whole: Flowable) -> bool:
    """Whether the first part of a split ``whole`` is enough to keep a heading with."""
    if isinstance(whole, Table):
        repeated = whole.repeatRows if isinstance(whole.repeatRows, int) else 0
        body_rows = len(whole._cellvalues) - repeated
        kept = len(first._cellvalues) - repeated
        return bool(kept >= min(FIRST_ROWS, body_rows))
    return True


class KeepWithSignature(_Keep):
    """The closing text and the signature block on one page.

    A closing paragraph longer than a few lines may begin on the page before,
    as long as its last :data:`CLOSING_LINES` lines print above the signature;
    any other block moves whole.
    """

    def __init__(self, closing: Flowable, signature: Sequence[Flowable]) -> None:
        super().__init__([closing, *signature])
        self.closing = closing
        self.signature = list(signature)

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        canvas = self.canv
        if self._whole <= available_height:
            return _handed(self._content)
        closing = self.closing
        if isinstance(closing, PdfParagraph):
            _, height = closing.wrapOn(canvas, available_width, available_height)
            leading = closing.style.leading
            room = min(available_height, height - CLOSING_LINES * leading - 1)
            if room > leading:
                parts = closing.splitOn(canvas, available_width, room)
                if len(parts) > 1:
                    return _handed([parts[0], KeepWithSignature(parts[1], self.signature)])
        return self._moved()


class BriefTable(Table):  # type: ignore[misc]
    """A table that splits between rows (repeating its header) and, only where one row
    is taller than a whole page, inside that row, instead of failing."""

    def __init__(self, *args: Any, page_height: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_height = page_height
        """Height of the frame; 0 (parts reportlab makes) until the splitting table sets it."""

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(available_width, available_height)
        if not parts and self._has_overlong_row():
            # A row no page can hold: cut it where this page ends.
            self.splitInRow = 1
            try:
                parts = self._splitRows(available_height, doInRowSplit=1)
            finally:
                self.splitInRow = 0
        for part in parts:
            if isinstance(part, BriefTable):
                part.page_height = self.page_height
        return parts

    def _has_overlong_row(self) -> bool:
        repeated = self.repeatRows if isinstance(self.repeatRows, int) else 0
        header = sum(self._rowHeights[:repeated])
        limit = self.page_height - header
        return limit > 0 and any(height > limit for height in self._rowHeights[repeated:])


# --------------------------------------------------------------------------- long text


def chunk_runs(runs: Sequence[m.Run], limit: int = CHUNK_CHARS) -> Iterator[list[m.Run]]:
    """``runs`` cut into pieces of at most about ``limit`` characters.

    A piece ends at a sentence end when one lies in the last stretch before
    the limit, else at a space, else (one unbroken word) at the limit.  The
    pieces hold every character once, in order: joined, they are the text.
    """
    piece: list[m.Run] = []
    size = 0
    for run in runs:
        text = run.text
        while size + len(text) > limit:
            cut = _cut(text, limit - size)
            if cut == 0 and not piece:
                cut = min(len(text), limit)
            if cut:
                piece.append(m.Run(text[:cut], run.bold, run.italic, run.is_break))
            yield piece
            piece, size, text = [], 0, text[cut:]
        if text or run.is_break:
            piece.append(m.Run(text, run.bold, run.italic, run.is_break))
            size += max(len(text), 1)
    if piece:
        yield piece


def _cut(text: str, room: int) -> int:
    """Where to end a piece within ``text[:room]`` (0: better to end before ``text``)."""
    window = text[max(0, room - _CHUNK_WINDOW) : room]
    offset = max(0, room - _CHUNK_WINDOW)
    ends = [match.end() for match in _SENTENCE_END.finditer(window)]
    if ends:
        return offset + ends[-1]
    spaces = [match.end() for match in _WHITESPACE.finditer(text[:room])]
    return spaces[-1] if spaces else 0


def chunked(
    runs: Sequence[m.Run],
    style: Any,
    markup: Any,
    bullet: str | None = None,
) -> list[Flowable]:
    """One paragraph of ``runs`` in ``style``, or several when the text is very long.

    ``markup`` turns runs into reportlab markup.  Pieces after the first start
    flush (no first-line indent, no bullet) and only the last keeps the space
    after, so the pieces read as one paragraph.
    """
    pieces = list(chunk_runs(runs)) if sum(len(r.text) for r in runs) > CHUNK_CHARS else [runs]
    if len(pieces) <= 1:
        return [PdfParagraph(markup(runs), style, bulletText=bullet)]
    first = ParagraphStyle(f"{style.name}-first", parent=style, spaceAfter=0)
    middle = ParagraphStyle(
        f"{style.name}-middle", parent=style, firstLineIndent=0, spaceBefore=0, spaceAfter=0
    )
    last = ParagraphStyle(f"{style.name}-last", parent=style, firstLineIndent=0, spaceBefore=0)
    flowables = [PdfParagraph(markup(pieces[0]), first, bulletText=bullet)]
    flowables += [PdfParagraph(markup(piece), middle) for piece in pieces[1:-1]]
    flowables.append(PdfParagraph(markup(pieces[-1]), last))
    return flowables


def keep_leads(flowables: Sequence[Flowable]) -> list[Flowable]:
    """``flowables`` with every run of keep-with-next flowables (headings, captions)
    grouped with the flowable after it in a :class:`KeepWithFirst`."""
    out: list[Flowable] = []
    lead: list[Flowable] = []
    for flowable in flowables:
        if flowable.getKeepWithNext():
            # reportlab would group them again, whole: the group decides now.
            flowable.keepWithNext = 0
            lead.append(flowable)
            continue
        if lead and not isinstance(flowable, (PageBreak, _Keep)):
            out.append(KeepWithFirst(lead, flowable))
        else:
            out += [*lead, flowable]
        lead = []
    return out + lead


# --------------------------------------------------------------------------- charts

SHRINK_FROM: Final = 0.15
"""A chart that does not fit is made shorter only when moving it would leave more
than this share of the page empty; below, it starts the next page."""
SHORTEST: Final = 0.5
"""A chart is made no shorter than this share of its drawn height."""
TALLEST: Final = 1.5
"""A chart is made at most this much taller to fill the page before a chart that
cannot be made short enough to fit it."""
_SHORTEST_PT: Final = 90.0
"""…and no shorter than this (about 32 mm): below, it is no longer worth reading."""
MARGIN_LINES: Final = 2
"""Lines left free under a shortened chart, so a word processor whose lines fall a
little lower than ours still fits it on the page."""


@dataclass(frozen=True)
class ChartFit:
    """How a layout fits its charts (see :class:`FlowDocTemplate`).

    ``floors``: block index of a chart → the least share of its drawn height it
    may be drawn at.  ``redraw``: the picture of chart ``index`` drawn again
    ``scale`` times as high (the caller draws it: this module draws no chart).
    ``planning``: the layout only finds the scales (it stops once every chart
    is placed, and never lays the pages out again).  ``fixed``: block index →
    scale of the charts already drawn at their fitted height.
    """

    floors: Mapping[int, float]
    redraw: Callable[[int, float], Flowable]
    planning: bool = False
    fixed: Mapping[int, float] = field(default_factory=dict)


class PlanDone(Exception):
    """Raised by a planning layout once every chart is placed: nothing after matters."""


class Relayout(Exception):
    """Raised by a writing layout that made charts already on a page taller: those
    pages are drawn, so the layout starts again with ``scales`` fixed."""

    def __init__(self, scales: dict[int, float]) -> None:
        super().__init__(f"charts drawn taller: {sorted(scales)}")
        self.scales = scales


class PlanningCanvas(Canvas):  # type: ignore[misc]
    """A canvas for a layout whose file nobody reads: it skips writing the file
    (font subsets, compression), a third of the time of a brief's PDF."""

    def save(self) -> None:
        pass


class FlowDocTemplate(BaseDocTemplate):  # type: ignore[misc]
    """The document template of the PDF writer.

    With a :class:`ChartFit`, it fits chart heights as it lays the pages out.
    A chart (tagged ``_brief_chart`` with its block index) that does not fit
    the rest of a page, where moving it would leave a hole, is drawn again
    shorter to fit, down to its floor and :data:`SHORTEST`; when even that does
    not fit, the charts already on the page are made taller (by at most
    :data:`TALLEST`) to fill the hole it leaves — in a writing layout by
    starting again (:class:`Relayout`), as those are drawn already.
    :attr:`chart_scales` records the scales, so that every other format draws
    those charts at that height (:func:`briefgen.writers.pdf.redrawn`).  Without a
    fit, charts are placed as they are.
    """

    def __init__(
        self,
        *args: Any,
        margin_pt: float = 0.0,
        fit: ChartFit | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fit = fit
        self.chart_scales: dict[int, float] = dict(fit.fixed) if fit else {}
        self.margin_pt = margin_pt
        self._on_page: list[tuple[int, float]] = []
        """Charts placed on the current page at their drawn height: (block index, height)."""
        self._charts_placed = 0
        self.chart_count = 0
        """Charts in the story: planning stops once that many are placed."""

    def handle_pageBegin(self) -> None:  # reportlab's hook name
        self._on_page = []
        super().handle_pageBegin()

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        if flowables and self.fit is not None:
            self._fit_chart(flowables[0], self.fit)
            if self.fit.planning and self._charts_placed >= self.chart_count:
                # Every chart has its height: the rest of the layout decides nothing.
                raise PlanDone
        super().handle_flowable(flowables)

    def _fit_chart(self, unit: Flowable, fit: ChartFit) -> None:
        chart = unit.follower if isinstance(unit, KeepWithFirst) else unit
        index = getattr(chart, "_brief_chart", None)
        frame = getattr(self, "frame", None)  # none before the first page begins
        if index is None or index in self.chart_scales or frame is None:
            return
        if any(placed == index for placed, _ in self._on_page):
            return
        width = frame._getAvailableWidth()
        drawn = chart._content[0].wrap(width, _FORCE_SPLIT)[1]
        room = frame._y - frame._y1p
        whole = _height([unit], width, self.canv) + unit.getSpaceBefore()
        if whole <= room or frame._atTop:
            self._on_page.append((index, drawn))
            self._charts_placed += 1
            return
        if room < SHRINK_FROM * frame._height:
            return
        target = room - self.margin_pt - (whole - drawn)
        floor = max(SHORTEST, fit.floors.get(index, 0.0))
        if target >= max(floor * drawn, _SHORTEST_PT):
            self.chart_scales[index] = target / drawn
            # The chart is a KeepTogether of its picture and caption: a new picture.
            chart._content[0] = fit.redraw(index, target / drawn)
            self._charts_placed += 1
        else:
            self._fill_page(room - self.margin_pt, fit)

    def _fill_page(self, spare: float, fit: ChartFit) -> None:
        """Make the charts already on this page taller, sharing ``spare`` points."""
        growing = [(i, h) for i, h in self._on_page if i not in self.chart_scales]
        if not growing or spare <= 0:
            return
        share = spare / len(growing)
        for index, height in growing:
            self.chart_scales[index] = min(TALLEST, (height + share) / height)
        if not fit.planning:
            raise Relayout(dict(self.chart_scales))
