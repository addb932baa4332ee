"""Hubs and satellite hubs: the venues that put the most need within a travel-time budget.

Need is working-age residents weighted by deprivation: weight (11 - decile) / 10 on the chosen index
(decile 1 → 1.0, decile 10 → 0.1; unknown decile → 0.5, flagged). An LSOA is *covered* by a hub when
the travel time from its population-weighted point (`geo.analyse.reach.population_weighted_points`) to the
hub is within the budget: walking on the road network (80 m a minute) where there is one, else the
straight-line distance × the detour factor (1.3), labelled as an estimate. Bus trips are not counted
here (see `geo.analyse.reach` for bus reach).

Choosing hubs is the maximal covering location problem (Church and ReVelle, 1974), solved exactly as a
mixed-integer programme with `scipy.optimize.milp` (HiGHS):

    maximise   Σ_g need_g · y_g
    subject to y_g ≤ Σ_{j covers g} x_j      for every demand group g
               Σ_j x_j = k − |fixed|,  x_j ∈ {0, 1},  0 ≤ y_g ≤ 1

Hubs already in place are fixed: the need they cover is taken out before solving and they are always
in the answer. LSOAs with the same set of covering candidates are merged into one demand group, which
keeps the programme small. HiGHS reports a bound on the best possible cover, so every answer says how
far it can be from the optimum (0 when proven optimal). `brute_force_cover` enumerates every choice
for small inputs (tests).

Satellite hubs are then chosen the same way for the need still uncovered, from the remaining
candidates, with their own budget; a satellite that adds less than `min_satellite_need` is dropped.

`plan_to_gpkg_bytes` writes GeoPackage layers into memory (no file is touched) and returns the bytes.
"""

from __future__ import annotations

import io as _io
import itertools
import math
import sqlite3
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.analyse.deprivation import decile_column
from geo.model import DataError, Problem
from geo.analyse.network import (RoadGraph, build_graph, components, geometry_xy, snap_points,
                         with_sources)
from geo.analyse.reach import DETOUR_FACTOR, WALK_M_PER_MIN, population_weighted_points

WORKING_AGE_SHARE = 0.62
UNKNOWN_DECILE_WEIGHT = 0.5
PLAN_KIND = "hubs"

HUB = "hub"
SATELLITE = "satellite"
NONE = "none"


# --------------------------------------------------------------------------------------------------
# Need


def deprivation_weight(decile) -> np.ndarray:
    """(11 − decile) / 10: decile 1 (most deprived) → 1.0, decile 10 → 0.1; NaN → 0.5."""
    d = np.asarray(decile, dtype="float64")
    w = (11.0 - np.clip(d, 1, 10)) / 10.0
    return np.where(np.isnan(d), UNKNOWN_DECILE_WEIGHT, w)


def need_table(lsoas: pd.DataFrame, *, index: str = "imd",
               working_age_share: float = WORKING_AGE_SHARE) -> pd.DataFrame:
    """Per LSOA: lsoa_code, lsoa_name, working_age, decile, weight, need and two flags saying what was
    estimated (`working_age_estimated`: population × `working_age_share`; `decile_unknown`)."""
    if "lsoa_code" not in lsoas.columns:
        raise DataError(Problem("LSOAs", "have no lsoa_code column.", column="lsoa_code"))
    codes = lsoas["lsoa_code"].astype("string").to_numpy()
    names = (lsoas["lsoa_name"].astype("string").fillna(pd.Series(codes, index=lsoas.index)).to_numpy()
             if "lsoa_name" in lsoas.columns else codes)

    def num(col: str) -> np.ndarray:
        if col not in lsoas.columns:
            return np.full(len(lsoas), np.nan)
        return pd.to_numeric(lsoas[col], errors="coerce").astype("float64").to_numpy()

    wa = num("working_age")
    est = np.isnan(wa)
    wa = np.where(est, np.nan_to_num(num("population")) * working_age_share, wa)
    col = decile_column(index)
    dec = num(col)
    weight = deprivation_weight(dec)
    return pd.DataFrame({"lsoa_code": codes, "lsoa_name": names, "working_age": wa, "decile": dec,
                         "weight": weight, "need": wa * weight, "working_age_estimated": est,
                         "decile_unknown": np.isnan(dec)})


def need_notes(table: pd.DataFrame, *, working_age_share: float = WORKING_AGE_SHARE) -> list[str]:
    notes = ["Need = working-age residents × (11 − deprivation decile) / 10 (decile 1 counts 1.0, decile 10 counts 0.1)."]
    n_wa = int(table["working_age_estimated"].sum())
    if n_wa:
        notes.append(f"{n_wa} LSOAs have no working-age population: {working_age_share:.0%} of residents assumed.")
    n_dec = int(table["decile_unknown"].sum())
    if n_dec:
        notes.append(f"{n_dec} LSOAs have no deprivation decile: weight {UNKNOWN_DECILE_WEIGHT} assumed.")
    return notes


# --------------------------------------------------------------------------------------------------
# Travel times, LSOA → candidate venue (sparse: pairs within `max_minutes`)


