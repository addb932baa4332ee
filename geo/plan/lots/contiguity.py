"""Which lot units share a border (rook: a shared edge; queen: a corner is enough) and the connected
parts of a set of units. Two squares that only touch at a corner are not rook neighbours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csgraph, csr_matrix

from geo.model import DataError, Problem


@dataclass(frozen=True)
class Adjacency:
    """Which units share a border: `codes[i]` neighbours `codes[j]` when matrix[i, j] is set."""

    codes: tuple[str, ...]
    matrix: csr_matrix

    @property
    def position(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}

    def neighbours(self, code: str) -> list[str]:
        i = self.position[code]
        row = self.matrix.indices[self.matrix.indptr[i]:self.matrix.indptr[i + 1]]
        return [self.codes[j] for j in row]

    def lists(self) -> list[NDArray[np.int32]]:
        m = self.matrix
        return [m.indices[m.indptr[i]:m.indptr[i + 1]] for i in range(len(self.codes))]

    def parts(self, codes: Iterable[str]) -> list[list[str]]:
        """Connected parts of a set of units, largest first (one part = contiguous)."""
        pos = self.position
        idx = sorted({pos[c] for c in codes if c in pos})
        if not idx:
            return []
        sub = self.matrix[idx][:, idx]
        n, labels = csgraph.connected_components(sub, directed=False)
        parts = [[self.codes[idx[k]] for k in np.flatnonzero(labels == g)] for g in range(n)]
        return sorted(parts, key=lambda p: (-len(p), p))


def adjacency(units: gpd.GeoDataFrame, *, code_col: str, tolerance_m: float = 1.0,
              min_shared_m: float = 1.0) -> Adjacency:
    """Units that share a border at least `min_shared_m` long (within `tolerance_m` of each other).

    `min_shared_m=0` counts units that only meet at a corner as neighbours too ("queen" contiguity);
    the default needs a shared edge ("rook"). The tolerance absorbs slivers and gaps in generalised
    boundaries. Units must be in a metric CRS (EPSG:27700).
    """
    if tolerance_m < 0 or min_shared_m < 0:
        raise DataError(Problem("adjacency", "tolerance and shared border length cannot be negative."))
    if units.crs is not None and not units.crs.is_projected:
        raise DataError(Problem("adjacency", f"units are in {units.crs.to_string()}, not metres.",
                                fix="Project the units to EPSG:27700 first."))
    codes = tuple(units[code_col].astype(str))
    geoms = np.asarray(units.geometry.values)
    n = len(geoms)
    if n == 0:
        return Adjacency(codes, csr_matrix(np.zeros((0, 0), dtype=bool)))
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=max(tolerance_m, 1e-9))
    keep = i < j
    i, j = i[keep], j[keep]
    if min_shared_m > 0 and len(i):
        buffered = shapely.buffer(geoms, max(tolerance_m, 1e-6), quad_segs=2)
        # The buffer reaches `tolerance_m` past each end of a shared edge (and a corner alone gives about
        # 2 x tolerance), so subtract that before comparing with the length asked for.
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), buffered[j])) - 2 * tolerance_m
        ok = shared >= min_shared_m
        i, j = i[ok], j[ok]
    data = np.ones(2 * len(i), dtype=bool)
    m = csr_matrix((data, (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    m.sum_duplicates()
    return Adjacency(codes, m)
