"""The registry of Vietnamese provincial units: the 63 before 1 July 2025 and the 34 after.

Data comes from ``units.json`` next to this module (package data, read once).
Two lists ("eras") exist side by side: ``"63"`` for the units that reported up
to and including year 2024, ``"34"`` for the units created by Resolution
202/2025/QH15 on 1 July 2025, which report for 2025 onwards.  A new unit takes
the old code of the province that hosts its capital, so the same code can name
different units in the two eras (``"24"`` is Bắc Giang in era 63 and the new
Bắc Ninh in era 34).

Names are matched through :func:`normalise`, which ignores Unicode form,
tone-mark placement, diacritics, case, administrative prefixes and punctuation.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypedDict, cast

from briefgen.errors import DataError, Location, UnknownProvinceError, UsageError

MERGER_DATE: Final = date(2025, 7, 1)
"""The day the 63 provincial units became 34 (Resolution 202/2025/QH15)."""

ERAS: Final = ("63", "34")
"""The two unit lists, oldest first; an era is named by its number of units."""

_DATA_FILE: Final = "units.json"
_MAX_SUGGESTIONS: Final = 3


@dataclass(frozen=True)
class Unit:
    """One provincial unit (tỉnh or thành phố trực thuộc trung ương) of one era.

    ``code``: two-digit GSO code such as ``"36"``.
    ``name``: short official name without prefix, NFC, modern tone marks ("Hòa Bình").
    ``kind``: ``"tỉnh"`` or ``"thành phố"``.
    ``population``: 2019 census population (approximate); for era-34 units the sum
    of their predecessors.  ``None`` means unknown.
    ``era``: ``"63"`` for units before 1 July 2025, ``"34"`` for units from then on.
    ``merged_from``: era-63 codes the unit was formed from, sorted; ``(code,)`` for
    every era-63 unit and for era-34 units that were not merged.
    ``aliases``: other accepted spellings and abbreviations ("TP.HCM", "BRVT").
    """

    code: str
    name: str
    kind: str
    population: int | None
    era: str
    merged_from: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        """The name with its administrative prefix: "Tỉnh Nam Định", "Thành phố Hà Nội"."""
        return f"{self.kind.capitalize()} {self.name}"

    @property
    def slug(self) -> str:
        """An ASCII identifier for file names and URLs: "nam-dinh", "ba-ria-vung-tau"."""
        return re.sub(r"[^a-z0-9]+", "-", _ascii_fold(self.name)).strip("-")

    @property
    def upper_name(self) -> str:
        """The name in capitals for letterheads ("UBND TỈNH NAM ĐỊNH"): "NAM ĐỊNH"."""
        return self.name.upper()

    @property
    def admin_prefix(self) -> str:
        """The lower-case administrative prefix used in running text: "tỉnh" or "thành phố"."""
        return self.kind

    @property
    def merged(self) -> bool:
        """Whether this era-34 unit was formed from more than one old unit."""
        return len(self.merged_from) > 1


class _RawUnit(TypedDict, total=False):
    code: str
    name: str
    kind: str
    population: int
    merged_from: list[str]
    aliases: list[str]


@dataclass(frozen=True)
class _Registry:
    """Units of every era, indexed by code and by normalised name or alias."""

    by_code: Mapping[str, Mapping[str, Unit]]
    by_key: Mapping[str, Mapping[str, Unit]]


# --- matching keys -----------------------------------------------------------

# Applied after folding to lower-case ASCII.  A prefix must be followed by a dot
# or a space so that names such as "Thanh Hóa" or "Tây Ninh" are left alone.
_PREFIX = re.compile(r"^\s*(?:thanh\s*pho|t\s*\.?\s*p|tinh)(?:\s*\.\s*|\s+)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _ascii_fold(text: str) -> str:
    """``text`` lower-cased without diacritics: "Đắk Lắk" -> "dak lak"."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D").lower()


