"""Google Analytics 4 downloads: single-table reports (Acquisition → Traffic acquisition →
Download CSV, explorations) and the 16-table "Reports snapshot".

GA4 writes ``# Start date: 20260220`` / ``# End date: 20260319`` comment lines above every table
(:mod:`kpi.ingest.text` keeps them as ``start_date``/``end_date`` in ``meta``); the snapshot stacks
16 tables in one file (sources ``name#1`` … ``name#16``). Only a table with a Sessions column makes
a ``traffic`` table; every other GA4 table is skipped with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import Converted, RawTable, Skipped
from kpi.ingest.recognisers.common import device, find, period_of, text
from kpi.ingest.values import parse_numbers
from kpi.issues import Issue

# --- header names (normalised: lower case, no accents, punctuation as spaces) -----------------

_CHANNEL_GROUP_WORDS = ("channel group", "grupa kanalow", "grupo de canales", "groupe de canaux", "channelgruppe")
_FIRST_USER_WORDS = ("first user", "pierwszego uzytkownika", "primer usuario", "premier utilisateur", "erste nutzer")
_SESSION_SOURCE_MEDIUM = (
    "session source medium",
    "zrodlo medium sesji",
    "fuente medio de la sesion",
    "source support de la session",
    "sitzungsquelle medium",
)
_FIRST_USER_SOURCE_MEDIUM = ("first user source medium",)
_SOURCE = ("session source", "zrodlo sesji", "fuente de la sesion", "source de la session", "sitzungsquelle")
_MEDIUM = ("session medium", "medium sesji", "medio de la sesion", "support de la session", "sitzungsmedium")
_CAMPAIGN = (
    "session campaign",
    "session campaign name",
    "kampania sesji",
    "campana de la sesion",
    "campagne de la session",
    "sitzungskampagne",
)
_SESSIONS = ("sessions", "sesje", "sesiones", "sitzungen")
_ENGAGED = (
    "engaged sessions",
    "sesje z zaangazowaniem",
    "sesiones con interaccion",
    "sessions avec engagement",
    "sitzungen mit interaktionen",
)
_ENGAGEMENT_RATE = (
    "engagement rate",
    "wspolczynnik zaangazowania",
    "porcentaje de interacciones",
    "tasa de interaccion",
    "taux d engagement",
    "interaktionsrate",
)
_BOUNCE_RATE = ("bounce rate", "wspolczynnik odrzucen", "porcentaje de rebote", "taux de rebond", "absprungrate")
_USERS = (
    "active users",
    "total users",
    "users",
    "aktywni uzytkownicy",
    "uzytkownicy",
    "usuarios activos",
    "usuarios totales",
    "usuarios",
    "utilisateurs actifs",
    "utilisateurs",
    "aktive nutzer",
    "nutzer insgesamt",
    "nutzer",
)
_NEW_USERS = ("new users", "nowi uzytkownicy", "usuarios nuevos", "nouveaux utilisateurs", "neue nutzer")
_VIEWS = ("views", "screen page views", "wyswietlenia", "vistas", "vues", "aufrufe")
_VIEWS_PER_SESSION = (
    "views per session",
    "wyswietlenia na sesje",
    "vistas por sesion",
    "vues par session",
    "aufrufe pro sitzung",
)
_SESSION_DURATION = (
    "average session duration",
    "sredni czas trwania sesji",
    "duracion media de la sesion",
    "duree moyenne des sessions",
    "durchschnittliche sitzungsdauer",
)
_ENGAGEMENT_PER_SESSION = (
    "average engagement time per session",
    "sredni czas zaangazowania na sesje",
    "tiempo medio de interaccion por sesion",
    "duree d engagement moyenne par session",
    "durchschnittliche interaktionsdauer pro sitzung",
)
_DATE = ("date", "data", "fecha", "datum")
_NTH_DAY = ("nth day",)
_DEVICE = (
    "device category",
    "kategoria urzadzenia",
    "categoria de dispositivo",
    "categorie d appareil",
    "geratekategorie",
)
_LANDING = (
    "landing page",
    "landing page query string",
    "strona docelowa",
    "pagina de destino",
    "page de destination",
    "landingpage",
    "zielseite",
)

_LEAD_EVENT = re.compile(r"\b(generate lead|leads?|lead form|form lead)\b")
_EVENT_COLUMN = re.compile(
    r"^(key events?|conversions?|event count|kluczowe zdarzenia|eventos clave|"
    r"evenements cles|schlusselereignisse)\b|\b(generate lead)\b"
)
_LEFT_OUT = re.compile(
    r"(revenue|przychod|ingresos|revenus|umsatz|key event|conversion|event count|"
    r"average engagement time|events per session|engaged sessions per|key event rate|"
    r"user key event rate|ecommerce purchases|transactions|purchase)"
)

_GA4_ONLY_NAMES = frozenset(
    {
        "nth day",
        "nth week",
        "page title and screen class",
        "page title and screen name",
        "event name",
        "item name",
        "items purchased",
        "country id",
        "average 120d value",
        "key events",
        "average engagement time per active user",
        "average engagement time",
        "event count",
        "active users",
        "new users",
        "total users",
        "views",
        "engaged sessions",
        "engagement rate",
        "total revenue",
        "sessions",
        "user engagement",
        "platform",
        "country",
        "city",
        "region",
        "language",
        "date",
        "week 0",
        "30 days",
        "7 days",
        "1 day",
        "device category",
        "browser",
        "operating system",
        "landing page",
        "landing page query string",
        "page path and screen class",
        "first user source medium",
        "session source medium",
        "events per session",
        "engaged sessions per active user",
    }
)
_COMPACT_DATE = re.compile(r"^\d{8}$")


def _names(raw: RawTable) -> list[str]:
    return [normalise_name(name) for name in raw.columns]


def channel_group_column(raw: RawTable) -> str | None:
    """The header of GA4's channel-group dimension (session or first user, any of five languages)."""
    return next(
        (name for name in raw.columns if any(word in normalise_name(name) for word in _CHANNEL_GROUP_WORDS)), None
    )


