"""Saved plans as the exports show them: each kind as its page shows it, with its geometry.

A `PlanExport` is what the briefing pack, the Excel workbook and the GeoPackage of the Export page
carry of one saved plan: its key figures (as the page's KPI strip words them), its tables (the
page's own: hubs and satellites by venue name with the need they cover; patches with their caseloads;
pop-up sessions by date and venue; the lot profile) and its map layers in EPSG:27700 (hub sites as
points and catchments as polygons, patches and lots as polygons, sessions at their venues). The
tables are made by the pages' own builders (geo.out.plan_tables, geo.plan.lots.tables,
geo.out.session_files); nothing here reads a file.

A plan that no longer fits the workspace (a venue deleted, a boundary layer gone) is a `PlanExport`
with `problem` set to the reason: it is listed, never dropped, and never stops an export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.model import VENUE_KINDS
from geo.out import lots_exports, plan_tables, session_files
from geo.out.tables import COUNT, GBP, ONE_DP, PERCENT, Formats, Number
from geo.plan import hubs, patch_table
from geo.plan.hubs import HubPlan
from geo.plan.lots.scenario import Scenario
from geo.plan.lots.tables import compare_table
from geo.plan.lots.units import LotUnits
from geo.plan.patch_plan import PatchPlan
from geo.plan.popup_check import live_sessions, normalise_sessions
from geo.plan.popup_rules import PlanRules

#: What each saved kind is called in an export.
KIND_LABELS = {"hubs": "Hubs", "patches": "Patches", "popups": "Pop-up sessions", "lots": "Lots"}


@dataclass(frozen=True)
class PlanExport:
    """One saved plan for the exports. `tables` (name -> table, the first the main one) and their
    number `formats` go to Excel and, cut to `brief` columns where given, to the PDF; `layers`
    (name -> EPSG:27700 GeoDataFrame) to the GeoPackage. `problem` says why the plan could not be
    shown (then there are no tables or layers)."""

    kind: str
    name: str
    version: int
    saved_at: str = ""
    summary: tuple[tuple[str, str], ...] = ()
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    formats: Mapping[str, Formats] = field(default_factory=dict)
    brief: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    layers: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    problem: str | None = None

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind.capitalize())}: {self.name} (version {self.version})"

    @property
    def key(self) -> str:
        """'<kind> <name>': how the export names the plan's sheets and layers."""
        return f"{self.kind} {self.name}"


def unfit(kind: str, name: str, version: int, reason: str, *, saved_at: str = "") -> PlanExport:
    """A saved plan that cannot be shown on this workspace, with the reason."""
    return PlanExport(kind=kind, name=name, version=version, saved_at=saved_at,
                      problem=" ".join(str(reason).split()) or "it does not fit this workspace")


def plans_overview(plans: Sequence[PlanExport]) -> pd.DataFrame:
    """One row a saved plan: kind, name, version, saved, what it is (its key figures) or why it cannot be
    shown."""
    return pd.DataFrame({
        "Kind": [KIND_LABELS.get(p.kind, p.kind) for p in plans], "Plan": [p.name for p in plans],
        "Version": [p.version for p in plans], "Saved": [p.saved_at[:16].replace("T", " ") for p in plans],
        "Shown": ["no" if p.problem else "yes" for p in plans],
        "Key figures or why not shown": [f"Not shown: {p.problem}" if p.problem else
                                         "; ".join(f"{k}: {v}" for k, v in p.summary) for p in plans]})


# ---- hubs -----------------------------------------------------------------------------------------
HUB_COLUMNS = {"name": "Venue", "kind": "Kind", "role": "Role", "lsoas": "LSOAs served", "need": "Need served",
               "working_age": "Working-age residents", "furthest_min": "Furthest LSOA (min)"}
POCKET_COLUMNS = {"pocket": "Pocket", "n_lsoas": "Number of LSOAs", "lsoas": "LSOAs", "need": "Need",
                  "working_age": "Working-age residents", "nearest_hub": "Nearest hub",
                  "nearest_hub_minutes": "Minutes to it"}


