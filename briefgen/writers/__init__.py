"""Writers turn a :class:`briefgen.model.Document` into bytes of one format.

A writer is a callable ``(document) -> bytes``.  Writers are found by format
name in :data:`WRITERS`; adding a format is one module here plus one line in
that registry.  Writer modules are imported lazily so that rendering only
PDF never imports python-docx, and the reverse.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from briefgen.errors import Location, OutputError
from briefgen.model import Chart, ChartImage, Document


class Writer(Protocol):
    """Turns a document into the bytes of one file format."""

    def __call__(self, document: Document) -> bytes: ...


WRITERS: dict[str, str] = {
    "pdf": "briefgen.writers.pdf",
    "docx": "briefgen.writers.docx",
}
"""Format name → module whose ``write(document) -> bytes`` renders it."""


def formats() -> tuple[str, ...]:
    """The format names that can be written, in registry order."""
    return tuple(WRITERS)


def get_writer(fmt: str) -> Writer:
    """The writer for ``fmt`` ("pdf", "docx"); :class:`OutputError` for an unknown format."""
    key = fmt.lower().lstrip(".")
    try:
        module_name = WRITERS[key]
    except KeyError:
        known = ", ".join(WRITERS)
        raise OutputError(f"unknown output format '{fmt}'", hint=f"use one of: {known}") from None
    writer: Writer = importlib.import_module(module_name).write
    return writer


def render(document: Document, fmt: str) -> bytes:
    """Render ``document`` in format ``fmt``."""
    return get_writer(fmt)(document)


def drawn_image(block: Chart, where: Location, fmt: str) -> ChartImage:
    """The drawn image of a chart block; :class:`OutputError` for one not drawn yet."""
    if block.image is None:
        raise OutputError(
            f"chart '{block.spec.title}' has not been drawn",
            where,
            hint=f"draw charts with briefgen.charts before writing {fmt.upper()}",
        )
    return block.image
