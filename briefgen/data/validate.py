"""Validate parsed records, collecting every problem with its place.

:func:`check` is the one validator behind every reader: it turns parsed data
into a :class:`Dataset` and a list of :class:`Problem` (errors and warnings),
each naming file, line or row, record and field in plain words.
``briefgen.load`` raises the first error; ``briefgen validate`` prints them all.

Errors: wrong types, unknown fields, indicators, units and provinces, negative
counts, percentages outside 0–100, a rank above its denominator (for a
national ranking given without one, above the number of units ranked that
year), a denominator that does not match the year (63 units before July 2025,
34 after) unless declared, duplicate province-years.
Warnings: a reported figure that disagrees with the one derived from other
records (growth against last year's value, plan attainment against the plan)
by more than :data:`TOLERANCE_PP` percentage points; a percentage that looks
like a fraction (0 < value ≤ 1: 0.724 where 72.4 was meant); a record with no
figure and no text (a brief with nothing to report).
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import ValidationError

from briefgen.data import derive, provinces
from briefgen.data.dataset import Dataset, Entry
from briefgen.data.indicators import Catalogue, builtin
from briefgen.data.records import Observation, Record
from briefgen.errors import (
    BriefgenError,
    DataError,
    Location,
    UnknownProvinceError,
    field_path,
)

TOLERANCE_PP = 0.5
"""How far (percentage points) a reported growth or attainment may stray from ours."""

TOP_KEYS = frozenset({"briefgen", "title", "locale", "records", "indicators", "denominators"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``severity`` "error") or doubtful ("warning") in the data."""

    severity: Literal["error", "warning"]
    message: str
    where: Location
    hint: str | None = None
    error: BriefgenError | None = None
    """The exception to raise for this problem when it is more specific than DataError."""

    def __str__(self) -> str:
        place = str(self.where)
        text = f"{place}: {self.severity}: {self.message}" if place else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def as_error(self) -> BriefgenError:
        """The problem as an exception (its own, more specific one when it has one)."""
        return self.error or DataError(self.message, self.where, self.hint)


@dataclass(frozen=True)
class Report:
    """Every problem of a data source: what ``briefgen.validate`` returns.

    ``dataset``: the records without errors (``None`` when the source could not
    be read at all); a record an error names is left out of it, even when the
    error only cost one of its cells.  ``problems``: errors and warnings in the order found,
    each with its place (file, line or sheet and cell, record, field).
    """

    dataset: Dataset | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop a brief from being built."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The doubtful figures worth a look."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __str__(self) -> str:
        records = len(self.dataset) if self.dataset is not None else 0
        lines = [str(p) for p in self.problems]
        lines.append(
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s); "
            f"{records} valid record(s)"
        )
        return "\n".join(lines)


class _Problems(Exception):
    """Raised inside the checker to abandon one record after recording its problems."""