@dataclass(frozen=True)
class TravelTimes:
    """Minutes from each LSOA's population-weighted point to each candidate, for pairs within
    `max_minutes` (rows: LSOA positions, cols: candidate positions). `pair_estimate` marks pairs
    timed on a straight line (no road network, or not joined by it)."""

    lsoa_codes: np.ndarray
    candidate_ids: np.ndarray
    origin_xy: np.ndarray
    candidate_xy: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    minutes: np.ndarray
    pair_estimate: np.ndarray
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

    def nearest(self, chosen: Sequence[int], budget_min: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each LSOA the nearest of `chosen` candidate positions within `budget_min`:
        (candidate position or -1, minutes or inf, estimate flag)."""
        n = self.n_lsoas
        best = np.full(n, -1, dtype="int64")
        mins = np.full(n, np.inf)
        est = np.zeros(n, dtype=bool)
        chosen = np.asarray(list(chosen), dtype="int64")
        if chosen.size == 0:
            return best, mins, est
        sel = np.isin(self.cols, chosen) & (self.minutes <= budget_min + 1e-9)
        frame = pd.DataFrame({"r": self.rows[sel], "c": self.cols[sel], "m": self.minutes[sel],
                              "e": self.pair_estimate[sel]})
        if len(frame):
            frame = frame.sort_values(["r", "m", "c"], kind="stable").drop_duplicates("r")
            r = frame["r"].to_numpy()
            best[r] = frame["c"].to_numpy()
            mins[r] = frame["m"].to_numpy()
            est[r] = frame["e"].to_numpy()
        return best, mins, est


def _straight_pairs(origin_xy: np.ndarray, cand_xy: np.ndarray, radius_m: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(origin_xy) == 0 or len(cand_xy) == 0:
        z = np.zeros(0, dtype="int64")
        return z, z, np.zeros(0)
    hits = cKDTree(cand_xy).query_ball_point(origin_xy, radius_m + 1e-6)
    lengths = np.fromiter((len(h) for h in hits), dtype="int64", count=len(hits))
    rows = np.repeat(np.arange(len(origin_xy)), lengths)
    cols = np.fromiter(itertools.chain.from_iterable(hits), dtype="int64", count=int(lengths.sum()))
    d = np.hypot(*(origin_xy[rows] - cand_xy[cols]).T) if rows.size else np.zeros(0)
    return rows, cols, d


def _network_pairs(graph: RoadGraph, origin_xy: np.ndarray, cand_xy: np.ndarray, limit_m: float,
                   *, chunk: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Network metres origin → candidate (≤ limit_m). Returns rows, cols, metres and a mask of origins
    or candidates the network cannot place (those fall back to straight lines)."""
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
    # Pairs the network cannot join (unplaced points, separate pieces of network) use straight lines.
    labels = components(graph)
    o_comp = np.full(len(origin_xy), -1, dtype="int64")
    o_comp[o_ok] = labels[ou]
    c_comp = np.full(len(cand_xy), -2, dtype="int64")
    c_comp[c_ok] = labels[graph.edge_u[csnap.edge[c_ok]]]
    return rows, cols, metres, (o_comp, c_comp)


def travel_times(lsoas: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, *, max_minutes: float,
                 roads: gpd.GeoDataFrame | None = None, graph: RoadGraph | None = None,
                 id_col: str = "venue_id", walk_m_per_min: float = WALK_M_PER_MIN,
                 detour_factor: float = DETOUR_FACTOR) -> TravelTimes:
    """Minutes from every LSOA's population-weighted point to every candidate within `max_minutes`."""
    if not (np.isfinite(max_minutes) and max_minutes > 0):
        raise ValueError(f"max_minutes must be a positive number, got {max_minutes!r}")
    if detour_factor < 1:
        raise ValueError(f"detour_factor must be at least 1, got {detour_factor}")
    n_roads = 0 if roads is None else len(roads)
    if graph is None and n_roads:
        graph = build_graph(roads)
    network = graph is not None and not graph.empty
    origins = population_weighted_points(lsoas, roads if n_roads else None)
    origin_xy = origins[["x", "y"]].to_numpy(dtype="float64")
    cand_xy = geometry_xy(candidates) if len(candidates) else np.zeros((0, 2))
    limit_m = max_minutes * walk_m_per_min
    notes = [f"Walking at {walk_m_per_min:g} m a minute; bus trips are not counted in hub coverage."]
    if network:
        rows, cols, metres, (o_comp, c_comp) = _network_pairs(graph, origin_xy, cand_xy, limit_m)
        est_pairs = np.zeros(rows.size, dtype=bool)
        # straight-line estimates only for pairs the network does not join at all
        srows, scols, sd = _straight_pairs(origin_xy, cand_xy, limit_m / detour_factor)
        apart = o_comp[srows] != c_comp[scols]
        if apart.any():
            rows = np.r_[rows, srows[apart]]
            cols = np.r_[cols, scols[apart]]
            metres = np.r_[metres, detour_factor * sd[apart]]
            est_pairs = np.r_[est_pairs, np.ones(int(apart.sum()), dtype=bool)]
            notes.append(f"{int(apart.sum())} LSOA–venue pairs are not joined by the road network: straight-line "
                         f"distance × {detour_factor:g} (estimate).")
        notes.append("Times along the road network from each LSOA's population-weighted point.")
    else:
        rows, cols, sd = _straight_pairs(origin_xy, cand_xy, limit_m / detour_factor)
        metres = detour_factor * sd
        est_pairs = np.ones(rows.size, dtype=bool)
        notes.append(f"straight-line distance × {detour_factor:g} (estimate: no road network)")
    ids = candidates[id_col].astype("string").to_numpy() if len(candidates) else np.array([], dtype=object)
    return TravelTimes(lsoa_codes=origins["lsoa_code"].astype("string").to_numpy(), candidate_ids=ids,
                       origin_xy=origin_xy, candidate_xy=cand_xy, rows=rows.astype("int64"),
                       cols=cols.astype("int64"), minutes=metres / walk_m_per_min, pair_estimate=est_pairs,
                       max_minutes=float(max_minutes), network=network, assumptions=tuple(notes))


# --------------------------------------------------------------------------------------------------
# Maximal covering


@dataclass(frozen=True)
class CoverSolution:
    """`chosen`: candidate positions (fixed first, then by position). `value`: need covered.
    `bound`: the most need any choice could cover (solver bound; equal to value when proven optimal).
    `gap`: (bound − value) / bound."""

    chosen: tuple[int, ...]
    value: float
    bound: float
    optimal: bool
    method: str
    seconds: float
    status: str = ""

    @property
    def gap(self) -> float:
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.value) / self.bound)


def covered_mask(cover: sp.csr_matrix, chosen: Iterable[int]) -> np.ndarray:
    chosen = np.asarray(list(chosen), dtype="int64")
    if chosen.size == 0:
        return np.zeros(cover.shape[0], dtype=bool)
    return np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0


def cover_value(need: np.ndarray, cover: sp.csr_matrix, chosen: Iterable[int]) -> float:
    return float(np.asarray(need, dtype="float64")[covered_mask(cover, chosen)].sum())


def _check_k(k: int, fixed: np.ndarray, n_allowed: int) -> None:
    if k < 0:
        raise DataError(Problem("hubs", f"the number of hubs must be 0 or more, got {k}."))
    if len(fixed) > k:
        raise DataError(Problem("hubs", f"{len(fixed)} hubs are already in place but only {k} hubs were asked for.",
                                fix=f"Ask for at least {len(fixed)} hubs, or keep fewer existing hubs fixed."))


