"""The mapping step: any table → a canonical table, by a column mapping the user confirms once.

:func:`suggest` proposes, for each canonical column, the file column that most likely holds it:
by name (synonyms in English, Polish, Spanish, French and German, then spelling similarity) and
by what the values look like (a date column for ``ordered_at``, numbers for ``revenue``).
:func:`guess_table` proposes the table kind. A :class:`ColumnMapping` is saved as a small JSON
profile; loading the profile makes the next upload of the same export map itself
(:meth:`ColumnMapping.fits`).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, cast

import polars as pl

from kpi.ingest.model import Converted, DateOrder, Decimal, ParseOptions, RawTable
from kpi.ingest.values import sniff_kind
from kpi.issues import DataError, Issue
from kpi.schema import SCHEMAS, TABLE_NAMES, TableName

PROFILE_FORMAT = "kpi-explorer-mapping"
PROFILE_VERSION = 1

SYNONYMS: dict[str, tuple[str, ...]] = {
    # orders
    "order_id": (
        "order id",
        "order number",
        "order no",
        "order",
        "order #",
        "invoice",
        "invoice no",
        "invoiceno",
        "invoice number",
        "transaction id",
        "id",
        "name",
        "nr zamowienia",
        "numer zamowienia",
        "zamowienie",
        "id zamowienia",
        "pedido",
        "numero de pedido",
        "id del pedido",
        "n de pedido",
        "commande",
        "numero de commande",
        "n de commande",
        "id commande",
        "bestellnummer",
        "bestell nr",
        "auftragsnummer",
        "rechnungsnummer",
        "bestellung",
    ),
    "customer_id": (
        "customer id",
        "customer",
        "customer email",
        "email",
        "e mail",
        "client",
        "client id",
        "buyer",
        "customerid",
        "user id",
        "klient",
        "id klienta",
        "email klienta",
        "nabywca",
        "cliente",
        "id de cliente",
        "id cliente",
        "correo",
        "correo electronico",
        "id client",
        "courriel",
        "kunde",
        "kundennummer",
        "kunden id",
        "kunden nr",
    ),
    "ordered_at": (
        "order date",
        "date",
        "created at",
        "created",
        "ordered at",
        "order created at",
        "purchase date",
        "invoicedate",
        "invoice date",
        "order time",
        "timestamp",
        "data zamowienia",
        "data",
        "data zakupu",
        "fecha",
        "fecha del pedido",
        "fecha de pedido",
        "date de commande",
        "date commande",
        "bestelldatum",
        "datum",
        "auftragsdatum",
    ),
    "revenue": (
        "revenue",
        "subtotal",
        "net sales",
        "sales",
        "amount",
        "order total",
        "total",
        "value",
        "order value",
        "net",
        "wartosc zamowienia",
        "wartosc",
        "kwota",
        "przychod",
        "sprzedaz",
        "importe",
        "ventas",
        "ingresos",
        "total del pedido",
        "montant",
        "chiffre d affaires",
        "ventes",
        "montant ht",
        "umsatz",
        "betrag",
        "gesamtbetrag",
        "wert",
        "nettoumsatz",
        "bestellwert",
    ),
    "refunded": (
        "refunded",
        "refund",
        "refunds",
        "refunded amount",
        "amount refunded",
        "total refunds",
        "zwrot",
        "zwroty",
        "kwota zwrotu",
        "reembolso",
        "reembolsado",
        "remboursement",
        "rembourse",
        "erstattung",
        "ruckerstattung",
        "erstattet",
    ),
    "status": (
        "status",
        "order status",
        "financial status",
        "state",
        "stan",
        "status zamowienia",
        "estado",
        "estado del pedido",
        "statut",
        "etat",
        "bestellstatus",
        "zustand",
    ),
    "currency": ("currency", "currency code", "waluta", "moneda", "divisa", "devise", "wahrung"),
    "country": ("country", "billing country", "shipping country", "kraj", "pais", "pays", "land"),
    "sales_rep": ("sales rep", "salesperson", "seller", "handlowiec", "vendedor", "commercial", "verkaufer"),
    "discount": ("discount", "discount amount", "total discount", "rabat", "descuento", "remise", "rabatt"),
    "tax": ("tax", "taxes", "total tax", "vat", "podatek", "vat", "impuesto", "iva", "taxe", "tva", "steuer", "mwst"),
    "shipping": (
        "shipping",
        "total shipping",
        "delivery",
        "wysylka",
        "koszt wysylki",
        "dostawa",
        "envio",
        "livraison",
        "frais de port",
        "versand",
        "versandkosten",
    ),
    # dimensions
    "channel": (
        "channel",
        "default channel group",
        "channel group",
        "session default channel group",
        "kanal",
        "canal",
        "grupa kanalow",
    ),
    "source": (
        "source",
        "utm source",
        "referrer",
        "referring site",
        "source medium",
        "zrodlo",
        "fuente",
        "origen",
        "origin",
        "quelle",
    ),
    "medium": ("medium", "utm medium", "medio", "support"),
    "campaign": (
        "campaign",
        "campaign name",
        "utm campaign",
        "kampania",
        "nazwa kampanii",
        "campana",
        "nombre de la campana",
        "campagne",
        "nom de la campagne",
        "kampagne",
        "kampagnenname",
    ),
    "device": (
        "device",
        "device category",
        "device type",
        "platform",
        "urzadzenie",
        "dispositivo",
        "appareil",
        "gerat",
        "geratekategorie",
    ),
    "landing_page": (
        "landing page",
        "landing path",
        "landing page url",
        "page",
        "strona docelowa",
        "pagina de destino",
        "page de destination",
        "zielseite",
        "einstiegsseite",
    ),
    # traffic
    "date": ("date", "day", "dzien", "data", "fecha", "dia", "jour", "tag", "datum"),
    "sessions": ("sessions", "visits", "sesje", "wizyty", "sesiones", "visitas", "visites", "sitzungen", "besuche"),
    "users": (
        "users",
        "active users",
        "total users",
        "visitors",
        "uzytkownicy",
        "usuarios",
        "utilisateurs",
        "nutzer",
        "besucher",
    ),
    "new_users": ("new users", "nowi uzytkownicy", "usuarios nuevos", "nouveaux utilisateurs", "neue nutzer"),
    "pageviews": (
        "pageviews",
        "page views",
        "views",
        "screen page views",
        "odslony",
        "wyswietlenia stron",
        "paginas vistas",
        "vistas",
        "pages vues",
        "vues",
        "seitenaufrufe",
        "aufrufe",
    ),
    "engaged_sessions": (
        "engaged sessions",
        "zaangazowane sesje",
        "sesiones con interaccion",
        "sessions avec engagement",
        "sitzungen mit interaktionen",
    ),
    "session_duration_s": (
        "session duration",
        "total session duration",
        "czas trwania sesji",
        "duracion de la sesion",
        "duree de session",
        "sitzungsdauer",
    ),
    "add_to_cart_sessions": (
        "add to cart sessions",
        "sessions with cart additions",
        "add to carts",
        "add to cart",
        "dodania do koszyka",
        "anadir al carrito",
        "ajouts au panier",
        "in den warenkorb",
    ),
    "checkout_sessions": (
        "checkout sessions",
        "sessions that reached checkout",
        "checkouts",
        "begin checkout",
        "rozpoczecie platnosci",
        "pago iniciado",
        "paiement commence",
        "checkout gestartet",
    ),
    "purchase_sessions": (
        "purchase sessions",
        "sessions that completed checkout",
        "transactions",
        "purchases",
        "zakupy",
        "transakcje",
        "compras",
        "transacciones",
        "achats",
        "transaktionen",
        "kaufe",
    ),
    "leads": (
        "leads",
        "form submissions",
        "contacts",
        "new contacts",
        "sign ups",
        "kontakty",
        "leady",
        "zgloszenia",
        "contactos",
        "prospects",
        "kontakte",
    ),
    # spend
    "spend": (
        "spend",
        "cost",
        "amount spent",
        "ad spend",
        "costs",
        "koszt",
        "wydatki",
        "wydana kwota",
        "coste",
        "costo",
        "importe gastado",
        "gasto",
        "cout",
        "depenses",
        "montant depense",
        "kosten",
        "ausgaben",
        "ausgegebener betrag",
    ),
    "impressions": ("impressions", "impr", "impr.", "wyswietlenia", "impresiones", "impressionen"),
    "clicks": ("clicks", "link clicks", "clicks all", "klikniecia", "clics", "klicks"),
    # leads
    "lead_id": (
        "lead id",
        "record id",
        "contact id",
        "deal id",
        "id",
        "mql id",
        "id leada",
        "id del lead",
        "id du prospect",
        "lead nr",
    ),
    "created_at": (
        "created at",
        "create date",
        "created",
        "created date",
        "first contact date",
        "first contact",
        "date",
        "data utworzenia",
        "data",
        "fecha de creacion",
        "fecha",
        "date de creation",
        "date",
        "erstellt am",
        "erstelldatum",
        "datum",
    ),
    "mql_at": ("mql date", "became a marketing qualified lead date", "mql at", "data mql", "fecha mql", "date mql"),
    "sql_at": ("sql date", "became a sales qualified lead date", "sql at", "data sql", "fecha sql", "date sql"),
    "won_at": (
        "won date",
        "won at",
        "close date won",
        "closed won date",
        "data wygrania",
        "fecha de cierre ganado",
        "date de gain",
        "gewonnen am",
    ),
    "lost_at": (
        "lost date",
        "lost at",
        "closed lost date",
        "data przegrania",
        "fecha de perdida",
        "date de perte",
        "verloren am",
    ),
    "deal_value": (
        "deal value",
        "amount",
        "deal amount",
        "value",
        "wartosc",
        "kwota",
        "importe",
        "valor",
        "montant",
        "valeur",
        "betrag",
        "wert",
    ),
    "owner": (
        "owner",
        "deal owner",
        "contact owner",
        "sales rep",
        "opiekun",
        "handlowiec",
        "wlasciciel",
        "propietario",
        "responsable",
        "proprietaire",
        "verantwortlich",
        "besitzer",
        "inhaber",
    ),
    # nps
    "responded_at": (
        "responded at",
        "response date",
        "submitted at",
        "date",
        "answered at",
        "data odpowiedzi",
        "data",
        "fecha de respuesta",
        "fecha",
        "date de reponse",
        "date",
        "antwortdatum",
        "datum",
    ),
    "score": (
        "score",
        "nps",
        "nps score",
        "rating",
        "answer",
        "ocena",
        "wynik",
        "puntuacion",
        "calificacion",
        "note",
        "bewertung",
        "punktzahl",
    ),
}
"""Header names (normalised: lower case, no accents, punctuation as spaces) per canonical column."""

_KIND_FITS: dict[str, frozenset[str]] = {
    "datetime": frozenset({"date", "datetime"}),
    "date": frozenset({"date", "datetime"}),
    "float": frozenset({"integer", "number", "money", "percent"}),
    "int": frozenset({"integer", "number"}),
    "str": frozenset({"id", "text", "integer", "boolean", "empty"}),
}


def normalise_name(name: str) -> str:
    """A header name for comparison: lower case, accents removed, punctuation as single spaces.

    >>> normalise_name("Nr zamówienia"), normalise_name("Amount spent (USD)"), normalise_name("UTM_Source")
    ('nr zamowienia', 'amount spent usd', 'utm source')
    """
    decomposed = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", plain).split())


@dataclass(frozen=True)
class Suggestion:
    """The file column proposed for a canonical column, how sure (0–1) and why."""

    column: str
    score: float
    why: str


@cache
def _synonyms(canonical: str) -> tuple[str, ...]:
    return (normalise_name(canonical), *SYNONYMS.get(canonical, ()))


@lru_cache(maxsize=65536)
def _name_score(canonical: str, header: str) -> tuple[float, str]:
    """How surely a header names a canonical column: 1.0 a usual name, 0.75 contains one, 0.6
    spelt like one (similarity ≥ 0.8), else 0."""
    name = normalise_name(header)
    words = set(name.split())
    synonyms = _synonyms(canonical)
    if name in synonyms:
        return 1.0, f"'{header}' is a usual name for {canonical}"
    for synonym in synonyms:
        if len(synonym) > 3 and (synonym in name or (set(synonym.split()) <= words and " " in synonym)):
            return 0.75, f"'{header}' contains '{synonym}'"
    for synonym in synonyms:
        matcher = difflib.SequenceMatcher(None, name, synonym)
        if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8:
            return 0.6, f"'{header}' is spelt like {canonical}"
    return 0.0, ""


def column_kinds(raw: RawTable, sample: int = 200) -> dict[str, str]:
    """What each column's values look like (dates, money, ids…), from its first non-empty values;
    a column with no digit at all is text without trying the date and number readers."""
    kinds: dict[str, str] = {}
    for name in raw.columns:
        values = raw.frame.get_column(name).cast(pl.String).drop_nulls().head(sample)
        if values.len() == 0:
            kinds[name] = "empty"
        elif not values.str.contains(r"\d").any():
            kinds[name] = "boolean" if sniff_kind(values) == "boolean" else "text"
        else:
            kinds[name] = sniff_kind(values)
    return kinds


def _fits(kind: str, dtype: str) -> bool:
    return kind == "empty" or kind in _KIND_FITS[dtype]


def suggest(raw: RawTable, table: TableName, kinds: Mapping[str, str] | None = None) -> dict[str, Suggestion]:
    """For each canonical column of ``table``, the most likely file column (each file column used
    once), by name first and by the values' kind second.

    >>> raw = RawTable("x.csv", pl.DataFrame({"Nr zamówienia": ["#1", "#2"], "Data": ["2024-01-05", "2024-01-06"],
    ...                                        "Klient": ["a@x.pl", "b@x.pl"], "Wartość": ["12,50 zł", "7,00 zł"]}))
    >>> {name: s.column for name, s in suggest(raw, "orders").items()}
    {'order_id': 'Nr zamówienia', 'customer_id': 'Klient', 'ordered_at': 'Data', 'revenue': 'Wartość'}
    """
    schema = SCHEMAS[table]
    kinds = kinds if kinds is not None else column_kinds(raw)
    candidates: list[tuple[float, int, str, str, str]] = []
    for order, column in enumerate(schema.columns):
        for header in raw.columns:
            score, why = _name_score(column.name, header)
            if score == 0:
                continue
            if not _fits(kinds[header], column.dtype):
                score *= 0.3
                why += f", but its values look like {kinds[header]}"
            candidates.append((score, -order, column.name, header, why))
    chosen: dict[str, Suggestion] = {}
    used: set[str] = set()
    for score, _, canonical, header, why in sorted(candidates, reverse=True):
        if canonical in chosen or header in used or score < 0.3:
            continue
        chosen[canonical] = Suggestion(header, round(score, 2), why)
        used.add(header)
    _suggest_the_date(schema.columns, kinds, chosen, used)
    return {column.name: chosen[column.name] for column in schema.columns if column.name in chosen}


def _suggest_the_date(
    columns: Sequence[Any], kinds: dict[str, str], chosen: dict[str, Suggestion], used: set[str]
) -> None:
    """A required date column with no name match takes the one remaining column of dates."""
    dated = [header for header, kind in kinds.items() if kind in ("date", "datetime") and header not in used]
    wanted = [
        column.name
        for column in columns
        if column.required and column.dtype in ("date", "datetime") and column.name not in chosen
    ]
    if len(dated) == 1 and len(wanted) == 1:
        chosen[wanted[0]] = Suggestion(dated[0], 0.5, f"'{dated[0]}' is the only column of dates")
        used.add(dated[0])


def guess_table(raw: RawTable) -> TableName | None:
    """The canonical table a raw table most likely holds: the one whose required columns all get a
    confident suggestion, most optional columns breaking ties; ``None`` when no table fits."""
    best: tuple[float, TableName] | None = None
    kinds = column_kinds(raw)
    for table in TABLE_NAMES:
        found = suggest(raw, table, kinds)
        required = [column.name for column in SCHEMAS[table].columns if column.required and not column.nullable]
        if not all(name in found and found[name].score >= 0.5 for name in required):
            continue
        score = sum(found[name].score for name in required) / len(required) + 0.05 * (len(found) - len(required))
        if best is None or score > best[0]:
            best = (score, table)
    return best[1] if best else None


@dataclass(frozen=True)
class ColumnMapping:
    """How one export maps to a canonical table: ``columns`` maps canonical names to the file's
    column names, ``constants`` fills a canonical column with one value for every row (channel
    ``Email`` for a newsletter tool's export), ``parse`` says how numbers and dates are written,
    ``header`` is the file header it was made for (so the same export maps itself next time), and
    ``row_numbers_as_ids`` gives each row its own id when the file has no order or lead id."""

    name: str
    table: TableName
    columns: Mapping[str, str]
    constants: Mapping[str, str] = field(default_factory=dict)
    parse: ParseOptions = field(default_factory=ParseOptions)
    header: tuple[str, ...] = ()
    row_numbers_as_ids: bool = False

    def problems(self) -> list[str]:
        """What keeps the mapping from producing the table: required columns left unmapped, a file
        column used twice, unknown canonical names."""
        schema = SCHEMAS[self.table]
        key = schema.key if self.row_numbers_as_ids else None
        found = [
            f"{name!r} is not a column of {self.table}"
            for name in (*self.columns, *self.constants)
            if name not in schema.names
        ]
        missing = [
            column.name
            for column in schema.columns
            if column.required
            and not column.nullable
            and column.name not in self.columns
            and column.name not in self.constants
            and column.name != key
        ]
        found += [f"required column {name!r} is not mapped" for name in missing]
        if schema.key and schema.key in self.constants:
            found.append(f"{schema.key} cannot be one value for every row: map a column or number the rows")
        used = list(self.columns.values())
        found += [f"file column {name!r} is mapped twice" for name in sorted({n for n in used if used.count(n) > 1})]
        return found

    def fits(self, raw: RawTable) -> bool:
        """True when the raw table has the header this mapping was made for (same names, any
        order, case-insensitive), or at least every column it maps."""
        names = {normalise_name(name) for name in raw.columns}
        if self.header:
            return names == {normalise_name(name) for name in self.header}
        return {normalise_name(name) for name in self.columns.values()} <= names

    def to_json(self) -> str:
        """The mapping as a JSON profile (what the user downloads)."""
        return json.dumps(
            {
                "format": PROFILE_FORMAT,
                "version": PROFILE_VERSION,
                "name": self.name,
                "table": self.table,
                "columns": dict(self.columns),
                "constants": dict(self.constants),
                "decimal": self.parse.decimal,
                "date_order": self.parse.date_order,
                "row_numbers_as_ids": self.row_numbers_as_ids,
                "header": list(self.header),
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes, source: str = "profile") -> ColumnMapping:
        """A mapping from its JSON profile; a profile that is not one raises :class:`DataError`."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise DataError(source, "is not a JSON mapping profile") from None
        if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
            raise DataError(source, "is not a KPI Explorer mapping profile")
        if data.get("version") != PROFILE_VERSION:
            raise DataError(source, f"has profile version {data.get('version')!r}; this app reads {PROFILE_VERSION}")
        table = data.get("table")
        if table not in TABLE_NAMES:
            raise DataError(source, f"names an unknown table {table!r}")
        columns, constants = data.get("columns", {}), data.get("constants", {})
        if not _is_str_map(columns) or not _is_str_map(constants):
            raise DataError(source, "columns and constants must map names to text")
        decimal, order = data.get("decimal"), data.get("date_order")
        if decimal not in (None, ".", ",") or order not in (None, "ymd", "dmy", "mdy"):
            raise DataError(source, "has an unknown decimal mark or date order")
        header = data.get("header", [])
        if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
            raise DataError(source, "header must be a list of column names")
        mapping = cls(
            name=str(data.get("name") or source),
            table=cast(TableName, table),
            columns=columns,
            constants=constants,
            parse=ParseOptions(decimal=cast(Decimal | None, decimal), date_order=cast(DateOrder | None, order)),
            header=tuple(header),
            row_numbers_as_ids=_flag(data.get("row_numbers_as_ids", False), source),
        )
        problems = mapping.problems()
        if problems:
            raise DataError(source, f"is not a usable mapping: {problems[0]}")
        return mapping


def _flag(value: Any, source: str) -> bool:
    if not isinstance(value, bool):
        raise DataError(source, f"row_numbers_as_ids must be true or false, not {value!r}")
    return value


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def suggested_mapping(raw: RawTable, table: TableName, name: str = "") -> ColumnMapping:
    """A mapping made of the confident suggestions (score ≥ 0.5), for the user to confirm."""
    chosen = {canonical: s.column for canonical, s in suggest(raw, table).items() if s.score >= 0.5}
    return ColumnMapping(
        name=name or f"{raw.meta.get('file_name', raw.source)} → {table}",
        table=table,
        columns=chosen,
        header=tuple(raw.columns),
    )


def apply_mapping(raw: RawTable, mapping: ColumnMapping) -> Converted:
    """The raw table's columns renamed to the canonical names of the mapping (plus its constants),
    ready for validation. Raises :class:`DataError` when the mapping does not fit the file."""
    problems = mapping.problems()
    absent = [column for column in mapping.columns.values() if column not in raw.columns]
    if absent:
        problems.append(f"the file has no column {absent[0]!r}")
    if problems:
        raise DataError(raw.source, f"mapping '{mapping.name}' does not fit: {problems[0]}")
    frame = raw.frame.select(
        *(pl.col(column).alias(canonical) for canonical, column in mapping.columns.items()),
        *(pl.lit(value, pl.String).alias(canonical) for canonical, value in mapping.constants.items()),
    )
    issues: list[Issue] = []
    key = SCHEMAS[mapping.table].key
    if mapping.row_numbers_as_ids and key and key not in mapping.columns:
        stem = re.sub(r"\W+", "-", str(raw.meta.get("file_name", raw.source))).strip("-")
        stem = f"{stem}-{content_tag(raw.frame)}"
        frame = frame.with_row_index(key, offset=1).with_columns(
            pl.format("{}-{}", pl.lit(stem), pl.col(key)).alias(key)
        )
        issues.append(
            Issue(
                "info",
                "row_ids",
                key,
                f"the file has no {key}: each row is one {mapping.table[:-1]}, numbered {stem}-1, {stem}-2, …",
            )
        )
    for column in SCHEMAS[mapping.table].columns:
        if column.required and column.nullable and column.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column.name))
            issues.append(
                Issue(
                    "info",
                    "no_customer",
                    column.name,
                    f"the file has no {column.name}: every row counts as its own customer (a guest)",
                )
            )
    return Converted(
        source=raw.source,
        table=mapping.table,
        frame=frame,
        recogniser=f"mapping '{mapping.name}'",
        rows_in=raw.frame.height,
        issues=tuple(issues),
        parse=mapping.parse,
        first_line=raw.header_line + 1,
    )


def content_tag(frame: pl.DataFrame) -> str:
    """Six hex digits that tell two files' rows apart (numbered ids of two same-named files differ)."""
    if frame.height == 0:
        return "000000"
    return f"{int(frame.hash_rows(seed=7).sum()) % 16**6:06x}"


def unmapped_columns(raw: RawTable, mapping: ColumnMapping) -> Sequence[str]:
    """File columns the mapping leaves out (shown so the user sees nothing is lost unnoticed)."""
    used = set(mapping.columns.values())
    return [name for name in raw.columns if name not in used]
