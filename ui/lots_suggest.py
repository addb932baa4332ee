"""The Suggest lots tab of the Lots page: k high-need clusters, or an area divided into k lots, replacing
the current lots."""

from __future__ import annotations

import streamlit as st

from geo.assumptions import LotValueModel
from geo.model import DataError
from geo.plan.lots.suggest import suggest_lots
from geo.plan.lots.units import LotUnits
from ui.lots import LotsView, draft, message, show_message, update

_MESSAGE = "lots_sg_msg"
_MODES = {"clusters": "k high-need clusters", "divide": "Divide an area into k lots"}


def _suggest(lu: LotUnits, model: LotValueModel, within: list[str] | None) -> None:
    try:
        result = suggest_lots(
            lu, model, k=int(st.session_state["lots_sg_k"]), mode=st.session_state["lots_sg_mode"], within=within,
            exclude=draft().served if st.session_state.get("lots_sg_exclude", True) else (),
            min_value_gbp=float(st.session_state["lots_sg_min"]))
    except DataError as err:
        message(_MESSAGE, "error", str(err))
        return
    if not result.lots:
        message(_MESSAGE, "error", "No lot could be suggested; the current lots are kept. " + " ".join(result.notes))
        return
    update(lambda d: d.replace_lots(result.lots))
    note = " ".join(result.notes)
    message(_MESSAGE, "ok", f"Suggested {len(result.lots)} lots; edit them on the Lots tab. {note}")


def draw_suggest_tab(view: LotsView) -> None:
    lu, model = view.lu, view.draft.model
    st.markdown("Pick **k compact, contiguous, high-need clusters** (as Connecting Communities chose nine "
                "neighbourhoods), or **divide an area into k lots**. Each suggested lot meets the minimum value "
                "and the minimum advisor count. The suggestion replaces the current lots; edit from there.")
    st.radio("What to suggest", list(_MODES), key="lots_sg_mode", horizontal=True, format_func=_MODES.get)
    s1, s2 = st.columns(2)
    s1.number_input("Number of lots (k)", min_value=1, max_value=50, value=min(3, max(1, len(lu.codes) // 2)),
                    step=1, key="lots_sg_k")
    s2.number_input("Minimum value per lot (£)", min_value=0.0, value=float(model.min_value_gbp), step=10_000.0,
                    key="lots_sg_min")
    within = None
    if st.session_state.get("lots_sg_mode") == "divide":
        councils = sorted({x for x in lu.units["lad_name"] if x})
        if councils:
            chosen = st.multiselect("Area to divide (councils)", councils, default=councils, key="lots_sg_councils")
            within = lu.codes_in_councils(chosen)
        else:
            within = list(lu.codes)
    st.checkbox("Leave out areas served by another programme", value=True, key="lots_sg_exclude")
    st.button("Suggest lots", type="primary", key="lots_sg_go", on_click=_suggest, args=(lu, model, within))
    show_message(_MESSAGE)
