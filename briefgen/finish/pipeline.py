"""Finishing a brief's PDF after the writer: empty signature fields, archival, signing.

The order matters and is fixed here: the writer leaves room for the images
(a seal at its real size between title and name), empty fields are added,
the file is made PDF/A (a rewrite of the whole file), and signing comes last,
as incremental updates that must cover everything before them.

:func:`finish_pdf` serves ``Document.save``/``to_bytes`` and the batch;
:func:`sign_file` signs a PDF on disk (``briefgen sign``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen import model as m
from briefgen.errors import Location, OutputError, UsageError
from briefgen.files import write_atomic
from briefgen.finish.archival import Part, check_part, to_pdfa
from briefgen.finish.config import DEFAULT_SEAL_MM
from briefgen.finish.placement import room_mm
from briefgen.manifest import record_signed

if TYPE_CHECKING:
    from briefgen.finish.sign import Signer

__all__ = ["Archival", "finish_pdf", "resolve_archival", "sign_file", "with_room"]

Archival = str | bool | None
"""An archival request: ``"2b"``/``"1b"``, ``True`` (2b), ``False`` (none), ``None`` (default)."""

SIGN_FIELDS_SIGNATURE_MM = (40.0, 20.0)
"""Size of the empty field reserved for the signer's image (box 7c)."""


def resolve_archival(requested: Archival, default: str | None = None) -> Part | None:
    """The archival part to write: ``requested``, else the template's ``default``."""
    if requested is None:
        requested = default
    if requested is None or requested is False:
        return None
    if requested is True:
        return "2b"
    if isinstance(requested, str) and requested.strip().lower() in ("", "none", "no", "off"):
        return None
    return check_part(requested)


def with_room(document: m.Document, room: float | None) -> m.Document:
    """``document`` with at least ``room`` mm between title and name in its signature blocks."""
    if room is None:
        return document
    blocks = [
        replace(block, room_mm=max(block.room_mm or 0.0, room))
        if isinstance(block, m.Signature)
        else block
        for block in document.blocks
    ]
    return document.with_blocks(blocks)


def finish_pdf(
    document: m.Document,
    *,
    sign: Signer | None = None,
    archival: str | None = None,
    sign_fields: bool | float = False,
) -> bytes:
    """The PDF of ``document``, with empty signature fields, PDF/A and signatures as asked.

    ``archival``: "2b" or "1b" (``None``: plain PDF).  ``sign_fields``: reserve
    empty fields at boxes 7c and 8, for a seal of ``sign_fields`` mm (``True``:
    36 mm); with ``sign`` the signatures take those places instead.  Raises
    :class:`UsageError` when asked to sign a draft.
    """
    from briefgen.fitting import write_pdf

    part: Part | None = check_part(archival) if archival is not None else None
    seal_mm = DEFAULT_SEAL_MM if sign_fields is True else float(sign_fields)
    if sign is not None and document.draft:
        raise UsageError(
            "a draft (DỰ THẢO) cannot be signed", hint="render it without draft to sign it"
        )
    room = None
    if sign is not None:
        room = sign.room_mm()
    elif sign_fields:
        room = room_mm(SIGN_FIELDS_SIGNATURE_MM[1], seal_mm)
    data, layout, _ = write_pdf(with_room(document, room))  # charts fitted to this room
    if sign_fields and sign is None:
        from briefgen.finish.sign import add_empty_fields

        data = add_empty_fields(data, layout, seal_mm, SIGN_FIELDS_SIGNATURE_MM[0])
    if part is not None:
        data = to_pdfa(data, part)
    if sign is not None:
        data = sign.sign(data, layout)
    return data


def sign_file(
    path: str | Path,
    signer: Signer | str | Path,
    *,
    out: str | Path | None = None,
    attachment: bool = False,
    number: str | None = None,
) -> Path:
    """Sign the PDF at ``path``; returns the file written.

    ``signer``: a :class:`~briefgen.finish.sign.Signer` or the path of a
    signing configuration.  ``out``: where to write (a folder keeps the
    name; ``None`` signs the file in place).  ``attachment``: sign as an
    attachment in a separate file (the body's signature at the top right of
    page 1, showing ``number``).  The write is atomic: on any error no file
    is written or changed.

    When the file written is one a batch's ``manifest.json`` beside it vouches
    for, its entry is updated to the signed file (:func:`briefgen.manifest.record_signed`),
    so that ``briefgen send`` sends it; a manifest that lists the file but does
    not vouch for it is left as it is, with a :class:`~briefgen.errors.BriefgenWarning`.
    """
    from briefgen.finish.sign import Signer

    source = Path(path)
    chosen = signer if isinstance(signer, Signer) else Signer.from_config(signer)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise UsageError("PDF not found", Location(file=str(source))) from None
    except OSError as error:
        raise UsageError(f"cannot read: {error.strerror}", Location(file=str(source))) from None
    if attachment:
        signed = chosen.sign_attachment(data, number or "", source=str(source))
    else:
        if number is not None:
            raise UsageError("--number is for attachments", hint="add --attachment")
        signed = chosen.sign(data, source=str(source))
    written = write_atomic(_target(source, out), signed)
    record_signed(written, signed)
    return written


def sign_files(
    paths: Iterable[str | Path],
    signer: Signer,
    *,
    out: str | Path | None = None,
    attachment: bool = False,
    number: str | None = None,
) -> list[Path]:
    """:func:`sign_file` for several files with one signer (one PIN prompt)."""
    return [
        sign_file(path, signer, out=out, attachment=attachment, number=number) for path in paths
    ]


def _target(source: Path, out: str | Path | None) -> Path:
    if out is None:
        return source
    target = Path(out)
    if target.is_dir() or str(out).endswith(("/", "\\")):
        return target / source.name
    if target.suffix.lower() != ".pdf":
        raise OutputError(
            f"'{target}' is neither a folder nor a .pdf file name",
            hint="give a folder or a name ending in .pdf",
        )
    return target
