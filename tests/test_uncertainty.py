"""How far to trust a card (kpi/uncertainty.py): intervals and tests computed by hand, the kind of
interval of every KPI, and the sums the engine hands over (``part__`` columns)."""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest

from kpi import KPIS, REGISTRY, KpiValue, Period, Tables, breakdown, compute
from kpi.registry import Ratio
from kpi.uncertainty import assess, breakdown_mix_shift, estimate_kind, ratio_se

EXPECTED_KINDS = {
    "pages_per_session": "ratio",
    "avg_session_duration_s": "ratio",
    "engagement_rate": "proportion",
    "bounce_rate": "proportion",
    "organic_search_share": "proportion",
    "aov": "ratio",
    "conversion_rate": "proportion",
    "add_to_cart_rate": "proportion",
    "cart_abandonment_rate": "proportion",
    "checkout_abandonment_rate": "proportion",
    "sales_conversion_rate": "proportion",
    "win_rate": "proportion",
    "lead_conversion_rate": "proportion",
    "landing_page_conversion_rate": "proportion",
    "mql_to_sql_rate": "proportion",
    "roas": "ratio",
    "romi": "ratio",
    "cpa": "ratio",
    "cpl": "ratio",
    "ctr": "proportion",
    "cpc": "ratio",
    "cpm": "ratio",
    "ltv": "ratio",
    "cac": "ratio",
    "retention_rate": "proportion",
    "returning_customer_rate": "proportion",
    "repurchase_rate": "proportion",
    "purchase_frequency": "ratio",
    "nps": "nps",
}


def test_every_kpi_has_the_interval_its_kind_calls_for():
    kinds = {kpi.id: estimate_kind(kpi, kpi.calc) for kpi in REGISTRY}
    assert {kpi_id: kind for kpi_id, kind in kinds.items() if kind} == EXPECTED_KINDS
    # counts, sums, a KPI of KPIs and the payback are not estimates
    assert {kpi_id for kpi_id, kind in kinds.items() if kind is None} >= {
        "sessions",
        "revenue",
        "orders",
        "ltv_cac_ratio",
        "cac_payback_months",
    }


def _value(kpi_id: str, parts, compare_parts=None, *, calc=None) -> KpiValue:
    kpi = KPIS[kpi_id]
    calc = calc or kpi.calc
    assert isinstance(calc, Ratio)
    value = _ratio(calc, parts)
    compare = _ratio(calc, compare_parts) if compare_parts else None
    return KpiValue(kpi, value, compare, calc=calc, parts=parts, compare_parts=compare_parts or {})


def _ratio(calc: Ratio, parts) -> float:
    numerator = eval(calc.numerator, {}, dict(parts))  # "promoters - detractors"
    share = numerator / parts[calc.denominator]
    return (1 - share if calc.complement else share) * calc.scale


def test_a_conversion_rate_gets_the_wilson_interval():
    # 10 of 100: 5.52% to 17.44% (worked out in kpi/intervals.py)
    trust = assess(_value("conversion_rate", {"purchase_sessions": 10, "sessions": 100}))
    assert trust is not None
    assert trust.interval is not None
    assert (round(trust.interval.low, 4), round(trust.interval.high, 4)) == (0.0552, 0.1744)
    assert trust.interval.method == "Wilson score interval"
    assert trust.change is None
    assert trust.thin is None


def test_a_complement_rate_mirrors_the_interval_of_its_numerator():
    # bounce = 1 − 90/100 = 10%; Wilson of 90/100 is 0.8256–0.9448, so bounce is 5.52%–17.44%
    trust = assess(_value("bounce_rate", {"engaged_sessions": 90, "sessions": 100}))
    assert (round(trust.interval.low, 4), round(trust.interval.high, 4)) == (0.0552, 0.1744)


def test_a_rate_change_is_tested_with_two_proportions():
    # 30 of 1,000 against 20 of 1,000: z = 1.4322, p = 0.152: noise
    item = _value(
        "conversion_rate", {"purchase_sessions": 30, "sessions": 1000}, {"purchase_sessions": 20, "sessions": 1000}
    )
    trust = assess(item)
    assert round(trust.change.p_value, 3) == 0.152
    assert not trust.change.is_real
    assert trust.compare_interval is not None
    # ten times the sessions at the same rates: p = erfc(4.529 / √2) < 0.001, a real change
    bigger = _value(
        "conversion_rate", {"purchase_sessions": 300, "sessions": 10000}, {"purchase_sessions": 200, "sessions": 10000}
    )
    assert assess(bigger).change.is_real


