"""The Pop-ups page's saved plans: open one from the workspace, save the plan being edited (versioned).

All of the page's plan-store code is in `saved_popup_plans`, so it can be swapped for the shared
saved-plans panel (ui/plans.py) in one place. The picker and the save controls sit where the page puts
their containers (the page draws the plan between them, after this has run): opening a plan gives the
page the opened draft to draw; saving keeps the saved draft and reruns the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import io
from geo.model import DataError
from geo.plan.popup_draft import SessionPlanDraft
from geo.plan.popup_rules import PLAN_KIND
from ui import popups_state

SAVED_MSG_KEY = "plan_saved_msg"


def _saved_label(plan: io.PlanInfo) -> str:
    return f"{plan.name} (version {plan.version}, saved {plan.saved_at[:16]})"


def saved_popup_plans(path: Path, draft: SessionPlanDraft | None, *, open_box: Any, save_box: Any,
                      venues: pd.DataFrame, ws_id: str) -> SessionPlanDraft | None:
    """The saved-plans picker (in `open_box`) and, with a plan, its name and Save button (in `save_box`;
    disabled while the plan breaks a rule). Returns the plan to show: the one opened, else `draft`."""
    try:
        saved = io.list_plans(path, kind=PLAN_KIND)
    except DataError:
        saved = []
    if saved:
        by_name = {p.name: p for p in saved}
        c1, c2 = open_box.columns([3, 1])
        pick = c1.selectbox("Saved pop-up plans", list(by_name), key="plan_saved_pick",
                            format_func=lambda n: _saved_label(by_name[n]))
        if c2.button("Open saved plan", key="plan_open"):
            info, payload = io.load_plan(path, kind=PLAN_KIND, name=pick)
            draft = SessionPlanDraft.from_saved(info.name, info.version, payload)
            popups_state.keep(draft, forget_route=True)
    if draft is None:
        return None
    c1, c2 = save_box.columns([3, 1])
    name = c1.text_input("Plan name", value=draft.default_name, key="plan_name")
    can_save = popups_state.problems(draft, venues, ws_id).empty
    if c2.button("Save plan", key="plan_save", type="primary", disabled=not can_save):
        request = draft.save_request(name)
        try:
            version = io.save_plan(path, kind=PLAN_KIND, name=request.name, payload=request.payload,
                                   meta=request.meta, expected_version=request.expected_version)
            popups_state.keep(draft.saved(request.name, version))
            st.session_state[SAVED_MSG_KEY] = f"Saved '{request.name.strip()}' as version {version}."
            st.rerun()
        except DataError as err:
            save_box.error(str(err))
    if st.session_state.get(SAVED_MSG_KEY):
        save_box.success(st.session_state.pop(SAVED_MSG_KEY))
    return draft
