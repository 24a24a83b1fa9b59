"""Recognisers of known exports, tried in order; the first whose ``detect`` says yes converts the
raw table. Each module holds one family of exports (see its docstring for the exact headers)."""

from __future__ import annotations

from kpi.ingest.model import Recogniser
from kpi.ingest.recognisers.canonical import Canonical

RECOGNISERS: tuple[Recogniser, ...] = (Canonical(),)
