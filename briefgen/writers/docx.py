"""DOCX writer: renders a :class:`~briefgen.model.Document` with python-docx.

The output follows Decree 30/2020/NĐ-CP (see ``shared/domain/FACTS.md``): A4,
Times New Roman, justified body with a first-line indent, a two-column
letterhead and signature block laid out as borderless tables, page numbers
centred at the top and absent on page 1.  Paragraph looks live in named styles
(Normal, Heading 1 to 3, Caption and a few of ours) so that a user who edits the
file in Word or LibreOffice keeps a consistent document.

Determinism: the same document gives byte-identical files.  Every write starts
from the same styled copy of python-docx's default template (made once per
process and kept read, :func:`briefgen.writers._ooxml.read_package`), core
properties carry fixed dates, and the package is zipped with fixed timestamps
(:func:`briefgen.writers._ooxml.save_document`).

Only this module and :mod:`briefgen.writers._ooxml` import python-docx.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import itertools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, assert_never

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu, Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from briefgen import model as m
from briefgen.errors import Location, OutputError
from briefgen.writers import _columns, _ooxml, drawn_image
from briefgen.writers._look import (
    DRAFT_LABELS,
    SIGNATURE_GAP_MM,
    TILE_FILL,
    TREND_ARROWS,
    TREND_COLOURS,
    issued_at,
    leads_in,
)

__all__ = ["write"]

# --------------------------------------------------------------------------- constants

_ALIGNMENTS: Final[dict[m.Align, WD_ALIGN_PARAGRAPH]] = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}

_LANGUAGE_TAGS: Final[dict[str, str]] = {"vi": "vi-VN", "en": "en-GB"}
"""Model language → BCP 47 tag written to ``w:lang`` and the core properties."""

_CORE_TEXT_LIMIT: Final = 255
"""python-docx refuses longer core-property strings (the OPC limit Word also applies)."""

_RULE_FRACTIONS: Final[dict[m.RuleLength, float]] = {
    "none": 0.0,
    "third": 1 / 3,
    "half": 1 / 2,
    "full": 1.0,
}
_RULE_WEIGHT_EIGHTHS: Final = 6
"""Rule thickness in eighths of a point (0.75 pt, a hairline that still prints solid)."""
_RULE_LINE_PT: Final = 3.0
"""Height of the empty paragraph that carries a rule: just enough to sit under the text."""
_RULE_GAP_PT: Final = 4.0
_TITLE_RULE_FRACTION: Final = 1 / 3
_TITLE_RULE_MIN_PT: Final = 56.7  # 2 cm: under a very short summary a rule still reads as one

_LAYOUT_CELL_PADDING_TWIPS: Final = 57
"""Left/right padding (1 mm) in letterhead and signature cells, so the columns never touch."""

_ADDRESSEES_SPACE_PT: Final = 12.0
"""Below "Kính gửi:", before the body text (as in the PDF)."""
_RECIPIENTS_LABEL_PT: Final = 12.0  # "Nơi nhận:" — Decree 30, Appendix I
_RECIPIENTS_PT: Final = 11.0
"""Empty lines between the signer's title and name: room for signature and seal."""

_GRID_TABLE_STYLE: Final = "Table Grid"
"""The template's table style with single black borders on every cell."""
_GRID_CELL_PADDING_PT: Final = 3.0
"""Left and right padding of a table cell: the PDF's, so both wrap cells alike."""
_MEASURE_SAFETY: Final = 1.05
"""Our Times metrics read Vietnamese letters at their base letter's width; "ư" and "ơ"
are a little wider in print, so column widths allow 5 % more."""
_FIRST_ROWS: Final = 2
"""Body rows kept on the page of the table's caption and header."""
_UNSPLIT_ROW_PAGES: Final = 1 / 3
"""A row estimated taller than this share of the text height may break over pages."""
_TABLE_CELL_SPACE_PT: Final = 2.0
_BLOCK_SPACE_PT: Final = 6.0
_TITLE_SPACE_PT: Final = 12.0

_TWIPS_PER_MM: Final = 1440 / 25.4
_EMU_PER_INCH: Final = 914400

# Advance widths (1/1000 em) of printable ASCII in Times Roman and Times Bold, from the
# Adobe core-font metrics.  Times New Roman and Liberation Serif share them, so rule
# lengths computed from them match what Word and LibreOffice print.
_TIMES_REGULAR: Final = (
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667,
    722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722,
    722, 944, 722, 722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500,
    500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500,
    444, 480, 200, 480, 541,
)  # fmt: skip
_TIMES_BOLD: Final = (
    250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722,
    722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722,
    722, 1000, 722, 722, 667, 333, 278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500,
    556, 278, 333, 556, 278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500,
    444, 394, 220, 394, 520,
)  # fmt: skip


# --------------------------------------------------------------------------- entry point


def write(document: m.Document) -> bytes:
    """Render ``document`` as the bytes of a .docx file.

    Raises :class:`OutputError` for a chart that has not been drawn
    (``Chart.image`` is ``None``) or whose picture cannot be read.
    """
    writer = _DocxWriter(document)
    for index, block in enumerate(document.blocks):
        writer.add_block(block, Location(field=f"blocks[{index}]"))
    if document.draft:
        _mark_draft(writer.target, document)
    return writer.finish()


_DRAFT_BORDER_EIGHTHS: Final = 8
"""Border of the draft mark's box: 1 pt, as in the PDF."""
_SINGLE_LINE_EM_DOCX: Final = 1.15
"""Height of a single-spaced Times New Roman line in ems."""


