"""Tables, exports and headlines of hub and patch plans: GeoPackage layers, CSV, the patch table as
shown, and how far a hub plan is from the best possible.

Every export carries aggregates only. Observed caseloads rest on counts of people, so they are
exported as whole numbers with figures below 5 as '<5', and any figure that would give a small one
away (workers, share of the mean) is left blank (geo.privacy).

CSV is written by the app's one CSV writer (`geo.text.csv_bytes`: UTF-8 with a BOM, a '#' note line).
The layers (`hub_frames`, `patch_frames`) are written by the app's one GeoPackage writer,
`geo.out.gpkg.gpkg_bytes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.plan.caseload import caseload_text
from geo.plan.hubs import HubPlan, hub_summary
from geo.plan.patch_plan import PatchPlan
from geo.text import csv_bytes


def _about(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["key", "value"])


def _with_geometry(table: pd.DataFrame, lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`table` (one row an LSOA, lsoa_code) with each LSOA's polygon, EPSG:27700."""
    geo = lsoas[["lsoa_code", "geometry"]].copy()
    geo["lsoa_code"] = geo["lsoa_code"].astype(str)
    t = table.copy()
    t["lsoa_code"] = t["lsoa_code"].astype(str)
    return gpd.GeoDataFrame(t.merge(geo, on="lsoa_code", how="left"), geometry="geometry", crs=lsoas.crs)


def _union(part: pd.DataFrame) -> shapely.Geometry:
    return shapely.union_all(shapely.make_valid(np.asarray(part["geometry"].values)))


