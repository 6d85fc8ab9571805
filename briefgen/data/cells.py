"""Reading one spreadsheet cell: numbers in either convention, percentages, dates, text.

A cell comes from a workbook (with its number format), a CSV file (always
text) or a DataFrame.  Numbers typed as text are read in the convention the
table declares:

* ``"vi"``: "." between thousands, "," before decimals: 1.175.000 · 49,8 · 72,4%
* ``"en"``: "," between thousands, "." before decimals: 1,175,000 · 49.8 · 72.4%
* undeclared: plain numbers only (1175000 · 49.8 · 72.4%); anything grouped is
  refused with a message saying how to declare the convention.

A numeric cell formatted as a percentage holds a fraction (0.724 shows as
"72.4%"): it reads as 72.4 where the field is a percentage, and is refused
where it is not.  Every refusal is a :class:`CellProblem` whose message quotes
the cell and whose hint says what to do.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Convention = Literal["vi", "en"]
LOCALES: tuple[Convention, ...] = ("vi", "en")
"""Declared number conventions: "vi" reads "1.175.000" and "49,8"; "en" "1,175,000"."""

EXAMPLES = {"vi": "1.175.000 and 49,8", "en": "1,175,000 and 49.8"}

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_VI = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_EN = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?")
_VI_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_TRUE = frozenset({"true", "yes", "1", "có", "co", "x", "đúng"})
_FALSE = frozenset({"false", "no", "0", "không", "khong", "sai"})
MAX_CELL_TEXT = 32767
"""The most characters an Excel cell holds."""


@dataclass(frozen=True)
class Cell:
    """One cell as read.  ``column`` is 0-based; ``row`` as the spreadsheet numbers it.

    ``number_format``: the workbook's format code ("0.0%"; "General" for CSV).
    ``formula``: the cell holds a formula whose value was never computed and
    saved (a workbook written by a program, not saved by Excel or LibreOffice).
    """

    value: object
    row: int
    column: int
    number_format: str = "General"
    formula: bool = False

    @property
    def ref(self) -> str:
        """The cell's reference as a spreadsheet shows it ("D7")."""
        return f"{column_letter(self.column)}{self.row}"


