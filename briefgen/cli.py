"""The ``briefgen`` command line (also ``python -m briefgen``).

Exit codes: 0 success; 2 bad input or usage (a one-line message on stderr);
1 any other failure (an unexpected one says it is a bug, in one line); 130
after Ctrl-C and 143 after SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from briefgen import __version__, writers
from briefgen.api import build, load
from briefgen.data.dataset import Dataset
from briefgen.data.load import validate
from briefgen.errors import BriefgenError, InputError, UsageError
from briefgen.files import brief_name, inside, write_atomic
from briefgen.template.env import discover, load_template, scaffold

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors print one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}", hint="see --help")


def _fixtures_path(name: str = "seed-reports.yaml") -> Path:
    """A bundled fixture (source checkout or installed wheel)."""
    from importlib import resources

    packaged = Path(str(resources.files("briefgen"))) / "_fixtures" / name
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "fixtures" / name


NATIONAL_FIXTURE = "national-2019-2025.json"


def _formats(raw: str) -> tuple[str, ...]:
    chosen = tuple(
        dict.fromkeys(f.strip().lower().lstrip(".") for f in raw.split(",") if f.strip())
    )
    if not chosen:
        raise UsageError("--format needs at least one format", hint="e.g. --format pdf,docx")
    for fmt in chosen:
        if fmt not in writers.formats():
            raise UsageError(
                f"unknown format '{fmt}'", hint=f"use one of: {', '.join(writers.formats())}"
            )
    return chosen


def _render_one(
    dataset: Dataset, province: str, year: int, template: str, formats: Sequence[str], out: Path
) -> list[Path]:
    loaded = load_template(template)
    document = build(dataset, province, year, loaded)
    entry = dataset.entry(province, year)
    written: list[Path] = []
    for fmt in formats:
        name = brief_name(entry.unit.slug, year, loaded.name, fmt)
        written.append(write_atomic(inside(out, name), document.to_bytes(fmt)))
    return written


def _cmd_render(args: argparse.Namespace) -> int:
    dataset = _load(args)
    formats = _formats(args.format)
    for path in _render_one(
        dataset, args.province, args.year, args.template, formats, Path(args.out)
    ):
        print(path)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    source = _fixtures_path()
    dataset = load(source)
    out = Path(args.out)
    formats = _formats(args.format)
    count = 0
    for entry in dataset.entries:
        for path in _render_one(
            dataset, entry.unit.code, entry.record.year, args.template, formats, out
        ):
            print(path)
            count += 1
    print(f"{count} files written to {out}/ from {source.name}", file=sys.stderr)
    if args.no_national:
        return EXIT_OK
    # The main job: every province's brief of one year, on the synthetic national data.
    national = load(_fixtures_path(NATIONAL_FIXTURE))
    year = max(national.years())
    folder = out / f"national-{year}"
    print(
        f"every province of {year} from {NATIONAL_FIXTURE} (synthetic figures) into {folder}/",
        file=sys.stderr,
    )
    return _run_batch(
        national,
        year=year,
        template=args.template,
        formats=formats,
        out_dir=folder,
        workers=args.workers,
    )


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sheet", help="worksheet of an .xlsx file (default: the first)")
    parser.add_argument(
        "--locale", choices=("vi", "en"), help="read text numbers of CSV/XLSX as vi: 49,8"
    )


def _load(args: argparse.Namespace) -> Dataset:
    return load(args.data, sheet=args.sheet, locale=args.locale)


def _cmd_validate(args: argparse.Namespace) -> int:
    dataset, problems = validate(args.data, sheet=args.sheet, locale=args.locale)
    for problem in problems:
        print(_one_line(str(problem)))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    records = len(dataset) if dataset is not None else 0
    print(
        f"{args.data}: {errors} error(s), {warnings} warning(s); {records} valid record(s)",
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT if errors else EXIT_OK


def _cmd_templates(args: argparse.Namespace) -> int:
    listings = discover(args.path or ())
    width = max(len(t.name) for t in listings)
    for t in listings:
        where = "built-in" if t.builtin else str(t.folder)
        extends = f" (extends {t.extends})" if t.extends else ""
        print(f"{t.name:<{width}}  {t.description}{extends}  [{where}]")
    return EXIT_OK


def _cmd_new_template(args: argparse.Namespace) -> int:
    folder = scaffold(args.name, args.base, args.dir)
    print(folder)
    print(
        f"briefgen: edit {folder}/brief.xml.j2, then: briefgen render DATA --province P "
        f"--year Y --template {folder}",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_batch(args: argparse.Namespace) -> int:
    from briefgen.batch import DEFAULT_PATTERN

    provinces = (
        [p.strip() for p in args.provinces.split(",") if p.strip()] if args.provinces else None
    )
    return _run_batch(
        _load(args),
        year=args.year,
        template=args.template,
        formats=_formats(args.format),
        out_dir=args.out,
        provinces=provinces,
        workers=args.workers,
        pattern=args.pattern or DEFAULT_PATTERN,
        skip_existing=args.skip_existing,
    )


def _run_batch(dataset: Dataset, **options: Any) -> int:
    """``render_batch`` with a progress bar on a terminal (plain lines otherwise), a
    summary, and the failed provinces; exit 1 if any failed."""
    from briefgen.batch import render_batch

    bar: Any = None
    if sys.stderr.isatty():
        from tqdm import tqdm  # type: ignore[import-untyped]

        bar = tqdm(total=None, unit="province", file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, total: int, result: Any) -> None:
        status = "FAILED" if result.failure else "ok"
        if bar is not None:
            bar.total = total
            bar.set_postfix_str(f"{result.province} {status}")
            bar.update(1)
        else:
            print(f"[{done}/{total}] {result.code} {result.province}: {status}", file=sys.stderr)

    try:
        report = render_batch(dataset, progress=progress, **options)
    finally:
        if bar is not None:
            bar.close()
    kept = len(report.written) - len(report.rendered)
    print(
        f"{len(report.rendered)} file(s) written, {kept} kept, {len(report.failures)} "
        f"province(s) failed; {report.charts_drawn} chart(s) drawn, {report.charts_reused} "
        f"reused; manifest: {report.manifest}",
        file=sys.stderr,
    )
    for failure in report.failures:
        print(f"FAILED {failure.code} {failure.province}: {failure.reason}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="briefgen",
        description="Turn province-year records into official briefs (PDF, DOCX).",
    )
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    render = commands.add_parser("render", help="render one province-year brief")
    render.add_argument("data", help="data file (.yaml, .json, .csv, .xlsx)")
    render.add_argument("--province", required=True, help="province name or code")
    render.add_argument("--year", required=True, type=int, help="the report's year")
    render.add_argument("--template", default="official", help="built-in name or folder")
    render.add_argument("--format", default="pdf,docx", help="comma-separated: pdf,docx")
    render.add_argument("--out", default="briefs", help="output folder (default: briefs)")
    _data_options(render)
    render.set_defaults(handler=_cmd_render)

    batch = commands.add_parser("batch", help="render every province of a year")
    batch.add_argument("data", help="data file")
    batch.add_argument("--year", required=True, type=int, help="the reports' year")
    batch.add_argument("--template", default="official", help="built-in name or folder")
    batch.add_argument("--format", default="pdf,docx", help="comma-separated: pdf,docx")
    batch.add_argument("--out", default="briefs", help="output folder (default: briefs)")
    batch.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    batch.add_argument("--provinces", help='only these, comma-separated: "Nam Định,38"')
    batch.add_argument(
        "--pattern", help="file names, default {code}-{slug}-{year}-{template}.{ext}"
    )
    batch.add_argument(
        "--skip-existing",
        action="store_true",
        help="keep files an earlier run made from the same input (checked by SHA-256)",
    )
    _data_options(batch)
    batch.set_defaults(handler=_cmd_batch)

    check = commands.add_parser(
        "validate", help="check a data file and list every problem (exit 2 on errors)"
    )
    check.add_argument("data", help="data file (.yaml, .json, .csv, .xlsx)")
    _data_options(check)
    check.set_defaults(handler=_cmd_validate)

    listing = commands.add_parser("templates", help="list built-in and user templates")
    listing.add_argument(
        "--path",
        action="append",
        metavar="DIR",
        help="also list template folders in DIR (repeatable; $BRIEFGEN_TEMPLATE_PATH too)",
    )
    listing.set_defaults(handler=_cmd_templates)

    new = commands.add_parser("new-template", help="scaffold a template folder to edit")
    new.add_argument("name", help="folder and template name (lowercase, dashes)")
    new.add_argument("--from", dest="base", default="official", help="built-in to extend")
    new.add_argument("--dir", default=".", help="where to create the folder (default: .)")
    new.set_defaults(handler=_cmd_new_template)

    demo = commands.add_parser(
        "demo",
        help="render the seed reports' records, then every province of the national fixture",
    )
    demo.add_argument("--out", default="briefs", help="output folder (default: briefs)")
    demo.add_argument("--template", default="official", help="built-in name or folder")
    demo.add_argument("--format", default="pdf,docx", help="comma-separated: pdf,docx")
    demo.add_argument(
        "--no-national",
        action="store_true",
        help="only the seed records, not the batch over the national fixture",
    )
    demo.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    demo.set_defaults(handler=_cmd_demo)
    return parser


EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it."""
EXIT_TERMINATED = 143
"""Stopped by SIGTERM: 128 + 15."""

