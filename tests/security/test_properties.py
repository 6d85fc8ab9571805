"""Properties under hostile input: a brief prints exactly its data, or a BriefgenError says why.

Hypothesis writes records with any Unicode (controls, noncharacters, lone
surrogates, combining marks, scripts no font of ours has), extreme numbers
and long strings into a JSON file, then loads it, builds the brief and
renders both formats.  Every example either

- is refused with a :class:`BriefgenError` (exactly when the data holds text
  a document cannot hold, a number that is not finite, or another reported
  problem), or
- renders, and every text field reads back from the PDF (pdfplumber, in
  drawing order) and the DOCX (python-docx) as it went in (NFC, outer spaces stripped; spacing
  aside; see :func:`_pdf_comparable` for what a PDF cannot give back).

Never any other exception.  The same holds for hostile template settings.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import tempfile
import unicodedata
import warnings
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import briefgen
from briefgen.data import clean
from briefgen.errors import BriefgenError, BriefgenWarning
from briefgen.fonts import resolve_serif
from briefgen.writers.pdf import MISSING_SHOWN

EXAMPLES = 40
"""Examples per property: each may render two documents, so CI keeps this small."""

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE = "\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f\ud800\udfff\ufdd0\ufffe\uffff\U0010ffff"
"""Characters a document cannot hold (:mod:`briefgen.data.clean`), drawn often."""

CHARACTERS = st.one_of(
    # Any other scalar value: every script, marks, symbols, spaces, format characters.
    # Controls (Cc) come from the list below (tab, line feed) and from HOSTILE.
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")).filter(
        lambda c: clean.illegal(c) is None
    ),
    st.sampled_from("ăâđêôơưÁÀẢÃẠấầẩẫậ \t\n\u00a0\u200b\u0301\u00ad"),
)
TEXT = st.text(CHARACTERS, min_size=1, max_size=60) | st.text(
    CHARACTERS, min_size=300, max_size=1000
)
TEXT_FIELDS = ("highlight", "award", "number", "signer")
POISON_TEXT = (
    st.none()
    | st.none()
    | st.tuples(st.sampled_from(TEXT_FIELDS), st.sampled_from(HOSTILE), st.integers(0, 2000))
)
"""Some examples put one character no document can hold into one field."""

FIGURES = st.one_of(
    st.just(0),
    st.floats(min_value=1e-6, max_value=1e15),
    st.integers(min_value=0, max_value=10**15),
    st.sampled_from([0.0, 1e-6, 1.5e-6, 1e15, 10**15]),
)
"""Counts and money: 0, or anything from a millionth to the largest figure accepted."""
PERCENTS = st.one_of(
    st.floats(min_value=-100, max_value=1e6), st.sampled_from([0, -100, 5e-324, 1e6])
)
NUMBERS = {
    "revenue": FIGURES,
    "growth": PERCENTS,
    "plan": FIGURES,
    "subscribers": FIGURES,
    "density": PERCENTS.map(abs),
}
NUMBER_FIELDS = tuple(NUMBERS)
POISON_NUMBER = (
    st.none()
    | st.none()
    | st.tuples(st.sampled_from(NUMBER_FIELDS), st.sampled_from([math.nan, math.inf, -math.inf]))
    | st.tuples(
        st.sampled_from(["revenue", "plan", "subscribers"]),
        st.sampled_from([10**400, 1e308, -1e308, 1e16, 5e-324]),
    )
    | st.tuples(st.sampled_from(["growth", "density"]), st.sampled_from([1e7, -1e300]))
)
"""Some examples put a number that is not finite, or beyond any figure, into one field."""


def _words(text: str) -> str:
    """What a reader compares: NFC, no spacing (PDF extraction spaces words its own way)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


@functools.cache
def _pdf_glyphs() -> frozenset[int]:
    """Code points every face of the PDF's font draws (the brief's family is the default);
    a character only some faces have is left out of comparisons on both sides."""
    from reportlab.pdfbase import pdfmetrics

    family = resolve_serif()
    faces = [
        set(pdfmetrics.getFont(family.face_name(bold, italic)).face.charToGlyph)
        for bold in (False, True)
        for italic in (False, True)
    ]
    return frozenset(set.intersection(*faces))