class _Checker:
    def __init__(self, data: Any, line_of: Any, file: str):
        self.data = data
        self.line_of = line_of
        self.file = file
        self.problems: list[Problem] = []
        self.catalogue: Catalogue = builtin()
        self.denominators: dict[tuple[str, int], int] = {}
        self.noun = "data" if file.startswith("<") else "file"
        """What messages call the source: a file, or data given from Python ("<data>")."""

    def at(
        self, path: Sequence[str | int], record: str | None = None, field: str | None = None
    ) -> Location:
        found = self.line_of(list(path))
        if isinstance(found, Location):  # a table's cell
            return replace(found, record=record, field=field)
        return Location(file=self.file, row=found, record=record, field=field)

    def error(self, message: str, where: Location, hint: str | None = None) -> None:
        self.problems.append(Problem("error", message, where, hint))

    def warn(self, message: str, where: Location, hint: str | None = None) -> None:
        self.problems.append(Problem("warning", message, where, hint))

    def absorb(self, error: BriefgenError) -> None:
        self.problems.append(Problem("error", error.message, error.where, error.hint))

    # -- the file

    def run(self) -> list[Entry]:
        data = self.data
        if isinstance(data, list):
            data = {"records": data}
        if not isinstance(data, Mapping):
            self.error(
                f"the {self.noun} must hold a mapping with 'records:' or a list of records",
                Location(file=self.file, row=1),
            )
            return []
        for key in sorted(set(data) - TOP_KEYS):
            self.error(
                f"unknown top-level key '{key}'",
                self.at([key], field=key),
                f"allowed keys: {', '.join(sorted(TOP_KEYS))}",
            )
        self._indicators(data.get("indicators"))
        self._denominators(data.get("denominators"))
        records = data.get("records")
        if not isinstance(records, list) or not records:
            where = self.at(["records"], field="records")
            if where.sheet is not None or where.column is not None or where.cell is not None:
                self.error("no records: no row names a province and a year", where)
            elif isinstance(self.line_of(["records"]), Location):  # tables
                self.error(
                    "no records: no row names a province and a year",
                    Location(file=where.file),
                    "fill in the province and year of each row (docs/data.md)",
                )
            else:
                self.error(
                    f"no records: the {self.noun} needs a non-empty list under 'records:'", where
                )
            return []
        entries: list[Entry] = []
        seen: dict[tuple[str, int], int] = {}
        for index, item in enumerate(records):
            try:
                entry = self._record(item, index)
            except _Problems:
                continue
            key = (entry.unit.code, entry.record.year)
            if key in seen:
                self.error(
                    f"duplicate record: {entry.unit.name} {entry.record.year} is also record "
                    f"{seen[key] + 1}",
                    entry.where,
                    "keep one record per province and year",
                )
                continue
            seen[key] = index
            entries.append(entry)
        return entries

    def _indicators(self, extra: Any) -> None:
        if extra is None:
            return
        if not isinstance(extra, Mapping):
            self.error(
                "'indicators' must map ids to declarations",
                self.at(["indicators"], field="indicators"),
            )
            return
        for indicator_id, spec in extra.items():
            where = self.at(["indicators", indicator_id], field=f"indicators.{indicator_id}")
            try:
                self.catalogue = self.catalogue.extended({indicator_id: spec}, where)
            except DataError as error:
                field = error.where.field or ""
                path = field.split(".") if field.startswith("indicators.") else []
                located = self.at(path, field=field) if path else error.where
                self.problems.append(Problem("error", error.message, located, error.hint))

    def _denominators(self, declared: Any) -> None:
        """``denominators: {dti: {2024: 34}}``: units ranked, where it differs from the rule."""
        if declared is None:
            return
        if not isinstance(declared, Mapping):
            self.error(
                "'denominators' must map indicator ids to {year: count}",
                self.at(["denominators"], field="denominators"),
            )
            return
        for indicator_id, by_year in declared.items():
            where = self.at(["denominators", indicator_id], field=f"denominators.{indicator_id}")
            if not isinstance(by_year, Mapping):
                self.error("must map years to the number of units ranked", where)
                continue
            for year, count in by_year.items():
                if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                    self.error(f"the number ranked in {year} must be a positive integer", where)
                    continue
                try:
                    self.denominators[(str(indicator_id), int(year))] = count
                except (TypeError, ValueError):
                    self.error(f"'{year}' is not a year", where)

    # -- one record

    def _record(self, item: Any, index: int) -> Entry:
        base: list[str | int] = ["records", index]
        label = f"record {index + 1}"
        if isinstance(item, Mapping) and item.get("province") and item.get("year"):
            label = record_label(index, item["province"], item["year"])
        if not isinstance(item, Mapping):
            self.error("a record must be a mapping of fields", self.at(base, label))
            raise _Problems
        before = len(self.problems)
        fields = dict(item)
        raw_observations = fields.pop("observations", None) or {}
        record: Record | None = None
        try:
            record = Record.model_validate(fields)
        except ValidationError as error:
            self._pydantic(error, base, label)
        year = record.year if record else fields.get("year")
        observations = self._observations(raw_observations, year, base, label)
        if record is None:
            raise _Problems
        record = record.model_copy(update={"observations": observations})
        where = self.at(base, label)
        try:
            unit = provinces.resolve(record.province, year=record.year)
        except UnknownProvinceError as error:
            located = UnknownProvinceError(
                error.message,
                self.at([*base, "province"], label, "province"),
                error.hint,
                error.suggestions,
            )
            self.problems.append(
                Problem("error", located.message, located.where, located.hint, located)
            )
            raise _Problems from None
        self._targets(record, base, label)
        if any(p.severity == "error" for p in self.problems[before:]):
            raise _Problems
        if _says_nothing(record):
            self.warn(
                "the record has no figures or text, so its brief would report nothing",
                where,
                "fill in its figures, highlights or targets, or leave the record out",
            )
        return Entry(record, unit, where)

    def _observations(
        self, raw_observations: Any, year: Any, base: list[str | int], label: str
    ) -> dict[str, Observation]:
        """The record's observations that are well formed, each checked against the
        catalogue when the record's year is known."""
        observations: dict[str, Observation] = {}
        if not isinstance(raw_observations, Mapping):
            self.error(
                "'observations' must map indicator ids to figures",
                self.at([*base, "observations"], label, "observations"),
            )
            return observations
        for indicator_id, raw in raw_observations.items():
            path = [*base, "observations", str(indicator_id)]
            try:
                observation = Observation.model_validate(raw)
            except ValidationError as error:
                self._pydantic(error, path, label, f"observations.{indicator_id}")
                continue
            if isinstance(year, int):
                self._observation(year, str(indicator_id), observation, base, label)
            observations[str(indicator_id)] = observation
        return observations

    def _targets(self, record: Record, base: list[str | int], label: str) -> None:
        """Each target's indicator must be in the catalogue."""
        for position, target in enumerate(record.targets):
            if target.indicator is None or target.indicator in self.catalogue:
                continue
            path = ("targets", position, "indicator")
            try:
                self.catalogue.require(
                    target.indicator, self.at([*base, *path], label, field_path(path))
                )
            except DataError as error:
                self.absorb(error)

    def _pydantic(
        self, error: ValidationError, path: list[str | int], label: str, prefix: str = ""
    ) -> None:
        for detail in error.errors():
            loc = [p for p in detail["loc"] if not str(p).startswith("function-")]
            field = field_path([*([prefix] if prefix else []), *loc]) or None
            self.error(plain_message(detail), self.at(path + loc, label, field))

    def _observation(
        self, year: int, indicator_id: str, obs: Observation, base: list[str | int], label: str
    ) -> None:
        path = [*base, "observations", indicator_id]
        where = self.at(path, label, f"observations.{indicator_id}")

        def field_at(name: str) -> Location:
            return self.at([*path, name], label, f"observations.{indicator_id}.{name}")

        if indicator_id not in self.catalogue:
            try:
                self.catalogue.require(indicator_id, where)
            except DataError as error:
                self.absorb(error)
            return
        indicator = self.catalogue[indicator_id]
        if obs.unit is not None and obs.unit not in self.catalogue.units:
            try:
                self.catalogue.unit(obs.unit, field_at("unit"))
            except DataError as error:
                self.absorb(error)
        if indicator.kind == "rank" and obs.value is not None and obs.rank is None:
            self.error(
                f"'{indicator_id}' is a ranking: give 'rank' (and 'of'), not 'value'",
                field_at("value"),
            )
        if indicator.kind == "percent" and obs.value is not None:
            self._percentage(obs.value, field_at("value"))
        if indicator.kind in ("count", "money") and obs.value is not None and obs.value < 0:
            self.error(f"negative {indicator.kind} {obs.value:g}", field_at("value"))
        if obs.plan_pct is not None and obs.plan_pct < 0:
            self.error(f"negative plan attainment {obs.plan_pct:g}%", field_at("plan_pct"))
        edition = obs.edition or year
        expected = self.denominators.get((indicator_id, edition), provinces.denominator(edition))
        if indicator.kind == "rank" and obs.of is None and (obs.rank or 0) > expected:
            self.error(
                f"rank {obs.rank} is greater than the number of units the {edition} "
                f"ranking covers ({expected})",
                field_at("rank"),
                f"correct the rank, or give 'of' and declare it under 'denominators: "
                f"{{{indicator_id}: {{{edition}: …}}}}' if this ranking covered more units",
            )
        if obs.of is not None and obs.of != expected:
            self.error(
                f"ranked out of {obs.of}, but {edition} rankings cover {expected} units",
                field_at("of"),
                f"declare it under 'denominators: {{{indicator_id}: {{{edition}: {obs.of}}}}}'"
                " if this ranking really covered another number of units",
            )
        attainment = derive.plan_attainment_pct(obs.value, obs.plan)
        if (
            obs.plan_pct is not None
            and attainment is not None
            and (abs(attainment - obs.plan_pct) > TOLERANCE_PP)
        ):
            self.warn(
                f"reported plan attainment {obs.plan_pct:g}% disagrees with value/plan "
                f"= {attainment:.2f}%",
                field_at("plan_pct"),
            )

    def _percentage(self, value: float, where: Location) -> None:
        """0–100; a value in (0, 1] is probably a fraction (0.724 for 72.4%)."""
        if not 0 <= value <= 100:
            self.error(f"percentage {value:g} is outside 0–100", where)
        elif 0 < value <= 1:
            self.warn(
                f"percentage {value:g} looks like a fraction: {value * 100:g}% was perhaps meant",
                where,
                "percentages are written 0–100 (72.4 for 72,4%); a cell formatted as a "
                "percentage is read that way",
            )


