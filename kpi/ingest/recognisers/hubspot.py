"""CRM exports → leads: HubSpot deals and contacts (in the languages HubSpot exports in), and
Zoho CRM deals.

HubSpot writes the header in the user's interface language. The English names are HubSpot's
defaults; the French ones (``ID de fiche d'informations``, ``Phase de la transaction``, ``Date de
fermeture``, ``Montant``…) were checked against a script that reads real French exports; the
German ``Datensatz-ID``, ``Vorname``, ``E-Mail`` against another; the remaining German, Spanish
and Polish names follow HubSpot's translations as best known and are **not** verified against a
real file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import Converted, RawTable, Skipped
from kpi.ingest.recognisers.common import find
from kpi.ingest.recognisers.shopify_orders import count, note, one_to_one, select_columns
from kpi.issues import Issue

RECORD_ID = (
    "Record ID",
    "Datensatz-ID",
    "ID de fiche d'informations",
    "ID de registro",
    "Identyfikator rekordu",
    "ID rekordu",
)
DEAL_STAGE = (
    "Deal Stage",
    "Deal-Phase",
    "Dealphase",
    "Phase de la transaction",
    "Etapa del negocio",
    "Etap transakcji",
)
DEAL_NAME = ("Deal Name", "Deal-Name", "Dealname", "Nom de la transaction", "Nombre del negocio", "Nazwa transakcji")
CLOSE_DATE = ("Close Date", "Abschlussdatum", "Date de fermeture", "Fecha de cierre", "Data zamknięcia")
CREATE_DATE = (
    "Create Date",
    "Erstelldatum",
    "Erstellungsdatum",
    "Date de création",
    "Fecha de creación",
    "Data utworzenia",
)
AMOUNT = ("Amount", "Betrag", "Montant", "Importe", "Cantidad", "Kwota")
DEAL_OWNER = (
    "Deal owner",
    "Deal-Inhaber",
    "Dealinhaber",
    "Propriétaire de la transaction",
    "Propietario del negocio",
    "Właściciel transakcji",
)
CONTACT_OWNER = (
    "Contact owner",
    "Kontaktinhaber",
    "Propriétaire du contact",
    "Propietario del contacto",
    "Właściciel kontaktu",
)
ORIGINAL_SOURCE = (
    "Original Source",
    "Original Source Type",
    "Ursprüngliche Quelle",
    "Source d'origine",
    "Fuente original",
    "Oryginalne źródło",
    "Źródło pierwotne",
)
SOURCE_DETAIL = ("Original Source Drill-Down 1", "Original Source Data 1")
EMAIL = ("Email", "E-Mail", "E-mail", "Correo", "Correo electrónico", "Adres e-mail")
LIFECYCLE = (
    "Lifecycle Stage",
    "Lebenszyklusphase",
    "Phase du cycle de vie",
    "Etapa del ciclo de vida",
    "Etap cyklu życia",
)
LEAD_STATUS = ("Lead Status", "Lead-Status", "Statut du lead", "Estado del lead", "Status leada")

NO_CREATE_DATE = (
    "the deals have no Create Date, and a lead needs the date it was created: add the Create Date property "
    "to the export and download it again"
)
WON = r"closed ?won|\bwon\b|gewonnen|gagn[ée]|ganad[oa]|wygran"
LOST = r"closed ?lost|\blost\b|verloren|perdu|perdid[oa]|przegran"
_ACCENTS = {
    "é": "e",
    "è": "e",
    "ê": "e",
    "á": "a",
    "à": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "ñ": "n",
    "ü": "u",
    "ö": "o",
    "ä": "a",
    "ł": "l",
    "ś": "s",
    "ź": "z",
    "ż": "z",
    "ą": "a",
    "ę": "e",
    "ć": "c",
    "ń": "n",
    "ç": "c",
}

SOURCE_CHANNELS: dict[str, str] = {
    # HubSpot's internal values and English labels
    "organic search": "Organic Search",
    "paid search": "Paid Search",
    "social media": "Organic Social",
    "organic social": "Organic Social",
    "paid social": "Paid Social",
    "email marketing": "Email",
    "email": "Email",
    "direct traffic": "Direct",
    "referrals": "Referral",
    "ai referrals": "Referral",
    "other campaigns": "Unassigned",
    "offline": "Offline",
    "offline sources": "Offline",
    # German
    "organische suche": "Organic Search",
    "bezahlte suche": "Paid Search",
    "organische social media": "Organic Social",
    "bezahlte social media": "Paid Social",
    "e mail marketing": "Email",
    "direkter traffic": "Direct",
    "direkte zugriffe": "Direct",
    "verweise": "Referral",
    "andere kampagnen": "Unassigned",
    "offline quellen": "Offline",
    # French
    "recherche organique": "Organic Search",
    "recherche payante": "Paid Search",
    "reseaux sociaux": "Organic Social",
    "social organique": "Organic Social",
    "reseaux sociaux payants": "Paid Social",
    "social payant": "Paid Social",
    "marketing par e mail": "Email",
    "trafic direct": "Direct",
    "sites referents": "Referral",
    "references": "Referral",
    "autres campagnes": "Unassigned",
    "sources hors ligne": "Offline",
    "hors ligne": "Offline",
    # Spanish
    "busqueda organica": "Organic Search",
    "busqueda de pago": "Paid Search",
    "busqueda pagada": "Paid Search",
    "redes sociales": "Organic Social",
    "social organico": "Organic Social",
    "redes sociales de pago": "Paid Social",
    "social de pago": "Paid Social",
    "marketing por correo electronico": "Email",
    "trafico directo": "Direct",
    "referencias": "Referral",
    "referidos": "Referral",
    "otras campanas": "Unassigned",
    "fuentes sin conexion": "Offline",
    "sin conexion": "Offline",
    # Polish
    "wyszukiwanie organiczne": "Organic Search",
    "platne wyszukiwanie": "Paid Search",
    "media spolecznosciowe": "Organic Social",
    "platne media spolecznosciowe": "Paid Social",
    "marketing e mailowy": "Email",
    "ruch bezposredni": "Direct",
    "odeslania": "Referral",
    "inne kampanie": "Unassigned",
    "zrodla offline": "Offline",
}
"""HubSpot's ``Original Source`` (``ORGANIC_SEARCH``, ``Organic search``, ``Recherche organique``,
normalised: lower case, no accents, ``_``/``-`` as spaces) → GA4 channel (or Offline)."""

ZOHO_SOURCES: dict[str, str] = {
    "advertisement": "Paid Other",
    "google adwords": "Paid Search",
    "google ads": "Paid Search",
    "cold call": "Offline",
    "trade show": "Offline",
    "seminar partner": "Offline",
    "internal seminar": "Offline",
    "employee referral": "Referral",
    "external referral": "Referral",
    "partner": "Referral",
    "public relations": "Referral",
    "sales email alias": "Email",
    "email": "Email",
    "facebook": "Organic Social",
    "twitter": "Organic Social",
    "x twitter": "Organic Social",
    "linkedin": "Organic Social",
    "web research": "Organic Search",
}
"""Zoho CRM's default ``Lead Source`` picklist → channel; other values are Unassigned."""


