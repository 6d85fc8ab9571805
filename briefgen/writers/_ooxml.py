"""Raw OOXML helpers for the DOCX writer: what python-docx has no friendly API for.

As python-docx keeps its lxml element classes in ``docx/oxml`` and its
friendly objects elsewhere, every XPath, ``w:`` tag and child-order rule the
DOCX writer needs lives here, and ``docx.py`` stays free of raw XML.  The
helpers take python-docx objects (or their elements) and change them in
place.  Element order inside ``w:pPr``, ``w:rPr``, ``w:tblPr`` and ``w:trPr``
follows the schema sequence, because Word refuses files that break it even
where LibreOffice does not.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterable
from typing import Literal

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import _Header
from docx.shape import InlineShape
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

# --------------------------------------------------------------------------- schema order
# Successors of the children we insert ourselves (ECMA-376 part 1, §17.3.1.26, §17.3.2.28,
# §17.4.60, §17.4.82): python-docx only declares the children it manages.

_PPR_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_RPR_AFTER_RFONTS = (
    "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike", "w:dstrike",
    "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish",
    "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
    "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_TBLPR_AFTER_TBLW = (
    "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout",
    "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)  # fmt: skip
_TBLPR_AFTER_BORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip
_TBLPR_AFTER_CELLMAR = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
_TRPR_AFTER_CANTSPLIT = (
    "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
    "w:trPrChange",
)  # fmt: skip
_TRPR_AFTER_TBLHEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange")

_BORDER_SIDES = ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV")


def _replace_child(
    parent: BaseOxmlElement, child: BaseOxmlElement, successors: Iterable[str]
) -> None:
    """Put ``child`` in ``parent`` in schema order, dropping any older element of its tag."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    parent.insert_element_before(child, *successors)


# --------------------------------------------------------------------------- text


# XML 1.0 cannot carry C0 controls other than tab/newline/return, lone surrogates,
# or U+FFFE/U+FFFF; lxml raises on them, so a stray one in a record would abort a batch.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (everything else stays literal)."""
    return _XML_ILLEGAL.sub("", text)


# --------------------------------------------------------------------------- styles


def _fonts_element(font: str) -> BaseOxmlElement:
    # Only explicit names, no w:asciiTheme & co.: a theme attribute wins over an explicit one
    # in Word, which is how python-docx's template keeps Calibri/Cambria in headings.
    rfonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attribute), font)
    return rfonts


def _language_element(tag: str) -> BaseOxmlElement:
    lang = OxmlElement("w:lang")
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), tag)
    return lang


def set_run_defaults(styles: Styles, font: str, language: str, size_half_points: int) -> None:
    """Set the document defaults (``w:docDefaults``): font for every script, language, size.

    Styles that do not derive from Normal (table styles, the default character
    style) inherit from here, so nothing falls back to the template's theme fonts.
    """
    root = styles.element
    defaults = root.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        root.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    for old in rpr_default.findall(qn("w:rPr")):
        rpr_default.remove(old)
    rpr = OxmlElement("w:rPr")
    rpr.append(_fonts_element(font))
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), str(size_half_points))
        rpr.append(size)
    rpr.append(_language_element(language))
    rpr_default.append(rpr)


def set_style_fonts(style: BaseStyle, font: str) -> None:
    """Give ``style`` the font ``font`` for ASCII, high ANSI, East Asian and complex scripts."""
    rpr = style.element.get_or_add_rPr()
    _replace_child(rpr, _fonts_element(font), _RPR_AFTER_RFONTS)


def set_style_language(style: BaseStyle, tag: str) -> None:
    """Mark ``style``'s text as language ``tag`` ("vi-VN") for spelling and hyphenation."""
    rpr = style.element.get_or_add_rPr()
    _replace_child(rpr, _language_element(tag), _RPR_AFTER_LANG)


def set_style_size(style: BaseStyle, size_pt: float) -> None:
    """Set ``style``'s font size for every script (``w:sz`` and ``w:szCs``).

    python-docx's ``font.size`` sets ``w:sz`` only and would leave the
    template's complex-script sizes (``w:szCs``) disagreeing with it.
    """
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), str(round(size_pt * 2)))
        _replace_child(rpr, size, _RPR_AFTER_RFONTS[_RPR_AFTER_RFONTS.index(tag) + 1 :])


