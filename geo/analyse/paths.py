"""Shortest walking distances on the road graph (geo.analyse.network), with scipy.sparse.csgraph.

Sources (venues, bus stops) are points snapped to edges; a search starts from a virtual node linked
to both ends of each source's edge (offset + along, offset + the rest of the edge). Distance at a
point on an edge (a segment's midpoint, a snapped origin) is computed exactly from the two nodes of
its edge: min(d[a] + along, d[b] + (len - along)), and directly along the edge from any source
snapped onto that same edge. For a straight two-point segment this is min(d[u], d[v]) + length/2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.analyse.network import EdgePoints, RoadGraph, edge_point_xy, segment_midpoints, with_sources

#: Walking limits are inclusive, with this tolerance for rounding (and for the tiny zero-length links).
LIMIT_TOL_M = 1e-6


def source_links(graph: RoadGraph, sources: EdgePoints, cost_m: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(node, metres) links from each placed source to both ends of its edge: offset (+ cost) + the walk
    along the edge to that end. Sources not placed, or with an infinite cost, get no link."""
    ok = sources.placed & np.isfinite(sources.offset_m)
    if cost_m is not None:
        ok &= np.isfinite(cost_m)
    e = sources.edge[ok]
    base = sources.offset_m[ok] + (0.0 if cost_m is None else np.asarray(cost_m, dtype="float64")[ok])
    nodes = np.concatenate([graph.edge_u[e], graph.edge_v[e]])
    w = np.concatenate([base + sources.along_m[ok], base + graph.edge_length_m[e] - sources.along_m[ok]])
    return nodes, w


def multi_source_distance(graph: RoadGraph, source_nodes: Any, source_offsets_m: Any, *,
                          limit_m: float = np.inf) -> np.ndarray:
    """Metres from every node to the nearest source, where reaching source i costs its offset first.

    One `csgraph.dijkstra` run from a virtual super-source linked to each source node by an edge
    of weight `source_offsets_m[i]` (a venue 30 m off the road adds 30 m). inf where unreachable
    (or beyond `limit_m`).
    """
    n = graph.n_nodes
    nodes = np.asarray(source_nodes, dtype="int64").ravel()
    offs = np.asarray(source_offsets_m, dtype="float64").ravel()
    if nodes.shape != offs.shape:
        raise ValueError("source_nodes and source_offsets_m must have the same length")
    keep = (nodes >= 0) & np.isfinite(offs)
    nodes, offs = nodes[keep], offs[keep]
    if n == 0 or nodes.size == 0:
        return np.full(n, np.inf)
    if np.any(offs < 0):
        raise ValueError("source offsets must not be negative")
    aug = with_sources(graph.matrix, np.zeros(nodes.size, dtype="int64"), nodes, offs, 1)
    dist = dijkstra(aug, directed=True, indices=np.array([n]), min_only=True, limit=limit_m + LIMIT_TOL_M)
    return np.asarray(dist[:n], dtype="float64")


def distance_from(graph: RoadGraph, sources: EdgePoints, *, cost_m: np.ndarray | None = None,
                  limit_m: float = np.inf) -> np.ndarray:
    """Metres from every node to the nearest of `sources` (points snapped to edges), plus `cost_m`."""
    nodes, w = source_links(graph, sources, cost_m)
    return multi_source_distance(graph, nodes, w, limit_m=limit_m)


def source_pairs(graph: RoadGraph, sources: EdgePoints, *, limit_m: float) -> np.ndarray:
    """(p, 2) pairs of placed `sources` (positions into `sources`) less than 2 x limit_m + 1 m apart in
    a straight line: the sources whose walking areas within `limit_m` may overlap. Depends only on
    where the sources are, so callers may compute it once and pass it to `bounded_distance`."""
    idx = np.flatnonzero(sources.placed)
    if idx.size < 2:
        return np.zeros((0, 2), dtype="int64")
    pos = edge_point_xy(graph, EdgePoints(sources.edge[idx], sources.along_m[idx], sources.offset_m[idx]))
    pairs = cKDTree(pos).query_pairs(2.0 * (float(limit_m) + LIMIT_TOL_M) + 1.0, output_type="ndarray")
    return np.asarray(idx[pairs], dtype="int64").reshape(-1, 2)


def bounded_distance(graph: RoadGraph, sources: EdgePoints, *, cost_m: np.ndarray, limit_m: float,
                     pairs: np.ndarray | None = None) -> np.ndarray:
    """Per node: min over sources i of (cost_m[i] + walk from source i), counting only walks <= limit_m.

    The limit applies to each source separately, so one super-source run cannot do it. Instead the
    sources are split into rounds of sources more than 2 x limit_m apart (straight line, so their
    walking areas cannot overlap): within a round every node is within the limit of at most one
    source, and one multi-source `csgraph.dijkstra(min_only=True, limit=limit_m)` says which. Rounds
    are chosen as local maxima of a fixed pseudo-random priority among the sources still to do
    (vectorised); their number is about the most sources within 2 x limit_m of one another.
    `pairs` may pass `source_pairs(graph, sources, limit_m=limit_m)` computed beforehand.
    """
    n = graph.n_nodes
    best = np.full(n, np.inf)
    cost = np.asarray(cost_m, dtype="float64")
    limit = float(limit_m) + LIMIT_TOL_M
    ok = sources.placed & np.isfinite(cost) & (sources.offset_m <= limit)
    if n == 0 or not ok.any():
        return best
    src = np.flatnonzero(ok)
    k = src.size
    e = sources.edge[src]
    w_u = sources.offset_m[src] + sources.along_m[src]
    w_v = sources.offset_m[src] + graph.edge_length_m[e] - sources.along_m[src]
    rows = np.concatenate([np.arange(k), np.arange(k)])
    cols = np.concatenate([graph.edge_u[e], graph.edge_v[e]])
    w = np.concatenate([w_u, w_v])
    keep = w <= limit
    aug = with_sources(graph.matrix, rows[keep], cols[keep], w[keep], k)

    if pairs is None:
        pairs = source_pairs(graph, sources, limit_m=limit_m)
    local = np.full(len(sources), -1, dtype="int64")
    local[src] = np.arange(k)
    pairs = local[np.asarray(pairs, dtype="int64").reshape(-1, 2)]
    pairs = pairs[(pairs >= 0).all(axis=1)]
    pa, pb = pairs[:, 0], pairs[:, 1]
    priority = np.random.default_rng(20240607).permutation(k)
    todo = np.ones(k, dtype=bool)
    while todo.any():
        live = todo[pa] & todo[pb]
        a, b = pa[live], pb[live]
        beaten = np.zeros(k, dtype=bool)
        beaten[np.where(priority[a] < priority[b], a, b)] = True
        chosen = np.flatnonzero(todo & ~beaten)
        dist, _, origin = dijkstra(aug, directed=True, indices=n + chosen, min_only=True, limit=limit,
                                   return_predecessors=True)
        reached = np.flatnonzero(np.isfinite(dist[:n]))
        if reached.size:
            val = dist[reached] + cost[src[origin[reached] - n]]
            best[reached] = np.minimum(best[reached], val)
        todo[chosen] = False
    return best


