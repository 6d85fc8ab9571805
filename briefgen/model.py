"""The document model: immutable blocks and inlines, the only thing writers see.

Templates produce a :class:`Document`; writers turn it into bytes.  The model
imports nothing but the standard library.  Constructors normalise their input
once (text to NFC, tables to rectangles) so that writers can trust what they
get and never re-check it.

:func:`dump` gives a stable, human-readable text form used by golden tests.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Literal, Self, TypeAlias, assert_never

Align: TypeAlias = Literal["left", "center", "right", "justify"]
RuleLength: TypeAlias = Literal["none", "third", "half", "full"]
LogoPosition: TypeAlias = Literal["left", "above"]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- inlines


@dataclass(frozen=True)
class Text:
    """A run of plain text (NFC).  Line breaks inside are not significant."""

    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _nfc(self.text))


@dataclass(frozen=True)
class Strong:
    """Bold inlines."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Emph:
    """Italic inlines."""

    children: tuple[Inline, ...]


@dataclass(frozen=True)
class LineBreak:
    """A forced line break inside a paragraph or cell."""


Inline: TypeAlias = Text | Strong | Emph | LineBreak
Inlines: TypeAlias = tuple[Inline, ...]


@dataclass(frozen=True)
class Run:
    """A flattened piece of text with its emphasis, as writers consume it.

    ``text`` is empty and ``is_break`` true for a line break.
    """

    text: str
    bold: bool = False
    italic: bool = False
    is_break: bool = False


def runs(inlines: Iterable[Inline], bold: bool = False, italic: bool = False) -> Iterator[Run]:
    """Flatten nested inlines into runs with their emphasis (adjacent runs are not merged)."""
    for node in inlines:
        match node:
            case Text(text=text):
                if text:
                    yield Run(text, bold, italic)
            case Strong(children=children):
                yield from runs(children, True, italic)
            case Emph(children=children):
                yield from runs(children, bold, True)
            case LineBreak():
                yield Run("", bold, italic, is_break=True)
            case _:
                raise TypeError(f"unknown inline node {node!r}")


def plain(inlines: Iterable[Inline]) -> str:
    """The text of inlines without emphasis; line breaks become newlines."""
    return "".join("\n" if r.is_break else r.text for r in runs(inlines))


def normalise_inlines(inlines: Iterable[Inline]) -> Inlines:
    """Merge adjacent :class:`Text` nodes and drop empty ones."""
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text):
            if not node.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + node.text)
                continue
        out.append(node)
    return tuple(out)


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Heading:
    """A section heading; ``level`` 1 is a part ("I. KẾT QUẢ …"), 2 a clause, 3 an item."""

    level: int
    content: Inlines

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValueError(f"heading level must be 1, 2 or 3, not {self.level}")


@dataclass(frozen=True)
class Paragraph:
    """Body text.

    ``align``: ``None`` means the template's body alignment (justified in
    official documents).  ``indent``: ``None`` means the template's first-line
    indent; ``False`` means none.
    """

    content: Inlines
    align: Align | None = None
    indent: bool | None = None


