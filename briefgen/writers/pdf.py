"""PDF writer: renders a :class:`~briefgen.model.Document` with reportlab platypus.

The output follows Decree 30/2020/NĐ-CP (see ``shared/domain/FACTS.md``): A4
with the document's margins, a serif family covering Vietnamese (Times New
Roman or a substitute, see :mod:`briefgen.fonts`) embedded as subsets,
justified body with a first-line indent, a two-column letterhead and
signature block laid out as borderless tables, and arabic page numbers
centred in the top margin, absent on page 1.  Headings become nested PDF
bookmarks; title, author, subject, keywords and language go to the metadata.

Determinism: the same document gives byte-identical files (reportlab's
``invariant`` mode fixes the dates and file identifier).

Page flow (what stays together, what splits) lives in
:mod:`briefgen.writers._pdf_flow`.  Only these modules and :mod:`briefgen.fonts`
import reportlab.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias, TypeVar, assert_never
from xml.sax.saxutils import escape

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import (  # type: ignore[import-untyped]
    TA_CENTER,
    TA_JUSTIFY,
    TA_LEFT,
    TA_RIGHT,
)
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfdoc import (  # type: ignore[import-untyped]
    PDFDictionary,
    PDFInfo,
    PDFName,
    PDFString,
)
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas as PdfCanvas  # type: ignore[import-untyped]
from reportlab.platypus import Flowable as PdfFlowable  # type: ignore[import-untyped]
from reportlab.platypus import (
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import PageBreak as PdfPageBreak
from reportlab.platypus import Paragraph as PdfParagraph

from briefgen import fonts
from briefgen import model as m
from briefgen.errors import BriefgenWarning, Location, OutputError
from briefgen.writers import _columns, _pdf_flow, drawn_image
from briefgen.writers._look import (
    DRAFT_LABELS,
    SIGNATURE_GAP_MM,
    TILE_FILL,
    TREND_ARROWS,
    TREND_COLOURS,
    issued_at,
    leads_in,
)
from briefgen.writers.layout import CATALOG_KEY, PdfLayout, Rect, SignatureBlock

# Images go into the PDF Flate-compressed only, not also ASCII85-armoured (a 7-bit
# transport nobody needs any more): a quarter less for every chart picture.
rl_config.useA85 = 0

__all__ = ["text_stamp", "write", "write_with_layout"]

Flowable: TypeAlias = Any
"""A reportlab flowable (reportlab ships no type information)."""
Canvas: TypeAlias = Any
"""A reportlab canvas."""
D = TypeVar("D", bound=m.Document)

# --------------------------------------------------------------------------- constants

_ALIGNMENTS: Final[dict[m.Align, int]] = {
    "left": TA_LEFT,
    "center": TA_CENTER,
    "right": TA_RIGHT,
    "justify": TA_JUSTIFY,
}

_SINGLE_LINE_EM: Final = 1.15
"""Height of a single-spaced line in ems: Times New Roman's ascent + descent + gap (1.149),
so "single" and ``line_spacing`` multiples measure as in Word and LibreOffice."""

_RULE_FRACTIONS: Final[dict[m.RuleLength, float]] = {
    "none": 0.0,
    "third": 1 / 3,
    "half": 1 / 2,
    "full": 1.0,
}
_RULE_THICKNESS_PT: Final = 0.75  # same hairline as the DOCX writer: prints solid, reads thin
_RULE_GAP_PT: Final = 5.0
"""Space between a text line's box and the rule under it: clears the dot below "ạ", "ộ"."""

_TITLE_RULE_FRACTION: Final = 1 / 3
_TITLE_RULE_MIN_PT: Final = 20 * mm  # under a very short summary a rule still reads as one
_LETTERHEAD_SPACE_PT: Final = 18.0
_TITLE_SPACE_PT: Final = 18.0
_LAYOUT_CELL_PADDING_PT: Final = 2.0
"""Left/right padding in letterhead and signature cells, so the columns never touch."""
_LETTERHEAD_FOOT_SPACE_PT: Final = 4.0
_BALANCE_PRECISION_PT: Final = 0.5
_BALANCE_MOST_LINES: Final = 6
"""Centred text of more lines than this is not balanced (see :meth:`_StoryBuilder._centred`)."""
_UNBOUNDED_PT: Final = 1e6
"""Height offered when measuring a paragraph: measuring never depends on the page."""

_CAPTION_GAP_PT: Final = 3.0
"""Between a caption and its table or chart: close enough to read as one."""
_TABLE_GRID_PT: Final = 0.5
_TABLE_CELL_PADDING_PT: Final = 3.0
_TABLE_CELL_TOP_PADDING_PT: Final = 2.0

_ADDRESSEES_SPACE_PT: Final = 12.0
"""Below "Kính gửi:", before the body text."""
_RECIPIENTS_LABEL_PT: Final = 12.0  # "Nơi nhận:" — Decree 30, Appendix I
_RECIPIENTS_PT: Final = 11.0
_SIGNATURE_GAP_PT: Final = SIGNATURE_GAP_MM * mm
"""Room between the signer's title and name for the signature and seal."""
_SIGNATURE_SPACE_PT: Final = 12.0

_DASH_HANG_PT: Final = 4 * mm
"""Hanging indent of a dash item: the dash and a space, the text aligned after it."""
_NUMBER_HANG_PT: Final = 7 * mm  # room for "99." at 14 pt

_PAGE_NUMBER_CAP_EM: Final = 0.66
"""Cap height of digits in ems, to centre the page number's ink in the top margin."""

_CHART_CAPTION_RESERVE: Final = 0.85
"""Fraction of the frame height a chart may take, leaving room for its caption."""


# --------------------------------------------------------------------------- entry point


def write(document: m.Document) -> bytes:
    """Render ``document`` as the bytes of a PDF file.

    Raises :class:`OutputError` for a chart that has not been drawn
    (``Chart.image`` is ``None``) or whose picture cannot be read, and when
    no font covering Vietnamese is installed.
    """
    return write_with_layout(document)[0]


def write_with_layout(document: m.Document) -> tuple[bytes, PdfLayout]:
    """Render ``document`` as PDF bytes, with the layout record the writer noted.

    The record (:class:`~briefgen.writers.layout.PdfLayout`) says where the
    signature block landed and whether the brief is a draft; the same record is
    stored in the file (catalog key ``/BriefgenLayout``).  Errors as :func:`write`;
    text the font cannot print is a :class:`BriefgenWarning` (:func:`warn_missing_glyphs`).
    """
    warn_missing_glyphs(document)
    data, _, record = _build(document)
    return data, record


MISSING_SHOWN: Final = 5
"""Characters a missing-glyph warning names, at most (it counts the rest)."""


def warn_missing_glyphs(document: m.Document) -> None:
    """One :class:`BriefgenWarning` naming the characters of ``document`` that its PDF
    font cannot draw (the PDF leaves them out; Word and LibreOffice show the DOCX's
    with another font), each with the text around it, so it can be found."""
    family = fonts.resolve_serif(document.style.font)
    found: dict[str, str] = {}
    for block in document.blocks:
        text = "\n".join(_block_texts(block))
        for char in fonts.missing_glyphs(family, text):
            if char not in found:
                at = text.index(char)
                context = " ".join(text[max(0, at - 20) : at + 21].split())
                found[char] = f"'{char}' (U+{ord(char):04X}) in “{context}”"
    if not found:
        return
    shown = "; ".join(list(found.values())[:MISSING_SHOWN])
    more = len(found) - MISSING_SHOWN
    warnings.warn(
        BriefgenWarning(
            f"the PDF's font ({family.source}) has no glyph for {len(found)} "
            f"character{'s' if len(found) > 1 else ''}, which the PDF leaves out: {shown}"
            + (f"; and {more} more" if more > 0 else ""),
            hint="write them another way, or set a template font that has them in style.font",
        ),
        stacklevel=2,
    )


