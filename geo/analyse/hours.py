"""Opening hours: a reader of simple OSM `opening_hours`, the default weekly pattern per venue kind,
and which venues are open (or usable at all) at a given time.

Structured hours are used where a venue has readable ones; otherwise the default pattern for its kind
(`DEFAULT_HOURS`, editable), flagged as assumed. Venues marked `closed` are never open and never count.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_IDX = {d: i for i, d in enumerate(_DAYS)}
_TIME = r"(\d{1,2}):(\d{2})"
_SPAN = re.compile(rf"^{_TIME}\s*-\s*{_TIME}$")

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

Week = tuple[tuple[tuple[int, int], ...], ...]  # 7 days of (start_min, end_min); end may pass 1440


def _parse_days(text: str) -> list[int] | None:
    days: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if "-" in item:
            a, _, b = item.partition("-")
            a, b = a.strip()[:2].title(), b.strip()[:2].title()
            if a not in _DAY_IDX or b not in _DAY_IDX:
                return None
            i, j = _DAY_IDX[a], _DAY_IDX[b]
            days.extend((i + k) % 7 for k in range(((j - i) % 7) + 1))
        else:
            d = item[:2].title()
            if d not in _DAY_IDX or len(item) != 2:
                return None
            days.append(_DAY_IDX[d])
    return days


def parse_opening_hours(text: str | None) -> Week | None:
    """Parse simple OSM opening_hours ("Mo-Fr 09:00-17:00; Sa 09:00-12:00", "24/7", "Su off",
    "Mo,We 10:00-12:00,13:00-16:00", "closed"). Returns 7 days of minute spans, or None when the
    text is blank or uses syntax this reader does not know (months, week numbers, "||", ...).
    Rules about public/school holidays ("PH off") are skipped. A later rule replaces earlier ones
    for the days it names, as in OSM.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    text = str(text).strip()
    if not text:
        return None
    low = text.lower()
    if low in ("24/7", "mo-su 00:00-24:00"):
        return tuple(((0, 1440),) for _ in range(7))
    if low in ("closed", "off"):
        return tuple(() for _ in range(7))
    if "||" in text:
        return None
    week: list[tuple[tuple[int, int], ...]] = [() for _ in range(7)]
    seen_rule = False
    for rule in (r.strip() for r in text.split(";")):
        if not rule:
            continue
        if re.match(r"^(PH|SH)\b", rule):
            continue
        m = re.match(r"^((?:[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?\s*,\s*)*[A-Za-z]{2}(?:\s*-\s*[A-Za-z]{2})?)\s+(.+)$",
                     rule)
        if m and m.group(1)[:2].title() in _DAY_IDX:
            days = _parse_days(m.group(1).replace(" ", ""))
            times = m.group(2).strip()
        else:
            days, times = list(range(7)), rule
        if days is None:
            return None
        # "Mo-Fr 09:00-17:00, PH off" style trailing selectors are not supported.
        if times.lower() in ("off", "closed"):
            spans: tuple[tuple[int, int], ...] = ()
        else:
            found = []
            for piece in times.split(","):
                sm = _SPAN.match(piece.strip())
                if not sm:
                    return None
                h1, m1, h2, m2 = (int(g) for g in sm.groups())
                if h1 > 24 or h2 > 48 or m1 > 59 or m2 > 59:
                    return None
                a, b = h1 * 60 + m1, h2 * 60 + m2
                if b <= a:
                    b += 1440  # past midnight
                found.append((a, b))
            spans = tuple(found)
        for d in days:
            week[d] = spans
        seen_rule = True
    return tuple(week) if seen_rule else None


def is_open(week: Week, when: dt.datetime) -> bool:
    """Whether a parsed week is open at `when` (spans past midnight carry into the next day)."""
    day, minute = when.weekday(), when.hour * 60 + when.minute
    if any(a <= minute < b for a, b in week[day]):
        return True
    prev = week[(day - 1) % 7]
    return any(b > 1440 and minute < b - 1440 for _, b in prev)


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


def open_at(venues: pd.DataFrame, when: dt.datetime, *,
            default_hours: Mapping[str, str] | None = None) -> OpenAt:
    """Which venues are open at `when`. Uses `opening_hours` where it can be read; otherwise the
    default weekly pattern for the venue's kind (`DEFAULT_HOURS`, editable), flagged `assumed`.
    Venues with `closed` true are never open. Loops over distinct hours texts, not rows."""
    defaults = dict(DEFAULT_HOURS if default_hours is None else default_hours)
    fallback = defaults.get("*", DEFAULT_HOURS["*"])
    n = len(venues)
    closed = closed_venues(venues)
    texts = (venues["opening_hours"].astype("string") if "opening_hours" in venues.columns
             else pd.Series(pd.NA, index=venues.index, dtype="string"))
    kinds = (venues["kind"].astype("string") if "kind" in venues.columns
             else pd.Series(pd.NA, index=venues.index, dtype="string"))
    parsed = {t: parse_opening_hours(t) for t in texts.dropna().unique()}
    given = texts.notna().to_numpy() & (texts.fillna("").str.strip() != "").to_numpy()
    readable = np.array([given[i] and parsed.get(texts.iloc[i]) is not None for i in range(n)], dtype=bool)
    assumed = ~readable & ~closed
    unreadable = given & ~readable
    cache: dict[str, Week | None] = {}
    is_open_now = np.zeros(n, dtype=bool)
    for i in range(n):
        if closed[i]:
            continue
        week = parsed[texts.iloc[i]] if readable[i] else None
        if week is None:  # no readable hours: the default pattern for the venue's kind
            kind = kinds.iloc[i]
            pattern = defaults.get(str(kind), fallback) if pd.notna(kind) else fallback
            if pattern not in cache:
                cache[pattern] = parse_opening_hours(pattern)
            week = cache[pattern]
            if week is None:
                raise ValueError(f"default opening hours {pattern!r} for kind {kind!r} cannot be read; "
                                 "use the form 'Mo-Fr 09:00-17:00; Sa 09:00-12:00'")
        is_open_now[i] = is_open(week, when)
    return OpenAt(is_open_now, assumed, unreadable, closed)


def usable_venues(venues: gpd.GeoDataFrame, *, kinds: Iterable[str] | None = None,
                  when: dt.datetime | None = None,
                  default_hours: Mapping[str, str] | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Venues that are not closed, optionally of `kinds` only and open at `when`; plus notes saying
    how many were dropped and on what assumption."""
    keep = ~closed_venues(venues)
    notes: list[str] = []
    if (~keep).any():
        notes.append(closed_note(int((~keep).sum())))
    if kinds is not None:
        wanted = list(kinds)
        keep &= venues["kind"].isin(wanted).to_numpy(dtype=bool, na_value=False)
    if when is not None:
        res = open_at(venues, when, default_hours=default_hours)
        keep &= res.open
        n_assumed = int((res.assumed & keep).sum())
        if n_assumed:
            notes.append(f"{_venues(n_assumed)} without readable opening hours counted as open on "
                         f"{when:%a %H:%M} by the default pattern for their kind (assumed).")
    return venues[keep], notes
