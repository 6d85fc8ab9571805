"""Wording that spans several figures: a paragraph of figures, and the note on a merger.

A figure's own words are :class:`~briefgen.template.context.Fig` methods; what
is said once for several figures lives here, so that a brief says it once:
that changes were computed from last year's record (once per paragraph), and
how a unit formed on 1 July 2025 is compared with the provinces it was formed
from (once per brief).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from briefgen import text as fmt
from briefgen.data import provinces
from briefgen.data.dataset import MERGER_YEAR, Dataset, Entry

if TYPE_CHECKING:
    from briefgen.template.context import Fig


def join_words(items: Sequence[str], lang: str) -> str:
    """ "A, B và C" (vi) or "A, B and C" (en); "" for no items."""
    if len(items) <= 1:
        return "".join(items)
    word = "and" if lang == "en" else "và"
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def paragraph(figs: Sequence[Fig]) -> str:
    """The figures' sentences as one paragraph: "A; b; c." with the notes said once.

    Clauses after the first start in lower case (no capital after ";").  In
    Vietnamese, a change computed from last year's record is noted "(tính từ
    số liệu năm trước)" after that figure when it is the paragraph's only one;
    when there are several, one closing sentence says which (or that all
    were).  English marks each derived change "*" instead, as the table does.
    """
    if not figs:
        return ""
    lang = figs[0].lang
    derived = [f for f in figs if f.change is not None and f.change.derived]
    inline = len(derived) <= 1
    clauses = [f.sentence(inline) if i == 0 else f.clause(inline) for i, f in enumerate(figs)]
    text = "; ".join(clauses) + "."
    if lang == "en" or inline:
        return text
    changed = [f for f in figs if f.change is not None]
    if len(changed) == len(derived):
        return text + " Các mức tăng, giảm so với cùng kỳ nêu trên được tính từ số liệu năm trước."
    names = join_words([fmt.lower_first(f.label) for f in derived], lang)
    return text + f" Mức tăng, giảm so với cùng kỳ của {names} được tính từ số liệu năm trước."


def derived_legend(figs: Sequence[Fig], plans: bool = True) -> str:
    """The note on figures marked "*": what they were computed from; "" when none is.

    A change marked "*" was computed from last year's record; a plan attainment
    (or a rate against its planned rate) from the plan.  ``plans``: whether the
    figures are shown with their plan attainment (a table) or only with their
    change (a tile).  Vietnamese "(*) Tính từ số liệu năm trước hoặc từ chỉ tiêu
    kế hoạch; báo cáo không nêu trực tiếp."; English "* Computed from the
    previous year's figures or from the plan; not stated in the report."
    """
    if not figs:
        return ""
    changes = any(f.change is not None and f.change.derived for f in figs)
    planned = plans and any(
        (f.attainment is not None and f.attainment.derived) or f.plan_points is not None
        for f in figs
    )
    if not (changes or planned):
        return ""
    if figs[0].lang == "en":
        sources = (("the previous year's figures", changes), ("the plan", planned))
        basis = " or from ".join(words for words, used in sources if used)
        return f"* Computed from {basis}; not stated in the report."
    sources = (("số liệu năm trước", changes), ("chỉ tiêu kế hoạch", planned))
    basis = " hoặc từ ".join(words for words, used in sources if used)
    return f"(*) Tính từ {basis}; báo cáo không nêu trực tiếp."


@dataclass(frozen=True)
class Merger:
    """How a unit formed on 1 July 2025 is compared with the provinces it was formed from.

    ``former``: those provinces (empty for a unit that was not formed by a
    merger, one of the 63 or one of the 34 that kept its territory).
    ``summed``/``weighted``: this year's figures whose change was computed
    against the sum / the population-weighted mean of the former provinces'
    figures.  ``not_compared``: figures whose former values do not combine
    (counts of online services), so no change is given.
    """

    unit: provinces.Unit
    year: int
    lang: str
    former: tuple[provinces.Unit, ...] = ()
    summed: tuple[Fig, ...] = ()
    weighted: tuple[Fig, ...] = ()
    not_compared: tuple[Fig, ...] = ()
    dataset: Dataset | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, dataset: Dataset, entry: Entry, figs: Sequence[Fig], lang: str) -> Merger:
        """What the brief of ``entry`` compares across the merger (nothing for most units)."""
        unit, year = entry.unit, entry.record.year
        former = provinces.predecessors(unit.code) if unit.era == "34" else ()
        if len(former) <= 1:
            return cls(unit, year, lang, dataset=dataset)
        crossing = year - 1 < MERGER_YEAR

        def compared(how: str) -> tuple[Fig, ...]:
            return tuple(
                f
                for f in figs
                if crossing
                and dataset.combination(unit, f.id) == how
                and f.change is not None
                and f.change.derived
            )

        not_compared = tuple(
            f
            for f in figs
            if crossing
            and not f.is_rank
            and not f.comparable
            and f.value is not None
            and f.change is None
        )
        return cls(
            unit, year, lang, former, compared("sum"), compared("weighted"), not_compared, dataset
        )

    @property
    def merged(self) -> bool:
        """Whether the unit was formed from several provinces."""
        return len(self.former) > 1

    def note(self, short: bool = False) -> str:
        """Once per brief: the merger and how this year is compared with the last; or "".

        "" when the brief compares nothing across the merger (a unit that was
        not merged, or a year after 2025).  ``short``: one sentence for a
        one-page summary (the merger and what changes are computed against).
        """
        if not (self.summed or self.weighted or self.not_compared):
            return ""
        if short:
            return self._short_note()
        if self.lang == "en":
            return self._note_en()
        return self._note_vi()

    def _short_note(self) -> str:
        en = self.lang == "en"
        names = join_words([u.name for u in self.former], self.lang)
        prior = self.year - 1
        if en:
            kind = "Province" if self.unit.kind == "tỉnh" else "City"
            head = f"{self.unit.name} {kind} was formed on 1 July 2025 by merging {names}"
            if self.summed or self.weighted:
                basis = "totals" if self.summed else "population-weighted averages"
                rates = "; rates population-weighted" if self.summed and self.weighted else ""
                return f"{head}; changes on {prior} are against the former units' {basis}{rates}."
            return f"{head}; {self._names(self.not_compared)} are not compared with {prior}."
        since = fmt.numeric_date(provinces.MERGER_DATE)
        kind = "Tỉnh" if self.unit.kind == "tỉnh" else "Thành phố"
        head = f"{kind} {self.unit.name} hình thành từ ngày {since} trên cơ sở hợp nhất {names}"
        if self.summed or self.weighted:
            basis = "tổng số liệu" if self.summed else "số liệu bình quân theo dân số"
            rates = " (tỷ lệ: bình quân theo dân số)" if self.summed and self.weighted else ""
            return (
                f"{head}; mức tăng, giảm so với năm {prior} tính trên {basis}{rates} "
                "của các đơn vị trước hợp nhất."
            )
        names = self._names(self.not_compared)
        return f"{head}; {names} không so sánh được với năm {prior}."

    def _names(self, figs: Sequence[Fig]) -> str:
        """The figures' labels as a list in running text ("a, b và c")."""
        return join_words([fmt.lower_first(f.label) for f in figs], self.lang)

    def _note_vi(self) -> str:
        def named(u: provinces.Unit) -> str:
            return f"{'tỉnh' if u.kind == 'tỉnh' else 'thành phố'} {u.name}"

        group = "các tỉnh" if all(u.kind == "tỉnh" for u in self.former) else "các tỉnh, thành phố"
        prior = self.year - 1
        since = fmt.numeric_date(provinces.MERGER_DATE)
        parts = [
            f"Từ ngày {since}, {named(self.unit)} được hình thành trên cơ sở hợp nhất "
            f"{join_words([named(u) for u in self.former], 'vi')}."
        ]
        basis = f"Số liệu năm {prior} dùng để so sánh là"
        if self.summed and self.weighted:
            rates = join_words([fmt.lower_first(f.label) for f in self.weighted], "vi")
            parts.append(
                f"{basis} tổng số liệu của {group} trước hợp nhất; riêng {rates} "
                "là bình quân theo dân số."
            )
        elif self.summed:
            parts.append(f"{basis} tổng số liệu của {group} trước hợp nhất.")
        elif self.weighted:
            parts.append(f"{basis} bình quân theo dân số của {group} trước hợp nhất.")
        if self.not_compared:
            names = join_words([fmt.lower_first(f.label) for f in self.not_compared], "vi")
            many = "Các chỉ tiêu" if len(self.not_compared) > 1 else "Chỉ tiêu"
            parts.append(
                f"{many} {names} không so sánh được với số liệu của {group} trước hợp nhất "
                f"nên không nêu mức tăng, giảm so với năm {prior}."
            )
        return " ".join(parts)

    def _note_en(self) -> str:
        def named(u: provinces.Unit) -> str:
            return f"{u.name} {'Province' if u.kind == 'tỉnh' else 'City'}"

        if all(u.kind == "tỉnh" for u in self.former):
            former = "the provinces of " + join_words([u.name for u in self.former], "en")
            group = "provinces"
        else:
            former = join_words([named(u) for u in self.former], "en")
            group = "provinces and cities"
        prior = self.year - 1
        parts = [f"On 1 July 2025 {named(self.unit)} was formed by merging {former}."]
        basis = f"The {prior} figures used for comparison are"
        if self.summed and self.weighted:
            rates = join_words([fmt.lower_first(f.label) for f in self.weighted], "en")
            parts.append(
                f"{basis} the totals of the former {group}; for {rates}, "
                "their population-weighted average."
            )
        elif self.summed:
            parts.append(f"{basis} the totals of the former {group}.")
        elif self.weighted:
            parts.append(f"{basis} the population-weighted averages of the former {group}.")
        if self.not_compared:
            labels = [f.label for f in self.not_compared]
            names = join_words(labels[:1] + [fmt.lower_first(x) for x in labels[1:]], "en")
            parts.append(
                f"{names} cannot be compared with the figures of the former {group}, "
                f"so no change on {prior} is given."
            )
        return " ".join(parts)

    def caption(self, indicator: str) -> str:
        """What a chart over the years adds to its caption for a merged unit, or "".

        "; số liệu trước năm 2025 là tổng của Hà Nam, Nam Định và Ninh Bình"
        (en "; before 2025 the total of …"; a rate: "bình quân theo dân số
        của …" / "the population-weighted average of …").
        """
        if not self.merged or self.dataset is None:
            return ""
        how = self.dataset.combination(self.unit, indicator)
        years = [y for y, _ in self.dataset.history(self.unit, indicator) if y <= self.year]
        if how not in ("sum", "weighted") or not any(y < MERGER_YEAR for y in years):
            return ""
        en = self.lang == "en"
        names = join_words([u.name for u in self.former], self.lang)
        if how == "sum":
            what = "the total of" if en else "tổng của"
        else:
            what = "the population-weighted average of" if en else "bình quân theo dân số của"
        return (
            f"; before {MERGER_YEAR} {what} {names}"
            if en
            else (f"; số liệu trước năm {MERGER_YEAR} là {what} {names}")
        )
