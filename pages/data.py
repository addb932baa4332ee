"""Your data: build a workspace for your own area from official UK files and your own lists."""

from __future__ import annotations

import streamlit as st

from geo import io
from geo.model import PARTNER_KINDS, VENUE_KINDS, DataError
from geo.read.columns import ColumnMappingNeeded
from ui.importing import (
    area_settings_inputs,
    mapping_form,
    pick_files,
    show_report,
    workspace_in_use,
    workspace_picker,
)
from ui.nav import ensure_app_navigation

ensure_app_navigation()

st.title("Your data")
st.caption("Build a workspace for your own area from the files ONS, MHCLG, Ordnance Survey and OpenStreetMap "
           "publish, and your own lists of venues, partners and participants. Nothing is written until every "
           "file has been read; a file that cannot be used is explained, and the workspace you have stays as it is.")

# ---- workspaces already built: filled once the build below has run, so the list includes it --------
top = st.container(border=True)

# ---- the files -----------------------------------------------------------------------------------
use_paths = st.radio("Where are the files?", ["Upload them", "Files on this computer (paths)"], horizontal=True,
                     key="source_mode") != "Upload them"
name = st.text_input("Workspace name", key="ws_name", placeholder="e.g. Wolverhampton")

with st.container(border=True):
    st.subheader("1. Area boundaries", anchor=False)
    st.caption("From the ONS Open Geography Portal: GeoJSON, GeoPackage or a zipped Shapefile, in any CRS. "
               "Columns are recognised by their ONS names (WD25CD, LSOA11CD, LSOA21NM, ...).")
    c1, c2 = st.columns(2)
    with c1:
        wards = pick_files("Ward boundaries (required)", key="wards", types=["geojson", "json", "gpkg", "zip"],
                           multiple=False, use_paths=use_paths)
        older_wards = pick_files("Older ward boundaries, e.g. 2013 (optional)", key="older_wards",
                                 types=["geojson", "json", "gpkg", "zip"], multiple=True, use_paths=use_paths,
                                 help_text="For lots and the ward names documents use (Bilston East...); maps and "
                                           "figures use the current wards.")
    with c2:
        lsoas = pick_files("LSOA boundaries, 2011 or 2021 (required)", key="lsoas",
                           types=["geojson", "json", "gpkg", "zip"], multiple=False, use_paths=use_paths)
        vintage = st.selectbox("LSOA vintage", ["from the column names", "2011", "2021"], key="lsoa_vintage",
                               help="Only needed when the columns do not say (LSOA11CD or LSOA21CD).")

with st.container(border=True):
    st.subheader("2. Deprivation and population", anchor=False)
    st.caption("IoD2019 Files 1, 2 and 6 as published (with 2011 LSOAs), or IoD2025 and Census 2021 population "
               "(with 2021 LSOAs). CSV, .csv.gz or Excel. The vintage must match the LSOA boundaries.")
    tables = pick_files("Deprivation and population tables", key="tables", types=["csv", "gz", "xlsx", "txt"],
                        multiple=True, use_paths=use_paths)

with st.container(border=True):
    st.subheader("3. Roads, venues and buses (optional)", anchor=False)
    c1, c2, c3 = st.columns(3)
    with c1:
        osm = pick_files("OpenStreetMap extract (.osm.pbf)", key="osm", types=["pbf"], multiple=False,
                         use_paths=use_paths)
    with c2:
        gtfs = pick_files("GTFS feed (zip)", key="gtfs", types=["zip"], multiple=False, use_paths=use_paths)
    with c3:
        naptan = pick_files("NaPTAN stops (Stops.csv)", key="naptan", types=["csv", "gz"], multiple=False,
                            use_paths=use_paths)

