"""Buses: which places are near a stop, which stops serve which routes, and the rides between stops.

A ride is one bus between two stops on the same route, its length measured along the route's own
lines (the shortest path between the two stops along them, which copes with routes drawn as many OSM
ways, with branches and both directions; for a single LineString this is the difference of the stops'
positions along it, as `shapely.line_locate_point` gives). Buses are assumed to run both ways along
the route. Headways and speeds come from the routes layer where it has them, else from the reach
assumptions (`route_params`), and every default used is said in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.analyse.network import build_graph, components, geometry_xy, induced_subgraph, snap_points, with_sources
from geo.assumptions import DEFAULT_REACH, ReachAssumptions

#: Near a stop: within the default longest walk to a stop (straight line).
DEFAULT_STOP_WALK_M = DEFAULT_REACH.max_walk_to_stop_m
#: A stop with no route ids serves every route passing within this many metres.
STOP_ROUTE_M = 50.0
#: The workspace metadata key holding the GTFS service date whose trips give the buses per hour.
SERVICE_DATE_META = "gtfs_service_date"


def service_date_note(meta: Mapping[str, str]) -> str | None:
    """What the buses per hour of a workspace built from a GTFS feed count, in words (None without one)."""
    text = meta.get(SERVICE_DATE_META, "")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return f"Buses an hour: trips running on {day:%A} {day.day} {day:%B %Y} (the GTFS feed's service date), " \
           "07:00 to 19:00."


def near_stops(points: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, *,
               radius_m: float = DEFAULT_STOP_WALK_M) -> np.ndarray:
    """True for each point with a bus stop within `radius_m` metres (straight line)."""
    if radius_m < 0:
        raise ValueError(f"radius_m must not be negative, got {radius_m}")
    out = np.zeros(len(points), dtype=bool)
    if len(points) == 0 or len(stops) == 0:
        return out
    tree = shapely.STRtree(stops.geometry.values)
    hits = tree.query(points.geometry.values, predicate="dwithin", distance=radius_m)
    out[np.unique(hits[0])] = True
    return out


def route_params(routes: pd.DataFrame, *, assumptions: ReachAssumptions
                 ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Buses an hour and km/h of every route (the data's where given and positive, else the assumed
    defaults), a note per route that used a default, and those routes' ids."""
    def col(name: str) -> np.ndarray:
        if name not in routes.columns:
            return np.full(len(routes), np.nan)
        return np.asarray(pd.to_numeric(routes[name], errors="coerce").astype("float64").to_numpy(), dtype="float64")

    tph, speed = col("trips_per_hour"), col("speed_kmh")
    tph_default = ~(np.isfinite(tph) & (tph > 0))
    speed_default = ~(np.isfinite(speed) & (speed > 0))
    tph = np.where(tph_default, assumptions.default_trips_per_hour, tph)
    speed = np.where(speed_default, assumptions.default_speed_kmh, speed)
    ids = routes["route_id"].astype("string").fillna("?").to_numpy()
    names = (routes["name"].astype("string").fillna("").to_numpy() if "name" in routes.columns
             else np.full(len(routes), "", dtype=object))
    notes, used = [], []
    for i in np.flatnonzero(tph_default | speed_default):
        parts = []
        if tph_default[i]:
            parts.append(f"{assumptions.default_trips_per_hour:g} buses an hour")
        if speed_default[i]:
            parts.append(f"{assumptions.default_speed_kmh:g} km/h")
        label = f"route {ids[i]}" + (f" ({names[i]})" if names[i] else "")
        notes.append(f"Bus {label}: {' and '.join(parts)} assumed (not in the data).")
        used.append(str(ids[i]))
    return tph, speed, notes, used


