"""AppTest of the Pop-ups page's saved plans through the shared saved-plans panel (ui/plans.py), on a copy
of the tiny workspace: save, open, delete, a stale save, and a save over another saved plan refused."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from geo.plan.popup_rules import PLAN_KIND
from tests.conftest import ROOT


@pytest.fixture
def ws_copy(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny_copy.gpkg"
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    return path


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "popups.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def propose(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Propose sessions").click().run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest, name: str | None = None) -> AppTest:
    if name is not None:
        at.text_input(key="popup_plan_name").set_value(name)
    at.button(key="popup_save").click().run()
    assert not at.exception, at.exception
    return at


def stored(path) -> dict[str, int]:
    return {p.name: p.version for p in io.list_plans(path, kind=PLAN_KIND)}


def plan(at: AppTest):
    return at.session_state["popup_plan"]


def test_save_open_and_delete_a_plan(ws_copy):
    at = page()
    assert "Saved pop-up plans" in [h.value for h in at.subheader]
    assert at.button(key="popup_save").disabled  # no plan yet
    assert any(c.value == "No pop-up plans saved in this workspace yet." for c in at.caption)

    propose(at)
    offered = at.text_input(key="popup_plan_name").value
    assert offered == plan(at).default_name and offered.startswith("Pop-ups from ")
    save(at)  # under the name offered
    assert any(s.value == f"Saved '{offered}' (version 1)." for s in at.success)
    assert (plan(at).name, plan(at).version) == (offered, 1)
    assert any(offered in h.value and "(version 1)" in h.value for h in at.subheader)  # the plan's title
    sessions = len(plan(at).live)
    option = at.selectbox(key="popup_saved_pick").options[0]
    assert option.startswith(f"{offered} · v1 · ") and f" · {sessions} sessions, 6 weeks from " in option

    # a new proposal is a new plan: the name still in the box is taken, so that save is refused
    propose(at)
    assert plan(at).name is None
    save(at)
    assert any(f"a plan called '{offered}' is already saved" in e.value for e in at.error)
    assert stored(ws_copy) == {offered: 1}
    save(at, "Second")
    assert stored(ws_copy) == {offered: 1, "Second": 2}  # revisions are workspace-wide

    # open the first one again, in the same run as the click
    at.selectbox(key="popup_saved_pick").set_value(offered)
    at.button(key="popup_open").click().run()
    assert not at.exception, at.exception
    assert any(s.value == f"Opened '{offered}' (version 1)." for s in at.success)
    assert (plan(at).name, plan(at).version) == (offered, 1) and plan(at).by_gap is None
    assert at.text_input(key="popup_plan_name").value == offered

    # delete it: the plan on screen stays, no longer saved anywhere
    at.selectbox(key="popup_saved_pick").set_value(offered)
    at.button(key="popup_delete").click().run()
    assert not at.exception, at.exception
    assert any(s.value == f"Deleted '{offered}'." for s in at.success)
    assert stored(ws_copy) == {"Second": 2}
    assert plan(at).name is None and plan(at).version is None and len(plan(at).live) == sessions
    save(at)  # under its old name: a new plan again, at a revision never used before
    assert stored(ws_copy) == {offered: 4, "Second": 2}


def test_a_stale_save_is_refused_with_a_reload_offer(ws_copy):
    tab_a = save(propose(page()), "Winter")
    tab_b = page()
    tab_b.button(key="popup_open").click().run()
    first = plan(tab_b).sessions["session_id"].iloc[0]
    tab_b.selectbox(key="one_sid").set_value(first)
    tab_b.radio(key="one_action").set_value("drop")
    tab_b.button(key="one_apply").click().run()
    save(tab_b, "Winter")
    assert stored(ws_copy) == {"Winter": 2}

    save(tab_a, "Winter")
    assert any("changed elsewhere" in w.value and "you had version 1" in w.value and "Nothing was overwritten"
               in w.value for w in tab_a.warning)
    assert stored(ws_copy) == {"Winter": 2}
    tab_a.button(key="popup_reload").click().run()
    assert not tab_a.exception, tab_a.exception
    assert not tab_a.warning
    assert plan(tab_a).version == 2
    assert plan(tab_a).sessions.set_index("session_id").loc[first, "status"] == "dropped"
    save(tab_a, "Winter")
    assert stored(ws_copy) == {"Winter": 3}
