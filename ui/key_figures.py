"""The Map page's key figures, made in one place for the Map page's KPI strip and for every export.

The Map page shows `map_key_figures` for its filters and leaves its view (`remember_map_view`) for the
Export page, which starts from it: the PDF, the Excel workbook and the CSV then carry the very texts
the Map page showed (same period, cohorts, stop radius; "no bus data" where the workspace has no
bus stops).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import streamlit as st

from geo.analyse import deprivation, transit
from geo.model import Workspace
from geo.out import kpis
from ui import workspace as wsp

#: Where the Map page leaves its view for the Export page.
MAP_VIEW_KEY = "map_view"
#: Venues within this straight-line distance of a stop count as near one.
STOP_RADIUS_M = transit.DEFAULT_STOP_WALK_M


def map_key_figures(ws: Workspace, *, start: dt.date, end: dt.date, cohorts: tuple[str, ...]) -> list[kpis.Kpi]:
    """People engaged, roads with residents engaged, LSOAs in the most deprived 20%, venues near a bus
    stop, as (label, value, help): what the Map page's strip shows for this period and these cohorts."""
    return kpis.map_kpis(
        people=wsp.participants_in(ws, start, end, cohorts),
        engagement=wsp.road_engagement(ws.id, ws, start, end, cohorts, wsp.SNAP_M),
        deprived=deprivation.most_deprived(ws.layer("lsoas"), index="imd", max_decile=2),
        near_stop=wsp.venues_near_stops(ws.id, ws, STOP_RADIUS_M) if ws.has("bus_stops") else None,
        stop_radius_m=STOP_RADIUS_M)


def remember_map_view(*, start: dt.date, end: dt.date, cohorts: Iterable[str], index: str,
                      shown: Iterable[str]) -> None:
    """Leave the Map page's view for the Export page (read by `map_view`)."""
    st.session_state[MAP_VIEW_KEY] = {"start": start, "end": end, "cohorts": tuple(cohorts), "index": index,
                                      "shown": tuple(shown)}


def map_view() -> dict[str, Any]:
    """The view the Map page last showed in this session (empty when it has not been opened)."""
    return dict(st.session_state.get(MAP_VIEW_KEY) or {})
