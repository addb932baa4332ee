"""Outreach routes: the best order to visit a day's stops from a base, with time windows.

A day is a base (where the worker or the van starts and ends) and up to `MAX_EXACT_STOPS` stops: van
stops at any point (a village green, a car park), venues and partner sites. Each stop has a session
length (minutes spent there) and a window for the *start* of the session (earliest, latest); a
worker arriving early waits.

Travel (`geo.plan.travel.travel_times`, the one travel-time function the pop-up planner uses too):
along the road network (`geo.analyse.network`) at a speed (the van's, `RouteAssumptions.drive_kmh`, or
walking), or, where there is no network or it does not join two stops, straight-line distance × the
detour factor of the `ReachAssumptions`, and that leg is labelled an estimate. The map layers of a
route are drawn by `geo.out.route_layers`.

The order is exact (Held-Karp dynamic programming over subsets, with Pareto labels of (time, travel)
per subset and last stop, so time windows and waiting are handled exactly). The best order visits
as many stops as can be fitted; among those, it is back at base earliest; then it travels least.
With every stop fitting, it is the same order a brute-force search of all orders finds.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from geo.analyse.hours import Week
from geo.analyse.network import EdgePoints, RoadGraph, snap_points, with_sources
from geo.assumptions import ReachAssumptions
from geo.model import CRS, DataError, Problem
from geo.plan.clock import DAY_MIN, fmt_hhmm, parse_hhmm, parse_optional_hhmm
from geo.plan.missing import text_or
from geo.plan.travel import Travel, travel_times

MAX_EXACT_STOPS = 14

FloatArray = NDArray[np.float64]
#: Durations or window ends per stop: a list or an array of numbers.
Numbers = Sequence[float] | NDArray[np.float64]
#: A Pareto label of the exact search: (time after the session at `last`, travel, parent label, last).
Label = tuple[float, float, "Label | None", int]

_TO_BNG = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
_TO_WGS = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def latlon_to_xy(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 latitude/longitude to British National Grid metres; DataError outside Great Britain."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DataError(Problem("stop", f"({lat}, {lon}) is not a latitude and longitude.",
                                fix="Type latitude first (about 50 to 59 in England), then longitude."))
    x, y = _TO_BNG.transform(lon, lat)
    if not (-100_000 <= x <= 800_000 and -100_000 <= y <= 1_300_000) or not np.isfinite([x, y]).all():
        raise DataError(Problem("stop", f"({lat}, {lon}) is outside Great Britain.",
                                fix="Check latitude and longitude are not swapped."))
    return float(x), float(y)


def xy_to_latlon(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS.transform(x, y)
    return float(lat), float(lon)


# --------------------------------------------------------------------------------------------------
# Stops and travel


@dataclass(frozen=True)
class Stop:
    """A place to visit (EPSG:27700 metres). `earliest`/`latest` bound the start of the session
    (minutes after midnight; None: any time)."""

    name: str
    x: float
    y: float
    duration_min: float = 0.0
    earliest: float | None = None
    latest: float | None = None
    kind: str = "stop"
    stop_id: str = ""
    address: str = ""
    contact: str = ""
    #: A booked session: the route fits every must-visit stop before any other.
    must_visit: bool = False


# --------------------------------------------------------------------------------------------------
# Best order


@dataclass(frozen=True)
class Route:
    """The best order (stop positions 0..k-1, excluding the base), its timetable and what did not fit.

    `schedule`: seq, stop (position), name, kind, arrive, start, depart, wait_min, travel_min,
    distance_m, estimate, plus the return to base as the last row. `return_min`/`travel_min` in minutes.
    """

    order: tuple[int, ...]
    schedule: pd.DataFrame
    return_min: float
    travel_min: float
    distance_m: float
    left_out: tuple[int, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.left_out


def _windows(stops: Sequence[Stop]) -> tuple[FloatArray, FloatArray, FloatArray]:
    dur = np.array([float(s.duration_min or 0.0) for s in stops])
    early = np.array([-np.inf if s.earliest is None else float(s.earliest) for s in stops])
    late = np.array([np.inf if s.latest is None else float(s.latest) for s in stops])
    return dur, early, late


def evaluate_order(order: Sequence[int], minutes: ArrayLike, *, durations: Numbers, earliest: Numbers,
                   latest: Numbers, start_min: float, end_min: float | None = None) -> tuple[float, float] | None:
    """(return time, travel minutes) of visiting stops `order` (positions 1..k in `minutes`, 0 the
    base) from `start_min`, waiting for windows; None when a window or the end of the day is missed.
    `durations`, `earliest`, `latest` are indexed by stop position 0..k-1 (base excluded)."""
    m = np.asarray(minutes, dtype="float64")
    t, travel, last = float(start_min), 0.0, 0
    for i in order:
        leg = float(m[last, i + 1])
        travel += leg
        start = max(t + leg, float(earliest[i]))
        if start > float(latest[i]) + 1e-9:
            return None
        t = start + float(durations[i])
        last = i + 1
    leg = float(m[last, 0])
    t += leg
    travel += leg
    if end_min is not None and t > end_min + 1e-9:
        return None
    return t, travel


def best_order(minutes: ArrayLike, *, durations: Numbers, earliest: Numbers, latest: Numbers, start_min: float,
               end_min: float | None = None,
               must_visit: Sequence[bool] | None = None) -> tuple[tuple[int, ...], float, float]:
    """Exact best order over stops 0..k-1 (`minutes` is (k+1)×(k+1), row/column 0 the base): most
    must-visit stops, then most stops visited, then earliest return, then least travel. Returns
    (order, return time, travel)."""
    m = np.asarray(minutes, dtype="float64")
    k = m.shape[0] - 1
    if k > MAX_EXACT_STOPS:
        raise DataError(Problem("route", f"has {k} stops; at most {MAX_EXACT_STOPS} can be ordered exactly.",
                                fix="Split the day between two workers or two days."))
    dur = [float(x) for x in durations]
    early = [float(x) for x in earliest]
    late = [float(x) for x in latest]
    end = np.inf if end_min is None else float(end_min)
    back = [float(m[i + 1, 0]) for i in range(k)]
    mm = [[float(m[i + 1, j + 1]) for j in range(k)] for i in range(k)]
    # labels[mask * k + last]: Pareto-optimal (time after the session at `last`, travel, parent, last)
    eps = 1e-9
    full = (1 << k) - 1
    labels: list[list[Label] | None] = [None] * ((1 << k) * k)
    for i in range(k):
        leg = float(m[0, i + 1])
        s = max(start_min + leg, early[i])
        if s <= late[i] + eps and s + dur[i] + back[i] <= end + eps:
            labels[(1 << i) * k + i] = [(s + dur[i], leg, None, i)]
    for mask in range(1, full + 1):
        row0 = mask * k
        for last in range(k):
            labs = labels[row0 + last]
            if not labs:
                continue
            row = mm[last]
            rem = full ^ mask
            while rem:
                bit = rem & -rem
                rem ^= bit
                nxt = bit.bit_length() - 1
                leg = row[nxt]
                lo, hi, d, b = early[nxt], late[nxt], dur[nxt], back[nxt]
                idx = (mask | bit) * k + nxt
                cur = labels[idx]
                for lab in labs:
                    s = lab[0] + leg
                    if s < lo:
                        s = lo
                    if s > hi + eps or s + d + b > end + eps:
                        continue
                    nt, ntr = s + d, lab[1] + leg
                    if cur is None:
                        cur = labels[idx] = [(nt, ntr, lab, nxt)]
                        continue
                    for o in cur:
                        if o[0] <= nt + eps and o[1] <= ntr + eps:
                            break  # dominated (or equal): keep the first found
                    else:
                        cur[:] = [o for o in cur if not (nt <= o[0] + eps and ntr <= o[1] + eps)]
                        cur.append((nt, ntr, lab, nxt))
    best_key, best_lab = (0, 0, 0.0, 0.0), None
    if k == 0:
        return (), float(start_min), 0.0
    must = 0
    for i, flag in enumerate([False] * k if must_visit is None else must_visit):
        if flag:
            must |= 1 << i
    for idx, labs in enumerate(labels):
        if not labs:
            continue
        mask, last = divmod(idx, k)
        n = mask.bit_count()
        n_must = (mask & must).bit_count()
        for lab in labs:
            ret = lab[0] + back[last]
            key = (n_must, n, -ret, -(lab[1] + back[last]))
            if best_lab is None or key > best_key:
                best_key, best_lab = key, lab
    order = []
    lab = best_lab
    while lab is not None:
        order.append(lab[3])
        lab = lab[2]
    return tuple(reversed(order)), -best_key[2], -best_key[3]


def brute_force_order(minutes: ArrayLike, *, durations: Numbers, earliest: Numbers, latest: Numbers,
                      start_min: float, end_min: float | None = None) -> tuple[tuple[int, ...], float, float] | None:
    """Reference for tests: every order of all stops; the best (return, travel), or None if none fits."""
    k = np.asarray(minutes).shape[0] - 1
    best: tuple[tuple[int, ...], float, float] | None = None
    for perm in itertools.permutations(range(k)):
        res = evaluate_order(perm, minutes, durations=durations, earliest=earliest, latest=latest,
                             start_min=start_min, end_min=end_min)
        if res is not None and (best is None or res[0] < best[1] - 1e-9
                                or (abs(res[0] - best[1]) <= 1e-9 and res[1] < best[2] - 1e-9)):
            best = (perm, res[0], res[1])
    return best


def plan_route(base: Stop, stops: Sequence[Stop], *, assumptions: ReachAssumptions, speed_m_per_min: float,
               graph: RoadGraph | None = None, start: str = "09:00", end: str | None = "17:30",
               mode_words: str = "driving") -> tuple[Route, Travel]:
    """The best order for a day and its timetable (see the module notes): travel at `speed_m_per_min`
    (the van's, `RouteAssumptions.drive_m_per_min`, or walking), straight-line legs × the detour factor
    of `assumptions`."""
    problems = []
    for i, s in enumerate(stops, start=1):
        if s.earliest is not None and s.latest is not None and s.latest < s.earliest:
            problems.append(Problem("route", f"stop {i} ({s.name}): latest start {fmt_hhmm(s.latest)} is before "
                                             f"earliest {fmt_hhmm(s.earliest)}.", fix="Swap the two times."))
        if s.duration_min is not None and s.duration_min < 0:
            problems.append(Problem("route", f"stop {i} ({s.name}): the session length is negative."))
        if not (np.isfinite(s.x) and np.isfinite(s.y)):
            problems.append(Problem("route", f"stop {i} ({s.name}) has no location.",
                                    fix="Type its latitude and longitude or pick it on the map."))
    if problems:
        raise DataError(problems)
    start_min = float(parse_optional_hhmm(start) or 0)
    end_at = parse_optional_hhmm(end)
    end_min = None if end_at is None else float(end_at)
    if end_min is not None and end_min <= start_min:
        raise DataError(Problem("route", f"the day ends ({end}) before it starts ({start}).",
                                fix="Set a later end time, or leave it blank."))
    pts = np.array([[base.x, base.y]] + [[s.x, s.y] for s in stops], dtype="float64")
    travel = travel_times(pts, graph=graph, assumptions=assumptions, speed_m_per_min=speed_m_per_min)
    detour_factor = travel.detour_factor
    dur, early, late = _windows(stops)
    order, ret, tr = best_order(travel.minutes, durations=dur, earliest=early, latest=late, start_min=start_min,
                                end_min=end_min, must_visit=[s.must_visit for s in stops])
    rows = []
    t, last = start_min, 0
    rows.append({"seq": 0, "stop": -1, "name": base.name, "kind": "base", "arrive": "", "start": "",
                 "depart": fmt_hhmm(t), "wait_min": 0.0, "travel_min": 0.0, "distance_m": 0.0, "estimate": False,
                 "x": base.x, "y": base.y})
    for seq, i in enumerate(order, start=1):
        leg = travel.minutes[last, i + 1]
        arrive = t + leg
        s = max(arrive, early[i])
        t = s + dur[i]
        rows.append({"seq": seq, "stop": i, "name": stops[i].name, "kind": stops[i].kind, "arrive": fmt_hhmm(arrive),
                     "start": fmt_hhmm(s), "depart": fmt_hhmm(t), "wait_min": round(float(s - arrive), 1),
                     "travel_min": round(float(leg), 1), "distance_m": round(float(travel.metres[last, i + 1])),
                     "estimate": bool(travel.estimate[last, i + 1]), "x": stops[i].x, "y": stops[i].y})
        last = i + 1
    leg = travel.minutes[last, 0]
    rows.append({"seq": len(order) + 1, "stop": -1, "name": f"{base.name} (back)", "kind": "base",
                 "arrive": fmt_hhmm(t + leg), "start": "", "depart": "", "wait_min": 0.0,
                 "travel_min": round(float(leg), 1), "distance_m": round(float(travel.metres[last, 0])),
                 "estimate": bool(travel.estimate[last, 0]), "x": base.x, "y": base.y})
    schedule = pd.DataFrame(rows)
    left_out = tuple(i for i in range(len(stops)) if i not in order)
    speed_kmh = speed_m_per_min * 60 / 1000
    notes = [f"Travel {mode_words} at {speed_kmh:g} km/h on average (an assumption; edit it)."]
    if not travel.network:
        notes.append(f"No road network in this workspace: every leg is straight-line distance × {detour_factor:g} "
                     "(estimate).")
    elif schedule["estimate"].any():
        notes.append(f"{int(schedule['estimate'].sum())} leg(s) are not joined by the road network: straight-line "
                     f"distance × {detour_factor:g} (estimate).")
    missed = [i for i in left_out if stops[i].must_visit]
    if missed:
        notes.append("Booked stops that cannot be reached in time: " + ", ".join(stops[i].name for i in missed)
                     + ". Check their times, or leave the base earlier.")
    if left_out:
        notes.append("Could not fit in the day with these time windows: "
                     + ", ".join(stops[i].name for i in left_out)
                     + ". Widen their windows, shorten sessions, start earlier or move them to another day.")
    return Route(order=order, schedule=schedule, return_min=float(ret), travel_min=float(tr),
                 distance_m=float(schedule["distance_m"].sum()), left_out=left_out, notes=notes), travel


# --------------------------------------------------------------------------------------------------
# Windows from opening hours; stops from sessions


def window_from_hours(week: Week, day: dt.date, *, duration_min: float) -> tuple[float, float] | None:
    """(earliest, latest) session start on `day` within its longest opening span; None when closed."""
    spans = [(a, b) for a, b in week[day.weekday()] if b - a >= duration_min]
    if not spans:
        return None
    a, b = max(spans, key=lambda s: (s[1] - s[0], -s[0]))
    return float(a), float(min(b, DAY_MIN) - duration_min)


def stops_from_sessions(sessions: pd.DataFrame) -> list[Stop]:
    """One stop per session, its window the booked start (earliest = latest)."""
    out = []
    for r in sessions.to_dict("records"):
        a, b = parse_hhmm(r["start"]), parse_hhmm(r["end"], end_of_day=True)
        out.append(Stop(name=text_or(r.get("venue")), x=float(r["x"]), y=float(r["y"]), duration_min=float(b - a),
                        earliest=float(a), latest=float(a), kind="venue", stop_id=text_or(r.get("session_id")),
                        address=text_or(r.get("address")), contact=text_or(r.get("contact")), must_visit=True))
    return out


# --------------------------------------------------------------------------------------------------
# Drawing: legs along the roads


def _foot(graph: RoadGraph, edge: int, along: float) -> FloatArray:
    a = graph.node_xy[graph.edge_u[edge]]
    b = graph.node_xy[graph.edge_v[edge]]
    ln = graph.edge_length_m[edge]
    f = along / ln if ln > 0 else 0.0
    return np.asarray(a + f * (b - a), dtype="float64")


def _road_leg(graph: RoadGraph, xy: FloatArray, snap: EdgePoints, a: int, b: int,
              cache: dict[int, tuple[FloatArray, NDArray[np.int64]]]) -> shapely.LineString:
    """The leg from point a to point b along the roads (both snapped to the network)."""
    ea, eb = int(snap.edge[a]), int(snap.edge[b])
    foot_a = _foot(graph, ea, float(snap.along_m[a]))
    foot_b = _foot(graph, eb, float(snap.along_m[b]))
    if ea == eb:
        return shapely.LineString([xy[a], foot_a, foot_b, xy[b]])
    n = graph.n_nodes
    if a not in cache:
        ln = graph.edge_length_m[ea]
        aug = with_sources(graph.matrix, [0, 0], [graph.edge_u[ea], graph.edge_v[ea]],
                           [snap.along_m[a], ln - snap.along_m[a]], 1)
        found, came_from = dijkstra(aug, directed=True, indices=np.array([n]), return_predecessors=True)
        cache[a] = (np.asarray(found[0], dtype="float64"), np.asarray(came_from[0], dtype="int64"))
    dist, pred = cache[a]
    u, v = int(graph.edge_u[eb]), int(graph.edge_v[eb])
    du = dist[u] + snap.along_m[b]
    dv = dist[v] + graph.edge_length_m[eb] - snap.along_m[b]
    node = u if du <= dv else v
    path = []
    while node >= 0 and node != n:
        path.append(node)
        node = int(pred[node])
    path.reverse()
    return shapely.LineString([xy[a], foot_a, *graph.node_xy[path], foot_b, xy[b]])


def leg_lines(points_xy: ArrayLike, order: Sequence[int], *, graph: RoadGraph | None,
              estimate: NDArray[np.bool_]) -> list[shapely.LineString]:
    """The path of each leg of base → stops in `order` → base (positions 1..k in `points_xy`, 0 the
    base): along the road network where the leg used it, else a straight line."""
    xy = np.asarray(points_xy, dtype="float64").reshape(-1, 2)
    seq = [0, *[i + 1 for i in order], 0]
    snap = snap_points(graph, xy) if graph is not None and not graph.empty else None
    cache: dict[int, tuple[FloatArray, NDArray[np.int64]]] = {}
    lines: list[shapely.LineString] = []
    for a, b in itertools.pairwise(seq):
        if graph is None or snap is None or a == b or estimate[a, b]:
            lines.append(shapely.LineString([xy[a], xy[b]]))
        else:
            lines.append(_road_leg(graph, xy, snap, a, b, cache))
    return lines
