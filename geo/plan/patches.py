"""Worker patches: contiguous groups of whole LSOAs, balanced on expected caseload within hard bounds,
compact around the worker's base.

Expected caseload (DOMAIN.md): participants active at once = enrolments per month × average months on
the programme; workers needed = active at once ÷ caseload (about 50 a worker, editable). Enrolments
per month per LSOA come from the participants layer where there is one (enrolments in the last
`window_months` up to the latest enrolment, ÷ months: "observed"), else from need (estimated workless
residents × engagement rate ÷ delivery months, as on the Lots page: "estimated").

Adjacency: LSOAs are neighbours when their boundaries share at least `min_shared_m` metres ("rook") or
merely touch ("queen"), within `tolerance_m` for slivers in generalised boundaries. LSOAs or groups that
touch nothing (islands, gaps in the data) are joined to their nearest LSOA, and the notes say so.

Method (`plan_patches`):
1. Feasibility, with the numbers: total caseload against patches × bounds, LSOAs above the upper bound,
   and each connected piece of the area (outside locked patches) against the patches it can hold.
2. Recursive bisection on spanning trees: a piece that needs p patches is cut into p//2 and p − p//2
   by removing one edge of a spanning tree of its adjacency graph (a minimum spanning tree of
   distances with random jitter), choosing the cut whose two sides are closest to their caseload share
   and, among near-equal ones, the shortest boundary. Both sides of a tree cut are contiguous.
3. Local search: move one boundary LSOA to a neighbouring patch when that lowers (bound violation,
   then squared imbalance plus a compactness term: caseload-weighted distance to the patch centre).
   A move never empties a patch or splits it: the LSOA must not be an articulation point of its patch
   (checked by a search inside the patch). Locked patches and pinned LSOAs never move.

Off-the-shelf max-p regionalisation (spopt's MaxPHeuristic) only guarantees a floor per region and
leaves about 40% imbalance; this method enforces both bounds (see bench/bench_plans.py).

Travel: compactness uses straight lines between population-weighted points. The table's trips from the
worker's base use the road network where there is one, else straight-line × detour (labelled).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, depth_first_order, dijkstra, minimum_spanning_tree

from geo.plan.hubs import (CATEGORY_COLOURS, colour_groups, need_table, plan_to_gpkg_bytes, table_to_csv_bytes)
from geo.model import DataError, Problem
from geo.analyse.network import RoadGraph, build_graph, geometry_xy, snap_points, with_sources
from geo.analyse.reach import DETOUR_FACTOR, WALK_M_PER_MIN, population_weighted_points

PLAN_KIND = "patches"
OBSERVED = "observed"
ESTIMATED = "estimated"


# --------------------------------------------------------------------------------------------------
# Expected caseload


@dataclass(frozen=True)
class CaseloadSettings:
    caseload: float = 50.0               # participants one worker supports at once
    months_on_programme: float = 12.0
    basis: str = "auto"                   # "observed", "estimated" or "auto" (observed when participants exist)
    window_months: int = 12
    engagement_rate: float = 0.16
    delivery_months: float = 36.0

    def to_dict(self) -> dict[str, Any]:
        return {"caseload": self.caseload, "months_on_programme": self.months_on_programme, "basis": self.basis,
                "window_months": self.window_months, "engagement_rate": self.engagement_rate,
                "delivery_months": self.delivery_months}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CaseloadSettings":
        base = cls()
        return cls(**{k: type(getattr(base, k))(d[k]) for k in base.to_dict() if k in d})


def _check_caseload(s: CaseloadSettings) -> None:
    problems = []
    for name, label in (("caseload", "Caseload per worker"), ("months_on_programme", "Months on the programme"),
                        ("delivery_months", "Delivery period"), ("window_months", "Enrolment window")):
        v = getattr(s, name)
        if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
            problems.append(Problem("patches", f"{label} must be above 0, got {v!r}.", column=name))
    if not (0 < s.engagement_rate <= 1):
        problems.append(Problem("patches", f"Engagement rate must be between 0 and 1, got {s.engagement_rate!r}."))
    if s.basis not in ("auto", OBSERVED, ESTIMATED):
        problems.append(Problem("patches", f"unknown caseload basis {s.basis!r}; use observed, estimated or auto."))
    if problems:
        raise DataError(problems)


def expected_caseload(lsoas: gpd.GeoDataFrame, participants: gpd.GeoDataFrame | None = None, *,
                      settings: CaseloadSettings = CaseloadSettings()) -> tuple[pd.DataFrame, list[str]]:
    """Per LSOA: lsoa_code, enrolments_per_month, caseload (participants active at once), and notes
    saying how they were worked out. With the observed basis the numbers rest on counts of people:
    show them through geo.privacy (`caseload_text`)."""
    _check_caseload(settings)
    codes = lsoas["lsoa_code"].astype("string").to_numpy()
    have_people = participants is not None and len(participants) > 0 and "enrolled_on" in participants.columns
    basis = settings.basis
    if basis == "auto":
        basis = OBSERVED if have_people else ESTIMATED
    notes: list[str] = []
    if basis == OBSERVED:
        if not have_people:
            raise DataError(Problem("patches", "there is no participants layer to count enrolments from.",
                                    fix="Choose the 'estimated from need' basis, or import participants."))
        from geo.analyse.gaps import area_of_points

        when = pd.to_datetime(participants["enrolled_on"])
        end = when.max()
        start = end - pd.DateOffset(months=int(settings.window_months))
        recent = participants[(when > start) & (when <= end)]
        area = area_of_points(recent, lsoas, code_col="lsoa_code")
        counts = area.value_counts()
        per = pd.Series(codes).map(counts).fillna(0).to_numpy(dtype="float64")
        epm = per / settings.window_months
        outside = int(area.isna().sum())
        notes.append(f"Enrolments per month: participants enrolled in the {settings.window_months} months to "
                     f"{end:%d/%m/%Y} in each LSOA ÷ {settings.window_months} (observed).")
        if outside:
            notes.append(f"{outside} recent participants live outside every LSOA and are not counted.")
    else:
        from geo.plan.lots.need import lsoa_needs

        needs = lsoa_needs(lsoas)
        workless = needs["workless"].to_numpy(dtype="float64")
        epm = workless * settings.engagement_rate / settings.delivery_months
        n_est = int((needs["workless_basis"] != "score").sum())
        notes.append(f"Enrolments per month: estimated workless residents × {settings.engagement_rate:g} engagement "
                     f"rate ÷ {settings.delivery_months:g} months (estimated from need, an assumption).")
        if n_est:
            notes.append(f"{n_est} LSOAs have no employment score: workless residents estimated from the decile.")
    active = epm * settings.months_on_programme
    notes.append(f"Expected caseload = enrolments per month × {settings.months_on_programme:g} months on the "
                 f"programme; workers needed = caseload ÷ {settings.caseload:g} a worker.")
    out = pd.DataFrame({"lsoa_code": codes, "enrolments_per_month": epm, "caseload": active,
                        "basis": basis})
    return out, notes


def caseload_text(value: float, *, observed: bool) -> str:
    """A caseload for display: observed figures rest on counts of people, so small ones show as '<5'."""
    from geo.privacy import suppress

    if value is None or not np.isfinite(value):
        return "–"
    if observed:
        return suppress(int(round(value)))
    return f"{value:,.1f}"


# --------------------------------------------------------------------------------------------------
# Adjacency


def lsoa_adjacency(lsoas: gpd.GeoDataFrame, *, rule: str = "rook", tolerance_m: float = 1.0,
                   min_shared_m: float = 1.0, bridge: bool = True) -> tuple[sp.csr_matrix, list[str]]:
    """(n × n) symmetric boolean adjacency of the LSOAs (positions), and notes. Rook: a shared
    boundary of at least `min_shared_m`; queen: touching at all. With `bridge`, pieces that touch no
    other piece are joined to the nearest LSOA of another piece (nearest first, until one piece)."""
    if rule not in ("rook", "queen"):
        raise ValueError(f"rule must be 'rook' or 'queen', got {rule!r}")
    geoms = np.asarray(lsoas.geometry.values)
    n = len(geoms)
    notes: list[str] = []
    if n == 0:
        return sp.csr_matrix((0, 0), dtype=bool), notes
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=max(tolerance_m, 1e-9))
    keep = i < j
    i, j = i[keep], j[keep]
    if rule == "rook" and len(i):
        buffered = shapely.buffer(geoms, max(tolerance_m, 1e-6), quad_segs=2)
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), buffered[j]))
        ok = shared >= min_shared_m
        i, j = i[ok], j[ok]
    m = sp.csr_matrix((np.ones(2 * len(i), dtype=bool), (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    if bridge:
        n_comp, labels = connected_components(m, directed=False)
        if n_comp > 1:
            bi, bj, gap = [], [], []
            while n_comp > 1:
                sizes = np.bincount(labels)
                small = int(np.argmin(sizes))
                inside = np.flatnonzero(labels == small)
                others = np.flatnonzero(labels != small)
                t2 = shapely.STRtree(geoms[others])
                hit, dist = t2.query_nearest(geoms[inside], return_distance=True, all_matches=False)
                k = int(np.argmin(dist))
                a, b = int(inside[hit[0][k]]), int(others[hit[1][k]])
                bi.append(a), bj.append(b), gap.append(float(dist[k]))
                m = m + sp.csr_matrix((np.ones(2, dtype=bool), ([a, b], [b, a])), shape=(n, n))
                n_comp, labels = connected_components(m, directed=False)
            codes = lsoas["lsoa_code"].astype(str).to_numpy()
            notes.append(f"{len(bi)} groups of LSOAs touch no other LSOA; each is joined to its nearest LSOA "
                         f"(gaps up to {max(gap):,.0f} m): " + ", ".join(f"{codes[a]}–{codes[b]}" for a, b in zip(bi, bj))
                         + ".")
    m = m.astype(bool).tocsr()
    m.setdiag(False)
    m.eliminate_zeros()
    return m, notes


# --------------------------------------------------------------------------------------------------
# The partition


@dataclass(frozen=True)
class PatchUnits:
    """What the partition works on: LSOA codes, expected caseload, population-weighted points (metres)
    and adjacency, all by position."""

    codes: np.ndarray
    caseload: np.ndarray
    xy: np.ndarray
    adjacency: sp.csr_matrix
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])

    def neighbours(self) -> list[np.ndarray]:
        a = self.adjacency
        return [a.indices[a.indptr[i]:a.indptr[i + 1]] for i in range(self.n)]


def make_units(lsoas: gpd.GeoDataFrame, caseload: pd.DataFrame, *, roads: gpd.GeoDataFrame | None = None,
               rule: str = "rook", tolerance_m: float = 1.0) -> PatchUnits:
    codes = lsoas["lsoa_code"].astype(str).to_numpy()
    cl = pd.Series(codes).map(caseload.set_index(caseload["lsoa_code"].astype(str))["caseload"]).fillna(0.0)
    pts = population_weighted_points(lsoas, roads if roads is not None and len(roads) else None)
    adj, notes = lsoa_adjacency(lsoas, rule=rule, tolerance_m=tolerance_m)
    return PatchUnits(codes=codes, caseload=cl.to_numpy(dtype="float64"),
                      xy=pts[["x", "y"]].to_numpy(dtype="float64"), adjacency=adj, notes=tuple(notes))


def patch_labels(n: int) -> list[str]:
    return [f"Patch {i + 1}" for i in range(n)]


def _patches(n: int) -> str:
    return f"{n} patch" if n == 1 else f"{n} patches"


def _fmt(x: float) -> str:
    if abs(x - round(x)) < 1e-9 or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.1f}"


def check_feasible(units: PatchUnits, *, n_patches: int, lower: float, upper: float,
                   locked: Mapping[str, Sequence[str]] | None = None) -> dict[int, int]:
    """Raise DataError, with the numbers, when no partition can meet the bounds; else return how many
    patches each connected piece of the unlocked area gets (piece label → patches)."""
    locked = dict(locked or {})
    problems: list[Problem] = []
    if n_patches < 1:
        raise DataError(Problem("patches", f"the number of patches must be at least 1, got {n_patches}."))
    if not (np.isfinite(lower) and np.isfinite(upper) and 0 <= lower <= upper and upper > 0):
        raise DataError(Problem("patches", f"caseload bounds must satisfy 0 ≤ lower ≤ upper, got lower {lower:g} "
                                           f"and upper {upper:g}.", fix="Set the lower bound below the upper."))
    pos = {c: i for i, c in enumerate(units.codes)}
    locked_idx = np.array(sorted({pos[c] for codes in locked.values() for c in codes if c in pos}), dtype="int64")
    free = np.ones(units.n, dtype=bool)
    free[locked_idx] = False
    n_free = n_patches - len(locked)
    cl = units.caseload
    total = float(cl[free].sum())
    where = "in the unlocked area " if len(locked) else ""
    if n_free < 1:
        if free.any():
            raise DataError(Problem("patches", f"all {n_patches} patches are locked but {int(free.sum())} LSOAs are "
                                               "in no locked patch.", fix="Unlock a patch or add patches."))
        return {}
    if n_free > int(free.sum()):
        raise DataError(Problem("patches", f"{n_free} patches cannot be made from {int(free.sum())} LSOAs "
                                           f"{where}(a patch holds at least one whole LSOA).",
                                fix=f"Use at most {int(free.sum())} patches."))
    big = np.flatnonzero(free & (cl > upper + 1e-9))
    for i in big[:10]:
        problems.append(Problem("patches", f"LSOA {units.codes[i]} alone has an expected caseload of {_fmt(cl[i])}, "
                                           f"above the upper bound of {_fmt(upper)}; a patch is made of whole LSOAs.",
                                fix=f"Raise the upper bound to at least {math.ceil(cl[i])}."))
    if total < n_free * lower - 1e-9 or total > n_free * upper + 1e-9:
        lo_n = math.ceil(total / upper - 1e-9) if upper > 0 else 0
        hi_n = math.floor(total / lower + 1e-9) if lower > 0 else n_free * 10
        which = _patches(lo_n) if lo_n == hi_n else f"between {lo_n} and {hi_n} patches"
        fix = (f"Use {which} ({_fmt(total)} ÷ {_fmt(upper)} = {total / upper:.1f}; "
               f"{_fmt(total)} ÷ {_fmt(lower)} = {total / lower:.1f}), or change the bounds."
               if lo_n <= hi_n and lower > 0 else
               f"Change the bounds: with {_patches(n_free)} the mean is {_fmt(total / n_free)} each.")
        problems.append(Problem("patches", f"the expected caseload {where}is {_fmt(total)} participants at once, but "
                                           f"{_patches(n_free)} of {_fmt(lower)}–{_fmt(upper)} each can hold only "
                                           f"{_fmt(n_free * lower)}–{_fmt(n_free * upper)}.", fix=fix))
    if problems:
        raise DataError(problems)
    # Pieces of the unlocked area.
    idx = np.flatnonzero(free)
    sub = units.adjacency[idx][:, idx]
    n_comp, labels = connected_components(sub, directed=False)
    sums = np.bincount(labels, weights=cl[idx], minlength=n_comp)
    sizes = np.bincount(labels, minlength=n_comp)
    lo = np.maximum(1, np.ceil(sums / upper - 1e-9)).astype(int)
    hi = np.minimum(sizes, np.floor(sums / lower + 1e-9) if lower > 0 else sizes).astype(int)
    bad = np.flatnonzero(lo > hi)
    for g in bad[:10]:
        members = units.codes[idx[labels == g]]
        problems.append(Problem("patches", f"a separate piece of {len(members)} LSOAs ({', '.join(members[:4])}"
                                           f"{'…' if len(members) > 4 else ''}) has caseload {_fmt(sums[g])}, which no "
                                           f"whole number of patches of {_fmt(lower)}–{_fmt(upper)} can hold.",
                                fix="Widen the bounds, or unlock the patches around it."))
    if not problems and (lo.sum() > n_free or hi.sum() < n_free):
        problems.append(Problem("patches", f"the unlocked area falls into {n_comp} separate pieces that need "
                                           f"{int(lo.sum())}–{int(hi.sum())} patches between them, not {n_free}.",
                                fix=f"Use between {int(lo.sum())} and {int(hi.sum())} patches."))
    if problems:
        raise DataError(problems)
    alloc = lo.copy()
    while alloc.sum() < n_free:  # give the next patch to the piece with the highest caseload per patch
        room = np.where(alloc < hi, sums / alloc, -np.inf)
        alloc[int(np.argmax(room))] += 1
    return {int(g): int(alloc[g]) for g in range(n_comp)}


def _tree_cut(nodes: np.ndarray, units: PatchUnits, p: int, lower: float, upper: float,
              rng: np.random.Generator, tries: int) -> tuple[np.ndarray, np.ndarray]:
    """Split `nodes` (one connected piece needing p ≥ 2 patches) into two connected parts for p//2 and
    p − p//2 patches. Returns (part for p//2, part for the rest)."""
    p1 = p // 2
    p2 = p - p1
    cl = units.caseload[nodes]
    total = float(cl.sum())
    mean = total / p
    sub = units.adjacency[nodes][:, nodes].tocoo()
    up = sub.row < sub.col
    r, c = sub.row[up], sub.col[up]
    d = np.hypot(*(units.xy[nodes[r]] - units.xy[nodes[c]]).T) + 1.0
    best: tuple[float, int, np.ndarray] | None = None
    for _ in range(tries):
        w = d * rng.uniform(0.6, 1.4, size=d.size)
        tree = minimum_spanning_tree(sp.csr_matrix((w, (r, c)), shape=(len(nodes), len(nodes))))
        tree = (tree + tree.T).tocsr()
        root = int(rng.integers(len(nodes)))
        order, pred = depth_first_order(tree, root, directed=False, return_predecessors=True)
        if order.size < len(nodes):
            raise ValueError("piece is not connected")
        sums = cl.copy()
        size = np.ones(len(nodes), dtype="int64")
        for v in order[:0:-1]:
            sums[pred[v]] += sums[v]
            size[pred[v]] += size[v]
        pos = np.empty(len(nodes), dtype="int64")
        pos[order] = np.arange(len(nodes))
        cand = order[1:]
        s = sums[cand]
        # the subtree may become either side
        dev1 = np.abs(s - p1 * mean)
        dev2 = np.abs(s - p2 * mean)
        ok1 = (s >= p1 * lower - 1e-9) & (s <= p1 * upper + 1e-9) & (total - s >= p2 * lower - 1e-9) \
            & (total - s <= p2 * upper + 1e-9) & (size[cand] >= p1) & (len(nodes) - size[cand] >= p2)
        ok2 = (s >= p2 * lower - 1e-9) & (s <= p2 * upper + 1e-9) & (total - s >= p1 * lower - 1e-9) \
            & (total - s <= p1 * upper + 1e-9) & (size[cand] >= p2) & (len(nodes) - size[cand] >= p1)
        dev = np.minimum(np.where(ok1, dev1, np.inf), np.where(ok2, dev2, np.inf))
        feasible = np.isfinite(dev)
        if not feasible.any():  # nothing within bounds: least deviation (local search repairs it)
            dev = np.minimum(dev1 + 1e6 * mean * (size[cand] < p1), dev2 + 1e6 * mean * (size[cand] < p2))
        tol = max(0.02 * mean, float(dev.min()))
        near = np.flatnonzero(dev <= tol + 1e-9)
        near = near[np.argsort(dev[near], kind="stable")][:12]
        for k in near:
            v = cand[k]
            block = order[pos[v]:pos[v] + size[v]]
            inside = np.zeros(len(nodes), dtype=bool)
            inside[block] = True
            boundary = int((inside[r] != inside[c]).sum())
            score = (0 if feasible.any() else 1, boundary + dev[k] / mean * 4.0)
            first_side = inside if (ok1[k] or (not ok2[k] and dev1[k] <= dev2[k])) else ~inside
            if best is None or score < best[:2]:
                best = (score[0], score[1], first_side.copy())
    assert best is not None
    side = best[2]
    return nodes[side], nodes[~side]


