"""The offline base map every map in the app starts from, and the one rule for where a map opens.

Leaflet is loaded from the app's own server (`MapOptions.asset_base`), never from a CDN; base tiles
are drawn only when a tile URL is configured (the app works with no network without them); the
workspace's attribution is written into a compact Leaflet attribution control (one line at the bottom
right, opening to the full text on hover, focus or a click: `ATTRIBUTION_CSS`). Ward outlines and names
(`ward_layers`) are the one layer every plan map shares.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TypeAlias, cast

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from geo.out.colours import INK, size_scale
from geo.out.geojson import WGS84, FastGeoJson, round_coords

#: minx, miny, maxx, maxy in WGS84 (longitude, latitude).
Bounds: TypeAlias = tuple[float, float, float, float]
#: What a map can be opened on: a layer (any CRS), explicit bounds, or nothing (skipped).
View: TypeAlias = "gpd.GeoDataFrame | Bounds | None"

#: The margin around what a map opens on: this share of its width and height on each side ...
MARGIN = 0.05
#: ... and at least this many degrees (about 150 m), so that one point does not open at street level.
MIN_MARGIN_DEG = 0.002

LAYERS: tuple[str, ...] = ("deprivation", "engagement", "venues", "bus", "partners")
LAYER_LABELS: dict[str, str] = {
    "deprivation": "Deprivation (LSOAs, wards)",
    "engagement": "Engagement by road",
    "venues": "Community venues",
    "bus": "Bus routes and stops",
    "partners": "Partner sites",
}


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
    #: Meeting mode: big labels and markers, thick lines, high-contrast colour-blind-safe palettes.
    meeting: bool = False
    #: "engagement" (LSOAs by deprivation decile, roads by participants) or "reach" (both by reach
    #: time band: roads from `reach_road_layer`, LSOAs from `reach_lsoa_layer`).
    colour_by: str = "engagement"


DEFAULT_OPTIONS = MapOptions()


def _layer_bounds(frame: gpd.GeoDataFrame) -> Bounds | None:
    """The WGS84 bounds of a layer's features (None when none has a geometry)."""
    edges = shapely.bounds(np.asarray(frame.geometry.values))
    edges = edges[~np.isnan(edges).any(axis=1)]
    if not len(edges):
        return None
    minx, miny = (float(v) for v in edges[:, :2].min(axis=0))
    maxx, maxy = (float(v) for v in edges[:, 2:].max(axis=0))
    if frame.crs is not None and not frame.crs.equals(WGS84):
        box = gpd.GeoSeries([shapely.box(minx, miny, maxx, maxy)], crs=frame.crs).to_crs(WGS84)
        minx, miny, maxx, maxy = (float(v) for v in box.total_bounds)
    return minx, miny, maxx, maxy


def opening_view(*layers: View) -> Bounds:
    """Where a map opens (minx, miny, maxx, maxy in WGS84): the one rule every map follows.

    The map opens on every feature of the first of `layers` that is given and has one, with a margin
    (MARGIN of the span, at least MIN_MARGIN_DEG) on each side; so a caller lists what the map is
    about first and the whole area last (for example the roads, where people live, then the wards).
    Bounds given as four numbers (a view the page chose) are used as they are. Layers may be in any
    CRS. Raises ValueError when no layer has a feature.
    """
    for layer in layers:
        if layer is None:
            continue
        if not isinstance(layer, gpd.GeoDataFrame):
            minx, miny, maxx, maxy = (float(v) for v in layer)
            return minx, miny, maxx, maxy
        found = _layer_bounds(layer) if len(layer) else None
        if found is not None:
            minx, miny, maxx, maxy = found
            pad_x = max(MARGIN * (maxx - minx), MIN_MARGIN_DEG)
            pad_y = max(MARGIN * (maxy - miny), MIN_MARGIN_DEG)
            return (round(minx - pad_x, 6), round(miny - pad_y, 6), round(maxx + pad_x, 6),
                    round(maxy + pad_y, 6))
    raise ValueError("no layer with a feature to open the map on")


#: The attribution control: one short line at the bottom right (at most half the map's width, clear of
#: the scale bar) that opens to the full text on hover, keyboard focus or a click. Sizes are in px of the
#: map's own frame (vw: the map fills it).
ATTRIBUTION_CSS = (
    "<style>"
    ".leaflet-container .leaflet-control-attribution.pw-attribution{max-width:min(50vw,calc(100vw - 130px));"
    "white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font:11px/15px Arial,Helvetica,sans-serif;"
    "padding:0 5px;margin:0;cursor:pointer;background:rgba(255,255,255,.85);color:#0b0c0c}"
    ".leaflet-container .leaflet-control-attribution.pw-attribution.pw-big{font-size:20px;line-height:26px}"
    ".leaflet-container .leaflet-control-attribution.pw-attribution:hover,"
    ".leaflet-container .leaflet-control-attribution.pw-attribution:focus,"
    ".leaflet-container .leaflet-control-attribution.pw-attribution.pw-open"
    "{white-space:normal;max-width:calc(100vw - 20px)}"
    "</style>"
)


