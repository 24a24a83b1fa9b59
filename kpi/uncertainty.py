"""How far to trust a KPI card: the 95% interval of its value and of its comparison value, whether
the change between them is real or noise, and whether the data is too thin to say much.

Three kinds of KPI get an interval (:func:`estimate_kind`):

* a **proportion** (a rate whose numerator counts a subset of its denominator: conversion rate,
  bounce rate, CTR, win rate…): the Wilson score interval, and the pooled two-proportion z-test
  for the change (:mod:`kpi.intervals`);
* a **ratio of sums** of other things (AOV = Σ sales / Σ orders, CAC, ROAS, CPC, pages per
  session…): the delta method with the period's days as the sampling units,

      se(R) = √( n/(n − 1) × Σᵢ (xᵢ − R yᵢ)² ) / |Σᵢ yᵢ|,   R = Σ xᵢ / Σ yᵢ over the n days,

  and a z-test of R₁ − R₂ with se = √(se₁² + se₂²). It needs the day's sums to add up to the
  period's (a count of distinct customers does not: purchase frequency gets no interval);
* the **NPS**: its margin of error, 1.96 × 100 × √((p + d − (p − d)²) / n), and a z-test of the
  difference of two scores.

Counts and sums (sessions, revenue) are what happened, not estimates: they get none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import narwhals as nw

from kpi.engine import Breakdown, KpiValue, days_add_up, numerator_sum, numerator_terms, on_kpi_scale
from kpi.intervals import SIGNIFICANCE, Z95, GroupCounts, MixShift, mix_shift, two_proportion_test, wilson_interval
from kpi.leads_views import nps_margin_of_error
from kpi.measures import measure_noun
from kpi.registry import KPIS, Calc, Kpi, Ratio

EstimateKind = Literal["proportion", "ratio", "nps"]
MIN_TRIALS = 100
"""A proportion over fewer trials than this is flagged as thin data."""
MIN_UNITS = 30
"""A ratio over fewer denominator units (orders, new customers, clicks) than this is thin."""
MIN_DAYS = 7
"""A ratio whose interval rests on fewer days than this is thin."""
CURRENCY_DENOMINATORS = frozenset({"spend", "cac_spend"})
"""Denominators that are money, not units: their thinness is judged by the days only."""


@dataclass(frozen=True)
class Interval:
    """A 95% interval of a KPI's value, in the KPI's own scale, and how it was computed."""

    low: float
    high: float
    method: str


@dataclass(frozen=True)
class ChangeTest:
    """The test of the change between the period and the comparison."""

    p_value: float
    method: str

    @property
    def is_real(self) -> bool:
        """True when the change is unlikely to be noise (p < 0.05)."""
        return self.p_value < SIGNIFICANCE


@dataclass(frozen=True)
class Trust:
    """What a card says about its own reliability. ``reason`` says why there is no interval."""

    interval: Interval | None = None
    compare_interval: Interval | None = None
    change: ChangeTest | None = None
    thin: str | None = None
    reason: str | None = None


def estimate_kind(kpi: Kpi, calc: Calc | None) -> EstimateKind | None:
    """Which interval a KPI computed by ``calc`` gets (see the module docstring); ``None`` for
    counts, sums, KPIs of KPIs (LTV:CAC) and the CAC payback."""
    if not isinstance(calc, Ratio):
        return None
    terms = [name for name, _ in numerator_terms(calc.numerator)]
    if set(terms) == {"promoters", "detractors"}:
        return "nps"
    if len(terms) == 1 and kpi.unit == "ratio" and kpi.format == "percent" and calc.scale == 1:
        return "proportion"
    return "ratio"


def _bounds_on_kpi_scale(calc: Ratio, low: float, high: float) -> tuple[float, float]:
    """Bounds of Σnumerator / Σdenominator as bounds of the KPI (a complement swaps them)."""
    first, second = on_kpi_scale(calc, low), on_kpi_scale(calc, high)
    return min(first, second), max(first, second)


def _count(value: float, noun: str) -> str:
    return f"only {value:,.0f} {noun}"


# --- proportions -------------------------------------------------------------------------


def _is_proportion(calc: Ratio, parts: Mapping[str, float]) -> bool:
    successes, trials = numerator_sum(calc, parts), parts[calc.denominator]
    return 0 <= successes <= trials and float(successes).is_integer() and float(trials).is_integer()


def proportion_interval(calc: Ratio, parts: Mapping[str, float]) -> Interval | None:
    """The Wilson interval of Σnumerator / Σdenominator, on the KPI's scale."""
    found = wilson_interval(numerator_sum(calc, parts), parts[calc.denominator])
    if found is None:
        return None
    return Interval(*_bounds_on_kpi_scale(calc, *found), method="Wilson score interval")


