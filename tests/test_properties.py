"""Properties of ``compute`` and ``breakdown`` over random small data sets (hypothesis).

The tables are small (a few channels and devices, ten days, orders with random statuses, guests
and repeated order_ids); amounts are whole numbers so sums are exact. The properties:

* additive KPIs: the parts of a breakdown (by channel, by date) add up to the total;
* ratios are ratios of sums over the parts, never means of the parts' rates;
* an independent count of the orders' KPIs (plain Python over the rows) agrees with ``compute``;
* row order does not matter (with unique order_ids, where row order does not pick a winner);
* rates stay within [0, 1], NPS within [−100, 100], and every value is a finite float or ``None``
  with a non-empty note;
* empty tables give unavailable KPIs, never an error.

``KPI_PROPERTY_SCALE=10`` multiplies the number of examples for a longer local hunt.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi import REGISTRY, Period, Settings, Tables, breakdown, compute
from kpi.registry import Measure
from kpi.schema import SCHEMAS

SCALE = int(os.environ.get("KPI_PROPERTY_SCALE", "1"))
FIRST_DAY = date(2024, 11, 1)
DAYS = 10  # data on 1–10 November
PERIOD = Period(date(2024, 11, 4), date(2024, 11, 8))  # so that every table has rows before, in and after P
CHANNELS = ("Paid Search", "Email", "Organic Search", None)
DEVICES = ("mobile", "desktop", None)
CUSTOMERS = ("c1", "c2", "c3", "c4", None, "")  # None and "" are guests

ADDITIVE = (
    "sessions",
    "pageviews",
    "orders",
    "sales",
    "revenue",
    "spend",
    "clicks",
    "impressions",
    "new_customers",
    "leads",
    "nps_responses",
)
RATES = tuple(kpi.id for kpi in REGISTRY if kpi.unit == "ratio" and kpi.format == "percent" and kpi.id != "romi")
# ratio of two additive KPIs: (ratio, numerator, denominator, scale)
RATIOS_OF_ADDITIVE = (
    ("pages_per_session", "pageviews", "sessions", 1.0),
    ("aov", "sales", "orders", 1.0),
    ("roas", "revenue", "spend", 1.0),
    ("ctr", "clicks", "impressions", 1.0),
    ("cpc", "spend", "clicks", 1.0),
    ("cpm", "spend", "impressions", 1000.0),
    ("cpl", "spend", "leads", 1.0),
    ("cpa", "spend", "orders", 1.0),
    ("cac", "spend", "new_customers", 1.0),
)
# rates whose denominator is an additive KPI: Σ (rate × denominator) over the parts / Σ denominator
WEIGHTED_BY_ADDITIVE = (
    ("conversion_rate", "sessions"),
    ("engagement_rate", "sessions"),
    ("add_to_cart_rate", "sessions"),
    ("lead_conversion_rate", "sessions"),
    ("nps", "nps_responses"),
)
BREAKDOWN_KPIS = tuple(
    dict.fromkeys([*ADDITIVE, *(r[0] for r in RATIOS_OF_ADDITIVE), *(w[0] for w in WEIGHTED_BY_ADDITIVE)])
)

PL_TYPES = {"str": pl.String, "float": pl.Float64, "int": pl.Int64, "datetime": pl.Datetime("us"), "date": pl.Date}


def settings_for(examples: int):
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- strategies --------------------------------------------------------------------------

days = st.integers(0, DAYS - 1).map(lambda n: FIRST_DAY + timedelta(days=n))
moments = st.builds(
    lambda n, seconds: datetime.combine(FIRST_DAY, datetime.min.time()) + timedelta(days=n, seconds=seconds),
    st.integers(0, DAYS - 1),
    st.sampled_from([0, 1, 3600 * 12, 86399]),  # midnight, one second past, noon, the day's last second
)
channels = st.sampled_from(CHANNELS)
devices = st.sampled_from(DEVICES)


@st.composite
def order_rows(draw: st.DrawFn, *, unique_ids: bool) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 10))
    ids = (
        [f"o{i}" for i in range(count)]
        if unique_ids
        else draw(st.lists(st.sampled_from([f"o{i}" for i in range(7)]), min_size=count, max_size=count))
    )
    out = []
    for order_id in ids:
        revenue = draw(st.integers(0, 300))
        out.append(
            {
                "order_id": order_id,
                "customer_id": draw(st.sampled_from(CUSTOMERS)),
                "ordered_at": draw(moments),
                "revenue": float(revenue),
                "refunded": float(draw(st.integers(0, revenue))),
                "status": draw(st.sampled_from(["paid", "paid", "refunded", "cancelled"])),
                "channel": draw(channels),
                "device": draw(devices),
            }
        )
    return out


@st.composite
def traffic_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        sessions = draw(st.integers(0, 100))
        add_to_cart = draw(st.integers(0, sessions))
        checkout = draw(st.integers(0, add_to_cart))
        out.append(
            {
                "date": draw(days),
                "channel": draw(channels),
                "device": draw(devices),
                "landing_page": draw(st.sampled_from(["/", "/lp/a", "/lp/b", None])),
                "sessions": sessions,
                "users": draw(st.integers(0, sessions)),
                "pageviews": draw(st.integers(0, 300)),
                "engaged_sessions": draw(st.integers(0, sessions)),
                "session_duration_s": float(draw(st.integers(0, 5000))),
                "add_to_cart_sessions": add_to_cart,
                "checkout_sessions": checkout,
                "purchase_sessions": draw(st.integers(0, checkout)),
                "leads": draw(st.integers(0, sessions)),
            }
        )
    return out


@st.composite
def spend_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        impressions = draw(st.integers(0, 1000))
        out.append(
            {
                "date": draw(days),
                "channel": draw(channels),
                "device": draw(devices),
                "spend": float(draw(st.integers(0, 200))),
                "impressions": impressions,
                "clicks": draw(st.integers(0, impressions)),
            }
        )
    return out


@st.composite
def lead_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    later = st.none() | st.integers(0, 4).map(lambda n: timedelta(days=n, hours=1))
    for i in range(draw(st.integers(0, 6))):
        created = draw(moments)
        stages = {name: draw(later) for name in ("mql_at", "sql_at", "won_at", "lost_at")}
        out.append(
            {
                "lead_id": f"L{i}",
                "created_at": created,
                "channel": draw(channels),
                "device": draw(devices),
                **{name: None if delay is None else created + delay for name, delay in stages.items()},
            }
        )
    return out


@st.composite
def nps_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [
        {
            "responded_at": draw(moments),
            "score": draw(st.integers(0, 10)),
            "channel": draw(channels),
            "device": draw(devices),
        }
        for _ in range(draw(st.integers(0, 6)))
    ]


COLUMNS = {
    "orders": ("order_id", "customer_id", "ordered_at", "revenue", "refunded", "status", "channel", "device"),
    "traffic": (
        "date",
        "channel",
        "device",
        "landing_page",
        "sessions",
        "users",
        "pageviews",
        "engaged_sessions",
        "session_duration_s",
        "add_to_cart_sessions",
        "checkout_sessions",
        "purchase_sessions",
        "leads",
    ),
    "spend": ("date", "channel", "device", "spend", "impressions", "clicks"),
    "leads": ("lead_id", "created_at", "channel", "device", "mql_at", "sql_at", "won_at", "lost_at"),
    "nps": ("responded_at", "score", "channel", "device"),
}
"""The columns the strategies below generate, per table."""


def to_frame(table: str, records: list[dict[str, Any]]) -> pl.DataFrame:
    """A typed frame of one canonical table (its declared types) from row dicts (0 rows allowed)."""
    schema = {name: PL_TYPES[SCHEMAS[table].column(name).dtype] for name in COLUMNS[table]}
    if not records:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([[row[name] for name in schema] for row in records], schema=schema, orient="row")


@st.composite
def datasets(draw: st.DrawFn, *, unique_ids: bool = False) -> dict[str, list[dict[str, Any]]]:
    return {
        "orders": draw(order_rows(unique_ids=unique_ids)),
        "traffic": draw(traffic_rows()),
        "spend": draw(spend_rows()),
        "leads": draw(lead_rows()),
        "nps": draw(nps_rows()),
    }


device_filters = st.sampled_from([{}, {"device": ["mobile"]}, {"device": ["mobile", "desktop"]}])


def tables_of(data: dict[str, list[dict[str, Any]]]) -> Tables:
    return Tables.from_frames(**{name: to_frame(name, records) for name, records in data.items()})


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def parts(frame: Any) -> list[dict[str, Any]]:
    return list(frame.to_native().iter_rows(named=True))


# --- additivity and ratios of sums -------------------------------------------------------


@settings_for(20)
@given(data=datasets(), filters=device_filters)
def test_breakdown_parts_add_up_and_ratios_are_ratios_of_sums(data, filters):
    tables = tables_of(data)
    total = compute(tables, PERIOD, filters, Settings(), comparison="none")
    for by in ("channel", "date"):
        groups = parts(breakdown(tables, PERIOD, filters, Settings(), by=by, kpis=BREAKDOWN_KPIS).frame)
        if by == "date":
            assert [row["group"] for row in groups] == [PERIOD.start + timedelta(days=i) for i in range(PERIOD.days)]
        sums: dict[str, float] = {}
        for kpi_id in ADDITIVE:
            assert total[kpi_id].value is not None, (kpi_id, total[kpi_id].note)
            values = [row[kpi_id] for row in groups]
            assert all(value is not None for value in values), (by, kpi_id)
            sums[kpi_id] = math.fsum(values)
            assert close(sums[kpi_id], total[kpi_id].value), (by, kpi_id, values, total[kpi_id].value)
        for kpi_id, numerator, denominator, scale in RATIOS_OF_ADDITIVE:
            expected = None if sums[denominator] == 0 else scale * sums[numerator] / sums[denominator]
            assert close(total[kpi_id].value, expected), (kpi_id, total[kpi_id].value, expected)
            for row in groups:  # each part is the same ratio within the part
                part = None if row[denominator] == 0 else scale * row[numerator] / row[denominator]
                assert close(row[kpi_id], part), (by, row["group"], kpi_id)
        for kpi_id, denominator in WEIGHTED_BY_ADDITIVE:
            if sums[denominator] == 0:
                assert total[kpi_id].value is None
                continue
            weighted = math.fsum(row[kpi_id] * row[denominator] for row in groups if row[denominator])
            assert close(total[kpi_id].value, weighted / sums[denominator]), (by, kpi_id)


# --- an independent count of the orders' KPIs ------------------------------------------


def independent_order_kpis(records: list[dict[str, Any]], filters: dict[str, list[str]]) -> dict[str, float | None]:
    """Orders, sales, revenue and the customer KPIs of PERIOD, straight from the contract's words."""
    last: dict[str, dict[str, Any]] = {}
    for row in records:  # a repeated order_id is the same order: its last row wins
        last[row["order_id"]] = row
    live = [row for row in last.values() if row["status"] != "cancelled"]

    def customer(row: dict[str, Any]) -> str:
        return f"id:{row['customer_id']}" if row["customer_id"] else f"guest:{row['order_id']}"

    def passes(row: dict[str, Any]) -> bool:
        return all(row.get(name) in values for name, values in filters.items())

    def inside(row: dict[str, Any], period: Period) -> bool:
        return period.start <= row["ordered_at"].date() <= period.end

    selected = [row for row in live if inside(row, PERIOD) and passes(row)]
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in live:
        history[customer(row)].append(row)
    first = {key: min(rows, key=lambda r: (r["ordered_at"], r["order_id"])) for key, rows in history.items()}
    customers = {customer(row) for row in selected}
    new = [key for key, row in first.items() if inside(row, PERIOD) and passes(row)]
    returning = {key for key in customers if sum(r["ordered_at"].date() <= PERIOD.end for r in history[key]) >= 2}
    repeat = {key for key in customers if sum(inside(r, PERIOD) for r in history[key]) >= 2}
    before = Period(PERIOD.start - timedelta(days=PERIOD.days), PERIOD.start - timedelta(days=1))
    base = {customer(row) for row in live if inside(row, before) and passes(row)}
    retained = {key for key in base if any(inside(r, PERIOD) for r in history[key])}

    def ratio(top: float, bottom: float) -> float | None:
        return None if bottom == 0 else top / bottom

    sales = math.fsum(row["revenue"] for row in selected)
    ltv_revenue = math.fsum(r["revenue"] - r["refunded"] for key in new for r in history[key])  # all within 1 month
    return {
        "orders": float(len(selected)),
        "sales": sales,
        "revenue": sales - math.fsum(row["refunded"] for row in selected),
        "aov": ratio(sales, len(selected)),
        "customers": float(len(customers)),
        "new_customers": float(len(new)),
        "returning_customer_rate": ratio(len(returning), len(customers)),
        "repurchase_rate": ratio(len(repeat), len(customers)),
        "retention_rate": ratio(len(retained), len(base)),
        "purchase_frequency": ratio(len(selected), len(customers)),
        "ltv": ratio(0.5 * ltv_revenue, len(new)),
    }


