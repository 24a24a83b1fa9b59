"""``compute`` and ``breakdown``: every KPI of the registry from the measures (narwhals).

Each KPI is evaluated as a column expression over the measure frame (one row per group), so the
same code gives the period's KPI, each channel's and each day's. A KPI is unavailable (value
``None``) with a reason when its table or column is missing, a filter or grouping column is
missing from its table, or its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw

from kpi.cohorts import new_customer_curve
from kpi.measures import (
    DERIVED_DIMENSIONS,
    GROUP,
    TIME_GRAINS,
    By,
    MeasureTable,
    Scope,
    Settings,
    measure_frame,
    none_text,
)
from kpi.periods import Comparison, Period, comparison_period
from kpi.registry import KPIS, REGISTRY, Calc, Kpi, KpiRatio, Measure, Payback, Ratio
from kpi.schema import SCHEMAS
from kpi.tables import Tables

NOTE = "__note"
"""Suffix of the note column that goes with each KPI column of an evaluated frame."""
PART = "part__"
"""Prefix of the columns of an evaluated frame holding the sums a ratio KPI divides
(``part__sessions``): the counts behind a rate, for its interval and its test of change."""


def numerator_terms(numerator: str) -> list[tuple[str, float]]:
    """``"gross_profit - spend"`` → ``[("gross_profit", 1.0), ("spend", -1.0)]``."""
    terms: list[tuple[str, float]] = []
    sign = 1.0
    for token in numerator.split():
        if token in "+-":
            sign = 1.0 if token == "+" else -1.0
        else:
            terms.append((token, sign))
            sign = 1.0
    return terms


def calc_measures(calc: Calc) -> list[str]:
    """The measures a calculation reads, numerator first."""
    if isinstance(calc, Measure):
        return [calc.name]
    if isinstance(calc, Ratio):
        return [name for name, _ in numerator_terms(calc.numerator)] + [calc.denominator]
    return []


def _first_reason(calc: Calc, measures: MeasureTable) -> str | None:
    for name in calc_measures(calc):
        reason = measures.reason(name)
        if reason:
            return reason
    return None


def _unavailable(reason: str) -> tuple[nw.Expr, nw.Expr]:
    """A null value and its reason."""
    return nw.lit(None, nw.Float64()), nw.lit(reason)


def _calc_exprs(calc: Calc) -> tuple[nw.Expr, nw.Expr]:
    """(value, note) expressions of an available calculation. A :class:`KpiRatio` reads the
    columns of KPIs evaluated in an earlier pass."""
    if isinstance(calc, Measure):
        value = nw.col(calc.name).cast(nw.Float64())
        note = nw.when(value.is_null()).then(nw.lit(f"{none_text(calc.name)} in period"))
        return value, note
    if isinstance(calc, Ratio):
        numerator: nw.Expr | None = None
        for name, sign in numerator_terms(calc.numerator):
            term = nw.col(name).cast(nw.Float64()) * sign if sign != 1 else nw.col(name).cast(nw.Float64())
            numerator = term if numerator is None else numerator + term
        assert numerator is not None
        denominator = nw.col(calc.denominator).cast(nw.Float64())
        share = numerator / denominator
        scaled = (1 - share if calc.complement else share) * calc.scale
        value = nw.when(denominator != 0).then(scaled)
        note = nw.when(denominator == 0).then(nw.lit(f"{none_text(calc.denominator)} in period"))
        return value, note
    top, bottom = nw.col(calc.numerator), nw.col(calc.denominator)
    top_note, bottom_note = nw.col(f"{calc.numerator}{NOTE}"), nw.col(f"{calc.denominator}{NOTE}")
    value = nw.when(~top.is_null() & ~bottom.is_null() & (bottom != 0)).then(top / bottom)
    # unavailable: the reason of the part that is missing, else the zero denominator; available:
    # the numerator's own note (LTV's count of customers with a short history still applies)
    note = (
        nw.when(top.is_null())
        .then(top_note)
        .when(bottom.is_null())
        .then(bottom_note)
        .when(bottom == 0)
        .then(nw.lit(f"{KPIS[calc.denominator].label} is 0"))
        .otherwise(top_note)
    )
    return value, note


def _info_note(kpi: Kpi, settings: Settings) -> nw.Expr | None:
    """A note that goes with an available value (how many LTV customers lack a full horizon)."""
    if kpi.id == "ltv":
        months = settings.ltv_months
        return nw.when(nw.col("ltv_short_history") > 0).then(
            nw.concat_str(
                nw.col("ltv_short_history").cast(nw.String()),
                nw.lit(" of "),
                nw.col("new_customers").cast(nw.String()),
                nw.lit(f" new customers have less than {months} months of history in the data"),
            )
        )
    return None


def chosen_calc(kpi: Kpi, measures: MeasureTable) -> Calc | None:
    """The calculation a KPI uses over these measures: its own, else its fallback when only the
    fallback's measures are available, else ``None`` (unavailable)."""
    if _first_reason(kpi.calc, measures) is None:
        return kpi.calc
    if kpi.fallback is not None and _first_reason(kpi.fallback, measures) is None:
        return kpi.fallback
    return None


