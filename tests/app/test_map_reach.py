"""AppTest of the Map page coloured by reach time, the venue filter and a venue's catchment."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_map_page import map_script
from tests.conftest import ROOT


@pytest.fixture
def app(tiny_workspace_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    at.radio(key="colour_by").set_value("reach").run()
    assert not at.exception, at.exception
    return at


def legends(at) -> str:
    return " ".join(str(h.proto) for h in at.get("html"))


def test_reach_colouring_replaces_engagement(app):
    k = {m.label: m for m in app.metric}
    assert k["Venues that count"].value == "2 of 2"
    # Church Street and the unnamed path do not join either venue's road: straight-line estimates
    assert k["Roads within 20 min of a venue (estimate)"].value == "100%"
    assert "estimate" in k["Roads within 20 min of a venue (estimate)"].help
    assert k["LSOAs within 15 min of a venue (estimate)"].value == "4 of 4"
    text = map_script(app)
    # Mill Lane (Westfield): venue v1 on it, 150 m from its midpoint: 2 min on the network, no estimate
    assert "Reach</b>: 2 min (best of walk and bus); walk 2 min; bus no useful bus" in text
    assert "(estimate) (best of walk and bus)" in text  # the roads off the venues' network
    assert "Participants</b>" not in text  # engagement colouring is off
    html = legends(app)
    assert "Reach time, best of walk and bus (estimate)" in html and "Participants per road" not in html
    assert any("such roads are dashed" in c.value for c in app.caption)
    # a venue's catchment, picked in the list (a click on the map sets the same choice)
    app.selectbox(key="catchment_venue").set_value("v1").run()
    assert not app.exception
    text = map_script(app)
    assert "within 10 min walk" in text and "within 30 min walk" in text
    assert "Walk from Westfield Library" in legends(app)


def test_mode_venue_filter_and_assumptions(app):
    app.radio(key="reach_mode").set_value("walk").run()
    assert "(walking)" in map_script(app)
    app.multiselect(key="map_venues_kinds").set_value(["church_hall"]).run()
    assert {m.label: m.value for m in app.metric}["Venues that count"] == "1 of 2"
    app.toggle(key="map_venues_open").set_value(True).run()
    app.selectbox(key="map_venues_day").set_value("Sunday").run()  # church halls: Mo-Sa by default
    assert {m.label: m.value for m in app.metric}["Venues that count"] == "0 of 2"
    assert "no venue reachable" in map_script(app)
    app.selectbox(key="map_venues_day").set_value("Monday").run()
    assert any("assumed" in c.value for c in app.caption)  # hours missing: the kind's default pattern
    app.multiselect(key="map_venues_kinds").set_value(["library", "church_hall"]).run()
    app.toggle(key="map_venues_open").set_value(False).run()
    app.radio(key="reach_mode").set_value("best").run()
    app.number_input(key="reach_walk_m_per_min").set_value(40.0).run()  # half the speed: twice the minutes
    assert not app.exception
    assert "Reach</b>: 4 min (best of walk and bus); walk 4 min" in map_script(app)


def test_only_the_hubs_of_a_saved_plan(tiny_workspace_path, tmp_path, monkeypatch):
    import shutil

    from geo import io

    path = tmp_path / "with_plan.gpkg"
    shutil.copy(tiny_workspace_path, path)
    io.save_plan(path, kind="hubs", name="Eastgate hub", payload={"hubs": ["v2"], "fixed": [], "satellites": []})
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=60)
    at.run()
    at.radio(key="colour_by").set_value("reach").run()
    assert at.selectbox(key="map_venues_hubs").options == ["All venues", "Eastgate hub"]
    at.selectbox(key="map_venues_hubs").set_value("Eastgate hub").run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Venues that count"] == "1 of 2"
