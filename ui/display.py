"""Legends and KPI strips, drawn by Streamlit (not branca, which would fetch d3 from a CDN)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import streamlit as st


def legend(title: str, items: Iterable[tuple[str, str]], *, shape: str = "box") -> None:
    """A legend block: `items` are (colour, label); shape is 'box', 'line', 'circle' or 'diamond'."""
    styles = {
        "box": "width:16px;height:12px;border:1px solid #505a5f",
        "line": "width:22px;height:4px;border-radius:2px",
        "circle": "width:12px;height:12px;border-radius:50%;border:1px solid #505a5f",
        "diamond": "width:10px;height:10px;transform:rotate(45deg);border:1px solid #505a5f",
    }
    rows = "".join(
        f"<div style='display:flex;align-items:center;gap:8px;margin:2px 0'>"
        f"<span style='display:inline-block;flex:none;background:{c};{styles[shape]}'></span>"
        f"<span>{html.escape(label)}</span></div>"
        for c, label in items
    )
    st.html(f"<div class='pw-legend' style='font-size:0.85rem;margin-bottom:10px'><div style='font-weight:600;"
            f"margin-bottom:4px'>{html.escape(title)}</div>{rows}</div>")


def kpi_strip(kpis: Sequence[tuple[str, str, str]]) -> None:
    """KPIs as (label, value, help) in one row."""
    cols = st.columns(len(kpis))
    for col, (label, value, help_text) in zip(cols, kpis):
        col.metric(label, value, help=help_text, border=True, height="stretch")


def fictional_banner(is_fictional: bool) -> None:
    if is_fictional:
        st.info("Demo borough: every place, person and number here is **fictional**, generated for "
                "demonstration.", icon=":material/info:")
