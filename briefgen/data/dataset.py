"""A typed, validated collection of province-year records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from briefgen.data import derive, provinces
from briefgen.data.indicators import Catalogue, builtin
from briefgen.data.records import Observation, Record
from briefgen.errors import Location, RecordNotFoundError, UnknownProvinceError

MERGER_YEAR = provinces.MERGER_DATE.year
"""The first year reported by the 34 units formed on 1 July 2025."""


@dataclass(frozen=True)
class Entry:
    """A record with the unit its province name resolved to."""

    record: Record
    unit: provinces.Unit
    where: Location = field(default_factory=Location)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Records keyed by (unit code, year), with the indicator catalogue they use.

    ``source``: the file the records came from (``None`` when built in memory).
    ``digest``: SHA-256 of the input bytes (``""`` when built in memory).
    ``denominators``: rankings of another number of units than the year's rule,
    as the data declares them: (indicator id, edition) → units ranked.

    Two datasets are equal when their content is: the same records in the same
    order, the same indicator catalogue (built-in and declared), title and
    rankings out of another number of units (:meth:`other_denominators`).
    Where they were read from (``source``, ``digest``, lines and cells) does not
    count, so ``load(export(data, "a.yaml")) == data``.

    A national ranking of provinces (an indicator of kind ``rank``) reported
    without its denominator gets the number of units ranked in its edition
    (:meth:`units_ranked`): "xếp thứ 12" in a 2024 record is 12/63, in a 2025
    record 12/34.  Everything downstream (sentences, tables, charts, the
    comparison with last year's rank) then reads one denominator.
    """

    entries: tuple[Entry, ...]
    catalogue: Catalogue = field(default_factory=builtin)
    title: str = ""
    source: str | None = None
    digest: str = ""
    denominators: Mapping[tuple[str, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(map(self._with_denominators, self.entries)))
        index = {(e.unit.code, e.record.year): e for e in self.entries}
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_positions", {})
        by_code: dict[str, list[Entry]] = {}
        for entry in self.entries:
            by_code.setdefault(entry.unit.code, []).append(entry)
        object.__setattr__(self, "_by_code", by_code)

    def __len__(self) -> int:
        return len(self.entries)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return self._content() == other._content()

    __hash__ = None  # type: ignore[assignment]  # equal by content, which holds dicts

    def _content(self) -> tuple[Any, ...]:
        """What equality compares: everything a brief is made from."""
        return (self.records, dict(self.catalogue.items()), self.title, self.other_denominators())

    def other_denominators(self) -> dict[tuple[str, int], int]:
        """Rankings of another number of units than the year's rule (63 units up to
        2024, 34 from 2025): (indicator id, edition) → units ranked, as declared under
        ``denominators`` and as the figures give them in ``of``."""
        found = {
            key: count
            for key, count in self.denominators.items()
            if count != provinces.denominator(key[1])
        }
        for record in self.records:
            for indicator_id, observation in record.observations.items():
                edition = observation.edition or record.year
                if observation.of is not None and observation.of != provinces.denominator(edition):
                    found.setdefault((indicator_id, edition), observation.of)
        return found

    def units_ranked(self, indicator: str, edition: int) -> int:
        """How many units the ``edition`` of the national ranking ``indicator`` ranked:
        as declared under ``denominators``, else 63 up to 2024 and 34 from 2025."""
        return self.denominators.get((indicator, edition), provinces.denominator(edition))

    def _with_denominators(self, entry: Entry) -> Entry:
        """``entry`` with the denominator of each national ranking that reports none
        (a rank beyond it is left alone: validation reports it)."""
        record = entry.record
        filled: dict[str, Observation] = {}
        for indicator_id, obs in record.observations.items():
            indicator = self.catalogue.get(indicator_id)
            if indicator is None or indicator.kind != "rank" or obs.rank is None or obs.of:
                continue
            units = self.units_ranked(indicator_id, obs.edition or record.year)
            if obs.rank <= units:
                filled[indicator_id] = obs.model_copy(update={"of": units})
        if not filled:
            return entry
        observations = {**record.observations, **filled}
        return replace(entry, record=record.model_copy(update={"observations": observations}))

    def __iter__(self) -> Iterator[Record]:
        return (e.record for e in self.entries)

    @property
    def records(self) -> tuple[Record, ...]:
        """The records in input order."""
        return tuple(e.record for e in self.entries)

    def years(self) -> tuple[int, ...]:
        """The years present, ascending."""
        return tuple(sorted({e.record.year for e in self.entries}))

    def units(self, year: int | None = None) -> tuple[provinces.Unit, ...]:
        """The units present (in ``year`` when given), by code."""
        seen = {e.unit.code: e.unit for e in self.entries if year is None or e.record.year == year}
        return tuple(seen[code] for code in sorted(seen))

    def entry(self, province: str, year: int) -> Entry:
        """The entry for ``province`` (any spelling or code) in ``year``.

        :class:`RecordNotFoundError` names what the dataset does hold.
        """
        unit = self._resolve(province, year)
        index: dict[tuple[str, int], Entry] = self._index  # type: ignore[attr-defined]
        try:
            return index[(unit.code, year)]
        except KeyError:
            years = sorted(e.record.year for e in self.entries if e.unit.code == unit.code)
            where = Location(file=self.source)
            if years:
                hint = f"{unit.name} has records for {', '.join(map(str, years))}"
            else:
                names = ", ".join(u.name for u in self.units(year)) or "none"
                hint = f"records for {year}: {names}"
            raise RecordNotFoundError(f"no record for {unit.name} in {year}", where, hint) from None

    def find(self, code: str, year: int) -> Entry | None:
        """The entry of unit ``code`` in ``year``, or ``None``."""
        index: dict[tuple[str, int], Entry] = self._index  # type: ignore[attr-defined]
        return index.get((code, year))

    def get(self, province: str, year: int) -> Record:
        """The record for ``province`` in ``year`` (see :meth:`entry`)."""
        return self.entry(province, year).record

    def combination(self, unit: provinces.Unit, indicator: str) -> str:
        """How ``unit``'s figures of ``indicator`` before 2025 are formed.

        ``"own"``: the unit's own records (a unit of the 63, or one of the 34
        that kept its territory); otherwise the catalogue's ``merge`` rule for
        a unit formed from several provinces: ``"sum"``, ``"weighted"``
        (population-weighted) or ``"none"`` (not comparable, so no history).
        """
        if unit.era != provinces.era_for_year(MERGER_YEAR):
            return "own"
        if len(provinces.predecessors(unit.code)) <= 1:
            return "own"
        return self.catalogue[indicator].merge if indicator in self.catalogue else "none"

    def history(self, unit: provinces.Unit, indicator: str) -> tuple[tuple[int, Observation], ...]:
        """Observations of ``indicator`` for ``unit``, by year ascending.

        For a unit formed on 1 July 2025, years before 2025 come from the units
        it was formed from: an unchanged unit keeps its own figures; a merged
        unit combines its former provinces' values by the catalogue's ``merge``
        rule (:meth:`combination`) when every one of them reports the figure:
        the sum (revenues, subscribers), or the population-weighted mean
        (rates); a figure that is not comparable (counts of online services,
        ranks, scores) has no history before 2025.  A density per 100
        inhabitants is combined population-weighted.  A combined observation's
        ``note`` names the former provinces (in Vietnamese, as data notes are).
        """
        rows: dict[int, Observation] = {}
        if unit.era == provinces.era_for_year(MERGER_YEAR):
            rows.update(self._former_history(unit, indicator))
        by_code: dict[str, list[Entry]] = self._by_code  # type: ignore[attr-defined]
        for entry in by_code.get(unit.code, ()):
            if entry.unit == unit and indicator in entry.record.observations:
                rows[entry.record.year] = entry.record.observations[indicator]
        return tuple(sorted(rows.items()))

    def _former_history(self, unit: provinces.Unit, indicator: str) -> dict[int, Observation]:
        """Years before 2025 of a unit of the 34, from the province(s) it was formed from."""
        former = provinces.predecessors(unit.code)
        how = self.combination(unit, indicator)
        rows: dict[int, Observation] = {}
        for year in (y for y in self.years() if y < MERGER_YEAR):
            found = [self.find(u.code, year) for u in former]
            parts = [e.record.observations.get(indicator) if e is not None else None for e in found]
            if how == "own":
                if parts and parts[0] is not None:
                    rows[year] = parts[0]
                continue
            weights = [u.population for u in former]
            value = derive.combine([o.value if o else None for o in parts], weights, how)
            if value is None:
                continue
            per_100 = derive.combine([o.per_100 if o else None for o in parts], weights, "weighted")
            names = ", ".join(u.name for u in former)
            rows[year] = Observation(
                value=value,
                per_100=per_100,
                note=f"tổng của {names}" if how == "sum" else f"bình quân theo dân số của {names}",
            )
        return rows

    def positions(self, year: int, indicator: str) -> dict[str, int]:
        """Competition ranking (1, 2, 2, 4) of the dataset's units in ``year`` by ``indicator``.

        Ranks as reported for a ranking indicator; values ordered by the
        catalogue's "better" direction otherwise.  Units without the figure
        are left out.  Computed once per dataset, year and indicator.
        """
        cache: dict[tuple[int, str], dict[str, int]] = self._positions  # type: ignore[attr-defined]
        key = (year, indicator)
        if key not in cache:
            better = self.catalogue[indicator].better if indicator in self.catalogue else "higher"
            values: dict[str, float] = {}
            for entry in self.entries:
                obs = entry.record.observations.get(indicator)
                if entry.record.year != year or obs is None:
                    continue
                figure = obs.rank if obs.rank is not None else obs.value
                if figure is not None:
                    values[entry.unit.code] = float(figure)
            cache[key] = derive.competition_ranks(values, better)
        return cache[key]

    def peers(self, year: int) -> tuple[Entry, ...]:
        """Every entry of ``year``, by unit code."""
        return tuple(
            sorted((e for e in self.entries if e.record.year == year), key=lambda e: e.unit.code)
        )

    def _resolve(self, province: str, year: int) -> provinces.Unit:
        try:
            return provinces.resolve(province, year=year)
        except UnknownProvinceError as error:
            raise UnknownProvinceError(
                error.message,
                Location(file=self.source, field="province"),
                error.hint,
                error.suggestions,
            ) from None


def digest_bytes(data: bytes) -> str:
    """SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def from_records(records: Sequence[Record], catalogue: Catalogue | None = None) -> Dataset:
    """A dataset built in memory from records (province names resolved by their year)."""
    entries = tuple(
        Entry(r, provinces.resolve(r.province, year=r.year), Location(record=r.label))
        for r in records
    )
    return Dataset(entries, catalogue or builtin())
