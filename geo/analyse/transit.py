"""Buses: which places are near a stop."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

DEFAULT_STOP_WALK_M = 400.0


def near_stops(points: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, *, radius_m: float = DEFAULT_STOP_WALK_M) -> np.ndarray:
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
