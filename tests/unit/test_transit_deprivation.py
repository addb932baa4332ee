import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.analyse.deprivation import available_indices, decile_column, most_deprived
from geo.analyse.transit import near_stops


def test_near_stops_by_hand():
    venues = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1000, 0), Point(0, 401)], crs=27700)
    stops = gpd.GeoDataFrame(geometry=[Point(300, 0), Point(0, 0)], crs=27700)
    assert list(near_stops(venues, stops, radius_m=400)) == [True, False, False]
    assert list(near_stops(venues, stops.iloc[0:0], radius_m=400)) == [False, False, False]


def test_most_deprived_by_hand():
    lsoas = gpd.GeoDataFrame({"imd_decile": [1, 2, 3, None, 10], "income_decile": [5] * 5},
                             geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    c = most_deprived(lsoas, max_decile=2)
    assert (c.lsoas, c.total) == (2, 4)
    assert available_indices(lsoas) == ["imd", "income"]
    with pytest.raises(ValueError):
        decile_column("wealth")
