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
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from briefgen import __version__, writers
from briefgen.api import build, load
from briefgen.data.dataset import Dataset
from briefgen.data.load import report as validation_report
from briefgen.errors import BriefgenError, BriefgenWarning, InputError, UsageError
from briefgen.files import brief_name, check_file, inside, make_folder, write_all
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
    dataset: Dataset,
    province: str,
    year: int,
    template: str,
    formats: Sequence[str],
    out: Path,
    finish: dict[str, Any] | None = None,
) -> list[Path]:
    """Render one brief in each format, all or none; ``finish``: PDF options of
    ``Document.to_bytes`` and ``draft``.  A place that cannot take the files is refused
    before rendering; every format is made before any file is written."""
    options = dict(finish or {})
    draft = bool(options.pop("draft", False))
    loaded = load_template(template)
    entry = dataset.entry(province, year)
    targets = {
        fmt: inside(out, brief_name(entry.unit.slug, year, loaded.name, fmt)) for fmt in formats
    }
    for target in targets.values():
        check_file(target)
    document = build(dataset, province, year, loaded, draft=draft)
    return write_all(
        [
            (target, document.to_bytes(fmt, **options) if fmt == "pdf" else document.to_bytes(fmt))
            for fmt, target in targets.items()
        ]
    )


def _cmd_render(args: argparse.Namespace) -> int:
    dataset = _load(args)
    formats = _formats(args.format)
    finish = _finish(args, formats)
    for path in _render_one(
        dataset, args.province, args.year, args.template, formats, Path(args.out), finish
    ):
        print(path)
    return EXIT_OK


def _finish_options(parser: argparse.ArgumentParser) -> None:
    """Options that finish the PDF: signing, signature fields, archival, draft."""
    parser.add_argument(
        "--sign", metavar="CONFIG", help="sign each PDF (Decree 30) with a signing configuration"
    )
    parser.add_argument(
        "--sign-fields",
        nargs="?",
        const=True,
        default=False,
        type=float,
        metavar="SEAL_MM",
        help="reserve empty signature fields at boxes 7c and 8 (seal diameter, default 36)",
    )
    parser.add_argument(
        "--archival",
        nargs="?",
        const="2b",
        choices=("2b", "1b"),
        help="write PDF/A: 2b (default) or 1b",
    )
    parser.add_argument("--draft", action="store_true", help='mark every page "DỰ THẢO"')
    _name_mismatch_option(parser)


def _name_mismatch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-name-mismatch",
        action="store_true",
        help="sign even if the signer's certificate names someone other than the brief's signer",
    )


def _finish(args: argparse.Namespace, formats: Sequence[str]) -> dict[str, Any]:
    """The finishing options given, checked before anything is rendered."""
    pdf_only = [name for name in ("sign", "archival") if getattr(args, name)]
    if args.sign_fields:
        pdf_only.append("sign_fields")
    if pdf_only and "pdf" not in formats:
        flags = ", ".join("--" + name.replace("_", "-") for name in pdf_only)
        raise UsageError(f"{flags} apply to PDF, and --format has no pdf")
    if args.sign and args.draft:
        raise UsageError("a draft (DỰ THẢO) cannot be signed", hint="drop --draft or --sign")
    if args.allow_name_mismatch and not args.sign:
        raise UsageError("--allow-name-mismatch goes with --sign")
    options: dict[str, Any] = {"draft": args.draft, "sign_fields": args.sign_fields}
    if args.archival:
        options["archival"] = args.archival
    if args.sign:
        from briefgen.finish.sign import Signer

        # PIN, keys and images are checked now, before anything is rendered
        options["sign"] = Signer(args.sign, allow_name_mismatch=args.allow_name_mismatch)
    return options


def _cmd_sign(args: argparse.Namespace) -> int:
    from briefgen.finish.pipeline import sign_files
    from briefgen.finish.sign import Signer

    if args.record:
        return _record_signed(args)
    if not args.config:
        raise UsageError(
            "briefgen sign needs --config, the signing configuration",
            hint="or --record, to record files another tool signed in their batch's manifest",
        )
    if args.number is not None and not args.attachment:
        raise UsageError("--number is for attachments", hint="add --attachment")
    if args.attachment and not args.number:
        raise UsageError(
            "an attachment's signature shows the document's number and symbol",
            hint="add --number, e.g. --number 05/BC-STTTT",
        )
    out = None
    if args.out:
        out = Path(args.out)
        make_folder(out)  # a file in the way, no permission: exit 2, before any signing
    signer = Signer(args.config, allow_name_mismatch=args.allow_name_mismatch)
    for path in sign_files(
        args.files, signer, out=out, attachment=args.attachment, number=args.number
    ):
        print(path)
    return EXIT_OK


