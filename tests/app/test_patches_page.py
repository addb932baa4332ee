"""AppTest of the Patches page on the tiny workspace: infeasible bounds explained, a plan, lock, move,
rebalance, save and reopen."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from tests.conftest import ROOT


@pytest.fixture
def ws_path(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def kpis(at):
    return {m.label: m.value for m in at.metric}


def table(at):
    return at.dataframe[0].value


def test_infeasible_bounds_are_explained_with_numbers(ws_path):
    at = AppTest.from_file(str(ROOT / "pages" / "patches.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    # Observed: 6 participants enrolled in the last 12 months, 12 months on the programme -> caseload 6;
    # one patch of 42.5-57.5 cannot hold it.
    errors = " ".join(e.value for e in at.error)
    assert "cannot be made" in errors
    assert "expected caseload is 6 participants at once, but 1 patch of 42.5–57.5" in errors
    assert "Change the bounds" in errors


def test_plan_lock_move_rebalance_save_and_reopen(ws_path):
    at = AppTest.from_file(str(ROOT / "pages" / "patches.py"), default_timeout=60)
    at.run()
    at.radio(key="patch_basis").set_value("estimated").run()
    at.number_input(key="patch_caseload").set_value(10.0).run()  # N = 3, bounds 8.5-11.5
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    k = kpis(at)
    assert k["Patches"] == "3" and k["Outside the bounds"] == "0"
    t = table(at)
    assert t["lsoas"].sum() == 4 and set(t["contiguous"]) == {"yes"} and set(t["within_bounds"]) == {"yes"}
    maps = json.dumps([str(el.proto) for el in at.get("component_instance")])
    assert "P1" in maps and "cdn.jsdelivr" not in maps and "pid0" not in maps

    # lock the patch holding the first LSOA, move another LSOA by hand: the balance updates
    at.multiselect(key="patch_lock").set_value(["Patch 1"]).run()
    assert "locked" in table(at).set_index("patch").loc["Patch 1", "locked"]
    before = table(at).set_index("patch")["lsoas"].to_dict()
    movable = [o for o in at.selectbox(key="patch_move_code").options if "(in Patch 1)" not in o
               and before[o.rsplit("(in ", 1)[1].rstrip(")")] > 1]  # not the last LSOA of its patch
    code = movable[0].split()[0]
    src = movable[0].rsplit("(in ", 1)[1].rstrip(")")
    at.selectbox(key="patch_move_code").set_value(code).run()
    target = next(o for o in at.selectbox(key="patch_move_to").options if not o.startswith("Patch 1"))
    target = target.split(" (")[0]
    if target != src:
        at.selectbox(key="patch_move_to").set_value(target)
        at.button(key="patch_move").click().run()
        assert not at.exception, at.exception
        after = table(at).set_index("patch")["lsoas"].to_dict()
        assert after[src] == before[src] - 1 and after[target] == before[target] + 1
        assert "1 LSOAs moved by hand" in str(at.metric[0].proto)
    at.button(key="patch_rebalance").click().run()
    assert not at.exception, at.exception
    assert "locked" in table(at).set_index("patch").loc["Patch 1", "locked"]

    # save, change, reopen
    at.text_input(key="patch_plan_name").input("Tiny patches")
    at.button(key="patch_save").click().run()
    assert any("Saved 'Tiny patches' (version 1)" in s.value for s in at.success)
    info = io.list_plans(ws_path, kind="patches")
    assert [p.name for p in info] == ["Tiny patches"] and info[0].meta["patches"] == 3
    saved = table(at)
    at.number_input(key="patch_n").set_value(2)
    at.number_input(key="patch_lower").set_value(10.0)
    at.number_input(key="patch_upper").set_value(20.0)
    at.button(key="patch_find").click().run()
    assert kpis(at)["Patches"] == "2"
    at.selectbox(key="patch_saved_pick").set_value("Tiny patches")
    at.button(key="patch_open").click().run()
    assert not at.exception, at.exception
    assert kpis(at)["Patches"] == "3"
    assert table(at)["lsoas"].tolist() == saved["lsoas"].tolist()
    assert at.multiselect(key="patch_lock").value == ["Patch 1"]
