"""Filter widgets the Map and Gaps pages share: the enrolment period and which map layers show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from geo.model import Workspace
from geo.out import mapview

#: The period offered when a workspace has no participants.
NO_PEOPLE_FROM = dt.date(2020, 1, 1)


def enrolment_range(ws: Workspace) -> tuple[dt.date, dt.date]:
    """The first and last enrolment dates of the workspace's participants (a default period without any)."""
    participants = ws.layer("participants")
    if len(participants) == 0:
        return NO_PEOPLE_FROM, dt.date.today()
    enrolled = pd.to_datetime(participants["enrolled_on"])
    return enrolled.min().date(), enrolled.max().date()


def period_input(box: Any, first: dt.date, last: dt.date, *, key: str) -> tuple[dt.date, dt.date]:
    """'Enrolled between' in `box`; the whole range until both ends are picked."""
    period = box.date_input("Enrolled between", value=(first, last), min_value=first, max_value=last,
                            format="DD/MM/YYYY", key=key)
    if isinstance(period, tuple) and len(period) == 2:
        return period[0], period[1]
    return first, last


def layer_picker(*, meeting: bool) -> frozenset[str]:
    """The layers to show: one row of pills in meeting mode, else a toggle per layer (all on)."""
    if meeting:
        picked = st.pills("Layers", list(mapview.LAYERS), default=["deprivation", "engagement", "venues"],
                          selection_mode="multi", format_func=lambda layer: mapview.LAYER_LABELS[layer],
                          key="layers_pills")
        return frozenset(picked or ())
    toggles = st.columns(len(mapview.LAYERS))
    return frozenset(layer for col, layer in zip(toggles, mapview.LAYERS)
                     if col.toggle(mapview.LAYER_LABELS[layer], value=True, key=f"show_{layer}"))
