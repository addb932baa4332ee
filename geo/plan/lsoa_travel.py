"""Walking times for hub and patch plans: LSOA → candidate venue (sparse) and base → LSOA (dense).

An LSOA's trip starts at its population-weighted point (`geo.analyse.reach.population_weighted_points`).
Walking is on the road network where there is one, at the walking speed of the `ReachAssumptions`;
pairs the network does not join (no roads, unplaced points, separate pieces of network) are timed as
the straight-line distance × the detour factor, and flagged as estimates. Bus trips are not counted
here (see `geo.analyse.reach` for bus reach).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.analyse.network import RoadGraph, build_graph, components, geometry_xy, snap_points, with_sources
from geo.analyse.reach import population_weighted_points
from geo.assumptions import ReachAssumptions
from geo.plan import travel as place_travel

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class TravelTimes:
    """Minutes from each LSOA's population-weighted point to each candidate, for pairs within
    `max_minutes` (rows: LSOA positions, cols: candidate positions). `pair_estimate` marks pairs
    timed on a straight line (no road network, or not joined by it)."""

    lsoa_codes: NDArray[np.object_]
    candidate_ids: NDArray[np.object_]
    origin_xy: Floats
    candidate_xy: Floats
    rows: Ints
    cols: Ints
    minutes: Floats
    pair_estimate: Bools
    max_minutes: float
    network: bool
    assumptions: tuple[str, ...] = ()

    @property
    def n_lsoas(self) -> int:
        return int(self.lsoa_codes.shape[0])

    @property
    def n_candidates(self) -> int:
        return int(self.candidate_ids.shape[0])

    @property
    def estimate(self) -> bool:
        return bool(self.pair_estimate.any()) or not self.network

    def cover(self, budget_min: float) -> sp.csr_matrix:
        """(LSOAs × candidates) boolean matrix: candidate within `budget_min`."""
        if budget_min > self.max_minutes + 1e-9:
            raise ValueError(f"budget {budget_min} min is beyond the {self.max_minutes} min these times were "
                             "computed for")
        ok = self.minutes <= budget_min + 1e-9
        return sp.csr_matrix((np.ones(int(ok.sum()), dtype=bool), (self.rows[ok], self.cols[ok])),
                             shape=(self.n_lsoas, self.n_candidates))

    def nearest(self, chosen: Sequence[int], budget_min: float) -> tuple[Ints, Floats, Bools]:
        """For each LSOA the nearest of `chosen` candidate positions within `budget_min`:
        (candidate position or -1, minutes or inf, estimate flag)."""
        n = self.n_lsoas
        best = np.full(n, -1, dtype="int64")
        mins = np.full(n, np.inf)
        est = np.zeros(n, dtype=bool)
        picked = np.asarray(list(chosen), dtype="int64")
        if picked.size == 0:
            return best, mins, est
        sel = np.isin(self.cols, picked) & (self.minutes <= budget_min + 1e-9)
        frame = pd.DataFrame({"r": self.rows[sel], "c": self.cols[sel], "m": self.minutes[sel],
                              "e": self.pair_estimate[sel]})
        if len(frame):
            frame = frame.sort_values(["r", "m", "c"], kind="stable").drop_duplicates("r")
            r = frame["r"].to_numpy()
            best[r] = frame["c"].to_numpy()
            mins[r] = frame["m"].to_numpy()
            est[r] = frame["e"].to_numpy()
        return best, mins, est


def straight_pairs(origin_xy: Floats, cand_xy: Floats, radius_m: float) -> tuple[Ints, Ints, Floats]:
    """Every (origin, candidate) pair within `radius_m` in a straight line, with the distance."""
    if len(origin_xy) == 0 or len(cand_xy) == 0:
        z = np.zeros(0, dtype="int64")
        return z, z, np.zeros(0)
    hits = cast("list[list[int]]", cKDTree(cand_xy).query_ball_point(origin_xy, radius_m + 1e-6))
    lengths = np.fromiter((len(h) for h in hits), dtype="int64", count=len(hits))
    rows = np.repeat(np.arange(len(origin_xy)), lengths)
    cols = np.fromiter(itertools.chain.from_iterable(hits), dtype="int64", count=int(lengths.sum()))
    d = np.hypot(*(origin_xy[rows] - cand_xy[cols]).T) if rows.size else np.zeros(0)
    return rows, cols, d


def network_pairs(graph: RoadGraph, origin_xy: Floats, cand_xy: Floats, limit_m: float, *, chunk: int = 64
                  ) -> tuple[Ints, Ints, Floats, tuple[Ints, Ints]]:
    """Network metres origin → candidate (≤ limit_m). Returns rows, cols, metres and the network piece of
    each origin and candidate (-1 / -2 where the network cannot place it: those use straight lines)."""
    osnap = snap_points(graph, origin_xy)
    csnap = snap_points(graph, cand_xy)
    n = graph.n_nodes
    o_ok = np.flatnonzero(osnap.placed)
    ou = graph.edge_u[osnap.edge[o_ok]]
    ov = graph.edge_v[osnap.edge[o_ok]]
    oal = osnap.along_m[o_ok]
    oln = graph.edge_length_m[osnap.edge[o_ok]]
    ooff = osnap.offset_m[o_ok]
    rows_out, cols_out, m_out = [], [], []
    c_ok = np.flatnonzero(csnap.placed)
    for start in range(0, c_ok.size, chunk):
        cs = c_ok[start:start + chunk]
        k = cs.size
        e = csnap.edge[cs]
        w_u = csnap.offset_m[cs] + csnap.along_m[cs]
        w_v = csnap.offset_m[cs] + graph.edge_length_m[e] - csnap.along_m[cs]
        aug = with_sources(graph.matrix, np.r_[np.arange(k), np.arange(k)], np.r_[graph.edge_u[e], graph.edge_v[e]],
                           np.r_[w_u, w_v], k)
        dist = np.asarray(dijkstra(aug, directed=True, indices=np.arange(n, n + k), limit=limit_m + 1e-6))[:, :n]
        val = np.minimum(dist[:, ou] + oal[None, :], dist[:, ov] + (oln - oal)[None, :]) + ooff[None, :]
        # Origin and candidate on the same edge: straight along it.
        same = osnap.edge[o_ok][None, :] == e[:, None]
        if same.any():
            ci, oi = np.nonzero(same)
            direct = csnap.offset_m[cs][ci] + ooff[oi] + np.abs(oal[oi] - csnap.along_m[cs][ci])
            val[ci, oi] = np.minimum(val[ci, oi], direct)
        ci, oi = np.nonzero(val <= limit_m + 1e-6)
        rows_out.append(o_ok[oi])
        cols_out.append(cs[ci])
        m_out.append(val[ci, oi])
    rows = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype="int64")
    cols = np.concatenate(cols_out) if cols_out else np.zeros(0, dtype="int64")
    metres = np.concatenate(m_out) if m_out else np.zeros(0)
    labels = components(graph)
    o_comp = np.full(len(origin_xy), -1, dtype="int64")
    o_comp[o_ok] = labels[ou]
    c_comp = np.full(len(cand_xy), -2, dtype="int64")
    c_comp[c_ok] = labels[graph.edge_u[csnap.edge[c_ok]]]
    return rows, cols, metres, (o_comp, c_comp)


def travel_times(lsoas: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, *, max_minutes: float,
                 assumptions: ReachAssumptions, roads: gpd.GeoDataFrame | None = None,
                 graph: RoadGraph | None = None, id_col: str = "venue_id") -> TravelTimes:
    """Minutes from every LSOA's population-weighted point to every candidate within `max_minutes`."""
    if not (np.isfinite(max_minutes) and max_minutes > 0):
        raise ValueError(f"max_minutes must be a positive number, got {max_minutes!r}")
    walk, detour = assumptions.walk_m_per_min, assumptions.detour_factor
    n_roads = 0 if roads is None else len(roads)
    if graph is None and n_roads:
        graph = build_graph(roads)
    origins = population_weighted_points(lsoas, roads if n_roads else None)
    origin_xy = origins[["x", "y"]].to_numpy(dtype="float64")
    cand_xy = geometry_xy(candidates) if len(candidates) else np.zeros((0, 2))
    limit_m = max_minutes * walk
    notes = [f"Walking at {walk:g} m a minute; bus trips are not counted in hub coverage."]
    if graph is not None and not graph.empty:
        rows, cols, metres, (o_comp, c_comp) = network_pairs(graph, origin_xy, cand_xy, limit_m)
        est_pairs = np.zeros(rows.size, dtype=bool)
        # straight-line estimates only for pairs the network does not join at all
        srows, scols, sd = straight_pairs(origin_xy, cand_xy, limit_m / detour)
        apart = o_comp[srows] != c_comp[scols]
        if apart.any():
            rows = np.r_[rows, srows[apart]]
            cols = np.r_[cols, scols[apart]]
            metres = np.r_[metres, detour * sd[apart]]
            est_pairs = np.r_[est_pairs, np.ones(int(apart.sum()), dtype=bool)]
            notes.append(f"{int(apart.sum())} LSOA–venue pairs are not joined by the road network: straight-line "
                         f"distance × {detour:g} (estimate).")
        notes.append("Times along the road network from each LSOA's population-weighted point.")
        network = True
    else:
        rows, cols, sd = straight_pairs(origin_xy, cand_xy, limit_m / detour)
        metres = detour * sd
        est_pairs = np.ones(rows.size, dtype=bool)
        notes.append(f"straight-line distance × {detour:g} (estimate: no road network)")
        network = False
    ids = candidates[id_col].astype("string").to_numpy() if len(candidates) else np.array([], dtype=object)
    return TravelTimes(lsoa_codes=origins["lsoa_code"].astype("string").to_numpy(), candidate_ids=ids,
                       origin_xy=origin_xy, candidate_xy=cand_xy, rows=rows.astype("int64"),
                       cols=cols.astype("int64"), minutes=metres / walk, pair_estimate=est_pairs,
                       max_minutes=float(max_minutes), network=network, assumptions=tuple(notes))


def minutes_between(graph: RoadGraph | None, src_xy: Floats, dst_xy: Floats, *, assumptions: ReachAssumptions
                    ) -> tuple[Floats, Bools]:
    """(k × n) minutes from each source to each destination, and an estimate mask (straight lines):
    `geo.plan.travel.travel_times`, the one place-to-place travel time the router and pop-ups use too."""
    travel = place_travel.travel_times(src_xy, dst_xy, assumptions=assumptions, graph=graph)
    return travel.minutes, travel.estimate

