"""The indicator catalogue: labels in Vietnamese and English, unit, kind, direction.

The catalogue ships as package data (``indicators.yaml``).  A dataset may
declare extra indicators of its own; :func:`catalogue` merges them over the
built-in ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

import yaml

from briefgen.errors import DataError, Location
from briefgen.text import lower_first

Kind = Literal["count", "money", "percent", "rank", "density", "duration"]
KINDS: tuple[str, ...] = ("count", "money", "percent", "rank", "density", "duration")
Merge = Literal["sum", "weighted", "none"]
MERGES: tuple[str, ...] = ("sum", "weighted", "none")
"""How figures of several provinces combine (see ``indicators.yaml``)."""
SECTIONS: tuple[str, ...] = ("rankings", "sector", "telecom", "postal", "egov", "press", "other")


@dataclass(frozen=True)
class Unit:
    """A unit of measure with its labels (``money`` marks currency units)."""

    id: str
    vi: str
    en: str
    money: bool = False

    def label(self, lang: str) -> str:
        """The unit's label in ``lang`` ("vi" or "en")."""
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue.

    ``kind``: ``"percent"`` marks a rate, whose change is stated in
    percentage points (:attr:`is_rate`).  ``better``: ``"higher"`` or
    ``"lower"`` (ranks).  ``merge``: how the figures of several provinces
    combine (a unit formed in 2025 from its former provinces): ``"sum"``,
    ``"weighted"`` (population-weighted mean) or ``"none"`` (not comparable).
    ``section``: where the official template reports it.  ``per_100_vi``/
    ``per_100_en``: how the density is written ("thuê bao/100 dân").
    ``density_vi``/``density_en``: the label of the density row (``""`` for
    the default built from the short label).
    """

    id: str
    vi: str
    en: str
    vi_short: str
    en_short: str
    kind: Kind
    unit: Unit
    better: Literal["higher", "lower"]
    merge: Merge
    section: str
    per_100_vi: str = "thuê bao/100 dân"
    per_100_en: str = "per 100 inhabitants"
    density_vi: str = ""
    density_en: str = ""

    @property
    def is_rate(self) -> bool:
        """A rate (kind ``percent``): its change is a difference in percentage points."""
        return self.kind == "percent"

    @property
    def additive(self) -> bool:
        """Values of several provinces add up (``merge == "sum"``)."""
        return self.merge == "sum"

    def label(self, lang: str = "vi", short: bool = False) -> str:
        """The indicator's label in ``lang``, short or full."""
        if lang == "en":
            return self.en_short if short else self.en
        return self.vi_short if short else self.vi

    def per_100_label(self, lang: str = "vi") -> str:
        """How this indicator's density per 100 inhabitants is written."""
        return self.per_100_en if lang == "en" else self.per_100_vi

    def density_label(self, lang: str = "vi") -> str:
        """The name of the density: "Mật độ thuê bao băng rộng", "Broadband subscriber density"."""
        if lang == "en":
            return self.density_en or f"Density of {lower_first(self.en_short)}"
        return self.density_vi or f"Mật độ {lower_first(self.vi_short)}"


class Catalogue(Mapping[str, Indicator]):
    """Indicators by id, with "did you mean" errors for unknown ids."""

    def __init__(self, indicators: Mapping[str, Indicator], units: Mapping[str, Unit]):
        self._indicators = dict(indicators)
        self.units = dict(units)

    def __getitem__(self, key: str) -> Indicator:
        return self._indicators[key]

    def __iter__(self) -> Any:
        return iter(self._indicators)

    def __len__(self) -> int:
        return len(self._indicators)

    def require(self, indicator_id: str, where: Location | None = None) -> Indicator:
        """The indicator ``indicator_id``; :class:`DataError` with suggestions if unknown."""
        try:
            return self._indicators[indicator_id]
        except KeyError:
            close = difflib.get_close_matches(indicator_id, list(self._indicators), n=3)
            hint = (
                f"did you mean: {', '.join(close)}?"
                if close
                else ("declare it under 'indicators:' in the data file")
            )
            raise DataError(f"unknown indicator '{indicator_id}'", where, hint) from None

    def unit(self, unit_id: str, where: Location | None = None) -> Unit:
        """The unit ``unit_id``; :class:`DataError` with suggestions if unknown."""
        try:
            return self.units[unit_id]
        except KeyError:
            close = difflib.get_close_matches(unit_id, list(self.units), n=3)
            hint = (
                f"did you mean: {', '.join(close)}?"
                if close
                else (f"known units: {', '.join(sorted(self.units))}")
            )
            raise DataError(f"unknown unit '{unit_id}'", where, hint) from None

    def in_section(self, section: str) -> tuple[Indicator, ...]:
        """Indicators of one section, in catalogue order."""
        return tuple(i for i in self._indicators.values() if i.section == section)

    def extended(
        self, extra: Mapping[str, Mapping[str, Any]], where: Location | None = None
    ) -> Catalogue:
        """A catalogue with ``extra`` indicator declarations added (or overriding)."""
        indicators = dict(self._indicators)
        for indicator_id, spec in extra.items():
            indicators[indicator_id] = _indicator(indicator_id, spec, self.units, where)
        return Catalogue(indicators, self.units)


