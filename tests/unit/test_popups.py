"""Pop-up plans: frequency follows need, reasons are given, and the hard rules are never broken."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geo import io
from geo.analyse.hours import DEFAULT_HOURS, parse_opening_hours
from geo.assumptions import ReachAssumptions
from geo.model import DataError
from geo.out.runsheet import run_sheet_html, what_to_bring
from geo.out.session_files import sessions_csv
from geo.plan import popups as pop
from geo.plan.blackouts import SchoolHoliday
from geo.plan.popup_check import SESSION_COLUMNS, check_plan, normalise_sessions
from geo.plan.popup_draft import move_session, plan_from_payload, plan_payload
from geo.plan.popup_rules import PLAN_KIND, PlanRules
from geo.plan.popup_venues import candidate_venues
from geo.plan.route_stops import route_places, session_stop_rows
from geo.plan.venue_hours import open_for, slot_options, venue_hours

X0, Y0 = 450_000, 318_000
MON = dt.date(2026, 11, 30)  # a Monday
REACH = ReachAssumptions()


def venues_frame(rows: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]),
                            geometry=[Point(x, y) for x, y in zip(frame["x"], frame["y"])],
                            crs=27700)


def gaps_frame(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"rank": range(1, len(rows) + 1), "lsoa_code": [r[0] for r in rows],
                         "lsoa_name": [f"Area {r[0][-1]}" for r in rows], "score": [r[1] for r in rows],
                         "reason": "decile 1, 20 min to the nearest venue", "x": [r[2] for r in rows],
                         "y": [r[3] for r in rows]})


def town_frames() -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    venues = venues_frame([
        {"venue_id": "v1", "name": "Mill Library", "kind": "library", "address": "1 Mill Lane", "x": X0 + 100, "y": Y0,
         "opening_hours": "Mo-Fr 09:00-17:00", "step_free": True, "wifi": True, "childcare": False,
         "email": "mill@lib"},
        {"venue_id": "v2", "name": "Park Children's Centre", "kind": "childrens_centre", "address": "Park Road",
         "x": X0 + 300, "y": Y0 + 100, "opening_hours": None, "step_free": True, "childcare": True},
        {"venue_id": "v3", "name": "East Hall", "kind": "church_hall", "address": "East Street", "x": X0 + 3000,
         "y": Y0, "opening_hours": "Tu,Th 10:00-15:00", "wifi": False},
        {"venue_id": "v4", "name": "Shut Centre", "kind": "community_centre", "x": X0 + 50, "y": Y0 + 50,
         "opening_hours": "Mo-Sa 09:00-21:00", "closed": True},
    ])
    gaps = gaps_frame([("E01000001", 0.6, X0, Y0), ("E01000002", 0.3, X0 + 3100, Y0 + 100),
                       ("E01000003", 0.0, X0 + 9000, Y0)])
    stops = gpd.GeoDataFrame({"stop_id": ["s1", "s2"], "name": ["Mill", "East"], "route_ids": ["7", "7,8"]},
                             geometry=[Point(X0 + 120, Y0 + 30), Point(X0 + 3050, Y0 + 80)], crs=27700)
    return venues, gaps, stops


@pytest.fixture
def town():
    return town_frames()


def test_allocate_follows_need():
    assert pop.allocate([0.6, 0.3, 0.1], 10) == [6, 3, 1]
    assert pop.allocate([0.9, 0.05, 0.05], 3) == [1, 1, 1]  # one each first
    assert pop.allocate([0.9, 0.5, 0.1], 2) == [1, 1, 0]  # not enough for all: neediest first
    assert pop.allocate([0.9, 0.1], 10, cap=[3, 10]) == [3, 7]
    assert sum(pop.allocate([1, 2, 3, 4], 17)) == 17


def test_hours_structured_or_assumed(town):
    venues, _, _ = town
    hours = venue_hours(venues)
    assert not hours[0].assumed and hours[0].text == "Mo-Fr 09:00-17:00"
    assert hours[1].assumed and hours[1].text == DEFAULT_HOURS["childrens_centre"]
    assert hours[3].text == "closed" and all(not d for d in hours[3].week)
    week = hours[0].week
    assert open_for(week, MON, 600, 720) and not open_for(week, MON, 960, 1080)
    assert not open_for(week, MON + dt.timedelta(days=5), 600, 720)  # Saturday
    assert slot_options(hours[2].week, MON + dt.timedelta(days=1), length_min=120,
                            slot_starts=[600, 810]) == [600]  # 13:30 + 2 h passes 15:00
    assert slot_options(parse_opening_hours("Mo 15:10-20:00"), MON, length_min=120, slot_starts=[600]) == [930]


def test_plan_serves_top_gaps_with_reasons(town):
    venues, gaps, stops = town
    rules = PlanRules(start=MON, weeks=4, workers=1, sessions_per_worker_week=3, school_holidays=())
    plan = pop.propose_plan(gaps, venues, rules, bus_stops=stops, assumptions=REACH)
    s = plan.sessions
    assert len(s) > 0 and s["session_id"].is_unique
    assert set(s["lsoa_code"]) == {"E01000001", "E01000002"}  # a zero score is not a gap
    assert "Shut Centre" not in set(s["venue"])  # closed venues are never used
    # frequency follows need: the 0.6 area gets about twice the 0.3 area's sessions
    n = s["lsoa_code"].value_counts()
    assert n["E01000001"] > n["E01000002"]
    first = s[s["venue"] == "Mill Library"].iloc[0]
    assert first["serves"].startswith("Gap #1: Area 1")
    assert "step-free" in first["why"] and "wi-fi" in first["why"] and "bus route 7" in first["why"]
    assert "straight-line estimate" in first["why"] and first["estimate"]
    assert first["contact"] == "mill@lib" and first["address"] == "1 Mill Lane"
    hall = s[s["venue"] == "East Hall"]
    assert len(hall) and "no wi-fi" in hall.iloc[0]["why"]
    cc = s[s["venue"] == "Park Children's Centre"]
    if len(cc):
        assert cc["hours_assumed"].all() and "assumed" in cc.iloc[0]["why"]
    assert check_plan(s, venues, rules).empty
    assert plan.by_gap["target"].sum() == rules.capacity_per_week * rules.weeks


def test_school_holidays_family_sessions_only(town):
    venues, gaps, stops = town
    hol = SchoolHoliday(dt.date(2026, 12, 21), dt.date(2027, 1, 1), "Christmas")
    rules = PlanRules(start=MON, weeks=6, workers=2, sessions_per_worker_week=3, school_holidays=(hol,),
                          blackout=frozenset({dt.date(2026, 12, 25), dt.date(2026, 12, 28), dt.date(2027, 1, 1)}))
    s = pop.propose_plan(gaps, venues, rules, bus_stops=stops, assumptions=REACH).sessions
    in_hol = s[[d in hol for d in s["date"]]]
    assert len(in_hol) > 0 and in_hol["family"].all()
    assert set(in_hol["venue"]) == {"Park Children's Centre"}  # the only venue with childcare
    assert not s.loc[[d not in hol for d in s["date"]], "family"].any()
    assert not any(d in rules.blackout for d in s["date"])
    # with the switch off, nothing at all in the holiday
    off = pop.propose_plan(gaps, venues, PlanRules(**{**rules.__dict__, "family_in_school_holidays": False}),
                           assumptions=REACH).sessions
    assert not any(d in hol for d in off["date"])
    # ordinary sessions allowed: the holiday holds ordinary sessions too
    anyway = pop.propose_plan(gaps, venues, PlanRules(**{**rules.__dict__, "ordinary_in_school_holidays": True}),
                              assumptions=REACH)
    assert any(d in hol and not f for d, f in zip(anyway.sessions["date"], anyway.sessions["family"]))


def test_check_plan_catches_edits(town):
    venues, gaps, stops = town
    rules = PlanRules(start=MON, weeks=3, workers=1, sessions_per_worker_week=2, school_holidays=(),
                          blackout=frozenset({MON + dt.timedelta(days=9)}))
    s = pop.propose_plan(gaps, venues, rules, bus_stops=stops, assumptions=REACH).sessions
    assert check_plan(s, venues, rules).empty
    sid = s.loc[s["venue"] == "Mill Library", "session_id"].iloc[0]
    moved = move_session(s, sid, date=MON + dt.timedelta(days=5))  # a Saturday: the library is shut
    text = " ".join(check_plan(moved, venues, rules)["problem"])
    assert "not open" in text
    moved = move_session(s, sid, date=MON + dt.timedelta(days=9))
    assert "blackout" in " ".join(check_plan(moved, venues, rules)["problem"])
    moved = move_session(s, sid, start="16:30")
    assert "not open 16:30-18:30" in " ".join(check_plan(moved, venues, rules)["problem"])
    # two sessions at the same venue three days apart
    other = s[s["session_id"] != sid].iloc[0]["session_id"]
    twin = s.copy()
    twin.loc[twin["session_id"] == other, ["venue_id", "venue", "date"]] = \
        ["v1", "Mill Library", s.loc[s["session_id"] == sid, "date"].iloc[0] + dt.timedelta(days=3)]
    assert any("days after" in p or "not open" in p for p in check_plan(twin, venues, rules)["problem"])
    dropped = moved.copy()
    dropped.loc[dropped["session_id"] == sid, "status"] = "dropped"
    assert check_plan(dropped, venues, rules).empty  # a dropped session breaks nothing


def test_rules_checked():
    with pytest.raises(DataError) as err:
        PlanRules(start=MON, workers=0, slot_starts=("25:00",), weekdays=frozenset(),
                      default_hours={"library": "sometimes"}).check()
    text = str(err.value)
    assert "workers" in text and "25:00" in text and "weekday" in text and "sometimes" in text


def test_payload_round_trip_and_versioned_save(town, tiny_workspace_path, tmp_path):
    venues, gaps, stops = town
    rules = PlanRules(start=MON, weeks=2, workers=1, sessions_per_worker_week=2, school_holidays=(),
                          blackout=frozenset({MON}))
    s = pop.propose_plan(gaps, venues, rules, bus_stops=stops, assumptions=REACH).sessions
    s.loc[0, "status"] = "accepted"
    payload = plan_payload(s, rules, notes=["a note"])
    back, rules2 = plan_from_payload(payload)
    assert rules2 == rules
    pd.testing.assert_frame_equal(back[list(SESSION_COLUMNS)].reset_index(drop=True),
                                  normalise_sessions(s)[list(SESSION_COLUMNS)].reset_index(drop=True),
                                  check_dtype=False)
    path = tmp_path / "ws.gpkg"
    shutil.copy(tiny_workspace_path, path)
    v1 = io.save_plan(path, kind=PLAN_KIND, name="Winter", payload=payload)
    v2 = io.save_plan(path, kind=PLAN_KIND, name="Winter", payload=payload, expected_version=v1)
    assert (v1, v2) == (1, 2)
    with pytest.raises(io.StalePlanError):
        io.save_plan(path, kind=PLAN_KIND, name="Winter", payload=payload, expected_version=1)
    info, loaded = io.load_plan(path, kind=PLAN_KIND, name="Winter")
    assert info.version == 2 and plan_from_payload(loaded)[0]["status"].iloc[0] == "accepted"


def test_exports_csv_and_run_sheet(town):
    venues, gaps, stops = town
    rules = PlanRules(start=MON, weeks=2, workers=1, sessions_per_worker_week=2, school_holidays=())
    s = pop.propose_plan(gaps, venues, rules, bus_stops=stops, assumptions=REACH).sessions
    s.loc[1, "status"] = "dropped"
    csv = sessions_csv(s).decode("utf-8-sig")
    frame = pd.read_csv(pd.io.common.StringIO(csv))
    assert len(frame) == len(s) - 1 and {"date", "start", "end", "venue", "address", "contact"} <= set(frame.columns)
    html = run_sheet_html(s, venues, title="Winter pop-ups")
    first = s.iloc[0]
    for text in (f"{first['date']:%A %d %B %Y}", first["venue"], first["start"], "What to bring", "Leaflets"):
        assert text in html
    assert "Mobile wi-fi hotspot" in html or "East Hall" not in set(s["venue"])
    assert "@media print" in html and "page-break-after" in html
    assert s.iloc[1]["session_id"] not in sessions_csv(s).decode()  # dropped: left out


# --------------------------------------------------------------------------------------------------
# Property: whatever the venues, rules and gaps, the plan never breaks a hard rule.

PATTERNS = ["Mo-Fr 09:00-17:00", "Tu,Th 10:00-15:00; Su 12:00-16:00", "Mo,We,Fr 10:00-14:00", "Sa 09:00-13:00",
            "Mo-Su 08:00-20:00", "Mo-Fr 15:30-20:00", None, "by appointment", "off"]
KINDS = ["library", "community_centre", "childrens_centre", "church_hall", "food_bank", "supermarket_cafe"]


@st.composite
def scenarios(draw):
    n_venues = draw(st.integers(1, 6))
    rows = []
    for i in range(n_venues):
        rows.append({"venue_id": f"v{i}", "name": f"Venue {i}", "kind": draw(st.sampled_from(KINDS)),
                     "opening_hours": draw(st.sampled_from(PATTERNS)), "childcare": draw(st.booleans()),
                     "closed": draw(st.booleans()) if i else False,
                     "x": X0 + draw(st.integers(0, 4000)), "y": Y0 + draw(st.integers(0, 4000))})
    n_gaps = draw(st.integers(1, 4))
    gaps = gaps_frame([(f"E0100000{j}", draw(st.floats(0.05, 1.0)), X0 + draw(st.integers(0, 4000)),
                        Y0 + draw(st.integers(0, 4000))) for j in range(n_gaps)])
    weeks = draw(st.integers(1, 4))
    days = [MON + dt.timedelta(days=i) for i in range(7 * weeks)]
    blackout = frozenset(draw(st.lists(st.sampled_from(days), max_size=8)))
    h0 = draw(st.integers(0, 7 * weeks - 1))
    hol = (SchoolHoliday(days[h0], days[min(h0 + draw(st.integers(0, 9)), len(days) - 1)], "Half-term"),)
    rules = PlanRules(
        start=MON, weeks=weeks, workers=draw(st.integers(1, 3)), sessions_per_worker_week=draw(st.integers(1, 5)),
        session_minutes=draw(st.sampled_from([60, 90, 120, 180])), min_days_between_visits=draw(st.integers(0, 10)),
        max_sessions_per_worker_day=draw(st.integers(1, 3)), travel_buffer_min=draw(st.sampled_from([0, 30])),
        weekdays=frozenset(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7))), blackout=blackout,
        school_holidays=hol, ordinary_in_school_holidays=draw(st.booleans()),
        family_in_school_holidays=draw(st.booleans()), kinds=tuple(KINDS), top_gaps=4,
        max_minutes=draw(st.sampled_from([5.0, 25.0, 60.0])))
    return venues_frame(rows), gaps, rules


def _week_of(text, kind):
    week = parse_opening_hours(text) if isinstance(text, str) else None
    return week if week is not None else parse_opening_hours(DEFAULT_HOURS.get(kind, DEFAULT_HOURS["*"]))


def _mins(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_plan_never_breaks_the_rules(case):
    venues, gaps, rules = case
    s = pop.propose_plan(gaps, venues, rules, assumptions=REACH).sessions
    assert check_plan(s, venues, rules).empty
    by_id = venues.set_index("venue_id")
    hol = rules.school_holidays[0]
    for r in s.itertuples():
        v = by_id.loc[r.venue_id]
        assert not v["closed"]
        assert rules.start <= r.date <= rules.end and r.date.weekday() in rules.weekdays
        assert r.date not in rules.blackout
        a, b = _mins(r.start), _mins(r.end)
        assert b - a == rules.session_minutes
        spans = _week_of(v["opening_hours"], v["kind"])[r.date.weekday()]
        assert any(lo <= a and b <= hi for lo, hi in spans), (r.venue_id, r.date, r.start, v["opening_hours"])
        assert r.hours_assumed == (parse_opening_hours(v["opening_hours"]) is None
                                   if isinstance(v["opening_hours"], str) else True)
        if r.date in hol and not rules.ordinary_in_school_holidays:
            assert rules.family_in_school_holidays and r.family
            assert v["childcare"] or v["kind"] == "childrens_centre"
    for _, grp in s.groupby("venue_id"):
        ds = sorted(grp["date"])
        assert all((b - a).days >= rules.min_days_between_visits for a, b in itertools.pairwise(ds))
    for _, grp in s.groupby(["worker", "date"]):
        assert len(grp) <= rules.max_sessions_per_worker_day
        spans = sorted((_mins(a), _mins(b)) for a, b in zip(grp["start"], grp["end"]))
        assert all(a2 >= b1 + rules.travel_buffer_min for (_, b1), (a2, _) in itertools.pairwise(spans))
    weeks = pd.Series([(d - rules.start).days // 7 for d in s["date"]], dtype="int64")
    assert (weeks.value_counts() <= rules.capacity_per_week).all()
    assert s["worker"].between(1, rules.workers).all()


# --------------------------------------------------------------------------------------------------
# Optional venue attributes may be missing (pd.NA, None, NaN): nothing crashes, nothing is assumed true.

def _na_venues() -> gpd.GeoDataFrame:
    venues = venues_frame([
        {"venue_id": "v1", "name": "Mill Library", "kind": "library", "x": X0 + 100, "y": Y0},
        {"venue_id": "v2", "name": "Park Hall", "kind": "church_hall", "x": X0 + 300, "y": Y0 + 100}])
    for col in ("address", "contact", "phone", "email", "opening_hours"):
        venues[col] = pd.Series([pd.NA, pd.NA], dtype="string")
    for col in ("wifi", "step_free", "childcare", "toilets", "quiet_room", "closed"):
        venues[col] = pd.Series([pd.NA, pd.NA], dtype="boolean")
    venues["cost_per_hour"] = [float("nan"), None]
    return venues


def test_a_venue_layer_with_missing_optional_attributes():
    venues = _na_venues()
    gaps = gaps_frame([("E01000001", 0.6, X0, Y0)]).assign(lsoa_name=pd.NA, reason=pd.NA)
    rules = PlanRules(start=MON, weeks=2, workers=1, sessions_per_worker_week=2, school_holidays=())
    plan = pop.propose_plan(gaps, venues, rules, assumptions=REACH)
    s = plan.sessions
    assert len(s) == 4 and check_plan(s, venues, rules).empty
    assert (s["address"] == "").all() and (s["contact"] == "").all()
    assert s["area"].eq("E01000001").all()  # no name: the code
    assert s["serves"].iloc[0] == "Gap #1: E01000001 ()" and s["hours_assumed"].all()
    assert "step-free" not in s["why"].iloc[0] and "no wi-fi" not in s["why"].iloc[0]  # unknown is neither
    sheet = run_sheet_html(s, venues)
    assert "address not recorded" in sheet and "not recorded</td>" in sheet
    assert sheet.count("Mobile wi-fi hotspot") == len(s) and "Room hire" not in sheet
    assert len(sessions_csv(s).decode("utf-8-sig").splitlines()) == len(s) + 1
    bring = what_to_bring({"family": pd.NA, "kind": pd.NA}, {"wifi": pd.NA, "cost_per_hour": pd.NA})
    assert "Mobile wi-fi hotspot (no wi-fi recorded at the venue)" in bring and len(bring) == 5
    places = route_places(venues)
    assert list(places) == ["Venue: Mill Library", "Venue: Park Hall"] and places["Venue: Park Hall"].address == ""
    rows = session_stop_rows(s.assign(address=pd.NA, contact=None))
    assert len(rows) == len(s) and all(r["must"] for r in rows)


def test_walking_follows_the_reach_assumptions():
    venues, gaps, stops = town_frames()
    rules = PlanRules(start=MON, weeks=2, workers=1, sessions_per_worker_week=2, school_holidays=())
    slow = ReachAssumptions(walk_m_per_min=40.0, detour_factor=1.5)
    a = candidate_venues(gaps, venues, assumptions=REACH, bus_stops=stops)
    b = candidate_venues(gaps, venues, assumptions=slow, bus_stops=stops)
    # straight line × 1.5 at 40 m a minute against × 1.3 at 80: minutes × (1.5 / 1.3) × 2
    assert b["minutes"].iloc[0] == pytest.approx(a["minutes"].iloc[0] * 1.5 / 1.3 * 2)
    plan = pop.propose_plan(gaps, venues, rules, assumptions=slow, bus_stops=stops)
    assert any("straight-line distance × 1.5 at 40 m a minute" in n for n in plan.notes)
    # a bus stop "near" is the longest walk to a stop: with 10 m, no venue is near a route
    far = candidate_venues(gaps, venues, assumptions=ReachAssumptions(max_walk_to_stop_m=10.0), bus_stops=stops)
    assert not far["why"].str.contains("bus route").any() and a["why"].str.contains("bus route").any()
