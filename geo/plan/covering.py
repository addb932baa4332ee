"""The maximal covering location problem (Church and ReVelle, 1974), solved exactly with HiGHS.

Pure core on a cover matrix (demand × candidates, True where the candidate covers the demand), in the
manner of spopt's `from_cost_matrix`; `geo.plan.hubs` builds the matrix from travel times.

    maximise   Σ_g need_g · y_g
    subject to y_g ≤ Σ_{j covers g} x_j      for every demand group g
               Σ_j x_j = k − |fixed|,  x_j ∈ {0, 1},  0 ≤ y_g ≤ 1

Fixed candidates are always chosen: the need they cover is taken out before solving. Demand with the
same set of covering candidates is merged into one group, which keeps the programme small. HiGHS
reports a bound on the best possible cover, so every answer says how far it can be from the optimum
(0 when proven optimal). `brute_force_cover` enumerates every choice for small inputs (tests).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.model import DataError, Problem

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


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


def covered_mask(cover: sp.csr_matrix, chosen: Iterable[int]) -> NDArray[np.bool_]:
    """Which demand rows at least one of `chosen` covers."""
    picked = np.asarray(list(chosen), dtype="int64")
    if picked.size == 0:
        return np.zeros(cover.shape[0], dtype=bool)
    out: NDArray[np.bool_] = np.asarray(cover[:, picked].sum(axis=1)).ravel() > 0
    return out


def cover_value(need: ArrayLike, cover: sp.csr_matrix, chosen: Iterable[int]) -> float:
    return float(np.asarray(need, dtype="float64")[covered_mask(cover, chosen)].sum())


def _check_k(k: int, fixed: Ints) -> None:
    if k < 0:
        raise DataError(Problem("hubs", f"the number of hubs must be 0 or more, got {k}."))
    if len(fixed) > k:
        raise DataError(Problem("hubs", f"{len(fixed)} hubs are already in place but only {k} hubs were asked for.",
                                fix=f"Ask for at least {len(fixed)} hubs, or keep fewer existing hubs fixed."))


def _reduce(need: Floats, cover: sp.csr_matrix, fixed: Ints, allowed: NDArray[np.bool_]
            ) -> tuple[float, Ints, Floats, sp.csr_matrix]:
    """Take out what fixed hubs cover; merge LSOAs with the same covering set.
    Returns (fixed value, candidate positions kept, group weights, group × kept-candidate matrix)."""
    done = covered_mask(cover, fixed)
    base = float(need[done].sum())
    free = np.setdiff1d(np.flatnonzero(allowed), fixed)
    rows = np.flatnonzero(~done & (need > 0))
    sub = cover[rows][:, free].tocsr()
    sub.sort_indices()
    has = np.diff(sub.indptr) > 0
    sub, rows = sub[has], rows[has]
    if sub.shape[0] == 0:
        return base, free[:0].astype("int64"), np.zeros(0), sp.csr_matrix(np.zeros((0, 0), dtype=bool))
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
    return base, free[used].astype("int64"), weights.astype("float64"), groups.tocsr()


def _greedy(weights: Floats, groups: sp.csr_matrix, k: int) -> list[int]:
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


def max_cover(need: ArrayLike, cover: sp.csr_matrix, *, k: int, fixed: Iterable[int] = (),
              allowed: ArrayLike | None = None, time_limit_s: float = 10.0,
              mip_rel_gap: float = 1e-4) -> CoverSolution:
    """Choose `k` candidates (including `fixed`) covering the most need. Exact MILP (HiGHS)."""
    t0 = time.perf_counter()
    w_need = np.asarray(need, dtype="float64")
    m = cover.shape[1]
    fixed_arr = np.unique(np.asarray(list(fixed), dtype="int64"))
    allowed_mask = np.ones(m, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    _check_k(int(k), fixed_arr)
    base, cand, weights, groups = _reduce(w_need, cover, fixed_arr, allowed_mask)
    kk = int(k) - fixed_arr.size
    free_all = np.setdiff1d(np.flatnonzero(allowed_mask), fixed_arr)

    def done(picked: Sequence[int], bound: float, optimal: bool, method: str, status: str) -> CoverSolution:
        extra = [int(e) for e in picked]
        if len(extra) < kk:  # more hubs asked than add any cover: fill with the others by need nearby
            rest = [int(j) for j in free_all if int(j) not in set(extra)]
            reach = np.asarray(cover[:, rest].T @ w_need).ravel() if rest else np.zeros(0)
            order = np.lexsort((np.asarray(rest), -reach)) if rest else np.zeros(0, dtype="int64")
            extra += [rest[i] for i in order[:kk - len(extra)]]
        chosen = tuple(int(j) for j in fixed_arr) + tuple(sorted(extra))
        value = cover_value(w_need, cover, chosen)
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
    res: Any = milp(c, constraints=[LinearConstraint(link, -np.inf, 0.0), LinearConstraint(pick, kk, kk)],
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


def brute_force_cover(need: ArrayLike, cover: sp.csr_matrix, *, k: int, fixed: Iterable[int] = (),
                      allowed: ArrayLike | None = None, max_combinations: int = 2_000_000
                      ) -> tuple[tuple[int, ...], float]:
    """Every choice of k − |fixed| further candidates; the best (ties: smallest positions). Small inputs only."""
    w_need = np.asarray(need, dtype="float64")
    m = cover.shape[1]
    fixed_arr = np.unique(np.asarray(list(fixed), dtype="int64"))
    allowed_mask = np.ones(m, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    _check_k(int(k), fixed_arr)
    free = [int(j) for j in np.flatnonzero(allowed_mask) if j not in set(fixed_arr.tolist())]
    kk = min(int(k) - fixed_arr.size, len(free))
    if math.comb(len(free), kk) > max_combinations:
        raise ValueError(f"{math.comb(len(free), kk):,} combinations: too many to enumerate")
    dense = cover.toarray()
    base = dense[:, fixed_arr].any(axis=1) if fixed_arr.size else np.zeros(dense.shape[0], dtype=bool)
    best: tuple[int, ...] = ()
    best_val = -1.0
    for combo in itertools.combinations(free, kk):
        cov = base | dense[:, list(combo)].any(axis=1) if combo else base
        val = float(w_need[cov].sum())
        if val > best_val + 1e-9:
            best, best_val = combo, val
    return tuple(int(j) for j in fixed_arr) + tuple(best), best_val
