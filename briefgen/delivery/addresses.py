"""The address book: who receives each province's brief (YAML, CSV or XLSX).

One row (or YAML item) per province, in any spelling or by code, resolved by
the province registry for the batch's year::

    province,to,cc,bcc,reply_to,addressee
    Thanh Hóa,"Sở Khoa học và Công nghệ, tỉnh Thanh Hóa <skhcn@thanhhoa.gov.vn>",,,,
    38,...

A cell (or YAML string) may hold several addresses separated by ``;`` or line
breaks; each is ``addr@domain`` or ``Display Name <addr@domain>``, the display
name quoted or not (a comma inside it is part of the name, which is why
addresses are never separated by commas).  A row whose province is ``*`` (in
YAML: a ``defaults:`` mapping) gives ``cc``, ``bcc`` and ``reply_to`` for
every province.

Everything is checked when the file is read, before anything is composed or
sent: an unknown column, an unknown province (or one merged away in the
batch's year), a duplicate province, a row without ``to``, an address that
``email-validator`` refuses (syntax only, no network), a display name with a
line break, the same address twice in a row.  Each error names file, row and
field.  Display names are NFC-normalised and their runs of spaces made single,
so what is written is what every reader reads back.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen.data import provinces, tabular
from briefgen.delivery.mime import MAX_NAME
from briefgen.errors import DataError, Location, UnknownProvinceError

FIELDS = ("province", "to", "cc", "bcc", "reply_to", "addressee")
"""Columns (YAML keys) of an address book; only ``province`` and ``to`` are required."""

ADDRESS_FIELDS = ("to", "cc", "bcc", "reply_to")
DEFAULTS_ROW = "*"
"""The ``province`` of a CSV/XLSX row whose cc, bcc and reply_to apply to every province."""

SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")

_ALIASES = {"reply-to": "reply_to", "replyto": "reply_to", "code": "province"}


@dataclass(frozen=True)
class Mailbox:
    """One address.

    ``name``: the display name, NFC with single spaces; ``""`` when there is none.
    ``address``: the addr-spec as written in headers and the SMTP envelope (an
    internationalised domain in its ASCII form when the local part is ASCII).
    """

    name: str
    address: str

    @property
    def smtputf8(self) -> bool:
        """Whether sending to or from this address needs the server's SMTPUTF8."""
        return not self.address.isascii()

    def __str__(self) -> str:
        if not self.name:
            return self.address
        return f"{self.name} <{self.address}>"


@dataclass(frozen=True)
class Recipients:
    """The addresses of one province.

    ``code``/``province``: the unit as the registry names it for the book's year.
    ``addressee``: how the mail greets them ("Sở Khoa học và Công nghệ tỉnh
    Thanh Hóa"); ``None``: the display name of the first ``to``.
    ``row``: the row (CSV/XLSX) or line (YAML) of the book it came from.
    """

    code: str
    province: str
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...] = ()
    bcc: tuple[Mailbox, ...] = ()
    reply_to: tuple[Mailbox, ...] = ()
    addressee: str | None = None
    row: int | None = None

    @property
    def envelope(self) -> tuple[str, ...]:
        """Every address the message goes to (to, cc, bcc), each once, in that order."""
        return tuple(dict.fromkeys(m.address for m in (*self.to, *self.cc, *self.bcc)))


@dataclass(frozen=True)
class AddressBook:
    """A validated address book.

    ``file``: the path as given; ``sha256``: of its bytes; ``year``: the year
    whose units the provinces were resolved against (``None``: either era).
    """

    file: str
    sha256: str
    year: int | None
    entries: Mapping[str, Recipients] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, code: str) -> Recipients | None:
        """The recipients of the unit with ``code``, or ``None``."""
        return self.entries.get(code)

    def require(self, code: str, province: str) -> Recipients:
        """The recipients of ``code``; a :class:`DataError` naming the book if it has none."""
        found = self.entries.get(code)
        if found is None:
            raise DataError(
                f"no row for {province} ({code}), which the batch has a brief for",
                Location(file=self.file, field="province"),
                f"add a row '{province}' with its 'to' address, or send fewer provinces",
            )
        return found


