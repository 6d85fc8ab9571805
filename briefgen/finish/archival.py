"""Archival PDF: PDF/A-2b (the default) or PDF/A-1b, by post-processing with pikepdf.

The PDF writer already embeds every font (subsets with ToUnicode maps) and
draws no transparency of its own, so what a brief lacks for PDF/A is the
document-level part:

- an output intent with an sRGB ICC profile (built by :mod:`._icc`);
- XMP metadata that says the same as the document information dictionary
  (title, author, subject, keywords, creator tool, producer, dates) and
  declares the part and conformance (``pdfaid:part``, ``pdfaid:conformance``);
- for PDF/A-1b, PDF 1.4 without object streams, and no transparency.

Content streams are copied untouched, so the text extracts exactly as before.
A file that is already signed is refused: rewriting it would break its
signatures (archive first, then sign — signing appends an incremental update
that keeps PDF/A-2b).
"""

from __future__ import annotations

import io
import re
from typing import Any, Final, Literal, TypeAlias
from xml.sax.saxutils import escape

from briefgen.errors import Location, UsageError
from briefgen.finish._extras import require
from briefgen.finish._icc import DESCRIPTION, srgb_profile

__all__ = ["PARTS", "Part", "check_part", "declared_part", "to_pdfa"]

Part: TypeAlias = Literal["2b", "1b"]
PARTS: Final[tuple[Part, ...]] = ("2b", "1b")
"""The archival levels briefgen writes: PDF/A-2b (transparency allowed) and PDF/A-1b."""

_XML_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PDF_DATE: Final = re.compile(
    r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?"
)


def check_part(value: object, where: Location | None = None) -> Part:
    """``value`` as a part name ("2b", "1b"; "a-2b", "pdf/a-2b" and upper case accepted)."""
    text = str(value).strip().lower().removeprefix("pdf/").removeprefix("a-")
    for part in PARTS:
        if text == part:
            return part
    raise UsageError(
        f"unknown archival level '{value}'", where, hint="use 2b (PDF/A-2b) or 1b (PDF/A-1b)"
    )


def to_pdfa(data: bytes, part: Part = "2b") -> bytes:
    """The PDF ``data`` made PDF/A-``part`` (conformance B).

    Raises :class:`UsageError` for a signed file and, for PDF/A-1b, for a file
    with transparency (use PDF/A-2b); needs the ``archival`` extra (pikepdf).
    """
    pikepdf: Any = require("pikepdf", "archival", "archival PDF output")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        raise UsageError(f"not a PDF that can be archived: {error}") from None
    with pdf:
        if _is_signed(pdf, pikepdf):
            raise UsageError(
                "the PDF is already signed: archiving would break its signatures",
                hint="make the PDF/A file first, then sign it",
            )
        if part == "1b":
            reason = _transparency(pdf, pikepdf)
            if reason:
                raise UsageError(
                    f"PDF/A-1b cannot hold transparency ({reason})",
                    hint="use PDF/A-2b (--archival 2b)",
                )
        info = pdf.docinfo
        if "/Trapped" in info:
            del info["/Trapped"]  # no XMP counterpart PDF/A validators agree on
        metadata = pdf.make_stream(_xmp({str(k): str(v) for k, v in info.items()}, part))
        metadata.Type = pikepdf.Name.Metadata
        metadata.Subtype = pikepdf.Name.XML
        pdf.Root.Metadata = metadata
        profile = pdf.make_stream(srgb_profile())
        profile.N = 3
        pdf.Root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFA1,
                    OutputConditionIdentifier=DESCRIPTION,
                    Info=DESCRIPTION,
                    RegistryName="http://www.color.org",
                    DestOutputProfile=profile,
                )
            ]
        )
        _print_every_annotation(pdf, pikepdf)
        out = io.BytesIO()
        pdf.save(
            out,
            # PDF/A-1 is PDF 1.4: no object or cross-reference streams.
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            min_version="1.4",
            force_version="1.4" if part == "1b" else "",
            fix_metadata_version=False,  # our packet stays exactly as written
            deterministic_id=True,
        )
    return out.getvalue()


