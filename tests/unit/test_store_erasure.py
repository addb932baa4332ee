"""The retention purge and erasure on request (issue 13, items 4 and 13): one in-place transaction under
the workspace's write lock that keeps every plan, records the erasure and not the person, and leaves no
copy of the erased rows in the file; stale temporary files of killed builds go when a workspace opens."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import io
from geo.io import erasure
from geo.model import DataError
from geo.read.points import pseudonymise
from tests.conftest import tiny_layers

SALT = b"s" * 32
CASES = [f"CASE-{i:02d}" for i in range(12)]
PIDS = list(pseudonymise(pd.Series(CASES, dtype="string"), salt=SALT))
TODAY = dt.date(2025, 6, 1)  # 12 months -> cut-off 2024-06-01: the 6 enrolled in February 2024 are old


@pytest.fixture(scope="module")
def pseudonymised(tmp_path_factory):
    """The tiny workspace with its 12 participants pseudonymised as an import does (salt SALT)."""
    layers = tiny_layers()
    layers["participants"]["participant_id"] = PIDS
    path = tmp_path_factory.mktemp("erase") / "base.gpkg"
    io.write_workspace(path, layers, {"name": "Tiny Town"})
    return path


@pytest.fixture
def ws(pseudonymised, tmp_path):
    path = tmp_path / "ws.gpkg"
    path.write_bytes(pseudonymised.read_bytes())
    return path


def plans_table(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM patchwork_plans ORDER BY kind, name").fetchall()
    finally:
        con.close()


def test_purge_deletes_the_old_records_and_keeps_every_plan_as_it_was(ws):
    io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v1"]}, meta={"hubs": 1})
    io.save_plan(ws, kind="lots", name="Two lots", payload={"lots": [1, 2]})
    before, old_id = plans_table(ws), io.read_workspace(ws).id
    done = io.purge_participants(ws, months=12, today=TODAY, by="Dana Steward")
    assert (done.rows, done.reason, done.erased_by, done.revision) == (6, io.erasure.RETENTION, "Dana Steward", 3)
    assert done.detail == "records with no activity since before 2024-06-01 (12 months)"
    after = io.read_workspace(ws)
    assert sorted(after.layer("participants")["participant_id"]) == sorted(PIDS[6:])
    assert plans_table(ws) == before  # same payloads, revisions and saved_at
    assert after.meta["retention_months"] == "12" and after.meta["retention_applied_on"] == "2025-06-01"
    assert after.id != old_id  # caches keyed by the content are rebuilt
    assert io.erasures(ws) == [done]
    again = io.purge_participants(ws, months=12, today=TODAY, by="Dana Steward")  # nothing left to purge
    assert again.rows == 0 and [e.revision for e in io.erasures(ws)] == [3, 4]


def test_a_save_from_another_tab_during_the_purge_waits_and_is_kept(ws, monkeypatch):
    """The purge holds the write lock while it reads and deletes; a save started meanwhile waits for it
    (it is not told "Saved" and then lost) and lands after it."""
    results: list[object] = []
    original = erasure.is_old

    def slow_selection(*args, **kwargs):
        saver.start()
        time.sleep(0.3)  # the other tab's save is now waiting for the lock
        results.append(("purge reading", io.list_plans(ws, kind="hubs")))
        return original(*args, **kwargs)

    def other_tab():
        results.append(("saved", io.save_plan(ws, kind="hubs", name="During", payload={"n": 1})))

    saver = threading.Thread(target=other_tab)
    monkeypatch.setattr(erasure, "is_old", slow_selection)
    done = io.purge_participants(ws, months=12, today=TODAY, by="test")
    saver.join(timeout=20)
    assert results == [("purge reading", []), ("saved", done.revision + 1)]
    assert io.load_plan(ws, kind="hubs", name="During")[1] == {"n": 1}
    assert len(io.read_workspace(ws).layer("participants")) == 6


def test_erasure_by_the_original_id_through_the_salt(ws):
    io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    plans = plans_table(ws)
    done = io.erase_participant(ws, original_id=" CASE-03 ", salt=SALT, by="Dana Steward")
    assert (done.rows, done.reason, done.detail) == (1, io.erasure.REQUEST, "one participant, by the original id")
    left = io.read_workspace(ws).layer("participants")["participant_id"]
    assert len(left) == 11 and PIDS[3] not in set(left)
    assert plans_table(ws) == plans
    record = json.dumps([list(e.__dict__.values()) for e in io.erasures(ws)])
    assert PIDS[3] not in record and "CASE-03" not in record  # the record names nobody


def test_erasure_by_the_pseudonymous_id_leaves_no_trace_of_the_row_in_the_file(ws):
    con = sqlite3.connect(ws)
    blob = con.execute("SELECT geom FROM participants WHERE participant_id=?", (PIDS[11],)).fetchone()[0]
    con.close()
    assert PIDS[11].encode() in ws.read_bytes() and blob in ws.read_bytes()
    done = io.erase_participant(ws, participant_id=PIDS[11].upper(), by="Dana Steward")
    assert done.rows == 1 and done.detail == "one participant, by the pseudonymous id"
    data = ws.read_bytes()
    assert PIDS[11].encode() not in data and blob not in data  # overwritten, not just unlinked
    # the far participant (easting 451,500) set the layer's extent; it no longer does
    con = sqlite3.connect(ws)
    max_x = con.execute("SELECT max_x FROM gpkg_contents WHERE table_name='participants'").fetchone()[0]
    con.close()
    assert max_x == 450_505


def test_erasure_with_the_folder_salt(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path))
    with pytest.raises(DataError, match="no participant salt"):
        io.erase_participant(ws, original_id="CASE-01", by="Dana")
    (tmp_path / io.SALT_FILE).write_bytes(SALT)
    assert io.pseudonym_of("CASE-01") == PIDS[1]
    assert io.erase_participant(ws, original_id="CASE-01", by="Dana").rows == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"participant_id": "p-0000000000000000"}, "no participant record has this id"),
    ({"original_id": "CASE-99", "salt": SALT}, "no participant record has this id"),
    ({"participant_id": "CASE-01"}, "is not a pseudonymous id"),
    ({"original_id": "  ", "salt": SALT}, "has no identifier"),
    ({"participant_id": PIDS[0], "by": "  "}, "does not say who is erasing"),
])
def test_an_erasure_that_cannot_be_done_writes_nothing(ws, kwargs, message):
    before = ws.read_bytes()
    with pytest.raises(DataError, match=message):
        io.erase_participant(ws, **({"by": "Dana"} | kwargs))
    assert ws.read_bytes() == before and io.erasures(ws) == []


def test_stale_temp_files_of_killed_builds_go_when_a_workspace_opens(ws):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    folder = ws.parent
    stale = [folder / ".ws.abcd1234.tmp.gpkg",  # named before names carried the writer's pid
             folder / f".other.pid{dead_pid}.x1y2.tmp.gpkg", folder / f".other.pid{dead_pid}.x1y2.tmp.gpkg-journal"]
    live = folder / f".ws.pid{os.getpid()}.zz.tmp.gpkg"  # a build still running in this process
    for p in [*stale, live]:
        p.write_bytes(b"participant rows")
    io.read_workspace(ws)
    assert [p.exists() for p in stale] == [False, False, False] and live.exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(erase=st.sets(st.integers(0, 11), max_size=6))
def test_erasing_any_set_leaves_exactly_the_others(pseudonymised, tmp_path_factory, erase):
    path = tmp_path_factory.mktemp("prop") / "ws.gpkg"
    path.write_bytes(pseudonymised.read_bytes())
    rev = io.save_plan(path, kind="hubs", name="Kept", payload={"x": 1})
    for i in sorted(erase):
        io.erase_participant(path, participant_id=PIDS[i], by="p")
    con = sqlite3.connect(path)
    left = {r[0] for r in con.execute("SELECT participant_id FROM participants")}
    con.close()
    assert left == {p for i, p in enumerate(PIDS) if i not in erase}
    assert [e.rows for e in io.erasures(path)] == [1] * len(erase)
    assert io.list_plans(path, kind="hubs")[0].version == rev
    assert io.workspace_revision(path) == rev + len(erase)


def test_the_demo_boroughs_invented_ids_can_be_erased_too():
    assert io.normalise_pseudonym(" P151AEAE2B0 ") == "p151aeae2b0"
    with pytest.raises(DataError, match="is not a pseudonymous id"):
        io.normalise_pseudonym("p151aeae2b")