@dataclass(frozen=True)
class ListBlock:
    """A bulleted (``ordered=False``, Decree-30 dash style) or numbered list."""

    items: tuple[Inlines, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Cell:
    """A table cell.  ``align`` ``None`` means left for text; writers never guess numbers."""

    content: Inlines
    colspan: int = 1
    rowspan: int = 1
    align: Align | None = None

    def __post_init__(self) -> None:
        if self.colspan < 1 or self.rowspan < 1:
            raise ValueError("cell spans must be at least 1")


@dataclass(frozen=True)
class Table:
    """A table with header rows (repeated on every page) and body rows.

    ``widths``: relative column widths summing to 1.0 (equal when not given);
    writers take them as preferences and widen a column too narrow for its
    widest word or number (``briefgen.writers._columns``).
    Rows are padded with empty cells so that every row covers ``columns``
    columns once spans are counted; writers may rely on that.  A cell covered
    by a rowspan from above is *not* present in the following rows.
    """

    header: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] = ()
    caption: Inlines = ()
    columns: int = 0

    def __post_init__(self) -> None:
        rows = self.header + self.body
        columns = _column_count(rows)
        if columns == 0:
            raise ValueError("a table needs at least one cell")
        header, body = _pad_rows(self.header, self.body, columns)
        widths = self.widths
        if not widths:
            widths = tuple(1.0 / columns for _ in range(columns))
        elif len(widths) != columns:
            raise ValueError(f"table has {columns} columns but {len(widths)} widths")
        total = sum(widths)
        if total <= 0 or any(w <= 0 for w in widths):
            raise ValueError("table widths must be positive")
        widths = tuple(w / total for w in widths)
        object.__setattr__(self, "header", header)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "columns", columns)


def _row_slots(rows: Sequence[Sequence[Cell]]) -> list[int]:
    """How many columns each row covers, counting rowspans from rows above."""
    carried: dict[int, int] = {}  # row index -> columns taken by rowspans from above
    covered: list[int] = []
    for index, row in enumerate(rows):
        width = sum(cell.colspan for cell in row) + carried.get(index, 0)
        covered.append(width)
        for cell in row:
            for below in range(index + 1, index + cell.rowspan):
                carried[below] = carried.get(below, 0) + cell.colspan
    return covered


def _column_count(rows: Sequence[Sequence[Cell]]) -> int:
    return max(_row_slots(rows), default=0)


def _pad_rows(
    header: tuple[tuple[Cell, ...], ...], body: tuple[tuple[Cell, ...], ...], columns: int
) -> tuple[tuple[tuple[Cell, ...], ...], tuple[tuple[Cell, ...], ...]]:
    rows = list(header + body)
    slots = _row_slots(rows)
    padded = [
        tuple(row) + tuple(Cell(()) for _ in range(columns - width))
        for row, width in zip(rows, slots, strict=True)
    ]
    return tuple(padded[: len(header)]), tuple(padded[len(header) :])


@dataclass(frozen=True)
class Series:
    """One data series of a chart: ``values`` aligned with the chart's ``categories``.

    A ``None`` value is a gap (missing data), never a zero.
    """

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows, independent of how it is drawn.

    ``kind``: one of ``briefgen.charts.KINDS`` (``"bar"``, ``"line"``,
    ``"growth"``…).  ``categories``: labels of the category axis (years,
    indicators, provinces).  ``unit``: label of the value axis (``None`` for
    none).  ``highlight``: index of the category to emphasise (``None`` for
    none).  ``better``: for each category, ``"higher"`` or ``"lower"`` (which
    direction is good; ``""`` when neither), or empty when not known.
    ``lang``: number format of labels.
    """

    kind: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str | None = None
    highlight: int | None = None
    lang: str = "vi"
    width_mm: float = 150.0
    height_mm: float = 70.0
    better: tuple[str, ...] = ()


# A drawn chart is a scene: a few kinds of marks in points, origin at the bottom
# left of the chart's box.  Writers draw scenes with their own vector operations.


@dataclass(frozen=True)
class Box:
    """A filled rectangle (bars, backgrounds, legend keys)."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str | None = None
    line_width: float = 0.0


@dataclass(frozen=True)
class Stroke:
    """An open polyline: axes, grid lines, trend lines, reference lines.
    ``dash``: on/off lengths in points (empty for solid)."""

    points: tuple[tuple[float, float], ...]
    colour: str
    line_width: float
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Dot:
    """A filled circle with an optional outline (points on a line, rank markers)."""

    x: float
    y: float
    radius: float
    fill: str
    stroke: str | None = None
    line_width: float = 0.0


