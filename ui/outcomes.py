"""The Gaps page's 'Outcomes and how people heard, by area' section (suppressed counts only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import streamlit as st

from geo.model import Workspace
from geo.out import gaps_view
from ui import workspace as wsp


def outcomes_by_area(ws: Workspace, *, start: dt.date, end: dt.date, cohorts: tuple[str, ...],
                     lsoa_name: Mapping[str, Any], ward_name: Mapping[str, str]) -> None:
    """Wards or LSOAs, one area (or all) at a time: the outcome funnel and how people heard, then every area."""
    a1, a2 = st.columns([1, 3])
    level = a1.radio("Areas", ["ward", "lsoa"], format_func={"ward": "Wards", "lsoa": "LSOAs"}.get,
                     horizontal=True, key="area_level")
    funnel, heard = wsp.area_outcomes(ws.id, ws, level, start, end, cohorts)
    code_col = "ward_code" if level == "ward" else "lsoa_code"
    labels = ward_name if level == "ward" else {c: (lsoa_name.get(c) or c)
                                                for c in ws.layer("lsoas")["lsoa_code"].astype(str)}

    def area_label(code: str) -> str:
        return gaps_view.area_label(code, labels)

    funnel_text, heard_text, codes_here = gaps_view.area_outcomes(funnel, heard, code_col=code_col)
    area = a2.selectbox("Area", [gaps_view.TOTAL, *codes_here], key="area_pick", format_func=area_label)
    b1, b2 = st.columns(2)
    with b1:
        st.markdown("**Outcome funnel**")
        st.dataframe(gaps_view.stage_rows(funnel_text, area), hide_index=True, width="stretch", key="area_funnel")
    with b2:
        st.markdown("**How people heard about the programme**")
        st.dataframe(gaps_view.source_rows(heard_text, area), hide_index=True, width="stretch", key="area_heard")
    st.caption("Counts from 1 to 4 show as <5; where a total would let a hidden count be worked out, "
               "another small cell shows as * too. Participants are placed in areas by where they live.")
    with st.expander("Every area"):
        st.dataframe(funnel_text.rename(index=area_label), width="stretch", key="all_funnel")
        st.dataframe(heard_text.rename(index=area_label), width="stretch", key="all_heard")
