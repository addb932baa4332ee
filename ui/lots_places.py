"""The Place names tab of the Lots page: ward names as documents give them, resolved to boundaries (with
a note when boundaries changed), added as lots."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import io
from geo.model import DataError, ward_years
from geo.plan.lots.units import LotUnits
from geo.plan.places import alias_codes, place_units, resolve_workspace_wards
from ui.lots import LotsView, draft, set_draft

_MESSAGE = "lots_places_msg"


def _add_places(found: gpd.GeoDataFrame, lu: LotUnits, unit_key: str) -> None:
    new, added = draft().add_lots(place_units(found, lu, boundary_year=unit_key.split(":")[-1]))
    set_draft(new)
    st.session_state[_MESSAGE] = f"Added {len(added)} lot(s): {', '.join(added)}." if added else \
        "No lot added: the places have no boundary here or their units are already in lots."


def draw_places_tab(view: LotsView) -> None:
    st.markdown("Type ward names as documents give them; each resolves to a boundary, with a note when "
                "boundaries changed. An old ward split between current wards keeps its old boundary, and the "
                f"lot takes the {view.unit_word} within it.")
    text = st.text_area("Place names, one per line", key="lots_places_text", height=120)
    table = st.file_uploader("Your alias table (optional): document name, ward code", type=["csv", "xlsx"],
                             key="lots_places_aliases")
    query = [t.strip() for t in text.splitlines() if t.strip()]
    if query:
        try:
            mine = alias_codes(io.read_table(io.Upload(table.name, table.getvalue())), source=table.name) \
                if table is not None else None
        except DataError as err:
            st.error(f"The alias table cannot be used:\n\n{err}")
            mine = None
        found = resolve_workspace_wards(query, ward_years(view.ws), user_aliases=mine)
        st.dataframe(pd.DataFrame({"Name": found["query"], "Boundary": found["boundary"],
                                   "Year": found["boundary_year"], "Ward(s)": found["unit_names"],
                                   "Codes": [", ".join(c) for c in found["codes"]], "Note": found["note"]}),
                     hide_index=True, width="stretch")
        st.button("Add these places as lots", key="lots_places_add", on_click=_add_places,
                  args=(found, view.lu, view.unit_key))
    msg = st.session_state.pop(_MESSAGE, None)
    if msg:
        st.info(msg)
