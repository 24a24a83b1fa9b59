"""kpi.formats (format tags as data), kpi.registry (every KPI of the contract, declared once) and
kpi.safety (spreadsheet formula injection)."""

from __future__ import annotations

import re

import pytest

from kpi.formats import FORMATS, change, format_currency, format_delta, format_duration, format_value
from kpi.measures import DERIVED, MEASURES
from kpi.registry import (
    CONTRACT_KPIS,
    EXTENSIONS,
    GROUP_LABELS,
    KPIS,
    REGISTRY,
    KpiRatio,
    Measure,
    Ratio,
    help_text,
    kpis_in_group,
)
from kpi.safety import neutralize_cell
from tests.conftest import SHARED

CONTRACT = SHARED / "spec" / "kpi-contract.md"

# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", list(FORMATS))
def test_every_format_renders_its_example(tag):
    fmt = FORMATS[tag]
    assert fmt.tag == tag
    assert format_value(fmt.example, tag) == fmt.example_text


def test_the_format_tags():
    assert set(FORMATS) == {
        "count",
        "currency",
        "percent",
        "decimal",
        "multiple",
        "days",
        "duration",
        "score",
        "months",
    }


def test_percent_table_scale_matches_the_d3_format():
    # printf "%.1f%%" does not multiply, d3 ".1%" does: tables scale by table_scale
    fmt = FORMATS["percent"]
    assert fmt.d3 == ".1%"
    assert fmt.printf % (0.03512 * fmt.table_scale) == "3.5%"
    assert all(FORMATS[tag].table_scale == 1.0 for tag in FORMATS if tag != "percent")


@pytest.mark.parametrize("tag", list(FORMATS))
def test_none_and_non_finite_are_an_em_dash(tag):
    assert format_value(None, tag) == "—"
    assert format_value(float("nan"), tag) == "—"
    assert format_value(float("inf"), tag) == "—"


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (6765.15, "EUR", "€6,765.15"),
        (6765.15, "eur", "€6,765.15"),
        (1234.5, "USD", "$1,234.50"),
        (1234.5, "GBP", "£1,234.50"),
        (1234.5, "AUD", "A$1,234.50"),
        (1234.5, "PLN", "1,234.50 PLN"),
        (1234567.891, None, "1,234,567.89"),
        (-5, "USD", "-$5.00"),
        (-1234.5, "PLN", "-1,234.50 PLN"),
        (-0.5, None, "-0.50"),
        (123456, "JPY", "¥123,456"),
        (0, "EUR", "€0.00"),
    ],
)
def test_currency(value, currency, text):
    assert format_value(value, "currency", currency=currency) == text
    assert format_currency(value, currency) == text


@pytest.mark.parametrize(
    ("value", "tag", "text"),
    [
        (0.0312, "percent", "3.1%"),
        (0.0, "percent", "0.0%"),
        (1.0, "percent", "100.0%"),
        (-0.25, "percent", "-25.0%"),
        (0.00049, "percent", "0.0%"),
        (42959, "count", "42,959"),
        (1234567, "count", "1,234,567"),
        (0, "count", "0"),
        (999, "count", "999"),
        (2.69359, "decimal", "2.69"),
        (1234.5, "decimal", "1,234.50"),
        (0.45879, "multiple", "0.46×"),
        (3.0, "multiple", "3.00×"),
        (48.479, "days", "48.5 days"),
        (1, "days", "1.0 days"),
        (-36.9565, "score", "-37.0"),
        (50, "score", "50.0"),
    ],
)
def test_format_value(value, tag, text):
    assert format_value(value, tag) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (44.6, "45s"),
        (59.4, "59s"),
        (59.6, "1m 00s"),
        (60, "1m 00s"),
        (122.24, "2m 02s"),
        (3599, "59m 59s"),
        (3600, "1h 00m"),
        (3900, "1h 05m"),
    ],
)
def test_durations(seconds, text):
    assert format_duration(seconds) == text
    assert format_value(seconds, "duration") == text


def test_an_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown format"):
        format_value(1.0, "bytes")  # type: ignore[arg-type]


