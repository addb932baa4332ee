"""A pop-up plan while the team edits it: `SessionPlanDraft`, pure and immutable.

The page keeps one draft in its session state. Each change makes a new draft: the sessions table
edited by hand (`apply_edits`: status, date, start, worker, family; a moved start keeps the session's
length), one session accepted, moved or dropped (`apply_action`), the plan saved under a name
(`save_request` then `saved`). Nothing here touches Streamlit or files; `plan_payload` and
`plan_from_payload` are the JSON form kept by `geo.io`'s versioned plan store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from geo.model import DataError, Problem
from geo.plan.clock import fmt_hhmm, parse_hhmm
from geo.plan.missing import is_missing
from geo.plan.popup_check import SESSION_COLUMNS, check_plan, live_sessions, normalise_sessions
from geo.plan.popup_rules import STATUSES, PlanRules, rules_from_dict, rules_to_dict
from geo.plan.popups import PopupPlan

#: The columns of the editable sessions table, in order; only EDITABLE_COLUMNS can be changed in it.
EDITOR_COLUMNS: tuple[str, ...] = ("session_id", "status", "date", "start", "end", "worker", "family", "venue",
                                   "area", "serves", "why", "hours")
EDITABLE_COLUMNS: tuple[str, ...] = ("status", "date", "start", "worker", "family")
#: What counts as a change of the plan (the end follows the start).
COMPARED_COLUMNS: tuple[str, ...] = ("status", "date", "start", "end", "worker", "family")
#: What can be done to one session at a time.
ACTIONS: tuple[str, ...] = ("accept", "move", "drop")


def move_session(sessions: pd.DataFrame, session_id: str, *, date: dt.date | None = None,
                 start: str | None = None, length_min: int | None = None) -> pd.DataFrame:
    """A copy with one session moved (new date and/or start; the end keeps the length)."""
    out = normalise_sessions(sessions)
    hit = out["session_id"] == session_id
    if not hit.any():
        raise DataError(Problem("pop-up plan", f"has no session {session_id!r}."))
    i = out.index[hit][0]
    a, b = parse_hhmm(out.at[i, "start"]), parse_hhmm(out.at[i, "end"])
    length = length_min if length_min is not None else b - a
    if date is not None:
        out.at[i, "date"] = date
    if start is not None:
        out.at[i, "start"] = fmt_hhmm(parse_hhmm(start))
        out.at[i, "end"] = fmt_hhmm(parse_hhmm(start) + length)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if v is pd.NA:
        return None
    return v


def plan_payload(sessions: pd.DataFrame, rules: PlanRules, *, notes: Sequence[str] = ()) -> dict[str, Any]:
    """The plan as JSON-ready data: its rules, its sessions (one record each) and its notes."""
    s = normalise_sessions(sessions)
    records = [{str(k): _plain(v) for k, v in rec.items()} for rec in s.to_dict("records")]
    return {"rules": rules_to_dict(rules), "sessions": records, "notes": list(notes)}


def plan_from_payload(payload: Mapping[str, Any]) -> tuple[pd.DataFrame, PlanRules]:
    rules = rules_from_dict(payload["rules"])
    sessions = pd.DataFrame(payload.get("sessions", []))
    sessions = pd.DataFrame(columns=list(SESSION_COLUMNS)) if len(sessions) == 0 else normalise_sessions(sessions)
    return sessions, rules


@dataclass(frozen=True)
class PlanCounts:
    """What the plan's KPI strip shows (dropped sessions not counted)."""

    sessions: int
    accepted: int
    areas: int
    family: int
    assumed_hours: int


@dataclass(frozen=True)
class PlanSave:
    """What saving the draft under `name` sends to the plan store."""

    name: str
    payload: dict[str, Any]
    meta: dict[str, Any]
    #: the version this save builds on: the draft's own when it keeps its name, else None (a new plan)
    expected_version: int | None


