"""AppTest of the Lots page's saved scenarios through the shared saved-plans panel (ui/plans.py), on a copy
of the tiny workspace: save, open, delete, a stale save, and a save refused with no lots."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from tests.app.test_lots_page import add_lot, tab
from tests.conftest import ROOT


@pytest.fixture
def ws_path(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "lots.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest, name: str) -> AppTest:
    at.text_input(key="lots_plan_name").set_value(name)
    at.button(key="lots_save").click().run()
    assert not at.exception, at.exception
    return at


def stored(path) -> dict[str, int]:
    return {p.name: p.version for p in io.list_plans(path, kind="lots")}


def test_save_open_and_delete_a_scenario(ws_path):
    at = tab(page(), "Compare and save")
    assert [h.value for h in at.subheader][:1] == ["Saved lot scenarios"]
    assert at.button(key="lots_save").disabled  # no lots: nothing to save
    assert any(c.value == "No lot scenarios saved in this workspace yet." for c in at.caption)

    add_lot(tab(at, "Lots"), "West", ["E05900001"])
    save(tab(at, "Compare and save"), "West only")
    assert any(s.value == "Saved 'West only' (version 1)." for s in at.success)
    assert at.session_state["lots_plan"].loaded == ("West only", 1)
    (info,) = io.list_plans(ws_path, kind="lots")
    assert info.meta["lots"] == 1 and info.meta["unit_layer"] == "Wards" and info.meta["value_gbp"] > 0
    option = at.selectbox(key="lots_saved_pick").options[0]
    assert option.startswith("West only · v1 · ")
    assert option.endswith(f" · 1 lots, total value £{info.meta['value_gbp']:,}")
    table = next(d.value for d in at.dataframe if "Built from" in getattr(d.value, "columns", []))
    assert list(table.columns) == ["Scenario", "Version", "Saved", "Lots", "Built from", "Total value"]
    assert table.iloc[0].tolist()[:2] == ["West only", 1]
    assert table.iloc[0].tolist()[3:] == [1, "Wards", f"£{info.meta['value_gbp']:,}"]

    # other lots on another layer, then the scenario opened again: its layer, its lots, its name
    at.selectbox(key="lots_unit_key").set_value("lsoas").run()
    add_lot(tab(at, "Lots"), "Pocket", ["E01900001"])
    assert at.session_state["lots_plan"].loaded is None
    tab(at, "Compare and save").button(key="lots_open").click().run()
    assert not at.exception, at.exception
    assert any(s.value == "Opened 'West only' (version 1)." for s in at.success)
    assert at.session_state["lots_unit_key"] == "wards:"
    assert at.selectbox(key="lots_unit_key").value == "wards:"
    assert at.text_input(key="lots_plan_name").value == "West only"
    opened = at.session_state["lots_plan"]
    assert dict(opened.lots) == {"West": ("E05900001",)} and opened.loaded == ("West only", 1)

    # saving it again updates it
    add_lot(tab(at, "Lots"), "East", ["E05900002"])
    save(tab(at, "Compare and save"), "West only")
    assert stored(ws_path) == {"West only": 2}
    assert at.session_state["lots_plan"].loaded == ("West only", 2)

    at.button(key="lots_delete").click().run()
    assert not at.exception, at.exception
    assert any(s.value == "Deleted 'West only'." for s in at.success)
    assert stored(ws_path) == {}
    assert at.session_state["lots_plan"].loaded is None  # LotDraft.deleted: a save is a new scenario again
    assert sorted(at.session_state["lots_plan"].lots) == ["East", "West"]  # the lots themselves stay
    assert any(c.value == "No lot scenarios saved in this workspace yet." for c in at.caption)


def test_a_stale_save_is_refused_with_a_reload_offer(ws_path):
    tab_a = page()
    add_lot(tab_a, "West", ["E05900001"])
    save(tab(tab_a, "Compare and save"), "Plan A")

    # another tab opens it, adds a lot and saves: version 2
    tab_b = tab(page(), "Compare and save")
    tab_b.button(key="lots_open").click().run()
    add_lot(tab(tab_b, "Lots"), "East", ["E05900002"])
    save(tab(tab_b, "Compare and save"), "Plan A")
    assert stored(ws_path) == {"Plan A": 2}

    # tab A still holds version 1: refused, nothing overwritten, and offered the saved one
    save(tab_a, "Plan A")
    assert any("changed elsewhere" in w.value and "you had version 1" in w.value and "Nothing was overwritten"
               in w.value for w in tab_a.warning)
    assert stored(ws_path) == {"Plan A": 2}
    _, payload = io.load_plan(ws_path, kind="lots", name="Plan A")
    assert sorted(payload["lots"]) == ["East", "West"]
    tab_a.button(key="lots_reload").click().run()
    assert not tab_a.exception, tab_a.exception
    assert not tab_a.warning
    reloaded = tab_a.session_state["lots_plan"]
    assert sorted(reloaded.lots) == ["East", "West"] and reloaded.loaded == ("Plan A", 2)
    save(tab_a, "Plan A")
    assert stored(ws_path) == {"Plan A": 3}


def test_a_save_under_another_saved_name_is_refused(ws_path):
    at = page()
    add_lot(at, "West", ["E05900001"])
    save(tab(at, "Compare and save"), "First")
    save(at, "Second")  # a new name: a second scenario; the draft now comes from 'Second'
    assert stored(ws_path) == {"First": 1, "Second": 2}  # revisions are workspace-wide
    save(at, "First")
    assert any("a scenario called 'First' is already saved" in e.value and "Open it first" in e.value
               for e in at.error)
    assert stored(ws_path) == {"First": 1, "Second": 2}
    assert at.session_state["lots_plan"].loaded == ("Second", 2)
