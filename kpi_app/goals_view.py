"""The Goals page's parts: the goals of this session (kept in ``st.session_state``, never on the
server's disk), each goal's progress card and chart, the form that only adds SMART goals, and the
goals file's download and upload."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import plotly.graph_objects as go
import streamlit as st

from kpi.formats import format_interval, format_value
from kpi.goals import (
    Goal,
    GoalFileError,
    GoalProgress,
    default_direction,
    dump_goals,
    goal_progress,
    load_goals,
    smart_check,
)
from kpi.periods import calendar_period, year_earlier
from kpi.registry import KPIS, REGISTRY
from kpi_app import charts, state
from kpi_app.data import DataSet, release_uploaded_files
from kpi_app.markdown import md_escape
from kpi_app.state import View

GOALS_KEY = "goals"
STATUS_COLORS = {
    "on_track": "green",
    "reached": "green",
    "off_track": "orange",
    "in_progress": "blue",
    "missed": "red",
    "not_started": "gray",
    "unavailable": "gray",
}
STATUS_ICONS = {
    "on_track": ":material/trending_up:",
    "reached": ":material/flag:",
    "off_track": ":material/warning:",
    "in_progress": ":material/hourglass_top:",
    "missed": ":material/close:",
    "not_started": ":material/schedule:",
    "unavailable": ":material/block:",
}
DIRECTION_WORDS = {"at_least": "at least", "at_most": "at most"}


def goals() -> list[Goal]:
    """This session's goals."""
    return list(st.session_state.get(GOALS_KEY, []))


def set_goals(new: Sequence[Goal]) -> None:
    """Replace this session's goals (each goal once, in order)."""
    unique: list[Goal] = []
    for goal in new:
        if goal not in unique:
            unique.append(goal)
    st.session_state[GOALS_KEY] = unique


def progress_of(dataset: DataSet, view: View, goal: Goal) -> GoalProgress:
    """The goal's progress on the last day of data (memoised per data set, goal and settings)."""
    span = dataset.tables.date_range()
    as_of = span[1] if span else goal.start
    key = ("goal", dataset.id, goal, view.settings, as_of)
    return state.memo(key, lambda: goal_progress(dataset.tables, goal, as_of=as_of, settings=view.settings))


def progress_by_kpi(dataset: DataSet, view: View) -> dict[str, list[GoalProgress]]:
    """Every goal's progress, by KPI (for the Overview's cards)."""
    found: dict[str, list[GoalProgress]] = {}
    for goal in goals():
        found.setdefault(goal.kpi_id, []).append(progress_of(dataset, view, goal))
    return found


def value_text(kpi_id: str, value: float | None, currency: str | None) -> str:
    """A value in the KPI's format."""
    return format_value(value, KPIS[kpi_id].format, currency=currency)


def target_value_text(kpi_id: str, value: float | None, currency: str | None) -> str:
    """A target in the KPI's format; a rate with two decimals (+20% on 1.90% is 2.28%, not 2.3%)."""
    if value is not None and KPIS[kpi_id].format == "percent":
        return f"{value:.2%}"
    return value_text(kpi_id, value, currency)


def target_text(progress: GoalProgress, currency: str | None) -> str:
    """``at least 2.28% (+20% on 1.90% over 15 Nov – 31 Dec 2025)``."""
    goal = progress.goal
    words = f"{DIRECTION_WORDS[goal.direction]} {target_value_text(goal.kpi_id, progress.target, currency)}"
    if goal.uplift is not None and goal.baseline is not None:
        base = target_value_text(goal.kpi_id, progress.baseline_value, currency)
        words += f" ({goal.uplift:+.0%} on {base} over {goal.baseline.label()})"
    return words


def _marker_parts(progress: GoalProgress, currency: str | None) -> tuple[str, str]:
    """The marker's words before and after the status: ``Goal at least 2.28% by 31 Dec 2026:`` and
    `` (projected 2.35%)``."""
    goal = progress.goal
    head = f"Goal {target_text(progress, currency)} by {goal.end:%d %b %Y}:"
    tail = ""
    if progress.status in ("on_track", "off_track") and progress.projected is not None:
        tail = f" (projected {value_text(goal.kpi_id, progress.projected, currency)})"
    return head, tail


