"""The XML vocabulary → document model, with located errors."""

from __future__ import annotations

import datetime as dt

import pytest

from briefgen import model as m
from briefgen.errors import TemplateError
from briefgen.template.markup import SourceMap, parse


def _parse(xml: str, template: str | None = None) -> m.Block | tuple[m.Block, ...]:
    source = SourceMap((("t/brief.xml.j2", template if template is not None else xml),), xml)
    blocks = parse(xml, source).blocks
    return blocks[0] if len(blocks) == 1 else blocks


def test_paragraph_collapses_xml_white_space_but_keeps_no_break_spaces() -> None:
    block = _parse("<document><p>\n  Số:\u00a0\u00a0/BC   STTTT\n</p></document>")
    assert block == m.Paragraph((m.Text("Số:\u00a0\u00a0/BC STTTT"),))


def test_inline_bold_italic_and_break_map_to_model_inlines() -> None:
    block = _parse("<document><p>a <b>b <i>c</i></b><br/> d</p></document>")
    assert isinstance(block, m.Paragraph)
    assert block.content == (
        m.Text("a "),
        m.Strong((m.Text("b "), m.Emph((m.Text("c"),)))),
        m.LineBreak(),
        m.Text("d"),
    )


def test_escaped_text_stays_literal() -> None:
    block = _parse("<document><p>A &lt; B &amp; C &lt;b&gt;x&lt;/b&gt;</p></document>")
    assert m.plain(block.content) == "A < B & C <b>x</b>"  # type: ignore[union-attr]


def test_table_rows_of_th_become_header_rows() -> None:
    block = _parse(
        "<document><table widths='3,1'><caption>Bảng 1</caption>"
        "<tr><th>A</th><th>B</th></tr><tr><td colspan='2'>x</td></tr><tr><td>y</td></tr>"
        "</table></document>"
    )
    assert isinstance(block, m.Table)
    assert len(block.header) == 1 and len(block.body) == 2
    assert block.body[0][0].colspan == 2
    assert len(block.body[1]) == 2  # padded
    assert block.widths == pytest.approx((0.75, 0.25))


def test_chart_values_keep_gaps_as_none() -> None:
    block = _parse(
        "<document><chart kind='line' title='T' unit='tỷ đồng'><x>2019</x><x>2020</x>"
        "<series label='S'><v>1.5</v><v></v></series></chart></document>"
    )
    assert isinstance(block, m.Chart)
    assert block.spec.series[0].values == (1.5, None)
    assert block.spec.categories == ("2019", "2020")


def test_letterhead_signature_and_title_parse_to_official_blocks() -> None:
    blocks = _parse(
        "<document><letterhead left-width='42'><left><line size='13'>UBND</line>"
        "<line rule='third'><b>SỞ</b></line></left><right><line>CỘNG HÒA</line></right>"
        "<number>Số: 05/BC</number><dateline><i>Nam Định, ngày 07</i></dateline></letterhead>"
        "<title><line>BÁO CÁO</line></title>"
        "<signature><recipients label='Nơi nhận:'><item>- A;</item></recipients>"
        "<authority>GIÁM ĐỐC</authority><name>Đỗ Hữu Quyết</name></signature></document>"
    )
    assert isinstance(blocks, tuple)
    letterhead, title, signature = blocks
    assert isinstance(letterhead, m.Letterhead)
    assert letterhead.left_width == pytest.approx(0.42)
    assert letterhead.left[1].rule == "third"
    assert letterhead.left_foot is not None and m.plain(letterhead.left_foot.content) == "Số: 05/BC"
    assert isinstance(title, m.Title)
    assert isinstance(signature, m.Signature)
    assert m.plain(signature.name) == "Đỗ Hữu Quyết"


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<document><tabel/></document>", "unknown tag <tabel>"),
        ("<document><p align='middle'>x</p></document>", "attribute 'align' of <p> is 'middle'"),
        ("<document><p colour='red'>x</p></document>", "unknown attribute 'colour' on <p>"),
        ("<document><p><h1>x</h1></p></document>", "<h1> is not allowed inside <p>"),
        ("<document>loose text</document>", "text outside a paragraph"),
        ("<document><b>x</b></document>", "<b> must be inside a paragraph"),
        ("<document><ul></ul></document>", "<ul> has no <li> items"),
        ("<document><table></table></document>", "<table> has no rows"),
        ("<document><p>unclosed</document>", "not well-formed XML"),
        ("<report/>", "must emit <document>"),
        (
            "<document><chart kind='bar'><x>a</x><series><v>1</v><v>2</v></series></chart>"
            "</document>",
            "has 2 values for 1 categories",
        ),
        (
            "<document><chart kind='bar'><x>a</x><series><v>abc</v></series></chart></document>",
            "must hold a number",
        ),
    ],
)
def test_bad_markup_is_a_template_error(xml: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("(", r"\(")):
        _parse(xml)