# --------------------------------------------------------------------------- paragraphs


def set_paragraph_style(paragraph: Paragraph, style: BaseStyle) -> None:
    """Give ``paragraph`` the style ``style`` by its id.

    ``Paragraph.style = ...`` looks for the default style among all of the
    template's styles on every call, which dominates the time of big tables;
    a new paragraph (no properties yet) gets its ``w:pPr`` built directly.
    """
    p = paragraph._p
    if p.pPr is None:
        ppr = OxmlElement("w:pPr")
        ppr.append(OxmlElement("w:pStyle", {qn("w:val"): style.style_id}))
        p.insert(0, ppr)
    else:
        p.pPr.style = style.style_id


_PRESERVE = "{http://www.w3.org/XML/1998/namespace}space"


def append_run(
    paragraph: Paragraph,
    text: str | None,
    *,
    bold: bool = False,
    italic: bool = False,
    half_points: int | None = None,
) -> None:
    """Append a run of ``text`` (``None``: a line break) to ``paragraph``.

    Builds the ``w:r`` directly, properties in schema order (``w:b``, ``w:i``,
    ``w:sz``, ``w:szCs``): python-docx's ``add_run`` and font setters search for
    each property's place on every call, the bulk of a brief's DOCX time.
    """
    run = OxmlElement("w:r")
    if bold or italic or half_points is not None:
        rpr = OxmlElement("w:rPr")
        if bold:
            rpr.append(OxmlElement("w:b"))
        if italic:
            rpr.append(OxmlElement("w:i"))
        if half_points is not None:
            rpr.append(OxmlElement("w:sz", {qn("w:val"): str(half_points)}))
            rpr.append(OxmlElement("w:szCs", {qn("w:val"): str(half_points)}))
        run.append(rpr)
    if text is None:
        run.append(OxmlElement("w:br"))
    else:
        t = OxmlElement("w:t")
        t.text = text
        if text != text.strip(" ") or "  " in text:
            t.set(_PRESERVE, "preserve")
        run.append(t)
    paragraph._p.append(run)


def keep_last_paragraph_with_next(document: DocxDocument) -> None:
    """Keep the body's last paragraph on the page of what comes next (``w:keepNext``);
    nothing when the body ends with a table or is empty."""
    for child in reversed(document.element.body):
        if child.tag == qn("w:sectPr"):
            continue
        if child.tag == qn("w:p"):
            Paragraph(child, document._body).paragraph_format.keep_with_next = True
        return


