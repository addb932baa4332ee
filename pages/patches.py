"""Patches: one area a worker, made of whole LSOAs, contiguous, balanced on expected caseload."""

from __future__ import annotations

import streamlit as st

from geo.plan import hubs, patches
from geo import io
from geo.out import mapview
from geo.model import DataError
from ui import assumptions as assumptions_ui
from ui import meeting
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map, tile_settings
from ui.plans import saved_plans_panel
from ui.nav import ensure_app_navigation

ensure_app_navigation()

KIND = patches.PLAN_KIND
BASIS_LABELS = {patches.OBSERVED: "Observed enrolments (participants layer)",
                patches.ESTIMATED: "Estimated from need (workless residents)"}


@st.cache_resource(show_spinner=False, max_entries=16)
def _caseload(ws_id: str, _ws, basis: str, months: float, per_worker: float):
    settings = patches.CaseloadSettings(caseload=per_worker, months_on_programme=months, basis=basis)
    people = _ws.layer("participants") if _ws.has("participants") else None
    return patches.expected_caseload(_ws.layer("lsoas"), people, settings=settings)


@st.cache_resource(show_spinner=False, max_entries=16)
def _units(ws_id: str, _ws, basis: str, months: float, per_worker: float, rule: str) -> patches.PatchUnits:
    cl, _ = _caseload(ws_id, _ws, basis, months, per_worker)
    roads = _ws.layer("roads") if _ws.has("roads") else None
    return patches.make_units(_ws.layer("lsoas"), cl, roads=roads, rule=rule)


@st.cache_resource(show_spinner=False, max_entries=32)
def _plan(ws_id: str, _ws, _units_obj, key: tuple, n: int, lower: float, upper: float, locked: tuple,
          settings: patches.CaseloadSettings) -> patches.PatchPlan:
    return patches.plan_patches(_units_obj, n_patches=n, lower=lower, upper=upper,
                                locked={label: codes for label, codes in locked}, settings=settings, time_limit_s=8.0)


ws = wsp.current_workspace()
path = wsp.workspace_path()
in_meeting = meeting.is_on()
st.title("Worker patches")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
st.markdown("Split the area into one **patch** a worker: whole LSOAs, each patch in one piece, its expected "
            "caseload (participants supported at once) within the bounds you set, and compact around the "
            "worker's base. Lock a patch to keep it; move an LSOA by hand and rebalance the rest.")

have_people = ws.has("participants")
bases_allowed = [patches.OBSERVED, patches.ESTIMATED] if have_people else [patches.ESTIMATED]

# ---- caseload model -------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
basis = c1.radio("Expected caseload from", bases_allowed, format_func=BASIS_LABELS.get, key="patch_basis",
                 horizontal=False)
per_worker = c2.number_input("Caseload a worker", min_value=5.0, max_value=500.0, value=50.0, step=5.0,
                             key="patch_caseload", help="Participants one worker supports at once (about 50 in "
                                                         "Connecting Communities).")
months = c3.number_input("Months on the programme", min_value=1.0, max_value=48.0, value=12.0, step=1.0,
                         key="patch_months", help="Participants active at once = enrolments per month × this.")
rule = c4.radio("Neighbours", ["rook", "queen"], key="patch_rule",
                format_func={"rook": "share a border", "queen": "touch at all"}.get)
observed = basis == patches.OBSERVED
try:
    caseload, cl_notes = _caseload(ws.id, ws, basis, float(months), float(per_worker))
    with st.spinner("Finding which LSOAs are neighbours…"):
        units = _units(ws.id, ws, basis, float(months), float(per_worker), rule)
except DataError as err:
    st.error(str(err))
    st.stop()
total = float(units.caseload.sum())
needed = total / per_worker

# ---- patches and bounds ---------------------------------------------------------------------------
settings = patches.CaseloadSettings(caseload=float(per_worker), months_on_programme=float(months), basis=basis)
state_key = (ws.id, basis, float(months), float(per_worker), rule)
if st.session_state.get("patch_key") != state_key:  # the caseload under the plan changed: new defaults, plan afresh
    st.session_state.update(patch_key=state_key, patch_n=max(1, min(units.n, round(needed))),
                            patch_lower=round(per_worker * 0.85, 1), patch_upper=round(per_worker * 1.15, 1))
    st.session_state.pop("patch_plan", None)
    st.session_state.pop("patch_error", None)
with st.form("patch_form", border=True):
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

if submitted or "patch_plan" not in st.session_state:
    prev = st.session_state.get("patch_plan")
    locked = tuple((label, tuple(c for c, p in prev.assignment.items() if p == label))
                   for label in prev.locked) if prev is not None else ()
    try:
        with st.status("Planning patches (spanning-tree bisection, then local search)…", expanded=False) as status:
            plan = _plan(ws.id, ws, units, state_key, int(n), float(lower), float(upper), locked, settings)
            status.update(label=f"{len(plan.labels)} patches planned in {plan.seconds:.1f} s", state="complete")
        st.session_state.update(patch_plan=plan, patch_gen=st.session_state.get("patch_gen", 0) + 1,
                                patch_loaded=st.session_state.get("patch_loaded") if prev else None)
        st.session_state.pop("patch_error", None)
    except DataError as err:
        st.session_state["patch_error"] = str(err)
        if prev is None:
            st.error(f"These patches cannot be made.\n\n{err}")
            st.stop()

