"""The workbook layout: one sheet per kind of content, with English ids and Vietnamese labels.

The same layout is read from an .xlsx workbook, from a folder of CSV files
(one per sheet, named by the sheet's id or label) and from a dict of pandas
DataFrames; :mod:`briefgen.data.export` and :mod:`briefgen.data.newbook`
write it.  ``docs/data.md`` describes it for users.

Every sheet and column is found by its English id ("reports", "number") or
its Vietnamese label ("Báo cáo", "Số văn bản"), in any case, with or without
diacritics.  Columns of report facts, targets, leaders and sources follow the
fields of the record model (:mod:`briefgen.data.records`), so a field added
there is a column here.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from briefgen.data.records import Observation, Person, ReportInfo, Source, Target

ColumnKind = Literal["text", "number", "integer", "date", "lines", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    ``id``: the English id (also the record field it fills); ``vi``: the
    Vietnamese label; ``kind``: how its cells are read; ``help``: what to
    write, in Vietnamese; ``width``: the column's width in new workbooks;
    ``percent``: the cells are percentages (a cell formatted "72,4%" reads 72.4).
    """

    id: str
    vi: str
    kind: ColumnKind = "text"
    help: str = ""
    width: int = 16
    percent: bool = False


@dataclass(frozen=True)
class SheetKind:
    """One kind of sheet: its id, Vietnamese label, columns and what it holds."""

    id: str
    vi: str
    columns: tuple[Column, ...]
    help: str
    keyed: bool = True
    """Whether each row belongs to a province-year (columns province and year)."""

    def column(self, name: str) -> Column | None:
        """The column ``name`` (id or label, any case or accents) names, or None."""
        return _column_index(self).get(key(name))


PROVINCE = Column("province", "Tỉnh, thành phố", help="tên hoặc mã tỉnh, thành phố", width=22)
YEAR = Column("year", "Năm", "integer", "năm của số liệu (năm báo cáo)", width=8)
KEY_COLUMNS = (PROVINCE, YEAR)

SECTIONS: dict[str, str] = {
    "highlights": "Điểm nổi bật",
    "awards": "Khen thưởng",
    "recipients": "Nơi nhận",
}
"""Sections of the texts sheet: record field → Vietnamese label."""

SETTINGS: dict[str, str] = {"title": "Tiêu đề", "locale": "Cách viết số"}
"""Keys of the settings sheet → Vietnamese label."""

_FIELD_LABELS: dict[str, str] = {
    "value": "Giá trị",
    "unit": "Đơn vị tính",
    "yoy_pct": "So với cùng kỳ (%)",
    "plan": "Kế hoạch",
    "plan_pct": "Đạt kế hoạch (%)",
    "rank": "Thứ hạng",
    "of": "Trên tổng số",
    "edition": "Năm xếp hạng",
    "per_100": "Trên 100 dân",
    "note": "Ghi chú",
    "source": "Nguồn số liệu",
}
_FIELD_HELP: dict[str, str] = {
    "value": "con số, theo đơn vị của chỉ tiêu (tỷ đồng, thuê bao, %)",
    "unit": "mã đơn vị tính nếu khác đơn vị của chỉ tiêu (ty_dong, trieu_dong, ...)",
    "yoy_pct": "tăng, giảm so với cùng kỳ, %: 'bằng 102,8% cùng kỳ' ghi 2,8",
    "plan": "kế hoạch năm (cùng đơn vị với giá trị)",
    "plan_pct": "% kế hoạch đạt được: 'đạt 118% kế hoạch' ghi 118",
    "rank": "thứ hạng trong bảng xếp hạng cả nước",
    "of": "số tỉnh, thành phố được xếp hạng; để trống là 63 (đến năm 2024), 34 (từ năm 2025)",
    "edition": "năm của kỳ xếp hạng, nếu khác năm báo cáo",
    "per_100": "mật độ trên 100 dân",
    "note": "ghi chú in kèm số liệu",
    "source": "nguồn của số liệu",
}
_REPORT_LABELS: dict[str, tuple[str, str]] = {
    "number": ("Số văn bản", "số, ký hiệu không có chữ 'Số:' (05/BC-STTTT)"),
    "date": ("Ngày ban hành", "ngày/tháng/năm (07/01/2022)"),
    "place": ("Địa danh", "địa danh ghi trước ngày tháng (mặc định: tên tỉnh)"),
    "parent": ("Cơ quan chủ quản", "UBND tỉnh Nam Định (tiêu đề tự in hoa)"),
    "issuer": ("Cơ quan ban hành", "Sở Thông tin và Truyền thông (tiêu đề tự in hoa)"),
    "issuer_short": ("Tên viết tắt cơ quan", "STTTT (dùng trong số ký hiệu)"),
    "signer": ("Người ký", "họ và tên người ký"),
    "signer_role": ("Chức vụ người ký", "chức vụ của người ký (PHÓ GIÁM ĐỐC)"),
    "authority": ("Quyền hạn ký", "GIÁM ĐỐC, KT. GIÁM ĐỐC, TL. GIÁM ĐỐC, ..."),
    "recipients": ("Nơi nhận", "mỗi nơi nhận một dòng (Alt+Enter trong ô)"),
    "addressees": ("Kính gửi", "cơ quan cấp trên nhận báo cáo, mỗi nơi một dòng (Alt+Enter)"),
    "drafting_unit": ("Đơn vị soạn thảo", "viết tắt, in ở dòng 'Lưu:' (KHTC)"),
    "drafter": ("Người soạn thảo", "chữ viết tắt tên người soạn thảo (NVA)"),
    "copies": ("Số bản lưu", "số bản in ở dòng 'Lưu:' (5 in là 05)"),
}
_TARGET_LABELS: dict[str, tuple[str, str]] = {
    "indicator": ("Chỉ tiêu", "mã chỉ tiêu; để trống nếu mục tiêu chỉ ghi bằng lời"),
    "value": ("Giá trị mục tiêu", "con số mục tiêu"),
    "per_100": ("Trên 100 dân", "mục tiêu mật độ trên 100 dân"),
    "rank_max": ("Thứ hạng tối đa", "giữ thứ hạng trong nhóm N tỉnh dẫn đầu: ghi N"),
    "text": ("Nội dung", "mục tiêu bằng lời (in nguyên văn)"),
}
_SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "file": ("Tệp", "tên tệp hoặc đường dẫn của nguồn"),
    "title": ("Tiêu đề", "tiêu đề bài viết, văn bản"),
    "published": ("Ngày đăng", "ngày/tháng/năm"),
    "author": ("Tác giả", "tác giả"),
    "publisher": ("Nơi đăng", "báo, cổng thông tin đăng bài"),
    "url": ("Địa chỉ", "địa chỉ trang web"),
}