@dataclass(frozen=True)
class Label:
    """One line of text; ``(x, y)`` is on the baseline at the ``anchor``
    (``"start"``, ``"middle"`` or ``"end"`` of the text)."""

    x: float
    y: float
    text: str
    size: float
    colour: str
    anchor: Literal["start", "middle", "end"] = "start"
    bold: bool = False


Mark: TypeAlias = Box | Stroke | Dot | Label


@dataclass(frozen=True)
class ChartImage:
    """A chart drawn once and shared by every writer.

    ``scene``: the chart as vector marks, ``width_mm`` × ``height_mm``, in
    drawing order (what PDF draws).  ``raster``: the same scene rasterised at
    ``dpi`` for formats that want pictures (DOCX), as PNG bytes or as a
    function of no arguments that makes them: a picture costs more than the
    rest of a chart, and a PDF never needs one, so ``briefgen.charts`` makes
    it only when a writer reads :attr:`png`.  The function must give the same
    bytes every time (it is called on each read, and may cache).
    """

    raster: bytes | Callable[[], bytes]
    dpi: int
    width_mm: float
    height_mm: float
    scene: tuple[Mark, ...] = ()

    @property
    def png(self) -> bytes:
        """The picture as PNG bytes (made now if ``raster`` is a function)."""
        return self.raster if isinstance(self.raster, bytes) else self.raster()


@dataclass(frozen=True)
class Chart:
    """A chart block.  ``image`` is ``None`` until ``briefgen.charts`` draws it;
    writers refuse an undrawn chart.  ``caption`` prints under the chart."""

    spec: ChartSpec
    caption: Inlines = ()
    image: ChartImage | None = None


Trend: TypeAlias = Literal["up", "down", "flat"]


@dataclass(frozen=True)
class Tile:
    """One key figure: a label, a big value, and a note with its trend.

    ``trend``: direction of the change (``None`` for no arrow); ``good``: whether
    that change is for the better (colours the arrow: ``None`` for neutral).
    """

    label: Inlines
    value: Inlines
    note: Inlines = ()
    trend: Trend | None = None
    good: bool | None = None


@dataclass(frozen=True)
class Tiles:
    """Key figures laid out as a grid of ``columns`` tiles per row."""

    tiles: tuple[Tile, ...]
    columns: int = 3

    def __post_init__(self) -> None:
        if not self.tiles:
            raise ValueError("tiles need at least one tile")
        if not 1 <= self.columns <= 6:
            raise ValueError("tiles take 1 to 6 columns")

    def rows(self) -> tuple[tuple[Tile | None, ...], ...]:
        """The tiles row by row, the last row padded with ``None``."""
        out = []
        for start in range(0, len(self.tiles), self.columns):
            row: list[Tile | None] = list(self.tiles[start : start + self.columns])
            row += [None] * (self.columns - len(row))
            out.append(tuple(row))
        return tuple(out)


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


@dataclass(frozen=True)
class HeaderLine:
    """One line of a letterhead column: text plus an optional rule drawn under it.

    ``size_pt``: ``None`` means the document's body size.  ``rule``: length of
    the rule under the line relative to the line's text (``"none"`` for none).
    """

    content: Inlines
    size_pt: float | None = None
    rule: RuleLength = "none"


@dataclass(frozen=True)
class Picture:
    """An image printed at a fixed size: a logo or emblem.

    ``data``: the bytes of a PNG or JPEG file (checked when the template is
    loaded).  ``width_mm`` × ``height_mm``: the printed size.
    ``description``: alternative text for screen readers (``""`` for none).
    """

    data: bytes = field(repr=False)
    width_mm: float
    height_mm: float
    description: str = ""

    def __post_init__(self) -> None:
        if not (self.width_mm > 0 and self.height_mm > 0):
            raise ValueError("a picture needs a positive width and height")
        object.__setattr__(self, "description", _nfc(self.description))


