"""The shipped boundary files (data/boundaries/): written by the generator, read back exactly by geo.io."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo import demo, io
from geo.io import boundaries
from geo.model import DataError

ROOT = Path(__file__).resolve().parents[2]
BOUNDARY_LAYERS = ("wards", "lsoas")


@pytest.fixture(scope="module")
def generated() -> dict[str, gpd.GeoDataFrame]:
    return demo.build_demo_layers(seed=demo.DEMO_SEED, scale=1)


@pytest.fixture()
def dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    """Workspaces and boundary files in a temporary folder, never the repository's."""
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))
    monkeypatch.setenv("PATCHWORK_BOUNDARIES_DIR", str(tmp_path / "boundaries"))
    return boundaries.demo_boundary_paths()


def assert_same(read: gpd.GeoDataFrame, made: gpd.GeoDataFrame) -> None:
    """Same columns, dtypes and values, and bit-identical geometry."""
    pd.testing.assert_frame_equal(pd.DataFrame(read).drop(columns="geometry"),
                                  pd.DataFrame(made).drop(columns="geometry"), check_exact=True)
    assert read.crs.to_epsg() == 27700
    assert (read.geometry.to_wkb().to_numpy() == made.geometry.to_wkb().to_numpy()).all()


def test_round_trip_is_exact(tmp_path: Path, generated: dict[str, gpd.GeoDataFrame]) -> None:
    paths = boundaries.write_demo_boundaries(generated, generator_hash="abc123", folder=tmp_path)
    assert set(paths) == set(BOUNDARY_LAYERS)
    for layer, path in paths.items():
        assert_same(boundaries.read_boundaries(path, layer=layer), generated[layer])
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::27700"
        assert doc["patchwork"]["generator_hash"] == "abc123" and doc["patchwork"]["fictional"] == "true"
        assert boundaries.boundaries_meta(path)["seed"] == "7"


def test_committed_files_are_the_generated_borough(generated: dict[str, gpd.GeoDataFrame]) -> None:
    """data/boundaries/ holds exactly what the generator makes, each file small enough to commit."""
    paths = boundaries.demo_boundary_paths(ROOT / "data" / "boundaries")
    for layer, path in paths.items():
        assert path.stat().st_size < 1_000_000
        assert_same(boundaries.read_boundaries(path, layer=layer), generated[layer])
    assert (ROOT / "data" / "boundaries" / "README.md").exists()


def test_demo_workspace_reads_wards_and_lsoas_from_the_files(dirs: dict[str, Path],
                                                             generated: dict[str, gpd.GeoDataFrame]) -> None:
    """Missing files are written first; the workspace's wards and LSOAs come from them, not memory."""
    assert not any(p.exists() for p in dirs.values())
    path = io.ensure_demo()
    assert all(p.exists() for p in dirs.values())
    ws = io.read_workspace(path)
    for layer in BOUNDARY_LAYERS:
        assert_same(ws.layers[layer], generated[layer])
    assert ws.meta["boundaries_id"] == boundaries.boundaries_id(dirs)

    # an edit to a file (still marked as this generator's) reaches the workspace
    doc = json.loads(dirs["wards"].read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["ward_name"] = "Edited Ward"
    dirs["wards"].write_text(json.dumps(doc), encoding="utf-8")
    assert io.ensure_demo() == path
    assert io.read_workspace(path).layers["wards"]["ward_name"].iloc[0] == "Edited Ward"


def test_stale_file_is_regenerated(dirs: dict[str, Path], generated: dict[str, gpd.GeoDataFrame]) -> None:
    path = io.ensure_demo()
    doc = json.loads(dirs["lsoas"].read_text(encoding="utf-8"))
    doc["patchwork"]["generator_hash"] = "older-code"
    doc["features"] = doc["features"][:3]  # what older code wrote may differ
    dirs["lsoas"].write_text(json.dumps(doc), encoding="utf-8")
    assert not boundaries.demo_boundaries_current(dirs, generator_hash=io.demo_generator_hash())
    io.ensure_demo()
    assert boundaries.demo_boundaries_current(dirs, generator_hash=io.demo_generator_hash())
    assert_same(boundaries.read_boundaries(dirs["lsoas"], layer="lsoas"), generated["lsoas"])
    assert_same(io.read_workspace(path).layers["lsoas"], generated["lsoas"])


def test_missing_file_is_regenerated(dirs: dict[str, Path], generated: dict[str, gpd.GeoDataFrame]) -> None:
    io.ensure_demo()
    dirs["wards"].unlink()
    io.ensure_demo()
    assert_same(boundaries.read_boundaries(dirs["wards"], layer="wards"), generated["wards"])


@pytest.mark.parametrize("content", ['<<<<<<< HEAD\n{"type": "Feature', "", '{"type": "Topology"}'])
def test_corrupt_file_is_a_data_error_naming_file_and_fix(dirs: dict[str, Path], content: str) -> None:
    io.ensure_demo()
    dirs["wards"].write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as err:
        io.ensure_demo()
    assert str(dirs["wards"]) in str(err.value) and "python -m geo.demo" in str(err.value)
    assert dirs["wards"].read_text(encoding="utf-8") == content, "a broken file is reported, not overwritten"


def test_invalid_features_are_a_data_error_naming_file_and_fix(tmp_path: Path,
                                                               generated: dict[str, gpd.GeoDataFrame]) -> None:
    path = boundaries.write_demo_boundaries(generated, generator_hash="x", folder=tmp_path)["lsoas"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        del feature["properties"]["lsoa_code"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError) as err:
        boundaries.read_boundaries(path, layer="lsoas")
    text = str(err.value)
    assert str(path) in text and "lsoa_code" in text and "python -m geo.demo" in text
    with pytest.raises(DataError, match="does not exist"):
        boundaries.read_boundaries(tmp_path / "nowhere.geojson", layer="wards")