def _mark_draft(target: DocxDocument, document: m.Document) -> None:
    """A boxed "DỰ THẢO" in the top margin at the left of the text, on every page.

    It goes into every header the section uses (the first page's too), as a
    frame that floats in the margin, so it never covers or moves text.
    """
    section = target.sections[0]
    label = DRAFT_LABELS.get(document.meta.language, DRAFT_LABELS["vi"])
    size_pt = document.style.size_pt
    width_pt = _text_width_pt(label, size_pt, bold=True) + size_pt
    box_pt = size_pt * _SINGLE_LINE_EM_DOCX + 4
    top_pt = max(0.0, document.page.margins.top * 72 / 25.4 / 2 - box_pt / 2)
    headers = [section.header]
    if section.different_first_page_header_footer:
        headers.append(section.first_page_header)
    for header in headers:
        header.is_linked_to_previous = False
        _ooxml.add_framed_mark(
            header,
            label,
            half_points=round(size_pt * 2),
            width_twips=round(width_pt * 20),
            top_twips=round(top_pt * 20),
            border_eighths=_DRAFT_BORDER_EIGHTHS,
        )


@functools.lru_cache(maxsize=8)
def _reference_bytes(reference: bytes) -> bytes:
    """A reference document emptied of its body, keeping styles, headers, footers, section.

    Cached per reference, so a batch empties each reference once.
    """
    try:
        target = docx.Document(io.BytesIO(reference))
    except Exception as error:  # python-docx raises several kinds for a bad package
        raise OutputError(
            f"reference.docx cannot be opened as a Word document: {error}",
            hint="save it from Word or LibreOffice as .docx",
        ) from None
    _ooxml.clear_body(target)
    buffer = io.BytesIO()
    target.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Base:
    """The empty document every write starts from, with what the writer needs to know of it."""

    package: _ooxml.BasePackage
    styles: _Styles
    grid_style: str | None
    """The id of the data tables' "Table Grid" style; ``None`` where it is the document's
    default table style (which python-docx then leaves unnamed)."""


@functools.lru_cache(maxsize=8)
def _styled_base(reference: bytes | None, style: m.TextStyle, language: str) -> _Base:
    """The empty document every write starts from, styled for ``style`` and ``language``.

    Cached per process: a batch styles its base document once, and each write
    only opens it.  A reference document's own styles win (as with pandoc's
    --reference-doc); only the writer's missing styles are added.
    """
    base = _reference_bytes(reference) if reference else _template_bytes()
    target = docx.Document(io.BytesIO(base))
    styles = _setup_styles(target, style, language, restyle=reference is None)
    grid = _grid_style_id(target)
    buffer = io.BytesIO()
    target.save(buffer)
    return _Base(_ooxml.read_package(buffer.getvalue()), styles, grid)


def _grid_style_id(target: DocxDocument) -> str | None:
    """The id of ``target``'s "Table Grid" table style, resolved as python-docx's
    ``Table.style`` setter does it.  Word saves that style into a document only once
    a table has used it: a reference document without it gets python-docx's own."""
    try:
        return target.part.get_style_id(_GRID_TABLE_STYLE, WD_STYLE_TYPE.TABLE)  # type: ignore[no-untyped-call,no-any-return]
    except KeyError:  # no such style: add python-docx's
        pass
    except ValueError:  # a style of that name that is not a table style
        raise OutputError(
            f"reference.docx has a style '{_GRID_TABLE_STYLE}' that is not a table style",
            hint=f"rename that style in Word: briefgen's data tables use '{_GRID_TABLE_STYLE}'",
        ) from None
    grid = docx.Document(io.BytesIO(_template_bytes())).styles[_GRID_TABLE_STYLE].element
    target.styles.element.append(copy.deepcopy(grid))
    return target.part.get_style_id(_GRID_TABLE_STYLE, WD_STYLE_TYPE.TABLE)  # type: ignore[no-untyped-call,no-any-return]


@functools.cache
def _template_bytes() -> bytes:
    """python-docx's default template, saved once per process.

    The base styled from it is only read: each write opens a fresh document
    from it, so writes share no mutable state and can run in parallel threads.
    """
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _Styles:
    """The ids of the paragraph styles the writer assigns, resolved once per base document."""

    normal: str
    headings: tuple[str, str, str]
    list_item: str
    table_text: str
    table_heading: str
    caption: str
    compact: str
    """Single-spaced, centred, no indent, no space: letterhead, title, signature lines."""


def _paragraph_style(style: object) -> ParagraphStyle:
    if not isinstance(style, ParagraphStyle):  # the template is ours: a bug, not bad input
        raise TypeError(f"expected a paragraph style, got {style!r}")
    return style


