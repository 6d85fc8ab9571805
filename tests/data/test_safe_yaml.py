"""YAML read with limits: what a small hostile file can no longer do, and what still works."""

from __future__ import annotations

import pytest

from briefgen.data import safe_yaml
from briefgen.errors import DataError, TemplateError


def test_anchors_within_the_budget_read_as_usual() -> None:
    source = "{file: seeds/a.txt, title: Hội nghị tổng kết}"
    text = (
        "src: &src "
        + source
        + "\nrecords:\n"
        + "".join(f"  - {{province: P{i}, year: 2021, sources: [*src]}}\n" for i in range(500))
    )
    _, data = safe_yaml.parse(text, "data.yaml")
    assert len(data["records"]) == 500
    assert data["records"][499]["sources"][0]["title"] == "Hội nghị tổng kết"


def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_budget() -> None:
    lines = ['a: &a ["' + "x" * 1000 + '"]']
    for level, name in enumerate("bcdef"):
        previous = "abcde"[level]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(DataError, match=r"aliases \(\*name\) expand the data beyond") as caught:
        safe_yaml.parse("\n".join(lines), "bomb.yaml")
    assert caught.value.where.row == 4  # d: 1000 x 10**3 characters
    assert str(caught.value).startswith("bomb.yaml:4: ")


def test_an_alias_inside_its_own_node_is_refused() -> None:
    with pytest.raises(DataError, match=r"alias \*loop refers to the node it is inside"):
        safe_yaml.parse("a: &loop {b: [*loop]}\n", "loop.yaml")


def test_nesting_deeper_than_the_limit_is_refused_before_recursion_fails() -> None:
    with pytest.raises(DataError, match="nested more than 20 levels deep") as caught:
        safe_yaml.parse("x:\n  " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.yaml")
    assert caught.value.where.row == 2


def test_a_key_given_twice_names_both_lines() -> None:
    with pytest.raises(
        TemplateError, match="'size_pt' is given twice in one mapping, on lines 2 and 4"
    ):
        safe_yaml.parse(
            "style:\n  size_pt: 13\n  font: Times\n  size_pt: 14\n", "template.yaml", TemplateError
        )


def test_merge_keys_and_explicit_overrides_are_not_duplicates() -> None:
    _, data = safe_yaml.parse("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n", "m.yaml")
    assert data["item"] == {"x": 1, "y": 3}


def test_numbers_and_dates_python_cannot_build_stay_text() -> None:
    _, data = safe_yaml.parse(f"n: {'9' * 5000}\nd: 2022-13-45\nok: 42\n", "n.yaml")
    assert data == {"n": "9" * 5000, "d": "2022-13-45", "ok": 42}


def test_syntax_errors_keep_their_line() -> None:
    with pytest.raises(DataError, match="not valid YAML") as caught:
        safe_yaml.parse("a: 1\nb: [2\n", "bad.yaml")
    assert caught.value.where.row == 3