def _is_first_user(column: str) -> bool:
    name = normalise_name(column)
    return any(word in name for word in _FIRST_USER_WORDS)


def _has_ga4_dates(raw: RawTable) -> bool:
    """GA4's ``# Start date: 20260220`` / ``# End date: …`` comment lines above the table."""
    return bool(
        _COMPACT_DATE.match(raw.meta.get("start_date", "")) and _COMPACT_DATE.match(raw.meta.get("end_date", ""))
    )


def _ga4_dimension(raw: RawTable) -> bool:
    return (
        channel_group_column(raw) is not None
        or find(raw, *_SESSION_SOURCE_MEDIUM, *_FIRST_USER_SOURCE_MEDIUM, *_SOURCE, *_MEDIUM) is not None
    )


def _numbers(
    raw: RawTable, column: str | None, issues: list[Issue] | None = None, target: str = ""
) -> pl.Series | None:
    """A column's cells parsed as numbers (``None`` when the column is absent); with ``issues``,
    cells that do not parse are reported (``target``, derived from them, is left empty there)."""
    if column is None:
        return None
    parsed = parse_numbers(raw.frame.get_column(column).cast(pl.String))
    if issues is not None:
        _unreadable(raw, column, parsed.failed, target, issues)
    return parsed.values


def _unreadable(raw: RawTable, column: str, failed: pl.Series, target: str, issues: list[Issue]) -> None:
    """An issue for the cells of ``column`` that are not numbers: ``target`` stays empty there."""
    count = int(failed.fill_null(value=False).sum())
    if not count:
        return
    rows = raw.frame.with_row_index("_at", offset=raw.header_line + 1).filter(failed.fill_null(value=False))
    issues.append(
        Issue(
            "warning",
            "unparseable_value",
            target,
            f"{count:,} value(s) in '{column}' are not numbers: {target} left empty in those rows",
            rows=count,
            examples=tuple(f"line {at}: {value!r}" for at, value in rows.select("_at", column).head(5).rows()),
            effect="changed",
        )
    )


