"""Raw OOXML helpers for the DOCX writer: what python-docx has no friendly API for.

As python-docx keeps its lxml element classes in ``docx/oxml`` and its
friendly objects elsewhere, every XPath, ``w:`` tag and child-order rule the
DOCX writer needs lives here, and ``docx.py`` stays free of raw XML.  The
helpers take python-docx objects (or their elements) and change them in
place.  Element order inside ``w:pPr``, ``w:rPr``, ``w:tblPr`` and ``w:trPr``
follows the schema sequence, because Word refuses files that break it even
where LibreOffice does not.  The package helpers open and save python-docx
documents without the parts of python-docx that dominated a brief's time.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.package import Unmarshaller
from docx.opc.packuri import PackURI
from docx.opc.part import Part, PartFactory
from docx.opc.pkgreader import PackageReader
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row, CT_Tbl, CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.package import Package
from docx.parts.document import DocumentPart
from docx.section import _Header
from docx.shape import InlineShape
from docx.styles.style import BaseStyle
from docx.styles.styles import Styles
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from lxml.etree import SubElement as _SubElement  # type: ignore[import-untyped]

from briefgen.errors import OutputError

# --------------------------------------------------------------------------- schema order
# Successors of the children we insert ourselves (ECMA-376 part 1, §17.3.1.26, §17.3.2.28,
# §17.4.60): python-docx only declares the children it manages.

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
_TBLPR_AFTER_BORDERS = (
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip
_BORDER_SIDES = ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV")

# The table and run builders make elements with lxml's SubElement and Clark names: several
# times faster than OxmlElement, which parses the prefix and declares it on every call.
SubElement: Callable[..., BaseOxmlElement] = _SubElement
_P, _PPR, _PSTYLE, _KEEPNEXT, _JC = (qn(f"w:{t}") for t in ("p", "pPr", "pStyle", "keepNext", "jc"))
_R, _RPR, _B, _I, _SZ, _SZCS, _T, _BR = (
    qn(f"w:{t}") for t in ("r", "rPr", "b", "i", "sz", "szCs", "t", "br")
)
_TBLPR, _TBLSTYLE, _TBLW, _TBLLAYOUT, _TBLCELLMAR, _TBLLOOK = (
    qn(f"w:{t}") for t in ("tblPr", "tblStyle", "tblW", "tblLayout", "tblCellMar", "tblLook")
)
_TBLGRID, _GRIDCOL, _TR, _TRPR, _CANTSPLIT, _TBLHEADER = (
    qn(f"w:{t}") for t in ("tblGrid", "gridCol", "tr", "trPr", "cantSplit", "tblHeader")
)
_TC, _TCPR, _TCW, _GRIDSPAN, _VMERGE, _VALIGN = (
    qn(f"w:{t}") for t in ("tc", "tcPr", "tcW", "gridSpan", "vMerge", "vAlign")
)
_TOP, _LEFT, _BOTTOM, _RIGHT = (qn(f"w:{t}") for t in ("top", "left", "bottom", "right"))
_VAL, _W, _TYPE = qn("w:val"), qn("w:w"), qn("w:type")
_TABLE_LOOK = {
    qn(f"w:{name}"): value
    for name, value in (("firstColumn", "1"), ("firstRow", "1"), ("lastColumn", "0"),
                        ("lastRow", "0"), ("noHBand", "0"), ("noVBand", "1"), ("val", "04A0"))
}  # fmt: skip
"""python-docx's ``w:tblLook`` of a new table, attributes in its order."""


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


def set_paragraph_style(paragraph: Paragraph, style_id: str) -> None:
    """Give ``paragraph`` the style of id ``style_id``.

    ``Paragraph.style = ...`` looks for the default style among all of the
    template's styles on every call, which dominates the time of big tables;
    a new paragraph (no properties yet) gets its ``w:pPr`` built directly.
    """
    p = paragraph._p
    if p.pPr is None:
        ppr = OxmlElement("w:pPr")
        ppr.append(OxmlElement("w:pStyle", {qn("w:val"): style_id}))
        p.insert(0, ppr)
    else:
        p.pPr.style = style_id


_PRESERVE = "{http://www.w3.org/XML/1998/namespace}space"


def append_run(
    paragraph: Paragraph | CT_P,
    text: str | None,
    *,
    bold: bool = False,
    italic: bool = False,
    half_points: int | None = None,
) -> None:
    """Append a run of ``text`` (``None``: a line break) to ``paragraph`` (or its ``w:p``).

    Builds the ``w:r`` directly, properties in schema order (``w:b``, ``w:i``,
    ``w:sz``, ``w:szCs``): python-docx's ``add_run`` and font setters search for
    each property's place on every call, the bulk of a brief's DOCX time.
    """
    run = SubElement(paragraph._p if isinstance(paragraph, Paragraph) else paragraph, _R)
    if bold or italic or half_points is not None:
        rpr = SubElement(run, _RPR)
        if bold:
            SubElement(rpr, _B)
        if italic:
            SubElement(rpr, _I)
        if half_points is not None:
            SubElement(rpr, _SZ, {_VAL: str(half_points)})
            SubElement(rpr, _SZCS, {_VAL: str(half_points)})
    if text is None:
        SubElement(run, _BR)
    else:
        t = SubElement(run, _T)
        t.text = text
        if text != text.strip(" ") or "  " in text:
            t.set(_PRESERVE, "preserve")


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


