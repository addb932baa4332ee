"""Reach and gaps on real places: Rutland (OpenStreetMap roads, venues, buses) and Wolverhampton
(wards, LSOAs with IMD 2019, libraries; no road network, so straight-line estimates).

Figures are printed (run with -s) and attached to the test report with `record_property`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.analyse.gaps import area_of_points, deprived_within_minutes, gap_table
from geo.analyse.hours import open_at, usable_venues
from geo.analyse.network import build_graph, components, street_groups
from geo.analyse.reach import compute_reach, reach_by_road
from geo.model import validate_layer

#: OSM amenity -> Patchwork venue kind (places of worship stand for church halls).
OSM_KIND = {"library": "library", "community_centre": "community_centre", "community_hall": "community_centre",
            "townhall": "community_centre", "place_of_worship": "church_hall"}


def _figures(rr: pd.DataFrame) -> dict[str, float]:
    def med(col: str) -> float:
        x = rr[col].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        return round(float(np.median(x)), 1) if x.size else float("nan")

    return {"roads": len(rr), "median_walk_min": med("walk_min"), "median_bus_min_where_bus": med("bus_min"),
            "median_best_min": med("best_min"), "share_best_within_15": round(float((rr["best_min"] <= 15).mean()), 3),
            "roads_with_bus_option": int(np.isfinite(rr["bus_min"]).sum()),
            "roads_bus_best": int((rr["mode"] == "bus").sum()), "roads_estimate": int(rr["estimate"].sum())}


# ------------------------------------------------------------------------------------------------ Rutland


@pytest.fixture(scope="module")
def rutland(data_dir):
    osm = data_dir / "osm"
    r = gpd.read_file(osm / "rutland_named_roads.geojson").to_crs(27700)
    roads = validate_layer(gpd.GeoDataFrame({"road_id": r["osm_id"], "name": r["name"], "highway": r["highway"]},
                                            geometry=r.geometry, crs=27700), "roads", source="rutland_named_roads")
    v = gpd.read_file(osm / "rutland_venues.geojson").to_crs(27700)
    venues = validate_layer(gpd.GeoDataFrame(
        {"venue_id": v["osm_id"], "name": v["name"].fillna("Unnamed " + v["amenity"].str.replace("_", " ")),
         "kind": v["amenity"].map(OSM_KIND)}, geometry=v.geometry, crs=27700), "venues", source="rutland_venues")
    b = gpd.read_file(osm / "rutland_bus_routes.geojson").to_crs(27700)
    routes = validate_layer(gpd.GeoDataFrame({"route_id": b["osm_id"], "name": b["name"].fillna(b["ref"])},
                                             geometry=b.geometry, crs=27700), "bus_routes", source="rutland_bus_routes")
    # Bus stops are not among the derived GeoJSON layers: read the stop nodes from the .osm.pbf itself
    # (GDAL's OSM driver, through pyogrio).
    pbf = osm / "rutland-latest_2018-02.osm.pbf"
    if "OSM" not in pyogrio.list_drivers():
        pytest.skip("GDAL has no OSM driver here: cannot read bus stops from the .osm.pbf")
    p = gpd.read_file(pbf, layer="points").to_crs(27700)
    s = p[p["highway"].eq("bus_stop")]
    stops = validate_layer(gpd.GeoDataFrame({"stop_id": s["osm_id"].astype(str), "name": s["name"].fillna("Bus stop")},
                                            geometry=s.geometry, crs=27700), "bus_stops", source="rutland pbf")
    return {"roads": roads, "venues": venues, "routes": routes, "stops": stops, "pbf": pbf}


def _road_keys(graph, roads) -> pd.Series:
    # No wards in the Rutland extract: a road is a named street whose same-named segments touch.
    lab = street_groups(graph, roads["name"])
    return pd.Series(np.where(lab >= 0, roads["name"].astype(str) + "#" + lab.astype(str), None))


def _check_rutland(result, roads, graph, record_property, label):
    rr = reach_by_road(result, roads, _road_keys(graph, roads))
    figures = _figures(rr)
    print(f"\nRutland, {label}: {figures}\n  " + "\n  ".join(result.assumptions))
    record_property(f"rutland {label}", figures)
    named = roads["name"].str.strip().ne("").to_numpy()
    assert np.isfinite(result.best_min[named]).all(), "every named road segment gets a reach time"
    assert np.isfinite(rr["best_min"]).all() and len(rr) > 1000
    assert (result.best_min <= result.walk_min).all() and (result.best_min <= result.bus_min).all()
    assert (rr["best_min"] <= rr["walk_min"] + 1e-9).all()
    assert len(result.routes_with_defaults) == 4  # no headways or speeds in OSM: all assumed
    return rr, figures


def test_rutland_all_venues(rutland, record_property):
    roads = rutland["roads"]
    g = build_graph(roads)
    assert np.unique(components(g)).size > 1  # named roads alone leave islands: estimates, labelled
    res = compute_reach(roads, rutland["venues"], graph=g, bus_stops=rutland["stops"], bus_routes=rutland["routes"])
    _rr, fig = _check_rutland(res, roads, g, record_property, "all 73 venues")
    assert res.estimate.any() and any("straight-line distance × 1.3 (estimate)" in a for a in res.assumptions)
    assert fig["roads_with_bus_option"] > 0
    assert 0.5 < fig["share_best_within_15"] < 1.0


def test_rutland_one_hub_bus_is_used(rutland, record_property):
    # "Will the hub's location reach all of the target community?" A single hub at All Saints,
    # Tinwell, beside the stop served by route 12 from Ketton: Ketton's roads are better off by bus.
    roads = rutland["roads"]
    g = build_graph(roads)
    hub = rutland["venues"][rutland["venues"]["name"].eq("All Saints, Tinwell")]
    assert len(hub) == 1
    res = compute_reach(roads, hub, graph=g, bus_stops=rutland["stops"], bus_routes=rutland["routes"])
    rr, fig = _check_rutland(res, roads, g, record_property, "hub at Tinwell only")
    assert fig["roads_bus_best"] > 0 and (res.mode == "bus").any()
    bus_rows = rr[rr["mode"] == "bus"]
    assert (bus_rows["bus_min"] < bus_rows["walk_min"]).all()


def test_rutland_full_osm_network_joins_the_islands(rutland, record_property):
    # The same venues on every highway in the .osm.pbf (named or not): unnamed lanes and paths join
    # the named-road islands, so far fewer times are straight-line estimates.
    lines = gpd.read_file(rutland["pbf"], layer="lines").to_crs(27700)
    lines = lines[lines["highway"].notna() & ~lines["highway"].isin(["motorway", "motorway_link"])]
    roads = validate_layer(gpd.GeoDataFrame({"road_id": lines["osm_id"].astype(str),
                                             "name": lines["name"].fillna(""), "highway": lines["highway"]},
                                            geometry=lines.geometry, crs=27700), "roads", source="rutland pbf lines")
    g = build_graph(roads)
    res = compute_reach(roads, rutland["venues"], graph=g, bus_stops=rutland["stops"], bus_routes=rutland["routes"])
    _rr, _ = _check_rutland(res, roads, g, record_property, "all venues, full OSM network")
    named_only = compute_reach(rutland["roads"], rutland["venues"])
    named = roads["name"].str.strip().ne("").to_numpy()
    assert res.estimate[named].mean() < 0.5 * named_only.estimate.mean()


# ------------------------------------------------------------------------------------------------ Wolverhampton

LSOA_COLUMNS = {
    "LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "pop_mid2015": "population",
    "working_age_pop_mid2015": "working_age", "IMD_decile": "imd_decile", "IMD_rank": "imd_rank",
    "Income_decile": "income_decile", "Employment_decile": "employment_decile",
    "Education_decile": "education_decile", "Health_decile": "health_decile", "Crime_decile": "crime_decile",
    "Housing_and_Access_decile": "housing_decile", "Environment_decile": "environment_decile",
}


@pytest.fixture(scope="module")
def wolverhampton(data_dir):
    gpkg = data_dir / "gpkg" / "E08000031_Wolverhampton.gpkg"
    layers = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert "lsoa11_imd2019" in layers and "wards_wd25" in layers
    w = gpd.read_file(gpkg, layer="wards_wd25").to_crs(27700)
    wards = validate_layer(gpd.GeoDataFrame({"ward_code": w["WD25CD"], "ward_name": w["WD25NM"],
                                             "lad_code": w["LAD25CD"]}, geometry=w.geometry, crs=27700), "wards")
    raw = gpd.read_file(gpkg, layer="lsoa11_imd2019").to_crs(27700)
    lsoas = raw.rename(columns=LSOA_COLUMNS)[[*LSOA_COLUMNS.values(), "geometry"]]
    lsoas["ward_code"] = area_of_points(lsoas.geometry.representative_point(), wards,
                                        code_col="ward_code").to_numpy()
    lsoas["imd_edition"] = 2019
    lsoas = validate_layer(lsoas, "lsoas", source="lsoa11_imd2019")
    v = pd.read_csv(data_dir / "venues" / "libraries_target_lads_with_wd25.csv")
    v = v[v["LAD25CD"].eq("E08000031")]
    venues = validate_layer(gpd.GeoDataFrame(
        {"venue_id": v["id"].astype(str), "name": v["name"], "kind": "library", "closed": v["closed"].notna()},
        geometry=gpd.points_from_xy(v["lng"], v["lat"]), crs=4326), "venues", source="libraries csv")
    return {"wards": wards, "lsoas": lsoas, "venues": venues}


def test_wolverhampton_reach_and_gaps_on_straight_lines(wolverhampton, record_property):
    lsoas, venues = wolverhampton["lsoas"], wolverhampton["venues"]
    assert len(lsoas) == 158
    open_now, notes = usable_venues(venues)
    assert len(venues) == 18 and len(open_now) == 16  # two rows are closed branches
    assert any("marked closed" in n for n in notes)
    # The CSV's hours are weekly totals ("35 hours per week"), not OSM opening_hours: all assumed.
    hours = open_at(open_now, dt.datetime(2025, 3, 3, 10, 0))
    assert hours.assumed.all() and hours.open.all()

    res = compute_reach(None, open_now, lsoas=lsoas)
    t = res.lsoas
    assert not res.network and t["estimate"].all()
    assert "straight-line distance × 1.3 (estimate: no road network)" in res.assumptions
    assert np.isfinite(t["best_min"]).all() and (t["best_min"] == t["walk_min"]).all()
    gaps = gap_table(lsoas, t, None)
    assert len(gaps) == 158 and gaps["lsoa_code"].is_unique
    assert gaps["reason"].str.contains(r"\(estimate\)").all()
    assert gaps["roads"].isna().all()  # no engagement data: unknown, not zero
    assert gaps["score"].is_monotonic_decreasing
    # The top gaps are deprived: need gates the score.
    assert (gaps.head(10)["decile"] <= 3).all()
    kpi = deprived_within_minutes(lsoas, t, minutes=15)
    figures = {"lsoas": 158, "median_best_min": round(float(t["best_min"].median()), 1),
               "max_best_min": round(float(t["best_min"].max()), 1),
               "share_lsoas_within_15": round(float((t["best_min"] <= 15).mean()), 3),
               "kpi_deprived_working_age_within_15": f"{kpi.numerator} of {kpi.denominator} ({kpi.share:.1%})",
               "top_gap": gaps.iloc[0]["lsoa_code"] + ": " + gaps.iloc[0]["reason"]}
    print(f"\nWolverhampton (libraries, straight-line estimate): {figures}")
    record_property("wolverhampton", figures)
    assert kpi.estimate and 0 < kpi.share < 1
