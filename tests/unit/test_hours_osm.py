"""OpenStreetMap `opening_hours` as tagged in the wild, each with its weekly opening written by hand.

The strings come from the OSM wiki (Key:opening_hours and its specification's examples) and from
common UK tagging (shops, libraries, pubs, surgeries). Each expectation is a Monday-to-Sunday list of
"HH:MM-HH:MM" spans ("" = closed) for the week starting on the Monday given. Bank holidays (PH) are
England's, from the `holidays` package: the parser's own calendar for GB misses Easter Monday and the
August bank holiday, so those weeks are here on purpose.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geo.analyse.hours import (
    bank_holidays_between,
    is_bank_holiday,
    open_at,
    parse_opening_hours,
    read_hours,
    unreadable_note,
    usable_venues,
)
from geo.plan.venue_hours import open_for, slot_options, venue_hours

MAR = dt.date(2026, 3, 2)        # an ordinary week (ISO week 10), term time, no bank holiday
MAR_9 = dt.date(2026, 3, 9)      # ISO week 11
MAR_16 = dt.date(2026, 3, 16)    # Thursday 19 March is the third Thursday of the month
JUN = dt.date(2026, 6, 1)
GOOD_FRIDAY = dt.date(2026, 3, 30)   # Friday 3 April 2026 is Good Friday
EASTER = dt.date(2026, 4, 6)     # Easter Monday (England, not Scotland)
AUG_SCOT = dt.date(2026, 8, 3)   # Scotland's summer bank holiday: an ordinary Monday in England
AUG_BH = dt.date(2026, 8, 31)    # England's summer bank holiday
CHRISTMAS = dt.date(2026, 12, 28)  # Boxing Day's substitute day; New Year's Day on the Friday
MAY_2030 = dt.date(2030, 5, 6)   # early May bank holiday 2030 (after the old hard-coded list ended)

NINE_5 = "09:00-17:00"
OFF = ""

CORPUS: list[tuple[str, dt.date, list[str]]] = [
    ("24/7", MAR, ["00:00-24:00"] * 7),
    ("Mo-Su 00:00-24:00", MAR, ["00:00-24:00"] * 7),
    ("Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su,PH off", MAR, [NINE_5] * 5 + ["10:00-16:00", OFF]),
    ("Mo-Fr 08:30-18:00, Sa 09:00-13:00", MAR, ["08:30-18:00"] * 5 + ["09:00-13:00", OFF]),
    ("Mo-Fr 08:00-12:00,13:00-17:30", MAR, ["08:00-12:00,13:00-17:30"] * 5 + [OFF, OFF]),
    ("Mo-Sa 10:00-20:00; Tu off", MAR, ["10:00-20:00", OFF] + ["10:00-20:00"] * 4 + [OFF]),
    ("Mo-Sa 10:00-20:00; Tu 10:00-14:00", MAR, ["10:00-20:00", "10:00-14:00"] + ["10:00-20:00"] * 4 + [OFF]),
    ("Mo-Sa 08:00-22:00; Su 10:00-16:00", MAR, ["08:00-22:00"] * 6 + ["10:00-16:00"]),
    ("Mo-Fr 07:30-18:00; Sa 08:00-13:00; Su,PH off", MAR, ["07:30-18:00"] * 5 + ["08:00-13:00", OFF]),
    ("Mo,We,Fr 10:00-14:00", MAR, ["10:00-14:00", OFF, "10:00-14:00", OFF, "10:00-14:00", OFF, OFF]),
    ("Tu-Sa 10:00-17:00; Su,Mo off", MAR, [OFF] + ["10:00-17:00"] * 5 + [OFF]),
    ("Mo-Th 09:00-17:00; Fr 09:00-16:30", MAR, [NINE_5] * 4 + ["09:00-16:30", OFF, OFF]),
    ("Mo-We,Fr 09:00-17:00; Th 09:00-19:00", MAR, [NINE_5] * 3 + ["09:00-19:00", NINE_5, OFF, OFF]),
    ("Mo-Fr 12:00-14:00,18:00-22:00; Sa,Su 12:00-22:00", MAR,
     ["12:00-14:00,18:00-22:00"] * 5 + ["12:00-22:00"] * 2),
    ("Fr-Sa 18:00-02:00", MAR, [OFF] * 4 + ["18:00-24:00", "00:00-02:00,18:00-24:00", "00:00-02:00"]),
    ("Mo-Fr 08:00-12:00, We 14:00-18:00", MAR,
     ["08:00-12:00"] * 2 + ["08:00-12:00,14:00-18:00"] + ["08:00-12:00"] * 2 + [OFF, OFF]),
    ("Apr-Sep Mo-Su 10:00-18:00; Oct-Mar Mo-Su 10:00-16:00", MAR, ["10:00-16:00"] * 7),
    ("Apr-Sep Mo-Su 10:00-18:00; Oct-Mar Mo-Su 10:00-16:00", JUN, ["10:00-18:00"] * 7),
    ("Mo-Fr 09:00-17:00; week 01-53/2 Sa 10:00-12:00", MAR, [NINE_5] * 5 + [OFF, OFF]),
    ("Mo-Fr 09:00-17:00; week 01-53/2 Sa 10:00-12:00", MAR_9, [NINE_5] * 5 + ["10:00-12:00", OFF]),
    ("Mo-Fr 09:00-17:00 || Sa 10:00-12:00", MAR, [NINE_5] * 5 + ["10:00-12:00", OFF]),
    ("Mo 09:00-12:00; We 13:00-16:00; Fr 09:00-12:00", MAR,
     ["09:00-12:00", OFF, "13:00-16:00", OFF, "09:00-12:00", OFF, OFF]),
    ("Mo-Fr 10:00-18:00; Sa 10:00-17:00; Su 11:00-16:00; PH closed", MAR,
     ["10:00-18:00"] * 5 + ["10:00-17:00", "11:00-16:00"]),
    ("09:00-17:00", MAR, [NINE_5] * 7),
    ("closed", MAR, [OFF] * 7),
    ("Mo,Tu,Th,Fr 12:00-18:00; Sa,PH 12:00-17:00; Th[3],Th[-1] off", MAR,
     ["12:00-18:00"] * 2 + [OFF] + ["12:00-18:00"] * 2 + ["12:00-17:00", OFF]),
    ("Mo,Tu,Th,Fr 12:00-18:00; Sa,PH 12:00-17:00; Th[3],Th[-1] off", MAR_16,
     ["12:00-18:00"] * 2 + [OFF, OFF, "12:00-18:00", "12:00-17:00", OFF]),
    ('Mo-Fr 09:00-17:00 "ring first"', MAR, [NINE_5] * 5 + [OFF, OFF]),
    ("Mo-Fr 09:00-13:00,14:00-17:30; Sa 09:00-12:30; Su off", MAR,
     ["09:00-13:00,14:00-17:30"] * 5 + ["09:00-12:30", OFF]),
    ("Mo-Fr 09:00-17:00;", MAR, [NINE_5] * 5 + [OFF, OFF]),  # a trailing ';', common in OSM
    ("Mo-Fr 08:00-18:00; Sa 08:00-12:00; PH 10:00-12:00", MAR, ["08:00-18:00"] * 5 + ["08:00-12:00", OFF]),
    # weeks with a bank holiday in England
    ("Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su,PH off", AUG_BH, [OFF] + [NINE_5] * 4 + ["10:00-16:00", OFF]),
    ("Mo-Fr 08:00-18:00; Sa 08:00-12:00; PH 10:00-12:00", AUG_BH,
     ["10:00-12:00"] + ["08:00-18:00"] * 4 + ["08:00-12:00", OFF]),
    ("Mo,Tu,Th,Fr 12:00-18:00; Sa,PH 12:00-17:00; Th[3],Th[-1] off", AUG_BH,
     ["12:00-17:00", "12:00-18:00", OFF, "12:00-18:00", "12:00-18:00", "12:00-17:00", OFF]),
    ("PH 10:00-12:00; Mo-Fr 09:00-17:00", AUG_BH, [NINE_5] * 5 + [OFF, OFF]),  # the later rule wins
    ("Mo-Fr 09:00-17:00; PH off", GOOD_FRIDAY, [NINE_5] * 4 + [OFF, OFF, OFF]),
    ("Mo-Fr 09:00-17:00; PH off", EASTER, [OFF] + [NINE_5] * 4 + [OFF, OFF]),
    ("Mo-Fr 09:00-17:00; PH off", AUG_SCOT, [NINE_5] * 5 + [OFF, OFF]),
    ("Mo-Fr 09:00-17:00; PH off", CHRISTMAS, [OFF] + [NINE_5] * 3 + [OFF, OFF, OFF]),
    ("Mo-Fr 09:00-17:00; PH off", MAY_2030, [OFF] + [NINE_5] * 4 + [OFF, OFF]),
]


def spans(text: str) -> tuple[tuple[int, int], ...]:
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    return tuple((minutes(a), minutes(b)) for a, b in (p.split("-") for p in text.split(",") if p))


@pytest.mark.parametrize(("text", "monday", "expected"), CORPUS, ids=[f"{t} ({m})" for t, m, _ in CORPUS])
def test_osm_corpus(text, monday, expected):
    hours = read_hours(text)
    assert hours is not None, f"{text!r} could not be read"
    assert hours.week_of(monday) == tuple(spans(day) for day in expected)


def test_corpus_size():
    assert len({t for t, _, _ in CORPUS}) >= 20


@pytest.mark.parametrize("text", ["by appointment", "ring first", "40", "35 hours per week", "Mo-Fr 9-5",
                                  "Mo-Fr: 09:00-17:00", "Mo-Fr 09.00-17.00"])
def test_not_the_osm_syntax(text):
    assert read_hours(text) is None and parse_opening_hours(text) is None


@pytest.mark.parametrize("text", [None, "", "   ", float("nan")])
def test_blank(text):
    assert read_hours(text) is None


def test_open_at_a_time_on_a_date():
    late = read_hours("Fr-Sa 18:00-02:00")
    assert late is not None
    assert late.is_open(dt.datetime(2026, 3, 8, 1, 30)) and not late.is_open(dt.datetime(2026, 3, 8, 2, 0))
    shop = read_hours("Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su,PH off")
    assert shop is not None and shop.is_open(dt.datetime(2026, 9, 1, 9, 0))
    assert not shop.is_open(dt.datetime(2026, 8, 31, 10, 0))  # the August bank holiday


def test_bank_holidays_of_england_for_any_year():
    days = bank_holidays_between(dt.date(2031, 1, 1), dt.date(2031, 12, 31))
    assert days == {dt.date(2031, 1, 1): "New Year's Day", dt.date(2031, 4, 11): "Good Friday",
                    dt.date(2031, 4, 14): "Easter Monday", dt.date(2031, 5, 5): "Early May bank holiday",
                    dt.date(2031, 5, 26): "Spring bank holiday", dt.date(2031, 8, 25): "Summer bank holiday",
                    dt.date(2031, 12, 25): "Christmas Day", dt.date(2031, 12, 26): "Boxing Day"}
    # a holiday on a weekend is a bank holiday only as its substitute day, as GOV.UK lists them
    xmas = bank_holidays_between(dt.date(2027, 12, 20), dt.date(2028, 1, 5))
    assert xmas == {dt.date(2027, 12, 27): "Christmas Day (substitute day)",
                    dt.date(2027, 12, 28): "Boxing Day (substitute day)",
                    dt.date(2028, 1, 3): "New Year's Day (substitute day)"}
    assert is_bank_holiday(dt.date(2026, 8, 31)) and not is_bank_holiday(dt.date(2026, 8, 3))


def _venues(hours: list[str | None], kinds: list[str], names: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"venue_id": [f"v{i}" for i in range(len(hours))], "name": names, "kind": kinds,
                             "opening_hours": hours}, geometry=[Point(0, 0)] * len(hours), crs=27700)


def test_the_commonest_strings_are_read_not_assumed():
    v = _venues(["Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su,PH off", "Mo-Fr 08:30-18:00, Sa 09:00-13:00"],
                ["library", "library"], ["Central Library", "Branch Library"])
    sat_15 = dt.datetime(2026, 3, 7, 15, 0)
    res = open_at(v, sat_15)
    # the library default (Sa 09:00-13:00) would say shut at 15:00; their own hours say 10-16 and 9-13
    assert list(res.open) == [True, False] and not res.assumed.any() and not res.unreadable.any()
    assert unreadable_note(v) is None


def test_unreadable_hours_fall_back_and_are_named():
    v = _venues(["ring first", None, "Mo-Fr 9-5", "Sa 10:00-12:00"], ["library", "library", "food_bank", "library"],
                ["Castle Library", "Quiet Library", "Food Hub", "Saturday Club"])
    res = open_at(v, dt.datetime(2026, 3, 2, 10, 0))  # a Monday
    assert list(res.assumed) == [True, True, True, False] and list(res.unreadable) == [True, False, True, False]
    assert list(res.open) == [True, True, True, False]  # library and food bank defaults are open Monday 10:00
    note = unreadable_note(v)
    assert note == ("Opening hours of 2 venues could not be read, so the usual week for their kind is assumed: "
                    "Castle Library ('ring first'), Food Hub ('Mo-Fr 9-5').")
    _, notes = usable_venues(v, when=dt.datetime(2026, 3, 2, 10, 0))
    assert note in notes
    hours = venue_hours(v)
    assert [h.unreadable for h in hours] == ["ring first", None, "Mo-Fr 9-5", None]
    assert hours[0].assumed and hours[0].text == "Mo-Fr 09:00-17:00; Sa 09:00-13:00"


def test_session_slots_follow_the_date():
    v = _venues(["Mo-Fr 09:00-17:00; PH off"], ["library"], ["Central Library"])
    (vh,) = venue_hours(v)
    assert open_for(vh.hours, dt.date(2026, 9, 7), 600, 720)
    assert not open_for(vh.hours, dt.date(2026, 8, 31), 600, 720)  # bank holiday
    assert slot_options(vh.hours, dt.date(2026, 8, 31), length_min=60, slot_starts=[600]) == []
    assert open_for(vh.week, dt.date(2026, 8, 31), 600, 720)  # the typical week knows no dates


DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 6), st.integers(0, 6), st.integers(0, 47), st.integers(1, 48))
def test_a_day_range_with_one_span(first, last, start, length):
    """'D1-D2 HH:MM-HH:MM' opens exactly those days (wrapping past Sunday), from start to end."""
    a = start * 30
    b = min(a + length * 30, 1440)
    hhmm = f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
    days = DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
    hours = read_hours(f"{days} {hhmm}")
    assert hours is not None
    week = hours.week_of(MAR)
    on = {(first + k) % 7 for k in range((last - first) % 7 + 1)}
    assert week == tuple(((a, b),) if d in on else () for d in range(7))
    for d in range(7):
        when = dt.datetime.combine(MAR + dt.timedelta(days=d), dt.time(a // 60, a % 60))
        assert hours.is_open(when) == (d in on)
    # and with "; PH off" the bank holiday Monday of August 2026 is shut, the rest as before
    with_ph = read_hours(f"{days} {hhmm}; PH off")
    assert with_ph is not None
    assert with_ph.week_of(AUG_BH) == ((), *week[1:])
