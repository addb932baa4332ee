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


#: Meeting mode's root type size. Streamlit sizes its text in rem (widget text, tags and captions
#: 0.875rem) and its data grids from the root size when they are drawn, so 23 px puts all of them at
#: 20 px or more; the few smaller sizes (slider values, tooltips, the legends) are raised to MIN_PX.
ROOT_PX = 23
#: The smallest type meeting mode shows.
MIN_PX = 20

_STYLE = f"""<style>
  html {{ font-size: {ROOT_PX}px !important; }}
  .stApp [data-testid="stMultiSelectTagsContainer"] span, .stApp [data-testid="stSliderThumbValue"],
  .stApp [data-testid="stTooltipContent"], .stApp [data-testid="stMetricDelta"], .stApp small,
  .pw-legend, .pw-legend span {{ font-size: max({MIN_PX}px, 1em) !important; }}
  .stApp h1, .stApp h1 * {{ font-size: 2.1rem !important; }}
  .stApp h2, .stApp h2 * {{ font-size: 1.6rem !important; }}
  .stApp h3, .stApp h3 * {{ font-size: 1.3rem !important; }}
  .stApp [data-testid="stMetricValue"], .stApp [data-testid="stMetricValue"] * {{
    font-size: 2.4rem !important; font-weight: 700 !important; line-height: 1.15 !important; }}
  .stApp [data-testid="stMetricLabel"], .stApp [data-testid="stMetricLabel"] * {{ font-weight: 600 !important; }}
  /* KPI labels and figures wrap rather than being cut ("Roads with residents e…") */
  .stApp [data-testid="stMetricLabel"], .stApp [data-testid="stMetricLabel"] *,
  .stApp [data-testid="stMetricValue"], .stApp [data-testid="stMetricValue"] * {{
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
    height: auto !important; max-height: none !important; }}
  /* less air above the page and between blocks, so each page's map starts on the first screen */
  .stApp [data-testid="stMainBlockContainer"] {{ padding-top: 3rem !important; }}
  .stApp [data-testid="stVerticalBlock"] {{ gap: 0.6rem !important; }}
</style>"""


def apply_style() -> None:
    """Type readable from the back of a room: nothing under MIN_PX px, KPI labels whole."""
    st.html(_STYLE)