def normalise(text: str) -> str:
    """The key under which a province name is matched.

    Strips diacritics (so Unicode form and old/new tone-mark placement do not
    matter), maps đ to d, lower-cases, drops one administrative prefix ("Tỉnh",
    "TP.", "Thành phố", "T.P.", "Tinh") and removes every character that is not
    a letter or digit: "TP. Hồ Chí Minh" -> "hochiminh", "Bà Rịa-Vũng Tàu" ->
    "bariavungtau".  Returns ``""`` for text with no letters or digits.
    """
    folded = _PREFIX.sub("", _ascii_fold(text), count=1)
    return _NOT_ALNUM.sub("", folded)


def _code_key(text: str) -> str | None:
    """``text`` as a two-digit code ("1" -> "01"), or ``None`` if it is not a code."""
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit() and len(stripped) <= 2:
        return stripped.zfill(2)
    return None


# --- loading -------------------------------------------------------------------


def _load_raw() -> dict[str, Any]:
    resource = importlib.resources.files("briefgen.data") / _DATA_FILE
    return cast(dict[str, Any], json.loads(resource.read_text(encoding="utf-8")))


def _build_era(
    era: str, raw_units: Iterable[_RawUnit], populations: Mapping[str, int | None]
) -> dict[str, Unit]:
    units_by_code: dict[str, Unit] = {}
    for raw in raw_units:
        code = raw["code"]
        merged_from = tuple(sorted(raw.get("merged_from", [code])))
        population: int | None
        if era == "63":
            population = raw.get("population")
        else:
            parts = [populations.get(old) for old in merged_from]
            population = None if None in parts else sum(p for p in parts if p is not None)
        units_by_code[code] = Unit(
            code=code,
            name=unicodedata.normalize("NFC", raw["name"]),
            kind=raw["kind"],
            population=population,
            era=era,
            merged_from=merged_from,
            aliases=tuple(unicodedata.normalize("NFC", a) for a in raw.get("aliases", [])),
        )
    return dict(sorted(units_by_code.items()))


def _index(era: str, units_by_code: Mapping[str, Unit]) -> dict[str, Unit]:
    index: dict[str, Unit] = {}
    for unit in units_by_code.values():
        for spelling in (unit.name, *unit.aliases):
            key = normalise(spelling)
            other = index.setdefault(key, unit)
            if other is not unit:
                # A clash would make resolve() depend on file order: refuse to load.
                raise DataError(
                    f"'{spelling}' of {unit.name} ({unit.code}) matches {other.name} "
                    f"({other.code}) in era {era}",
                    Location(file=_DATA_FILE, record=f"{unit.name} {unit.code}", field="aliases"),
                )
    return index


@functools.cache
def _registry() -> _Registry:
    raw = _load_raw()
    old = _build_era("63", cast(list[_RawUnit], raw["era_63"]), {})
    populations = {code: unit.population for code, unit in old.items()}
    new = _build_era("34", cast(list[_RawUnit], raw["era_34"]), populations)
    by_code = {"63": old, "34": new}
    return _Registry(
        by_code=by_code,
        by_key={era: _index(era, units_by_code) for era, units_by_code in by_code.items()},
    )


def _check_era(era: str) -> str:
    if era not in ERAS:
        raise UsageError(f"unknown era {era!r}", hint="use '63' (before 2025) or '34' (from 2025)")
    return era


# --- public API ----------------------------------------------------------------


def era_for_year(year: int) -> str:
    """The era whose units report for ``year``: "63" up to 2024, "34" from 2025.

    A yearly record for 2025 is reported by the new units, although they only
    existed from 1 July 2025.
    """
    return "63" if year <= MERGER_DATE.year - 1 else "34"


def units(era: str = "63") -> tuple[Unit, ...]:
    """Every unit of ``era`` ("63" or "34"), sorted by code."""
    return tuple(_registry().by_code[_check_era(era)].values())


