"""Pop-up plans and day routes on the demo borough (40 venues, ~3,400 road segments).

- `routes.day_12_stops`: a worker's day with 12 stops (8 venues, 4 van stops at gap areas; four with
  a start window, one booked), ordered exactly (Held-Karp with time windows) from a partner site, with
  travel along the road network: the travel matrix (network distances), the order and the timetable.
- `routes.exact_8_stops`: the exact order alone for the first 8 of those stops (travel matrix
  precomputed); baseline: brute force over all 8! = 40,320 orders, the same answer. (For 12 stops
  brute force would try 479 million orders.)
- `popups.plan_6_weeks_40_venues`: a 6-week plan (2 workers x 3 sessions a week, the top 12 gaps,
  every venue kind, so all 40 venues are candidates): walking minutes from every venue to every gap
  along the roads, candidate ranking and placement under every rule. The reach and gap table it
  starts from are computed in the set-up (they have their own benchmarks in bench_reach).
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from bench.harness import benchmark
from geo.assumptions import ReachAssumptions, RouteAssumptions
from geo.plan import routes as rt
from geo.plan.blackouts import bank_holidays_between
from geo.plan.popup_rules import PlanRules
from geo.plan.popup_venues import gaps_with_points
from geo.plan.popups import propose_plan
from geo.plan.travel import travel_times

START = dt.date(2026, 11, 30)
REACH = ReachAssumptions()
DRIVE_M_PER_MIN = RouteAssumptions().drive_m_per_min


@functools.lru_cache(maxsize=1)
def _demo() -> dict:
    from geo import io
    from geo.analyse import engagement, gaps
    from geo.analyse.network import build_graph
    from geo.analyse.reach import compute_reach

    ws = io.read_workspace(io.ensure_demo())
    roads = ws.layer("roads")
    graph = build_graph(roads)
    reach = compute_reach(roads, ws.layer("venues"), lsoas=ws.layer("lsoas"), bus_stops=ws.layer("bus_stops"),
                          bus_routes=ws.layer("bus_routes"), graph=graph)
    eng = engagement.engagement_by_road(ws.layer("participants"), roads, wards=ws.layer("wards"), max_m=50.0)
    table = gaps.road_lsoas(roads, eng, ws.layer("lsoas"))
    gap_points = gaps_with_points(gaps.gap_table(ws.layer("lsoas"), reach.lsoas, table), reach.lsoas)
    return {"ws": ws, "graph": graph, "gaps": gap_points}


def _day() -> dict:
    case = _demo()
    ws, gp = case["ws"], case["gaps"]
    venues = ws.layer("venues")
    venues = venues[~venues["closed"].fillna(False).astype(bool)].reset_index(drop=True)
    pick = venues.iloc[np.linspace(0, len(venues) - 1, 8).round().astype(int)]
    stops = [rt.Stop(r.name, r.geometry.x, r.geometry.y, duration_min=30, kind="venue") for r in pick.itertuples()]
    for r in gp.head(4).itertuples():
        stops.append(rt.Stop(f"Van stop {r.lsoa_code}", r.x, r.y, duration_min=20, kind="van stop"))
    # four start windows and one booked session
    stops[1] = rt.Stop(**{**stops[1].__dict__, "earliest": 600.0, "latest": 660.0})
    stops[4] = rt.Stop(**{**stops[4].__dict__, "earliest": 780.0, "latest": 840.0})
    stops[8] = rt.Stop(**{**stops[8].__dict__, "earliest": 900.0, "latest": 960.0})
    stops[10] = rt.Stop(**{**stops[10].__dict__, "earliest": 690.0, "latest": 690.0, "must_visit": True})
    p = ws.layer("partners").geometry.iloc[0]
    base = rt.Stop("Base", p.x, p.y, kind="base")
    assert len(stops) == 12
    return {"base": base, "stops": stops, "graph": case["graph"]}


def _eight() -> dict:
    case = _day()
    stops = case["stops"][:8]
    pts = np.array([[case["base"].x, case["base"].y]] + [[s.x, s.y] for s in stops])
    kw = {"durations": [s.duration_min for s in stops],
          "earliest": [-np.inf if s.earliest is None else s.earliest for s in stops],
          "latest": [np.inf if s.latest is None else s.latest for s in stops], "start_min": 540.0, "end_min": 1050.0}
    minutes = travel_times(pts, graph=case["graph"], assumptions=REACH, speed_m_per_min=DRIVE_M_PER_MIN).minutes
    ours, brute = rt.best_order(minutes, **kw), rt.brute_force_order(minutes, **kw)
    if brute is None or abs(ours[1] - brute[1]) > 1e-6 or abs(ours[2] - brute[2]) > 1e-6:
        raise RuntimeError(f"exact order {ours} differs from brute force {brute}")
    return {"minutes": minutes, "kw": kw}


def _brute_8(case: dict):
    return rt.brute_force_order(case["minutes"], **case["kw"])


@benchmark("routes.exact_8_stops", setup=_eight, baseline=_brute_8, repeat=3)
def exact_8(case: dict):
    """The dynamic programme alone on 8 stops with windows."""
    return rt.best_order(case["minutes"], **case["kw"])


@benchmark("routes.day_12_stops", target_s=2.0, setup=_day, repeat=3)
def day_route(case: dict):
    """12 stops with windows, exact order, road-network travel."""
    route, _ = rt.plan_route(case["base"], case["stops"], assumptions=REACH, speed_m_per_min=DRIVE_M_PER_MIN,
                             graph=case["graph"], start="09:00", end="17:30")
    if len(route.order) < 8:
        raise RuntimeError(f"only {len(route.order)} stops fitted: the scenario is wrong")
    return route


def _plan_case() -> dict:
    case = _demo()
    ws = case["ws"]
    assert len(ws.layer("venues")) == 40
    rules = PlanRules(start=START, weeks=6, workers=2, sessions_per_worker_week=3, top_gaps=12,
                          venues_per_gap=4, kinds=tuple(sorted(set(ws.layer("venues")["kind"].astype(str)))),
                          blackout=frozenset(bank_holidays_between(START, START + dt.timedelta(days=41))))
    return {**case, "rules": rules}


@benchmark("popups.plan_6_weeks_40_venues", target_s=5.0, setup=_plan_case, repeat=3)
def plan_6_weeks(case: dict):
    """Candidates (walking minutes venue x gap along the roads) and placement over 6 weeks."""
    plan = propose_plan(case["gaps"], case["ws"].layer("venues"), case["rules"], assumptions=REACH,
                        graph=case["graph"], bus_stops=case["ws"].layer("bus_stops"))
    if len(plan.sessions) < 20:
        raise RuntimeError(f"only {len(plan.sessions)} sessions planned: the scenario is wrong")
    return plan
