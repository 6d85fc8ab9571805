"""Draw chart specifications once, for every writer.

Only this module imports matplotlib.  It uses the object API (``Figure`` and
the Agg canvas), never pyplot, so no global figure state builds up over a
batch; drawn charts are cached per process by their specification, so the
same chart in two formats or two briefs is drawn once.  One figure gives both
pictures: a palette PNG for DOCX and a vector SVG (text as outlines, so the
reader needs no font) for PDF.

A chart without enough data to show anything (see :func:`drawable`) becomes a
sentence saying so, never an empty frame.

Kinds: ``bar`` (grouped vertical bars, value labels), ``line`` (trend over
categories, last value labelled), ``rank`` (position of the province on a
1…N track per ranking; series 0 holds ranks, series 1 the number ranked).
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

from briefgen import model as m
from briefgen import text as fmt
from briefgen.errors import TemplateError

DPI = 200
"""Raster resolution of chart pictures at their printed size (200 dpi: sharp in print)."""

PALETTE_COLOURS = 64
"""Charts use a few flat colours: a 64-colour palette PNG keeps them exact (anti-aliased
edges included) at a third of the bytes of full-colour PNG."""

# Greys and one accent that stay distinguishable in black-and-white print.
INK = "#222222"
MUTED = "#8c8c8c"
LIGHT = "#d0d0d0"
ACCENT = "#1f4e79"
SERIES_COLOURS = ("#1f4e79", "#9dc3e6", "#595959", "#c9c9c9")
_FONT_CHOICES = ("Times New Roman", "Liberation Serif", "DejaVu Serif")

KINDS: tuple[str, ...] = ("bar", "line", "rank")

SVG_SALT = "briefgen"
"""Fixed salt for the ids matplotlib writes into SVG, so the same chart gives the same bytes."""

_NOT_ENOUGH = {
    "vi": "Chưa đủ số liệu để vẽ biểu đồ",
    "en": "Not enough data for a chart",
}


def draw_charts(document: m.Document) -> m.Document:
    """A copy of ``document`` whose chart blocks carry their drawn images.

    A chart that is not :func:`drawable` becomes a paragraph saying so.
    """
    if not any(isinstance(b, m.Chart) and b.image is None for b in document.blocks):
        return document
    blocks: list[m.Block] = []
    for block in document.blocks:
        if isinstance(block, m.Chart) and block.image is None:
            if drawable(block.spec):
                blocks.append(replace(block, image=draw(block.spec)))
            else:
                blocks.append(missing_data(block))
        else:
            blocks.append(block)
    return document.with_blocks(blocks)


def drawable(spec: m.ChartSpec) -> bool:
    """Whether ``spec`` has enough data to draw.

    Bars need two values in all; every line needs two points of its own; a
    rank chart needs one ranking with both its rank and the number ranked.
    """
    if spec.kind not in KINDS:
        return True  # drawing reports the unknown kind
    if spec.kind == "line":
        return bool(spec.series) and all(
            sum(v is not None for v in s.values) >= 2 for s in spec.series
        )
    if spec.kind == "rank":
        if len(spec.series) != 2:
            return True  # drawing reports the malformed spec
        pairs = zip(spec.series[0].values, spec.series[1].values, strict=False)
        return any(r is not None and t is not None for r, t in pairs)
    return sum(v is not None for s in spec.series for v in s.values) >= 2


def missing_data(block: m.Chart) -> m.Paragraph:
    """The sentence printed instead of a chart that has too little data."""
    lang = "vi" if block.spec.lang == "vi" else "en"
    name = block.spec.title.strip() or m.plain(block.caption).strip()
    sentence = _NOT_ENOUGH[lang]
    sentence += f": {name.rstrip('.')}." if name else "."
    return m.Paragraph((m.Text(sentence),))


def draw(spec: m.ChartSpec) -> m.ChartImage:
    """The drawn image of ``spec`` (cached per process)."""
    if spec.kind not in KINDS:
        raise TemplateError(
            f"unknown chart kind '{spec.kind}'", hint=f"use one of: {', '.join(KINDS)}"
        )
    return _draw_cached(spec)


@lru_cache(maxsize=1)
def _font_family() -> Any:
    """Font properties of the first serif with full Vietnamese coverage.

    The same order as the PDF writer's font: Times New Roman, Liberation Serif
    (2.x covers Vietnamese, 1.x does not), then matplotlib's DejaVu Serif.
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    needed = {ord(c) for c in fmt.VIETNAMESE_LETTERS}
    for name in _FONT_CHOICES:
        for entry in font_manager.fontManager.ttflist:
            if entry.name != name or entry.style != "normal" or entry.weight not in (400, "normal"):
                continue
            try:
                charmap = FT2Font(entry.fname).get_charmap()
            except (OSError, RuntimeError):
                continue
            if needed <= set(charmap):
                return font_manager.FontProperties(fname=entry.fname)
    return font_manager.FontProperties(family="DejaVu Serif")


