"""The map sends aggregates only, loads nothing from other hosts, and draws all five layers."""

import html as html_lib
import json
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import io
from geo.analyse import engagement
from geo.analyse.deprivation import deciles
from geo.out import mapview
from geo.out.basemap import MIN_MARGIN_DEG, opening_view
from geo.out.geojson import FastGeoJson, script_json


def build(ws, show=frozenset(mapview.LAYERS)):
    keys = engagement.road_keys(ws.layer("roads"), ws.layer("wards"))
    names = dict(zip(ws.layer("wards")["ward_code"], ws.layer("wards")["ward_name"]))
    eng = engagement.engagement_by_road(ws.layer("participants"), ws.layer("roads"), wards=ws.layer("wards"))
    roads = mapview.engagement_layer(mapview.road_shapes(ws.layer("roads"), keys, names), eng.roads)
    lsoas = mapview.decile_layer(mapview.to_web(ws.layer("lsoas"), simplify_m=8, coverage=True),
                                 deciles(ws.layer("lsoas")))
    m = mapview.build_map(
        wards=mapview.to_web(ws.layer("wards")), lsoas=lsoas, roads=roads,
        venues=mapview.to_web(ws.layer("venues")), bus_stops=mapview.to_web(ws.layer("bus_stops")),
        bus_routes=mapview.to_web(ws.layer("bus_routes")), partners=mapview.to_web(ws.layer("partners")),
        options=mapview.MapOptions(show=show, attribution="Fictional test data"))
    return m, roads


