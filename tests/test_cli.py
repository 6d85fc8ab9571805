"""The command line: render, demo, exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"


def test_render_writes_both_formats_with_ascii_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["render", str(SEEDS), "--province", "Thanh Hoá", "--year", "2020", "--out", str(tmp_path)]
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["thanh-hoa-2020-official.docx", "thanh-hoa-2020-official.pdf"]
    assert all(name.isascii() for name in names)
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == names


def test_render_one_format(tmp_path: Path) -> None:
    assert (
        main(
            [
                "render",
                str(SEEDS),
                "--province",
                "36",
                "--year",
                "2021",
                "--format",
                "docx",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert [p.suffix for p in tmp_path.iterdir()] == [".docx"]


def test_demo_renders_every_fixture_record(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path), "--no-national"]) == 0
    assert len(list(tmp_path.glob("*.pdf"))) == 4
    assert len(list(tmp_path.glob("*.docx"))) == 4
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
    assert not (tmp_path / "national-2025").exists()


def test_demo_then_renders_every_province_of_the_national_fixture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path), "--format", "docx", "--workers", "2"]) == 0
    national = tmp_path / "national-2025"
    assert len(list(national.glob("*-2025-official.docx"))) == 34
    assert (national / "manifest.json").is_file()
    err = capsys.readouterr().err
    assert "synthetic figures" in err
    assert "[34/34]" in err  # plain progress lines when not on a terminal
    assert "68 file" not in err and "34 file(s) written" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["render", "missing.yaml", "--province", "Nam Định", "--year", "2021"],
            "missing.yaml: file not found",
        ),
        (
            ["render", str(SEEDS), "--province", "Nam Dihn", "--year", "2021"],
            "unknown province 'Nam Dihn'",
        ),
        (
            ["render", str(SEEDS), "--province", "Nam Định", "--year", "2019"],
            "no record for Nam Định in 2019",
        ),
        (
            ["render", str(SEEDS), "--province", "Nam Định", "--year", "2021", "--format", "odt"],
            "unknown format 'odt'",
        ),
        (
            ["render", str(SEEDS), "--province", "Nam Định", "--year", "2021", "--template", "x"],
            "unknown template 'x'",
        ),
        (["render", str(SEEDS), "--province", "Nam Định"], "the following arguments are required"),
        (["render", str(SEEDS), "--province", "Nam Định", "--year", "abc"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
        ([], "usage"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*argv, "--out", str(tmp_path)] if argv and argv[0] == "render" else argv)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    if argv:
        assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefgen",
            "render",
            str(SEEDS),
            "--province",
            "Bắc Kạn",
            "--year",
            "2020",
            "--format",
            "pdf",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bac-kan-2020-official.pdf").is_file()


def test_templates_lists_builtins_and_user_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-template", "tinh-x", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["templates", "--path", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert {"official", "en", "tinh-x"} <= set(lines)
    assert "[built-in]" in lines["official"]
    assert "(extends official)" in lines["tinh-x"] and str(tmp_path) in lines["tinh-x"]


def test_new_template_renders_like_its_base_until_edited(tmp_path: Path) -> None:
    import briefgen

    assert main(["new-template", "tinh-x", "--from", "official", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "tinh-x"
    assert sorted(p.name for p in folder.iterdir()) == ["brief.xml.j2", "template.yaml"]
    data = briefgen.load(SEEDS)
    mine = briefgen.build(data, province="Nam Định", year=2021, template=folder)
    base = briefgen.build(data, province="Nam Định", year=2021, template="official")
    assert mine.dump() == base.dump()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new-template", "Tỉnh X"], "must be lowercase ASCII"),
        (["new-template", "x", "--from", "oficial"], "unknown template 'oficial'"),
    ],
)
def test_new_template_refuses_bad_names(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_new_template_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x").mkdir()
    assert main(["new-template", "x", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_saying_it_is_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import briefgen.cli as cli

    def broken(args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "_cmd_templates", broken)
    monkeypatch.delenv("BRIEFGEN_TRACEBACK", raising=False)
    assert main(["templates"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "briefgen: internal error: ZeroDivisionError: division by zero (this is a bug in "
        "briefgen; please report it with the command you ran; BRIEFGEN_TRACEBACK=1 shows "
        "the traceback)"
    ]
    monkeypatch.setenv("BRIEFGEN_TRACEBACK", "1")
    with pytest.raises(ZeroDivisionError):
        main(["templates"])


def test_sigterm_handling_is_restored_after_a_command() -> None:
    import signal

    before = signal.getsignal(signal.SIGTERM)
    assert main(["templates"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_message_is_one_printable_line_of_bounded_length(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "long.yaml"
    data.write_text("records:\n  - province: " + "X" * 100_000 + "\n    year: 2021\n", "utf-8")
    assert main(["render", str(data), "--province", "X", "--year", "2021"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and len(err) < 2100
    assert " … " in err and "long.yaml:2" in err


def test_new_template_into_a_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes").write_text("x", "utf-8")
    assert main(["new-template", "tinh-x", "--dir", str(tmp_path / "notes")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "notes").read_text("utf-8") == "x"


FROM = "Sở Khoa học và Công nghệ <baocao@example.gov.vn>"
RENDER = ["render", str(SEEDS), "--province", "36", "--year", "2021"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*RENDER, "--out", "{file}"], "{file}: is a file, not a folder"),
        ([*RENDER, "--out", "{file}/briefs"], "{file} is a file"),
        ([*RENDER, "--format", "pdf", "--out", "{folder}"], "official.pdf: is a folder"),
        (
            ["batch", str(SEEDS), "--year", "2021", "--out", "{file}"],
            "{file}: is a file, not a folder",
        ),
        (
            ["batch", str(SEEDS), "--year", "2021", "--out", "{file}/x"],
            "{file}/x: {file} is a file",
        ),
        (["demo", "--no-national", "--out", "{file}"], "{file}: is a file, not a folder"),
        (["new-template", "tinh-x", "--dir", "{file}"], "'{file}' is a file, not a folder"),
        (["new-workbook", "{file}/book.xlsx"], "{file}: is a file, not a folder"),
        (["new-workbook", "{folder}/book.xlsx"], "book.xlsx: already exists"),
        (["export", str(SEEDS), "--to", "{file}"], "{file}: is a file, not a folder"),
        (["export", str(SEEDS), "--to", "{file}/seeds.yaml"], "{file}: is a file, not a folder"),
        (["export", str(SEEDS), "--to", "{folder}/book.xlsx"], "book.xlsx: is a folder"),
        (["export", str(SEEDS), "--to", "{folder}/data.ods"], "cannot export to '.ods' files"),
        (
            ["send", "{folder}", "--recipients", "book.csv", "--from", FROM, "--outbox", "{file}"],
            "{file}: is a file, not a folder",
        ),
        (
            ["sign", "x.pdf", "--config", "signing.yaml", "--out", "{file}"],
            "{file}: is a file, not a folder",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value[:1] + value[-2:-1]),
)
def test_an_output_place_taken_by_a_file_or_folder_exits_2_with_one_line_writing_nothing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command's output option: a file in the way of a folder, or a folder in the
    way of a file, is the user's to fix (exit 2, one line) and found before any work."""
    file = tmp_path / "afile"
    file.write_text("x", "utf-8")
    folder = tmp_path / "folder"
    (folder / "nam-dinh-2021-official.pdf").mkdir(parents=True)
    (folder / "book.xlsx").mkdir()
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    places = {"file": str(file), "folder": str(folder)}
    code = main([part.format(**places) for part in argv])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("briefgen: error: ") and message.format(**places) in lines[0]
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert file.read_text("utf-8") == "x"


