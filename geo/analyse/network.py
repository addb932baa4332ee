"""The road network as a graph, and points placed on it (paths over it: geo.analyse.paths).

Nodes are the vertices of the road lines snapped to a 0.5 m grid, so coincident points join. Segment
end points are always nodes; interior vertices are nodes too, because OpenStreetMap ways run through
junctions without being split there (a way that meets another at a shared vertex is connected to it).
Lines that merely cross without a shared vertex (bridges, hand-drawn lines) are *not* joined.
Edges join consecutive vertices, weighted by their length in metres; the graph is undirected, held
as a symmetric CSR matrix (parallel edges keep the shortest).

Points that are not on the network (venues, bus stops, an LSOA's population-weighted point) are
*snapped* to the nearest edge: the straight line from the point to the edge (`offset_m`) is walked,
then the network from that place on the edge (`along_m` from the edge's first node). A road
segment's own place on the network is its midpoint (half way along the line, `segment_midpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

GRID_M = 0.5
#: csgraph drops explicit zeros in some operations; zero-length links get this weight instead.
_EPS_M = 1e-9


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """Undirected road graph. Node and edge arrays are positional; segments align with the roads' rows.

    node_xy      (n, 2) node coordinates (the first vertex seen at each 0.5 m grid cell), metres
    matrix       (n, n) symmetric CSR of edge lengths in metres
    seg_u/seg_v  (m,) node of each segment's first / last vertex (-1 for an empty geometry)
    seg_length_m (m,) length of each segment along its edges
    edge_*       one entry per pair of consecutive vertices, in segment order: end nodes, length,
                 owning segment and the position of the edge's first node along that segment
    edge_tree    shapely STRtree over the edges that have a length (`edge_ids` maps tree → edge)
    """

    node_xy: np.ndarray
    matrix: sp.csr_matrix
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_length_m: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_seg: np.ndarray
    edge_start_m: np.ndarray
    edge_tree: shapely.STRtree
    edge_ids: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.node_xy.shape[0])

    @property
    def n_segments(self) -> int:
        return int(self.seg_u.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    @property
    def empty(self) -> bool:
        """True when there is nothing to walk along (no edge with a length)."""
        return self.edge_ids.size == 0

    @cached_property
    def node_tree(self) -> cKDTree:
        return cKDTree(self.node_xy if self.n_nodes else np.zeros((0, 2)))

    @cached_property
    def end_tree(self) -> tuple[cKDTree, np.ndarray]:
        """KD-tree over the nodes that end an edge with a length (the edges `edge_tree` holds),
        and those nodes' ids."""
        ends = np.unique(np.concatenate([self.edge_u[self.edge_ids], self.edge_v[self.edge_ids]]))
        return cKDTree(self.node_xy[ends] if ends.size else np.zeros((0, 2))), ends


@dataclass(frozen=True)
class EdgePoints:
    """Points placed on the network: edge index (-1 when there is no network), position along the
    edge from its first node, and the straight-line distance from the point to that position."""

    edge: np.ndarray
    along_m: np.ndarray
    offset_m: np.ndarray

    def __len__(self) -> int:
        return int(self.edge.shape[0])

    @property
    def placed(self) -> np.ndarray:
        return self.edge >= 0


def _coords_xy(points_xy: Any) -> np.ndarray:
    arr = np.asarray(points_xy, dtype="float64")
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim == 1:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points_xy must be an (n, 2) array of x, y metres, got shape {arr.shape}")
    return arr


def geometry_xy(geoms: Any) -> np.ndarray:
    """(n, 2) x, y of point geometries (GeoSeries, GeoDataFrame or shapely array)."""
    values = getattr(geoms, "geometry", geoms)
    values = getattr(values, "values", values)
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros((0, 2))
    return np.column_stack([shapely.get_x(arr), shapely.get_y(arr)])


