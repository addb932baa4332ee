"""Reach time on the map: roads and LSOAs by reach band, and the catchment rings of a clicked venue.

Times come from geo.analyse.reach (walk, bus and the best of them, in minutes); straight-line times
are labelled estimates (dashed roads, "(estimate)" in the tooltip).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse.reach import reach_bands
from geo.out.colours import CATCHMENT_COLOURS, CATCHMENT_DASHES
from geo.out.geojson import FastGeoJson
from geo.out.labels import NOT_KNOWN, tooltip_html

REACH_MODE_LABELS: dict[str, str] = {"best": "best of walk and bus", "walk": "walking", "bus": "bus"}
_MODE_COLUMNS: dict[str, str] = {"best": "best_min", "walk": "walk_min", "bus": "bus_min"}
_TIMES = ("walk_min", "bus_min", "best_min")


def minutes_text(minutes: float | None, *, estimate: bool = False) -> str:
    """"12 min", "no venue reachable", "not known"; "(estimate)" appended for straight-line times."""
    if minutes is None or (isinstance(minutes, float) and np.isnan(minutes)):
        return NOT_KNOWN
    if not np.isfinite(minutes):
        return "no venue reachable"
    return f"{minutes:.0f} min" + (" (estimate)" if estimate else "")


def _walk_bus_text(walk: float, bus: float, estimate: bool) -> str:
    """"walk 12 min (estimate); bus 8 min" for a tooltip."""
    walk_text = minutes_text(walk, estimate=estimate and bool(np.isfinite(walk)))
    return f"walk {walk_text}; bus " + (minutes_text(bus) if np.isfinite(bus) else "no useful bus")


def _with_reach(shapes: gpd.GeoDataFrame, times: pd.DataFrame, estimate: np.ndarray, mode: str) -> gpd.GeoDataFrame:
    """`shapes` with `band` (the reach band of `mode`), `estimate` and `reach_text`; `times` holds
    walk_min, bus_min and best_min row for row."""
    minutes = times[_MODE_COLUMNS[mode]].to_numpy(dtype="float64")
    out = shapes.copy()
    out["band"] = reach_bands(minutes)
    out["estimate"] = estimate
    label = REACH_MODE_LABELS[mode]
    out["reach_text"] = [f"{minutes_text(m, estimate=bool(e))} ({label}); " + _walk_bus_text(w, b, bool(e))
                         for m, e, w, b in zip(minutes, estimate, times["walk_min"], times["bus_min"])]
    return out


def reach_road_layer(shapes: gpd.GeoDataFrame, per_road: pd.DataFrame, *, mode: str = "best") -> gpd.GeoDataFrame:
    """Road shapes (from `road_shapes`) with `band` (reach band of the chosen mode: best, walk or bus),
    `estimate` and `reach_text` for the tooltip. `per_road` is geo.analyse.reach.reach_by_road's table."""
    r = per_road.set_index("road_key")
    keys = shapes["road_key"]
    times = pd.DataFrame({c: keys.map(r[c]) for c in _TIMES}).astype("float64")
    est = keys.map(r["estimate"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    return _with_reach(shapes, times, est, mode)


def reach_lsoa_layer(lsoas_web: gpd.GeoDataFrame, reach_lsoas: pd.DataFrame, *, mode: str = "best"
                     ) -> gpd.GeoDataFrame:
    """LSOA shapes with `band`, `estimate` and `reach_text` from `ReachResult.lsoas` (times from each
    LSOA's population-weighted point)."""
    r = reach_lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")
    codes = lsoas_web["lsoa_code"].astype(str)
    times = pd.DataFrame({c: codes.map(r[c]).astype("float64") for c in _TIMES})
    est = codes.map(r["estimate"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    out = _with_reach(lsoas_web, times, est, mode)
    if "lsoa_name" not in out.columns:
        out["lsoa_name"] = out["lsoa_code"]
    out["lsoa_name"] = out["lsoa_name"].fillna(out["lsoa_code"])
    return out


def catchment_group(catchment_web: gpd.GeoDataFrame, *, venue_name: str, meeting: bool = False) -> folium.FeatureGroup:
    """The 10/20/30-minute walking areas of one venue (`geo.analyse.catchment.catchment`, web-ready), widest
    first so the nearer rings sit on top. Non-interactive apart from tooltips."""
    group = folium.FeatureGroup(name="Catchment")
    frame = catchment_web.sort_values("minutes", ascending=False).reset_index(drop=True)
    est = frame["estimate"].astype(bool)
    frame = frame.assign(
        k=[str(i) for i in range(len(frame))],
        tip=[tooltip_html(("", venue_name), ("", f"within {m:g} min walk" + (" (straight-line estimate)" if e else "")))
             for m, e in zip(frame["minutes"], est)])
    n = len(frame)
    styles: dict[str, dict[str, object]] = {}
    for i in range(n):
        ring = min(n - 1 - i, len(CATCHMENT_COLOURS) - 1)  # 0 = the nearest band
        styles[str(i)] = {"color": CATCHMENT_COLOURS[ring], "weight": 5.0 if meeting else 3.2,
                          "dashArray": CATCHMENT_DASHES[ring], "fillColor": "#ffffff", "fillOpacity": 0.12}
    styles[""] = styles.get("0", {})
    FastGeoJson(frame, styles=styles, sticky=True, name="Catchment").add_to(group)
    return group
