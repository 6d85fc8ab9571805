"""Batch benchmark: briefgen against the pipeline a user would otherwise build, and the floor.

    python benchmarks/batch.py [--data fixtures/national-2019-2025.json] [--year 2024]
                               [--workers 2] [--provinces 63] [--soak 0]

Measured side by side in one run, on the same provinces, charts and workers:

(a) briefgen: ``render_batch`` with the ``official`` template, PDF + DOCX,
    three charts per brief.
(b) the peer pipeline: the same matplotlib charts drawn the usual way
    (``plt.subplots``, ``tight_layout``, ``savefig`` PNG at 150 dpi), the DOCX
    filled by docxtpl from a Word template, then LibreOffice headless
    converting every DOCX to PDF in one call.
(c) the floor: the same content written with direct reportlab and python-docx
    calls, no templates, no document model; the chart pictures come from
    ``briefgen.charts`` (the cheapest drawing we know), so a/c is what templates,
    the model and the writers' layout cost.
(c') the same floor with charts drawn by matplotlib's object API (``Figure``,
    no pyplot), for reference: what a careful hand-written script costs.

It prints wall times, the ratios a/b and a/c, peak memory per worker, and
brief sizes.  ``--soak N`` also renders N one-page ``summary`` briefs in one
process and prints the memory growth from brief N/10 to brief N.  Nothing here
is a test: it measures.  Needs the ``bench`` extra (docxtpl, psutil) and
LibreOffice for (b).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import briefgen
from briefgen.batch import render_batch
from briefgen.data.dataset import Dataset

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "fixtures" / "national-2019-2025.json"

# ---------------------------------------------------------------- shared content


def _content(dataset: Dataset, code: str, year: int) -> dict[str, object]:
    """What every pipeline prints for one province: title, sentences, table, 3 chart series."""
    brief = briefgen.build(dataset, code, year)  # only to pick the same figures and words
    texts = list(briefgen.model.texts(brief))
    tables = [b for b in brief.blocks if isinstance(b, briefgen.model.Table)]
    rows = (
        [[briefgen.model.plain(c.content) for c in row] for row in tables[0].body] if tables else []
    )
    charts = [
        (
            c.spec.title or briefgen.model.plain(c.caption),
            list(c.spec.categories),
            [v or 0.0 for v in c.spec.series[0].values],
        )
        for c in brief.charts()
    ]
    specs = [c.spec for c in brief.charts()]
    return {"name": brief.name, "texts": texts, "rows": rows, "charts": charts, "specs": specs}


def _naive_chart_png(title: str, categories: list[str], values: list[float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.bar(categories, values)
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return buffer.getvalue()


def _object_chart_png(title: str, categories: list[str], values: list[float]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.8), dpi=150)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.bar(categories, values)
    ax.set_title(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


# ---------------------------------------------------------------- (b) the peer pipeline


def _docxtpl_template(path: Path) -> None:
    """A Word template with Jinja tags, as a user would make it in Word."""
    import docx

    document = docx.Document()
    document.add_heading("{{ name }}", level=1)
    document.add_paragraph("{%p for t in texts %}")
    document.add_paragraph("{{ t }}")
    document.add_paragraph("{%p endfor %}")
    table = document.add_table(rows=2, cols=6)
    table.style = "Table Grid"
    first = table.rows[1].cells
    first[0].text = "{%tr for r in rows %}"
    row = table.add_row().cells
    for index in range(6):
        row[index].text = f"{{{{ r[{index}] if r|length > {index} else '' }}}}"
    table.add_row().cells[0].text = "{%tr endfor %}"
    document.add_paragraph("{%p for c in charts %}")
    document.add_paragraph("{{ c }}")
    document.add_paragraph("{%p endfor %}")
    document.save(str(path))


def _peer_one(args: tuple[dict[str, object], str, str]) -> str:
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    content, template_path, out = args
    template = DocxTemplate(template_path)
    charts = [
        InlineImage(template, io.BytesIO(_naive_chart_png(*chart)), width=Mm(150))
        for chart in content["charts"]  # type: ignore[attr-defined]
    ]
    template.render({**content, "charts": charts})
    target = Path(out) / f"{content['name']}.docx"
    template.save(str(target))
    return str(target)


# ---------------------------------------------------------------- (c) the floor


def _floor_one(args: tuple[dict[str, object], str, bool]) -> str:
    from xml.sax.saxutils import escape

    import docx
    from docx.shared import Mm
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table

    from briefgen.fonts import resolve_serif

    content, out, matplotlib_charts = args
    if matplotlib_charts:
        pngs = [_object_chart_png(*chart) for chart in content["charts"]]  # type: ignore[attr-defined]
    else:
        from briefgen import charts

        pngs = [charts.draw(spec).png for spec in content["specs"]]  # type: ignore[attr-defined]
    family = resolve_serif()
    style = getSampleStyleSheet()["Normal"].clone("body", fontName=family.face_name())
    story: list[object] = [Paragraph(escape(t), style) for t in content["texts"]]  # type: ignore[attr-defined]
    if content["rows"]:
        story.append(Table(content["rows"]))
    story += [Image(io.BytesIO(png), width=150 * 2.8346, height=70 * 2.8346) for png in pngs]
    pdf = Path(out) / f"{content['name']}.pdf"
    SimpleDocTemplate(str(pdf), pagesize=A4).build(story)
    document = docx.Document()
    for text in content["texts"]:  # type: ignore[attr-defined]
        document.add_paragraph(text)
    if content["rows"]:
        rows = content["rows"]
        table = document.add_table(rows=0, cols=max(len(r) for r in rows))  # type: ignore[attr-defined]
        for values in rows:  # type: ignore[attr-defined]
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=False):
                cell.text = value
    for png in pngs:
        document.add_picture(io.BytesIO(png), width=Mm(150))
    document.save(str(Path(out) / f"{content['name']}.docx"))
    return str(pdf)


# ---------------------------------------------------------------- measuring


def _timed(label: str, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    print(f"  {label:<52} {elapsed:8.2f} s", flush=True)
    return elapsed


def _children_peak_mb() -> float:
    """Largest resident set of any finished child process so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _sizes(folder: Path, suffix: str) -> tuple[float, float]:
    sizes = [p.stat().st_size / 1024 for p in folder.glob(f"*{suffix}")]
    return (statistics.mean(sizes), max(sizes)) if sizes else (0.0, 0.0)


