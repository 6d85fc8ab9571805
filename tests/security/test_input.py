"""Hostile data and templates: refused in one located line, cheaply, leaving nothing behind.

One case (or a few) per class of issue 14, each run as the real command in a
child process limited to 300 MB of address space and 10 s of CPU
(``conftest.run_limited``).  Workbook bombs are in tests/data; layout of
overlong text in the writers' tests; killed batches in ``test_processes.py``;
output names and links in ``test_output.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import write_template

Briefgen = Callable[..., Any]
"""The ``briefgen`` fixture of tests/security/conftest.py: a limited run of the command."""

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
RENDER = ("render", SEEDS, "--province", "Nam Định", "--year", "2021")

LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
"""
"""Anchors that expand to 9**5 strings; used nine times, to 3.5 million characters."""

BOMB = "[*e,*e,*e,*e,*e,*e,*e,*e,*e]"


def _record(**fields: object) -> dict[str, object]:
    return {"province": "Nam Định", "year": 2021, **fields}


def _yaml(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"records": records}, allow_unicode=True), "utf-8")
    return path


# --------------------------------------------------------------------------- 1. alias bombs


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"{LAUGHS}records:\n  - province: {BOMB}\n    year: 2021\n", 7),
        (
            f"{LAUGHS}indicators:\n  x: {{vi: x, en: {BOMB}, kind: count, unit: don_vi}}\n"
            "records:\n  - {province: Nam Định, year: 2021}\n",
            7,
        ),
        ("records:\n  - {province: Nam Định, year: 2021, highlights: &h [a, *h]}\n", 2),
    ],
    ids=["province-name", "indicator-label", "alias-inside-itself"],
)
@pytest.mark.parametrize("command", ["validate", "render"])
def test_a_yaml_alias_bomb_is_refused_at_its_line(
    work: Path, briefgen: Briefgen, text: str, line: int, command: str
) -> None:
    data = work / "laughs.yaml"
    data.write_text(text, "utf-8")
    if command == "render":
        run = briefgen("render", data, *RENDER[2:], "--out", work / "out")
        said = run.message
    else:
        run = briefgen("validate", data)
        said = run.out
    assert run.code == 2
    assert f"laughs.yaml:{line}: " in said
    assert "aliases (*name) expand the data beyond 1,000,000" in said or "inside" in said
    assert run.peak_mb < 300
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('"x" * 100000000', "repeating a value to 100,000,000 items or characters"),
        ("[0] * 10 ** 9", "repeating a value to 1,000,000,000 items"),
        ("2 ** 100000", "a power of more than 1000 digits"),
    ],
)
def test_a_template_expression_that_would_take_the_machine_is_blocked(
    work: Path, briefgen: Briefgen, expression: str, message: str
) -> None:
    folder = write_template(
        work / "greedy", f"<document>\n<p>{{{{ {expression} }}}}</p>\n</document>\n"
    )
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert f"greedy/brief.xml.j2:2: unsafe operation blocked by the sandbox: {message}" in (
        run.message
    )
    assert run.peak_mb < 300


def test_loops_over_range_nested_in_each_other_are_stopped(work: Path, briefgen: Briefgen) -> None:
    """Each range() is bounded (100,000) but not their product: 10^10 empty loop turns
    would take hours of CPU with no output to bound."""
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    folder = write_template(work / "greedy", f"<document>\n<p>a</p>\n{loops}\n</document>\n")
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert (
        "greedy/brief.xml.j2:3: unsafe operation blocked by the sandbox: the template's "
        "range() loops count past 250,000 numbers in one rendering"
    ) in run.message
    assert not (work / "out").exists() or not list((work / "out").iterdir())


def test_the_range_budget_is_per_rendering(work: Path, briefgen: Briefgen) -> None:
    # 200,000 numbers a brief: within the budget each time, for every brief of a batch.
    loops = "{% for i in range(100000) %}{% endfor %}{% for i in range(100000) %}{% endfor %}"
    folder = write_template(work / "busy", f"<document>\n<p>a</p>\n{loops}\n</document>\n")
    run = briefgen("batch", ROOT / "fixtures" / "seed-reports.yaml", "--year", "2020",
                   "--template", folder, "--workers", "1", "--out", work / "out")  # fmt: skip
    assert run.code == 0, run.message
    assert len(list((work / "out").glob("*.pdf"))) == 2


