"""Opening hours: OpenStreetMap `opening_hours` read by a parser of the whole syntax, England's bank
holidays, the default weekly pattern per venue kind, and which venues are open (or usable at all) at a
given time.

`read_hours` reads a venue's text with opening-hours-py (the `opening_hours` module: months, week
numbers, "Th[3]", "||" fallbacks, "," additional rules, comments... as the OSM specification
https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification has them). Its `Hours` gives the
opening spans on any date. Public holidays ("PH") are England's bank holidays from the `holidays`
package (`bank_holidays_between`): on such a day the rules naming PH apply. School holidays ("SH")
differ by local authority and never match here. Times are local (no time zone); sunrise and sunset,
without a venue's position, are taken as 07:00 and 19:00 by the parser.

Structured hours are used where a venue has readable ones; otherwise the default pattern for its kind
(`DEFAULT_HOURS`, editable), flagged as assumed, and the venues whose text could not be read are named
(`unreadable_note`). Venues marked `closed` are never open and never count.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import holidays
import numpy as np
import opening_hours
import pandas as pd
from opening_hours import OpeningHours, State

from geo.model import DataError, Problem

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_MIN = 24 * 60

#: Assumed weekly pattern per venue kind where a venue has no usable opening hours (editable).
DEFAULT_HOURS: dict[str, str] = {
    "library": "Mo-Fr 09:00-17:00; Sa 09:00-13:00",
    "community_centre": "Mo-Fr 09:00-21:00; Sa 09:00-13:00",
    "childrens_centre": "Mo-Fr 09:00-17:00",
    "church_hall": "Mo-Sa 09:00-21:00",
    "food_bank": "Mo,We,Fr 10:00-14:00",
    "leisure_centre": "Mo-Fr 06:30-22:00; Sa,Su 08:00-18:00",
    "supermarket_cafe": "Mo-Sa 08:00-18:00; Su 10:00-16:00",
    "school": "Mo-Fr 08:30-15:30",
    "gp_surgery": "Mo-Fr 08:00-18:30",
    "*": "Mo-Fr 09:00-17:00",
}

Span = tuple[int, int]  # (start_min, end_min) after the day's midnight, within 0..1440
Day = tuple[Span, ...]
Week = tuple[Day, ...]  # Monday to Sunday

#: The week `parse_opening_hours` reads as a typical one: Monday 3 March 2025 to Sunday 9 March, in
#: term time and with no bank holiday. Rules for months, week numbers or dates apply as in that week.
TYPICAL_MONDAY = dt.date(2025, 3, 3)

# ---- bank holidays (England) ------------------------------------------------------------------------

#: The holidays package's names as GOV.UK writes them.
_GOV_UK_NAMES = {"May Day": "Early May bank holiday", "Spring Bank Holiday": "Spring bank holiday",
                 "Late Summer Bank Holiday": "Summer bank holiday"}


def _gov_uk_name(name: str) -> str:
    base, observed = (name[:-len(" (observed)")], True) if name.endswith(" (observed)") else (name, False)
    base = _GOV_UK_NAMES.get(base, base)
    return f"{base} (substitute day)" if observed else base


@functools.lru_cache(maxsize=256)
def _bank_holidays(year: int) -> dict[dt.date, str]:
    """England's bank holidays in `year` as GOV.UK lists them: always weekdays (a holiday falling on a
    weekend is kept only as its substitute day, which the package gives as "(observed)")."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return {d: "; ".join(_gov_uk_name(n.strip()) for n in str(name).split(";"))
            for d, name in sorted(found.items()) if d.weekday() < 5}


