"""Gap scores, roads by LSOA, KPIs and per-area counts, checked by hand."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo.analyse.engagement import engagement_by_road
from geo.analyse.gaps import (
    OUTSIDE,
    deprived_within_minutes,
    display_counts,
    gap_table,
    outcome_funnel,
    pct_roads_engaged_by_lsoa,
    referral_sources,
    road_lsoas,
    roads_engaged_deprived_vs_elsewhere,
    unengaged_roads,
)
from geo.assumptions import GapWeights
from geo.model import DataError

W = "EPSG:27700"

LSOAS = gpd.GeoDataFrame(
    {"lsoa_code": ["A", "B", "C"], "lsoa_name": ["Alpha", "Beta", "Gamma"], "population": [1600, 900, 1700],
     "working_age": [1000, 500, 1000], "imd_decile": [1, 5, 10], "income_decile": [3, 1, 10],
     "ward_code": ["W1", "W1", "W2"]},
    geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)], crs=W)
REACH = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "best_min": [30.0, 15.0, 60.0],
                      "estimate": [False, True, False]})
ROADS = pd.DataFrame({
    "road_key": [f"W1|A{i}" for i in range(4)] + ["W1|B0", "W1|B1", "W2|C0"],
    "name": [f"A{i}" for i in range(4)] + ["B0", "B1", "C0"],
    "ward_code": ["W1"] * 6 + ["W2"],
    "households": [10, 40, 20, 30, 5, 50, 7],
    "participants": [2, 0, 0, 0, 0, 0, 0],
    "engaged": [True, False, False, False, False, False, False],
    "lsoa_code": ["A"] * 4 + ["B"] * 2 + ["C"],
})


def test_gap_score_by_hand():
    # Parts (deprivation, population, reach, engagement) and default weights 1, 0.25, 1, 1:
    # A: 1, 1, 30/30=1, 3/4=0.75   need (1+0.25)/1.25 = 1      lack (1+0.75)/2 = 0.875  score 0.875
    # B: 5/9, 0.5, 15/30=0.5, 1    need (5/9+0.125)/1.25       lack 0.75                score 0.40833
    # C: 0, 1, 1, 1                need 0.25/1.25 = 0.2        lack 1                   score 0.2
    t = gap_table(LSOAS, REACH, ROADS)
    assert list(t["lsoa_code"]) == ["A", "B", "C"] and list(t["rank"]) == [1, 2, 3]
    t = t.set_index("lsoa_code")
    assert t.loc["A", "score"] == pytest.approx(0.875)
    assert t.loc["B", "need"] == pytest.approx((5 / 9 + 0.125) / 1.25)
    assert t.loc["B", "score"] == pytest.approx((5 / 9 + 0.125) / 1.25 * 0.75)
    assert t.loc["C", "score"] == pytest.approx(0.2)
    assert t.loc["A", "engagement"] == pytest.approx(0.75) and t.loc["B", "reach"] == pytest.approx(0.5)
    assert t.loc["A", "reason"] == "decile 1, 30 min to the nearest venue, 1 of 4 roads engaged"
    assert t.loc["B", "reason"] == "decile 5, 15 min to the nearest venue (estimate), 0 of 2 roads engaged"
    for part in ("deprivation", "population", "reach", "engagement", "need", "lack", "score"):
        assert t[part].between(0, 1).all()


def test_weights_change_the_order():
    # Population only for need: A 1 x 0.875, B 0.5 x 0.75, C 1 x 1 -> C, A, B.
    t = gap_table(LSOAS, REACH, ROADS, weights=GapWeights(deprivation=0, population=1))
    assert list(t["lsoa_code"]) == ["C", "A", "B"]
    # Deprivation and population equal: need A 1, B (5/9 + 0.5)/2 = 0.528, C 0.5;
    # lack as before (A 0.875, B 0.75, C 1): scores A 0.875, B 0.396, C 0.5 -> A, C, B.
    t = gap_table(LSOAS, REACH, ROADS, weights=GapWeights(population=1))
    assert list(t["lsoa_code"]) == ["A", "C", "B"]


def test_domain_decile_and_missing_engagement():
    t = gap_table(LSOAS, REACH, None, index="income").set_index("lsoa_code")
    assert t.loc["B", "deprivation"] == pytest.approx(1.0)
    assert t.loc["B", "reason"] == "income decile 1, 15 min to the nearest venue (estimate), no engagement data"
    # No engagement data: lack is reach alone.
    assert t.loc["B", "lack"] == pytest.approx(0.5)
    assert np.isnan(t.loc["B", "engagement"])


@pytest.mark.parametrize("kw, field, msg", [
    ({"reach": -1}, "reach", "a number at least 0"),
    ({"deprivation": float("nan")}, "deprivation", "a number at least 0"),
    ({"engagement": "1"}, "engagement", "a number at least 0"),
    ({"deprivation": 0, "population": 0}, "deprivation", "need weight"),
    ({"reach": 0, "engagement": 0}, "reach", "lack weight"),
    ({"reach_full_minutes": 0}, "reach_full_minutes", "Minutes at which reach counts as fully lacking"),
])
def test_invalid_weights_rejected(kw, field, msg):
    # GapWeights refuses them when made (a DataError naming the field), so gap_table never sees them
    with pytest.raises(DataError, match=msg) as err:
        GapWeights(**kw)
    assert [p.column for p in err.value.problems] == [field]


def test_unreachable_counts_as_full_lack_of_reach():
    reach = REACH.assign(best_min=[np.inf, 15.0, 60.0])
    t = gap_table(LSOAS, reach, ROADS).set_index("lsoa_code")
    assert t.loc["A", "reach"] == 1.0 and "no venue reachable" in t.loc["A", "reason"]


def test_unengaged_roads_ordered_by_deprivation_then_households():
    t = unengaged_roads(ROADS, LSOAS)
    assert list(t["road_key"]) == ["W1|A1", "W1|A3", "W1|A2", "W1|B1", "W1|B0", "W2|C0"]
    assert list(t.columns) == ["road_key", "name", "ward_code", "lsoa_code", "decile", "households"]
    by_income = unengaged_roads(ROADS, LSOAS, index="income")
    assert by_income["lsoa_code"].iloc[0] == "B"


def test_road_goes_to_lsoa_with_its_longest_part():
    # "Long Road" (one ward): 300 m in A, 100 m in B -> A. "Short Lane": all in B. One participant
    # on Short Lane.
    roads = gpd.GeoDataFrame(
        {"road_id": ["1", "2", "3", "4"], "name": ["Long Road", "Long Road", "Long Road", "Short Lane"],
         "ward_code": ["W1"] * 4},
        geometry=[LineString([(700, 500), (900, 500)]), LineString([(900, 500), (1000, 500)]),
                  LineString([(1000, 500), (1100, 500)]), LineString([(1500, 200), (1500, 400)])], crs=W)
    people = gpd.GeoDataFrame({"participant_id": ["p1"], "enrolled_on": pd.to_datetime(["2024-01-01"])},
                              geometry=[Point(1505, 300)], crs=W)
    eng = engagement_by_road(people, roads)
    t = road_lsoas(roads, eng, LSOAS).set_index("road_key")
    assert t.loc["W1|Long Road", "lsoa_code"] == "A" and t.loc["W1|Short Lane", "lsoa_code"] == "B"
    pct = pct_roads_engaged_by_lsoa(t.reset_index()).set_index("lsoa_code")
    assert pct.loc["A", "roads"] == 1 and pct.loc["A", "roads_engaged"] == 0
    assert pct.loc["B", "pct_engaged"] == 100.0


def test_kpi_deprived_within_15_minutes():
    lsoas = LSOAS.assign(imd_decile=[1, 2, 3])
    reach = REACH.assign(best_min=[10.0, 20.0, 5.0])
    k = deprived_within_minutes(lsoas, reach)
    # Deprived (decile <= 2): A (1000) and B (500); within 15 min: A only -> 1000 of 1500.
    assert (k.numerator, k.denominator) == (1000, 1500) and k.share == pytest.approx(2 / 3)
    assert k.estimate  # B's time is an estimate
    assert deprived_within_minutes(lsoas, reach, minutes=25).numerator == 1500


def test_kpi_roads_engaged_deprived_vs_elsewhere():
    t = roads_engaged_deprived_vs_elsewhere(ROADS, LSOAS).set_index("group")
    assert t.loc["deprived", "roads"] == 4 and t.loc["deprived", "roads_engaged"] == 1
    assert t.loc["deprived", "pct_engaged"] == 25.0
    assert t.loc["elsewhere", "roads"] == 3 and t.loc["elsewhere", "pct_engaged"] == 0.0


def people_in_areas():
    pts = [(100, 100)] * 6 + [(1500, 500)] * 2 + [(5000, 5000)]
    return gpd.GeoDataFrame({
        "participant_id": [f"p{i}" for i in range(9)],
        "enrolled_on": pd.to_datetime(["2024-01-01"] * 9),
        "embedded": [True, True, True, True, False, False, True, False, True],
        "job_start_on": pd.to_datetime(["2024-03-01", "2024-04-01", None, None, None, None, "2024-05-01", None, None]),
        "sustained_13w": [True, False, None, None, None, None, True, None, None],
        "referral_source": ["Leaflet or event"] * 3 + ["Jobcentre Plus", None, "Radio", "Friends and family",
                                                        "Friends and family", "Leaflet or event"],
    }, geometry=[Point(p) for p in pts], crs=W)


def test_outcome_funnel_by_area():
    f = outcome_funnel(people_in_areas(), LSOAS).set_index("lsoa_code")
    assert list(f.index) == ["A", "B", "C", OUTSIDE]
    assert f.loc["A"].tolist() == [6, 4, 2, 1]
    assert f.loc["B"].tolist() == [2, 1, 1, 1]
    assert f.loc["C"].tolist() == [0, 0, 0, 0]
    assert f.loc[OUTSIDE].tolist() == [1, 1, 0, 0]
    shown = display_counts(f.reset_index())
    assert shown.set_index("lsoa_code").loc["A"].tolist() == ["6", "<5", "<5", "<5"]
    assert shown.set_index("lsoa_code").loc["C", "engaged"] == "0"


def test_referral_sources_by_ward():
    r = referral_sources(people_in_areas(), LSOAS.dissolve("ward_code").reset_index(), code_col="ward_code")
    r = r.set_index("ward_code")
    assert list(r.columns) == ["Leaflet or event", "Another organisation", "Friends and family", "Jobcentre Plus",
                               "Social media", "Radio", "Not recorded"]
    assert r.loc["W1"].tolist() == [3, 0, 2, 1, 0, 1, 1]
    assert r.loc[OUTSIDE, "Leaflet or event"] == 1
    assert r.loc["W2"].sum() == 0
