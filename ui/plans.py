"""The one saved-plans panel, for every plan kind (hubs, patches, pop-up sessions, lots).

Save (versioned: a save based on an older version is refused with a reload offer, never a silent
overwrite), open and delete named plans kept in the workspace file through geo.io's plan store.

How a page uses it
------------------
A plan kind describes itself once with `PlanKind` (its geo.io kind, a session-state prefix, the
texts), and each run passes three callbacks::

    HUB_PLANS = PlanKind(kind=hubs.PLAN_KIND, prefix="hub", title="Saved hub plans",
                         placeholder="e.g. Three hubs, 15 minutes",
                         describe=lambda info: f"{info.meta.get('hubs', '?')} hubs")

    def reopen(info: io.PlanInfo, payload: dict[str, Any]) -> None:
        st.session_state["hub_plan"] = hubs.plan_from_payload(payload, need, tt)  # DataError: refused

    saved_plans_panel(HUB_PLANS, path=path, payload=lambda: hubs.plan_payload(plan),
                      meta=lambda: hubs.plan_meta(plan), open_plan=reopen)

- `payload()`: the JSON-ready plan to save (called only when "Save plan" is pressed).
- `meta()`: a small JSON-ready summary kept beside it (`PlanInfo.meta`, shown by `describe`).
- `open_plan(info, payload)`: put a saved plan back on the page. It may raise `DataError` when the
  plan does not fit the workspace: the panel shows the message and changes nothing. Otherwise the
  panel records where the plan came from and reruns the page.
- `can_save=False` disables the save button (nothing to save yet, or the plan has problems).

Session state (per prefix): `<prefix>_loaded` is (name, version) the current plan came from (the
version a save is based on; a page sets it to None when it makes a new plan: `forget_loaded`),
`<prefix>_stale` the refused save awaiting a reload, `<prefix>_pending_name` the name to put in the
name box on the next run. Widget keys: `<prefix>_plan_name`, `<prefix>_save`, `<prefix>_reload`,
`<prefix>_saved_pick`, `<prefix>_open`, `<prefix>_delete`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from geo import io
from geo.model import DataError

Payload = Callable[[], Mapping[str, Any]]
OpenPlan = Callable[[io.PlanInfo, dict[str, Any]], None]


def _no_description(info: io.PlanInfo) -> str:
    return f"version {info.version}"


@dataclass(frozen=True)
class PlanKind:
    """One kind of saved plan as the panel shows it: geo.io's `kind`, the session-state `prefix`, the
    panel's `title` (a subheader; empty for none) and texts, and `describe` (one line of a saved plan,
    from its meta) for the list."""

    kind: str
    prefix: str
    title: str
    placeholder: str = ""
    describe: Callable[[io.PlanInfo], str] = _no_description
    name_label: str = "Plan name"
    save_label: str = "Save plan"
    pick_label: str = "Saved plans"
    empty_text: str = ""  # default: "No <title without 'saved'> saved in this workspace yet."

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    @property
    def nothing_saved(self) -> str:
        return self.empty_text or f"No {self.title.lower().removeprefix('saved ')} saved in this workspace yet."


def loaded(plans: PlanKind) -> tuple[str, int] | None:
    """(name, version) of the saved plan the page's current plan came from, if any."""
    value = st.session_state.get(plans.key("loaded"))
    return (str(value[0]), int(value[1])) if value else None


def forget_loaded(plans: PlanKind) -> None:
    """The page made a new plan: a save is no longer based on a saved version."""
    st.session_state[plans.key("loaded")] = None


def _open(plans: PlanKind, path: Path, name: str, open_plan: OpenPlan) -> None:
    try:
        info, payload = io.load_plan(path, kind=plans.kind, name=name)
        open_plan(info, payload)
    except DataError as err:
        st.error(str(err))
        return
    st.session_state[plans.key("loaded")] = (info.name, info.version)
    st.session_state[plans.key("pending_name")] = info.name
    st.session_state.pop(plans.key("stale"), None)
    st.rerun()


def _save_box(plans: PlanKind, path: Path, payload: Payload, meta: Payload, open_plan: OpenPlan,
              can_save: bool) -> None:
    if plans.key("pending_name") in st.session_state:  # set by 'Open' before this widget exists
        st.session_state[plans.key("plan_name")] = st.session_state.pop(plans.key("pending_name"))
    name = st.text_input(plans.name_label, key=plans.key("plan_name"), placeholder=plans.placeholder)
    if st.button(plans.save_label, key=plans.key("save"), icon=":material/save:", type="primary",
                 disabled=not can_save):
        before = loaded(plans)
        expected = before[1] if before and before[0] == name.strip() else None
        try:
            version = io.save_plan(path, kind=plans.kind, name=name, payload=payload(), meta=meta(),
                                   expected_version=expected)
            st.session_state[plans.key("loaded")] = (name.strip(), version)
            st.session_state.pop(plans.key("stale"), None)
            st.success(f"Saved '{name.strip()}' (version {version}).")
        except io.StalePlanError as err:
            st.session_state[plans.key("stale")] = (err.name, str(err))
        except DataError as err:
            st.error(str(err))
    stale = st.session_state.get(plans.key("stale"))
    if stale:
        st.warning(stale[1])
        if st.button(f"Reload '{stale[0]}' as saved", key=plans.key("reload"), icon=":material/refresh:"):
            _open(plans, path, stale[0], open_plan)


def _saved_list(plans: PlanKind, path: Path, open_plan: OpenPlan) -> None:
    saved = io.list_plans(path, kind=plans.kind)
    if not saved:
        st.caption(plans.nothing_saved)
        return
    info = {p.name: p for p in saved}
    pick = st.selectbox(plans.pick_label, list(info), key=plans.key("saved_pick"),
                        format_func=lambda n: f"{n} · v{info[n].version} · "
                                              f"{info[n].saved_at[:16].replace('T', ' ')} · {plans.describe(info[n])}")
    o, d = st.columns(2)
    if o.button("Open", key=plans.key("open"), icon=":material/folder_open:"):
        _open(plans, path, pick, open_plan)
    if d.button("Delete", key=plans.key("delete"), icon=":material/delete:"):
        try:
            io.delete_plan(path, kind=plans.kind, name=pick, expected_version=info[pick].version)
            current = loaded(plans)
            if current and current[0] == pick:
                forget_loaded(plans)
            st.rerun()
        except DataError as err:
            st.error(str(err))


def saved_plans_panel(plans: PlanKind, *, path: Path, payload: Payload, meta: Payload, open_plan: OpenPlan,
                      can_save: bool = True) -> None:
    """Save the current plan under a name, and list, open and delete the saved ones (see the module notes)."""
    if plans.title:
        st.subheader(plans.title)
    a, b = st.columns(2)
    with a:
        _save_box(plans, path, payload, meta, open_plan, can_save)
    with b:
        _saved_list(plans, path, open_plan)
