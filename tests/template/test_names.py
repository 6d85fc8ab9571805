"""Names of bodies: normal case for running text, letterhead lines broken as a clerk breaks them."""

from __future__ import annotations

import pytest

from briefgen.data import provinces
from briefgen.template.names import body_name, letterhead_lines

NORMAL_CASE = [
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "Sở Thông tin và Truyền thông"),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Sở Khoa học và Công nghệ"),
    ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "Sở Lao động - Thương binh và Xã hội"),
    ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Sở Tài nguyên và Môi trường"),
    ("SỞ GIAO THÔNG VẬN TẢI", "Sở Giao thông vận tải"),
    ("SỞ Y TẾ", "Sở Y tế"),
    ("UBND TỈNH NAM ĐỊNH", "UBND tỉnh Nam Định"),
    ("UBND TỈNH BÀ RỊA - VŨNG TÀU", "UBND tỉnh Bà Rịa - Vũng Tàu"),
    ("UBND THÀNH PHỐ HỒ CHÍ MINH", "UBND thành phố Hồ Chí Minh"),
    ("ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", "Ủy ban nhân dân tỉnh Thừa Thiên Huế"),
    ("UỶ BAN NHÂN DÂN THÀNH PHỐ HUẾ", "Uỷ ban nhân dân thành phố Huế"),
    ("VĂN PHÒNG UBND TỈNH", "Văn phòng UBND tỉnh"),
    ("VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH THANH HÓA", "Văn phòng Ủy ban nhân dân tỉnh Thanh Hóa"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH NAM ĐỊNH", "Sở Thông tin và Truyền thông tỉnh Nam Định"),
    (
        "TRUNG TÂM CÔNG NGHỆ THÔNG TIN VÀ TRUYỀN THÔNG",
        "Trung tâm Công nghệ thông tin và Truyền thông",
    ),
    ("ĐÀI PHÁT THANH VÀ TRUYỀN HÌNH TỈNH", "Đài Phát thanh và Truyền hình tỉnh"),
    ("BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP", "Ban Quản lý các khu công nghiệp"),
    ("UBND HUYỆN HẢI HẬU", "UBND huyện Hải Hậu"),  # a place this module does not know
    ("UBND XÃ VI HƯƠNG", "UBND xã Vi Hương"),
    ("SỞ NỘI VỤ TỈNH HOÀ BÌNH", "Sở Nội vụ tỉnh Hoà Bình"),  # the old tone-mark placement
    ("SỞ KH&CN", "Sở KH&CN"),
    ("TP. HỒ CHÍ MINH", "TP. Hồ Chí Minh"),
    ("  SỞ   Y TẾ ", "Sở Y tế"),
]


@pytest.mark.parametrize(("capitals", "normal"), NORMAL_CASE)
def test_a_body_name_in_capitals_reads_in_normal_case(capitals: str, normal: str) -> None:
    assert body_name(capitals) == normal


@pytest.mark.parametrize(
    "written",
    ["Sở Thông tin và Truyền thông", "Sở KH&CN tỉnh Ninh Bình", "UBND tỉnh Nam Định", "Sở TT&TT"],
)
def test_a_name_with_lower_case_letters_is_kept_as_written(written: str) -> None:
    assert body_name(written) == written


def test_every_provinces_default_parent_reads_with_its_official_name() -> None:
    for era in provinces.ERAS:
        for unit in provinces.units(era):
            kind = "TỈNH" if unit.kind == "tỉnh" else "THÀNH PHỐ"
            assert body_name(f"UBND {kind} {unit.upper_name}") == f"UBND {unit.kind} {unit.name}"


BREAKS = [
    ("UBND TỈNH BÀ RỊA - VŨNG TÀU", 24, ("UBND TỈNH", "BÀ RỊA - VŨNG TÀU")),
    ("UBND THÀNH PHỐ HỒ CHÍ MINH", 24, ("UBND THÀNH PHỐ", "HỒ CHÍ MINH")),
    ("UBND THÀNH PHỐ HỒ CHÍ MINH", 21, ("UBND THÀNH PHỐ", "HỒ CHÍ MINH")),
    ("UBND TỈNH THỪA THIÊN HUẾ", 24, ("UBND TỈNH THỪA THIÊN HUẾ",)),
    ("UBND TỈNH THỪA THIÊN HUẾ", 21, ("UBND TỈNH", "THỪA THIÊN HUẾ")),
    ("ỦY BAN NHÂN DÂN TỈNH BÀ RỊA - VŨNG TÀU", 24, ("ỦY BAN NHÂN DÂN TỈNH", "BÀ RỊA - VŨNG TÀU")),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", 25, ("SỞ THÔNG TIN VÀ", "TRUYỀN THÔNG")),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 25, ("SỞ KHOA HỌC VÀ CÔNG NGHỆ",)),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 22, ("SỞ KHOA HỌC", "VÀ CÔNG NGHỆ")),
    ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", 25, ("SỞ VĂN HÓA,", "THỂ THAO VÀ DU LỊCH")),
    ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", 25, ("SỞ LAO ĐỘNG -", "THƯƠNG BINH VÀ XÃ HỘI")),
    (
        "TRUNG TÂM CÔNG NGHỆ THÔNG TIN VÀ TRUYỀN THÔNG",
        24,
        ("TRUNG TÂM", "CÔNG NGHỆ THÔNG TIN", "VÀ TRUYỀN THÔNG"),
    ),
    ("BÀ RỊA - VŨNG TÀU", 10, ("BÀ RỊA - VŨNG TÀU",)),  # a place name is never broken
]


@pytest.mark.parametrize(("text", "limit", "lines"), BREAKS)
def test_a_letterhead_line_breaks_between_meaningful_parts(
    text: str, limit: int, lines: tuple[str, ...]
) -> None:
    assert letterhead_lines(text, limit) == lines


def test_no_provinces_name_is_broken_on_a_letterhead() -> None:
    for era in provinces.ERAS:
        for unit in provinces.units(era):
            kind = "TỈNH" if unit.kind == "tỉnh" else "THÀNH PHỐ"
            for limit in (17, 19, 21, 24):  # the official template's narrowest is 17
                lines = letterhead_lines(f"UBND {kind} {unit.upper_name}", limit)
                assert lines[-1].endswith(unit.upper_name), (unit.name, limit, lines)
                assert len(lines) <= 2


def test_the_two_lines_filter_breaks_with_a_line_break_tag() -> None:
    from briefgen.template.env import load_template

    env = load_template("official").env
    rendered = env.from_string('{{ "UBND TỈNH BÀ RỊA - VŨNG TÀU"|two_lines(24) }}').render()
    assert rendered == "UBND TỈNH<br/>BÀ RỊA - VŨNG TÀU"
    escaped = env.from_string('{{ "A <B> & C"|two_lines(3) }}').render()
    assert "<B>" not in escaped and "&amp;" in escaped


def test_a_very_long_name_is_filled_line_by_line_within_its_limit() -> None:
    name = (
        "BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ XÂY DỰNG CÁC CÔNG TRÌNH DÂN DỤNG VÀ CÔNG NGHIỆP "
        "TỈNH BÀ RỊA - VŨNG TÀU"
    )
    lines = letterhead_lines(name, 24)
    assert " ".join(lines) == name
    assert all(len(line) <= 24 for line in lines), lines
    assert lines[-1].endswith("BÀ RỊA - VŨNG TÀU")
    assert len(lines) == 4