def normalised(expr: pl.Expr) -> pl.Expr:
    """Text as compared with the maps above: lower case, accents removed, other punctuation as
    single spaces (``ORGANIC_SEARCH`` → ``organic search``, ``Réseaux sociaux`` → ``reseaux sociaux``)."""
    lowered = expr.str.to_lowercase().str.replace_many(list(_ACCENTS), list(_ACCENTS.values()))
    return lowered.str.replace_all(r"[^0-9a-z]+", " ").str.strip_chars()


def mapped_channel(expr: pl.Expr, table: dict[str, str]) -> pl.Expr:
    """The channel of a CRM's source value: the table's, Unassigned for a value it lacks, null when empty."""
    key = normalised(expr)
    return (
        pl.when(key.is_null() | (key == ""))
        .then(pl.lit(None, pl.String))
        .otherwise(key.replace_strict(table, default="Unassigned", return_dtype=pl.String))
    )


def _unknown_sources(frame: pl.DataFrame, column: str, table: dict[str, str], label: str | None) -> list[Issue]:
    key = normalised(pl.col(column))
    odd = frame.filter(key.is_not_null() & (key != "") & ~key.is_in(list(table)))
    if not odd.height:
        return []
    names = odd[column].unique(maintain_order=True).head(5).to_list()
    return [
        note(
            "unknown_source",
            f"{odd.height:,} row(s) have a '{label}' this product does not know ({', '.join(names)}): "
            "channel Unassigned",
            rows=odd.height,
            column="channel",
        )
    ]


