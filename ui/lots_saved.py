"""The Lots page's saved scenarios, through the shared saved-plans panel (ui.plans): what a save keeps
(the scenario and a summary: lots, the layer built from, total value) and what an open, a save and a
delete do to the lot draft. The draft says which scenario it came from (`LotDraft.loaded`), so the
panel asks it (`origin`); nothing here reads or writes the plan store itself.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo import io
from geo.plan.lots.draft import LotDraft
from geo.plan.lots.scenario import scenario_payload
from ui import workspace as wsp
from ui.lots import LOT_PLANS, LotsView, draft, saved_scenario_of, set_draft, update
from ui.plans import saved_plans_panel


def _meta(view: LotsView) -> dict[str, Any]:
    return {"lots": len(view.scenario.lots), "unit_layer": view.layers.get(view.unit_key, view.unit_key),
            "value_gbp": round(float(view.prof["lot_value_gbp"].sum()))}


def _open(view: LotsView, info: io.PlanInfo, payload: dict[str, Any]) -> None:
    _, s = saved_scenario_of(view.ws, info.name, payload)  # DataError: the panel says why, nothing changes
    set_draft(LotDraft.from_scenario(s, loaded=(info.name, info.version), after=draft()))
    st.session_state["lots_unit_key"] = s.unit_layer


def saved_scenarios_panel(view: LotsView) -> None:
    """Save the current lots as a scenario (refused with no lots), and open or delete saved ones."""
    saved_plans_panel(LOT_PLANS, path=wsp.workspace_path(), payload=lambda: scenario_payload(view.scenario),
                      meta=lambda: _meta(view), open_plan=lambda info, payload: _open(view, info, payload),
                      can_save=bool(view.draft.lots), origin=lambda: draft().loaded,
                      on_saved=lambda name, version: update(lambda d: d.saved_as(name, version)),
                      on_deleted=lambda name: update(lambda d: d.deleted(name)))
