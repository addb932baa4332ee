"""Reach: minutes to the nearest usable venue on foot (road network) or by bus, per road and LSOA.

What the caller passes as `venues` is what counts: filter first (by kind, hubs only, open at a time:
see geo.analyse.hours `usable_venues` and `open_at`). Every road segment gets a time at its midpoint
and every LSOA a time from its population-weighted point. How fast people walk, how far they walk to
a stop, the bus defaults and the detour factor are one `ReachAssumptions` (geo.assumptions).

Walking: multi-source Dijkstra over the road graph (geo.analyse.network, geo.analyse.paths) from all
venues at once. Bus: walk to a stop (at most `max_walk_to_stop_m`, by the network), wait half the
headway (60 / trips_per_hour / 2 minutes), ride at the route speed along the route line (the rides
between stops: geo.analyse.transit), then walk from the alighting stop to the nearest venue (also at
most `max_walk_to_stop_m`). One bus, no change. For every stop the best onward time is precomputed
(min over the stops on the same route of ride + walk on); then each origin takes the best stop within
the walking limit. The walking limit is measured from the road network; the few metres from an origin
to the road are added to the time but not counted against the limit.
reach = min(walk, bus).

No road network: straight-line distance x `detour_factor` (default 1.3) at the same speed, flagged
`estimate=True` and stated in `assumptions`. With a network, places the network does not join to any
venue (an island of named roads, say) fall back to the same estimate, flagged per segment and LSOA.

An LSOA's population-weighted point is the household-weighted mean of the midpoints of the road
segments inside it (midpoint in the polygon); where its roads carry no household counts, the
length-weighted mean; if that point falls outside the LSOA, the LSOA's road midpoint nearest to it;
with no roads inside, the LSOA's representative point. The LSOA's times are the times *at that
point* (so best = min(walk, bus) holds per LSOA too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.analyse.hours import closed_note, closed_venues
from geo.analyse.network import (
    EdgePoints,
    RoadGraph,
    build_graph,
    edge_point_xy,
    geometry_xy,
    segment_midpoints,
    snap_points,
)
from geo.analyse.paths import bounded_distance, distance_from, source_pairs, values_at
from geo.analyse.transit import STOP_ROUTE_M, route_params, route_rides, stop_onward_minutes
from geo.assumptions import DEFAULT_REACH, ReachAssumptions

#: Reach-time bands for the map, in order.
BANDS: tuple[str, ...] = ("<10", "10–20", "20–30", "30+")
BAND_EDGES_MIN: tuple[float, ...] = (10.0, 20.0, 30.0)
NO_DATA = "no data"
#: The ways a reach time can be read, and the column holding each (in ReachResult.lsoas, reach_by_road).
REACH_MODES: dict[str, str] = {"best": "Best of walk and bus", "walk": "Walking", "bus": "Bus"}
MODE_COLUMNS: dict[str, str] = {"best": "best_min", "walk": "walk_min", "bus": "bus_min"}


# --------------------------------------------------------------------------------------------------
# Bands


def reach_band(minutes: float) -> str:
    """"<10", "10–20", "20–30" or "30+" (no venue reachable counts as 30+); "no data" for NaN."""
    if minutes is None or (isinstance(minutes, float) and np.isnan(minutes)):
        return NO_DATA
    return str(reach_bands(np.array([minutes], dtype="float64"))[0])


def reach_bands(minutes: Any) -> np.ndarray:
    """`reach_band` for an array of minutes."""
    arr = np.asarray(minutes, dtype="float64")
    idx = np.digitize(np.where(np.isnan(arr), 0.0, arr), BAND_EDGES_MIN)
    out = np.asarray(BANDS, dtype=object)[idx]
    out[np.isnan(arr)] = NO_DATA
    return out


# --------------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class ReachResult:
    """Reach times in minutes (inf: nothing reachable that way).

    Per road segment (aligned with the roads passed in): walk_min, bus_min, best_min, mode
    ("walk", "bus" or "none") and estimate (straight-line estimate used for walking).
    `lsoas`: lsoa_code, walk_min, bus_min, best_min, mode, estimate, origin (how the point was
    chosen), origin_x, origin_y. `assumptions`: every assumption in words, for the screen.
    `routes_with_defaults`: route ids that used a default headway or speed.
    """

    walk_min: np.ndarray
    bus_min: np.ndarray
    best_min: np.ndarray
    mode: np.ndarray
    estimate: np.ndarray
    lsoas: pd.DataFrame
    assumptions: list[str] = field(default_factory=list)
    routes_with_defaults: list[str] = field(default_factory=list)
    network: bool = True

    @property
    def any_estimate(self) -> bool:
        return bool(self.estimate.any() or (len(self.lsoas) and self.lsoas["estimate"].any()))

    def segments(self) -> pd.DataFrame:
        return pd.DataFrame({"walk_min": self.walk_min, "bus_min": self.bus_min, "best_min": self.best_min,
                             "mode": self.mode, "estimate": self.estimate, "band": reach_bands(self.best_min)})


_MODES = np.array(["walk", "bus", "none"], dtype=object)


def _mode(walk: np.ndarray, bus: np.ndarray) -> np.ndarray:
    walk, bus = np.asarray(walk, dtype="float64"), np.asarray(bus, dtype="float64")
    code = (bus < walk).astype("int8")
    code[~np.isfinite(np.minimum(walk, bus))] = 2
    return np.asarray(_MODES[code], dtype=object)


# --------------------------------------------------------------------------------------------------
# Origins


def population_weighted_points(lsoas: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None, *,
                               midpoints_xy: np.ndarray | None = None) -> pd.DataFrame:
    """Each LSOA's population-weighted point (see the module notes): lsoa_code, x, y, origin.

    `midpoints_xy` may pass the road segments' midpoints when already known (geo.analyse.network)."""
    n = len(lsoas)
    geoms = np.asarray(lsoas.geometry.values)
    rep = shapely.point_on_surface(geoms) if n else np.array([], dtype=object)
    x = shapely.get_x(rep) if n else np.zeros(0)
    y = shapely.get_y(rep) if n else np.zeros(0)
    origin = np.full(n, "representative point", dtype=object)
    if n and roads is not None and len(roads):
        if midpoints_xy is None:
            mids = shapely.line_interpolate_point(np.asarray(roads.geometry.values), 0.5, normalized=True)
        else:
            mids = np.asarray(shapely.points(np.asarray(midpoints_xy, dtype="float64")), dtype=object)
        hits = lsoas.sindex.query(mids, predicate="intersects")
        if hits.size:
            first = np.unique(hits[0], return_index=True)[1]
            seg, lsoa = hits[0][first], hits[1][first]
            mx, my = shapely.get_x(mids[seg]), shapely.get_y(mids[seg])
            hh = (roads["households"].astype("Float64").fillna(0).to_numpy(dtype="float64")
                  if "households" in roads.columns else np.zeros(len(roads)))[seg]
            hh = np.clip(hh, 0, None)
            length = shapely.length(np.asarray(roads.geometry.values))[seg]
            hh_sum = np.bincount(lsoa, weights=hh, minlength=n)
            use_hh = hh_sum[lsoa] > 0
            w = np.where(use_hh, hh, np.maximum(length, 1e-6))
            wsum = np.bincount(lsoa, weights=w, minlength=n)
            has = wsum > 0
            px = np.bincount(lsoa, weights=w * mx, minlength=n)[has] / wsum[has]
            py = np.bincount(lsoa, weights=w * my, minlength=n)[has] / wsum[has]
            inside = shapely.contains_xy(geoms[has], px, py)
            x, y = x.copy(), y.copy()
            idx_has = np.flatnonzero(has)
            x[idx_has], y[idx_has] = px, py
            origin[idx_has] = np.where(hh_sum[has] > 0, "roads (households)", "roads (length)")
            if not inside.all():
                outside = idx_has[~inside]
                sel = np.isin(lsoa, outside)
                d = pd.DataFrame({"lsoa": lsoa[sel], "x": mx[sel], "y": my[sel]})
                d["d"] = np.hypot(d["x"] - x[d["lsoa"]], d["y"] - y[d["lsoa"]])
                near = d.loc[d.groupby("lsoa")["d"].idxmin()]
                x[near["lsoa"].to_numpy()] = near["x"].to_numpy()
                y[near["lsoa"].to_numpy()] = near["y"].to_numpy()
                origin[near["lsoa"].to_numpy()] = "road nearest the weighted point"
    return pd.DataFrame({"lsoa_code": lsoas["lsoa_code"].astype("string").to_numpy(), "x": x, "y": y,
                         "origin": origin})


