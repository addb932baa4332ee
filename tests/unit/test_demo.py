"""Tests for geo.demo: the deterministic fictional demo borough."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import demo, io
from geo.io import boundaries, demo_cli
from geo.model import COHORTS, DOMAINS, PARTNER_KINDS, REFERRAL_SOURCES, SCHEMAS, VENUE_KINDS, validate_layer

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("wards", "lsoas", "roads", "venues", "bus_stops", "bus_routes", "partners", "participants")


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return demo.build_demo_layers()


@pytest.fixture(scope="module")
def layers_x2() -> dict[str, gpd.GeoDataFrame]:
    return demo.build_demo_layers(scale=2)


# ---------------------------------------------------------------------------------------------
# invariants shared by the fixed-seed tests and the property test
# ---------------------------------------------------------------------------------------------
def participants_per_lsoa(layers: dict[str, gpd.GeoDataFrame]) -> pd.Series:
    lsoas = layers["lsoas"]
    idx = shapely.STRtree(lsoas.geometry.values).query(layers["participants"].geometry.values,
                                                        predicate="within")[1]
    return pd.Series(np.bincount(idx, minlength=len(lsoas)), index=lsoas["lsoa_code"].to_numpy())


def assert_wards_tile(wards: gpd.GeoDataFrame) -> None:
    union = shapely.union_all(wards.geometry.values)
    assert union.geom_type == "Polygon", "wards must form one borough"
    assert len(union.interiors) == 0, "gap inside the borough"
    assert wards.area.sum() == pytest.approx(union.area, rel=1e-9, abs=1.0), "wards overlap"


def assert_lsoas_nest(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> None:
    ward_geom = dict(zip(wards["ward_code"], wards.geometry))
    own = np.array([ward_geom[c] for c in lsoas["ward_code"]], dtype=object)
    inside = shapely.area(shapely.intersection(lsoas.geometry.values, own))
    np.testing.assert_allclose(inside, lsoas.area.to_numpy(), rtol=1e-7, atol=1.0)
    per_ward = lsoas.geometry.area.groupby(lsoas["ward_code"].to_numpy()).sum()
    np.testing.assert_allclose(per_ward.reindex(wards["ward_code"]).to_numpy(), wards.area.to_numpy(),
                               rtol=1e-7)
    union = shapely.union_all(lsoas.geometry.values)
    assert lsoas.area.sum() == pytest.approx(union.area, rel=1e-9, abs=1.0), "LSOAs overlap"


def assert_noded(roads: gpd.GeoDataFrame) -> None:
    """Segments meet only at shared end points: no crossings, T-junctions or overlaps."""
    geoms = roads.geometry.values
    assert (shapely.get_num_points(geoms) == 2).all()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    inter = shapely.intersection(geoms[i], geoms[j])
    assert (shapely.get_type_id(inter) == 0).all(), "segments overlap or cross more than once"
    xy = shapely.get_coordinates(inter)
    ends = shapely.get_coordinates(geoms).reshape(-1, 2, 2)
    for k in (i, j):
        at_end = (xy == ends[k, 0]).all(axis=1) | (xy == ends[k, 1]).all(axis=1)
        assert at_end.all(), "segments meet away from an end point"


def assert_borough(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert tuple(layers) == LAYERS
    for name, frame in layers.items():
        assert frame.crs.to_epsg() == 27700
        again = validate_layer(frame, name)
        pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(frame))
        assert [c.name for c in SCHEMAS[name].columns if c.name not in frame.columns] == []
    wards, lsoas, roads = layers["wards"], layers["lsoas"], layers["roads"]
    venues, stops, routes = layers["venues"], layers["bus_stops"], layers["bus_routes"]
    partners, parts = layers["partners"], layers["participants"]

    assert 9 <= len(wards) <= 12
    assert 50 <= len(lsoas) <= 70
    assert 2_500 <= len(roads) <= 4_000
    assert 35 <= len(venues) <= 46
    assert len(routes) == 4 and len(partners) == 15
    assert 20 <= len(stops) <= 120
    assert 1_400 <= len(parts) <= 1_600

    assert_wards_tile(wards)
    assert_lsoas_nest(lsoas, wards)
    assert_noded(roads)

    # LSOA attributes
    assert lsoas["population"].between(1_000, 2_600).all()
    share = lsoas["working_age"] / lsoas["population"]
    assert share.between(0.549, 0.651).all()
    d = lsoas["imd_decile"].to_numpy(dtype=int)
    rank = lsoas["imd_rank"].to_numpy(dtype=int)
    assert ((d >= 1) & (d <= 10)).all()
    assert (rank >= np.ceil((d - 1) * 3284.4) + 1).all() and (rank <= np.floor(d * 3284.4)).all()
    order = np.argsort(rank)
    assert (np.diff(lsoas["imd_score"].to_numpy(dtype=float)[order]) <= 0).all()
    assert lsoas["imd_score"].between(5, 60).all()
    for dom in DOMAINS:
        assert lsoas[f"{dom}_decile"].between(1, 10).all()
        assert np.corrcoef(lsoas[f"{dom}_decile"].to_numpy(dtype=float), d)[0, 1] > 0.3
    assert lsoas["employment_score"].between(0.02, 0.35).all()
    assert np.corrcoef(lsoas["employment_score"].to_numpy(dtype=float), d)[0, 1] < -0.7
    assert (d <= 2).sum() >= 4 and (d >= 8).sum() >= 4
    assert (lsoas["imd_edition"] == 2019).all()

    # roads
    unnamed = (roads["name"] == "").mean()
    assert 0.02 <= unnamed <= 0.04
    assert roads["households"].between(0, 60).all()
    assert roads["ward_code"].isin(wards["ward_code"]).all()
    assert not roads.loc[roads["households"] == 0, "social_housing"].any()

    # venues and partners
    counts = venues["kind"].value_counts()
    assert set(counts.index) == set(VENUE_KINDS)
    assert 4 <= counts["library"] <= 5 and counts["leisure_centre"] == 2
    assert venues["closed"].sum() == 1
    assert venues["name"].is_unique
    road_tree = shapely.STRtree(roads.geometry.values)
    _, dist = road_tree.query_nearest(venues.geometry.values, return_distance=True, all_matches=False)
    assert (dist <= 20.0).all()
    hours = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)[-,A-Za-z]* \d\d:\d\d-\d\d:\d\d(; .+)?$")
    assert venues["opening_hours"].map(lambda s: bool(hours.match(s))).all()
    assert set(partners["kind"]) == set(PARTNER_KINDS)
    jcp = partners.loc[partners["kind"] == "jobcentre_plus"].geometry.iloc[0]
    central = wards.loc[wards["ward_name"].str.endswith("Central") | (wards["ward_name"] == "Town Centre")]
    assert central.geometry.iloc[0].contains(jcp)

    # bus routes follow roads; stops sit on routes
    nodes = {tuple(xy) for xy in shapely.get_coordinates(roads.geometry.values)}
    for line in routes.geometry:
        assert all(tuple(xy) in nodes for xy in shapely.get_coordinates(line))
    route_union = shapely.union_all(routes.geometry.values)
    assert (shapely.distance(stops.geometry.values, route_union) < 1e-6).all()
    ids = set(routes["route_id"])
    assert all(set(r.split(",")) <= ids for r in stops["route_ids"])

    # participants
    assert parts["enrolled_on"].min() >= pd.Timestamp("2023-01-01")
    assert parts["enrolled_on"].max() <= pd.Timestamp("2025-12-31")
    job = parts["job_start_on"].notna()
    assert (parts.loc[job, "job_start_on"] > parts.loc[job, "enrolled_on"]).all()
    assert (parts.loc[job, "job_start_on"] <= pd.Timestamp("2025-12-31")).all()
    assert not parts.loc[~job, "sustained_13w"].any()
    assert 0.25 <= job.mean() <= 0.45
    assert 0.55 <= parts.loc[job, "sustained_13w"].mean() <= 0.8
    assert 0.65 <= parts["embedded"].mean() <= 0.85
    assert set(parts["cohort"]) == set(COHORTS)
    assert set(parts["referral_source"]) == set(REFERRAL_SOURCES)
    assert set(parts["status"]) <= {"engaged", "embedded", "completed", "withdrawn"}
    assert parts["participant_id"].str.fullmatch(r"p[0-9a-f]{10}").all()
    _, pdist = road_tree.query_nearest(parts.geometry.values, return_distance=True, all_matches=False)
    in_fields = (pdist >= 200.0) & (pdist <= 400.0)
    assert ((pdist <= 25.0) | in_fields).all()
    assert 0.005 <= in_fields.mean() <= 0.02

    # coverage gaps: a deprived LSOA with (almost) nobody engaged, one far from any bus stop
    n = participants_per_lsoa(layers)
    deprived = lsoas.loc[lsoas["imd_decile"] <= 3, "lsoa_code"]
    assert (n[deprived] < 5).any()
    assert n.sum() == len(parts)
    dep = lsoas[lsoas["imd_decile"] <= 2]
    d_stop = shapely.distance(np.asarray(dep.geometry)[:, None], np.asarray(stops.geometry)[None, :]).min(axis=1)
    assert (d_stop > 500.0).any(), "every deprived LSOA is near a bus stop: no poorly served estate"


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------
def test_default_borough_is_plausible(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert_borough(layers)
    wards = layers["wards"]
    assert (wards["lad_code"] == "E06900001").all() and (wards["lad_name"] == demo.DEMO_NAME).all()
    assert wards["ward_code"].str.fullmatch(r"E059\d{5}").all()
    assert layers["lsoas"]["lsoa_code"].str.fullmatch(r"E019\d{5}").all()
    assert layers["lsoas"]["lsoa_name"].str.fullmatch(demo.DEMO_NAME + r" \d{3}[A-Z]").all()
    assert (wards["boundary_year"] == 2023).all()
    cx, cy = shapely.union_all(wards.geometry.values).centroid.coords[0]
    assert abs(cx - 452_000) < 3_000 and abs(cy - 318_000) < 3_000


def test_schema_dtypes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    expected = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean"}
    for name, frame in layers.items():
        for col in SCHEMAS[name].columns:
            if col.kind == "date":
                assert str(frame[col.name].dtype) == "datetime64[ms]"
            else:
                assert str(frame[col.name].dtype).startswith(expected[col.kind]), (name, col.name)


def test_same_seed_same_frames(layers: dict[str, gpd.GeoDataFrame]) -> None:
    again = demo.build_demo_layers(seed=7)
    for name in LAYERS:
        pd.testing.assert_frame_equal(pd.DataFrame(again[name]), pd.DataFrame(layers[name]))
        assert again[name].geometry.geom_equals_exact(layers[name].geometry, tolerance=0).all()


def test_different_seed_different_frames(layers: dict[str, gpd.GeoDataFrame]) -> None:
    other = demo.build_demo_layers(seed=8)
    assert not other["roads"].geometry.iloc[:50].reset_index(drop=True).geom_equals(
        layers["roads"].geometry.iloc[:50].reset_index(drop=True)).all()
    assert set(other["participants"]["participant_id"]).isdisjoint(layers["participants"]["participant_id"])


def test_scale_two_doubles(layers: dict[str, gpd.GeoDataFrame], layers_x2: dict[str, gpd.GeoDataFrame]) -> None:
    for name in LAYERS:
        one, two = layers[name], layers_x2[name]
        assert 1.6 * len(one) <= len(two) <= 2.4 * len(one), name
        # the first copy is exactly the scale-1 borough
        head = two.iloc[: len(one)].reset_index(drop=True)
        pd.testing.assert_frame_equal(pd.DataFrame(head), pd.DataFrame(one))
        id_col = SCHEMAS[name].columns[0].name
        assert two[id_col].is_unique
    assert layers_x2["wards"]["ward_code"].str.fullmatch(r"E059\d{5}").all()
    assert layers_x2["wards"]["lad_code"].nunique() == 2
    assert_wards_tile(layers_x2["wards"].iloc[: len(layers["wards"])])
    # copies do not overlap
    w = layers_x2["wards"]
    assert w.area.sum() == pytest.approx(shapely.union_all(w.geometry.values).area, rel=1e-9)
    assert_lsoas_nest(layers_x2["lsoas"], layers_x2["wards"])
    assert_noded(layers_x2["roads"])


def test_meta() -> None:
    meta = demo.demo_meta(seed=3, scale=2)
    assert meta["name"] == demo.DEMO_NAME and meta["fictional"] == "true"
    assert meta["seed"] == "3" and meta["scale"] == "2" and meta["imd_edition"] == "2019"
    assert all(isinstance(v, str) for v in meta.values())
    assert {"source", "attribution"} <= set(meta)


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"scale": 1.5}, {"seed": -1}, {"scale": True}])
def test_bad_options_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        demo.build_demo_layers(**kwargs)  # type: ignore[arg-type]


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        demo.build_demo_layers(7)  # type: ignore[misc]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_seed_gives_a_valid_borough(seed: int) -> None:
    assert_borough(demo.build_demo_layers(seed=seed))


def test_cli_writes_workspace_and_boundaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m geo.demo --seed 7 --out PATH` writes the workspace and the shipped boundary files."""
    monkeypatch.setenv("PATCHWORK_BOUNDARIES_DIR", str(tmp_path / "boundaries"))
    out = tmp_path / "x" / "demo.gpkg"
    assert demo_cli.main(["--seed", "7", "--out", str(out)]) == 0
    meta = io.read_meta(out)
    paths = boundaries.demo_boundary_paths()
    assert {k: v for k, v in meta.items() if k != "content_id"} == {
        **demo.demo_meta(seed=7, scale=1), "generator_hash": io.demo_generator_hash(),
        "boundaries_id": boundaries.boundaries_id(paths)}
    ws = io.read_workspace(out)
    generated = demo.build_demo_layers(seed=7)
    assert set(ws.layers) == set(LAYERS)
    for name in LAYERS:
        pd.testing.assert_frame_equal(pd.DataFrame(ws.layers[name]).drop(columns="geometry"),
                                      pd.DataFrame(generated[name]).drop(columns="geometry"), check_exact=True)
        assert ws.layers[name].geometry.geom_equals_exact(generated[name].geometry, tolerance=0).all()
    for layer, path in paths.items():
        assert path.name == f"demo_{layer}.geojson"
        assert boundaries.boundaries_meta(path)["generator_hash"] == io.demo_generator_hash()
    lines = capsys.readouterr().out.strip().splitlines()
    assert str(out) in lines[0] and f"roads {len(generated['roads']):,}" in lines[0]
    assert all(str(p) in lines[1] for p in paths.values())


