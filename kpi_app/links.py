"""Shareable links: the sidebar's choices (period, comparison, filters, settings) as URL query
parameters, and back. The page itself is the URL's path (``/funnels``), so a copied address
reopens the same view for anyone who has the same data.

Pure functions (no Streamlit): :func:`link_params` turns the sidebar widgets' values into query
parameters, leaving defaults out so links stay short; :func:`widget_values` reads parameters into
widget values, dropping what is invalid or not in the data with a notice that says so.

>>> link_params({"period_preset": "last_90_days", "comparison": "year", "filter_channel": ["Email"]})
{'period': 'last_90_days', 'compare': 'year', 'channel': ['Email']}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from kpi.measures import CAC_VARIANTS, Settings
from kpi.periods import COMPARISON_LABELS, PRESET_LABELS, Preset

CUSTOM = "custom"
"""The period picker's choice of custom dates (the presets are :data:`kpi.periods.PRESET_LABELS`)."""
DEFAULT_PRESET: Preset = "last_30_days"
FILTER_DIMENSIONS: dict[str, str] = {
    "channel": "Channel",
    "source": "Source",
    "campaign": "Campaign",
    "device": "Device",
}
"""The sidebar's filters: dimension → label."""
_SETTINGS = Settings()
WIDGET_DEFAULTS: dict[str, Any] = {
    "period_preset": DEFAULT_PRESET,
    "comparison": "previous",
    "margin_pct": None if _SETTINGS.margin is None else _SETTINGS.margin * 100,
    "ltv_months": _SETTINGS.ltv_months,
    "cac_variant": _SETTINGS.cac_variant,
    "monthly_sales_cost": _SETTINGS.monthly_sales_cost,
    "show_benchmarks": True,
}
"""Each sidebar widget's key and its value when the link does not set it (the settings' own defaults)."""
CHOICES = {
    # query parameter: (widget key, what it is, the values it takes)
    "compare": ("comparison", "Comparison", tuple(COMPARISON_LABELS)),
    "cac": ("cac_variant", "CAC variant", tuple(CAC_VARIANTS)),
}
NUMBERS = {
    # query parameter: (widget key, lowest, highest, whole numbers only)
    "margin": ("margin_pct", 1.0, 100.0, False),
    "ltv_months": ("ltv_months", 1, 120, True),
    "sales_cost": ("monthly_sales_cost", 0.0, 1e12, False),
}


