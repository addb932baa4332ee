"""What the Pop-ups page keeps in the browser session: the plan being edited (a `SessionPlanDraft`),
the counter that renews the editable tables when the plan changes from elsewhere, and the day's route.

Keys: `popup_plan` (the draft), `popup_editor_n` (bumped whenever the plan is replaced, so the
sessions table and the route's stops start again from it), `route_result` (the last route worked out),
`popup_plan_problems` (the draft's problems, worked out once per draft).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.assumptions import GapWeights, ReachAssumptions
from geo.model import Workspace
from geo.out.mapview import MapOptions
from geo.plan.popup_draft import SessionPlanDraft
from geo.plan.popup_venues import gaps_with_points
from geo.plan.routes import Route
from ui import workspace as wsp
from ui.map import tile_settings

PLAN_KEY = "popup_plan"
EDITOR_N_KEY = "popup_editor_n"
ROUTE_KEY = "route_result"
PROBLEMS_KEY = "popup_plan_problems"


def gap_points(ws_id: str, ws: Workspace, reach: ReachAssumptions, weights: GapWeights) -> pd.DataFrame:
    """The gaps this page serves: the Gaps page's (same view, weights and reach assumptions), with the
    population-weighted point of each LSOA."""
    gap = wsp.gap_result(ws_id, ws, wsp.gap_view(ws_id), reach, weights)
    return gaps_with_points(gap.table, gap.reach.lsoas)


def map_options(ws: Workspace, *, show: frozenset[str], in_meeting: bool) -> MapOptions:
    """The options of the page's maps: the layers shown, meeting mode, the workspace's attribution, tiles."""
    tiles = tile_settings()
    return MapOptions(show=show, meeting=in_meeting, attribution=ws.meta.get("attribution", ""),
                      tile_url=tiles["tile_url"], tile_attribution=tiles["tile_attribution"] or "")


def draft() -> SessionPlanDraft | None:
    """The plan being edited in this browser session, if any."""
    value = st.session_state.get(PLAN_KEY)
    return value if isinstance(value, SessionPlanDraft) else None


def problems(plan: SessionPlanDraft, venues: pd.DataFrame, ws_id: str) -> pd.DataFrame:
    """`plan.problems(venues)`, worked out once per draft (a draft never changes; a change is a new one)."""
    memo = st.session_state.get(PROBLEMS_KEY)
    if memo is not None and memo[0] is plan and memo[1] == ws_id:
        found: pd.DataFrame = memo[2]
        return found
    found = plan.problems(venues)
    st.session_state[PROBLEMS_KEY] = (plan, ws_id, found)
    return found


def editor_revision() -> int:
    return int(st.session_state.get(EDITOR_N_KEY, 0))


def keep(new: SessionPlanDraft, *, forget_route: bool = False) -> None:
    """Keep `new` as the plan and start the editable tables again from it."""
    st.session_state[PLAN_KEY] = new
    st.session_state[EDITOR_N_KEY] = editor_revision() + 1
    if forget_route:
        st.session_state.pop(ROUTE_KEY, None)


@dataclass(frozen=True, eq=False)
class DayRoute:
    """A route worked out for `day` and `worker`, with its map layers; `key` names the stops table it
    was made from (day, worker and plan revision), so a route of other stops is never shown."""

    key: str
    route: Route
    legs: gpd.GeoDataFrame
    marks: gpd.GeoDataFrame
    day: dt.date
    worker: int


def route_result() -> DayRoute | None:
    value = st.session_state.get(ROUTE_KEY)
    return value if isinstance(value, DayRoute) else None


def keep_route(result: DayRoute) -> None:
    st.session_state[ROUTE_KEY] = result


def forget_route() -> None:
    st.session_state.pop(ROUTE_KEY, None)
