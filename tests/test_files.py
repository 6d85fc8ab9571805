"""Output files: names stay inside the folder, writes are atomic, leftovers are cleared."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from briefgen import files
from briefgen.errors import OutputError


def test_a_written_file_is_whole_readable_and_alone(tmp_path: Path) -> None:
    target = files.write_atomic(tmp_path / "a.pdf", b"first")
    files.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_without_unnamed_files_the_named_temporary_route_gives_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_write_unnamed", lambda path, data: False)
    target = files.write_atomic(tmp_path / "deep" / "b.docx", b"data")
    assert target.read_bytes() == b"data"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["b.docx"]


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="Linux only: O_TMPFILE")
def test_on_linux_the_data_is_never_under_a_name_while_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write goes to an unnamed file: a failure midway leaves the folder as it was."""
    real_fsync = os.fsync

    def fail(fd: int) -> None:
        assert [p.name for p in tmp_path.iterdir()] == [], "nothing named while writing"
        real_fsync(fd)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    assert files._write_unnamed(tmp_path / "c.pdf", b"x") is False
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = files.write_atomic(tmp_path / "d.pdf", b"old")
    monkeypatch.setattr(files, "_write_unnamed", lambda path, data: False)
    monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(5, "I/O")))
    with pytest.raises(OutputError, match="cannot write"):
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["d.pdf"]


def test_remove_stale_clears_only_temporary_names(tmp_path: Path) -> None:
    left = tmp_path / ".01-ha-noi-2025-official.pdf.ab12cd34.part"
    left.write_bytes(b"half")
    kept = [tmp_path / "01-ha-noi-2025-official.pdf", tmp_path / ".hidden-notes"]
    for path in kept:
        path.write_bytes(b"keep")
    assert files.remove_stale(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in kept)


def test_a_name_may_not_leave_the_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="leaves the output folder"):
        files.inside(tmp_path, "../escape.pdf")
    assert files.inside(tmp_path, "ok.pdf") == (tmp_path / "ok.pdf").resolve()
