"""Plans saved in the workspace file: named, with a revision, never silently overwritten.

The table `patchwork_plans` holds one row per (kind, name): its revision (column `version`), when it
was saved, a JSON `meta` and a JSON `payload`. Each save or delete is one transaction under the
workspace's write lock (geo.io.revision): a save or delete based on a revision other than the stored
one is refused with `StalePlanError` (another tab or person saved, deleted or recreated it first) and
nothing is written. A save takes the next number of the workspace's revision counter, which never
goes back (not after a delete, a recreate or a purge), so a revision a tab holds is never reused.

The public names keep the word the pages show: `PlanInfo.version` and `expected_version` are the
plan's revision.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.io.revision import BUSY_SECONDS, next_revision, write_lock
from geo.model import DataError, Problem

PLANS_TABLE = "patchwork_plans"


class StalePlanError(DataError):
    """A save or delete based on another revision of a plan than the one stored (another tab saved,
    deleted or recreated it first). `stored` is 0 when the plan is no longer saved (`deleted`)."""

    def __init__(self, kind: str, name: str, expected: int | None, stored: int) -> None:
        self.kind, self.name, self.expected, self.stored = kind, name, expected, stored
        seen = "no saved version" if expected is None else f"version {expected}"
        if stored:
            message = (f"was changed elsewhere since you opened it (you had {seen}; the saved one is "
                       f"version {stored}). Nothing was overwritten.")
            fix = "Reload the plan to see the other changes, or save yours under a new name."
        else:
            message = f"was deleted elsewhere since you opened it (you had {seen}). Nothing was overwritten."
            fix = "Save yours under a new name, or open another saved plan."
        super().__init__(Problem(source=f"{kind} plan '{name}'", message=message, fix=fix))

    @property
    def deleted(self) -> bool:
        """The plan is no longer saved (deleted elsewhere): reloading it is not possible."""
        return not self.stored


@dataclass(frozen=True)
class PlanInfo:
    """A saved plan's listing; `version` is its revision (unique in the workspace, never reused)."""

    kind: str
    name: str
    version: int
    saved_at: str
    meta: dict[str, Any]


def ensure_plans_table(con: sqlite3.Connection) -> None:
    """Create the plans table when the file has none (every workspace write does this)."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {PLANS_TABLE} (kind TEXT NOT NULL, name TEXT NOT NULL, "
        "version INTEGER NOT NULL, saved_at TEXT NOT NULL, meta TEXT NOT NULL, payload TEXT NOT NULL, "
        "PRIMARY KEY (kind, name))")


def _connect_rw(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise DataError(Problem(str(path), "workspace file does not exist.",
                                fix="Open or build a workspace before saving plans."))
    con = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    ensure_plans_table(con)
    return con


def _stored(con: sqlite3.Connection, kind: str, name: str) -> int | None:
    row = con.execute(f"SELECT version FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name)).fetchone()
    return None if row is None else int(row[0])


def save_plan(path: str | Path, *, kind: str, name: str, payload: Mapping[str, Any],
              meta: Mapping[str, Any] | None = None, expected_version: int | None = None) -> int:
    """Save a plan in one transaction and return its new revision.

    `expected_version` is the revision the user started from (None for a new plan). When the stored
    revision differs (or the plan was deleted, or created meanwhile), nothing is written and
    StalePlanError says so.
    """
    name = name.strip()
    if not name:
        raise DataError(Problem(f"{kind} plan", "has no name.", fix="Give the plan a name."))
    body = json.dumps(payload, default=str)
    with write_lock(path) as con:
        ensure_plans_table(con)
        stored = _stored(con, kind, name)
        if stored != expected_version:
            raise StalePlanError(kind, name, expected_version, stored or 0)
        new = next_revision(con)
        con.execute(f"INSERT OR REPLACE INTO {PLANS_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, name, new, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     json.dumps(dict(meta or {}), default=str), body))
    return new


def list_plans(path: str | Path, *, kind: str) -> list[PlanInfo]:
    con = _connect_rw(Path(path))
    try:
        rows = con.execute(f"SELECT kind, name, version, saved_at, meta FROM {PLANS_TABLE} WHERE kind=? "
                           "ORDER BY name", (kind,)).fetchall()
    finally:
        con.close()
    return [PlanInfo(r[0], r[1], int(r[2]), r[3], json.loads(r[4])) for r in rows]


def load_plan(path: str | Path, *, kind: str, name: str) -> tuple[PlanInfo, dict[str, Any]]:
    con = _connect_rw(Path(path))
    try:
        row = con.execute(f"SELECT kind, name, version, saved_at, meta, payload FROM {PLANS_TABLE} "
                          "WHERE kind=? AND name=?", (kind, name)).fetchone()
    finally:
        con.close()
    if row is None:
        raise DataError(Problem(f"{kind} plan '{name}'", "is not saved in this workspace.",
                                fix="Choose one of the saved plans."))
    return PlanInfo(row[0], row[1], int(row[2]), row[3], json.loads(row[4])), json.loads(row[5])


def delete_plan(path: str | Path, *, kind: str, name: str, expected_version: int) -> int:
    """Delete a plan in one transaction, refused (StalePlanError) unless it is at `expected_version`;
    return the revision of the delete.

    The revision counter moves on, so a later plan of the same name gets a revision never seen before.
    """
    with write_lock(path) as con:
        ensure_plans_table(con)
        stored = _stored(con, kind, name)
        if stored is None or stored != expected_version:
            raise StalePlanError(kind, name, expected_version, stored or 0)
        con.execute(f"DELETE FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name))
        revision = next_revision(con)
    return revision
