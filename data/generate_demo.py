"""Generate KPI Explorer's bundled demo data set: "Brew & Co.", a fictional coffee & tea gear shop.

The story
---------
Brew & Co. sells specialty coffee and tea gear (grinders, kettles, pour-over sets, tea ware) to
consumers through its web shop (prices in EUR; mostly Germany, plus Austria, the Netherlands, France,
Poland and a few more), at weekend markets and a Christmas pop-up store, and wholesale to cafés and
offices through a five-person B2B sales team. The five canonical tables of the KPI contract tell that
story over about two years of daily data ending on ``--end``:

* **traffic** - one row per day × source/medium/campaign × device, each row with the landing page
  most of its sessions started on. Organic and paid search, paid and organic social on four platforms
  (TikTok ads start in March 2025), a weekly newsletter, two referring blogs and direct visits. The
  shop grows about 25 % a year; Sundays are busy and Saturdays quiet; summer is slow, January dips,
  December is high and Black Friday / Cyber Monday spike. Paid social budgets rise in Q4. Mobile
  brings ~60 % of the sessions but converts at less than half the desktop rate.
* **orders** - one row per order. Every web order comes from a traffic row's ``purchase_sessions``
  (same day, channel, source, medium, campaign and device), so orders / sessions match the funnel.
  Markets and the pop-up store add ``Offline`` orders without traffic. New customers arrive through
  the acquisition channels; their later orders mostly come by e-mail, direct or organic search. About
  4 % of orders are refunded in full, 3 % in part and 2 % cancelled.
* **spend** - one row per day × paid source/campaign: clicks slightly above the matching paid sessions,
  CTR and CPC by platform. Paid search pays off (ROAS > 3), TikTok about breaks even on revenue,
  LinkedIn is expensive but feeds the wholesale pipeline. Also the newsletter tool (per e-mail sent)
  and the offline costs (market stands, pop-up rent, flyers).
* **leads** - one row per B2B lead: from the traffic rows' ``leads`` (mostly ``/wholesale`` and
  ``/lp/office-coffee``) plus trade fairs and phone calls. About half become MQLs, 45 % of those SQLs,
  and each rep wins a different share of the SQLs; recent leads are still open.
* **nps** - one row per survey answer: about 10 % of live orders answer 7-21 days later; refunded
  orders and the Christmas rush score lower, in-person and e-mail customers higher.

Regenerate (from the project root)::

    python data/generate_demo.py                      # seed 7, ending 2026-11-22, into data/demo
    python data/generate_demo.py --seed 8 --end 2025-06-30 --out /tmp/demo

The output depends only on ``--seed`` and ``--end``: the same arguments give byte-identical files
(``tests/test_demo_data.py`` regenerates the committed files and compares them byte for byte).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = 7
DEFAULT_END = date(2026, 11, 22)
DEFAULT_OUT = ROOT / "data" / "demo"

DAY_S = 86_400
BASE_SESSIONS = 1_030
"""Sessions per day at the start, before trend, season and holidays."""
GROWTH = 1.25
"""Yearly growth of the traffic."""

DEVICES = ("mobile", "desktop", "tablet")
DEVICE_CONVERSION = np.array([0.0095, 0.020, 0.014])
"""Purchase sessions per session by device, before the source, page and day effects."""
CHECKOUT_GIVEN_CART = np.array([0.42, 0.52, 0.48])
PURCHASE_GIVEN_CHECKOUT = np.array([0.45, 0.58, 0.52])
DEVICE_ENGAGEMENT = np.array([0.93, 1.08, 1.0])
DEVICE_PAGES = np.array([0.9, 1.15, 1.05])
DEVICE_DURATION = np.array([0.85, 1.25, 1.1])
DEVICE_LEADS = np.array([0.6, 1.5, 0.9])
DEVICE_BASKET = np.array([0.95, 1.12, 1.05])

PAGES: dict[str, tuple[float, float]] = {
    # landing page: (conversion multiplier, lead-form submissions per session)
    "/": (1.0, 0.0012),
    "/products/grinders": (1.25, 0.0002),
    "/products/kettles": (1.2, 0.0002),
    "/products/pour-over": (1.2, 0.0002),
    "/products/tea": (1.1, 0.0002),
    "/blog/brew-guide": (0.5, 0.0004),
    "/blog/tea-guide": (0.45, 0.0003),
    "/wholesale": (0.3, 0.05),
    "/lp/office-coffee": (0.2, 0.06),
    "/lp/bestsellers": (1.1, 0.0010),
    "/lp/spring-sale": (1.3, 0.0012),
    "/lp/cold-brew": (1.2, 0.0010),
    "/lp/black-friday": (1.35, 0.0015),
    "/lp/christmas-gifts": (1.3, 0.0020),
}
PAGE_NAMES = tuple(PAGES)

ORGANIC_PAGES = (
    ("/", 0.22),
    ("/products/grinders", 0.16),
    ("/products/kettles", 0.10),
    ("/products/pour-over", 0.08),
    ("/products/tea", 0.08),
    ("/blog/brew-guide", 0.22),
    ("/blog/tea-guide", 0.10),
    ("/wholesale", 0.02),
)
SOCIAL_PAGES = (
    ("/", 0.25),
    ("/blog/brew-guide", 0.30),
    ("/products/grinders", 0.15),
    ("/products/pour-over", 0.12),
    ("/products/tea", 0.15),
    ("/wholesale", 0.015),
)
PROSPECTING_PAGES = (
    ("/lp/bestsellers", 0.55),
    ("/products/grinders", 0.20),
    ("/products/pour-over", 0.15),
    ("/products/kettles", 0.10),
)
B2B_PAGES = (("/wholesale", 0.6), ("/lp/office-coffee", 0.4))
LINKEDIN_PAGES = (("/wholesale", 0.5), ("/blog/brew-guide", 0.3), ("/", 0.2))
SEARCH_PAGES = (
    ("/products/grinders", 0.4),
    ("/products/kettles", 0.25),
    ("/products/pour-over", 0.2),
    ("/products/tea", 0.15),
)
TIKTOK_PAGES = (("/lp/bestsellers", 0.7), ("/lp/cold-brew", 0.3))
NEWSLETTER_PAGES = (
    ("/lp/bestsellers", 0.35),
    ("/blog/brew-guide", 0.25),
    ("/products/grinders", 0.2),
    ("/products/tea", 0.2),
)
COFFEE_BLOG_PAGES = (("/products/grinders", 0.6), ("/products/pour-over", 0.4))
TEA_BLOG_PAGES = (("/products/tea", 0.7), ("/blog/tea-guide", 0.3))
HOME_PAGES = (
    ("/", 0.74),
    ("/products/grinders", 0.1),
    ("/products/kettles", 0.06),
    ("/products/tea", 0.06),
    ("/wholesale", 0.04),
)


@dataclass(frozen=True)
class Source:
    """One source/medium (and its default campaign) of the web traffic, with its behaviour."""

    source: str
    medium: str
    campaign: str
    share: float
    """Share of the shop's sessions at the start."""
    devices: tuple[float, float, float]
    """Share of the sessions on mobile, desktop, tablet (0 = no rows for that device)."""
    conversion: float
    """Purchase rate multiplier against the device baseline."""
    new_users: float
    engagement: float
    pages: float
    duration: float
    """Average seconds per session."""
    landing: tuple[tuple[str, float], ...]
    returning: float
    """Chance that an order from here is placed by an existing customer."""
    budget: str = ""
    """``search`` or ``social`` for paid rows whose budget follows the season."""
    sales: bool = False
    """Carries the running sale's campaign and landing page."""
    launch: date | None = None
    weekend: float = 1.0
    leads: float = 1.0
    refunds: float = 1.0


