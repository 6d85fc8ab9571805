"""Errors raised by briefgen.

Every error derives from :class:`BriefgenError` and says *where* the problem
is: a file and row or record, a field, or a template and line.  The CLI prints
``str(error)`` on one line and exits with code 2 for :class:`InputError`
subclasses (bad input or usage) and 1 for anything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem was found.  Every part is optional; ``None`` means unknown.

    ``file``: path of the input or template file as the user gave it.
    ``record``: a record label such as ``"Nam Định 2021"`` or ``"record 3"``.
    ``row``: 1-based row (CSV/XLSX) or line (YAML/templates) in ``file``.
    ``field``: dotted field path such as ``"observations.ict_index.rank"``;
    positions in a list count from 1, as a user counts them (``"targets.4.value"``
    is the fourth target), see :func:`field_path`.
    ``sheet``: the worksheet of a workbook (or the table of a CSV folder or of a
    dict of DataFrames) the problem is in.
    ``cell``: the cell reference as a spreadsheet shows it ("D7").
    ``column``: the header of the cell's column, as written in the table.
    """

    file: str | None = None
    record: str | None = None
    row: int | None = None
    field: str | None = None
    sheet: str | None = None
    cell: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.sheet is not None:
            sheet = f"sheet '{self.sheet}'"
            parts.append(f"{self.file}, {sheet}" if self.file else sheet)
            if self.cell is not None:
                column = f", column '{self.column}'" if self.column else ""
                parts.append(f"cell {self.cell} (row {self.row}{column})")
            elif self.row is not None:
                parts.append(f"row {self.row}")
            if self.cell is None and self.column:
                parts.append(f"column '{self.column}'")
        elif self.file:
            parts.append(f"{self.file}:{self.row}" if self.row is not None else self.file)
        elif self.row is not None:
            parts.append(f"line {self.row}")
        if self.sheet is None and self.column:
            parts.append(f"column '{self.column}'")
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


def field_path(parts: Iterable[str | int]) -> str:
    """A dotted field path as messages show it, list positions counted from 1.

    ``("targets", 3, "value")`` (the fourth target, as Python indexes it) is
    ``"targets.4.value"``: the number a person counting the targets says.
    """
    return ".".join(
        str(part + 1) if isinstance(part, int) and not isinstance(part, bool) else str(part)
        for part in parts
    )


class BriefgenError(Exception):
    """Base class of every error briefgen raises on purpose."""

    def __init__(self, message: str, where: Location | None = None, hint: str | None = None):
        self.message = message
        self.where = where or Location()
        self.hint = hint
        super().__init__(self._format())

    def add_hint(self, extra: str) -> None:
        """Append ``extra`` to the hint (and to the message ``str()`` gives)."""
        self.hint = f"{self.hint}; {extra}" if self.hint else extra
        self.args = (self._format(),)

    def _format(self) -> str:
        place = str(self.where)
        text = f"{place}: {self.message}" if place else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(BriefgenError):
    """Bad input from the user: data, template, options.  The CLI exits with code 2."""


class DataError(InputError):
    """A data file or record is malformed or invalid."""


class UnknownProvinceError(DataError):
    """A province name or code matches no unit; ``suggestions`` lists the closest names."""

    def __init__(
        self,
        message: str,
        where: Location | None = None,
        hint: str | None = None,
        suggestions: tuple[str, ...] = (),
    ):
        self.suggestions = suggestions
        super().__init__(message, where, hint)


class RecordNotFoundError(InputError):
    """The dataset has no record for the requested province and year."""


class TemplateError(InputError):
    """A template is missing, malformed, or fails while rendering.

    ``source_line`` holds the text of the offending template line when known.
    """

    def __init__(
        self,
        message: str,
        where: Location | None = None,
        hint: str | None = None,
        source_line: str | None = None,
    ):
        self.source_line = source_line
        super().__init__(message, where, hint)

    def _format(self) -> str:
        text = super()._format()
        if self.source_line:
            text += f"\n    {self.source_line.strip()}"
        return text


class BriefgenWarning(UserWarning):
    """A doubtful but usable input, issued through :mod:`warnings` (``briefgen.load``).

    ``where`` says where, as for errors; ``hint`` what to check.  Turn them into
    errors with ``warnings.simplefilter("error", BriefgenWarning)``, or list
    them all with ``briefgen.validate``.
    """

    def __init__(self, message: str, where: Location | None = None, hint: str | None = None):
        self.message = message
        self.where = where or Location()
        self.hint = hint
        place = str(self.where)
        text = f"{place}: {message}" if place else message
        super().__init__(f"{text} ({hint})" if hint else text)


class OutputError(BriefgenError):
    """A document could not be written (bad output path, unknown format, disk error)."""


class UsageError(InputError):
    """A function or command was called with arguments that cannot work together."""
