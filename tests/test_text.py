"""Vietnamese and English formatting of numbers, money, percent, ranks and dates."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen import text
from briefgen.errors import UsageError


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (2890000, "vi", None, "2.890.000"),
        (49.8, "vi", None, "49,8"),
        (1234.5, "vi", None, "1.234,5"),
        (-3.2, "vi", None, "-3,2"),
        (100.670, "vi", None, "100,67"),
        (3630.0, "vi", None, "3.630"),
        (80, "vi", 2, "80,00"),
        (2.675, "vi", 2, "2,68"),
        (0.5, "vi", 0, "1"),
        (0, "vi", None, "0"),
        (-0.001, "vi", None, "0"),
        (Decimal("56.35"), "vi", None, "56,35"),
        (2890000, "en", None, "2,890,000"),
        (49.8, "en", None, "49.8"),
    ],
)
def test_number_uses_the_language_separators(
    value: float, lang: str, decimals: int | None, expected: str
) -> None:
    assert text.number(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: text.percent(8.3), "8,3%"),
        (lambda: text.percent(100.67), "100,67%"),
        (lambda: text.percent(8.3, "en"), "8.3%"),
        (lambda: text.signed_percent(8.3), "+8,3%"),
        (lambda: text.signed_percent(-2.1), "-2,1%"),
        (lambda: text.signed_percent(0), "0%"),
        (lambda: text.money(3630), "3.630 tỷ đồng"),
        (lambda: text.money(130), "130 tỷ đồng"),
        (lambda: text.money(1.5), "1,5 tỷ đồng"),
        (lambda: text.money(2500, "trieu_dong"), "2.500 triệu đồng"),
        (lambda: text.money(3630, lang="en"), "VND 3,630 billion"),
        (lambda: text.money(500, "dong", "en"), "VND 500"),
        (lambda: text.compact(1_850_000), "1,85 triệu"),
        (lambda: text.compact(1_800_000), "1,8 triệu"),
        (lambda: text.compact(18_000_000), "18 triệu"),
        (lambda: text.compact(4_500), "4,5 nghìn"),
        (lambda: text.compact(3_630_000_000_000), "3.630 tỷ"),
        (lambda: text.compact(950), "950"),
        (lambda: text.compact(1_850_000, "en"), "1.85 million"),
        (lambda: text.quantity(2890000, "thuê bao"), "2.890.000 thuê bao"),
        (lambda: text.rank(11, 63), "11/63"),
        (lambda: text.rank(3), "3"),
        (lambda: text.ordinal(11, "en"), "11th"),
        (lambda: text.ordinal(1, "en"), "1st"),
        (lambda: text.ordinal(22, "en"), "22nd"),
        (lambda: text.ordinal(13, "en"), "13th"),
        (lambda: text.ordinal(11), "thứ 11"),
        (lambda: text.rank_change(14, 11), "tăng 3 bậc"),
        (lambda: text.rank_change(10, 12), "giảm 2 bậc"),
        (lambda: text.rank_change(10, 10), "giữ nguyên thứ hạng"),
        (lambda: text.rank_change(5, 4, "en"), "up 1 place"),
        (lambda: text.rank_change(4, 7, "en"), "down 3 places"),
        (lambda: text.growth_phrase(8.3), "tăng 8,3%"),
        (lambda: text.growth_phrase(-2.1), "giảm 2,1%"),
        (lambda: text.growth_phrase(0), "không đổi"),
        (lambda: text.growth_phrase(8.3, "en"), "up 8.3%"),
    ],
)
def test_figures_read_as_a_vietnamese_report_writes_them(call: object, expected: str) -> None:
    assert call() == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 1, 7), "ngày 07 tháng 01 năm 2022"),
        (date(2021, 1, 11), "ngày 11 tháng 01 năm 2021"),
        (date(2021, 2, 3), "ngày 03 tháng 02 năm 2021"),
        (date(2020, 6, 5), "ngày 05 tháng 6 năm 2020"),
        (date(2022, 12, 29), "ngày 29 tháng 12 năm 2022"),
    ],
)
def test_decree_date_pads_days_below_ten_and_the_first_two_months(
    day: date, expected: str
) -> None:
    assert text.decree_date(day) == expected
    assert text.long_date(day) == expected


def test_dates_in_english_and_numeric_form() -> None:
    assert text.long_date(date(2022, 1, 7), "en") == "7 January 2022"
    assert text.numeric_date(date(2022, 1, 7)) == "07/01/2022"
    assert text.place_date("Nam Định", date(2022, 1, 7)) == "Nam Định, ngày 07 tháng 01 năm 2022"
    assert text.place_date("Nam Định", date(2022, 1, 7), "en") == "Nam Định, 7 January 2022"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Nam Định", "nam-dinh"),
        ("Thành phố Hồ Chí Minh", "thanh-pho-ho-chi-minh"),
        ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau"),
        ("Đắk Lắk", "dak-lak"),
        (unicodedata.normalize("NFD", "Thanh Hoá"), "thanh-hoa"),
        ("../../etc", "etc"),
        ("***", "untitled"),
    ],
)
def test_slugify_gives_ascii_names(source: str, expected: str) -> None:
    assert text.slugify(source) == expected


def test_upper_and_strip_diacritics_keep_nfc() -> None:
    assert text.upper("Sở Thông tin và Truyền thông") == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert text.upper(unicodedata.normalize("NFD", "đ")) == "Đ"
    assert text.strip_diacritics("Nam Định") == "Nam Dinh"
    assert text.strip_diacritics("ĐẮK") == "DAK"


@pytest.mark.parametrize(("n", "expected"), [(1, "I"), (4, "IV"), (9, "IX"), (14, "XIV")])
def test_roman_numerals(n: int, expected: str) -> None:
    assert text.roman(n) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: text.number(1, "fr"),
        lambda: text.money(1, "usd"),
        lambda: text.roman(0),
        lambda: text.roman(4000),
        lambda: text.number(1, "vi", -1),
    ],
)
def test_bad_arguments_are_usage_errors(call: object) -> None:
    with pytest.raises(UsageError):
        call()  # type: ignore[operator]


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grouped_integers_parse_back(n: int) -> None:
    assert int(text.number(n).replace(".", "")) == n


@given(st.text())
def test_slugs_are_always_safe_ascii(source: str) -> None:
    slug = text.slugify(source)
    assert slug and all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert slug == slug.lower()
