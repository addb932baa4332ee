"""geo.read.area (the pure half of building a workspace) and geo.io.WorkspaceSources, without files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo import io
from geo.model import CRS, DataError
from geo.read import area
from geo.read.iod import LsoaTable
from geo.read.report import ImportReport

X0, Y0 = 450_000, 318_000


def wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"ward_code": ["W1", "W2"], "ward_name": ["West", "East"]},
                            geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
                            crs=CRS)


def lsoas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"lsoa_code": ["L1", "L2", "L3"]},
                            geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
                                      box(X0 + 9000, Y0, X0 + 9500, Y0 + 500)], crs=CRS)


def table(values: dict[str, list[float]], *, codes: list[str], edition: int | None = None,
          source: str = "t.csv") -> LsoaTable:
    frame = pd.DataFrame(values, index=pd.Index(codes, name="lsoa_code"))
    return LsoaTable(source=source, kind="test", lsoa_year=2011, edition=edition, values=frame, code_column="code",
                     report=ImportReport(source, "test"))


def test_lsoas_in_area_keeps_the_inner_ones_and_names_their_ward() -> None:
    report = ImportReport("l.geojson", "LSOAs")
    inside = area.lsoas_in_area(lsoas(), wards(), report=report)
    assert inside["lsoa_code"].tolist() == ["L1", "L2"] and inside["ward_code"].tolist() == ["W1", "W2"]
    assert any("1 LSOAs lie outside" in n for n in report.notes)
    far = lsoas().iloc[[2]]
    with pytest.raises(DataError, match=r"l.geojson: no LSOA lies inside the wards"):
        area.lsoas_in_area(far, wards(), report=report)


def test_join_lsoa_tables_fills_from_later_tables_and_marks_the_edition() -> None:
    frame = lsoas().iloc[:2].assign(population=[1.0, 2.0])
    t1 = table({"imd_decile": [3, np.nan]}, codes=["L1", "L2"], edition=2019)
    t2 = table({"imd_decile": [9, 4], "population": [1500, 1600]}, codes=["L1", "L2"])
    out, editions = area.join_lsoa_tables(frame, [t1, t2])
    assert editions == [2019]
    assert out["imd_decile"].tolist() == [3, 4]  # the first table wins; the second fills its gap
    assert out["population"].tolist() == [1500, 1600]  # a table's column replaces the boundary file's
    assert out["imd_edition"].tolist() == [2019, 2019]
    assert frame["population"].tolist() == [1.0, 2.0]  # the input is not changed
    plain, none = area.join_lsoa_tables(frame, [table({"population": [5, 6]}, codes=["L1", "L2"])])
    assert none == [] and "imd_edition" not in plain


def test_check_lsoa_values_names_the_population_file_and_flags_missing_imd() -> None:
    report = ImportReport("l.geojson", "LSOAs")
    no_pop = lsoas().iloc[:2]
    with pytest.raises(DataError, match=r"l.geojson, column 'population': the LSOAs have no population"):
        area.check_lsoa_values(no_pop, [], report=report)
    pop = table({"population": [5.0]}, codes=["L1"], source="pop.csv")
    short = no_pop.assign(population=[5.0, np.nan])
    with pytest.raises(DataError, match=r"pop.csv, column 'population': has no population for 1 of the 2 LSOAs \(L2\)"):
        area.check_lsoa_values(short, [pop], report=report)
    area.check_lsoa_values(no_pop.assign(population=[5.0, 6.0], imd_decile=[1, np.nan]), [pop], report=report)
    assert [str(i) for i in report.flagged] == ["imd_decile: 1 LSOAs have no IMD decile (L2)"]
    area.check_lsoa_values(no_pop.assign(population=[5.0, 6.0]), [pop], report=report)
    assert report.notes[-1].startswith("no IMD decile in the tables given")


def test_clip_osm_layers_cuts_routes_and_notes_what_was_left_out() -> None:
    zone = area.study_area(wards())
    roads = gpd.GeoDataFrame({"road_id": ["near", "far"]},
                             geometry=[LineString([(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20)]),
                                       LineString([(X0 + 50_000, Y0), (X0 + 50_100, Y0)])], crs=CRS)
    routes = gpd.GeoDataFrame({"route_id": ["r"]}, geometry=[LineString([(X0 - 10_000, Y0), (X0 + 500, Y0)])], crs=CRS)
    report = ImportReport("x.osm.pbf", "OpenStreetMap extract")
    out = area.clip_osm_layers({"roads": roads, "bus_routes": routes}, zone, report=report)
    assert out["roads"]["road_id"].tolist() == ["near"]
    assert out["bus_routes"].geometry.iloc[0].bounds[0] == pytest.approx(X0 - area.AREA_BUFFER_M)
    assert report.notes == ["roads: 1 of 2 lie more than 2 km outside the study area and were left out."]
    assert len(roads) == 2  # inputs unchanged


def test_gtfs_replaces_osm_stops_and_naptan_only_without_gtfs() -> None:
    zone = area.study_area(wards())
    stops = gpd.GeoDataFrame({"stop_id": ["a", "b"]}, geometry=[Point(X0 + 5, Y0 + 5), Point(X0 + 90_000, Y0)],
                             crs=CRS)
    layers = {"bus_stops": stops.iloc[:1]}
    rep = ImportReport("feed.zip", "GTFS")
    with_feed = area.with_gtfs(layers, {"bus_stops": stops}, zone, report=rep)
    assert with_feed["bus_stops"]["stop_id"].tolist() == ["a"] and "replace those from OpenStreetMap" in rep.notes[0]
    assert layers["bus_stops"] is not with_feed["bus_stops"]
    rep = ImportReport("Stops.csv", "NaPTAN")
    kept = area.with_naptan(with_feed, stops, zone, report=rep, gtfs_given=True)
    assert kept["bus_stops"] is with_feed["bus_stops"]
    assert rep.notes == ["1 stops lie in or near the study area.",
                         "the GTFS feed's stops are used; NaPTAN stops were not added."]
    added = area.with_naptan({}, stops, zone, report=ImportReport("Stops.csv", "NaPTAN"), gtfs_given=False)
    assert added["bus_stops"]["stop_id"].tolist() == ["a"]


def test_merge_points_keeps_identifiers_unique() -> None:
    def venues(ids: list[str]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"venue_id": ids, "name": ids}, geometry=[Point(X0, Y0)] * len(ids), crs=CRS)

    out = area.merge_points("venues", [venues(["1", "2"]), venues(["1"])], existing=venues(["n5"]))
    assert out["venue_id"].tolist() == ["n5", "1", "2", "3-1"] and out.crs == CRS
    assert area.merge_points("venues", [venues(["1"])])["venue_id"].tolist() == ["1"]


def test_workspace_meta() -> None:
    report = ImportReport("w.geojson", "wards", rows_read=2, rows_used=2)
    meta = area.workspace_meta(name="Tiny", editions=[2015, 2019], lsoa_year=2011, ward_year=None,
                               used={"osm", "ons", "os"}, sources=["w.geojson", "l.geojson"], reports=[report],
                               participants=True, built_at=dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC))
    assert meta["imd_edition"] == "2019" and meta["lsoa_year"] == "2011" and meta["ward_year"] == ""
    assert meta["attribution"] == "; ".join(area.ATTRIBUTION[k] for k in ("ons", "os", "osm"))
    assert json.loads(meta["sources"]) == ["w.geojson", "l.geojson"]
    assert json.loads(meta["import_report"])[0]["rows_used"] == 2
    assert meta["built_at"] == "2025-06-01T12:00:00+00:00" and "salted hashes" in meta["participants_note"]
    assert "participants_note" not in area.workspace_meta(
        name="T", editions=[], lsoa_year=None, ward_year=2025, used=set(), sources=[], reports=[],
        participants=False, built_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))


# ---- WorkspaceSources ------------------------------------------------------------------------------
def test_workspace_sources_are_frozen_tuples_and_name_their_files() -> None:
    mapping = {"venues": {"name": "Centre"}}
    s = io.WorkspaceSources(wards="w.geojson", lsoas=Path("l.geojson"), tables=["a.csv", "b.csv"],
                            osm="x.osm.pbf", venues=["v.csv"], participants=["people.csv"],
                            postcodes=[io.Upload("cp.csv", b"")], mappings=mapping)
    assert s.tables == ("a.csv", "b.csv") and s.partners == ()
    mapping["venues"]["name"] = "changed"
    assert s.mappings == {"venues": {"name": "Centre"}}  # a copy: later edits do not leak in
    with pytest.raises(AttributeError):
        s.osm = None  # type: ignore[misc]
    assert s.steps() == 5 + 1 + 1 + 1
    assert s.named() == ["w.geojson", "l.geojson", "a.csv", "b.csv", "x.osm.pbf", "v.csv", "cp.csv"]  # no people


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"tables": "File_1.csv"}, "tables", "tables is one file, not a list"),
    ({"venues": Path("v.csv")}, "venues", "venues is one file"),
    ({"lsoa_year": 2015}, "lsoa_year", "lsoa_year 2015 is not an LSOA vintage"),
    ({"margin_km": -1.0}, "margin_km", "margin_km -1.0 is not a distance"),
    ({"margin_km": float("nan")}, "margin_km", "margin_km nan is not a distance"),
])
def test_workspace_sources_refuse_bad_values_naming_the_field(kwargs: dict[str, object], field: str,
                                                              message: str) -> None:
    with pytest.raises(DataError, match=message) as err:
        io.WorkspaceSources(wards="w.geojson", lsoas="l.geojson", **kwargs)  # type: ignore[arg-type]
    assert [p.column for p in err.value.problems] == [field]


def test_workspace_sources_list_every_problem_at_once() -> None:
    with pytest.raises(DataError) as err:
        io.WorkspaceSources(wards="w", lsoas="l", tables="t.csv", lsoa_year=1999, margin_km=-2)  # type: ignore[arg-type]
    assert [p.column for p in err.value.problems] == ["tables", "lsoa_year", "margin_km"]