@dataclass(frozen=True)
class Letterhead:
    """The Decree-30 two-column header (a borderless two-column table).

    ``left``/``right``: stacked centred lines (issuing body | national motto).
    ``left_foot``/``right_foot``: the "Số: …" line and the place-and-date line,
    printed level with each other below the columns (``None`` for none).
    ``left_width``: fraction of the text width taken by the left column.
    ``logo``: the issuing body's logo or emblem (``None`` for none), printed in
    the left column: ``logo_position`` ``"left"`` beside the lines (their
    first line level with the right column's), ``"above"`` over them.
    """

    left: tuple[HeaderLine, ...]
    right: tuple[HeaderLine, ...]
    left_foot: HeaderLine | None = None
    right_foot: HeaderLine | None = None
    left_width: float = 0.4
    logo: Picture | None = None
    logo_position: LogoPosition = "left"

    def __post_init__(self) -> None:
        if not 0.2 <= self.left_width <= 0.8:
            raise ValueError("letterhead left_width must be between 0.2 and 0.8")
        if self.logo_position not in ("left", "above"):
            raise ValueError("letterhead logo_position must be left or above")

    def logo_beside(self, column_mm: float) -> bool:
        """Whether the logo prints beside the left lines in a left column ``column_mm``
        wide: when asked for and when it leaves the lines :data:`LINES_BESIDE_LOGO_MM`;
        otherwise it prints above them."""
        if self.logo is None or self.logo_position != "left":
            return False
        return column_mm - self.logo.width_mm - LOGO_GAP_MM >= LINES_BESIDE_LOGO_MM


LOGO_GAP_MM = 2.0
"""Space between a logo and the letterhead lines beside or under it."""
LINES_BESIDE_LOGO_MM = 35.0
"""Narrowest room for the issuing body's lines beside a logo ("UBND TỈNH" at 13 pt)."""


@dataclass(frozen=True)
class Title:
    """The document kind and summary line ("BÁO CÁO" / "Kết quả …"), centred bold,
    with a short rule under the last line."""

    lines: tuple[Inlines, ...]


@dataclass(frozen=True)
class Addressees:
    """Decree-30 box 9a, "Kính gửi:": the bodies a report is sent up to, under the title.

    ``label``: "Kính gửi:".  ``items``: the addressees as printed, with their
    punctuation.  One item prints on the label's line; several print one a
    line, aligned with each other under the label's colon.
    """

    items: tuple[Inlines, ...]
    label: Inlines = ()

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("addressees need at least one item")


@dataclass(frozen=True)
class Signature:
    """The Decree-30 footer: recipients on the left, the signature block on the right.

    ``recipients``: lines of the "Nơi nhận:" list (empty for none), printed
    after ``recipients_label``.  ``authority``: "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    lines; ``name``: the signer, printed after a gap for the signature.
    ``room_mm``: height of that gap (``None``: the writer's default); signing
    widens it so that a seal at its real size fits without covering text.
    """

    authority: tuple[Inlines, ...]
    name: Inlines
    recipients: tuple[Inlines, ...] = ()
    recipients_label: Inlines = ()
    left_width: float = 0.45
    room_mm: float | None = None

    def __post_init__(self) -> None:
        if not 0.2 <= self.left_width <= 0.8:
            raise ValueError("signature left_width must be between 0.2 and 0.8")
        if self.room_mm is not None and not 5 <= self.room_mm <= 120:
            raise ValueError("signature room_mm must be between 5 and 120")


Block: TypeAlias = (
    Heading
    | Paragraph
    | ListBlock
    | Table
    | Chart
    | Tiles
    | PageBreak
    | Letterhead
    | Title
    | Addressees
    | Signature
)

BLOCK_TYPES: tuple[type, ...] = (
    Heading,
    Paragraph,
    ListBlock,
    Table,
    Chart,
    Tiles,
    PageBreak,
    Letterhead,
    Title,
    Addressees,
    Signature,
)
"""Every block type; the writer contract test renders each through every writer."""


