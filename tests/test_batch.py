"""Batch rendering: every province, a manifest to trust, failures alone, safe interruption."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest
import yaml
from conftest import write_template
from pypdf import PdfReader

import briefgen
from briefgen.batch import file_name, render_batch
from briefgen.cli import main
from briefgen.data import provinces
from briefgen.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]


def _national(path: Path, year: int = 2022, count: int = 12, zero: str | None = None) -> Path:
    """A small data file: ``count`` provinces with a few figures (one may have a zero)."""
    records = []
    for index, unit in enumerate(provinces.units("63")[:count]):
        revenue = 0 if unit.code == zero else 100 + 7 * index
        records.append(
            {
                "province": unit.name,
                "year": year,
                "observations": {
                    "postal_revenue": {"value": revenue, "yoy_pct": 3.5, "plan_pct": 101},
                    "phone_subscribers": {"value": 500_000 + 10_000 * index},
                    "dti": {"rank": index + 1, "of": 63},
                    "ict_index": {"rank": count - index, "of": 63},
                },
            }
        )
    path.write_text(yaml.safe_dump({"records": records}, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _national(tmp_path_factory.mktemp("data") / "national.yaml")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_batch_writes_every_file_and_a_manifest_whose_hashes_match(
    data_file: Path, tmp_path: Path
) -> None:
    dataset = briefgen.load(data_file)
    report = render_batch(dataset, year=2022, out_dir=tmp_path, workers=2)
    assert report.ok
    expected = {
        file_name(
            "{code}-{slug}-{year}-{template}.{ext}",
            code=u.code,
            name=u.name,
            year=2022,
            template="official",
            ext=ext,
        )
        for u in dataset.units(2022)
        for ext in ("pdf", "docx")
    }
    assert {p.name for p in tmp_path.iterdir()} == expected | {"manifest.json"}
    manifest = json.loads(report.manifest.read_text("utf-8"))
    assert manifest["complete"] is True
    assert manifest["input_sha256"] == dataset.digest
    assert manifest["template"] == "official" and manifest["briefgen"] == briefgen.__version__
    assert len(manifest["files"]) == len(expected)
    for item in manifest["files"]:
        assert _sha(tmp_path / item["path"]) == item["sha256"]
    first_pdf = next(tmp_path.glob("01-*.pdf"))
    assert "Hà Nội" in PdfReader(first_pdf).pages[0].extract_text()


def test_a_batch_over_the_national_fixture_writes_every_brief_of_the_year(
    tmp_path: Path,
) -> None:
    """The main job on the bundled national fixture: 34 provinces of 2025, both formats."""
    dataset = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
    units = dataset.units(2025)
    assert len(units) == 34
    report = render_batch(dataset, year=2025, out_dir=tmp_path, workers=2)
    assert report.ok, report.failures
    assert len(report.written) == 34 * 2
    manifest = json.loads(report.manifest.read_text("utf-8"))
    assert manifest["complete"] is True and manifest["year"] == 2025
    assert {item["path"] for item in manifest["files"]} == {
        p.name for p in tmp_path.iterdir() if p.name != "manifest.json"
    }
    for item in manifest["files"]:
        path = tmp_path / item["path"]
        assert _sha(path) == item["sha256"] and path.stat().st_size == item["bytes"]
    for unit in units:
        (pdf,) = tmp_path.glob(f"{unit.code}-*-2025-official.pdf")
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert unit.name in text
        (word,) = tmp_path.glob(f"{unit.code}-*-2025-official.docx")
        assert any(unit.name in p.text for p in docx.Document(str(word)).paragraphs)
    assert report.charts_drawn + report.charts_reused >= 34 * 2


def test_a_province_with_bad_data_fails_alone_with_its_reason(tmp_path: Path) -> None:
    data = _national(tmp_path / "data.yaml", count=4, zero="04")
    template = write_template(
        tmp_path / "per-unit",
        '{% extends "official/brief.xml.j2" %}\n{% block intro %}'
        "<p>Hiệu suất: {{ (1000 / figures.postal_revenue.value)|number }}</p>{% endblock %}\n",
    )
    report = render_batch(
        briefgen.load(data), year=2022, template=template, out_dir=tmp_path / "out", workers=2
    )
    assert [(f.code, f.province) for f in report.failures] == [("04", "Cao Bằng")]
    assert "division by zero" in report.failures[0].reason
    assert "brief.xml.j2" in report.failures[0].reason
    assert len(report.written) == 3 * 2
    assert not list((tmp_path / "out").glob("04-*"))
    manifest = json.loads(report.manifest.read_text("utf-8"))
    assert [f["code"] for f in manifest["failures"]] == ["04"]
    assert manifest["complete"] is False  # a province failed: the batch is not complete


def test_a_chart_every_brief_shows_is_drawn_once_for_the_batch(
    data_file: Path, tmp_path: Path
) -> None:
    """A national chart (every province's revenue, none highlighted) is the same in
    every brief: the workers share it through the batch's chart cache."""
    template = write_template(
        tmp_path / "national-chart",
        '{% extends "official/brief.xml.j2" %}\n{% block charts %}'
        '{% set rows = peers("postal_revenue") %}'
        '{{ ui.chart("peers", "", rows|map("first")|list, '
        '[{"label": "x", "values": rows|map(attribute=1)|list}], caption="Cả nước") }}'
        "{% endblock %}\n",
    )
    dataset = briefgen.load(data_file)
    briefs = len(dataset.units(2022))
    out = tmp_path / "out"
    caches: set[Path] = set()

    def progress(done: int, total: int, result: object) -> None:
        caches.update(out.glob(".briefgen-scratch-*"))  # this batch's own, in its folder

    report = render_batch(
        dataset, 2022, template=template, out_dir=out, formats=("pdf",), workers=2,
        progress=progress,
    )  # fmt: skip
    assert report.ok
    assert report.charts_drawn + report.charts_reused == briefs
    # Each of the two workers may draw it once before the other's copy is on disk.
    assert report.charts_drawn <= 2
    (cache,) = caches
    assert not cache.exists()  # the cache is removed with the batch
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_two_batches_of_the_same_input_give_identical_manifests(
    data_file: Path, tmp_path: Path
) -> None:
    dataset = briefgen.load(data_file)
    first = render_batch(dataset, 2022, out_dir=tmp_path / "a", formats=("pdf",), workers=2)
    second = render_batch(dataset, 2022, out_dir=tmp_path / "b", formats=("pdf",), workers=1)
    assert first.manifest.read_bytes() == second.manifest.read_bytes()


def test_any_executor_is_accepted(data_file: Path, tmp_path: Path) -> None:
    dataset = briefgen.load(data_file)
    seen: list[int] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        report = render_batch(
            dataset,
            2022,
            out_dir=tmp_path,
            formats=("docx",),
            provinces=["Hà Nội", "04"],
            executor=pool,
            progress=lambda done, total, result: seen.append(done),
        )
    assert report.ok and seen == [1, 2]
    assert sorted(w.code for w in report.written) == ["01", "04"]
    docx.Document(io.BytesIO((tmp_path / report.written[0].path).read_bytes()))


def test_dask_local_cluster_executor(data_file: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed", reason="dask is an optional extra")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False)
    with cluster, distributed.Client(cluster) as client:
        report = render_batch(
            briefgen.load(data_file),
            2022,
            out_dir=tmp_path,
            formats=("pdf",),
            provinces=["01"],
            executor=client.get_executor(),
        )
    assert report.ok and report.written[0].path.startswith("01-")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 1999}, "no records for 1999"),
        ({"year": 2022, "formats": ("odt",)}, "unknown output format 'odt'"),
        ({"year": 2022, "provinces": ["Atlantis"]}, "unknown province 'Atlantis'"),
        ({"year": 2022, "pattern": "../{code}.{ext}"}, "not a plain ASCII file name"),
        ({"year": 2022, "pattern": "{nope}.{ext}"}, "bad name pattern"),
        ({"year": 2022, "workers": 0}, "workers must be at least 1"),
        ({"year": 2022, "pattern": "{year}.{ext}"}, "gives '2022.pdf' to both the PDF of 01"),
        ({"year": 2022, "pattern": "{code}"}, "gives '01' to both the PDF of 01 Hà Nội and"),
        ({"year": 2022, "pattern": "{code:>99999}.{ext}"}, "format '{code:>99999}' is too wide"),
        ({"year": 2022, "pattern": "{code:{year}}.{ext}"}, "is too wide"),
        ({"year": 2022, "pattern": "{code.__class__}.{ext}"}, "unknown field"),
        ({"year": 2022, "pattern": "{code}-{slug:>250}.{ext}"}, "a name of 2"),
        ({"year": 2022, "pattern": "{code}\t.{ext}"}, "not a plain ASCII file name"),
    ],
)
def test_bad_batch_arguments_fail_before_any_work(
    data_file: Path, tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(briefgen.BriefgenError, match=message.replace("(", r"\(")):
        render_batch(briefgen.load(data_file), out_dir=tmp_path / "out", **kwargs)  # type: ignore[arg-type]
    assert not list(tmp_path.rglob("*.pdf"))


def test_usage_errors_are_usage_errors() -> None:
    assert issubclass(UsageError, briefgen.InputError)


def test_cli_batch_exits_1_when_a_province_fails(tmp_path: Path) -> None:
    data = _national(tmp_path / "data.yaml", count=3)
    code = main(
        [
            "batch",
            str(data),
            "--year",
            "2022",
            "--out",
            str(tmp_path / "out"),
            "--format",
            "pdf",
            "--provinces",
            "Hà Nội,Hà Giang",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == [
        "01-ha-noi-2022-official.pdf",
        "02-ha-giang-2022-official.pdf",
    ]


def test_killed_batch_leaves_no_partial_file_and_skip_existing_completes_it(
    tmp_path: Path,
) -> None:
    data = _national(tmp_path / "data.yaml", count=24)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "briefgen",
        "batch",
        str(data),
        "--year",
        "2022",
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.docx"))) < 3:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the batch and its worker, mid-run
    process.wait()
    done_before = {p.name for p in out.glob("*.pdf")} | {p.name for p in out.glob("*.docx")}
    assert 3 <= len(done_before) < 48, "the batch should be killed half-way"
    # No brief is ever half-written.  Files are written unnamed (O_TMPFILE) and get a
    # hidden temporary name only for the instant before their rename: a kill in that
    # instant may leave one, which the next batch clears, as it clears the killed batch's
    # chart cache and takes over its (now unlocked) lock file.  Nothing is left elsewhere.
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert all(
        name.endswith(".part") or name.startswith(".briefgen-scratch-") or name == ".briefgen.lock"
        for name in hidden
    ), hidden
    assert any(name.startswith(".briefgen-scratch-") for name in hidden), "its chart cache"
    for path in out.glob("*.pdf"):
        assert len(PdfReader(path).pages) >= 1  # every file that exists is whole
    for path in out.glob("*.docx"):
        docx.Document(str(path))
    rerun = subprocess.run(
        [*command, "--skip-existing"], capture_output=True, text=True, check=False, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    assert len(list(out.glob("*.pdf"))) == 24 and len(list(out.glob("*.docx"))) == 24
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["complete"] is True and len(manifest["files"]) == 48
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left"
    kept = int(rerun.stderr.split(" kept")[0].rsplit(" ", 1)[-1])
    assert kept >= 2, rerun.stderr  # files the manifest vouched for were not rendered again


def test_a_batch_without_a_writable_temporary_folder_still_renders(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_temporary_folder(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", no_temporary_folder)
    dataset = briefgen.load(data_file)
    with ThreadPoolExecutor(max_workers=2) as pool:
        report = render_batch(
            dataset, 2022, out_dir=tmp_path, formats=("pdf",), provinces=["01", "02"], executor=pool
        )
    assert report.ok and len(report.written) == 2


def test_a_format_that_empties_the_province_field_collides(data_file: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"gives 'official-2022\.pdf' to both"):
        render_batch(
            briefgen.load(data_file),
            2022,
            out_dir=tmp_path,
            formats=("pdf",),
            provinces=["01", "02"],
            pattern="{template}-{year}{code:.0}.{ext}",
        )


def test_a_batch_stopped_by_its_caller_stops_its_workers_and_says_incomplete(
    data_file: Path, tmp_path: Path
) -> None:
    """An exception out of the batch (here the progress callback's, as Ctrl-C would be)
    ends the workers, leaves no temporary file and a manifest marked incomplete."""

    class Stop(Exception):
        pass

    def progress(done: int, total: int, result: object) -> None:
        raise Stop

    before = {p.pid for p in multiprocessing.active_children()}
    with pytest.raises(Stop):
        render_batch(briefgen.load(data_file), 2022, out_dir=tmp_path, workers=2, progress=progress)
    assert {p.pid for p in multiprocessing.active_children()} <= before
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert manifest["complete"] is False and len(manifest["files"]) == 2  # one province
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- what a script gets


def test_a_batch_takes_what_load_reads_and_refuses_anything_else(
    data_file: Path, tmp_path: Path
) -> None:
    report = render_batch(
        str(data_file), 2022, out_dir=tmp_path / "a", formats=("pdf",), provinces=["01"], workers=1
    )
    assert report.ok and [w.path for w in report.written] == ["01-ha-noi-2022-official.pdf"]
    manifest = json.loads(report.manifest.read_text("utf-8"))
    assert manifest["input"] == "national.yaml"
    assert manifest["input_sha256"] == briefgen.load(data_file).digest  # as if loaded first
    with pytest.raises(UsageError, match=r"render_batch\(\) needs a Dataset .*, not int"):
        render_batch(5, 2022, out_dir=tmp_path / "b")  # type: ignore[arg-type]
    with pytest.raises(briefgen.DataError, match="file not found"):
        render_batch(str(tmp_path / "missing.yaml"), 2022, out_dir=tmp_path / "c")
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


def test_build_refuses_a_path_saying_to_load_it_once(data_file: Path) -> None:
    with pytest.raises(UsageError, match=r"load it once with data = briefgen\.load\("):
        briefgen.build(str(data_file), "01", 2022)  # type: ignore[arg-type]


def test_progress_gets_a_public_province_result(data_file: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int, briefgen.ProvinceResult]] = []
    report = render_batch(
        briefgen.load(data_file),
        2022,
        out_dir=tmp_path,
        provinces=["01", "Hà Giang"],
        workers=1,
        progress=lambda done, total, result: seen.append((done, total, result)),
    )
    assert [(done, total) for done, total, _ in seen] == [(1, 2), (2, 2)]
    results = sorted((result for _, _, result in seen), key=lambda r: r.code)
    assert all(type(r) is briefgen.ProvinceResult and r.ok and r.failure is None for r in results)
    assert [(r.code, r.province) for r in results] == [("01", "Hà Nội"), ("02", "Hà Giang")]
    assert [w.format for w in results[0].written] == ["pdf", "docx"]
    assert [w for r in results for w in r.written] == list(report.written)
    assert "ProvinceResult" in briefgen.__all__ and "ProvinceResult" in dir(briefgen)


# --------------------------------------------------------------------------- all or nothing


@pytest.mark.parametrize("formats", [("pdf", "docx"), ("docx", "pdf")])
def test_a_province_whose_second_file_cannot_be_written_leaves_neither(
    data_file: Path, tmp_path: Path, formats: tuple[str, str]
) -> None:
    """A folder planted at one province's second file: its first file, written a moment
    before, is removed again; the other provinces are whole; the manifest lists no half."""
    out = tmp_path / "out"
    blocked = out / f"02-ha-giang-2022-official.{formats[1]}"
    blocked.mkdir(parents=True)
    report = render_batch(
        briefgen.load(data_file), 2022, out_dir=out, formats=formats, provinces=["01", "02"],
        workers=1,
    )  # fmt: skip
    ((code, province, reason),) = [(f.code, f.province, f.reason) for f in report.failures]
    assert (code, province) == ("02", "Hà Giang")
    assert "a folder of that name is in the way" in reason and blocked.name in reason
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [blocked.name, "manifest.json", "01-ha-noi-2022-official.pdf",
         "01-ha-noi-2022-official.docx"]
    )  # fmt: skip
    manifest = json.loads(report.manifest.read_text("utf-8"))
    assert {item["code"] for item in manifest["files"]} == {"01"}
    assert manifest["complete"] is False


def test_a_failed_province_keeps_and_lists_what_skip_existing_kept(
    data_file: Path, tmp_path: Path
) -> None:
    """Honest record: a file kept from the earlier run stays, and the manifest says so."""
    out = tmp_path / "out"
    dataset = briefgen.load(data_file)
    assert render_batch(dataset, 2022, out_dir=out, formats=("pdf",), provinces=["02"]).ok
    pdf = out / "02-ha-giang-2022-official.pdf"
    kept = pdf.read_bytes()
    (out / "02-ha-giang-2022-official.docx").mkdir()
    report = render_batch(
        dataset, 2022, out_dir=out, formats=("pdf", "docx"), provinces=["02"],
        skip_existing=True, workers=1,
    )  # fmt: skip
    assert [f.code for f in report.failures] == ["02"]
    assert [(w.path, w.skipped) for w in report.written] == [(pdf.name, True)]
    assert pdf.read_bytes() == kept
    files = json.loads(report.manifest.read_text("utf-8"))["files"]
    assert [item["path"] for item in files] == [pdf.name]


def test_render_refuses_a_folder_at_a_brief_name_before_rendering(
    data_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    (out / "ha-noi-2022-official.docx").mkdir(parents=True)
    code = main(["render", str(data_file), "--province", "01", "--year", "2022", "--out", str(out)])
    (line,) = capsys.readouterr().err.splitlines()
    assert code == 2 and "ha-noi-2022-official.docx: is a folder" in line
    assert [p.name for p in out.iterdir()] == ["ha-noi-2022-official.docx"]  # no PDF alone


# --------------------------------------------------------------------------- the output folder


def test_a_second_batch_into_a_folder_being_written_fails_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _national(tmp_path / "data.yaml", count=24)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "briefgen", "batch", str(data), "--year", "2022",
               "--out", str(out), "--workers", "1"]  # fmt: skip
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(out.glob("*.pdf")):
            time.sleep(0.05)
        assert first.poll() is None, "the first batch should still be running"
        before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix == ".pdf"}
        code = main(["batch", str(data), "--year", "2022", "--out", str(out), "--workers", "1"])
        (line,) = capsys.readouterr().err.splitlines()
        assert code == 2
        assert line == (
            f"briefgen: error: {out}: another batch is writing into this folder "
            "(wait for it to finish, or choose another output folder)"
        ), line
        for name, stamp in before.items():
            assert (out / name).stat().st_mtime_ns == stamp  # the second one touched nothing
    finally:
        _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["complete"] is True and len(manifest["files"]) == 48
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_a_killed_batchs_chart_cache_is_cleared_by_the_next_batch_there(
    data_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    stale = out / ".briefgen-scratch-k1lled00"  # as a SIGKILLed batch leaves it
    stale.mkdir(parents=True)
    (stale / "0123.chart").write_bytes(b"left")
    report = render_batch(
        briefgen.load(data_file), 2022, out_dir=out, formats=("pdf",), provinces=["01"]
    )
    assert report.ok and not stale.exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