def _reduce(need: np.ndarray, cover: sp.csr_matrix, fixed: np.ndarray, allowed: np.ndarray
            ) -> tuple[float, np.ndarray, np.ndarray, sp.csr_matrix]:
    """Take out what fixed hubs cover; merge LSOAs with the same covering set.
    Returns (fixed value, candidate positions kept, group weights, group × kept-candidate matrix)."""
    need = np.asarray(need, dtype="float64")
    done = covered_mask(cover, fixed)
    base = float(need[done].sum())
    free = np.setdiff1d(np.flatnonzero(allowed), fixed)
    rows = np.flatnonzero(~done & (need > 0))
    sub = cover[rows][:, free].tocsr()
    sub.sort_indices()
    has = np.diff(sub.indptr) > 0
    sub, rows = sub[has], rows[has]
    if sub.shape[0] == 0:
        return base, free[:0], np.zeros(0), sp.csr_matrix((0, 0), dtype=bool)
    used = np.unique(sub.indices)
    remap = np.full(free.size, -1, dtype="int64")
    remap[used] = np.arange(used.size)
    sub = sp.csr_matrix((np.ones(sub.nnz, dtype=bool), remap[sub.indices], sub.indptr), shape=(sub.shape[0], used.size))
    sub.sort_indices()
    keys = [sub.indices[sub.indptr[i]:sub.indptr[i + 1]].tobytes() for i in range(sub.shape[0])]
    codes = pd.factorize(pd.Series(keys))[0]
    weights = np.bincount(codes, weights=need[rows])
    first = np.unique(codes, return_index=True)[1]
    groups = sub[first]
    return base, free[used], weights, groups.tocsr()


def max_cover(need, cover: sp.csr_matrix, *, k: int, fixed: Iterable[int] = (), allowed=None,
              time_limit_s: float = 10.0, mip_rel_gap: float = 1e-4) -> CoverSolution:
    """Choose `k` candidates (including `fixed`) covering the most need. Exact MILP (HiGHS)."""
    t0 = time.perf_counter()
    need = np.asarray(need, dtype="float64")
    m = cover.shape[1]
    fixed_arr = np.unique(np.asarray(list(fixed), dtype="int64"))
    allowed_mask = np.ones(m, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    _check_k(int(k), fixed_arr, int(allowed_mask.sum()))
    base, cand, weights, groups = _reduce(need, cover, fixed_arr, allowed_mask)
    kk = int(k) - fixed_arr.size
    free_all = np.setdiff1d(np.flatnonzero(allowed_mask), fixed_arr)

    def done(extra: Sequence[int], bound: float, optimal: bool, method: str, status: str) -> CoverSolution:
        extra = [int(e) for e in extra]
        if len(extra) < kk:  # more hubs asked than add any cover: fill with the others by need nearby
            rest = [int(j) for j in free_all if int(j) not in set(extra)]
            reach = np.asarray(cover[:, rest].T @ need).ravel() if rest else np.zeros(0)
            order = np.lexsort((np.asarray(rest), -reach)) if rest else []
            extra += [rest[i] for i in order[:kk - len(extra)]]
        chosen = tuple(int(j) for j in fixed_arr) + tuple(sorted(extra))
        value = cover_value(need, cover, chosen)
        return CoverSolution(chosen, value, max(bound, value), optimal, method, time.perf_counter() - t0, status)

    if kk <= 0 or groups.shape[0] == 0:
        return done([], base, True, "nothing to choose", "all coverable need is covered by the fixed hubs"
                    if groups.shape[0] == 0 else "no hubs left to choose")
    p, g = cand.size, groups.shape[0]
    if p <= kk:
        return done(list(cand), base + float(weights.sum()), True, "all useful candidates",
                    "every candidate that covers need is chosen")
    # variables: x (p), y (g). minimise −Σ w y.
    c = np.r_[np.zeros(p), -weights]
    link = sp.hstack([-groups.astype("float64"), sp.identity(g, format="csr")], format="csr")
    pick = sp.csr_matrix(np.r_[np.ones(p), np.zeros(g)][None, :])
    res = milp(c, constraints=[LinearConstraint(link, -np.inf, 0.0), LinearConstraint(pick, kk, kk)],
               integrality=np.r_[np.ones(p), np.zeros(g)], bounds=Bounds(0, 1),
               options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap), "disp": False})
    if res.x is None:
        greedy = _greedy(weights, groups, kk)
        return done(list(cand[greedy]), base + float(weights.sum()), False, "greedy (solver found no answer)",
                    str(res.message))
    x = res.x[:p] > 0.5
    dual = getattr(res, "mip_dual_bound", None)
    bound = base + (-float(dual) if dual is not None and np.isfinite(dual) else float(weights.sum()))
    gap = getattr(res, "mip_gap", None)
    optimal = res.status == 0 and (gap is None or not np.isfinite(gap) or gap <= 1e-6)
    return done(list(cand[x]), bound, bool(optimal), "MILP (HiGHS)", str(res.message))


def _greedy(weights: np.ndarray, groups: sp.csr_matrix, k: int) -> list[int]:
    left = weights.copy()
    csc = groups.tocsc()
    picked: list[int] = []
    for _ in range(min(k, groups.shape[1])):
        gain = np.asarray(csc.T @ left).ravel()
        gain[picked] = -1
        j = int(np.argmax(gain))
        picked.append(j)
        left[csc[:, j].toarray().ravel()] = 0
    return picked


