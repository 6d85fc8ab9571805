"""Parse the XML vocabulary that templates emit into the document model.

The vocabulary is small and closed: every tag is one model block or inline.
An unknown tag or attribute is an error that names the template line where
the tag is written (found by searching the template sources, since Jinja's
output lines do not map back to template lines) and the output line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar
from xml.parsers import expat

from briefgen import charts
from briefgen import model as m
from briefgen.errors import Location, TemplateError
from briefgen.template.settings import LOGO_HEIGHT_MM, Logo

_SPACE = re.compile(r"[ \t\r\n]+")  # XML white space only: NBSP is content

CHART_MM = (20.0, 420.0)
"""Smallest and largest chart side in mm (420: the long side of A3).  Writers shrink a
chart to the text area; these bounds keep the drawing itself to a sane size."""
FONT_PT = (6.0, 36.0)
"""Smallest and largest font size a template may set on a letterhead line."""
MAX_COLUMNS = 100
"""Most columns a cell may span."""
MAX_ROWSPAN = 1000
"""Most rows a cell may span."""
MAX_TILE_COLUMNS = 6
"""Most tiles in one row."""


@dataclass
class Element:
    """A parsed XML element with the output line it started on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Element | str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceMap:
    """Finds where a literal was written in the template sources.

    ``sources``: (template name, text) pairs, the entry template first.
    ``output``: the rendered XML, for quoting the output line.
    """

    sources: tuple[tuple[str, str], ...]
    output: str

    def locate(self, needle: str, fallback_line: int) -> tuple[str, int, str]:
        """(template name, line, source line) where ``needle`` is written."""
        for name, text in self.sources:
            position = text.find(needle)
            if position >= 0:
                line = text.count("\n", 0, position) + 1
                return name, line, text.splitlines()[line - 1]
        lines = self.output.splitlines()
        quoted = lines[fallback_line - 1] if 0 < fallback_line <= len(lines) else ""
        return f"{self.sources[0][0]} (rendered output)", fallback_line, quoted


class _Parser:
    def __init__(self, text: str, source_map: SourceMap):
        self.source_map = source_map
        self.root: Element | None = None
        self.stack: list[Element] = []
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.text = text

    def parse(self) -> Element:
        try:
            self.parser.Parse(self.text, True)
        except expat.ExpatError as error:
            line = error.lineno
            lines = self.text.splitlines()
            quoted = lines[line - 1] if 0 < line <= len(lines) else ""
            name = self.source_map.sources[0][0]
            raise TemplateError(
                f"the template's output is not well-formed XML: "
                f"{expat.ErrorString(error.code)} at output line {line}",
                Location(file=f"{name} (rendered output)", row=line),
                "check that every tag is closed and that text is not marked |safe",
                source_line=quoted,
            ) from None
        assert self.root is not None  # expat raises on an empty document
        return self.root

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag, dict(attrs), self.parser.CurrentLineNumber)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def _end(self, tag: str) -> None:
        self.stack.pop()

    def _text(self, data: str) -> None:
        if self.stack:
            children = self.stack[-1].children
            if children and isinstance(children[-1], str):
                children[-1] += data
            else:
                children.append(data)


# --------------------------------------------------------------------------- conversion


@dataclass(frozen=True)
class Parsed:
    """The blocks of a document and the attributes of its root element."""

    blocks: tuple[m.Block, ...]
    attrs: dict[str, str]
    date: dt.date | None = None
    """The document's date (its ``date`` attribute), ``None`` when it has none."""


