"""AppTest of the Data page: uploads replace the demo data, unknown files are mapped once, bad
files give a clear message, and the user can go back to the demo data."""

from __future__ import annotations

import json

import pytest

from kpi.formats import byte_size
from kpi.ingest.mapping import ColumnMapping
from tests.conftest import ROOT, card_notes

ORDERS = (
    b"order_id,customer_id,ordered_at,revenue,status\n"
    b"A1,c1,2026-11-01 10:00:00,100,paid\n"
    b"A2,c2,2026-11-02 11:00:00,50,paid\n"
    b"A3,c1,2026-11-03 12:00:00,25,cancelled\n"
)
UNKNOWN = b"Ticket;When;Amount;Buyer\nT-1;2026-11-01;10,50;x@example.com\nT-2;2026-11-02;4,50;\n"


def _data_page(app_test):
    app = app_test().run()
    app.switch_page("pages/data.py").run()
    return app


def _upload(app, name: str, content: bytes):
    uploader = next(widget for widget in app.get("file_uploader") if widget.key.startswith("uploader_"))
    uploader.upload(name, content, "text/csv").run()
    return app


def _metric(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def test_the_data_page_opens_on_the_demo_data(app_test):
    app = _data_page(app_test)
    assert not app.exception
    assert app.session_state["dataset"].is_demo
    assert any("bundled demo data" in info.value for info in app.info)


def test_an_upload_replaces_the_demo_data_on_every_page(app_test):
    app = _upload(_data_page(app_test), "orders.csv", ORDERS)
    assert not app.exception
    dataset = app.session_state["dataset"]
    assert not dataset.is_demo
    assert [(result.source, result.status) for result in dataset.results] == [("orders.csv", "loaded")]
    app.selectbox(key="period_preset").set_value("all_data").run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert _metric(app, "Orders") == "2"  # A3 is cancelled
    assert _metric(app, "Sales") == "150.00"
    assert "Sessions" not in card_notes(app)  # the whole traffic group is one message
    assert any("Traffic: no traffic data" in info.value.replace("\\", "") for info in app.info)


def test_an_unknown_file_is_mapped_once_and_then_loads(app_test):
    app = _upload(_data_page(app_test), "tickets.csv", UNKNOWN)
    assert app.session_state["dataset"].results[0].status == "unrecognised"
    assert app.selectbox(key="map0_table").value == "orders"
    assert app.selectbox(key="map0_orders_ordered_at").value == "When"
    app.selectbox(key="map0_orders_order_id").set_value("Ticket")
    app.selectbox(key="map0_orders_revenue").set_value("Amount")
    app.selectbox(key="map0_orders_customer_id").set_value("Buyer")
    app.selectbox(key="map0_decimal").set_value(",").run()
    assert not app.exception
    app.button(key="map0_use").click().run()
    assert not app.exception
    result = app.session_state["dataset"].results[0]
    assert (result.status, result.recogniser) == ("loaded", "mapping 'tickets.csv'")
    assert result.loaded.frame["revenue"].to_list() == [10.5, 4.5]
    profile = ColumnMapping.from_json(app.session_state["mappings"][0])
    assert profile.columns["order_id"] == "Ticket"


def test_a_saved_profile_maps_the_next_upload(app_test):
    mapping = ColumnMapping(
        name="tickets",
        table="orders",
        header=("Ticket", "When", "Amount", "Buyer"),
        columns={"order_id": "Ticket", "ordered_at": "When", "revenue": "Amount", "customer_id": "Buyer"},
    )
    app = _data_page(app_test)
    profile = next(widget for widget in app.get("file_uploader") if widget.key.startswith("profile_"))
    profile.upload("tickets.mapping.json", mapping.to_json().encode(), "application/json").run()
    app = _upload(app, "tickets.csv", UNKNOWN)
    result = app.session_state["dataset"].results[0]
    assert (result.status, result.recogniser) == ("loaded", "mapping 'tickets'")


def test_a_broken_profile_says_why(app_test):
    app = _data_page(app_test)
    profile = next(widget for widget in app.get("file_uploader") if widget.key.startswith("profile_"))
    profile.upload("bad.json", json.dumps({"format": "something else"}).encode(), "application/json").run()
    assert not app.exception
    assert any("not a KPI Explorer mapping profile" in error.value for error in app.error)


def test_a_bad_file_gives_a_clear_message_and_no_traceback(app_test):
    app = _upload(_data_page(app_test), "broken.csv", b"\x00\x01\x02\x03" * 300)
    assert not app.exception
    result = app.session_state["dataset"].results[0]
    assert result.status == "failed"
    assert "binary" in result.message
    [shown] = app.error  # on the Data page itself, as text naming the file
    assert shown.value.replace("\\", "") == f"error: broken.csv: {result.message}"
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert any("broken.csv" in error.value.replace("\\", "") for error in app.error)


def test_a_file_too_big_for_memory_says_what_to_do(app_test, monkeypatch):
    import kpi_app.data

    def out_of_memory(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(kpi_app.data, "ingest_file", out_of_memory)
    app = _upload(_data_page(app_test), "huge_orders.csv", b"order_id,ordered_at,revenue\nmemory-test,2024-01-01,1\n")
    assert not app.exception
    result = app.session_state["dataset"].results[0]
    assert (result.source, result.status) == ("huge_orders.csv", "failed")
    assert "Parquet" in result.message
    assert "python -m kpi report" in result.message
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    errors = " ".join(error.value.replace("\\", "") for error in app.error)
    assert "huge_orders.csv" in errors
    assert "Parquet" in errors


def test_back_to_the_demo_data_and_remove_all_uploads(app_test):
    app = _upload(_data_page(app_test), "orders.csv", ORDERS)
    source = app.get("button_group")[0]
    assert (source.key, source.value) == ("data_source_choice", "uploads")
    source.set_value("demo").run()
    assert not app.exception
    assert app.session_state["dataset"].is_demo
    assert len(app.session_state["uploads"]) == 1  # kept for switching back
    app.get("button_group")[0].set_value("uploads").run()
    assert not app.session_state["dataset"].is_demo
    app.button(key="remove_uploads").click().run()
    assert not app.exception
    assert app.session_state["dataset"].is_demo
    assert app.session_state["uploads"] == []


BAD = sorted((ROOT / "tests" / "fixtures" / "bad").iterdir())


@pytest.mark.parametrize("path", BAD, ids=[path.name for path in BAD])
def test_every_bad_file_gives_a_message_on_the_data_page(app_test, path):
    app = _upload(_data_page(app_test), path.name, path.read_bytes())
    assert not app.exception
    results = app.session_state["dataset"].results
    assert results, "the upload is listed"
    for result in results:
        assert result.status in ("loaded", "failed", "skipped", "unrecognised")
        if result.status in ("failed", "skipped"):
            assert result.message
            assert "\n" not in result.message
            assert "Traceback" not in result.message
    app.switch_page("pages/overview.py").run()
    assert not app.exception


def test_a_zip_bomb_and_a_huge_cell_are_refused_with_a_message(app_test):
    import io
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders.csv", b"0" * 150_000_000)
    app = _upload(_data_page(app_test), "bomb.zip", bomb.getvalue())
    app = _upload(app, "cell.csv", b"date,sessions,campaign\n2024-01-01,5," + b"x" * 2_000_000 + b"\n")
    assert not app.exception
    messages = {result.source: result.message for result in app.session_state["dataset"].results}
    assert "bomb.zip" in messages
    assert "cell.csv" in messages
    assert all(message and "\n" not in message for message in messages.values())


def test_reading_an_upload_shows_each_stage_and_closes_with_the_time_taken(app_test):
    app = _upload(_data_page(app_test), "my_*orders*.csv", ORDERS)
    assert not app.exception
    statuses = app.get("status")
    assert len(statuses) == 1
    assert statuses[0].label.startswith(f"Read 1 file(s), {byte_size(len(ORDERS))}, in ")
    assert statuses[0].label.endswith(" s")
    bars = app.get("progress")
    assert [bar.value for bar in bars] == [100]  # the last stage reached the bar: complete
    assert bars[0].proto.text == "Ready"
    app.switch_page("pages/overview.py").run()  # the data set is built: no status on the next run
    assert app.get("status") == []


def test_build_dataset_reports_every_stage_in_order_and_prepares_the_customer_tables():
    from kpi_app.data import build_dataset

    heard: list[tuple[str, float]] = []
    files = [("a.csv", ORDERS), ("same.csv", ORDERS), ("traffic.csv", b"date,sessions\n2026-11-01,10\n")]
    dataset = build_dataset("x", files, progress=lambda stage, done: heard.append((stage, done)))
    stages = [stage for stage, _ in heard]
    assert stages[0].startswith("Reading a.csv (1 of 3, ")
    assert stages[1].startswith("Reading traffic.csv (3 of 3, ")  # same content as a.csv: read once
    assert stages[2:] == [
        "Stacking the tables and deriving channels",
        "Building the daily cubes and the per-customer tables (first orders, months since the first order)",
        "Ready",
    ]
    fractions = [done for _, done in heard]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert 0 < fractions[1] < 0.8  # a.csv's share of the bytes read so far
    assert {"customer_months", "cube:sources", "cube:new:12", "cube:cohorts"} <= set(dataset.tables._derived)


def _orders_seen_after_upload(app_test, content: bytes) -> tuple[str, str]:
    app = _upload(_data_page(app_test), "orders.csv", content)
    app.selectbox(key="period_preset").set_value("all_data").run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    return _metric(app, "Orders"), _metric(app, "Sales")


def test_two_sessions_uploading_the_same_file_name_see_their_own_numbers(app_test):
    """RELIABILITY.md test 15, the cache-key leak: two sessions in one server process upload
    different bytes under the same name; each sees its own figures, in both orders."""
    other = ORDERS.replace(b"A2,c2,2026-11-02 11:00:00,50,paid", b"A2,c2,2026-11-02 11:00:00,70,refunded")
    other += b"A4,c4,2026-11-04 09:00:00,5,paid\n"
    assert _orders_seen_after_upload(app_test, ORDERS) == ("2", "150.00")
    assert _orders_seen_after_upload(app_test, other) == ("3", "175.00")
    assert _orders_seen_after_upload(app_test, ORDERS) == ("2", "150.00")


def test_sessions_on_the_demo_share_one_data_set_and_its_figures(app_test):
    """The demo data set is built once per server and every card computed on it once for all
    sessions; nothing else is shared."""
    from kpi_app import shared

    first, second = app_test().run(), app_test().run()
    assert first.session_state["dataset"] is second.session_state["dataset"]
    assert first.session_state["dataset"].shared
    view = first.session_state["view"]
    key = ("report", first.session_state["dataset"].id, view)
    assert key in shared._demo_memo().entries
    assert _metric(first, "Net revenue") == _metric(second, "Net revenue")


def test_an_upload_never_reaches_what_sessions_share(app_test):
    from kpi_app import shared

    app = _upload(_data_page(app_test), "orders.csv", b"order_id,customer_id,ordered_at,revenue\nS1,c1,2026-11-20,77\n")
    app.switch_page("pages/overview.py").run()
    dataset = app.session_state["dataset"]
    assert not dataset.shared
    assert _metric(app, "Net revenue") == "77.00"
    assert all(dataset.id not in key for key in shared._demo_memo().entries)
    assert all(isinstance(key, tuple) and shared.demo_dataset().id in key for key in shared._demo_memo().entries)