def _min_pairs(rows: np.ndarray, cols: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the smallest weight of each (row, col) pair, sorted by row then col."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(rows.shape[0], dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return rows[first], cols[first], w[first]


def _with_sources(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, w: np.ndarray, k: int
                  ) -> sp.csr_matrix:
    """`matrix` (n x n, CSR) grown by k virtual source nodes n..n+k-1 with edges row -> col (weight w),
    outgoing only. Built directly from the CSR arrays (no scipy block assembly)."""
    n = matrix.shape[0]
    rows, cols, w = _min_pairs(rows.astype("int64"), cols.astype("int64"), np.maximum(w, _EPS_M))
    counts = np.bincount(rows, minlength=k)
    indptr = np.concatenate([matrix.indptr, matrix.indptr[-1] + np.cumsum(counts)])
    return sp.csr_matrix((np.concatenate([matrix.data, w]), np.concatenate([matrix.indices, cols]), indptr),
                         shape=(n + k, n + k))


def induced_subgraph(matrix: sp.csr_matrix, idx: np.ndarray) -> sp.csr_matrix:
    """The subgraph on nodes `idx` (sorted, unique), renumbered 0..len(idx)-1. Pure numpy on the CSR
    arrays (faster than scipy fancy indexing for many small pieces)."""
    local = np.full(matrix.shape[0], -1, dtype="int64")
    local[idx] = np.arange(idx.size)
    starts = matrix.indptr[idx]
    lengths = matrix.indptr[idx + 1] - starts
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    pos = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)
    cols = local[matrix.indices[pos]]
    keep = cols >= 0
    rows = np.repeat(np.arange(idx.size), lengths)[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=idx.size))])
    return sp.csr_matrix((matrix.data[pos][keep], cols[keep], indptr), shape=(idx.size, idx.size))


def with_sources(matrix: sp.csr_matrix, rows: Any, cols: Any, w: Any, k: int) -> sp.csr_matrix:
    """`matrix` plus k virtual source nodes n..n+k-1 with outgoing edges row -> col of weight w (array-likes)."""
    return _with_sources(matrix, np.asarray(rows), np.asarray(cols), np.asarray(w, dtype="float64"), k)


