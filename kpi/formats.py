"""Number formats, declared once as data.

A KPI names one format tag; the tag gives the plain text (:func:`format_value`), the printf
pattern for table columns (``st.column_config.NumberColumn``), the d3 tick format for plotly
axes, and how a change against the comparison period is written (:func:`format_delta`).
Ratios are fractions (0.031): ``percent`` shows them ×100 with one decimal, and tables scale
them by ``table_scale`` because printf ``%.1f%%`` does not multiply while d3 ``.1%`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

FormatTag = Literal["count", "currency", "percent", "decimal", "multiple", "days", "duration", "score", "months"]
DeltaStyle = Literal["relative", "points", "score_points", "months"]

CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "HUF", "CLP", "ISK"})


@dataclass(frozen=True)
class Format:
    """How one kind of number is written. ``example`` renders as ``example_text``."""

    tag: FormatTag
    printf: str
    d3: str
    table_scale: float
    delta: DeltaStyle
    example: float
    example_text: str


FORMATS: dict[FormatTag, Format] = {
    "count": Format("count", "%,d", ",.0f", 1.0, "relative", 42959.0, "42,959"),
    "currency": Format("currency", "%,.2f", ",.2f", 1.0, "relative", 6765.15, "6,765.15"),
    "percent": Format("percent", "%.1f%%", ".1%", 100.0, "points", 0.03512, "3.5%"),
    "decimal": Format("decimal", "%.2f", ".2f", 1.0, "relative", 2.69359, "2.69"),
    "multiple": Format("multiple", "%.2f×", ".2f", 1.0, "relative", 0.45879, "0.46×"),
    "days": Format("days", "%.1f days", ".1f", 1.0, "relative", 48.479, "48.5 days"),
    "duration": Format("duration", "%.0f s", ".0f", 1.0, "relative", 122.24, "2m 02s"),
    "score": Format("score", "%.1f", ".1f", 1.0, "score_points", -36.9565, "-37.0"),
    "months": Format("months", "%d months", ",.0f", 1.0, "months", 4.0, "4 months"),
}


_HALF_UNIT: dict[str, float] = {
    "count": 0.5,
    "currency": 0.005,
    "percent": 0.0005,
    "decimal": 0.005,
    "multiple": 0.005,
    "days": 0.05,
    "score": 0.05,
}


def fixed(value: float, decimals: int, *, grouped: bool = True) -> str:
    """``value`` with ``decimals`` decimals, an exact half rounded away from zero, as tables and
    charts round (JavaScript's ``toFixed``), so a card, a chart label and a table cell agree;
    Python's own format rounds an exact half to even.

    >>> fixed(31.25, 1), f"{31.25:.1f}", fixed(-0.125, 2), fixed(2.675, 2), fixed(1234.5, 0), fixed(-0.004, 2)
    ('31.3', '31.2', '-0.13', '2.67', '1,235', '0.00')
    """
    if not math.isfinite(value):
        return str(value)
    exact = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    exact = abs(exact) if exact == 0 else exact  # no "-0.0"
    return f"{exact:,.{decimals}f}" if grouped else f"{exact:.{decimals}f}"


def _grouped(value: float, decimals: int) -> str:
    return fixed(value, decimals)


def format_currency(value: float, currency: str | None = None) -> str:
    """Money with thousands separators and the currency's symbol or code.

    >>> format_currency(6765.15, "EUR"), format_currency(-5, "USD"), format_currency(1234.5, "PLN")
    ('€6,765.15', '-$5.00', '1,234.50 PLN')
    """
    code = (currency or "").upper()
    decimals = 0 if code in ZERO_DECIMAL_CURRENCIES else 2
    sign = "-" if float(fixed(value, decimals, grouped=False)) < 0 else ""
    digits = _grouped(abs(value), decimals)
    if code in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[code]}{digits}"
    return f"{sign}{digits} {code}" if code else f"{sign}{digits}"


def format_duration(seconds: float) -> str:
    """Seconds as ``45s``, ``2m 02s`` or ``1h 05m``.

    >>> format_duration(122.24), format_duration(44.6), format_duration(3900)
    ('2m 02s', '45s', '1h 05m')
    """
    total = int(fixed(seconds, 0, grouped=False))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_value(value: float | None, tag: FormatTag, *, currency: str | None = None) -> str:
    """A KPI value as text; ``None`` (unavailable) is an em dash.

    >>> [format_value(FORMATS[t].example, t) == FORMATS[t].example_text for t in FORMATS]
    [True, True, True, True, True, True, True, True, True]
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    value = value + 0.0  # -0.0 prints as 0.0
    if abs(value) < _HALF_UNIT.get(tag, 0.0):
        value = 0.0  # a tiny negative that rounds to zero has no sign
    if tag == "count":
        return _grouped(value, 0)
    if tag == "currency":
        return format_currency(value, currency)
    if tag == "percent":
        return f"{fixed(value * 100, 1, grouped=False)}%"
    if tag == "decimal":
        return fixed(value, 2)
    if tag == "multiple":
        return f"{fixed(value, 2)}×"
    if tag == "days":
        return f"{fixed(value, 1)} days"
    if tag == "duration":
        return format_duration(value)
    if tag == "score":
        return fixed(value, 1, grouped=False)
    if tag == "months":
        text = fixed(value, 0)
        return "1 month" if text == "1" else f"{text} months"
    raise ValueError(f"unknown format {tag!r}")


def change(value: float | None, compare: float | None, tag: FormatTag) -> float | None:
    """The change shown on a card: relative ``(value − compare) / |compare|`` for amounts,
    ``value − compare`` for percentages (in points) and scores. ``None`` when either is missing
    or the relative change has a zero base.

    >>> change(110, 100, "count"), round(change(0.035, 0.033, "percent"), 4), change(5, 0, "count")
    (0.1, 0.002, None)
    """
    if value is None or compare is None:
        return None
    if FORMATS[tag].delta == "relative":
        return None if compare == 0 else (value - compare) / abs(compare)
    return value - compare


def format_delta(value: float | None, compare: float | None, tag: FormatTag) -> str | None:
    """The change as signed text: ``+10.0%``, ``-0.2 pp``, ``+13.0 pts``; ``None`` when there is
    nothing to compare. A zero change has no sign; a change of a rate under 0.05 points keeps
    two decimals, so small rates (0.3% → 0.33%) do not show "0.0 pp".

    >>> format_delta(110, 100, "currency"), format_delta(0.031, 0.035, "percent"), format_delta(-37, -50, "score")
    ('+10.0%', '-0.4 pp', '+13.0 pts')
    >>> format_delta(0.0033, 0.003, "percent"), format_delta(0.03, 0.03, "percent"), format_delta(3, 5, "months")
    ('+0.03 pp', '0.0 pp', '-2 mo')
    """
    delta = change(value, compare, tag)
    if delta is None:
        return None
    style = FORMATS[tag].delta
    if style == "relative":
        amount, unit = delta * 100, "%"
    elif style == "points":
        amount, unit = delta * 100, " pp"
    elif style == "months":
        amount, unit = delta, " mo"
    else:
        amount, unit = delta, " pts"
    if style == "months":
        return "0 mo" if round(amount) == 0 else f"{'+' if amount > 0 else '-'}{abs(amount):,.0f} mo"
    decimals = 2 if style == "points" and 0.005 <= abs(amount) < 0.05 else 1
    text = f"{abs(amount):,.{decimals}f}{unit}"
    if not any(digit in "123456789" for digit in text.removesuffix(unit)):
        return f"{0:.1f}{unit}"
    return f"{'+' if amount > 0 else '-'}{text}"


def printf_for(tag: FormatTag, currency: str | None = None) -> str:
    """The printf pattern of a table column; money carries the data's currency symbol or code.

    >>> printf_for("currency", "EUR"), printf_for("currency", "PLN"), printf_for("percent")
    ('€%,.2f', '%,.2f PLN', '%.1f%%')
    """
    if tag != "currency":
        return FORMATS[tag].printf
    code = (currency or "").upper()
    if code in CURRENCY_SYMBOLS:
        return f"{CURRENCY_SYMBOLS[code]}%,.2f"
    return f"%,.2f {code}" if code else FORMATS["currency"].printf


def byte_size(count: int) -> str:
    """A byte count as people read it.

    >>> byte_size(250 * 1024 * 1024), byte_size(1536 * 1024), byte_size(2048), byte_size(900)
    ('250 MB', '1.5 MB', '2 KB', '900 bytes')
    """
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            value = count / scale
            return f"{value:,.1f} {unit}".replace(".0 ", " ") if value < 10 else f"{value:,.0f} {unit}"
    return f"{count:,} bytes"


def format_interval(low: float, high: float, tag: FormatTag, *, currency: str | None = None) -> str:
    """An interval as text, ``1.8% to 2.0%``; a narrow interval of a rate that would print as one
    figure gets two decimals, so its width stays visible.

    >>> format_interval(0.0179, 0.0200, "percent"), format_interval(0.01360, 0.01387, "percent")
    ('1.8% to 2.0%', '1.36% to 1.39%')
    """
    low_text, high_text = (format_value(bound, tag, currency=currency) for bound in (low, high))
    if low_text == high_text and tag == "percent":
        low_text, high_text = f"{low:.2%}", f"{high:.2%}"
    return f"{low_text} to {high_text}"
