"""Buses per hour count the trips running on one service date (GTFS calendar.txt and calendar_dates.txt).

Every feed here is a tiny zip written in the official format (https://gtfs.org/schedule/reference/):
one bus route R1 between two stops, with trips leaving at fixed times between 07:00 and 19:00, so
the trips per hour are worked out by hand: 24 departures in the 12 hours from 07:00 are 2 an hour.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import io
from geo.analyse import transit
from geo.model import DataError
from geo.read import feeds, service_dates

LON0, LAT0 = -1.26, 52.76
WEEKDAYS = "monday,tuesday,wednesday,thursday,friday,saturday,sunday"


def _times(start_h: int, every_min: int, n: int) -> list[str]:
    return [f"{(start_h * 60 + k * every_min) // 60:02d}:{(start_h * 60 + k * every_min) % 60:02d}:00"
            for k in range(n)]


def feed_zip(path: Path, services: dict[str, list[str]], *, calendar: str | None = None,
             calendar_dates: str | None = None) -> Path:
    """A one-route feed: `services` maps service_id -> the first departures of its trips (direction 0)."""
    trips, stop_times = [], []
    for sid, deps in services.items():
        for k, dep in enumerate(deps):
            tid = f"{sid}-{k}"
            trips.append(f"R1,{sid},{tid},0")
            h, m, _ = (int(p) for p in dep.split(":"))
            later = f"{(h * 60 + m + 10) // 60:02d}:{(h * 60 + m + 10) % 60:02d}:00"
            stop_times += [f"{tid},{dep},{dep},S1,1", f"{tid},{later},{later},S2,2"]
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Tiny Buses,https://example.org,Europe/London\n",
        "stops.txt": f"stop_id,stop_name,stop_lat,stop_lon\nS1,Market Place,{LAT0},{LON0}\n"
                     f"S2,Station Road,{LAT0 + 0.02},{LON0}\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\nR1,A,1,Town circular,3\n",
        "trips.txt": "route_id,service_id,trip_id,direction_id\n" + "\n".join(trips) + "\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "\n".join(stop_times) + "\n",
    }
    if calendar is not None:
        files["calendar.txt"] = f"service_id,{WEEKDAYS},start_date,end_date\n{calendar}"
    if calendar_dates is not None:
        files["calendar_dates.txt"] = f"service_id,date,exception_type\n{calendar_dates}"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def tables_of(path: Path) -> dict[str, pd.DataFrame]:
    """The feed's tables as geo.io reads them (text), for calling the pure reader with a `today`."""
    with zipfile.ZipFile(path) as zf:
        return {n: io.read_table(io.Upload(f"{path.name}/{n}", zf.read(n))) for n in zf.namelist()}


def tph(layers: dict) -> float:
    return float(layers["bus_routes"].set_index("route_id").loc["1", "trips_per_hour"])


# Two timetable periods: spring every 30 minutes (24 trips 07:00-18:30 = 2 an hour), autumn hourly
# (12 trips 07:00-18:00 = 1 an hour). Counting both, as the old reader did, gives 36 / 12 = 3 an hour.
TWO_PERIODS = {"SPRING": _times(7, 30, 24), "AUTUMN": _times(7, 60, 12)}
TWO_PERIOD_CALENDAR = ("SPRING,1,1,1,1,1,0,0,20250101,20250630\n"
                       "AUTUMN,1,1,1,1,1,0,0,20250701,20251219\n")


def test_two_period_feed_counts_only_the_period_running_on_the_date(tmp_path):
    path = feed_zip(tmp_path / "feed.zip", TWO_PERIODS, calendar=TWO_PERIOD_CALENDAR)
    spring, report = io.import_gtfs(path, service_date=dt.date(2025, 3, 5))
    assert tph(spring) == 2.0
    assert any("Wednesday 5 March 2025" in a and "07:00 to 19:00" in a for a in report.assumptions)
    assert report.service_date == dt.date(2025, 3, 5)
    autumn, _ = io.import_gtfs(path, service_date=dt.date(2025, 9, 10))
    assert tph(autumn) == 1.0


