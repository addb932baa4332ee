"""The .ics export: valid RFC 5545 (parsed back by icalendar), right UK times across clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
import pytest

from geo.out.calendar import session_uid, sessions_ics

UTC = dt.UTC
STAMP = dt.datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def _sessions(days: list[dt.date], *, start: str = "10:00", end: str = "12:00") -> pd.DataFrame:
    return pd.DataFrame([{"session_id": f"S{i + 1:03d}", "status": "accepted" if i % 2 else "proposed", "date": d,
                          "start": start, "end": end, "worker": 1, "family": i == 1, "venue": "Mill Library",
                          "address": "1 Mill Lane, Tiny", "contact": "mill@example.org", "area": "Tiny 001A",
                          "serves": "Gap #1: Tiny 001A", "why": "5 min walk; step-free", "hours_assumed": True,
                          "x": 450_400.0, "y": 318_260.0} for i, d in enumerate(days)])


def _events(data: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    assert cal.get("version") == "2.0" and cal.get("prodid")
    return list(cal.walk("VEVENT"))


@pytest.mark.parametrize("before, after", [
    (dt.date(2026, 10, 24), dt.date(2026, 10, 26)),  # BST ends Sunday 25 October 2026
    (dt.date(2027, 3, 27), dt.date(2027, 3, 29)),    # BST starts Sunday 28 March 2027
])
def test_times_right_across_the_clock_change(before, after):
    data = sessions_ics(_sessions([before, after]), plan_name="Winter", stamp=STAMP)
    events = _events(data)
    assert len(events) == 2
    starts = {e["uid"]: e["dtstart"].dt for e in events}
    for e in events:
        start, end = e["dtstart"].dt, e["dtend"].dt
        assert (start.hour, start.minute) == (10, 0) and (end.hour, end.minute) == (12, 0)  # local time kept
        assert str(start.tzinfo) == "Europe/London" or getattr(start.tzinfo, "key", "") == "Europe/London"
        assert e["dtstart"].params["TZID"] == "Europe/London"
    utc = sorted(s.astimezone(UTC) for s in starts.values())
    summer, winter = (utc[0], utc[1]) if before.month == 10 else (utc[1], utc[0])
    assert summer.hour == 9 and winter.hour == 10  # 10:00 BST = 09:00 UTC; 10:00 GMT = 10:00 UTC
    assert b"DTSTART;TZID=Europe/London:" + before.strftime("%Y%m%d").encode() + b"T100000" in data


def _vtimezone(data: bytes) -> icalendar.Timezone:
    (block,) = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    return block


def test_vtimezone_is_icalendars_own_for_the_years_of_the_sessions():
    data = sessions_ics(_sessions([dt.date(2026, 7, 15), dt.date(2026, 12, 10)]), plan_name="Year", stamp=STAMP)
    block = _vtimezone(data)
    expected = icalendar.Timezone.from_tzid("Europe/London", first_date=dt.date(2026, 1, 1),
                                            last_date=dt.date(2027, 1, 1))
    assert block.to_ical() == expected.to_ical()


def test_vtimezone_has_the_uk_clock_changes_of_a_summer_and_a_winter_session():
    # 15 July 2026 is in BST (GMT+1), 10 December 2026 in GMT: the block the calendar carries says
    # BST from the last Sunday of March (29 March 2026) to the last Sunday of October (25 October).
    data = sessions_ics(_sessions([dt.date(2026, 7, 15), dt.date(2026, 12, 10)]), plan_name="Year", stamp=STAMP)
    block = _vtimezone(data)
    assert str(block["tzid"]) == "Europe/London"
    daylight = [(c["dtstart"].dt, c["tzoffsetfrom"].td, c["tzoffsetto"].td, str(c["tzname"]))
                for c in block.walk("DAYLIGHT")]
    standard = [(c["dtstart"].dt, c["tzoffsetfrom"].td, c["tzoffsetto"].td, str(c["tzname"]))
                for c in block.walk("STANDARD") if c["tzoffsetfrom"].td != c["tzoffsetto"].td]
    hour = dt.timedelta(hours=1)
    assert [(d.date(), f, t, n) for d, f, t, n in daylight] == [(dt.date(2026, 3, 29), dt.timedelta(0), hour, "BST")]
    assert [(d.date(), f, t, n) for d, f, t, n in standard] == [(dt.date(2026, 10, 25), hour, dt.timedelta(0), "GMT")]
    # The rules in the block itself (read under another TZID, not by name from the tz database) put
    # the summer session at 09:00 UTC and the winter one at 10:00 UTC.
    block["tzid"] = icalendar.vText("Patchwork-Test/London")
    tz = block.to_tz()
    assert not isinstance(tz, ZoneInfo)
    summer, winter = dt.datetime(2026, 7, 15, 10), dt.datetime(2026, 12, 10, 10)
    assert summer.replace(tzinfo=tz).utcoffset() == hour and winter.replace(tzinfo=tz).utcoffset() == dt.timedelta(0)


def test_vtimezone_block_matches_the_tz_database():
    # Under another TZID, so the rules in the block are what is read (not the tz database by name).
    days = [dt.date(2026, 10, 24), dt.date(2028, 1, 15)]
    block = _vtimezone(sessions_ics(_sessions(days), plan_name="Span", stamp=STAMP))
    block["tzid"] = icalendar.vText("Patchwork-Test/London")
    tz = block.to_tz()
    assert not isinstance(tz, ZoneInfo)
    london = ZoneInfo("Europe/London")
    for when in [dt.datetime(2026, 10, 24, 10), dt.datetime(2026, 10, 25, 0, 30), dt.datetime(2026, 10, 26, 10),
                 dt.datetime(2027, 3, 27, 10), dt.datetime(2027, 3, 28, 0, 30), dt.datetime(2027, 3, 29, 10),
                 dt.datetime(2027, 7, 1, 12), dt.datetime(2028, 1, 15, 9)]:
        ours = when.replace(tzinfo=tz).utcoffset() if not hasattr(tz, "localize") else tz.localize(when).utcoffset()
        assert ours == when.replace(tzinfo=london).utcoffset(), when


def test_rfc5545_essentials_uid_dtstamp_status():
    s = _sessions([dt.date(2026, 12, 1), dt.date(2026, 12, 8), dt.date(2026, 12, 15)])
    s.loc[2, "status"] = "dropped"
    data = sessions_ics(s, plan_name="Winter pop-ups", stamp=STAMP, bring=["Leaflets"])
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.rstrip().endswith(b"END:VCALENDAR")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded lines
    cal = icalendar.Calendar.from_ical(data)
    assert next(c.name for c in cal.subcomponents) == "VTIMEZONE"
    events = _events(data)
    assert len(events) == 2  # the dropped session is left out
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == 2 and all("@" in u for u in uids)
    assert uids[0] == session_uid("Winter pop-ups", "S001")  # stable: a re-import updates, not duplicates
    again = _events(sessions_ics(s, plan_name="Winter pop-ups"))
    assert [str(e["uid"]) for e in again] == uids
    for e in events:
        assert e["dtstamp"].dt == STAMP
        assert "Mill Library" in str(e["location"]) and "1 Mill Lane" in str(e["location"])
        desc = str(e["description"])
        assert "Gap #1" in desc and "mill@example.org" in desc and "Leaflets" in desc and "assumed" in desc
        lat, lon = e["geo"].latitude, e["geo"].longitude
        assert 52 < lat < 53.5 and -2 < lon < -0.5
    assert [str(e["status"]) for e in events] == ["TENTATIVE", "CONFIRMED"]
    assert "Family" in str(events[1]["summary"])
