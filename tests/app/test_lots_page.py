"""AppTest of the Lots page on the tiny hand-made workspace (two wards, four LSOAs).

Only the open tab is drawn; `tab(app, name)` opens one, as a click on it does.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io, model
from tests.app.test_page_snapshots import CLEARED_ENV, PINNED_TODAY, UPDATE_ENV, normalise, page_text
from tests.conftest import ROOT


@pytest.fixture
def ws_path(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"  # a copy: these tests save scenarios into it
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


@pytest.fixture
def app(ws_path):
    at = AppTest.from_file(str(ROOT / "pages" / "lots.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def tab(at, name):
    at.session_state["lots_tab"] = name
    at.run()
    assert not at.exception, at.exception
    return at


def members(at):
    return next(m for m in at.multiselect if m.key.startswith("lots_members_"))


def kpis(at):
    return {m.label: m.value for m in at.metric}


def add_lot(at, name, codes):
    at.text_input(key="lots_new_name").set_value(name)
    at.button(key="lots_add").click().run()
    members(at).set_value(codes).run()
    assert not at.exception, at.exception


def map_scripts(at):
    return " ".join(str(el.proto) for el in at.main if type(el).__name__ == "UnknownElement")


def test_page_renders_with_map_and_no_lots(app):
    assert [t.value for t in app.title] == ["Commissioning lots"]
    assert [t.label for t in app.tabs] == ["Lots", "Suggest lots", "Compare and save", "Assumptions", "Place names"]
    assert any("fictional" in i.value.lower() for i in app.info)
    text = map_scripts(app)
    assert "leaflet" in text.lower() and "Westfield" in text and "E05900002" in text
    assert "cdn" not in text.lower() and "unpkg" not in text.lower() and "pid0" not in text


def test_build_a_lot_from_the_list(app):
    add_lot(app, "West", ["E05900001"])
    k = kpis(app)
    assert k["Residents"] == "3,100"
    assert k["In most deprived 20%"] == "100%"
    assert k["Estimated workless"] == "372"  # 900 x 0.225 + 950 x 0.178, from the employment deciles
    assert any("West" in w.value and "below minimum value" in w.value for w in app.warning)
    table = app.dataframe[0].value
    assert table.loc["West", "Estimated workless residents"] == "372 (estimate)"
    assert table.loc["West", "Enrolled so far"] == "11"
    assert len(app.get("download_button")) == 4

    # a suggestion that finds nothing says so and keeps the lots
    tab(app, "Suggest lots")
    app.number_input(key="lots_sg_min").set_value(50_000_000.0).run()
    app.button(key="lots_sg_go").click().run()
    assert any("No lot could be suggested" in e.value for e in app.error)
    tab(app, "Lots")
    assert list(app.dataframe[0].value.index) == ["West"]


def test_invalid_assumptions_show_a_clear_error(app):
    add_lot(app, "West", ["E05900001"])
    tab(app, "Assumptions")
    app.number_input(key="lots_a_caseload_0").set_value(0.0).run()
    assert not app.exception
    assert any("Caseload must be more than 0, got 0" in e.value for e in app.error)
    assert any("Some assumptions are invalid" in e.value for e in app.error)
    tab(app, "Lots")
    assert kpis(app)["Advisors (FTE)"] == "0.4"  # figures keep the last valid assumptions
    tab(app, "Assumptions")
    app.number_input(key="lots_a_caseload_0").set_value(25.0).run()
    assert not app.error
    tab(app, "Lots")
    assert kpis(app)["Advisors (FTE)"] == "0.8"  # half the caseload, twice the advisors
    tab(app, "Assumptions")
    app.number_input(key="lots_a_engagement_rate_0").set_value(-5.0).run()
    assert any("Engagement rate must be a share between 0 and 1" in e.value for e in app.error)


def test_suggest_then_save_load_and_compare(app, ws_path):
    tab(app, "Assumptions")
    app.number_input(key="lots_a_min_value_gbp_0").set_value(0.0)
    app.number_input(key="lots_a_min_advisors_0").set_value(0.0).run()
    tab(app, "Suggest lots")
    app.number_input(key="lots_sg_k").set_value(2)
    app.number_input(key="lots_sg_min").set_value(0.0).run()
    app.button(key="lots_sg_go").click().run()
    assert not app.exception, app.exception
    assert any("Suggested 2 lots" in s.value for s in app.success)

    tab(app, "Compare and save")
    app.text_input(key="lots_plan_name").set_value("Two lots")
    app.button(key="lots_save").click().run()
    assert not app.exception, app.exception
    tab(app, "Lots")
    assert sorted(app.dataframe[0].value.index) == ["Lot 1", "Lot 2"]
    next(b for b in app.selectbox if b.key.startswith("lots_active_")).set_value("Lot 2").run()
    app.button(key="lots_remove").click().run()
    members(app).set_value(["E05900001", "E05900002"]).run()
    assert list(app.dataframe[0].value.index) == ["Lot 1"]
    tab(app, "Compare and save")
    app.text_input(key="lots_plan_name").set_value("One big lot")
    app.button(key="lots_save").click().run()
    saved = {p.name: p for p in io.list_plans(ws_path, kind="lots")}
    assert set(saved) == {"Two lots", "One big lot"}
    _, payload = io.load_plan(ws_path, kind="lots", name="One big lot")
    assert payload["unit_layer"].startswith("wards") and json.dumps(payload)

    # a save under an existing name that was not loaded is refused; nothing is overwritten
    app.text_input(key="lots_plan_name").set_value("Two lots")
    app.button(key="lots_save").click().run()
    assert any("already saved" in e.value for e in app.error)
    # revisions are workspace-wide (docs/architecture.md, "Plan revisions"): the second save took 2
    assert {p.name: p.version for p in io.list_plans(ws_path, kind="lots")} == {"Two lots": 1, "One big lot": 2}

    app.multiselect(key="lots_compare").set_value(["Two lots", "One big lot"]).run()
    table = next(d.value for d in app.dataframe if "Two lots" in getattr(d.value, "columns", []))
    assert list(table.columns) == ["Two lots", "One big lot"]
    assert table.loc["Residents"].tolist() == ["6,200", "6,200"]
    assert table.loc["Lots"].tolist() == ["2", "1"]
    assert "Lot 1" in map_scripts(app)  # the small maps carry the lot labels

    app.selectbox(key="lots_saved_pick").set_value("Two lots")
    app.button(key="lots_open").click().run()
    assert not app.exception, app.exception
    assert any("Opened 'Two lots' (version 1)" in s.value for s in app.success)
    tab(app, "Lots")
    assert len(app.dataframe[0].value) == 2


def test_place_names_become_lots_and_lsoas_as_units(app):
    tab(app, "Place names")
    app.text_area(key="lots_places_text").set_value("Westfield\nEastgat").run()
    found = next(d.value for d in app.dataframe if "Note" in getattr(d.value, "columns", []))
    assert found["Boundary"].tolist() == ["current", "not found"]
    assert "Did you mean Eastgate" in found["Note"].iloc[1]
    app.button(key="lots_places_add").click().run()
    assert not app.exception, app.exception
    tab(app, "Lots")
    assert "Westfield" in app.dataframe[0].value.index

    # LSOAs as units: switching starts an empty set of lots on that layer
    app.selectbox(key="lots_unit_key").set_value("lsoas").run()
    add_lot(app, "Pocket", ["E01900001"])
    assert kpis(app)["Residents"] == "1,500"
    assert list(app.dataframe[0].value.index) == ["Pocket"]
    assert app.dataframe[0].value.loc["Pocket", "LSOAs"] == "1"


# ---- every tab's visible text, on the demo borough, through a scripted session --------------------
LOTS_WALK = ROOT / "tests" / "app" / "lots_walk.txt"
SAVED_AT = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d\b")


@pytest.fixture
def demo_app(tmp_path, monkeypatch):
    """The Lots page on a fresh demo workspace in its own folder (no developer's saved plans)."""
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path))
    path = io.ensure_demo()
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(model, "today", lambda: PINNED_TODAY)
    at = AppTest.from_file(str(ROOT / "pages" / "lots.py"), default_timeout=120)
    at.secrets = {"patchwork": {"meeting_mode": "off"}}
    at.run()
    assert not at.exception, at.exception
    return at, tmp_path


