"""What a brief says, checked by hand where a clerk would read it: rankings out of the
year's units, body names in normal case, the "(*)" legend, the English field by year,
an empty record, and opening and closing sentences that follow the title line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

import briefgen
from briefgen import model as m
from briefgen.data.provinces import get
from briefgen.delivery.mailtext import AttachmentInfo, MailTemplates, mail_context

ROOT = Path(__file__).resolve().parents[2]
SEEDS = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
NATIONAL = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
EMPTY = "ignore:.*the record has no figures or text"


def _load(tmp_path: Path, records: str, head: str = "") -> briefgen.Dataset:
    path = tmp_path / "data.yaml"
    path.write_text(f"{head}records:\n{records}", "utf-8")
    return briefgen.load(path)


def _paragraphs(brief: m.Document) -> list[str]:
    out: list[str] = []
    for block in brief.blocks:
        if isinstance(block, m.Paragraph):
            out.append(m.plain(block.content))
        elif isinstance(block, m.ListBlock):
            out += [m.plain(item) for item in block.items]
    return out


def _cells(brief: m.Document, label: str) -> list[str]:
    table = next(b for b in brief.blocks if isinstance(b, m.Table))
    for row in table.body:
        cells = [m.plain(c.content) for c in row]
        if cells[1] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


def _written_text(brief: m.Document) -> str:
    """Everything the PDF and the DOCX print, read back from the files."""
    pdf = PdfReader(io.BytesIO(brief.to_bytes("pdf")))
    word = docx.Document(io.BytesIO(brief.to_bytes("docx")))
    return "\n".join(
        [page.extract_text() for page in pdf.pages] + [p.text for p in word.paragraphs]
    )


# --------------------------------------------------------------------------- rankings

RANKS_2024 = """\
  - province: Nam Định
    year: 2024
    observations:
      ict_index: {rank: 12}
      dti: {rank: 9}
"""


@pytest.fixture(scope="module")
def ranks_2024(tmp_path_factory: pytest.TempPathFactory) -> briefgen.Dataset:
    return _load(tmp_path_factory.mktemp("ranks"), RANKS_2024)


def test_a_ranking_without_of_reads_out_of_63_in_the_official_brief(
    ranks_2024: briefgen.Dataset,
) -> None:
    brief = briefgen.build(ranks_2024, province="Nam Định", year=2024)
    assert (
        "Chỉ số sẵn sàng cho phát triển và ứng dụng công nghệ thông tin (ICT Index) xếp thứ "
        "12/63 tỉnh, thành phố; chỉ số chuyển đổi số (DTI) xếp thứ 9/63 tỉnh, thành phố."
    ) in _paragraphs(brief)
    assert _cells(brief, "ICT Index")[3] == "12/63"
    assert _cells(brief, "DTI")[3] == "9/63"
    (chart,) = brief.charts()
    assert chart.spec.kind == "rank"
    assert chart.spec.series[1].values == (63, 63)
    assert m.plain(chart.caption) == "Biểu đồ 1. Thứ hạng các chỉ số năm 2024"
    assert "Chưa đủ số liệu" not in _written_text(brief)


def test_a_ranking_without_of_reads_out_of_63_in_english(ranks_2024: briefgen.Dataset) -> None:
    brief = briefgen.build(ranks_2024, province="Nam Định", year=2024, template="en")
    items = _paragraphs(brief)
    assert "Digital Transformation Index (DTI): ranked 9th of 63 provinces and cities." in items
    assert _cells(brief, "ICT Index")[3] == "12/63"
    (chart,) = brief.charts()
    assert m.plain(chart.caption) == "Chart 1. National rankings, 2024"
    assert "Not enough data" not in _written_text(brief)


def test_a_ranking_without_of_reads_out_of_63_in_the_summary(
    ranks_2024: briefgen.Dataset,
) -> None:
    brief = briefgen.build(ranks_2024, province="Nam Định", year=2024, template="summary")
    assert "ICT Index: 12/63; DTI: 9/63." in _paragraphs(brief)
    assert [c.spec.kind for c in brief.charts()] == ["rank"]


def test_a_2025_ranking_without_of_is_out_of_the_34_units(tmp_path: Path) -> None:
    data = _load(
        tmp_path, "  - {province: Ninh Bình, year: 2025, observations: {dti: {rank: 17}}}\n"
    )
    brief = briefgen.build(data, province="Ninh Bình", year=2025)
    assert "Chỉ số chuyển đổi số (DTI) xếp thứ 17/34 tỉnh, thành phố." in _paragraphs(brief)


def test_every_ranking_is_charted_when_only_some_give_their_denominator(tmp_path: Path) -> None:
    data = _load(
        tmp_path,
        "  - province: Nam Định\n    year: 2024\n    observations:\n"
        "      ict_index: {rank: 12, of: 63}\n      dti: {rank: 9}\n      par_index: {rank: 5}\n",
    )
    brief = briefgen.build(data, province="Nam Định", year=2024)
    (chart,) = brief.charts()
    assert chart.spec.categories == ("ICT Index", "DTI", "PAR Index")
    assert chart.spec.series == (
        m.Series("Thứ hạng", (12, 9, 5)),
        m.Series("Số tỉnh, thành phố", (63, 63, 63)),
    )


_NUMBERED = re.compile(r"^(?:Biểu đồ|Chart) (\d+)\. ")


@pytest.mark.parametrize("template", ["official", "en", "summary"])
def test_charts_are_numbered_from_1_without_a_gap(template: str) -> None:
    cases = [(SEEDS, e) for e in SEEDS.entries] + [(NATIONAL, e) for e in NATIONAL.entries[::9]]
    for data, entry in cases:
        brief = briefgen.build(data, province=entry.unit.code, year=entry.record.year,
                               template=template)  # fmt: skip
        numbers = []
        for chart in brief.charts():
            found = _NUMBERED.match(m.plain(chart.caption))
            assert found, m.plain(chart.caption)
            numbers.append(int(found.group(1)))
        assert numbers == list(range(1, len(numbers) + 1)), (entry.record.label, numbers)


def test_a_chart_without_data_to_draw_takes_no_number(tmp_path: Path) -> None:
    # Postal revenue is in two records but has a value in one only: no trend to draw, so
    # the English brief (trend first) starts its numbers with the plan chart.
    data = _load(
        tmp_path,
        "  - {province: Nam Định, year: 2023, observations: {postal_revenue: {yoy_pct: 5}}}\n"
        "  - province: Nam Định\n    year: 2024\n    observations:\n"
        "      postal_revenue: {value: 130, plan_pct: 101}\n"
        "      telecom_revenue: {value: 900, plan_pct: 98}\n",
    )
    brief = briefgen.build(data, province="Nam Định", year=2024, template="en")
    assert [(c.spec.kind, m.plain(c.caption)) for c in brief.charts()] == [
        ("plan", "Chart 1. Plan attainment, 2024 (%)")
    ]
    assert "Not enough data" not in _written_text(brief)


# --------------------------------------------------------------------------- body names

CAPITALS = """\
  - province: Nam Định
    year: 2024
    report:
      date: 2025-01-08
      parent: "UBND TỈNH NAM ĐỊNH"
      issuer: "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    observations:
      postal_revenue: {value: 130, yoy_pct: 8.3}
    targets:
      - {text: "Hoàn thành chuyển đổi số cấp xã."}
