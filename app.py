"""Patchwork: outreach planning for employment support in deprived neighbourhoods."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import meeting

st.set_page_config(page_title="Patchwork", page_icon=str(Path(__file__).parent / "ui" / "favicon.png"), layout="wide")

pages = [
    st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
]
nav = st.navigation(pages)

with st.sidebar:
    st.markdown("### Patchwork")
    st.caption("Outreach planning for employment support: need, reach and engagement on one map.")
    meeting.sidebar_switch()

nav.run()
