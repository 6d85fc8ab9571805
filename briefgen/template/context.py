"""The context a template renders with: one province-year, its history and its peers.

Everything here is plain data or small read-only views; templates reach
figures through :class:`Figures` (``obs.postal_revenue``) and sentences through
:class:`Fig` methods, so that the wording of figures lives in Python, once,
for every template and language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from briefgen import text as fmt
from briefgen.data import derive, provinces
from briefgen.data.dataset import MERGER_YEAR, Dataset, Entry
from briefgen.data.indicators import Catalogue, Indicator
from briefgen.data.records import Observation, Person, Record, ReportInfo, Target
from briefgen.template.names import body_name
from briefgen.template.settings import ReportSettings, fill_summary
from briefgen.template.wording import Merger, derived_legend, paragraph


@dataclass(frozen=True)
class Fig:
    """One indicator of the record, with derived figures and its sentences.

    ``obs``: the reported observation.  ``yoy``: relative growth in percent
    over last year, reported or derived (``None`` for a rate, whose change is
    ``points``, and when neither is known).  ``points``: a rate's change in
    percentage points, reported (a rate's ``yoy_pct``) or derived.
    ``attainment``: plan attainment, reported or derived (a rate's attainment
    only as reported: 60% against a 30% target is not "200%").
    ``plan_points``: a rate against its planned rate in percentage points
    (derived; ``None`` for other figures).  ``previous``: last
    year's observation from the dataset (``None`` if absent; for a unit formed
    in 2025, its former provinces' figures combined by the catalogue's
    ``merge`` rule).  ``comparable``: ``False`` when last year's figure cannot
    be compared at all (a merged unit's count of online services), so no
    change is derived.  ``compact_millions``: whether round millions are
    written "18 triệu" (the record's one number style, see :func:`number_style`).
    """

    indicator: Indicator
    obs: Observation
    year: int
    lang: str
    yoy: derive.Figure | None
    attainment: derive.Figure | None
    previous: Observation | None
    per_100: derive.Figure | None = None
    position: tuple[int, int] | None = None
    """(position, units compared) among the dataset's units this year (1 is best)."""
    points: derive.Figure | None = None
    comparable: bool = True
    compact_millions: bool = True
    plan_points: derive.Figure | None = None

    # -- plain accessors for templates

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def label(self) -> str:
        """The full label in the template's language."""
        return self.indicator.label(self.lang)

    @property
    def short(self) -> str:
        """The short label in the template's language."""
        return self.indicator.label(self.lang, short=True)

    @property
    def value(self) -> float | None:
        return self.obs.value

    @property
    def rank(self) -> int | None:
        return self.obs.rank

    @property
    def of(self) -> int | None:
        return self.obs.of

    @property
    def is_rank(self) -> bool:
        return self.indicator.kind == "rank"

    @property
    def is_rate(self) -> bool:
        """A rate: its change is stated in percentage points."""
        return self.indicator.is_rate

    @property
    def change(self) -> derive.Figure | None:
        """The change over last year: ``points`` for a rate, else ``yoy``."""
        return self.points if self.is_rate else self.yoy

    @property
    def rank_change(self) -> int | None:
        """Places gained since last year's record.

        ``None`` when not comparable: no previous rank, or a ranking of another
        number of units (63 provinces before the 2025 reform, 34 after).
        """
        if self.previous is None or self.previous.of != self.obs.of:
            return None
        return derive.rank_change(self.previous.rank, self.obs.rank)

    # -- formatted pieces

    def amount(self) -> str:
        """The value with its unit: "130 tỷ đồng", "2.890.000 thuê bao", "56,35%"."""
        value = self.obs.value
        if value is None:
            return ""
        unit = self.indicator.unit
        unit_id = self.obs.unit or unit.id
        if self.indicator.kind == "money" or unit.money:
            return fmt.money(value, unit_id, self.lang)
        if self.indicator.kind == "percent":
            return fmt.percent(value, self.lang)
        label = unit.label(self.lang)
        if self.compact_millions and abs(value) >= 1_000_000 and value % 1_000_000 == 0:
            # "18 triệu tờ, cuốn", as reports write round millions
            return f"{fmt.compact(value, self.lang)} {label}".rstrip()
        return fmt.quantity(value, label, self.lang) if label else fmt.number(value, self.lang)

    def rank_text(self) -> str:
        """ "11/63" or "3"."""
        if self.obs.rank is None:
            return ""
        return fmt.rank(self.obs.rank, self.obs.of, self.lang)

    def density(self) -> str:
        """ "49,8 thuê bao/100 dân" or ""."""
        if self.obs.per_100 is None:
            return ""
        label = self.indicator.per_100_label(self.lang)
        return f"{fmt.number(self.obs.per_100, self.lang)} {label}"

    @property
    def density_label(self) -> str:
        """ "Mật độ thuê bao băng rộng" / "Broadband subscriber density" (the catalogue's)."""
        return self.indicator.density_label(self.lang)

    @property
    def unit_label(self) -> str:
        """The unit as a table column shows it: "tỷ đồng", "thuê bao", "%", "thứ hạng"."""
        if self.is_rank:
            return "rank" if self.lang == "en" else "thứ hạng"
        unit_id = self.obs.unit or self.indicator.unit.id
        if self.indicator.kind == "money":
            vi_label, en_scale, _ = fmt.MONEY_UNITS[unit_id]
            return f"VND {en_scale}".strip() if self.lang == "en" else vi_label
        return self.indicator.unit.label(self.lang)

    def value_text(self) -> str:
        """The figure without its unit: "130", "2.890.000", "11/63"; "" when not reported."""
        if self.is_rank:
            return self.rank_text()
        return "" if self.obs.value is None else fmt.number(self.obs.value, self.lang)

    def yoy_text(self) -> str:
        """The change over last year for a table cell, or "".

        Growth "+8,3%"; a rate's change in points "+12,6 điểm %" (en "+12.6
        pp"); a derived figure is marked "*".
        """
        change = self.change
        if change is None:
            return ""
        return self._signed_change(change.value) + ("*" if change.derived else "")

    def _signed_change(self, value: float) -> str:
        if self.is_rate:
            return fmt.signed_points(value, self.lang)
        return fmt.signed_percent(value, self.lang)

    def plan_text(self) -> str:
        """Plan attainment as "118%", or a rate against its plan as "+30 điểm %"
        (derived figures marked with "*"), or ""."""
        if self.attainment is not None:
            mark = "*" if self.attainment.derived else ""
            return fmt.percent(self.attainment.value, self.lang) + mark
        if self.plan_points is not None:
            return fmt.signed_points(self.plan_points.value, self.lang) + "*"
        return ""

    # -- key-figure tiles

    @property
    def trend(self) -> str | None:
        """ "up", "down" or "flat": the change (places for a ranking); ``None`` if unknown."""
        change: float | None
        if self.is_rank:
            change = self.rank_change
        else:
            change = self.change.value if self.change is not None else None
        if change is None:
            return None
        if round(change, 2) == 0:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def good(self) -> bool | None:
        """Whether the trend is for the better (a rank gained, growth where higher is better)."""
        trend = self.trend
        if trend is None or trend == "flat":
            return None
        if self.is_rank:  # rank_change counts places gained
            return trend == "up"
        return (trend == "up") == (self.indicator.better == "higher")

    def tile_value(self) -> str:
        """The figure short enough for a tile: "2,89 triệu", "130 tỷ đồng", "11/63"."""
        if self.is_rank:
            return self.rank_text()
        value = self.obs.value
        if value is None:
            return ""
        if self.indicator.kind == "count" and abs(value) >= 100_000:
            return fmt.compact(value, self.lang)
        return self.amount()

    def tile_note(self) -> str:
        """What moved: "+8,3% so với 2020", "+12,6 điểm % so với 2020", "tăng 3 bậc",
        "118% kế hoạch"; "" if nothing known."""
        en = self.lang == "en"
        if self.is_rank:
            change = self.rank_change
            if change and self.previous is not None and self.previous.rank and self.obs.rank:
                return fmt.rank_change(self.previous.rank, self.obs.rank, self.lang)
            if self.obs.edition and self.obs.edition != self.year:
                return f"{self.obs.edition} edition" if en else f"năm {self.obs.edition}"
            return ""
        if self.change is not None:
            moved = self.yoy_text()
            return f"{moved} on {self.year - 1}" if en else f"{moved} so với {self.year - 1}"
        if self.attainment is not None:
            share = fmt.percent(self.attainment.value, self.lang)
            return f"{share} of plan" if en else f"{share} kế hoạch"
        if self.plan_points is not None:
            gap = fmt.signed_points(self.plan_points.value, self.lang)
            return f"{gap} on plan" if en else f"{gap} so với kế hoạch"
        return ""

    # -- sentences

    def sentence(self, derived_note: bool = True) -> str:
        """A clause stating the figure and its context, without a final full stop.

        Vietnamese: a change derived from last year's record is followed by
        "(tính từ số liệu năm trước)" unless ``derived_note`` is false (a
        paragraph of several figures says it once, see ``paragraph``).
        English marks a derived change "*", as the table does.
        """
        if self.lang == "en":
            return self._sentence_en()
        return self._sentence_vi(derived_note)

    def clause(self, derived_note: bool = True) -> str:
        """:meth:`sentence` to follow ";" or "," inside a sentence: no capital first letter
        ("tổng số thuê bao Internet đạt …"), except for an acronym or a name."""
        return fmt.lower_first(self.sentence(derived_note))

    def change_phrase(self, derived_note: bool = True) -> str:
        """The change over last year in words, or "" when unknown.

        vi "tăng 8,3% so với cùng kỳ năm 2020", "tăng 12,6 điểm phần trăm so
        với cùng kỳ năm 2020", "bằng cùng kỳ năm 2020"; en "up 8.3% year on
        year", "up 12.6 percentage points year on year".
        """
        change = self.change
        if change is None:
            return ""
        rounded_zero = round(change.value, 2) == 0
        if self.lang == "en":
            phrase = (
                fmt.points_phrase(change.value, "en")
                if self.is_rate
                else fmt.growth_phrase(change.value, "en")
            )
            return phrase + ("*" if change.derived else "") + " year on year"
        if rounded_zero:
            phrase = f"bằng cùng kỳ năm {self.year - 1}"
        elif self.is_rate:
            phrase = f"{fmt.points_phrase(change.value)} so với cùng kỳ năm {self.year - 1}"
        else:
            phrase = f"{fmt.growth_phrase(change.value)} so với cùng kỳ năm {self.year - 1}"
        if change.derived and derived_note:
            phrase += " (tính từ số liệu năm trước)"
        return phrase

    def _sentence_vi(self, derived_note: bool) -> str:
        # The change and the plan follow the value they qualify; the density and a
        # position come after, so that "tăng 2,17%" never reads as the density's.
        o = self.obs
        label = self.label
        if o.edition is not None and o.edition != self.year:
            label = f"{label} năm {o.edition}"
        parts: list[str] = []
        if self.is_rank:
            # "xếp thứ 11/63 tỉnh, thành phố"; a rank without its denominator (a
            # dataset built without validation) is still a national position.
            among = "tỉnh, thành phố" if o.of is not None else "toàn quốc"
            parts.append(f"{label} xếp thứ {self.rank_text()} {among}")
            change = self.rank_change
            if change:
                parts.append(fmt.rank_change(self.previous.rank, o.rank))  # type: ignore[union-attr, arg-type]
        else:
            parts.append(f"{label} đạt {self.amount()}" if o.value is not None else label)
        if self.change is not None:
            parts.append(self.change_phrase(derived_note))
        if o.plan_pct is not None:
            parts.append(f"đạt {fmt.percent(o.plan_pct, self.lang)} kế hoạch năm {self.year}")
        elif o.plan is not None and o.value is not None:
            plan_text = self._plan_amount()
            verb = "vượt" if o.value > o.plan else "so với"
            parts.append(f"{verb} chỉ tiêu {plan_text}")
        if not self.is_rank and o.rank is not None:
            where = "toàn quốc" if o.of is None else "cả nước"
            parts.append(f"đứng thứ {self.rank_text()} {where}")
        if not self.is_rank and o.per_100 is not None:
            parts.append(f"mật độ {self.density()}")
        text = ", ".join(parts)
        if o.note:
            text += f" ({o.note})"
        return text

    def _sentence_en(self) -> str:
        o = self.obs
        label = self.label
        if o.edition is not None and o.edition != self.year:
            label = f"{label} {o.edition}"
        parts: list[str] = []
        if self.is_rank:
            among = "provinces and cities" if o.of is not None else "nationally"
            parts.append(f"{label}: ranked {self._ordinal_of()} {among}")
            if self.rank_change:
                parts.append(fmt.rank_change(self.previous.rank, o.rank, "en"))  # type: ignore[union-attr, arg-type]
        else:
            parts.append(f"{label}: {self.amount()}" if o.value is not None else label)
        if self.change is not None:
            parts.append(self.change_phrase())
        if o.plan_pct is not None:
            parts.append(f"{fmt.percent(o.plan_pct, 'en')} of the {self.year} plan")
        elif o.plan is not None and o.value is not None:
            parts.append(f"target {self._plan_amount()}")
        if not self.is_rank and o.rank is not None:
            parts.append(f"ranked {self._ordinal_of()} nationally")
        if not self.is_rank and o.per_100 is not None:
            parts.append(f"density {self.density()}")
        return ", ".join(parts)

    def _ordinal_of(self) -> str:
        """ "11th of 63" (English sentences)."""
        assert self.obs.rank is not None  # callers check
        of = f" of {self.obs.of}" if self.obs.of is not None else ""
        return f"{fmt.ordinal(self.obs.rank, 'en')}{of}"

    def _plan_amount(self) -> str:
        plan = self.obs.plan
        if plan is None:
            return ""
        if self.indicator.kind == "percent":
            return fmt.percent(plan, self.lang)
        return Fig(
            self.indicator,
            Observation(value=plan, unit=self.obs.unit),
            self.year,
            self.lang,
            None,
            None,
            None,
            compact_millions=self.compact_millions,
        ).amount()


class Figures(Mapping[str, Fig]):
    """The record's figures by indicator id, in catalogue order.

    ``figures.postal_revenue`` and ``figures["postal_revenue"]`` both work;
    ``figures.section("telecom")`` lists one section's figures.
    """

    def __init__(self, figures: Mapping[str, Fig]):
        self._figures = dict(figures)

    def __getitem__(self, key: str) -> Fig:
        return self._figures[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._figures)

    def __len__(self) -> int:
        return len(self._figures)

    def __getattr__(self, name: str) -> Fig:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._figures[name]
        except KeyError:
            raise AttributeError(name) from None

    def section(self, name: str) -> list[Fig]:
        """Figures of one catalogue section, in catalogue order."""
        return [f for f in self._figures.values() if f.indicator.section == name]

    def key_figures(self, limit: int = 6) -> list[Fig]:
        """The figures a page of key figures shows (tiles): up to ``limit``, those with a
        value first, then rankings, each in catalogue order."""
        valued = [f for f in self._figures.values() if not f.is_rank and f.value is not None]
        ranked = [f for f in self._figures.values() if f.is_rank]
        return (valued + ranked)[:limit]

    def having(self, attribute: str) -> list[Fig]:
        """Figures whose observation reports ``attribute`` (e.g. "plan_pct", "yoy_pct"),
        or that have, reported or derived, relative growth ("yoy"; never a rate), a
        rate's change in points ("points"), either ("change"), plan attainment
        ("attainment") or a rate against its plan in points ("plan_points")."""
        if attribute in ("yoy", "points", "change", "attainment", "plan_points"):
            return [f for f in self._figures.values() if getattr(f, attribute) is not None]
        return [f for f in self._figures.values() if getattr(f.obs, attribute) is not None]


@dataclass(frozen=True)
class Goal:
    """A next-year target with its sentence."""

    target: Target
    indicator: Indicator | None
    lang: str
    current: Observation | None = None
    """This year's observation of the target's indicator (``None`` if not reported)."""
    year: int = 0
    compact_millions: bool = True
    """Round millions written "18 triệu" (the record's number style, as :class:`Fig`)."""

    @property
    def is_rate(self) -> bool:
        return self.indicator is not None and self.indicator.is_rate

    @property
    def growth(self) -> float | None:
        """Growth the target asks for over this year's value, in percent (derived);
        ``None`` for a rate, whose change is :attr:`points`."""
        if self.current is None or self.is_rate:
            return None
        return derive.growth_pct(self.target.value, self.current.value)

    @property
    def points(self) -> float | None:
        """For a rate, the change the target asks for in percentage points (derived)."""
        if self.current is None or not self.is_rate:
            return None
        return derive.point_change(self.target.value, self.current.value)

    def sentence(self) -> str:
        """The target as a clause: the report's own words when given, else built."""
        t = self.target
        if t.text:
            return t.text.rstrip(".;")
        assert self.indicator is not None  # a target without text names an indicator
        label = self.indicator.label(self.lang)
        en = self.lang == "en"
        parts: list[str] = []
        if t.value is not None:
            amount = Fig(
                self.indicator,
                Observation(value=t.value),
                0,
                self.lang,
                None,
                None,
                None,
                compact_millions=self.compact_millions,
            ).amount()
            parts.append(f"{label}: {amount}" if en else f"{label} đạt {amount}")
            parts[-1] += self._against_this_year()
        if t.per_100 is not None:
            density = (
                f"{fmt.number(t.per_100, self.lang)} {self.indicator.per_100_label(self.lang)}"
            )
            parts.append(f"density {density}" if en else f"mật độ {density}")
        if t.rank_max is not None:
            parts.append(
                f"{label}: stay among the top {t.rank_max} provinces and cities"
                if en
                else f"{label} giữ vị trí trong nhóm {t.rank_max} tỉnh, thành phố dẫn đầu"
            )
        return ", ".join(parts)

    def _against_this_year(self) -> str:
        """ " (tăng 0,9% so với năm 2020)", " (bằng năm 2020)" or ""."""
        en = self.lang == "en"
        change = self.points if self.is_rate else self.growth
        if change is None:
            return ""
        if round(change, 2) == 0:
            return f" (as in {self.year})" if en else f" (bằng năm {self.year})"
        if self.is_rate:
            phrase = fmt.points_phrase(change, self.lang)
        else:
            phrase = fmt.growth_phrase(change, self.lang)
        return f" ({phrase} on {self.year})" if en else f" ({phrase} so với năm {self.year})"


@dataclass(frozen=True)
class Report:
    """Facts of the official document: the record's ``report:``, else the template's
    ``report:`` settings, else defaults.

    ``number``/``date``: ``None`` when the record gives none (the template prints
    blanks).  ``recipients``: every "Nơi nhận" line in order, without the dash
    and the final punctuation: "Như trên" first when there are ``addressees``
    (the "Kính gửi" list), the "Lưu: …" line (``archive``) last.
    ``field``: the department's field; ``kind`` and ``summary``: the title
    ("BÁO CÁO") and the lines of the title line under it.  ``dateline``: the
    place-and-date line, with blanks for the day and month when there is no
    date.  ``issuer_full``: the issuing body with its province (the document's
    author); ``title``: the document's title as its metadata gives it.
    ``parent`` and ``issuer`` are in normal case for running text ("UBND tỉnh
    Nam Định", "Sở Thông tin và Truyền thông", however the data wrote them; the
    letterhead prints them ``|upper``).  ``about``: the title line as running
    text ("kết quả công tác … năm 2021 và phương hướng, nhiệm vụ năm 2022");
    ``intro_about``: what the opening sentence reports on, the title line's
    words when the template sets its own, else "kết quả thực hiện nhiệm vụ năm
    2021 và phương hướng, nhiệm vụ năm 2022".
    """

    number: str | None
    date: date | None
    place: str
    parent: str
    issuer: str
    issuer_short: str
    signer_name: str | None
    signer_role: str | None
    authority: str
    recipients: tuple[str, ...]
    addressees: tuple[str, ...] = ()
    archive: str = "Lưu: VT"
    field: str = ""
    kind: str = "BÁO CÁO"
    summary: tuple[str, ...] = ()
    dateline: str = ""
    issuer_full: str = ""
    title: str = ""
    about: str = ""
    intro_about: str = ""


DEFAULT_SUMMARY = "Kết quả công tác {field} năm {year}\nvà phương hướng, nhiệm vụ năm {next_year}"
"""The title line of a report when neither the record nor the template sets one."""

DEFAULT_INTRO = "kết quả thực hiện nhiệm vụ năm {year} và phương hướng, nhiệm vụ năm {next_year}"
"""What the opening sentence reports on under the default title line."""

_NBSP = "\u00a0"
_DATE_BLANK = _NBSP * 6
"""Room to write a day or a month by hand, as the blank "Số:" leaves room for a number."""
_ARCHIVE_LINE = re.compile(r"^Lưu\b", re.IGNORECASE)
_AS_ABOVE_LINE = re.compile(r"^Như trên\b", re.IGNORECASE)
_COPIES = re.compile(r"\(\d+\)$")
_PLACE_NAMES = {"79": "Thành phố Hồ Chí Minh"}
"""Places printed otherwise than the unit's short name: a city named after a person."""


def _default_issuer(year: int) -> str:
    # 1 March 2025: each Sở Thông tin và Truyền thông merged into the Sở Khoa học và Công nghệ.
    return "Sở Thông tin và Truyền thông" if year < 2025 else "Sở Khoa học và Công nghệ"


def _default_field(year: int) -> str:
    return "thông tin và truyền thông" if year < 2025 else "khoa học, công nghệ và chuyển đổi số"


def abbreviation(name: str) -> str:
    """The initials Decree-30 symbols use for a body: "Sở Khoa học và Công nghệ" → "SKHCN",
    "Sở Giáo dục và Đào tạo" → "SGDĐT" ("và" left out, tone marks dropped, Đ kept)."""
    words = [w for w in re.split(r"[\s,;\-–]+", name) if w and w.lower() != "và"]
    return "".join(unicodedata.normalize("NFD", w)[0].upper() for w in words if w[0].isalpha())


def _item(text: str) -> str:
    """A list line without its dash and final punctuation ("- Lưu: VT." → "Lưu: VT")."""
    text = text.strip()
    if text.startswith(("-", "–")):
        text = text[1:].strip()
    return text.rstrip(";.").strip()


def _archive_line(given: str | None, additions: Iterable[str | None], copies: int | None) -> str:
    """The "Lưu:" line: as given (else "Lưu: VT"), with the drafting unit and drafter's
    initials it lacks, then the number of copies: "Lưu: VT, KHTC, NVA (05)"."""
    line = given or "Lưu: VT"
    found = _COPIES.search(line)
    count = found.group(0) if found else (f"({copies:02d})" if copies is not None else "")
    line = _COPIES.sub("", line).rstrip()
    names = {name.strip() for name in line.split(":", 1)[-1].split(",")}
    for addition in additions:
        if addition and addition not in names:
            line += f", {addition}"
            names.add(addition)
    return f"{line} {count}" if count else line


def _recipients(
    given: Iterable[str],
    addressees: tuple[str, ...],
    additions: Iterable[str | None],
    copies: int | None,
) -> tuple[str, ...]:
    """The "Nơi nhận" lines (see :class:`Report`), the "Lưu:" line last."""
    items = [item for item in map(_item, given) if item]
    archived = [item for item in items if _ARCHIVE_LINE.match(item)]
    items = [item for item in items if not _ARCHIVE_LINE.match(item)]
    if addressees and not any(_AS_ABOVE_LINE.match(item) for item in items):
        items.insert(0, "Như trên")
    return (*items, _archive_line(archived[0] if archived else None, additions, copies))


def _summary(pattern: str, values: Mapping[str, object]) -> tuple[str, ...]:
    """The title line's lines: ``pattern`` filled in, split at its line breaks."""
    text = fill_summary(pattern, {name: str(value) for name, value in values.items()})
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def _lower_first(text: str) -> str:
    """ "Kết quả …" → "kết quả …", but "DTI …" stays (an acronym)."""
    if len(text) > 1 and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _report(
    info: ReportInfo, unit: provinces.Unit, year: int, settings: ReportSettings | None = None
) -> Report:
    """The record's ``report:`` facts over the template's settings over the defaults."""
    t = settings or ReportSettings()
    kind = "tỉnh" if unit.kind == "tỉnh" else "thành phố"
    issuer = body_name(info.issuer or t.issuer or _default_issuer(year))
    # A short name belongs to the body it abbreviates: a record naming another body
    # than the template's does not inherit the template's short name.
    short = info.issuer_short or (
        abbreviation(info.issuer) if info.issuer else t.issuer_short or abbreviation(issuer)
    )
    signer: Person | None = info.signer or t.signer
    addressees = tuple(a for a in map(_item, info.addressees or t.addressees) if a)
    recipients = _recipients(
        info.recipients or t.recipients,
        addressees,
        (info.drafting_unit or t.drafting_unit, info.drafter or t.drafter),
        info.copies or t.copies,
    )
    place = info.place or t.place or _PLACE_NAMES.get(unit.code, unit.name)
    field = t.field or _default_field(year)
    issuer_full = issuer if unit.name in issuer else f"{issuer} {kind} {unit.name}"
    values = {
        "year": year,
        "next_year": year + 1,
        "province": unit.name,
        "issuer": issuer,
        "field": field,
    }
    summary, about, intro_about = _title_line(t.summary, values)
    document_kind = t.kind or "BÁO CÁO"
    title = " ".join([document_kind.capitalize(), about]).strip()
    if info.date is not None:
        date_text = fmt.decree_date(info.date)
    else:
        date_text = f"ngày{_DATE_BLANK}tháng{_DATE_BLANK}năm {year}"
    return Report(
        number=info.number,
        date=info.date,
        place=place,
        parent=body_name(info.parent or t.parent or f"UBND {kind} {unit.name}"),
        issuer=issuer,
        issuer_short=short,
        signer_name=signer.name if signer else None,
        signer_role=signer.role if signer else None,
        authority=info.authority or t.authority or "GIÁM ĐỐC",
        recipients=recipients,
        addressees=addressees,
        archive=recipients[-1],
        field=field,
        kind=document_kind,
        summary=summary,
        dateline=f"{place}, {date_text}",
        issuer_full=issuer_full,
        title=f"{title} - {unit.full_name}",
        about=about,
        intro_about=intro_about,
    )


def _title_line(
    pattern: str | None, values: Mapping[str, object]
) -> tuple[tuple[str, ...], str, str]:
    """The title line's lines, the title line as running text, and what the opening
    sentence reports on (see :class:`Report`) for the template's ``summary`` pattern."""
    summary = _summary(pattern or DEFAULT_SUMMARY, values)
    about = _lower_first(" ".join(summary))
    own = pattern is not None and pattern != DEFAULT_SUMMARY
    return summary, about, about if own else _summary(DEFAULT_INTRO, values)[0]


def number_style(record: Record, catalogue: Catalogue) -> bool:
    """Whether the record's sentences write round millions as "18 triệu" (``True``).

    One style for the whole brief: only when every figure of a million or more
    that a sentence may print (values, plans, targets) is a round million;
    otherwise every one is written in full ("18.000.000" beside "2.890.000").
    """
    amounts: list[float | None] = []
    for indicator_id, obs in record.observations.items():
        if indicator_id in catalogue and catalogue[indicator_id].kind not in _NOT_COUNTS:
            amounts += [obs.value, obs.plan]
    for target in record.targets:
        indicator = catalogue.get(target.indicator or "")
        if indicator is not None and indicator.kind not in _NOT_COUNTS:
            amounts.append(target.value)
    return all(a % 1_000_000 == 0 for a in amounts if a is not None and abs(a) >= 1_000_000)


_NOT_COUNTS = ("money", "percent", "rank")
"""Kinds whose amounts are never written with "triệu" (money has its own units)."""


def _fig(
    dataset: Dataset, entry: Entry, indicator: Indicator, lang: str, compact: bool
) -> Fig | None:
    """The figure of ``indicator`` in ``entry``'s record, or ``None`` if it reports none."""
    record, unit = entry.record, entry.unit
    obs = record.observations.get(indicator.id)
    if obs is None or obs.is_empty:
        return None
    previous = dict(dataset.history(unit, indicator.id)).get(record.year - 1)
    comparable = not (
        record.year - 1 < MERGER_YEAR and dataset.combination(unit, indicator.id) == "none"
    )
    derived: float | None = None
    if indicator.kind != "rank" and comparable:
        derived = derive.change(obs.value, previous.value if previous else None, indicator.is_rate)
    change = derive.pick(obs.yoy_pct, derived)
    if indicator.is_rate:
        # A rate against a planned rate is a difference in points, not a ratio.
        attainment = derive.pick(obs.plan_pct, None)
        plan_points = derive.pick(None, derive.point_change(obs.value, obs.plan))
    else:
        attainment = derive.pick(obs.plan_pct, derive.plan_attainment_pct(obs.value, obs.plan))
        plan_points = None
    density = None
    if indicator.unit.id == "thue_bao":
        density = derive.pick(obs.per_100, derive.density_per_100(obs.value, unit.population))
    positions = dataset.positions(record.year, indicator.id)
    position = (positions[unit.code], len(positions)) if unit.code in positions else None
    return Fig(
        indicator,
        obs,
        record.year,
        lang,
        None if indicator.is_rate else change,
        attainment,
        previous,
        density,
        position,
        points=change if indicator.is_rate else None,
        comparable=comparable,
        compact_millions=compact,
        plan_points=plan_points if attainment is None else None,
    )


def build_context(
    dataset: Dataset, entry: Entry, lang: str, settings: ReportSettings | None = None
) -> dict[str, Any]:
    """The template context for one entry of ``dataset``.

    ``settings``: the template's ``report:`` settings, under the record's own
    ``report:`` facts (``None``: defaults only).
    """
    record: Record = entry.record
    unit = entry.unit
    catalogue = dataset.catalogue
    compact = number_style(record, catalogue)
    figures: dict[str, Fig] = {}
    for indicator_id in catalogue:
        fig = _fig(dataset, entry, catalogue[indicator_id], lang, compact)
        if fig is not None:
            figures[indicator_id] = fig
    return {
        "record": record,
        "unit": unit,
        "year": record.year,
        "lang": lang,
        "figures": Figures(figures),
        "paragraph": paragraph,
        "derived_legend": derived_legend,
        "merger": Merger.of(dataset, entry, tuple(figures.values()), lang),
        "report": _report(record.report, unit, record.year, settings),
        "catalogue": catalogue,
        "history": _History(dataset, unit),
        "peers": _Peers(dataset, unit, record.year),
        "goals": [
            Goal(
                t,
                catalogue[t.indicator] if t.indicator else None,
                lang,
                record.observations.get(t.indicator) if t.indicator else None,
                record.year,
                compact,
            )
            for t in record.targets
        ],
        "denominator": provinces.denominator(record.year),
    }


class _History:
    """``history("phone_subscribers")`` → [(year, value), …] for the unit, ascending."""

    def __init__(self, dataset: Dataset, unit: provinces.Unit):
        self._dataset = dataset
        self._unit = unit

    def __call__(self, indicator: str, field: str = "value") -> list[tuple[int, float | None]]:
        return [
            (year, getattr(obs, field))
            for year, obs in self._dataset.history(self._unit, indicator)
        ]


class _Peers:
    """``peers("phone_subscribers")`` → [(unit name, value, is this unit), …]: every
    unit of the dataset reporting the figure in the record's year, by name."""

    def __init__(self, dataset: Dataset, unit: provinces.Unit, year: int):
        self._dataset = dataset
        self._unit = unit
        self._year = year

    def __call__(self, indicator: str, field: str = "value") -> list[tuple[str, float, bool]]:
        rows: list[tuple[str, float, bool]] = []
        for entry in self._dataset.entries:
            if entry.record.year != self._year:
                continue
            obs = entry.record.observations.get(indicator)
            value = getattr(obs, field) if obs is not None else None
            if value is not None:
                rows.append((entry.unit.name, float(value), entry.unit.code == self._unit.code))
        return sorted(rows, key=lambda row: row[0])
