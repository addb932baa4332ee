"""The Pop-ups page's exports: the plan as a calendar (.ics), a CSV and a printable run sheet."""

from __future__ import annotations

import streamlit as st

from geo.model import Workspace
from geo.out.calendar import sessions_ics
from geo.out.runsheet import BRING_ALWAYS, run_sheet_html
from geo.out.session_files import plan_file_stem, sessions_csv
from geo.plan.popup_draft import SessionPlanDraft
from ui import popups_state

DEFAULT_PLAN_NAME = "Pop-up sessions"


def exports_section(draft: SessionPlanDraft | None, *, ws: Workspace) -> None:
    if draft is None or len(draft.sessions) == 0:
        st.info("Propose or open a plan first.")
        return
    sessions = draft.sessions
    name = draft.name or DEFAULT_PLAN_NAME
    stem = plan_file_stem(name)
    result = popups_state.route_result()
    routes = {(result.day, result.worker): result.route.schedule} if result is not None else None
    sheet = run_sheet_html(sessions, ws.layer("venues"), title=f"{name}: run sheet", routes=routes,
                           attribution=ws.meta.get("attribution", ""))
    c1, c2, c3 = st.columns(3)
    c1.download_button("Calendar (.ics)", sessions_ics(sessions, plan_name=name, bring=BRING_ALWAYS),
                       file_name=f"{stem}.ics", mime="text/calendar", key="dl_ics",
                       help="Opens in Outlook and Google Calendar; times are UK local time.")
    c2.download_button("Sessions (.csv)", sessions_csv(sessions), file_name=f"{stem}.csv", mime="text/csv",
                       key="dl_csv")
    c3.download_button("Run sheet (printable .html)", sheet.encode("utf-8"), file_name=f"{stem}_run_sheet.html",
                       mime="text/html", key="dl_sheet")
    with st.expander("Run sheet preview", expanded=False):
        st.iframe(sheet, height=600)
