"""Map: deprivation, engagement by road, venues, buses and partners on one map, with KPIs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import deprivation, mapview
from geo.model import COHORTS, PARTNER_KINDS, VENUE_KINDS
from geo.privacy import BANDS, suppress
from ui import meeting
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map, tile_settings

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
    ("Venues within 400 m of a bus stop", f"{int(near.sum())} of {len(near)}",
     "Straight-line distance from the venue to the nearest stop."),
])
if eng.unmatched and not in_meeting:
    st.caption(f"{suppress(eng.unmatched)} participants live more than 50 m from any named road and are "
               "not counted on a road (they are counted in 'Participants engaged').")

lsoas_web = mapview.decile_layer(wsp.web_layer(ws.id, ws, "lsoas"),
                                 deprivation.deciles(ws.layer("lsoas"), index=index))
roads_web = None
if ws.has("roads"):
    roads_web = mapview.engagement_layer(wsp.road_shapes(ws.id, ws), eng.roads, bands_only=in_meeting)
options = mapview.MapOptions(
    show=shown, index_label=deprivation.index_label(index), meeting=in_meeting,
    attribution=ws.meta.get("attribution", ""), **tile_settings(),
)
m = mapview.build_map(
    wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=lsoas_web, roads=roads_web,
    venues=wsp.web_layer(ws.id, ws, "venues") if ws.has("venues") else None,
    bus_stops=wsp.web_layer(ws.id, ws, "bus_stops") if ws.has("bus_stops") else None,
    bus_routes=wsp.web_layer(ws.id, ws, "bus_routes") if ws.has("bus_routes") else None,
    partners=wsp.web_layer(ws.id, ws, "partners") if ws.has("partners") else None,
    options=options,
)

left, right = st.columns([4, 1])
with left:
    show_map(m, key="outreach_map", height=720 if in_meeting else 640)
with right:
    if "deprivation" in shown:
        pal = mapview.decile_colours(meeting=in_meeting)
        legend(f"{deprivation.index_label(index)} decile",
               [(pal[d - 1], f"{d}" + (" most deprived" if d == 1 else " least deprived" if d == 10 else ""))
                for d in range(1, 11)])
    if "engagement" in shown and ws.has("roads"):
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
