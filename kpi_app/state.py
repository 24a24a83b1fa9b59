"""The sidebar every page shares: period, comparison, filters and settings, read into a
:class:`View` that pages take from ``st.session_state``. Computed reports are memoised per
session, keyed on the data set's id and the view; only figures on the bundled demo data set are
memoised once for all sessions (:mod:`kpi_app.shared`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from kpi import Period, Report, Settings, breakdown, compute, preset_period
from kpi.engine import Breakdown
from kpi.measures import CAC_VARIANTS, By
from kpi.periods import COMPARISON_LABELS, PRESET_LABELS, Comparison, Preset, comparison_period
from kpi.uncertainty import Trust, assess
from kpi_app import shared
from kpi_app.data import DataSet
from kpi_app.links import CUSTOM, DEFAULT_PRESET, FILTER_DIMENSIONS, WIDGET_DEFAULTS, link_params, widget_values
from kpi_app.markdown import md_escape

LINK_KEYS = (*WIDGET_DEFAULTS, "period_custom", *(f"filter_{dimension}" for dimension in FILTER_DIMENSIONS))
MEMO_SIZE = 24


@dataclass(frozen=True)
class View:
    """What the user chose in the sidebar."""

    period: Period
    comparison: Comparison
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    settings: Settings
    show_benchmarks: bool = True
    """Whether cards show the typical ranges quoted in public sources (:mod:`kpi.benchmarks`)."""

    @property
    def compare_period(self) -> Period | None:
        """The comparison window, or ``None``."""
        return comparison_period(self.period, self.comparison)

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        """The active filters as a dict."""
        return dict(self.filters)

    def describe(self) -> str:
        """``1 Nov – 30 Nov 2026 · vs 2 Oct – 31 Oct 2026``."""
        text = self.period.label()
        if self.compare_period:
            text += f" · vs {self.compare_period.label()}"
        return text


def _period_picker(span: tuple[date, date]) -> Period:
    first, last = span
    options: list[str] = [*PRESET_LABELS, CUSTOM]
    labels = {**PRESET_LABELS, CUSTOM: "Custom dates…"}
    choice = st.selectbox(
        "Period",
        options,
        format_func=lambda key: labels[key],
        key="period_preset",
        help=f"Presets end on the last day in the data ({last:%d %b %Y}).",
    )
    if choice != CUSTOM:
        return preset_period(cast(Preset, choice), as_of=last, data_start=first)
    default = preset_period(DEFAULT_PRESET, as_of=last)
    _keep_custom_dates_in(span, default=(max(default.start, first), last))
    picked = st.date_input("From – to", min_value=first, max_value=last, key="period_custom", format="YYYY-MM-DD")
    days = picked_dates(picked)
    if not days:
        return default
    return Period(min(days), max(days))


def picked_dates(picked: object) -> list[date]:
    """The dates a range ``st.date_input`` holds: none, the start only (while the user picks the
    end), or both."""
    values = picked if isinstance(picked, tuple | list) else (picked,)
    return [day for day in values if isinstance(day, date)]


def _keep_custom_dates_in(span: tuple[date, date], *, default: tuple[date, date]) -> None:
    """The custom dates' widget value inside the data's dates (another data set may have other
    dates), or ``default`` when there is none yet."""
    first, last = span
    days = [day for day in st.session_state.get("period_custom") or () if day is not None]
    inside = tuple(min(max(day, first), last) for day in days)
    st.session_state["period_custom"] = inside or default


def _filters(dataset: DataSet) -> tuple[tuple[str, tuple[str, ...]], ...]:
    chosen: list[tuple[str, tuple[str, ...]]] = []
    for dimension, label in FILTER_DIMENSIONS.items():
        options = dataset.tables.dimension_values(dimension)
        if not options:
            continue
        key = f"filter_{dimension}"
        if key in st.session_state:  # values of another data set would make the widget fail
            st.session_state[key] = [value for value in st.session_state[key] if value in options]
        values = st.multiselect(label, options, key=key, placeholder=f"All {label.lower()}s")
        if values:
            chosen.append((dimension, tuple(values)))
    return tuple(chosen)


def _settings() -> Settings:
    with st.expander("Settings", icon=":material/tune:"):
        margin_pct = st.number_input(
            "Gross margin (%)",
            min_value=1.0,
            max_value=100.0,
            step=1.0,
            placeholder="not set: revenue-based",
            key="margin_pct",
            help="Used by ROMI and LTV. Empty means revenue-based (margin = 100%).",
        )
        months = st.number_input(
            "LTV horizon (months)",
            min_value=1,
            max_value=120,
            step=1,
            key="ltv_months",
            help="LTV counts each new customer's net revenue within this many months of their first order.",
        )
        variant = st.selectbox(
            "CAC counts",
            list(CAC_VARIANTS),
            format_func=CAC_VARIANTS.get,
            key="cac_variant",
            help="What acquisition cost CAC divides by new customers: all marketing spend (the default), paid ad "
            "spend only (search, social, display, shopping, video ads), or all spend plus a fixed monthly cost of "
            "your sales team.",
        )
        st.toggle(
            "Show benchmark bands",
            key="show_benchmarks",
            help="Typical ranges quoted in public sources (e.g. LTV:CAC of 3 or more), shown as context on a few "
            "cards and charts, never as a verdict.",
        )
        sales_cost = 0.0
        if variant == "with_sales_cost":
            sales_cost = st.number_input(
                "Monthly sales cost",
                min_value=0.0,
                step=100.0,
                key="monthly_sales_cost",
                help="Salaries and tools of the sales team per month, spread over the days of the period.",
            )
    return Settings(
        margin=None if margin_pct is None else margin_pct / 100,
        ltv_months=int(months),
        cac_variant=variant,
        monthly_sales_cost=float(sales_cost),
    )


def sidebar(dataset: DataSet) -> View | None:
    """Render the shared sidebar and store the :class:`View` in ``st.session_state["view"]``.
    ``None`` when the data set has no dated rows. The first run of a session takes its choices from
    the URL's query parameters (a shared link); every run writes them back, so the address bar
    always holds a link to the current view."""
    span = dataset.tables.date_range()
    with st.sidebar:
        if span is None:
            st.session_state["view"] = None
            return None
        _open_link(dataset, span)
        period = _period_picker(span)
        comparison = st.selectbox(
            "Compare with",
            list(COMPARISON_LABELS),
            format_func=lambda key: COMPARISON_LABELS[key],
            key="comparison",
        )
        view_filters = _filters(dataset)
        settings = _settings()
        _link_notices()
    params = _write_link()
    with st.sidebar:
        _copy_link(params, uploaded=not dataset.is_demo)
    view = View(
        period=period,
        comparison=comparison,
        filters=view_filters,
        settings=settings,
        show_benchmarks=bool(st.session_state.get("show_benchmarks", True)),
    )
    st.session_state["view"] = view
    return view


def _open_link(dataset: DataSet, span: tuple[date, date]) -> None:
    """Once per session: the widgets' values from the query parameters (invalid ones noted and
    left at their defaults). On every run: defaults for widgets that have no value yet."""
    if not st.session_state.get("link_opened"):
        st.session_state["link_opened"] = True
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        values, notices = widget_values(params, span=span, options=dataset.tables.dimension_values)
        st.session_state.update(values)
        st.session_state["link_notices"] = notices
    for key, value in WIDGET_DEFAULTS.items():
        st.session_state.setdefault(key, value)


def _link_notices() -> None:
    """What the link asked for and could not be shown, until dismissed."""
    notices = st.session_state.get("link_notices")
    if not notices:
        return
    st.warning(
        "Parts of this link were not used, so defaults apply:\n\n" + "\n".join(f"- {md_escape(n)}" for n in notices),
        icon=":material/link_off:",
    )
    if st.button("Dismiss", key="dismiss_link_notices"):
        st.session_state["link_notices"] = []
        st.rerun()


def _write_link() -> dict[str, str | list[str]]:
    """The current choices as the URL's query parameters (only when they changed); returns them."""
    wanted = link_params({key: st.session_state[key] for key in LINK_KEYS if key in st.session_state})
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    normalised = {name: value if isinstance(value, list) else [value] for name, value in wanted.items()}
    if current != normalised:
        st.query_params.from_dict(wanted)
    return wanted