def _seconds(raw: RawTable, column: str, issues: list[Issue]) -> pl.Series:
    """Durations as seconds: plain numbers (GA4 writes ``58.27``) or ``H:MM:SS``."""
    cells = raw.frame.get_column(column).cast(pl.String).str.strip_chars()
    clock = cells.str.extract_groups(r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
    as_clock = (
        clock.struct.field("1").cast(pl.Float64) * 3600
        + clock.struct.field("2").cast(pl.Float64) * 60
        + clock.struct.field("3").cast(pl.Float64)
    )
    plain = parse_numbers(cells.set(as_clock.is_not_null(), None))
    _unreadable(raw, column, plain.failed, "session_duration_s", issues)
    return pl.select(pl.coalesce(pl.lit(as_clock), pl.lit(plain.values))).to_series()


def _title(raw: RawTable) -> str:
    columns = raw.columns
    if len(columns) > 4:
        return f"{columns[0]}, {columns[1]} … {columns[-1]}"
    return ", ".join(columns)


def _period_label(start: date, end: date) -> str:
    days = (end - start).days + 1
    return f"{start} – {end} ({days} day{'s' if days != 1 else ''})"


# --- skip reasons of the Reports snapshot ------------------------------------------------------

_SNAPSHOT_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("nth day", "active users"), "users without sessions do not make a traffic table"),
    (("nth week", "active users"), "users without sessions do not make a traffic table"),
    (("nth day", "new users"), "new users without sessions do not make a traffic table"),
    (("nth week", "new users"), "new users without sessions do not make a traffic table"),
    (
        ("nth day", "average engagement time per active user"),
        "an average per active user, without sessions, does not make a traffic table",
    ),
    (("nth day", "total revenue"), "revenue by day is not traffic: load the shop's orders export for revenue"),
    (("nth week", "total revenue"), "revenue by week is not traffic: load the shop's orders export for revenue"),
    (("country id", "active users"), "users by country: no sessions and no dates per row"),
    (("country", "active users"), "users by country (top N only): no sessions and no dates per row"),
    (("nth day", "30 days", "7 days", "1 day"), "rolling 30/7/1-day active users are not additive sessions"),
    (("date", "week 0"), "a retention cohort table (share of users returning each week) is not traffic"),
    (("page title and screen class", "views"), "top-N page titles with views: no sessions and no dates per row"),
    (("page title and screen name", "views"), "top-N page titles with views: no sessions and no dates per row"),
    (("event name", "event count"), "event counts by event name are not sessions"),
    (("event name", "key events"), "key events by event name are not sessions"),
    (("item name", "items purchased"), "items purchased belong to orders, not traffic"),
    (("platform", "key events"), "key events by platform are not sessions"),
    (("platform", "active users"), "users by platform: no sessions"),
)


def _snapshot_reason(raw: RawTable) -> str:
    names = _names(raw)
    for header, reason in _SNAPSHOT_REASONS:
        if tuple(names[: len(header)]) == header:
            return reason
    group = channel_group_column(raw)
    if group is not None and _is_first_user(group):
        metric = raw.columns[1] if len(raw.columns) > 1 else "a metric"
        return f"'{metric}' by the users' first channel, without sessions, does not make a traffic table"
    return "no Sessions column, so no traffic table"


def _skip(raw: RawTable, recogniser: str) -> Skipped:
    return Skipped(raw.source, recogniser, f"GA4 '{_title(raw)}': {_snapshot_reason(raw)}")


# --- the traffic conversion ---------------------------------------------------------------------


