"""Venues kept outside the area (issue 12, item 2) on the Map page: they count for reach, not in the
area's figures, and the page says so."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from geo import io
from tests.conftest import ROOT, tiny_layers

X0, Y0 = 450_000, 318_000


@pytest.fixture
def outside_path(tmp_path):
    layers = tiny_layers()
    # a Jobcentre-like venue 3 km east of the tiny area (x0 + 2000): kept outside the area
    layers["venues_outside"] = gpd.GeoDataFrame(
        {"venue_id": ["o1"], "name": ["Next Town Library"], "kind": ["library"]},
        geometry=[Point(X0 + 5000, Y0 + 500)], crs=27700)
    path = tmp_path / "outside.gpkg"
    io.write_workspace(path, layers, {"name": "Tiny Town", "fictional": "true", "attribution": "Fictional test data"})
    return path


def test_outside_venues_count_for_reach_not_in_the_area_figures(outside_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(outside_path))
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=60)
    at.run()
    at.radio(key="colour_by").set_value("reach").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Venues that count"] == "2 of 2"  # the area's two; the outside one is said below
    assert metrics["Venues within 400 m of a bus stop"] == "1 of 2"
    said = "1 venue outside the area (kept on import) counts for reach too; it is never a hub"
    assert any(said in c.value for c in at.caption)