def test_map_html_has_no_participant_and_no_cdn(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    m, _ = build(ws)
    html = m.get_root().render()
    assert mapview.external_urls(m) == []
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "$(" not in html  # jQuery is not loaded: nothing may call it
    for pid in ws.layer("participants")["participant_id"]:
        assert pid not in html
    # no participant coordinate appears (rounded to 5 decimals as the map would)
    pts = ws.layer("participants").to_crs(4326)
    for p in pts.geometry:
        assert f"{p.x:.5f}" not in html or f"{p.y:.5f}" not in html


def test_road_bands_and_suppression_by_hand(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    _, roads = build(ws)
    r = roads.set_index("road_key")
    # 8 on Mill Lane (Westfield) -> band 5–9, count shown; 3 on Church Street -> "<5"; Eastgate Mill Lane none.
    assert r.loc["E05900001|Mill Lane", "band"] == "5–9" and r.loc["E05900001|Mill Lane", "count_text"] == "8"
    assert r.loc["E05900001|Church Street", "count_text"] == "<5"
    assert r.loc["E05900002|Mill Lane", "band"] == "none"
    assert "3" not in set(roads["count_text"])


def test_five_layers_and_ward_labels(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    m, _ = build(ws)
    html = m.get_root().render()
    for label in ["Deprivation", "Engagement by road", "Community venues", "Bus routes and stops", "Partner sites"]:
        assert label in [getattr(c, "layer_name", None) for c in m._children.values()] or label in html
    assert "Westfield" in html and "Eastgate" in html and "pw-ward-label" in html
    assert "Westfield Library" in html  # venue popup
    m2, _ = build(ws, show=frozenset({"deprivation"}))
    html2 = m2.get_root().render()
    assert "Westfield Library" not in html2 and "Jobcentre Plus Tiny" not in html2


def test_coordinates_rounded_to_5_decimals(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    web = mapview.to_web(ws.layer("lsoas"), simplify_m=8, coverage=True)
    coords = np.concatenate([np.asarray(g.exterior.coords) for g in web.geometry])
    assert np.allclose(coords, np.round(coords, 5))
    # shared edges are kept: simplified LSOAs neither overlap nor leave slivers between them
    web = web.to_crs(27700)
    union = web.union_all()
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert abs(web.area.sum() - union.area) < 1e-3


def test_venue_popup_with_missing_values():
    import pandas as pd

    row = pd.Series({"name": "Library", "kind": "library", "address": pd.NA, "opening_hours": None,
                     "wifi": pd.NA, "capacity": pd.NA, "cost_per_hour": float("nan")})
    html = mapview.venue_popup_html(row)
    assert html.count("not known") >= 5 and "Library" in html


# ---- the one serialiser: text cannot end the map's <script> early ---------------------------------
EVIL = "</script><script>alert(1)</script>"


class _Scripts(HTMLParser):
    """The text of every <script> element, as a browser's tokenizer splits the page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.scripts[-1] += data


def scripts_of(page: str) -> list[str]:
    parser = _Scripts()
    parser.feed(page)
    return parser.scripts


def named(ws, name: str):
    """The tiny workspace's map with every name a user or OpenStreetMap supplies set to `name`."""
    keys = engagement.road_keys(ws.layer("roads"), ws.layer("wards"))
    eng = engagement.engagement_by_road(ws.layer("participants"), ws.layer("roads"), wards=ws.layer("wards"))
    shapes = mapview.road_shapes(ws.layer("roads"), keys, {c: name for c in ws.layer("wards")["ward_code"]})
    roads = mapview.engagement_layer(shapes.assign(name=np.where(shapes["name"] != "", name, "")), eng.roads)
    lsoas = mapview.decile_layer(mapview.to_web(ws.layer("lsoas")).assign(lsoa_name=name), deciles(ws.layer("lsoas")))
    web = {k: mapview.to_web(ws.layer(k)).assign(name=name) for k in ("venues", "bus_stops", "bus_routes", "partners")}
    m = mapview.build_map(wards=mapview.to_web(ws.layer("wards")).assign(ward_name=name), lsoas=lsoas, roads=roads,
                          venues=web["venues"].assign(address=name, opening_hours=name), bus_stops=web["bus_stops"],
                          bus_routes=web["bus_routes"], partners=web["partners"],
                          options=mapview.MapOptions(attribution=name))
    raw = gpd.GeoDataFrame({"k": [""], "tip": [name], "label": [name]}, geometry=[shapely.Point(-1.2, 52.7)],
                           crs=4326)  # a layer whose properties nobody escaped
    FastGeoJson(raw, styles={"": {"html": name}}, point="div", name=name).add_to(m)
    return m


def test_a_name_holding_script_end_tags_cannot_end_the_map_script_early(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    evil, plain = named(ws, EVIL), named(ws, "Plain name")
    page = evil.get_root().render()
    assert EVIL not in page and "<script>alert" not in page.lower()
    evil_scripts, plain_scripts = scripts_of(page), scripts_of(plain.get_root().render())
    assert len(evil_scripts) == len(plain_scripts)  # no script was ended early, none was added
    assert not any(s.strip() == "alert(1)" for s in evil_scripts)
    # the names arrive intact in the browser: JSON reads the escape back; HTML properties are escaped
    layers = [c for c in evil._children.values() if isinstance(c, FastGeoJson)]
    layers += [g for c in evil._children.values() for g in getattr(c, "_children", {}).values()
               if isinstance(g, FastGeoJson)]
    props = [f["properties"] for layer in layers for f in json.loads(layer.data)["features"]]
    assert any(p.get("label") == EVIL for p in props)  # plain text (an aria-label), not HTML
    assert any(p.get("label", "").startswith(EVIL + ", ") for p in props)  # partner sites
    tips = [p["tip"] for p in props if p.get("tip") and p["tip"] != EVIL]
    assert tips and all(EVIL not in t and html_lib.escape(EVIL) in t for t in tips)
    popups = [p["popup"] for p in props if p.get("popup")]
    assert popups and all(EVIL not in p for p in popups)
    assert html_lib.escape(EVIL) in "".join(p.get("html", "") for p in props)  # ward labels
    raw = next(layer for layer in layers if layer.layer_name == EVIL)
    assert json.loads(raw.styles)[""]["html"] == EVIL


def test_script_safe_json_reads_back_the_same():
    for text in (EVIL, "</SCRIPT >", "<!-- <script>", "a</b> & <i>", "5–9 </scripts"):
        out = script_json({"t": text})
        assert json.loads(out) == {"t": text}
        assert "</script" not in out.lower() and "<script" not in out.lower() and "<!--" not in out
    assert script_json({"t": "<b>Reach</b>"}) == '{"t": "<b>Reach</b>"}'  # other HTML is left as it is


# ---- where a map opens ------------------------------------------------------------------------------
def points(xy, crs=4326):
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=crs)


def test_opening_view_first_layer_with_features():
    assert opening_view(None, (-1.0, 52.0, -0.5, 52.5), points([(0, 0)])) == (-1.0, 52.0, -0.5, 52.5)
    empty = points([])
    small = points([(-1.2, 52.6), (-1.0, 52.8)])
    minx, miny, maxx, maxy = opening_view(None, empty, small)
    assert (minx, miny, maxx, maxy) == pytest.approx((-1.21, 52.59, -0.99, 52.81))  # 5% margin each side
    x0, y0, x1, y1 = opening_view(points([(-1.2, 52.6)]))  # one point: a margin all the same
    assert x1 - x0 == pytest.approx(2 * MIN_MARGIN_DEG) and y1 - y0 == pytest.approx(2 * MIN_MARGIN_DEG)
    with pytest.raises(ValueError):
        opening_view(None, empty)


def test_opening_view_shows_every_feature_of_the_first_layer():
    rng = np.random.default_rng(1)
    town = rng.uniform([-1.25, 52.70], [-1.15, 52.80], size=(40, 2))
    lane = np.array([[-1.9, 52.2]])  # a village far out is still on the map when it opens
    minx, miny, maxx, maxy = opening_view(points(np.vstack([town, lane])), points([(0.0, 0.0)]))
    assert minx < -1.9 < -1.15 < maxx and miny < 52.2 < 52.8 < maxy


def test_opening_view_of_a_layer_in_british_national_grid():
    bng = points([(390_000, 300_000), (392_000, 302_000)], crs=27700)
    minx, miny, maxx, maxy = opening_view(bng)
    lon, lat = bng.to_crs(4326).geometry.x, bng.to_crs(4326).geometry.y
    assert minx < lon.min() < lon.max() < maxx and miny < lat.min() < lat.max() < maxy
    assert -3 < minx < -1.5 and 52 < miny < 53


def test_outreach_map_opens_on_the_roads(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    m, roads = build(ws)
    fit = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    (s, w), (n, e) = fit[0].bounds
    assert (w, s, e, n) == opening_view(roads)