def marker_line(progress: GoalProgress, currency: str | None) -> str:
    """One line for a KPI card, as plain text: ``Goal at least 2.28% by 31 Dec 2026: on track
    (projected 2.35%)``."""
    head, tail = _marker_parts(progress, currency)
    return f"{head} {progress.label}{tail}"


def card_marker(progress: GoalProgress, currency: str | None) -> None:
    """The goal's progress marker on a KPI card: a bar for totals, and the status line with the
    status in its colour (the rest escaped, as every text built from data)."""
    if progress.shape == "total" and progress.progress is not None and progress.goal.direction == "at_least":
        st.progress(min(max(progress.progress, 0.0), 1.0))
    head, tail = _marker_parts(progress, currency)
    status = f":{STATUS_COLORS[progress.status]}[{progress.label}]"
    st.caption(f":material/flag: {md_escape(head)} {status}{md_escape(tail)}")


def goal_card(progress: GoalProgress, *, currency: str | None, index: int) -> None:
    """One goal: status, target, value so far, pace needed, projection, chart and Remove button."""
    goal = progress.goal
    kpi_id = goal.kpi_id
    with st.container(border=True):
        top, remove = st.columns([6, 1], vertical_alignment="center")
        with top:
            st.markdown(f"**{md_escape(goal.title())}** · {md_escape(goal.kpi.label)} · {goal.period.label()}")
            st.badge(progress.label, icon=STATUS_ICONS[progress.status], color=STATUS_COLORS[progress.status])
        if remove.button("Remove", key=f"remove_goal_{index}", icon=":material/delete:"):
            set_goals([g for g in goals() if g != goal])
            st.rerun()
        st.caption(md_escape(f"Target: {target_text(progress, currency)}" + _filters_text(goal)))
        if progress.status == "unavailable":
            st.warning(md_escape(progress.reason or "unavailable"), icon=":material/block:")
            return
        if progress.status == "not_started":
            st.info(md_escape(f"Not started: the goal {progress.reason}."), icon=":material/schedule:")
            return
        columns = st.columns(4)
        so_far = "Final value" if progress.days_left == 0 else f"So far ({progress.days_elapsed} days)"
        columns[0].metric(so_far, value_text(kpi_id, progress.value, currency))
        if progress.shape == "total" and progress.progress is not None:
            columns[1].metric("Of the target", f"{progress.progress:.0%}")
        if progress.days_left:
            _pace_metrics(progress, columns, currency)
        for note in progress.notes:
            st.caption(md_escape(note))
        if progress.projection is not None and progress.projection.path:
            charts.show(goal_figure(progress, currency), key=f"goal_chart_{index}")


def _filters_text(goal: Goal) -> str:
    if not goal.filters:
        return ""
    return " · " + "; ".join(f"{name}: {', '.join(values)}" for name, values in goal.filters)


def _pace_metrics(progress: GoalProgress, columns: Sequence, currency: str | None) -> None:
    kpi_id = progress.goal.kpi_id
    word = "Needed" if progress.goal.direction == "at_least" else "At most"
    if progress.shape == "total":
        needed = value_text(kpi_id, progress.needed, currency)
        columns[2].metric(
            f"{word} per day ({progress.days_left} days left)",
            needed,
            delta=f"so far {value_text(kpi_id, progress.pace, currency)} a day",
            delta_color="off",
            delta_arrow="off",
        )
    elif progress.shape == "ratio" and progress.needed is not None:
        columns[2].metric(
            f"{word} over the {progress.days_left} days left",
            value_text(kpi_id, progress.needed, currency),
            delta_color="off",
        )
    if progress.projected is not None:
        interval = None
        if progress.projected_low is not None and progress.projected_high is not None:
            bounds = format_interval(
                progress.projected_low, progress.projected_high, progress.goal.kpi.format, currency=currency
            )
            interval = f"95%: {bounds}"
        columns[3].metric(
            f"Projected by {progress.goal.end:%d %b}",
            value_text(kpi_id, progress.projected, currency),
            delta=interval,
            delta_color="off",
            delta_arrow="off",
        )


