"""The Lots page on a workspace with wards of two boundary years (issue 12, item 15): lots on either
year, and document names resolved across the years, with a user's alias table."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from geo import io
from tests.conftest import ROOT, tiny_layers

X0, Y0 = 450_000, 318_000


@pytest.fixture
def years_path(tmp_path, monkeypatch):
    layers = tiny_layers()
    layers["wards"] = layers["wards"].assign(boundary_year=2025)
    layers["wards_older"] = gpd.GeoDataFrame(
        {"ward_code": ["E05000101", "E05000102"], "ward_name": ["Old West", "Old East"], "boundary_year": [2013] * 2},
        geometry=[box(X0, Y0, X0 + 1100, Y0 + 1000), box(X0 + 1100, Y0, X0 + 2000, Y0 + 1000)], crs=27700)
    path = tmp_path / "years.gpkg"
    io.write_workspace(path, layers, {"name": "Tiny Town", "fictional": "true", "attribution": "Fictional test data"})
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def test_lots_offer_both_years_and_resolve_old_names(years_path):
    at = AppTest.from_file(str(ROOT / "pages" / "lots.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="lots_unit_key").options == ["Wards (2025 boundaries, current)", "Wards (2013 boundaries)",
                                                         "LSOAs"]
    at.session_state["lots_tab"] = "Place names"
    at.run()
    at.text_area(key="lots_places_text").set_value("Old West\nOLD WEST\nWestfield").run()
    assert not at.exception, at.exception
    found = next(d.value for d in at.dataframe if "Note" in getattr(d.value, "columns", []))
    assert found["Boundary"].tolist() == ["legacy", "duplicate", "current"]
    assert found["Year"].tolist()[0] == 2013 and found["Year"].tolist()[2] == 2025
    assert "now Westfield 91%, Eastgate 9%" in found["Note"].iloc[0]
    at.file_uploader(key="lots_places_aliases").upload("aliases.csv", b"name,code\nWestfield,E05000102\n")
    at.run()
    found = next(d.value for d in at.dataframe if "Note" in getattr(d.value, "columns", []))
    assert found["Note"].iloc[2] == "From your alias table: Old East (E05000102, 2013 wards), now Eastgate 100%."
