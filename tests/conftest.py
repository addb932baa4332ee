"""Shared fixtures: a tiny hand-made workspace, the real-data folder, cache hygiene."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def tiny_layers() -> dict[str, gpd.GeoDataFrame]:
    """Two wards, four LSOAs, a few streets, 12 participants: answers countable by hand.

    Around easting 450,000 / northing 318,000 so it projects to a real place in England.
    """
    x0, y0 = 450_000, 318_000
    wards = gpd.GeoDataFrame({"ward_code": ["E05900001", "E05900002"], "ward_name": ["Westfield", "Eastgate"]},
                             geometry=[box(x0, y0, x0 + 1000, y0 + 1000), box(x0 + 1000, y0, x0 + 2000, y0 + 1000)],
                             crs=27700)
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": ["E01900001", "E01900002", "E01900003", "E01900004"],
         "lsoa_name": ["Tiny 001A", "Tiny 001B", "Tiny 002A", "Tiny 002B"],
         "population": [1500, 1600, 1400, 1700], "working_age": [900, 950, 800, 1000],
         "ward_code": ["E05900001", "E05900001", "E05900002", "E05900002"],
         "imd_decile": [1, 2, 5, 9], "income_decile": [1, 1, 6, 10], "employment_decile": [2, 3, 5, 8]},
        geometry=[box(x0, y0, x0 + 1000, y0 + 500), box(x0, y0 + 500, x0 + 1000, y0 + 1000),
                  box(x0 + 1000, y0, x0 + 2000, y0 + 500), box(x0 + 1000, y0 + 500, x0 + 2000, y0 + 1000)],
        crs=27700)
    roads = gpd.GeoDataFrame(
        {"road_id": ["r1", "r2", "r3", "r4"], "name": ["Mill Lane", "Mill Lane", "Church Street", ""],
         "households": [30, 20, 40, 0]},
        geometry=[LineString([(x0 + 100, y0 + 250), (x0 + 1000, y0 + 250)]),
                  LineString([(x0 + 1000, y0 + 250), (x0 + 1900, y0 + 250)]),
                  LineString([(x0 + 500, y0 + 100), (x0 + 500, y0 + 900)]),
                  LineString([(x0 + 1200, y0 + 700), (x0 + 1800, y0 + 700)])], crs=27700)
    # 8 on Mill Lane West (6 Hardest to Help 2024, 2 Rapid Progression 2025), 3 on Church Street,
    # 1 far from any named road (unmatched).
    pts = [(x0 + 200 + 40 * i, y0 + 255) for i in range(8)] + [(x0 + 505, y0 + 600 + 10 * i) for i in range(3)]
    pts.append((x0 + 1500, y0 + 900))
    cohorts = ["Hardest to Help"] * 6 + ["Rapid Progression"] * 2 + ["Harder to Reach"] * 3 + ["Hardest to Help"]
    dates = ["2024-02-01"] * 6 + ["2025-03-01"] * 2 + ["2024-07-01"] * 3 + ["2024-09-01"]
    people = gpd.GeoDataFrame({"participant_id": [f"pid{i:03d}" for i in range(12)], "enrolled_on": dates,
                               "cohort": cohorts}, geometry=[Point(p) for p in pts], crs=27700)
    venues = gpd.GeoDataFrame({"venue_id": ["v1", "v2"], "name": ["Westfield Library", "Eastgate Hall"],
                               "kind": ["library", "church_hall"], "wifi": [True, False]},
                              geometry=[Point(x0 + 400, y0 + 260), Point(x0 + 1700, y0 + 800)], crs=27700)
    stops = gpd.GeoDataFrame({"stop_id": ["s1"], "name": ["Mill Lane"], "route_ids": ["1"]},
                             geometry=[Point(x0 + 600, y0 + 250)], crs=27700)
    routes = gpd.GeoDataFrame({"route_id": ["1"], "name": ["Town circular"], "trips_per_hour": [2.0]},
                              geometry=[LineString([(x0 + 100, y0 + 250), (x0 + 1900, y0 + 250)])], crs=27700)
    partners = gpd.GeoDataFrame({"partner_id": ["pt1"], "name": ["Jobcentre Plus Tiny"], "kind": ["jobcentre_plus"]},
                                geometry=[Point(x0 + 900, y0 + 400)], crs=27700)
    return {"wards": wards, "lsoas": lsoas, "roads": roads, "participants": people, "venues": venues,
            "bus_stops": stops, "bus_routes": routes, "partners": partners}


@pytest.fixture(scope="session")
def tiny_workspace_path(tmp_path_factory) -> Path:
    from geo import io

    path = tmp_path_factory.mktemp("ws") / "tiny.gpkg"
    io.write_workspace(path, tiny_layers(), {"name": "Tiny Town", "fictional": "true",
                                            "attribution": "Fictional test data"})
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real-data folder; tests that need it skip when absent, except in CI where it is required."""
    from geo.io import data_dir as _data_dir

    path = _data_dir()
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data folder {path} is missing; CI requires it (set PATCHWORK_DATA)")
        pytest.skip(f"real data folder {path} not found (set PATCHWORK_DATA to run real-data tests)")
    return path


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Streamlit caches persist across AppTest runs in one process: start each test clean."""
    yield
    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
