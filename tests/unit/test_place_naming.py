"""Places named on the ground (issue 12, item 14): a point by its ward and the nearest named road or
venue, a group of LSOAs by its wards, an LSOA by the ward it lies in; and the LSOA tooltips that carry
ward and population. Tiny literal geometries in EPSG:27700, answers by hand."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo.assumptions import ReachAssumptions
from geo.model import validate_workspace
from geo.out import mapview
from geo.out.labels import lsoa_context
from geo.plan import patch_plan, patch_table
from geo.plan.patch_units import make_units
from geo.plan.places import lsoa_ward_names, name_areas, name_points
from tests.conftest import tiny_layers

#: Two wards side by side, 1 km squares: Westfield (x 0-1000) and Eastgate (x 1000-2000).
WARDS = gpd.GeoDataFrame({"ward_code": ["W1", "W2"], "ward_name": ["Westfield", "Eastgate"]},
                         geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=27700)
#: High Street runs east-west along y = 500 in Westfield; an unnamed path near (150, 100); Mill Lane
#: runs north-south along x = 1500 in Eastgate.
ROADS = gpd.GeoDataFrame({"name": ["High Street", None, "Mill Lane"]},
                         geometry=[LineString([(0, 500), (1000, 500)]), LineString([(100, 100), (200, 100)]),
                                   LineString([(1500, 0), (1500, 1000)])], crs=27700)
VENUES = gpd.GeoDataFrame({"name": ["Oak Library"]}, geometry=[Point(1900, 900)], crs=27700)


def pts(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(p) for p in xy], crs=27700)


def test_a_point_is_named_by_its_ward_and_the_named_road_nearest_it():
    # (100, 520) is 20 m from High Street; (1400, 300) is 100 m from Mill Lane
    assert name_points(pts((100, 520), (1400, 300)), wards=WARDS, roads=ROADS, venues=VENUES) == [
        "Westfield, near High Street", "Eastgate, near Mill Lane"]


def test_an_unnamed_path_never_names_a_point_and_a_far_road_gives_way_to_a_venue():
    # (150, 110) is 10 m from the unnamed path and 390 m from High Street (more than 300 m): no road.
    # (1100, 900) is 400 m from Mill Lane (too far) and 800 m from Oak Library.
    assert name_points(pts((150, 110), (1100, 900)), wards=WARDS, roads=ROADS, venues=VENUES) == [
        "Westfield", "Eastgate, 800 m from Oak Library"]


def test_venue_distances_are_rounded_and_a_venue_on_the_spot_is_where_it_is():
    # 70.7 m -> "50 m"; 0 m -> "at"; 1,204 m -> "1.2 km"
    got = name_points(pts((1950, 950), (1900, 900), (1900 - 1204, 900)), wards=WARDS, venues=VENUES,
                      venue_m=2_000)
    assert got == ["Eastgate, 50 m from Oak Library", "Eastgate, at Oak Library", "Westfield, 1.2 km from Oak Library"]


def test_a_point_outside_every_ward_is_near_the_nearest_one():
    assert name_points(pts((2500, 500)), wards=WARDS) == ["near Eastgate"]
    assert name_points(pts((2500, 500)), wards=WARDS.iloc[0:0]) == ["outside the wards"]


def test_layers_in_wgs84_are_measured_in_metres():
    x0, y0 = 450_000, 318_000
    wards = WARDS.set_geometry(WARDS.geometry.translate(x0, y0))
    roads = ROADS.set_geometry(ROADS.geometry.translate(x0, y0)).to_crs(4326)
    got = name_points(pts((x0 + 100, y0 + 520)).to_crs(4326), wards=wards.to_crs(4326), roads=roads)
    assert got == ["Westfield, near High Street"]


def test_an_lsoa_lies_in_the_ward_its_code_says_else_the_ward_holding_it():
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["A", "B", "C"], "ward_code": ["W2", None, "nowhere"]},
                             geometry=[box(0, 0, 500, 1000), box(500, 0, 1000, 1000), box(1200, 0, 1800, 1000)],
                             crs=27700)
    # A: its code says Eastgate (trusted); B: no code, lies in Westfield; C: unknown code, lies in Eastgate
    assert lsoa_ward_names(lsoas, WARDS).to_dict() == {"A": "Eastgate", "B": "Westfield", "C": "Eastgate"}
    no_codes = lsoas.drop(columns=["ward_code"])
    assert lsoa_ward_names(no_codes, WARDS).to_dict() == {"A": "Westfield", "B": "Westfield", "C": "Eastgate"}


def test_a_group_of_lsoas_is_named_by_its_wards_most_areas_first_then_the_nearest_road():
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["A", "B", "C", "D"]},
                             geometry=[box(0, 0, 500, 1000), box(500, 0, 1000, 1000), box(1000, 0, 1500, 1000),
                                       box(1500, 0, 2000, 1000)], crs=27700)
    got = name_areas([["A"], ["C", "D", "B"], ["X"]], lsoas=lsoas, wards=WARDS, roads=ROADS)
    assert got[0] == "Westfield, near High Street"  # A's middle is on High Street
    assert got[1].startswith("Eastgate and Westfield, near ")  # two in Eastgate, one in Westfield
    assert got[2] == "not on the map"


def test_more_than_two_wards_are_counted_not_listed():
    wards = gpd.GeoDataFrame({"ward_code": list("PQRS"), "ward_name": ["Ash", "Beech", "Cedar", "Damson"]},
                             geometry=[box(i * 100, 0, i * 100 + 100, 100) for i in range(4)], crs=27700)
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["a1", "a2", "b", "c", "d"]},
                             geometry=[box(0, 0, 50, 100), box(50, 0, 100, 100), box(100, 0, 200, 100),
                                       box(200, 0, 300, 100), box(300, 0, 400, 100)], crs=27700)
    assert name_areas([["a1", "a2", "b", "c", "d"]], lsoas=lsoas, wards=wards) == ["Ash, Beech and 2 more"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-500, 2500), st.floats(-500, 1500)), min_size=1, max_size=12))
def test_every_point_gets_one_name_that_says_a_ward_or_that_it_is_outside(xy):
    names = name_points(pts(*xy), wards=WARDS, roads=ROADS, venues=VENUES)
    assert len(names) == len(xy)
    for (x, y), n in zip(xy, names, strict=True):
        outside = box(0, 0, 2000, 1000).distance(Point(x, y)) >= 1e-3  # within 1 mm of a ward is in it
        assert re.match(r"^(near )?(Westfield|Eastgate)(, |$)", n), n
        assert n.startswith("near ") == outside, (x, y, n)
        assert "None" not in n and "nan" not in n


def test_lsoa_tooltips_carry_ward_and_population_on_every_map():
    layers = validate_workspace(tiny_layers(), source="tiny")
    web = {k: mapview.to_web(v) for k, v in layers.items() if k != "participants"}
    assert lsoa_context(web["lsoas"], web["wards"])[2] == (("Ward", "Eastgate"), ("Population", "1,400"))
    m = mapview.build_map(wards=web["wards"], lsoas=mapview.decile_layer(web["lsoas"], np.array([1.0, 2, 5, 9])),
                          roads=None, venues=None, bus_stops=None, bus_routes=None, partners=None)
    html = m.get_root().render()
    for ward, pop in [("Westfield", "1,500"), ("Westfield", "1,600"), ("Eastgate", "1,400"), ("Eastgate", "1,700")]:
        assert f"<b>Ward</b>: {ward}<br><b>Population</b>: {pop}" in html
    gaps = web["lsoas"].assign(top=[True, False, False, False], rank=[1, 2, 3, 4], score=[0.9, 0.5, 0.2, 0.1],
                               reason="why")
    gm = mapview.gap_map(wards=web["wards"], lsoas=gaps, roads=None, venues=None)
    assert "<b>Ward</b>: Westfield<br><b>Population</b>: 1,500" in gm.get_root().render()


def test_a_missing_population_or_ward_reads_not_known():
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["A"], "population": [pd.NA]}, geometry=[box(5000, 0, 5100, 100)],
                             crs=27700)
    assert lsoa_context(lsoas, WARDS) == [(("Ward", "not known"), ("Population", "not known"))]
    assert lsoa_context(lsoas, None) == [(("Ward", "not known"), ("Population", "not known"))]


def test_a_patch_base_that_is_no_venue_is_named_on_the_ground():
    layers = validate_workspace(tiny_layers(), source="tiny")
    lsoas = layers["lsoas"]
    units = make_units(lsoas, pd.DataFrame({"lsoa_code": lsoas["lsoa_code"], "caseload": 10.0}))
    plan = patch_plan.PatchPlan(assignment=dict.fromkeys(lsoas["lsoa_code"], "P1"), labels=("P1",), lower=0.0,
                                upper=100.0)
    table, _ = patch_table.patch_table(units, plan, lsoas=lsoas, assumptions=ReachAssumptions(),
                                       roads=layers["roads"], wards=layers["wards"])
    # the most central of the four LSOA points, named by its ward and nearest named road; code kept
    assert re.fullmatch(r"(Westfield|Eastgate), near (Mill Lane|Church Street), centre of E0190000\d "
                        r"\(no venue in the patch\)", table["base"].iloc[0]), table["base"].iloc[0]
    # without wards (an older caller) the base reads as before
    table, _ = patch_table.patch_table(units, plan, lsoas=lsoas, assumptions=ReachAssumptions())
    assert re.fullmatch(r"centre of E0190000\d \(no venue in the patch\)", table["base"].iloc[0])


def test_uncovered_pockets_are_named_from_their_codes():
    # hubs.uncovered_pockets lists each pocket's codes joined by ", "; the Hubs page names them so
    layers = validate_workspace(tiny_layers(), source="tiny")
    got = name_areas([["E01900001", "E01900003"]], lsoas=layers["lsoas"], wards=layers["wards"],
                     roads=layers["roads"], venues=layers["venues"])
    assert got == ["Eastgate and Westfield, near Mill Lane"]  # one LSOA each (alphabetical); Mill Lane at y+250