def key(text: str) -> str:
    """The key sheet names and headers are matched by: no accents, case or punctuation."""
    decomposed = unicodedata.normalize("NFD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d").replace("Đ", "D").casefold()
    return re.sub(r"[^a-z0-9.%]+", " ", bare).strip()


def field_kind(annotation: Any) -> ColumnKind | None:
    """How a cell fills a pydantic field of this type (None: not a one-cell field)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return field_kind(args[0])
    if origin is typing.Annotated:
        return field_kind(args[0])
    if origin is tuple:
        return "lines" if args and field_kind(args[0]) == "text" else None
    if annotation is dt.date:
        return "date"
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if annotation is str:
        return "text"
    if annotation is bool:
        return "bool"
    return None


def _model_columns(
    model: type[BaseModel], labels: Mapping[str, tuple[str, str]], skip: tuple[str, ...] = ()
) -> tuple[Column, ...]:
    """One column per one-cell field of ``model``; a :class:`Person` field gives two."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        vi, help_text = labels.get(name, (name, ""))
        if info.annotation is not None and Person in typing.get_args(info.annotation):
            role_vi, role_help = labels.get(f"{name}_role", (f"{name}_role", ""))
            columns.append(Column(name, vi, "text", help_text, 24))
            columns.append(Column(f"{name}_role", role_vi, "text", role_help, 20))
            continue
        kind = field_kind(info.annotation)
        if kind is None:
            continue
        width = {"lines": 40, "date": 14, "integer": 10, "number": 14}.get(kind, 24)
        columns.append(Column(name, vi, kind, help_text, width))
    return tuple(columns)


def observation_columns() -> tuple[Column, ...]:
    """The columns of a long figures table after province, year and indicator."""
    columns = []
    for name, info in Observation.model_fields.items():
        kind = field_kind(info.annotation) or "text"
        percent = name in ("yoy_pct", "plan_pct")
        columns.append(
            Column(
                name, _FIELD_LABELS.get(name, name), kind, _FIELD_HELP.get(name, ""), 12, percent
            )
        )
    return tuple(columns)


INDICATOR = Column("indicator", "Chỉ tiêu", help="mã chỉ tiêu (xem sheet Hướng dẫn)", width=28)


def _sheets() -> tuple[SheetKind, ...]:
    """Every kind of sheet, in the order workbooks hold them."""
    return (_settings_sheet(), *_report_sheets(), *_text_sheets(), *_catalogue_sheets())


