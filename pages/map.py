"""Map: deprivation, engagement by road, venues, buses and partners on one map, with KPIs.

Roads and LSOAs can instead be coloured by reach time (minutes to the nearest venue that counts, on
foot, by bus or the better of the two); clicking a venue shows its 10/20/30-minute walking catchment.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analyse import deprivation, transit
from geo.analyse.reach import REACH_MODES
from geo.model import COHORTS
from geo.out import kpis, legends, mapview
from ui import assumptions as assumptions_ui
from ui import catchment as catchment_ui
from ui import key_figures, meeting
from ui import reach as reach_ui
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.filters import enrolment_range, layer_picker, period_input
from ui.map import show_map, tile_settings
from ui.nav import ensure_app_navigation

ensure_app_navigation()

COLOUR_BY = {"engagement": "Engagement and deprivation", "reach": "Reach time to a venue"}

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
st.title("Outreach map")
st.caption(ws.display_name)
fictional_banner(ws.fictional)

first, last = enrolment_range(ws)
indices = deprivation.available_indices(ws.layer("lsoas")) or ["imd"]

# Meeting mode keeps the screen simple: filters tucked away, one row of layer pills.
filters = st.expander("Filters", expanded=False) if in_meeting else st.container()
f1, f2, f3 = filters.columns([2, 3, 2])
start, end = period_input(f1, first, last, key="period")
cohorts = tuple(f2.multiselect("Cohorts", COHORTS, default=list(COHORTS), key="cohorts"))
index = f3.selectbox("Deprivation measure", indices, format_func=deprivation.index_label, key="index")
colour_by = filters.radio("Colour roads/LSOAs by", list(COLOUR_BY), format_func=COLOUR_BY.get, horizontal=True,
                          key="colour_by")
by_reach = colour_by == "reach"
if by_reach:
    net = wsp.reach_network(ws.id, ws)
    reach_mode = filters.radio("Reach by", list(REACH_MODES), format_func=REACH_MODES.get, horizontal=True,
                               key="reach_mode")
    choice = reach_ui.venue_filter(ws, key="map_venues", container=filters.expander("Venues that count"))
    assumptions_box = filters.expander("Assumptions (editable)")
    reach_assumptions = assumptions_ui.edit_reach(network=net.network, container=assumptions_box)
    with st.spinner(f"Working out walking and bus times from every road to the nearest of {choice.label}…"):
        result = wsp.reach_result(ws.id, ws, choice.ids, reach_assumptions)
        per_road = wsp.reach_roads(ws.id, ws, choice.ids, reach_assumptions) if ws.has("roads") else None
    reach_ui.assumptions_used(result, container=assumptions_box)

shown = layer_picker(meeting=in_meeting)

# KPIs: the same figures the exports carry (ui.key_figures), for this view
eng = wsp.road_engagement(ws.id, ws, start, end, cohorts, wsp.SNAP_M)
kpi_strip(key_figures.map_key_figures(ws, start=start, end=end, cohorts=cohorts))
key_figures.remember_map_view(start=start, end=end, cohorts=cohorts, index=index, shown=shown)
if eng.unmatched and not in_meeting:
    st.caption(kpis.unmatched_caption(eng.unmatched, snap_m=wsp.SNAP_M))
if by_reach:
    kpi_strip(kpis.reach_kpis(result, per_road, mode=reach_mode, venues_counted=choice.counted,
                              venues_total=choice.total, open_at_a_time=choice.timed))
    for note in choice.notes:
        st.caption(note)

lsoas_web = mapview.decile_layer(wsp.web_layer(ws.id, ws, "lsoas"),
                                 deprivation.deciles(ws.layer("lsoas"), index=index))
roads_web = None
if by_reach:
    lsoas_web = mapview.reach_lsoa_layer(lsoas_web, result.lsoas, mode=reach_mode)
    if ws.has("roads") and per_road is not None:
        roads_web = mapview.reach_road_layer(wsp.road_shapes(ws.id, ws), per_road, mode=reach_mode)
elif ws.has("roads"):
    roads_web = mapview.engagement_layer(wsp.road_shapes(ws.id, ws), eng.roads, bands_only=in_meeting)
options = mapview.MapOptions(
    show=shown, index_label=deprivation.index_label(index), meeting=in_meeting,
    attribution=ws.meta.get("attribution", ""), colour_by=colour_by, **tile_settings(),
)
m = mapview.build_map(
    wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=lsoas_web, roads=roads_web,
    venues=wsp.web_layer(ws.id, ws, "venues") if ws.has("venues") else None,
    bus_stops=wsp.web_layer(ws.id, ws, "bus_stops") if ws.has("bus_stops") else None,
    bus_routes=wsp.web_layer(ws.id, ws, "bus_routes") if ws.has("bus_routes") else None,
    partners=wsp.web_layer(ws.id, ws, "partners") if ws.has("partners") else None,
    options=options,
)

# A venue's walking catchment: picked in the list or by clicking the venue on the map.
venue_pts = wsp.venue_xy_web(ws.id, ws) if ws.has("venues") else pd.DataFrame(columns=["venue_id", "name"])
names = dict(zip(venue_pts["venue_id"], venue_pts["name"]))
catchment_ui.take_click(venue_pts, map_key="outreach_map")
left, right = st.columns([4, 1])
with right:
    picked = catchment_ui.venue_picker(names)
catch_group = None
shown_legends: list[legends.Legend] = []
if picked and picked in names:
    catch = wsp.catchment_web(ws.id, ws, picked, assumptions_ui.reach())
    catch_group = mapview.catchment_group(catch, venue_name=names[picked], meeting=in_meeting)
    shown_legends.append(legends.catchment_legend(names[picked], estimate=bool(catch["estimate"].any())))

with left:
    out = show_map(m, key="outreach_map", height=720 if in_meeting else 640,
                   returned_objects=["last_object_clicked"], feature_group_to_add=catch_group)
catchment_ui.follow_click(out, venue_pts, picked)

shown_legends += legends.map_legends(legends.MapLegendInputs(
    shown=shown, meeting=in_meeting, index_label=deprivation.index_label(index),
    reach_mode=reach_mode if by_reach else None, reach_estimate=by_reach and result.any_estimate,
    detour_factor=reach_assumptions.detour_factor if by_reach else 1.0, has_roads=ws.has("roads"),
    venue_kinds=tuple(ws.layer("venues")["kind"].astype(str)) if ws.has("venues") else None,
    routes=ws.layer("bus_routes") if ws.has("bus_routes") else None,
    partner_kinds=tuple(ws.layer("partners")["kind"].astype(str)) if ws.has("partners") else None))
with right:
    for block in shown_legends:
        legend(block.title, block.items, shape=block.shape)
        if block.note:
            st.caption(block.note)
    if "bus" in shown and (bus_note := transit.service_date_note(ws.meta)):
        st.caption(bus_note)
