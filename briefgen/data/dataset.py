"""A typed, validated collection of province-year records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from briefgen.data import provinces
from briefgen.data.indicators import Catalogue, builtin
from briefgen.data.records import Observation, Record
from briefgen.errors import Location, RecordNotFoundError, UnknownProvinceError


@dataclass(frozen=True)
class Entry:
    """A record with the unit its province name resolved to."""

    record: Record
    unit: provinces.Unit
    where: Location = field(default_factory=Location)


@dataclass(frozen=True)
class Dataset:
    """Records keyed by (unit code, year), with the indicator catalogue they use.

    ``source``: the file the records came from (``None`` when built in memory).
    ``digest``: SHA-256 of the input bytes (``""`` when built in memory).
    """

    entries: tuple[Entry, ...]
    catalogue: Catalogue = field(default_factory=builtin)
    title: str = ""
    source: str | None = None
    digest: str = ""

    def __post_init__(self) -> None:
        index = {(e.unit.code, e.record.year): e for e in self.entries}
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.entries)

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

    def history(self, code: str, indicator: str) -> tuple[tuple[int, Observation], ...]:
        """Observations of ``indicator`` for unit ``code``, by year ascending."""
        rows = [
            (e.record.year, e.record.observations[indicator])
            for e in self.entries
            if e.unit.code == code and indicator in e.record.observations
        ]
        return tuple(sorted(rows, key=lambda row: row[0]))

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