# fmt: off
SOURCES: tuple[Source, ...] = (
    # source, medium, campaign, share, (mobile, desktop, tablet), conversion, new users, engagement, pages, seconds,
    # landing pages, returning; then the keyword extras
    Source("google", "organic", "", 0.245, (0.56, 0.32, 0.12), 1.0, 0.62, 0.62, 3.1, 150, ORGANIC_PAGES, 0.44),
    Source("bing", "organic", "", 0.025, (0.3, 0.7, 0.0), 1.1, 0.55, 0.64, 3.3, 170, ORGANIC_PAGES, 0.4),
    Source("google", "cpc", "brand_search", 0.06, (0.6, 0.4, 0.0), 2.9, 0.35, 0.7, 3.6, 190, HOME_PAGES, 0.5,
           budget="search"),
    Source("google", "cpc", "generic_search", 0.09, (0.56, 0.32, 0.12), 1.75, 0.78, 0.55, 2.8, 120, SEARCH_PAGES, 0.12,
           budget="search", sales=True),
    Source("bing", "cpc", "brand_search", 0.015, (0.3, 0.7, 0.0), 1.7, 0.5, 0.66, 3.4, 180, HOME_PAGES, 0.35,
           budget="search"),
    Source("facebook", "paid_social", "prospecting_fb", 0.08, (0.74, 0.14, 0.12), 0.9, 0.82, 0.48, 2.3, 75,
           PROSPECTING_PAGES, 0.08, budget="social", sales=True, refunds=1.3),
    Source("instagram", "paid_social", "prospecting_ig", 0.08, (0.92, 0.08, 0.0), 0.8, 0.85, 0.44, 2.1, 65,
           PROSPECTING_PAGES, 0.06, budget="social", sales=True, refunds=1.4),
    Source("tiktok", "paid_social", "creators_tt", 0.04, (1.0, 0.0, 0.0), 0.7, 0.9, 0.34, 1.7, 40, TIKTOK_PAGES, 0.04,
           budget="social", sales=True, launch=date(2025, 3, 1), refunds=1.8),
    Source("linkedin", "paid_social", "wholesale_b2b", 0.015, (0.35, 0.65, 0.0), 0.12, 0.85, 0.6, 2.9, 140, B2B_PAGES,
           0.05, weekend=0.35, leads=1.6),
    Source("facebook", "social", "", 0.02, (0.72, 0.28, 0.0), 0.5, 0.6, 0.5, 2.2, 80, SOCIAL_PAGES, 0.3),
    Source("instagram", "social", "", 0.05, (0.9, 0.1, 0.0), 0.45, 0.7, 0.46, 2.0, 70, SOCIAL_PAGES, 0.25),
    Source("tiktok", "social", "", 0.025, (1.0, 0.0, 0.0), 0.25, 0.88, 0.36, 1.6, 45, SOCIAL_PAGES, 0.1),
    Source("linkedin", "social", "", 0.006, (0.4, 0.6, 0.0), 0.2, 0.7, 0.58, 2.6, 120, LINKEDIN_PAGES, 0.2,
           weekend=0.4, leads=1.2),
    Source("newsletter", "email", "weekly_newsletter", 0.06, (0.54, 0.34, 0.12), 2.2, 0.12, 0.72, 3.5, 170,
           NEWSLETTER_PAGES, 0.88, sales=True),
    Source("kaffeeklatsch-blog.de", "referral", "", 0.012, (0.45, 0.55, 0.0), 1.3, 0.75, 0.66, 3.2, 160,
           COFFEE_BLOG_PAGES, 0.2),
    Source("teatime-magazin.de", "referral", "", 0.015, (0.5, 0.5, 0.0), 1.1, 0.78, 0.63, 2.9, 150, TEA_BLOG_PAGES,
           0.2),
    Source("(direct)", "(none)", "", 0.14, (0.49, 0.39, 0.12), 1.4, 0.3, 0.68, 3.4, 175, HOME_PAGES, 0.66),
)
# fmt: on

ADS: dict[tuple[str, str], tuple[float, float]] = {
    # (source, default campaign): (click-through rate, cost per click in EUR)
    ("google", "brand_search"): (0.031, 0.32),
    ("google", "generic_search"): (0.018, 0.62),
    ("bing", "brand_search"): (0.024, 0.38),
    ("facebook", "prospecting_fb"): (0.011, 0.62),
    ("instagram", "prospecting_ig"): (0.009, 0.66),
    ("tiktok", "creators_tt"): (0.012, 0.40),
    ("linkedin", "wholesale_b2b"): (0.008, 2.35),
}

