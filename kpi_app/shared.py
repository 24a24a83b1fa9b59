"""What every session of one server may share: the bundled demo data set and the figures computed
on it. Nothing a visitor sent is ever here: uploads, their data sets and their figures stay in each
visitor's own ``st.session_state``.

Sharing the demo matters on a hosted copy, where most visitors start on it: without it each session
held its own ~40 MB copy of the demo data set and recomputed the same cards.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from kpi_app.data import DEMO_NAME, DataSet, build_dataset, demo_files

SHARED_MEMO_SIZE = 256
"""How many computed results on the demo data set the server keeps (the least recently used go)."""


@dataclass
class SharedMemo:
    """Results on the demo data set by key, least recently used first, and the keys being computed
    right now, behind a lock (sessions run in threads of their own)."""

    entries: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    computing: dict[tuple[Any, ...], threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def demo_dataset() -> DataSet:
    """The bundled demo data set, built once per server and shared (``shared=True``) by every
    session that looks at it. Takes no argument, so it can hold nothing a visitor sent."""
    return replace(build_dataset(DEMO_NAME, demo_files(), is_demo=True), shared=True)


@st.cache_resource(show_spinner=False)
def _demo_memo() -> SharedMemo:
    return SharedMemo()


def demo_memo(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """``make()`` once per ``key`` for all sessions; only for keys of the shared demo data set.
    Sessions asking for a key another session is computing wait for its result instead of
    computing it again (twenty visitors picking the same filter cost one computation); if that
    computation fails, each computes its own."""
    memo = _demo_memo()
    with memo.lock:
        if key in memo.entries:
            memo.entries.move_to_end(key)
            return memo.entries[key]
        running = memo.computing.get(key)
        if running is None:
            memo.computing[key] = threading.Event()
    if running is not None:
        running.wait()
        with memo.lock:
            if key in memo.entries:
                return memo.entries[key]
        return make()
    try:
        value = make()
        with memo.lock:
            memo.entries[key] = value
            while len(memo.entries) > SHARED_MEMO_SIZE:
                memo.entries.popitem(last=False)
        return value
    finally:
        with memo.lock:
            memo.computing.pop(key).set()
