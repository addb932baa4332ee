"""The Map page's walking catchment: picked in a list, or by clicking a venue on the map.

The map's last click (st_folium keeps it under the map's key) picks the venue before the list is
drawn, so one rerun shows it; only a new click counts, so the list can still change the choice. A
click the run did not see yet (the map's state arrives with the rerun it triggers) is kept as pending
and the page reruns once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

NO_CATCHMENT = ""
CLICK_MATCH_M = 80.0  # a click within this distance of a venue picks it
PICK_KEY = "catchment_venue"
_PENDING = "_catchment_pending"
_LAST_CLICK = "_map_last_click"


def nearest_venue(venue_pts: pd.DataFrame, click: dict[str, Any] | None, *,
                  max_m: float = CLICK_MATCH_M) -> str | None:
    """The venue (venue_id, lat, lng) nearest a map click, if one is within `max_m` metres."""
    if not click or not len(venue_pts):
        return None
    lat, lng = float(click.get("lat", np.nan)), float(click.get("lng", np.nan))
    dy = (venue_pts["lat"].to_numpy() - lat) * 111_320.0
    dx = (venue_pts["lng"].to_numpy() - lng) * 111_320.0 * np.cos(np.radians(lat))
    d = np.hypot(dx, dy)
    if not np.isfinite(d).any() or np.nanmin(d) > max_m:
        return None
    return str(venue_pts["venue_id"].iloc[int(np.nanargmin(d))])


def take_click(venue_pts: pd.DataFrame, *, map_key: str) -> None:
    """Before the list is drawn: a pending or new click on a venue becomes the list's choice."""
    if _PENDING in st.session_state:
        st.session_state[PICK_KEY] = st.session_state.pop(_PENDING)
    last_click = (st.session_state.get(map_key) or {}).get("last_object_clicked")
    if last_click and last_click != st.session_state.get(_LAST_CLICK):
        st.session_state[_LAST_CLICK] = last_click
        hit = nearest_venue(venue_pts, last_click)
        if hit is not None:
            st.session_state[PICK_KEY] = hit


def venue_picker(names: dict[str, str]) -> str:
    """'Walking catchment of': the venues by name, or none (then a click on the map picks one)."""
    picked: str = st.selectbox("Walking catchment of", [NO_CATCHMENT, *sorted(names, key=lambda v: (names[v], v))],
                               format_func=lambda v: "(click a venue on the map)" if v == NO_CATCHMENT else names[v],
                               key=PICK_KEY, disabled=not names)
    return picked


def follow_click(out: dict[str, Any], venue_pts: pd.DataFrame, picked: str) -> None:
    """After the map is drawn: a click this run did not see yet picks its venue on one more run."""
    clicked = out.get("last_object_clicked")
    if clicked and clicked != st.session_state.get(_LAST_CLICK):
        st.session_state[_LAST_CLICK] = clicked
        hit = nearest_venue(venue_pts, clicked)
        if hit is not None and hit != picked:
            st.session_state[_PENDING] = hit
            st.rerun()