WEEKDAY_TRAFFIC = np.array([1.04, 1.01, 1.0, 0.99, 0.92, 0.84, 1.12])
"""Monday … Sunday."""
WEEKDAY_CONVERSION = np.array([1.0, 1.0, 1.0, 1.0, 0.97, 0.94, 1.06])
MONTH_TRAFFIC = np.array([0.82, 0.88, 0.98, 0.97, 0.93, 0.86, 0.79, 0.8, 0.94, 1.03, 1.2, 1.3])
"""Mid-month level of the sessions, January … December, interpolated day by day."""
SOCIAL_BUDGET = {6: 0.85, 7: 0.75, 8: 0.75, 10: 1.3, 11: 1.8, 12: 1.5}
SEARCH_BUDGET = {7: 0.9, 8: 0.9, 11: 1.35, 12: 1.3}
# fmt: off
ONLINE_HOURS = np.array([0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.4, 3.0, 3.4, 3.8,  # 0-11 h
                         4.4, 4.3, 4.0, 3.9, 4.0, 4.3, 4.9, 5.8, 6.6, 6.8, 5.2, 2.6])  # 12-23 h
"""Relative number of web orders by hour of the day: a lunch bump and a late-evening peak."""
OFFICE_HOURS = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.8, 2.5, 4.0, 4.2, 3.8,
                         2.6, 3.6, 3.8, 3.4, 2.6, 1.4, 0.8, 0.6, 0.5, 0.4, 0.2, 0.1])
"""Relative number of B2B leads by hour of the day."""
# fmt: on
COUNTRIES: dict[str, tuple[float, float]] = {
    # country: (share of web customers, VAT rate)
    "DE": (0.68, 0.19),
    "AT": (0.09, 0.20),
    "NL": (0.07, 0.21),
    "FR": (0.05, 0.20),
    "BE": (0.03, 0.21),
    "PL": (0.03, 0.23),
    "IT": (0.02, 0.22),
    "DK": (0.015, 0.25),
    "SE": (0.015, 0.25),
}
REPS: tuple[tuple[str, float, date | None], ...] = (
    # owner, share of their SQLs won, first day in the team
    ("Anna Keller", 0.52, None),
    ("Ben Novak", 0.45, None),
    ("Clara Dubois", 0.39, None),
    ("David Jansen", 0.29, None),
    ("Elif Yilmaz", 0.42, date(2025, 5, 1)),
)
B2B_CUSTOMER_START = 900_001
"""Won wholesale accounts get customer ids from C900001, far from the shop's own customers."""


@dataclass(frozen=True)
class Sale:
    """A sale: its campaign name, landing page, dates and typical discount."""

    campaign: str
    landing: str
    start: date
    end: date
    conversion: float
    discount: float


# --- calendar ----------------------------------------------------------------------------------


def start_of(end: date) -> date:
    """First day of the data: the first of the month 730 days before ``end``."""
    return (end - timedelta(days=730)).replace(day=1)


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return thursday + timedelta(days=22)


def sales_calendar(first: date, last: date) -> list[Sale]:
    """The sales of every year touching ``[first, last]``: spring, cold brew, Black Friday, Christmas."""
    sales: list[Sale] = []
    for year in range(first.year, last.year + 1):
        friday = black_friday(year)
        sales += [
            Sale(f"spring_sale_{year}", "/lp/spring-sale", date(year, 3, 20), date(year, 4, 6), 1.12, 0.15),
            Sale(f"summer_cold_brew_{year}", "/lp/cold-brew", date(year, 7, 1), date(year, 7, 21), 1.08, 0.1),
            Sale(
                f"black_friday_{year}",
                "/lp/black-friday",
                friday - timedelta(days=7),
                friday + timedelta(days=3),
                1.0,
                0.2,
            ),
            Sale(
                f"christmas_gifts_{year}",
                "/lp/christmas-gifts",
                friday + timedelta(days=4),
                date(year, 12, 18),
                1.05,
                0.1,
            ),
        ]
    return [sale for sale in sales if sale.end >= first and sale.start <= last]


def sale_index(days: list[date], sales: list[Sale]) -> np.ndarray:
    """For each day, the index of the running sale in ``sales``, or -1."""
    index = np.full(len(days), -1)
    for number, sale in enumerate(sales):
        for position, day in enumerate(days):
            if sale.start <= day <= sale.end:
                index[position] = number
    return index


def holiday_factors(day: date) -> tuple[float, float]:
    """(traffic, conversion) multipliers of one day around Black Friday, Christmas and New Year."""
    offset = (day - black_friday(day.year)).days
    if -7 <= offset <= -1:
        return 1.12, 0.85  # people wait for the deals
    peak = {0: (2.4, 1.6), 1: (1.7, 1.3), 2: (1.55, 1.25), 3: (2.05, 1.45)}
    if offset in peak:
        return peak[offset]
    if day.month == 12:
        if day.day <= 20:
            return 1.08, 1.12
        if day.day <= 23:
            return 0.95, 0.8  # too late for delivery before Christmas
        if day.day <= 26:
            return 0.55, 0.6
        return (0.8, 0.85) if day.day < 31 else (0.8, 0.7)
    if day.month == 1 and day.day == 1:
        return 0.65, 0.7
    return 1.0, 1.0


def season_curve(days: list[date]) -> np.ndarray:
    """The yearly season of the traffic, interpolated between the mid-month levels."""
    day_of_year = np.array([day.timetuple().tm_yday for day in days], dtype=float)
    middles = np.array([15.5 + 30.4 * month for month in range(12)])
    points = np.concatenate([middles - 365, middles, middles + 365])
    levels = np.tile(MONTH_TRAFFIC, 3)
    return np.interp(day_of_year, points, levels)


def email_rhythm(days: list[date], sales: list[Sale]) -> tuple[np.ndarray, np.ndarray]:
    """(send days as a boolean array, traffic multiplier of the e-mail sessions): a newsletter every
    Thursday plus the first day of each sale, Black Friday and Cyber Monday; clicks fade over two days."""
    extra = {sale.start for sale in sales}
    for year in {day.year for day in days}:
        extra |= {black_friday(year), black_friday(year) + timedelta(days=3)}
    send = np.array([day.weekday() == 3 or day in extra for day in days])
    factor = np.full(len(days), 0.45)
    for lag, level in ((2, 1.0), (1, 1.5), (0, 3.2)):
        shifted = np.zeros(len(days), dtype=bool)
        shifted[lag:] = send[: len(days) - lag]
        factor = np.where(shifted, level, factor)
    return send, factor


# --- traffic -----------------------------------------------------------------------------------


