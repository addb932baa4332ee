"""The Map page's map: LSOAs, roads banded by participants (or by reach time), wards, buses, venues, partners.

Never receives participant points. Everything drawn is an aggregate or a public place: LSOA and ward
polygons, roads with a banded participant count (via geo.privacy), venues, bus routes and stops,
partner sites. Inputs are web-ready (geo.out.geojson.to_web). Styles come from a few bands: one
GeoJSON layer per band with a constant style.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.model import PARTNER_KINDS, VENUE_KINDS
from geo.out.basemap import DEFAULT_OPTIONS, MapOptions, base_map, ward_layers
from geo.out.colours import (
    BAND_WEIGHTS,
    INK,
    NO_DATA_COLOUR,
    OTHER_KIND_COLOUR,
    PARTNER_COLOURS,
    ROUTE_COLOURS,
    UNNAMED_COLOUR,
    VENUE_COLOURS,
    band_colours,
    decile_colours,
    reach_colours,
    size_scale,
)
from geo.out.geojson import FastGeoJson, to_web
from geo.out.labels import NOT_KNOWN, lsoa_context, tooltip_html, venue_popup_html
from geo.privacy import BANDS, band, suppress

Styles = dict[str, dict[str, object]]


def road_shapes(roads: gpd.GeoDataFrame, keys: pd.Series, ward_names: Mapping[str, str]) -> gpd.GeoDataFrame:
    """One feature per road (named street within a ward), plus one feature for all unnamed segments.

    Independent of any filter, so callers cache it per workspace.
    """
    frame = gpd.GeoDataFrame({"road_key": keys.to_numpy()}, geometry=roads.geometry.values, crs=roads.crs)
    frame["road_key"] = frame["road_key"].astype(object).where(frame["road_key"].notna(), "")
    merged = frame.dissolve(by="road_key", as_index=False, sort=True)
    merged["geometry"] = shapely.line_merge(merged.geometry.values)
    parts = merged["road_key"].str.split("|", n=1)
    merged["ward_code"] = parts.str[0]
    merged["name"] = parts.str[1].fillna("")
    merged["ward_name"] = merged["ward_code"].map(dict(ward_names)).fillna("")
    return to_web(merged, simplify_m=2.0)


def engagement_layer(shapes: gpd.GeoDataFrame, per_road: pd.DataFrame, *,
                     bands_only: bool = False) -> gpd.GeoDataFrame:
    """Attach banded, suppressed counts (never raw numbers under 5) to the road shapes.

    With `bands_only` (meeting mode) the tooltip shows the band ("5–9"), never a count.
    """
    counts = shapes["road_key"].map(per_road.set_index("road_key")["participants"]).fillna(0)
    out = shapes.copy()
    out["band"] = band(counts.astype("int64"))
    out["count_text"] = (list(out["band"].map({"none": "none", "<5": "fewer than 5", "5–9": "5 to 9",
                                                "10+": "10 or more"}))
                         if bands_only else [suppress(int(n)) for n in counts])
    return out


def decile_layer(lsoas_web: gpd.GeoDataFrame, deciles: np.ndarray) -> gpd.GeoDataFrame:
    out = lsoas_web.copy()
    out["decile"] = deciles
    out["decile_text"] = [("no data" if np.isnan(d) else f"decile {int(d)}"
                           + (" (most deprived 10%)" if d == 1 else "")) for d in deciles]
    if "lsoa_name" not in out.columns or out["lsoa_name"].isna().all():
        out["lsoa_name"] = out["lsoa_code"]
    out["lsoa_name"] = out["lsoa_name"].fillna(out["lsoa_code"])
    return out


def lsoa_names(lsoas: gpd.GeoDataFrame) -> pd.Series:
    """The LSOAs' names, or their codes when the layer has no names."""
    return lsoas["lsoa_name"] if "lsoa_name" in lsoas.columns else lsoas["lsoa_code"]


