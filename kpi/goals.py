"""Goals: a target for one KPI over a goal period, and where the data stands against it.

A goal's target is either an absolute value ("CAC at most 40", "NPS at least 50") or a baseline
period's value plus an uplift ("conversion rate +20% against 15 Nov – 31 Dec 2024"). Its progress
depends on how the KPI adds up over days:

* a **total** (sessions, orders, net revenue, spend…) is a sum over the goal period: progress =
  total so far / target; the pace needed = (target − total so far) / days left; the projection =
  total so far + the forecast of the days left (:mod:`kpi.projection`, :mod:`kpi.forecast`);
* a **ratio of sums** (conversion rate, AOV, CAC, ROAS…) is Σ numerator / Σ denominator over the
  goal period: with N and D so far and D′ the denominator forecast for the days left, the rate the
  days left need is r* = (target × (D + D′) − N) / D′, and the projection is
  (N + N′) / (D + D′) with N′ the numerator's forecast;
* any other KPI (distinct customers, a median, LTV:CAC, the payback) does not add up over days:
  its value so far is compared with the target, without a projection.

Goals live in a small JSON or YAML file the user keeps (:func:`dump_goals`, :func:`load_goals`);
nothing is stored on a server.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import yaml

from kpi.engine import compute, from_kpi_scale, on_kpi_scale
from kpi.measures import Settings
from kpi.periods import Period
from kpi.projection import Projection, Shape, kpi_shape, project
from kpi.registry import KPIS, Kpi
from kpi.schema import DIMENSIONS
from kpi.tables import Tables

Direction = Literal["at_least", "at_most"]
Status = Literal["not_started", "on_track", "off_track", "in_progress", "reached", "missed", "unavailable"]
FILE_FORMAT = "kpi-explorer-goals"
FILE_VERSION = 1
MAX_GOALS = 50
"""A goals file with more goals than this is refused (each goal costs a computation)."""
STATUS_LABELS: dict[Status, str] = {
    "not_started": "not started",
    "on_track": "on track",
    "off_track": "off track",
    "in_progress": "in progress",
    "reached": "reached",
    "missed": "missed",
    "unavailable": "unavailable",
}


@dataclass(frozen=True)
class Goal:
    """A target for one KPI over ``[start, end]``: ``target`` (absolute, on the KPI's scale: a rate
    as a fraction) or ``uplift`` (+0.2 = +20%) on the KPI's value over ``[baseline_start,
    baseline_end]``. ``direction`` says whether the KPI must end at least or at most at the target;
    ``filters`` restrict the data the goal is about (channel → values)."""

    kpi_id: str
    start: date
    end: date
    direction: Direction
    target: float | None = None
    uplift: float | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    name: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def kpi(self) -> Kpi:
        """The goal's KPI."""
        return KPIS[self.kpi_id]

    @property
    def period(self) -> Period:
        """The goal period."""
        return Period(self.start, self.end)

    @property
    def baseline(self) -> Period | None:
        """The baseline period of an uplift goal."""
        if self.baseline_start is None or self.baseline_end is None:
            return None
        return Period(self.baseline_start, self.baseline_end)

    def title(self) -> str:
        """The goal's name, or a sentence made of its parts."""
        return self.name or f"{self.kpi.label} {'≥' if self.direction == 'at_least' else '≤'} target"


def default_direction(kpi: Kpi) -> Direction:
    """``at_least`` when higher is better, ``at_most`` when lower is (and for spend: a budget)."""
    return "at_least" if kpi.higher_is_better else "at_most"


SMART: tuple[str, ...] = ("Specific", "Measurable", "Time-bound")
"""The criteria of a goal the form and the goals file enforce (achievable and relevant are the
user's call)."""