def _record_signed(args: argparse.Namespace) -> int:
    """``briefgen sign --record``: files another tool signed, recorded in their manifest."""
    from briefgen.manifest import record_signed

    given = {
        "--config": args.config,
        "--out": args.out,
        "--attachment": args.attachment,
        "--number": args.number,
        "--allow-name-mismatch": args.allow_name_mismatch,
    }
    if others := [flag for flag, value in given.items() if value]:
        raise UsageError(f"--record signs nothing: drop {', '.join(others)}")
    for path in args.files:
        manifest = record_signed(path, required=True)
        print(f"{path}: recorded in {manifest}" if manifest else f"{path}: already recorded")
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


DATA_HELP = "data file (.yaml, .json, .csv, .xlsx) or folder of CSV files; see docs/data.md"
DATA_EPILOG = (
    "Every input format (YAML, JSON, CSV, the workbook layout, DataFrames), the indicator "
    "catalogue and name spellings: docs/data.md"
)


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sheet", help="read only this worksheet of an .xlsx file, as one table of figures"
    )
    parser.add_argument(
        "--locale",
        choices=("vi", "en"),
        help="how text numbers in tables are written: vi 1.175.000 and 49,8; en 1,175,000",
    )
    parser.add_argument(
        "--limit",
        action="append",
        metavar="NAME=N",
        help="raise a workbook limit, e.g. rows=500000 (repeatable; also $BRIEFGEN_LIMITS)",
    )


def _limits(args: argparse.Namespace) -> dict[str, str]:
    from briefgen.data.limits import parse_options

    return parse_options(args.limit)


def _load(args: argparse.Namespace) -> Dataset:
    return load(args.data, sheet=args.sheet, locale=args.locale, limits=_limits(args))


