"""Patches: one area a worker, made of whole LSOAs, contiguous, balanced on expected caseload."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo import assumptions, io
from geo.assumptions import DEFAULT_CASELOAD, DEFAULT_MONTHS_ON_PROGRAMME
from geo.model import DataError
from geo.out import gpkg, plan_layers, plan_tables
from geo.plan import patch_plan, patch_table
from geo.plan.patch_edits import PatchDesk
from ui import assumptions as assumptions_ui
from ui import meeting, planning
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map
from ui.nav import ensure_app_navigation
from ui.plans import PlanKind, forget_loaded, saved_plans_panel

ensure_app_navigation()

BASIS_LABELS = {assumptions.OBSERVED: "Observed enrolments (participants layer)",
                assumptions.ESTIMATED: "Estimated from need (workless residents)"}
PLANS = PlanKind(kind=patch_plan.PLAN_KIND, prefix="patch", title="Saved patch plans",
                 placeholder="e.g. Ten patches, 50 a worker",
                 describe=lambda p: f"{p.meta.get('patches', '?')} patches")

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
reach = assumptions_ui.reach()
st.title("Worker patches")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
if not in_meeting:  # meeting mode: the map on the first screen (the intro and settings folded away)
    st.markdown("Split the area into one **patch** a worker: whole LSOAs, each patch in one piece, its expected "
                "caseload (participants supported at once) within the bounds you set, and compact around the "
                "worker's base. Lock a patch to keep it; move an LSOA by hand and rebalance the rest.")

bases_allowed = [assumptions.OBSERVED, assumptions.ESTIMATED] if ws.has("participants") else [assumptions.ESTIMATED]

# ---- caseload model -------------------------------------------------------------------------------
settings_box = st.expander("Caseload and patch settings", expanded=False) if in_meeting else st.container()
c1, c2, c3, c4 = settings_box.columns([2, 1, 1, 1])
basis = c1.radio("Expected caseload from", bases_allowed, format_func=BASIS_LABELS.get, key="patch_basis",
                 horizontal=False)
per_worker = c2.number_input("Caseload a worker", min_value=5.0, max_value=500.0, value=DEFAULT_CASELOAD,
                             step=5.0, key="patch_caseload", help="Participants one worker supports at once (about "
                                                                  "50 in Connecting Communities).")
months = c3.number_input("Months on the programme", min_value=1.0, max_value=48.0,
                         value=DEFAULT_MONTHS_ON_PROGRAMME, step=1.0, key="patch_months",
                         help="Participants active at once = enrolments per month × this.")
rule = c4.radio("Neighbours", ["rook", "queen"], key="patch_rule",
                format_func={"rook": "share a border", "queen": "touch at all"}.get)
observed = basis == assumptions.OBSERVED
try:
    settings = assumptions.CaseloadSettings(caseload=float(per_worker), months_on_programme=float(months), basis=basis)
    cl_notes = planning.patch_caseload(ws.id, ws, settings)[1]
    with st.spinner("Finding which LSOAs are neighbours…"):
        units = planning.patch_units(ws.id, ws, settings, rule)
except DataError as err:
    st.error(str(err))
    st.stop()
total = float(units.caseload.sum())
needed = total / per_worker

# ---- patches and bounds ---------------------------------------------------------------------------
desk: PatchDesk = st.session_state.get("patch_desk", PatchDesk())
state_key = (ws.id, settings, rule)
if st.session_state.get("patch_key") != state_key:  # the caseload under the plan changed: new defaults, plan afresh
    st.session_state.update(patch_key=state_key, patch_n=max(1, min(units.n, round(needed))),
                            patch_lower=round(per_worker * 0.85, 1), patch_upper=round(per_worker * 1.15, 1))
    desk = desk.cleared()
with settings_box.form("patch_form", border=True):
    f1, f2, f3, f4 = st.columns([1, 1, 1, 2])
    n = f1.number_input("Patches (workers)", min_value=1, max_value=max(1, units.n), step=1,
                        key="patch_n", help=f"Expected caseload {total:,.0f} ÷ {per_worker:g} a worker = {needed:.1f}.")
    lower = f2.number_input("Lowest caseload a patch", min_value=0.0, step=1.0, key="patch_lower")
    upper = f3.number_input("Highest caseload a patch", min_value=0.1, step=1.0, key="patch_upper")
    f4.markdown(f"Expected caseload in the area: **{total:,.0f}** participants at once, so about "
                f"**{needed:.1f}** workers at {per_worker:g} each. Bounds are hard: every patch must fall "
                "between them.")
    submitted = st.form_submit_button("Plan patches", type="primary", icon=":material/group_work:",
                                      key="patch_find")

if submitted or desk.plan is None:
    try:
        with st.status("Planning patches (spanning-tree bisection, then local search)…", expanded=False) as status:
            made = planning.patch_plan(ws.id, ws, units, state_key, int(n), float(lower), float(upper), desk.locks(),
                                       settings)
            status.update(label=f"{len(made.labels)} patches planned in {made.seconds:.1f} s", state="complete")
        if desk.plan is None:
            forget_loaded(PLANS)
        desk = desk.planned(made)
    except DataError as err:
        desk = desk.failed(str(err))
        if desk.plan is None:
            st.session_state["patch_desk"] = desk
            st.error(f"These patches cannot be made.\n\n{err}")
            st.stop()
st.session_state["patch_desk"] = desk
if desk.error:
    st.error(f"These patches cannot be made (the plan below is the previous one).\n\n{desk.error}")

plan = desk.current()
st.caption(assumptions_ui.used_caption(reach))
try:
    table, per_lsoa = planning.plan_patch_table(ws, units, plan, reach)
except DataError as err:
    st.error(f"This plan does not fit the workspace.\n\n{err}")
    st.session_state["patch_desk"] = desk.cleared()
    st.stop()
kpi_strip(plan_tables.patch_headline(plan, patch_table.balance_summary(table), observed=observed))
for warning in plan_tables.patch_warnings(table, observed=observed):
    st.warning(warning)
if table["estimate"].any():
    st.caption(":material/straighten: Trips from the base are **estimates**: " + reach.estimate_text()
               + (" (no road network in this workspace)." if not ws.has("roads") else "."))
if not in_meeting:
    st.caption(" ".join(cl_notes + list(units.notes) + list(plan.notes)))

# ---- map ------------------------------------------------------------------------------------------
m = plan_layers.patch_map(plan, table, per_lsoa, lsoas_web=wsp.web_layer(ws.id, ws, "lsoas"),
                          wards_web=wsp.web_layer(ws.id, ws, "wards"), adjacency=units.adjacency, observed=observed,
                          options=planning.map_options(ws, meeting=in_meeting),
                          bounds=plan_layers.populated_bounds(ws.layer("lsoas")))
left, right = st.columns([4, 1])
with left:
    show_map(m, key="patch_map", height=720 if in_meeting else 600)
with right:
    legend("Patches", [(plan_layers.CATEGORY_COLOURS[0], "one colour a patch; touching patches differ"),
                       (plan_layers.CATEGORY_COLOURS[1], "LSOA moved by hand: dark dashed edge")])
    legend("Lines", [("#0b0c0c", "patch outline"), ("#0b0c0c", "locked patch (thick, dashed)"),
                     ("#c1121f", "patch outside the bounds"), ("#8a8a8a", "ward boundary (dashed)")], shape="line")
    legend("Markers", [("#0b0c0c", "P1, P2…: the worker's base")], shape="box")

# ---- table ----------------------------------------------------------------------------------------
st.dataframe(plan_tables.patch_screen_table(table, observed=observed), hide_index=True, width="stretch",
             key="patch_table", column_config=planning.PATCH_TABLE_COLUMNS)

# ---- edit: lock, move, rebalance ------------------------------------------------------------------
st.subheader("Edit the patches")
if st.session_state.get("patch_lock_gen") != desk.generation:  # a new plan: show its locks
    st.session_state["patch_lock"] = [label for label in plan.locked if label in plan.labels]
    st.session_state["patch_lock_gen"] = desk.generation
lock = st.multiselect("Locked patches (kept as they are when planning or rebalancing)", list(plan.labels),
                      key="patch_lock")
if tuple(label for label in plan.labels if label in lock) != plan.locked:
    st.session_state["patch_desk"] = desk.with_locks(lock)
    st.rerun()

lsoa_layer = ws.layer("lsoas")
names = (dict(zip(lsoa_layer["lsoa_code"].astype(str), lsoa_layer["lsoa_name"].astype("string").fillna(""),
                  strict=True)) if "lsoa_name" in lsoa_layer.columns else {})
codes = sorted(plan.assignment, key=lambda c: (plan.labels.index(plan.assignment[c]), c))
g1, g2, g3, g4 = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
code = g1.selectbox("Move LSOA", codes, key="patch_move_code",
                    format_func=lambda c: f"{c} {names.get(c, '')} (in {plan.assignment[c]})")
near, targets = patch_plan.move_targets(units, plan, code)
to = g2.selectbox("to patch", targets, key="patch_move_to",
                  format_func=lambda label: label + ("" if label in near else " (not next to it)"))
if g3.button("Move", key="patch_move", icon=":material/move_item:", disabled=not targets):
    try:
        st.session_state["patch_desk"] = desk.moved(code, to)
        st.rerun()
    except DataError as err:
        st.error(str(err))
if g4.button("Rebalance", key="patch_rebalance", icon=":material/balance:",
             help="Improve balance and compactness from the plan as it is; locked patches and LSOAs moved by "
                  "hand stay put."):
    with st.spinner("Rebalancing…"):
        st.session_state["patch_desk"] = desk.rebalanced(units)
    st.rerun()


# ---- saved plans and exports ----------------------------------------------------------------------
def _reopen(info: io.PlanInfo, payload: dict[str, Any]) -> None:
    reopened = patch_plan.plan_from_payload(payload)
    patch_plan.patch_pieces(units, reopened)  # checks it fits this workspace
    st.session_state["patch_desk"] = desk.reopened(reopened)


saved_plans_panel(PLANS, path=wsp.workspace_path(), payload=lambda: patch_plan.plan_payload(plan),
                  meta=lambda: patch_table.plan_meta(plan, table), open_plan=_reopen)
planning.export_buttons(
    prefix="patch", stem="patch_plan", csv_label="CSV (one row a patch)",
    help_gpkg="Layers: patches, patch_lsoas and an 'about' table.",
    gpkg=lambda: gpkg.gpkg_bytes(plan_tables.patch_frames(
        plan, table, per_lsoa, lsoa_layer, observed=observed, attribution=ws.meta.get("attribution", ""))),
    csv=lambda: plan_tables.patch_csv_bytes(table, observed=observed, attribution=ws.meta.get("attribution", "")))
