"""Streamlit helpers for the Lots page: unit layers, cached derivations, the lot draft in the session,
what the page shows of it (`LotsView`) and map clicks.

The draft being edited is one `geo.plan.lots.draft.LotDraft` in `st.session_state[DRAFT_KEY]`; widget
callbacks replace it (`update`), never change it in place. The tabs are drawn by ui.lots_edit (Lots),
ui.lots_suggest, ui.lots_saved and ui.lots_compare (Compare and save), ui.lots_value (Assumptions) and
ui.lots_places (Place names). Saved scenarios are read and written through ui.plans (`LOT_PLANS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import io
from geo.assumptions import LotValueModel
from geo.model import DataError, Workspace, ward_years
from geo.out.geojson import to_web
from geo.out.lots_map import lots_map
from geo.plan.lots.draft import LotDraft
from geo.plan.lots.profile import assess_lots, enrolled_per_lot
from geo.plan.lots.scenario import PLAN_KIND, Scenario, scenario_from_payload
from geo.plan.lots.tables import gbp_text
from geo.plan.lots.units import LotUnits, prepare_units
from ui.plans import PlanKind, read_plan

#: Where the draft lives in the session.
DRAFT_KEY = "lots_plan"
_CODE = re.compile(r"\(([A-Z]\d{8})\)")


def describe_scenario(info: io.PlanInfo) -> str:
    """A saved scenario in the picker: its lots and total value."""
    return f"{info.meta.get('lots', '?')} lots, total value {gbp_text(float(info.meta.get('value_gbp') or 0))}"


def scenario_columns(info: io.PlanInfo) -> dict[str, Any]:
    """A saved scenario in the table of saved scenarios: its lots, the layer built from, total value."""
    return {"Lots": info.meta.get("lots"), "Built from": info.meta.get("unit_layer"),
            "Total value": gbp_text(float(info.meta.get("value_gbp") or 0))}


#: Saved lot scenarios, as the shared saved-plans panel shows them.
LOT_PLANS = PlanKind(kind=PLAN_KIND, prefix="lots", title="Saved lot scenarios",
                     placeholder="e.g. Three lots, high need", describe=describe_scenario,
                     name_label="Scenario name", save_label="Save scenario", pick_label="Scenario", noun="scenario",
                     columns=scenario_columns)


def unit_layers(ws: Workspace) -> dict[str, str]:
    """Unit layers lots can be built from: key -> label. Wards by boundary year, then LSOAs."""
    out: dict[str, str] = {}
    wards = ward_years(ws)  # the current wards and those of earlier years
    years = sorted({int(y) for y in wards["boundary_year"].dropna()}, reverse=True) \
        if "boundary_year" in wards.columns else []
    if years:
        for i, y in enumerate(years):
            out[f"wards:{y}"] = f"Wards ({y} boundaries{', current' if i == 0 and len(years) > 1 else ''})"
    elif len(wards):
        out["wards:"] = "Wards"
    out["lsoas"] = "LSOAs"
    return out


@st.cache_resource(show_spinner=False)
def lot_units(ws_id: str, _ws: Workspace, key: str) -> LotUnits:
    label = unit_layers(_ws).get(key, key)
    lsoas = _ws.layer("lsoas")
    if key == "lsoas":
        return prepare_units(lsoas, lsoas, kind="lsoas", code_col="lsoa_code", name_col="lsoa_name", label=label)
    wards = ward_years(_ws)
    year = key.split(":", 1)[1]
    if year and "boundary_year" in wards.columns:
        wards = wards[wards["boundary_year"].astype("Int64") == int(year)]
    return prepare_units(wards, lsoas, kind="wards", code_col="ward_code", name_col="ward_name", lad_col="lad_name",
                         label=label)


def saved_scenario_of(ws: Workspace, name: str, payload: Mapping[str, Any]) -> tuple[LotUnits, Scenario]:
    """Saved scenario `name` (its payload) with the units it is built from, checked against this workspace."""
    key = str(payload.get("unit_layer"))
    if key not in unit_layers(ws):
        raise DataError(f"saved lots use '{key}', which this workspace does not have.", source=f"scenario '{name}'")
    lu = lot_units(ws.id, ws, key)
    return lu, scenario_from_payload(payload, known=lu.codes)


@st.cache_resource(show_spinner=False, max_entries=32)
def saved_scenario(ws_id: str, _ws: Workspace, path: str, name: str, version: int
                   ) -> tuple[LotUnits, Scenario, pd.DataFrame]:
    """A saved lot scenario with its units and profile (cached per name and version)."""
    _, payload = read_plan(LOT_PLANS, path, name)
    lu, s = saved_scenario_of(_ws, name, payload)
    return lu, s, assess_lots(lu, s)


@st.cache_resource(show_spinner=False, max_entries=32)
def saved_scenario_map(ws_id: str, _ws: Workspace, path: str, name: str, version: int) -> folium.Map:
    """The small display-only map of a saved scenario (cached per name and version)."""
    lu, s, _ = saved_scenario(ws_id, _ws, path, name, version)
    return lots_map(web_units(ws_id, _ws, s.unit_layer), lu, dict(s.lots), served=s.served, labels=True,
                    interactive=False, fit="lots")


@st.cache_resource(show_spinner=False)
def web_units(ws_id: str, _ws: Workspace, key: str) -> gpd.GeoDataFrame:
    lu = lot_units(ws_id, _ws, key)
    return to_web(lu.units, simplify_m=8.0, coverage=True)


# ---- the draft in the session --------------------------------------------------------------------
def draft() -> LotDraft:
    found = st.session_state.get(DRAFT_KEY)
    return found if isinstance(found, LotDraft) else LotDraft("")


def set_draft(new: LotDraft) -> None:
    st.session_state[DRAFT_KEY] = new


def update(edit: Callable[[LotDraft], LotDraft]) -> None:
    """Replace the draft with `edit(draft)`."""
    set_draft(edit(draft()))


def draft_on(unit_key: str) -> LotDraft:
    """The session's draft on unit layer `unit_key`: a new one (keeping the value model) when the layer
    changed or there was none."""
    current = st.session_state.get(DRAFT_KEY)
    if not isinstance(current, LotDraft):
        current = LotDraft(unit_key)
    elif current.unit_layer != unit_key:
        current = current.on_layer(unit_key)
    set_draft(current)
    return current


def message(key: str, kind: str, text: str) -> None:
    """A message ('ok' or 'error') for the next run to show (`show_message`)."""
    st.session_state[key] = (kind, text)


def show_message(key: str) -> None:
    msg = st.session_state.pop(key, None)
    if msg:
        (st.error if msg[0] == "error" else st.success)(msg[1])


# ---- what the page shows -------------------------------------------------------------------------
@dataclass(frozen=True)
class LotsView:
    """Everything a tab draws from: the workspace, the units, the draft and its profile."""

    ws: Workspace
    unit_key: str
    layers: Mapping[str, str]
    lu: LotUnits
    draft: LotDraft
    scenario: Scenario
    prof: pd.DataFrame
    enrolled: pd.Series | None
    attribution: str

    @property
    def unit_word(self) -> str:
        return self.lu.unit_word


def lots_view(ws: Workspace, unit_key: str, layers: Mapping[str, str], lu: LotUnits, model: LotValueModel
              ) -> LotsView:
    """The session's draft on value model `model`, assessed."""
    current = draft()
    if current.model != model:
        current = current.with_model(model)
        set_draft(current)
    scenario = current.scenario(known=lu.codes)
    prof = assess_lots(lu, scenario) if scenario.lots else pd.DataFrame()
    enrolled = enrolled_per_lot(ws.layer("participants"), lu, scenario) if scenario.lots else None
    return LotsView(ws=ws, unit_key=unit_key, layers=layers, lu=lu, draft=current, scenario=scenario, prof=prof,
                    enrolled=enrolled, attribution=ws.meta.get("attribution", ""))


def clicked_code(ret: Mapping[str, Any] | None) -> tuple[str | None, tuple[Any, ...] | None]:
    """The unit code in a map click's tooltip and a signature that changes with every new click."""
    if not ret:
        return None, None
    tip = ret.get("last_object_clicked_tooltip")
    where = ret.get("last_object_clicked")
    if not tip or not where:
        return None, None
    match = _CODE.search(str(tip))
    if not match:
        return None, None
    lat = where.get("lat") if isinstance(where, Mapping) else None
    lng = where.get("lng") if isinstance(where, Mapping) else None
    return match.group(1), (lat, lng, str(tip))