def smart_check(goal: Goal) -> dict[str, list[str]]:
    """Each SMART criterion with what the goal lacks for it (an empty list when it meets it).
    Specific: one KPI of the registry and a direction. Measurable: a finite target, or a finite
    uplift with a baseline period that ends before the goal starts. Time-bound: a goal period that
    ends on or after it starts."""
    specific, measurable, time_bound = [], [], []
    if goal.kpi_id not in KPIS:
        specific.append(f"'{goal.kpi_id}' is not a KPI of this app")
    if goal.direction not in ("at_least", "at_most"):
        specific.append("say whether the KPI must be at least or at most the target")
    if (goal.target is None) == (goal.uplift is None):
        measurable.append("give either a target value or an uplift on a baseline period")
    elif goal.target is not None and not math.isfinite(goal.target):
        measurable.append("the target must be a number")
    elif goal.uplift is not None:
        if not math.isfinite(goal.uplift) or goal.uplift <= -1:
            measurable.append("the uplift must be a number above -100%")
        if goal.baseline_start is None or goal.baseline_end is None:
            measurable.append("an uplift needs a baseline period")
        elif goal.baseline_end < goal.baseline_start:
            measurable.append("the baseline period ends before it starts")
        elif goal.baseline_end >= goal.start:
            measurable.append("the baseline period must end before the goal period starts")
    if goal.end < goal.start:
        time_bound.append("the goal period ends before it starts")
    return dict(zip(SMART, (specific, measurable, time_bound), strict=True))


def smart_problems(goal: Goal) -> list[str]:
    """What keeps a goal from being SMART, one sentence each (``Measurable: …``); empty when it is."""
    return [f"{criterion}: {problem}" for criterion, problems in smart_check(goal).items() for problem in problems]


@dataclass(frozen=True)
class GoalProgress:
    """Where a goal stands on ``as_of`` (the last day of data): its ``status``, the resolved
    ``target``, and the KPI's :class:`~kpi.projection.Projection` over the goal period (the value so
    far, the projection with its 95% interval, the running path). ``progress`` is the share of a
    total's target done; ``needed`` the pace the days left need (per day for a total; the rate over
    the days left for a ratio); ``pace`` a total's pace so far, per day."""

    goal: Goal
    status: Status
    as_of: date
    target: float | None = None
    baseline_value: float | None = None
    projection: Projection | None = None
    progress: float | None = None
    needed: float | None = None
    pace: float | None = None
    reason: str | None = None

    @property
    def label(self) -> str:
        """``on track``, ``off track``…"""
        return STATUS_LABELS[self.status]

    @property
    def value(self) -> float | None:
        """The KPI over the goal period so far."""
        return self.projection.value if self.projection else None

    @property
    def shape(self) -> Shape:
        """How the KPI adds up over days (total, ratio or level)."""
        return self.projection.shape if self.projection else kpi_shape(self.goal.kpi)

    @property
    def days_elapsed(self) -> int:
        """Days of the goal period up to the last day of data."""
        return self.projection.days_elapsed if self.projection else 0

    @property
    def days_left(self) -> int:
        """Days of the goal period after the last day of data."""
        return self.projection.days_left if self.projection else self.goal.period.days

    @property
    def projected(self) -> float | None:
        """The KPI at the end of the goal period, forecast."""
        return self.projection.projected if self.projection else None

    @property
    def projected_low(self) -> float | None:
        """The lower bound of the projection's 95% interval."""
        return self.projection.projected_low if self.projection else None

    @property
    def projected_high(self) -> float | None:
        """The upper bound of the projection's 95% interval."""
        return self.projection.projected_high if self.projection else None

    @property
    def notes(self) -> tuple[str, ...]:
        """How the projection was made."""
        return self.projection.notes if self.projection else ()


def meets(value: float, target: float, direction: Direction) -> bool:
    """``value ≥ target`` (at least) or ``value ≤ target`` (at most)."""
    return value >= target if direction == "at_least" else value <= target