# --- ratios of sums ----------------------------------------------------------------------


def day_sums(calc: Ratio, days: Sequence[Mapping[str, float]]) -> list[tuple[float, float]]:
    """(numerator, denominator) of each day."""
    return [(numerator_sum(calc, day), day[calc.denominator]) for day in days if calc.denominator in day]


def ratio_se(calc: Ratio, parts: Mapping[str, float], days: Sequence[Mapping[str, float]]) -> float | None:
    """The delta-method standard error of R = Σ x / Σ y with the days as units (module docstring);
    ``None`` with fewer than 2 days, a zero denominator, or days that do not add up to the period.

    Example: 3 days of (sales, orders) = (100, 2), (90, 3), (50, 1): R = 240 / 6 = 40;
    residuals xᵢ − 40 yᵢ = 20, −30, 10; Σ² = 1,400; se = √(3/2 × 1,400) / 6 = 45.826 / 6 = 7.638.
    """
    sums = day_sums(calc, days)
    total_x, total_y = numerator_sum(calc, parts), parts[calc.denominator]
    n = len(sums)
    if n < 2 or total_y == 0 or not days_add_up(calc, days, parts):
        return None
    ratio = total_x / total_y
    squares = sum((x - ratio * y) ** 2 for x, y in sums)
    return math.sqrt(n / (n - 1) * squares) / abs(total_y)


def ratio_interval(calc: Ratio, parts: Mapping[str, float], se: float, *, days: int, nonnegative: bool) -> Interval:
    """R ± 1.96 se(R) on the KPI's scale (clipped at 0 when no part can be negative), with se from
    :func:`ratio_se` over ``days`` days."""
    ratio = numerator_sum(calc, parts) / parts[calc.denominator]
    low, high = ratio - Z95 * se, ratio + Z95 * se
    if nonnegative:
        low = max(low, 0.0)
    return Interval(*_bounds_on_kpi_scale(calc, low, high), method=f"delta method over {days} days")


def _z_test(difference: float, se: float, method: str) -> ChangeTest:
    if se == 0:
        return ChangeTest(1.0 if difference == 0 else 0.0, method)
    return ChangeTest(math.erfc(abs(difference / se) / math.sqrt(2)), method)


# --- the card ----------------------------------------------------------------------------


def assess(
    item: KpiValue,
    days: Sequence[Mapping[str, float]] | None = None,
    compare_days: Sequence[Mapping[str, float]] | None = None,
) -> Trust | None:
    """The interval of a card's value and of its comparison, the test of the change, and a thin-data
    flag. ``days`` and ``compare_days`` are the parts per day of the two periods (needed by ratios
    of sums only). ``None`` when the KPI gets no interval (counts, sums) or is unavailable."""
    calc = item.calc
    kind = estimate_kind(item.kpi, calc)
    if kind is None or not isinstance(calc, Ratio) or item.value is None or not item.parts:
        return None
    compare = item.compare_parts if item.compare is not None and item.compare_parts else None
    if kind == "proportion" and _is_proportion(calc, item.parts):
        return _proportion_trust(calc, item.parts, compare)
    if kind == "nps":
        return _nps_trust(item.parts, compare)
    nonnegative = all(sign > 0 for _, sign in numerator_terms(calc.numerator))
    return _ratio_trust(calc, item.parts, days or (), compare, compare_days or (), nonnegative=nonnegative)


def _proportion_trust(calc: Ratio, parts: Mapping[str, float], compare: Mapping[str, float] | None) -> Trust:
    trials = parts[calc.denominator]
    thin = _count(trials, measure_noun(calc.denominator)) if trials < MIN_TRIALS else None
    interval = proportion_interval(calc, parts)
    if compare is None or not _is_proportion(calc, compare):
        return Trust(interval, None, None, thin)
    tested = two_proportion_test(
        numerator_sum(calc, parts), trials, numerator_sum(calc, compare), compare[calc.denominator]
    )
    change = None if tested is None else ChangeTest(tested.p_value, "two-proportion z-test")
    return Trust(interval, proportion_interval(calc, compare), change, thin)