def declared_part(data: bytes) -> str | None:
    """The PDF/A part and conformance a file declares in its XMP ("2b"), or ``None``."""
    pikepdf: Any = require("pikepdf", "archival", "reading PDF/A metadata")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        part = meta.get("pdfaid:part")
        conformance = meta.get("pdfaid:conformance")
    if not part:
        return None
    return f"{part}{conformance or ''}".lower()


def _is_signed(pdf: Any, pikepdf: Any) -> bool:
    form = pdf.Root.get("/AcroForm")
    if form is None:
        return False
    return any(
        field.get("/FT") == pikepdf.Name.Sig and "/V" in field for field in form.get("/Fields", [])
    )


def _transparency(pdf: Any, pikepdf: Any) -> str | None:
    """Why the file has transparency PDF/A-1 forbids (soft masks, alpha, groups), or ``None``.

    Looks at every object, and inside each at the dictionaries it holds directly
    (a page's resources often carry their graphics states inline).
    """
    for obj in pdf.objects:
        reason = _transparency_in(obj, pikepdf, depth=0)
        if reason:
            return reason
    return None


def _transparency_in(obj: Any, pikepdf: Any, depth: int) -> str | None:
    if depth > 16:  # direct objects nest shallowly; stop at a pathological file
        return None
    if isinstance(obj, pikepdf.Array):
        children = list(obj)
    elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        mask = obj.get("/SMask")
        if mask is not None and mask != pikepdf.Name.None_:
            return "an image or graphics state with a soft mask"
        for key in ("/CA", "/ca"):
            alpha = obj.get(key)
            if alpha is not None and float(alpha) < 1:
                return f"a graphics state with opacity {float(alpha):g}"
        group = obj.get("/Group")
        if isinstance(group, pikepdf.Dictionary) and group.get("/S") == pikepdf.Name.Transparency:
            return "a transparency group"
        children = list(obj.values())
    else:
        return None
    for child in children:
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
            reason = _transparency_in(child, pikepdf, depth + 1)
            if reason:
                return reason
    return None


def _print_every_annotation(pdf: Any, pikepdf: Any) -> None:
    """PDF/A wants annotations printable and never hidden (flag bits 3 set, 1, 2, 6 clear)."""
    for page in pdf.pages:
        for annotation in page.get("/Annots", []):
            if annotation.get("/Subtype") == pikepdf.Name.Popup:
                continue
            flags = int(annotation.get("/F", 0))
            annotation.F = (flags | 4) & ~(1 | 2 | 32)


def _xml(text: str) -> str:
    return escape(_XML_ILLEGAL.sub("", text))


def _xmp_date(pdf_date: str) -> str | None:
    """A PDF date ("D:20220107093000+07'00'") as XMP (ISO 8601), or ``None``."""
    match = _PDF_DATE.match(pdf_date)
    if match is None:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_hour, tz_minute = match.groups()
    text = f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    if sign:
        return f"{text}{sign}{tz_hour}:{tz_minute or '00'}"
    return f"{text}Z" if zulu or hour else text


def _xmp(info: dict[str, str], part: Part) -> bytes:
    """An XMP packet mirroring the document information, every namespace on the
    description element (PDFBox reads no other form)."""
    properties = []
    if info.get("/Title"):
        properties.append(
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_xml(info["/Title"])}'
            "</rdf:li></rdf:Alt></dc:title>"
        )
    if info.get("/Author"):
        properties.append(
            f"<dc:creator><rdf:Seq><rdf:li>{_xml(info['/Author'])}</rdf:li></rdf:Seq></dc:creator>"
        )
    if info.get("/Subject"):
        properties.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{_xml(info["/Subject"])}'
            "</rdf:li></rdf:Alt></dc:description>"
        )
    for key, tag in (
        ("/Keywords", "pdf:Keywords"),
        ("/Producer", "pdf:Producer"),
        ("/Creator", "xmp:CreatorTool"),
    ):
        if info.get(key):
            properties.append(f"<{tag}>{_xml(info[key])}</{tag}>")
    for key, tag in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        date = _xmp_date(info.get(key, ""))
        if date:
            properties.append(f"<{tag}>{date}</{tag}>")
    properties.append(f"<pdfaid:part>{part[0]}</pdfaid:part>")
    properties.append(f"<pdfaid:conformance>{part[1].upper()}</pdfaid:conformance>")
    body = "\n".join(properties)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n'
        f"{body}\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")
