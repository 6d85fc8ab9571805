"""Vietnamese and English formatting of numbers, money, percent, ranks and dates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen import text
from briefgen.errors import InputError, UsageError


def _is_nfc(value: str) -> bool:
    return unicodedata.is_normalized("NFC", value)


# -- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2890000, "2.890.000"),
        (1234.5, "1.234,5"),
        (3630, "3.630"),
        (999, "999"),
        (1000, "1.000"),
        (-2890000, "-2.890.000"),
        (10**15, "1.000.000.000.000.000"),
    ],
)
def test_number_groups_thousands_with_dots_in_vietnamese(value: float, expected: str) -> None:
    assert text.number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (49.8, "49,8"),
        (-3.2, "-3,2"),
        (0.5, "0,5"),
        (100.670, "100,67"),
        (56.35, "56,35"),
    ],
)
def test_number_uses_a_decimal_comma_in_vietnamese(value: float, expected: str) -> None:
    assert text.number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2890000, "2,890,000"),
        (49.8, "49.8"),
        (1234.5, "1,234.5"),
        (-3.2, "-3.2"),
        (100.670, "100.67"),
    ],
)
def test_number_uses_commas_and_a_decimal_point_in_english(value: float, expected: str) -> None:
    assert text.number(value, "en") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (80.0, "80"),
        (3630.0, "3.630"),
        (100.670, "100,67"),
        (1.10, "1,1"),
        (1.999, "2"),
        (1.234, "1,23"),
        (Decimal("5.000"), "5"),
        (Decimal("1E+3"), "1.000"),
    ],
)
def test_number_shows_at_most_two_decimals_and_trims_trailing_zeros(
    value: float | Decimal, expected: str
) -> None:
    assert text.number(value) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (80, 2, "80,00"),
        (80.0, 1, "80,0"),
        (49.8, 0, "50"),
        (1234.5678, 3, "1.234,568"),
        (0, 2, "0,00"),
        (-1.5, 2, "-1,50"),
    ],
)
def test_number_shows_exactly_the_decimals_asked_for(
    value: float, decimals: int, expected: str
) -> None:
    assert text.number(value, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.675, 2, "2,68"),
        (1.005, 2, "1,01"),
        (0.5, 0, "1"),
        (1.5, 0, "2"),
        (2.5, 0, "3"),
        (-0.5, 0, "-1"),
        (-2.675, 2, "-2,68"),
        (0.125, None, "0,13"),
        (Decimal("0.045"), 2, "0,05"),
    ],
)
def test_number_rounds_half_up_on_the_printed_decimal_value(
    value: float | Decimal, decimals: int | None, expected: str
) -> None:
    assert text.number(value, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals"),
    [(0, None), (0.0, None), (-0.0, None), (-0.001, None), (-0.004, 2), (-0.4, 0)],
)
def test_number_never_prints_negative_zero(value: float, decimals: int | None) -> None:
    assert not text.number(value, decimals=decimals).startswith("-")
    assert text.number(value, decimals=decimals).strip("0,") == ""


def test_number_accepts_decimal_and_int_and_float_alike() -> None:
    assert text.number(Decimal("1234.5")) == text.number(1234.5) == "1.234,5"
    assert text.number(Decimal(2890000)) == text.number(2890000) == "2.890.000"


def test_number_handles_figures_beyond_the_default_decimal_precision() -> None:
    huge = Decimal("1" + "0" * 40)
    assert text.number(huge).replace(".", "") == "1" + "0" * 40
    assert text.number(huge, decimals=2).endswith(",00")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), True, "12", None])
def test_number_rejects_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(UsageError):
        text.number(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("decimals", [-1, True, 1.5])
def test_number_rejects_impossible_decimals(decimals: object) -> None:
    with pytest.raises(UsageError):
        text.number(1, decimals=decimals)  # type: ignore[arg-type]


# -- percent


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (8.3, "vi", None, "8,3%"),
        (100.67, "vi", None, "100,67%"),
        (57.53, "vi", None, "57,53%"),
        (100, "vi", None, "100%"),
        (0, "vi", None, "0%"),
        (-2.1, "vi", None, "-2,1%"),
        (8.3, "vi", 2, "8,30%"),
        (8.3, "en", None, "8.3%"),
        (1234.5, "en", None, "1,234.5%"),
    ],
)
def test_percent_has_no_space_before_the_sign(
    value: float, lang: str, decimals: int | None, expected: str
) -> None:
    assert text.percent(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (8.3, "vi", None, "+8,3%"),
        (-2.1, "vi", None, "-2,1%"),
        (0, "vi", None, "0%"),
        (0, "vi", 1, "0,0%"),
        (0.001, "vi", None, "0%"),
        (-0.001, "vi", None, "0%"),
        (0.005, "vi", None, "+0,01%"),
        (8.3, "en", None, "+8.3%"),
        (-2.1, "en", None, "-2.1%"),
        (Decimal("12.5"), "vi", 0, "+13%"),
    ],
)
def test_signed_percent_marks_rises_with_plus_and_zero_with_no_sign(
    value: float | Decimal, lang: str, decimals: int | None, expected: str
) -> None:
    assert text.signed_percent(value, lang, decimals) == expected


# -- money


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3630, "ty_dong", "3.630 tỷ đồng"),
        (130, "ty_dong", "130 tỷ đồng"),
        (1.5, "ty_dong", "1,5 tỷ đồng"),
        (2500, "trieu_dong", "2.500 triệu đồng"),
        (1000, "nghin_dong", "1.000 nghìn đồng"),
        (500, "dong", "500 đồng"),
        (-12.5, "ty_dong", "-12,5 tỷ đồng"),
    ],
)
def test_money_in_vietnamese_puts_the_unit_label_after_the_amount(
    value: float, unit: str, expected: str
) -> None:
    assert text.money(value, unit) == expected


def test_money_is_counted_in_billions_of_dong_by_default() -> None:
    assert text.money(3630) == "3.630 tỷ đồng"


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3630, "ty_dong", "VND 3,630 billion"),
        (2500, "trieu_dong", "VND 2,500 million"),
        (1000, "nghin_dong", "VND 1,000 thousand"),
        (500, "dong", "VND 500"),
        (1.5, "ty_dong", "VND 1.5 billion"),
    ],
)
def test_money_in_english_reads_vnd_amount_scale(value: float, unit: str, expected: str) -> None:
    assert text.money(value, unit, "en") == expected


def test_money_honours_fixed_decimals() -> None:
    assert text.money(130, decimals=2) == "130,00 tỷ đồng"


def test_money_units_map_ids_to_labels_and_factors_to_dong() -> None:
    assert text.MONEY_UNITS["dong"] == ("đồng", "", 1)
    assert text.MONEY_UNITS["nghin_dong"] == ("nghìn đồng", "thousand", 1_000)
    assert text.MONEY_UNITS["trieu_dong"] == ("triệu đồng", "million", 1_000_000)
    assert text.MONEY_UNITS["ty_dong"] == ("tỷ đồng", "billion", 1_000_000_000)


def test_an_unknown_money_unit_is_a_usage_error_naming_the_known_units() -> None:
    with pytest.raises(UsageError) as caught:
        text.money(1, "usd")
    message = str(caught.value)
    assert "usd" in message
    for unit in text.MONEY_UNITS:
        assert unit in message


# -- compact


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_850_000, "1,85 triệu"),
        (1_800_000, "1,8 triệu"),
        (18_000_000, "18 triệu"),
        (2_890_000, "2,89 triệu"),
        (4_500, "4,5 nghìn"),
        (1_000, "1 nghìn"),
        (3_630_000_000_000, "3.630 tỷ"),
        (1_234_567_890, "1,23 tỷ"),
        (950, "950"),
        (49.8, "49,8"),
        (0, "0"),
        (-1_850_000, "-1,85 triệu"),
        (-4_500, "-4,5 nghìn"),
        (Decimal("2890000"), "2,89 triệu"),
    ],
)
def test_compact_uses_nghin_trieu_ty_in_vietnamese(value: float | Decimal, expected: str) -> None:
    assert text.compact(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_850_000, "1.85 million"),
        (4_500, "4.5 thousand"),
        (3_630_000_000_000, "3,630 billion"),
        (18_000_000, "18 million"),
        (950, "950"),
    ],
)
def test_compact_uses_thousand_million_billion_in_english(value: float, expected: str) -> None:
    assert text.compact(value, "en") == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1_850_000, 1, "1,9 triệu"),
        (1_850_000, 0, "2 triệu"),
        (1_234_567, 3, "1,235 triệu"),
        (1_500_000, 3, "1,5 triệu"),
        (12.3456, 3, "12,346"),
    ],
)
def test_compact_decimals_is_the_most_shown_with_trailing_zeros_trimmed(
    value: float, decimals: int, expected: str
) -> None:
    assert text.compact(value, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(999_999, "1 triệu"), (999_999_999, "1 tỷ"), (999.999, "1 nghìn")],
)
def test_compact_moves_up_a_scale_when_rounding_reaches_a_thousand(
    value: float, expected: str
) -> None:
    assert text.compact(value) == expected


# -- quantity


@pytest.mark.parametrize(
    ("value", "label", "lang", "expected"),
    [
        (2890000, "thuê bao", "vi", "2.890.000 thuê bao"),
        (49.8, "thuê bao/100 dân", "vi", "49,8 thuê bao/100 dân"),
        (2890000, "subscribers", "en", "2,890,000 subscribers"),
        (12, "", "vi", "12"),
    ],
)
def test_quantity_is_the_number_then_a_space_then_the_label(
    value: float, label: str, lang: str, expected: str
) -> None:
    assert text.quantity(value, label, lang) == expected


def test_quantity_normalises_an_nfd_label() -> None:
    result = text.quantity(5, unicodedata.normalize("NFD", "thuê bao"))
    assert result == "5 thuê bao"
    assert _is_nfc(result)


# -- ranks


@pytest.mark.parametrize(
    ("position", "of", "lang", "expected"),
    [
        (11, 63, "vi", "11/63"),
        (11, None, "vi", "11"),
        (1, 1, "vi", "1/1"),
        (63, 63, "vi", "63/63"),
        (11, 63, "en", "11/63"),
        (3, None, "en", "3"),
    ],
)
def test_rank_shows_position_over_units_ranked(
    position: int, of: int | None, lang: str, expected: str
) -> None:
    assert text.rank(position, of, lang) == expected


@pytest.mark.parametrize(("position", "of"), [(0, 63), (-1, None), (64, 63), (1, 0)])
def test_rank_rejects_impossible_positions(position: int, of: int | None) -> None:
    with pytest.raises(UsageError):
        text.rank(position, of)


@pytest.mark.parametrize(
    ("previous", "current", "lang", "expected"),
    [
        (14, 11, "vi", "tăng 3 bậc"),
        (10, 12, "vi", "giảm 2 bậc"),
        (10, 10, "vi", "giữ nguyên thứ hạng"),
        (2, 1, "vi", "tăng 1 bậc"),
        (14, 11, "en", "up 3 places"),
        (10, 12, "en", "down 2 places"),
        (5, 4, "en", "up 1 place"),
        (4, 5, "en", "down 1 place"),
        (10, 10, "en", "unchanged"),
    ],
)
def test_rank_change_treats_a_lower_number_as_better(
    previous: int, current: int, lang: str, expected: str
) -> None:
    assert text.rank_change(previous, current, lang) == expected


def test_rank_change_rejects_a_rank_below_one() -> None:
    with pytest.raises(UsageError):
        text.rank_change(0, 3)


@pytest.mark.parametrize(
    ("position", "lang", "expected"),
    [
        (11, "vi", "thứ 11"),
        (1, "en", "1st"),
        (2, "en", "2nd"),
        (3, "en", "3rd"),
        (4, "en", "4th"),
        (11, "en", "11th"),
        (12, "en", "12th"),
        (13, "en", "13th"),
        (21, "en", "21st"),
        (22, "en", "22nd"),
        (63, "en", "63rd"),
        (111, "en", "111th"),
    ],
)
def test_ordinal_names_a_position(position: int, lang: str, expected: str) -> None:
    assert text.ordinal(position, lang) == expected


# -- growth


@pytest.mark.parametrize(
    ("pct", "lang", "decimals", "expected"),
    [
        (8.3, "vi", None, "tăng 8,3%"),
        (-2.1, "vi", None, "giảm 2,1%"),
        (0, "vi", None, "không đổi"),
        (0.001, "vi", None, "không đổi"),
        (-0.004, "vi", None, "không đổi"),
        (0.04, "vi", 1, "không đổi"),
        (0.05, "vi", 1, "tăng 0,1%"),
        (8.3, "vi", 2, "tăng 8,30%"),
        (1234.5, "vi", None, "tăng 1.234,5%"),
        (Decimal("-12.345"), "vi", None, "giảm 12,35%"),
        (8.3, "en", None, "up 8.3%"),
        (-2.1, "en", None, "down 2.1%"),
        (0, "en", None, "unchanged"),
    ],
)
def test_growth_phrase_says_rise_fall_or_no_change(
    pct: float | Decimal, lang: str, decimals: int | None, expected: str
) -> None:
    assert text.growth_phrase(pct, lang, decimals) == expected


@pytest.mark.parametrize(
    ("points", "lang", "expected"),
    [
        # 45,6% → 58,2%: 12,6 points, not the relative 27,63%
        (58.2 - 45.6, "vi", "tăng 12,6 điểm phần trăm"),
        (-0.5, "vi", "giảm 0,5 điểm phần trăm"),
        (0.001, "vi", "không đổi"),
        (58.2 - 45.6, "en", "up 12.6 percentage points"),
        (-1, "en", "down 1 percentage point"),
        (1.004, "en", "up 1 percentage point"),
        (0, "en", "unchanged"),
    ],
)
def test_points_phrase_states_a_rates_change_in_percentage_points(
    points: float, lang: str, expected: str
) -> None:
    assert text.points_phrase(points, lang) == expected


@pytest.mark.parametrize(
    ("points", "lang", "expected"),
    [
        (12.6, "vi", "+12,6 điểm %"),
        (-0.456, "vi", "-0,46 điểm %"),
        (0.001, "vi", "0 điểm %"),
        (12.6, "en", "+12.6 pp"),
        (-3, "en", "-3 pp"),
    ],
)
def test_signed_points_is_short_enough_for_a_table_cell(
    points: float, lang: str, expected: str
) -> None:
    assert text.signed_points(points, lang) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Tổng số thuê bao Internet", "tổng số thuê bao Internet"),
        ("Chỉ số chuyển đổi số (DTI)", "chỉ số chuyển đổi số (DTI)"),
        ("Nộp ngân sách Nhà nước", "nộp ngân sách Nhà nước"),
        ("Đài Phát thanh tỉnh", "Đài Phát thanh tỉnh"),  # a name: the next word is capitalised
        ("Cổng Thông tin điện tử tỉnh", "Cổng Thông tin điện tử tỉnh"),
        ("DVC toàn trình", "DVC toàn trình"),  # an acronym
        ("ICT Index", "ICT Index"),
        ("Applications processed online", "applications processed online"),
        ("", ""),
    ],
)
def test_lower_first_lowers_only_a_common_first_word(source: str, expected: str) -> None:
    assert text.lower_first(source) == expected


# -- dates


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 1, 7), "ngày 07 tháng 01 năm 2022"),
        (date(2021, 1, 11), "ngày 11 tháng 01 năm 2021"),
        (date(2021, 2, 3), "ngày 03 tháng 02 năm 2021"),
        (date(2021, 2, 28), "ngày 28 tháng 02 năm 2021"),
        (date(2020, 3, 9), "ngày 09 tháng 3 năm 2020"),
        (date(2020, 6, 5), "ngày 05 tháng 6 năm 2020"),
        (date(2020, 10, 10), "ngày 10 tháng 10 năm 2020"),
        (date(2022, 12, 29), "ngày 29 tháng 12 năm 2022"),
        (datetime(2022, 1, 7, 15, 30), "ngày 07 tháng 01 năm 2022"),
    ],
)
def test_decree_date_pads_days_below_ten_and_only_the_first_two_months(
    day: date, expected: str
) -> None:
    assert text.decree_date(day) == expected


def test_long_date_in_vietnamese_is_the_decree_form() -> None:
    assert text.long_date(date(2022, 1, 7)) == "ngày 07 tháng 01 năm 2022"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 1, 7), "7 January 2022"),
        (date(2020, 6, 5), "5 June 2020"),
        (date(2022, 12, 29), "29 December 2022"),
    ],
)
def test_long_date_in_english_is_day_month_name_year(day: date, expected: str) -> None:
    assert text.long_date(day, "en") == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "Nam Định, ngày 07 tháng 01 năm 2022"),
        ("en", "Nam Định, 7 January 2022"),
    ],
)
def test_place_date_keeps_the_place_as_given_in_both_languages(lang: str, expected: str) -> None:
    assert text.place_date("Nam Định", date(2022, 1, 7), lang) == expected


def test_place_date_normalises_an_nfd_place() -> None:
    result = text.place_date(unicodedata.normalize("NFD", "Nam Định"), date(2022, 1, 7))
    assert result == "Nam Định, ngày 07 tháng 01 năm 2022"
    assert _is_nfc(result)


def test_place_date_without_a_place_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        text.place_date("  ", date(2022, 1, 7))


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 1, 7), "07/01/2022"),
        (date(2022, 12, 29), "29/12/2022"),
        (date(2020, 6, 5), "05/06/2020"),
    ],
)
def test_numeric_date_is_dd_mm_yyyy_in_both_languages(day: date, expected: str, lang: str) -> None:
    assert text.numeric_date(day, lang) == expected


# -- roman numerals


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "I"),
        (3, "III"),
        (4, "IV"),
        (9, "IX"),
        (14, "XIV"),
        (40, "XL"),
        (90, "XC"),
        (400, "CD"),
        (1994, "MCMXCIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_roman_writes_numerals_for_section_headings(n: int, expected: str) -> None:
    assert text.roman(n) == expected


@pytest.mark.parametrize("n", [0, -1, 4000, True, 2.0])
def test_roman_rejects_numbers_outside_one_to_3999(n: object) -> None:
    with pytest.raises(UsageError):
        text.roman(n)  # type: ignore[arg-type]


# -- names and case


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Nam Định", "nam-dinh"),
        ("Thành phố Hồ Chí Minh", "thanh-pho-ho-chi-minh"),
        ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau"),
        ("Đắk Lắk", "dak-lak"),
        ("ĐÀ NẴNG", "da-nang"),
        ("Thừa Thiên Huế", "thua-thien-hue"),
        (unicodedata.normalize("NFD", "Thanh Hoá"), "thanh-hoa"),
        ("  Bắc Giang 2022 ", "bac-giang-2022"),
        ("../../etc/passwd", "etc-passwd"),
        ("a\u00a0b\tc", "a-b-c"),
        ("***", "untitled"),
        ("", "untitled"),
        ("北京", "untitled"),
    ],
)
def test_slugify_gives_lowercase_ascii_names(source: str, expected: str) -> None:
    assert text.slugify(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Nam Định", "Nam Dinh"),
        ("ĐẮK LẮK", "DAK LAK"),
        ("đường", "duong"),
        ("Thừa Thiên Huế", "Thua Thien Hue"),
        (unicodedata.normalize("NFD", "Hồ Chí Minh"), "Ho Chi Minh"),
        ("plain", "plain"),
    ],
)
def test_strip_diacritics_keeps_case_and_turns_d_bar_into_d(source: str, expected: str) -> None:
    assert text.strip_diacritics(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Sở Thông tin", "SỞ THÔNG TIN"),
        ("Sở Thông tin và Truyền thông", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"),
        ("đ", "Đ"),
        ("ủy ban nhân dân tỉnh nam định", "ỦY BAN NHÂN DÂN TỈNH NAM ĐỊNH"),
        (unicodedata.normalize("NFD", "đắk lắk"), "ĐẮK LẮK"),
        (unicodedata.normalize("NFD", "Sở Thông tin"), "SỞ THÔNG TIN"),
    ],
)
def test_upper_is_vietnamese_safe_and_stays_nfc(source: str, expected: str) -> None:
    result = text.upper(source)
    assert result == expected
    assert _is_nfc(result)


def test_nfc_composes_decomposed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Nam Định")
    assert decomposed != "Nam Định"
    assert text.nfc(decomposed) == "Nam Định"


def test_vietnamese_letters_cover_both_cases_in_nfc() -> None:
    assert _is_nfc(text.VIETNAMESE_LETTERS)
    assert "đ" in text.VIETNAMESE_LETTERS
    assert "Ỹ" in text.VIETNAMESE_LETTERS


# -- language checks and output hygiene

_CALLS_BY_LANG: list[tuple[str, Callable[[str], str]]] = [
    ("number", lambda lang: text.number(1, lang)),
    ("percent", lambda lang: text.percent(1, lang)),
    ("signed_percent", lambda lang: text.signed_percent(1, lang)),
    ("money", lambda lang: text.money(1, "ty_dong", lang)),
    ("compact", lambda lang: text.compact(1_850_000, lang)),
    ("quantity", lambda lang: text.quantity(1, "x", lang)),
    ("rank", lambda lang: text.rank(1, 63, lang)),
    ("ordinal", lambda lang: text.ordinal(1, lang)),
    ("rank_change", lambda lang: text.rank_change(2, 1, lang)),
    ("growth_phrase", lambda lang: text.growth_phrase(1, lang)),
    ("points_phrase", lambda lang: text.points_phrase(1, lang)),
    ("signed_points", lambda lang: text.signed_points(1, lang)),
    ("long_date", lambda lang: text.long_date(date(2022, 1, 7), lang)),
    ("place_date", lambda lang: text.place_date("Nam Định", date(2022, 1, 7), lang)),
    ("numeric_date", lambda lang: text.numeric_date(date(2022, 1, 7), lang)),
]


@pytest.mark.parametrize("bad_lang", ["fr", "VI", "vi-VN", "", "en_US"])
@pytest.mark.parametrize(("name", "call"), _CALLS_BY_LANG, ids=[n for n, _ in _CALLS_BY_LANG])
def test_a_language_other_than_vi_or_en_is_a_usage_error(
    name: str, call: Callable[[str], str], bad_lang: str
) -> None:
    with pytest.raises(UsageError) as caught:
        call(bad_lang)
    assert isinstance(caught.value, InputError)
    assert repr(bad_lang) in str(caught.value)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(("name", "call"), _CALLS_BY_LANG, ids=[n for n, _ in _CALLS_BY_LANG])
def test_output_is_nfc_with_plain_spaces_only(
    name: str, call: Callable[[str], str], lang: str
) -> None:
    result = call(lang)
    assert _is_nfc(result)
    assert not re.search(r"[^\S ]", result), "only U+0020 may separate words"
    assert "\u2212" not in result


# -- properties


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_a_grouped_integer_parses_back_without_its_dots(n: int) -> None:
    assert int(text.number(n).replace(".", "")) == n


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_an_english_grouped_integer_parses_back_without_its_commas(n: int) -> None:
    assert int(text.number(n, "en").replace(",", "")) == n


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**12, min_value=-(10**12)
    )
)
def test_a_two_place_decimal_survives_formatting(value: Decimal) -> None:
    shown = text.number(value).replace(".", "").replace(",", ".")
    assert Decimal(shown) == value


@given(st.text())
def test_slugify_returns_only_lowercase_ascii_letters_digits_and_hyphens(source: str) -> None:
    slug = text.slugify(source)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*|untitled", slug)


@given(st.text())
def test_upper_and_strip_diacritics_always_return_nfc(source: str) -> None:
    assert _is_nfc(text.upper(source))
    assert _is_nfc(text.strip_diacritics(source))
