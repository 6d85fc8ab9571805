"""briefgen: province-year records in, official briefing documents (PDF, DOCX) out.

>>> import briefgen
>>> data = briefgen.load("fixtures/seed-reports.yaml")
>>> brief = briefgen.build(data, province="Nam Định", year=2021)
>>> brief.save("out/nam-dinh-2021.pdf")
>>> report = briefgen.render_batch(data, year=2021, out_dir="briefs")
>>> report = briefgen.render_batch("fixtures/seed-reports.yaml", year=2021)  # or a path
>>> signer = briefgen.Signer.from_config("signing.yaml")    # PIN from $BRIEFGEN_SIGN_PIN
>>> brief.save("out/nam-dinh-2021.pdf", sign=signer, archival="2b")
>>> outbox = briefgen.compose_messages("briefs", "recipients.csv", mail_from="Sở … <a@b.vn>")
>>> sent = briefgen.send_messages(outbox, briefgen.SmtpSettings("smtp.example.vn", user="a"))

The public names are imported on first use, so ``import briefgen`` is cheap and
a process that only draws charts or formats numbers never loads the template
engine, the validators or the writers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from briefgen.errors import (
    BriefgenError,
    BriefgenWarning,
    DataError,
    InputError,
    OutputError,
    RecordNotFoundError,
    TemplateError,
    UnknownProvinceError,
    UsageError,
)

if TYPE_CHECKING:
    from briefgen.api import build, export, load, new_workbook, validate
    from briefgen.batch import BatchReport, ProvinceResult, render_batch
    from briefgen.data.dataset import Dataset
    from briefgen.data.validate import Report
    from briefgen.delivery.compose import ComposeReport, compose_messages
    from briefgen.delivery.send import Outcome, SendReport, send_messages
    from briefgen.delivery.settings import SmtpSettings
    from briefgen.document import Document
    from briefgen.finish.pipeline import sign_file as sign
    from briefgen.finish.sign import Signer

__version__ = "0.1.0"

_PUBLIC = {
    "build": "briefgen.api",
    "load": "briefgen.api",
    "validate": "briefgen.api",
    "export": "briefgen.api",
    "new_workbook": "briefgen.api",
    "Report": "briefgen.data.validate",
    "render_batch": "briefgen.batch",
    "BatchReport": "briefgen.batch",
    "ProvinceResult": "briefgen.batch",
    "compose_messages": "briefgen.delivery.compose",
    "ComposeReport": "briefgen.delivery.compose",
    "send_messages": "briefgen.delivery.send",
    "SendReport": "briefgen.delivery.send",
    "Outcome": "briefgen.delivery.send",
    "SmtpSettings": "briefgen.delivery.settings",
    "Dataset": "briefgen.data.dataset",
    "Document": "briefgen.document",
    "Signer": "briefgen.finish.sign",
    "sign": "briefgen.finish.pipeline",
}
_ALIASES = {"sign": "sign_file"}
"""Public name → its name in the module that defines it."""
_SUBMODULES = frozenset(
    {"api", "batch", "charts", "cli", "data", "delivery", "document", "files", "finish", "fonts",
     "manifest", "model", "text", "template", "writers"}
)  # fmt: skip

__all__ = [
    "BatchReport",
    "BriefgenError",
    "BriefgenWarning",
    "ComposeReport",
    "DataError",
    "Dataset",
    "Document",
    "InputError",
    "Outcome",
    "OutputError",
    "ProvinceResult",
    "RecordNotFoundError",
    "Report",
    "SendReport",
    "Signer",
    "SmtpSettings",
    "TemplateError",
    "UnknownProvinceError",
    "UsageError",
    "__version__",
    "build",
    "compose_messages",
    "export",
    "load",
    "new_workbook",
    "render_batch",
    "send_messages",
    "sign",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), _ALIASES.get(name, name))
    elif name in _SUBMODULES:
        value = importlib.import_module(f"briefgen.{name}")
    else:
        raise AttributeError(f"module 'briefgen' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _PUBLIC.keys() | _SUBMODULES)
