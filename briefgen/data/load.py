"""Read records from files into a :class:`Dataset`, one reader per format.

Readers are found by file suffix in :data:`READERS`.  A reader turns a file
into plain Python data plus a way to find the line of any field; validation
into pydantic records is shared, so every format reports errors the same way:
file, line or row, record, field, and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from briefgen.data import provinces
from briefgen.data.dataset import Dataset, Entry, digest_bytes
from briefgen.data.indicators import Catalogue, builtin
from briefgen.data.records import Record
from briefgen.errors import DataError, InputError, Location, UnknownProvinceError

LineOf = Callable[[Sequence[str | int]], int | None]
"""Given a path of keys and indices into the parsed data, the 1-based line it is on."""


@dataclass(frozen=True)
class Parsed:
    """What a reader hands to validation: the data and a line finder."""

    data: Any
    line_of: LineOf


def _no_lines(path: Sequence[str | int]) -> int | None:
    return None


# --------------------------------------------------------------------------- readers


def read_yaml(text: str, file: str) -> Parsed:
    """Parse YAML, keeping the line of every node for error messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise DataError(f"not valid YAML: {error.problem}", Location(file=file, row=line)) from None
    except yaml.YAMLError as error:
        raise DataError(f"not valid YAML: {error}", Location(file=file)) from None

    def line_of(path: Sequence[str | int]) -> int | None:
        current = node
        line = current.start_mark.line + 1 if current is not None else None
        for key in path:
            if isinstance(current, yaml.MappingNode):
                for key_node, value_node in current.value:
                    if str(key_node.value) == str(key):
                        current = value_node
                        line = key_node.start_mark.line + 1
                        break
                else:
                    return line
            elif isinstance(current, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(current.value):
                    return line
                current = current.value[key]
                line = current.start_mark.line + 1
            else:
                return line
        return line

    return Parsed(data, line_of)


def read_json(text: str, file: str) -> Parsed:
    """Parse JSON (no line tracking beyond syntax errors)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(
            f"not valid JSON: {error.msg}", Location(file=file, row=error.lineno)
        ) from None
    return Parsed(data, _no_lines)


READERS: dict[str, Callable[[str, str], Parsed]] = {
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".json": read_json,
}
"""File suffix → reader."""


# --------------------------------------------------------------------------- validation


_TOP_KEYS = {"briefgen", "title", "locale", "records", "indicators"}


def load(path: str | Path) -> Dataset:
    """Read a data file into a validated :class:`Dataset` (format from the suffix)."""
    file_path = Path(path)
    file = str(path)
    reader = READERS.get(file_path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(
            f"cannot read '{file_path.suffix or file_path.name}' files",
            Location(file=file),
            f"use a file ending in one of: {known}",
        )
    try:
        raw = file_path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", Location(file=file)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a data file", Location(file=file)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"not UTF-8 text (byte {error.start})",
            Location(file=file),
            "save the file as UTF-8",
        ) from None
    parsed = reader(text, file)
    return from_data(parsed, file, digest_bytes(raw))


def from_data(parsed: Parsed, file: str, digest: str = "") -> Dataset:
    """Validate parsed data into a :class:`Dataset`; errors carry file, line, record, field."""
    data = parsed.data
    line_of = parsed.line_of
    if isinstance(data, list):
        data = {"records": data}
    if not isinstance(data, Mapping):
        raise DataError(
            "the file must hold a mapping with 'records:' or a list of records",
            Location(file=file, row=1),
        )
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise DataError(
            f"unknown top-level key '{unknown[0]}'",
            Location(file=file, row=line_of([unknown[0]]), field=unknown[0]),
            f"allowed keys: {', '.join(sorted(_TOP_KEYS))}",
        )
    catalogue = builtin()
    extra = data.get("indicators")
    if extra is not None:
        if not isinstance(extra, Mapping):
            raise DataError(
                "'indicators' must map ids to declarations",
                Location(file=file, row=line_of(["indicators"]), field="indicators"),
            )
        catalogue = catalogue.extended(extra, Location(file=file, row=line_of(["indicators"])))
    records_data = data.get("records")
    if not isinstance(records_data, list) or not records_data:
        raise DataError(
            "no records: the file needs a non-empty list under 'records:'",
            Location(file=file, row=line_of(["records"]), field="records"),
        )
    entries: list[Entry] = []
    seen: dict[tuple[str, int], int] = {}
    for index, item in enumerate(records_data):
        entry = _record(item, index, file, line_of, catalogue)
        key = (entry.unit.code, entry.record.year)
        if key in seen:
            raise DataError(
                f"duplicate record: {entry.unit.name} {entry.record.year} is also record "
                f"{seen[key] + 1}",
                entry.where,
                "keep one record per province and year",
            )
        seen[key] = index
        entries.append(entry)
    title = str(data.get("title") or "")
    return Dataset(tuple(entries), catalogue, title, file, digest)


def _record(item: Any, index: int, file: str, line_of: LineOf, catalogue: Catalogue) -> Entry:
    base_path: list[str | int] = ["records", index]
    label = f"record {index + 1}"
    if isinstance(item, Mapping) and item.get("province") and item.get("year"):
        label = f"record {index + 1} ({item['province']} {item['year']})"
    if not isinstance(item, Mapping):
        raise DataError(
            "a record must be a mapping of fields",
            Location(file=file, row=line_of(base_path), record=label),
        )
    try:
        record = Record.model_validate(item)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [p for p in first["loc"] if not isinstance(p, str) or not p.startswith("function-")]
        field = ".".join(str(p) for p in loc)
        message = _message(first)
        count = error.error_count()
        hint = f"and {count - 1} more problem(s) in this record" if count > 1 else None
        raise DataError(
            message,
            Location(file=file, row=line_of(base_path + loc), record=label, field=field or None),
            hint,
        ) from None
    where = Location(file=file, row=line_of(base_path), record=label)
    try:
        unit = provinces.resolve(record.province, year=record.year)
    except UnknownProvinceError as error:
        raise UnknownProvinceError(
            error.message,
            Location(
                file=file, row=line_of([*base_path, "province"]), record=label, field="province"
            ),
            error.hint,
            error.suggestions,
        ) from None
    for indicator_id, observation in record.observations.items():
        obs_where = Location(
            file=file,
            row=line_of([*base_path, "observations", indicator_id]),
            record=label,
            field=f"observations.{indicator_id}",
        )
        indicator = catalogue.require(indicator_id, obs_where)
        if observation.unit is not None:
            catalogue.unit(observation.unit, obs_where)
        if indicator.kind == "rank" and observation.value is not None and observation.rank is None:
            raise DataError(
                f"'{indicator_id}' is a ranking: give 'rank' (and 'of'), not 'value'", obs_where
            )
        if (
            indicator.kind == "percent"
            and observation.value is not None
            and not (0 <= observation.value <= 100)
        ):
            raise DataError(f"percentage {observation.value:g} is outside 0–100", obs_where)
        if (
            indicator.kind in ("count", "money")
            and observation.value is not None
            and (observation.value < 0)
        ):
            raise DataError(f"negative {indicator.kind} {observation.value:g}", obs_where)
    for position, target in enumerate(record.targets):
        if target.indicator is not None:
            catalogue.require(
                target.indicator,
                Location(
                    file=file,
                    row=line_of([*base_path, "targets", position, "indicator"]),
                    record=label,
                    field=f"targets.{position}.indicator",
                ),
            )
    return Entry(record, unit, where)


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    text = str(error.get("msg", "invalid value"))
    if text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    value = error.get("input")
    if kind not in ("missing",) and not isinstance(value, (Mapping, list)):
        text += f" (got {value!r})"
    return text