# --------------------------------------------------------------------------- addresses


def parse_mailboxes(text: str, where: Location) -> tuple[Mailbox, ...]:
    """The addresses in ``text`` (separated by ``;`` or line breaks); errors name ``where``."""
    return tuple(_mailbox(item, where) for item in _split(text, where) if item.strip())


def _split(text: str, where: Location) -> Iterator[str]:
    """Split at ``;`` and line breaks outside double quotes."""
    current: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char in ";\r\n" and not quoted:
            yield "".join(current)
            current = []
            continue
        current.append(char)
    if quoted:
        raise DataError(
            f"'{text.strip()}' has an opening '\"' without a closing one",
            where,
            'quote the whole display name: "Sở A, phòng B" <a@example.gov.vn>',
        )
    yield "".join(current)


def _mailbox(item: str, where: Location) -> Mailbox:
    item = item.strip()
    if _comma_separated(item):
        raise DataError(
            f"'{item}' holds several addresses separated by commas",
            where,
            _SEPARATE,
        )
    if item.endswith(">"):
        start = item.rfind("<")
        if start < 0:
            raise DataError(f"'{item}' has a '>' without a '<'", where, _FORM)
        name, address = item[:start].strip(), item[start + 1 : -1].strip()
    elif "<" in item or ">" in item:
        raise DataError(f"'{item}' has a '<' without a closing '>'", where, _FORM)
    else:
        name, address = "", item
    return Mailbox(_display_name(name, item, where), _address(address, item, where))


_FORM = "write addr@domain or Display Name <addr@domain>"
_SEPARATE = "separate several addresses with ';' (a comma belongs to a display name)"


def _comma_separated(item: str) -> bool:
    """Whether ``item`` is several addresses joined by commas ("A, B <a@b.vn>, c@d.vn"):
    two or more of its comma-separated parts (outside quotes and ``<…>``) hold an '@'.
    A comma in a display name ("Sở A, tỉnh B <a@b.vn>") leaves one part with an '@'."""
    parts = [""]
    quoted = angled = escaped = False
    for char in item:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"' and not angled:
            quoted = not quoted
        elif char == "<" and not quoted:
            angled = True
        elif char == ">" and not quoted:
            angled = False
        elif char == "," and not quoted and not angled:
            parts.append("")
            continue
        parts[-1] += char
    return sum("@" in part for part in parts) >= 2