def _block_texts(block: m.Block) -> list[str]:
    """The text a block prints, its chart's lettering included."""
    texts = list(m.texts(m.Document(blocks=(block,))))
    if isinstance(block, m.Chart):
        spec = block.spec
        texts += [spec.title, spec.unit or "", *spec.categories, *(s.label for s in spec.series)]
    return texts


@dataclass(frozen=True)
class ChartFitting:
    """What the writer needs to fit charts to its pages (:mod:`briefgen.fitting`
    gives it: the writer draws no chart itself).

    ``floors``: block index of a chart → the least share of its drawn height it
    may be drawn at.  ``redraw``: a chart block drawn again, as wide and
    ``scale`` times as high.
    """

    floors: Mapping[int, float]
    redraw: Callable[[m.Chart, float], m.Chart]


def write_fitted(
    document: m.Document, fitting: ChartFitting
) -> tuple[bytes, PdfLayout, dict[int, float]]:
    """As :func:`write_with_layout`, with every chart drawn at the height its page
    has room for, or needs filled (see :class:`briefgen.writers._pdf_flow.FlowDocTemplate`),
    found as the pages are laid out.  Also returns those heights: block index →
    share of the chart's height in ``document`` (:func:`redrawn` applies them)."""
    warn_missing_glyphs(document)
    scales: dict[int, float] = {}
    while True:
        try:
            data, found, record = _build(redrawn(document, fitting, scales), fitting, fixed=scales)
        except _pdf_flow.Relayout as again:
            # Charts on a page already drawn were made taller: lay out again with them
            # (each time fixes at least one more chart, so this ends).
            scales = again.scales
            continue
        return data, record, found


def chart_scales(document: m.Document, fitting: ChartFitting) -> dict[int, float]:
    """Block index → the share of its drawn height a chart is drawn at, as
    :func:`write_fitted` finds them, without writing the file (the pages are laid
    out up to the last chart)."""
    return _build(document, fitting, planning=True)[1]


def redrawn(document: D, fitting: ChartFitting, scales: Mapping[int, float]) -> D:
    """``document`` with the charts at the block indices of ``scales`` drawn again at
    that scale (``document`` itself when there are none)."""
    if not scales:
        return document
    return document.with_blocks(
        fitting.redraw(block, scales[index])
        if index in scales and isinstance(block, m.Chart)
        else block
        for index, block in enumerate(document.blocks)
    )


def _build(
    document: m.Document,
    fitting: ChartFitting | None = None,
    *,
    planning: bool = False,
    fixed: Mapping[int, float] | None = None,
) -> tuple[bytes, dict[int, float], PdfLayout]:
    """The PDF's bytes, the scales of the charts fitted when ``fitting`` is given
    (``fixed``: those drawn at their scale already; ``planning``: lay out up to the
    last chart, write no file), and the layout record."""
    family = fonts.resolve_serif(document.style.font)
    layout = _Layout.of(document.page)
    styles = _StyleSheet.build(family, document.style)
    recorder = _LayoutRecorder.of(document, layout, family)
    builder = _StoryBuilder(layout, styles, recorder=recorder)
    story = builder.story(document.blocks)
    fit = None
    if fitting is not None:

        def redraw(index: int, scale: float) -> Flowable:
            block = document.blocks[index]
            assert isinstance(block, m.Chart)  # only charts are tagged for fitting
            where = Location(field=f"blocks[{index}]")
            return builder.chart_picture(fitting.redraw(block, scale), where)

        fit = _pdf_flow.ChartFit(fitting.floors, redraw, planning, fixed or {})
    buffer = io.BytesIO()
    template = _template(buffer, document, layout, family, fit)
    template.margin_pt = _pdf_flow.MARGIN_LINES * styles.body[("left", False)].leading
    numbers = _PageNumbers.of(document, layout, family)
    template.addPageTemplates(
        [
            PageTemplate(
                id="page",
                frames=[
                    Frame(
                        layout.left,
                        layout.bottom,
                        layout.text_width,
                        layout.text_height,
                        leftPadding=0,
                        rightPadding=0,
                        topPadding=0,
                        bottomPadding=0,
                        id="body",
                    )
                ],
                onPage=numbers.draw,
                onPageEnd=recorder.page_end,
            )
        ]
    )
    if not planning:
        template.build(story, canvasmaker=_dated_canvas(issued_at(document.meta)))
    else:  # the pages are laid out up to the last chart, no file is written
        template.chart_count = sum(isinstance(block, m.Chart) for block in document.blocks)
        with contextlib.suppress(_pdf_flow.PlanDone):
            template.build(story, canvasmaker=_pdf_flow.PlanningCanvas)
    return buffer.getvalue(), template.chart_scales, recorder.record()


def _dated_canvas(moment: dt.datetime | None) -> Callable[..., Canvas]:
    """A maker of reportlab canvases whose file is dated ``moment``: its creation and
    modification date (``None``: neither is written; the same either way, whenever
    it is written, as the invariant mode fixes the file identifier)."""

    def make(*args: Any, **kwargs: Any) -> Canvas:
        canvas = PdfCanvas(*args, **kwargs)
        info = _DatedInfo()
        info.__dict__.update(canvas._doc.info.__dict__)
        info.moment = moment
        canvas._doc.info = info
        return canvas

    return make


class _DatedInfo(PDFInfo):  # type: ignore[misc]
    """The document information dictionary, dated by :attr:`moment` (or undated)."""

    moment: dt.datetime | None = None

    def format(self, document: Any) -> bytes:
        entries = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Producer": PDFString(self.producer),
            "Creator": PDFString(self.creator),
            "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords),
            "Trapped": PDFName(self.trapped),
        }
        if self.moment is not None:
            offset = self.moment.utcoffset() or dt.timedelta()
            minutes = int(offset.total_seconds()) // 60
            sign = "+" if minutes >= 0 else "-"
            stamp = self.moment.strftime("D:%Y%m%d%H%M%S") + (
                f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
            )
            entries["CreationDate"] = entries["ModDate"] = PDFString(stamp)
        formatted: bytes = PDFDictionary(entries).format(document)
        return formatted


def _template(
    buffer: io.BytesIO,
    document: m.Document,
    layout: _Layout,
    family: fonts.FontFamily,
    fit: _pdf_flow.ChartFit | None,
) -> _pdf_flow.FlowDocTemplate:
    meta = document.meta
    return _pdf_flow.FlowDocTemplate(
        buffer,
        fit=fit,
        pagesize=(layout.page_width, layout.page_height),
        leftMargin=layout.left,
        rightMargin=layout.right,
        topMargin=layout.top,
        bottomMargin=layout.bottom,
        title=_printable(meta.title),
        author=_printable(meta.author),
        subject=_printable(meta.subject),
        keywords=[_printable(keyword) for keyword in meta.keywords],
        creator="briefgen",
        lang=meta.language or None,
        displayDocTitle=1,
        # Fixed dates and file identifier: the same document gives the same bytes.
        invariant=1,
        # reportlab's canvas otherwise declares Helvetica on every page, an unembedded
        # font that preflight checks reject.
        initialFontName=family.face_name(),
        initialFontSize=document.style.size_pt,
    )


