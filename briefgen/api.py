"""The library's entry points: :func:`load` data, :func:`build` a brief."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from briefgen import charts
from briefgen.data.dataset import Dataset
from briefgen.data.limits import Limits
from briefgen.data.load import load as _load_file
from briefgen.data.load import report as _report
from briefgen.data.validate import Report
from briefgen.document import Document
from briefgen.errors import UsageError
from briefgen.files import brief_name
from briefgen.template.context import build_context
from briefgen.template.env import Template, load_template


def load(
    source: str | Path | Any,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    limits: Limits | Mapping[str, Any] | None = None,
) -> Dataset:
    """Read records into a validated :class:`Dataset`.

    ``source``: a YAML, JSON, CSV (long or wide) or XLSX file, a folder of CSV
    files in the workbook layout, a pandas DataFrame, or a dict of DataFrames
    keyed by sheet (docs/data.md).  ``sheet``: read only this worksheet of a
    workbook, as one table of figures.  ``locale``: ``"vi"`` or ``"en"`` reads
    text numbers in tables written that way ("1.175.000" or "1,175,000").
    ``limits``: what a workbook may cost, e.g. ``{"rows": 500_000}``.  Raises
    :class:`briefgen.errors.DataError` naming the file, line or sheet and cell,
    record and field of the first problem; warnings are issued as
    :class:`briefgen.errors.BriefgenWarning`.
    """
    return _load_file(source, sheet=sheet, locale=locale, limits=limits)


def validate(
    source: str | Path | Any,
    *,
    sheet: str | None = None,
    locale: str | None = None,
    limits: Limits | Mapping[str, Any] | None = None,
) -> Report:
    """Every problem of a data source, without raising for bad data.

    Takes what :func:`load` takes.  The :class:`Report` lists errors and
    warnings, each with its place (``problem.where``: file, line or sheet and
    cell, record, field), and holds the dataset of the records that passed.
    """
    return _report(source, sheet=sheet, locale=locale, limits=limits)


def export(dataset: Dataset | str | Path | Any, to: str | Path) -> Path:
    """Write a dataset (or what :func:`load` reads) as .xlsx, .yaml, .json or a CSV folder.

    Loading the written file gives back an equal dataset (``==``).  A folder
    path (or a path without a suffix) gets one CSV file per sheet of the
    workbook layout.  A place that cannot be written (an unknown suffix, a
    folder or a file in the way) is a :class:`UsageError` before anything is read.
    """
    from briefgen.data.export import check_target
    from briefgen.data.export import export as _export

    check_target(Path(to))
    data = dataset if isinstance(dataset, Dataset) else _load_file(dataset)
    return _export(data, Path(to))


def new_workbook(
    path: str | Path, *, year: int | None = None, provinces: Sequence[str] = ()
) -> Path:
    """Write a ready-to-fill workbook in the layout, with instructions in Vietnamese.

    ``year`` and ``provinces`` (any spelling or code) pre-fill one row per
    province in the sheets keyed by province and year.
    """
    from briefgen.data.newbook import new_workbook as _new_workbook

    return _new_workbook(Path(path), year=year, provinces=provinces)


def _not_a_dataset(value: Any) -> str:
    """Why build() refuses ``value``, and what to write instead."""
    if isinstance(value, (str, Path)):
        return (
            f"build() needs a Dataset, not the path '{value}': load it once with "
            f"data = briefgen.load({str(value)!r}) and pass data to every build() (reading "
            "and checking the file again for each brief would be slow)"
        )
    return f"build() needs a Dataset from briefgen.load(), not {type(value).__name__}"


def build(
    dataset: Dataset,
    province: str,
    year: int,
    template: str | Path | Template = "official",
    *,
    draft: bool = False,
) -> Document:
    """Render the brief of ``province`` in ``year`` with ``template``.

    ``dataset`` comes from :func:`load`: load the data once and build every
    brief from it (a path is refused rather than read again for each brief).
    ``province`` may be any spelling or the code ("Thanh Hoá", "38").
    ``template`` is a built-in name, a template folder, or a loaded template.
    ``draft``: mark every page "DỰ THẢO"; a draft cannot be signed.
    Charts are drawn here, once, and shared by every output format; writing
    the brief fits their heights to its pages (:meth:`Document.fitted`).
    """
    if not isinstance(dataset, Dataset):
        raise UsageError(_not_a_dataset(dataset))
    if isinstance(year, bool) or not isinstance(year, int):
        raise UsageError(f"year must be an integer, not {year!r}")
    loaded = template if isinstance(template, Template) else load_template(template)
    entry = dataset.entry(province, year)
    context = build_context(dataset, entry, loaded.language, loaded.config.report)
    model = charts.draw_charts(loaded.render(context))
    name = brief_name(entry.unit.slug, year, loaded.name, "x").rsplit(".", 1)[0]
    parts = {f.name: getattr(model, f.name) for f in fields(model)}
    parts["draft"] = bool(draft)
    return Document(**parts, name=name, archival=loaded.config.archival)