def stop_routes(stops: gpd.GeoDataFrame, routes: gpd.GeoDataFrame, *,
                stop_route_m: float = STOP_ROUTE_M) -> tuple[pd.DataFrame, list[str]]:
    """Which routes each stop serves: (stop, route) positions. A stop serves the routes listed in its
    `route_ids` (separated by , ; or |); a stop with no list serves every route passing within
    `stop_route_m`."""
    notes: list[str] = []
    empty = pd.DataFrame({"stop": pd.Series(dtype="int64"), "route": pd.Series(dtype="int64")})
    if len(stops) == 0 or len(routes) == 0:
        return empty, notes
    rid = routes["route_id"].astype("string").to_numpy()
    listed = (stops["route_ids"].astype("string") if "route_ids" in stops.columns
              else pd.Series(pd.NA, index=stops.index, dtype="string"))
    lists = listed.fillna("").str.split(r"[,;|]", regex=True)
    pairs = pd.DataFrame({"stop": np.arange(len(stops)), "rid": lists.to_numpy()}).explode("rid")
    pairs["rid"] = pairs["rid"].astype("string").str.strip()
    pairs = pairs[pairs["rid"].notna() & (pairs["rid"] != "")]
    route_index = pd.Series(np.arange(len(routes)), index=pd.Index(rid))
    route_index = route_index[~route_index.index.duplicated()]
    pairs["route"] = pairs["rid"].map(route_index)
    unknown = pairs[pairs["route"].isna()]
    if len(unknown):
        notes.append(f"{unknown['stop'].nunique()} stops list routes that are not in the bus routes layer "
                     f"({', '.join(sorted(unknown['rid'].unique())[:5])}); those links are ignored.")
    pairs = pairs[pairs["route"].notna()]
    by_list = pd.DataFrame({"stop": pairs["stop"].to_numpy(dtype="int64"),
                            "route": pairs["route"].to_numpy(dtype="int64")})
    has_list = np.zeros(len(stops), dtype=bool)
    has_list[by_list["stop"].to_numpy()] = True
    unlisted = np.flatnonzero(~has_list)
    by_dist = empty
    if unlisted.size:
        tree = shapely.STRtree(np.asarray(routes.geometry.values))
        hit = tree.query(np.asarray(stops.geometry.values)[unlisted], predicate="dwithin", distance=stop_route_m)
        by_dist = pd.DataFrame({"stop": unlisted[hit[0]].astype("int64"), "route": hit[1].astype("int64")})
        if len(by_dist):
            notes.append(f"{by_dist['stop'].nunique()} bus stops without route ids matched to routes passing "
                         f"within {stop_route_m:g} m.")
    out = pd.concat([by_list, by_dist], ignore_index=True).drop_duplicates().sort_values(["route", "stop"])
    n_off = len(stops) - out["stop"].nunique()
    if n_off:
        notes.append(f"{n_off} bus stops are on no bus route and are not used.")
    return out.reset_index(drop=True), notes


_ROUTE_SHIFT_M = 1.0e7  # routes are laid side by side this far apart so that they never join


