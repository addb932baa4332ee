"""Pop-up sessions: a plan of drop-in sessions at venues that reach the top coverage gaps.

For a period (say the next 6 weeks) and the team's capacity (workers × sessions per worker per
week), `propose_plan` places sessions at venues near the top gaps (`geo.analyse.gaps.gap_table`):

- **Which gaps, how often.** The top `top_gaps` areas with a positive gap score share the period's
  sessions in proportion to their score (largest remainder, at least one each while there are
  enough): frequency follows need.
- **Which venue.** For each gap, venues of the chosen kinds within `max_minutes` walk of the gap's
  population-weighted point (road network where there is one, else straight line × 1.3, labelled an
  estimate), ranked by minutes less a bonus for what helps people come (step-free access, childcare,
  wi-fi, toilets, a quiet room, free to use, and a bus route that stops near both the venue and the
  area). With no venue in range, the nearest two are offered and the reason says so.
- **When.** Sessions of a gap are spread evenly over the period; each goes to the day closest to its
  target that keeps every hard rule:
  * the venue is open for the whole session: its structured `opening_hours` where readable, else the
    default pattern for its kind (`geo.analyse.reach.DEFAULT_HOURS`), and the session says it is *assumed*;
  * no session on a blackout date (bank holidays by default, plus any the user adds);
  * at least `min_days_between_visits` days between two sessions at the same venue;
  * school holidays: **ordinary sessions avoid them** by default (advisers saw momentum drop over the
    holidays), while **family sessions with childcare** are planned in them, at venues that offer
    childcare (`childcare` true, or a children's centre). Both are switches (`ordinary_in_school_holidays`,
    `family_in_school_holidays`);
  * a worker holds one session at a time, with `travel_buffer_min` between two on the same day, and
    at most `max_sessions_per_worker_day` a day; the team holds at most its weekly capacity.

`check_plan` re-checks any plan (after the user accepts, moves or drops sessions) against the same
rules and lists every problem. All functions are pure: frames in, new frames out.
"""

from __future__ import annotations

import datetime as dt
import html
import io as _io
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.model import VENUE_KINDS, DataError, Problem
from geo.analyse.hours import DEFAULT_HOURS, Week, parse_opening_hours
from geo.analyse.network import RoadGraph, geometry_xy, snap_points
from geo.analyse.paths import distance_from, values_at
from geo.analyse.reach import DETOUR_FACTOR, WALK_M_PER_MIN

PLAN_KIND = "popups"
STATUSES: tuple[str, ...] = ("proposed", "accepted", "dropped")
DEFAULT_KINDS: tuple[str, ...] = ("library", "community_centre", "childrens_centre", "church_hall", "food_bank",
                                  "supermarket_cafe", "leisure_centre")
BUS_STOP_WALK_M = 400.0


# --------------------------------------------------------------------------------------------------
# Calendars: school holidays and bank holidays (England)


@dataclass(frozen=True)
class SchoolHoliday:
    start: dt.date
    end: dt.date  # inclusive
    name: str = "School holiday"

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


#: Typical English state-school holidays (weekdays off). Term dates are set by each local authority
#: and academy trust and differ by a few days: check yours and edit the list.
DEFAULT_SCHOOL_HOLIDAYS: tuple[SchoolHoliday, ...] = tuple(SchoolHoliday(_d(a), _d(b), n) for a, b, n in (
    ("2025-07-23", "2025-09-02", "Summer holiday 2025"),
    ("2025-10-27", "2025-10-31", "October half-term 2025"),
    ("2025-12-22", "2026-01-02", "Christmas holiday 2025"),
    ("2026-02-16", "2026-02-20", "February half-term 2026"),
    ("2026-03-30", "2026-04-10", "Easter holiday 2026"),
    ("2026-05-25", "2026-05-29", "May half-term 2026"),
    ("2026-07-22", "2026-09-01", "Summer holiday 2026"),
    ("2026-10-26", "2026-10-30", "October half-term 2026"),
    ("2026-12-21", "2027-01-01", "Christmas holiday 2026"),
    ("2027-02-15", "2027-02-19", "February half-term 2027"),
    ("2027-03-26", "2027-04-09", "Easter holiday 2027"),
    ("2027-05-31", "2027-06-04", "May half-term 2027"),
    ("2027-07-22", "2027-09-01", "Summer holiday 2027"),
    ("2027-10-25", "2027-10-29", "October half-term 2027"),
    ("2027-12-20", "2027-12-31", "Christmas holiday 2027"),
    ("2028-02-14", "2028-02-18", "February half-term 2028"),
    ("2028-04-10", "2028-04-21", "Easter holiday 2028"),
    ("2028-05-29", "2028-06-02", "May half-term 2028"),
    ("2028-07-21", "2028-08-31", "Summer holiday 2028"),
))

#: Bank holidays in England and Wales (the default blackout dates; venues are usually closed).
ENGLAND_BANK_HOLIDAYS: dict[dt.date, str] = {_d(k): v for k, v in {
    "2025-01-01": "New Year's Day", "2025-04-18": "Good Friday", "2025-04-21": "Easter Monday",
    "2025-05-05": "Early May bank holiday", "2025-05-26": "Spring bank holiday",
    "2025-08-25": "Summer bank holiday", "2025-12-25": "Christmas Day", "2025-12-26": "Boxing Day",
    "2026-01-01": "New Year's Day", "2026-04-03": "Good Friday", "2026-04-06": "Easter Monday",
    "2026-05-04": "Early May bank holiday", "2026-05-25": "Spring bank holiday",
    "2026-08-31": "Summer bank holiday", "2026-12-25": "Christmas Day", "2026-12-28": "Boxing Day (substitute day)",
    "2027-01-01": "New Year's Day", "2027-03-26": "Good Friday", "2027-03-29": "Easter Monday",
    "2027-05-03": "Early May bank holiday", "2027-05-31": "Spring bank holiday",
    "2027-08-30": "Summer bank holiday", "2027-12-27": "Christmas Day (substitute day)",
    "2027-12-28": "Boxing Day (substitute day)",
    "2028-01-03": "New Year's Day (substitute day)", "2028-04-14": "Good Friday", "2028-04-17": "Easter Monday",
    "2028-05-01": "Early May bank holiday", "2028-05-29": "Spring bank holiday",
    "2028-08-28": "Summer bank holiday", "2028-12-25": "Christmas Day", "2028-12-26": "Boxing Day",
}.items()}


