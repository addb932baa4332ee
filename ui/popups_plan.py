"""The Pop-ups page's plan: which gaps and how often, the editable sessions table, one session accepted,
moved or dropped, the plan's KPIs and problems, and its map. The edits themselves are
`geo.plan.popup_draft.SessionPlanDraft` methods; this module draws the widgets and keeps the result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from geo.model import DataError, Workspace
from geo.out import mapview
from geo.out.popup_layers import (
    SERVED_LEGEND,
    SESSIONS_LEGEND,
    add_served_gaps,
    add_session_counts,
    open_on,
    plan_bounds,
    served_gaps,
)
from geo.plan.popup_draft import ACTIONS, SessionPlanDraft
from geo.plan.popup_rules import STATUSES
from ui import popups_state
from ui import workspace as wsp
from ui.display import kpi_strip, legend
from ui.map import show_map

BY_GAP_LABELS = {"rank": "Gap", "area": "Area", "score": "Gap score", "gap_reason": "Why it is a gap",
                 "target": "Share of sessions", "planned": "Planned", "venues": "Venues"}
READ_ONLY = ["session_id", "end", "venue", "area", "serves", "why", "hours"]


def _editor_config() -> dict[str, Any]:
    col = st.column_config
    return {
        "session_id": col.TextColumn("Session", width="small"),
        "status": col.SelectboxColumn("Status", options=list(STATUSES), required=True,
                                      help="Accept, keep as proposed, or drop"),
        "date": col.DateColumn("Date", format="ddd DD/MM/YYYY", required=True),
        "start": col.TextColumn("Start", help="HH:MM: change it to move the session", validate=r"^\d{1,2}:\d{2}$"),
        "end": col.TextColumn("End"),
        "worker": col.NumberColumn("Worker", min_value=1, step=1),
        "family": col.CheckboxColumn("Family (childcare)"),
        "serves": col.TextColumn("Serves", width="medium"),
        "why": col.TextColumn("Why this venue", width="large"),
        "hours": col.TextColumn("Opening hours used"),
        "venue": col.TextColumn("Venue"),
        "area": col.TextColumn("Area (gap)"),
    }


def _sessions_table(draft: SessionPlanDraft) -> None:
    """The editable sessions table; every edit is kept at once, so it survives a switch of part."""
    table = st.data_editor(draft.editor_table(), key=f"popup_editor_{popups_state.editor_revision()}",
                           hide_index=True, width="stretch", disabled=READ_ONLY,
                           column_config=_editor_config())
    edit = draft.apply_edits(table)
    for problem in edit.problems:
        st.error(problem)
    if edit.changed:
        popups_state.keep(edit.draft)
        st.rerun()


def _one_session(draft: SessionPlanDraft) -> None:
    sessions = draft.sessions
    with st.expander("Accept, move or drop one session"):
        c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 1, 1])
        sid = c1.selectbox("Session", list(sessions["session_id"]), key="one_sid", format_func=draft.describe_session)
        action = c2.radio("Do", list(ACTIONS), horizontal=True, key="one_action")
        cur = sessions.loc[sessions["session_id"] == sid].iloc[0] if len(sessions) else None
        new_day = c3.date_input("New date", value=cur["date"] if cur is not None else draft.rules.start,
                                format="DD/MM/YYYY", key="one_date")
        new_start = c4.text_input("New start", value=cur["start"] if cur is not None else "10:00", key="one_start")
        if c5.button("Apply", key="one_apply") and cur is not None:
            try:
                popups_state.keep(draft.apply_action(str(sid), action, date=new_day, start=new_start))
                st.rerun()
            except (ValueError, DataError) as exc:
                st.error(str(exc))


def _kpis_and_problems(draft: SessionPlanDraft, problems: pd.DataFrame) -> None:
    n = draft.counts()
    kpi_strip([
        ("Sessions", f"{n.sessions}", "Sessions proposed or accepted (dropped ones not counted)."),
        ("Accepted", f"{n.accepted}", "Sessions the team has accepted."),
        ("Areas served", f"{n.areas}", "Top-gap LSOAs with at least one session."),
        ("Family sessions", f"{n.family}", "Sessions with childcare (may fall in school holidays)."),
        ("On assumed hours", f"{n.assumed_hours}",
         "Sessions whose venue has no readable opening hours: the kind's default pattern was used."),
    ])
    if len(problems):
        st.error(f"{len(problems)} problem(s) with this plan: fix them before you save.")
        st.dataframe(problems, hide_index=True, width="stretch")
    else:
        st.success("Every session keeps to the opening hours, blackout dates, school holidays, days between "
                   "visits and one session at a time per worker.")


def _plan_map(draft: SessionPlanDraft, *, ws: Workspace, gap_points: pd.DataFrame, in_meeting: bool) -> None:
    live = draft.live
    lsoas = ws.layer("lsoas")
    deciles = (np.asarray(pd.to_numeric(lsoas["imd_decile"], errors="coerce"), dtype="float64")
               if "imd_decile" in lsoas.columns else np.full(len(lsoas), np.nan))  # the decile is optional
    m = mapview.build_map(wards=wsp.web_layer(ws.id, ws, "wards"),
                          lsoas=mapview.decile_layer(wsp.web_layer(ws.id, ws, "lsoas"), deciles), roads=None,
                          venues=wsp.web_layer(ws.id, ws, "venues"), bus_stops=None, bus_routes=None, partners=None,
                          options=popups_state.map_options(ws, show=frozenset({"deprivation", "venues"}),
                                                           in_meeting=in_meeting))
    served = served_gaps(gap_points, live)
    add_served_gaps(m, ws.layer("lsoas"), served)
    add_session_counts(m, live)
    if len(live):  # open on the sessions and the areas they serve
        open_on(m, plan_bounds(live, served), padding=(30, 30))
    left, right = st.columns([4, 1])
    with left:
        show_map(m, key="popup_map", height=560)
    with right:
        legend("On the map", SESSIONS_LEGEND, shape="circle")
        legend("Gaps", SERVED_LEGEND, shape="line")
        pal = mapview.decile_colours(meeting=in_meeting)
        legend("IMD decile", [(pal[0], "1 most deprived"), (pal[4], "5"), (pal[9], "10 least deprived")])


def plan_view(draft: SessionPlanDraft, *, ws: Workspace, venues: pd.DataFrame, gap_points: pd.DataFrame,
              in_meeting: bool) -> None:
    """Everything shown for a plan: its gaps, sessions (editable), KPIs, problems and map."""
    st.subheader(draft.title)
    for note in draft.notes:
        st.caption(note)
    if draft.by_gap is not None and len(draft.by_gap):
        with st.expander("Which gaps, and how often (sessions follow the gap score)", expanded=not in_meeting):
            st.dataframe(draft.by_gap.rename(columns=BY_GAP_LABELS).drop(columns=["lsoa_code"]), hide_index=True,
                         width="stretch", column_config={"Gap score": st.column_config.NumberColumn(format="%.2f")})
    _sessions_table(draft)
    _one_session(draft)
    _kpis_and_problems(draft, popups_state.problems(draft, venues, ws.id))
    _plan_map(draft, ws=ws, gap_points=gap_points, in_meeting=in_meeting)
