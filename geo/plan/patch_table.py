"""The table of a patch plan: each patch's caseload, balance, base, trips, need, roads and venues.

Each patch's worker base is the open venue inside it with the least caseload-weighted straight-line
distance to its LSOAs, else its most central LSOA point. Trips from the base walk the road network
where there is one, else the straight line × the detour factor (labelled as estimates); both use the
`ReachAssumptions` passed in.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.analyse.gaps import area_of_points
from geo.analyse.network import RoadGraph, build_graph, geometry_xy
from geo.assumptions import ReachAssumptions
from geo.plan import places
from geo.plan.lsoa_travel import minutes_between
from geo.plan.need import need_at, need_table
from geo.plan.patch_plan import PatchPlan, assignment_index, patch_pieces
from geo.plan.patch_units import PatchUnits


def _open_venues(venues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "closed" not in venues.columns:
        return venues
    return venues[~venues["closed"].astype("boolean").fillna(False).to_numpy(dtype=bool)]


def _patch_of(codes: pd.Series, units: PatchUnits, assign: NDArray[np.int64]) -> NDArray[np.int64]:
    """The patch position of the LSOA code of each item (-1 for none)."""
    pos = units.position
    return np.array([assign[pos[str(c)]] if pd.notna(c) and str(c) in pos else -1 for c in codes], dtype="int64")


def patch_bases(units: PatchUnits, plan: PatchPlan, venues: gpd.GeoDataFrame | None, lsoas: gpd.GeoDataFrame,
                *, wards: gpd.GeoDataFrame | None = None, roads: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Each patch's worker base (see the module notes). Columns: patch, base, base_kind, venue_id, x, y.
    A base that is no venue is named by its ward and nearest road or venue (`places.name_points`)."""
    assign = assignment_index(units, plan.assignment, plan.labels)
    w = units.caseload + 0.1 * max(float(units.caseload.mean()), 1e-9)
    vpatch = np.full(0, -1)
    usable = gpd.GeoDataFrame()
    vxy = np.zeros((0, 2))
    if venues is not None and len(venues):
        usable = _open_venues(venues)
        vpatch = _patch_of(area_of_points(usable, lsoas, code_col="lsoa_code"), units, assign)
        vxy = geometry_xy(usable) if len(usable) else np.zeros((0, 2))
    rows: list[dict[str, Any]] = []
    for k, label in enumerate(plan.labels):
        idx = np.flatnonzero(assign == k)
        if idx.size == 0:
            rows.append({"patch": label, "base": "(empty)", "base_kind": "", "venue_id": None, "x": np.nan,
                         "y": np.nan})
            continue
        pts = units.xy[idx]
        here = np.flatnonzero(vpatch == k) if vpatch.size else np.zeros(0, dtype=int)
        if here.size:
            dist = np.hypot(vxy[here, None, 0] - pts[None, :, 0], vxy[here, None, 1] - pts[None, :, 1])
            cost = (dist * w[idx]).sum(1)
            j = here[int(np.argmin(cost))]
            v = usable.iloc[j]
            rows.append({"patch": label, "base": str(v["name"]), "base_kind": str(v["kind"]),
                         "venue_id": str(v["venue_id"]), "x": vxy[j, 0], "y": vxy[j, 1]})
        else:
            cost = (np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1]) * w[idx]).sum(1)
            j = idx[int(np.argmin(cost))]
            spot = (places.name_points(gpd.GeoSeries([shapely.Point(units.xy[j])], crs=27700), wards=wards,
                                       roads=roads, venues=venues)[0] + ", " if wards is not None else "")
            rows.append({"patch": label, "base": f"{spot}centre of {units.codes[j]} (no venue in the patch)",
                         "base_kind": "", "venue_id": None, "x": units.xy[j, 0], "y": units.xy[j, 1]})
    return pd.DataFrame(rows)


def _named_roads(units: PatchUnits, assign: NDArray[np.int64], n_patches: int, lsoas: gpd.GeoDataFrame,
                 roads: gpd.GeoDataFrame, road_keys: pd.Series) -> NDArray[np.int64]:
    """Named roads a patch (by segment midpoint)."""
    mids = shapely.line_interpolate_point(np.asarray(roads.geometry.values), 0.5, normalized=True)
    seg_patch = _patch_of(area_of_points(mids, lsoas, code_col="lsoa_code"), units, assign)
    frame = pd.DataFrame({"key": np.asarray(road_keys, dtype=object), "patch": seg_patch})
    frame = frame[frame["key"].notna() & (frame["patch"] >= 0)].drop_duplicates()
    out: NDArray[np.int64] = np.bincount(frame["patch"].to_numpy(dtype="int64"), minlength=n_patches)
    return out


def patch_table(units: PatchUnits, plan: PatchPlan, *, lsoas: gpd.GeoDataFrame, assumptions: ReachAssumptions,
                venues: gpd.GeoDataFrame | None = None, roads: gpd.GeoDataFrame | None = None,
                graph: RoadGraph | None = None, road_keys: pd.Series | None = None,
                index: str = "imd", wards: gpd.GeoDataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per patch: lsoas, caseload, workers (caseload ÷ caseload a worker), within_bounds, need, working_age,
    roads (named roads, by segment midpoint), venues, base, longest_trip_min, mean_trip_min, estimate,
    pieces, locked. Also per LSOA: lsoa_code, patch, caseload, trip_min, estimate."""
    assign = assignment_index(units, plan.assignment, plan.labels)
    labels = list(plan.labels)
    n_p = len(labels)
    cl = units.caseload
    nd, wa = need_at(need_table(lsoas, index=index), list(units.codes))
    bases = patch_bases(units, plan, venues, lsoas, wards=wards, roads=roads)
    if graph is None and roads is not None and len(roads):
        graph = build_graph(roads)
    bxy = bases[["x", "y"]].to_numpy(dtype="float64")
    minutes, est = minutes_between(graph, bxy, units.xy, assumptions=assumptions)
    trip = minutes[assign, np.arange(units.n)]
    trip_est = est[assign, np.arange(units.n)]
    have_roads = False
    n_roads = np.zeros(n_p, dtype="int64")
    if roads is not None and len(roads) and road_keys is not None:
        have_roads = True
        n_roads = _named_roads(units, assign, n_p, lsoas, roads, road_keys)
    n_venues = np.zeros(n_p, dtype="int64")
    if venues is not None and len(venues):
        vp = _patch_of(area_of_points(venues, lsoas, code_col="lsoa_code"), units, assign)
        n_venues = np.bincount(vp[vp >= 0], minlength=n_p)
    pieces = patch_pieces(units, plan)
    caseloads = np.bincount(assign, weights=cl, minlength=n_p)
    per_worker = plan.settings.caseload
    rows = []
    for k, label in enumerate(labels):
        m = assign == k
        rows.append({"patch": label, "lsoas": int(m.sum()), "caseload": float(caseloads[k]),
                     "workers": float(caseloads[k] / per_worker),
                     "within_bounds": bool(plan.lower - 1e-9 <= caseloads[k] <= plan.upper + 1e-9),
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
    mean = float(caseloads.mean()) if n_p else 0.0
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


def plan_meta(plan: PatchPlan, table: pd.DataFrame) -> dict[str, Any]:
    """What the saved-plans list shows of a patch plan."""
    b = balance_summary(table)
    return {"patches": len(plan.labels), "lower": plan.lower, "upper": plan.upper,
            "max_dev": round(b["max_dev"], 4), "outside": b["outside"]}