def get(code: str, era: str = "63") -> Unit:
    """The unit of ``era`` with two-digit ``code`` ("1" is read as "01").

    Raises :class:`UnknownProvinceError` if ``era`` has no such code.
    """
    key = _code_key(code) or code
    found = _registry().by_code[_check_era(era)].get(key)
    if found is None:
        raise UnknownProvinceError(
            f"no province with code '{code}' among the {era} units",
            hint=f"codes run from 01 to 96; see briefgen.data.provinces.units('{era}')",
        )
    return found


def successor(code: str) -> Unit:
    """The era-34 unit that the era-63 unit ``code`` became on 1 July 2025.

    Raises :class:`UnknownProvinceError` if ``code`` is not an era-63 code.
    """
    old = get(code, "63")
    for unit in units("34"):
        if old.code in unit.merged_from:
            return unit
    raise UnknownProvinceError(f"{old.name} ({old.code}) has no successor in the 34 units")


def predecessors(code: str) -> tuple[Unit, ...]:
    """The era-63 units that formed the era-34 unit ``code``, sorted by code.

    An unchanged unit has one predecessor, itself in era 63.  Raises
    :class:`UnknownProvinceError` if ``code`` is not an era-34 code.
    """
    new = get(code, "34")
    return tuple(get(old, "63") for old in new.merged_from)


def denominator(year: int) -> int:
    """How many units are ranked in ``year``: 63 up to 2024, 34 from 2025."""
    return len(units(era_for_year(year)))


def resolve(name_or_code: str, year: int | None = None, era: str | None = None) -> Unit:
    """The unit named ``name_or_code`` (any spelling, alias or code) in the right era.

    ``era`` chooses the list if given; else ``year`` chooses it through
    :func:`era_for_year`; if both are ``None`` era 63 is searched first, then era 34.

    Raises :class:`UnknownProvinceError` if nothing matches, with up to three
    close official names in ``suggestions``.  For an era-34 search, an old unit
    that was merged raises too, naming the unit it merged into (in
    ``suggestions``); an old unit that was not merged resolves to its era-34 self.
    """
    if era is not None:
        eras: tuple[str, ...] = (_check_era(era),)
    elif year is not None:
        eras = (era_for_year(year),)
    else:
        eras = ERAS

    key = normalise(name_or_code)
    for searched in eras:
        found = _lookup(name_or_code, searched)
        if found is not None:
            return found

    if eras == ("34",):
        old = _lookup(name_or_code, "63")
        if old is not None:
            new = successor(old.code)
            if not new.merged:
                return new
            raise UnknownProvinceError(
                f"'{name_or_code}' is {old.full_name} (code {old.code}), which merged into "
                f"{new.full_name} (code {new.code}) on 1 July 2025",
                hint=f"records from {MERGER_DATE.year} on use '{new.name}'",
                suggestions=(new.name,),
            )

    suggestions = _suggest(key, eras)
    hint = (
        f"did you mean: {', '.join(suggestions)}?"
        if suggestions
        else "use the official name, such as 'Nam Định', or the two-digit code"
    )
    raise UnknownProvinceError(
        f"unknown province '{name_or_code}'", hint=hint, suggestions=suggestions
    )


def _lookup(name_or_code: str, era: str) -> Unit | None:
    """The unit of ``era`` with this code, name or alias; ``None`` if there is none."""
    registry = _registry()
    code = _code_key(name_or_code)
    if code is not None:
        return registry.by_code[era].get(code)
    return registry.by_key[era].get(normalise(name_or_code))


def _suggest(key: str, eras: tuple[str, ...]) -> tuple[str, ...]:
    """Up to three official names whose spellings are closest to ``key``."""
    if not key:
        return ()
    by_key = _registry().by_key
    candidates: dict[str, str] = {}
    for searched in eras:
        for candidate, unit in by_key[searched].items():
            candidates.setdefault(candidate, unit.name)
    names: list[str] = []
    for match in difflib.get_close_matches(key, candidates, n=len(candidates), cutoff=0.6):
        name = candidates[match]
        if name not in names:
            names.append(name)
    return tuple(names[:_MAX_SUGGESTIONS])