# --------------------------------------------------------------------------- page geometry


@dataclass(frozen=True)
class _Layout:
    """Page and text area in points."""

    page_width: float
    page_height: float
    top: float
    bottom: float
    left: float
    right: float

    @classmethod
    def of(cls, page: m.PageSetup) -> _Layout:
        margins = page.margins
        return cls(
            page_width=page.width_mm * mm,
            page_height=page.height_mm * mm,
            top=margins.top * mm,
            bottom=margins.bottom * mm,
            left=margins.left * mm,
            right=margins.right * mm,
        )

    @property
    def text_width(self) -> float:
        return self.page_width - self.left - self.right

    @property
    def text_height(self) -> float:
        return self.page_height - self.top - self.bottom


@dataclass(frozen=True)
class _PageNumbers:
    """Draws the page number centred in the top margin (Decree 30), skipping page 1 if asked."""

    enabled: bool
    number_first_page: bool
    font_name: str
    size_pt: float
    centre_x: float
    baseline_y: float

    @classmethod
    def of(cls, document: m.Document, layout: _Layout, family: fonts.FontFamily) -> _PageNumbers:
        size = document.style.size_pt
        # Centre the digits' ink, not their line box, in the margin.
        baseline_from_top = layout.top / 2 + size * _PAGE_NUMBER_CAP_EM / 2
        return cls(
            enabled=document.page.number_pages,
            number_first_page=document.page.number_first_page,
            font_name=family.face_name(),
            size_pt=size,
            # Over the text column, as a centred header paragraph sits in Word.
            centre_x=layout.left + layout.text_width / 2,
            baseline_y=layout.page_height - baseline_from_top,
        )

    def draw(self, canvas: Canvas, _template: object) -> None:
        """reportlab's ``onPage`` hook."""
        number: int = canvas.getPageNumber()
        if not self.enabled or (number == 1 and not self.number_first_page):
            return
        canvas.saveState()
        canvas.setFont(self.font_name, self.size_pt)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(self.centre_x, self.baseline_y, str(number))
        canvas.restoreState()


# --------------------------------------------------------------------------- styles


def _style(name: str, **attributes: Any) -> ParagraphStyle:
    return ParagraphStyle(name, textColor=colors.black, **attributes)


@dataclass
class _StyleSheet:
    """Every paragraph style of one document, built once before the story.

    ``header_lines`` is filled on demand, one style per letterhead text size.
    """

    family: fonts.FontFamily
    text: m.TextStyle
    body: dict[tuple[m.Align, bool], ParagraphStyle]
    """By (alignment, first-line indent): a paragraph may override both."""
    headings: tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]
    dash_item: ParagraphStyle
    number_item: ParagraphStyle
    table_cells: dict[tuple[bool, m.Align], ParagraphStyle]
    """By (header row, alignment)."""
    table_caption: ParagraphStyle
    chart_caption: ParagraphStyle
    title: ParagraphStyle
    recipients_label: ParagraphStyle
    recipient: ParagraphStyle
    authority: ParagraphStyle
    header_lines: dict[float, ParagraphStyle] = field(default_factory=dict)

    @classmethod
    def build(cls, family: fonts.FontFamily, text: m.TextStyle) -> _StyleSheet:
        """Every style of a document set in ``family`` as ``text`` says."""
        bold = family.face_name(bold=True)
        size = text.size_pt
        single = size * _SINGLE_LINE_EM
        table_caption, chart_caption = _caption_styles(family, text)
        return cls(
            family=family,
            text=text,
            body=_body_styles(family, text),
            headings=_heading_styles(family, text),
            dash_item=_list_item_style(family, text, "dash-item", _DASH_HANG_PT),
            number_item=_list_item_style(family, text, "number-item", _NUMBER_HANG_PT),
            table_cells=_table_cell_styles(family, text),
            table_caption=table_caption,
            chart_caption=chart_caption,
            title=_style(
                "title", fontName=bold, fontSize=size, leading=single, alignment=TA_CENTER
            ),
            recipients_label=_style(
                "recipients-label",
                fontName=family.face_name(bold=True, italic=True),
                fontSize=_RECIPIENTS_LABEL_PT,
                leading=_RECIPIENTS_LABEL_PT * _SINGLE_LINE_EM,
                alignment=TA_LEFT,
            ),
            recipient=_style(
                "recipient",
                fontName=family.face_name(),
                fontSize=_RECIPIENTS_PT,
                leading=_RECIPIENTS_PT * _SINGLE_LINE_EM,
                alignment=TA_LEFT,
            ),
            authority=_style(
                "authority", fontName=bold, fontSize=size, leading=single, alignment=TA_CENTER
            ),
        )

    def header_line(self, size_pt: float | None) -> ParagraphStyle:
        """Centred, single-spaced letterhead text at ``size_pt`` (``None``: body size)."""
        size = self.text.size_pt if size_pt is None else size_pt
        style = self.header_lines.get(size)
        if style is None:
            style = _style(
                f"header-{size:g}",
                fontName=self.family.face_name(),
                fontSize=size,
                leading=size * _SINGLE_LINE_EM,
                alignment=TA_CENTER,
            )
            self.header_lines[size] = style
        return style


def _body_styles(
    family: fonts.FontFamily, text: m.TextStyle
) -> dict[tuple[m.Align, bool], ParagraphStyle]:
    """Body paragraph styles by (alignment, first-line indent)."""
    return {
        (align, indented): _style(
            f"body-{align}-{int(indented)}",
            fontName=family.face_name(),
            fontSize=text.size_pt,
            leading=text.size_pt * _SINGLE_LINE_EM * text.line_spacing,
            alignment=_ALIGNMENTS[align],
            firstLineIndent=text.first_line_indent_mm * mm if indented else 0,
            spaceAfter=text.space_after_pt,
            allowWidows=0,
        )
        for align in _ALIGNMENTS
        for indented in (True, False)
    }


def _heading_styles(
    family: fonts.FontFamily, text: m.TextStyle
) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """Heading styles of levels 1 to 3: bold, level 3 also italic, kept with what follows."""
    heading_size = text.heading_size_pt
    headings = tuple(
        _style(
            f"heading-{level}",
            fontName=family.face_name(bold=True, italic=level == 3),
            fontSize=heading_size,
            leading=heading_size * _SINGLE_LINE_EM * text.line_spacing,
            alignment=_ALIGNMENTS[text.align],
            firstLineIndent=text.first_line_indent_mm * mm,
            spaceBefore=text.space_after_pt,
            spaceAfter=text.space_after_pt,
            keepWithNext=1,
        )
        for level in (1, 2, 3)
    )
    return headings[0], headings[1], headings[2]


def _list_item_style(
    family: fonts.FontFamily, text: m.TextStyle, name: str, hang: float
) -> ParagraphStyle:
    """A list item's style, its text hanging ``hang`` points after its marker."""
    regular = family.face_name()
    indent = text.first_line_indent_mm * mm
    # The marker sits where a paragraph's first line starts; wrapped lines hang
    # under the text, not under the marker.
    return _style(
        name,
        fontName=regular,
        fontSize=text.size_pt,
        leading=text.size_pt * _SINGLE_LINE_EM * text.line_spacing,
        alignment=_ALIGNMENTS[text.align],
        leftIndent=indent + hang,
        bulletIndent=indent,
        bulletFontName=regular,
        bulletFontSize=text.size_pt,
        spaceAfter=text.space_after_pt,
        allowWidows=0,
    )