def _traffic(raw: RawTable, recogniser: str) -> Converted | Skipped:
    """A GA4 table with a Sessions column as a traffic table (see :class:`Ga4Report`)."""
    sessions = find(raw, *_SESSIONS)
    assert sessions is not None
    issues: list[Issue] = []
    columns: dict[str, pl.Expr | pl.Series] = {}

    # date: the Date column (YYYYMMDD), "Nth day" from the start date, or the period's first day
    date_column = find(raw, *_DATE)
    nth_day = find(raw, *_NTH_DAY)
    period = period_of(raw)
    if date_column is not None:
        columns["date"] = text(raw, date_column)
    elif nth_day is not None and period is not None:
        offsets = _numbers(raw, nth_day)
        assert offsets is not None
        start = period[0]
        columns["date"] = pl.Series(
            "date", [None if n is None else start + timedelta(days=int(n)) for n in offsets.to_list()], pl.Date
        )
    elif period is not None:
        start, end = period
        columns["date"] = pl.lit(start, pl.Date)
        if start != end:
            issues.append(
                Issue(
                    "info",
                    "period_on_first_day",
                    "date",
                    f"the table has no Date column: every row covers the whole period {_period_label(start, end)} "
                    f"and is placed on its first day, {start}",
                    hint="download the report with the Date dimension for daily figures, or choose a period "
                    "that contains the whole range",
                    rows=raw.frame.height,
                )
            )
    else:
        return Skipped(
            raw.source,
            recogniser,
            f"GA4 '{_title(raw)}' has no Date column and no '# Start date' lines: its rows cannot be placed in "
            "time (download it again with the Date dimension, keeping the comment lines)",
        )

    columns["sessions"] = text(raw, sessions)

    # dimensions
    group = channel_group_column(raw)
    if group is not None:
        columns["channel"] = text(raw, group)
        if _is_first_user(group):
            issues.append(
                Issue(
                    "info",
                    "first_user_channel",
                    "channel",
                    f"the channel is '{group}': the channel that first brought each user, not the channel of "
                    "each session",
                )
            )
    source_medium = find(raw, *_SESSION_SOURCE_MEDIUM, *_FIRST_USER_SOURCE_MEDIUM)
    if source_medium is not None:
        parts = text(raw, source_medium).str.split_exact(" / ", 1)
        columns["source"] = parts.struct.field("field_0").str.strip_chars()
        columns["medium"] = parts.struct.field("field_1").str.strip_chars()
    else:
        for canonical, names in (("source", _SOURCE), ("medium", _MEDIUM)):
            found = find(raw, *names)
            if found is not None:
                columns[canonical] = text(raw, found)
    campaign = find(raw, *_CAMPAIGN)
    if campaign is not None:
        columns["campaign"] = text(raw, campaign)
    device_column = find(raw, *_DEVICE)
    if device_column is not None:
        columns["device"] = device(pl.col(device_column))
    landing = find(raw, *_LANDING)
    if landing is not None:
        columns["landing_page"] = text(raw, landing)

    # metrics
    session_values = _numbers(raw, sessions)
    assert session_values is not None
    engaged = find(raw, *_ENGAGED)
    rate = find(raw, *_ENGAGEMENT_RATE)
    bounce = find(raw, *_BOUNCE_RATE)
    if engaged is not None:
        columns["engaged_sessions"] = text(raw, engaged)
    elif rate is not None or bounce is not None:
        fraction = _fraction(raw, rate or bounce, issues)  # type: ignore[arg-type]
        if rate is None:
            fraction = 1 - fraction
        columns["engaged_sessions"] = (fraction * session_values).round(0).cast(pl.Int64).alias("engaged_sessions")
        how = (
            f"'{rate}' × sessions"
            if rate
            else f"(1 − '{bounce}') × sessions (GA4's bounce rate is 1 − engagement rate)"
        )
        issues.append(
            Issue(
                "info",
                "derived_column",
                "engaged_sessions",
                f"no Engaged sessions column: engaged sessions = {how}, rounded to whole sessions",
            )
        )
    users = find(raw, *_USERS)
    if users is not None:
        columns["users"] = text(raw, users)
    new_users = find(raw, *_NEW_USERS)
    if new_users is not None:
        columns["new_users"] = text(raw, new_users)
    views = find(raw, *_VIEWS)
    per_session = find(raw, *_VIEWS_PER_SESSION)
    if views is not None:
        columns["pageviews"] = text(raw, views)
    elif per_session is not None:
        ratio = _numbers(raw, per_session, issues, "pageviews")
        assert ratio is not None
        columns["pageviews"] = (ratio * session_values).round(0).cast(pl.Int64).alias("pageviews")
        issues.append(
            Issue(
                "info",
                "derived_column",
                "pageviews",
                f"no Views column: page views = '{per_session}' × sessions, rounded",
            )
        )
    duration = find(raw, *_SESSION_DURATION)
    engagement_time = find(raw, *_ENGAGEMENT_PER_SESSION)
    if duration is not None or engagement_time is not None:
        used = duration or engagement_time
        assert used is not None
        columns["session_duration_s"] = (_seconds(raw, used, issues) * session_values).alias("session_duration_s")
        detail = (
            ""
            if duration
            else " (GA4's engagement time counts only the time the page was in focus, so it reads lower than a "
            "session duration)"
        )
        issues.append(
            Issue(
                "info",
                "derived_column",
                "session_duration_s",
                f"total session seconds = '{used}' × sessions{detail}",
            )
        )
    lead_column = next(
        (
            name
            for name in raw.columns
            if _LEAD_EVENT.search(normalise_name(name)) and _EVENT_COLUMN.search(normalise_name(name))
        ),
        None,
    )
    if lead_column is not None:
        columns["leads"] = text(raw, lead_column)
        issues.append(
            Issue("info", "leads_from_events", "leads", f"leads = '{lead_column}' (a lead key event per session row)")
        )

    used_columns = {
        name
        for name in (
            date_column,
            nth_day,
            sessions,
            group,
            source_medium,
            campaign,
            device_column,
            landing,
            engaged,
            rate,
            bounce,
            users,
            new_users,
            views,
            per_session,
            duration,
            engagement_time,
            lead_column,
        )
        if name
    }
    if source_medium is None:
        used_columns |= {name for name in (find(raw, *_SOURCE), find(raw, *_MEDIUM)) if name}
    left_out = [name for name in raw.columns if name not in used_columns]
    if left_out:
        why = (
            ": key events and conversions may be purchases, sign-ups or any event marked as key, so they are not "
            "read as purchase sessions or leads; revenue belongs to the orders table; events and per-user "
            "averages are not traffic columns"
            if any(_LEFT_OUT.search(normalise_name(name)) for name in left_out)
            else ": traffic has no such columns"
        )
        issues.append(
            Issue(
                "info",
                "left_out",
                None,
                f"{len(left_out)} column(s) left out ({', '.join(left_out)}){why}",
                examples=tuple(left_out[:5]),
            )
        )
    frame = raw.frame.select(
        [
            value.alias(name) if isinstance(value, pl.Expr) else pl.lit(value).alias(name)
            for name, value in columns.items()
        ]
    )
    return Converted(
        source=raw.source,
        table="traffic",
        frame=frame,
        recogniser=recogniser,
        rows_in=raw.frame.height,
        issues=tuple(issues),
        first_line=raw.header_line + 1,
    )


