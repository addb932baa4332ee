"""Export and share: the map view, a briefing pack and the tables, as files to take away."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.analyse import deprivation
from geo.model import COHORTS
from geo.out import exports, mapview
from ui import assumptions as assumptions_ui
from ui import exporting as ex
from ui import key_figures, meeting
from ui import workspace as wsp
from ui.display import fictional_banner
from ui.nav import ensure_app_navigation

ensure_app_navigation()

ws = wsp.current_workspace()
path = wsp.workspace_path()
in_meeting = meeting.is_on()
st.title("Export and share")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
st.markdown("Files for the meeting and after it. Every file carries the data sources and attribution "
            "below, and the same small-number rule as the screen: counts of people from 1 to 4 read "
            "**<5**, and participant records never leave the workspace (only counts per road and per LSOA).")

# ---- the map view to export: the Map page's view when it left one, else everything -----------------
first, last = ex.enrolment_range(ws)
saved = key_figures.map_view()
saved["start"] = min(max(saved.get("start", first), first), last)
saved["end"] = max(min(saved.get("end", last), last), first)
indices = deprivation.available_indices(ws.layer("lsoas")) or ["imd"]
with st.expander("Map view and filters", expanded=False):
    c1, c2, c3 = st.columns([2, 3, 2])
    period = c1.date_input("Enrolled between", value=(saved.get("start", first), saved.get("end", last)),
                           min_value=first, max_value=last, format="DD/MM/YYYY", key="export_period")
    cohorts = tuple(c2.multiselect("Cohorts", COHORTS, default=list(saved.get("cohorts", COHORTS)),
                                   key="export_cohorts"))
    index = c3.selectbox("Deprivation measure", indices, key="export_index",
                         index=indices.index(saved["index"]) if saved.get("index") in indices else 0,
                         format_func=deprivation.index_label)
    shown = frozenset(st.pills("Layers on the map", list(mapview.LAYERS), selection_mode="multi",
                               default=list(saved.get("shown", mapview.LAYERS)), key="export_layers",
                               format_func=lambda layer: mapview.LAYER_LABELS[layer]) or ())
start, end = (period[0], period[1]) if isinstance(period, tuple) and len(period) == 2 else (first, last)
view = ex.MapView(start=start, end=end, cohorts=cohorts, index=index, shown=shown, meeting=in_meeting)
if in_meeting:
    st.caption("Meeting mode is on: the exported map uses the meeting palettes and roads show bands only.")

eng = wsp.road_engagement(ws.id, ws, start, end, cohorts, wsp.SNAP_M) if ws.has("roads") else None
try:
    leaflet = ex.vendor_assets()
except FileNotFoundError as exc:
    leaflet = None
    st.error(f"The map files cannot be made: {exc}")
gap_view, reach, weights = wsp.gap_view(ws.id), assumptions_ui.reach(), assumptions_ui.gap_weights()
bundle = ex.ExportBundle(
    ws=ws, path=path, view=view, eng=eng,
    gap_table=lambda: wsp.gap_result(ws.id, ws, gap_view, reach, weights).table,
    map_=ex.outreach_map(ws, view, eng),  # no base tiles: they need the network
    legends=ex.map_legends(ws, view), kpis=key_figures.map_key_figures(ws, start=start, end=end, cohorts=cohorts),
    plans=ex.saved_plans(path), today=dt.date.today(), leaflet=leaflet, reach=reach,
)

# ---- the files -----------------------------------------------------------------------------------
left, right = st.columns(2, gap="large")
with left:
    st.header("For the meeting")
    st.markdown("**Map image (PNG)**: the map (as set under *Map view and filters*) with its legend and "
                "attribution, for slides.")
    png_problem = exports.png_unavailable_reason()
    if leaflet is None:
        st.info("No map image: the map files are missing on this server.", icon=":material/info:")
    elif png_problem:
        st.info(png_problem, icon=":material/info:")
    else:
        st.download_button("Download map image (PNG)", data=bundle.png, file_name=bundle.filename("map", "png"),
                           mime="image/png", icon=":material/image:", key="dl_png", on_click="ignore")

    st.markdown("**Briefing pack (PDF)**: key figures, the map, the top gaps (as on the Gaps page), a plan, "
                "and the data sources.")
    st.caption(assumptions_ui.used_caption(reach, weights, where="the Map or Gaps page"))
    labels = ["No plan"] + [ex.plan_label(p) for p in bundle.plans]
    picked = st.selectbox("Plan to include", labels, key="export_plan",
                          help="Saved plans of this workspace (hubs, patches, pop-up sessions, lots), shown as "
                               "their pages show them.")
    plan = bundle.plans[labels.index(picked) - 1] if picked != "No plan" else None
    if png_problem and leaflet is not None:
        st.caption("The pack will have no map image on this server (see above).")
    st.download_button("Download briefing pack (PDF)", data=lambda: bundle.pdf(plan),
                       file_name=bundle.filename("briefing", "pdf"), mime="application/pdf",
                       icon=":material/picture_as_pdf:", key="dl_pdf", on_click="ignore")

    st.markdown("**Map for offline use (HTML)**: one file that opens in any browser with no internet "
                "and no server; pan, zoom and hover as on screen.")
    if leaflet is not None:
        st.download_button("Download map (HTML)", data=bundle.html, file_name=bundle.filename("map", "html"),
                           mime="text/html", icon=":material/map:", key="dl_html", on_click="ignore")

with right:
    st.header("After the meeting")
    st.markdown("**Tables (Excel)**: key figures, engagement by road and by LSOA, top gaps, venues, "
                "partners, buses and every saved plan, one sheet each, with an About sheet.")
    st.download_button("Download tables (Excel)", data=bundle.excel, file_name=bundle.filename("tables", "xlsx"),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table_view:", key="dl_xlsx", on_click="ignore")

    st.markdown("**GeoPackage for QGIS**: every layer and saved plan in British National Grid "
                "(EPSG:27700). Participants appear only as counts per road and per LSOA.")
    st.download_button("Download GeoPackage", data=bundle.geopackage, file_name=bundle.filename("layers", "gpkg"),
                       mime="application/geopackage+sqlite3", icon=":material/layers:", key="dl_gpkg",
                       on_click="ignore")

    st.markdown("**One table (CSV)**")
    table = st.selectbox("Table", bundle.table_names(), key="export_csv_table")
    st.download_button("Download table (CSV)", data=lambda: bundle.csv(table),
                       file_name=bundle.filename(table.lower().replace(" ", "-"), "csv"), mime="text/csv",
                       icon=":material/csv:", key="dl_csv", on_click="ignore")

st.header("Data sources and attribution")
st.caption("Carried by every file above.")
for note in bundle.notes:
    st.markdown("- " + note.replace("*", "\\*"))
st.markdown("**Never exported**: participant points, participant identifiers (even pseudonymised), the "
            "pseudonymisation salt, and sign-in settings. See the Data protection page.")
