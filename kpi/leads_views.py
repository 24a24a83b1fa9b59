"""The numbers of the *Leads and sales team* page (narwhals, pure).

Every registry KPI here comes from :func:`kpi.engine.breakdown` (or the page's cards from
:func:`kpi.engine.compute`), so a row of a table matches the card of the same KPI. Each function
computes on the one canonical table it needs (``Tables(leads=…)``, ``Tables(traffic=…)``,
``Tables(nps=…)``), which gives the same KPI values as the full data set (a leads KPI reads only
the leads table) and keeps the groups to the values that table holds. Counts that are not KPIs
(won leads of a cohort, promoters, detractors) are the very measures the KPIs are ratios of, read
with :func:`kpi.measures.measure_frame`.

Sections and their definitions, over a period P after the filters:

* **Lead time distribution** (:func:`lead_time_distribution`): for each lead won in P,
  ``(won_at − created_at)`` in days; the median (= the registry's ``lead_time_days``) and the mean
  are over all of them. A negative duration (won before the lead was created: one Olist deal) is
  kept in the median and mean, as the contract defines the card, but left out of the histogram and
  counted in ``negative``.
* **Where the leads of the period stand** (:func:`lead_cohort`): of the leads created in P, how
  many were won (at any time: the sales conversion rate's numerator), lost (and not won) and are
  still open (neither), so a low sales conversion of a recent period can be read as "not closed
  yet".
* **Landing pages of the leads** (:func:`lead_landing_pages`): per landing page of the leads table,
  the leads created in P, those of them won (at any time) and the sales conversion rate = won /
  created: a cohort measure, so a page's rate does not mix this period's wins of older leads.
* **Landing pages in the web analytics** (:func:`traffic_landing_pages`): sessions, lead-form
  submissions (traffic's ``leads``) and lead conversion rate = Σ leads / Σ sessions per page.
* **Origin channels** (:func:`channel_conversion`): the lead KPIs per channel of the lead.
* **Sales team** (:func:`sales_team`): per owner (sales rep), the lead KPIs and the value of the
  deals won in P.
* **NPS** (:func:`nps_summary`): promoters, passives, detractors, NPS and its margin of error,
  overall or per channel of the answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import narwhals as nw

from kpi.engine import NOTE, breakdown, evaluate_scope
from kpi.formats import FormatTag
from kpi.measures import GROUP, By, Scope, Settings, days_between, filter_exprs, measure_frame
from kpi.periods import Period
from kpi.registry import KPIS
from kpi.schema import MISSING_TABLE_REASON, SCHEMAS, TableName
from kpi.tables import EMPTY_VALUE, Tables

Filters = Mapping[str, Sequence[str]]

CARD_KPIS: tuple[str, ...] = (
    "leads",
    "mqls",
    "sqls",
    "won_deals",
    "sales_conversion_rate",
    "mql_to_sql_rate",
    "win_rate",
    "lead_time_days",
)
"""The page's cards when the data has a leads table."""
TRAFFIC_CARD_KPIS: tuple[str, ...] = ("leads", "lead_conversion_rate", "landing_page_conversion_rate")
"""The page's cards without a leads table: the web analytics' lead-form submissions."""
CHANNEL_KPIS: tuple[str, ...] = (
    "leads",
    "mqls",
    "sqls",
    "won_deals",
    "mql_to_sql_rate",
    "sales_conversion_rate",
    "win_rate",
    "lead_time_days",
)
TRAFFIC_CHANNEL_COLUMNS: tuple[str, ...] = ("sessions", "traffic_leads", "lead_conversion_rate")
LANDING_PAGE_COLUMNS: tuple[str, ...] = ("leads", "won", "sales_conversion_rate", "lead_share")
TRAFFIC_PAGE_COLUMNS: tuple[str, ...] = ("sessions", "traffic_leads", "lead_conversion_rate")
REP_COLUMNS: tuple[str, ...] = (
    "leads",
    "won_deals",
    "win_rate",
    "sales_conversion_rate",
    "lead_time_days",
    "deal_value",
    "avg_deal_value",
)
NPS_COLUMNS: tuple[str, ...] = (
    "nps",
    "nps_moe",
    "nps_responses",
    "promoters",
    "passives",
    "detractors",
    "promoter_share",
    "passive_share",
    "detractor_share",
)
THIN_ANSWERS = 30
"""Fewer NPS answers than this make a score too uncertain to compare: flagged as thin."""
Z95 = 1.96
"""The normal quantile of a two-sided 95% interval."""
BIN_WIDTHS: tuple[int, ...] = (1, 2, 7, 14, 30, 60, 90, 180, 365)
MAX_BINS = 40


