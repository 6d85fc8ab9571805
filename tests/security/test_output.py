"""Output files under attack: colliding names and planted links (issue 14, classes 6 and 7).

Each brief gets a file of its own or the batch is refused before any work;
a link planted at an output name is replaced by the brief, never written
through, and the manifest vouches only for what is really there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

Briefgen = Callable[..., Any]

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "fixtures" / "national-2019-2025.json"
BATCH = ("batch", NATIONAL, "--year", "2025", "--provinces", "01,04", "--workers", "1")
FILES_NOT_MEMORY = 2000
"""Address space (MB) for the batch cases here: they are about files, and a forked
worker maps more than it uses."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("pattern", "formats", "clash"),
    [
        ("{year}.{ext}", "pdf", "'2025.pdf' to both the PDF of 01 Hà Nội and the PDF of 04"),
        ("{code}-{slug}", "pdf,docx", "'01-ha-noi' to both the PDF of 01 Hà Nội and the DOCX"),
        (
            "{template}-{year}.pdf",
            "pdf,docx",
            "'official-2025.pdf' to both the PDF of 01 Hà Nội and the DOCX of 01",
        ),
        ("manifest.json", "pdf", "'manifest.json' to both the batch's manifest and the PDF"),
        ("{code}.{ext}{ext}", "pdf", None),
    ],
)
def test_a_pattern_that_gives_two_briefs_one_name_is_refused_before_any_work(
    work: Path,
    briefgen: Briefgen,
    left_in: Callable[[Path], set[str]],
    pattern: str,
    formats: str,
    clash: str | None,
) -> None:
    out = work / "out"
    run = briefgen(
        *BATCH, "--format", formats, "--pattern", pattern, "--out", out,
        memory_mb=FILES_NOT_MEMORY,
    )  # fmt: skip
    if clash is None:  # distinct names: the batch runs
        assert run.code == 0, run.err
        assert left_in(out) == {"01.pdfpdf", "04.pdfpdf", "manifest.json"}
        return
    assert run.code == 2
    assert f"name pattern '{pattern}' gives {clash}" in run.message
    assert left_in(out) == set()


def test_a_link_planted_at_an_output_name_is_replaced_not_written_through(
    work: Path, briefgen: Briefgen
) -> None:
    out = work / "out"
    out.mkdir()
    victim = work / "victim.txt"
    victim.write_text("someone else's file", "utf-8")
    hanoi_pdf = out / "01-ha-noi-2025-official.pdf"
    hanoi_docx = out / "01-ha-noi-2025-official.docx"
    caobang_pdf = out / "04-cao-bang-2025-official.pdf"
    hanoi_pdf.symlink_to(victim)
    hanoi_docx.symlink_to(caobang_pdf.name)  # the DOCX's name points at another brief
    caobang_pdf.symlink_to(hanoi_docx.name)  # a loop, even

    run = briefgen(*BATCH, "--out", out, memory_mb=FILES_NOT_MEMORY)

    assert run.code == 0, run.err
    assert victim.read_text("utf-8") == "someone else's file"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["complete"] is True and len(manifest["files"]) == 4
    for item in manifest["files"]:
        path = out / item["path"]
        assert not path.is_symlink() and path.is_file()
        assert _sha(path) == item["sha256"]
    assert "Hà Nội" in PdfReader(hanoi_pdf).pages[0].extract_text()
    assert "Cao Bằng" in PdfReader(caobang_pdf).pages[0].extract_text()
    assert any("Hà Nội" in p.text for p in docx.Document(str(hanoi_docx)).paragraphs)


def test_skip_existing_never_keeps_a_link_even_to_the_right_bytes(
    work: Path, briefgen: Briefgen
) -> None:
    out = work / "out"
    first = briefgen(*BATCH, "--format", "pdf", "--out", out, memory_mb=FILES_NOT_MEMORY)
    assert first.code == 0, first.err
    name = out / "01-ha-noi-2025-official.pdf"
    elsewhere = work / "copy.pdf"
    elsewhere.write_bytes(name.read_bytes())  # the very bytes the manifest vouches for
    name.unlink()
    name.symlink_to(elsewhere)

    run = briefgen(
        *BATCH, "--format", "pdf", "--out", out, "--skip-existing", memory_mb=FILES_NOT_MEMORY
    )

    assert run.code == 0, run.err
    assert "1 file(s) written, 1 kept" in run.err  # Cao Bằng kept, Hà Nội rendered again
    assert not name.is_symlink() and _sha(name) == _sha(elsewhere)


def test_render_replaces_a_link_at_its_output_name(work: Path, briefgen: Briefgen) -> None:
    out = work / "out"
    out.mkdir()
    victim = work / "victim.txt"
    victim.write_text("keep me", "utf-8")
    (out / "nam-dinh-2021-official.pdf").symlink_to(victim)
    run = briefgen(
        "render", ROOT / "fixtures" / "seed-reports.yaml", "--province", "Nam Định",
        "--year", "2021", "--format", "pdf", "--out", out,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert victim.read_text("utf-8") == "keep me"
    assert not (out / "nam-dinh-2021-official.pdf").is_symlink()


@pytest.mark.parametrize("command", ["render", "batch"])
def test_an_output_folder_with_a_file_in_the_way_is_bad_input(
    work: Path, briefgen: Briefgen, command: str
) -> None:
    (work / "briefs").write_text("not a folder", "utf-8")
    seeds = ROOT / "fixtures" / "seed-reports.yaml"
    if command == "render":
        run = briefgen("render", seeds, "--province", "Nam Định", "--year", "2021",
                       "--out", work / "briefs")  # fmt: skip
    else:
        run = briefgen("batch", seeds, "--year", "2021", "--out", work / "briefs" / "2021")
    assert run.code == 2
    # Refused before any work, naming the folder asked for and the file in its way.
    assert str(work / "briefs") in run.message and "is a file" in run.message
    assert "choose another folder" in run.message
    assert (work / "briefs").read_text("utf-8") == "not a folder"