def add_table(
    document: DocxDocument, widths: Sequence[int], style_id: str | None, padding_twips: int
) -> Table:
    """Append an empty table to the body: fixed column widths in twips, centred on the
    text width, cells padded left and right by ``padding_twips``; ``style_id`` ``None``
    gives it no table style.

    Built in one go as python-docx's ``add_table`` and table setters would leave it:
    its ``Table.style`` setter alone searches every style for the default on each call.
    """
    tbl = OxmlElement("w:tbl")
    tblpr = SubElement(tbl, _TBLPR)
    if style_id is not None:
        SubElement(tblpr, _TBLSTYLE, {_VAL: style_id})
    SubElement(tblpr, _TBLW, {_W: str(sum(widths)), _TYPE: "dxa"})
    SubElement(tblpr, _JC, {_VAL: "center"})
    SubElement(tblpr, _TBLLAYOUT, {_TYPE: "fixed"})
    margins = SubElement(tblpr, _TBLCELLMAR)
    for side, twips in ((_TOP, 0), (_LEFT, padding_twips), (_BOTTOM, 0), (_RIGHT, padding_twips)):
        SubElement(margins, side, {_W: str(twips), _TYPE: "dxa"})
    SubElement(tblpr, _TBLLOOK, _TABLE_LOOK)
    grid = SubElement(tbl, _TBLGRID)
    for width in widths:
        SubElement(grid, _GRIDCOL, {_W: str(width)})
    document.element.body.insert_element_before(tbl, "w:sectPr")
    return Table(cast("CT_Tbl", tbl), document._body)


def add_row(table: Table, *, cant_split: bool = False, header: bool = False) -> BaseOxmlElement:
    """Append an empty ``w:tr`` to ``table``: ``cant_split`` forbids a page break inside
    it (``w:cantSplit``), ``header`` repeats it atop every page (``w:tblHeader``)."""
    tr = SubElement(table._tbl, _TR)
    if cant_split or header:
        trpr = SubElement(tr, _TRPR)
        if cant_split:
            SubElement(trpr, _CANTSPLIT)
        if header:
            SubElement(trpr, _TBLHEADER)
    return tr