@dataclass(frozen=True)
class Column:
    """How a column of the page's tables is labelled, formatted and explained."""

    id: str
    label: str
    format: FormatTag
    formula: str


EXTRA_COLUMNS: dict[str, Column] = {
    column.id: column
    for column in (
        Column("won", "Won (of these leads)", "count", "leads created in the period that were won (at any time)"),
        Column("lead_share", "Share of leads", "percent", "the group's leads / all leads created in the period"),
        Column(
            "traffic_leads",
            "Web leads",
            "count",
            "Σ traffic leads: lead-form submissions / new contacts in the web analytics",
        ),
        Column("deal_value", "Deal value", "currency", "Σ deal_value of the deals won in the period"),
        Column(
            "avg_deal_value",
            "Average deal value",
            "currency",
            "deal value / won deals of the period that have a deal_value",
        ),
        Column("promoters", "Promoters", "count", "answers scoring 9–10"),
        Column("passives", "Passives", "count", "answers scoring 7–8"),
        Column("detractors", "Detractors", "count", "answers scoring 0–6"),
        Column("promoter_share", "Promoters %", "percent", "promoters / answers"),
        Column("passive_share", "Passives %", "percent", "passives / answers"),
        Column("detractor_share", "Detractors %", "percent", "detractors / answers"),
        Column(
            "nps_moe",
            "± margin (95%)",
            "score",
            "1.96 × 100 × √((p + d − (p − d)²) / n), p = promoter share, d = detractor share, n = answers",
        ),
    )
}


def column(column_id: str) -> Column:
    """The label, format and formula of a column: a registry KPI's, or one of :data:`EXTRA_COLUMNS`.

    >>> column("win_rate").label, column("deal_value").format
    ('Win rate', 'currency')
    """
    if column_id in EXTRA_COLUMNS:
        return EXTRA_COLUMNS[column_id]
    kpi = KPIS[column_id]
    return Column(kpi.id, kpi.label, kpi.format, kpi.formula)


