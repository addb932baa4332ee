"""Hubs and patches on the West Midlands combined authority (E47000007: 1,719 LSOA21).

Data (../shared/data, skipped with a clear error when absent): 2021 LSOA boundaries, Census 2021
residents by age (working age = 16 to 64), IoD2025 deciles and employment scores; candidate venues are
the public libraries in the seven boroughs (LibrariesHacked CSV, closed ones left out) plus generated
points inside LSOAs (seeded, population-weighted) to make 500. No road network: straight-line
estimates (× 1.3), as the app does without OSM.

- `plans.hubs_wmca`: 20 hubs, 15-minute budget, maximal covering by MILP (HiGHS). The set-up solves
  the same instance with spopt's MCLP (PuLP + CBC) and checks ours is within 1% of that optimum (and
  reports HiGHS's own bound); the baseline times spopt's MCLP.
- `plans.patches_wmca`: 40 patches balanced within ±15% of the mean expected caseload (hard bounds),
  contiguous; the set-up checks every patch is within the bounds and contiguous.
- `plans.patches_vs_maxp`: a contiguous 200-LSOA subset split into 8 patches (±15%), against spopt's
  MaxPHeuristic with our lower bound (85% of the mean) as its floor (max-p sets only a floor; capped at
  60 s in a child process, since it can run for minutes: with the floor at the mean it did not finish).
  Both sides' largest deviation from their mean caseload is printed.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import breadth_first_order

from bench.harness import benchmark
from geo import assumptions
from geo.assumptions import ReachAssumptions
from geo.io import data_dir
from geo.model import validate_layer
from geo.plan import caseload, covering, patch_plan, patches
from geo.plan.lsoa_travel import travel_times
from geo.plan.need import need_table
from geo.plan.patch_units import PatchUnits, make_units

WMCA = "E47000007"
BOROUGHS = ("E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031")
N_VENUES = 500
K_HUBS = 20
BUDGET_MIN = 15.0
N_PATCHES = 40
TOLERANCE = 0.15
MAXP_CAP_S = 60.0
SUBSET = 200
SUBSET_PATCHES = 8


def _require(path):
    if not path.exists():
        raise RuntimeError(f"real data missing: {path} (set PATCHWORK_DATA to the shared data folder)")
    return path


@functools.lru_cache(maxsize=1)
def wmca() -> dict:
    d = data_dir()
    raw = gpd.read_file(_require(d / "boundaries" / "lsoa21" / f"{WMCA}.geojson")).to_crs(27700)
    pop = pd.read_csv(_require(d / "population" / "census21_pop_lsoa21.csv.gz"))
    pop = pop[pop["lsoa21_code"].isin(raw["LSOA21CD"])]
    total = pop.groupby("lsoa21_code")["usual_residents"].sum()
    wa_groups = ["Aged 16 to 24 years", "Aged 25 to 34 years", "Aged 35 to 49 years", "Aged 50 to 64 years"]
    wa = pop[pop["age_group"].isin(wa_groups)].groupby("lsoa21_code")["usual_residents"].sum()
    imd = pd.read_csv(_require(d / "imd" / "imd2025_england_lsoa21.csv.gz"),
                      usecols=["lsoa21_code", "IMD_decile", "Employment_decile", "Employment_score", "IMD_rank"])
    imd = imd.set_index("lsoa21_code")
    codes = raw["LSOA21CD"]
    lsoas = gpd.GeoDataFrame({
        "lsoa_code": codes, "lsoa_name": raw["LSOA21NM"], "population": codes.map(total).round(),
        "working_age": codes.map(wa).round(), "imd_decile": codes.map(imd["IMD_decile"]),
        "imd_rank": codes.map(imd["IMD_rank"]), "employment_decile": codes.map(imd["Employment_decile"]),
        "employment_score": codes.map(imd["Employment_score"]), "imd_edition": 2025}, geometry=raw.geometry, crs=27700)
    lsoas = validate_layer(lsoas, "lsoas", source=f"{WMCA} LSOA21")

    lib = pd.read_csv(_require(d / "venues" / "libraries_target_lads_with_wd25.csv"))
    lib = lib[lib["LAD25CD"].isin(BOROUGHS) & lib["closed"].isna()]
    venues = gpd.GeoDataFrame({"venue_id": "lib" + lib["id"].astype(str), "name": lib["name"], "kind": "library"},
                              geometry=gpd.points_from_xy(lib["lng"], lib["lat"]), crs=4326).to_crs(27700)
    n_extra = N_VENUES - len(venues)
    rng = np.random.default_rng(2024)
    weights = lsoas["population"].astype(float).to_numpy()
    pick = rng.choice(len(lsoas), size=n_extra, p=weights / weights.sum())
    kinds = np.array(["community_centre", "church_hall", "childrens_centre", "leisure_centre", "food_bank"])
    pts = []
    for i in pick:  # a point inside the LSOA (rejection sampling in its bounds)
        g = lsoas.geometry.iloc[i]
        minx, miny, maxx, maxy = g.bounds
        for _ in range(200):
            p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if g.contains(p):
                break
        else:
            p = g.representative_point()
        pts.append(p)
    extra = gpd.GeoDataFrame({"venue_id": [f"gen{k:03d}" for k in range(n_extra)],
                              "name": [f"Generated venue {k}" for k in range(n_extra)],
                              "kind": kinds[np.arange(n_extra) % kinds.size]}, geometry=pts, crs=27700)
    venues = validate_layer(pd.concat([venues, extra], ignore_index=True), "venues", source="WMCA venues")
    print(f"bench_plans: WMCA {len(lsoas):,} LSOA21, {len(venues)} candidate venues "
          f"({len(lib)} libraries + {n_extra} generated)", file=sys.stderr)
    return {"lsoas": lsoas, "venues": venues}


# ------------------------------------------------------------------------------------------------ hubs


@functools.lru_cache(maxsize=1)
def _hub_case() -> dict:
    data = wmca()
    need = need_table(data["lsoas"])
    tt = travel_times(data["lsoas"], data["venues"], max_minutes=BUDGET_MIN, assumptions=ReachAssumptions())
    cover = tt.cover(BUDGET_MIN)
    w = need["need"].to_numpy()
    case = {"need": w, "cover": cover, "tt": tt}
    sol = _hubs(case)
    ref_value, ref_s = _spopt_mclp_value(case)
    print(f"bench_plans: hubs k={K_HUBS}, {BUDGET_MIN:g} min: ours covers {sol.value:,.0f} of {w.sum():,.0f} need "
          f"({sol.value / w.sum():.1%}) in {sol.seconds:.2f} s, HiGHS bound {sol.bound:,.0f} (gap {sol.gap:.3%}); "
          f"spopt MCLP (CBC) optimum {ref_value:,.0f} in {ref_s:.1f} s", file=sys.stderr)
    if sol.value < 0.99 * ref_value - 1e-6 or sol.gap > 0.01:
        raise AssertionError(f"hub choice not within 1% of the optimum: {sol.value} vs {ref_value}, gap {sol.gap}")
    return case


def _hubs(case: dict) -> covering.CoverSolution:
    return covering.max_cover(case["need"], case["cover"], k=K_HUBS, time_limit_s=10.0)


def _spopt_mclp_value(case: dict) -> tuple[float, float]:
    t0 = time.perf_counter()
    model = _spopt_mclp(case)
    chosen = [j for j in range(case["cover"].shape[1]) if model.fac2cli[j]]
    return covering.cover_value(case["need"], case["cover"], chosen), time.perf_counter() - t0


def _spopt_mclp(case: dict):
    import pulp
    from spopt.locate import MCLP

    cover = case["cover"].tocoo()
    tt = case["tt"]
    # spopt takes a dense cost matrix: minutes where within the budget, a large number elsewhere
    cost = np.full(cover.shape, 1e6)
    ok = tt.minutes <= BUDGET_MIN + 1e-9
    cost[tt.rows[ok], tt.cols[ok]] = tt.minutes[ok]
    model = MCLP.from_cost_matrix(cost, case["need"], service_radius=BUDGET_MIN, p_facilities=K_HUBS)
    return model.solve(pulp.PULP_CBC_CMD(msg=False))


@benchmark("plans.hubs_wmca", target_s=10.0, setup=_hub_case, baseline=_spopt_mclp, repeat=3, warmup=1)
def hubs_wmca(case: dict):
    """20 hubs from 500 venues over 1,719 LSOAs, 15-minute budget: exact MILP (HiGHS)."""
    return _hubs(case)


# ------------------------------------------------------------------------------------------------ patches


@functools.lru_cache(maxsize=1)
def _patch_case() -> dict:
    data = wmca()
    cl, _ = caseload.expected_caseload(data["lsoas"], None, settings=assumptions.CaseloadSettings(basis="estimated"))
    units = make_units(data["lsoas"], cl)
    mean = float(units.caseload.sum()) / N_PATCHES
    case = {"units": units, "lower": (1 - TOLERANCE) * mean, "upper": (1 + TOLERANCE) * mean, "n": N_PATCHES}
    t0 = time.perf_counter()
    plan = _patches(case)
    secs = time.perf_counter() - t0
    _check_plan(case, plan, "WMCA", secs)
    return case


def _patches(case: dict) -> patch_plan.PatchPlan:
    return patches.plan_patches(case["units"], n_patches=case["n"], lower=case["lower"], upper=case["upper"],
                                time_limit_s=8.0)


def _check_plan(case: dict, plan: patch_plan.PatchPlan, what: str, secs: float) -> None:
    units = case["units"]
    labels = list(plan.labels)
    assign = np.array([labels.index(plan.assignment[c]) for c in units.codes])
    C = np.bincount(assign, weights=units.caseload, minlength=len(labels))
    dev = np.abs(C / C.mean() - 1)
    pieces = patch_plan.patch_pieces(units, plan)
    sizes = np.bincount(assign)
    print(f"bench_plans: {what} {len(labels)} patches in {secs:.2f} s: caseload {C.min():.1f}–{C.max():.1f} "
          f"(mean {C.mean():.1f}), largest deviation {dev.max():.1%}; LSOAs a patch {sizes.min()}–{sizes.max()}; "
          f"non-contiguous {sum(p > 1 for p in pieces.values())}", file=sys.stderr)
    if dev.max() > TOLERANCE + 1e-9 or any(p != 1 for p in pieces.values()):
        raise AssertionError(f"{what}: patches outside ±{TOLERANCE:.0%} or not contiguous")


@benchmark("plans.patches_wmca", target_s=10.0, setup=_patch_case, repeat=3, warmup=0)
def patches_wmca(case: dict):
    """40 contiguous patches of 1,719 LSOAs, every one within ±15% of the mean expected caseload."""
    return _patches(case)


@functools.lru_cache(maxsize=1)
def _subset_case() -> dict:
    full = _patch_case()["units"]
    data = wmca()
    # a contiguous block: the SUBSET LSOAs first reached breadth-first from the first LSOA of Wolverhampton
    start = int(np.flatnonzero(data["lsoas"]["lsoa_name"].str.startswith("Wolverhampton").to_numpy())[0])
    order = breadth_first_order(full.adjacency, start, directed=False, return_predecessors=False)[:SUBSET]
    idx = np.sort(order)
    units = PatchUnits(codes=full.codes[idx], caseload=full.caseload[idx], xy=full.xy[idx],
                               adjacency=full.adjacency[idx][:, idx].tocsr())
    mean = float(units.caseload.sum()) / SUBSET_PATCHES
    lsoas = data["lsoas"].iloc[idx].reset_index(drop=True).assign(caseload=units.caseload)
    case = {"units": units, "lower": (1 - TOLERANCE) * mean, "upper": (1 + TOLERANCE) * mean, "n": SUBSET_PATCHES,
            "lsoas": lsoas}
    t0 = time.perf_counter()
    plan = _patches(case)
    _check_plan(case, plan, f"{SUBSET}-LSOA subset", time.perf_counter() - t0)
    return case


def _maxp_child(lsoas: gpd.GeoDataFrame, neighbors: dict, floor: float, queue) -> None:
    import warnings

    from libpysal.weights import W
    from spopt.region import MaxPHeuristic

    warnings.filterwarnings("ignore")
    frame = lsoas.assign(cx=lsoas.geometry.centroid.x, cy=lsoas.geometry.centroid.y)
    model = MaxPHeuristic(frame, W(neighbors, silence_warnings=True), ["cx", "cy"], "caseload", floor, top_n=2)
    model.solve()
    queue.put(np.asarray(model.labels_))


def _maxp(case: dict):
    """spopt MaxPHeuristic, floor = our lower bound, in a child process killed after 60 s."""
    units, lsoas = case["units"], case["lsoas"]
    adj = units.adjacency.tocsr()
    neighbors = {i: [int(j) for j in adj.indices[adj.indptr[i]:adj.indptr[i + 1]]] for i in range(units.n)}
    mean = float(units.caseload.sum()) / case["n"]
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    floor = (1 - TOLERANCE) * mean
    proc = ctx.Process(target=_maxp_child, args=(lsoas, neighbors, floor, queue))
    t0 = time.perf_counter()
    proc.start()
    try:
        labels = queue.get(timeout=MAXP_CAP_S)
    except Exception:  # queue.Empty: hit the cap
        labels = None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
    secs = time.perf_counter() - t0
    if labels is None:
        print(f"bench_plans: MaxPHeuristic did not finish within {MAXP_CAP_S:.0f} s", file=sys.stderr)
        return None
    _, inv = np.unique(labels, return_inverse=True)
    C = np.bincount(inv, weights=units.caseload)
    dev = np.abs(C / C.mean() - 1)
    print(f"bench_plans: MaxPHeuristic ({SUBSET} LSOAs, floor {floor:.1f}) in {secs:.1f} s: "
          f"{C.size} regions, caseload {C.min():.1f}–{C.max():.1f} (mean {C.mean():.1f}), largest deviation from "
          f"its mean {dev.max():.1%}, from the asked-for {case['n']} patches' mean {mean:.1f} "
          f"{np.abs(C / mean - 1).max():.1%}; {int((dev > TOLERANCE).sum())} regions outside ±{TOLERANCE:.0%} of "
          "its mean",
          file=sys.stderr)
    return labels


@benchmark("plans.patches_vs_maxp", target_s=10.0, setup=_subset_case, baseline=_maxp, repeat=1, warmup=0)
def patches_subset(case: dict):
    """8 patches of a contiguous 200-LSOA block (±15%); baseline spopt MaxPHeuristic (capped at 60 s)."""
    return _patches(case)
