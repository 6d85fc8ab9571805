"""The document model: normalisation in constructors and the stable dump."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest
from conftest import sample_blocks

from briefgen import model as m


def test_text_is_normalised_to_nfc_on_construction() -> None:
    decomposed = unicodedata.normalize("NFD", "Nam Định")
    assert m.Text(decomposed).text == "Nam Định"
    assert unicodedata.is_normalized("NFC", m.Text(decomposed).text)


def test_table_pads_short_rows_to_a_rectangle() -> None:
    table = m.Table(
        header=((m.Cell((m.Text("a"),)), m.Cell((m.Text("b"),)), m.Cell((m.Text("c"),))),),
        body=((m.Cell((m.Text("x"),)),),),
    )
    assert table.columns == 3
    assert len(table.body[0]) == 3
    assert table.widths == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_table_counts_rowspans_from_rows_above_when_padding() -> None:
    tall = m.Cell((m.Text("tall"),), rowspan=2)
    table = m.Table(
        header=(),
        body=((tall, m.Cell((m.Text("b"),))), (m.Cell((m.Text("c"),)),)),
    )
    assert table.columns == 2
    assert len(table.body[1]) == 1  # the rowspan covers the first column


def test_table_normalises_widths_to_fractions() -> None:
    table = m.Table((), ((m.Cell(()), m.Cell(())),), widths=(3, 1))
    assert table.widths == pytest.approx((0.75, 0.25))


def test_table_rejects_widths_that_do_not_match_the_columns() -> None:
    with pytest.raises(ValueError, match="2 columns but 3 widths"):
        m.Table((), ((m.Cell(()), m.Cell(())),), widths=(1, 1, 1))


def test_heading_level_outside_one_to_three_is_refused() -> None:
    with pytest.raises(ValueError):
        m.Heading(4, ())


def test_runs_flatten_nested_emphasis() -> None:
    inlines = (m.Text("a"), m.Strong((m.Text("b"), m.Emph((m.Text("c"),)))), m.LineBreak())
    assert list(m.runs(inlines)) == [
        m.Run("a"),
        m.Run("b", bold=True),
        m.Run("c", bold=True, italic=True),
        m.Run("", is_break=True),
    ]
    assert m.plain(inlines) == "abc\n"


def test_dump_is_stable_and_mentions_every_block() -> None:
    document = m.Document(sample_blocks())
    first = m.dump(document)
    assert first == m.dump(m.Document(sample_blocks()))
    for word in (
        "letterhead",
        "title",
        "h1",
        "h2",
        "p ",
        "ul",
        "ol",
        "table",
        "chart",
        "pagebreak",
        "signature",
    ):
        assert word in first


def test_every_block_type_appears_in_the_sample_document() -> None:
    present = {type(b) for b in sample_blocks()}
    assert present == set(m.BLOCK_TYPES)


def test_model_imports_only_the_standard_library() -> None:
    source = Path(m.__file__).read_text("utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    import sys

    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
