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
        with pytest.raises(UsageError, match="is a file") as caught:
            files.write_atomic(folder / "a.pdf", b"%PDF")
        assert caught.value.where.file == str(folder)
        assert caught.value.hint == "choose another folder"
        assert str(tmp_path / "notes") in str(caught.value)  # the file in the way, named
    assert (tmp_path / "notes").read_bytes() == b"x"


def test_remove_stale_clears_a_batchs_working_folder_but_not_links_or_look_alikes(
    tmp_path: Path,
) -> None:
    made = files.scratch_folder(tmp_path)
    assert made is not None and made.parent == tmp_path and made.name.startswith(".briefgen-")
    (made / "ab.chart").write_bytes(b"a chart")
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep").write_bytes(b"keep")
    link = tmp_path / ".briefgen-scratch-linkto00"  # named like ours, a link: left alone
    link.symlink_to(target)
    other = tmp_path / ".briefgen-scratch-toolongname"  # not our name
    other.mkdir()
    file = tmp_path / ".briefgen-scratch-afile000"  # our name, but a file
    file.write_bytes(b"x")
    assert files.remove_stale(tmp_path) == [made]
    assert not made.exists() and (target / "keep").read_bytes() == b"keep"
    assert link.is_symlink() and other.is_dir() and file.is_file()


def test_a_folder_lock_refuses_a_second_holder_and_leaves_nothing(tmp_path: Path) -> None:
    with files.lock_folder(tmp_path):
        assert (tmp_path / files.LOCK_FILE).is_file()
        with (
            pytest.raises(UsageError, match="another batch is writing into this folder"),
            files.lock_folder(tmp_path),
        ):
            pass
        with (
            pytest.raises(UsageError, match="another send is writing"),
            files.lock_folder(tmp_path, "send"),
        ):
            pass
    assert list(tmp_path.iterdir()) == []
    with files.lock_folder(tmp_path):  # free again
        pass


def test_a_lock_left_by_a_killed_holder_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / files.LOCK_FILE).write_bytes(b"")  # a file, but no process holds it
    with files.lock_folder(tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_link_at_the_lock_file_is_refused_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / files.LOCK_FILE).symlink_to(victim)
    with pytest.raises(UsageError, match="is a symbolic link"), files.lock_folder(out):
        pass
    assert victim.read_bytes() == b"keep"


def test_writing_over_a_folder_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").mkdir()
    with pytest.raises(UsageError, match="a folder of that name is in the way") as caught:
        files.write_atomic(tmp_path / "a.pdf", b"%PDF")
    assert caught.value.where.file == str(tmp_path / "a.pdf")
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        files.write_atomic(tmp_path / "file" / "b.pdf", b"%PDF")


def test_write_all_writes_every_file_or_none(tmp_path: Path) -> None:
    (tmp_path / "b.docx").mkdir()
    with pytest.raises(UsageError):
        files.write_all([(tmp_path / "a.pdf", b"%PDF"), (tmp_path / "b.docx", b"PK")])
    assert [p.name for p in tmp_path.iterdir()] == ["b.docx"]
    written = files.write_all([(tmp_path / "a.pdf", b"%PDF"), (tmp_path / "c.docx", b"PK")])
    assert [p.read_bytes() for p in written] == [b"%PDF", b"PK"]


def test_places_that_cannot_take_an_output_are_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"x")
    (tmp_path / "a-folder.pdf").mkdir()
    with pytest.raises(UsageError, match="is a file, not a folder"):
        files.check_folder(tmp_path / "afile")
    with pytest.raises(UsageError, match="afile is a file"):
        files.check_folder(tmp_path / "afile" / "deeper" / "still")
    with pytest.raises(UsageError, match="is a folder: a file cannot be written at its name"):
        files.check_file(tmp_path / "a-folder.pdf")
    files.check_folder(tmp_path / "new" / "folder")  # may be made: nothing is made yet
    files.check_file(tmp_path / "new" / "brief.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder.pdf", "afile"]
