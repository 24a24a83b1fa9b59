"""GA4 default channel group from (source, medium, campaign), plus this product's ``Offline``.

The rules are Google's ordered list (``ga4-channel-rules.md`` of the contract): the first rule that
matches wins; values are compared lower-cased and trimmed. ``Offline`` (store, POS, phone, print,
TV, radio, events) is matched before rule 1. Sites are looked up in Google's source-category list
shipped in ``kpi/data/ga4_source_categories.csv`` (MIT, from the dbt-ga4 project; see
``kpi/data/NOTICE``).

:func:`channel_for` classifies one combination and says which rule matched;
:func:`derive_channels` fills the ``channel`` column of a frame (narwhals), calling
:func:`channel_for` once per distinct combination, never once per row.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import narwhals as nw

from kpi.frames import collect, is_lazy, like

CHANNELS: tuple[str, ...] = (
    "Direct",
    "Organic Search",
    "Paid Search",
    "Organic Social",
    "Paid Social",
    "Email",
    "Referral",
    "Display",
    "Paid Shopping",
    "Organic Shopping",
    "Paid Video",
    "Organic Video",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Cross-network",
    "Paid Other",
    "Offline",
    "Unassigned",
)
"""The GA4 default channel groups plus ``Offline``, in the order the product lists them."""

SourceCategory = Literal["SEARCH", "SHOPPING", "SOCIAL", "VIDEO"]

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
OFFLINE_WORDS = frozenset(
    {
        "offline",
        "pos",
        "store",
        "in-store",
        "instore",
        "retail",
        "phone",
        "call",
        "field sales",
        "event",
        "events",
        "print",
        "tv",
        "radio",
        "direct mail",
        "trade show",
    }
)
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
SOCIAL_MEDIUMS = frozenset({"social", "social-network", "social-media", "sm", "social network", "social media"})
EMAIL_WORDS = ("email", "e-mail", "e_mail", "e mail")
_NULL = "\x1f(null)"
_SEPARATOR = "\x1e"  # no export writes record separators in its labels
_COMBINATION = "_channel_key"
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"})


@dataclass(frozen=True)
class ChannelMatch:
    """The channel of one (source, medium, campaign) and why: ``rule`` is the rule's number in
    ``ga4-channel-rules.md`` (0 for Offline, ``None`` for Unassigned)."""

    channel: str
    rule: int | None
    reason: str


@cache
def source_categories() -> dict[str, SourceCategory]:
    """Google's site list, lower-cased: ``{"facebook.com": "SOCIAL", "google": "SEARCH", …}``."""
    text = resources.files("kpi").joinpath("data/ga4_source_categories.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {
        row["source"].strip().lower(): row["source_category"].removeprefix("SOURCE_CATEGORY_")  # type: ignore[misc]
        for row in rows
    }


def source_category(source: str) -> SourceCategory | None:
    """The category of a site: as written, then its parent domains, then its name before the TLD.

    >>> source_category("m.facebook.com"), source_category("www.google.com"), source_category("news.example.org")
    ('SOCIAL', 'SEARCH', None)
    """
    categories = source_categories()
    host = source.strip().lower()
    if host in categories:
        return categories[host]
    labels = [label for label in host.split(".") if label]
    for start in range(1, max(len(labels) - 1, 1)):
        parent = ".".join(labels[start:])
        if parent in categories:
            return categories[parent]
    if len(labels) >= 2:
        site = labels[-2]
        if site in _SECOND_LEVEL and len(labels) >= 3:
            site = labels[-3]
        return categories.get(site)
    return None


def _clean(value: str | None) -> str:
    return (value or "").strip().lower()


def channel_for(source: str | None, medium: str | None, campaign: str | None = None) -> ChannelMatch:
    """The GA4 channel of one combination, with the rule that matched.

    An empty medium counts as ``(none)`` for the Direct rule, so ``(direct)`` with no medium is
    Direct. Offline is matched first, by the medium (``offline``, ``pos``, ``store``, ``tv``…) or,
    when there is no medium, by the source.

    >>> channel_for("google", "cpc").channel
    'Paid Search'
    >>> channel_for("newsletter", "Facebook").reason
    "no rule matched source 'newsletter', medium 'facebook'"
    """
    src, med, camp = _clean(source), _clean(medium), _clean(campaign)
    category = source_category(src) if src else None
    paid = bool(PAID_MEDIUM.match(med))
    shop_campaign = bool(SHOPPING_CAMPAIGN.match(camp))
    said = f"source '{src}', medium '{med}'"

    if med in OFFLINE_WORDS or (not med and src in OFFLINE_WORDS):
        return ChannelMatch("Offline", 0, f"offline: {said} names a traditional channel")
    if (src == "(direct)" and med in {"(none)", "(not set)", ""}) or (not src and not med):
        return ChannelMatch("Direct", 1, f"rule 1: {said} is direct")
    if "cross-network" in camp:
        return ChannelMatch("Cross-network", 2, f"rule 2: campaign '{camp}' contains cross-network")
    checks: tuple[tuple[bool, str, int, str], ...] = (
        (
            (category == "SHOPPING" or shop_campaign) and paid,
            "Paid Shopping",
            3,
            "a shopping site or campaign with a paid medium",
        ),
        (category == "SEARCH" and paid, "Paid Search", 4, "a search site with a paid medium"),
        (category == "SOCIAL" and paid, "Paid Social", 5, "a social site with a paid medium"),
        (category == "VIDEO" and paid, "Paid Video", 6, "a video site with a paid medium"),
        (med in DISPLAY_MEDIUMS, "Display", 7, "a display medium"),
        (paid, "Paid Other", 8, "a paid medium on a site of no known category"),
        (category == "SHOPPING" or shop_campaign, "Organic Shopping", 9, "a shopping site or campaign"),
        (category == "SOCIAL" or med in SOCIAL_MEDIUMS, "Organic Social", 10, "a social site or medium"),
        (category == "VIDEO" or "video" in med, "Organic Video", 11, "a video site or medium"),
        (category == "SEARCH" or med == "organic", "Organic Search", 12, "a search site or organic medium"),
        (med in {"referral", "app", "link"}, "Referral", 13, "a referral medium"),
        (any(word in src or word in med for word in EMAIL_WORDS), "Email", 14, "an e-mail source or medium"),
        (med == "affiliate", "Affiliates", 15, "the affiliate medium"),
        (med == "audio", "Audio", 16, "the audio medium"),
        (src == "sms" or med == "sms", "SMS", 17, "an SMS source or medium"),
        (
            med.endswith("push") or "mobile" in med or "notification" in med or src == "firebase",
            "Mobile Push Notifications",
            18,
            "a push-notification medium",
        ),
    )
    for matched, channel, rule, why in checks:
        if matched:
            return ChannelMatch(channel, rule, f"rule {rule}: {said} is {why}")
    return ChannelMatch("Unassigned", None, f"no rule matched {said}")