@settings_for(40)
@given(orders=order_rows(unique_ids=False), filters=device_filters)
def test_order_kpis_match_an_independent_count(orders, filters):
    tables = Tables.from_frames(orders=to_frame("orders", orders))
    report = compute(tables, PERIOD, filters, Settings(margin=0.5, ltv_months=1), comparison="none")
    for kpi_id, expected in independent_order_kpis(orders, filters).items():
        assert close(report[kpi_id].value, expected), (kpi_id, report[kpi_id].value, expected, report[kpi_id].note)
        if expected is None:
            assert report[kpi_id].note


# --- row order ---------------------------------------------------------------------------


@settings_for(10)
@given(data=datasets(unique_ids=True), seed=st.integers(0, 2**16), filters=device_filters)
def test_row_order_does_not_matter(data, seed, filters):
    tables = tables_of(data)
    shuffled = Tables.from_frames(
        **{
            name: to_frame(name, records).sample(fraction=1.0, shuffle=True, seed=seed)
            for name, records in data.items()
        }
    )
    one = compute(tables, PERIOD, filters, Settings(margin=0.4, ltv_months=1), comparison="previous")
    two = compute(shuffled, PERIOD, filters, Settings(margin=0.4, ltv_months=1), comparison="previous")
    for kpi in REGISTRY:
        a, b = one[kpi.id], two[kpi.id]
        assert close(a.value, b.value), (kpi.id, a.value, b.value)
        assert close(a.compare, b.compare), (kpi.id, a.compare, b.compare)
        assert (a.note, a.compare_note) == (b.note, b.compare_note), kpi.id


