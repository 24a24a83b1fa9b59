"""A real browser on a live ``streamlit run app.py``, used as a person uses it: what AppTest cannot
see (the formats ``st.metric`` and the data grid apply in the browser, the sidebar navigation, the
address bar, downloads, the file chooser, two people at once, hostile files).

The server is started by :func:`tests.live.live_server` from the project folder, so it runs with
the hosting configuration of ``.streamlit/config.toml``. Skipped when Debian's chromium is absent,
unless ``KPI_REQUIRE_BROWSER=1`` (as in CI), which makes a missing browser a failure. Every test
saves screenshots to ``screenshots/`` (ignored by git) for people to look at.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED
from tests.live import LiveServer, live_server

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (path for path in ("/usr/lib/chromium/chromium", shutil.which("chromium")) if path and Path(path).exists()), None
)
SCREENSHOTS = ROOT / "screenshots"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
PAGES = {
    # title in the sidebar: the page's path
    "Overview": "",
    "Funnels": "funnels",
    "LTV vs CAC": "ltv",
    "Channels": "channels",
    "Retention": "retention",
    "Leads and sales team": "leads",
    "Data": "data",
    "KPI definitions": "definitions",
}
SHOPIFY_ORDERS = SHARED / "data" / "shopify-exports" / "orders_export_subset-columns_AU.csv"
GA4_REPORT = SHARED / "data" / "ga4-reports-snapshot" / "fireflyfarms_Reports_snapshot_28d.csv"


def _require_browser() -> None:
    if CHROMIUM is None:
        if os.environ.get("KPI_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (KPI_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """``streamlit run app.py`` with the project's hosting config, healthy before the first test."""
    _require_browser()
    with live_server() as running:
        yield running


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


def _open(browser, url: str):
    """A fresh context (a fresh Streamlit session) on ``url``, idle. Downloads are captured: the
    File System Access picker is removed, so download buttons fall back to a plain download."""
    context = browser.new_context(viewport={"width": 1400, "height": 4600}, accept_downloads=True)
    context.add_init_script("delete window.showSaveFilePicker;")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(url)
    _wait_for_page(tab)
    return tab


def _wait_for_page(tab) -> None:
    """Until the page's script has run and everything it sent is drawn: its title is there (the
    state reads "not running" before the first run starts too), the run has finished, and no
    element is still a placeholder (elements whose code loads lazily show a skeleton meanwhile)."""
    from playwright.sync_api import expect

    tab.locator("h1").first.wait_for()
    tab.wait_for_selector(IDLE)
    expect(tab.locator("[data-testid='stSkeleton'], [data-testid='stSkeletonElement']")).to_have_count(0)


@pytest.fixture
def page(browser, server):
    tab = _open(browser, server.url)
    yield tab
    tab.context.close()


def _shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _go(tab, title: str) -> None:
    """Open a page from the sidebar and wait until its script has finished."""
    from playwright.sync_api import expect

    tab.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(tab.locator("h1").first).to_have_text(title)
    _wait_for_page(tab)


def _wait_for_charts(tab) -> None:
    """Until every plotly chart of the page is drawn."""
    tab.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                 .every(chart => chart.querySelector('.js-plotly-plot .plot-container .main-svg'))"""
    )


def _cards(tab) -> dict[str, str]:
    """Each KPI card's label and value as the browser shows them (other metrics, such as the
    forecast's, left out)."""
    from playwright.sync_api import expect

    from kpi import REGISTRY

    _wait_for_page(tab)
    expect(tab.get_by_test_id("stMetric").first).to_be_visible()
    labels = [label.strip() for label in tab.get_by_test_id("stMetricLabel").all_inner_texts()]
    shown = dict(zip(labels, tab.get_by_test_id("stMetricValue").all_inner_texts(), strict=True))
    kpi_labels = {kpi.label for kpi in REGISTRY}
    return {label: value for label, value in shown.items() if label in kpi_labels}


def _copied_link(tab) -> str:
    """The link in the sidebar's "Copy link" box (the box's own copy icon puts it on the clipboard)."""
    tab.get_by_test_id("stSidebar").get_by_role("button", name="Copy link").click()
    box = tab.get_by_test_id("stPopoverBody").get_by_test_id("stCode")
    box.wait_for()
    link = box.inner_text().strip()
    tab.keyboard.press("Escape")
    return link


