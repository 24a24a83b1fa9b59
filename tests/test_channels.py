"""kpi.channels: GA4's ordered default-channel rules (ga4-channel-rules.md), Offline, the shipped
source-category list, and the frame-level ``derive_channels``."""

from __future__ import annotations

import csv
from collections import Counter

import narwhals as nw
import polars as pl
import pytest

from kpi.channels import CHANNELS, channel_for, derive_channels, normalize_channel, source_category
from tests.conftest import ROOT

DATA = ROOT / "kpi" / "data"


# --- one case per rule ----------------------------------------------------------------------

RULES = [
    # (rule, channel, source, medium, campaign)
    (1, "Direct", "(direct)", "(none)", None),
    (2, "Cross-network", "google", "cpc", "summer_cross-network_pmax"),
    (3, "Paid Shopping", "amazon", "cpc", None),
    (4, "Paid Search", "google", "cpc", None),
    (5, "Paid Social", "facebook", "paid_social", None),
    (6, "Paid Video", "youtube", "cpv", None),
    (7, "Display", "example.com", "banner", None),
    (8, "Paid Other", "example.com", "ppc", None),
    (9, "Organic Shopping", "shopify", "referral", None),
    (10, "Organic Social", "example.com", "social-network", None),
    (11, "Organic Video", "example.com", "video", None),
    (12, "Organic Search", "example.com", "organic", None),
    (13, "Referral", "example.com", "referral", None),
    (14, "Email", "newsletter", "email", None),
    (15, "Affiliates", "partner", "affiliate", None),
    (16, "Audio", "podcast", "audio", None),
    (17, "SMS", "example.com", "sms", None),
    (18, "Mobile Push Notifications", "app", "web-push", None),
]


@pytest.mark.parametrize(("rule", "channel", "source", "medium", "campaign"), RULES, ids=[f"rule{r[0]}" for r in RULES])
def test_each_rule_gives_its_channel_and_number(rule, channel, source, medium, campaign):
    match = channel_for(source, medium, campaign)
    assert (match.channel, match.rule) == (channel, rule)
    assert match.reason.startswith(f"rule {rule}:")


def test_the_rules_cover_every_ga4_channel():
    assert {r[1] for r in RULES} | {"Offline", "Unassigned"} == set(CHANNELS)


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "channel", "rule"),
    [
        ("(direct)", "(not set)", None, "Direct", 1),
        (None, None, None, "Direct", 1),
        ("", "  ", "", "Direct", 1),
        ("(direct)", None, None, "Direct", 1),
        ("example.com", "paid", "summer_shopping", "Paid Shopping", 3),
        ("example.com", "cpc", "e-shop", "Paid Shopping", 3),
        ("example.com", "cpc", "shop_q4", "Paid Shopping", 3),
        ("example.com", "cpc", "workshop", "Paid Other", 8),
        ("example.com", "retargeting", None, "Paid Other", 8),
        ("example.com", "referral", "black-friday shop", "Organic Shopping", 9),
        ("instagram", "referral", None, "Organic Social", 10),
        ("example.com", "social media", None, "Organic Social", 10),
        ("youtube.com", "referral", None, "Organic Video", 11),
        ("bing", "organic", None, "Organic Search", 12),
        ("example.com", "app", None, "Referral", 13),
        ("mailchimp", "e_mail", None, "Email", 14),
        ("e-mail-digest", "(none)", None, "Email", 14),
        ("sms", "text", None, "SMS", 17),
        ("firebase", "(none)", None, "Mobile Push Notifications", 18),
        ("app", "mobile", None, "Mobile Push Notifications", 18),
        ("app", "in-app notification", None, "Mobile Push Notifications", 18),
    ],
)
def test_more_shapes_of_each_rule(source, medium, campaign, channel, rule):
    match = channel_for(source, medium, campaign)
    assert (match.channel, match.rule) == (channel, rule)