# --------------------------------------------------------------------------------------------------
# Straight-line helpers (no network)


def _nearest_straight_m(origin_xy: np.ndarray, target_xy: np.ndarray) -> np.ndarray:
    if len(target_xy) == 0 or len(origin_xy) == 0:
        return np.full(len(origin_xy), np.inf)
    d, _ = cKDTree(target_xy).query(origin_xy)
    return np.asarray(d, dtype="float64")


def _straight_bus_m(origin_xy: np.ndarray, stop_xy: np.ndarray, stop_cost_m: np.ndarray, *,
                    limit_m: float, detour: float) -> np.ndarray:
    out = np.full(len(origin_xy), np.inf)
    ok = np.isfinite(stop_cost_m)
    if not ok.any() or len(origin_xy) == 0:
        return out
    sidx = np.flatnonzero(ok)
    pairs = cKDTree(origin_xy).sparse_distance_matrix(cKDTree(stop_xy[sidx]), limit_m / detour,
                                                      output_type="ndarray")
    if len(pairs):
        val = detour * pairs["v"] + stop_cost_m[sidx[pairs["j"]]]
        np.minimum.at(out, pairs["i"], val)
    return out


# --------------------------------------------------------------------------------------------------
# The computation


class Searches(NamedTuple):
    """The shortest-path searches `compute_reach` runs on the road graph: `walk` is
    `geo.analyse.paths.distance_from` (metres from every node to the nearest venue), `bounded` is
    `geo.analyse.paths.bounded_distance` (per node, the best stop cost + walk within the limit). Both use
    scipy.sparse.csgraph; the benchmark passes networkx versions to time the same pipeline."""

    walk: Callable[..., np.ndarray]
    bounded: Callable[..., np.ndarray]


