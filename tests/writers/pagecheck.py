"""A page checker: reads a rendered brief back with pdfplumber and reports badly laid-out pages.

It checks what a careful clerk checks before sending a brief (issue 12, "Pages that
are wrong today"), on our PDF and on LibreOffice's rendering of our DOCX alike:

- **hole**: a page other than the last whose ink ends more than
  :data:`MOST_EMPTY` of the text area above the bottom margin;
- **signature alone**: a page whose text is only the signature block (Nơi nhận and
  the signer), or a signature block printed without the end of the paragraph before
  it;
- **split number**: a number of a table cell ("+27,63%*", "-14,29%", "2.890.000")
  that is not printed whole on one line;
- **lead-in alone**: a page other than the last whose text ends with a colon, the
  list or table it introduces printed on the next page.

What the checker must know of the document (margins, the signature's words, the
numbers of the tables) is taken from the model once, as :class:`Expectations`, a
small picklable value that worker processes pass around.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pdfplumber

from briefgen import model as m

MOST_EMPTY = 0.20
"""Largest empty fraction of the text area allowed at the foot of a page but the last."""

_PT_PER_MM = 72 / 25.4
_SIZE_TOLERANCE_PT = 0.3
_NUMBER = re.compile(r"[+\-]?\d+(?:[.,]\d+)*%?\*?")
"""A number as a table prints it, with its sign, percent and footnote marker."""
_WORD = re.compile(r"\S+")

# Characters a writer may use to keep a number together; read back, they are the
# characters they stand for (or nothing).
_JOINERS = str.maketrans(
    {"\u2011": "-", "\u2212": "-", "\u2010": "-", "\u00a0": " ", "\u202f": " ", "\u2060": None}
)

Kind = Literal["hole", "signature alone", "split number", "lead-in alone"]


def normalise(text: str) -> str:
    """NFC text with no-break characters read as the characters they stand for."""
    return unicodedata.normalize("NFC", text).translate(_JOINERS)


@dataclass(frozen=True)
class Expectations:
    """What the checker needs to know of one document, taken from its model."""

    name: str
    page_mm: tuple[float, float]
    margins_mm: tuple[float, float, float, float]
    """top, bottom, left, right"""
    table_size_pt: float
    signature_words: frozenset[str]
    signer: str
    """The signer's name, else the last authority line ("" without a signature)."""
    closing_tail: str
    """The last words of the text block before the signature ("" when none)."""
    table_numbers: tuple[tuple[str, int], ...]
    """Each number printed in a table cell, and how often the model prints it there."""

    @classmethod
    def of(cls, document: m.Document, name: str) -> Expectations:
        page = document.page
        margins = page.margins
        signature_words: set[str] = set()
        signer = closing_tail = ""
        previous: m.Block | None = None
        numbers: Counter[str] = Counter()
        for block in document.blocks:
            if isinstance(block, m.Signature):
                single = m.Document(blocks=(block,))
                for line in m.texts(single):
                    signature_words.update(_WORD.findall(normalise(line)))
                names = [block.name, *reversed(block.authority)]
                signer = next((" ".join(normalise(m.plain(n)).split()) for n in names if n), "")
                if previous is not None:
                    tail = " ".join(m.texts(m.Document(blocks=(previous,)))).split()
                    closing_tail = normalise(" ".join(tail[-3:]))
            elif isinstance(block, m.Table):
                for row in block.header + block.body:
                    for cell in row:
                        for line in m.plain(cell.content).split("\n"):
                            numbers.update(_NUMBER.findall(normalise(line)))
            if not isinstance(block, m.PageBreak):
                previous = block
        return cls(
            name=name,
            page_mm=(page.width_mm, page.height_mm),
            margins_mm=(margins.top, margins.bottom, margins.left, margins.right),
            table_size_pt=document.style.table_size_pt,
            signature_words=frozenset(signature_words),
            signer=signer,
            closing_tail=closing_tail,
            table_numbers=tuple(sorted(numbers.items())),
        )


@dataclass(frozen=True)
class Problem:
    """One badly laid-out page."""

    document: str
    page: int
    kind: Kind
    detail: str

    def __str__(self) -> str:
        return f"{self.document} page {self.page}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class _Page:
    number: int
    empty: float
    """Empty fraction of the text area under the page's last ink."""
    words: tuple[str, ...]
    """The words of the text area, in reading order (normalised)."""
    table_lines: tuple[str, ...]
    """Lines set in the table size (table cells), normalised."""
    last_line: str
    """The last line of the text area, normalised ("" on an empty page)."""


