"""The workbook layout says everything the record model can, and docs/data.md documents it."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.data import layout
from briefgen.data.indicators import builtin
from briefgen.data.records import Person, Record, ReportInfo, Source, Target

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "data.md"

# Where each record field lives in the workbook.
RECORD_FIELDS = {
    "province": "reports",
    "year": "reports",
    "observations": "figures",
    "highlights": "texts",
    "awards": "texts",
    "targets": "targets",
    "leaders": "leaders",
    "local_reports": "local_reports",
    "report": "reports",
    "sources": "sources",
}


def test_every_field_of_a_record_has_a_place_in_the_workbook() -> None:
    assert set(Record.model_fields) == set(RECORD_FIELDS), "a new record field needs a sheet"
    assert set(RECORD_FIELDS.values()) <= {kind.id for kind in layout.SHEETS}
    assert {"highlights", "awards"} <= set(layout.SECTIONS)


@pytest.mark.parametrize(
    ("model", "sheet"), [(ReportInfo, "reports"), (Target, "targets"), (Source, "sources")]
)
def test_every_field_of_report_facts_targets_and_sources_is_a_column(
    model: type, sheet: str
) -> None:
    kind = layout.by_id(sheet)
    for name, info in model.model_fields.items():
        assert kind.column(name) is not None, f"{sheet} has no column for {name}"
        if info.annotation is not None and Person in getattr(info.annotation, "__args__", ()):
            assert kind.column(f"{name}_role") is not None


def test_sheets_and_columns_are_found_by_id_or_vietnamese_name_in_any_spelling() -> None:
    assert layout.sheet_kind("Báo cáo") is layout.by_id("reports")
    assert layout.sheet_kind("BAO CAO") is layout.by_id("reports")
    assert layout.sheet_kind("chi tiet so lieu") is layout.by_id("figure_details")
    assert layout.sheet_kind("Báo cáo cơ sở") is layout.by_id("local_reports")
    assert layout.sheet_kind("Sheet1") is None
    reports = layout.by_id("reports")
    assert reports.column("Ngày ban hành") is reports.column("date")
    assert reports.column("NGAY BAN HANH") is reports.column("date")
    assert reports.column("colour") is None


def test_docs_describe_every_sheet_indicator_and_unit() -> None:
    text = DOCS.read_text("utf-8")
    for kind in layout.SHEETS:
        assert f"`{kind.id}`" in text and kind.vi in text, kind.id
        for column in kind.columns:
            assert f"`{column.id}`" in text, f"{kind.id}.{column.id}"
    catalogue = builtin()
    for indicator_id in catalogue:
        assert f"`{indicator_id}`" in text, indicator_id
    for unit_id in catalogue.units:
        assert f"`{unit_id}`" in text, unit_id
    for heading in (
        "## YAML",
        "## JSON",
        "## The workbook layout",
        "## A folder of CSV files",
        "## DataFrames",
        "## Declaring extra indicators",
        "## Province names",
    ):
        assert heading in text  # fmt: skip


def test_readme_and_the_help_of_render_batch_and_validate_point_to_the_docs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "(docs/data.md)" in (ROOT / "README.md").read_text("utf-8")
    for command in ("render", "batch", "validate", "new-workbook", "export"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "docs/data.md" in capsys.readouterr().out, command
