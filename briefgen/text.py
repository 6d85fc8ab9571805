"""Vietnamese and English formatting of numbers, money, percent, ranks and dates.

The one place where figures become text.  Babel does the locale work
(grouping and decimal symbols); the Decree-30 date form is ours, because
CLDR's long Vietnamese date does not match the decree.  Every figure goes
through ``Decimal(str(value))`` and is rounded half-up, as officials round,
so 2.675 shows as "2,68" and never as a binary-float "2,67".  Every function
returns NFC text with plain U+0020 spaces and accepts ``lang`` "vi" or "en"
only; anything else is a :class:`~briefgen.errors.UsageError`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Literal, TypeAlias

from babel.dates import format_date
from babel.numbers import format_decimal

from briefgen.errors import UsageError

Lang: TypeAlias = Literal["vi", "en"]
Number: TypeAlias = float | int | Decimal

LANGS: tuple[Lang, ...] = ("vi", "en")
"""The languages every function here accepts."""

_VIETNAMESE_LOWER = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
VIETNAMESE_LETTERS = _VIETNAMESE_LOWER + _VIETNAMESE_LOWER.upper()
"""Every letter of the Vietnamese alphabet with every tone mark, lower and upper case.

Fonts (PDF and charts) are accepted only if they cover all of these."""

MONEY_UNITS: dict[str, tuple[str, str, int]] = {
    "dong": ("đồng", "", 1),
    "nghin_dong": ("nghìn đồng", "thousand", 1_000),
    "trieu_dong": ("triệu đồng", "million", 1_000_000),
    "ty_dong": ("tỷ đồng", "billion", 1_000_000_000),
}
"""Money unit id → (Vietnamese label, English scale word, factor to đồng).