def _setup_styles(
    target: DocxDocument, style: m.TextStyle, language: str, restyle: bool = True
) -> _Styles:
    """Restyle the template for the document's typography and add the writer's own styles.

    ``restyle`` False (a reference document) keeps the styles the document
    already has and only adds the ones it lacks.
    """
    if not restyle:
        return _reference_styles(target)
    _ooxml.set_run_defaults(target.styles, style.font, language, round(style.size_pt * 2))
    normal = _normal_style(target, style, language)
    headings = _heading_styles(target, style)
    caption = _caption_style(target, style)
    compact = _add_paragraph_style(target, "Compact", normal)
    _single_spaced(compact, WD_ALIGN_PARAGRAPH.CENTER, 0)
    list_item = _add_paragraph_style(target, "List Item", normal)
    table_text = _add_paragraph_style(target, "Table Text", normal)
    _ooxml.set_style_size(table_text, style.table_size_pt)
    _single_spaced(table_text, WD_ALIGN_PARAGRAPH.LEFT, _TABLE_CELL_SPACE_PT)
    table_heading = _add_paragraph_style(target, "Table Heading", table_text)
    table_heading.font.bold = True
    table_heading.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return _Styles(
        normal=normal.style_id,
        headings=(headings[0].style_id, headings[1].style_id, headings[2].style_id),
        list_item=list_item.style_id,
        table_text=table_text.style_id,
        table_heading=table_heading.style_id,
        caption=caption.style_id,
        compact=compact.style_id,
    )


def _reference_styles(target: DocxDocument) -> _Styles:
    """A reference document's own styles, with those the writer needs and it lacks added."""
    normal = _existing_or_new(target, "Normal", None)

    def based_on_normal(name: str) -> str:
        return _existing_or_new(target, name, normal).style_id

    return _Styles(
        normal=normal.style_id,
        headings=(
            based_on_normal("Heading 1"),
            based_on_normal("Heading 2"),
            based_on_normal("Heading 3"),
        ),
        list_item=based_on_normal("List Item"),
        table_text=based_on_normal("Table Text"),
        table_heading=based_on_normal("Table Heading"),
        caption=based_on_normal("Caption"),
        compact=based_on_normal("Compact"),
    )


def _normal_style(target: DocxDocument, style: m.TextStyle, language: str) -> ParagraphStyle:
    """The template's Normal style set as the document's body text."""
    normal = _paragraph_style(target.styles["Normal"])
    _ooxml.set_style_fonts(normal, style.font)
    _ooxml.set_style_language(normal, language)
    _ooxml.set_style_size(normal, style.size_pt)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    body = normal.paragraph_format
    body.alignment = _ALIGNMENTS[style.align]
    body.first_line_indent = Mm(style.first_line_indent_mm)
    body.space_before = Pt(0)
    body.space_after = Pt(style.space_after_pt)
    body.line_spacing = style.line_spacing
    body.widow_control = True
    return normal


def _heading_styles(
    target: DocxDocument, style: m.TextStyle
) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """The template's Heading 1 to 3 set in the body's font, bold, black."""
    headings: list[ParagraphStyle] = []
    for level in (1, 2, 3):
        heading = _paragraph_style(target.styles[f"Heading {level}"])
        # The template's headings are Cambria in theme blue; Decree 30 wants black body type.
        _ooxml.set_style_fonts(heading, style.font)
        _ooxml.set_style_size(heading, style.heading_size_pt)
        heading.font.bold = True
        heading.font.italic = level == 3
        heading.font.color.rgb = RGBColor(0, 0, 0)
        pf = heading.paragraph_format
        pf.alignment = _ALIGNMENTS[style.align]
        pf.first_line_indent = Mm(style.first_line_indent_mm)
        pf.space_before = Pt(style.space_after_pt)
        pf.space_after = Pt(style.space_after_pt)
        pf.keep_with_next = True
        pf.keep_together = True
        headings.append(heading)
    return headings[0], headings[1], headings[2]


def _caption_style(target: DocxDocument, style: m.TextStyle) -> ParagraphStyle:
    """The template's Caption style: body size, not bold, black, centred."""
    caption = _paragraph_style(target.styles["Caption"])
    _ooxml.set_style_size(caption, style.size_pt)
    caption.font.bold = False
    caption.font.color.rgb = RGBColor(0, 0, 0)
    pf = caption.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf.first_line_indent = Pt(0)
    pf.space_before = Pt(_BLOCK_SPACE_PT)
    pf.space_after = Pt(_BLOCK_SPACE_PT)
    pf.line_spacing = 1.0
    return caption


def _single_spaced(
    paragraph_style: ParagraphStyle, alignment: WD_ALIGN_PARAGRAPH, space_pt: float
) -> None:
    """Set ``paragraph_style`` single-spaced, unindented, ``space_pt`` above and below."""
    pf = paragraph_style.paragraph_format
    pf.alignment = alignment
    pf.first_line_indent = Pt(0)
    pf.space_before = Pt(space_pt)
    pf.space_after = Pt(space_pt)
    pf.line_spacing = 1.0


def _existing_or_new(
    target: DocxDocument, name: str, base: ParagraphStyle | None
) -> ParagraphStyle:
    """The paragraph style ``name`` of ``target``, added (based on ``base``) when missing."""
    try:
        found = target.styles[name]
    except KeyError:
        pass
    else:
        if isinstance(found, ParagraphStyle):
            return found
    style = _paragraph_style(target.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH))
    if base is not None:
        style.base_style = base
    return style


def _add_paragraph_style(target: DocxDocument, name: str, base: ParagraphStyle) -> ParagraphStyle:
    style = _paragraph_style(target.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH))
    style.base_style = base
    style.quick_style = True
    return style


# --------------------------------------------------------------------------- text helpers


def _clean(text: str) -> str:
    """Text as it must appear: newlines and tabs are not significant in the model, so they
    become spaces instead of python-docx's breaks and tab stops; XML-illegal characters go."""
    text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _ooxml.xml_text(text)


def _language_tag(language: str) -> str:
    return _LANGUAGE_TAGS.get(language.lower(), language)


