"""When a venue is open, for placing pop-up sessions: its own hours where readable, else its kind's default.

A venue's hours are read from its structured `opening_hours` (`geo.analyse.hours.read_hours`, the
whole OpenStreetMap syntax, England's bank holidays as PH) and give its opening spans date by date;
where it has none, or none that can be read, the default pattern for its kind
(`geo.analyse.hours.DEFAULT_HOURS`, editable in the plan's rules) is used and flagged *assumed*.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.analyse.hours import TYPICAL_MONDAY, Hours, Week, day_spans, venues_hours

CLOSED = "closed"


@dataclass(frozen=True)
class VenueHours:
    """One venue's hours: `hours` (spans on any date), whether they are its kind's default
    (`assumed`), the text used (`text`, "closed" for a venue marked closed) and, where its own text
    could not be read, that text (`unreadable`)."""

    hours: Hours
    assumed: bool
    text: str
    unreadable: str | None = None

    @property
    def week(self) -> Week:
        """A typical week (`geo.analyse.hours.TYPICAL_MONDAY`'s) of these hours."""
        return self.hours.week_of(TYPICAL_MONDAY)


def venue_hours(venues: pd.DataFrame, *, default_hours: Mapping[str, str] | None = None) -> list[VenueHours]:
    """Each venue's hours: its own `opening_hours` where readable, else its kind's default (assumed).
    A venue marked `closed` is never open. DataError when a default pattern cannot be read."""
    read = venues_hours(venues, default_hours=default_hours)
    return [VenueHours(h, bool(a), CLOSED if c else t, g if u else None)
            for h, t, g, a, u, c in zip(read.hours, read.text, read.given, read.assumed, read.unreadable, read.closed)]


def open_for(hours: Hours | Week, day: dt.date, start_min: int, end_min: int) -> bool:
    """Whether the venue is open for the whole of [start, end) on `day` (within one opening span)."""
    return any(a <= start_min and end_min <= b for a, b in day_spans(hours, day))


def slot_options(hours: Hours | Week, day: dt.date, *, length_min: int, slot_starts: Sequence[int]) -> list[int]:
    """Start times (minutes) for a session of `length_min` on `day`: the preferred slot starts that
    fit, else the first half hour in each opening span that leaves room."""
    spans = day_spans(hours, day)
    fits = [s for s in slot_starts if any(a <= s and s + length_min <= b for a, b in spans)]
    if fits:
        return fits
    out = []
    for a, b in spans:
        s = int(math.ceil(a / 30.0) * 30)
        if s + length_min <= min(b, 24 * 60):
            out.append(s)
    return out
