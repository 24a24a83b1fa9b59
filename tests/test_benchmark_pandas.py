"""The benchmark's pandas baseline (benchmarks/pandas_kpis.py) reproduces the contract's conformance figures."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest

from benchmarks.pandas_kpis import clean_orders, cohort_table, compute_kpis, load_csv, parse_datetimes

TABLES = ("orders", "traffic", "spend", "leads", "nps")


@pytest.fixture(scope="module")
def pandas_tables(conformance_dir):
    """The conformance CSVs read with pandas."""
    return load_csv({name: conformance_dir / f"{name}.csv" for name in TABLES})


def _close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-12)


@pytest.mark.parametrize("index", range(5))
def test_conformance_case(pandas_tables, conformance_cases, index):
    case = conformance_cases[index]
    got = compute_kpis(
        pandas_tables,
        start=date.fromisoformat(case["start"]),
        end=date.fromisoformat(case["end"]),
        filters=case["filters"],
        margin=case.get("margin"),
        ltv_months=case.get("ltv_months", 12),
    )
    expected = {kpi: figures["value"] for kpi, figures in case["expected"].items()}
    assert set(got) == set(expected)
    wrong = {kpi: (got[kpi], value) for kpi, value in expected.items() if not _close(got[kpi], value)}
    assert not wrong, f"{case['name']}: (got, expected) {wrong}"


@pytest.mark.parametrize("index", range(5))
def test_conformance_compare_window(pandas_tables, conformance_cases, index):
    """The comparison figures too: the same function over the case's comparison window."""
    case = conformance_cases[index]
    window = case["compare_window"]
    if window is None:
        pytest.skip("no comparison in this case")
    got = compute_kpis(
        pandas_tables,
        start=date.fromisoformat(window["start"]),
        end=date.fromisoformat(window["end"]),
        filters=case["filters"],
        margin=case.get("margin"),
        ltv_months=case.get("ltv_months", 12),
    )
    expected = {kpi: figures["compare"] for kpi, figures in case["expected"].items()}
    wrong = {kpi: (got[kpi], value) for kpi, value in expected.items() if not _close(got[kpi], value)}
    assert not wrong, f"{case['name']} (compare): (got, expected) {wrong}"


def test_zone_offset_dropped():
    parsed = parse_datetimes(pd.Series(["2024-03-01 23:30:00+1100", "2024-03-02", None], dtype="str"))
    assert parsed.tolist()[:2] == [pd.Timestamp("2024-03-01 23:30:00"), pd.Timestamp("2024-03-02")]
    assert pd.isna(parsed.iloc[2])


def test_cohort_table_shares():
    orders = clean_orders(
        pd.DataFrame(
            {
                "order_id": ["a", "b", "c", "d", "e"],
                "customer_id": ["x", "x", "y", None, "x"],
                "ordered_at": [
                    datetime(2024, 1, 5),
                    datetime(2024, 2, 7),
                    datetime(2024, 1, 9),
                    datetime(2024, 1, 10),
                    datetime(2024, 3, 1),
                ],
                "revenue": [10.0, 20.0, 5.0, 7.0, 1.0],
                "status": ["paid", "paid", "paid", "paid", "cancelled"],
            }
        )
    )
    table = cohort_table({"orders": orders}, months=[date(2024, 1, 1)])
    assert table.columns.tolist() == ["cohort", "customers", "month_0", "month_1"]
    assert table.iloc[0].tolist() == [date(2024, 1, 1), 3, 1.0, pytest.approx(1 / 3)]


def test_channel_derived_only_where_missing():
    from benchmarks.pandas_kpis import with_channels

    frame = pd.DataFrame(
        {"channel": ["Email", None, None], "source": ["google", "google", None], "medium": ["cpc", "cpc", None]},
        dtype="str",
    )
    assert with_channels(frame)["channel"].tolist()[:2] == ["Email", "Paid Search"]
    assert pd.isna(with_channels(frame)["channel"].iloc[2])  # no origin at all: stays empty
