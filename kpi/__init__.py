"""KPI Explorer's computation package: canonical tables in, KPIs out. Pure: no Streamlit, no
plotting, no file writes. Polars reads files (:mod:`kpi.readers`); narwhals computes
(:mod:`kpi.measures`, :mod:`kpi.engine`), so the same code can run on other engines."""

from kpi.engine import Breakdown, KpiValue, Report, breakdown, compute
from kpi.measures import Scope, Settings
from kpi.periods import Period, comparison_period, default_period, preset_period
from kpi.registry import KPIS, REGISTRY, Kpi
from kpi.tables import Tables

__all__ = [
    "KPIS",
    "REGISTRY",
    "Breakdown",
    "Kpi",
    "KpiValue",
    "Period",
    "Report",
    "Scope",
    "Settings",
    "Tables",
    "breakdown",
    "comparison_period",
    "compute",
    "default_period",
    "preset_period",
]
