"""The Pop-ups page's saved plans, through the shared saved-plans panel (ui.plans): what a save keeps
(`SessionPlanDraft.save_request`) and what an open, a save and a delete do to the plan being edited.
The draft says where it was last saved (its name and version), so the panel asks it (`origin`);
nothing here reads or writes the plan store itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from geo import io
from geo.plan.popup_draft import PlanSave, SessionPlanDraft
from geo.plan.popup_rules import PLAN_KIND
from ui import popups_state
from ui.plans import PlanKind, saved_plans_panel


def describe_popup_plan(info: io.PlanInfo) -> str:
    """A saved pop-up plan in the list: its sessions, weeks and first day."""
    meta = info.meta
    try:
        start = f" from {dt.date.fromisoformat(str(meta.get('start'))):%d %b %Y}"
    except ValueError:
        start = ""
    return f"{meta.get('sessions', '?')} sessions, {meta.get('weeks', '?')} weeks{start}"


#: Saved pop-up plans, as the shared saved-plans panel shows them.
POPUP_PLANS = PlanKind(kind=PLAN_KIND, prefix="popup", title="Saved pop-up plans",
                       placeholder="e.g. Winter pop-ups", describe=describe_popup_plan)


def _request(plan: SessionPlanDraft) -> PlanSave:
    return plan.save_request(plan.default_name)  # payload and meta do not depend on the name


def _open(info: io.PlanInfo, payload: dict[str, Any]) -> None:
    popups_state.keep(SessionPlanDraft.from_saved(info.name, info.version, payload), forget_route=True)


def _deleted(plan: SessionPlanDraft, name: str) -> None:
    if plan.name == name:  # no longer saved anywhere: a save makes it new again
        popups_state.keep(dataclasses.replace(plan, name=None, version=None))


def _origin(plan: SessionPlanDraft) -> tuple[str, int] | None:
    return (plan.name, plan.version) if plan.name is not None and plan.version is not None else None


def popup_plans_panel(path: Path, plan: SessionPlanDraft | None, *, venues: pd.DataFrame, ws_id: str) -> None:
    """Save the plan being edited (disabled with none, or while it breaks a rule), and open or delete
    saved ones; the name box offers the plan's saved name, else one from its first day."""
    if plan is None:
        saved_plans_panel(POPUP_PLANS, path=path, payload=dict, meta=dict, open_plan=_open, can_save=False)
        return
    saved_plans_panel(POPUP_PLANS, path=path, payload=lambda: _request(plan).payload,
                      meta=lambda: _request(plan).meta, open_plan=_open,
                      can_save=popups_state.problems(plan, venues, ws_id).empty, name=plan.default_name,
                      origin=lambda: _origin(plan),
                      on_saved=lambda name, version: popups_state.keep(plan.saved(name, version)),
                      on_deleted=lambda name: _deleted(plan, name))
