"""The Map and Gaps pages' KPI, legend and table content (geo.out.kpis, legends, gaps_view), by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from geo.analyse.deprivation import DeprivedCount
from geo.analyse.engagement import RoadEngagement
from geo.analyse.gaps import OUTSIDE, ShareKpi
from geo.analyse.reach import ReachResult
from geo.out import gaps_view, kpis, legends
from ui.catchment import nearest_venue


def engagement(roads: int, engaged: int, unmatched: int = 0) -> RoadEngagement:
    table = pd.DataFrame({"road_key": [f"r{i}" for i in range(roads)], "engaged": [i < engaged for i in range(roads)]})
    return RoadEngagement(roads=table, segment_counts=np.zeros(roads, "int64"),
                          segment_keys=pd.Series(table["road_key"]), matched=0, unmatched=unmatched)


def test_map_kpis_suppress_small_counts_and_say_no_bus_data():
    got = kpis.map_kpis(people=3, engagement=engagement(4, 1), deprived=DeprivedCount(2, 9, 2),
                        near_stop=None, stop_radius_m=400.0)
    assert [(label, value) for label, value, _ in got] == [
        ("Participants engaged", "<5"), ("Roads with residents engaged", "25%"),
        ("LSOAs in most deprived 20%", "2 of 9"), ("Venues within 400 m of a bus stop", "no bus data")]
    near = kpis.map_kpis(people=12, engagement=engagement(0, 0), deprived=DeprivedCount(0, 0, 2),
                         near_stop=np.array([True, False, True]), stop_radius_m=400.0)
    assert near[1][1] == "no roads" and near[3][1] == "2 of 3" and near[0][1] == "12"


def test_reach_kpis_by_mode():
    lsoas = pd.DataFrame({"lsoa_code": ["A", "B"], "walk_min": [12.0, 40.0], "bus_min": [np.inf, 14.0],
                          "best_min": [12.0, 14.0], "estimate": [False, False]})
    result = ReachResult(walk_min=np.zeros(0), bus_min=np.zeros(0), best_min=np.zeros(0), mode=np.zeros(0),
                         estimate=np.zeros(0, dtype=bool), lsoas=lsoas)
    per_road = pd.DataFrame({"walk_min": [5.0, 25.0], "bus_min": [np.inf, 10.0], "best_min": [5.0, 10.0],
                             "estimate": [False, True]})
    best = kpis.reach_kpis(result, per_road, mode="best", venues_counted=3, venues_total=5, open_at_a_time=True)
    assert best[0] == ("Venues that count", "3 of 5",
                       "Venues not marked closed, of the kinds chosen and open at the time chosen.")
    assert best[1][:2] == ("Roads within 20 min of a venue (estimate)", "100%")
    assert best[2][:2] == ("LSOAs within 15 min of a venue", "2 of 2")
    walk = kpis.reach_kpis(result, None, mode="walk", venues_counted=3, venues_total=5, open_at_a_time=False)
    assert [k[1] for k in walk] == ["3 of 5", "1 of 2"] and walk[1][2].startswith("Walking, from each LSOA's")


def test_gap_kpis():
    split = pd.DataFrame({"group": ["deprived", "elsewhere"], "roads": [4, 0], "roads_engaged": [1, 0],
                          "pct_engaged": [25.0, np.nan]}).set_index("group")
    got = kpis.gap_kpis(ShareKpi(300, 1200, True), split, unmatched=2, snap_m=50.0)
    assert [(label, value) for label, value, _ in got] == [
        ("Most deprived 20%: within 15 min of a venue (estimate)", "25%"),
        ("Roads engaged in deprived LSOAs", "25%"), ("Roads engaged elsewhere", "no roads"),
        ("Participants not matched to a road", "<5")]
    assert got[1][2].startswith("1 of 4 roads in LSOAs of IMD decile 1 or 2")
    assert [k[0] for k in kpis.gap_kpis(ShareKpi(0, 0, False), None, unmatched=None, snap_m=50.0)] == [
        "Most deprived 20%: within 15 min of a venue"]


def test_map_legends_follow_the_layers_shown():
    base = legends.MapLegendInputs(shown=frozenset({"deprivation", "engagement", "venues"}), meeting=False,
                                   index_label="Income", has_roads=True, venue_kinds=("library",))
    assert [lg.title for lg in legends.map_legends(base)] == [
        "Income decile", "Participants per road", "Venues", "Boundaries"]
    reach = legends.MapLegendInputs(shown=frozenset({"engagement"}), meeting=False, index_label="Income",
                                    reach_mode="walk", reach_estimate=True, detour_factor=1.4, has_roads=False)
    first = legends.map_legends(reach)[0]
    assert first.title == "Reach time, walking (estimate)"
    assert [label for _, label in first.items][-2:] == ["30 minutes or more (or none)", "no data"]
    assert first.note == "Estimate: straight-line distance × 1.4 where there is no road network."
    ring = legends.catchment_legend("Beech Library", estimate=True)
    assert ring.title == "Walk from Beech Library (estimate)" and ring.items[0][1] == "within 10 minutes (solid line)"


def test_gap_legends():
    got = legends.gap_legends(7, unengaged_roads=False, estimate=True)
    assert [lg.title for lg in got] == ["Gap score", "Venues"] and got[0].items[0][1] == "top 7 gaps"
    assert got[-1].note.startswith("Reach times are straight-line")


def test_ranked_table_and_roads_text():
    table = pd.DataFrame({"rank": [1], "lsoa_code": ["E1"], "ward_code": ["W1"], "score": [0.12345],
                          "reason": ["why"], "decile": [2.0], "best_min": [np.inf], "estimate": [True],
                          "roads_engaged": pd.array([pd.NA], dtype="Int64"), "roads": pd.array([pd.NA], dtype="Int64"),
                          "working_age": [900.0], "need": [0.5], "lack": [0.25]})
    shown = gaps_view.ranked_table(table, lsoa_name={}, ward_name={"W1": "Westfield"})
    row = shown.iloc[0]
    assert (row["LSOA"], row["Ward"], row["Gap score"], row["Estimate"], row["Roads engaged"]) == \
        ("E1", "Westfield", 0.123, "estimate", "no data")
    assert np.isnan(row["Minutes to a venue"])
    assert gaps_view.roads_text(2, 5) == "2 of 5" and gaps_view.roads_text(0, 0) == "no roads"
    csv = gaps_view.table_csv(table).decode().splitlines()
    assert csv[0].split(",")[7] == "estimate" and csv[1].split(",")[7] == "estimate"
    assert gaps_view.area_label(OUTSIDE, {}) == "Outside every area"
    assert gaps_view.area_label("Total", {}) == "All areas"
    assert gaps_view.area_label("W1", {"W1": "West"}) == "West (W1)"


def test_core_bounds_ignore_the_far_lane():
    lines = [LineString([(x, 0), (x + 10, 0)]) for x in range(0, 1000, 10)] + [LineString([(50_000, 0), (50_010, 0)])]
    x0, _, x1, _ = gaps_view.core_bounds(gpd.GeoDataFrame(geometry=lines, crs="EPSG:27700"))
    assert x0 < 60 and 900 < x1 < 2000


def test_gap_layer_marks_the_top_gaps():
    web = gpd.GeoDataFrame({"lsoa_code": ["A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326")
    table = pd.DataFrame({"lsoa_code": ["B", "A"], "rank": [1, 2], "score": [0.9, 0.1], "reason": ["b", "a"]})
    out = gaps_view.gap_layer(web, table, {"B"})
    assert list(out["rank"]) == [2, 1] and list(out["top"]) == [False, True] and list(out["lsoa_name"]) == ["A", "B"]


def test_a_click_picks_the_nearest_venue_within_80_m():
    pts = pd.DataFrame({"venue_id": ["v1", "v2"], "lat": [52.0, 52.01], "lng": [-1.0, -1.0]})
    assert nearest_venue(pts, {"lat": 52.0003, "lng": -1.0}) == "v1"  # about 33 m away
    assert nearest_venue(pts, {"lat": 52.005, "lng": -1.0}) is None  # about 556 m from both
    assert nearest_venue(pts, None) is None
    assert nearest_venue(pts.iloc[:0], {"lat": 52.0, "lng": -1.0}) is None


@pytest.mark.parametrize("code_col", ["ward_code"])
def test_area_outcomes_suppress_and_list_areas_with_people(code_col):
    funnel = pd.DataFrame({code_col: ["W1", "W2"], "engaged": [12, 0], "embedded": [3, 0], "job_start": [6, 0],
                           "sustained_13w": [5, 0]})
    heard = pd.DataFrame({code_col: ["W1", "W2"], "Leaflet or event": [12, 0]})
    funnel_text, heard_text, codes = gaps_view.area_outcomes(funnel, heard, code_col=code_col)
    assert codes == ["W1"]
    assert funnel_text.loc["W1", "Embedded"] == "<5"
    assert list(gaps_view.stage_rows(funnel_text, "W1")["Stage"]) == list(gaps_view.STAGES.values())
    assert next(iter(gaps_view.source_rows(heard_text, "Total")["Source"])) == "Leaflet or event"
