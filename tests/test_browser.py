"""A real browser on a live ``streamlit run app.py``: what AppTest cannot see (the formats
``st.metric`` and the data grid apply in the browser, the sidebar navigation, the layout).

Skipped when Debian's chromium is absent, unless ``KPI_REQUIRE_BROWSER=1`` (as in CI), which
makes a missing browser a failure. Screenshots land in ``screenshots/`` (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (path for path in ("/usr/lib/chromium/chromium", shutil.which("chromium")) if path and Path(path).exists()), None
)
SCREENSHOTS = ROOT / "screenshots"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``streamlit run app.py`` on a free port, healthy before the first test."""
    if CHROMIUM is None:
        if os.environ.get("KPI_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (KPI_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 4600})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(server)
    tab.wait_for_selector(IDLE)
    yield tab
    context.close()


def _shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_overview_shows_every_card_formatted(page):
    from playwright.sync_api import expect

    from kpi import REGISTRY

    expect(page.get_by_test_id("stMetric")).to_have_count(len(REGISTRY))
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    values = dict(
        zip((label.strip() for label in labels), page.get_by_test_id("stMetricValue").all_inner_texts(), strict=True)
    )
    assert values["Net revenue"].startswith("€")
    assert values["Conversion rate"].endswith("%")
    assert values["Sessions"].replace(",", "").isdigit()
    assert "," in values["Sessions"]
    assert values["Return on ad spend"].endswith("×")
    assert values["Lead time"].endswith("days")
    page.wait_for_timeout(500)
    _shot(page, "overview")


def test_channel_filter_changes_the_numbers(page):
    from playwright.sync_api import expect

    first = page.get_by_test_id("stMetricValue").first.inner_text()
    page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Channel").click()
    page.get_by_role("option", name="Paid Search", exact=True).click()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stMetricValue").first).not_to_have_text(first)
    page.wait_for_selector(IDLE)
    _shot(page, "overview-paid-search")


ANALYSIS_PAGES = {
    # title: (plotly charts, data tables) drawn on the demo data with the default period
    "Funnels": (3, 2),  # the weekly trend downloads as CSV
    "LTV vs CAC": (2, 2),
    "Channels": (7, 4),
    "Retention": (2, 0),  # the cohort table is a heatmap; its numbers download as CSV
    "Leads and sales team": (5, 5),
}


@pytest.mark.parametrize("title", ANALYSIS_PAGES)
def test_each_analysis_page_draws_its_charts(page, title):
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.locator("h1").first).to_have_text(title)
    drawn, tables = ANALYSIS_PAGES[title]
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(drawn, timeout=60_000)
    page.wait_for_selector(IDLE)
    expect(charts.locator(".js-plotly-plot .plot-container")).to_have_count(drawn, timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert page.get_by_test_id("stDataFrame").count() == tables
    assert page.get_by_test_id("stDownloadButton").count() >= max(tables, 1)  # every table downloads
    _shot(page, title.lower().replace(" ", "-"))


def test_definitions_page_lists_every_kpi(page):
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_text("KPI definitions").click()
    expect(page.get_by_role("heading", name="KPI definitions")).to_be_visible()
    page.wait_for_selector(IDLE)
    _shot(page, "definitions")


def test_an_upload_through_the_file_chooser_changes_the_kpis(page, tmp_path):
    from playwright.sync_api import expect

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,revenue\nA1,c1,2026-11-20 10:00:00,120.50\nA2,c2,2026-11-21 11:00:00,79.50\n"
    )
    page.get_by_test_id("stSidebarNav").get_by_text("Data").click()
    chooser = page.get_by_test_id("stFileUploaderDropzoneInput").first
    chooser.wait_for(state="attached")
    with page.expect_response(lambda response: "/_stcore/upload_file/" in response.url) as answer:
        chooser.set_input_files(str(orders))
    assert answer.value.status == 204
    expect(page.get_by_text("orders.csv").first).to_be_visible()
    page.wait_for_selector(IDLE)
    _shot(page, "data-after-upload")
    page.get_by_test_id("stSidebarNav").get_by_text("Overview").click()
    orders_card = page.get_by_test_id("stMetric").filter(has_text="Orders").first
    expect(orders_card.get_by_test_id("stMetricValue")).to_have_text("2")
    expect(
        page.get_by_test_id("stMetric").filter(has_text="Net revenue").first.get_by_test_id("stMetricValue")
    ).to_have_text("200.00")
