"""Intervals, the two-proportion test and the mix-shift decomposition (kpi/intervals.py), against
figures computed by hand (the working is in each test)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.intervals import GroupCounts, mix_shift, two_proportion_test, wilson_interval


def test_wilson_interval_of_10_in_100():
    # p̂ = 0.1, z = 1.959964, z²/n = 0.0384146; centre = (0.1 + 0.0192073) / 1.0384146 = 0.1147974;
    # half = (1.959964 / 1.0384146) × √(0.1 × 0.9 / 100 + 3.841459 / 40000) = 1.8874581 × 0.0315601
    low, high = wilson_interval(10, 100)
    assert low == pytest.approx(0.1147974 - 0.0595683, abs=1e-6)
    assert high == pytest.approx(0.1147974 + 0.0595683, abs=1e-6)


def test_wilson_interval_at_the_edges_is_not_empty_and_stays_in_0_to_1():
    # 0 of 20: centre = (0 + 3.841459/40) / (1 + 0.192073) = 0.0960365 / 1.192073 = 0.0805627,
    # half = 1.644143 × √(3.841459 / 1600) = 1.644143 × 0.0489991 = 0.0805615 → [0, 0.1611242]
    low, high = wilson_interval(0, 20)
    assert low == 0.0
    assert high == pytest.approx(0.1611242, abs=1e-6)
    low, high = wilson_interval(20, 20)
    assert (low, high) == (pytest.approx(1 - 0.1611242, abs=1e-6), 1.0)


def test_wilson_interval_without_trials_is_unavailable_and_bad_counts_are_refused():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="between 0 and trials"):
        wilson_interval(5, 4)


def test_a_change_within_noise_is_not_real():
    # 30/1000 vs 20/1000: pooled 0.025, se = √(0.025 × 0.975 × (1/1000 + 1/1000)) = 0.00698212,
    # z = 0.01 / 0.00698212 = 1.432230, p = erfc(1.432230 / √2) = 0.152078
    test = two_proportion_test(30, 1000, 20, 1000)
    assert test.change == pytest.approx(0.01)
    assert test.z == pytest.approx(1.432230, abs=1e-6)
    assert test.p_value == pytest.approx(0.152078, abs=1e-6)
    assert not test.is_real


def test_a_large_change_is_real():
    # 300/10000 vs 200/10000: pooled 0.025, se = √(0.025 × 0.975 × 0.0002) = 0.00220794,
    # z = 0.01 / 0.00220794 = 4.529108, p = erfc(4.529108 / √2) ≈ 5.9e-6
    test = two_proportion_test(300, 10_000, 200, 10_000)
    assert test.z == pytest.approx(4.529108, abs=1e-5)
    assert test.p_value == pytest.approx(math.erfc(4.529108 / math.sqrt(2)), rel=1e-4)
    assert test.is_real


def test_the_test_needs_trials_on_both_sides_and_handles_no_variance():
    assert two_proportion_test(1, 10, 0, 0) is None
    assert two_proportion_test(0, 0, 1, 10) is None
    flat = two_proportion_test(0, 50, 0, 80)
    assert (flat.change, flat.z, flat.p_value, flat.is_real) == (0.0, 0.0, 1.0, False)


def test_mix_shift_when_only_the_mix_moved():
    # comparison: mobile 600 / 6 (1%), desktop 400 / 12 (3%): CR 1.8%; period: 800 / 8, 200 / 6: CR 1.4%
    # mix = (0.8 − 0.6) × (1% + 1%)/2 + (0.2 − 0.4) × (3% + 3%)/2 = 0.002 − 0.006 = −0.004; rate = 0
    result = mix_shift([GroupCounts("mobile", 800, 8, 600, 6), GroupCounts("desktop", 200, 6, 400, 12)])
    assert (result.rate, result.compare_rate) == (pytest.approx(0.014), pytest.approx(0.018))
    assert result.mix_effect == pytest.approx(-0.004)
    assert result.rate_effect == pytest.approx(0.0, abs=1e-15)
    assert [shift.group for shift in result.groups] == ["mobile", "desktop"]
    assert result.groups[0].mix_effect == pytest.approx(0.002)


def test_mix_shift_when_both_moved():
    # comparison: mobile 500 / 5 (1%), desktop 500 / 15 (3%): CR 2%;
    # period: mobile 750 / 15 (2%), desktop 250 / 10 (4%): CR 2.5%; change +0.5 pp
    # mix  = (0.75 − 0.5)(2% + 1%)/2 + (0.25 − 0.5)(4% + 3%)/2 = 0.00375 − 0.00875 = −0.005
    # rate = (2% − 1%)(0.75 + 0.5)/2 + (4% − 3%)(0.25 + 0.5)/2 = 0.00625 + 0.00375 = +0.010
    result = mix_shift([GroupCounts("mobile", 750, 15, 500, 5), GroupCounts("desktop", 250, 10, 500, 15)])
    assert result.change == pytest.approx(0.005)
    assert result.mix_effect == pytest.approx(-0.005)
    assert result.rate_effect == pytest.approx(0.010)


def test_a_group_absent_from_one_period_moves_only_the_mix():
    # tablet only in the period: 100 / 5 (5%); its part is all mix: (0.1 − 0) × (5% + 5%)/2 = 0.005
    result = mix_shift([GroupCounts("desktop", 900, 18, 1000, 20), GroupCounts("tablet", 100, 5, 0, 0)])
    tablet = result.groups[1]
    assert (tablet.rate, tablet.compare_rate) == (pytest.approx(0.05), None)
    assert tablet.mix_effect == pytest.approx(0.005)
    assert tablet.rate_effect == 0.0


def test_mix_shift_without_sessions_is_unavailable():
    assert mix_shift([GroupCounts("mobile", 0, 0, 10, 1)]) is None
    assert mix_shift([]) is None


counts = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)).map(lambda pair: (max(pair), min(pair)))


@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=6))
def test_the_two_effects_always_add_up_to_the_change(periods):
    groups = [GroupCounts(f"g{n}", s1, c1, s2, c2) for n, ((s1, c1), (s2, c2)) in enumerate(periods)]
    result = mix_shift(groups)
    if result is None:
        assert sum(g.sessions for g in groups) == 0 or sum(g.compare_sessions for g in groups) == 0
        return
    assert result.mix_effect + result.rate_effect == pytest.approx(result.change, abs=1e-12)
