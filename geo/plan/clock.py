"""Times of day as "HH:MM": the one parser and formatter of the pop-up planner and the router.

Minutes after midnight are the unit inside (`start_min`, `end_min`); "HH:MM" is what people read and
type. A session starts before midnight (00:00 to 23:59); the end of a working day may be 24:00.
"""

from __future__ import annotations

import datetime as dt

from geo.plan.missing import is_missing

DAY_MIN = 24 * 60


def parse_hhmm(text: object, *, end_of_day: bool = False) -> int:
    """Minutes after midnight of "HH:MM" (or "H", or a `datetime.time`); ValueError when it is not a
    time of day. `end_of_day=True` also accepts 24:00 (a day's end)."""
    if isinstance(text, dt.time):
        return text.hour * 60 + text.minute
    h, _, m = str(text).strip().partition(":")
    value = int(h) * 60 + int(m or 0)
    if not (0 <= value <= DAY_MIN if end_of_day else 0 <= value < DAY_MIN):
        raise ValueError(f"time {text!r} is not a time of day (HH:MM)")
    return value


def parse_optional_hhmm(text: object) -> int | None:
    """As `parse_hhmm(text, end_of_day=True)`, but None for a blank cell (None, NaN, NA or "")."""
    if is_missing(text) or str(text).strip() == "":
        return None
    return parse_hhmm(text, end_of_day=True)


def fmt_hhmm(minutes: float) -> str:
    """"HH:MM" of minutes after midnight (rounded to the minute)."""
    m = round(float(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def slot_starts_from_text(text: str, *, default: tuple[str, ...] = ("10:00",)) -> tuple[str, ...]:
    """Comma-separated start times ("10:00, 13:30") as a tuple of their texts; `default` when blank."""
    return tuple(s.strip() for s in str(text or "").split(",") if s.strip()) or default