def hub_export(name: str, version: int, plan: HubPlan, *, venues: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame,
               pockets: pd.DataFrame, saved_at: str = "", attribution: str = "") -> PlanExport:
    """A hub plan as the Hubs page shows it: its KPIs, the hubs and satellites by venue name with the
    need and residents they serve, the uncovered pockets (`hubs.uncovered_pockets`); layers hub_sites
    (points), hub_catchments (polygons) and hub_lsoas."""
    names = dict(zip(venues["venue_id"].astype(str), venues["name"].astype(str), strict=True))
    best, _ = plan_tables.distance_from_best(plan)
    summary = (("Need covered by hubs", f"{plan.hub_share:.0%}"), ("With satellites", f"{plan.covered_share:.0%}"),
               ("Distance from the best possible", best), ("Uncovered pockets", f"{len(pockets)}"),
               ("Hubs", ", ".join(names.get(h, h) for h in plan.hubs) or "none"),
               ("Travel-time budget", f"{plan.settings.budget_min:g} min"
                + (" (estimates)" if plan.estimate else "")))
    sites = hubs.hub_summary(plan, venues).drop(columns=["venue_id"])
    sites["kind"] = sites["kind"].map(lambda k: VENUE_KINDS.get(k, k))
    tables = {"Hubs and satellites": sites.rename(columns=HUB_COLUMNS)}
    formats: dict[str, Formats] = {"Hubs and satellites": {"Need served": COUNT, "Working-age residents": COUNT,
                                                           "Furthest LSOA (min)": COUNT}}
    if len(pockets):
        shown = pockets.assign(
            lsoas=[", ".join(map(str, c)) if isinstance(c, (list, tuple)) else str(c) for c in pockets["lsoas"]],
            nearest_hub=[names.get(str(v), "none nearby") if isinstance(v, str) else "none nearby"
                         for v in pockets["nearest_hub"]])
        tables["Uncovered pockets"] = shown[list(POCKET_COLUMNS)].rename(columns=POCKET_COLUMNS)
        formats["Uncovered pockets"] = {"Need": COUNT, "Working-age residents": COUNT, "Minutes to it": COUNT}
    frames = plan_tables.hub_frames(plan, lsoas, venues, title=f"Hub plan {name}", attribution=attribution)
    layers = {k: v for k, v in frames.items() if isinstance(v, gpd.GeoDataFrame)}
    if "hub_sites" in layers:
        layers["hub_sites"] = layers["hub_sites"].assign(
            kind=layers["hub_sites"]["kind"].map(lambda k: VENUE_KINDS.get(str(k), str(k))))
    return PlanExport(kind=hubs.PLAN_KIND, name=name, version=version, saved_at=saved_at, summary=summary,
                      tables=tables, formats=formats, layers=layers)


# ---- patches --------------------------------------------------------------------------------------
PATCH_COLUMNS = {"patch": "Patch", "lsoas": "LSOAs", "caseload": "Expected caseload",
                 "workers": "Workers at the caseload", "within_bounds": "Within bounds", "contiguous": "In one piece",
                 "longest_trip_min": "Longest trip (min walk)", "base": "Worker's base", "need": "Need",
                 "working_age": "Working-age residents", "roads": "Named roads", "venues": "Venues",
                 "locked": "Locked"}


def patch_export(name: str, version: int, plan: PatchPlan, table: pd.DataFrame, per_lsoa: pd.DataFrame, *,
                 lsoas: gpd.GeoDataFrame, observed: bool, saved_at: str = "", attribution: str = "") -> PlanExport:
    """A patch plan as the Patches page shows it: its KPIs and the patch table (caseloads as text where
    observed, small ones '<5': geo.out.plan_tables.patch_screen_table); layers patches (polygons) and
    patch_lsoas."""
    headline = plan_tables.patch_headline(plan, patch_table.balance_summary(table), observed=observed)
    shown = plan_tables.patch_screen_table(table, observed=observed).rename(columns=PATCH_COLUMNS)
    frames = plan_tables.patch_frames(plan, table, per_lsoa, lsoas, observed=observed, title=f"Patch plan {name}",
                                      attribution=attribution)
    number = {"Workers at the caseload": Number("0.00", "{:.2f}"), "Longest trip (min walk)": COUNT, "Need": COUNT,
              "Working-age residents": COUNT}
    return PlanExport(kind="patches", name=name, version=version, saved_at=saved_at,
                      summary=tuple((label, value) for label, value, _ in headline),
                      tables={"Patches": shown}, formats={"Patches": number},
                      layers={k: v for k, v in frames.items() if isinstance(v, gpd.GeoDataFrame)})


