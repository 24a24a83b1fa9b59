"""The cubes give the KPIs of the row-level computation (:mod:`kpi.cube`).

Every KPI is computed twice on the same data set: from the cubes and compact per-customer tables
(what the app and the CLI use) and from the row-level tables (``Tables.reference()``, the
reference the cubes replace). Values, comparisons and notes must agree (relative 1e-9) for
totals and for breakdowns by every dimension and time grain, with and without filters, on the
conformance data, the demo data and hypothesis-generated data sets.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi import REGISTRY, Period, Settings, Tables, breakdown, compute
from kpi.cohorts import ltv_curves
from kpi.cube import ROWS, sources
from kpi.engine import NOTE
from kpi.measures import GROUP
from tests.test_properties import FIRST_DAY, datasets, moments, settings_for, tables_of, to_frame

REL = 1e-9


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-9)


def _report_differences(tables: Tables, period: Period, filters: dict, settings: Settings) -> list[str]:
    cube = compute(tables, period, filters, settings)
    rows = compute(tables.reference(), period, filters, settings)
    found = []
    for kpi in REGISTRY:
        mine, reference = cube[kpi.id], rows[kpi.id]
        for field in ("value", "compare", "note", "compare_note"):
            a, b = getattr(mine, field), getattr(reference, field)
            same = a == b if field.endswith("note") else _same(a, b)
            if not same:
                found.append(f"{kpi.id}.{field}: cube {a!r}, rows {b!r}")
    return found


def _breakdown_differences(tables: Tables, period: Period, filters: dict, settings: Settings, by: str) -> list[str]:
    cube = breakdown(tables, period, filters, settings, by=by).frame
    rows = breakdown(tables.reference(), period, filters, settings, by=by).frame
    if cube.get_column(GROUP).to_list() != rows.get_column(GROUP).to_list():
        return [f"by {by}: groups {cube.get_column(GROUP).to_list()} vs {rows.get_column(GROUP).to_list()}"]
    found = []
    for kpi in REGISTRY:
        for index, (a, b) in enumerate(zip(cube.get_column(kpi.id), rows.get_column(kpi.id), strict=True)):
            if not _same(a, b):
                found.append(f"by {by}, row {index}, {kpi.id}: cube {a!r}, rows {b!r}")
        if cube.get_column(f"{kpi.id}{NOTE}").to_list() != rows.get_column(f"{kpi.id}{NOTE}").to_list():
            found.append(f"by {by}, {kpi.id} notes differ")
    return found


def test_an_eager_data_set_reads_cubes_and_its_reference_reads_rows(demo_tables):
    cube, rows = sources(demo_tables), sources(demo_tables.reference())
    assert cube.cube
    assert not rows.cube
    assert ROWS in cube.orders.columns
    assert ROWS not in rows.orders.columns
    # a cube stands for every live order, in far fewer rows
    assert cube.orders.get_column(ROWS).sum() == len(demo_tables.live_orders)
    assert len(cube.orders) < len(demo_tables.live_orders)
    assert len(cube.buyers) == len(demo_tables.live_orders)


@pytest.mark.parametrize("index", range(5))
def test_conformance_cases_agree(conformance_cases, conformance_tables, index):
    case = conformance_cases[index]
    period = Period(date.fromisoformat(case["start"]), date.fromisoformat(case["end"]))
    settings = Settings(margin=case.get("margin"), ltv_months=case.get("ltv_months", 12))
    assert _report_differences(conformance_tables, period, case["filters"], settings) == []
    for by in ("channel", "device", "channel_kind", "date", "week", "month"):
        assert _breakdown_differences(conformance_tables, period, case["filters"], settings, by) == []


DEMO_SCOPES = [
    (Period(date(2025, 3, 1), date(2025, 3, 31)), {}, None),
    (Period(date(2025, 3, 1), date(2025, 3, 31)), {"channel": ["Email", "Paid Search"]}, "device"),
    (Period(date(2025, 1, 1), date(2025, 6, 30)), {"device": ["mobile"]}, "channel"),
    (Period(date(2025, 2, 10), date(2025, 4, 20)), {}, "week"),
    (Period(date(2024, 11, 1), date(2025, 10, 31)), {"channel": ["Organic Search"]}, "month"),
    (Period(date(2025, 5, 1), date(2025, 5, 14)), {}, "source"),
]


@pytest.mark.parametrize(("period", "filters", "by"), DEMO_SCOPES)
def test_demo_data_agrees(demo_tables, period, filters, by):
    settings = Settings(margin=0.4, ltv_months=6, cac_variant="paid")
    assert _report_differences(demo_tables, period, filters, settings) == []
    if by is not None:
        assert _breakdown_differences(demo_tables, period, filters, settings, by) == []


def test_ltv_curves_agree(demo_tables):
    period = Period(date(2024, 10, 1), date(2025, 3, 31))
    for by in ("cohort", "channel"):
        cube = ltv_curves(demo_tables, period=period, settings=Settings(margin=0.5), by=by).frame
        rows = ltv_curves(demo_tables.reference(), period=period, settings=Settings(margin=0.5), by=by).frame
        assert cube is not None
        assert rows is not None
        assert cube.columns == rows.columns
        assert cube.get_column(GROUP).to_list() == rows.get_column(GROUP).to_list()
        for column in ("size", "month", "customers"):
            assert cube.get_column(column).to_list() == rows.get_column(column).to_list()
        for a, b in zip(cube.get_column("value"), rows.get_column("value"), strict=True):
            assert _same(a, b)


def _orders(*rows: tuple[str, str, datetime, str]) -> Tables:
    """Orders from (order_id, customer_id, ordered_at, channel) with revenue 10."""
    records = [
        {
            "order_id": o,
            "customer_id": c,
            "ordered_at": at,
            "revenue": 10.0,
            "refunded": 0.0,
            "status": "paid",
            "channel": channel,
            "device": "mobile",
        }
        for o, c, at, channel in rows
    ]
    return Tables.from_frames(orders=to_frame("orders", records))


NOV = Period(date(2024, 11, 4), date(2024, 11, 8))


def _day(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 11, day, hour)


@pytest.mark.parametrize(
    ("rows", "measure", "expected"),
    [
        # the next order on the period's last day: ordered twice in the period
        ((("a", "x", _day(4), "Email"), ("b", "x", _day(8), "Email")), "repurchase_rate", 1.0),
        # the previous order on the period's first day, seen from the second
        (
            (("a", "x", _day(3), "Email"), ("b", "x", _day(4), "Email"), ("c", "x", _day(9), "Email")),
            "repurchase_rate",
            0.0,
        ),
        # two orders on one day count one customer, who ordered twice
        ((("a", "x", _day(5, 9), "Email"), ("b", "x", _day(5, 10), "Email")), "customers", 1.0),
        ((("a", "x", _day(5, 9), "Email"), ("b", "x", _day(5, 10), "Email")), "repurchase_rate", 1.0),
        # the window before is 30 Oct – 3 Nov: an order on its last day, then one on the period's first
        ((("a", "x", _day(3), "Email"), ("b", "x", _day(4), "Email")), "retention_rate", 1.0),
        # an order before the window before does not make a base customer
        ((("a", "x", datetime(2024, 10, 29, 12), "Email"), ("b", "x", _day(4), "Email")), "customers", 1.0),
    ],
)
def test_neighbouring_orders_at_the_edges(rows, measure, expected):
    """Hand-made edges of the neighbour counts (:mod:`kpi.cube`), against hand-counted figures and
    the row-level reference, with and without a filter and a grouping."""
    tables = _orders(*rows)
    assert compute(tables, NOV)[measure].value == pytest.approx(expected)
    assert _report_differences(tables, NOV, {}, Settings()) == []
    assert _report_differences(tables, NOV, {"channel": ["Email"]}, Settings()) == []
    assert _breakdown_differences(tables, NOV, {}, Settings(), "channel") == []


def test_retention_base_before_the_window_is_empty():
    tables = _orders(("a", "x", datetime(2024, 10, 29, 12), "Email"), ("b", "x", _day(4), "Email"))
    assert compute(tables, NOV)["retention_rate"].value is None
    assert _report_differences(tables, NOV, {}, Settings()) == []


@st.composite
def dense_orders(draw: st.DrawFn) -> list[dict]:
    """Many orders of few customers, mostly paid: repeat orders on every day and at the edges."""
    out = []
    for index in range(draw(st.integers(0, 30))):
        revenue = draw(st.integers(0, 300))
        out.append(
            {
                "order_id": f"o{index}",
                "customer_id": draw(st.sampled_from(["c1", "c2", "c3", None])),
                "ordered_at": draw(moments),
                "revenue": float(revenue),
                "refunded": float(draw(st.integers(0, revenue))),
                "status": draw(st.sampled_from(["paid", "paid", "paid", "refunded", "cancelled"])),
                "channel": draw(st.sampled_from(["Email", "Paid Search", None])),
                "device": draw(st.sampled_from(["mobile", "desktop"])),
            }
        )
    return out


periods = st.tuples(st.integers(0, 9), st.integers(0, 9)).map(
    lambda days: Period(FIRST_DAY + timedelta(days=min(days)), FIRST_DAY + timedelta(days=max(days)))
)
filter_sets = st.sampled_from(
    [{}, {"device": ["mobile"]}, {"channel": ["Email", "Paid Search"]}, {"channel": ["Email"], "device": ["desktop"]}]
)
groupings = st.sampled_from([None, "channel", "device", "channel_kind", "date", "week", "month"])
user_settings = st.builds(
    Settings,
    margin=st.sampled_from([None, 0.5]),
    ltv_months=st.sampled_from([1, 12]),
    cac_variant=st.sampled_from(["marketing", "paid", "with_sales_cost"]),
    monthly_sales_cost=st.sampled_from([0.0, 300.0]),
)


@settings_for(60)
@given(data=datasets(), period=periods, filters=filter_sets, by=groupings, chosen=user_settings)
def test_random_data_sets_agree(data, period, filters, by, chosen):
    tables = tables_of(data)
    assert _report_differences(tables, period, filters, chosen) == []
    if by is not None:
        assert _breakdown_differences(tables, period, filters, chosen, by) == []


@settings_for(80)
@given(orders=dense_orders(), period=periods, filters=filter_sets, by=groupings, months=st.sampled_from([1, 12]))
def test_random_repeat_customers_agree(orders, period, filters, by, months):
    tables = Tables.from_frames(orders=to_frame("orders", orders))
    chosen = Settings(ltv_months=months)
    assert _report_differences(tables, period, filters, chosen) == []
    if by is not None:
        assert _breakdown_differences(tables, period, filters, chosen, by) == []