def _lsoa_layer(m: folium.Map, lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, options: MapOptions) -> None:
    context = lsoa_context(lsoas, wards)
    if options.colour_by == "reach":
        group = folium.FeatureGroup(name="Reach time (LSOAs)").add_to(m)
        frame = lsoas.assign(k=lsoas["band"].astype(str), tip=[
            tooltip_html(("LSOA", n), *c, ("Reach", t))
            for n, c, t in zip(lsoa_names(lsoas), context, lsoas["reach_text"], strict=True)])
        styles: Styles = {b: {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.65}
                          for b, c in reach_colours(meeting=options.meeting).items()}
        styles[""] = styles["no data"]
        FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by reach time").add_to(group)
        return
    group = folium.FeatureGroup(name="Deprivation").add_to(m)
    dec = lsoas["decile"].to_numpy(dtype="float64")
    keys = np.where(np.isnan(dec), "x", np.nan_to_num(dec).astype(int).astype(str))
    frame = lsoas.assign(k=keys, tip=[
        tooltip_html(("LSOA", n), *c, (options.index_label, t))
        for n, c, t in zip(lsoa_names(lsoas), context, lsoas["decile_text"], strict=True)])
    palette = decile_colours(meeting=options.meeting)
    styles = {str(d): {"color": "#ffffff", "weight": 0.6, "fillColor": palette[d - 1],
                       "fillOpacity": 0.6 if options.meeting else 0.7} for d in range(1, 11)}
    styles["x"] = styles[""] = {"color": "#ffffff", "weight": 0.6, "fillColor": NO_DATA_COLOUR, "fillOpacity": 0.5}
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs").add_to(group)


def _road_layer(m: folium.Map, roads: gpd.GeoDataFrame, options: MapOptions) -> None:
    big = size_scale(meeting=options.meeting)
    group = folium.FeatureGroup(name="Engagement by road").add_to(m)
    unnamed = roads[roads["name"] == ""]
    if len(unnamed):
        FastGeoJson(unnamed.assign(k=""), interactive=False, name="Unnamed paths (not counted)",
                    styles={"": {"color": UNNAMED_COLOUR, "weight": 1, "opacity": 0.6}}).add_to(group)
    named = roads[roads["name"] != ""]
    if not len(named):
        return
    styles: Styles = {}
    if options.colour_by == "reach":
        est = named["estimate"].astype(bool) if "estimate" in named.columns else pd.Series(False, index=named.index)
        frame = named.assign(k=[f"{b}|est" if e else str(b) for b, e in zip(named["band"], est)], tip=[
            tooltip_html(("", n), ("Ward", w), ("Reach", t))
            for n, w, t in zip(named["name"], named["ward_name"], named["reach_text"])])
        for b, c in reach_colours(meeting=options.meeting).items():
            styles[b] = {"color": c, "weight": 3.0 * big, "opacity": 0.95}
            styles[f"{b}|est"] = {"color": c, "weight": 3.0 * big, "opacity": 0.95, "dashArray": "6 4"}
        styles[""] = styles["no data"]
        FastGeoJson(frame, styles=styles, sticky=True, name="Roads by reach time").add_to(group)
        return
    frame = named.assign(k=named["band"].astype(str), tip=[
        tooltip_html(("", n), ("Ward", w), ("Participants", c))
        for n, w, c in zip(named["name"], named["ward_name"], named["count_text"])])
    palette = band_colours(meeting=options.meeting)
    styles = {b: {"color": palette[b], "weight": BAND_WEIGHTS[b] * big, "opacity": 0.95} for b in BANDS}
    styles[""] = styles["none"]
    FastGeoJson(frame, styles=styles, sticky=True, name="Roads").add_to(group)


def _bus_layer(m: folium.Map, bus_routes: gpd.GeoDataFrame, bus_stops: gpd.GeoDataFrame | None,
               options: MapOptions) -> None:
    big = size_scale(meeting=options.meeting)
    group = folium.FeatureGroup(name="Bus routes and stops").add_to(m)
    tph = bus_routes["trips_per_hour"] if "trips_per_hour" in bus_routes.columns \
        else pd.Series(np.nan, index=bus_routes.index)
    frame = bus_routes.assign(
        k=[str(i % len(ROUTE_COLOURS)) for i in range(len(bus_routes))],
        tip=[tooltip_html(("", f"Bus {r}: {n}"), ("Frequency", NOT_KNOWN if pd.isna(t) else f"{float(t):g} an hour"))
             for r, n, t in zip(bus_routes["route_id"], bus_routes["name"], tph)])
    styles: Styles = {str(i): {"color": c, "weight": 5 * big, "opacity": 0.8} for i, c in enumerate(ROUTE_COLOURS)}
    FastGeoJson(frame, styles=styles, sticky=True, name="Bus routes").add_to(group)
    if bus_stops is None or not len(bus_stops):
        return
    routes = bus_stops["route_ids"] if "route_ids" in bus_stops.columns else [None] * len(bus_stops)
    frame = bus_stops.assign(k="", tip=[tooltip_html(("Bus stop", n), ("Routes", r if isinstance(r, str) and r
                                                                        else NOT_KNOWN))
                                        for n, r in zip(bus_stops["name"], routes)])
    FastGeoJson(frame, name="Bus stops", styles={"": {
        "radius": 3.5 * big, "color": INK, "weight": 1.5, "fillColor": "#ffffff", "fillOpacity": 1.0}}
    ).add_to(group)


