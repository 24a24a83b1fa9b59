"""The KPI table download (kpi/exports.py): every KPI as a row with its comparison, change, note
and formula; changes computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from kpi import KPIS, REGISTRY, KpiValue, Period, Report, Settings
from kpi.exports import report_table
from kpi.safety import csv_bytes


def _report(values: dict[str, KpiValue], *, filters=None) -> Report:
    every = {kpi.id: values.get(kpi.id, KpiValue(kpi, None, note="no traffic data")) for kpi in REGISTRY}
    return Report(
        period=Period(date(2026, 11, 1), date(2026, 11, 30)),
        comparison="previous",
        compare_period=Period(date(2026, 10, 2), date(2026, 10, 31)),
        filters=filters or {},
        settings=Settings(),
        values=every,
        currency="EUR",
    )


def _rows(report: Report) -> dict[str, dict]:
    return {row["kpi"]: row for row in report_table(report).iter_rows(named=True)}


def test_one_row_per_kpi_in_the_registrys_order():
    table = report_table(_report({}))
    assert table.get_column("kpi").to_list() == [kpi.id for kpi in REGISTRY]
    assert table.get_column("label").to_list() == [kpi.label for kpi in REGISTRY]
    assert table.get_column("formula").to_list() == [kpi.formula for kpi in REGISTRY]


def test_change_is_value_minus_compare_and_relative_to_the_comparison():
    rows = _rows(
        _report(
            {
                "sessions": KpiValue(KPIS["sessions"], 250.0, 200.0),
                "conversion_rate": KpiValue(KPIS["conversion_rate"], 0.03, 0.04),
                "revenue": KpiValue(KPIS["revenue"], 1200.0, 0.0),
                "orders": KpiValue(KPIS["orders"], 12.0, None, compare_note="no orders in period"),
            }
        )
    )
    assert rows["sessions"]["change"] == pytest.approx(50.0)
    assert rows["sessions"]["change_pct"] == pytest.approx(0.25)  # 50 / 200
    assert rows["conversion_rate"]["change"] == pytest.approx(-0.01)
    assert rows["conversion_rate"]["change_pct"] == pytest.approx(-0.25)  # -0.01 / 0.04
    assert rows["revenue"]["change"] == pytest.approx(1200.0)
    assert rows["revenue"]["change_pct"] is None  # from 0: no relative change
    assert rows["orders"]["change"] is None
    assert rows["orders"]["note"] == "comparison: no orders in period"


def test_each_row_says_its_period_filters_unit_and_currency():
    rows = _rows(
        _report({"revenue": KpiValue(KPIS["revenue"], 10.0, 5.0)}, filters={"channel": ("Email", "=HYPERLINK(1)")})
    )
    assert rows["revenue"]["period"] == "2026-11-01..2026-11-30"
    assert rows["revenue"]["compared_with"] == "2026-10-02..2026-10-31"
    assert rows["revenue"]["filters"] == "channel: Email, =HYPERLINK(1)"
    assert rows["revenue"]["currency"] == "EUR"
    assert rows["sessions"]["currency"] is None
    assert rows["sessions"]["value"] is None
    assert rows["sessions"]["note"] == "no traffic data"


def test_the_csv_neutralises_text_that_would_run_as_a_formula():
    report = _report({}, filters={"campaign": ("x",)})
    table = report_table(report).with_columns(note=report_table(report).get_column("note").str.replace("^no", "=no"))
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=no traffic data" in text
    assert ",=no" not in text
