"""AppTest of the Compare plans page on the tiny workspace: two saved hub plans (and two patch plans)
side by side, the differences table, and the message when fewer than two plans are saved."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import assumptions, io
from geo.assumptions import ReachAssumptions
from geo.plan import caseload, hubs, patch_plan, patch_table, patches
from geo.plan.lsoa_travel import travel_times
from geo.plan.need import need_table
from geo.plan.patch_units import make_units
from tests.conftest import ROOT


@pytest.fixture
def ws_path(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"  # a copy: these tests save plans into it
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def save_hub_plan(path, name: str, hub_ids: list[str]) -> None:
    """A plan made as the Hubs page makes one (hubs by hand), saved as it saves one."""
    ws = io.read_workspace(path)
    settings = hubs.HubSettings(n_hubs=len(hub_ids), budget_min=15.0, n_satellites=0)
    tt = travel_times(ws.layer("lsoas"), ws.layer("venues"), roads=ws.layer("roads"), max_minutes=60.0,
                      assumptions=ReachAssumptions())
    plan = hubs.evaluate_plan(need_table(ws.layer("lsoas")), tt, hubs=hub_ids, satellites=[], settings=settings)
    io.save_plan(path, kind=hubs.PLAN_KIND, name=name, payload=hubs.plan_payload(plan), meta=hubs.plan_meta(plan))


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def rows(at) -> dict[str, list[str]]:
    t = at.dataframe[0].value
    return {r[0]: list(r[1:]) for r in t.itertuples(index=False)}


def test_fewer_than_two_plans_says_so(ws_path):
    at = page()
    assert any("save at least two plans on the Hubs page first" in i.value for i in at.info)
    assert not at.dataframe and not at.get("component_instance")
    save_hub_plan(ws_path, "Only one", ["v1"])
    at = page()
    assert any("1 hubs plan saved" in i.value and "at least two" in i.value for i in at.info)
    at.radio(key="compare_kind").set_value("Patches").run()
    assert any("save at least two plans on the Patches page first" in i.value for i in at.info)


def test_two_hub_plans_side_by_side(ws_path):
    save_hub_plan(ws_path, "Library", ["v1"])
    save_hub_plan(ws_path, "Both", ["v1", "v2"])
    at = page()
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("component_instance")) == 2  # the two maps
    t = at.dataframe[0].value
    assert list(t.columns) == ["measure", "A: Both", "B: Library", "difference (B − A)"]
    r = rows(at)
    assert r["Hubs"] == ["2", "1", "−1"]
    assert r["Venues only in this plan"] == ["Eastgate Hall", "none", "1 only in A, 0 only in B"]
    a, b, d = r["Need covered by hubs"]
    assert a.endswith("%") and b.endswith("%") and d.endswith("pts")
    assert int(a[:-1]) >= int(b[:-1])
    assert any(k.startswith("Furthest LSOA served") for k in r)
    assert "Uncovered pockets" in r

    # swap A and B: the differences change sign
    at.selectbox(key="compare_a_hubs").set_value("Library")
    at.selectbox(key="compare_b_hubs").set_value("Both").run()
    assert not at.exception, at.exception
    assert rows(at)["Hubs"] == ["1", "2", "+1"]


def test_two_patch_plans(ws_path):
    ws = io.read_workspace(ws_path)
    settings = assumptions.CaseloadSettings(caseload=10.0, basis=assumptions.ESTIMATED)
    cl, _ = caseload.expected_caseload(ws.layer("lsoas"), ws.layer("participants"), settings=settings)
    units = make_units(ws.layer("lsoas"), cl, roads=ws.layer("roads"))
    for name, n, lo, hi in (("Three", 3, 8.5, 11.5), ("Two", 2, 10.0, 20.0)):
        plan = patches.plan_patches(units, n_patches=n, lower=lo, upper=hi, settings=settings, time_limit_s=2.0)
        table, _ = patch_table.patch_table(units, plan, lsoas=ws.layer("lsoas"), assumptions=ReachAssumptions())
        io.save_plan(ws_path, kind=patch_plan.PLAN_KIND, name=name, payload=patch_plan.plan_payload(plan),
                     meta=patch_table.plan_meta(plan, table))
    at = page()
    at.radio(key="compare_kind").set_value("Patches").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("component_instance")) == 2
    r = rows(at)
    assert r["Patches"] == ["3", "2", "−1"]
    moved, total = r["LSOAs that change patch"][2].split(" of ")
    assert total == "4" and 1 <= int(moved) <= 3
    assert any(k.startswith("Longest trip from a base") for k in r)
