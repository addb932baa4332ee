"""Streamlit helpers for the Lots page: unit layers, cached derivations, the lots map and map clicks."""

from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from branca.element import Element, MacroElement
from jinja2 import Template

from geo import io
from geo.plan import lots
from geo.out import mapview
from geo.model import DataError, Workspace

#: Lot fill colours (Okabe-Ito first, then Tableau), distinct from the deprivation purples.
LOT_COLOURS: tuple[str, ...] = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
                                "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#1f77b4")
#: Need bands for units not in any lot: estimated workless share of working-age residents.
NEED_BREAKS: tuple[float, ...] = (0.08, 0.12, 0.16, 0.22)
NEED_COLOURS: tuple[str, ...] = ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1")
NEED_LABELS: tuple[str, ...] = ("under 8%", "8–12%", "12–16%", "16–22%", "22% or more")
SERVED_COLOUR = "#b2182b"
_CODE = re.compile(r"\(([A-Z]\d{8})\)")


class _RefitWhenShown(MacroElement):
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
        super().__init__()
        self._name = "RefitWhenShown"
        self.bounds = bounds


def unit_layers(ws: Workspace) -> dict[str, str]:
    """Unit layers lots can be built from: key -> label. Wards by boundary year, then LSOAs."""
    out: dict[str, str] = {}
    wards = ws.layer("wards")
    years = sorted({int(y) for y in wards["boundary_year"].dropna()}, reverse=True) \
        if "boundary_year" in wards.columns else []
    if years:
        for i, y in enumerate(years):
            out[f"wards:{y}"] = f"Wards ({y} boundaries{', current' if i == 0 and len(years) > 1 else ''})"
    elif len(wards):
        out["wards:"] = "Wards"
    out["lsoas"] = "LSOAs"
    return out


@st.cache_resource(show_spinner=False)
def lot_units(ws_id: str, _ws: Workspace, key: str) -> lots.LotUnits:
    label = unit_layers(_ws).get(key, key)
    lsoas = _ws.layer("lsoas")
    if key == "lsoas":
        return lots.prepare_units(lsoas, lsoas, kind="lsoas", code_col="lsoa_code", name_col="lsoa_name",
                                  label=label)
    wards = _ws.layer("wards")
    year = key.split(":", 1)[1]
    if year and "boundary_year" in wards.columns:
        wards = wards[wards["boundary_year"].astype("Int64") == int(year)]
    return lots.prepare_units(wards, lsoas, kind="wards", code_col="ward_code", name_col="ward_name",
                              lad_col="lad_name", label=label)


@st.cache_resource(show_spinner=False, max_entries=32)
def saved_scenario(ws_id: str, _ws: Workspace, path: str, name: str, version: int
                   ) -> tuple[lots.LotUnits, lots.Scenario, pd.DataFrame]:
    """A saved lot scenario with its units and profile (cached per name and version)."""
    _, payload = io.load_plan(path, kind="lots", name=name)
    key = str(payload.get("unit_layer"))
    if key not in unit_layers(_ws):
        raise DataError(f"uses '{key}', which this workspace does not have.", source=f"scenario '{name}'")
    lu = lot_units(ws_id, _ws, key)
    s = lots.scenario_from_payload(payload, known=lu.codes)
    return lu, s, lots.assess_lots(lu, s)


@st.cache_resource(show_spinner=False, max_entries=32)
def saved_scenario_map(ws_id: str, _ws: Workspace, path: str, name: str, version: int) -> folium.Map:
    """The small display-only map of a saved scenario (cached per name and version)."""
    lu, s, _ = saved_scenario(ws_id, _ws, path, name, version)
    return lots_map(web_units(ws_id, _ws, s.unit_layer), lu, dict(s.lots), served=s.served, labels=True,
                    interactive=False, fit="lots")


@st.cache_resource(show_spinner=False)
def web_units(ws_id: str, _ws: Workspace, key: str) -> gpd.GeoDataFrame:
    lu = lot_units(ws_id, _ws, key)
    return mapview.to_web(lu.units, simplify_m=8.0, coverage=True)


def fit_bounds(web: gpd.GeoDataFrame, lu: lots.LotUnits,
               lot_codes: Mapping[str, Sequence[str]] | None = None) -> tuple[float, float, float, float]:
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
    return tuple((dense if len(dense) else web).total_bounds)  # type: ignore[return-value]


