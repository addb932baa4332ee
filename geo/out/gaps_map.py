"""The Gaps page's map: the top-scoring LSOAs filled, the unengaged roads in them, wards and venues."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from geo.model import VENUE_KINDS
from geo.out.basemap import DEFAULT_OPTIONS, MapOptions, View, base_map
from geo.out.colours import GAP_COLOUR, GAP_ROAD_COLOUR, INK, size_scale
from geo.out.geojson import FastGeoJson
from geo.out.labels import NOT_KNOWN, lsoa_context, tooltip_html
from geo.out.outreach_map import lsoa_names


def gap_map(*, wards: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None,
            venues: gpd.GeoDataFrame | None, options: MapOptions = DEFAULT_OPTIONS,
            focus: View = None) -> folium.Map:
    """The Gaps page map: LSOAs with `top` True filled (and labelled by `rank` in the tooltip with
    `reason`), the rest outlined; `roads` (web-ready road shapes: name, ward_name) are the unengaged
    roads in the top areas; venues as small circles. Opens on `focus` (a layer such as all the road
    shapes, or bounds: see geo.out.basemap.opening_view) or else on the LSOAs. Nothing about a
    person is drawn."""
    m = base_map(focus, lsoas, options=options)
    big = size_scale(meeting=options.meeting)
    frame = lsoas.assign(
        k=np.where(lsoas["top"].astype(bool), "top", "rest"),
        tip=[tooltip_html(("", f"#{int(r)} {n}" if t else str(n)), *c,
                          ("Gap score", f"{s:.2f}" if np.isfinite(s) else NOT_KNOWN), ("", why))
             for r, n, c, t, s, why in zip(lsoas["rank"], lsoa_names(lsoas), lsoa_context(lsoas, wards), lsoas["top"],
                                           lsoas["score"].astype(float), lsoas["reason"], strict=True)])
    styles: dict[str, dict[str, object]] = {
        "top": {"color": INK, "weight": 1.4, "fillColor": GAP_COLOUR, "fillOpacity": 0.55},
        "rest": {"color": "#6f777b", "weight": 0.6, "fillColor": "#ffffff", "fillOpacity": 0.15}}
    styles[""] = styles["rest"]
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by gap").add_to(m)
    if roads is not None and len(roads):
        rframe = roads.assign(k="", tip=[tooltip_html(("", n), ("Ward", w), ("", "nobody engaged"))
                                         for n, w in zip(roads["name"], roads["ward_name"])])
        FastGeoJson(rframe, sticky=True, name="Unengaged roads in the top gaps",
                    styles={"": {"color": GAP_ROAD_COLOUR, "weight": 3.2 * big, "opacity": 0.95}}).add_to(m)
    FastGeoJson(wards.assign(k=""), interactive=False, name="Wards",
                styles={"": {"color": INK, "weight": 2.0 * big, "fill": False, "opacity": 0.8}}).add_to(m)
    if venues is not None and len(venues):
        vframe = venues.assign(k="", tip=[tooltip_html(("", n), ("", VENUE_KINDS.get(str(k), str(k))))
                                          for n, k in zip(venues["name"], venues["kind"])])
        FastGeoJson(vframe, name="Venues", styles={"": {"radius": 3.5 * big, "color": "#ffffff", "weight": 1,
                                                        "fillColor": INK, "fillOpacity": 0.9}}).add_to(m)
    return m
