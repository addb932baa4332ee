"""The KPI strips of the Map and Gaps pages, as (label, value, help) triples ready to show.

Pure: the numbers come from geo.analyse; counts of people go through geo.privacy (below 5 reads
"<5") here, so a page cannot show one raw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.analyse.deprivation import DeprivedCount
from geo.analyse.engagement import RoadEngagement
from geo.analyse.gaps import ShareKpi
from geo.analyse.reach import MODE_COLUMNS, REACH_MODES, ReachResult
from geo.privacy import suppress

#: One KPI: label, value as shown, help text.
Kpi = tuple[str, str, str]

ESTIMATE_NOTE = " Straight-line distance × the detour factor where there is no road network: an **estimate**."


def map_kpis(*, people: int, engagement: RoadEngagement, deprived: DeprivedCount, near_stop: np.ndarray | None,
             stop_radius_m: float) -> list[Kpi]:
    """The Map page's headline KPIs: people engaged, roads engaged, deprived LSOAs, venues near a stop
    (`near_stop` None: the workspace has no bus stops)."""
    eng = engagement
    return [
        ("Participants engaged", suppress(people),
         "Participants enrolled in the chosen period and cohorts. Counts below 5 show as <5."),
        ("Roads with residents engaged",
         f"{eng.pct_roads_engaged:.0f}%" if eng.roads_total else "no roads",
         (f"{eng.roads_engaged:,} of {eng.roads_total:,} roads. A road is a named street within one ward "
          "(the Working Together measure).")),
        ("LSOAs in most deprived 20%", f"{deprived.lsoas} of {deprived.total}",
         "LSOAs in England's most deprived 20% on the overall IMD (decile 1 or 2)."),
        (f"Venues within {stop_radius_m:g} m of a bus stop",
         f"{int(near_stop.sum())} of {len(near_stop)}" if near_stop is not None else "no bus data",
         "Straight-line distance from the venue to the nearest stop."),
    ]


def unmatched_caption(unmatched: int, *, snap_m: float) -> str:
    """The Map page's note on participants too far from any named road to be placed on one."""
    return (f"{suppress(unmatched)} participants live more than {snap_m:g} m from any named road and are "
            "not counted on a road (they are counted in 'Participants engaged').")


def reach_kpis(result: ReachResult, per_road: pd.DataFrame | None, *, mode: str, venues_counted: int,
               venues_total: int, open_at_a_time: bool) -> list[Kpi]:
    """The Map page's reach KPIs for one mode ("best", "walk" or "bus"): venues that count, roads within
    20 minutes (when there are roads), LSOAs within 15 minutes."""
    col = MODE_COLUMNS[mode]
    how = REACH_MODES[mode].lower()
    est_note = ESTIMATE_NOTE if result.any_estimate else ""
    lsoa_min = result.lsoas[col].to_numpy(dtype="float64")
    kpis: list[Kpi] = [("Venues that count", f"{venues_counted} of {venues_total}",
                        "Venues not marked closed, of the kinds chosen"
                        + (" and open at the time chosen" if open_at_a_time else "") + ".")]
    if per_road is not None and len(per_road):
        road_min = per_road[col].to_numpy(dtype="float64")
        kpis.append(("Roads within 20 min of a venue" + (" (estimate)" if per_road["estimate"].any() else ""),
                     f"{np.mean(road_min <= 20):.0%}",
                     f"{int((road_min <= 20).sum()):,} of {len(road_min):,} roads, {how}, from each road's "
                     "midpoint." + est_note))
    kpis.append(("LSOAs within 15 min of a venue" + (" (estimate)" if result.lsoas["estimate"].any() else ""),
                 f"{int((lsoa_min <= 15).sum())} of {len(lsoa_min)}",
                 f"{how.capitalize()}, from each LSOA's population-weighted point." + est_note))
    return kpis


def _roads(split: pd.DataFrame, group: str) -> tuple[int, int, float]:
    """(roads, roads engaged, % engaged) of one group of roads_engaged_deprived_vs_elsewhere."""
    row: Any = split.loc[group]
    return int(row["roads"]), int(row["roads_engaged"]), float(row["pct_engaged"])


def _pct(roads: tuple[int, int, float]) -> str:
    return f"{roads[2]:.0f}%" if roads[0] else "no roads"


def gap_kpis(share: ShareKpi, split: pd.DataFrame | None, *, unmatched: int | None, snap_m: float) -> list[Kpi]:
    """The Gaps page's KPIs: the most deprived 20% within 15 minutes (`share`), roads engaged in deprived
    LSOAs and elsewhere (`split`: roads_engaged_deprived_vs_elsewhere indexed by group; None without
    engagement data) and participants not matched to a road (`unmatched` None: no participants)."""
    kpis: list[Kpi] = [(
        "Most deprived 20%: within 15 min of a venue" + (" (estimate)" if share.estimate else ""),
        f"{share.share:.0%}" if share.denominator else "no such LSOAs",
        f"{share.numerator:,} of {share.denominator:,} working-age residents of LSOAs in England's most "
        "deprived 20% (IMD decile 1 or 2) live where the best of walk and bus reaches a venue that counts in "
        "15 minutes, timed from each LSOA's population-weighted point."
        + (" Straight-line distance × the detour factor: an estimate." if share.estimate else ""))]
    if split is not None:
        deprived, elsewhere = _roads(split, "deprived"), _roads(split, "elsewhere")
        kpis += [("Roads engaged in deprived LSOAs", _pct(deprived),
                  (f"{deprived[1]:,} of {deprived[0]:,} roads in LSOAs of IMD decile 1 or 2 have at least one "
                   "participant living on them.")),
                 ("Roads engaged elsewhere", _pct(elsewhere),
                  f"{elsewhere[1]:,} of {elsewhere[0]:,} roads in the other LSOAs.")]
    if unmatched is not None:
        kpis.append(("Participants not matched to a road", suppress(unmatched),
                     (f"Participants living more than {snap_m:g} m from any named road are not placed on a road; "
                      "they are reported here, not dropped. Counts below 5 show as <5.")))
    return kpis
