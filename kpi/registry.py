"""Every KPI of the contract (section 3), declared once as data.

A KPI is a record: id, label, group, unit, format, whether higher is better, whether it is an
outcome or an input (activity) KPI, its formula in words, and how it is computed from additive
**measures** (:mod:`kpi.measures`). Cards, tables, the CLI, the README's KPI table and the tests
all read this registry.

How a KPI is computed (``calc``):

* :class:`Measure` — the measure itself (``sessions``);
* :class:`Ratio` — ``scale × Σnumerator / Σdenominator``, or ``1 −`` that with ``complement``;
  the numerator may be a difference of measures (``"gross_profit - spend"``);
* :class:`KpiRatio` — one KPI divided by another (``ltv / cac``);
* :class:`Payback` — months until the new customers' margin revenue per customer repays CAC.

Ratios are always ratios of sums, so any breakdown is right by construction; a zero denominator
makes the KPI unavailable with the denominator's reason, never 0, inf or NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kpi.formats import FormatTag

Unit = Literal["count", "currency", "ratio", "days", "seconds", "score", "months"]
Group = Literal["traffic", "sales", "leads", "advertising", "customers", "satisfaction"]
Role = Literal["outcome", "input"]

GROUP_LABELS: dict[Group, str] = {
    "traffic": "Traffic",
    "sales": "Sales",
    "leads": "Leads and sales team",
    "advertising": "Advertising",
    "customers": "Customers",
    "satisfaction": "Satisfaction",
}


@dataclass(frozen=True)
class Measure:
    """The KPI is the measure ``name`` itself."""

    name: str


@dataclass(frozen=True)
class Ratio:
    """``scale × numerator / denominator`` (``1 − numerator / denominator`` with ``complement``).
    ``numerator`` is one measure or a difference such as ``"promoters - detractors"``."""

    numerator: str
    denominator: str
    scale: float = 1.0
    complement: bool = False


@dataclass(frozen=True)
class KpiRatio:
    """One KPI divided by another, each computed first (``ltv / cac``)."""

    numerator: str
    denominator: str


@dataclass(frozen=True)
class Payback:
    """Months until the new customers' cumulative net revenue × margin per customer reaches the
    KPI ``cost`` (CAC), over the customers the data lets us observe that long."""

    cost: str = "cac"


Calc = Measure | Ratio | KpiRatio | Payback


@dataclass(frozen=True)
class Kpi:
    """One KPI. ``fallback`` is used when ``calc`` needs a table or column the data lacks, and
    ``fallback_note`` says so on the card."""

    id: str
    label: str
    group: Group
    unit: Unit
    format: FormatTag
    higher_is_better: bool | None
    role: Role
    formula: str
    calc: Calc
    fallback: Calc | None = None
    fallback_note: str | None = None
    uses_margin: bool = False
    daily_series: bool = True
    """False when the KPI of a single day means something else than over the period (rates over
    the customers of a window: retention, repurchase, purchase frequency): no daily sparkline."""


REGISTRY: tuple[Kpi, ...] = (
    # Traffic
    Kpi(
        id="sessions",
        label="Sessions",
        group="traffic",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="Σ sessions",
        calc=Measure("sessions"),
    ),
    Kpi(
        id="users",
        label="Users (summed over rows)",
        group="traffic",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="Σ users over the traffic rows: a sum of the rows' users, not unique visitors",
        calc=Measure("users"),
    ),
    Kpi(
        id="pageviews",
        label="Pageviews",
        group="traffic",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="Σ pageviews",
        calc=Measure("pageviews"),
    ),
    Kpi(
        id="pages_per_session",
        label="Pages per session",
        group="traffic",
        unit="count",
        format="decimal",
        higher_is_better=True,
        role="input",
        formula="Σ pageviews / Σ sessions",
        calc=Ratio("pageviews", "sessions"),
    ),
    Kpi(
        id="avg_session_duration_s",
        label="Average session duration",
        group="traffic",
        unit="seconds",
        format="duration",
        higher_is_better=True,
        role="input",
        formula="Σ session duration in seconds / Σ sessions",
        calc=Ratio("session_duration_s", "sessions"),
    ),
    Kpi(
        id="engagement_rate",
        label="Engagement rate",
        group="traffic",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="Σ engaged sessions / Σ sessions",
        calc=Ratio("engaged_sessions", "sessions"),
    ),
    Kpi(
        id="bounce_rate",
        label="Bounce rate",
        group="traffic",
        unit="ratio",
        format="percent",
        higher_is_better=False,
        role="input",
        formula="1 − engagement rate = 1 − Σ engaged sessions / Σ sessions",
        calc=Ratio("engaged_sessions", "sessions", complement=True),
    ),
    Kpi(
        id="organic_search_share",
        label="Organic search share",
        group="traffic",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="Σ sessions with channel Organic Search / Σ sessions",
        calc=Ratio("organic_search_sessions", "sessions"),
    ),
    # Sales
    Kpi(
        id="revenue",
        label="Net revenue",
        group="sales",
        unit="currency",
        format="currency",
        higher_is_better=True,
        role="outcome",
        formula="sales − Σ refunded, over live orders (status ≠ cancelled)",
        calc=Measure("net_revenue"),
    ),
    Kpi(
        id="orders",
        label="Orders",
        group="sales",
        unit="count",
        format="count",
        higher_is_better=True,
        role="outcome",
        formula="count of live orders (status ≠ cancelled)",
        calc=Measure("orders"),
    ),
    Kpi(
        id="sales",
        label="Sales",
        group="sales",
        unit="currency",
        format="currency",
        higher_is_better=True,
        role="outcome",
        formula="Σ revenue of live orders, valued at order time (before later refunds)",
        calc=Measure("sales"),
    ),
    Kpi(
        id="aov",
        label="Average order value",
        group="sales",
        unit="currency",
        format="currency",
        higher_is_better=True,
        role="outcome",
        formula="sales / orders (before later refunds, as Shopify reports it)",
        calc=Ratio("sales", "orders"),
    ),
    Kpi(
        id="conversion_rate",
        label="Conversion rate",
        group="sales",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="outcome",
        formula="Σ purchase sessions / Σ sessions; where traffic has no purchase_sessions: orders / sessions",
        calc=Ratio("purchase_sessions", "sessions"),
        fallback=Ratio("orders", "sessions"),
        fallback_note="orders / sessions: traffic has no purchase_sessions column",
    ),
    Kpi(
        id="add_to_cart_rate",
        label="Add-to-cart rate",
        group="sales",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="Σ add-to-cart sessions / Σ sessions",
        calc=Ratio("add_to_cart_sessions", "sessions"),
    ),
    Kpi(
        id="cart_abandonment_rate",
        label="Cart abandonment rate",
        group="sales",
        unit="ratio",
        format="percent",
        higher_is_better=False,
        role="input",
        formula="1 − Σ purchase sessions / Σ add-to-cart sessions",
        calc=Ratio("purchase_sessions", "add_to_cart_sessions", complement=True),
    ),
    Kpi(
        id="checkout_abandonment_rate",
        label="Checkout abandonment rate",
        group="sales",
        unit="ratio",
        format="percent",
        higher_is_better=False,
        role="input",
        formula="1 − Σ purchase sessions / Σ checkout sessions",
        calc=Ratio("purchase_sessions", "checkout_sessions", complement=True),
    ),
    # Leads and sales team
    Kpi(
        id="leads",
        label="Leads",
        group="leads",
        unit="count",
        format="count",
        higher_is_better=True,
        role="outcome",
        formula="count of leads created in the period; without a leads table: Σ traffic leads",
        calc=Measure("leads"),
    ),
    Kpi(
        id="won_deals",
        label="Won deals",
        group="leads",
        unit="count",
        format="count",
        higher_is_better=True,
        role="outcome",
        formula="count of leads won in the period",
        calc=Measure("won_deals"),
    ),
    Kpi(
        id="sales_conversion_rate",
        label="Sales conversion rate",
        group="leads",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="outcome",
        formula="of the leads created in the period, the share won (at any time)",
        calc=Ratio("created_won", "leads_created"),
    ),
    Kpi(
        id="win_rate",
        label="Win rate",
        group="leads",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="outcome",
        formula="won / (won + lost), over leads won or lost in the period",
        calc=Ratio("closed_won", "closed_deals"),
    ),
    Kpi(
        id="lead_conversion_rate",
        label="Lead conversion rate",
        group="leads",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="Σ traffic leads / Σ sessions (website visitors who became contacts)",
        calc=Ratio("traffic_leads", "sessions"),
    ),
    Kpi(
        id="landing_page_conversion_rate",
        label="Landing page conversion rate",
        group="leads",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="Σ traffic leads / Σ sessions, over rows whose landing page is set and is not the home page",
        calc=Ratio("landing_page_leads", "landing_page_sessions"),
    ),
    Kpi(
        id="mqls",
        label="Marketing-qualified leads",
        group="leads",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="count of leads that became MQL in the period",
        calc=Measure("mqls"),
    ),
    Kpi(
        id="sqls",
        label="Sales-qualified leads",
        group="leads",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="count of leads that became SQL in the period",
        calc=Measure("sqls"),
    ),
    Kpi(
        id="mql_to_sql_rate",
        label="MQL → SQL rate",
        group="leads",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="of the leads created in the period that reached MQL, the share that reached SQL",
        calc=Ratio("created_mql_sql", "created_mql"),
    ),
    Kpi(
        id="lead_time_days",
        label="Lead time",
        group="leads",
        unit="days",
        format="days",
        higher_is_better=False,
        role="input",
        formula="median of (won − created) in days, over leads won in the period",
        calc=Measure("lead_time_days"),
    ),
    # Advertising
    Kpi(
        id="roas",
        label="Return on ad spend",
        group="advertising",
        unit="ratio",
        format="multiple",
        higher_is_better=True,
        role="outcome",
        formula="net revenue / spend (blended: all orders against all spend of the period)",
        calc=Ratio("net_revenue", "spend"),
    ),
    Kpi(
        id="romi",
        label="Return on marketing investment",
        group="advertising",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="outcome",
        formula="(net revenue × gross margin − spend) / spend",
        calc=Ratio("gross_profit - spend", "spend"),
        uses_margin=True,
    ),
    Kpi(
        id="cpa",
        label="Cost per acquisition (order)",
        group="advertising",
        unit="currency",
        format="currency",
        higher_is_better=False,
        role="outcome",
        formula="spend / orders",
        calc=Ratio("spend", "orders"),
    ),
    Kpi(
        id="cpl",
        label="Cost per lead",
        group="advertising",
        unit="currency",
        format="currency",
        higher_is_better=False,
        role="outcome",
        formula="spend / leads",
        calc=Ratio("spend", "leads"),
    ),
    Kpi(
        id="spend",
        label="Ad spend",
        group="advertising",
        unit="currency",
        format="currency",
        higher_is_better=None,
        role="input",
        formula="Σ spend",
        calc=Measure("spend"),
    ),
    Kpi(
        id="impressions",
        label="Impressions",
        group="advertising",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="Σ impressions",
        calc=Measure("impressions"),
    ),
    Kpi(
        id="clicks",
        label="Clicks",
        group="advertising",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="Σ clicks",
        calc=Measure("clicks"),
    ),
    Kpi(
        id="ctr",
        label="Click-through rate",
        group="advertising",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="Σ clicks / Σ impressions",
        calc=Ratio("clicks", "impressions"),
    ),
    Kpi(
        id="cpc",
        label="Cost per click",
        group="advertising",
        unit="currency",
        format="currency",
        higher_is_better=False,
        role="input",
        formula="Σ spend / Σ clicks",
        calc=Ratio("spend", "clicks"),
    ),
    Kpi(
        id="cpm",
        label="Cost per mille",
        group="advertising",
        unit="currency",
        format="currency",
        higher_is_better=False,
        role="input",
        formula="1000 × Σ spend / Σ impressions",
        calc=Ratio("spend", "impressions", scale=1000.0),
    ),
    # Customers
    Kpi(
        id="customers",
        label="Customers",
        group="customers",
        unit="count",
        format="count",
        higher_is_better=True,
        role="outcome",
        formula="distinct customers of the live orders in the period (a guest counts once per order)",
        calc=Measure("customers"),
    ),
    Kpi(
        id="new_customers",
        label="New customers",
        group="customers",
        unit="count",
        format="count",
        higher_is_better=True,
        role="outcome",
        formula=(
            "customers whose first live order in the whole data set falls in the period (and "
            "passes the filters: a customer belongs to the channel of their first order)"
        ),
        calc=Measure("new_customers"),
    ),
    Kpi(
        id="ltv",
        label="Customer lifetime value",
        group="customers",
        unit="currency",
        format="currency",
        higher_is_better=True,
        role="outcome",
        formula=(
            "gross margin × Σ net revenue of the live orders placed within H months of each new "
            "customer's first order / new customers (realised LTV)"
        ),
        calc=Ratio("ltv_gross_profit", "new_customers"),
        uses_margin=True,
    ),
    Kpi(
        id="cac",
        label="Customer acquisition cost",
        group="customers",
        unit="currency",
        format="currency",
        higher_is_better=False,
        role="outcome",
        formula=(
            "acquisition cost / new customers (blended); the cost is all marketing spend by default, or paid ad "
            "spend only, or all spend plus a monthly sales cost (a setting)"
        ),
        calc=Ratio("cac_spend", "new_customers"),
    ),
    Kpi(
        id="ltv_cac_ratio",
        label="LTV : CAC",
        group="customers",
        unit="ratio",
        format="multiple",
        higher_is_better=True,
        role="outcome",
        formula="LTV / CAC",
        calc=KpiRatio("ltv", "cac"),
        uses_margin=True,
    ),
    Kpi(
        id="cac_payback_months",
        label="CAC payback",
        group="customers",
        unit="months",
        format="months",
        higher_is_better=False,
        role="outcome",
        formula=(
            "months after the first order until the new customers' cumulative net revenue × gross margin per "
            "customer reaches CAC (1 = within the first month; over the customers the data covers that long)"
        ),
        calc=Payback("cac"),
        uses_margin=True,
        daily_series=False,
    ),
    Kpi(
        id="retention_rate",
        label="Retention rate",
        group="customers",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="outcome",
        formula=(
            "of the customers of the window of the same length just before the period (same "
            "filters), the share with a live order (any channel) in the period"
        ),
        calc=Ratio("retained_customers", "retention_base"),
        daily_series=False,
    ),
    Kpi(
        id="returning_customer_rate",
        label="Returning customer rate",
        group="customers",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula=(
            "of the customers of the period, the share with 2 or more live orders (any channel) "
            "placed on or before the period's end"
        ),
        calc=Ratio("returning_customers", "customers"),
    ),
    Kpi(
        id="repurchase_rate",
        label="Repurchase rate",
        group="customers",
        unit="ratio",
        format="percent",
        higher_is_better=True,
        role="input",
        formula="of the customers of the period, the share with 2 or more live orders (any channel) inside it",
        calc=Ratio("repurchasing_customers", "customers"),
        daily_series=False,
    ),
    Kpi(
        id="purchase_frequency",
        label="Purchase frequency",
        group="customers",
        unit="count",
        format="decimal",
        higher_is_better=True,
        role="input",
        formula="orders / customers",
        calc=Ratio("orders", "customers"),
        daily_series=False,
    ),
    # Satisfaction
    Kpi(
        id="nps",
        label="Net Promoter Score",
        group="satisfaction",
        unit="score",
        format="score",
        higher_is_better=True,
        role="outcome",
        formula="100 × (answers scoring 9–10 − answers scoring 0–6) / answers",
        calc=Ratio("promoters - detractors", "nps_responses", scale=100.0),
    ),
    Kpi(
        id="nps_responses",
        label="NPS answers",
        group="satisfaction",
        unit="count",
        format="count",
        higher_is_better=True,
        role="input",
        formula="count of survey answers in the period",
        calc=Measure("nps_responses"),
    ),
)

KPIS: dict[str, Kpi] = {kpi.id: kpi for kpi in REGISTRY}
EXTENSIONS: tuple[str, ...] = ("cac_payback_months",)
"""KPIs beyond section 3 of the contract (added for the LTV vs CAC analysis); every other KPI is
the contract's, with the contract's definition."""
CONTRACT_KPIS: tuple[str, ...] = tuple(kpi.id for kpi in REGISTRY if kpi.id not in EXTENSIONS)


def kpis_in_group(group: Group) -> tuple[Kpi, ...]:
    """The group's KPIs, outcome KPIs first, each kind in declared order."""
    members = [kpi for kpi in REGISTRY if kpi.group == group]
    return tuple(sorted(members, key=lambda kpi: kpi.role != "outcome"))


def help_text(kpi: Kpi, *, margin_set: bool = True) -> str:
    """The card's tooltip: the formula in words, and what the arrow colour means."""
    lines = [f"**{kpi.label}** = {kpi.formula}."]
    if kpi.fallback_note:
        lines.append(f"Fallback: {kpi.fallback_note}.")
    if kpi.uses_margin and not margin_set:
        lines.append("Revenue-based: no gross margin is set, so margin = 1.0.")
    if kpi.higher_is_better is None:
        lines.append("Neither direction is better: the change is shown in grey.")
    elif not kpi.higher_is_better:
        lines.append("Lower is better: a fall is shown in green.")
    return "  \n".join(lines)
