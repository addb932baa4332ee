"""AppTest of the Pop-ups and routes page on the tiny hand-made workspace (a copy: plans are saved)."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from geo.plan.popup_draft import plan_from_payload
from geo.plan.popup_rules import PLAN_KIND
from tests.conftest import ROOT, tiny_layers


@pytest.fixture
def ws_copy(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny_copy.gpkg"
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "popups.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _kpis(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _propose(at: AppTest) -> AppTest:
    _button(at, "Propose sessions").click().run()
    assert not at.exception, at.exception
    return at


def test_propose_accept_move_drop_and_save(ws_copy):
    at = _propose(_page())
    k = _kpis(at)
    n = int(k["Sessions"])
    assert n > 0 and int(k["Areas served"]) >= 1
    assert int(k["On assumed hours"]) == n  # the tiny venues have no opening hours: every session says so
    assert any("Every session keeps to the opening hours" in s.value for s in at.success)
    plan = at.session_state["popup_plan"]
    first = plan.sessions.iloc[0]
    assert first["serves"].startswith("Gap #") and "assumed" in first["why"]

    # accept one session
    at.selectbox(key="one_sid").set_value(first["session_id"])
    at.radio(key="one_action").set_value("accept")
    at.button(key="one_apply").click().run()
    assert _kpis(at)["Accepted"] == "1"

    # move it to a Sunday: the venue is shut, so the page lists the problem and will not save
    sunday = first["date"] + dt.timedelta(days=(6 - first["date"].weekday()))
    at.selectbox(key="one_sid").set_value(first["session_id"])
    at.radio(key="one_action").set_value("move")
    at.date_input(key="one_date").set_value(sunday)
    at.button(key="one_apply").click().run()
    assert any("problem" in e.value for e in at.error)
    assert any("not open" in str(df.value) for df in at.dataframe)
    assert at.button(key="popup_save").disabled

    # drop it instead: no problems, one session fewer
    at.selectbox(key="one_sid").set_value(first["session_id"])
    at.radio(key="one_action").set_value("drop")
    at.button(key="one_apply").click().run()
    assert _kpis(at)["Sessions"] == str(n - 1) and not at.error

    at.text_input(key="popup_plan_name").set_value("Tiny winter")
    at.button(key="popup_save").click().run()
    assert any("Saved 'Tiny winter' (version 1)" in s.value for s in at.success)
    plans = io.list_plans(ws_copy, kind=PLAN_KIND)
    assert [(p.name, p.version) for p in plans] == [("Tiny winter", 1)]
    _, payload = io.load_plan(ws_copy, kind=PLAN_KIND, name="Tiny winter")
    saved, _ = plan_from_payload(payload)
    assert saved.loc[saved["session_id"] == first["session_id"], "status"].iloc[0] == "dropped"

    # saving again builds on version 1
    at.button(key="popup_save").click().run()
    assert any("version 2" in s.value for s in at.success)

    # a fresh page opens the saved plan
    again = _page()
    again.button(key="popup_open").click().run()
    assert not again.exception
    assert again.session_state["popup_plan"].version == 2
    assert any("Tiny winter" in h.value for h in again.subheader)


def test_route_for_a_day_and_exports(ws_copy):
    at = _propose(_page())
    at.radio(key="popup_section").set_value("Route for a day").run()
    assert not at.exception, at.exception
    codes = at.session_state["popup_plan"].by_gap["lsoa_code"].tolist()[:2]
    at.multiselect(key="route_gap_pick").set_value(codes)
    at.button(key="route_add_gaps").click().run()
    assert len(at.session_state["route_stops"]) >= 2
    at.button(key="route_go").click().run()
    assert not at.exception, at.exception
    k = _kpis(at)
    assert "Back at base" in k and k["Stops"].endswith(f"of {len(at.session_state['route_stops'])}")
    result = at.session_state["route_result"]
    assert next(iter(result.route.schedule["kind"])) == "base"
    script = json.dumps([str(el.proto) for el in at.get("component_instance")])
    assert "pw-route-stop" in script and "cdn.jsdelivr" not in script and "unpkg" not in script

    at.radio(key="popup_section").set_value("Exports").run()
    assert not at.exception, at.exception
    labels = [str(el.proto) for el in at.get("download_button")]
    assert any("Calendar (.ics)" in x for x in labels) and any("Run sheet" in x for x in labels)


@pytest.fixture
def na_venues_ws(tmp_path, monkeypatch):
    """The tiny town with every optional venue attribute missing (pd.NA): no address, contact, hours,
    wi-fi, childcare, cost or closed flag, as in a real import that has only names and points."""
    layers = tiny_layers()
    venues = layers["venues"]
    for col in ("address", "contact", "email", "phone", "opening_hours"):
        venues[col] = pd.Series([pd.NA] * len(venues), dtype="string")
    for col in ("wifi", "step_free", "childcare", "toilets", "quiet_room", "closed"):
        venues[col] = pd.Series([pd.NA] * len(venues), dtype="boolean")
    venues["cost_per_hour"] = float("nan")
    path = tmp_path / "no_addresses.gpkg"
    io.write_workspace(path, layers, {"name": "No-address Town", "fictional": "true"})
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def test_missing_optional_venue_attributes_never_crash_the_page(na_venues_ws):
    # Seen on Wolverhampton: "Route for a day" right after proposing raised "boolean value of NA is
    # ambiguous" for a venue with no address.
    at = _propose(_page())
    assert int(_kpis(at)["Sessions"]) > 0
    at.radio(key="popup_section").set_value("Route for a day").run()
    assert not at.exception, at.exception
    assert any(o.startswith("Venue: ") for o in at.selectbox(key="route_base").options)
    at.selectbox(key="route_base").set_value("Venue: Westfield Library")
    at.button(key="route_add_place_btn").click().run()
    at.button(key="route_go").click().run()
    assert not at.exception, at.exception
    assert "Back at base" in _kpis(at)
    at.radio(key="popup_section").set_value("Exports").run()
    assert not at.exception, at.exception
    assert any("Run sheet" in str(el.proto) for el in at.get("download_button"))
