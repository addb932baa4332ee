"""Routes: the exact order equals brute force; travel by road or labelled straight-line estimates."""

from __future__ import annotations

import datetime as dt
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from geo.analyse.hours import parse_opening_hours
from geo.analyse.network import build_graph
from geo.assumptions import ReachAssumptions, RouteAssumptions
from geo.model import DataError
from geo.out.route_layers import route_layers
from geo.plan import routes as rt
from geo.plan.route_stops import stops_from_table
from geo.plan.travel import travel_times
from tests.conftest import tiny_layers

X0, Y0 = 450_000, 318_000
REACH = ReachAssumptions()
DRIVE = RouteAssumptions().drive_m_per_min


def _instance(seed: int, k: int, *, windows: bool):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 12_000, (k + 1, 2))
    minutes = travel_times(xy, assumptions=REACH, speed_m_per_min=500.0).minutes
    dur = rng.choice([0.0, 30.0, 60.0, 90.0], k)
    early = np.full(k, -np.inf)
    late = np.full(k, np.inf)
    if windows:
        some = rng.random(k) < 0.6
        early[some] = 540 + rng.uniform(0, 300, some.sum())
        late[some] = early[some] + rng.choice([0.0, 30.0, 120.0], some.sum())
    return minutes, dur, early, late


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**9), st.integers(1, 7), st.booleans())
def test_exact_order_equals_brute_force(seed, k, windows):
    minutes, dur, early, late = _instance(seed, k, windows=windows)
    kw = dict(durations=dur, earliest=early, latest=late, start_min=540.0, end_min=None)
    order, ret, travel = rt.best_order(minutes, **kw)
    brute = rt.brute_force_order(minutes, **kw)
    if brute is None:  # no order fits every window: fewer stops, and those fit
        assert len(order) < k
        assert rt.evaluate_order(order, minutes, **kw) == pytest.approx((ret, travel))
        return
    assert (ret, travel) == pytest.approx(brute[1:])
    assert rt.evaluate_order(order, minutes, **kw) == pytest.approx((ret, travel))
    # the same order as brute force; where several orders tie (a round trip reversed costs the same
    # when no window tells them apart), one of the tied best
    ties = [p for p in itertools.permutations(range(k))
            if (r := rt.evaluate_order(p, minutes, **kw)) is not None
            and abs(r[0] - brute[1]) < 1e-6 and abs(r[1] - brute[2]) < 1e-6]
    assert order == brute[0] or order in ties


def test_brute_force_by_hand():
    # base at 0, stops on a line at 10, 20, 30 minutes: out and back in order
    pos = np.array([0.0, 10.0, 20.0, 30.0])
    minutes = np.abs(pos[:, None] - pos[None, :])
    kw = dict(durations=[0, 0, 0], earliest=[-np.inf] * 3, latest=[np.inf] * 3, start_min=0.0)
    order, ret, travel = rt.best_order(minutes, **kw)
    assert (ret, travel) == (60.0, 60.0) and rt.evaluate_order(order, minutes, **kw) == (60.0, 60.0)
    # the far stop only opens at 30 and shuts at 30: go there first
    kw2 = dict(kw, earliest=[-np.inf, -np.inf, 30.0], latest=[np.inf, np.inf, 30.0])
    assert rt.best_order(minutes, **kw2)[0] == (2, 1, 0)


def test_windows_that_cannot_all_fit_leave_stops_out_and_keep_booked_ones():
    pos = np.array([0.0, 10.0, 20.0, 30.0])
    minutes = np.abs(pos[:, None] - pos[None, :])
    kw = dict(durations=[60, 60, 60], earliest=[0, 0, 0], latest=[40, 40, 40], start_min=0.0)
    order, _, _ = rt.best_order(minutes, **kw)
    assert len(order) == 1 and order == (0,)
    order, _, _ = rt.best_order(minutes, **kw, must_visit=[False, False, True])
    assert order == (2,)  # the booked stop wins over a nearer one
    with pytest.raises(DataError):
        rt.best_order(np.zeros((rt.MAX_EXACT_STOPS + 2,) * 2), durations=[0] * (rt.MAX_EXACT_STOPS + 1),
                      earliest=[-np.inf] * (rt.MAX_EXACT_STOPS + 1), latest=[np.inf] * (rt.MAX_EXACT_STOPS + 1),
                      start_min=0)


