"""Reach times on hand-made networks, bus lines and straight lines; opening hours; catchments."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, Point, box

from geo.analyse.catchment import catchment
from geo.analyse.hours import DEFAULT_HOURS, is_open, open_at, parse_opening_hours, usable_venues
from geo.analyse.network import build_graph
from geo.analyse.paths import bounded_distance, distance_from
from geo.analyse.reach import (
    BANDS,
    Searches,
    compute_reach,
    population_weighted_points,
    prepare_network,
    reach_band,
    reach_bands,
    reach_by_road,
)
from geo.analyse.transit import route_rides
from geo.assumptions import ReachAssumptions
from geo.model import DataError
from tests.unit.test_network import GRID_SEGMENT_M, grid_lines

W = "EPSG:27700"


def roads_of(lines, **cols):
    data = {"road_id": [f"r{i}" for i in range(len(lines))], "name": [f"Street {i}" for i in range(len(lines))]}
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=list(lines), crs=W)


def venues_of(points, kinds=None, **cols):
    data = {"venue_id": [f"v{i}" for i in range(len(points))], "name": [f"Venue {i}" for i in range(len(points))],
            "kind": kinds or ["library"] * len(points)}
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=[Point(p) for p in points], crs=W)


# ---------------------------------------------------------------------------------------------- walking


def test_grid_two_venues_exact_walking_minutes():
    lines = grid_lines()
    r = compute_reach(roads_of(lines), venues_of([(0, 0), (150, 230)]))
    want = [GRID_SEGMENT_M[tuple(int(v) for v in ln.interpolate(0.5, normalized=True).coords[0])] / 80 for ln in lines]
    assert r.walk_min == pytest.approx(want)
    assert np.isinf(r.bus_min).all() and r.best_min == pytest.approx(want)
    assert set(r.mode) == {"walk"} and not r.estimate.any() and r.network
    assert r.assumptions == ["Walking at 80 m per minute."]
    assert reach_bands(r.best_min)[0] == "<10"


def test_lsoa_point_is_household_weighted_and_times_taken_there():
    # LSOA covers the bottom row of the grid; households 30 on (0,0)-(100,0) and 10 on (100,0)-(200,0):
    # weighted midpoint x = (50*30 + 150*10) / 40 = 75, y = 0. Venue at (0,0): 75 m = 0.9375 min.
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)])]
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["E01000001"], "population": [1500]},
                             geometry=[box(-10, -10, 210, 10)], crs=W)
    roads = roads_of(lines, households=[30, 10])
    pts = population_weighted_points(lsoas, roads)
    assert (pts.loc[0, "x"], pts.loc[0, "y"]) == pytest.approx((75.0, 0.0))
    assert pts.loc[0, "origin"] == "roads (households)"
    r = compute_reach(roads, venues_of([(0, 0)]), lsoas=lsoas)
    row = r.lsoas.iloc[0]
    assert row["walk_min"] == pytest.approx(75 / 80) and row["best_min"] == pytest.approx(75 / 80)
    assert row["mode"] == "walk" and not row["estimate"]


def test_inputs_not_mutated():
    roads = roads_of(grid_lines())
    venues = venues_of([(0, 0)])
    before_r, before_v = roads.copy(), venues.copy()
    compute_reach(roads, venues)
    pd.testing.assert_frame_equal(roads, before_r)
    pd.testing.assert_frame_equal(venues, before_v)


def test_graph_must_match_roads():
    roads = roads_of(grid_lines())
    with pytest.raises(ValueError, match="segments"):
        compute_reach(roads.iloc[:3], venues_of([(0, 0)]), graph=build_graph(roads))


@pytest.mark.parametrize("kw", [{"walk_m_per_min": 0}, {"detour_factor": 0.9}, {"max_walk_to_stop_m": -1},
                                {"default_trips_per_hour": float("nan")}])
def test_bad_parameters_rejected(kw):
    # the assumptions refuse a bad value when made, naming the field, so compute_reach never sees one
    (name,) = kw
    with pytest.raises(DataError) as err:
        ReachAssumptions(**kw)
    assert [p.column for p in err.value.problems] == [name]


def test_slower_walking_by_hand():
    # Walking 40 m a minute (half the default 80): every minute doubles. Road (0,0)-(100,0)-(300,0);
    # venue at (0,0); midpoints at 50 m and 200 m -> 1.25 and 5 minutes. Detour factor 2 for the
    # island (500, 300)-(500, 400), midpoint (500, 350): 2 x hypot(500, 350) / 40.
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (300, 0)]), LineString([(500, 300), (500, 400)])]
    slow = ReachAssumptions(walk_m_per_min=40.0, detour_factor=2.0)
    r = compute_reach(roads_of(lines), venues_of([(0, 0)]), assumptions=slow)
    assert r.walk_min == pytest.approx([50 / 40, 200 / 40, 2 * np.hypot(500, 350) / 40])
    assert list(r.estimate) == [False, False, True]
    assert r.assumptions[0] == "Walking at 40 m per minute."
    assert any("straight-line distance × 2 (estimate)" in a for a in r.assumptions)
    default = compute_reach(roads_of(lines), venues_of([(0, 0)]))
    assert r.walk_min[:2] == pytest.approx(2 * default.walk_min[:2])


def test_island_falls_back_to_straight_line_estimate():
    # A road not joined to the venue's network: 1.3 x straight line from its midpoint (300, 40).
    lines = [LineString([(0, 0), (100, 0)]), LineString([(300, 0), (300, 80)])]
    r = compute_reach(roads_of(lines), venues_of([(0, 0)]))
    assert r.walk_min[1] == pytest.approx(1.3 * np.hypot(300, 40) / 80)
    assert list(r.estimate) == [False, True]
    assert any("not joined" in a for a in r.assumptions)


# ---------------------------------------------------------------------------------------------- bus

# A straight road y=0 from x=0 to 3000 in 100 m segments; the bus route runs along it.
# Stops S1 (100, 10) and S2 (2900, -10), each 10 m off the road. Venue V at (3000, 20), 20 m off its end.
# Route: 3 buses an hour (wait 60/3/2 = 10 min), 24 km/h = 400 m/min.
# Walk S2 -> V: 10 + 100 + 20 = 130 m = 1.625 min (within 400 m).
# Onward from S1: wait 10 + ride (2900 - 100) / 400 = 7 + walk 1.625 = 18.625 min.
# Segment 0 (mid x=50):  walk to S1 = 50 + 10 = 60 m = 0.75 min -> bus 19.375 min;
#                        walk to V = 2950 + 20 = 2970 m = 37.125 min -> best is bus.
# Segment 4 (mid 450):   to S1 = 350 + 10 = 360 m (<= 400) -> bus 4.5 + 18.625 = 23.125; walk 2570 m = 32.125.
# Segment 5 (mid 550):   to S1 = 460 m > 400 -> no bus; walk 2470 m = 30.875.
# Segment 29 (mid 2950): walk 50 + 20 = 70 m = 0.875 min; boarding S2 leads nowhere useful -> no bus.
LINE = [LineString([(x, 0), (x + 100, 0)]) for x in range(0, 3000, 100)]
STOPS = gpd.GeoDataFrame({"stop_id": ["S1", "S2"], "name": ["Start", "End"], "route_ids": ["1", "1"]},
                         geometry=[Point(100, 10), Point(2900, -10)], crs=W)
ROUTE = gpd.GeoDataFrame({"route_id": ["1"], "name": ["Line"], "trips_per_hour": [3.0], "speed_kmh": [24.0]},
                         geometry=[LineString([(0, 0), (3000, 0)])], crs=W)


def test_one_route_bus_time_by_hand():
    r = compute_reach(roads_of(LINE), venues_of([(3000, 20)]), bus_stops=STOPS, bus_routes=ROUTE)
    assert r.bus_min[0] == pytest.approx(19.375)
    assert r.walk_min[0] == pytest.approx(37.125)
    assert r.best_min[0] == pytest.approx(19.375) and r.mode[0] == "bus"
    assert r.bus_min[4] == pytest.approx(23.125) and r.walk_min[4] == pytest.approx(32.125)
    assert np.isinf(r.bus_min[5]) and r.best_min[5] == pytest.approx(30.875) and r.mode[5] == "walk"
    assert np.isinf(r.bus_min[29]) and r.best_min[29] == pytest.approx(0.875)
    assert r.routes_with_defaults == []
    assert (r.best_min <= r.walk_min).all()


def test_bus_defaults_are_assumptions_and_stops_matched_by_distance():
    # No headway or speed in the data: 2 an hour (wait 15 min) and 18 km/h (300 m/min) assumed;
    # stops carry no route ids, so they join the route passing within 50 m.
    # Segment 0: 0.75 + 15 + 2800/300 + 1.625 = 26.7083 min.
    route = ROUTE.drop(columns=["trips_per_hour", "speed_kmh"])
    stops = STOPS.drop(columns=["route_ids"])
    r = compute_reach(roads_of(LINE), venues_of([(3000, 20)]), bus_stops=stops, bus_routes=route)
    assert r.bus_min[0] == pytest.approx(0.75 + 15 + 2800 / 300 + 1.625)
    assert r.routes_with_defaults == ["1"]
    assert any("2 buses an hour and 18 km/h assumed" in a for a in r.assumptions)
    assert any("matched to routes passing within 50 m" in a for a in r.assumptions)
    # Editable defaults: 6 an hour (wait 5 min) and 30 km/h (500 m/min).
    r2 = compute_reach(roads_of(LINE), venues_of([(3000, 20)]), bus_stops=stops, bus_routes=route,
                       assumptions=ReachAssumptions(default_trips_per_hour=6, default_speed_kmh=30))
    assert r2.bus_min[0] == pytest.approx(0.75 + 5 + 2800 / 500 + 1.625)


def test_route_drawn_as_ways_in_both_directions_and_a_gap():
    # OSM-style route: two ways drawn head to head, (0,0)->(1500,0) and (3000,0)->(1500,0), plus a
    # detached piece far away with one stop on it. Ride S1 -> S2 is 2800 m along the ways, as for
    # the single line; the stop on the detached piece gets no ride and a note says so.
    route = gpd.GeoDataFrame({"route_id": ["1"], "name": ["Line"], "trips_per_hour": [3.0], "speed_kmh": [24.0]},
                             geometry=[MultiLineString([[(0, 0), (1500, 0)], [(3000, 0), (1500, 0)],
                                                        [(0, 5000), (500, 5000)]])], crs=W)
    stops = pd.concat([STOPS, gpd.GeoDataFrame({"stop_id": ["S3"], "name": ["Far"], "route_ids": ["1"]},
                                               geometry=[Point(100, 5000)], crs=W)], ignore_index=True)
    rides, notes = route_rides(stops, route)
    got = rides.set_index(["stop", "stop_to"])["ride_m"]
    assert got[(0, 1)] == pytest.approx(2800) and got[(1, 0)] == pytest.approx(2800)
    assert 2 not in set(rides["stop"]) | set(rides["stop_to"])
    assert any("separate pieces" in n for n in notes)
    r = compute_reach(roads_of(LINE), venues_of([(3000, 20)]), bus_stops=stops, bus_routes=route)
    assert r.bus_min[0] == pytest.approx(19.375)


def test_walk_limit_to_stop_is_editable():
    r = compute_reach(roads_of(LINE), venues_of([(3000, 20)]), bus_stops=STOPS, bus_routes=ROUTE,
                      assumptions=ReachAssumptions(max_walk_to_stop_m=500))
    assert r.bus_min[5] == pytest.approx(460 / 80 + 18.625)


def test_bus_on_straight_lines_without_roads():
    # No roads: walks are 1.3 x straight line. LSOA point (50, 0): to S1 1.3*hypot(50,10) = 66.29 m;
    # S2 -> V 1.3*hypot(100,30) = 135.74 m; onward = 10 + 7 + 135.74/80; walk = 1.3*hypot(2950,20)/80.
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["E01000001"], "population": [1500]},
                             geometry=[box(0, -50, 100, 50)], crs=W)
    r = compute_reach(roads_of([]), venues_of([(3000, 20)]), lsoas=lsoas, bus_stops=STOPS, bus_routes=ROUTE)
    row = r.lsoas.iloc[0]
    assert (row["origin_x"], row["origin_y"]) == (50.0, 0.0)
    assert row["bus_min"] == pytest.approx(1.3 * np.hypot(50, 10) / 80 + 10 + 7 + 1.3 * np.hypot(100, 30) / 80)
    assert row["walk_min"] == pytest.approx(1.3 * np.hypot(2950, 20) / 80)
    assert row["mode"] == "bus" and row["estimate"]


# ---------------------------------------------------------------------------------------------- no roads


def test_straight_line_fallback_is_labelled_estimate():
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["E01000001", "E01000002"], "population": [1500, 1500]},
                             geometry=[box(200, 300, 400, 500), box(-50, -50, 50, 50)], crs=W)
    r = compute_reach(None, venues_of([(0, 0)]), lsoas=lsoas)
    # Representative point of the first square is its centre (300, 400): 500 m x 1.3 / 80 = 8.125 min.
    assert r.lsoas["origin_x"].tolist()[0] == 300.0 and r.lsoas["origin_y"].tolist()[0] == 400.0
    assert r.lsoas["walk_min"].tolist() == pytest.approx([8.125, 0.0])
    assert r.lsoas["estimate"].all() and not r.network
    assert "straight-line distance × 1.3 (estimate: no road network)" in r.assumptions
    assert r.any_estimate
    r2 = compute_reach(roads_of([]), venues_of([(0, 0)]), lsoas=lsoas, assumptions=ReachAssumptions(detour_factor=1.5))
    assert r2.lsoas["walk_min"].iloc[0] == pytest.approx(500 * 1.5 / 80)


def test_closed_venues_never_count():
    r = compute_reach(roads_of(grid_lines()), venues_of([(0, 0), (200, 200)], closed=[True, False]))
    assert r.walk_min[0] == pytest.approx(350 / 80)  # segment (0,0)-(100,0): from (200,200) via (100,0)
    assert "1 venue marked closed left out." in r.assumptions


def test_no_venues_means_no_reach():
    r = compute_reach(roads_of(grid_lines()), venues_of([]))
    assert np.isinf(r.best_min).all() and set(r.mode) == {"none"}
    assert "No venues selected: no reach times." in r.assumptions
    assert reach_band(float("inf")) == "30+"


# ---------------------------------------------------------------------------------------------- property


@st.composite
def grid_and_venues(draw):
    k = draw(st.integers(2, 5))
    pt = st.tuples(st.floats(-60, 100 * k), st.floats(-60, 100 * k))
    return k, draw(st.lists(pt, min_size=1, max_size=4)), draw(pt), draw(st.booleans())


@settings(max_examples=40, deadline=None)
@given(grid_and_venues())
def test_adding_a_venue_never_increases_any_reach_time(case):
    k, venues, extra, with_roads = case
    lines = grid_lines(k)
    roads = roads_of(lines if with_roads else [])
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["A", "B"], "population": [1, 1]},
                             geometry=[box(-10, -10, 100 * k, 50), box(-10, 50, 100 * k, 100 * k)], crs=W)
    stops = gpd.GeoDataFrame({"stop_id": ["s0", "s1"], "name": ["a", "b"]},
                             geometry=[Point(0, 5), Point(100 * (k - 1), 5)], crs=W)
    route = gpd.GeoDataFrame({"route_id": ["1"], "name": ["r"]},
                             geometry=[LineString([(0, 0), (100 * (k - 1), 0)])], crs=W)
    kw = dict(lsoas=lsoas, bus_stops=stops, bus_routes=route, assumptions=ReachAssumptions(max_walk_to_stop_m=150))
    before = compute_reach(roads, venues_of(venues), **kw)
    after = compute_reach(roads, venues_of([*venues, extra]), **kw)
    for name in ("walk_min", "bus_min", "best_min"):
        assert (getattr(after, name) <= getattr(before, name) + 1e-9).all(), name
        assert (after.lsoas[name].to_numpy() <= before.lsoas[name].to_numpy() + 1e-9).all(), name


# ---------------------------------------------------------------------------------------------- bands, roads


def test_bands():
    assert [reach_band(m) for m in (0, 9.99, 10, 19.9, 20, 29.9, 30, 95)] == \
        ["<10", "<10", "10–20", "10–20", "20–30", "20–30", "30+", "30+"]
    assert reach_band(float("nan")) == "no data"
    assert list(reach_bands([5, np.inf, np.nan])) == ["<10", "30+", "no data"]
    assert BANDS == ("<10", "10–20", "20–30", "30+")


def test_reach_by_road_length_weighted():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (400, 0)]), LineString([(0, 0), (0, 50)])]
    roads = roads_of(lines)
    r = compute_reach(roads, venues_of([(0, 0)]))
    # Main St: 100 m at 50 m and 300 m at 250 m -> (100*50 + 300*250) / 400 = 200 m = 2.5 min.
    t = reach_by_road(r, roads, pd.Series(["Main St", "Main St", pd.NA])).set_index("road_key")
    assert list(t.index) == ["Main St"] and t.loc["Main St", "best_min"] == pytest.approx(2.5)


# ---------------------------------------------------------------------------------------------- hours

MON_10 = dt.datetime(2025, 3, 3, 10, 0)   # a Monday
SAT_11 = dt.datetime(2025, 3, 8, 11, 0)
SAT_13 = dt.datetime(2025, 3, 8, 13, 0)
SUN_01 = dt.datetime(2025, 3, 9, 1, 0)


def test_parse_simple_opening_hours():
    week = parse_opening_hours("Mo-Fr 09:00-17:00; Sa 09:00-12:00")
    assert week[0] == ((540, 1020),) and week[4] == ((540, 1020),) and week[5] == ((540, 720),) and week[6] == ()
    assert is_open(week, MON_10) and is_open(week, SAT_11) and not is_open(week, SAT_13)
    assert parse_opening_hours("24/7")[3] == ((0, 1440),)
    split = parse_opening_hours("Mo,We 10:00-12:00,13:00-16:00")
    assert split[0] == ((600, 720), (780, 960)) and split[1] == () and split[2] == split[0]
    late = parse_opening_hours("Sa 20:00-02:00")
    assert is_open(late, SUN_01) and not is_open(late, SAT_13)
    assert parse_opening_hours("Mo-Su 09:00-17:00; Su off")[6] == ()
    assert parse_opening_hours("Mo-Fr 09:00-17:00; PH off")[0] == ((540, 1020),)
    assert parse_opening_hours("closed") == tuple(() for _ in range(7))
    assert parse_opening_hours("09:00-17:00")[6] == ((540, 1020),)


@pytest.mark.parametrize("text", ["", None, "by appointment", "35 hours per week", "Mo-Fr 9-5"])
def test_unreadable_opening_hours(text):
    assert parse_opening_hours(text) is None


def test_months_and_fallback_rules_are_read():
    # once unreadable here; the full OSM syntax (tests/unit/test_hours_osm.py has the corpus)
    assert parse_opening_hours("Jan-Mar Mo 09:00-12:00")[0] == ((540, 720),)  # the typical week is in March
    assert parse_opening_hours("Jan-Mar Mo 09:00-12:00", week_of=dt.date(2025, 6, 2))[0] == ()
    fallback = parse_opening_hours("Mo-Fr 09:00-17:00 || Sa 10:00-12:00")
    assert fallback[0] == ((540, 1020),) and fallback[5] == ((600, 720),) and fallback[6] == ()


def test_open_at_flags_assumed_unreadable_and_closed():
    v = venues_of([(0, 0)] * 5, kinds=["library", "school", "food_bank", "library", "library"],
                  opening_hours=["Sa 09:00-12:00", None, "ring first", "closed", "Mo-Fr 09:00-17:00"],
                  closed=[False, False, False, False, True])
    res = open_at(v, MON_10)
    # 0: read, Saturday only -> shut; 1: school default Mo-Fr 08:30-15:30 -> open (assumed);
    # 2: unreadable -> food bank default Mo,We,Fr 10:00-14:00 -> open (assumed, unreadable);
    # 3: "closed" hours -> shut, not assumed; 4: marked closed -> never open.
    assert list(res.open) == [False, True, True, False, False]
    assert list(res.assumed) == [False, True, True, False, False]
    assert list(res.unreadable) == [False, False, True, False, False]
    assert list(res.closed) == [False, False, False, False, True]
    res2 = open_at(v, MON_10, default_hours={**DEFAULT_HOURS, "school": "Sa 10:00-11:00"})
    assert not res2.open[1]
    with pytest.raises(ValueError, match="cannot be read"):
        open_at(v, MON_10, default_hours={"school": "whenever", "*": "Mo 09:00-10:00", "food_bank": "x"})


def test_usable_venues_filters_and_explains():
    v = venues_of([(0, 0)] * 3, kinds=["library", "school", "library"], closed=[False, False, True],
                  opening_hours=[None, None, None])
    kept, notes = usable_venues(v, kinds=["library"], when=SAT_11)
    assert list(kept["venue_id"]) == ["v0"]
    assert any("marked closed" in n for n in notes) and any("assumed" in n for n in notes)


# ---------------------------------------------------------------------------------------------- catchment


def test_catchment_along_a_road():
    # Venue at x=0 on a 3 km road; 10 minutes = 800 m, buffered by 60 m.
    g = build_graph(LINE)
    c = catchment(g, (0.0, 0.0), minutes=(10, 20))
    assert list(c["minutes"]) == [10.0, 20.0] and not c["estimate"].any()
    ten, twenty = c.geometry.iloc[0], c.geometry.iloc[1]
    assert ten.contains(Point(790, 0)) and not ten.contains(Point(900, 0))
    assert twenty.contains(Point(1550, 0)) and not twenty.contains(Point(1700, 0))
    assert twenty.contains(ten.buffer(-1))
    # Venue in the middle of an edge walks both ways along it.
    mid = catchment(g, (1550.0, 0.0), minutes=(1,))
    assert mid.geometry.iloc[0].contains(Point(1600, 0)) and mid.geometry.iloc[0].contains(Point(1500, 0))


def test_catchment_without_roads_is_an_estimated_circle():
    c = catchment(None, (0.0, 0.0), minutes=(10,))
    assert c["estimate"].all()
    assert c.geometry.iloc[0].area == pytest.approx(np.pi * (800 / 1.3) ** 2, rel=0.01)
    # the session's assumptions: 40 m a minute and a detour factor of 2 make 10 minutes a 200 m circle
    slow = catchment(None, (0.0, 0.0), minutes=(10,), assumptions=ReachAssumptions(walk_m_per_min=40, detour_factor=2))
    assert slow.geometry.iloc[0].area == pytest.approx(np.pi * 200.0 ** 2, rel=0.01)


def test_catchment_at_a_slower_walk():
    # 40 m a minute: 10 minutes is 400 m along the road (buffered by 60 m), not 800.
    c = catchment(build_graph(LINE), (0.0, 0.0), minutes=(10,), assumptions=ReachAssumptions(walk_m_per_min=40))
    assert c.geometry.iloc[0].contains(Point(390, 0)) and not c.geometry.iloc[0].contains(Point(470, 0))


def test_prepared_network_gives_the_same_answer_and_is_reusable():
    roads = roads_of(LINE)
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["E01000001"], "population": [1500]},
                             geometry=[box(-10, -20, 3010, 20)], crs=W)
    prepared = prepare_network(roads, lsoas=lsoas, bus_stops=STOPS, bus_routes=ROUTE)
    for venues in (venues_of([(3000, 20)]), venues_of([(3000, 20), (1500, 0)])):
        plain = compute_reach(roads, venues, lsoas=lsoas, bus_stops=STOPS, bus_routes=ROUTE)
        fast = compute_reach(roads, venues, lsoas=lsoas, bus_stops=STOPS, bus_routes=ROUTE, prepared=prepared)
        for name in ("walk_min", "bus_min", "best_min"):
            assert np.array_equal(getattr(plain, name), getattr(fast, name))
        pd.testing.assert_frame_equal(plain.lsoas, fast.lsoas)
    with pytest.raises(ValueError, match="prepared network"):
        compute_reach(roads.iloc[:3], venues_of([(0, 0)]), prepared=prepared)
    # the searches can be swapped (the benchmark's networkx baseline uses this); same pipeline around them
    calls = []
    spy = Searches(walk=lambda g, s, **kw: calls.append("walk") or distance_from(g, s, **kw),
                   bounded=lambda g, s, **kw: calls.append("bus") or bounded_distance(g, s, **kw))
    r = compute_reach(roads, venues_of([(3000, 20)]), bus_stops=STOPS, bus_routes=ROUTE, prepared=prepared,
                      searches=spy)
    assert calls == ["walk", "bus"] and r.bus_min[0] == pytest.approx(19.375)
