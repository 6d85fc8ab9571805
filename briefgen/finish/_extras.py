"""Optional dependencies of finishing, imported on first use with a clear error."""

from __future__ import annotations

import importlib
from types import ModuleType

from briefgen.errors import UsageError

EXTRAS = {"sign": "pyhanko", "archival": "pikepdf"}
"""Extra name → the distribution it installs that finishing needs."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` from the ``extra`` install option, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(
            f"{purpose} needs the optional '{extra}' dependencies ({EXTRAS[extra]})",
            hint=f"pip install 'briefgen[{extra}]'",
        ) from None