def _kpi_exprs(kpi: Kpi, measures: MeasureTable, settings: Settings) -> list[nw.Expr]:
    """The value and note columns (``{id}``, ``{id}__note``) of one KPI over a measure frame."""
    calc = chosen_calc(kpi, measures)
    info = nw.lit(kpi.fallback_note) if calc is not None and calc is kpi.fallback else None
    if calc is None:
        value, note = _unavailable(_first_reason(kpi.calc, measures) or "unavailable")
    else:
        value, note = _calc_exprs(calc)
        info = info if info is not None else _info_note(kpi, settings)
        if info is not None:
            note = nw.coalesce(note, nw.when(~value.is_null()).then(info))
    return [value.alias(kpi.id), note.cast(nw.String()).alias(f"{kpi.id}{NOTE}")]


def evaluate(measures: MeasureTable, settings: Settings, kpis: Sequence[Kpi] = REGISTRY) -> nw.DataFrame:
    """One row per group: ``group``, then ``{id}`` and ``{id}__note`` for each KPI. KPIs made of
    other KPIs (``ltv / cac``) are evaluated in a second pass over the first pass's columns."""
    needed = [kpi for kpi in kpis if not isinstance(kpi.calc, Payback)]
    for kpi in kpis:
        if isinstance(kpi.calc, Payback) and KPIS[kpi.calc.cost] not in needed:
            needed.append(KPIS[kpi.calc.cost])
    for kpi in list(needed):
        if isinstance(kpi.calc, KpiRatio):
            needed.extend(
                KPIS[kpi_id] for kpi_id in (kpi.calc.numerator, kpi.calc.denominator) if KPIS[kpi_id] not in needed
            )
    first = [
        expr for kpi in needed if not isinstance(kpi.calc, KpiRatio) for expr in _kpi_exprs(kpi, measures, settings)
    ]
    second = [expr for kpi in needed if isinstance(kpi.calc, KpiRatio) for expr in _kpi_exprs(kpi, measures, settings)]
    parts = ratio_parts(kpis, measures)
    frame = measures.frame.with_columns(*first, *(nw.col(name).cast(nw.Float64()).alias(PART + name) for name in parts))
    if second:
        frame = frame.with_columns(*second)
    keep = [kpi for kpi in kpis if not isinstance(kpi.calc, Payback)]
    costs = [KPIS[kpi.calc.cost] for kpi in kpis if isinstance(kpi.calc, Payback) and KPIS[kpi.calc.cost] not in keep]
    return frame.select(
        GROUP,
        *(name for kpi in (*keep, *costs) for name in (kpi.id, f"{kpi.id}{NOTE}")),
        *(PART + name for name in parts),
    )


def ratio_parts(kpis: Sequence[Kpi], measures: MeasureTable) -> list[str]:
    """The measures the ratio KPIs among ``kpis`` divide, as they are computed over these
    measures (their fallback's when they fall back), each once."""
    names: list[str] = []
    for kpi in kpis:
        calc = chosen_calc(kpi, measures)
        if isinstance(calc, Ratio):
            names.extend(name for name in calc_measures(calc) if name not in names)
    return names


def part_columns(frame: nw.DataFrame) -> list[str]:
    """The ``part__`` columns of an evaluated frame."""
    return [name for name in frame.columns if name.startswith(PART)]


NO_COST_TO_PAY_BACK = "no acquisition cost to pay back (CAC is 0)"


