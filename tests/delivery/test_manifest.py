"""The batch as delivery reads it: a malformed manifest is named, a file outside is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefgen.delivery.manifest import read_batch
from briefgen.errors import DataError

from .conftest import copy_batch, manifest


def test_the_manifest_groups_files_by_province_in_format_order(batch_2024: Path) -> None:
    batch = read_batch(batch_2024)
    assert batch.year == 2024 and batch.template == "official" and batch.complete
    grouped = [(unit.code, [f.format for f in files]) for unit, files in batch.units()]
    assert grouped == [("01", ["pdf", "docx"]), ("38", ["pdf", "docx"]), ("77", ["pdf", "docx"])]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("year"), "field 'year': not a batch manifest: 'year' is None, not int"),
        (lambda d: d["files"][0].pop("sha256"), "field 'files.1.sha256': not a batch manifest"),
        (lambda d: d["files"][1].update(code="99"), "field 'files.2.code': no province with code"),
        (
            lambda d: d.update(files={}),
            "field 'files': not a batch manifest: 'files' is not a list",
        ),
    ],
)
def test_a_malformed_manifest_names_the_field(
    change: object, message: str, batch_2024: Path, tmp_path: Path
) -> None:
    batch = copy_batch(batch_2024, tmp_path / "batch")
    data = manifest(batch)
    change(data)  # type: ignore[operator]
    (batch / "manifest.json").write_text(json.dumps(data), "utf-8")
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_batch(batch)


def test_a_manifest_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{\n  "year": 2024,\n  oops\n}', "utf-8")
    with pytest.raises(DataError, match=r"manifest.json:3: not a batch manifest"):
        read_batch(tmp_path)


def test_a_file_outside_the_batch_folder_is_never_read(batch_2024: Path, tmp_path: Path) -> None:
    batch = copy_batch(batch_2024, tmp_path / "batch")
    (tmp_path / "secret.pdf").write_bytes(b"secret")
    data = manifest(batch)
    data["files"][0]["path"] = "../secret.pdf"
    (batch / "manifest.json").write_text(json.dumps(data), "utf-8")
    parsed = read_batch(batch)
    with pytest.raises(DataError, match="outside the batch folder"):
        parsed.read(parsed.files[0])
