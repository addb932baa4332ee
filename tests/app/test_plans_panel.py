"""The shared saved-plans panel (ui/plans.py): its save rule by hand, then the panel in AppTest on a
throwaway plan kind (a plan is one number), in one or two browser tabs, and on the Hubs page."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from geo.model import DataError
from tests.conftest import ROOT
from ui.plans import save_base

KIND = "panel_test"


# ---- the rule of a save under a name -------------------------------------------------------------
def test_save_base_updates_the_plan_it_came_from_and_refuses_other_saved_names():
    assert save_base("Winter", ("Winter", 3), {"Winter", "Spring"}) == 3
    assert save_base("  Winter ", ("Winter", 3), set()) == 3  # the store strips names too
    assert save_base("Summer", ("Winter", 3), {"Winter", "Spring"}) is None  # a new name: a new plan
    assert save_base("Summer", None, set()) is None
    with pytest.raises(DataError, match="a scenario called 'Spring' is already saved") as err:
        save_base("Spring", ("Winter", 3), {"Winter", "Spring"}, noun="scenario")
    assert "Open it first" in str(err.value)
    with pytest.raises(DataError, match="already saved"):
        save_base("Spring", None, {"Spring"})


# ---- the panel -----------------------------------------------------------------------------------
def panel_page(path: str) -> None:
    """A page whose plan is one number; a payload with "bad" does not fit (open_plan refuses it)."""
    from pathlib import Path

    import streamlit as st

    from geo.model import DataError
    from ui.plans import PlanKind, saved_plans_panel

    plans = PlanKind(kind="panel_test", prefix="t", title="Saved test plans",
                     describe=lambda info: f"{info.meta.get('n')} things")
    n = st.number_input("Things", value=1, key="t_n")

    def reopen(info, payload):
        if payload.get("bad"):
            raise DataError("this plan does not fit the workspace.", source=f"plan '{info.name}'")
        st.session_state["t_n"] = payload["n"]

    saved_plans_panel(plans, path=Path(path), payload=lambda: {"n": n}, meta=lambda: {"n": n}, open_plan=reopen)


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "plans.gpkg"
    sqlite3.connect(path).close()  # an empty SQLite file: the plan store makes its table
    return path


def tab(store: Path) -> AppTest:
    at = AppTest.from_function(panel_page, args=(str(store),), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest, name: str) -> AppTest:
    at.text_input(key="t_plan_name").set_value(name)
    at.button(key="t_save").click().run()
    assert not at.exception, at.exception
    return at


def stored(store: Path) -> dict[str, int]:
    return {p.name: p.version for p in io.list_plans(store, kind=KIND)}


def test_save_open_and_delete(store):
    at = tab(store)
    assert [c.value for c in at.caption] == ["No test plans saved in this workspace yet."]
    at.number_input(key="t_n").set_value(3)
    save(at, "Three")
    assert [s.value for s in at.success] == ["Saved 'Three' (version 1)."]
    assert at.session_state["t_loaded"] == ("Three", 1)
    assert stored(store) == {"Three": 1} and io.load_plan(store, kind=KIND, name="Three")[1] == {"n": 3}
    pick = at.selectbox(key="t_saved_pick")
    assert pick.options[0].startswith("Three · v1 · ") and pick.options[0].endswith(" · 3 things")

    # a new plan, saved under a new name, then the first one opened again
    at.number_input(key="t_n").set_value(5)
    save(at, "Five")
    assert stored(store) == {"Five": 2, "Three": 1}  # revisions are workspace-wide
    at.selectbox(key="t_saved_pick").set_value("Three")
    at.button(key="t_open").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key="t_n").value == 3  # drawn in the same run as the click
    assert at.text_input(key="t_plan_name").value == "Three"
    assert at.session_state["t_loaded"] == ("Three", 1)
    assert [s.value for s in at.success] == ["Opened 'Three' (version 1)."]

    # saving it again updates it
    at.number_input(key="t_n").set_value(4)
    save(at, "Three")
    assert [s.value for s in at.success] == ["Saved 'Three' (version 3)."]
    assert io.load_plan(store, kind=KIND, name="Three")[1] == {"n": 4}

    # delete the one it came from: a save under that name is a new plan again
    at.selectbox(key="t_saved_pick").set_value("Three")
    at.button(key="t_delete").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Deleted 'Three'."]
    assert stored(store) == {"Five": 2}
    assert at.session_state["t_loaded"] is None
    assert at.selectbox(key="t_saved_pick").value == "Five"


def test_a_save_under_another_listed_name_is_refused(store):
    at = tab(store)
    at.number_input(key="t_n").set_value(2)
    save(at, "Two")
    at.number_input(key="t_n").set_value(7)
    save(at, "Seven")  # the plan now comes from 'Seven'; 'Two' is listed
    save(at, "Two")
    assert any("a plan called 'Two' is already saved" in e.value and "Open it first" in e.value for e in at.error)
    assert not at.warning and not at.success
    assert stored(store) == {"Seven": 2, "Two": 1}
    assert io.load_plan(store, kind=KIND, name="Two")[1] == {"n": 2}  # nothing overwritten

    # a fresh tab sees both listed and never opened either: both names are refused, a new one is saved
    other = tab(store)
    save(other, "Seven")
    assert any("already saved" in e.value for e in other.error)
    save(other, "One")
    assert stored(store) == {"One": 3, "Seven": 2, "Two": 1}


def test_a_stale_save_is_refused_with_a_reload_offer(store):
    tab_a = save(tab(store), "Plan")
    tab_b = tab(store)
    tab_b.button(key="t_open").click().run()
    tab_b.number_input(key="t_n").set_value(9)
    save(tab_b, "Plan")
    assert stored(store) == {"Plan": 2}

    # tab A still holds version 1: refused, nothing overwritten, and offered the saved one
    tab_a.number_input(key="t_n").set_value(6)
    save(tab_a, "Plan")
    assert any("changed elsewhere" in w.value and "you had version 1" in w.value and "Nothing was overwritten"
               in w.value for w in tab_a.warning)
    assert io.load_plan(store, kind=KIND, name="Plan")[1] == {"n": 9}
    tab_a.button(key="t_reload").click().run()
    assert not tab_a.exception, tab_a.exception
    assert tab_a.number_input(key="t_n").value == 9 and not tab_a.warning
    assert tab_a.session_state["t_loaded"] == ("Plan", 2)
    save(tab_a, "Plan")
    assert stored(store) == {"Plan": 3}


def test_a_name_saved_elsewhere_since_the_list_was_drawn_is_refused_as_changed_elsewhere(store):
    tab_a, tab_b = tab(store), tab(store)
    save(tab_a, "Shared")
    save(tab_b, "Shared")  # tab B's list showed nothing: it could not know
    assert any("changed elsewhere" in w.value and "you had no saved version" in w.value for w in tab_b.warning)
    assert tab_b.button(key="t_reload").label == "Reload 'Shared' as saved"
    assert stored(store) == {"Shared": 1}
    tab_b.button(key="t_delete").click().run()  # now listed, so it can be deleted: nothing left to reload
    assert not tab_b.exception, tab_b.exception
    assert stored(store) == {} and not tab_b.warning
    assert not [b for b in tab_b.button if b.key == "t_reload"]


def test_a_plan_that_does_not_fit_is_not_opened(store):
    io.save_plan(store, kind=KIND, name="Odd", payload={"n": 8, "bad": True})
    at = tab(store)
    at.number_input(key="t_n").set_value(4)
    at.button(key="t_open").click().run()
    assert not at.exception, at.exception
    assert any("this plan does not fit the workspace" in e.value for e in at.error)
    assert at.number_input(key="t_n").value == 4 and "t_loaded" not in at.session_state
    assert at.text_input(key="t_plan_name").value == ""


# ---- on a page -----------------------------------------------------------------------------------
@pytest.fixture
def ws_path(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def test_the_hubs_page_refuses_a_save_over_a_listed_plan_it_did_not_open(ws_path):
    first = AppTest.from_file(str(ROOT / "pages" / "hubs.py"), default_timeout=60)
    first.run()
    first.text_input(key="hub_plan_name").input("Town hubs")
    first.button(key="hub_save").click().run()
    second = AppTest.from_file(str(ROOT / "pages" / "hubs.py"), default_timeout=60)
    second.run()
    assert not second.exception, second.exception
    second.text_input(key="hub_plan_name").input("Town hubs")
    second.button(key="hub_save").click().run()
    assert any("a plan called 'Town hubs' is already saved" in e.value for e in second.error)
    assert [(p.name, p.version) for p in io.list_plans(ws_path, kind="hubs")] == [("Town hubs", 1)]