def _cmd_validate(args: argparse.Namespace) -> int:
    report = validation_report(
        args.data, sheet=args.sheet, locale=args.locale, limits=_limits(args)
    )
    for problem in report.problems:
        print(_one_line(str(problem)))
    errors = len(report.errors)
    warnings = len(report.warnings)
    records = len(report.dataset) if report.dataset is not None else 0
    print(
        f"{args.data}: {errors} error(s), {warnings} warning(s); {records} valid record(s)",
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT if errors else EXIT_OK


def _cmd_new_workbook(args: argparse.Namespace) -> int:
    from briefgen.api import new_workbook

    provinces = [p.strip() for p in (args.provinces or "").split(",") if p.strip()]
    path = new_workbook(args.path, year=args.year, provinces=provinces)
    print(path)
    print(
        f"briefgen: fill in {path} (instructions in its first sheet), then: "
        f"briefgen validate {path}",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from briefgen.api import export
    from briefgen.data.export import check_target

    check_target(Path(args.to))  # a place export cannot write fails before the data is read
    print(export(_load(args), args.to))
    return EXIT_OK


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
    formats = _formats(args.format)
    return _run_batch(
        _load(args),
        year=args.year,
        template=args.template,
        formats=formats,
        out_dir=args.out,
        provinces=provinces,
        workers=args.workers,
        pattern=args.pattern or DEFAULT_PATTERN,
        skip_existing=args.skip_existing,
        replace_signed=args.replace_signed,
        **_finish(args, formats),
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


def _cmd_send(args: argparse.Namespace) -> int:
    from briefgen.delivery.command import run

    return run(vars(args))


class _RefusePassword(argparse.Action):
    """``--password`` exists only to refuse it without echoing the value."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(
            "a password is never taken on the command line (it would show in the process "
            "list and the shell history)",
            hint="set BRIEFGEN_SMTP_PASSWORD, or use --keyring SERVICE",
        )


def _send_parser(commands: Any) -> None:
    send = commands.add_parser(
        "send",
        help="email each province's brief of a batch (a dry run unless --send)",
        description="Compose one message per province of a batch into an outbox (a dry run), "
        "or with --send deliver them over SMTP exactly once. See docs/delivery.md.",
    )
    send.add_argument("out_dir", metavar="OUT_DIR", help="the batch folder (with manifest.json)")
    send.add_argument("--recipients", metavar="FILE", help="address book (.yaml, .csv, .xlsx)")
    send.add_argument("--send", action="store_true", help="send; without it, only the outbox")
    send.add_argument("--status", action="store_true", help="print the journal as a table")
    send.add_argument("--limit", type=int, metavar="N", help="only the first N provinces")
    send.add_argument("--rate", type=float, metavar="N", help="at most N messages a minute")
    send.add_argument(
        "--resend-uncertain",
        action="store_true",
        help="send again messages whose outcome is unknown (they may arrive twice)",
    )
    send.add_argument("--outbox", metavar="DIR", help="outbox folder (default: OUT_DIR/outbox)")
    send.add_argument("--template", help="mail templates of this template (default: the batch's)")
    send.add_argument("--config", metavar="FILE", help="YAML file with any of these options")
    send.add_argument("--from", dest="from", metavar="ADDR", help='"Name <addr>" of the author')
    send.add_argument("--sender", metavar="ADDR", help="Sender: the agent sending for the author")
    send.add_argument("--reply-to", metavar="ADDR", help="where replies go (default: From)")
    send.add_argument("--max-size", type=float, metavar="MB", help="largest message (default 10)")
    send.add_argument("--smtp-host", metavar="HOST")
    send.add_argument("--smtp-port", type=int, metavar="PORT", help="default 587, 465 or 25")
    send.add_argument(
        "--smtp-user", metavar="USER", help="log in (password: $BRIEFGEN_SMTP_PASSWORD)"
    )
    send.add_argument("--tls", choices=("starttls", "ssl", "none"), help="default starttls")
    send.add_argument("--cafile", metavar="FILE", help="trust this CA bundle for TLS")
    send.add_argument("--password-env", metavar="NAME", help="read the password from $NAME")
    send.add_argument("--keyring", metavar="SERVICE", help="read the password from the keyring")
    send.add_argument("--retries", type=int, metavar="N", help="retries of a 4xx (default 3)")
    send.add_argument("--backoff", type=float, metavar="S", help="first retry delay (default 2)")
    send.add_argument("--timeout", type=float, metavar="S", help="SMTP timeout (default 60)")
    send.add_argument("--dkim-domain", metavar="DOMAIN")
    send.add_argument("--dkim-selector", metavar="SELECTOR")
    send.add_argument("--dkim-key", metavar="FILE", help="DKIM private key (PEM)")
    send.add_argument("--password", nargs="?", action=_RefusePassword, help=argparse.SUPPRESS)
    send.set_defaults(handler=_cmd_send)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="briefgen",
        description="Turn province-year records into official briefs (PDF, DOCX).",
    )
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (
        _render_parser,
        _batch_parser,
        _sign_parser,
        _validate_parser,
        _new_workbook_parser,
        _export_parser,
        _templates_parser,
        _new_template_parser,
        _demo_parser,
        _send_parser,
    ):
        add(commands)
    return parser


def _render_parser(commands: Any) -> None:
    render = commands.add_parser(
        "render", help="render one province-year brief", epilog=DATA_EPILOG
    )
    render.add_argument("data", help=DATA_HELP)
    render.add_argument("--province", required=True, help="province name or code")
    render.add_argument("--year", required=True, type=int, help="the report's year")
    render.add_argument("--template", default="official", help="built-in name or folder")
    render.add_argument("--format", default="pdf,docx", help="comma-separated: pdf,docx")
    render.add_argument("--out", default="briefs", help="output folder (default: briefs)")
    _data_options(render)
    _finish_options(render)
    render.set_defaults(handler=_cmd_render)


def _batch_parser(commands: Any) -> None:
    batch = commands.add_parser("batch", help="render every province of a year", epilog=DATA_EPILOG)
    batch.add_argument("data", help=DATA_HELP)
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
    batch.add_argument(
        "--replace-signed",
        action="store_true",
        help="replace signed briefs in the folder (their signatures are lost); without it "
        "a batch that would replace one is refused",
    )
    _data_options(batch)
    _finish_options(batch)
    batch.set_defaults(handler=_cmd_batch)


def _sign_parser(commands: Any) -> None:
    sign = commands.add_parser(
        "sign",
        help="sign PDFs of briefs as Decree 30 lays signatures out (or an attachment)",
        description="Sign briefs rendered by briefgen at boxes 7c and 8, in place or into --out. "
        "The PIN or password comes from the environment variable the configuration names "
        "(default BRIEFGEN_SIGN_PIN) or a prompt, never from an option. A file of a batch "
        "folder gets its manifest entry updated, so that briefgen send sends the signed file. "
        "See docs/signing.md.",
    )
    sign.add_argument("files", nargs="+", metavar="FILE", help="PDF files to sign")
    sign.add_argument("--config", help="signing configuration (YAML)")
    sign.add_argument("--out", help="folder for the signed files (default: sign in place)")
    sign.add_argument(
        "--attachment",
        action="store_true",
        help="sign as an attachment in a separate file: the body's signature at the top right",
    )
    sign.add_argument("--number", help="the document's number and symbol, for --attachment")
    _name_mismatch_option(sign)
    sign.add_argument(
        "--record",
        action="store_true",
        help="sign nothing: record files of a batch that another tool signed in its manifest "
        "(each must be the batch's file with signatures added)",
    )
    sign.set_defaults(handler=_cmd_sign)


def _validate_parser(commands: Any) -> None:
    check = commands.add_parser(
        "validate",
        help="check a data file and list every problem (exit 2 on errors)",
        epilog=DATA_EPILOG,
    )
    check.add_argument("data", help=DATA_HELP)
    _data_options(check)
    check.set_defaults(handler=_cmd_validate)


def _new_workbook_parser(commands: Any) -> None:
    workbook = commands.add_parser(
        "new-workbook",
        help="write a ready-to-fill .xlsx in the workbook layout (instructions in Vietnamese)",
        epilog=DATA_EPILOG,
    )
    workbook.add_argument("path", help="the new .xlsx file (never overwritten)")
    workbook.add_argument("--year", type=int, help="pre-fill this year (and rank limits)")
    workbook.add_argument(
        "--provinces", help='pre-fill one row per province, comma-separated: "Nam Định,38"'
    )
    workbook.set_defaults(handler=_cmd_new_workbook)


def _export_parser(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write data in the documented layout: .xlsx, CSV folder, .yaml or .json",
        epilog=DATA_EPILOG,
    )
    export.add_argument("data", help=DATA_HELP)
    export.add_argument(
        "--to", required=True, help="book.xlsx, data.yaml, data.json, or a folder for CSV files"
    )
    _data_options(export)
    export.set_defaults(handler=_cmd_export)


def _templates_parser(commands: Any) -> None:
    listing = commands.add_parser("templates", help="list built-in and user templates")
    listing.add_argument(
        "--path",
        action="append",
        metavar="DIR",
        help="also list template folders in DIR (repeatable; $BRIEFGEN_TEMPLATE_PATH too)",
    )
    listing.set_defaults(handler=_cmd_templates)


def _new_template_parser(commands: Any) -> None:
    new = commands.add_parser("new-template", help="scaffold a template folder to edit")
    new.add_argument("name", help="folder and template name (lowercase, dashes)")
    new.add_argument("--from", dest="base", default="official", help="built-in to extend")
    new.add_argument("--dir", default=".", help="where to create the folder (default: .)")
    new.set_defaults(handler=_cmd_new_template)


def _demo_parser(commands: Any) -> None:
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
    exits 130 and SIGTERM 143, after a batch has stopped its workers.  A
    :class:`BriefgenWarning` prints as one line ("briefgen: warning: …").
    """
    with warnings.catch_warnings():
        warnings.showwarning = _warning_printer(warnings.showwarning)
        return _guarded(argv)


def _warning_printer(fallback: Any) -> Any:
    """``warnings.showwarning`` printing a :class:`BriefgenWarning` as one line."""

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, BriefgenWarning):
            _say(f"warning: {message}")
        else:
            fallback(message, category, *args, **kwargs)

    return show


def _guarded(argv: Sequence[str] | None) -> int:
    """:func:`_main` with every failure turned into one line and an exit code."""
    previous = _catch_sigterm()
    try:
        return _main(argv)
    except InputError as error:
        _say(f"error: {error}")
        return EXIT_BAD_INPUT
    except BriefgenError as error:
        _say(f"error: {error}")
        return EXIT_FAILURE
    except BriefgenWarning as warning:  # warnings made errors (python -W error)
        _say(f"error: {warning}")
        return EXIT_BAD_INPUT
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
