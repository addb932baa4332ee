"""Suggest lots: k compact, contiguous, high-need clusters, or an area divided into k lots.

Both are fast greedy region-growing heuristics with a local search after, written for the
interactive path (spopt's MaxP takes seconds to minutes on 200 polygons):

- `suggest_clusters`: the way Connecting Communities chose nine neighbourhoods. Seeds are the
  highest-need units (need = estimated workless residents / working-age residents); each grows by
  adding the adjacent unit that best trades need against distance from the cluster's centre until the
  cluster reaches the minimum viable value. A local search then swaps or drops boundary units while
  this raises the cluster's need and keeps it contiguous and above the minimum value.
- `divide_area`: every unit of a chosen area goes to one of k lots. Seeds are spread out (farthest
  point first); lots grow in turn (the smallest first), then boundary units move between neighbouring
  lots while that lifts lots below the minimum value and balances values, keeping each lot contiguous.

Every lot returned is contiguous (over the units' adjacency), the lots are disjoint, and a lot below
the minimum value is never returned by `suggest_clusters`; `divide_area` says in `notes` when a lot
could not reach it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo.analyse.adjacency import Adjacency
from geo.assumptions import LotValueModel
from geo.model import DataError, Problem
from geo.plan.lots.units import LotUnits
from geo.plan.lots.value import value_for_advisors, value_model


@dataclass(frozen=True)
class Suggestion:
    lots: dict[str, tuple[str, ...]]
    notes: tuple[str, ...] = ()


def _connected(members: set[int], nbrs: Sequence[np.ndarray]) -> bool:
    if len(members) <= 1:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in nbrs[u]:
            v = int(v)
            if v in members and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(members)


def _check(k: int, min_value_gbp: float, n: int) -> None:
    problems = []
    if int(k) != k or k < 1:
        problems.append(Problem("suggest lots", f"the number of lots must be a whole number of at least 1, got {k}.",
                                fix="Choose how many lots you want."))
    if not np.isfinite(min_value_gbp) or min_value_gbp < 0:
        problems.append(Problem("suggest lots", f"the minimum lot value cannot be negative, got {min_value_gbp}.",
                                fix="Enter 0 or more."))
    if n == 0:
        problems.append(Problem("suggest lots", "there are no units to choose from.",
                                fix="Pick an area with wards or LSOAs, or unmark served areas."))
    if problems:
        raise DataError(problems)


def _mask(adj: Adjacency, within: Iterable[str] | None, exclude: Iterable[str]) -> np.ndarray:
    pos = adj.position
    allowed = np.ones(len(adj.codes), dtype=bool) if within is None else np.zeros(len(adj.codes), dtype=bool)
    if within is not None:
        allowed[[pos[c] for c in within if c in pos]] = True
    ex = [pos[c] for c in exclude if c in pos]
    allowed[ex] = False
    return allowed


def suggest_clusters(adj: Adjacency, *, need: np.ndarray, weight: np.ndarray, value: np.ndarray, xy: np.ndarray,
                     k: int, min_value_gbp: float, within: Iterable[str] | None = None,
                     exclude: Iterable[str] = (), compactness: float = 0.5, max_rounds: int = 30) -> Suggestion:
    """Up to `k` disjoint, contiguous, compact, high-need clusters each worth at least `min_value_gbp`.

    `need` is a per-unit intensity (higher = more need), `weight` its denominator (e.g. working-age
    residents) for a cluster's weighted mean, `value` the per-unit contribution to lot value (additive),
    `xy` unit centres in metres. `within` limits the search to some units; `exclude` removes units
    (e.g. areas served by another programme). Fewer than k clusters come back (with a note) when the
    remaining units cannot make another cluster of the minimum value.
    """
    n = len(adj.codes)
    need = np.asarray(need, dtype="float64")
    weight = np.asarray(weight, dtype="float64")
    value = np.asarray(value, dtype="float64")
    xy = np.asarray(xy, dtype="float64").reshape(n, 2)
    allowed = _mask(adj, within, exclude) & np.isfinite(need) & (value >= 0)
    _check(k, min_value_gbp, int(allowed.sum()))
    nbrs = adj.lists()
    z = np.zeros(n)
    if allowed.any():
        mu, sd = float(need[allowed].mean()), float(need[allowed].std()) or 1.0
        z = np.where(np.isfinite(need), (need - mu) / sd, 0.0)
    spacing = np.array([float(np.hypot(*(xy[i] - xy[nbrs[i]]).T).min()) if len(nbrs[i]) else np.nan
                        for i in range(n)])
    scale = float(np.nanmedian(spacing)) if np.isfinite(spacing).any() else 1.0
    used = np.zeros(n, dtype=bool)

    def centre(members: list[int]) -> np.ndarray:
        w = weight[members] + 1e-9
        return np.asarray((xy[members] * w[:, None]).sum(0) / w.sum(), dtype="float64")

    def objective(members: Sequence[int]) -> float:
        m = list(members)
        w = weight[m] + 1e-9
        c = (xy[m] * w[:, None]).sum(0) / w.sum()
        spread = float(np.sqrt((((xy[m] - c) ** 2).sum(1) * w).sum() / w.sum())) / scale
        return float((z[m] * w).sum() / w.sum()) - compactness * spread

    def grow(seed: int) -> list[int] | None:
        members, mset, val = [seed], {seed}, float(value[seed])
        frontier = {int(v) for v in nbrs[seed] if allowed[v] and not used[v]}
        while val < min_value_gbp:
            if not frontier:
                return None
            c = centre(members)
            best = max(sorted(frontier), key=lambda u: z[u] - compactness * float(np.hypot(*(xy[u] - c))) / scale)
            members.append(best)
            mset.add(best)
            val += float(value[best])
            frontier.discard(best)
            frontier.update(int(v) for v in nbrs[best] if allowed[v] and not used[v] and int(v) not in mset)
        return members

    def improve(members: list[int]) -> list[int]:
        current = list(members)
        for _ in range(max_rounds):
            mset = set(current)
            val = float(value[current].sum())
            best_gain = 1e-9
            best_move: tuple[int, int | None] | None = None
            base = objective(current)
            frontier = sorted({int(v) for u in current for v in nbrs[u]
                               if allowed[v] and not used[v] and int(v) not in mset})
            for u in sorted(current):
                rest = mset - {u}
                if not rest or not _connected(rest, nbrs):
                    continue
                # drop u
                if val - value[u] >= min_value_gbp:
                    gain = objective(sorted(rest)) - base
                    if gain > best_gain:
                        best_gain, best_move = gain, (u, None)
                # swap u for a free neighbour of the rest
                for v in frontier:
                    if val - value[u] + value[v] < min_value_gbp:
                        continue
                    if not any(int(x) in rest for x in nbrs[v]):
                        continue
                    gain = objective(sorted(rest | {v})) - base
                    if gain > best_gain:
                        best_gain, best_move = gain, (u, v)
            if best_move is None:
                break
            drop, add = best_move
            current = [x for x in current if x != drop] + ([add] if add is not None else [])
        return current

    clusters: list[list[int]] = []
    failed: set[int] = set()
    order = [int(i) for i in np.lexsort((np.arange(n), -z)) if allowed[i]]
    for strict in (True, False):
        for s in order:
            if len(clusters) >= k:
                break
            if used[s] or s in failed:
                continue
            if strict and any(used[v] for v in nbrs[s]):
                continue
            members = grow(s)
            if members is None:
                failed.add(s)
                continue
            members = improve(members)
            used[members] = True
            clusters.append(members)
    notes = []
    if len(clusters) < k:
        notes.append(f"Only {len(clusters)} of {k} lots could reach the minimum value of £{min_value_gbp:,.0f} "
                     "from contiguous units; lower the minimum or allow more units.")
    clusters.sort(key=lambda m: -objective(m))
    lots = {f"Lot {i + 1}": tuple(adj.codes[u] for u in sorted(m)) for i, m in enumerate(clusters)}
    return Suggestion(lots=lots, notes=tuple(notes))


def divide_area(adj: Adjacency, *, value: np.ndarray, xy: np.ndarray, k: int, min_value_gbp: float,
                within: Iterable[str] | None = None, exclude: Iterable[str] = (), compactness: float = 0.2,
                max_passes: int = 60) -> Suggestion:
    """All units of an area (`within`, less `exclude`) in `k` contiguous lots, balanced on value.

    Raises DataError when the area's total value cannot make k lots of the minimum value. Units not
    reachable from any lot over shared borders (islands) join the nearest lot, which is then noted as
    not contiguous.
    """
    n = len(adj.codes)
    value = np.asarray(value, dtype="float64")
    xy = np.asarray(xy, dtype="float64").reshape(n, 2)
    allowed = _mask(adj, within, exclude)
    idx = np.flatnonzero(allowed)
    _check(k, min_value_gbp, len(idx))
    total = float(value[idx].sum())
    if k > len(idx):
        raise DataError(Problem("divide area", f"the area has {len(idx)} units, fewer than the {k} lots asked for.",
                                fix="Choose fewer lots or a larger area."))
    if total < k * min_value_gbp:
        most = int(total // min_value_gbp) if min_value_gbp > 0 else k
        raise DataError(Problem("divide area", f"the area is worth £{total:,.0f} in all, not enough for {k} lots of at "
                                               f"least £{min_value_gbp:,.0f}.",
                                fix=f"Choose at most {most} lots, lower the minimum value, or enlarge the area."))
    nbrs = adj.lists()
    target = total / k
    spacing = np.array([float(np.hypot(*(xy[i] - xy[nbrs[i]]).T).min()) if len(nbrs[i]) else np.nan for i in idx])
    scale = float(np.nanmedian(spacing)) if np.isfinite(spacing).any() else 1.0

    # farthest-point seeds (deterministic)
    w = value[idx] + 1e-9
    c0 = (xy[idx] * w[:, None]).sum(0) / w.sum()
    seeds = [int(idx[np.argmax(np.hypot(*(xy[idx] - c0).T))])]
    mind = np.hypot(*(xy[idx] - xy[seeds[0]]).T)
    while len(seeds) < k:
        s = int(idx[np.argmax(mind)])
        seeds.append(s)
        mind = np.minimum(mind, np.hypot(*(xy[idx] - xy[s]).T))
    lot = np.full(n, -1)
    members: list[set[int]] = [{s} for s in seeds]
    for i, s in enumerate(seeds):
        lot[s] = i
    vals = np.array([value[s] for s in seeds], dtype="float64")

    def centre(i: int) -> np.ndarray:
        m = list(members[i])
        return np.asarray(xy[m].mean(0), dtype="float64")

    active = set(range(k))
    while active:
        i = min(active, key=lambda j: (vals[j], j))
        frontier = sorted({int(v) for u in members[i] for v in nbrs[u] if allowed[v] and lot[v] < 0})
        if not frontier:
            active.discard(i)
            continue
        c = centre(i)
        u = min(frontier, key=lambda v: (float(np.hypot(*(xy[v] - c))), v))
        lot[u] = i
        members[i].add(u)
        vals[i] += value[u]
    notes: list[str] = []
    stray = [int(u) for u in idx if lot[u] < 0]
    for u in stray:  # islands: nearest lot by centre
        i = int(np.argmin([np.hypot(*(xy[u] - centre(j))) for j in range(k)]))
        lot[u] = i
        members[i].add(u)
        vals[i] += value[u]

    def spread(i: int) -> float:
        m = list(members[i])
        c = xy[m].mean(0)
        return float((((xy[m] - c) ** 2).sum(1)).sum()) / (scale ** 2)

    def key(vs: np.ndarray, spreads: float) -> tuple[int, float, float]:
        short = np.maximum(min_value_gbp - vs, 0)
        return (int((short > 0).sum()), float(short.sum()),
                float((((vs - target) / target) ** 2).sum()) + compactness * spreads / max(len(idx), 1))

    spreads = [spread(i) for i in range(k)]
    current = key(vals, sum(spreads))
    for _ in range(max_passes):
        moved = False
        for u in sorted(int(x) for x in idx):
            a = int(lot[u])
            if len(members[a]) <= 1:
                continue
            targets = sorted({int(lot[v]) for v in nbrs[u] if allowed[v] and lot[v] >= 0 and lot[v] != a})
            if not targets:
                continue
            rest = members[a] - {u}
            if not _connected(rest, nbrs):
                continue
            best = None
            for b in targets:
                nv = vals.copy()
                nv[a] -= value[u]
                nv[b] += value[u]
                members[a].discard(u)
                members[b].add(u)
                sa, sb = spread(a), spread(b)
                members[b].discard(u)
                members[a].add(u)
                ns = sum(spreads) - spreads[a] - spreads[b] + sa + sb
                cand = key(nv, ns)
                if cand < current and (best is None or cand < best[0]):
                    best = (cand, b, nv, sa, sb)
            if best is not None:
                cand, b, nv, sa, sb = best
                members[a].discard(u)
                members[b].add(u)
                lot[u] = b
                vals = nv
                spreads[a], spreads[b] = sa, sb
                current = cand
                moved = True
        if not moved:
            break
    order = sorted(range(k), key=lambda i: (-vals[i], i))
    lots: dict[str, tuple[str, ...]] = {}
    for r, i in enumerate(order):
        name = f"Lot {r + 1}"
        lots[name] = tuple(adj.codes[u] for u in sorted(members[i]))
        if not _connected(members[i], nbrs):
            notes.append(f"{name} is not contiguous: part of the area has no shared border with the rest.")
        if vals[i] < min_value_gbp:
            notes.append(f"{name} is worth £{vals[i]:,.0f}, below the minimum of £{min_value_gbp:,.0f}.")
    return Suggestion(lots=lots, notes=tuple(notes))


def unit_inputs(lu: LotUnits, a: LotValueModel) -> dict[str, np.ndarray]:
    """Per-unit need (workless rate), weight (working age), value (£) and centre (m) for the heuristics."""
    needs = lu.needs.reindex(list(lu.codes))
    wa = needs["working_age"].to_numpy(dtype="float64")
    wl = needs["workless"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(wa > 0, wl / wa, np.nan)
    value = value_model(wl, a)["lot_value_gbp"].to_numpy()
    units = lu.units.set_index("code").reindex(list(lu.codes))
    pts = shapely.point_on_surface(units.geometry.values)
    xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
    return {"need": rate, "weight": wa, "value": value, "xy": xy}


def suggest_lots(lu: LotUnits, a: LotValueModel, *, k: int, mode: str = "clusters", within: Iterable[str] | None = None,
                 exclude: Iterable[str] = (), min_value_gbp: float | None = None) -> Suggestion:
    """Suggest lots over `lu` with the value model `a` (minimum value defaults to `a.min_value_gbp`).

    mode 'clusters': k compact, contiguous, high-need clusters; 'divide': all of `within` in k lots.
    """
    if mode not in ("clusters", "divide"):
        raise DataError(Problem("suggest lots", f"unknown mode {mode!r}.", fix="Use 'clusters' or 'divide'."))
    inp = unit_inputs(lu, a)
    min_v = a.min_value_gbp if min_value_gbp is None else float(min_value_gbp)
    for_advisors = value_for_advisors(a.min_advisors, a)
    notes: tuple[str, ...] = ()
    if for_advisors > min_v:
        notes = ((f"Each lot must be worth at least £{for_advisors:,.0f}, the value that funds the minimum of "
                  f"{a.min_advisors:g} advisor(s) (more than the minimum value of £{min_v:,.0f})."),)
        min_v = for_advisors
    if mode == "clusters":
        out = suggest_clusters(lu.adjacency, need=inp["need"], weight=inp["weight"], value=inp["value"],
                               xy=inp["xy"], k=k, min_value_gbp=min_v, within=within, exclude=exclude)
    else:
        out = divide_area(lu.adjacency, value=inp["value"], xy=inp["xy"], k=k, min_value_gbp=min_v,
                          within=within, exclude=exclude)
    return Suggestion(lots=out.lots, notes=notes + out.notes)