def goal_figure(progress: GoalProgress, currency: str | None) -> go.Figure:
    """The KPI over the goal period so far (running total, or running ratio since the goal's
    start), its projection to the end of the goal period (with its 95% interval), and the target."""
    goal, kpi_id = progress.goal, progress.goal.kpi_id
    assert progress.projection is not None
    path, projected_path = progress.projection.path, progress.projection.projected_path
    color = charts.color_for("Paid Search")
    fig = go.Figure()
    name = "Running total" if progress.shape == "total" else f"{goal.kpi.label} since the start"
    fig.add_scatter(
        x=[day for day, _ in path],
        y=[value for _, value in path],
        name=name,
        line={"color": color, "width": 3},
    )
    if projected_path:
        fig.add_scatter(
            x=[day for day, _ in projected_path],
            y=[value for _, value in projected_path],
            name="Forecast",
            line={"color": color, "dash": "dot", "width": 2},
        )
    if progress.projected_low is not None and progress.projected_high is not None:
        fig.add_scatter(
            x=[goal.end, goal.end],
            y=[progress.projected_low, progress.projected_high],
            mode="lines",
            line={"color": color, "width": 10},
            opacity=0.3,
            name="95% interval at the end",
        )
    if progress.target is not None:
        fig.add_hline(
            y=progress.target,
            line={"color": "#E53935", "dash": "dash"},
            annotation_text="target",
            annotation_position="top left",
        )
    axis = charts.tick_format(kpi_id, currency)
    fig.update_traces(yhoverformat=axis["tickformat"], xhoverformat="%d %b %Y")
    fig.update_xaxes(range=[goal.start - timedelta(days=1), goal.end + timedelta(days=1)])
    fig.update_yaxes(**axis, rangemode="tozero")
    return charts.style(fig, height=300)


# --- the form ----------------------------------------------------------------------------


def _input_scale(kpi_id: str) -> float:
    """Rates are typed in percent."""
    return 100.0 if KPIS[kpi_id].format == "percent" else 1.0


def goal_form(dataset: DataSet, view: View) -> None:
    """Add a goal: a KPI, a goal period and a target (a value, or an uplift on a baseline period).
    The SMART checklist is shown as it is filled in; only a goal that passes it is added."""
    span = dataset.tables.date_range()
    last = span[1] if span else date.today()
    month = calendar_period(last, "month")
    ids = [kpi.id for kpi in REGISTRY]
    left, right = st.columns(2, gap="large")
    kpi_id = left.selectbox(
        "KPI (specific)",
        ids,
        index=ids.index("conversion_rate"),
        format_func=lambda k: KPIS[k].label,
        key="goal_kpi",
    )
    name = left.text_input("Name (optional)", key="goal_name", max_chars=120, placeholder="e.g. Holiday conversion")
    picked = left.date_input(
        "Goal period (time-bound)", value=(month.start, month.end), key="goal_period", format="YYYY-MM-DD"
    )
    period = state.picked_dates(picked)
    directions = ["at_least", "at_most"]
    direction = left.radio(
        "The KPI must end",
        directions,
        index=directions.index(default_direction(KPIS[kpi_id])),
        format_func=DIRECTION_WORDS.get,
        horizontal=True,
        key=f"goal_direction_{kpi_id}",
    )
    kind = right.segmented_control(
        "Target (measurable)",
        ["value", "uplift"],
        format_func={"value": "A value", "uplift": "An uplift on a baseline period"}.get,
        default="uplift",
        key="goal_kind",
        required=True,
    )
    target = uplift = None
    baseline: list[date] = []
    scale = _input_scale(kpi_id)
    if kind == "value":
        unit = " (%)" if scale == 100 else ""
        typed = right.number_input(f"Target{unit}", value=None, key=f"goal_target_{kpi_id}", placeholder="a number")
        target = None if typed is None else typed / scale
    else:
        typed = right.number_input(
            "Uplift (%)", value=20.0, step=5.0, key="goal_uplift", help="+20 means 20% above the baseline"
        )
        uplift = None if typed is None else typed / 100
        last_year = calendar_period(year_earlier(month.start), "month")  # the same month last year
        default_base = (last_year.start, last_year.end)
        chosen = right.date_input("Baseline period", value=default_base, key="goal_baseline", format="YYYY-MM-DD")
        baseline = state.picked_dates(chosen)
    use_filters = bool(view.filters) and right.checkbox(
        "Only the data the sidebar's filters keep", key="goal_use_filters", help="The goal keeps these filters."
    )
    start = min(period) if period else last
    goal = Goal(
        kpi_id=kpi_id,
        start=start,
        end=max(period)
        if len(period) == 2
        else (min(period) - timedelta(days=1) if period else last - timedelta(days=1)),
        direction=direction,
        target=target,
        uplift=uplift,
        baseline_start=min(baseline) if len(baseline) == 2 else None,
        baseline_end=max(baseline) if len(baseline) == 2 else None,
        name=name.strip(),
        filters=view.filters if use_filters else (),
    )
    unmet = smart_check(goal)
    if len(period) != 2:  # one date picked so far: the end is still to come
        unmet["Time-bound"] = ["pick the period's end date"]
    smart_checklist(goal, unmet)
    passes = not any(unmet.values())
    if passes:
        preview = progress_of(dataset, view, goal)
        if preview.target is None:
            st.warning(md_escape(f"This goal cannot be measured yet: {preview.reason}"), icon=":material/block:")
        else:
            st.caption(
                md_escape(
                    f"The goal: {goal.kpi.label} {target_text(preview, dataset.tables.currency)}, "
                    f"{goal.period.label()}; today it is {preview.label}."
                )
            )
    if st.button("Add the goal", type="primary", icon=":material/add:", disabled=not passes):
        set_goals([*goals(), goal])
        st.rerun()


