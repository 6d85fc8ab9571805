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
- Finishing (:mod:`briefgen.finish`): workers make drafts, empty signature
  fields and PDF/A; signing happens in the calling process only, as results
  come in, so keys, tokens and PINs never reach a worker (nor a remote one).
- ``skip_existing`` re-renders only what the manifest of an earlier run does
  not vouch for: a file is kept when it exists (a regular file, never a
  link), its SHA-256 matches the manifest, and input, template and briefgen
  version are unchanged.  The manifest is rewritten as results come in, so an
  interrupted run can be completed; its ``complete`` is true only when every
  province was rendered.  A signed PDF is never replaced by an unsigned
  render: it is kept when it is the earlier run's file with signatures added,
  else its province fails saying so (:mod:`briefgen.manifest`).
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
from typing import TYPE_CHECKING, Any

from briefgen import __version__, writers
from briefgen.data.dataset import Dataset
from briefgen.errors import BriefgenError, UsageError
from briefgen.files import inside, make_folder, read_regular, remove_stale, write_atomic
from briefgen.text import slugify

if TYPE_CHECKING:
    from briefgen.finish.pipeline import Archival
    from briefgen.finish.sign import Signer

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
    signed: bool = False
    """A PDF signed in the batch, or after it (:mod:`briefgen.manifest`)."""


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
class _Finishing:
    """What a batch does to each brief besides writing it (picklable, no keys).

    ``room_mm``: room the writer leaves for the signature images; ``signed``:
    the calling process signs each PDF the worker returns.
    """

    draft: bool = False
    archival: str | None = None
    sign_fields: bool | float = False
    room_mm: float | None = None
    signed: bool = False

    @property
    def pdf_active(self) -> bool:
        return bool(self.archival or self.sign_fields or self.room_mm)

    def stamp(self) -> dict[str, Any] | None:
        """What the manifest records, so that ``skip_existing`` never keeps a differently
        finished file (``None`` when nothing is done)."""
        parts = {
            "draft": self.draft,
            "archival": self.archival,
            "sign_fields": self.sign_fields,
            "signed": self.signed,
        }
        return {k: v for k, v in parts.items() if v} or None


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
    keep: tuple[tuple[str, str, int, bool], ...] = ()
    """(format, sha256, bytes, signed) of files an earlier run made that may be kept."""
    skip_existing: bool = False
    chart_cache: str | None = None
    """The batch's chart folder, shared by its workers."""
    finishing: _Finishing = _Finishing()


@dataclass(frozen=True)
class _Result:
    code: str
    province: str
    written: tuple[Written, ...] = ()
    failure: str | None = None
    charts: tuple[int, int] = (0, 0)
    """Charts drawn and reused for this province."""
    unsigned: tuple[tuple[str, str, bytes], ...] = ()
    """(format, name, bytes) of PDFs the calling process signs and writes."""


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
        written: list[Written] = []
        unsigned: list[tuple[str, str, bytes]] = []
        finishing = job.finishing
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
            if job.skip_existing:
                data = read_regular(target, MAX_KEPT_BYTES)
                kept = _kept(job, fmt, name, data) if data is not None else None
                if isinstance(kept, str):
                    return _Result(job.code, job.province, failure=kept)
                if kept is not None:
                    written.append(kept)
                    continue
            if document is None:
                document = build(dataset, job.code, job.year, job.template, draft=finishing.draft)
            data = _brief_bytes(document, fmt, finishing)
            if fmt == "pdf" and finishing.signed:
                unsigned.append((fmt, name, data))
                continue
            write_atomic(target, data)
            written.append(Written(job.code, job.province, fmt, name, _sha256(data), len(data)))
        return _Result(job.code, job.province, tuple(written), unsigned=tuple(unsigned))
    except BriefgenError as error:
        return _Result(job.code, job.province, failure=" | ".join(str(error).splitlines()))
    except Exception as error:  # one province's bug must not stop the batch
        return _Result(job.code, job.province, failure=f"{type(error).__name__}: {error}")


def _kept(job: _Job, fmt: str, name: str, data: bytes) -> Written | str | None:
    """What ``skip_existing`` does with a file already there: keep it (a :class:`Written`),
    render it again (``None``), or leave it and fail the province (the reason): a signed
    PDF is never replaced by an unsigned render."""
    from briefgen.manifest import extends, is_signed

    earlier = {f: (sha, size, signed) for f, sha, size, signed in job.keep}.get(fmt)
    if earlier is not None and _sha256(data) == earlier[0]:
        return Written(job.code, job.province, fmt, name, earlier[0], len(data), True, earlier[2])
    if fmt != "pdf" or not is_signed(data):
        return None
    if earlier is not None and extends(data, earlier[0], earlier[1]):
        # The earlier run's file, signed by a tool that did not record it: kept, and recorded.
        return Written(job.code, job.province, fmt, name, _sha256(data), len(data), True, True)
    return (
        f"{name} is signed and the manifest does not vouch for it (made from other input, "
        "template or options, or changed since), so it was not replaced by an unsigned render "
        "(move it out of the folder to render this brief again)"
    )