def _upload(tab, *paths: Path) -> None:
    """Upload files through the Data page's file chooser; each PUT must answer 204, and the page
    must have read them (the "Remove all uploads" button appears)."""
    from playwright.sync_api import expect

    _go(tab, "Data")
    answers = []
    tab.on("response", lambda response: answers.append(response) if "/_stcore/upload_file/" in response.url else None)
    chooser = tab.get_by_test_id("stFileUploaderDropzoneInput").first
    chooser.wait_for(state="attached")
    chooser.set_input_files([str(path) for path in paths])
    expect(tab.get_by_role("button", name="Remove all uploads")).to_be_visible(timeout=120_000)
    tab.wait_for_selector(IDLE)
    assert [answer.status for answer in answers] == [204] * len(paths)


def _pick(tab, label: str, option: str) -> None:
    """Choose ``option`` in the sidebar's select box or multiselect labelled ``label``, and wait
    for the rerun it starts (seen as the address changing: it holds every sidebar choice)."""
    before = tab.url
    boxes = tab.get_by_test_id("stSidebar").locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']")
    boxes.filter(has_text=label).first.click()
    tab.get_by_role("option", name=option, exact=True).click()
    tab.keyboard.press("Escape")
    tab.wait_for_url(lambda url: url != before)
    tab.wait_for_selector(IDLE)


def _expected_cards(files: list[Path], preset: str = "all_data") -> dict[str, str]:
    """What the cards must show for ``files``, computed here by the library with the app's
    default view, formatted as the cards format."""
    from kpi import compute, preset_period
    from kpi.formats import format_value
    from kpi.ingest.pipeline import assemble, ingest_file

    results = [result for path in files for result in ingest_file(path.name, path.read_bytes())]
    tables = assemble(results).tables
    first, last = tables.date_range()
    report = compute(tables, preset_period(preset, as_of=last, data_start=first), {}, comparison="previous")
    return {
        item.kpi.label: format_value(item.value, item.kpi.format, currency=report.currency)
        for item in report.values.values()
        if item.value is not None
    }


# The demo data: cards, filters, every page, the address bar


def test_overview_shows_every_card_formatted(page):
    from playwright.sync_api import expect

    from kpi import REGISTRY

    # every KPI card, then the forecast's two figures ("So far", "Projected for …")
    expect(page.get_by_test_id("stMetric")).to_have_count(len(REGISTRY) + 2)
    values = _cards(page)
    assert len(values) == len(REGISTRY)
    assert values["Net revenue"].startswith("€")
    assert values["Conversion rate"].endswith("%")
    assert values["Sessions"].replace(",", "").isdigit()
    assert "," in values["Sessions"]
    assert values["Return on ad spend"].endswith("×")
    assert values["Lead time"].endswith("days")
    page.wait_for_timeout(500)
    _shot(page, "overview")


def test_the_server_runs_with_the_hosting_config(page):
    """The uploader states the server's limit from .streamlit/config.toml, and the toolbar is the
    viewer's (no developer options such as "Clear cache" or "Rerun")."""
    from playwright.sync_api import expect

    _go(page, "Data")
    limit = CONFIG["server"]["maxUploadSize"]
    expect(page.get_by_test_id("stFileUploaderDropzoneInstructions").first).to_have_text(f"{limit}MB per file")
    page.get_by_test_id("stMainMenu").click()
    expect(page.get_by_test_id("stMainMenuList")).to_be_visible()
    assert "Clear cache" not in page.get_by_test_id("stMainMenuList").inner_text()


def test_channel_filter_changes_the_numbers(page):
    from playwright.sync_api import expect

    first = page.get_by_test_id("stMetricValue").first.inner_text()
    _pick(page, "Channel", "Paid Search")
    expect(page.get_by_test_id("stMetricValue").first).not_to_have_text(first)
    _shot(page, "overview-paid-search")


