"""AppTest of the Goals page: the form adds only SMART goals, a goal's card shows its progress, the
Overview's card carries the progress marker, and a goals file loads (its bad goals named)."""

from __future__ import annotations

import json
from datetime import date

from kpi.goals import Goal, dump_goals, goal_progress
from kpi_app.goals_view import marker_line
from tests.conftest import card_notes


def _goals_page(app_test):
    app = app_test().run()
    app.switch_page("pages/goals.py").run()
    assert not app.exception
    return app


def _add_button(app):
    return next(button for button in app.button if button.label == "Add the goal")


def _checklist(app) -> str:
    return next(block.value for block in app.markdown if "Specific]" in block.value)


def test_the_page_opens_with_no_goals_and_the_example_form(app_test):
    app = _goals_page(app_test)
    assert any("No goals yet" in info.value for info in app.info)
    # the form starts on "+20% conversion rate on the same month last year": SMART as it stands
    assert app.selectbox(key="goal_kpi").value == "conversion_rate"
    assert app.segmented_control(key="goal_kind").value == "uplift"
    assert _checklist(app).count(":green-badge[:material/check: ") == 3
    assert not _add_button(app).disabled


def test_a_goal_without_a_number_cannot_be_added(app_test):
    app = _goals_page(app_test)
    app.selectbox(key="goal_kpi").set_value("revenue").run()
    app.segmented_control(key="goal_kind").set_value("value").run()
    checklist = _checklist(app)
    assert ":red-badge[:material/close: Measurable]" in checklist
    assert ":green-badge[:material/check: Time-bound]" in checklist
    assert "give either a target value or an uplift on a baseline period" in checklist.replace("\\", "")
    assert _add_button(app).disabled
    app.number_input(key="goal_target_revenue").set_value(90000.0).run()
    assert not _add_button(app).disabled


def test_an_added_goal_shows_its_progress_here_and_on_the_overview_card(app_test):
    app = _goals_page(app_test)
    app.selectbox(key="goal_kpi").set_value("revenue").run()
    app.segmented_control(key="goal_kind").set_value("value").run()
    app.number_input(key="goal_target_revenue").set_value(90000.0).run()
    _add_button(app).click().run()
    assert not app.exception
    [goal] = app.session_state["goals"]
    # the demo's data ends on 22 Nov 2026: the default goal period is November 2026
    assert goal == Goal("revenue", date(2026, 11, 1), date(2026, 11, 30), "at_least", target=90000.0)
    dataset = app.session_state["dataset"]
    expected = goal_progress(
        dataset.tables, goal, as_of=date(2026, 11, 22), settings=app.session_state["view"].settings
    )
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["So far (22 days)"] == "€60,016.50"
    assert metrics["Of the target"] == f"{expected.progress:.0%}"
    assert "Needed per day (8 days left)" in metrics
    color = {"on_track": "green", "off_track": "orange"}[expected.status]
    assert any(
        f":{color}-badge[:material/" in block.value and f"{expected.label}]" in block.value for block in app.markdown
    )
    app.switch_page("pages/overview.py").run()
    notes = card_notes(app)["Net revenue"]
    assert notes[-1].startswith(":material/flag: Goal at least €90,000.00 by 30 Nov 2026: ")
    assert notes[-1].endswith(f"{expected.label}] (projected {marker_line(expected, 'EUR').rsplit('projected ', 1)[1]}")


def test_a_goals_file_loads_and_names_the_goals_it_left_out(app_test):
    app = _goals_page(app_test)
    good = json.loads(dump_goals([Goal("nps", date(2026, 1, 1), date(2026, 12, 31), "at_least", target=50.0)]))
    good["goals"].append({"kpi": "no_such_kpi", "start": "2026-01-01", "end": "2026-02-01", "target": 1})
    uploader = next(widget for widget in app.get("file_uploader") if widget.key.startswith("goals_upload_"))
    uploader.upload("team goals.json", json.dumps(good).encode(), "application/json").run()
    assert not app.exception
    assert [goal.kpi_id for goal in app.session_state["goals"]] == ["nps"]
    assert any("team goals.json: 1 goal(s) loaded" in message.value.replace("\\", "") for message in app.success)
    assert any("goal 2 left out: unknown KPI" in warning.value.replace("\\", "") for warning in app.warning)
    # read once: a fresh file chooser replaces the one that took the file, so a rerun adds nothing
    app.run()
    assert len(app.session_state["goals"]) == 1
    assert [widget.key for widget in app.get("file_uploader") if widget.key.startswith("goals_")] == ["goals_upload_1"]


def test_an_unreadable_goals_file_gets_a_message_naming_it(app_test):
    app = _goals_page(app_test)
    uploader = next(widget for widget in app.get("file_uploader") if widget.key.startswith("goals_upload_"))
    uploader.upload("goals.yaml", b"\x00\x01binary", "application/yaml").run()
    assert not app.exception
    assert [error.value.replace("\\", "") for error in app.error] == ["goals.yaml: not valid JSON or YAML"]
    assert "goals" not in app.session_state or app.session_state["goals"] == []


def test_the_form_opens_when_the_data_ends_on_29_february(app_test):
    # the default goal period is February 2028 and the baseline February 2027 (28 days): no 29 Feb 2027
    from tests.conftest import with_tables
    from tests.test_goals import steady_tables

    app = with_tables(app_test(), steady_tables(date(2027, 1, 1), date(2028, 2, 29))).run()
    app.switch_page("pages/goals.py").run()
    assert not app.exception
    assert app.date_input(key="goal_period").value == (date(2028, 2, 1), date(2028, 2, 29))
    assert app.date_input(key="goal_baseline").value == (date(2027, 2, 1), date(2027, 2, 28))
