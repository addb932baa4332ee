"""The Export page's files show saved plans as their pages do, and the Map page's key figures as it shows
them: AppTest of the whole app on copies of the tiny workspace (tests/conftest.py), with plans saved in
the formats the pages save (hub, patch, pop-up and lot payloads), one of them no longer fitting."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo import io as gio
from geo.assumptions import CaseloadSettings, ReachAssumptions
from geo.out import png
from geo.plan import hubs
from geo.plan.lots.scenario import make_scenario, scenario_payload
from geo.plan.popup_draft import plan_payload as popup_payload
from geo.plan.popup_rules import PlanRules
from tests.conftest import ROOT, tiny_layers
from ui import export_plans

X0, Y0 = 450_000, 318_000
IDS = [f"pid{i:03d}" for i in range(12)]


@pytest.fixture
def captured(monkeypatch):
    """file name -> the callable a download button runs when clicked."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    monkeypatch.setattr(png.shutil, "which", lambda name: None)  # no Chromium: the pack says why, no map
    return found


def file_named(captured, part: str) -> bytes:
    (name,) = [n for n in captured if part in n]
    return captured[name]()


def pdf_text(data: bytes) -> str:
    """The PDF's text with whitespace collapsed (wrapped cells and labels read as one line)."""
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def save_plans(path: Path) -> None:
    """One plan of each kind, as the pages save them, and a hub plan whose venue was deleted."""
    gio.save_plan(path, kind="hubs", name="Spring", meta={"hubs": 1},
                  payload={"hubs": ["v1"], "fixed": [], "satellites": ["v2"], "edited": False, "optimal": True,
                           "settings": hubs.HubSettings(n_hubs=1, budget_min=30.0, n_satellites=1,
                                                        satellite_budget_min=30.0).to_dict(),
                           "bound": None, "best_value": None, "method": "saved", "notes": []})
    gio.save_plan(path, kind="hubs", name="Gone", meta={"hubs": 1},
                  payload={"hubs": ["v9"], "satellites": [], "settings": hubs.HubSettings(n_hubs=1).to_dict()})
    gio.save_plan(path, kind="patches", name="Two", meta={"patches": 2},
                  payload={"assignment": {"E01900001": "P1", "E01900002": "P1", "E01900003": "P2",
                                          "E01900004": "P2"},
                           "labels": ["P1", "P2"], "lower": 0.0, "upper": 1000.0, "locked": [], "pinned": [],
                           "settings": CaseloadSettings(basis="estimated").to_dict(), "method": "saved",
                           "notes": []})
    sessions = pd.DataFrame([
        {"session_id": "S001", "status": "accepted", "date": dt.date(2026, 1, 13), "start": "13:30", "end": "15:30",
         "worker": 1, "family": False, "venue_id": "v2", "venue": "Eastgate Hall", "area": "Tiny 002B",
         "lsoa_code": "E01900004", "serves": "Gap #2: Tiny 002B", "why": "5 min walk"},
        {"session_id": "S002", "status": "proposed", "date": dt.date(2026, 1, 12), "start": "10:00", "end": "12:00",
         "worker": 1, "family": True, "venue_id": "v1", "venue": "Westfield Library", "area": "Tiny 001A",
         "lsoa_code": "E01900001", "serves": "Gap #1: Tiny 001A", "why": "on the bus route"},
        {"session_id": "S003", "status": "dropped", "date": dt.date(2026, 1, 14), "start": "10:00", "end": "12:00",
         "worker": 2, "family": False, "venue_id": "v1", "venue": "Westfield Library", "area": "Tiny 001A",
         "lsoa_code": "E01900001", "serves": "Gap #1: Tiny 001A", "why": "dropped"}])
    gio.save_plan(path, kind="popups", name="January", meta={},
                  payload=popup_payload(sessions, PlanRules(start=dt.date(2026, 1, 12), weeks=1)))
    lots = make_scenario({"West": ["E05900001"], "East": ["E05900002"]}, unit_layer="wards:")
    gio.save_plan(path, kind="lots", name="Two lots", meta={"lots": 2}, payload=scenario_payload(lots))


