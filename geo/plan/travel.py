"""Travel times between places: the one function the pop-up planner and the router both use.

Along the road network (`geo.analyse.network`) where it joins two places (the few metres from each
place to its nearest road included), else straight-line distance × the detour factor, and that pair
is flagged an *estimate*. Walking uses the walking speed of the `ReachAssumptions`; a route driven by
van passes its own speed (`geo.plan.route_settings.RouteAssumptions`). The detour factor is always
the assumptions'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.analyse.network import EdgePoints, RoadGraph, snap_points
from geo.analyse.paths import distance_from, values_at
from geo.assumptions import ReachAssumptions
from geo.model import DataError, Problem

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Travel:
    """(from × to) minutes and metres, and which pairs are straight-line estimates."""

    minutes: FloatArray
    metres: FloatArray
    estimate: BoolArray
    network: bool
    speed_m_per_min: float
    detour_factor: float


def _xy(points: ArrayLike) -> FloatArray:
    return np.asarray(points, dtype="float64").reshape(-1, 2)


def network_metres(graph: RoadGraph, from_xy: FloatArray, to_xy: FloatArray) -> FloatArray:
    """(from × to) metres along the network, each place's walk to its road included; inf where the
    network does not join the two. One Dijkstra run per `from` place (memory: one row at a time)."""
    out = np.full((len(from_xy), len(to_xy)), np.inf)
    if graph.empty or not len(from_xy) or not len(to_xy):
        return out
    fs, ts = snap_points(graph, from_xy), snap_points(graph, to_xy)
    for i in range(len(from_xy)):
        one = EdgePoints(fs.edge[i:i + 1], fs.along_m[i:i + 1], fs.offset_m[i:i + 1])
        out[i] = values_at(graph, distance_from(graph, one), ts, sources=one)
    return out


def travel_times(from_xy: ArrayLike, to_xy: ArrayLike | None = None, *, assumptions: ReachAssumptions,
                 graph: RoadGraph | None = None, speed_m_per_min: float | None = None) -> Travel:
    """Minutes from every place in `from_xy` to every place in `to_xy` (EPSG:27700 metres), along the
    roads where the network joins them, else straight line × `assumptions.detour_factor` (estimate).

    Without `to_xy`, between every pair of `from_xy` (a place is 0 minutes from itself). The speed is
    walking (`assumptions.walk_m_per_min`) unless `speed_m_per_min` is given (a van's, say).
    """
    src = _xy(from_xy)
    square = to_xy is None
    dst = src if to_xy is None else _xy(to_xy)
    speed = float(assumptions.walk_m_per_min if speed_m_per_min is None else speed_m_per_min)
    if not (np.isfinite(speed) and speed > 0):
        raise DataError(Problem("travel", f"the speed must be a positive number of metres a minute, got {speed!r}.",
                                fix="Set a speed above 0."))
    detour = float(assumptions.detour_factor)
    network = graph is not None and not graph.empty
    metres = network_metres(graph, src, dst) if graph is not None and network else np.full((len(src), len(dst)),
                                                                                           np.inf)
    estimate = ~np.isfinite(metres)
    if estimate.any():
        straight = np.hypot(src[:, None, 0] - dst[None, :, 0], src[:, None, 1] - dst[None, :, 1])
        metres = np.where(estimate, detour * straight, metres)
    if square:
        np.fill_diagonal(metres, 0.0)
        np.fill_diagonal(estimate, False)
    return Travel(metres / speed, metres, estimate, network, speed, detour)