def add_grid_cell(
    tr: BaseOxmlElement,
    width_twips: int,
    style_id: str,
    *,
    span: int = 1,
    merge: Literal["restart", "continue"] | None = None,
    keep_next: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> CT_P:
    """Append a data-table cell to ``tr`` and return its one (empty) paragraph.

    The cell is vertically centred, spans ``span`` grid columns and starts or
    continues a vertical ``merge``; the paragraph has style ``style_id``,
    ``keep_next`` (``w:keepNext``) and ``align``.  Elements are made directly, in
    schema order: python-docx's setters look up each child's place, the bulk of
    a table's time.
    """
    tc = SubElement(tr, _TC)
    tcpr = SubElement(tc, _TCPR)
    SubElement(tcpr, _TCW, {_TYPE: "dxa", _W: str(width_twips)})
    if span > 1:
        SubElement(tcpr, _GRIDSPAN, {_VAL: str(span)})
    if merge == "restart":
        SubElement(tcpr, _VMERGE, {_VAL: "restart"})
    elif merge == "continue":  # the attribute's default, which python-docx leaves out
        SubElement(tcpr, _VMERGE)
    SubElement(tcpr, _VALIGN, {_VAL: "center"})
    p = SubElement(tc, _P)
    ppr = SubElement(p, _PPR)
    SubElement(ppr, _PSTYLE, {_VAL: style_id})
    if keep_next:
        SubElement(ppr, _KEEPNEXT)
    if align is not None:
        SubElement(ppr, _JC, {_VAL: str(align.xml_value)})
    return cast("CT_P", p)


def add_layout_row(table: Table, *, cant_split: bool = False) -> _Row:
    """``table.add_row()`` made directly: one cell per grid column, at its width, holding
    an empty paragraph; ``cant_split`` as for :func:`add_row`."""
    tr = add_row(table, cant_split=cant_split)
    for column in table._tbl.tblGrid.iterchildren(_GRIDCOL):
        tc = SubElement(tr, _TC)
        SubElement(SubElement(tc, _TCPR), _TCW, {_TYPE: "dxa", _W: str(column.get(_W))})
        SubElement(tc, _P)
    return _Row(cast("CT_Row", tr), table)


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


# --------------------------------------------------------------------------- package


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every member of a written package (the earliest a zip can hold)."""

_STATIC_CONTENT_TYPES = frozenset({CT.WML_STYLES})
"""Parts a write never changes, kept as the base's bytes instead of parsed XML."""
_ZIP64_LIMIT = (1 << 31) - 1
"""Past this, zip needs its 64-bit extensions, which no brief comes near."""


@dataclass(frozen=True)
class BasePackage:
    """A package read once and opened for many writes, shared read-only between them.

    ``deflated`` maps the bytes of each of its parts to their CRC-32 and deflate
    stream, so that a write compresses only what it changed.
    """

    reader: PackageReader
    deflated: Mapping[bytes, tuple[int, bytes]]


def read_package(data: bytes) -> BasePackage:
    """Read the package ``data`` (a .docx) once, for :func:`open_document`."""
    reader: PackageReader = PackageReader.from_file(io.BytesIO(data))  # type: ignore[no-untyped-call]
    sparts = reader.iter_sparts()  # type: ignore[no-untyped-call]
    return BasePackage(reader, {blob: _deflate(blob) for _, _, _, blob in sparts})


def open_document(base: BasePackage) -> DocxDocument:
    """A new python-docx document holding the package of ``base``.

    As ``docx.Document`` does, without reading the zip again, and with the
    styles part left as bytes: parsing and saving it (350 kB of XML) took a
    quarter of a brief's time, and the writer only names styles by their id.
    """
    package = Package()
    Unmarshaller.unmarshal(base.reader, package, _load_part)  # type: ignore[no-untyped-call]
    document: DocxDocument = cast("DocumentPart", package.main_document_part).document
    return document


def _load_part(
    partname: PackURI, content_type: str, reltype: str, blob: bytes, package: Package
) -> Part:
    """python-docx's part for a part of the package, or a plain bytes part if static."""
    if content_type in _STATIC_CONTENT_TYPES:
        return Part(partname, content_type, blob, package)
    return cast("Part", PartFactory(partname, content_type, reltype, blob, package))


def save_document(document: DocxDocument, base: BasePackage) -> bytes:
    """The .docx bytes of ``document`` (opened from ``base``), with fixed timestamps.

    The members and their order are python-docx's (``OpcPackage.save``), the
    zip is :mod:`zipfile`'s, byte for byte; parts unchanged since ``base``
    reuse its compressed bytes.
    """
    package = document.part.package
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    members = _Members()
    PackageWriter._write_content_types_stream(members, parts)  # type: ignore[no-untyped-call]
    PackageWriter._write_pkg_rels(members, package.rels)  # type: ignore[no-untyped-call]
    PackageWriter._write_parts(members, parts)  # type: ignore[arg-type]
    return _zip(members.items, base.deflated)


class _Members:
    """Collects what python-docx's package writer writes, in order (a ``PhysPkgWriter``)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        """Keep member ``pack_uri`` with its bytes."""
        self.items.append((pack_uri.membername, blob))


def _deflate(blob: bytes) -> tuple[int, bytes]:
    """CRC-32 and raw deflate stream of ``blob``, compressed as :mod:`zipfile` does."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return zlib.crc32(blob), compressor.compress(blob) + compressor.flush()


def _zip(
    members: Sequence[tuple[str, bytes]], deflated: Mapping[bytes, tuple[int, bytes]]
) -> bytes:
    """A zip of ``members`` (name, bytes), deflated, every timestamp :data:`ZIP_EPOCH`.

    The bytes :mod:`zipfile` writes to a seekable file, but for the creator's
    host and each member's file attributes, zero here: nothing in the file
    depends on when or where it was written.  ``deflated`` holds members
    already compressed (by :func:`_deflate`), found by their bytes.
    """
    time_field, date_field = _dos_stamp(ZIP_EPOCH)
    body, directory = bytearray(), bytearray()
    for name, blob in members:
        crc, data = deflated.get(blob) or _deflate(blob)
        if len(body) + len(blob) * 1.05 > _ZIP64_LIMIT:
            raise OutputError("the DOCX file would pass 2 GB, more than a .docx can hold")
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), 0x800
        stamp = (flags, zipfile.ZIP_DEFLATED, time_field, date_field, crc, len(data), len(blob))
        # central directory entry: made by zip 2.0 on host 0, version 2.0 needed to extract
        directory += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, *stamp,
                                 len(encoded), 0, 0, 0, 0, 0, len(body))  # fmt: skip
        directory += encoded
        body += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, *stamp, len(encoded), 0)
        body += encoded
        body += data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(directory), len(body), 0)  # fmt: skip
    return bytes(body + directory + end)


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
