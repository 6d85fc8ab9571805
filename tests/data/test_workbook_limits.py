"""Workbook bombs: a small .xlsx must not take the machine.

Each bomb is built here and read by `briefgen` in a child process limited to
300 MB of address space; it must exit 2 within 10 s (the subprocess timeout)
with one line naming the limit and how to raise it, and leave no file behind.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

import briefgen
from briefgen.data.limits import Limits
from briefgen.errors import DataError, UsageError

MEMORY = 300 * 2**20
TIMEOUT = 10
_CHILD = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))
from briefgen.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _briefgen(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``briefgen ARGS`` in a child with bounded memory; a hang fails the test."""
    return subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _book(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Số liệu"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_sheet(content: bytes, edit: object) -> bytes:
    """The workbook with its sheet XML rewritten by ``edit`` (bytes → bytes), or replaced by
    ``edit(archive)`` writing the part itself when ``edit`` takes a ZipFile."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                if callable(edit) and getattr(edit, "writes_part", False):
                    edit(target)
                    continue
                data = edit(data)  # type: ignore[operator]
            target.writestr(info, data)
    return out.getvalue()


GOOD = [["province", "year", "postal_revenue"], ["Nam Định", 2021, 130]]


def _assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2 and one error line (stderr for render, stdout for validate) naming the limit."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "MemoryError" not in output
    lines = [line for line in output.splitlines() if "error:" in line]
    assert len(lines) == 1, output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_a_far_cell_under_a_huge_dimension_is_refused_before_reading(tmp_path: Path) -> None:
    def far_corner(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>')
        far = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'
        return xml.replace(b"</sheetData>", far + b"</sheetData>")

    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_replace_sheet(_book(GOOD), far_corner))
    assert bomb.stat().st_size < 10_000
    before = _listing(tmp_path)
    out = tmp_path / "briefs"
    result = _briefgen("render", str(bomb), "--province", "36", "--year", "2021", "--out", str(out))
    _assert_refused(
        result,
        f"{bomb}: sheet 'Số liệu' uses cells up to XFD1048576: 1,048,576 rows, "
        "more than the limit of 200,000",
        "--limit rows=N",
        "BRIEFGEN_LIMITS=rows=N",
    )
    assert _listing(tmp_path) == before  # nothing written, no output folder


def test_a_far_column_is_refused_by_the_column_limit(tmp_path: Path) -> None:
    def far_column(xml: bytes) -> bytes:
        cell = b'<c r="XFD2" t="n"><v>7</v></c>'
        return xml.replace(b"</row></sheetData>", cell + b"</row></sheetData>")

    bomb = tmp_path / "wide.xlsx"
    bomb.write_bytes(_replace_sheet(_book(GOOD), far_column))
    _assert_refused(
        _briefgen("validate", str(bomb)),
        "sheet 'Số liệu' uses cells up to XFD2: 16,384 columns, more than the limit of 2,000",
        "--limit columns=N",
    )


def test_a_declared_dimension_alone_is_not_trusted(tmp_path: Path) -> None:
    def lie(xml: bytes) -> bytes:
        return xml.replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>')

    book = tmp_path / "book.xlsx"
    book.write_bytes(_replace_sheet(_book(GOOD), lie))
    result = _briefgen("validate", str(book))
    assert result.returncode == 0, result.stderr
    assert "0 error(s), 0 warning(s); 1 valid record(s)" in result.stderr
    assert briefgen.load(book).records[0].observations["postal_revenue"].value == 130


@pytest.fixture(scope="module")
def gigabyte_sheet() -> bytes:
    """A sheet XML of 1 GiB of spaces, deflated (about 1 MB); built once."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    chunk = b" " * 2**20
    parts = [compressor.compress(b'<worksheet><sheetData><row r="1">')]
    parts += [compressor.compress(chunk) for _ in range(1024)]
    parts.append(compressor.compress(b"</row></sheetData></worksheet>"))
    parts.append(compressor.flush())
    return b"".join(parts)


def _raw_part(name: str, deflated: bytes, size: int, crc: int) -> object:
    """A writer of a zip member whose deflated bytes are given (no re-compression)."""

    def write(target: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = size
        info.compress_size = len(deflated)
        info.CRC = crc
        zip64 = size > zipfile.ZIP64_LIMIT
        target.fp.write(info.FileHeader(zip64))  # type: ignore[union-attr]
        target.fp.write(deflated)  # type: ignore[union-attr]
        info.header_offset = target.start_dir
        target.filelist.append(info)
        target.NameToInfo[name] = info
        target.start_dir = target.fp.tell()  # type: ignore[union-attr]

    write.writes_part = True  # type: ignore[attr-defined]
    return write


def _crc_of_spaces(size: int, head: bytes, tail: bytes) -> int:
    crc = zlib.crc32(head)
    chunk = b" " * 2**20
    for _ in range(size // 2**20):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(tail, crc)


def test_a_sheet_that_inflates_to_a_gigabyte_is_refused(
    tmp_path: Path, gigabyte_sheet: bytes
) -> None:
    head, tail = b'<worksheet><sheetData><row r="1">', b"</row></sheetData></worksheet>"
    size = len(head) + 2**30 + len(tail)
    writer = _raw_part(
        "xl/worksheets/sheet1.xml", gigabyte_sheet, size, _crc_of_spaces(2**30, head, tail)
    )
    bomb = tmp_path / "inflating.xlsx"
    bomb.write_bytes(_replace_sheet(_book(GOOD), writer))
    assert bomb.stat().st_size < 2 * 2**20
    before = _listing(tmp_path)
    _assert_refused(
        _briefgen("validate", str(bomb)),
        f"part 'xl/worksheets/sheet1.xml' inflates to {size:,} bytes, more than the limit "
        "of 209,715,200",
        "--limit part_bytes=N",
    )
    assert _listing(tmp_path) == before


def test_a_part_that_inflates_too_many_times_is_refused(tmp_path: Path) -> None:
    def padded(xml: bytes) -> bytes:  # 20 MB of white space between rows
        return xml.replace(b"</row>", b"</row>" + b" " * (20 * 2**20), 1)

    bomb = tmp_path / "ratio.xlsx"
    bomb.write_bytes(_replace_sheet(_book(GOOD), padded))
    _assert_refused(
        _briefgen("validate", str(bomb)),
        "part 'xl/worksheets/sheet1.xml' inflates",
        "times",
        "more than the limit of 200",
        "--limit ratio=N",
    )


def test_an_entity_bomb_in_a_sheet_is_refused(tmp_path: Path) -> None:
    def laughs(xml: bytes) -> bytes:
        entities = b'<!ENTITY a "lol">' + b"".join(
            b'<!ENTITY %s "&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;">'
            % ((chr(98 + i).encode(),) + (chr(97 + i).encode(),) * 10)
            for i in range(9)
        )
        head = b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities + b"]>"
        return head + xml.split(b"?>", 1)[-1].replace(b"Nam \xc4\x90\xe1\xbb\x8bnh", b"&j;")

    bomb = tmp_path / "laughs.xlsx"
    bomb.write_bytes(_replace_sheet(_book(GOOD), laughs))
    _assert_refused(
        _briefgen("validate", str(bomb)),
        "part 'xl/worksheets/sheet1.xml' declares a document type",
    )


def test_limits_are_raised_by_option_environment_or_keyword(tmp_path: Path) -> None:
    rows = [*GOOD, *([f"{code:02d}", 2021, 1] for code in (1, 2, 4, 6, 8, 10, 11, 12, 14, 15))]
    book = tmp_path / "book.xlsx"
    book.write_bytes(_book(rows))
    _assert_refused(
        _briefgen("validate", str(book), "--limit", "rows=5"),
        "uses cells up to C6: 6 rows, more than the limit of 5",
    )
    assert _briefgen("validate", str(book), "--limit", "rows=50").returncode == 0
    raised = _briefgen("validate", str(book), env={"BRIEFGEN_LIMITS": "rows=50,cells=1k"})
    assert raised.returncode == 0, raised.stdout
    with pytest.raises(DataError, match="more than the limit of 5"):
        briefgen.load(book, limits={"rows": 5})
    assert len(briefgen.load(book, limits=Limits(rows=50))) == 11
    with pytest.raises(UsageError, match="unknown limit 'row'"):
        briefgen.load(book, limits={"row": 5})
    refused = _briefgen("validate", str(book), env={"BRIEFGEN_LIMITS": "rows=many"})
    _assert_refused(refused, "limit rows='many' in BRIEFGEN_LIMITS is not a positive whole number")
