"""The KPI contract in plain pandas: the notebook a user would write without KPI Explorer.

This is the **baseline** of the benchmark: idiomatic, vectorised pandas (boolean masks, groupby,
merge, ``pd.to_datetime``), written the way a competent analyst would, neither tuned nor
deliberately slow. It uses neither polars nor narwhals. It follows ``spec/kpi-contract.md``
(section 3) and reproduces the conformance figures of ``spec/conformance/cases.json``.

* :func:`load_csv` reads the canonical CSVs and cleans them once (what the notebook's first cells
  do): datetimes parsed (a zone offset such as ``+1100`` is dropped, not converted), a repeated
  ``order_id`` keeps its last row, ``refunded`` defaults to 0 and ``status`` to ``paid``, a guest
  (no ``customer_id``) becomes its own customer per order, a missing channel is derived from
  source / medium / campaign.
* :func:`compute_kpis` gives every KPI of the contract for one period, after filters.
* :func:`cohort_table` gives monthly acquisition cohorts × months since the first order.

Channel derivation is the only part borrowed from the product: where a table has source / medium
but no channel (or an empty one), :func:`kpi.channels.channel_for` (GA4's ordered rules) is called
once per distinct (source, medium, campaign) combination, as the product does. The canonical
conformance and demo files all carry a ``channel`` column, so it is not called for them.

    python -c "from benchmarks.pandas_kpis import *"   # see tests/test_benchmark_pandas.py
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

TEXT_COLUMNS = (
    "order_id",
    "customer_id",
    "lead_id",
    "status",
    "channel",
    "source",
    "medium",
    "campaign",
    "device",
    "landing_page",
    "currency",
    "country",
    "sales_rep",
    "owner",
)
DATETIME_COLUMNS = {
    "orders": ("ordered_at",),
    "traffic": ("date",),
    "spend": ("date",),
    "leads": ("created_at", "mql_at", "sql_at", "won_at", "lost_at"),
    "nps": ("responded_at",),
}
ZONE_OFFSET = r"(\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(?:Z|[+-]\d{2}:?\d{2})$"
"""A time followed by a zone offset: the offset is dropped (wall-clock time as exported)."""
FIRST_ORDER_DIMENSIONS = ("channel", "source", "medium", "campaign", "device")

Tables = dict[str, pd.DataFrame]
Number = float | None


# --- loading -----------------------------------------------------------------------------


def load_csv(paths: dict[str, Path]) -> Tables:
    """Read canonical CSVs given by table name (``{"orders": Path(...), ...}``) and clean them."""
    tables = {}
    for name, path in paths.items():
        frame = pd.read_csv(path, dtype=dict.fromkeys(TEXT_COLUMNS, "str"))
        for column in DATETIME_COLUMNS.get(name, ()):
            if column in frame.columns:
                frame[column] = parse_datetimes(frame[column])
        tables[name] = frame
    return prepare(tables)


def parse_datetimes(values: pd.Series) -> pd.Series:
    """ISO dates or datetimes as naive datetimes; a trailing zone offset is dropped, not converted."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("str").str.strip().str.replace(ZONE_OFFSET, r"\1", regex=True)
    return pd.to_datetime(text.where(values.notna()), format="ISO8601")


def prepare(tables: Tables) -> Tables:
    """Channels derived where missing; orders cleaned (see :func:`clean_orders`)."""
    out = {name: with_channels(frame) for name, frame in tables.items()}
    if "orders" in out:
        out["orders"] = clean_orders(out["orders"])
    return out


def with_channels(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill an empty ``channel`` from (source, medium, campaign) with GA4's rules, once per combination."""
    keys = [name for name in ("source", "medium", "campaign") if name in frame.columns]
    if not keys or {"source", "medium"}.isdisjoint(keys):
        return frame
    channel = frame["channel"] if "channel" in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="str")
    missing = channel.isna() & frame[[k for k in keys if k != "campaign"]].notna().any(axis=1)
    if not missing.any():
        return frame
    from kpi.channels import channel_for  # noqa: PLC0415 - only for tables without a channel

    combos = frame.loc[missing, keys].drop_duplicates()
    combos["_derived"] = [
        channel_for(row.get("source"), row.get("medium"), row.get("campaign")).channel
        for row in combos.astype(object).where(combos.notna(), None).to_dict("records")
    ]
    derived = frame.loc[missing, keys].merge(combos, on=keys, how="left")["_derived"].to_numpy()
    channel = channel.copy()
    channel[missing] = derived
    return frame.assign(channel=channel)


