"""Properties: any text in a record survives into both formats and never injects structure."""

from __future__ import annotations

import io
import re

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

import briefgen
from briefgen import model as m
from briefgen.data.dataset import from_records
from briefgen.data.records import Observation, Record
from briefgen.text import VIETNAMESE_LETTERS

# Everything an office may type: Vietnamese letters, digits, and every ASCII
# punctuation mark, markup and Jinja characters included.
ALPHABET = VIETNAMESE_LETTERS + "0123456789" + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
WORDS = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
PHRASES = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(highlight=PHRASES, note=PHRASES)
def test_any_record_text_prints_literally_in_pdf_and_docx(highlight: str, note: str) -> None:
    record = Record(
        province="Nam Định",
        year=2021,
        observations={"postal_revenue": Observation(value=130, note=note)},
        highlights=(highlight,),
    )
    brief = briefgen.build(from_records([record]), province="Nam Định", year=2021)
    paragraphs = [m.plain(b.content) for b in brief.blocks if isinstance(b, m.Paragraph)]
    assert highlight.strip() in paragraphs  # one paragraph, never split into structure
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(brief.to_bytes("pdf"))).pages)
    word = "".join(p.text for p in docx.Document(io.BytesIO(brief.to_bytes("docx"))).paragraphs)
    for output in (pdf, word):
        assert _fold(highlight) in _fold(output)
        assert _fold(note) in _fold(output)
