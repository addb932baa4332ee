"""What a patch plan is made of: the LSOAs, their expected caseload, points and adjacency.

Adjacency comes from `geo.analyse.adjacency`: "rook" (a shared border of at least 1 m, the default:
a patch never hangs together by a corner) or "queen" (touching at all), within 1 m for slivers in
generalised boundaries. LSOAs or groups that touch nothing (islands, gaps in the data) are joined to
their nearest LSOA, and the notes say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from geo.analyse.adjacency import MIN_SHARED_M, TOLERANCE_M, Rule, adjacency, join_pieces
from geo.analyse.reach import population_weighted_points


def lsoa_adjacency(lsoas: gpd.GeoDataFrame, *, rule: Rule = "rook", tolerance_m: float = TOLERANCE_M,
                   min_shared_m: float = MIN_SHARED_M, bridge: bool = True) -> tuple[sp.csr_matrix, list[str]]:
    """(n × n) symmetric boolean adjacency of the LSOAs (positions), and notes. With `bridge`, pieces that
    touch no other piece are joined to the nearest LSOA of another piece (nearest first, until one piece)."""
    adj = adjacency(lsoas, id_col="lsoa_code", rule=rule, tolerance_m=tolerance_m, min_shared_m=min_shared_m)
    notes: list[str] = []
    if bridge:
        adj, links = join_pieces(adj, lsoas)
        if links:
            codes = adj.codes
            notes.append(f"{len(links)} groups of LSOAs touch no other LSOA; each is joined to its nearest LSOA "
                         f"(gaps up to {max(k.gap_m for k in links):,.0f} m): "
                         + ", ".join(f"{codes[k.a]}–{codes[k.b]}" for k in links) + ".")
    return adj.matrix, notes


@dataclass(frozen=True)
class PatchUnits:
    """What the partition works on: LSOA codes, expected caseload, population-weighted points (metres)
    and adjacency, all by position."""

    codes: NDArray[Any]  # str
    caseload: NDArray[np.float64]
    xy: NDArray[np.float64]
    adjacency: sp.csr_matrix
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])

    @property
    def position(self) -> dict[str, int]:
        return {str(c): i for i, c in enumerate(self.codes)}

    def neighbours(self) -> list[NDArray[np.int32]]:
        a = self.adjacency
        return [a.indices[a.indptr[i]:a.indptr[i + 1]] for i in range(self.n)]


def make_units(lsoas: gpd.GeoDataFrame, caseload: pd.DataFrame, *, roads: gpd.GeoDataFrame | None = None,
               rule: Rule = "rook", tolerance_m: float = TOLERANCE_M) -> PatchUnits:
    """Units from the LSOA layer and an expected-caseload table (lsoa_code, caseload; missing LSOAs 0)."""
    codes = lsoas["lsoa_code"].astype(str).to_numpy()
    cl = pd.Series(codes).map(caseload.set_index(caseload["lsoa_code"].astype(str))["caseload"]).fillna(0.0)
    pts = population_weighted_points(lsoas, roads if roads is not None and len(roads) else None)
    adj, notes = lsoa_adjacency(lsoas, rule=rule, tolerance_m=tolerance_m)
    return PatchUnits(codes=codes, caseload=cl.to_numpy(dtype="float64"),
                      xy=pts[["x", "y"]].to_numpy(dtype="float64"), adjacency=adj, notes=tuple(notes))
