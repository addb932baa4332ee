"""The one saved-plans panel, for every plan kind (hubs, patches, pop-up sessions, lots).

Save (versioned: a save based on an older version is refused with a reload offer, never a silent
overwrite), open and delete named plans kept in the workspace file through geo.io's plan store. Every
read and write of saved plans from a page goes through here (`saved_plans_panel`, and `saved_plans` /
`read_plan` for pages that show saved plans elsewhere, e.g. to compare them).

How a page uses it
------------------
A plan kind describes itself once with `PlanKind` (its geo.io kind, a session-state prefix, the
texts), and each run passes its callbacks::

    HUB_PLANS = PlanKind(kind=hubs.PLAN_KIND, prefix="hub", title="Saved hub plans",
                         placeholder="e.g. Three hubs, 15 minutes",
                         describe=lambda info: f"{info.meta.get('hubs', '?')} hubs")

    def reopen(info: io.PlanInfo, payload: dict[str, Any]) -> None:
        st.session_state["hub_plan"] = hubs.plan_from_payload(payload, need, tt)  # DataError: refused

    saved_plans_panel(HUB_PLANS, path=path, payload=lambda: hubs.plan_payload(plan),
                      meta=lambda: hubs.plan_meta(plan), open_plan=reopen)

- `payload()`: the JSON-ready plan to save (called only when the save button is pressed).
- `meta()`: a small JSON-ready summary kept beside it (`PlanInfo.meta`, shown by `describe`).
- `open_plan(info, payload)`: put a saved plan back on the page. It may raise `DataError` when the
  plan does not fit the workspace: the panel shows the message and changes nothing.
- `can_save=False` disables the save button (nothing to save yet, or the plan breaks a rule).
- `name`: the name offered in the name box when it is empty (e.g. a default made from the plan).
- Where the current plan came from, (name, version), is what a save builds on. The panel keeps it
  (`loaded`; a page calls `forget_loaded` when it makes a new plan) unless the page keeps it in its
  own plan object: then it passes `origin()` (read it), `on_saved(name, version)` (record a save;
  `open_plan` records an open) and `on_deleted(name)` (the plan of that name is gone).

Open, Delete and Reload act in button callbacks, before the page is drawn again, so the page draws
the opened plan in the same run (and `open_plan` may set the page's widgets). Save acts in the run, on
the plan as this run made it (a callback would save the previous run's, missing an edit sent with the
click); when the page records the save itself (`on_saved`) the panel then reruns the page. Messages
show under the save button.

The rules of a save under a name
--------------------------------
`save_base`: the name the plan came from updates it (a save based on an older version than the
stored one is refused by geo.io: "changed elsewhere", with an offer to reload the saved one). Any other
name the user was shown in the saved list is refused (it would replace a plan they never opened).
A name saved elsewhere since the list was drawn is refused by geo.io as changed elsewhere.

Session state (per prefix): `<prefix>_loaded` (name, version) the current plan came from (when the
panel keeps it), `<prefix>_stale` the refused save awaiting a reload, `<prefix>_msg` the message for
the next run, `<prefix>_listed` the names the saved list last showed. Widget keys: `<prefix>_plan_name`,
`<prefix>_save`, `<prefix>_reload`, `<prefix>_saved_pick`, `<prefix>_open`, `<prefix>_delete`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import io
from geo.model import DataError, Problem

Payload = Callable[[], Mapping[str, Any]]
OpenPlan = Callable[[io.PlanInfo, dict[str, Any]], None]
Origin = Callable[[], tuple[str, int] | None]
OnSaved = Callable[[str, int], None]
OnDeleted = Callable[[str], None]


def _no_description(info: io.PlanInfo) -> str:
    return f"version {info.version}"


@dataclass(frozen=True)
class PlanKind:
    """One kind of saved plan as the panel shows it: geo.io's `kind`, the session-state `prefix`, the
    panel's `title` (a subheader; empty for none) and texts, `describe` (one line of a saved plan, from
    its meta) for the picker, `columns` (when given, the saved plans are also listed as a table: name,
    version, when saved and these columns, from its meta) and `noun` (what one is called in messages)."""

    kind: str
    prefix: str
    title: str
    placeholder: str = ""
    describe: Callable[[io.PlanInfo], str] = _no_description
    name_label: str = "Plan name"
    save_label: str = "Save plan"
    pick_label: str = "Saved plans"
    empty_text: str = ""  # default: "No <title without 'saved'> saved in this workspace yet."
    noun: str = "plan"
    columns: Callable[[io.PlanInfo], Mapping[str, Any]] | None = None

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    @property
    def nothing_saved(self) -> str:
        return self.empty_text or f"No {self.title.lower().removeprefix('saved ')} saved in this workspace yet."


@dataclass(frozen=True)
class _Hooks:
    """What the page passed for this run (callbacks of a button keep the ones of the run that drew it)."""

    payload: Payload
    meta: Payload
    open_plan: OpenPlan
    origin: Origin | None
    on_saved: OnSaved | None
    on_deleted: OnDeleted | None


# ---- where the current plan came from -----------------------------------------------------------
def loaded(plans: PlanKind) -> tuple[str, int] | None:
    """(name, version) of the saved plan the page's current plan came from, if any (kept by the panel)."""
    value = st.session_state.get(plans.key("loaded"))
    return (str(value[0]), int(value[1])) if value else None


