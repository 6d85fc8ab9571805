"""PAdES signatures laid out as Decree 30 draws them, with pyHanko.

A brief is signed twice, each signature an incremental update that covers
the whole file up to it (PAdES baseline B-B; B-T when the configuration names
a timestamp server):

1. box 7c — the competent person's key, with the blue signature image centred
   between the authority/title lines and the signer's name;
2. box 8 — the issuing body's key (the same key unless the configuration
   names another), with the red seal at its real size covering the left third
   of the signature image.

Both places come from the layout record the PDF writer stored in the file
(:mod:`briefgen.writers.layout`), never from guessed coordinates.  A draft
is never signed.  An attachment in a separate file is signed by the body at
the top right of its first page, without image, showing the document's number
and symbol and the signing time (Appendix I, II.8.b).

Empty signature fields at boxes 7c and 8 (:func:`add_empty_fields`) let an
agency's own signing tool sign an unsigned brief in the right places.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from briefgen.errors import Location, OutputError, UsageError
from briefgen.finish._extras import require
from briefgen.finish.config import DEFAULT_SEAL_MM, KeySpec, SigningConfig, load_config
from briefgen.finish.identity import same_person
from briefgen.finish.images import SignImage, load_png
from briefgen.finish.keys import LoadedKey, load_key, resolve_pin
from briefgen.finish.placement import MM, Placement, place, room_mm
from briefgen.writers.layout import CATALOG_KEY, PdfLayout, Rect

__all__ = [
    "ATTACHMENT_FIELD",
    "SEAL_FIELD",
    "SIGNER_FIELD",
    "VIETNAM_TIME",
    "Signer",
    "add_empty_fields",
    "read_layout",
]

SIGNER_FIELD: Final = "signer_7c"
"""Signature field of the competent person (Decree 30, Appendix I, box 7c)."""
SEAL_FIELD: Final = "seal_8"
"""Signature field of the issuing body, with its seal (box 8)."""
ATTACHMENT_FIELD: Final = "attachment_8b"
"""Signature field of the issuing body on an attachment in a separate file."""

VIETNAM_TIME: Final = dt.timezone(dt.timedelta(hours=7), "+07:00")
"""Signing times are Vietnam time, as Decree 30 writes them (ISO 8601 offset)."""

DEFAULT_SIGNATURE_ASPECT: Final = 0.5
"""Height / width of the signature box when no picture says otherwise."""
ATTACHMENT_STAMP_PT: Final = 10.0
"""Times New Roman 10 pt (Appendix I, II.8.b)."""
_ATTACHMENT_GAP_MM: Final = 2.0
"""Between the attachment stamp and the text area below it."""
_FALLBACK_MARGINS_MM: Final = (20.0, 15.0)
"""Top and right margins assumed for an attachment briefgen did not write (Decree 30)."""
_PDFA_PART: Final = re.compile(rb"pdfaid:part(?:>|=[\"'])\s*(\d)")


@dataclass(frozen=True)
class _Field:
    """An existing signature field: its widget rectangle and whether it holds a signature."""

    rect: Rect | None
    signed: bool


class Signer:
    """Signs briefs with the keys and images of a signing configuration.

    Building a signer checks everything before any file is touched: the
    images (PNG with transparency), the PIN or password of each key (from the
    environment variable the configuration names, or a terminal prompt), and
    each key and certificate (valid now, allowed to sign, belonging together).
    A signer can be pickled: its keys are loaded again in the process that
    signs, from the same configuration and PINs.

    ``config``: the path of a signing configuration file, or one already
    loaded.  ``allow_name_mismatch``: sign box 7c even when the signer's
    certificate names someone other than the brief's signer (otherwise that is
    refused, naming both).
    """

    def __init__(
        self,
        config: SigningConfig | str | os.PathLike[str],
        *,
        allow_name_mismatch: bool = False,
    ) -> None:
        require("pyhanko.sign", "sign", "signing")
        if isinstance(config, (str, os.PathLike)):
            config = load_config(Path(config))
        elif not isinstance(config, SigningConfig):
            raise UsageError(
                "Signer() takes the path of a signing configuration (or a loaded SigningConfig), "
                f"not {type(config).__name__}",
                hint="e.g. briefgen.Signer('signing.yaml')",
            )
        self.config = config
        self.allow_name_mismatch = allow_name_mismatch
        self.signature_image = (
            load_png(config.signature_image, config.at("signer.image"), "signature image")
            if config.signature_image
            else None
        )
        self.seal_image = (
            load_png(config.seal_image, config.at("seal.image"), "seal image")
            if config.seal_image
            else None
        )
        self._pins = {spec: resolve_pin(spec) for spec in _unique(self._specs())}
        for spec in self._pins:
            self._key(spec)  # a wrong PIN, an expired or mismatched certificate fail here

    @classmethod
    def from_config(cls, path: str | Path, *, allow_name_mismatch: bool = False) -> Signer:
        """A signer from a signing configuration file (see :mod:`briefgen.finish.config`)."""
        return cls(load_config(path), allow_name_mismatch=allow_name_mismatch)

    def __repr__(self) -> str:
        return f"Signer({self.config.file})"

    # ----------------------------------------------------------------- what it needs

    def _specs(self) -> list[KeySpec]:
        return [s for s in (self.config.signer_key, self.config.body_key) if s is not None]

    def _key(self, spec: KeySpec) -> LoadedKey:
        return load_key(spec, self._pins[spec])

    @property
    def signature_mm(self) -> tuple[float, float]:
        """Printed (width, height) of the signature image."""
        width = self.config.signature_width_mm
        aspect = self.signature_image.aspect if self.signature_image else DEFAULT_SIGNATURE_ASPECT
        return width, width * aspect

    def room_mm(self) -> float:
        """Room the writer must leave between title and name for this signer's images."""
        return room_mm(self.signature_mm[1], self.config.seal_mm)

    # ----------------------------------------------------------------- briefs

    def sign(
        self, data: bytes, layout: PdfLayout | None = None, source: str | None = None
    ) -> bytes:
        """Sign the PDF ``data`` of a brief at boxes 7c and 8; returns the signed bytes.

        ``layout``: the record the writer returned (read from the file when
        ``None``).  ``source``: the file name for messages.  Raises
        :class:`UsageError` for a draft, a PDF without a layout record or
        signature block, a box already signed, a signer's certificate naming
        someone other than the brief's signer, or no room for the images.
        """
        where = Location(file=source)
        writer = _open(data, where)
        record = layout or read_layout(writer, where)
        if record is None:
            raise UsageError(
                "the PDF has no briefgen layout record, so where its signature block is is unknown",
                where,
                hint="sign a brief rendered by briefgen; for an attachment use --attachment",
            )
        _refuse_draft(record, where)
        block = record.signature
        if block is None:
            raise UsageError("the brief has no signature block to sign", where)
        if _pdfa_part(writer) == "1":
            raise UsageError(
                "the PDF is PDF/A-1b, which cannot hold the transparent signature and seal images",
                where,
                hint="make it PDF/A-2b (--archival 2b), which allows them",
            )
        fields = _fields(writer)
        for name, box in ((SIGNER_FIELD, "7c"), (SEAL_FIELD, "8")):
            if fields.get(name, _Field(None, False)).signed and self._signs(name):
                raise UsageError(f"box {box} of the brief is already signed", where)
        self._check_name(block.signer_name, where)
        existing = fields.get(SIGNER_FIELD)
        placement = place(
            block,
            self.signature_mm,
            self.config.seal_mm,
            where,
            signature=existing.rect if existing else None,
            signed=any(field.signed for field in fields.values()),
        )
        out = data
        if self.config.signer_key is not None:
            image = self._image(self.signature_image, "signer.image", "a signature image")
            out = self._sign_image(
                out, self.config.signer_key, SIGNER_FIELD, placement, image, fields, where
            )
        if self.config.sign_seal:
            image = self._image(self.seal_image, "seal.image", "a seal image")
            body = self.config.body_key
            assert body is not None  # the configuration always has a key for the seal
            out = self._sign_image(out, body, SEAL_FIELD, placement, image, fields, where)
        return out

    def _check_name(self, printed: str | None, where: Location) -> None:
        """Refuse a signer's certificate that names someone other than the brief's signer."""
        spec = self.config.signer_key
        if spec is None or not printed:
            return
        subject = self._key(spec).subject
        if same_person(printed, subject) or self.allow_name_mismatch:
            return
        config = f" in {self.config.file.name}" if self.config.file else ""
        raise UsageError(
            f"the brief names '{printed}' as its signer, but the certificate of {spec.label} "
            f"(signer.key{config}) is '{subject}'",
            where,
            hint=f"sign with {printed}'s own key, or correct the signer's name in the data or "
            "template.yaml; if this is intended, add --allow-name-mismatch",
        )

    def _signs(self, field: str) -> bool:
        if field == SIGNER_FIELD:
            return self.config.signer_key is not None
        return self.config.sign_seal

    def _image(self, image: SignImage | None, field: str, what: str) -> SignImage:
        if image is None:
            raise UsageError(
                f"the signing configuration gives no {what.split(' ', 1)[1]}",
                self.config.at(field),
                hint=f"Decree 30 shows {what} (PNG with transparency) in the signature",
            )
        return image

    def _sign_image(
        self,
        data: bytes,
        spec: KeySpec,
        field: str,
        placement: Placement,
        image: SignImage,
        fields: dict[str, _Field],
        where: Location,
    ) -> bytes:
        box = placement.signature if field == SIGNER_FIELD else placement.seal
        new_box = None if field in fields else box
        content = _image_content(image)
        return self._sign_field(data, spec, field, placement.page, new_box, content, where)

    # ----------------------------------------------------------------- attachments

    def sign_attachment(self, data: bytes, number: str, source: str | None = None) -> bytes:
        """Sign an attachment kept in a separate file, as the issuing body.

        The signature shows ``number`` (the document's number and symbol) and
        the signing time, Times New Roman 10 pt, black, at the top right of
        page 1; no image.  The PDF need not come from briefgen.
        """
        where = Location(file=source)
        spec = self.config.body_key
        if spec is None:
            raise UsageError(
                "the signing configuration has no key for the issuing body",
                self.config.at("seal.key"),
            )
        text = " ".join(number.split())
        if not text:
            raise UsageError(
                "an attachment's signature shows the document's number and symbol",
                where,
                hint="give it, e.g. --number 05/BC-STTTT",
            )
        writer = _open(data, where)
        record = read_layout(writer, where)
        if record is not None:
            _refuse_draft(record, where)
        moment = dt.datetime.now(VIETNAM_TIME).replace(microsecond=0)
        stamp = _stamp_pdf([text, attachment_time(moment)])
        box = _attachment_box(writer, record, stamp.size)
        return self._sign_field(data, spec, ATTACHMENT_FIELD, 0, box, stamp, where, moment)

    # ----------------------------------------------------------------- pyHanko

    def _sign_field(
        self,
        data: bytes,
        spec: KeySpec,
        field: str,
        page: int,
        box: Rect | None,
        content: Any,
        where: Location,
        moment: dt.datetime | None = None,
    ) -> bytes:
        """Sign ``data`` in signature field ``field`` with key ``spec``; returns the signed bytes.

        ``box``: where a new field goes on page ``page`` (``None``: the field
        exists).  ``content``: the field's picture.  ``moment``: the signing
        time (``None``: now).
        """
        from pyhanko.sign.general import SigningError
        from pyhanko.sign.timestamps import TimestampRequestError

        url = self.config.timestamp_url
        pdf_signer = self._pdf_signer(spec, field, page, box, content)
        pdf_signer.signing_time = moment or dt.datetime.now(VIETNAM_TIME).replace(microsecond=0)
        # pyHanko sizes the signature's room by signing once for nothing; the size is the
        # same for every brief a key signs without a timestamp, so it is measured once.
        sized = (spec, self._pins[spec]) if url is None else None
        try:
            with _quiet_rounding():
                output = pdf_signer.sign_pdf(
                    _open(data, where), bytes_reserved=_RESERVED.get(sized) if sized else None
                )
        except TimestampRequestError as error:
            raise OutputError(
                f"the timestamp server did not answer: {error}", self.config.at("timestamp_url")
            ) from None
        except SigningError as error:
            if sized in _RESERVED and "larger than expected" in str(error):
                del _RESERVED[sized]  # measured too small after all: measure again
                return self._sign_field(data, spec, field, page, box, content, where, moment)
            raise UsageError(f"cannot sign: {error}", where) from None
        signed: bytes = output.getvalue()
        if sized is not None and sized not in _RESERVED:
            _RESERVED[sized] = _reserved_bytes(signed)
        return signed

    def _pdf_signer(
        self, spec: KeySpec, field: str, page: int, box: Rect | None, content: Any
    ) -> Any:
        """pyHanko's PAdES signer of ``field`` showing ``content``, timestamped if configured."""
        from pyhanko.sign import fields, signers
        from pyhanko.sign.timestamps import HTTPTimeStamper
        from pyhanko.stamp import StaticStampStyle

        style = StaticStampStyle(
            border_width=0,
            background=content,
            background_opacity=1.0,
            background_layout=_fill_layout(),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=self.config.reason,
            location=self.config.location,
        )
        url = self.config.timestamp_url
        signer_class = _vietnam_time_signer()
        return signer_class(
            meta,
            signer=self._key(spec).signer,
            timestamper=HTTPTimeStamper(url, timeout=15) if url else None,
            stamp_style=style,
            new_field_spec=(
                fields.SigFieldSpec(field, on_page=page, box=_box(box)) if box is not None else None
            ),
        )


