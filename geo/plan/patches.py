"""Worker patches: contiguous groups of whole LSOAs, balanced on expected caseload within hard bounds,
compact around the worker's base.

The planner works on `PatchUnits` (`geo.plan.patch_units`: LSOAs, expected caseload from
`geo.plan.caseload`, population-weighted points, rook or queen adjacency) and returns a `PatchPlan`
(`geo.plan.patch_plan`). The table of a plan is `geo.plan.patch_table`; its map and exports are in
`geo.out.plan_layers` and `geo.out.plan_tables`.

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

Compactness uses straight lines between population-weighted points.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, depth_first_order, minimum_spanning_tree

from geo.assumptions import CaseloadSettings
from geo.model import DataError, Problem
from geo.plan.patch_plan import PatchPlan, assignment_index, patch_labels
from geo.plan.patch_units import PatchUnits


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


def plan_patches(units: PatchUnits, *, n_patches: int, lower: float, upper: float,
                 locked: Mapping[str, Sequence[str]] | None = None, settings: CaseloadSettings | None = None,
                 seed: int = 0, tries: int = 6, restarts: int = 3, time_limit_s: float = 8.0,
                 compactness: float = 0.3) -> PatchPlan:
    """N contiguous patches of whole LSOAs with caseload in [lower, upper] (see the module notes).

    `locked` maps patch labels (from a previous plan) to their LSOA codes; they are kept as they are and
    the other patches are planned around them. Raises DataError with the numbers when the bounds cannot
    be met."""
    t0 = time.perf_counter()
    locked = dict(locked or {})
    alloc = check_feasible(units, n_patches=n_patches, lower=lower, upper=upper, locked=locked)
    fresh = [label for label in patch_labels(n_patches + len(locked)) if label not in locked]
    labels = list(locked) + fresh[:n_patches - len(locked)]
    pos = {c: i for i, c in enumerate(units.codes)}
    assign = np.full(units.n, -1, dtype="int64")
    for k, codes in enumerate(locked.values()):
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
                     lower=float(lower), upper=float(upper), locked=tuple(locked),
                     settings=settings if settings is not None else CaseloadSettings(),
                     method="spanning-tree bisection + local search", seconds=time.perf_counter() - t0,
                     notes=tuple(notes))


def rebalance(units: PatchUnits, plan: PatchPlan, *, time_limit_s: float = 5.0, compactness: float = 0.3) -> PatchPlan:
    """Local search from the plan as it stands: locked patches and pinned (hand-moved) LSOAs stay put."""
    t0 = time.perf_counter()
    labels = list(plan.labels)
    assign = assignment_index(units, plan.assignment, labels)
    pinned = np.isin(units.codes, list(plan.pinned))
    locked = [labels.index(label) for label in plan.locked if label in labels]
    out = local_search(units, assign, n_patches=len(labels), lower=plan.lower, upper=plan.upper, frozen=pinned,
                       locked_patches=locked, compactness=compactness, time_limit_s=time_limit_s)
    return replace(plan, assignment={str(c): labels[int(k)] for c, k in zip(units.codes, out, strict=True)},
                   method="rebalanced by local search", seconds=time.perf_counter() - t0)
