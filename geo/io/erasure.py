"""Erasing participant records in the workspace file: the retention purge and erasure on request.

Both are one code path (`_erase`): one transaction under the workspace's write lock
(geo.io.revision) that reads the participants' ids and dates, deletes the chosen rows in place,
records the erasure and moves the revision counter on. Every saved plan stays exactly as it was
(same payload, same revision), a plan saved from another tab meanwhile waits for the lock and is
kept, and a writer killed at any point leaves the file as it was before (SQLite's journal is rolled
back on the next open). No temporary copy of the participants is made. Deleted rows are overwritten
with zeros in the file (`PRAGMA secure_delete`), and the layer's extent is recomputed so it no longer
spans an erased home location.

The record of an erasure (table `patchwork_erasures`) says when, by whom, why and how many rows,
and nothing about the person: no id, pseudonymous or not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.analyse.retention import DATE_COLUMNS, is_old, retention_cutoff
from geo.io.remembered import participant_salt
from geo.io.revision import META_TABLE, next_revision, write_lock
from geo.model import DataError, Problem
from geo.read.points import pseudonymise

ERASURES_TABLE = "patchwork_erasures"
LAYER = "participants"
RETENTION, REQUEST = "retention purge", "erasure on request"
#: A pseudonymous id as an import makes it (`p-` and 16 hex digits), or the demo borough's invented ids.
PSEUDONYM = re.compile(r"p-[0-9a-f]{16}|p[0-9a-f]{10}")


@dataclass(frozen=True)
class Erasure:
    """One erasure as recorded: when (UTC, ISO), by whom, why (RETENTION or REQUEST), how many rows
    were deleted, what was asked in words (never an id), and the workspace revision it made."""

    erased_at: str
    erased_by: str
    reason: str
    rows: int
    detail: str
    revision: int


def _ensure_table(con: sqlite3.Connection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {ERASURES_TABLE} (erased_at TEXT NOT NULL, erased_by TEXT NOT NULL, "
                "reason TEXT NOT NULL, rows INTEGER NOT NULL, detail TEXT NOT NULL, revision INTEGER NOT NULL)")


def _participants(con: sqlite3.Connection) -> pd.DataFrame:
    """fid, participant_id and the dating columns of every participant row (empty without the layer)."""
    have = {str(r[1]) for r in con.execute(f"PRAGMA table_info({LAYER})").fetchall()}
    cols = ["fid"] + [c for c in ("participant_id", *DATE_COLUMNS) if c in have]
    if "fid" not in have:
        return pd.DataFrame(columns=cols)
    rows = con.execute(f"SELECT {', '.join(cols)} FROM {LAYER}").fetchall()
    return pd.DataFrame(rows, columns=cols)


def _refresh_extent(con: sqlite3.Connection) -> None:
    """Recompute the participants' extent in gpkg_contents from its spatial index."""
    geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name)=?", (LAYER,)).fetchone()
    if geom is None:
        return
    rtree = f"rtree_{LAYER}_{geom[0]}"
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name=?", (rtree,)).fetchone():
        return
    bounds = con.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "{rtree}"').fetchone()
    con.execute("UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?, "
                "last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE lower(table_name)=?", (*bounds, LAYER))


