"""What a pop-up plan must respect (`PlanRules`), and its JSON form saved with the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from geo.analyse.hours import DEFAULT_HOURS, parse_opening_hours
from geo.model import DataError, Problem
from geo.plan.blackouts import DEFAULT_SCHOOL_HOLIDAYS, SCHOOL_HOLIDAY, SchoolHoliday
from geo.plan.clock import parse_hhmm

PLAN_KIND = "popups"
STATUSES: tuple[str, ...] = ("proposed", "accepted", "dropped")
DEFAULT_KINDS: tuple[str, ...] = ("library", "community_centre", "childrens_centre", "church_hall", "food_bank",
                                  "supermarket_cafe", "leisure_centre")
DEFAULT_SLOT_STARTS: tuple[str, ...] = ("10:00", "13:30")
WHOLE_NUMBER_SETTINGS: tuple[str, ...] = ("weeks", "workers", "sessions_per_worker_week", "session_minutes",
                                          "max_sessions_per_worker_day", "top_gaps", "venues_per_gap")
HOURS_FIX = "Use the form 'Mo-Fr 09:00-17:00; Sa 09:00-12:00'."


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
    slot_starts: tuple[str, ...] = DEFAULT_SLOT_STARTS
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
        for name in WHOLE_NUMBER_SETTINGS:
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
                                        fix=HOURS_FIX))
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
    out = dict(d)
    out["start"] = dt.date.fromisoformat(out["start"])
    out["weekdays"] = frozenset(int(x) for x in out.get("weekdays", range(5)))
    out["blackout"] = frozenset(dt.date.fromisoformat(x) for x in out.get("blackout", ()))
    out["school_holidays"] = tuple(SchoolHoliday(dt.date.fromisoformat(h["start"]), dt.date.fromisoformat(h["end"]),
                                                 h.get("name", SCHOOL_HOLIDAY))
                                   for h in out.get("school_holidays", ()))
    out["slot_starts"] = tuple(out.get("slot_starts", DEFAULT_SLOT_STARTS))
    out["kinds"] = tuple(out.get("kinds", DEFAULT_KINDS))
    known = set(PlanRules.__dataclass_fields__)
    return PlanRules(**{k: v for k, v in out.items() if k in known})