def forget_loaded(plans: PlanKind) -> None:
    """The page made a new plan: a save is no longer based on a saved version."""
    st.session_state[plans.key("loaded")] = None


def _origin(plans: PlanKind, hooks: _Hooks) -> tuple[str, int] | None:
    return hooks.origin() if hooks.origin is not None else loaded(plans)


def save_base(name: str, origin: tuple[str, int] | None, taken: Collection[str], *, noun: str = "plan"
              ) -> int | None:
    """The version a save under `name` builds on: the origin's when `name` is the name the plan came
    from, else None (a new plan). A name in `taken` (saved, and shown to the user) that the plan did not
    come from is refused with a DataError: saving would replace a plan the user never opened."""
    name = name.strip()
    if origin is not None and origin[0] == name:
        return origin[1]
    if name in taken:
        raise DataError(Problem("save", f"a {noun} called '{name}' is already saved.",
                                fix="Open it first to update it, or choose another name."))
    return None


# ---- reading the store --------------------------------------------------------------------------
def saved_plans(plans: PlanKind, path: Path) -> dict[str, io.PlanInfo]:
    """The plans of this kind saved in the workspace file, by name (in name order)."""
    return {p.name: p for p in io.list_plans(path, kind=plans.kind)}


def read_plan(plans: PlanKind, path: Path | str, name: str) -> tuple[io.PlanInfo, dict[str, Any]]:
    """A saved plan of this kind and its payload (DataError when none is saved under `name`)."""
    return io.load_plan(path, kind=plans.kind, name=name)


# ---- the buttons' callbacks ---------------------------------------------------------------------
def _say(plans: PlanKind, kind: str, text: str) -> None:
    st.session_state[plans.key("msg")] = (kind, text)


def _open(plans: PlanKind, path: Path, name: str | None, hooks: _Hooks) -> None:
    if name is None:
        return
    try:
        info, payload = read_plan(plans, path, name)
        hooks.open_plan(info, payload)
    except DataError as err:
        _say(plans, "error", str(err))
        return
    if hooks.origin is None:
        st.session_state[plans.key("loaded")] = (info.name, info.version)
    st.session_state[plans.key("plan_name")] = info.name
    st.session_state.pop(plans.key("stale"), None)
    _say(plans, "ok", f"Opened '{info.name}' (version {info.version}).")


def _open_picked(plans: PlanKind, path: Path, hooks: _Hooks) -> None:
    _open(plans, path, st.session_state.get(plans.key("saved_pick")), hooks)


def _delete_picked(plans: PlanKind, path: Path, versions: Mapping[str, int], hooks: _Hooks) -> None:
    name = str(st.session_state.get(plans.key("saved_pick")))
    if name not in versions:
        return
    try:  # the version the list showed: a plan saved again since is not deleted unseen
        io.delete_plan(path, kind=plans.kind, name=name, expected_version=versions[name])
    except DataError as err:
        _say(plans, "error", str(err))
        return
    current = loaded(plans)
    if hooks.origin is None and current is not None and current[0] == name:
        forget_loaded(plans)
    if (st.session_state.get(plans.key("stale")) or ("",))[0] == name:  # nothing left to reload
        st.session_state.pop(plans.key("stale"), None)
    if hooks.on_deleted is not None:
        hooks.on_deleted(name)
    _say(plans, "ok", f"Deleted '{name}'.")


