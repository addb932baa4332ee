"""Patchwork: outreach planning for employment support in deprived neighbourhoods."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import auth, meeting

st.set_page_config(page_title="Patchwork", page_icon=str(Path(__file__).parent / "ui" / "favicon.png"), layout="wide")

pages = [
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
    st.Page("pages/gaps.py", title="Gaps", icon=":material/travel_explore:"),
    st.Page("pages/hubs.py", title="Hubs", icon=":material/hub:"),
    st.Page("pages/patches.py", title="Patches", icon=":material/group_work:"),
    st.Page("pages/popups.py", title="Pop-ups and routes", icon=":material/event:"),
    st.Page("pages/data.py", title="Your data", icon=":material/upload_file:"),
    st.Page("pages/lots.py", title="Lots", icon=":material/grid_view:"),
    st.Page("pages/compare.py", title="Compare plans", icon=":material/compare:"),
    st.Page("pages/exports.py", title="Export and share", icon=":material/ios_share:"),
    st.Page("pages/data_protection.py", title="Data protection", icon=":material/shield_person:"),
]
nav = st.navigation(pages)
auth.require_sign_in()  # after st.navigation, so a page URL on a cold server still routes here

with st.sidebar:
    st.markdown("### Patchwork")
    st.caption("Outreach planning for employment support: need, reach and engagement on one map.")
    meeting.sidebar_switch()

nav.run()