The English label is the scale word that follows the amount ("VND 3,630
billion"); it is empty for plain đồng ("VND 500")."""

# Scale words for compact(), largest first, as powers of ten so that scaling is
# exact (Decimal.scaleb) rather than a division.
_SCALES: dict[Lang, tuple[tuple[int, str], ...]] = {
    "vi": ((9, "tỷ"), (6, "triệu"), (3, "nghìn")),
    "en": ((9, "billion"), (6, "million"), (3, "thousand")),
}

_DEFAULT_DECIMALS = 2
"""Most decimals shown when a caller does not ask for a fixed number."""


def _lang(lang: str) -> Lang:
    if lang == "vi":
        return "vi"
    if lang == "en":
        return "en"
    raise UsageError(f"unknown language {lang!r}", hint="use 'vi' or 'en'")


def _decimals(decimals: int, name: str = "decimals") -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise UsageError(f"{name} must be a whole number 0 or more, not {decimals!r}")
    return decimals


def _decimal(value: Number) -> Decimal:
    """``value`` as an exact Decimal of its printed form (so 2.675 stays 2.675)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise UsageError(f"expected a number, not {value!r}")
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if not amount.is_finite():
        raise UsageError(f"cannot format {value!r}", hint="give a finite number")
    return amount


def _context(amount: Decimal, places: int) -> Context:
    """A half-up context wide enough for every digit of ``amount`` at ``places`` decimals."""
    # The default 28 digits would make quantize() fail on very large figures.
    return Context(prec=max(28, amount.adjusted() + places + 2), rounding=ROUND_HALF_UP)


def _round(amount: Decimal, places: int) -> Decimal:
    """``amount`` rounded half-up to ``places`` decimals, without negative zero."""
    rounded = amount.quantize(Decimal(1).scaleb(-places), context=_context(amount, places))
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _trimmed_places(rounded: Decimal) -> int:
    """How many decimals ``rounded`` needs once trailing zeros are dropped."""
    exponent = rounded.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _figure(value: Number, lang: Lang, decimals: int | None, most: int) -> tuple[str, Decimal]:
    """The text of ``value`` and the rounded value it shows.

    ``decimals`` ``None`` means at most ``most`` decimals with trailing zeros
    trimmed; otherwise exactly ``decimals``.
    """
    places = _decimals(most if decimals is None else decimals)
    rounded = _round(_decimal(value), places)
    if decimals is None:
        places = _trimmed_places(rounded)
        rounded = _round(rounded, places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    # Babel quantizes again under the thread's context; rounding is already done.
    with localcontext(_context(rounded, places)):
        text = format_decimal(rounded, format=pattern, locale=lang, decimal_quantization=True)
    # Some CLDR data uses U+2212 MINUS SIGN or NBSP; reports use plain ASCII.
    text = text.replace("\u2212", "-").replace("\u00a0", " ").replace("\u202f", " ")
    return nfc(text), rounded


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (never ``None``; empty text stays empty)."""
    return unicodedata.normalize("NFC", text)


def number(value: Number, lang: str = "vi", decimals: int | None = None) -> str:
    """A number with the language's separators; ``decimals`` ``None`` shows at most two, trimmed.

    vi "2.890.000", "49,8", "1.234,5"; en "2,890,000", "49.8".  With
    ``decimals`` set, exactly that many decimals show ("80,00").
    """
    return _figure(value, _lang(lang), decimals, _DEFAULT_DECIMALS)[0]


def percent(value: Number, lang: str = "vi", decimals: int | None = None) -> str:
    """A percentage with no space before "%"; ``decimals`` ``None`` as in :func:`number`.

    vi "8,3%", "100,67%"; en "8.3%".
    """
    return f"{number(value, lang, decimals)}%"


def signed_percent(value: Number, lang: str = "vi", decimals: int | None = None) -> str:
    """A percentage with "+" or "-"; ``decimals`` ``None`` as in :func:`number`.

    "+8,3%", "-2,1%"; a value that rounds to zero has no sign: "0%".
    """
    text, rounded = _figure(value, _lang(lang), decimals, _DEFAULT_DECIMALS)
    return f"+{text}%" if rounded > 0 else f"{text}%"


def money(
    value: Number,
    unit: str = "ty_dong",
    lang: str = "vi",
    decimals: int | None = None,
) -> str:
    """An amount of money in ``unit``; ``decimals`` ``None`` as in :func:`number`.

    vi "3.630 tỷ đồng", "2.500 triệu đồng"; en "VND 3,630 billion", "VND 500".
    ``unit`` is a key of :data:`MONEY_UNITS`.
    """
    checked = _lang(lang)
    if unit not in MONEY_UNITS:
        raise UsageError(
            f"unknown money unit {unit!r}", hint=f"use one of: {', '.join(MONEY_UNITS)}"
        )
    vi_label, en_scale, _ = MONEY_UNITS[unit]
    amount = number(value, checked, decimals)
    if checked == "vi":
        return nfc(f"{amount} {vi_label}")
    return f"VND {amount} {en_scale}".rstrip()


def compact(value: Number, lang: str = "vi", decimals: int = _DEFAULT_DECIMALS) -> str:
    """A short form with a scale word, never ``None``; ``decimals`` is the most shown.

    vi "1,85 triệu", "4,5 nghìn", "3.630 tỷ"; en "1.85 million".  Trailing
    zeros are trimmed ("18 triệu").  Values below one thousand print as
    :func:`number` does ("950").
    """
    checked = _lang(lang)
    most = _decimals(decimals)
    amount = _decimal(value)
    scales = _SCALES[checked]
    for index, (power, word) in enumerate(scales):
        if abs(amount) < Decimal(1).scaleb(power):
            continue
        scaled = _round(amount.scaleb(-power), most)
        # 999,999 rounds to "1.000 nghìn": say "1 triệu" instead.
        if index > 0 and abs(scaled) >= 1000:
            bigger_power, bigger_word = scales[index - 1]
            scaled, word = _round(amount.scaleb(-bigger_power), most), bigger_word
        return nfc(f"{_figure(scaled, checked, None, most)[0]} {word}")
    text, rounded = _figure(amount, checked, None, most)
    if abs(rounded) >= 1000:
        # 999.999 rounds to "1.000": say "1 nghìn" instead.
        return compact(rounded, checked, most)
    return text


def quantity(value: Number, unit_label: str, lang: str = "vi", decimals: int | None = None) -> str:
    """A number and its unit label; ``decimals`` ``None`` as in :func:`number`.

    "2.890.000 thuê bao"; an empty label gives the number alone.
    """
    return nfc(f"{number(value, lang, decimals)} {unit_label.strip()}".rstrip())


def _position(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{name} must be a whole number 1 or more, not {value!r}")
    return value


def rank(position: int, of: int | None = None, lang: str = "vi") -> str:
    """A rank with its denominator, "11/63"; ``of`` ``None`` gives the position alone, "11".

    Ties are allowed, but ``position`` may not exceed ``of``.
    """
    _lang(lang)
    _position(position, "rank position")
    if of is None:
        return str(position)
    if _position(of, "number ranked") < position:
        raise UsageError(f"rank {position} is beyond the {of} units ranked")
    return f"{position}/{of}"


def ordinal(position: int, lang: str = "vi") -> str:
    """A position in words, never ``None``: vi "thứ 11"; en "1st", "2nd", "11th", "22nd"."""
    _position(position, "position")
    if _lang(lang) == "vi":
        return f"thứ {position}"
    if 10 <= position % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
    return f"{position}{suffix}"


def rank_change(previous: int, current: int, lang: str = "vi") -> str:
    """How a rank moved, lower being better; never ``None`` (no move has its own words).

    vi "tăng 3 bậc", "giảm 2 bậc", "giữ nguyên thứ hạng";
    en "up 3 places", "up 1 place", "down 2 places", "unchanged".
    """
    checked = _lang(lang)
    gained = _position(previous, "previous rank") - _position(current, "current rank")
    steps = abs(gained)
    if checked == "en":
        if gained == 0:
            return "unchanged"
        places = "place" if steps == 1 else "places"
        return f"{'up' if gained > 0 else 'down'} {steps} {places}"
    if gained == 0:
        return "giữ nguyên thứ hạng"
    return f"{'tăng' if gained > 0 else 'giảm'} {steps} bậc"


def growth_phrase(pct: Number, lang: str = "vi", decimals: int | None = None) -> str:
    """Growth in words; ``decimals`` ``None`` as in :func:`number`.

    vi "tăng 8,3%", "giảm 2,1%"; en "up 8.3%", "down 2.1%".  Growth that
    rounds to zero reads "không đổi" / "unchanged".
    """
    checked = _lang(lang)
    shown, rounded = _figure(abs(_decimal(pct)), checked, decimals, _DEFAULT_DECIMALS)
    rising = _decimal(pct) > 0
    if rounded == 0:
        return "unchanged" if checked == "en" else "không đổi"
    if checked == "en":
        return f"{'up' if rising else 'down'} {shown}%"
    return f"{'tăng' if rising else 'giảm'} {shown}%"


def points_phrase(points: Number, lang: str = "vi", decimals: int | None = None) -> str:
    """A change of a rate in words, in percentage points; ``decimals`` as in :func:`number`.

    vi "tăng 12,6 điểm phần trăm", "giảm 0,5 điểm phần trăm"; en "up 12.6
    percentage points", "down 1 percentage point".  A change that rounds to
    zero reads "không đổi" / "unchanged".
    """
    checked = _lang(lang)
    shown, rounded = _figure(abs(_decimal(points)), checked, decimals, _DEFAULT_DECIMALS)
    rising = _decimal(points) > 0
    if rounded == 0:
        return "unchanged" if checked == "en" else "không đổi"
    if checked == "en":
        unit = "percentage point" if rounded == 1 else "percentage points"
        return f"{'up' if rising else 'down'} {shown} {unit}"
    return f"{'tăng' if rising else 'giảm'} {shown} điểm phần trăm"


def signed_points(points: Number, lang: str = "vi", decimals: int | None = None) -> str:
    """A change of a rate with its sign, short enough for a table cell or a tile.

    vi "+12,6 điểm %", "-0,5 điểm %"; en "+12.6 pp", "-0.5 pp"; a change that
    rounds to zero has no sign ("0 điểm %").  ``decimals`` as in :func:`number`.
    """
    checked = _lang(lang)
    text, rounded = _figure(points, checked, decimals, _DEFAULT_DECIMALS)
    sign = "+" if rounded > 0 else ""
    return f"{sign}{text} {'pp' if checked == 'en' else 'điểm %'}"


def lower_first(text: str) -> str:
    """``text`` with its first letter in lower case, to follow ";" or "," in a sentence.

    "Tổng số thuê bao Internet" → "tổng số thuê bao Internet".  Left as it is
    when the first word is an acronym ("DVC toàn trình", "ICT Index") or
    starts a name whose next word is capitalised ("Cổng Thông tin điện tử
    tỉnh", "Hà Nội").  Never ``None``; empty text stays empty.
    """
    text = nfc(text)
    words = text.split(" ", 2)
    first = words[0]
    if not first or (len(first) > 1 and first[1].isupper()):
        return text
    if len(words) > 1 and words[1][:1].isupper():
        return text
    return text[0].lower() + text[1:]


def decree_date(d: date) -> str:
    """The Decree-30 date, never ``None``: "ngày 07 tháng 01 năm 2022".

    Days below 10 and months 1 and 2 take a leading zero; other months do not
    ("ngày 05 tháng 6 năm 2020").
    """
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return nfc(f"ngày {d.day:02d} tháng {month} năm {d.year}")


def long_date(d: date, lang: str = "vi") -> str:
    """A date in words, never ``None``: vi the Decree-30 form; en "7 January 2022"."""
    if _lang(lang) == "vi":
        return decree_date(d)
    return nfc(format_date(d, "d MMMM y", locale="en"))


def place_date(place: str, d: date, lang: str = "vi") -> str:
    """The place-and-date line, never ``None``: "Nam Định, ngày 07 tháng 01 năm 2022".

    English keeps the place as given: "Nam Định, 7 January 2022".
    """
    if not place.strip():
        raise UsageError("place_date needs a place name", hint="for the date alone use long_date")
    return nfc(f"{place.strip()}, {long_date(d, lang)}")


def numeric_date(d: date, lang: str = "vi") -> str:
    """A numeric date, never ``None``: dd/mm/yyyy in both languages, "07/01/2022"."""
    _lang(lang)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(n: int) -> str:
    """Roman numerals for 1–3999, never ``None``: "I", "IV", "IX", "XIV"."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 3999:
        raise UsageError(f"roman numerals cover 1 to 3999, not {n!r}")
    out: list[str] = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def strip_diacritics(text: str) -> str:
    """``text`` without diacritics, case kept (never ``None``): "Nam Định" → "Nam Dinh"."""
    # đ/Đ are letters of their own, not d + a mark, so NFD leaves them alone.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return nfc("".join(c for c in decomposed if not unicodedata.combining(c)))


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A lowercase ASCII slug, "untitled" when nothing is left: "Nam Định" → "nam-dinh"."""
    slug = _NON_SLUG.sub("-", strip_diacritics(text).lower()).strip("-")
    return slug or "untitled"


def upper(text: str) -> str:
    """Upper case that stays NFC, never ``None``: "Sở Thông tin" → "SỞ THÔNG TIN"."""
    return nfc(nfc(text).upper())