def _settings_sheet() -> SheetKind:
    """The settings sheet: the dataset's title and how its numbers are written."""
    return SheetKind(
        "settings",
        "Thông tin chung",
        (
            Column("key", "Mục", help="tên mục: " + ", ".join(SETTINGS.values()), width=22),
            Column("value", "Giá trị", help="giá trị của mục", width=60),
        ),
        "Tiêu đề của bộ số liệu và cách viết số (vi: 1.175.000 và 49,8; "
        "en: 1,175,000 và 49.8) khi số được gõ dưới dạng chữ.",
        keyed=False,
    )


def _report_sheets() -> tuple[SheetKind, ...]:
    """The sheets of a province-year's report facts, figures and targets."""
    return (
        SheetKind(
            "reports",
            "Báo cáo",
            (*KEY_COLUMNS, *_model_columns(ReportInfo, _REPORT_LABELS)),
            "Mỗi dòng là một báo cáo (một tỉnh, một năm): số văn bản, ngày, cơ quan, "
            "người ký, nơi nhận.",
        ),
        SheetKind(
            "figures",
            "Số liệu",
            (*KEY_COLUMNS, INDICATOR, *observation_columns()),
            "Số liệu chính: mỗi dòng một tỉnh, một năm, mỗi cột một chỉ tiêu (bảng rộng); "
            "hoặc mỗi dòng một chỉ tiêu với cột 'Chỉ tiêu' (bảng dài).",
        ),
        SheetKind(
            "figure_details",
            "Chi tiết số liệu",
            (*KEY_COLUMNS, INDICATOR, *observation_columns()),
            "Mỗi dòng một chỉ tiêu của một tỉnh, một năm: so với cùng kỳ, kế hoạch, "
            "thứ hạng, mật độ, ghi chú.",
        ),
        SheetKind(
            "targets",
            "Mục tiêu",
            (*KEY_COLUMNS, *_model_columns(Target, _TARGET_LABELS)),
            "Mục tiêu năm sau: mỗi dòng một mục tiêu, theo chỉ tiêu hoặc bằng lời.",
        ),
    )


def _text_sheets() -> tuple[SheetKind, ...]:
    """The sheets of a province-year's texts, leaders, local reports and sources."""
    return (
        SheetKind(
            "texts",
            "Nội dung",
            (
                *KEY_COLUMNS,
                Column("section", "Mục", help=", ".join(SECTIONS.values()), width=16),
                Column("text", "Nội dung", help="một đoạn văn một dòng", width=90),
            ),
            "Các đoạn văn theo mục: điểm nổi bật, khen thưởng, nơi nhận; mỗi đoạn một dòng, "
            "theo thứ tự in.",
        ),
        SheetKind(
            "leaders",
            "Lãnh đạo dự",
            (
                *KEY_COLUMNS,
                Column("name", "Họ và tên", width=24),
                Column("role", "Chức vụ", width=40),
            ),
            "Lãnh đạo dự hội nghị: mỗi người một dòng.",
        ),
        SheetKind(
            "local_reports",
            "Báo cáo cơ sở",
            (
                *KEY_COLUMNS,
                Column("unit", "Đơn vị", help="huyện Hải Hậu", width=20),
                Column("topic", "Chủ đề", width=30),
                Column("label", "Nội dung số liệu", width=40),
                Column("value", "Số liệu", "number", width=12),
                Column("figure_unit", "Đơn vị tính", width=12),
            ),
            "Số liệu của đơn vị cấp dưới: mỗi số liệu một dòng; các dòng liền nhau cùng "
            "đơn vị và chủ đề là một báo cáo.",
        ),
        SheetKind(
            "sources",
            "Nguồn",
            (*KEY_COLUMNS, *_model_columns(Source, _SOURCE_LABELS)),
            "Nguồn của số liệu: bài viết, văn bản.",
        ),
    )


def _catalogue_sheets() -> tuple[SheetKind, ...]:
    """The sheets that extend the indicator catalogue: own indicators, ranking sizes."""
    return (
        SheetKind(
            "indicators",
            "Khai báo chỉ tiêu",
            _indicator_columns(),
            "Chỉ tiêu riêng của bộ số liệu (ngoài danh mục có sẵn): mỗi dòng một chỉ tiêu.",
            keyed=False,
        ),
        SheetKind(
            "denominators",
            "Số đơn vị xếp hạng",
            (
                INDICATOR,
                Column("year", "Năm", "integer", "năm của kỳ xếp hạng", 8),
                Column("count", "Số đơn vị", "integer", "số tỉnh, thành phố được xếp hạng", 12),
            ),
            "Khi một bảng xếp hạng không xếp đủ 63 (34 từ năm 2025) tỉnh, thành phố.",
            keyed=False,
        ),
    )


_INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "id": ("Mã chỉ tiêu", "chữ thường, không dấu, nối bằng _ (vd. so_diem_wifi)"),
    "vi": ("Tên tiếng Việt", ""),
    "en": ("Tên tiếng Anh", ""),
    "vi_short": ("Tên ngắn", ""),
    "en_short": ("Tên ngắn tiếng Anh", ""),
    "kind": ("Loại", "count, money, percent, rank, density, duration"),
    "unit": ("Đơn vị tính", "mã đơn vị: thue_bao, ty_dong, percent, ..."),
    "better": ("Tốt hơn khi", "higher (cao hơn) hoặc lower (thấp hơn)"),
    "merge": ("Cách gộp khi hợp nhất", "sum (cộng), weighted (bình quân theo dân số), none"),
    "section": ("Phần", "rankings, sector, telecom, postal, egov, press, other"),
    "per_100_vi": ("Mật độ (tiếng Việt)", "cách ghi mật độ: thuê bao/100 dân"),
    "per_100_en": ("Mật độ (tiếng Anh)", ""),
    "density_vi": ("Tên dòng mật độ", "Mật độ thuê bao băng rộng"),
    "density_en": ("Tên dòng mật độ (tiếng Anh)", "Broadband subscriber density"),
}


def _indicator_columns() -> tuple[Column, ...]:
    """The indicator declaration keys, from the catalogue's :class:`Indicator` fields."""
    import dataclasses

    from briefgen.data.indicators import Indicator

    columns = []
    for item in dataclasses.fields(Indicator):
        vi, help_text = _INDICATOR_LABELS.get(item.name, (item.name, ""))
        kind: ColumnKind = "bool" if item.type in (bool, "bool") else "text"
        columns.append(
            Column(item.name, vi, kind, help_text, 30 if item.name in ("vi", "en") else 14)
        )
    return tuple(columns)


SHEETS: tuple[SheetKind, ...] = _sheets()
"""Every kind of sheet, in the order workbooks hold and read them."""

INSTRUCTIONS = SheetKind("instructions", "Hướng dẫn", (), "", keyed=False)
"""The instructions sheet of new workbooks; never read."""

LISTS = SheetKind("lists", "Danh mục", (), "", keyed=False)
"""The hidden sheet behind a new workbook's drop-down lists; never read."""

ADDRESSES = SheetKind(
    "addresses",
    "Địa chỉ thư",
    (
        PROVINCE,
        Column(
            "to",
            "Gửi đến",
            help="địa chỉ thư: Tên <dia.chi@co.quan.gov.vn>; nhiều địa chỉ cách nhau bằng ;",
            width=40,
        ),
        Column("cc", "Đồng gửi (cc)", width=30),
        Column("bcc", "Gửi ẩn (bcc)", width=30),
        Column("reply_to", "Trả lời đến", width=30),
        Column("addressee", "Kính gửi", help="cơ quan nhận báo cáo", width=30),
    ),
    "Địa chỉ thư điện tử gửi báo cáo của mỗi tỉnh, thành phố: sổ địa chỉ của lệnh "
    "gửi thư (briefgen send); không dùng khi lập báo cáo.",
    keyed=False,
)
"""The address book of the e-mail delivery, kept in the same workbook; not read by load."""


def sheet_kind(name: str) -> SheetKind | None:
    """The kind of sheet ``name`` (id or Vietnamese label, or a CSV file's stem) is."""
    wanted = key(name)
    for kind in (*SHEETS, INSTRUCTIONS, LISTS, ADDRESSES):
        if wanted in (key(kind.id), key(kind.vi)):
            return kind
    return None


_COLUMN_INDEX: dict[str, dict[str, Column]] = {}


def _column_index(kind: SheetKind) -> dict[str, Column]:
    if kind.id not in _COLUMN_INDEX:
        index: dict[str, Column] = {}
        for column in kind.columns:
            index.setdefault(key(column.vi), column)
            index[key(column.id)] = column
        _COLUMN_INDEX[kind.id] = index
    return _COLUMN_INDEX[kind.id]


def by_id(sheet_id: str) -> SheetKind:
    """The sheet kind with id ``sheet_id``."""
    for kind in SHEETS:
        if kind.id == sheet_id:
            return kind
    raise KeyError(sheet_id)


def field_label(name: str) -> str:
    """The Vietnamese label of an observation field ("plan_pct" → "Đạt kế hoạch (%)")."""
    return _FIELD_LABELS.get(name, name)