def share_link(params: dict[str, str | list[str]]) -> str:
    """The address of this page with the view's query parameters (what "Copy link" copies)."""
    base = st.context.url or ""
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else base


def _copy_link(params: dict[str, str | list[str]], *, uploaded: bool) -> None:
    """A "Copy link" popover: the link to this view in a code box with its copy button."""
    with st.popover("Copy link", icon=":material/link:", width="stretch"):
        st.code(share_link(params) or "(open the app in a browser to get its address)", language=None, wrap_lines=True)
        st.caption(
            "Click the copy icon in the box. The link reopens this page, period, comparison, filters and settings."
        )
        if uploaded:
            st.caption(
                ":material/info: The data stays in your session: whoever opens the link sees this view only after "
                "uploading the same files (without them, the demo data)."
            )


def through_app() -> None:
    """Make sure this page runs inside ``app.py`` (which builds the data set and the sidebar).

    On a fresh server, until a session has called ``st.navigation``, Streamlit still treats the
    ``pages/`` folder as a legacy multipage app: a page opened by its own address (a shared link
    such as ``/channels?…``) would run alone, without app.py. Switch that mode off, as
    ``st.navigation`` itself does on its first call, and rerun through app.py."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current() -> tuple[DataSet, View | None]:
    """The session's data set and view, as ``app.py`` stored them."""
    through_app()
    return st.session_state["dataset"], st.session_state.get("view")


