"""Pop-ups and routes: propose sessions at venues that reach the top gaps, plan a day's route, export."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from geo.out import calendar as ical
from geo import io
from geo.out import mapview
from geo.plan import popups as pop
from geo.plan import routes as rt
from geo.model import VENUE_KINDS, DataError, Problem, today
from geo.analyse.reach import DEFAULT_HOURS
from ui import assumptions as assumptions_ui
from ui import meeting
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map, tile_settings
from ui.nav import ensure_app_navigation

ensure_app_navigation()

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
st.title("Pop-ups and routes")
st.caption(ws.display_name)
fictional_banner(ws.fictional)


# ---- the gaps this page serves: the ones on the Gaps page (same view, weights and reach assumptions) ---
def _gaps(ws_id: str, _ws) -> pd.DataFrame:
    gap = wsp.gap_result(ws_id, _ws, wsp.gap_view(ws_id), assumptions_ui.reach(), assumptions_ui.gap_weights())
    return pop.gaps_with_points(gap.table, gap.reach.lsoas)


def _state(key: str, default):
    if key not in st.session_state:
        st.session_state[key] = default
    return st.session_state[key]


def _parse_dates(text: str) -> tuple[frozenset[dt.date], list[str]]:
    out, bad = set(), []
    for line in (text or "").splitlines():
        token = line.strip().split(" ", 1)[0].strip().rstrip(",")
        if not token:
            continue
        try:
            out.add(dt.date.fromisoformat(token) if "-" in token else dt.datetime.strptime(token, "%d/%m/%Y").date())
        except ValueError:
            bad.append(line.strip())
    return frozenset(out), bad


if not ws.has("venues"):
    st.warning("This workspace has no venues: add community venues on the 'Your data' page to plan pop-ups.")
    st.stop()

with st.status("Finding the top gaps…", expanded=False) as status:
    gap_points = _gaps(ws.id, ws)
    graph = wsp.road_graph(ws.id, ws)
    status.update(label="Top gaps ready", state="complete")
st.caption(assumptions_ui.used_caption(assumptions_ui.reach(), assumptions_ui.gap_weights(),
                                       where="the Map or Gaps page") + " The top gaps are the Gaps page's.")
venues = ws.layer("venues")
ws_path = wsp.workspace_path()

SECTIONS = ("Plan sessions", "Route for a day", "Exports")
# A switch rather than tabs: only the chosen part runs, and a map is never drawn in a hidden tab
# (Leaflet cannot size itself there).
section = st.radio("Part", SECTIONS, horizontal=True, key="popup_section", label_visibility="collapsed")
_plan_state = st.session_state.get("popup_plan")
edited = pop.normalise_sessions(_plan_state["sessions"]) if _plan_state is not None else None

# =================================================================================================
# Plan
if section == SECTIONS[0]:
    start_default = pop.next_monday(today())
    # a different label once a plan exists: the settings fold away and the plan comes first
    has_plan = st.session_state.get("popup_plan") is not None
    settings_box = st.expander("Settings: change them and propose again" if has_plan else
                               "Settings: period, capacity, where and when not", expanded=not has_plan)
    with settings_box, st.form("plan_settings"):
        st.markdown("**Period and capacity**")
        c1, c2, c3, c4 = st.columns(4)
        start = c1.date_input("First day", value=start_default, format="DD/MM/YYYY", key="plan_start")
        weeks = c2.number_input("Weeks", 1, 26, 6, key="plan_weeks")
        workers = c3.number_input("Workers", 1, 20, 2, key="plan_workers")
        per_worker = c4.number_input("Sessions per worker per week", 1, 10, 3, key="plan_per_worker")
        c1, c2, c3, c4 = st.columns(4)
        length = c1.number_input("Session length (minutes)", 30, 480, 120, step=15, key="plan_length")
        min_gap = c2.number_input("Minimum days between visits to a venue", 0, 60, 7, key="plan_min_days",
                                  help="Two sessions at the same venue are at least this many days apart.")
        per_day = c3.number_input("Most sessions per worker per day", 1, 4, 2, key="plan_per_day")
        slots = c4.text_input("Preferred start times", "10:00, 13:30", key="plan_slots",
                              help="Used where the venue is open; otherwise the first half hour that fits.")
        st.markdown("**Where**")
        c1, c2, c3 = st.columns([1, 1, 3])
        top_n = c1.number_input("Top gaps to serve", 1, 30, 8, key="plan_top")
        max_min = c2.number_input("Furthest walk to a venue (minutes)", 5, 60, 25, key="plan_max_min")
        present = [k for k in VENUE_KINDS if k in set(venues["kind"].astype(str))]
        kinds = c3.multiselect("Venue kinds", present, default=[k for k in pop.DEFAULT_KINDS if k in present],
                               format_func=lambda k: VENUE_KINDS[k], key="plan_kinds")
        st.markdown("**When not**")
        c1, c2 = st.columns([1, 2])
        days = c1.multiselect("Days of the week", list(range(7)), default=list(range(5)),
                              format_func=lambda i: WEEKDAYS[i], key="plan_days")
        horizon = today() + dt.timedelta(days=400)
        bank = "\n".join(f"{d.isoformat()} {n}" for d, n in pop.bank_holidays_between(today(), horizon).items())
        blackout_text = c1.text_area("Blackout dates (one a line: YYYY-MM-DD or DD/MM/YYYY, then any note)", bank,
                                     height=160, key="plan_blackout",
                                     help="English bank holidays are filled in; add training days, closures, ...")
        hol_frame = pd.DataFrame([{"name": h.name, "start": h.start, "end": h.end}
                                  for h in pop.DEFAULT_SCHOOL_HOLIDAYS if h.end >= today() - dt.timedelta(days=30)])
        c2.caption("School holidays: typical English dates. Term dates differ by council and academy trust: "
                   "check yours and edit.")
        holidays = c2.data_editor(hol_frame, num_rows="dynamic", hide_index=True, key="plan_holidays",
                                  column_config={"start": st.column_config.DateColumn("First day", format="DD/MM/YYYY"),
                                                 "end": st.column_config.DateColumn("Last day", format="DD/MM/YYYY"),
                                                 "name": st.column_config.TextColumn("Holiday")},
                                  width="stretch", height=200)
        ordinary_hol = c2.checkbox("Ordinary sessions in school holidays too", value=False, key="plan_ordinary_hol",
                                   help="Off by default: advisers saw momentum drop over the holidays, so ordinary "
                                        "sessions avoid them.")
        family_hol = c2.checkbox("Family sessions with childcare in school holidays", value=True,
                                 key="plan_family_hol",
                                 help="As the Speke team did: in the holidays, sessions go to venues with childcare "
                                      "and are marked as family sessions.")
        with st.expander("Opening hours assumed where a venue has none (per kind)"):
            hours_frame = pd.DataFrame({"kind": list(DEFAULT_HOURS), "hours": list(DEFAULT_HOURS.values())})
            hours_edit = st.data_editor(hours_frame, hide_index=True, disabled=["kind"], key="plan_hours",
                                        width="stretch")
        submitted = st.form_submit_button("Propose sessions", type="primary")

    if submitted:
        blackout, bad = _parse_dates(blackout_text)
        try:
            if bad:
                raise DataError([Problem("blackout dates", f"'{b}' does not start with a date.",
                                             fix="Write dates as 2026-12-24 or 24/12/2026.") for b in bad])
            hol = tuple(pop.SchoolHoliday(pd.Timestamp(r["start"]).date(), pd.Timestamp(r["end"]).date(),
                                          str(r.get("name") or "School holiday"))
                        for r in holidays.to_dict("records") if pd.notna(r.get("start")) and pd.notna(r.get("end")))
            rules = pop.PlanRules(
                start=start, weeks=int(weeks), workers=int(workers), sessions_per_worker_week=int(per_worker),
                session_minutes=int(length), min_days_between_visits=int(min_gap),
                max_sessions_per_worker_day=int(per_day),
                slot_starts=tuple(s.strip() for s in slots.split(",") if s.strip()) or ("10:00",),
                weekdays=frozenset(days), blackout=blackout, school_holidays=hol,
                ordinary_in_school_holidays=ordinary_hol, family_in_school_holidays=family_hol,
                kinds=tuple(kinds), top_gaps=int(top_n), max_minutes=float(max_min),
                default_hours=dict(zip(hours_edit["kind"], hours_edit["hours"])))
            with st.spinner("Placing sessions…"):
                plan = pop.propose_plan(gap_points, venues, rules, graph=graph,
                                        bus_stops=ws.layer("bus_stops") if ws.has("bus_stops") else None)
            st.session_state["popup_plan"] = {"sessions": plan.sessions, "rules": plan.rules, "notes": plan.notes,
                                              "by_gap": plan.by_gap, "name": None, "version": None}
            st.session_state["popup_editor_n"] = st.session_state.get("popup_editor_n", 0) + 1
            st.session_state.pop("route_result", None)
            ok = True
        except DataError as err:
            ok = False
            st.error(f"The plan cannot be made with these settings.\n\n{err}")
        if ok:
            st.rerun()  # the settings fold away and the plan shows

    # ---- saved plans
    try:
        saved = io.list_plans(ws_path, kind=pop.PLAN_KIND)
    except DataError:
        saved = []
    if saved:
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox("Saved pop-up plans", [p.name for p in saved], key="plan_saved_pick",
                            format_func=lambda n: next(f"{p.name} (version {p.version}, saved {p.saved_at[:16]})"
                                                       for p in saved if p.name == n))
        if c2.button("Open saved plan", key="plan_open"):
            info, payload = io.load_plan(ws_path, kind=pop.PLAN_KIND, name=pick)
            sessions, rules = pop.plan_from_payload(payload)
            st.session_state["popup_plan"] = {"sessions": sessions, "rules": rules,
                                              "notes": payload.get("notes", []), "by_gap": None,
                                              "name": info.name, "version": info.version}
            st.session_state["popup_editor_n"] = st.session_state.get("popup_editor_n", 0) + 1
            st.session_state.pop("route_result", None)

    state = st.session_state.get("popup_plan")
    if state is None:
        st.info("Set the period and capacity above and press **Propose sessions**.")
    else:
        rules: pop.PlanRules = state["rules"]
        base = pop.normalise_sessions(state["sessions"])
        title = f"Plan: {rules.start:%d %b %Y} to {rules.end:%d %b %Y}" + (f" — '{state['name']}' (version "
                                                                             f"{state['version']})" if state["name"] else "")
        st.subheader(title)
        for note in state["notes"]:
            st.caption(note)
        if state.get("by_gap") is not None and len(state["by_gap"]):
            with st.expander("Which gaps, and how often (sessions follow the gap score)", expanded=not in_meeting):
                bg = state["by_gap"].rename(columns={"rank": "Gap", "area": "Area", "score": "Gap score",
                                                     "gap_reason": "Why it is a gap", "target": "Share of sessions",
                                                     "planned": "Planned", "venues": "Venues"})
                st.dataframe(bg.drop(columns=["lsoa_code"]), hide_index=True, width="stretch",
                             column_config={"Gap score": st.column_config.NumberColumn(format="%.2f")})
        view_cols = ["session_id", "status", "date", "start", "end", "worker", "family", "venue", "area", "serves",
                     "why", "hours"]
        editor_key = f"popup_editor_{st.session_state.get('popup_editor_n', 0)}"
        edited_view = st.data_editor(
            base[view_cols], key=editor_key, hide_index=True, width="stretch",
            disabled=["session_id", "end", "venue", "area", "serves", "why", "hours"],
            column_config={
                "session_id": st.column_config.TextColumn("Session", width="small"),
                "status": st.column_config.SelectboxColumn("Status", options=list(pop.STATUSES), required=True,
                                                           help="Accept, keep as proposed, or drop"),
                "date": st.column_config.DateColumn("Date", format="ddd DD/MM/YYYY", required=True),
                "start": st.column_config.TextColumn("Start", help="HH:MM: change it to move the session",
                                                     validate=r"^\d{1,2}:\d{2}$"),
                "end": st.column_config.TextColumn("End"),
                "worker": st.column_config.NumberColumn("Worker", min_value=1, step=1),
                "family": st.column_config.CheckboxColumn("Family (childcare)"),
                "serves": st.column_config.TextColumn("Serves", width="medium"),
                "why": st.column_config.TextColumn("Why this venue", width="large"),
                "hours": st.column_config.TextColumn("Opening hours used"),
                "venue": st.column_config.TextColumn("Venue"),
                "area": st.column_config.TextColumn("Area (gap)"),
            })
        edited = base.copy()
        for col in ("status", "date", "start", "worker", "family"):
            edited[col] = edited_view[col].to_numpy()
        lengths = {sid: pop.parse_hhmm(e) - pop.parse_hhmm(s) for sid, s, e in zip(base["session_id"], base["start"], base["end"])}
        try:
            edited = pop.normalise_sessions(edited)
            edited["end"] = [pop.fmt_hhmm(pop.parse_hhmm(s) + lengths[sid]) for sid, s in zip(edited["session_id"],
                                                                                       edited["start"])]
        except (ValueError, TypeError) as exc:
            st.error(f"A start time cannot be read ({exc}); write it as HH:MM.")
            edited = base
        cols = ["status", "date", "start", "end", "worker", "family"]
        if not edited[cols].astype(str).equals(base[cols].astype(str)):
            # every edit is kept at once, so it survives a switch to the route or the exports
            state["sessions"] = edited
            st.session_state["popup_editor_n"] = st.session_state.get("popup_editor_n", 0) + 1
            st.rerun()

        # one session at a time: accept, move or drop
        with st.expander("Accept, move or drop one session"):
            c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 1, 1])
            sid = c1.selectbox("Session", list(edited["session_id"]), key="one_sid",
                               format_func=lambda s: f"{s}: " + " ".join(
                                   str(x) for x in edited.loc[edited['session_id'] == s, ['date', 'start', 'venue']]
                                   .iloc[0].to_list()))
            action = c2.radio("Do", ["accept", "move", "drop"], horizontal=True, key="one_action")
            cur = edited.loc[edited["session_id"] == sid].iloc[0] if len(edited) else None
            new_day = c3.date_input("New date", value=cur["date"] if cur is not None else rules.start,
                                    format="DD/MM/YYYY", key="one_date")
            new_start = c4.text_input("New start", value=cur["start"] if cur is not None else "10:00", key="one_start")
            if c5.button("Apply", key="one_apply") and cur is not None:
                try:
                    if action == "move":
                        changed = pop.move_session(edited, sid, date=new_day, start=new_start)
                    else:
                        changed = edited.copy()
                        changed.loc[changed["session_id"] == sid, "status"] = "accepted" if action == "accept" else "dropped"
                    state["sessions"] = changed
                    st.session_state["popup_editor_n"] = st.session_state.get("popup_editor_n", 0) + 1
                    st.rerun()
                except (ValueError, DataError) as exc:
                    st.error(str(exc))

        problems = pop.check_plan(edited, venues, rules)
        live = edited[edited["status"] != "dropped"]
        kpi_strip([
            ("Sessions", f"{len(live)}", "Sessions proposed or accepted (dropped ones not counted)."),
            ("Accepted", f"{int((live['status'] == 'accepted').sum())}", "Sessions the team has accepted."),
            ("Areas served", f"{live['lsoa_code'].nunique()}", "Top-gap LSOAs with at least one session."),
            ("Family sessions", f"{int(live['family'].sum())}", "Sessions with childcare (may fall in school holidays)."),
            ("On assumed hours", f"{int(live['hours_assumed'].sum())}" if "hours_assumed" in live else "0",
             "Sessions whose venue has no readable opening hours: the kind's default pattern was used."),
        ])
        if len(problems):
            st.error(f"{len(problems)} problem(s) with this plan: fix them before you save.")
            st.dataframe(problems, hide_index=True, width="stretch")
        else:
            st.success("Every session keeps to the opening hours, blackout dates, school holidays, days between "
                       "visits and one session at a time per worker.")

        # ---- map of the plan
        lsoas_web = mapview.decile_layer(wsp.web_layer(ws.id, ws, "lsoas"),
                                         np.asarray(pd.to_numeric(ws.layer("lsoas").get("imd_decile"),
                                                                  errors="coerce"), dtype="float64"))
        m = mapview.build_map(wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=lsoas_web, roads=None,
                              venues=wsp.web_layer(ws.id, ws, "venues"), bus_stops=None, bus_routes=None, partners=None,
                              options=mapview.MapOptions(show=frozenset({"deprivation", "venues"}), meeting=in_meeting,
                                                         attribution=ws.meta.get("attribution", ""), **tile_settings()))
        served = gap_points[gap_points["lsoa_code"].isin(set(live["lsoa_code"]))]
        if len(served):
            polys = ws.layer("lsoas").merge(served[["lsoa_code", "rank"]], on="lsoa_code")
            polys = mapview.to_web(polys, simplify_m=8.0)
            polys["k"] = ""
            polys["tip"] = [f"<b>Gap #{int(r)}</b>: {c}" for r, c in zip(polys["rank"], polys["lsoa_code"])]
            group = folium.FeatureGroup(name="Gaps served").add_to(m)
            mapview.FastGeoJson(polys, styles={"": {"color": "#d4351c", "weight": 3, "fill": False, "dashArray": "6 4"}},
                                sticky=True, name="Gaps served").add_to(group)
        if len(live):
            counts = live.groupby(["venue_id", "venue", "x", "y"], as_index=False).agg(
                n=("session_id", "size"), dates=("date", lambda d: ", ".join(f"{x:%d %b}" for x in sorted(d))))
            pts = gpd.GeoDataFrame(counts, geometry=shapely.points(counts[["x", "y"]].to_numpy(dtype="float64")),
                                   crs=27700)
            pts = mapview.to_web(pts)
            pts["k"] = ""
            pts["html"] = [f"<div style='transform:translate(-50%,-50%);background:#d4351c;color:#fff;border:2px solid "
                           f"#fff;border-radius:12px;min-width:24px;padding:0 4px;font:700 13px/20px sans-serif;"
                           f"text-align:center;box-shadow:0 0 0 1px #0b0c0c'>{int(n)}</div>" for n in pts["n"]]
            pts["tip"] = [f"<b>{v}</b><br>{int(n)} session(s): {d}" for v, n, d in
                          zip(pts["venue"], pts["n"], pts["dates"])]
            mapview.FastGeoJson(pts, styles={"": {}}, point="div", div_class="pw-session-count", name="Sessions"
                                ).add_to(m)
        if len(live):  # open on the sessions and the areas they serve
            for child_key, child in list(m._children.items()):
                if type(child).__name__ == "FitBounds":
                    del m._children[child_key]
            xy = np.vstack([live[["x", "y"]].to_numpy(dtype="float64"), served[["x", "y"]].to_numpy(dtype="float64")])
            minx, miny, maxx, maxy = gpd.GeoSeries(shapely.points(xy), crs=27700).to_crs(4326).total_bounds
            m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(30, 30))
        left, right = st.columns([4, 1])
        with left:
            show_map(m, key="popup_map", height=560)
        with right:
            legend("On the map", [("#d4351c", "sessions at a venue (number)")], shape="circle")
            legend("Gaps", [("#d4351c", "top gap served (dashed outline)")], shape="line")
            pal = mapview.decile_colours(meeting=in_meeting)
            legend("IMD decile", [(pal[0], "1 most deprived"), (pal[4], "5"), (pal[9], "10 least deprived")])

        # ---- save
        c1, c2 = st.columns([3, 1])
        name = c1.text_input("Plan name", value=state["name"] or f"Pop-ups from {rules.start:%d %b %Y}",
                             key="plan_name")
        if c2.button("Save plan", key="plan_save", type="primary", disabled=bool(len(problems))):
            expected = state["version"] if state["name"] == name.strip() else None
            try:
                version = io.save_plan(ws_path, kind=pop.PLAN_KIND, name=name,
                                       payload=pop.plan_payload(edited, rules, notes=state["notes"]),
                                       meta={"sessions": int(len(live)), "start": rules.start.isoformat(),
                                             "weeks": rules.weeks}, expected_version=expected)
                state.update({"name": name.strip(), "version": version, "sessions": edited})
                st.session_state["popup_editor_n"] = st.session_state.get("popup_editor_n", 0) + 1
                st.session_state["plan_saved_msg"] = f"Saved '{name.strip()}' as version {version}."
                st.rerun()
            except DataError as err:
                st.error(str(err))
        if st.session_state.get("plan_saved_msg"):
            st.success(st.session_state.pop("plan_saved_msg"))

# =================================================================================================
# Route for a day
if section == SECTIONS[1]:
    st.markdown("The best order to visit a day's stops from a base: the van at any point (a village green, a car "
                "park), venues and partner sites. Each stop has a session length and a window for its start.")
    live_sessions = (edited[edited["status"] != "dropped"] if edited is not None else pd.DataFrame())
    c1, c2, c3 = st.columns([2, 1, 1])
    plan_days = sorted(set(live_sessions["date"])) if len(live_sessions) else []
    day_choice = c1.selectbox("Day", ["another day"] + plan_days, index=1 if plan_days else 0, key="route_day",
                              format_func=lambda d: d if isinstance(d, str) else
                              f"{d:%a %d %b %Y} ({int((live_sessions['date'] == d).sum())} session(s))")
    day = (c1.date_input("Date", value=pop.next_monday(today()), format="DD/MM/YYYY", key="route_other_day")
           if isinstance(day_choice, str) else day_choice)
    workers_today = sorted(set(live_sessions.loc[live_sessions["date"] == day, "worker"])) if len(live_sessions) else []
    worker = c2.selectbox("Worker", workers_today or [1], key="route_worker")
    mode = c3.radio("Travel", ["Driving (van or car)", "Walking"], key="route_mode")
    c1, c2, c3, c4 = st.columns(4)
    places = {}
    if ws.has("partners"):
        for r in ws.layer("partners").itertuples():
            places[f"Partner: {r.name}"] = ("partner", r.name, r.geometry.x, r.geometry.y, "")
    for r in venues.itertuples():
        if not bool(getattr(r, "closed", False) is True):
            places[f"Venue: {r.name}"] = ("venue", r.name, r.geometry.x, r.geometry.y, getattr(r, "address", "") or "")
    base_name = c1.selectbox("Start and finish at", list(places), key="route_base")
    start_t = c2.text_input("Leave base at", "09:00", key="route_start")
    end_t = c3.text_input("Back by (blank: no limit)", "17:30", key="route_end")
    speed = c4.number_input("Average speed (km/h)", 2.0, 80.0, 30.0 if mode.startswith("Driving") else 4.8, step=1.0,
                            key=f"route_speed_{mode[:4]}", help="An assumption: edit it for your area.")

    # the stops: today's sessions for this worker, plus anything added
    key_day = f"{day}|{worker}|{st.session_state.get('popup_editor_n', 0)}"
    if st.session_state.get("route_stops_for") != key_day:
        todays = live_sessions[(live_sessions["date"] == day) & (live_sessions["worker"] == worker)] \
            if len(live_sessions) else pd.DataFrame()
        rows = []
        for s in (rt.stops_from_sessions(todays) if len(todays) else []):
            lat, lon = rt.xy_to_latlon(s.x, s.y)
            rows.append({"name": s.name, "kind": "venue", "lat": round(lat, 6), "lon": round(lon, 6),
                         "minutes": s.duration_min, "earliest": rt.fmt_time(s.earliest), "latest": rt.fmt_time(s.latest),
                         "must": True})
        st.session_state["route_stops"] = rows
        st.session_state["route_stops_for"] = key_day
        st.session_state["route_stops_n"] = st.session_state.get("route_stops_n", 0) + 1
        st.session_state.pop("route_result", None)

    def _add_stop(row: dict) -> None:
        st.session_state["route_stops"] = list(current_stops.to_dict("records")) + [row]
        st.session_state["route_stops_n"] = st.session_state.get("route_stops_n", 0) + 1

    stops_frame = pd.DataFrame(st.session_state["route_stops"],
                               columns=["name", "kind", "lat", "lon", "minutes", "earliest", "latest", "must"])
    st.markdown("**Stops** (type a van stop's latitude and longitude in a new row, or pick it on the map below)")
    current_stops = st.data_editor(
        stops_frame, num_rows="dynamic", hide_index=True, width="stretch",
        key=f"route_stops_editor_{st.session_state.get('route_stops_n', 0)}",
        column_config={"name": st.column_config.TextColumn("Stop", required=True),
                       "kind": st.column_config.SelectboxColumn("Kind", options=["van stop", "venue", "partner"],
                                                                default="van stop"),
                       "lat": st.column_config.NumberColumn("Latitude", format="%.5f"),
                       "lon": st.column_config.NumberColumn("Longitude", format="%.5f"),
                       "minutes": st.column_config.NumberColumn("Session (min)", min_value=0, default=60),
                       "earliest": st.column_config.TextColumn("Start no earlier than", help="HH:MM, blank: any"),
                       "latest": st.column_config.TextColumn("Start no later than", help="HH:MM, blank: any"),
                       "must": st.column_config.CheckboxColumn("Booked (must visit)", default=False,
                                                               help="Booked sessions are fitted before anything else.")})
    c1, c2, c3 = st.columns([3, 2, 2])
    add_place = c1.selectbox("Add a venue or partner site", list(places), key="route_add_place")
    if c1.button("Add it", key="route_add_place_btn"):
        kind, nm, x, y, _ = places[add_place]
        lat, lon = rt.xy_to_latlon(x, y)
        _add_stop({"name": nm, "kind": kind, "lat": round(lat, 6), "lon": round(lon, 6), "minutes": 60.0,
                   "earliest": "", "latest": "", "must": False})
        st.rerun()
    top = gap_points[gap_points["score"] > 0].head(10)
    gap_pick = c2.multiselect("Van stops at gap areas", list(top["lsoa_code"]), key="route_gap_pick",
                              format_func=lambda c: f"#{int(top.loc[top['lsoa_code'] == c, 'rank'].iloc[0])} "
                                                    f"{top.loc[top['lsoa_code'] == c, 'lsoa_name'].iloc[0] if 'lsoa_name' in top else c}")
    if c2.button("Add van stops", key="route_add_gaps") and gap_pick:
        rows = list(current_stops.to_dict("records"))
        for code in gap_pick:
            g = top[top["lsoa_code"] == code].iloc[0]
            lat, lon = rt.xy_to_latlon(float(g["x"]), float(g["y"]))
            label = g["lsoa_name"] if "lsoa_name" in g and pd.notna(g["lsoa_name"]) else code
            rows.append({"name": f"Van stop: {label}", "kind": "van stop", "lat": round(lat, 6), "lon": round(lon, 6),
                         "minutes": 90.0, "earliest": "", "latest": "", "must": False})
        st.session_state["route_stops"] = rows
        st.session_state["route_stops_n"] = st.session_state.get("route_stops_n", 0) + 1
        st.rerun()
    clicked = st.session_state.get("route_clicked")
    if clicked:
        c3.caption(f"Picked on the map: {clicked[0]:.5f}, {clicked[1]:.5f}")
        if c3.button("Add the picked point as a van stop", key="route_add_click"):
            _add_stop({"name": f"Van stop {len(current_stops) + 1}", "kind": "van stop", "lat": round(clicked[0], 6),
                       "lon": round(clicked[1], 6), "minutes": 60.0, "earliest": "", "latest": "", "must": False})
            st.session_state.pop("route_clicked", None)
            st.rerun()
    else:
        c3.caption("Click the map below to pick a point for a van stop.")

    if st.button("Work out the best order", type="primary", key="route_go"):
        try:
            kind, nm, bx, by, baddr = places[base_name]
            base = rt.Stop(name=nm, x=bx, y=by, kind="base", address=baddr)
            stops, problems = [], []
            for i, r in enumerate(current_stops.to_dict("records"), start=1):
                if pd.isna(r.get("lat")) or pd.isna(r.get("lon")):
                    problems.append(Problem("stops", f"row {i} ({r.get('name') or 'unnamed'}) has no latitude "
                                                         "and longitude.", fix="Type them or pick the point on the map."))
                    continue
                x, y = rt.latlon_to_xy(float(r["lat"]), float(r["lon"]))
                try:
                    e, l = rt.parse_hhmm(r.get("earliest")), rt.parse_hhmm(r.get("latest"))
                except ValueError as exc:
                    problems.append(Problem("stops", f"row {i}: {exc}.", fix="Write times as HH:MM."))
                    continue
                stops.append(rt.Stop(name=str(r.get("name") or f"Stop {i}"), x=x, y=y,
                                     duration_min=float(0 if pd.isna(r.get("minutes")) else r["minutes"]),
                                     earliest=e, latest=l, kind=str(r.get("kind") or "van stop"),
                                     must_visit=bool(r.get("must")) if pd.notna(r.get("must")) else False))
            if problems:
                raise DataError(problems)
            if not stops:
                raise DataError(Problem("route", "has no stops.", fix="Add stops above."))
            with st.spinner(f"Ordering {len(stops)} stops…"):
                route, travel = rt.plan_route(base, stops, graph=graph, start=start_t, end=end_t or None,
                                              speed_m_per_min=speed * 1000 / 60,
                                              mode_words="driving" if mode.startswith("Driving") else "walking")
                legs, marks = rt.route_layers(route, travel, base, stops, graph=graph)
            st.session_state["route_result"] = {"for": key_day, "route": route, "legs": legs, "marks": marks,
                                                "day": day, "worker": int(worker)}
        except DataError as err:
            st.error(f"The route cannot be worked out.\n\n{err}")

    result = st.session_state.get("route_result")
    m = mapview.build_map(wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=wsp.web_layer(ws.id, ws, "lsoas").assign(
        decile=np.nan, decile_text="", lsoa_name=lambda f: f["lsoa_code"]),
        roads=None, venues=wsp.web_layer(ws.id, ws, "venues"), bus_stops=None, bus_routes=None,
        partners=None,  # partner markers would sit on top of the route's numbers
        options=mapview.MapOptions(show=frozenset({"venues"}), meeting=in_meeting,
                                   attribution=ws.meta.get("attribution", ""), **tile_settings()))
    for child_key, child in list(m._children.items()):  # this map opens on the route, not the whole area
        if type(child).__name__ == "FitBounds":
            del m._children[child_key]
    if result is None or result["for"] != key_day:  # open on where the venues are
        minx, miny, maxx, maxy = wsp.web_layer(ws.id, ws, "venues").total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(20, 20))
    if result is not None and result["for"] == key_day:
        route = result["route"]
        rt.add_route_to_map(m, result["legs"], result["marks"])
        minx, miny, maxx, maxy = result["legs"].total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(40, 40))
        back = route.schedule.iloc[-1]
        kpi_strip([("Stops", f"{len(route.order)} of {len(route.order) + len(route.left_out)}",
                    "Stops that fit in the day with their time windows."),
                   ("Travel", f"{route.travel_min:.0f} min", "Time on the road, base to base."),
                   ("Distance", f"{route.distance_m / 1000:.1f} km", "Along roads where the network joins the stops."),
                   ("Back at base", str(back["arrive"]), "When the day ends.")])
        for note in route.notes:
            (st.warning if note.startswith(("Could not fit", "Booked")) else st.caption)(note)
        sched = route.schedule.drop(columns=["stop", "x", "y"]).rename(columns={
            "seq": "#", "name": "Stop", "kind": "Kind", "arrive": "Arrive", "start": "Start", "depart": "Leave",
            "wait_min": "Wait (min)", "travel_min": "Travel (min)", "distance_m": "Distance (m)",
            "estimate": "Straight-line estimate"})
        st.dataframe(sched, hide_index=True, width="stretch")
    out = show_map(m, key="route_map", height=620, returned_objects=["last_clicked"])
    click = (out or {}).get("last_clicked")
    if click and click.get("lat") is not None:
        pt = (float(click["lat"]), float(click["lng"]))
        if st.session_state.get("route_clicked") != pt and st.session_state.get("route_clicked_seen") != pt:
            st.session_state["route_clicked"] = pt
            st.session_state["route_clicked_seen"] = pt
            st.rerun()
    legend("Route (numbers: order · arrival time; B: base)",
           [("#d4351c", "by road"), ("repeating-linear-gradient(90deg,#d4351c 0 6px,transparent 6px 10px)",
                                     "straight-line estimate (dashed)")], shape="line")

# =================================================================================================
# Exports
if section == SECTIONS[2]:
    if edited is None or len(edited) == 0:
        st.info("Propose or open a plan first.")
    else:
        name = (st.session_state.get("popup_plan") or {}).get("name") or "Pop-up sessions"
        stem = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_").lower() or "popups"
        result = st.session_state.get("route_result")
        routes = {(result["day"], result["worker"]): result["route"].schedule} if result else None
        sheet = pop.run_sheet_html(edited, venues, title=f"{name}: run sheet", routes=routes,
                                   attribution=ws.meta.get("attribution", ""))
        c1, c2, c3 = st.columns(3)
        c1.download_button("Calendar (.ics)", ical.sessions_ics(edited, plan_name=name, bring=pop.BRING_ALWAYS),
                           file_name=f"{stem}.ics", mime="text/calendar", key="dl_ics",
                           help="Opens in Outlook and Google Calendar; times are UK local time.")
        c2.download_button("Sessions (.csv)", pop.sessions_csv(edited), file_name=f"{stem}.csv", mime="text/csv",
                           key="dl_csv")
        c3.download_button("Run sheet (printable .html)", sheet.encode("utf-8"), file_name=f"{stem}_run_sheet.html",
                           mime="text/html", key="dl_sheet")
        with st.expander("Run sheet preview", expanded=False):
            st.iframe(sheet, height=600)
