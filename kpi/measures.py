"""Measures: the sums and counts every KPI is built from, per group (narwhals).

:func:`measure_frame` gives, for one :class:`Scope` (a period, filters, a grouping and the
settings), one row per group and one column per available measure, plus the reason each
unavailable measure is missing ("no spend data", "spend has no device column"). KPIs are then
ratios of these columns (:mod:`kpi.engine`), so a breakdown is right by construction.

Grouping: ``by=None`` gives a single row; ``by="channel"`` (or any dimension, ``owner`` of leads,
or ``channel_kind``: Online vs Offline) groups each row by its own value (customers by their first
order's for acquisition measures); ``by="date"``, ``"week"`` or ``"month"`` treats every day,
week (Monday first) or month as its own period, so a series means what the KPI means for one day,
week or month (the first and last week or month are cut to the period).

Customer history always spans **all** live orders, whatever the filters (contract section 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import narwhals as nw

from kpi.cube import Sources, count, sources
from kpi.frames import collect
from kpi.periods import Period, previous_window
from kpi.schema import DIMENSIONS, MISSING_TABLE_REASON, SCHEMAS, TableName
from kpi.tables import EMPTY_VALUE, Tables

By = Literal[
    "channel",
    "source",
    "medium",
    "campaign",
    "device",
    "landing_page",
    "owner",
    "channel_kind",
    "date",
    "week",
    "month",
]
TIME_GRAINS: tuple[str, ...] = ("date", "week", "month")
"""Groupings in time: every day, week (Monday first) or month is its own period."""
DERIVED_DIMENSIONS: dict[str, str] = {"channel_kind": "channel"}
"""Groupings computed from a column: ``channel_kind`` is Online or Offline by the channel."""
BY_VALUES: tuple[str, ...] = (*DIMENSIONS, "owner", "channel_kind", *TIME_GRAINS)
GROUP = "group"
ALL = "all"


CacVariant = Literal["marketing", "paid", "with_sales_cost"]
CAC_VARIANTS: dict[str, str] = {
    "marketing": "all marketing spend",
    "paid": "paid ad spend only",
    "with_sales_cost": "all spend plus a monthly sales cost",
}


@dataclass(frozen=True)
class Settings:
    """User settings: gross ``margin`` (``None`` = not set, revenue-based 1.0), the LTV horizon
    ``ltv_months``, and what CAC counts as acquisition cost (``cac_variant``): all marketing spend
    (the contract's default), paid-ad spend only, or all spend plus ``monthly_sales_cost`` (a fixed
    monthly cost of the sales team, pro rata to the days of the period)."""

    margin: float | None = None
    ltv_months: int = 12
    cac_variant: CacVariant = "marketing"
    monthly_sales_cost: float = 0.0

    def __post_init__(self) -> None:
        if self.margin is not None and not 0 < self.margin <= 1:
            raise ValueError(f"gross margin must be in (0, 1], got {self.margin}")
        if not 1 <= self.ltv_months <= 120:
            raise ValueError(f"LTV horizon must be 1–120 months, got {self.ltv_months}")
        if self.cac_variant not in CAC_VARIANTS:
            raise ValueError(f"unknown CAC variant {self.cac_variant!r}")
        if self.monthly_sales_cost < 0:
            raise ValueError("the monthly sales cost cannot be negative")

    @property
    def effective_margin(self) -> float:
        """The margin used in formulas: the one set, or 1.0 (revenue-based)."""
        return 1.0 if self.margin is None else self.margin


Filters = Mapping[str, Sequence[str]]
PAID_CHANNELS: tuple[str, ...] = (
    "Paid Search",
    "Paid Social",
    "Paid Shopping",
    "Paid Video",
    "Paid Other",
    "Display",
    "Cross-network",
    "Affiliates",
)
"""Channels whose cost is bought media: the spend of CAC's "paid spend only" variant."""
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Scope:
    """What to measure: the period, the filters (dimension → allowed values; empty = all), the
    grouping and the settings."""

    period: Period
    filters: Filters = field(default_factory=dict)
    by: By | None = None
    settings: Settings = field(default_factory=Settings)

    def active_filters(self) -> dict[str, tuple[str, ...]]:
        """The filters that restrict something (a non-empty list of values)."""
        return {name: tuple(values) for name, values in self.filters.items() if values}


@dataclass(frozen=True)
class MeasureSpec:
    """One measure: the table it comes from, the optional columns it needs, whether it adds up
    across groups, and how an empty denominator of it is explained ("no sessions")."""

    name: str
    table: TableName
    columns: tuple[str, ...]
    none_text: str
    kind: Literal["sum", "distinct", "median"] = "sum"

    @property
    def additive(self) -> bool:
        """True when the groups of a breakdown add up to the total (sums and counts of rows that
        belong to one group only)."""
        return self.kind == "sum"