@lru_cache(maxsize=512)
def _draw_cached(spec: m.ChartSpec) -> m.ChartImage:
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width_in = spec.width_mm / 25.4
    height_in = spec.height_mm / 25.4
    figure = Figure(figsize=(width_in, height_in), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    _style_axes(ax)
    number = _number_formatter(spec.lang)
    DRAWERS[spec.kind](ax, spec, number)
    if spec.title:
        ax.set_title(
            spec.title,
            fontsize=10,
            color=INK,
            loc="left",
            fontweight="bold",
            fontproperties=_font_family(),
        )
    figure.tight_layout(pad=0.6)
    figure.set_layout_engine(None)  # laid out once: saving must not lay out (draw) again
    canvas.draw()  # type: ignore[no-untyped-call]
    png = io.BytesIO()
    rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    _palette_png(rgba, canvas.get_width_height(), png)
    svg = io.BytesIO()
    # rcParams only for this save: the rest of the process keeps its own settings.
    with rc_context({"svg.fonttype": "path", "svg.hashsalt": SVG_SALT}):
        figure.savefig(svg, format="svg", metadata={"Date": None})
    figure.clear()
    return m.ChartImage(
        png=png.getvalue(),
        dpi=DPI,
        width_mm=spec.width_mm,
        height_mm=spec.height_mm,
        svg=svg.getvalue(),
    )


def _sized(size: float) -> Any:
    font = _font_family().copy()
    font.set_size(size)
    return font


def _palette_png(rgba: Any, size: tuple[int, int], out: io.BytesIO) -> None:
    """Write the drawn figure as a deterministic palette PNG (Pillow ships with matplotlib)."""
    from PIL import Image

    image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1).convert("RGB")
    # Fast octree: a third of median cut's time, and smaller files than median cut
    # with ``optimize`` (which would double the cost of the save).
    quantised = image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    quantised.save(out, format="PNG", dpi=(DPI, DPI))


def tick_label(value: float, lang: str) -> str:
    """A number as chart labels print it: "1,5" and "2.890" in Vietnamese,
    a scale word ("1,85 triệu") from a hundred thousand up."""
    if abs(value) >= 100_000:
        return fmt.compact(value, lang)
    return fmt.number(value, lang)


def _number_formatter(lang: str) -> Callable[[float], str]:
    def number(value: float) -> str:
        return tick_label(value, lang)

    return number


