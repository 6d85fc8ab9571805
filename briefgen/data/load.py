"""Read records from files into a :class:`Dataset`, one reader per format.

Readers are found by file suffix in :data:`READERS`.  A reader turns a file
into plain Python data plus a way to find the line of any field; validation
into pydantic records is shared, so every format reports errors the same way:
file, line or row, record, field, and what to do.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from briefgen.data import clean, safe_yaml, tabular, workbook
from briefgen.data.dataset import Dataset, digest_bytes
from briefgen.data.limits import Limits
from briefgen.data.validate import Problem, Report, check
from briefgen.errors import BriefgenWarning, DataError, Location, UsageError

LineOf = Callable[[Sequence[str | int]], int | Location | None]
"""Given a path of keys and indices into the parsed data, the 1-based line it is on
(or, for tables, the :class:`Location` of its cell)."""

LimitsOption = Limits | Mapping[str, Any] | None
"""``limits=``: what a workbook may cost (:class:`briefgen.data.limits.Limits` or a dict)."""


@dataclass(frozen=True)
class Parsed:
    """What a reader hands to validation: the data, a line finder, and reading problems.

    ``problems``: cells that could not be read (the data leaves them out), and
    other problems found while reading, in the order found.
    """

    data: Any
    line_of: LineOf
    problems: tuple[Problem, ...] = ()

    def line(self, path: Sequence[str | int]) -> int | None:
        """The 1-based line of ``path`` in a text file (``None`` when unknown or a cell)."""
        found = self.line_of(path)
        return found if isinstance(found, int) else None


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


READABLE = (
    "a file or folder path, a DataFrame, a dict of DataFrames, or the data of a YAML file "
    "as a dict (or a list of records)"
)
"""What :func:`load` reads, for messages."""


def readable(source: object) -> bool:
    """Whether ``source`` is of a kind :func:`load` reads (:data:`READABLE`)."""
    return isinstance(source, (str, Path)) or tabular.is_frame(source) or is_python_data(source)


def _in_memory(
    source: Any, sheet: str | None, locale: str | None
) -> tuple[Parsed, str, str] | None:
    """Parse a DataFrame, a dict of DataFrames or data from Python (``None`` for a path)."""
    if tabular.is_frame(source):
        return tabular.read_frame(source, locale=locale), tabular.FRAME_FILE, ""
    if isinstance(source, Mapping) and any(tabular.is_frame(v) for v in source.values()):
        if not workbook.is_frames(source):
            raise UsageError(
                "a dict mixes DataFrames and other values",
                Location(file=workbook.FRAMES_FILE),
                "give a dict of DataFrames keyed by sheet (the workbook layout), or the data "
                "of a YAML file: {'records': [...]} without DataFrames",
            )
        return workbook.read_frames(source, locale=locale), workbook.FRAMES_FILE, ""
    if is_python_data(source):
        return _python_data(source, sheet, locale), PYTHON_FILE, ""
    return None


PYTHON_FILE = "<data>"
"""What messages name as the file of data given from Python (``load({"records": [...]})``)."""


def is_python_data(source: object) -> bool:
    """Whether ``source`` is data as a YAML file holds it, given from Python: a mapping
    (``{"records": [...], "indicators": {...}}``) or a list of records.

    :func:`load` reads a mapping holding DataFrames as the workbook layout
    instead (:func:`workbook.is_frames`), and refuses one that mixes DataFrames
    with other values.
    """
    if isinstance(source, Mapping):
        return True  # one that holds DataFrames is refused where it is read
    return isinstance(source, (list, tuple))


def _python_data(source: Any, sheet: str | None, locale: str | None) -> Parsed:
    """Data from Python, checked as a YAML file's (fields named, no lines)."""
    if sheet is not None:
        raise UsageError("sheet= applies to .xlsx workbooks only", Location(file=PYTHON_FILE))
    if locale is not None:
        raise UsageError(
            "locale= applies to tables (CSV, XLSX, DataFrames) only: numbers given from "
            "Python are numbers already",
            Location(file=PYTHON_FILE),
        )
    return Parsed(list(source) if isinstance(source, tuple) else source, _no_lines)


def _missing_hint(path: Path) -> str | None:
    """Where to look when ``path`` does not exist: the folder it should be in, if that
    is missing too."""
    parent = path.parent
    if str(parent) not in ("", ".") and not parent.exists():
        return f"the folder {parent} does not exist either"
    return None


READERS: dict[str, Callable[..., Parsed]] = {
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".json": read_json,
    ".csv": tabular.read_csv,
    ".xlsx": workbook.read_workbook,
    ".xlsm": workbook.read_workbook,
}
"""File suffix → reader: ``reader(text, file)``, or the bytes for workbooks
(:data:`tabular.WORKBOOK_SUFFIXES`); table readers also take ``locale=``,
workbook readers ``sheet=`` and ``limits_=``.  A folder is read as CSV files
of the workbook layout (:func:`briefgen.data.workbook.read_folder`)."""


# --------------------------------------------------------------------------- validation


