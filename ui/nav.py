"""Keep every page inside the app's own navigation, even on a cold server.

Streamlit starts in its old "pages/ folder" mode until some session has run `st.navigation`. A page
URL opened first on a fresh server (say /gaps) would then run the page alone: no sidebar, no page
settings, file names as the menu. Each page (not app.py, whose own st.navigation call leaves that mode)
calls `ensure_app_navigation()` first; in that mode it switches Streamlit to `st.navigation` and
reruns, so the app's entry script (app.py) runs the page.
"""

from __future__ import annotations

import sys

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_navigation() -> None:
    # Only on a real server: Streamlit's AppTest runs page files its own way (and a rerun there
    # would drop the widget values a test has just set).
    if PagesManager.uses_pages_directory and "streamlit.testing.v1.app_test" not in sys.modules:
        PagesManager.uses_pages_directory = False
        st.rerun()