def _with_payback(tables: Tables, scope: Scope, frame: nw.DataFrame, kpi: Kpi) -> nw.DataFrame:
    """Add a :class:`Payback` KPI: per group, the first month whose mean cumulative net revenue ×
    margin per new customer (over those observable that long) reaches the cost KPI, plus one."""
    assert isinstance(kpi.calc, Payback)
    cost, cost_note = nw.col(kpi.calc.cost), nw.col(f"{kpi.calc.cost}{NOTE}")
    facts = tables.customer_facts
    needed = [
        *scope.active_filters(),
        *([DERIVED_DIMENSIONS.get(scope.by, scope.by)] if scope.by and scope.by not in TIME_GRAINS else []),
    ]
    lacking = [name for name in needed if facts is not None and name not in facts.columns]
    found = None if facts is None or lacking else new_customer_curve(tables, scope)
    if found is None:
        reason = nw.coalesce(cost_note, nw.lit(SCHEMAS["orders"].lacks(lacking[0]) if lacking else "no orders data"))
        return frame.with_columns(nw.lit(None, nw.Float64()).alias(kpi.id), reason.alias(f"{kpi.id}{NOTE}"))
    curve = found.curve
    horizon = curve.group_by(GROUP).agg((nw.col("month").max() + 1).alias("_horizon"))
    reached = (
        curve.join(frame.select(GROUP, cost.alias("_cost")), on=GROUP)
        .filter(nw.col("value") >= nw.col("_cost"))
        .group_by(GROUP)
        .agg((nw.col("month").min() + 1).cast(nw.Float64()).alias("_payback"))
    )
    joined = frame.join(horizon, on=GROUP, how="left").join(reached, on=GROUP, how="left")
    note = (
        nw.when(cost.is_null())
        .then(cost_note)
        .when(cost <= 0)
        .then(nw.lit(NO_COST_TO_PAY_BACK))
        .when(nw.col("_horizon").is_null())
        .then(nw.lit("no new customer has a full month of history yet"))
        .when(nw.col("_payback").is_null() & (nw.col("_horizon") == 1))
        .then(nw.lit("not paid back within the one month the data covers"))
        .when(nw.col("_payback").is_null())
        .then(
            nw.concat_str(
                nw.lit("not paid back within the "),
                nw.col("_horizon").cast(nw.String()),
                nw.lit(" months the data covers"),
            )
        )
    )
    value = nw.when(~cost.is_null() & (cost > 0)).then(nw.col("_payback"))
    return joined.with_columns(value.alias(kpi.id), note.cast(nw.String()).alias(f"{kpi.id}{NOTE}")).drop(
        "_horizon", "_payback"
    )


@dataclass(frozen=True)
class Evaluation:
    """An evaluated scope: the frame of :func:`evaluate_scope` and, per available KPI, the
    calculation it used (its fallback's when it fell back)."""

    frame: nw.DataFrame
    calcs: dict[str, Calc]


def evaluate_scope_with_calcs(tables: Tables, scope: Scope, kpis: Sequence[Kpi] = REGISTRY) -> Evaluation:
    """:func:`evaluate` over the scope's measures, with the cohort-based KPIs (CAC payback) added,
    and the calculation each available KPI used."""
    measures = measure_frame(tables, scope)
    frame = evaluate(measures, scope.settings, kpis)
    for kpi in kpis:
        if isinstance(kpi.calc, Payback):
            frame = _with_payback(tables, scope, frame, kpi)
    frame = frame.select(GROUP, *(name for kpi in kpis for name in (kpi.id, f"{kpi.id}{NOTE}")), *part_columns(frame))
    calcs = {kpi.id: calc for kpi in kpis if (calc := chosen_calc(kpi, measures)) is not None}
    return Evaluation(frame, calcs)


def evaluate_scope(tables: Tables, scope: Scope, kpis: Sequence[Kpi] = REGISTRY) -> nw.DataFrame:
    """:func:`evaluate` over the scope's measures, with the cohort-based KPIs (CAC payback) added:
    ``group``, ``{id}`` and ``{id}__note`` per KPI, then the ``part__`` sums of the ratio KPIs."""
    return evaluate_scope_with_calcs(tables, scope, kpis).frame