def _table_cell_styles(
    family: fonts.FontFamily, text: m.TextStyle
) -> dict[tuple[bool, m.Align], ParagraphStyle]:
    """Table cell styles by (header row, alignment): header cells bold, single-spaced."""
    table_size = text.table_size_pt
    return {
        (header, align): _style(
            f"cell-{int(header)}-{align}",
            fontName=family.face_name(bold=header),
            fontSize=table_size,
            leading=table_size * _SINGLE_LINE_EM,
            alignment=_ALIGNMENTS[align],
        )
        for header in (True, False)
        for align in _ALIGNMENTS
    }


def _caption_styles(
    family: fonts.FontFamily, text: m.TextStyle
) -> tuple[ParagraphStyle, ParagraphStyle]:
    """The styles of a table caption (bold, above) and a chart caption (italic, below)."""
    size = text.size_pt
    table_caption = _style(
        "table-caption",
        fontName=family.face_name(bold=True),
        fontSize=size,
        leading=size * _SINGLE_LINE_EM,
        alignment=TA_CENTER,
        spaceBefore=text.space_after_pt,
        spaceAfter=_CAPTION_GAP_PT,
        keepWithNext=1,
    )
    chart_caption = _style(
        "chart-caption",
        fontName=family.face_name(italic=True),
        fontSize=size,
        leading=size * _SINGLE_LINE_EM,
        alignment=TA_CENTER,
        spaceBefore=_CAPTION_GAP_PT,
        spaceAfter=text.space_after_pt,
    )
    return table_caption, chart_caption


# --------------------------------------------------------------------------- markup

