"""Reach: minutes to the nearest usable venue on foot (road network, 80 m/min) or by bus.

What the caller passes as `venues` is what counts: filter first (by kind, hubs only, open at a time:
see `usable_venues` and `open_at`). Every road segment gets a time at its midpoint and every LSOA a
time from its population-weighted point.

Walking: multi-source Dijkstra over the road graph (geo.analyse.network) from all venues at once.
Bus: walk to a stop (at most `max_walk_to_stop_m`, by the network), wait half the headway
(60 / trips_per_hour / 2 minutes), ride at the route speed along the route line (the shortest path
between the two stops along the route's own lines, which copes with routes drawn as many OSM ways,
with branches and both directions; for a single LineString this is the difference of the stops'
positions along it, as `shapely.line_locate_point` gives), then walk from the alighting stop to the
nearest venue (also at most `max_walk_to_stop_m`). One bus, no change; buses are assumed to run both
ways along the route. For every stop the best onward time is precomputed (min over the stops on the
same route of ride + walk on); then each origin takes the best stop within the walking limit. The
walking limit is measured from the road network; the few metres from an origin to the road are added
to the time but not counted against the limit.
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

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.model import CRS
from geo.analyse.network import (EdgePoints, RoadGraph, bounded_distance, build_graph, components, distance_from,
                         edge_point_xy, geometry_xy, induced_subgraph, segment_midpoints, snap_points,
                         source_pairs, values_at, with_sources)

WALK_M_PER_MIN = 80.0
MAX_WALK_TO_STOP_M = 400.0
DEFAULT_TRIPS_PER_HOUR = 2.0
DEFAULT_SPEED_KMH = 18.0
DETOUR_FACTOR = 1.3
STOP_ROUTE_M = 50.0

#: Reach-time bands for the map, in order.
BANDS: tuple[str, ...] = ("<10", "10–20", "20–30", "30+")
BAND_EDGES_MIN: tuple[float, ...] = (10.0, 20.0, 30.0)
NO_DATA = "no data"


# --------------------------------------------------------------------------------------------------
# Bands


def reach_band(minutes: float) -> str:
    """"<10", "10–20", "20–30" or "30+" (no venue reachable counts as 30+); "no data" for NaN."""
    if minutes is None or (isinstance(minutes, float) and np.isnan(minutes)):
        return NO_DATA
    return str(reach_bands(np.array([minutes], dtype="float64"))[0])


def reach_bands(minutes) -> np.ndarray:
    """`reach_band` for an array of minutes."""
    arr = np.asarray(minutes, dtype="float64")
    idx = np.digitize(np.where(np.isnan(arr), 0.0, arr), BAND_EDGES_MIN)
    out = np.asarray(BANDS, dtype=object)[idx]
    out[np.isnan(arr)] = NO_DATA
    return out


# --------------------------------------------------------------------------------------------------
# Opening hours

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_IDX = {d: i for i, d in enumerate(_DAYS)}
_TIME = r"(\d{1,2}):(\d{2})"
_SPAN = re.compile(rf"^{_TIME}\s*-\s*{_TIME}$")

#: Assumed weekly pattern per venue kind where a venue has no usable opening hours (editable).
DEFAULT_HOURS: dict[str, str] = {
    "library": "Mo-Fr 09:00-17:00; Sa 09:00-13:00",
    "community_centre": "Mo-Fr 09:00-21:00; Sa 09:00-13:00",
    "childrens_centre": "Mo-Fr 09:00-17:00",
    "church_hall": "Mo-Sa 09:00-21:00",
    "food_bank": "Mo,We,Fr 10:00-14:00",
    "leisure_centre": "Mo-Fr 06:30-22:00; Sa,Su 08:00-18:00",
    "supermarket_cafe": "Mo-Sa 08:00-18:00; Su 10:00-16:00",
    "school": "Mo-Fr 08:30-15:30",
    "gp_surgery": "Mo-Fr 08:00-18:30",
    "*": "Mo-Fr 09:00-17:00",
}

Week = tuple[tuple[tuple[int, int], ...], ...]  # 7 days of (start_min, end_min); end may pass 1440


def _parse_days(text: str) -> list[int] | None:
    days: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if "-" in item:
            a, _, b = item.partition("-")
            a, b = a.strip()[:2].title(), b.strip()[:2].title()
            if a not in _DAY_IDX or b not in _DAY_IDX:
                return None
            i, j = _DAY_IDX[a], _DAY_IDX[b]
            days.extend((i + k) % 7 for k in range(((j - i) % 7) + 1))
        else:
            d = item[:2].title()
            if d not in _DAY_IDX or len(item) != 2:
                return None
            days.append(_DAY_IDX[d])
    return days


def parse_opening_hours(text: str | None) -> Week | None:
    """Parse simple OSM opening_hours ("Mo-Fr 09:00-17:00; Sa 09:00-12:00", "24/7", "Su off",
    "Mo,We 10:00-12:00,13:00-16:00", "closed"). Returns 7 days of minute spans, or None when the
    text is blank or uses syntax this reader does not know (months, week numbers, "||", ...).
    Rules about public/school holidays ("PH off") are skipped. A later rule replaces earlier ones
    for the days it names, as in OSM.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    text = str(text).strip()
    if not text:
        return None
    low = text.lower()
    if low in ("24/7", "mo-su 00:00-24:00"):
        return tuple(((0, 1440),) for _ in range(7))
    if low in ("closed", "off"):
        return tuple(() for _ in range(7))
    if "||" in text:
        return None
    week: list[tuple[tuple[int, int], ...]] = [() for _ in range(7)]
    seen_rule = False
    for rule in (r.strip() for r in text.split(";")):
        if not rule:
            continue
        if re.match(r"^(PH|SH)\b", rule):
            continue
        m = re.match(r"^((?:[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?\s*,\s*)*[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?)\s+(.+)$",
                     rule)
        if m and m.group(1)[:2].title() in _DAY_IDX:
            days = _parse_days(m.group(1).replace(" ", ""))
            times = m.group(2).strip()
        else:
            days, times = list(range(7)), rule
        if days is None:
            return None
        # "Mo-Fr 09:00-17:00, PH off" style trailing selectors are not supported.
        if times.lower() in ("off", "closed"):
            spans: tuple[tuple[int, int], ...] = ()
        else:
            found = []
            for piece in times.split(","):
                sm = _SPAN.match(piece.strip())
                if not sm:
                    return None
                h1, m1, h2, m2 = (int(g) for g in sm.groups())
                if h1 > 24 or h2 > 48 or m1 > 59 or m2 > 59:
                    return None
                a, b = h1 * 60 + m1, h2 * 60 + m2
                if b <= a:
                    b += 1440  # past midnight
                found.append((a, b))
            spans = tuple(found)
        for d in days:
            week[d] = spans
        seen_rule = True
    return tuple(week) if seen_rule else None