def clean_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Last row of each ``order_id``; ``refunded`` 0 and ``status`` ``paid`` by default; ``customer_key``:
    the customer id, or ``guest:<order_id>`` for a guest (each guest order is its own customer)."""
    orders = orders.drop_duplicates("order_id", keep="last")
    refunded = orders["refunded"].fillna(0.0) if "refunded" in orders.columns else 0.0
    status = orders["status"].fillna("paid").str.lower() if "status" in orders.columns else "paid"
    guest = "guest:" + orders["order_id"]
    return orders.assign(
        refunded=refunded,
        status=status,
        customer_key=("id:" + orders["customer_id"]).fillna(guest),
    )


# --- small helpers -----------------------------------------------------------------------


def in_period(when: pd.Series, start: date, end: date) -> pd.Series:
    """True where a datetime's date lies in ``[start, end]`` (NaT is never in)."""
    return (when >= pd.Timestamp(start)) & (when < pd.Timestamp(end + timedelta(days=1)))


def apply_filters(frame: pd.DataFrame | None, filters: dict[str, list[str]]) -> pd.DataFrame | None:
    """Rows whose filtered columns hold an allowed value; ``None`` when the table is absent or lacks a
    filtered column (every KPI of that table is then unavailable)."""
    if frame is None or any(name not in frame.columns for name in filters):
        return None
    mask = pd.Series(data=True, index=frame.index)
    for name, values in filters.items():
        mask &= frame[name].isin(values)
    return frame[mask]


def select(frame: pd.DataFrame | None, column: str, start: date, end: date, filters: dict) -> pd.DataFrame | None:
    """Rows in the period (by ``column``'s date) passing the filters, or ``None`` (see :func:`apply_filters`)."""
    frame = apply_filters(frame, filters)
    return None if frame is None else frame[in_period(frame[column], start, end)]


def total(frame: pd.DataFrame | None, column: str) -> Number:
    """Σ column, or ``None`` without the table or the column."""
    if frame is None or column not in frame.columns:
        return None
    return float(frame[column].sum())


