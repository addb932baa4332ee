"""Which venues can hold a gap's pop-up sessions: walking minutes, bus links and the reasons, in words.

For each of the top gaps, venues of the chosen kinds within `max_minutes` walk of the gap's
population-weighted point (road network where there is one, else straight line × the detour factor,
labelled an estimate) are ranked by minutes less a bonus for what helps people come: step-free
access, childcare, wi-fi, toilets, a quiet room, free to use, and a bus route that stops near both the
venue and the area (within the longest walk to a stop). With no venue in range, the nearest two are
offered and the reason says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.analyse.network import RoadGraph, geometry_xy
from geo.assumptions import ReachAssumptions
from geo.model import OUTSIDE_FLAG
from geo.plan.missing import text_or
from geo.plan.popup_rules import DEFAULT_KINDS
from geo.plan.travel import travel_times

BoolArray = NDArray[np.bool_]

#: Minutes of walking a venue attribute is worth when ranking venues for a gap (a readable rule).
ATTRIBUTE_BONUS_MIN: dict[str, float] = {"bus": 5.0, "step_free": 3.0, "childcare": 3.0, "wifi": 2.0,
                                         "toilets": 2.0, "quiet_room": 1.0, "free": 1.0}
ATTRIBUTE_WORDS: dict[str, str] = {"step_free": "step-free", "childcare": "childcare", "wifi": "wi-fi",
                                   "toilets": "toilets", "quiet_room": "quiet room", "free": "free to use"}
CANDIDATE_COLUMNS: tuple[str, ...] = ("rank", "lsoa_code", "area", "score", "gap_reason", "choice", "venue",
                                      "venue_id", "minutes", "estimate", "bus_routes", "in_range", "why")


def flag_column(frame: pd.DataFrame, col: str) -> BoolArray:
    """True where the optional yes/no column `col` is true (missing column or cell: False)."""
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


def known_false(frame: pd.DataFrame, col: str) -> BoolArray:
    """True where the optional yes/no column `col` is recorded as false (missing is not false)."""
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    s = frame[col].astype("boolean")
    return (s.notna() & ~s.fillna(True)).to_numpy(dtype=bool)


def _route_sets(stops: gpd.GeoDataFrame | None) -> list[set[str]]:
    if stops is None or len(stops) == 0 or "route_ids" not in stops.columns:
        return []
    out = []
    for text in stops["route_ids"].astype("string").fillna(""):
        out.append({t.strip() for t in str(text).replace(";", ",").replace("|", ",").split(",") if t.strip()})
    return out


def routes_near(points_xy: NDArray[np.float64], stops: gpd.GeoDataFrame | None, *, radius_m: float) -> list[set[str]]:
    """Bus route ids with a stop within `radius_m` (straight line) of each point."""
    sets = _route_sets(stops)
    out: list[set[str]] = [set() for _ in range(len(points_xy))]
    if stops is None or not sets or len(points_xy) == 0:
        return out
    tree = cKDTree(geometry_xy(stops))
    near = cast("list[list[int]]", tree.query_ball_point(points_xy, radius_m))
    for i, hits in enumerate(near):
        for j in hits:
            out[i] |= sets[j]
    return out


def venue_attributes(venues: pd.DataFrame) -> dict[str, BoolArray]:
    """Per venue, what helps people come (step_free, childcare, wifi, toilets, quiet_room, free); a
    children's centre counts as having childcare."""
    attrs = {k: flag_column(venues, k) for k in ("step_free", "childcare", "wifi", "toilets", "quiet_room")}
    cost = (pd.to_numeric(venues["cost_per_hour"], errors="coerce").to_numpy(dtype="float64")
            if "cost_per_hour" in venues.columns else np.full(len(venues), np.nan))
    attrs["free"] = np.nan_to_num(cost, nan=-1.0) == 0.0
    kinds = venues["kind"].astype(str).to_numpy() if "kind" in venues.columns else np.full(len(venues), "")
    attrs["childcare"] = attrs["childcare"] | (kinds == "childrens_centre")
    return attrs


def gaps_with_points(gaps: pd.DataFrame, reach_lsoas: pd.DataFrame) -> pd.DataFrame:
    """`gap_table` rows plus x, y: each LSOA's population-weighted point (from `ReachResult.lsoas`)."""
    pts = reach_lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")[["origin_x", "origin_y"]]
    out = gaps.copy()
    out["x"] = out["lsoa_code"].map(pts["origin_x"]).astype("float64")
    out["y"] = out["lsoa_code"].map(pts["origin_y"]).astype("float64")
    return out


def _plural(n: int, word: str) -> str:
    return word + ("s" if n > 1 else "")


