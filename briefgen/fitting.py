"""Charts fitted to their pages, so that no chart leaves a hole at a page foot.

The PDF layout decides (the rules are :class:`briefgen.writers._pdf_flow.FlowDocTemplate`'s):
a chart that does not fit the rest of its page, where moving it on would leave
a hole, is drawn again shorter — never narrower, its lettering full size —
down to what it still reads well at (:func:`briefgen.charts.shortest_mm`);
when it cannot be made short enough, the charts above it on that page are
drawn taller to fill the page instead.

The PDF writer draws no chart itself: this module hands it the floors and
:func:`briefgen.charts.refit_chart`, and it redraws a chart as it lays the
pages out, so writing a PDF finds the heights on the way.  A format without
pages of its own (DOCX) prints the charts at the same heights: those of a PDF
written before, or of a planning layout that stops at the last chart.
:class:`briefgen.Document` keeps what was found, so writing both formats lays
the pages out once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from briefgen import charts
from briefgen import model as m

if TYPE_CHECKING:
    from briefgen.writers.layout import PdfLayout
    from briefgen.writers.pdf import ChartFitting

D = TypeVar("D", bound=m.Document)


def chart_fitting(document: m.Document) -> ChartFitting:
    """What the PDF writer needs to fit the charts of ``document``."""
    from briefgen.writers.pdf import ChartFitting

    floors = {
        index: charts.shortest_mm(block.spec) / block.spec.height_mm
        for index, block in enumerate(document.blocks)
        if isinstance(block, m.Chart)
    }
    return ChartFitting(floors, _Redraws())


class _Redraws:
    """:func:`briefgen.charts.refit_chart`, keeping what it drew: the brief as printed
    is made of the charts its layout drew (each asked for once, so the counts of
    :func:`briefgen.charts.counts` stay true)."""

    def __init__(self) -> None:
        self.drawn: dict[tuple[m.ChartSpec, float], m.Chart] = {}

    def __call__(self, block: m.Chart, scale: float) -> m.Chart:
        key = (block.spec, scale)
        if key not in self.drawn:
            self.drawn[key] = charts.refit_chart(block, scale)
        return self.drawn[key]


def fit(document: D) -> D:
    """``document`` with its charts drawn at the heights its pages give them.

    Lays the pages out (up to the last chart) without writing a file.
    """
    if not document.charts():
        return document
    from briefgen.writers import pdf  # reportlab only when there are charts to place

    fitting = chart_fitting(document)
    return pdf.redrawn(document, fitting, pdf.chart_scales(document, fitting))


def write_pdf(document: D) -> tuple[bytes, PdfLayout, D]:
    """The PDF of ``document`` with its charts fitted as its pages are laid out, the
    layout record, and ``document`` as printed (its charts at their fitted heights)."""
    from briefgen.writers import pdf

    if not document.charts():
        data, layout = pdf.write_with_layout(document)
        return data, layout, document
    fitting = chart_fitting(document)
    data, layout, scales = pdf.write_fitted(document, fitting)
    return data, layout, pdf.redrawn(document, fitting, scales)
