"""When a venue is open, for placing pop-up sessions: its own hours where readable, else its kind's default.

A venue's week is read from its structured `opening_hours` (`geo.analyse.hours.parse_opening_hours`);
where it has none, or none that can be read, the default pattern for its kind
(`geo.analyse.hours.DEFAULT_HOURS`, editable in the plan's rules) is used and flagged *assumed*.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.analyse.hours import DEFAULT_HOURS, Week, parse_opening_hours
from geo.model import DataError, Problem
from geo.plan.popup_rules import HOURS_FIX

CLOSED = "closed"


@dataclass(frozen=True)
class VenueHours:
    week: Week
    assumed: bool
    text: str


def venue_hours(venues: pd.DataFrame, *, default_hours: Mapping[str, str] | None = None) -> list[VenueHours]:
    """Each venue's week: its own `opening_hours` where readable, else its kind's default (assumed).
    A venue marked `closed` is never open."""
    defaults = dict(DEFAULT_HOURS if default_hours is None else default_hours)
    fallback = defaults.get("*", DEFAULT_HOURS["*"])
    out: list[VenueHours] = []
    texts = venues["opening_hours"] if "opening_hours" in venues.columns else pd.Series(pd.NA, index=venues.index)
    kinds = venues["kind"] if "kind" in venues.columns else pd.Series(pd.NA, index=venues.index)
    closed = (venues["closed"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "closed" in venues.columns
              else np.zeros(len(venues), dtype=bool))
    for text, kind, shut in zip(texts, kinds, closed):
        if shut:
            out.append(VenueHours(tuple(() for _ in range(7)), False, CLOSED))
            continue
        week = parse_opening_hours(None if pd.isna(text) else str(text))
        if week is not None:
            out.append(VenueHours(week, False, str(text)))
            continue
        pattern = defaults.get(str(kind), fallback) if pd.notna(kind) else fallback
        parsed = parse_opening_hours(pattern)
        if parsed is None:
            raise DataError(Problem("default opening hours", f"the pattern {pattern!r} for {kind!r} cannot be read.",
                                    fix=HOURS_FIX))
        out.append(VenueHours(parsed, True, pattern))
    return out


def open_for(week: Week, day: dt.date, start_min: int, end_min: int) -> bool:
    """Whether the venue is open for the whole of [start, end) on `day` (within one opening span)."""
    return any(a <= start_min and end_min <= b for a, b in week[day.weekday()])


def slot_options(week: Week, day: dt.date, *, length_min: int, slot_starts: Sequence[int]) -> list[int]:
    """Start times (minutes) for a session of `length_min` on `day`: the preferred slot starts that
    fit, else the first half hour in each opening span that leaves room."""
    spans = week[day.weekday()]
    fits = [s for s in slot_starts if any(a <= s and s + length_min <= b for a, b in spans)]
    if fits:
        return fits
    out = []
    for a, b in spans:
        s = int(math.ceil(a / 30.0) * 30)
        if s + length_min <= min(b, 24 * 60):
            out.append(s)
    return out
