"""Streamlit pieces of the "Your data" page: the workspace picker, file pickers, the area margin, the
import report, the column-mapping form."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import io
from geo.read.columns import ColumnMappingNeeded
from geo.read.report import ImportReport, RowIssue

NONE = "(not in this file)"


def workspace_picker(just_built: Path | None) -> None:
    """The workspaces built on this computer and the page's one "Use this workspace" button. After a
    build the workspace just built is the one chosen (once: the user may then choose another)."""
    built = [(p, m) for p, m in io.list_workspaces() if m.get("fictional", "false") != "true"]
    if not built:
        return
    labels: dict[str, str] = {str(p): f"{m.get('name', p.stem)} ({p.name})" for p, m in built}
    if just_built is not None and str(just_built) in labels and st.session_state.get("picked_build") != str(just_built):
        st.session_state["open_choice"] = str(just_built)
        st.session_state["picked_build"] = str(just_built)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    pick = left.selectbox("Workspaces built on this computer", list(labels), format_func=lambda k: labels[k],
                          key="open_choice")
    if right.button("Use this workspace", type="primary" if just_built is not None else "secondary",
                    key="use_workspace"):
        st.session_state["workspace_path"] = pick
        st.switch_page("pages/map.py")


def workspace_in_use() -> None:
    """Which workspace every page uses now, and the way back to the demo borough."""
    current = st.session_state.get("workspace_path") or os.environ.get("PATCHWORK_WORKSPACE") or ""
    st.markdown(f"**Workspace in use:** {Path(current).stem if current else 'the demo borough (fictional)'}")
    if st.session_state.get("workspace_path") and st.button("Back to the demo borough", key="use_demo"):
        del st.session_state["workspace_path"]
        st.rerun()


def area_settings_inputs(name: str) -> io.AreaSettings:
    """The margin around the area and whether points beyond it are kept; a workspace built before under
    the same name gives the starting values (a rebuild keeps its settings)."""
    key = name.strip().casefold()
    if st.session_state.get("settings_for") != key:  # a name typed, not a build of this session
        st.session_state["settings_for"] = key
        previous = io.previous_settings(name) if key else None
        if previous is not None:
            st.session_state["margin_km"] = previous.margin_km
            st.session_state["keep_outside"] = previous.keep_outside
    st.session_state.setdefault("margin_km", io.AreaSettings().margin_km)
    st.session_state.setdefault("keep_outside", io.AreaSettings().keep_outside)
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    margin = c1.number_input("Margin around the area (km)", min_value=0.0, max_value=100.0, step=0.5,
                             key="margin_km", help="Venues, partner sites, roads and bus stops within this distance "
                                                   "of the wards are the workspace's.")
    keep = c2.checkbox("Keep venues and partners further out, for reach only", key="keep_outside",
                       help="Kept points are flagged 'outside the area': they count when reach times are worked "
                            "out (the nearest Jobcentre may be in the next town) but are never offered as hubs, "
                            "satellites or session venues, nor counted in the area's figures. Otherwise they are "
                            "left out and counted in the import report.")
    return io.AreaSettings(float(margin), bool(keep))


def pick_files(label: str, *, key: str, types: Sequence[str], multiple: bool, use_paths: bool,
               help_text: str | None = None) -> list[io.Source]:
    """An uploader, or a path box (one path per line) when the user works with files on this computer."""
    if use_paths:
        if multiple:
            text = st.text_area(label, key=f"{key}_paths", help=(help_text or "") + " One path per line.",
                                height=80, placeholder="/path/to/file")
        else:
            text = st.text_input(label, key=f"{key}_paths", help=help_text, placeholder="/path/to/file")
        return [Path(line.strip()).expanduser() for line in (text or "").splitlines() if line.strip()]
    files = st.file_uploader(label, type=list(types), accept_multiple_files=multiple, key=key, help=help_text)
    if files is None:
        return []
    if not isinstance(files, list):
        files = [files]
    return [io.Upload(f.name, f.getvalue()) for f in files]


def issues_table(issues: Sequence[RowIssue]) -> pd.DataFrame:
    """Rejected or flagged rows as a table: row, column, value, reason."""
    return pd.DataFrame([{"row": i.row if i.row is not None else "", "column": i.column, "value": i.value,
                          "reason": i.reason} for i in issues])


def show_report(report: ImportReport) -> None:
    """One file's report: counts, rejected and flagged rows with reasons, assumptions and notes."""
    with st.container(border=True):
        st.markdown(f"**{report.what[:1].upper() + report.what[1:]}** · `{report.source}`")
        c = st.columns(4)
        c[0].metric("Rows read", f"{report.rows_read:,}")
        c[1].metric("Rows used", f"{report.rows_used:,}")
        c[2].metric("Rejected", f"{len(report.rejected):,}")
        c[3].metric("Flagged (kept)", f"{len(report.flagged):,}")
        if (sentence := report.outside_summary()) and report.outside is not None:
            st.markdown(f":material/location_off: {sentence}")
            with st.expander(f"The {len(report.outside.rows):,} {report.outside.what} outside the area"):
                st.dataframe(issues_table(report.outside.rows), hide_index=True, width="stretch")
        if report.rejected:
            st.markdown("Rejected rows, with the reason:")
            for issue in report.rejected[:5]:
                st.markdown(f"- {issue}")
            if len(report.rejected) > 5:
                with st.expander(f"All {len(report.rejected):,} rejected rows"):
                    st.dataframe(issues_table(report.rejected), hide_index=True, width="stretch")
        if report.flagged:
            with st.expander(f"{len(report.flagged):,} rows kept with a warning"):
                st.dataframe(issues_table(report.flagged), hide_index=True, width="stretch")
        for a in report.assumptions:
            st.markdown(f"- Assumed: {a}")
        if report.notes:
            with st.expander("Details"):
                for n in report.notes:
                    st.markdown(f"- {n}")


def mapping_form(err: ColumnMappingNeeded) -> dict[str, str] | None:
    """Ask which column holds what; returns the mapping when the user saves it."""
    st.warning(f"**{err.source}**: the column names do not say which column holds what. Choose them below; the "
               "choice is remembered for files with the same columns.", icon=":material/table_view:")
    options = [NONE, *err.headers]
    with st.form(f"mapping_{err.what}"):
        chosen: dict[str, str] = {}
        roles = [r for r in err.roles if r.name != "location"]
        cols = st.columns(2)
        for k, role in enumerate(roles):
            guess = err.guess.get(role.name)
            index = options.index(guess) if guess in options else 0
            label = f"{role.label}" + (" (required)" if role.required else "")
            pick = cols[k % 2].selectbox(label, options, index=index, key=f"map_{err.what}_{role.name}")
            if pick != NONE:
                chosen[role.name] = pick
        if any(r.name == "location" for r in err.roles):
            st.caption("A location is needed: latitude and longitude, easting and northing, or a postcode "
                       "(with a postcode file).")
        if st.form_submit_button("Save the mapping and build again", type="primary"):
            return chosen
    return None
