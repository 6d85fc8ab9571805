"""Render every province's brief of one year, over any ``concurrent.futures.Executor``.

The main job of briefgen: one call writes a brief per province and format
into one folder, with a ``manifest.json`` saying what was made from what.

- One province failing never stops the others; its reason is reported.  A
  province is all or nothing: its files are made in memory, then written
  together (:func:`files.write_all`), so a format that fails leaves no other
  format of it behind.
- Workers write their own files atomically (:func:`files.write_atomic`), so no
  half-written brief is ever left, and only small results cross process
  boundaries.  A batch owns its output folder while it runs: it holds a lock
  on it (a second batch into the same folder is refused at once), and first
  clears what an interrupted run left there.
- Each worker process unpickles the dataset once (cached by its digest) and
  keeps templates, fonts and the DOCX base document in its own caches.
- Charts are shared by the workers through a hidden working folder of the
  batch inside its output folder, so a chart several briefs show is drawn
  once (:func:`charts.use_disk_cache`); a batch killed before removing it
  leaves it for the next batch there to clear (:func:`files.remove_stale`).
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
  else its province fails saying so (:mod:`briefgen.manifest`).  Without
  ``skip_existing``, a batch that would write over signed PDFs is refused
  before any work; ``replace_signed`` replaces them.
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
from briefgen.files import (
    inside,
    lock_folder,
    make_folder,
    read_regular,
    remove_stale,
    scratch_folder,
    write_all,
    write_atomic,
)
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
class ProvinceResult:
    """What a batch did for one province: ``progress`` gets one as each province ends.

    ``written``: its files (:class:`Written`), rendered now or kept from an
    earlier run (``skipped``).  ``failure``: why its brief could not be made, on
    one line (``None`` when it was made).  A province is all or nothing: when
    it fails, this run left no file of it, and ``written`` holds only the files
    of an earlier run that were kept (they stay, and the manifest lists them).
    """

    code: str
    province: str
    written: tuple[Written, ...] = ()
    failure: str | None = None

    @property
    def ok(self) -> bool:
        """True when the province's brief was made."""
        return self.failure is None


Progress = Callable[[int, int, ProvinceResult], None]
"""Called after each province: (done, total, result)."""


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
    replace_signed: bool = False
    """A signed PDF ``skip_existing`` cannot keep is rendered again (else the province fails)."""
    chart_cache: str | None = None
    """The batch's chart folder, shared by its workers."""
    finishing: _Finishing = _Finishing()

    def name(self, fmt: str) -> str:
        """The output name of this province's brief in ``fmt``."""
        return file_name(
            self.pattern,
            code=self.code,
            name=self.province,
            year=self.year,
            template=self.template_name,
            ext=fmt,
        )


@dataclass(frozen=True)
class _Result:
    """A province's :class:`ProvinceResult`, with what only the batch needs."""

    code: str
    province: str
    written: tuple[Written, ...] = ()
    failure: str | None = None
    charts: tuple[int, int] = (0, 0)
    """Charts drawn and reused for this province."""
    pending: tuple[tuple[str, str, bytes], ...] = ()
    """(format, name, bytes) of files the calling process signs (the PDF) and writes."""

    def public(self) -> ProvinceResult:
        return ProvinceResult(self.code, self.province, self.written, self.failure)


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


def _one_line(error: BaseException) -> str:
    """A province's failure reason: the error's message on one line."""
    if isinstance(error, BriefgenError):
        return " | ".join(str(error).splitlines())
    return f"{type(error).__name__}: {error}"


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
    """One province, all or nothing: every file is made in memory before any is written
    (so a failing format leaves no other behind), and the files are written together
    (:func:`files.write_all`).  Files kept from an earlier run stay listed either way."""
    kept: list[Written] = []
    try:
        kept, todo, refusal = _existing(job)
        if refusal is not None:
            return _Result(job.code, job.province, _ordered(job.formats, kept), refusal)
        made = _made(job, todo)
        if job.finishing.signed:  # the calling process signs the PDF, then writes them all
            return _Result(job.code, job.province, _ordered(job.formats, kept), pending=made)
        out = Path(job.out_dir)
        write_all([(inside(out, name), data) for _, name, data in made])
        fresh = [Written(job.code, job.province, f, n, _sha256(d), len(d)) for f, n, d in made]
        return _Result(job.code, job.province, _ordered(job.formats, [*kept, *fresh]))
    except Exception as error:  # one province's failure (or bug) must not stop the batch
        return _Result(job.code, job.province, _ordered(job.formats, kept), _one_line(error))


