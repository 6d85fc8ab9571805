"""Template folders, the sandboxed Jinja2 environment, and rendering to the model.

A template is a folder holding ``template.yaml`` (name, language, page setup,
typography) and an entry file (``brief.xml.j2`` by default).  Built-in
templates live in the package (``briefgen/_templates`` in a wheel, the
repository's ``templates/`` in a checkout) and can be extended from any user
folder with ``{% extends "official/brief.xml.j2" %}``.

Jinja runs in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
``StrictUndefined`` and autoescape on: text from records can never inject
markup, and a missing name is an error naming the template line.
"""

from __future__ import annotations

import contextvars
import difflib
import io
import math
import os
import re
import shutil
import traceback
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any
from xml.parsers import expat

import jinja2
import yaml
from jinja2 import sandbox
from markupsafe import Markup, escape

from briefgen import model as m
from briefgen import text as fmt
from briefgen.data import safe_yaml
from briefgen.errors import Location, TemplateError
from briefgen.template import markup, settings
from briefgen.template.names import letterhead_lines

ENTRY = "brief.xml.j2"
CONFIG = "template.yaml"
PAGE_SIZES_MM: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "A3": (297.0, 420.0),
    "Letter": (215.9, 279.4),
}


def builtin_root() -> Path:
    """The folder holding the built-in templates (installed wheel or source checkout)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_templates"
    if installed.is_dir():
        return installed
    checkout = package.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise TemplateError(
        "the built-in templates are missing from this installation",
        Location(file=str(installed)),
        "reinstall briefgen",
    )


def builtin_names() -> tuple[str, ...]:
    """Names of the built-in templates."""
    root = builtin_root()
    return tuple(sorted(p.name for p in root.iterdir() if (p / CONFIG).is_file()))


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    """A validated ``template.yaml``."""

    name: str
    description: str
    language: str
    entry: str
    page: m.PageSetup
    style: m.TextStyle
    extends: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    report: settings.ReportSettings = field(default_factory=settings.ReportSettings)
    """The ``report:`` section: document facts a record's ``report:`` may override."""
    logo: settings.Logo | None = None
    """The ``logo:`` setting: the picture ``<logo/>`` places (``None`` for none)."""
    archival: str | None = None
    """PDF/A level of this template's PDFs ("2b", "1b"; ``None``: plain PDF)."""
    entry_folder: Path | None = None
    """The folder of the template whose entry file this one renders, when it has none
    of its own and inherits it along ``extends`` (``None``: its own folder's)."""


_CONFIG_KEYS = {
    "name",
    "description",
    "language",
    "entry",
    "page",
    "style",
    "values",
    "extends",
    "report",
    "logo",
    "archival",
}
_ARCHIVAL_LEVELS = {"2b": "2b", "1b": "1b", "a-2b": "2b", "a-1b": "1b"}
"""Values of ``archival:`` in template.yaml (``false`` or ``none`` for plain PDF)."""
_PAGE_KEYS = {"size", "orientation", "margins_mm", "number_pages", "number_first_page"}
_MARGIN_KEYS = {"top", "bottom", "left", "right"}
_STYLE_KEYS = {
    "font",
    "size_pt",
    "line_spacing",
    "first_line_indent_mm",
    "space_after_pt",
    "align",
    "heading_size_pt",
    "table_size_pt",
}


def _read_config(folder: Path) -> dict[str, Any]:
    path = folder / CONFIG
    file = str(path)
    if not path.is_file():
        raise TemplateError(
            f"no {CONFIG} in the template folder",
            Location(file=str(folder)),
            f"a template folder needs {CONFIG} and {ENTRY}",
        )
    raw = safe_yaml.parse(_read_text(path), file, TemplateError)[1] or {}
    if not isinstance(raw, dict):
        raise TemplateError("template.yaml must be a mapping", Location(file=file))
    return raw