@dataclass(frozen=True)
class KpiValue:
    """One KPI of a report: its value and comparison value (``None`` = unavailable) and notes.
    ``note`` says why the value is unavailable, or adds what the card must say about it."""

    kpi: Kpi
    value: float | None
    compare: float | None = None
    note: str | None = None
    compare_note: str | None = None
    calc: Calc | None = None
    """The calculation the value used (the fallback's when it fell back); ``None`` if unavailable."""
    parts: Mapping[str, float] = field(default_factory=dict)
    """The sums a ratio KPI divides, by measure (``{"purchase_sessions": 41, "sessions": 1830}``)."""
    compare_parts: Mapping[str, float] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        """True when the period's value could be computed."""
        return self.value is not None


@dataclass(frozen=True)
class Report:
    """Every KPI of the registry for a period and its comparison period."""

    period: Period
    comparison: Comparison
    compare_period: Period | None
    filters: dict[str, tuple[str, ...]]
    settings: Settings
    values: dict[str, KpiValue]
    currency: str | None = None

    def __getitem__(self, kpi_id: str) -> KpiValue:
        return self.values[kpi_id]

    def to_dict(self, filter_names: Sequence[str] = ("channel", "source", "campaign", "device")) -> dict[str, Any]:
        """The CLI's JSON (contract section 4): period, compare, filters and every KPI."""
        return {
            "period": self.period.as_dict(),
            "compare": self.compare_period.as_dict() if self.compare_period else None,
            "filters": {name: list(self.filters.get(name, ())) for name in filter_names}
            | {name: list(values) for name, values in self.filters.items() if name not in filter_names},
            "kpis": {
                kpi.id: {
                    "value": _json_number(self.values[kpi.id].value, kpi),
                    "compare": _json_number(self.values[kpi.id].compare, kpi),
                    "unit": kpi.unit,
                    "label": kpi.label,
                    "note": _json_note(self.values[kpi.id]),
                }
                for kpi in REGISTRY
            },
        }


def _json_number(value: float | None, kpi: Kpi) -> float | int | None:
    if value is None:
        return None
    if kpi.unit == "count" and kpi.format == "count" and float(value).is_integer():
        return int(value)
    return value


def _json_note(value: KpiValue) -> str | None:
    """The one note of the JSON: the value's, else the comparison's (prefixed)."""
    if value.note:
        return value.note
    if value.compare_note:
        return f"comparison: {value.compare_note}"
    return None