_CANONICAL_BY_LOWER = {name.lower(): name for name in CHANNELS}


def normalize_channel(value: str | None) -> str | None:
    """A channel label as the product spells it: canonical names in any case, offline words as
    ``Offline``; any other label is kept as written. Empty gives ``None``.

    >>> normalize_channel(" paid search "), normalize_channel("Store"), normalize_channel("Podcasts")
    ('Paid Search', 'Offline', 'Podcasts')
    """
    text = (value or "").strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered in _CANONICAL_BY_LOWER:
        return _CANONICAL_BY_LOWER[lowered]
    if lowered in OFFLINE_WORDS:
        return "Offline"
    return text


def derive_channels(frame: nw.DataFrame) -> nw.DataFrame:
    """Fill ``channel`` from (source, medium, campaign) where it is empty; normalise given labels.

    ``channel = normalize_channel(channel) if set else channel_for(source, medium, campaign)``.
    A row with neither a source nor a medium keeps an empty channel (shown as "(not set)"): in an
    export, empty cells mean the origin is unknown, not that the visit was direct — GA4 itself
    writes ``(direct) / (none)`` for direct traffic. A frame with neither a channel nor a
    source/medium column is returned unchanged.
    """
    columns = frame.columns
    has_origin = "source" in columns or "medium" in columns
    if "channel" not in columns and not has_origin:
        return frame
    keys = [name for name in ("channel", "source", "medium", "campaign") if name in columns]
    # one text key per row (null cells as a marker): each distinct combination is resolved once in
    # Python, then mapped back by value (an eager frame) or joined back (a lazy one)
    combined = nw.concat_str([nw.col(name).fill_null(_NULL) for name in keys], separator=_SEPARATOR)
    marked = frame.with_columns(combined.alias(_COMBINATION))
    combos = collect(marked.select(*keys, _COMBINATION).unique(subset=[_COMBINATION]))
    resolved = []
    for row in combos.iter_rows(named=True):
        given = normalize_channel(row.get("channel"))
        if given is None and (row.get("source") or row.get("medium")):
            given = channel_for(row.get("source"), row.get("medium"), row.get("campaign")).channel
        resolved.append(given)
    if not is_lazy(frame):
        channel = nw.col(_COMBINATION).replace_strict(
            combos.get_column(_COMBINATION).to_list(), resolved, return_dtype=nw.String()
        )
        return marked.with_columns(channel.alias("channel")).drop(_COMBINATION)
    lookup = combos.select(_COMBINATION).with_columns(
        nw.new_series("_channel", resolved, nw.String(), backend=nw.get_native_namespace(combos))
    )
    joined = marked.join(like(marked, lookup), on=_COMBINATION, how="left")
    return joined.with_columns(channel=nw.col("_channel")).drop("_channel", _COMBINATION)


def explain_channels(frame: nw.DataFrame, weight: str | None = None) -> nw.DataFrame:
    """Each distinct (source, medium, campaign) with the channel, rule and reason GA4 gives it, and
    the rows (or Σ ``weight``, e.g. sessions) it carries: the answer to "why is this Unassigned?"."""
    keys = [name for name in ("source", "medium", "campaign") if name in frame.columns]
    if not keys:
        return frame.select().head(0)
    size = nw.col(weight).sum().alias("weight") if weight else nw.len().alias("weight")
    combos = frame.group_by(keys, drop_null_keys=False).agg(size)
    matches = [
        channel_for(row.get("source"), row.get("medium"), row.get("campaign")) for row in combos.iter_rows(named=True)
    ]
    native = nw.get_native_namespace(frame)
    return combos.with_columns(
        nw.new_series("ga4_channel", [m.channel for m in matches], nw.String(), backend=native),
        nw.new_series("rule", [m.rule for m in matches], nw.Int64(), backend=native),
        nw.new_series("reason", [m.reason for m in matches], nw.String(), backend=native),
    ).sort("weight", descending=True)
