"""The pop-up plan while it is edited (SessionPlanDraft) and the parsers of the page's text inputs, without
Streamlit: tiny hand-made plans whose answers can be worked out by hand, and a property of the edits."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.model import DataError
from geo.plan.blackouts import (
    SchoolHoliday,
    default_blackout_text,
    next_monday,
    parse_blackout_dates,
    school_holiday_table,
    school_holidays_from_table,
)
from geo.plan.clock import fmt_hhmm, parse_hhmm, parse_optional_hhmm, slot_starts_from_text
from geo.plan.popup_check import normalise_sessions
from geo.plan.popup_draft import EDITOR_COLUMNS, SessionPlanDraft, plan_payload
from geo.plan.popup_rules import PlanRules
from geo.plan.popups import PopupPlan

MON = dt.date(2026, 11, 30)  # a Monday


def _session(sid: str, day: dt.date, start: str, end: str, *, venue: str = "Mill Library", worker: int = 1,
             status: str = "proposed", family: bool = False, lsoa: str = "E01000001") -> dict[str, object]:
    return {"session_id": sid, "status": status, "date": day, "start": start, "end": end, "worker": worker,
            "family": family, "venue_id": venue[:4].lower(), "venue": venue, "kind": "library", "address": "",
            "contact": "", "lsoa_code": lsoa, "area": "Area 1", "gap_rank": 1, "serves": "Gap #1: Area 1",
            "why": "5 min walk", "minutes": 5.0, "estimate": False, "hours": "Mo-Fr 09:00-17:00",
            "hours_assumed": lsoa == "E01000002", "x": 450_000.0, "y": 318_000.0}


@pytest.fixture
def draft() -> SessionPlanDraft:
    """Three sessions: S001 Monday 10:00-12:00 (2 h), S002 Tuesday 13:30-15:00 (1 h 30), S003 Wednesday."""
    sessions = pd.DataFrame([_session("S001", MON, "10:00", "12:00"),
                             _session("S002", MON + dt.timedelta(days=1), "13:30", "15:00", venue="East Hall",
                                      lsoa="E01000002"),
                             _session("S003", MON + dt.timedelta(days=2), "10:00", "12:00", worker=2, family=True)])
    plan = PopupPlan(sessions=sessions, by_gap=pd.DataFrame(), notes=["a note"], rules=PlanRules(start=MON, weeks=2))
    return SessionPlanDraft.from_plan(plan)


# ---- the draft ------------------------------------------------------------------------------------
def test_a_new_draft_reads_as_the_page_shows_it(draft):
    assert draft.name is None and draft.version is None and draft.notes == ("a note",)
    assert draft.title == "Plan: 30 Nov 2026 to 13 Dec 2026"
    assert draft.default_name == "Pop-ups from 30 Nov 2026"
    assert list(draft.editor_table().columns) == list(EDITOR_COLUMNS)
    assert draft.describe_session("S002") == "S002: 2026-12-01 13:30 East Hall"
    counts = draft.counts()
    assert (counts.sessions, counts.accepted, counts.areas, counts.family, counts.assumed_hours) == (3, 0, 2, 1, 1)


def test_an_unchanged_table_changes_nothing(draft):
    edit = draft.apply_edits(draft.editor_table())
    assert edit.draft is draft and not edit.changed and edit.problems == ()


def test_a_moved_start_keeps_the_length_and_other_edits_are_kept(draft):
    table = draft.editor_table().copy()
    table.loc[table["session_id"] == "S002", "start"] = "9:15"  # 1 h 30 session: now 09:15-10:45
    table.loc[table["session_id"] == "S001", "status"] = "accepted"
    table.loc[table["session_id"] == "S003", ["worker", "family"]] = [1, False]
    edit = draft.apply_edits(table)
    assert edit.changed and edit.problems == ()
    s = edit.draft.sessions.set_index("session_id")
    assert (s.at["S002", "start"], s.at["S002", "end"]) == ("09:15", "10:45")
    assert s.at["S001", "status"] == "accepted" and s.at["S003", "worker"] == 1 and not s.at["S003", "family"]
    assert draft.sessions.set_index("session_id").at["S002", "start"] == "13:30"  # the old draft is untouched
    assert edit.draft.counts().accepted == 1


def test_edits_are_matched_by_session_not_by_row_order(draft):
    table = draft.editor_table().iloc[::-1].copy()
    table.loc[table["session_id"] == "S001", "start"] = "11:00"
    s = draft.apply_edits(table).draft.sessions
    assert list(s["session_id"]) == ["S001", "S002", "S003"]
    assert s.loc[0, ["start", "end"]].to_list() == ["11:00", "13:00"]


@pytest.mark.parametrize("start", ["ten", "25:00", "10:xx"])
def test_an_unreadable_start_leaves_the_draft_and_says_so(draft, start):
    table = draft.editor_table().copy()
    table.loc[0, "start"] = start
    edit = draft.apply_edits(table)
    assert edit.draft is draft and not edit.changed
    assert len(edit.problems) == 1 and edit.problems[0].startswith("A start time cannot be read (")
    assert edit.problems[0].endswith("); write it as HH:MM.")


def test_a_table_of_other_sessions_or_statuses_is_refused(draft):
    other = draft.editor_table().iloc[:2]
    assert draft.apply_edits(other).problems == ("The edited table does not hold this plan's sessions: open the "
                                                 "plan again.",)
    table = draft.editor_table().copy()
    table.loc[0, "status"] = "maybe"
    edit = draft.apply_edits(table)
    assert edit.draft is draft and "'maybe' is not a status" in edit.problems[0]


def test_one_session_accepted_dropped_or_moved(draft):
    accepted = draft.apply_action("S001", "accept")
    assert accepted.sessions["status"].to_list() == ["accepted", "proposed", "proposed"]
    dropped = accepted.apply_action("S002", "drop")
    assert dropped.counts().sessions == 2 and list(dropped.live["session_id"]) == ["S001", "S003"]
    moved = dropped.apply_action("S003", "move", date=MON + dt.timedelta(days=4), start="14:00")
    row = moved.sessions.set_index("session_id").loc["S003"]
    assert (row["date"], row["start"], row["end"]) == (MON + dt.timedelta(days=4), "14:00", "16:00")
    with pytest.raises(DataError):
        draft.apply_action("S999", "move", start="10:00")
    with pytest.raises(ValueError):
        draft.apply_action("S001", "move", start="noon")
    with pytest.raises(ValueError):
        draft.apply_action("S001", "postpone")


def test_problems_are_the_plan_check(draft):
    venues = pd.DataFrame({"venue_id": ["mill", "east"], "name": ["Mill Library", "East Hall"],
                           "kind": ["library", "church_hall"],
                           "opening_hours": ["Mo-Fr 09:00-17:00", "Tu 13:00-16:00"]})
    problems = draft.problems(venues)
    # S003 is a family session at a venue with no childcare, two days after S001 there; the others keep every rule
    assert problems["session_id"].to_list() == ["S003", "S003"]
    assert problems["problem"].to_list() == ["family session at Mill Library, which has no childcare recorded.",
                                             "only 2 day(s) after S001 at the same venue (at least 7 wanted)."]


def test_saving_builds_on_the_saved_version_only_under_the_same_name(draft):
    first = draft.save_request(" Winter ")
    assert first.expected_version is None and first.meta == {"sessions": 3, "start": "2026-11-30", "weeks": 2}
    assert first.payload == plan_payload(draft.sessions, draft.rules, notes=["a note"])
    saved = draft.saved(" Winter ", 1)
    assert (saved.name, saved.version) == ("Winter", 1) and saved.title.endswith("— 'Winter' (version 1)")
    assert saved.save_request("Winter").expected_version == 1
    assert saved.save_request("Spring").expected_version is None
    opened = SessionPlanDraft.from_saved("Winter", 1, first.payload)
    assert opened.by_gap is None and opened.notes == ("a note",) and opened.version == 1
    pd.testing.assert_frame_equal(opened.sessions.reset_index(drop=True), draft.sessions.reset_index(drop=True),
                                  check_dtype=False)


# ---- a property of the edits --------------------------------------------------------------------------
@st.composite
def edited_tables(draw):
    """A draft of 1-5 sessions, and its editor table with any of the editable cells changed."""
    n = draw(st.integers(1, 5))
    rows = []
    for i in range(n):
        start = draw(st.integers(8 * 60, 15 * 60))
        length = draw(st.sampled_from([30, 60, 90, 120]))
        rows.append(_session(f"S{i + 1:03d}", MON + dt.timedelta(days=draw(st.integers(0, 13))), fmt_hhmm(start),
                             fmt_hhmm(start + length), worker=draw(st.integers(1, 3)), family=draw(st.booleans())))
    draft = SessionPlanDraft(normalise_sessions(pd.DataFrame(rows)), PlanRules(start=MON, weeks=2))
    table = draft.editor_table().copy()
    for i in range(n):
        if draw(st.booleans()):
            table.loc[i, "status"] = draw(st.sampled_from(["proposed", "accepted", "dropped"]))
        if draw(st.booleans()):
            table.loc[i, "start"] = fmt_hhmm(draw(st.integers(6 * 60, 18 * 60)))
        if draw(st.booleans()):
            table.loc[i, "date"] = MON + dt.timedelta(days=draw(st.integers(0, 13)))
        if draw(st.booleans()):
            table.loc[i, "worker"] = draw(st.integers(1, 3))
    return draft, table


@settings(max_examples=60, deadline=None)
@given(edited_tables())
def test_applying_the_table_a_draft_shows_changes_nothing(case):
    draft, table = case
    same = draft.apply_edits(draft.editor_table())
    assert same.draft is draft and not same.changed
    edit = draft.apply_edits(table)  # any edit: kept, lengths kept, and showing it again changes nothing
    assert edit.problems == ()
    new = edit.draft
    lengths = [parse_hhmm(e) - parse_hhmm(s) for s, e in zip(new.sessions["start"], new.sessions["end"])]
    assert lengths == [parse_hhmm(e) - parse_hhmm(s) for s, e in zip(draft.sessions["start"], draft.sessions["end"])]
    assert edit.changed == (not table.astype(str).equals(draft.editor_table().astype(str)))
    again = new.apply_edits(new.editor_table())
    assert again.draft is new and not again.changed


# ---- the page's text inputs, parsed in geo ------------------------------------------------------------
def test_blackout_dates_one_a_line_with_notes():
    text = "2026-12-24 Christmas Eve\n\n  24/12/2027, closed for training\n2026-12-24 again"
    assert parse_blackout_dates(text) == frozenset({dt.date(2026, 12, 24), dt.date(2027, 12, 24)})
    assert parse_blackout_dates("") == frozenset() and parse_blackout_dates(None) == frozenset()


def test_blackout_dates_that_cannot_be_read_are_named_by_line():
    with pytest.raises(DataError) as err:
        parse_blackout_dates("2026-12-24\nnext Tuesday\n\n31/02/2026 no such day\n2026-13-01")
    problems = err.value.problems
    assert [p.source for p in problems] == ["blackout dates, line 2", "blackout dates, line 4",
                                            "blackout dates, line 5"]
    assert str(problems[0]) == ("blackout dates, line 2: 'next Tuesday' does not start with a date. "
                                "Fix: Write dates as 2026-12-24 or 24/12/2026.")


def test_default_blackout_text_and_school_holiday_table():
    text = default_blackout_text(dt.date(2026, 12, 1))
    assert text.splitlines()[0] == "2026-12-25 Christmas Day" and "2027-12-28 Boxing Day (substitute day)" in text
    assert parse_blackout_dates(text) >= {dt.date(2026, 12, 25), dt.date(2027, 1, 1)}
    table = school_holiday_table((SchoolHoliday(dt.date(2026, 10, 26), dt.date(2026, 10, 30), "Half-term"),
                                  SchoolHoliday(dt.date(2026, 12, 21), dt.date(2027, 1, 1), "Christmas")),
                                 today=dt.date(2026, 12, 15))
    assert table["name"].to_list() == ["Christmas"]  # half-term ended more than 30 days before
    assert next_monday(dt.date(2026, 12, 15)) == dt.date(2026, 12, 21) and next_monday(MON) == MON + dt.timedelta(7)


def test_school_holidays_from_an_edited_table_with_blanks():
    table = pd.DataFrame({"name": ["Christmas", pd.NA, None, "no dates"],
                          "start": [dt.date(2026, 12, 21), pd.Timestamp("2027-02-15"), dt.date(2027, 4, 1), pd.NaT],
                          "end": [dt.date(2027, 1, 1), pd.Timestamp("2027-02-19"), dt.date(2027, 4, 9), pd.NaT]})
    hols = school_holidays_from_table(table)
    assert [(h.name, h.start, h.end) for h in hols] == [
        ("Christmas", dt.date(2026, 12, 21), dt.date(2027, 1, 1)),
        ("School holiday", dt.date(2027, 2, 15), dt.date(2027, 2, 19)),
        ("School holiday", dt.date(2027, 4, 1), dt.date(2027, 4, 9))]


def test_times_of_day():
    assert parse_hhmm("9:05") == 545 and parse_hhmm(" 13 ") == 780 and parse_hhmm(dt.time(10, 30)) == 630
    assert parse_hhmm("24:00", end_of_day=True) == 1440
    for bad in ("24:00", "ab", "10:xx", ""):
        with pytest.raises(ValueError):
            parse_hhmm(bad)
    assert [parse_optional_hhmm(v) for v in (None, "", "  ", float("nan"), pd.NA, "17:30")] == [None] * 5 + [1050]
    assert fmt_hhmm(545.4) == "09:05" and fmt_hhmm(1440) == "24:00"
    assert slot_starts_from_text("10:00, 13:30,") == ("10:00", "13:30") and slot_starts_from_text(" ") == ("10:00",)