def test_every_tab_shows_the_same_text_as_before_the_reshape(demo_app):
    """A session through every tab (build, serve, assumptions, suggest, save, compare, load, places,
    LSOAs), its visible text compared with tests/app/lots_walk.txt (PATCHWORK_UPDATE_SNAPSHOTS=1 rewrites)."""
    at, folder = demo_app
    steps: list[tuple[str, str]] = []

    def snap(step: str) -> None:
        assert not at.exception, (step, at.exception)
        text = SAVED_AT.sub("<saved at>", normalise(page_text(at), workspace_dir=folder))
        steps.append((step, text))

    snap("opened")
    add_lot(at, "North", ["E05900004", "E05900003"])
    snap("lot North with Northgate and Hillcrest")
    add_lot(at, "", ["E05900007"])
    next(m for m in at.multiselect if m.key.startswith("lots_served_")).set_value(["E05900006"]).run()
    at.text_input(key="lots_rename").set_value("South").run()
    snap("a second lot renamed South, Kelderby Central served")
    tab(at, "Assumptions")
    at.number_input(key="lots_a_caseload_0").set_value(40.0).run()
    snap("assumptions, caseload 40")
    at.button(key="lots_a_reset").click().run()
    tab(at, "Suggest lots")
    snap("suggest tab")
    at.button(key="lots_sg_go").click().run()
    snap("three suggested clusters")
    tab(at, "Compare and save")
    at.text_input(key="lots_plan_name").set_value("Three clusters").run()
    at.button(key="lots_save").click().run()
    snap("saved")
    tab(at, "Suggest lots")
    at.radio(key="lots_sg_mode").set_value("divide").run()
    at.number_input(key="lots_sg_k").set_value(2).run()
    at.button(key="lots_sg_go").click().run()
    snap("borough divided in two")
    tab(at, "Compare and save")
    at.multiselect(key="lots_compare").set_value(["Current lots (unsaved)", "Three clusters"]).run()
    snap("compare current with saved")
    at.button(key="lots_open").click().run()
    snap("loaded")
    tab(at, "Place names")
    at.text_area(key="lots_places_text").set_value("Westfield\nNorthgat").run()
    snap("place names")
    at.button(key="lots_places_add").click().run()
    tab(at, "Lots")
    snap("places added")
    at.selectbox(key="lots_unit_key").set_value("lsoas").run()
    snap("LSOAs")

    text = "".join(f"==== {step}\n{body}" for step, body in steps)
    if os.environ.get(UPDATE_ENV) == "1":
        LOTS_WALK.write_text(text, encoding="utf-8", newline="\n")
        return
    expected = LOTS_WALK.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                            fromfile="lots_walk.txt (stored)", tofile="pages/lots.py (now)", n=2))
        pytest.fail(f"the Lots page's visible text changed:\n{diff}", pytrace=False)