# --------------------------------------------------------------------------- helpers


class _RoundingNoise(logging.Filter):
    """pyHanko warns when a picture scaled to its field is 1e-14 pt too wide: not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is too wide for container" not in record.getMessage()


@contextlib.contextmanager
def _quiet_rounding() -> Iterator[None]:
    logger = logging.getLogger("pyhanko.pdf_utils.layout")
    noise = _RoundingNoise()
    logger.addFilter(noise)
    try:
        yield
    finally:
        logger.removeFilter(noise)


def _box(rect: Rect) -> Any:
    """A rectangle as pyHanko takes a field's box (it accepts fractional points)."""
    return (rect.x0, rect.y0, rect.x1, rect.y1)


def _fill_layout() -> Any:
    """Appearance layout: the picture centred, scaled to the field, proportions kept."""
    from pyhanko.pdf_utils import layout

    margins: Any = layout.Margins
    return layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=margins.uniform(0),
        inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
    )


def _unique(specs: Iterable[KeySpec]) -> list[KeySpec]:
    return list(dict.fromkeys(specs))


_RESERVED: dict[tuple[KeySpec, str | None] | None, int] = {}
"""Room (hex digits) pyHanko reserved for a key's signature, per process."""


def _reserved_bytes(signed: bytes) -> int:
    """The room reserved for the last signature of ``signed``: its /Contents, in hex digits."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    last = PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1]
    return 2 * len(last.sig_object.raw_get("/Contents").original_bytes)


def _refuse_draft(record: PdfLayout, where: Location) -> None:
    if record.draft:
        raise UsageError(
            "the brief is a draft (DỰ THẢO) and cannot be signed",
            where,
            hint="render it again without --draft, then sign",
        )


def attachment_time(moment: dt.datetime) -> str:
    """The signing time as an attachment shows it: "2025-01-10; 09:30:00; +07:00"."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d}; {moment:%H:%M:%S}; {offset[:3]}:{offset[3:]}"


