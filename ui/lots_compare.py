"""The comparison on the Compare and save tab of the Lots page: two or three options (the current lots and
saved scenarios) side by side, as a table and small maps."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo import io
from geo.model import DataError
from geo.out.lots_map import lots_map
from geo.plan.lots.draft import CURRENT_OPTION
from geo.plan.lots.scenario import Scenario
from geo.plan.lots.tables import compare_table, display_table
from geo.plan.lots.units import LotUnits
from ui import workspace as wsp
from ui.lots import LotsView, saved_scenario, saved_scenario_map, web_units
from ui.map import show_map


def compare_view(view: LotsView, saved: Mapping[str, io.PlanInfo]) -> None:
    path = str(wsp.workspace_path())
    st.subheader("Compare lot options")
    options, default = view.draft.compare_options(list(saved))
    chosen = st.multiselect("Options to compare (two or three)", options, default=default, max_selections=3,
                            key="lots_compare")
    profiles: dict[str, pd.DataFrame] = {}
    shapes: dict[str, tuple[LotUnits, Scenario]] = {}
    for option in chosen:
        try:
            if option == CURRENT_OPTION:
                o_lu, o_s, profiles[option] = view.lu, view.scenario, view.prof
            else:
                o_lu, o_s, profiles[option] = saved_scenario(view.ws.id, view.ws, path, option, saved[option].version)
            shapes[option] = (o_lu, o_s)
        except DataError as err:
            st.error(str(err))
    if not profiles:
        return
    table = compare_table(profiles)
    st.dataframe(table, width="stretch", height=35 * (len(table) + 1) + 3)
    for col, (option, (o_lu, o_s)) in zip(st.columns(len(profiles)), shapes.items()):
        with col:
            st.markdown(f"**{option}**")
            if option == CURRENT_OPTION:
                mini = lots_map(web_units(view.ws.id, view.ws, o_s.unit_layer), o_lu, dict(o_s.lots),
                                served=o_s.served, labels=True, interactive=False, fit="lots")
            else:
                mini = saved_scenario_map(view.ws.id, view.ws, path, option, saved[option].version)
            show_map(mini, key=f"lots_cmp_map_{option}", height=300)
            small = display_table(profiles[option])[["Residents", "Advisors needed (FTE)", "Lot value", "Flags"]]
            st.dataframe(small.rename(columns={"Advisors needed (FTE)": "Advisors"}), width="stretch",
                         column_config={"Flags": st.column_config.TextColumn(width="large")})
