"""Retention: participant records older than a set number of months are purged.

A record's age runs from its latest known date: the later of `enrolled_on` and `job_start_on`
(a person who started a job last month is a current record even if they enrolled years ago).
The cut-off is `today` minus `months` calendar months (pandas DateOffset: 31 March minus one month
is 28 or 29 February); a record whose latest date is on or after the cut-off is kept.
Pure: `geo.io.purge_participants` deletes the records `is_old` marks, in place in the workspace file
(one transaction that keeps every saved plan).
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

#: Columns that date a participant record, latest wins.
DATE_COLUMNS: tuple[str, ...] = ("enrolled_on", "job_start_on")


def retention_cutoff(*, months: int, today: dt.date) -> dt.date:
    """The earliest date a kept record may carry: `today` minus `months` calendar months."""
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"months must be a whole number of 1 or more, got {months!r}")
    cutoff: dt.date = (pd.Timestamp(today) - pd.DateOffset(months=months)).date()
    return cutoff


def last_activity(participants: pd.DataFrame) -> pd.Series:
    """The latest of the dating columns per record (NaT where none is known)."""
    cols = [c for c in DATE_COLUMNS if c in participants.columns]
    if not cols:
        return pd.Series(pd.NaT, index=participants.index, dtype="datetime64[ms]")
    dates = pd.concat([pd.to_datetime(participants[c], errors="coerce") for c in cols], axis=1)
    return dates.max(axis=1)


def is_old(participants: pd.DataFrame, *, months: int, today: dt.date) -> np.ndarray:
    """True for each record whose latest date is before the cut-off (records with no date are kept)."""
    cutoff = pd.Timestamp(retention_cutoff(months=months, today=today))
    old: np.ndarray = (last_activity(participants) < cutoff).fillna(False).to_numpy(dtype=bool)
    return old


def purge_older_than(participants: gpd.GeoDataFrame, *, months: int,
                     today: dt.date) -> tuple[gpd.GeoDataFrame, int]:
    """(kept records, number purged): drops records whose latest date is before the cut-off.

    Records with no date at all are kept (nothing says they are old; the schema requires
    `enrolled_on`, so this only happens with damaged data). The input is not changed.
    """
    old = is_old(participants, months=months, today=today)
    kept = participants.loc[~old].copy()
    return kept, int(old.sum())
