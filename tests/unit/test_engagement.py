"""Engagement by road on hand-made streets."""

import datetime as dt

import geopandas as gpd
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from geo.analyse.engagement import (
    engagement_by_road,
    filter_participants,
    pct_engaged_by,
    road_counts_for_segments,
    snap_to_roads,
)

W = "EPSG:27700"
WARDS = gpd.GeoDataFrame({"ward_code": ["A", "B"], "ward_name": ["West", "East"]},
                         geometry=[Polygon([(0, -500), (1000, -500), (1000, 500), (0, 500)]),
                                   Polygon([(1000, -500), (2000, -500), (2000, 500), (1000, 500)])], crs=W)
# Mill Lane runs through both wards (two roads: one per ward); Church St in A; one unnamed path.
ROADS = gpd.GeoDataFrame(
    {"road_id": ["1", "2", "3", "4", "5"],
     "name": ["Mill Lane", "Mill Lane", "Mill Lane", "Church Street", ""],
     "households": [10, 10, 20, 5, 0]},
    geometry=[LineString([(0, 0), (500, 0)]), LineString([(500, 0), (1000, 0)]),
              LineString([(1000, 0), (2000, 0)]), LineString([(200, 0), (200, 400)]),
              LineString([(600, 300), (900, 300)])], crs=W)


def people(points, dates=None, cohorts=None):
    n = len(points)
    return gpd.GeoDataFrame(
        {"participant_id": [f"p{i}" for i in range(n)],
         "enrolled_on": pd.to_datetime(dates or ["2024-01-01"] * n),
         "cohort": cohorts or ["Hardest to Help"] * n},
        geometry=[Point(p) for p in points], crs=W)


def test_snap_nearest_within_limit():
    p = people([(100, 10), (1500, -30), (600, 290), (700, 150)])
    idx = snap_to_roads(p, ROADS, max_m=50)
    # (600,290) is 10 m from the unnamed path; (700,150) is 150 m from everything.
    assert list(idx) == [0, 2, 4, -1]


def test_engagement_by_hand():
    # 3 on Mill Lane (West) incl. one on each West segment, 1 on Mill Lane (East),
    # 1 near the unnamed path (snaps to nearest *named* road instead? No: 200 m away -> unmatched).
    p = people([(100, 10), (800, -5), (300, 20), (1500, 0), (750, 300)])
    r = engagement_by_road(p, ROADS, wards=WARDS, max_m=50)
    t = r.roads.set_index("road_key")
    assert t.loc["A|Mill Lane", "participants"] == 3
    assert t.loc["A|Mill Lane", "segments"] == 2 and t.loc["A|Mill Lane", "households"] == 20
    assert t.loc["B|Mill Lane", "participants"] == 1
    assert t.loc["A|Church Street", "participants"] == 0
    assert r.roads_total == 3 and r.roads_engaged == 2
    assert r.matched == 4 and r.unmatched == 1
    assert round(r.pct_roads_engaged, 2) == 66.67
    assert list(road_counts_for_segments(r)) == [3, 3, 1, 0, 0]
    by_ward = pct_engaged_by(r).set_index("ward_code")
    assert by_ward.loc["A", "roads"] == 2 and by_ward.loc["A", "roads_engaged"] == 1
    assert by_ward.loc["B", "pct_engaged"] == 100.0


def test_point_beyond_limit_is_unmatched_not_dropped():
    r = engagement_by_road(people([(100, 60)]), ROADS, wards=WARDS, max_m=50)
    assert r.unmatched == 1 and r.matched == 0 and r.roads_engaged == 0


def test_filters():
    p = people([(0, 0)] * 3, dates=["2023-01-01", "2024-06-01", "2025-12-31"],
               cohorts=["Hardest to Help", "Rapid Progression", "Hardest to Help"])
    assert len(filter_participants(p, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31))) == 2
    assert len(filter_participants(p, cohorts=["Rapid Progression"])) == 1
    assert len(filter_participants(p, cohorts=[])) == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 2000), st.floats(-500, 500)), max_size=30),
       st.floats(1, 300))
def test_every_participant_counted_once(points, max_m):
    r = engagement_by_road(people(points), ROADS, wards=WARDS, max_m=max_m)
    assert r.matched + r.unmatched == len(points)
    assert r.roads["participants"].sum() == r.matched
    assert 0 <= r.roads_engaged <= r.roads_total
