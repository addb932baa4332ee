"""The Assumptions tab of the Lots page: every value of the lot value model as a widget, the cohort table,
and the model as a table with the basis of each value. The widgets make one `LotValueModel`; the
figures on every tab use the last valid one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from geo.assumptions import LOT_VALUE_BOUNDS, LOT_VALUE_SOURCES, LotValueModel
from geo.model import DataError
from geo.plan.lots.value import assumption_table, basis, cohort_frame, cohorts_from_frame
from ui.lots import draft, set_draft, update

_PERCENT = 100.0
_COHORT_COLUMNS: dict[str, Any] = {
    "share": st.column_config.NumberColumn("Share of participants (%)", format="%.0f"),
    "outcome_rate": st.column_config.NumberColumn("Outcome rate (%)", format="%.0f"),
    "payment_gbp": st.column_config.NumberColumn("Payment per outcome (£)", format="£%.0f"),
    "cohort": "Cohort", "outcome": "Paid outcome", "basis": "Basis of the defaults"}


def _reset() -> None:
    update(lambda d: d.with_model(LotValueModel(), reset_widgets=True))


def _scalar_widgets(current: LotValueModel, revision: int) -> dict[str, float]:
    default = LotValueModel()
    values: dict[str, float] = {}
    cols = st.columns(3)
    for i, (name, bound) in enumerate(LOT_VALUE_BOUNDS.items()):
        v = float(getattr(current, name))
        tag = ("your value" if v != float(getattr(default, name))
               else ("source" if name in LOT_VALUE_SOURCES else "assumption"))
        pct = bound.unit.startswith("share")
        scale = _PERCENT if pct else 1.0
        got = cols[i % 3].number_input(
            f"{bound.label} ({'%' if pct else bound.unit}) · {tag}", value=v * scale, step=bound.step * scale,
            format="%.1f" if pct else "%g", key=f"lots_a_{name}_{revision}", help=f"{bound.help} {basis(name)}.")
        values[name] = got / scale
    return values


def _cohort_editor(current: LotValueModel, revision: int) -> pd.DataFrame:
    st.markdown("**Cohorts and payment by results** (shares and rates in %)")
    cf = cohort_frame(current)
    cf[["share", "outcome_rate"]] = cf[["share", "outcome_rate"]] * _PERCENT
    cf["basis"] = [("payment from source; share and rate assumed"
                    if f"cohort:{c}:payment_gbp" in LOT_VALUE_SOURCES else "all assumed") for c in cf["cohort"]]
    edited = st.data_editor(cf, key=f"lots_cohorts_{revision}", num_rows="fixed", hide_index=True, width="stretch",
                            disabled=["cohort", "outcome", "basis"], column_config=_COHORT_COLUMNS)
    edited = pd.DataFrame(edited).drop(columns="basis")
    edited[["share", "outcome_rate"]] = edited[["share", "outcome_rate"]] / _PERCENT
    return edited


def draw_value_model_tab(top_message: DeltaGenerator) -> LotValueModel:
    """The tab's widgets; returns the model they make (or the last valid one, with the error shown here
    and a note in `top_message`)."""
    st.markdown("Every value below feeds the value model. Only the two job-outcome payments (£889 Hardest to "
                "Help, £400 Rapid Progression) and the values marked **source** come from the source documents; "
                "everything else is an **assumption** to check and edit.")
    d = draft()
    current, revision = d.model, d.model_revision
    values = _scalar_widgets(current, revision)
    edited = _cohort_editor(current, revision)
    try:
        model = replace(current, **values, cohorts=cohorts_from_frame(edited))
        set_draft(d.with_model(model))
    except DataError as err:
        model = current
        st.error(f"These assumptions cannot be used; the figures use the last valid ones.\n\n{err}")
        with top_message:
            st.error("Some assumptions are invalid (see the Assumptions tab); the figures use the last valid ones.")
    st.button("Reset to defaults", on_click=_reset, key="lots_a_reset")
    st.dataframe(assumption_table(model)[["setting", "value", "basis", "unit", "meaning"]], hide_index=True,
                 width="stretch")
    return model