class CellProblem(Exception):
    """A cell that cannot be read as its column says; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message)


def column_letter(index: int) -> str:
    """ "A" for column 0, "AA" for column 26."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def is_blank(value: object) -> bool:
    """An empty cell: nothing, white space, or a DataFrame's NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _shown(cell: Cell) -> str:
    value = cell.value
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if not isinstance(value, (int, float)) else str(value)


def _check_formula(cell: Cell) -> None:
    if cell.formula:
        raise CellProblem(
            "the cell holds a formula whose value was never computed",
            "open the workbook in Excel or LibreOffice and save it, so the values are "
            "stored with the formulas, or type the value",
        )


def text(cell: Cell) -> str:
    """The cell as text (a whole number typed in a text column reads "2021", not "2021.0")."""
    _check_formula(cell)
    value = cell.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def lines(cell: Cell) -> tuple[str, ...]:
    """One item a line (Alt+Enter in Excel), blank lines left out."""
    return tuple(line.strip() for line in text(cell).splitlines() if line.strip())


def whole_number(cell: Cell, convention: Convention | None, declare: str) -> int:
    """A whole number (a year, a rank) from a cell; see :func:`number`."""
    return int(number(cell, convention, declare, whole=True))


def number(
    cell: Cell,
    convention: Convention | None,
    declare: str,
    *,
    percent: bool | None = False,
    whole: bool = False,
) -> int | float:
    """A number from a numeric cell or from text written in ``convention``.

    ``percent``: True where the field is a percentage (a percent-formatted cell
    reads ×100, "72,4%" reads 72.4); False where it is not (both refused);
    None where it is not known.  ``whole``: only whole numbers.  ``declare``:
    how this table declares its convention, for the message when it did not.
    """
    _check_formula(cell)
    value = cell.value
    if isinstance(value, bool):
        raise CellProblem(f"{_shown(cell)} is not a number", "the cell holds TRUE/FALSE")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise CellProblem(
            f"{_shown(cell)} is not a number",
            "the cell is formatted as a date: format it as a number",
        )
    if isinstance(value, (int, float)):
        result = _numeric(cell, value, percent)
    elif isinstance(value, str):
        result = _from_text(cell, value, convention, declare, percent)
    else:
        raise CellProblem(f"{_shown(cell)} is not a number")
    if whole:
        if isinstance(result, float) and not result.is_integer():
            raise CellProblem(f"{_shown(cell)} is not a whole number")
        return int(result)
    return result


def _numeric(cell: Cell, value: int | float, percent: bool | None) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise CellProblem(f"{_shown(cell)} is not a number")
    if "%" not in cell.number_format.replace('"%"', "").replace("\\%", ""):
        return value
    if percent is False:
        raise CellProblem(
            f"the cell is formatted as a percentage (it shows {_percent_text(value)}), "
            "but this column is not a percentage",
            "format the cell as a number",
        )
    scaled = Decimal(repr(value)) * 100
    return int(scaled) if scaled == scaled.to_integral_value() else float(scaled)


def _percent_text(value: float) -> str:
    return f"{float(Decimal(repr(value)) * 100):g}%"


def _from_text(
    cell: Cell, raw: str, convention: Convention | None, declare: str, percent: bool | None
) -> int | float:
    compact = _SPACES.sub("", raw)
    if compact.endswith("%"):
        if percent is False:
            raise CellProblem(
                f"{_shown(cell)} has a percent sign, but this column is not a percentage",
                "write the number without '%'",
            )
        compact = compact[:-1]
    if convention == "vi":
        if _VI.fullmatch(compact):
            plain = compact.replace(".", "").replace(",", ".")
            return float(plain) if "," in compact else int(plain)
        raise CellProblem(
            f"{_shown(cell)} is not a number written the Vietnamese way",
            "the table declares Vietnamese numbers: write '.' between thousands and ',' "
            f"before decimals ({EXAMPLES['vi']}), or leave the cell empty if not reported",
        )
    if convention == "en":
        if _EN.fullmatch(compact):
            plain = compact.replace(",", "")
            return float(plain) if "." in compact else int(plain)
        raise CellProblem(
            f"{_shown(cell)} is not a number written the English way",
            "the table declares English numbers: write ',' between thousands and '.' "
            f"before decimals ({EXAMPLES['en']}), or leave the cell empty if not reported",
        )
    if _PLAIN.fullmatch(compact):
        return int(compact) if compact.lstrip("+-").isdigit() else float(compact)
    readings = [name for name, pattern in (("vi", _VI), ("en", _EN)) if pattern.fullmatch(compact)]
    if not readings:
        raise CellProblem(
            f"{_shown(cell)} is not a number",
            "type a number, or leave the cell empty if not reported",
        )
    meanings = " or ".join(
        f"{_plain(_reading(compact, name))} if numbers are written the "
        f"{'Vietnamese' if name == 'vi' else 'English'} way ('{name}')"
        for name in readings
    )
    if len(readings) > 1:
        problem = "is ambiguous"
    elif readings == ["vi"] and "," in compact:
        problem = "has a decimal comma"
    else:
        problem = "is not a plain number"
    raise CellProblem(
        f"{_shown(cell)} {problem}: it reads {meanings}",
        f"declare how this table writes numbers: {declare}",
    )


def _plain(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _reading(text: str, convention: str) -> float:
    if convention == "vi":
        return float(text.replace(".", "").replace(",", "."))
    return float(text.replace(",", ""))


def date(cell: Cell) -> dt.date:
    """A date from a date cell, "2022-01-07" or the Vietnamese "07/01/2022"."""
    _check_formula(cell)
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    hint = (
        "write the date as 07/01/2022 (day/month/year) or 2022-01-07, or format the cell as a date"
    )
    if isinstance(value, str):
        stripped = value.strip()
        iso = _ISO_DATE.fullmatch(stripped)
        vi = _VI_DATE.fullmatch(stripped)
        try:
            if iso:
                return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            if vi:
                return dt.date(int(vi.group(3)), int(vi.group(2)), int(vi.group(1)))
        except ValueError as error:
            raise CellProblem(f"{_shown(cell)} is not a date ({error})", hint) from None
    raise CellProblem(f"{_shown(cell)} is not a date", hint)


def boolean(cell: Cell) -> bool:
    """TRUE/FALSE cells, or text: true/false, yes/no, có/không, 1/0."""
    _check_formula(cell)
    value = cell.value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = text(cell).casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellProblem(f"{_shown(cell)} is not yes or no", "write TRUE or FALSE (có / không)")


def check_convention(value: str) -> Convention | None:
    """The convention ``value`` names ("vi", "en", any case), or None if it names none."""
    word = value.strip().lower()
    for name in LOCALES:
        if word == name:
            return name
    return None
