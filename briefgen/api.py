"""The library's entry points: :func:`load` data, :func:`build` a brief."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from briefgen import charts
from briefgen import model as m
from briefgen.data.dataset import Dataset
from briefgen.data.load import load as _load_file
from briefgen.document import Document
from briefgen.errors import UsageError
from briefgen.files import brief_name
from briefgen.template.context import build_context
from briefgen.template.env import Template, load_template


def load(
    source: str | Path | Any, *, sheet: str | None = None, locale: str | None = None
) -> Dataset:
    """Read records into a validated :class:`Dataset`.

    ``source``: a YAML, JSON, CSV (long or wide) or XLSX file, or a pandas
    DataFrame.  ``sheet``: the worksheet of a workbook (``None``: the first).
    ``locale``: ``"vi"`` reads Vietnamese text numbers in tables ("2.890.000",
    "49,8").  Raises :class:`briefgen.errors.DataError` naming the file, line
    or row, record and field of the first problem.
    """
    return _load_file(source, sheet=sheet, locale=locale)


def _fit_pages(model: m.Document) -> m.Document:
    """``model`` with its charts drawn at the heights that leave no hole at a page foot.

    The PDF layout finds them; drawing them again at that height (rather than
    scaling the picture) keeps their lettering full size, and every format gets
    the same charts.
    """
    if not model.charts():
        return model
    from briefgen.writers import pdf  # reportlab only when there are charts to place

    floors = {
        index: charts.shortest_mm(block.spec) / block.spec.height_mm
        for index, block in enumerate(model.blocks)
        if isinstance(block, m.Chart)
    }
    return charts.refit(model, pdf.chart_scales(model, floors))


def build(
    dataset: Dataset,
    province: str,
    year: int,
    template: str | Path | Template = "official",
) -> Document:
    """Render the brief of ``province`` in ``year`` with ``template``.

    ``province`` may be any spelling or the code ("Thanh Hoá", "38").
    ``template`` is a built-in name, a template folder, or a loaded template.
    Charts are drawn here, once, and shared by every output format.
    """
    if not isinstance(dataset, Dataset):
        raise UsageError(
            f"build() needs a Dataset from briefgen.load(), not {type(dataset).__name__}"
        )
    if isinstance(year, bool) or not isinstance(year, int):
        raise UsageError(f"year must be an integer, not {year!r}")
    loaded = template if isinstance(template, Template) else load_template(template)
    entry = dataset.entry(province, year)
    context = build_context(dataset, entry, loaded.language)
    model = _fit_pages(charts.draw_charts(loaded.render(context)))
    name = brief_name(entry.unit.slug, year, loaded.name, "x").rsplit(".", 1)[0]
    return Document(**{f.name: getattr(model, f.name) for f in fields(model)}, name=name)