def _merged(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """``child`` over ``parent``, mappings merged key by key (page, margins, style, values)."""
    out = dict(parent)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _parent_folder(folder: Path, extends: Any, file: str) -> Path:
    """The folder ``extends:`` names: a built-in template or a path relative to ``folder``."""
    name = str(extends)
    builtin = builtin_root() / name
    if (builtin / CONFIG).is_file():
        return builtin
    relative = (folder / name).resolve()
    if (relative / CONFIG).is_file():
        return relative
    raise TemplateError(
        f"'extends: {name}' names no template",
        Location(file=file, field="extends"),
        f"use a built-in name ({', '.join(builtin_names())}) or a folder path",
    )


def _resolved_config(folder: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """``template.yaml`` merged over the configuration of the template it extends."""
    file = str(folder / CONFIG)
    raw = settings.legacy_recipients(_read_config(folder))
    extends = raw.get("extends")
    if extends is None:
        return raw
    parent_folder = _parent_folder(folder, extends, file)
    if parent_folder in (*seen, folder):
        raise TemplateError(
            "templates extend each other in a loop", Location(file=file, field="extends")
        )
    parent = _resolved_config(parent_folder, (*seen, folder))
    inherited = {k: v for k, v in parent.items() if k not in ("name", "description", "entry")}
    return _merged(inherited, raw)


MIN_TEXT_MM = (50.0, 80.0)
"""Least text width and height (mm) the page size and margins must leave."""

STYLE_RANGES: dict[str, tuple[float, float, str]] = {
    "size_pt": (6.0, 36.0, "points"),
    "heading_size_pt": (6.0, 48.0, "points"),
    "table_size_pt": (6.0, 24.0, "points"),
    "line_spacing": (0.8, 3.0, "times single spacing"),
    "first_line_indent_mm": (0.0, 50.0, "mm"),
    "space_after_pt": (0.0, 72.0, "points"),
}
"""Numeric style settings: (lowest, highest, unit).  Sizes and spacing start above
zero: a font size or line spacing of 0 prints nothing or overprints.  The highest
sizes leave a table row and a heading room on any page (Decree 30 asks 13-14 pt)."""


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (not a bool, NaN or infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def _shown(value: Any) -> str:
    """``value`` for a message, cut short (a setting may be a huge number or text)."""
    try:
        text = repr(value)
    except ValueError:  # an integer of more digits than Python converts
        return "a very long number"
    return text if len(text) <= 40 else f"{text[:39]}…"


def _style_problem(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be style setting ``key``, or ``None`` when it can."""
    low, high, unit = STYLE_RANGES.get(key, (0.0, 1000.0, ""))
    number = _finite(value)
    if number is not None and low <= number <= high:
        return None
    return f"'{key}' must be a number from {low:g} to {high:g} {unit}, not {_shown(value)}".replace(
        "  ", " "
    )


def _setting_location(folder: Path, key: str) -> Location:
    """Where setting ``key`` ("style.size_pt") is written: the template.yaml that sets
    it (this folder's, else along its ``extends`` chain) and its line."""
    seen: set[Path] = set()
    current: Path | None = folder
    while current is not None and current not in seen:
        seen.add(current)
        path = current / CONFIG
        try:
            node, raw = safe_yaml.parse(_read_text(path), str(path), TemplateError)
        except TemplateError:
            break
        line = _key_line(node, key.split("."))
        if line is not None:
            return Location(file=str(path), row=line, field=key)
        extends = raw.get("extends") if isinstance(raw, dict) else None
        try:
            current = _parent_folder(current, extends, str(path)) if extends else None
        except TemplateError:
            break
    return Location(file=str(folder / CONFIG), field=key)


def _key_line(node: yaml.Node | None, keys: Sequence[str]) -> int | None:
    """The line of the mapping key at ``keys`` in a YAML node tree, or ``None``."""
    line = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        for key_node, value_node in node.value:
            if str(key_node.value) == key:
                line, node = key_node.start_mark.line + 1, value_node
                break
        else:
            return None
    return line


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise TemplateError(
            f"not UTF-8 text (byte {error.start})", Location(file=str(path)), "save it as UTF-8"
        ) from None
    except OSError as error:
        raise TemplateError(f"cannot read: {error.strerror}", Location(file=str(path))) from None


def _inside_folder(name: str) -> bool:
    """True when template file ``name`` is a relative path that stays in its folder."""
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts)


_Fail = Callable[..., TemplateError]
"""Makes the error for a setting: (message, key such as "page.size", hint or ``None``)."""


def _config(folder: Path) -> Config:
    """The validated configuration of the template in ``folder``, merged along ``extends``."""
    raw = _resolved_config(folder)
    fail: _Fail = partial(_setting_error, folder)
    _check_keys(raw, _CONFIG_KEYS, "", fail)
    language = str(raw.get("language", "vi"))
    if language not in ("vi", "en"):
        raise fail(f"unsupported language '{language}'", "language", "use vi or en")
    page = _page_setup(raw, fail)
    style = _text_style(raw, fail)
    entry, entry_folder = _entry_file(folder, raw, fail)
    values = raw.get("values") or {}
    if not isinstance(values, dict):
        raise fail("'values' must be a mapping", "values")
    archival = _archival(raw.get("archival"), fail)
    return Config(
        name=str(raw.get("name", folder.name)),
        description=str(raw.get("description", "")),
        language=language,
        entry=entry,
        page=page,
        style=style,
        extends=raw.get("extends"),
        values=values,
        report=_report_settings(folder, raw.get("report")),
        logo=settings.logo_setting(_config_chain(folder)),
        archival=archival,
        entry_folder=entry_folder,
    )


def _setting_error(folder: Path, message: str, key: str, hint: str | None = None) -> TemplateError:
    """The error for setting ``key`` of the template in ``folder``, at the line that sets it."""
    return TemplateError(message, _setting_location(folder, key), hint)


def _check_keys(section: Mapping[str, Any], allowed: set[str], prefix: str, fail: _Fail) -> None:
    """Refuse a key of ``section`` not in ``allowed``, suggesting the closest one."""
    for key in section:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else (f"allowed: {', '.join(sorted(allowed))}")
            )
            raise fail(f"unknown key '{key}'", f"{prefix}{key}", hint)


def _page_setup(raw: Mapping[str, Any], fail: _Fail) -> m.PageSetup:
    """The ``page:`` section: size, orientation, margins, page numbers."""
    page_raw = raw.get("page") or {}
    if not isinstance(page_raw, dict):
        raise fail("'page' must be a mapping", "page")
    _check_keys(page_raw, _PAGE_KEYS, "page.", fail)
    size_name = str(page_raw.get("size", "A4"))
    if size_name not in PAGE_SIZES_MM:
        raise fail(
            f"unknown page size '{size_name}'",
            "page.size",
            f"use one of: {', '.join(PAGE_SIZES_MM)}",
        )
    orientation = page_raw.get("orientation", "portrait")
    if orientation not in ("portrait", "landscape"):
        raise fail(
            f"orientation must be portrait or landscape, not '{orientation}'", "page.orientation"
        )
    page = m.PageSetup(
        size_mm=PAGE_SIZES_MM[size_name],
        margins=m.Margins(**_margins(page_raw, fail)),
        landscape=orientation == "landscape",
        number_pages=bool(page_raw.get("number_pages", True)),
        number_first_page=bool(page_raw.get("number_first_page", False)),
    )
    if page.text_width_mm < MIN_TEXT_MM[0]:
        raise fail(
            f"margins leave less than {MIN_TEXT_MM[0]:g} mm of text width", "page.margins_mm"
        )
    if page.height_mm - page.margins.top - page.margins.bottom < MIN_TEXT_MM[1]:
        raise fail(
            f"margins leave less than {MIN_TEXT_MM[1]:g} mm of text height",
            "page.margins_mm",
            "a letterhead, a table row or a chart must fit on a page",
        )
    return page


def _margins(page_raw: Mapping[str, Any], fail: _Fail) -> dict[str, float]:
    """The ``page.margins_mm`` section over the Decree 30 defaults, in mm."""
    margins_raw = page_raw.get("margins_mm") or {}
    if not isinstance(margins_raw, dict):
        raise fail("'page.margins_mm' must be a mapping", "page.margins_mm")
    _check_keys(margins_raw, _MARGIN_KEYS, "page.margins_mm.", fail)
    margins = {"top": 20.0, "bottom": 20.0, "left": 30.0, "right": 15.0}
    for key, value in margins_raw.items():
        margin = _finite(value)
        if margin is None or not 0 <= margin <= 80:
            raise fail(
                f"margin must be a number of mm from 0 to 80, not {_shown(value)}",
                f"page.margins_mm.{key}",
            )
        margins[key] = margin
    return margins


def _text_style(raw: Mapping[str, Any], fail: _Fail) -> m.TextStyle:
    """The ``style:`` section over the model's default typography."""
    style_raw = raw.get("style") or {}
    if not isinstance(style_raw, dict):
        raise fail("'style' must be a mapping", "style")
    _check_keys(style_raw, _STYLE_KEYS, "style.", fail)
    defaults = m.TextStyle()
    style_values: dict[str, Any] = {}
    for key, value in style_raw.items():
        if key in ("font", "align"):
            style_values[key] = str(value)
        else:
            problem = _style_problem(key, value)
            if problem is not None:
                raise fail(problem, f"style.{key}")
            style_values[key] = float(value)
    if style_values.get("align", defaults.align) not in ("left", "center", "right", "justify"):
        raise fail("style.align must be left, center, right or justify", "style.align")
    return m.TextStyle(**{**defaults.__dict__, **style_values})


def _archival(archival_raw: Any, fail: _Fail) -> str | None:
    """The ``archival:`` setting as a PDF/A level ("2b", "1b"), ``None`` for plain PDF."""
    if archival_raw in (None, False) or str(archival_raw).lower() == "none":
        return None
    archival = _ARCHIVAL_LEVELS.get(str(archival_raw).lower().removeprefix("pdf/"))
    if archival is None:
        raise fail(
            f"unknown archival level '{archival_raw}'",
            "archival",
            "use 2b (PDF/A-2b), 1b (PDF/A-1b) or none",
        )
    return archival


def _entry_file(
    folder: Path, raw: Mapping[str, Any], fail: Callable[..., TemplateError]
) -> tuple[str, Path | None]:
    """The entry file's name, and the folder it is inherited from (``None``: its own).

    A template that sets no ``entry`` and has no ``brief.xml.j2`` renders the
    entry file of the template it extends: a folder holding only a
    ``template.yaml`` (``extends: official`` and some settings) is a template.
    ``raw`` is the merged configuration, whose ``entry`` is this folder's own.
    """
    own = raw.get("entry")
    entry = str(ENTRY if own is None else own)
    if not _inside_folder(entry):
        raise fail(
            f"entry file '{entry}' is outside the template folder",
            "entry",
            "name a file in the template folder, e.g. brief.xml.j2",
        )
    if (folder / entry).is_file():
        return entry, None
    extends = raw.get("extends")
    if own is None and extends is not None:
        parent_folder = _parent_folder(folder, extends, str(folder / CONFIG))
        parent = _load(parent_folder, parent_folder.parent == builtin_root()).config
        return parent.entry, parent.entry_folder or parent_folder
    hint = None if extends is not None else f"add {entry}, or extend a template (extends: official)"
    raise fail(f"entry file '{entry}' not found in {folder}", "entry", hint)


def _report_settings(folder: Path, raw: Any) -> settings.ReportSettings:
    """The ``report:`` section, a mistake named in the template.yaml that sets it."""
    if not raw:
        return settings.report_settings(raw, str(folder / CONFIG))
    where = _setting_location(folder, "report")
    return settings.report_settings(raw, where.file or str(folder / CONFIG))


def _config_chain(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(folder, its own template.yaml) for ``folder`` and every template it extends,
    nearest first: for settings that are read relative to the file that sets them."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    current: Path | None = folder
    while current is not None and current not in (f for f, _ in chain):
        raw = _read_config(current)
        chain.append((current, raw))
        extends = raw.get("extends")
        current = _parent_folder(current, extends, str(current / CONFIG)) if extends else None
    return chain


# --------------------------------------------------------------------------- environment


def _filters(lang: str) -> dict[str, Callable[..., Any]]:
    def number(value: float | None, decimals: int | None = None) -> str:
        return "" if value is None else fmt.number(value, lang, decimals)

    def percent(value: float | None, decimals: int | None = None) -> str:
        return "" if value is None else fmt.percent(value, lang, decimals)

    def money(value: float | None, unit: str = "ty_dong") -> str:
        return "" if value is None else fmt.money(value, unit, lang)

    def compact(value: float | None) -> str:
        return "" if value is None else fmt.compact(value, lang)

    def rank(position: int | None, of: int | None = None) -> str:
        return "" if position is None else fmt.rank(position, of, lang)

    def date_(value: Any) -> str:
        return "" if value is None else fmt.long_date(value, lang)

    def growth(value: float | None) -> str:
        return "" if value is None else fmt.growth_phrase(value, lang)

    def two_lines(value: str, limit: int = 24) -> Markup:
        """Break a letterhead line longer than ``limit`` characters where a clerk breaks
        a body's name, never inside a place name (:func:`names.letterhead_lines`)."""
        return Markup("<br/>").join(escape(line) for line in letterhead_lines(str(value), limit))

    return {
        "two_lines": two_lines,
        "number": number,
        "percent": percent,
        "money": money,
        "compact": compact,
        "rank": rank,
        "date": date_,
        "decree_date": fmt.decree_date,
        "numeric_date": lambda value: fmt.numeric_date(value, lang),
        "growth": growth,
        "upper": fmt.upper,
        "lower_first": fmt.lower_first,
        "roman": fmt.roman,
        "nfc": fmt.nfc,
    }


@dataclass(frozen=True)
class Template:
    """A loaded template: its folder, configuration and Jinja environment."""

    folder: Path
    config: Config
    env: sandbox.SandboxedEnvironment
    builtin: bool
    reference_docx: bytes | None = field(default=None, repr=False)
    """``reference.docx`` of the folder or of the template it extends (``None`` if none)."""

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def language(self) -> str:
        return self.config.language

    def render_xml(self, context: Mapping[str, Any], file: str | None = None) -> str:
        """Render the entry template (or ``file``, a name this template's loader finds,
        see :meth:`find_file`) to text; errors name template and line."""
        budget = _range_steps.set([MAX_RANGE_STEPS])
        try:
            template = self.env.get_template(file or self._entry_name)
            return template.render(
                **context, **{"config": self.config.values, "logo": self.config.logo}
            )
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"template syntax error: {error.message}",
                Location(file=error.filename or error.name, row=error.lineno),
                source_line=_line_of(error.source, error.lineno),
            ) from None
        except jinja2.TemplateNotFound as error:
            raise self._not_found(error) from None
        except jinja2.UndefinedError as error:
            file, line = _template_frame(error)
            names = sorted(k for k in context if not k.startswith("_"))
            raise TemplateError(
                f"undefined: {error.message}",
                Location(file=file, row=line),
                f"names in the context: {', '.join(names)}",
                source_line=_file_line(file, line),
            ) from None
        except jinja2.exceptions.SecurityError as error:
            file, line = _template_frame(error)
            raise TemplateError(
                f"unsafe operation blocked by the sandbox: {error}",
                Location(file=file, row=line),
                "templates may use public data attributes, filters and macros only",
                source_line=_file_line(file, line),
            ) from None
        except TemplateError:
            raise
        except Exception as error:  # an error raised by a filter or context method
            file, line = _template_frame(error)
            if file is None:
                raise
            raise TemplateError(
                f"{type(error).__name__}: {error}",
                Location(file=file, row=line),
                source_line=_file_line(file, line),
            ) from error
        finally:
            _range_steps.reset(budget)

    def find_file(self, name: str) -> tuple[Template, str] | None:
        """The nearest template holding the file ``name`` ("mail.txt.j2"): this one, else
        the one it extends, and so on; with the name its loader knows the file by.
        ``None`` if none does.  Render it with ``found.render_xml(context, file)``."""
        current: Template | None = self
        seen: set[Path] = set()
        while current is not None and current.folder not in seen:
            seen.add(current.folder)
            if (current.folder / name).is_file():
                return current, f"{current.folder.name}/{name}" if current.builtin else name
            parent = current.config.extends
            if parent is None:
                return None
            folder = _parent_folder(current.folder, parent, str(current.folder / CONFIG))
            current = _load(folder, folder.parent == builtin_root())
        return None

    def _not_found(self, error: jinja2.TemplateNotFound) -> TemplateError:
        """A missing template file, named at the template line asking for it."""
        file, line = _template_frame(error)
        where = Location(file=file or str(self.folder), row=line)
        name = str(error.name)
        if not _inside_folder(name):
            return TemplateError(
                f"template file '{name}' is outside the template folder",
                where,
                f"name files relative to {self.folder} or to the built-in templates "
                "(e.g. 'official/brief.xml.j2')",
                source_line=_file_line(file, line),
            )
        return TemplateError(
            f"template file '{name}' not found",
            where,
            f"templates are looked up in {self.folder} and {builtin_root()}",
            source_line=_file_line(file, line),
        )

    @property
    def _entry_name(self) -> str:
        """The entry file's name for this template's loader."""
        source = self.config.entry_folder or self.folder
        if self.builtin or source.parent == builtin_root():
            return f"{source.name}/{self.config.entry}"
        return self.config.entry

    def sources(self) -> tuple[tuple[str, str], ...]:
        """(display name, text) of the entry template and every template it can reach."""
        out: list[tuple[str, str]] = []
        seen: set[Path] = set()
        first = (self.config.entry_folder or self.folder) / self.config.entry
        searched = getattr(self.env.loader, "searchpath", [])
        folders = [self.folder, *(Path(p) for p in searched if Path(p) != builtin_root())]
        for path in [first, *(p for f in dict.fromkeys(folders) for p in sorted(f.glob("*.j2")))]:
            if path not in seen:
                seen.add(path)
                out.append((str(path), _source_text(path)))
        root = builtin_root()
        for path in sorted(root.glob("*/*.j2")):
            if path not in seen:
                seen.add(path)
                out.append((str(path), _source_text(path)))
        return tuple(out)

    def render(self, context: Mapping[str, Any]) -> m.Document:
        """Render to a model document with this template's page setup and typography."""
        xml = self.render_xml(context)
        parsed = markup.parse(xml, markup.SourceMap(self.sources(), xml), self.config.logo)
        attrs = parsed.attrs
        meta = m.Meta(
            title=attrs.get("title", ""),
            author=attrs.get("author", ""),
            subject=attrs.get("subject", ""),
            keywords=tuple(k.strip() for k in attrs.get("keywords", "").split(";") if k.strip()),
            language=attrs.get("lang", self.config.language),
            date=parsed.date,
        )
        return m.Document(
            parsed.blocks, meta, self.config.page, self.config.style, self.reference_docx
        )


def _line_of(source: str | None, line: int | None) -> str | None:
    if not source or not line:
        return None
    lines = source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def _file_line(file: str | None, line: int | None) -> str | None:
    if not file or not line:
        return None
    try:
        return _line_of(Path(file).read_text("utf-8"), line)
    except OSError:
        return None


def _template_frame(error: BaseException) -> tuple[str | None, int | None]:
    """The innermost traceback frame that is a template file (Jinja rewrites them)."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".j2") or frame.filename.endswith((".xml", ".jinja")):
            found = (frame.filename, frame.lineno)
    return found


PLAIN_TEXT = (".txt.j2", "mail.subject.j2", "mail.attachment.j2")
"""Template files that render plain text (a mail's subject, text body, attachment
names): not autoescaped.  Every other file is, the brief's XML and mail HTML too."""


def _autoescape(name: str | None) -> bool:
    return name is None or not name.endswith(PLAIN_TEXT)


def _source_text(path: Path) -> str:
    """A template file's text for locating errors; unreadable bytes never hide the error."""
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""


class _FileLoader(jinja2.FileSystemLoader):
    """FileSystemLoader whose unreadable files are a :class:`TemplateError` naming them."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as error:
            found = (Path(base) / template for base in self.searchpath)
            file = next((str(p) for p in found if p.is_file()), template)
            raise TemplateError(
                f"not UTF-8 text (byte {error.start})", Location(file=file), "save it as UTF-8"
            ) from None


MAX_REPEAT = 100_000
"""Longest text or list a template may make with ``*`` (``"x" * 10**8`` would take
the machine); longer output comes from data, not from arithmetic."""

MAX_POWER_DIGITS = 1000
"""Most digits a template's ``**`` may produce."""


MAX_RANGE_STEPS = 250_000
"""Most numbers the ``range()``s of one rendering may count through together: a
loop over ``range`` nested in another would otherwise run for hours (Jinja bounds
each ``range`` to 100,000 numbers, not their product)."""

_range_steps: contextvars.ContextVar[list[int]] = contextvars.ContextVar("range_steps")
"""What is left of :data:`MAX_RANGE_STEPS` in the rendering under way (per thread)."""


def _counted_range(*args: int) -> range:
    """Jinja's sandboxed ``range``, charged to the rendering's budget when it is made."""
    numbers: range = sandbox.safe_range(*args)
    left = _range_steps.get(None)
    if left is not None:
        left[0] -= len(numbers)
        if left[0] < 0:
            raise jinja2.exceptions.SecurityError(
                f"the template's range() loops count past {MAX_RANGE_STEPS:,} numbers "
                "in one rendering (a loop over range() inside another?)"
            )
    return numbers


class _Sandbox(sandbox.SandboxedEnvironment):
    """The sandbox with ``*`` and ``**`` bounded, as Jinja's documentation advises for
    templates from people one does not trust: a one-line template must not take the
    machine's memory or minutes of CPU."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if (
                    isinstance(sized, (str, list, tuple))
                    and isinstance(count, int)
                    and len(sized) * count > MAX_REPEAT
                ):
                    raise jinja2.exceptions.SecurityError(
                        f"repeating a value to {len(sized) * count:,} items or "
                        f"characters (at most {MAX_REPEAT:,})"
                    )
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            digits = abs(right) * math.log10(abs(left)) if abs(left) > 1 else 0
            if digits > MAX_POWER_DIGITS:
                raise jinja2.exceptions.SecurityError(
                    f"a power of more than {MAX_POWER_DIGITS} digits"
                )
        return super().call_binop(context, operator, left, right)


def _environment(
    folder: Path, lang: str, builtin: bool, inherited: Sequence[Path] = ()
) -> sandbox.SandboxedEnvironment:
    """The sandbox whose loader finds ``folder``'s files, then those of the user
    templates it ``inherited`` its entry file from, then the built-in templates."""
    root = builtin_root()
    search = [str(root)] if builtin else [str(folder), *map(str, inherited), str(root)]
    env = _Sandbox(
        loader=_FileLoader(search, encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(_filters(lang))
    env.tests["startingwith"] = lambda value, prefix: str(value).startswith(prefix)
    env.tests["shorter_than"] = lambda value, limit: len(str(value)) < limit
    env.filters["call"] = lambda function: function()
    env.globals["range"] = _counted_range
    return env


@cache
def _load(folder: Path, builtin: bool) -> Template:
    config = _config(folder)
    env = _environment(folder, config.language, builtin, _entry_chain(folder, config))
    return Template(folder, config, env, builtin, _reference_docx(folder))


def _entry_chain(folder: Path, config: Config) -> list[Path]:
    """The user template folders between ``folder`` and the one whose entry file it
    renders (inclusive), nearest first: their files are found as that entry expects."""
    source = config.entry_folder
    if source is None or source.parent == builtin_root():
        return []
    chain: list[Path] = []
    for current, _ in _config_chain(folder)[1:]:
        if current.parent != builtin_root():
            chain.append(current)
        if current == source:
            break
    return chain


REFERENCE_DOCX = "reference.docx"


def _reference_docx(folder: Path) -> bytes | None:
    """The nearest ``reference.docx``: in ``folder``, else along its ``extends`` chain."""
    seen: set[Path] = set()
    current: Path | None = folder
    while current is not None and current not in seen:
        seen.add(current)
        candidate = current / REFERENCE_DOCX
        if candidate.is_file():
            return _word_document(candidate)
        extends = _read_config(current).get("extends")
        current = _parent_folder(current, extends, str(current / CONFIG)) if extends else None
    return None


MAX_REFERENCE_BYTES = 50_000_000
"""Largest reference.docx read, compressed and (each part) uncompressed."""


def _word_document(path: Path) -> bytes:
    """The bytes of ``path`` if it is a Word document; :class:`TemplateError` if not.

    Checked when the template loads, so a bad reference.docx fails before any
    brief is written: a zip under the size limit whose main parts are XML.
    """
    where = Location(file=str(path))
    hint = "save it from Word or LibreOffice as .docx, or delete it"
    try:
        if path.stat().st_size > MAX_REFERENCE_BYTES:
            raise TemplateError(
                f"reference.docx is larger than {MAX_REFERENCE_BYTES // 1_000_000} MB", where
            )
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            for part in ("[Content_Types].xml", "word/document.xml"):
                if part not in names:
                    raise TemplateError(
                        f"reference.docx is not a Word document: no {part}", where, hint
                    )
                info = package.getinfo(part)
                if info.file_size > MAX_REFERENCE_BYTES:
                    raise TemplateError(f"reference.docx part {part} is too large", where, hint)
                expat.ParserCreate().Parse(package.read(part), True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise TemplateError("reference.docx is not a Word document (.docx)", where, hint) from None
    except expat.ExpatError as error:
        raise TemplateError(
            f"reference.docx is damaged: {expat.ErrorString(error.code)}", where, hint
        ) from None
    except OSError as error:
        raise TemplateError(f"cannot read reference.docx: {error.strerror}", where) from None
    return data


TEMPLATE_PATH_ENV = "BRIEFGEN_TEMPLATE_PATH"
"""Environment variable: folders (separated by os.pathsep) holding user template folders."""


@dataclass(frozen=True)
class Listing:
    """A template found by :func:`discover`: its name, description and where it lives."""

    name: str
    description: str
    folder: Path
    builtin: bool
    extends: str | None = None


def user_paths(extra: Sequence[str | Path] = ()) -> tuple[Path, ...]:
    """Folders searched for user templates: ``extra`` then ``$BRIEFGEN_TEMPLATE_PATH``."""
    from_env = [p for p in os.environ.get(TEMPLATE_PATH_ENV, "").split(os.pathsep) if p]
    return tuple(Path(p).expanduser() for p in (*extra, *from_env))


def discover(extra: Sequence[str | Path] = ()) -> list[Listing]:
    """Built-in templates, then user templates in the folders of :func:`user_paths`.

    A user folder counts when it holds ``template.yaml``; one that is broken is
    listed with its error as description, so a listing never fails.
    """
    found: list[Listing] = []
    root = builtin_root()
    for name in builtin_names():
        config = _load(root / name, True).config
        found.append(Listing(config.name, config.description, root / name, True))
    for base in user_paths(extra):
        candidates = [base] if (base / CONFIG).is_file() else sorted(base.glob(f"*/{CONFIG}"))
        for candidate in candidates:
            folder = candidate if candidate.is_dir() else candidate.parent
            try:
                config = _config(folder)
            except TemplateError as error:
                found.append(Listing(folder.name, f"(broken: {error})", folder, False))
                continue
            found.append(Listing(config.name, config.description, folder, False, config.extends))
    return found


def load_template(name_or_path: str | Path) -> Template:
    """A built-in template by name (``"official"``) or a user template folder by path.

    Loaded templates are cached per process.
    """
    if isinstance(name_or_path, str) and "/" not in name_or_path and "\\" not in name_or_path:
        root = builtin_root()
        candidate = root / name_or_path
        if (candidate / CONFIG).is_file():
            return _load(candidate.resolve(), True)
        if not Path(name_or_path).is_dir():
            names = builtin_names()
            close = difflib.get_close_matches(name_or_path, names, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else (f"built-in templates: {', '.join(names)}; or give a folder path")
            )
            for base in user_paths():
                if (base / name_or_path / CONFIG).is_file():
                    return _load((base / name_or_path).resolve(), False)
            raise TemplateError(f"unknown template '{name_or_path}'", None, hint)
    folder = Path(name_or_path).expanduser()
    if not folder.is_dir():
        raise TemplateError(
            "template folder not found",
            Location(file=str(folder)),
            f"built-in templates: {', '.join(builtin_names())}",
        )
    return _load(folder.resolve(), False)


_SCAFFOLD_YAML = """\
# Template "{name}", made by `briefgen new-template {name} --from {base}`.
# It extends the built-in "{base}" template: page setup, typography and
# values come from there; change any of them here.  See docs/templates.md.
name: {name}
description: "{description}"
extends: {base}
# style:
#   size_pt: 13
# report:
#   issuer: "Sở Khoa học và Công nghệ"
#   signer: {{name: "Nguyễn Văn A", role: "GIÁM ĐỐC"}}
#   recipients: ["UBND tỉnh (để báo cáo)"]
#   drafting_unit: VP
# logo: {{file: logo.png, height_mm: 12}}
"""

_SCAFFOLD_ENTRY = """\
{{#- "{name}": the "{base}" brief with its own {block} block.
    Override any block of {base}/{entry} the same way: {blocks}. -#}}
{{% extends "{base}/{entry}" %}}
{{% block {block} %}}{body}{{% endblock %}}
"""


def scaffold(name: str, base: str = "official", into: str | Path = ".") -> Path:
    """Create a template folder ``into/name`` extending built-in ``base``; returns it.

    The new entry file overrides ``base``'s first block with a copy of it, so
    the new template renders exactly like ``base`` until edited.
    """
    from briefgen.errors import UsageError
    from briefgen.text import slugify

    if slugify(name) != name:
        raise UsageError(
            f"template name '{name}' must be lowercase ASCII letters, digits and dashes",
            hint=f"e.g. '{slugify(name)}'",
        )
    parent = load_template(base)
    if not parent.builtin:
        raise UsageError(f"--from takes a built-in template ({', '.join(builtin_names())})")
    base_folder = Path(into)
    if base_folder.exists() and not base_folder.is_dir():
        raise UsageError(
            f"'{base_folder}' is a file, not a folder", hint="give --dir an existing folder"
        )
    folder = base_folder / name
    if folder.exists() or folder.is_symlink():
        raise UsageError(f"'{folder}' already exists", hint="choose another name or folder")
    source = (parent.folder / parent.config.entry).read_text("utf-8")
    blocks = re.findall(r"{%-?\s*block\s+(\w+)\s*-?%}", source)
    if not blocks:
        raise UsageError(f"template '{base}' has no blocks to override")
    first = blocks[0]
    match = re.search(
        r"{%-?\s*block\s+" + first + r"\s*-?%}(.*?){%-?\s*endblock\s*-?%}", source, re.S
    )
    body = match.group(1) if match else "\n"
    description = f"{parent.config.description} — {name}"
    files = {
        CONFIG: _SCAFFOLD_YAML.format(name=name, base=parent.folder.name, description=description),
        ENTRY: _SCAFFOLD_ENTRY.format(
            name=name,
            base=parent.folder.name,
            entry=parent.config.entry,
            block=first,
            blocks=", ".join(blocks),
            body=body,
        ),
    }
    _write_folder(folder, files)
    return folder


def _write_folder(folder: Path, files: Mapping[str, str]) -> None:
    """Create ``folder`` holding ``files`` (name → text), or nothing at all on failure."""
    from briefgen.errors import OutputError, UsageError

    try:
        folder.mkdir(parents=True)
    except OSError as error:  # a file in the way, no permission: the folder asked for
        raise UsageError(
            f"cannot create the folder: {error.strerror}",
            Location(file=str(folder)),
            "give --dir a folder you can write to",
        ) from None
    try:
        for file_name, text in files.items():
            (folder / file_name).write_text(text, "utf-8")
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise OutputError(
            f"cannot write the template: {error.strerror}", Location(file=str(folder))
        ) from None
