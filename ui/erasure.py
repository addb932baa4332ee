"""The Data protection page's writing parts: the retention purge and erasure on request.

Both call geo.io (`purge_participants`, `erase_participant`): one transaction in the workspace file
that keeps every saved plan, recorded with when, by whom and how many rows, never the person. Counts
of records shown here follow the small-number rule (1 to 4 read "<5"). The identifier typed for an
erasure is cleared from the session once the erasure is done.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import io
from geo.analyse import retention
from geo.model import DataError, Workspace
from geo.privacy import suppress

_DONE = "erasure_done"
ORIGINAL, PSEUDONYMOUS = "The identifier from your own system", "The pseudonymous id (p-…)"


def recorder(signed_in_as: str | None) -> str:
    """The name recorded with a purge or an erasure (the signed-in account's, or one typed here)."""
    if "erasure_by" not in st.session_state and signed_in_as and signed_in_as != "team member":
        st.session_state["erasure_by"] = signed_in_as
    return str(st.columns([1, 2])[0].text_input(
        "Your name (recorded with each purge or erasure)", key="erasure_by",
        help="Kept in the workspace file beside the date and the number of rows; the person erased is not."))


def _show_done() -> None:
    if st.session_state.get(_DONE):
        st.success(st.session_state.pop(_DONE), icon=":material/delete:")


def retention_section(ws: Workspace, path: Path, *, today: dt.date, by: str) -> None:
    """The months to keep, how many records are older, and the purge behind a confirmation."""
    default_months = int(ws.meta.get("retention_months", "24") or 24)
    months = int(st.columns([1, 2])[0].number_input(
        "Keep participant records for (months)", min_value=1, max_value=240,
        value=min(max(default_months, 1), 240), step=1, key="retention_months"))
    cutoff = retention.retention_cutoff(months=months, today=today)
    _, purged = retention.purge_older_than(ws.layer("participants"), months=months, today=today)
    if ws.meta.get("retention_applied_on"):
        st.caption(f"Last purge: {ws.meta['retention_applied_on']}, keeping {ws.meta.get('retention_months')} months.")
    if purged == 0:
        st.success(f"No participant record is older than {cutoff:%d %B %Y} ({months} months).",
                   icon=":material/check_circle:")
        return
    st.warning(f"**{suppress(purged)}** participant records have no activity since before {cutoff:%d %B %Y} "
               f"({months} months ago).", icon=":material/history:")
    sure = st.checkbox(f"I understand that purging removes these records from `{path.name}` for good "
                       "(keep a backup if your policy needs one).", key="retention_confirm")
    if st.button("Purge old participant records", type="primary", disabled=not sure, key="retention_purge"):
        try:
            done = io.purge_participants(path, months=months, today=today, by=by.strip() or "not given")
        except DataError as err:
            st.error(str(err))
            return
        st.session_state["retention_done"] = (f"Purged {suppress(done.rows)} participant records older than "
                                              f"{cutoff:%d %B %Y}. Every saved plan was kept.")
        st.rerun()


def _erase(path: Path, by: str) -> None:
    how, typed = st.session_state.get("erasure_how"), str(st.session_state.get("erasure_id", ""))
    try:
        if how == PSEUDONYMOUS:
            done = io.erase_participant(path, participant_id=typed, by=by)
        else:
            done = io.erase_participant(path, original_id=typed, by=by)
    except DataError as err:
        st.session_state["erasure_error"] = str(err)
        return
    st.session_state["erasure_id"] = ""
    st.session_state["erasure_confirm"] = False
    st.session_state[_DONE] = (f"Erased {suppress(done.rows)} participant records ({done.detail}). Recorded: "
                               f"when, by {done.erased_by}, how many rows; not who.")


def erasure_section(ws: Workspace, path: Path, *, by: str) -> None:
    """Erase one participant by either id, behind a confirmation; then the record of every erasure."""
    st.markdown(
        "When a participant asks to be erased, remove their records from this workspace. Type the identifier "
        "from your case-management system (it is pseudonymised here with the salt of this folder, as at "
        "import) or the pseudonymous id. The workspace keeps a record of the erasure (when, by whom, how "
        "many rows), never of the person; the erased rows are overwritten in the file and every saved plan "
        "is kept.")
    how = st.radio("Erase by", [ORIGINAL, PSEUDONYMOUS], key="erasure_how", horizontal=True)
    typed = st.columns([1, 2])[0].text_input("Identifier", key="erasure_id", type="password",
                                             help="Not shown, not kept: cleared once the erasure is done.")
    found = None
    if typed.strip():
        try:
            pid = io.pseudonym_of(typed) if how == ORIGINAL else io.normalise_pseudonym(typed)
            found = int((ws.layer("participants")["participant_id"] == pid).sum())
        except DataError as err:
            st.error(str(err))
    if found == 0:
        st.info("No participant record has this identifier: there is nothing to erase.", icon=":material/search_off:")
    elif found:
        st.warning(f"**{suppress(found)}** participant records have this identifier.", icon=":material/person_remove:")
        sure = st.checkbox("I confirm this person asked to be erased, and that erasing cannot be undone.",
                           key="erasure_confirm")
        st.button("Erase this participant", type="primary", key="erasure_go", disabled=not (sure and by.strip()),
                  on_click=_erase, args=(path, by), help=None if by.strip() else "Give your name above first.")
    if st.session_state.get("erasure_error"):
        st.error(st.session_state.pop("erasure_error"))
    _show_done()
    log = io.erasures(path)
    if log:
        st.subheader("Purges and erasures done")
        st.dataframe(pd.DataFrame([{"When (UTC)": e.erased_at.replace("T", " ")[:16], "By": e.erased_by,
                                    "What": e.reason, "Rows": suppress(e.rows), "Details": e.detail}
                                   for e in reversed(log)]), hide_index=True)
