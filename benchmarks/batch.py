"""Batch benchmark: briefgen against the pipeline a user would otherwise build, and the floor.

    python benchmarks/batch.py [--data fixtures/national-2019-2025.json] [--year 2024]
                               [--workers 2] [--provinces 63] [--soak 0]

Measured side by side in one run, on the same provinces, charts and workers; every
pipeline's workers are spawned cold, so each pays its own imports and warm-up:

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
import multiprocessing
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
from typing import TYPE_CHECKING

# Light on purpose: spawned workers import this module, and a pipeline's workers
# should load only what that pipeline uses (``import briefgen`` itself is lazy).
import briefgen

if TYPE_CHECKING:
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
    return {
        "name": brief.name,
        "texts": texts,
        "rows": rows,
        "charts": charts,
        "parts": _parts(brief),
    }


def _parts(brief: briefgen.Document) -> list[tuple[object, ...]]:
    """The brief as plain parts a hand-written script would print, in order: what the
    floor writes (outside the timings: the floor has its content ready)."""
    model = briefgen.model
    plain = model.plain
    parts: list[tuple[object, ...]] = []
    for block in brief.blocks:
        if isinstance(block, model.Letterhead):
            parts.append(
                (
                    "letterhead",
                    [(plain(x.content), x.rule != "none") for x in block.left],
                    [(plain(x.content), x.rule != "none") for x in block.right],
                    plain(block.left_foot.content) if block.left_foot else "",
                    plain(block.right_foot.content) if block.right_foot else "",
                )
            )
        elif isinstance(block, model.Title):
            parts.append(("title", [plain(line) for line in block.lines]))
        elif isinstance(block, model.Heading):
            parts.append(("heading", block.level, plain(block.content)))
        elif isinstance(block, model.Paragraph):
            parts.append(("paragraph", plain(block.content)))
        elif isinstance(block, model.ListBlock):
            parts += [("paragraph", "- " + plain(item)) for item in block.items]
        elif isinstance(block, model.Table):
            rows = [[plain(c.content) for c in row] for row in block.header + block.body]
            parts.append(("table", plain(block.caption), rows, len(block.header), block.widths))
        elif isinstance(block, model.Chart):
            parts.append(("chart", block.spec, plain(block.caption)))
        elif isinstance(block, model.Signature):
            parts.append(
                (
                    "signature",
                    plain(block.recipients_label),
                    [plain(r) for r in block.recipients],
                    [plain(a) for a in block.authority],
                    plain(block.name),
                )
            )
    return parts


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
    """The same brief written by a careful script: reportlab platypus and python-docx
    called directly, Decree-30 page and type, the same parts in the same order."""
    content, out, matplotlib_charts = args
    parts: list[tuple[object, ...]] = content["parts"]  # type: ignore[assignment]
    pictures: dict[int, bytes] = {}
    for index, part in enumerate(parts):
        if part[0] == "chart":
            spec = part[1]
            if matplotlib_charts:
                title = str(part[2])
                values = [v or 0.0 for v in spec.series[0].values]  # type: ignore[attr-defined]
                pictures[index] = _object_chart_png(title, list(spec.categories), values)  # type: ignore[attr-defined]
            else:
                from briefgen import charts

                pictures[index] = charts.draw(spec).png  # type: ignore[arg-type]
    name = str(content["name"])
    _floor_pdf(parts, pictures, Path(out) / f"{name}.pdf")
    _floor_docx(parts, pictures, Path(out) / f"{name}.docx")
    return name


def _floor_pdf(parts: list[tuple[object, ...]], pictures: dict[int, bytes], path: Path) -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        HRFlowable,
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from briefgen.fonts import resolve_serif

    family = resolve_serif()
    regular, bold = family.face_name(), family.face_name(bold=True)
    body = ParagraphStyle(
        "body",
        fontName=regular,
        fontSize=14,
        leading=17,
        alignment=TA_JUSTIFY,
        firstLineIndent=12.7 * mm,
        spaceAfter=6,
    )
    centre = ParagraphStyle(
        "centre",
        parent=body,
        alignment=TA_CENTER,
        firstLineIndent=0,
        spaceAfter=0,
        fontSize=13,
        leading=15,
    )
    strong = ParagraphStyle("strong", parent=centre, fontName=bold)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, spaceBefore=6)
    cell = ParagraphStyle("cell", parent=centre, fontSize=12, leading=14)
    width = A4[0] - 50 * mm
    story: list[object] = []
    for index, part in enumerate(parts):
        kind = part[0]
        if kind == "letterhead":
            _, left, right, left_foot, right_foot = part
            columns = []
            for lines in (left, right):
                column: list[object] = []
                for text, rule in lines:  # type: ignore[attr-defined]
                    column.append(Paragraph(escape(text), strong if rule else centre))
                    if rule:
                        column.append(HRFlowable(width="35%", thickness=0.75, spaceBefore=1))
                columns.append(column)
            rows = [
                columns,
                [
                    Paragraph(escape(str(left_foot)), centre),
                    Paragraph(escape(str(right_foot)), centre),
                ],
            ]
            story += [Table(rows, colWidths=[width * 0.4, width * 0.6]), Spacer(1, 18)]
        elif kind == "title":
            story += [Paragraph(escape(line), strong) for line in part[1]]  # type: ignore[attr-defined]
            story.append(HRFlowable(width="25%", thickness=0.75, spaceAfter=12))
        elif kind == "heading":
            story.append(Paragraph(escape(str(part[2])), heading))
        elif kind == "paragraph":
            story.append(Paragraph(escape(str(part[1])), body))
        elif kind == "table":
            _, caption, rows, header, widths = part
            data = [[Paragraph(escape(text), cell) for text in row] for row in rows]  # type: ignore[attr-defined]
            table = Table(data, colWidths=[w * width for w in widths], repeatRows=header)  # type: ignore[attr-defined]
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story += [Paragraph(escape(str(caption)), strong), table]
        elif kind == "chart":
            spec = part[1]
            picture = Image(
                io.BytesIO(pictures[index]),
                width=spec.width_mm * mm,  # type: ignore[attr-defined]
                height=spec.height_mm * mm,
            )  # type: ignore[attr-defined]
            story.append(KeepTogether([picture, Paragraph(escape(str(part[2])), centre)]))
        elif kind == "signature":
            _, label, recipients, authority, signer = part
            left = [Paragraph(escape(str(label)), cell)] + [
                Paragraph(escape(r), cell)
                for r in recipients  # type: ignore[attr-defined]
            ]
            right = [Paragraph(escape(a), strong) for a in authority]  # type: ignore[attr-defined]
            right += [Spacer(1, 60), Paragraph(escape(str(signer)), strong)]
            story.append(Table([[left, right]], colWidths=[width * 0.45, width * 0.55]))

    def page_number(canvas: object, document: object) -> None:
        canvas.setFont(regular, 13)  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, str(document.page))  # type: ignore[attr-defined]

    SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=30 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    ).build(story, onLaterPages=page_number)


def _floor_docx(parts: list[tuple[object, ...]], pictures: dict[int, bytes], path: Path) -> None:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(6)

    def centred(container: object, text: str, bold: bool = False, size: float = 13) -> None:
        paragraph = container.add_paragraph()  # type: ignore[attr-defined]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)

    for index, part in enumerate(parts):
        kind = part[0]
        if kind == "letterhead":
            _, left, right, left_foot, right_foot = part
            table = document.add_table(rows=2, cols=2)
            for column, lines in enumerate((left, right)):
                target = table.cell(0, column)
                for text, rule in lines:  # type: ignore[attr-defined]
                    centred(target, text, bold=rule)
            centred(table.cell(1, 0), str(left_foot))
            centred(table.cell(1, 1), str(right_foot))
        elif kind == "title":
            for line in part[1]:  # type: ignore[attr-defined]
                centred(document, line, bold=True, size=14)
        elif kind == "heading":
            paragraph = document.add_paragraph()
            paragraph.add_run(str(part[2])).bold = True
        elif kind == "paragraph":
            paragraph = document.add_paragraph(str(part[1]))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Mm(12.7)
        elif kind == "table":
            _, caption, rows, _header, widths = part
            centred(document, str(caption), bold=True)
            table = document.add_table(rows=0, cols=len(widths))  # type: ignore[arg-type]
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for values in rows:  # type: ignore[attr-defined]
                cells = table.add_row().cells  # row by row, never table.cell(r, c)
                for target, text, share in zip(cells, values, widths, strict=False):  # type: ignore[call-overload]
                    target.width = Mm(160 * share)
                    target.paragraphs[0].add_run(text).font.size = Pt(12)
        elif kind == "chart":
            spec = part[1]
            document.add_picture(io.BytesIO(pictures[index]), width=Mm(spec.width_mm))  # type: ignore[attr-defined]
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            centred(document, str(part[2]))
        elif kind == "signature":
            _, label, recipients, authority, signer = part
            table = document.add_table(rows=1, cols=2)
            left, right = table.rows[0].cells
            centred(left, str(label), bold=True, size=12)
            for line in recipients:  # type: ignore[attr-defined]
                centred(left, line, size=11)
            for line in authority:  # type: ignore[attr-defined]
                centred(right, line, bold=True)
            centred(right, str(signer), bold=True)
    document.save(str(path))


# ---------------------------------------------------------------- measuring


def _cold_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes that start cold (spawned, not forked): each pipeline pays its own
    imports and warm-up, and none inherits what this process loaded or drew (a forked
    worker of the floor would find every chart already in the parent's cache)."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


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
            with _cold_pool(args.workers) as pool:
                report = briefgen.render_batch(
                    dataset, args.year, out_dir=root / "a", provinces=codes, executor=pool
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
            with _cold_pool(args.workers) as pool:
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
            with _cold_pool(args.workers) as pool:
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
