"""Gaps: where need is high and reach or engagement is low, with every part of the score shown.

LSOAs are ranked by a gap score (geo.analyse.gaps.gap_table): need (deprivation on the chosen index, working-age
residents) × lack (minutes to the nearest venue that counts, share of roads with nobody engaged). The
weights are editable; every row says why it ranks where it does. The unengaged roads in the top areas
follow, most deprived first. By area, the outcome funnel and how people heard, with small numbers
suppressed (geo.privacy).
"""

from __future__ import annotations

import streamlit as st

from geo.analyse import deprivation, gaps
from geo.model import COHORTS
from geo.out import gaps_view, kpis, legends, mapview
from geo.privacy import suppress
from ui import assumptions as assumptions_ui
from ui import meeting
from ui import reach as reach_ui
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.filters import enrolment_range, period_input
from ui.map import show_map, tile_settings
from ui.nav import ensure_app_navigation
from ui.outcomes import outcomes_by_area

ensure_app_navigation()

SNAP_M = wsp.SNAP_M

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
st.title("Coverage gaps")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
if not in_meeting:  # meeting mode: the map on the first screen (choices folded away, map before the table)
    st.markdown("Where is need high but no venue within easy reach, or nobody engaged? Each LSOA's **gap score** "
                "is need (deprivation, working-age residents) × lack (time to the nearest venue, roads with "
                "nobody engaged); every row shows its parts.")

lsoas = ws.layer("lsoas")
has_people = len(ws.layer("participants")) > 0
has_roads = ws.has("roads")
indices = deprivation.available_indices(lsoas) or ["imd"]
first, last = enrolment_range(ws)

# ---- choices ------------------------------------------------------------------------------------
choices = st.expander("Filters, weights and reach", expanded=False) if in_meeting else st.container()
c1, c2, c3 = choices.columns([2, 3, 2])
index = c1.selectbox("Deprivation measure", indices, format_func=deprivation.index_label, key="gap_index",
                     help="The index or domain whose decile gives the need part of the score.")
cohorts = tuple(c2.multiselect("Cohorts", COHORTS, default=list(COHORTS), key="gap_cohorts"))
start, end = period_input(c3, first, last, key="gap_period")

with choices.expander("Weights of the gap score", expanded=not in_meeting):
    weights = assumptions_ui.edit_gap_weights()
    st.caption("score = need × lack; need = weighted mean of deprivation and residents, lack = weighted mean "
               "of reach and engagement. A part with no data drops out of its mean.")
if assumptions_ui.gap_weights_refused():
    st.warning("Give at least one need weight (deprivation or residents) and one lack weight (reach or "
               "engagement) a value above 0; the default weights are used meanwhile.")

with choices.expander("Venues that count for reach", expanded=False):
    choice = reach_ui.venue_filter(ws, key="gap_venues")
    for note in choice.notes:
        st.caption(note)
assumptions_box = choices.expander("Reach assumptions (editable)", expanded=False)
reach_assumptions = assumptions_ui.edit_reach(network=has_roads, container=assumptions_box)
view = wsp.GapView(index=index, start=start, end=end, cohorts=cohorts, venue_ids=choice.ids)
wsp.remember_gap_view(ws.id, view)

# ---- analyses (cached per workspace + choices; the first run says what it is doing) -------------
with st.status("Working out reach and gaps…", expanded=False) as status:
    status.update(label="Placing venues, bus stops and LSOA points on the road network…")
    net = wsp.reach_network(ws.id, ws)
    status.update(label=f"Walking and bus times to the nearest of {choice.label}, engagement by road, the gap table…")
    gap = wsp.gap_result(ws.id, ws, view, reach_assumptions, weights)
    result, eng, road_table, table = gap.reach, gap.engagement, gap.road_table, gap.table
    status.update(label="Reach and gaps ready", state="complete")

reach_ui.assumptions_used(result, container=assumptions_box)
estimate = bool(result.lsoas["estimate"].any())
if not net.network:
    st.info("This workspace has no road network: walking times are straight-line distance × "
            f"{reach_assumptions.detour_factor:g}, an **estimate**, and roads with nobody engaged cannot be listed.",
            icon=":material/straighten:")
elif estimate:
    st.caption("Some LSOA points are not joined to any venue by the road network: their times are "
               "straight-line **estimates** (marked in the table).")

