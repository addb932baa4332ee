"""What the legends beside the Map and Gaps pages' maps say: titles, colour keys and notes.

Pure content (ui.display.legend draws it in Streamlit, so that no legend needs a CDN script). Colours
come from geo.out.mapview, the same ones the map layers use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from geo.analyse.catchment import DEFAULT_MINUTES
from geo.analyse.reach import BANDS as REACH_BANDS
from geo.analyse.reach import NO_DATA, REACH_MODES
from geo.model import PARTNER_KINDS, VENUE_KINDS
from geo.out import mapview
from geo.privacy import BANDS as PEOPLE_BANDS


@dataclass(frozen=True)
class Legend:
    """One legend block: a title, (colour, label) items, the swatch shape ('box', 'line', 'circle',
    'diamond') and an optional note shown under it."""

    title: str
    items: tuple[tuple[str, str], ...]
    shape: str = "box"
    note: str = ""


REACH_WORDS = {"<10": "under 10 minutes", "10–20": "10 to 20 minutes", "20–30": "20 to 30 minutes",
               "30+": "30 minutes or more (or none)"}
PEOPLE_WORDS = {"none": "nobody engaged", "<5": "fewer than 5", "5–9": "5 to 9", "10+": "10 or more"}
CATCHMENT_LINES = ("solid line", "dashed", "dotted")


def catchment_legend(venue_name: str, *, estimate: bool) -> Legend:
    """The walking catchment of one venue: a line style per band of minutes."""
    return Legend(f"Walk from {venue_name}" + (" (estimate)" if estimate else ""),
                  tuple((c, f"within {m:g} minutes ({d})")
                        for c, m, d in zip(mapview.CATCHMENT_COLOURS, DEFAULT_MINUTES, CATCHMENT_LINES)),
                  shape="line",
                  note="No road network: circles of straight-line distance ÷ the detour factor (estimate)."
                  if estimate else "")


def reach_legend(mode: str, *, estimate: bool, detour_factor: float, has_roads: bool, meeting: bool) -> Legend:
    """Roads and LSOAs coloured by reach time in one mode ('best', 'walk', 'bus')."""
    pal = mapview.reach_colours(meeting=meeting)
    note = ""
    if estimate:
        note = (f"Estimate: straight-line distance × {detour_factor:g} where there is no road network"
                + ("; such roads are dashed." if has_roads else "."))
    return Legend(f"Reach time, {REACH_MODES[mode].lower()}" + (" (estimate)" if estimate else ""),
                  (*((pal[b], REACH_WORDS[b]) for b in REACH_BANDS), (pal[NO_DATA], NO_DATA)), note=note)


def decile_legend(index_label: str, *, meeting: bool) -> Legend:
    pal = mapview.decile_colours(meeting=meeting)
    return Legend(f"{index_label} decile",
                  tuple((pal[d - 1], f"{d}" + (" most deprived" if d == 1 else " least deprived" if d == 10 else ""))
                        for d in range(1, 11)))


def engagement_legend(*, meeting: bool) -> Legend:
    pal = mapview.band_colours(meeting=meeting)
    return Legend("Participants per road", (*((pal[b], PEOPLE_WORDS[b]) for b in PEOPLE_BANDS),
                                            (mapview.UNNAMED_COLOUR, "unnamed path (not counted)")), shape="line")


def venue_legend(kinds: Iterable[str]) -> Legend:
    present = set(kinds)
    return Legend("Venues", tuple((mapview.VENUE_COLOURS[k], v) for k, v in VENUE_KINDS.items() if k in present),
                  shape="circle")


def bus_legend(routes: pd.DataFrame) -> Legend:
    colours = mapview.ROUTE_COLOURS
    return Legend("Buses", (*((colours[i % len(colours)], f"{r.route_id} {r.name}")
                              for i, r in enumerate(routes.itertuples())), ("#ffffff", "bus stop")), shape="line")


def partner_legend(kinds: Iterable[str]) -> Legend:
    present = set(kinds)
    return Legend("Partner sites", tuple((mapview.PARTNER_COLOURS[k], v) for k, v in PARTNER_KINDS.items()
                                         if k in present), shape="diamond")


BOUNDARIES = Legend("Boundaries", (("#0b0c0c", "ward (name on map)"),), shape="line")


@dataclass(frozen=True)
class MapLegendInputs:
    """What the outreach map shows, for its legends. `reach_mode` None: coloured by engagement and
    deprivation; kinds/routes None: the workspace has no such layer."""

    shown: frozenset[str]
    meeting: bool
    index_label: str
    reach_mode: str | None = None
    reach_estimate: bool = False
    detour_factor: float = 1.0
    has_roads: bool = False
    venue_kinds: tuple[str, ...] | None = None
    routes: pd.DataFrame | None = None
    partner_kinds: tuple[str, ...] | None = None


def map_legends(m: MapLegendInputs) -> list[Legend]:
    """The outreach map's legends, in the order shown, for the layers on screen."""
    out: list[Legend] = []
    if m.reach_mode is not None and ("deprivation" in m.shown or "engagement" in m.shown):
        out.append(reach_legend(m.reach_mode, estimate=m.reach_estimate, detour_factor=m.detour_factor,
                                has_roads=m.has_roads, meeting=m.meeting))
    if "deprivation" in m.shown and m.reach_mode is None:
        out.append(decile_legend(m.index_label, meeting=m.meeting))
    if "engagement" in m.shown and m.has_roads and m.reach_mode is None:
        out.append(engagement_legend(meeting=m.meeting))
    if "venues" in m.shown and m.venue_kinds is not None:
        out.append(venue_legend(m.venue_kinds))
    if "bus" in m.shown and m.routes is not None:
        out.append(bus_legend(m.routes))
    if "partners" in m.shown and m.partner_kinds is not None:
        out.append(partner_legend(m.partner_kinds))
    out.append(BOUNDARIES)
    return out


def gap_legends(top_n: int, *, unengaged_roads: bool, estimate: bool) -> list[Legend]:
    """The gap map's legends: the top gaps, the unengaged roads in them (when listed), venues."""
    out = [Legend("Gap score", ((mapview.GAP_COLOUR, f"top {top_n} gaps"), ("#ffffff", "other LSOAs")))]
    if unengaged_roads:
        out.append(Legend("Roads", ((mapview.GAP_ROAD_COLOUR, "nobody engaged (top gaps)"),), shape="line"))
    out.append(Legend("Venues", (("#0b0c0c", "venue (any kind)"),), shape="circle",
                      note="Reach times are straight-line **estimates** where marked." if estimate else ""))
    return out
