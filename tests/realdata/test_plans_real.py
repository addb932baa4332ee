"""Hubs and patches on Wolverhampton: wards (WD25), LSOA11 with IMD 2019 and mid-2015 population,
the borough's public libraries as candidate hubs. No road network: straight-line estimates, labelled.

Figures are printed (run with -s) and attached to the report with `record_property`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo import assumptions
from geo.analyse.gaps import area_of_points
from geo.assumptions import ReachAssumptions
from geo.model import validate_layer
from geo.plan import caseload, covering, hubs, patch_table, patches
from geo.plan.lsoa_travel import travel_times
from geo.plan.need import need_table
from geo.plan.patch_units import make_units

REACH = ReachAssumptions()

LSOA_COLUMNS = {"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "pop_mid2015": "population",
                "working_age_pop_mid2015": "working_age", "IMD_decile": "imd_decile", "IMD_rank": "imd_rank",
                "Employment_decile": "employment_decile"}


@pytest.fixture(scope="module")
def wolverhampton(data_dir):
    gpkg = data_dir / "gpkg" / "E08000031_Wolverhampton.gpkg"
    w = pyogrio.read_dataframe(gpkg, layer="wards_wd25").to_crs(27700)
    wards = validate_layer(gpd.GeoDataFrame({"ward_code": w["WD25CD"], "ward_name": w["WD25NM"]},
                                            geometry=w.geometry, crs=27700), "wards")
    raw = pyogrio.read_dataframe(gpkg, layer="lsoa11_imd2019").to_crs(27700)
    lsoas = raw.rename(columns=LSOA_COLUMNS)[[*LSOA_COLUMNS.values(), "geometry"]]
    lsoas["ward_code"] = area_of_points(lsoas.geometry.representative_point(), wards, code_col="ward_code").to_numpy()
    lsoas = validate_layer(lsoas, "lsoas", source="lsoa11_imd2019")
    v = pd.read_csv(data_dir / "venues" / "libraries_target_lads_with_wd25.csv")
    v = v[v["LAD25CD"].eq("E08000031")]
    venues = validate_layer(gpd.GeoDataFrame(
        {"venue_id": v["id"].astype(str), "name": v["name"], "kind": "library", "closed": v["closed"].notna()},
        geometry=gpd.points_from_xy(v["lng"], v["lat"]), crs=4326), "venues", source="libraries csv")
    return {"wards": wards, "lsoas": lsoas, "venues": venues}


def test_wolverhampton_hubs_on_straight_lines(wolverhampton, record_property):
    lsoas, venues = wolverhampton["lsoas"], wolverhampton["venues"]
    assert len(lsoas) == 158 and len(venues) == 18
    need = need_table(lsoas)
    tt = travel_times(lsoas, venues, max_minutes=60, assumptions=REACH)
    assert not tt.network and tt.estimate
    assert "straight-line distance × 1.3 (estimate: no road network)" in tt.assumptions
    settings = hubs.HubSettings(n_hubs=5, budget_min=20, kinds=("library",), n_satellites=3,
                                satellite_budget_min=20, min_satellite_need=200)
    plan = hubs.plan_hubs(need, tt, venues, settings)
    assert len(plan.hubs) == 5 and plan.optimal and plan.gap == 0
    closed = set(venues.loc[venues["closed"].astype(bool), "venue_id"])
    assert not (set(plan.hubs) | set(plan.satellites)) & closed  # closed branches are never chosen
    # proven optimum: the same as trying every choice of 5 of the 16 open libraries (4,368 choices)
    cover = tt.cover(20)
    allowed = hubs.candidate_mask(venues, ["library"])
    _, best = covering.brute_force_cover(need["need"].to_numpy(), cover, k=5, allowed=allowed)
    assert plan.hub_need == pytest.approx(best)
    # keeping the central library fixed can only cost cover
    central = venues.loc[venues["name"].str.contains("Central", case=False), "venue_id"].iloc[0]
    fixed = hubs.plan_hubs(need, tt, venues, hubs.HubSettings(**{**settings.to_dict(), "fixed": (central,),
                                                                 "kinds": ("library",)}))
    assert central in fixed.hubs and fixed.hub_need <= plan.hub_need + 1e-6
    names = dict(zip(venues["venue_id"], venues["name"]))
    summary = hubs.hub_summary(plan, venues)
    figures = {"hubs": [names[h] for h in plan.hubs], "satellites": [names[s] for s in plan.satellites],
               "need_total": round(plan.total_need), "hub_share": round(plan.hub_share, 3),
               "with_satellites": round(plan.covered_share, 3), "solve_s": round(plan.seconds, 3),
               "lsoas_uncovered": int((plan.lsoas["served_by"] == hubs.NONE).sum()),
               "fixed_central_hub_share": round(fixed.hub_share, 3),
               "largest_catchment_lsoas": int(summary["lsoas"].max())}
    print(f"\nWolverhampton hubs (libraries, 20 min straight-line estimate): {figures}")
    record_property("wolverhampton_hubs", figures)
    assert 0 < plan.hub_share < plan.covered_share <= 1


def test_wolverhampton_patches_estimated_caseload(wolverhampton, record_property):
    lsoas, venues = wolverhampton["lsoas"], wolverhampton["venues"]
    expected, _ = caseload.expected_caseload(lsoas, None, settings=assumptions.CaseloadSettings())
    units = make_units(lsoas, expected)
    total = float(units.caseload.sum())
    n = max(1, round(total / 50))
    mean = total / n
    plan = patches.plan_patches(units, n_patches=n, lower=0.85 * mean, upper=1.15 * mean)
    table, _ = patch_table.patch_table(units, plan, lsoas=lsoas, venues=venues, assumptions=REACH)
    assert table["within_bounds"].all() and (table["pieces"] == 1).all()
    assert table["lsoas"].sum() == 158 and table["estimate"].all()  # no roads: straight-line trips
    b = patch_table.balance_summary(table)
    # and with the default bounds of 42.5-57.5 a worker, the page's default number of workers fits
    plan50 = patches.plan_patches(units, n_patches=round(total / 50), lower=42.5, upper=57.5)
    t50, _ = patch_table.patch_table(units, plan50, lsoas=lsoas, venues=venues, assumptions=REACH)
    figures = {"expected_caseload": round(total, 1), "workers_at_50": round(total / 50, 2), "patches": n,
               "caseload_range": f"{b['min']:.1f}–{b['max']:.1f}", "max_dev": round(b["max_dev"], 3),
               "lsoas_per_patch": f"{table['lsoas'].min()}–{table['lsoas'].max()}",
               "longest_trip_min": round(float(table["longest_trip_min"].max()), 1),
               "patches_with_a_library_base": int(table["base"].ne("").sum()
                                                  - table["base"].str.startswith("centre").sum()),
               "bounds_42_58_ok": bool(t50["within_bounds"].all()), "adjacency_notes": list(units.notes),
               "seconds": round(plan.seconds, 2)}
    print(f"\nWolverhampton patches (estimated caseload, straight-line trips): {figures}")
    record_property("wolverhampton_patches", figures)
    assert t50["within_bounds"].all()
