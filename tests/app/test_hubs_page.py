"""AppTest of the Hubs page on the tiny workspace: choice, fixed hubs, swaps, saved plans, two tabs."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from tests.conftest import ROOT


@pytest.fixture
def ws_path(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"  # a copy: these tests save plans into it
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "hubs.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def kpis(at):
    return {m.label: m.value for m in at.metric}


def map_script(at) -> str:
    return json.dumps([str(el.proto) for el in at.get("component_instance")])


def hub_names(at) -> list[str]:
    table = at.dataframe[0].value
    return table.loc[table["role"].str.startswith("hub"), "name"].tolist()


def test_hubs_page_chooses_fixes_and_swaps(ws_path):
    at = page()
    k = kpis(at)
    assert set(k) == {"Need covered by hubs", "With satellites", "Distance from the best possible",
                      "Uncovered pockets"}
    assert k["Distance from the best possible"] == "proven best"
    # only one library in Tiny Town: the second hub asked for cannot be found among the chosen kinds
    assert hub_names(at) == ["Westfield Library"]
    text = map_script(at)
    assert "H1" in text and "cdn.jsdelivr" not in text and "unpkg" not in text and "pid0" not in text

    # the church hall is already in place: kept, even though it is not a chosen kind
    at.number_input(key="hub_k").set_value(2)
    at.multiselect(key="hub_fixed").set_value(["v2"])
    at.button(key="hub_find").click().run()
    assert not at.exception, at.exception
    assert sorted(hub_names(at)) == ["Eastgate Hall", "Westfield Library"]
    roles = at.dataframe[0].value.set_index("name")["role"]
    assert roles["Eastgate Hall"] == "hub (in place)"
    before = kpis(at)["Need covered by hubs"]

    # swap the library for nothing better: the hub count stays and coverage is re-measured
    at.number_input(key="hub_k").set_value(1)
    at.multiselect(key="hub_fixed").set_value([])
    at.button(key="hub_find").click().run()
    assert hub_names(at) == ["Westfield Library"]
    at.selectbox(key="hub_swap_out").set_value("v1")
    at.selectbox(key="hub_swap_in").set_value("v2")
    at.button(key="hub_swap").click().run()
    assert not at.exception, at.exception
    assert hub_names(at) == ["Eastgate Hall"]
    assert "of best" in kpis(at)["Distance from the best possible"]  # hand-made: measured against the bound
    assert before  # (coverage with both hubs was shown)


def test_saved_plans_two_tabs_reload_and_delete(ws_path):
    tab_a, tab_b = page(), page()
    tab_a.text_input(key="hub_plan_name").input("Town hubs")
    tab_a.button(key="hub_save").click().run()
    assert any("Saved 'Town hubs' (version 1)" in s.value for s in tab_a.success)
    assert [p.name for p in io.list_plans(ws_path, kind="hubs")] == ["Town hubs"]

    # tab B started before the save: saving under the same name is refused, with a reload offer
    tab_b.text_input(key="hub_plan_name").input("Town hubs")
    tab_b.button(key="hub_save").click().run()
    assert not tab_b.exception, tab_b.exception
    assert any("changed elsewhere" in w.value and "Nothing was overwritten" in w.value for w in tab_b.warning)
    assert io.list_plans(ws_path, kind="hubs")[0].version == 1
    tab_b.button(key="hub_reload").click().run()
    assert not tab_b.exception, tab_b.exception
    assert tab_b.text_input(key="hub_plan_name").value == "Town hubs"
    tab_b.button(key="hub_save").click().run()  # now based on version 1
    assert any("version 2" in s.value for s in tab_b.success)

    # tab A still holds version 1: refused again; tab A deletes nothing it has not seen
    tab_a.button(key="hub_save").click().run()
    assert any("changed elsewhere" in w.value for w in tab_a.warning)
    tab_b.selectbox(key="hub_saved_pick").set_value("Town hubs")
    tab_b.button(key="hub_delete").click().run()
    assert not tab_b.exception, tab_b.exception
    assert io.list_plans(ws_path, kind="hubs") == []