def _read_page(page: Any, expect: Expectations) -> _Page:
    top_mm, bottom_mm, _, _ = expect.margins_mm
    text_top = top_mm * _PT_PER_MM
    text_bottom = float(page.height) - bottom_mm * _PT_PER_MM
    text_height = text_bottom - text_top

    def in_text_area(obj: dict[str, Any]) -> bool:
        # The page number sits in the top margin; nothing else may.
        return float(obj["bottom"]) > text_top + 1

    lowest = text_top
    for kind in ("chars", "rects", "lines", "curves", "images"):
        for obj in getattr(page, kind):
            if in_text_area(obj):
                lowest = max(lowest, float(obj["bottom"]))
    body = page.filter(lambda obj: obj.get("object_type") != "char" or in_text_area(obj))
    words = tuple(normalise(w["text"]) for w in body.extract_words())
    size = expect.table_size_pt
    cells = body.filter(
        lambda obj: (
            obj.get("object_type") != "char" or abs(float(obj["size"]) - size) < _SIZE_TOLERANCE_PT
        )
    )
    table_lines = tuple(normalise(line["text"]) for line in cells.extract_text_lines())
    lines = sorted(body.extract_text_lines(), key=lambda line: float(line["top"]))
    last_line = normalise(lines[-1]["text"]) if lines else ""
    empty = max(0.0, text_bottom - lowest) / text_height
    return _Page(page.page_number, empty, words, table_lines, last_line)


def check(pdf: Path, expect: Expectations) -> list[Problem]:
    """Every problem of the pages of ``pdf``, a rendering of the document ``expect`` describes."""
    with pdfplumber.open(pdf) as document:
        pages = [_read_page(page, expect) for page in document.pages]
    return [
        *_holes(pages, expect),
        *_signature(pages, expect),
        *_split_numbers(pages, expect),
        *_leads_in(pages, expect),
    ]


def _holes(pages: list[_Page], expect: Expectations) -> Iterable[Problem]:
    for page in pages[:-1]:
        if page.empty > MOST_EMPTY:
            yield Problem(
                expect.name, page.number, "hole", f"{page.empty:.0%} of the text area empty"
            )


def _signature(pages: list[_Page], expect: Expectations) -> Iterable[Problem]:
    if not expect.signature_words:
        return
    for page in pages:
        if page.words and set(page.words) <= expect.signature_words:
            yield Problem(expect.name, page.number, "signature alone", " ".join(page.words))
    if not expect.closing_tail:
        return
    # The page where the signer's name is printed also ends the text before it.
    signed = [p for p in pages if expect.signer and expect.signer in " ".join(p.words)]
    if signed:
        last = signed[-1]
        if expect.closing_tail not in " ".join(last.words):
            yield Problem(
                expect.name,
                last.number,
                "signature alone",
                f"the signature is printed without '{expect.closing_tail}' before it",
            )


def _leads_in(pages: list[_Page], expect: Expectations) -> Iterable[Problem]:
    for page in pages[:-1]:
        if page.last_line.rstrip().endswith(":"):
            yield Problem(expect.name, page.number, "lead-in alone", page.last_line)


def _split_numbers(pages: list[_Page], expect: Expectations) -> Iterable[Problem]:
    printed: Counter[str] = Counter()
    for page in pages:
        for line in page.table_lines:
            printed.update(_NUMBER.findall(line))
    for number, count in expect.table_numbers:
        if printed[number] < count:
            yield Problem(
                expect.name,
                0,
                "split number",
                f"'{number}' printed whole {printed[number]} of {count} times in table cells",
            )


# --------------------------------------------------------------------------- many briefs

FIXTURES = ("seed-reports.yaml", "national-2019-2025.json")
TEMPLATES = ("official", "en")


@dataclass(frozen=True)
class Job:
    """One brief to render: a record of a fixture file, with a template."""

    source: Path
    code: str
    year: int
    template: str

    @property
    def name(self) -> str:
        return f"{self.source.stem}-{self.code}-{self.year}-{self.template}"


@dataclass(frozen=True)
class Rendered:
    """A rendered brief: its files, what its pages must satisfy, and its PDF's problems."""

    job: Job
    pdf: Path
    docx: Path
    expect: Expectations
    problems: tuple[Problem, ...]


def jobs(fixtures: Path) -> list[Job]:
    """Every record of the seed and national fixtures, with every checked template."""
    import briefgen

    found: list[Job] = []
    for name in FIXTURES:
        source = fixtures / name
        for entry in briefgen.load(source).entries:
            for template in TEMPLATES:
                found.append(Job(source, entry.unit.code, entry.record.year, template))
    return found


_DATASETS: dict[Path, Any] = {}


def render(jobs: list[Job], out: Path) -> list[Rendered]:
    """Render ``jobs`` to PDF and DOCX in ``out`` and check the PDFs (a worker's share)."""
    import briefgen

    done: list[Rendered] = []
    for job in jobs:
        dataset = _DATASETS.get(job.source)
        if dataset is None:
            dataset = _DATASETS[job.source] = briefgen.load(job.source)
        document = briefgen.build(dataset, job.code, job.year, job.template)
        pdf, docx = out / f"{job.name}.pdf", out / f"{job.name}.docx"
        document.save(pdf)
        document.save(docx)
        expect = Expectations.of(document, job.name)
        done.append(Rendered(job, pdf, docx, expect, tuple(check(pdf, expect))))
    return done


def check_all(pairs: list[tuple[Path, Expectations]]) -> list[Problem]:
    """The problems of several renderings (a worker's share)."""
    return [problem for pdf, expect in pairs for problem in check(pdf, expect)]
