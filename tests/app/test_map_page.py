"""AppTest of the Map page on the tiny hand-made workspace: widgets change the KPIs."""

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(tiny_workspace_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def kpis(at):
    return {m.label: m.value for m in at.metric}


def map_script(at):
    maps = [el for el in at.get("component_instance")] or []
    if not maps:  # older streamlit: unknown element
        maps = [el for el in at.main if type(el).__name__ == "UnknownElement"]
    return json.dumps([getattr(el, "proto", None) and str(el.proto) for el in maps])


def test_kpis_by_hand(app):
    k = kpis(app)
    assert k["Participants engaged"] == "12"
    # roads: Westfield|Mill Lane (8), Westfield|Church Street (3), Eastgate|Mill Lane (0) -> 2 of 3
    assert k["Roads with residents engaged"] == "67%"
    assert k["LSOAs in most deprived 20%"] == "2 of 4"
    assert k["Venues within 400 m of a bus stop"] == "1 of 2"
    assert any("fictional" in i.value.lower() for i in app.info)


def test_cohort_filter_changes_kpis(app):
    app.multiselect(key="cohorts").set_value(["Rapid Progression"]).run()
    k = kpis(app)
    assert k["Participants engaged"] == "<5"  # 2 people: never shown as a number
    assert k["Roads with residents engaged"] == "33%"


def test_period_filter_changes_kpis(app):
    app.date_input(key="period").set_value((dt.date(2025, 1, 1), dt.date(2025, 3, 1))).run()
    assert kpis(app)["Participants engaged"] == "<5"
    app.date_input(key="period").set_value((dt.date(2024, 2, 1), dt.date(2024, 12, 31))).run()
    assert kpis(app)["Participants engaged"] == "10"


def test_map_payload_has_no_participants_or_cdn(app):
    text = map_script(app)
    assert "leaflet" in text.lower()
    assert "pid0" not in text and "cdn.jsdelivr" not in text and "unpkg" not in text
    for label in ["Westfield Library", "Jobcentre Plus Tiny", "Town circular", "Mill Lane", "Westfield"]:
        assert label in text


def test_layer_toggle_removes_layer(app):
    app.toggle(key="show_venues").set_value(False).run()
    assert "Westfield Library" not in map_script(app)


def test_domain_selector(app):
    app.selectbox(key="index").set_value("income").run()
    assert not app.exception
    assert "Income decile" in " ".join(str(h.proto) for h in app.get("html"))


def test_app_entry_runs_map_page(tiny_workspace_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Outreach map"]


def test_broken_workspace_shows_error_not_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "broken.gpkg"
    bad.write_text("not a geopackage")
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(bad))
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("broken.gpkg" in e.value and "not a readable GeoPackage" in e.value for e in at.error)


def test_meeting_mode_shows_bands_not_counts(tiny_workspace_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    monkeypatch.setenv("PATCHWORK_MEETING_MODE", "always")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    switch = at.sidebar.toggle(key="meeting")
    assert switch.value is True and switch.disabled  # enforced: cannot be switched off
    text = map_script(at)
    # Mill Lane (Westfield) has 8 participants: in meeting mode its tooltip says the band only
    assert "5 to 9" in text and "Participants</b>: 8" not in text


def test_meeting_mode_from_url(tiny_workspace_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["meeting"] = "1"
    at.run()
    assert at.sidebar.toggle(key="meeting").value is True
    assert "Participants</b>: 8" not in map_script(at)
    at.sidebar.toggle(key="meeting").set_value(False).run()
    assert "Participants</b>: 8" in map_script(at)