_UNPRINTABLE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Control characters and lone surrogates: no glyph to print, and a lone surrogate
cannot even be encoded into the PDF.  The DOCX writer drops the same ones."""


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub("", text)


def _markup(inlines: Iterable[m.Inline]) -> str:
    """reportlab paragraph markup for inlines; every character of text prints literally."""
    return _runs_markup(m.runs(inlines))


def _runs_markup(runs: Iterable[m.Run]) -> str:
    """reportlab paragraph markup for flattened runs."""
    parts: list[str] = []
    for run in runs:
        if run.is_break:
            parts.append("<br/>")
            continue
        text = escape(_printable(run.text))
        if run.italic:
            text = f"<i>{text}</i>"
        if run.bold:
            text = f"<b>{text}</b>"
        parts.append(text)
    return "".join(parts)


def _line_widths(paragraph: Flowable, width: float) -> list[float]:
    """Widths of the lines ``paragraph`` takes when set ``width`` wide."""
    paragraph.wrap(width, _UNBOUNDED_PT)
    widths: list[float] = paragraph.getActualLineWidths0()
    return widths


def _balanced_width(paragraph: Flowable, width: float) -> float:
    """The narrowest measure that sets ``paragraph`` in as few lines as ``width`` does.

    Centred official lines that wrap ("SỞ THÔNG TIN VÀ / TRUYỀN THÔNG") are set
    with lines of similar length, as clerks break them by hand, rather than a
    full line over a single orphaned word.
    """
    lines = len(_line_widths(paragraph, width))
    narrow, wide = 0.0, width
    while wide - narrow > _BALANCE_PRECISION_PT:
        middle = (narrow + wide) / 2
        if len(_line_widths(paragraph, middle)) <= lines:
            wide = middle
        else:
            narrow = middle
    return wide


def _inset(style: ParagraphStyle, inset: float) -> ParagraphStyle:
    """``style`` narrowed by ``inset`` on both sides (for balanced centred lines)."""
    return ParagraphStyle(f"{style.name}-inset", parent=style, leftIndent=inset, rightIndent=inset)


def _rule(length: float) -> Flowable:
    return HRFlowable(
        width=length,
        thickness=_RULE_THICKNESS_PT,
        lineCap="butt",
        color=colors.black,
        spaceBefore=_RULE_GAP_PT,
        spaceAfter=_RULE_GAP_PT,
        hAlign="CENTER",
    )


# --------------------------------------------------------------------------- outline


@dataclass(frozen=True)
class _OutlineEntry:
    """A PDF bookmark: ``level`` 0 is top level and never exceeds the previous level + 1."""

    key: str
    title: str
    level: int


class _HeadingParagraph(PdfParagraph):  # type: ignore[misc]
    """A heading paragraph that adds itself to the PDF outline where it is drawn.

    Bookmarking in ``draw`` points the entry at the heading's own position, on
    whatever page keep-with-next finally puts it.
    """

    def __init__(
        self,
        text: str | None,
        style: ParagraphStyle,
        # reportlab's split passes these by their camelCase names.
        bulletText: str | None = None,
        frags: Any = None,
        caseSensitive: int = 1,
        encoding: str = "utf8",
        outline: _OutlineEntry | None = None,
    ) -> None:
        super().__init__(
            text,
            style,
            bulletText=bulletText,
            frags=frags,
            caseSensitive=caseSensitive,
            encoding=encoding,
        )
        self.outline = outline

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(available_width, available_height)
        # Parts are built through __init__ without an entry: only the first one carries it.
        if parts and isinstance(parts[0], _HeadingParagraph):
            parts[0].outline = self.outline
        return parts

    def draw(self) -> None:
        entry = self.outline
        if entry is not None:
            self.canv.bookmarkHorizontal(entry.key, 0, self.height)
            self.canv.addOutlineEntry(entry.title, entry.key, entry.level, closed=False)
        super().draw()


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class _PlacedCell:
    """A model cell at its grid position; ``last_row``/``last_column`` include its spans."""

    cell: m.Cell
    row: int
    column: int
    last_row: int
    last_column: int


def _place_cells(
    rows: Sequence[Sequence[m.Cell]], columns: int, header_rows: int
) -> list[_PlacedCell]:
    """Grid positions of every cell, skipping slots covered by spans from rows above.

    Row spans stop at the end of their section: a header cell never reaches into
    the body, which reportlab repeats separately on each page.
    """
    taken: set[tuple[int, int]] = set()
    placed: list[_PlacedCell] = []
    for row_index, row in enumerate(rows):
        section_end = header_rows if row_index < header_rows else len(rows)
        column = 0
        for cell in row:
            while (row_index, column) in taken:
                column += 1
            if column >= columns:
                break
            last_column = column
            # A column span stops short of a slot a row span from above already holds.
            while (
                last_column + 1 < min(column + cell.colspan, columns)
                and (row_index, last_column + 1) not in taken
            ):
                last_column += 1
            last_row = min(row_index + cell.rowspan, section_end) - 1
            for r in range(row_index, last_row + 1):
                for c in range(column, last_column + 1):
                    taken.add((r, c))
            placed.append(_PlacedCell(cell, row_index, column, last_row, last_column))
            column = last_column + 1
    return placed


# --------------------------------------------------------------------------- story


@dataclass
class _StoryBuilder:
    """Turns blocks into platypus flowables; holds the state carried from block to block."""

    layout: _Layout
    styles: _StyleSheet
    recorder: _LayoutRecorder | None = None
    """Notes where the signature block lands (``None``: nothing is recorded)."""
    outline_level: int = -1
    """Outline level of the last heading (-1 before the first): PDF outlines may only
    go one level deeper at a time, so an h3 straight after an h1 nests as a level 2."""
    headings_seen: int = 0

    def story(self, blocks: Iterable[m.Block]) -> list[Flowable]:
        flowables: list[Flowable] = []
        for index, block in enumerate(blocks):
            made = self.block(block, Location(field=f"blocks[{index}]"))
            if isinstance(block, m.Chart):
                made[0]._brief_chart = index  # for FlowDocTemplate's chart fitting
            if leads_in(block):
                _pdf_flow.mark_lead_in(made[-1])
            if (
                isinstance(block, m.Signature)
                and flowables
                and not isinstance(flowables[-1], PdfPageBreak)
            ):
                # The closing text and the signature print on one page.
                made = [_pdf_flow.KeepWithSignature(flowables.pop(), made)]
            flowables.extend(made)
        return _pdf_flow.keep_leads(flowables)

    def block(self, block: m.Block, where: Location) -> list[Flowable]:
        match block:
            case m.Heading():
                return [self.heading(block)]
            case m.Paragraph():
                return self.paragraph(block)
            case m.ListBlock():
                return self.list_items(block)
            case m.Table():
                return self.table(block)
            case m.Chart():
                return [self.chart(block, where)]
            case m.Tiles():
                return [self.tiles(block)]
            case m.PageBreak():
                return [PdfPageBreak()]
            case m.Letterhead():
                return self.letterhead(block, where)
            case m.Title():
                return [self.title(block)]
            case m.Addressees():
                return [self.addressees(block)]
            case m.Signature():
                return [self.signature(block)]
            case _:
                assert_never(block)

    # ----------------------------------------------------------------- text blocks

    def heading(self, block: m.Heading) -> Flowable:
        level = min(block.level - 1, self.outline_level + 1)
        self.outline_level = level
        self.headings_seen += 1
        title = " ".join(_printable(m.plain(block.content)).split())
        entry = _OutlineEntry(f"heading-{self.headings_seen}", title, level)
        return _HeadingParagraph(
            _markup(block.content), self.styles.headings[block.level - 1], outline=entry
        )

    def paragraph(self, block: m.Paragraph) -> list[Flowable]:
        align = block.align or self.styles.text.align
        style = self.styles.body[(align, block.indent is not False)]
        return _pdf_flow.chunked(list(m.runs(block.content)), style, _runs_markup)

    def list_items(self, block: m.ListBlock) -> list[Flowable]:
        style = self.styles.number_item if block.ordered else self.styles.dash_item
        flowables: list[Flowable] = []
        for number, item in enumerate(block.items, start=1):
            bullet = f"{number}." if block.ordered else "-"
            flowables += _pdf_flow.chunked(list(m.runs(item)), style, _runs_markup, bullet)
        return flowables

    # ----------------------------------------------------------------- table and chart

    def table(self, block: m.Table) -> list[Flowable]:
        rows = block.header + block.body
        columns = block.columns
        data: list[list[Flowable]] = [["" for _ in range(columns)] for _ in rows]
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), _TABLE_GRID_PT, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            # Covered slots hold empty strings, which reportlab sets in the table
            # font: without this it would declare Helvetica.
            (
                "FONT",
                (0, 0),
                (-1, -1),
                self.styles.family.face_name(),
                self.styles.text.table_size_pt,
            ),
            ("LEFTPADDING", (0, 0), (-1, -1), _TABLE_CELL_PADDING_PT),
            ("RIGHTPADDING", (0, 0), (-1, -1), _TABLE_CELL_PADDING_PT),
            ("TOPPADDING", (0, 0), (-1, -1), _TABLE_CELL_TOP_PADDING_PT),
            ("BOTTOMPADDING", (0, 0), (-1, -1), _TABLE_CELL_PADDING_PT),
        ]
        header_rows = len(block.header)
        for placed in _place_cells(rows, columns, header_rows):
            header = placed.row < header_rows
            align = placed.cell.align or ("center" if header else "left")
            pieces = _pdf_flow.chunked(
                list(m.runs(placed.cell.content)),
                self.styles.table_cells[(header, align)],
                _runs_markup,
            )
            data[placed.row][placed.column] = pieces[0] if len(pieces) == 1 else pieces
            if placed.last_row > placed.row or placed.last_column > placed.column:
                commands.append(
                    ("SPAN", (placed.column, placed.row), (placed.last_column, placed.last_row))
                )
        table = _pdf_flow.BriefTable(
            data,
            colWidths=self._column_widths(block),
            repeatRows=header_rows,
            style=TableStyle(commands),
            hAlign="CENTER",
            # A caption brings its own space above; the table then sits right under it.
            spaceBefore=0 if block.caption else self.styles.text.space_after_pt,
            spaceAfter=self.styles.text.space_after_pt * 2,
            page_height=self.layout.text_height,
        )
        if not block.caption:
            return [table]
        # keepWithNext on the caption keeps it on the page where the table starts.
        return [PdfParagraph(_markup(block.caption), self.styles.table_caption), table]

    def _column_widths(self, block: m.Table) -> tuple[float, ...]:
        """Column widths from the cells' content (see :mod:`briefgen.writers._columns`)."""
        family = self.styles.family
        size = self.styles.text.table_size_pt

        def measure(text: str, bold: bool) -> float:
            width: float = stringWidth(_printable(text), family.face_name(bold=bold), size)
            return width

        # Half a point more than the text needs: rounding never wraps a number.
        padding = 2 * _TABLE_CELL_PADDING_PT + 0.5
        return _columns.column_widths(block, self.layout.text_width, measure, padding)

    def chart(self, block: m.Chart, where: Location) -> Flowable:
        parts: list[Flowable] = [self.chart_picture(block, where)]
        if block.caption:
            parts.append(PdfParagraph(_markup(block.caption), self.styles.chart_caption))
        # The picture comes first: chart fitting (FlowDocTemplate) may replace it.
        return KeepTogether(parts)

    def chart_picture(self, block: m.Chart, where: Location) -> Flowable:
        """The chart itself, without its caption."""
        image = drawn_image(block, where, "pdf")
        width = image.width_mm * mm
        height = image.height_mm * mm
        # Never wider than the text, never taller than a page can hold with the caption.
        scale = min(
            1.0,
            self.layout.text_width / width,
            self.layout.text_height * _CHART_CAPTION_RESERVE / height,
        )
        picture: Flowable
        if image.scene:
            # Vector: sharp at any zoom and in print, real text, no picture in the file.
            picture = _SceneChart(
                image.scene, image.width_mm * mm, image.height_mm * mm, scale, self.styles.family
            )
        else:
            png = image.png
            try:
                ImageReader(io.BytesIO(png)).getSize()
            except Exception as error:  # reportlab and Pillow raise many kinds for bad bytes
                raise OutputError(
                    f"chart '{block.spec.title}' has an unreadable picture", where
                ) from error
            picture = PdfImage(io.BytesIO(png), width=width * scale, height=height * scale)
        picture.hAlign = "CENTER"
        # Space before, unlike a Spacer, is dropped at the top of a page.
        picture.spaceBefore = self.styles.text.space_after_pt
        return picture

    # ----------------------------------------------------------------- official parts

    def _layout_table(
        self, rows: list[list[Any]], left_width: float, extra: list[tuple[Any, ...]]
    ) -> Flowable:
        """A borderless two-column table splitting the text width at ``left_width``."""
        width = self.layout.text_width
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            # Centres the rules; paragraphs carry their own alignment.
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("FONT", (0, 0), (-1, -1), self.styles.family.face_name(), self.styles.text.size_pt),
            ("LEFTPADDING", (0, 0), (-1, -1), _LAYOUT_CELL_PADDING_PT),
            ("RIGHTPADDING", (0, 0), (-1, -1), _LAYOUT_CELL_PADDING_PT),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            *extra,
        ]
        return _pdf_flow.BriefTable(
            rows,
            colWidths=[width * left_width, width * (1 - left_width)],
            style=TableStyle(commands),
            hAlign="CENTER",
            page_height=self.layout.text_height,
        )

    def _centred(
        self, content: m.Inlines, style: ParagraphStyle, width: float
    ) -> tuple[Flowable, float]:
        """A centred paragraph ``width`` wide with balanced lines, and its widest line."""
        markup = _markup(content)
        paragraph = PdfParagraph(markup, style)
        widths = _line_widths(paragraph, width)
        # Balancing wraps the text a dozen times: worth it for a heading's few lines,
        # not for a page of them.
        if 1 < len(widths) <= _BALANCE_MOST_LINES:
            inset = (width - _balanced_width(paragraph, width)) / 2
            paragraph = PdfParagraph(markup, _inset(style, inset))
            widths = _line_widths(paragraph, width)
        return paragraph, max(widths, default=0.0)

    def _header_column(self, lines: Sequence[m.HeaderLine], width: float) -> list[Flowable]:
        column: list[Flowable] = []
        for line in lines:
            paragraph, widest = self._centred(
                line.content, self.styles.header_line(line.size_pt), width
            )
            column.append(paragraph)
            if line.rule != "none":
                # The rule follows the text as printed: a body name set on two
                # lines gets a rule sized by its longer line.
                column.append(_rule(widest * _RULE_FRACTIONS[line.rule]))
        return column

    def _header_foot(self, line: m.HeaderLine | None) -> Flowable:
        if line is None:
            return ""
        return PdfParagraph(_markup(line.content), self.styles.header_line(line.size_pt))

    def letterhead(self, block: m.Letterhead, where: Location) -> list[Flowable]:
        inner = 2 * _LAYOUT_CELL_PADDING_PT
        left_width = self.layout.text_width * block.left_width - inner
        right_width = self.layout.text_width * (1 - block.left_width) - inner
        rows: list[list[Any]] = [
            [
                self._letterhead_left(block, left_width, where),
                self._header_column(block.right, right_width),
            ]
        ]
        extra: list[tuple[Any, ...]] = []
        if block.left_foot is not None or block.right_foot is not None:
            rows.append([self._header_foot(block.left_foot), self._header_foot(block.right_foot)])
            extra += [
                ("TOPPADDING", (0, 1), (-1, 1), _LETTERHEAD_FOOT_SPACE_PT),
                # Bottom-aligned, "Số: …" and a larger italic date share a baseline.
                ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
            ]
        return [self._layout_table(rows, block.left_width, extra), Spacer(1, _LETTERHEAD_SPACE_PT)]

    def _letterhead_left(
        self, block: m.Letterhead, width: float, where: Location
    ) -> list[Flowable]:
        """The left column: the body's lines, with the logo beside or above them."""
        logo = block.logo
        if logo is None:
            return self._header_column(block.left, width)
        try:
            ImageReader(io.BytesIO(logo.data)).getSize()
        except Exception as error:  # reportlab and Pillow raise many kinds for bad bytes
            raise OutputError("the letterhead's logo is not a readable picture", where) from error
        picture = PdfImage(
            io.BytesIO(logo.data), width=logo.width_mm * mm, height=logo.height_mm * mm
        )
        if not block.logo_beside(width / mm):
            picture.hAlign = "CENTER"
            return [picture, Spacer(1, m.LOGO_GAP_MM * mm), *self._header_column(block.left, width)]
        beside = (logo.width_mm + m.LOGO_GAP_MM) * mm
        lines = self._header_column(block.left, width - beside)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (0, 0), "MIDDLE"),
            ("VALIGN", (1, 0), (1, 0), "TOP"),
            ("ALIGN", (0, 0), (0, 0), "LEFT"),
            ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ("FONT", (0, 0), (-1, -1), self.styles.family.face_name(), self.styles.text.size_pt),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
        table = Table(
            [[picture, lines]], colWidths=[beside, width - beside], style=TableStyle(commands)
        )
        return [table]

    def title(self, block: m.Title) -> Flowable:
        width = self.layout.text_width
        parts: list[Flowable] = []
        widest = 0.0
        for line in block.lines:
            paragraph, widest = self._centred(line, self.styles.title, width)
            parts.append(paragraph)
        if block.lines:
            length = max(widest * _TITLE_RULE_FRACTION, _TITLE_RULE_MIN_PT)
            parts.append(_rule(min(length, width)))
        parts.append(Spacer(1, _TITLE_SPACE_PT))
        return KeepTogether(parts)

    def addressees(self, block: m.Addressees) -> Flowable:
        """ "Kính gửi:" (box 9a): one addressee on the label's line, centred; several one
        a line, their dashes aligned under the label's colon, the block centred."""
        text = self.styles.text
        font = self.styles.family.face_name()
        style = _style(
            "addressees",
            fontName=font,
            fontSize=text.size_pt,
            leading=text.size_pt * _SINGLE_LINE_EM * text.line_spacing,
            alignment=TA_CENTER,
        )
        label = _markup(block.label)
        if len(block.items) == 1:
            line = PdfParagraph(f"{label} {_markup(block.items[0])}", style)
            return KeepTogether([line, Spacer(1, _ADDRESSEES_SPACE_PT)])

        def width_of(inlines: m.Inlines) -> float:
            return float(stringWidth(_printable(m.plain(inlines)), font, text.size_pt))

        to_colon = float(
            stringWidth(_printable(m.plain(block.label)).rstrip().rstrip(":"), font, text.size_pt)
        )
        widest = max(width_of(item) for item in block.items)
        available = self.layout.text_width
        start = max(0.0, (available - to_colon - widest) / 2)
        dash = float(stringWidth("- ", font, text.size_pt))
        parts: list[Flowable] = [
            PdfParagraph(label, _style("addressees-label", parent=style, alignment=TA_LEFT,
                                       leftIndent=start))
        ]  # fmt: skip
        for item in block.items:
            # Wrapped lines of an item hang under its text, not under its dash.
            hang = dash if m.plain(item).startswith("- ") else 0.0
            item_style = _style(
                "addressee",
                parent=style,
                alignment=TA_LEFT,
                leftIndent=start + to_colon + hang,
                firstLineIndent=-hang,
            )
            parts.append(PdfParagraph(_markup(item), item_style))
        parts.append(Spacer(1, _ADDRESSEES_SPACE_PT))
        return KeepTogether(parts)

    def tiles(self, block: m.Tiles) -> Flowable:
        """A grid of shaded cells: small label, big bold value, note with a coloured arrow."""
        family = self.styles.family
        size = self.styles.text.size_pt

        def style(name: str, font_size: float, bold: bool = False) -> ParagraphStyle:
            return _style(
                f"tile-{name}",
                fontName=family.face_name(bold=bold),
                fontSize=font_size,
                leading=font_size * _SINGLE_LINE_EM,
                alignment=TA_CENTER,
            )

        label_style, value_style, note_style = (
            style("label", size - 2),
            style("value", size + 5, bold=True),
            style("note", size - 2),
        )
        rows: list[list[Any]] = []
        for tiles in block.rows():
            row: list[Any] = []
            for tile in tiles:
                if tile is None:
                    row.append("")
                    continue
                cell: list[Flowable] = [
                    PdfParagraph(_markup(tile.label), label_style),
                    PdfParagraph(_markup(tile.value), value_style),
                ]
                if tile.note or tile.trend:
                    arrow = ""
                    if tile.trend is not None:
                        colour = TREND_COLOURS[tile.good]
                        arrow = f'<font color="#{colour}">{TREND_ARROWS[tile.trend]}</font> '
                    cell.append(PdfParagraph(arrow + _markup(tile.note), note_style))
                row.append(cell)
            rows.append(row)
        width = self.layout.text_width / block.columns
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            # Empty cells would otherwise declare reportlab's default Helvetica.
            ("FONT", (0, 0), (-1, -1), family.face_name(), size),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            # A white grid between shaded cells reads as separate tiles.
            ("INNERGRID", (0, 0), (-1, -1), 3, colors.white),
        ]
        for r, tiles in enumerate(block.rows()):
            for c, tile in enumerate(tiles):
                if tile is not None:
                    commands.append(
                        ("BACKGROUND", (c, r), (c, r), colors.HexColor(f"#{TILE_FILL}"))
                    )
        table = Table(rows, colWidths=[width] * block.columns, style=TableStyle(commands))
        return KeepTogether([table, Spacer(1, self.styles.text.space_after_pt)])

    def signature(self, block: m.Signature) -> Flowable:
        styles = self.styles
        left: list[Flowable] = []
        if block.recipients_label:
            left.append(PdfParagraph(_markup(block.recipients_label), styles.recipients_label))
        left += [PdfParagraph(_markup(line), styles.recipient) for line in block.recipients]
        right: list[Flowable] = [
            PdfParagraph(_markup(line), styles.authority) for line in block.authority
        ]
        gap = _SIGNATURE_GAP_PT if block.room_mm is None else block.room_mm * mm
        right += [Spacer(1, gap), PdfParagraph(_markup(block.name), styles.authority)]
        if self.recorder is not None:
            # Columns that note where their lines land, for signing (box 7c, 8).
            authority_lines = len(block.authority)
            signer = " ".join(m.plain(block.name).split())
            left = [_RecordedColumn(left, self.recorder, authority_lines=None)]
            right = [_RecordedColumn(right, self.recorder, authority_lines, signer)]
        table = self._layout_table([[left, right]], block.left_width, [])
        return KeepTogether([Spacer(1, _SIGNATURE_SPACE_PT), table])


