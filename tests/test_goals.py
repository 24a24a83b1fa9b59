"""Goals (kpi/goals.py): targets, progress, the pace needed and the projection, computed by hand on
steady data (a steady daily series is forecast at its own level), the SMART rules and the goals
file."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from kpi import Tables
from kpi.goals import (
    MAX_GOALS,
    Goal,
    GoalFileError,
    dump_goals,
    goal_progress,
    load_goals,
    smart_problems,
)

FIRST, LAST = date(2023, 12, 1), date(2024, 1, 20)
JANUARY = (date(2024, 1, 1), date(2024, 1, 31))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def steady_tables(first: date = FIRST, last: date = LAST, *, daily_spend: float = 50.0) -> Tables:
    """Every day: 100 sessions, 60 engaged, 2 with a purchase; one order of 100.00 by a new
    customer; 50.00 of spend."""
    days = _days(first, last)
    traffic = pl.DataFrame(
        {
            "date": days,
            "sessions": [100] * len(days),
            "engaged_sessions": [60] * len(days),
            "purchase_sessions": [2] * len(days),
        }
    )
    orders = pl.DataFrame(
        {
            "order_id": [f"o{n}" for n in range(len(days))],
            "customer_id": [f"c{n}" for n in range(len(days))],
            "ordered_at": [datetime(day.year, day.month, day.day, 12) for day in days],
            "revenue": [100.0] * len(days),
        }
    )
    spend = pl.DataFrame({"date": days, "spend": [daily_spend] * len(days)})
    return Tables.from_frames(traffic=traffic, orders=orders, spend=spend)


@pytest.fixture(scope="module")
def tables() -> Tables:
    return steady_tables()


def goal(kpi_id: str, direction: str = "at_least", **fields) -> Goal:
    return Goal(kpi_id, *JANUARY, direction=direction, **fields)


def test_a_total_goal_by_hand(tables):
    # Jan 1–20: 20 × 100 = 2,000 of 4,000. Days left 11: needed (4,000 − 2,000) / 11 = 181.82 a day
    # against 100 a day so far; projected 2,000 + 11 × 100 = 3,100: off track.
    progress = goal_progress(tables, goal("revenue", target=4000.0), as_of=LAST)
    assert (progress.value, progress.days_elapsed, progress.days_left) == (2000.0, 20, 11)
    assert progress.progress == pytest.approx(0.5)
    assert progress.pace == pytest.approx(100.0)
    assert progress.needed == pytest.approx(2000 / 11)
    assert progress.projected == pytest.approx(3100.0, abs=1e-6)
    assert progress.status == "off_track"
    assert progress.shape == "total"
    assert progress.projected_low <= progress.projected <= progress.projected_high
    # the running total: 100, 200, … 2,000 on 20 Jan, then 100 more each day to 3,100 on 31 Jan
    assert progress.projection.path[0] == (date(2024, 1, 1), 100.0)
    assert progress.projection.path[-1] == (LAST, 2000.0)
    assert progress.projection.projected_path[0] == (LAST, 2000.0)
    assert progress.projection.projected_path[-1][0] == date(2024, 1, 31)
    assert progress.projection.projected_path[-1][1] == pytest.approx(3100.0, abs=1e-6)
    assert goal_progress(tables, goal("revenue", target=3000.0), as_of=LAST).status == "on_track"


def test_a_ratio_goal_needs_the_rate_that_lifts_the_whole_period(tables):
    # conversion so far 40 / 2,000 = 2%; the 11 days left bring 1,100 sessions. To end at 2.5%:
    # r* = (0.025 × 3,100 − 40) / 1,100 = 37.5 / 1,100 = 3.409%; projected (40 + 22) / 3,100 = 2%
    progress = goal_progress(tables, goal("conversion_rate", target=0.025), as_of=LAST)
    assert progress.value == pytest.approx(0.02)
    assert progress.needed == pytest.approx(37.5 / 1100, abs=1e-9)
    assert progress.projected == pytest.approx(0.02, abs=1e-9)
    assert progress.status == "off_track"
    assert progress.notes[0].endswith("The 11 days left are forecast to bring 1,100 sessions.")
    # the running rate is 2% every day, and so is its projection
    assert {round(value, 12) for _, value in (*progress.projection.path, *progress.projection.projected_path)} == {0.02}
    assert progress.projection.projected_path[-1][0] == date(2024, 1, 31)
    assert goal_progress(tables, goal("conversion_rate", target=0.019), as_of=LAST).status == "on_track"


def test_a_complement_rate_goal_at_most(tables):
    # bounce = 1 − 60% = 40% so far; at most 35% means 65% engaged over the whole month:
    # engaged share needed (0.65 × 3,100 − 1,200) / 1,100 = 0.740909, so bounce 25.909% on the days left
    progress = goal_progress(tables, goal("bounce_rate", "at_most", target=0.35), as_of=LAST)
    assert progress.value == pytest.approx(0.40)
    assert progress.needed == pytest.approx(1 - 815 / 1100, abs=1e-9)
    assert progress.status == "off_track"
    assert goal_progress(tables, goal("bounce_rate", "at_most", target=0.45), as_of=LAST).status == "on_track"


def test_an_uplift_goal_takes_its_target_from_the_baseline(tables):
    # December: 2% conversion; +20% makes the target 2.4%
    progress = goal_progress(
        tables,
        goal("conversion_rate", uplift=0.2, baseline_start=date(2023, 12, 1), baseline_end=date(2023, 12, 31)),
        as_of=LAST,
    )
    assert progress.baseline_value == pytest.approx(0.02)
    assert progress.target == pytest.approx(0.024)
    # CAC: 50 / 1 new customer a day = 50; −10% makes "at most 45"
    cac = goal_progress(
        tables,
        goal("cac", "at_most", uplift=-0.1, baseline_start=date(2023, 12, 1), baseline_end=date(2023, 12, 31)),
        as_of=LAST,
    )
    assert cac.target == pytest.approx(45.0)
    assert cac.status == "off_track"


def test_a_baseline_without_data_makes_the_goal_unavailable_with_the_reason(tables):
    progress = goal_progress(
        tables,
        goal("conversion_rate", uplift=0.2, baseline_start=date(2022, 11, 1), baseline_end=date(2022, 11, 30)),
        as_of=LAST,
    )
    assert progress.status == "unavailable"
    assert progress.reason == "baseline 1 Nov 2022 – 30 Nov 2022: no sessions in period"
    # a baseline of 0 (no spend in December): +20% on 0 sets no target
    zero = steady_tables(daily_spend=0.0)
    spend_goal = goal("spend", "at_most", uplift=0.2, baseline_start=date(2023, 12, 1), baseline_end=date(2023, 12, 31))
    unmeasured = goal_progress(zero, spend_goal, as_of=LAST)
    assert unmeasured.status == "unavailable"
    assert unmeasured.reason == "baseline 1 Dec 2023 – 31 Dec 2023: the KPI was 0 there, and an uplift on 0 is still 0"


def test_before_during_and_after_the_goal_period(tables):
    later = Goal("revenue", date(2024, 2, 1), date(2024, 2, 29), "at_least", target=100.0)
    assert goal_progress(tables, later, as_of=LAST).status == "not_started"
    december = Goal("revenue", date(2023, 12, 1), date(2023, 12, 31), "at_least", target=3100.0)
    assert goal_progress(tables, december, as_of=LAST).status == "reached"  # 31 × 100 = 3,100
    missed = Goal("revenue", date(2023, 12, 1), date(2023, 12, 31), "at_least", target=3100.01)
    assert goal_progress(tables, missed, as_of=LAST).status == "missed"


def test_a_kpi_that_does_not_add_up_over_days_gets_no_projection(tables):
    progress = goal_progress(tables, goal("customers", target=30.0), as_of=LAST)
    assert (progress.shape, progress.status, progress.value, progress.projected) == ("level", "in_progress", 20.0, None)
    assert goal_progress(tables, goal("customers", target=20.0), as_of=LAST).status == "on_track"


def test_with_too_little_history_a_total_is_projected_at_the_pace_so_far():
    short = steady_tables(date(2024, 1, 1), date(2024, 1, 5))
    progress = goal_progress(short, goal("revenue", target=3100.0), as_of=date(2024, 1, 5))
    assert progress.projected == pytest.approx(500 + 26 * 100)
    assert progress.notes == ("projected at the pace so far: a forecast needs at least 28 days with data, there are 5",)


def test_smart_rules():
    ok = goal("revenue", target=1.0)
    assert smart_problems(ok) == []
    assert smart_problems(goal("nonsense", target=1.0)) == ["Specific: 'nonsense' is not a KPI of this app"]
    assert smart_problems(goal("revenue")) == [
        "Measurable: give either a target value or an uplift on a baseline period"
    ]
    assert smart_problems(goal("revenue", target=float("nan"))) == ["Measurable: the target must be a number"]
    assert smart_problems(goal("revenue", uplift=0.2)) == ["Measurable: an uplift needs a baseline period"]
    overlapping = goal("revenue", uplift=0.2, baseline_start=date(2024, 1, 1), baseline_end=date(2024, 1, 10))
    assert smart_problems(overlapping) == ["Measurable: the baseline period must end before the goal period starts"]
    backwards = Goal("revenue", date(2024, 2, 1), date(2024, 1, 1), "at_least", target=1.0)
    assert smart_problems(backwards) == ["Time-bound: the goal period ends before it starts"]


GOALS = [
    Goal(
        "conversion_rate",
        date(2024, 11, 15),
        date(2024, 12, 31),
        "at_least",
        uplift=0.2,
        baseline_start=date(2023, 11, 15),
        baseline_end=date(2023, 12, 31),
        name="Holiday conversion",
        filters=(("device", ("mobile",)),),
    ),
    Goal("cac", date(2024, 1, 1), date(2024, 3, 31), "at_most", target=40.0),
]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_goals_round_trip_through_their_file(fmt):
    text = dump_goals(GOALS, fmt=fmt)
    loaded, problems = load_goals(text.encode(), f"goals.{fmt}")
    assert (loaded, problems) == (GOALS, [])


def test_the_json_file_is_small_and_readable():
    document = json.loads(dump_goals(GOALS[1:]))
    assert document == {
        "format": "kpi-explorer-goals",
        "version": 1,
        "goals": [{"kpi": "cac", "start": "2024-01-01", "end": "2024-03-31", "direction": "at_most", "target": 40.0}],
    }


def test_a_hand_written_yaml_file_with_unquoted_dates_loads():
    text = (
        b"format: kpi-explorer-goals\nversion: 1\ngoals:\n"
        b"  - kpi: nps\n    start: 2024-01-01\n    end: 2024-06-30\n    target: 50\n"
    )
    loaded, problems = load_goals(text, "mine.yaml")
    assert problems == []
    assert loaded == [Goal("nps", date(2024, 1, 1), date(2024, 6, 30), "at_least", target=50.0)]


def test_bad_goals_are_left_out_naming_the_file_and_the_goal():
    entries = [
        {"kpi": "nps", "start": "2024-01-01", "end": "2024-06-30", "target": 50},
        {"kpi": "=HYPERLINK()", "start": "2024-01-01", "end": "2024-06-30", "target": 1},
        {"kpi": "nps", "start": "first of may", "end": "2024-06-30", "target": 1},
        {"kpi": "nps", "start": "2024-01-01", "end": "2024-06-30", "target": "fifty"},
        {"kpi": "nps", "start": "2024-01-01", "end": "2024-06-30"},
        {"kpi": "nps", "start": "2024-01-01", "end": "2024-06-30", "target": 1, "filters": {"<script>": ["x"]}},
        "just text",
    ]
    text = json.dumps({"format": "kpi-explorer-goals", "version": 1, "goals": entries}).encode()
    loaded, problems = load_goals(text, "team.json")
    assert len(loaded) == 1
    assert problems == [
        "team.json: goal 2 left out: unknown KPI '=HYPERLINK()'",
        "team.json: goal 3 left out: start 'first of may' is not a date (YYYY-MM-DD)",
        "team.json: goal 4 left out: target 'fifty' is not a number",
        "team.json: goal 5 left out: Measurable: give either a target value or an uplift on a baseline period",
        "team.json: goal 6 left out: cannot filter by '<script>' (one of: channel, source, medium, campaign, device, "
        "landing_page)",
        "team.json: goal 7 left out: a goal must be a mapping of fields",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\xff", "g.json: not a text file (goals are saved as JSON or YAML)"),
        (b"{not: [closed", "g.json: not valid JSON or YAML (line 1)"),
        (b"[1, 2]", 'g.json: not a KPI Explorer goals file (it has no "format: kpi-explorer-goals")'),
        (b'{"format": "kpi-explorer-goals", "version": 2, "goals": []}', "g.json: goals file version 2 is not 1"),
        (b'{"format": "kpi-explorer-goals", "version": 1, "goals": {}}', 'g.json: "goals" must be a list'),
        (b"a: &a [*a]\nformat: x", 'g.json: not a KPI Explorer goals file (it has no "format: kpi-explorer-goals")'),
    ],
)
def test_an_unreadable_goals_file_is_refused_with_its_name(content, message):
    with pytest.raises(GoalFileError) as caught:
        load_goals(content, "g.json")
    assert str(caught.value) == message


def test_too_many_goals_are_refused():
    entry = {"kpi": "nps", "start": "2024-01-01", "end": "2024-06-30", "target": 50}
    text = json.dumps({"format": "kpi-explorer-goals", "version": 1, "goals": [entry] * (MAX_GOALS + 1)})
    with pytest.raises(GoalFileError, match=f"{MAX_GOALS + 1} goals; at most {MAX_GOALS} are read"):
        load_goals(text.encode(), "g.json")
