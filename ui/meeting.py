"""Meeting mode: the shared-screen presentation (big type, high contrast, bands not counts).

Switched in the sidebar and remembered in the URL (`?meeting=1`), so a bookmarked link opens in
meeting mode. A deployment can enforce it for everyone by setting the environment variable
PATCHWORK_MEETING_MODE=always (or `meeting_mode = "always"` under `[patchwork]` in
.streamlit/secrets.toml); then the switch is shown on and cannot be turned off.
"""

from __future__ import annotations

import os

import streamlit as st

_ON = {"always", "force", "forced", "on", "true", "1", "yes"}


def enforced() -> bool:
    if os.environ.get("PATCHWORK_MEETING_MODE", "").strip().lower() in _ON:
        return True
    try:
        value = st.secrets.get("patchwork", {}).get("meeting_mode", "")
    except Exception:  # no secrets file: nothing enforced
        return False
    return str(value).strip().lower() in _ON


def is_on() -> bool:
    if enforced():
        return True
    if "meeting" in st.session_state:
        return bool(st.session_state["meeting"])
    return st.query_params.get("meeting") == "1"


def sidebar_switch() -> bool:
    """The sidebar switch; keeps `?meeting=1` in the URL in step with it."""
    forced = enforced()
    on = st.toggle("Meeting mode", value=is_on(), key="meeting", disabled=forced,
                   help="For a shared screen: large type, high-contrast colour-blind-safe colours, "
                        "engagement shown as bands only. "
                        + ("This deployment always uses meeting mode." if forced else ""))
    on = on or forced
    if on:
        st.query_params["meeting"] = "1"
    elif "meeting" in st.query_params:
        del st.query_params["meeting"]
    if on:
        apply_style()
    return on


def apply_style() -> None:
    """Large type readable from the back of a room."""
    st.html("""<style>
      .stApp [data-testid="stMarkdownContainer"] p, .stApp [data-testid="stMarkdownContainer"] li,
      .stApp [data-testid="stWidgetLabel"] p, .stApp [data-testid="stCaptionContainer"] {
        font-size: 1.3rem !important; line-height: 1.45 !important; }
      .stApp h1, .stApp h1 * { font-size: 3rem !important; }
      .stApp h2, .stApp h2 * { font-size: 2.2rem !important; }
      .stApp div[data-testid="stMetricValue"], .stApp div[data-testid="stMetricValue"] p {
        font-size: 3.4rem !important; font-weight: 700 !important; line-height: 1.2 !important; }
      .stApp div[data-testid="stMetricLabel"] p { font-size: 1.35rem !important; font-weight: 600 !important; }
      .pw-legend { font-size: 1.2rem !important; }
      .pw-legend span { font-size: 1.2rem !important; }
    </style>""")
