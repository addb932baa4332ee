"""Importers on the real files in ../shared/data (PATCHWORK_DATA): the issue's acceptance cases.

Figures are attached to the test report with `record_property` (and printed with -s).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo import io
from geo.model import DataError, points_for_reach, ward_years
from geo.plan.places import resolve_workspace_wards


@pytest.fixture(autouse=True)
def _workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))


def _iod19(d):
    return [d / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
            d / "imd" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz",
            d / "imd" / "File_6_-_IoD2019_Population_Denominators.csv.gz"]


def test_wolverhampton_2011_lsoas_iod2019_codepoint(data_dir, tmp_path, record_property):
    # Wolverhampton's libraries placed by postcode only, through Code-Point Open WV (headerless, as published)
    libs = pd.read_csv(data_dir / "venues" / "libraries_target_lads_with_wd25.csv", dtype=str)
    libs = libs[libs["LAD25CD"] == "E08000031"]
    by_postcode = tmp_path / "wolverhampton_libraries.csv"
    libs[["name", "address", "postcode"]].to_csv(by_postcode, index=False)
    sources = io.WorkspaceSources(
        wards=data_dir / "boundaries" / "wards" / "E08000031.geojson",
        lsoas=data_dir / "boundaries" / "lsoa11" / "E08000031.geojson", tables=_iod19(data_dir),
        postcodes=[data_dir / "postcodes" / "codepoint_open_2025_4" / "Data" / "CSV" / "wv.csv"],
        venues=[by_postcode], venue_kind="library")
    result = io.build_workspace(sources, name="Wolverhampton", out=tmp_path / "wolverhampton.gpkg")
    ws = io.read_workspace(result.path)
    lsoas = ws.layer("lsoas")
    assert len(lsoas) == 158 and lsoas["lsoa_code"].str.startswith("E01").all()
    for col in ("imd_decile", "population", "working_age", "income_decile", "employment_decile", "ward_code"):
        assert lsoas[col].notna().all(), col
    assert set(lsoas["imd_edition"]) == {2019} and ws.meta["imd_edition"] == "2019"
    assert lsoas["imd_decile"].between(1, 10).all() and (lsoas["population"] > 500).all()
    assert len(ws.layer("wards")) == 20 and ws.meta["ward_year"] == "2025"
    venues = ws.layer("venues")
    vrep = next(r for r in result.reports if r.what == "venues")
    record_property("wolverhampton", {"lsoas": len(lsoas), "wards": 20, "libraries_read": vrep.rows_read,
                                      "libraries_placed": len(venues), "rejected": [str(r) for r in vrep.rejected]})
    assert len(venues) >= 0.9 * len(libs) and (venues["kind"] == "library").all()
    # every library placed by postcode lies within 1 km of the coordinates the source gives
    src = libs.drop_duplicates("name", keep=False)
    src = gpd.GeoDataFrame(src, geometry=gpd.points_from_xy(src["lng"].astype(float), src["lat"].astype(float)),
                           crs=4326).to_crs(27700).set_index("name")
    placed = venues.drop_duplicates("name", keep=False).set_index("name")
    common = placed.index.intersection(src.index)
    gaps = placed.loc[common].geometry.distance(src.loc[common].geometry, align=True)
    assert len(common) > 10 and (gaps < 1000).all(), gaps.sort_values().tail()


def test_liverpool_2021_lsoas_iod2025_census(data_dir, tmp_path, record_property):
    lsoa_file = data_dir / "boundaries" / "lsoa21" / "E08000012.geojson"
    sources = io.WorkspaceSources(
        wards=data_dir / "boundaries" / "wards" / "E08000012.geojson",
        lsoas=lsoa_file, tables=[data_dir / "imd" / "imd2025_england_lsoa21.csv.gz",
                                 data_dir / "population" / "census21_pop_lsoa21.csv.gz"])
    result = io.build_workspace(sources, name="Liverpool", out=tmp_path / "liverpool.gpkg")
    ws = io.read_workspace(result.path)
    lsoas = ws.layer("lsoas")
    n_file = pyogrio.read_info(lsoa_file)["features"]
    record_property("liverpool", {"lsoas": len(lsoas), "in_file": n_file, "wards": len(ws.layer("wards"))})
    assert len(lsoas) == n_file == 302
    for col in ("imd_decile", "imd_score", "employment_score", "population", "working_age", "ward_code"):
        assert lsoas[col].notna().all(), col
    assert set(lsoas["imd_edition"]) == {2025} and ws.meta["lsoa_year"] == "2021"
    assert (lsoas["imd_decile"] == 1).sum() > 100  # Liverpool: many LSOAs in England's most deprived tenth


def test_iod2019_refused_on_liverpool_2021_lsoas(data_dir, tmp_path):
    with pytest.raises(DataError, match=r"File_1_-_IMD2019.*2011 LSOAs, but the LSOA boundaries in .*E08000012.geojson "
                                        r"are 2021 LSOAs"):
        io.build_workspace(io.WorkspaceSources(wards=data_dir / "boundaries" / "wards" / "E08000012.geojson",
                                               lsoas=data_dir / "boundaries" / "lsoa21" / "E08000012.geojson",
                                               tables=_iod19(data_dir)[:1]), name="X", out=tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()


def test_rutland_osm(data_dir, record_property):
    layers, _report = io.import_osm(data_dir / "osm" / "rutland-latest_2018-02.osm.pbf")
    roads, venues, routes, stops = (layers[k] for k in ("roads", "venues", "bus_routes", "bus_stops"))
    named = roads[roads["name"] != ""]
    kinds = venues["kind"].value_counts().to_dict()
    record_property("rutland", {"roads": len(roads), "named_roads": len(named), "venues": kinds,
                                "routes": routes["name"].tolist(), "stops": len(stops)})
    assert len(named) > 1500 and named["name"].str.contains("Road|Street|Lane").any()
    assert kinds.get("library", 0) >= 3 and kinds.get("community_centre", 0) >= 2 and kinds.get("church_hall", 0) > 50
    assert len(routes) == 4
    assert {"Centrebus 19", "Rutland Flyer 1", "Service No 12"} <= set(routes["name"])
    assert (routes.geometry.length > 1000).all() and len(stops) >= 20


def test_salvation_army_wrong_coordinates_rejected_and_named(data_dir, record_property):
    path = data_dir / "venues" / "salvation_army_locations_target_subset.csv"
    index, _ = io.import_postcodes([data_dir / "postcodes" / "codepoint_open_2025_4"])
    res = io.import_points(path, layer="venues", postcodes=index, default_kind="church_hall")
    rejected = [str(r) for r in res.report.rejected]
    record_property("salvation_army", {"read": res.report.rows_read, "used": res.report.rows_used,
                                       "rejected": rejected})
    assert rejected == ["row 28, lat/lon: 37.10, -113.57 lies outside Great Britain",
                        "row 29, lat/lon: 41.29, -96.15 lies outside Great Britain"]
    src = pd.read_csv(path, dtype=str)
    assert res.report.rows_read == len(src) == 28 and res.report.rows_used == 26
    assert set(res.frame["name"]) == set(src["name"]) - {"Bolton Citadel", "Grimsby"}
    # where the postcode file covers the postcode, the coordinates agree with it
    assert not [f for f in res.report.flagged if "from its postcode" in f.reason]
    assert "email" not in res.frame.columns and "phone" not in res.frame.columns


def test_wolverhampton_libraries_limited_to_the_area(data_dir, tmp_path, capsys, record_property):
    """Issue 12, item 2, with the README's command: of the 349 libraries in the file, the 18 in
    Wolverhampton and 6 within 2 km of it are the workspace's; the other 325 (309 of them more than
    5 km out) are left out and counted, or kept for reach only when asked."""
    base = ["import", "--name", "Wolverhampton", "--wards", str(data_dir / "boundaries/wards/E08000031.geojson"),
            "--lsoas", str(data_dir / "boundaries/lsoa11/E08000031.geojson"),
            "--tables", *map(str, _iod19(data_dir)),
            "--postcodes", str(data_dir / "postcodes/codepoint_open_2025_4"),
            "--venues", str(data_dir / "venues/libraries_target_lads_with_wd25.csv"), "--venue-kind", "library"]
    assert io.main([*base, "--out", str(tmp_path / "left_out.gpkg")]) == 0
    printed = capsys.readouterr().out
    assert "325 venues more than 2 km outside the area were left out" in printed
    ws = io.read_workspace(tmp_path / "left_out.gpkg")
    assert len(ws.layer("venues")) == 24 and not ws.has("venues_outside")
    assert io.main([*base, "--keep-outside", "--out", str(tmp_path / "kept.gpkg")]) == 0
    kept = io.read_workspace(tmp_path / "kept.gpkg")
    reach = points_for_reach(kept, "venues")
    record_property("wolverhampton_libraries", {"in_area": len(kept.layer("venues")),
                                                "outside_kept": len(kept.layer("venues_outside"))})
    assert len(kept.layer("venues")) == 24 and len(kept.layer("venues_outside")) == 325
    assert int(reach["outside_area"].sum()) == 325 and reach["venue_id"].is_unique
    assert "Acocks Green Library" in set(kept.layer("venues_outside")["name"])
    assert "Acocks Green Library" not in set(kept.layer("venues")["name"])


def test_wolverhampton_wards_of_two_years_resolve_bilston_east(data_dir, tmp_path, record_property):
    """Issue 12, item 15: the ready-made GeoPackage's 2013 wards (and the 2013 ONS file given on its own)
    go into the workspace, and 'Bilston East' resolves to its 2013 boundary, mostly Bilston South."""
    common = {"lsoas": data_dir / "boundaries/lsoa11/E08000031.geojson", "tables": _iod19(data_dir)[::2]}
    from_gpkg = io.read_workspace(io.build_workspace(io.WorkspaceSources(
        wards=data_dir / "gpkg/E08000031_Wolverhampton.gpkg", **common), name="W", out=tmp_path / "a.gpkg").path)
    from_files = io.read_workspace(io.build_workspace(io.WorkspaceSources(
        wards=data_dir / "boundaries/wards/E08000031.geojson",
        older_wards=[data_dir / "boundaries/wards_2013/E08000031.json"], **common), name="W", out=tmp_path / "b.gpkg"
    ).path)
    for ws in (from_gpkg, from_files):
        assert len(ws.layer("wards")) == 20 and set(ws.layer("wards")["boundary_year"]) == {2025}
        assert len(ws.layer("wards_older")) == 20 and ws.meta["older_ward_years"] == "2013"
        found = resolve_workspace_wards(["Bilston East", "Bilston South"], ward_years(ws))
        assert found["boundary"].tolist() == ["legacy", "current"] and found["boundary_year"].tolist() == [2013, 2025]
        shares = found["shares"].iloc[0]
        assert max(shares, key=shares.get) == "Bilston South" and 0.85 < shares["Bilston South"] < 0.97
    record_property("bilston_east", found["note"].iloc[0])
