"""Loading the current workspace and the analyses derived from it, cached per workspace id."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo import engagement, io, mapview, transit
from geo.model import DataError, Workspace


@st.cache_resource(show_spinner=False)
def _load(path: str, mtime_ns: int) -> Workspace:
    return io.read_workspace(path)


def workspace_path() -> Path:
    """$PATCHWORK_WORKSPACE if set, else the embedded demo borough (built on first use)."""
    chosen = os.environ.get("PATCHWORK_WORKSPACE")
    if chosen:
        return Path(chosen)
    demo = io.demo_path()
    if not demo.exists():
        with st.status("Building the demo borough (first run only)…", expanded=False) as status:
            io.ensure_demo()
            status.update(label="Demo borough ready", state="complete")
        return demo
    return io.ensure_demo()


def current_workspace() -> Workspace:
    """The workspace in use; a DataError stops the page with a readable message."""
    path = workspace_path()
    try:
        return _load(str(path), path.stat().st_mtime_ns if path.exists() else 0)
    except DataError as err:
        st.error(f"This workspace cannot be opened.\n\n{err}")
        st.stop()
        raise  # unreachable; keeps type checkers content


# ---- derived, filter-independent (resource: never mutated by callers) -------------------------
@st.cache_resource(show_spinner=False)
def road_keys(ws_id: str, _ws: Workspace) -> pd.Series:
    return engagement.road_keys(_ws.layer("roads"), _ws.layer("wards"))


@st.cache_resource(show_spinner=False)
def road_shapes(ws_id: str, _ws: Workspace) -> gpd.GeoDataFrame:
    wards = _ws.layer("wards")
    names = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str)))
    return mapview.road_shapes(_ws.layer("roads"), road_keys(ws_id, _ws), names)


@st.cache_resource(show_spinner=False)
def web_layer(ws_id: str, _ws: Workspace, layer: str) -> gpd.GeoDataFrame:
    frame = _ws.layer(layer)
    if layer in ("wards", "lsoas"):
        return mapview.to_web(frame, simplify_m=8.0, coverage=True)
    if layer == "bus_routes":
        return mapview.to_web(frame, simplify_m=3.0)
    return mapview.to_web(frame)


@st.cache_resource(show_spinner=False)
def venues_near_stops(ws_id: str, _ws: Workspace, radius_m: float) -> np.ndarray:
    return transit.near_stops(_ws.layer("venues"), _ws.layer("bus_stops"), radius_m=radius_m)


# ---- derived, per filter -------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=64)
def road_engagement(ws_id: str, _ws: Workspace, start: dt.date, end: dt.date,
                    cohorts: tuple[str, ...], max_m: float) -> engagement.RoadEngagement:
    people = engagement.filter_participants(_ws.layer("participants"), start=start, end=end, cohorts=cohorts)
    return engagement.engagement_by_road(people, _ws.layer("roads"), wards=_ws.layer("wards"), max_m=max_m)


def participants_in(ws: Workspace, start: dt.date, end: dt.date, cohorts: tuple[str, ...]) -> int:
    return int(len(engagement.filter_participants(ws.layer("participants"), start=start, end=end,
                                                  cohorts=cohorts)))
