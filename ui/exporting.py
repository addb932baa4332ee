"""What the Export and share page exports: the map view, KPIs, tables and saved plans.

The map is built like the Map page's (same layers, palettes and meeting-mode rules) from a
`MapView`. The Map page leaves its current view (ui.key_figures.remember_map_view: start, end,
cohorts, index, shown); the export page starts from it, and the key figures are the Map page's own
(`ui.key_figures.map_key_figures`). The top gaps are the Gaps page's table (its view, weights and
reach assumptions, built by its own `geo.out.gaps_view.ranked_table`); saved plans are shown as their
pages show them (ui.export_plans, geo.out.saved_plans).
Everything heavy is done lazily in `ExportBundle` methods, which download buttons call only when
clicked (they run outside the script thread, so they use no Streamlit calls but cached builders).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import io
from geo.analyse import deprivation
from geo.analyse.engagement import RoadEngagement, filter_participants
from geo.assumptions import ReachAssumptions
from geo.io import assets
from geo.model import PARTNER_KINDS, VENUE_KINDS, Workspace
from geo.out import exports, gaps_view, mapview
from geo.out.kpis import Kpi
from geo.out.saved_plans import KIND_LABELS, PlanExport, plans_overview
from geo.out.tables import Formats
from geo.privacy import BANDS
from ui import export_plans
from ui import workspace as wsp

#: Plan kinds the app saves (geo.io.save_plan); exports list the saved plans of each.
PLAN_KINDS = export_plans.PLAN_KINDS
#: The Gaps page's columns the briefing pack shows (the Excel sheet has them all).
GAP_BRIEF: tuple[str, ...] = ("Rank", "LSOA", "Ward", "Why", "Decile", "Minutes to a venue", "Roads engaged",
                              "Gap score")
ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
BAND_LABELS = {"none": "nobody engaged", "<5": "fewer than 5", "5–9": "5 to 9", "10+": "10 or more"}


@dataclass(frozen=True)
class MapView:
    start: dt.date
    end: dt.date
    cohorts: tuple[str, ...]
    index: str
    shown: frozenset[str]
    meeting: bool = False


def enrolment_range(ws: Workspace) -> tuple[dt.date, dt.date]:
    people = ws.layer("participants")
    enrolled = pd.to_datetime(people["enrolled_on"]) if len(people) else pd.Series(dtype="datetime64[ms]")
    if not len(enrolled) or enrolled.isna().all():
        return dt.date(2020, 1, 1), dt.date.today()
    return enrolled.min().date(), enrolled.max().date()


@st.cache_resource(show_spinner=False)
def vendor_assets() -> dict[str, str]:
    """Leaflet's text for the standalone HTML (FileNotFoundError when `make setup` never ran)."""
    return assets.read_vendor_assets(ROOT)


def outreach_map(ws: Workspace, view: MapView, eng: RoadEngagement | None, *,
                 tile_url: str | None = None, tile_attribution: str = "") -> folium.Map:
    lsoas_web = mapview.decile_layer(wsp.web_layer(ws.id, ws, "lsoas"),
                                     deprivation.deciles(ws.layer("lsoas"), index=view.index))
    roads_web = None
    if ws.has("roads") and eng is not None:
        roads_web = mapview.engagement_layer(wsp.road_shapes(ws.id, ws), eng.roads, bands_only=view.meeting)
    options = mapview.MapOptions(show=view.shown, index_label=deprivation.index_label(view.index),
                                 meeting=view.meeting, attribution=ws.meta.get("attribution", ""),
                                 tile_url=tile_url, tile_attribution=tile_attribution)

    def layer(name: str) -> gpd.GeoDataFrame | None:
        return wsp.web_layer(ws.id, ws, name) if ws.has(name) else None

    return mapview.build_map(wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=lsoas_web, roads=roads_web,
                             venues=layer("venues"), bus_stops=layer("bus_stops"),
                             bus_routes=layer("bus_routes"), partners=layer("partners"), options=options)


