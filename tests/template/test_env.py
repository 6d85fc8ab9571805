"""Template folders, configuration, the sandbox and located template errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import briefgen
from briefgen.errors import TemplateError
from briefgen.template import env
from briefgen.template.env import builtin_names, load_template

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"

MINIMAL_CONFIG = "name: mine\nlanguage: vi\n"


@pytest.fixture(scope="module")
def dataset() -> briefgen.Dataset:
    return briefgen.load(SEEDS)


def _template(tmp_path: Path, body: str, config: str = MINIMAL_CONFIG) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "template.yaml").write_text(config, "utf-8")
    (folder / "brief.xml.j2").write_text(body, "utf-8")
    return folder


def test_official_is_a_builtin_template() -> None:
    assert "official" in builtin_names()
    assert load_template("official").language == "vi"


def test_user_template_extends_official_and_overrides_one_block(
    tmp_path: Path, dataset: briefgen.Dataset
) -> None:
    folder = _template(
        tmp_path,
        '{% extends "official/brief.xml.j2" %}\n'
        "{% block closing %}<p>Kết thúc riêng của tỉnh.</p>{% endblock %}\n",
        "name: mine\nlanguage: vi\nvalues:\n  motto_country: CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "  motto: Độc lập - Tự do - Hạnh phúc\n  default_recipients: [Lưu VT]\n",
    )
    brief = briefgen.build(dataset, province="Nam Định", year=2021, template=folder)
    dump = brief.dump()
    assert "Kết thúc riêng của tỉnh." in dump
    assert "Trên đây là báo cáo" not in dump
    assert "UBND TỈNH NAM ĐỊNH" in dump  # the letterhead block is inherited
    assert brief.to_bytes("pdf").startswith(b"%PDF")
    assert brief.to_bytes("docx").startswith(b"PK")


def test_undefined_name_names_template_line_and_lists_the_context(
    tmp_path: Path, dataset: briefgen.Dataset
) -> None:
    folder = _template(
        tmp_path, "<document>\n<p>{{ unit.name }}</p>\n<p>{{ provnce }}</p>\n</document>\n"
    )
    with pytest.raises(TemplateError) as caught:
        briefgen.build(dataset, province="Nam Định", year=2021, template=folder)
    error = caught.value
    assert error.where.file is not None and error.where.file.endswith("brief.xml.j2")
    assert error.where.row == 3
    assert "'provnce' is undefined" in str(error)
    assert "figures" in str(error) and "unit" in str(error)
    assert error.source_line == "<p>{{ provnce }}</p>"


def test_syntax_error_names_the_line(tmp_path: Path, dataset: briefgen.Dataset) -> None:
    folder = _template(tmp_path, "<document>\n{% if x %}\n<p>a</p>\n</document>\n")
    with pytest.raises(TemplateError, match=r"brief.xml.j2:\d+: template syntax error"):
        briefgen.build(dataset, province="Nam Định", year=2021, template=folder)


def test_unknown_tag_names_the_template_line(tmp_path: Path, dataset: briefgen.Dataset) -> None:
    folder = _template(tmp_path, "<document>\n\n<p>a</p>\n<parapraph>b</parapraph>\n</document>\n")
    with pytest.raises(TemplateError, match=r"brief.xml.j2:4: unknown tag <parapraph>"):
        briefgen.build(dataset, province="Nam Định", year=2021, template=folder)


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "unit.__class__.__init__.__globals__",
        "figures._figures",
        "record.__dict__",
        "cycler.__init__.__globals__",
        "lipsum.__globals__",
        "unit.slug.__class__.__base__.__subclasses__()",
    ],
)
def test_sandbox_blocks_private_attribute_access(
    tmp_path: Path, dataset: briefgen.Dataset, expression: str
) -> None:
    folder = _template(tmp_path, f"<document><p>{{{{ {expression} }}}}</p></document>")
    with pytest.raises(TemplateError, match=r"unsafe|undefined"):
        briefgen.build(dataset, province="Nam Định", year=2021, template=folder)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("name: x\nlanguge: vi\n", "unknown key 'languge'.*did you mean 'language'"),
        ("name: x\npage: {size: B7}\n", "unknown page size 'B7'"),
        ("name: x\npage: {margins_mm: {top: -3}}\n", "margin must be a number"),
        ("name: x\nlanguage: fr\n", "unsupported language 'fr'"),
        ("name: x\nentry: missing.xml.j2\n", "entry file 'missing.xml.j2' not found"),
        ("name: x\nstyle: {size_pt: big}\n", "'size_pt' must be a number from 6 to 36"),
        ("name: [x\n", "not valid YAML"),
    ],
)
def test_bad_template_yaml_is_a_located_error(tmp_path: Path, config: str, message: str) -> None:
    folder = _template(tmp_path, "<document/>", config)
    with pytest.raises(TemplateError, match=message) as caught:
        load_template(folder)
    assert "template.yaml" in str(caught.value)


def test_unknown_builtin_suggests_the_closest() -> None:
    with pytest.raises(TemplateError, match="did you mean 'official'"):
        load_template("oficial")


def test_extends_in_template_yaml_inherits_page_style_and_values(
    tmp_path: Path, dataset: briefgen.Dataset
) -> None:
    folder = _template(
        tmp_path,
        '{% extends "official/brief.xml.j2" %}\n'
        "{% block letterhead %}<letterhead><left><line>UBND TỈNH X</line></left>"
        "<right><line>{{ config.motto }}</line></right></letterhead>{% endblock %}\n",
        "name: province-x\nextends: official\nstyle: {size_pt: 13}\n",
    )
    template = load_template(folder)
    official = load_template("official")
    assert template.config.page == official.config.page
    assert template.config.style.size_pt == 13
    assert template.config.style.font == official.config.style.font
    assert template.config.values["motto"] == "Độc lập - Tự do - Hạnh phúc"
    dump = briefgen.build(dataset, province="Nam Định", year=2021, template=folder).dump()
    assert "right Độc lập - Tự do - Hạnh phúc" in dump
    assert "UBND TỈNH X" in dump and "SỞ THÔNG TIN" not in dump.split("title")[0]


def test_extends_naming_no_template_is_a_located_error(tmp_path: Path) -> None:
    folder = _template(tmp_path, "<document/>", "name: x\nextends: oficial\n")
    with pytest.raises(TemplateError, match="'extends: oficial' names no template"):
        load_template(folder)


# --------------------------------------------------------------------------- no entry of its own


def test_a_folder_with_only_template_yaml_renders_the_entry_of_the_template_it_extends(
    tmp_path: Path, dataset: briefgen.Dataset
) -> None:
    folder = tmp_path / "tinh-x"
    folder.mkdir()
    (folder / "template.yaml").write_text(
        "name: tinh-x\nextends: official\nstyle: {size_pt: 13}\n", "utf-8"
    )
    template = load_template(folder)
    assert template.config.entry == "brief.xml.j2"
    assert template.config.entry_folder == load_template("official").folder
    brief = briefgen.build(dataset, province="Nam Định", year=2021, template=folder)
    official = briefgen.build(dataset, province="Nam Định", year=2021)
    assert brief.name == "nam-dinh-2021-tinh-x"
    assert brief.style.size_pt == 13 and official.style.size_pt == 14
    assert brief.blocks == official.blocks  # the official entry, rendered with its settings


def test_an_inherited_entry_finds_the_files_of_the_template_it_comes_from(
    tmp_path: Path, dataset: briefgen.Dataset
) -> None:
    """A chain of user templates: the grandchild (template.yaml only) renders its parent's
    entry, which includes a file of that parent's folder; a file of the grandchild's own
    folder of the same name wins, as it would for any template file it extends."""
    parent = tmp_path / "parent"
    parent.mkdir()
    (parent / "template.yaml").write_text("name: parent\nextends: official\n", "utf-8")
    (parent / "brief.xml.j2").write_text(
        '{% extends "official/brief.xml.j2" %}\n'
        '{% block closing %}{% include "part.xml.j2" %}{{ super() }}{% endblock %}\n',
        "utf-8",
    )
    (parent / "part.xml.j2").write_text("<p>Phần của mẫu cha.</p>\n", "utf-8")
    child = tmp_path / "child"
    child.mkdir()
    (child / "template.yaml").write_text("name: child\nextends: ../parent\n", "utf-8")
    grandchild = tmp_path / "grandchild"
    grandchild.mkdir()
    (grandchild / "template.yaml").write_text("name: grandchild\nextends: ../child\n", "utf-8")
    dump = briefgen.build(dataset, "Nam Định", 2021, template=grandchild).dump()
    assert "Phần của mẫu cha." in dump
    (grandchild / "part.xml.j2").write_text("<p>Phần của mẫu cháu.</p>\n", "utf-8")
    env._load.cache_clear()  # templates are cached per process: read the folder again
    dump = briefgen.build(dataset, "Nam Định", 2021, template=grandchild).dump()
    assert "Phần của mẫu cháu." in dump and "Phần của mẫu cha." not in dump


def test_a_folder_without_an_entry_that_extends_nothing_says_what_to_add(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "template.yaml").write_text("name: empty\n", "utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(folder)
    assert "entry file 'brief.xml.j2' not found" in str(caught.value)
    assert "add brief.xml.j2, or extend a template (extends: official)" in str(caught.value)
    # A child that names its own entry must have it: nothing is inherited then.
    (folder / "template.yaml").write_text("name: empty\nextends: official\nentry: x.j2\n", "utf-8")
    with pytest.raises(TemplateError, match=r"entry file 'x\.j2' not found"):
        load_template(folder)
