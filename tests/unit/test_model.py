"""Schema validation: every problem named with its row, column and a fix."""

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo.model import SCHEMAS, DataError, validate_layer, validate_workspace

SQ = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])

GOOD = {
    "wards": ({"ward_code": ["E05000001"], "ward_name": ["North"]}, [SQ]),
    "lsoas": ({"lsoa_code": ["E01000001"], "population": ["1,500"]}, [SQ]),
    "roads": ({"road_id": ["r1"], "name": ["Mill Lane"]}, [LineString([(0, 0), (1, 1)])]),
    "participants": ({"participant_id": ["p1"], "enrolled_on": ["2024-03-01"]}, [Point(0, 0)]),
    "venues": ({"venue_id": ["v1"], "name": ["Library"], "kind": ["library"]}, [Point(0, 0)]),
    "bus_stops": ({"stop_id": ["s1"], "name": ["Green"]}, [Point(0, 0)]),
    "bus_routes": ({"route_id": ["1"], "name": ["Town"]}, [LineString([(0, 0), (1, 1)])]),
    "partners": ({"partner_id": ["pt1"], "name": ["JCP"], "kind": ["jobcentre_plus"]}, [Point(0, 0)]),
}
GOOD["venues_outside"], GOOD["partners_outside"], GOOD["wards_older"] = GOOD["venues"], GOOD["partners"], GOOD["wards"]
WRONG_GEOM = {"Polygon": Point(0, 0), "LineString": Point(0, 0), "Point": LineString([(0, 0), (1, 1)])}


def frame(layer, **over):
    cols, geoms = GOOD[layer]
    data = {**cols, **over}
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:27700")


@pytest.mark.parametrize("layer", list(SCHEMAS))
def test_good_layer_passes(layer):
    out = validate_layer(frame(layer), layer)
    assert len(out) == 1 and out.crs.to_epsg() == 27700


@pytest.mark.parametrize("layer", list(SCHEMAS))
def test_missing_column_named(layer):
    required = SCHEMAS[layer].required[-1]
    f = frame(layer).drop(columns=[required])
    with pytest.raises(DataError) as err:
        validate_layer(f, layer, source="my.gpkg")
    assert f"column '{required}'" in str(err.value) and "my.gpkg" in str(err.value)
    assert "Fix:" in str(err.value)


@pytest.mark.parametrize("layer", list(SCHEMAS))
def test_wrong_geometry_type_named(layer):
    cols, _ = GOOD[layer]
    f = gpd.GeoDataFrame(cols, geometry=[WRONG_GEOM[SCHEMAS[layer].geometry]], crs="EPSG:27700")
    with pytest.raises(DataError) as err:
        validate_layer(f, layer)
    assert "row 1" in str(err.value) and f"expected {SCHEMAS[layer].geometry}" in str(err.value)


@pytest.mark.parametrize("layer", list(SCHEMAS))
def test_empty_layer_rejected(layer):
    f = frame(layer).iloc[0:0]
    with pytest.raises(DataError) as err:
        validate_layer(f, layer)
    assert "has no rows" in str(err.value)


def test_every_problem_listed_at_once():
    f = gpd.GeoDataFrame(
        {"lsoa_code": ["E01000001", "E01000001", None], "population": ["12x", "900", "1,000"]},
        geometry=[SQ, SQ, SQ], crs="EPSG:27700")
    with pytest.raises(DataError) as err:
        validate_layer(f, "lsoas", source="lsoas.csv")
    text = str(err.value)
    assert "row 1, column 'population': value '12x' is not a valid int" in text
    assert "row 2, column 'lsoa_code': identifier 'E01000001' appears more than once" in text
    assert "row 3, column 'lsoa_code': required value is blank" in text
    assert len(err.value.problems) == 3


def test_thousands_separators_and_crs_reprojected():
    f = frame("lsoas").to_crs(27700)
    f = gpd.GeoDataFrame({"lsoa_code": ["E01000001"], "population": ["29,199"]},
                         geometry=[Point(-2.1, 52.6).buffer(0.01)], crs="EPSG:4326")
    out = validate_layer(f, "lsoas")
    assert out["population"].iloc[0] == 29199
    assert out.crs.to_epsg() == 27700
    x, y = out.geometry.iloc[0].centroid.coords[0]
    assert 380_000 < x < 400_000 and 290_000 < y < 310_000


def test_missing_crs_named():
    f = frame("wards").set_crs(None, allow_override=True)
    with pytest.raises(DataError, match="no coordinate reference system"):
        validate_layer(f, "wards")


def test_workspace_needs_wards_and_lsoas():
    with pytest.raises(DataError) as err:
        validate_workspace({"venues": frame("venues")}, source="ws.gpkg")
    assert "no 'wards' layer" in str(err.value) and "no 'lsoas' layer" in str(err.value)