def channel_lookup() -> Callable[[str, str, str], str]:
    """The product's GA4 channel rules as a cached function of (source, medium, campaign)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kpi.channels import channel_for  # noqa: PLC0415 - the project root is on the path only now

    cache: dict[tuple[str, str, str], str] = {}

    def lookup(source: str, medium: str, campaign: str) -> str:
        key = (source, medium, campaign)
        if key not in cache:
            cache[key] = channel_for(source, medium, campaign or None).channel
        return cache[key]

    return lookup


def pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], size: tuple[int, ...]) -> np.ndarray:
    """Indices into ``PAGE_NAMES`` drawn with the options' weights."""
    names = np.array([PAGE_NAMES.index(name) for name, _ in options])
    weights = np.array([weight for _, weight in options])
    cumulative = np.cumsum(weights / weights.sum())
    return names[np.minimum(np.searchsorted(cumulative, rng.random(size)), len(names) - 1)]


def expected_sessions(days: list[date], sales: list[Sale], email: np.ndarray) -> np.ndarray:
    """Expected sessions per (day, source, device) before noise."""
    t = np.array([(day - days[0]).days for day in days], dtype=float)
    holiday = np.array([holiday_factors(day)[0] for day in days])
    weekday = np.array([day.weekday() for day in days])
    months = np.array([day.month for day in days])
    level = BASE_SESSIONS * GROWTH ** (t / 365.25) * season_curve(days) * holiday * WEEKDAY_TRAFFIC[weekday]
    spring = np.array([any(s.start <= day <= s.end and "spring" in s.campaign for s in sales) for day in days])
    level = level * np.where(spring, 1.06, 1.0)
    columns = []
    for source in SOURCES:
        daily = level * source.share
        if source.budget == "social":
            daily = daily * np.array([SOCIAL_BUDGET.get(month, 1.0) for month in months])
        if source.budget == "search":
            daily = daily * np.array([SEARCH_BUDGET.get(month, 1.0) for month in months])
        if source.medium == "email":
            daily = daily * email / WEEKDAY_TRAFFIC[weekday]
        daily = daily * np.where(weekday >= 5, source.weekend, 1.0)
        if source.launch:
            daily = daily * np.array([day >= source.launch for day in days])
        columns.append(daily[:, None] * np.array(source.devices)[None, :])
    return np.stack(columns, axis=1)


def traffic_table(
    rng: np.random.Generator, days: list[date], sales: list[Sale], email: np.ndarray, channel: Callable
) -> pl.DataFrame:
    """The traffic table: one row per day × source/medium/campaign × device with sessions."""
    n_days, n_sources = len(days), len(SOURCES)
    sale_of_day = sale_index(days, sales)
    lam = expected_sessions(days, sales, email)
    noise = rng.gamma(25.0, 1 / 25.0, size=(n_days, n_sources, 1))
    sessions = rng.poisson(lam * noise)

    page = np.zeros((n_days, n_sources, 3), dtype=int)
    campaign = np.empty((n_days, n_sources), dtype=object)
    for k, source in enumerate(SOURCES):
        page[:, k, :] = pick(rng, source.landing, (n_days, 3))
        campaign[:, k] = source.campaign
        if source.sales:
            on_sale = sale_of_day >= 0
            names = np.array([sales[i].campaign if i >= 0 else "" for i in sale_of_day], dtype=object)
            landing = np.array([PAGE_NAMES.index(sales[i].landing) if i >= 0 else 0 for i in sale_of_day])
            campaign[:, k] = np.where(on_sale, names, source.campaign)
            to_sale_page = on_sale[:, None] & (rng.random((n_days, 3)) < 0.85)
            page[:, k, :] = np.where(to_sale_page, landing[:, None], page[:, k, :])

    weekday = np.array([day.weekday() for day in days])
    holiday = np.array([holiday_factors(day)[1] for day in days])
    sale_boost = np.array([sales[i].conversion if i >= 0 else 1.0 for i in sale_of_day])
    growth = 1.0 + 0.06 * np.arange(n_days) / 365.25  # the shop gets a little better at selling
    day_conversion = holiday * sale_boost * WEEKDAY_CONVERSION[weekday] * growth
    page_conversion = np.array([PAGES[name][0] for name in PAGE_NAMES])[page]
    page_leads = np.array([PAGES[name][1] for name in PAGE_NAMES])[page]
    source_of = np.array([[source.conversion, source.leads] for source in SOURCES])

    rate = (
        DEVICE_CONVERSION[None, None, :]
        * source_of[None, :, 0, None]
        * day_conversion[:, None, None]
        * page_conversion
        * rng.gamma(40.0, 1 / 40.0, size=sessions.shape)
    )
    cart_rate = np.minimum(rate / (CHECKOUT_GIVEN_CART * PURCHASE_GIVEN_CHECKOUT)[None, None, :], 0.6)
    lead_rate = np.minimum(page_leads * DEVICE_LEADS[None, None, :] * source_of[None, :, 1, None], 0.2)

    keep = sessions > 0
    d_idx, k_idx, v_idx = np.nonzero(keep)
    s = sessions[keep]
    meta = np.array([[src.new_users, src.engagement, src.pages, src.duration] for src in SOURCES])[k_idx]
    users = 1 + rng.binomial(s - 1, 0.86)
    new_users = rng.binomial(users, meta[:, 0])
    engaged = rng.binomial(s, np.minimum(meta[:, 1] * DEVICE_ENGAGEMENT[v_idx], 0.95))
    pageviews = s + rng.poisson(s * (meta[:, 2] * DEVICE_PAGES[v_idx] - 1))
    duration = s * meta[:, 3] * DEVICE_DURATION[v_idx] * rng.gamma(30.0, 1 / 30.0, size=s.shape)
    cart = rng.binomial(s, cart_rate[keep])
    checkout = rng.binomial(cart, CHECKOUT_GIVEN_CART[v_idx])
    purchase = rng.binomial(checkout, PURCHASE_GIVEN_CHECKOUT[v_idx])
    leads = rng.binomial(s, lead_rate[keep])

    sources = np.array([src.source for src in SOURCES])[k_idx]
    mediums = np.array([src.medium for src in SOURCES])[k_idx]
    campaigns = campaign[d_idx, k_idx].astype(str)
    channels = [channel(a, b, c) for a, b, c in zip(sources, mediums, campaigns, strict=True)]
    return pl.DataFrame(
        {
            "date": np.array(days, dtype="datetime64[D]")[d_idx],
            "channel": channels,
            "source": sources,
            "medium": mediums,
            "campaign": campaigns,
            "device": np.array(DEVICES)[v_idx],
            "landing_page": np.array(PAGE_NAMES)[page[keep]],
            "sessions": s,
            "users": users,
            "new_users": new_users,
            "pageviews": pageviews,
            "engaged_sessions": engaged,
            "session_duration_s": np.round(duration, 1),
            "add_to_cart_sessions": cart,
            "checkout_sessions": checkout,
            "purchase_sessions": purchase,
            "leads": leads,
        }
    ).with_columns(pl.col("date").cast(pl.Date), pl.col(pl.Int32, pl.Int64).cast(pl.Int64))


