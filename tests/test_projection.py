"""Where a running period ends (kpi/projection.py), by hand on steady data: 100 sessions, 2 with a
purchase, one order of 100.00 and 50.00 of spend every day from 1 Dec 2023 to 20 Jan 2024."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.periods import Period
from kpi.projection import kpi_shape, project, running
from kpi.registry import KPIS
from tests.test_goals import LAST, steady_tables

JANUARY = Period(date(2024, 1, 1), date(2024, 1, 31))


@pytest.fixture(scope="module")
def tables():
    return steady_tables()


def test_shapes():
    ids = ("revenue", "sessions", "conversion_rate", "cac", "customers", "ltv_cac_ratio")
    assert [kpi_shape(KPIS[k]) for k in ids] == ["total", "total", "ratio", "ratio", "level", "level"]


def test_a_total_is_the_value_so_far_plus_the_forecast(tables):
    found = project(tables, "sessions", JANUARY, as_of=LAST)
    # 20 days × 100 so far, 11 days × 100 forecast
    assert (found.value, found.days_elapsed, found.days_left) == (2000.0, 20, 11)
    assert found.projected == pytest.approx(3100.0, abs=1e-6)
    assert found.projected_low == pytest.approx(3100.0, abs=1e-6)  # it never missed: a zero-width interval
    assert [day for day, *_ in found.daily_forecast] == [date(2024, 1, d) for d in range(21, 32)]
    assert [round(mean, 6) for _, mean, _, _ in found.daily_forecast] == [100.0] * 11
    assert found.notes[0].startswith("Forecast from the recent level and the weekday pattern")
    assert found.notes[0].endswith("Days left: 11.")


def test_a_ratio_is_projected_as_a_ratio_of_projected_sums(tables):
    found = project(tables, "aov", JANUARY, as_of=LAST)
    # 2,000 / 20 orders so far; 1,100 / 11 forecast: (2,000 + 1,100) / (20 + 11) = 100
    assert (found.numerator, found.denominator) == (2000.0, 20.0)
    assert found.denominator_left == pytest.approx(11.0)
    assert found.projected == pytest.approx(100.0)
    assert found.path[-1] == (LAST, 100.0)
    assert found.projected_path[-1][0] == date(2024, 1, 31)


def test_a_period_that_ended_is_its_final_value(tables):
    december = Period(date(2023, 12, 1), date(2023, 12, 31))
    found = project(tables, "revenue", december, as_of=LAST)
    assert (found.value, found.projected, found.days_left, found.daily_forecast) == (3100.0, 3100.0, 0, ())


def test_a_period_not_started_and_a_kpi_that_does_not_add_up(tables):
    february = Period(date(2024, 2, 1), date(2024, 2, 29))
    assert project(tables, "revenue", february, as_of=LAST).reason == "not started"
    customers = project(tables, "customers", JANUARY, as_of=LAST)
    assert (customers.value, customers.projected, customers.shape) == (20.0, None, "level")


def test_running():
    assert running([1.0, 2.0, 3.0]) == [1.0, 3.0, 6.0]
    assert running([]) == []
