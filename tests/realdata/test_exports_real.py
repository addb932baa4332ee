"""Exports on Wolverhampton (../shared/data): the Map page's key figures word for word ("no bus data"
where the workspace has no bus stops, never "0 of 18"), saved hub and lot plans shown by library and ward
name, in the PDF and the Excel workbook, and every real name printed as written."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo import io as gio
from geo.out import png
from geo.plan import hubs
from geo.plan.lots.scenario import make_scenario, scenario_payload
from tests.conftest import ROOT
from tests.realdata.test_plans_real import wolverhampton  # noqa: F401  (the fixture)


@pytest.fixture
def captured(monkeypatch):
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    monkeypatch.setattr(png.shutil, "which", lambda name: None)
    return found


def file_named(captured, part: str) -> bytes:
    (name,) = [n for n in captured if part in n]
    return captured[name]()


def test_wolverhampton_exports_say_what_the_screen_says(wolverhampton, tmp_path, monkeypatch, captured):  # noqa: F811
    path = tmp_path / "wolverhampton.gpkg"
    gio.write_workspace(path, dict(wolverhampton), {"name": "Wolverhampton", "fictional": "false",
                                                   "attribution": "ONS, MHCLG, libraries list"})
    venues = wolverhampton["venues"]
    open_ids = venues.loc[~venues["closed"].astype(bool), "venue_id"].astype(str).tolist()
    gio.save_plan(path, kind="hubs", name="Two libraries",
                  payload={"hubs": open_ids[:2], "satellites": [], "edited": True,
                           "settings": hubs.HubSettings(n_hubs=2, budget_min=20.0, n_satellites=0).to_dict()})
    wards = wolverhampton["wards"]
    lots = make_scenario({"North": wards["ward_code"].head(3).tolist()}, unit_layer="wards:")
    gio.save_plan(path, kind="lots", name="North", payload=scenario_payload(lots))
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    metrics = [(m.label, m.value) for m in at.metric]
    assert dict(metrics)["Venues within 400 m of a bus stop"] == "no bus data"
    at.switch_page("pages/exports.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="export_plan").set_value("Hubs: Two libraries (version 1)").run()

    text = " ".join("\n".join(p.extract_text() for p in
                              PdfReader(io.BytesIO(file_named(captured, "briefing"))).pages).split())
    book = load_workbook(io.BytesIO(file_named(captured, "tables")))
    key = {r[0]: r[1] for r in list(book["Key figures"].values)[1:]}
    for label, value in metrics:
        assert f"{label} {value}" in text and key[label] == value, (label, value)
    names = venues.set_index(venues["venue_id"].astype(str)).loc[open_ids[:2], "name"].tolist()
    for name in names:
        assert " ".join(name.split()) in text, name  # the hubs by library name, as written
    sheet = book["Plan hubs Two libraries"]
    hub = pd.DataFrame(list(sheet.values)[1:], columns=[c.value for c in sheet[1]])
    assert hub["Venue"].tolist() == names
    sheet = book["Plan lots North"]
    header = [c.value for c in sheet[1]]
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["Lot"] == "North" and isinstance(row["Residents"], (int, float)) and row["Residents"] > 10_000
