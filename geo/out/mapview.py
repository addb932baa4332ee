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
from branca.element import Element, MacroElement
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
#: Meeting mode: high-contrast, colour-blind-safe (viridis deciles; Okabe-Ito vermillion vs blues).
MEETING_DECILE_COLOURS: tuple[str, ...] = (
    "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
    "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725",
)
MEETING_BAND_COLOURS: dict[str, str] = {"none": "#d55e00", "<5": "#56b4e9", "5–9": "#0072b2", "10+": "#00204d"}


#: Reach time bands (geo.analyse.reach.BANDS), short (blue) to long (red): ColorBrewer RdBu, colour-blind safe.
REACH_COLOURS: dict[str, str] = {"<10": "#2166ac", "10–20": "#92c5de", "20–30": "#f4a582", "30+": "#b2182b",
                                 "no data": NO_DATA_COLOUR}
MEETING_REACH_COLOURS: dict[str, str] = {"<10": "#0072b2", "10–20": "#56b4e9", "20–30": "#e69f00",
                                         "30+": "#d55e00", "no data": NO_DATA_COLOUR}
#: Catchment rings of a clicked venue (within 10, 20, 30 minutes): dark outlines, solid to dotted,
#: so they read over any colouring (reach bands, deciles).
CATCHMENT_COLOURS: tuple[str, ...] = ("#000000", "#4d4d4d", "#7f7f7f")
CATCHMENT_DASHES: tuple[str | None, ...] = (None, "9 5", "2 6")
#: Gaps map: the top gaps stand out; the rest are quiet.
GAP_COLOUR = "#d55e00"
GAP_ROAD_COLOUR = "#7a0177"
REACH_MODE_LABELS: dict[str, str] = {"best": "best of walk and bus", "walk": "walking", "bus": "bus"}


def reach_colours(*, meeting: bool = False) -> dict[str, str]:
    return MEETING_REACH_COLOURS if meeting else REACH_COLOURS


def decile_colours(*, meeting: bool = False) -> tuple[str, ...]:
    return MEETING_DECILE_COLOURS if meeting else DECILE_COLOURS


def band_colours(*, meeting: bool = False) -> dict[str, str]:
    return MEETING_BAND_COLOURS if meeting else BAND_COLOURS


ROUTE_COLOURS: tuple[str, ...] = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