# --------------------------------------------------------------------------- vector charts


class _SceneChart(PdfFlowable):  # type: ignore[misc]
    """A chart's scene drawn with PDF vector operations, scaled by ``scale``.

    Labels are real text in the document's family, so they print crisply, can
    be searched and copied, and use the fonts the PDF embeds anyway.
    """

    _ANCHORS: Final = {
        "start": "drawString",
        "middle": "drawCentredString",
        "end": "drawRightString",
    }

    def __init__(
        self,
        scene: tuple[m.Mark, ...],
        width: float,
        height: float,
        scale: float,
        family: fonts.FontFamily,
    ) -> None:
        super().__init__()
        self.scene = scene
        self.scale = scale
        self.width = width * scale
        self.height = height * scale
        self.family = family

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.scale(self.scale, self.scale)
        canvas.setLineJoin(1)
        for mark in self.scene:
            if isinstance(mark, m.Box):
                canvas.setFillColor(colors.HexColor(mark.fill))
                if mark.stroke:
                    canvas.setStrokeColor(colors.HexColor(mark.stroke))
                    canvas.setLineWidth(mark.line_width)
                canvas.rect(mark.x, mark.y, mark.width, mark.height,
                            stroke=1 if mark.stroke else 0, fill=1)  # fmt: skip
            elif isinstance(mark, m.Stroke):
                canvas.setStrokeColor(colors.HexColor(mark.colour))
                canvas.setLineWidth(mark.line_width)
                canvas.setDash(list(mark.dash) if mark.dash else [])
                canvas.setLineCap(0 if mark.dash or len(mark.points) == 2 else 1)
                path = canvas.beginPath()
                path.moveTo(*mark.points[0])
                for point in mark.points[1:]:
                    path.lineTo(*point)
                canvas.drawPath(path, stroke=1, fill=0)
            elif isinstance(mark, m.Dot):
                canvas.setFillColor(colors.HexColor(mark.fill))
                if mark.stroke:
                    canvas.setStrokeColor(colors.HexColor(mark.stroke))
                    canvas.setLineWidth(mark.line_width)
                canvas.setDash([])
                canvas.circle(mark.x, mark.y, mark.radius, stroke=1 if mark.stroke else 0, fill=1)
            else:
                canvas.setFillColor(colors.HexColor(mark.colour))
                canvas.setFont(self.family.face_name(bold=mark.bold), mark.size)
                getattr(canvas, self._ANCHORS[mark.anchor])(mark.x, mark.y, mark.text)
        canvas.restoreState()


