"""Headers in the user's language: a table whose every required column carries one of its usual
names (English, Polish, Spanish, French or German: ``Nr zamówienia``, ``Fecha``, ``Coût``,
``Bestellwert``) is mapped with no questions asked. Anything less certain goes to the mapping step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kpi.ingest.mapping import ColumnMapping, apply_mapping, column_kinds, suggest, unmapped_columns
from kpi.ingest.model import Converted, RawTable
from kpi.issues import Issue
from kpi.schema import SCHEMAS, TABLE_NAMES, TableName

CERTAIN = 1.0
"""Only exact usual names count (a header containing a usual name, or spelt like one, does not)."""


def _certain(raw: RawTable, table: TableName, kinds: Mapping[str, str]) -> ColumnMapping | None:
    found = suggest(raw, table, kinds)
    required = [column.name for column in SCHEMAS[table].columns if column.required and not column.nullable]
    if not all(name in found and found[name].score >= CERTAIN for name in required):
        return None
    columns = {name: suggestion.column for name, suggestion in found.items() if suggestion.score >= CERTAIN}
    mapping = ColumnMapping(
        name=f"usual column names ({table})", table=table, columns=columns, header=tuple(raw.columns)
    )
    return None if mapping.problems() else mapping


def certain_mapping(raw: RawTable) -> ColumnMapping | None:
    """The mapping of a raw table whose required columns all have an exact usual name, taking the
    other columns whose names are exact too; ``None`` otherwise, or when two tables fit that way
    (``date, sessions, spend``: the user names the table in the mapping step)."""
    kinds = column_kinds(raw)
    fits = [mapping for table in TABLE_NAMES if (mapping := _certain(raw, table, kinds)) is not None]
    return fits[0] if len(fits) == 1 else None


@dataclass(frozen=True)
class UsualNames:
    """Any table whose required columns carry their usual names in one of five languages."""

    name: str = "column names"

    def detect(self, raw: RawTable) -> bool:
        """True when :func:`certain_mapping` finds a mapping."""
        return certain_mapping(raw) is not None

    def convert(self, raw: RawTable) -> Converted:
        """The raw table mapped by its column names (the quality report lists the mapping)."""
        mapping = certain_mapping(raw)
        assert mapping is not None
        converted = apply_mapping(raw, mapping)
        pairs = ", ".join(f"{source} → {canonical}" for canonical, source in mapping.columns.items())
        note = Issue("info", "mapped_by_name", None, f"columns recognised by their names: {pairs}")
        unused = unmapped_columns(raw, mapping)
        if unused:
            note = Issue(
                "info",
                "mapped_by_name",
                None,
                f"columns recognised by their names: {pairs}; "
                f"not used: {', '.join(unused[:10])}" + (" …" if len(unused) > 10 else ""),
            )
        return Converted(
            source=converted.source,
            table=converted.table,
            frame=converted.frame,
            recogniser=f"{mapping.table} by column names",
            rows_in=converted.rows_in,
            issues=(note, *converted.issues),
            parse=converted.parse,
            first_line=converted.first_line,
        )