def _soak(dataset: Dataset, year: int, count: int) -> None:
    import psutil

    process = psutil.Process()
    codes = [u.code for u in dataset.units(year)]
    marks: dict[int, float] = {}
    checkpoint = max(1, count // 10)
    start = time.perf_counter()
    for index in range(1, count + 1):
        brief = briefgen.build(dataset, codes[index % len(codes)], year, "summary")
        brief.to_bytes("pdf")
        if index in (checkpoint, count):
            marks[index] = process.memory_info().rss / 2**20
    growth = (marks[count] - marks[checkpoint]) / marks[checkpoint] * 100
    print(
        f"\nsoak: {count} summary briefs in {time.perf_counter() - start:.1f} s; RSS at "
        f"brief {checkpoint}: {marks[checkpoint]:.0f} MB, at {count}: {marks[count]:.0f} MB "
        f"-> growth {growth:+.1f}% (target < 10%)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--provinces", type=int, default=63, help="how many provinces")
    parser.add_argument("--soak", type=int, default=0, help="summary briefs for the memory soak")
    args = parser.parse_args(argv)

    dataset = briefgen.load(args.data)
    codes = [u.code for u in dataset.units(args.year)][: args.provinces]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    print(
        f"{len(codes)} provinces, year {args.year}, {args.workers} workers, "
        f"PDF + DOCX, official template\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("a", "b", "c"):
            (root / name).mkdir()

        def run_a() -> None:
            report = render_batch(
                dataset, args.year, out_dir=root / "a", provinces=codes, workers=args.workers
            )
            assert report.ok, report.failures

        time_a = _timed("(a) briefgen render_batch", run_a)
        peak_a = _children_peak_mb()

        template = root / "peer-template.docx"
        _docxtpl_template(template)
        # The same words, table and chart data for (b) and (c), prepared outside the
        # timings: they measure writing documents, not choosing what to say.
        contents = [_content(dataset, c, args.year) for c in codes]

        def run_b() -> None:
            with ProcessPoolExecutor(args.workers) as pool:
                list(pool.map(_peer_one, [(c, str(template), str(root / "b")) for c in contents]))
            if soffice is None:
                raise SystemExit("LibreOffice is needed for (b)")
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{root}/lo",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(root / "b"),
                    *map(str, sorted((root / "b").glob("*.docx"))),
                ],
                check=True,
                capture_output=True,
                timeout=3600,
            )

        time_b = _timed("(b) matplotlib + docxtpl + LibreOffice to PDF", run_b)

        def run_c(matplotlib_charts: bool) -> None:
            folder = root / ("c-matplotlib" if matplotlib_charts else "c")
            folder.mkdir(exist_ok=True)
            jobs = [(c, str(folder), matplotlib_charts) for c in contents]
            with ProcessPoolExecutor(args.workers) as pool:
                list(pool.map(_floor_one, jobs))

        time_c = _timed("(c) floor: direct reportlab + python-docx", lambda: run_c(False))
        time_c2 = _timed("(c') the floor with matplotlib object-API charts", lambda: run_c(True))

        print(
            f"\n  a/b = {time_a / time_b:.2f}  (briefgen is {time_b / time_a:.2f}x faster "
            f"than the peer pipeline; target >= 1.5x)"
        )
        print(f"  a/c = {time_a / time_c:.2f}  (target <= 1.15)")
        print(f"  a/c' = {time_a / time_c2:.2f}  (against a script drawing charts with matplotlib)")
        print(
            f"  peak memory of a worker (any run): {_children_peak_mb():.0f} MB; "
            f"after (a) alone: {peak_a:.0f} MB (target <= 200 MB)"
        )
        pdf_mean, pdf_max = _sizes(root / "a", ".pdf")
        docx_mean, docx_max = _sizes(root / "a", ".docx")
        print(
            f"  briefgen sizes: PDF mean {pdf_mean:.0f} KB, max {pdf_max:.0f} KB; "
            f"DOCX mean {docx_mean:.0f} KB, max {docx_max:.0f} KB (target <= 150 KB)"
        )
    if args.soak:
        _soak(dataset, args.year, args.soak)
    return 0


if __name__ == "__main__":
    sys.exit(main())
