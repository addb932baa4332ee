"""A 6-week pop-up plan for Walsall on real data: its 16 public libraries (LibrariesHacked) and its
167 LSOAs with IMD 2019. The libraries' hours are weekly totals ("43"), not opening patterns, so
every session rests on the assumed library pattern and says so. No road network here: walking
minutes and route legs are straight-line estimates, labelled.

Figures are printed (run with -s) and attached to the report with `record_property`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import icalendar
import numpy as np
import pandas as pd
import pytest

from geo.analyse.gaps import area_of_points, gap_table
from geo.analyse.hours import DEFAULT_HOURS
from geo.analyse.reach import compute_reach
from geo.assumptions import ReachAssumptions, RouteAssumptions
from geo.model import validate_layer
from geo.out.calendar import sessions_ics
from geo.plan import popups as pop
from geo.plan import routes as rt
from geo.plan.blackouts import bank_holidays_between
from geo.plan.popup_check import check_plan
from geo.plan.popup_rules import PlanRules
from geo.plan.popup_venues import gaps_with_points

LAD = "E08000030"
REACH = ReachAssumptions()
START = dt.date(2026, 11, 30)  # a Monday: six weeks that take in the Christmas holiday
LSOA_COLUMNS = {"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "pop_mid2015": "population",
                "working_age_pop_mid2015": "working_age", "IMD_decile": "imd_decile", "IMD_rank": "imd_rank",
                "Employment_decile": "employment_decile"}


@pytest.fixture(scope="module")
def walsall(data_dir):
    gpkg = data_dir / "gpkg" / f"{LAD}_Walsall.gpkg"
    w = gpd.read_file(gpkg, layer="wards_wd25").to_crs(27700)
    wards = validate_layer(gpd.GeoDataFrame({"ward_code": w["WD25CD"], "ward_name": w["WD25NM"]},
                                            geometry=w.geometry, crs=27700), "wards")
    raw = gpd.read_file(gpkg, layer="lsoa11_imd2019").to_crs(27700)
    lsoas = raw.rename(columns=LSOA_COLUMNS)[[*LSOA_COLUMNS.values(), "geometry"]]
    lsoas["ward_code"] = area_of_points(lsoas.geometry.representative_point(), wards, code_col="ward_code").to_numpy()
    lsoas = validate_layer(lsoas, "lsoas", source="lsoa11_imd2019")
    v = pd.read_csv(data_dir / "venues" / "libraries_target_lads_with_wd25.csv")
    v = v[v["LAD25CD"].eq(LAD)]
    venues = validate_layer(gpd.GeoDataFrame(
        {"venue_id": v["id"].astype(str), "name": v["name"], "kind": "library",
         "address": v["address"].str.replace("|", ", ", regex=False) + ", " + v["postcode"],
         # the source's hours are a weekly total, not a pattern: kept as text, which no reader can parse
         "opening_hours": v["hours"].astype(str) + " hours a week", "closed": v["closed"].notna(),
         "email": v["email"]},
        geometry=gpd.points_from_xy(v["lng"], v["lat"]), crs=4326), "venues", source="libraries csv")
    reach = compute_reach(None, venues, lsoas=lsoas)
    gaps = gaps_with_points(gap_table(lsoas, reach.lsoas, None), reach.lsoas)
    return {"lsoas": lsoas, "venues": venues, "gaps": gaps}


def test_six_week_plan_for_walsall(walsall, record_property):
    venues, gaps, lsoas = walsall["venues"], walsall["gaps"], walsall["lsoas"]
    assert len(lsoas) == 167 and len(venues) == 16
    rules = PlanRules(start=START, weeks=6, workers=2, sessions_per_worker_week=3, top_gaps=10,
                          max_minutes=30.0,
                          blackout=frozenset(bank_holidays_between(START, START + dt.timedelta(days=41))))
    plan = pop.propose_plan(gaps, venues, rules, assumptions=REACH)
    s = plan.sessions
    assert len(s) >= 20
    assert check_plan(s, venues, rules).empty
    # opening patterns are assumed (weekly totals only) and every session says so
    assert s["hours_assumed"].all()
    assert s["hours"].str.contains("assumed").all()
    assert s["why"].str.contains(f"opening hours assumed \\({DEFAULT_HOURS['library']}").all()
    assert any("assumed opening hours" in n for n in plan.notes)
    assert s["estimate"].all() and s["why"].str.contains("straight-line estimate").all()
    # no library records childcare: nothing in the Christmas holiday, and the plan says why
    hol = rules.in_school_holiday
    assert not any(hol(d) for d in s["date"]) and not s["family"].any()
    assert any("only family sessions with childcare" in n for n in plan.notes)
    assert any("No venue near the top gaps records childcare" in n for n in plan.notes)
    assert not any(d in rules.blackout for d in s["date"])
    # the sessions serve the top gaps, all deprived; the neediest get at least as many
    served = plan.by_gap[plan.by_gap["planned"] > 0]
    decile = gaps.set_index("lsoa_code")["decile"]
    assert (decile[served["lsoa_code"]] <= 3).all()
    assert plan.by_gap["target"].is_monotonic_decreasing
    assert s["contact"].str.contains("@walsall.gov.uk").all()

    # a day's route: that day's sessions for worker 1 plus a van stop at the top gap, from Walsall central
    day = s["date"].iloc[0]
    todays = s[(s["date"] == day) & (s["worker"] == 1)]
    central = venues[venues["name"].eq("Walsall central")].geometry.iloc[0]
    top = gaps.iloc[0]
    van = rt.Stop(f"Van stop: {top['lsoa_name']}", float(top["x"]), float(top["y"]), duration_min=60, kind="van stop")
    stops = [*rt.stops_from_sessions(todays), van]
    route, _ = rt.plan_route(rt.Stop("Walsall central library", central.x, central.y, kind="base"), stops,
                             start="09:00", end="17:30", assumptions=REACH,
                             speed_m_per_min=RouteAssumptions().drive_m_per_min)
    assert route.feasible and route.schedule["estimate"].iloc[1:].all()
    assert any("No road network" in n for n in route.notes)

    cal = icalendar.Calendar.from_ical(sessions_ics(s, plan_name="Walsall winter"))
    assert len(list(cal.walk("VEVENT"))) == len(s)

    figures = {
        "sessions": len(s), "areas_served": int(s["lsoa_code"].nunique()),
        "libraries_used": int(s["venue"].nunique()),
        "weeks_with_sessions": int(pd.Series([(d - START).days // 7 for d in s["date"]]).nunique()),
        "per_gap": "; ".join(f"#{r.rank} {r.area} (decile {int(decile[r.lsoa_code])}) {r.planned}/{r.target} at "
                             f"{r.venues}" for r in plan.by_gap.itertuples()),
        "median_walk_min": round(float(np.median(s["minutes"])), 1),
        "route_day": f"{day:%a %d %b}: {len(route.order)} stops, {route.travel_min:.0f} min travel, back "
                     f"{route.schedule['arrive'].iloc[-1]}",
        "notes": plan.notes,
    }
    print(f"\nWalsall 6-week plan: {figures}")
    record_property("walsall_popups", figures)
