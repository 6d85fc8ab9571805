"""Render every province's brief of one year, over any ``concurrent.futures.Executor``.

The main job of briefgen: one call writes a brief per province and format
into one folder, with a ``manifest.json`` saying what was made from what.

- One province failing never stops the others; its reason is reported.
- Workers write their own files atomically (:func:`files.write_atomic`), so no
  half-written brief is ever left, and only small results cross process
  boundaries.  A batch owns its output folder while it runs: it first clears
  temporary files an interrupted run left there.
- Each worker process unpickles the dataset once (cached by its digest) and
  keeps templates, fonts and the DOCX base document in its own caches.
- Charts are shared by the workers through a temporary folder for the batch,
  so a chart several briefs show is drawn once (:func:`charts.use_disk_cache`).
- ``skip_existing`` re-renders only what the manifest of an earlier run does
  not vouch for: a file is kept when it exists (a regular file, never a
  link), its SHA-256 matches the manifest, and input, template and briefgen
  version are unchanged.  The manifest is rewritten as results come in, so an
  interrupted run can be completed; its ``complete`` is true only when every
  province was rendered.
- Every province and format gets a name of its own: a pattern that gives two
  briefs one name is refused before any work.  A symbolic link at an output
  name is replaced by the brief, never written through.
- Workers die with the batch: killed, the batch leaves no worker behind (on
  Linux the kernel ends them; elsewhere a watchdog thread does).  Ctrl-C (or
  any exception) stops the workers, clears temporary files and leaves the
  manifest marked incomplete.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import shutil
import signal
import string
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefgen import __version__, writers
from briefgen.data.dataset import Dataset
from briefgen.errors import BriefgenError, UsageError
from briefgen.files import inside, make_folder, read_regular, remove_stale, write_atomic
from briefgen.text import slugify

DEFAULT_PATTERN = "{code}-{slug}-{year}-{template}.{ext}"
"""Output file names; fields: code, slug, name, year, template, ext."""

MANIFEST = "manifest.json"

MAX_MANIFEST_BYTES = 50_000_000
"""Largest earlier manifest ``skip_existing`` reads (a planted huge file is ignored)."""

MAX_KEPT_BYTES = 200_000_000
"""Largest earlier brief ``skip_existing`` reads to compare."""


@dataclass(frozen=True)
class Written:
    """One file written (or kept by ``skip_existing``), relative to the output folder."""

    code: str
    province: str
    format: str
    path: str
    sha256: str
    bytes: int
    skipped: bool = False


@dataclass(frozen=True)
class Failure:
    """A province whose brief could not be made, and why (one line)."""

    code: str
    province: str
    reason: str


@dataclass(frozen=True)
class BatchReport:
    """What a batch made: files written, provinces that failed, and the manifest."""

    written: tuple[Written, ...]
    failures: tuple[Failure, ...]
    manifest: Path
    charts_drawn: int = 0
    """Charts drawn in this batch."""
    charts_reused: int = 0
    """Charts taken from the batch's chart cache instead of being drawn again."""

    @property
    def ok(self) -> bool:
        """True when no province failed."""
        return not self.failures

    @property
    def rendered(self) -> tuple[Written, ...]:
        """The files rendered in this run (not kept from an earlier one)."""
        return tuple(w for w in self.written if not w.skipped)


@dataclass(frozen=True)
class _Job:
    code: str
    province: str
    year: int
    template: str
    """What to load: a built-in name or a folder path."""
    template_name: str
    formats: tuple[str, ...]
    out_dir: str
    pattern: str
    digest: str
    dataset: bytes = field(repr=False)
    keep: tuple[tuple[str, str], ...] = ()
    """(format, sha256) of files an earlier run made that may be kept."""
    chart_cache: str | None = None
    """The batch's chart folder, shared by its workers."""


@dataclass(frozen=True)
class _Result:
    code: str
    province: str
    written: tuple[Written, ...] = ()
    failure: str | None = None
    charts: tuple[int, int] = (0, 0)
    """Charts drawn and reused for this province."""


Progress = Callable[[int, int, "_Result"], None]
"""Called after each province: (done, total, result)."""


PATTERN_FIELDS = ("code", "slug", "name", "year", "template", "ext")
"""The fields a name pattern may use."""