def ratio(numerator: Number, denominator: Number, scale: float = 1.0) -> Number:
    """``scale × numerator / denominator``; ``None`` when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return scale * numerator / denominator


def complement(share: Number) -> Number:
    """``1 − share`` (``None`` stays ``None``)."""
    return None if share is None else 1.0 - share


def count(mask: pd.Series) -> float:
    """Number of True values."""
    return float(mask.sum())


# --- KPIs by table -----------------------------------------------------------------------


def traffic_kpis(traffic: pd.DataFrame | None) -> dict[str, Number]:
    """Traffic, funnel and lead-form KPIs of the selected traffic rows."""
    sessions = total(traffic, "sessions")
    engagement = ratio(total(traffic, "engaged_sessions"), sessions)
    organic = landing_sessions = landing_leads = None
    if traffic is not None and "channel" in traffic.columns:
        organic = total(traffic[traffic["channel"] == "Organic Search"], "sessions")
    if traffic is not None and "landing_page" in traffic.columns:
        landing = traffic[traffic["landing_page"].notna() & ~traffic["landing_page"].isin(["", "/"])]
        landing_sessions, landing_leads = total(landing, "sessions"), total(landing, "leads")
    purchases = total(traffic, "purchase_sessions")
    return {
        "sessions": sessions,
        "users": total(traffic, "users"),
        "pageviews": total(traffic, "pageviews"),
        "pages_per_session": ratio(total(traffic, "pageviews"), sessions),
        "avg_session_duration_s": ratio(total(traffic, "session_duration_s"), sessions),
        "engagement_rate": engagement,
        "bounce_rate": complement(engagement),
        "organic_search_share": ratio(organic, sessions),
        "conversion_rate": ratio(purchases, sessions),
        "add_to_cart_rate": ratio(total(traffic, "add_to_cart_sessions"), sessions),
        "cart_abandonment_rate": complement(ratio(purchases, total(traffic, "add_to_cart_sessions"))),
        "checkout_abandonment_rate": complement(ratio(purchases, total(traffic, "checkout_sessions"))),
        "traffic_leads": total(traffic, "leads"),
        "lead_conversion_rate": ratio(total(traffic, "leads"), sessions),
        "landing_page_conversion_rate": ratio(landing_leads, landing_sessions),
    }


def first_orders(live: pd.DataFrame) -> pd.DataFrame:
    """One row per customer over all live orders, indexed by ``customer_key``: the first order's row
    (``first_at`` and its dimensions; ties on time go to the smaller order_id) and ``second_at``,
    the time of their second live order (NaT when they have only one)."""
    dims = [name for name in FIRST_ORDER_DIMENSIONS if name in live.columns]
    ranked = live[["customer_key", "order_id", "ordered_at", *dims]].sort_values(["ordered_at", "order_id"])
    rank = ranked.groupby("customer_key").cumcount()
    first = ranked.loc[rank == 0, ["customer_key", "ordered_at", *dims]].set_index("customer_key")
    second = ranked.loc[rank == 1].set_index("customer_key")["ordered_at"].rename("second_at")
    return first.rename(columns={"ordered_at": "first_at"}).join(second)


def order_kpis(live: pd.DataFrame, start: date, end: date, filters: dict) -> dict[str, Number]:
    """Sales and customer counts of the selected live orders in the period (history over all live orders)."""
    selected = apply_filters(live, filters)
    if selected is None:
        return {}
    period = selected[in_period(selected["ordered_at"], start, end)]
    sales = float(period["revenue"].sum())
    customers = pd.Index(period["customer_key"].unique())
    facts = first_orders(live)

    second = facts["second_at"].reindex(customers)
    returning = count(second < pd.Timestamp(end + timedelta(days=1)))
    orders_in_period = live.loc[in_period(live["ordered_at"], start, end), "customer_key"]
    repeat = orders_in_period.value_counts()
    repurchasing = count(repeat.reindex(customers, fill_value=0) >= 2)

    days = (end - start).days + 1
    before_end = start - timedelta(days=1)
    before = selected[in_period(selected["ordered_at"], before_end - timedelta(days=days - 1), before_end)]
    base = pd.Index(before["customer_key"].unique())
    # a set operation, not ``base.isin(...)``: pandas 3's ``str`` isin converts every value to a pyarrow
    # scalar in Python, ~300 ms for 20k values
    retained = float(len(base.intersection(orders_in_period)))
    return {
        "orders": float(len(period)),
        "sales": sales,
        "revenue": sales - float(period["refunded"].sum()),
        "customers": float(len(customers)),
        "returning_customers": returning,
        "repurchasing_customers": repurchasing,
        "retention_base": float(len(base)),
        "retained_customers": retained,
        "facts": facts,
    }


def acquisition(
    live: pd.DataFrame, facts: pd.DataFrame, *, start: date, end: date, filters: dict, ltv_months: int
) -> dict[str, Number]:
    """New customers of the period (first live order in it, passing the filters) and their realised
    LTV revenue: Σ net revenue of their live orders placed before first order + ``ltv_months`` months."""
    chosen = apply_filters(facts, filters)
    if chosen is None:
        return {}
    new = chosen.loc[in_period(chosen["first_at"], start, end), ["first_at"]]
    horizon = new["first_at"] + pd.DateOffset(months=ltv_months)
    orders = live[["customer_key", "ordered_at", "revenue", "refunded"]].merge(
        horizon.rename("horizon"), left_on="customer_key", right_index=True
    )
    early = orders[orders["ordered_at"] < orders["horizon"]]
    return {
        "new_customers": float(len(new)),
        "ltv_net_revenue": float((early["revenue"] - early["refunded"]).sum()),
    }


def customer_kpis(tables: Tables, start: date, end: date, filters: dict, ltv_months: int) -> dict[str, Number]:
    """Order and customer measures (empty when there are no orders or they lack a filtered column)."""
    orders = tables.get("orders")
    if orders is None:
        return {}
    live = orders[orders["status"] != "cancelled"]
    found = order_kpis(live, start, end, filters)
    if not found:
        return {}
    facts = found.pop("facts")
    return found | acquisition(live, facts, start=start, end=end, filters=filters, ltv_months=ltv_months)


def lead_kpis(leads: pd.DataFrame | None, start: date, end: date) -> dict[str, Number]:
    """Lead-stage counts and rates; each stage counted by its own date in the period."""
    if leads is None:
        return {}
    created = in_period(leads["created_at"], start, end)
    out: dict[str, Number] = {"leads_created": count(created)}
    stage = {name: leads[name] if name in leads.columns else None for name in ("mql_at", "sql_at", "won_at", "lost_at")}
    for name, kpi in (("mql_at", "mqls"), ("sql_at", "sqls"), ("won_at", "won_deals")):
        out[kpi] = None if stage[name] is None else count(in_period(stage[name], start, end))
    won, mql, sql, lost = stage["won_at"], stage["mql_at"], stage["sql_at"], stage["lost_at"]
    if won is not None:
        out["sales_conversion_rate"] = ratio(count(created & won.notna()), count(created))
        won_in = in_period(won, start, end)
        days = (won - leads["created_at"])[won_in].dt.total_seconds() / 86400
        out["lead_time_days"] = float(days.median()) if len(days) else None
        if lost is not None:
            out["win_rate"] = ratio(count(won_in), count(won_in | in_period(lost, start, end)))
    if mql is not None and sql is not None:
        reached = created & mql.notna()
        out["mql_to_sql_rate"] = ratio(count(reached & sql.notna()), count(reached))
    return out


def spend_kpis(spend: pd.DataFrame | None) -> dict[str, Number]:
    """Advertising sums and their ratios."""
    cost, impressions, clicks = total(spend, "spend"), total(spend, "impressions"), total(spend, "clicks")
    return {
        "spend": cost,
        "impressions": impressions,
        "clicks": clicks,
        "ctr": ratio(clicks, impressions),
        "cpc": ratio(cost, clicks),
        "cpm": ratio(cost, impressions, 1000.0),
    }


def nps_kpis(nps: pd.DataFrame | None) -> dict[str, Number]:
    """NPS = 100 × (promoters − detractors) / answers."""
    if nps is None:
        return {"nps": None, "nps_responses": None}
    answers = float(len(nps))
    net = count(nps["score"] >= 9) - count(nps["score"] <= 6)
    return {"nps": ratio(net, answers, 100.0), "nps_responses": answers}


# --- the report --------------------------------------------------------------------------


def compute_kpis(
    tables: Tables,
    *,
    start: date,
    end: date,
    filters: dict[str, list[str]] | None = None,
    margin: float | None = None,
    ltv_months: int = 12,
) -> dict[str, float | None]:
    """Every KPI of the contract (section 3) for ``[start, end]`` → value, ``None`` when unavailable.

    ``tables`` are those of :func:`load_csv` (orders cleaned). ``filters`` (column → allowed values)
    apply to every table; a table lacking a filtered column makes its KPIs unavailable. ``margin``
    ``None`` is revenue-based (1.0); ``ltv_months`` is the LTV horizon H.
    """
    filters = {name: list(values) for name, values in (filters or {}).items() if values}
    margin = 1.0 if margin is None else margin
    traffic = traffic_kpis(select(tables.get("traffic"), "date", start, end, filters))
    sales = customer_kpis(tables, start, end, filters, ltv_months)
    leads = lead_kpis(apply_filters(tables.get("leads"), filters), start, end)
    spend = spend_kpis(select(tables.get("spend"), "date", start, end, filters))
    nps = nps_kpis(select(tables.get("nps"), "responded_at", start, end, filters))

    if "purchase_sessions" not in tables.get("traffic", pd.DataFrame()).columns:
        traffic["conversion_rate"] = ratio(sales.get("orders"), traffic["sessions"])  # the contract's fallback
    lead_count = leads.get("leads_created") if "leads" in tables else traffic.pop("traffic_leads", None)
    traffic.pop("traffic_leads", None)
    orders, revenue, cost = sales.get("orders"), sales.get("revenue"), spend["spend"]
    new, customers = sales.get("new_customers"), sales.get("customers")
    ltv = ratio(None if new is None else margin * sales["ltv_net_revenue"], new)
    cac = ratio(cost, new)
    return {
        **traffic,
        "orders": orders,
        "sales": sales.get("sales"),
        "revenue": revenue,
        "aov": ratio(sales.get("sales"), orders),
        "leads": lead_count,
        **{kpi: leads.get(kpi) for kpi in ("mqls", "sqls", "won_deals", "sales_conversion_rate")},
        **{kpi: leads.get(kpi) for kpi in ("mql_to_sql_rate", "win_rate", "lead_time_days")},
        **spend,
        "cpl": ratio(cost, lead_count),
        "cpa": ratio(cost, orders),
        "roas": ratio(revenue, cost),
        "romi": ratio(None if revenue is None or cost is None else revenue * margin - cost, cost),
        "customers": customers,
        "new_customers": new,
        "returning_customer_rate": ratio(sales.get("returning_customers"), customers),
        "repurchase_rate": ratio(sales.get("repurchasing_customers"), customers),
        "retention_rate": ratio(sales.get("retained_customers"), sales.get("retention_base")),
        "purchase_frequency": ratio(orders, customers),
        "cac": cac,
        "ltv": ltv,
        "ltv_cac_ratio": ratio(ltv, cac),
        **nps,
    }


# --- cohorts -----------------------------------------------------------------------------


def cohort_table(tables: Tables, *, months: list[date]) -> pd.DataFrame:
    """Monthly acquisition cohorts × months since the first order: share of each cohort's customers
    with a live order in month k.

    Definitions (the plain ones a notebook uses): a customer's cohort is the calendar month of their
    first live order over all the data (a guest is a one-order customer per order); month k of an
    order is the **calendar-month difference** between the order's month and the cohort's month
    (an order on 1 March is month 1 of a first order on 28 February). ``months`` are the cohorts to
    show (any day of the month). Cells after the last month of the order data are NaN (not yet
    observed); month 0 is 1.0.

    Returns one row per cohort: ``cohort`` (first day of the month), ``customers`` and ``month_0``,
    ``month_1``… up to the oldest cohort's last observed month.
    """
    orders = tables["orders"]
    live = orders.loc[orders["status"] != "cancelled", ["customer_key", "ordered_at"]]
    order_month = live["ordered_at"].dt.to_period("M")
    first_month = order_month.groupby(live["customer_key"]).transform("min")
    wanted = pd.PeriodIndex([pd.Period(month, "M") for month in months]).unique()
    active = pd.DataFrame(
        {
            "cohort": first_month,
            "month": (order_month.dt.year - first_month.dt.year) * 12 + order_month.dt.month - first_month.dt.month,
            "customer_key": live["customer_key"],
        }
    )
    active = active[active["cohort"].isin(wanted)]
    sizes = active.groupby("cohort")["customer_key"].nunique().rename("customers")
    counts = active.groupby(["cohort", "month"])["customer_key"].nunique().unstack("month", fill_value=0)
    shares = counts.div(sizes, axis=0)
    last = order_month.max()
    observed = np.array([(last - cohort).n for cohort in shares.index])  # last month k seen per cohort
    shares = shares.reindex(columns=range(observed.max(initial=-1) + 1), fill_value=0.0)
    shares = shares.where(shares.columns.to_numpy() <= observed[:, None])
    shares.columns = [f"month_{k}" for k in shares.columns]
    table = pd.concat([sizes, shares], axis=1).reset_index()
    table["cohort"] = table["cohort"].dt.start_time.dt.date
    return table