# --------------------------------------------------------------------------- layout record

_INK_PAD_EM: Final = 0.3
"""How far a text line's ink may reach past its line band, in ems: stacked Vietnamese
marks above capitals ("Ễ") and dots below ("ạ") — the recorded boxes include them."""
_DRAFT_PAD_EM: Final = (0.45, 0.3)
"""Horizontal and vertical padding inside the draft mark's box, in ems."""
_DRAFT_BORDER_PT: Final = 1.0


@dataclass(frozen=True)
class _DraftMark:
    """The boxed "DỰ THẢO" of a draft, in the top margin at the left of the text."""

    label: str
    font_name: str
    size_pt: float
    x: float
    centre_y: float

    def draw(self, canvas: Canvas) -> None:
        size = self.size_pt
        pad_x, pad_y = (pad * size for pad in _DRAFT_PAD_EM)
        width = canvas.stringWidth(self.label, self.font_name, size) + 2 * pad_x
        height = size + 2 * pad_y
        canvas.saveState()
        canvas.setStrokeColor(colors.black)
        canvas.setFillColor(colors.black)
        canvas.setLineWidth(_DRAFT_BORDER_PT)
        canvas.rect(self.x, self.centre_y - height / 2, width, height, stroke=1, fill=0)
        canvas.setFont(self.font_name, size)
        # Centre the capitals' ink, as the page number is centred.
        canvas.drawString(
            self.x + pad_x, self.centre_y - size * _PAGE_NUMBER_CAP_EM / 2, self.label
        )
        canvas.restoreState()