MAX_NAME_BYTES = 255
"""The longest file name most file systems hold."""


def _check_pattern(pattern: str) -> None:
    """Refuse fields other than :data:`PATTERN_FIELDS` and format specs that could
    make a name longer than a file system holds (``{code:>100000000000}``)."""
    hint = "fields: {code} {slug} {name} {year} {template} {ext}"
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as error:
        raise UsageError(f"bad name pattern '{pattern}': {error}", hint=hint) from None
    for _, field_name, spec, _ in parts:
        if field_name is None:
            continue
        if field_name not in PATTERN_FIELDS:
            raise UsageError(
                f"bad name pattern '{pattern}': unknown field '{{{field_name}}}'", hint=hint
            )
        widths = [int(n) for n in re.findall(r"\d+", spec or "")]
        if "{" in (spec or "") or any(w > MAX_NAME_BYTES for w in widths):
            raise UsageError(
                f"bad name pattern '{pattern}': format '{{{field_name}:{spec}}}' is too wide",
                hint=f"a file name holds at most {MAX_NAME_BYTES} characters",
            )


def file_name(pattern: str, *, code: str, name: str, year: int, template: str, ext: str) -> str:
    """The output name of one brief from ``pattern`` (ASCII, no folders)."""
    _check_pattern(pattern)
    try:
        text = pattern.format(
            code=code,
            slug=slugify(name),
            name=slugify(name),
            year=year,
            template=slugify(template),
            ext=ext,
        )
    except (KeyError, IndexError, ValueError) as error:
        raise UsageError(
            f"bad name pattern '{pattern}': {error}",
            hint="fields: {code} {slug} {name} {year} {template} {ext}",
        ) from None
    if (
        "/" in text
        or "\\" in text
        or not text.isascii()
        or not text.isprintable()
        or text.startswith(".")
    ):
        raise UsageError(f"name pattern '{pattern}' gives '{text}', not a plain ASCII file name")
    if len(text) > MAX_NAME_BYTES:
        raise UsageError(
            f"name pattern '{pattern}' gives a name of {len(text)} characters",
            hint=f"a file name holds at most {MAX_NAME_BYTES}",
        )
    return text


def _names(
    pattern: str, units: Sequence[Any], year: int, template: str, formats: Sequence[str]
) -> None:
    """Refuse a pattern that does not give every province and format a name of its own
    (file systems may ignore case, so names differing in case only collide too)."""
    taken: dict[str, str] = {MANIFEST: "the batch's manifest"}
    for unit in units:
        for fmt in formats:
            text = file_name(
                pattern, code=unit.code, name=unit.name, year=year, template=template, ext=fmt
            )
            owner = f"the {fmt.upper()} of {unit.code} {unit.name}"
            other = taken.setdefault(text.casefold(), owner)
            if other != owner:
                raise UsageError(
                    f"name pattern '{pattern}' gives '{text}' to both {other} and {owner}",
                    hint="put {code} or {slug} in the pattern, and {ext} for several formats",
                )


@lru_cache(maxsize=4)
def _dataset(digest: str, blob: bytes) -> Dataset:
    """The job's dataset, unpickled once per worker process."""
    dataset: Dataset = pickle.loads(blob)  # our own bytes, from the parent process
    return dataset


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run(job: _Job) -> _Result:
    """Render one province in a worker: build once, write every format, never raise."""
    from briefgen import charts

    charts.use_disk_cache(job.chart_cache)
    drawn, reused = charts.counts()
    try:
        result = _render(job)
    finally:
        charts.use_disk_cache(None)
    now_drawn, now_reused = charts.counts()
    return replace(result, charts=(now_drawn - drawn, now_reused - reused))


