"""Funnels: the e-commerce funnel and the lead funnel, for a period, per group and per week (narwhals).

**E-commerce funnel** (the traffic table, period and filters applied): sessions → add to cart →
checkout → purchase, each step the Σ of its traffic column (``sessions``, ``add_to_cart_sessions``,
``checkout_sessions``, ``purchase_sessions``: sessions that reached the step).

**Lead funnel**: sessions (Σ traffic.sessions) → leads (the ``leads`` measure: leads created in the
period; without a leads table, Σ traffic.leads) → MQL → SQL → won. From leads on it is a *cohort*
funnel: of the leads created in the period, those that reached MQL, SQL or won **at any time** in
the data (so every step is a subset of the one before, unlike the MQL and SQL cards, which count
the stage events that happened in the period). A lead counts at a stage when it has that stage's
date or a later stage's date (a lead won without an ``sql_at`` passed SQL); the step's note says
how many leads were counted that way.

Every step of every funnel:

* ``count`` — the step's count, ``None`` when unavailable (its table or column is missing, or a
  filter or grouping column is missing from its table) with the reason in ``note``, never 0;
* ``of_first`` = count / count of the first available step (normally sessions);
* ``of_previous`` = count / count of the previous available step (a step that is unavailable is
  skipped: purchase is compared with add to cart when checkout is missing; ``previous`` names the
  step compared with);
* ``drop_off`` = 1 − of_previous, ``lost`` = previous count − count.

A share whose denominator is 0 is ``None`` with the reason ("no add-to-cart sessions in period").

**Biggest drop**: the step with the largest drop-off *rate* (1 − of_previous), not the largest
count lost: the count lost is nearly always largest at the top of a funnel, where the counts are
largest, while rates compare steps of any size. Ties go to the earlier step; no step is flagged
when nothing is lost.

Groups (``by``) and weeks come from :func:`kpi.measures.measure_frame`, so filters, dimensions and
time grains mean what they mean for every KPI; by week, each week (Monday first, the first and last
cut to the period) is its own period, and the lead cohort of a week is the leads created in it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Literal

import narwhals as nw

from kpi.measures import (
    GROUP,
    TIME_GRAINS,
    By,
    MeasureTable,
    Scope,
    Settings,
    days_between,
    filter_exprs,
    group_expr,
    measure_frame,
)
from kpi.periods import Period
from kpi.schema import MISSING_TABLE_REASON, SCHEMAS
from kpi.tables import Tables

FunnelKind = Literal["ecommerce", "leads"]
SKIPPED = "__skipped"
"""Suffix of the count of leads placed at a stage by a later stage's date."""


@dataclass(frozen=True)
class StepSpec:
    """One step of a funnel: the count's name (a measure, or a lead stage), its label, and what
    its units are called in a sentence ("add-to-cart sessions")."""

    name: str
    label: str
    noun: str


STEPS: dict[FunnelKind, tuple[StepSpec, ...]] = {
    "ecommerce": (
        StepSpec("sessions", "Sessions", "sessions"),
        StepSpec("add_to_cart_sessions", "Add to cart", "add-to-cart sessions"),
        StepSpec("checkout_sessions", "Checkout", "checkout sessions"),
        StepSpec("purchase_sessions", "Purchase", "purchase sessions"),
    ),
    "leads": (
        StepSpec("sessions", "Sessions", "sessions"),
        StepSpec("leads", "Leads", "leads"),
        StepSpec("reached_mql", "MQL", "MQLs"),
        StepSpec("reached_sql", "SQL", "SQLs"),
        StepSpec("reached_won", "Won", "won deals"),
    ),
}
FUNNEL_LABELS: dict[FunnelKind, str] = {"ecommerce": "E-commerce", "leads": "Leads"}
LEAD_STAGES: tuple[tuple[str, str], ...] = (
    ("reached_mql", "mql_at"),
    ("reached_sql", "sql_at"),
    ("reached_won", "won_at"),
)
"""Lead-cohort steps and the stage date each reads, in funnel order."""
FRAME_COLUMNS: tuple[str, ...] = (
    GROUP,
    "order",
    "step",
    "label",
    "count",
    "of_first",
    "of_previous",
    "drop_off",
    "lost",
    "previous",
    "biggest_drop",
    "note",
)