def smart_checklist(goal: Goal, unmet: dict[str, list[str]]) -> None:
    """Specific, measurable, time-bound: each a green or red badge, with what it lacks."""
    met = {
        "Specific": f"one KPI: {goal.kpi.label}" if goal.kpi_id in KPIS else "",
        "Measurable": "a number to reach",
        "Time-bound": "a goal period with a start and an end",
    }
    lines = []
    for criterion, problems in unmet.items():
        badge = (
            f":red-badge[:material/close: {criterion}]" if problems else f":green-badge[:material/check: {criterion}]"
        )
        lines.append(f"{badge} {md_escape('; '.join(problems) or met[criterion])}")
    st.markdown("  \n".join(lines))


# --- the goals file ----------------------------------------------------------------------


def goals_file_section() -> None:
    """Download the goals as JSON or YAML; load goals from such a file (they are added)."""
    current = goals()
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Download goals (JSON)",
            dump_goals(current).encode(),
            file_name="kpi_goals.json",
            mime="application/json",
            icon=":material/download:",
            disabled=not current,
            key="goals_json",
        )
        st.download_button(
            "Download goals (YAML)",
            dump_goals(current, fmt="yaml").encode(),
            file_name="kpi_goals.yaml",
            mime="application/yaml",
            icon=":material/download:",
            disabled=not current,
            key="goals_yaml",
        )
    with right:
        upload_round = st.session_state.setdefault("goals_upload_round", 0)
        upload = st.file_uploader("Load a goals file", type=["json", "yaml", "yml"], key=f"goals_upload_{upload_round}")
        if upload is not None:
            _load(upload.name, upload.getvalue())
            release_uploaded_files([upload])  # read once: Streamlit's copy is not kept
            st.session_state["goals_upload_round"] = upload_round + 1  # a fresh file chooser
            st.rerun()
        for kind, message in st.session_state.get("goals_messages", []):
            {"error": st.error, "success": st.success, "warning": st.warning}[kind](md_escape(message))


def _load(file_name: str, content: bytes) -> None:
    """Add the goals of an uploaded file; keep what to say about it (shown under the file chooser
    until the next file)."""
    messages: list[tuple[str, str]] = []
    try:
        loaded, problems = load_goals(content, file_name)
    except GoalFileError as error:
        messages.append(("error", str(error)))
    else:
        set_goals([*goals(), *loaded])
        messages.append(("success", f"{file_name}: {len(loaded)} goal(s) loaded"))
        messages.extend(("warning", problem) for problem in problems)
    st.session_state["goals_messages"] = messages