def is_open(week: Week, when: dt.datetime) -> bool:
    """Whether a parsed week is open at `when` (spans past midnight carry into the next day)."""
    day, minute = when.weekday(), when.hour * 60 + when.minute
    if any(a <= minute < b for a, b in week[day]):
        return True
    prev = week[(day - 1) % 7]
    return any(b > 1440 and minute < b - 1440 for _, b in prev)


class OpenAt(NamedTuple):
    """`open`: open at the time asked. `assumed`: the answer rests on the kind's default pattern
    (hours missing or unreadable). `unreadable`: hours were given but this reader could not parse them.
    `closed`: the venue is marked closed (never open)."""

    open: np.ndarray
    assumed: np.ndarray
    unreadable: np.ndarray
    closed: np.ndarray


def _venues(n: int) -> str:
    return f"{n} venue" if n == 1 else f"{n} venues"


def _bool_col(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


def open_at(venues: pd.DataFrame, when: dt.datetime, *,
            default_hours: Mapping[str, str] | None = None) -> OpenAt:
    """Which venues are open at `when`. Uses `opening_hours` where it can be read; otherwise the
    default weekly pattern for the venue's kind (`DEFAULT_HOURS`, editable), flagged `assumed`.
    Venues with `closed` true are never open. Loops over distinct hours texts, not rows."""
    defaults = dict(DEFAULT_HOURS if default_hours is None else default_hours)
    fallback = defaults.get("*", DEFAULT_HOURS["*"])
    n = len(venues)
    closed = _bool_col(venues, "closed")
    texts = (venues["opening_hours"].astype("string") if "opening_hours" in venues.columns
             else pd.Series(pd.NA, index=venues.index, dtype="string"))
    kinds = (venues["kind"].astype("string") if "kind" in venues.columns
             else pd.Series(pd.NA, index=venues.index, dtype="string"))
    parsed = {t: parse_opening_hours(t) for t in texts.dropna().unique()}
    given = texts.notna().to_numpy() & (texts.fillna("").str.strip() != "").to_numpy()
    readable = np.array([given[i] and parsed.get(texts.iloc[i]) is not None for i in range(n)], dtype=bool)
    assumed = ~readable & ~closed
    unreadable = given & ~readable
    cache: dict[str, Week | None] = {}
    is_open_now = np.zeros(n, dtype=bool)
    for i in range(n):
        if closed[i]:
            continue
        if readable[i]:
            week = parsed[texts.iloc[i]]
        else:
            kind = kinds.iloc[i]
            pattern = defaults.get(str(kind), fallback) if pd.notna(kind) else fallback
            if pattern not in cache:
                cache[pattern] = parse_opening_hours(pattern)
            week = cache[pattern]
            if week is None:
                raise ValueError(f"default opening hours {pattern!r} for kind {kind!r} cannot be read; "
                                 "use the form 'Mo-Fr 09:00-17:00; Sa 09:00-12:00'")
        is_open_now[i] = is_open(week, when)
    return OpenAt(is_open_now, assumed, unreadable, closed)


def usable_venues(venues: gpd.GeoDataFrame, *, kinds: Iterable[str] | None = None,
                  when: dt.datetime | None = None,
                  default_hours: Mapping[str, str] | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Venues that are not closed, optionally of `kinds` only and open at `when`; plus notes saying
    how many were dropped and on what assumption."""
    keep = ~_bool_col(venues, "closed")
    notes: list[str] = []
    if (~keep).any():
        notes.append(f"{_venues(int((~keep).sum()))} marked closed left out.")
    if kinds is not None:
        wanted = list(kinds)
        keep &= venues["kind"].isin(wanted).to_numpy(dtype=bool, na_value=False)
    if when is not None:
        res = open_at(venues, when, default_hours=default_hours)
        keep &= res.open
        n_assumed = int((res.assumed & keep).sum())
        if n_assumed:
            notes.append(f"{_venues(n_assumed)} without readable opening hours counted as open on "
                         f"{when:%a %H:%M} by the default pattern for their kind (assumed).")
    return venues[keep], notes


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


def _check_positive(**values: float) -> None:
    for name, v in values.items():
        if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")


_MODES = np.array(["walk", "bus", "none"], dtype=object)


def _mode(walk: np.ndarray, bus: np.ndarray) -> np.ndarray:
    walk, bus = np.asarray(walk, dtype="float64"), np.asarray(bus, dtype="float64")
    code = (bus < walk).astype("int8")
    code[~np.isfinite(np.minimum(walk, bus))] = 2
    return _MODES[code]


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
            mids = shapely.points(np.asarray(midpoints_xy, dtype="float64"))
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
# Bus routes and stops


def _route_params(routes: pd.DataFrame, *, default_trips_per_hour: float, default_speed_kmh: float
                  ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    def col(name: str) -> np.ndarray:
        if name not in routes.columns:
            return np.full(len(routes), np.nan)
        return pd.to_numeric(routes[name], errors="coerce").astype("float64").to_numpy()

    tph, speed = col("trips_per_hour"), col("speed_kmh")
    tph_default = ~(np.isfinite(tph) & (tph > 0))
    speed_default = ~(np.isfinite(speed) & (speed > 0))
    tph = np.where(tph_default, default_trips_per_hour, tph)
    speed = np.where(speed_default, default_speed_kmh, speed)
    ids = routes["route_id"].astype("string").fillna("?").to_numpy()
    names = (routes["name"].astype("string").fillna("").to_numpy() if "name" in routes.columns
             else np.full(len(routes), "", dtype=object))
    notes, used = [], []
    for i in np.flatnonzero(tph_default | speed_default):
        parts = []
        if tph_default[i]:
            parts.append(f"{default_trips_per_hour:g} buses an hour")
        if speed_default[i]:
            parts.append(f"{default_speed_kmh:g} km/h")
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
    `geo.analyse.network.distance_from` (metres from every node to the nearest venue), `bounded` is
    `geo.analyse.network.bounded_distance` (per node, the best stop cost + walk within the limit). Both use
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
    _pairs: dict = field(default_factory=dict, repr=False)

    @property
    def network(self) -> bool:
        return self.graph is not None and not self.graph.empty

    def stop_pairs(self, limit_m: float) -> np.ndarray:
        """Stops whose walking areas within `limit_m` may overlap (cached per limit)."""
        key = float(limit_m)
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
    network = graph is not None and not graph.empty
    mids = segment_midpoints(graph) if network else None
    if network:
        mid_xy = edge_point_xy(graph, mids)
    elif n_roads:
        mid_xy = geometry_xy(shapely.line_interpolate_point(np.asarray(roads.geometry.values), 0.5,
                                                            normalized=True))
    else:
        mid_xy = np.zeros((0, 2))
    origins = (population_weighted_points(lsoas, roads if n_roads else None,
                                          midpoints_xy=mid_xy if network else None)
               if lsoas is not None else _empty_origins())
    origin_xy = origins[["x", "y"]].to_numpy(dtype="float64")
    has_bus = bus_stops is not None and len(bus_stops) > 0 and bus_routes is not None and len(bus_routes) > 0
    stop_xy = geometry_xy(bus_stops) if has_bus else np.zeros((0, 2))
    if has_bus:
        rides, stop_notes = route_rides(bus_stops, bus_routes, stop_route_m=stop_route_m)
    else:
        rides, stop_notes = pd.DataFrame({"stop": [], "stop_to": [], "route": [], "ride_m": []}), []
    return ReachNetwork(graph=graph, n_roads=n_roads, mid_xy=mid_xy, mids=mids, origins=origins,
                        origin_snap=snap_points(graph, origin_xy) if network else None,
                        stop_xy=stop_xy, stop_snap=snap_points(graph, stop_xy) if network and has_bus else None,
                        rides=rides, stop_notes=stop_notes, has_bus=has_bus, stop_route_m=float(stop_route_m))


def compute_reach(
    roads: gpd.GeoDataFrame | None,
    venues: gpd.GeoDataFrame,
    *,
    lsoas: gpd.GeoDataFrame | None = None,
    bus_stops: gpd.GeoDataFrame | None = None,
    bus_routes: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    prepared: ReachNetwork | None = None,
    walk_m_per_min: float = WALK_M_PER_MIN,
    max_walk_to_stop_m: float = MAX_WALK_TO_STOP_M,
    default_trips_per_hour: float = DEFAULT_TRIPS_PER_HOUR,
    default_speed_kmh: float = DEFAULT_SPEED_KMH,
    detour_factor: float = DETOUR_FACTOR,
    stop_route_m: float = STOP_ROUTE_M,
    searches: Searches = CSGRAPH,
) -> ReachResult:
    """Minutes to the nearest of `venues` on foot and by bus for every road segment and LSOA.

    Venues marked `closed` are always left out; any other filtering (kinds, hubs, open at a time) is
    the caller's, e.g. with `usable_venues`. `graph` may be passed to reuse one built by
    `geo.analyse.network.build_graph(roads)`; `prepared` (from `prepare_network` on the same roads, LSOAs,
    stops and routes) skips all venue-independent work, which is what a page does on every rerun.
    `bus_routes` is still read for the routes' headways and speeds. All inputs are EPSG:27700 layers
    in the schema shape; nothing is modified.
    """
    _check_positive(walk_m_per_min=walk_m_per_min, default_trips_per_hour=default_trips_per_hour,
                    default_speed_kmh=default_speed_kmh, detour_factor=detour_factor)
    if not (np.isfinite(max_walk_to_stop_m) and max_walk_to_stop_m >= 0):
        raise ValueError(f"max_walk_to_stop_m must be 0 or more, got {max_walk_to_stop_m!r}")
    if detour_factor < 1:
        raise ValueError(f"detour_factor must be at least 1 (a path is never shorter than a straight line), "
                         f"got {detour_factor}")
    n_roads = 0 if roads is None else len(roads)
    if prepared is None:
        prepared = prepare_network(roads, lsoas=lsoas, bus_stops=bus_stops, bus_routes=bus_routes, graph=graph,
                                   stop_route_m=stop_route_m)
    elif prepared.n_roads != n_roads:
        raise ValueError(f"prepared network has {prepared.n_roads} road segments but roads has {n_roads} rows; "
                         "prepare it from these roads")
    pn = prepared
    graph = pn.graph
    speed = float(walk_m_per_min)
    limit = float(max_walk_to_stop_m)
    network = pn.network
    assumptions: list[str] = [f"Walking at {speed:g} m per minute."]
    closed = _bool_col(venues, "closed")
    if closed.any():  # never reach a closed venue, whatever the caller filtered
        venues = venues[~closed]
        assumptions.append(f"{_venues(int(closed.sum()))} marked closed left out.")
    venue_xy = geometry_xy(venues)
    if len(venue_xy) == 0:
        assumptions.append("No venues selected: no reach times.")
    mid_xy_all = pn.mid_xy
    origins = pn.origins
    origin_xy = origins[["x", "y"]].to_numpy(dtype="float64")

    # ---- walking
    if network:
        vsnap = snap_points(graph, venue_xy)
        walk_node = searches.walk(graph, vsnap)
        seg_walk_m = values_at(graph, walk_node, pn.mids, sources=vsnap)
        osnap = pn.origin_snap
        org_walk_m = values_at(graph, walk_node, osnap, sources=vsnap)
        seg_est = ~np.isfinite(seg_walk_m) & (len(venue_xy) > 0)
        org_est = ~np.isfinite(org_walk_m) & (len(venue_xy) > 0)
        if seg_est.any():
            seg_walk_m[seg_est] = detour_factor * _nearest_straight_m(mid_xy_all[seg_est], venue_xy)
        if org_est.any():
            org_walk_m[org_est] = detour_factor * _nearest_straight_m(origin_xy[org_est], venue_xy)
        if seg_est.any() or org_est.any():
            assumptions.append(
                f"{int(seg_est.sum())} of {n_roads} road segments and {int(org_est.sum())} LSOA points are not "
                f"joined to any venue by the road network: straight-line distance × {detour_factor:g} (estimate).")
    else:
        seg_est = np.ones(n_roads, dtype=bool)
        mid_xy = mid_xy_all
        seg_walk_m = detour_factor * _nearest_straight_m(mid_xy, venue_xy)
        org_walk_m = detour_factor * _nearest_straight_m(origin_xy, venue_xy)
        org_est = np.ones(len(origin_xy), dtype=bool)
        assumptions.append(f"straight-line distance × {detour_factor:g} (estimate: no road network)")

    # ---- bus
    seg_bus_m = np.full(n_roads, np.inf)
    org_bus_m = np.full(len(origin_xy), np.inf)
    routes_with_defaults: list[str] = []
    have_bus = pn.has_bus and bus_routes is not None and len(bus_routes) > 0 and len(venue_xy) > 0
    if have_bus:
        tph, kmh, notes, routes_with_defaults = _route_params(
            bus_routes, default_trips_per_hour=default_trips_per_hour, default_speed_kmh=default_speed_kmh)
        assumptions.append(f"Bus: walk at most {limit:g} m to a stop and from the alighting stop, wait half "
                           "the time between buses, ride at the route's speed; one bus, no changes.")
        assumptions.extend(notes + pn.stop_notes)
        stop_xy = pn.stop_xy
        if network:
            ssnap = pn.stop_snap
            stop_walk_m = values_at(graph, walk_node, ssnap, sources=vsnap)
        else:
            stop_walk_m = detour_factor * _nearest_straight_m(stop_xy, venue_xy)
        stop_walk_min = np.where(stop_walk_m <= limit, stop_walk_m / speed, np.inf)
        onward = stop_onward_minutes(pn.rides, stop_walk_min, wait_min=60.0 / tph / 2.0,
                                     speed_m_per_min=kmh * 1000.0 / 60.0)
        onward_m = onward * speed  # minutes expressed as metres of walking, to add to walks
        if network:
            bus_node = searches.bounded(graph, ssnap, cost_m=onward_m, limit_m=limit, pairs=pn.stop_pairs(limit))
            seg_bus_m = values_at(graph, bus_node, pn.mids, sources=ssnap, source_cost_m=onward_m, limit_m=limit)
            org_bus_m = values_at(graph, bus_node, osnap, sources=ssnap, source_cost_m=onward_m, limit_m=limit)
        else:
            if n_roads:
                seg_bus_m = _straight_bus_m(mid_xy, stop_xy, onward_m, limit_m=limit, detour=detour_factor)
            org_bus_m = _straight_bus_m(origin_xy, stop_xy, onward_m, limit_m=limit, detour=detour_factor)

    walk_min, bus_min = seg_walk_m / speed, seg_bus_m / speed
    best_min = np.minimum(walk_min, bus_min)
    o_walk, o_bus = org_walk_m / speed, org_bus_m / speed
    o_best = np.minimum(o_walk, o_bus)
    lsoa_frame = pd.DataFrame({
        "lsoa_code": origins["lsoa_code"].to_numpy(),
        "walk_min": o_walk, "bus_min": o_bus, "best_min": o_best, "mode": _mode(o_walk, o_bus),
        "estimate": org_est, "origin": origins["origin"].to_numpy(),
        "origin_x": origin_xy[:, 0], "origin_y": origin_xy[:, 1],
    })
    lsoa_frame["band"] = reach_bands(o_best)
    return ReachResult(walk_min=walk_min, bus_min=bus_min, best_min=best_min, mode=_mode(walk_min, bus_min),
                       estimate=seg_est, lsoas=lsoa_frame, assumptions=assumptions,
                       routes_with_defaults=routes_with_defaults, network=network)


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


# --------------------------------------------------------------------------------------------------
# Catchment of one venue


def catchment(graph: RoadGraph | None, venue_xy, *, minutes: Iterable[float] = (10, 20, 30),
              walk_m_per_min: float = WALK_M_PER_MIN, buffer_m: float = 60.0,
              detour_factor: float = DETOUR_FACTOR) -> gpd.GeoDataFrame:
    """The area within each of `minutes` walk of one venue: one polygon per band (cumulative, so the
    30-minute polygon contains the 10-minute one), as the roads reached (partly reached edges cut at
    the limit) buffered by `buffer_m`. Without a network: a circle of radius minutes × speed /
    detour_factor, flagged estimate. Columns: minutes, band, estimate, geometry (EPSG:27700)."""
    _check_positive(walk_m_per_min=walk_m_per_min, detour_factor=detour_factor)
    mins = sorted(float(m) for m in minutes)
    xy = np.asarray(venue_xy, dtype="float64").reshape(1, 2)
    point = shapely.points(xy)[0]
    polys: list = []
    estimate = graph is None or graph.empty
    if estimate:
        polys = [shapely.buffer(point, m * walk_m_per_min / detour_factor) for m in mins]
    else:
        snap = snap_points(graph, xy)
        dist = distance_from(graph, snap)
        a = graph.node_xy[graph.edge_u]
        b = graph.node_xy[graph.edge_v]
        ln = graph.edge_length_m
        du, dv = dist[graph.edge_u], dist[graph.edge_v]
        e0, al0, off0 = int(snap.edge[0]), float(snap.along_m[0]), float(snap.offset_m[0])
        safe = np.where(ln > 0, ln, 1.0)
        for m in mins:
            lim = m * walk_m_per_min
            ra = np.clip(lim - du, 0.0, ln)
            rb = np.clip(lim - dv, 0.0, ln)
            whole = ra + rb >= ln
            starts = [np.zeros(ln.size), ln - rb]
            ends = [np.where(whole, ln, ra), ln]
            keep = [(ends[0] > 0) & (ln > 0), (~whole) & (rb > 0)]
            s0 = np.concatenate([starts[0][keep[0]], starts[1][keep[1]]])
            s1 = np.concatenate([ends[0][keep[0]], ends[1][keep[1]]])
            ei = np.concatenate([np.flatnonzero(keep[0]), np.flatnonzero(keep[1])])
            if e0 >= 0 and lim > off0:  # the venue's own edge, walked both ways from the venue
                s0 = np.append(s0, max(0.0, al0 - (lim - off0)))
                s1 = np.append(s1, min(ln[e0], al0 + (lim - off0)))
                ei = np.append(ei, e0)
            f0, f1 = s0 / safe[ei], s1 / safe[ei]
            p0 = a[ei] + f0[:, None] * (b[ei] - a[ei])
            p1 = a[ei] + f1[:, None] * (b[ei] - a[ei])
            geoms = [point] if lim > off0 else []
            if ei.size:
                geoms.extend(shapely.linestrings(np.stack([p0, p1], axis=1)))
            # Union of per-piece buffers: several times faster than buffering one MultiLineString.
            shape = shapely.union_all(shapely.buffer(np.asarray(geoms, dtype=object), buffer_m, quad_segs=2)) \
                if geoms else shapely.Polygon()
            polys.append(shape)
    labels = [f"within {m:g} min" for m in mins]
    return gpd.GeoDataFrame({"minutes": mins, "band": labels, "estimate": [estimate] * len(mins)},
                            geometry=polys, crs=CRS)