def brute_force_cover(need, cover: sp.csr_matrix, *, k: int, fixed: Iterable[int] = (), allowed=None,
                      max_combinations: int = 2_000_000) -> tuple[tuple[int, ...], float]:
    """Every choice of k − |fixed| further candidates; the best (ties: smallest positions). Small inputs only."""
    need = np.asarray(need, dtype="float64")
    m = cover.shape[1]
    fixed_arr = np.unique(np.asarray(list(fixed), dtype="int64"))
    allowed_mask = np.ones(m, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    _check_k(int(k), fixed_arr, int(allowed_mask.sum()))
    free = [int(j) for j in np.flatnonzero(allowed_mask) if j not in set(fixed_arr.tolist())]
    kk = min(int(k) - fixed_arr.size, len(free))
    if math.comb(len(free), kk) > max_combinations:
        raise ValueError(f"{math.comb(len(free), kk):,} combinations: too many to enumerate")
    dense = cover.toarray()
    base = dense[:, fixed_arr].any(axis=1) if fixed_arr.size else np.zeros(dense.shape[0], dtype=bool)
    best, best_val = (), -1.0
    for combo in itertools.combinations(free, kk):
        cov = base | dense[:, list(combo)].any(axis=1) if combo else base
        val = float(need[cov].sum())
        if val > best_val + 1e-9:
            best, best_val = combo, val
    return tuple(int(j) for j in fixed_arr) + tuple(best), best_val


# --------------------------------------------------------------------------------------------------
# Hub plans


@dataclass(frozen=True)
class HubSettings:
    n_hubs: int = 3
    budget_min: float = 15.0
    kinds: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    n_satellites: int = 2
    satellite_budget_min: float = 15.0
    satellite_kinds: tuple[str, ...] = ()
    min_satellite_need: float = 50.0
    index: str = "imd"

    def to_dict(self) -> dict[str, Any]:
        return {"n_hubs": self.n_hubs, "budget_min": self.budget_min, "kinds": list(self.kinds),
                "fixed": list(self.fixed), "n_satellites": self.n_satellites,
                "satellite_budget_min": self.satellite_budget_min, "satellite_kinds": list(self.satellite_kinds),
                "min_satellite_need": self.min_satellite_need, "index": self.index}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "HubSettings":
        d = dict(data)
        return cls(n_hubs=int(d.get("n_hubs", 3)), budget_min=float(d.get("budget_min", 15.0)),
                   kinds=tuple(d.get("kinds", ())), fixed=tuple(d.get("fixed", ())),
                   n_satellites=int(d.get("n_satellites", 0)),
                   satellite_budget_min=float(d.get("satellite_budget_min", d.get("budget_min", 15.0))),
                   satellite_kinds=tuple(d.get("satellite_kinds", ())),
                   min_satellite_need=float(d.get("min_satellite_need", 0.0)), index=str(d.get("index", "imd")))


@dataclass(frozen=True)
class HubPlan:
    """A set of hubs and satellites and what they cover.

    `lsoas`: lsoa_code, lsoa_name, need, working_age, decile, served_by (hub / satellite / none), site
    (venue id serving it), minutes (to that site), estimate, nearest_hub, nearest_hub_minutes (inf when
    beyond every budget). `bound`: most need k hubs could cover (None once hubs are swapped by hand and
    no longer come from the solver: then `best_value` says what the solver's choice covered)."""

    hubs: tuple[str, ...]
    fixed: tuple[str, ...]
    satellites: tuple[str, ...]
    settings: HubSettings
    lsoas: pd.DataFrame
    total_need: float
    hub_need: float
    satellite_need: float
    bound: float | None
    best_value: float | None
    optimal: bool
    method: str
    seconds: float
    estimate: bool
    notes: tuple[str, ...] = ()
    edited: bool = False
    horizon_min: float = float("nan")

    @property
    def hub_share(self) -> float:
        return self.hub_need / self.total_need if self.total_need else float("nan")

    @property
    def covered_share(self) -> float:
        return (self.hub_need + self.satellite_need) / self.total_need if self.total_need else float("nan")

    @property
    def gap(self) -> float | None:
        """How far the hubs' cover may be from the best possible (share of the bound)."""
        if self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.hub_need) / self.bound)


