"""Retention purge, computed by hand."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.analyse.retention import purge_older_than, retention_cutoff


def people() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"participant_id": ["a", "b", "c", "d", "e"],
         "enrolled_on": pd.to_datetime(["2023-01-10", "2024-05-31", "2024-06-01", "2022-03-01", "2025-01-01"]),
         # d enrolled long ago but started a job recently: a current record.
         "job_start_on": pd.to_datetime([None, None, None, "2024-09-15", None])},
        geometry=[Point(0, i) for i in range(5)], crs=27700)


def test_cutoff_calendar_months():
    assert retention_cutoff(months=12, today=dt.date(2025, 6, 1)) == dt.date(2024, 6, 1)
    assert retention_cutoff(months=1, today=dt.date(2025, 3, 31)) == dt.date(2025, 2, 28)
    assert retention_cutoff(months=1, today=dt.date(2024, 3, 31)) == dt.date(2024, 2, 29)
    for bad in (0, -3, 1.5, True):
        with pytest.raises(ValueError):
            retention_cutoff(months=bad, today=dt.date(2025, 1, 1))


def test_purge_by_hand():
    frame = people()
    # today 2025-06-01, 12 months -> cut-off 2024-06-01 (kept on or after it).
    # a 2023-01-10 old; b 2024-05-31 old (one day before); c 2024-06-01 kept (on the day);
    # d latest date 2024-09-15 kept; e 2025-01-01 kept.
    kept, purged = purge_older_than(frame, months=12, today=dt.date(2025, 6, 1))
    assert purged == 2
    assert kept["participant_id"].tolist() == ["c", "d", "e"]
    assert isinstance(kept, gpd.GeoDataFrame) and kept.crs.to_epsg() == 27700
    assert len(frame) == 5  # input untouched

    kept, purged = purge_older_than(frame, months=36, today=dt.date(2025, 6, 1))  # cut-off 2022-06-01
    assert (purged, kept["participant_id"].tolist()) == (0, ["a", "b", "c", "d", "e"])
    kept, purged = purge_older_than(frame, months=1, today=dt.date(2026, 1, 1))  # cut-off 2025-12-01
    assert (purged, len(kept)) == (5, 0)


def test_purge_without_job_start_column():
    frame = people().drop(columns="job_start_on")
    kept, purged = purge_older_than(frame, months=12, today=dt.date(2025, 6, 1))
    assert purged == 3 and kept["participant_id"].tolist() == ["c", "e"]
