"""Chart benchmark: briefgen's chart drawing against a naive matplotlib chart.

    python benchmarks/charts.py [--n 200] [--profile]

Measured side by side in one run, on N distinct bar-chart specs of a brief's size
(150 × 65 mm, four Vietnamese categories):

(a) briefgen: ``charts.draw`` — the chart laid out once as a scene of vector marks
    (what the PDF draws, with real text) and rasterised to a 64-colour palette PNG
    at 200 dpi (for DOCX).
(b) naive: ``plt.subplots``, ``ax.bar``, ``tight_layout``, ``savefig`` PNG at
    150 dpi, ``plt.close`` — one PNG only.
(c) briefgen cached: the same N specs drawn again (what a second format or a
    second brief with the same chart costs).

Prints milliseconds per chart for each and the ratio b/a (above 1: briefgen is
cheaper).  ``--profile`` prints briefgen's top functions by cumulative time.
Nothing here is a test: it measures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable

from briefgen import charts
from briefgen import model as m

CATEGORIES = (
    "Doanh thu toàn ngành",
    "Thuê bao điện thoại",
    "Thuê bao băng rộng",
    "Phát hành báo chí",
)


def specs(n: int, salt: float = 0.0) -> list[m.ChartSpec]:
    return [
        m.ChartSpec(
            kind="bar",
            title="",
            categories=CATEGORIES,
            series=(m.Series("Thực hiện", (100.0 + i + salt, 100.67, 105.88 - i / 7, 98.5)),),
            unit="% kế hoạch",
            width_mm=150,
            height_mm=65,
        )
        for i in range(n)
    ]


def briefgen_chart(spec: m.ChartSpec) -> None:
    image = charts.draw(spec)
    assert image.png and image.scene


def naive_chart(spec: m.ChartSpec) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(spec.width_mm / 25.4, spec.height_mm / 25.4))
    values = [v or 0.0 for v in spec.series[0].values]
    ax.bar(list(spec.categories), values)
    ax.set_ylabel(spec.unit or "")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150)
    plt.close(fig)


def per_chart_ms(draw: Callable[[m.ChartSpec], None], batch: list[m.ChartSpec]) -> float:
    gc.collect()
    start = time.perf_counter()
    for spec in batch:
        draw(spec)
    return (time.perf_counter() - start) / len(batch) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="charts per side (default 200)")
    parser.add_argument("--profile", action="store_true", help="profile briefgen's drawing")
    args = parser.parse_args()

    # Warm up both (imports, font cache, first-figure costs) on specs not measured.
    for spec in specs(3, salt=0.5):
        briefgen_chart(spec)
        naive_chart(spec)

    batch = specs(args.n)
    charts._draw_cached.cache_clear()
    charts._png.cache_clear()
    ours = per_chart_ms(briefgen_chart, batch)
    cached = per_chart_ms(briefgen_chart, batch[: min(len(batch), 512)])
    naive = per_chart_ms(naive_chart, batch)
    print(f"charts per side:        {args.n}")
    print(f"briefgen (PNG + vector):{ours:8.1f} ms/chart")
    print(f"naive matplotlib (PNG): {naive:8.1f} ms/chart")
    print(f"ratio naive/briefgen:   {naive / ours:8.2f}x (target >= 2x)")
    print(f"briefgen cached:        {cached:8.3f} ms/chart (same spec again)")

    if args.profile:
        charts._draw_cached.cache_clear()
        charts._png.cache_clear()
        profile = cProfile.Profile()
        profile.enable()
        for spec in batch[:50]:
            briefgen_chart(spec)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
