"""Hubs: the venues that bring the most need within a travel-time budget, then satellite hubs for the rest."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo import io
from geo.analyse import deprivation
from geo.model import VENUE_KINDS, DataError
from geo.out import gpkg, plan_layers, plan_tables
from geo.plan import hubs, need, places
from ui import assumptions as assumptions_ui
from ui import meeting, planning
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map
from ui.nav import ensure_app_navigation
from ui.plans import PlanKind, saved_plans_panel

ensure_app_navigation()

HORIZON_MIN = wsp.HUB_HORIZON_MIN  # travel times are computed once up to this; budgets are at most this
DEFAULT_KINDS = ("library", "community_centre", "childrens_centre", "leisure_centre")
PLANS = PlanKind(kind=hubs.PLAN_KIND, prefix="hub", title="Saved hub plans", placeholder="e.g. Three hubs, 15 minutes",
                 describe=lambda p: (f"{p.meta.get('hubs', '?')} hubs, "
                                     f"{float(p.meta.get('covered_share', 0)):.0%} covered"))

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
reach = assumptions_ui.reach()
st.title("Hubs and satellite hubs")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
if not in_meeting:  # meeting mode: the map on the first screen (the intro and settings folded away)
    st.markdown("Which venues, as hubs, put the most **need** (working-age residents, weighted towards the most "
                "deprived) within a travel-time budget? Hubs already in place are kept. Satellite hubs are "
                "then proposed for the need still uncovered.")

if not ws.has("venues"):
    st.info("This workspace has no venues: import community venues on the 'Your data' page to plan hubs.")
    st.stop()

venues = ws.layer("venues")
vid = venues["venue_id"].astype(str).tolist()
vname = dict(zip(vid, venues["name"].astype(str), strict=True))
vkind = dict(zip(vid, venues["kind"].astype(str), strict=True))
kinds_here = [k for k in VENUE_KINDS if k in set(vkind.values())] + sorted(set(vkind.values()) - set(VENUE_KINDS))
indices = deprivation.available_indices(ws.layer("lsoas")) or ["imd"]
open_ids = [v for v, ok in zip(vid, hubs.candidate_mask(venues, ()), strict=True) if ok]  # closed: never hubs


def venue_label(v: str) -> str:
    return f"{vname.get(v, v)} ({VENUE_KINDS.get(vkind.get(v, ''), vkind.get(v, ''))})"


def kind_label(k: str) -> str:
    return VENUE_KINDS.get(k, k)


# ---- settings -------------------------------------------------------------------------------------
with (st.expander("Hub settings", expanded=False) if in_meeting else st.container()).form("hub_form", border=True):
    c1, c2, c3 = st.columns([1, 1, 2])
    n_hubs = c1.number_input("Hubs in total", min_value=1, max_value=max(1, min(50, len(vid))), value=min(3, len(vid)),
                             step=1, key="hub_k", help="Including the hubs already in place.")
    budget = c2.slider("Travel-time budget (minutes)", 5, int(HORIZON_MIN), 15, step=1, key="hub_budget",
                       help="Walking time from an LSOA's population-weighted point to the hub.")
    kinds = c3.multiselect("Candidate venue kinds", kinds_here, format_func=kind_label, key="hub_kinds",
                           default=[k for k in DEFAULT_KINDS if k in kinds_here] or kinds_here)
    c4, c5 = st.columns([3, 1])
    fixed = c4.multiselect("Hubs already in place (kept)", open_ids, format_func=venue_label, key="hub_fixed")
    index = c5.selectbox("Deprivation measure", indices, format_func=deprivation.index_label, key="hub_index")
    s1, s2, s3, s4 = st.columns([1, 1, 1, 2])
    n_sats = s1.number_input("Satellite hubs (at most)", min_value=0, max_value=20, value=2, step=1, key="hub_sats")
    sat_budget = s2.slider("Satellite budget (minutes)", 5, int(HORIZON_MIN), 15, step=1, key="hub_sat_budget")
    min_need = s3.number_input("Least need a satellite adds", min_value=0, value=50, step=10, key="hub_sat_min",
                               help="A satellite reaching less uncovered need than this is not proposed.")
    sat_kinds = s4.multiselect("Satellite venue kinds", kinds_here, format_func=kind_label, key="hub_sat_kinds",
                               default=kinds_here)
    submitted = st.form_submit_button("Find hubs", type="primary", icon=":material/hub:", key="hub_find")

settings = hubs.HubSettings(n_hubs=int(n_hubs), budget_min=float(budget), kinds=tuple(kinds), fixed=tuple(fixed),
                            n_satellites=int(n_sats), satellite_budget_min=float(sat_budget),
                            satellite_kinds=tuple(sat_kinds), min_satellite_need=float(min_need), index=index)
try:
    with st.spinner("Timing every LSOA to every venue…"):
        tt = wsp.hub_travel_times(ws.id, ws, reach)
    st.caption(assumptions_ui.used_caption(reach))
    if submitted or "hub_plan" not in st.session_state or st.session_state.get("hub_ws") != ws.id:
        with st.status("Choosing hubs (maximal covering, exact solver)…", expanded=False) as status:
            solved = planning.hub_plan(ws.id, ws, settings, reach)
            status.update(label=f"Hubs chosen in {solved.seconds:.1f} s", state="complete")
        st.session_state.update(hub_plan=solved, hub_ws=ws.id, hub_loaded=None)
except DataError as err:
    st.error(str(err))
    st.stop()

plan: hubs.HubPlan = st.session_state["hub_plan"]
need_used = wsp.hub_need(ws.id, ws, plan.settings.index)  # a reopened plan keeps its own deprivation measure

# ---- headline -------------------------------------------------------------------------------------
best_text, best_help = plan_tables.distance_from_best(plan)
adjacency = wsp.lsoa_adjacency(ws.id, ws)
pockets = hubs.uncovered_pockets(plan, adjacency)
kpi_strip([
    ("Need covered by hubs", f"{plan.hub_share:.0%}",
     f"{plan.hub_need:,.0f} of {plan.total_need:,.0f} need within {plan.settings.budget_min:g} minutes of a hub."),
    ("With satellites", f"{plan.covered_share:.0%}", (f"{len(plan.satellites)} satellite hubs add "
                                                      f"{plan.satellite_need:,.0f} need within "
                                                      f"{plan.settings.satellite_budget_min:g} minutes.")),
    ("Distance from the best possible", best_text, best_help),
    ("Uncovered pockets", f"{len(pockets)}", (f"Groups of touching LSOAs no hub or satellite reaches: "
                                              f"{int((plan.lsoas['served_by'] == hubs.NONE).sum())} LSOAs.")),
])
if plan.estimate:
    st.caption(":material/straighten: Travel times are **estimates**: " + reach.estimate_text()
               + (" (no road network in this workspace)." if not tt.network else " where the roads do not join."))
if not in_meeting:
    st.caption(" ".join(need.need_notes(need_used)) + " " + " ".join(tt.assumptions[:1]) + " " + " ".join(plan.notes))

# ---- map ------------------------------------------------------------------------------------------
allowed = [v for v, ok in zip(vid, hubs.candidate_mask(venues, plan.settings.kinds), strict=True) if ok]
m = plan_layers.hub_map(plan, lsoas_web=wsp.web_layer(ws.id, ws, "lsoas"), wards_web=wsp.web_layer(ws.id, ws, "wards"),
                        venues_web=wsp.web_layer(ws.id, ws, "venues"), adjacency=adjacency, candidates=allowed,
                        options=planning.map_options(ws, meeting=in_meeting),
                        bounds=plan_layers.populated_bounds(ws.layer("lsoas")))
left, right = st.columns([4, 1])
with left:
    show_map(m, key="hub_map", height=720 if in_meeting else 600)
with right:
    legend("Hubs", [("#0b0c0c", "H1, H2…: hub (in its catchment's colour)")], shape="box")
    legend("Other sites", [("#505a5f", "S1, S2…: satellite hub"), ("#ffffff", "other candidate venue")],
           shape="circle")
    legend("LSOAs", [(plan_layers.CATEGORY_COLOURS[0], "served by a hub (one colour a catchment)"),
                     ("#cfe3f3", "served by a satellite (pale, dashed)"),
                     (plan_layers.UNCOVERED_FILL, "uncovered (red edge)")])
    legend("Lines", [("#0b0c0c", "catchment outline"), (plan_layers.UNCOVERED_LINE, "uncovered LSOA edge"),
                     ("#8a8a8a", "ward boundary (dashed)")], shape="line")

# ---- tables ---------------------------------------------------------------------------------------
summary = hubs.hub_summary(plan, venues)
st.subheader("Hubs and satellites")
st.dataframe(summary.drop(columns=["venue_id"]).assign(kind=summary["kind"].map(kind_label)), hide_index=True,
             width="stretch", key="hub_table", column_config={
                 "name": "Venue", "kind": st.column_config.TextColumn("Kind"), "role": "Role", "lsoas": "LSOAs served",
                 "need": st.column_config.NumberColumn("Need served", format="%.0f"),
                 "working_age": st.column_config.NumberColumn("Working-age residents", format="%.0f"),
                 "furthest_min": st.column_config.NumberColumn("Furthest LSOA (min)", format="%.0f")})
if len(pockets):
    st.subheader("Uncovered pockets")
    pockets.insert(1, "where", places.name_areas(  # named on the ground: wards, then the nearest road or venue
        pockets["lsoas"].str.split(", ").tolist(), lsoas=ws.layer("lsoas"), wards=ws.layer("wards"),
        roads=ws.layer("roads") if ws.has("roads") else None, venues=venues))
    st.dataframe(pockets.assign(nearest_hub=pockets["nearest_hub"].map(lambda v: vname.get(str(v), "none nearby")
                                                                       if isinstance(v, str) else "none nearby")),
                 hide_index=True, width="stretch", key="hub_pockets", column_config={
                     "pocket": "Pocket", "where": "Where", "lsoas": "LSOAs", "n_lsoas": "Number of LSOAs",
                     "need": st.column_config.NumberColumn("Need", format="%.0f"),
                     "working_age": st.column_config.NumberColumn("Working-age residents", format="%.0f"),
                     "nearest_hub": "Nearest hub",
                     "nearest_hub_minutes": st.column_config.NumberColumn("Minutes to it", format="%.0f")})

# ---- swap a hub by hand ---------------------------------------------------------------------------
st.subheader("Swap a hub by hand")
w1, w2, w3 = st.columns([2, 2, 1], vertical_alignment="bottom")
out = w1.selectbox("Replace hub", list(plan.hubs), format_func=venue_label, key="hub_swap_out")
choices = [v for v in open_ids if v not in set(plan.hubs)]
into = w2.selectbox("with venue", choices, format_func=venue_label, key="hub_swap_in")
if w3.button("Swap", key="hub_swap", icon=":material/swap_horiz:", disabled=not choices):
    try:
        st.session_state["hub_plan"] = hubs.swap_hub(plan, need_used, tt, out=out, into=into)
        st.rerun()
    except DataError as err:
        st.error(str(err))


# ---- saved plans and exports ----------------------------------------------------------------------
def _reopen(info: io.PlanInfo, payload: dict[str, Any]) -> None:
    st.session_state.update(hub_plan=planning.reopen_hub_plan(ws, payload, tt), hub_ws=ws.id)


saved_plans_panel(PLANS, path=wsp.workspace_path(), payload=lambda: hubs.plan_payload(plan),
                  meta=lambda: hubs.plan_meta(plan), open_plan=_reopen)
planning.export_buttons(
    prefix="hub", stem="hub_plan", csv_label="CSV (one row an LSOA)",
    help_gpkg="Layers: hub_sites, hub_lsoas, hub_catchments and an 'about' table.",
    gpkg=lambda: gpkg.gpkg_bytes(plan_tables.hub_frames(
        plan, ws.layer("lsoas"), venues, attribution=ws.meta.get("attribution", ""))),
    csv=lambda: plan_tables.hub_csv_bytes(plan, venues, attribution=ws.meta.get("attribution", "")))
