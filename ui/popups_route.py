"""The Pop-ups page's "Route for a day": the day's stops in an editable table (the plan's sessions, venues,
partner sites, van stops at gap areas or picked on the map), the best order worked out, and the route
on a clickable map. The stops are read and ordered by geo.plan (route_stops, routes); this module draws
the widgets and keeps the table and the route in the session.

Session-state keys: `route_stops` (the table's rows), `route_stops_for` (the day, worker and plan
revision they were made for), `route_stops_n` (renews the table), `route_clicked` /
`route_clicked_seen` (a point picked on the map), and `popups_state.ROUTE_KEY` (the route).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.analyse.network import RoadGraph
from geo.assumptions import ROUTE_BOUNDS, ReachAssumptions, RouteAssumptions
from geo.model import DataError, Workspace
from geo.out import mapview
from geo.out.popup_layers import frame_bounds, open_on
from geo.out.route_layers import ROUTE_LEGEND, ROUTE_LEGEND_TITLE, add_route_to_map, route_layers
from geo.plan.blackouts import next_monday
from geo.plan.popup_draft import SessionPlanDraft
from geo.plan.route_settings import kmh_to_m_per_min, walk_kmh
from geo.plan.route_stops import (
    STOP_COLUMNS,
    STOP_KINDS,
    StopRow,
    day_label,
    gap_label,
    gap_stop_row,
    picked_stop_row,
    place_stop_row,
    plan_days,
    route_places,
    session_stop_rows,
    sessions_of,
    stops_from_table,
    workers_on,
)
from geo.plan.routes import Route, Stop, plan_route
from ui import popups_state
from ui import workspace as wsp
from ui.display import kpi_strip, legend
from ui.map import show_map

MODES = ("Driving (van or car)", "Walking")
SCHEDULE_LABELS = {"seq": "#", "name": "Stop", "kind": "Kind", "arrive": "Arrive", "start": "Start", "depart": "Leave",
                   "wait_min": "Wait (min)", "travel_min": "Travel (min)", "distance_m": "Distance (m)",
                   "estimate": "Straight-line estimate"}


def _stops_config() -> dict[str, Any]:
    col = st.column_config
    return {"name": col.TextColumn("Stop", required=True),
            "kind": col.SelectboxColumn("Kind", options=list(STOP_KINDS), default="van stop"),
            "lat": col.NumberColumn("Latitude", format="%.5f"),
            "lon": col.NumberColumn("Longitude", format="%.5f"),
            "minutes": col.NumberColumn("Session (min)", min_value=0, default=60),
            "earliest": col.TextColumn("Start no earlier than", help="HH:MM, blank: any"),
            "latest": col.TextColumn("Start no later than", help="HH:MM, blank: any"),
            "must": col.CheckboxColumn("Booked (must visit)", default=False,
                                       help="Booked sessions are fitted before anything else.")}


def _set_stops(rows: Sequence[StopRow]) -> None:
    st.session_state["route_stops"] = list(rows)
    st.session_state["route_stops_n"] = st.session_state.get("route_stops_n", 0) + 1


def _add_stops(current: pd.DataFrame, rows: Sequence[StopRow]) -> None:
    _set_stops([{str(k): v for k, v in r.items()} for r in current.to_dict("records")] + list(rows))
    st.rerun()


def _show_route(route: Route) -> None:
    back = route.schedule.iloc[-1]
    kpi_strip([("Stops", f"{len(route.order)} of {len(route.order) + len(route.left_out)}",
                "Stops that fit in the day with their time windows."),
               ("Travel", f"{route.travel_min:.0f} min", "Time on the road, base to base."),
               ("Distance", f"{route.distance_m / 1000:.1f} km", "Along roads where the network joins the stops."),
               ("Back at base", str(back["arrive"]), "When the day ends.")])
    for note in route.notes:
        (st.warning if note.startswith(("Could not fit", "Booked")) else st.caption)(note)
    st.dataframe(route.schedule.drop(columns=["stop", "x", "y"]).rename(columns=SCHEDULE_LABELS), hide_index=True,
                 width="stretch")


def _route_map(ws: Workspace, key_day: str, *, in_meeting: bool) -> None:
    """The map: the venues, and the route worked out for these stops; a click picks a van stop."""
    lsoas = wsp.web_layer(ws.id, ws, "lsoas").assign(decile=np.nan, decile_text="", lsoa_name=lambda f: f["lsoa_code"])
    venues_web = wsp.web_layer(ws.id, ws, "venues")
    m = mapview.build_map(wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=lsoas, roads=None, venues=venues_web,
                          bus_stops=None, bus_routes=None,
                          partners=None,  # partner markers would sit on top of the route's numbers
                          options=popups_state.map_options(ws, show=frozenset({"venues"}), in_meeting=in_meeting))
    result = popups_state.route_result()
    if result is None or result.key != key_day:  # this map opens on the route, else on where the venues are
        open_on(m, frame_bounds(venues_web), padding=(20, 20))
    else:
        add_route_to_map(m, result.legs, result.marks)
        open_on(m, frame_bounds(result.legs), padding=(40, 40))
        _show_route(result.route)
    out = show_map(m, key="route_map", height=620, returned_objects=["last_clicked"])
    click = (out or {}).get("last_clicked")
    if click and click.get("lat") is not None:
        pt = (float(click["lat"]), float(click["lng"]))
        if st.session_state.get("route_clicked") != pt and st.session_state.get("route_clicked_seen") != pt:
            st.session_state["route_clicked"] = pt
            st.session_state["route_clicked_seen"] = pt
            st.rerun()
    legend(ROUTE_LEGEND_TITLE, ROUTE_LEGEND, shape="line")


def route_section(draft: SessionPlanDraft | None, *, ws: Workspace, venues: gpd.GeoDataFrame,
                  gap_points: pd.DataFrame,
                  graph: RoadGraph | None, reach: ReachAssumptions, today: dt.date, in_meeting: bool) -> None:
    st.markdown("The best order to visit a day's stops from a base: the van at any point (a village green, a car "
                "park), venues and partner sites. Each stop has a session length and a window for its start.")
    live = draft.live if draft is not None else pd.DataFrame()
    c1, c2, c3 = st.columns([2, 1, 1])
    days = plan_days(live)
    day_choice = c1.selectbox("Day", ["another day", *days], index=1 if days else 0, key="route_day",
                              format_func=lambda d: d if isinstance(d, str) else day_label(live, d))
    day = cast(dt.date, c1.date_input("Date", value=next_monday(today), format="DD/MM/YYYY", key="route_other_day")
               if isinstance(day_choice, str) else day_choice)
    worker = int(c2.selectbox("Worker", workers_on(live, day) or [1], key="route_worker") or 1)
    mode = c3.radio("Travel", list(MODES), key="route_mode")
    driving = mode == MODES[0]
    c1, c2, c3, c4 = st.columns(4)
    places = route_places(venues, ws.layer("partners") if ws.has("partners") else None)
    base_name = c1.selectbox("Start and finish at", list(places), key="route_base")
    start_t = c2.text_input("Leave base at", "09:00", key="route_start")
    end_t = c3.text_input("Back by (blank: no limit)", "17:30", key="route_end")
    bound = ROUTE_BOUNDS["drive_kmh"]
    speed = c4.number_input("Average speed (km/h)", bound.low, bound.high,
                            RouteAssumptions().drive_kmh if driving else walk_kmh(reach), step=bound.step,
                            key=f"route_speed_{mode[:4]}", help=bound.help)

    # the stops: the day's sessions for this worker, plus anything added
    key_day = f"{day}|{worker}|{popups_state.editor_revision()}"
    if st.session_state.get("route_stops_for") != key_day:
        _set_stops(session_stop_rows(sessions_of(live, day, worker)))
        st.session_state["route_stops_for"] = key_day
        popups_state.forget_route()
    st.markdown("**Stops** (type a van stop's latitude and longitude in a new row, or pick it on the map below)")
    current = st.data_editor(pd.DataFrame(st.session_state["route_stops"], columns=list(STOP_COLUMNS)),
                             num_rows="dynamic", hide_index=True, width="stretch",
                             key=f"route_stops_editor_{st.session_state.get('route_stops_n', 0)}",
                             column_config=_stops_config())
    c1, c2, c3 = st.columns([3, 2, 2])
    add_place = c1.selectbox("Add a venue or partner site", list(places), key="route_add_place")
    if c1.button("Add it", key="route_add_place_btn"):
        _add_stops(current, [place_stop_row(places[add_place])])
    top = gap_points[gap_points["score"] > 0].head(10)
    by_code = {str(r["lsoa_code"]): r for r in top.to_dict("records")}
    gap_pick = c2.multiselect("Van stops at gap areas", list(top["lsoa_code"]), key="route_gap_pick",
                              format_func=lambda c: gap_label(by_code[str(c)]))
    if c2.button("Add van stops", key="route_add_gaps") and gap_pick:
        _add_stops(current, [gap_stop_row(by_code[str(code)]) for code in gap_pick])
    clicked = st.session_state.get("route_clicked")
    if clicked:
        c3.caption(f"Picked on the map: {clicked[0]:.5f}, {clicked[1]:.5f}")
        if c3.button("Add the picked point as a van stop", key="route_add_click"):
            st.session_state.pop("route_clicked", None)
            _add_stops(current, [picked_stop_row(clicked[0], clicked[1], number=len(current) + 1)])
    else:
        c3.caption("Click the map below to pick a point for a van stop.")

    if st.button("Work out the best order", type="primary", key="route_go"):
        try:
            place = places[base_name]
            base = Stop(name=place.name, x=place.x, y=place.y, kind="base", address=place.address)
            stops = stops_from_table(current)
            speed_m_per_min = (RouteAssumptions(drive_kmh=float(speed)).drive_m_per_min if driving
                               else kmh_to_m_per_min(speed))
            with st.spinner(f"Ordering {len(stops)} stops…"):
                route, travel = plan_route(base, stops, assumptions=reach, speed_m_per_min=speed_m_per_min,
                                           graph=graph, start=start_t, end=end_t or None,
                                           mode_words="driving" if driving else "walking")
                legs, marks = route_layers(route, travel, base, stops, graph=graph)
            popups_state.keep_route(popups_state.DayRoute(key_day, route, legs, marks, day, worker))
        except DataError as err:
            st.error(f"The route cannot be worked out.\n\n{err}")
    _route_map(ws, key_day, in_meeting=in_meeting)