"""


@pytest.fixture(scope="module")
def capitals(tmp_path_factory: pytest.TempPathFactory) -> briefgen.Dataset:
    return _load(tmp_path_factory.mktemp("capitals"), CAPITALS)


def test_an_issuer_in_capitals_reads_in_normal_case_in_sentences(
    capitals: briefgen.Dataset,
) -> None:
    brief = briefgen.build(capitals, province="Nam Định", year=2024)
    paragraphs = _paragraphs(brief)
    assert paragraphs[0] == (
        "Sở Thông tin và Truyền thông tỉnh Nam Định báo cáo kết quả thực hiện nhiệm vụ năm 2024 "
        "và phương hướng, nhiệm vụ năm 2025 như sau:"
    )
    assert (
        "Năm 2025, Sở Thông tin và Truyền thông tập trung thực hiện các mục tiêu, nhiệm vụ chủ "
        "yếu sau:"
    ) in paragraphs
    assert paragraphs[-1].endswith("của Sở Thông tin và Truyền thông tỉnh Nam Định./.")
    assert not any("SỞ" in p for p in paragraphs)
    # The letterhead prints the names in capitals itself.
    letterhead = next(b for b in brief.blocks if isinstance(b, m.Letterhead))
    assert [m.plain(line.content) for line in letterhead.left] == [
        "UBND TỈNH NAM ĐỊNH",
        "SỞ THÔNG TIN VÀ\nTRUYỀN THÔNG",
    ]


@pytest.mark.parametrize("template", ["official", "summary"])
def test_an_issuer_in_capitals_is_the_author_in_normal_case_in_both_files(
    capitals: briefgen.Dataset, template: str
) -> None:
    brief = briefgen.build(capitals, province="Nam Định", year=2024, template=template)
    author = "Sở Thông tin và Truyền thông tỉnh Nam Định"
    assert brief.meta.author == author
    assert PdfReader(io.BytesIO(brief.to_bytes("pdf"))).metadata["/Author"] == author
    assert docx.Document(io.BytesIO(brief.to_bytes("docx"))).core_properties.author == author
    if template == "summary":
        title = next(b for b in brief.blocks if isinstance(b, m.Title))
        assert m.plain(title.lines[1]) == author


# --------------------------------------------------------------------------- the "*" legend


def _two_years(tmp_path: Path, postal_revenue_2024: str) -> briefgen.Dataset:
    """Nam Định's postal revenue: 100 in 2023, and as given in 2024."""
    last = "  - {province: Nam Định, year: 2023, observations: {postal_revenue: {value: 100}}}\n"
    this = "  - {province: Nam Định, year: 2024, observations: {postal_revenue: "
    return _load(tmp_path, last + this + postal_revenue_2024 + "}}\n")