# ---- hub plans ------------------------------------------------------------------------------------
def hub_frames(plan: HubPlan, lsoas: gpd.GeoDataFrame, venues: gpd.GeoDataFrame, *, title: str = "Hub plan",
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
    areas = _with_geometry(t, lsoas)
    served = areas[areas["site"].notna()]
    polys = [{"venue_id": str(site), "role": part["served_by"].iloc[0], "lsoas": len(part),
              "need": float(part["need"].sum()), "geometry": _union(part)}
             for site, part in served.groupby("site", sort=True)]
    if polys:
        catch = gpd.GeoDataFrame(polys, geometry="geometry", crs=lsoas.crs)
    else:
        catch = gpd.GeoDataFrame({"venue_id": [], "role": [], "lsoas": [], "need": []},
                                 geometry=gpd.GeoSeries([], crs=lsoas.crs), crs=lsoas.crs)
    s = plan.settings
    about = _about([
        ("title", title), ("kind", "hub plan"), ("hubs", ", ".join(plan.hubs)),
        ("hubs in place (fixed)", ", ".join(plan.fixed)), ("satellites", ", ".join(plan.satellites)),
        ("travel-time budget (min)", f"{s.budget_min:g}"), ("satellite budget (min)", f"{s.satellite_budget_min:g}"),
        ("need covered by hubs", f"{plan.hub_need:,.0f} of {plan.total_need:,.0f} ({plan.hub_share:.1%})"),
        ("need covered with satellites", f"{plan.hub_need + plan.satellite_need:,.0f} ({plan.covered_share:.1%})"),
        ("best possible (solver bound)", "" if plan.bound is None else f"{plan.bound:,.0f}"),
        ("method", plan.method),
        ("travel times", "straight-line estimates" if plan.estimate else "road network"),
        ("notes", " ".join(plan.notes)), ("attribution", attribution)])
    return {"hub_sites": sites, "hub_lsoas": areas, "hub_catchments": catch, "about": about}


def hub_csv_bytes(plan: HubPlan, venues: pd.DataFrame, *, attribution: str = "") -> bytes:
    """One row an LSOA: what serves it, how far, and the site's name."""
    t = plan.lsoas.copy()
    for col in ("minutes", "nearest_hub_minutes"):
        t[col] = t[col].where(np.isfinite(t[col])).round(1)
    t["need"] = t["need"].round(1)
    names = dict(zip(venues["venue_id"].astype(str), venues["name"].astype(str), strict=True))
    t.insert(int(cast(int, t.columns.get_loc("site"))) + 1, "site_name", t["site"].map(names))
    note = (f"Patchwork hub plan: {len(plan.hubs)} hubs, {len(plan.satellites)} satellites; budget "
            f"{plan.settings.budget_min:g} min; " + ("straight-line travel-time estimates; " if plan.estimate else "")
            + attribution)
    return csv_bytes(t, notes=[note])


def distance_from_best(plan: HubPlan) -> tuple[str, str]:
    """How far the hubs' cover is from the best possible, as a headline and its explanation."""
    if plan.bound is None:
        return "not known", "Re-run 'Find hubs' to get the solver's bound for these settings."
    if plan.edited:
        diff = (plan.best_value or 0) - plan.hub_need
        return (f"{plan.hub_need / plan.bound:.1%} of best",
                (f"Hubs changed by hand. The solver's choice covered {plan.best_value:,.0f}; this one covers "
                 f"{plan.hub_need:,.0f} ({diff:+,.0f} less). No choice of {len(plan.hubs)} hubs can cover more "
                 f"than {plan.bound:,.0f}."))
    if plan.optimal:
        return "proven best", (f"The solver proved no other choice of {len(plan.hubs)} hubs covers more "
                               f"need ({plan.method}, {plan.seconds:.2f} s).")
    return (f"within {plan.gap or 0.0:.1%}",
            (f"No choice of {len(plan.hubs)} hubs can cover more than {plan.bound:,.0f} (the solver's bound); "
             f"this one covers {plan.hub_need:,.0f} ({plan.method}, {plan.seconds:.1f} s)."))


# ---- patch plans ----------------------------------------------------------------------------------
def suppress_observed(t: pd.DataFrame) -> pd.DataFrame:
    """Observed caseloads rest on counts of people: whole numbers, '<5' for small ones, and no figure
    that would give a small one away (workers, share of the mean)."""
    out = t.copy()
    small = out["caseload"].to_numpy(dtype="float64") < 4.5
    out["caseload"] = [caseload_text(v, observed=True) for v in out["caseload"]]
    for col in ("workers", "vs_mean"):
        if col in out.columns:
            out[col] = out[col].where(~small)
    return out


def patch_frames(plan: PatchPlan, table: pd.DataFrame, per_lsoa: pd.DataFrame, lsoas: gpd.GeoDataFrame, *,
                 observed: bool, title: str = "Patch plan", attribution: str = "") -> dict[str, pd.DataFrame]:
    """Export layers (EPSG:27700): patches (one polygon each, with the table), patch_lsoas, about.
    Observed caseloads rest on counts of people: exported rounded, and LSOA figures below 5 as '<5'."""
    pl = per_lsoa.copy()
    if observed:
        pl["caseload"] = [caseload_text(v, observed=True) for v in pl["caseload"]]
    else:
        pl["caseload"] = pl["caseload"].round(2)
    pl["trip_min"] = pl["trip_min"].round(1)
    pl["need"] = pl["need"].round(1)
    areas = _with_geometry(pl, lsoas)
    groups = areas.groupby("patch", sort=False)
    polys = [_union(part) for _, part in groups]
    t = table.set_index("patch").loc[list(groups.groups)].reset_index()
    t = t.round({"caseload": 2, "workers": 2, "need": 1, "working_age": 0, "longest_trip_min": 1,
                 "mean_trip_min": 1, "vs_mean": 4})
    if observed:
        t = suppress_observed(t)
    patches_gdf = gpd.GeoDataFrame(t, geometry=polys, crs=lsoas.crs)
    s = plan.settings
    about = _about([
        ("title", title), ("kind", "patch plan"), ("patches", str(len(plan.labels))),
        ("caseload bounds", f"{plan.lower:g}–{plan.upper:g} participants at once a patch"),
        ("caseload a worker", f"{s.caseload:g}"), ("months on the programme", f"{s.months_on_programme:g}"),
        ("caseload basis", "observed enrolments" if observed else "estimated from need (assumption)"),
        ("locked patches", ", ".join(plan.locked)), ("LSOAs moved by hand", ", ".join(plan.pinned)),
        ("method", plan.method), ("notes", " ".join(plan.notes)), ("attribution", attribution)])
    return {"patches": patches_gdf, "patch_lsoas": areas, "about": about}


def patch_csv_bytes(table: pd.DataFrame, *, observed: bool, attribution: str = "") -> bytes:
    """One row a patch (the plan's table, rounded; observed caseloads suppressed)."""
    t = table.drop(columns=["base_x", "base_y"], errors="ignore")
    t = t.round({"caseload": 1, "workers": 2, "need": 0, "working_age": 0,
                 "longest_trip_min": 1, "mean_trip_min": 1, "vs_mean": 3})
    if observed:
        t = suppress_observed(t)
    note = ("Patchwork patch plan. Caseload = participants active at once (enrolments per month × months on the "
            "programme). " + ("Trips are straight-line estimates. " if t["estimate"].any() else "") + attribution)
    return csv_bytes(t, notes=[note])


def patch_headline(plan: PatchPlan, balance: Mapping[str, float], *, observed: bool) -> list[tuple[str, str, str]]:
    """The Patches page's key figures: (label, value, explanation)."""
    def text(v: float) -> str:
        return caseload_text(v, observed=observed)

    return [
        ("Patches", f"{len(plan.labels)}", f"{len(plan.locked)} locked; {len(plan.pinned)} LSOAs moved by hand."),
        ("Caseload a patch", f"{text(balance['min'])}–{text(balance['max'])}",
         f"Bounds {plan.lower:g}–{plan.upper:g}; mean {balance['mean']:,.1f}."),
        ("Largest gap from the mean", f"{balance['max_dev']:.0%}",
         "The patch whose caseload is furthest from the mean, as a share of the mean."),
        ("Outside the bounds", f"{int(balance['outside'])}",
         "Patches whose expected caseload is below the lowest or above the highest bound."),
    ]


def patch_warnings(table: pd.DataFrame, *, observed: bool) -> list[str]:
    """What is wrong with a patch plan: patches in more than one piece, patches outside the bounds."""
    out = []
    bad = table.loc[table["pieces"] > 1, "patch"].tolist()
    if bad:
        out.append(f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} in more than one piece after the moves by "
                   "hand: move the stray LSOAs back, or rebalance.")
    outside = table[~table["within_bounds"]]
    if len(outside):
        out.append("Patches outside the bounds: " + ", ".join(
            f"{p} ({caseload_text(c, observed=observed)})" for p, c in zip(outside["patch"], outside["caseload"],
                                                                          strict=True)))
    return out


#: The columns of the patch table as the Patches page shows it, in order.
PATCH_SCREEN_COLUMNS = ["patch", "lsoas", "caseload", "workers", "within_bounds", "contiguous", "longest_trip_min",
                        "base", "need", "working_age", "roads", "venues", "locked"]


def patch_screen_table(table: pd.DataFrame, *, observed: bool) -> pd.DataFrame:
    """The patch table for the screen: caseloads as text (observed ones below 5 as '<5', and the workers
    figure that would give them away blank), yes/NO flags, trips to the minute."""
    show = table.copy()
    if observed:
        show["workers"] = show["workers"].where(show["caseload"] >= 4.5)
    show["caseload"] = show["caseload"].map(lambda v: caseload_text(v, observed=observed))
    show["within_bounds"] = show["within_bounds"].map({True: "yes", False: "NO"})
    show["longest_trip_min"] = show["longest_trip_min"].round(0)
    show["contiguous"] = show["pieces"].map(lambda p: "yes" if p == 1 else f"no ({p} pieces)")
    show["locked"] = show["locked"].map({True: "locked", False: ""})
    return show[PATCH_SCREEN_COLUMNS]