def test_travel_along_roads_and_estimates():
    roads = gpd.GeoDataFrame({"road_id": ["a", "b", "c"], "name": ["A", "B", "C"]},
                             geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (1000, 1000)]),
                                       LineString([(5000, 5000), (6000, 5000)])], crs=27700)
    g = build_graph(roads)
    pts = [(0, 10), (1000, 990), (5500, 5000)]  # 10 m off the road; the last on an island
    t = travel_times(pts, graph=g, assumptions=ReachAssumptions(detour_factor=1.3), speed_m_per_min=100.0)
    assert t.metres[0, 1] == pytest.approx(10 + 1000 + 990, abs=1e-6)  # along the L, not the diagonal
    assert not t.estimate[0, 1] and t.estimate[0, 2] and t.estimate[2, 1]
    assert t.metres[0, 2] == pytest.approx(1.3 * np.hypot(5500, 4990))
    assert t.minutes[0, 1] == pytest.approx(t.metres[0, 1] / 100.0)
    none = travel_times(pts, graph=None, assumptions=REACH, speed_m_per_min=DRIVE)
    assert none.estimate[~np.eye(3, dtype=bool)].all() and not none.network
    lines = rt.leg_lines(np.array(pts[:2]), (0,), graph=g, estimate=t.estimate[:2, :2])
    assert lines[0].length == pytest.approx(t.metres[0, 1], rel=1e-6)  # drawn along the roads
    assert shapely.distance(lines[0], shapely.Point(1000, 0)) < 1e-6  # round the corner


def test_plan_route_on_tiny_town_with_a_typed_van_stop():
    layers = tiny_layers()
    g = build_graph(layers["roads"])
    pt = layers["partners"].geometry.iloc[0]
    base = rt.Stop("Jobcentre Plus Tiny", pt.x, pt.y, kind="base")
    lat, lon = rt.xy_to_latlon(X0 + 1500, Y0 + 260)
    vx, vy = rt.latlon_to_xy(lat, lon)
    assert (vx, vy) == pytest.approx((X0 + 1500, Y0 + 260), abs=0.01)
    lib = layers["venues"].geometry.iloc[0]
    stops = [rt.Stop("Van on the green", vx, vy, duration_min=60, earliest=600, latest=660, kind="van stop"),
             rt.Stop("Westfield Library", lib.x, lib.y, duration_min=90, kind="venue", must_visit=True)]
    route, travel = rt.plan_route(base, stops, graph=g, start="09:00", end="17:00", speed_m_per_min=80.0,
                                  assumptions=REACH, mode_words="walking")
    assert route.feasible and sorted(route.order) == [0, 1]
    sched = route.schedule
    assert list(sched["kind"]) == ["base", *[stops[i].kind for i in route.order], "base"]
    van = sched[sched["name"] == "Van on the green"].iloc[0]
    assert "10:00" <= van["start"] <= "11:00"
    assert route.travel_min == pytest.approx(sched["travel_min"].sum(), abs=0.2)
    legs, marks = route_layers(route, travel, base, stops, graph=g)
    assert len(legs) == 3 and len(marks) == 3 and legs.crs.to_epsg() == 4326
    assert any("1 · " in h for h in marks["html"])
    assert any("Walking" in n or "walking" in n for n in route.notes)


def test_route_errors_are_readable():
    base = rt.Stop("Base", X0, Y0)
    with pytest.raises(DataError) as err:
        rt.plan_route(base, [rt.Stop("Odd", X0 + 10, Y0, earliest=700, latest=600)], assumptions=REACH,
                      speed_m_per_min=DRIVE)
    assert "before earliest" in str(err.value)
    with pytest.raises(DataError):
        rt.latlon_to_xy(-1.5, 52.6)  # swapped
    with pytest.raises(DataError):
        rt.plan_route(base, [rt.Stop("A", X0 + 10, Y0)], start="17:00", end="09:00", assumptions=REACH,
                      speed_m_per_min=DRIVE)


def test_window_from_opening_hours():
    week = parse_opening_hours("Mo 09:00-12:00,13:00-18:00; Tu off")
    mon = dt.date(2026, 11, 30)
    assert rt.window_from_hours(week, mon, duration_min=60) == (780.0, 1020.0)
    assert rt.window_from_hours(week, mon + dt.timedelta(days=1), duration_min=60) is None