# ---- pop-up sessions ------------------------------------------------------------------------------
SESSION_COLUMNS = {"date": "Date", "start": "Start", "end": "End", "worker": "Worker", "venue": "Venue",
                   "address": "Address", "area": "Area", "serves": "Serves", "status": "Status", "family": "Family"}


def popup_export(name: str, version: int, sessions: pd.DataFrame, rules: PlanRules, *, venues: gpd.GeoDataFrame,
                 saved_at: str = "") -> PlanExport:
    """A pop-up plan as the Pop-ups page shows it: its counts and the sessions (dropped ones left out)
    by date, worker and start, at their venues (`session_files.sessions_table`); layer popup_sessions:
    one point a session at its venue. A session whose venue is no longer in the workspace makes the
    plan unfit (the reason names it)."""
    live = live_sessions(normalise_sessions(sessions))
    known = set(venues["venue_id"].astype(str))
    gone = sorted({f"{v} ({n})" for v, n in zip(live.get("venue_id", []), live.get("venue", []), strict=False)
                   if str(v) not in known})
    if gone:
        return unfit("popups", name, version, f"its sessions are at venues no longer in this workspace: "
                     f"{', '.join(gone[:5])}" + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
                     + ".", saved_at=saved_at)
    table = session_files.sessions_table(live)
    shown = table[[c for c in SESSION_COLUMNS if c in table.columns]].rename(columns=SESSION_COLUMNS)
    if "Family" in shown.columns:
        shown["Family"] = shown["Family"].map({True: "family", False: ""})
    summary = (("Sessions", f"{len(live)}"),
               ("Accepted", f"{int((live['status'] == 'accepted').sum()) if len(live) else 0}"),
               ("Areas served", f"{live['lsoa_code'].nunique() if len(live) else 0}"),
               ("Family sessions", f"{int(live['family'].sum()) if len(live) else 0}"),
               ("Period", f"{rules.start:%d %b %Y} to {rules.end:%d %b %Y}"))
    where = venues.assign(venue_id=venues["venue_id"].astype(str))[["venue_id", "geometry"]]
    points = table.assign(venue_id=table["venue_id"].astype(str)).drop(columns=["x", "y"], errors="ignore")
    layer = gpd.GeoDataFrame(points.merge(where, on="venue_id", how="left"), geometry="geometry", crs=venues.crs)
    return PlanExport(kind="popups", name=name, version=version, saved_at=saved_at, summary=summary,
                      tables={"Sessions": shown}, layers={"popup_sessions": layer})


# ---- lots -----------------------------------------------------------------------------------------
LOT_BRIEF = ("Lot", "Areas", "Residents", "In most deprived 20%", "Estimated workless residents",
             "Expected participants (model)", "Advisors needed (FTE)", "Lot value", "Payment-by-results income",
             "Flags")
_LOT_SUMMARY = ("Lots", "Residents", "Residents in most deprived 20%", "Advisors needed (FTE)", "Total value",
                "Smallest lot", "Largest lot", "Lots flagged")


def lot_export(name: str, version: int, units: LotUnits, scenario: Scenario, prof: pd.DataFrame, *,
               enrolled: pd.Series | None = None, saved_at: str = "") -> PlanExport:
    """A lot scenario as the Lots page shows it: its totals (`compare_table`'s rows) and the lot profile
    with numbers as numbers (`lots_exports.lots_sheet`); layer lots: one polygon a lot."""
    totals = compare_table({name: prof})[name]
    sheet, formats = lots_exports.lots_sheet(prof, enrolled=enrolled)
    number: dict[str, Number] = dict(formats)
    number.setdefault("Advisors needed (FTE)", ONE_DP)
    number.setdefault("In most deprived 20%", PERCENT)
    number.setdefault("Lot value", GBP)
    main = sheet.reset_index()
    return PlanExport(kind="lots", name=name, version=version, saved_at=saved_at,
                      summary=tuple((k, str(totals[k])) for k in _LOT_SUMMARY if k in totals.index),
                      tables={"Lots": main}, formats={"Lots": number},
                      brief={"Lots": tuple(c for c in LOT_BRIEF if c in main.columns)},
                      layers={"lots": lots_exports.lots_frame(units, scenario, prof)})
