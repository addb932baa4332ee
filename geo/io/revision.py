"""The workspace's write lock and its revision counter: one rule for every write to a workspace file.

Every write to a workspace file after it is built (a plan save or delete, the retention purge, an
erasure) runs inside `write_lock(path)`: one SQLite transaction started with `BEGIN IMMEDIATE`, which
takes the file's write lock, so writes are serialised (another writer waits up to `BUSY_SECONDS`, then
is told the workspace is busy and nothing is written). Inside it `next_revision` hands out the next
number of the workspace's revision counter, the `plan_revision` row of the `patchwork_meta` table.
The counter only goes up: it is never reset by a delete, a recreate or a purge, and a rebuild of the
file at the same path carries it over (`geo.io.store.write_workspace`), so a revision is never handed
out twice in one workspace. A killed writer leaves SQLite's hot journal, which the next open rolls
back: the file holds every committed write and none of the killed one.

PostgreSQL (the team workspace) keeps the same rule: the counter is a sequence (or a row of a meta
table read with `SELECT ... FOR UPDATE`), and a plan write is one compare-and-set statement in one
transaction (see docs/architecture.md, "Plan revisions").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from geo.model import DataError, Problem

META_TABLE = "patchwork_meta"
#: The meta key of the revision counter: the last revision handed out in this workspace.
REVISION_KEY = "plan_revision"
#: How long a write waits for another one to finish before it is refused.
BUSY_SECONDS = 10.0


def ensure_meta_table(con: sqlite3.Connection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@contextmanager
def write_lock(path: str | Path, *, secure_delete: bool = False) -> Iterator[sqlite3.Connection]:
    """One write transaction on the workspace file at `path`, holding its write lock.

    Commits when the block ends, rolls back (writing nothing) when it raises. `secure_delete`
    overwrites deleted rows with zeros in the file (for personal data). A file held by another
    writer for longer than BUSY_SECONDS is a DataError saying nothing was written.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(Problem(str(path), "workspace file does not exist.",
                                fix="Open or build a workspace before saving to it."))
    con = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        if secure_delete:
            con.execute("PRAGMA secure_delete=ON")
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DataError(Problem(str(path), f"is busy: another save or a purge is still writing it ({exc}). "
                                    "Nothing was written.", fix="Try again in a moment.")) from None
        try:
            ensure_meta_table(con)
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def _stored_counter(con: sqlite3.Connection) -> int:
    row = con.execute(f"SELECT value FROM {META_TABLE} WHERE key=?", (REVISION_KEY,)).fetchone()
    if row is not None:
        return int(row[0])
    # A file from before the counter: start above every version its plans carry.
    has_plans = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='patchwork_plans'").fetchone()
    if not has_plans:
        return 0
    top = con.execute("SELECT max(version) FROM patchwork_plans").fetchone()
    return int(top[0] or 0)


def current_revision(con: sqlite3.Connection) -> int:
    """The last revision handed out in the workspace open on `con` (0 before the first write)."""
    ensure_meta_table(con)
    return _stored_counter(con)


def next_revision(con: sqlite3.Connection) -> int:
    """Bump the counter and return the new revision; call inside `write_lock` (same transaction)."""
    new = _stored_counter(con) + 1
    con.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)", (REVISION_KEY, str(new)))
    return new


def workspace_revision(path: str | Path) -> int:
    """The workspace's last revision: it changes with every plan save or delete, purge and erasure, so
    a screen that shows saved plans can poll this one number."""
    try:
        with closing(sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=BUSY_SECONDS)) as con:
            has_meta = con.execute(f"SELECT 1 FROM sqlite_master WHERE type='table' AND name='{META_TABLE}'").fetchone()
            return _stored_counter(con) if has_meta else 0
    except sqlite3.Error:
        return 0