def test_default_date_is_the_next_ordinary_wednesday_in_the_feed(tmp_path):
    tables = tables_of(feed_zip(tmp_path / "feed.zip", TWO_PERIODS, calendar=TWO_PERIOD_CALENDAR))
    # 1 Jan 2025 is a Wednesday and New Year's Day: the first ordinary Wednesday is 8 January.
    layers, report = feeds.layers_from_gtfs(tables, source="feed.zip", today=dt.date(2024, 12, 20))
    assert report.service_date == dt.date(2025, 1, 8) and tph(layers) == 2.0
    assert any("next ordinary Wednesday" in a for a in report.assumptions)
    # inside the autumn period: the next Wednesday on or after today
    layers, report = feeds.layers_from_gtfs(tables, source="feed.zip", today=dt.date(2025, 8, 1))
    assert report.service_date == dt.date(2025, 8, 6) and tph(layers) == 1.0
    # the feed has ended: its last ordinary Wednesday, said so
    layers, report = feeds.layers_from_gtfs(tables, source="feed.zip", today=dt.date(2026, 2, 1))
    assert report.service_date == dt.date(2025, 12, 17) and tph(layers) == 1.0
    assert any("the feed ended on Friday 19 December 2025: its last ordinary Wednesday" in a
               for a in report.assumptions)


# Only calendar_dates.txt: a Wednesday service (hourly: 1 an hour) on three dates and a Saturday
# service (every 20 minutes, 36 trips: 3 an hour) on two. Counting every trip gives 48 / 12 = 4.
DATES_ONLY = {"WED": _times(7, 60, 12), "SAT": _times(7, 20, 36)}
DATES_ONLY_CALENDAR_DATES = ("WED,20250305,1\nWED,20250312,1\nWED,20250319,1\n"
                             "SAT,20250308,1\nSAT,20250315,1\n")


def test_calendar_dates_only_feed(tmp_path):
    path = feed_zip(tmp_path / "dates.zip", DATES_ONLY, calendar_dates=DATES_ONLY_CALENDAR_DATES)
    wed, report = io.import_gtfs(path, service_date=dt.date(2025, 3, 12))
    assert tph(wed) == 1.0
    sat, _ = io.import_gtfs(path, service_date=dt.date(2025, 3, 8))
    assert tph(sat) == 3.0
    tables = tables_of(path)
    layers, report = feeds.layers_from_gtfs(tables, source="dates.zip", today=dt.date(2025, 3, 1))
    assert report.service_date == dt.date(2025, 3, 5) and tph(layers) == 1.0


def test_calendar_dates_add_and_remove_services(tmp_path):
    # WK runs Monday to Friday all year (12 trips: 1 an hour); EXTRA is added on 5 March (12 more);
    # on 12 March WK is removed and HOL (6 trips: 0.5 an hour) added in its place.
    services = {"WK": _times(7, 60, 12), "EXTRA": _times(7, 60, 12)[::-1], "HOL": _times(7, 120, 6)}
    path = feed_zip(tmp_path / "feed.zip", services, calendar="WK,1,1,1,1,1,0,0,20250101,20251231\n",
                    calendar_dates="EXTRA,20250305,1\nWK,20250312,2\nHOL,20250312,1\n")
    assert tph(io.import_gtfs(path, service_date=dt.date(2025, 3, 5))[0]) == 2.0
    assert tph(io.import_gtfs(path, service_date=dt.date(2025, 3, 12))[0]) == 0.5
    assert tph(io.import_gtfs(path, service_date=dt.date(2025, 3, 19))[0]) == 1.0


def test_a_date_outside_the_feed_is_refused(tmp_path):
    path = feed_zip(tmp_path / "feed.zip", TWO_PERIODS, calendar=TWO_PERIOD_CALENDAR)
    with pytest.raises(DataError) as err:
        io.import_gtfs(path, service_date=dt.date(2026, 1, 7))
    text = str(err.value)
    assert "feed.zip/calendar.txt" in text and "Wednesday 7 January 2026" in text
    assert "between Wednesday 1 January 2025 and Friday 19 December 2025" in text and "Fix:" in text


def test_bad_calendar_rows_name_file_row_column_and_fix(tmp_path):
    path = feed_zip(tmp_path / "feed.zip", TWO_PERIODS,
                    calendar="SPRING,1,1,1,1,1,0,0,2025-01-01,20250630\nAUTUMN,1,1,yes,1,1,0,0,20250701,20251219\n",
                    calendar_dates="SPRING,20250305,3\n")
    with pytest.raises(DataError) as err:
        io.import_gtfs(path, service_date=dt.date(2025, 3, 5))
    problems = [str(p) for p in err.value.problems]
    assert "feed.zip/calendar.txt, row 2, column 'start_date': '2025-01-01' is not a date" in problems[0]
    assert any("feed.zip/calendar.txt, row 3, column 'wednesday': 'yes' is not 0 or 1" in p for p in problems)
    assert any("feed.zip/calendar_dates.txt, row 2, column 'exception_type': '3' is not 1 (added) or 2 (removed)"
               in p for p in problems)
    assert len(problems) == 3
    assert all("Fix:" in p for p in problems)


