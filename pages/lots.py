"""Lots: scope commissioning lots from wards or LSOAs, see their need and value, suggest, compare, export."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from geo import io
from geo.plan import lots, places
from geo.plan import lots_suggest as suggest
from geo.model import COHORTS, DataError
from ui import lots as lui
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map, tile_settings
from ui.nav import ensure_app_navigation

ensure_app_navigation()

PLAN = "lots_plan"
PLAN_KIND = "lots"

ws = wsp.current_workspace()
st.title("Commissioning lots")
st.caption(f"{ws.display_name}. A lot is a group of wards or LSOAs that one provider delivers in. Residents "
           "and need come from the data; participants, advisors, cost and income are estimates from the "
           "value model on the Assumptions tab.")
fictional_banner(ws.fictional)
top_message = st.container()

layers = lui.unit_layers(ws)
unit_key = st.selectbox("Build lots from", list(layers), format_func=layers.get, key="lots_unit_key",
                        help="Wards of any boundary year in the workspace, or LSOAs. Lots may cross council "
                             "boundaries.")
lu = lui.lot_units(ws.id, ws, unit_key)
unit_word = "wards" if lu.kind == "wards" else "LSOAs"
names_of = lu.names()
lad_of = dict(zip(lu.units["code"], lu.units["lad_name"]))


def _new_plan(key: str, assumptions: lots.Assumptions | None = None) -> dict:
    return {"unit_layer": key, "lots": {}, "active": None, "served": [], "rev": 0, "arev": 0,
            "assumptions": lots.assumptions_to_dict(assumptions or lots.Assumptions()), "loaded": None}


plan: dict = st.session_state.setdefault(PLAN, _new_plan(unit_key))
if plan["unit_layer"] != unit_key:
    kept = lots.assumptions_from_dict(plan["assumptions"])
    plan = _new_plan(unit_key, kept)
    st.session_state[PLAN] = plan


def _bump() -> None:
    plan["rev"] += 1


def _unit_label(code: str) -> str:
    lad = lad_of.get(code, "")
    return f"{names_of.get(code, code)} ({code})" + (f", {lad}" if lad and lu.kind == "wards" else "")


# ---- callbacks (run before the rerun, so they may change widget state) ---------------------------
def _add_lot() -> None:
    name = (st.session_state.get("lots_new_name") or "").strip() or f"Lot {len(plan['lots']) + 1}"
    base, i = name, 2
    while name in plan["lots"]:
        name, i = f"{base} ({i})", i + 1
    plan["lots"][name] = []
    plan["active"] = name
    st.session_state["lots_new_name"] = ""
    _bump()


def _remove_lot() -> None:
    if plan["active"] in plan["lots"]:
        del plan["lots"][plan["active"]]
    plan["active"] = next(iter(plan["lots"]), None)
    _bump()


def _choose_active(key: str) -> None:
    plan["active"] = st.session_state[key]
    _bump()


def _set_members(key: str, lot: str) -> None:
    chosen = list(st.session_state[key])
    for other, codes in plan["lots"].items():
        if other != lot:
            plan["lots"][other] = [c for c in codes if c not in chosen]
    plan["lots"][lot] = chosen
    _bump()


def _set_served(key: str) -> None:
    plan["served"] = list(st.session_state[key])
    _bump()


def _rename_lot() -> None:
    new = (st.session_state.get("lots_rename") or "").strip()
    old = plan["active"]
    if new and old in plan["lots"] and new not in plan["lots"]:
        plan["lots"] = {(new if k == old else k): v for k, v in plan["lots"].items()}
        plan["active"] = new
    st.session_state["lots_rename"] = ""
    _bump()


def _apply_suggestion(a_dict: dict, within: list[str] | None) -> None:
    a = lots.assumptions_from_dict(a_dict)
    try:
        result = suggest.suggest_lots(
            lu, a, k=int(st.session_state["lots_sg_k"]), mode=st.session_state["lots_sg_mode"], within=within,
            exclude=plan["served"] if st.session_state.get("lots_sg_exclude", True) else (),
            min_value_gbp=float(st.session_state["lots_sg_min"]))
    except DataError as err:
        st.session_state["lots_sg_msg"] = ("error", str(err))
        return
    if not result.lots:
        st.session_state["lots_sg_msg"] = ("error", "No lot could be suggested; the current lots are kept. "
                                           + " ".join(result.notes))
        return
    plan["lots"] = {k: list(v) for k, v in result.lots.items()}
    plan["active"] = next(iter(plan["lots"]), None)
    _bump()
    note = " ".join(result.notes)
    st.session_state["lots_sg_msg"] = ("ok", f"Suggested {len(result.lots)} lots; edit them on the Lots tab. {note}")


def _load(name: str) -> None:
    try:
        info, payload = io.load_plan(wsp.workspace_path(), kind=PLAN_KIND, name=name)
        key = str(payload.get("unit_layer"))
        if key not in layers:
            raise DataError(f"saved lots use '{key}', which this workspace does not have.", source=f"scenario '{name}'")
        target = lui.lot_units(ws.id, ws, key)
        s = lots.scenario_from_payload(payload, known=target.codes)
    except DataError as err:
        st.session_state["lots_save_msg"] = ("error", str(err))
        return
    new = _new_plan(key, s.assumptions)
    new.update(lots={k: list(v) for k, v in s.lots.items()}, served=list(s.served), loaded=(info.name, info.version),
               active=next(iter(s.lots), None), rev=plan["rev"] + 1, arev=plan["arev"] + 1)
    st.session_state[PLAN] = new
    st.session_state["lots_unit_key"] = key
    st.session_state["lots_save_name"] = info.name
    st.session_state["lots_save_msg"] = ("ok", f"Loaded '{info.name}' (version {info.version}).")


def _delete(name: str, version: int) -> None:
    try:
        io.delete_plan(wsp.workspace_path(), kind=PLAN_KIND, name=name, expected_version=version)
    except DataError as err:
        st.session_state["lots_save_msg"] = ("error", str(err))
        return
    if plan["loaded"] and plan["loaded"][0] == name:
        plan["loaded"] = None
    st.session_state["lots_save_msg"] = ("ok", f"Deleted '{name}'.")


def _reset_assumptions() -> None:
    plan["assumptions"] = lots.assumptions_to_dict(lots.Assumptions())
    plan["arev"] += 1


def _add_places(found: pd.DataFrame) -> None:
    added = []
    for idx, row in found.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        same_layer = lu.kind == "wards" and str(row["boundary_year"]) == unit_key.split(":")[-1]
        codes = [c for c in row["codes"] if c in lu.adjacency.position] if same_layer else []
        if not codes:
            codes = list(places.lsoas_within(found.loc[[idx]], lu.units, code_col="code").get(row["query"], ()))
        taken = {c for v in plan["lots"].values() for c in v}
        codes = [c for c in codes if c not in taken]
        if codes:
            name = str(row["query"])
            plan["lots"][name if name not in plan["lots"] else f"{name} (2)"] = codes
            added.append(name)
    if added:
        plan["active"] = added[0]
    _bump()
    st.session_state["lots_places_msg"] = f"Added {len(added)} lot(s): {', '.join(added)}." if added else \
        "No lot added: the places have no boundary here or their units are already in lots."


# Only the open tab is drawn (switching tabs reruns the page): a rerun costs what that tab needs, and
# no map starts life in a hidden tab.
tab_lots, tab_suggest, tab_compare, tab_assume, tab_places = st.tabs(
    ["Lots", "Suggest lots", "Compare and save", "Assumptions", "Place names"], key="lots_tab",
    on_change="rerun")

# ---- Assumptions (run first: every other tab uses them) -------------------------------------------
def _draw_assumptions() -> lots.Assumptions:
    st.markdown("Every value below feeds the value model. Only the two job-outcome payments (£889 Hardest to "
                "Help, £400 Rapid Progression) and the values marked **source** come from the source documents; "
                "everything else is an **assumption** to check and edit.")
    current = lots.assumptions_from_dict(plan["assumptions"])
    arev = plan["arev"]
    values: dict[str, float] = {}
    cols = st.columns(3)
    for i, (name, (label, unit, meaning)) in enumerate(lots.ASSUMPTION_INFO.items()):
        v = float(getattr(current, name))
        default = getattr(lots.Assumptions(), name)
        tag = "your value" if v != float(default) else ("source" if name in lots.SOURCES else "assumption")
        pct = unit.startswith("share")
        got = cols[i % 3].number_input(
            f"{label} ({'%' if pct else unit}) · {tag}", value=v * 100 if pct else v,
            step=1.0 if pct or unit == "months" else (1000.0 if unit.startswith("£") else 1.0),
            format="%.1f" if pct else "%g", key=f"lots_a_{name}_{arev}",
            help=f"{meaning} {lots.basis(name)}.")
        values[name] = got / 100 if pct else got
    st.markdown("**Cohorts and payment by results** (shares and rates in %)")
    cf = lots.cohort_frame(current)
    cf[["share", "outcome_rate"]] = cf[["share", "outcome_rate"]] * 100
    cf["basis"] = [("payment from source; share and rate assumed"
                    if f"cohort:{c}:payment_gbp" in lots.SOURCES else "all assumed") for c in cf["cohort"]]
    edited = st.data_editor(
        cf, key=f"lots_cohorts_{arev}", num_rows="fixed", hide_index=True, width="stretch",
        disabled=["cohort", "outcome", "basis"],
        column_config={"share": st.column_config.NumberColumn("Share of participants (%)", format="%.0f"),
                       "outcome_rate": st.column_config.NumberColumn("Outcome rate (%)", format="%.0f"),
                       "payment_gbp": st.column_config.NumberColumn("Payment per outcome (£)", format="£%.0f"),
                       "cohort": "Cohort", "outcome": "Paid outcome", "basis": "Basis of the defaults"})
    edited = pd.DataFrame(edited).drop(columns="basis")
    edited[["share", "outcome_rate"]] = edited[["share", "outcome_rate"]] / 100
    try:
        candidate = lots.with_cohort_frame(replace(current, **values), edited)
        plan["assumptions"] = lots.assumptions_to_dict(candidate)
        a = candidate
    except DataError as err:
        a = current
        st.error(f"These assumptions cannot be used; the figures use the last valid ones.\n\n{err}")
        with top_message:
            st.error("Some assumptions are invalid (see the Assumptions tab); the figures use the last valid ones.")
    st.button("Reset to defaults", on_click=_reset_assumptions, key="lots_a_reset")
    st.dataframe(lots.assumption_table(a)[["setting", "value", "basis", "unit", "meaning"]], hide_index=True,
                 width="stretch")
    return a


# ---- Lots -----------------------------------------------------------------------------------------
def _draw_lots() -> None:
    rev = plan["rev"]
    names = list(plan["lots"])
    c1, c2, c3, c4 = st.columns([3, 3, 1.2, 1.2], vertical_alignment="bottom")
    if names:
        if plan["active"] not in names:
            plan["active"] = names[0]
        c1.selectbox("Active lot (map clicks add to it)", names, index=names.index(plan["active"]),
                     key=f"lots_active_{rev}", on_change=_choose_active, args=(f"lots_active_{rev}",))
    else:
        c1.markdown("No lots yet: add one, click the map, or use **Suggest lots**.")
    c2.text_input("New lot name", key="lots_new_name", placeholder=f"Lot {len(names) + 1}")
    c3.button("Add lot", on_click=_add_lot, key="lots_add", width="stretch")
    c4.button("Remove lot", on_click=_remove_lot, key="lots_remove", disabled=not names, width="stretch")

    active = plan["active"]
    if active:
        m1, m2 = st.columns([4, 2], vertical_alignment="bottom")
        m1.multiselect(f"{unit_word.capitalize()} in {active}", list(lu.codes), default=plan["lots"][active],
                       format_func=_unit_label, key=f"lots_members_{rev}", on_change=_set_members,
                       args=(f"lots_members_{rev}", active))
        m2.text_input("Rename the active lot", key="lots_rename", on_change=_rename_lot, placeholder=active)
    st.multiselect(f"{unit_word.capitalize()} served by another programme (lots overlapping them are flagged; "
                   "suggestions avoid them)", list(lu.codes), default=plan["served"], format_func=_unit_label,
                   key=f"lots_served_{rev}", on_change=_set_served, args=(f"lots_served_{rev}",))

    if active and not prof.empty and active in prof.index:
        st.markdown(f"**{active}**: residents and need from the data; the second row is the value model's estimate.")
        rows = lui.profile_rows(prof, active)
        kpi_strip(rows[:3])  # need
        kpi_strip(rows[3:])  # model: participants, advisors, value, income

    left, right = st.columns([4, 1])
    with left:
        m = lui.lots_map(lui.web_units(ws.id, ws, unit_key), lu, plan["lots"], active=active, served=plan["served"],
                         labels=True, attribution=attribution, **tile_settings())
        ret = show_map(m, key="lots_map", height=560,
                       returned_objects=["last_object_clicked", "last_object_clicked_tooltip"])
        code, sig = lui.clicked_code(ret)
        if code and sig != st.session_state.get("lots_click_sig"):
            st.session_state["lots_click_sig"] = sig
            if code in lu.adjacency.position:
                if not plan["lots"]:
                    plan["lots"]["Lot 1"] = []
                    plan["active"] = "Lot 1"
                plan["lots"] = lui.toggle_unit(plan["lots"], code, plan["active"])
                _bump()
                st.rerun()
        st.caption(f"Click a {unit_word[:-1]} to add it to the active lot, or to take it out again. "
                   f"{lu.label}; best-fit LSOAs (by representative point) give each unit its residents and need.")
    with right:
        if plan["lots"]:
            legend("Lots", lui.lot_legend_items(list(plan["lots"])))
        legend("Not in a lot: estimated workless", lui.need_legend_items())
        if plan["served"]:
            legend("Other programme", [(lui.SERVED_COLOUR, "served area (red dashed)")], shape="line")

    if not prof.empty:
        for name, flags in prof["flags"].items():
            if flags:
                st.warning(f"**{name}**: " + "; ".join(flags) + ".", icon=":material/flag:")
        st.subheader("Lot profiles")
        st.dataframe(lots.display_table(prof, enrolled=enrolled), width="stretch")
        st.caption("Residents and need from the LSOAs; workless residents are the employment-domain score × "
                   "working-age residents where a score exists, otherwise estimated from the decile (marked). "
                   "'Enrolled so far' counts participants already in the workspace (under 5 shows as <5).")

        with st.expander("Extend eligibility to adjacent areas"):
            st.markdown("During Covid WMCA extended lots to neighbouring wards; Rapid Progression participants "
                        "there no longer had to show a link to the lot. See what that adds per lot.")
            eligible = st.multiselect("Cohorts eligible in the adjacent areas", list(COHORTS),
                                      default=["Rapid Progression"], key="lots_ext_cohorts")
            ext = lots.extension(lu, scenario, eligible_cohorts=eligible)
            if not ext.empty:
                shown = pd.DataFrame({
                    f"Adjacent {unit_word}": ext["adjacent_names"],
                    "Residents added": ext["added_population"].map("{:,.0f}".format),
                    "Workless added": ext["added_workless"].map("{:,.0f}".format),
                    "Participants added (model)": ext["added_participants"].map("{:,.0f}".format),
                    "Advisors added": ext["added_advisors"].map("{:.1f}".format),
                    "Value added": ext["added_value_gbp"].map("£{:,.0f}".format),
                    "Extended lot value": ext["extended_value_gbp"].map("£{:,.0f}".format)})
                st.dataframe(shown, width="stretch")

        st.subheader("Export")
        title = f"{ws.name} lots"
        stem = lots.safe_filename(plan["loaded"][0] if plan["loaded"] else title)
        e1, e2, e3, e4 = st.columns(4)
        e1.download_button("GeoPackage", lambda: lots.export_gpkg(lu, scenario, prof, title=title,
                                                                  attribution=attribution),
                           file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3", key="lots_dl_gpkg",
                           width="stretch")
        e2.download_button("CSV", lambda: lots.export_csv(prof, attribution=attribution, enrolled=enrolled),
                           file_name=f"{stem}.csv", mime="text/csv", key="lots_dl_csv", width="stretch")
        e3.download_button("Excel", lambda: lots.export_xlsx(lu, scenario, prof, title=title, attribution=attribution,
                                                             enrolled=enrolled),
                           file_name=f"{stem}.xlsx", key="lots_dl_xlsx", width="stretch",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        e4.download_button("Summary PDF (one page per lot)",
                           lambda: lots.summary_pdf(lu, scenario, prof, title="Commissioning lot",
                                                    attribution=attribution, enrolled=enrolled),
                           file_name=f"{stem}_summary.pdf", mime="application/pdf", key="lots_dl_pdf",
                           width="stretch")

# ---- Suggest --------------------------------------------------------------------------------------
def _draw_suggest() -> None:
    st.markdown("Pick **k compact, contiguous, high-need clusters** (as Connecting Communities chose nine "
                "neighbourhoods), or **divide an area into k lots**. Each suggested lot meets the minimum value "
                "and the minimum advisor count. The suggestion replaces the current lots; edit from there.")
    st.radio("What to suggest", ["clusters", "divide"], key="lots_sg_mode", horizontal=True,
             format_func={"clusters": "k high-need clusters", "divide": "Divide an area into k lots"}.get)
    s1, s2 = st.columns(2)
    s1.number_input("Number of lots (k)", min_value=1, max_value=50, value=min(3, max(1, len(lu.codes) // 2)),
                    step=1, key="lots_sg_k")
    s2.number_input("Minimum value per lot (£)", min_value=0.0, value=float(a.min_value_gbp), step=10_000.0,
                    key="lots_sg_min")
    within = None
    if st.session_state.get("lots_sg_mode") == "divide":
        councils = sorted({x for x in lu.units["lad_name"] if x})
        if councils:
            chosen = st.multiselect("Area to divide (councils)", councils, default=councils, key="lots_sg_councils")
            within = [c for c in lu.codes if lad_of.get(c) in set(chosen)]
        else:
            within = list(lu.codes)
    st.checkbox("Leave out areas served by another programme", value=True, key="lots_sg_exclude")
    st.button("Suggest lots", type="primary", key="lots_sg_go", on_click=_apply_suggestion,
              args=(lots.assumptions_to_dict(a), within))
    msg = st.session_state.pop("lots_sg_msg", None)
    if msg:
        (st.error if msg[0] == "error" else st.success)(msg[1])

# ---- Compare and save -----------------------------------------------------------------------------
def _draw_compare() -> None:
    path = wsp.workspace_path()
    saved = {p.name: p for p in io.list_plans(path, kind=PLAN_KIND)}
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Save the current lots as a scenario**")
        name = st.text_input("Scenario name", key="lots_save_name")
        if st.button("Save scenario", key="lots_save", disabled=not plan["lots"]):
            expected = plan["loaded"][1] if plan["loaded"] and plan["loaded"][0] == name.strip() else None
            try:
                if expected is None and name.strip() in saved:
                    raise DataError(f"a scenario called '{name.strip()}' is already saved. Load it first to "
                                    "update it, or choose another name.", source="save")
                version = io.save_plan(path, kind=PLAN_KIND, name=name, payload=lots.scenario_payload(scenario),
                                       meta={"lots": len(scenario.lots), "unit_layer": layers.get(unit_key, unit_key),
                                             "value_gbp": round(float(prof["lot_value_gbp"].sum()))},
                                       expected_version=expected)
                plan["loaded"] = (name.strip(), version)
                st.session_state["lots_save_msg"] = ("ok", f"Saved '{name.strip()}' (version {version}).")
                st.rerun()
            except DataError as err:
                st.session_state["lots_save_msg"] = ("error", str(err))
        msg = st.session_state.pop("lots_save_msg", None)
        if msg:
            (st.error if msg[0] == "error" else st.success)(msg[1])
    with right:
        st.markdown("**Saved scenarios**")
        if saved:
            st.dataframe(pd.DataFrame([{"Scenario": p.name, "Version": p.version, "Saved": p.saved_at[:16].replace("T", " "),
                                        "Lots": p.meta.get("lots"), "Built from": p.meta.get("unit_layer"),
                                        "Total value": f"£{p.meta.get('value_gbp', 0):,.0f}"} for p in saved.values()]),
                         hide_index=True, width="stretch")
            r1, r2, r3 = st.columns([3, 1, 1], vertical_alignment="bottom")
            pick = r1.selectbox("Scenario", list(saved), key="lots_pick")
            r2.button("Load", key="lots_load", on_click=_load, args=(pick,), width="stretch")
            r3.button("Delete", key="lots_delete", on_click=_delete, args=(pick, saved[pick].version),
                      width="stretch")
        else:
            st.caption("Nothing saved yet.")

    st.subheader("Compare lot options")
    current_label = "Current lots (unsaved)"
    options = ([current_label] if plan["lots"] else []) + list(saved)
    default = list(saved)[:3] if len(saved) >= 2 else options[:3]
    chosen = st.multiselect("Options to compare (two or three)", options, default=default, max_selections=3,
                            key="lots_compare")
    profiles: dict[str, pd.DataFrame] = {}
    shapes: dict[str, tuple[lots.LotUnits, lots.Scenario]] = {}
    for option in chosen:
        try:
            if option == current_label:
                o_lu, o_s, profiles[option] = lu, scenario, prof
            else:
                o_lu, o_s, profiles[option] = lui.saved_scenario(ws.id, ws, str(path), option, saved[option].version)
            shapes[option] = (o_lu, o_s)
        except DataError as err:
            st.error(str(err))
    if profiles:
        table = lots.compare_table(profiles)
        st.dataframe(table, width="stretch", height=35 * (len(table) + 1) + 3)
        cols = st.columns(len(profiles))
        for col, (option, (o_lu, o_s)) in zip(cols, shapes.items()):
            with col:
                st.markdown(f"**{option}**")
                key = o_s.unit_layer
                if option == current_label:
                    mini = lui.lots_map(lui.web_units(ws.id, ws, key), o_lu, dict(o_s.lots), served=o_s.served,
                                        labels=True, interactive=False, fit="lots")
                else:
                    mini = lui.saved_scenario_map(ws.id, ws, str(path), option, saved[option].version)
                show_map(mini, key=f"lots_cmp_map_{option}", height=300)
                small = lots.display_table(profiles[option])[["Residents", "Advisors needed (FTE)", "Lot value",
                                                              "Flags"]]
                st.dataframe(small.rename(columns={"Advisors needed (FTE)": "Advisors"}), width="stretch",
                             column_config={"Flags": st.column_config.TextColumn(width="large")})

# ---- Place names ----------------------------------------------------------------------------------
def _draw_places() -> None:
    st.markdown("Type ward names as documents give them; each resolves to a boundary, with a note when "
                "boundaries changed. An old ward split between current wards keeps its old boundary, and the "
                f"lot takes the {unit_word} within it.")
    text = st.text_area("Place names, one per line", key="lots_places_text", height=120)
    query = [t.strip() for t in text.splitlines() if t.strip()]
    if query:
        wards = ws.layer("wards")
        years = sorted({int(y) for y in wards["boundary_year"].dropna()}) if "boundary_year" in wards.columns else []
        newest = years[-1] if years else 0
        cur_w = wards[wards["boundary_year"].astype("Int64") == newest] if years else wards
        old_w = wards[wards["boundary_year"].astype("Int64") < newest] if len(years) > 1 else None
        found = places.resolve_places(query, wards=cur_w, legacy_wards=old_w, legacy_code_col="ward_code",
                                      legacy_name_col="ward_name", current_year=newest,
                                      legacy_year=years[0] if len(years) > 1 else newest)
        st.dataframe(pd.DataFrame({"Name": found["query"], "Boundary": found["boundary"],
                                   "Year": found["boundary_year"], "Ward(s)": found["unit_names"],
                                   "Codes": [", ".join(c) for c in found["codes"]], "Note": found["note"]}),
                     hide_index=True, width="stretch")
        st.button("Add these places as lots", key="lots_places_add", on_click=_add_places, args=(found,))
    msg = st.session_state.pop("lots_places_msg", None)
    if msg:
        st.info(msg)

with tab_assume:
    a = _draw_assumptions() if tab_assume.open else lots.assumptions_from_dict(plan["assumptions"])
scenario = lots.make_scenario({k: v for k, v in plan["lots"].items()}, unit_layer=unit_key, assumptions=a,
                              served=plan["served"], known=lu.codes)
prof = lots.assess_lots(lu, scenario) if scenario.lots else pd.DataFrame()
enrolled = lots.enrolled_per_lot(ws.layer("participants"), lu, scenario) if scenario.lots else None
attribution = ws.meta.get("attribution", "")
for tab, draw in ((tab_lots, _draw_lots), (tab_suggest, _draw_suggest), (tab_compare, _draw_compare),
                  (tab_places, _draw_places)):
    if tab.open:
        with tab:
            draw()

if attribution:
    st.caption(attribution)