def _clean_filters(filters: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    return {name: tuple(values) for name, values in (filters or {}).items() if values}


def _evaluate_period(
    tables: Tables, period: Period, filters: dict[str, tuple[str, ...]], settings: Settings
) -> tuple[dict[str, Any], dict[str, Calc]]:
    found = evaluate_scope_with_calcs(tables, Scope(period, filters, None, settings))
    return dict(zip(found.frame.columns, found.frame.row(0), strict=True)), found.calcs


def calc_parts(calc: Calc | None, row: Mapping[str, Any]) -> dict[str, float]:
    """The sums a ratio calculation divides, read from an evaluated row (``part__`` columns)."""
    if not isinstance(calc, Ratio):
        return {}
    found = {name: row.get(PART + name) for name in calc_measures(calc)}
    return {name: float(value) for name, value in found.items() if value is not None}


# --- arithmetic on a ratio's parts (intervals, projections, goals) -----------------------------

ADDITIVE_TOLERANCE = 1e-6
"""Relative difference under which the days' sums count as adding up to the period's."""


def numerator_sum(calc: Ratio, parts: Mapping[str, float]) -> float:
    """Σ numerator of a ratio from its parts: ``promoters - detractors`` subtracts.

    >>> numerator_sum(Ratio("promoters - detractors", "nps_responses"), {"promoters": 5, "detractors": 2})
    3.0
    """
    return sum(sign * parts[name] for name, sign in numerator_terms(calc.numerator))


def on_kpi_scale(calc: Ratio, ratio: float) -> float:
    """Σ numerator / Σ denominator as the KPI shows it: ``scale × ratio``, or ``scale × (1 − ratio)``
    for a complement (bounce rate = 1 − engaged share)."""
    return (1 - ratio if calc.complement else ratio) * calc.scale


def from_kpi_scale(calc: Ratio, value: float) -> float:
    """A KPI value back to the plain ratio Σ numerator / Σ denominator (:func:`on_kpi_scale` undone)."""
    share = value / calc.scale
    return 1 - share if calc.complement else share


def days_add_up(calc: Ratio, days: Sequence[Mapping[str, float]], parts: Mapping[str, float]) -> bool:
    """True when the days' parts sum to the period's: not so for a count of distinct customers
    (a customer ordering on two days is one customer of the period)."""
    for name in calc_measures(calc):
        total, summed = parts.get(name, 0.0), sum(day.get(name, 0.0) for day in days)
        if abs(summed - total) > ADDITIVE_TOLERANCE * max(abs(total), 1.0):
            return False
    return True


def compute(
    tables: Tables,
    period: Period,
    filters: Mapping[str, Sequence[str]] | None = None,
    settings: Settings | None = None,
    *,
    comparison: Comparison = "previous",
) -> Report:
    """Every KPI of the registry for ``period`` and its comparison window, after ``filters``
    (dimension → allowed values) with ``settings`` (gross margin, LTV horizon).

    >>> from datetime import date
    >>> import polars as pl
    >>> traffic = pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [200], "purchase_sessions": [5]})
    >>> report = compute(Tables.from_frames(traffic=traffic), Period(date(2024, 1, 1), date(2024, 1, 1)))
    >>> report["conversion_rate"].value, report["revenue"].note
    (0.025, 'no orders data')
    """
    settings = settings or Settings()
    active = _clean_filters(filters)
    current, calcs = _evaluate_period(tables, period, active, settings)
    compare_period = comparison_period(period, comparison)
    previous, compare_calcs = _evaluate_period(tables, compare_period, active, settings) if compare_period else ({}, {})
    values = {
        kpi.id: KpiValue(
            kpi=kpi,
            value=current[kpi.id],
            compare=previous.get(kpi.id),
            note=current[f"{kpi.id}{NOTE}"],
            compare_note=previous.get(f"{kpi.id}{NOTE}"),
            calc=calcs.get(kpi.id) if current[kpi.id] is not None else None,
            parts=calc_parts(calcs.get(kpi.id), current),
            compare_parts=calc_parts(compare_calcs.get(kpi.id), previous),
        )
        for kpi in REGISTRY
    }
    return Report(period, comparison, compare_period, active, settings, values, tables.currency)


@dataclass(frozen=True)
class Breakdown:
    """KPIs per group. ``frame`` has ``group`` and, per KPI, ``{id}`` and ``{id}__note``."""

    by: By
    period: Period
    frame: nw.DataFrame
    kpis: tuple[Kpi, ...] = field(default_factory=tuple)
    calcs: dict[str, Calc] = field(default_factory=dict)
    """The calculation each available KPI used (the fallback's when it fell back)."""

    def parts(self, kpi_id: str) -> list[dict[str, float]]:
        """Per group, the sums the ratio KPI divides (empty dicts for other KPIs)."""
        calc = self.calcs.get(kpi_id)
        return [calc_parts(calc, row) for row in self.frame.iter_rows(named=True)]

    def long(self) -> nw.DataFrame:
        """One row per (group, kpi): ``group, kpi, value, note``."""
        parts = [
            self.frame.select(
                nw.col(GROUP),
                nw.lit(kpi.id).alias("kpi"),
                nw.col(kpi.id).alias("value"),
                nw.col(f"{kpi.id}{NOTE}").alias("note"),
            )
            for kpi in self.kpis
        ]
        return nw.concat(parts)

    def series(self, kpi_id: str) -> list[float | None]:
        """The KPI's values in group order (by date: one per day of the period)."""
        return self.frame.get_column(kpi_id).to_list()


def breakdown(
    tables: Tables,
    period: Period,
    filters: Mapping[str, Sequence[str]] | None = None,
    settings: Settings | None = None,
    *,
    by: By,
    kpis: Sequence[str] | None = None,
) -> Breakdown:
    """The KPIs per channel, device, source, campaign (any dimension) or date, as ratios of sums
    within each group. Customers are attributed to the group of their first order for new
    customers, CAC and LTV, and to the group of each order for the others; by date, each day is
    its own period.
    """
    settings = settings or Settings()
    chosen = tuple(KPIS[kpi_id] for kpi_id in kpis) if kpis else REGISTRY
    found = evaluate_scope_with_calcs(tables, Scope(period, _clean_filters(filters), by, settings), chosen)
    return Breakdown(by=by, period=period, frame=found.frame, kpis=chosen, calcs=found.calcs)
