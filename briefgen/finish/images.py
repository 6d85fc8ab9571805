"""The signature and seal pictures: PNG files with a transparent background.

Decree 30 (Appendix I, II.7.d and II.8.a) asks for the signer's handwritten
signature in blue and the body's seal in red, each a PNG with a transparent
background.  Both are checked when a signer is built, so a missing file, a
picture that is not a PNG, or one that would hide what lies under it fails
before any brief is written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from briefgen.errors import Location, UsageError

__all__ = ["SignImage", "load_png"]

_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class SignImage:
    """A checked PNG: its bytes and pixel size (``aspect`` is height / width)."""

    path: Path
    data: bytes = field(repr=False)
    width_px: int
    height_px: int

    @property
    def aspect(self) -> float:
        return self.height_px / self.width_px

    def pillow(self) -> Any:
        """The picture as a Pillow image in RGBA."""
        from PIL import Image

        with Image.open(io.BytesIO(self.data)) as image:
            return image.convert("RGBA")


def load_png(path: Path, where: Location, what: str) -> SignImage:
    """Read and check ``path``; ``what`` names it in errors ("signature image")."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} '{shown}' not found", where) from None
    except OSError as error:
        raise UsageError(f"cannot read {what} '{shown}': {error.strerror}", where) from None
    if not data.startswith(_PNG_MAGIC):
        raise UsageError(
            f"{what} '{shown}' is not a PNG file",
            where,
            hint="Decree 30 asks for a PNG with a transparent background",
        )
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            size = image.size
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UsageError(f"{what} '{shown}' is a damaged PNG: {error}", where) from None
    if not transparent:
        raise UsageError(
            f"{what} '{shown}' has no transparent background",
            where,
            hint="save it as a PNG with an alpha channel, so it hides nothing under it",
        )
    return SignImage(path, data, size[0], size[1])