def _open(data: bytes, where: Location) -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return IncrementalPdfFileWriter(io.BytesIO(data))
    except (PdfError, ValueError, KeyError, IndexError) as error:
        raise UsageError(f"not a PDF that can be signed: {error}", where) from None


def read_layout(handler: Any, where: Location | None = None) -> PdfLayout | None:
    """The layout record stored in a PDF (``None`` when it has none).

    ``handler``: a pyHanko reader or writer, or the PDF's bytes.
    """
    if isinstance(handler, (bytes, bytearray)):
        handler = _open(bytes(handler), where or Location())
    text = handler.root.get(f"/{CATALOG_KEY}")
    if text is None:
        return None
    try:
        return PdfLayout.from_json(str(text))
    except ValueError as error:
        raise UsageError(f"the PDF's layout record is damaged: {error}", where) from None


def _pdfa_part(handler: Any) -> str | None:
    metadata = handler.root.get("/Metadata")
    if metadata is None:
        return None
    match = _PDFA_PART.search(metadata.get_object().data)
    return match.group(1).decode() if match else None


def _fields(handler: Any) -> dict[str, _Field]:
    from pyhanko.sign.fields import enumerate_sig_fields

    found: dict[str, _Field] = {}
    for name, value, reference in enumerate_sig_fields(handler):
        field = reference.get_object()
        widget = field if "/Rect" in field else (field.get("/Kids") or [{}])[0]
        rect = None
        if "/Rect" in widget:
            x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
            rect = Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        found[str(name)] = _Field(rect, value is not None)
    return found


