"""Meta (Facebook, Instagram) Ads Manager exports, and the Kaggle "KAG conversion" Facebook ads
data set's layout."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import Converted, RawTable, Skipped
from kpi.ingest.recognisers.common import device, find, has_all, text
from kpi.ingest.values import parse_datetimes
from kpi.issues import Issue

# header names in English, Spanish, French, German and Polish (compared normalised); the spend
# header carries the account currency: "Amount spent (USD)", "Importe gastado (COP)"
AMOUNT_SPENT = (
    "amount spent",
    "importe gastado",
    "montant depense",
    "ausgegebener betrag",
    "wydana kwota",
    "valor usado",
    "importo speso",
)
_AMOUNT_SPENT_RAW = ("已花费金额",)  # Chinese: no Latin letters to normalise
REPORTING_STARTS = (
    "reporting starts",
    "inicio del informe",
    "debut des rapports",
    "debut du rapport",
    "berichtsbeginn",
    "poczatek raportowania",
    "报告开始日期",
)
REPORTING_ENDS = (
    "reporting ends",
    "fin del informe",
    "fin des rapports",
    "fin du rapport",
    "berichtsende",
    "koniec raportowania",
    "报告结束日期",
)
DAY = ("day", "dia", "jour", "tag", "dzien", "date")
CAMPAIGN_NAME = (
    "campaign name",
    "nombre de la campana",
    "nom de la campagne",
    "kampagnenname",
    "nazwa kampanii",
    "广告系列名称",
)
AD_SET_NAME = (
    "ad set name",
    "nombre del conjunto de anuncios",
    "nom de l ensemble de publicites",
    "name der anzeigengruppe",
    "nazwa zestawu reklam",
)
AD_NAME = ("ad name", "nombre del anuncio", "nom de la publicite", "anzeigenname", "nazwa reklamy")
IMPRESSIONS = ("impressions", "impresiones", "impressionen", "wyswietlenia")
LINK_CLICKS = (
    "link clicks",
    "clics en el enlace",
    "clics sur un lien",
    "clics sur le lien",
    "link klicks",
    "klikniecia linku",
    "klikniecia w link",
)
ALL_CLICKS = ("clicks all", "clics todos", "clics tous", "klicks alle", "klikniecia wszystkie")
PLATFORM = ("platform", "plataforma", "plateforme", "plattform", "platforma")
DEVICE_PLATFORM = (
    "device platform",
    "plataforma del dispositivo",
    "plateforme de l appareil",
    "gerateplattform",
    "platforma urzadzenia",
)
IMPRESSION_DEVICE = (
    "impression device",
    "dispositivo de impresion",
    "appareil d impression",
    "impressionsgerat",
    "urzadzenie wyswietlajace",
)

_CURRENCY_IN_HEADER = re.compile(r"\(\s*([A-Za-z]{3})\s*\)\s*$")
_IMPRESSION_DEVICES = {
    "iphone": "mobile",
    "ipod": "mobile",
    "android_smartphone": "mobile",
    "ipad": "tablet",
    "android_tablet": "tablet",
    "desktop": "desktop",
    "other": "other",
    "unknown": "other",
}


def amount_spent_column(raw: RawTable) -> str | None:
    """The ``Amount spent (XXX)`` header in any of the known languages."""
    for column in raw.columns:
        name = normalise_name(column)
        if any(name.startswith(prefix) for prefix in AMOUNT_SPENT) or any(
            column.strip().startswith(prefix) for prefix in _AMOUNT_SPENT_RAW
        ):
            return column
    return None


def _find_raw(raw: RawTable, *names: str) -> str | None:
    """:func:`find`, plus exact matches for names with no Latin letters (Chinese headers)."""
    found = find(raw, *(name for name in names if normalise_name(name)))
    if found is not None:
        return found
    wanted = {name for name in names if not normalise_name(name)}
    return next((column for column in raw.columns if column.strip() in wanted), None)


@dataclass(frozen=True)
class MetaAdsReport:
    """A Meta Ads Manager export (Reports → Export table data, CSV or XLSX), campaign, ad set or ad
    level, in English, Spanish (``Nombre de la campaña``, ``Importe gastado (COP)``), French
    (``Jour;Nom de la campagne;Montant dépensé (USD)``), German (``Kampagnenname``, ``Ausgegebener
    Betrag (EUR)``), Polish or Chinese headers.

    * date = ``Day`` (Breakdown → By time → Day; ``Día``, ``Jour``, ``Tag``) when present, else
      ``Reporting starts``. With the Day breakdown every row has starts = ends. Without it every row
      covers the whole report period (starts ≠ ends): the row is **placed on its start day**, with
      an info issue; spreading it evenly over the days would invent a daily pattern Meta never
      reported, while the start day keeps every total exact for any period that contains the
      range. No date column at all → skipped with the reason.
    * campaign = ``Campaign name`` (ad-level and ad-set-level exports have one too; without it the
      ``Ad set name``, else ``Ad name``, with a note).
    * spend = ``Amount spent (XXX)``; the currency XXX is read from the header and reported in an
      info issue (spend has no currency column).
    * impressions = ``Impressions``; clicks = ``Link clicks`` (clicks that lead to the advertiser's
      page, what ``CPC (cost per link click)`` divides by), else ``Clicks (all)`` (also likes,
      expansions…), with a note.
    * channel = ``Paid Social``; source = ``Platform`` lower-cased (facebook, instagram,
      audience_network, messenger) when broken down by platform, else ``facebook``; medium = ``paid``;
      device = ``Device platform`` (mobile_app/mobile_web → mobile, desktop) or ``Impression device``
      (iphone/android_smartphone → mobile, ipad/android_tablet → tablet, desktop).

    ``Results``, ``Result indicator`` and ``Cost per result`` are left out: rows mix result types
    (purchases, leads, link clicks), so they cannot be summed. ``Ends`` is a campaign attribute, not
    the report period. Detected by an ``Amount spent (…)`` header with a campaign, ad set or ad name
    or a reporting date.
    """

    name: str = "Meta Ads Manager export"

    def detect(self, raw: RawTable) -> bool:
        """True for a table with an ``Amount spent (…)`` column and Meta's names or dates."""
        if raw.meta.get("layout") == "key_value" or amount_spent_column(raw) is None:
            return False
        return (
            _find_raw(raw, *CAMPAIGN_NAME, *AD_SET_NAME, *AD_NAME, *REPORTING_STARTS) is not None
            or find(raw, *DAY) is not None
        )

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """The export as spend rows (see the class docstring)."""
        issues: list[Issue] = []
        spent = amount_spent_column(raw)
        assert spent is not None
        day = find(raw, *DAY)
        starts = _find_raw(raw, *REPORTING_STARTS)
        ends = _find_raw(raw, *REPORTING_ENDS)
        if day is not None:
            date_expr = text(raw, day)
        elif starts is not None:
            date_expr = text(raw, starts)
            if ends is not None:
                begin = parse_datetimes(raw.frame.get_column(starts).cast(pl.String)).values
                finish = parse_datetimes(raw.frame.get_column(ends).cast(pl.String)).values
                longer = (finish.dt.date() > begin.dt.date()).fill_null(value=False)
                count = int(longer.sum())
                if count:
                    spans = sorted(
                        {(b.date(), f.date()) for b, f, keep in zip(begin, finish, longer, strict=True) if keep}
                    )
                    shown = tuple(f"{b} – {f}" for b, f in spans[:5])
                    issues.append(
                        Issue(
                            "info",
                            "period_on_first_day",
                            "date",
                            f"{count:,} row(s) cover several days (no Day breakdown): each is placed on its "
                            "'Reporting starts' day",
                            hint="export with Breakdown → By time → Day for daily figures, or choose a period that "
                            "contains the whole range",
                            rows=count,
                            examples=shown,
                        )
                    )
        else:
            return Skipped(
                raw.source,
                self.name,
                "this Meta export has no 'Reporting starts' or 'Day' column: its spend cannot be placed in time "
                "(export it again with the reporting dates, Breakdown → By time → Day)",
            )

        campaign = _find_raw(raw, *CAMPAIGN_NAME)
        if campaign is None:
            campaign = find(raw, *AD_SET_NAME) or find(raw, *AD_NAME)
            if campaign is not None:
                issues.append(
                    Issue(
                        "info",
                        "campaign_from_ad",
                        "campaign",
                        f"no 'Campaign name' column: campaign = '{campaign}'",
                    )
                )
        platform = find(raw, *PLATFORM)
        if platform is not None:
            source = text(raw, platform).str.strip_chars().str.to_lowercase().str.replace_all(" ", "_")
            source = pl.when(source.is_null() | (source == "")).then(pl.lit("facebook")).otherwise(source)
        else:
            source = pl.lit("facebook")
        columns: dict[str, pl.Expr] = {
            "date": date_expr,
            "spend": text(raw, spent),
            "channel": pl.lit("Paid Social"),
            "source": source,
            "medium": pl.lit("paid"),
        }
        if campaign is not None:
            columns["campaign"] = text(raw, campaign)
        device_platform = find(raw, *DEVICE_PLATFORM)
        impression_device = find(raw, *IMPRESSION_DEVICE)
        if device_platform is not None:
            columns["device"] = device(pl.col(device_platform))
        elif impression_device is not None:
            lowered = text(raw, impression_device).str.strip_chars().str.to_lowercase()
            columns["device"] = lowered.replace_strict(_IMPRESSION_DEVICES, default=lowered, return_dtype=pl.String)
        impressions = find(raw, *IMPRESSIONS)
        if impressions is not None:
            columns["impressions"] = text(raw, impressions)
        link_clicks = find(raw, *LINK_CLICKS)
        all_clicks = find(raw, *ALL_CLICKS)
        if link_clicks is not None:
            columns["clicks"] = text(raw, link_clicks)
        elif all_clicks is not None:
            columns["clicks"] = text(raw, all_clicks)
            issues.append(
                Issue(
                    "info",
                    "all_clicks",
                    "clicks",
                    f"no 'Link clicks' column: clicks = '{all_clicks}', which also counts likes, comments and "
                    "expansions, so CTR and CPC read higher than Meta's link-click figures",
                )
            )
        currency = _CURRENCY_IN_HEADER.search(spent)
        if currency:
            issues.append(
                Issue("info", "currency", "spend", f"spend is in {currency.group(1).upper()} (from '{spent}')")
            )
        frame = raw.frame.select([value.alias(name) for name, value in columns.items()])
        return Converted(
            source=raw.source,
            table="spend",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=raw.header_line + 1,
            currency=currency.group(1).upper() if currency else None,
        )