def _parse(
    source: str | Path | Any,
    sheet: str | None = None,
    locale: str | None = None,
    limits: LimitsOption = None,
) -> tuple[Parsed, str, str]:
    """Read and parse ``source`` with the reader its suffix names: (parsed, file label, digest).

    Raises :class:`DataError` when the file cannot be read or parsed, and
    :class:`UsageError` for options that do not apply to it.
    """
    in_memory = _in_memory(source, sheet, locale)
    if in_memory is not None:
        return in_memory
    if not isinstance(source, (str, Path)):
        raise UsageError(f"load() needs {READABLE}, not {type(source).__name__}")
    file_path = Path(source)
    file = str(source)
    suffix = file_path.suffix.lower()
    if suffix not in tabular.WORKBOOK_SUFFIXES and sheet is not None:
        raise UsageError("sheet= applies to .xlsx workbooks only", Location(file=file))
    if file_path.is_dir():
        return workbook.read_folder(file_path, file, locale=locale), file, ""
    if not file_path.exists() and not file_path.is_symlink():
        what = "folder" if file.endswith(("/", "\\")) else "file" if suffix else "file or folder"
        raise DataError(f"{what} not found", Location(file=file), _missing_hint(file_path))
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise DataError(
            f"cannot read '{file_path.suffix or file_path.name}' files",
            Location(file=file),
            f"use a file ending in one of: {known}, or a folder of CSV files",
        )
    options: dict[str, Any] = {}
    if sheet is not None:
        options["sheet"] = sheet
    if locale is not None:
        if suffix not in tabular.TABLE_SUFFIXES:
            raise UsageError("locale= applies to CSV and XLSX tables only", Location(file=file))
        options["locale"] = locale
    if suffix in tabular.WORKBOOK_SUFFIXES:
        options["limits_"] = limits
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
    source: str | Path | Any,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    limits: LimitsOption = None,
) -> Dataset:
    """Read a data file, a folder of CSV files or DataFrames into a validated :class:`Dataset`.

    The format comes from the file's suffix.  ``sheet``: read only this
    worksheet of an .xlsx file, as one table of figures.  ``locale``: "vi" or
    "en" reads text numbers of tables in that convention ("1.175.000" or
    "1,175,000"); ``None`` leaves it to the table (a ``# locale: vi`` line, the
    workbook's settings sheet), else plain numbers.  ``limits``: what a
    workbook may cost (:class:`briefgen.data.limits.Limits` or a dict such as
    ``{"rows": 500_000}``).  Warnings are issued as :class:`BriefgenWarning`.
    """
    parsed, file, digest = _parse(source, sheet, locale, limits)
    return from_data(parsed, file, digest)


def from_data(parsed: Parsed, file: str, digest: str = "") -> Dataset:
    """Validate parsed data into a :class:`Dataset`; the first error is raised.

    The error names file, line (or sheet and cell), record and field, and says
    how many more problems there are (``briefgen validate`` lists them all).
    Each warning is issued through :mod:`warnings` as a :class:`BriefgenWarning`.
    """
    dataset, problems = _checked(parsed, file, digest)
    errors = [p for p in problems if p.severity == "error"]
    if errors or dataset is None:
        error = errors[0].as_error()
        if len(errors) > 1:
            command = (
                "briefgen.validate() lists them all"
                if file.startswith("<")
                else f"run 'briefgen validate {file}'"
            )
            error.add_hint(f"{len(errors) - 1} more problem(s): {command}")
        raise error
    for problem in problems:
        warnings.warn(BriefgenWarning(problem.message, problem.where, problem.hint), stacklevel=4)
    return dataset


def report(
    source: str | Path | Any,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    limits: LimitsOption = None,
) -> Report:
    """Every problem of a data source, errors and warnings, without raising for bad data.

    A file that cannot be read or parsed at all gives that one problem and no dataset.
    """
    try:
        parsed, file, digest = _parse(source, sheet, locale, limits)
    except DataError as error:
        return Report(None, (Problem("error", error.message, error.where, error.hint, error),))
    dataset, problems = _checked(parsed, file, digest)
    return Report(_without_errors(dataset, problems), tuple(problems))


def _without_errors(dataset: Dataset | None, problems: Sequence[Problem]) -> Dataset | None:
    """``dataset`` without the records an error names (a workbook cell that could not be
    read leaves its record in the data, but the record did not pass)."""
    named = {p.where.record for p in problems if p.severity == "error" and p.where.record}
    if dataset is None or not named:
        return dataset
    kept = tuple(e for e in dataset.entries if e.where.record not in named)
    return dataset if len(kept) == len(dataset.entries) else replace(dataset, entries=kept)


def validate(
    source: str | Path | Any,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    limits: LimitsOption = None,
) -> tuple[Dataset | None, list[Problem]]:
    """:func:`report` as a pair: the dataset of the good records (or None) and every problem."""
    found = report(source, sheet=sheet, locale=locale, limits=limits)
    return found.dataset, list(found.problems)


def _checked(parsed: Parsed, file: str, digest: str) -> tuple[Dataset | None, list[Problem]]:
    """The reader's problems, then :func:`check` of data that :func:`clean.screen`
    passes; data holding text no document can hold (or nested too deeply) gives no
    dataset and every such place."""
    refused = clean.screen(parsed.data, parsed.line_of, file)
    if refused:
        return None, [
            *parsed.problems,
            *(Problem("error", f.message, f.where, f.hint) for f in refused),
        ]
    dataset, checked = check(parsed.data, parsed.line_of, file, digest)
    return dataset, [*parsed.problems, *checked]