def test_cli_default_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Default output paths; only the shipped borough (seed 7, scale 1) gets boundary files."""
    calls: list[tuple[object, dict[str, object]]] = []

    def write_demo_workspace(path, layers, **kwargs):  # records instead of writing
        calls.append((path, kwargs))
        return dict(layers)

    monkeypatch.setattr(demo_cli, "write_demo_workspace", write_demo_workspace)
    monkeypatch.setenv("PATCHWORK_BOUNDARIES_DIR", str(tmp_path / "boundaries"))
    monkeypatch.chdir(tmp_path)
    demo_cli.main([])
    demo_cli.main(["--scale", "2"])
    assert [str(c[0]) for c in calls] == ["workspaces/demo.gpkg", "workspaces/demo_x2.gpkg"]
    assert [(c[1]["seed"], c[1]["scale"]) for c in calls] == [(7, 1), (7, 2)]
    assert calls[0][1]["boundaries"] == boundaries.demo_boundary_paths() and calls[1][1]["boundaries"] is None
    assert all(p.exists() for p in boundaries.demo_boundary_paths().values())


@pytest.mark.parametrize("argv", [["--scale", "0"], ["--seed", "-1"]])
def test_cli_rejects_bad_options(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        demo_cli.main(argv)
    assert exc.value.code == 2


def test_generator_is_pure_and_entry_point_works() -> None:
    """geo.demo never imports geo.io (geo.io imports geo.demo); `python -m geo.demo` still runs."""
    probe = "import sys, geo.demo; print(sorted(m for m in sys.modules if m.startswith('geo.io')))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    done = subprocess.run([sys.executable, "-m", "geo.demo", "--help"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert "--scale" in done.stdout and "--seed" in done.stdout and "--out" in done.stdout


def test_generator_hash_covers_every_demo_module() -> None:
    """demo_generator_hash reads geo/demo/*.py: no demo code may hide in a subfolder it would miss."""
    folder = ROOT / "geo" / "demo"
    assert sorted(folder.rglob("*.py")) == sorted(folder.glob("*.py"))
