"""Names of bodies as Vietnamese documents write them: in running text, and on a letterhead.

A body's name reaches a brief as people type it, often in the capitals of a
letterhead ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", as workbooks and old data files
show it).  Running text and document metadata write it in normal case, by the
Vietnamese rule for names of bodies: a capital for the kind of body and for
the first word of each field it works in ("Sở Thông tin và Truyền thông",
"Sở Văn hóa, Thể thao và Du lịch", "Ủy ban nhân dân tỉnh Nam Định"), place
names as they are written ("Bà Rịa - Vũng Tàu"), acronyms kept ("UBND tỉnh
Nam Định").  :func:`body_name` does that, once, for every template.

A letterhead prints the same name in capitals on at most two lines, and a
clerk breaks it between meaningful parts ("UBND TỈNH / BÀ RỊA - VŨNG TÀU",
"SỞ THÔNG TIN VÀ / TRUYỀN THÔNG"), never inside a place name:
:func:`letterhead_lines`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from briefgen.data import provinces

ACRONYMS = frozenset(
    {"UBND", "HĐND", "MTTQ", "TP", "TP.", "BCĐ", "BQL", "CNTT", "CĐS", "KHCN", "TTTT"}
)
"""Abbreviations written in capitals in any text ("UBND tỉnh Nam Định").  A word with
"&", a dot inside or a digit ("KH&CN", "TT&TT") is kept as written too."""

_BODY_ACRONYMS = frozenset({"UBND", "HĐND", "MTTQ", "BCĐ", "BQL"})
"""Acronyms that name a kind of body: the word after one is not a field."""

_KINDS: tuple[tuple[str, ...], ...] = tuple(
    tuple(kind.split())
    for kind in (
        "ỦY BAN NHÂN DÂN",
        "UỶ BAN NHÂN DÂN",
        "HỘI ĐỒNG NHÂN DÂN",
        "ỦY BAN MẶT TRẬN TỔ QUỐC",
        "TỈNH ỦY",
        "TỈNH UỶ",
        "THÀNH ỦY",
        "THÀNH UỶ",
        "VĂN PHÒNG",
        "TRUNG TÂM",
        "TỔNG CỤC",
        "CHI CỤC",
        "BAN",
        "SỞ",
        "BỘ",
        "CỤC",
        "VỤ",
        "PHÒNG",
        "ĐÀI",
        "VIỆN",
        "TRƯỜNG",
        "HỌC VIỆN",
        "CÔNG TY",
        "TẬP ĐOÀN",
        "TỔNG CÔNG TY",
        "BƯU ĐIỆN",
        "BÁO",
        "HỘI",
    )
)
"""Kinds of bodies: a capital on the kind's first word, and on the field after it."""

_LEVELS: tuple[tuple[str, ...], ...] = tuple(
    tuple(level.split())
    for level in ("THÀNH PHỐ", "THỊ XÃ", "THỊ TRẤN", "TỈNH", "HUYỆN", "QUẬN", "XÃ", "PHƯỜNG")
)
"""Administrative levels, written in lower case before a place ("tỉnh Nam Định")."""

_JOINS = frozenset({"VÀ", "-", "–"})
"""Words that join the fields of a body; the next word starts a new field."""

_SPACE = re.compile(r"\s+")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Every provincial unit's name as capital words and as written, longest first."""
    names = {_nfc(unit.name) for era in provinces.ERAS for unit in provinces.units(era)}
    names |= {"Hồ Chí Minh", "Thừa Thiên Huế"}
    found = {tuple(name.upper().split()): tuple(name.split()) for name in names}
    return tuple(sorted(found.items(), key=lambda item: -len(item[0])))