class _Converter:
    def __init__(self, source_map: SourceMap, logo: Logo | None = None):
        self.source_map = source_map
        self.logo = logo

    # -- errors

    def error(self, element: Element, message: str, hint: str | None = None) -> TemplateError:
        name, line, source = self.source_map.locate(f"<{element.tag}", element.line)
        return TemplateError(message, Location(file=name, row=line), hint, source_line=source)

    def check_attrs(self, element: Element, allowed: Sequence[str]) -> None:
        for attr in element.attrs:
            if attr not in allowed:
                options = ", ".join(allowed) if allowed else "none"
                raise self.error(
                    element,
                    f"unknown attribute '{attr}' on <{element.tag}>",
                    f"allowed: {options}",
                )

    def number(self, element: Element, attr: str, default: float | None = None) -> float | None:
        raw = element.attrs.get(attr)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = float(raw.strip().rstrip("%").replace(",", "."))
        except ValueError:
            raise self.error(
                element, f"attribute '{attr}' of <{element.tag}> must be a number, not '{raw}'"
            ) from None
        if not math.isfinite(value):
            raise self.error(
                element,
                f"attribute '{attr}' of <{element.tag}> must be a finite number, not '{raw}'",
            )
        return value

    def bounded(
        self, element: Element, attr: str, default: float, low: float, high: float, unit: str = ""
    ) -> float:
        """Attribute ``attr`` as a number from ``low`` to ``high`` (``default`` when absent)."""
        value = self.number(element, attr, default)
        assert value is not None  # a default is given
        if not low <= value <= high:
            raise self.error(
                element,
                f"attribute '{attr}' of <{element.tag}> must be from {low:g} to {high:g}"
                f"{' ' + unit if unit else ''}, not {element.attrs.get(attr, '')!r}",
            )
        return value

    def whole(self, element: Element, attr: str, default: int, low: int, high: int) -> int:
        """Attribute ``attr`` as a whole number from ``low`` to ``high``."""
        value = self.bounded(element, attr, default, low, high)
        if value != int(value):
            raise self.error(
                element,
                f"attribute '{attr}' of <{element.tag}> must be a whole number, "
                f"not {element.attrs.get(attr, '')!r}",
            )
        return int(value)

    def flag(self, element: Element, attr: str) -> bool | None:
        raw = element.attrs.get(attr)
        if raw is None:
            return None
        value = raw.strip().lower()
        if value in ("true", "yes", "1"):
            return True
        if value in ("false", "no", "0"):
            return False
        raise self.error(element, f"attribute '{attr}' must be true or false, not '{raw}'")

    def choice(self, element: Element, attr: str, options: Sequence[str]) -> str | None:
        raw = element.attrs.get(attr)
        if raw is None:
            return None
        if raw not in options:
            raise self.error(
                element,
                f"attribute '{attr}' of <{element.tag}> is '{raw}'",
                f"use one of: {', '.join(options)}",
            )
        return raw

    # -- document

    def document(self, root: Element) -> Parsed:
        if root.tag != "document":
            raise self.error(root, f"the template must emit <document>, not <{root.tag}>")
        self.check_attrs(root, ("title", "author", "subject", "keywords", "lang", "date"))
        return Parsed(tuple(self.blocks(root)), dict(root.attrs), self.date(root))

    def date(self, root: Element) -> dt.date | None:
        raw = root.attrs.get("date", "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise self.error(
                root,
                f"attribute 'date' of <document> is '{raw}', not a date",
                "write it as YYYY-MM-DD (for example 2025-01-15), or leave it out",
            ) from None

    def blocks(self, parent: Element) -> list[m.Block]:
        out: list[m.Block] = []
        for child in parent.children:
            if isinstance(child, str):
                if child.strip():
                    raise self.error(
                        parent,
                        f"text outside a paragraph inside <{parent.tag}>: '{child.strip()[:40]}'",
                        "wrap text in <p>…</p>",
                    )
                continue
            handler = self.BLOCKS.get(child.tag)
            if handler is None:
                if child.tag in INLINE_TAGS:
                    raise self.error(
                        child, f"<{child.tag}> must be inside a paragraph", "wrap it in <p>…</p>"
                    )
                raise self.error(
                    child,
                    f"unknown tag <{child.tag}>",
                    f"block tags: {', '.join(sorted(self.BLOCKS))}",
                )
            out.append(handler(self, child))
        return out

    def heading(self, element: Element) -> m.Block:
        self.check_attrs(element, ())
        return m.Heading(int(element.tag[1]), self.inlines(element))

    def paragraph(self, element: Element) -> m.Block:
        self.check_attrs(element, ("align", "indent"))
        align = self.choice(element, "align", ("left", "center", "right", "justify"))
        return m.Paragraph(
            self.inlines(element),
            align=align,  # type: ignore[arg-type]
            indent=self.flag(element, "indent"),
        )

    def list_block(self, element: Element) -> m.Block:
        self.check_attrs(element, ())
        items = [self.inlines(li) for li in self.children(element, ("li",))]
        if not items:
            raise self.error(element, f"<{element.tag}> has no <li> items")
        return m.ListBlock(tuple(items), ordered=element.tag == "ol")

    def table(self, element: Element) -> m.Block:
        self.check_attrs(element, ("widths",))
        caption: m.Inlines = ()
        header: list[tuple[m.Cell, ...]] = []
        body: list[tuple[m.Cell, ...]] = []
        for child in self.children(element, ("caption", "tr")):
            if child.tag == "caption":
                self.check_attrs(child, ())
                caption = self.inlines(child)
                continue
            self.check_attrs(child, ())
            cells = self.children(child, ("th", "td"))
            if not cells:
                raise self.error(child, "<tr> has no <th> or <td> cells")
            kinds = {c.tag for c in cells}
            row = tuple(self.cell(c) for c in cells)
            if kinds == {"th"} and not body:
                header.append(row)
            else:
                body.append(row)
        if not header and not body:
            raise self.error(element, "<table> has no rows")
        widths: tuple[float, ...] = ()
        if "widths" in element.attrs:
            try:
                widths = tuple(
                    float(w.strip().rstrip("%")) for w in element.attrs["widths"].split(",")
                )
                if not all(math.isfinite(w) for w in widths):
                    raise ValueError("not finite")
            except ValueError:
                raise self.error(
                    element,
                    f"widths must be numbers separated by commas: '{element.attrs['widths']}'",
                ) from None
        try:
            return m.Table(tuple(header), tuple(body), widths, caption)
        except ValueError as error:
            raise self.error(element, str(error)) from None

    def cell(self, element: Element) -> m.Cell:
        self.check_attrs(element, ("colspan", "rowspan", "align"))
        colspan = self.whole(element, "colspan", 1, 1, MAX_COLUMNS)
        rowspan = self.whole(element, "rowspan", 1, 1, MAX_ROWSPAN)
        align = self.choice(element, "align", ("left", "center", "right", "justify"))
        return m.Cell(self.inlines(element), colspan, rowspan, align)  # type: ignore[arg-type]

    def chart(self, element: Element) -> m.Block:
        self.check_attrs(element, ("kind", "title", "unit", "highlight", "width", "height", "lang"))
        kind = element.attrs.get("kind")
        if not kind:
            raise self.error(element, "<chart> needs a kind")
        categories: list[str] = []
        better: list[str] = []
        series: list[m.Series] = []
        caption: m.Inlines = ()
        for child in self.children(element, ("x", "series", "caption")):
            if child.tag == "x":
                self.check_attrs(child, ("better",))
                categories.append(m.plain(self.inlines(child)))
                better.append(self.choice(child, "better", ("higher", "lower", "")) or "")
            elif child.tag == "caption":
                self.check_attrs(child, ())
                caption = self.inlines(child)
            else:
                self.check_attrs(child, ("label",))
                values = tuple(
                    self.number(v, "value") if "value" in v.attrs else self.text_number(v)
                    for v in self.children(child, ("v",))
                )
                series.append(m.Series(child.attrs.get("label", ""), values))
        for s in series:
            if len(s.values) != len(categories):
                raise self.error(
                    element,
                    f"series '{s.label}' has {len(s.values)} values for "
                    f"{len(categories)} categories",
                )
        highlight = self.number(element, "highlight")
        spec = m.ChartSpec(
            kind=kind,
            title=element.attrs.get("title", ""),
            categories=tuple(categories),
            series=tuple(series),
            unit=element.attrs.get("unit") or None,
            highlight=int(highlight) if highlight is not None else None,
            lang=element.attrs.get("lang", "vi"),
            width_mm=self.bounded(element, "width", 150.0, *CHART_MM, "mm"),
            height_mm=self.bounded(element, "height", 70.0, *CHART_MM, "mm"),
            better=tuple(better) if any(better) else (),
        )
        try:
            charts.check(spec)
        except TemplateError as error:
            raise self.error(element, error.message, error.hint) from None
        return m.Chart(spec, caption)

    def text_number(self, element: Element) -> float | None:
        self.check_attrs(element, ("value",))
        text = "".join(c for c in element.children if isinstance(c, str)).strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            raise self.error(element, f"<v> must hold a number or nothing, not '{text}'") from None
        if not math.isfinite(value):
            raise self.error(
                element, f"<v> must hold a finite number or nothing, not '{text}'"
            ) from None
        return value

    def tiles(self, element: Element) -> m.Block:
        self.check_attrs(element, ("columns",))
        columns = self.whole(element, "columns", 3, 1, MAX_TILE_COLUMNS)
        tiles: list[m.Tile] = []
        for tile in self.children(element, ("tile",)):
            self.check_attrs(tile, ("trend", "good"))
            parts: dict[str, m.Inlines] = {}
            for part in self.children(tile, ("label", "value", "note")):
                self.check_attrs(part, ())
                parts[part.tag] = self.inlines(part)
            if "value" not in parts:
                raise self.error(tile, "<tile> needs a <value>")
            trend = self.choice(tile, "trend", ("up", "down", "flat"))
            tiles.append(
                m.Tile(
                    parts.get("label", ()),
                    parts["value"],
                    parts.get("note", ()),
                    trend,  # type: ignore[arg-type]
                    self.flag(tile, "good"),
                )
            )
        try:
            return m.Tiles(tuple(tiles), columns)
        except ValueError as error:
            raise self.error(element, str(error)) from None

    def pagebreak(self, element: Element) -> m.Block:
        self.check_attrs(element, ())
        return m.PageBreak()

    def header_line(self, element: Element) -> m.HeaderLine:
        self.check_attrs(element, ("size", "rule"))
        rule = self.choice(element, "rule", ("none", "third", "half", "full")) or "none"
        size = (
            self.bounded(element, "size", 13.0, *FONT_PT, "pt") if "size" in element.attrs else None
        )
        return m.HeaderLine(
            self.inlines(element),
            size,
            rule,  # type: ignore[arg-type]
        )

    def letterhead(self, element: Element) -> m.Block:
        self.check_attrs(element, ("left-width",))
        left: tuple[m.HeaderLine, ...] = ()
        right: tuple[m.HeaderLine, ...] = ()
        left_foot = right_foot = None
        logo: m.Picture | None = None
        position: m.LogoPosition = "left"
        for child in self.children(element, ("logo", "left", "right", "number", "dateline")):
            if child.tag == "logo":
                logo, position = self.letterhead_logo(child)
            elif child.tag in ("left", "right"):
                self.check_attrs(child, ())
                lines = tuple(self.header_line(c) for c in self.children(child, ("line",)))
                if child.tag == "left":
                    left = lines
                else:
                    right = lines
            elif child.tag == "number":
                left_foot = self.header_line(child)
            else:
                right_foot = self.header_line(child)
        width = self._fraction(element, "left-width", 0.4)
        try:
            return m.Letterhead(left, right, left_foot, right_foot, width, logo, position)
        except ValueError as error:
            raise self.error(element, str(error)) from None

    def letterhead_logo(self, element: Element) -> tuple[m.Picture, m.LogoPosition]:
        """``<logo/>``: the template's logo (template.yaml ``logo``), optionally placed
        (``position``) or sized (``height`` in mm, the width following) otherwise."""
        self.check_attrs(element, ("position", "height"))
        if element.children:
            raise self.error(element, "<logo/> holds nothing", "write <logo/>")
        if self.logo is None:
            raise self.error(
                element,
                "<logo/> but the template sets no logo",
                "set 'logo: {file: logo.png}' in template.yaml, or emit <logo/> only {% if logo %}",
            )
        chosen = self.choice(element, "position", ("left", "above"))
        position: m.LogoPosition = self.logo.position
        if chosen is not None:
            position = "above" if chosen == "above" else "left"
        height = self.number(element, "height")
        picture = self.logo.picture
        if height is not None:
            if not LOGO_HEIGHT_MM[0] <= height <= LOGO_HEIGHT_MM[1]:
                raise self.error(
                    element,
                    f"<logo> height must be {LOGO_HEIGHT_MM[0]:g} to {LOGO_HEIGHT_MM[1]:g} mm, "
                    f"not {height:g}",
                )
            scale = height / picture.height_mm
            picture = m.Picture(picture.data, picture.width_mm * scale, height, picture.description)
        return picture, position

    def addressees(self, element: Element) -> m.Block:
        """``<addressees label="Kính gửi:">`` of ``<item>``s (Decree-30 box 9a)."""
        self.check_attrs(element, ("label",))
        label = (m.Text(element.attrs.get("label", "Kính gửi:")),)
        items: list[m.Inlines] = []
        for item in self.children(element, ("item",)):
            self.check_attrs(item, ())
            items.append(self.inlines(item))
        if not items:
            raise self.error(element, "<addressees> has no <item>")
        return m.Addressees(tuple(items), label)

    def title(self, element: Element) -> m.Block:
        self.check_attrs(element, ())
        lines = tuple(self.inlines(c) for c in self.children(element, ("line",)))
        if not lines:
            raise self.error(element, "<title> needs at least one <line>")
        return m.Title(lines)

    def signature(self, element: Element) -> m.Block:
        self.check_attrs(element, ("left-width", "room-mm"))
        authority: list[m.Inlines] = []
        name: m.Inlines = ()
        recipients: tuple[m.Inlines, ...] = ()
        label: m.Inlines = ()
        for child in self.children(element, ("recipients", "authority", "name")):
            if child.tag == "recipients":
                self.check_attrs(child, ("label",))
                label = (m.Text(child.attrs.get("label", "Nơi nhận:")),)
                recipients = tuple(self.inlines(i) for i in self.children(child, ("item",)))
            elif child.tag == "authority":
                self.check_attrs(child, ())
                authority.append(self.inlines(child))
            else:
                self.check_attrs(child, ())
                name = self.inlines(child)
        width = self._fraction(element, "left-width", 0.45)
        room = self.number(element, "room-mm")
        try:
            return m.Signature(tuple(authority), name, recipients, label, width, room_mm=room)
        except ValueError as error:
            raise self.error(element, str(error)) from None

    # -- helpers

    def _fraction(self, element: Element, attr: str, default: float) -> float:
        """A width given as a fraction (0.42) or a percentage (42, "42%")."""
        value = self.number(element, attr, default)
        assert value is not None  # a default is given
        return value / 100 if value > 1 else value

    def children(self, element: Element, allowed: Sequence[str]) -> list[Element]:
        out: list[Element] = []
        for child in element.children:
            if isinstance(child, str):
                if child.strip():
                    raise self.error(
                        element,
                        f"text directly inside <{element.tag}>: '{child.strip()[:40]}'",
                        f"<{element.tag}> holds only: {', '.join(allowed)}",
                    )
                continue
            if child.tag not in allowed:
                raise self.error(
                    child,
                    f"<{child.tag}> is not allowed inside <{element.tag}>",
                    f"<{element.tag}> holds only: {', '.join(allowed)}",
                )
            out.append(child)
        return out

    def inlines(self, element: Element) -> m.Inlines:
        nodes = self._inline_nodes(element)
        return _trim(m.normalise_inlines(nodes))

    def _inline_nodes(self, element: Element) -> list[m.Inline]:
        out: list[m.Inline] = []
        for child in element.children:
            if isinstance(child, str):
                out.append(m.Text(_SPACE.sub(" ", child)))
                continue
            self.check_attrs(child, ())
            match child.tag:
                case "b":
                    out.append(m.Strong(m.normalise_inlines(self._inline_nodes(child))))
                case "i":
                    out.append(m.Emph(m.normalise_inlines(self._inline_nodes(child))))
                case "br":
                    out.append(m.LineBreak())
                case _:
                    raise self.error(
                        child,
                        f"<{child.tag}> is not allowed inside <{element.tag}>",
                        "inline tags: b, i, br",
                    )
        return out

    BLOCKS: ClassVar[dict[str, Callable[[_Converter, Element], m.Block]]] = {
        "h1": heading,
        "h2": heading,
        "h3": heading,
        "p": paragraph,
        "ul": list_block,
        "ol": list_block,
        "table": table,
        "chart": chart,
        "tiles": tiles,
        "pagebreak": pagebreak,
        "letterhead": letterhead,
        "title": title,
        "addressees": addressees,
        "signature": signature,
    }