def test_period_and_filters_live_in_a_link_that_reopens_the_same_view(browser, page):
    """Pick a period, a comparison and two channels on the Channels page; the address holds them,
    and the copied address opened by someone else (a new session) shows the same page, choices and
    figures."""
    from playwright.sync_api import expect

    _pick(page, "Period", "Last 90 days")
    _pick(page, "Compare with", "Same period last year")
    _pick(page, "Channel", "Email")
    _pick(page, "Channel", "Organic Search")
    expect(page).to_have_url(re.compile(r"period=last_90_days.*compare=year.*channel=Email&channel=Organic"))
    mine = _cards(page)
    _go(page, "Channels")
    expect(page).to_have_url(re.compile(r"/channels\?period=last_90_days"))
    link = _copied_link(page)
    assert link == page.url  # the "Copy link" box holds the address of this view
    caption = page.get_by_test_id("stCaptionContainer").first.inner_text()
    assert "Channel: Email, Organic Search" in caption

    theirs = _open(browser, link)
    try:
        expect(theirs.locator("h1").first).to_have_text("Channels")
        assert theirs.get_by_test_id("stCaptionContainer").first.inner_text() == caption
        chips = theirs.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Channel")
        expect(chips).to_contain_text("Email")
        expect(chips).to_contain_text("Organic Search")
        _shot(theirs, "shared-link-channels")
        _go(theirs, "Overview")
        assert _cards(theirs) == mine
    finally:
        theirs.context.close()


def test_a_broken_link_falls_back_to_the_defaults_and_says_so(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server.url}/?period=forever&channel=Email&channel=Telegraph")
    _wait_for_page(page)
    warning = page.get_by_test_id("stSidebar").get_by_test_id("stAlert")
    expect(warning).to_contain_text('Period "forever" is neither a preset')
    expect(warning).to_contain_text('Channel "Telegraph" is not in this data')
    expect(page).to_have_url(re.compile(r"/\?channel=Email$"))  # the address now names what is shown


ANALYSIS_PAGES = {
    # title: (plotly charts, data tables) drawn on the demo data with the default period
    "Funnels": (3, 2),  # the weekly trend downloads as CSV
    "LTV vs CAC": (2, 2),
    "Channels": (8, 5),  # with the mix-shift waterfall and its table
    "Retention": (2, 0),  # the cohort table is a heatmap; its numbers download as CSV
    "Leads and sales team": (5, 5),
}


