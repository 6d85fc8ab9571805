"""An sRGB colour profile for PDF/A output intents, built here, version 2.1.

PDF/A-1 accepts only ICC profiles of version 2 (PDFBox Preflight rejects the
version 4 profile lcms2 builds by default), so briefgen writes its own: the
sRGB colorants of IEC 61966-2-1 adapted to D50 (Bradford), the sRGB tone curve
as a 1024-entry table, D50 white point.  No third-party profile file is shipped
or copied; the bytes are the same on every run.
"""

from __future__ import annotations

import functools
import struct
from typing import Final

DESCRIPTION: Final = "sRGB IEC61966-2.1"

_D50: Final = (0.9642, 1.0, 0.8249)
_COLORANTS: Final = {
    b"rXYZ": (0.4360747, 0.2225045, 0.0139322),
    b"gXYZ": (0.3850649, 0.7168786, 0.0971045),
    b"bXYZ": (0.1430804, 0.0606169, 0.7141733),
}
_CURVE_POINTS: Final = 1024
_VERSION_2_1: Final = 0x02100000
_HEADER_SIZE: Final = 128


def _s15(value: float) -> bytes:
    """An ICC s15Fixed16Number."""
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def _srgb_curve() -> bytes:
    values = []
    for index in range(_CURVE_POINTS):
        encoded = index / (_CURVE_POINTS - 1)
        linear = encoded / 12.92 if encoded <= 0.04045 else ((encoded + 0.055) / 1.055) ** 2.4
        values.append(round(linear * 65535))
    return b"curv\0\0\0\0" + struct.pack(f">I{_CURVE_POINTS}H", _CURVE_POINTS, *values)


def _description(text: str) -> bytes:
    """A version-2 textDescriptionType: ASCII, empty Unicode and ScriptCode parts."""
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)
        + struct.pack(">HB", 0, 0)
        + b"\0" * 67
    )


@functools.cache
def srgb_profile() -> bytes:
    """The bytes of the sRGB ICC profile (version 2.1, display class, RGB to XYZ)."""
    curve = _srgb_curve()
    tags = [
        (b"desc", _description(DESCRIPTION)),
        (b"cprt", b"text\0\0\0\0No copyright, use freely\0"),
        (b"wtpt", _xyz(*_D50)),
        *((name, _xyz(*xyz)) for name, xyz in _COLORANTS.items()),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    first_offset = _HEADER_SIZE + 4 + 12 * len(tags)
    table = b""
    data = b""
    placed: dict[bytes, tuple[int, int]] = {}  # the three curves share one copy
    for signature, body in tags:
        if body not in placed:
            data += b"\0" * (-len(data) % 4)  # tag data starts on 4-byte boundaries
            placed[body] = (first_offset + len(data), len(body))
            data += body
        offset, size = placed[body]
        table += signature + struct.pack(">II", offset, size)
    body = struct.pack(">I", len(tags)) + table + data
    header = (
        struct.pack(">I", _HEADER_SIZE + len(body))
        + b"\0" * 4  # preferred CMM: none
        + struct.pack(">I", _VERSION_2_1)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual intent
        + b"".join(_s15(v) for v in _D50)
        + b"\0" * 48  # creator, profile id, reserved
    )
    return header + body