@pytest.mark.parametrize(
    ("observation", "official", "english"),
    [
        (
            "{value: 110}",
            "Ghi chú: (*) Tính từ số liệu năm trước; báo cáo không nêu trực tiếp.",
            "Note: * Computed from the previous year's figures; not stated in the report.",
        ),
        (
            "{value: 110, yoy_pct: 10, plan: 100}",
            "Ghi chú: (*) Tính từ chỉ tiêu kế hoạch; báo cáo không nêu trực tiếp.",
            "Note: * Computed from the plan; not stated in the report.",
        ),
        (
            "{value: 110, plan: 100}",
            "Ghi chú: (*) Tính từ số liệu năm trước hoặc từ chỉ tiêu kế hoạch; báo cáo không nêu "
            "trực tiếp.",
            "Note: * Computed from the previous year's figures or from the plan; not stated in "
            "the report.",
        ),
    ],
)
def test_the_legend_says_what_the_starred_figures_were_computed_from(
    tmp_path: Path, observation: str, official: str, english: str
) -> None:
    data = _two_years(tmp_path, observation)
    vi = _paragraphs(briefgen.build(data, province="Nam Định", year=2024))
    en = _paragraphs(briefgen.build(data, province="Nam Định", year=2024, template="en"))
    assert official in vi
    assert english in en
    assert any(p.endswith("Figures are as reported, except those marked * (see the note under "
                          "Table 1).") for p in en)  # fmt: skip


def test_no_legend_without_a_starred_figure(tmp_path: Path) -> None:
    data = _two_years(tmp_path, "{value: 110, yoy_pct: 10}")
    for template in ("official", "en", "summary"):
        brief = briefgen.build(data, province="Nam Định", year=2024, template=template)
        text = "\n".join(m.texts(brief))
        assert "*" not in text and "Ghi chú" not in text and "Note:" not in text, template
    en = _paragraphs(briefgen.build(data, province="Nam Định", year=2024, template="en"))
    assert en[0].endswith("Figures are as reported.")


def test_the_summary_explains_the_star_its_tiles_show(tmp_path: Path) -> None:
    data = _two_years(tmp_path, "{value: 110}")
    brief = briefgen.build(data, province="Nam Định", year=2024, template="summary")
    tiles = next(b for b in brief.blocks if isinstance(b, m.Tiles))
    assert m.plain(tiles.tiles[0].note) == "+10%* so với 2023"
    legend = "(*) Tính từ số liệu năm trước; báo cáo không nêu trực tiếp."
    assert legend in _paragraphs(brief)
    assert legend in _written_text(brief)
    assert len(PdfReader(io.BytesIO(brief.to_bytes("pdf"))).pages) == 1


def test_a_derived_plan_attainment_that_no_tile_shows_needs_no_legend_on_the_summary(
    tmp_path: Path,
) -> None:
    data = _load(
        tmp_path,
        "  - {province: Nam Định, year: 2024, observations: {postal_revenue: "
        "{value: 110, plan: 100}}}\n",
    )
    summary = briefgen.build(data, province="Nam Định", year=2024, template="summary")
    assert not any(p.startswith("(*)") for p in _paragraphs(summary))
    official = briefgen.build(data, province="Nam Định", year=2024)
    assert _cells(official, "Doanh thu bưu chính")[5] == "110%*"
    assert "Ghi chú: (*) Tính từ chỉ tiêu kế hoạch; báo cáo không nêu trực tiếp." in _paragraphs(
        official
    )


# --------------------------------------------------------------------------- English field


def test_an_english_brief_of_2025_names_the_field_of_the_merged_department() -> None:
    brief = briefgen.build(NATIONAL, province="Ninh Bình", year=2025, template="en")
    title = next(b for b in brief.blocks if isinstance(b, m.Title))
    assert [m.plain(line) for line in title.lines] == [
        "NINH BÌNH PROVINCE",
        "Science, technology and digital transformation: 2025 in review",
    ]
    assert brief.meta.title == (
        "Ninh Bình Province: science, technology and digital transformation in 2025"
    )
    assert "information and communications" not in "\n".join(m.texts(brief)).lower()
    before = briefgen.build(NATIONAL, province="Nam Định", year=2024, template="en")
    title = next(b for b in before.blocks if isinstance(b, m.Title))
    assert m.plain(title.lines[1]) == "Information and communications: 2024 in review"


