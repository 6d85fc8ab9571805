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

from briefgen.data import clean, safe_yaml, tabular
from briefgen.data.dataset import Dataset, digest_bytes
from briefgen.data.validate import Problem, check
from briefgen.errors import DataError, Location, UsageError

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
    """Parse YAML, keeping the line of every node for error messages.

    Alias bombs, deep nesting and keys given twice are refused with their line
    (:mod:`briefgen.data.safe_yaml`).
    """
    node, data = safe_yaml.parse(text, file)

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


_LONGEST_NUMBER = 100
"""Digits beyond which a JSON integer is left as text (validation then refuses it)."""


def _json_integer(text: str) -> int | str:
    return int(text) if len(text) <= _LONGEST_NUMBER else text


def _json_object(file: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise DataError(
                    f"'{key}' is given twice in one object", Location(file=file), "keep one of them"
                )
            out[key] = value
        return out

    return build


def read_json(text: str, file: str) -> Parsed:
    """Parse JSON (no line tracking beyond syntax errors)."""
    try:
        data = json.loads(text, object_pairs_hook=_json_object(file), parse_int=_json_integer)
    except json.JSONDecodeError as error:
        raise DataError(
            f"not valid JSON: {error.msg}", Location(file=file, row=error.lineno)
        ) from None
    except RecursionError:
        raise DataError(
            f"data nested more than {clean.MAX_DEPTH} levels deep",
            Location(file=file, row=_too_deep_line(text)),
            "a record nests 5 levels; check the file's structure",
        ) from None
    return Parsed(data, _no_lines)


def _too_deep_line(text: str) -> int | None:
    """The line where JSON ``text`` first nests deeper than :data:`clean.MAX_DEPTH`."""
    depth = 0
    quoted = escaped = False
    line = 1
    for char in text:
        if char == "\n":
            line += 1
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            if depth > clean.MAX_DEPTH:
                return line
        elif char in "]}":
            depth -= 1
    return None


READERS: dict[str, Callable[..., Parsed]] = {
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".json": read_json,
    ".csv": tabular.read_csv,
    ".xlsx": tabular.read_xlsx,
    ".xlsm": tabular.read_xlsx,
}
"""File suffix → reader: ``reader(text, file)``, or the bytes for workbooks
(:data:`tabular.WORKBOOK_SUFFIXES`); table readers also take ``locale=``,
workbook readers ``sheet=``."""


# --------------------------------------------------------------------------- validation


def _parse(
    source: str | Path | Any, sheet: str | None = None, locale: str | None = None
) -> tuple[Parsed, str, str]:
    """Read and parse ``source`` with the reader its suffix names: (parsed, file label, digest).

    Raises :class:`DataError` when the file cannot be read or parsed, and
    :class:`UsageError` for options that do not apply to it.
    """
    if tabular.is_frame(source):
        return tabular.read_frame(source, locale=locale), tabular.FRAME_FILE, ""
    if not isinstance(source, (str, Path)):
        raise UsageError(f"load() needs a file path or a DataFrame, not {type(source).__name__}")
    file_path = Path(source)
    file = str(source)
    suffix = file_path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise DataError(
            f"cannot read '{file_path.suffix or file_path.name}' files",
            Location(file=file),
            f"use a file ending in one of: {known}",
        )
    options: dict[str, str] = {}
    if sheet is not None:
        if suffix not in tabular.WORKBOOK_SUFFIXES:
            raise UsageError("sheet= applies to .xlsx workbooks only", Location(file=file))
        options["sheet"] = sheet
    if locale is not None:
        if suffix not in tabular.TABLE_SUFFIXES:
            raise UsageError("locale= applies to CSV and XLSX tables only", Location(file=file))
        options["locale"] = locale
    raw = tabular.read_bytes(file_path, file)
    if suffix in tabular.WORKBOOK_SUFFIXES:
        return reader(raw, file, **options), file, digest_bytes(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"not UTF-8 text (byte {error.start})",
            Location(file=file),
            "save the file as UTF-8",
        ) from None
    return reader(text, file, **options), file, digest_bytes(raw)


def load(
    source: str | Path | Any, *, sheet: str | None = None, locale: str | None = None
) -> Dataset:
    """Read a data file or a pandas DataFrame into a validated :class:`Dataset`.

    The format comes from the file's suffix.  ``sheet``: the worksheet of an
    .xlsx file (``None``: the first).  ``locale``: "vi" reads text numbers of
    CSV, XLSX and DataFrames the Vietnamese way ("2.890.000", "49,8"); ``None``
    leaves it to the table (a ``# locale: vi`` line), else plain numbers.
    """
    parsed, file, digest = _parse(source, sheet, locale)
    return from_data(parsed, file, digest)


def from_data(parsed: Parsed, file: str, digest: str = "") -> Dataset:
    """Validate parsed data into a :class:`Dataset`; the first error is raised.

    The error names file, line, record and field, and says how many more
    problems there are (``briefgen validate`` lists them all).
    """
    dataset, problems = _checked(parsed, file, digest)
    errors = [p for p in problems if p.severity == "error"]
    if errors or dataset is None:
        error = errors[0].as_error()
        if len(errors) > 1:
            error.add_hint(f"{len(errors) - 1} more problem(s): run 'briefgen validate {file}'")
        raise error
    return dataset


def validate(
    source: str | Path | Any, *, sheet: str | None = None, locale: str | None = None
) -> tuple[Dataset | None, list[Problem]]:
    """Every problem of a data file, errors and warnings, without raising for bad data.

    A file that cannot be read or parsed at all gives that one problem and no dataset.
    """
    try:
        parsed, file, digest = _parse(source, sheet, locale)
    except DataError as error:
        return None, [Problem("error", error.message, error.where, error.hint)]
    return _checked(parsed, file, digest)


def _checked(parsed: Parsed, file: str, digest: str) -> tuple[Dataset | None, list[Problem]]:
    """:func:`check` of data that :func:`clean.screen` passes; a file holding text no
    document can hold (or nested too deeply) gives no dataset and every such place."""
    refused = clean.screen(parsed.data, parsed.line_of, file)
    if refused:
        return None, [Problem("error", f.message, f.where, f.hint) for f in refused]
    return check(parsed.data, parsed.line_of, file, digest)
