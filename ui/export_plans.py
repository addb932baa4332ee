"""The saved plans of a workspace, reopened as their pages reopen them, for the Export page's files.

Each kind is rebuilt with its page's own helpers and caches (hubs and patches: ui.planning, with the
session's reach assumptions; lots: ui.lots; pop-up sessions: geo.plan.popup_draft) and turned into a
`geo.out.saved_plans.PlanExport`. A plan that no longer fits the workspace (a venue deleted, a
boundary layer gone, a payload from an older version that cannot be read) comes back with the reason
instead, so an export lists it and never fails on it. No Streamlit call is made here except the
cached builders, so download buttons may run it when clicked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo import io
from geo.assumptions import ReachAssumptions
from geo.model import DataError, Workspace
from geo.out import saved_plans
from geo.out.privacy_guard import scrub_payload
from geo.out.saved_plans import PlanExport
from geo.plan import hubs, patch_plan
from geo.plan.lots.profile import enrolled_per_lot
from geo.plan.lots.scenario import PLAN_KIND as LOTS_KIND
from geo.plan.popup_draft import plan_from_payload as popup_plan_from_payload
from geo.plan.popup_rules import PLAN_KIND as POPUPS_KIND
from ui import lots as lots_ui
from ui import planning
from ui import workspace as wsp

#: The plan kinds the app saves (geo.io.save_plan), in the order the exports list them.
PLAN_KINDS: tuple[str, ...] = (hubs.PLAN_KIND, patch_plan.PLAN_KIND, POPUPS_KIND, LOTS_KIND)

Builder = Callable[[Workspace, Path, io.PlanInfo, dict[str, Any], ReachAssumptions], PlanExport]


def saved_plan_infos(path: Path) -> list[io.PlanInfo]:
    """Every plan saved in the workspace file at `path`, kind by kind (none when there is no file)."""
    if not path.exists():
        return []
    out: list[io.PlanInfo] = []
    for kind in PLAN_KINDS:
        out.extend(io.list_plans(path, kind=kind))
    return out


def _hubs(ws: Workspace, path: Path, info: io.PlanInfo, payload: dict[str, Any],
          reach: ReachAssumptions) -> PlanExport:
    if not ws.has("venues"):
        raise DataError("this workspace has no venues any more.", source=f"hub plan '{info.name}'")
    plan = planning.reopen_hub_plan(ws, payload, wsp.hub_travel_times(ws.id, ws, reach))
    pockets = hubs.uncovered_pockets(plan, wsp.lsoa_adjacency(ws.id, ws))
    return saved_plans.hub_export(info.name, info.version, plan, venues=ws.layer("venues"), lsoas=ws.layer("lsoas"),
                                  pockets=pockets, saved_at=info.saved_at, attribution=ws.meta.get("attribution", ""))


def _patches(ws: Workspace, path: Path, info: io.PlanInfo, payload: dict[str, Any],
             reach: ReachAssumptions) -> PlanExport:
    plan = patch_plan.plan_from_payload(payload)
    units = planning.patch_units(ws.id, ws, plan.settings)
    patch_plan.patch_pieces(units, plan)  # checks it fits this workspace, as the Patches page does
    table, per_lsoa = planning.plan_patch_table(ws, units, plan, reach)
    return saved_plans.patch_export(info.name, info.version, plan, table, per_lsoa, lsoas=ws.layer("lsoas"),
                                    observed=planning.observed(ws, plan.settings), saved_at=info.saved_at,
                                    attribution=ws.meta.get("attribution", ""))


def _popups(ws: Workspace, path: Path, info: io.PlanInfo, payload: dict[str, Any],
            reach: ReachAssumptions) -> PlanExport:
    sessions, rules = popup_plan_from_payload(payload)
    return saved_plans.popup_export(info.name, info.version, sessions, rules, venues=ws.layer("venues"),
                                    saved_at=info.saved_at)


def _lots(ws: Workspace, path: Path, info: io.PlanInfo, payload: dict[str, Any],
          reach: ReachAssumptions) -> PlanExport:
    units, scenario, prof = lots_ui.saved_scenario(ws.id, ws, str(path), info.name, info.version)
    enrolled = enrolled_per_lot(ws.layer("participants"), units, scenario) if scenario.lots else None
    return saved_plans.lot_export(info.name, info.version, units, scenario, prof, enrolled=enrolled,
                                  saved_at=info.saved_at)


BUILDERS: dict[str, Builder] = {hubs.PLAN_KIND: _hubs, patch_plan.PLAN_KIND: _patches, POPUPS_KIND: _popups,
                                LOTS_KIND: _lots}


def plan_export(ws: Workspace, path: Path, info: io.PlanInfo, reach: ReachAssumptions, *,
                participant_ids: Sequence[str] = ()) -> PlanExport:
    """One saved plan as the exports show it, or why it cannot be shown on this workspace."""
    build = BUILDERS.get(info.kind)
    if build is None:
        return saved_plans.unfit(info.kind, info.name, info.version,
                                 f"plans of kind '{info.kind}' are not shown by this version of Patchwork.",
                                 saved_at=info.saved_at)
    try:
        _, payload = io.load_plan(path, kind=info.kind, name=info.name)
        clean = scrub_payload(payload, participant_ids=participant_ids)
        return build(ws, path, info, clean if isinstance(clean, dict) else {}, reach)
    except (DataError, KeyError, ValueError, TypeError, IndexError, AttributeError) as err:  # does not fit: say why
        return saved_plans.unfit(info.kind, info.name, info.version, str(err) or type(err).__name__,
                                 saved_at=info.saved_at)