def resolve_target(
    tables: Tables, goal: Goal, settings: Settings | None = None
) -> tuple[float | None, float | None, str | None]:
    """(target, baseline value, reason): the absolute target, or the baseline period's value ×
    (1 + uplift); ``None`` with the reason when the baseline value is unavailable or 0."""
    if goal.target is not None:
        return goal.target, None, None
    baseline = goal.baseline
    assert baseline is not None
    assert goal.uplift is not None
    item = compute(tables, baseline, dict(goal.filters), settings, comparison="none")[goal.kpi_id]
    if item.value is None:
        return None, None, f"baseline {baseline.label()}: {item.note or 'unavailable'}"
    if item.value == 0:
        return None, 0.0, f"baseline {baseline.label()}: the KPI was 0 there, and an uplift on 0 is still 0"
    return item.value * (1 + goal.uplift), item.value, None


def goal_progress(tables: Tables, goal: Goal, *, as_of: date, settings: Settings | None = None) -> GoalProgress:
    """The goal's status on ``as_of`` (see the module docstring)."""
    problems = smart_problems(goal)
    if problems:
        return GoalProgress(goal, "unavailable", as_of, reason="; ".join(problems))
    target, baseline_value, reason = resolve_target(tables, goal, settings)
    if target is None:
        return GoalProgress(goal, "unavailable", as_of, reason=reason)
    base = GoalProgress(goal, "not_started", as_of, target=target, baseline_value=baseline_value)
    if as_of < goal.start:
        return replace(base, reason=f"starts on {goal.start.isoformat()}")
    found = project(tables, goal.kpi_id, goal.period, as_of=as_of, filters=dict(goal.filters), settings=settings)
    base = replace(base, projection=found)
    if found.value is None:
        return replace(base, status="unavailable", reason=found.reason or "unavailable")
    if found.days_left == 0:
        return replace(base, status="reached" if meets(found.value, target, goal.direction) else "missed")
    if found.shape == "total":
        return replace(
            base,
            status=_status(found.projected, target, goal.direction),
            progress=found.value / target if target else None,
            needed=(target - found.value) / found.days_left,
            pace=found.value / found.days_elapsed,
        )
    if found.shape == "ratio":
        return replace(
            base, status=_status(found.projected, target, goal.direction), needed=_needed_rate(found, target)
        )
    # a level: distinct customers still grow as the period goes on, so not meeting it yet is no verdict
    return replace(base, status="on_track" if meets(found.value, target, goal.direction) else "in_progress")


def _status(projected: float | None, target: float, direction: Direction) -> Status:
    if projected is None:
        return "in_progress"
    return "on_track" if meets(projected, target, direction) else "off_track"


def _needed_rate(found: Projection, target: float) -> float | None:
    """The rate the days left need for the whole period to end on the target:
    r* = (target × (D + D′) − N) / D′, on the KPI's scale."""
    calc, n, d, d_left = found.calc, found.numerator, found.denominator, found.denominator_left
    if calc is None or n is None or d is None or not d_left or d_left <= 0:
        return None
    return on_kpi_scale(calc, (from_kpi_scale(calc, target) * (d + d_left) - n) / d_left)


# --- the goals file ----------------------------------------------------------------------


def goal_to_dict(goal: Goal) -> dict[str, Any]:
    """A goal as plain data (dates as ISO text), the fields that are set only."""
    data: dict[str, Any] = {
        "name": goal.name or None,
        "kpi": goal.kpi_id,
        "start": goal.start.isoformat(),
        "end": goal.end.isoformat(),
        "direction": goal.direction,
        "target": goal.target,
        "uplift": goal.uplift,
        "baseline_start": goal.baseline_start.isoformat() if goal.baseline_start else None,
        "baseline_end": goal.baseline_end.isoformat() if goal.baseline_end else None,
        "filters": {name: list(values) for name, values in goal.filters} or None,
    }
    return {key: value for key, value in data.items() if value is not None}


