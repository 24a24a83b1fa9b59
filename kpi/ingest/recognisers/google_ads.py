"""Google Ads: reports downloaded from the Google Ads interface (campaign, keyword, ad… reports,
"CSV" or "CSV (Excel)") and Google Ads Editor exports."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import Converted, RawTable, Skipped
from kpi.ingest.recognisers.common import DEVICE_WORDS, drop_when, find, period_of, text
from kpi.ingest.values import parse_datetimes
from kpi.issues import Issue

# header names in English, Polish, Spanish, French and German (compared normalised)
DAY = ("day", "dzien", "dia", "jour", "tag", "date", "data", "fecha", "datum")
WEEK = ("week", "tydzien", "semana", "semaine", "woche")
MONTH = ("month", "miesiac", "mes", "mois", "monat")
CAMPAIGN = ("campaign", "kampania", "campana", "campagne", "kampagne")
CAMPAIGN_TYPE = ("campaign type", "typ kampanii", "tipo de campana", "type de campagne", "kampagnentyp")
AD_GROUP = ("ad group", "grupa reklam", "grupo de anuncios", "groupe d annonces", "anzeigengruppe")
KEYWORD = ("keyword", "search keyword", "slowo kluczowe", "palabra clave", "mot cle", "keyword text")
IMPRESSIONS = ("impr", "impressions", "wyswietl", "wyswietlenia", "impresiones", "impressionen", "impr.")
CLICKS = ("clicks", "klikniecia", "clics", "klicks")
INTERACTIONS = ("interactions", "interakcje", "interacciones", "interaktionen")
COST = ("cost", "koszt", "coste", "costo", "cout", "kosten")
CURRENCY = (
    "currency code",
    "currency",
    "kod waluty",
    "waluta",
    "codigo de moneda",
    "moneda",
    "code de la devise",
    "code devise",
    "devise",
    "wahrungscode",
    "wahrung",
)
DEVICE = ("device", "urzadzenie", "dispositivo", "appareil", "gerat")
ACCOUNT = ("account", "account name", "customer id", "konto", "cuenta", "compte", "konto name")
NETWORKS = ("networks", "sieci", "redes", "reseaux", "netzwerke")
BUDGET = ("budget", "budzet", "presupuesto")

_TOTAL_ROW = re.compile(r"(?i)^\s*(?:total|totals|suma|razem|gesamt|summe|total g[ée]n[ée]ral|totaal)\s*(?::|$)")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_REPORT_WORD = re.compile(r"\b(report|raport|rapport|informe|bericht)\b")

# campaign type → GA4 channel (the "Cross-network" group of GA4 holds Performance Max, Demand Gen
# (formerly Discovery), Smart, App, Local and Smart Shopping campaigns, which serve on several networks)
_CROSS_NETWORK = (
    "performance max",
    "pmax",
    "maksymalizacja skutecznosci",
    "maximo rendimiento",
    "demand gen",
    "generowanie popytu",
    "generacion de demanda",
    "generation de la demande",
    "discovery",
    "smart",
    "inteligentna",
    "app",
    "aplikacj",
    "local",
    "lokaln",
)
_CHANNEL_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (_CROSS_NETWORK, "Cross-network"),
    (("shopping", "zakupy", "produktowe"), "Paid Shopping"),
    (("video", "wideo", "youtube"), "Paid Video"),
    (("display", "sieci reklamowej", "siec reklamowa", "reseau display", "displaynetzwerk"), "Display"),
    (("search", "wyszukiw", "busqueda", "recherche", "suchnetzwerk", "suche"), "Paid Search"),
)
_EXTRA_DEVICES = {
    "telefony komorkowe": "mobile",
    "komputery": "desktop",
    "tablety": "tablet",
    "ekrany telewizorow": "other",
    "inne": "other",
    "telefonos moviles": "mobile",
    "ordenadores": "desktop",
    "tabletas": "tablet",
    "pantallas de tv": "other",
    "otros": "other",
    "mobiles": "mobile",
    "ordinateurs": "desktop",
    "tablettes": "tablet",
    "ecrans de television": "other",
    "ecrans tv": "other",
    "autre": "other",
    "autres": "other",
    "mobilgerate": "mobile",
    "mobiltelefone": "mobile",
    "computer": "desktop",
    "tablets": "tablet",
    "tv bildschirme": "other",
    "sonstige": "other",
    "andere": "other",
}


def channel_of_type(campaign_type: str | None) -> str | None:
    """GA4's channel for a Google Ads campaign type (any of five languages); ``None`` when unknown.

    >>> [channel_of_type(t) for t in ("Search", "Performance Max", "Demand Gen", "Display", "Wideo", "Hotel")]
    ['Paid Search', 'Cross-network', 'Cross-network', 'Display', 'Paid Video', None]
    """
    name = normalise_name(campaign_type or "")
    if not name:
        return None
    words = name.split()
    for keys, channel in _CHANNEL_WORDS:
        for key in keys:
            if (" " in key and key in name) or key in words or (len(key) > 5 and key in name):
                return channel
    return None


def _local_device(value: str | None) -> str | None:
    name = normalise_name(value or "")
    if not name:
        return None
    return DEVICE_WORDS.get(name) or _EXTRA_DEVICES.get(name) or name


def _label(title: str | None) -> str | None:
    """``Google Ads campaign report`` from the report's title line (``Campaign report``)."""
    if not title or not _REPORT_WORD.search(normalise_name(title)) or len(title) > 60:
        return None
    return f"Google Ads {title.strip().lower()}"


