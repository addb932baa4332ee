"""Data protection: what is stored and where, pseudonymisation, retention, erasure and sign-in (for a DPO)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import io, signin
from geo.model import SCHEMAS, today
from geo.privacy import suppress
from ui import auth, erasure
from ui import workspace as wsp
from ui.display import fictional_banner
from ui.nav import ensure_app_navigation

ensure_app_navigation()

ws = wsp.current_workspace()
path = wsp.workspace_path()
st.title("Data protection")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
st.markdown("What Patchwork keeps about participants, where, for how long, and who can see it: a page to "
            "show your data protection officer.")

# ---- who can see it ------------------------------------------------------------------------------
st.header("Who can see this workspace")
status = auth.sign_in_status()
(st.success if status.mode != "open" else st.warning)(status.description, icon=":material/lock:"
                                                       if status.mode != "open" else ":material/lock_open:")
if status.mode != "open" and status.user:
    st.caption(f"You are signed in ({status.user}).")
with st.expander("How to set up sign-in for a shared deployment"):
    st.markdown(
        "Put one of these in `.streamlit/secrets.toml` on the server (never in the repository), then "
        "restart the app.\n\n"
        "**Your organisation's accounts (OpenID Connect)**, for example Microsoft Entra ID or Google:")
    st.code('[auth]\nredirect_uri = "https://patchwork.example.org/oauth2callback"\n'
            'cookie_secret = "a long random string"\nclient_id = "..."\nclient_secret = "..."\n'
            'server_metadata_url = "https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration"',
            language="toml")
    st.markdown("**One shared team password**: store only its salted scrypt hash (or set the environment "
                f"variable `{auth.ENV_PASSWORD}`). Make it with `{signin.COMMAND}`, which asks for the password "
                "twice and prints the line to paste; use a long passphrase. After 5 wrong passwords within a "
                "minute each further try waits twice as long as the one before, up to 60 s. An old "
                "`password_sha256` setting is refused until it is replaced.")
    st.code('[auth]\npassword_hash = "$scrypt$ln=15,r=8,p=3$<salt>$<hash>"', language="toml")
    st.markdown("Without either the app is open to anyone who can reach it; it listens on 127.0.0.1 only "
                "(this computer) unless its settings are changed.")

# ---- what is stored and where --------------------------------------------------------------------
st.header("What is stored and where")
size = path.stat().st_size if path.exists() else 0
st.markdown(
    f"- **Workspace file**: `{path}` ({size / 1e6:.1f} MB), one GeoPackage (SQLite) file on this server. "
    "It holds every layer below and the saved plans. Back it up and delete it like any other file "
    "holding personal data.\n"
    f"- **Saved column choices** for imports: `{io.workspace_dir() / io.MAPPINGS_FILE}`"
    " (column names only, no data).\n"
    "- **Uploaded files are not kept**: imports are read in memory; names, phone numbers and emails "
    "are dropped on import.\n"
    "- **Nothing is sent elsewhere**: the app loads no web fonts, scripts or map tiles from other "
    "servers unless a tile server is configured, and sends no usage statistics.")
rows = []
for name, schema in SCHEMAS.items():
    frame = ws.layers.get(name)
    n = 0 if frame is None else len(frame)
    cols = [c for c in (frame.columns if frame is not None else []) if c != "geometry"]
    personal = name == "participants"
    rows.append({
        "Layer": schema.label,
        "Rows": suppress(n) if personal else f"{n:,}",
        "Personal data": "yes: pseudonymised participant records" if personal else "no (places and areas)",
        "Columns": ", ".join(cols) if cols else "(not in this workspace)",
    })
st.table(pd.DataFrame(rows).set_index("Layer"))
st.markdown(
    "The **participants** layer is the only personal data: a pseudonymous identifier, the home location "
    "as a point (used only to count people per road and per LSOA; never drawn on a map), enrolment "
    "date, cohort, status, referral source and outcomes. Plans hold areas, venues and figures, not "
    "people.")

# ---- pseudonymisation ------------------------------------------------------------------------------
st.header("Pseudonymisation")
salt_path = io.workspace_dir() / io.SALT_FILE
salt_set = salt_path.exists()
st.markdown(
    "Participant identifiers from your case-management system are replaced on import by a **salted "
    "hash**: `p-` followed by the first 16 hex digits of SHA-256(salt + identifier). The same person "
    "gets the same pseudonym in every import, so records can be updated, but the pseudonym cannot be "
    "turned back into the identifier without the salt.")
st.markdown(
    "- **Pseudonymised column**: `participant_id` in the participants layer.\n"
    "- **Salt**: 32 random bytes made on the first participant import, kept in a file beside the "
    "workspaces, readable by the app's user only. It is never stored in a workspace file, never shown "
    "and never exported. Losing it means the next import gives everybody new pseudonyms (nothing is "
    "exposed).")
st.markdown(f"**Salt status**: {'set; kept in `' + str(salt_path) + '`' if salt_set else 'not set yet'}.")

st.subheader("Never exported")
st.markdown("Participant points and identifiers (pseudonymised or not), the salt, and sign-in settings. "
            "Exports carry counts per road and per LSOA only, with counts from 1 to 4 shown as \"<5\" and "
            "one more count hidden (\"\\*\") where a total would let a \"<5\" be worked back.")

# ---- retention and erasure -----------------------------------------------------------------------
st.header("Retention")
st.markdown("Participant records are kept for a set number of months after their latest date (enrolment "
            "or job start), then purged from the workspace file.")
by = erasure.recorder(status.user)
erasure.retention_section(ws, path, today=today(), by=by)
if st.session_state.get("retention_done"):
    st.success(st.session_state.pop("retention_done"), icon=":material/delete:")

st.header("Erasure on request")
erasure.erasure_section(ws, path, by=by)