@dataclass
class _LayoutRecorder:
    """Collects the layout record while the document is drawn (see :mod:`.layout`).

    The signature columns report where their lines landed; at the end of every
    page the record so far is stored in the document catalog, so the file holds
    the complete record once the last page ends.  A draft's mark is drawn here too.
    """

    page_size: tuple[float, float]
    text_area: Rect
    draft_mark: _DraftMark | None
    pages: int = 0
    signature: SignatureBlock | None = None
    pending_text: tuple[int, tuple[Rect, ...]] | None = None
    """(page, boxes) of the recipients column, drawn just before its signature column."""

    @classmethod
    def of(cls, document: m.Document, layout: _Layout, family: fonts.FontFamily) -> _LayoutRecorder:
        mark = None
        if document.draft:
            size = document.style.size_pt
            mark = _DraftMark(
                label=DRAFT_LABELS.get(document.meta.language, DRAFT_LABELS["vi"]),
                font_name=family.face_name(bold=True),
                size_pt=size,
                x=layout.left,
                centre_y=layout.page_height - layout.top / 2,
            )
        return cls(
            page_size=(layout.page_width, layout.page_height),
            text_area=Rect(
                layout.left,
                layout.bottom,
                layout.page_width - layout.right,
                layout.page_height - layout.top,
            ),
            draft_mark=mark,
        )

    def record(self) -> PdfLayout:
        return PdfLayout(
            page_size=self.page_size,
            text_area=self.text_area,
            pages=max(self.pages, 1),
            draft=self.draft_mark is not None,
            signature=self.signature,
        )

    def page_end(self, canvas: Canvas, _template: object) -> None:
        """reportlab's ``onPageEnd`` hook."""
        self.pages = canvas.getPageNumber()
        if self.draft_mark is not None:
            self.draft_mark.draw(canvas)
        _store_in_catalog(canvas, self.record().to_json())

    def note_text(self, page: int, boxes: tuple[Rect, ...]) -> None:
        self.pending_text = (page, boxes)

    def note_signature(
        self,
        page: int,
        column: Rect,
        lines: dict[str, list[Rect]],
        gap: Rect,
        signer_name: str = "",
    ) -> None:
        beside = self.pending_text[1] if self.pending_text and self.pending_text[0] == page else ()
        authority = tuple(lines["authority"])
        name = tuple(lines["name"])
        self.signature = SignatureBlock(
            page=page,
            column=column,
            authority=authority,
            gap=gap,
            name=name,
            avoid=(*beside, *authority, *name),
            signer_name=signer_name or None,
        )
        self.pending_text = None


def _store_in_catalog(canvas: Canvas, text: str) -> None:
    """Store ``text`` under :data:`CATALOG_KEY` in the document catalog.

    reportlab writes only the catalog keys it knows (``__NoDefault__``); the
    catalog object is given its own list with ours added.
    """
    catalog = canvas._doc.Catalog
    known: list[str] = list(type(catalog).__NoDefault__)
    if CATALOG_KEY not in known:
        catalog.__NoDefault__ = [*known, CATALOG_KEY]
    setattr(catalog, CATALOG_KEY, PDFString(text))


_ColumnRole: TypeAlias = str
"""What a part of a recorded column is: "text", "authority", "gap" or "name"."""


class _RecordedColumn(PdfFlowable):  # type: ignore[misc]
    """A column of the signature table that notes where its lines land.

    It stacks its parts as a table cell would and, when drawn — on whatever
    page pagination finally puts it, inside a ``KeepTogether`` or not — tells
    the recorder the page and the boxes of its text lines in page space.  The
    recipients column holds only "text"; the signature column holds the
    authority lines, the gap (box 7c) and the name.
    """

    def __init__(self, parts: Sequence[Flowable], recorder: _LayoutRecorder,
                 authority_lines: int | None, signer_name: str = "") -> None:  # fmt: skip
        super().__init__()
        self.recorder = recorder
        self.signer_name = signer_name
        """The signer's name as printed (signature column only)."""
        roles: list[_ColumnRole]
        if authority_lines is None:
            roles = ["text"] * len(parts)
        else:
            roles = ["authority"] * authority_lines + ["gap", "name"]
        self.parts = list(zip(roles, parts, strict=True))
        self.sizes: list[tuple[float, float]] = []
        self.width = 0.0
        self.height = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.sizes = [part.wrap(available_width, available_height) for _, part in self.parts]
        self.width = available_width
        self.height = sum(
            height + part.getSpaceBefore() + part.getSpaceAfter()
            for (_, part), (_, height) in zip(self.parts, self.sizes, strict=True)
        )
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []  # one block: it moves to the next page whole

    def draw(self) -> None:
        canvas = self.canv
        lines: dict[str, list[Rect]] = {"text": [], "authority": [], "name": []}
        gap: tuple[float, float] | None = None
        top = self.height
        for (role, part), (_, height) in zip(self.parts, self.sizes, strict=True):
            top -= part.getSpaceBefore()
            part.drawOn(canvas, 0, top - height)
            if role == "gap":
                gap = (top - height, top)
            else:
                lines[role] += [self._absolute(box) for box in _line_boxes(part, top, self.width)]
            top -= height + part.getSpaceAfter()
        page = canvas.getPageNumber() - 1
        if gap is None:
            self.recorder.note_text(page, tuple(lines["text"]))
            return
        self.recorder.note_signature(
            page,
            self._absolute(Rect(0, 0, self.width, self.height)),
            lines,
            self._absolute(Rect(0, gap[0], self.width, gap[1])),
            self.signer_name,
        )

    def _absolute(self, box: Rect) -> Rect:
        """``box`` from this flowable's drawing space to page space."""
        x0, y0 = self.canv.absolutePosition(box.x0, box.y0)
        x1, y1 = self.canv.absolutePosition(box.x1, box.y1)
        return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _line_boxes(part: Flowable, top: float, width: float) -> list[Rect]:
    """Boxes of the printed lines of a paragraph whose frame starts at ``top``."""
    if not isinstance(part, PdfParagraph):
        return []
    style = part.style
    size: float = style.fontSize
    leading: float = style.leading
    pad = size * _INK_PAD_EM
    boxes = []
    for index, line_width in enumerate(part.getActualLineWidths0()):
        if style.alignment == TA_CENTER:
            x0 = (width - line_width) / 2
        elif style.alignment == TA_RIGHT:
            x0 = width - line_width
        else:
            x0 = style.leftIndent + (style.firstLineIndent if index == 0 else 0)
        x1 = width if style.alignment == TA_JUSTIFY else x0 + line_width
        line_top = top - index * leading
        boxes.append(
            Rect(
                max(0.0, x0 - pad),
                line_top - leading - pad,
                min(width, x1 + pad),
                line_top + pad,
            )
        )
    return boxes


# --------------------------------------------------------------------------- text stamp

_STAMP_ASCENT_EM: Final = 0.95
_STAMP_DESCENT_EM: Final = 0.3


def text_stamp(lines: Sequence[str], size_pt: float = 10.0, font: str = "Times New Roman") -> bytes:
    """A one-page PDF just big enough for ``lines``, set right-aligned, black, regular.

    The page is the appearance of the signature an issuing body puts on an
    attachment (Decree 30, Appendix I, II.8.b: number and symbol, signing
    time, Times New Roman 10 pt); the font is embedded as in every brief.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped,unused-ignore]

    family = fonts.resolve_serif(font)
    face = family.face_name()
    texts = [_printable(line) for line in lines]
    leading = size_pt * _SINGLE_LINE_EM
    width = max((stringWidth(text, face, size_pt) for text in texts), default=0.0) + 1.0
    height = (len(texts) - 1) * leading + size_pt * (_STAMP_ASCENT_EM + _STAMP_DESCENT_EM)
    buffer = io.BytesIO()
    canvas = PdfCanvas(
        buffer, pagesize=(width, height), invariant=1, initialFontName=face,
        initialFontSize=size_pt,
    )  # fmt: skip
    canvas.setFillColor(colors.black)
    canvas.setFont(face, size_pt)
    for index, text in enumerate(texts):
        baseline = height - size_pt * _STAMP_ASCENT_EM - index * leading
        canvas.drawRightString(width, baseline, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