# --- orders ------------------------------------------------------------------------------------


def times_of_day(rng: np.random.Generator, hours: np.ndarray, size: int) -> np.ndarray:
    """Seconds after midnight drawn from an hourly profile."""
    hour = rng.choice(24, size=size, p=hours / hours.sum())
    return hour * 3600 + rng.integers(0, 3600, size=size)


def web_orders(rng: np.random.Generator, traffic: pl.DataFrame) -> pl.DataFrame:
    """One order per purchase session of the traffic rows, with that row's day and dimensions."""
    rows = traffic.filter(pl.col("purchase_sessions") > 0).select(
        "date", "channel", "source", "medium", "campaign", "device", "purchase_sessions"
    )
    orders = rows.select(pl.all().repeat_by(pl.col("purchase_sessions")).explode()).drop("purchase_sessions")
    seconds = times_of_day(rng, ONLINE_HOURS, orders.height)
    returning = {(src.source, src.medium): src.returning for src in SOURCES}
    refunds = {(src.source, src.medium): src.refunds for src in SOURCES}
    keys = list(zip(orders["source"].to_list(), orders["medium"].to_list(), strict=True))
    return orders.with_columns(
        ordered_at=pl.col("date").cast(pl.Datetime("ms")) + pl.duration(seconds=pl.Series(seconds)),
        basket=pl.Series(DEVICE_BASKET[[DEVICES.index(d) for d in orders["device"].to_list()]]),
        p_return=pl.Series([returning[key] for key in keys]),
        p_guest=pl.lit(0.03),
        refund_factor=pl.Series([refunds[key] for key in keys]),
        offline=pl.lit(value=False),
    ).drop("date")


def market_days(days: list[date]) -> list[tuple[date, str, float]]:
    """(day, source, expected orders) of the offline selling days: Saturday markets (weekly from
    April to October, else every other week), Christmas-market weekends, and the pop-up store from
    mid-November to 23 December."""
    selling: list[tuple[date, str, float]] = []
    for day in days:
        saturday = day.weekday() == 5
        if saturday and (4 <= day.month <= 10 or day.day <= 7 or 15 <= day.day <= 21):
            selling.append((day, "market", 9.0))
        elif day.month == 12 and day.day <= 22 and day.weekday() == 6:
            selling.append((day, "market", 18.0))
        popup = date(day.year, 11, 14) <= day <= date(day.year, 12, 23) and day.weekday() < 6
        if popup:
            selling.append((day, "store", 7.0 if day.month == 11 else 12.0))
    return selling


def offline_orders(rng: np.random.Generator, days: list[date], channel: Callable) -> pl.DataFrame:
    """Orders taken at the markets and the pop-up store (no web traffic behind them)."""
    selling = market_days(days)
    counts = rng.poisson([expected for _, _, expected in selling])
    day = np.repeat(np.array([d for d, _, _ in selling], dtype="datetime64[D]"), counts)
    source = np.repeat(np.array([s for _, s, _ in selling]), counts)
    opening = np.where(source == "market", 9 * 3600, 10 * 3600)
    hours_open = np.where(source == "market", 5 * 3600, 9 * 3600)
    seconds = opening + (rng.random(day.size) * hours_open).astype(int)
    return pl.DataFrame(
        {
            "ordered_at": day.astype("datetime64[ms]") + seconds.astype("timedelta64[s]"),
            "channel": [channel(s, "offline", "") for s in source],
            "source": source,
            "medium": "offline",
            "campaign": "",
            "device": "",
            "basket": 0.62,
            "p_return": 0.25,
            "p_guest": 0.35,
            "refund_factor": 0.4,
            "offline": True,
        }
    ).with_columns(pl.col("ordered_at").cast(pl.Datetime("ms")))


def assign_customers(rng: np.random.Generator, orders: pl.DataFrame, regulars: int = 1_800) -> np.ndarray:
    """Customer index per order (-1 = guest), in time order. An order is placed by an existing
    customer with its source's ``p_return`` chance: half the time someone who ordered recently, half
    the time anyone, weighted by their orders so far. ``regulars`` customers bought before the data
    starts. Indices are renumbered in order of first appearance."""
    n = orders.height
    guest = rng.random(n) < orders["p_guest"].to_numpy()
    again = rng.random(n) < orders["p_return"].to_numpy()
    recent = rng.random(n) < 0.5
    uniform = rng.random(n)
    back = rng.exponential(2_500.0, size=n).astype(int)
    history = list(range(regulars))
    customer = np.full(n, -1)
    next_customer = regulars
    for i in range(n):
        if guest[i]:
            continue
        if again[i]:
            j = len(history) - 1 - back[i] if recent[i] else int(uniform[i] * len(history))
            chosen = history[max(j, 0)]
        else:
            chosen = next_customer
            next_customer += 1
        customer[i] = chosen
        history.append(chosen)
    known = customer >= 0
    _, first, inverse = np.unique(customer[known], return_index=True, return_inverse=True)
    numbered = np.full(n, -1)
    numbered[known] = np.argsort(np.argsort(first))[inverse]  # 0 for the customer who appears first, …
    return numbered