def _render(job: _Job) -> _Result:
    from briefgen.api import build

    try:
        dataset = _dataset(job.digest, job.dataset)
        out = Path(job.out_dir)
        keep = dict(job.keep)
        written: list[Written] = []
        document = None
        for fmt in job.formats:
            name = file_name(
                job.pattern,
                code=job.code,
                name=job.province,
                year=job.year,
                template=job.template_name,
                ext=fmt,
            )
            target = inside(out, name)
            if fmt in keep:
                data = read_regular(target, MAX_KEPT_BYTES)
                if data is not None and _sha256(data) == keep[fmt]:
                    written.append(
                        Written(job.code, job.province, fmt, name, keep[fmt], len(data), True)
                    )
                    continue
            if document is None:
                document = build(dataset, job.code, job.year, job.template)
            data = document.to_bytes(fmt)
            write_atomic(target, data)
            written.append(Written(job.code, job.province, fmt, name, _sha256(data), len(data)))
        return _Result(job.code, job.province, tuple(written))
    except BriefgenError as error:
        return _Result(job.code, job.province, failure=" | ".join(str(error).splitlines()))
    except Exception as error:  # one province's bug must not stop the batch
        return _Result(job.code, job.province, failure=f"{type(error).__name__}: {error}")


def render_batch(
    dataset: Dataset,
    year: int,
    template: str | Path = "official",
    formats: Sequence[str] = ("pdf", "docx"),
    out_dir: str | Path = "briefs",
    provinces: Iterable[str] | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    pattern: str = DEFAULT_PATTERN,
    skip_existing: bool = False,
) -> BatchReport:
    """Render the brief of every province of ``year`` (or of ``provinces``) in each format.

    ``executor``: any :class:`concurrent.futures.Executor` (a thread pool, a
    dask ``Client.get_executor()``…); ``None`` means a process pool of
    ``workers`` processes (``None``: one per core).  ``progress`` is called
    after each province.  Returns a :class:`BatchReport`; failures are
    reported, not raised, except for bad arguments (:class:`UsageError`).
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise UsageError(f"year must be an integer, not {year!r}")
    chosen_formats = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    for fmt in chosen_formats:
        writers.get_writer(fmt)  # an unknown format fails here, before any work
    if not chosen_formats:
        raise UsageError("formats is empty")
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1, not {workers}")
    template_ref = str(template)
    from briefgen.template.env import load_template

    loaded = load_template(template)  # a bad template fails once, here
    out = Path(out_dir)
    make_folder(out)
    remove_stale(out)  # what a killed run may have left; the batch owns its folder now
    entries = _select(dataset, year, provinces)
    _names(pattern, entries, year, loaded.name, chosen_formats)  # fails here, before any work
    blob = pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL)
    digest = dataset.digest or _sha256(blob)
    stamp = {"input_sha256": digest, "template": loaded.name, "briefgen": __version__}
    previous = _previous_files(out, stamp) if skip_existing else {}
    try:
        chart_cache: str | None = tempfile.mkdtemp(prefix="briefgen-charts-")
    except OSError:
        chart_cache = None  # no shared chart cache: each worker draws its own
    jobs = [
        _Job(
            code=unit.code,
            province=unit.name,
            year=year,
            template=template_ref,
            template_name=loaded.name,
            formats=chosen_formats,
            out_dir=str(out),
            pattern=pattern,
            digest=digest,
            dataset=blob,
            keep=tuple((f, sha) for f in chosen_formats if (sha := previous.get((unit.code, f)))),
            chart_cache=chart_cache,
        )
        for unit in entries
    ]
    manifest = out / MANIFEST
    results: list[_Result] = []

    def record(result: _Result) -> None:
        results.append(result)
        _write_manifest(manifest, stamp, dataset, year, chosen_formats, results, complete=False)
        if progress is not None:
            progress(len(results), len(jobs), result)

    own = executor is None
    pool = executor or workers_pool(workers)
    futures: dict[Future[_Result], _Job] = {}
    stopped = False
    try:
        futures = {pool.submit(_run, job): job for job in jobs}
        for future in _as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool as error:
                result = _Result(job.code, job.province, failure=f"worker process died: {error}")
            except Exception as error:  # a remote executor's own failure
                result = _Result(job.code, job.province, failure=f"{type(error).__name__}: {error}")
            record(result)
    except BaseException:  # Ctrl-C, the CLI's SIGTERM, a progress callback's error
        stopped = True
        _stop(pool if own else None, futures)
        raise
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
        if chart_cache is not None:
            shutil.rmtree(chart_cache, ignore_errors=True)
        if stopped:  # a worker stopped mid-write may have left a temporary name
            remove_stale(out)
            _write_manifest(manifest, stamp, dataset, year, chosen_formats, results, False)
    _write_manifest(
        manifest,
        stamp,
        dataset,
        year,
        chosen_formats,
        results,
        complete=all(r.failure is None for r in results),
    )
    ordered = sorted(results, key=lambda r: r.code)
    return BatchReport(
        written=tuple(w for r in ordered for w in r.written),
        failures=tuple(
            Failure(r.code, r.province, r.failure) for r in ordered if r.failure is not None
        ),
        manifest=manifest,
        charts_drawn=sum(r.charts[0] for r in results),
        charts_reused=sum(r.charts[1] for r in results),
    )


def workers_pool(workers: int | None) -> ProcessPoolExecutor:
    """A process pool whose workers die with the batch (:func:`_worker_start`)."""
    context = multiprocessing.get_context()
    parent = os.getpid() if context.get_start_method() == "fork" else None
    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=context,
        initializer=_worker_start,
        initargs=(parent,),
    )


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_start(parent: int | None) -> None:
    """Start of each worker process: never outlive the batch.

    A worker whose batch is killed (SIGKILL, a crash) would otherwise wait for
    work forever, holding the caller's pipes.  On Linux the kernel kills it
    when its parent dies (``PR_SET_PDEATHSIG``); everywhere a watchdog thread
    ends it once its parent is gone.  Ctrl-C is the batch's to handle: the
    batch stops its workers itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends it
    watched = os.getppid()
    if parent is not None and watched != parent:
        os._exit(1)  # the batch died before this worker was ready
    threading.Thread(target=_watch_parent, args=(watched,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


WATCHDOG_SECONDS = 0.5
"""How often a worker checks that its batch is still alive (where the kernel cannot tell it)."""


def _stop(pool: Executor | None, futures: Iterable[Future[_Result]]) -> None:
    """Stop a batch at once: cancel what has not started and end our own workers."""
    for future in futures:
        future.cancel()
    if not isinstance(pool, ProcessPoolExecutor):
        return
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes = getattr(pool, "_processes", None) or {}  # before 3.14: no public way
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()


def _as_completed(futures: Iterable[Future[_Result]]) -> Iterable[Future[_Result]]:
    from concurrent.futures import as_completed

    return as_completed(futures)


def _select(dataset: Dataset, year: int, provinces: Iterable[str] | None) -> list[Any]:
    units = dataset.units(year)
    if not units:
        raise UsageError(
            f"the dataset has no records for {year}",
            hint=f"years present: {', '.join(map(str, dataset.years())) or 'none'}",
        )
    if provinces is None:
        return list(units)
    chosen = []
    for name in provinces:
        unit = dataset.entry(name, year).unit  # unknown names and missing records raise
        if unit not in chosen:
            chosen.append(unit)
    return chosen


def _previous_files(out: Path, stamp: dict[str, str]) -> dict[tuple[str, str], str]:
    """(code, format) → sha256 from an earlier manifest made from the same input and template."""
    raw = read_regular(out / MANIFEST, MAX_MANIFEST_BYTES)
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else {}
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    if any(data.get(key) != value for key, value in stamp.items()):
        return {}
    return {
        (item["code"], item["format"]): item["sha256"]
        for item in data.get("files", [])
        if isinstance(item, dict) and {"code", "format", "sha256"} <= item.keys()
    }


def _write_manifest(
    path: Path,
    stamp: dict[str, str],
    dataset: Dataset,
    year: int,
    formats: tuple[str, ...],
    results: Sequence[_Result],
    complete: bool,
) -> None:
    """Write the manifest atomically; sorted and free of timestamps, so reruns compare equal."""
    files = sorted(
        (
            {k: v for k, v in asdict(w).items() if k != "skipped"}
            for r in results
            for w in r.written
        ),
        key=lambda item: item["path"],
    )
    failures = sorted(
        (
            {"code": r.code, "province": r.province, "reason": r.failure}
            for r in results
            if r.failure is not None
        ),
        key=lambda item: str(item["code"]),
    )
    body = {
        **stamp,
        "input": Path(dataset.source).name if dataset.source else None,
        "year": year,
        "formats": list(formats),
        "complete": complete,
        "files": files,
        "failures": failures,
    }
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    write_atomic(path, text.encode("utf-8"))