@dataclass(frozen=True)
class FunnelStep:
    """One step of a :class:`Funnel` (see the module docstring for the formulas). The
    ``compare_*`` fields hold the same step in the comparison period, ``None`` without one."""

    name: str
    label: str
    noun: str
    count: int | None
    of_first: float | None
    of_previous: float | None
    previous: str | None
    note: str | None = None
    compare_count: int | None = None
    compare_of_first: float | None = None
    compare_of_previous: float | None = None
    compare_note: str | None = None

    @property
    def available(self) -> bool:
        """True when the step's count could be computed."""
        return self.count is not None

    @property
    def drop_off(self) -> float | None:
        """1 − of_previous: the share of the previous step that does not reach this one."""
        return None if self.of_previous is None else 1 - self.of_previous

    @property
    def of_first_change(self) -> float | None:
        """of_first − its comparison value (a change in points of a fraction), or ``None``."""
        return _difference(self.of_first, self.compare_of_first)

    @property
    def of_previous_change(self) -> float | None:
        """of_previous − its comparison value, or ``None``."""
        return _difference(self.of_previous, self.compare_of_previous)


def _difference(value: float | None, compare: float | None) -> float | None:
    return None if value is None or compare is None else value - compare


@dataclass(frozen=True)
class Funnel:
    """A funnel over a period: its steps in order, the ``name`` of the step reached with the
    largest drop-off rate (``None`` when nothing is lost or nothing can be compared), and ``note``:
    why the funnel cannot be drawn (fewer than two steps available), else ``None``."""

    kind: FunnelKind
    period: Period
    steps: tuple[FunnelStep, ...]
    biggest_drop: str | None
    note: str | None = None
    compare_period: Period | None = None

    @property
    def available(self) -> bool:
        """True when at least two steps have a count (a funnel needs two)."""
        return sum(step.available for step in self.steps) >= 2

    @property
    def base(self) -> FunnelStep | None:
        """The first available step: what ``of_first`` divides by."""
        return next((step for step in self.steps if step.available), None)

    def step(self, name: str) -> FunnelStep:
        """The step called ``name``."""
        return next(step for step in self.steps if step.name == name)

    def drop(self) -> tuple[FunnelStep, FunnelStep] | None:
        """(the step compared with, the step) of the biggest drop, or ``None``."""
        if self.biggest_drop is None:
            return None
        step = self.step(self.biggest_drop)
        previous = next(other for other in self.steps if other.label == step.previous)
        return previous, step


# --- counts ------------------------------------------------------------------------------


def _lead_stages(tables: Tables, scope: Scope, blocked: str | None) -> tuple[nw.DataFrame | None, dict[str, str]]:
    """Per group, the leads created in the period that reached each stage at any time (by that
    stage's date or a later stage's), and how many of them were placed there by a later date.
    ``blocked`` is why the leads table cannot serve the scope (absent, or lacking a filter or
    grouping column)."""
    names = [name for name, _ in LEAD_STAGES]
    leads = tables.leads
    if blocked or leads is None:
        reason = blocked or MISSING_TABLE_REASON["leads"]
        return None, dict.fromkeys(names, reason)
    unavailable = {name: SCHEMAS["leads"].lacks(column) for name, column in LEAD_STAGES if column not in leads.columns}
    created = nw.col("created_at").dt.date()
    rows = leads.filter(
        created.is_between(nw.lit(scope.period.start), nw.lit(scope.period.end), closed="both"),
        *filter_exprs(scope.active_filters()),
    ).with_columns(group_expr(scope, created))
    aggs: list[nw.Expr] = []
    for index, (name, column) in enumerate(LEAD_STAGES):
        if name in unavailable:
            continue
        later = [~nw.col(stage).is_null() for _, stage in LEAD_STAGES[index:] if stage in leads.columns]
        reached = reduce(operator.or_, later)
        aggs.append(reached.sum().cast(nw.Int64()).alias(name))
        aggs.append((reached & nw.col(column).is_null()).sum().cast(nw.Int64()).alias(f"{name}{SKIPPED}"))
    if not aggs:
        return None, unavailable
    return rows.group_by(GROUP).agg(*aggs), unavailable


