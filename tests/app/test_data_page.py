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
    at.button(key="use_workspace").click().run()
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


def _buttons(at: AppTest, label: str) -> list:
    return [b for b in at.button if b.label == label]


def test_one_use_button_opening_the_workspace_just_built(env):
    """Issue 12, item 12a: one "Use this workspace" button, and after a build it opens the one just built
    (a workspace built before sorts first in the list)."""
    tmp, files = env
    at = page()
    at.text_input(key="ws_name").set_value("Aardvark")
    upload(at, "wards", files["wards"])
    upload(at, "lsoas", files["lsoas"])
    at.file_uploader(key="tables").set_value([(files[k].name, files[k].read_bytes(), "text/csv") for k in ("f1", "f6")])
    at.button(key="build").click().run()
    assert at.success and "Aardvark" in at.success[0].value
    at.text_input(key="ws_name").set_value("Tiny Town")
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    assert "Built **Tiny Town**" in at.success[0].value
    assert len(_buttons(at, "Use this workspace")) == 1
    _buttons(at, "Use this workspace")[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["workspace_path"] == str(tmp / "workspaces" / "tiny-town.gpkg")
    assert "Tiny Town" in at.caption[0].value


def test_lsoa_file_in_the_ward_box_is_said_so(env):
    """Issue 12, item 12b: an LSOA file in the ward box is named as one, with no column-mapping form."""
    tmp, files = env
    at = page()
    at.text_input(key="ws_name").set_value("Swapped")
    upload(at, "wards", files["lsoas"])
    upload(at, "lsoas", files["lsoas"])
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "this looks like an LSOA file (LSOA11CD): put it under LSOA boundaries" in errors
    assert not at.warning and not [s for s in at.selectbox if s.key and s.key.startswith("map_")]
    assert not list((tmp / "workspaces").glob("*.gpkg"))


def test_margin_and_keeping_points_outside(env):
    """Issue 12, item 2: the margin and the choice to keep points further out, on the page."""
    _tmp, files = env
    far = VENUES + "Birmingham Central,library,52.4796,-1.9026\n"
    at = page()
    at.text_input(key="ws_name").set_value("Tiny Town")
    upload(at, "wards", files["wards"])
    upload(at, "lsoas", files["lsoas"])
    at.file_uploader(key="tables").set_value([(files[k].name, files[k].read_bytes(), "text/csv") for k in ("f1", "f6")])
    at.file_uploader(key="venues").set_value([("venues.csv", far.encode(), "text/csv")])
    assert at.number_input(key="margin_km").value == 2.0 and at.checkbox(key="keep_outside").value is False
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    assert "venues 1" in at.success[0].value and "outside" not in at.success[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "1 venue more than 2 km outside the area was left out (venues.csv)." in text
    at.checkbox(key="keep_outside").check()
    at.number_input(key="margin_km").set_value(0.1)
    at.button(key="build").click().run()
    assert not at.exception, at.exception
    assert "venues outside 2" in at.success[0].value  # Westfield Library is 0.24 km out
    text = " ".join(m.value for m in at.markdown)
    assert "2 venues more than 0.1 km outside the area were kept, flagged 'outside the area'" in text
    # a rebuild under the same name starts from the settings it was built with
    fresh = page()
    fresh.text_input(key="ws_name").set_value("Tiny Town").run()
    assert fresh.number_input(key="margin_km").value == 0.1 and fresh.checkbox(key="keep_outside").value is True
