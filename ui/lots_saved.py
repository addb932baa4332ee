"""The Lots page's saved-scenarios panel: save the current lots as a named, versioned scenario, list the
saved ones, load or delete one. Every read and write of saved lot scenarios from the page is here (the
page's own panel, kept apart so it can be swapped for ui.plans' shared one).

A save under a name already saved, but not the one loaded, is refused; a save based on a stale version is
refused by geo.io. Messages go through session key `lots_save_msg` to the next run.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo import io
from geo.model import DataError, Workspace
from geo.plan.lots.draft import LotDraft
from geo.plan.lots.scenario import PLAN_KIND, scenario_payload
from ui import workspace as wsp
from ui.lots import LotsView, draft, message, read_saved, set_draft, show_message, update

_MESSAGE = "lots_save_msg"


def saved_scenarios() -> dict[str, io.PlanInfo]:
    """The lot scenarios saved in this workspace, by name."""
    return {p.name: p for p in io.list_plans(wsp.workspace_path(), kind=PLAN_KIND)}


def _load(ws: Workspace, name: str) -> None:
    try:
        info, _, s = read_saved(ws, wsp.workspace_path(), name)
    except DataError as err:
        message(_MESSAGE, "error", str(err))
        return
    set_draft(LotDraft.from_scenario(s, loaded=(info.name, info.version), after=draft()))
    st.session_state["lots_unit_key"] = s.unit_layer
    st.session_state["lots_save_name"] = info.name
    message(_MESSAGE, "ok", f"Loaded '{info.name}' (version {info.version}).")


def _delete(name: str, version: int) -> None:
    try:
        io.delete_plan(wsp.workspace_path(), kind=PLAN_KIND, name=name, expected_version=version)
    except DataError as err:
        message(_MESSAGE, "error", str(err))
        return
    update(lambda d: d.deleted(name))
    message(_MESSAGE, "ok", f"Deleted '{name}'.")


def _save(view: LotsView, name: str, saved: Mapping[str, io.PlanInfo]) -> None:
    try:
        version = io.save_plan(wsp.workspace_path(), kind=PLAN_KIND, name=name,
                               payload=scenario_payload(view.scenario),
                               meta={"lots": len(view.scenario.lots),
                                     "unit_layer": view.layers.get(view.unit_key, view.unit_key),
                                     "value_gbp": round(float(view.prof["lot_value_gbp"].sum()))},
                               expected_version=view.draft.expected_version(name, saved))
        update(lambda d: d.saved_as(name, version))
        message(_MESSAGE, "ok", f"Saved '{name.strip()}' (version {version}).")
        st.rerun()
    except DataError as err:
        message(_MESSAGE, "error", str(err))


def saved_scenarios_panel(view: LotsView, saved: Mapping[str, io.PlanInfo]) -> None:
    """Save (left) and the saved scenarios with Load and Delete (right)."""
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Save the current lots as a scenario**")
        name = st.text_input("Scenario name", key="lots_save_name")
        if st.button("Save scenario", key="lots_save", disabled=not view.draft.lots):
            _save(view, name, saved)
        show_message(_MESSAGE)
    with right:
        st.markdown("**Saved scenarios**")
        if not saved:
            st.caption("Nothing saved yet.")
            return
        st.dataframe(pd.DataFrame([{"Scenario": p.name, "Version": p.version,
                                    "Saved": p.saved_at[:16].replace("T", " "), "Lots": p.meta.get("lots"),
                                    "Built from": p.meta.get("unit_layer"),
                                    "Total value": f"£{p.meta.get('value_gbp', 0):,.0f}"} for p in saved.values()]),
                     hide_index=True, width="stretch")
        r1, r2, r3 = st.columns([3, 1, 1], vertical_alignment="bottom")
        pick = r1.selectbox("Scenario", list(saved), key="lots_pick")
        r2.button("Load", key="lots_load", on_click=_load, args=(view.ws, pick), width="stretch")
        r3.button("Delete", key="lots_delete", on_click=_delete, args=(pick, saved[pick].version), width="stretch")
