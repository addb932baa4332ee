"""Streamlit pieces of the "Your data" page: file pickers, the import report, the column-mapping form."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import io
from geo.read.columns import ColumnMappingNeeded
from geo.read.report import ImportReport, RowIssue

NONE = "(not in this file)"


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
