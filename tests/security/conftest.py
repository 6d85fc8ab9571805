"""Run ``briefgen`` in a subprocess with bounded memory and CPU time.

A hostile input must be refused quickly and cheaply, so each security case
runs the real command line in a child process with hard limits:

- address space (``RLIMIT_AS``) of :data:`MEMORY_MB`: a case that needs more
  dies with a MemoryError (exit 1, "this is a bug"), and its test fails;
- CPU time (``RLIMIT_CPU``) of :data:`CPU_SECONDS`: a case that loops is
  killed by SIGXCPU.  CPU time, not wall time, so a busy machine does not
  make a case fail; a wall-clock timeout only guards against a hang.

Native libraries are kept to one thread so that the address space measured
is the program's, not per-core buffers of OpenBLAS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

MEMORY_MB = 300
CPU_SECONDS = 10
HANG_SECONDS = 120

_CHILD = """
import resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
from briefgen.cli import main
code = main(sys.argv[3:])
sys.stderr.flush()
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent (the
# test process, which grows past the limit in a long run); VmHWM starts with this program.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(f"@peak-kb {peak}", file=sys.stdout)
raise SystemExit(code)
"""


@dataclass(frozen=True)
class Run:
    """What a limited ``briefgen`` run did."""

    code: int
    out: str
    err: str
    peak_mb: float
    """Peak resident memory of the command's own process, in MB."""

    @property
    def message(self) -> str:
        """The one line the command printed on stderr (asserts there is exactly one)."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {self.err!r}"
        assert "Traceback" not in self.err
        return lines[0]


def run_limited(*argv: str | Path, cwd: Path, memory_mb: int = MEMORY_MB) -> Run:
    """``briefgen ARGV`` in a child process limited to ``memory_mb`` of address space
    and CPU_SECONDS of CPU time (a batch's workers inherit the limits)."""
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("BRIEFGEN_TRACEBACK", None)
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(memory_mb * 1024 * 1024),
            str(CPU_SECONDS),
            *map(str, argv),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=HANG_SECONDS,
        check=False,
    )
    out_lines = completed.stdout.splitlines()
    peak = [line for line in out_lines if line.startswith("@peak-kb ")]
    kept = "\n".join(line for line in out_lines if not line.startswith("@peak-kb "))
    assert completed.returncode >= 0, (
        f"killed by signal {-completed.returncode} (SIGXCPU: more than {CPU_SECONDS} s of CPU)"
        f": {completed.stderr[-2000:]}"
    )
    assert peak, f"the command died before finishing: {completed.stderr[-2000:]}"
    return Run(completed.returncode, kept, completed.stderr, int(peak[0].split()[1]) / 1024)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An empty folder the case runs in; tests assert what is left in it."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


Briefgen = Callable[..., Run]


@pytest.fixture
def briefgen(work: Path) -> Briefgen:
    """``briefgen(*argv)``: the command run in ``work`` under the limits (a :class:`Run`).

    ``memory_mb=`` raises the address space for cases that are about files, not
    memory (a forked batch worker maps more than it uses)."""

    def run(*argv: str | Path, memory_mb: int = MEMORY_MB) -> Run:
        return run_limited(*argv, cwd=work, memory_mb=memory_mb)

    return run


@pytest.fixture
def left_in() -> Callable[[Path], set[str]]:
    """Every name under a folder (relative), hidden ones included."""

    def names(folder: Path) -> set[str]:
        return {str(p.relative_to(folder)) for p in folder.rglob("*")}

    return names