# --- the order of the rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "channel", "rule"),
    [
        # a search site with a paid medium is Paid Search (4), not Organic Search (12)
        ("google", "cpc", None, "Paid Search", 4),
        # a shopping campaign with a paid medium is Paid Shopping (3) before Paid Search (4)
        ("google", "cpc", "shopping_q4", "Paid Shopping", 3),
        # cpm is both a paid medium and a display medium: Paid Search (4) comes before Display (7)
        ("google", "cpm", None, "Paid Search", 4),
        # a search site with the (non-paid) display medium: Display (7) before Organic Search (12)
        ("google", "display", None, "Display", 7),
        # paid on a site of no category: Paid Other (8) before Organic Search by medium
        ("example.com", "paid_search", None, "Paid Other", 8),
        # social site, email medium: Organic Social (10) before Email (14)
        ("facebook", "email", None, "Organic Social", 10),
        # video site, social medium: Organic Social (10) before Organic Video (11)
        ("youtube", "social", None, "Organic Social", 10),
        # search site, referral medium: Organic Search (12) before Referral (13)
        ("bing", "referral", None, "Organic Search", 12),
        # referral medium from an e-mail tool: Referral (13) before Email (14)
        ("email.example.com", "referral", None, "Referral", 13),
    ],
)
def test_the_first_matching_rule_wins(source, medium, campaign, channel, rule):
    match = channel_for(source, medium, campaign)
    assert (match.channel, match.rule) == (channel, rule)


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "channel", "rule"),
    [
        ("amazon", "cpc", "Cross-Network Q4", "Cross-network", 2),
        ("facebook", "paid", "cross-network", "Cross-network", 2),
        ("example.com", "email", "cross-network-retarget", "Cross-network", 2),
        ("(direct)", "(none)", "cross-network", "Direct", 1),
        ("example.com", "offline", "cross-network", "Offline", 0),
    ],
)
def test_cross_network_beats_everything_but_direct_and_offline(source, medium, campaign, channel, rule):
    match = channel_for(source, medium, campaign)
    assert (match.channel, match.rule) == (channel, rule)


# --- normalisation of the inputs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "channel"),
    [
        ("  Google ", "CPC", None, "Paid Search"),
        ("GOOGLE", " cpc\t", None, "Paid Search"),
        ("Facebook", "Paid_Social", None, "Paid Social"),
        ("(DIRECT)", " (None) ", None, "Direct"),
        ("Google", "cpc", "  CROSS-NETWORK  ", "Cross-network"),
        ("Example.com", " Organic ", None, "Organic Search"),
    ],
)
def test_values_are_compared_lower_cased_and_trimmed(source, medium, campaign, channel):
    assert channel_for(source, medium, campaign).channel == channel


def test_the_reason_quotes_the_cleaned_values():
    assert channel_for("  Google ", "CPC").reason == (
        "rule 4: source 'google', medium 'cpc' is a search site with a paid medium"
    )


# --- Offline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("medium", ["offline", "pos", "store", "phone", "print", "tv", "radio", "event", " POS ", "TV"])
def test_offline_mediums(medium):
    match = channel_for("shop", medium)
    assert (match.channel, match.rule) == ("Offline", 0)
    assert match.reason.startswith("offline:")


def test_offline_is_matched_before_the_ga4_rules():
    # "cpc" would be Paid Search and "(direct)" Direct, but the offline medium comes first
    assert channel_for("google", "store").channel == "Offline"
    assert channel_for("store", None).channel == "Offline"  # no medium: the source decides
    assert channel_for("retail", "cpc").channel == "Paid Other"  # a medium wins over the source
    assert channel_for("(direct)", "offline").channel == "Offline"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Offline", "Offline"),
        ("offline", "Offline"),
        ("Store", "Offline"),
        ("POS", "Offline"),
        ("In-Store", "Offline"),
        ("field sales", "Offline"),
        ("  TV ", "Offline"),
        ("Radio", "Offline"),
    ],
)
def test_offline_channel_labels(label, expected):
    assert normalize_channel(label) == expected


# --- Unassigned --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "medium", "reason"),
    [
        ("newsletter", "Facebook", "no rule matched source 'newsletter', medium 'facebook'"),
        ("facebook_ads", "boosted_post", "no rule matched source 'facebook_ads', medium 'boosted_post'"),
        ("(not set)", "(not set)", "no rule matched source '(not set)', medium '(not set)'"),
        ("", "(none)", "no rule matched source '', medium '(none)'"),
    ],
)
def test_unassigned_says_which_source_and_medium(source, medium, reason):
    match = channel_for(source, medium)
    assert match == type(match)("Unassigned", None, reason)


# --- the source list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "category"),
    [
        ("m.facebook.com", "SOCIAL"),  # in the list as written
        ("l.instagram.com", "SOCIAL"),  # in the list as written
        ("www.google.com", "SEARCH"),  # "google" is listed, "www.google.com" is not
        ("xyz.facebook.com", "SOCIAL"),  # through its parent facebook.com
        ("a.b.youtube.com", "VIDEO"),  # through two levels of parents
        ("google.co.uk", "SEARCH"),  # the name before a two-level TLD
        ("  Instagram.COM ", "SOCIAL"),
        ("news.example.org", None),
        ("facebook.example.com", None),  # a label of a listed name is not enough
        ("com", None),
    ],
)
def test_source_category_looks_up_parent_domains(source, category):
    assert source_category(source) == category


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        ("m.facebook.com", "referral", "Organic Social"),
        ("l.instagram.com", "paid", "Paid Social"),
        ("www.google.com", "referral", "Organic Search"),
        ("www.youtube.com", "cpc", "Paid Video"),
    ],
)
def test_channel_uses_the_site_of_a_subdomain(source, medium, channel):
    assert channel_for(source, medium).channel == channel


