"""Recognisers of marketing exports (analytics, ads, e-mail, search), most specific first: the GA4
snapshot's blocks and Search Console's fixed headers, then exact layouts (Kaggle KAG, Mailchimp,
Shopify), then headers recognised by a few names (Meta's ``Amount spent (…)``, Google Ads' cost
with campaigns), and last any other GA4 table."""

from __future__ import annotations

from kpi.ingest.model import Recogniser
from kpi.ingest.recognisers.ga4 import Ga4Report, Ga4Snapshot
from kpi.ingest.recognisers.google_ads import GoogleAdsEditor, GoogleAdsReport
from kpi.ingest.recognisers.mailchimp import MailchimpCampaignReport, MailchimpCampaigns
from kpi.ingest.recognisers.meta_ads import KagFacebookAds, MetaAdsReport
from kpi.ingest.recognisers.search_console import SearchConsoleExport
from kpi.ingest.recognisers.shopify_reports import ShopifyChannels, ShopifySessionsReport

RECOGNISERS: tuple[Recogniser, ...] = (
    Ga4Snapshot(),
    SearchConsoleExport(),
    KagFacebookAds(),
    MailchimpCampaignReport(),
    MailchimpCampaigns(),
    ShopifyChannels(),
    ShopifySessionsReport(),
    MetaAdsReport(),
    GoogleAdsReport(),
    GoogleAdsEditor(),
    Ga4Report(),
)