def _bisect(nodes: np.ndarray, p: int, units: PatchUnits, lower: float, upper: float,
            rng: np.random.Generator, tries: int) -> list[np.ndarray]:
    if p <= 1:
        return [nodes]
    a, b = _tree_cut(nodes, units, p, lower, upper, rng, tries)
    return _bisect(a, p // 2, units, lower, upper, rng, tries) + _bisect(b, p - p // 2, units, lower, upper, rng, tries)


def _connected_without(i: int, nbrs: list[np.ndarray], assign: np.ndarray, a: int) -> bool:
    """Whether patch a stays connected once i leaves it (i's neighbours in a all reachable without i)."""
    targets = [int(j) for j in nbrs[i] if assign[j] == a]
    if len(targets) <= 1:
        return True
    want = set(targets[1:])
    seen = {i, targets[0]}
    queue = deque([targets[0]])
    while queue:
        u = queue.popleft()
        for v in nbrs[u]:
            v = int(v)
            if v not in seen and assign[v] == a:
                if v in want:
                    want.discard(v)
                    if not want:
                        return True
                seen.add(v)
                queue.append(v)
    return not want


def _violation(c: np.ndarray, lower: float, upper: float) -> np.ndarray:
    return np.maximum(0.0, c - upper) + np.maximum(0.0, lower - c)


def local_search(units: PatchUnits, assign: np.ndarray, *, n_patches: int, lower: float, upper: float,
                 frozen: np.ndarray | None = None, locked_patches: Iterable[int] = (), compactness: float = 0.3,
                 time_limit_s: float = 5.0) -> np.ndarray:
    """Improve a contiguous assignment by single boundary moves that keep every patch contiguous and
    non-empty (see the module notes). `frozen` LSOAs never move; `locked_patches` neither give nor take."""
    t_end = time.perf_counter() + time_limit_s
    assign = assign.copy()
    n = units.n
    cl = units.caseload
    frozen = np.zeros(n, dtype=bool) if frozen is None else frozen.copy()
    locked = np.zeros(n_patches, dtype=bool)
    locked[list(locked_patches)] = True
    frozen |= locked[assign]
    nbrs = units.neighbours()
    free_patch = ~locked
    C = np.bincount(assign, weights=cl, minlength=n_patches)
    count = np.bincount(assign, minlength=n_patches)
    mean = float(C[free_patch].sum() / max(1, free_patch.sum())) or 1.0
    # compactness: caseload-weighted (plus a floor so empty LSOAs still count) distance to patch centre
    w = cl + 0.1 * (cl.mean() if cl.mean() > 0 else 1.0)
    scale = math.sqrt(max(1.0, float(np.ptp(units.xy[:, 0]) * np.ptp(units.xy[:, 1])) / max(1, n_patches)))
    kappa = compactness * n_patches / (float(w.sum()) * scale)
    big = 1e3 / mean

    def viol(x: float) -> float:
        return (x - upper if x > upper else 0.0) + (lower - x if x < lower else 0.0)

    def centres() -> np.ndarray:
        sw = np.bincount(assign, weights=w, minlength=n_patches)
        cx = np.bincount(assign, weights=w * units.xy[:, 0], minlength=n_patches) / np.maximum(sw, 1e-12)
        cy = np.bincount(assign, weights=w * units.xy[:, 1], minlength=n_patches) / np.maximum(sw, 1e-12)
        return np.column_stack([cx, cy])

    for _sweep in range(200):
        cen = centres()
        moved = 0
        boundary = [i for i in range(n) if not frozen[i] and any(assign[j] != assign[i] for j in nbrs[i])]
        # worst patches first: LSOAs of over- or under-full patches get the first look
        dev = np.abs(C - mean)
        boundary.sort(key=lambda i: (-dev[assign[i]], i))
        for i in boundary:
            if time.perf_counter() > t_end:
                return assign
            a = int(assign[i])
            if count[a] <= 1:
                continue
            c = cl[i]
            best_b, best_delta = -1, -1e-12
            di_a = math.hypot(*(units.xy[i] - cen[a]))
            for b in {int(assign[j]) for j in nbrs[i]}:
                if b == a or locked[b]:
                    continue
                ca, cb = float(C[a]), float(C[b])
                dv = viol(ca - c) + viol(cb + c) - viol(ca) - viol(cb)
                di = ((ca - c - mean) ** 2 + (cb + c - mean) ** 2 - (ca - mean) ** 2 - (cb - mean) ** 2) / mean ** 2
                dk = kappa * w[i] * (math.hypot(*(units.xy[i] - cen[b])) - di_a)
                delta = big * dv + di + dk
                if delta < best_delta:
                    best_b, best_delta = b, delta
            if best_b < 0 or not _connected_without(i, nbrs, assign, a):
                continue
            assign[i] = best_b
            C[a] -= c
            C[best_b] += c
            count[a] -= 1
            count[best_b] += 1
            moved += 1
        if moved == 0:
            break
    return assign


@dataclass(frozen=True)
class PatchPlan:
    """A partition: `assignment` maps every LSOA code to a patch label; `labels` in order."""

    assignment: dict[str, str]
    labels: tuple[str, ...]
    lower: float
    upper: float
    locked: tuple[str, ...] = ()
    pinned: tuple[str, ...] = ()
    settings: CaseloadSettings = CaseloadSettings()
    method: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()


def _to_index(units: PatchUnits, plan_assignment: Mapping[str, str], labels: Sequence[str]) -> np.ndarray:
    li = {l: k for k, l in enumerate(labels)}
    missing = [c for c in units.codes if c not in plan_assignment]
    unknown = sorted({plan_assignment[c] for c in units.codes if c in plan_assignment} - set(li))
    if missing or unknown:
        raise DataError(Problem("patch plan", (f"{len(missing)} LSOAs ({', '.join(missing[:5])}) are in no patch. "
                                               if missing else "") +
                                (f"unknown patches {', '.join(unknown)}." if unknown else ""),
                                fix="Reopen the plan with the workspace it was made for, or plan afresh."))
    return np.array([li[plan_assignment[c]] for c in units.codes], dtype="int64")


def plan_patches(units: PatchUnits, *, n_patches: int, lower: float, upper: float,
                 locked: Mapping[str, Sequence[str]] | None = None, settings: CaseloadSettings = CaseloadSettings(),
                 seed: int = 0, tries: int = 6, restarts: int = 3, time_limit_s: float = 8.0,
                 compactness: float = 0.3) -> PatchPlan:
    """N contiguous patches of whole LSOAs with caseload in [lower, upper] (see the module notes).

    `locked` maps patch labels (from a previous plan) to their LSOA codes; they are kept as they are and
    the other patches are planned around them. Raises DataError with the numbers when the bounds cannot
    be met."""
    t0 = time.perf_counter()
    locked = dict(locked or {})
    alloc = check_feasible(units, n_patches=n_patches, lower=lower, upper=upper, locked=locked)
    labels = list(locked) + [l for l in patch_labels(n_patches + len(locked)) if l not in locked][:n_patches - len(locked)]
    pos = {c: i for i, c in enumerate(units.codes)}
    assign = np.full(units.n, -1, dtype="int64")
    for k, (label, codes) in enumerate(locked.items()):
        assign[[pos[c] for c in codes if c in pos]] = k
    free = np.flatnonzero(assign < 0)
    sub = units.adjacency[free][:, free]
    _, comp = connected_components(sub, directed=False)
    best: tuple[float, float, np.ndarray] | None = None
    deadline = t0 + time_limit_s
    for attempt in range(max(1, restarts)):
        rng = np.random.default_rng(seed + 7919 * attempt)
        trial = assign.copy()
        nxt = len(locked)
        for g, p in sorted(alloc.items()):
            nodes = free[comp == g]
            for part in _bisect(nodes, p, units, lower, upper, rng, tries):
                trial[part] = nxt
                nxt += 1
        left = max(0.5, deadline - time.perf_counter())
        trial = local_search(units, trial, n_patches=n_patches, lower=lower, upper=upper,
                             locked_patches=range(len(locked)), compactness=compactness, time_limit_s=left)
        C = np.bincount(trial, weights=units.caseload, minlength=n_patches)[len(locked):]
        viol = float(_violation(C, lower, upper).sum())
        spread = float(np.abs(C - C.mean()).max()) if C.size else 0.0
        if best is None or (viol, spread) < best[:2]:
            best = (viol, spread, trial)
        if viol == 0 or time.perf_counter() > deadline:
            break
    assert best is not None
    notes = list(units.notes)
    if best[0] > 0:
        notes.append("Some patches could not be brought within the bounds (the area's shape leaves no contiguous "
                     "way found): see the patches marked outside the bounds, or widen the bounds.")
    final = best[2]
    return PatchPlan(assignment={str(c): labels[int(k)] for c, k in zip(units.codes, final)}, labels=tuple(labels),
                     lower=float(lower), upper=float(upper), locked=tuple(locked), settings=settings,
                     method="spanning-tree bisection + local search", seconds=time.perf_counter() - t0,
                     notes=tuple(notes))


def rebalance(units: PatchUnits, plan: PatchPlan, *, time_limit_s: float = 5.0, compactness: float = 0.3) -> PatchPlan:
    """Local search from the plan as it stands: locked patches and pinned (hand-moved) LSOAs stay put."""
    t0 = time.perf_counter()
    labels = list(plan.labels)
    assign = _to_index(units, plan.assignment, labels)
    pinned = np.isin(units.codes, list(plan.pinned))
    locked = [labels.index(l) for l in plan.locked if l in labels]
    out = local_search(units, assign, n_patches=len(labels), lower=plan.lower, upper=plan.upper, frozen=pinned,
                       locked_patches=locked, compactness=compactness, time_limit_s=time_limit_s)
    return replace(plan, assignment={str(c): labels[int(k)] for c, k in zip(units.codes, out)},
                   method="rebalanced by local search", seconds=time.perf_counter() - t0)


def move_lsoa(plan: PatchPlan, code: str, to: str) -> PatchPlan:
    """Move one LSOA to another patch by hand (it is then pinned there). Contiguity is checked by
    `patch_pieces`, not refused here: the page warns when a patch falls into pieces."""
    if code not in plan.assignment:
        raise DataError(Problem("move", f"LSOA {code} is not in this plan."))
    if to not in plan.labels:
        raise DataError(Problem("move", f"there is no patch called {to!r}."))
    src = plan.assignment[code]
    for label in (src, to):
        if label in plan.locked:
            raise DataError(Problem("move", f"{label} is locked.", fix=f"Unlock {label} to change it."))
    if src == to:
        return plan
    if sum(1 for v in plan.assignment.values() if v == src) <= 1:
        raise DataError(Problem("move", f"{code} is the last LSOA of {src}; a patch cannot be empty."))
    assignment = dict(plan.assignment)
    assignment[code] = to
    pinned = tuple(sorted(set(plan.pinned) | {code}))
    return replace(plan, assignment=assignment, pinned=pinned, method=plan.method.split(" (")[0] + " (edited by hand)")


def set_locked(plan: PatchPlan, labels: Iterable[str]) -> PatchPlan:
    return replace(plan, locked=tuple(l for l in plan.labels if l in set(labels)))


def patch_pieces(units: PatchUnits, plan: PatchPlan) -> dict[str, int]:
    """Number of connected pieces of every patch (1 = contiguous)."""
    assign = _to_index(units, plan.assignment, plan.labels)
    out = {}
    for k, label in enumerate(plan.labels):
        idx = np.flatnonzero(assign == k)
        if idx.size == 0:
            out[label] = 0
            continue
        n_comp, _ = connected_components(units.adjacency[idx][:, idx], directed=False)
        out[label] = int(n_comp)
    return out


# --------------------------------------------------------------------------------------------------
# Bases, trips and the patch table


def _minutes_from(graph: RoadGraph | None, src_xy: np.ndarray, dst_xy: np.ndarray, *, detour_factor: float,
                  walk_m_per_min: float) -> tuple[np.ndarray, np.ndarray]:
    """(k × n) minutes from each source to each destination, and an estimate mask (straight lines)."""
    straight = detour_factor * np.hypot(src_xy[:, None, 0] - dst_xy[None, :, 0],
                                        src_xy[:, None, 1] - dst_xy[None, :, 1]) / walk_m_per_min
    if graph is None or graph.empty or len(src_xy) == 0:
        return straight, np.ones(straight.shape, dtype=bool)
    s = snap_points(graph, src_xy)
    d = snap_points(graph, dst_xy)
    n = graph.n_nodes
    ok = np.flatnonzero(s.placed)
    out = straight.copy()
    est = np.ones(straight.shape, dtype=bool)
    if ok.size == 0:
        return out, est
    e = s.edge[ok]
    k = ok.size
    aug = with_sources(graph.matrix, np.r_[np.arange(k), np.arange(k)], np.r_[graph.edge_u[e], graph.edge_v[e]],
                       np.r_[s.offset_m[ok] + s.along_m[ok], s.offset_m[ok] + graph.edge_length_m[e] - s.along_m[ok]], k)
    dist = np.asarray(dijkstra(aug, directed=True, indices=np.arange(n, n + k)))[:, :n]
    dp = np.flatnonzero(d.placed)
    de = d.edge[dp]
    val = np.minimum(dist[:, graph.edge_u[de]] + d.along_m[dp][None, :],
                     dist[:, graph.edge_v[de]] + (graph.edge_length_m[de] - d.along_m[dp])[None, :]) + d.offset_m[dp][None, :]
    same = e[:, None] == de[None, :]
    if same.any():
        si, di = np.nonzero(same)
        direct = s.offset_m[ok][si] + d.offset_m[dp][di] + np.abs(s.along_m[ok][si] - d.along_m[dp][di])
        val[si, di] = np.minimum(val[si, di], direct)
    fin = np.isfinite(val)
    block = out[np.ix_(ok, dp)]
    block[fin] = val[fin] / walk_m_per_min
    out[np.ix_(ok, dp)] = block
    eb = est[np.ix_(ok, dp)]
    eb[fin] = False
    est[np.ix_(ok, dp)] = eb
    return out, est


def patch_bases(units: PatchUnits, plan: PatchPlan, venues: gpd.GeoDataFrame | None, lsoas: gpd.GeoDataFrame
                ) -> pd.DataFrame:
    """Each patch's worker base: the venue inside the patch with the least caseload-weighted straight-line
    distance to the patch's LSOAs, else the patch's most central LSOA point. Columns: patch, base,
    base_kind, venue_id, x, y."""
    assign = _to_index(units, plan.assignment, plan.labels)
    w = units.caseload + 0.1 * max(float(units.caseload.mean()), 1e-9)
    vpatch = np.full(0, -1)
    if venues is not None and len(venues):
        from geo.analyse.gaps import area_of_points

        usable = venues
        if "closed" in venues.columns:
            usable = venues[~venues["closed"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
        vcode = area_of_points(usable, lsoas, code_col="lsoa_code")
        pos = {c: i for i, c in enumerate(units.codes)}
        vpatch = np.array([assign[pos[str(c)]] if pd.notna(c) and str(c) in pos else -1 for c in vcode])
        vxy = geometry_xy(usable) if len(usable) else np.zeros((0, 2))
    rows = []
    for k, label in enumerate(plan.labels):
        idx = np.flatnonzero(assign == k)
        if idx.size == 0:
            rows.append({"patch": label, "base": "(empty)", "base_kind": "", "venue_id": None, "x": np.nan, "y": np.nan})
            continue
        pts = units.xy[idx]
        here = np.flatnonzero(vpatch == k) if vpatch.size else np.zeros(0, dtype=int)
        if here.size:
            cost = (np.hypot(vxy[here, None, 0] - pts[None, :, 0], vxy[here, None, 1] - pts[None, :, 1]) * w[idx]).sum(1)
            j = here[int(np.argmin(cost))]
            v = usable.iloc[j]
            rows.append({"patch": label, "base": str(v["name"]), "base_kind": str(v["kind"]),
                         "venue_id": str(v["venue_id"]), "x": vxy[j, 0], "y": vxy[j, 1]})
        else:
            cost = (np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1]) * w[idx]).sum(1)
            j = idx[int(np.argmin(cost))]
            rows.append({"patch": label, "base": f"centre of {units.codes[j]} (no venue in the patch)",
                         "base_kind": "", "venue_id": None, "x": units.xy[j, 0], "y": units.xy[j, 1]})
    return pd.DataFrame(rows)


def patch_table(units: PatchUnits, plan: PatchPlan, *, lsoas: gpd.GeoDataFrame, venues: gpd.GeoDataFrame | None = None,
                roads: gpd.GeoDataFrame | None = None, graph: RoadGraph | None = None,
                road_keys: pd.Series | None = None, index: str = "imd", detour_factor: float = DETOUR_FACTOR,
                walk_m_per_min: float = WALK_M_PER_MIN) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per patch: lsoas, caseload, workers (caseload ÷ caseload a worker), within_bounds, need, working_age,
    roads (named roads, by segment midpoint), venues, base, longest_trip_min, mean_trip_min, estimate,
    pieces, locked. Also per LSOA: lsoa_code, patch, caseload, trip_min, estimate."""
    assign = _to_index(units, plan.assignment, plan.labels)
    labels = list(plan.labels)
    P = len(labels)
    cl = units.caseload
    need = need_table(lsoas, index=index)
    npos = pd.Series(np.arange(len(need)), index=need["lsoa_code"].astype(str))
    ni = npos.reindex(units.codes).to_numpy()
    nd = need["need"].to_numpy(dtype="float64")[ni]
    wa = need["working_age"].to_numpy(dtype="float64")[ni]
    bases = patch_bases(units, plan, venues, lsoas)
    if graph is None and roads is not None and len(roads):
        graph = build_graph(roads)
    bxy = bases[["x", "y"]].to_numpy(dtype="float64")
    minutes, est = _minutes_from(graph, bxy, units.xy, detour_factor=detour_factor, walk_m_per_min=walk_m_per_min)
    trip = minutes[assign, np.arange(units.n)]
    trip_est = est[assign, np.arange(units.n)]
    n_roads = np.zeros(P, dtype="int64")
    have_roads = roads is not None and len(roads) > 0 and road_keys is not None
    if have_roads:
        from geo.analyse.gaps import area_of_points

        mids = shapely.line_interpolate_point(np.asarray(roads.geometry.values), 0.5, normalized=True)
        code = area_of_points(mids, lsoas, code_col="lsoa_code")
        pos = pd.Series(np.arange(units.n), index=units.codes)
        seg_patch = code.map(lambda c: assign[pos[str(c)]] if pd.notna(c) and str(c) in pos.index else -1)
        frame = pd.DataFrame({"key": np.asarray(road_keys, dtype=object), "patch": seg_patch.to_numpy()})
        frame = frame[frame["key"].notna() & (frame["patch"] >= 0)].drop_duplicates()
        n_roads = np.bincount(frame["patch"].to_numpy(dtype="int64"), minlength=P)
    n_venues = np.zeros(P, dtype="int64")
    if venues is not None and len(venues):
        from geo.analyse.gaps import area_of_points

        vcode = area_of_points(venues, lsoas, code_col="lsoa_code")
        pos = {c: i for i, c in enumerate(units.codes)}
        vp = np.array([assign[pos[str(c)]] for c in vcode if pd.notna(c) and str(c) in pos], dtype="int64")
        n_venues = np.bincount(vp, minlength=P)
    pieces = patch_pieces(units, plan)
    C = np.bincount(assign, weights=cl, minlength=P)
    per_worker = plan.settings.caseload
    rows = []
    for k, label in enumerate(labels):
        m = assign == k
        rows.append({"patch": label, "lsoas": int(m.sum()), "caseload": float(C[k]),
                     "workers": float(C[k] / per_worker),
                     "within_bounds": bool(plan.lower - 1e-9 <= C[k] <= plan.upper + 1e-9),
                     "need": float(nd[m].sum()), "working_age": float(wa[m].sum()),
                     "roads": int(n_roads[k]) if have_roads else pd.NA,
                     "venues": int(n_venues[k]), "base": bases["base"].iloc[k],
                     "base_venue_id": bases["venue_id"].iloc[k], "base_x": float(bases["x"].iloc[k]),
                     "base_y": float(bases["y"].iloc[k]),
                     "longest_trip_min": float(trip[m].max()) if m.any() else np.nan,
                     "mean_trip_min": float(np.average(trip[m], weights=cl[m] + 1e-9)) if m.any() else np.nan,
                     "estimate": bool(trip_est[m].any()), "pieces": pieces[label], "locked": label in plan.locked})
    table = pd.DataFrame(rows)
    table["roads"] = table["roads"].astype("Int64")  # unknown (no road network) rather than 0
    mean = float(C.mean()) if P else 0.0
    table["vs_mean"] = (table["caseload"] / mean - 1.0) if mean > 0 else np.nan
    per_lsoa = pd.DataFrame({"lsoa_code": units.codes, "patch": [labels[k] for k in assign], "caseload": cl,
                             "need": nd, "trip_min": trip, "estimate": trip_est,
                             "pinned": np.isin(units.codes, list(plan.pinned))})
    return table, per_lsoa


def balance_summary(table: pd.DataFrame) -> dict[str, float]:
    """Largest deviation from the mean caseload (share), the min and max caseload, and patches outside the bounds."""
    c = table["caseload"].to_numpy(dtype="float64")
    mean = float(c.mean()) if c.size else 0.0
    return {"mean": mean, "min": float(c.min()) if c.size else 0.0, "max": float(c.max()) if c.size else 0.0,
            "max_dev": float(np.abs(c / mean - 1).max()) if mean > 0 else 0.0,
            "outside": int((~table["within_bounds"]).sum()), "not_contiguous": int((table["pieces"] > 1).sum())}


# --------------------------------------------------------------------------------------------------
# Saving and exporting


def plan_payload(plan: PatchPlan) -> dict[str, Any]:
    return {"assignment": dict(plan.assignment), "labels": list(plan.labels), "lower": plan.lower, "upper": plan.upper,
            "locked": list(plan.locked), "pinned": list(plan.pinned), "settings": plan.settings.to_dict(),
            "method": plan.method, "notes": list(plan.notes)}


def plan_from_payload(payload: Mapping[str, Any]) -> PatchPlan:
    return PatchPlan(assignment={str(k): str(v) for k, v in dict(payload.get("assignment", {})).items()},
                     labels=tuple(payload.get("labels", ())), lower=float(payload.get("lower", 0.0)),
                     upper=float(payload.get("upper", 0.0)), locked=tuple(payload.get("locked", ())),
                     pinned=tuple(payload.get("pinned", ())),
                     settings=CaseloadSettings.from_dict(payload.get("settings", {})),
                     method=str(payload.get("method", "saved")), notes=tuple(payload.get("notes", ())))


def plan_meta(plan: PatchPlan, table: pd.DataFrame) -> dict[str, Any]:
    b = balance_summary(table)
    return {"patches": len(plan.labels), "lower": plan.lower, "upper": plan.upper,
            "max_dev": round(b["max_dev"], 4), "outside": b["outside"]}


def plan_frames(plan: PatchPlan, table: pd.DataFrame, per_lsoa: pd.DataFrame, lsoas: gpd.GeoDataFrame, *,
                observed: bool, title: str = "Patch plan", attribution: str = "") -> dict[str, pd.DataFrame]:
    """Export layers (EPSG:27700): patches (one polygon each, with the table), patch_lsoas, about.
    Observed caseloads rest on counts of people: exported rounded, and LSOA figures below 5 as '<5'."""
    geo = lsoas[["lsoa_code", "geometry"]].copy()
    geo["lsoa_code"] = geo["lsoa_code"].astype(str)
    pl = per_lsoa.copy()
    pl["lsoa_code"] = pl["lsoa_code"].astype(str)
    if observed:
        pl["caseload"] = [caseload_text(v, observed=True) for v in pl["caseload"]]
    else:
        pl["caseload"] = pl["caseload"].round(2)
    pl["trip_min"] = pl["trip_min"].round(1)
    pl["need"] = pl["need"].round(1)
    areas = gpd.GeoDataFrame(pl.merge(geo, on="lsoa_code", how="left"), geometry="geometry", crs=lsoas.crs)
    polys = []
    for label, part in areas.groupby("patch", sort=False):
        polys.append(shapely.union_all(shapely.make_valid(np.asarray(part.geometry.values))))
    order = list(areas.groupby("patch", sort=False).groups)
    t = table.set_index("patch").loc[order].reset_index()
    t = t.round({"caseload": 2, "workers": 2, "need": 1, "working_age": 0, "longest_trip_min": 1,
                 "mean_trip_min": 1, "vs_mean": 4})
    if observed:
        t = _suppress_observed(t)
    patches_gdf = gpd.GeoDataFrame(t, geometry=polys, crs=lsoas.crs)
    s = plan.settings
    about = pd.DataFrame([
        ("title", title), ("kind", "patch plan"), ("patches", str(len(plan.labels))),
        ("caseload bounds", f"{plan.lower:g}–{plan.upper:g} participants at once a patch"),
        ("caseload a worker", f"{s.caseload:g}"), ("months on the programme", f"{s.months_on_programme:g}"),
        ("caseload basis", "observed enrolments" if observed else "estimated from need (assumption)"),
        ("locked patches", ", ".join(plan.locked)), ("LSOAs moved by hand", ", ".join(plan.pinned)),
        ("method", plan.method), ("notes", " ".join(plan.notes)), ("attribution", attribution)],
        columns=["key", "value"])
    return {"patches": patches_gdf, "patch_lsoas": areas, "about": about}


def _suppress_observed(t: pd.DataFrame) -> pd.DataFrame:
    """Observed caseloads rest on counts of people: whole numbers, '<5' for small ones, and no figure
    that would give a small one away (workers, share of the mean)."""
    out = t.copy()
    small = out["caseload"].to_numpy(dtype="float64") < 4.5
    out["caseload"] = [caseload_text(v, observed=True) for v in out["caseload"]]
    for col in ("workers", "vs_mean"):
        if col in out.columns:
            out[col] = out[col].where(~small)
    return out


def patch_csv_bytes(table: pd.DataFrame, *, observed: bool, attribution: str = "") -> bytes:
    t = table.drop(columns=["base_x", "base_y"], errors="ignore")
    t = t.round({"caseload": 1, "workers": 2, "need": 0, "working_age": 0,
                 "longest_trip_min": 1, "mean_trip_min": 1, "vs_mean": 3})
    if observed:
        t = _suppress_observed(t)
    note = ("Patchwork patch plan. Caseload = participants active at once (enrolments per month × months on the "
            "programme). " + ("Trips are straight-line estimates. " if t["estimate"].any() else "") + attribution)
    return table_to_csv_bytes(t, note=note)


def export_gpkg(frames: Mapping[str, pd.DataFrame]) -> bytes:
    return plan_to_gpkg_bytes(frames)


# --------------------------------------------------------------------------------------------------
# Map (inputs web-ready: WGS84, simplified)


def patch_map(plan: PatchPlan, table: pd.DataFrame, per_lsoa: pd.DataFrame, *,
              lsoas_web: gpd.GeoDataFrame, wards_web: gpd.GeoDataFrame, adjacency: sp.csr_matrix,
              observed: bool, options: Any, bounds: tuple[float, float, float, float] | None = None) -> Any:
    """LSOAs coloured by patch (touching patches differ), patch outlines (dashed when locked, red when
    outside the bounds), LSOAs moved by hand outlined, and each worker's base as a numbered marker."""
    import folium

    from geo.plan.hubs import finish_map, marker_html, outlines, plan_base_map
    from geo.out.mapview import FastGeoJson, round_coords, tooltip_html

    pl = per_lsoa.set_index(per_lsoa["lsoa_code"].astype(str))
    web = lsoas_web.copy()
    web["lsoa_code"] = web["lsoa_code"].astype(str)
    web = web[web["lsoa_code"].isin(pl.index)]
    row = pl.loc[web["lsoa_code"]]
    colours = colour_groups(per_lsoa["patch"].tolist(), adjacency)
    names = (web["lsoa_name"].fillna(web["lsoa_code"]) if "lsoa_name" in web.columns else web["lsoa_code"]).to_numpy()
    est = " (estimate)" if row["estimate"].any() else ""
    tips = [tooltip_html(("LSOA", n), ("Patch", p), ("Expected caseload", caseload_text(c, observed=observed)),
                 ("From the base", f"{t:.0f} min walk{est}"), *([("", "moved by hand")] if pin else []))
            for n, p, c, t, pin in zip(names, row["patch"], row["caseload"], row["trip_min"], row["pinned"])]
    keys = [f"{colours.get(str(p), 0)}{'p' if pin else ''}" for p, pin in zip(row["patch"], row["pinned"])]
    frame = web.assign(k=keys, tip=tips, patch=row["patch"].to_numpy())
    styles: dict[str, dict[str, object]] = {}
    for i, c in enumerate(CATEGORY_COLOURS):
        styles[str(i)] = {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.55}
        styles[f"{i}p"] = {"color": "#0b0c0c", "weight": 2.2, "fillColor": c, "fillOpacity": 0.75, "dashArray": "2 3"}
    styles[""] = styles["0"]
    m = plan_base_map(wards_web, options=options, bounds=bounds)
    group = folium.FeatureGroup(name="Patches").add_to(m)
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by patch").add_to(group)
    info = table.set_index("patch")
    out = outlines(frame, "patch")
    out["k"] = ["locked" if info.loc[p, "locked"] else ("out" if not info.loc[p, "within_bounds"] else "")
                for p in out["patch"]]
    FastGeoJson(out, interactive=False, name="Patch outlines", styles={
        "": {"color": "#0b0c0c", "weight": 2.6, "fill": False, "opacity": 0.95},
        "locked": {"color": "#0b0c0c", "weight": 4.0, "fill": False, "opacity": 0.95, "dashArray": "8 5"},
        "out": {"color": "#c1121f", "weight": 3.2, "fill": False, "opacity": 0.95}}).add_to(group)
    b = table.dropna(subset=["base_x", "base_y"])
    if len(b):
        pts = gpd.GeoSeries(gpd.points_from_xy(b["base_x"], b["base_y"]), crs=27700).to_crs(4326)
        labels = [f"P{plan.labels.index(p) + 1}" for p in b["patch"]]
        markers = gpd.GeoDataFrame({
            "k": "", "html": [marker_html(lab, CATEGORY_COLOURS[colours.get(str(p), 0)], size=26)
                              for lab, p in zip(labels, b["patch"])],
            "tip": [tooltip_html((p, "worker's base"), ("Base", base),
                         ("Caseload", caseload_text(info.loc[p, "caseload"], observed=observed)),
                         ("Longest trip", f"{info.loc[p, 'longest_trip_min']:.0f} min walk{est}"))
                    for p, base in zip(b["patch"], b["base"])]},
            geometry=round_coords(np.asarray(pts.values)), crs=4326)
        FastGeoJson(markers, styles={"": {}}, point="div", div_class="pw-site-icon", div_size=(28, 28),
                    div_anchor=(0, 0), name="Worker bases").add_to(m)
    finish_map(m, wards_web, options=options)
    return m