@functools.cache
def _vietnam_time_signer() -> type:
    """pyHanko's ``PdfSigner`` signing at a time we choose (Vietnam time), not the host's."""
    from pyhanko.sign import signers

    class _VietnamTimeSigner(signers.PdfSigner):
        signing_time: dt.datetime | None = None

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only)
            if self.signing_time is not None:
                session.system_time = self.signing_time
            return session

    return _VietnamTimeSigner


@functools.lru_cache(maxsize=8)
def _image_streams(data: bytes) -> tuple[int, int, bytes, bytes]:
    """(width, height, Flate-compressed RGB, Flate-compressed alpha) of a PNG, made once:
    every signature embeds the same picture, and compressing it is most of its cost."""
    import zlib

    from PIL import Image

    with Image.open(io.BytesIO(data)) as picture:
        rgba = picture.convert("RGBA")
    alpha = rgba.getchannel("A")
    rgb = rgba.convert("RGB")
    return rgba.width, rgba.height, zlib.compress(rgb.tobytes()), zlib.compress(alpha.tobytes())


def _image_content(image: SignImage) -> Any:
    """The picture as pyHanko appearance content: an RGB image with its alpha as soft mask."""
    from pyhanko.pdf_utils import content, generic
    from pyhanko.pdf_utils.layout import BoxConstraints

    width, height, rgb, alpha = _image_streams(image.data)
    number: Any = generic.NumberObject  # untyped constructor

    def picture(colour_space: str, data: bytes, extra: dict[str, Any]) -> Any:
        entries = {
            "/Type": "/XObject",
            "/Subtype": "/Image",
            "/Width": width,
            "/Height": height,
            "/ColorSpace": colour_space,
            "/BitsPerComponent": 8,
            "/Filter": "/FlateDecode",
        }
        dictionary: dict[Any, Any] = {
            generic.pdf_name(key): (
                generic.pdf_name(value) if isinstance(value, str) else number(value)
            )
            for key, value in entries.items()
        }
        dictionary.update(extra)
        return generic.StreamObject(dictionary, encoded_data=data)

    class _Picture(content.PdfContent):
        def render(self) -> bytes:
            writer = self._ensure_writer
            mask = writer.add_object(picture("/DeviceGray", alpha, {}))
            reference = writer.add_object(
                picture("/DeviceRGB", rgb, {generic.pdf_name("/SMask"): mask})
            )
            self.set_resource(
                category=content.ResourceType.XOBJECT,
                name=generic.pdf_name("/BriefgenPicture"),
                value=reference,
            )
            return b"q %g 0 0 %g 0 0 cm /BriefgenPicture Do Q" % (width, height)

    return _Picture(box=BoxConstraints(width=width, height=height))