@pytest.fixture
def workspace(tiny_workspace_path, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, path)
    save_plans(path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    monkeypatch.delenv("PATCHWORK_MEETING_MODE", raising=False)
    return path


def open_exports(at: AppTest) -> AppTest:
    at.switch_page("pages/exports.py").run()
    assert not at.exception, at.exception
    return at


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


# ---- item 7: saved plans as their pages show them -------------------------------------------------
def test_excel_shows_each_plan_as_its_page_does(workspace, captured):
    open_exports(app())
    book = load_workbook(io.BytesIO(file_named(captured, "tables")))
    overview = pd.DataFrame(list(book["Saved plans"].values)[1:], columns=[c.value for c in book["Saved plans"][1]])
    assert set(overview["Plan"]) == {"Spring", "Gone", "Two", "January", "Two lots"}
    gone = overview.set_index("Plan").loc["Gone"]
    assert gone["Shown"] == "no" and "v9" in gone["Key figures or why not shown"]  # the deleted venue, named
    spring = overview.set_index("Plan").loc["Spring"]
    assert "Need covered by hubs" in spring["Key figures or why not shown"]

    sheet = book["Plan hubs Spring"]
    hub = pd.DataFrame(list(sheet.values)[1:], columns=[c.value for c in sheet[1]])
    assert hub["Venue"].tolist() == ["Westfield Library", "Eastgate Hall"]  # names, not venue ids
    assert hub["Role"].tolist() == ["hub", "satellite"] and hub["Kind"].tolist() == ["Library", "Church hall"]
    assert hub["LSOAs served"].sum() == 4 and all(isinstance(v, int) for v in hub["LSOAs served"])

    patches = pd.DataFrame(list(book["Plan patches Two"].values)[1:],
                           columns=[c.value for c in book["Plan patches Two"][1]])
    assert patches["Patch"].tolist() == ["P1", "P2"] and patches["LSOAs"].tolist() == [2, 2]
    assert {"Expected caseload", "Within bounds", "In one piece"} <= set(patches.columns)

    sheet = book["Plan popups January"]
    sessions = pd.DataFrame(list(sheet.values)[1:], columns=[c.value for c in sheet[1]])
    # by date: Monday 12 January at Westfield Library first; the dropped session left out
    assert sessions["Venue"].tolist() == ["Westfield Library", "Eastgate Hall"]
    assert [d.date() for d in sessions["Date"]] == [dt.date(2026, 1, 12), dt.date(2026, 1, 13)]
    assert sessions["Start"].tolist() == ["10:00", "13:30"] and sessions["Family"].fillna("").tolist() == ["family", ""]

    lots = pd.DataFrame(list(book["Plan lots Two lots"].values)[1:],
                        columns=[c.value for c in book["Plan lots Two lots"][1]])
    assert lots["Lot"].tolist() == ["West", "East"] and lots["Residents"].tolist() == [3100, 3100]
    raw = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    for internal in ('["v1"', "'edited'", '"settings"', "assignment", "E01900001, E01900002"):
        assert internal not in raw, internal
    assert not any(pid in raw for pid in IDS)


def test_pdf_shows_the_chosen_plan_or_why_it_cannot(workspace, captured):
    at = open_exports(app())
    picker = at.selectbox(key="export_plan")
    assert "Hubs: Spring (version 1)" in picker.options and "Pop-up sessions: January (version 4)" in picker.options
    picker.set_value("Hubs: Spring (version 1)").run()
    text = pdf_text(file_named(captured, "briefing"))
    for needle in ("Hubs: Spring (version 1)", "Need covered by hubs", "Westfield Library", "Eastgate Hall",
                   "satellite", "Hubs and satellites"):
        assert needle in text, needle
    assert "['v1'" not in text and '["v1"' not in text

    at.selectbox(key="export_plan").set_value("Pop-up sessions: January (version 4)").run()
    text = pdf_text(file_named(captured, "briefing"))
    assert "Westfield Library" in text and "2026-01-12" in text and "Gap #1: Tiny 001A" in text

    at.selectbox(key="export_plan").set_value("Hubs: Gone (version 2)").run()
    text = pdf_text(file_named(captured, "briefing"))
    assert "does not fit the workspace" in text and "v9" in text


def test_geopackage_has_each_plan_with_geometry(workspace, captured, tmp_path):
    open_exports(app())
    path = tmp_path / "layers.gpkg"
    path.write_bytes(file_named(captured, "layers"))
    kinds = {str(n): str(g) for n, g in pyogrio.list_layers(path)}
    assert kinds["plan_hubs_spring_hub_sites"] == "Point"
    assert kinds["plan_hubs_spring_hub_catchments"] in ("Polygon", "MultiPolygon")
    assert kinds["plan_patches_two_patches"] in ("Polygon", "MultiPolygon")
    assert kinds["plan_lots_two_lots_lots"] in ("Polygon", "MultiPolygon")
    assert kinds["plan_popups_january_popup_sessions"] == "Point"
    sites = pyogrio.read_dataframe(path, layer="plan_hubs_spring_hub_sites")
    assert sites.crs.to_epsg() == 27700 and sites["name"].tolist() == ["Westfield Library", "Eastgate Hall"]
    assert [(p.x, p.y) for p in sites.geometry] == [(X0 + 400, Y0 + 260), (X0 + 1700, Y0 + 800)]
    sessions = pyogrio.read_dataframe(path, layer="plan_popups_january_popup_sessions")
    assert sessions["venue"].tolist() == ["Westfield Library", "Eastgate Hall"]  # at their venues, by date
    assert [(p.x, p.y) for p in sessions.geometry] == [(X0 + 400, Y0 + 260), (X0 + 1700, Y0 + 800)]
    patches = pyogrio.read_dataframe(path, layer="plan_patches_two_patches")
    assert sorted(round(a) for a in patches.geometry.area) == [1_000_000, 1_000_000]  # two 1 km² halves
    lots = pyogrio.read_dataframe(path, layer="plan_lots_two_lots_lots").set_index("lot")
    assert lots.loc["West"].geometry.area == pytest.approx(1_000_000)
    overview = pyogrio.read_dataframe(path, layer="plan_saved_plans")
    assert "no" in set(overview["Shown"])
    with sqlite3.connect(path) as con:
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            for row in con.execute(f'SELECT * FROM "{t}"'):
                assert not ({str(v) for v in row} & set(IDS)), t


# ---- item 8: the Map page's key figures, word for word --------------------------------------------
def _map_metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def _check_exports_say(captured, metrics: list[tuple[str, str]]) -> None:
    text = pdf_text(file_named(captured, "briefing"))
    book = load_workbook(io.BytesIO(file_named(captured, "tables")))
    key = {r[0]: r[1] for r in list(book["Key figures"].values)[1:]}
    csv = pd.read_csv(io.BytesIO(file_named(captured, "key-figures")), comment="#", encoding="utf-8-sig", dtype=str)
    for label, value in metrics:
        assert f"{label} {value}" in text, (label, value)
        assert key[label] == value, (label, key.get(label), value)
    assert list(zip(csv["measure"], csv["value"], strict=True)) == metrics


def test_key_figures_are_the_map_pages(workspace, captured):
    at = app()
    at.multiselect(key="cohorts").set_value(["Rapid Progression"]).run()
    metrics = _map_metrics(at)
    assert dict(metrics)["Participants engaged"] == "<5"
    open_exports(at)
    _check_exports_say(captured, metrics)


def test_no_bus_data_reads_the_same_everywhere(tmp_path, monkeypatch, captured):
    layers = {k: v for k, v in tiny_layers().items() if k not in ("bus_stops", "bus_routes")}
    path = tmp_path / "nobus.gpkg"
    gio.write_workspace(path, layers, {"name": "No Bus Town", "fictional": "true", "attribution": "Test"})
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    at = app()
    metrics = _map_metrics(at)
    assert dict(metrics)["Venues within 400 m of a bus stop"] == "no bus data"
    open_exports(at)
    _check_exports_say(captured, metrics)


def test_top_gaps_are_the_gaps_pages_table(workspace, captured):
    at = app()
    at.switch_page("pages/gaps.py").run()
    assert not at.exception, at.exception
    shown = next(d.value for d in at.dataframe if "Gap score" in d.value.columns).head(10)
    open_exports(at)
    book = load_workbook(io.BytesIO(file_named(captured, "tables")))
    rows = list(book["Top gaps"].values)
    top = pd.DataFrame(rows[1:], columns=rows[0])
    assert top["LSOA"].tolist() == shown["LSOA"].tolist()
    assert top["Why"].tolist() == shown["Why"].tolist()
    assert top["Roads engaged"].tolist() == shown["Roads engaged"].tolist()  # "n of m" / "no roads", never blank
    text = pdf_text(file_named(captured, "briefing"))
    for why, roads in zip(shown["Why"], shown["Roads engaged"], strict=True):
        assert " ".join(str(why).split()) in text  # the whole reason, wrapped, never cut
        assert str(roads) in text


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=6)
                     | st.sampled_from(["v1", "v9", "E01900001", "P1", "2026-01-12", "10:00", "wards:"]),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3), max_leaves=8)
_KEYS = {"hubs": ["hubs", "satellites", "settings", "fixed"], "patches": ["assignment", "labels", "lower", "upper",
                                                                          "settings"],
         "popups": ["rules", "sessions", "notes"], "lots": ["unit_layer", "lots", "assumptions", "served"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(_KEYS)), data=st.data())
def test_no_saved_payload_breaks_an_export(tiny_workspace_path, tmp_path_factory, kind, data):
    """Property: whatever a saved plan holds (an older or damaged payload), the export lists it, shown or
    with the reason it is not: plan_export never raises."""
    payload = data.draw(st.fixed_dictionaries({}, optional={k: _JSON for k in _KEYS[kind]}))
    path = tmp_path_factory.mktemp("fuzz") / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, path)
    gio.save_plan(path, kind=kind, name="Fuzz", payload=payload)
    ws = gio.read_workspace(path)
    (info,) = gio.list_plans(path, kind=kind)
    shown = export_plans.plan_export(ws, path, info, ReachAssumptions())
    assert shown.kind == kind and shown.name == "Fuzz"
    assert shown.problem or shown.tables
