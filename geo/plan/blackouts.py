"""Days off for pop-up sessions: school holidays, bank holidays (England) and blackout dates typed by hand.

The defaults a user edits: `DEFAULT_SCHOOL_HOLIDAYS` (typical English state-school holidays) and
England's bank holidays (the default blackout dates, `bank_holidays_between`, from the `holidays`
package through geo.analyse.hours, so for any year). `parse_blackout_dates` reads the
blackout text area (one date a line, then any note) and names every line it cannot read;
`school_holidays_from_table` reads the edited holiday table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.analyse.hours import bank_holidays_between
from geo.model import DataError, Problem
from geo.plan.missing import is_missing, text_or

SCHOOL_HOLIDAY = "School holiday"


@dataclass(frozen=True)
class SchoolHoliday:
    start: dt.date
    end: dt.date  # inclusive
    name: str = SCHOOL_HOLIDAY

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

#: How far ahead the blackout text area is filled with bank holidays.
BANK_HOLIDAY_HORIZON_DAYS = 400
#: School holidays that ended more than this many days ago are left out of the editable table.
SCHOOL_HOLIDAY_LOOKBACK_DAYS = 30


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def blackout_text(holidays: Mapping[dt.date, str]) -> str:
    """One line a date: "YYYY-MM-DD note" (the blackout text area's contents)."""
    return "\n".join(f"{d.isoformat()} {n}" for d, n in holidays.items())


def default_blackout_text(today: dt.date) -> str:
    """The bank holidays from `today` to `BANK_HOLIDAY_HORIZON_DAYS` ahead, one a line."""
    return blackout_text(bank_holidays_between(today, today + dt.timedelta(days=BANK_HOLIDAY_HORIZON_DAYS)))


def parse_blackout_dates(text: str | None) -> frozenset[dt.date]:
    """The dates of a blackout text: one a line, "YYYY-MM-DD" or "DD/MM/YYYY" first, then any note
    (a comma straight after the date is allowed). Blank lines are skipped. DataError naming every line
    that does not start with a date."""
    out: set[dt.date] = set()
    problems: list[Problem] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        token = line.strip().split(" ", 1)[0].strip().rstrip(",")
        if not token:
            continue
        try:
            out.add(dt.date.fromisoformat(token) if "-" in token else dt.datetime.strptime(token, "%d/%m/%Y").date())
        except ValueError:
            problems.append(Problem(f"blackout dates, line {number}", f"'{line.strip()}' does not start with a date.",
                                    fix="Write dates as 2026-12-24 or 24/12/2026."))
    if problems:
        raise DataError(problems)
    return frozenset(out)


HOLIDAY_TABLE_COLUMNS: tuple[str, ...] = ("name", "start", "end")


def school_holiday_table(holidays: tuple[SchoolHoliday, ...], *, today: dt.date) -> pd.DataFrame:
    """The editable table (name, start, end) of the holidays that ended no more than
    `SCHOOL_HOLIDAY_LOOKBACK_DAYS` before `today`."""
    since = today - dt.timedelta(days=SCHOOL_HOLIDAY_LOOKBACK_DAYS)
    return pd.DataFrame([{"name": h.name, "start": h.start, "end": h.end} for h in holidays if h.end >= since],
                        columns=list(HOLIDAY_TABLE_COLUMNS))


def _day(value: object) -> dt.date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def school_holidays_from_table(table: pd.DataFrame) -> tuple[SchoolHoliday, ...]:
    """The holidays of an edited (name, start, end) table; rows without both dates are skipped, a
    blank name reads "School holiday"."""
    return tuple(SchoolHoliday(_day(r.get("start")), _day(r.get("end")), text_or(r.get("name"), SCHOOL_HOLIDAY))
                 for r in table.to_dict("records") if not is_missing(r.get("start")) and not is_missing(r.get("end")))