@dataclass(frozen=True)
class GroupTable:
    """Numbers per group (landing page, channel, sales rep): ``frame`` has ``group`` and one
    column per id of ``columns`` (null = unavailable for that group), or is ``None`` with the
    ``reason`` the whole table is unavailable. ``empty`` gives, per column with empty cells, the
    most common reason. ``source`` says which table the leads come from."""

    by: str
    columns: tuple[str, ...]
    frame: nw.DataFrame | None
    reason: str | None = None
    empty: tuple[tuple[str, str], ...] = ()
    source: TableName = "leads"

    @property
    def available(self) -> bool:
        """True when there is at least one group to show."""
        return self.rows > 0

    @property
    def unavailable_columns(self) -> tuple[str, ...]:
        """The columns empty in every group (the data cannot give them: no sql_at column…)."""
        if self.frame is None or len(self.frame) == 0:
            return ()
        return tuple(name for name in self.columns if self.frame.get_column(name).null_count() == len(self.frame))

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The columns with a value in at least one group."""
        return tuple(name for name in self.columns if name not in self.unavailable_columns)

    @property
    def rows(self) -> int:
        """How many groups there are (0 when unavailable)."""
        return 0 if self.frame is None else len(self.frame)


@dataclass(frozen=True)
class LeadTime:
    """Lead time of the leads won in the period (see the module docstring).

    ``won`` counts them all, ``median_days`` and ``mean_days`` are over all of them, ``negative``
    counts those won before they were created (``most_negative_days`` the lowest), and
    ``histogram`` (``from_days``, ``to_days``, ``leads``, ``share``: bins ``[from, to)`` of
    ``bin_days`` days, every bin from 0 to the longest, empty ones as 0) leaves them out.
    ``reason`` says why there is no histogram (``None`` when there is one); when every deal was won
    before its lead was created, the median and mean are still given."""

    won: int = 0
    median_days: float | None = None
    mean_days: float | None = None
    negative: int = 0
    most_negative_days: float | None = None
    bin_days: int = 1
    histogram: nw.DataFrame | None = None
    reason: str | None = None


# --- helpers -------------------------------------------------------------------------------


def only(tables: Tables, *names: TableName) -> Tables:
    """The data set reduced to the named tables (already prepared, nothing is recomputed)."""
    return Tables(currency=tables.currency, **{name: tables.get(name) for name in names})


def blocked(tables: Tables, table: TableName, filters: Filters | None, by: str | None = None) -> str | None:
    """Why ``table`` cannot answer: absent, or lacking a filtered column or the grouping column."""
    frame = tables.get(table)
    if frame is None:
        return MISSING_TABLE_REASON[table]
    for name, values in (filters or {}).items():
        if values and name not in frame.columns:
            return SCHEMAS[table].lacks(name)
    if by is not None and by not in frame.columns:
        return SCHEMAS[table].lacks(by)
    return None


def _in_period(expr: nw.Expr, period: Period) -> nw.Expr:
    return expr.is_between(nw.lit(period.start), nw.lit(period.end), closed="both").fill_null(value=False)


def _active(filters: Filters | None) -> dict[str, tuple[str, ...]]:
    return {name: tuple(values) for name, values in (filters or {}).items() if values}


def _kpis(
    sub: Tables,
    period: Period,
    filters: Filters | None,
    settings: Settings | None,
    *,
    by: By | None,
    kpis: Sequence[str],
    measures: Sequence[str] = (),
) -> tuple[nw.DataFrame, dict[str, str]]:
    """The KPIs per group from :func:`breakdown` (with their ``__note`` columns), joined with the
    measures named (their raw sums); the reasons of the measures that are unavailable."""
    settings = settings or Settings()
    if by is None:  # one row ``all``: what compute() gives for the period, as a frame
        frame = evaluate_scope(sub, Scope(period, _active(filters), None, settings), [KPIS[k] for k in kpis])
    else:
        frame = breakdown(sub, period, filters, settings, by=by, kpis=list(kpis)).frame
    reasons: dict[str, str] = {}
    if measures:
        table = measure_frame(sub, Scope(period, _active(filters), by, settings))
        present = [name for name in measures if name in table.frame.columns]
        frame = frame.join(table.frame.select(GROUP, *present), on=GROUP, how="left")
        for name in measures:
            if name not in present:
                reasons[name] = table.reason(name) or "unavailable"
                frame = frame.with_columns(nw.lit(None, nw.Float64()).alias(name))
    return frame, reasons


def _empty_reasons(
    frame: nw.DataFrame, columns: Sequence[str], known: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """Per column with empty cells, the most common ``__note`` of those cells (or the known reason)."""
    found: list[tuple[str, str]] = []
    for name in columns:
        empty = frame.filter(nw.col(name).is_null())
        if len(empty) == 0:
            continue
        note = f"{name}{NOTE}"
        if note in frame.columns:
            counted = (
                empty.filter(~nw.col(note).is_null())
                .group_by(note)
                .agg(nw.len().alias("_n"))
                .sort(["_n", note], descending=[True, False])
            )
            if len(counted):
                found.append((name, str(counted.item(0, note))))
                continue
        if name in known:
            found.append((name, known[name]))
    return tuple(found)


def _finish(
    frame: nw.DataFrame,
    *,
    by: str,
    columns: Sequence[str],
    known: Mapping[str, str] | None = None,
    source: TableName = "leads",
) -> GroupTable:
    """Keep ``group`` and the columns (as floats), with the reasons of empty cells."""
    empty = _empty_reasons(frame, columns, known or {})
    kept = frame.select(
        nw.col(GROUP).cast(nw.String()), *(nw.col(name).cast(nw.Float64()).alias(name) for name in columns)
    )
    return GroupTable(by=by, columns=tuple(columns), frame=kept, empty=empty, source=source)


def _active_rows(*names: str) -> nw.Expr:
    """True for a group with any activity: one of the counts above 0."""
    expr = nw.lit(value=False)
    for name in names:
        expr = expr | (nw.col(name).fill_null(0) > 0)
    return expr


# --- lead time -----------------------------------------------------------------------------


def bin_width(longest_days: float, *, max_bins: int = MAX_BINS) -> int:
    """The narrowest of :data:`BIN_WIDTHS` (1, 2, 7, 14, 30… days) that covers 0 … ``longest_days``
    in at most ``max_bins`` bins ``[k·w, (k+1)·w)``.

    >>> bin_width(12.5), bin_width(45), bin_width(427.6), bin_width(5000)
    (1, 2, 14, 180)
    """
    for width in BIN_WIDTHS:
        if math.floor(longest_days / width) + 1 <= max_bins:
            return width
    return math.ceil(longest_days / (max_bins - 1))


def default_bins(deals: int) -> int:
    """How many bars a histogram of ``deals`` values can fill: 2 √n (a common rule of thumb), at
    least 8 and at most :data:`MAX_BINS`.

    >>> default_bins(13), default_bins(47), default_bins(842)
    (8, 14, 40)
    """
    return min(MAX_BINS, max(8, math.ceil(2 * math.sqrt(max(deals, 0)))))


def lead_time_distribution(
    tables: Tables,
    period: Period,
    filters: Filters | None = None,
    *,
    bin_days: int | None = None,
    max_bins: int | None = None,
) -> LeadTime:
    """Days from creation to win of the leads won in ``period`` (``won_at`` in it), after the
    filters: ``days = (won_at − created_at)`` in seconds / 86,400.

    ``median_days`` is the registry's ``lead_time_days`` (median over every lead won in the
    period, negatives included, as the contract defines it); ``mean_days`` is over the same leads.
    The histogram leaves out negative durations (won before created) and counts them in
    ``negative``; its bins are ``bin_days`` wide (default: :func:`bin_width` with at most
    ``max_bins`` bins, by default :func:`default_bins` of the number of leads in the histogram).

    >>> from datetime import date, datetime
    >>> import polars as pl
    >>> leads = pl.DataFrame({
    ...     "lead_id": ["a", "b", "c"],
    ...     "created_at": [datetime(2024, 1, 1), datetime(2024, 1, 1), datetime(2024, 1, 5)],
    ...     "won_at": [datetime(2024, 1, 4), datetime(2024, 1, 11), datetime(2024, 1, 4)],
    ... })
    >>> result = lead_time_distribution(Tables.from_frames(leads=leads), Period(date(2024, 1, 1), date(2024, 1, 31)))
    >>> result.won, result.median_days, result.negative, result.bin_days, result.histogram["leads"].to_list()
    (3, 3.0, 1, 2, [0, 1, 0, 0, 0, 1])
    """
    reason = blocked(tables, "leads", filters)
    leads = tables.leads
    if reason is None and leads is not None and "won_at" not in leads.columns:
        reason = SCHEMAS["leads"].lacks("won_at")
    if reason is not None or leads is None:
        return LeadTime(reason=reason)
    won = leads.filter(_in_period(nw.col("won_at").dt.date(), period), *filter_exprs(_active(filters))).select(
        days_between(nw.col("created_at"), nw.col("won_at")).alias("days")
    )
    if len(won) == 0:
        return LeadTime(reason="no deals won in the period")
    stats = won.select(
        nw.col("days").median().alias("median"),
        nw.col("days").mean().alias("mean"),
        (nw.col("days") < 0).sum().alias("negative"),
        nw.col("days").min().alias("lowest"),
        nw.col("days").max().alias("longest"),
    ).row(0)
    median, mean, negative, lowest, longest = stats
    kept = won.filter(nw.col("days") >= 0)
    if len(kept) == 0:
        return LeadTime(
            won=len(won),
            median_days=float(median),
            mean_days=float(mean),
            negative=int(negative),
            most_negative_days=float(lowest),
            reason="every deal won in the period was won before its lead was created",
        )
    width = bin_days or bin_width(float(longest), max_bins=max_bins or default_bins(len(kept)))
    bins = math.floor(float(longest) / width) + 1
    counted = (
        kept.with_columns((nw.col("days") / width).floor().cast(nw.Int64()).alias("bin"))
        .group_by("bin")
        .agg(nw.len().alias("leads"))
    )
    every = nw.from_dict({"bin": list(range(bins))}, schema={"bin": nw.Int64()}, backend=nw.get_native_namespace(leads))
    histogram = (
        every.join(counted, on="bin", how="left")
        .with_columns(nw.col("leads").fill_null(0).cast(nw.Int64()))
        .sort("bin")
        .select(
            (nw.col("bin") * width).alias("from_days"),
            ((nw.col("bin") + 1) * width).alias("to_days"),
            nw.col("leads"),
            (nw.col("leads") / max(len(kept), 1)).alias("share"),
        )
    )
    return LeadTime(
        won=len(won),
        median_days=float(median),
        mean_days=float(mean),
        negative=int(negative),
        most_negative_days=float(lowest) if negative else None,
        bin_days=width,
        histogram=histogram,
    )


@dataclass(frozen=True)
class LeadCohort:
    """The leads created in the period (``created``) and where they stand at the end of the data:
    ``won`` (a won_at at any time), ``lost`` (a lost_at and no won_at; ``None`` without a
    lost_at column) and ``still_open`` = created − won − lost (``None`` without a lost_at
    column). ``reason`` says why there is nothing to show."""

    created: int = 0
    won: int = 0
    lost: int | None = None
    still_open: int | None = None
    reason: str | None = None


def lead_cohort(tables: Tables, period: Period, filters: Filters | None = None) -> LeadCohort:
    """Of the leads created in ``period`` (after the filters): ``won`` = those with a won_at (at
    any time, so won / created is the registry's sales conversion rate), ``lost`` = those with a
    lost_at and no won_at, ``still_open`` = created − won − lost.

    >>> from datetime import date, datetime
    >>> import polars as pl
    >>> leads = pl.DataFrame({
    ...     "lead_id": ["a", "b", "c", "d"],
    ...     "created_at": [datetime(2024, 1, 2)] * 3 + [datetime(2023, 12, 1)],
    ...     "won_at": [datetime(2024, 3, 1), None, None, datetime(2024, 1, 5)],
    ...     "lost_at": [None, datetime(2024, 1, 9), None, None],
    ... })
    >>> lead_cohort(Tables.from_frames(leads=leads), Period(date(2024, 1, 1), date(2024, 1, 31)))
    LeadCohort(created=3, won=1, lost=1, still_open=1, reason=None)
    """
    reason = blocked(tables, "leads", filters)
    leads = tables.leads
    if reason is None and leads is not None and "won_at" not in leads.columns:
        reason = SCHEMAS["leads"].lacks("won_at")
    if reason is not None or leads is None:
        return LeadCohort(reason=reason)
    has_lost = "lost_at" in leads.columns
    won = ~nw.col("won_at").is_null()
    lost = (~nw.col("lost_at").is_null() & ~won) if has_lost else won & ~won  # all False without lost_at
    created, won_count, lost_count = (
        leads.filter(_in_period(nw.col("created_at").dt.date(), period), *filter_exprs(_active(filters)))
        .select(nw.len().alias("created"), won.sum().alias("won"), lost.sum().alias("lost"))
        .row(0)
    )
    if not created:
        return LeadCohort(reason="no leads created in the period")
    if not has_lost:
        return LeadCohort(created=int(created), won=int(won_count))
    return LeadCohort(
        created=int(created),
        won=int(won_count),
        lost=int(lost_count),
        still_open=int(created) - int(won_count) - int(lost_count),
    )


# --- where leads come from -----------------------------------------------------------------


def lead_landing_pages(
    tables: Tables, period: Period, filters: Filters | None = None, settings: Settings | None = None
) -> GroupTable:
    """Per landing page of the leads table: ``leads`` created in the period, ``won`` = those of
    them won at any time (``created_won``), ``sales_conversion_rate`` = won / leads (the
    registry's, a cohort measure), and ``lead_share`` = the page's leads / all leads. Pages with no
    lead created in the period are left out; the rest are sorted by leads, most first. A lead
    without a landing page is ``(not set)``."""
    reason = blocked(tables, "leads", filters, "landing_page")
    if reason:
        return GroupTable(by="landing_page", columns=LANDING_PAGE_COLUMNS, frame=None, reason=reason)
    frame, known = _kpis(
        only(tables, "leads"),
        period,
        filters,
        settings,
        by="landing_page",
        kpis=["leads", "sales_conversion_rate"],
        measures=["created_won"],
    )
    frame = frame.filter(nw.col("leads").fill_null(0) > 0)
    total = frame.select(nw.col("leads").sum()).item() if len(frame) else 0
    frame = frame.with_columns(
        nw.col("created_won").alias("won"), (nw.col("leads") / max(float(total or 0), 1.0)).alias("lead_share")
    ).sort(["leads", GROUP], descending=[True, False])
    return _finish(frame, by="landing_page", columns=LANDING_PAGE_COLUMNS, known={"won": known.get("created_won", "")})


def top_landing_pages(pages: GroupTable, *, top: int = 10) -> GroupTable:
    """The ``top`` pages by leads and one row ``Other (k pages)`` folding the rest: its leads, won
    and share are sums, its sales conversion Σ won / Σ leads (a ratio of sums).

    >>> import polars as pl
    >>> frame = nw.from_native(pl.DataFrame({
    ...     "group": ["/a", "/b", "/c"], "leads": [6.0, 3.0, 1.0], "won": [3.0, 0.0, 1.0],
    ...     "sales_conversion_rate": [0.5, 0.0, 1.0], "lead_share": [0.6, 0.3, 0.1]}))
    >>> folded = top_landing_pages(GroupTable("landing_page", LANDING_PAGE_COLUMNS, frame), top=1)
    >>> folded.frame.rows()
    [('/a', 6.0, 3.0, 0.5, 0.6), ('Other (2 pages)', 4.0, 1.0, 0.25, 0.4)]
    """
    if pages.frame is None or len(pages.frame) <= top + 1:
        return pages
    head, rest = pages.frame.head(top), pages.frame.tail(len(pages.frame) - top)
    other = rest.select(
        nw.lit(f"Other ({len(rest)} pages)").alias(GROUP),
        nw.col("leads").sum(),
        nw.col("won").sum(),
        nw.col("lead_share").sum(),
    ).with_columns(
        nw.when(nw.col("leads") > 0).then(nw.col("won") / nw.col("leads")).alias("sales_conversion_rate"),
    )
    return GroupTable(
        by=pages.by,
        columns=pages.columns,
        frame=nw.concat([head, other.select(head.columns)]),
        empty=pages.empty,
        source=pages.source,
    )


def traffic_landing_pages(
    tables: Tables, period: Period, filters: Filters | None = None, settings: Settings | None = None
) -> GroupTable:
    """Per landing page of the web analytics: ``sessions``, ``traffic_leads`` (Σ traffic leads)
    and ``lead_conversion_rate`` = Σ leads / Σ sessions (the registry's). The home page (``/``)
    and rows without a landing page are listed too; the *landing page conversion rate* card
    leaves them out. Pages without sessions in the period are left out; sorted by web leads."""
    reason = blocked(tables, "traffic", filters, "landing_page")
    traffic = tables.traffic
    if reason is None and traffic is not None and "leads" not in traffic.columns:
        reason = SCHEMAS["traffic"].lacks("leads")
    if reason:
        return GroupTable(by="landing_page", columns=TRAFFIC_PAGE_COLUMNS, frame=None, reason=reason, source="traffic")
    return _web_leads(tables, period, filters, settings, by="landing_page", columns=TRAFFIC_PAGE_COLUMNS)


def _web_leads(
    tables: Tables,
    period: Period,
    filters: Filters | None,
    settings: Settings | None,
    *,
    by: By,
    columns: Sequence[str],
) -> GroupTable:
    """Per group of ``by``: the web analytics' ``sessions``, ``traffic_leads`` (Σ traffic leads)
    and ``lead_conversion_rate``; groups without sessions in the period left out; most leads first."""
    frame, _ = _kpis(
        only(tables, "traffic"), period, filters, settings, by=by, kpis=["sessions", "leads", "lead_conversion_rate"]
    )
    frame = (
        frame.filter(nw.col("sessions").fill_null(0) > 0)
        .rename({"leads": "traffic_leads", f"leads{NOTE}": f"traffic_leads{NOTE}"})
        .sort(["traffic_leads", "sessions", GROUP], descending=[True, True, False])
    )
    return _finish(frame, by=by, columns=columns, source="traffic")


def channel_conversion(
    tables: Tables, period: Period, filters: Filters | None = None, settings: Settings | None = None
) -> GroupTable:
    """Per origin channel of the lead: the registry's leads, MQLs, SQLs, won deals, MQL → SQL
    rate, sales conversion rate, win rate and lead time (median), from :func:`breakdown`. Channels
    with no lead created, won or lost in the period are left out; sorted by leads.

    Without a leads table, the web analytics' lead-form submissions per channel instead
    (``sessions``, ``traffic_leads``, ``lead_conversion_rate``; ``source`` = ``traffic``), as the
    ``leads`` card falls back to them."""
    if tables.leads is None:
        reason = blocked(tables, "traffic", filters, "channel")
        traffic = tables.traffic
        if reason is None and traffic is not None and "leads" not in traffic.columns:
            reason = f"{MISSING_TABLE_REASON['leads']}, and {SCHEMAS['traffic'].lacks('leads')}"
        elif reason == MISSING_TABLE_REASON["traffic"]:
            reason = MISSING_TABLE_REASON["leads"]
        if reason:
            return GroupTable(by="channel", columns=TRAFFIC_CHANNEL_COLUMNS, frame=None, reason=reason)
        return _web_leads(tables, period, filters, settings, by="channel", columns=TRAFFIC_CHANNEL_COLUMNS)
    reason = blocked(tables, "leads", filters, "channel")
    if reason:
        return GroupTable(by="channel", columns=CHANNEL_KPIS, frame=None, reason=reason)
    frame, _ = _kpis(only(tables, "leads"), period, filters, settings, by="channel", kpis=CHANNEL_KPIS)
    frame = frame.filter(_active_rows("leads", "won_deals") | ~nw.col("win_rate").is_null()).sort(
        ["leads", GROUP], descending=[True, False]
    )
    return _finish(frame, by="channel", columns=CHANNEL_KPIS)


# --- sales team ----------------------------------------------------------------------------


def deal_values(tables: Tables, period: Period, filters: Filters | None = None) -> nw.DataFrame | None:
    """Per owner (``group``; no owner = ``(not set)``): ``deal_value`` = Σ deal_value of the leads
    won in the period (``won_at`` in it) after the filters, null when none of them has a value,
    and ``valued_deals`` = how many of them have one. ``None`` when the leads have no owner,
    won_at or deal_value column (or a filtered column).

    >>> from datetime import date, datetime
    >>> import polars as pl
    >>> leads = pl.DataFrame({
    ...     "lead_id": ["a", "b", "c"], "created_at": [datetime(2024, 1, 1)] * 3,
    ...     "won_at": [datetime(2024, 1, 3), datetime(2024, 1, 9), None],
    ...     "deal_value": [100.0, 50.0, 999.0], "owner": ["Ann", "Ann", "Bo"]})
    >>> deal_values(Tables.from_frames(leads=leads), Period(date(2024, 1, 1), date(2024, 1, 31))).rows()
    [('Ann', 150.0, 2)]
    """
    leads = tables.leads
    if blocked(tables, "leads", filters, "owner") or leads is None:
        return None
    if "won_at" not in leads.columns or "deal_value" not in leads.columns:
        return None
    won = leads.filter(_in_period(nw.col("won_at").dt.date(), period), *filter_exprs(_active(filters)))
    return (
        won.with_columns(nw.col("owner").fill_null(EMPTY_VALUE).alias(GROUP))
        .group_by(GROUP)
        .agg(nw.col("deal_value").sum().alias("_sum"), nw.col("deal_value").count().alias("valued_deals"))
        .select(
            GROUP,
            nw.when(nw.col("valued_deals") > 0).then(nw.col("_sum").cast(nw.Float64())).alias("deal_value"),
            nw.col("valued_deals").cast(nw.Int64()),
        )
        .sort(GROUP)
    )


def sales_team(
    tables: Tables, period: Period, filters: Filters | None = None, settings: Settings | None = None
) -> GroupTable:
    """Per sales rep (the leads' ``owner``): the registry's leads (created in the period), won
    deals (won in it), win rate, sales conversion rate and lead time (median), from
    ``breakdown(by="owner")``; ``deal_value`` = Σ deal_value of the deals won in the period
    (:func:`deal_values`) and ``avg_deal_value`` = deal value / won deals that have a value. Leads
    without an owner are ``(not set)``. Reps with no lead created, won or lost in the period are
    left out; sorted by won deals, then leads."""
    reason = blocked(tables, "leads", filters, "owner")
    if reason:
        return GroupTable(by="owner", columns=REP_COLUMNS, frame=None, reason=reason)
    kpi_ids = ["leads", "won_deals", "win_rate", "sales_conversion_rate", "lead_time_days"]
    frame, _ = _kpis(only(tables, "leads"), period, filters, settings, by="owner", kpis=kpi_ids)
    values = deal_values(tables, period, filters)
    known: dict[str, str] = {}
    leads = tables.leads
    assert leads is not None
    if values is None:
        missing = "won_at" if "won_at" not in leads.columns else "deal_value"
        known = dict.fromkeys(("deal_value", "avg_deal_value"), SCHEMAS["leads"].lacks(missing))
        frame = frame.with_columns(
            nw.lit(None, nw.Float64()).alias("deal_value"), nw.lit(None, nw.Float64()).alias("avg_deal_value")
        )
    else:
        known = dict.fromkeys(("deal_value", "avg_deal_value"), "no won deal with a deal value in the period")
        frame = frame.join(values, on=GROUP, how="left").with_columns(
            nw.when(nw.col("valued_deals").fill_null(0) > 0)
            .then(nw.col("deal_value") / nw.col("valued_deals"))
            .alias("avg_deal_value")
        )
    frame = frame.filter(_active_rows("leads", "won_deals") | ~nw.col("win_rate").is_null()).sort(
        ["won_deals", "leads", GROUP], descending=[True, True, False], nulls_last=True
    )
    return _finish(frame, by="owner", columns=REP_COLUMNS, known=known)


# --- NPS -----------------------------------------------------------------------------------


def nps_margin_of_error(promoters: int, detractors: int, answers: int) -> float | None:
    """The 95% margin of error of an NPS, in points. With p = promoters / n, d = detractors / n
    and n answers, NPS = 100 (p − d); each answer scores x ∈ {+1, 0, −1} (promoter, passive,
    detractor), whose variance is E[x²] − E[x]² = p + d − (p − d)², so

        MoE = 1.96 × 100 × √((p + d − (p − d)²) / n).

    Example: 10 answers, 5 promoters, 3 passives, 2 detractors: p = 0.5, d = 0.2, NPS = 30;
    variance = 0.5 + 0.2 − 0.3² = 0.61; MoE = 196 × √0.061 = 196 × 0.24698 = 48.41 points.

    >>> round(nps_margin_of_error(5, 2, 10), 2), nps_margin_of_error(0, 0, 0)
    (48.41, None)
    """
    if answers <= 0:
        return None
    p, d = promoters / answers, detractors / answers
    return Z95 * 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / answers)


def _moe_expr() -> nw.Expr:
    """:func:`nps_margin_of_error` as a column expression over promoters, detractors, answers."""
    n = nw.col("nps_responses").cast(nw.Float64())
    p, d = nw.col("promoters") / n, nw.col("detractors") / n
    variance = (p + d - (p - d) * (p - d)).clip(lower_bound=0.0)
    return nw.when(n > 0).then((variance / n).sqrt() * (Z95 * 100))


def nps_summary(
    tables: Tables,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
    *,
    by: By | None = None,
) -> GroupTable:
    """NPS answers in the period (after the filters), overall (``by=None``: one row ``all``) or
    per ``by`` of the answer (channel): ``nps_responses`` (n), ``promoters`` (score 9–10),
    ``passives`` (7–8), ``detractors`` (0–6), their shares of n, ``nps`` = 100 (p − d) (the
    registry's, from :func:`breakdown`) and ``nps_moe`` (:func:`nps_margin_of_error`). Groups
    without answers are left out; sorted by answers. The frame's boolean ``thin`` flags fewer
    than :data:`THIN_ANSWERS` answers (:func:`is_thin`): too few to compare."""
    reason = blocked(tables, "nps", filters, by)
    if reason:
        return GroupTable(by=by or "all", columns=NPS_COLUMNS, frame=None, reason=reason, source="nps")
    frame, _ = _kpis(
        only(tables, "nps"),
        period,
        filters,
        settings,
        by=by,
        kpis=["nps", "nps_responses"],
        measures=["promoters", "detractors"],
    )
    frame = frame.filter(nw.col("nps_responses").fill_null(0) > 0)
    if len(frame) == 0:
        return GroupTable(
            by=by or "all", columns=NPS_COLUMNS, frame=None, reason="no NPS answers in the period", source="nps"
        )
    n = nw.col("nps_responses").cast(nw.Float64())
    frame = (
        frame.with_columns((nw.col("nps_responses") - nw.col("promoters") - nw.col("detractors")).alias("passives"))
        .with_columns(
            (nw.col("promoters") / n).alias("promoter_share"),
            (nw.col("passives") / n).alias("passive_share"),
            (nw.col("detractors") / n).alias("detractor_share"),
            _moe_expr().alias("nps_moe"),
        )
        .sort(["nps_responses", GROUP], descending=[True, False])
    )
    finished = _finish(frame, by=by or "all", columns=NPS_COLUMNS, source="nps")
    assert finished.frame is not None
    thin = finished.frame.with_columns((nw.col("nps_responses") < THIN_ANSWERS).alias("thin"))
    return GroupTable(finished.by, finished.columns, thin, empty=finished.empty, source="nps")


def is_thin(answers: float | None) -> bool:
    """True when an NPS rests on fewer than :data:`THIN_ANSWERS` answers.

    >>> is_thin(29), is_thin(30), is_thin(None)
    (True, False, True)
    """
    return answers is None or answers < THIN_ANSWERS


# --- everything the page shows -------------------------------------------------------------


@dataclass(frozen=True)
class LeadsPage:
    """Every section of the page but the cards (which come from :func:`kpi.engine.compute`)."""

    has_leads: bool
    cohort: LeadCohort
    lead_time: LeadTime
    landing_pages: GroupTable
    traffic_pages: GroupTable
    channels: GroupTable
    team: GroupTable
    nps: GroupTable
    nps_by_channel: GroupTable


def leads_page(
    tables: Tables, period: Period, filters: Filters | None = None, settings: Settings | None = None
) -> LeadsPage:
    """All the tables of the *Leads and sales team* page for one period, filters and settings."""
    return LeadsPage(
        has_leads=tables.leads is not None,
        cohort=lead_cohort(tables, period, filters),
        lead_time=lead_time_distribution(tables, period, filters),
        landing_pages=lead_landing_pages(tables, period, filters, settings),
        traffic_pages=traffic_landing_pages(tables, period, filters, settings),
        channels=channel_conversion(tables, period, filters, settings),
        team=sales_team(tables, period, filters, settings),
        nps=nps_summary(tables, period, filters, settings),
        nps_by_channel=nps_summary(tables, period, filters, settings, by="channel"),
    )


__all__ = [
    "CARD_KPIS",
    "THIN_ANSWERS",
    "TRAFFIC_CARD_KPIS",
    "Column",
    "GroupTable",
    "LeadCohort",
    "LeadTime",
    "LeadsPage",
    "bin_width",
    "channel_conversion",
    "column",
    "deal_values",
    "is_thin",
    "lead_cohort",
    "lead_landing_pages",
    "lead_time_distribution",
    "leads_page",
    "nps_margin_of_error",
    "nps_summary",
    "sales_team",
    "top_landing_pages",
    "traffic_landing_pages",
]