# --------------------------------------------------------------------------- document


@dataclass(frozen=True)
class Margins:
    """Page margins in millimetres."""

    top: float
    bottom: float
    left: float
    right: float


@dataclass(frozen=True)
class PageSetup:
    """Paper and margins.  ``size_mm`` is (width, height) in portrait."""

    size_mm: tuple[float, float] = (210.0, 297.0)
    margins: Margins = field(default_factory=lambda: Margins(20, 20, 30, 15))
    landscape: bool = False
    number_pages: bool = True
    number_first_page: bool = False

    @property
    def width_mm(self) -> float:
        return self.size_mm[1] if self.landscape else self.size_mm[0]

    @property
    def height_mm(self) -> float:
        return self.size_mm[0] if self.landscape else self.size_mm[1]

    @property
    def text_width_mm(self) -> float:
        return self.width_mm - self.margins.left - self.margins.right


@dataclass(frozen=True)
class TextStyle:
    """Body typography shared by every writer.

    ``font``: the family name requested (writers substitute a metric-compatible
    font when it is not available).  ``line_spacing``: multiple of single.
    """

    font: str = "Times New Roman"
    size_pt: float = 13.0
    line_spacing: float = 1.15
    first_line_indent_mm: float = 12.7
    space_after_pt: float = 6.0
    align: Align = "justify"
    heading_size_pt: float = 13.0
    table_size_pt: float = 12.0


@dataclass(frozen=True)
class Meta:
    """Document properties written to PDF metadata and DOCX core properties."""

    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "vi"
    date: dt.date | None = None
    """The document's date (the day it is issued): its creation and modification
    date in both formats; ``None`` writes none (a brief whose date line is left
    blank for the clerk has no date yet)."""


@dataclass(frozen=True)
class Document:
    """A whole brief: metadata, page setup, typography and blocks.

    ``reference_docx``: a Word document whose styles, headers and footers the
    DOCX writer starts from, as pandoc's ``--reference-doc`` (``None`` for
    briefgen's own); other writers ignore it.  ``draft``: every page is marked
    "DỰ THẢO" (in the margin, never over text) and the brief cannot be signed.
    """

    blocks: tuple[Block, ...]
    meta: Meta = field(default_factory=Meta)
    page: PageSetup = field(default_factory=PageSetup)
    style: TextStyle = field(default_factory=TextStyle)
    reference_docx: bytes | None = field(default=None, repr=False)
    draft: bool = False

    def iter_blocks(self) -> Iterator[Block]:
        """Every block in document order."""
        return iter(self.blocks)

    def charts(self) -> tuple[Chart, ...]:
        """Every chart block, in order."""
        return tuple(b for b in self.blocks if isinstance(b, Chart))

    def with_blocks(self, blocks: Iterable[Block]) -> Self:
        """A copy with other blocks (same class, metadata and layout)."""
        return replace(self, blocks=tuple(blocks))


# --------------------------------------------------------------------------- text dump


def dump(document: Document) -> str:
    """A stable text form of the document for golden tests and debugging.

    Chart images are summarised (their presence only), so a dump does not
    change when a chart library changes its pixels.
    """
    lines: list[str] = [f"document lang={document.meta.language} title={document.meta.title!r}"]
    if document.meta.date is not None:
        lines[0] += f" date={document.meta.date.isoformat()}"
    if document.draft:
        lines[0] += " draft"
    for block in document.blocks:
        lines.extend(_dump_block(block, "  "))
    return "\n".join(lines) + "\n"


def _dump_inlines(inlines: Iterable[Inline]) -> str:
    parts: list[str] = []
    for node in inlines:
        match node:
            case Text(text=text):
                parts.append(text)
            case Strong(children=children):
                parts.append(f"**{_dump_inlines(children)}**")
            case Emph(children=children):
                parts.append(f"_{_dump_inlines(children)}_")
            case LineBreak():
                parts.append("⏎")
    return "".join(parts)