def set_bottom_border(paragraph: Paragraph, weight_eighths: int, space_pt: int = 0) -> None:
    """Draw a single black rule along the bottom of ``paragraph`` (between its indents)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(weight_eighths))
    bottom.set(qn("w:space"), str(space_pt))
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    _replace_child(ppr, borders, _PPR_AFTER_PBDR)


def add_page_field(paragraph: Paragraph, size_half_points: int) -> None:
    """Append a PAGE field (the current page number) to ``paragraph``.

    A complex field (``w:fldChar`` begin / ``w:instrText`` / separate / result /
    end) rather than ``w:fldSimple``: Word, LibreOffice and most converters all
    update it, and the result run ("1") shows in readers that do not.
    """

    def run(*children: BaseOxmlElement) -> None:
        r = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        for tag in ("w:sz", "w:szCs"):
            size = OxmlElement(tag)
            size.set(qn("w:val"), str(size_half_points))
            rpr.append(size)
        r.append(rpr)
        for child in children:
            r.append(child)
        paragraph._p.append(r)

    def fld_char(kind: Literal["begin", "separate", "end"]) -> BaseOxmlElement:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    instruction = OxmlElement("w:instrText")
    instruction.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instruction.text = " PAGE "
    result = OxmlElement("w:t")
    result.text = "1"
    run(fld_char("begin"))
    run(instruction)
    run(fld_char("separate"))
    run(result)
    run(fld_char("end"))


def set_picture_description(shape: InlineShape, text: str) -> None:
    """Give a picture its alternative text (``wp:docPr/@descr``), read aloud by screen readers."""
    shape._inline.docPr.set("descr", text)


def clear_picture_distance(shape: InlineShape) -> None:
    """No space around an inline picture (``wp:inline/@distL`` …): without the
    attributes LibreOffice keeps 0.125 in free on each side, pushing a logo aside."""
    for side in ("distT", "distB", "distL", "distR"):
        shape._inline.set(side, "0")


# --------------------------------------------------------------------------- tables


def body_ends_with_table(document: DocxDocument) -> bool:
    """Whether the last block of the body is a table.

    Word joins two tables with nothing between them into one, so the writer
    puts a paragraph between consecutive tables.
    """
    for child in reversed(document.element.body):
        if child.tag != qn("w:sectPr"):
            return bool(child.tag == qn("w:tbl"))
    return False


def _row_properties(row: _Row) -> BaseOxmlElement:
    trpr: BaseOxmlElement = row._tr.get_or_add_trPr()
    return trpr


def mark_header_row(row: _Row) -> None:
    """Repeat ``row`` at the top of every page the table runs onto (``w:tblHeader``)."""
    _replace_child(_row_properties(row), OxmlElement("w:tblHeader"), _TRPR_AFTER_TBLHEADER)


def keep_row_together(row: _Row) -> None:
    """Forbid a page break inside ``row`` (``w:cantSplit``)."""
    _replace_child(_row_properties(row), OxmlElement("w:cantSplit"), _TRPR_AFTER_CANTSPLIT)


def set_table_width(table: Table, twips: int) -> None:
    """Fix the table's preferred width (``w:tblW``) in twips; python-docx leaves it "auto"."""
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(twips))
    width.set(qn("w:type"), "dxa")
    _replace_child(table._tbl.tblPr, width, _TBLPR_AFTER_TBLW)


def remove_table_borders(table: Table, inner_gap: tuple[str, int] | None = None) -> None:
    """Make ``table`` borderless whatever its style says (letterhead and signature layouts).

    ``inner_gap`` (colour hex, eighths of a point) draws the inside lines in that
    colour instead: white lines between shaded cells read as separate tiles.
    """
    borders = OxmlElement("w:tblBorders")
    for side in _BORDER_SIDES:
        edge = OxmlElement(side)
        if inner_gap is not None and side in ("w:insideH", "w:insideV"):
            edge.set(qn("w:val"), "single")
            edge.set(qn("w:sz"), str(inner_gap[1]))
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), inner_gap[0])
        else:
            edge.set(qn("w:val"), "nil")
        borders.append(edge)
    _replace_child(table._tbl.tblPr, borders, _TBLPR_AFTER_BORDERS)


