"""Loading the current workspace and the analyses derived from it, cached per workspace id."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import streamlit as st

from geo import io
from geo.analyse import engagement, hours, transit
from geo.analyse import gaps as gaps_mod
from geo.analyse import reach as reach_mod
from geo.analyse.catchment import DEFAULT_MINUTES, catchment
from geo.analyse.network import RoadGraph, build_graph, geometry_xy
from geo.assumptions import GapWeights, ReachAssumptions
from geo.model import COHORTS, DataError, Workspace, points_for_reach
from geo.out import mapview
from geo.plan import lsoa_travel, need, patch_units


@st.cache_resource(show_spinner=False)
def _load(path: str, mtime_ns: int) -> Workspace:
    return io.read_workspace(path)


def workspace_path() -> Path:
    """The workspace chosen on the Your-data page, else $PATCHWORK_WORKSPACE, else the demo borough."""
    chosen = st.session_state.get("workspace_path") or os.environ.get("PATCHWORK_WORKSPACE")
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
    return len(engagement.filter_participants(ws.layer("participants"), start=start, end=end, cohorts=cohorts))


# ---- reach and gaps: cached per workspace id + plain parameters --------------------------------
def _opt(ws: Workspace, layer: str) -> gpd.GeoDataFrame | None:
    return ws.layer(layer) if ws.has(layer) else None


@st.cache_resource(show_spinner=False)
def reach_network(ws_id: str, _ws: Workspace) -> reach_mod.ReachNetwork:
    """Road graph, midpoints, LSOA points, stops on the graph and the ride table: built once."""
    return reach_mod.prepare_network(_opt(_ws, "roads"), lsoas=_ws.layer("lsoas"), bus_stops=_opt(_ws, "bus_stops"),
                                     bus_routes=_opt(_ws, "bus_routes"))


@st.cache_resource(show_spinner=False, max_entries=32)
def reach_result(ws_id: str, _ws: Workspace, venue_ids: tuple[str, ...],
                 assumptions: ReachAssumptions) -> reach_mod.ReachResult:
    venues = points_for_reach(_ws, "venues")  # kept-outside venues count for reach
    venues = venues[venues["venue_id"].astype(str).isin(venue_ids)]
    return reach_mod.compute_reach(_opt(_ws, "roads"), venues, lsoas=_ws.layer("lsoas"),
                                   bus_stops=_opt(_ws, "bus_stops"), bus_routes=_opt(_ws, "bus_routes"),
                                   prepared=reach_network(ws_id, _ws), assumptions=assumptions)


@st.cache_resource(show_spinner=False, max_entries=32)
def reach_roads(ws_id: str, _ws: Workspace, venue_ids: tuple[str, ...],
                assumptions: ReachAssumptions) -> pd.DataFrame:
    """Reach per road (named street within a ward), length-weighted over its segments."""
    return reach_mod.reach_by_road(reach_result(ws_id, _ws, venue_ids, assumptions), _ws.layer("roads"),
                                   road_keys(ws_id, _ws))


@st.cache_resource(show_spinner=False, max_entries=16)
def catchment_web(ws_id: str, _ws: Workspace, venue_id: str,
                  assumptions: ReachAssumptions) -> gpd.GeoDataFrame:
    """The 10/20/30-minute walking areas of one venue, web-ready (WGS84)."""
    venues = _ws.layer("venues")
    row = venues[venues["venue_id"].astype(str) == venue_id]
    xy = geometry_xy(row)[:1]
    graph = reach_network(ws_id, _ws).graph
    area = catchment(graph, xy, minutes=DEFAULT_MINUTES, assumptions=assumptions)
    return mapview.to_web(area, simplify_m=5.0)


def venue_xy_web(ws_id: str, _ws: Workspace) -> pd.DataFrame:
    """venue_id, name, lat, lng of every venue (to match a map click to a venue)."""
    web = web_layer(ws_id, _ws, "venues")
    return pd.DataFrame({"venue_id": web["venue_id"].astype(str).to_numpy(),
                         "name": web["name"].astype(str).to_numpy(),
                         "lat": web.geometry.y.to_numpy(), "lng": web.geometry.x.to_numpy()})


def hub_plans(path: Path) -> list[str]:
    """Names of the saved hub plans in the workspace file (none when the file has no plans table)."""
    try:
        return [p.name for p in io.list_plans(path, kind="hubs")]
    except Exception:  # a read-only or missing file simply has no plans to offer
        return []


def hub_venue_ids(path: Path, name: str) -> tuple[str, ...]:
    """The venues a saved hub plan uses (hubs, fixed hubs and satellites)."""
    _, payload = io.load_plan(path, kind="hubs", name=name)
    ids = [*payload.get("hubs", []), *payload.get("fixed", []), *payload.get("satellites", [])]
    return tuple(sorted({str(v) for v in ids}))


@st.cache_resource(show_spinner=False, max_entries=64)
def road_lsoa_table(ws_id: str, _ws: Workspace, start: dt.date, end: dt.date, cohorts: tuple[str, ...],
                    max_m: float) -> pd.DataFrame:
    """Engagement per road with the LSOA holding most of each road (geo.analyse.gaps.road_lsoas)."""
    eng = road_engagement(ws_id, _ws, start, end, cohorts, max_m)
    return gaps_mod.road_lsoas(_ws.layer("roads"), eng, _ws.layer("lsoas"))


@st.cache_resource(show_spinner=False, max_entries=32)
def area_outcomes(ws_id: str, _ws: Workspace, level: str, start: dt.date, end: dt.date,
                  cohorts: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw counts per area (ward or LSOA): the outcome funnel and how people heard. Suppress before
    showing (geo.privacy.secondary_suppress)."""
    people = engagement.filter_participants(_ws.layer("participants"), start=start, end=end, cohorts=cohorts)
    areas, code = (_ws.layer("wards"), "ward_code") if level == "ward" else (_ws.layer("lsoas"), "lsoa_code")
    return (gaps_mod.outcome_funnel(people, areas, code_col=code),
            gaps_mod.referral_sources(people, areas, code_col=code))


