"""Compare plans: two saved hub plans, or two saved patch plans, side by side on the same map view."""

from __future__ import annotations

import streamlit as st

from geo import io
from geo.model import DataError
from geo.out import plan_layers
from geo.plan import compare, hubs, patch_plan
from ui import assumptions as assumptions_ui
from ui import meeting, planning
from ui import workspace as wsp
from ui.display import fictional_banner, legend
from ui.map import show_map
from ui.nav import ensure_app_navigation

ensure_app_navigation()

KINDS = {"Hubs": hubs.PLAN_KIND, "Patches": patch_plan.PLAN_KIND}
PAGE_OF = {hubs.PLAN_KIND: "Hubs", patch_plan.PLAN_KIND: "Patches"}

ws = wsp.current_workspace()
path = wsp.workspace_path()
in_meeting = meeting.is_on()
reach = assumptions_ui.reach()
st.title("Compare plans")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
st.markdown("Two saved plans side by side on the same map view, with a table of what differs (plan B − plan A). "
            "Lot options are compared on the **Lots** page.")

label = st.radio("Plans to compare", list(KINDS), key="compare_kind", horizontal=True)
kind = KINDS[label]
try:
    saved = io.list_plans(path, kind=kind)
except Exception:
    saved = []
if len(saved) < 2:
    st.info(f"{len(saved) or 'No'} {label.lower()} plan{'' if len(saved) == 1 else 's'} saved in this workspace: "
            f"save at least two plans on the {PAGE_OF[kind]} page first.", icon=":material/info:")
    st.stop()

info = {p.name: p for p in saved}
names = list(info)


def plan_label(n: str) -> str:
    return f"{n} · v{info[n].version} · {info[n].saved_at[:16].replace('T', ' ')}"


p1, p2 = st.columns(2)
name_a = p1.selectbox("Plan A", names, index=0, key=f"compare_a_{kind}", format_func=plan_label)
name_b = p2.selectbox("Plan B", names, index=1, key=f"compare_b_{kind}", format_func=plan_label)
if name_a == name_b:
    st.warning("Plan A and plan B are the same plan: choose two different plans.")
    st.stop()

options = planning.map_options(ws, meeting=in_meeting)
bounds = plan_layers.populated_bounds(ws.layer("lsoas"))  # both maps fitted to where people live: one view
lsoas_web = wsp.web_layer(ws.id, ws, "lsoas")
wards_web = wsp.web_layer(ws.id, ws, "wards")
maps = []

try:
    if kind == hubs.PLAN_KIND:
        if not ws.has("venues"):
            st.info("This workspace has no venues, so its hub plans cannot be shown.")
            st.stop()
        with st.spinner("Timing every LSOA to every venue…"):
            tt = wsp.hub_travel_times(ws.id, ws, reach)
        venues = ws.layer("venues")
        venues_web = wsp.web_layer(ws.id, ws, "venues")
        adjacency = wsp.lsoa_adjacency(ws.id, ws)
        hub_facts = []
        for name in (name_a, name_b):
            hub = planning.reopen_hub_plan(ws, io.load_plan(path, kind=kind, name=name)[1], tt)
            hub_facts.append(compare.hub_facts(hub, hubs.uncovered_pockets(hub, adjacency)))
            maps.append(plan_layers.hub_map(hub, lsoas_web=lsoas_web, wards_web=wards_web, venues_web=venues_web,
                                            adjacency=adjacency, options=options, bounds=bounds))
        table = compare.hub_rows(hub_facts[0], hub_facts[1],
                                 dict(zip(venues["venue_id"].astype(str), venues["name"].astype(str), strict=True)))
        estimate = any(f.estimate for f in hub_facts)
    else:
        patch_facts, plans = [], []
        for name in (name_a, name_b):
            plan = patch_plan.plan_from_payload(io.load_plan(path, kind=kind, name=name)[1])
            units = planning.patch_units(ws.id, ws, plan.settings)
            observed = planning.observed(ws, plan.settings)
            ptable, per_lsoa = planning.plan_patch_table(ws, units, plan, reach)
            plans.append(plan)
            patch_facts.append(compare.patch_facts(ptable, observed=observed))
            maps.append(plan_layers.patch_map(plan, ptable, per_lsoa, lsoas_web=lsoas_web, wards_web=wards_web,
                                              adjacency=units.adjacency, observed=observed, options=options,
                                              bounds=bounds))
        table = compare.patch_rows(patch_facts[0], patch_facts[1], changed=compare.changed_lsoas(plans[0], plans[1]))
        estimate = any(f.estimate for f in patch_facts)
except DataError as err:
    st.error(f"A saved plan does not fit this workspace.\n\n{err}")
    st.stop()

# ---- maps -----------------------------------------------------------------------------------------
left, right = st.columns(2)
for col, name, m, key in ((left, name_a, maps[0], "compare_map_a"), (right, name_b, maps[1], "compare_map_b")):
    with col:
        st.markdown(f"**Plan {'A' if key.endswith('a') else 'B'}: {name}**")
        show_map(m, key=key, height=520 if in_meeting else 440)
if kind == hubs.PLAN_KIND:
    l1, l2, l3 = st.columns(3)
    with l1:
        legend("Sites", [("#0b0c0c", "H1, H2…: hub (square)"), ("#505a5f", "S1, S2…: satellite hub (circle)")])
    with l2:
        legend("LSOAs", [(plan_layers.CATEGORY_COLOURS[0], "served (one colour a catchment)"),
                         (plan_layers.UNCOVERED_FILL, "uncovered (red edge)")])
    with l3:
        legend("Lines", [("#0b0c0c", "catchment outline"), ("#8a8a8a", "ward boundary (dashed)")], shape="line")
else:
    l1, l2 = st.columns(2)
    with l1:
        legend("Patches", [(plan_layers.CATEGORY_COLOURS[0], "one colour a patch; P1, P2…: the worker's base")])
    with l2:
        legend("Lines", [("#0b0c0c", "patch outline"), ("#c1121f", "patch outside the bounds"),
                         ("#8a8a8a", "ward boundary (dashed)")], shape="line")

# ---- differences ----------------------------------------------------------------------------------
st.subheader("Differences")
st.dataframe(table.rename(columns={"plan A": f"A: {name_a}", "plan B": f"B: {name_b}"}), hide_index=True,
             width="stretch", key="compare_table", column_config={"measure": "Measure"})
if estimate:
    st.caption(":material/straighten: Travel times marked **estimate** are " + reach.estimate_text()
               + (" (no road network in this workspace)." if not ws.has("roads") else " where the roads do not join."))
if kind == patch_plan.PLAN_KIND:
    st.caption("Patch names differ between plans, so each patch in B is matched to the patch in A it shares most "
               "LSOAs with; an LSOA changes patch when it leaves its matched patch. Observed caseloads below 5 "
               "read '<5', and figures that would give them away read '–'.")
