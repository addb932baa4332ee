"""GeoJSON for the browser: web-ready geometries and the one serialiser of layers into a map script.

`to_web` simplifies in metres (polygons that tile an area share their edges: `shapely.coverage_simplify`
keeps them shared, so no slivers open), projects to WGS84 and rounds coordinates to 5 decimals (about
1 m). `FastGeoJson` writes a layer's features once and styles them in the browser from a small
key -> style table.

Escaping (DESIGN.md): text from users and from OpenStreetMap reaches these scripts as feature
properties. Properties holding HTML (`tip`, `popup`, `html`) are built escaped by geo.out.labels;
whatever they hold, `script_json` writes the JSON so that it cannot end the <script> it sits in: every
`</script`, `<script` and `<!--` (any case) has its `<` written as `\\u003c`, the only sequences with
which the HTML tokenizer leaves a script's text. JSON parses the escape back to the same string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from numpy.typing import NDArray

WGS84 = "EPSG:4326"

_SCRIPT_BREAK = re.compile(r"<(?=/?script|!--)", re.IGNORECASE)


def script_safe(json_text: str) -> str:
    """JSON text made safe to write inside a <script> element (see the module docstring)."""
    return _SCRIPT_BREAK.sub(r"\\u003c", json_text)


def script_json(value: object) -> str:
    """`value` as JSON that can be written inside a <script> element."""
    return script_safe(json.dumps(value))


def round_coords(geoms: NDArray[np.object_], decimals: int = 5) -> NDArray[np.object_]:
    """Geometries with every coordinate rounded to `decimals` places (5 in WGS84: about 1 m)."""
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def to_web(frame: gpd.GeoDataFrame, *, simplify_m: float = 0.0, coverage: bool = False) -> gpd.GeoDataFrame:
    """Simplify in metres, project to WGS84 and round coordinates to 5 decimals (about 1 m).

    With `coverage` the polygons are simplified together, so edges they share stay shared.
    """
    out = frame.copy()
    if simplify_m > 0 and len(out):
        geoms = np.asarray(out.geometry.values)
        if coverage:
            geoms = shapely.coverage_simplify(geoms, simplify_m)
        else:
            geoms = shapely.simplify(geoms, simplify_m, preserve_topology=True)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=frame.crs))
    out = out.to_crs(WGS84)
    return out.set_geometry(gpd.GeoSeries(round_coords(np.asarray(out.geometry.values)),
                                          index=out.index, crs=WGS84))


def geojson_text(frame: gpd.GeoDataFrame, props: Iterable[str]) -> str:
    """The features of `frame` with the properties `props` (those it has) as script-safe GeoJSON."""
    cols = [c for c in props if c in frame.columns]
    return script_safe(str(frame[[*cols, "geometry"]].to_json(drop_id=True, ensure_ascii=False)))


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
    HTML), `popup` (popup HTML), `html` (DivIcon HTML for `point="div"`), `label` (the accessible
    name of an interactive div marker: plain text).
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
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves MacroElement.__init__ unannotated
        self._name = "FastGeoJson"
        self.layer_name = name
        self.data = geojson_text(frame, ("k", "tip", "popup", "html", "label", *props))
        self.styles = script_json({k: dict(v) for k, v in styles.items()})
        self.interactive = interactive
        self.point = point
        self.div_class, self.div_size, self.div_anchor = div_class, list(div_size), list(div_anchor)
        self.sticky = sticky

    def render(self, **kwargs: Any) -> str:
        """Add the layer's script to the figure once, as it is (not compiled as a template)."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("a FastGeoJson layer renders only inside a map")
        figure.script.add_child(_RawScript(self._template.module.script(self, kwargs)), name=self.get_name())
        return ""
