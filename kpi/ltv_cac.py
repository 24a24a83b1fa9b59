"""LTV vs CAC per acquisition channel, and the payback month of cohort curves (narwhals).

The per-channel figures are read from :func:`kpi.engine.breakdown` by channel, so they are the
same numbers as the cards and ``python -m kpi report --by channel``; this module only says which
channels a CAC-vs-LTV scatter can place, and why the others cannot be placed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw

from kpi.cohorts import CurveBy, LtvCurves, cohort_window, ltv_curves
from kpi.engine import NOTE, Breakdown, breakdown, evaluate_scope
from kpi.measures import GROUP, Scope, Settings
from kpi.periods import Period
from kpi.registry import KPIS
from kpi.tables import Tables

ECONOMICS_KPIS: tuple[str, ...] = ("new_customers", "spend", "cac", "ltv", "ltv_cac_ratio", "cac_payback_months")
"""The KPIs of a channel's acquisition economics, as the registry defines them."""
NO_COST = "CAC is 0: no spend is attributed to these channels"
NO_NEW_CUSTOMERS = "spend but no new customers in the period"


@dataclass(frozen=True)
class ChannelEconomics:
    """One row per acquisition channel with new customers or spend in the period: ``channel``,
    each KPI of :data:`ECONOMICS_KPIS` with its ``{id}__note``, and ``reason``: null when the
    channel can be placed on a CAC-vs-LTV chart (CAC > 0 and LTV known), else why not."""

    frame: nw.DataFrame

    def plotted(self) -> nw.DataFrame:
        """The channels with a positive CAC and an LTV."""
        return self.frame.filter(nw.col("reason").is_null())

    def left_out(self) -> nw.DataFrame:
        """The channels that cannot be placed, with the reason."""
        return self.frame.filter(~nw.col("reason").is_null())

    def main_reason(self) -> str | None:
        """The most common reason a channel is left out (ties: the first in channel order)."""
        reasons = self.left_out().get_column("reason").to_list()
        return max(reasons, key=reasons.count) if reasons else None


def channel_economics(data: Breakdown) -> ChannelEconomics:
    """The channels of a breakdown by channel that acquired customers or spent money, with the
    reason each one cannot be placed on the scatter: CAC unavailable (its note: no spend data, no
    new customers, a fixed sales cost cannot be split by channel), CAC 0 (no spend attributed to
    the channel: organic, direct, referral), or LTV unavailable.

    >>> from datetime import date, datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b"], "customer_id": ["x", "y"],
    ...     "ordered_at": [datetime(2024, 1, 5), datetime(2024, 1, 6)], "revenue": [90.0, 40.0],
    ...     "channel": ["Paid Search", "Direct"]})
    >>> spend = pl.DataFrame({"date": [date(2024, 1, 5)], "spend": [30.0], "channel": ["Paid Search"]})
    >>> tables = Tables.from_frames(orders=orders, spend=spend)
    >>> economics = channel_economics_for(tables, period=Period(date(2024, 1, 1), date(2024, 1, 31)))
    >>> economics.frame.to_native().select("channel", "cac", "ltv", "ltv_cac_ratio").rows()
    [('Direct', 0.0, 40.0, None), ('Paid Search', 30.0, 90.0, 3.0)]
    >>> economics.left_out().get_column("reason").to_list() == [NO_COST]
    True
    """
    columns = [name for kpi_id in ECONOMICS_KPIS for name in (kpi_id, f"{kpi_id}{NOTE}")]
    frame = data.frame.select(nw.col(GROUP).cast(nw.String()).alias("channel"), *columns)
    new, spent = nw.col("new_customers").fill_null(0), nw.col("spend").fill_null(0)
    cac, ltv = nw.col("cac"), nw.col("ltv")
    reason = (
        nw.when((new == 0) & (spent > 0))
        .then(nw.lit(NO_NEW_CUSTOMERS))
        .when(cac.is_null())
        .then(nw.col(f"cac{NOTE}"))
        .when(cac <= 0)
        .then(nw.lit(NO_COST))
        .when(ltv.is_null())
        .then(nw.col(f"ltv{NOTE}"))
    )
    kept = frame.filter((new > 0) | (spent > 0)).with_columns(reason.cast(nw.String()).alias("reason"))
    return ChannelEconomics(kept.sort("channel"))


def channel_economics_for(
    tables: Tables,
    *,
    period: Period,
    filters: Mapping[str, Sequence[str]] | None = None,
    settings: Settings | None = None,
) -> ChannelEconomics:
    """:func:`channel_economics` of ``breakdown(..., by="channel")`` over :data:`ECONOMICS_KPIS`."""
    return channel_economics(breakdown(tables, period, filters, settings, by="channel", kpis=list(ECONOMICS_KPIS)))