def _csv_rows() -> list[dict[str, str]]:
    with (DATA / "ga4_source_categories.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_shipped_list_has_819_sites_in_four_categories():
    rows = _csv_rows()
    assert len(rows) == 819
    assert Counter(row["source_category"] for row in rows) == {
        "SOURCE_CATEGORY_SEARCH": 129,
        "SOURCE_CATEGORY_SHOPPING": 52,
        "SOURCE_CATEGORY_SOCIAL": 592,
        "SOURCE_CATEGORY_VIDEO": 46,
    }


def test_every_listed_site_is_found_with_its_category():
    for row in _csv_rows():
        expected = row["source_category"].removeprefix("SOURCE_CATEGORY_")
        assert source_category(row["source"]) == expected, row


def test_the_list_carries_its_attribution():
    notice = (DATA / "NOTICE").read_text(encoding="utf-8")
    assert "ga4_source_categories.csv" in notice
    assert "dbt-ga4" in notice
    assert "MIT License" in notice
    assert "Copyright (c) 2022 Adam Ribaudo" in notice


# --- normalize_channel ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (" paid search ", "Paid Search"),
        ("PAID SOCIAL", "Paid Social"),
        ("organic search", "Organic Search"),
        ("cross-network", "Cross-network"),
        ("mobile push notifications", "Mobile Push Notifications"),
        ("sms", "SMS"),
        ("Podcasts", "Podcasts"),
        ("  Podcasts  ", "Podcasts"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_channel(label, expected):
    assert normalize_channel(label) == expected


# --- derive_channels on a frame -----------------------------------------------------------------


def _derive(data: dict) -> dict:
    frame = nw.from_native(pl.DataFrame(data), eager_only=True)
    return derive_channels(frame).to_native().to_dict(as_series=False)


def test_derive_fills_missing_channels_and_normalises_given_ones():
    out = _derive(
        {
            "channel": [None, " paid search ", "", "Store", "Podcasts", None],
            "source": ["google", "google", "facebook", None, None, "newsletter"],
            "medium": ["cpc", "organic", "paid", None, None, "Facebook"],
            "sessions": [1, 2, 3, 4, 5, 6],
        }
    )
    assert out == {
        "channel": ["Paid Search", "Paid Search", "Paid Social", "Offline", "Podcasts", "Unassigned"],
        "source": ["google", "google", "facebook", None, None, "newsletter"],
        "medium": ["cpc", "organic", "paid", None, None, "Facebook"],
        "sessions": [1, 2, 3, 4, 5, 6],
    }


def test_derive_adds_a_channel_column_from_source_and_medium():
    out = _derive({"source": ["google", "bing", "google", "bing"], "medium": ["cpc", "organic", "cpc", "organic"]})
    assert out["channel"] == ["Paid Search", "Organic Search", "Paid Search", "Organic Search"]


def test_derive_uses_the_campaign():
    out = _derive({"source": ["google", "google"], "medium": ["cpc", "cpc"], "campaign": ["shopping_q4", None]})
    assert out["channel"] == ["Paid Shopping", "Paid Search"]


def test_derive_handles_null_sources_and_mediums():
    out = _derive(
        {
            "source": [None, "(direct)", "google", None, "example.com"],
            "medium": ["email", None, None, None, "referral"],
            "n": [1, 2, 3, 4, 5],
        }
    )
    # neither source nor medium: the origin is unknown in an export (GA4 writes (direct)/(none)
    # for direct visits), so the channel stays empty rather than being called Direct
    assert out["channel"] == ["Email", "Direct", "Organic Search", None, "Referral"]
    assert out["n"] == [1, 2, 3, 4, 5]


def test_derive_keeps_the_rows_and_their_order():
    sources = ["google", "bing", None, "facebook", "(direct)"] * 40
    mediums = ["cpc", "organic", "email", None, None, "paid", "referral", "cpc"] * 25
    out = _derive({"source": sources, "medium": mediums, "row": list(range(200))})
    assert len(out["row"]) == 200
    assert out["row"] == list(range(200))
    assert out["source"] == sources
    assert out["medium"] == mediums
    assert out["channel"][:5] == ["Paid Search", "Organic Search", "Email", "Organic Social", "Direct"]


def test_derive_leaves_a_frame_without_origin_columns_unchanged():
    assert _derive({"sessions": [1, 2]}) == {"sessions": [1, 2]}


def test_derive_does_not_change_its_input():
    native = pl.DataFrame({"channel": [None, "store"], "source": ["google", None], "medium": ["cpc", None]})
    derive_channels(nw.from_native(native, eager_only=True))
    assert native.to_dict(as_series=False) == {
        "channel": [None, "store"],
        "source": ["google", None],
        "medium": ["cpc", None],
    }
