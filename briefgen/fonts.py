"""PDF font resolution: a serif family that prints every Vietnamese letter.

Decree 30 asks for Times New Roman.  PDF output embeds the first family that
is installed with all four faces *and* covers the whole Vietnamese alphabet:
the requested family (Times New Roman unless told otherwise) from the usual
font folders or fontconfig, then Liberation Serif (metric-compatible with
Times New Roman), then the DejaVu Serif that ships inside matplotlib (always
present, wider but complete).  A family that lacks a single letter is skipped
rather than printed with empty boxes: old Liberation 1.x builds, for one, miss
the letters with a hook above.

The chosen family is registered with reportlab once per process, as four
TrueType faces tied together with ``registerFontFamily`` so that ``<b>`` and
``<i>`` in paragraph markup switch faces.  reportlab subsets and embeds
TrueType fonts by default.

Only this module and :mod:`briefgen.writers.pdf` import reportlab.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TypeAlias

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile  # type: ignore[import-untyped]

from briefgen.errors import OutputError
from briefgen.text import VIETNAMESE_LETTERS

__all__ = ["VIETNAMESE_LETTERS", "FontFamily", "resolve_serif"]

Face: TypeAlias = Literal["regular", "bold", "italic", "bold_italic"]
FACES: Final[tuple[Face, ...]] = ("regular", "bold", "italic", "bold_italic")


_STYLE_FACES: Final[dict[str, Face]] = {
    "regular": "regular",
    "normal": "regular",
    "roman": "regular",
    "book": "regular",
    "bold": "bold",
    "italic": "italic",
    "oblique": "italic",
    "bold italic": "bold_italic",
    "bold oblique": "bold_italic",
}
"""Subfamily names found in font files → the face they provide."""

_FONTCONFIG_STYLES: Final[dict[Face, str]] = {
    "regular": "Regular",
    "bold": "Bold",
    "italic": "Italic",
    "bold_italic": "Bold Italic",
}

_FACE_SUFFIXES: Final[dict[Face, str]] = {
    "regular": "",
    "bold": "-Bold",
    "italic": "-Italic",
    "bold_italic": "-BoldItalic",
}
"""Registered font name of each face: the family name plus this suffix."""

_FACE_BY_EMPHASIS: Final[dict[tuple[bool, bool], Face]] = {
    (False, False): "regular",
    (True, False): "bold",
    (False, True): "italic",
    (True, True): "bold_italic",
}
"""(bold, italic) → face."""

_FC_MATCH_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True)
class FontFamily:
    """A serif family registered with reportlab for PDF output.

    ``name``: the family name registered with ``registerFontFamily`` (the
    writer's ``fontName``).  ``source``: a human label of where the faces
    came from ("Times New Roman", "Liberation Serif", "DejaVu Serif").  The
    four paths are the TrueType files of each face.
    """

    name: str
    source: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path

    def face_name(self, bold: bool = False, italic: bool = False) -> str:
        """The registered reportlab font name of one face of the family."""
        return _face_font_name(self.name, _FACE_BY_EMPHASIS[(bold, italic)])


def _face_font_name(family: str, face: Face) -> str:
    return family + _FACE_SUFFIXES[face]


def missing_glyphs(family: FontFamily, text: str) -> list[str]:
    """The characters of ``text`` that some face of ``family`` cannot draw (each once,
    in order of appearance): the PDF prints them as nothing.  White space, controls
    and format characters, which print as nothing anyway, are not counted."""
    covered = _covered(family.name)
    missing: dict[str, None] = {}
    for char in text:
        if ord(char) not in covered and char not in missing and not _invisible(char):
            missing[char] = None
    return list(missing)


@functools.lru_cache(maxsize=8)
def _covered(name: str) -> frozenset[int]:
    """Code points every face of the registered family ``name`` has a glyph for."""
    faces = [
        set(pdfmetrics.getFont(_face_font_name(name, face)).face.charToGlyph)
        for face in _FACE_SUFFIXES
    ]
    return frozenset(set.intersection(*faces))


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


@dataclass(frozen=True)
class _Candidate:
    """Four face files believed to form one family, not yet checked.

    ``name``: the family name to register, unique per set of files so that two
    candidates labelled alike (a system DejaVu Serif, matplotlib's) never replace
    each other's registration.
    """

    name: str
    source: str
    files: tuple[Path, Path, Path, Path]  # in FACES order


_RESOLVING: Final = threading.Lock()
"""Held while resolving: writers in several threads must not register a family twice."""


def resolve_serif(requested: str = "Times New Roman") -> FontFamily:
    """The first installed serif family with full Vietnamese coverage, registered once.

    Looks for ``requested`` on the system, then Liberation Serif, then the
    DejaVu Serif shipped with matplotlib.  The answer is cached per process.
    Raises :class:`OutputError` when none of them is usable (which means
    matplotlib's fonts are damaged).
    """
    with _RESOLVING:
        return _resolve(requested)


@functools.cache
def _resolve(requested: str) -> FontFamily:
    rejected: list[str] = []
    for candidate in _candidates(requested):
        family = _registered(candidate)
        if family is not None:
            return family
        rejected.append(candidate.source)
    tried = ", ".join(rejected) or "none found"
    raise OutputError(
        f"no serif font covering Vietnamese for PDF output (tried: {tried})",
        hint="install Times New Roman or fonts-liberation2",
    )


# --------------------------------------------------------------------------- candidates


def _candidates(requested: str) -> Iterator[_Candidate]:
    """Families to try, best first; each is generated lazily so a hit stops the search."""
    yield from _system_families(requested)
    for folder in (
        Path("/usr/share/fonts/truetype/liberation2"),
        Path("/usr/share/fonts/truetype/liberation"),
        Path("/usr/share/fonts/liberation-serif"),  # Fedora's layout
    ):
        files = tuple(
            folder / f"LiberationSerif-{style}.ttf"
            for style in ("Regular", "Bold", "Italic", "BoldItalic")
        )
        if all(f.is_file() for f in files):
            yield _Candidate("LiberationSerif", "Liberation Serif", _four(files))
    yield _matplotlib_dejavu()


def _font_folders() -> tuple[Path, ...]:
    home = Path.home()
    return (
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        home / ".local" / "share" / "fonts",
    )


def _system_families(requested: str) -> Iterator[_Candidate]:
    """Sets of four faces of ``requested`` in the usual font folders, then via fontconfig.

    Faces are grouped by folder, so that an old incomplete version installed
    beside a newer one is tried on its own and cannot shadow the newer one.
    """
    wanted = requested.casefold()
    name = _family_name(requested)
    # Files are named after the family in every packaging we know ("times.ttf",
    # "Times_New_Roman_Bold.ttf"): filtering on the first word keeps us from parsing
    # every font on the system.
    prefix = wanted.split()[0] if wanted.split() else wanted
    by_folder: dict[Path, dict[Face, Path]] = {}
    for path in _files_with_prefix(_font_folders(), prefix):
        face = _face_of(path, wanted)
        if face is not None:
            by_folder.setdefault(path.parent, {}).setdefault(face, path)
    for faces in by_folder.values():
        if len(faces) == len(FACES):
            yield _Candidate(name, requested, _four(tuple(faces[face] for face in FACES)))
    matched: dict[Face, Path] = {}
    for face in FACES:
        # fontconfig answers with a substitute (Liberation Serif) for a family it
        # lacks: only a file that names itself ``requested`` counts.
        found = _fontconfig_file(requested, face)
        if found is None or _face_of(found, wanted) != face:
            return
        matched[face] = found
    yield _Candidate(name, requested, _four(tuple(matched[face] for face in FACES)))


def _files_with_prefix(folders: Iterable[Path], prefix: str) -> Iterator[Path]:
    for folder in folders:
        if not folder.is_dir():
            continue
        # sorted: the same machine must pick the same file on every run
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() == ".ttf" and path.name.casefold().startswith(prefix):
                yield path


def _face_of(path: Path, family: str) -> Face | None:
    """Which face of ``family`` the file holds, or ``None`` if it belongs to another family."""
    try:
        info = TTFontFile(str(path))
    except Exception:  # a damaged file is skipped, whatever the parser trips on
        return None
    if _decode(info.familyName).casefold() != family:
        return None
    return _STYLE_FACES.get(_decode(info.styleName).casefold())


def _decode(name: bytes | str) -> str:
    return name.decode("latin-1") if isinstance(name, bytes) else name


def _fontconfig_file(family: str, face: Face) -> Path | None:
    """The file fontconfig picks for ``family`` in ``face`` (possibly a substitute)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run(
            [fc_match, "-f", "%{file}", f"{family}:style={_FONTCONFIG_STYLES[face]}"],
            capture_output=True,
            text=True,
            timeout=_FC_MATCH_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(result.stdout.strip())
    if result.returncode != 0 or path.suffix.lower() != ".ttf" or not path.is_file():
        return None
    return path


def _matplotlib_dejavu() -> _Candidate:
    # The fonts matplotlib ships, found without importing matplotlib: only
    # charts.py imports it, and a PDF-only render should not pay for it.
    spec = importlib.util.find_spec("matplotlib")
    package = Path(spec.origin).parent if spec is not None and spec.origin else Path()
    folder = package / "mpl-data" / "fonts" / "ttf"
    files = tuple(
        folder / f"DejaVuSerif{style}.ttf" for style in ("", "-Bold", "-Italic", "-BoldItalic")
    )
    return _Candidate("DejaVuSerifMatplotlib", "DejaVu Serif", _four(files))


def _four(files: tuple[Path, ...]) -> tuple[Path, Path, Path, Path]:
    regular, bold, italic, bold_italic = files
    return regular, bold, italic, bold_italic


# --------------------------------------------------------------------------- check and register


def _load_faces(candidate: _Candidate) -> tuple[TTFont, ...] | None:
    """The four faces as (unregistered) reportlab fonts, or ``None`` if any is unusable."""
    fonts: list[TTFont] = []
    for face, path in zip(FACES, candidate.files, strict=True):
        if not path.is_file():
            return None
        try:
            # TTFError also covers fonts whose licence forbids embedding.
            font = TTFont(_face_font_name(candidate.name, face), str(path))
        except Exception:  # a damaged file is skipped, whatever the parser trips on
            return None
        cmap: dict[int, int] = font.face.charToGlyph
        if any(ord(letter) not in cmap for letter in VIETNAMESE_LETTERS):
            return None
        fonts.append(font)
    return tuple(fonts)


def _family_name(family: str) -> str:
    # "DejaVu Serif" → "DejaVuSerif": word initials up, the rest as the user wrote it.
    return "".join(part[:1].upper() + part[1:] for part in family.split())


@functools.cache
def _registered(candidate: _Candidate) -> FontFamily | None:
    """Check and register ``candidate`` (once: two requests may fall back to the same files)."""
    fonts = _load_faces(candidate)
    if fonts is None:
        return None
    regular, bold, italic, bold_italic = candidate.files
    family = FontFamily(
        name=candidate.name,
        source=candidate.source,
        regular=regular,
        bold=bold,
        italic=italic,
        bold_italic=bold_italic,
    )
    for font in fonts:
        pdfmetrics.registerFont(font)
    # Maps every (bold, italic) pair to a face, so <b> and <i> switch faces inside
    # paragraphs whatever face the paragraph starts in.
    pdfmetrics.registerFontFamily(
        family.name,
        normal=_face_font_name(family.name, "regular"),
        bold=_face_font_name(family.name, "bold"),
        italic=_face_font_name(family.name, "italic"),
        boldItalic=_face_font_name(family.name, "bold_italic"),
    )
    return family