@pytest.mark.parametrize("title", ANALYSIS_PAGES)
def test_each_analysis_page_draws_its_charts(page, title):
    from playwright.sync_api import expect

    _go(page, title)
    drawn, tables = ANALYSIS_PAGES[title]
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(drawn, timeout=60_000)
    expect(charts.locator(".js-plotly-plot .plot-container")).to_have_count(drawn, timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert page.get_by_test_id("stDataFrame").count() == tables
    assert page.get_by_test_id("stDownloadButton").count() >= max(tables, 1)  # every table downloads
    _shot(page, title.lower().replace(" ", "-"))


def test_definitions_page_lists_every_kpi(page):
    from playwright.sync_api import expect

    _go(page, "KPI definitions")
    expect(page.get_by_role("heading", name="KPI definitions")).to_be_visible()
    _shot(page, "definitions")


def test_the_kpi_table_downloads_with_the_cards_figures(page):
    from kpi import KPIS, REGISTRY

    cards = _cards(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the KPI table (CSV)").click()
    assert re.fullmatch(r"kpi_table_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename)
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [row["kpi"] for row in rows] == [kpi.id for kpi in REGISTRY]
    by_label = {row["label"]: row for row in rows}
    assert set(cards) <= set(by_label), rows[0]
    assert f"{float(by_label['Sessions']['value']):,.0f}" == cards["Sessions"]
    assert f"€{float(by_label['Net revenue']['value']):,.2f}" == cards["Net revenue"]
    assert by_label["Conversion rate"]["formula"] == KPIS["conversion_rate"].formula


def test_the_kpi_table_downloads_as_excel_with_its_definitions(page):
    import polars as pl

    from kpi import REGISTRY

    cards = _cards(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the KPI table (Excel, with definitions)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = download.value.path()
    kpis = pl.read_excel(path, sheet_name="KPIs", engine="calamine")
    assert kpis.get_column("kpi").to_list() == [kpi.id for kpi in REGISTRY]
    sessions = kpis.filter(pl.col("kpi") == "sessions").get_column("value").item()
    assert f"{sessions:,.0f}" == cards["Sessions"]
    rate = kpis.filter(pl.col("kpi") == "conversion_rate").row(0, named=True)
    assert rate["low"] <= rate["value"] <= rate["high"]  # the card's interval travels with it
    assert rate["real_change"] in ("yes", "no")
    definitions = pl.read_excel(path, sheet_name="Definitions", engine="calamine")
    assert set(definitions.get_column("kpi").drop_nulls()) >= {kpi.id for kpi in REGISTRY}


def test_a_goal_loaded_from_its_file_shows_its_progress_and_downloads_again(page, tmp_path):
    import json

    from playwright.sync_api import expect

    goals = {
        "format": "kpi-explorer-goals",
        "version": 1,
        "goals": [
            {"name": "November revenue", "kpi": "revenue", "start": "2026-11-01", "end": "2026-11-30", "target": 90000},
            {
                "name": "Holiday conversion",
                "kpi": "conversion_rate",
                "start": "2026-11-15",
                "end": "2026-12-31",
                "uplift": 0.2,
                "baseline_start": "2025-11-15",
                "baseline_end": "2025-12-31",
            },
        ],
    }
    path = tmp_path / "team goals.json"
    path.write_text(json.dumps(goals))
    _go(page, "Goals")
    page.locator("[class*='st-key-goals_upload_']").locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text("team goals.json: 2 goal(s) loaded")).to_be_visible()
    _wait_for_page(page)
    expect(page.get_by_text("Your goals (2)")).to_be_visible()
    expect(page.get_by_text("Target: at least €90,000.00")).to_be_visible()
    _wait_for_charts(page)
    _shot(page, "goals")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download goals (JSON)").click()
    saved = json.loads(Path(download.value.path()).read_text())
    assert saved["goals"][0] == goals["goals"][0] | {"direction": "at_least", "target": 90000.0}
    assert saved["goals"][1]["uplift"] == 0.2
    _go(page, "Overview")
    expect(page.get_by_text(re.compile(r"Goal at least €90,000\.00 by 30 Nov 2026: (on|off) track"))).to_be_visible()


# Uploads through the file chooser


def _upload_manager_bytes_settle_at_zero(server: LiveServer) -> bool:
    """Whether the bytes Streamlit's upload manager holds (``/_stcore/metrics``, refreshed every
    5 s) fall to 0 within 20 s: the app keeps an upload in the session and releases Streamlit's copy.
    Every upload of this module goes through the file chooser, so none should stay."""
    import time

    from tests.st_client import server_metrics

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        held = server_metrics(server.host, "cache_memory_bytes")
        if sum(value for labels, value in held if labels.get("cache_type") == "UploadedFileManager") == 0:
            return True
        time.sleep(1)
    return False


def test_an_upload_through_the_file_chooser_changes_the_kpis(page, server, tmp_path):
    from playwright.sync_api import expect

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,revenue\nA1,c1,2026-11-20 10:00:00,120.50\nA2,c2,2026-11-21 11:00:00,79.50\n"
    )
    _upload(page, orders)
    expect(page.get_by_test_id("stExpander").filter(has_text="orders.csv").first).to_be_visible()
    assert _upload_manager_bytes_settle_at_zero(server), "Streamlit's copy of the upload is still held"
    _shot(page, "data-after-upload")
    _go(page, "Overview")
    cards = _cards(page)
    assert (cards["Orders"], cards["Net revenue"]) == ("2", "200.00")


def test_shopify_and_ga4_exports_uploaded_together_show_their_own_numbers(page):
    demo = _cards(page)
    _upload(page, SHOPIFY_ORDERS, GA4_REPORT)
    _shot(page, "data-shopify-ga4")
    _go(page, "Overview")
    _pick(page, "Period", "All data")
    shown = _cards(page)
    expected = _expected_cards([SHOPIFY_ORDERS, GA4_REPORT])
    for label in ("Orders", "Net revenue", "Sessions", "Average order value", "New customers"):
        assert shown.get(label) == expected[label], (label, shown)
        assert shown[label] != demo[label], label
    _shot(page, "overview-shopify-ga4")
    for title, path in PAGES.items():  # every page opens on these uploads
        _go(page, title)
        assert page.get_by_test_id("stException").count() == 0, title
        _shot(page, f"uploads-{path or 'overview'}")


def test_an_unknown_csv_goes_through_the_mapping_step(page, tmp_path):
    from playwright.sync_api import expect

    ledger = tmp_path / "sales-ledger.csv"
    ledger.write_text("Ref,Buyer,Purchase day,Amount paid\nX1,b1,2026-11-20,10.50\nX2,b2,2026-11-21,20.00\n")
    _upload(page, ledger)
    expect(page.get_by_text("is not a known export").first).to_be_visible()
    page.get_by_test_id("stSelectbox").filter(has_text="order_id").first.click()
    page.get_by_role("option", name="Ref", exact=True).click()
    page.wait_for_selector(IDLE)
    _shot(page, "data-mapping-step")
    page.get_by_role("button", name="Use this mapping").click()
    expect(page.get_by_text("is not a known export")).to_have_count(0)
    _go(page, "Overview")
    cards = _cards(page)
    assert (cards["Orders"], cards["Net revenue"], cards["Customers"]) == ("2", "30.50", "2")


def test_bad_files_get_their_message_naming_the_file(page, tmp_path):
    from playwright.sync_api import expect

    binary = tmp_path / "orders.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00" + bytes(500))
    _upload(page, binary, empty, program)
    errors = page.get_by_test_id("stMain").get_by_test_id("stAlertContentError")
    expect(errors).to_have_count(3)
    text = " ".join(errors.all_inner_texts())
    for name in ("orders.csv", "empty.csv", "setup.exe"):
        assert name in text
    assert "empty" in text.lower()
    assert page.get_by_test_id("stException").count() == 0
    _shot(page, "data-bad-files")


# Two people at once


def _orders_csv(path: Path, revenue: str) -> Path:
    path.write_text(f"order_id,customer_id,ordered_at,revenue\nO1,c1,2026-11-20 10:00:00,{revenue}\n")
    return path


def test_two_sessions_uploading_at_once_each_see_only_their_own_numbers(browser, server, tmp_path):
    """Two people upload a file of the same name at the same moment: each sees their own revenue;
    a reload is a new session, back on the demo data with no trace of the upload."""
    from playwright.sync_api import expect

    alice, bob = _open(browser, server.url), _open(browser, server.url)
    try:
        for tab in (alice, bob):
            _go(tab, "Data")
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        files = {
            alice: _orders_csv(tmp_path / "a" / "orders.csv", "111.11"),
            bob: _orders_csv(tmp_path / "b" / "orders.csv", "222.22"),
        }
        for tab, path in files.items():  # both uploads in flight before either is checked
            tab.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(path))
        for tab in files:
            expect(tab.get_by_role("button", name="Remove all uploads")).to_be_visible()
            _go(tab, "Overview")
        assert _cards(alice)["Net revenue"] == "111.11"
        assert _cards(bob)["Net revenue"] == "222.22"
        alice.reload()
        _wait_for_page(alice)
        assert _cards(alice)["Net revenue"].startswith("€")  # the demo data again
        _go(alice, "Data")
        expect(alice.get_by_text("You are looking at the bundled demo data")).to_be_visible()
        expect(alice.get_by_role("button", name="Remove all uploads")).to_have_count(0)
        _go(bob, "Overview")
        assert _cards(bob)["Net revenue"] == "222.22"
    finally:
        alice.context.close()
        bob.context.close()


