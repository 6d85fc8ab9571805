"""The province registry: the 63 and 34 unit lists, name matching, and the 2025 mergers."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from briefgen.data import provinces
from briefgen.data.provinces import Unit
from briefgen.errors import UnknownProvinceError, UsageError


def _codes(units: tuple[Unit, ...]) -> list[str]:
    return [u.code for u in units]


# --- the lists ------------------------------------------------------------------


def test_there_are_63_units_before_the_merger_with_unique_sorted_codes() -> None:
    old = provinces.units("63")
    assert len(old) == 63
    assert len(set(_codes(old))) == 63
    assert _codes(old) == sorted(_codes(old))
    assert all(len(u.code) == 2 and u.code.isdigit() for u in old)
    assert all(u.era == "63" for u in old)


def test_there_are_34_units_after_the_merger_six_of_them_cities() -> None:
    new = provinces.units("34")
    assert len(new) == 34
    assert len(set(_codes(new))) == 34
    assert _codes(new) == sorted(_codes(new))
    assert all(u.era == "34" for u in new)
    cities = {u.name for u in new if u.kind == "thành phố"}
    assert cities == {"Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ"}
    assert all(u.kind in ("tỉnh", "thành phố") for u in new)


def test_units_defaults_to_the_63_list() -> None:
    assert provinces.units() == provinces.units("63")


def test_old_cities_are_the_five_centrally_governed_cities() -> None:
    cities = {u.code for u in provinces.units("63") if u.kind == "thành phố"}
    assert cities == {"01", "31", "48", "79", "92"}


def test_names_are_nfc_with_modern_tone_marks() -> None:
    for unit in provinces.units("63") + provinces.units("34"):
        assert unicodedata.is_normalized("NFC", unit.name), unit.code
        for old_style in ("oà", "oá", "oả", "oã", "oạ", "uỳ", "uý"):
            assert old_style not in unit.name.lower(), unit.name
    assert provinces.get("17").name == "Hòa Bình"
    assert provinces.get("56").name == "Khánh Hòa"
    assert provinces.get("38").name == "Thanh Hóa"


def test_populations_of_the_63_sum_to_within_one_percent_of_96_30_million() -> None:
    total = sum(u.population or 0 for u in provinces.units("63"))
    assert all(u.population is not None for u in provinces.units("63"))
    assert abs(total - 96_300_000) <= 0.01 * 96_300_000
    assert provinces.get("01").population == 8_053_663


def test_a_new_unit_has_the_population_of_its_predecessors() -> None:
    ninh_binh = provinces.get("37", "34")
    assert ninh_binh.population == 852_800 + 1_780_393 + 982_487
    for unit in provinces.units("34"):
        expected = sum(p.population or 0 for p in provinces.predecessors(unit.code))
        assert unit.population == expected, unit.name
    assert sum(u.population or 0 for u in provinces.units("34")) == sum(
        u.population or 0 for u in provinces.units("63")
    )


def test_every_old_unit_merged_into_exactly_one_new_unit() -> None:
    old_codes = set(_codes(provinces.units("63")))
    merged = Counter(code for u in provinces.units("34") for code in u.merged_from)
    assert set(merged) == old_codes
    assert all(count == 1 for count in merged.values())


def test_a_new_unit_keeps_the_code_of_one_of_its_predecessors() -> None:
    for unit in provinces.units("34"):
        assert unit.code in unit.merged_from, unit.name


def test_old_units_were_merged_from_themselves() -> None:
    assert all(u.merged_from == (u.code,) for u in provinces.units("63"))


# --- matching -------------------------------------------------------------------


SPELLINGS = [
    ("Nam Định", "63", "36"),
    (unicodedata.normalize("NFD", "Nam Định"), "63", "36"),
    (unicodedata.normalize("NFD", "Thanh Hoá"), "63", "38"),
    ("Thanh Hoá", "63", "38"),
    ("Thanh Hóa", "63", "38"),
    ("Thanh Hoa", "63", "38"),
    ("Hoà Bình", "63", "17"),
    ("Hòa Bình", "63", "17"),
    ("Khánh Hoà", "63", "56"),
    ("Khánh Hòa", "63", "56"),
    ("TP. Hồ Chí Minh", "63", "79"),
    ("Thành phố Hồ Chí Minh", "63", "79"),
    ("TP.HCM", "63", "79"),
    ("TP HCM", "63", "79"),
    ("TPHCM", "63", "79"),
    ("HCM", "63", "79"),
    ("Sài Gòn", "63", "79"),
    ("T.P. Hồ Chí Minh", "63", "79"),
    ("Tp. Hồ Chí Minh", "63", "79"),
    ("Thanh pho Ho Chi Minh", "63", "79"),
    ("Thừa Thiên - Huế", "63", "46"),
    ("Thừa Thiên-Huế", "63", "46"),
    ("Thừa Thiên Huế", "63", "46"),
    ("TT Huế", "63", "46"),
    ("Huế", "63", "46"),
    ("TP Huế", "63", "46"),
    ("tỉnh Nam Định", "63", "36"),
    ("Tỉnh Nam Định", "63", "36"),
    ("Tinh Nam Dinh", "63", "36"),
    ("Nam Dinh", "63", "36"),
    ("NAM ĐỊNH", "63", "36"),
    ("  nam   định ", "63", "36"),
    ("Bà Rịa-Vũng Tàu", "63", "77"),
    ("Bà Rịa - Vũng Tàu", "63", "77"),
    ("Bà Rịa \u2013 Vũng Tàu", "63", "77"),  # en dash
    ("BRVT", "63", "77"),
    ("Dak Nong", "63", "67"),
    ("Đắk Nông", "63", "67"),
    ("Dak Lak", "63", "66"),
    ("Đắc Lắc", "63", "66"),
    ("Đăk Lăk", "63", "66"),
    ("Bắc Cạn", "63", "06"),
    ("Tây Ninh", "63", "72"),
    ("Thái Bình", "63", "34"),
    ("36", "63", "36"),
    ("1", "63", "01"),
    ("01", "63", "01"),
    (" 79 ", "63", "79"),
    ("Thành phố Hà Nội", "63", "01"),
    ("Huế", "34", "46"),
    ("Thừa Thiên Huế", "34", "46"),
    ("TP.HCM", "34", "79"),
    ("Ninh Bình", "34", "37"),
    ("Bắc Ninh", "34", "24"),
    ("24", "34", "24"),
]


@pytest.mark.parametrize(("spelling", "era", "code"), SPELLINGS)
def test_resolve_accepts_common_spellings(spelling: str, era: str, code: str) -> None:
    unit = provinces.resolve(spelling, era=era)
    assert (unit.era, unit.code) == (era, code)


@pytest.mark.parametrize(("year", "era"), [(2019, "63"), (2024, "63"), (2025, "34"), (2026, "34")])
def test_resolve_picks_the_list_by_year(year: int, era: str) -> None:
    assert provinces.resolve("Thanh Hóa", year=year).era == era


def test_resolve_without_year_prefers_the_old_list() -> None:
    assert provinces.resolve("Ninh Bình") == provinces.get("37", "63")
    assert provinces.resolve("Bắc Ninh").code == "27"


def test_an_explicit_era_wins_over_the_year() -> None:
    assert provinces.resolve("Ninh Bình", year=2021, era="34").era == "34"
    assert provinces.resolve("Ninh Bình", year=2025, era="63").era == "63"


def test_thua_thien_hue_is_the_city_of_hue_in_the_new_list() -> None:
    old = provinces.resolve("Thừa Thiên Huế", year=2024)
    new = provinces.resolve("Thừa Thiên Huế", year=2025)
    assert (old.name, old.kind) == ("Thừa Thiên Huế", "tỉnh")
    assert (new.name, new.kind, new.code) == ("Huế", "thành phố", "46")


def test_unchanged_units_keep_their_code_across_the_merger() -> None:
    for code in ("01", "04", "38", "40"):
        old = provinces.get(code, "63")
        new = provinces.resolve(old.name, year=2025)
        assert (new.code, new.name, new.merged_from) == (code, old.name, (code,))


def test_normalise_ignores_form_tone_placement_case_and_prefix() -> None:
    key = provinces.normalise("Thanh Hóa")
    assert key == "thanhhoa"
    assert provinces.normalise("THANH HOÁ") == key
    assert provinces.normalise(unicodedata.normalize("NFD", "Thanh Hoá")) == key
    assert provinces.normalise("Tỉnh Thanh Hoá") == key
    assert provinces.normalise("Thành phố Hồ Chí Minh") == "hochiminh"
    assert provinces.normalise("Bà Rịa-Vũng Tàu") == provinces.normalise("Bà Rịa - Vũng Tàu")


def test_normalise_leaves_names_that_look_like_prefixes_alone() -> None:
    assert provinces.normalise("Thanh Hóa") == "thanhhoa"
    assert provinces.normalise("Tây Ninh") == "tayninh"
    assert provinces.normalise("Tiền Giang") == "tiengiang"


@pytest.mark.parametrize("era", ["63", "34"])
def test_no_two_units_of_an_era_share_a_matching_key(era: str) -> None:
    owners: dict[str, str] = {}
    for unit in provinces.units(era):
        for spelling in (unit.name, unit.full_name, *unit.aliases):
            key = provinces.normalise(spelling)
            assert key, spelling
            assert owners.setdefault(key, unit.code) == unit.code, (spelling, owners[key])


@pytest.mark.parametrize("era", ["63", "34"])
def test_every_name_and_alias_resolves_to_its_own_unit(era: str) -> None:
    for unit in provinces.units(era):
        for spelling in (unit.name, unit.full_name, unit.upper_name, *unit.aliases):
            assert provinces.resolve(spelling, era=era) == unit, spelling


# --- errors ---------------------------------------------------------------------


def test_an_unknown_name_suggests_the_closest_official_names() -> None:
    with pytest.raises(UnknownProvinceError) as caught:
        provinces.resolve("Nam Dihn")
    error = caught.value
    assert "unknown province 'Nam Dihn'" in error.message
    assert error.suggestions[0] == "Nam Định"
    assert 1 <= len(error.suggestions) <= 3
    assert error.hint is not None and "did you mean: Nam Định" in error.hint


def test_an_unknown_name_for_a_new_year_suggests_new_units() -> None:
    with pytest.raises(UnknownProvinceError) as caught:
        provinces.resolve("Lam Dong province", year=2025)
    assert "Lâm Đồng" in caught.value.suggestions


def test_gibberish_raises_without_suggestions() -> None:
    with pytest.raises(UnknownProvinceError) as caught:
        provinces.resolve("???")
    assert caught.value.suggestions == ()
    assert caught.value.hint


def test_a_merged_name_in_2025_names_its_successor() -> None:
    with pytest.raises(UnknownProvinceError) as caught:
        provinces.resolve("Nam Định", year=2025)
    error = caught.value
    assert "Ninh Bình" in error.message
    assert "37" in error.message
    assert "1 July 2025" in error.message
    assert error.suggestions == ("Ninh Bình",)


def test_a_merged_province_whose_code_was_reused_still_raises_in_2025() -> None:
    # Bắc Giang's code 24 now belongs to the new Bắc Ninh: the name must not slip through.
    with pytest.raises(UnknownProvinceError) as caught:
        provinces.resolve("Bắc Giang", year=2025)
    assert "Bắc Ninh" in caught.value.message
    assert caught.value.suggestions == ("Bắc Ninh",)


def test_a_merged_code_in_the_new_era_names_its_successor() -> None:
    with pytest.raises(UnknownProvinceError) as caught:
        provinces.resolve("36", era="34")
    assert caught.value.suggestions == ("Ninh Bình",)


def test_an_unknown_code_raises() -> None:
    with pytest.raises(UnknownProvinceError):
        provinces.resolve("99")
    with pytest.raises(UnknownProvinceError):
        provinces.get("03")
    with pytest.raises(UnknownProvinceError):
        provinces.get("36", "34")


def test_an_unknown_era_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        provinces.units("64")
    with pytest.raises(UsageError):
        provinces.resolve("Nam Định", era="2025")


# --- the mergers ----------------------------------------------------------------


def test_ha_nam_nam_dinh_and_ninh_binh_became_ninh_binh_37() -> None:
    for old in ("35", "36", "37"):
        new = provinces.successor(old)
        assert (new.code, new.name, new.era) == ("37", "Ninh Bình", "34")
    assert _codes(provinces.predecessors("37")) == ["35", "36", "37"]
    assert all(p.era == "63" for p in provinces.predecessors("37"))


def test_a_new_unit_takes_the_code_of_the_province_hosting_its_capital() -> None:
    tuyen_quang = provinces.get("08", "34")
    assert tuyen_quang.name == "Tuyên Quang"
    assert _codes(provinces.predecessors("08")) == ["02", "08"]
    assert provinces.successor("02") == tuyen_quang

    bac_ninh = provinces.get("24", "34")
    assert bac_ninh.name == "Bắc Ninh"
    assert [p.name for p in provinces.predecessors("24")] == ["Bắc Giang", "Bắc Ninh"]
    assert _codes(provinces.predecessors("24")) == ["24", "27"]
    assert provinces.successor("27") == bac_ninh
    assert provinces.successor("24") == bac_ninh


def test_an_unchanged_unit_is_its_own_predecessor() -> None:
    assert provinces.predecessors("38") == (provinces.get("38", "63"),)
    assert provinces.successor("38").merged_from == ("38",)


def test_successor_and_predecessors_reject_codes_of_the_wrong_era() -> None:
    with pytest.raises(UnknownProvinceError):
        provinces.successor("03")
    with pytest.raises(UnknownProvinceError):
        provinces.predecessors("36")


# --- names for documents ----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "era", "full_name", "slug", "upper_name"),
    [
        ("36", "63", "Tỉnh Nam Định", "nam-dinh", "NAM ĐỊNH"),
        ("01", "63", "Thành phố Hà Nội", "ha-noi", "HÀ NỘI"),
        ("79", "34", "Thành phố Hồ Chí Minh", "ho-chi-minh", "HỒ CHÍ MINH"),
        ("77", "63", "Tỉnh Bà Rịa - Vũng Tàu", "ba-ria-vung-tau", "BÀ RỊA - VŨNG TÀU"),
        ("66", "34", "Tỉnh Đắk Lắk", "dak-lak", "ĐẮK LẮK"),
        ("46", "34", "Thành phố Huế", "hue", "HUẾ"),
        ("46", "63", "Tỉnh Thừa Thiên Huế", "thua-thien-hue", "THỪA THIÊN HUẾ"),
    ],
)
def test_units_give_names_for_documents(
    code: str, era: str, full_name: str, slug: str, upper_name: str
) -> None:
    unit = provinces.get(code, era)
    assert unit.full_name == full_name
    assert unit.slug == slug
    assert unit.slug.isascii()
    assert unit.upper_name == upper_name
    assert unit.admin_prefix == unit.kind


def test_every_slug_is_ascii_and_unique_within_an_era() -> None:
    for era in ("63", "34"):
        slugs = [u.slug for u in provinces.units(era)]
        assert all(s.isascii() and s for s in slugs)
        assert len(set(slugs)) == len(slugs)


# --- years ----------------------------------------------------------------------


def test_the_denominator_is_63_up_to_2024_and_34_from_2025() -> None:
    assert provinces.denominator(2021) == 63
    assert provinces.denominator(2024) == 63
    assert provinces.denominator(2025) == 34
    assert provinces.MERGER_DATE.isoformat() == "2025-07-01"


def test_era_for_year_switches_in_2025() -> None:
    assert provinces.era_for_year(2024) == "63"
    assert provinces.era_for_year(2025) == "34"


def test_units_are_loaded_from_package_data_once() -> None:
    assert provinces.get("36") is provinces.get("36")
