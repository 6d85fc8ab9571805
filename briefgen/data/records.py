"""Pydantic models of province-year records, as they are reported.

A record is one province in one year.  Figures are kept as the source reports
them (:class:`Observation`); derived figures are computed elsewhere
(``briefgen.data.derive``) and never overwrite reported ones.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from briefgen.data import clean


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", clean.refuse(value)).strip()
    return value


NFCText = Annotated[str, BeforeValidator(_nfc)]
"""A string normalised to NFC with outer white space removed; text a document
cannot hold (:mod:`briefgen.data.clean`) is refused."""


MAX_FIGURE = 1e15
"""Largest size of a reported figure (a quadrillion: far above any province's count
or money in its unit); beyond it a figure is a typo or an attack, not data."""

MIN_FIGURE = 1e-6
"""Smallest size of a reported figure other than 0: closer to zero it is no figure a
report gives, and dividing by it (growth, attainment) overflows."""

MAX_PERCENT = 1e6
"""Largest size of a reported percentage (growth, plan attainment, density)."""


def _not_vanishing(value: float) -> float:
    if value != 0 and abs(value) < MIN_FIGURE:
        raise ValueError(
            f"a figure this close to zero is not data: write 0 or at least {MIN_FIGURE:g}"
        )
    return value


Figure = Annotated[float, Field(ge=-MAX_FIGURE, le=MAX_FIGURE), AfterValidator(_not_vanishing)]
Percent = Annotated[float, Field(ge=-MAX_PERCENT, le=MAX_PERCENT)]


class _Model(BaseModel):
    # Numbers must be finite: NaN and infinity are never a reported figure.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class Observation(_Model):
    """One reported figure of one indicator.  ``None`` everywhere means "not reported".

    ``value``: the figure in the indicator's unit (counts as plain numbers:
    1,85 triệu is ``1850000``; money in the unit given by ``unit`` or the
    catalogue, usually tỷ đồng).
    ``unit``: overrides the catalogue unit id for this figure.
    ``yoy_pct``: growth over the same period of the previous year, in percent
    (a report's "bằng 102,8% so với cùng kỳ" is ``2.8``).
    ``plan``: the planned value for the year; ``plan_pct``: attainment of the
    plan in percent (``118`` for "đạt 118% kế hoạch").
    ``rank``/``of``: position in a national ranking and the number of units
    ranked.  ``edition``: the year of the ranking's edition when it differs
    from the record's year (DTI 2021 reported in the 2022 review).
    ``per_100``: density per 100 inhabitants as reported.
    Figures are finite, 0 or from :data:`MIN_FIGURE` to :data:`MAX_FIGURE` in
    size; percentages at most :data:`MAX_PERCENT`.
    ``note``: free text printed with the figure; ``source``: where it came from.
    """

    value: Figure | None = None
    unit: str | None = None
    yoy_pct: Percent | None = None
    plan: Figure | None = None
    plan_pct: Percent | None = None
    rank: int | None = Field(default=None, ge=1, le=10_000)
    of: int | None = Field(default=None, ge=1, le=10_000)
    edition: int | None = Field(default=None, ge=1990, le=2100)
    per_100: float | None = Field(default=None, ge=0, le=MAX_PERCENT)
    note: NFCText | None = None
    source: NFCText | None = None

    @model_validator(mode="after")
    def _rank_within_denominator(self) -> Observation:
        if self.rank is not None and self.of is not None and self.rank > self.of:
            raise ValueError(f"rank {self.rank} is greater than the number ranked ({self.of})")
        if self.of is not None and self.rank is None:
            raise ValueError("'of' is given without 'rank'")
        return self

    @property
    def is_empty(self) -> bool:
        """True when no figure at all is reported."""
        return all(
            getattr(self, name) is None
            for name in ("value", "yoy_pct", "plan", "plan_pct", "rank", "per_100")
        )


class Target(_Model):
    """A target for the next year.

    ``indicator``: catalogue id, or ``None`` for a target stated only in words.
    ``value``/``per_100``: the target figure; ``rank_max``: stay at or above
    this rank ("giữ trong nhóm 10 tỉnh dẫn đầu" is ``10``); ``text``: the
    target in words (printed when given, otherwise a sentence is built).
    """

    indicator: str | None = None
    value: Figure | None = None
    per_100: float | None = Field(default=None, ge=0, le=MAX_PERCENT)
    rank_max: int | None = Field(default=None, ge=1, le=10_000)
    text: NFCText | None = None

    @model_validator(mode="after")
    def _says_something(self) -> Target:
        if self.text is None and self.indicator is None:
            raise ValueError("a target needs an 'indicator' or a 'text'")
        if (
            self.indicator is not None
            and self.text is None
            and (self.value is None and self.per_100 is None and self.rank_max is None)
        ):
            raise ValueError(
                f"target for '{self.indicator}' has no value, per_100, rank_max or text"
            )
        return self


class Person(_Model):
    """A named person and the role the source gives them."""

    name: NFCText
    role: NFCText | None = None


class LocalFigure(_Model):
    """A figure reported for a district or other sub-unit, kept in its own words."""

    label: NFCText
    value: Figure
    unit: NFCText | None = None


class LocalReport(_Model):
    """Figures a sub-unit (e.g. "huyện Hải Hậu") reported at the conference."""

    unit: NFCText
    topic: NFCText | None = None
    figures: tuple[LocalFigure, ...] = ()


class Source(_Model):
    """Where the record's figures come from: a document named by its title (and
    date, author, publisher) or by its ``file``; at least one of title and file."""

    file: NFCText | None = None
    title: NFCText | None = None
    published: dt.date | None = None
    author: NFCText | None = None
    publisher: NFCText | None = None

    @model_validator(mode="after")
    def _named(self) -> Source:
        if self.file is None and self.title is None:
            raise ValueError("a source needs a 'title' or a 'file'")
        return self


class ReportInfo(_Model):
    """Facts of the official document itself.  ``None`` means the template's default.

    ``number``: document number without "Số:" ("05/BC-STTTT"); ``date``: the
    issue date; ``place``: the place printed before the date (defaults to the
    province's name); ``parent``/``issuer``: the parent body and the issuing
    body; ``signer``/``authority``: who signs and under what authority
    ("KT. GIÁM ĐỐC"); ``recipients``: the "Nơi nhận" lines.
    ``addressees``: the "Kính gửi:" list, for a report sent up to a higher body
    (Decree-30 box 9a; empty for none).  ``drafting_unit``, ``drafter`` and
    ``copies``: the "Lưu:" line's drafting unit, drafter's initials and number
    of copies ("Lưu: VT, KHTC, NVA (05)", boxes 9b and 12).
    """

    number: NFCText | None = None
    date: dt.date | None = None
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


class Record(_Model):
    """One province in one year, with everything its reports give."""

    province: NFCText
    year: int = Field(ge=1990, le=2100)
    observations: dict[str, Observation] = Field(default_factory=dict)
    highlights: tuple[NFCText, ...] = ()
    targets: tuple[Target, ...] = ()
    leaders: tuple[Person, ...] = ()
    awards: tuple[NFCText, ...] = ()
    local_reports: tuple[LocalReport, ...] = ()
    report: ReportInfo = Field(default_factory=ReportInfo)
    sources: tuple[Source, ...] = ()

    @property
    def label(self) -> str:
        """ "Nam Định 2021", for messages."""
        return f"{self.province} {self.year}"