# ---- KPIs ---------------------------------------------------------------------------------------
share = gaps.deprived_within_minutes(lsoas, result.lsoas, minutes=15.0, max_decile=2, index="imd")
split = (gaps.roads_engaged_deprived_vs_elsewhere(road_table, lsoas, max_decile=2, index="imd").set_index("group")
         if road_table is not None else None)
kpi_strip(kpis.gap_kpis(share, split, unmatched=eng.unmatched if eng is not None and has_people else None,
                        snap_m=SNAP_M))
if eng is not None and eng.unmatched:
    st.caption(f"{suppress(eng.unmatched)} participants live more than {SNAP_M:g} m from any named road: "
               "they are unmatched, so no road counts them (they still count in the funnel below).")
if not has_people:
    st.caption("No participants in this workspace: the engagement part drops out of the score.")

# ---- ranked table and map -----------------------------------------------------------------------
map_slot = st.container() if in_meeting else None
st.subheader("LSOAs ranked by gap score")
top_n = st.slider("Highlight the top", 1, max(1, min(30, len(table))), min(10, len(table)), key="gap_top",
                  help="The top areas are highlighted on the map and their unengaged roads listed below.")
ward_names = gaps_view.ward_names(ws.layer("wards"))
names = gaps_view.lsoa_names(lsoas)
shown = gaps_view.ranked_table(table, lsoa_name=names, ward_name=ward_names)
st.dataframe(shown.head(max(top_n, 20)) if in_meeting else shown, hide_index=True, width="stretch",
             key="gap_table", column_config={
                 "Gap score": st.column_config.ProgressColumn("Gap score", min_value=0.0, max_value=1.0,
                                                              format="%.2f"),
                 "Decile": st.column_config.NumberColumn(format="%d"),
                 "Minutes to a venue": st.column_config.NumberColumn(
                     help="Best of walk and bus from the LSOA's population-weighted point"
                          + (" (straight-line estimate where marked)" if estimate else "")),
             })
st.download_button("Download the gap table (CSV)", gaps_view.table_csv(table),
                   file_name=f"gaps_{ws.name.replace(' ', '_')}.csv", mime="text/csv", key="gap_csv",
                   icon=":material/download:")

top_codes = set(table["lsoa_code"].head(top_n).astype(str))
gap_web = gaps_view.gap_layer(wsp.web_layer(ws.id, ws, "lsoas"), table, top_codes)
unengaged = None
roads_web = None
if road_table is not None:
    unengaged = gaps.unengaged_roads(road_table, lsoas, index=index)
    unengaged = unengaged[unengaged["lsoa_code"].astype(str).isin(top_codes)].reset_index(drop=True)
    shapes = wsp.road_shapes(ws.id, ws)
    roads_web = shapes[shapes["road_key"].isin(set(unengaged["road_key"]))]

left, right = (map_slot or st).columns([4, 1])
with left:
    gm = mapview.gap_map(wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=gap_web, roads=roads_web,
                         venues=wsp.web_layer(ws.id, ws, "venues") if ws.has("venues") else None,
                         options=mapview.MapOptions(meeting=in_meeting, attribution=ws.meta.get("attribution", ""),
                                                    **tile_settings()),
                         focus=gaps_view.core_bounds(wsp.road_shapes(ws.id, ws)) if has_roads else None)
    show_map(gm, key="gap_map", height=620 if in_meeting else 520)
with right:
    for block in legends.gap_legends(top_n, unengaged_roads=roads_web is not None, estimate=estimate):
        legend(block.title, block.items, shape=block.shape)
        if block.note:
            st.caption(block.note)

st.subheader(f"Roads with nobody engaged in the top {top_n} gaps")
if not has_roads:
    st.caption("No road network in this workspace: import roads to list unengaged streets.")
elif not has_people:
    st.caption("No participants in this workspace: every road is unengaged.")
elif unengaged is not None and len(unengaged):
    st.caption("Most deprived LSOA first (the chosen measure's decile), then the roads with most households.")
    st.dataframe(gaps_view.unengaged_table(unengaged, lsoa_name=names, ward_name=ward_names), hide_index=True,
                 width="stretch", key="gap_roads", column_config={"Decile": st.column_config.NumberColumn(format="%d")})
else:
    st.caption("Every road in these areas has someone engaged.")

# ---- by area: outcome funnel and how people heard ------------------------------------------------
st.subheader("Outcomes and how people heard, by area")
if not has_people:
    st.caption("No participants in this workspace.")
else:
    outcomes_by_area(ws, start=start, end=end, cohorts=cohorts, lsoa_name=names, ward_name=ward_names)