def test_one_travel_function_for_places_to_places_and_between_places():
    roads = gpd.GeoDataFrame({"road_id": ["a", "b"], "name": ["A", "B"]},
                             geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (1000, 1000)])],
                             crs=27700)
    g = build_graph(roads)
    a, b = [(0, 10), (500, -20)], [(1000, 990), (3000, 3000)]
    both = travel_times(a + b, graph=g, assumptions=REACH)
    part = travel_times(a, b, graph=g, assumptions=REACH)
    assert part.minutes.shape == (2, 2) and part.speed_m_per_min == 80.0  # walking unless a speed is given
    assert np.allclose(part.metres, both.metres[:2, 2:]) and (part.estimate == both.estimate[:2, 2:]).all()
    # by hand: 10 m to the road, 1,000 along A, 990 up B; 20 m up to A, 500 along it, 990 up B
    assert part.metres[0, 0] == pytest.approx(2000.0) and part.metres[1, 0] == pytest.approx(20 + 500 + 990)
    assert part.minutes[0, 0] == pytest.approx(25.0)
    # (3000, 3000) is 2,000 m from the nearest road but the road joins it: along the network, not an estimate
    assert not part.estimate.any() and both.minutes[0, 0] == 0.0 and not both.estimate[0, 0]
    none = travel_times(a, b, assumptions=ReachAssumptions(walk_m_per_min=50.0, detour_factor=2.0))
    assert none.estimate.all() and none.metres[0, 0] == pytest.approx(2.0 * np.hypot(1000, 980))
    assert none.minutes[0, 0] == pytest.approx(none.metres[0, 0] / 50.0) and not none.network
    with pytest.raises(DataError):
        travel_times(a, b, assumptions=REACH, speed_m_per_min=0.0)


def test_the_van_speed_is_a_validated_assumption():
    assert RouteAssumptions().drive_kmh == 30.0 and RouteAssumptions().drive_m_per_min == 500.0
    with pytest.raises(DataError) as err:
        RouteAssumptions(drive_kmh=0.5)
    assert "drive_kmh" in str(err.value) and "Average driving speed" in str(err.value)
    base = rt.Stop("Base", X0, Y0)
    route, travel = rt.plan_route(base, [rt.Stop("A", X0 + 1000, Y0)], assumptions=ReachAssumptions(detour_factor=2.0),
                                  speed_m_per_min=RouteAssumptions(drive_kmh=12.0).drive_m_per_min)
    assert travel.minutes[0, 1] == pytest.approx(2000.0 / 200.0)  # 1 km × 2 at 12 km/h: 10 minutes
    assert route.notes[0] == "Travel driving at 12 km/h on average (an assumption; edit it)."
    assert "straight-line distance × 2 (estimate)" in route.notes[1]


def test_the_stops_table_is_read_with_every_problem_named():
    lat, lon = rt.xy_to_latlon(X0, Y0)
    table = pd.DataFrame({"name": ["Green", pd.NA, None, "Far", "Odd"], "kind": ["van stop", None, pd.NA, "venue", ""],
                          "lat": [lat, lat, np.nan, 10.0, lat], "lon": [lon, lon, lon, 10.0, lon],
                          "minutes": [30, np.nan, 60, 60, 60], "earliest": ["10:00", None, "", "", "nine"],
                          "latest": ["", pd.NA, "", "", ""], "must": [True, pd.NA, None, False, False]})
    with pytest.raises(DataError) as err:
        stops_from_table(table)
    text = [str(p) for p in err.value.problems]
    assert len(text) == 3
    assert text[0].startswith("stops: row 3 (unnamed) has no latitude and longitude.")
    assert text[1] == "stop: (10.0, 10.0) is outside Great Britain. Fix: Check latitude and longitude are not swapped."
    assert text[2].startswith("stops: row 5: ") and text[2].endswith("Fix: Write times as HH:MM.")
    stops = stops_from_table(table.iloc[:2])
    assert [(s.name, s.kind, s.duration_min, s.earliest, s.latest, s.must_visit) for s in stops] == [
        ("Green", "van stop", 30.0, 600, None, True), ("Stop 2", "van stop", 0.0, None, None, False)]
    with pytest.raises(DataError, match="has no stops"):
        stops_from_table(table.iloc[:0])