#: Meeting mode inside the map: the scale bar, tooltips, popups and attribution at 20 px.
MEETING_MAP_CSS = (
    "<style>.leaflet-container .leaflet-control-scale-line,.leaflet-container .leaflet-tooltip,"
    ".leaflet-container .leaflet-popup-content,.leaflet-container .leaflet-popup-content table"
    "{font-size:20px !important;line-height:1.3}</style>"
)


class _Attribution(MacroElement):
    """Leaflet's attribution control, compact (see ATTRIBUTION_CSS), with `text` added to it (works with no
    tile layer). `big`: meeting mode's 20 px type."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function (c) { if (!c) { return; } c.setPrefix(false);"
        "{% if this.text %} c.addAttribution({{ this.text|tojson }});{% endif %}"
        " var el = c.getContainer(); el.classList.add('pw-attribution'{% if this.big %}, 'pw-big'{% endif %});"
        " el.tabIndex = 0;"
        " el.addEventListener('click', function () { el.classList.toggle('pw-open'); });"
        "})({{ this._parent.get_name() }}.attributionControl);"
        "{% endmacro %}"
    )

    def __init__(self, text: str, *, big: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves MacroElement.__init__ unannotated
        self._name = "Attribution"
        self.text = text
        self.big = big


def attribution_texts(m: folium.Map) -> list[str]:
    """The attribution text the map's own control carries (the workspace's and the base tiles')."""
    texts: list[str] = []

    def walk(el: object) -> None:
        if isinstance(el, _Attribution) and el.text:
            texts.append(el.text)
        if isinstance(el, folium.TileLayer) and el.options.get("attribution"):
            texts.append(str(el.options["attribution"]))
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return texts


def base_map(*view: View, options: MapOptions, min_zoom: int = 8, controls: bool = True,
             attribution_control: bool = True) -> folium.Map:
    """An empty map opened on `opening_view(*view)` that loads Leaflet from the app's own server
    (`options.asset_base`), with base tiles only when `options.tile_url` is set and the attribution
    text of `options.attribution` in a compact attribution control (`ATTRIBUTION_CSS`); in meeting mode
    its scale bar, tooltips and popups at 20 px (`MEETING_MAP_CSS`). Every map in the app starts here."""
    minx, miny, maxx, maxy = opening_view(*view)
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None, max_zoom=19,
                   min_zoom=min_zoom, control_scale=controls, zoom_control=controls,
                   attribution_control=attribution_control)
    m.default_js = [("leaflet", f"{options.asset_base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{options.asset_base}/leaflet/leaflet.css")]
    if options.tile_url:
        folium.TileLayer(tiles=options.tile_url, attr=options.tile_attribution or "Base map",
                         max_zoom=19, name="Base map").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    header = cast(Figure, m.get_root()).header
    if attribution_control:
        m.add_child(_Attribution(options.attribution, big=options.meeting))
        header.add_child(Element(ATTRIBUTION_CSS), name="pw_attribution_css")
    if options.meeting:
        header.add_child(Element(MEETING_MAP_CSS), name="pw_meeting_css")
    return m


def ward_layers(m: folium.Map, wards: gpd.GeoDataFrame, *, options: MapOptions, weight: float = 2.2,
                opacity: float = 0.9, dash: str | None = None, label_opacity: float = 1.0) -> None:
    """Ward outlines and names (web-ready wards with `ward_name`), drawn above the areas below them."""
    big = size_scale(meeting=options.meeting)
    label_px = max(options.label_size_px, 20) if options.meeting else options.label_size_px
    style: dict[str, object] = {"color": INK, "weight": weight * big, "fill": False, "opacity": opacity}
    if dash:
        style["dashArray"] = dash
    FastGeoJson(wards.assign(k=""), interactive=False, name="Wards", styles={"": style}).add_to(m)
    fade = f"opacity:{label_opacity};" if label_opacity < 1 else ""
    reps = gpd.GeoDataFrame(
        {"k": "", "html": [
            f"<div class='pw-ward-label' style='font:600 {label_px}px/1.1 sans-serif;"
            f"color:{INK};white-space:nowrap;transform:translate(-50%,-50%);{fade}"
            f"text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff'>{html.escape(str(n))}</div>"
            for n in wards["ward_name"]]},
        geometry=round_coords(shapely.point_on_surface(wards.geometry.values)), crs=wards.crs)
    FastGeoJson(reps, styles={"": {}}, point="div", interactive=False, div_class="pw-ward-label-icon",
                name="Ward names").add_to(m)


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