# Hostile input

XSS = (
    "<img src=x onerror=\"window.__xss=1;alert('img')\">",
    "<svg><script>window.__xss=1;alert('svg')</script></svg>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
    "<style>body{display:none}</style>",
    '<form action="http://evil.example/"><input name=q></form>',
    "[click me](javascript:window.__xss=1)",
    "![tracker](http://evil.example/pixel.png)",
    '<a href="http://evil.example/">a link</a>',
)
FORMULAS = ('=HYPERLINK("http://evil.example/","open")', "@SUM(1+1)", "+1+1", "-2+3")
"""Campaign names a spreadsheet would run as formulas: downloads must neutralise them."""
FOUND_FROM_DATA = """() => {
  // Elements a payload would create: none of these tags in the app (but the sparklines' empty
  // vega forms), no image or outside link in rendered markdown (headings' own anchors are "#…"
  // links), and no event-handler, javascript:, srcdoc or outside-host attribute anywhere.
  const found = [];
  const roots = document.querySelectorAll("[data-testid='stMain'], [data-testid='stSidebar']");
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const inMarkdown = el.closest("[data-testid='stMarkdownContainer']") !== null;
      const ownForm = tag === 'form' && el.classList.contains('vega-bindings');  // the sparklines' (empty)
      const dangerous = ['iframe', 'form', 'meta', 'script', 'style', 'object', 'embed', 'foreignobject'];
      if (dangerous.includes(tag) && !ownForm) found.push(tag + ' ' + el.outerHTML.slice(0, 80));
      const href = el.getAttribute('href') || '';
      if (inMarkdown && tag === 'img') found.push('img ' + el.getAttribute('src'));
      if (inMarkdown && tag === 'a' && !href.startsWith('#')) found.push('a ' + href);
      for (const attribute of el.attributes) {
        if (attribute.name === 'data-unformatted') continue;  // plotly keeps a label's raw text there
        if (attribute.name.startsWith('on') || attribute.name === 'srcdoc'
            || /javascript:|evil\\.example/i.test(attribute.value)) {
          found.push(tag + '@' + attribute.name + '=' + attribute.value.slice(0, 60));
        }
      }
    }
  }
  return found;
}"""