# --------------------------------------------------------------------------- 3. tracebacks


def test_json_nested_100000_deep_is_a_located_error(work: Path, briefgen: Briefgen) -> None:
    data = work / "deep.json"
    data.write_text('{"records": [\n' + "[" * 100_000 + "]" * 100_000 + "]}", "utf-8")
    run = briefgen("render", data, *RENDER[2:], "--out", work / "out")
    assert run.code == 2
    assert "deep.json:2: data nested more than 20 levels deep" in run.message


def test_yaml_nested_5000_deep_is_a_located_error(work: Path, briefgen: Briefgen) -> None:
    data = work / "deep.yaml"
    data.write_text("records:\n  - province: " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    run = briefgen("validate", data)
    assert run.code == 2
    assert "deep.yaml:2: error: data nested more than 20 levels deep" in run.out


@pytest.mark.parametrize("field", ["value", "yoy_pct", "plan"], ids=["value", "growth", "plan"])
def test_a_number_longer_than_python_converts_is_a_located_error(
    work: Path, briefgen: Briefgen, field: str
) -> None:
    data = work / "long.json"
    digits = "9" * 5000
    data.write_text(
        '{"records": [{"province": "Nam Định", "year": 2021, "observations": '
        f'{{"postal_revenue": {{"{field}": {digits}}}}}}}]}}',
        "utf-8",
    )
    run = briefgen("render", data, *RENDER[2:], "--out", work / "out")
    assert run.code == 2
    assert f"field 'observations.postal_revenue.{field}'" in run.message
    assert "finite number" in run.message and len(run.message) < 400


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("size_pt: 100000", "'size_pt' must be a number from 6 to 36 points, not 100000"),
        ("heading_size_pt: -13", "'heading_size_pt' must be a number from 6 to 48"),
        ("line_spacing: .inf", "'line_spacing' must be a number from 0.8 to 3"),
        ("first_line_indent_mm: .nan", "'first_line_indent_mm' must be a number from 0 to 50"),
        ("space_after_pt: 1e400", "'space_after_pt' must be a number from 0 to 72"),
        ("table_size_pt: yes", "'table_size_pt' must be a number from 6 to 24"),
        # 4. zero is not positive
        ("size_pt: 0", "'size_pt' must be a number from 6 to 36 points, not 0"),
        ("line_spacing: 0", "'line_spacing' must be a number from 0.8 to 3"),
        ("table_size_pt: 0.0", "'table_size_pt' must be a number from 6 to 24"),
    ],
)
def test_a_style_setting_out_of_range_names_the_template_line(
    work: Path, briefgen: Briefgen, setting: str, message: str
) -> None:
    folder = write_template(
        work / "mine",
        '{% extends "official/brief.xml.j2" %}\n',
        f"extends: official\n# our house style\nstyle:\n  font: Times New Roman\n  {setting}\n",
    )
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    key = setting.split(":")[0]
    assert f"mine/template.yaml:6, field 'style.{key}': {message}" in run.message
    assert not (work / "out").exists()


def test_a_setting_inherited_from_a_parent_template_names_the_parents_line(
    work: Path, briefgen: Briefgen
) -> None:
    write_template(work / "parent", '{% extends "official/brief.xml.j2" %}\n',
                   "extends: official\npage:\n  margins_mm: {top: 90}\n")  # fmt: skip
    child = write_template(work / "child", '{% extends "official/brief.xml.j2" %}\n',
                           "extends: ../parent\n")  # fmt: skip
    run = briefgen(*RENDER, "--template", child, "--out", work / "out")
    assert run.code == 2
    assert "parent/template.yaml:4, field 'page.margins_mm.top'" in run.message


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("{size: A5, orientation: landscape, margins_mm: {top: 70, bottom: 70}}", "text height"),
        ("{size: A5, margins_mm: {left: 60, right: 60}}", "less than 50 mm of text width"),
        ("{margins_mm: {top: .nan}}", "margin must be a number of mm from 0 to 80, not nan"),
    ],
)
def test_margins_that_leave_no_page_name_the_template_line(
    work: Path, briefgen: Briefgen, page: str, message: str
) -> None:
    folder = write_template(
        work / "page",
        '{% extends "official/brief.xml.j2" %}\n',
        f"extends: official\npage: {page}\n",
    )
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert "page/template.yaml:3, field 'page.margins_mm" in run.message and message in run.message