CSGRAPH = Searches(walk=distance_from, bounded=bounded_distance)


@dataclass(frozen=True, eq=False)
class ReachNetwork:
    """Everything reach needs that does not depend on which venues count or on the assumptions:
    the road graph, segment midpoints placed on it, the LSOAs' population-weighted points and the bus
    stops placed on it, and the table of rides between stops. Build once per workspace
    (`prepare_network`) and pass to `compute_reach(prepared=...)` for every venue filter."""

    graph: RoadGraph | None
    n_roads: int
    mid_xy: np.ndarray
    mids: EdgePoints | None
    origins: pd.DataFrame
    origin_snap: EdgePoints | None
    stop_xy: np.ndarray
    stop_snap: EdgePoints | None
    rides: pd.DataFrame
    stop_notes: list[str]
    has_bus: bool
    stop_route_m: float
    _pairs: dict[float, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def network(self) -> bool:
        return self.graph is not None and not self.graph.empty

    def placed(self) -> tuple[RoadGraph, EdgePoints, EdgePoints] | None:
        """(graph, segment midpoints, LSOA points) on the network; None without a network."""
        if self.graph is None or self.graph.empty or self.mids is None or self.origin_snap is None:
            return None
        return self.graph, self.mids, self.origin_snap

    def stop_pairs(self, limit_m: float) -> np.ndarray:
        """Stops whose walking areas within `limit_m` may overlap (cached per limit)."""
        key = float(limit_m)
        if self.graph is None or self.stop_snap is None:
            return np.zeros((0, 2), dtype="int64")
        if key not in self._pairs:
            self._pairs[key] = source_pairs(self.graph, self.stop_snap, limit_m=key)
        return self._pairs[key]


def _empty_origins() -> pd.DataFrame:
    return pd.DataFrame({"lsoa_code": pd.Series(dtype="string"), "x": pd.Series(dtype="float64"),
                         "y": pd.Series(dtype="float64"), "origin": pd.Series(dtype=object)})


def prepare_network(roads: gpd.GeoDataFrame | None, *, lsoas: gpd.GeoDataFrame | None = None,
                    bus_stops: gpd.GeoDataFrame | None = None, bus_routes: gpd.GeoDataFrame | None = None,
                    graph: RoadGraph | None = None, stop_route_m: float = STOP_ROUTE_M) -> ReachNetwork:
    """The venue-independent part of reach (see `ReachNetwork`). `graph` may pass one already built
    from these roads."""
    n_roads = 0 if roads is None else len(roads)
    if graph is None and n_roads:
        graph = build_graph(roads)
    if graph is not None and graph.n_segments != n_roads:
        raise ValueError(f"graph has {graph.n_segments} segments but roads has {n_roads} rows; "
                         "build the graph from these roads")
    net = graph if graph is not None and not graph.empty else None
    mids = segment_midpoints(net) if net is not None else None
    if net is not None and mids is not None:
        mid_xy = edge_point_xy(net, mids)
    elif roads is not None and n_roads:
        mid_xy = geometry_xy(shapely.line_interpolate_point(np.asarray(roads.geometry.values), 0.5,
                                                            normalized=True))
    else:
        mid_xy = np.zeros((0, 2))
    origins = (population_weighted_points(lsoas, roads if n_roads else None,
                                          midpoints_xy=mid_xy if net is not None else None)
               if lsoas is not None else _empty_origins())
    origin_xy = origins[["x", "y"]].to_numpy(dtype="float64")
    stop_xy = np.zeros((0, 2))
    rides = pd.DataFrame({"stop": [], "stop_to": [], "route": [], "ride_m": []})
    stop_notes: list[str] = []
    has_bus = False
    if bus_stops is not None and len(bus_stops) > 0 and bus_routes is not None and len(bus_routes) > 0:
        has_bus = True
        stop_xy = geometry_xy(bus_stops)
        rides, stop_notes = route_rides(bus_stops, bus_routes, stop_route_m=stop_route_m)
    return ReachNetwork(graph=graph, n_roads=n_roads, mid_xy=mid_xy, mids=mids, origins=origins,
                        origin_snap=snap_points(net, origin_xy) if net is not None else None,
                        stop_xy=stop_xy, stop_snap=snap_points(net, stop_xy) if net is not None and has_bus else None,
                        rides=rides, stop_notes=stop_notes, has_bus=has_bus, stop_route_m=float(stop_route_m))


@dataclass(frozen=True)
class _Walk:
    """Metres walked to the nearest venue from every segment midpoint and LSOA point (estimates where
    the network does not join them to one), and the node field of the search (None without a network)."""

    seg_m: np.ndarray
    org_m: np.ndarray
    seg_est: np.ndarray
    org_est: np.ndarray
    node_m: np.ndarray | None
    venue_snap: EdgePoints | None
    notes: list[str]


def _walk(pn: ReachNetwork, venue_xy: np.ndarray, origin_xy: np.ndarray, *, detour: float,
          searches: Searches) -> _Walk:
    placed = pn.placed()
    if placed is None:
        return _Walk(seg_m=detour * _nearest_straight_m(pn.mid_xy, venue_xy),
                     org_m=detour * _nearest_straight_m(origin_xy, venue_xy),
                     seg_est=np.ones(pn.n_roads, dtype=bool), org_est=np.ones(len(origin_xy), dtype=bool),
                     node_m=None, venue_snap=None,
                     notes=[f"straight-line distance × {detour:g} (estimate: no road network)"])
    graph, mids, osnap = placed
    vsnap = snap_points(graph, venue_xy)
    node_m = searches.walk(graph, vsnap)
    seg_m = values_at(graph, node_m, mids, sources=vsnap)
    org_m = values_at(graph, node_m, osnap, sources=vsnap)
    seg_est = ~np.isfinite(seg_m) & (len(venue_xy) > 0)
    org_est = ~np.isfinite(org_m) & (len(venue_xy) > 0)
    if seg_est.any():
        seg_m[seg_est] = detour * _nearest_straight_m(pn.mid_xy[seg_est], venue_xy)
    if org_est.any():
        org_m[org_est] = detour * _nearest_straight_m(origin_xy[org_est], venue_xy)
    notes = []
    if seg_est.any() or org_est.any():
        notes.append(f"{int(seg_est.sum())} of {pn.n_roads} road segments and {int(org_est.sum())} LSOA points are "
                     f"not joined to any venue by the road network: straight-line distance × {detour:g} (estimate).")
    return _Walk(seg_m, org_m, seg_est, org_est, node_m, vsnap, notes)


def _bus(pn: ReachNetwork, bus_routes: pd.DataFrame, venue_xy: np.ndarray, origin_xy: np.ndarray, walk: _Walk, *,
         assumptions: ReachAssumptions, searches: Searches) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Metres-equivalent of the best one-bus trip from every segment midpoint and LSOA point (inf where
    none), the notes on the bus assumptions and the routes that used a default headway or speed."""
    speed, limit, detour = assumptions.walk_m_per_min, assumptions.max_walk_to_stop_m, assumptions.detour_factor
    tph, kmh, route_notes, routes_with_defaults = route_params(bus_routes, assumptions=assumptions)
    notes = [(f"Bus: walk at most {limit:g} m to a stop and from the alighting stop, wait half "
              "the time between buses, ride at the route's speed; one bus, no changes."), *route_notes, *pn.stop_notes]
    placed, ssnap, node_m = pn.placed(), pn.stop_snap, walk.node_m
    if placed is not None and ssnap is not None and node_m is not None:
        stop_walk_m = values_at(placed[0], node_m, ssnap, sources=walk.venue_snap)
    else:
        stop_walk_m = detour * _nearest_straight_m(pn.stop_xy, venue_xy)
    stop_walk_min = np.where(stop_walk_m <= limit, stop_walk_m / speed, np.inf)
    onward = stop_onward_minutes(pn.rides, stop_walk_min, wait_min=60.0 / tph / 2.0,
                                 speed_m_per_min=kmh * 1000.0 / 60.0)
    onward_m = onward * speed  # minutes expressed as metres of walking, to add to walks
    if placed is not None and ssnap is not None:
        graph, mids, osnap = placed
        bus_node = searches.bounded(graph, ssnap, cost_m=onward_m, limit_m=limit, pairs=pn.stop_pairs(limit))
        seg_m = values_at(graph, bus_node, mids, sources=ssnap, source_cost_m=onward_m, limit_m=limit)
        org_m = values_at(graph, bus_node, osnap, sources=ssnap, source_cost_m=onward_m, limit_m=limit)
    else:
        seg_m = (_straight_bus_m(pn.mid_xy, pn.stop_xy, onward_m, limit_m=limit, detour=detour) if pn.n_roads
                 else np.full(pn.n_roads, np.inf))
        org_m = _straight_bus_m(origin_xy, pn.stop_xy, onward_m, limit_m=limit, detour=detour)
    return seg_m, org_m, notes, routes_with_defaults


def compute_reach(
    roads: gpd.GeoDataFrame | None,
    venues: gpd.GeoDataFrame,
    *,
    lsoas: gpd.GeoDataFrame | None = None,
    bus_stops: gpd.GeoDataFrame | None = None,
    bus_routes: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    prepared: ReachNetwork | None = None,
    assumptions: ReachAssumptions = DEFAULT_REACH,
    stop_route_m: float = STOP_ROUTE_M,
    searches: Searches = CSGRAPH,
) -> ReachResult:
    """Minutes to the nearest of `venues` on foot and by bus for every road segment and LSOA.

    Venues marked `closed` are always left out; any other filtering (kinds, hubs, open at a time) is
    the caller's, e.g. with `usable_venues`. `assumptions` are the walking speed, the longest walk to
    or from a stop, the bus defaults and the detour factor (validated when made). `graph` may be passed
    to reuse one built by `geo.analyse.network.build_graph(roads)`; `prepared` (from `prepare_network`
    on the same roads, LSOAs, stops and routes) skips all venue-independent work, which is what a page
    does on every rerun. `bus_routes` is still read for the routes' headways and speeds. All inputs are
    EPSG:27700 layers in the schema shape; nothing is modified.
    """
    n_roads = 0 if roads is None else len(roads)
    if prepared is None:
        prepared = prepare_network(roads, lsoas=lsoas, bus_stops=bus_stops, bus_routes=bus_routes, graph=graph,
                                   stop_route_m=stop_route_m)
    elif prepared.n_roads != n_roads:
        raise ValueError(f"prepared network has {prepared.n_roads} road segments but roads has {n_roads} rows; "
                         "prepare it from these roads")
    pn = prepared
    speed = assumptions.walk_m_per_min
    notes: list[str] = [f"Walking at {speed:g} m per minute."]
    closed = closed_venues(venues)
    if closed.any():  # never reach a closed venue, whatever the caller filtered
        venues = venues[~closed]
        notes.append(closed_note(int(closed.sum())))
    venue_xy = geometry_xy(venues)
    if len(venue_xy) == 0:
        notes.append("No venues selected: no reach times.")
    origins = pn.origins
    origin_xy = origins[["x", "y"]].to_numpy(dtype="float64")

    walk = _walk(pn, venue_xy, origin_xy, detour=assumptions.detour_factor, searches=searches)
    notes.extend(walk.notes)
    seg_bus_m, org_bus_m = np.full(n_roads, np.inf), np.full(len(origin_xy), np.inf)
    routes_with_defaults: list[str] = []
    if pn.has_bus and bus_routes is not None and len(bus_routes) > 0 and len(venue_xy) > 0:
        seg_bus_m, org_bus_m, bus_notes, routes_with_defaults = _bus(
            pn, bus_routes, venue_xy, origin_xy, walk, assumptions=assumptions, searches=searches)
        notes.extend(bus_notes)

    walk_min, bus_min = walk.seg_m / speed, seg_bus_m / speed
    best_min = np.minimum(walk_min, bus_min)
    o_walk, o_bus = walk.org_m / speed, org_bus_m / speed
    o_best = np.minimum(o_walk, o_bus)
    lsoa_frame = pd.DataFrame({
        "lsoa_code": origins["lsoa_code"].to_numpy(),
        "walk_min": o_walk, "bus_min": o_bus, "best_min": o_best, "mode": _mode(o_walk, o_bus),
        "estimate": walk.org_est, "origin": origins["origin"].to_numpy(),
        "origin_x": origin_xy[:, 0], "origin_y": origin_xy[:, 1],
    })
    lsoa_frame["band"] = reach_bands(o_best)
    return ReachResult(walk_min=walk_min, bus_min=bus_min, best_min=best_min, mode=_mode(walk_min, bus_min),
                       estimate=walk.seg_est, lsoas=lsoa_frame, assumptions=notes,
                       routes_with_defaults=routes_with_defaults, network=pn.network)


def reach_by_road(result: ReachResult, roads: gpd.GeoDataFrame, keys: pd.Series) -> pd.DataFrame:
    """Per road (segments sharing a key, e.g. geo.analyse.engagement.road_keys): length-weighted mean of the
    segments' walk, bus and best minutes (bus is inf if part of the road has no bus option),
    estimate if any segment is an estimate. Rows with a missing key are left out."""
    length = shapely.length(np.asarray(roads.geometry.values))
    frame = pd.DataFrame({"road_key": np.asarray(keys, dtype=object), "w": np.maximum(length, 1e-6),
                          "walk_min": result.walk_min, "bus_min": result.bus_min,
                          "best_min": result.best_min, "estimate": result.estimate})
    frame = frame[pd.notna(frame["road_key"])]
    for col in ("walk_min", "bus_min", "best_min"):
        frame[col + "_w"] = frame[col] * frame["w"]
    g = frame.groupby("road_key", sort=True)
    wsum = g["w"].sum()
    out = pd.DataFrame({col: g[col + "_w"].sum() / wsum for col in ("walk_min", "bus_min", "best_min")})
    out["estimate"] = g["estimate"].any()
    out["mode"] = _mode(out["walk_min"].to_numpy(), out["bus_min"].to_numpy())
    out["band"] = reach_bands(out["best_min"].to_numpy())
    return out.reset_index()
