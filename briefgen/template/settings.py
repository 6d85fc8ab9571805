"""Template-level settings of the official document: report facts and the logo.

``template.yaml`` may hold a ``report:`` section (issuing body, place, signer,
recipients, "Kính gửi", the "Lưu:" line, the title line) and a ``logo:``
setting (an image file inside the template folder).  This module validates
both where they are read, so that every mistake is an error naming
``template.yaml`` and the key.  The report settings are merged with a record's
``report:`` facts in one place, :func:`briefgen.template.context.build_context`,
the record winning wherever it says something.
"""

from __future__ import annotations

import io
import string
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefgen import model as m
from briefgen.data.records import NFCText, Person
from briefgen.data.validate import plain_message
from briefgen.errors import Location, TemplateError, field_path

# --------------------------------------------------------------------------- report


SUMMARY_FIELDS: tuple[str, ...] = ("year", "next_year", "province", "issuer", "field")
"""Placeholders a ``report.summary`` may use: ``{year}``, ``{next_year}``,
``{province}`` ("Thanh Hóa"), ``{issuer}`` and ``{field}``."""


class ReportSettings(BaseModel):
    """The ``report:`` section of template.yaml.  ``None`` (or empty) means "not set".

    ``place``, ``parent``, ``issuer``, ``issuer_short``, ``signer``,
    ``authority``, ``recipients``: as the record's ``report:`` facts, which win
    over them.  ``addressees``: the "Kính gửi:" list (box 9a).
    ``drafting_unit``, ``drafter``, ``copies``: the "Lưu:" line ("Lưu: VT,
    KHTC, NVA (05)", boxes 9b and 12).  ``field``: the department's field
    in the title ("thông tin và truyền thông").  ``kind``: the document kind
    ("BÁO CÁO"); ``summary``: the title line under it, with the placeholders
    of :data:`SUMMARY_FIELDS` and line breaks as written.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    place: NFCText | None = None
    parent: NFCText | None = None
    issuer: NFCText | None = None
    issuer_short: NFCText | None = None
    signer: Person | None = None
    authority: NFCText | None = None
    recipients: tuple[NFCText, ...] = ()
    addressees: tuple[NFCText, ...] = ()
    drafting_unit: NFCText | None = None
    drafter: NFCText | None = None
    copies: int | None = Field(default=None, ge=1, le=999)
    field: NFCText | None = None
    kind: NFCText | None = None
    summary: NFCText | None = None


def report_settings(raw: Any, file: str) -> ReportSettings:
    """The validated ``report:`` section; a mistake names ``file`` and the key."""
    if raw is None:
        return ReportSettings()
    if not isinstance(raw, Mapping):
        raise TemplateError("'report' must be a mapping", Location(file=file, field="report"))
    try:
        settings = ReportSettings.model_validate(dict(raw))
    except ValidationError as error:
        first = error.errors()[0]
        key = field_path(("report", *first["loc"]))
        message = plain_message(first)
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(ReportSettings.model_fields))
            raise TemplateError(
                f"unknown key '{first['loc'][-1]}'",
                Location(file=file, field=key),
                f"allowed under 'report': {allowed}",
            ) from None
        raise TemplateError(f"{message}", Location(file=file, field=key)) from None
    if settings.summary is not None:
        check_summary(settings.summary, Location(file=file, field="report.summary"))
    return settings


def check_summary(pattern: str, where: Location) -> None:
    """Refuse a summary whose placeholders are not plain names of :data:`SUMMARY_FIELDS`."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as error:
        raise TemplateError(
            f"summary is not a valid pattern: {error}", where, "write a literal brace as {{ or }}"
        ) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in SUMMARY_FIELDS or spec or conversion:
            raise TemplateError(
                f"unknown placeholder '{{{name}}}' in the summary",
                where,
                f"use {', '.join('{' + field + '}' for field in SUMMARY_FIELDS)}",
            )


def fill_summary(pattern: str, values: Mapping[str, str]) -> str:
    """``pattern`` with its placeholders replaced (checked by :func:`check_summary`)."""
    out: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


def legacy_recipients(raw: dict[str, Any]) -> dict[str, Any]:
    """One template.yaml with ``values.default_recipients`` (the setting before
    ``report.recipients`` existed) read as ``report.recipients``, unless the same
    file sets that."""
    values = raw.get("values")
    report = raw.get("report")
    if not isinstance(values, Mapping) or "default_recipients" not in values:
        return raw
    if report is not None and (not isinstance(report, Mapping) or "recipients" in report):
        return raw
    return {**raw, "report": {**(report or {}), "recipients": values["default_recipients"]}}


# --------------------------------------------------------------------------- logo


LOGO_KEYS: tuple[str, ...] = ("file", "height_mm", "width_mm", "position", "description")
LOGO_HEIGHT_MM: tuple[float, float] = (5.0, 40.0)
"""Heights a logo may print at: from legible to about the height of the letterhead."""
LOGO_MAX_WIDTH_MM = 60.0
"""Widest logo: it must leave the issuing body's name room in the left column."""
LOGO_DEFAULT_HEIGHT_MM = 12.0
"""Leaves the issuing body's lines beside it 55 mm of a 43 % left column ("UBND TỈNH THANH HÓA")."""
LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000


@dataclass(frozen=True)
class Logo:
    """A template's logo: the picture and where ``<logo/>`` puts it by default."""

    picture: m.Picture
    position: m.LogoPosition = "left"

    @property
    def width_mm(self) -> float:
        return self.picture.width_mm

    @property
    def height_mm(self) -> float:
        return self.picture.height_mm