CHART = (
    "<document>\n<p>Biểu đồ</p>\n"
    '<chart kind="bar" title="Doanh thu" width="{width}" height="{height}">\n'
    "  <x>2020</x><x>2021</x>\n"
    '  <series label="Doanh thu"><v>120</v><v>130</v></series>\n'
    "</chart>\n</document>\n"
)


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        ("nan", "70", "attribute 'width' of <chart> must be a finite number, not 'nan'"),
        ("inf", "70", "attribute 'width' of <chart> must be a finite number, not 'inf'"),
        ("-50", "70", "attribute 'width' of <chart> must be from 20 to 420 mm, not '-50'"),
        ("100000", "70", "attribute 'width' of <chart> must be from 20 to 420 mm"),
        ("150", "1e9", "attribute 'height' of <chart> must be from 20 to 420 mm"),
        # 4. a chart of 0 x 0 is not drawn either
        ("0", "0", "attribute 'width' of <chart> must be from 20 to 420 mm, not '0'"),
    ],
)
def test_a_chart_of_impossible_size_names_the_template_line(
    work: Path, briefgen: Briefgen, width: str, height: str, message: str
) -> None:
    folder = write_template(work / "chart", CHART.format(width=width, height=height))
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert f"chart/brief.xml.j2:3: {message}" in run.message
    assert '<chart kind="bar"' in run.message  # the template line, quoted after ' | '
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ('<table><tr><td colspan="1e9">x</td></tr></table>', "'colspan' of <td> must be from 1"),
        ('<table><tr><td rowspan="nan">x</td></tr></table>', "'rowspan' of <td> must be a finite"),
        ('<table><tr><td colspan="1.5">x</td></tr></table>', "'colspan' of <td> must be a whole"),
        ('<table widths="1,nan"><tr><td>a</td><td>b</td></tr></table>', "widths must be numbers"),
        ('<tiles columns="inf"><tile><value>1</value></tile></tiles>', "'columns' of <tiles>"),
        (
            '<letterhead><left><line size="100000">X</line></left><right/></letterhead>',
            "'size' of <line> must be from 6 to 36 pt",
        ),
    ],
)
def test_other_attributes_out_of_range_name_the_template_line(
    work: Path, briefgen: Briefgen, markup: str, message: str
) -> None:
    folder = write_template(work / "attrs", f"<document>\n{markup}\n</document>\n")
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert "attrs/brief.xml.j2:2: " in run.message and message in run.message


def test_a_name_pattern_with_a_huge_format_width_is_refused(
    work: Path, briefgen: Briefgen, left_in: Callable[[Path], set[str]]
) -> None:
    run = briefgen(
        "batch", SEEDS, "--year", "2021", "--out", work / "out",
        "--pattern", "{code:>100000000000}.{ext}",
    )  # fmt: skip
    assert run.code == 2
    assert "format '{code:>100000000000}' is too wide" in run.message
    assert left_in(work / "out") == set()


def test_new_template_into_a_path_that_is_a_file_is_refused(work: Path, briefgen: Briefgen) -> None:
    (work / "notes.txt").write_text("mine", "utf-8")
    for into, said in [
        ("notes.txt", "notes.txt' is a file, not a folder"),
        ("notes.txt/deeper", "notes.txt/deeper/tinh-x: cannot create the folder: Not a directory"),
    ]:
        run = briefgen("new-template", "tinh-x", "--dir", work / into)
        assert run.code == 2
        assert said in run.message
    assert (work / "notes.txt").read_text("utf-8") == "mine"
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt"]


def test_template_files_that_are_not_utf8_are_named(work: Path, briefgen: Briefgen) -> None:
    folder = write_template(work / "latin1", "")
    (folder / "brief.xml.j2").write_bytes("<document><p>Hà Nam</p></document>".encode("cp1258"))
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert "latin1/brief.xml.j2: not UTF-8 text (byte" in run.message
    (folder / "brief.xml.j2").write_text("<document><p>Hà Nội</p></document>", "utf-8")
    (folder / "notes.j2").write_bytes(b"\xff\xfe")  # a stray file nobody includes
    assert briefgen(*RENDER, "--template", folder, "--out", work / "out").code == 0