TRACEBACK_ENV = "BRIEFGEN_TRACEBACK"
"""Set to 1 to see the traceback of an unexpected error instead of one line."""


class _Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so a batch stops its workers and cleans up."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Every failure prints one line: bad input exits 2, other failures 1, and an
    unexpected error (a bug) says so instead of showing a traceback.  Ctrl-C
    exits 130 and SIGTERM 143, after a batch has stopped its workers.
    """
    previous = _catch_sigterm()
    try:
        return _main(argv)
    except InputError as error:
        _say(f"error: {error}")
        return EXIT_BAD_INPUT
    except BriefgenError as error:
        _say(f"error: {error}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except _Terminated:
        _say("stopped by SIGTERM")
        return EXIT_TERMINATED
    except Exception as error:  # the last resort: a bug, never a traceback for a user
        if os.environ.get(TRACEBACK_ENV):
            raise
        _say(
            f"internal error: {type(error).__name__}: {error} (this is a bug in briefgen; "
            f"please report it with the command you ran; {TRACEBACK_ENV}=1 shows the traceback)"
        )
        return EXIT_FAILURE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    code: int = args.handler(args)
    return code


def _catch_sigterm() -> Any:
    """Turn SIGTERM into an exception while the command runs (main thread only);
    returns the handler to restore, or ``None`` when none was installed."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        return None


def _say(message: str) -> None:
    print(f"briefgen: {_one_line(message)}", file=sys.stderr)


MAX_MESSAGE = 2000
"""Longest message printed: data can be megabytes, a message is one readable line."""


def _one_line(message: str) -> str:
    """Errors print on one line; a quoted template source line follows after ' | '.

    Overlong messages lose their middle; characters no terminal can print
    (lone surrogates from file names) are escaped.
    """
    text = " | ".join(part.strip() for part in message.splitlines() if part.strip())
    if len(text) > MAX_MESSAGE:
        half = MAX_MESSAGE // 2
        text = f"{text[:half]} … {text[-half:]}"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
