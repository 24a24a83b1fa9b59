"""Benchmarks as context, never verdicts: the typical ranges quoted in public sources for a few KPIs,
each a labelled band with its source, for a chart or a card to show next to the figure (and for
the user to switch off). A band says where other businesses are often quoted to be; it does not
say whether a figure is right for this business.

Sources, as found (the bands are rules of thumb, mostly from SaaS and lead-generation businesses):

* LTV : CAC of 3 or more, CAC payback under 12 months: David Skok, "SaaS Metrics 2.0 – A Guide to
  Measuring and Improving What Matters", For Entrepreneurs,
  http://www.forentrepreneurs.com/saas-metrics-2/ ("LTV to CAC ratio that is higher than 3";
  profitability suffers "if the time to recover CAC extends beyond 12 months").
* Website visitor → lead 2–4%: a commonly quoted range; Klipfolio's metric page gives 2.4% as the
  global average web page conversion rate,
  https://www.klipfolio.com/metrics/marketing/lead-conversion-rate.
* Landing page 10–20%: a commonly quoted rule of thumb for dedicated landing pages; no source we
  found confirms the range, so it has no link.

Bounds are inclusive: a value equal to a bound is within the band (0.02 is within 2–4%). CAC payback
counts whole months (1 = repaid within the first month), so "under 12 months" reads as "repaid
within the first 12 months": 12 is within, 13 is above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from kpi.formats import FormatTag, format_value
from kpi.registry import KPIS, Unit

Position = Literal["below", "within", "above"]


@dataclass(frozen=True)
class Benchmark:
    """A band ``[low, high]`` in the KPI's unit (rates as fractions); ``None`` leaves a side open.
    ``label`` is what a chart writes on the band, ``source`` a short citation, ``source_url`` its
    address (``None`` when no source confirms the figure) and ``note`` what the band means."""

    kpi_id: str
    low: float | None
    high: float | None
    label: str
    source: str
    source_url: str | None
    note: str
    unit: Unit
    """The unit ``low`` and ``high`` are written in; a test holds it equal to the registry's."""


_SKOK = "David Skok, SaaS Metrics 2.0, For Entrepreneurs"
_SKOK_URL = "http://www.forentrepreneurs.com/saas-metrics-2/"

BENCHMARKS: dict[str, Benchmark] = {
    benchmark.kpi_id: benchmark
    for benchmark in (
        Benchmark(
            kpi_id="lead_conversion_rate",
            low=0.02,
            high=0.04,
            label="typical 2–4%",
            source="commonly quoted range; Klipfolio gives 2.4% as the global average web page conversion rate",
            source_url="https://www.klipfolio.com/metrics/marketing/lead-conversion-rate",
            note=(
                "Share of website visitors who become a contact or lead, as often quoted across industries. "
                "It moves with the offer, the traffic mix and what counts as a lead: context, not a target."
            ),
            unit="ratio",
        ),
        Benchmark(
            kpi_id="landing_page_conversion_rate",
            low=0.10,
            high=0.20,
            label="typical 10–20%",
            source="commonly quoted rule of thumb for dedicated landing pages; no source found confirms the range",
            source_url=None,
            note=(
                "Often quoted for dedicated landing pages with a single offer; pages with several aims or cold "
                "traffic convert less. Context, not a target."
            ),
            unit="ratio",
        ),
        Benchmark(
            kpi_id="ltv_cac_ratio",
            low=3.0,
            high=None,
            label="rule of thumb: 3 or more",
            source=_SKOK,
            source_url=_SKOK_URL,
            note=(
                "A rule of thumb from SaaS unit economics: a customer's lifetime value about three times what it "
                "cost to acquire, or more. LTV here is realised over the LTV horizon setting, so a short horizon "
                "reads lower. Context, not a verdict."
            ),
            unit="ratio",
        ),
        Benchmark(
            kpi_id="cac_payback_months",
            low=None,
            high=12.0,
            label="rule of thumb: under 12 months",
            source=_SKOK,
            source_url=_SKOK_URL,
            note=(
                "A rule of thumb from SaaS unit economics: acquisition cost earned back within a year. Counted "
                "here in whole months, so 12 (repaid within the 12th month) is inside the band. Context, not a "
                "verdict."
            ),
            unit="months",
        ),
    )
}


def position(benchmark: Benchmark, value: float | None) -> Position | None:
    """Where ``value`` lies against the band, bounds included; ``None`` when there is no value.

    >>> lead = BENCHMARKS["lead_conversion_rate"]
    >>> position(lead, 0.0199), position(lead, 0.02), position(lead, 0.04), position(lead, 0.0401), position(lead, None)
    ('below', 'within', 'within', 'above', None)
    >>> position(BENCHMARKS["cac_payback_months"], 12), position(BENCHMARKS["cac_payback_months"], 13)
    ('within', 'above')
    """
    if value is None or not math.isfinite(value):
        return None
    if benchmark.low is not None and value < benchmark.low:
        return "below"
    if benchmark.high is not None and value > benchmark.high:
        return "above"
    return "within"


def describe(
    benchmark: Benchmark, value: float | None, format: FormatTag | None = None, *, with_source: bool = True
) -> str:
    """The band in words with its source (unless ``with_source`` is False: a card keeps the source
    for its tooltip) and, when there is a value, where the value lies; plain position words, no
    judgement. ``format`` defaults to the KPI's own format.

    >>> describe(BENCHMARKS["ltv_cac_ratio"], 2.5)
    'rule of thumb: 3 or more (David Skok, SaaS Metrics 2.0, For Entrepreneurs); 2.50× is below it'
    >>> describe(BENCHMARKS["ltv_cac_ratio"], 2.5, with_source=False)
    'rule of thumb: 3 or more; 2.50× is below it'
    >>> describe(BENCHMARKS["cac_payback_months"], None)
    'rule of thumb: under 12 months (David Skok, SaaS Metrics 2.0, For Entrepreneurs)'
    """
    text = f"{benchmark.label} ({benchmark.source})" if with_source else benchmark.label
    where = position(benchmark, value)
    if where is None:
        return text
    shown = format_value(value, format or KPIS[benchmark.kpi_id].format)
    return f"{text}; {shown} is {where} it"
