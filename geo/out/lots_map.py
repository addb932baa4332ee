"""The lots map: units coloured by lot (others by need), the active lot outlined, served areas dashed
red, unit and lot names as labels; and its legend items. Pure folium, drawn from `geo.out.mapview`'s
base map (geo.out.basemap) and layer element (geo.out.geojson); the page shows it through ui.map.

Each unit's tooltip starts '<b>Name (CODE)</b>': ui.lots reads the code of a clicked unit from it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import cast

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from geo.out.basemap import MapOptions, base_map
from geo.out.geojson import FastGeoJson
from geo.plan.lots.units import LotUnits

#: Lot fill colours (Okabe-Ito first, then Tableau), distinct from the deprivation purples.
LOT_COLOURS: tuple[str, ...] = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
                                "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#1f77b4")
#: Need bands for units not in any lot: estimated workless share of working-age residents.
NEED_BREAKS: tuple[float, ...] = (0.08, 0.12, 0.16, 0.22)
NEED_COLOURS: tuple[str, ...] = ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1")
NEED_LABELS: tuple[str, ...] = ("under 8%", "8–12%", "12–16%", "16–22%", "22% or more")
SERVED_COLOUR = "#b2182b"

Bounds = tuple[float, float, float, float]
_UNIT_LABEL = ("font:500 11px/1.1 sans-serif;color:#505a5f;white-space:nowrap;transform:translate(-50%,-50%);"
               "text-shadow:0 0 3px #fff,0 0 3px #fff")
_LOT_LABEL = ("font:700 12px/1.1 sans-serif;color:#0b0c0c;white-space:nowrap;transform:translate(-50%,-50%);"
              "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff")


def _big(style: str, meeting: bool) -> str:
    """A label style at meeting mode's 20 px."""
    return re.sub(r"\b1[12]px/", "20px/", style) if meeting else style


