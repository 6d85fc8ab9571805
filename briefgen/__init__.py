"""briefgen: province-year records in, official briefing documents (PDF, DOCX) out.

>>> import briefgen
>>> data = briefgen.load("fixtures/seed-reports.yaml")
>>> brief = briefgen.build(data, province="Nam Định", year=2021)
>>> brief.save("out/nam-dinh-2021.pdf")
"""

from __future__ import annotations

from briefgen.api import build, load
from briefgen.data.dataset import Dataset
from briefgen.document import Document
from briefgen.errors import (
    BriefgenError,
    DataError,
    InputError,
    OutputError,
    RecordNotFoundError,
    TemplateError,
    UnknownProvinceError,
    UsageError,
)

__version__ = "0.1.0"

__all__ = [
    "BriefgenError",
    "DataError",
    "Dataset",
    "Document",
    "InputError",
    "OutputError",
    "RecordNotFoundError",
    "TemplateError",
    "UnknownProvinceError",
    "UsageError",
    "__version__",
    "build",
    "load",
]