def _deal_columns(
    columns: dict[str, str | None], won: pl.Expr, lost: pl.Expr, channels: dict[str, str]
) -> list[pl.Expr]:
    """A CRM deal as a lead: created → created_at and sql_at (a deal is an opportunity sales
    accepted), the close date → won_at or lost_at by the stage, the amount of won deals →
    deal_value, the owner, and the channel of its source."""
    out = [
        pl.col("lead_id"),
        pl.col("created").alias("created_at"),
        pl.col("created").alias("sql_at"),
        pl.when(won).then(pl.col("close")).otherwise(pl.lit(None, pl.String)).alias("won_at"),
        pl.when(lost).then(pl.col("close")).otherwise(pl.lit(None, pl.String)).alias("lost_at"),
    ]
    if columns["amount"]:
        out.append(pl.when(won).then(pl.col("amount")).otherwise(pl.lit(None, pl.String)).alias("deal_value"))
    if columns["owner"]:
        out.append(pl.col("owner"))
    if columns["origin"]:
        out.append(mapped_channel(pl.col("origin"), channels).alias("channel"))
    return out


def _stage_notes(frame: pl.DataFrame, won: pl.Expr, lost: pl.Expr) -> list[Issue]:
    issues = []
    for flag, what in ((won, "won"), (lost, "lost")):
        undated = count(frame, flag & pl.col("close").is_null())
        if undated:
            issues.append(
                Issue(
                    "warning",
                    "undated_stage",
                    f"{what}_at",
                    f"{undated:,} {what} deal(s) have no close date: their {what}_at is empty",
                    rows=undated,
                    effect="changed",
                )
            )
    return issues


_DEALS: dict[str, tuple[str, ...]] = {
    "lead_id": RECORD_ID,
    "stage": DEAL_STAGE,
    "close": CLOSE_DATE,
    "created": CREATE_DATE,
    "amount": AMOUNT,
    "owner": DEAL_OWNER,
    "origin": ORIGINAL_SOURCE,
    "detail": SOURCE_DETAIL,
}


@dataclass(frozen=True)
class HubSpotDeals:
    """HubSpot's deals export (``hubspot-crm-exports-all-deals-….csv``; every header and value
    double-quoted), one deal per row.

    Headers it knows (English, and the French, German, Spanish and Polish names of the module
    docstring): ``Record ID`` and ``Deal Stage`` plus one of ``Deal Name``, ``Close Date``,
    ``Amount``, ``Create Date``; optionally ``Deal owner``, ``Original Source`` (or ``Original
    Source Type``), ``Original Source Drill-Down 1``.

    * ``lead_id`` = ``Record ID``; ``created_at`` = ``Create Date`` (rows without it are left
      out by validation, with the count; an export without the column is skipped, with the
      reason: HubSpot's default deal columns leave it out).
    * ``sql_at`` = ``created_at``: a HubSpot deal is an opportunity sales has accepted, so it is
      sales-qualified from its creation (noted).
    * ``Deal Stage`` as a label (``Closed Won``, ``Abgeschlossen und gewonnen``, ``Conclue
      gagnée``…) or an internal id (``closedwon``, ``closedlost``, ``appointmentscheduled``…):
      won → ``won_at`` = ``Close Date``, lost → ``lost_at`` = ``Close Date``; other stages are
      open deals.
    * ``deal_value`` = ``Amount`` of won deals only (the contract's "value of the won deal").
    * ``owner`` = ``Deal owner``; ``channel`` from ``Original Source`` (:data:`SOURCE_CHANNELS`:
      ORGANIC_SEARCH → Organic Search, SOCIAL_MEDIA → Organic Social, OTHER_CAMPAIGNS →
      Unassigned, OFFLINE → Offline…); ``source`` = ``Original Source Drill-Down 1``
      lower-cased (``google``, ``facebook``).
    """

    name: str = "HubSpot deals export"

    def detect(self, raw: RawTable) -> bool:
        """True for a record id, a deal stage and a deal name, close date, amount or create date."""
        return (
            find(raw, *RECORD_ID) is not None
            and find(raw, *DEAL_STAGE) is not None
            and find(raw, *DEAL_NAME, *CLOSE_DATE, *AMOUNT, *CREATE_DATE) is not None
        )

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """One lead per deal, mapped as the class docstring says."""
        columns = {name: find(raw, *candidates) for name, candidates in _DEALS.items()}
        if columns["created"] is None:
            return Skipped(raw.source, self.name, NO_CREATE_DATE)
        frame = select_columns(raw, columns)
        stage = pl.col("stage").str.to_lowercase()
        won, lost = stage.str.contains(WON).fill_null(value=False), stage.str.contains(LOST).fill_null(value=False)
        lost = lost & ~won
        issues = [
            note(
                "deals_are_sqls",
                "every deal is an opportunity sales accepted: sql_at is the deal's create date",
                column="sql_at",
            ),
            note("deal_value_won", "deal_value is the Amount of won deals only", column="deal_value"),
            *_stage_notes(frame, won, lost),
        ]
        out = _deal_columns(columns, won, lost, SOURCE_CHANNELS)
        if columns["origin"]:
            issues += _unknown_sources(frame, "origin", SOURCE_CHANNELS, columns["origin"])
        if columns["detail"]:
            out.append(pl.col("detail").str.to_lowercase().alias("source"))
        converted = frame.select(out)
        return Converted(
            source=raw.source,
            table="leads",
            frame=converted,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, converted.height),
        )


