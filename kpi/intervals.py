"""Telling a real change from noise (issue 8, part 2): the Wilson interval of a proportion, the
two-proportion test of a change in a rate, and the mix-shift decomposition of a conversion-rate
change into "the mix of groups moved" and "the rates within groups moved".

Pure arithmetic on counts; the engine supplies the sums (ratios of sums, never means of rates).
Every function returns ``None`` where a denominator is 0 instead of 0, inf or NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
"""The two-sided 95% quantile of the standard normal distribution."""
SIGNIFICANCE = 0.05
"""A change whose two-sided p-value is at least this is "not a real change"."""


def wilson_interval(successes: float, trials: float, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of the proportion ``successes / trials``:

        centre = (p̂ + z² / 2n) / (1 + z² / n)
        half   = z / (1 + z² / n) × √(p̂ (1 − p̂) / n + z² / 4n²)

    with p̂ = successes / n and n = trials. Unlike p̂ ± z √(p̂(1 − p̂)/n) it stays inside [0, 1] and
    is not empty at 0 or n successes. ``None`` when there are no trials.

    Example: 10 of 100: p̂ = 0.1, z²/n = 0.038415, centre = 0.119207 / 1.038415 = 0.114797,
    half = 1.887458 × √(0.0009 + 0.000096) = 0.059568, so 5.52% to 17.44%.

    >>> [round(bound, 4) for bound in wilson_interval(10, 100)]
    [0.0552, 0.1744]
    >>> wilson_interval(0, 0) is None
    True
    """
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and trials, got {successes} of {trials}")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(centre - half, 0.0), min(centre + half, 1.0)


@dataclass(frozen=True)
class ProportionChange:
    """A rate in the period against the comparison: the change, the test's z and p-value, and
    whether the change is real at the 5% level."""

    rate: float
    compare_rate: float
    change: float
    z: float
    p_value: float

    @property
    def is_real(self) -> bool:
        """True when the change is unlikely to be noise (p < 0.05)."""
        return self.p_value < SIGNIFICANCE


def two_proportion_test(
    successes: float, trials: float, compare_successes: float, compare_trials: float
) -> ProportionChange | None:
    """The pooled two-proportion z-test of p₁ = successes / trials against p₂ =
    compare_successes / compare_trials:

        p = (x₁ + x₂) / (n₁ + n₂),  se = √(p (1 − p) (1/n₁ + 1/n₂)),  z = (p₁ − p₂) / se,
        p-value = erfc(|z| / √2)  (two-sided)

    ``None`` when either side has no trials. When both rates are 0 or both 1 (se = 0) the change
    is 0 and the p-value 1.

    Example: 30 of 1,000 against 20 of 1,000: p = 0.025, se = √(0.025 × 0.975 × 0.002) = 0.0069821,
    z = 0.01 / 0.0069821 = 1.4322, p-value = 0.152: not a real change.

    >>> test = two_proportion_test(30, 1000, 20, 1000)
    >>> round(test.z, 4), round(test.p_value, 3), test.is_real
    (1.4322, 0.152, False)
    """
    if trials <= 0 or compare_trials <= 0:
        return None
    rate, compare_rate = successes / trials, compare_successes / compare_trials
    pooled = (successes + compare_successes) / (trials + compare_trials)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials + 1 / compare_trials))
    if se == 0:
        return ProportionChange(rate, compare_rate, rate - compare_rate, 0.0, 1.0)
    z = (rate - compare_rate) / se
    return ProportionChange(rate, compare_rate, rate - compare_rate, z, math.erfc(abs(z) / math.sqrt(2)))


@dataclass(frozen=True)
class GroupCounts:
    """One group (a device, a channel) in both periods: its sessions and conversions."""

    group: str
    sessions: float
    conversions: float
    compare_sessions: float
    compare_conversions: float


@dataclass(frozen=True)
class GroupShift:
    """One group's part of a conversion-rate change: from its share of sessions moving (mix) and
    from its own rate moving (rate)."""

    group: str
    share: float
    compare_share: float
    rate: float | None
    compare_rate: float | None
    mix_effect: float
    rate_effect: float


@dataclass(frozen=True)
class MixShift:
    """A conversion-rate change split exactly: ``change = mix_effect + rate_effect``."""

    rate: float
    compare_rate: float
    change: float
    mix_effect: float
    rate_effect: float
    groups: tuple[GroupShift, ...]


def mix_shift(groups: Sequence[GroupCounts]) -> MixShift | None:
    """Split the change of CR = Σ conversions / Σ sessions between two periods into mix and rate.

    With wᵍ = sessionsᵍ / Σ sessions (the group's share) and rᵍ = conversionsᵍ / sessionsᵍ (its
    rate), CR = Σ wᵍ rᵍ, and for each group exactly

        w₁r₁ − w₂r₂ = (w₁ − w₂)(r₁ + r₂)/2  +  (r₁ − r₂)(w₁ + w₂)/2
                      └── mix effect ──┘     └── rate effect ──┘

    (subscript 1 = the period, 2 = the comparison; the symmetric split, so the order of the two
    effects does not matter and they add up to the change). A group with no sessions in one period
    has no rate there: its rate in the other period is used, so its whole part is mix. ``None``
    when either period has no sessions.

    Example: the comparison has mobile 600 sessions / 6 orders (1%) and desktop 400 / 12 (3%):
    CR 1.8%; the period has mobile 800 / 8 (1%) and desktop 200 / 6 (3%): CR 1.4%. Rates did not
    move, so the −0.4 pp is all mix: (0.8 − 0.6) × 1% + (0.2 − 0.4) × 3% = −0.4 pp.

    >>> result = mix_shift([GroupCounts("mobile", 800, 8, 600, 6), GroupCounts("desktop", 200, 6, 400, 12)])
    >>> round(result.change, 6), round(result.mix_effect, 6), round(result.rate_effect, 6)
    (-0.004, -0.004, 0.0)
    """
    total, compare_total = sum(g.sessions for g in groups), sum(g.compare_sessions for g in groups)
    if total <= 0 or compare_total <= 0:
        return None
    shifts = []
    for g in groups:
        share, compare_share = g.sessions / total, g.compare_sessions / compare_total
        rate = g.conversions / g.sessions if g.sessions > 0 else None
        compare_rate = g.compare_conversions / g.compare_sessions if g.compare_sessions > 0 else None
        r1 = rate if rate is not None else compare_rate or 0.0
        r2 = compare_rate if compare_rate is not None else rate or 0.0
        shifts.append(
            GroupShift(
                group=g.group,
                share=share,
                compare_share=compare_share,
                rate=rate,
                compare_rate=compare_rate,
                mix_effect=(share - compare_share) * (r1 + r2) / 2,
                rate_effect=(r1 - r2) * (share + compare_share) / 2,
            )
        )
    cr = sum(g.conversions for g in groups) / total
    compare_cr = sum(g.compare_conversions for g in groups) / compare_total
    return MixShift(
        rate=cr,
        compare_rate=compare_cr,
        change=cr - compare_cr,
        mix_effect=sum(s.mix_effect for s in shifts),
        rate_effect=sum(s.rate_effect for s in shifts),
        groups=tuple(shifts),
    )
