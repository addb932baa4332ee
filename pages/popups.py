"""Pop-ups and routes: propose sessions at venues that reach the top gaps, plan a day's route, export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analyse.hours import DEFAULT_HOURS
from geo.model import VENUE_KINDS, DataError, today
from geo.plan import blackouts
from geo.plan.clock import slot_starts_from_text
from geo.plan.popup_draft import SessionPlanDraft
from geo.plan.popup_rules import DEFAULT_KINDS, PlanRules
from geo.plan.popups import propose_plan
from ui import assumptions as assumptions_ui
from ui import meeting, popups_state
from ui import workspace as wsp
from ui.display import fictional_banner
from ui.nav import ensure_app_navigation
from ui.popups_exports import exports_section
from ui.popups_plan import plan_view
from ui.popups_route import route_section
from ui.popups_saved import popup_plans_panel

ensure_app_navigation()

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
st.title("Pop-ups and routes")
st.caption(ws.display_name)
fictional_banner(ws.fictional)

if not ws.has("venues"):
    st.warning("This workspace has no venues: add community venues on the 'Your data' page to plan pop-ups.")
    st.stop()

# the gaps this page serves: the ones on the Gaps page (same view, weights and reach assumptions)
reach, weights = assumptions_ui.reach(), assumptions_ui.gap_weights()
with st.status("Finding the top gaps…", expanded=False) as status:
    gap_points = popups_state.gap_points(ws.id, ws, reach, weights)
    graph = wsp.road_graph(ws.id, ws)
    status.update(label="Top gaps ready", state="complete")
st.caption(assumptions_ui.used_caption(reach, weights, where="the Map or Gaps page") + " The top gaps are the Gaps "
           "page's.")
venues = ws.layer("venues")
day0 = today()

SECTIONS = ("Plan sessions", "Route for a day", "Exports")
# A switch rather than tabs: only the chosen part runs, and a map is never drawn in a hidden tab
# (Leaflet cannot size itself there).
section = st.radio("Part", SECTIONS, horizontal=True, key="popup_section", label_visibility="collapsed")
draft = popups_state.draft()

# =================================================================================================
# Plan
if section == SECTIONS[0]:
    # a different label once a plan exists: the settings fold away and the plan comes first
    settings_box = st.expander("Settings: change them and propose again" if draft is not None else
                               "Settings: period, capacity, where and when not", expanded=draft is None)
    with settings_box, st.form("plan_settings"):
        st.markdown("**Period and capacity**")
        c1, c2, c3, c4 = st.columns(4)
        start = c1.date_input("First day", value=blackouts.next_monday(day0), format="DD/MM/YYYY", key="plan_start")
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
        kinds = c3.multiselect("Venue kinds", present, default=[k for k in DEFAULT_KINDS if k in present],
                               format_func=lambda k: VENUE_KINDS[k], key="plan_kinds")
        st.markdown("**When not**")
        c1, c2 = st.columns([1, 2])
        days = c1.multiselect("Days of the week", list(range(7)), default=list(range(5)),
                              format_func=lambda i: WEEKDAYS[i], key="plan_days")
        blackout_text = c1.text_area("Blackout dates (one a line: YYYY-MM-DD or DD/MM/YYYY, then any note)",
                                     blackouts.default_blackout_text(day0), height=160, key="plan_blackout",
                                     help="English bank holidays are filled in; add training days, closures, ...")
        c2.caption("School holidays: typical English dates. Term dates differ by council and academy trust: "
                   "check yours and edit.")
        holidays = c2.data_editor(blackouts.school_holiday_table(blackouts.DEFAULT_SCHOOL_HOLIDAYS, today=day0),
                                  num_rows="dynamic", hide_index=True, key="plan_holidays",
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
        try:
            rules = PlanRules(
                start=start, weeks=int(weeks), workers=int(workers), sessions_per_worker_week=int(per_worker),
                session_minutes=int(length), min_days_between_visits=int(min_gap),
                max_sessions_per_worker_day=int(per_day), slot_starts=slot_starts_from_text(slots),
                weekdays=frozenset(days), blackout=blackouts.parse_blackout_dates(blackout_text),
                school_holidays=blackouts.school_holidays_from_table(holidays),
                ordinary_in_school_holidays=ordinary_hol, family_in_school_holidays=family_hol,
                kinds=tuple(kinds), top_gaps=int(top_n), max_minutes=float(max_min),
                default_hours=dict(zip(hours_edit["kind"], hours_edit["hours"])))
            with st.spinner("Placing sessions…"):
                plan = propose_plan(gap_points, venues, rules, assumptions=reach, graph=graph,
                                    bus_stops=ws.layer("bus_stops") if ws.has("bus_stops") else None)
        except DataError as err:
            st.error(f"The plan cannot be made with these settings.\n\n{err}")
        else:
            popups_state.keep(SessionPlanDraft.from_plan(plan), forget_route=True)
            st.rerun()  # the settings fold away and the plan shows

    if draft is None:
        st.info("Set the period and capacity above and press **Propose sessions**.")
    else:
        plan_view(draft, ws=ws, venues=venues, gap_points=gap_points, in_meeting=in_meeting)
    popup_plans_panel(wsp.workspace_path(), draft, venues=venues, ws_id=ws.id)

# =================================================================================================
# Route for a day
if section == SECTIONS[1]:
    route_section(draft, ws=ws, venues=venues, gap_points=gap_points, graph=graph, reach=reach, today=day0,
                  in_meeting=in_meeting)

# =================================================================================================
# Exports
if section == SECTIONS[2]:
    exports_section(draft, ws=ws)