_MQL = re.compile(r"marketing qualified lead")
_SQL = re.compile(r"sales qualified lead")
_CUSTOMER = re.compile(r"\bcustomer\b")


def _stage_date_column(raw: RawTable, pattern: re.Pattern[str]) -> str | None:
    """HubSpot's date a contact reached a lifecycle stage: ``Became a Marketing Qualified Lead
    Date`` (older portals) or ``Date entered "Marketing Qualified Lead (Lifecycle Stage
    Pipeline)"`` (newer ones); never the ``Date exited`` or time-in-stage columns."""
    for name in raw.columns:
        plain = normalise_name(name)
        if not pattern.search(plain) or any(word in plain for word in ("exited", "left", "time in", "cumulative")):
            continue
        if plain.startswith(("became a", "date entered")):
            return name
    return None


@dataclass(frozen=True)
class HubSpotContacts:
    """HubSpot's contacts export, one contact (lead) per row.

    Headers it knows: ``Record ID`` and ``Create Date`` plus one of ``Lifecycle Stage``,
    ``Lead Status``, ``Contact owner`` (or their French, German, Spanish, Polish names), and no
    deal stage; optionally ``Email``, ``Original Source``, ``Original Source Drill-Down 1``,
    ``Became a Marketing Qualified Lead Date``, ``Became a Sales Qualified Lead Date``, ``Became
    a Customer Date`` (or the newer ``Date entered "… (Lifecycle Stage Pipeline)"``).

    * ``lead_id`` = ``Record ID``; ``created_at`` = ``Create Date``; every contact is a lead
      (subscribers too: the KPI counts contacts created in the period).
    * ``mql_at``, ``sql_at``, ``won_at`` = the dates the contact became a marketing-qualified
      lead, a sales-qualified lead and a customer (empty = not reached; without those columns
      the stages are unknown, noted: ``Lifecycle Stage`` says where a contact is, not when).
    * ``owner`` = ``Contact owner``; ``customer_id`` = ``Email`` lower-cased (the key of the
      orders of shop exports); ``channel`` and ``source`` as for deals.
    """

    name: str = "HubSpot contacts export"

    def detect(self, raw: RawTable) -> bool:
        """True for a record id, a create date and a contact column, without a deal stage."""
        return (
            find(raw, *RECORD_ID) is not None
            and find(raw, *CREATE_DATE) is not None
            and find(raw, *DEAL_STAGE) is None
            and find(raw, *LIFECYCLE, *LEAD_STATUS, *CONTACT_OWNER) is not None
        )

    def convert(self, raw: RawTable) -> Converted:
        """One lead per contact, mapped as the class docstring says."""
        columns = {
            "lead_id": find(raw, *RECORD_ID),
            "created_at": find(raw, *CREATE_DATE),
            "mql_at": _stage_date_column(raw, _MQL),
            "sql_at": _stage_date_column(raw, _SQL),
            "won_at": _stage_date_column(raw, _CUSTOMER),
            "owner": find(raw, *CONTACT_OWNER),
            "email": find(raw, *EMAIL),
            "origin": find(raw, *ORIGINAL_SOURCE),
            "detail": find(raw, *SOURCE_DETAIL),
        }
        frame = select_columns(raw, columns)
        issues: list[Issue] = []
        stages = [name for name in ("mql_at", "sql_at", "won_at") if columns[name]]
        missing = [name for name in ("mql_at", "sql_at", "won_at") if not columns[name]]
        if missing:
            issues.append(
                note(
                    "no_stage_dates",
                    f"the export has no date for {', '.join(missing)} (add the 'Became a …' or 'Date entered …' "
                    "properties to the export): those stages are unknown",
                )
            )
        out = [pl.col("lead_id"), pl.col("created_at"), *(pl.col(name) for name in stages)]
        if columns["owner"]:
            out.append(pl.col("owner"))
        if columns["email"]:
            out.append(pl.col("email").str.to_lowercase().alias("customer_id"))
        if columns["origin"]:
            out.append(mapped_channel(pl.col("origin"), SOURCE_CHANNELS).alias("channel"))
            issues += _unknown_sources(frame, "origin", SOURCE_CHANNELS, columns["origin"])
        if columns["detail"]:
            out.append(pl.col("detail").str.to_lowercase().alias("source"))
        converted = frame.select(out)
        return Converted(
            source=raw.source,
            table="leads",
            frame=converted,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, converted.height),
        )