def _style_axes(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
        ax.spines[side].set_linewidth(0.6)
    ax.tick_params(colors=INK, labelsize=8, width=0.6, length=3)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(_sized(8))


def _apply_font(ax: Any) -> None:
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(_sized(8))


def _bar(ax: Any, spec: m.ChartSpec, number: Callable[[float], str]) -> None:
    """Grouped bars with value labels; horizontal when more than four categories,
    so long Vietnamese labels stay readable instead of overlapping."""
    from matplotlib.ticker import FuncFormatter

    horizontal = len(spec.categories) > 4
    count = len(spec.series) or 1
    width = 0.8 / count
    positions = list(range(len(spec.categories)))
    values = [v for s in spec.series for v in s.values if v is not None]
    top = max([*values, 0.0]) or 1.0
    bottom = min([*values, 0.0])
    label_font = _sized(7.5)
    for index, series in enumerate(spec.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        for at, value, category in zip(offsets, series.values, positions, strict=True):
            if value is None:
                continue  # a gap, never a zero bar
            face = colour
            if count == 1 and spec.highlight is not None:
                face = ACCENT if category == spec.highlight else "#9dc3e6"
            if horizontal:
                ax.barh(at, value, width * 0.9, color=face, edgecolor=INK, linewidth=0.4)
                ax.annotate(
                    number(value),
                    (value, at),
                    xytext=(3 if value >= 0 else -3, 0),
                    textcoords="offset points",
                    ha="left" if value >= 0 else "right",
                    va="center",
                    color=INK,
                    fontproperties=label_font,
                )
            else:
                ax.bar(at, value, width * 0.9, color=face, edgecolor=INK, linewidth=0.4)
                ax.annotate(
                    number(value),
                    (at, value),
                    xytext=(0, 2 if value >= 0 else -2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom" if value >= 0 else "top",
                    color=INK,
                    fontproperties=label_font,
                )
    span = (bottom * 1.25 if bottom < 0 else 0, top * 1.18)
    labels = [textwrap.fill(c, 30 if horizontal else 16) for c in spec.categories]
    value_axis = ax.xaxis if horizontal else ax.yaxis
    value_axis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()  # first category at the top, as read
        ax.set_xlim(*span)
        ax.grid(axis="x", color=LIGHT, linewidth=0.5)
        if spec.unit:
            ax.set_xlabel(spec.unit, color=INK, fontproperties=_sized(8))
    else:
        ax.set_xticks(positions, labels)
        ax.set_ylim(*span)
        ax.grid(axis="y", color=LIGHT, linewidth=0.5)
        if spec.unit:
            ax.set_ylabel(spec.unit, color=INK, fontproperties=_sized(8))
    if bottom < 0:
        (ax.axvline if horizontal else ax.axhline)(0, color=MUTED, linewidth=0.6)
    ax.set_axisbelow(True)
    if count > 1:
        from matplotlib.patches import Patch

        keys = [
            Patch(
                facecolor=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                edgecolor=INK,
                linewidth=0.4,
                label=s.label,
            )
            for i, s in enumerate(spec.series)
        ]
        ax.legend(handles=keys, frameon=False, prop=_sized(7.5))
    _apply_font(ax)


def _line(ax: Any, spec: m.ChartSpec, number: Callable[[float], str]) -> None:
    from matplotlib.ticker import FuncFormatter

    positions = list(range(len(spec.categories)))
    for index, series in enumerate(spec.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        ys = [math.nan if v is None else v for v in series.values]  # NaN breaks the line
        ax.plot(
            positions,
            ys,
            color=colour,
            linewidth=1.4,
            marker="o",
            markersize=3.5,
            label=series.label,
        )
        last = max((i for i, v in enumerate(series.values) if v is not None), default=None)
        if last is not None:
            value = series.values[last]
            assert value is not None
            ax.annotate(
                number(value),
                (last, value),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color=INK,
                fontweight="bold",
                fontproperties=_font_family(),
            )
    ax.set_xticks(positions, list(spec.categories))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))
    ax.grid(axis="y", color=LIGHT, linewidth=0.5)
    ax.margins(x=0.08, y=0.2)
    if spec.unit:
        ax.set_ylabel(spec.unit, color=INK, fontproperties=_sized(8))
    if len(spec.series) > 1:
        ax.legend(fontsize=7.5, frameon=False, prop=_sized(7.5))
    _apply_font(ax)


def _rank(ax: Any, spec: m.ChartSpec, number: Callable[[float], str]) -> None:
    if len(spec.series) != 2:
        raise TemplateError("a rank chart needs two series: ranks and the number ranked")
    ranks, totals = spec.series[0].values, spec.series[1].values
    rows = list(range(len(spec.categories)))[::-1]  # first category at the top
    widest = max((t for t in totals if t is not None), default=63)
    for row, rank, total in zip(rows, ranks, totals, strict=True):
        if rank is None or total is None:
            continue
        ax.plot([1, total], [row, row], color=LIGHT, linewidth=5, solid_capstyle="round")
        ax.plot(
            [rank],
            [row],
            marker="o",
            markersize=7,
            color=ACCENT,
            markeredgecolor=INK,
            markeredgewidth=0.5,
        )
        ax.annotate(
            f"{int(rank)}/{int(total)}",
            (rank, row),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color=INK,
            fontweight="bold",
            fontproperties=_font_family(),
        )
    ax.set_yticks(rows, list(spec.categories))
    ax.set_xlim(0, widest + 1)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xticks([1, 10, 20, 30, 40, 50, 60][: 1 + int(widest) // 10])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    label = "thứ hạng (1 là cao nhất)" if spec.lang == "vi" else "rank (1 is best)"
    ax.set_xlabel(label, color=INK, fontproperties=_sized(8))
    _apply_font(ax)


DRAWERS: dict[str, Callable[[Any, m.ChartSpec, Callable[[float], str]], None]] = {
    "bar": _bar,
    "line": _line,
    "rank": _rank,
}