def logo_setting(chain: Sequence[tuple[Path, Mapping[str, Any]]]) -> Logo | None:
    """The logo of a template: the nearest template.yaml of the ``extends`` chain
    (``(folder, raw config)`` pairs, the template's own first) that sets ``logo``
    decides, its file relative to its own folder; ``logo: false`` removes one."""
    for folder, raw in chain:
        if "logo" in raw:
            return _logo(folder, raw["logo"], str(folder / "template.yaml"))
    return None


def _logo(folder: Path, raw: Any, file: str) -> Logo | None:
    if raw is None or raw is False:
        return None
    if isinstance(raw, str):
        raw = {"file": raw}
    if not isinstance(raw, Mapping):
        raise TemplateError(
            "'logo' must be a file name or a mapping",
            Location(file=file, field="logo"),
            "e.g. 'logo: {file: logo.png, height_mm: 16}'",
        )
    for key in raw:
        if key not in LOGO_KEYS:
            raise TemplateError(
                f"unknown key '{key}'",
                Location(file=file, field=f"logo.{key}"),
                f"allowed under 'logo': {', '.join(LOGO_KEYS)}",
            )
    position = raw.get("position", "left")
    if position not in ("left", "above"):
        raise TemplateError(
            f"logo position must be left or above, not {position!r}",
            Location(file=file, field="logo.position"),
        )
    data = _logo_bytes(folder, raw.get("file"), file)
    width_px, height_px = _image_size(data, Location(file=file, field="logo.file"))
    width_mm, height_mm = _logo_size(raw, width_px / height_px, file)
    description = raw.get("description", "Logo")
    if not isinstance(description, str):
        raise TemplateError(
            "logo description must be text", Location(file=file, field="logo.description")
        )
    picture = m.Picture(data, width_mm, height_mm, description)
    return Logo(picture, position)


def _logo_bytes(folder: Path, name: Any, file: str) -> bytes:
    """The bytes of the logo file: a file inside ``folder``, and nowhere else."""
    where = Location(file=file, field="logo.file")
    if not isinstance(name, str) or not name.strip():
        raise TemplateError("logo needs a 'file' inside the template folder", where)
    relative = PurePath(name)
    inside = "the logo must be a file inside the template folder"
    if relative.is_absolute() or Path(name).is_absolute():
        raise TemplateError(f"{inside}, not the absolute path '{name}'", where)
    if ".." in relative.parts:
        raise TemplateError(f"{inside}; '{name}' leaves it with '..'", where)
    root = folder.resolve()
    target = (folder / relative).resolve()
    if not target.is_relative_to(root):
        raise TemplateError(f"{inside}; '{name}' is a link to '{target}'", where)
    if not target.is_file():
        raise TemplateError(f"logo file '{name}' not found in {folder}", where)
    size = target.stat().st_size
    if size > LOGO_MAX_BYTES:
        raise TemplateError(
            f"logo file '{name}' is {size / 1048576:.1f} MB; at most "
            f"{LOGO_MAX_BYTES // 1048576} MB",
            where,
            "a letterhead logo needs a few hundred pixels: make a smaller PNG",
        )
    return target.read_bytes()


def _image_size(data: bytes, where: Location) -> tuple[int, int]:
    """Pixel width and height of a PNG or JPEG, checked by decoding it completely."""
    from PIL import Image  # Pillow comes with matplotlib

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                if width * height > LOGO_MAX_PIXELS:
                    raise TemplateError(
                        f"logo is {width}×{height} pixels; at most {LOGO_MAX_PIXELS:,} pixels",
                        where,
                    )
                image.load()
    except TemplateError:
        raise
    except Exception as error:  # Pillow raises many kinds for bad bytes
        raise TemplateError(
            f"logo file cannot be read as an image: {error}", where, "use a PNG or JPEG file"
        ) from None
    if kind not in ("PNG", "JPEG"):
        raise TemplateError(
            f"logo is a {kind} image", where, "use a PNG or JPEG file (both formats embed them)"
        )
    if width < 1 or height < 1:
        raise TemplateError("logo image is empty", where)
    return width, height


def _logo_size(raw: Mapping[str, Any], aspect: float, file: str) -> tuple[float, float]:
    """(width, height) in mm from ``height_mm`` or ``width_mm`` and the image's aspect."""

    def number(key: str) -> float | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise TemplateError(
                f"{key} must be a number of mm, not {value!r}",
                Location(file=file, field=f"logo.{key}"),
            )
        return float(value)

    height, width = number("height_mm"), number("width_mm")
    if height is not None and width is not None:
        raise TemplateError(
            "give the logo's height_mm or its width_mm, not both",
            Location(file=file, field="logo"),
            "the other follows from the image's proportions",
        )
    if width is not None:
        height = width / aspect
    elif height is None:
        height = LOGO_DEFAULT_HEIGHT_MM
    width = height * aspect
    key = "logo.width_mm" if raw.get("width_mm") is not None else "logo.height_mm"
    low, high = LOGO_HEIGHT_MM
    if not low <= height <= high:
        raise TemplateError(
            f"the logo would print {height:.3g} mm high; it must be {low:g} to {high:g} mm",
            Location(file=file, field=key),
        )
    if width > LOGO_MAX_WIDTH_MM:
        raise TemplateError(
            f"the logo would print {width:.3g} mm wide; at most {LOGO_MAX_WIDTH_MM:g} mm",
            Location(file=file, field=key),
            "give a smaller height_mm",
        )
    return width, height