def test_error_names_the_template_line_where_the_tag_is_written() -> None:
    template = "{% extends x %}\n<document>\n{% if a %}\n<tabel/>\n{% endif %}\n</document>\n"
    output = "<document>\n\n<tabel/>\n</document>"
    with pytest.raises(TemplateError) as caught:
        _parse(output, template)
    error = caught.value
    assert error.where.file == "t/brief.xml.j2"
    assert error.where.row == 4
    assert error.source_line == "<tabel/>"
    assert "t/brief.xml.j2:4" in str(error)


def test_addressees_parse_to_box_9a_with_their_label() -> None:
    block = _parse(
        "<document><addressees label='Kính gửi:'><item>- Bộ A;</item><item>- <b>UBND</b>.</item>"
        "</addressees></document>"
    )
    assert isinstance(block, m.Addressees)
    assert m.plain(block.label) == "Kính gửi:"
    assert [m.plain(item) for item in block.items] == ["- Bộ A;", "- UBND."]


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<document><addressees/></document>", "<addressees> has no <item>"),
        ("<document><addressees><li>x</li></addressees></document>", "<li> is not allowed"),
        ("<document><addressees><item x='1'>a</item></addressees></document>", "attribute 'x'"),
        ("<document><letterhead><logo/></letterhead></document>", "sets no logo"),
    ],
)
def test_bad_official_parts_are_template_errors(xml: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        _parse(xml)


def test_a_signature_may_reserve_room_for_the_signature_and_seal() -> None:
    block = _parse(
        "<document><signature room-mm='41'><authority>GIÁM ĐỐC</authority>"
        "<name>Đỗ Hữu Quyết</name></signature></document>"
    )
    assert isinstance(block, m.Signature) and block.room_mm == 41
    plain = _parse("<document><signature><name>A</name></signature></document>")
    assert isinstance(plain, m.Signature) and plain.room_mm is None
    with pytest.raises(TemplateError, match="room_mm must be between 5 and 120"):
        _parse("<document><signature room-mm='300'><name>A</name></signature></document>")


def test_the_document_date_is_read_from_its_attribute() -> None:
    xml = "<document date='2025-01-15'><p>a</p></document>"
    parsed = parse(xml, SourceMap((("t/brief.xml.j2", xml),), xml))
    assert parsed.date == dt.date(2025, 1, 15)
    undated = "<document><p>a</p></document>"
    assert parse(undated, SourceMap((("t/brief.xml.j2", undated),), undated)).date is None


@pytest.mark.parametrize("value", ["15/01/2025", "2025-02-30", "ngày 15"])
def test_a_document_date_that_is_not_a_date_is_a_template_error(value: str) -> None:
    template = f"<document\n  date='{value}'>\n<p>a</p></document>"
    with pytest.raises(
        TemplateError, match=f"attribute 'date' of <document> is '{value}'"
    ) as caught:
        _parse(template)
    assert "YYYY-MM-DD" in str(caught.value) and "t/brief.xml.j2" in str(caught.value)