def _spec(
    name: str,
    table: TableName,
    columns: tuple[str, ...],
    none_text: str,
    kind: Literal["sum", "distinct", "median"] = "sum",
) -> MeasureSpec:
    return MeasureSpec(name, table, columns, none_text, kind)


MEASURES: dict[str, MeasureSpec] = {
    spec.name: spec
    for spec in (
        _spec("sessions", "traffic", (), "no sessions"),
        _spec("users", "traffic", ("users",), "no users"),
        _spec("pageviews", "traffic", ("pageviews",), "no pageviews"),
        _spec("session_duration_s", "traffic", ("session_duration_s",), "no session duration"),
        _spec("engaged_sessions", "traffic", ("engaged_sessions",), "no engaged sessions"),
        _spec("add_to_cart_sessions", "traffic", ("add_to_cart_sessions",), "no add-to-cart sessions"),
        _spec("checkout_sessions", "traffic", ("checkout_sessions",), "no checkout sessions"),
        _spec("purchase_sessions", "traffic", ("purchase_sessions",), "no purchase sessions"),
        _spec("traffic_leads", "traffic", ("leads",), "no leads in traffic"),
        _spec("organic_search_sessions", "traffic", ("channel",), "no organic search sessions"),
        _spec(
            "landing_page_sessions",
            "traffic",
            ("landing_page",),
            "no sessions on a landing page other than the home page",
        ),
        _spec("landing_page_leads", "traffic", ("landing_page", "leads"), "no leads from landing pages"),
        _spec("orders", "orders", (), "no orders"),
        _spec("sales", "orders", (), "no sales"),
        _spec("net_revenue", "orders", (), "no revenue"),
        _spec("customers", "orders", (), "no customers", "distinct"),
        _spec("new_customers", "orders", (), "no new customers"),
        _spec("returning_customers", "orders", (), "no returning customers", "distinct"),
        _spec("repurchasing_customers", "orders", (), "no repurchasing customers", "distinct"),
        _spec("retention_base", "orders", (), "no customers in the window just before", "distinct"),
        _spec("retained_customers", "orders", (), "no retained customers", "distinct"),
        _spec("ltv_net_revenue", "orders", (), "no revenue from new customers"),
        _spec("ltv_short_history", "orders", (), "no new customers"),
        _spec("spend", "spend", (), "no spend"),
        _spec("cac_spend", "spend", (), "no acquisition cost"),
        _spec("impressions", "spend", ("impressions",), "no impressions"),
        _spec("clicks", "spend", ("clicks",), "no clicks"),
        _spec("leads_created", "leads", (), "no leads created"),
        _spec("mqls", "leads", ("mql_at",), "no MQLs"),
        _spec("sqls", "leads", ("sql_at",), "no SQLs"),
        _spec("won_deals", "leads", ("won_at",), "no won deals"),
        _spec("created_won", "leads", ("won_at",), "no won deals among the leads created"),
        _spec("created_mql", "leads", ("mql_at",), "no leads created that reached MQL"),
        _spec("created_mql_sql", "leads", ("mql_at", "sql_at"), "no leads created that reached SQL"),
        _spec("closed_won", "leads", ("won_at", "lost_at"), "no deals won"),
        _spec("closed_deals", "leads", ("won_at", "lost_at"), "no deals won or lost"),
        _spec("lead_time_days", "leads", ("won_at",), "no won deals", "median"),
        _spec("nps_responses", "nps", (), "no NPS answers"),
        _spec("promoters", "nps", (), "no promoters"),
        _spec("detractors", "nps", (), "no detractors"),
    )
}

DERIVED: dict[str, str] = {
    "gross_profit": "net_revenue",
    "ltv_gross_profit": "ltv_net_revenue",
    "leads": "leads_created",
}
"""Measures made from others: ``gross_profit = margin × net_revenue``, ``ltv_gross_profit =
margin × ltv_net_revenue``, ``leads = leads_created`` (``traffic_leads`` without a leads table)."""

NONE_TEXT_DERIVED = {
    "gross_profit": "no revenue",
    "ltv_gross_profit": "no revenue from new customers",
    "leads": "no leads",
}


def none_text(measure: str) -> str:
    """How a zero of this measure is explained: ``"no sessions"``."""
    if measure in MEASURES:
        return MEASURES[measure].none_text
    return NONE_TEXT_DERIVED[measure]