def memo(key: tuple[Any, ...], make: Any) -> Any:
    """``make()`` once per key in this session (the last few keys are kept): for anything a page
    computes from the data set and the view. Include ``dataset.id`` and the view in the key."""
    return _memo(key, make)


def _memo(key: tuple[Any, ...], make: Any) -> Any:
    dataset = st.session_state.get("dataset")
    if dataset is not None and dataset.shared and dataset.id in key:
        return shared.demo_memo(key, make)  # the demo data set: computed once for every session
    memo: OrderedDict[tuple[Any, ...], Any] = st.session_state.setdefault("_memo", OrderedDict())
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    value = make()
    memo[key] = value
    while len(memo) > MEMO_SIZE:
        memo.popitem(last=False)
    return value


def report(dataset: DataSet, view: View) -> Report:
    """Every KPI for the view (memoised in this session)."""
    key = ("report", dataset.id, view)
    return _memo(
        key, lambda: compute(dataset.tables, view.period, view.filter_map, view.settings, comparison=view.comparison)
    )


def daily(dataset: DataSet, view: View) -> Breakdown:
    """Every KPI per day of the view's period (the cards' sparklines)."""
    return grouped(dataset, view, "date")


def trust(dataset: DataSet, view: View) -> dict[str, Trust]:
    """Per KPI that gets one, its 95% intervals, the test of its change and the thin-data flag
    (memoised in this session). Ratios of sums read the parts of every day of both periods."""
    key = ("trust", dataset.id, view)

    def make() -> dict[str, Trust]:
        found = report(dataset, view)
        days = daily(dataset, view)
        compare_days = grouped(dataset, view, "date", compare=True) if view.compare_period else None
        assessed = {
            kpi_id: assess(item, days.parts(kpi_id), compare_days.parts(kpi_id) if compare_days else None)
            for kpi_id, item in found.values.items()
        }
        return {kpi_id: value for kpi_id, value in assessed.items() if value is not None}

    return _memo(key, make)


def grouped(dataset: DataSet, view: View, by: By, *, compare: bool = False) -> Breakdown:
    """Every KPI per group of ``by`` over the view's period, or with ``compare`` over its
    comparison period (memoised in this session)."""
    period = view.compare_period if compare else view.period
    if period is None:
        raise ValueError("the view has no comparison period")
    key = ("breakdown", dataset.id, view, by, compare)
    return _memo(key, lambda: breakdown(dataset.tables, period, view.filter_map, view.settings, by=by))