if st.session_state.get("patch_error"):
    st.error(f"These patches cannot be made (the plan below is the previous one).\n\n{st.session_state['patch_error']}")

plan: patches.PatchPlan = st.session_state["patch_plan"]
st.caption(assumptions_ui.used_caption(assumptions_ui.reach()))
try:
    table, per_lsoa = patches.patch_table(units, plan, lsoas=ws.layer("lsoas"),
                                          venues=ws.layer("venues") if ws.has("venues") else None,
                                          roads=ws.layer("roads") if ws.has("roads") else None,
                                          graph=wsp.road_graph(ws.id, ws), road_keys=wsp.road_keys(ws.id, ws),
                                          walk_m_per_min=assumptions_ui.reach().walk_m_per_min,
                                          detour_factor=assumptions_ui.reach().detour_factor)
except DataError as err:
    st.error(f"This plan does not fit the workspace.\n\n{err}")
    st.session_state.pop("patch_plan", None)
    st.stop()
bal = patches.balance_summary(table)


def ctext(v: float) -> str:
    return patches.caseload_text(v, observed=observed)


kpi_strip([
    ("Patches", f"{len(plan.labels)}", f"{len(plan.locked)} locked; {len(plan.pinned)} LSOAs moved by hand."),
    ("Caseload a patch", f"{ctext(bal['min'])}–{ctext(bal['max'])}",
     f"Bounds {plan.lower:g}–{plan.upper:g}; mean {bal['mean']:,.1f}."),
    ("Largest gap from the mean", f"{bal['max_dev']:.0%}",
     "The patch whose caseload is furthest from the mean, as a share of the mean."),
    ("Outside the bounds", f"{bal['outside']}",
     "Patches whose expected caseload is below the lowest or above the highest bound."),
])
if bal["not_contiguous"]:
    bad = table.loc[table["pieces"] > 1, "patch"].tolist()
    st.warning(f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} in more than one piece after the moves by "
               "hand: move the stray LSOAs back, or rebalance.")
if bal["outside"]:
    st.warning("Patches outside the bounds: " + ", ".join(
        f"{r.patch} ({ctext(r.caseload)})" for r in table[~table["within_bounds"]].itertuples()))
if table["estimate"].any():
    st.caption(":material/straighten: Trips from the base are **estimates**: " + assumptions_ui.reach().estimate_text()
               + (" (no road network in this workspace)." if not ws.has("roads") else "."))
if not in_meeting:
    st.caption(" ".join(cl_notes + list(units.notes) + list(plan.notes)))

# ---- map ------------------------------------------------------------------------------------------
options = mapview.MapOptions(meeting=in_meeting, attribution=ws.meta.get("attribution", ""), **tile_settings())
m = patches.patch_map(plan, table, per_lsoa, lsoas_web=wsp.web_layer(ws.id, ws, "lsoas"),
                      wards_web=wsp.web_layer(ws.id, ws, "wards"), adjacency=units.adjacency, observed=observed,
                      options=options,
                      bounds=hubs.populated_bounds(ws.layer("lsoas")))
left, right = st.columns([4, 1])
with left:
    show_map(m, key="patch_map", height=720 if in_meeting else 600)
with right:
    legend("Patches", [(patches.CATEGORY_COLOURS[0], "one colour a patch; touching patches differ"),
                       (patches.CATEGORY_COLOURS[1], "LSOA moved by hand: dark dashed edge")])
    legend("Lines", [("#0b0c0c", "patch outline"), ("#0b0c0c", "locked patch (thick, dashed)"),
                     ("#c1121f", "patch outside the bounds"), ("#8a8a8a", "ward boundary (dashed)")], shape="line")
    legend("Markers", [("#0b0c0c", "P1, P2…: the worker's base")], shape="box")

# ---- table ----------------------------------------------------------------------------------------
show = table.copy()
if observed:  # small observed caseloads (counts of people) never shown, nor the workers figure that gives them away
    show["workers"] = show["workers"].where(show["caseload"] >= 4.5)
show["caseload"] = show["caseload"].map(ctext)
show["within_bounds"] = show["within_bounds"].map({True: "yes", False: "NO"})
show["longest_trip_min"] = show["longest_trip_min"].round(0)
show["contiguous"] = show["pieces"].map(lambda p: "yes" if p == 1 else f"no ({p} pieces)")
show["locked"] = show["locked"].map({True: "locked", False: ""})
st.dataframe(show[["patch", "lsoas", "caseload", "workers", "within_bounds", "contiguous", "longest_trip_min", "base",
                   "need", "working_age", "roads", "venues", "locked"]], hide_index=True, width="stretch",
             key="patch_table", column_config={
                 "patch": "Patch", "lsoas": "LSOAs", "caseload": "Expected caseload",
                 "workers": st.column_config.NumberColumn("Workers at the caseload", format="%.2f"),
                 "within_bounds": "Within bounds",
                 "need": st.column_config.NumberColumn("Need", format="%.0f",
                                                       help="Working-age residents weighted by deprivation."),
                 "working_age": st.column_config.NumberColumn("Working-age residents", format="%.0f"),
                 "roads": st.column_config.NumberColumn("Named roads"), "venues": "Venues",
                 "base": "Worker's base",
                 "longest_trip_min": st.column_config.NumberColumn(
                     "Longest trip (min walk)", format="%.0f",
                     help="From the base to the furthest LSOA's population-weighted point."),
                 "contiguous": "In one piece", "locked": "Locked"})