def measure_noun(measure: str) -> str:
    """What the measure counts, from its zero text: ``"sessions"``, ``"NPS answers"``."""
    return none_text(measure).removeprefix("no ")


@dataclass(frozen=True)
class MeasureTable:
    """The measures of one scope: ``frame`` has a ``group`` column and one column per available
    measure (nulls only where a median has no rows); ``unavailable`` maps every other measure to
    its reason."""

    frame: nw.DataFrame
    unavailable: dict[str, str]

    def reason(self, measure: str) -> str | None:
        """Why ``measure`` is unavailable, or ``None`` when it is available."""
        return self.unavailable.get(measure)


# --- helpers -----------------------------------------------------------------------------


def _in(expr: nw.Expr, period: Period) -> nw.Expr:
    """``period.start ≤ expr ≤ period.end`` for a date expression."""
    return expr.is_between(nw.lit(period.start), nw.lit(period.end), closed="both")


def filter_exprs(filters: dict[str, tuple[str, ...]]) -> list[nw.Expr]:
    """One ``column ∈ values`` predicate per active filter (a null value never passes)."""
    return [nw.col(name).is_in(list(values)).fill_null(value=False) for name, values in filters.items()]


def _passing(frame: nw.DataFrame, filters: dict[str, tuple[str, ...]]) -> nw.DataFrame:
    """The rows passing every filter."""
    return frame.filter(*filter_exprs(filters)) if filters else frame


def bucket(expr: nw.Expr, grain: str) -> nw.Expr:
    """The first day of the day, week (Monday) or month a date belongs to."""
    if grain == "date":
        return expr
    if grain == "week":  # back to Monday: a chain every engine can run (no day arithmetic on dates)
        # days since Monday; ``% 7`` because engines disagree on Sunday (polars 7, narwhals-on-Spark 0)
        since_monday = (expr.dt.weekday().cast(nw.Int64()) + 6) % 7
        monday = nw.when(since_monday == 0).then(expr)
        for back in range(1, 7):
            monday = monday.when(since_monday == back).then(expr.dt.offset_by(f"-{back}d"))
        return monday.cast(nw.Date())
    # truncating gives a timestamp in some engines (Spark): cast back to a date
    return expr.dt.truncate("1mo").cast(nw.Date())


def epoch_seconds(expr: nw.Expr) -> nw.Expr:
    """Seconds from 1970-01-01 00:00 to a datetime, from its calendar parts (every engine has
    them; not every engine can subtract datetimes):
    ``days = 365·(y − 1970) + leap_days_before(y) − 477 + ordinal_day − 1``, where
    ``leap_days_before(y) = ⌊(y−1)/4⌋ − ⌊(y−1)/100⌋ + ⌊(y−1)/400⌋`` (477 for 1970), and
    ``seconds = 86400·days + 3600·hour + 60·minute + second + microsecond / 10⁶``."""

    def part(value: nw.Expr) -> nw.Expr:
        return value.cast(nw.Int64())  # date parts are small integer types: widen first

    year = part(expr.dt.year())
    before = year - 1
    leap_days = before // 4 - before // 100 + before // 400 - 477
    days = 365 * (year - 1970) + leap_days + part(expr.dt.ordinal_day()) - 1
    clock = part(expr.dt.hour()) * 3600 + part(expr.dt.minute()) * 60 + part(expr.dt.second())
    return (days * 86400 + clock).cast(nw.Float64()) + expr.dt.microsecond().cast(nw.Float64()) / 1_000_000


def days_between(start: nw.Expr, end: nw.Expr) -> nw.Expr:
    """Days (with the fraction) from one datetime to another: Δ :func:`epoch_seconds` / 86400."""
    return (epoch_seconds(end) - epoch_seconds(start)) / 86400


def next_bucket(expr: nw.Expr, grain: str) -> nw.Expr:
    """The first day of the following day, week or month (``expr`` is a bucket's first day)."""
    step = {"date": "1d", "week": "7d"}.get(grain, "1mo")
    return expr.dt.offset_by(step).cast(nw.Date())  # a date again in every engine (Spark adds to a timestamp)