def test_thin_data_is_flagged_with_its_count():
    trust = assess(_value("conversion_rate", {"purchase_sessions": 1, "sessions": 14}))
    assert trust.thin == "only 14 sessions"
    assert assess(_value("conversion_rate", {"purchase_sessions": 1, "sessions": 100})).thin is None


DAYS = [{"sales": 100.0, "orders": 2.0}, {"sales": 90.0, "orders": 3.0}, {"sales": 50.0, "orders": 1.0}]
TOTAL = {"sales": 240.0, "orders": 6.0}


def test_the_delta_method_over_days_by_hand():
    # R = 240 / 6 = 40; residuals xᵢ − 40 yᵢ = 20, −30, 10; Σ² = 1,400; se = √(3/2 × 1,400) / 6 = 7.6376
    calc = KPIS["aov"].calc
    assert isinstance(calc, Ratio)
    assert ratio_se(calc, TOTAL, DAYS) == pytest.approx(7.637626, abs=1e-6)
    trust = assess(_value("aov", TOTAL), DAYS)
    # 40 ± 1.96 × 7.6376 = 25.03 to 54.97
    assert (round(trust.interval.low, 2), round(trust.interval.high, 2)) == (25.03, 54.97)
    assert trust.interval.method == "delta method over 3 days"
    assert trust.thin == "only 6 orders"


def test_a_ratio_change_is_a_z_test_of_the_two_ratios():
    # the comparison: 30 every day, so its se is 0; z = (40 − 30) / 7.6376 = 1.3093, p = 0.190
    compare_days = [{"sales": 60.0, "orders": 2.0}] * 3
    item = _value("aov", TOTAL, {"sales": 180.0, "orders": 6.0})
    trust = assess(item, DAYS, compare_days)
    assert trust.change.p_value == pytest.approx(math.erfc(10 / 7.637626 / math.sqrt(2)), rel=1e-6)
    assert round(trust.change.p_value, 3) == 0.19
    assert not trust.change.is_real
    assert (trust.compare_interval.low, trust.compare_interval.high) == (30.0, 30.0)


def test_a_scaled_ratio_scales_its_interval():
    # CPM = 1,000 × spend / impressions: the interval of the ratio, times 1,000
    days = [{"spend": 10.0, "impressions": 1000.0}, {"spend": 30.0, "impressions": 2000.0}]
    total = {"spend": 40.0, "impressions": 3000.0}
    calc = KPIS["cpm"].calc
    se = ratio_se(calc, total, days)
    # R = 0.013333; residuals 10 − 13.333 = −3.333 and 30 − 26.667 = 3.333; se = √(2 × 22.222) / 3000
    assert se == pytest.approx(math.sqrt(2 * 2 * (10 / 3) ** 2) / 3000)
    trust = assess(_value("cpm", total), days)
    assert trust.interval.low == pytest.approx(1000 * (40 / 3000 - 1.959963984540054 * se))
    assert trust.thin == "only 2 days"


def test_days_that_do_not_add_up_give_no_interval_and_say_why():
    # distinct customers per day (3 + 3) are more than the period's 4 distinct customers
    days = [{"orders": 3.0, "customers": 3.0}, {"orders": 3.0, "customers": 3.0}]
    trust = assess(_value("purchase_frequency", {"orders": 6.0, "customers": 4.0}), days)
    assert trust.interval is None
    assert trust.change is None
    assert trust.reason == "no interval: the days' figures do not add up to the period's"


def test_the_nps_gets_its_margin_of_error():
    # 10 answers, 5 promoters, 2 detractors: NPS 30 ± 48.41 points (kpi/leads_views.py)
    parts = {"promoters": 5.0, "detractors": 2.0, "nps_responses": 10.0}
    compare = {"promoters": 50.0, "detractors": 20.0, "nps_responses": 100.0}
    trust = assess(_value("nps", parts, compare))
    assert (round(trust.interval.low, 2), round(trust.interval.high, 2)) == (-18.41, 78.41)
    assert trust.thin == "only 10 answers"
    # both 30: no change at all
    assert trust.change.p_value == 1.0
    assert not trust.change.is_real


def test_counts_and_unavailable_values_get_nothing():
    assert assess(KpiValue(KPIS["sessions"], 100.0, calc=KPIS["sessions"].calc)) is None
    assert assess(KpiValue(KPIS["conversion_rate"], None, note="no traffic data")) is None


