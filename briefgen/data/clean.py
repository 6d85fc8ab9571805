"""What text a document can hold, decided once at the data boundary.

PDF text and DOCX (an XML file) cannot hold every Python string: XML 1.0 has
no place for C0 controls other than tab and line breaks, for lone surrogates,
or for U+FFFE and U+FFFF.  C1 controls and DEL are legal XML but never
meant text (they come from a file decoded with the wrong code page), and the
other Unicode noncharacters are reserved for a program's internal use.

briefgen **refuses** such characters where data comes in, naming the field
and the character, so that ``briefgen validate`` and ``briefgen render`` give
the same answer and every brief prints exactly the text of its data:

* :func:`screen` walks parsed data once (every reader's output, before
  validation) and reports each string holding such a character, and any
  nesting deeper than :data:`MAX_DEPTH`;
* :func:`refuse` is the same rule for one string, used by the record models
  (:data:`briefgen.data.records.NFCText`) so records built in Python obey it
  too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from briefgen import errors
from briefgen.errors import Location

MAX_DEPTH = 20
"""How deeply data may nest (a record is 5 levels deep; nothing needs 20)."""

_ILLEGAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def illegal(text: str) -> tuple[int, str] | None:
    """(position, character) of the first character a document cannot hold, or ``None``."""
    match = _ILLEGAL.search(text)
    return (match.start(), match.group()) if match else None


def describe(char: str) -> str:
    """``U+001B (a control character)``: a character named for a message."""
    point = ord(char)
    if 0xD800 <= point <= 0xDFFF:
        kind = "half of a surrogate pair"
    elif point < 0x20 or 0x7F <= point <= 0x9F:
        kind = "a control character"
    else:
        kind = "a noncharacter"
    return f"U+{point:04X} ({kind})"


HINT = "delete it from the data; most editors do not show it, retyping the text removes it"


def message(text: str) -> str | None:
    """Why ``text`` cannot be printed (one line naming the character and where), or ``None``."""
    found = illegal(text)
    if found is None:
        return None
    position, char = found
    count = len(_ILLEGAL.findall(text))
    more = f" and {count - 1} more such character(s)" if count > 1 else ""
    return (
        f"text holds {describe(char)} at character {position + 1}{more}, "
        "which a document cannot hold"
    )


def refuse(text: str) -> str:
    """``text`` unchanged; :class:`ValueError` naming the character if it has one it cannot hold."""
    problem = message(text)
    if problem is not None:
        raise ValueError(f"{problem} ({HINT})")
    return text


LineOf = Callable[[Sequence[str | int]], int | Location | None]
"""A reader's line finder: the line of a path in a text file, or a table cell's location."""


def _place(path: Sequence[str | int], line_of: LineOf, file: str) -> Location:
    """The location of ``path``: its line, its record ("record 3") and field within it."""
    record = None
    field_path: Sequence[str | int] = path
    if len(path) >= 2 and path[0] == "records" and isinstance(path[1], int):
        record = f"record {path[1] + 1}"
        field_path = path[2:]
    elif path and isinstance(path[0], int):  # a file that is a bare list of records
        record = f"record {path[0] + 1}"
        field_path = path[1:]
    field = errors.field_path(field_path) or None
    found = line_of(list(path))
    if isinstance(found, Location):  # a workbook's or CSV's cell
        return replace(found, record=found.record or record, field=field)
    return Location(file=file, record=record, row=found, field=field)


class Finding(NamedTuple):
    """Something :func:`screen` refuses: what, where, and what to do."""

    message: str
    where: Location
    hint: str


def screen(data: Any, line_of: LineOf, file: str) -> list[Finding]:
    """Every string in ``data`` (keys too) a document cannot hold, and nesting deeper
    than :data:`MAX_DEPTH`, in file order.

    Walks without recursion, so any parsed input is safe to screen.
    """
    found: list[Finding] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            problem = message(value)
            if problem is not None:
                found.append(Finding(problem, _place(path, line_of, file), HINT))
            continue
        if len(path) >= MAX_DEPTH and isinstance(value, (Mapping, list, tuple)):
            found.append(
                Finding(
                    f"data nested more than {MAX_DEPTH} levels deep",
                    _place(path, line_of, file),
                    "a record nests 5 levels; check the file's structure",
                )
            )
            continue
        children: list[tuple[Any, tuple[str | int, ...]]] = []
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and (problem := message(key)) is not None:
                    found.append(Finding(f"a key {problem}", _place(path, line_of, file), HINT))
                    continue  # what is under it is named by the key: not walked
                children.append((item, (*path, str(key))))
        elif isinstance(value, (list, tuple)):
            children = [(item, (*path, index)) for index, item in enumerate(value)]
        stack.extend(reversed(children))
    return found