_REQUIRED = ("vi", "en", "kind", "unit")
_ALLOWED = {
    "vi",
    "en",
    "vi_short",
    "en_short",
    "kind",
    "unit",
    "better",
    "additive",
    "merge",
    "section",
    "per_100_vi",
    "per_100_en",
    "density_vi",
    "density_en",
}


def _indicator(
    indicator_id: str, spec: Mapping[str, Any], units: Mapping[str, Unit], where: Location | None
) -> Indicator:
    base = where or Location()
    field = f"indicators.{indicator_id}"
    if not isinstance(spec, Mapping):
        raise DataError("an indicator declaration must be a mapping", _at(base, field))
    unknown = sorted(set(spec) - _ALLOWED)
    if unknown:
        raise DataError(
            f"unknown key '{unknown[0]}' in indicator declaration",
            _at(base, f"{field}.{unknown[0]}"),
            f"allowed keys: {', '.join(sorted(_ALLOWED))}",
        )
    for key in _REQUIRED:
        if key not in spec:
            raise DataError(f"indicator declaration lacks '{key}'", _at(base, f"{field}.{key}"))
    kind = spec["kind"]
    if kind not in KINDS:
        raise DataError(
            f"unknown kind '{kind}'", _at(base, f"{field}.kind"), f"use one of: {', '.join(KINDS)}"
        )
    unit_id = str(spec["unit"])
    if unit_id not in units:
        close = difflib.get_close_matches(unit_id, list(units), n=3)
        raise DataError(
            f"unknown unit '{unit_id}'",
            _at(base, f"{field}.unit"),
            f"did you mean: {', '.join(close)}?" if close else f"known: {', '.join(units)}",
        )
    better = spec.get("better", "lower" if kind == "rank" else "higher")
    if better not in ("higher", "lower"):
        raise DataError("'better' must be 'higher' or 'lower'", _at(base, f"{field}.better"))
    section = spec.get("section", "other")
    if section not in SECTIONS:
        raise DataError(
            f"unknown section '{section}'",
            _at(base, f"{field}.section"),
            f"use one of: {', '.join(SECTIONS)}",
        )
    merge = _merge(spec, kind, _at(base, field))
    return Indicator(
        id=indicator_id,
        vi=str(spec["vi"]),
        en=str(spec["en"]),
        vi_short=str(spec.get("vi_short", spec["vi"])),
        en_short=str(spec.get("en_short", spec["en"])),
        kind=kind,
        unit=units[unit_id],
        better=better,
        merge=merge,
        section=section,
        per_100_vi=str(spec.get("per_100_vi", "thuê bao/100 dân")),
        per_100_en=str(spec.get("per_100_en", "per 100 inhabitants")),
        density_vi=str(spec.get("density_vi", "")),
        density_en=str(spec.get("density_en", "")),
    )


def _default_merge(kind: str) -> Merge:
    if kind in ("count", "money"):
        return "sum"
    if kind in ("percent", "density"):
        return "weighted"
    return "none"


def _merge(spec: Mapping[str, Any], kind: str, where: Location) -> Merge:
    """The declaration's ``merge``, or what an older ``additive`` flag means."""
    merge = spec.get("merge")
    if merge is not None and merge not in MERGES:
        raise DataError(
            f"unknown merge rule '{merge}'",
            _at(where, f"{where.field}.merge"),
            "use sum (figures add up), weighted (population-weighted) or none (not comparable)",
        )
    if "additive" in spec:
        additive = spec["additive"]
        if not isinstance(additive, bool):
            raise DataError(
                "'additive' must be true or false", _at(where, f"{where.field}.additive")
            )
        if merge is not None and (merge == "sum") != additive:
            raise DataError(
                f"'additive: {str(additive).lower()}' contradicts 'merge: {merge}'",
                _at(where, f"{where.field}.additive"),
                "give only 'merge'",
            )
        if merge is None and not additive:
            merge = "weighted" if kind in ("percent", "density") else "none"
        elif merge is None:
            merge = "sum"
    return cast(Merge, merge) if merge is not None else _default_merge(kind)


def _at(base: Location, field: str) -> Location:
    return Location(file=base.file, record=base.record, row=base.row, field=field)


@cache
def builtin() -> Catalogue:
    """The catalogue shipped with briefgen (loaded once per process)."""
    text = resources.files("briefgen.data").joinpath("indicators.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    units = {
        unit_id: Unit(unit_id, spec["vi"], spec["en"], bool(spec.get("money", False)))
        for unit_id, spec in raw["units"].items()
    }
    where = Location(file="briefgen/data/indicators.yaml")
    indicators = {
        indicator_id: _indicator(indicator_id, spec, units, where)
        for indicator_id, spec in raw["indicators"].items()
    }
    return Catalogue(indicators, units)


def ids(indicators: Iterable[Indicator]) -> tuple[str, ...]:
    """The ids of ``indicators``, in order."""
    return tuple(i.id for i in indicators)
