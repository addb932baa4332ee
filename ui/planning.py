"""Cached building blocks of the Hubs, Patches and Compare pages (the same calls on each page).

Plans are cached per workspace id and their plain settings (`st.cache_resource`: callers never mutate
them); the workspace's layers are filled in here so pages pass only what the user chose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import pandas as pd
import streamlit as st

from geo import assumptions
from geo.analyse.adjacency import Rule
from geo.assumptions import ReachAssumptions
from geo.model import Workspace
from geo.out.mapview import MapOptions
from geo.plan import caseload, hubs, patch_table, patches
from geo.plan.lsoa_travel import TravelTimes
from geo.plan.patch_plan import PatchPlan
from geo.plan.patch_units import PatchUnits, make_units
from ui import workspace as wsp
from ui.map import tile_settings


def export_buttons(*, prefix: str, stem: str, gpkg: Callable[[], bytes], help_gpkg: str, csv: Callable[[], bytes],
                   csv_label: str) -> None:
    """The Export section of a plan page: a GeoPackage and a CSV, each built only when downloaded."""
    st.subheader("Export")
    e1, e2 = st.columns(2)
    e1.download_button("GeoPackage (for QGIS)", gpkg, file_name=f"{stem}.gpkg", mime="application/geopackage+sqlite3",
                       key=f"{prefix}_dl_gpkg", icon=":material/download:", help=help_gpkg)
    e2.download_button(csv_label, csv, file_name=f"{stem}.csv", mime="text/csv", key=f"{prefix}_dl_csv",
                       icon=":material/download:")


def map_options(ws: Workspace, *, meeting: bool) -> MapOptions:
    """Map options of a plan map: meeting mode, the workspace's attribution, base tiles if configured."""
    tiles = tile_settings()
    return MapOptions(meeting=meeting, attribution=ws.meta.get("attribution", ""), tile_url=tiles["tile_url"],
                      tile_attribution=tiles["tile_attribution"] or "")


# ---- hubs -----------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32)
def hub_plan(ws_id: str, _ws: Workspace, settings: hubs.HubSettings, reach: ReachAssumptions) -> hubs.HubPlan:
    """Hubs and satellites chosen for these settings (maximal covering; see geo.plan.hubs)."""
    return hubs.plan_hubs(wsp.hub_need(ws_id, _ws, settings.index), wsp.hub_travel_times(ws_id, _ws, reach),
                          _ws.layer("venues"), settings, time_limit_s=8.0, mip_rel_gap=0.005)


def reopen_hub_plan(ws: Workspace, payload: Mapping[str, Any], tt: TravelTimes) -> hubs.HubPlan:
    """A saved hub plan measured against the workspace as it is (with its own deprivation measure)."""
    index = str(payload.get("settings", {}).get("index", "imd"))
    return hubs.plan_from_payload(payload, wsp.hub_need(ws.id, ws, index), tt)


# ---- patches --------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=16)
def patch_caseload(ws_id: str, _ws: Workspace, settings: assumptions.CaseloadSettings
                   ) -> tuple[pd.DataFrame, list[str]]:
    people = _ws.layer("participants") if _ws.has("participants") else None
    return caseload.expected_caseload(_ws.layer("lsoas"), people, settings=settings)


@st.cache_resource(show_spinner=False, max_entries=16)
def patch_units(ws_id: str, _ws: Workspace, settings: assumptions.CaseloadSettings, rule: str = "rook") -> PatchUnits:
    """Units of a patch plan; `rule` is 'rook' or 'queen' (anything else is a DataError from geo)."""
    cl, _ = patch_caseload(ws_id, _ws, settings)
    roads = _ws.layer("roads") if _ws.has("roads") else None
    return make_units(_ws.layer("lsoas"), cl, roads=roads, rule=cast(Rule, rule))


@st.cache_resource(show_spinner=False, max_entries=32)
def patch_plan(ws_id: str, _ws: Workspace, _units: PatchUnits, key: tuple[Any, ...], n: int, lower: float,
               upper: float, locked: tuple[tuple[str, tuple[str, ...]], ...],
               settings: assumptions.CaseloadSettings) -> PatchPlan:
    """Patches planned afresh around the locked ones (`key` names the units: workspace, caseload, rule)."""
    return patches.plan_patches(_units, n_patches=n, lower=lower, upper=upper,
                                locked={label: codes for label, codes in locked}, settings=settings, time_limit_s=8.0)


def plan_patch_table(ws: Workspace, units: PatchUnits, plan: PatchPlan, reach: ReachAssumptions
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table of a patch plan on this workspace (trips with the session's reach assumptions)."""
    return patch_table.patch_table(units, plan, lsoas=ws.layer("lsoas"), assumptions=reach,
                                   venues=ws.layer("venues") if ws.has("venues") else None,
                                   roads=ws.layer("roads") if ws.has("roads") else None,
                                   graph=wsp.road_graph(ws.id, ws), road_keys=wsp.road_keys(ws.id, ws),
                                   wards=ws.layer("wards"))


def observed(ws: Workspace, settings: assumptions.CaseloadSettings) -> bool:
    """Whether a patch plan's caseloads are observed counts of people (then small ones are suppressed)."""
    return caseload.basis_used(settings, have_people=ws.has("participants")) == assumptions.OBSERVED


#: How the Patches page shows the columns of `geo.out.plan_tables.patch_screen_table`.
PATCH_TABLE_COLUMNS: dict[str, Any] = {
    "patch": "Patch", "lsoas": "LSOAs", "caseload": "Expected caseload",
    "workers": st.column_config.NumberColumn("Workers at the caseload", format="%.2f"),
    "within_bounds": "Within bounds",
    "need": st.column_config.NumberColumn("Need", format="%.0f", help="Working-age residents weighted by deprivation."),
    "working_age": st.column_config.NumberColumn("Working-age residents", format="%.0f"),
    "roads": st.column_config.NumberColumn("Named roads"), "venues": "Venues", "base": "Worker's base",
    "longest_trip_min": st.column_config.NumberColumn(
        "Longest trip (min walk)", format="%.0f",
        help="From the base to the furthest LSOA's population-weighted point."),
    "contiguous": "In one piece", "locked": "Locked"}