def _fraction(raw: RawTable, column: str, issues: list[Issue]) -> pl.Series:
    """A rate column as fractions: ``74.6%`` and ``0.746`` both give 0.746; plain numbers above 1
    are read as percentages (``74.6`` → 0.746), with a note."""
    parsed = parse_numbers(raw.frame.get_column(column).cast(pl.String))
    _unreadable(raw, column, parsed.failed, "engaged_sessions", issues)
    values = parsed.values
    if not parsed.percent and bool((values > 1).any()):
        issues.append(
            Issue(
                "info",
                "rate_as_percent",
                column,
                f"'{column}' holds values above 1 without a % sign: read as percentages",
            )
        )
        return values / 100
    return values


@dataclass(frozen=True)
class Ga4Snapshot:
    """GA4 "Reports snapshot" (Reports → Snapshot → Share → Download CSV): 16 tables in one file,
    each under ``# Start date: YYYYMMDD`` / ``# End date: YYYYMMDD`` comments.

    Known tables and what becomes of them:

    * ``Session primary channel group (Default Channel Group),Sessions`` → ``traffic``: channel =
      the channel group, sessions = Sessions, date = the first day of the block's period (the rows
      cover the whole period; an info issue says so).
    * ``Nth day,Active users`` / ``Nth day,New users`` / ``Nth day,Average engagement time per
      active user`` / ``Nth day,Total revenue`` / ``First user primary channel group (Default
      Channel Group),New users`` / ``Country ID,Active users`` / ``Country,Active users`` /
      ``Nth day,30 days,7 days,1 day`` / ``Date,Week 0,…`` (retention cohorts) / ``Page title and
      screen class,Views`` / ``Event name,Event count`` / ``Event name,Key events`` / ``First user
      primary channel group (Default Channel Group),Average 120d value`` / ``Item name,Items
      purchased`` / ``Platform,Key events`` → skipped, each with its reason (users, revenue, events
      and items are not sessions; they would need tables the contract does not have).

    Detected by the snapshot's shape: several tables in the file (``table_count`` in ``meta``), GA4's
    compact start/end dates, and a first header GA4 writes (``Nth day``, a channel group…).
    """

    name: str = "GA4 Reports snapshot"

    def detect(self, raw: RawTable) -> bool:
        """True for a table of a multi-table file with GA4 date comments and GA4 headers."""
        if int(raw.meta.get("table_count", "1") or 1) < 2 or not _has_ga4_dates(raw):
            return False
        names = _names(raw)
        return bool(names) and (names[0] in _GA4_ONLY_NAMES or channel_group_column(raw) is not None)

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """The sessions-by-channel block as traffic; every other block skipped with its reason."""
        if find(raw, *_SESSIONS) is not None and channel_group_column(raw) is not None:
            return _traffic(raw, self.name)
        return _skip(raw, self.name)