_KAG = ("ad_id", "xyz_campaign_id", "fb_campaign_id", "Impressions", "Clicks", "Spent")


@dataclass(frozen=True)
class KagFacebookAds:
    """The Kaggle "Sales Conversion Optimization" Facebook ads layout (``KAG_conversion_data.csv``):
    ``[Date,]ad_id,xyz_campaign_id,fb_campaign_id,age,gender,interest,Impressions,Clicks,Spent,
    Total_Conversion,Approved_Conversion``, one row per ad.

    date = ``Date`` (``31-08-2023``, day first; the column was added by a GitHub copy, the original
    Kaggle file has none and is skipped with the reason); spend = ``Spent`` (kept as written, float
    artefacts such as ``1.429999948`` included); impressions = ``Impressions``; clicks = ``Clicks``;
    campaign = ``xyz_campaign_id``; channel = ``Paid Social``, source = ``facebook``, medium = ``paid``.
    Age, gender, interest and conversions are left out (no such spend columns).
    """

    name: str = "Facebook ads (Kaggle KAG conversion data)"

    def detect(self, raw: RawTable) -> bool:
        """True for the KAG header (with or without Date)."""
        return raw.meta.get("layout") != "key_value" and has_all(raw, *_KAG)

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """One spend row per ad."""
        date_column = find(raw, "Date")
        if date_column is None:
            return Skipped(
                raw.source,
                self.name,
                "the KAG conversion data has no Date column: its spend cannot be placed in time",
            )
        frame = raw.frame.select(
            text(raw, date_column).alias("date"),
            text(raw, find(raw, "Spent")).alias("spend"),
            pl.lit("Paid Social").alias("channel"),
            pl.lit("facebook").alias("source"),
            pl.lit("paid").alias("medium"),
            text(raw, find(raw, "xyz_campaign_id")).alias("campaign"),
            text(raw, find(raw, "Impressions")).alias("impressions"),
            text(raw, find(raw, "Clicks")).alias("clicks"),
        )
        return Converted(
            source=raw.source,
            table="spend",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=(
                Issue(
                    "info",
                    "left_out",
                    None,
                    "campaign = xyz_campaign_id; age, gender, interest and the conversion counts are left out",
                ),
            ),
            first_line=raw.header_line + 1,
        )


RECOGNISERS = (MetaAdsReport(), KagFacebookAds())