def candidate_venues(gaps: pd.DataFrame, venues: gpd.GeoDataFrame, *, assumptions: ReachAssumptions,
                     graph: RoadGraph | None = None, bus_stops: gpd.GeoDataFrame | None = None, top_gaps: int = 8,
                     max_minutes: float = 25.0, venues_per_gap: int = 3,
                     kinds: Iterable[str] | None = DEFAULT_KINDS) -> pd.DataFrame:
    """For each of the top gaps (positive score, rank order) the best venues to hold its sessions.

    `gaps` is `gaps_with_points(gap_table(...), reach.lsoas)`. Columns: rank, lsoa_code, area, score,
    gap_reason, choice (1 = best), venue (row position in `venues`), venue_id, minutes, estimate,
    bus_routes, in_range, why.
    """
    cols = list(CANDIDATE_COLUMNS)
    if not {"x", "y", "score", "lsoa_code"} <= set(gaps.columns):
        raise ValueError("gaps needs lsoa_code, score, x and y (use gaps_with_points)")
    top = gaps[pd.to_numeric(gaps["score"], errors="coerce").fillna(0) > 0]
    top = top.dropna(subset=["x", "y"]).sort_values("score", ascending=False, kind="stable").head(top_gaps)
    usable = ~flag_column(venues, "closed") & ~flag_column(venues, OUTSIDE_FLAG)  # never outside the area
    if kinds is not None:
        usable &= venues["kind"].astype(str).isin(list(kinds)).to_numpy()
    vidx = np.flatnonzero(usable)
    if len(top) == 0 or vidx.size == 0:
        return pd.DataFrame({c: [] for c in cols})
    vxy = geometry_xy(venues)[vidx]
    gxy = top[["x", "y"]].to_numpy(dtype="float64")
    walk = travel_times(vxy, gxy, graph=graph, assumptions=assumptions)
    minutes, est = walk.minutes, walk.estimate
    v_routes = routes_near(vxy, bus_stops, radius_m=assumptions.max_walk_to_stop_m)
    g_routes = routes_near(gxy, bus_stops, radius_m=assumptions.max_walk_to_stop_m)
    attrs = {k: v[vidx] for k, v in venue_attributes(venues).items()}
    bonus_attr = sum(ATTRIBUTE_BONUS_MIN[k] * attrs[k] for k in ATTRIBUTE_WORDS)
    ids = venues["venue_id"].astype(str).to_numpy()
    rows = []
    for j, g in enumerate(top.to_dict("records")):
        shared = [sorted(v_routes[i] & g_routes[j]) for i in range(vidx.size)]
        bus = np.array([bool(s) for s in shared])
        cost = minutes[:, j] - bonus_attr - ATTRIBUTE_BONUS_MIN["bus"] * bus
        in_range = minutes[:, j] <= max_minutes
        pick = np.flatnonzero(in_range)
        if pick.size:
            pick = pick[np.lexsort((ids[vidx[pick]], minutes[pick, j], cost[pick]))][:venues_per_gap]
        else:  # nothing in range: the nearest two, nearest first
            pick = np.lexsort((ids[vidx], minutes[:, j]))[:min(2, venues_per_gap)]
        area = text_or(g.get("lsoa_name"), str(g["lsoa_code"]))
        for choice, i in enumerate(pick, start=1):
            m, e = float(minutes[i, j]), bool(est[i, j])
            parts = [f"{m:.0f} min walk from {area}" + (" (straight-line estimate)" if e else " by road")]
            if not in_range[i]:
                parts[0] += f": the nearest venue, beyond the {max_minutes:g}-minute limit"
            have = [w for k, w in ATTRIBUTE_WORDS.items() if attrs[k][i]]
            if have:
                parts.append(", ".join(have))
            missing = [w for k, w in ATTRIBUTE_WORDS.items()
                       if k in ("step_free", "wifi") and known_false(venues.iloc[[vidx[i]]], k)[0]]
            if missing:
                parts.append("no " + " or ".join(missing))
            if shared[i]:
                parts.append(f"on {_plural(len(shared[i]), 'bus route')} {', '.join(shared[i])}, "
                             "which also stop" + ("" if len(shared[i]) > 1 else "s") + " near the area")
            elif v_routes[i]:
                parts.append(f"near {_plural(len(v_routes[i]), 'bus route')} {', '.join(sorted(v_routes[i]))}")
            rows.append({"rank": int(g.get("rank", j + 1)), "lsoa_code": str(g["lsoa_code"]), "area": area,
                         "score": float(g["score"]), "gap_reason": text_or(g.get("reason")), "choice": choice,
                         "venue": int(vidx[i]), "venue_id": ids[vidx[i]], "minutes": m, "estimate": e,
                         "bus_routes": ", ".join(shared[i]), "in_range": bool(in_range[i]),
                         "why": "; ".join(parts)})
    return pd.DataFrame(rows, columns=cols)
