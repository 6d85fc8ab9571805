"""The wheel ships the built-in templates, the package data and the demo fixture."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (found,) = out.glob("briefgen-*.whl")
    return found


def test_wheel_holds_templates_data_and_fixture(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in (
        "briefgen/_templates/official/template.yaml",
        "briefgen/_templates/official/brief.xml.j2",
        "briefgen/_templates/_lib/macros.xml.j2",
        "briefgen/_templates/en/template.yaml",
        "briefgen/_templates/summary/template.yaml",
        "briefgen/_fixtures/seed-reports.yaml",
        "briefgen/_fixtures/national-2019-2025.json",
        "briefgen/data/units.json",
        "briefgen/data/indicators.yaml",
    ):
        assert member in names, member
    assert not any(name.startswith("tests/") for name in names)


def test_installed_wheel_renders_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import briefgen, pathlib, sys\n"
        "assert pathlib.Path(briefgen.__file__).is_relative_to(pathlib.Path(sys.argv[1]))\n"
        "from briefgen.cli import main\n"
        "sys.exit(main(['demo', '--format', 'pdf', '--out', sys.argv[2]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script, str(site), str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 4
    # The main job, from the national fixture in the wheel: every province of 2025.
    assert len(list((tmp_path / "out" / "national-2025").glob("*.pdf"))) == 34
