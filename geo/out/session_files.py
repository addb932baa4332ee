"""The pop-up plan's downloadable files other than the calendar and the run sheet: the sessions as CSV
(and as the table the exports carry), and the stem of every file name of a plan."""

from __future__ import annotations

import io as _io

import pandas as pd

from geo.plan.popup_check import live_sessions, normalise_sessions

CSV_COLUMNS: tuple[str, ...] = ("session_id", "status", "date", "start", "end", "worker", "family", "venue",
                                "address", "contact", "area", "lsoa_code", "serves", "why", "hours")


def sessions_table(sessions: pd.DataFrame, *, by_date: bool = True) -> pd.DataFrame:
    """The sessions the files carry: dropped ones left out, CSV_COLUMNS (those present) plus venue_id,
    by date, worker and start unless `by_date` is False (then in the plan's order)."""
    s = live_sessions(normalise_sessions(sessions))
    if by_date and len(s):
        s = s.sort_values(["date", "worker", "start"], kind="stable")
    return s[[c for c in (*CSV_COLUMNS, "venue_id") if c in s.columns]].reset_index(drop=True)


def sessions_csv(sessions: pd.DataFrame) -> bytes:
    """The sessions as CSV (UTF-8 with BOM so Excel opens it cleanly), dropped ones left out."""
    s = sessions_table(sessions, by_date=False)
    buf = _io.StringIO()
    s[[c for c in CSV_COLUMNS if c in s.columns]].to_csv(buf, index=False, date_format="%Y-%m-%d")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def plan_file_stem(name: str, *, default: str = "popups") -> str:
    """A plan's name as a file-name stem: letters and digits kept (lower case), everything else "_"."""
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_").lower() or default
