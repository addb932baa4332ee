"""The editable assumptions, held once per browser session and shared by every page.

An assumption set on one page (the walking speed on the Map page, the gap weights on the Gaps page)
holds on every page that uses it: each object lives in `st.session_state` under one key, widgets are
seeded from it wherever they are drawn, and pages that only *use* it read `reach()` / `gap_weights()`.
Widget state alone would not do: Streamlit forgets a widget's value on a page that does not draw it.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import streamlit as st

from geo.assumptions import GAP_BOUNDS, REACH_BOUNDS, GapWeights, ReachAssumptions
from geo.model import DataError

_REACH_KEY = "assumptions.reach"
_GAPS_KEY = "assumptions.gap_weights"
_GAPS_ERROR_KEY = "assumptions.gap_weights_error"


def reach() -> ReachAssumptions:
    """The reach assumptions in force in this browser session (the defaults until a page changes them)."""
    value = st.session_state.get(_REACH_KEY)
    return value if isinstance(value, ReachAssumptions) else ReachAssumptions()


def gap_weights() -> GapWeights:
    """The gap weights in force in this browser session (the defaults until the Gaps page changes them)."""
    value = st.session_state.get(_GAPS_KEY)
    return value if isinstance(value, GapWeights) else GapWeights()


def _widget_key(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


_RAW = "assumptions.raw."  # + prefix: the values the widgets last held (seeded back on every page)


def _seed(prefix: str, current: ReachAssumptions | GapWeights, names: list[str]) -> None:
    """Put the session's values into the widgets' state before they are drawn, on every run.

    A widget on another page is another widget to Streamlit, so its own state cannot carry a value
    from page to page; the session's values can. A change reaches them first through `_sync`
    (the widgets' on_change, which runs before the page), so seeding never undoes it.
    """
    raw = st.session_state.get(_RAW + prefix) or {}
    for name in names:
        st.session_state[_widget_key(prefix, name)] = float(raw.get(name, getattr(current, name)))


def _sync(prefix: str, names: list[str]) -> None:
    """on_change of every assumption widget: store what the widgets hold, and the object it makes."""
    raw = {name: float(st.session_state[_widget_key(prefix, name)]) for name in names
           if _widget_key(prefix, name) in st.session_state}
    st.session_state[_RAW + prefix] = raw
    if prefix == "reach":
        st.session_state[_REACH_KEY] = replace(reach(), **raw)  # the widgets' bounds keep it valid
        return
    try:
        st.session_state[_GAPS_KEY] = replace(gap_weights(), **raw)
        st.session_state[_GAPS_ERROR_KEY] = False
    except DataError:
        st.session_state[_GAPS_KEY] = GapWeights()
        st.session_state[_GAPS_ERROR_KEY] = True


_REACH_LABELS = {"walk_m_per_min": "Walking speed (m per minute)",
                 "max_walk_to_stop_m": "Longest walk to or from a bus stop (m)",
                 "default_trips_per_hour": "Buses an hour where the data has no timetable",
                 "default_speed_kmh": "Bus speed where the data has none (km/h)",
                 "detour_factor": "Detour factor for straight-line estimates"}


def edit_reach(*, container: Any = None, network: bool = True) -> ReachAssumptions:
    """Number inputs for every reach assumption, seeded from (and saved to) the session's one object."""
    box = container if container is not None else st.container()
    c1, c2, c3 = box.columns(3)
    names = [f.name for f in fields(ReachAssumptions)]
    _seed("reach", reach(), names)
    for col, name in zip([c1, c1, c2, c2, c3], names):
        b = REACH_BOUNDS[name]
        col.number_input(_REACH_LABELS[name], b.low, b.high, step=b.step, key=_widget_key("reach", name),
                         help=b.help or None, on_change=_sync, args=("reach", names))
    if not network:
        c3.caption("No road network in this workspace: every walking time is a straight-line **estimate**.")
    return reach()


def edit_gap_weights(*, container: Any = None) -> GapWeights:
    """Sliders for the four gap weights, saved to the session's one object.

    Weights that leave need or lack with no positive weight are refused (`gap_weights_refused()`, the
    page warns) and the default weights are used meanwhile, on this page and every other.
    """
    box = container if container is not None else st.container()
    names = ["deprivation", "population", "reach", "engagement"]
    _seed("gapw", gap_weights(), names)
    for col, name in zip(box.columns(4), names):
        b = GAP_BOUNDS[name]
        col.slider(b.label, b.low, b.high, step=b.step, key=_widget_key("gapw", name), help=b.help or None,
                   on_change=_sync, args=("gapw", names))
    return gap_weights()


def gap_weights_refused() -> bool:
    """True when the sliders on screen hold weights that were refused (see edit_gap_weights)."""
    return bool(st.session_state.get(_GAPS_ERROR_KEY, False))


def used_caption(*objects: ReachAssumptions | GapWeights, where: str = "the Map or Gaps page") -> str:
    """'Assumptions used: …' for a page that uses assumptions set elsewhere."""
    parts = [obj.summary() for obj in objects]
    changed = any(not obj.is_default for obj in objects)
    tail = f" (as set on {where})" if changed else f" (defaults; change them on {where})"
    return "Assumptions used: " + "; ".join(parts) + tail + "."