INLINE_TAGS = ("b", "i", "br")


def _trim(inlines: m.Inlines) -> m.Inlines:
    """Strip white space at the start and end of inline content (and around breaks)."""
    items = list(inlines)
    if items and isinstance(items[0], m.Text):
        items[0] = m.Text(items[0].text.lstrip())
    if items and isinstance(items[-1], m.Text):
        items[-1] = m.Text(items[-1].text.rstrip())
    for index, node in enumerate(items):
        if isinstance(node, m.LineBreak):
            if index > 0 and isinstance(items[index - 1], m.Text):
                previous = items[index - 1]
                assert isinstance(previous, m.Text)
                items[index - 1] = m.Text(previous.text.rstrip())
            if index + 1 < len(items) and isinstance(items[index + 1], m.Text):
                following = items[index + 1]
                assert isinstance(following, m.Text)
                items[index + 1] = m.Text(following.text.lstrip())
    return m.normalise_inlines(items)


def parse(text: str, source_map: SourceMap, logo: Logo | None = None) -> Parsed:
    """Parse rendered template output into blocks; errors name the template line.

    ``logo``: what ``<logo/>`` places (the template's setting; ``None`` makes
    ``<logo/>`` an error).
    """
    root = _Parser(text, source_map).parse()
    return _Converter(source_map, logo).document(root)