def link_params(values: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Query parameters for the sidebar widgets' ``values`` (by widget key); defaults left out.

    ``period`` is a preset's key or ``YYYY-MM-DD..YYYY-MM-DD``; ``channel``, ``source``,
    ``campaign`` and ``device`` repeat once per chosen value.

    >>> from datetime import date
    >>> link_params({"period_preset": "custom", "period_custom": (date(2024, 11, 1), date(2024, 11, 30)),
    ...              "margin_pct": 40.0, "cac_variant": "paid"})
    {'period': '2024-11-01..2024-11-30', 'margin': '40', 'cac': 'paid'}
    """
    params: dict[str, str | list[str]] = {}
    preset = values.get("period_preset", DEFAULT_PRESET)
    if preset == CUSTOM:
        days = [day for day in values.get("period_custom") or () if day is not None]
        if days:
            params["period"] = f"{min(days).isoformat()}..{max(days).isoformat()}"
    elif preset != DEFAULT_PRESET:
        params["period"] = str(preset)
    if values.get("comparison", WIDGET_DEFAULTS["comparison"]) != WIDGET_DEFAULTS["comparison"]:
        params["compare"] = str(values["comparison"])
    for dimension in FILTER_DIMENSIONS:
        chosen = list(values.get(f"filter_{dimension}") or ())
        if chosen:
            params[dimension] = [str(value) for value in chosen]
    for name, (key, *_) in NUMBERS.items():
        value = values.get(key, WIDGET_DEFAULTS[key])
        if value is not None and value != WIDGET_DEFAULTS[key]:
            params[name] = f"{value:g}"
    if values.get("cac_variant", WIDGET_DEFAULTS["cac_variant"]) != WIDGET_DEFAULTS["cac_variant"]:
        params["cac"] = str(values["cac_variant"])
    if not values.get("show_benchmarks", True):
        params["benchmarks"] = "off"
    return params


def widget_values(
    params: Mapping[str, Sequence[str]], *, span: tuple[date, date], options: Callable[[str], Sequence[str]]
) -> tuple[dict[str, Any], list[str]]:
    """Widget values (by widget key) for the query ``params`` (each name with its values), and a
    notice for each parameter that was invalid or named something absent from the data, which
    then keeps its default. ``span`` is the data's first and last day; ``options(dimension)``
    lists the values a filter can take.

    >>> from datetime import date
    >>> values, notices = widget_values(
    ...     {"period": ["2024-01-01..2024-01-31"], "channel": ["Email", "Fax"], "compare": ["soon"]},
    ...     span=(date(2024, 1, 1), date(2024, 12, 31)), options=lambda dimension: ["Email", "Direct"])
    >>> values
    {'period_preset': 'custom', 'period_custom': (datetime.date(2024, 1, 1), datetime.date(2024, 1, 31)), \
'filter_channel': ['Email']}
    >>> notices
    ['Comparison "soon" is not one of previous, year, none.', 'Channel "Fax" is not in this data.']
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    if params.get("period"):
        _read_period(params["period"][-1], span, values, notices)
    for name, (key, label, allowed) in CHOICES.items():
        text = (params.get(name) or [None])[-1]
        if text in allowed:
            values[key] = text
        elif text is not None:
            notices.append(f'{label} "{text}" is not one of {", ".join(allowed)}.')
    for dimension, label in FILTER_DIMENSIONS.items():
        wanted = list(dict.fromkeys(params.get(dimension) or ()))
        if not wanted:
            continue
        known = set(options(dimension))
        values[f"filter_{dimension}"] = [value for value in wanted if value in known]
        missing = [value for value in wanted if value not in known]
        notices.extend(f'{label} "{value}" is not in this data.' for value in missing)
    switch = (params.get("benchmarks") or [None])[-1]
    if switch in ("on", "off"):
        values["show_benchmarks"] = switch == "on"
    elif switch is not None:
        notices.append(f'Benchmarks "{switch}" is not one of on, off.')
    for name, (key, low, high, whole) in NUMBERS.items():
        if params.get(name):
            number = _number(params[name][-1], low, high, whole=whole)
            if number is None:
                label = name.replace("_", " ").capitalize()
                notices.append(f'{label} "{params[name][-1]}" is not a number from {low:g} to {high:g}.')
            else:
                values[key] = number
    return values, notices


def _read_period(text: str, span: tuple[date, date], values: dict[str, Any], notices: list[str]) -> None:
    """A preset's key, or ``start..end`` kept inside the data's dates."""
    if text in PRESET_LABELS:
        values["period_preset"] = text
        return
    start_text, separator, end_text = text.partition("..")
    try:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        start = end = None
    if not separator or start is None or end is None or start > end:
        notices.append(f'Period "{text}" is neither a preset nor dates as YYYY-MM-DD..YYYY-MM-DD.')
        return
    first, last = span
    if end < first or start > last:
        notices.append(f"Period {text} lies outside the data ({first.isoformat()} to {last.isoformat()}).")
        return
    clipped = (max(start, first), min(end, last))
    if clipped != (start, end):
        cut = f"{clipped[0].isoformat()}..{clipped[1].isoformat()}"
        notices.append(f"Period {text} was cut to the data's dates: {cut}.")
    values["period_preset"] = CUSTOM
    values["period_custom"] = clipped


def _number(text: str, low: float, high: float, *, whole: bool) -> float | int | None:
    """``text`` as a finite number within ``[low, high]`` (an int when ``whole``), else None."""
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or not low <= number <= high or (whole and not number.is_integer()):
        return None
    return int(number) if whole else number