def map_legends(ws: Workspace, view: MapView) -> list[exports.Legend]:
    out: list[exports.Legend] = []
    if "deprivation" in view.shown:
        pal = mapview.decile_colours(meeting=view.meeting)
        out.append((f"{deprivation.index_label(view.index)} decile",
                    [(pal[d - 1], f"{d}" + (" most deprived" if d == 1 else " least deprived" if d == 10 else ""))
                     for d in range(1, 11)]))
    if "engagement" in view.shown and ws.has("roads"):
        bands = mapview.band_colours(meeting=view.meeting)
        out.append(("Participants per road", [(bands[b], BAND_LABELS[b]) for b in BANDS]))
    if "venues" in view.shown and ws.has("venues"):
        kinds = set(ws.layer("venues")["kind"].astype(str))
        out.append(("Venues", [(mapview.VENUE_COLOURS[k], v) for k, v in VENUE_KINDS.items() if k in kinds]))
    if "bus" in view.shown and ws.has("bus_routes"):
        routes = ws.layer("bus_routes")
        out.append(("Buses", [(mapview.ROUTE_COLOURS[i % len(mapview.ROUTE_COLOURS)], f"{r.route_id} {r.name}")
                              for i, r in enumerate(routes.itertuples())] + [("#ffffff", "bus stop")]))
    if "partners" in view.shown and ws.has("partners"):
        kinds = set(ws.layer("partners")["kind"].astype(str))
        out.append(("Partner sites", [(mapview.PARTNER_COLOURS[k], v) for k, v in PARTNER_KINDS.items()
                                      if k in kinds]))
    out.append(("Boundaries", [("#0b0c0c", "ward (name on map)")]))
    return out


def saved_plans(path: Path) -> list[io.PlanInfo]:
    """The plans saved in the workspace file (ui.export_plans.saved_plan_infos)."""
    return export_plans.saved_plan_infos(path)


def plan_label(info: io.PlanInfo) -> str:
    return f"{KIND_LABELS.get(info.kind, info.kind.capitalize())}: {info.name} (version {info.version})"