@dataclass(frozen=True)
class Ga4Report:
    """A single-table GA4 download (Acquisition → Traffic acquisition / User acquisition, explorations),
    with or without its ``#`` comment lines.

    Headers known (English, and the usual Polish, Spanish, French and German labels):

    * channel: ``Session primary channel group (Default Channel Group)``, ``Session default channel
      group``, ``First user primary channel group (Default Channel Group)``, ``First user default
      channel group`` (any header containing "channel group"; a first-user channel gets a note);
    * source/medium: ``Session source / medium`` (split at `` / ``), ``Session source``, ``Session
      medium``; campaign: ``Session campaign``; device: ``Device category``; landing_page: ``Landing
      page`` / ``Landing page + query string``;
    * date: ``Date`` (``YYYYMMDD``), else ``Nth day`` counted from ``# Start date``, else the first day
      of the ``# Start date``/``# End date`` period, with an info issue saying every row covers the
      whole period; no date at all → skipped with the reason;
    * sessions = ``Sessions``; engaged_sessions = ``Engaged sessions``, else round(``Engagement
      rate`` × sessions) (``74.6%`` or ``0.746``), else round((1 − ``Bounce rate``) × sessions);
      users = ``Active users``, else ``Total users``, else ``Users``; new_users = ``New users``;
      pageviews = ``Views``, else round(``Views per session`` × sessions); session_duration_s =
      ``Average session duration`` × sessions, else ``Average engagement time per session`` ×
      sessions (noted: engagement time is shorter than session duration);
    * leads = a key-event column that names a lead event (``Key events (generate_lead)``); plain
      ``Key events`` / ``Conversions`` are left out (they mix purchases, sign-ups and any event
      marked as key, and count events, not sessions), as are ``Total revenue`` (orders, not
      traffic), ``Event count`` and per-user averages, with a note naming them.

    A GA4 table without Sessions (``Page title and screen class,Views,…``) is skipped with the reason.
    Detected by a GA4 dimension header (channel group, session source/medium) with Sessions, or by
    GA4's compact ``# Start date`` comments above a table of GA4 headers.
    """

    name: str = "GA4 report"

    def detect(self, raw: RawTable) -> bool:
        """True for a GA4 table (not a snapshot block): a GA4 dimension with Sessions, or GA4 date comments
        and GA4 headers."""
        if raw.meta.get("layout") == "key_value" or Ga4Snapshot().detect(raw):
            return False
        if _ga4_dimension(raw) and find(raw, *_SESSIONS) is not None:
            return True
        names = _names(raw)
        return _has_ga4_dates(raw) and bool(names) and (names[0] in _GA4_ONLY_NAMES or _ga4_dimension(raw))

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """Traffic from a table with Sessions; any other GA4 table skipped with its reason."""
        if find(raw, *_SESSIONS) is None:
            return _skip(raw, self.name)
        name = "GA4 traffic acquisition report" if channel_group_column(raw) is not None else self.name
        return _traffic(raw, name)


RECOGNISERS = (Ga4Snapshot(), Ga4Report())