def _erase(path: str | Path, *, reason: str, detail: str, by: str,
           select: Callable[[pd.DataFrame], np.ndarray], meta: Mapping[str, str] | None = None,
           nothing: Problem | None = None) -> Erasure:
    """Delete the participant rows `select` marks, record it and update `meta`, in one transaction.

    When nothing is selected and `nothing` is given, that problem is raised and nothing is written.
    """
    who = " ".join(str(by).split())
    if not who:
        raise DataError(Problem(f"{reason}", "does not say who is erasing.",
                                fix="Give your name: it is recorded with the erasure."))
    with write_lock(path, secure_delete=True) as con:
        people = _participants(con)
        chosen = np.asarray(select(people), dtype=bool) if len(people) else np.zeros(0, dtype=bool)
        fids = [int(f) for f in people.loc[chosen, "fid"]]
        if not fids and nothing is not None:
            raise DataError(nothing)
        con.executemany(f"DELETE FROM {LAYER} WHERE fid=?", [(f,) for f in fids])
        if fids:
            _refresh_extent(con)
        revision = next_revision(con)
        old_id = con.execute(f"SELECT value FROM {META_TABLE} WHERE key='content_id'").fetchone()
        # the layers changed: a new content id, so every cache keyed by it is rebuilt
        new_id = hashlib.sha256(f"{old_id[0] if old_id else ''}:{revision}".encode()).hexdigest()[:16]
        con.executemany(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)",
                        [("content_id", new_id), *((str(k), str(v)) for k, v in (meta or {}).items())])
        done = Erasure(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), who, reason, len(fids), detail,
                       revision)
        _ensure_table(con)
        con.execute(f"INSERT INTO {ERASURES_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                    (done.erased_at, done.erased_by, done.reason, done.rows, done.detail, done.revision))
    return done


def purge_participants(path: str | Path, *, months: int, today: dt.date, by: str) -> Erasure:
    """Delete every participant record with no activity since `months` months before `today`
    (geo.analyse.retention), keep every plan, and record the setting and the date of the purge."""
    cutoff = retention_cutoff(months=months, today=today)
    return _erase(path, reason=RETENTION, by=by,
                  detail=f"records with no activity since before {cutoff.isoformat()} ({months} months)",
                  select=lambda people: is_old(people, months=months, today=today),
                  meta={"retention_months": str(months), "retention_applied_on": today.isoformat()})


def pseudonym_of(original_id: str, *, salt: bytes | None = None) -> str:
    """The pseudonymous id an original identifier got at import (the salt of the workspace folder)."""
    text = str(original_id).strip()
    if not text:
        raise DataError(Problem("erasure on request", "has no identifier.", fix="Type the participant's identifier."))
    key = salt if salt is not None else participant_salt(create=False)
    return str(pseudonymise(pd.Series([text], dtype="string"), salt=key).iloc[0])


def normalise_pseudonym(text: str) -> str:
    """A pseudonymous id as stored (`p-` and 16 lower-case hex digits); DataError for anything else."""
    pid = str(text).strip().lower()
    if not PSEUDONYM.fullmatch(pid):
        raise DataError(Problem("erasure on request", f"'{str(text).strip()}' is not a pseudonymous id.",
                                fix="A pseudonymous id is 'p-' and 16 hex digits (e.g. p-0123456789abcdef); "
                                    "to erase by the identifier from your own system, choose the original id."))
    return pid


def erase_participant(path: str | Path, *, by: str, participant_id: str | None = None,
                      original_id: str | None = None, salt: bytes | None = None) -> Erasure:
    """Erase one participant's rows: by the pseudonymous id (`p-` and 16 hex digits) or by the
    original identifier, pseudonymised with the workspace folder's salt (or `salt`). Raises DataError,
    writing nothing, when no row has that id. The record names neither id."""
    if (participant_id is None) == (original_id is None):
        raise ValueError("give exactly one of participant_id and original_id")
    if original_id is not None:
        pid, how = pseudonym_of(original_id, salt=salt), "by the original id"
    else:
        pid, how = normalise_pseudonym(str(participant_id)), "by the pseudonymous id"
    nothing = Problem("erasure on request", f"no participant record has this id ({how.removeprefix('by ')}). "
                      "Nothing was erased.",
                      fix="Check the identifier; if it is from your own system, choose the original id.")
    return _erase(path, reason=REQUEST, by=by, detail=f"one participant, {how}", nothing=nothing,
                  select=lambda people: (people.get("participant_id", pd.Series(dtype=object)) == pid)
                  .fillna(False).to_numpy(dtype=bool))


def erasures(path: str | Path) -> list[Erasure]:
    """Every recorded erasure and purge, oldest first ([] when none)."""
    try:
        con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = con.execute(f"SELECT erased_at, erased_by, reason, rows, detail, revision FROM {ERASURES_TABLE} "
                           "ORDER BY revision").fetchall()
    except sqlite3.Error:
        return []
    finally:
        con.close()
    return [Erasure(str(a), str(b), str(c), int(d), str(e), int(f)) for a, b, c, d, e, f in rows]