def _xss_files(folder: Path) -> list[Path]:
    """Orders and spend whose channel, source and campaign names (and one file's name) are HTML,
    JavaScript and markdown meant to run or fetch something."""
    orders = io.StringIO()
    writer = csv.writer(orders)
    writer.writerow(["order_id", "customer_id", "ordered_at", "revenue", "channel", "source", "campaign"])
    for number, payload in enumerate(XSS):
        writer.writerow(
            [f"X{number}", f"c{number}", f"2026-11-{10 + number} 10:00:00", "10", payload, payload, payload]
        )
    for number, formula in enumerate(FORMULAS):
        writer.writerow([f"F{number}", f"f{number}", f"2026-11-0{1 + number} 10:00:00", "10", "Email", "news", formula])
    spend = io.StringIO()
    writer = csv.writer(spend)
    writer.writerow(["date", "channel", "campaign", "spend"])
    for number, payload in enumerate(XSS):
        writer.writerow([f"2026-11-{10 + number}", payload, payload, "5"])
    named = folder / "<img src=x onerror=window.__xss=1>.csv"
    named.write_text(orders.getvalue())
    plain = folder / "spend [x](javascript:alert(1)).csv"
    plain.write_text(spend.getvalue())
    return [named, plain]


def test_html_and_scripts_in_data_are_shown_as_text_on_every_page(page, server, tmp_path):
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(server.url) else None)
    _upload(page, *_xss_files(tmp_path))
    _pick(page, "Period", "All data")
    for title, path in PAGES.items():
        _go(page, title)
        _wait_for_charts(page)
        assert page.url.startswith(f"{server.url}/{path}"), title
        assert page.evaluate("window.__xss") is None, title
        found = page.evaluate(FOUND_FROM_DATA)
        assert found == [], title
        assert page.get_by_test_id("stException").count() == 0, title
        _shot(page, f"xss-{path or 'overview'}")
    _go(page, "Data")
    assert page.get_by_text("<img src=x onerror=window.__xss=1>.csv").count() >= 1  # shown, as text
    _go(page, "Overview")
    _pick(page, "Channel", XSS[0])
    caption = page.get_by_test_id("stCaptionContainer").first.inner_text()
    assert XSS[0] in caption  # the chosen channel, shown as text in the view's caption
    assert page.evaluate("window.__xss") is None
    assert page.evaluate(FOUND_FROM_DATA) == []
    assert dialogs == []
    assert [url for url in outside if not url.startswith(("data:", "blob:"))] == []


def test_downloads_neutralise_cells_a_spreadsheet_would_run(page, tmp_path):
    """Campaigns named like formulas (``=HYPERLINK(…)``, ``@SUM``, ``+``, ``-``) come out of the
    breakdown's CSV with a leading apostrophe; numbers stay numbers."""
    _upload(page, *_xss_files(tmp_path))
    _go(page, "Overview")
    _pick(page, "Period", "All data")
    page.get_by_test_id("stMain").get_by_test_id("stButtonGroup").get_by_text("Campaign", exact=True).click()
    button = page.locator(".st-key-kpis_by_campaign_csv")  # Streamlit marks an element with its key
    button.wait_for()
    page.wait_for_selector(IDLE)
    with page.expect_download() as download:
        button.get_by_role("button").click()
    assert download.value.suggested_filename == "kpis_by_campaign.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    guarded = {f"'{formula}" for formula in FORMULAS}
    assert guarded <= {row[0] for row in rows[1:]}
    assert not any(row[0].startswith(("=", "+", "-", "@")) for row in rows[1:])
    revenue = rows[0].index("Net revenue")
    assert {row[revenue] for row in rows[1:] if row[0] in guarded} == {"10.0"}