# --- changes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "compare", "tag", "text"),
    [
        (110, 100, "currency", "+10.0%"),
        (90, 100, "count", "-10.0%"),
        (-50, -100, "currency", "+50.0%"),  # relative to |compare|
        (3.0, 2.0, "multiple", "+50.0%"),
        (0.031, 0.035, "percent", "-0.4 pp"),
        (0.0312, 0.0281, "percent", "+0.3 pp"),
        (-37, -50, "score", "+13.0 pts"),
        (20, 35, "score", "-15.0 pts"),
        # no change, or one that rounds to nothing, has no sign
        (100, 100, "count", "0.0%"),
        (100.0004, 100, "count", "0.0%"),
        (0.031, 0.031, "percent", "0.0 pp"),
        (0.0301, 0.03, "percent", "+0.01 pp"),  # small rates keep two decimals below 0.05 pp
        (0.030001, 0.03, "percent", "0.0 pp"),
        (10, 10, "score", "0.0 pts"),
        (9.96, 10, "score", "0.0 pts"),
        # nothing to compare
        (5, 0, "count", None),
        (5, None, "count", None),
        (None, 5, "percent", None),
    ],
)
def test_format_delta(value, compare, tag, text):
    assert format_delta(value, compare, tag) == text


def test_a_zero_base_has_a_change_in_points_but_not_in_percent():
    assert change(5, 0, "currency") is None
    assert change(0.02, 0.0, "percent") == pytest.approx(0.02)
    assert format_delta(0.02, 0.0, "percent") == "+2.0 pp"
    assert format_delta(12, 0, "score") == "+12.0 pts"


def test_change_values():
    assert change(110, 100, "count") == pytest.approx(0.1)
    assert change(0.035, 0.033, "percent") == pytest.approx(0.002)
    assert change(-37, -50, "score") == 13
    assert change(None, 1, "count") is None


def test_percent_kpis_change_in_points_and_nps_in_pts():
    percent_kpis = [kpi for kpi in REGISTRY if kpi.format == "percent"]
    assert {kpi.id for kpi in percent_kpis} >= {"conversion_rate", "engagement_rate", "ctr", "romi"}
    for kpi in percent_kpis:
        assert format_delta(0.05, 0.04, kpi.format) == "+1.0 pp", kpi.id
    assert KPIS["nps"].format == "score"
    assert format_delta(42, 30, KPIS["nps"].format) == "+12.0 pts"
    assert format_delta(120, 100, KPIS["revenue"].format) == "+20.0%"


# --- registry -----------------------------------------------------------------------------------


def _contract_ids() -> list[str]:
    """The ids of the tables of section 3 of the contract (a row may name several: "mqls, sqls")."""
    if not CONTRACT.exists():
        pytest.skip(f"contract not found at {CONTRACT}")
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## 3.", 1)[1].split("\n## 4.", 1)[0]
    ids: list[str] = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith(("| id ", "|---")):
            continue
        cell = line.split("|")[1]
        ids += [name.strip() for name in cell.split(",")]
    return ids


def test_the_registry_has_exactly_the_contract_kpis():
    ids = _contract_ids()
    assert len(ids) == 47
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", kpi_id) for kpi_id in ids), ids
    assert len(REGISTRY) == 47 + len(EXTENSIONS)
    assert sorted(CONTRACT_KPIS) == sorted(ids)
    assert set(EXTENSIONS) == {"cac_payback_months"}  # added by the LTV vs CAC analysis, beyond section 3


def test_ids_are_unique_and_indexed():
    ids = [kpi.id for kpi in REGISTRY]
    assert len(set(ids)) == len(ids)
    assert list(KPIS) == ids
    assert all(KPIS[kpi.id] is kpi for kpi in REGISTRY)


@pytest.mark.parametrize("kpi", REGISTRY, ids=lambda kpi: kpi.id)
def test_every_kpi_is_documented(kpi):
    assert kpi.label.strip()
    assert kpi.formula.strip()
    assert kpi.unit in {"count", "currency", "ratio", "days", "seconds", "score"} | (
        {"months"} if kpi.id in EXTENSIONS else set()
    )
    assert kpi.format in FORMATS
    assert kpi.role in {"outcome", "input"}
    assert kpi.group in GROUP_LABELS
    assert kpi.higher_is_better in {True, False, None}
    assert (kpi.fallback is None) == (kpi.fallback_note is None)


