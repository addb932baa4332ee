"""The demo borough's buses: four routes from the bus station along roads, with stops every ~400 m.

Routes run through each estate but the poor one (which stays unserved), to a suburb when only one
estate is served, and to the two furthest villages other than the rural pocket. Buses prefer main
roads and avoid the poor estate and the pocket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry.base import BaseGeometry

from geo.demo.layout import BoroughCopy, Layout
from geo.demo.population import Deprivation
from geo.demo.shapes import locate, segment_lines
from geo.demo.streets import Streets

_ROUTE_IDS = ("1", "2", "X5", "7")
_ROUTE_TRIPS_PER_HOUR = (4.0, 2.0, 1.0, 0.5)


@dataclass(frozen=True)
class Buses:
    routes: pd.DataFrame  # route_id, name, trips_per_hour, speed_kmh
    route_geoms: list[shapely.LineString]
    stops: pd.DataFrame  # stop_id, name, route_ids
    stop_xy: np.ndarray


@dataclass
class _StopBook:
    """Stops placed so far; a stop within 80 m of an earlier one is that stop, served by one more route."""

    xy: list[np.ndarray] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    routes: list[list[str]] = field(default_factory=list)
    green_done: set[int] = field(default_factory=set)  # villages whose "Green" stop exists


def _bus_graph(layout: Layout, streets: Streets, dep: Deprivation) -> csr_matrix:
    """Road graph weighted by length, 40 times dearer near the poor estate and the rural pocket."""
    mids, seg_len = streets.mids, streets.seg_len
    penalty = np.ones(streets.n_seg)
    est_xy, est_r, poor = layout.est_xy, layout.est_r, layout.poor_estate
    penalty[np.hypot(*(mids - est_xy[poor]).T) < est_r[poor] + 450.0] = 40.0
    penalty[np.hypot(*(mids - dep.lsoa_pt[dep.pocket_rural]).T) < 1_500.0] = 40.0
    penalty[streets.main] *= 0.7  # buses prefer main roads
    n_nodes = len(streets.nodes)
    seg_a, seg_b = streets.seg_a, streets.seg_b
    return coo_matrix((np.r_[seg_len * penalty, seg_len * penalty], (np.r_[seg_a, seg_b], np.r_[seg_b, seg_a])),
                      shape=(n_nodes, n_nodes)).tocsr()


def _route_targets(rng: np.random.Generator, layout: Layout, streets: Streets,
                   ward_polys: list[BaseGeometry], ward_names: list[str]) -> list[tuple[str, int, str]]:
    """(kind, far end node, destination name) of each route: estates, maybe a suburb, villages."""
    town_xy = streets.nodes[: streets.n_town_nodes]
    est_xy, est_r, poor_estate = layout.est_xy, layout.est_r, layout.poor_estate
    served = [e for e in range(layout.n_est) if e != poor_estate]
    other_v = [v for v in np.argsort(-layout.vil_dist) if v != layout.pocket_village]
    targets: list[tuple[str, int, str]] = []
    for e in served:  # through the estate to its far side
        cand = np.flatnonzero(np.hypot(*(town_xy - est_xy[e]).T) < est_r[e])
        far_node = int(cand[np.argmax(np.hypot(*streets.nodes[cand].T))])
        targets.append(("estate", far_node, ward_names[locate(est_xy[[e]], ward_polys)[0]]))
    if len(served) < 2:  # a suburban route away from the unserved estate
        ang = math.atan2(est_xy[poor_estate][1], est_xy[poor_estate][0]) + math.pi * rng.choice([0.6, -0.6])
        goal = np.array([math.cos(ang), math.sin(ang)]) * 2_400.0
        node = int(np.argmin(np.hypot(*(town_xy - goal).T)))
        targets.append(("suburb", node, ward_names[locate(streets.nodes[[node]], ward_polys)[0]]))
    for v in other_v[:2]:
        vn = streets.vil_node_ids[v]
        node = int(vn[np.argmin(np.hypot(*(streets.nodes[vn] - layout.vil_xy[v]).T))])
        targets.append(("village", node, layout.vil_names[v]))
    return targets


def _add_stops(rng: np.random.Generator, book: _StopBook, line: shapely.LineString, rid: str, *,
               layout: Layout, streets: Streets, named_tree: shapely.STRtree, named_idx: np.ndarray,
               lad_name: str) -> None:
    """Stops every 350-450 m along `line` (the first is the bus station), named after the nearest road."""
    gaps = rng.uniform(350.0, 450.0, int(line.length / 350.0) + 2)
    dists = np.r_[0.0, np.cumsum(gaps)]
    dists = dists[dists < line.length - 150.0]
    dists = np.r_[dists, line.length]
    pts = shapely.get_coordinates(shapely.line_interpolate_point(line, dists))
    near = named_tree.query_nearest(shapely.points(pts), all_matches=False)[1]
    for k, xy in enumerate(pts):
        if book.xy:
            dist = np.hypot(*(np.asarray(book.xy) - xy).T)
            j = int(np.argmin(dist))
            if dist[j] < 80.0:
                if rid not in book.routes[j]:
                    book.routes[j].append(rid)
                continue
        nm = streets.names[named_idx[near[k]]]
        if k == 0:
            nm = f"{lad_name} Bus Station"
        vd = np.hypot(*(layout.vil_xy - xy).T)
        vi = int(np.argmin(vd))
        if vd[vi] < 300.0 and vi not in book.green_done:
            book.green_done.add(vi)
            nm = f"{layout.vil_names[vi]} Green"
        book.xy.append(xy)
        book.name.append(nm)
        book.routes.append([rid])


def run_buses(rng: np.random.Generator, copy: BoroughCopy, layout: Layout, streets: Streets,
              ward_polys: list[BaseGeometry], ward_names: list[str], dep: Deprivation) -> Buses:
    """Four routes, each the cheapest path from the bus station (the town node nearest the centre)."""
    hub_node = int(np.argmin(np.hypot(*streets.nodes[: streets.n_town_nodes].T)))
    _, preds = dijkstra(_bus_graph(layout, streets, dep), directed=False, indices=np.array([hub_node]),
                        return_predecessors=True)
    pred = preds[0]
    targets = _route_targets(rng, layout, streets, ward_polys, ward_names)
    route_speed = [18.0, float(np.round(rng.uniform(18.0, 21.0), 1)),
                   float(np.round(rng.uniform(23.0, 25.0), 1)), float(np.round(rng.uniform(20.0, 23.0), 1))]
    named_idx = np.flatnonzero(streets.named)
    named_tree = shapely.STRtree(segment_lines(streets.p_a[named_idx], streets.p_b[named_idx]))
    book = _StopBook()
    route_rows: list[dict[str, object]] = []
    route_geoms: list[shapely.LineString] = []
    for r, (_, node, dest) in enumerate(targets[:4]):
        path = [node]
        while path[-1] != hub_node:
            path.append(int(pred[path[-1]]))
        line = shapely.LineString(streets.nodes[path[::-1]])
        rid = f"{_ROUTE_IDS[r]}{copy.suffix}"
        route_rows.append({"route_id": rid, "name": f"{_ROUTE_IDS[r]} {copy.lad_name} Bus Station - {dest}",
                           "trips_per_hour": _ROUTE_TRIPS_PER_HOUR[r], "speed_kmh": route_speed[r]})
        route_geoms.append(line)
        _add_stops(rng, book, line, rid, layout=layout, streets=streets, named_tree=named_tree,
                   named_idx=named_idx, lad_name=copy.lad_name)
    stops = pd.DataFrame({
        "stop_id": [f"S{i + 1:03d}{copy.suffix}" for i in range(len(book.xy))],
        "name": book.name,
        "route_ids": [",".join(r) for r in book.routes],
    })
    return Buses(routes=pd.DataFrame(route_rows), route_geoms=route_geoms, stops=stops,
                 stop_xy=np.asarray(book.xy))
