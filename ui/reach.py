"""Reach controls shared by the Map and Gaps pages: which venues count, and the editable assumptions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from geo.analyse import hours, reach
from geo.model import OUTSIDE_FLAG, VENUE_KINDS, Workspace, points_for_reach
from ui import workspace as wsp

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: A fixed, ordinary week (no bank holiday, so "PH" rules do not apply) to turn "Tuesday 10:00" into a datetime.
_MONDAY = hours.TYPICAL_MONDAY
ALL_VENUES = "All venues"


@dataclass(frozen=True)
class VenueChoice:
    """The venues that count (ids), how many there are in all, notes on how they were chosen, and
    whether only those open at a chosen time count."""

    ids: tuple[str, ...]
    total: int
    notes: tuple[str, ...]
    label: str
    timed: bool = False
    outside: int = 0  # of `ids`, venues kept outside the area (they count for reach; `total` is the area's)

    @property
    def counted(self) -> int:
        """The area's venues that count (of `total`)."""
        return len(self.ids) - self.outside


def venue_filter(ws: Workspace, *, key: str, container: Any = None) -> VenueChoice:
    """Kinds, open at a day and time (assumed hours flagged), and hubs of a saved plan (when one exists).
    Widgets go in `container` (default: the page)."""
    box = container if container is not None else st.container()
    venues = points_for_reach(ws, "venues")  # the area's venues, then any kept outside it (reach only)
    total = int((~venues[OUTSIDE_FLAG]).sum())
    if len(venues) == 0:
        return VenueChoice((), 0, ("This workspace has no venues: no reach times.",), "no venues")
    present = [k for k in VENUE_KINDS if k in set(venues["kind"].astype(str))]
    present += sorted(set(venues["kind"].astype(str)) - set(present))
    c1, c2, c3 = box.columns([3, 2, 2])
    kinds = c1.multiselect("Venue kinds", present, default=present, key=f"{key}_kinds",
                           format_func=lambda k: VENUE_KINDS.get(k, k))
    open_only = c2.toggle("Only venues open at a time", value=False, key=f"{key}_open")
    when = None
    if open_only:
        day = c2.selectbox("Day", DAYS, index=1, key=f"{key}_day")
        clock = c2.time_input("Time", value=dt.time(10, 0), key=f"{key}_time", step=dt.timedelta(minutes=30))
        when = dt.datetime.combine(_MONDAY + dt.timedelta(days=DAYS.index(day)), clock)
    hub_ids = None
    plans = wsp.hub_plans(wsp.workspace_path())
    if plans:
        plan = c3.selectbox("Only the hubs of a saved plan", [ALL_VENUES, *plans], key=f"{key}_hubs",
                            help="Hubs, fixed hubs and satellites of a plan saved on the Hubs page.")
        if plan != ALL_VENUES:
            hub_ids = set(wsp.hub_venue_ids(wsp.workspace_path(), plan))
    chosen, notes = hours.usable_venues(venues, kinds=kinds, when=when)
    if hub_ids is not None:
        chosen = chosen[chosen["venue_id"].astype(str).isin(hub_ids)]
        notes.append(f"Only the {len(hub_ids)} venues of the hub plan count.")
    ids = tuple(sorted(chosen["venue_id"].astype(str)))
    parts = []
    if len(kinds) < len(present):
        parts.append(", ".join(VENUE_KINDS.get(k, k).lower() for k in kinds) or "no kinds")
    if when is not None:
        parts.append(f"open {when:%A %H:%M}")
    if hub_ids is not None:
        parts.append("hubs only")
    outside = int(chosen[OUTSIDE_FLAG].sum())
    label = f"{len(ids) - outside} of {total} venues" + (f" ({'; '.join(parts)})" if parts else "")
    if outside:
        label += f" and {outside} outside the area"
        notes.append("1 venue outside the area (kept on import) counts for reach too; it is never a hub, "
                     "satellite or session venue." if outside == 1 else
                     f"{outside} venues outside the area (kept on import) count for reach too; they are never "
                     "hubs, satellites or session venues.")
    return VenueChoice(ids, total, tuple(notes), label, timed=when is not None, outside=outside)


def assumptions_used(result: reach.ReachResult, *, container: Any = None, limit: int = 12) -> None:
    """Every assumption behind the times, in words (defaults used per bus route included)."""
    box = container if container is not None else st.container()
    lines = list(result.assumptions)
    more = len(lines) - limit
    text = "\n".join(f"- {line}" for line in lines[:limit])
    if more > 0:
        text += f"\n- … and {more} more."
    box.markdown("**Assumptions behind these times**\n\n" + text)