# ---- planning building blocks shared by the Hubs, Patches, Compare and Pop-ups pages -------------
#: Hub travel times are computed once up to this many minutes; budgets are at most this.
HUB_HORIZON_MIN = 60.0


@st.cache_resource(show_spinner=False, max_entries=4)
def road_graph(ws_id: str, _ws: Workspace) -> RoadGraph | None:
    """The walking graph of the workspace's roads, or None without roads."""
    return build_graph(_ws.layer("roads")) if _ws.has("roads") else None


@st.cache_resource(show_spinner=False, max_entries=8)
def hub_travel_times(ws_id: str, _ws: Workspace, assumptions: ReachAssumptions,
                     horizon: float = HUB_HORIZON_MIN) -> lsoa_travel.TravelTimes:
    return lsoa_travel.travel_times(_ws.layer("lsoas"), _ws.layer("venues"), roads=_opt(_ws, "roads"),
                                    max_minutes=horizon, assumptions=assumptions)


@st.cache_resource(show_spinner=False, max_entries=8)
def hub_need(ws_id: str, _ws: Workspace, index: str) -> pd.DataFrame:
    return need.need_table(_ws.layer("lsoas"), index=index)


@st.cache_resource(show_spinner=False, max_entries=4)
def lsoa_adjacency(ws_id: str, _ws: Workspace) -> sp.csr_matrix:
    return patch_units.lsoa_adjacency(_ws.layer("lsoas"))[0]


# ---- the one gap pipeline: Gaps, Pop-ups and the exports all read the table from here --------------
@dataclass(frozen=True)
class GapView:
    """What the gap table is made of: the deprivation measure, who counts as engaged (enrolled in the
    period, of the cohorts) and the venues that count for reach (None: every venue not marked closed)."""

    index: str = "imd"
    start: dt.date | None = None
    end: dt.date | None = None
    cohorts: tuple[str, ...] = COHORTS
    venue_ids: tuple[str, ...] | None = None


#: Participants further than this from a named road are not placed on a road (reported as unmatched).
SNAP_M = engagement.DEFAULT_SNAP_M


def _view_key(ws_id: str) -> str:
    return f"gap_view:{ws_id}"


def remember_gap_view(ws_id: str, view: GapView) -> None:
    """The Gaps page records what it shows, so Pop-ups and the exports serve the same gaps."""
    st.session_state[_view_key(ws_id)] = view


def gap_view(ws_id: str) -> GapView:
    """The gap view last shown on the Gaps page for this workspace, else the whole period and every venue."""
    view = st.session_state.get(_view_key(ws_id))
    return view if isinstance(view, GapView) else GapView()


def _venue_ids(ws: Workspace, view: GapView) -> tuple[str, ...]:
    if view.venue_ids is not None:
        return view.venue_ids
    venues, _ = hours.usable_venues(points_for_reach(ws, "venues"))
    return tuple(sorted(venues["venue_id"].astype(str)))


def _period(ws: Workspace, view: GapView) -> tuple[dt.date, dt.date]:
    people = ws.layer("participants")
    if view.start is not None and view.end is not None:
        return view.start, view.end
    if len(people) == 0:
        return dt.date(2000, 1, 1), dt.date(2100, 1, 1)
    enrolled = pd.to_datetime(people["enrolled_on"])
    return enrolled.min().date(), enrolled.max().date()


@dataclass(frozen=True)
class GapResult:
    """The gap table with the reach and engagement it was made from."""

    table: pd.DataFrame
    reach: reach_mod.ReachResult
    engagement: engagement.RoadEngagement | None
    road_table: pd.DataFrame | None
    view: GapView
    weights: GapWeights
    assumptions: ReachAssumptions


@st.cache_resource(show_spinner=False, max_entries=16)
def gap_result(ws_id: str, _ws: Workspace, view: GapView, assumptions: ReachAssumptions,
               weights: GapWeights) -> GapResult:
    """Reach, engagement by road and the ranked gap table for one view, weights and reach assumptions."""
    start, end = _period(_ws, view)
    has_roads, has_people = _ws.has("roads"), len(_ws.layer("participants")) > 0
    result = reach_result(ws_id, _ws, _venue_ids(_ws, view), assumptions)
    eng = road_engagement(ws_id, _ws, start, end, view.cohorts, SNAP_M) if has_roads else None
    road_table = road_lsoa_table(ws_id, _ws, start, end, view.cohorts, SNAP_M) if has_roads and has_people else None
    table = gaps_mod.gap_table(_ws.layer("lsoas"), result.lsoas, road_table, index=view.index, weights=weights)
    return GapResult(table, result, eng, road_table, view, weights, assumptions)
