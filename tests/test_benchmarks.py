"""Benchmark bands (kpi/benchmarks.py): context with a source, never a verdict. Positions at the edges
and the sentences are hand-written; every band belongs to a KPI of the registry, in its unit."""

from __future__ import annotations

import re

import pytest

from kpi.benchmarks import BENCHMARKS, Benchmark, describe, position
from kpi.registry import KPIS

VERDICT_WORDS = ("good", "bad", "poor", "excellent", "great", "healthy", "best", "worst", "should")


def test_the_four_bands_of_the_issue_in_the_kpis_units():
    bands = {kpi_id: (b.low, b.high, b.unit) for kpi_id, b in BENCHMARKS.items()}
    assert bands == {
        "lead_conversion_rate": (0.02, 0.04, "ratio"),  # website visitor → contact, 2–4%
        "landing_page_conversion_rate": (0.10, 0.20, "ratio"),  # 10–20%
        "ltv_cac_ratio": (3.0, None, "ratio"),  # 3 or more
        "cac_payback_months": (None, 12.0, "months"),  # under 12 months
    }


@pytest.mark.parametrize("benchmark", BENCHMARKS.values(), ids=lambda b: b.kpi_id)
def test_each_band_belongs_to_a_registry_kpi_in_its_unit(benchmark: Benchmark):
    assert benchmark.kpi_id in KPIS
    assert benchmark.unit == KPIS[benchmark.kpi_id].unit
    assert BENCHMARKS[benchmark.kpi_id] is benchmark
    assert benchmark.low is not None or benchmark.high is not None
    if benchmark.low is not None and benchmark.high is not None:
        assert benchmark.low < benchmark.high
    if KPIS[benchmark.kpi_id].format == "percent":  # rates are fractions, as the KPIs are
        assert all(0 <= bound <= 1 for bound in (benchmark.low, benchmark.high) if bound is not None)
    assert benchmark.label
    assert benchmark.source
    assert benchmark.note


@pytest.mark.parametrize("benchmark", BENCHMARKS.values(), ids=lambda b: b.kpi_id)
def test_a_source_url_is_a_plain_web_address_or_the_source_says_it_is_a_rule_of_thumb(benchmark: Benchmark):
    if benchmark.source_url is None:
        assert "rule of thumb" in benchmark.source
    else:
        assert re.fullmatch(r"https?://[\w.-]+/\S*", benchmark.source_url)


@pytest.mark.parametrize(
    ("kpi_id", "value", "expected"),
    [
        ("lead_conversion_rate", 0.0199, "below"),
        ("lead_conversion_rate", 0.02, "within"),  # bounds are inclusive
        ("lead_conversion_rate", 0.03, "within"),
        ("lead_conversion_rate", 0.04, "within"),
        ("lead_conversion_rate", 0.0401, "above"),
        ("landing_page_conversion_rate", 0.0999, "below"),
        ("landing_page_conversion_rate", 0.10, "within"),
        ("landing_page_conversion_rate", 0.20, "within"),
        ("landing_page_conversion_rate", 0.25, "above"),
        ("ltv_cac_ratio", 2.99, "below"),
        ("ltv_cac_ratio", 3.0, "within"),
        ("ltv_cac_ratio", 40.0, "within"),  # open above: never "above"
        ("cac_payback_months", 1.0, "within"),  # open below: never "below"
        ("cac_payback_months", 12.0, "within"),  # repaid within the 12th month: "under 12 months" holds
        ("cac_payback_months", 13.0, "above"),
        ("lead_conversion_rate", None, None),
        ("lead_conversion_rate", float("nan"), None),
    ],
)
def test_position_at_the_edges(kpi_id, value, expected):
    assert position(BENCHMARKS[kpi_id], value) == expected


def test_describe_says_the_band_its_source_and_where_the_value_lies():
    lead = BENCHMARKS["lead_conversion_rate"]
    source = "commonly quoted range; Klipfolio gives 2.4% as the global average web page conversion rate"
    assert describe(lead, 0.03) == f"typical 2–4% ({source}); 3.0% is within it"
    assert describe(lead, 0.015) == f"typical 2–4% ({source}); 1.5% is below it"
    assert describe(lead, None) == f"typical 2–4% ({source})"
    assert describe(BENCHMARKS["landing_page_conversion_rate"], 0.2512).endswith("; 25.1% is above it")
    skok = "David Skok, SaaS Metrics 2.0, For Entrepreneurs"
    assert describe(BENCHMARKS["ltv_cac_ratio"], 3.0) == f"rule of thumb: 3 or more ({skok}); 3.00× is within it"
    assert (
        describe(BENCHMARKS["cac_payback_months"], 14.0)
        == f"rule of thumb: under 12 months ({skok}); 14 months is above it"
    )
    assert describe(BENCHMARKS["cac_payback_months"], 14.0, "count").endswith("; 14 is above it")  # format given


def test_no_text_passes_a_verdict():
    for benchmark in BENCHMARKS.values():
        texts = [benchmark.label, benchmark.source, benchmark.note]
        texts += [describe(benchmark, value) for value in (0.0, 0.03, 0.5, 3.0, 12.0, 100.0)]
        for text in texts:
            found = [word for word in VERDICT_WORDS if re.search(rf"\b{word}\b", text, flags=re.IGNORECASE)]
            assert found == [], (benchmark.kpi_id, text)


def test_the_module_docstring_cites_every_source_url():
    import kpi.benchmarks

    urls = {benchmark.source_url for benchmark in BENCHMARKS.values()} - {None}
    assert urls
    assert all(url in kpi.benchmarks.__doc__ for url in urls)