def _save(plans: PlanKind, path: Path, name: str, hooks: _Hooks) -> None:
    """Save the plan as this run made it (so not in a callback, which would save the previous run's)."""
    name = name.strip()
    try:
        listed = set(st.session_state.get(plans.key("listed"), ()))
        taken = listed & set(saved_plans(plans, path)) if name in listed else set()  # shown, and still saved
        version = io.save_plan(path, kind=plans.kind, name=name, payload=hooks.payload(), meta=hooks.meta(),
                               expected_version=save_base(name, _origin(plans, hooks), taken, noun=plans.noun))
    except io.StalePlanError as err:
        st.session_state[plans.key("stale")] = (err.name, str(err))
        return
    except DataError as err:
        _say(plans, "error", str(err))
        return
    st.session_state.pop(plans.key("stale"), None)
    _say(plans, "ok", f"Saved '{name}' (version {version}).")
    if hooks.origin is None:
        st.session_state[plans.key("loaded")] = (name, version)
    if hooks.on_saved is not None:  # the page's plan records where it is saved: draw the page again from it
        hooks.on_saved(name, version)
        st.rerun()


# ---- the panel ----------------------------------------------------------------------------------
def _show_message(plans: PlanKind) -> None:
    msg = st.session_state.pop(plans.key("msg"), None)
    if msg:
        (st.error if msg[0] == "error" else st.success)(msg[1])


def _save_box(plans: PlanKind, path: Path, hooks: _Hooks, can_save: bool, name: str) -> None:
    if name and not st.session_state.get(plans.key("plan_name")):  # an empty box offers the page's name
        st.session_state[plans.key("plan_name")] = name
    typed = st.text_input(plans.name_label, key=plans.key("plan_name"), placeholder=plans.placeholder)
    if st.button(plans.save_label, key=plans.key("save"), icon=":material/save:", type="primary",
                 disabled=not can_save):
        _save(plans, path, typed, hooks)
    _show_message(plans)
    stale = st.session_state.get(plans.key("stale"))
    if stale:
        st.warning(stale[1])
        st.button(f"Reload '{stale[0]}' as saved", key=plans.key("reload"), icon=":material/refresh:",
                  on_click=_open, args=(plans, path, stale[0], hooks))


def _when(info: io.PlanInfo) -> str:
    return info.saved_at[:16].replace("T", " ")


def _saved_list(plans: PlanKind, path: Path, hooks: _Hooks) -> None:
    try:
        info = saved_plans(plans, path)
    except DataError as err:
        st.error(str(err))
        return
    st.session_state[plans.key("listed")] = tuple(info)
    if not info:
        st.caption(plans.nothing_saved)
        return
    if plans.columns is not None:
        st.dataframe(pd.DataFrame([{plans.pick_label: p.name, "Version": p.version, "Saved": _when(p),
                                    **plans.columns(p)} for p in info.values()]), hide_index=True, width="stretch")
    st.selectbox(plans.pick_label, list(info), key=plans.key("saved_pick"),
                 format_func=lambda n: f"{n} · v{info[n].version} · {_when(info[n])} · {plans.describe(info[n])}")
    o, d = st.columns(2)
    o.button("Open", key=plans.key("open"), icon=":material/folder_open:", on_click=_open_picked,
             args=(plans, path, hooks))
    d.button("Delete", key=plans.key("delete"), icon=":material/delete:", on_click=_delete_picked,
             args=(plans, path, {n: p.version for n, p in info.items()}, hooks))


def saved_plans_panel(plans: PlanKind, *, path: Path, payload: Payload, meta: Payload, open_plan: OpenPlan,
                      can_save: bool = True, name: str = "", origin: Origin | None = None,
                      on_saved: OnSaved | None = None, on_deleted: OnDeleted | None = None) -> None:
    """Save the current plan under a name (left), and list, open and delete the saved ones (right); see
    the module notes."""
    hooks = _Hooks(payload, meta, open_plan, origin, on_saved, on_deleted)
    if plans.title:
        st.subheader(plans.title)
    a, b = st.columns(2)
    with a:
        _save_box(plans, path, hooks, can_save, name)
    with b:
        _saved_list(plans, path, hooks)