def _pdf_comparable(text: str) -> str:
    """``text`` as compared with a PDF's text (both what went in and what came out).

    Spacing and format characters (zero-width space, joiners, direction marks,
    the soft hyphen: category Cf) are left out: they have no visible form of
    their own, and PDF text extraction spaces words its own way.  A character
    the embedded font has no glyph for prints as nothing (read back as NUL):
    the writer reports it (:func:`_reported`), and it is left out here; a soft
    hyphen at a line's end prints as "-", so "-" is left out too.  What remains
    is compared decomposed (NFD): a mark after a character left out composes on
    the page with the letter before it.
    """
    glyphs = _pdf_glyphs()
    kept = "".join(
        c
        for c in unicodedata.normalize("NFC", text)
        if c not in "\x00-"
        and not c.isspace()
        and ord(c) in glyphs
        and unicodedata.category(c) != "Cf"
    )
    return unicodedata.normalize("NFD", kept)


def _reported(said: list[warnings.WarningMessage]) -> set[str]:
    """The characters the PDF writer's missing-glyph warnings name."""
    named: set[str] = set()
    for warning in said:
        if "has no glyph" in str(warning.message):
            named.update(re.findall(r"'(.)' \(U\+[0-9A-F]+\)", str(warning.message)))
    return named


def _record(texts: dict[str, str], numbers: dict[str, Any]) -> dict[str, Any]:
    return {
        "province": "Nam Định",
        "year": 2021,
        "highlights": [texts["highlight"]],
        "awards": [texts["award"]],
        "report": {"number": texts["number"], "signer": {"name": texts["signer"]}},
        "observations": {
            "postal_revenue": {
                "value": numbers["revenue"],
                "yoy_pct": numbers["growth"],
                "plan": numbers["plan"],
            },
            "phone_subscribers": {"value": numbers["subscribers"], "per_100": numbers["density"]},
        },
    }


def _load(record: dict[str, Any]) -> briefgen.Dataset:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.json"
        # json.dumps writes \u escapes: lone surrogates and NaN go into the file as written.
        path.write_text(json.dumps({"records": [record]}), "ascii")
        return briefgen.load(path)


TOP_MARGIN_PT = 20 / 25.4 * 72  # Decree 30's top margin (the default template's)


def _read_back(brief: briefgen.Document) -> tuple[str, str]:
    """The text of the brief's PDF and of its DOCX (python-docx).

    The PDF's characters are taken in the order they are drawn (pdfplumber's
    ``chars``), a line break wherever a new line starts: pypdf reorders
    right-to-left scripts, and laying text out by position interleaves the
    letterhead's two columns.  Line breaks keep a line starting with a combining
    mark from composing with the end of the line before when compared.  The page
    number in the top margin is left out: a paragraph that runs on to the next
    page would otherwise read with the number in its middle.
    """
    parts: list[str] = []
    with pdfplumber.open(io.BytesIO(brief.to_bytes("pdf"))) as pdf:
        for page in pdf.pages:
            top = None
            for char in page.chars:
                if char["bottom"] < TOP_MARGIN_PT:
                    continue
                if top is None or abs(char["top"] - top) > 1:
                    parts.append("\n")
                    top = char["top"]
                parts.append(char["text"])
    pdf_text = "".join(parts)
    word = docx.Document(io.BytesIO(brief.to_bytes("docx")))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return pdf_text, "\n".join(parts)


