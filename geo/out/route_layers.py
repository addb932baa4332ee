"""A day's route on the map: its legs (along the roads, or dashed where a straight-line estimate) and
its numbered stops with arrival times, drawn with geo.out.mapview's fast layer (no CDN assets)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.analyse.network import RoadGraph
from geo.model import CRS
from geo.out.mapview import FastGeoJson
from geo.plan.routes import Route, Stop, leg_lines
from geo.plan.travel import Travel

ROUTE_RED = "#d4351c"
BASE_BLACK = "#0b0c0c"

LEG_STYLES: Mapping[str, Mapping[str, object]] = {
    "road": {"color": ROUTE_RED, "weight": 5, "opacity": 0.9},
    "estimate": {"color": ROUTE_RED, "weight": 4, "opacity": 0.9, "dashArray": "8 6"},
    "": {"color": ROUTE_RED, "weight": 4},
}

#: The route legend: (colour or CSS background, label), drawn as lines.
ROUTE_LEGEND_TITLE = "Route (numbers: order · arrival time; B: base)"
ROUTE_LEGEND: tuple[tuple[str, str], ...] = (
    (ROUTE_RED, "by road"),
    (f"repeating-linear-gradient(90deg,{ROUTE_RED} 0 6px,transparent 6px 10px)", "straight-line estimate (dashed)"),
)


def _rounded(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.set_geometry(shapely.transform(frame.geometry.values, lambda c: np.round(c, 5)))


def stop_badge_html(badge: str, text: str) -> str:
    """A numbered stop (or "B" for the base) with its label, for a DivIcon."""
    colour = BASE_BLACK if badge == "B" else ROUTE_RED
    return ("<div class='pw-route-stop' "
            f"style='display:flex;align-items:center;gap:4px;transform:translate(-12px,-12px)'>"
            f"<span style='display:inline-block;min-width:22px;height:22px;border-radius:11px;background:"
            f"{colour};color:#fff;font:700 12px/22px sans-serif;text-align:center;"
            f"border:2px solid #fff;box-shadow:0 0 0 1px #0b0c0c'>{html.escape(badge)}</span>"
            f"<span style='font:600 12px/1.1 sans-serif;background:#fff;padding:1px 4px;border:1px solid #0b0c0c;"
            f"white-space:nowrap'>{html.escape(text)}</span></div>")


def route_layers(route: Route, travel: Travel, base: Stop, stops: Sequence[Stop], *,
                 graph: RoadGraph | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Web-ready (WGS84, 5 decimals) legs and numbered stops for the map: legs carry `k` ("road" or
    "estimate") and a tooltip; stops carry DivIcon HTML with the number and arrival time. `graph` is
    the `RoadGraph` the route was worked out on (None: straight lines)."""
    pts = np.array([[base.x, base.y]] + [[s.x, s.y] for s in stops], dtype="float64")
    lines = leg_lines(pts, route.order, graph=graph, estimate=travel.estimate)
    legs = route.schedule.iloc[1:].reset_index(drop=True)
    prev = route.schedule["name"].iloc[:-1].to_list()
    tips = [f"<b>{html.escape(str(p))} → {html.escape(str(r['name']))}</b><br>{r['travel_min']:.0f} min, "
            f"{r['distance_m'] / 1000:.1f} km" + (" (straight-line estimate)" if r["estimate"] else " by road")
            for p, r in zip(prev, legs.to_dict("records"))]
    leg_frame = gpd.GeoDataFrame({"k": np.where(legs["estimate"], "estimate", "road"), "tip": tips},
                                 geometry=lines, crs=CRS).to_crs("EPSG:4326")
    st = route.schedule.iloc[:-1]
    labels, stop_tips = [], []
    for r in st.to_dict("records"):
        base_row = r["seq"] == 0
        labels.append(stop_badge_html("B" if base_row else str(r["seq"]),
                                      f"Base · leave {r['depart']}" if base_row else f"{r['seq']} · {r['arrive']}"))
        stop_tips.append(f"<b>{html.escape(str(r['name']))}</b><br>"
                         + (f"leave {r['depart']}" if base_row else
                            f"arrive {r['arrive']}, start {r['start']}, leave {r['depart']}"))
    stop_frame = gpd.GeoDataFrame({"k": "", "html": labels, "tip": stop_tips},
                                  geometry=shapely.points(st[["x", "y"]].to_numpy(dtype="float64")),
                                  crs=CRS).to_crs("EPSG:4326")
    return _rounded(leg_frame), _rounded(stop_frame)


def add_route_to_map(m: folium.Map, legs_web: gpd.GeoDataFrame, stops_web: gpd.GeoDataFrame) -> None:
    """Draw a route (from `route_layers`) on a folium map."""
    group = folium.FeatureGroup(name="Route").add_to(m)
    FastGeoJson(legs_web, styles=LEG_STYLES, sticky=True, name="Route legs").add_to(group)
    FastGeoJson(stops_web, styles={"": {}}, point="div", div_class="pw-route-icon", div_size=(1, 1),
                div_anchor=(0, 0), name="Route stops").add_to(group)