@dataclass
class ExportBundle:
    """Everything one export needs, built lazily and at most once per piece (thread-safe)."""

    ws: Workspace
    path: Path
    view: MapView
    eng: RoadEngagement | None
    map_: folium.Map
    legends: list[exports.Legend]
    #: The Map page's key figures for this view (ui.key_figures.map_key_figures): label, value, help.
    kpis: list[Kpi]
    plans: list[io.PlanInfo]
    today: dt.date
    #: The ranked gap table the Gaps page shows (ui.workspace.gap_result(...).table), made on demand.
    gap_table: Callable[[], pd.DataFrame]
    #: The session's reach assumptions (the ones the Hubs and Patches pages reopen plans with).
    reach: ReachAssumptions = field(default_factory=ReachAssumptions)
    leaflet: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    _memo: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.notes = exports.data_notes(self.ws.meta)

    def _once(self, key: str, make: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._memo:
                self._memo[key] = make()
            value: T = self._memo[key]
            return value

    @property
    def ids(self) -> frozenset[str]:
        return self._once("ids", lambda: frozenset(self.ws.layer("participants")["participant_id"].astype(str)))

    @property
    def title(self) -> str:
        return f"Patchwork: {self.ws.display_name}"

    @property
    def subtitle(self) -> str:
        cohorts = "all cohorts" if len(self.view.cohorts) >= 4 else ", ".join(self.view.cohorts) or "no cohort"
        return f"Participants enrolled {self.view.start:%d/%m/%Y} to {self.view.end:%d/%m/%Y}, {cohorts}"

    def filename(self, what: str, ext: str) -> str:
        return exports.export_filename(self.ws.name, what, ext, on=self.today)

    def people(self) -> gpd.GeoDataFrame:
        return filter_participants(self.ws.layer("participants"), start=self.view.start, end=self.view.end,
                                   cohorts=self.view.cohorts)

    def aggregates(self) -> dict[str, gpd.GeoDataFrame]:
        return self._once("aggregates", lambda: exports.engagement_aggregates(
            participants=self.people(), roads=self.ws.layer("roads") if self.ws.has("roads") else None,
            wards=self.ws.layer("wards"), lsoas=self.ws.layer("lsoas"), result=self.eng,
            bands_only=self.view.meeting))

    def top_gaps(self) -> pd.DataFrame:
        """The Gaps page's table as it shows it (its view, weights and reach assumptions: `gap_table`;
        names, why, roads engaged as 'n of m'), top ten."""
        return self._once("gaps", lambda: gaps_view.ranked_table(
            self.gap_table().head(10), lsoa_name=gaps_view.lsoa_names(self.ws.layer("lsoas")),
            ward_name=gaps_view.ward_names(self.ws.layer("wards"))))

    def plan_exports(self) -> dict[str, PlanExport]:
        """Every saved plan as its page shows it (or why it cannot be shown), by `PlanExport.key`."""
        def make() -> dict[str, PlanExport]:
            built = [export_plans.plan_export(self.ws, self.path, info, self.reach, participant_ids=sorted(self.ids))
                     for info in self.plans]
            return {p.key: p for p in built}
        return self._once("plans", make)

    def table_names(self) -> list[str]:
        """Names of `tables()` without building them (for a picker)."""
        names = ["Key figures"] + (["Engagement by road"] if self.ws.has("roads") else [])
        names += ["Engagement by LSOA", "Top gaps"]
        names += [n for n in exports.layer_tables(self.ws.layers)]
        return names + (["Saved plans"] if self.plans else []) + [f"Plan {p.kind} {p.name}" for p in self.plans]

    def _plan_tables(self) -> tuple[dict[str, pd.DataFrame], dict[str, Formats]]:
        """Each shown plan's main table (named 'Plan <kind> <name>') and any further ones, with formats."""
        tables: dict[str, pd.DataFrame] = {}
        formats: dict[str, Formats] = {}
        for key, plan in self.plan_exports().items():
            for i, (name, frame) in enumerate(plan.tables.items()):
                sheet = f"Plan {key}" if i == 0 else f"Plan {key}: {name}"
                tables[sheet], formats[sheet] = frame, plan.formats.get(name, {})
        return tables, formats

    def tables(self) -> dict[str, pd.DataFrame]:
        def make() -> dict[str, pd.DataFrame]:
            out: dict[str, pd.DataFrame] = {
                "Key figures": pd.DataFrame(self.kpis, columns=["measure", "value", "about"])}
            out.update(exports.aggregate_tables(self.aggregates()))
            out["Top gaps"] = self.top_gaps()
            out.update(exports.layer_tables(self.ws.layers))
            if self.plans:
                out["Saved plans"] = plans_overview(list(self.plan_exports().values()))
            out.update(self._plan_tables()[0])
            return out
        return self._once("tables", make)

    # ---- the exports (bytes) ----
    def html(self) -> bytes:
        return self._once("html", lambda: exports.standalone_html(
            self.map_, assets=self.leaflet or {}, title=self.title,
            subtitle=f"{self.subtitle}; exported {self.today:%d %B %Y}", notes=self.notes, legends=self.legends,
            participant_ids=self.ids))

    def png(self) -> bytes:
        return self._once("png", lambda: exports.html_to_png(self.html()))

    def pdf(self, plan: io.PlanInfo | None) -> bytes:
        try:
            image, note = self.png(), None
        except exports.PngUnavailable as exc:
            image, note = None, f"No map image: {exc}"
        shown = None if plan is None else self.plan_exports().get(f"{plan.kind} {plan.name}")
        gaps = self.top_gaps()
        return exports.pdf_briefing(
            title=self.title, subtitle=self.subtitle, kpis=self.kpis, notes=self.notes, generated_on=self.today,
            map_png=image, map_note=note, gaps_table=gaps[[c for c in GAP_BRIEF if c in gaps.columns]],
            plan=shown, plan_title=plan_label(plan) if plan else "Current plan", participant_ids=self.ids)

    def excel(self) -> bytes:
        return exports.excel_bytes(self.tables(), title=self.title, notes=self.notes, generated_on=self.today,
                                   participant_ids=self.ids, formats=self._plan_tables()[1])

    def geopackage(self) -> bytes:
        plans = list(self.plan_exports().values())
        layers: dict[str, pd.DataFrame] = {"saved plans": plans_overview(plans)} if plans else {}
        layers.update({f"{p.key} {name}": frame for p in plans for name, frame in p.layers.items()})
        return exports.geopackage_bytes(self.ws.layers, aggregates=self.aggregates(), plans=layers,
                                        notes=self.notes, title=self.title, generated_on=self.today,
                                        participant_ids=self.ids)

    def csv(self, table: str) -> bytes:
        return exports.csv_bytes(self.tables()[table], notes=self.notes, participant_ids=self.ids)