def _cost_column(raw: RawTable) -> str | None:
    return find(raw, *COST)


def _is_editor(raw: RawTable) -> bool:
    return (
        find(raw, *CAMPAIGN) is not None
        and find(raw, *CAMPAIGN_TYPE) is not None
        and find(raw, *NETWORKS) is not None
        and find(raw, *BUDGET) is not None
    )


def _date_column(raw: RawTable) -> tuple[str | None, str]:
    """The time segment column and its grain (``day``, ``week``, ``month``)."""
    for names, grain in ((DAY, "day"), (WEEK, "week"), (MONTH, "month")):
        found = find(raw, *names)
        if found is not None:
            return found, grain
    return None, ""


@dataclass(frozen=True)
class GoogleAdsReport:
    """A report downloaded from the Google Ads interface ("Campaign report", "Search keyword report",
    "Ad report"…, any column set), with or without the Day and Device segments, in English, Polish
    (``Dzień,Kampania,Typ kampanii,…,Wyświetlenia,Kliknięcia,Koszt``), Spanish, French
    (``Jour;Campagne;…;Coût``) or German headers.

    * date = ``Day`` (``Dzień``, ``Día``, ``Jour``, ``Tag``; ISO or local dates); else ``Week`` /
      ``Month`` (each row placed on the week's or month's first day, with a note); else the first
      day of the date range on the report's second line (``"August 8, 2020 - August 14, 2020"``),
      with an info issue saying every row covers the whole range. An **"All time" report (or one
      without any date range) is skipped**: its rows could only be put on an invented day, and one
      day holding years of spend would make every period's ROAS, CPA and CAC wrong; the reason
      tells the user to download it with the Day segment.
    * spend = ``Cost`` (``Koszt``, ``Coste``, ``Coût``, ``Kosten``); impressions = ``Impr.``
      (``Wyświetlenia``, ``Impresiones``, ``Impressionen``); clicks = ``Clicks`` (``Kliknięcia``,
      ``Clics``, ``Klicks``), else ``Interactions`` for Search and Shopping rows only (an
      interaction is a click there, but a view for Video), with a note.
    * campaign = ``Campaign``; device = ``Device`` (``Computers`` → desktop, ``Mobile phones`` →
      mobile, ``Tablets`` → tablet, ``TV screens``/``Other`` → other; local labels too).
    * channel from ``Campaign type``: Search → Paid Search, Shopping → Paid Shopping, Display →
      Display, Video → Paid Video, Performance Max / Demand Gen / Discovery / Smart / App / Local →
      Cross-network (as GA4 groups them); no column or an unknown type → Paid Search, with a note.
      source = ``google``, medium = ``cpc``.
    * currency: ``Currency code`` is not a spend column in the contract; the code is reported in an
      info issue (a warning when one file mixes codes).
    * ``Total: …`` rows are removed when the file is read; any that survive (a total marker in the
      third or fourth column) are dropped here. ``" --"``, ``> 90%`` and ``< 10%`` are read by
      validation (only spend, impressions and clicks are kept).

    Detected by a cost column together with a campaign, ad group, keyword or account column and
    impressions or clicks (a Meta ``Amount spent (…)`` header is not a cost column).
    """

    name: str = "Google Ads report"

    def detect(self, raw: RawTable) -> bool:
        """True for a Google Ads report: cost with campaign/ad group/keyword and impressions or clicks."""
        if raw.meta.get("layout") == "key_value" or _cost_column(raw) is None:
            return False
        has_object = find(raw, *CAMPAIGN, *AD_GROUP, *KEYWORD, *ACCOUNT) is not None
        return has_object and find(raw, *IMPRESSIONS, *CLICKS, *INTERACTIONS) is not None

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """The report as spend rows (see the class docstring)."""
        issues: list[Issue] = []
        title = raw.meta.get("title") or self.name
        date_column, grain = _date_column(raw)
        date_expr: pl.Expr
        if date_column is not None:
            date_expr = text(raw, date_column)
            if grain != "day":
                cells = raw.frame.get_column(date_column).cast(pl.String).str.strip_chars()
                parsed = parse_datetimes(cells)
                if grain == "month" and bool(parsed.failed.any()):  # "March 2026", "2026-03": the 1st
                    year_month = cells.str.contains(r"^\d{4}-\d{1,2}$").fill_null(value=False)
                    parsed = parse_datetimes((cells + "-01").zip_with(year_month, "1 " + cells))
                date_expr = pl.lit(parsed.values.dt.date())
                if bool(parsed.failed.any()):
                    return Skipped(
                        raw.source,
                        self.name,
                        f"'{title}': the {grain} segment '{date_column}' does not hold dates "
                        f"(e.g. {raw.frame.get_column(date_column).drop_nulls().head(1).to_list()}): "
                        "download it with the Day segment",
                    )
                issues.append(
                    Issue(
                        "info",
                        "period_on_first_day",
                        "date",
                        f"each row covers a {grain} and is placed on its first day",
                        hint="download the report with the Day segment for daily figures",
                    )
                )
        else:
            period = period_of(raw)
            if period is None:
                shown = raw.meta.get("date_range") or "no date range"
                return Skipped(
                    raw.source,
                    self.name,
                    f"'{title}' is an '{shown}' report with no dates: its costs cannot be placed in any period; "
                    "download it with the Day segment (Segment → Time → Day)",
                )
            start, end = period
            date_expr = pl.lit(start, pl.Date)
            if start != end:
                issues.append(
                    Issue(
                        "info",
                        "period_on_first_day",
                        "date",
                        f"the report has no Day column: every row covers the whole range {start} – {end} and is "
                        f"placed on its first day, {start}",
                        hint="download the report with the Day segment for daily figures, or choose a period "
                        "that contains the whole range",
                        rows=raw.frame.height,
                    )
                )

        cost = _cost_column(raw)
        assert cost is not None
        campaign = find(raw, *CAMPAIGN)
        campaign_type = find(raw, *CAMPAIGN_TYPE)
        impressions = find(raw, *IMPRESSIONS)
        clicks = find(raw, *CLICKS)
        interactions = find(raw, *INTERACTIONS)
        device_column = find(raw, *DEVICE)

        # channel by campaign type
        if campaign_type is not None:
            types = raw.frame.get_column(campaign_type).cast(pl.String)
            distinct = types.unique().to_list()
            mapping = {value: channel_of_type(value) for value in distinct}
            unknown = sorted(str(value) for value, channel in mapping.items() if channel is None and value)
            channel = types.replace_strict(
                {key: value or "Paid Search" for key, value in mapping.items() if key is not None},
                default="Paid Search",
                return_dtype=pl.String,
            )
            if unknown:
                count = int(types.is_in(unknown).sum())
                issues.append(
                    Issue(
                        "info",
                        "unknown_campaign_type",
                        "channel",
                        f"{count:,} row(s) have a campaign type with no GA4 channel of its own: counted as Paid Search",
                        rows=count,
                        examples=tuple(unknown[:5]),
                    )
                )
        else:
            channel = pl.Series("channel", ["Paid Search"] * raw.frame.height, pl.String)
            issues.append(
                Issue(
                    "info",
                    "no_campaign_type",
                    "channel",
                    "the report has no Campaign type column: every row is counted as Paid Search",
                    hint="add the Campaign type column to tell Search from Display, Video and Performance Max",
                )
            )

        columns: dict[str, pl.Expr | pl.Series] = {
            "date": date_expr,
            "spend": text(raw, cost),
            "channel": channel,
            "source": pl.lit("google"),
            "medium": pl.lit("cpc"),
        }
        if campaign is not None:
            columns["campaign"] = text(raw, campaign)
        if device_column is not None:
            labels = raw.frame.get_column(device_column).cast(pl.String)
            columns["device"] = labels.replace_strict(
                {value: _local_device(value) for value in labels.unique().to_list() if value is not None},
                default=None,
                return_dtype=pl.String,
            )
        if impressions is not None:
            columns["impressions"] = text(raw, impressions)
        if clicks is not None:
            columns["clicks"] = text(raw, clicks)
        elif interactions is not None:
            searchish = channel.is_in(["Paid Search", "Paid Shopping"])
            columns["clicks"] = pl.when(pl.lit(searchish)).then(text(raw, interactions)).otherwise(None)
            others = int((~searchish).sum())
            issues.append(
                Issue(
                    "info",
                    "interactions_as_clicks",
                    "clicks",
                    f"no Clicks column: clicks = '{interactions}' for Search and Shopping rows (an interaction is "
                    "a click there)"
                    + (
                        f"; left empty for {others:,} other row(s), where an interaction is a view or engagement"
                        if others
                        else ""
                    ),
                    rows=others,
                    effect="changed" if others else "note",
                )
            )

        # currency: reported, since spend has no currency column
        currency_column = find(raw, *CURRENCY)
        stated: str | None = None
        if currency_column is not None:
            codes = sorted(
                code
                for code in raw.frame.get_column(currency_column).cast(pl.String).str.strip_chars().unique().to_list()
                if code and _CURRENCY_CODE.match(code)
            )
            if len(codes) == 1:
                stated = codes[0].upper()
                issues.append(Issue("info", "currency", "spend", f"spend is in {codes[0]} (from '{currency_column}')"))
            elif len(codes) > 1:
                issues.append(
                    Issue(
                        "warning",
                        "mixed_currencies",
                        "spend",
                        f"the report mixes currencies ({', '.join(codes)}): spend adds different money",
                        hint="download one account (one currency) per file",
                        examples=tuple(codes[:5]),
                    )
                )

        # total rows that text reading left (a total marker in a later column)
        first_cells = list(raw.columns[:4])
        survived = pl.any_horizontal([text(raw, name).str.contains(_TOTAL_ROW.pattern) for name in first_cells])
        frame = raw.frame.select(
            *[
                value.alias(name) if isinstance(value, pl.Expr) else pl.lit(value).alias(name)
                for name, value in columns.items()
            ],
            drop_when(survived, "a Google Ads total row (it repeats the sum of other rows)"),
        )
        if frame.get_column("_drop").null_count() == frame.height:
            frame = frame.drop("_drop")
        return Converted(
            source=raw.source,
            table="spend",
            frame=frame,
            recogniser=_label(raw.meta.get("title")) or self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=raw.header_line + 1,
            currency=stated,
        )