def set_table_cell_margins(table: Table, left_twips: int, right_twips: int) -> None:
    """Set the default left/right padding of every cell of ``table`` (top/bottom zero)."""
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("w:top", 0), ("w:left", left_twips), ("w:bottom", 0),
                        ("w:right", right_twips)):  # fmt: skip
        edge = OxmlElement(side)
        edge.set(qn("w:w"), str(twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    _replace_child(table._tbl.tblPr, margins, _TBLPR_AFTER_CELLMAR)


def span_columns(cells: tuple[_Cell, ...], first: int, count: int) -> None:
    """Turn ``cells[first]`` into one cell spanning ``count`` grid columns.

    ``cells`` is the row's cell tuple taken before any span was applied; the
    swallowed ``w:tc`` elements are removed and the first cell keeps its width
    (the caller sets the combined width).
    """
    tc: CT_Tc = cells[first]._tc
    tc.grid_span = count
    for swallowed in cells[first + 1 : first + count]:
        swallowed._tc.getparent().remove(swallowed._tc)


def merge_vertically(cell: _Cell, role: Literal["restart", "continue"]) -> None:
    """Start (``"restart"``) or continue a vertical merge at ``cell`` (``w:vMerge``)."""
    cell._tc.vMerge = role


# --------------------------------------------------------------------------- package


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every member of a written package (the earliest a zip can hold)."""


def fix_zip_stamps(package: bytes) -> bytes:
    """``package`` with every member's timestamp set to :data:`ZIP_EPOCH` and its host
    and file attributes to zero, patched in place: nothing is decompressed again.

    python-docx stamps each member with the current time, so two writes of the
    same document would differ; everything else it writes is already stable
    (same members, same order, same zlib output for the same XML).
    """
    data = bytearray(package)
    time_field, date_field = _dos_stamp(ZIP_EPOCH)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = archive.infolist()
        directory = archive.start_dir
    for member in members:
        local = member.header_offset
        if data[local : local + 4] != b"PK\x03\x04":
            raise ValueError("not a zip local header")
        struct.pack_into("<HH", data, local + 10, time_field, date_field)
    offset = directory
    for _ in members:
        if data[offset : offset + 4] != b"PK\x01\x02":
            raise ValueError("not a zip central directory entry")
        # version made by: host 0 (MS-DOS, as the spec's default), zip version 2.0
        struct.pack_into("<H", data, offset + 4, 20)
        struct.pack_into("<HH", data, offset + 12, time_field, date_field)
        struct.pack_into("<I", data, offset + 38, 0)  # external attributes
        name, extra, comment = struct.unpack_from("<HHH", data, offset + 28)
        offset += 46 + name + extra + comment
    return bytes(data)


def _dos_stamp(moment: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = moment
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def clear_body(document: DocxDocument) -> None:
    """Remove every paragraph and table of the body, keeping the final section properties."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def has_content(part: _Header) -> bool:
    """Whether a header or footer holds any text or drawing."""
    element = part._element  # python-docx exposes no public XML of a header
    if element.xpath(".//w:drawing | .//w:pict | .//w:fldSimple | .//w:instrText"):
        return True
    return any(text.strip() for text in element.xpath(".//w:t/text()"))


def shade_cell(cell: _Cell, fill_hex: str) -> None:
    """Give ``cell`` a solid background (``fill_hex`` like "F2F2F2")."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill_hex)
    # Schema order: w:shd comes after the width, borders and spans, before w:vAlign.
    valign = tc_pr.find(qn("w:vAlign"))
    if valign is not None:
        valign.addprevious(shading)
    else:
        tc_pr.append(shading)


# --------------------------------------------------------------------------- draft mark


def add_framed_mark(
    part: _Header,
    text: str,
    *,
    half_points: int,
    width_twips: int,
    top_twips: int,
    border_eighths: int,
) -> None:
    """Put ``text`` in a bordered box at a fixed place of every page ``part`` heads.

    The box is a framed paragraph (``w:framePr``) anchored to the left margin and
    the top of the page, ``top_twips`` down: it floats in the top margin,
    changes neither the header's height nor the body, and Word and LibreOffice
    both draw it.  Used for a draft's "DỰ THẢO".
    """
    paragraph = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    frame = OxmlElement("w:framePr")
    for name, value in (
        ("w:w", str(width_twips)),
        ("w:wrap", "around"),
        ("w:vAnchor", "page"),
        ("w:hAnchor", "margin"),
        ("w:x", "0"),
        ("w:y", str(top_twips)),
    ):
        frame.set(qn(name), value)
    ppr.append(frame)
    borders = OxmlElement("w:pBdr")
    for side in ("w:top", "w:left", "w:bottom", "w:right"):
        line = OxmlElement(side)
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(border_eighths))
        line.set(qn("w:space"), "2")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    ppr.append(borders)
    spacing = OxmlElement("w:spacing")
    for name in ("w:before", "w:after"):
        spacing.set(qn(name), "0")
    ppr.append(spacing)
    ppr.append(OxmlElement("w:ind", {qn("w:firstLine"): "0", qn("w:left"): "0"}))
    ppr.append(OxmlElement("w:jc", {qn("w:val"): "center"}))
    paragraph.append(ppr)
    part._element.insert(0, paragraph)  # python-docx exposes no public XML of a header
    append_run(Paragraph(paragraph, part), xml_text(text), bold=True, half_points=half_points)