# ---- edit: lock, move, rebalance ------------------------------------------------------------------
st.subheader("Edit the patches")
if st.session_state.get("patch_lock_gen") != st.session_state.get("patch_gen"):  # a new plan: show its locks
    st.session_state["patch_lock"] = [l for l in plan.locked if l in plan.labels]
    st.session_state["patch_lock_gen"] = st.session_state.get("patch_gen")
lock = st.multiselect("Locked patches (kept as they are when planning or rebalancing)", list(plan.labels),
                      key="patch_lock")
if tuple(l for l in plan.labels if l in lock) != plan.locked:
    st.session_state["patch_plan"] = patches.set_locked(plan, lock)
    st.rerun()

lsoa_layer = ws.layer("lsoas")
names = (dict(zip(lsoa_layer["lsoa_code"].astype(str), lsoa_layer["lsoa_name"].astype("string").fillna("")))
         if "lsoa_name" in lsoa_layer.columns else {})
codes = sorted(plan.assignment, key=lambda c: (plan.labels.index(plan.assignment[c]), c))
g1, g2, g3, g4 = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
code = g1.selectbox("Move LSOA", codes, key="patch_move_code",
                    format_func=lambda c: f"{c} {names.get(c, '')} (in {plan.assignment[c]})")
pos = {c: i for i, c in enumerate(units.codes)}
near = sorted({plan.assignment[str(units.codes[j])] for j in units.adjacency[pos[code]].indices}
              - {plan.assignment[code]}, key=plan.labels.index) if code in pos else []
targets = near + [l for l in plan.labels if l not in near and l != plan.assignment.get(code)]
to = g2.selectbox("to patch", targets, key="patch_move_to",
                  format_func=lambda l: l + ("" if l in near else " (not next to it)"))
if g3.button("Move", key="patch_move", icon=":material/move_item:", disabled=not targets):
    try:
        st.session_state["patch_plan"] = patches.move_lsoa(plan, code, to)
        st.rerun()
    except DataError as err:
        st.error(str(err))
if g4.button("Rebalance", key="patch_rebalance", icon=":material/balance:",
             help="Improve balance and compactness from the plan as it is; locked patches and LSOAs moved by "
                  "hand stay put."):
    with st.spinner("Rebalancing…"):
        st.session_state["patch_plan"] = patches.rebalance(units, plan)
    st.rerun()


# ---- saved plans ----------------------------------------------------------------------------------
def _open(name: str) -> None:
    try:
        info, payload = io.load_plan(path, kind=KIND, name=name)
        reopened = patches.plan_from_payload(payload)
        patches.patch_pieces(units, reopened)  # checks it fits this workspace
    except DataError as err:
        st.error(str(err))
        return
    st.session_state.update(patch_plan=reopened, patch_loaded=(info.name, info.version), patch_pending_name=info.name,
                            patch_gen=st.session_state.get("patch_gen", 0) + 1)
    st.session_state.pop("patch_stale", None)
    st.session_state.pop("patch_error", None)
    st.rerun()


saved_plans_panel(
    path=path, kind=KIND, prefix="patch", title="Saved patch plans", placeholder="e.g. Ten patches, 50 a worker",
    payload=lambda: patches.plan_payload(plan), meta=lambda: patches.plan_meta(plan, table), open_plan=_open,
    describe=lambda p: f"{p.meta.get('patches', '?')} patches")

# ---- exports --------------------------------------------------------------------------------------
st.subheader("Export")
attribution = ws.meta.get("attribution", "")
lsoa_layer = ws.layer("lsoas")


def _gpkg() -> bytes:  # built only when the button is pressed
    return patches.export_gpkg(patches.plan_frames(plan, table, per_lsoa, lsoa_layer, observed=observed,
                                                   attribution=attribution))


e1, e2 = st.columns(2)
e1.download_button("GeoPackage (for QGIS)", _gpkg, file_name="patch_plan.gpkg",
                   mime="application/geopackage+sqlite3", key="patch_dl_gpkg", icon=":material/download:",
                   help="Layers: patches, patch_lsoas and an 'about' table.")
e2.download_button("CSV (one row a patch)", lambda: patches.patch_csv_bytes(table, observed=observed,
                                                                            attribution=attribution),
                   file_name="patch_plan.csv", mime="text/csv", key="patch_dl_csv", icon=":material/download:")
