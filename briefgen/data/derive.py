"""Derived figures: growth, change in points, plan attainment, rank change, density,
and the combination of several provinces' figures into one.

Reported figures always win: a derived figure is offered only where the
report gives none, and every figure says whether it was reported or derived.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """A number and whether the source reported it (``derived`` False) or we computed it."""

    value: float
    derived: bool = False


def _finite(result: float) -> float | None:
    """``result``, or ``None`` when it overflowed (a figure over a vanishing one)."""
    return result if math.isfinite(result) else None


def growth_pct(current: float | None, previous: float | None) -> float | None:
    """Growth from ``previous`` to ``current`` in percent; ``None`` when not computable."""
    if current is None or previous is None or previous == 0:
        return None
    return _finite((current - previous) / previous * 100.0)


def point_change(current: float | None, previous: float | None) -> float | None:
    """Change of a rate from ``previous`` to ``current`` in percentage points; ``None`` if unknown.

    45,6% → 58,2% is 12,6 points (a relative change would say 27,63%).
    """
    if current is None or previous is None:
        return None
    return current - previous


def change(current: float | None, previous: float | None, rate: bool) -> float | None:
    """Year-on-year change: percentage points for a ``rate``, relative growth in % otherwise."""
    return point_change(current, previous) if rate else growth_pct(current, previous)


def combine(
    values: Sequence[float | None], weights: Sequence[int | None], how: str
) -> float | None:
    """Several provinces' figures as one: ``how`` is the catalogue's ``merge`` rule.

    ``"sum"`` adds them up; ``"weighted"`` is their mean weighted by ``weights``
    (populations); ``"none"`` never combines.  ``None`` when any part is
    missing (a sum of some of the parts is not the whole) or, for a weighted
    mean, when any weight is unknown.
    """
    if how == "none" or not values or any(v is None for v in values):
        return None
    known = [float(v) for v in values if v is not None]
    if how == "sum":
        return sum(known)
    if how == "weighted":
        if len(weights) != len(known) or any(not w for w in weights):
            return None
        total = sum(w for w in weights if w)
        return sum(v * w for v, w in zip(known, weights, strict=True) if w) / total
    raise ValueError(f"unknown merge rule {how!r}")


def plan_attainment_pct(value: float | None, plan: float | None) -> float | None:
    """``value`` as a percentage of ``plan``; ``None`` when either is missing or plan is 0."""
    if value is None or plan is None or plan == 0:
        return None
    return _finite(value / plan * 100.0)


def rank_change(previous: int | None, current: int | None) -> int | None:
    """Places gained (positive) or lost (negative); ``None`` when either rank is missing."""
    if previous is None or current is None:
        return None
    return previous - current


def density_per_100(value: float | None, population: int | None) -> float | None:
    """``value`` per 100 inhabitants; ``None`` when the population is unknown."""
    if value is None or not population:
        return None
    return _finite(value / population * 100.0)


def pick(reported: float | None, derived: float | None) -> Figure | None:
    """The reported figure when there is one, else the derived one (marked), else ``None``."""
    if reported is not None:
        return Figure(reported, derived=False)
    if derived is not None:
        return Figure(derived, derived=True)
    return None


def competition_ranks(values: Mapping[str, float], better: str = "higher") -> dict[str, int]:
    """Standard competition ranking ("1224") of ``values`` by key.

    ``better`` "higher" ranks the largest value first; "lower" the smallest.
    Equal values share a rank and the next rank skips: 1, 2, 2, 4.
    """
    ordered = sorted(values.items(), key=lambda kv: -kv[1] if better == "higher" else kv[1])
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if previous is None or value != previous:
            rank = position
            previous = value
        ranks[key] = rank
    return ranks
