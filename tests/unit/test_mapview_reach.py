"""Reach colouring, catchment rings and the gaps map: web-ready, labelled estimates, nothing off-machine."""

import numpy as np

from geo import io
from geo.analyse import engagement
from geo.analyse.catchment import catchment
from geo.analyse.gaps import gap_table
from geo.analyse.reach import compute_reach, reach_by_road
from geo.out import mapview


def test_reach_layers_catchment_and_gap_map(tiny_workspace_path):
    ws = io.read_workspace(tiny_workspace_path)
    roads, wards, lsoas = ws.layer("roads"), ws.layer("wards"), ws.layer("lsoas")
    keys = engagement.road_keys(roads, wards)
    result = compute_reach(roads, ws.layer("venues"), lsoas=lsoas)
    per_road = reach_by_road(result, roads, keys)
    shapes = mapview.road_shapes(roads, keys, dict(zip(wards["ward_code"], wards["ward_name"])))
    web_roads = mapview.reach_road_layer(shapes, per_road, mode="walk")
    church = web_roads[web_roads["name"] == "Church Street"].iloc[0]
    assert church["estimate"] and "(estimate) (walking)" in church["reach_text"]  # not joined: straight line
    mill = web_roads[web_roads["road_key"] == "E05900001|Mill Lane"].iloc[0]
    assert mill["band"] == "<10" and not mill["estimate"] and mill["reach_text"].startswith("2 min (walking)")
    web_lsoas = mapview.reach_lsoa_layer(mapview.to_web(lsoas), result.lsoas, mode="best")
    assert set(web_lsoas["band"]) <= {"<10", "10–20", "20–30", "30+", "no data"}

    m = mapview.build_map(wards=mapview.to_web(wards), lsoas=web_lsoas, roads=web_roads,
                          venues=mapview.to_web(ws.layer("venues")), bus_stops=None, bus_routes=None, partners=None,
                          options=mapview.MapOptions(colour_by="reach"))
    html = m.get_root().render()
    assert "Reach</b>: 2 min (walking)" in html and "Participants</b>" not in html
    assert '"dashArray": "6 4"' in html  # estimated roads are dashed
    assert mapview.external_urls(m) == []

    rings = catchment(None, np.array([ws.layer("venues").geometry.iloc[0].coords[0]]))
    group = mapview.catchment_group(mapview.to_web(rings), venue_name="Westfield Library")
    m.add_child(group)
    html = m.get_root().render()
    assert "within 10 min walk (straight-line estimate)" in html

    table = gap_table(lsoas, result.lsoas, None)
    info = table.set_index("lsoa_code")
    gl = mapview.to_web(lsoas)
    gl = gl.assign(rank=gl["lsoa_code"].map(info["rank"]), score=gl["lsoa_code"].map(info["score"]),
                   reason=gl["lsoa_code"].map(info["reason"]), top=gl["lsoa_code"].map(info["rank"]) <= 2)
    gm = mapview.gap_map(wards=mapview.to_web(wards), lsoas=gl, roads=None, venues=mapview.to_web(ws.layer("venues")))
    html = gm.get_root().render()
    top = table["lsoa_code"].iloc[0]
    assert f"#1 {lsoas.set_index('lsoa_code').loc[top, 'lsoa_name']}" in html
    assert mapview.external_urls(gm) == [] and "pid0" not in html
