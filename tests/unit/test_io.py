"""Workspace store: round trip, atomic replace, clear errors for bad files; the geo.io facade and CLI."""

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo import io
from geo.io import build, plans, store
from geo.model import DataError


def tiny_layers():
    wards = gpd.GeoDataFrame({"ward_code": ["E05000001"], "ward_name": ["North"]},
                             geometry=[box(0, 0, 100, 100)], crs=27700)
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["E01000001", "E01000002"], "population": [1500, 1600],
                              "imd_decile": [1, None]},
                             geometry=[box(0, 0, 50, 100), box(50, 0, 100, 100)], crs=27700)
    roads = gpd.GeoDataFrame({"road_id": ["r1"], "name": ["Mill Lane"], "social_housing": [True]},
                             geometry=[LineString([(0, 0), (100, 100)])], crs=27700)
    people = gpd.GeoDataFrame({"participant_id": ["a1"], "enrolled_on": ["2024-05-01"],
                               "job_start_on": [None]}, geometry=[Point(1, 1)], crs=27700)
    return {"wards": wards, "lsoas": lsoas, "roads": roads, "participants": people}


def test_round_trip(tmp_path):
    path = tmp_path / "ws.gpkg"
    io.write_workspace(path, tiny_layers(), {"name": "Tiny", "fictional": "true"})
    ws = io.read_workspace(path)
    assert ws.name == "Tiny" and ws.fictional and ws.display_name.endswith("(fictional demo data)")
    assert list(ws.layer("lsoas")["population"]) == [1500, 1600]
    assert ws.layer("lsoas")["imd_decile"].isna().tolist() == [False, True]
    assert bool(ws.layer("roads")["social_housing"].iloc[0]) is True
    assert ws.layer("participants")["enrolled_on"].iloc[0] == pd.Timestamp("2024-05-01")
    assert not ws.has("venues") and len(ws.layer("venues")) == 0
    # the id is a content hash: same content, same id; new content, new id
    assert io.read_workspace(path).id == ws.id
    io.write_workspace(path, tiny_layers(), {"name": "Tiny 2"})
    assert io.read_workspace(path).id != ws.id


def test_bad_write_leaves_old_file(tmp_path):
    path = tmp_path / "ws.gpkg"
    io.write_workspace(path, tiny_layers(), {"name": "Old"})
    before = path.read_bytes()
    bad = tiny_layers()
    bad["lsoas"] = bad["lsoas"].drop(columns=["population"])
    with pytest.raises(DataError, match=r"population"):
        io.write_workspace(path, bad, {"name": "New"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ws.gpkg"]


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(DataError, match=r"does not exist"):
        io.read_workspace(tmp_path / "nope.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"this is not a geopackage")
    with pytest.raises(DataError, match=r"junk.gpkg.*not a readable GeoPackage"):
        io.read_workspace(junk)


def test_workspace_without_lsoas_refused(tmp_path):
    layers = tiny_layers()
    del layers["lsoas"]
    with pytest.raises(DataError, match=r"no 'lsoas' layer"):
        io.write_workspace(tmp_path / "x.gpkg", layers, {})


def test_plans_versioned_and_never_silently_overwritten(tmp_path):
    path = tmp_path / "ws.gpkg"
    io.write_workspace(path, tiny_layers(), {"name": "Tiny"})
    ws_id = io.read_workspace(path).id
    v1 = io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    assert v1 == 1
    # two tabs open version 1; the first saves, the second is refused and nothing is lost
    assert io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["v1", "v2"]}, expected_version=1) == 2
    with pytest.raises(io.StalePlanError, match=r"version 1.*version 2"):
        io.save_plan(path, kind="hubs", name="Spring", payload={"hubs": ["v9"]}, expected_version=1)
    info, payload = io.load_plan(path, kind="hubs", name="Spring")
    assert info.version == 2 and payload == {"hubs": ["v1", "v2"]}
    # a new plan with an existing name is also refused
    with pytest.raises(io.StalePlanError):
        io.save_plan(path, kind="hubs", name="Spring", payload={})
    assert [p.name for p in io.list_plans(path, kind="hubs")] == ["Spring"]
    assert io.list_plans(path, kind="patches") == []
    with pytest.raises(io.StalePlanError):
        io.delete_plan(path, kind="hubs", name="Spring", expected_version=1)
    io.delete_plan(path, kind="hubs", name="Spring", expected_version=2)
    assert io.list_plans(path, kind="hubs") == []
    with pytest.raises(DataError, match=r"not saved"):
        io.load_plan(path, kind="hubs", name="Spring")
    with pytest.raises(DataError, match=r"has no name"):
        io.save_plan(path, kind="hubs", name="  ", payload={})
    # saving plans does not change the workspace's content id (caches stay warm)
    assert io.read_workspace(path).id == ws_id


def test_facade_re_exports_every_public_name_of_the_submodules():
    pkg = io
    assert sorted(pkg.__all__) == sorted(set(pkg.__all__))
    assert all(hasattr(pkg, name) for name in pkg.__all__)
    assert pkg.read_workspace is store.read_workspace and pkg.save_plan is plans.save_plan
    assert pkg.build_workspace is build.build_workspace


def test_python_m_geo_io_runs_the_cli():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "geo.io", "import", "--help"], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--wards" in done.stdout and "--lsoas" in done.stdout and "python -m geo.io import" in done.stdout