@dataclass(frozen=True)
class GoogleAdsEditor:
    """A Google Ads Editor export (File → Export → CSV; UTF-16LE, TAB-separated), e.g. the campaigns
    sheet ``Campaign, Labels, Campaign Type, Networks, Budget, Budget type, …, Campaign Status``.

    Editor files hold settings (budgets, bids, networks, targeting), not what was spent: a budget is
    a ceiling, not a cost. Such a file is skipped with the reason. (An Editor file that carries
    ``Cost`` statistics is a report with cost and is read by :class:`GoogleAdsReport`; with no date
    range it is skipped there too.)

    Detected by ``Campaign``, ``Campaign Type``, ``Networks`` and ``Budget`` without a cost column.
    """

    name: str = "Google Ads Editor export"

    def detect(self, raw: RawTable) -> bool:
        """True for an Editor campaigns export without cost columns."""
        return raw.meta.get("layout") != "key_value" and _is_editor(raw) and _cost_column(raw) is None

    def convert(self, raw: RawTable) -> Skipped:
        """Always skipped: settings are not spend."""
        return Skipped(
            raw.source,
            self.name,
            "a Google Ads Editor export holds campaign settings (budgets, bids, networks), not cost, impressions "
            "or clicks: a budget is not spend; download a report with Cost and the Day segment from the Google Ads "
            "interface instead",
        )


RECOGNISERS = (GoogleAdsReport(), GoogleAdsEditor())