def _display_name(name: str, item: str, where: Location) -> str:
    if name.startswith('"') or name.endswith('"'):
        if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
            raise DataError(f"'{item}': the display name's quotes do not match", where, _FORM)
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    bad = [c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    if bad:
        raise DataError(
            f"'{item}': the display name holds a line break or control character "
            f"(U+{ord(bad[0]):04X})",
            where,
            "a display name is one line of text",
        )
    clean = unicodedata.normalize("NFC", " ".join(name.split()))
    if len(clean) > MAX_NAME:
        raise DataError(
            f"'{clean[:40]}…': a display name of {len(clean)} characters is too long",
            where,
            f"at most {MAX_NAME} characters",
        )
    return clean


def _address(address: str, item: str, where: Location) -> str:
    from email_validator import EmailNotValidError, validate_email

    if not address:
        raise DataError(f"'{item}' has no address", where, _FORM)
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        hint = _FORM
        if address.count("@") > 1 and ("," in address or " " in address.strip()):
            hint = _SEPARATE
        elif "@" not in address:
            hint = (
                f"{_FORM}; a YAML list [a, b] splits at commas, so quote an address whose "
                'display name has one: ["Sở A, tỉnh B <a@b.gov.vn>"]'
            )
        raise DataError(f"'{item}' is not a valid address: {error}", where, hint) from None
    return checked.ascii_email or checked.normalized


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Row:
    """One row or YAML item: its cells by field, and the line or row of each field."""

    values: Mapping[str, Any]
    rows: Mapping[str, int | None]
    row: int | None


def load_address_book(
    path: str | Path, year: int | None = None, *, sheet: str | None = None
) -> AddressBook:
    """Read and validate an address book (``.yaml``, ``.csv`` or ``.xlsx``).

    ``year``: resolve provinces among the units reporting for that year (the
    batch's), so a 2025 book names the 34 units; ``None`` accepts either era.
    ``sheet``: the worksheet of a workbook (``None``: the first).  Raises
    :class:`DataError` naming file, row and field of the first problem.
    """
    file = str(path)
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            f"cannot read '{source.suffix or source.name}' address books",
            Location(file=file),
            f"use a file ending in one of: {', '.join(SUFFIXES)}",
        )
    raw = tabular.read_bytes(source, file, "an address book")
    if suffix in (".yaml", ".yml"):
        defaults, rows = _yaml_rows(tabular.decode(raw, file), file)
    elif suffix == ".csv":
        defaults, rows = _table_rows(_csv_cells(tabular.decode(raw, file), file), file)
    else:
        defaults, rows = _table_rows(_xlsx_cells(raw, file, sheet), file)
    if not rows:
        raise DataError(
            "the address book has no rows", Location(file=file), "add one row per province"
        )
    shared = _defaults(defaults, file)
    entries: dict[str, Recipients] = {}
    first_row: dict[str, int | None] = {}
    for row in rows:
        entry = _entry(row, shared, file, year)
        if entry.code in entries:
            raise DataError(
                f"{entry.province} ({entry.code}) has a second row",
                Location(file=file, row=row.rows.get("province", row.row), field="province"),
                f"its first row is {first_row[entry.code]}; keep one row per province",
            )
        entries[entry.code] = entry
        first_row[entry.code] = row.row
    return AddressBook(
        file=file,
        sha256=hashlib.sha256(raw).hexdigest(),
        year=year,
        entries=dict(sorted(entries.items())),
    )


def _field_name(key: object) -> str:
    """The field a column or key names: its id ("reply_to", "Reply-To") or, as in the
    workbook layout's address-book sheet, its Vietnamese label ("Gửi đến")."""
    name = "_".join(str(key).strip().lower().split())
    name = _ALIASES.get(name, name)
    if name not in FIELDS and not name.isascii():
        from briefgen.data.layout import ADDRESSES

        column = ADDRESSES.column(str(key))
        if column is not None:
            return column.id
    return name


