"""Read records from files into a :class:`Dataset`, one reader per format.

Readers are found by file suffix in :data:`READERS`.  A reader turns a file
into plain Python data plus a way to find the line of any field; validation
into pydantic records is shared, so every format reports errors the same way:
file, line or row, record, field, and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from briefgen.data.dataset import Dataset, digest_bytes
from briefgen.data.validate import Problem, check
from briefgen.errors import DataError, Location

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


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves an impossible date ("2022-13-45") as text.

    Validation then reports it against its field, instead of the whole file
    failing with a bare ValueError.
    """


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_yaml(text: str, file: str) -> Parsed:
    """Parse YAML, keeping the line of every node for error messages."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: safe
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


def _read(path: str | Path) -> tuple[Callable[[str, str], Parsed], bytes, str]:
    """The file's reader, bytes and text; :class:`InputError` when it cannot be read."""
    file_path = Path(path)
    file = str(path)
    reader = READERS.get(file_path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise DataError(
            f"cannot read '{file_path.suffix or file_path.name}' files",
            Location(file=file),
            f"use a file ending in one of: {known}",
        )
    try:
        raw = file_path.read_bytes()
    except FileNotFoundError:
        raise DataError("file not found", Location(file=file)) from None
    except IsADirectoryError:
        raise DataError("is a folder, not a data file", Location(file=file)) from None
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", Location(file=file)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"not UTF-8 text (byte {error.start})",
            Location(file=file),
            "save the file as UTF-8",
        ) from None
    return reader, raw, text


def load(path: str | Path) -> Dataset:
    """Read a data file into a validated :class:`Dataset` (format from the suffix)."""
    reader, raw, text = _read(path)
    parsed = reader(text, str(path))
    return from_data(parsed, str(path), digest_bytes(raw))


def from_data(parsed: Parsed, file: str, digest: str = "") -> Dataset:
    """Validate parsed data into a :class:`Dataset`; the first error is raised.

    The error names file, line, record and field, and says how many more
    problems there are (``briefgen validate`` lists them all).
    """
    dataset, problems = check(parsed.data, parsed.line_of, file, digest)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        error = errors[0].as_error()
        if len(errors) > 1:
            error.add_hint(f"{len(errors) - 1} more problem(s): run 'briefgen validate {file}'")
        raise error
    return dataset


def validate(path: str | Path) -> tuple[Dataset | None, list[Problem]]:
    """Every problem of a data file, errors and warnings, without raising for bad data.

    A file that cannot be read or parsed at all gives that one problem and no dataset.
    """
    try:
        reader, raw, text = _read(path)
        parsed = reader(text, str(path))
    except DataError as error:
        return None, [Problem("error", error.message, error.where, error.hint)]
    return check(parsed.data, parsed.line_of, str(path), digest_bytes(raw))
