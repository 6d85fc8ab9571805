"""Draw chart specifications once, for every writer.

A chart is laid out here, from its :class:`~briefgen.model.ChartSpec`, into a
*scene*: a short list of vector marks (boxes, strokes, dots, labels) in points.
Writers draw the scene with their own vector operations (the PDF gets real
vector paths and real text in the document's font, no picture), and a PNG of
the same scene is rasterised here for formats that want pictures (DOCX).

Why not matplotlib's figures: a figure's artist layer (ticks, text layout,
``tight_layout``, a second draw per output format) costs 60–100 ms a chart,
more than the rest of a brief.  The charts a brief needs are simple shapes
whose layout we know exactly, so they are laid out directly; matplotlib's Agg
renderer (object API, no figures, no pyplot state) rasterises the shapes and
Pillow the text.  A chart costs a few milliseconds and is cached per process,
and, within a batch, on disk across worker processes (:func:`use_disk_cache`).

A chart without enough data to show anything (see :func:`drawable`) is left
out of the document: never an empty frame, and never a sentence about it in the
brief (the built-in macros number only the charts they can draw).

Kinds (:data:`KINDS`):

``bar``
    grouped bars with value labels, horizontal above four categories.
``line``
    trend over categories (years), gaps for missing values, last value labelled.
``plan``
    actual against plan: series 0 actual (bars), series 1 plan (a mark across
    each bar), the attainment percentage labelled.
``growth``
    one bar per category, coloured by whether the change is for the better
    (``ChartSpec.better``: ``"higher"`` or ``"lower"`` per category).
``rank``
    this year's rankings, one track 1…N per ranking: series 0 ranks, series 1
    the number ranked.
``rank_trend``
    one ranking over the years, 1 at the top: series 0 ranks, series 1 the
    number ranked each year; a change of that number (63 → 34 in 2025) is
    marked and the line is not drawn across it.
``peers``
    every unit's value, sorted from highest, the highlighted one named, with
    the median as a dashed line.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import pickle
import statistics
import tempfile
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from briefgen import model as m
from briefgen import text as fmt
from briefgen.errors import TemplateError

DPI = 200
"""Raster resolution of chart pictures at their printed size (200 dpi: sharp in print)."""

PALETTE_COLOURS = 128
"""Charts use a few flat colours: a palette PNG of them and their blends into white
(anti-aliased edges) keeps them exact at a third of the bytes of full-colour PNG."""

_BLEND_STEPS = 12
"""Blends of each colour into white in the palette: smooth edges and text."""

_PX = DPI / 72  # pixels per point

# Greys and one accent, distinguishable by lightness alone in black-and-white print.
INK = "#222222"
MUTED = "#7f7f7f"
GRID = "#d9d9d9"
ACCENT = "#1f4e79"
OTHERS = "#c4c4c4"
WORSE = "#e8a87c"  # light, warm: reads as "not this way" in colour, as light grey in print
SERIES_COLOURS = ("#1f4e79", "#8fb4d9", "#4d4d4d", "#c4c4c4")
_FONT_CHOICES = ("Times New Roman", "Liberation Serif", "DejaVu Serif")

KINDS: tuple[str, ...] = ("bar", "line", "plan", "growth", "rank", "rank_trend", "peers")

_TICK = 8.0  # size of axis labels, points
_VALUE = 7.5  # size of value labels and legends
_TITLE = 10.0
_LINE = 9.5  # line height of wrapped category labels
_PAD = 3.0  # inner margin of the chart box

_WORDS = {
    "vi": {
        "rank_axis": "thứ hạng (1 là cao nhất)",
        "actual": "Thực hiện",
        "plan": "Kế hoạch",
        "better": "Cải thiện",
        "worse": "Kém đi",
        "median": "Trung vị",
        "peers_axis": "{n} tỉnh, thành phố, xếp từ cao xuống thấp",
        "ranked_from": "từ {year}: {n} tỉnh, thành phố",
        "ranked": "{n} tỉnh, thành phố",
    },
    "en": {
        "rank_axis": "rank (1 is best)",
        "actual": "Actual",
        "plan": "Plan",
        "better": "Better",
        "worse": "Worse",
        "median": "Median",
        "peers_axis": "{n} provinces and cities, highest first",
        "ranked_from": "from {year}: {n} ranked",
        "ranked": "{n} ranked",
    },
}


def _words(spec: m.ChartSpec) -> dict[str, str]:
    return _WORDS["vi" if spec.lang == "vi" else "en"]


# ----------------------------------------------------------------------------- public


def draw_charts(document: m.Document) -> m.Document:
    """A copy of ``document`` whose chart blocks carry their drawn images.

    A chart that is not :func:`drawable` is left out.
    """
    if not any(isinstance(b, m.Chart) and b.image is None for b in document.blocks):
        return document
    blocks: list[m.Block] = []
    for block in document.blocks:
        if isinstance(block, m.Chart) and block.image is None:
            check(block.spec)
            if drawable(block.spec):
                blocks.append(replace(block, image=_draw_checked(block.spec)))
        else:
            blocks.append(block)
    return document.with_blocks(blocks)


def refit_chart(block: m.Chart, scale: float) -> m.Chart:
    """``block`` drawn again, as wide and ``scale`` times as high (rounded down to a
    tenth of a millimetre, so the model dump stays readable and it still fits): what
    the page it prints on has room for, or needs filled (see :mod:`briefgen.fitting`)."""
    spec = replace(block.spec, height_mm=math.floor(block.spec.height_mm * scale * 10) / 10)
    return replace(block, spec=spec, image=draw(spec))


def shortest_mm(spec: m.ChartSpec) -> float:
    """The least height at which a chart of ``spec`` still reads well: rows of
    horizontal bars and rank tracks keep labels of about 6 pt, other kinds a
    plot area of about 25 mm."""
    rows = len(spec.categories)
    if spec.kind == "rank" or (spec.kind in ("bar", "growth") and rows > 4):
        return 12 + 2.6 * rows
    return 34.0


def check(spec: m.ChartSpec) -> None:
    """Raise :class:`TemplateError` for a spec no kind can draw (unknown kind,
    wrong number of series, ``better`` or ``highlight`` out of step)."""
    if spec.kind not in KINDS:
        raise TemplateError(
            f"unknown chart kind '{spec.kind}'", hint=f"use one of: {', '.join(KINDS)}"
        )
    wanted = {"plan": 2, "rank": 2, "rank_trend": 2, "growth": 1, "peers": 1}.get(spec.kind)
    if wanted is not None and len(spec.series) != wanted:
        what = {
            "plan": "actual and plan",
            "rank": "ranks and the number ranked",
            "rank_trend": "ranks and the number ranked",
            "growth": "the changes",
            "peers": "every unit's value",
        }[spec.kind]
        raise TemplateError(
            f"a {spec.kind} chart needs {wanted} series ({what}), not {len(spec.series)}"
        )
    for series in spec.series:
        bad = next((v for v in series.values if v is not None and not math.isfinite(v)), None)
        if bad is not None:
            raise TemplateError(
                f"chart series '{series.label}' has the value {bad}, not a finite number",
                hint="leave a missing value empty (a gap), never NaN or infinity",
            )
        if len(series.values) != len(spec.categories):
            raise TemplateError(
                f"chart series '{series.label}' has {len(series.values)} values "
                f"for {len(spec.categories)} categories"
            )
    if spec.better and len(spec.better) != len(spec.categories):
        raise TemplateError(
            f"chart 'better' has {len(spec.better)} entries for {len(spec.categories)} categories"
        )
    if any(b not in ("higher", "lower", "") for b in spec.better):
        raise TemplateError("chart 'better' entries must be 'higher', 'lower' or empty")
    if spec.highlight is not None and not 0 <= spec.highlight < len(spec.categories):
        raise TemplateError(
            f"chart highlight {spec.highlight} is not a category index "
            f"(0 to {len(spec.categories) - 1})"
        )


def drawable(spec: m.ChartSpec) -> bool:
    """Whether ``spec`` has enough data to draw: at least two points to show.

    A line needs two points in every series; a plan chart one category with
    both actual and plan; a rank chart one ranking with its rank and the number
    ranked; a rank trend two such years; other kinds two values in all.
    """
    if spec.kind not in KINDS:
        return True  # drawing reports the unknown kind
    values = [s.values for s in spec.series]
    if spec.kind == "line":
        return bool(values) and all(sum(v is not None for v in s) >= 2 for s in values)
    if spec.kind in ("plan", "rank", "rank_trend"):
        if len(values) != 2:
            return True  # drawing reports the malformed spec
        pairs = sum(a is not None and b is not None for a, b in zip(*values, strict=False))
        return pairs >= (2 if spec.kind == "rank_trend" else 1)
    return sum(v is not None for s in values for v in s) >= 2


def draw(spec: m.ChartSpec) -> m.ChartImage:
    """The drawn image of ``spec``: cached per process, and on disk when
    :func:`use_disk_cache` is on."""
    check(spec)
    return _draw_checked(spec)


def _draw_checked(spec: m.ChartSpec) -> m.ChartImage:
    _COUNTS.calls += 1
    return _draw_cached(spec)


def tick_label(value: float, lang: str) -> str:
    """A number as chart labels print it: "1,5" and "2.890" in Vietnamese,
    a scale word ("1,85 triệu") from a hundred thousand up."""
    if abs(value) >= 100_000:
        return fmt.compact(value, lang)
    if 0 < abs(value) < 0.01:  # two significant digits, never a bare "0"
        return fmt.number(value, lang, min(10, 1 - math.floor(math.log10(abs(value)))))
    return fmt.number(value, lang)


def _tick_texts(ticks: Sequence[float], lang: str) -> list[str]:
    """Axis labels: as :func:`tick_label`, with as many decimals as the step needs
    (an axis of 0,0010 … 0,0025 keeps its digits)."""
    places = 0
    while places < 10 and any(abs(round(t, places) - t) > 1e-12 for t in ticks):
        places += 1
    if places <= 2 or max(abs(t) for t in ticks) >= 100_000:
        return [tick_label(t, lang) for t in ticks]
    return [fmt.number(t, lang, places) for t in ticks]


# ----------------------------------------------------------------------------- caches


class _Counts(threading.local):
    """Charts asked for and drawn, per thread (a thread pool's briefs each count their own)."""

    calls = 0
    drawn = 0


_COUNTS = _Counts()
_DISK: list[Path | None] = [None]
"""The folder of :func:`use_disk_cache` (one per process)."""
_CACHE_VERSION = b"briefgen-charts-3"
"""Part of every disk cache key: bump it when a change alters how charts look."""


def use_disk_cache(folder: str | os.PathLike[str] | None) -> None:
    """Share drawn charts with other processes through ``folder`` (``None``: stop).

    A batch points its workers at one folder, so a chart that several briefs
    show (the same spec) is drawn once for the whole batch.  Entries are named
    by a hash of the spec and written atomically; the folder should be private
    to the batch (the batch makes a temporary one).  A process that cannot see
    the folder (a worker on another machine) draws its charts without it.
    """
    _DISK[0] = Path(folder) if folder is not None else None


def counts() -> tuple[int, int]:
    """Charts drawn, and charts taken from a cache instead, in this thread so far."""
    return _COUNTS.drawn, _COUNTS.calls - _COUNTS.drawn


@lru_cache(maxsize=512)
def _draw_cached(spec: m.ChartSpec) -> m.ChartImage:
    key = _disk_key(spec)
    cached = _disk_read(key, ".chart")
    if cached is not None:
        try:
            image = pickle.loads(cached)
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            pass
        else:
            if isinstance(image, m.ChartImage):
                return image
    image = _render(spec)
    if key is not None:
        _disk_write(key, ".chart", pickle.dumps(image, protocol=pickle.HIGHEST_PROTOCOL))
    return image


def _render(spec: m.ChartSpec) -> m.ChartImage:
    _COUNTS.drawn += 1
    width, height = spec.width_mm * 72 / 25.4, spec.height_mm * 72 / 25.4
    scene = _Scene(width, height)
    LAYOUTS[spec.kind](scene, spec)
    return m.ChartImage(
        raster=_Raster(spec),
        dpi=DPI,
        width_mm=spec.width_mm,
        height_mm=spec.height_mm,
        scene=tuple(scene.marks),
    )


@dataclass(frozen=True)
class _Raster:
    """The PNG of a chart, made when a writer first reads ``ChartImage.png``: a PDF
    never needs it, and a chart drawn again at another height never needs the first."""

    spec: m.ChartSpec

    def __call__(self) -> bytes:
        return _png(self.spec)


@lru_cache(maxsize=512)
def _png(spec: m.ChartSpec) -> bytes:
    key = _disk_key(spec)
    cached = _disk_read(key, ".png")
    if cached is not None and cached.startswith(_PNG_SIGNATURE):
        return cached
    image = _draw_cached(spec)
    width, height = spec.width_mm * 72 / 25.4, spec.height_mm * 72 / 25.4
    png = _rasterise(image.scene, width, height)
    if key is not None:
        _disk_write(key, ".png", png)
    return png


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _disk_key(spec: m.ChartSpec) -> str | None:
    """The name of ``spec``'s entries in the disk cache (``None``: no disk cache)."""
    if _DISK[0] is None:
        return None
    return hashlib.sha256(_CACHE_VERSION + repr(spec).encode()).hexdigest()


def _disk_read(key: str | None, suffix: str) -> bytes | None:
    folder = _DISK[0]
    if key is None or folder is None:
        return None
    try:
        return (folder / f"{key}{suffix}").read_bytes()
    except OSError:
        return None


def _disk_write(key: str, suffix: str, data: bytes) -> None:
    """Store an entry atomically; a cache that cannot be written only costs time."""
    folder = _DISK[0]
    if folder is None or not folder.is_dir():
        return  # a worker on another machine: the batch's folder is not here
    try:
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as out:
            out.write(data)
        os.replace(out.name, folder / f"{key}{suffix}")
    except OSError:
        pass


# ----------------------------------------------------------------------------- fonts


@lru_cache(maxsize=1)
def font_files() -> tuple[str, str]:
    """Regular and bold font files of the first serif with full Vietnamese coverage.

    The same order as the PDF writer's font: Times New Roman, Liberation Serif
    (2.x covers Vietnamese, 1.x does not), then matplotlib's DejaVu Serif.
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    needed = {ord(c) for c in fmt.VIETNAMESE_LETTERS}

    def covers(path: str) -> bool:
        try:
            return needed <= set(FT2Font(path).get_charmap())
        except (OSError, RuntimeError):
            return False

    for name in _FONT_CHOICES:
        faces: dict[bool, str] = {}
        for entry in font_manager.fontManager.ttflist:
            if entry.name != name or entry.style != "normal":
                continue
            weight = entry.weight if isinstance(entry.weight, int) else 400
            heavy = weight == 700
            if weight in (400, 700) and heavy not in faces and covers(entry.fname):
                faces[heavy] = entry.fname
        if False in faces:
            return faces[False], faces.get(True, faces[False])
    regular = font_manager.findfont(font_manager.FontProperties(family="DejaVu Serif"))
    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Serif", weight="bold"))
    return str(regular), str(bold)


@lru_cache(maxsize=32)
def _font(size: float, bold: bool) -> Any:
    """A Pillow font at ``size`` points, in pixels at :data:`DPI`."""
    from PIL import ImageFont

    return ImageFont.truetype(font_files()[bold], size=size * _PX)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in points, in the chart font."""
    return float(_font(size, bold).getlength(text)) / _PX


# ----------------------------------------------------------------------------- scene


@dataclass
class _Scene:
    """Marks being laid out in a ``width`` × ``height`` points box."""

    width: float
    height: float
    marks: list[m.Mark] = field(default_factory=list)

    def box(self, x: float, y: float, w: float, h: float, fill: str, **kw: Any) -> None:
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        self.marks.append(m.Box(_r(x), _r(y), _r(w), _r(h), fill, **kw))

    def line(
        self,
        points: Sequence[tuple[float, float]],
        colour: str,
        width: float,
        dash: tuple[float, ...] = (),
    ) -> None:
        pts = tuple((_r(x), _r(y)) for x, y in points)
        self.marks.append(m.Stroke(pts, colour, width, dash))

    def dot(self, x: float, y: float, radius: float, fill: str, **kw: Any) -> None:
        self.marks.append(m.Dot(_r(x), _r(y), radius, fill, **kw))

    def label(
        self,
        x: float,
        y: float,
        text: str,
        size: float = _VALUE,
        colour: str = INK,
        anchor: Literal["start", "middle", "end"] = "start",
        bold: bool = False,
    ) -> None:
        if not text:
            return
        # Keep the whole label inside the box.
        w = text_width(text, size, bold)
        left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
        shift = max(0.0, _PAD / 2 - left) - max(0.0, left + w - (self.width - _PAD / 2))
        self.marks.append(m.Label(_r(x + shift), _r(y), text, size, colour, anchor, bold))


def _r(value: float) -> float:
    """Coordinates rounded to a hundredth of a point: stable bytes, no float noise."""
    return round(value, 2) + 0.0


def _header(
    scene: _Scene, spec: m.ChartSpec, left: float, legend: Sequence[tuple[str, str, str]] = ()
) -> float:
    """Draw title, unit and legend rows; return the y below them.

    ``legend``: (kind, colour, label) items, drawn right-aligned; kinds: "box", "line",
    "dashed" (a dashed line) and "dash" (a short upright dashed line).
    """
    top = scene.height - _PAD
    if spec.title:
        top -= _TITLE
        scene.label(_PAD, top, spec.title, _TITLE, INK, bold=True)
        top -= 4
    if spec.unit or legend:
        top -= _TICK
        if spec.unit:
            scene.label(left, top, spec.unit, _TICK, MUTED)
        x = scene.width - _PAD
        for kind, colour, text in reversed(legend):
            x -= text_width(text, _VALUE)
            scene.label(x, top, text, _VALUE, INK)
            x -= 3
            if kind == "box":
                scene.box(x - 7, top - 0.5, 7, 7, colour)
                x -= 7
            elif kind == "dash":
                scene.line(((x - 2.5, top - 1), (x - 2.5, top + 7)), colour, 0.8, (2.0, 1.5))
                x -= 5
            else:
                dash = (3.0, 2.0) if kind == "dashed" else ()
                scene.line(((x - 11, top + 2.5), (x, top + 2.5)), colour, 1.8, dash)
                x -= 11
            x -= 8
        top -= 4
    return top


# ----------------------------------------------------------------------------- scales


def _nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 × 10^k."""
    if not hi > lo:
        hi = lo + (abs(lo) or 1.0)
    if not math.isfinite(hi - lo):  # extreme figures: no round steps to find
        return [lo, hi]
    raw = (hi - lo) / target
    if not raw > 0:  # a span too small for a float step (values near 5e-324)
        hi, raw = lo + 1.0, 1.0 / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw * 0.999)
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    count = round((end - start) / step)
    return [round(start + i * step, 10) + 0.0 for i in range(count + 1)]


@dataclass
class _Scale:
    """Values ``lo``…``hi`` onto ``a``…``b`` points (``b < a`` inverts)."""

    lo: float
    hi: float
    a: float
    b: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.a + (value - self.lo) / span * (self.b - self.a)


def _value_ticks(values: Sequence[float], zero: bool) -> list[float]:
    lo, hi = min(values), max(values)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    else:
        pad = (hi - lo) * 0.12 or abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
        if min(values) >= 0 and lo < 0:
            lo = 0.0
    return _nice_ticks(lo, hi)


def _wrap(text: str, width: float, size: float = _TICK, most: int = 3) -> list[str]:
    """``text`` in at most ``most`` lines no wider than ``width`` points, the last
    ellipsed when the text does not fit."""
    if text_width(text, size) <= width:
        return [text]
    chars = max(4, int(len(text) * width / text_width(text, size)))
    lines = textwrap.wrap(text, chars) or [text]
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1].rstrip(" ,;") + "…"]
    while text_width(lines[-1], size) > width and len(lines[-1]) > 2:
        lines[-1] = lines[-1][:-2].rstrip(" ,;") + "…"
    return lines


def _every(slot: float, need: float) -> int:
    """Label every how-many-th category so that labels ``need`` points apart fit."""
    return max(1, math.ceil(need / slot)) if slot > 0 else 1


# ----------------------------------------------------------------------------- layouts


@dataclass(frozen=True)
class _Bar:
    """One bar to draw: where in its category, its value, colour and label."""

    category: int
    offset: float  # centre within the category slot, -0.5…0.5
    width: float  # fraction of the slot
    value: float
    colour: str
    label: str


def _bars(
    scene: _Scene,
    spec: m.ChartSpec,
    bars: Sequence[_Bar],
    top: float,
    horizontal: bool,
    marks: Sequence[tuple[int, float]] = (),
) -> _Scale:
    """Lay out bars on a value axis from zero; ``marks`` are (category, value)
    plan marks drawn across the slot.  Returns the value scale."""
    values = [b.value for b in bars] + [v for _, v in marks]
    ticks = _value_ticks(values, zero=True)
    if horizontal:
        return _horizontal_bars(scene, spec, bars, top, ticks)
    return _vertical_bars(scene, spec, bars, top, ticks, marks)


def _horizontal_bars(
    scene: _Scene, spec: m.ChartSpec, bars: Sequence[_Bar], top: float, ticks: Sequence[float]
) -> _Scale:
    """Bars along a value axis at the bottom, one row per category, named left of the plot."""
    bottom = _PAD + _TICK + 4
    slot = (top - bottom) / len(spec.categories)
    # Many categories: smaller labels, then only every k-th one.
    size = min(_TICK, max(5.0, slot * 0.8))
    line = size * 1.19
    every = _every(slot, line)
    most = max(1, min(3, int(slot * every // line)))
    wrapped = [
        _wrap(c, scene.width * 0.34, size, most) if i % every == 0 else []
        for i, c in enumerate(spec.categories)
    ]
    left = _PAD + max((text_width(x, size) for ls in wrapped for x in ls), default=0) + 6
    right = scene.width - _PAD - 2
    value_size = min(_VALUE, size)
    shown = [b for b in bars if b.category % every == 0]
    pos_room = max((text_width(b.label, value_size) for b in shown if b.value >= 0), default=0)
    neg_room = max((text_width(b.label, value_size) for b in shown if b.value < 0), default=0)
    negative = any(b.value < 0 for b in bars)
    scale = _Scale(
        ticks[0], ticks[-1], left + (neg_room + 4 if negative else 0), right - pos_room - 4
    )
    for t, text in zip(ticks, _tick_texts(ticks, spec.lang), strict=True):
        x = scale(t)
        scene.line(((x, bottom), (x, top)), GRID, 0.5)
        scene.label(x, bottom - _TICK - 1, text, _TICK, MUTED, "middle")
    _row_names(scene, wrapped, left - 5, top, slot, size, line)
    _row_bars(scene, bars, scale, top, slot, every, value_size)
    scene.line(((scale(0), bottom), (scale(0), top)), MUTED, 0.7)
    return scale


def _row_names(
    scene: _Scene,
    wrapped: Sequence[Sequence[str]],
    right: float,
    top: float,
    slot: float,
    size: float,
    line: float,
) -> None:
    """Category names of horizontal bars, ending at ``right``, centred on their rows."""
    for i, lines in enumerate(wrapped):
        middle = top - slot * (i + 0.5)
        first = middle + (len(lines) - 1) * line / 2 - size * 0.35
        for j, text in enumerate(lines):
            scene.label(right, first - j * line, text, size, INK, "end")


def _row_bars(
    scene: _Scene,
    bars: Sequence[_Bar],
    scale: _Scale,
    top: float,
    slot: float,
    every: int,
    size: float,
) -> None:
    """Horizontal bars from zero, those of named rows labelled past their ends."""
    for bar in bars:
        middle = top - slot * (bar.category + 0.5 + bar.offset)
        h = slot * bar.width
        scene.box(scale(0), middle - h / 2, scale(bar.value) - scale(0), h, bar.colour)
        if bar.category % every:
            continue
        baseline = middle - size * 0.35
        if bar.value >= 0:
            scene.label(scale(bar.value) + 3, baseline, bar.label, size, INK, "start")
        else:
            scene.label(scale(bar.value) - 3, baseline, bar.label, size, INK, "end")


def _vertical_bars(
    scene: _Scene,
    spec: m.ChartSpec,
    bars: Sequence[_Bar],
    top: float,
    ticks: Sequence[float],
    marks: Sequence[tuple[int, float]],
) -> _Scale:
    """Bars up from a zero line (down for negative values), categories named under them."""
    tick_texts = _tick_texts(ticks, spec.lang)
    left, right = _plot_edges(scene, tick_texts)
    slot = (right - left) / len(spec.categories)
    # Narrow slots: only every k-th category is named (on one line) and labelled.
    widest_label = max((text_width(b.label, _VALUE) for b in bars), default=0.0)
    every = _every(slot, max(18.0, widest_label + 3))
    wrapped = [
        _wrap(c, slot * every * 0.95, _TICK, 3) if i % every == 0 else []
        for i, c in enumerate(spec.categories)
    ]
    depth = max((len(lines) for lines in wrapped), default=1)
    bottom = _PAD + depth * _LINE + 3
    negative = any(b.value < 0 for b in bars)
    scale = _Scale(ticks[0], ticks[-1], bottom + (11 if negative else 0), top - 11)
    _value_grid(scene, scale, ticks, tick_texts, left, right)
    for i, lines in enumerate(wrapped):
        for j, text in enumerate(lines):
            scene.label(left + slot * (i + 0.5), bottom - 9 - j * _LINE, text, _TICK, INK, "middle")
    for bar in bars:
        middle = left + slot * (bar.category + 0.5 + bar.offset)
        w = slot * bar.width
        scene.box(middle - w / 2, scale(0), w, scale(bar.value) - scale(0), bar.colour)
    for category, value in marks:
        middle = left + slot * (category + 0.5)
        w = slot * 0.62
        scene.line(((middle - w / 2, scale(value)), (middle + w / 2, scale(value))), INK, 1.6)
    _column_labels(scene, bars, marks, scale, left, slot, every)
    scene.line(((left, scale(0)), (right, scale(0))), MUTED, 0.7)
    return scale


def _column_labels(
    scene: _Scene,
    bars: Sequence[_Bar],
    marks: Sequence[tuple[int, float]],
    scale: _Scale,
    left: float,
    slot: float,
    every: int,
) -> None:
    """Value labels of named categories: above a bar and its plan mark, under a negative bar."""
    for bar in bars:
        if bar.category % every:
            continue
        middle = left + slot * (bar.category + 0.5 + bar.offset)
        if bar.value >= 0:
            above = max([bar.value] + [v for c, v in marks if c == bar.category])
            scene.label(middle, scale(above) + 2.5, bar.label, _VALUE, INK, "middle")
        else:
            scene.label(middle, scale(bar.value) - 8.5, bar.label, _VALUE, INK, "middle")


def _plot_edges(scene: _Scene, tick_texts: Sequence[str]) -> tuple[float, float]:
    """Left and right edges of a plot whose value labels stand left of it."""
    return _PAD + max(text_width(t, _TICK) for t in tick_texts) + 5, scene.width - _PAD - 2


def _value_grid(
    scene: _Scene,
    scale: _Scale,
    ticks: Sequence[float],
    texts: Sequence[str],
    left: float,
    right: float,
) -> None:
    """Horizontal grid lines at ``ticks`` with their labels left of the plot."""
    for t, text in zip(ticks, texts, strict=True):
        y = scale(t)
        scene.line(((left, y), (right, y)), GRID, 0.5)
        scene.label(left - 4, y - 2.8, text, _TICK, MUTED, "end")


def _category_axis(
    scene: _Scene, categories: Sequence[str], left: float, right: float, bottom: float
) -> None:
    """The category axis at ``bottom``: a line, each category named under its slot."""
    slot = (right - left) / len(categories)
    scene.line(((left, bottom), (right, bottom)), MUTED, 0.7)
    for i, category in enumerate(categories):
        scene.label(left + slot * (i + 0.5), bottom - 9, category, _TICK, INK, "middle")


def _number(lang: str) -> Callable[[float], str]:
    def number(value: float) -> str:
        return tick_label(value, lang)

    return number


def _bar(scene: _Scene, spec: m.ChartSpec) -> None:
    """Grouped bars with value labels; horizontal when more than four categories,
    so long Vietnamese labels stay readable instead of overlapping."""
    number = _number(spec.lang)
    count = len(spec.series) or 1
    width = 0.72 / count
    bars: list[_Bar] = []
    for index, series in enumerate(spec.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        for category, value in enumerate(series.values):
            if value is None:
                continue  # a gap, never a zero bar
            face = colour
            if count == 1 and spec.highlight is not None:
                face = ACCENT if category == spec.highlight else SERIES_COLOURS[1]
            offset = -0.36 + width * (index + 0.5)
            bars.append(_Bar(category, offset, width * 0.92, value, face, number(value)))
    legend = [
        ("box", SERIES_COLOURS[i % len(SERIES_COLOURS)], s.label) for i, s in enumerate(spec.series)
    ]
    horizontal = len(spec.categories) > 4
    top = _header(scene, spec, _PAD, legend if count > 1 else ())
    _bars(scene, spec, bars, top, horizontal)


def _growth(scene: _Scene, spec: m.ChartSpec) -> None:
    """Changes as bars from zero, dark when for the better, light when for the worse."""
    words = _words(spec)
    bars: list[_Bar] = []
    seen: set[str] = set()
    for category, value in enumerate(spec.series[0].values):
        if value is None:
            continue
        better = spec.better[category] if spec.better else ""
        if not better or value == 0:
            colour = MUTED
        elif (value > 0) == (better == "higher"):
            colour, mood = ACCENT, "better"
            seen.add(mood)
        else:
            colour, mood = WORSE, "worse"
            seen.add(mood)
        text = fmt.signed_percent(value, spec.lang) if spec.unit and "%" in spec.unit else None
        text = text or (("+" if value > 0 else "") + tick_label(value, spec.lang))
        bars.append(_Bar(category, 0.0, 0.6, value, colour, text))
    legend = [("box", c, words[k]) for k, c in (("better", ACCENT), ("worse", WORSE)) if k in seen]
    top = _header(scene, spec, _PAD, legend)
    _bars(scene, spec, bars, top, horizontal=len(spec.categories) > 4)


def _plan(scene: _Scene, spec: m.ChartSpec) -> None:
    """Actual as bars, plan as a mark across each bar, attainment labelled."""
    words = _words(spec)
    actual, plan = spec.series[0].values, spec.series[1].values
    bars: list[_Bar] = []
    marks: list[tuple[int, float]] = []
    for category, (done, aim) in enumerate(zip(actual, plan, strict=True)):
        if aim is not None:
            marks.append((category, aim))
        if done is None:
            continue
        label = tick_label(done, spec.lang)
        if aim:
            label = fmt.percent(done / aim * 100, spec.lang)  # as reports print it: "100,67%"
        bars.append(_Bar(category, 0.0, 0.46, done, ACCENT, label))
    legend = [
        ("box", ACCENT, spec.series[0].label or words["actual"]),
        ("line", INK, spec.series[1].label or words["plan"]),
    ]
    top = _header(scene, spec, _PAD, legend)
    _bars(scene, spec, bars, top, horizontal=False, marks=marks)


def _line(scene: _Scene, spec: m.ChartSpec) -> None:
    """Trend over the categories: one line per series, gaps where values are missing,
    every point marked and the last one labelled."""
    number = _number(spec.lang)
    values = [v for s in spec.series for v in s.values if v is not None]
    ticks = _value_ticks(values, zero=False)
    texts = _tick_texts(ticks, spec.lang)
    legend = [
        ("line", SERIES_COLOURS[i % len(SERIES_COLOURS)], s.label)
        for i, s in enumerate(spec.series)
    ]
    top = _header(scene, spec, _PAD, legend if len(spec.series) > 1 else ())
    left, right = _plot_edges(scene, texts)
    n = len(spec.categories)
    slot = (right - left) / n
    bottom = _PAD + _LINE + 3
    scale = _Scale(ticks[0], ticks[-1], bottom, top - 11)
    _value_grid(scene, scale, ticks, texts, left, right)
    _category_axis(scene, spec.categories, left, right, bottom)
    for index, series in enumerate(spec.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        points = [
            None if v is None else (left + slot * (i + 0.5), scale(v))
            for i, v in enumerate(series.values)
        ]
        run: list[tuple[float, float]] = []
        for point in [*points, None]:
            if point is None:
                if len(run) > 1:
                    scene.line(run, colour, 1.4)
                run = []
            else:
                run.append(point)
        for point in points:
            if point is not None:
                scene.dot(*point, 2.0, colour)
        last = max((i for i, v in enumerate(series.values) if v is not None), default=None)
        if last is not None:
            value = series.values[last]
            assert value is not None and points[last] is not None
            x, y = points[last]  # type: ignore[misc]
            scene.label(x, y + 5, number(value), _VALUE, INK, "middle", bold=True)


def _rank(scene: _Scene, spec: m.ChartSpec) -> None:
    """This year's rankings: a track 1…N per ranking with the position marked."""
    ranks, totals = spec.series[0].values, spec.series[1].values
    top = _header(scene, spec, _PAD)
    widest = int(max((t for t in totals if t is not None), default=63))
    left = _PAD + max(text_width(c, _TICK) for c in spec.categories) + 8
    right = scene.width - _PAD - 8
    bottom = _PAD + 2 * _TICK + 6
    scale = _Scale(1, widest, left, right)
    slot = (top - bottom) / max(1, len(spec.categories))
    ticks = [1, *range(10, widest + 1, 10)]
    for t in ticks:
        scene.label(scale(t), bottom - _TICK - 1, str(t), _TICK, MUTED, "middle")
    scene.label((left + right) / 2, _PAD + 1, _words(spec)["rank_axis"], _TICK, INK, "middle")
    for row, (name, rank, total) in enumerate(zip(spec.categories, ranks, totals, strict=True)):
        y = top - slot * (row + 0.62)
        scene.label(left - 8, y - 2.8, name, _TICK, INK, "end")
        if rank is None or total is None:
            continue
        scene.line(((scale(1), y), (scale(total), y)), GRID, 4.5)
        scene.dot(scale(rank), y, 3.4, ACCENT, stroke=INK, line_width=0.5)
        scene.label(scale(rank), y + 6, f"{int(rank)}/{int(total)}", _TICK, INK, "middle", True)


def _rank_trend(scene: _Scene, spec: m.ChartSpec) -> None:
    """One ranking over the years, 1 at the top; where the number ranked changes
    (63 → 34 in 2025) a dashed line marks it and the ranks are not joined across it."""
    words = _words(spec)
    ranks, totals = spec.series[0].values, spec.series[1].values
    changes = _ranked_changes(totals)
    legend = [
        ("dash", MUTED, words["ranked_from"].format(year=spec.categories[i], n=int(total)))
        for i, total in changes
    ]
    top = _header(scene, replace(spec, unit=spec.unit or words["rank_axis"]), _PAD, legend)
    deepest = int(max((t for t in totals if t is not None), default=63))
    ticks = [1] + [t for t in _nice_ticks(0, deepest) if 0 < t <= deepest and t != 1]
    texts = [str(int(t)) for t in ticks]
    left, right = _plot_edges(scene, texts)
    bottom = _PAD + _LINE + 3
    slot = (right - left) / len(spec.categories)
    scale = _Scale(1, deepest, top - 12, bottom + 4)  # inverted: 1 at the top
    _value_grid(scene, scale, ticks, texts, left, right)
    _category_axis(scene, spec.categories, left, right, bottom)
    for i, _ in changes:
        x = left + slot * i
        scene.line(((x, bottom), (x, top - 2)), MUTED, 0.8, (3.0, 2.0))
    for run in _rank_runs(ranks, totals, scale, left, slot):
        if len(run) > 1:
            scene.line(run, ACCENT, 1.4)
    _rank_points(scene, ranks, totals, scale, left, slot)


def _ranked_changes(totals: Sequence[float | None]) -> list[tuple[int, float]]:
    """Where the number ranked changes: (category, number ranked from then on)."""
    changes: list[tuple[int, float]] = []
    previous: float | None = None
    for i, total in enumerate(totals):
        if total is not None:
            if previous is not None and total != previous:
                changes.append((i, total))
            previous = total
    return changes


def _rank_runs(
    ranks: Sequence[float | None],
    totals: Sequence[float | None],
    scale: _Scale,
    left: float,
    slot: float,
) -> list[list[tuple[float, float]]]:
    """Points of a rank trend in runs to join: a gap or a new number ranked starts a run."""
    runs: list[list[tuple[float, float]]] = []
    last_total: float | None = None
    for i, (rank, total) in enumerate(zip(ranks, totals, strict=True)):
        if rank is None or total is None:
            last_total = None
            runs.append([])
            continue
        point = (left + slot * (i + 0.5), scale(rank))
        if not runs or total != last_total:
            runs.append([])
        runs[-1].append(point)
        last_total = total
    return runs


def _rank_points(
    scene: _Scene,
    ranks: Sequence[float | None],
    totals: Sequence[float | None],
    scale: _Scale,
    left: float,
    slot: float,
) -> None:
    """A dot per ranked year labelled "rank/number ranked", the last year's in bold."""
    for i, (rank, total) in enumerate(zip(ranks, totals, strict=True)):
        if rank is None or total is None:
            continue
        x, y = left + slot * (i + 0.5), scale(rank)
        scene.dot(x, y, 2.6, ACCENT, stroke=INK, line_width=0.4)
        scene.label(
            x,
            y - 10 if rank <= 3 else y + 5,
            f"{int(rank)}/{int(total)}",
            _VALUE,
            INK,
            "middle",
            bold=i == len(ranks) - 1,
        )


def _peers(scene: _Scene, spec: m.ChartSpec) -> None:
    """Every unit's value, highest first; the highlighted one named; median dashed."""
    words = _words(spec)
    number = _number(spec.lang)
    present = [(v, i) for i, v in enumerate(spec.series[0].values) if v is not None]
    order = sorted(present, key=lambda p: (-p[0], spec.categories[p[1]]))
    values = [v for v, _ in order]
    ticks = _value_ticks(values, zero=True)
    texts = _tick_texts(ticks, spec.lang)
    median = statistics.median(values)
    legend = [("dashed", INK, f"{words['median']}: {number(median)}")]
    top = _header(scene, spec, _PAD, legend)
    left, right = _plot_edges(scene, texts)
    bottom = _PAD + _LINE + 3
    scale = _Scale(ticks[0], ticks[-1], bottom, top - 11)
    _value_grid(scene, scale, ticks, texts, left, right)
    slot = (right - left) / len(order)
    chosen = _peer_bars(scene, order, spec.highlight, scale, left, slot)
    scene.line(((left, scale(0)), (right, scale(0))), MUTED, 0.7)
    scene.line(((left, scale(median)), (right, scale(median))), INK, 0.9, (4.0, 2.5))
    axis = words["peers_axis"].format(n=len(order))
    scene.label((left + right) / 2, bottom - 9, axis, _TICK, INK, "middle")
    if chosen is not None:
        value, index = order[chosen]
        text = f"{spec.categories[index]}: {number(value)}"
        _peer_label(scene, order, chosen, text, scale, left, right)


def _peer_bars(
    scene: _Scene,
    order: Sequence[tuple[float, int]],
    highlight: int | None,
    scale: _Scale,
    left: float,
    slot: float,
) -> int | None:
    """A bar per (value, category) in ``order``; returns the position of the highlighted one."""
    chosen: int | None = None
    for k, (value, index) in enumerate(order):
        mine = index == highlight
        scene.box(
            left + slot * (k + 0.12),
            scale(0),
            slot * 0.76,
            scale(value) - scale(0),
            ACCENT if mine else OTHERS,
        )
        if mine:
            chosen = k
    return chosen


def _peer_label(
    scene: _Scene,
    order: Sequence[tuple[float, int]],
    chosen: int,
    text: str,
    scale: _Scale,
    left: float,
    right: float,
) -> None:
    """``text`` naming the ``chosen`` bar, above every bar it spans, with a leader line."""
    slot = (right - left) / len(order)
    value = order[chosen][0]
    x = left + slot * (chosen + 0.5)
    width = text_width(text, _VALUE, True)
    anchor: Literal["start", "middle", "end"] = "middle"
    start = x - width / 2
    if x - left < (right - left) * 0.2:
        anchor, start = "start", x - 4
    elif right - x < (right - left) * 0.2:
        anchor, start = "end", x + 4 - width
    # Above every bar the label spans, joined to its bar by a leader line.
    under = [
        max(v, 0.0)
        for k, (v, _) in enumerate(order)
        if left + slot * (k + 1) > start and left + slot * k < start + width
    ]
    base = scale(max([max(value, 0.0), *under]))
    own = scale(max(value, 0.0))
    scene.line(((x, own + 1.5), (x, base + 6.5)), INK, 0.6)
    scene.label(
        {"start": x - 4, "middle": x, "end": x + 4}[anchor],
        base + 9,
        text,
        _VALUE,
        INK,
        anchor,
        bold=True,
    )


LAYOUTS: dict[str, Callable[[_Scene, m.ChartSpec], None]] = {
    "bar": _bar,
    "line": _line,
    "plan": _plan,
    "growth": _growth,
    "rank": _rank,
    "rank_trend": _rank_trend,
    "peers": _peers,
}


# ----------------------------------------------------------------------------- raster


@lru_cache(maxsize=64)
def _rgb(colour: str) -> tuple[float, float, float]:
    value = int(colour.lstrip("#"), 16)
    return ((value >> 16) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255)


def _rasterise(scene: Sequence[m.Mark], width: float, height: float) -> bytes:
    """The scene as a palette PNG at :data:`DPI`: shapes anti-aliased by matplotlib's
    Agg renderer (no figure), text by Pillow's FreeType in the chart font."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Affine2D
    from PIL import Image

    size = (round(width * _PX), round(height * _PX))
    renderer: Any = RendererAgg(size[0], size[1], DPI)  # type: ignore[no-untyped-call]
    to_pixels = Affine2D().scale(_PX)
    gc = renderer.new_gc()
    gc.set_antialiased(True)
    gc.set_linewidth(0)
    renderer.draw_path(
        gc, MplPath.unit_rectangle(), Affine2D().scale(size[0], size[1]), (1.0, 1.0, 1.0)
    )
    for mark in scene:
        if not isinstance(mark, m.Label):
            _draw_shape(renderer, mark, to_pixels)
    image = Image.frombuffer("RGBA", size, renderer.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = image.convert("RGB")
    _draw_labels(image, [mark for mark in scene if isinstance(mark, m.Label)])
    quantised = image.quantize(palette=_palette(scene), dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantised.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _draw_shape(renderer: Any, mark: m.Box | m.Stroke | m.Dot, to_pixels: Any) -> None:
    """Draw one box, stroke or dot with the Agg ``renderer``, points ``to_pixels``."""
    from matplotlib.path import Path as MplPath

    gc = renderer.new_gc()
    gc.set_antialiased(True)
    gc.set_joinstyle("round")
    if isinstance(mark, m.Box):
        path = MplPath(
            [
                (mark.x, mark.y),
                (mark.x + mark.width, mark.y),
                (mark.x + mark.width, mark.y + mark.height),
                (mark.x, mark.y + mark.height),
                (mark.x, mark.y),
            ],
            closed=True,
        )
        gc.set_linewidth(mark.line_width)
        gc.set_snap(True)
        if mark.stroke:
            gc.set_foreground(_rgb(mark.stroke))
        renderer.draw_path(gc, path, to_pixels, _rgb(mark.fill))
    elif isinstance(mark, m.Stroke):
        gc.set_linewidth(mark.line_width)
        gc.set_foreground(_rgb(mark.colour))
        gc.set_capstyle("butt" if mark.dash or len(mark.points) == 2 else "round")
        if mark.dash:
            gc.set_dashes(0, list(mark.dash))
        renderer.draw_path(gc, MplPath(mark.points), to_pixels, None)
    elif isinstance(mark, m.Dot):
        circle = MplPath.circle((mark.x, mark.y), mark.radius)
        gc.set_linewidth(mark.line_width)
        if mark.stroke:
            gc.set_foreground(_rgb(mark.stroke))
        renderer.draw_path(gc, circle, to_pixels, _rgb(mark.fill))


def _draw_labels(image: Any, labels: Sequence[m.Label]) -> None:
    """Draw ``labels`` on the Pillow ``image`` with FreeType, in the chart font."""
    from PIL import ImageDraw

    pen = ImageDraw.Draw(image)
    anchors = {"start": "ls", "middle": "ms", "end": "rs"}
    for label in labels:
        pen.text(
            (label.x * _PX, image.height - label.y * _PX),
            label.text,
            font=_font(label.size, label.bold),
            fill=label.colour,
            anchor=anchors[label.anchor],
        )


def _palette(scene: Sequence[m.Mark]) -> Any:
    """A palette image of the scene's colours, each with its blends into white.

    A chart is a few flat colours on white; anti-aliased edges and text are
    blends of one colour into the ground.  Mapping every pixel to the nearest
    of these (no dithering) keeps colours exact and edges smooth, and costs a
    seventh of adaptive (octree) quantising.
    """

    used = {"#ffffff"}
    for mark in scene:
        for colour in (
            getattr(mark, "fill", None),
            getattr(mark, "colour", None),
            getattr(mark, "stroke", None),
        ):
            if colour:
                used.add(colour)
    return _palette_of(tuple(sorted(used)))


@lru_cache(maxsize=64)
def _palette_of(colours: tuple[str, ...]) -> Any:
    from PIL import Image

    steps = max(2, min(_BLEND_STEPS, (PALETTE_COLOURS - 1) // max(1, len(colours) - 1)))
    entries: list[int] = [255, 255, 255]
    for colour in colours:
        if colour == "#ffffff":
            continue
        rgb = [round(v * 255) for v in _rgb(colour)]
        for step in range(1, steps + 1):
            share = step / steps
            blend = [round(255 + (v - 255) * share) for v in rgb]
            # Entries close to another are dropped: Pillow maps pixels by a coarse
            # nearest search, and white must stay exactly white.
            if step == steps or all(
                max(abs(a - b) for a, b in zip(blend, entries[i : i + 3], strict=True)) > 8
                for i in range(0, len(entries), 3)
            ):
                entries += blend
    picture = Image.new("P", (1, 1))
    picture.putpalette(entries)
    return picture
