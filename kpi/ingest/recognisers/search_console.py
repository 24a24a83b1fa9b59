"""Google Search Console: the "Performance on Search results" export (Export → Download CSV, a
zip of ``Chart.csv``, ``Queries.csv``, ``Pages.csv``, ``Countries.csv``, ``Devices.csv``,
``Search appearance.csv`` and ``Filters.csv``)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import Converted, RawTable, Skipped
from kpi.ingest.recognisers.common import find, text
from kpi.issues import Issue

# header names in English, Polish, Spanish, French and German (compared normalised)
CLICKS = ("clicks", "klikniecia", "clics", "klicks")
IMPRESSIONS = ("impressions", "wyswietlenia", "impresiones", "impressionen")
CTR = ("ctr",)
POSITION = ("position", "pozycja", "posicion", "average position")
DATE = ("date", "data", "fecha", "datum")
FILTER = ("filter", "filtr", "filtro", "filtre")
VALUE = ("value", "wartosc", "valor", "valeur", "wert")

_BREAKDOWNS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "top queries",
            "query",
            "queries",
            "najczestsze zapytania",
            "zapytania",
            "consultas principales",
            "requetes les plus frequentes",
            "haufigste suchanfragen",
            "suchanfragen",
        ),
        "clicks per search query for the whole period, with no dates: queries are not a traffic dimension",
    ),
    (
        (
            "top pages",
            "page",
            "pages",
            "najpopularniejsze strony",
            "strony",
            "paginas principales",
            "pages les plus populaires",
            "haufigste seiten",
            "seiten",
        ),
        "clicks per page for the whole period, with no dates (use Chart.csv for daily Organic Search clicks)",
    ),
    (
        ("country", "countries", "kraj", "kraje", "pais", "paises", "pays", "land", "lander"),
        "clicks per country for the whole period, with no dates; traffic has no country column",
    ),
    (
        (
            "device",
            "devices",
            "urzadzenie",
            "urzadzenia",
            "dispositivo",
            "dispositivos",
            "appareil",
            "appareils",
            "gerat",
            "gerate",
        ),
        "clicks per device for the whole period, with no dates: it cannot be placed in time (Chart.csv holds "
        "the daily clicks)",
    ),
    (
        (
            "search appearance",
            "wyglad w wynikach wyszukiwania",
            "aparicion en busqueda",
            "apparence dans les resultats",
            "darstellung in der suche",
        ),
        "clicks per search appearance (rich results…) with no dates: not a traffic dimension",
    ),
)


def _metrics(raw: RawTable) -> bool:
    return all(find(raw, *names) is not None for names in (CLICKS, IMPRESSIONS, CTR, POSITION))


def _breakdown(raw: RawTable) -> str | None:
    """The skip reason of a breakdown file (Queries, Pages, Countries, Devices, Search appearance)."""
    first = normalise_name(raw.columns[0]) if raw.columns else ""
    return next((reason for names, reason in _BREAKDOWNS if first in names), None)


def _file_name(raw: RawTable) -> str:
    return str(raw.meta.get("file_name", raw.source)).replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SearchConsoleExport:
    """Google Search Console "Performance" export files.

    * ``Chart.csv`` (``Date,Clicks,Impressions,CTR,Position``, ISO dates) → ``traffic``: date =
      ``Date``; sessions = ``Clicks``; channel = ``Organic Search``; source = ``google``; medium =
      ``organic``. Search Console counts clicks on Google's results, not sessions: an info issue
      says so, and warns not to load it with a GA4 traffic file for the same days (GA4's Organic
      Search sessions would be counted a second time). ``Impressions``, ``CTR`` and ``Position``
      are left out (traffic has no such columns).
    * ``Queries.csv`` (``Top queries,…``), ``Pages.csv`` (``Top pages,…``), ``Countries.csv``
      (``Country,…``), ``Devices.csv`` (``Device,…``), ``Search appearance.csv`` → skipped: each
      gives totals for the whole period with no dates, and queries, pages, countries and search
      appearances are not traffic dimensions.
    * ``Filters.csv`` (``Filter,Value``: ``Search type,Web``, ``Date,Last 3 months``) → skipped:
      it describes the export, it holds no data.

    Detected by ``Clicks, Impressions, CTR, Position`` after a date or breakdown column (English
    and the usual Polish, Spanish, French and German labels), or by ``Filter,Value`` in a file
    named ``Filters.csv`` or holding ``Search type``.
    """

    name: str = "Google Search Console export"

    def detect(self, raw: RawTable) -> bool:
        """True for a file of a Search Console export."""
        if raw.meta.get("layout") == "key_value" or not raw.columns:
            return False
        if len(raw.columns) == 2 and find(raw, *FILTER) == raw.columns[0] and find(raw, *VALUE) is not None:
            filters = [normalise_name(value or "") for value in raw.frame.get_column(raw.columns[0]).to_list()]
            return _file_name(raw).lower() == "filters.csv" or "search type" in filters
        if len(raw.columns) != 5 or not _metrics(raw):
            return False
        first = normalise_name(raw.columns[0])
        return first in DATE or _breakdown(raw) is not None

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """Chart.csv as Organic Search traffic; every other file skipped with its reason."""
        if len(raw.columns) == 2:
            return Skipped(
                raw.source,
                self.name,
                "Search Console 'Filters': the export's settings (search type, date range), not data",
            )
        reason = _breakdown(raw)
        if reason is not None:
            return Skipped(raw.source, self.name, f"Search Console '{raw.columns[0]}': {reason}")
        clicks = find(raw, *CLICKS)
        frame = raw.frame.select(
            text(raw, raw.columns[0]).alias("date"),
            text(raw, clicks).alias("sessions"),
            pl.lit("Organic Search").alias("channel"),
            pl.lit("google").alias("source"),
            pl.lit("organic").alias("medium"),
        )
        note = Issue(
            "info",
            "clicks_as_sessions",
            "sessions",
            "Search Console counts clicks on Google's search results, not sessions: each click is counted as one "
            "Organic Search session from google (GA4's Organic Search sessions are usually close, never equal). "
            "Do not load it together with a GA4 traffic file for the same days, or Organic Search is counted twice",
            hint="Impressions, CTR and Position are left out: traffic has no such columns",
        )
        return Converted(
            source=raw.source,
            table="traffic",
            frame=frame,
            recogniser="Google Search Console chart",
            rows_in=raw.frame.height,
            issues=(note,),
            first_line=raw.header_line + 1,
        )


RECOGNISERS = (SearchConsoleExport(),)
