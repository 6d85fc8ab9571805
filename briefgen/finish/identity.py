"""Whether a signing certificate names the person a brief names as its signer.

Under Decree 30 the competent person signs box 7c with their own key, and the
brief prints their name under the signature.  A certificate of someone else
would make a document that shows one person's name and carries another's
signature, so signing compares the two first.

Certificates write names in several ways: with or without diacritics, in
upper case, with a suffix ("Đỗ Hữu Quyết (MẪU)", "NGUYEN VAN A - 012345678").
Two names match when, compared without case, diacritics ("Đ" as "D") and
punctuation, the printed name's words appear in the certificate's common name,
in order and together.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["name_words", "same_person"]

_WORD: Final = re.compile(r"[^\W_]+")


def name_words(text: str) -> list[str]:
    """The words of a name, lower case, without diacritics: "Đỗ Hữu Quyết" → do huu quyet."""
    folded = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(bare.casefold())


def same_person(printed: str, certificate: str) -> bool:
    """Whether the certificate's name ``certificate`` is the brief's signer ``printed``."""
    wanted = name_words(printed)
    found = name_words(certificate)
    if not wanted:
        return True  # the brief names no one: nothing to compare
    size = len(wanted)
    return any(found[start : start + size] == wanted for start in range(len(found) - size + 1))