def round_coords(geoms: np.ndarray, decimals: int = 5) -> np.ndarray:
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
    return out.set_geometry(gpd.GeoSeries(round_coords(np.asarray(out.geometry.values)),
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
    #: Meeting mode: big labels and markers, thick lines, high-contrast colour-blind-safe palettes.
    meeting: bool = False
    #: "engagement" (LSOAs by deprivation decile, roads by participants) or "reach" (both by reach
    #: time band: roads from `reach_road_layer`, LSOAs from `reach_lsoa_layer`).
    colour_by: str = "engagement"


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


def _missing(value: object) -> bool:
    """None, pd.NA, NaN or NaT (a scalar that pandas reads as missing)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-likes are not missing scalars
        return False


def _text(value: object) -> str:
    """A text attribute for display; missing (None, NA, NaN, blank) reads "not known"."""
    if _missing(value):
        return "not known"
    return str(value).strip() or "not known"


def _yes_no(value: object) -> str:
    if _missing(value):
        return "not known"
    return "yes" if bool(value) else "no"


def venue_popup_html(row: pd.Series) -> str:
    """The outreach attributes a worker needs when choosing a venue."""
    def fmt_cost(v: object) -> str:
        if _missing(v):
            return "not known"
        return "free" if float(v) == 0 else f"£{float(v):,.2f} an hour"

    cap = row.get("capacity")
    rows = [
        ("Kind", VENUE_KINDS.get(str(row.get("kind")), str(row.get("kind")))),
        ("Address", _text(row.get("address"))),
        ("Wi-fi", _yes_no(row.get("wifi"))),
        ("Toilets", _yes_no(row.get("toilets"))),
        ("Step-free access", _yes_no(row.get("step_free"))),
        ("Childcare", _yes_no(row.get("childcare"))),
        ("Quiet room", _yes_no(row.get("quiet_room"))),
        ("Capacity", "not known" if _missing(cap) else f"{int(cap)} people"),
        ("Cost", fmt_cost(row.get("cost_per_hour"))),
        ("Opening hours", _text(row.get("opening_hours"))),
    ]
    if bool(row.get("closed") is True):
        rows.insert(1, ("Status", "CLOSED"))
    body = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(k)}</th>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(str(row.get('name')))}</b><table style='font-size:12px'>{body}</table>"


def tooltip_html(*pairs: tuple[str, object]) -> str:
    """Tooltip HTML from (label, value) pairs, escaped."""
    return "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(str(v))}" if k else html.escape(str(v))
                       for k, v in pairs)


class _RawScript(Element):
    """Already-rendered JavaScript: added to the figure without being compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class FastGeoJson(MacroElement):
    """A GeoJSON layer with styles chosen by a per-feature key, tooltips and popups from properties.

    folium.GeoJson compiles every rendered script as a Jinja template (slow for large data) and
    computes styles per feature in Python; this element writes its data once and styles in the
    browser from a small key → style table. Properties it reads: `k` (style key), `tip` (tooltip
    HTML), `popup` (popup HTML), `html` (DivIcon HTML for `point="div"`).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.geoJson({{ this.data }}, {"
        "interactive: {{ this.interactive|tojson }},"
        "style: function(f) { return {{ this.styles }}[f.properties.k] || {{ this.styles }}['']; },"
        "pointToLayer: function(f, ll) {"
        "  var s = {{ this.styles }}[f.properties.k] || {{ this.styles }}[''];"
        "  {% if this.point == 'div' %}"
        "  var mk = L.marker(ll, {interactive: {{ this.interactive|tojson }}, icon: L.divIcon({"
        "    className: {{ this.div_class|tojson }}, html: f.properties.html || s.html,"
        "    iconSize: {{ this.div_size|tojson }}, iconAnchor: {{ this.div_anchor|tojson }}})});"
        # an interactive marker is a keyboard button: give it an accessible name (axe aria-command-name)
        "  if (f.properties.label) { mk.on('add', function() { var el = mk.getElement();"
        "    if (el) { el.setAttribute('aria-label', f.properties.label); } }); }"
        "  return mk;"
        "  {% else %}"
        "  return L.circleMarker(ll, s);"
        "  {% endif %}"
        "},"
        "onEachFeature: function(f, layer) {"
        "  if (f.properties.tip) { layer.bindTooltip(f.properties.tip, {sticky: {{ this.sticky|tojson }}}); }"
        "  if (f.properties.popup) { layer.bindPopup(f.properties.popup, {maxWidth: 320}); }"
        "}"
        "}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, frame: gpd.GeoDataFrame, *, styles: Mapping[str, Mapping[str, object]],
                 props: Iterable[str] = (), interactive: bool = True, point: str = "circle",
                 div_class: str = "", div_size: tuple[int, int] = (1, 1),
                 div_anchor: tuple[int, int] = (0, 0), sticky: bool = False, name: str = "") -> None:
        super().__init__()
        self._name = "FastGeoJson"
        self.layer_name = name
        self.data = _geojson(frame, [c for c in ("k", "tip", "popup", "html", "label", *props)])
        self.styles = json.dumps({k: dict(v) for k, v in styles.items()})
        self.interactive = interactive
        self.point = point
        self.div_class, self.div_size, self.div_anchor = div_class, list(div_size), list(div_anchor)
        self.sticky = sticky

    def render(self, **kwargs: object) -> None:
        figure = self.get_root()
        figure.script.add_child(_RawScript(self._template.module.script(self, kwargs)), name=self.get_name())


def base_map(bounds: tuple[float, float, float, float], *, options: "MapOptions", min_zoom: int = 8,
             controls: bool = True, attribution_control: bool = True) -> folium.Map:
    """An empty map fitted to `bounds` (minx, miny, maxx, maxy in WGS84) that loads Leaflet from the
    app's own server (`options.asset_base`), with base tiles only when `options.tile_url` is set and
    the attribution text of `options.attribution`. Every map in the app starts here."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None, max_zoom=19,
                   min_zoom=min_zoom, control_scale=controls, zoom_control=controls,
                   attribution_control=attribution_control)
    m.default_js = [("leaflet", f"{options.asset_base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{options.asset_base}/leaflet/leaflet.css")]
    if options.tile_url:
        folium.TileLayer(tiles=options.tile_url, attr=options.tile_attribution or "Base map",
                         max_zoom=19, name="Base map").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if options.attribution:
        m.add_child(_Attribution(options.attribution))
    return m


def ward_layers(m: folium.Map, wards: gpd.GeoDataFrame, *, options: "MapOptions", weight: float = 2.2,
                opacity: float = 0.9, dash: str | None = None, label_opacity: float = 1.0) -> None:
    """Ward outlines and names (web-ready wards with `ward_name`), drawn above the areas below them."""
    big = 1.7 if options.meeting else 1.0
    label_px = max(options.label_size_px, 20) if options.meeting else options.label_size_px
    style: dict[str, object] = {"color": "#0b0c0c", "weight": weight * big, "fill": False, "opacity": opacity}
    if dash:
        style["dashArray"] = dash
    FastGeoJson(wards.assign(k=""), interactive=False, name="Wards", styles={"": style}).add_to(m)
    fade = f"opacity:{label_opacity};" if label_opacity < 1 else ""
    reps = gpd.GeoDataFrame(
        {"k": "", "html": [
            f"<div class='pw-ward-label' style='font:600 {label_px}px/1.1 sans-serif;"
            f"color:#0b0c0c;white-space:nowrap;transform:translate(-50%,-50%);{fade}"
            f"text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff'>{html.escape(str(n))}</div>"
            for n in wards["ward_name"]]},
        geometry=round_coords(shapely.point_on_surface(wards.geometry.values)), crs=wards.crs)
    FastGeoJson(reps, styles={"": {}}, point="div", interactive=False, div_class="pw-ward-label-icon",
                name="Ward names").add_to(m)


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
    - wards: ward_name; lsoas: lsoa_name, decile (float, NaN unknown), decile_text;
    - roads: from `road_shapes` plus `count_text` and `band` columns (see `engagement_layer`);
    - venues, bus_stops, bus_routes, partners: their layer columns.
    """
    minx, miny, maxx, maxy = wards.total_bounds
    if roads is not None and len(roads):  # open on where people live, not the empty rural fringe
        minx, miny, maxx, maxy = roads.total_bounds
    m = base_map((minx, miny, maxx, maxy), options=options)
    show = options.show
    big = 1.7 if options.meeting else 1.0
    deciles_pal = decile_colours(meeting=options.meeting)
    bands_pal = band_colours(meeting=options.meeting)

    reach_pal = reach_colours(meeting=options.meeting)
    by_reach = options.colour_by == "reach"
    if "deprivation" in show and by_reach:
        group = folium.FeatureGroup(name="Reach time (LSOAs)").add_to(m)
        name = lsoas["lsoa_name"] if "lsoa_name" in lsoas.columns else lsoas["lsoa_code"]
        frame = lsoas.assign(k=lsoas["band"].astype(str),
                             tip=[tooltip_html(("LSOA", n), ("Reach", t)) for n, t in zip(name, lsoas["reach_text"])])
        styles = {b: {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.65}
                  for b, c in reach_pal.items()}
        styles[""] = styles["no data"]
        FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by reach time").add_to(group)
    elif "deprivation" in show:
        group = folium.FeatureGroup(name="Deprivation").add_to(m)
        dec = lsoas["decile"].to_numpy(dtype="float64")
        keys = np.where(np.isnan(dec), "x", np.nan_to_num(dec).astype(int).astype(str))
        name = lsoas["lsoa_name"] if "lsoa_name" in lsoas.columns else lsoas["lsoa_code"]
        frame = lsoas.assign(k=keys, tip=[tooltip_html(("LSOA", n), (options.index_label, t))
                                          for n, t in zip(name, lsoas["decile_text"])])
        styles = {str(d): {"color": "#ffffff", "weight": 0.6, "fillColor": deciles_pal[d - 1],
                           "fillOpacity": 0.6 if options.meeting else 0.7} for d in range(1, 11)}
        styles["x"] = styles[""] = {"color": "#ffffff", "weight": 0.6, "fillColor": NO_DATA_COLOUR,
                                    "fillOpacity": 0.5}
        FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs").add_to(group)

    if roads is not None and "engagement" in show and len(roads):
        group = folium.FeatureGroup(name="Engagement by road").add_to(m)
        unnamed = roads[roads["name"] == ""]
        if len(unnamed):
            FastGeoJson(unnamed.assign(k=""), interactive=False, name="Unnamed paths (not counted)",
                        styles={"": {"color": UNNAMED_COLOUR, "weight": 1, "opacity": 0.6}}).add_to(group)
        named = roads[roads["name"] != ""]
        if len(named) and by_reach:
            est = named["estimate"].astype(bool) if "estimate" in named.columns else pd.Series(False, index=named.index)
            frame = named.assign(k=[f"{b}|est" if e else str(b) for b, e in zip(named["band"], est)], tip=[
                tooltip_html(("", n), ("Ward", w), ("Reach", t))
                for n, w, t in zip(named["name"], named["ward_name"], named["reach_text"])])
            styles = {}
            for b, c in reach_pal.items():
                styles[b] = {"color": c, "weight": 3.0 * big, "opacity": 0.95}
                styles[f"{b}|est"] = {"color": c, "weight": 3.0 * big, "opacity": 0.95, "dashArray": "6 4"}
            styles[""] = styles["no data"]
            FastGeoJson(frame, styles=styles, sticky=True, name="Roads by reach time").add_to(group)
        elif len(named):
            frame = named.assign(k=named["band"].astype(str), tip=[
                tooltip_html(("", n), ("Ward", w), ("Participants", c))
                for n, w, c in zip(named["name"], named["ward_name"], named["count_text"])])
            styles = {b: {"color": bands_pal[b], "weight": BAND_WEIGHTS[b] * big, "opacity": 0.95} for b in BANDS}
            styles[""] = styles["none"]
            FastGeoJson(frame, styles=styles, sticky=True, name="Roads").add_to(group)

    # Ward outlines and labels are drawn above LSOAs and roads so names stay readable.
    ward_layers(m, wards, options=options)

    if bus_routes is not None and "bus" in show and len(bus_routes):
        group = folium.FeatureGroup(name="Bus routes and stops").add_to(m)
        tph = bus_routes["trips_per_hour"] if "trips_per_hour" in bus_routes.columns \
            else pd.Series(np.nan, index=bus_routes.index)
        frame = bus_routes.assign(
            k=[str(i % len(ROUTE_COLOURS)) for i in range(len(bus_routes))],
            tip=[tooltip_html(("", f"Bus {r}: {n}"), ("Frequency", "not known" if pd.isna(t) else f"{float(t):g} an hour"))
                 for r, n, t in zip(bus_routes["route_id"], bus_routes["name"], tph)])
        styles = {str(i): {"color": c, "weight": 5 * big, "opacity": 0.8} for i, c in enumerate(ROUTE_COLOURS)}
        FastGeoJson(frame, styles=styles, sticky=True, name="Bus routes").add_to(group)
        if bus_stops is not None and len(bus_stops):
            routes = bus_stops["route_ids"] if "route_ids" in bus_stops.columns else [None] * len(bus_stops)
            frame = bus_stops.assign(k="", tip=[tooltip_html(("Bus stop", n), ("Routes", r if isinstance(r, str) and r
                                                                        else "not known"))
                                               for n, r in zip(bus_stops["name"], routes)])
            FastGeoJson(frame, name="Bus stops", styles={"": {
                "radius": 3.5 * big, "color": "#0b0c0c", "weight": 1.5, "fillColor": "#ffffff", "fillOpacity": 1.0}}
            ).add_to(group)

    if venues is not None and "venues" in show and len(venues):
        group = folium.FeatureGroup(name="Community venues").add_to(m)
        closed = venues["closed"].fillna(False).astype(bool) if "closed" in venues.columns \
            else pd.Series(False, index=venues.index)
        frame = venues.assign(
            k=[f"{k}|{'closed' if c else 'open'}" for k, c in zip(venues["kind"].astype(str), closed)],
            tip=[tooltip_html(("", n), ("", VENUE_KINDS.get(str(k), k) + (" (closed)" if c else "")))
                 for n, k, c in zip(venues["name"], venues["kind"], closed)],
            popup=[venue_popup_html(row) for _, row in venues.iterrows()])
        styles: dict[str, dict[str, object]] = {}
        for kind in set(venues["kind"].astype(str)):
            fill = VENUE_COLOURS.get(kind, "#505a5f")
            styles[f"{kind}|open"] = {"radius": 8 * big, "color": "#ffffff", "weight": 2, "fillColor": fill,
                                      "fillOpacity": 0.95}
            styles[f"{kind}|closed"] = {"radius": 8 * big, "color": "#0b0c0c", "weight": 2, "fillColor": fill,
                                        "fillOpacity": 0.35, "dashArray": "3"}
        styles[""] = {"radius": 8}
        FastGeoJson(frame, styles=styles, name="Venues").add_to(group)

    if partners is not None and "partners" in show and len(partners):
        group = folium.FeatureGroup(name="Partner sites").add_to(m)
        kinds = partners["kind"].astype(str)
        frame = partners.assign(k=kinds, tip=[tooltip_html(("", n), ("", PARTNER_KINDS.get(k, k)))
                                              for n, k in zip(partners["name"], kinds)],
                                label=[f"{n}, {PARTNER_KINDS.get(k, k)}" for n, k in zip(partners["name"], kinds)])
        side = round(13 * big)
        styles = {k: {"html": f"<div class='pw-partner' style='width:{side}px;height:{side}px;background:{c};"
                              "border:2px solid #fff;box-shadow:0 0 0 1px #0b0c0c;transform:rotate(45deg)'></div>"}
                  for k, c in {k: PARTNER_COLOURS.get(k, "#505a5f") for k in set(kinds)}.items()}
        styles[""] = {"html": "<div class='pw-partner'></div>"}
        FastGeoJson(frame, styles=styles, point="div", div_class="pw-partner-icon",
                    div_size=(side + 4, side + 4), div_anchor=((side + 4) // 2, (side + 4) // 2),
                    name="Partner sites").add_to(group)

    return m


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


# --------------------------------------------------------------------------------------------------
# Reach time, catchments and gaps


def minutes_text(minutes: float, *, estimate: bool = False) -> str:
    """"12 min", "no venue reachable", "not known"; "(estimate)" appended for straight-line times."""
    if minutes is None or (isinstance(minutes, float) and np.isnan(minutes)):
        return "not known"
    if not np.isfinite(minutes):
        return "no venue reachable"
    return f"{minutes:.0f} min" + (" (estimate)" if estimate else "")


def _walk_bus_text(walk: float, bus: float, estimate: bool) -> str:
    """"walk 12 min (estimate); bus 8 min" for a tooltip."""
    walk_text = minutes_text(walk, estimate=estimate and bool(np.isfinite(walk)))
    return f"walk {walk_text}; bus " + (minutes_text(bus) if np.isfinite(bus) else "no useful bus")


def _reach_columns(frame: pd.DataFrame, mode: str) -> tuple[np.ndarray, np.ndarray]:
    col = {"best": "best_min", "walk": "walk_min", "bus": "bus_min"}[mode]
    minutes = frame[col].to_numpy(dtype="float64")
    from geo.analyse.reach import reach_bands  # geo.analyse.reach imports nothing from here; local to keep the layering plain

    return minutes, reach_bands(minutes)


def reach_road_layer(shapes: gpd.GeoDataFrame, per_road: pd.DataFrame, *, mode: str = "best") -> gpd.GeoDataFrame:
    """Road shapes (from `road_shapes`) with `band` (reach band of the chosen mode: best, walk or bus),
    `estimate` and `reach_text` for the tooltip. `per_road` is geo.analyse.reach.reach_by_road's table."""
    r = per_road.set_index("road_key")
    out = shapes.copy()
    merged = pd.DataFrame({c: out["road_key"].map(r[c]) for c in ("walk_min", "bus_min", "best_min")})
    merged = merged.astype("float64")
    est = out["road_key"].map(r["estimate"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    minutes, bands = _reach_columns(merged, mode)
    out["band"] = bands
    out["estimate"] = est
    label = REACH_MODE_LABELS[mode]
    out["reach_text"] = [f"{minutes_text(m, estimate=bool(e))} ({label}); " + _walk_bus_text(w, b, bool(e))
                         for m, e, w, b in zip(minutes, est, merged["walk_min"], merged["bus_min"])]
    return out


def reach_lsoa_layer(lsoas_web: gpd.GeoDataFrame, reach_lsoas: pd.DataFrame, *, mode: str = "best"
                     ) -> gpd.GeoDataFrame:
    """LSOA shapes with `band`, `estimate` and `reach_text` from `ReachResult.lsoas` (times from each
    LSOA's population-weighted point)."""
    r = reach_lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")
    out = lsoas_web.copy()
    codes = out["lsoa_code"].astype(str)
    merged = pd.DataFrame({c: codes.map(r[c]).astype("float64") for c in ("walk_min", "bus_min", "best_min")})
    est = codes.map(r["estimate"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    minutes, bands = _reach_columns(merged, mode)
    out["band"] = bands
    out["estimate"] = est
    label = REACH_MODE_LABELS[mode]
    out["reach_text"] = [f"{minutes_text(m, estimate=bool(e))} ({label}); " + _walk_bus_text(w, b, bool(e))
                         for m, e, w, b in zip(minutes, est, merged["walk_min"], merged["bus_min"])]
    if "lsoa_name" not in out.columns:
        out["lsoa_name"] = out["lsoa_code"]
    out["lsoa_name"] = out["lsoa_name"].fillna(out["lsoa_code"])
    return out


def catchment_group(catchment_web: gpd.GeoDataFrame, *, venue_name: str, meeting: bool = False) -> folium.FeatureGroup:
    """The 10/20/30-minute walking areas of one venue (`geo.analyse.catchment.catchment`, web-ready), widest
    first so the nearer rings sit on top. Non-interactive apart from tooltips."""
    group = folium.FeatureGroup(name="Catchment")
    frame = catchment_web.sort_values("minutes", ascending=False).reset_index(drop=True)
    est = frame["estimate"].astype(bool)
    frame = frame.assign(
        k=[str(i) for i in range(len(frame))],
        tip=[tooltip_html(("", venue_name), ("", f"within {m:g} min walk" + (" (straight-line estimate)" if e else "")))
             for m, e in zip(frame["minutes"], est)])
    n = len(frame)
    styles = {}
    for i in range(n):
        ring = min(n - 1 - i, len(CATCHMENT_COLOURS) - 1)  # 0 = the nearest band
        styles[str(i)] = {"color": CATCHMENT_COLOURS[ring], "weight": 5.0 if meeting else 3.2,
                          "dashArray": CATCHMENT_DASHES[ring], "fillColor": "#ffffff", "fillOpacity": 0.12}
    styles[""] = styles.get("0", {})
    FastGeoJson(frame, styles=styles, sticky=True, name="Catchment").add_to(group)
    return group


def gap_map(*, wards: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None,
            venues: gpd.GeoDataFrame | None, options: MapOptions = MapOptions(),
            focus: tuple[float, float, float, float] | None = None) -> folium.Map:
    """The Gaps page map: LSOAs with `top` True filled (and labelled by `rank` in the tooltip with
    `reason`), the rest outlined; `roads` (web-ready road shapes: name, ward_name) are the unengaged
    roads in the top areas; venues as small circles. Opens on `focus` (minx, miny, maxx, maxy in
    WGS84, e.g. where the roads are) or else on all the LSOAs. Nothing about a person is drawn."""
    minx, miny, maxx, maxy = focus if focus is not None else lsoas.total_bounds
    m = base_map((minx, miny, maxx, maxy), options=options)
    big = 1.7 if options.meeting else 1.0
    name = lsoas["lsoa_name"] if "lsoa_name" in lsoas.columns else lsoas["lsoa_code"]
    frame = lsoas.assign(
        k=np.where(lsoas["top"].astype(bool), "top", "rest"),
        tip=[tooltip_html(("", f"#{int(r)} {n}" if t else str(n)), ("Gap score", f"{s:.2f}" if np.isfinite(s) else "not known"),
                  ("", why))
             for r, n, t, s, why in zip(lsoas["rank"], name, lsoas["top"], lsoas["score"].astype(float),
                                        lsoas["reason"])])
    styles = {"top": {"color": "#0b0c0c", "weight": 1.4, "fillColor": GAP_COLOUR, "fillOpacity": 0.55},
              "rest": {"color": "#6f777b", "weight": 0.6, "fillColor": "#ffffff", "fillOpacity": 0.15}}
    styles[""] = styles["rest"]
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by gap").add_to(m)
    if roads is not None and len(roads):
        rframe = roads.assign(k="", tip=[tooltip_html(("", n), ("Ward", w), ("", "nobody engaged"))
                                         for n, w in zip(roads["name"], roads["ward_name"])])
        FastGeoJson(rframe, sticky=True, name="Unengaged roads in the top gaps",
                    styles={"": {"color": GAP_ROAD_COLOUR, "weight": 3.2 * big, "opacity": 0.95}}).add_to(m)
    FastGeoJson(wards.assign(k=""), interactive=False, name="Wards",
                styles={"": {"color": "#0b0c0c", "weight": 2.0 * big, "fill": False, "opacity": 0.8}}).add_to(m)
    if venues is not None and len(venues):
        vframe = venues.assign(k="", tip=[tooltip_html(("", n), ("", VENUE_KINDS.get(str(k), str(k))))
                                          for n, k in zip(venues["name"], venues["kind"])])
        FastGeoJson(vframe, name="Venues", styles={"": {"radius": 3.5 * big, "color": "#ffffff", "weight": 1,
                                                        "fillColor": "#0b0c0c", "fillOpacity": 0.9}}).add_to(m)
    return m