def _dump_header_line(line: HeaderLine) -> str:
    extras = []
    if line.size_pt is not None:
        extras.append(f"{line.size_pt:g}pt")
    if line.rule != "none":
        extras.append(f"rule={line.rule}")
    suffix = f" [{' '.join(extras)}]" if extras else ""
    return f"{_dump_inlines(line.content)}{suffix}"


def _dump_block(block: Block, pad: str) -> list[str]:
    """The dump lines of one block, each starting with ``pad``."""
    match block:
        case Heading(level=level, content=content):
            return [f"{pad}h{level} {_dump_inlines(content)}"]
        case Paragraph(content=content, align=align, indent=indent):
            attrs = "".join(
                [f" align={align}" if align else "", " noindent" if indent is False else ""]
            )
            return [f"{pad}p{attrs} {_dump_inlines(content)}"]
        case ListBlock(items=items, ordered=ordered):
            mark = "1." if ordered else "-"
            return [f"{pad}{'ol' if ordered else 'ul'}"] + [
                f"{pad}  {mark} {_dump_inlines(item)}" for item in items
            ]
        case Table():
            return _dump_table(block, pad)
        case Chart():
            return _dump_chart(block, pad)
        case Tiles():
            return _dump_tiles(block, pad)
        case PageBreak():
            return [f"{pad}pagebreak"]
        case Letterhead():
            return _dump_letterhead(block, pad)
        case Title(lines=title_lines):
            return [f"{pad}title"] + [f"{pad}  {_dump_inlines(line)}" for line in title_lines]
        case Addressees(items=items, label=label):
            return [f"{pad}addressees {_dump_inlines(label)}"] + [
                f"{pad}  {_dump_inlines(item)}" for item in items
            ]
        case Signature():
            return _dump_signature(block, pad)
    raise TypeError(f"unknown block {block!r}")


def _dump_table(table: Table, pad: str) -> list[str]:
    """The dump lines of a table: its widths, caption, header and body rows."""
    out = [f"{pad}table widths={','.join(f'{w:.3f}' for w in table.widths)}"]
    if table.caption:
        out.append(f"{pad}  caption {_dump_inlines(table.caption)}")
    for kind, rows in (("th", table.header), ("td", table.body)):
        for row in rows:
            cells = " | ".join(_dump_cell(c) for c in row)
            out.append(f"{pad}  {kind} {cells}")
    return out


def _dump_chart(chart: Chart, pad: str) -> list[str]:
    """The dump lines of a chart: its spec and caption, and whether it is drawn."""
    spec = chart.spec
    out = [
        f"{pad}chart {spec.kind} {spec.title!r} unit={spec.unit!r} "
        f"highlight={spec.highlight} {spec.width_mm:g}x{spec.height_mm:g}mm"
        f"{' drawn' if chart.image else ''}",
        f"{pad}  categories {', '.join(spec.categories)}",
    ]
    if spec.better:
        out.append(f"{pad}  better {', '.join(b or '—' for b in spec.better)}")
    for series in spec.series:
        values = ", ".join("—" if v is None else f"{v:.12g}" for v in series.values)
        out.append(f"{pad}  series {series.label!r}: {values}")
    if chart.caption:
        out.append(f"{pad}  caption {_dump_inlines(chart.caption)}")
    return out


def _dump_tiles(tiles: Tiles, pad: str) -> list[str]:
    """The dump lines of key figures: one a tile, with its trend arrow and mood."""
    out = [f"{pad}tiles columns={tiles.columns}"]
    for tile in tiles.tiles:
        arrow = {"up": "▲", "down": "▼", "flat": "►", None: ""}[tile.trend]
        mood = {True: "+", False: "-", None: ""}[tile.good]
        out.append(
            f"{pad}  tile {_dump_inlines(tile.label)} = {_dump_inlines(tile.value)}"
            f" | {arrow}{mood} {_dump_inlines(tile.note)}".rstrip()
        )
    return out


