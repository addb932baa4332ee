"""Map layers of hub and patch plans (folium), on the offline base map of `geo.out.mapview`.

Inputs are web-ready (WGS84, coverage-simplified; see `geo.out.mapview.to_web`). Touching catchments or
patches get different colours from a colour-blind-safe palette (`colour_groups`, a greedy colouring of
the groups' adjacency); hub, satellite and base markers are numbered squares and circles drawn as
HTML (`marker_html`), and ward outlines and names sit on top.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from shapely.errors import GEOSException

from geo.model import VENUE_KINDS
from geo.out.labels import Pair, lsoa_context
from geo.out.mapview import FastGeoJson, MapOptions, base_map, round_coords, tooltip_html, ward_layers
from geo.plan.caseload import caseload_text
from geo.plan.hubs import HUB, NONE, SATELLITE, HubPlan
from geo.plan.patch_plan import PatchPlan

Bounds = tuple[float, float, float, float]
Style = dict[str, object]

CATEGORY_COLOURS: tuple[str, ...] = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                                     "#8c564b", "#6a51a3")
UNCOVERED_FILL = "#e9e9e9"
UNCOVERED_LINE = "#c1121f"


def colour_groups(labels: Sequence[Any], adjacency: sp.csr_matrix) -> dict[Any, int]:
    """Greedy colouring of groups (`labels` per area, NA ignored) so touching groups differ where the
    palette allows: returns group → colour index (0..len(CATEGORY_COLOURS)-1)."""
    lab = pd.Series(list(labels), dtype="object")
    valid = lab.notna().to_numpy()
    groups = sorted({str(x) for x in lab[valid]})
    if not groups:
        return {}
    gi = {g: i for i, g in enumerate(groups)}
    code = np.array([gi[str(x)] if ok else -1 for x, ok in zip(lab, valid, strict=True)])
    coo = adjacency.tocoo()
    a, b = code[coo.row], code[coo.col]
    keep = (a >= 0) & (b >= 0) & (a != b)
    nb: dict[int, set[int]] = {i: set() for i in range(len(groups))}
    for x, y in zip(a[keep], b[keep], strict=True):
        nb[int(x)].add(int(y))
    order = sorted(range(len(groups)), key=lambda i: (-len(nb[i]), groups[i]))
    colour: dict[int, int] = {}
    n_col = len(CATEGORY_COLOURS)
    count = [0] * n_col
    for i in order:  # the least-used colour no neighbour has, so the palette is spread evenly
        used = {colour[j] for j in nb[i] if j in colour}
        free = [c for c in range(n_col) if c not in used]
        colour[i] = min(free, key=lambda c: (count[c], c)) if free else i % n_col
        count[colour[i]] += 1
    return {groups[i]: colour[i] for i in range(len(groups))}


def web_bounds(frame: gpd.GeoDataFrame | None) -> Bounds | None:
    """The WGS84 bounding box of a layer (its corners transformed), or None for no layer."""
    if frame is None or len(frame) == 0:
        return None
    box = gpd.GeoSeries([shapely.box(*frame.total_bounds)], crs=frame.crs).to_crs(4326)
    minx, miny, maxx, maxy = (float(v) for v in box.total_bounds)
    return minx, miny, maxx, maxy


def populated_bounds(lsoas: gpd.GeoDataFrame | None, *, factor: float = 3.0) -> Bounds | None:
    """WGS84 bounds of the LSOAs no larger than `factor` × the median LSOA (where people live: large rural
    LSOAs would otherwise shrink a town to a dot)."""
    if lsoas is None or len(lsoas) == 0:
        return None
    area = shapely.area(np.asarray(lsoas.geometry.values))
    return web_bounds(lsoas[area <= factor * np.median(area)])


def plan_base_map(wards_web: gpd.GeoDataFrame, *, options: MapOptions, bounds: Bounds | None = None) -> folium.Map:
    """An empty offline map fitted to `bounds` (WGS84; default the wards); see `finish_map`."""
    box = bounds if bounds is not None else tuple(float(v) for v in wards_web.total_bounds)
    minx, miny, maxx, maxy = box
    return base_map((minx, miny, maxx, maxy), options=options)


def finish_map(m: folium.Map, wards_web: gpd.GeoDataFrame, *, options: MapOptions) -> None:
    """Ward outlines (dashed, light) and names, drawn last so they sit above the areas."""
    ward_layers(m, wards_web, options=options, weight=1.2, opacity=0.55, dash="4 3", label_opacity=0.75)


def outlines(frame_web: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """One outline per group of (coverage-simplified) polygons."""
    rows, geoms = [], []
    for key, part in frame_web.groupby(by, sort=True):
        g = np.asarray(part.geometry.values)
        try:
            u = shapely.coverage_union_all(g)
        except (GEOSException, ValueError):  # not a clean coverage: the general union
            u = shapely.union_all(shapely.make_valid(g))
        rows.append(key)
        geoms.append(u)
    return gpd.GeoDataFrame({by: rows}, geometry=round_coords(np.asarray(geoms, dtype=object)) if geoms else [],
                            crs=frame_web.crs)


def marker_html(text: str, colour: str, *, shape: str = "square", size: int = 22) -> str:
    radius = "50%" if shape == "circle" else "4px"
    return (f"<div class='pw-site' style='width:{size}px;height:{size}px;line-height:{size}px;background:{colour};"
            f"border:2px solid #0b0c0c;border-radius:{radius};color:#fff;font:700 11px/{size}px sans-serif;"
            f"text-align:center;transform:translate(-50%,-50%);box-shadow:0 0 0 2px #fff'>{html.escape(text)}</div>")


def _markers(sites: list[dict[str, Any]], crs: Any, *, size: int, name: str) -> FastGeoJson:
    return FastGeoJson(gpd.GeoDataFrame(sites, geometry="geometry", crs=crs), styles={"": {}}, point="div",
                       div_class="pw-site-icon", div_size=(size, size), div_anchor=(0, 0), name=name)


def _hub_tips(plan: HubPlan, row: pd.DataFrame, names: dict[str, str], context: list[tuple[Pair, Pair]]
              ) -> list[str]:
    est = " (estimate)" if plan.estimate else ""

    def when(mn: float) -> str:
        return f"{mn:.0f} min{est}" if np.isfinite(mn) else f"more than {plan.settings.budget_min:g} min"

    tips = []
    for (_, r), c in zip(row.iterrows(), context, strict=True):
        nm = r["lsoa_name"] if pd.notna(r["lsoa_name"]) else r["lsoa_code"]
        s, v = r["served_by"], r["site"]
        if s == NONE:
            near = (f"{names.get(str(r['nearest_hub']), r['nearest_hub'])}, {when(r['nearest_hub_minutes'])}"
                    if pd.notna(r["nearest_hub"]) else f"none within {plan.horizon_min:g} min")
            tips.append(tooltip_html(("LSOA", nm), *c, ("Served by", "no hub or satellite (uncovered)"),
                                     ("Nearest hub", near), ("Need", f"{r['need']:,.0f}")))
        else:
            by = f"{'hub' if s == HUB else 'satellite'} {names.get(str(v), v)}"
            tips.append(tooltip_html(("LSOA", nm), *c, ("Served by", by),
                                     ("Travel", when(r["minutes"])), ("Need", f"{r['need']:,.0f}")))
    return tips


def hub_map(plan: HubPlan, *, lsoas_web: gpd.GeoDataFrame, wards_web: gpd.GeoDataFrame,
            venues_web: gpd.GeoDataFrame, adjacency: sp.csr_matrix, candidates: Sequence[str] = (),
            options: MapOptions, bounds: Bounds | None = None) -> folium.Map:
    """Catchments coloured by hub (touching catchments differ), satellites' catchments paler, uncovered
    LSOAs grey with a red edge, hub (H) and satellite (S) markers, other candidate venues as dots."""
    t = plan.lsoas.set_index(plan.lsoas["lsoa_code"].astype(str))
    web = lsoas_web.copy()
    web["lsoa_code"] = web["lsoa_code"].astype(str)
    web = web[web["lsoa_code"].isin(t.index)]
    row = t.loc[web["lsoa_code"]]
    colours = colour_groups(plan.lsoas["site"].tolist(), adjacency)
    names = dict(zip(venues_web["venue_id"].astype(str), venues_web["name"].astype(str), strict=True))
    site = row["site"].astype("string").to_numpy()
    served = row["served_by"].to_numpy()
    keys = [("x" if s == NONE else f"{'h' if s == HUB else 's'}{colours.get(str(v), 0)}")
            for s, v in zip(served, site, strict=True)]
    frame = web.assign(k=keys, tip=_hub_tips(plan, row, names, lsoa_context(web, wards_web)), site=site)
    styles: dict[str, Style] = {}
    for i, c in enumerate(CATEGORY_COLOURS):
        styles[f"h{i}"] = {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.6}
        styles[f"s{i}"] = {"color": c, "weight": 1.2, "fillColor": c, "fillOpacity": 0.25, "dashArray": "3 3"}
    styles["x"] = styles[""] = {"color": UNCOVERED_LINE, "weight": 1.4, "fillColor": UNCOVERED_FILL,
                                "fillOpacity": 0.75}
    m = plan_base_map(wards_web, options=options, bounds=bounds)
    group = folium.FeatureGroup(name="Catchments").add_to(m)
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by hub").add_to(group)
    served_frame = frame[frame["site"].notna()]
    if len(served_frame):
        FastGeoJson(outlines(served_frame, "site").assign(k=""), interactive=False, name="Catchment outlines",
                    styles={"": {"color": "#0b0c0c", "weight": 2.4, "fill": False, "opacity": 0.9}}).add_to(group)
    vid = venues_web["venue_id"].astype(str)
    chosen = set(plan.hubs) | set(plan.satellites)
    others = venues_web[vid.isin([c for c in candidates if c not in chosen])]
    if len(others):
        tips = [tooltip_html(("", n), ("", VENUE_KINDS.get(str(k), str(k)) + " (candidate)"))
                for n, k in zip(others["name"], others["kind"], strict=True)]
        FastGeoJson(others.assign(k="", tip=tips), name="Candidate venues",
                    styles={"": {"radius": 4, "color": "#505a5f", "weight": 1, "fillColor": "#ffffff",
                                 "fillOpacity": 1}}).add_to(m)
    sites = []
    for role, ids, shape in ((HUB, plan.hubs, "square"), (SATELLITE, plan.satellites, "circle")):
        for n, v in enumerate(ids, start=1):
            hit = venues_web[vid == str(v)]
            if not len(hit):
                continue
            label = ("H" if role == HUB else "S") + str(n)
            colour = CATEGORY_COLOURS[colours.get(str(v), 0)]
            served_n = int((plan.lsoas["site"] == v).sum())
            role_text = "hub (in place, kept)" if v in plan.fixed else role
            sites.append({"k": "", "html": marker_html(label, colour, shape=shape, size=24 if role == HUB else 20),
                          "tip": tooltip_html((label, names.get(str(v), v)), ("Role", role_text),
                                              ("LSOAs served", served_n)),
                          "geometry": hit.geometry.iloc[0]})
    if sites:
        _markers(sites, venues_web.crs, size=26, name="Hubs").add_to(m)
    finish_map(m, wards_web, options=options)
    return m


def patch_map(plan: PatchPlan, table: pd.DataFrame, per_lsoa: pd.DataFrame, *,
              lsoas_web: gpd.GeoDataFrame, wards_web: gpd.GeoDataFrame, adjacency: sp.csr_matrix,
              observed: bool, options: MapOptions, bounds: Bounds | None = None) -> folium.Map:
    """LSOAs coloured by patch (touching patches differ), patch outlines (dashed when locked, red when
    outside the bounds), LSOAs moved by hand outlined, and each worker's base as a numbered marker."""
    pl = per_lsoa.set_index(per_lsoa["lsoa_code"].astype(str))
    web = lsoas_web.copy()
    web["lsoa_code"] = web["lsoa_code"].astype(str)
    web = web[web["lsoa_code"].isin(pl.index)]
    row = pl.loc[web["lsoa_code"]]
    colours = colour_groups(per_lsoa["patch"].tolist(), adjacency)
    names = (web["lsoa_name"].fillna(web["lsoa_code"]) if "lsoa_name" in web.columns else web["lsoa_code"]).to_numpy()
    est = " (estimate)" if row["estimate"].any() else ""
    tips = [tooltip_html(("LSOA", n), *ctx, ("Patch", p), ("Expected caseload", caseload_text(c, observed=observed)),
                         ("From the base", f"{t:.0f} min walk{est}"), *([("", "moved by hand")] if pin else []))
            for n, ctx, p, c, t, pin in zip(names, lsoa_context(web, wards_web), row["patch"], row["caseload"],
                                            row["trip_min"], row["pinned"], strict=True)]
    keys = [f"{colours.get(str(p), 0)}{'p' if pin else ''}" for p, pin in zip(row["patch"], row["pinned"], strict=True)]
    frame = web.assign(k=keys, tip=tips, patch=row["patch"].to_numpy())
    styles: dict[str, Style] = {}
    for i, c in enumerate(CATEGORY_COLOURS):
        styles[str(i)] = {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.55}
        styles[f"{i}p"] = {"color": "#0b0c0c", "weight": 2.2, "fillColor": c, "fillOpacity": 0.75, "dashArray": "2 3"}
    styles[""] = styles["0"]
    m = plan_base_map(wards_web, options=options, bounds=bounds)
    group = folium.FeatureGroup(name="Patches").add_to(m)
    FastGeoJson(frame, styles=styles, sticky=True, name="LSOAs by patch").add_to(group)
    info = table.set_index("patch")
    out = outlines(frame, "patch")
    out["k"] = ["locked" if info.loc[p, "locked"] else ("out" if not info.loc[p, "within_bounds"] else "")
                for p in out["patch"]]
    FastGeoJson(out, interactive=False, name="Patch outlines", styles={
        "": {"color": "#0b0c0c", "weight": 2.6, "fill": False, "opacity": 0.95},
        "locked": {"color": "#0b0c0c", "weight": 4.0, "fill": False, "opacity": 0.95, "dashArray": "8 5"},
        "out": {"color": "#c1121f", "weight": 3.2, "fill": False, "opacity": 0.95}}).add_to(group)
    b = table.dropna(subset=["base_x", "base_y"])
    if len(b):
        pts = gpd.GeoSeries(gpd.points_from_xy(b["base_x"], b["base_y"]), crs=27700).to_crs(4326)
        geoms = round_coords(np.asarray(pts.values))
        sites = [{"k": "", "html": marker_html(f"P{plan.labels.index(p) + 1}", CATEGORY_COLOURS[colours.get(str(p), 0)],
                                               size=26),
                  "tip": tooltip_html((p, "worker's base"), ("Base", base),
                                      ("Caseload", caseload_text(info.loc[p, "caseload"], observed=observed)),
                                      ("Longest trip", f"{info.loc[p, 'longest_trip_min']:.0f} min walk{est}")),
                  "geometry": g} for p, base, g in zip(b["patch"], b["base"], geoms, strict=True)]
        _markers(sites, 4326, size=28, name="Worker bases").add_to(m)
    finish_map(m, wards_web, options=options)
    return m