def _unknown_field(key: object, where: Location, allowed: Sequence[str]) -> DataError:
    close = difflib.get_close_matches(_field_name(key), allowed, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"fields: {', '.join(allowed)}"
    return DataError(f"unknown field '{key}'", where, hint)


def _yaml_rows(text: str, file: str) -> tuple[_Row | None, list[_Row]]:
    from briefgen.data.load import read_yaml

    parsed = read_yaml(text, file)
    data = parsed.data
    defaults: _Row | None = None
    items: Any
    prefix: tuple[str | int, ...]
    if isinstance(data, dict):
        for key in data:
            if key not in ("recipients", "defaults"):
                raise _unknown_field(
                    key,
                    Location(file=file, row=parsed.line([key]), field=str(key)),
                    ["recipients", "defaults"],
                )
        items, prefix = data.get("recipients"), ("recipients",)
        if "defaults" in data:
            raw_defaults = data["defaults"]
            if not isinstance(raw_defaults, dict):
                raise DataError(
                    "'defaults' must be a mapping of cc, bcc and reply_to",
                    Location(file=file, row=parsed.line(["defaults"]), field="defaults"),
                )
            defaults = _yaml_row(raw_defaults, parsed.line, ("defaults",), file)
    elif data is None:
        items, prefix = [], ()
    else:
        items, prefix = data, ()
    if items is None:
        items = []
    if not isinstance(items, list):
        raise DataError(
            "the recipients must be a list, one item per province",
            Location(file=file, row=parsed.line(list(prefix)), field="recipients"),
            "write '- province: Thanh Hóa' and its 'to:' under 'recipients:'",
        )
    rows = []
    for index, item in enumerate(items):
        path = (*prefix, index)
        if not isinstance(item, dict):
            raise DataError(
                "each item must be a mapping with 'province' and 'to'",
                Location(file=file, row=parsed.line(list(path)), field="recipients"),
            )
        rows.append(_yaml_row(item, parsed.line, path, file))
    return defaults, rows


def _yaml_row(
    item: Mapping[Any, Any], line_of: Any, path: tuple[str | int, ...], file: str
) -> _Row:
    values: dict[str, Any] = {}
    lines: dict[str, int | None] = {}
    for key, value in item.items():
        name = _field_name(key)
        line = line_of([*path, key])
        if name not in FIELDS:
            raise _unknown_field(key, Location(file=file, row=line, field=str(key)), FIELDS)
        values[name] = value
        lines[name] = line
    return _Row(values, lines, line_of(list(path)))


def _csv_cells(text: str, file: str) -> Iterator[tuple[int, Sequence[object]]]:
    for number, row in tabular.csv_rows(text, file):
        yield number, [cell.value for cell in row]


def _xlsx_cells(raw: bytes, file: str, sheet: str | None) -> Iterator[tuple[int, Sequence[object]]]:
    """The rows of the address book's sheet: ``sheet``, else the sheet of the workbook
    layout's address book ("Địa chỉ thư" / ``addresses``) when the workbook has one,
    else the first.  The workbook's cost is bounded before it is read (as data
    workbooks are, :mod:`briefgen.data.limits`), and only its used range is read."""
    from briefgen.data import limits
    from briefgen.data.layout import ADDRESSES, sheet_kind
    from briefgen.data.workbook import opened_workbook

    inspection = limits.inspect(raw, file, limits.Limits.from_options())
    with opened_workbook(raw, file) as book:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataError(
                f"no sheet named '{sheet}'",
                Location(file=file),
                f"the workbook's sheets: {', '.join(book.sheetnames)}",
            )
        if sheet is None:
            named = [t for t in book.sheetnames if sheet_kind(t) is ADDRESSES]
            sheet = named[0] if named else book.sheetnames[0]
        scan = inspection.sheets.get(sheet, limits.SheetScan())
        rows: list[Sequence[object]] = []
        if scan.rows and scan.columns:
            rows = list(
                book[sheet].iter_rows(
                    min_row=1, max_row=scan.rows, max_col=scan.columns, values_only=True
                )
            )
    yield from enumerate(rows, start=1)


def _table_rows(
    cells: Iterator[tuple[int, Sequence[object]]], file: str
) -> tuple[_Row | None, list[_Row]]:
    columns: list[str | None] | None = None
    header_row = 0
    defaults: _Row | None = None
    rows: list[_Row] = []
    for number, row in cells:
        texts = ["" if c is None else _cell_text(c) for c in row]
        if not any(t.strip() for t in texts) or texts[0].lstrip().startswith("#"):
            continue
        if columns is None:
            columns = _header(texts, file, number)
            header_row = number
            continue
        if header_row == number - 1 and _names(texts) == columns:
            continue  # the ids under the labels, as briefgen's workbooks write them
        values: dict[str, Any] = {}
        for name, text in zip(columns, texts, strict=False):
            if name is not None and text.strip():
                values[name] = text
        extra = [t for t in texts[len(columns) :] if t.strip()]
        if extra:
            raise DataError(
                f"a cell right of the last column holds '{extra[0]}'",
                Location(file=file, row=number),
                "give the column a header, or remove the cell",
            )
        parsed = _Row(values, dict.fromkeys(values, number), number)
        if str(values.get("province", "")).strip() == DEFAULTS_ROW:
            if defaults is not None:
                raise DataError(
                    f"a second '{DEFAULTS_ROW}' row",
                    Location(file=file, row=number, field="province"),
                    f"its first is row {defaults.row}",
                )
            defaults = _Row(
                {k: v for k, v in values.items() if k != "province"}, parsed.rows, number
            )
        else:
            rows.append(parsed)
    return defaults, rows


def _names(texts: Sequence[str]) -> list[str | None]:
    return [_field_name(t) if t.strip() else None for t in texts]


def _cell_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a code typed as a number in a workbook: 38.0
    return str(cell)


def _header(texts: Sequence[str], file: str, number: int) -> list[str | None]:
    names: list[str | None] = []
    for text in texts:
        if not text.strip():
            names.append(None)
            continue
        name = _field_name(text)
        if name not in FIELDS:
            raise _unknown_field(text, Location(file=file, row=number, field=text.strip()), FIELDS)
        if name in names:
            raise DataError(
                f"two columns named '{name}'", Location(file=file, row=number, field=name)
            )
        names.append(name)
    for required in ("province", "to"):
        if required not in names:
            raise DataError(
                f"no '{required}' column",
                Location(file=file, row=number, field=required),
                f"the header needs: province, to (and may have {', '.join(FIELDS[2:])})",
            )
    return names


# --------------------------------------------------------------------------- entries


def _defaults(row: _Row | None, file: str) -> Mapping[str, tuple[Mailbox, ...]]:
    if row is None:
        return {}
    out: dict[str, tuple[Mailbox, ...]] = {}
    for name, value in row.values.items():
        where = Location(file=file, row=row.rows.get(name, row.row), field=name)
        if name not in ("cc", "bcc", "reply_to"):
            raise DataError(
                f"'{name}' cannot be a default for every province",
                where,
                "defaults may give cc, bcc and reply_to",
            )
        out[name] = _addresses(value, where)
    return out


def _addresses(value: Any, where: Location) -> tuple[Mailbox, ...]:
    items = value if isinstance(value, list) else [value]
    found: list[Mailbox] = []
    for item in items:
        if not isinstance(item, str):
            raise DataError(
                f"expected addresses as text, not {type(item).__name__} {item!r}",
                where,
                "write 'Display Name <addr@domain>'; several: a list, or separated by ';'",
            )
        found.extend(parse_mailboxes(item, where))
    return tuple(found)


def _entry(
    row: _Row, shared: Mapping[str, tuple[Mailbox, ...]], file: str, year: int | None
) -> Recipients:
    def where(name: str) -> Location:
        return Location(file=file, row=row.rows.get(name, row.row), field=name)

    province = row.values.get("province")
    if province is None or not str(province).strip():
        raise DataError("no province", where("province"), "give a province name or code")
    unit = _unit(province, year, where("province"))
    lists = {name: _addresses(row.values.get(name, []), where(name)) for name in ADDRESS_FIELDS}
    if not lists["to"]:
        raise DataError(
            f"no 'to' address for {unit.name}",
            where("to"),
            "every province needs at least one 'to' address",
        )
    seen: dict[str, str] = {}
    for name in ("to", "cc", "bcc"):
        for box in lists[name]:
            key = box.address.lower()
            if key in seen:
                raise DataError(
                    f"{box.address} is listed twice ('{seen[key]}' and '{name}')",
                    where(name),
                    "each address receives the message once; keep one",
                )
            seen[key] = name
    for name in ("cc", "bcc"):  # shared copies, unless the row already names the address
        extra = tuple(b for b in shared.get(name, ()) if b.address.lower() not in seen)
        seen.update((b.address.lower(), name) for b in extra)
        lists[name] = lists[name] + extra
    reply_to = lists["reply_to"] or shared.get("reply_to", ())
    return Recipients(
        code=unit.code,
        province=unit.name,
        to=lists["to"],
        cc=lists["cc"],
        bcc=lists["bcc"],
        reply_to=reply_to,
        addressee=_addressee(row.values.get("addressee"), where("addressee")),
        row=row.row,
    )


def _unit(value: Any, year: int | None, where: Location) -> provinces.Unit:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise DataError(f"a province must be a name or code, not {value!r}", where)
    try:
        return provinces.resolve(str(value).strip(), year=year)
    except UnknownProvinceError as error:
        raise UnknownProvinceError(
            error.message, where, error.hint, suggestions=error.suggestions
        ) from None


def _addressee(value: Any, where: Location) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(f"the addressee must be text, not {value!r}", where)
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise DataError("the addressee holds a line break or control character", where)
    text = unicodedata.normalize("NFC", " ".join(value.split()))
    if len(text) > MAX_NAME:
        raise DataError(f"an addressee of {len(text)} characters is too long", where)
    return text or None