def bank_holidays_between(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """England's bank holidays from `start` to `end` (inclusive), with their GOV.UK names, in date order
    (from the `holidays` package: any year, substitute days included)."""
    out: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        out.update({d: n for d, n in _bank_holidays(year).items() if start <= d <= end})
    return out


def is_bank_holiday(day: dt.date) -> bool:
    """Whether `day` is a bank holiday in England."""
    return day in _bank_holidays(day.year)


# ---- reading opening_hours --------------------------------------------------------------------------

_PH = re.compile(r"\bPH\b")
#: What the parser raises on text outside the syntax (its ParserError is not in the module's stubs).
_NOT_READ: tuple[type[Exception], ...] = (getattr(opening_hours, "ParserError", SyntaxError), ValueError)


def _clean(text: str) -> str:
    """The text as the parser reads it: outer spaces and a trailing ';' (common in OSM) dropped."""
    return text.strip().rstrip(";").strip()


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> OpeningHours | None:
    try:
        return OpeningHours(text, auto_country=False, auto_timezone=False)
    except _NOT_READ:
        return None


def _as_holiday(text: str, weekday: int) -> str:
    """`text` for one bank holiday falling on `weekday`: each PH outside quoted comments becomes that
    weekday, so that the rules naming PH apply to the day (and, OSM's order of rules kept, later rules
    still override earlier ones)."""
    parts = text.split('"')
    return '"'.join(_PH.sub(_DAYS[weekday], p) if k % 2 == 0 else p for k, p in enumerate(parts))


@functools.lru_cache(maxsize=65536)
def _spans_on(text: str, day: dt.date) -> Day:
    oh = None
    if is_bank_holiday(day) and _PH.search(text):
        oh = _parsed(_as_holiday(text, day.weekday()))
    if oh is None:
        oh = _parsed(text)
    if oh is None:
        return ()
    midnight = dt.datetime.combine(day, dt.time())
    spans: list[Span] = []
    for a, b, state, _comment in oh.intervals(midnight, midnight + dt.timedelta(days=1)):
        if state == State.OPEN:
            lo = max(0, round((a - midnight).total_seconds() / 60))
            hi = min(DAY_MIN, round((b - midnight).total_seconds() / 60))
            if hi > lo:
                spans.append((lo, hi))
    return tuple(spans)


@dataclass(frozen=True)
class Hours:
    """Opening hours read from an OSM `opening_hours` text (see `read_hours`)."""

    text: str

    def on(self, day: dt.date) -> Day:
        """The opening spans on `day` (minutes after its midnight; a span past midnight continues on the
        next day's list). England's bank holidays count as PH."""
        return _spans_on(self.text, day)

    def is_open(self, when: dt.datetime) -> bool:
        minute = when.hour * 60 + when.minute
        return any(a <= minute < b for a, b in self.on(when.date()))

    def week_of(self, day: dt.date) -> Week:
        """The Monday-to-Sunday week holding `day`."""
        monday = day - dt.timedelta(days=day.weekday())
        return tuple(self.on(monday + dt.timedelta(days=k)) for k in range(7))


def _given(text: object) -> str | None:
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return None
    return _clean(str(text)) or None


def read_hours(text: object) -> Hours | None:
    """A venue's `opening_hours` ("Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su,PH off", "24/7", "closed",
    "Apr-Sep Mo-Su 10:00-18:00; Oct-Mar Mo-Su 10:00-16:00", ...), or None when blank or not in the
    OSM syntax ("by appointment", "Mo-Fr 9-5")."""
    clean = _given(text)
    return Hours(clean) if clean is not None and _parsed(clean) is not None else None


def day_spans(hours: Hours | Week, day: dt.date) -> Day:
    """The opening spans on `day` of read hours (date by date) or of a week (by weekday)."""
    return hours.on(day) if isinstance(hours, Hours) else hours[day.weekday()]


def parse_opening_hours(text: object, *, week_of: dt.date = TYPICAL_MONDAY) -> Week | None:
    """The week holding `week_of` (default: a typical week, `TYPICAL_MONDAY`) of a venue's
    `opening_hours`: 7 days of minute spans, or None when the text is blank or cannot be read."""
    hours = read_hours(text)
    return hours.week_of(week_of) if hours is not None else None


def is_open(week: Week, when: dt.datetime) -> bool:
    """Whether a week of spans is open at `when` (a span ending past 1440 carries into the next day)."""
    day, minute = when.weekday(), when.hour * 60 + when.minute
    if any(a <= minute < b for a, b in week[day]):
        return True
    prev = week[(day - 1) % 7]
    return any(b > DAY_MIN and minute < b - DAY_MIN for _, b in prev)


class OpenAt(NamedTuple):
    """`open`: open at the time asked. `assumed`: the answer rests on the kind's default pattern
    (hours missing or unreadable). `unreadable`: hours were given but this reader could not parse them.
    `closed`: the venue is marked closed (never open)."""

    open: np.ndarray
    assumed: np.ndarray
    unreadable: np.ndarray
    closed: np.ndarray


def closed_venues(venues: pd.DataFrame) -> np.ndarray:
    """True for each venue marked `closed` (none without the column; missing values are not closed)."""
    if "closed" not in venues.columns:
        return np.zeros(len(venues), dtype=bool)
    return np.asarray(venues["closed"].astype("boolean").fillna(False).to_numpy(dtype=bool), dtype=bool)


def closed_note(n: int) -> str:
    """'1 venue marked closed left out.' / 'N venues marked closed left out.'"""
    return f"{_venues(n)} marked closed left out."


def _venues(n: int) -> str:
    return f"{n} venue" if n == 1 else f"{n} venues"


#: Hours that never open (a venue marked closed).
NEVER_OPEN = Hours("off")
_DEFAULT_FIX = "Use the form 'Mo-Fr 09:00-17:00; Sa 09:00-12:00'."


@dataclass(frozen=True)
class VenuesHours:
    """Each venue's hours, by position: `hours[i]` its own where readable, else its kind's default;
    `text[i]` the text used; `given[i]` its own text ("" when blank). Flags as in `OpenAt`."""

    hours: tuple[Hours, ...]
    text: tuple[str, ...]
    given: tuple[str, ...]
    assumed: np.ndarray
    unreadable: np.ndarray
    closed: np.ndarray


def venues_hours(venues: pd.DataFrame, *, default_hours: Mapping[str, str] | None = None) -> VenuesHours:
    """Every venue's hours: its `opening_hours` where readable, else the default pattern for its kind
    (`DEFAULT_HOURS`, editable; "*" for other kinds), flagged assumed; never open when marked `closed`.
    DataError when a default pattern cannot be read. Reads each distinct text once."""
    defaults = dict(DEFAULT_HOURS if default_hours is None else default_hours)
    fallback = defaults.get("*", DEFAULT_HOURS["*"])
    closed = closed_venues(venues)
    texts = venues["opening_hours"] if "opening_hours" in venues.columns else pd.Series(pd.NA, index=venues.index)
    kinds = venues["kind"] if "kind" in venues.columns else pd.Series(pd.NA, index=venues.index)
    own: dict[str, Hours | None] = {}
    hours: list[Hours] = []
    used: list[str] = []
    given: list[str] = []
    for text, kind, shut in zip(texts, kinds, closed):
        clean = _given(text) or ""
        given.append(clean)
        if shut:
            hours.append(NEVER_OPEN)
            used.append("closed")
            continue
        if clean and clean not in own:
            own[clean] = read_hours(clean)
        mine = own.get(clean)
        if mine is not None:
            hours.append(mine)
            used.append(clean)
            continue
        pattern = defaults.get(str(kind), fallback) if _given(kind) is not None else fallback
        if pattern not in own:
            own[pattern] = read_hours(pattern)
        default = own[pattern]
        if default is None:
            raise DataError(Problem("default opening hours", f"the pattern {pattern!r} for {kind!r} cannot be read.",
                                    fix=_DEFAULT_FIX))
        hours.append(default)
        used.append(pattern)
    has_text = np.array([bool(g) for g in given], dtype=bool)
    readable = np.array([bool(g) and own.get(g) is not None for g in given], dtype=bool)
    return VenuesHours(tuple(hours), tuple(used), tuple(given), assumed=~readable & ~closed,
                       unreadable=has_text & ~readable & ~closed, closed=closed)


def open_at(venues: pd.DataFrame, when: dt.datetime, *,
            default_hours: Mapping[str, str] | None = None) -> OpenAt:
    """Which venues are open at `when` (date and time: bank holidays count as PH). Uses
    `opening_hours` where it can be read; otherwise the default weekly pattern for the venue's kind
    (`DEFAULT_HOURS`, editable), flagged `assumed`. Venues with `closed` true are never open."""
    read = venues_hours(venues, default_hours=default_hours)
    is_open_now = np.array([h.is_open(when) for h in read.hours], dtype=bool)
    return OpenAt(is_open_now, read.assumed, read.unreadable, read.closed)


#: How many venues `unreadable_note` names before it counts the rest.
NAMED_UNREADABLE = 8


def unreadable_note(venues: pd.DataFrame, *, default_hours: Mapping[str, str] | None = None) -> str | None:
    """Which venues have opening hours this reader could not read, by name with their text, and that
    their kind's usual week is assumed for them (None when every text given could be read)."""
    read = venues_hours(venues, default_hours=default_hours)
    rows = np.flatnonzero(read.unreadable)
    if not rows.size:
        return None
    names = (venues["name"].astype("string").fillna("(no name)").to_numpy() if "name" in venues.columns
             else np.array([f"venue {i + 1}" for i in range(len(venues))], dtype=object))
    def quoted(text: str) -> str:
        return repr(text if len(text) <= 40 else text[:39] + "…")

    listed = ", ".join(f"{names[i]} ({quoted(read.given[i])})" for i in rows[:NAMED_UNREADABLE])
    more = f" and {rows.size - NAMED_UNREADABLE} more" if rows.size > NAMED_UNREADABLE else ""
    return (f"Opening hours of {_venues(int(rows.size))} could not be read, so the usual week for their kind "
            f"is assumed: {listed}{more}.")


def usable_venues(venues: gpd.GeoDataFrame, *, kinds: Iterable[str] | None = None,
                  when: dt.datetime | None = None,
                  default_hours: Mapping[str, str] | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Venues that are not closed, optionally of `kinds` only and open at `when`; plus notes saying
    how many were dropped and on what assumption (naming the venues whose hours could not be read)."""
    keep = ~closed_venues(venues)
    notes: list[str] = []
    if (~keep).any():
        notes.append(closed_note(int((~keep).sum())))
    if kinds is not None:
        wanted = list(kinds)
        keep &= venues["kind"].isin(wanted).to_numpy(dtype=bool, na_value=False)
    if when is not None:
        unread = unreadable_note(venues[keep], default_hours=default_hours)
        res = open_at(venues, when, default_hours=default_hours)
        keep &= res.open
        n_assumed = int((res.assumed & keep).sum())
        if n_assumed:
            notes.append(f"{_venues(n_assumed)} without readable opening hours counted as open on "
                         f"{when:%a %H:%M} by the default pattern for their kind (assumed).")
        if unread:
            notes.append(unread)
    return venues[keep], notes