def build_graph(roads: Any, *, grid_m: float = GRID_M) -> RoadGraph:
    """Graph of the road segments in `roads` (GeoDataFrame/GeoSeries of (Multi)LineStrings, metres).

    Pure and vectorised: vertices are snapped to a `grid_m` grid to find coincident points.
    """
    if grid_m <= 0:
        raise ValueError(f"grid_m must be positive, got {grid_m}")
    geoms = getattr(roads, "geometry", roads)
    geoms = np.asarray(getattr(geoms, "values", geoms))
    m = int(geoms.shape[0])
    if m:
        parts, part_seg = shapely.get_parts(geoms, return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
    else:
        coords, coord_part, part_seg = np.zeros((0, 2)), np.zeros(0, "int64"), np.zeros(0, "int64")

    # Nodes: one per occupied grid cell; a node sits at the first vertex seen in its cell.
    if coords.shape[0]:
        cell = np.floor(coords / grid_m + 0.5).astype("int64")
        cell -= cell.min(axis=0)
        key = cell[:, 0] * (int(cell[:, 1].max()) + 1) + cell[:, 1]
        _, first_idx, coord_node = np.unique(key, return_index=True, return_inverse=True)
        node_xy = coords[first_idx]
    else:
        coord_node = np.zeros(0, "int64")
        node_xy = np.zeros((0, 2))
    n = int(node_xy.shape[0])

    # Edges: consecutive vertices of the same part.
    same = coord_part[1:] == coord_part[:-1] if coords.shape[0] > 1 else np.zeros(0, bool)
    start = np.flatnonzero(same)
    edge_u = coord_node[start].astype("int64")
    edge_v = coord_node[start + 1].astype("int64")
    edge_seg = part_seg[coord_part[start]].astype("int64")
    d = node_xy[edge_v] - node_xy[edge_u]
    edge_len = np.hypot(d[:, 0], d[:, 1])
    edge_len[edge_u == edge_v] = 0.0

    seg_length = np.bincount(edge_seg, weights=edge_len, minlength=m)
    seg_base = np.concatenate([[0.0], np.cumsum(seg_length)[:-1]]) if m else np.zeros(0)
    glob_end = np.cumsum(edge_len)
    edge_start = glob_end - edge_len - (seg_base[edge_seg] if m else 0.0)

    seg_u = np.full(m, -1, dtype="int64")
    seg_v = np.full(m, -1, dtype="int64")
    if coords.shape[0]:
        cseg = part_seg[coord_part]
        first_c = np.ones(cseg.shape[0], dtype=bool)
        first_c[1:] = cseg[1:] != cseg[:-1]
        last_c = np.ones(cseg.shape[0], dtype=bool)
        last_c[:-1] = cseg[1:] != cseg[:-1]
        seg_u[cseg[first_c]] = coord_node[first_c]
        seg_v[cseg[last_c]] = coord_node[last_c]

    link = edge_u != edge_v
    rows = np.concatenate([edge_u[link], edge_v[link]])
    cols = np.concatenate([edge_v[link], edge_u[link]])
    w = np.maximum(np.concatenate([edge_len[link], edge_len[link]]), _EPS_M)
    rows, cols, w = _min_pairs(rows, cols, w)
    matrix = sp.csr_matrix((w, (rows, cols)), shape=(n, n))

    edge_ids = np.flatnonzero(link)
    lines = shapely.linestrings(np.stack([node_xy[edge_u[edge_ids]], node_xy[edge_v[edge_ids]]], axis=1)) \
        if edge_ids.size else np.array([], dtype=object)
    tree = shapely.STRtree(np.asarray(lines, dtype=object))
    return RoadGraph(node_xy=node_xy, matrix=matrix, seg_u=seg_u, seg_v=seg_v, seg_length_m=seg_length,
                     edge_u=edge_u, edge_v=edge_v, edge_length_m=edge_len, edge_seg=edge_seg,
                     edge_start_m=edge_start, edge_tree=tree, edge_ids=edge_ids)


def nearest_nodes(graph: RoadGraph, points_xy: Any) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node of each point (cKDTree) and the straight-line distance to it in metres."""
    xy = _coords_xy(points_xy)
    if graph.n_nodes == 0:
        return np.full(len(xy), -1, dtype="int64"), np.full(len(xy), np.inf)
    dist, idx = graph.node_tree.query(xy)
    return np.asarray(idx, dtype="int64"), np.asarray(dist, dtype="float64")


def _foot(graph: RoadGraph, xy: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fraction along edge e of the point of e nearest to xy, and the distance to it."""
    a = graph.node_xy[graph.edge_u[e]]
    b = graph.node_xy[graph.edge_v[e]]
    ab = b - a
    ln2 = np.einsum("ij,ij->i", ab, ab)
    frac = np.clip(np.einsum("ij,ij->i", xy - a, ab) / ln2, 0.0, 1.0)
    foot = a + frac[:, None] * ab
    return frac, np.hypot(*(xy - foot).T)


def snap_points(graph: RoadGraph, points_xy: Any, *, max_m: float | None = None) -> EdgePoints:
    """Place each point on its nearest edge; edge -1 where there is none within `max_m`.

    The nearest edge end (KD-tree) bounds the distance to the nearest edge, so only edges whose box
    meets that square are candidates (STRtree box query); exact distances are then computed in numpy.
    Ties go to the lowest edge id. Several times faster than STRtree.query_nearest on lines."""
    xy = _coords_xy(points_xy)
    k = len(xy)
    edge = np.full(k, -1, dtype="int64")
    along = np.zeros(k)
    offset = np.full(k, np.inf)
    if k == 0 or graph.empty:
        return EdgePoints(edge, along, offset)
    tree, _ = graph.end_tree
    bound, _ = tree.query(xy)
    r = bound * (1.0 + 1e-9) + 1e-6
    boxes = shapely.box(xy[:, 0] - r, xy[:, 1] - r, xy[:, 0] + r, xy[:, 1] + r)
    p, t = graph.edge_tree.query(boxes)
    e = graph.edge_ids[t]
    frac, dist = _foot(graph, xy[p], e)
    order = np.lexsort((e, dist, p))
    p, e, frac, dist = p[order], e[order], frac[order], dist[order]
    first = np.ones(p.size, dtype=bool)
    first[1:] = p[1:] != p[:-1]
    p, e, frac, dist = p[first], e[first], frac[first], dist[first]
    if max_m is not None:
        keep = dist <= max_m
        p, e, frac, dist = p[keep], e[keep], frac[keep], dist[keep]
    edge[p] = e
    along[p] = frac * graph.edge_length_m[e]
    offset[p] = dist
    return EdgePoints(edge, along, offset)


def edge_point_xy(graph: RoadGraph, points: EdgePoints) -> np.ndarray:
    """Coordinates of the on-network positions of `points` (NaN where not placed)."""
    out = np.full((len(points), 2), np.nan)
    ok = points.placed
    e = points.edge[ok]
    a = graph.node_xy[graph.edge_u[e]]
    b = graph.node_xy[graph.edge_v[e]]
    ln = graph.edge_length_m[e]
    frac = np.divide(points.along_m[ok], ln, out=np.zeros_like(ln), where=ln > 0)
    out[ok] = a + frac[:, None] * (b - a)
    return out


def segment_midpoints(graph: RoadGraph) -> EdgePoints:
    """Each segment's midpoint (half its length along the line) as a point on its own edge."""
    m = graph.n_segments
    edge = np.full(m, -1, dtype="int64")
    along = np.zeros(m)
    if graph.n_edges:
        mid = graph.seg_length_m / 2.0
        # Edges of a segment are contiguous; pick the last edge of the segment starting at or before mid.
        seg_first = np.searchsorted(graph.edge_seg, np.arange(m), side="left")
        seg_last = np.searchsorted(graph.edge_seg, np.arange(m), side="right") - 1
        has = seg_last >= seg_first
        seg_base = np.concatenate([[0.0], np.cumsum(graph.seg_length_m)[:-1]])
        glob_start = seg_base[graph.edge_seg] + graph.edge_start_m
        target = seg_base + mid
        pos = np.searchsorted(glob_start, target, side="right") - 1
        pos = np.clip(pos, seg_first, np.maximum(seg_last, seg_first))
        edge[has] = pos[has]
        along[has] = np.clip(target[has] - glob_start[pos[has]], 0.0, graph.edge_length_m[pos[has]])
    return EdgePoints(edge, along, np.zeros(m))


def components(graph: RoadGraph) -> np.ndarray:
    """Connected-component label of every node."""
    if graph.n_nodes == 0:
        return np.zeros(0, dtype="int64")
    _, labels = connected_components(graph.matrix, directed=False)
    return np.asarray(labels, dtype="int64")


def street_groups(graph: RoadGraph, names: Any) -> np.ndarray:
    """Label per segment: segments with the same (non-blank) name that touch share a label; -1 unnamed.

    A way to count "roads" where there are no wards to split same-named streets by (e.g. two villages'
    Main Streets are two roads unless they join).
    """
    m = graph.n_segments
    name = pd.Series(np.asarray(names, dtype=object)).astype("string").str.strip()
    named = (name.notna() & (name != "")).to_numpy()
    labels = np.full(m, -1, dtype="int64")
    if not named.any():
        return labels
    code = pd.factorize(name.where(pd.Series(named), None))[0].astype("int64")
    seg = np.concatenate([graph.edge_seg, graph.edge_seg])
    node = np.concatenate([graph.edge_u, graph.edge_v])
    keep = named[seg]
    seg, node = seg[keep], node[keep]
    key = pd.factorize(pd.Series(node) * (int(code.max()) + 1) + code[seg])[0]
    k = int(key.max()) + 1 if key.size else 0
    g = sp.csr_matrix((np.ones(seg.size), (seg, m + key)), shape=(m + k, m + k))
    _, comp = connected_components(g, directed=False)
    labels[named] = pd.factorize(comp[:m][named])[0]
    return labels