@pytest.mark.parametrize(
    ("code", "year", "field"),
    [
        ("37", 2025, "science, technology and digital transformation"),
        ("36", 2024, "information and communications"),
    ],
)
def test_the_english_mail_names_the_field_of_its_year(code: str, year: int, field: str) -> None:
    unit = get(code, "34" if year >= 2025 else "63")
    context = mail_context(
        unit,
        year,
        "en",
        [AttachmentInfo(f"{unit.name} brief {year}.pdf", "pdf", 90_000)],
        {"name": "Department of Science and Technology", "address": "dost@example.gov.vn"},
        ["partner@example.org"],
        [],
        "Partner",
    )
    mail = MailTemplates("en").render(context)
    place = f"{unit.name} Province"
    assert mail.subject == f"{place}: {field} in {year}"
    assert f"Please find attached the brief on {field} in {place} for {year}." in mail.text
    assert mail.html is not None and f"the brief on {field} in {place}" in mail.html


# --------------------------------------------------------------------------- empty record


@pytest.fixture(scope="module")
def nothing(tmp_path_factory: pytest.TempPathFactory) -> briefgen.Dataset:
    with pytest.warns(briefgen.BriefgenWarning, match="no figures or text"):
        return _load(
            tmp_path_factory.mktemp("empty"),
            "  - {province: Nam Định, year: 2024, report: {number: 05/BC-STTTT}}\n",
        )


@pytest.mark.filterwarnings(EMPTY)
def test_a_record_with_nothing_says_so_under_part_one(nothing: briefgen.Dataset) -> None:
    brief = briefgen.build(nothing, province="Nam Định", year=2024)
    texts = list(m.texts(brief))
    heading = texts.index("I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2024")
    assert texts[heading + 1] == "Chưa có số liệu, kết quả thực hiện nhiệm vụ năm 2024 để báo cáo."
    assert texts[heading + 2] == "II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025"


@pytest.mark.filterwarnings(EMPTY)
def test_english_and_summary_briefs_of_an_empty_record_say_so(nothing: briefgen.Dataset) -> None:
    en = briefgen.build(nothing, province="Nam Định", year=2024, template="en")
    assert _paragraphs(en)[-1] == "No results were reported for 2024."
    summary = briefgen.build(nothing, province="Nam Định", year=2024, template="summary")
    assert _paragraphs(summary) == ["Chưa có số liệu, kết quả năm 2024."]


def test_a_record_with_figures_has_no_such_sentence() -> None:
    for entry in SEEDS.entries:
        brief = briefgen.build(SEEDS, province=entry.unit.code, year=entry.record.year)
        assert not any(t.startswith("Chưa có số liệu") for t in m.texts(brief))


# --------------------------------------------------------------------------- title line


def test_the_opening_and_closing_sentences_follow_the_templates_title_line() -> None:
    example = ROOT / "examples" / "templates" / "so-khcn"
    brief = briefgen.build(SEEDS, province="Nam Định", year=2021, template=example)
    texts = list(m.texts(brief))
    assert (
        "Sở Khoa học và Công nghệ tỉnh Nam Định báo cáo kết quả công tác khoa học, công nghệ và "
        "chuyển đổi số năm 2021 và kế hoạch năm 2022 như sau:"
    ) in texts
    assert (
        "Trên đây là báo cáo kết quả công tác khoa học, công nghệ và chuyển đổi số năm 2021 và "
        "kế hoạch năm 2022 của Sở Khoa học và Công nghệ tỉnh Nam Định./."
    ) in texts
    assert not any("phương hướng, nhiệm vụ năm 2022" in t for t in texts)


def test_the_default_title_keeps_its_opening_and_closing_sentences() -> None:
    texts = list(m.texts(briefgen.build(SEEDS, province="Nam Định", year=2021)))
    assert (
        "Sở Thông tin và Truyền thông tỉnh Nam Định báo cáo kết quả thực hiện nhiệm vụ năm 2021 "
        "và phương hướng, nhiệm vụ năm 2022 như sau:"
    ) in texts
    assert (
        "Trên đây là báo cáo kết quả công tác thông tin và truyền thông năm 2021 và phương "
        "hướng, nhiệm vụ năm 2022 của Sở Thông tin và Truyền thông tỉnh Nam Định./."
    ) in texts