@functools.cache
def _char_width(char: str, bold: bool) -> int:
    """Advance width of ``char`` in 1/1000 em, Times metrics (base letter for accented ones)."""
    widths = _TIMES_BOLD if bold else _TIMES_REGULAR
    code = ord(char)
    if 32 <= code < 127:
        return widths[code - 32]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    # Vietnamese letters carry their marks above or below: the base letter sets the width.
    base = {"Đ": "D", "đ": "d"}.get(char) or unicodedata.normalize("NFD", char)[:1]
    if base and 32 <= ord(base) < 127:
        return widths[ord(base) - 32]
    return 500


def _text_width_pt(text: str, size_pt: float, bold: bool) -> float:
    """Estimated printed width of ``text`` in points, in Times New Roman (or Liberation Serif)."""
    return sum(_char_width(char, bold) for char in text) * size_pt / 1000


def _inlines_width_pt(inlines: Iterable[m.Inline], size_pt: float) -> float:
    """Estimated width of the widest line of ``inlines`` in points."""
    widest = current = 0.0
    for run in m.runs(inlines):
        if run.is_break:
            widest, current = max(widest, current), 0.0
        else:
            current += _text_width_pt(_clean(run.text), size_pt, run.bold)
    return max(widest, current)


def _split_twips(total: int, fractions: Sequence[float]) -> tuple[int, ...]:
    """Split ``total`` twips by ``fractions``; rounding at cumulative edges keeps the sum exact."""
    edges = [0]
    running = 0.0
    for fraction in fractions:
        running += fraction
        edges.append(round(total * running))
    edges[-1] = total
    return tuple(b - a for a, b in itertools.pairwise(edges))


def _row_height_pt(
    row: Sequence[m.Cell], slots: Sequence[_Slot], widths: Sequence[int], size_pt: float
) -> float:
    """A rough height of a table row: its tallest cell's lines at single spacing."""
    tallest = 1
    for slot in slots:
        if slot.cell is None:
            continue
        twips = sum(widths[slot.column : slot.column + slot.colspan])
        room = twips / 20 - 2 * _GRID_CELL_PADDING_PT
        text = _inlines_width_pt(slot.cell.content, size_pt)
        breaks = sum(1 for r in m.runs(slot.cell.content) if r.is_break)
        tallest = max(tallest, int(text / max(room, 1.0)) + 1 + breaks)
    return tallest * size_pt * 1.2


# --------------------------------------------------------------------------- table grid


@dataclass(frozen=True)
class _Slot:
    """One ``w:tc`` of a table row.

    ``cell`` is ``None`` where a rowspan from a row above continues; the slot
    then only carries the span's ``colspan`` so the grid stays aligned.
    """

    column: int
    colspan: int
    cell: m.Cell | None


def _table_grid(rows: Sequence[Sequence[m.Cell]], columns: int) -> list[list[_Slot]]:
    """Place every cell on the column grid, inserting the continuations of rowspans.

    The model leaves cells covered by a rowspan out of the following rows;
    OOXML wants a ``w:tc`` with ``w:vMerge`` there, so we compute where they go.
    """
    carried: dict[int, tuple[int, int]] = {}  # column -> (rows still covered, colspan)
    grid: list[list[_Slot]] = []
    for row in rows:
        slots: list[_Slot] = []
        cells = iter(row)
        column = 0
        while column < columns:
            if column in carried:
                remaining, span = carried[column]
                slots.append(_Slot(column, span, None))
                if remaining > 1:
                    carried[column] = (remaining - 1, span)
                else:
                    del carried[column]
                column += span
                continue
            cell = next(cells, None)
            if cell is None:
                break  # the model pads rows, so only a malformed table gets here
            # A colspan may not run into a column a rowspan above still holds.
            limit = min([c for c in carried if c > column] + [columns])
            span = max(1, min(cell.colspan, limit - column))
            slots.append(_Slot(column, span, cell))
            if cell.rowspan > 1:
                carried[column] = (cell.rowspan - 1, span)
            column += span
        grid.append(slots)
    return grid


# --------------------------------------------------------------------------- the writer