def route_rides(stops: gpd.GeoDataFrame, routes: gpd.GeoDataFrame, *,
                stop_route_m: float = STOP_ROUTE_M, max_cells: int = 4_000_000) -> tuple[pd.DataFrame, list[str]]:
    """Every ride between two stops on the same route: stop, stop_to, route, ride_m (positions).

    The ride distance is the shortest path along the route's own lines, so routes drawn as several
    ways, with branches or both directions, still work; buses are taken to run both ways. Stops are
    placed on the route line at their nearest point. All routes go into one graph (each shifted far
    east so that no two join) and are searched a chunk of routes at a time (at most `max_cells` entries
    in a chunk's distance table), so there is no per-route Python work beyond the chunk loop.
    """
    served, notes = stop_routes(stops, routes, stop_route_m=stop_route_m)
    cols = {"stop": "int64", "stop_to": "int64", "route": "int64", "ride_m": "float64"}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    if len(served) == 0:
        if len(stops) and len(routes):
            notes.append("No bus stop lies on a bus route: no bus times.")
        return empty, notes
    n_served = served.groupby("route")["stop"].transform("size").to_numpy()
    served = served[n_served >= 2].reset_index(drop=True)
    if len(served) == 0:
        return empty, notes
    parts, part_route = shapely.get_parts(np.asarray(routes.geometry.values), return_index=True)
    coords, cidx = shapely.get_coordinates(parts, return_index=True)
    coords = coords + np.column_stack([_ROUTE_SHIFT_M * part_route[cidx], np.zeros(len(cidx))])
    rg = build_graph(shapely.linestrings(coords, indices=cidx))
    edge_route = part_route[rg.edge_seg]
    node_route = np.full(rg.n_nodes, -1, dtype="int64")
    node_route[rg.edge_u] = edge_route
    node_route[rg.edge_v] = edge_route

    route = served["route"].to_numpy()
    xy = geometry_xy(stops)[served["stop"].to_numpy()] + np.column_stack([_ROUTE_SHIFT_M * route,
                                                                          np.zeros(len(route))])
    snap = snap_points(rg, xy)
    ok = snap.placed
    ok[ok] = edge_route[snap.edge[ok]] == route[ok]
    rows_p = np.flatnonzero(ok)

    labels = components(rg)
    pieces = pd.DataFrame({"route": route[ok], "comp": labels[rg.edge_u[snap.edge[ok]]]})
    split = pieces.groupby("route")["comp"].nunique()
    rid = routes["route_id"].astype("string").to_numpy()
    for r in split.index[split.to_numpy() > 1]:
        notes.append(f"Bus route {rid[r]} is in separate pieces in the data; its stops on "
                     f"{split[r]} pieces are joined by no ride.")

    # Chunks of whole routes, each within the max_cells budget (points x nodes).
    routes_here = np.unique(route[rows_p])
    p_count = np.bincount(route[rows_p], minlength=len(routes))[routes_here]
    n_count = np.bincount(node_route[node_route >= 0], minlength=len(routes))[routes_here]
    frames = [empty]
    start = 0
    while start < routes_here.size:
        end, cp, cn = start, 0, 0
        while end < routes_here.size and (end == start or (cp + p_count[end]) * (cn + n_count[end]) <= max_cells):
            cp, cn = cp + p_count[end], cn + n_count[end]
            end += 1
        chunk = routes_here[start:end]
        start = end
        prow = rows_p[np.isin(route[rows_p], chunk)]
        idx = np.flatnonzero(np.isin(node_route, chunk))
        local = np.full(rg.n_nodes, -1, dtype="int64")
        local[idx] = np.arange(idx.size)
        e = snap.edge[prow]
        al = snap.along_m[prow]
        ln = rg.edge_length_m[e]
        tu, tv = local[rg.edge_u[e]], local[rg.edge_v[e]]
        k, ns = prow.size, idx.size
        aug = with_sources(induced_subgraph(rg.matrix, idx), np.r_[np.arange(k), np.arange(k)],
                           np.r_[tu, tv], np.r_[al, ln - al], k)
        dist = np.asarray(dijkstra(aug, directed=True, indices=np.arange(ns, ns + k)))[:, :ns]
        pr = pd.DataFrame({"i": np.arange(k), "route": route[prow]})
        pairs = pr.merge(pr, on="route", suffixes=("", "_to"))
        pairs = pairs[pairs["i"] != pairs["i_to"]]
        i, j = pairs["i"].to_numpy(), pairs["i_to"].to_numpy()
        ride = np.minimum(dist[i, tu[j]] + al[j], dist[i, tv[j]] + ln[j] - al[j])
        same = e[i] == e[j]
        ride[same] = np.minimum(ride[same], np.abs(al[i[same]] - al[j[same]]))
        fin = np.isfinite(ride)
        frames.append(pd.DataFrame({"stop": served["stop"].to_numpy()[prow[i[fin]]],
                                    "stop_to": served["stop"].to_numpy()[prow[j[fin]]],
                                    "route": pairs["route"].to_numpy()[fin], "ride_m": ride[fin]}))
    return pd.concat(frames, ignore_index=True).astype(cols), notes


def stop_onward_minutes(rides: pd.DataFrame, stop_walk_min: np.ndarray, *, wait_min: np.ndarray,
                        speed_m_per_min: np.ndarray) -> np.ndarray:
    """For every stop: the best minutes from standing at it to a venue by one bus =
    min over routes through it and stops j on the same route of wait + ride to j + walk from j.
    inf where no ride leads anywhere useful."""
    n = int(stop_walk_min.shape[0])
    out = np.full(n, np.inf)
    if len(rides) == 0:
        return out
    r = rides["route"].to_numpy()
    total = (wait_min[r] + rides["ride_m"].to_numpy() / speed_m_per_min[r]
             + stop_walk_min[rides["stop_to"].to_numpy()])
    np.minimum.at(out, rides["stop"].to_numpy(), total)
    return out