def test_text_the_pdf_font_cannot_print_is_a_one_line_warning(tmp_path: Path) -> None:
    data = tmp_path / "data.yaml"
    data.write_text(
        "records:\n  - province: Nam Định\n    year: 2021\n"
        "    awards: ['Giải thưởng ⩾ 90% 🏆 năm 2021']\n",
        "utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "briefgen", "render", str(data), "--province", "Nam Định",
         "--year", "2021", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr  # both files: the DOCX shows them in another font
    (warning,) = [line for line in run.stderr.splitlines() if "has no glyph" in line]
    assert warning.startswith("briefgen: warning: the PDF's font (")
    assert "'⩾' (U+2A7E) in “Giải thưởng ⩾ 90% 🏆 năm 2021”" in warning
    assert "'🏆' (U+1F3C6)" in warning and "style.font" in warning
    assert "Traceback" not in run.stderr
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_warnings_made_errors_stop_with_exit_2_and_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data.yaml"
    data.write_text(
        "records:\n  - province: Nam Định\n    year: 2021\n    awards: ['Giải 🏆']\n", "utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-W", "error", "-m", "briefgen",
         "render", str(data), "--province", "Nam Định", "--year", "2021", "--format", "pdf",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("briefgen: error: the PDF's font (") and "'🏆' (U+1F3C6)" in line
    assert not list((tmp_path / "out").glob("*.pdf"))