class RefitWhenShown(MacroElement):
    """Re-fit the map when its container gets a size: a map drawn in a hidden tab starts at width 0."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(){var m={{ this._parent.get_name() }},b={{ this.bounds|tojson }},el=m.getContainer(),"
        "w0=el.clientWidth;if(!window.ResizeObserver){return;}"
        "new ResizeObserver(function(){var w=el.clientWidth;if(w>0){m.invalidateSize();if(w0===0){m.fitBounds(b);}}"
        "w0=w;}).observe(el);})();"
        "{% endmacro %}"
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "RefitWhenShown"
        self.bounds = bounds


def fit_bounds(web: gpd.GeoDataFrame, lu: LotUnits, lot_codes: Mapping[str, Sequence[str]] | None = None) -> Bounds:
    """Bounds of the lots (with a margin), else of the units at least half as dense as the median."""
    if lot_codes:
        chosen = {c for codes in lot_codes.values() for c in codes}
        sel = web[web["code"].isin(chosen)]
        if len(sel):
            minx, miny, maxx, maxy = sel.total_bounds
            pad_x, pad_y = 0.15 * (maxx - minx) + 0.003, 0.15 * (maxy - miny) + 0.002
            return minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y
    pop = lu.needs["population"].reindex(web["code"]).to_numpy(dtype="float64")
    area = shapely.area(lu.units.set_index("code").reindex(web["code"]).geometry.values)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(area > 0, pop / area, 0.0)
    dense = web[density >= 0.5 * np.nanmedian(density)] if len(web) else web
    minx, miny, maxx, maxy = (dense if len(dense) else web).total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def need_band(rate: float) -> int:
    if not np.isfinite(rate):
        return -1
    return int(np.searchsorted(NEED_BREAKS, rate, side="right"))


def _unit_keys_and_tips(web: gpd.GeoDataFrame, lu: LotUnits, owner: Mapping[str, str], active: str | None,
                        served: set[str]) -> tuple[list[str], list[str]]:
    needs = lu.needs.reindex(web["code"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(needs["working_age"] > 0, needs["workless"] / needs["working_age"], np.nan)
    keys, tips = [], []
    for code, name, lad, r, pop, wl in zip(web["code"], web["name"], web["lad_name"], rate, needs["population"],
                                           needs["workless"]):
        lot = owner.get(code)
        k = f"lot:{lot}" + (":active" if lot == active else "") if lot else f"need:{need_band(r)}"
        if code in served:
            k += ":served"
        keys.append(k)
        tips.append("<br>".join([
            f"<b>{html.escape(str(name))} ({html.escape(str(code))})</b>" + (f", {html.escape(lad)}" if lad else ""),
            f"Lot: {html.escape(lot)}" if lot else "Not in a lot (click to add to the active lot)",
            f"Residents: {pop:,.0f}; estimated workless: {wl:,.0f}"
            + ("" if not np.isfinite(r) else f" ({r * 100:.0f}% of working age)"),
            *(["Served by another programme"] if code in served else []),
        ]))
    return keys, tips


def _styles(keys: Sequence[str], colour: Mapping[str, str]) -> dict[str, dict[str, object]]:
    styles: dict[str, dict[str, object]] = {}
    for k in set(keys):
        base = k.replace(":served", "")
        style: dict[str, object]
        if base.startswith("lot:"):
            name = base[4:].removesuffix(":active")
            style = {"color": "#0b0c0c" if base.endswith(":active") else "#ffffff",
                     "weight": 3.5 if base.endswith(":active") else 1.2,
                     "fillColor": colour.get(name, "#999999"), "fillOpacity": 0.75}
        else:
            band = int(base.split(":")[1])
            style = {"color": "#6f777b", "weight": 0.8, "fillColor": NEED_COLOURS[band] if band >= 0 else "#bdbdbd",
                     "fillOpacity": 0.6}
        if k.endswith(":served"):
            style = {**style, "color": SERVED_COLOUR, "weight": 3, "dashArray": "6 4"}
        styles[k] = style
    styles[""] = {"color": "#6f777b", "weight": 0.8, "fillOpacity": 0.2}
    return styles


def _label_layer(points: gpd.GeoDataFrame, texts: Sequence[str], *, style: str, div_class: str,
                 name: str) -> FastGeoJson:
    """Text labels (DivIcons) centred on `points`, drawn with the inline CSS `style`."""
    frame = gpd.GeoDataFrame({"k": "", "html": [f"<div style='{style}'>{html.escape(str(t))}</div>" for t in texts]},
                             geometry=points.geometry.values, crs=points.crs)
    return FastGeoJson(frame, styles={"": {}}, point="div", interactive=False, div_class=div_class, name=name)


def lots_map(web: gpd.GeoDataFrame, lu: LotUnits, lot_codes: Mapping[str, Sequence[str]], *,
             active: str | None = None, served: Sequence[str] = (), labels: bool = True,
             attribution: str = "", tile_url: str | None = None, tile_attribution: str = "",
             interactive: bool = True, fit: str = "populated", meeting: bool = False) -> folium.Map:
    """Units coloured by lot (others by need), the active lot outlined, served areas hatched in red;
    `meeting`: meeting mode's 20 px type for names, scale bar and attribution.

    `web` is `lu.units` in WGS84 (geo.out.geojson.to_web). `fit='populated'` opens on where people live
    (stable while lots change); 'lots' on the lots.
    """
    colour = {name: LOT_COLOURS[i % len(LOT_COLOURS)] for i, name in enumerate(lot_codes)}
    owner = {c: name for name, codes in lot_codes.items() for c in codes}
    keys, tips = _unit_keys_and_tips(web, lu, owner, active, set(served))
    minx, miny, maxx, maxy = fit_bounds(web, lu, lot_codes if fit == "lots" else None)
    m = base_map((minx, miny, maxx, maxy), min_zoom=6, controls=interactive,
                 attribution_control=bool(attribution) or interactive,
                 options=MapOptions(tile_url=tile_url, tile_attribution=tile_attribution or "",
                                    attribution=attribution or "", meeting=meeting))
    m.add_child(RefitWhenShown([[float(miny), float(minx)], [float(maxy), float(maxx)]]))
    # Chrome draws a black focus box around a clicked SVG path; the lot outline already shows the choice.
    cast(Figure, m.get_root()).header.add_child(Element("<style>.leaflet-interactive:focus{outline:none}</style>"),
                                  name="pw_lots_focus")
    FastGeoJson(web.assign(k=keys, tip=tips), styles=_styles(keys, colour), sticky=True,
                        interactive=interactive, name="Units").add_to(m)
    if labels and lu.kind == "wards" and len(web) <= 80:
        free = web[~web["code"].isin(owner)]
        if len(free):
            reps = gpd.GeoDataFrame(geometry=shapely.point_on_surface(free.geometry.values), crs=web.crs)
            _label_layer(reps, list(free["name"]), style=_big(_UNIT_LABEL, meeting), div_class="pw-unit-label",
                         name="Unit names").add_to(m)
    if labels and len(lot_codes):
        in_lot = web[web["code"].isin(owner)]
        lot_shapes = gpd.GeoDataFrame({"lot": [owner[c] for c in in_lot["code"]]}, geometry=in_lot.geometry.values,
                                      crs=web.crs).dissolve(by="lot", as_index=False)
        reps = gpd.GeoDataFrame(geometry=shapely.point_on_surface(lot_shapes.geometry.values), crs=web.crs)
        _label_layer(reps, list(lot_shapes["lot"]), style=_big(_LOT_LABEL, meeting), div_class="pw-lot-label",
                     name="Lot names").add_to(m)
    return m


def need_legend_items() -> list[tuple[str, str]]:
    return list(zip(NEED_COLOURS, NEED_LABELS))


def lot_legend_items(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(LOT_COLOURS[i % len(LOT_COLOURS)], n) for i, n in enumerate(names)]
