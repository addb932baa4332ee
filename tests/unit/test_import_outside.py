"""Points outside the area (issue 12, item 2): one rule for every point importer.

Points within the area (the union of the wards) plus a margin (default 2 km) are the workspace's;
points further out are left out and counted in the report, or, when the user asks, kept in their own
layer (`venues_outside`, `partners_outside`) that only reach reads. The tiny area is the box
X0..X0+2000, Y0..Y0+1000 (British National Grid metres), so every distance here is worked by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo import io
from geo.assumptions import ReachAssumptions
from geo.model import CRS, OUTSIDE_LAYERS, DataError, points_for_reach, validate_workspace
from geo.plan import hubs
from geo.plan.popup_venues import candidate_venues
from geo.read import area, points
from geo.read.report import ImportReport
from tests.unit.test_import_area import X0, Y0, area_files

AREA = box(X0, Y0, X0 + 2000, Y0 + 1000)
#: (name, easting, northing, metres outside the area)
ROWS = [("Inside", X0 + 500, Y0 + 500, 0), ("Edge", X0 + 2000 + 1500, Y0 + 500, 1500),
        ("Just out", X0 - 2500, Y0 + 500, 2500), ("Town over", X0 + 1000, Y0 + 1000 + 40_000, 40_000)]


@pytest.fixture(autouse=True)
def _workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))


def table(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame({"name": [r[0] for r in rows], "easting": [str(r[1]) for r in rows],
                         "northing": [str(r[2]) for r in rows]})


def csv_text(rows=ROWS) -> str:
    return "name,kind,easting,northing\n" + "".join(f"{n},library,{e},{nn}\n" for n, e, nn, _ in rows)


# ---- the rule, on a table -------------------------------------------------------------------------
def test_points_beyond_the_margin_are_left_out_and_counted() -> None:
    t = points.points_from_table(table(), layer="venues", source="libraries.csv", area=AREA)
    assert t.frame["name"].tolist() == ["Inside", "Edge"]
    assert t.outside.empty and t.report.rows_read == 4 and t.report.rows_used == 2
    assert t.report.outside is not None and not t.report.outside.kept
    assert [str(r) for r in t.report.outside.rows] == [
        f"row 4, easting/northing: {X0 - 2500}.00, {Y0 + 500}.00 is 2.5 km outside the area",
        f"row 5, easting/northing: {X0 + 1000}.00, {Y0 + 41_000}.00 is 40.0 km outside the area"]
    assert t.report.outside_summary() == ("2 venues more than 2 km outside the area were left out "
                                          "(libraries.csv).")
    assert "2 left out" in t.report.summary() and not t.report.rejected and not t.report.flagged


def test_kept_outside_points_go_to_their_own_frame_flagged() -> None:
    t = points.points_from_table(table(), layer="partners", source="partners.csv", area=AREA, keep_outside=True)
    assert t.frame["name"].tolist() == ["Inside", "Edge"]
    assert t.outside["name"].tolist() == ["Just out", "Town over"] and t.outside_rows.tolist() == [4, 5]
    assert t.report.rows_used == 4 and t.report.outside is not None and t.report.outside.kept
    assert t.report.outside_summary() == (
        "2 partner sites more than 2 km outside the area were kept, flagged 'outside the area' (partners.csv): "
        "they count for reach only, never as hubs, satellites or session venues, nor in the area's figures.")


def test_the_margin_is_editable() -> None:
    t = points.points_from_table(table(), layer="venues", source="v.csv", area=AREA, margin_m=3000)
    assert t.frame["name"].tolist() == ["Inside", "Edge", "Just out"]
    assert t.report.outside_summary() == "1 venue more than 3 km outside the area was left out (v.csv)."
    t0 = points.points_from_table(table(), layer="venues", source="v.csv", area=AREA, margin_m=0)
    assert t0.frame["name"].tolist() == ["Inside"]


def test_without_an_area_nothing_is_limited() -> None:
    t = points.points_from_table(table(), layer="venues", source="v.csv")
    assert len(t.frame) == 4 and t.report.outside is None and t.report.outside_summary() is None


def test_participants_far_away_are_flagged_not_moved() -> None:
    frame = table().assign(participant_id=["a", "b", "c", "d"], enrolled_on="2024-01-02").drop(columns="name")
    t = points.points_from_table(frame, layer="participants", source="people.csv", area=AREA, salt=b"s" * 16)
    assert len(t.frame) == 4 and t.report.outside is None
    assert [f.row for f in t.report.flagged] == [4, 5]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-30_000, 30_000), st.floats(-30_000, 30_000)), min_size=1, max_size=25),
       st.floats(0, 10_000), st.booleans())
def test_inside_and_outside_partition_the_placed_rows(offsets, margin, keep) -> None:
    rows = [(f"p{i}", X0 + 1000 + dx, Y0 + 500 + dy, 0) for i, (dx, dy) in enumerate(offsets)]
    t = points.points_from_table(table(rows), layer="venues", source="v.csv", area=AREA, margin_m=margin,
                                 keep_outside=keep)
    inside_d = np.asarray([AREA.distance(g) for g in t.frame.geometry])
    assert (inside_d <= margin).all()
    out_n = len(t.report.outside.rows) if t.report.outside else 0
    assert len(t.frame) + out_n == len(rows)
    assert len(t.outside) == (out_n if keep else 0)
    assert all(AREA.distance(g) > margin for g in t.outside.geometry)
    assert t.report.rows_used == len(t.frame) + len(t.outside)
    wider = points.points_from_table(table(rows), layer="venues", source="v.csv", area=AREA, margin_m=margin + 500)
    assert set(t.frame["name"]) <= set(wider.frame["name"])


# ---- OpenStreetMap venues and bus stops follow the same rule ---------------------------------------
def _osm_venues() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"venue_id": ["n1", "n2", "w3"], "name": ["Hall", "Library", "Far church"],
                             "kind": ["community_centre", "library", "church_hall"]},
                            geometry=[Point(X0 + 100, Y0 + 100), Point(X0 - 1900, Y0), Point(X0 - 9000, Y0)], crs=CRS)


def test_osm_venues_limited_like_lists() -> None:
    roads = gpd.GeoDataFrame({"road_id": ["r"], "name": ["Lane"]},
                             geometry=[LineString([(X0 - 2500, Y0 + 10), (X0 - 2600, Y0 + 10)])], crs=CRS)
    rep = ImportReport("x.osm.pbf", "OpenStreetMap extract")
    out = area.clip_osm_layers({"venues": _osm_venues(), "roads": roads}, AREA, report=rep, buffer_m=3000)
    assert out["venues"]["venue_id"].tolist() == ["n1", "n2"] and "venues_outside" not in out
    assert out["roads"]["road_id"].tolist() == ["r"]  # within 3 km: the margin is the one setting
    assert rep.outside_summary() == "1 venue more than 3 km outside the area was left out (x.osm.pbf)."
    rep = ImportReport("x.osm.pbf", "OpenStreetMap extract")
    kept = area.clip_osm_layers({"venues": _osm_venues()}, AREA, report=rep, keep_outside=True)
    assert kept["venues"]["venue_id"].tolist() == ["n1", "n2"]
    assert kept["venues_outside"]["venue_id"].tolist() == ["w3"] and rep.outside and rep.outside.kept


def test_stops_use_the_margin_but_are_never_kept_outside() -> None:
    stops = gpd.GeoDataFrame({"stop_id": ["a", "b"], "name": ["A", "B"]},
                             geometry=[Point(X0 - 1500, Y0), Point(X0 - 2500, Y0)], crs=CRS)
    rep = ImportReport("Stops.csv", "NaPTAN")
    assert area.with_naptan({}, stops, AREA, report=rep, gtfs_given=False,
                            buffer_m=1000)["bus_stops"].empty
    assert area.with_naptan({}, stops, AREA, report=rep, gtfs_given=False,
                            buffer_m=2000)["bus_stops"]["stop_id"].tolist() == ["a"]


# ---- a built workspace: the area's layer, the outside layer, reach and candidates -------------------
def _build(tmp_path, **kw):
    f = area_files(tmp_path)
    venues = tmp_path / "libraries.csv"
    venues.write_text(csv_text(), encoding="utf-8")
    sources = io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"], f["f6"]], venues=[venues],
                                  **kw)
    return io.build_workspace(sources, name="Tiny", out=tmp_path / "tiny.gpkg")


def test_build_leaves_outside_venues_out_by_default(tmp_path) -> None:
    result = _build(tmp_path)
    ws = io.read_workspace(result.path)
    assert ws.layer("venues")["name"].tolist() == ["Inside", "Edge"] and not ws.has("venues_outside")
    assert result.counts["venues"] == 2 and ws.meta["area_margin_km"] == "2"
    assert ws.meta["outside_points"] == "left out"
    rep = next(r for r in result.reports if r.what == "venues")
    assert rep.outside_summary() == (f"2 venues more than 2 km outside the area were left out "
                                     f"({tmp_path / 'libraries.csv'}).")


def test_kept_outside_venues_count_for_reach_only(tmp_path) -> None:
    ws = io.read_workspace(_build(tmp_path, keep_outside=True, margin_km=1.0).path)
    assert ws.layer("venues")["name"].tolist() == ["Inside"]  # what hubs, pop-ups and KPIs read
    assert ws.layer("venues_outside")["name"].tolist() == ["Edge", "Just out", "Town over"]
    assert ws.meta["area_margin_km"] == "1" and ws.meta["outside_points"] == "kept"
    reach = points_for_reach(ws, "venues")
    assert reach["name"].tolist() == ["Inside", "Edge", "Just out", "Town over"]
    assert reach["outside_area"].tolist() == [False, True, True, True]
    assert reach["venue_id"].is_unique
    # even handed the reach layer, a planner never offers an outside venue as a hub or session venue
    assert hubs.candidate_mask(reach, []).tolist() == [True, False, False, False]
    assert points_for_reach(ws, "partners").empty and OUTSIDE_LAYERS["partners"] == "partners_outside"


def test_outside_identifiers_may_not_clash_with_the_area_layer(tmp_path) -> None:
    f = area_files(tmp_path)
    layers = {"wards": gpd.read_file(f["wards"]).rename(columns={"WD25CD": "ward_code", "WD25NM": "ward_name"}),
              "lsoas": gpd.GeoDataFrame({"lsoa_code": ["E01900001"], "population": [1]},
                                        geometry=[AREA], crs=CRS),
              "venues": _osm_venues().iloc[:1], "venues_outside": _osm_venues().iloc[:1]}
    with pytest.raises(DataError, match=r"layer 'venues_outside'.*identifier 'n1' is also in the venues layer"):
        validate_workspace(layers, source="t.gpkg")


def test_a_rebuild_uses_the_margin_recorded_in_the_workspace(tmp_path, capsys) -> None:
    f = area_files(tmp_path)
    venues = tmp_path / "libraries.csv"
    venues.write_text(csv_text(), encoding="utf-8")
    out = tmp_path / "cli.gpkg"
    base = ["import", "--name", "Tiny", "--out", str(out), "--wards", str(f["wards"]), "--lsoas", str(f["lsoas"]),
            "--tables", str(f["f1"]), str(f["f6"]), "--venues", str(venues)]
    assert io.main([*base, "--margin-km", "3", "--keep-outside"]) == 0
    assert "1 venue more than 3 km outside the area was kept" in capsys.readouterr().out
    assert io.main(base) == 0  # no margin given: the workspace's own
    ws = io.read_workspace(out)
    assert ws.meta["area_margin_km"] == "3" and ws.meta["outside_points"] == "kept"
    assert ws.layer("venues_outside")["name"].tolist() == ["Town over"]
    assert io.main([*base, "--margin-km", "1", "--no-keep-outside"]) == 0
    ws = io.read_workspace(out)
    assert ws.layer("venues")["name"].tolist() == ["Inside"] and not ws.has("venues_outside")
    assert io.previous_settings(out) == io.AreaSettings(margin_km=1.0, keep_outside=False)


def test_margin_refused_when_not_a_distance() -> None:
    with pytest.raises(DataError, match="margin_km -1 is not a distance") as err:
        io.WorkspaceSources(wards="w", lsoas="l", margin_km=-1)
    assert [p.column for p in err.value.problems] == ["margin_km"]


def test_a_session_venue_is_never_one_outside_the_area() -> None:
    # the nearest venue to the gap is the outside one (100 m away); the area's is 900 m away
    venues = gpd.GeoDataFrame({"venue_id": ["in", "out"], "name": ["Area hall", "Next-town hall"],
                               "kind": ["community_centre"] * 2, "outside_area": [False, True]},
                              geometry=[Point(X0 + 1000, Y0 + 500), Point(X0 + 100, Y0 + 500)], crs=CRS)
    gaps = pd.DataFrame({"lsoa_code": ["E01900001"], "score": [0.9], "x": [X0 + 100.0], "y": [Y0 + 400.0]})
    picked = candidate_venues(gaps, venues, assumptions=ReachAssumptions(), kinds=None)
    assert picked["venue_id"].tolist() == ["in"]
    assert candidate_venues(gaps, venues.assign(outside_area=False), assumptions=ReachAssumptions(),
                            kinds=None)["venue_id"].tolist() == ["out", "in"]
