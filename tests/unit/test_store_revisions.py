"""The plan revision scheme (issue 13, item 5): one workspace-wide counter that never repeats, so a tab
holding an old revision is refused after a delete, a recreate, a purge or a rebuild."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import io
from tests.conftest import tiny_layers


@pytest.fixture
def ws(tiny_workspace_path, tmp_path):
    path = tmp_path / "ws.gpkg"
    shutil.copy(tiny_workspace_path, path)
    return path


def test_a_deleted_and_recreated_plan_never_gets_an_old_revision(ws):
    first = io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    other_tab = first  # a second tab opens the plan at its first revision
    second = io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v1", "v2"]}, expected_version=first)
    io.delete_plan(ws, kind="hubs", name="Spring", expected_version=second)
    again = io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v3"]})  # recreated
    assert (first, second, again) == (1, 2, 4)  # the delete took revision 3
    with pytest.raises(io.StalePlanError, match="you had version 1; the saved one is version 4"):
        io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["stale"]}, expected_version=other_tab)
    assert io.load_plan(ws, kind="hubs", name="Spring")[1] == {"hubs": ["v3"]}


def test_a_save_after_a_delete_elsewhere_is_refused_and_says_deleted(ws):
    rev = io.save_plan(ws, kind="patches", name="Winter", payload={"n": 1})
    io.delete_plan(ws, kind="patches", name="Winter", expected_version=rev)
    with pytest.raises(io.StalePlanError, match="deleted elsewhere") as err:
        io.save_plan(ws, kind="patches", name="Winter", payload={"n": 2}, expected_version=rev)
    assert err.value.deleted and err.value.stored == 0
    assert io.list_plans(ws, kind="patches") == []
    with pytest.raises(io.StalePlanError):
        io.delete_plan(ws, kind="patches", name="Winter", expected_version=rev)


def test_one_counter_for_every_plan_kind(ws):
    assert io.workspace_revision(ws) == 0
    got = [io.save_plan(ws, kind=kind, name="A", payload={}) for kind in ("hubs", "patches", "popups", "lots")]
    assert got == [1, 2, 3, 4]
    assert {p.kind: p.version for k in ("hubs", "lots") for p in io.list_plans(ws, kind=k)} == {"hubs": 1, "lots": 4}
    assert io.workspace_revision(ws) == 4


def test_the_purge_keeps_revisions_and_a_stale_tab_is_still_refused(ws):
    first = io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    second = io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v2"]}, expected_version=first)
    io.purge_participants(ws, months=12, today=dt.date(2025, 6, 1), by="test")
    info, payload = io.load_plan(ws, kind="hubs", name="Spring")
    assert (info.version, payload) == (second, {"hubs": ["v2"]})  # untouched by the purge
    with pytest.raises(io.StalePlanError):
        io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["stale"]}, expected_version=first)
    # the tab that holds the current revision saves as before, above the purge's revision
    assert io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v3"]}, expected_version=second) == 4


def test_a_rebuild_at_the_same_path_carries_the_counter_on(ws):
    io.save_plan(ws, kind="hubs", name="Spring", payload={})
    io.save_plan(ws, kind="hubs", name="Summer", payload={})
    io.write_workspace(ws, tiny_layers(), {"name": "Tiny Town"})  # plans go with the old file
    assert io.list_plans(ws, kind="hubs") == [] and io.workspace_revision(ws) == 2
    assert io.save_plan(ws, kind="hubs", name="Spring", payload={}) == 3


def test_a_file_from_before_the_counter_starts_above_its_plans(ws):
    con = sqlite3.connect(ws)
    con.execute("DELETE FROM patchwork_meta WHERE key='plan_revision'")  # as files written before the counter
    con.executemany("INSERT INTO patchwork_plans VALUES (?, ?, ?, 'then', '{}', '{}')",
                    [("hubs", "Old", 5), ("patches", "Older", 3)])
    con.commit()
    con.close()
    assert io.workspace_revision(ws) == 5
    assert io.save_plan(ws, kind="lots", name="New", payload={}) == 6
    assert io.save_plan(ws, kind="hubs", name="Old", payload={}, expected_version=5) == 7


def test_a_write_that_fails_inside_the_lock_writes_nothing(ws):
    io.save_plan(ws, kind="hubs", name="Spring", payload={"hubs": ["v1"]})
    before = ws.read_bytes()
    with pytest.raises(TypeError):
        io.save_plan(ws, kind="hubs", name="Other", payload={"x": object()}, meta={1j: "not json keys"})
    assert ws.read_bytes() == before and io.workspace_revision(ws) == 1


# ---- property: whatever the order of saves, deletes, recreates and purges ---------------------------

OPS = st.lists(st.tuples(st.sampled_from(["save", "stale", "delete", "purge"]), st.sampled_from(["A", "B"])),
               min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_revisions_never_repeat_and_no_stale_write_is_accepted(ws, tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("prop") / "ws.gpkg"
    shutil.copy(ws, path)
    current: dict[str, int] = {}  # what the model says is saved
    held: dict[str, set[int]] = {"A": set(), "B": set()}  # every revision a tab has ever seen
    handed: list[int] = []
    for op, name in ops:
        if op == "save":
            rev = io.save_plan(path, kind="hubs", name=name, payload={"rev": len(handed)},
                               expected_version=current.get(name))
            handed.append(rev)
            current[name] = rev
            held[name].add(rev)
        elif op == "stale":  # a tab saves from every revision it held that is no longer the saved one
            for old in sorted(held[name] - {current.get(name)}):
                with pytest.raises(io.StalePlanError):
                    io.save_plan(path, kind="hubs", name=name, payload={}, expected_version=old)
        elif op == "delete" and name in current:
            io.delete_plan(path, kind="hubs", name=name, expected_version=current.pop(name))
            handed.append(io.workspace_revision(path))
        elif op == "purge":
            handed.append(io.purge_participants(path, months=12, today=dt.date(2025, 6, 1), by="test").revision)
    assert handed == sorted(set(handed)), "a revision was handed out twice or went back"
    assert {p.name: p.version for p in io.list_plans(path, kind="hubs")} == current