def _counts(tables: Tables, scope: Scope, kind: FunnelKind) -> tuple[nw.DataFrame, dict[str, str]]:
    """One row per group with a count column per available step (and the leads' skip counts),
    and the reason of every unavailable step."""
    measures: MeasureTable = measure_frame(tables, scope)
    unavailable: dict[str, str] = {}
    columns: list[nw.Expr] = [nw.col(GROUP)]
    stage_names = {name for name, _ in LEAD_STAGES}
    for spec in STEPS[kind]:
        if spec.name in stage_names:
            continue
        reason = measures.reason(spec.name)
        if reason:
            unavailable[spec.name] = reason
        else:
            columns.append(nw.col(spec.name).cast(nw.Int64()))
    frame = measures.frame.select(*columns)
    if kind == "leads":
        stages, reasons = _lead_stages(tables, scope, measures.reason("leads_created"))
        unavailable.update(reasons)
        if stages is not None:
            added = [name for name in stages.columns if name != GROUP]
            frame = frame.join(stages, on=GROUP, how="left").with_columns(nw.col(name).fill_null(0) for name in added)
    return frame, unavailable


# --- shares ------------------------------------------------------------------------------


def _step_exprs(spec: StepSpec, base: StepSpec, previous: StepSpec | None, *, has_skips: bool) -> list[nw.Expr]:
    """count, of_first, of_previous, lost, previous and note of an available step."""
    count = nw.col(spec.name).cast(nw.Float64())
    first = nw.col(base.name).cast(nw.Float64())
    notes: list[nw.Expr] = []
    if previous is None:
        of_previous, lost = nw.lit(None, nw.Float64()), nw.lit(None, nw.Int64())
    else:
        before = nw.col(previous.name).cast(nw.Float64())
        of_previous = nw.when(before != 0).then(count / before)
        lost = (nw.col(previous.name) - nw.col(spec.name)).cast(nw.Int64())
        notes += [
            nw.when(before == 0).then(nw.lit(f"no {previous.noun} in period")),
            nw.when(count > before).then(
                nw.lit(f"more {spec.noun} than {previous.noun}: the two steps are counted separately")
            ),
        ]
    notes.append(nw.when(first == 0).then(nw.lit(f"no {base.noun} in period")))
    if has_skips:
        skipped = nw.col(f"{spec.name}{SKIPPED}")
        column = dict(LEAD_STAGES)[spec.name]
        notes.append(
            nw.when(skipped > 0).then(
                nw.concat_str(
                    skipped.cast(nw.String()),
                    nw.lit(f" counted here by a later stage's date (no {column})"),
                )
            )
        )
    return [
        nw.col(spec.name).cast(nw.Int64()).alias("count"),
        nw.when(first != 0).then(count / first).alias("of_first"),
        of_previous.alias("of_previous"),
        lost.alias("lost"),
        nw.lit(previous.label if previous else None, nw.String()).alias("previous"),
        nw.coalesce(*notes).cast(nw.String()).alias("note") if len(notes) > 1 else notes[0].alias("note"),
    ]


def _unavailable_exprs(reason: str) -> list[nw.Expr]:
    return [
        nw.lit(None, nw.Int64()).alias("count"),
        nw.lit(None, nw.Float64()).alias("of_first"),
        nw.lit(None, nw.Float64()).alias("of_previous"),
        nw.lit(None, nw.Int64()).alias("lost"),
        nw.lit(None, nw.String()).alias("previous"),
        nw.lit(reason).alias("note"),
    ]