@SETTINGS
@given(
    texts=st.fixed_dictionaries({k: TEXT for k in TEXT_FIELDS}),
    text_poison=POISON_TEXT,
    numbers=st.fixed_dictionaries(NUMBERS),
    number_poison=POISON_NUMBER,
)
@example(  # an award that runs on to the next page, past its page number
    texts={"highlight": "a", "award": "Giải thưởng ấn tượng " * 400, "number": "1", "signer": "B"},
    text_poison=None,
    numbers={"revenue": 1, "growth": 1.0, "plan": 1, "subscribers": 1, "density": 1.0},
    number_poison=None,
)
def test_a_hostile_record_renders_exactly_or_raises_a_briefgen_error(
    texts: dict[str, str],
    text_poison: tuple[str, str, int] | None,
    numbers: dict[str, Any],
    number_poison: tuple[str, Any] | None,
) -> None:
    if text_poison is not None:
        field, char, at = text_poison
        texts[field] = texts[field][:at] + char + texts[field][at:]
    if number_poison is not None:
        numbers[number_poison[0]] = number_poison[1]
    try:
        dataset = _load(_record(texts, numbers))
    except BriefgenError as error:
        event("refused at load")
        if text_poison is not None:
            assert "which a document cannot hold" in str(error)
        else:
            assert number_poison is not None, f"refused clean data: {error}"
        return
    assert text_poison is None and number_poison is None, "the data boundary let it through"
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", BriefgenWarning)
            brief = briefgen.build(dataset, province="Nam Định", year=2021)
            pdf_text, word_text = _read_back(brief)
    except BriefgenError as error:
        event(f"refused when built: {error.message}")
        return  # a located refusal is an answer; any other exception fails the test
    event("rendered")
    # What the PDF leaves out was reported: every character its font lacks, named.
    lacking = {
        c
        for text in texts.values()
        for c in unicodedata.normalize("NFC", text)
        if ord(c) not in _pdf_glyphs() and not c.isspace()
        and unicodedata.category(c) not in ("Cc", "Cf")
    }  # fmt: skip
    assert _reported(said) >= lacking if len(lacking) <= MISSING_SHOWN else _reported(said)
    pdf_words, word_words = _pdf_comparable(pdf_text), _words(word_text)
    for field, text in texts.items():
        assert _words(text.strip()) in word_words, f"{field} is not in the DOCX as it went in"
        assert _pdf_comparable(text.strip()) in pdf_words, (
            f"{field} is not in the PDF as it went in"
        )


STYLE_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, 0.0, -1, True, None, "12", [], {}, 72, 4, 0.8, 3]),
)
MARGIN_VALUES = st.one_of(
    st.floats(min_value=0, max_value=80),  # accepted each, yet together they may leave no page
    st.floats(min_value=-10, max_value=100),
    st.sampled_from([math.nan, math.inf]),
    st.sampled_from([0, 80, 81, True, "20", None]),
)


@SETTINGS
@given(
    style=st.dictionaries(
        st.sampled_from(
            [
                "size_pt",
                "line_spacing",
                "first_line_indent_mm",
                "space_after_pt",
                "heading_size_pt",
                "table_size_pt",
            ]
        ),
        STYLE_VALUES,
        max_size=3,
    ),
    margins=st.dictionaries(st.sampled_from(["top", "bottom", "left", "right"]), MARGIN_VALUES),
    size=st.sampled_from(["A4", "A5", "A3", "Letter"]),
    landscape=st.booleans(),
)
def test_hostile_template_settings_render_or_raise_a_briefgen_error(
    style: dict[str, Any], margins: dict[str, Any], size: str, landscape: bool
) -> None:
    config = {
        "name": "hostile",
        "extends": "official",
        "style": style,
        "page": {
            "size": size,
            "orientation": "landscape" if landscape else "portrait",
            "margins_mm": margins,
        },
    }
    dataset = briefgen.load(Path(__file__).resolve().parents[2] / "fixtures" / "seed-reports.yaml")
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "hostile"
        template.mkdir()
        (template / "template.yaml").write_text(json.dumps(config), "utf-8")  # JSON is YAML
        (template / "brief.xml.j2").write_text('{% extends "official/brief.xml.j2" %}\n', "utf-8")
        try:
            brief = briefgen.build(dataset, province="Nam Định", year=2021, template=template)
            pdf_text, word_text = _read_back(brief)
        except BriefgenError as error:
            assert "template.yaml" in str(error)
            return
    assert "Nam Định" in pdf_text and "Nam Định" in word_text


@pytest.mark.parametrize("char", list(HOSTILE))
def test_every_character_the_property_draws_as_hostile_is_refused(char: str) -> None:
    """The hostile alphabet above is what :mod:`briefgen.data.clean` refuses, no less."""
    if char == "\U0010ffff":
        assert clean.illegal(char) is not None  # a noncharacter of plane 16
    else:
        assert clean.illegal(f"a{char}b") == (1, char)