_ZOHO: dict[str, tuple[str, ...]] = {
    "lead_id": ("Record Id", "Deal Id", "Id"),
    "stage": ("Stage",),
    "close": ("Closing Date",),
    "created": ("Created Time",),
    "amount": ("Amount",),
    "owner": ("Deal Owner",),
    "origin": ("Lead Source",),
}


@dataclass(frozen=True)
class ZohoDeals:
    """Zoho CRM's deals export (``Record Id, Deal Name, Stage, Closing Date, Amount, Deal Owner,
    Created Time, Lead Source, …``; English field labels), one deal per row.

    * ``lead_id`` = ``Record Id`` (``zcrm_…`` kept as written); ``created_at`` = ``Created
      Time``; ``sql_at`` = ``created_at`` (a deal is an accepted opportunity, as for HubSpot).
    * ``Stage`` ``Closed Won`` → ``won_at`` = ``Closing Date``; ``Closed Lost`` and ``Closed-Lost
      to Competition`` → ``lost_at`` = ``Closing Date``; ``deal_value`` = ``Amount`` of won deals.
    * ``owner`` = ``Deal Owner``; ``channel`` from ``Lead Source`` (:data:`ZOHO_SOURCES`: Cold
      Call, Trade Show, seminars → Offline; referrals and partners → Referral; Advertisement →
      Paid Other…; others Unassigned).
    """

    name: str = "Zoho CRM deals export"

    def detect(self, raw: RawTable) -> bool:
        """True for a record id, Deal Name, Stage and Closing Date."""
        return all(find(raw, name) is not None for name in ("Deal Name", "Stage", "Closing Date")) and (
            find(raw, "Record Id", "Deal Id", "Id") is not None
        )

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """One lead per deal."""
        columns = {name: find(raw, *candidates) for name, candidates in _ZOHO.items()}
        if columns["created"] is None:
            return Skipped(raw.source, self.name, NO_CREATE_DATE.replace("Create Date", "Created Time"))
        frame = select_columns(raw, columns)
        stage = pl.col("stage").str.to_lowercase()
        won, lost = stage.str.contains(WON).fill_null(value=False), stage.str.contains(LOST).fill_null(value=False)
        lost = lost & ~won
        issues = [
            note(
                "deals_are_sqls",
                "every deal is an opportunity sales accepted: sql_at is the deal's created time",
                column="sql_at",
            ),
            *_stage_notes(frame, won, lost),
        ]
        out = _deal_columns(columns, won, lost, ZOHO_SOURCES)
        if columns["origin"]:
            issues += _unknown_sources(frame, "origin", ZOHO_SOURCES, columns["origin"])
        converted = frame.select(out)
        return Converted(
            source=raw.source,
            table="leads",
            frame=converted,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, converted.height),
        )
