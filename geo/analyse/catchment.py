"""The walking catchment of one venue: the area within 10, 20 or 30 minutes' walk, as polygons.

Along the road network (geo.analyse.network): every road reached within the time (an edge reached
only part way is cut at the limit, and the venue's own edge is walked both ways from the venue),
buffered by `buffer_m`. Without a network: a circle of radius minutes × walking speed ÷ the detour
factor, flagged as an estimate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.analyse.network import RoadGraph, snap_points
from geo.analyse.paths import distance_from
from geo.assumptions import DEFAULT_REACH, ReachAssumptions
from geo.model import CRS

DEFAULT_MINUTES: tuple[float, ...] = (10.0, 20.0, 30.0)


def catchment(graph: RoadGraph | None, venue_xy: Any, *, minutes: Iterable[float] = DEFAULT_MINUTES,
              assumptions: ReachAssumptions = DEFAULT_REACH, buffer_m: float = 60.0) -> gpd.GeoDataFrame:
    """The area within each of `minutes` walk of one venue: one polygon per band (cumulative, so the
    30-minute polygon contains the 10-minute one), as the roads reached (partly reached edges cut at
    the limit) buffered by `buffer_m`. Without a network: a circle of radius minutes × speed /
    detour_factor, flagged estimate (speed and detour factor from `assumptions`). Columns: minutes,
    band, estimate, geometry (EPSG:27700)."""
    walk_m_per_min, detour_factor = assumptions.walk_m_per_min, assumptions.detour_factor
    mins = sorted(float(m) for m in minutes)
    xy = np.asarray(venue_xy, dtype="float64").reshape(1, 2)
    point = shapely.Point(xy[0])
    polys: list[Any] = []
    estimate = graph is None or graph.empty
    if graph is None or graph.empty:
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
                geoms.extend(np.asarray(shapely.linestrings(np.stack([p0, p1], axis=1)), dtype=object))
            # Union of per-piece buffers: several times faster than buffering one MultiLineString.
            shape = shapely.union_all(shapely.buffer(np.asarray(geoms, dtype=object), buffer_m, quad_segs=2)) \
                if geoms else shapely.Polygon()
            polys.append(shape)
    labels = [f"within {m:g} min" for m in mins]
    return gpd.GeoDataFrame({"minutes": mins, "band": labels, "estimate": [estimate] * len(mins)},
                            geometry=polys, crs=CRS)
