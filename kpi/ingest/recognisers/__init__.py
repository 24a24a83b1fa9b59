"""Recognisers of known exports, tried in order; the first whose ``detect`` says yes converts the
raw table. The canonical headers come first, then each tool's exports (see the modules), then
headers whose names are all usual names of one table's columns in English, Polish, Spanish,
French or German."""

from __future__ import annotations

from kpi.ingest.model import Recogniser
from kpi.ingest.recognisers import commerce, marketing
from kpi.ingest.recognisers.canonical import Canonical
from kpi.ingest.recognisers.synonyms import UsualNames

RECOGNISERS: tuple[Recogniser, ...] = (Canonical(), *commerce.RECOGNISERS, *marketing.RECOGNISERS, UsualNames())