def point_to_point(graph: RoadGraph, points: EdgePoints) -> np.ndarray:
    """(k, k) metres along the network between the on-network positions of `points` (their offsets
    are not included); inf between pieces that do not join. One Dijkstra row per point, so keep k small
    (the stops of one bus route)."""
    k = len(points)
    out = np.full((k, k), np.inf)
    ok = points.placed
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    e = points.edge[idx]
    al = points.along_m[idx]
    n, kk = graph.n_nodes, idx.size
    ln = graph.edge_length_m[e]
    aug = with_sources(graph.matrix, np.concatenate([np.arange(kk)] * 2),
                        np.concatenate([graph.edge_u[e], graph.edge_v[e]]), np.concatenate([al, ln - al]), kk)
    dist = np.asarray(dijkstra(aug, directed=True, indices=np.arange(n, n + kk)))[:, :n]
    d = np.minimum(dist[:, graph.edge_u[e]] + al[None, :], dist[:, graph.edge_v[e]] + (ln - al)[None, :])
    same = e[:, None] == e[None, :]
    d = np.where(same, np.minimum(d, np.abs(al[:, None] - al[None, :])), d)
    np.fill_diagonal(d, 0.0)
    out[np.ix_(idx, idx)] = d
    return out


def _same_edge_pairs(point_edge: np.ndarray, source_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (point, source) position pairs that lie on the same edge (a sort-and-search join in numpy;
    a few sources per edge at most, so the output is small)."""
    if point_edge.size == 0 or source_edge.size == 0:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    order = np.argsort(source_edge, kind="stable")
    sorted_edge = source_edge[order]
    lo = np.searchsorted(sorted_edge, point_edge, side="left")
    hi = np.searchsorted(sorted_edge, point_edge, side="right")
    count = hi - lo
    has = np.flatnonzero(count)
    if has.size == 0:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    c = count[has]
    p = np.repeat(has, c)
    start = np.repeat(lo[has] - (np.cumsum(c) - c), c)
    s = order[start + np.arange(p.size)]
    return p.astype("int64"), s.astype("int64")


def values_at(graph: RoadGraph, node_m: np.ndarray, points: EdgePoints, *,
              sources: EdgePoints | None = None, source_cost_m: np.ndarray | None = None,
              limit_m: float = np.inf) -> np.ndarray:
    """A node field (metres to the nearest source) evaluated at points on edges.

    value = offset + min(d[a] + along, d[b] + len - along, direct along the same edge from any
    source snapped to it: source offset + cost + |along - source along|). Direct paths longer than
    `limit_m` (excluding cost) are ignored. inf where the point is not placed or nothing is reachable.
    """
    out = np.full(len(points), np.inf)
    ok = points.placed
    if not ok.any():
        return out
    e = points.edge[ok]
    a = points.along_m[ok]
    val = np.minimum(node_m[graph.edge_u[e]] + a, node_m[graph.edge_v[e]] + graph.edge_length_m[e] - a)
    if sources is not None and len(sources):
        cost = np.zeros(len(sources)) if source_cost_m is None else np.asarray(source_cost_m, dtype="float64")
        sok = np.flatnonzero(sources.placed & np.isfinite(cost) & np.isfinite(sources.offset_m))
        if sok.size:
            on_source_edge = np.zeros(graph.n_edges, dtype=bool)
            on_source_edge[sources.edge[sok]] = True
            cand = np.flatnonzero(on_source_edge[e])
            pi, si = _same_edge_pairs(e[cand], sources.edge[sok])
            pi = cand[pi]
            if pi.size:
                si = sok[si]
                walk = sources.offset_m[si] + np.abs(a[pi] - sources.along_m[si])
                direct = np.where(walk <= limit_m + LIMIT_TOL_M, walk + cost[si], np.inf)
                np.minimum.at(val, pi, direct)
    out[ok] = points.offset_m[ok] + val
    return out


def segment_distance(graph: RoadGraph, node_m: np.ndarray, *, sources: EdgePoints | None = None,
                     source_cost_m: np.ndarray | None = None, limit_m: float = np.inf) -> np.ndarray:
    """A node field evaluated at every segment's midpoint (see `values_at`)."""
    return values_at(graph, node_m, segment_midpoints(graph), sources=sources,
                     source_cost_m=source_cost_m, limit_m=limit_m)