def order_values(rng: np.random.Generator, orders: pl.DataFrame, sales: list[Sale]) -> dict[str, np.ndarray]:
    """Revenue (net of discount) and discount of each order: sale prices during sales (web only), a
    10 % welcome code now and then, and a long tail of big baskets (grinders, kettles)."""
    n = orders.height
    big = rng.random(n) < 0.08
    gross = np.where(big, rng.lognormal(np.log(165.0), 0.45, n), rng.lognormal(np.log(44.0), 0.55, n))
    gross = np.maximum(gross * orders["basket"].to_numpy(), 6.9)
    days = orders["ordered_at"].dt.date().to_list()
    index = sale_index(sorted(set(days)), sales)
    sale_on = dict(zip(sorted(set(days)), index, strict=True))
    rate_on_sale = np.array([sales[sale_on[day]].discount if sale_on[day] >= 0 else 0.0 for day in days])
    offline = orders["offline"].to_numpy()
    on_sale = (rate_on_sale > 0) & ~offline & (rng.random(n) < 0.7)
    welcome = ~on_sale & ~offline & (rng.random(n) < 0.12)
    rate = np.where(on_sale, rate_on_sale, np.where(welcome, 0.1, 0.0))
    revenue = np.round(gross * (1 - rate), 2)
    return {"revenue": revenue, "discount": np.round(gross * rate, 2)}


def order_outcomes(rng: np.random.Generator, orders: pl.DataFrame, revenue: np.ndarray, end: date) -> dict:
    """Status and refunded amount: ~2 % cancelled, ~4 % refunded in full, ~3 % in part (fewer for
    the last two weeks, whose returns have not come back yet)."""
    n = orders.height
    age = (np.datetime64(end) - orders["ordered_at"].dt.date().to_numpy()).astype(int)
    settled = np.minimum(age / 14.0, 1.0) * orders["refund_factor"].to_numpy()
    offline = orders["offline"].to_numpy()
    u = rng.random(n)
    cancelled = ~offline & (u < 0.02)
    full = ~cancelled & (u < 0.02 + 0.04 * settled)
    partial = ~cancelled & ~full & (u >= 0.1) & (u < 0.1 + 0.03 * settled)
    share = rng.uniform(0.15, 0.6, n)
    refunded = np.where(full, revenue, np.where(partial, np.round(revenue * share, 2), 0.0))
    status = np.where(cancelled, "cancelled", np.where(full, "refunded", "paid"))
    return {"status": status, "refunded": refunded}


def orders_table(
    rng: np.random.Generator, traffic: pl.DataFrame, days: list[date], sales: list[Sale], channel: Callable
) -> pl.DataFrame:
    """The orders table: web orders from the traffic plus offline orders, numbered in time order."""
    orders = pl.concat([web_orders(rng, traffic), offline_orders(rng, days, channel)], how="diagonal_relaxed")
    orders = orders.with_row_index("_n").sort("ordered_at", "_n").drop("_n")
    customers = assign_customers(rng, orders)
    n_countries = customers.max() + 2
    names = list(COUNTRIES)
    weights = np.array([share for share, _ in COUNTRIES.values()])
    customer_country = rng.choice(len(names), size=n_countries, p=weights / weights.sum())
    guest_country = rng.choice(len(names), size=orders.height, p=weights / weights.sum())
    country_index = np.where(customers >= 0, customer_country[customers], guest_country)
    offline = orders["offline"].to_numpy()
    country = np.where(offline, "DE", np.array(names)[country_index])
    vat = np.array([COUNTRIES[c][1] for c in country])
    values = order_values(rng, orders, sales)
    revenue = values["revenue"]
    outcomes = order_outcomes(rng, orders, revenue, days[-1])
    free_from = np.where(country == "DE", 49.0, 79.0)
    shipping = np.where(offline | (revenue >= free_from), 0.0, np.where(country == "DE", 4.9, 9.9))
    ids = np.char.add("C", np.char.zfill((customers + 1).astype(str), 6))
    return pl.DataFrame(
        {
            "order_id": [f"#{10_001 + i}" for i in range(orders.height)],
            "customer_id": np.where(customers >= 0, ids, ""),
            "ordered_at": orders["ordered_at"],
            "revenue": revenue,
            "refunded": outcomes["refunded"],
            "status": outcomes["status"],
            "channel": orders["channel"],
            "source": orders["source"],
            "medium": orders["medium"],
            "campaign": orders["campaign"],
            "device": orders["device"],
            "currency": "EUR",
            "country": country,
            "discount": values["discount"],
            "tax": np.round(revenue * vat, 2),
            "shipping": shipping,
        }
    )


# --- spend -------------------------------------------------------------------------------------


def ads_spend(rng: np.random.Generator, traffic: pl.DataFrame) -> pl.DataFrame:
    """Paid search and paid social: clicks a little above the day's paid sessions of the same
    source and campaign; impressions and cost from the platform's CTR and CPC (dearer in Q4)."""
    paid = (
        traffic.filter(pl.col("medium").is_in(["cpc", "paid_social"]))
        .group_by("date", "channel", "source", "medium", "campaign")
        .agg(pl.col("sessions").sum())
        .sort("date", "source", "campaign")
    )
    during_sales = {src.source: src.campaign for src in SOURCES if src.sales and src.budget}
    pairs = list(zip(paid["source"].to_list(), paid["campaign"].to_list(), strict=True))
    keys = [(source, campaign if (source, campaign) in ADS else during_sales[source]) for source, campaign in pairs]
    plans = [ADS[key] for key in keys]
    ctr = np.array([plan[0] for plan in plans]) * rng.lognormal(0.0, 0.12, paid.height)
    cpc = np.array([plan[1] for plan in plans]) * rng.lognormal(0.0, 0.1, paid.height)
    month = paid["date"].dt.month().to_numpy()
    cpc = cpc * np.where(month >= 10, 1.18, 1.0)
    sale = np.array([pair != key for pair, key in zip(pairs, keys, strict=True)])
    cpc = cpc * np.where(sale, 1.1, 1.0)
    clicks = np.round(paid["sessions"].to_numpy() * rng.uniform(1.03, 1.14, paid.height)).astype(int)
    return pl.DataFrame(
        {
            "date": paid["date"],
            "channel": paid["channel"],
            "source": paid["source"],
            "campaign": paid["campaign"],
            "spend": np.round(clicks * cpc, 2),
            "impressions": np.round(clicks / ctr).astype(int),
            "clicks": clicks,
        }
    )