def _nps_score(parts: Mapping[str, float]) -> float:
    """100 × (promoters − detractors) / answers, as the registry computes the NPS."""
    calc = KPIS["nps"].calc
    assert isinstance(calc, Ratio)
    return on_kpi_scale(calc, numerator_sum(calc, parts) / parts[calc.denominator])


def _nps_moe(parts: Mapping[str, float]) -> float | None:
    return nps_margin_of_error(parts["promoters"], parts["detractors"], parts["nps_responses"])


def _nps_interval(parts: Mapping[str, float]) -> Interval | None:
    moe = _nps_moe(parts)
    if moe is None:
        return None
    score = _nps_score(parts)
    return Interval(max(score - moe, -100.0), min(score + moe, 100.0), method=f"margin of error ±{moe:.1f} points")


def _nps_trust(parts: Mapping[str, float], compare: Mapping[str, float] | None) -> Trust:
    answers = parts["nps_responses"]
    thin = _count(answers, "answers") if answers < MIN_UNITS else None
    interval = _nps_interval(parts)
    if compare is None:
        return Trust(interval, None, None, thin)
    compare_interval = _nps_interval(compare)
    moe, compare_moe = _nps_moe(parts), _nps_moe(compare)
    if interval is None or compare_interval is None or moe is None or compare_moe is None:
        return Trust(interval, compare_interval, None, thin)
    se = math.hypot(moe / Z95, compare_moe / Z95)
    change = _z_test(_nps_score(parts) - _nps_score(compare), se, "z-test of two scores")
    return Trust(interval, compare_interval, change, thin)


def _ratio_trust(
    calc: Ratio,
    parts: Mapping[str, float],
    days: Sequence[Mapping[str, float]],
    compare: Mapping[str, float] | None,
    compare_days: Sequence[Mapping[str, float]],
    *,
    nonnegative: bool,
) -> Trust:
    n_days = len(day_sums(calc, days))
    units = parts[calc.denominator]
    thin = None
    if calc.denominator not in CURRENCY_DENOMINATORS and units < MIN_UNITS:
        thin = _count(units, measure_noun(calc.denominator))
    elif 0 < n_days < MIN_DAYS:
        thin = _count(n_days, "days")
    se = ratio_se(calc, parts, days)
    if se is None:
        reason = "one day of data" if n_days < 2 else "the days' figures do not add up to the period's"
        return Trust(None, None, None, thin, reason=f"no interval: {reason}")
    interval = ratio_interval(calc, parts, se, days=n_days, nonnegative=nonnegative)
    compare_se = ratio_se(calc, compare, compare_days) if compare is not None else None
    if compare is None or compare_se is None:
        return Trust(interval, None, None, thin)
    compare_interval = ratio_interval(
        calc, compare, compare_se, days=len(day_sums(calc, compare_days)), nonnegative=nonnegative
    )
    ratio, compare_ratio = (numerator_sum(calc, side) / side[calc.denominator] for side in (parts, compare))
    change = _z_test(ratio - compare_ratio, math.hypot(se, compare_se), "z-test, delta method over days")
    return Trust(interval, compare_interval, change, thin)


# --- mix shift ---------------------------------------------------------------------------


def breakdown_mix_shift(current: Breakdown, previous: Breakdown, kpi_id: str = "conversion_rate") -> MixShift | None:
    """The mix-shift split (:func:`kpi.intervals.mix_shift`) of a proportion KPI's change between
    two breakdowns by the same dimension (device, channel): per group, its denominator (sessions)
    and numerator (conversions) in both periods. ``None`` when the KPI is not a proportion of
    sums, either period lacks it, or the two periods compute it differently (one falls back)."""
    calc = current.calcs.get(kpi_id)
    if not isinstance(calc, Ratio) or calc.complement or previous.calcs.get(kpi_id) != calc:
        return None
    if estimate_kind(KPIS[kpi_id], calc) != "proportion":
        return None
    counts: dict[str, list[float]] = {}
    for index, data in enumerate((current, previous)):
        groups = data.frame.get_column("group").cast(nw.String()).to_list()
        for group, parts in zip(groups, data.parts(kpi_id), strict=True):
            if parts:
                entry = counts.setdefault(str(group), [0.0, 0.0, 0.0, 0.0])
                entry[2 * index] += parts[calc.denominator]
                entry[2 * index + 1] += numerator_sum(calc, parts)
    groups = [GroupCounts(name, *values) for name, values in sorted(counts.items()) if values[0] or values[2]]
    return mix_shift(groups)
