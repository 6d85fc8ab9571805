"""A batch killed or stopped leaves no worker, no partial file and an honest manifest
(issue 14, class 8).

``briefgen batch`` runs over the national fixture in its own session; the
test signals the parent alone (as a supervisor does) or the whole group (as
Ctrl-C in a terminal does), then looks for any process of the group left in
/proc.  A re-run with ``--skip-existing`` must then complete the batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefgen.files import LOCK_FILE, SCRATCH_PREFIX

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "fixtures" / "national-2019-2025.json"
PROVINCES = "01,04,08,11,12,14,15,19,20,22"
GONE_WITHIN = 5.0


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def _vouched(out: Path) -> set[str]:
    """The files the batch's manifest lists so far (it is replaced atomically)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return set()
    return {item["path"] for item in manifest["files"]}


def _command(out: Path) -> list[str]:
    return [
        sys.executable, "-m", "briefgen", "batch", str(NATIONAL), "--year", "2025",
        "--provinces", PROVINCES, "--format", "pdf", "--workers", "2", "--out", str(out),
    ]  # fmt: skip


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
@pytest.mark.parametrize(
    ("sig", "whole_group", "code"),
    [
        (signal.SIGTERM, False, 143),  # a supervisor stops the batch
        (signal.SIGKILL, False, -signal.SIGKILL),  # the batch is killed outright
        (signal.SIGINT, True, 130),  # Ctrl-C in a terminal reaches the whole group
    ],
    ids=["sigterm", "sigkill", "ctrl-c"],
)
def test_a_stopped_batch_leaves_no_worker_and_a_rerun_completes_it(
    tmp_path: Path, sig: signal.Signals, whole_group: bool, code: int
) -> None:
    out = tmp_path / "out"
    batch = subprocess.Popen(
        _command(out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(_vouched(out)) < 2:
            time.sleep(0.05)
        assert len(_group(batch.pid)) >= 3, "the batch and its two workers run"
        (os.killpg if whole_group else os.kill)(batch.pid, sig)
        stopped = time.monotonic()
        while _group(batch.pid) and time.monotonic() - stopped < GONE_WITHIN:
            time.sleep(0.05)
        left = _group(batch.pid)
        assert not left, f"processes left {GONE_WITHIN} s after {sig.name}: {left}"
        _, said = batch.communicate(timeout=GONE_WITHIN)
        assert batch.returncode == code
    finally:
        if _group(batch.pid):
            os.killpg(batch.pid, signal.SIGKILL)
        batch.communicate()
    assert "Traceback" not in said
    if code > 0:
        assert said.splitlines()[-1] == (
            "briefgen: stopped by SIGTERM" if code == 143 else "briefgen: interrupted"
        )
    # Nothing half-written and no temporary name; the manifest does not claim completion.
    # A batch killed outright cannot tidy up: it leaves its lock file (unlocked) and its
    # working folder, both cleared by the rerun (checked at the end).
    left = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    if sig == signal.SIGKILL:
        left = [n for n in left if n != LOCK_FILE and not n.startswith(SCRATCH_PREFIX)]
    assert not left
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["complete"] is False
    vouched = _vouched(out)
    assert 2 <= len(vouched) < 10 and vouched <= {p.name for p in out.glob("*.pdf")}

    rerun = subprocess.run(
        [*_command(out), "--skip-existing"], capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(vouched)} kept" in rerun.stderr  # what the manifest vouched for stays
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["complete"] is True and manifest["failures"] == []
    assert {item["path"] for item in manifest["files"]} == {p.name for p in out.glob("*.pdf")}
    assert len(manifest["files"]) == 10
    for item in manifest["files"]:
        assert hashlib.sha256((out / item["path"]).read_bytes()).hexdigest() == item["sha256"]
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".pdf")) == ["manifest.json"]


WORKER_STOPPED = """
import os, signal, sys, time
from pathlib import Path
from briefgen import batch, cli

signal.signal(signal.SIGTERM, cli._on_sigterm)  # as the command line sets it
pool = batch.workers_pool(1)
worker = pool.submit(os.getpid).result()
os.kill(worker, signal.SIGTERM)
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:  # gone, or a zombie: it ended (the pool reaps it in its own time)
        if Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            break
    except OSError:
        break
    time.sleep(0.02)
else:
    print("alive")
print("ended")
"""


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_worker_stopped_by_sigterm_ends_quietly(start: str) -> None:
    """A worker inherits the command line's SIGTERM handler over fork; stopped, it must
    end at once without a traceback (seen when a batch stopped its workers)."""
    script = f"import multiprocessing\nmultiprocessing.set_start_method({start!r})\n"
    run = subprocess.run(
        [sys.executable, "-c", script + WORKER_STOPPED],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.stdout.split() == ["ended"], run.stderr
    assert "Traceback" not in run.stderr and "_Terminated" not in run.stderr
