"""The Lots tab of the Lots page: choose, add, rename and remove lots, pick their units (from a list or by
clicking the map), mark areas served by another programme; the active lot's key figures, the lot
profiles with their flags, extension to adjacent areas, and the exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.model import COHORTS
from geo.out.lots_exports import export_csv, export_gpkg, export_xlsx, safe_filename, summary_pdf
from geo.out.lots_map import SERVED_COLOUR, lot_legend_items, lots_map, need_legend_items
from geo.plan.lots.profile import extension
from geo.plan.lots.tables import display_table, profile_kpis
from ui.display import kpi_strip, legend
from ui.lots import LotsView, clicked_code, draft, set_draft, update, web_units
from ui.map import show_map, tile_settings


# ---- callbacks (run before the rerun, so they may change widget state) ---------------------------
def _add_lot() -> None:
    update(lambda d: d.add_lot(st.session_state.get("lots_new_name") or ""))
    st.session_state["lots_new_name"] = ""


def _rename_lot() -> None:
    update(lambda d: d.rename_lot(st.session_state.get("lots_rename") or ""))
    st.session_state["lots_rename"] = ""


def _choose_active(key: str) -> None:
    update(lambda d: d.choose(st.session_state[key]))


def _set_units(key: str, lot: str) -> None:
    update(lambda d: d.set_units(lot, st.session_state[key]))


def _set_served(key: str) -> None:
    update(lambda d: d.set_served(st.session_state[key]))


def _remove_lot() -> None:
    update(lambda d: d.remove_lot())


# ---- the tab --------------------------------------------------------------------------------------
def _lot_controls(view: LotsView) -> None:
    d, lu, word = view.draft, view.lu, view.unit_word
    rev, names = d.revision, d.names
    c1, c2, c3, c4 = st.columns([3, 3, 1.2, 1.2], vertical_alignment="bottom")
    if names and d.active is not None:
        c1.selectbox("Active lot (map clicks add to it)", names, index=names.index(d.active),
                     key=f"lots_active_{rev}", on_change=_choose_active, args=(f"lots_active_{rev}",))
    else:
        c1.markdown("No lots yet: add one, click the map, or use **Suggest lots**.")
    c2.text_input("New lot name", key="lots_new_name", placeholder=f"Lot {len(names) + 1}")
    c3.button("Add lot", on_click=_add_lot, key="lots_add", width="stretch")
    c4.button("Remove lot", on_click=_remove_lot, key="lots_remove", disabled=not names, width="stretch")
    if d.active:
        m1, m2 = st.columns([4, 2], vertical_alignment="bottom")
        m1.multiselect(f"{word.capitalize()} in {d.active}", list(lu.codes), default=list(d.lots[d.active]),
                       format_func=lu.label_of, key=f"lots_members_{rev}", on_change=_set_units,
                       args=(f"lots_members_{rev}", d.active))
        m2.text_input("Rename the active lot", key="lots_rename", on_change=_rename_lot, placeholder=d.active)
    st.multiselect(f"{word.capitalize()} served by another programme (lots overlapping them are flagged; "
                   "suggestions avoid them)", list(lu.codes), default=list(d.served), format_func=lu.label_of,
                   key=f"lots_served_{rev}", on_change=_set_served, args=(f"lots_served_{rev}",))
    if d.active and not view.prof.empty and d.active in view.prof.index:
        st.markdown(f"**{d.active}**: residents and need from the data; the second row is the value model's estimate.")
        rows = profile_kpis(view.prof, d.active)
        kpi_strip(rows[:3])  # need
        kpi_strip(rows[3:])  # model: participants, advisors, value, income


def _lot_map(view: LotsView) -> None:
    d, lu, word = view.draft, view.lu, view.unit_word
    left, right = st.columns([4, 1])
    with left:
        tiles = tile_settings()
        m = lots_map(web_units(view.ws.id, view.ws, view.unit_key), lu, d.lots, active=d.active, served=d.served,
                     labels=True, attribution=view.attribution, tile_url=tiles["tile_url"],
                     tile_attribution=tiles["tile_attribution"] or "")
        ret = show_map(m, key="lots_map", height=560,
                       returned_objects=["last_object_clicked", "last_object_clicked_tooltip"])
        code, sig = clicked_code(ret)
        if code and sig != st.session_state.get("lots_click_sig"):
            st.session_state["lots_click_sig"] = sig
            if code in lu.adjacency.position:
                set_draft(draft().toggle_unit(code))
                st.rerun()
        st.caption(f"Click a {word[:-1]} to add it to the active lot, or to take it out again. "
                   f"{lu.label}; best-fit LSOAs (by representative point) give each unit its residents and need.")
    with right:
        if d.lots:
            legend("Lots", lot_legend_items(d.names))
        legend("Not in a lot: estimated workless", need_legend_items())
        if d.served:
            legend("Other programme", [(SERVED_COLOUR, "served area (red dashed)")], shape="line")


def _extension(view: LotsView) -> None:
    with st.expander("Extend eligibility to adjacent areas"):
        st.markdown("During Covid WMCA extended lots to neighbouring wards; Rapid Progression participants "
                    "there no longer had to show a link to the lot. See what that adds per lot.")
        eligible = st.multiselect("Cohorts eligible in the adjacent areas", list(COHORTS),
                                  default=["Rapid Progression"], key="lots_ext_cohorts")
        ext = extension(view.lu, view.scenario, eligible_cohorts=eligible)
        if not ext.empty:
            st.dataframe(pd.DataFrame({
                f"Adjacent {view.unit_word}": ext["adjacent_names"],
                "Residents added": ext["added_population"].map("{:,.0f}".format),
                "Workless added": ext["added_workless"].map("{:,.0f}".format),
                "Participants added (model)": ext["added_participants"].map("{:,.0f}".format),
                "Advisors added": ext["added_advisors"].map("{:.1f}".format),
                "Value added": ext["added_value_gbp"].map("£{:,.0f}".format),
                "Extended lot value": ext["extended_value_gbp"].map("£{:,.0f}".format)}), width="stretch")


def _exports(view: LotsView) -> None:
    lu, s, prof, enrolled, attribution = view.lu, view.scenario, view.prof, view.enrolled, view.attribution
    st.subheader("Export")
    title = f"{view.ws.name} lots"
    stem = safe_filename(view.draft.loaded[0] if view.draft.loaded else title)
    e1, e2, e3, e4 = st.columns(4)
    e1.download_button("GeoPackage", lambda: export_gpkg(lu, s, prof, title=title, attribution=attribution),
                       file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3", key="lots_dl_gpkg",
                       width="stretch")
    e2.download_button("CSV", lambda: export_csv(prof, attribution=attribution, enrolled=enrolled),
                       file_name=f"{stem}.csv", mime="text/csv", key="lots_dl_csv", width="stretch")
    e3.download_button("Excel", lambda: export_xlsx(lu, s, prof, title=title, attribution=attribution,
                                                    enrolled=enrolled),
                       file_name=f"{stem}.xlsx", key="lots_dl_xlsx", width="stretch",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    e4.download_button("Summary PDF (one page per lot)",
                       lambda: summary_pdf(lu, s, prof, title="Commissioning lot", attribution=attribution,
                                           enrolled=enrolled),
                       file_name=f"{stem}_summary.pdf", mime="application/pdf", key="lots_dl_pdf", width="stretch")


def draw_lots_tab(view: LotsView) -> None:
    _lot_controls(view)
    _lot_map(view)
    if view.prof.empty:
        return
    for name, flags in view.prof["flags"].items():
        if flags:
            st.warning(f"**{name}**: " + "; ".join(flags) + ".", icon=":material/flag:")
    st.subheader("Lot profiles")
    st.dataframe(display_table(view.prof, enrolled=view.enrolled), width="stretch")
    st.caption("Residents and need from the LSOAs; workless residents are the employment-domain score × "
               "working-age residents where a score exists, otherwise estimated from the decile (marked). "
               "'Enrolled so far' counts participants already in the workspace (under 5 shows as <5).")
    _extension(view)
    _exports(view)