def _venue_layer(m: folium.Map, venues: gpd.GeoDataFrame, options: MapOptions) -> None:
    big = size_scale(meeting=options.meeting)
    group = folium.FeatureGroup(name="Community venues").add_to(m)
    closed = venues["closed"].fillna(False).astype(bool) if "closed" in venues.columns \
        else pd.Series(False, index=venues.index)
    frame = venues.assign(
        k=[f"{k}|{'closed' if c else 'open'}" for k, c in zip(venues["kind"].astype(str), closed)],
        tip=[tooltip_html(("", n), ("", VENUE_KINDS.get(str(k), k) + (" (closed)" if c else "")))
             for n, k, c in zip(venues["name"], venues["kind"], closed)],
        popup=[venue_popup_html(row) for _, row in venues.iterrows()])
    styles: Styles = {}
    for kind in set(venues["kind"].astype(str)):
        fill = VENUE_COLOURS.get(kind, OTHER_KIND_COLOUR)
        styles[f"{kind}|open"] = {"radius": 8 * big, "color": "#ffffff", "weight": 2, "fillColor": fill,
                                  "fillOpacity": 0.95}
        styles[f"{kind}|closed"] = {"radius": 8 * big, "color": INK, "weight": 2, "fillColor": fill,
                                    "fillOpacity": 0.35, "dashArray": "3"}
    styles[""] = {"radius": 8}
    FastGeoJson(frame, styles=styles, name="Venues").add_to(group)


def _partner_layer(m: folium.Map, partners: gpd.GeoDataFrame, options: MapOptions) -> None:
    big = size_scale(meeting=options.meeting)
    group = folium.FeatureGroup(name="Partner sites").add_to(m)
    kinds = partners["kind"].astype(str)
    frame = partners.assign(k=kinds, tip=[tooltip_html(("", n), ("", PARTNER_KINDS.get(k, k)))
                                          for n, k in zip(partners["name"], kinds)],
                            label=[f"{n}, {PARTNER_KINDS.get(k, k)}" for n, k in zip(partners["name"], kinds)])
    side = round(13 * big)
    styles: Styles = {
        k: {"html": f"<div class='pw-partner' style='width:{side}px;height:{side}px;background:{c};"
                    f"border:2px solid #fff;box-shadow:0 0 0 1px {INK};transform:rotate(45deg)'></div>"}
        for k, c in {k: PARTNER_COLOURS.get(k, OTHER_KIND_COLOUR) for k in set(kinds)}.items()}
    styles[""] = {"html": "<div class='pw-partner'></div>"}
    FastGeoJson(frame, styles=styles, point="div", div_class="pw-partner-icon",
                div_size=(side + 4, side + 4), div_anchor=((side + 4) // 2, (side + 4) // 2),
                name="Partner sites").add_to(group)


def build_map(
    *,
    wards: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    venues: gpd.GeoDataFrame | None,
    bus_stops: gpd.GeoDataFrame | None,
    bus_routes: gpd.GeoDataFrame | None,
    partners: gpd.GeoDataFrame | None,
    options: MapOptions = DEFAULT_OPTIONS,
) -> folium.Map:
    """The outreach map, opened on the roads (where people live), else on the wards.

    Inputs are already web-ready (WGS84, simplified, see `to_web`):
    - wards: ward_name; lsoas: lsoa_name, decile (float, NaN unknown), decile_text (or, colouring
      by reach, `band` and `reach_text` from geo.out.reach_layers.reach_lsoa_layer);
    - roads: from `road_shapes` plus `count_text` and `band` columns (see `engagement_layer`);
    - venues, bus_stops, bus_routes, partners: their layer columns.
    """
    m = base_map(roads, wards, options=options)
    show = options.show
    if "deprivation" in show:
        _lsoa_layer(m, lsoas, wards, options)
    if roads is not None and "engagement" in show and len(roads):
        _road_layer(m, roads, options)
    # Ward outlines and labels are drawn above LSOAs and roads so names stay readable.
    ward_layers(m, wards, options=options)
    if bus_routes is not None and "bus" in show and len(bus_routes):
        _bus_layer(m, bus_routes, bus_stops, options)
    if venues is not None and "venues" in show and len(venues):
        _venue_layer(m, venues, options)
    if partners is not None and "partners" in show and len(partners):
        _partner_layer(m, partners, options)
    return m