# --------------------------------------------------------------------------- 5. characters


@pytest.mark.parametrize(
    ("char", "named"),
    [
        ("\x01", "U+0001 (a control character)"),
        ("\x1b", "U+001B (a control character)"),
        ("\x00", "U+0000 (a control character)"),
        ("\x85", "U+0085 (a control character)"),
        ("\ufffe", "U+FFFE (a noncharacter)"),
        ("\uffff", "U+FFFF (a noncharacter)"),
        ("\ud800", "U+D800 (half of a surrogate pair)"),
    ],
)
def test_text_a_document_cannot_hold_is_refused_alike_by_validate_and_render(
    work: Path, briefgen: Briefgen, char: str, named: str
) -> None:
    data = work / "records.json"
    record = _record(
        highlights=["Mạng 5G phủ sóng", f"Chuyển đổi{char} số"],
        observations={"postal_revenue": {"value": 130}},
    )
    data.write_text(json.dumps({"records": [record]}), "utf-8")  # JSON escapes every one
    checked = briefgen("validate", data)
    rendered = briefgen("render", data, *RENDER[2:], "--out", work / "out")
    assert checked.code == rendered.code == 2
    where = "records.json, record 1, field 'highlights.2': "  # the second
    what = f"text holds {named} at character 11, which a document cannot hold"
    assert f"{where}error: {what}" in checked.out
    assert f"{where}{what}" in rendered.message
    assert "1 error(s)" in checked.err
    assert not (work / "out").exists()


def test_a_control_character_in_a_yaml_file_names_its_line(work: Path, briefgen: Briefgen) -> None:
    data = work / "records.yaml"
    data.write_text(
        "records:\n  - province: Nam Định\n    year: 2021\n    observations:\n"
        '      postal_revenue: {value: 130, note: "theo\\x1bbáo cáo"}\n',
        "utf-8",
    )
    run = briefgen("render", data, *RENDER[2:], "--out", work / "out")
    assert run.code == 2
    assert "records.yaml:5, record 1, field 'observations.postal_revenue.note'" in run.message


# --------------------------------------------------------------------------- weak answers


def test_a_template_file_asked_for_by_absolute_path_is_outside_the_folder(
    work: Path, briefgen: Briefgen
) -> None:
    folder = write_template(
        work / "abs", '<document>\n<p>x</p>\n{% include "/etc/passwd" %}\n</document>\n'
    )
    run = briefgen(*RENDER, "--template", folder, "--out", work / "out")
    assert run.code == 2
    assert "abs/brief.xml.j2:3: template file '/etc/passwd' is outside the template folder" in (
        run.message
    )
    assert "root:" not in run.message


def test_a_reference_docx_that_is_not_word_fails_before_any_file_is_written(
    work: Path, briefgen: Briefgen, left_in: Callable[[Path], set[str]]
) -> None:
    folder = write_template(work / "branded", '{% extends "official/brief.xml.j2" %}\n')
    (folder / "reference.docx").write_bytes(b"%PDF-1.7 not a Word document")
    out = work / "out"
    run = briefgen(*RENDER, "--template", folder, "--out", out)
    assert run.code == 2
    assert "branded/reference.docx: reference.docx is not a Word document" in run.message
    assert not out.exists() or left_in(out) == set()


def test_a_field_given_twice_in_a_yaml_record_names_both_lines(
    work: Path, briefgen: Briefgen
) -> None:
    data = work / "twice.yaml"
    data.write_text(
        "records:\n  - province: Nam Định\n    year: 2021\n    highlights: [a]\n    year: 2022\n",
        "utf-8",
    )
    run = briefgen("render", data, *RENDER[2:], "--out", work / "out")
    assert run.code == 2
    assert "twice.yaml:5: 'year' is given twice in one mapping, on lines 3 and 5" in run.message


def test_a_key_given_twice_in_json_is_refused(work: Path, briefgen: Briefgen) -> None:
    data = work / "twice.json"
    data.write_text('[{"province": "Nam Định", "year": 2021, "year": 2022}]', "utf-8")
    run = briefgen("validate", data)
    assert run.code == 2
    assert "'year' is given twice in one object" in run.out