def _long(wide: nw.DataFrame, unavailable: dict[str, str], kind: FunnelKind) -> nw.DataFrame:
    """The tidy frame: one row per (group, step), groups in ``wide``'s order."""
    specs = STEPS[kind]
    available = [spec for spec in specs if spec.name not in unavailable]
    wide = wide.with_row_index("_rank")
    parts: list[nw.DataFrame] = []
    previous: StepSpec | None = None
    for order, spec in enumerate(specs):
        if spec.name in unavailable:
            exprs = _unavailable_exprs(unavailable[spec.name])
        else:
            has_skips = f"{spec.name}{SKIPPED}" in wide.columns
            exprs = _step_exprs(spec, available[0], previous, has_skips=has_skips)
            previous = spec
        parts.append(
            wide.select(
                nw.col("_rank"),
                nw.col(GROUP),
                nw.lit(order).cast(nw.Int64()).alias("order"),
                nw.lit(spec.name).alias("step"),
                nw.lit(spec.label).alias("label"),
                *exprs,
            )
        )
    frame = nw.concat(parts).with_columns((1 - nw.col("of_previous")).alias("drop_off"))
    top = nw.col("drop_off").max().over(GROUP)
    candidate = nw.when((nw.col("drop_off") == top) & (nw.col("drop_off") > 0)).then(nw.col("order"))
    frame = frame.with_columns(candidate.alias("_candidate")).with_columns(
        (nw.col("order") == nw.col("_candidate").min().over(GROUP)).fill_null(value=False).alias("biggest_drop")
    )
    return frame.sort("_rank", "order").select(*FRAME_COLUMNS)


def funnel_frame(
    tables: Tables,
    period: Period,
    filters: dict[str, tuple[str, ...]] | None = None,
    settings: Settings | None = None,
    *,
    kind: FunnelKind,
    by: By | None = None,
) -> nw.DataFrame:
    """The funnel per group, tidy: one row per (group, step) with ``group, order, step, label,
    count, of_first, of_previous, drop_off, lost, previous, biggest_drop, note`` (formulas in the
    module docstring). ``by=None`` gives the single group ``all``; by a dimension, groups with no
    count in any step are left out and the rest come largest first step first; by ``date``,
    ``week`` or ``month`` every bucket of the period is kept, in time order.

    >>> from datetime import date
    >>> import polars as pl
    >>> traffic = pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [200], "add_to_cart_sessions": [20]})
    >>> frame = funnel_frame(Tables.from_frames(traffic=traffic), Period(date(2024, 1, 1), date(2024, 1, 1)),
    ...                      kind="ecommerce")
    >>> frame.select("step", "count", "of_previous").rows()[:2]
    [('sessions', 200, None), ('add_to_cart_sessions', 20, 0.1)]
    >>> frame.get_column("note").to_list()[2]
    'traffic has no checkout_sessions column'
    """
    scope = Scope(period, dict(filters or {}), by, settings or Settings())
    wide, unavailable = _counts(tables, scope, kind)
    present = [spec.name for spec in STEPS[kind] if spec.name not in unavailable]
    if by is not None and by not in TIME_GRAINS and present:
        wide = wide.filter(nw.sum_horizontal(*present) > 0).sort(present[0], GROUP, descending=[True, False])
    return _long(wide, unavailable, kind)


def weekly_funnel(
    tables: Tables,
    period: Period,
    filters: dict[str, tuple[str, ...]] | None = None,
    settings: Settings | None = None,
    *,
    kind: FunnelKind,
) -> nw.DataFrame:
    """:func:`funnel_frame` by week: every week (Monday first) that meets the period is its own
    period, the first and last cut to the period; ``group`` is the week's Monday. For the lead
    cohort, a week's leads are those created in it, whenever they reached a later stage (so the
    last weeks' later steps are still filling up)."""
    return funnel_frame(tables, period, filters, settings, kind=kind, by="week")


