"""The saved-plans panel shared by the Hubs and Patches pages.

Save (versioned: a save based on an older version is refused with a reload offer, never a silent
overwrite), open and delete named plans kept in the workspace file through geo.io's plan store.
Session-state keys are `<prefix>_loaded` ((name, version) the current plan came from),
`<prefix>_stale`, `<prefix>_pending_name` and the widget keys `<prefix>_plan_name`, `<prefix>_save`,
`<prefix>_reload`, `<prefix>_saved_pick`, `<prefix>_open`, `<prefix>_delete`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import streamlit as st

from geo import io
from geo.model import DataError


def saved_plans_panel(*, path: Path, kind: str, prefix: str, title: str, placeholder: str,
                      payload: Callable[[], Mapping[str, Any]], meta: Callable[[], Mapping[str, Any]],
                      open_plan: Callable[[str], None], describe: Callable[[io.PlanInfo], str]) -> None:
    st.subheader(title)
    loaded = st.session_state.get(f"{prefix}_loaded")
    a, b = st.columns(2)
    with a:
        if f"{prefix}_pending_name" in st.session_state:  # set by 'Open' before this widget exists
            st.session_state[f"{prefix}_plan_name"] = st.session_state.pop(f"{prefix}_pending_name")
        name = st.text_input("Plan name", key=f"{prefix}_plan_name", placeholder=placeholder)
        if st.button("Save plan", key=f"{prefix}_save", icon=":material/save:", type="primary"):
            expected = loaded[1] if loaded and loaded[0] == name.strip() else None
            try:
                version = io.save_plan(path, kind=kind, name=name, payload=payload(), meta=meta(),
                                       expected_version=expected)
                st.session_state[f"{prefix}_loaded"] = (name.strip(), version)
                st.session_state.pop(f"{prefix}_stale", None)
                st.success(f"Saved '{name.strip()}' (version {version}).")
            except io.StalePlanError as err:
                st.session_state[f"{prefix}_stale"] = (err.name, str(err))
            except DataError as err:
                st.error(str(err))
        stale = st.session_state.get(f"{prefix}_stale")
        if stale:
            st.warning(stale[1])
            if st.button(f"Reload '{stale[0]}' as saved", key=f"{prefix}_reload", icon=":material/refresh:"):
                open_plan(stale[0])
    with b:
        saved = io.list_plans(path, kind=kind)
        if not saved:
            st.caption(f"No {title.lower().removeprefix('saved ')} saved in this workspace yet.")
            return
        info = {p.name: p for p in saved}
        pick = st.selectbox("Saved plans", list(info), key=f"{prefix}_saved_pick",
                            format_func=lambda n: f"{n} · v{info[n].version} · "
                                                  f"{info[n].saved_at[:16].replace('T', ' ')} · {describe(info[n])}")
        o, d = st.columns(2)
        if o.button("Open", key=f"{prefix}_open", icon=":material/folder_open:"):
            open_plan(pick)
        if d.button("Delete", key=f"{prefix}_delete", icon=":material/delete:"):
            try:
                io.delete_plan(path, kind=kind, name=pick, expected_version=info[pick].version)
                if loaded and loaded[0] == pick:
                    st.session_state[f"{prefix}_loaded"] = None
                st.rerun()
            except DataError as err:
                st.error(str(err))