def _says_nothing(record: Record) -> bool:
    """Whether ``record`` reports no figure and no text (report facts and sources aside)."""
    figures = any(not obs.is_empty for obs in record.observations.values())
    texts = (record.highlights, record.targets, record.leaders, record.awards)
    return not figures and not any(texts) and not record.local_reports


_PLAIN: dict[str, str] = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number, not NaN or infinity",
    "string_type": "must be text",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "date_type": "must be a date such as 2022-01-07",
    "date_parsing": "must be a date such as 2022-01-07: {error}",
    "date_from_datetime_parsing": "must be a date such as 2022-01-07: {error}",
    "date_from_datetime_inexact": "must be a date without a time of day, such as 2022-01-07",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of fields",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "string_too_long": "is too long: at most {max_length} characters",
    "too_long": "has too many items: at most {max_length}",
    "literal_error": "must be one of: {expected}",
}
"""pydantic's error types → what a person filling in a data file reads (``{ge}`` and
the like come from the error's context)."""


def plain_message(error: Mapping[str, Any]) -> str:
    """One pydantic error detail in plain words, with the value that was given:
    "must be at least 1 (got 0)" for pydantic's "Input should be greater than or equal
    to 1"."""
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    context = {k: _context_value(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        text = _PLAIN[kind].format(**context)
    except (KeyError, IndexError, ValueError):
        text = str(error.get("msg", "invalid value"))
        text = text.removeprefix("Value error, ").replace("Input should be", "must be", 1)
    value = error.get("input")
    if not isinstance(value, (Mapping, list)):
        text += f" (got {_short(value, repr)})"
    return text


def _context_value(value: Any) -> str:
    """A bound of a pydantic error for a message: 1, 100, 1e+15."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def record_label(index: int, province: Any, year: Any) -> str:
    """How messages name the record at ``index``: "record 4 (Ninh Bình 2024)".

    The province's official name when it resolves in ``year``, else the name as
    written ("record 4 (Atlantis 2024)"), so a reader finds the record they mean.
    """
    return f"record {index + 1} ({record_name(province, year)})"


def record_name(province: Any, year: Any) -> str:
    """ "Ninh Bình 2024" for a record of ``province`` (any spelling) in ``year``."""
    name = _short(province)
    if isinstance(province, str) and isinstance(year, int) and not isinstance(year, bool):
        with contextlib.suppress(BriefgenError, ValueError):  # unknown: shown as written
            name = provinces.resolve(province, year=year).name
    return f"{name} {_short(year)}"


def _short(value: Any, show: Any = str, limit: int = 60) -> str:
    """``value`` for a message, cut to ``limit`` characters (data may hold megabytes)."""
    try:
        text: str = show(value) if isinstance(value, (str, int, float)) else type(value).__name__
    except ValueError:  # an integer of more digits than Python converts
        text = f"a {type(value).__name__} too long to show"
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _growth_warnings(
    entries: Sequence[Entry], catalogue: Catalogue, problems: list[Problem]
) -> None:
    """Reported growth against growth computed from last year's record.

    A rate's ``yoy_pct`` is its change in percentage points (see
    ``indicators.yaml``), so it is checked against the difference of the rates.
    """
    index = {(e.unit.code, e.unit.era, e.record.year): e for e in entries}
    for entry in entries:
        previous = index.get((entry.unit.code, entry.unit.era, entry.record.year - 1))
        if previous is None:
            continue
        for indicator_id, obs in entry.record.observations.items():
            last = previous.record.observations.get(indicator_id)
            rate = indicator_id in catalogue and catalogue[indicator_id].is_rate
            computed = derive.change(obs.value, last.value if last else None, rate)
            if obs.yoy_pct is None or computed is None or last is None:
                continue
            if abs(computed - obs.yoy_pct) > TOLERANCE_PP:
                what = (
                    f"reported change {obs.yoy_pct:g} percentage points disagrees with "
                    f"{computed:.2f} points"
                    if rate
                    else f"reported growth {obs.yoy_pct:g}% disagrees with {computed:.2f}%"
                )
                problems.append(
                    Problem(
                        "warning",
                        f"{what} computed from the {entry.record.year - 1} value "
                        f"({last.value:g} → {obs.value:g})",
                        Location(
                            file=entry.where.file,
                            row=entry.where.row,
                            record=entry.where.record,
                            field=f"observations.{indicator_id}.yoy_pct",
                        ),
                        f"tolerance {TOLERANCE_PP} percentage points",
                    )
                )


def check(data: Any, line_of: Any, file: str, digest: str = "") -> tuple[Dataset, list[Problem]]:
    """Validate parsed data: the dataset of the good records and every problem found."""
    checker = _Checker(data, line_of, file)
    entries = checker.run()
    _growth_warnings(entries, checker.catalogue, checker.problems)
    title = ""
    if isinstance(data, Mapping):
        # As any text field: NFC, without the spaces a cell or a YAML quote may keep.
        title = unicodedata.normalize("NFC", str(data.get("title") or "")).strip()
    dataset = Dataset(
        tuple(entries), checker.catalogue, title, file, digest, dict(checker.denominators)
    )
    return dataset, checker.problems