def candidate_mask(venues: pd.DataFrame, kinds: Iterable[str]) -> np.ndarray:
    """Venues of the chosen kinds that are not closed."""
    kinds = list(kinds)
    ok = np.ones(len(venues), dtype=bool)
    if kinds:
        ok &= venues["kind"].astype("string").isin(kinds).to_numpy(dtype=bool, na_value=False)
    if "closed" in venues.columns:
        ok &= ~venues["closed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return ok


def _positions(tt: TravelTimes, ids: Iterable[str], what: str) -> list[int]:
    pos = {str(v): i for i, v in enumerate(tt.candidate_ids)}
    missing = [str(i) for i in ids if str(i) not in pos]
    if missing:
        raise DataError(Problem(what, f"venue(s) {', '.join(missing)} are not in the venues layer.",
                                fix="Choose venues from the list; the plan may have been saved with other data."))
    return [pos[str(i)] for i in ids]


def assess(need: pd.DataFrame, tt: TravelTimes, *, hubs: Sequence[str], satellites: Sequence[str],
           settings: HubSettings) -> pd.DataFrame:
    """Per LSOA: which hub or satellite serves it (the nearest within its budget), and the nearest hub."""
    h = _positions(tt, hubs, "hubs")
    s = _positions(tt, satellites, "satellite hubs")
    hb, hm, he = tt.nearest(h, settings.budget_min)
    sb, sm, se = tt.nearest(s, settings.satellite_budget_min)
    nb, nm, _ = tt.nearest(h, tt.max_minutes)
    by_hub = hb >= 0
    by_sat = ~by_hub & (sb >= 0)
    site = np.where(by_hub, hb, np.where(by_sat, sb, -1))
    ids = np.asarray(tt.candidate_ids, dtype=object)
    out = need[["lsoa_code", "lsoa_name", "need", "working_age", "decile"]].copy().reset_index(drop=True)
    if not np.array_equal(out["lsoa_code"].astype(str).to_numpy(), np.asarray(tt.lsoa_codes, dtype=str)):
        raise ValueError("need table and travel times list LSOAs in different orders")
    out["served_by"] = np.where(by_hub, HUB, np.where(by_sat, SATELLITE, NONE))
    out["site"] = pd.array([ids[i] if i >= 0 else pd.NA for i in site], dtype="string")
    out["minutes"] = np.where(by_hub, hm, np.where(by_sat, sm, np.inf))
    out["estimate"] = np.where(by_hub, he, np.where(by_sat, se, False)) | (not tt.network)
    out["nearest_hub"] = pd.array([ids[i] if i >= 0 else pd.NA for i in nb], dtype="string")
    out["nearest_hub_minutes"] = nm
    return out


def plan_hubs(need: pd.DataFrame, tt: TravelTimes, venues: pd.DataFrame, settings: HubSettings, *,
              time_limit_s: float = 10.0, mip_rel_gap: float = 1e-4) -> HubPlan:
    """Choose hubs (maximal covering, fixed hubs kept), then satellites for what is left uncovered."""
    if len(venues) != tt.n_candidates:
        raise ValueError("venues and travel times must list the same candidates")
    problems = []
    for name, v in (("travel-time budget", settings.budget_min), ("satellite budget", settings.satellite_budget_min)):
        if not (np.isfinite(v) and 0 < v <= tt.max_minutes + 1e-9):
            problems.append(Problem("hubs", f"the {name} must be between 1 and {tt.max_minutes:g} minutes, got {v:g}."))
    if settings.n_satellites < 0:
        problems.append(Problem("hubs", "the number of satellite hubs cannot be negative."))
    if problems:
        raise DataError(problems)
    w = need["need"].to_numpy(dtype="float64")
    fixed = _positions(tt, settings.fixed, "hubs already in place")
    allowed = candidate_mask(venues, settings.kinds)
    if not allowed.any() and settings.n_hubs > len(fixed):
        raise DataError(Problem("hubs", "no open venue is of the chosen kinds.",
                                fix="Choose other venue kinds, or add venues on the 'Your data' page."))
    cover = tt.cover(settings.budget_min)
    sol = max_cover(w, cover, k=settings.n_hubs, fixed=fixed, allowed=allowed, time_limit_s=time_limit_s,
                    mip_rel_gap=mip_rel_gap)
    ids = np.asarray(tt.candidate_ids, dtype=object)
    hubs = tuple(str(ids[j]) for j in sol.chosen)
    notes = []
    if len(hubs) < settings.n_hubs:
        notes.append(f"Only {len(hubs)} venues of the chosen kinds are open: {settings.n_hubs} hubs were asked for.")

    satellites: tuple[str, ...] = ()
    if settings.n_satellites > 0:
        left = w * ~covered_mask(cover, sol.chosen)
        sat_allowed = candidate_mask(venues, settings.satellite_kinds or settings.kinds)
        sat_allowed[list(sol.chosen)] = False
        scover = tt.cover(settings.satellite_budget_min)
        if sat_allowed.any() and left.sum() > 0:
            k_sat = min(settings.n_satellites, int(sat_allowed.sum()))
            ssol = max_cover(left, scover, k=k_sat, allowed=sat_allowed, time_limit_s=time_limit_s,
                             mip_rel_gap=mip_rel_gap)
            chosen = list(ssol.chosen)
            # drop satellites adding too little (least useful first), then report
            while chosen:
                marg = [cover_value(left, scover, chosen) - cover_value(left, scover, [c for c in chosen if c != j])
                        for j in chosen]
                worst = int(np.argmin(marg))
                if marg[worst] >= settings.min_satellite_need and marg[worst] > 0:
                    break
                chosen.pop(worst)
            dropped = k_sat - len(chosen)
            if dropped:
                notes.append(f"{dropped} satellite hub(s) left out: each would reach less than "
                             f"{settings.min_satellite_need:g} need not already covered.")
            satellites = tuple(str(ids[j]) for j in sorted(chosen))
    table = assess(need, tt, hubs=hubs, satellites=satellites, settings=settings)
    return _plan(table, hubs=hubs, fixed=settings.fixed, satellites=satellites, settings=settings,
                 bound=sol.bound, best_value=sol.value, optimal=sol.optimal, method=sol.method, seconds=sol.seconds,
                 estimate=tt.estimate, notes=tuple(notes), edited=False, horizon_min=tt.max_minutes)


def _plan(table: pd.DataFrame, **kw: Any) -> HubPlan:
    need = table["need"].to_numpy(dtype="float64")
    served = table["served_by"].to_numpy()
    return HubPlan(lsoas=table, total_need=float(need.sum()), hub_need=float(need[served == HUB].sum()),
                   satellite_need=float(need[served == SATELLITE].sum()), **kw)


def evaluate_plan(need: pd.DataFrame, tt: TravelTimes, *, hubs: Sequence[str], satellites: Sequence[str],
                  settings: HubSettings, bound: float | None = None, best_value: float | None = None,
                  optimal: bool = False, method: str = "by hand", edited: bool = True,
                  notes: Sequence[str] = ()) -> HubPlan:
    """A plan for hubs chosen by hand (or reopened from a save), with its coverage."""
    table = assess(need, tt, hubs=hubs, satellites=satellites, settings=settings)
    return _plan(table, hubs=tuple(hubs), fixed=tuple(f for f in settings.fixed if f in set(hubs)),
                 satellites=tuple(satellites), settings=settings, bound=bound, best_value=best_value,
                 optimal=optimal, method=method, seconds=0.0, estimate=tt.estimate, notes=tuple(notes), edited=edited,
                 horizon_min=tt.max_minutes)


def swap_hub(plan: HubPlan, need: pd.DataFrame, tt: TravelTimes, *, out: str, into: str) -> HubPlan:
    """Replace hub `out` by venue `into` and recompute coverage (satellites kept, the solver's bound kept
    so the user sees how far the hand-made choice is from the best possible)."""
    if out not in plan.hubs:
        raise DataError(Problem("swap", f"venue {out} is not one of the hubs."))
    if into in plan.hubs:
        raise DataError(Problem("swap", f"venue {into} is already a hub.", fix="Choose a venue that is not a hub."))
    hubs = tuple(into if h == out else h for h in plan.hubs)
    sats = tuple(s for s in plan.satellites if s != into)
    settings = replace(plan.settings, fixed=tuple(f for f in plan.settings.fixed if f != out))
    return evaluate_plan(need, tt, hubs=hubs, satellites=sats, settings=settings, bound=plan.bound,
                         best_value=plan.best_value, optimal=False, method="swapped by hand", edited=True,
                         notes=plan.notes)


def hub_summary(plan: HubPlan, venues: pd.DataFrame) -> pd.DataFrame:
    """One row per hub and satellite: name, kind, role, LSOAs served, need served, working-age residents
    served, furthest LSOA served (minutes)."""
    names = dict(zip(venues["venue_id"].astype(str), venues["name"].astype(str)))
    kinds = dict(zip(venues["venue_id"].astype(str), venues["kind"].astype(str)))
    t = plan.lsoas
    rows = []
    for role, ids in ((HUB, plan.hubs), (SATELLITE, plan.satellites)):
        for vid in ids:
            mine = t[t["site"] == vid]
            rows.append({"venue_id": vid, "name": names.get(vid, vid), "kind": kinds.get(vid, ""),
                         "role": ("hub (in place)" if vid in plan.fixed else role) if role == HUB else role,
                         "lsoas": int(len(mine)), "need": float(mine["need"].sum()),
                         "working_age": float(mine["working_age"].sum()),
                         "furthest_min": float(mine["minutes"].max()) if len(mine) else float("nan")})
    return pd.DataFrame(rows, columns=["venue_id", "name", "kind", "role", "lsoas", "need", "working_age",
                                       "furthest_min"])


def uncovered_pockets(plan: HubPlan, adjacency: sp.csr_matrix) -> pd.DataFrame:
    """Connected groups of LSOAs no hub or satellite serves, largest need first:
    pocket, lsoas (codes), n_lsoas, need, working_age, nearest_hub, nearest_hub_minutes (min over the pocket)."""
    t = plan.lsoas
    idx = np.flatnonzero(t["served_by"].to_numpy() == NONE)
    cols = ["pocket", "lsoas", "n_lsoas", "need", "working_age", "nearest_hub", "nearest_hub_minutes"]
    if idx.size == 0:
        return pd.DataFrame(columns=cols)
    sub = adjacency[idx][:, idx]
    _, labels = connected_components(sub, directed=False)
    rows = []
    for g in np.unique(labels):
        members = idx[labels == g]
        part = t.iloc[members]
        near = part.sort_values("nearest_hub_minutes").iloc[0]
        rows.append({"lsoas": ", ".join(part["lsoa_code"].astype(str)), "n_lsoas": int(len(part)),
                     "need": float(part["need"].sum()), "working_age": float(part["working_age"].sum()),
                     "nearest_hub": near["nearest_hub"], "nearest_hub_minutes": float(near["nearest_hub_minutes"])})
    out = pd.DataFrame(rows).sort_values(["need", "lsoas"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "pocket", np.arange(1, len(out) + 1))
    return out[cols]


# --------------------------------------------------------------------------------------------------
# Saving and exporting


def plan_payload(plan: HubPlan) -> dict[str, Any]:
    """What a saved hub plan holds (JSON-ready): the choice and the settings, not the derived tables."""
    return {"hubs": list(plan.hubs), "fixed": list(plan.fixed), "satellites": list(plan.satellites),
            "settings": plan.settings.to_dict(), "bound": plan.bound, "best_value": plan.best_value,
            "optimal": plan.optimal, "method": plan.method, "edited": plan.edited, "notes": list(plan.notes)}


def plan_meta(plan: HubPlan) -> dict[str, Any]:
    return {"hubs": len(plan.hubs), "satellites": len(plan.satellites),
            "covered_share": round(plan.covered_share, 4), "hub_share": round(plan.hub_share, 4),
            "budget_min": plan.settings.budget_min, "estimate": plan.estimate}


def plan_from_payload(payload: Mapping[str, Any], need: pd.DataFrame, tt: TravelTimes) -> HubPlan:
    """Reopen a saved plan against the current data (coverage recomputed)."""
    settings = HubSettings.from_dict(payload.get("settings", {}))
    return evaluate_plan(need, tt, hubs=list(payload.get("hubs", [])), satellites=list(payload.get("satellites", [])),
                         settings=settings, bound=payload.get("bound"), best_value=payload.get("best_value"),
                         optimal=bool(payload.get("optimal", False)), method=str(payload.get("method", "saved")),
                         edited=bool(payload.get("edited", False)), notes=payload.get("notes", ()))


def plan_frames(plan: HubPlan, lsoas: gpd.GeoDataFrame, venues: gpd.GeoDataFrame, *, title: str = "Hub plan",
                attribution: str = "") -> dict[str, pd.DataFrame]:
    """Layers for export (EPSG:27700): hub_sites (points), hub_lsoas (every LSOA and what serves it),
    hub_catchments (one polygon per hub or satellite), about (settings and notes)."""
    summary = hub_summary(plan, venues)
    vid = venues["venue_id"].astype(str)
    sites = venues[vid.isin(summary["venue_id"])][["venue_id", "geometry"]].copy()
    sites["venue_id"] = sites["venue_id"].astype(str)
    sites = gpd.GeoDataFrame(summary.merge(sites, on="venue_id", how="left"), geometry="geometry", crs=venues.crs)
    t = plan.lsoas.copy()
    t["minutes"] = t["minutes"].where(np.isfinite(t["minutes"]))
    t["nearest_hub_minutes"] = t["nearest_hub_minutes"].where(np.isfinite(t["nearest_hub_minutes"]))
    geo = lsoas[["lsoa_code", "geometry"]].copy()
    geo["lsoa_code"] = geo["lsoa_code"].astype(str)
    t["lsoa_code"] = t["lsoa_code"].astype(str)
    areas = gpd.GeoDataFrame(t.merge(geo, on="lsoa_code", how="left"), geometry="geometry", crs=lsoas.crs)
    served = areas[areas["site"].notna()]
    polys = []
    for site, part in served.groupby("site", sort=True):
        polys.append({"venue_id": str(site), "role": part["served_by"].iloc[0], "lsoas": int(len(part)),
                      "need": float(part["need"].sum()),
                      "geometry": shapely.union_all(shapely.make_valid(np.asarray(part.geometry.values)))})
    if polys:
        catch = gpd.GeoDataFrame(polys, geometry="geometry", crs=lsoas.crs)
    else:
        catch = gpd.GeoDataFrame({"venue_id": [], "role": [], "lsoas": [], "need": []},
                                 geometry=gpd.GeoSeries([], crs=lsoas.crs), crs=lsoas.crs)
    s = plan.settings
    about = pd.DataFrame([
        ("title", title), ("kind", "hub plan"), ("hubs", ", ".join(plan.hubs)),
        ("hubs in place (fixed)", ", ".join(plan.fixed)), ("satellites", ", ".join(plan.satellites)),
        ("travel-time budget (min)", f"{s.budget_min:g}"), ("satellite budget (min)", f"{s.satellite_budget_min:g}"),
        ("need covered by hubs", f"{plan.hub_need:,.0f} of {plan.total_need:,.0f} ({plan.hub_share:.1%})"),
        ("need covered with satellites", f"{plan.hub_need + plan.satellite_need:,.0f} ({plan.covered_share:.1%})"),
        ("best possible (solver bound)", "" if plan.bound is None else f"{plan.bound:,.0f}"),
        ("method", plan.method),
        ("travel times", "straight-line estimates" if plan.estimate else "road network"),
        ("notes", " ".join(plan.notes)), ("attribution", attribution)], columns=["key", "value"])
    return {"hub_sites": sites, "hub_lsoas": areas, "hub_catchments": catch, "about": about}


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    geom = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geom:
            continue
        dtype = out[col].dtype
        if isinstance(dtype, pd.BooleanDtype) or dtype == bool:
            out[col] = out[col].astype("float64").astype("Int64") if out[col].isna().any() else out[col].astype(bool)
        if pd.api.types.is_string_dtype(dtype) or dtype == object:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(dtype, (pd.Int64Dtype, pd.Float64Dtype)):
            out[col] = out[col].astype("float64")
    return out


def _layer_bytes(frame: pd.DataFrame, name: str) -> bytes:
    import pyogrio

    buf = _io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(_storable(frame), buf, layer=name, driver="GPKG",
                                    layer_options={"SPATIAL_INDEX": "NO"})
        else:
            pyogrio.write_dataframe(_storable(pd.DataFrame(frame)), buf, layer=name, driver="GPKG")
    return buf.getvalue()


def plan_to_gpkg_bytes(frames: Mapping[str, pd.DataFrame]) -> bytes:
    """A GeoPackage holding one layer per entry (GeoDataFrames as spatial layers, DataFrames as tables).

    Built in memory: each layer is written by pyogrio into its own in-memory GeoPackage, and the layers
    are then merged with SQLite (a GeoPackage is an SQLite database); no file is touched.
    """
    items = list(frames.items())
    if not items:
        raise ValueError("no layers to export")
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(_layer_bytes(items[0][1], items[0][0]))
        for name, frame in items[1:]:
            con.execute("ATTACH ':memory:' AS src")
            con.deserialize(_layer_bytes(frame, name), name="src")
            entries = con.execute("SELECT type, name, sql FROM src.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                                  "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END",
                                  (name,)).fetchall()
            for kind, _, ddl in entries:
                con.execute(ddl)
                if kind == "table":
                    con.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
            for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents"):
                if con.execute("SELECT 1 FROM src.sqlite_master WHERE name = ?", (meta,)).fetchone():
                    con.execute(f"INSERT OR REPLACE INTO main.{meta} SELECT * FROM src.{meta} WHERE table_name = ?",
                                (name,))
            con.execute("INSERT OR IGNORE INTO main.gpkg_spatial_ref_sys SELECT * FROM src.gpkg_spatial_ref_sys")
            con.commit()
            con.execute("DETACH src")
        return bytes(con.serialize())
    finally:
        con.close()


def table_to_csv_bytes(table: pd.DataFrame, *, note: str = "") -> bytes:
    """CSV (UTF-8 with BOM so Excel reads it), with an optional first '#' line."""
    head = ("# " + note.replace("\n", " ") + "\n") if note else ""
    return ("\ufeff" + head + table.to_csv(index=False)).encode("utf-8")


def hub_csv_bytes(plan: HubPlan, venues: pd.DataFrame, *, attribution: str = "") -> bytes:
    t = plan.lsoas.copy()
    for col in ("minutes", "nearest_hub_minutes"):
        t[col] = t[col].where(np.isfinite(t[col])).round(1)
    t["need"] = t["need"].round(1)
    names = dict(zip(venues["venue_id"].astype(str), venues["name"].astype(str)))
    t.insert(t.columns.get_loc("site") + 1, "site_name", t["site"].map(names))
    note = (f"Patchwork hub plan: {len(plan.hubs)} hubs, {len(plan.satellites)} satellites; budget "
            f"{plan.settings.budget_min:g} min; " + ("straight-line travel-time estimates; " if plan.estimate else "")
            + attribution)
    return table_to_csv_bytes(t, note=note)


# --------------------------------------------------------------------------------------------------
# Map colours: neighbouring areas get different colours


CATEGORY_COLOURS: tuple[str, ...] = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                                     "#8c564b", "#6a51a3")


def colour_groups(labels: Sequence[Any], adjacency: sp.csr_matrix) -> dict[Any, int]:
    """Greedy colouring of groups (`labels` per area, NA ignored) so touching groups differ where the
    palette allows: returns group → colour index (0..len(CATEGORY_COLOURS)-1)."""
    lab = pd.Series(list(labels), dtype="object")
    valid = lab.notna().to_numpy()
    groups = sorted({str(x) for x in lab[valid]})
    if not groups:
        return {}
    gi = {g: i for i, g in enumerate(groups)}
    code = np.array([gi[str(x)] if ok else -1 for x, ok in zip(lab, valid)])
    coo = adjacency.tocoo()
    a, b = code[coo.row], code[coo.col]
    keep = (a >= 0) & (b >= 0) & (a != b)
    nb: dict[int, set[int]] = {i: set() for i in range(len(groups))}
    for x, y in zip(a[keep], b[keep]):
        nb[int(x)].add(int(y))
    order = sorted(range(len(groups)), key=lambda i: (-len(nb[i]), groups[i]))
    colour: dict[int, int] = {}
    n_col = len(CATEGORY_COLOURS)
    count = [0] * n_col
    for i in order:  # the least-used colour no neighbour has, so the palette is spread evenly
        used = {colour[j] for j in nb[i] if j in colour}
        free = [c for c in range(n_col) if c not in used]
        colour[i] = min(free, key=lambda c: (count[c], c)) if free else i % n_col
        count[colour[i]] += 1
    return {groups[i]: colour[i] for i in range(len(groups))}


# --------------------------------------------------------------------------------------------------
# Maps (inputs already web-ready: WGS84, simplified; see geo.out.mapview.to_web)

UNCOVERED_FILL = "#e9e9e9"
UNCOVERED_LINE = "#c1121f"


def web_bounds(frame: gpd.GeoDataFrame | None) -> tuple[float, float, float, float] | None:
    """The WGS84 bounding box of a layer (its corners transformed), or None for no layer."""
    if frame is None or len(frame) == 0:
        return None
    box = gpd.GeoSeries([shapely.box(*frame.total_bounds)], crs=frame.crs).to_crs(4326)
    return tuple(float(v) for v in box.total_bounds)


def populated_bounds(lsoas: gpd.GeoDataFrame, *, factor: float = 3.0) -> tuple[float, float, float, float] | None:
    """WGS84 bounds of the LSOAs no larger than `factor` × the median LSOA (where people live: large rural
    LSOAs would otherwise shrink a town to a dot)."""
    if lsoas is None or len(lsoas) == 0:
        return None
    area = shapely.area(np.asarray(lsoas.geometry.values))
    return web_bounds(lsoas[area <= factor * np.median(area)])


def plan_base_map(wards_web: gpd.GeoDataFrame, *, options: Any,
                  bounds: tuple[float, float, float, float] | None = None):
    """An empty offline map fitted to `bounds` (WGS84; default the wards); see `finish_map`."""
    from geo.out.mapview import base_map

    return base_map(tuple(bounds) if bounds is not None else tuple(wards_web.total_bounds), options=options)


def finish_map(m, wards_web: gpd.GeoDataFrame, *, options: Any) -> None:
    """Ward outlines (dashed, light) and names, drawn last so they sit above the areas."""
    from geo.out.mapview import ward_layers

    ward_layers(m, wards_web, options=options, weight=1.2, opacity=0.55, dash="4 3", label_opacity=0.75)


def outlines(frame_web: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """One outline per group of (coverage-simplified) polygons."""
    from geo.out.mapview import round_coords

    rows, geoms = [], []
    for key, part in frame_web.groupby(by, sort=True):
        g = np.asarray(part.geometry.values)
        try:
            u = shapely.coverage_union_all(g)
        except Exception:  # not a clean coverage: the general union
            u = shapely.union_all(shapely.make_valid(g))
        rows.append(key)
        geoms.append(u)
    out = gpd.GeoDataFrame({by: rows}, geometry=round_coords(np.asarray(geoms, dtype=object)) if geoms else [],
                           crs=frame_web.crs)
    return out


def marker_html(text: str, colour: str, *, shape: str = "square", size: int = 22) -> str:
    import html as _html

    radius = "50%" if shape == "circle" else "4px"
    return (f"<div class='pw-site' style='width:{size}px;height:{size}px;line-height:{size}px;background:{colour};"
            f"border:2px solid #0b0c0c;border-radius:{radius};color:#fff;font:700 11px/{size}px sans-serif;"
            f"text-align:center;transform:translate(-50%,-50%);box-shadow:0 0 0 2px #fff'>{_html.escape(text)}</div>")


def hub_map(plan: HubPlan, *, lsoas_web: gpd.GeoDataFrame, wards_web: gpd.GeoDataFrame,
            venues_web: gpd.GeoDataFrame, adjacency: sp.csr_matrix, candidates: Sequence[str] = (),
            options: Any, bounds: tuple[float, float, float, float] | None = None) -> Any:
    """Catchments coloured by hub (touching catchments differ), satellites' catchments paler, uncovered
    LSOAs grey with a red edge, hub (H) and satellite (S) markers, other candidate venues as dots."""
    import folium

    from geo.out.mapview import FastGeoJson, tooltip_html

    t = plan.lsoas.set_index(plan.lsoas["lsoa_code"].astype(str))
    web = lsoas_web.copy()
    web["lsoa_code"] = web["lsoa_code"].astype(str)
    web = web[web["lsoa_code"].isin(t.index)]
    row = t.loc[web["lsoa_code"]]
    colours = colour_groups(plan.lsoas["site"].tolist(), adjacency)
    names = dict(zip(venues_web["venue_id"].astype(str), venues_web["name"].astype(str)))
    site = row["site"].astype("string").to_numpy()
    served = row["served_by"].to_numpy()
    keys = [("x" if s == NONE else f"{'h' if s == HUB else 's'}{colours.get(str(v), 0)}") for s, v in zip(served, site)]
    est = " (estimate)" if plan.estimate else ""

    def when(mn: float) -> str:
        return f"{mn:.0f} min{est}" if np.isfinite(mn) else f"more than {plan.settings.budget_min:g} min"

    tips = []
    for (_, r), s, v in zip(row.iterrows(), served, site):
        nm = r["lsoa_name"] if pd.notna(r["lsoa_name"]) else r["lsoa_code"]
        if s == NONE:
            near = (f"{names.get(str(r['nearest_hub']), r['nearest_hub'])}, {when(r['nearest_hub_minutes'])}"
                    if pd.notna(r["nearest_hub"]) else f"none within {plan.horizon_min:g} min")
            tips.append(tooltip_html(("LSOA", nm), ("Served by", "no hub or satellite (uncovered)"), ("Nearest hub", near),
                             ("Need", f"{r['need']:,.0f}")))
        else:
            tips.append(tooltip_html(("LSOA", nm), ("Served by", f"{'hub' if s == HUB else 'satellite'} {names.get(str(v), v)}"),
                             ("Travel", when(r["minutes"])), ("Need", f"{r['need']:,.0f}")))
    frame = web.assign(k=keys, tip=tips, site=site)
    styles: dict[str, dict[str, object]] = {}
    for i, c in enumerate(CATEGORY_COLOURS):
        styles[f"h{i}"] = {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.6}
        styles[f"s{i}"] = {"color": c, "weight": 1.2, "fillColor": c, "fillOpacity": 0.25, "dashArray": "3 3"}
    styles["x"] = styles[""] = {"color": UNCOVERED_LINE, "weight": 1.4, "fillColor": UNCOVERED_FILL, "fillOpacity": 0.75}
    m = plan_base_map(wards_web, options=options, bounds=bounds)
    group = folium.FeatureGroup(name="Catchments").add_to(m)
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by hub").add_to(group)
    served_frame = frame[frame["site"].notna()]
    if len(served_frame):
        FastGeoJson(outlines(served_frame, "site").assign(k=""), interactive=False, name="Catchment outlines",
                    styles={"": {"color": "#0b0c0c", "weight": 2.4, "fill": False, "opacity": 0.9}}).add_to(group)
    vid = venues_web["venue_id"].astype(str)
    chosen = set(plan.hubs) | set(plan.satellites)
    others = venues_web[vid.isin([c for c in candidates if c not in chosen])]
    if len(others):
        from geo.model import VENUE_KINDS

        FastGeoJson(others.assign(k="", tip=[tooltip_html(("", n), ("", VENUE_KINDS.get(str(k), str(k)) + " (candidate)"))
                                             for n, k in zip(others["name"], others["kind"])]),
                    styles={"": {"radius": 4, "color": "#505a5f", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 1}},
                    name="Candidate venues").add_to(m)
    sites = []
    for role, ids, shape in ((HUB, plan.hubs, "square"), (SATELLITE, plan.satellites, "circle")):
        for n, v in enumerate(ids, start=1):
            hit = venues_web[vid == str(v)]
            if not len(hit):
                continue
            label = ("H" if role == HUB else "S") + str(n)
            colour = CATEGORY_COLOURS[colours.get(str(v), 0)]
            served_n = int((plan.lsoas["site"] == v).sum())
            role_text = "hub (in place, kept)" if v in plan.fixed else role
            sites.append({"k": "", "html": marker_html(label, colour, shape=shape, size=24 if role == HUB else 20),
                          "tip": tooltip_html((label, names.get(str(v), v)), ("Role", role_text), ("LSOAs served", served_n)),
                          "geometry": hit.geometry.iloc[0]})
    if sites:
        FastGeoJson(gpd.GeoDataFrame(sites, geometry="geometry", crs=venues_web.crs), styles={"": {}}, point="div",
                    div_class="pw-site-icon", div_size=(26, 26), div_anchor=(0, 0), name="Hubs").add_to(m)
    finish_map(m, wards_web, options=options)
    return m


def plan_max(plan: HubPlan) -> float:
    return max(plan.settings.budget_min, plan.settings.satellite_budget_min)
