"""Map: deprivation, engagement by road, venues, buses and partners on one map, with KPIs.

Roads and LSOAs can instead be coloured by reach time (minutes to the nearest venue that counts, on
foot, by bus or the better of the two); clicking a venue shows its 10/20/30-minute walking catchment.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from geo.analyse import deprivation, reach
from geo.out import mapview
from geo.model import COHORTS, PARTNER_KINDS, VENUE_KINDS
from geo.privacy import BANDS, suppress
from ui import assumptions as assumptions_ui
from ui import meeting
from ui import reach as reach_ui
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map, tile_settings
from ui.nav import ensure_app_navigation

ensure_app_navigation()

COLOUR_BY = {"engagement": "Engagement and deprivation", "reach": "Reach time to a venue"}
REACH_MODES = {"best": "Best of walk and bus", "walk": "Walking", "bus": "Bus"}
NO_CATCHMENT = ""
CLICK_MATCH_M = 80.0  # a click within this distance of a venue picks it

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
st.title("Outreach map")
st.caption(ws.display_name)
fictional_banner(ws.fictional)

participants = ws.layer("participants")
enrolled = pd.to_datetime(participants["enrolled_on"]) if len(participants) else pd.Series(dtype="datetime64[ms]")
first = enrolled.min().date() if len(enrolled) else dt.date(2020, 1, 1)
last = enrolled.max().date() if len(enrolled) else dt.date.today()
indices = deprivation.available_indices(ws.layer("lsoas")) or ["imd"]

# Meeting mode keeps the screen simple: filters tucked away, one row of layer pills.
filters = st.expander("Filters", expanded=False) if in_meeting else st.container()
f1, f2, f3 = filters.columns([2, 3, 2])
period = f1.date_input("Enrolled between", value=(first, last), min_value=first, max_value=last,
                       format="DD/MM/YYYY", key="period")
start, end = (period[0], period[1]) if isinstance(period, tuple) and len(period) == 2 else (first, last)
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

if in_meeting:
    picked = st.pills("Layers", list(mapview.LAYERS), default=["deprivation", "engagement", "venues"], selection_mode="multi",
                      format_func=lambda layer: mapview.LAYER_LABELS[layer], key="layers_pills")
    shown = frozenset(picked or ())
else:
    toggles = st.columns(len(mapview.LAYERS))
    shown = frozenset(layer for col, layer in zip(toggles, mapview.LAYERS)
                      if col.toggle(mapview.LAYER_LABELS[layer], value=True, key=f"show_{layer}"))

# KPIs
eng = wsp.road_engagement(ws.id, ws, start, end, cohorts, 50.0)
n_people = wsp.participants_in(ws, start, end, cohorts)
deprived = deprivation.most_deprived(ws.layer("lsoas"), index="imd", max_decile=2)
near = wsp.venues_near_stops(ws.id, ws, 400.0)
kpi_strip([
    ("Participants engaged", suppress(n_people),
     "Participants enrolled in the chosen period and cohorts. Counts below 5 show as <5."),
    ("Roads with residents engaged",
     f"{eng.pct_roads_engaged:.0f}%" if eng.roads_total else "no roads",
     f"{eng.roads_engaged:,} of {eng.roads_total:,} roads. A road is a named street within one ward "
     "(the Working Together measure)."),
    ("LSOAs in most deprived 20%", f"{deprived.lsoas} of {deprived.total}",
     "LSOAs in England's most deprived 20% on the overall IMD (decile 1 or 2)."),
    ("Venues within 400 m of a bus stop", (f"{int(near.sum())} of {len(near)}" if ws.has("bus_stops") else "no bus data"),
     "Straight-line distance from the venue to the nearest stop."),
])
if eng.unmatched and not in_meeting:
    st.caption(f"{suppress(eng.unmatched)} participants live more than 50 m from any named road and are "
               "not counted on a road (they are counted in 'Participants engaged').")
if by_reach:
    col = {"best": "best_min", "walk": "walk_min", "bus": "bus_min"}[reach_mode]
    how = REACH_MODES[reach_mode].lower()
    estimate = result.any_estimate
    est_note = (" Straight-line distance × the detour factor where there is no road network: an **estimate**."
                if estimate else "")
    lsoa_min = result.lsoas[col].to_numpy(dtype="float64")
    kpis = [("Venues that count", f"{len(choice.ids)} of {choice.total}",
             "Venues not marked closed, of the kinds chosen" + (" and open at the time chosen" if "open" in
                                                                  choice.label else "") + ".")]
    if per_road is not None and len(per_road):
        road_min = per_road[col].to_numpy(dtype="float64")
        kpis.append(("Roads within 20 min of a venue" + (" (estimate)" if per_road["estimate"].any() else ""),
                     f"{np.mean(road_min <= 20):.0%}",
                     f"{int((road_min <= 20).sum()):,} of {len(road_min):,} roads, {how}, from each road's "
                     "midpoint." + est_note))
    kpis.append(("LSOAs within 15 min of a venue" + (" (estimate)" if result.lsoas["estimate"].any() else ""),
                 f"{int((lsoa_min <= 15).sum())} of {len(lsoa_min)}",
                 f"{how.capitalize()}, from each LSOA's population-weighted point." + est_note))
    kpi_strip(kpis)
    for note in choice.notes:
        st.caption(note)

lsoas_web = mapview.decile_layer(wsp.web_layer(ws.id, ws, "lsoas"),
                                 deprivation.deciles(ws.layer("lsoas"), index=index))
roads_web = None
if by_reach:
    lsoas_web = mapview.reach_lsoa_layer(lsoas_web, result.lsoas, mode=reach_mode)
    if ws.has("roads"):
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


def clicked_venue(click: dict | None) -> str | None:
    """The venue nearest a map click, if one is within CLICK_MATCH_M."""
    if not click or not len(venue_pts):
        return None
    lat, lng = float(click.get("lat", np.nan)), float(click.get("lng", np.nan))
    dy = (venue_pts["lat"].to_numpy() - lat) * 111_320.0
    dx = (venue_pts["lng"].to_numpy() - lng) * 111_320.0 * np.cos(np.radians(lat))
    d = np.hypot(dx, dy)
    if not np.isfinite(d).any() or np.nanmin(d) > CLICK_MATCH_M:
        return None
    return str(venue_pts["venue_id"].iloc[int(np.nanargmin(d))])


# The map's last click (st_folium keeps it under the map's key) picks the catchment before the
# list is drawn, so one rerun shows it; a new click only, so the list can still change it.
if "_catchment_pending" in st.session_state:
    st.session_state["catchment_venue"] = st.session_state.pop("_catchment_pending")
last_click = (st.session_state.get("outreach_map") or {}).get("last_object_clicked")
if last_click and last_click != st.session_state.get("_map_last_click"):
    st.session_state["_map_last_click"] = last_click
    hit = clicked_venue(last_click)
    if hit is not None:
        st.session_state["catchment_venue"] = hit
left, right = st.columns([4, 1])
with right:
    picked = st.selectbox("Walking catchment of", [NO_CATCHMENT, *sorted(names, key=lambda v: (names[v], v))],
                          format_func=lambda v: "(click a venue on the map)" if v == NO_CATCHMENT else names[v],
                          key="catchment_venue", disabled=not names)
catch_group = None
if picked and picked in names:
    catch = wsp.catchment_web(ws.id, ws, picked, assumptions_ui.reach())
    catch_group = mapview.catchment_group(catch, venue_name=names[picked], meeting=in_meeting)

with left:
    out = show_map(m, key="outreach_map", height=720 if in_meeting else 640,
                   returned_objects=["last_object_clicked"], feature_group_to_add=catch_group)
if out.get("last_object_clicked") and out.get("last_object_clicked") != st.session_state.get("_map_last_click"):
    # a click this run did not see yet (the map's state arrives with the rerun it triggers)
    st.session_state["_map_last_click"] = out["last_object_clicked"]
    hit = clicked_venue(out["last_object_clicked"])
    if hit is not None and hit != picked:
        st.session_state["_catchment_pending"] = hit
        st.rerun()

with right:
    if picked and catch_group is not None:
        est = bool(catch["estimate"].any())
        legend(f"Walk from {names[picked]}" + (" (estimate)" if est else ""),
               [(c, f"within {m_:g} minutes ({d})") for c, m_, d in
                zip(mapview.CATCHMENT_COLOURS, (10, 20, 30), ("solid line", "dashed", "dotted"))], shape="line")
        if est:
            st.caption("No road network: circles of straight-line distance ÷ the detour factor (estimate).")
    if by_reach and ("deprivation" in shown or "engagement" in shown):
        pal = mapview.reach_colours(meeting=in_meeting)
        words = {"<10": "under 10 minutes", "10–20": "10 to 20 minutes", "20–30": "20 to 30 minutes",
                 "30+": "30 minutes or more (or none)"}
        legend(f"Reach time, {REACH_MODES[reach_mode].lower()}" + (" (estimate)" if result.any_estimate else ""),
               [(pal[b], words[b]) for b in reach.BANDS] + [(pal["no data"], "no data")])
        if result.any_estimate:
            st.caption("Estimate: straight-line distance × "
                       f"{reach_assumptions.detour_factor:g} where there is no road network" + ("; such roads are dashed."
                                                                            if ws.has("roads") else "."))
    if "deprivation" in shown and not by_reach:
        pal = mapview.decile_colours(meeting=in_meeting)
        legend(f"{deprivation.index_label(index)} decile",
               [(pal[d - 1], f"{d}" + (" most deprived" if d == 1 else " least deprived" if d == 10 else ""))
                for d in range(1, 11)])
    if "engagement" in shown and ws.has("roads") and not by_reach:
        labels = {"none": "nobody engaged", "<5": "fewer than 5", "5–9": "5 to 9", "10+": "10 or more"}
        pal = mapview.band_colours(meeting=in_meeting)
        legend("Participants per road", [(pal[b], labels[b]) for b in BANDS]
               + [(mapview.UNNAMED_COLOUR, "unnamed path (not counted)")], shape="line")
    if "venues" in shown and ws.has("venues"):
        kinds = set(ws.layer("venues")["kind"].astype(str))
        legend("Venues", [(mapview.VENUE_COLOURS[k], v) for k, v in VENUE_KINDS.items() if k in kinds],
               shape="circle")
    if "bus" in shown and ws.has("bus_routes"):
        routes = ws.layer("bus_routes")
        legend("Buses", [(mapview.ROUTE_COLOURS[i % len(mapview.ROUTE_COLOURS)], f"{r.route_id} {r.name}")
                         for i, r in enumerate(routes.itertuples())] + [("#ffffff", "bus stop")], shape="line")
    if "partners" in shown and ws.has("partners"):
        kinds = set(ws.layer("partners")["kind"].astype(str))
        legend("Partner sites", [(mapview.PARTNER_COLOURS[k], v) for k, v in PARTNER_KINDS.items()
                                 if k in kinds], shape="diamond")
    legend("Boundaries", [("#0b0c0c", "ward (name on map)")], shape="line")