def _measures_of(calc) -> list[str]:
    if isinstance(calc, Measure):
        return [calc.name]
    if isinstance(calc, Ratio):
        return [token for token in calc.numerator.split() if token not in "+-"] + [calc.denominator]
    return []


@pytest.mark.parametrize("kpi", REGISTRY, ids=lambda kpi: kpi.id)
def test_every_measure_a_kpi_reads_exists(kpi):
    for calc in (kpi.calc, kpi.fallback):
        if calc is None:
            continue
        if isinstance(calc, KpiRatio):
            assert calc.numerator in KPIS
            assert calc.denominator in KPIS
            assert not isinstance(KPIS[calc.numerator].calc, KpiRatio)
            assert not isinstance(KPIS[calc.denominator].calc, KpiRatio)
        else:
            for name in _measures_of(calc):
                assert name in MEASURES or name in DERIVED, f"{kpi.id}: unknown measure {name!r}"


def test_units_agree_with_formats():
    allowed = {
        "percent": {"ratio"},
        "currency": {"currency"},
        "duration": {"seconds"},
        "days": {"days"},
        "score": {"score"},
        "multiple": {"ratio"},
        "count": {"count"},
        "decimal": {"count", "ratio"},
        "months": {"months"},
    }
    for kpi in REGISTRY:
        assert kpi.unit in allowed[kpi.format], kpi.id


@pytest.mark.parametrize("group", list(GROUP_LABELS))
def test_kpis_in_group_puts_outcomes_first_in_declared_order(group):
    members = [kpi for kpi in REGISTRY if kpi.group == group]
    got = kpis_in_group(group)
    assert [kpi.id for kpi in got] == [kpi.id for kpi in members if kpi.role == "outcome"] + [
        kpi.id for kpi in members if kpi.role == "input"
    ]
    roles = [kpi.role for kpi in got]
    assert roles == sorted(roles, key=lambda role: role != "outcome")


def test_kpis_in_group_of_traffic_and_satisfaction():
    assert [kpi.id for kpi in kpis_in_group("satisfaction")] == ["nps", "nps_responses"]
    assert [kpi.id for kpi in kpis_in_group("sales")][:4] == ["revenue", "orders", "sales", "aov"]
    assert sum(len(kpis_in_group(group)) for group in GROUP_LABELS) == len(REGISTRY)


@pytest.mark.parametrize("kpi", REGISTRY, ids=lambda kpi: kpi.id)
def test_help_text_mentions_the_label_and_formula(kpi):
    text = help_text(kpi)
    assert kpi.formula in text
    assert kpi.label in text


def test_help_text_says_what_the_card_must_say():
    assert "Fallback: orders / sessions" in help_text(KPIS["conversion_rate"])
    assert "Lower is better" in help_text(KPIS["cpc"])
    assert "Lower is better" not in help_text(KPIS["revenue"])
    assert "grey" in help_text(KPIS["spend"])
    assert "Revenue-based" in help_text(KPIS["romi"], margin_set=False)
    assert "Revenue-based" not in help_text(KPIS["romi"], margin_set=True)
    assert "Revenue-based" not in help_text(KPIS["sessions"], margin_set=False)


# --- formula injection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "\0x", '=HYPERLINK("http://x","y")', "-"],
)
def test_formula_triggers_get_an_apostrophe(text):
    assert neutralize_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 5, 0, -1.5, 3.25, None, True, "", "Paid Search", "a=b", "'=1+1", " =1"])
def test_other_values_pass_unchanged(value):
    assert neutralize_cell(value) is value


@pytest.mark.parametrize("text", ["=1+1", "@x", "plain", "-5", "\t"])
def test_neutralize_cell_is_idempotent(text):
    once = neutralize_cell(text)
    assert neutralize_cell(once) == once
