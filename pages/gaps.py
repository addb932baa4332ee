"""Gaps: where need is high and reach or engagement is low, with every part of the score shown.

LSOAs are ranked by a gap score (geo.analyse.gaps.gap_table): need (deprivation on the chosen index, working-age
residents) × lack (minutes to the nearest venue that counts, share of roads with nobody engaged). The
weights are editable; every row says why it ranks where it does. The unengaged roads in the top areas
follow, most deprived first. By area, the outcome funnel and how people heard, with small numbers
suppressed (geo.privacy).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from geo.analyse import deprivation, gaps
from geo.out import mapview
from geo.model import COHORTS
from geo.privacy import secondary_suppress, suppress
from ui import assumptions as assumptions_ui
from ui import meeting
from ui import reach as reach_ui
from ui import workspace as wsp
from ui.display import fictional_banner, kpi_strip, legend
from ui.map import show_map, tile_settings
from ui.nav import ensure_app_navigation

ensure_app_navigation()

SNAP_M = wsp.SNAP_M
STAGES = {"engaged": "Engaged", "embedded": "Embedded", "job_start": "Job start",
          "sustained_13w": "Sustained 13 weeks"}

ws = wsp.current_workspace()
in_meeting = meeting.is_on()
st.title("Coverage gaps")
st.caption(ws.display_name)
fictional_banner(ws.fictional)
st.markdown("Where is need high but no venue within easy reach, or nobody engaged? Each LSOA's **gap score** "
            "is need (deprivation, working-age residents) × lack (time to the nearest venue, roads with "
            "nobody engaged); every row shows its parts.")

lsoas = ws.layer("lsoas")
participants = ws.layer("participants")
has_people = len(participants) > 0
has_roads = ws.has("roads")
indices = deprivation.available_indices(lsoas) or ["imd"]
enrolled = pd.to_datetime(participants["enrolled_on"]) if has_people else pd.Series(dtype="datetime64[ms]")
first = enrolled.min().date() if has_people else dt.date(2020, 1, 1)
last = enrolled.max().date() if has_people else dt.date.today()

# ---- choices ------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([2, 3, 2])
index = c1.selectbox("Deprivation measure", indices, format_func=deprivation.index_label, key="gap_index",
                     help="The index or domain whose decile gives the need part of the score.")
cohorts = tuple(c2.multiselect("Cohorts", COHORTS, default=list(COHORTS), key="gap_cohorts"))
period = c3.date_input("Enrolled between", value=(first, last), min_value=first, max_value=last,
                       format="DD/MM/YYYY", key="gap_period")
start, end = (period[0], period[1]) if isinstance(period, tuple) and len(period) == 2 else (first, last)

with st.expander("Weights of the gap score", expanded=not in_meeting):
    weights = assumptions_ui.edit_gap_weights()
    st.caption("score = need × lack; need = weighted mean of deprivation and residents, lack = weighted mean "
               "of reach and engagement. A part with no data drops out of its mean.")
if assumptions_ui.gap_weights_refused():
    st.warning("Give at least one need weight (deprivation or residents) and one lack weight (reach or "
               "engagement) a value above 0; the default weights are used meanwhile.")

with st.expander("Venues that count for reach", expanded=False):
    choice = reach_ui.venue_filter(ws, key="gap_venues")
    for note in choice.notes:
        st.caption(note)
assumptions_box = st.expander("Reach assumptions (editable)", expanded=False)
reach_assumptions = assumptions_ui.edit_reach(network=has_roads, container=assumptions_box)
view = wsp.GapView(index=index, start=start, end=end, cohorts=cohorts, venue_ids=choice.ids)
wsp.remember_gap_view(ws.id, view)

# ---- analyses (cached per workspace + choices; the first run says what it is doing) -------------
with st.status("Working out reach and gaps…", expanded=False) as status:
    status.update(label="Placing venues, bus stops and LSOA points on the road network…")
    net = wsp.reach_network(ws.id, ws)
    status.update(label=f"Walking and bus times to the nearest of {choice.label}, engagement by road, the gap table…")
    gap = wsp.gap_result(ws.id, ws, view, reach_assumptions, weights)
    result, eng, road_table, table = gap.reach, gap.engagement, gap.road_table, gap.table
    status.update(label="Reach and gaps ready", state="complete")

reach_ui.assumptions_used(result, container=assumptions_box)
estimate = bool(result.lsoas["estimate"].any())
if not net.network:
    st.info("This workspace has no road network: walking times are straight-line distance × "
            f"{reach_assumptions.detour_factor:g}, an **estimate**, and roads with nobody engaged cannot be listed.",
            icon=":material/straighten:")
elif estimate:
    st.caption("Some LSOA points are not joined to any venue by the road network: their times are "
               "straight-line **estimates** (marked in the table).")

# ---- KPIs ---------------------------------------------------------------------------------------
share = gaps.deprived_within_minutes(lsoas, result.lsoas, minutes=15.0, max_decile=2, index="imd")
kpis = [("Most deprived 20%: within 15 min of a venue" + (" (estimate)" if share.estimate else ""),
         f"{share.share:.0%}" if share.denominator else "no such LSOAs",
         f"{share.numerator:,} of {share.denominator:,} working-age residents of LSOAs in England's most "
         "deprived 20% (IMD decile 1 or 2) live where the best of walk and bus reaches a venue that counts in "
         "15 minutes, timed from each LSOA's population-weighted point."
         + (" Straight-line distance × the detour factor: an estimate." if share.estimate else ""))]
if road_table is not None:
    split = gaps.roads_engaged_deprived_vs_elsewhere(road_table, lsoas, max_decile=2, index="imd").set_index("group")

    def pct(group: str) -> str:
        row = split.loc[group]
        return f"{row['pct_engaged']:.0f}%" if row["roads"] else "no roads"

    kpis += [("Roads engaged in deprived LSOAs", pct("deprived"),
              f"{int(split.loc['deprived', 'roads_engaged']):,} of {int(split.loc['deprived', 'roads']):,} roads "
              "in LSOAs of IMD decile 1 or 2 have at least one participant living on them."),
             ("Roads engaged elsewhere", pct("elsewhere"),
              f"{int(split.loc['elsewhere', 'roads_engaged']):,} of {int(split.loc['elsewhere', 'roads']):,} roads "
              "in the other LSOAs.")]
if eng is not None and has_people:
    kpis.append(("Participants not matched to a road", suppress(eng.unmatched),
                 f"Participants living more than {SNAP_M:g} m from any named road are not placed on a road; "
                 "they are reported here, not dropped. Counts below 5 show as <5."))
kpi_strip(kpis)
if eng is not None and eng.unmatched:
    st.caption(f"{suppress(eng.unmatched)} participants live more than {SNAP_M:g} m from any named road: "
               "they are unmatched, so no road counts them (they still count in the funnel below).")
if not has_people:
    st.caption("No participants in this workspace: the engagement part drops out of the score.")

# ---- ranked table and map -----------------------------------------------------------------------
st.subheader("LSOAs ranked by gap score")
top_n = st.slider("Highlight the top", 1, max(1, min(30, len(table))), min(10, len(table)), key="gap_top",
                  help="The top areas are highlighted on the map and their unengaged roads listed below.")
ward_names = dict(zip(ws.layer("wards")["ward_code"].astype(str), ws.layer("wards")["ward_name"].astype(str)))
names = (lsoas.set_index(lsoas["lsoa_code"].astype(str))["lsoa_name"].astype("string").to_dict()
         if "lsoa_name" in lsoas.columns else {})


def roads_text(n_eng: object, n_roads: object) -> str:
    if pd.isna(n_roads):
        return "no data"
    return f"{int(n_eng)} of {int(n_roads)}" if int(n_roads) else "no roads"


shown = pd.DataFrame({
    "Rank": table["rank"],
    "LSOA": [names.get(c) or c for c in table["lsoa_code"]],
    "Code": table["lsoa_code"],
    "Ward": [ward_names.get(str(w), "") if pd.notna(w) else "" for w in table.get("ward_code", [None] * len(table))],
    "Gap score": table["score"].round(3),
    "Why": table["reason"],
    "Decile": table["decile"],
    "Minutes to a venue": table["best_min"].replace(np.inf, np.nan).round(0),
    "Estimate": np.where(table["estimate"], "estimate", ""),
    "Roads engaged": [roads_text(e, r) for e, r in zip(table["roads_engaged"], table["roads"])],
    "Working-age residents": table["working_age"],
    "Need": table["need"].round(3),
    "Lack": table["lack"].round(3),
})
st.dataframe(shown.head(max(top_n, 20)) if in_meeting else shown, hide_index=True, width="stretch",
             key="gap_table", column_config={
                 "Gap score": st.column_config.ProgressColumn("Gap score", min_value=0.0, max_value=1.0,
                                                              format="%.2f"),
                 "Decile": st.column_config.NumberColumn(format="%d"),
                 "Minutes to a venue": st.column_config.NumberColumn(
                     help="Best of walk and bus from the LSOA's population-weighted point"
                          + (" (straight-line estimate where marked)" if estimate else "")),
             })
csv = table.assign(estimate=np.where(table["estimate"], "estimate", "")).to_csv(index=False).encode("utf-8")
st.download_button("Download the gap table (CSV)", csv, file_name=f"gaps_{ws.name.replace(' ', '_')}.csv",
                   mime="text/csv", key="gap_csv", icon=":material/download:")

top_codes = set(table["lsoa_code"].head(top_n).astype(str))
lsoas_web = wsp.web_layer(ws.id, ws, "lsoas")
info = table.set_index("lsoa_code")
codes = lsoas_web["lsoa_code"].astype(str)
gap_web = lsoas_web.assign(rank=codes.map(info["rank"]).fillna(0).astype(int), score=codes.map(info["score"]),
                           reason=codes.map(info["reason"]).fillna(""), top=codes.isin(top_codes))
if "lsoa_name" not in gap_web.columns:
    gap_web["lsoa_name"] = gap_web["lsoa_code"]
gap_web["lsoa_name"] = gap_web["lsoa_name"].fillna(gap_web["lsoa_code"])

unengaged = None
roads_web = None
if road_table is not None:
    unengaged = gaps.unengaged_roads(road_table, lsoas, index=index)
    unengaged = unengaged[unengaged["lsoa_code"].astype(str).isin(top_codes)].reset_index(drop=True)
    shapes = wsp.road_shapes(ws.id, ws)
    roads_web = shapes[shapes["road_key"].isin(set(unengaged["road_key"]))]



def core_bounds(shapes) -> tuple[float, float, float, float]:
    """Where most roads are (5th to 95th percentile of road centres, padded): the map opens on the
    populated core rather than on the longest rural lane."""
    c = shapes.geometry.representative_point()
    x, y = c.x.to_numpy(), c.y.to_numpy()
    (x0, x1), (y0, y1) = np.percentile(x, [5, 95]), np.percentile(y, [5, 95])
    pad_x, pad_y = 0.15 * (x1 - x0) + 1e-3, 0.15 * (y1 - y0) + 1e-3
    return (x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y)


left, right = st.columns([4, 1])
with left:
    gm = mapview.gap_map(wards=wsp.web_layer(ws.id, ws, "wards"), lsoas=gap_web, roads=roads_web,
                         venues=wsp.web_layer(ws.id, ws, "venues") if ws.has("venues") else None,
                         options=mapview.MapOptions(meeting=in_meeting, attribution=ws.meta.get("attribution", ""),
                                                    **tile_settings()),
                         focus=core_bounds(wsp.road_shapes(ws.id, ws)) if has_roads else None)
    show_map(gm, key="gap_map", height=620 if in_meeting else 520)
with right:
    legend("Gap score", [(mapview.GAP_COLOUR, f"top {top_n} gaps"), ("#ffffff", "other LSOAs")])
    if roads_web is not None:
        legend("Roads", [(mapview.GAP_ROAD_COLOUR, "nobody engaged (top gaps)")], shape="line")
    legend("Venues", [("#0b0c0c", "venue (any kind)")], shape="circle")
    if estimate:
        st.caption("Reach times are straight-line **estimates** where marked.")

st.subheader(f"Roads with nobody engaged in the top {top_n} gaps")
if not has_roads:
    st.caption("No road network in this workspace: import roads to list unengaged streets.")
elif not has_people:
    st.caption("No participants in this workspace: every road is unengaged.")
elif unengaged is not None and len(unengaged):
    st.caption("Most deprived LSOA first (the chosen measure's decile), then the roads with most households.")
    st.dataframe(pd.DataFrame({
        "Road": unengaged["name"], "Ward": [ward_names.get(str(w), str(w)) for w in unengaged["ward_code"]],
        "LSOA": [names.get(str(c)) or c for c in unengaged["lsoa_code"]], "Decile": unengaged["decile"],
        "Households": unengaged["households"]}), hide_index=True, width="stretch", key="gap_roads",
        column_config={"Decile": st.column_config.NumberColumn(format="%d")})
else:
    st.caption("Every road in these areas has someone engaged.")

# ---- by area: outcome funnel and how people heard ------------------------------------------------
st.subheader("Outcomes and how people heard, by area")
if not has_people:
    st.caption("No participants in this workspace.")
else:
    a1, a2 = st.columns([1, 3])
    level = a1.radio("Areas", ["ward", "lsoa"], format_func={"ward": "Wards", "lsoa": "LSOAs"}.get,
                     horizontal=True, key="area_level")
    funnel, heard = wsp.area_outcomes(ws.id, ws, level, start, end, cohorts)
    code_col = "ward_code" if level == "ward" else "lsoa_code"
    label_of = ward_names if level == "ward" else {c: (names.get(c) or c) for c in lsoas["lsoa_code"].astype(str)}

    def area_label(code: str) -> str:
        if code == "Total":
            return "All areas"
        return "Outside every area" if code == gaps.OUTSIDE else f"{label_of.get(code, code)} ({code})"

    # Suppressed once over all areas with column totals, so every view of a row shows the same cells.
    funnel_counts = funnel.set_index(code_col)[list(STAGES)].rename(columns=STAGES)
    funnel_text = secondary_suppress(funnel_counts, row_totals=False, col_totals=True)
    heard_counts = heard.set_index(code_col)
    heard_text = secondary_suppress(heard_counts, row_totals=True, col_totals=True)
    codes_here = [c for c in funnel_counts.index if funnel_counts.loc[c].sum() > 0] or list(funnel_counts.index)
    area = a2.selectbox("Area", ["Total", *codes_here], key="area_pick",
                        format_func=area_label)
    f_row = funnel_text.loc[area]
    h_row = heard_text.loc[area]
    b1, b2 = st.columns(2)
    with b1:
        st.markdown("**Outcome funnel**")
        st.dataframe(pd.DataFrame({"Stage": list(STAGES.values()), "People": [f_row[s] for s in STAGES.values()]}),
                     hide_index=True, width="stretch", key="area_funnel")
    with b2:
        st.markdown("**How people heard about the programme**")
        st.dataframe(pd.DataFrame({"Source": list(h_row.index), "People": list(h_row.to_numpy())}),
                     hide_index=True, width="stretch", key="area_heard")
    st.caption("Counts from 1 to 4 show as <5; where a total would let a hidden count be worked out, "
               "another small cell shows as * too. Participants are placed in areas by where they live.")
    with st.expander("Every area"):
        st.dataframe(funnel_text.rename(index=area_label), width="stretch", key="all_funnel")
        st.dataframe(heard_text.rename(index=area_label), width="stretch", key="all_heard")
