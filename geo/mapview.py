"""Build the folium map from analysis results. Never receives participant points.

Everything drawn is an aggregate or a public place: LSOA and ward polygons, roads with a banded
participant count (via geo.privacy), venues, bus routes and stops, partner sites. Geometries are
simplified (shared edges kept with `shapely.coverage_simplify`), projected to WGS84 and rounded to 5
decimals. Styles come from a few bands: one GeoJson layer per band with a constant style. Leaflet is
loaded from the app's own server (`asset_base`), never from a CDN.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Iterable, Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.model import PARTNER_KINDS, VENUE_KINDS
from geo.privacy import BANDS, band, suppress

WGS84 = "EPSG:4326"
LAYERS: tuple[str, ...] = ("deprivation", "engagement", "venues", "bus", "partners")
LAYER_LABELS: dict[str, str] = {
    "deprivation": "Deprivation (LSOAs, wards)",
    "engagement": "Engagement by road",
    "venues": "Community venues",
    "bus": "Bus routes and stops",
    "partners": "Partner sites",
}

#: Decile 1 (most deprived) darkest. ColorBrewer Purples, extended to ten classes.
DECILE_COLOURS: tuple[str, ...] = (
    "#3f007d", "#54278f", "#6a51a3", "#807dba", "#9e9ac8",
    "#bcbddc", "#dadaeb", "#e7e6f1", "#f2f0f7", "#fcfbfd",
)
NO_DATA_COLOUR = "#bdbdbd"
#: Engagement bands: 'none' stands out (Okabe-Ito vermillion); engaged roads in greens.
BAND_COLOURS: dict[str, str] = {"none": "#d55e00", "<5": "#a1d99b", "5–9": "#41ab5d", "10+": "#00441b"}
BAND_WEIGHTS: dict[str, float] = {"none": 2.6, "<5": 2.4, "5–9": 3.0, "10+": 3.6}
UNNAMED_COLOUR = "#9e9e9e"
#: Okabe-Ito based qualitative palette for the nine venue kinds.
VENUE_COLOURS: dict[str, str] = dict(zip(VENUE_KINDS, (
    "#0072b2", "#e69f00", "#cc79a7", "#8c564b", "#d55e00", "#009e73", "#56b4e9", "#f0e442", "#000000",
)))
PARTNER_COLOURS: dict[str, str] = dict(zip(PARTNER_KINDS, (
    "#1d3557", "#2a9d8f", "#e76f51", "#6d597a", "#c1121f", "#588157", "#f4a261", "#3a86ff", "#6c757d",
)))
ROUTE_COLOURS: tuple[str, ...] = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


def _round_coords(geoms: np.ndarray, decimals: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def to_web(frame: gpd.GeoDataFrame, *, simplify_m: float = 0.0, coverage: bool = False) -> gpd.GeoDataFrame:
    """Simplify in metres, project to WGS84 and round coordinates to 5 decimals (about 1 m)."""
    out = frame.copy()
    geoms = out.geometry.values
    if simplify_m > 0 and len(out):
        if coverage:
            geoms = shapely.coverage_simplify(np.asarray(geoms), simplify_m)
        else:
            geoms = shapely.simplify(np.asarray(geoms), simplify_m, preserve_topology=True)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=frame.crs))
    out = out.to_crs(WGS84)
    return out.set_geometry(gpd.GeoSeries(_round_coords(np.asarray(out.geometry.values)),
                                          index=out.index, crs=WGS84))


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


@dataclass(frozen=True)
class MapOptions:
    show: frozenset[str] = frozenset(LAYERS)
    index_label: str = "IMD"
    asset_base: str = "/app/static/vendor"
    tile_url: str | None = None
    tile_attribution: str = ""
    attribution: str = ""
    height_px: int = 640
    label_size_px: int = 12


def _geojson(frame: gpd.GeoDataFrame, props: Iterable[str]) -> str:
    cols = [c for c in props if c in frame.columns]
    return frame[[*cols, "geometry"]].to_json(drop_id=True, ensure_ascii=False)


class _Attribution(MacroElement):
    """Adds text to Leaflet's attribution control (works with no tile layer)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.setPrefix(false);"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _Popup(MacroElement):
    """`bindPopup` with an HTML string: folium.Popup builds its content with jQuery, which we do not load."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {maxWidth: {{ this.max_width }}});"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str, *, max_width: int = 320) -> None:
        super().__init__()
        self._name = "Popup"
        self.html = html_text
        self.max_width = int(max_width)


def _yes_no(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "not known"
    return "yes" if bool(value) else "no"


def venue_popup_html(row: pd.Series) -> str:
    """The outreach attributes a worker needs when choosing a venue."""
    def fmt_cost(v: object) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return "not known"
        return "free" if float(v) == 0 else f"£{float(v):,.2f} an hour"

    cap = row.get("capacity")
    rows = [
        ("Kind", VENUE_KINDS.get(str(row.get("kind")), str(row.get("kind")))),
        ("Address", row.get("address") or "not known"),
        ("Wi-fi", _yes_no(row.get("wifi"))),
        ("Toilets", _yes_no(row.get("toilets"))),
        ("Step-free access", _yes_no(row.get("step_free"))),
        ("Childcare", _yes_no(row.get("childcare"))),
        ("Quiet room", _yes_no(row.get("quiet_room"))),
        ("Capacity", "not known" if cap is None or cap is pd.NA else f"{int(cap)} people"),
        ("Cost", fmt_cost(row.get("cost_per_hour"))),
        ("Opening hours", row.get("opening_hours") or "not known"),
    ]
    if bool(row.get("closed") is True):
        rows.insert(1, ("Status", "CLOSED"))
    body = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(k)}</th>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(str(row.get('name')))}</b><table style='font-size:12px'>{body}</table>"


def build_map(
    *,
    wards: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    venues: gpd.GeoDataFrame | None,
    bus_stops: gpd.GeoDataFrame | None,
    bus_routes: gpd.GeoDataFrame | None,
    partners: gpd.GeoDataFrame | None,
    options: MapOptions = MapOptions(),
) -> folium.Map:
    """The outreach map.

    Inputs are already web-ready (WGS84, simplified, see `to_web`):
    - wards: ward_name; lsoas: lsoa_name, decile (float, NaN unknown);
    - roads: from `road_shapes` plus `count_text` and `band` columns (see `engagement_layer`);
    - venues, bus_stops, bus_routes, partners: their layer columns.
    """
    minx, miny, maxx, maxy = wards.total_bounds
    if roads is not None and len(roads):  # open on where people live, not the empty rural fringe
        minx, miny, maxx, maxy = roads.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None,
                   max_zoom=19, min_zoom=8, control_scale=True, prefer_canvas=False)
    m.default_js = [("leaflet", f"{options.asset_base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{options.asset_base}/leaflet/leaflet.css")]
    if options.tile_url:
        folium.TileLayer(tiles=options.tile_url, attr=options.tile_attribution or "Base map",
                         max_zoom=19, name="Base map").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    show = options.show

    if "deprivation" in show:
        group = folium.FeatureGroup(name="Deprivation", show=True).add_to(m)
        dec = lsoas["decile"].to_numpy(dtype="float64")
        for d in range(1, 11):
            part = lsoas[dec == d]
            if len(part):
                _polys(part, DECILE_COLOURS[d - 1], f"decile {d}", group, options)
        unknown = lsoas[np.isnan(dec)]
        if len(unknown):
            _polys(unknown, NO_DATA_COLOUR, "no data", group, options)

    if roads is not None and "engagement" in show:
        group = folium.FeatureGroup(name="Engagement by road", show=True).add_to(m)
        unnamed = roads[roads["name"] == ""]
        if len(unnamed):
            folium.GeoJson(_geojson(unnamed, []), name="Unnamed paths (not counted)",
                           style_function=lambda _f: {"color": UNNAMED_COLOUR, "weight": 1, "opacity": 0.6},
                           interactive=False).add_to(group)
        named = roads[roads["name"] != ""]
        for b in BANDS:
            part = named[named["band"] == b]
            if not len(part):
                continue
            style = {"color": BAND_COLOURS[b], "weight": BAND_WEIGHTS[b], "opacity": 0.95}
            folium.GeoJson(
                _geojson(part, ["name", "ward_name", "count_text"]),
                name=f"roads: {b}",
                style_function=lambda _f, s=style: s,
                tooltip=folium.GeoJsonTooltip(fields=["name", "ward_name", "count_text"],
                                              aliases=["Road", "Ward", "Participants"]),
            ).add_to(group)

    # Ward outlines and labels are drawn above LSOAs and roads so names stay readable.
    folium.GeoJson(
        _geojson(wards, ["ward_name"]), name="Wards",
        style_function=lambda _f: {"color": "#0b0c0c", "weight": 2.2, "fill": False, "opacity": 0.9},
        interactive=False,
    ).add_to(m)
    labels = folium.FeatureGroup(name="Ward names").add_to(m)
    reps = shapely.point_on_surface(wards.geometry.values)
    for name, pt in zip(wards["ward_name"], reps):
        folium.Marker(
            [pt.y, pt.x],
            icon=folium.DivIcon(
                html=(f"<div class='pw-ward-label' style='font:600 {options.label_size_px}px/1.1 sans-serif;"
                      "color:#0b0c0c;white-space:nowrap;transform:translate(-50%,-50%);"
                      "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff'>"
                      f"{html.escape(str(name))}</div>"),
                icon_size=(1, 1), icon_anchor=(0, 0), class_name="pw-ward-label-icon"),
            interactive=False,
        ).add_to(labels)

    if bus_routes is not None and "bus" in show and len(bus_routes):
        group = folium.FeatureGroup(name="Bus routes and stops").add_to(m)
        for i, (_, route) in enumerate(bus_routes.iterrows()):
            colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
            tph = route.get("trips_per_hour")
            freq = "frequency not known" if tph is None or pd.isna(tph) else f"{float(tph):g} buses an hour"
            folium.GeoJson(
                json.dumps({"type": "Feature", "properties": {},
                            "geometry": shapely.geometry.mapping(route.geometry)}),
                style_function=lambda _f, c=colour: {"color": c, "weight": 5, "opacity": 0.8},
                tooltip=f"Bus {route['route_id']}: {route['name']} ({freq})",
            ).add_to(group)
        if bus_stops is not None and len(bus_stops):
            for _, stop in bus_stops.iterrows():
                folium.CircleMarker(
                    [stop.geometry.y, stop.geometry.x], radius=3.5, color="#0b0c0c", weight=1.5,
                    fill=True, fill_color="#ffffff", fill_opacity=1.0,
                    tooltip=f"Bus stop: {stop['name']} (routes {stop.get('route_ids') or 'not known'})",
                ).add_to(group)

    if venues is not None and "venues" in show and len(venues):
        group = folium.FeatureGroup(name="Community venues").add_to(m)
        for _, v in venues.iterrows():
            closed = v.get("closed") is True
            marker = folium.CircleMarker(
                [v.geometry.y, v.geometry.x], radius=8, color="#ffffff" if not closed else "#0b0c0c",
                weight=2, fill=True, fill_color=VENUE_COLOURS.get(str(v["kind"]), "#505a5f"),
                fill_opacity=0.35 if closed else 0.95, dash_array="3" if closed else None,
                tooltip=f"{v['name']} ({VENUE_KINDS.get(str(v['kind']), v['kind'])})",
            ).add_to(group)
            marker.add_child(_Popup(venue_popup_html(v)))

    if partners is not None and "partners" in show and len(partners):
        group = folium.FeatureGroup(name="Partner sites").add_to(m)
        for _, p in partners.iterrows():
            colour = PARTNER_COLOURS.get(str(p["kind"]), "#505a5f")
            kind = PARTNER_KINDS.get(str(p["kind"]), str(p["kind"]))
            folium.Marker(
                [p.geometry.y, p.geometry.x],
                icon=folium.DivIcon(
                    html=(f"<div class='pw-partner' style='width:13px;height:13px;background:{colour};"
                          "border:2px solid #fff;box-shadow:0 0 0 1px #0b0c0c;transform:rotate(45deg)'></div>"),
                    icon_size=(17, 17), icon_anchor=(8, 8), class_name="pw-partner-icon"),
                tooltip=f"{p['name']} ({kind})",
            ).add_to(group)

    if options.attribution:
        m.add_child(_Attribution(options.attribution))
    return m


def _polys(part: gpd.GeoDataFrame, colour: str, label: str, parent: folium.FeatureGroup,
           options: MapOptions) -> None:
    folium.GeoJson(
        _geojson(part, ["lsoa_name", "decile_text"]),
        name=label,
        style_function=lambda _f, c=colour: {"color": "#ffffff", "weight": 0.6, "fillColor": c,
                                             "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=["lsoa_name", "decile_text"],
                                      aliases=["LSOA", options.index_label]),
    ).add_to(parent)


def engagement_layer(shapes: gpd.GeoDataFrame, per_road: pd.DataFrame) -> gpd.GeoDataFrame:
    """Attach banded, suppressed counts (never raw numbers under 5) to the road shapes."""
    counts = shapes["road_key"].map(per_road.set_index("road_key")["participants"]).fillna(0)
    out = shapes.copy()
    out["band"] = band(counts.astype("int64"))
    out["count_text"] = [suppress(int(n)) for n in counts]
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


def external_urls(m: folium.Map) -> list[str]:
    """Every script or stylesheet URL the map would load from another host (should be empty)."""
    urls: list[str] = []

    def walk(el: object) -> None:
        for _, url in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])]:
            if url.startswith(("http://", "https://", "//")):
                urls.append(url)
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return urls
