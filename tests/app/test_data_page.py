"""AppTest of the Your-data page: a bad upload shows st.error and writes nothing; a good one builds a
workspace the app switches to; unknown headers go through the column-mapping step."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.unit.test_import_area import area_files

VENUES = ("name,kind,lat,lon\nWestfield Library,library,52.7568,-1.2640\n"
          "Bolton Citadel,church hall,37.0965278,-113.5684164\n")


@pytest.fixture
def env(tmp_path, monkeypatch, tiny_workspace_path):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    (tmp_path / "in").mkdir()
    files = area_files(tmp_path / "in", year=11)
    venues = tmp_path / "venues.csv"
    venues.write_text(VENUES, encoding="utf-8")
    files["venues"] = venues
    return tmp_path, files


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, key: str, path, *, name: str | None = None, data: bytes | None = None) -> None:
    at.file_uploader(key=key).upload(name or path.name, data if data is not None else path.read_bytes())


def test_bad_upload_shows_error_and_writes_nothing(env):
    tmp, files = env
    at = page()
    assert at.title[0].value == "Your data"
    at.text_input(key="ws_name").set_value("Broken")
    upload(at, "wards", files["wards"], name="wards.geojson", data=b'{"type": "FeatureCollection", "feat')
    upload(at, "lsoas", files["lsoas"])
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "wards.geojson" in errors and "cannot be read" in errors and "nothing was changed" in errors
    assert not list((tmp / "workspaces").glob("*.gpkg"))


def test_upload_builds_workspace_reports_and_switches(env):
    tmp, files = env
    at = page()
    at.text_input(key="ws_name").set_value("Tiny Town")
    upload(at, "wards", files["wards"])
    upload(at, "lsoas", files["lsoas"])
    at.file_uploader(key="tables").set_value([(files[k].name, files[k].read_bytes(), "text/csv") for k in ("f1", "f6")])
    at.file_uploader(key="venues").set_value([("venues.csv", VENUES.encode(), "text/csv")])
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "Built **Tiny Town**" in at.success[0].value and "lsoas 4" in at.success[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "row 3, lat/lon: 37.10, -113.57 lies outside Great Britain" in text
    built = tmp / "workspaces" / "tiny-town.gpkg"
    assert built.exists()
    at.button(key="use_new").click().run()
    assert not at.exception, at.exception
    assert at.session_state["workspace_path"] == str(built)
    assert at.title[0].value == "Outreach map" and "Tiny Town" in at.caption[0].value


def test_paths_and_column_mapping_step(env):
    tmp, files = env
    odd = tmp / "odd.csv"
    odd.write_text("Place,Where lat,Where long\nHall,52.7568,-1.2640\n", encoding="utf-8")
    at = page()
    at.radio(key="source_mode").set_value("Files on this computer (paths)").run()
    at.text_input(key="ws_name").set_value("Mapped")
    at.text_input(key="wards_paths").set_value(str(files["wards"]))
    at.text_input(key="lsoas_paths").set_value(str(files["lsoas"]))
    at.text_area(key="tables_paths").set_value(f"{files['f1']}\n{files['f6']}")
    at.text_area(key="venues_paths").set_value(str(odd))
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    assert at.warning and "odd.csv" in at.warning[0].value
    at.selectbox(key="map_venues_name").set_value("Place")
    at.selectbox(key="map_venues_lat").set_value("Where lat")
    at.selectbox(key="map_venues_lon").set_value("Where long")
    next(b for b in at.button if b.label == "Save the mapping and build again").click().run()
    assert not at.exception, at.exception
    assert at.success and "venues 1" in at.success[0].value
    assert (tmp / "workspaces" / "column_mappings.json").exists()
