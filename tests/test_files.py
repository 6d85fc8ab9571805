"""Output files: names stay inside the folder, writes are atomic, leftovers are cleared."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from briefgen import files
from briefgen.errors import OutputError, UsageError


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


def test_remove_stale_clears_only_briefgens_own_temporary_names(tmp_path: Path) -> None:
    left = tmp_path / ".01-ha-noi-2025-official.pdf.briefgen-ab12cd34.part"
    left.write_bytes(b"half")
    kept = [
        tmp_path / "01-ha-noi-2025-official.pdf",
        tmp_path / ".hidden-notes",
        tmp_path / ".notes.part",  # another program's temporary file
        tmp_path / ".report.docx.ab12cd34.part",  # no briefgen mark
        tmp_path / ".x.briefgen-ab12cd34.part.bak",
    ]
    for path in kept:
        path.write_bytes(b"keep")
    folder = tmp_path / ".y.briefgen-ab12cd34.part"  # a folder named like ours
    folder.mkdir()
    link = tmp_path / ".z.briefgen-ab12cd34.part"  # a link named like ours
    link.symlink_to(kept[0])
    assert files.remove_stale(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in kept] + [folder.name, link.name]
    )


def test_temporary_names_carry_briefgens_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a killed writer may leave is recognisable as ours, and only that is cleared."""
    seen: list[str] = []
    real_replace = os.replace

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        seen.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    files.write_atomic(tmp_path / "a.pdf", b"unnamed route")
    monkeypatch.setattr(files, "_write_unnamed", lambda path, data: False)
    files.write_atomic(tmp_path / "a.pdf", b"named route")
    assert len(seen) == 2
    for name in seen:
        assert files._TEMPORARY.fullmatch(name), name
        (tmp_path / name).write_bytes(b"left by a killed writer")
    assert sorted(p.name for p in files.remove_stale(tmp_path)) == sorted(seen)


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed", "named"])
def test_a_link_at_the_name_is_replaced_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    if not unnamed:
        monkeypatch.setattr(files, "_write_unnamed", lambda path, data: False)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / "brief.pdf").symlink_to(victim)
    target = files.write_atomic(files.inside(out, "brief.pdf"), b"%PDF")
    assert target == out.resolve() / "brief.pdf"
    assert not target.is_symlink() and target.read_bytes() == b"%PDF"
    assert victim.read_bytes() == b"not yours"


def test_inside_keeps_the_name_as_given(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link.pdf").symlink_to(tmp_path / "elsewhere" / "x.pdf")
    assert files.inside(tmp_path, "link.pdf") == tmp_path.resolve() / "link.pdf"
    for name in ("", ".", "..", "a/b.pdf", "..\\x.pdf", "a\0b"):
        with pytest.raises(OutputError, match="leaves the output folder"):
            files.inside(tmp_path, name)


def test_read_regular_reads_only_a_regular_file_under_the_limit(tmp_path: Path) -> None:
    regular = tmp_path / "manifest.json"
    regular.write_bytes(b"12345")
    (tmp_path / "link.json").symlink_to(regular)
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")  # opening it for reading must not wait for a writer
    assert files.read_regular(regular, 5) == b"12345"
    assert files.read_regular(regular, 4) is None
    for name in ("link.json", "folder", "pipe", "missing"):
        assert files.read_regular(tmp_path / name, 100) is None, name


def test_a_name_may_not_leave_the_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="leaves the output folder"):
        files.inside(tmp_path, "../escape.pdf")
    assert files.inside(tmp_path, "ok.pdf") == (tmp_path / "ok.pdf").resolve()


def test_an_output_folder_that_cannot_be_made_there_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "notes").write_bytes(b"x")
    for folder in (tmp_path / "notes", tmp_path / "notes" / "briefs"):
        with pytest.raises(UsageError, match="a file is in the way") as caught:
            files.write_atomic(folder / "a.pdf", b"%PDF")
        assert caught.value.where.file == str(folder)
    assert (tmp_path / "notes").read_bytes() == b"x"