def payback(curves: nw.DataFrame, costs: Mapping[Any, float | None]) -> nw.DataFrame:
    """Per group of ``curves`` (``group``, ``month``, ``value``, as :func:`kpi.cohorts.ltv_curves`
    gives): its ``cost`` (from ``costs``; null when absent) and ``payback``, the first month k
    whose value reaches the cost, as k + 1 months (1 = within the month of the first order, as the
    ``cac_payback_months`` KPI counts), null when the cost is unknown, 0 (nothing to pay back) or not
    reached in the months the data covers; ``value_at_payback`` is the curve's value there.

    >>> import polars as pl
    >>> curves = nw.from_native(
    ...     pl.DataFrame({"group": ["a", "a", "a", "b"], "month": [0, 1, 2, 0], "value": [10.0, 25.0, 40.0, 5.0]})
    ... )
    >>> payback(curves, {"a": 20.0, "b": 50.0}).to_native().rows()
    [('a', 20.0, 2, 25.0), ('b', 50.0, None, None)]
    >>> payback(curves, {"a": 0.0, "b": None}).to_native().rows()
    [('a', 0.0, None, None), ('b', None, None, None)]
    """
    groups = curves.select(GROUP).unique().sort(GROUP)
    cost_frame = nw.from_dict(
        {GROUP: list(costs), "cost": [None if cost is None else float(cost) for cost in costs.values()]},
        schema={GROUP: curves.schema[GROUP], "cost": nw.Float64()},
        backend=nw.get_native_namespace(curves),
    )
    with_cost = groups.join(cost_frame, on=GROUP, how="left")
    first = (
        curves.join(with_cost, on=GROUP)
        .filter((nw.col("cost") > 0) & (nw.col("value") >= nw.col("cost")))
        .group_by(GROUP)
        .agg(nw.col("month").min())
    )
    reached = first.join(curves.select(GROUP, "month", "value"), on=[GROUP, "month"]).select(
        GROUP, (nw.col("month") + 1).cast(nw.Int64()).alias("payback"), nw.col("value").alias("value_at_payback")
    )
    return with_cost.join(reached, on=GROUP, how="left").sort(GROUP)


def curve_paybacks(
    curves: LtvCurves, *, blended_cac: float | None, economics: ChannelEconomics | None
) -> nw.DataFrame | None:
    """:func:`payback` of each line of ``curves`` against its CAC: the blended CAC for every
    monthly cohort, each channel's own CAC (from ``economics``) for channel lines; ``None``
    without curves."""
    if curves.frame is None:
        return None
    groups = curves.frame.get_column(GROUP).unique().to_list()
    if curves.by == "channel" and economics is not None:
        channels = economics.frame.get_column("channel").to_list()
        known = dict(zip(channels, economics.frame.get_column("cac").to_list(), strict=True))
        costs = {group: known.get(group) for group in groups}
    elif curves.by == "channel":
        costs = dict.fromkeys(groups)
    else:
        costs = dict.fromkeys(groups, blended_cac)
    return payback(curves.frame, costs)


@dataclass(frozen=True)
class CohortPayback:
    """The LTV curves of the customers acquired in ``window`` (:func:`kpi.cohorts.cohort_window`
    of the period), the CACs they are compared with over the same window, and each line's payback."""

    window: Period
    curves: LtvCurves
    blended_cac: float | None
    blended_note: str | None
    economics: ChannelEconomics | None
    paybacks: nw.DataFrame | None


def cohort_payback(
    tables: Tables,
    *,
    period: Period,
    filters: Mapping[str, Sequence[str]] | None = None,
    settings: Settings | None = None,
    by: CurveBy = "cohort",
) -> CohortPayback:
    """LTV curves per acquisition month or channel over the cohort window W of ``period`` (whole
    months, at least 12), with their payback: blended CAC over W = cost over W / new customers in W
    for every monthly cohort; each channel's own CAC over W for channel lines.

    >>> from datetime import date, datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b", "c"], "customer_id": ["x", "x", "y"],
    ...     "ordered_at": [datetime(2024, 1, 5), datetime(2024, 2, 6), datetime(2024, 3, 10)],
    ...     "revenue": [10.0, 30.0, 5.0]})
    >>> spend = pl.DataFrame({"date": [date(2024, 1, 5)], "spend": [25.0]})
    >>> result = cohort_payback(Tables.from_frames(orders=orders, spend=spend),
    ...     period=Period(date(2024, 3, 1), date(2024, 3, 31)))
    >>> result.window, result.blended_cac
    (Period(start=datetime.date(2023, 4, 1), end=datetime.date(2024, 3, 31)), 12.5)
    >>> result.paybacks.to_native().select("group", "cost", "payback").rows()
    [(datetime.date(2024, 1, 1), 12.5, 2)]
    """
    settings = settings or Settings()
    window = cohort_window(period)
    curves = ltv_curves(tables, period=window, filters=filters, settings=settings, by=by)
    scope = Scope(window, filters=dict(filters or {}), settings=settings)
    blended = evaluate_scope(tables, scope, [KPIS["cac"]])
    cac, note = blended.get_column("cac").to_list()[0], blended.get_column(f"cac{NOTE}").to_list()[0]
    economics = (
        channel_economics_for(tables, period=window, filters=filters, settings=settings) if by == "channel" else None
    )
    paybacks = curve_paybacks(curves, blended_cac=cac, economics=economics)
    return CohortPayback(window, curves, cac, note, economics, paybacks)