def _brief_bytes(document: Any, fmt: str, finishing: _Finishing) -> bytes:
    """One format of a brief, finished as the batch asks (not signed: the parent signs)."""
    if fmt != "pdf" or not finishing.pdf_active:
        data: bytes = document.to_bytes(fmt, archival=False)
        return data
    from briefgen.finish.pipeline import finish_pdf, with_room

    return finish_pdf(
        with_room(document, finishing.room_mm),
        archival=finishing.archival,
        sign_fields=finishing.sign_fields,
    )


def _sign_results(result: _Result, signer: Signer | None, out: Path) -> _Result:
    """Sign and write the PDFs a worker returned unsigned; a failure is the province's."""
    if not result.unsigned or signer is None:
        return result
    written = list(result.written)
    try:
        for fmt, name, data in result.unsigned:
            signed = signer.sign(data, source=name)
            write_atomic(inside(out, name), signed)
            item = Written(result.code, result.province, fmt, name, _sha256(signed), len(signed))
            written.append(replace(item, signed=True))
    except BriefgenError as error:
        reason = " | ".join(str(error).splitlines())
        return _Result(result.code, result.province, failure=reason, charts=result.charts)
    return replace(result, written=tuple(written), unsigned=())


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
    *,
    sign: Signer | None = None,
    archival: Archival = None,
    draft: bool = False,
    sign_fields: bool | float = False,
) -> BatchReport:
    """Render the brief of every province of ``year`` (or of ``provinces``) in each format.

    ``executor``: any :class:`concurrent.futures.Executor` (a thread pool, a
    dask ``Client.get_executor()``…); ``None`` means a process pool of
    ``workers`` processes (``None``: one per core).  ``progress`` is called
    after each province.  PDF finishing as for ``Document.to_bytes``:
    ``sign`` (a :class:`briefgen.Signer`; signing happens in this process),
    ``archival`` (``None``: the template's setting), ``sign_fields``;
    ``draft`` marks every brief "DỰ THẢO".  Returns a :class:`BatchReport`;
    failures are reported, not raised, except for bad arguments (:class:`UsageError`).
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
    finishing = _finishing(loaded.config.archival, sign, archival, draft, sign_fields)
    out = Path(out_dir)
    make_folder(out)
    remove_stale(out)  # what a killed run may have left; the batch owns its folder now
    entries = _select(dataset, year, provinces)
    _names(pattern, entries, year, loaded.name, chosen_formats)  # fails here, before any work
    blob = pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL)
    digest = dataset.digest or _sha256(blob)
    stamp: dict[str, Any] = {
        "input_sha256": digest,
        "template": loaded.name,
        "briefgen": __version__,
    }
    if finishing.stamp() is not None:
        stamp["finish"] = finishing.stamp()
    if skip_existing:
        from briefgen.manifest import keep_signed

        keep_signed(out, stamp)  # signed briefs of an earlier batch this one would not keep
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
            keep=tuple((f, *e) for f in chosen_formats if (e := previous.get((unit.code, f)))),
            skip_existing=skip_existing,
            chart_cache=chart_cache,
            finishing=finishing,
        )
        for unit in entries
    ]
    manifest = out / MANIFEST
    results: list[_Result] = []

    def record(result: _Result) -> None:
        result = _sign_results(result, sign, out)
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


def _finishing(
    template_archival: str | None,
    sign: Signer | None,
    archival: Archival,
    draft: bool,
    sign_fields: bool | float,
) -> _Finishing:
    """The batch's finishing, checked before any work (a draft is never signed)."""
    if sign is None and not (archival or template_archival or draft or sign_fields):
        return _Finishing()
    from briefgen.finish.pipeline import SIGN_FIELDS_SIGNATURE_MM, resolve_archival
    from briefgen.finish.placement import room_mm

    if sign is not None and draft:
        raise UsageError("a draft (DỰ THẢO) cannot be signed", hint="drop --draft to sign")
    room = sign.room_mm() if sign is not None else None
    if sign is None and sign_fields:
        seal = 36.0 if sign_fields is True else float(sign_fields)
        room = room_mm(SIGN_FIELDS_SIGNATURE_MM[1], seal)
    return _Finishing(
        draft=draft,
        archival=resolve_archival(archival, template_archival),
        sign_fields=False if sign is not None else sign_fields,
        room_mm=room,
        signed=sign is not None,
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


def _previous_files(
    out: Path, stamp: dict[str, str]
) -> dict[tuple[str, str], tuple[str, int, bool]]:
    """(code, format) → (sha256, bytes, signed) from an earlier manifest made from the same
    input and template."""
    raw = read_regular(out / MANIFEST, MAX_MANIFEST_BYTES)
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else {}
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    if any(data.get(key) != value for key, value in stamp.items()):
        return {}
    if data.get("finish") != stamp.get("finish"):
        return {}  # made signed, archival or as a draft: not what is asked now
    return {
        (item["code"], item["format"]): (
            item["sha256"],
            item["bytes"] if isinstance(item.get("bytes"), int) else 0,
            item.get("signed") is True,
        )
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
            {k: v for k, v in asdict(w).items() if k != "skipped" and (k != "signed" or v)}
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