def dump_goals(goals: Sequence[Goal], *, fmt: Literal["json", "yaml"] = "json") -> str:
    """The goals file: ``{"format": "kpi-explorer-goals", "version": 1, "goals": [...]}``."""
    document = {"format": FILE_FORMAT, "version": FILE_VERSION, "goals": [goal_to_dict(goal) for goal in goals]}
    if fmt == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class GoalFileError(ValueError):
    """A goals file that cannot be read at all: the message names the file and the problem."""


def load_goals(content: bytes, file_name: str) -> tuple[list[Goal], list[str]]:
    """The goals of a JSON or YAML goals file, and a message for each goal left out (naming the
    file and the goal's number). Raises :class:`GoalFileError` when the file itself is unreadable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GoalFileError(f"{file_name}: not a text file (goals are saved as JSON or YAML)") from None
    try:
        document = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise GoalFileError(f"{file_name}: not valid JSON or YAML{where}") from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise GoalFileError(f'{file_name}: not a KPI Explorer goals file (it has no "format: {FILE_FORMAT}")')
    if document.get("version") != FILE_VERSION:
        raise GoalFileError(f"{file_name}: goals file version {document.get('version')!r} is not {FILE_VERSION}")
    entries = document.get("goals")
    if not isinstance(entries, list):
        raise GoalFileError(f'{file_name}: "goals" must be a list')
    if len(entries) > MAX_GOALS:
        raise GoalFileError(f"{file_name}: {len(entries)} goals; at most {MAX_GOALS} are read")
    goals, problems = [], []
    for number, entry in enumerate(entries, start=1):
        try:
            goal = goal_from_dict(entry)
        except (TypeError, ValueError, KeyError) as error:
            problems.append(f"{file_name}: goal {number} left out: {error}")
            continue
        unmet = smart_problems(goal)
        if unmet:
            problems.append(f"{file_name}: goal {number} left out: {'; '.join(unmet)}")
            continue
        goals.append(goal)
    return goals, problems


def _date(entry: Mapping[str, Any], key: str, *, required: bool = True) -> date | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise KeyError(f"no {key}")
        return None
    if isinstance(value, date):  # YAML reads an unquoted 2024-11-15 as a date
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{key} {str(value)[:40]!r} is not a date (YYYY-MM-DD)") from None


def _number(entry: Mapping[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} {str(value)[:40]!r} is not a number")
    return float(value)


def goal_from_dict(entry: Any) -> Goal:
    """A goal from the file's plain data (see :func:`goal_to_dict`)."""
    if not isinstance(entry, dict):
        raise TypeError("a goal must be a mapping of fields")
    kpi_id = str(entry.get("kpi", ""))
    if kpi_id not in KPIS:
        raise ValueError(f"unknown KPI {kpi_id[:40]!r}")
    direction = entry.get("direction", default_direction(KPIS[kpi_id]))
    if direction not in ("at_least", "at_most"):
        raise ValueError(f"direction {str(direction)[:40]!r} is not at_least or at_most")
    filters = entry.get("filters") or {}
    if not isinstance(filters, dict) or not all(isinstance(v, list) for v in filters.values()):
        raise ValueError("filters must map a dimension to a list of values")
    unknown = [str(name)[:40] for name in filters if name not in DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot filter by {unknown[0]!r} (one of: {', '.join(DIMENSIONS)})")
    start, end = _date(entry, "start"), _date(entry, "end")
    assert start is not None
    assert end is not None
    return Goal(
        kpi_id=kpi_id,
        start=start,
        end=end,
        direction=direction,
        target=_number(entry, "target"),
        uplift=_number(entry, "uplift"),
        baseline_start=_date(entry, "baseline_start", required=False),
        baseline_end=_date(entry, "baseline_end", required=False),
        name=str(entry.get("name") or "")[:200],
        filters=tuple((str(name), tuple(str(v) for v in values)) for name, values in filters.items() if values),
    )