# --- bounds, finiteness, notes -------------------------------------------------------------


def check_value(kpi_id: str, value: float | None, note: str | None, *, fallback: bool = False) -> None:
    if value is None:
        assert note, f"{kpi_id}: unavailable without a reason"
        return
    assert isinstance(value, float), (kpi_id, value)
    assert math.isfinite(value), (kpi_id, value)
    if kpi_id in RATES and not (kpi_id == "conversion_rate" and fallback):
        assert -1e-12 <= value <= 1 + 1e-12, (kpi_id, value)
    if kpi_id == "nps":
        assert -100 <= value <= 100, value
    if kpi_id in ADDITIVE or kpi_id in ("customers", "users", "mqls", "sqls", "won_deals", "lead_time_days"):
        assert value >= 0, (kpi_id, value)


DROPPABLE = {
    "traffic": ("users", "pageviews", "engaged_sessions", "purchase_sessions", "landing_page", "leads", "channel"),
    "spend": ("impressions", "clicks", "device"),
    "orders": ("refunded", "status", "device"),
    "leads": ("mql_at", "won_at", "lost_at"),
}


@settings_for(15)
@given(
    data=datasets(),
    dropped=st.lists(st.sampled_from([(t, c) for t, cs in DROPPABLE.items() for c in cs]), max_size=3),
    filters=device_filters,
    margin=st.sampled_from([None, 0.3, 1.0]),
)
def test_values_are_finite_or_explained_and_rates_stay_in_bounds(data, dropped, filters, margin):
    frames = {name: to_frame(name, records) for name, records in data.items()}
    for table, column in dropped:
        if column in frames[table].columns:
            frames[table] = frames[table].drop(column)
    tables = Tables.from_frames(**frames)
    fallback = "purchase_sessions" not in frames["traffic"].columns
    report = compute(tables, PERIOD, filters, Settings(margin=margin, ltv_months=1), comparison="previous")
    assert set(report.values) == {kpi.id for kpi in REGISTRY}
    for kpi_id, kv in report.values.items():
        check_value(kpi_id, kv.value, kv.note, fallback=fallback)
        check_value(kpi_id, kv.compare, kv.compare_note, fallback=fallback)
    for row in parts(breakdown(tables, PERIOD, filters, Settings(margin=margin), by="channel").frame):
        for kpi in REGISTRY:
            check_value(kpi.id, row[kpi.id], row[f"{kpi.id}__note"], fallback=fallback)


