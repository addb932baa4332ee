"""The pop-up plan on the map: how many sessions each venue holds (numbered markers), the top gaps the
plan serves (dashed outlines), and where such a map opens. Drawn with geo.out.mapview's fast layer."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.model import CRS
from geo.out.mapview import FastGeoJson, to_web

SESSION_RED = "#d4351c"
SERVED_STYLE = {"color": SESSION_RED, "weight": 3, "fill": False, "dashArray": "6 4"}
#: Legend rows (colour, label) for the plan's map.
SESSIONS_LEGEND: tuple[tuple[str, str], ...] = ((SESSION_RED, "sessions at a venue (number)"),)
SERVED_LEGEND: tuple[tuple[str, str], ...] = ((SESSION_RED, "top gap served (dashed outline)"),)

Bounds = tuple[float, float, float, float]


def served_gaps(gap_points: pd.DataFrame, live: pd.DataFrame) -> pd.DataFrame:
    """The rows of `gap_points` (`gaps_with_points`) whose LSOA holds at least one live session."""
    return gap_points[gap_points["lsoa_code"].isin(set(live["lsoa_code"]))]


def add_served_gaps(m: folium.Map, lsoas: gpd.GeoDataFrame, served: pd.DataFrame) -> None:
    """Dashed outlines of the served gaps' LSOAs (`lsoas` in EPSG:27700), with their gap rank."""
    if not len(served):
        return
    polys = to_web(lsoas.merge(served[["lsoa_code", "rank"]], on="lsoa_code"), simplify_m=8.0)
    polys["k"] = ""
    polys["tip"] = [f"<b>Gap #{int(r)}</b>: {html.escape(str(c))}" for r, c in zip(polys["rank"], polys["lsoa_code"])]
    group = folium.FeatureGroup(name="Gaps served").add_to(m)
    FastGeoJson(polys, styles={"": SERVED_STYLE}, sticky=True, name="Gaps served").add_to(group)


def count_badge_html(n: int) -> str:
    return (f"<div style='transform:translate(-50%,-50%);background:{SESSION_RED};color:#fff;border:2px solid "
            f"#fff;border-radius:12px;min-width:24px;padding:0 4px;font:700 13px/20px sans-serif;"
            f"text-align:center;box-shadow:0 0 0 1px #0b0c0c'>{int(n)}</div>")


def session_counts(live: pd.DataFrame) -> gpd.GeoDataFrame:
    """One web-ready point per venue with sessions: its number of sessions (`html` badge) and dates (`tip`)."""
    counts = live.groupby(["venue_id", "venue", "x", "y"], as_index=False).agg(
        n=("session_id", "size"), dates=("date", lambda d: ", ".join(f"{x:%d %b}" for x in sorted(d))))
    pts = to_web(gpd.GeoDataFrame(counts, geometry=shapely.points(counts[["x", "y"]].to_numpy(dtype="float64")),
                                  crs=CRS))
    pts["k"] = ""
    pts["html"] = [count_badge_html(int(n)) for n in pts["n"]]
    pts["tip"] = [f"<b>{html.escape(str(v), quote=False)}</b><br>{int(n)} session(s): {d}"
                  for v, n, d in zip(pts["venue"], pts["n"], pts["dates"])]
    return pts


def add_session_counts(m: folium.Map, live: pd.DataFrame) -> None:
    """Numbered markers: how many live sessions each venue holds."""
    if len(live):
        FastGeoJson(session_counts(live), styles={"": {}}, point="div", div_class="pw-session-count",
                    name="Sessions").add_to(m)


def frame_bounds(frame: gpd.GeoDataFrame) -> Bounds:
    """(min x, min y, max x, max y) of a frame, in its own coordinates."""
    minx, miny, maxx, maxy = frame.total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def wgs84_bounds(xy: NDArray[np.float64]) -> Bounds:
    """(min lon, min lat, max lon, max lat) of EPSG:27700 points."""
    return frame_bounds(gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS).to_crs(4326))


def plan_bounds(live: pd.DataFrame, served: pd.DataFrame) -> Bounds:
    """Where the plan's map opens: its sessions and the areas they serve."""
    return wgs84_bounds(np.vstack([live[["x", "y"]].to_numpy(dtype="float64"),
                                   served[["x", "y"]].to_numpy(dtype="float64")]))


def open_on(m: folium.Map, bounds: Bounds, *, padding: tuple[int, int]) -> None:
    """Make `m` open on `bounds` (min lon, min lat, max lon, max lat) instead of where it was set to open."""
    for child_key, child in list(m._children.items()):
        if type(child).__name__ == "FitBounds":
            del m._children[child_key]
    minx, miny, maxx, maxy = bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=padding)