def _tables(*, purchases: bool = True) -> Tables:
    traffic = pl.DataFrame(
        {
            "date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)],
            "sessions": [100, 200, 50, 150],
            "purchase_sessions": [2, 6, 1, 3],
        }
    )
    orders = pl.DataFrame(
        {
            "order_id": ["a", "b", "c"],
            "customer_id": ["x", "y", "z"],
            "ordered_at": [datetime(2024, 1, 3, 9), datetime(2024, 1, 4, 9), datetime(2024, 1, 4, 17)],
            "revenue": [10.0, 20.0, 60.0],
        }
    )
    if not purchases:
        traffic = traffic.drop("purchase_sessions")
    return Tables.from_frames(traffic=traffic, orders=orders)


def test_the_report_hands_over_the_sums_each_ratio_divides():
    report = compute(_tables(), Period(date(2024, 1, 3), date(2024, 1, 4)))
    assert report["conversion_rate"].parts == {"purchase_sessions": 4.0, "sessions": 200.0}
    assert report["conversion_rate"].compare_parts == {"purchase_sessions": 8.0, "sessions": 300.0}
    assert report["aov"].parts == {"sales": 90.0, "orders": 3.0}
    assert report["aov"].compare_parts == {"sales": 0.0, "orders": 0.0}
    assert report["sessions"].parts == {}


def test_a_fallback_hands_over_its_own_sums():
    # without purchase sessions, the conversion rate falls back to orders / sessions
    item = compute(_tables(purchases=False), Period(date(2024, 1, 3), date(2024, 1, 4)))["conversion_rate"]
    assert item.calc == KPIS["conversion_rate"].fallback
    assert item.parts == {"orders": 3.0, "sessions": 200.0}


def test_a_breakdown_by_day_hands_over_each_days_sums():
    daily = breakdown(_tables(), Period(date(2024, 1, 1), date(2024, 1, 4)), by="date", kpis=["conversion_rate", "aov"])
    assert [day["sessions"] for day in daily.parts("conversion_rate")] == [100.0, 200.0, 50.0, 150.0]
    assert [day["orders"] for day in daily.parts("aov")] == [0.0, 0.0, 1.0, 2.0]
    assert daily.parts("sessions") == [{}, {}, {}, {}]


def _device_tables() -> Tables:
    # before (January 1–2): mobile 600 sessions / 6 purchases, desktop 400 / 12: CR 1.8%
    # now (January 3–4): mobile 800 / 8, desktop 200 / 6: CR 1.4%; the rates did not move
    traffic = pl.DataFrame(
        {
            "date": [date(2024, 1, d) for d in (1, 1, 2, 2, 3, 3, 4, 4)],
            "device": ["mobile", "desktop"] * 4,
            "sessions": [300, 200, 300, 200, 400, 100, 400, 100],
            "purchase_sessions": [3, 6, 3, 6, 4, 3, 4, 3],
        }
    )
    return Tables.from_frames(traffic=traffic)


def test_a_conversion_change_split_into_device_mix_and_rates():
    tables = _device_tables()
    now = breakdown(tables, Period(date(2024, 1, 3), date(2024, 1, 4)), by="device", kpis=["conversion_rate"])
    before = breakdown(tables, Period(date(2024, 1, 1), date(2024, 1, 2)), by="device", kpis=["conversion_rate"])
    shift = breakdown_mix_shift(now, before)
    # −0.4 pp, all mix: (0.8 − 0.6) × 1% + (0.2 − 0.4) × 3% = 0.2% − 0.6%
    assert (round(shift.rate, 6), round(shift.compare_rate, 6)) == (0.014, 0.018)
    assert round(shift.mix_effect, 6) == -0.004
    assert round(shift.rate_effect, 6) == 0.0
    assert [(g.group, g.share, g.compare_share) for g in shift.groups] == [("desktop", 0.2, 0.4), ("mobile", 0.8, 0.6)]


def test_no_split_without_a_proportion_in_both_periods():
    tables = _device_tables()
    now = breakdown(tables, Period(date(2024, 1, 3), date(2024, 1, 4)), by="device", kpis=["conversion_rate"])
    empty = breakdown(tables, Period(date(2023, 1, 3), date(2023, 1, 4)), by="device", kpis=["conversion_rate"])
    assert breakdown_mix_shift(now, now, "aov") is None  # not a proportion
    assert breakdown_mix_shift(now, empty) is None  # no sessions before