def bank_holidays_between(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    return {d: n for d, n in ENGLAND_BANK_HOLIDAYS.items() if start <= d <= end}


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


# --------------------------------------------------------------------------------------------------
# Rules


def parse_hhmm(text: str) -> int:
    h, _, m = str(text).strip().partition(":")
    value = int(h) * 60 + int(m or 0)
    if not 0 <= value < 24 * 60:
        raise ValueError(f"time {text!r} is not a time of day (HH:MM)")
    return value


def fmt_hhmm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass(frozen=True)
class PlanRules:
    """What a plan must respect. Dates are inclusive; `weekdays` uses Monday = 0."""

    start: dt.date
    weeks: int = 6
    workers: int = 2
    sessions_per_worker_week: int = 3
    session_minutes: int = 120
    min_days_between_visits: int = 7
    max_sessions_per_worker_day: int = 2
    travel_buffer_min: int = 30
    slot_starts: tuple[str, ...] = ("10:00", "13:30")
    weekdays: frozenset[int] = frozenset(range(5))
    blackout: frozenset[dt.date] = frozenset()
    school_holidays: tuple[SchoolHoliday, ...] = DEFAULT_SCHOOL_HOLIDAYS
    ordinary_in_school_holidays: bool = False
    family_in_school_holidays: bool = True
    kinds: tuple[str, ...] = DEFAULT_KINDS
    top_gaps: int = 8
    max_minutes: float = 25.0
    venues_per_gap: int = 3
    default_hours: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_HOURS))

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=7 * self.weeks - 1)

    @property
    def capacity_per_week(self) -> int:
        return self.workers * self.sessions_per_worker_week

    def in_school_holiday(self, day: dt.date) -> SchoolHoliday | None:
        for h in self.school_holidays:
            if day in h:
                return h
        return None

    def check(self) -> None:
        problems = []
        for name in ("weeks", "workers", "sessions_per_worker_week", "session_minutes", "max_sessions_per_worker_day",
                     "top_gaps", "venues_per_gap"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 1:
                problems.append(Problem("plan settings", f"{name} must be a whole number of 1 or more, got {v!r}."))
        if self.min_days_between_visits < 0 or self.travel_buffer_min < 0:
            problems.append(Problem("plan settings", "minimum days between visits and the travel buffer must be "
                                                     "0 or more."))
        if self.session_minutes >= 24 * 60:
            problems.append(Problem("plan settings", "a session must be shorter than a day."))
        if not self.weekdays:
            problems.append(Problem("plan settings", "no weekday is allowed for sessions.",
                                    fix="Tick at least one day of the week."))
        for h in self.school_holidays:
            if h.end < h.start:
                problems.append(Problem("school holidays", f"'{h.name}' ends ({h.end}) before it starts ({h.start}).",
                                        fix="Swap the dates."))
        try:
            for s in self.slot_starts:
                parse_hhmm(s)
        except ValueError as exc:
            problems.append(Problem("plan settings", str(exc), fix="Write slot times as HH:MM, e.g. 10:00."))
        for kind, text in self.default_hours.items():
            if parse_opening_hours(text) is None:
                problems.append(Problem("default opening hours", f"the pattern {text!r} for {kind!r} cannot be read.",
                                        fix="Use the form 'Mo-Fr 09:00-17:00; Sa 09:00-12:00'."))
        if problems:
            raise DataError(problems)


def rules_to_dict(rules: PlanRules) -> dict[str, Any]:
    """JSON-ready settings (saved with the plan)."""
    d = asdict(rules)
    d["start"] = rules.start.isoformat()
    d["weekdays"] = sorted(rules.weekdays)
    d["blackout"] = sorted(x.isoformat() for x in rules.blackout)
    d["school_holidays"] = [{"start": h.start.isoformat(), "end": h.end.isoformat(), "name": h.name}
                            for h in rules.school_holidays]
    d["slot_starts"] = list(rules.slot_starts)
    d["kinds"] = list(rules.kinds)
    d["default_hours"] = dict(rules.default_hours)
    return d


def rules_from_dict(d: Mapping[str, Any]) -> PlanRules:
    d = dict(d)
    d["start"] = _d(d["start"])
    d["weekdays"] = frozenset(int(x) for x in d.get("weekdays", range(5)))
    d["blackout"] = frozenset(_d(x) for x in d.get("blackout", ()))
    d["school_holidays"] = tuple(SchoolHoliday(_d(h["start"]), _d(h["end"]), h.get("name", "School holiday"))
                                 for h in d.get("school_holidays", ()))
    d["slot_starts"] = tuple(d.get("slot_starts", ("10:00", "13:30")))
    d["kinds"] = tuple(d.get("kinds", DEFAULT_KINDS))
    known = set(PlanRules.__dataclass_fields__)
    return PlanRules(**{k: v for k, v in d.items() if k in known})


# --------------------------------------------------------------------------------------------------
# Opening hours per venue


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
            out.append(VenueHours(tuple(() for _ in range(7)), False, "closed"))
            continue
        week = parse_opening_hours(None if pd.isna(text) else str(text))
        if week is not None:
            out.append(VenueHours(week, False, str(text)))
            continue
        pattern = defaults.get(str(kind), fallback) if pd.notna(kind) else fallback
        parsed = parse_opening_hours(pattern)
        if parsed is None:
            raise DataError(Problem("default opening hours", f"the pattern {pattern!r} for {kind!r} cannot be read.",
                                    fix="Use the form 'Mo-Fr 09:00-17:00; Sa 09:00-12:00'."))
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


# --------------------------------------------------------------------------------------------------
# Venue to gap: minutes, bus links, the reasons


def _bool(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _known_false(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    s = frame[col].astype("boolean")
    return (s.notna() & ~s.fillna(True)).to_numpy(dtype=bool)


def walk_minutes(venues_xy: np.ndarray, points_xy: np.ndarray, *, graph: RoadGraph | None = None,
                 walk_m_per_min: float = WALK_M_PER_MIN,
                 detour_factor: float = DETOUR_FACTOR) -> tuple[np.ndarray, np.ndarray]:
    """(venues × points) walking minutes along the road network, and where that was not possible (no
    network, or the two are not joined by it) straight-line × `detour_factor`, flagged as an estimate."""
    nv, npnt = len(venues_xy), len(points_xy)
    metres = np.full((nv, npnt), np.inf)
    if graph is not None and not graph.empty and nv and npnt:
        psnap = snap_points(graph, points_xy)
        vsnap = snap_points(graph, venues_xy)
        for i in range(nv):
            one = type(vsnap)(vsnap.edge[i:i + 1], vsnap.along_m[i:i + 1], vsnap.offset_m[i:i + 1])
            field_m = distance_from(graph, one)
            metres[i] = values_at(graph, field_m, psnap, sources=one)
    estimate = ~np.isfinite(metres)
    if estimate.any() and nv and npnt:
        straight = np.hypot(venues_xy[:, None, 0] - points_xy[None, :, 0], venues_xy[:, None, 1] - points_xy[None, :, 1])
        metres = np.where(estimate, detour_factor * straight, metres)
    return metres / walk_m_per_min, estimate


def _route_sets(stops: gpd.GeoDataFrame | None) -> list[set[str]]:
    if stops is None or len(stops) == 0 or "route_ids" not in stops.columns:
        return []
    out = []
    for text in stops["route_ids"].astype("string").fillna(""):
        out.append({t.strip() for t in str(text).replace(";", ",").replace("|", ",").split(",") if t.strip()})
    return out


def routes_near(points_xy: np.ndarray, stops: gpd.GeoDataFrame | None, *,
                radius_m: float = BUS_STOP_WALK_M) -> list[set[str]]:
    """Bus route ids with a stop within `radius_m` (straight line) of each point."""
    sets = _route_sets(stops)
    out: list[set[str]] = [set() for _ in range(len(points_xy))]
    if not sets or len(points_xy) == 0:
        return out
    tree = cKDTree(geometry_xy(stops))
    for i, hits in enumerate(tree.query_ball_point(points_xy, radius_m)):
        for j in hits:
            out[i] |= sets[j]
    return out


#: Minutes of walking a venue attribute is worth when ranking venues for a gap (a readable rule).
ATTRIBUTE_BONUS_MIN: dict[str, float] = {"bus": 5.0, "step_free": 3.0, "childcare": 3.0, "wifi": 2.0,
                                         "toilets": 2.0, "quiet_room": 1.0, "free": 1.0}
ATTRIBUTE_WORDS: dict[str, str] = {"step_free": "step-free", "childcare": "childcare", "wifi": "wi-fi",
                                   "toilets": "toilets", "quiet_room": "quiet room", "free": "free to use"}


def venue_attributes(venues: pd.DataFrame) -> dict[str, np.ndarray]:
    attrs = {k: _bool(venues, k) for k in ("step_free", "childcare", "wifi", "toilets", "quiet_room")}
    cost = (pd.to_numeric(venues["cost_per_hour"], errors="coerce").to_numpy(dtype="float64")
            if "cost_per_hour" in venues.columns else np.full(len(venues), np.nan))
    attrs["free"] = np.nan_to_num(cost, nan=-1.0) == 0.0
    kinds = venues["kind"].astype(str).to_numpy() if "kind" in venues.columns else np.full(len(venues), "")
    attrs["childcare"] = attrs["childcare"] | (kinds == "childrens_centre")
    return attrs


def gaps_with_points(gaps: pd.DataFrame, reach_lsoas: pd.DataFrame) -> pd.DataFrame:
    """`gap_table` rows plus x, y: each LSOA's population-weighted point (from `ReachResult.lsoas`)."""
    pts = reach_lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")[["origin_x", "origin_y"]]
    out = gaps.copy()
    out["x"] = out["lsoa_code"].map(pts["origin_x"]).astype("float64")
    out["y"] = out["lsoa_code"].map(pts["origin_y"]).astype("float64")
    return out


def candidate_venues(gaps: pd.DataFrame, venues: gpd.GeoDataFrame, *, graph: RoadGraph | None = None,
                     bus_stops: gpd.GeoDataFrame | None = None, top_gaps: int = 8, max_minutes: float = 25.0,
                     venues_per_gap: int = 3, kinds: Iterable[str] | None = DEFAULT_KINDS,
                     walk_m_per_min: float = WALK_M_PER_MIN, detour_factor: float = DETOUR_FACTOR) -> pd.DataFrame:
    """For each of the top gaps (positive score, rank order) the best venues to hold its sessions.

    `gaps` is `gaps_with_points(gap_table(...), reach.lsoas)`. Columns: rank, lsoa_code, area, score,
    gap_reason, choice (1 = best), venue (row position in `venues`), venue_id, minutes, estimate,
    bus_routes, in_range, why.
    """
    cols = ["rank", "lsoa_code", "area", "score", "gap_reason", "choice", "venue", "venue_id", "minutes",
            "estimate", "bus_routes", "in_range", "why"]
    if not {"x", "y", "score", "lsoa_code"} <= set(gaps.columns):
        raise ValueError("gaps needs lsoa_code, score, x and y (use gaps_with_points)")
    top = gaps[pd.to_numeric(gaps["score"], errors="coerce").fillna(0) > 0]
    top = top.dropna(subset=["x", "y"]).sort_values("score", ascending=False, kind="stable").head(top_gaps)
    usable = ~_bool(venues, "closed")
    if kinds is not None:
        usable &= venues["kind"].astype(str).isin(list(kinds)).to_numpy()
    vidx = np.flatnonzero(usable)
    if len(top) == 0 or vidx.size == 0:
        return pd.DataFrame({c: [] for c in cols})
    vxy = geometry_xy(venues)[vidx]
    gxy = top[["x", "y"]].to_numpy(dtype="float64")
    minutes, est = walk_minutes(vxy, gxy, graph=graph, walk_m_per_min=walk_m_per_min, detour_factor=detour_factor)
    v_routes = routes_near(vxy, bus_stops)
    g_routes = routes_near(gxy, bus_stops)
    attrs = {k: v[vidx] for k, v in venue_attributes(venues).items()}
    bonus_attr = sum(ATTRIBUTE_BONUS_MIN[k] * attrs[k] for k in ATTRIBUTE_WORDS)
    ids = venues["venue_id"].astype(str).to_numpy()
    rows = []
    for j, g in enumerate(top.itertuples(index=False)):
        shared = [sorted(v_routes[i] & g_routes[j]) for i in range(vidx.size)]
        bus = np.array([bool(s) for s in shared])
        cost = minutes[:, j] - bonus_attr - ATTRIBUTE_BONUS_MIN["bus"] * bus
        in_range = minutes[:, j] <= max_minutes
        pick = np.flatnonzero(in_range)
        if pick.size:
            pick = pick[np.lexsort((ids[vidx[pick]], minutes[pick, j], cost[pick]))][:venues_per_gap]
        else:  # nothing in range: the nearest two, nearest first
            pick = np.lexsort((ids[vidx], minutes[:, j]))[:min(2, venues_per_gap)]
        area = getattr(g, "lsoa_name", None) or g.lsoa_code
        for choice, i in enumerate(pick, start=1):
            m, e = float(minutes[i, j]), bool(est[i, j])
            parts = [f"{m:.0f} min walk from {area}" + (" (straight-line estimate)" if e else " by road")]
            if not in_range[i]:
                parts[0] += f": the nearest venue, beyond the {max_minutes:g}-minute limit"
            have = [w for k, w in ATTRIBUTE_WORDS.items() if attrs[k][i]]
            if have:
                parts.append(", ".join(have))
            missing = [w for k, w in ATTRIBUTE_WORDS.items()
                       if k in ("step_free", "wifi") and _known_false(venues.iloc[[vidx[i]]], k)[0]]
            if missing:
                parts.append("no " + " or ".join(missing))
            if shared[i]:
                parts.append(f"on bus route{'s' if len(shared[i]) > 1 else ''} {', '.join(shared[i])}, "
                             "which also stop" + ("" if len(shared[i]) > 1 else "s") + " near the area")
            elif v_routes[i]:
                parts.append(f"near bus route{'s' if len(v_routes[i]) > 1 else ''} {', '.join(sorted(v_routes[i]))}")
            rows.append({"rank": int(getattr(g, "rank", j + 1)), "lsoa_code": str(g.lsoa_code), "area": str(area),
                         "score": float(g.score), "gap_reason": str(getattr(g, "reason", "")), "choice": choice,
                         "venue": int(vidx[i]), "venue_id": ids[vidx[i]], "minutes": m, "estimate": e,
                         "bus_routes": ", ".join(shared[i]), "in_range": bool(in_range[i]),
                         "why": "; ".join(parts)})
    return pd.DataFrame(rows, columns=cols)


def allocate(scores: Sequence[float], total: int, *, cap: Sequence[int] | None = None) -> list[int]:
    """Split `total` sessions between gaps in proportion to their `scores`: one each first (neediest
    first while `total` allows), then one at a time to the gap with the highest score per session it
    would have (the D'Hondt rule), never above `cap`."""
    s = np.maximum(np.asarray(scores, dtype="float64"), 0.0)
    n = s.size
    out = np.zeros(n, dtype="int64")
    if n == 0 or total <= 0:
        return [0] * n
    cap_arr = np.full(n, total, dtype="int64") if cap is None else np.asarray(cap, dtype="int64")
    order = np.argsort(-s, kind="stable")
    left = int(total)
    for i in order:
        if left and cap_arr[i] > 0:
            out[i] = 1
            left -= 1
    while left > 0:
        room = out < cap_arr
        if not room.any():
            break
        quot = np.where(room, (s + 1e-12) / (out + 1), -1.0)
        out[int(np.argmax(quot))] += 1
        left -= 1
    return [int(x) for x in out]


# --------------------------------------------------------------------------------------------------
# The plan


SESSION_COLUMNS: tuple[str, ...] = (
    "session_id", "status", "date", "start", "end", "worker", "family", "venue_id", "venue", "kind", "address",
    "contact", "lsoa_code", "area", "gap_rank", "serves", "why", "minutes", "estimate", "hours", "hours_assumed",
    "x", "y")


@dataclass(frozen=True)
class PopupPlan:
    """`sessions`: one row per session (SESSION_COLUMNS; date as datetime.date, start/end "HH:MM").
    `by_gap`: per gap, its share of the sessions (target) and what could be placed. `notes`:
    assumptions and anything that could not be done, in words."""

    sessions: pd.DataFrame
    by_gap: pd.DataFrame
    notes: list[str]
    rules: PlanRules


def _contact(row: Mapping[str, Any]) -> str:
    bits = []
    for col in ("contact", "phone", "email"):
        v = row.get(col)
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA and str(v).strip():
            bits.append(str(v).strip())
    return "; ".join(bits)


def _hours_words(vh: VenueHours, kind: str) -> str:
    if vh.assumed:
        return f"{vh.text} (assumed: {VENUE_KINDS.get(kind, kind).lower()} default)"
    return vh.text


def _worker_free(booked: list[tuple[int, int]], start: int, end: int, buffer: int) -> bool:
    return all(end + buffer <= a or b + buffer <= start for a, b in booked)


def propose_plan(gaps: pd.DataFrame, venues: gpd.GeoDataFrame, rules: PlanRules, *,
                 graph: RoadGraph | None = None, bus_stops: gpd.GeoDataFrame | None = None,
                 candidates: pd.DataFrame | None = None) -> PopupPlan:
    """Propose sessions over `rules`' period (see the module notes). `gaps` as for `candidate_venues`;
    `candidates` may pass its result when already computed."""
    rules.check()
    if candidates is None:
        candidates = candidate_venues(gaps, venues, graph=graph, bus_stops=bus_stops, top_gaps=rules.top_gaps,
                                      max_minutes=rules.max_minutes, venues_per_gap=rules.venues_per_gap,
                                      kinds=rules.kinds)
    notes: list[str] = []
    days = [rules.start + dt.timedelta(days=i) for i in range(7 * rules.weeks)]
    open_days = [d for d in days if d.weekday() in rules.weekdays and d not in rules.blackout]
    n_black = sum(1 for d in days if d in rules.blackout and d.weekday() in rules.weekdays)
    if n_black:
        notes.append(f"{n_black} blackout day{'s' if n_black != 1 else ''} left free.")
    hol_days = [d for d in open_days if rules.in_school_holiday(d)]
    if hol_days:
        names = sorted({rules.in_school_holiday(d).name for d in hol_days})
        if rules.ordinary_in_school_holidays:
            notes.append(f"School holidays in the period ({', '.join(names)}): ordinary sessions are allowed in them.")
        elif rules.family_in_school_holidays:
            notes.append(f"School holidays in the period ({', '.join(names)}): only family sessions with childcare "
                         "are planned in them (momentum drops over the holidays).")
        else:
            notes.append(f"School holidays in the period ({', '.join(names)}): no sessions planned in them.")
    hours = venue_hours(venues, default_hours=rules.default_hours)
    attrs = venue_attributes(venues)
    slot_pref = [parse_hhmm(s) for s in rules.slot_starts]
    length = int(rules.session_minutes)

    gap_rows = candidates.drop_duplicates("lsoa_code")[["rank", "lsoa_code", "area", "score", "gap_reason"]] \
        if len(candidates) else pd.DataFrame(columns=["rank", "lsoa_code", "area", "score", "gap_reason"])
    gap_rows = gap_rows.reset_index(drop=True)
    total = rules.capacity_per_week * rules.weeks
    # a gap cannot usefully take more than its venues can host with the repeat-visit gap
    per_venue = 7 * rules.weeks // max(rules.min_days_between_visits, 1) + 1
    cap = [int(per_venue * (candidates["lsoa_code"] == c).sum()) for c in gap_rows["lsoa_code"]]
    target = allocate(gap_rows["score"].to_numpy(dtype="float64"), total, cap=cap)
    if len(gap_rows) == 0:
        notes.append("No gap with a positive score and a venue of the chosen kinds: nothing to plan.")

    # state
    venue_dates: dict[int, list[dt.date]] = {}
    worker_day: dict[tuple[int, dt.date], list[tuple[int, int]]] = {}
    week_count: dict[int, int] = {}
    placed: list[dict[str, Any]] = []
    span_days = len(days)

    cand_by_gap = {c: list(candidates[candidates["lsoa_code"] == c].sort_values("choice").itertuples(index=False))
                   for c in gap_rows["lsoa_code"]}
    venue_rows = venues.reset_index(drop=True)
    gap_dates: dict[int, list[dt.date]] = {j: [] for j in range(len(gap_rows))}

    def place(j: int, cost_of) -> bool:
        """Book the cheapest allowed (venue, day, start, worker) for gap j; False when none is allowed."""
        g = gap_rows.iloc[j]
        best = None
        for cand in cand_by_gap[g["lsoa_code"]]:
            v = int(cand.venue)
            for d in open_days:
                cost = cost_of(d, cand)
                if best is not None and cost >= best[0]:
                    continue
                if week_count.get((d - rules.start).days // 7, 0) >= rules.capacity_per_week:
                    continue
                family = False
                if rules.in_school_holiday(d) is not None and not rules.ordinary_in_school_holidays:
                    if not (rules.family_in_school_holidays and attrs["childcare"][v]):
                        continue
                    family = True
                if any(abs((d - o).days) < rules.min_days_between_visits for o in venue_dates.get(v, ())):
                    continue
                for s in slot_options(hours[v].week, d, length_min=length, slot_starts=slot_pref):
                    worker = next((w for w in range(1, rules.workers + 1)
                                   if len(worker_day.get((w, d), ())) < rules.max_sessions_per_worker_day
                                   and _worker_free(worker_day.get((w, d), []), s, s + length,
                                                    rules.travel_buffer_min)), None)
                    if worker is not None:
                        best = (cost, d, s, worker, v, cand, family)
                        break
        if best is None:
            return False
        _, d, s, worker, v, cand, family = best
        venue_dates.setdefault(v, []).append(d)
        worker_day.setdefault((worker, d), []).append((s, s + length))
        week_count[(d - rules.start).days // 7] = week_count.get((d - rules.start).days // 7, 0) + 1
        gap_dates[j].append(d)
        row = venue_rows.iloc[v]
        kind = str(row.get("kind"))
        why = cand.why + ("; opening hours assumed (" + hours[v].text + ", the " + VENUE_KINDS.get(kind, kind).lower()
                          + " default)" if hours[v].assumed else "")
        if not cand.in_range:
            why += "; no venue within reach: consider a van stop in the area"
        if family:
            why += "; family session with childcare in the school holiday"
        placed.append({
            "status": "proposed", "date": d, "start": fmt_hhmm(s), "end": fmt_hhmm(s + length), "worker": worker,
            "family": family, "venue_id": str(row["venue_id"]), "venue": str(row["name"]), "kind": kind,
            "address": "" if pd.isna(row.get("address")) else str(row.get("address")),
            "contact": _contact(row), "lsoa_code": str(g["lsoa_code"]), "area": str(g["area"]),
            "gap_rank": int(g["rank"]), "serves": f"Gap #{int(g['rank'])}: {g['area']} ({g['gap_reason']})",
            "why": why, "minutes": round(float(cand.minutes), 1), "estimate": bool(cand.estimate),
            "hours": _hours_words(hours[v], kind), "hours_assumed": bool(hours[v].assumed),
            "x": float(row.geometry.x), "y": float(row.geometry.y)})
        return True

    # Pass 1: each gap's share, spread evenly over the period (round robin, neediest first); the same
    # weekday as the gap's last session is preferred, so a regular slot forms where it can.
    unplaced: dict[int, int] = {}
    for k in range(max(target, default=0)):
        for j in range(len(gap_rows)):
            if k >= target[j]:
                continue
            want = rules.start + dt.timedelta(days=int((k + 0.5) * span_days / target[j]))
            last = gap_dates[j][-1] if gap_dates[j] else None

            def cost_even(d: dt.date, cand, want=want, last=last) -> float:
                regular = 0.5 if last is not None and d.weekday() == last.weekday() else 0.0
                return abs((d - want).days) + 3.0 * (cand.choice - 1) - regular

            if not place(j, cost_even):
                unplaced[j] = unplaced.get(j, 0) + 1

    # Pass 2: capacity a gap could not use goes to the others, still in proportion to need (D'Hondt),
    # each extra session on the day furthest from that gap's other sessions.
    any_childcare = bool(len(candidates)) and bool(attrs["childcare"][candidates["venue"].to_numpy(dtype=int)].any())
    usable_days = [d for d in open_days if rules.ordinary_in_school_holidays or rules.in_school_holiday(d) is None
                   or (rules.family_in_school_holidays and any_childcare)]
    capacity = sum(min(rules.capacity_per_week, sum(1 for d in usable_days if (d - rules.start).days // 7 == w))
                   for w in range(rules.weeks))
    full: set[int] = {j for j in unplaced}
    extra = 0
    while len(placed) < min(total, capacity) and len(full) < len(gap_rows):
        live = [j for j in range(len(gap_rows)) if j not in full]
        j = max(live, key=lambda i: (float(gap_rows.iloc[i]["score"]) / (len(gap_dates[i]) + 1), -i))
        mine = list(gap_dates[j])

        def cost_spread(d: dt.date, cand, mine=mine) -> float:
            gap = min((abs((d - o).days) for o in mine), default=span_days)
            return -gap + 3.0 * (cand.choice - 1) + (d - rules.start).days / 1000.0

        if place(j, cost_spread):
            extra += 1
        else:
            full.add(j)

    sessions = pd.DataFrame(placed, columns=[c for c in SESSION_COLUMNS if c != "session_id"])
    sessions = sessions.sort_values(["date", "start", "worker", "venue_id"], kind="stable").reset_index(drop=True)
    sessions.insert(0, "session_id", [f"S{i + 1:03d}" for i in range(len(sessions))])
    by_gap = gap_rows.assign(target=target)
    by_gap["planned"] = [int((sessions["lsoa_code"] == c).sum()) for c in by_gap["lsoa_code"]]
    by_gap["venues"] = [", ".join(sorted(set(sessions.loc[sessions["lsoa_code"] == c, "venue"])))
                        for c in by_gap["lsoa_code"]]
    if unplaced:
        notes.append("Fewer sessions than their share of need, because no more fit the rules (opening hours, "
                     "blackout dates, school holidays, days between visits, capacity): "
                     + ", ".join(f"{by_gap.iloc[j]['area']} {by_gap.iloc[j]['planned']} of {target[j]}"
                                 for j in sorted(unplaced))
                     + (f". The spare capacity went to the next neediest areas ({extra} more session"
                        f"{'s' if extra != 1 else ''})." if extra else ".")
                     + " Add venues, allow more days, or shorten the days between visits.")
    if hol_days and not rules.ordinary_in_school_holidays and rules.family_in_school_holidays and not any_childcare:
        notes.append("No venue near the top gaps records childcare, so no family sessions could go in the school "
                     "holidays: mark a venue's childcare, or allow ordinary sessions in the holidays.")
    if len(placed) < min(total, capacity):
        notes.append(f"{len(placed)} of the {min(total, capacity)} sessions the team could hold on the days allowed "
                     "are planned.")
    n_assumed = int(sessions["hours_assumed"].sum()) if len(sessions) else 0
    if n_assumed:
        notes.append(f"{n_assumed} of {len(sessions)} sessions rest on assumed opening hours (the default pattern "
                     "for the venue's kind): confirm with the venue before booking.")
    if len(sessions) and sessions["estimate"].any():
        notes.append("Walking minutes marked 'straight-line estimate' are straight-line distance × "
                     f"{DETOUR_FACTOR:g} at {WALK_M_PER_MIN:g} m a minute (no road network joins the two).")
    return PopupPlan(sessions=sessions, by_gap=by_gap, notes=notes, rules=rules)


# --------------------------------------------------------------------------------------------------
# Checking a plan (after accept / move / drop)


def _as_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return pd.Timestamp(v).date()


def normalise_sessions(sessions: pd.DataFrame) -> pd.DataFrame:
    """A copy with date as datetime.date, start/end as "HH:MM", status/family/worker filled in."""
    out = sessions.copy()
    if len(out) == 0:
        return out
    out["date"] = [_as_date(v) for v in out["date"]]
    for col in ("start", "end"):
        out[col] = [fmt_hhmm(parse_hhmm(v.strftime("%H:%M") if isinstance(v, dt.time) else str(v))) for v in out[col]]
    out["status"] = out.get("status", pd.Series("proposed", index=out.index)).fillna("proposed").astype(str)
    out["family"] = out.get("family", pd.Series(False, index=out.index)).astype("boolean").fillna(False).astype(bool)
    out["worker"] = pd.to_numeric(out.get("worker", 1), errors="coerce").fillna(1).astype(int)
    return out


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
    for r in s.itertuples(index=False):
        sid, d = str(r.session_id), r.date
        a, b = parse_hhmm(r.start), parse_hhmm(r.end)
        if b <= a:
            rows.append((sid, f"ends ({r.end}) before it starts ({r.start})."))
        if not rules.start <= d <= rules.end:
            rows.append((sid, f"{d:%a %d %b %Y} is outside the plan period ({rules.start:%d %b} to {rules.end:%d %b %Y})."))
        if d in rules.blackout:
            rows.append((sid, f"{d:%a %d %b %Y} is a blackout date."))
        hol = rules.in_school_holiday(d)
        if hol is not None and not rules.ordinary_in_school_holidays and not r.family:
            rows.append((sid, f"{d:%a %d %b} falls in {hol.name}: only family sessions with childcare are planned in "
                              "school holidays."))
        if hol is not None and r.family and not rules.family_in_school_holidays and not rules.ordinary_in_school_holidays:
            rows.append((sid, f"{d:%a %d %b} falls in {hol.name}, and no sessions are planned in school holidays."))
        v = pos.get(str(r.venue_id))
        if v is None:
            rows.append((sid, f"venue {r.venue_id} is not in the workspace's venues."))
            continue
        if hours[v].text == "closed":
            rows.append((sid, f"{r.venue} is marked closed."))
        elif not open_for(hours[v].week, d, a, b):
            rows.append((sid, f"{r.venue} is not open {r.start}-{r.end} on {d:%a %d %b} "
                              f"(hours: {hours[v].text}{', assumed' if hours[v].assumed else ''})."))
        if r.family and not childcare[v]:
            rows.append((sid, f"family session at {r.venue}, which has no childcare recorded."))
    for vid, grp in s.groupby("venue_id"):
        ds = sorted(zip(grp["date"], grp["session_id"]))
        for (d1, s1), (d2, s2) in zip(ds, ds[1:]):
            if (d2 - d1).days < rules.min_days_between_visits:
                msg = (f"only {(d2 - d1).days} day(s) after {s1} at the same venue "
                       f"(at least {rules.min_days_between_visits} wanted).")
                rows.append((str(s2), msg))
    for (w, d), grp in s.groupby(["worker", "date"]):
        spans = sorted((parse_hhmm(a), parse_hhmm(b), sid) for a, b, sid in zip(grp["start"], grp["end"], grp["session_id"]))
        for (a1, b1, s1), (a2, b2, s2) in zip(spans, spans[1:]):
            if a2 < b1 + rules.travel_buffer_min:
                rows.append((str(s2), f"worker {w} is still at {s1} (until {fmt_hhmm(b1)}, plus "
                                      f"{rules.travel_buffer_min} min to travel)."))
    return pd.DataFrame(rows, columns=["session_id", "problem"]).drop_duplicates().reset_index(drop=True)


def move_session(sessions: pd.DataFrame, session_id: str, *, date: dt.date | None = None,
                 start: str | None = None, length_min: int | None = None) -> pd.DataFrame:
    """A copy with one session moved (new date and/or start; the end keeps the length)."""
    out = normalise_sessions(sessions)
    hit = out["session_id"] == session_id
    if not hit.any():
        raise DataError(Problem("pop-up plan", f"has no session {session_id!r}."))
    i = out.index[hit][0]
    a, b = parse_hhmm(out.at[i, "start"]), parse_hhmm(out.at[i, "end"])
    length = length_min if length_min is not None else b - a
    if date is not None:
        out.at[i, "date"] = date
    if start is not None:
        out.at[i, "start"] = fmt_hhmm(parse_hhmm(start))
        out.at[i, "end"] = fmt_hhmm(parse_hhmm(start) + length)
    return out


# --------------------------------------------------------------------------------------------------
# Saving and exports (pure: return payloads, bytes and text)


def plan_payload(sessions: pd.DataFrame, rules: PlanRules, *, notes: Sequence[str] = ()) -> dict[str, Any]:
    s = normalise_sessions(sessions)
    records = []
    for rec in s.to_dict("records"):
        out = {}
        for k, v in rec.items():
            if isinstance(v, dt.date):
                v = v.isoformat()
            elif isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.floating,)):
                v = float(v)
            elif isinstance(v, (np.bool_,)):
                v = bool(v)
            elif v is pd.NA:
                v = None
            out[k] = v
        records.append(out)
    return {"rules": rules_to_dict(rules), "sessions": records, "notes": list(notes)}


def plan_from_payload(payload: Mapping[str, Any]) -> tuple[pd.DataFrame, PlanRules]:
    rules = rules_from_dict(payload["rules"])
    sessions = pd.DataFrame(payload.get("sessions", []))
    if len(sessions) == 0:
        sessions = pd.DataFrame(columns=list(SESSION_COLUMNS))
    else:
        sessions = normalise_sessions(sessions)
    return sessions, rules


CSV_COLUMNS: tuple[str, ...] = ("session_id", "status", "date", "start", "end", "worker", "family", "venue",
                                "address", "contact", "area", "lsoa_code", "serves", "why", "hours")


def sessions_csv(sessions: pd.DataFrame) -> bytes:
    """The sessions as CSV (UTF-8 with BOM so Excel opens it cleanly), dropped ones left out."""
    s = normalise_sessions(sessions)
    if len(s):
        s = s[s["status"] != "dropped"]
    cols = [c for c in CSV_COLUMNS if c in s.columns]
    buf = _io.StringIO()
    s[cols].to_csv(buf, index=False, date_format="%Y-%m-%d")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


BRING_ALWAYS: tuple[str, ...] = ("Laptop and phone, charged", "Leaflets and sign-up forms",
                                 "Pull-up banner", "Eligibility checklist and consent forms")


def what_to_bring(row: Mapping[str, Any], venue: Mapping[str, Any] | None = None, *,
                  always: Sequence[str] = BRING_ALWAYS) -> list[str]:
    items = list(always)
    venue = venue or {}
    wifi = venue.get("wifi")
    if not (wifi is True or (wifi is not None and wifi is not pd.NA and bool(wifi) is True)):
        items.append("Mobile wi-fi hotspot (no wi-fi recorded at the venue)")
    if row.get("family"):
        items.append("Children's activity pack; confirm childcare staff and the sign-in sheet")
    if str(row.get("kind", "")) == "van":
        items.append("Van kit: urn, cups, gazebo, table and chairs")
    cost = venue.get("cost_per_hour")
    if cost is not None and cost is not pd.NA and not (isinstance(cost, float) and np.isnan(cost)) and float(cost) > 0:
        items.append(f"Room hire: £{float(cost):,.2f} an hour (booking reference)")
    return items


_SHEET_CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#0b0c0c;margin:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:24px 0 6px;border-bottom:2px solid #0b0c0c}
table{border-collapse:collapse;width:100%;margin:6px 0 12px} th,td{border:1px solid #b1b4b6;padding:6px;
vertical-align:top;text-align:left} th{background:#f3f2f1} .note{color:#505a5f;font-size:12px}
ul{margin:0;padding-left:18px} .day{page-break-after:always;break-after:page} .day:last-child{page-break-after:auto}
@media print{body{margin:10mm} .noprint{display:none} a{color:inherit;text-decoration:none}}
"""


def _route_table(route: pd.DataFrame, title: str) -> str:
    esc = html.escape
    rows = [f"<h3>{esc(title)}</h3><table><tr><th>#</th><th>Stop</th><th>Arrive</th><th>Start</th><th>Leave</th>"
            "<th>Travel</th></tr>"]
    for r in route.to_dict("records"):
        est = " (estimate)" if r.get("estimate") else ""
        rows.append(f"<tr><td>{esc(str(r.get('seq', '')))}</td><td>{esc(str(r.get('name', '')))}</td>"
                    f"<td>{esc(str(r.get('arrive', '')))}</td><td>{esc(str(r.get('start', '')))}</td>"
                    f"<td>{esc(str(r.get('depart', '')))}</td><td>{esc(str(r.get('travel_min', '')))} min{est}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def run_sheet_html(sessions: pd.DataFrame, venues: pd.DataFrame | None = None, *, title: str = "Pop-up sessions",
                   routes: Mapping[Any, pd.DataFrame] | None = None, attribution: str = "") -> str:
    """A printable run sheet: one page per day (venue, address, times, contact, what to bring), with
    the day's route where one was worked out: `routes[(date, worker)]` (or `routes[date]`) is a
    `geo.plan.routes` schedule table."""
    s = normalise_sessions(sessions)
    if len(s):
        s = s[s["status"] != "dropped"].sort_values(["date", "worker", "start"], kind="stable")
    routes = dict(routes or {})
    vinfo: dict[str, dict[str, Any]] = {}
    if venues is not None and len(venues):
        for rec in pd.DataFrame(venues.drop(columns="geometry", errors="ignore")).to_dict("records"):
            vinfo[str(rec.get("venue_id"))] = rec
    esc = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
             f"<style>{_SHEET_CSS}</style></head><body>",
             f"<h1>{esc(title)}</h1><p class='note noprint'>Print this page (Ctrl+P): each day starts on a new sheet.</p>"]
    if len(s) == 0:
        parts.append("<p>No sessions.</p>")
    cols = ("<colgroup><col style='width:9%'><col style='width:21%'><col style='width:14%'><col style='width:34%'>"
            "<col style='width:22%'></colgroup>")
    for d, day in s.groupby("date", sort=True):
        parts.append(f"<section class='day'><h2>{d:%A %d %B %Y}</h2>")
        for w, rows in day.groupby("worker", sort=True):
            parts.append(f"<h3>Worker {int(w)}</h3><table>{cols}<tr><th>Time</th><th>Venue and address</th>"
                         "<th>Contact</th><th>Serves</th><th>What to bring</th></tr>")
            for r in rows.to_dict("records"):
                bring = what_to_bring(r, vinfo.get(str(r.get("venue_id"))))
                fam = " <b>(family session, childcare)</b>" if r.get("family") else ""
                assumed = "<div class='note'>Opening hours assumed: confirm with the venue.</div>" \
                    if r.get("hours_assumed") else ""
                parts.append(
                    f"<tr><td>{esc(r['start'])}–{esc(r['end'])}</td>"
                    f"<td><b>{esc(str(r.get('venue', '')))}</b>{fam}<br>{esc(str(r.get('address') or 'address not recorded'))}"
                    f"{assumed}</td><td>{esc(str(r.get('contact') or 'not recorded'))}</td>"
                    f"<td>{esc(str(r.get('area', '')))}<div class='note'>{esc(str(r.get('why', '')))}</div></td>"
                    f"<td><ul>{''.join(f'<li>{esc(i)}</li>' for i in bring)}</ul></td></tr>")
            parts.append("</table>")
            route = routes.get((d, int(w)))
            if route is not None and len(route):
                parts.append(_route_table(route, f"Route for worker {int(w)}"))
        route = routes.get(d)
        if route is not None and len(route):
            parts.append(_route_table(route, "Route"))
        parts.append("</section>")
    if attribution:
        parts.append(f"<p class='note'>{esc(attribution)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def sessions_web(sessions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Sessions as points (EPSG:27700) for mapping."""
    s = sessions.reset_index(drop=True)
    return gpd.GeoDataFrame(s, geometry=shapely.points(s[["x", "y"]].to_numpy(dtype="float64")) if len(s)
                            else gpd.GeoSeries([], crs=27700), crs=27700)