def _ordered(formats: Sequence[str], written: Iterable[Written]) -> tuple[Written, ...]:
    """``written`` in the order of the batch's formats."""
    return tuple(sorted(written, key=lambda item: formats.index(item.format)))


def _existing(job: _Job) -> tuple[list[Written], list[tuple[str, str]], str | None]:
    """What ``skip_existing`` keeps, what is to be rendered ((format, name)), and why the
    province cannot be rendered (``None`` when it can: see :func:`_kept`)."""
    kept: list[Written] = []
    todo: list[tuple[str, str]] = []
    refusal = None
    for fmt in job.formats:
        name = job.name(fmt)
        found = None
        if job.skip_existing:
            data = read_regular(inside(Path(job.out_dir), name), MAX_KEPT_BYTES)
            found = _kept(job, fmt, name, data) if data is not None else None
        if isinstance(found, Written):
            kept.append(found)
        elif found is not None:
            refusal = found
        else:
            todo.append((fmt, name))
    return kept, todo, refusal


def _made(job: _Job, todo: Sequence[tuple[str, str]]) -> tuple[tuple[str, str, bytes], ...]:
    """(format, name, bytes) of each file to render, the document built once."""
    if not todo:
        return ()
    from briefgen.api import build

    dataset = _dataset(job.digest, job.dataset)
    document = build(dataset, job.code, job.year, job.template, draft=job.finishing.draft)
    return tuple((fmt, name, _brief_bytes(document, fmt, job.finishing)) for fmt, name in todo)