class _DocxWriter:
    """Builds one python-docx document from one model document, block by block."""

    def __init__(self, document: m.Document) -> None:
        self.model = document
        self.language = _language_tag(document.meta.language)
        self.base = _styled_base(document.reference_docx, document.style, self.language)
        self.target: DocxDocument = _ooxml.open_document(self.base.package)
        self.styles = self.base.styles
        self.text_width_twips = round(document.page.text_width_mm * _TWIPS_PER_MM)
        self._setup_section()
        self._setup_core_properties()

    # ----------------------------------------------------------------- document level

    def _setup_section(self) -> None:
        page = self.model.page
        section = self.target.sections[0]
        # python-docx's template is US Letter; the page size comes from the model (A4).
        section.orientation = WD_ORIENT.LANDSCAPE if page.landscape else WD_ORIENT.PORTRAIT
        section.page_width = Mm(page.width_mm)
        section.page_height = Mm(page.height_mm)
        margins = page.margins
        section.top_margin = Mm(margins.top)
        section.bottom_margin = Mm(margins.bottom)
        section.left_margin = Mm(margins.left)
        section.right_margin = Mm(margins.right)
        section.gutter = Mm(0)
        # The page number sits in the top margin: start it half-way (about 10 mm down for
        # the usual 20 mm), so a 13 pt line ends well before the text area.
        section.header_distance = Mm(max(margins.top - 10, margins.top / 2))
        section.footer_distance = Mm(max(margins.bottom - 10, margins.bottom / 2))
        if not page.number_pages:
            return
        if self.model.reference_docx and _ooxml.has_content(section.header):
            return  # the reference document's header (a logo, its own numbering) stays as is
        size_half_points = round(self.model.style.size_pt * 2)
        number = section.header.paragraphs[0]
        _ooxml.set_paragraph_style(number, self.styles.compact)
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _ooxml.add_page_field(number, size_half_points)
        if not page.number_first_page:
            section.different_first_page_header_footer = True
            # An explicit empty first-page header: some readers ignore w:titlePg without one.
            first = section.first_page_header
            first.is_linked_to_previous = False
            _ooxml.set_paragraph_style(first.paragraphs[0], self.styles.compact)

    def _setup_core_properties(self) -> None:
        meta = self.model.meta
        core = self.target.core_properties

        def limited(text: str) -> str:
            return _clean(text)[:_CORE_TEXT_LIMIT]

        core.title = limited(meta.title)
        core.author = limited(meta.author)
        core.subject = limited(meta.subject)
        core.keywords = limited("; ".join(meta.keywords))
        core.language = self.language
        core.comments = ""  # the template says "generated by python-docx"
        core.category = ""
        core.last_modified_by = "briefgen"
        core.revision = 1
        moment = issued_at(meta)
        if moment is None:  # no date yet: none written (a reference document's removed)
            for element in core._element.xpath("dcterms:created | dcterms:modified"):
                element.getparent().remove(element)
        else:  # python-docx writes the time as UTC, whatever its zone
            core.created = core.modified = moment.astimezone(dt.UTC)

    def finish(self) -> bytes:
        """The finished file, with fixed zip timestamps."""
        return _ooxml.save_document(self.target, self.base.package)

    # ----------------------------------------------------------------- dispatch

    def add_block(self, block: m.Block, where: Location) -> None:
        """Append one block; ``where`` names it in errors."""
        match block:
            case m.Heading():
                self._heading(block)
            case m.Paragraph():
                self._paragraph(block)
            case m.ListBlock():
                self._list(block)
            case m.Table():
                self._table(block)
            case m.Chart():
                self._chart(block, where)
            case m.Tiles():
                self._tiles(block)
            case m.PageBreak():
                self._page_break()
            case m.Letterhead():
                self._letterhead(block, where)
            case m.Title():
                self._title(block)
            case m.Addressees():
                self._addressees(block)
            case m.Signature():
                self._signature(block)
            case _:
                assert_never(block)

    # ----------------------------------------------------------------- inlines

    def _new_paragraph(self, style: str | None) -> DocxParagraph:
        """A paragraph appended to the body, in the style of id ``style`` (``None``: Normal)."""
        paragraph = self.target.add_paragraph()
        if style is not None:
            _ooxml.set_paragraph_style(paragraph, style)
        return paragraph

    def _add_runs(
        self,
        paragraph: DocxParagraph,
        inlines: Iterable[m.Inline],
        *,
        size_pt: float | None = None,
        bold: bool = False,
        italic: bool = False,
    ) -> None:
        """Append ``inlines`` to ``paragraph``; ``size_pt`` ``None`` keeps the style's size."""
        half_points = None if size_pt is None else round(size_pt * 2)
        for piece in m.runs(inlines, bold, italic):
            _ooxml.append_run(
                paragraph,
                None if piece.is_break else _clean(piece.text),
                bold=piece.bold,
                italic=piece.italic,
                half_points=half_points,
            )

    # ----------------------------------------------------------------- body blocks

    def _heading(self, block: m.Heading) -> None:
        paragraph = self._new_paragraph(self.styles.headings[block.level - 1])
        self._add_runs(paragraph, block.content)

    def _paragraph(self, block: m.Paragraph) -> None:
        paragraph = self._new_paragraph(None)
        if block.align is not None:
            paragraph.alignment = _ALIGNMENTS[block.align]
        if block.indent is False:
            paragraph.paragraph_format.first_line_indent = Pt(0)
        if leads_in(block):
            # Its last lines print on the page where what it introduces starts.
            paragraph.paragraph_format.keep_with_next = True
        self._add_runs(paragraph, block.content)

    def _list(self, block: m.ListBlock) -> None:
        style = self.model.style
        indent = Mm(style.first_line_indent_mm)
        for number, item in enumerate(block.items, start=1):
            marker = f"{number}. " if block.ordered else "- "
            # The marker starts where body paragraphs start; a hanging indent of exactly the
            # marker's width lines wrapped lines up under the item's first word.
            hang = Pt(_text_width_pt(marker, style.size_pt, bold=False))
            paragraph = self._new_paragraph(self.styles.list_item)
            paragraph.paragraph_format.left_indent = Emu(indent + hang)
            paragraph.paragraph_format.first_line_indent = Emu(-hang)
            paragraph.add_run(marker)
            self._add_runs(paragraph, item)

    def _page_break(self) -> None:
        paragraph = self._new_paragraph(self.styles.compact)
        # The paragraph mark lands on the next page: keep it a hair tall so it adds no line.
        paragraph.paragraph_format.line_spacing = Pt(1)
        paragraph.add_run().add_break(WD_BREAK.PAGE)

    # ----------------------------------------------------------------- tables

    def _new_table(self, widths: Sequence[int], style: str | None, padding: int) -> DocxTable:
        """An empty table with fixed column widths (twips) on the text width, cells
        padded ``padding`` twips left and right; ``style`` is a style id or ``None``.

        Widths go on the grid, the table and every cell, with autofit off: Word
        reads the cell widths, LibreOffice the grid.
        """
        if _ooxml.body_ends_with_table(self.target):
            # Word would join the two tables into one; an empty line keeps them apart.
            self._new_paragraph(self.styles.compact)
        return _ooxml.add_table(self.target, widths, style, padding)

    def _table(self, block: m.Table) -> None:
        styles = self.styles
        if block.caption:
            caption = self._new_paragraph(styles.caption)
            caption.paragraph_format.keep_with_next = True
            self._add_runs(caption, block.caption, bold=True)
        widths = self._column_widths(block)
        table = self._new_table(widths, self._grid_style(), round(_GRID_CELL_PADDING_PT * 20))
        header_rows = len(block.header)
        rows = block.header + block.body
        size_pt = self.model.style.table_size_pt
        page = self.model.page
        text_height_mm = page.height_mm - page.margins.top - page.margins.bottom
        most_pt = text_height_mm * _UNSPLIT_ROW_PAGES * 72 / 25.4
        for index, slots in enumerate(_table_grid(rows, block.columns)):
            is_header = index < header_rows
            # A row torn over two pages is hard to read; rows of a brief are short.  A
            # row taller than a page must break, or Word cuts it off at the page foot.
            unsplit = _row_height_pt(rows[index], slots, widths, size_pt) < most_pt
            tr = _ooxml.add_row(table, cant_split=unsplit, header=is_header)
            # The header and the first rows stay on the page where the caption is.
            keep_next = index < header_rows + _FIRST_ROWS - 1 and index < len(rows) - 1
            for slot in slots:
                self._table_cell(tr, slot, widths, is_header, keep_next)

    def _grid_style(self) -> str | None:
        """The data tables' style id (``None``: the default table style, left unnamed)."""
        return self.base.grid_style

    def _column_widths(self, block: m.Table) -> tuple[int, ...]:
        """Column widths in twips from the cells' content (:mod:`briefgen.writers._columns`)."""
        size_pt = self.model.style.table_size_pt

        def measure(text: str, bold: bool) -> float:
            return _text_width_pt(_clean(text), size_pt, bold) * _MEASURE_SAFETY

        total_pt = self.text_width_twips / 20
        padding = 2 * _GRID_CELL_PADDING_PT + 1
        points = _columns.column_widths(block, total_pt, measure, padding)
        return _split_twips(self.text_width_twips, [w / total_pt for w in points])

    def _table_cell(
        self,
        tr: BaseOxmlElement,
        slot: _Slot,
        widths: Sequence[int],
        is_header: bool,
        keep_next: bool,
    ) -> None:
        cell = slot.cell
        paragraph = _ooxml.add_grid_cell(
            tr,
            sum(widths[slot.column : slot.column + slot.colspan]),
            self.styles.table_heading if is_header else self.styles.table_text,
            span=slot.colspan,
            merge="continue" if cell is None else "restart" if cell.rowspan > 1 else None,
            keep_next=keep_next,
            align=None if cell is None or cell.align is None else _ALIGNMENTS[cell.align],
        )
        if cell is not None:
            self._add_runs(paragraph, cell.content)

    # ----------------------------------------------------------------- charts

    def _chart(self, block: m.Chart, where: Location) -> None:
        image = drawn_image(block, where, "docx")
        png = image.png  # made now, at the height the chart prints at
        try:
            pixels = Image.from_blob(png).px_width
        except UnrecognizedImageError:
            raise OutputError(
                f"chart '{block.spec.title}' has an unreadable picture", where
            ) from None
        # Never wider than the text, and never stretched past the resolution it was drawn
        # at (a 150 mm chart drawn at 200 dpi is 1181 px: 150 mm would print at 199.98 dpi).
        width = min(
            Mm(image.width_mm),
            Mm(self.model.page.text_width_mm),
            pixels * _EMU_PER_INCH // max(image.dpi, 1),
        )
        holder = self._new_paragraph(self.styles.compact)
        holder.paragraph_format.space_before = Pt(_BLOCK_SPACE_PT)
        holder.paragraph_format.keep_with_next = bool(block.caption)
        shape = holder.add_run().add_picture(io.BytesIO(png), width=Emu(width))
        # Alt text for screen readers: the title, else the caption.
        description = block.spec.title.strip() or m.plain(block.caption).strip()
        _ooxml.set_picture_description(shape, _clean(description))
        if block.caption:
            caption = self._new_paragraph(self.styles.caption)
            self._add_runs(caption, block.caption, italic=True)

    # ----------------------------------------------------------------- key figures

    def _tiles(self, block: m.Tiles) -> None:
        """A grid of shaded cells: small label, big bold value, note with a coloured arrow."""
        columns = block.columns
        width = self.text_width_twips // columns
        table = self._new_table([width] * columns, None, _LAYOUT_CELL_PADDING_TWIPS)
        _ooxml.remove_table_borders(table, inner_gap=("FFFFFF", 24))
        size = self.model.style.size_pt
        for tiles in block.rows():
            row = _ooxml.add_layout_row(table, cant_split=True)
            for cell, tile in zip(row.cells, tiles, strict=True):
                if tile is None:
                    continue
                _ooxml.shade_cell(cell, TILE_FILL)
                label = self._compact_paragraph(cell, True)
                label.paragraph_format.space_before = Pt(4)
                self._add_runs(label, tile.label, size_pt=size - 2)
                value = self._compact_paragraph(cell, False)
                value.paragraph_format.space_after = Pt(5)
                self._add_runs(value, tile.value, size_pt=size + 5, bold=True)
                if tile.note or tile.trend:
                    value.paragraph_format.space_after = Pt(0)
                    note = self._compact_paragraph(cell, False)
                    note.paragraph_format.space_after = Pt(5)
                    if tile.trend is not None:
                        arrow = note.add_run(f"{TREND_ARROWS[tile.trend]} ")
                        arrow.font.size = Pt(size - 2)
                        arrow.font.color.rgb = RGBColor.from_string(TREND_COLOURS[tile.good])
                    self._add_runs(note, tile.note, size_pt=size - 2)
        self._new_paragraph(self.styles.compact)

    # ----------------------------------------------------------------- official parts

    def _layout_table(self, left_fraction: float) -> tuple[DocxTable, tuple[int, int]]:
        """A borderless two-column table over the text width (letterhead, signature)."""
        left = round(self.text_width_twips * left_fraction)
        widths = (left, self.text_width_twips - left)
        table = self._new_table(widths, None, _LAYOUT_CELL_PADDING_TWIPS)
        _ooxml.remove_table_borders(table)
        return table, widths

    def _compact_paragraph(
        self, cell: _Cell, first: bool, align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER
    ) -> DocxParagraph:
        """The cell's first paragraph when ``first``, otherwise a new one; in the compact style."""
        paragraph: DocxParagraph = cell.paragraphs[0] if first else cell.add_paragraph()
        _ooxml.set_paragraph_style(paragraph, self.styles.compact)
        if align != WD_ALIGN_PARAGRAPH.CENTER:
            paragraph.alignment = align
        return paragraph

    def _rule(self, paragraph: DocxParagraph, length_pt: float, available_pt: float) -> None:
        """Turn an empty ``paragraph`` into a centred rule ``length_pt`` long.

        The rule is the paragraph's bottom border, narrowed by equal indents: it
        needs no drawing objects, and Word and LibreOffice draw it alike.
        """
        length_pt = min(length_pt, available_pt)
        side = Pt(max(0.0, (available_pt - length_pt) / 2))
        pf = paragraph.paragraph_format
        pf.left_indent = side
        pf.right_indent = side
        pf.line_spacing = Pt(_RULE_LINE_PT)
        # An exact 3 pt line sits inside the text line above it; the space keeps
        # the rule clear of descenders ("g", "p", the dot under "ạ").
        pf.space_before = Pt(_RULE_GAP_PT)
        _ooxml.set_bottom_border(paragraph, _RULE_WEIGHT_EIGHTHS)

    def _header_lines(
        self, cell: _Cell, lines: Sequence[m.HeaderLine], width_twips: int, first: bool = True
    ) -> None:
        available_pt = (width_twips - 2 * _LAYOUT_CELL_PADDING_TWIPS) / 20
        body_pt = self.model.style.size_pt
        for line in lines:
            size_pt = line.size_pt if line.size_pt is not None else body_pt
            paragraph = self._compact_paragraph(cell, first)
            first = False
            self._add_runs(paragraph, line.content, size_pt=size_pt)
            if line.rule != "none":
                # A line that wraps is as wide as the column at most.
                text_pt = min(_inlines_width_pt(line.content, size_pt), available_pt)
                rule = self._compact_paragraph(cell, first)
                self._rule(rule, text_pt * _RULE_FRACTIONS[line.rule], available_pt)

    def _letterhead(self, block: m.Letterhead, where: Location) -> None:
        left = round(self.text_width_twips * block.left_width)
        widths: tuple[int, ...] = (left, self.text_width_twips - left)
        pad = _LAYOUT_CELL_PADDING_TWIPS
        logo = block.logo
        beside = block.logo_beside((left - 2 * pad) / _TWIPS_PER_MM)
        if logo is not None and beside:
            # The logo takes a column of its own, not a table nested in the left one
            # (LibreOffice then numbers the first page); the cell's padding is the gap.
            column = math.ceil(logo.width_mm * _TWIPS_PER_MM) + 2 * pad
            widths = (column, left - column, widths[1])
        table = self._new_table(widths, None, pad)
        _ooxml.remove_table_borders(table)
        cells = _ooxml.add_layout_row(table).cells
        if logo is not None and beside:
            cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            holder = self._compact_paragraph(cells[0], True, WD_ALIGN_PARAGRAPH.LEFT)
            self._picture(holder, logo, where)
        elif logo is not None:
            holder = self._compact_paragraph(cells[0], True)
            holder.paragraph_format.space_after = Mm(m.LOGO_GAP_MM)
            self._picture(holder, logo, where)
        above = logo is not None and not beside
        self._header_lines(cells[-2], block.left, widths[-2], first=not above)
        self._header_lines(cells[-1], block.right, widths[-1])
        if block.left_foot is None and block.right_foot is None:
            return
        # "Số: …" and the place-and-date line share a row, so they print level.
        cells = _ooxml.add_layout_row(table).cells
        if beside:
            _ooxml.span_columns(cells, 0, 2)
            cells[0].width = Twips(left)
            cells = (cells[0], cells[2])
        feet = (block.left_foot, block.right_foot)
        for cell, foot, width in zip(cells, feet, (left, widths[-1]), strict=True):
            self._header_lines(cell, (foot,) if foot is not None else (), width)
            cell.paragraphs[0].paragraph_format.space_before = Pt(_BLOCK_SPACE_PT)

    def _picture(self, paragraph: DocxParagraph, picture: m.Picture, where: Location) -> None:
        """``picture`` at its printed size, inline in ``paragraph``."""
        try:
            shape = paragraph.add_run().add_picture(
                io.BytesIO(picture.data), width=Mm(picture.width_mm), height=Mm(picture.height_mm)
            )
        except UnrecognizedImageError:
            raise OutputError("the letterhead's logo is not a readable picture", where) from None
        _ooxml.clear_picture_distance(shape)
        if picture.description:
            _ooxml.set_picture_description(shape, _clean(picture.description))

    def _addressees(self, block: m.Addressees) -> None:
        """ "Kính gửi:" (box 9a): one addressee on the label's line, centred; several one
        a line, their dashes aligned under the label's colon, the block centred."""
        style = self.model.style
        size = style.size_pt
        paragraphs: list[DocxParagraph] = []
        if len(block.items) == 1:
            line = self._new_paragraph(self.styles.compact)
            self._add_runs(line, (*block.label, m.Text(" "), *block.items[0]))
            paragraphs.append(line)
        else:
            label_text = _clean(m.plain(block.label)).rstrip().rstrip(":")
            to_colon = _text_width_pt(label_text, size, bold=False)
            widest = max(_inlines_width_pt(item, size) for item in block.items)
            start = max(0.0, (self.text_width_twips / 20 - to_colon - widest) / 2)
            label = self._new_paragraph(self.styles.compact)
            label.alignment = WD_ALIGN_PARAGRAPH.LEFT
            label.paragraph_format.left_indent = Pt(start)
            self._add_runs(label, block.label)
            paragraphs.append(label)
            dash = _text_width_pt("- ", size, bold=False)
            for item in block.items:
                # Wrapped lines of an item hang under its text, not under its dash.
                hang = dash if m.plain(item).startswith("- ") else 0.0
                line = self._new_paragraph(self.styles.compact)
                line.alignment = WD_ALIGN_PARAGRAPH.LEFT
                line.paragraph_format.left_indent = Pt(start + to_colon + hang)
                line.paragraph_format.first_line_indent = Pt(-hang)
                self._add_runs(line, item)
                paragraphs.append(line)
        for paragraph in paragraphs:
            paragraph.paragraph_format.line_spacing = style.line_spacing
            paragraph.paragraph_format.keep_with_next = True
        paragraphs[-1].paragraph_format.keep_with_next = False
        paragraphs[-1].paragraph_format.space_after = Pt(_ADDRESSEES_SPACE_PT)

    def _title(self, block: m.Title) -> None:
        if not block.lines:
            return
        size_pt = self.model.style.size_pt
        for index, line in enumerate(block.lines):
            paragraph = self._new_paragraph(self.styles.compact)
            paragraph.paragraph_format.keep_with_next = True
            if index == 0:
                paragraph.paragraph_format.space_before = Pt(_TITLE_SPACE_PT)
            self._add_runs(paragraph, line, bold=True)
        available_pt = self.text_width_twips / 20
        last_pt = _inlines_width_pt(block.lines[-1], size_pt)
        length_pt = max(last_pt * _TITLE_RULE_FRACTION, _TITLE_RULE_MIN_PT)
        rule = self._new_paragraph(self.styles.compact)
        self._rule(rule, length_pt, available_pt)
        rule.paragraph_format.space_after = Pt(_TITLE_SPACE_PT)

    def _signature(self, block: m.Signature) -> None:
        # The closing text prints on the signature's page (with widow control, at least
        # its last two lines; a short paragraph whole).
        _ooxml.keep_last_paragraph_with_next(self.target)
        table, _ = self._layout_table(block.left_width)
        # The signature block is read as one piece: never split it over two pages.
        row = _ooxml.add_layout_row(table, cant_split=True)
        left, right = row.cells

        first = True
        if block.recipients_label:
            label = self._compact_paragraph(left, first, WD_ALIGN_PARAGRAPH.LEFT)
            first = False
            self._add_runs(
                label, block.recipients_label, size_pt=_RECIPIENTS_LABEL_PT, bold=True, italic=True
            )
        for recipient in block.recipients:
            paragraph = self._compact_paragraph(left, first, WD_ALIGN_PARAGRAPH.LEFT)
            first = False
            self._add_runs(paragraph, recipient, size_pt=_RECIPIENTS_PT)

        first = True
        for authority in block.authority:
            paragraph = self._compact_paragraph(right, first)
            first = False
            self._add_runs(paragraph, authority, bold=True)
        # The room for the signature (and the seal, when the template reserves it),
        # as tall as the PDF's: one empty line of exactly that height.
        room = self._compact_paragraph(right, first)
        first = False
        room.paragraph_format.line_spacing = Mm(
            SIGNATURE_GAP_MM if block.room_mm is None else block.room_mm
        )
        name = self._compact_paragraph(right, first)
        self._add_runs(name, block.name, bold=True)

        # Both columns start one block space below the text above, so "Nơi nhận:" and
        # the authority line print level.
        for cell in (left, right):
            cell.paragraphs[0].paragraph_format.space_before = Pt(_TITLE_SPACE_PT)
