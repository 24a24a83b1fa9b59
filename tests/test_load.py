"""Protocol load on a live ``streamlit run app.py`` (../shared/RELIABILITY.md, layer L, test 27).
Opt-in: ``KPI_LOAD_TEST=1 python -m pytest -s tests/test_load.py`` (about 3 min, 70 s of it
waiting for ``server.disconnectedSessionTTL``); the normal run skips it.

A wave is 20 users arriving together on the demo data, each over its own websocket
(:mod:`tests.st_client`): the Overview, an upload of the demo ``orders.csv`` (2.2 MB, which
Streamlit's upload manager holds until the session is shut down), then three reruns, each changing
one sidebar widget (a channel filter, the period preset, the comparison). The users close their tabs;
after the TTL one newcomer opens the app and closes it (a disconnect is what makes the server drop
expired sessions: they are evicted lazily, and shut down when garbage-collected). Then a second wave
does the same, to tell memory kept for reuse from memory kept per session.

Measured per wave: the latency of the first page and of the reruns (p50/p95), the server's resident
memory (peak, and after the expiry) against a baseline after one warm-up user, and Streamlit's
``cache_memory_bytes`` per cache while the users are on and after the expiry. The figures are printed
(``-s``) and written to ``benchmarks/load_results.json``. Latency is reported, not asserted, unless
``KPI_LOAD_P95_LIMIT=<seconds>`` is set (RELIABILITY.md's reference: rerun p95 < 2.5 s).
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import psutil
import pytest

from tests.conftest import DEMO, ROOT
from tests.live import LiveServer, live_server
from tests.st_client import Page, StreamlitSession, Widget, server_metrics

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("KPI_LOAD_TEST") != "1", reason="load test is opt-in: set KPI_LOAD_TEST=1 (takes about 3 min)"
    ),
    pytest.mark.timeout(900),  # the scenario runs in the first test's fixture
]

USERS = 20
WAVES = 2
MB = 1024 * 1024
RESULTS = ROOT / "benchmarks" / "load_results.json"
UPLOAD = DEMO / "orders.csv"
CHANGES = ("filter_channel", "period_preset", "comparison")
"""The sidebar widgets each user changes, one rerun each (keys from ``kpi_app/state.py``)."""
METRICS_REFRESH = 5.5
"""Seconds between fresh ``cache_memory_bytes`` figures (the server caches that family for 5 s)."""
SECOND_WAVE_GROWTH = 0.25
"""How much more resident memory the second wave may leave behind than the first, as a share of what
the first wave added at its peak. Measured on 2 cores: 2-6% in three runs (the allocators keep the
first wave's freed memory and the second wave reuses it); an app keeping each session's data in a
module global added about 80%."""


@dataclass
class Step:
    """One script run of one user."""

    name: str
    seconds: float
    finished: bool
    metrics: int
    exceptions: list[str]

    @property
    def ok(self) -> bool:
        """Finished, showed KPI cards, no exception element."""
        return self.finished and self.metrics > 0 and not self.exceptions


@dataclass
class UserRun:
    """What one user saw: each run, the upload's HTTP status, or the error that stopped it."""

    number: int
    steps: list[Step] = field(default_factory=list)
    upload_status: int | None = None
    error: str | None = None

    @property
    def problem(self) -> str | None:
        """Why this user did not get every page, or ``None``."""
        if self.error:
            return self.error
        if len(self.steps) != 1 + len(CHANGES):
            return f"{len(self.steps)} runs"
        if bad := [step for step in self.steps if not step.ok]:
            return f"bad runs {bad}"
        if self.upload_status != 204:
            return f"upload answered {self.upload_status}"
        return None


@dataclass(frozen=True)
class Gates:
    """Where a wave's users wait for each other: all start together, all finish before the figures
    are read, and all stay connected until ``release``."""

    start: threading.Barrier = field(default_factory=lambda: threading.Barrier(USERS))
    finished: threading.Barrier = field(default_factory=lambda: threading.Barrier(USERS + 1))
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Wave:
    """One wave's figures."""

    first_page_p50_s: float
    first_page_p95_s: float
    rerun_p50_s: float
    rerun_p95_s: float
    rerun_max_s: float
    wall_s: float
    rss_peak_mb: float
    rss_after_expiry_mb: float
    cache_bytes_on: dict[str, float]
    cache_bytes_after_expiry: dict[str, float]
    active_sessions_after_expiry: float
    users_failed: list[str]


@dataclass
class LoadResult:
    """Everything measured, as written to ``benchmarks/load_results.json``."""

    users: int
    upload_bytes: int
    ttl_seconds: int
    rss_baseline_mb: float
    waves: list[Wave]


def ttl_seconds() -> int:
    """``server.disconnectedSessionTTL`` of the hosting configuration."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    return int(config["server"]["disconnectedSessionTTL"])


def rss(process: psutil.Process) -> int:
    """Resident memory of the server and its children, in bytes."""
    return process.memory_info().rss + sum(child.memory_info().rss for child in process.children(recursive=True))


class PeakRss(threading.Thread):
    """Samples :func:`rss` every 0.1 s until stopped; ``peak`` is the highest seen."""

    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.peak = rss(process)
        self.halt = threading.Event()

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        while not self.halt.wait(0.1):
            self.peak = max(self.peak, rss(self.process))

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self.halt.set()
        self.join()
        return self.peak


def memory_by_cache(server: LiveServer) -> dict[str, float]:
    """``cache_memory_bytes`` by cache type (``UploadedFileManager``, ``st_cache_data``, ...), fresh:
    waits out the server's 5 s cache of that family first. ``st_session_state`` counts items, not
    bytes (``server.enableExpensiveMemoryStats`` is off), over connected sessions only."""
    time.sleep(METRICS_REFRESH)
    found: dict[str, float] = {}
    for labels, value in server_metrics(server.host, "cache_memory_bytes"):
        found[labels["cache_type"]] = found.get(labels["cache_type"], 0) + value
    return found


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0.95 → p95), interpolated; 0 for no values."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def step(name: str, page: Page) -> Step:
    """A run's figures."""
    return Step(name, round(page.seconds, 3), page.finished, len(page.metrics), page.exceptions)


def new_value(widget: Widget, number: int) -> Any:
    """User ``number``'s choice for a widget: one channel for the filter, a preset (not "Custom
    dates…") for the period, a comparison; users differ, so their reports do too."""
    if widget.kind == "multiselect":
        return [widget.options[number % len(widget.options)]]
    choices = widget.options[:-1] if widget.key == "period_preset" else widget.options
    return choices[number % len(choices)]


def one_user(server: LiveServer, number: int, gates: Gates) -> UserRun:
    """A user: the Overview, an upload, then one rerun per widget of :data:`CHANGES`; then waits,
    still connected, until the wave's figures are read."""
    run = UserRun(number)
    try:
        with StreamlitSession.open(server.host) as session:
            gates.start.wait(timeout=300)
            run.steps.append(step("overview", session.rerun()))
            run.upload_status = session.upload("orders.csv", UPLOAD.read_bytes())
            for key in CHANGES:
                value = new_value(session.last.widgets[key], number)
                run.steps.append(step(key, session.rerun(widgets={key: value})))
            gates.finished.wait(timeout=900)
            gates.release.wait(timeout=900)
    except threading.BrokenBarrierError:  # another user failed: this one reports what it got so far
        pass
    except Exception as error:  # noqa: BLE001 - reported per user by the test
        run.error = f"{type(error).__name__}: {error}"
        gates.start.abort()
        gates.finished.abort()
    return run


def visit(server: LiveServer) -> None:
    """One user opens the Overview and closes the tab."""
    with StreamlitSession.open(server.host) as session:
        session.rerun()


def warm_up(server: LiveServer) -> None:
    """One user through the same steps first, so imports and the demo data's parse cache are loaded."""
    with StreamlitSession.open(server.host) as session:
        session.rerun()
        for key in CHANGES:
            session.rerun(widgets={key: new_value(session.last.widgets[key], USERS)})


def run_wave(server: LiveServer, process: psutil.Process) -> Wave:
    """20 users at once; their figures while on; then the expiry: the TTL, a newcomer's visit (its
    disconnect drops the expired sessions), and the figures after."""
    sampler = PeakRss(process)
    sampler.start()
    gates = Gates()
    began = time.perf_counter()
    cache_on: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        futures = [pool.submit(one_user, server, number, gates) for number in range(USERS)]
        try:
            gates.finished.wait(timeout=900)
            wall = time.perf_counter() - began
            cache_on = memory_by_cache(server)
        except threading.BrokenBarrierError:
            wall = time.perf_counter() - began
        finally:
            gates.release.set()  # the users close their tabs now
        runs = [future.result() for future in futures]
    peak = sampler.stop()
    time.sleep(ttl_seconds() + 5)
    visit(server)
    cache_after = memory_by_cache(server)
    first = [run.steps[0].seconds for run in runs if run.steps]
    reruns = [item.seconds for run in runs for item in run.steps[1:]]
    return Wave(
        first_page_p50_s=round(percentile(first, 0.5), 2),
        first_page_p95_s=round(percentile(first, 0.95), 2),
        rerun_p50_s=round(percentile(reruns, 0.5), 2),
        rerun_p95_s=round(percentile(reruns, 0.95), 2),
        rerun_max_s=round(max(reruns, default=0.0), 2),
        wall_s=round(wall, 1),
        rss_peak_mb=round(peak / MB, 1),
        rss_after_expiry_mb=round(rss(process) / MB, 1),
        cache_bytes_on=cache_on,
        cache_bytes_after_expiry=cache_after,
        active_sessions_after_expiry=sum(value for _, value in server_metrics(server.host, "active_sessions")),
        users_failed=[f"user {run.number}: {run.problem}" for run in runs if run.problem],
    )


def markdown_table(results: dict[str, Any]) -> str:
    """The table of a run (``benchmarks/load_results.json`` as a dict), one column per wave: printed
    by the test and kept in the README."""
    waves = results["waves"]

    def held(caches: dict[str, float]) -> str:
        return f"{caches.get('UploadedFileManager', 0) / MB:.1f} MB"

    rows = [
        ("users failed", [f"{len(wave['users_failed'])} of {results['users']}" for wave in waves]),
        ("first page p50 / p95", [f"{w['first_page_p50_s']:.1f} s / {w['first_page_p95_s']:.1f} s" for w in waves]),
        ("rerun p50 / p95", [f"{w['rerun_p50_s']:.1f} s / {w['rerun_p95_s']:.1f} s" for w in waves]),
        ("rerun max / all users done in", [f"{w['rerun_max_s']:.1f} s / {w['wall_s']:.1f} s" for w in waves]),
        ("server memory at the peak", [f"{w['rss_peak_mb']:,.0f} MB" for w in waves]),
        (
            f"server memory {results['ttl_seconds']} s after the users left",
            [f"{w['rss_after_expiry_mb']:,.0f} MB" for w in waves],
        ),
        (
            "uploads held while on / after",
            [f"{held(w['cache_bytes_on'])} / {held(w['cache_bytes_after_expiry'])}" for w in waves],
        ),
        (
            "session-state items while on / after",
            [
                f"{w['cache_bytes_on'].get('st_session_state', 0):.0f} / "
                f"{w['cache_bytes_after_expiry'].get('st_session_state', 0):.0f}"
                for w in waves
            ],
        ),
    ]
    header = f"| {results['users']} users at once | " + " | ".join(f"wave {n}" for n in range(1, len(waves) + 1)) + " |"
    lines = [header, "|---|" + "---|" * len(waves)]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    lines.append(
        f"| server memory before (one warm-up user) | {results['rss_baseline_mb']:,.0f} MB |" + " |" * (len(waves) - 1)
    )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def load() -> LoadResult:
    """Run the whole scenario once (warm-up, then the waves); the tests below check its figures."""
    with live_server() as server:
        process = psutil.Process(server.process.pid)
        warm_up(server)
        time.sleep(1)
        baseline = rss(process)
        waves = [run_wave(server, process) for _ in range(WAVES)]
    result = LoadResult(
        users=USERS,
        upload_bytes=UPLOAD.stat().st_size,
        ttl_seconds=ttl_seconds(),
        rss_baseline_mb=round(baseline / MB, 1),
        waves=waves,
    )
    RESULTS.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    print(markdown_table(asdict(result)))
    return result


def test_every_user_gets_every_page(load):
    assert [wave.users_failed for wave in load.waves] == [[]] * WAVES


def test_the_sessions_and_their_uploads_are_freed_after_the_ttl(load):
    """RELIABILITY.md test 27: ``cache_memory_bytes{UploadedFileManager}`` back to 0 (the family is
    absent when no file is held); no session is left connected or holding state."""
    for wave in load.waves:
        assert wave.cache_bytes_on.get("UploadedFileManager", 0) >= USERS * load.upload_bytes
        assert wave.cache_bytes_on.get("st_session_state", 0) >= USERS
        assert wave.cache_bytes_after_expiry.get("UploadedFileManager", 0) == 0
        assert wave.cache_bytes_after_expiry.get("st_session_state", 0) == 0
        assert wave.active_sessions_after_expiry == 0


def test_a_second_wave_leaves_no_more_memory_behind(load):
    """Memory after the expiry is bounded: the allocators keep what the first wave freed, and the
    second wave reuses it rather than adding its own."""
    first, second = load.waves
    added_at_peak = first.rss_peak_mb - load.rss_baseline_mb
    assert added_at_peak > 0
    assert second.rss_after_expiry_mb - first.rss_after_expiry_mb < SECOND_WAVE_GROWTH * added_at_peak


def test_the_reruns_meet_the_latency_limit_when_one_is_set(load):
    limit = os.environ.get("KPI_LOAD_P95_LIMIT")
    p95 = max(wave.rerun_p95_s for wave in load.waves)
    if limit is None:
        pytest.skip(f"rerun p95 {p95} s reported only (set KPI_LOAD_P95_LIMIT=<seconds> to assert)")
    assert p95 < float(limit)
