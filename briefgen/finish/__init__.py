"""Finishing a brief's PDF: Decree-30 signatures (PAdES), archival PDF/A, empty signature fields.

- :mod:`.archival` — PDF/A-2b and PDF/A-1b by post-processing with pikepdf;
- :mod:`.sign` — :class:`~.sign.Signer`: PAdES B-B/B-T signatures with pyHanko from a
  PKCS#12 file or a PKCS#11 token, the signature and seal images placed from the
  layout record the PDF writer stores (:mod:`briefgen.writers.layout`);
- :mod:`.config` — the signing configuration file;
- :mod:`.pipeline` — the order of the steps, for ``Document.save``, the batch and
  ``briefgen sign``.

pyHanko (extra ``sign``) and pikepdf (extra ``archival``) are imported only when
used; without them, a clear error says which extra to install.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefgen.finish.archival import to_pdfa
    from briefgen.finish.config import SigningConfig, load_config
    from briefgen.finish.pipeline import finish_pdf, sign_file
    from briefgen.finish.sign import Signer

__all__ = ["Signer", "SigningConfig", "finish_pdf", "load_config", "sign_file", "to_pdfa"]

_PUBLIC = {
    "Signer": "briefgen.finish.sign",
    "SigningConfig": "briefgen.finish.config",
    "load_config": "briefgen.finish.config",
    "finish_pdf": "briefgen.finish.pipeline",
    "sign_file": "briefgen.finish.pipeline",
    "to_pdfa": "briefgen.finish.archival",
}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'briefgen.finish' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value
