"""Checking a pop-up plan after the user accepts, moves or drops sessions: every rule it breaks, in words.

`normalise_sessions` brings a session table (from the planner, an edited table or a saved plan) to
one form: date a `datetime.date`, start/end "HH:MM", status, family and worker filled in.
`check_plan` lists one row per session and rule broken: opening hours, blackout dates, school
holidays, repeat visits, childcare for family sessions, one session at a time per worker, the period.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pandas as pd

from geo.plan.clock import fmt_hhmm, parse_hhmm
from geo.plan.popup_rules import PlanRules
from geo.plan.popup_venues import venue_attributes
from geo.plan.venue_hours import CLOSED, VenueHours, open_for, venue_hours

SESSION_COLUMNS: tuple[str, ...] = (
    "session_id", "status", "date", "start", "end", "worker", "family", "venue_id", "venue", "kind", "address",
    "contact", "lsoa_code", "area", "gap_rank", "serves", "why", "minutes", "estimate", "hours", "hours_assumed",
    "x", "y")
PROBLEM_COLUMNS: tuple[str, ...] = ("session_id", "problem")


def as_date(v: object) -> dt.date:
    """A date cell (date, datetime, Timestamp or ISO text) as a `datetime.date`."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return pd.Timestamp(v).date()  # type: ignore[arg-type]


def normalise_sessions(sessions: pd.DataFrame) -> pd.DataFrame:
    """A copy with date as datetime.date, start/end as "HH:MM", status/family/worker filled in."""
    out = sessions.copy()
    if len(out) == 0:
        return out
    out["date"] = [as_date(v) for v in out["date"]]
    for col in ("start", "end"):
        out[col] = [fmt_hhmm(parse_hhmm(v)) for v in out[col]]
    out["status"] = _column(out, "status", "proposed").fillna("proposed").astype(str)
    out["family"] = _column(out, "family", False).astype("boolean").fillna(False).astype(bool)
    out["worker"] = pd.to_numeric(_column(out, "worker", 1), errors="coerce").fillna(1).astype(int)
    return out


def _column(frame: pd.DataFrame, col: str, default: object) -> pd.Series:
    """`frame[col]`, or a column of `default` where the frame has none."""
    return frame[col] if col in frame.columns else pd.Series(default, index=frame.index)


def live_sessions(sessions: pd.DataFrame) -> pd.DataFrame:
    """The sessions that are not dropped (proposed or accepted)."""
    return sessions[sessions["status"] != "dropped"] if len(sessions) else sessions


def check_plan(sessions: pd.DataFrame, venues: pd.DataFrame, rules: PlanRules) -> pd.DataFrame:
    """Every rule a (possibly edited) plan breaks: one row per session and problem (session_id,
    problem). Dropped sessions are ignored. Opening hours, blackout dates, school holidays, repeat
    visits, childcare for family sessions, one session at a time per worker, and the period."""
    s = normalise_sessions(sessions)
    rows: list[tuple[str, str]] = []
    if len(s) == 0:
        return pd.DataFrame({"session_id": [], "problem": []})
    s = s[s["status"] != "dropped"]
    by_id = venues.reset_index(drop=True)
    pos = {str(v): i for i, v in enumerate(by_id["venue_id"].astype(str))}
    hours = venue_hours(by_id, default_hours=rules.default_hours)
    childcare = venue_attributes(by_id)["childcare"]
    for r in s.to_dict("records"):
        rows.extend(_session_problems(r, rules))
        v = pos.get(str(r["venue_id"]))
        if v is None:
            rows.append((str(r["session_id"]), f"venue {r['venue_id']} is not in the workspace's venues."))
            continue
        rows.extend(_venue_problems(r, hours[v], bool(childcare[v])))
    for _vid, grp in s.groupby("venue_id"):
        ds = sorted(zip(grp["date"], grp["session_id"]))
        for (d1, s1), (d2, s2) in itertools.pairwise(ds):
            if (d2 - d1).days < rules.min_days_between_visits:
                msg = (f"only {(d2 - d1).days} day(s) after {s1} at the same venue "
                       f"(at least {rules.min_days_between_visits} wanted).")
                rows.append((str(s2), msg))
    for (w, _day), grp in s.groupby(["worker", "date"]):
        spans = sorted((parse_hhmm(a), parse_hhmm(b), sid)
                       for a, b, sid in zip(grp["start"], grp["end"], grp["session_id"]))
        for (_a1, b1, s1), (a2, _b2, s2) in itertools.pairwise(spans):
            if a2 < b1 + rules.travel_buffer_min:
                rows.append((str(s2), (f"worker {w} is still at {s1} (until {fmt_hhmm(b1)}, plus "
                                       f"{rules.travel_buffer_min} min to travel).")))
    return pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)).drop_duplicates().reset_index(drop=True)


def _session_problems(r: dict[Any, Any], rules: PlanRules) -> list[tuple[str, str]]:
    """What is wrong with one session's times and day (the period, blackouts, school holidays)."""
    rows: list[tuple[str, str]] = []
    sid, d = str(r["session_id"]), r["date"]
    a, b = parse_hhmm(r["start"]), parse_hhmm(r["end"])
    if b <= a:
        rows.append((sid, f"ends ({r['end']}) before it starts ({r['start']})."))
    if not rules.start <= d <= rules.end:
        rows.append((sid, f"{d:%a %d %b %Y} is outside the plan period ({rules.start:%d %b} to {rules.end:%d %b %Y})."))
    if d in rules.blackout:
        rows.append((sid, f"{d:%a %d %b %Y} is a blackout date."))
    hol = rules.in_school_holiday(d)
    if hol is not None and not rules.ordinary_in_school_holidays and not r["family"]:
        rows.append((sid, (f"{d:%a %d %b} falls in {hol.name}: only family sessions with childcare are planned "
                           "in school holidays.")))
    if (hol is not None and r["family"] and not rules.family_in_school_holidays
            and not rules.ordinary_in_school_holidays):
        rows.append((sid, f"{d:%a %d %b} falls in {hol.name}, and no sessions are planned in school holidays."))
    return rows


def _venue_problems(r: dict[Any, Any], hours: VenueHours, childcare: bool) -> list[tuple[str, str]]:
    """Whether the session's venue is open for it, and has childcare for a family session."""
    rows: list[tuple[str, str]] = []
    sid, d, venue = str(r["session_id"]), r["date"], r["venue"]
    if hours.text == CLOSED:
        rows.append((sid, f"{venue} is marked closed."))
    elif not open_for(hours.hours, d, parse_hhmm(r["start"]), parse_hhmm(r["end"])):
        rows.append((sid, (f"{venue} is not open {r['start']}-{r['end']} on {d:%a %d %b} "
                           f"(hours: {hours.text}{', assumed' if hours.assumed else ''}).")))
    if r["family"] and not childcare:
        rows.append((sid, f"family session at {venue}, which has no childcare recorded."))
    return rows

