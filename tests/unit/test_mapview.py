"""The map sends aggregates only, loads nothing from other hosts, and draws all five layers."""

import re

import numpy as np

from geo.analyse import engagement
from geo import io
from geo.out import mapview
from geo.analyse.deprivation import deciles


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
    m, roads = build(ws)
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
