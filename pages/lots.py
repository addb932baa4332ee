"""Lots: scope commissioning lots from wards or LSOAs, see their need and value, suggest, compare, export."""

from __future__ import annotations

import streamlit as st

from ui import lots as lui
from ui import workspace as wsp
from ui.display import fictional_banner
from ui.lots_compare import compare_view
from ui.lots_edit import draw_lots_tab
from ui.lots_places import draw_places_tab
from ui.lots_saved import saved_scenarios_panel
from ui.lots_suggest import draw_suggest_tab
from ui.lots_value import draw_value_model_tab
from ui.nav import ensure_app_navigation
from ui.plans import saved_plans

ensure_app_navigation()

ws = wsp.current_workspace()
st.title("Commissioning lots")
st.caption(f"{ws.display_name}. A lot is a group of wards or LSOAs that one provider delivers in. Residents "
           "and need come from the data; participants, advisors, cost and income are estimates from the "
           "value model on the Assumptions tab.")
fictional_banner(ws.fictional)
top_message = st.container()

layers = lui.unit_layers(ws)
unit_key: str = st.selectbox("Build lots from", list(layers), format_func=lambda k: layers[k], key="lots_unit_key",
                             help="Wards of any boundary year in the workspace, or LSOAs. Lots may cross council "
                                  "boundaries.") or "lsoas"
lu = lui.lot_units(ws.id, ws, unit_key)
draft = lui.draft_on(unit_key)

# Only the open tab is drawn (switching tabs reruns the page): a rerun costs what that tab needs, and
# no map starts life in a hidden tab.
tab_lots, tab_suggest, tab_compare, tab_assume, tab_places = st.tabs(
    ["Lots", "Suggest lots", "Compare and save", "Assumptions", "Place names"], key="lots_tab",
    on_change="rerun")

with tab_assume:  # first: every other tab uses the value model it makes
    model = draw_value_model_tab(top_message) if tab_assume.open else draft.model
view = lui.lots_view(ws, unit_key, layers, lu, model)

if tab_lots.open:
    with tab_lots:
        draw_lots_tab(view)
if tab_suggest.open:
    with tab_suggest:
        draw_suggest_tab(view)
if tab_compare.open:
    with tab_compare:
        saved_scenarios_panel(view)
        compare_view(view, saved_plans(lui.LOT_PLANS, wsp.workspace_path()))
if tab_places.open:
    with tab_places:
        draw_places_tab(view)

if view.attribution:
    st.caption(view.attribution)
