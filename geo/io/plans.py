"""Plans saved in the workspace file: named, versioned, never silently overwritten.

The table `patchwork_plans` holds one row per (kind, name): a version number, when it was saved,
a JSON `meta` and a JSON `payload`. Each save or delete is one SQLite transaction; a save or delete
based on a version other than the stored one is refused with `StalePlanError` (another tab or person
saved first), and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.model import DataError, Problem

PLANS_TABLE = "patchwork_plans"


class StalePlanError(DataError):
    """A save based on an older version of a plan than the one stored (another tab saved first)."""

    def __init__(self, kind: str, name: str, expected: int | None, stored: int) -> None:
        self.kind, self.name, self.expected, self.stored = kind, name, expected, stored
        seen = "no saved version" if expected is None else f"version {expected}"
        super().__init__(Problem(
            source=f"{kind} plan '{name}'",
            message=f"was changed elsewhere since you opened it (you had {seen}; the saved one is "
                    f"version {stored}). Nothing was overwritten.",
            fix="Reload the plan to see the other changes, or save yours under a new name."))


@dataclass(frozen=True)
class PlanInfo:
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
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    ensure_plans_table(con)
    return con


def save_plan(path: str | Path, *, kind: str, name: str, payload: Mapping[str, Any],
              meta: Mapping[str, Any] | None = None, expected_version: int | None = None) -> int:
    """Save a plan in one transaction and return its new version.

    `expected_version` is the version the user started from (None for a new plan). When the stored
    version differs, nothing is written and StalePlanError says so.
    """
    name = name.strip()
    if not name:
        raise DataError(Problem(f"{kind} plan", "has no name.", fix="Give the plan a name."))
    body = json.dumps(payload, default=str)
    con = _connect_rw(Path(path))
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute(f"SELECT version FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name)).fetchone()
        stored = None if row is None else int(row[0])
        if stored != expected_version:
            con.execute("ROLLBACK")
            raise StalePlanError(kind, name, expected_version, stored or 0)
        new = (stored or 0) + 1
        con.execute(f"INSERT OR REPLACE INTO {PLANS_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, name, new, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     json.dumps(dict(meta or {}), default=str), body))
        con.execute("COMMIT")
        return new
    finally:
        con.close()


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


def delete_plan(path: str | Path, *, kind: str, name: str, expected_version: int) -> None:
    con = _connect_rw(Path(path))
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute(f"SELECT version FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name)).fetchone()
        if row is None or int(row[0]) != expected_version:
            con.execute("ROLLBACK")
            raise StalePlanError(kind, name, expected_version, 0 if row is None else int(row[0]))
        con.execute(f"DELETE FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name))
        con.execute("COMMIT")
    finally:
        con.close()
