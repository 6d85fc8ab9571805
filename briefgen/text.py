"""Vietnamese and English formatting of numbers, money, percent, ranks and dates.

The one place where figures become text.  Babel does the locale work
(grouping and decimal symbols); the Decree-30 date form is ours.  Rounding is
half-up on the decimal value, as officials expect.  Every function returns
NFC text and accepts ``lang`` "vi" or "en" only.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from briefgen.errors import UsageError

LANGS = ("vi", "en")

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
"""Money unit id → (Vietnamese label, English scale word, factor to đồng)."""

_SCALES: dict[str, tuple[tuple[int, str], ...]] = {
    "vi": ((1_000_000_000, "tỷ"), (1_000_000, "triệu"), (1_000, "nghìn")),
    "en": ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")),
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise UsageError(f"unknown language '{lang}'", hint="use 'vi' or 'en'")
    return lang


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def _round(value: float | int | Decimal, decimals: int) -> Decimal:
    exponent = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def number(value: float | int | Decimal, lang: str = "vi", decimals: int | None = None) -> str:
    """A number with the language's separators: vi "2.890.000", "49,8"; en "2,890,000".

    ``decimals`` ``None``: at most two decimals, trailing zeros trimmed;
    otherwise exactly ``decimals``.
    """
    lang = _lang(lang)
    if decimals is not None and decimals < 0:
        raise UsageError(f"decimals must be 0 or more, not {decimals}")
    rounded = _round(value, 2 if decimals is None else decimals)
    if decimals is None:
        rounded = rounded.normalize() if rounded != 0 else Decimal(0)
        places = max(0, -rounded.as_tuple().exponent)  # type: ignore[operator]
        if rounded == rounded.to_integral_value():
            rounded = rounded.quantize(Decimal(1))
            places = 0
    else:
        places = decimals
    pattern = "#,##0" + ("." + "0" * places if places else "")
    text = format_decimal(rounded, format=pattern, locale=lang, decimal_quantization=True)
    if text.startswith("-") and _round(rounded, places) == 0:
        text = text[1:]
    return nfc(text.replace("\u2212", "-"))


def percent(value: float | int | Decimal, lang: str = "vi", decimals: int | None = None) -> str:
    """A percentage without a space before the sign: "8,3%", "100,67%"; en "8.3%"."""
    return f"{number(value, lang, decimals)}%"


def signed_percent(
    value: float | int | Decimal, lang: str = "vi", decimals: int | None = None
) -> str:
    """A percentage with its sign: "+8,3%", "-2,1%", "0%"."""
    text = percent(value, lang, decimals)
    if text.startswith("-") or text.lstrip("-") in ("0%",):
        return text
    return f"+{text}"


def money(
    value: float | int | Decimal,
    unit: str = "ty_dong",
    lang: str = "vi",
    decimals: int | None = None,
) -> str:
    """An amount of money: vi "3.630 tỷ đồng"; en "VND 3,630 billion"."""
    lang = _lang(lang)
    if unit not in MONEY_UNITS:
        raise UsageError(
            f"unknown money unit '{unit}'", hint=f"use one of: {', '.join(MONEY_UNITS)}"
        )
    vi_label, en_scale, _ = MONEY_UNITS[unit]
    amount = number(value, lang, decimals)
    if lang == "vi":
        return f"{amount} {vi_label}"
    return f"VND {amount} {en_scale}".rstrip()


def compact(value: float | int | Decimal, lang: str = "vi", decimals: int = 2) -> str:
    """A short form with a scale word: "1,85 triệu", "4,5 nghìn"; en "1.85 million".

    Values below one thousand print with :func:`number`; ``decimals`` is the
    most decimals shown (trailing zeros trimmed).
    """
    lang = _lang(lang)
    size = abs(Decimal(str(value)))
    for factor, word in _SCALES[lang]:
        if size >= factor:
            scaled = Decimal(str(value)) / factor
            text = number(_round(scaled, decimals), lang)
            return f"{text} {word}"
    return number(_round(value, decimals), lang)


def quantity(
    value: float | int | Decimal, unit_label: str, lang: str = "vi", decimals: int | None = None
) -> str:
    """A number and its unit label: "2.890.000 thuê bao"."""
    return nfc(f"{number(value, lang, decimals)} {unit_label}".rstrip())


def rank(position: int, of: int | None = None, lang: str = "vi") -> str:
    """A rank with its denominator: "11/63" ("11" when ``of`` is ``None``)."""
    _lang(lang)
    return f"{position}/{of}" if of is not None else str(position)


def ordinal(position: int, lang: str = "vi") -> str:
    """A position in words: vi "thứ 11"; en "11th", "1st", "2nd", "3rd", "12th"."""
    if _lang(lang) == "vi":
        return f"thứ {position}"
    suffix = "th" if 10 <= position % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        position % 10, "th"
    )
    return f"{position}{suffix}"


def rank_change(previous: int, current: int, lang: str = "vi") -> str:
    """How a rank moved (lower is better): "tăng 3 bậc", "giảm 2 bậc"; en "up 3 places"."""
    lang = _lang(lang)
    gained = previous - current
    if gained == 0:
        return "unchanged" if lang == "en" else "giữ nguyên thứ hạng"
    steps = abs(gained)
    if lang == "en":
        word = "place" if steps == 1 else "places"
        return f"{'up' if gained > 0 else 'down'} {steps} {word}"
    return f"{'tăng' if gained > 0 else 'giảm'} {steps} bậc"


def growth_phrase(pct: float | int | Decimal, lang: str = "vi", decimals: int | None = None) -> str:
    """Growth in words: "tăng 8,3%", "giảm 2,1%", "không đổi"; en "up 8.3%"."""
    lang = _lang(lang)
    shown = number(abs(Decimal(str(pct))), lang, decimals)
    if shown == "0" or _round(pct, 2 if decimals is None else decimals) == 0:
        return "unchanged" if lang == "en" else "không đổi"
    if lang == "en":
        return f"{'up' if pct > 0 else 'down'} {shown}%"
    return f"{'tăng' if pct > 0 else 'giảm'} {shown}%"


def decree_date(d: date) -> str:
    """The Decree-30 date: "ngày 07 tháng 01 năm 2022" (day < 10 and months 1–2 padded)."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def place_date(place: str, d: date, lang: str = "vi") -> str:
    """Place and date: "Nam Định, ngày 07 tháng 01 năm 2022"; en "Nam Định, 7 January 2022"."""
    return nfc(f"{place}, {long_date(d, lang)}")


def long_date(d: date, lang: str = "vi") -> str:
    """A date in words: vi the Decree-30 form; en "7 January 2022"."""
    if _lang(lang) == "vi":
        return decree_date(d)
    return nfc(format_date(d, "d MMMM y", locale="en"))


def numeric_date(d: date, lang: str = "vi") -> str:
    """A numeric date, dd/mm/yyyy in both languages: "07/01/2022"."""
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
    """Roman numerals for 1–3999: "I", "IV", "XIV"."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 3999:
        raise UsageError(f"roman numerals cover 1 to 3999, not {n!r}")
    out: list[str] = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def strip_diacritics(text: str) -> str:
    """``text`` without Vietnamese diacritics, case kept: "Nam Định" → "Nam Dinh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return nfc(stripped)


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """A lowercase ASCII slug: "Thành phố Hồ Chí Minh" → "thanh-pho-ho-chi-minh"."""
    ascii_text = strip_diacritics(text).lower().encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_text).strip("-")
    return slug or "untitled"


def upper(text: str) -> str:
    """Upper case that stays NFC: "Sở Thông tin" → "SỞ THÔNG TIN"."""
    return nfc(nfc(text).upper())