def email_spend(
    rng: np.random.Generator, traffic: pl.DataFrame, days: list[date], send: np.ndarray, channel: Callable
) -> pl.DataFrame:
    """One row per newsletter sent: e-mails sent to the growing list, the clicks (the e-mail
    sessions until the next send) and the tool's cost per e-mail."""
    daily = traffic.filter(pl.col("medium") == "email").group_by("date").agg(pl.col("sessions").sum())
    sessions = dict(zip(daily["date"].to_list(), daily["sessions"].to_list(), strict=True))
    send_days = [day for day, is_send in zip(days, send, strict=True) if is_send]
    rows = []
    for number, day in enumerate(send_days):
        until = send_days[number + 1] if number + 1 < len(send_days) else days[-1] + timedelta(days=1)
        clicked = sum(sessions.get(day + timedelta(days=i), 0) for i in range((until - day).days))
        sent = int(8_000 + 11_000 * (day - days[0]).days / 730 + rng.integers(0, 300))
        rows.append((day, sent, round(clicked * rng.uniform(1.03, 1.12)), round(sent * 0.0011, 2)))
    source, medium = "newsletter", "email"
    return pl.DataFrame(
        {
            "date": [row[0] for row in rows],
            "channel": channel(source, medium, "weekly_newsletter"),
            "source": source,
            "campaign": "weekly_newsletter",
            "spend": [row[3] for row in rows],
            "impressions": [row[1] for row in rows],
            "clicks": [row[2] for row in rows],
        }
    )


def offline_spend(rng: np.random.Generator, days: list[date], channel: Callable) -> pl.DataFrame:
    """Market stand fees, the pop-up store's rent and printed flyers (first Monday of the month)."""
    rows: list[tuple[date, str, str, float]] = []
    for day, source, _ in market_days(days):
        if source == "market":
            fee = 180.0 if day.month == 12 else 85.0
            rows.append((day, "market", "farmers_market", fee))
        else:
            rows.append((day, "store", f"popup_store_{day.year}", 150.0))
    rows += [(day, "print", "flyers", 0.0) for day in days if day.weekday() == 0 and day.day <= 7]
    cost = np.array([fee for *_, fee in rows])
    flyers = cost == 0
    cost = np.where(flyers, rng.uniform(180, 320, len(rows)), cost * rng.uniform(0.95, 1.05, len(rows)))
    frame = pl.DataFrame(
        {
            "date": [row[0] for row in rows],
            "channel": [channel(row[1], "offline", row[2]) for row in rows],
            "source": [row[1] for row in rows],
            "campaign": [row[2] for row in rows],
            "spend": np.round(cost, 2),
            "impressions": 0,
            "clicks": 0,
        }
    )
    return frame.sort("date", "source", maintain_order=True)


def spend_table(
    rng: np.random.Generator, traffic: pl.DataFrame, days: list[date], send: np.ndarray, channel: Callable
) -> pl.DataFrame:
    """The spend table: ads, newsletter tool and offline costs, by day."""
    parts = [ads_spend(rng, traffic), email_spend(rng, traffic, days, send, channel), offline_spend(rng, days, channel)]
    frame = pl.concat([part.with_columns(pl.col("impressions", "clicks").cast(pl.Int64)) for part in parts])
    return frame.with_row_index("_n").sort("date", "_n").drop("_n")


# --- leads -------------------------------------------------------------------------------------


def offline_lead_sources(days: list[date]) -> list[tuple[date, str, str, str, float]]:
    """(day, source, medium, campaign, expected leads) of trade fairs (Internorga in March, a
    coffee festival in September) and phone enquiries on working days."""
    found: list[tuple[date, str, str, str, float]] = []
    for day in days:
        if day.month == 3 and 13 <= day.day <= 17:
            found.append((day, "internorga", "event", f"internorga_{day.year}", 9.0))
        if day.month == 9 and 19 <= day.day <= 21:
            found.append((day, "coffee_festival", "event", f"coffee_festival_{day.year}", 7.0))
        if day.weekday() < 5:
            found.append((day, "phone", "phone", "", 0.12))
    return found


def lead_origins(rng: np.random.Generator, traffic: pl.DataFrame, days: list[date], channel: Callable) -> pl.DataFrame:
    """One row per lead with its creation time and origin: the traffic rows' leads, fairs and phone."""
    web = traffic.filter(pl.col("leads") > 0).select(
        "date", "channel", "source", "medium", "campaign", "device", "landing_page", "leads"
    )
    web = web.select(pl.all().repeat_by(pl.col("leads")).explode()).drop("leads")
    events = offline_lead_sources(days)
    counts = rng.poisson([expected for *_, expected in events])
    offline = pl.DataFrame(
        {
            "date": np.repeat(np.array([e[0] for e in events], dtype="datetime64[D]"), counts),
            "source": np.repeat(np.array([e[1] for e in events]), counts),
            "medium": np.repeat(np.array([e[2] for e in events]), counts),
            "campaign": np.repeat(np.array([e[3] for e in events]), counts),
        }
    ).with_columns(pl.col("date").cast(pl.Date), device=pl.lit(""), landing_page=pl.lit(""))
    offline = offline.with_columns(
        channel=pl.Series([channel(s, m, c) for s, m, c in offline.select("source", "medium", "campaign").rows()])
    )
    leads = pl.concat([web, offline.select(web.columns)])
    seconds = times_of_day(rng, OFFICE_HOURS, leads.height)
    leads = leads.with_columns(
        created_at=pl.col("date").cast(pl.Datetime("ms")) + pl.duration(seconds=pl.Series(seconds))
    ).drop("date")
    return leads.with_row_index("_n").sort("created_at", "_n").drop("_n")


def days_later(rng: np.random.Generator, start: np.ndarray, low: float, high: float) -> np.ndarray:
    """``start`` plus a uniform delay of ``low``–``high`` days, to the second."""
    return start + (rng.uniform(low, high, start.size) * DAY_S).astype("timedelta64[s]")