def funnel(
    tables: Tables,
    period: Period,
    filters: dict[str, tuple[str, ...]] | None = None,
    settings: Settings | None = None,
    *,
    kind: FunnelKind,
    compare_period: Period | None = None,
) -> Funnel:
    """The funnel of ``kind`` over the period after filters, with each step's comparison values
    when ``compare_period`` is given.

    >>> from datetime import date
    >>> import polars as pl
    >>> traffic = pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [1000], "add_to_cart_sessions": [100],
    ...                         "checkout_sessions": [40], "purchase_sessions": [30]})
    >>> result = funnel(Tables.from_frames(traffic=traffic), Period(date(2024, 1, 1), date(2024, 1, 1)),
    ...                 kind="ecommerce")
    >>> [(s.count, s.of_first, s.of_previous) for s in result.steps][1:]
    [(100, 0.1, 0.1), (40, 0.04, 0.4), (30, 0.03, 0.75)]
    >>> result.biggest_drop  # 90% of sessions do not add to cart
    'add_to_cart_sessions'
    """
    current = funnel_frame(tables, period, filters, settings, kind=kind).rows(named=True)
    before = (
        funnel_frame(tables, compare_period, filters, settings, kind=kind).rows(named=True)
        if compare_period
        else [{} for _ in current]
    )
    steps = tuple(
        FunnelStep(
            name=spec.name,
            label=spec.label,
            noun=spec.noun,
            count=row.get("count"),
            of_first=row.get("of_first"),
            of_previous=row.get("of_previous"),
            previous=row.get("previous"),
            note=row.get("note"),
            compare_count=old.get("count"),
            compare_of_first=old.get("of_first"),
            compare_of_previous=old.get("of_previous"),
            compare_note=old.get("note"),
        )
        for spec, row, old in zip(STEPS[kind], current, before, strict=True)
    )
    biggest = next((spec.name for spec, row in zip(STEPS[kind], current, strict=True) if row.get("biggest_drop")), None)
    result = Funnel(kind=kind, period=period, steps=steps, biggest_drop=biggest, compare_period=compare_period)
    if not result.available:
        reasons = list(dict.fromkeys(step.note for step in steps if not step.available and step.note))
        return Funnel(
            kind=kind,
            period=period,
            steps=steps,
            biggest_drop=None,
            note="; ".join(reasons) or "fewer than two steps available",
            compare_period=compare_period,
        )
    return result


@dataclass(frozen=True)
class LeadMaturity:
    """How long the period's leads have had to move through the funnel, against how long deals
    usually take: ``youngest_days`` = data's last day − period end (the age of the period's
    youngest leads at the end of the data), ``median_lead_time`` = median of won − created over
    every won lead in the data (days). ``settling`` when the youngest leads are younger than it."""

    data_end: date
    youngest_days: int
    median_lead_time: float

    @property
    def settling(self) -> bool:
        """The period's later lead steps are still filling up."""
        return self.youngest_days < self.median_lead_time


def lead_maturity(tables: Tables, period: Period) -> LeadMaturity | None:
    """:class:`LeadMaturity` of the leads created in ``period``; ``None`` without a leads table
    with ``won_at`` or without a won lead.

    >>> from datetime import datetime
    >>> import polars as pl
    >>> leads = pl.DataFrame({"lead_id": ["a", "b", "c"],
    ...     "created_at": [datetime(2024, 1, 1), datetime(2024, 1, 5), datetime(2024, 3, 1)],
    ...     "won_at": [datetime(2024, 1, 11), datetime(2024, 1, 25), None]})
    >>> maturity = lead_maturity(Tables.from_frames(leads=leads), Period(date(2024, 2, 20), date(2024, 2, 29)))
    >>> maturity.youngest_days, maturity.median_lead_time, maturity.settling
    (1, 15.0, True)
    """
    leads = tables.leads
    if leads is None or "won_at" not in leads.columns:
        return None
    span = tables.date_range()
    won = leads.filter(~nw.col("won_at").is_null())
    if span is None or len(won) == 0:
        return None
    days = days_between(nw.col("created_at"), nw.col("won_at"))
    median = won.select(days.median()).item()
    return LeadMaturity(span[1], (span[1] - period.end).days, float(median))