def buckets(period: Period, grain: str) -> list[date]:
    """The first days of every day, week or month that meets the period.

    >>> buckets(Period(date(2024, 2, 28), date(2024, 3, 5)), "week")
    [datetime.date(2024, 2, 26), datetime.date(2024, 3, 4)]
    """
    if grain == "date":
        return [period.start + timedelta(days=i) for i in range(period.days)]
    if grain == "week":
        first = period.start - timedelta(days=period.start.weekday())
        return [first + timedelta(days=7 * i) for i in range((period.end - first).days // 7 + 1)]
    found, current = [], period.start.replace(day=1)
    while current <= period.end:
        found.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return found


def _previous_bucket_start(day: date, grain: str) -> date:
    first = buckets(Period(day, day), grain)[0]
    if grain == "month":
        return (first - timedelta(days=1)).replace(day=1)
    return first - timedelta(days=1 if grain == "date" else 7)


def group_expr(scope: Scope, date_expr: nw.Expr) -> nw.Expr:
    """The group of a row: the literal ``all``, its day/week/month, or its dimension value."""
    if scope.by is None:
        return nw.lit(ALL).alias(GROUP)
    if scope.by in TIME_GRAINS:
        return bucket(date_expr, scope.by).alias(GROUP)
    if scope.by == "channel_kind":
        channel = nw.col("channel")
        kind = (
            nw.when(channel.is_null())
            .then(nw.lit(EMPTY_VALUE))
            .otherwise(nw.when(channel == "Offline").then(nw.lit("Offline")).otherwise(nw.lit("Online")))
        )
        return kind.alias(GROUP)
    return nw.col(scope.by).fill_null(EMPTY_VALUE).alias(GROUP)


def _blocked(tables: Tables, table: TableName, scope: Scope) -> str | None:
    """Why a table cannot serve this scope: absent, or lacking a filtered or grouped column."""
    frame = tables.get(table)
    if frame is None:
        return MISSING_TABLE_REASON[table]
    schema = SCHEMAS[table]
    for name in scope.active_filters():
        if name not in frame.columns:
            return schema.lacks(name)
    if scope.by is not None and scope.by not in TIME_GRAINS:
        needed = DERIVED_DIMENSIONS.get(scope.by, scope.by)
        if needed not in frame.columns:
            return schema.lacks(needed)
    return None


def _date(column: str) -> nw.Expr:
    return nw.col(column).dt.date()


# --- per-table measures ------------------------------------------------------------------


def _traffic(frame: nw.DataFrame, scope: Scope, wanted: list[str]) -> nw.DataFrame:
    cols = frame.columns
    rows = frame.filter(_in(nw.col("date"), scope.period), *filter_exprs(scope.active_filters()))
    home = (
        nw.col("landing_page").is_null() | nw.col("landing_page").is_in(["", "/"]) if "landing_page" in cols else None
    )
    sums: dict[str, nw.Expr] = {
        "sessions": nw.col("sessions").sum(),
        "users": nw.col("users").sum(),
        "pageviews": nw.col("pageviews").sum(),
        "session_duration_s": nw.col("session_duration_s").sum(),
        "engaged_sessions": nw.col("engaged_sessions").sum(),
        "add_to_cart_sessions": nw.col("add_to_cart_sessions").sum(),
        "checkout_sessions": nw.col("checkout_sessions").sum(),
        "purchase_sessions": nw.col("purchase_sessions").sum(),
        "traffic_leads": nw.col("leads").sum(),
    }
    if "channel" in cols:
        organic = nw.col("channel") == "Organic Search"
        sums["organic_search_sessions"] = nw.when(organic).then(nw.col("sessions")).otherwise(0).sum()
    if home is not None:
        sums["landing_page_sessions"] = nw.when(~home).then(nw.col("sessions")).otherwise(0).sum()
        if "leads" in cols:
            sums["landing_page_leads"] = nw.when(~home).then(nw.col("leads")).otherwise(0).sum()
    aggs = [expr.alias(name) for name, expr in sums.items() if name in wanted]
    return rows.with_columns(group_expr(scope, nw.col("date"))).group_by(GROUP).agg(*aggs)


def _orders(tables: Tables, scope: Scope, wanted: list[str]) -> list[nw.DataFrame]:
    """Order measures of a scope: sums from the live orders (or their cube), distinct customers
    from the buyers (one row per live order), new customers from the per-customer table."""
    source = sources(tables)
    filters = scope.active_filters()
    period = scope.period
    grain = scope.by if scope.by in TIME_GRAINS else None
    orders = source.orders
    assert orders is not None
    out = [
        orders.filter(_in(nw.col("order_date"), period), *filter_exprs(filters))
        .with_columns(group_expr(scope, nw.col("order_date")))
        .group_by(GROUP)
        .agg(
            count(orders).alias("orders"),
            nw.col("revenue").sum().alias("sales"),
            (nw.col("revenue") - nw.col("refunded")).sum().alias("net_revenue"),
        )
    ]
    buyers = source.buyers
    assert buyers is not None
    if source.cube and grain is None:
        out.extend(_customers_by_neighbours(buyers, scope, wanted))
    else:
        out.extend(_customers_by_rows(buyers, scope, wanted))

    if {"new_customers", "ltv_net_revenue", "ltv_short_history"} & set(wanted):
        out.extend(_acquisition(source, scope, filters))
    return out


def _customers_by_rows(buyers: nw.DataFrame, scope: Scope, wanted: list[str]) -> list[nw.DataFrame]:
    """Distinct customers of a scope from one row per live order: ``customers`` of the selected
    orders, ``returning`` (second live order by the end of the window), ``repurchasing`` (two
    live orders in the window, any filter) and retention (see :func:`_retention`)."""
    filters = scope.active_filters()
    period = scope.period
    grain = scope.by if scope.by in TIME_GRAINS else None
    out: list[nw.DataFrame] = []
    selected = buyers.filter(_in(nw.col("order_date"), period), *filter_exprs(filters)).with_columns(
        group_expr(scope, nw.col("order_date"))
    )
    out.append(selected.group_by(GROUP).agg(nw.col("customer_key").n_unique().alias("customers")))
    # the window a customer's other orders are counted in: the order's day/week/month, or the period
    window = bucket(nw.col("order_date"), grain) if grain else nw.lit(ALL)

    if "returning_customers" in wanted:
        period_end = (
            nw.min_horizontal(next_bucket(window, grain).dt.offset_by("-1d").cast(nw.Date()), nw.lit(period.end))
            if grain
            else nw.lit(period.end)
        )
        returning = selected.filter(nw.col("second_date") <= period_end)
        out.append(returning.group_by(GROUP).agg(nw.col("customer_key").n_unique().alias("returning_customers")))

    in_period = buyers.filter(_in(nw.col("order_date"), period)).with_columns(window.alias("_window"))
    if "repurchasing_customers" in wanted:
        repeat = in_period.group_by("customer_key", "_window").agg(nw.len().alias("_n")).filter(nw.col("_n") >= 2)
        repurchasing = selected.with_columns(window.alias("_window")).join(
            repeat, on=["customer_key", "_window"], how="semi"
        )
        out.append(repurchasing.group_by(GROUP).agg(nw.col("customer_key").n_unique().alias("repurchasing_customers")))

    if "retention_base" in wanted or "retained_customers" in wanted:
        out.extend(_retention(buyers, scope, in_period, filters))

    return out


def _customers_by_neighbours(buyers: nw.DataFrame, scope: Scope, wanted: list[str]) -> list[nw.DataFrame]:
    """The measures of :func:`_customers_by_rows` for a whole period (by a dimension or not) from
    the buyers' neighbouring orders (:mod:`kpi.cube`). A customer's orders within an interval are
    consecutive, so they ordered twice in the period when a selected order of theirs has its
    previous or next order in it, and ordered again in the period after the window just before
    when an order of theirs in that window has its next order in the period.

    Without filters or grouping every customer is counted once, by their first order of the
    window (the previous one is before it): ``customers = #(orders in P with prev < P.start)``,
    ``retention_base`` the same in the window before (B), ``retained = #(orders in P with prev
    in B)``; no distinct values to hash."""
    period, before = scope.period, previous_window(scope.period)
    filters = scope.active_filters()
    start, end = nw.lit(period.start), nw.lit(period.end)
    in_period = buyers.filter(_in(nw.col("order_date"), period))
    in_before = buyers.filter(_in(nw.col("order_date"), before))
    retention = "retention_base" in wanted or "retained_customers" in wanted
    prev, after = nw.col("prev_date"), nw.col("next_date")

    def counted(frame: nw.DataFrame, **conditions: nw.Expr) -> nw.DataFrame:
        return frame.select(
            nw.lit(ALL).alias(GROUP),
            *(cond.fill_null(value=False).cast(nw.Int64()).sum().alias(name) for name, cond in conditions.items()),
        )

    if not filters and scope.by is None:
        first = prev.is_null() | (prev < start)
        conditions = {"customers": first}
        if "returning_customers" in wanted:
            conditions["returning_customers"] = first & (nw.col("second_date") <= end)
        if "repurchasing_customers" in wanted:
            conditions["repurchasing_customers"] = first & (after <= end)
        out = [counted(in_period, **conditions)]
        if retention:
            out.append(counted(in_before, retention_base=prev.is_null() | (prev < nw.lit(before.start))))
            out.append(counted(in_period, retained_customers=prev.is_between(nw.lit(before.start), nw.lit(before.end))))
        return out

    def distinct(frame: nw.DataFrame, name: str) -> nw.DataFrame:
        return frame.group_by(GROUP).agg(nw.col("customer_key").n_unique().alias(name))

    selected = _passing(in_period, filters).with_columns(group_expr(scope, nw.col("order_date")))
    out = [distinct(selected, "customers")]
    if "returning_customers" in wanted:
        out.append(distinct(selected.filter(nw.col("second_date") <= end), "returning_customers"))
    if "repurchasing_customers" in wanted:
        twice = (prev >= start).fill_null(value=False) | (after <= end).fill_null(value=False)
        out.append(distinct(selected.filter(twice), "repurchasing_customers"))
    if retention:
        base = _passing(in_before, filters).with_columns(group_expr(scope, nw.col("order_date")))
        again = in_before.filter(after.is_between(start, end).fill_null(value=False)).select("customer_key")
        out.append(distinct(base, "retention_base"))
        out.append(distinct(base.join(again.unique(), on="customer_key", how="semi"), "retained_customers"))
    return out


def _retention(
    live: nw.DataFrame, scope: Scope, in_period: nw.DataFrame, filters: dict[str, tuple[str, ...]]
) -> list[nw.DataFrame]:
    """Customers of the window just before (same filters), and those of them who ordered again
    (any channel) in the period. By day, week or month, each one's window is the one before."""
    period = scope.period
    if scope.by in TIME_GRAINS:
        grain = scope.by
        first, last = buckets(period, grain)[0], buckets(period, grain)[-1]
        shifted = next_bucket(bucket(nw.col("order_date"), grain), grain)
        base = (
            live.filter(
                nw.col("order_date").is_between(
                    nw.lit(_previous_bucket_start(period.start, grain)), nw.lit(period.end)
                ),
                *filter_exprs(filters),
            )
            .with_columns(shifted.alias("_window"))
            .filter(nw.col("_window").is_between(nw.lit(first), nw.lit(last)))
            .with_columns(nw.col("_window").alias(GROUP))
        )
    else:
        before = previous_window(period)
        base = live.filter(_in(nw.col("order_date"), before), *filter_exprs(filters)).with_columns(
            group_expr(scope, nw.col("order_date")), nw.lit(ALL).alias("_window")
        )
    ordered_again = in_period.select("customer_key", "_window").unique()
    retained = base.join(ordered_again, on=["customer_key", "_window"], how="semi")
    return [
        base.group_by(GROUP).agg(nw.col("customer_key").n_unique().alias("retention_base")),
        retained.group_by(GROUP).agg(nw.col("customer_key").n_unique().alias("retained_customers")),
    ]


def _acquisition(source: Sources, scope: Scope, filters: dict[str, tuple[str, ...]]) -> list[nw.DataFrame]:
    """New customers of the period (first live order in it, passing the filters, grouped by that
    first order) and their realised LTV revenue: Σ (revenue − refunded) of their live orders placed
    before first order + H months; ``ltv_short_history`` counts those with less than H months of
    data after their first order."""
    new = source.new_customers(scope.settings.ltv_months)
    assert new is not None
    return [
        new.filter(_in(nw.col("first_date"), scope.period), *filter_exprs(filters))
        .with_columns(group_expr(scope, nw.col("first_date")))
        .group_by(GROUP)
        .agg(
            count(new).alias("new_customers"),
            nw.col("_ltv").sum().alias("ltv_net_revenue"),
            nw.col("_short").sum().alias("ltv_short_history"),
        )
    ]


def _leads(frame: nw.DataFrame, scope: Scope, wanted: list[str]) -> list[nw.DataFrame]:
    """Lead-stage counts. Each count places a lead by its own event: created, MQL, SQL, won;
    ``closed_*`` by the day it was won or lost in the period."""
    period = scope.period
    cols = frame.columns
    predicates = filter_exprs(scope.active_filters())
    rows = frame.filter(*predicates) if predicates else frame
    out: list[nw.DataFrame] = []

    def count(stage_column: str, name: str, extra: nw.Expr | None = None) -> nw.DataFrame:
        when = _date(stage_column)
        picked = rows.filter(_in(when, period), *([extra] if extra is not None else []))
        return picked.with_columns(group_expr(scope, when)).group_by(GROUP).agg(nw.len().alias(name))

    out.append(count("created_at", "leads_created"))
    for stage, name in (("mql_at", "mqls"), ("sql_at", "sqls"), ("won_at", "won_deals")):
        if name in wanted and stage in cols:
            out.append(count(stage, name))
    if "created_won" in wanted:
        out.append(count("created_at", "created_won", ~nw.col("won_at").is_null()))
    if "created_mql" in wanted:
        out.append(count("created_at", "created_mql", ~nw.col("mql_at").is_null()))
    if "created_mql_sql" in wanted:
        both = ~nw.col("mql_at").is_null() & ~nw.col("sql_at").is_null()
        out.append(count("created_at", "created_mql_sql", both))
    if "closed_deals" in wanted:
        won_in = _in(_date("won_at"), period).fill_null(value=False)
        lost_in = _in(_date("lost_at"), period).fill_null(value=False)
        closed = rows.filter(won_in | lost_in).with_columns(
            won_in.alias("_won"),
            group_expr(scope, nw.when(won_in).then(_date("won_at")).otherwise(_date("lost_at"))),
        )
        out.append(
            closed.group_by(GROUP).agg(
                nw.len().alias("closed_deals"),
                nw.col("_won").cast(nw.Int64()).sum().alias("closed_won"),
            )
        )
    if "lead_time_days" in wanted:
        won = rows.filter(_in(_date("won_at"), period)).with_columns(
            group_expr(scope, _date("won_at")),
            days_between(nw.col("created_at"), nw.col("won_at")).alias("_days"),
        )
        out.append(won.group_by(GROUP).agg(nw.col("_days").median().alias("lead_time_days")))
    return out


def _spend(frame: nw.DataFrame, scope: Scope, wanted: list[str]) -> nw.DataFrame:
    rows = frame.filter(_in(nw.col("date"), scope.period), *filter_exprs(scope.active_filters()))
    aggs = [nw.col(name).sum().alias(name) for name in ("spend", "impressions", "clicks") if name in wanted]
    if "cac_spend" in wanted:
        cost = nw.col("spend")
        if scope.settings.cac_variant == "paid":
            cost = nw.when(nw.col("channel").is_in(list(PAID_CHANNELS)).fill_null(value=False)).then(cost).otherwise(0)
        aggs.append(cost.sum().alias("cac_spend"))
    return rows.with_columns(group_expr(scope, nw.col("date"))).group_by(GROUP).agg(*aggs)


def _with_sales_cost(frame: nw.DataFrame, scope: Scope) -> nw.DataFrame:
    """The fixed monthly sales cost added to ``cac_spend``, pro rata to each group's days in the
    period (the whole period, or each day, week or month of it)."""
    monthly = scope.settings.monthly_sales_cost
    if scope.by is None:
        return frame.with_columns(
            (nw.col("cac_spend") + monthly * scope.period.days / DAYS_PER_MONTH).alias("cac_spend")
        )
    starts = buckets(scope.period, scope.by)
    ends = [*(start - timedelta(days=1) for start in starts[1:]), scope.period.end]
    days = [
        (min(end, scope.period.end) - max(start, scope.period.start)).days + 1
        for start, end in zip(starts, ends, strict=True)
    ]
    cost = nw.from_dict(
        {GROUP: starts, "_fixed": [monthly * d / DAYS_PER_MONTH for d in days]},
        schema={GROUP: nw.Date(), "_fixed": nw.Float64()},
        backend=nw.get_native_namespace(frame),
    )
    return (
        frame.join(cost, on=GROUP, how="left")
        .with_columns((nw.col("cac_spend") + nw.col("_fixed").fill_null(0.0)).alias("cac_spend"))
        .drop("_fixed")
    )


def _nps(frame: nw.DataFrame, scope: Scope) -> nw.DataFrame:
    when = _date("responded_at")
    rows = frame.filter(_in(when, scope.period), *filter_exprs(scope.active_filters()))
    return (
        rows.with_columns(group_expr(scope, when))
        .group_by(GROUP)
        .agg(
            nw.len().alias("nps_responses"),
            (nw.col("score") >= 9).cast(nw.Int64()).sum().alias("promoters"),
            (nw.col("score") <= 6).cast(nw.Int64()).sum().alias("detractors"),
        )
    )


# --- assembly ----------------------------------------------------------------------------


def _availability(tables: Tables, scope: Scope) -> tuple[dict[TableName, list[str]], dict[str, str]]:
    """Which measures each table can give for this scope, and why the others cannot."""
    wanted: dict[TableName, list[str]] = {}
    unavailable: dict[str, str] = {}
    for spec in MEASURES.values():
        reason = _blocked(tables, spec.table, scope)
        frame = tables.get(spec.table)
        if reason is None and frame is not None:
            missing = [name for name in spec.columns if name not in frame.columns]
            reason = SCHEMAS[spec.table].lacks(missing[0]) if missing else None
        if reason is None:
            reason = _cac_spend_reason(spec.name, scope, frame)
        if reason is None:
            wanted.setdefault(spec.table, []).append(spec.name)
        else:
            unavailable[spec.name] = reason
    return wanted, unavailable


def _cac_spend_reason(measure: str, scope: Scope, frame: nw.DataFrame | None) -> str | None:
    """Why the chosen CAC variant cannot be computed here: paid spend needs the spend's channel;
    a fixed sales cost cannot be split by channel or any other dimension."""
    if measure != "cac_spend" or frame is None:
        return None
    variant = scope.settings.cac_variant
    if variant == "paid" and "channel" not in frame.columns:
        return f"{SCHEMAS['spend'].lacks('channel')} (needed for paid spend only)"
    if variant == "with_sales_cost" and scope.by is not None and scope.by not in TIME_GRAINS:
        return f"a fixed sales cost cannot be split by {scope.by.replace('_', ' ')}"
    return None


def _groups(scope: Scope, parts: list[nw.DataFrame], native: object) -> nw.DataFrame:
    """Every group to report: the single ``all`` row, every day of the period, or every value seen."""
    if scope.by is None:
        return nw.from_dict({GROUP: [ALL]}, backend=native)
    if scope.by in TIME_GRAINS:
        starts = buckets(scope.period, scope.by)
        return nw.from_dict({GROUP: starts}, schema={GROUP: nw.Date()}, backend=native)
    keys = [part.select(GROUP) for part in parts]
    if not keys:
        return nw.from_dict({GROUP: []}, schema={GROUP: nw.String()}, backend=native)
    return nw.concat(keys).unique().sort(GROUP)


def text_groups(part: nw.DataFrame) -> nw.DataFrame:
    """A part grouped by a dimension kept as categories (a cube's) with its groups as text."""
    if part.collect_schema()[GROUP] == nw.Categorical():
        return part.with_columns(nw.col(GROUP).cast(nw.String()))
    return part


def measure_frame(tables: Tables, scope: Scope) -> MeasureTable:
    """All measures of a scope, one row per group (see the module docstring)."""
    wanted, unavailable = _availability(tables, scope)
    source = sources(tables)
    parts: list[nw.DataFrame] = []
    if "traffic" in wanted and source.traffic is not None:
        parts.append(_traffic(source.traffic, scope, wanted["traffic"]))
    if "orders" in wanted:
        parts.extend(_orders(tables, scope, wanted["orders"]))
    if "spend" in wanted and source.spend is not None:
        parts.append(_spend(source.spend, scope, wanted["spend"]))
    if "leads" in wanted and tables.leads is not None:
        parts.extend(_leads(tables.leads, scope, wanted["leads"]))
    if "nps" in wanted and tables.nps is not None:
        parts.append(_nps(tables.nps, scope))

    # each part has one row per group: on a lazy engine this is where the work runs
    parts = [text_groups(collect(part)) for part in parts]
    frame = _groups(scope, parts, tables.backend())
    for part in parts:
        frame = frame.join(part, on=GROUP, how="left")
    # a group absent from a part has none of it: 0, except a median, which stays null
    zero = [name for name in frame.columns if name in MEASURES and MEASURES[name].kind != "median"]
    frame = frame.with_columns(nw.col(name).fill_null(0) for name in zero)
    if "cac_spend" in frame.columns and scope.settings.cac_variant == "with_sales_cost":
        frame = _with_sales_cost(frame, scope)
    frame, unavailable = _derive(frame, unavailable, tables, scope)
    return MeasureTable(frame=frame, unavailable=unavailable)


def _derive(
    frame: nw.DataFrame, unavailable: dict[str, str], tables: Tables, scope: Scope
) -> tuple[nw.DataFrame, dict[str, str]]:
    """Add ``gross_profit``, ``ltv_gross_profit`` and ``leads`` (see :data:`DERIVED`)."""
    margin = scope.settings.effective_margin
    unavailable = dict(unavailable)
    extra: list[nw.Expr] = []
    for name, source in (("gross_profit", "net_revenue"), ("ltv_gross_profit", "ltv_net_revenue")):
        if source in unavailable:
            unavailable[name] = unavailable[source]
        else:
            extra.append((nw.col(source) * margin).alias(name))
    if tables.leads is None and "traffic_leads" not in unavailable:
        extra.append(nw.col("traffic_leads").alias("leads"))
    elif tables.leads is None:
        unavailable["leads"] = f"{MISSING_TABLE_REASON['leads']}, and {unavailable['traffic_leads']}"
    elif "leads_created" in unavailable:
        unavailable["leads"] = unavailable["leads_created"]
    else:
        extra.append(nw.col("leads_created").alias("leads"))
    return (frame.with_columns(*extra) if extra else frame), unavailable


def leads_source(tables: Tables) -> Literal["leads", "traffic"]:
    """Where the ``leads`` measure comes from: the leads table, or traffic's leads column."""
    return "leads" if tables.leads is not None else "traffic"