def test_service_date_is_kept_in_the_workspace_meta_and_said_on_the_map():
    meta = {transit.SERVICE_DATE_META: "2025-03-05"}
    assert transit.service_date_note(meta) == ("Buses an hour: trips running on Wednesday 5 March 2025 "
                                               "(the GTFS feed's service date), 07:00 to 19:00.")
    assert transit.service_date_note({}) is None


# ---- the GTFS calendar rules as properties --------------------------------------------------------

DAY0 = dt.date(2025, 1, 6)  # a Monday
days = st.integers(min_value=0, max_value=27)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(min_value=0, max_value=4))
    rows = []
    for k in range(n):
        a, b = sorted((draw(days), draw(days)))
        flags = [str(draw(st.integers(0, 1))) for _ in range(7)]
        rows.append([f"S{k}", *flags, (DAY0 + dt.timedelta(a)).strftime("%Y%m%d"),
                     (DAY0 + dt.timedelta(b)).strftime("%Y%m%d")])
    cal = pd.DataFrame(rows, columns=["service_id", *WEEKDAYS.split(","), "start_date", "end_date"], dtype="string")
    exc = draw(st.lists(st.tuples(st.integers(0, 5), days, st.sampled_from(["1", "2"])), max_size=8,
                        unique_by=lambda t: (t[0], t[1])))
    cd = pd.DataFrame([[f"S{s}", (DAY0 + dt.timedelta(d)).strftime("%Y%m%d"), e] for s, d, e in exc],
                      columns=["service_id", "date", "exception_type"], dtype="string")
    return cal, cd


@settings(max_examples=60, deadline=None)
@given(calendars(), days)
def test_calendar_rules_follow_the_reference(tables, offset):
    cal, cd = tables
    calendar = service_dates.read_service_calendar({"calendar.txt": cal, "calendar_dates.txt": cd}, source="f")
    assert calendar is not None
    day = DAY0 + dt.timedelta(offset)
    running = calendar.services_on(day)
    stamp = day.strftime("%Y%m%d")
    for r in cal.itertuples(index=False):
        sid = r.service_id
        exception = cd[(cd["service_id"] == sid) & (cd["date"] == stamp)]["exception_type"].tolist()
        weekly = r.start_date <= stamp <= r.end_date and getattr(r, WEEKDAYS.split(",")[day.weekday()]) == "1"
        expected = exception == ["1"] or (weekly and exception != ["2"])
        assert (sid in running) == expected
    for sid in set(cd["service_id"]) - set(cal["service_id"]):  # services of calendar_dates.txt alone
        exception = cd[(cd["service_id"] == sid) & (cd["date"] == stamp)]["exception_type"].tolist()
        assert (sid in running) == (exception == ["1"])
    assert running <= set(cal["service_id"]) | set(cd["service_id"])


def test_build_keeps_the_service_date_in_the_workspace_meta(tmp_path, monkeypatch):
    from tests.unit.test_import_area import area_files  # the tiny area's official files

    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))
    f = area_files(tmp_path, year=11)
    feed = feed_zip(tmp_path / "feed.zip", TWO_PERIODS, calendar=TWO_PERIOD_CALENDAR)
    result = io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"], f["f6"]],
                                                    gtfs=feed, gtfs_date=dt.date(2025, 9, 10)),
                                name="Tiny", out=tmp_path / "out.gpkg")
    ws = io.read_workspace(result.path)
    assert ws.meta[transit.SERVICE_DATE_META] == "2025-09-10"
    assert ws.layer("bus_routes").set_index("route_id").loc["1", "trips_per_hour"] == 1.0
    gtfs_report = next(r for r in json.loads(ws.meta["import_report"]) if r["what"] == "GTFS feed")
    assert gtfs_report["service_date"] == "2025-09-10"
    assert any("Wednesday 10 September 2025 (the service date chosen)" in a for a in gtfs_report["assumptions"])