def _stamp_pdf(lines: list[str]) -> Any:
    """The attachment's text stamp as pyHanko content (the page imported as a form)."""
    from pyhanko.pdf_utils import content
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.reader import PdfFileReader

    from briefgen.writers.pdf import text_stamp

    data = text_stamp(lines, ATTACHMENT_STAMP_PT)
    x0, y0, x1, y1 = _media_box(PdfFileReader(io.BytesIO(data)), 0)

    class _ImportedStamp(content.PdfContent):
        size = (x1 - x0, y1 - y0)

        def render(self) -> bytes:
            writer = self._ensure_writer
            xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(data)), page_ix=0)
            self.resources.xobject["/BriefgenStamp"] = xobject
            self.box = BoxConstraints(width=self.size[0], height=self.size[1])
            return b"/BriefgenStamp Do"

    return _ImportedStamp()


def _media_box(handler: Any, page: int) -> tuple[float, float, float, float]:
    """The media box of page ``page`` (inherited from the page tree if need be)."""
    node = handler.find_page_for_modification(page)[0].get_object()
    while "/MediaBox" not in node and "/Parent" in node:
        node = node["/Parent"]
    x0, y0, x1, y1 = (float(v) for v in node["/MediaBox"])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _attachment_box(writer: Any, record: PdfLayout | None, size: tuple[float, float]) -> Rect:
    """Top right of page 1: right-aligned with the text, just above it, inside the page."""
    _, _, x1, y1 = _media_box(writer, 0)
    top_mm, right_mm = _FALLBACK_MARGINS_MM
    text_right = record.text_area.x1 if record else x1 - right_mm * MM
    text_top = record.text_area.y1 if record else y1 - top_mm * MM
    width, height = size
    bottom = min(text_top + _ATTACHMENT_GAP_MM * MM, y1 - _ATTACHMENT_GAP_MM * MM - height)
    return Rect(text_right - width, bottom, text_right, bottom + height)


# --------------------------------------------------------------------------- empty fields


def add_empty_fields(
    data: bytes, layout: PdfLayout, seal_mm: float = DEFAULT_SEAL_MM, signature_mm: float = 40.0
) -> bytes:
    """Reserve empty signature fields at boxes 7c and 8 of an unsigned brief.

    An agency's own signing tool then signs into the right places: field
    :data:`SIGNER_FIELD` for the person, :data:`SEAL_FIELD` (``seal_mm``
    square, the seal's real size) for the body.  The fields print nothing.
    """
    require("pyhanko.sign", "sign", "signature fields")
    from pyhanko.sign import fields

    if layout.signature is None:
        raise UsageError("the brief has no signature block to reserve signature fields in")
    placement = place(
        layout.signature, (signature_mm, signature_mm * DEFAULT_SIGNATURE_ASPECT), seal_mm
    )
    writer = _open(data, Location())
    for name, box in ((SIGNER_FIELD, placement.signature), (SEAL_FIELD, placement.seal)):
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(name, on_page=placement.page, box=_box(box)),
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
