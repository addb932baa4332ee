"""Which polygons are neighbours: rook (a shared border) or queen (touching at all), and joining islands.

One adjacency function for every plan that groups areas (patches, hub pockets; lots can use it too):

- **rook**: two polygons are neighbours when their boundaries share a stretch at least `min_shared_m`
  long (default 1 m). Two squares that meet only at a corner are *not* rook neighbours, so a patch
  built on rook adjacency never hangs together by a point.
- **queen**: two polygons are neighbours when they touch at all (a single point is enough).

Published boundaries are generalised, so neighbours often miss each other by a sliver or overlap a
little. Both rules therefore look at polygons within `tolerance_m` of each other (default 1 m). For
rook the shared length is measured as the length of one polygon's boundary inside the other buffered
by `tolerance_m`; that buffer reaches `tolerance_m` past each end of a shared edge (and a lone corner
gives about 2 × `tolerance_m`), so 2 × `tolerance_m` is taken off before comparing with
`min_shared_m` (the approach of the lots module, which was right).

Tolerance, decided: a shared border shorter than `min_shared_m` (1 m) is treated as a point. A shared
edge of 1e-9 m left by snapping two corners together is a corner touch: queen, not rook. Polygons
must be in a projected CRS in metres (EPSG:27700).

`join_pieces` links the pieces of an adjacency that touch nothing else (islands, gaps in the data) to
the nearest polygon of another piece, nearest first, until one piece remains; the caller reports the
links it made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from geo.model import DataError, Problem

Rule = Literal["rook", "queen"]
RULES: tuple[Rule, ...] = ("rook", "queen")
#: Polygons this close count as touching (slivers and gaps in generalised boundaries), metres.
TOLERANCE_M = 1.0
#: A rook neighbour shares at least this much border; anything shorter is a point touch, metres.
MIN_SHARED_M = 1.0


@dataclass(frozen=True, eq=False)
class Adjacency:
    """Which polygons neighbour which: `codes[i]` neighbours `codes[j]` when `matrix[i, j]` is set.

    `matrix` is a symmetric boolean CSR matrix with an empty diagonal (no polygon is its own neighbour).
    """

    codes: tuple[str, ...]
    matrix: sp.csr_matrix
    rule: Rule = "rook"

    @cached_property
    def position(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}

    def neighbours(self, code: str) -> list[str]:
        i = self.position[code]
        row = self.matrix.indices[self.matrix.indptr[i]:self.matrix.indptr[i + 1]]
        return [self.codes[int(j)] for j in row]

    def lists(self) -> list[NDArray[np.int32]]:
        """The neighbours of every polygon, by position."""
        m = self.matrix
        return [m.indices[m.indptr[i]:m.indptr[i + 1]] for i in range(len(self.codes))]

    def as_sets(self) -> dict[str, set[str]]:
        """Every code and the set of its neighbours' codes."""
        return {c: set(self.neighbours(c)) for c in self.codes}

    def parts(self, codes: Iterable[str]) -> list[list[str]]:
        """Connected parts of a set of polygons, largest first (one part = contiguous)."""
        pos = self.position
        idx = sorted({pos[c] for c in codes if c in pos})
        if not idx:
            return []
        n, labels = connected_components(self.matrix[idx][:, idx], directed=False)
        parts = [[self.codes[idx[k]] for k in np.flatnonzero(labels == g)] for g in range(n)]
        return sorted(parts, key=lambda p: (-len(p), p))


def symmetric(i: NDArray[np.intp], j: NDArray[np.intp], n: int) -> sp.csr_matrix:
    """The (n × n) symmetric boolean matrix with pairs (i, j) and (j, i) set and an empty diagonal."""
    keep = i != j
    i, j = i[keep], j[keep]
    m = sp.csr_matrix((np.ones(2 * len(i), dtype=bool), (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    m.sum_duplicates()
    m = m.astype(bool).tocsr()
    m.eliminate_zeros()
    return m


def _check(polygons: gpd.GeoDataFrame, id_col: str, rule: str, tolerance_m: float, min_shared_m: float) -> None:
    problems: list[Problem] = []
    if rule not in RULES:
        problems.append(Problem("adjacency", f"rule must be 'rook' or 'queen', got {rule!r}.", column="rule",
                                fix="Use 'rook' (a shared border) or 'queen' (touching at all)."))
    for name, value in (("tolerance_m", tolerance_m), ("min_shared_m", min_shared_m)):
        if not (np.isfinite(value) and value >= 0):
            problems.append(Problem("adjacency", f"{name} must be a number of metres, 0 or more, got {value!r}.",
                                    column=name))
    if id_col not in polygons.columns:
        problems.append(Problem("adjacency", f"the polygons have no {id_col!r} column.", column=id_col))
    if polygons.crs is not None and not polygons.crs.is_projected:
        problems.append(Problem("adjacency", f"polygons are in {polygons.crs.to_string()}, not metres.",
                                fix="Project the polygons to EPSG:27700 first."))
    if problems:
        raise DataError(problems)


def adjacency(polygons: gpd.GeoDataFrame, *, id_col: str, rule: Rule, tolerance_m: float = TOLERANCE_M,
              min_shared_m: float = MIN_SHARED_M) -> Adjacency:
    """Rook or queen adjacency of `polygons` (see the module notes), identified by `id_col`."""
    _check(polygons, id_col, rule, tolerance_m, min_shared_m)
    codes = tuple(str(c) for c in polygons[id_col])
    geoms = np.asarray(polygons.geometry.values)
    n = len(geoms)
    if n == 0:
        return Adjacency(codes, sp.csr_matrix(np.zeros((0, 0), dtype=bool)), rule)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=max(tolerance_m, 1e-9))
    keep = i < j
    i, j = i[keep], j[keep]
    if rule == "rook" and len(i):
        buffered = shapely.buffer(geoms, max(tolerance_m, 1e-6), quad_segs=2)
        inside = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), buffered[j]))
        ok = inside - 2 * tolerance_m >= min_shared_m
        i, j = i[ok], j[ok]
    return Adjacency(codes, symmetric(i, j, n), rule)


@dataclass(frozen=True)
class Link:
    """A link `join_pieces` added between positions `a` and `b`, `gap_m` apart."""

    a: int
    b: int
    gap_m: float


def join_pieces(adj: Adjacency, polygons: gpd.GeoDataFrame) -> tuple[Adjacency, list[Link]]:
    """Join every piece that touches no other to the nearest polygon of another piece (smallest piece
    first, then again, until one piece remains). Returns the joined adjacency and the links added."""
    m = adj.matrix
    n = m.shape[0]
    if n == 0:
        return adj, []
    geoms = np.asarray(polygons.geometry.values)
    n_comp, labels = connected_components(m, directed=False)
    links: list[Link] = []
    while n_comp > 1:
        small = int(np.argmin(np.bincount(labels)))
        inside = np.flatnonzero(labels == small)
        others = np.flatnonzero(labels != small)
        hit, dist = shapely.STRtree(geoms[others]).query_nearest(geoms[inside], return_distance=True,
                                                                  all_matches=False)
        k = int(np.argmin(dist))
        links.append(Link(int(inside[hit[0][k]]), int(others[hit[1][k]]), float(dist[k])))
        m = (m + symmetric(np.array([links[-1].a]), np.array([links[-1].b]), n)).astype(bool).tocsr()
        n_comp, labels = connected_components(m, directed=False)
    return Adjacency(adj.codes, m, adj.rule), links