def _dump_letterhead(letterhead: Letterhead, pad: str) -> list[str]:
    """The dump lines of a letterhead: its logo, both columns and their foot lines."""
    out = [f"{pad}letterhead left_width={letterhead.left_width:g}"]
    if letterhead.logo is not None:
        logo = letterhead.logo
        out.append(
            f"{pad}  logo {letterhead.logo_position} {logo.width_mm:g}x{logo.height_mm:g}mm"
            f" {len(logo.data)} bytes {logo.description!r}"
        )
    out += [f"{pad}  left  {_dump_header_line(line)}" for line in letterhead.left]
    out += [f"{pad}  right {_dump_header_line(line)}" for line in letterhead.right]
    if letterhead.left_foot is not None:
        out.append(f"{pad}  left-foot  {_dump_header_line(letterhead.left_foot)}")
    if letterhead.right_foot is not None:
        out.append(f"{pad}  right-foot {_dump_header_line(letterhead.right_foot)}")
    return out


def _dump_signature(signature: Signature, pad: str) -> list[str]:
    """The dump lines of a signature: recipients, authority, signer and signing room."""
    out = [f"{pad}signature"]
    if signature.recipients or signature.recipients_label:
        out.append(f"{pad}  recipients {_dump_inlines(signature.recipients_label)}")
        out += [f"{pad}    {_dump_inlines(r)}" for r in signature.recipients]
    out += [f"{pad}  authority {_dump_inlines(a)}" for a in signature.authority]
    out.append(f"{pad}  name {_dump_inlines(signature.name)}")
    if signature.room_mm is not None:
        out.append(f"{pad}  room {signature.room_mm:g}mm")
    return out


def _dump_cell(cell: Cell) -> str:
    spans = ""
    if cell.colspan > 1:
        spans += f"{{c{cell.colspan}}}"
    if cell.rowspan > 1:
        spans += f"{{r{cell.rowspan}}}"
    if cell.align:
        spans += f"{{{cell.align}}}"
    return f"{spans}{_dump_inlines(cell.content)}"


def texts(document: Document) -> Iterator[str]:
    """Every line of text the document holds, block by block, in reading order.

    Chart images contribute their captions only.  Used to check that a writer
    printed everything (tests) and for plain-text renderings.
    """

    def lines(inlines: Inlines) -> Iterator[str]:
        yield from (line for line in plain(inlines).split("\n") if line)

    for block in document.blocks:
        match block:
            case Heading(content=content) | Paragraph(content=content):
                yield from lines(content)
            case ListBlock(items=items):
                for item in items:
                    yield from lines(item)
            case Table(header=header, body=body, caption=caption):
                yield from lines(caption)
                for row in header + body:
                    for cell in row:
                        yield from lines(cell.content)
            case Chart(caption=caption):
                yield from lines(caption)
            case Tiles(tiles=tiles):
                for tile in tiles:
                    for part in (tile.label, tile.value, tile.note):
                        yield from lines(part)
            case Letterhead(left=left, right=right, left_foot=left_foot, right_foot=right_foot):
                for header_line in (*left, *right, left_foot, right_foot):
                    if header_line is not None:
                        yield from lines(header_line.content)
            case Title(lines=title_lines):
                for title_line in title_lines:
                    yield from lines(title_line)
            case Addressees(items=items, label=label):
                for part in (label, *items):
                    yield from lines(part)
            case Signature(authority=authority, name=name, recipients=rs, recipients_label=rl):
                for part in (*authority, name, *rs, rl):
                    yield from lines(part)
            case PageBreak():
                pass
            case _:
                assert_never(block)


def block_fields(block: Block) -> dict[str, object]:
    """The fields of a block as a dict (for generic tests)."""
    return {f.name: getattr(block, f.name) for f in fields(block)}
