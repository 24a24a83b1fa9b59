"""Recognisers of shop, payment and CRM exports, most specific first: each needs a header that
the ones after it do not claim (see the modules for the headers each knows)."""

from __future__ import annotations

from kpi.ingest.model import Recogniser
from kpi.ingest.recognisers.hubspot import HubSpotContacts, HubSpotDeals, ZohoDeals
from kpi.ingest.recognisers.olist import OlistClosedDeals, OlistLeads
from kpi.ingest.recognisers.online_retail import Cdnow, OnlineRetail
from kpi.ingest.recognisers.shopify_orders import ShopifyOrders
from kpi.ingest.recognisers.stripe import StripePayments
from kpi.ingest.recognisers.woocommerce import AdvancedOrderExport, MetorikOrders

RECOGNISERS: tuple[Recogniser, ...] = (
    ShopifyOrders(),
    MetorikOrders(),
    AdvancedOrderExport(),
    StripePayments(),
    OnlineRetail(),
    Cdnow(),
    HubSpotDeals(),
    HubSpotContacts(),
    ZohoDeals(),
    OlistLeads(),
    OlistClosedDeals(),
)