with st.container(border=True):
    st.subheader("4. Your lists (optional)", anchor=False)
    st.caption("CSV or Excel with coordinates (latitude/longitude or easting/northing) or postcodes. Postcodes "
               "are located with OS Code-Point Open (the CSVs as published) or the ONS Postcode Directory.")
    c1, c2 = st.columns(2)
    with c1:
        venues = pick_files("Venues", key="venues", types=["csv", "xlsx", "gz"], multiple=True, use_paths=use_paths)
        venue_kind = st.selectbox("Kind, where the file does not say", list(VENUE_KINDS),
                                  format_func=VENUE_KINDS.get, index=list(VENUE_KINDS).index("community_centre"),
                                  key="venue_kind")
        partners = pick_files("Partner sites", key="partners", types=["csv", "xlsx", "gz"], multiple=True,
                              use_paths=use_paths)
        partner_kind = st.selectbox("Kind, where the file does not say", list(PARTNER_KINDS),
                                    format_func=PARTNER_KINDS.get,
                                    index=list(PARTNER_KINDS).index("voluntary_sector"), key="partner_kind")
    with c2:
        gen = st.session_state.get("participants_gen", 0)
        participants = pick_files("Participants", key=f"participants_{gen}", types=["csv", "xlsx", "gz"],
                                  multiple=True, use_paths=use_paths,
                                  help_text="Identifiers are replaced by salted hashes; names, phone numbers and "
                                            "emails are dropped; the file itself is not kept.")
        postcodes = pick_files("Postcode file(s): Code-Point Open CSVs or ONSPD", key="postcodes",
                               types=["csv", "zip", "gz"], multiple=True, use_paths=use_paths)

with st.container(border=True):
    st.subheader("5. How far around the area", anchor=False)
    area = area_settings_inputs(name)

# ---- build ----------------------------------------------------------------------------------------
pending: ColumnMappingNeeded | None = st.session_state.get("pending_mapping")
if pending is not None:
    chosen = mapping_form(pending)
    if chosen is not None:
        io.remember_mapping(pending.what, pending.headers, chosen)
        st.session_state["pending_mapping"] = None
        st.session_state["auto_build"] = True
        st.rerun()

go = st.button("Build workspace", type="primary", key="build", disabled=False)
if st.session_state.pop("auto_build", False):
    go = True
if go:
    st.session_state["last_build"] = None
    missing = [label for label, files in (("ward boundaries", wards), ("LSOA boundaries", lsoas)) if not files]
    if not name.strip():
        missing.insert(0, "a workspace name")
    if missing:
        st.error("To build a workspace, add " + " and ".join(missing) + ".")
    else:
        with st.status("Building the workspace…", expanded=True) as status:
            bar = st.progress(0.0)

            def progress(fraction: float, text: str) -> None:
                bar.progress(fraction, text=text)

            try:
                sources = io.WorkspaceSources(
                    wards=wards[0], older_wards=older_wards, lsoas=lsoas[0], tables=tables, osm=osm[0] if osm else None,
                    gtfs=gtfs[0] if gtfs else None, naptan=naptan[0] if naptan else None, venues=venues,
                    partners=partners, participants=participants, postcodes=postcodes, venue_kind=venue_kind,
                    partner_kind=partner_kind, lsoa_year=None if vintage.startswith("from") else int(vintage),
                    margin_km=area.margin_km, keep_outside=area.keep_outside)
                result = io.build_workspace(sources, name=name, progress=progress)
            except ColumnMappingNeeded as err:
                status.update(label="Which column is which? Nothing was written.", state="error")
                st.session_state["pending_mapping"] = err
                st.rerun()
            except DataError as err:
                status.update(label="Import stopped: nothing was written.", state="error")
                st.session_state["build_error"] = str(err)
            else:
                status.update(label=f"Workspace {result.name} built", state="complete", expanded=False)
                st.session_state["build_error"] = None
                st.session_state["last_build"] = result
                if participants:  # drop the raw upload from this session
                    st.session_state["participants_gen"] = gen + 1

error = st.session_state.get("build_error")
if error:
    st.error("The workspace was not built, and nothing was changed:\n\n" + "\n\n".join(
        f"- {line}" for line in error.splitlines()), icon=":material/error:")

result = st.session_state.get("last_build")
with top:
    workspace_in_use()
    if result is None:
        workspace_picker(None)
    else:
        st.caption("The workspaces built on this computer are listed below the build, with the one just built "
                   "chosen.")
if result is not None:
    st.success(f"Built **{result.name}** in `{result.path}`: "
               + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in result.counts.items()) + ".")
    with st.container(border=True):
        workspace_picker(result.path)
    st.subheader("Import report", anchor=False)
    st.caption("Row numbers are as a spreadsheet shows them: the header is row 1. Boundary features count from 1.")
    for report in result.reports:
        show_report(report)