def need_band(rate: float) -> int:
    if not np.isfinite(rate):
        return -1
    return int(np.searchsorted(NEED_BREAKS, rate, side="right"))


def lots_map(web: gpd.GeoDataFrame, lu: lots.LotUnits, lot_codes: Mapping[str, Sequence[str]], *,
             active: str | None = None, served: Sequence[str] = (), labels: bool = True,
             attribution: str = "", tile_url: str | None = None, tile_attribution: str = "",
             interactive: bool = True, fit: str = "populated") -> folium.Map:
    """Units coloured by lot (others by need), the active lot outlined, served areas hatched in red.

    `fit='populated'` opens on where people live (stable while lots change); 'lots' on the lots.
    """
    colour = {name: LOT_COLOURS[i % len(LOT_COLOURS)] for i, name in enumerate(lot_codes)}
    owner = {c: name for name, codes in lot_codes.items() for c in codes}
    served_set = set(served)
    needs = lu.needs.reindex(web["code"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(needs["working_age"] > 0, needs["workless"] / needs["working_age"], np.nan)
    keys, tips = [], []
    for code, name, lad, r, pop, wl in zip(web["code"], web["name"], web["lad_name"], rate, needs["population"],
                                           needs["workless"]):
        lot = owner.get(code)
        k = f"lot:{lot}" + (":active" if lot == active else "") if lot else f"need:{need_band(r)}"
        if code in served_set:
            k += ":served"
        keys.append(k)
        tips.append("<br>".join([
            f"<b>{html.escape(str(name))} ({html.escape(str(code))})</b>" + (f", {html.escape(lad)}" if lad else ""),
            f"Lot: {html.escape(lot)}" if lot else "Not in a lot (click to add to the active lot)",
            f"Residents: {pop:,.0f}; estimated workless: {wl:,.0f}"
            + ("" if not np.isfinite(r) else f" ({r * 100:.0f}% of working age)"),
            *(["Served by another programme"] if code in served_set else []),
        ]))
    frame = web.assign(k=keys, tip=tips)
    styles: dict[str, dict[str, object]] = {}
    for k in set(keys):
        base = k.replace(":served", "")
        if base.startswith("lot:"):
            name = base[4:].removesuffix(":active")
            st_ = {"color": "#0b0c0c" if base.endswith(":active") else "#ffffff",
                   "weight": 3.5 if base.endswith(":active") else 1.2,
                   "fillColor": colour.get(name, "#999999"), "fillOpacity": 0.75}
        else:
            band = int(base.split(":")[1])
            st_ = {"color": "#6f777b", "weight": 0.8, "fillColor": NEED_COLOURS[band] if band >= 0 else "#bdbdbd",
                   "fillOpacity": 0.6}
        if k.endswith(":served"):
            st_ = {**st_, "color": SERVED_COLOUR, "weight": 3, "dashArray": "6 4"}
        styles[k] = st_
    styles[""] = {"color": "#6f777b", "weight": 0.8, "fillOpacity": 0.2}
    minx, miny, maxx, maxy = fit_bounds(web, lu, lot_codes if fit == "lots" else None)
    m = mapview.base_map((minx, miny, maxx, maxy), min_zoom=6, controls=interactive,
                         attribution_control=bool(attribution) or interactive,
                         options=mapview.MapOptions(tile_url=tile_url, tile_attribution=tile_attribution or "",
                                                    attribution=attribution or ""))
    m.add_child(_RefitWhenShown([[float(miny), float(minx)], [float(maxy), float(maxx)]]))
    # Chrome draws a black focus box around a clicked SVG path; the lot outline already shows the choice.
    m.get_root().header.add_child(Element("<style>.leaflet-interactive:focus{outline:none}</style>"),
                                  name="pw_lots_focus")
    mapview.FastGeoJson(frame, styles=styles, sticky=True, interactive=interactive, name="Units").add_to(m)
    if labels and lu.kind == "wards" and len(web) <= 80:
        free = web[~web["code"].isin(owner)]
        if len(free):
            reps = gpd.GeoDataFrame({"k": "", "html": [
                "<div style='font:500 11px/1.1 sans-serif;color:#505a5f;white-space:nowrap;"
                f"transform:translate(-50%,-50%);text-shadow:0 0 3px #fff,0 0 3px #fff'>{html.escape(str(n))}</div>"
                for n in free["name"]]}, geometry=shapely.point_on_surface(free.geometry.values), crs=web.crs)
            mapview.FastGeoJson(reps, styles={"": {}}, point="div", interactive=False, div_class="pw-unit-label",
                                name="Unit names").add_to(m)
    if labels and len(lot_codes):
        in_lot = web[web["code"].isin(owner)]
        lot_shapes = gpd.GeoDataFrame({"lot": [owner[c] for c in in_lot["code"]]}, geometry=in_lot.geometry.values,
                                      crs=web.crs).dissolve(by="lot", as_index=False)
        pts = shapely.point_on_surface(lot_shapes.geometry.values)
        reps = gpd.GeoDataFrame({"k": "", "html": [
            "<div style='font:700 12px/1.1 sans-serif;color:#0b0c0c;white-space:nowrap;transform:translate(-50%,-50%);"
            f"text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff'>{html.escape(str(n))}</div>"
            for n in lot_shapes["lot"]]}, geometry=pts, crs=web.crs)
        mapview.FastGeoJson(reps, styles={"": {}}, point="div", interactive=False, div_class="pw-lot-label",
                            name="Lot names").add_to(m)
    return m


def clicked_code(ret: Mapping[str, Any] | None) -> tuple[str | None, tuple[Any, ...] | None]:
    """The unit code in a map click's tooltip and a signature that changes with every new click."""
    if not ret:
        return None, None
    tip = ret.get("last_object_clicked_tooltip")
    where = ret.get("last_object_clicked")
    if not tip or not where:
        return None, None
    match = _CODE.search(str(tip))
    if not match:
        return None, None
    lat = where.get("lat") if isinstance(where, Mapping) else None
    lng = where.get("lng") if isinstance(where, Mapping) else None
    return match.group(1), (lat, lng, str(tip))


def toggle_unit(lot_codes: Mapping[str, Sequence[str]], code: str, active: str) -> dict[str, list[str]]:
    """A click on a unit: into the active lot (out of any other), or out of the active lot if already in it."""
    out = {name: [c for c in codes] for name, codes in lot_codes.items()}
    if active not in out:
        out[active] = []
    if code in out[active]:
        out[active].remove(code)
        return out
    for name in out:
        if code in out[name]:
            out[name].remove(code)
    out[active].append(code)
    return out


def need_legend_items() -> list[tuple[str, str]]:
    return list(zip(NEED_COLOURS, NEED_LABELS))


def lot_legend_items(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(LOT_COLOURS[i % len(LOT_COLOURS)], n) for i, n in enumerate(names)]


def profile_rows(prof: pd.DataFrame, name: str) -> list[tuple[str, str, str]]:
    """KPI strip for one lot: (label, value, help)."""
    r = prof.loc[name]
    return [
        ("Residents", f"{r['population']:,.0f}", f"{int(r['lsoas'])} LSOAs; working age {r['working_age']:,.0f}."),
        ("In most deprived 20%", f"{r['share_most_deprived_20'] * 100:.0f}%" if np.isfinite(r["share_most_deprived_20"])
         else "–", f"Residents in England's most deprived 20% of LSOAs (10%: "
                   f"{r['share_most_deprived_10'] * 100 if np.isfinite(r['share_most_deprived_10']) else 0:.0f}%)."),
        ("Estimated workless", f"{r['workless']:,.0f}",
         f"Working-age residents out of work, {r['workless_basis']}."),
        ("Expected participants", f"{r['participants']:,.0f}", "Model estimate: workless x engagement rate."),
        ("Advisors (FTE)", f"{r['advisors']:.1f}", f"{r['active_at_once']:,.0f} active at once ÷ caseload."),
        ("Lot value", f"£{r['lot_value_gbp']:,.0f}", "Delivery cost (advisors, venues, management) plus set-up."),
        ("PbR income", f"£{r['pbr_income_gbp']:,.0f}", f"{r['pbr_share'] * 100 if np.isfinite(r['pbr_share']) else 0:.0f}% "
                                                        "of the lot value, from the payment model."),
    ]