def _zip_bomb(path: Path, member: str, megabytes: int = 100) -> Path:
    """A small archive whose ``member`` unpacks to ``megabytes`` MB of one repeated line."""
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w", force_zip64=True) as out,
    ):
        out.write(b"order_id,customer_id,ordered_at,revenue\n")
        block = b"0,0,2026-01-01,0\n" * 65536
        for _ in range(megabytes * 1024 * 1024 // len(block)):
            out.write(block)
    return path


def _xlsx_bomb(path: Path) -> Path:
    """A workbook whose sheet unpacks to about 100 MB of empty cells."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main"><sheets><sheet name="orders" sheetId="1"/></sheets></workbook>',
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>' * 20000
            for _ in range(100 * 1024 * 1024 // len(row)):
                out.write(row)
            out.write(b"</sheetData></worksheet>")
    return path


def test_bombs_and_a_huge_cell_are_refused_with_a_message(page, tmp_path):
    huge_cell = tmp_path / "one_huge_cell.csv"
    huge_cell.write_bytes(
        b"order_id,customer_id,ordered_at,revenue,note\nA1,c1,2026-01-01,1," + b"x" * 10_000_000 + b"\n"
    )
    files = [_zip_bomb(tmp_path / "bomb.zip", "orders.csv"), _xlsx_bomb(tmp_path / "bomb.xlsx"), huge_cell]
    _upload(page, *files)
    errors = " ".join(page.get_by_test_id("stMain").get_by_test_id("stAlertContentError").all_inner_texts())
    for path in files:
        assert path.name in errors
    assert errors.count("zip bomb?") >= 2
    assert "a cell of 10,000,000 characters" in errors
    assert page.get_by_test_id("stException").count() == 0
    _shot(page, "data-bombs")


def test_a_million_rows_load_while_another_session_is_served(browser, server, tmp_path):
    from playwright.sync_api import expect

    rows = tmp_path / "million_orders.csv"
    with rows.open("w") as out:
        out.write("order_id,customer_id,ordered_at,revenue\n")
        out.writelines(f"{number},,2026-11-{1 + number % 20:02d},1\n" for number in range(1_000_000))
    uploader = _open(browser, server.url)
    other = None
    try:
        _go(uploader, "Data")
        uploader.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(rows))
        other = _open(browser, server.url)  # someone else arrives while the upload is read
        assert _cards(other)["Net revenue"].startswith("€")
        expect(uploader.get_by_role("button", name="Remove all uploads")).to_be_visible(timeout=240_000)
        uploader.wait_for_selector(IDLE)
        expect(uploader.get_by_text("1,000,000 rows read").first).to_be_visible()
        _go(uploader, "Overview")
        _pick(uploader, "Period", "All data")
        assert _cards(uploader)["Orders"] == "1,000,000"
    finally:
        uploader.context.close()
        if other is not None:
            other.context.close()


def test_the_browser_refuses_a_file_over_the_servers_limit_before_sending_it(browser, tmp_path):
    """With the upload limit at 1 MB, a 1.5 MB file is refused in the browser (nothing is sent)."""
    from playwright.sync_api import expect

    with live_server("--server.maxUploadSize=1") as small:
        tab = _open(browser, small.url)
        try:
            sent = []
            tab.on("request", lambda request: sent.append(request) if "/_stcore/upload_file/" in request.url else None)
            _go(tab, "Data")
            big = tmp_path / "big_orders.csv"
            big.write_bytes(b"order_id,customer_id,ordered_at,revenue\n" + b"1,c,2026-01-01,1\n" * 90_000)
            tab.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(big))
            expect(tab.get_by_text(re.compile(r"File must be 1(\.0)? ?MB or smaller")).first).to_be_visible()
            _shot(tab, "data-over-the-limit")
            assert sent == []
        finally:
            tab.context.close()


def test_a_shared_link_is_the_first_page_a_fresh_server_serves(browser):
    """Right after a deploy, the first visitor may arrive through a link to a page: the page must
    still run inside app.py (its data, its sidebar and the app's own navigation), not alone."""
    from playwright.sync_api import expect

    with live_server() as fresh:
        tab = _open(browser, f"{fresh.url}/channels?channel=Email&compare=year")
        try:
            expect(tab.locator("h1").first).to_have_text("Channels")
            assert tab.get_by_test_id("stException").count() == 0
            expect(tab.get_by_test_id("stSidebarNav")).to_contain_text("Leads and sales team")
            assert "Channel: Email" in tab.get_by_test_id("stCaptionContainer").first.inner_text()
            _shot(tab, "fresh-server-deep-link")
        finally:
            tab.context.close()