def _kept(job: _Job, fmt: str, name: str, data: bytes) -> Written | str | None:
    """What ``skip_existing`` does with a file already there: keep it (a :class:`Written`),
    render it again (``None``), or leave it and fail the province (the reason): a signed
    PDF is never replaced by an unsigned render unless ``replace_signed``."""
    from briefgen.manifest import REPLACE_SIGNED, extends, is_signed

    earlier = {f: (sha, size, signed) for f, sha, size, signed in job.keep}.get(fmt)
    if earlier is not None and _sha256(data) == earlier[0]:
        return Written(job.code, job.province, fmt, name, earlier[0], len(data), True, earlier[2])
    if fmt != "pdf" or not is_signed(data):
        return None
    if earlier is not None and extends(data, earlier[0], earlier[1]):
        # The earlier run's file, signed by a tool that did not record it: kept, and recorded.
        return Written(job.code, job.province, fmt, name, _sha256(data), len(data), True, True)
    if job.replace_signed:
        return None
    return (
        f"{name} is signed and the manifest does not vouch for it (made from other input, "
        "template or options, or changed since), so it was not replaced by an unsigned render "
        f"(move it out of the folder to render this brief again, or use {REPLACE_SIGNED})"
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


def _sign_results(
    result: _Result, signer: Signer | None, out: Path, formats: Sequence[str]
) -> _Result:
    """Sign the PDF a worker returned and write the province's files, all or none; a
    failure is the province's."""
    if not result.pending or signer is None:
        return result
    try:
        files = [
            (fmt, name, signer.sign(data, source=name) if fmt == "pdf" else data)
            for fmt, name, data in result.pending
        ]
        write_all([(inside(out, name), data) for _, name, data in files])
    except BriefgenError as error:
        return replace(result, failure=_one_line(error), pending=())
    fresh = [
        replace(
            Written(result.code, result.province, fmt, name, _sha256(data), len(data)),
            signed=fmt == "pdf",
        )
        for fmt, name, data in files
    ]
    return replace(result, written=_ordered(formats, [*result.written, *fresh]), pending=())


@dataclass(frozen=True)
class _Plan:
    """A batch checked before any work: what to render, from what, and how."""

    dataset: Dataset
    year: int
    template: str
    """What workers load: a built-in name or a folder path."""
    template_name: str
    formats: tuple[str, ...]
    units: tuple[Any, ...]
    pattern: str
    finishing: _Finishing
    stamp: dict[str, Any]
    """What the manifest says the batch was made from (input, template, version, finishing)."""
    blob: bytes = field(repr=False)
    """The pickled dataset every job carries."""

    def names(self, fmt: str) -> list[str]:
        """The output name of every province's brief in ``fmt``."""
        return [
            file_name(
                self.pattern,
                code=unit.code,
                name=unit.name,
                year=self.year,
                template=self.template_name,
                ext=fmt,
            )
            for unit in self.units
        ]


@dataclass(frozen=True)
class _Running:
    """How a planned batch runs: where its work goes, who hears of it, what it keeps."""

    executor: Executor | None
    workers: int | None
    progress: Progress | None
    signer: Signer | None
    skip_existing: bool
    replace_signed: bool


def render_batch(
    dataset: Dataset | str | Path | Any,
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
    replace_signed: bool = False,
) -> BatchReport:
    """Render the brief of every province of ``year`` (or of ``provinces``) in each format.

    ``dataset``: a :class:`Dataset`, or anything :func:`briefgen.load` reads
    (a data file's path, DataFrames…), loaded once here.  ``executor``: any
    :class:`concurrent.futures.Executor` (a thread pool, a dask
    ``Client.get_executor()``…); ``None`` means a process pool of ``workers``
    processes (``None``: one per core).  ``progress(done, total, result)`` is
    called after each province with its :class:`ProvinceResult`.  PDF
    finishing as for ``Document.to_bytes``: ``sign`` (a :class:`briefgen.Signer`;
    signing happens in this process), ``archival`` (``None``: the template's
    setting), ``sign_fields``; ``draft`` marks every brief "DỰ THẢO".

    ``skip_existing`` keeps the files the folder's manifest vouches for.  A
    signed brief is never lost by accident: without ``skip_existing`` a batch
    that would write over signed PDFs is refused before any work, as is one
    with ``skip_existing`` that could not keep them; ``replace_signed=True``
    replaces them.  One batch at a time writes into a folder: a second one is
    refused at once.  Returns a :class:`BatchReport`; failures are reported,
    not raised, except for bad arguments (:class:`UsageError`).
    """
    plan = _plan(
        _dataset_of(dataset), year, template, formats, provinces, workers, pattern,
        _finishing_of(template, sign, archival, draft, sign_fields),
    )  # fmt: skip
    running = _Running(executor, workers, progress, sign, skip_existing, replace_signed)
    out = Path(out_dir)
    make_folder(out)
    with lock_folder(out):
        remove_stale(out)  # what a killed run left; the batch owns its folder now
        _guard_signed(plan, out, running)
        return _render_all(plan, out, running)


def _dataset_of(source: Any) -> Dataset:
    """``source`` as a dataset: itself, or what :func:`briefgen.load` reads from it."""
    if isinstance(source, Dataset):
        return source
    from briefgen.data.load import READABLE, load, readable

    if not readable(source):
        raise UsageError(
            f"render_batch() needs a Dataset from briefgen.load(), or {READABLE}, "
            f"not {type(source).__name__}"
        )
    return load(source)


def _finishing_of(
    template: str | Path,
    sign: Signer | None,
    archival: Archival,
    draft: bool,
    sign_fields: bool | float,
) -> tuple[Any, _Finishing]:
    """The loaded template (a bad one fails here, once) and the batch's finishing."""
    from briefgen.template.env import load_template

    loaded = load_template(template)
    return loaded, _finishing(loaded.config.archival, sign, archival, draft, sign_fields)


def _plan(
    dataset: Dataset,
    year: int,
    template: str | Path,
    formats: Sequence[str],
    provinces: Iterable[str] | None,
    workers: int | None,
    pattern: str,
    finished: tuple[Any, _Finishing],
) -> _Plan:
    """Every check a batch makes before it touches its folder: arguments, template,
    provinces, names."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise UsageError(f"year must be an integer, not {year!r}")
    chosen = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    for fmt in chosen:
        writers.get_writer(fmt)  # an unknown format fails here, before any work
    if not chosen:
        raise UsageError("formats is empty")
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1, not {workers}")
    loaded, finishing = finished
    units = _select(dataset, year, provinces)
    _names(pattern, units, year, loaded.name, chosen)
    blob = pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL)
    stamp: dict[str, Any] = {
        "input_sha256": dataset.digest or _sha256(blob),
        "template": loaded.name,
        "briefgen": __version__,
    }
    if finishing.stamp() is not None:
        stamp["finish"] = finishing.stamp()
    return _Plan(
        dataset, year, str(template), loaded.name, chosen, tuple(units), pattern, finishing,
        stamp, blob,
    )  # fmt: skip


def _guard_signed(plan: _Plan, out: Path, running: _Running) -> None:
    """Refuse, before any work, a batch that would lose signed briefs of the folder
    (:mod:`briefgen.manifest`), unless told to replace them."""
    if running.replace_signed:
        return
    from briefgen.manifest import keep_signed, refuse_replacing_signed

    if running.skip_existing:
        keep_signed(out, plan.stamp)  # signed briefs of an earlier batch this one would not keep
    elif "pdf" in plan.formats:
        refuse_replacing_signed(out, plan.names("pdf"))


def _render_all(plan: _Plan, out: Path, running: _Running) -> BatchReport:
    """Render every province of ``plan`` into ``out`` (locked), with the batch's chart
    cache in a working folder of its own, and write the final manifest."""
    previous = _previous_files(out, plan.stamp) if running.skip_existing else {}
    chart_cache = scratch_folder(out)  # None: each worker draws its own charts
    try:
        jobs = [_job(plan, unit, out, previous, chart_cache, running) for unit in plan.units]
        results = _execute(plan, out, jobs, running)
    finally:
        if chart_cache is not None:
            shutil.rmtree(chart_cache, ignore_errors=True)
    manifest = out / MANIFEST
    _write_manifest(manifest, plan, results, complete=all(r.failure is None for r in results))
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


def _job(
    plan: _Plan,
    unit: Any,
    out: Path,
    previous: dict[tuple[str, str], tuple[str, int, bool]],
    chart_cache: Path | None,
    running: _Running,
) -> _Job:
    return _Job(
        code=unit.code,
        province=unit.name,
        year=plan.year,
        template=plan.template,
        template_name=plan.template_name,
        formats=plan.formats,
        out_dir=str(out),
        pattern=plan.pattern,
        digest=plan.stamp["input_sha256"],
        dataset=plan.blob,
        keep=tuple((f, *e) for f in plan.formats if (e := previous.get((unit.code, f)))),
        skip_existing=running.skip_existing,
        replace_signed=running.replace_signed,
        chart_cache=str(chart_cache) if chart_cache is not None else None,
        finishing=plan.finishing,
    )


def _execute(plan: _Plan, out: Path, jobs: Sequence[_Job], running: _Running) -> list[_Result]:
    """Run ``jobs`` on the executor, recording each result in the manifest as it comes.

    Any exception (Ctrl-C, the CLI's SIGTERM, a progress callback's error) stops
    the workers, clears temporary files and leaves the manifest incomplete.
    """
    manifest = out / MANIFEST
    results: list[_Result] = []
    own = running.executor is None
    pool = running.executor or workers_pool(running.workers)
    futures: dict[Future[_Result], _Job] = {}
    stopped = False
    try:
        futures = {pool.submit(_run, job): job for job in jobs}
        for future in _as_completed(futures):
            outcome = _outcome(future, futures[future])
            result = _sign_results(outcome, running.signer, out, plan.formats)
            results.append(result)
            _write_manifest(manifest, plan, results, complete=False)
            if running.progress is not None:
                running.progress(len(results), len(jobs), result.public())
    except BaseException:
        stopped = True
        _stop(pool if own else None, futures)
        raise
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
        if stopped:  # a worker stopped mid-write may have left a temporary name
            remove_stale(out)
            _write_manifest(manifest, plan, results, complete=False)
    return results


def _outcome(future: Future[_Result], job: _Job) -> _Result:
    """The result of a finished job; a dead worker or an executor's failure is the province's."""
    try:
        return future.result()
    except BrokenProcessPool as error:
        return _Result(job.code, job.province, failure=f"worker process died: {error}")
    except Exception as error:  # a remote executor's own failure
        return _Result(job.code, job.province, failure=f"{type(error).__name__}: {error}")


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
    batch stops its workers itself.  SIGTERM (the batch stopping its workers,
    or a supervisor stopping the whole group) ends a worker quietly: a handler
    the batch's process set, inherited over fork, would raise in it and print
    a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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


def _write_manifest(path: Path, plan: _Plan, results: Sequence[_Result], complete: bool) -> None:
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
    source = plan.dataset.source
    body = {
        **plan.stamp,
        "input": Path(source).name if source else None,
        "year": plan.year,
        "formats": list(plan.formats),
        "complete": complete,
        "files": files,
        "failures": failures,
    }
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    write_atomic(path, text.encode("utf-8"))