# --- empty tables --------------------------------------------------------------------------


@settings_for(8)
@given(present=st.sets(st.sampled_from(["orders", "traffic", "spend", "leads", "nps"]), min_size=1))
def test_empty_tables_give_unavailable_not_an_error(present):
    frames = {}
    for name in present:  # every declared column, 0 rows
        frames[name] = pl.DataFrame(schema={c.name: PL_TYPES[c.dtype] for c in SCHEMAS[name].columns})
    tables = Tables.from_frames(**frames)
    report = compute(tables, PERIOD, {}, Settings(), comparison="previous")
    for kpi in REGISTRY:
        kv = report[kpi.id]
        check_value(kpi.id, kv.value, kv.note)
        if not isinstance(kpi.calc, Measure) or kpi.id == "lead_time_days":
            # a rate, an average, a cost per …, a median: nothing to divide by or take the middle of
            assert kv.value is None, (kpi.id, kv.value)
            assert kv.note
        elif kv.value is not None:  # a count or sum of nothing is 0, never more
            assert kv.value == 0.0, (kpi.id, kv.value)
    by_date = breakdown(tables, PERIOD, {}, Settings(), by="date")
    assert len(by_date.frame) == PERIOD.days
    by_channel = breakdown(tables, PERIOD, {}, Settings(), by="channel")
    for row in parts(by_date.frame) + parts(by_channel.frame):
        for kpi in REGISTRY:
            check_value(kpi.id, row[kpi.id], row[f"{kpi.id}__note"])


@pytest.mark.parametrize("table", ["orders", "traffic", "spend", "leads", "nps"])
def test_an_empty_table_with_only_required_columns(table):
    frame = pl.DataFrame(schema={name: PL_TYPES[SCHEMAS[table].column(name).dtype] for name in SCHEMAS[table].required})
    report = compute(Tables.from_frames(**{table: frame}), PERIOD, {"channel": ["Email"]}, Settings())
    for kpi in REGISTRY:
        kv = report[kpi.id]
        check_value(kpi.id, kv.value, kv.note)
        # no channel column: nothing can be filtered by channel
        assert kv.value is None, kpi.id
