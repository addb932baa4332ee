"""Pop-up sessions: a plan of drop-in sessions at venues that reach the top coverage gaps.

For a period (say the next 6 weeks) and the team's capacity (workers × sessions per worker per
week), `propose_plan` places sessions at venues near the top gaps (`geo.analyse.gaps.gap_table`):

- **Which gaps, how often.** The top `top_gaps` areas with a positive gap score share the period's
  sessions in proportion to their score (largest remainder, at least one each while there are
  enough): frequency follows need.
- **Which venue.** For each gap, venues of the chosen kinds within `max_minutes` walk of the gap's
  population-weighted point (road network where there is one, else straight line × the detour factor of
  the `ReachAssumptions`, labelled an estimate; `geo.plan.popup_venues`), ranked by minutes less a
  bonus for what helps people come (step-free access, childcare, wi-fi, toilets, a quiet room, free to
  use, and a bus route that stops near both the venue and the area). With no venue in range, the nearest
  two are offered and the reason says so.
- **When.** Sessions of a gap are spread evenly over the period; each goes to the day closest to its
  target that keeps every hard rule:
  * the venue is open for the whole session: its structured `opening_hours` where readable, else the
    default pattern for its kind (`geo.analyse.hours.DEFAULT_HOURS`), and the session says it is *assumed*;
  * no session on a blackout date (bank holidays by default, plus any the user adds);
  * at least `min_days_between_visits` days between two sessions at the same venue;
  * school holidays: **ordinary sessions avoid them** by default (advisers saw momentum drop over the
    holidays), while **family sessions with childcare** are planned in them, at venues that offer
    childcare (`childcare` true, or a children's centre). Both are switches (`ordinary_in_school_holidays`,
    `family_in_school_holidays`);
  * a worker holds one session at a time, with `travel_buffer_min` between two on the same day, and
    at most `max_sessions_per_worker_day` a day; the team holds at most its weekly capacity.

The rules are `geo.plan.popup_rules.PlanRules`; `geo.plan.popup_check.check_plan` re-checks any plan
(after the user accepts, moves or drops sessions) against the same rules and lists every problem, and
`geo.plan.popup_draft.SessionPlanDraft` holds a plan while it is edited. All functions are pure: frames
in, new frames out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo.analyse.hours import unreadable_note
from geo.analyse.network import RoadGraph
from geo.assumptions import ReachAssumptions
from geo.model import VENUE_KINDS
from geo.plan.clock import fmt_hhmm, parse_hhmm
from geo.plan.missing import text_or
from geo.plan.popup_check import SESSION_COLUMNS
from geo.plan.popup_rules import PlanRules
from geo.plan.popup_venues import candidate_venues, venue_attributes
from geo.plan.venue_hours import VenueHours, slot_options, venue_hours


def allocate(scores: Sequence[float] | NDArray[np.float64], total: int, *,
             cap: Sequence[int] | None = None) -> list[int]:
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


@dataclass(frozen=True)
class PopupPlan:
    """`sessions`: one row per session (SESSION_COLUMNS; date as datetime.date, start/end "HH:MM").
    `by_gap`: per gap, its share of the sessions (target) and what could be placed. `notes`:
    assumptions and anything that could not be done, in words."""

    sessions: pd.DataFrame
    by_gap: pd.DataFrame
    notes: list[str]
    rules: PlanRules


def _contact(row: Mapping[str, Any] | pd.Series) -> str:
    """The venue's contact, phone and email, where recorded, joined by "; "."""
    return "; ".join(t for t in (text_or(row.get(col)) for col in ("contact", "phone", "email")) if t)


def _hours_words(vh: VenueHours, kind: str) -> str:
    if vh.assumed:
        return f"{vh.text} (assumed: {VENUE_KINDS.get(kind, kind).lower()} default)"
    return vh.text


def _worker_free(booked: list[tuple[int, int]], start: int, end: int, buffer: int) -> bool:
    return all(end + buffer <= a or b + buffer <= start for a, b in booked)


def propose_plan(gaps: pd.DataFrame, venues: gpd.GeoDataFrame, rules: PlanRules, *,
                 assumptions: ReachAssumptions, graph: RoadGraph | None = None,
                 bus_stops: gpd.GeoDataFrame | None = None, candidates: pd.DataFrame | None = None) -> PopupPlan:
    """Propose sessions over `rules`' period (see the module notes). `gaps` as for `candidate_venues`;
    `candidates` may pass its result when already computed. Walking minutes, straight-line estimates and
    "a bus stop near" follow `assumptions`."""
    rules.check()
    if candidates is None:
        candidates = candidate_venues(gaps, venues, assumptions=assumptions, graph=graph, bus_stops=bus_stops,
                                      top_gaps=rules.top_gaps, max_minutes=rules.max_minutes,
                                      venues_per_gap=rules.venues_per_gap, kinds=rules.kinds)
    notes: list[str] = []
    days = [rules.start + dt.timedelta(days=i) for i in range(7 * rules.weeks)]
    open_days = [d for d in days if d.weekday() in rules.weekdays and d not in rules.blackout]
    n_black = sum(1 for d in days if d in rules.blackout and d.weekday() in rules.weekdays)
    if n_black:
        notes.append(f"{n_black} blackout day{'s' if n_black != 1 else ''} left free.")
    hol_days = [d for d in open_days if rules.in_school_holiday(d)]
    if hol_days:
        names = sorted({h.name for d in hol_days if (h := rules.in_school_holiday(d)) is not None})
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
    scores = [float(x) for x in gap_rows["score"]]
    target = allocate(scores, total, cap=cap)
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

    def place(j: int, cost_of: Callable[[dt.date, Any], float]) -> bool:
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
                for s in slot_options(hours[v].hours, d, length_min=length, slot_starts=slot_pref):
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

            def cost_even(d: dt.date, cand: Any, want: dt.date = want, last: dt.date | None = last) -> float:
                regular = 0.5 if last is not None and d.weekday() == last.weekday() else 0.0
                return float(abs((d - want).days) + 3.0 * (cand.choice - 1) - regular)

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
        j = max(live, key=lambda i: (scores[i] / (len(gap_dates[i]) + 1), -i))
        mine = list(gap_dates[j])

        def cost_spread(d: dt.date, cand: Any, mine: list[dt.date] = mine) -> float:
            gap = min((abs((d - o).days) for o in mine), default=span_days)
            return float(-gap + 3.0 * (cand.choice - 1) + (d - rules.start).days / 1000.0)

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
    near = venues.iloc[sorted({int(v) for v in candidates["venue"]})] if len(candidates) else venues.iloc[:0]
    notes.extend(n for n in (unreadable_note(near, default_hours=rules.default_hours),) if n)
    if len(sessions) and sessions["estimate"].any():
        notes.append(f"Walking minutes marked 'straight-line estimate' are {assumptions.estimate_text()} "
                     "(no road network joins the two).")
    return PopupPlan(sessions=sessions, by_gap=by_gap, notes=notes, rules=rules)