@dataclass(frozen=True, eq=False)
class DraftEdit:
    """The result of applying an edited table: the new draft (the same one when nothing changed or the
    edit cannot be read), whether the plan changed, and what could not be read."""

    draft: SessionPlanDraft
    changed: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class SessionPlanDraft:
    """A pop-up plan being edited. `sessions` is normalised (`normalise_sessions`); `by_gap` is the
    planner's share per gap (None for a plan opened from the store); `name`/`version` say where it was
    last saved (None: not saved)."""

    sessions: pd.DataFrame
    rules: PlanRules
    notes: tuple[str, ...] = ()
    by_gap: pd.DataFrame | None = None
    name: str | None = None
    version: int | None = None

    # ---- making one
    @classmethod
    def from_plan(cls, plan: PopupPlan) -> SessionPlanDraft:
        """A new, unsaved draft of a proposed plan."""
        return cls(normalise_sessions(plan.sessions), plan.rules, tuple(plan.notes), plan.by_gap)

    @classmethod
    def from_saved(cls, name: str, version: int, payload: Mapping[str, Any]) -> SessionPlanDraft:
        """The draft of a plan opened from the store (its payload as `plan_payload` wrote it)."""
        sessions, rules = plan_from_payload(payload)
        return cls(sessions, rules, tuple(payload.get("notes", [])), None, name, version)

    # ---- reading it
    @property
    def live(self) -> pd.DataFrame:
        """The sessions that are not dropped."""
        return live_sessions(self.sessions)

    @property
    def title(self) -> str:
        saved = f" — '{self.name}' (version {self.version})" if self.name else ""
        return f"Plan: {self.rules.start:%d %b %Y} to {self.rules.end:%d %b %Y}" + saved

    @property
    def default_name(self) -> str:
        """The name offered for saving: the saved name, else one from the first day."""
        return self.name or f"Pop-ups from {self.rules.start:%d %b %Y}"

    def editor_table(self) -> pd.DataFrame:
        """The sessions as the editable table shows them (EDITOR_COLUMNS)."""
        return self.sessions[list(EDITOR_COLUMNS)]

    def describe_session(self, session_id: str) -> str:
        """"S001: 2026-01-19 10:00 Westfield Library" (for picking one session)."""
        row = self.sessions.loc[self.sessions["session_id"] == session_id, ["date", "start", "venue"]]
        return f"{session_id}: " + " ".join(str(x) for x in row.iloc[0].to_list())

    def problems(self, venues: pd.DataFrame) -> pd.DataFrame:
        """Every rule the plan breaks (`check_plan`): session_id, problem."""
        return check_plan(self.sessions, venues, self.rules)

    def counts(self) -> PlanCounts:
        live = self.live
        return PlanCounts(sessions=len(live), accepted=int((live["status"] == "accepted").sum()) if len(live) else 0,
                          areas=int(live["lsoa_code"].nunique()) if len(live) else 0,
                          family=int(live["family"].sum()) if len(live) else 0,
                          assumed_hours=int(live["hours_assumed"].sum()) if "hours_assumed" in live else 0)

    # ---- changing it
    def with_sessions(self, sessions: pd.DataFrame) -> SessionPlanDraft:
        return replace(self, sessions=normalise_sessions(sessions))

    def _aligned(self, table: pd.DataFrame) -> pd.DataFrame | None:
        """`table`'s rows in the order of the draft's sessions (by session_id where it has one); None
        when it does not hold exactly the draft's sessions."""
        ids = self.sessions["session_id"].astype(str)
        if "session_id" not in table.columns:
            return table.reset_index(drop=True) if len(table) == len(ids) else None
        theirs = table["session_id"].astype(str)
        if not theirs.is_unique or set(theirs) != set(ids) or len(theirs) != len(ids):
            return None
        return table.set_axis(theirs.to_list()).loc[ids.to_list()].reset_index(drop=True)

    def apply_edits(self, table: pd.DataFrame) -> DraftEdit:
        """The draft with the editable columns of `table` (as `editor_table()` gave it, then edited).
        A moved start keeps the session's length. A table that cannot be read leaves the draft as it is
        and says why; a table with no change gives back this very draft."""
        if len(self.sessions) == 0:
            return DraftEdit(self, False)
        rows = self._aligned(table)
        if rows is None:
            return DraftEdit(self, False,
                             ("The edited table does not hold this plan's sessions: open the plan again.",))
        base = self.sessions.reset_index(drop=True)
        edited = base.copy()
        for col in EDITABLE_COLUMNS:
            if col in rows.columns:
                edited[col] = rows[col].to_numpy()
        lengths = [parse_hhmm(e) - parse_hhmm(s) for s, e in zip(base["start"], base["end"])]
        try:
            edited = normalise_sessions(edited)
            edited["end"] = [fmt_hhmm(parse_hhmm(s) + n) for s, n in zip(edited["start"], lengths)]
        except (ValueError, TypeError) as exc:
            return DraftEdit(self, False, (f"A start time cannot be read ({exc}); write it as HH:MM.",))
        bad_day = [sid for sid, d in zip(edited["session_id"], edited["date"]) if is_missing(d)]
        bad_status = sorted({s for s in edited["status"] if s not in STATUSES})
        problems = ([f"Session {', '.join(map(str, bad_day))} has no date: pick one."] if bad_day else []) + \
            [f"'{s}' is not a status: use {', '.join(STATUSES)}." for s in bad_status]
        if problems:
            return DraftEdit(self, False, tuple(problems))
        cols = list(COMPARED_COLUMNS)
        if edited[cols].astype(str).equals(base[cols].astype(str)):
            return DraftEdit(self, False)
        return DraftEdit(replace(self, sessions=edited), True)

    def apply_action(self, session_id: str, action: str, *, date: dt.date | None = None,
                     start: str | None = None) -> SessionPlanDraft:
        """One session accepted, dropped, or moved to `date` and/or `start` (DataError: no such
        session; ValueError: a start that is not HH:MM)."""
        if action == "move":
            return self.with_sessions(move_session(self.sessions, session_id, date=date, start=start))
        if action not in ACTIONS:
            raise ValueError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
        changed = self.sessions.copy()
        changed.loc[changed["session_id"] == session_id, "status"] = "accepted" if action == "accept" else "dropped"
        return replace(self, sessions=changed)

    # ---- saving it
    def save_request(self, name: str) -> PlanSave:
        """What to send to the plan store to save the draft as `name`."""
        expected = self.version if self.name == name.strip() else None
        payload = plan_payload(self.sessions, self.rules, notes=self.notes)
        meta = {"sessions": len(self.live), "start": self.rules.start.isoformat(), "weeks": self.rules.weeks}
        return PlanSave(name, payload, meta, expected)

    def saved(self, name: str, version: int) -> SessionPlanDraft:
        """The draft once the store has kept it as `name`, `version`."""
        return replace(self, name=name.strip(), version=version)