def leads_table(rng: np.random.Generator, traffic: pl.DataFrame, days: list[date], channel: Callable) -> pl.DataFrame:
    """The leads table: origins, owners and the pipeline stages (open when they lie after the end)."""
    leads = lead_origins(rng, traffic, days, channel)
    n = leads.height
    created = leads["created_at"].to_numpy().astype("datetime64[ms]")
    horizon = np.datetime64(days[-1] + timedelta(days=1)).astype("datetime64[ms]")
    source = leads["source"].to_numpy()
    mql_chance = np.select(
        [source == "linkedin", np.isin(source, ["internorga", "coffee_festival"]), source == "phone"],
        [0.6, 0.7, 0.65],
        0.47,
    )
    created_on = leads["created_at"].dt.date().to_list()
    eligible = np.array([[start is None or day >= start for _, _, start in REPS] for day in created_on])
    order = rng.random((n, len(REPS))) * eligible
    owner = order.argmax(axis=1)
    win_chance = np.array([rate for _, rate, _ in REPS])[owner]

    nat = np.datetime64("NaT", "ms")
    is_mql = rng.random(n) < mql_chance
    mql = np.where(is_mql, days_later(rng, created, 1, 10), nat)
    is_sql = is_mql & (rng.random(n) < 0.45)
    sql = np.where(is_sql, days_later(rng, mql, 3, 20), nat)
    mql_lost = is_mql & ~is_sql & (rng.random(n) < 0.15)
    is_won = is_sql & (rng.random(n) < win_chance)
    won = np.where(is_won, days_later(rng, sql, 10, 60), nat)
    lost = np.where(is_sql & ~is_won, days_later(rng, sql, 7, 45), np.where(mql_lost, days_later(rng, mql, 5, 30), nat))
    reached = {name: stage < horizon for name, stage in (("mql", mql), ("sql", sql), ("won", won), ("lost", lost))}
    mql = np.where(reached["mql"], mql, nat)
    sql = np.where(reached["mql"] & reached["sql"], sql, nat)
    won = np.where(reached["mql"] & reached["sql"] & reached["won"], won, nat)
    lost = np.where(reached["mql"] & (reached["sql"] | ~is_sql) & reached["lost"], lost, nat)
    won_ok = ~np.isnat(won)
    big = np.isin(source, ["internorga", "coffee_festival", "linkedin"])
    value = np.clip(rng.lognormal(np.log(1_900.0), 0.6, n) * np.where(big, 1.3, 1.0), 500, 8_000)
    customer = np.cumsum(won_ok) - 1 + B2B_CUSTOMER_START
    return pl.DataFrame(
        {
            "lead_id": [f"L{i + 1:05d}" for i in range(n)],
            "created_at": leads["created_at"],
            "channel": leads["channel"],
            "source": leads["source"],
            "medium": leads["medium"],
            "campaign": leads["campaign"],
            "device": leads["device"],
            "landing_page": leads["landing_page"],
            "mql_at": mql,
            "sql_at": sql,
            "won_at": won,
            "lost_at": lost,
            "deal_value": np.where(won_ok, np.round(value, -1), np.nan),
            "owner": np.array([name for name, _, _ in REPS])[owner],
            "customer_id": np.where(won_ok, np.char.add("C", customer.astype(str)), ""),
        }
    ).with_columns(pl.col("deal_value").fill_nan(None))


# --- nps ---------------------------------------------------------------------------------------


def nps_table(rng: np.random.Generator, orders: pl.DataFrame, end: date) -> pl.DataFrame:
    """About 10 % of live orders answer the survey 7–21 days later (none after ``end``). Promoters
    and detractors shift with the channel, refunds and the Christmas rush."""
    n = orders.height
    answers = (orders["status"] != "cancelled").to_numpy() & (rng.random(n) < 0.115)
    picked = orders.filter(pl.Series(answers))
    delay = (rng.uniform(7, 21, picked.height) * DAY_S).astype("timedelta64[s]")
    responded = picked["ordered_at"].to_numpy().astype("datetime64[ms]") + delay
    mood = {"Email": 0.06, "Direct": 0.04, "Offline": 0.1, "Referral": 0.03, "Paid Social": -0.07}
    shift = np.array([mood.get(c, 0.0) for c in picked["channel"].to_list()])
    rush = (picked["ordered_at"].dt.month() == 12).to_numpy() & (picked["ordered_at"].dt.day() <= 23).to_numpy()
    shift = shift - 0.06 * rush
    refunded = (picked["refunded"] > 0).to_numpy()
    promoter = np.where(refunded, 0.18, 0.48 + shift)
    detractor = np.where(refunded, 0.5, 0.15 - shift / 2)
    u = rng.random(picked.height)
    group = np.where(u < promoter, 2, np.where(u < promoter + detractor, 0, 1))
    low = rng.choice(7, size=picked.height, p=np.array([1, 1, 1, 2, 2, 4, 6]) / 17)
    middle = 7 + (rng.random(picked.height) < 0.6)
    high = 9 + (rng.random(picked.height) < 0.5)
    score = np.choose(group, [low, middle, high])
    frame = pl.DataFrame(
        {
            "responded_at": responded,
            "score": score.astype(np.int64),
            "customer_id": picked["customer_id"],
            "channel": picked["channel"],
            "device": picked["device"],
        }
    )
    horizon = np.datetime64(end + timedelta(days=1)).astype("datetime64[ms]")
    frame = frame.filter(pl.Series(responded < horizon))
    return frame.with_row_index("_n").sort("responded_at", "_n").drop("_n")


# --- writing -----------------------------------------------------------------------------------


def write(frame: pl.DataFrame, path: Path) -> None:
    """Write one table as CSV: empty text as empty cells, datetimes to the second, floats as given."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    frame = frame.with_columns(pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in text)
    frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d")


def generate(seed: int = DEFAULT_SEED, end: date = DEFAULT_END) -> dict[str, pl.DataFrame]:
    """The five tables of the demo data set for ``seed`` and ``end``."""
    rng = np.random.default_rng(seed)
    channel = channel_lookup()
    first = start_of(end)
    days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
    sales = sales_calendar(first, end)
    send, email = email_rhythm(days, sales)
    traffic = traffic_table(rng, days, sales, email, channel)
    orders = orders_table(rng, traffic, days, sales, channel)
    return {
        "orders": orders,
        "traffic": traffic,
        "spend": spend_table(rng, traffic, days, send, channel),
        "leads": leads_table(rng, traffic, days, channel),
        "nps": nps_table(rng, orders, end),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python data/generate_demo.py [--seed 7] [--end 2026-11-22] [--out data/demo]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--end", type=date.fromisoformat, default=DEFAULT_END, help=f"last day of the data (default {DEFAULT_END})"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default data/demo)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in generate(args.seed, args.end).items():
        path = args.out / f"{name}.csv"
        write(frame, path)
        print(f"{path}: {frame.height:,} rows, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
