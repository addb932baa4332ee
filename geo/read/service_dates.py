"""GTFS service dates (pure): on which dates each service runs, and the date whose trips are counted.

The rules are the GTFS reference's (https://gtfs.org/schedule/reference/): a service of
`calendar.txt` runs on the weekdays its columns mark (1) between its start_date and end_date,
inclusive; `calendar_dates.txt` adds a service on a date (exception_type 1) or removes it (2), and a
feed may use it alone. `default_service_date` picks the date buses per hour are counted for when the
user chooses none: the next ordinary Wednesday inside the feed (not a bank holiday in England, from
the `holidays` package, with some service running).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

from geo.model import DataError, Problem
from geo.read.columns import show_value, to_number
from geo.read.report import FIRST_DATA_ROW


def need_table(tables: Mapping[str, pd.DataFrame], name: str, columns: tuple[str, ...], *, source: str) -> pd.DataFrame:
    """`tables[name]`, DataError when the feed lacks it or one of `columns` (GTFS files are read as text)."""
    if name not in tables:
        raise DataError(Problem(source, f"has no {name}; a GTFS feed needs stops.txt, routes.txt and trips.txt.",
                                fix="Choose the GTFS zip as published by the operator or the Bus Open Data Service."))
    frame = tables[name]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError([Problem(f"{source}/{name}", f"required column is missing (columns found: "
                                                     f"{', '.join(map(str, frame.columns[:20]))}).",
                                 column=c, fix="Check the feed against the GTFS reference.") for c in missing])
    return frame


WEEKDAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_FIX = "Write GTFS dates as YYYYMMDD (20250305 for 5 March 2025), as the GTFS reference does."


def long_date(day: dt.date) -> str:
    """'Wednesday 5 March 2025'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class ServiceCalendar:
    """When each service runs, by the GTFS calendar rules: a service of `calendar.txt` runs on the days
    its weekday columns mark between start_date and end_date (inclusive); `calendar_dates.txt` adds a
    service on a date (exception_type 1) or removes it (2), and may be the only file."""

    weekly: pd.DataFrame  # service_id, start, end (dates), one bool column per weekday
    added: Mapping[dt.date, frozenset[str]]
    removed: Mapping[dt.date, frozenset[str]]
    files: str  # the calendar files, as messages name them

    def services_on(self, day: dt.date) -> frozenset[str]:
        w = self.weekly
        runs = (w["start"] <= day) & (w["end"] >= day) & w[WEEKDAY_COLUMNS[day.weekday()]]
        return ((frozenset(w.loc[runs, "service_id"]) - self.removed.get(day, frozenset()))
                | self.added.get(day, frozenset()))

    def span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last date any service can run (None: the files name no date)."""
        days = [*self.weekly["start"], *self.weekly["end"], *self.added]
        return (min(days), max(days)) if days else None


def _dates(values: pd.Series) -> list[dt.date | None]:
    text = values.astype("string").str.strip()
    ok = text.str.fullmatch(r"\d{8}").fillna(False).to_numpy(dtype=bool)
    stamps = pd.to_datetime(text.where(ok), format="%Y%m%d", errors="coerce")
    return [None if pd.isna(t) else t.date() for t in stamps]


def read_service_calendar(tables: Mapping[str, pd.DataFrame], *, source: str) -> ServiceCalendar | None:
    """The feed's `calendar.txt` and `calendar_dates.txt` (None when it has neither). DataError naming
    file, row, column and fix for every date, weekday flag or exception_type that cannot be read."""
    if "calendar.txt" not in tables and "calendar_dates.txt" not in tables:
        return None
    problems: list[Problem] = []

    def bad(name: str, i: int, column: str, value: object, what: str, fix: str) -> None:
        problems.append(Problem(f"{source}/{name}", f"{show_value(value)} {what}.", row=i + FIRST_DATA_ROW,
                                column=column, fix=fix))

    weekly = pd.DataFrame({"service_id": pd.Series(dtype="string"), "start": pd.Series(dtype=object),
                           "end": pd.Series(dtype=object), **{d: pd.Series(dtype=bool) for d in WEEKDAY_COLUMNS}})
    if "calendar.txt" in tables:
        cal = need_table(tables, "calendar.txt", ("service_id", *WEEKDAY_COLUMNS, "start_date", "end_date"),
                         source=source)
        flags = {}
        for wd in WEEKDAY_COLUMNS:
            num = to_number(cal[wd]).to_numpy(dtype="float64", na_value=np.nan)
            for k in np.flatnonzero(~np.isin(num, (0.0, 1.0))):
                bad("calendar.txt", int(k), wd, cal[wd].iloc[k], "is not 0 or 1",
                    f"Mark each weekday 1 (the service runs on {wd}s) or 0 (it does not).")
            flags[wd] = num == 1.0
        ends = {}
        for col in ("start_date", "end_date"):
            ends[col] = _dates(cal[col])
            for row, d in enumerate(ends[col]):
                if d is None:
                    bad("calendar.txt", row, col, cal[col].iloc[row], "is not a date in the form YYYYMMDD", _DATE_FIX)
        weekly = pd.DataFrame({"service_id": cal["service_id"].astype("string").str.strip().to_numpy(),
                               "start": ends["start_date"], "end": ends["end_date"], **flags})
    added: dict[dt.date, set[str]] = {}
    removed: dict[dt.date, set[str]] = {}
    if "calendar_dates.txt" in tables:
        cd = need_table(tables, "calendar_dates.txt", ("service_id", "date", "exception_type"), source=source)
        days = _dates(cd["date"])
        kind = to_number(cd["exception_type"]).to_numpy(dtype="float64", na_value=np.nan)
        sids = cd["service_id"].astype("string").str.strip()
        for row, (sid, when, how) in enumerate(zip(sids, days, kind)):
            if when is None:
                bad("calendar_dates.txt", row, "date", cd["date"].iloc[row], "is not a date in the form YYYYMMDD",
                    _DATE_FIX)
            if how not in (1.0, 2.0):
                bad("calendar_dates.txt", row, "exception_type", cd["exception_type"].iloc[row],
                    "is not 1 (added) or 2 (removed)",
                    "Give 1 where the service runs on that date and 2 where it does not.")
            elif when is not None and not pd.isna(sid):
                (added if how == 1.0 else removed).setdefault(when, set()).add(str(sid))
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.source, p.row or 0)))
    files = " and ".join(n for n in ("calendar.txt", "calendar_dates.txt") if n in tables)
    return ServiceCalendar(weekly, {d: frozenset(v) for d, v in added.items()},
                           {d: frozenset(v) for d, v in removed.items()}, f"{source}/{files}")


def _every(start: dt.date, end: dt.date, step: int) -> Iterator[dt.date]:
    day = start
    while (day <= end) if step > 0 else (day >= end):
        yield day
        day += dt.timedelta(days=step)


def default_service_date(calendar: ServiceCalendar, *, today: dt.date) -> tuple[dt.date, str]:
    """The date whose trips are counted when none is chosen, and why it, in words: the next ordinary
    Wednesday inside the feed (not a bank holiday in England, with some service running), on or after
    `today`; once the feed has ended (or has no such Wednesday ahead), its last one. A feed with no
    such Wednesday at all falls back to an ordinary weekday, then to any day with service.
    DataError when no service runs on any date."""
    span = calendar.span()
    if span is None:
        raise DataError(Problem(calendar.files, "names no date on which a service runs.",
                                fix="Download the operator's current feed; its calendar files give the dates."))
    first, last = span
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))

    def ordinary(day: dt.date) -> bool:
        return day not in bank and bool(calendar.services_on(day))

    start = max(today, first)
    tiers: tuple[tuple[str, int, Callable[[dt.date], bool]], ...] = (
        ("Wednesday", 7, lambda d: d.weekday() == 2 and ordinary(d)),
        ("weekday", 1, lambda d: d.weekday() < 5 and ordinary(d)),
        ("day with service", 1, lambda d: bool(calendar.services_on(d))))
    for what, step, fits in tiers:
        ahead = start + dt.timedelta(days=(2 - start.weekday()) % 7) if step == 7 else start
        for day in _every(ahead, last, step):
            if fits(day):
                return day, f"the next ordinary {what} in the feed, not a bank holiday"
        back = min(last, today)
        back -= dt.timedelta(days=(back.weekday() - 2) % 7) if step == 7 else dt.timedelta(0)
        for day in _every(back, first, -step):
            if fits(day):
                why = f"the feed ended on {long_date(last)}" if last < today else "the feed has none ahead"
                return day, f"{why}: its last ordinary {what}, not a bank holiday"
    raise DataError(Problem(calendar.files, "has no date on which any service runs.",
                            fix="Download the operator's current feed; its calendar files give the dates."))