def _match(words: list[str], at: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """Length of the first of ``phrases`` found at ``words[at:]`` (punctuation after a
    word ignored), or 0."""
    for phrase in phrases:
        end = at + len(phrase)
        if end <= len(words) and tuple(w.rstrip(",;") for w in words[at:end]) == phrase:
            return len(phrase)
    return 0


def _place_at(words: list[str], at: int) -> tuple[str, ...] | None:
    """The place name written at ``words[at:]``, as it is written, or ``None``."""
    for upper, written in _places():
        if _match(words, at, (upper,)):
            tail = words[at + len(upper) - 1][len(upper[-1]) :]  # a comma after the name
            return (*written[:-1], written[-1] + tail)
    return None


def _kept(word: str) -> bool:
    """Whether ``word`` is an abbreviation kept in capitals."""
    bare = word.rstrip(",;")
    return bare in ACRONYMS or "&" in bare or any(c.isdigit() for c in bare) or "." in bare


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def is_capitals(text: str) -> bool:
    """Whether ``text`` is written in capitals only (and has letters)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def body_name(text: str) -> str:
    """A body's name in normal case for running text and metadata.

    Only a name written in capitals only is changed ("SỞ THÔNG TIN VÀ TRUYỀN
    THÔNG" → "Sở Thông tin và Truyền thông", "UBND TỈNH BÀ RỊA - VŨNG TÀU" →
    "UBND tỉnh Bà Rịa - Vũng Tàu", "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH" →
    "Ủy ban nhân dân thành phố Hồ Chí Minh"); a name with any lower-case letter is
    taken as its author wrote it.
    """
    text = _SPACE.sub(" ", _nfc(text)).strip()
    if not is_capitals(text):
        return text
    words = text.split(" ")
    out: list[str] = []
    capital_next = True  # the first word, and the first word of each field
    after_kind = True  # a kind of body may start here
    in_place = False  # after a level: a place name this module does not know
    i = 0
    while i < len(words):
        word, first = words[i], not out
        place = _place_at(words, i)
        kind = _match(words, i, _KINDS) if after_kind else 0
        level = _level_at(words, i, after_kind)
        if place is not None:
            out += place
            i += len(place)
            capital_next = after_kind = in_place = False
        elif _kept(word):
            out.append(word)
            i += 1
            capital_next = after_kind = word.rstrip(",;") in _BODY_ACRONYMS
            in_place = False
        elif kind or level:
            phrase = [w.lower() for w in words[i : i + (kind or level)]]
            out += [_capital(phrase[0]) if first or kind else phrase[0], *phrase[1:]]
            i += kind or level
            # After a kind comes its field ("Sở Thông tin"), after a level its place.
            capital_next, after_kind, in_place = bool(kind), bool(kind), bool(level)
        else:
            out.append(_capital(word) if capital_next or in_place else word.lower())
            i += 1
            joins = word in _JOINS or word.endswith(",")
            capital_next = joins
            after_kind = False
            in_place = in_place and not joins
    return " ".join(out)


def _level_at(words: list[str], at: int, after_kind: bool = False) -> int:
    """Length of an administrative level at ``words[at:]`` ("TỈNH", "THÀNH PHỐ"), or 0.

    "XÃ" is a level only after a kind of body ("UBND XÃ …"), before a known place
    or at the end: "XÃ HỘI" is a word.
    """
    level = _match(words, at, _LEVELS)
    if level and words[at] == "XÃ" and not after_kind:
        after = at + level
        if after < len(words) and _place_at(words, after) is None:
            return 0
    return level


def letterhead_lines(text: str, limit: int) -> tuple[str, ...]:
    """``text`` on as few lines of at most ``limit`` characters as a clerk would break it.

    A line that fits stays whole.  A longer one is broken between meaningful
    parts: after the kind of body or a level ("UBND TỈNH / BÀ RỊA - VŨNG TÀU",
    "UBND THÀNH PHỐ / HỒ CHÍ MINH"), around "VÀ" ("SỞ THÔNG TIN VÀ / TRUYỀN
    THÔNG", "SỞ KHOA HỌC / VÀ CÔNG NGHỆ"), after a comma or a dash between
    fields ("SỞ VĂN HÓA, / THỂ THAO VÀ DU LỊCH").  Of the breaks that keep every
    line within ``limit``, the fewest lines win, then the fewest breaks between
    other words, then the most even lines, then the longer lines first.  A break
    never falls inside a place name ("BÀ RỊA - VŨNG TÀU"), a kind of body ("ỦY
    BAN NHÂN DÂN") or a level ("THÀNH PHỐ").
    """
    text = _SPACE.sub(" ", _nfc(text)).strip()
    words = text.split(" ")
    if len(text) <= limit:
        return (text,)
    inside, parts = _breaks(words)
    cuts = [k for k in range(1, len(words)) if k - 1 not in inside]
    if len(cuts) > _MOST_CUTS:
        return _filled(words, cuts, parts, limit)
    best: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    for chosen in _subsets(cuts):
        bounds = (0, *chosen, len(words))
        lengths = [len(" ".join(words[a:b])) for a, b in itertools.pairwise(bounds)]
        cost = (
            sum(length > limit for length in lengths),
            len(lengths),
            sum(k - 1 not in parts for k in chosen),
            max(lengths),
            -sum(chosen),  # a tie: the longer lines first ("SỞ THÔNG TIN VÀ / TRUYỀN THÔNG")
        )
        if best is None or cost < best[1]:
            best = (chosen, cost)
    assert best is not None  # the empty choice is always a candidate
    bounds = (0, *best[0], len(words))
    return tuple(" ".join(words[a:b]) for a, b in itertools.pairwise(bounds))


_MOST_CUTS = 11
"""Names with more places to break (2^11 ways to break them) are filled line by line."""


def _filled(words: list[str], cuts: list[int], parts: set[int], limit: int) -> tuple[str, ...]:
    """A long name filled line by line, each line ending at its last meaningful break
    that fits and fills most of the line (else at its last break that fits)."""
    lines: list[str] = []
    start = 0
    while start < len(words):
        fitting = [k for k in cuts if k > start and len(" ".join(words[start:k])) <= limit]
        rest = " ".join(words[start:])
        if len(rest) <= limit or not fitting:
            lines.append(rest)
            break
        full = [k for k in fitting if len(" ".join(words[start:k])) >= 0.6 * limit]
        end = max([k for k in full if k - 1 in parts] or fitting)
        lines.append(" ".join(words[start:end]))
        start = end
    return tuple(lines)


def _breaks(words: list[str]) -> tuple[set[int], set[int]]:
    """Word indices after which no break may come, and those after which a break
    falls between meaningful parts."""
    upper = [w.upper() for w in words]
    inside: set[int] = set()
    parts: set[int] = set()
    i = 0
    while i < len(words):
        place = _match(upper, i, tuple(u for u, _ in _places()))
        span = place or _match(upper, i, _KINDS) or _match(upper, i, _LEVELS)
        inside.update(range(i, i + span - 1))
        if span and not place:
            parts.add(i + span - 1)
        i += max(span, 1)
    for k, word in enumerate(upper):
        if word in _JOINS or word.endswith(",") or word.rstrip(",;") in _BODY_ACRONYMS:
            parts.add(k)
        if word == "VÀ":
            parts.add(k - 1)
    return inside, parts


def _subsets(cuts: list[int]) -> list[tuple[int, ...]]:
    """Every set of ``cuts``, in order, the empty one first."""
    chosen: list[tuple[int, ...]] = [()]
    for cut in cuts:
        chosen += [(*c, cut) for c in chosen]
    return [tuple(sorted(c)) for c in chosen]
