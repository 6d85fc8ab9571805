"""Golden model dumps: every built-in template × every seed record.

A change to a template or to the context shows up here as a readable diff.
After checking the diff, regenerate with:

    BRIEFGEN_UPDATE_GOLDEN=1 python -m pytest tests/template/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import briefgen
from briefgen.template.env import builtin_names

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
DATA = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
CASES = [
    (template, entry.unit.code, entry.record.year)
    for template in builtin_names()
    for entry in DATA.entries
]


@pytest.mark.parametrize(("template", "code", "year"), CASES)
def test_model_dump_matches_the_golden_file(template: str, code: str, year: int) -> None:
    brief = briefgen.build(DATA, province=code, year=year, template=template)
    path = GOLDEN / f"{brief.name}.txt"
    dump = brief.dump()
    if os.environ.get("BRIEFGEN_UPDATE_GOLDEN"):
        path.write_text(dump, "utf-8")
    assert path.is_file(), f"no golden file {path.name}: run with BRIEFGEN_UPDATE_GOLDEN=1"
    assert dump == path.read_text("utf-8")
