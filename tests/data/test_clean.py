"""The one rule for text a document cannot hold, and the screen every reader's output passes."""

from __future__ import annotations

import pytest

from briefgen.data import clean
from briefgen.data.dataset import from_records
from briefgen.data.records import Record


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\x00", "a control character"),
        ("\x1b", "a control character"),
        ("\x7f", "a control character"),
        ("\x9f", "a control character"),
        ("\ud83d", "half of a surrogate pair"),
        ("\ufdd0", "a noncharacter"),
        ("\ufffe", "a noncharacter"),
        ("\U0001ffff", "a noncharacter"),
    ],
)
def test_characters_no_document_can_hold_are_named(char: str, kind: str) -> None:
    assert clean.illegal(f"ab{char}c{char}") == (2, char)
    message = clean.message(f"ab{char}c{char}")
    assert message is not None
    assert f"({kind}) at character 3 and 1 more such character(s)" in message


@pytest.mark.parametrize("text", ["Hà Nội\tmới\r\n", "😀 中文 العربية", "\u200b\u00ad\ufeff", ""])
def test_text_of_every_script_and_spacing_is_kept(text: str) -> None:
    assert clean.illegal(text) is None
    assert clean.refuse(text) == text


def test_the_screen_names_record_field_and_line_of_every_place() -> None:
    data = {
        "title": "ok",
        "records": [
            {"province": "Nam Định", "highlights": ["fine", "bad\x01"]},
            {"province": "X", "observations": {"a\x02b": {"note": "also bad\x03"}}},
        ],
    }
    lines = {("records", 0, "highlights", 1): 7, ("records", 1, "observations"): 12}
    found = clean.screen(data, lambda path: lines.get(tuple(path)), "d.yaml")
    assert [str(f.where) for f in found] == [
        "d.yaml:7, record 1, field 'highlights.2'",  # the second highlight: counted from 1
        "d.yaml:12, record 2, field 'observations'",  # the key itself; nothing under it
    ]
    assert found[1].message.startswith("a key text holds U+0002")


def test_the_screen_refuses_deep_nesting_without_recursing() -> None:
    deep: list[object] = []
    current = deep
    for _ in range(100_000):
        current.append([])
        current = current[0]  # type: ignore[assignment]
    found = clean.screen({"records": deep}, lambda path: None, "deep.json")
    assert len(found) == 1 and "nested more than 20 levels deep" in found[0].message


def test_records_built_in_python_obey_the_same_rule() -> None:
    with pytest.raises(ValueError, match=r"U\+001B \(a control character\)"):
        Record(province="Nam Định", year=2021, highlights=("a\x1bb",))
    dataset = from_records([Record(province="Nam Định", year=2021, highlights=("a\u200bb",))])
    assert dataset.records[0].highlights == ("a\u200bb",)
