"""Hubs: maximal covering equals brute force, fixed hubs stay, satellites, swaps, travel times, exports."""

from __future__ import annotations

import io as _io

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from geo.assumptions import ReachAssumptions
from geo.model import DataError
from geo.out import gpkg, plan_layers, plan_tables
from geo.plan import covering, hubs
from geo.plan import lsoa_travel as travel
from geo.plan.need import need_notes, need_table
from geo.plan.patch_units import lsoa_adjacency
from tests.conftest import tiny_layers

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")
REACH = ReachAssumptions()


def _cover(rows: list[list[int]], m: int) -> sp.csr_matrix:
    data = [(i, j) for i, cols in enumerate(rows) for j in cols]
    r, c = zip(*data) if data else ((), ())
    return sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(len(rows), m))


# A hand-made instance: 8 places, 5 candidate venues. The best single venue (2) is not part of the best
# pair (0 + 4), so greedy choice would go wrong for k=2.
NEED = np.array([10, 10, 10, 8, 8, 8, 3, 1], dtype=float)
COVER = _cover([[0, 2], [0, 2], [0], [4, 2], [4, 2], [4], [1, 2], [3]], 5)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_milp_equals_brute_force_on_hand_made_instance(k):
    sol = covering.max_cover(NEED, COVER, k=k)
    _, value = covering.brute_force_cover(NEED, COVER, k=k)
    assert sol.value == pytest.approx(value)
    assert len(sol.chosen) == k and sol.optimal and sol.gap == 0
    assert sol.bound == pytest.approx(value)
    if k == 2:
        assert set(sol.chosen) == {0, 4} and value == 54  # 30 + 24; greedy would take venue 2 first


def test_fixed_hubs_stay_chosen_even_when_poor():
    sol = covering.max_cover(NEED, COVER, k=2, fixed=[3])  # venue 3 covers only 1 need
    assert 3 in sol.chosen and len(sol.chosen) == 2
    assert sol.chosen[0] == 3  # fixed first
    _, value = covering.brute_force_cover(NEED, COVER, k=2, fixed=[3])
    assert sol.value == pytest.approx(value) == 1 + 39  # venue 3 plus the best single venue (2)


def test_more_fixed_hubs_than_asked_is_a_clear_error():
    with pytest.raises(DataError, match=r"2 hubs are already in place but only 1 hubs"):
        covering.max_cover(NEED, COVER, k=1, fixed=[0, 1])


def test_allowed_kinds_restrict_the_choice():
    allowed = np.array([True, True, False, True, True])
    sol = covering.max_cover(NEED, COVER, k=1, allowed=allowed)
    assert sol.chosen == (0,) or sol.chosen == (4,)
    assert sol.value == pytest.approx(30)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_milp_matches_brute_force_on_random_instances(data):
    n = data.draw(st.integers(3, 9))
    m = data.draw(st.integers(2, 6))
    dense = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n)))
    need = np.array(data.draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), dtype=float)
    k = data.draw(st.integers(1, m))
    fixed = data.draw(st.lists(st.integers(0, m - 1), max_size=min(2, k), unique=True))
    cover = sp.csr_matrix(dense)
    sol = covering.max_cover(need, cover, k=k, fixed=fixed)
    _, value = covering.brute_force_cover(need, cover, k=k, fixed=fixed)
    assert sol.value == pytest.approx(value)
    assert set(fixed) <= set(sol.chosen) and len(sol.chosen) == k


# ------------------------------------------------------------------------------------------- on layers


@pytest.fixture(scope="module")
def grid():
    """3 x 3 LSOAs of 1 km; venues at five cell centres; need highest in the south-west corner."""
    cells, codes = [], []
    for r in range(3):
        for c in range(3):
            cells.append(box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000))
            codes.append(f"E0100000{r * 3 + c}")
    lsoas = gpd.GeoDataFrame({"lsoa_code": codes, "lsoa_name": codes, "population": 1500,
                              "working_age": [1000, 900, 800, 700, 600, 500, 400, 300, 200],
                              "imd_decile": [1, 1, 2, 3, 5, 5, 8, 9, 10]},
                             geometry=cells, crs=27700)
    venues = gpd.GeoDataFrame({"venue_id": ["a", "b", "c", "d", "e"], "name": ["A", "B", "C", "D", "E"],
                               "kind": ["library", "library", "church_hall", "library", "school"]},
                              geometry=[Point(500, 500), Point(2500, 500), Point(1500, 1500), Point(500, 2500),
                                        Point(2500, 2500)], crs=27700)
    return lsoas, venues


def test_need_weights_deprivation():
    table = need_table(pd.DataFrame({"lsoa_code": ["a", "b", "c"], "working_age": [100, 100, None],
                                         "population": [0, 0, 200], "imd_decile": [1, 10, None]}))
    assert table["weight"].tolist() == [1.0, pytest.approx(0.1), 0.5]
    assert table["need"].tolist() == [100.0, pytest.approx(10.0), pytest.approx(200 * 0.62 * 0.5)]
    assert table["working_age_estimated"].tolist() == [False, False, True]
    assert any("no deprivation decile" in n for n in need_notes(table))


def test_straight_line_times_are_labelled_estimates(grid):
    lsoas, venues = grid
    tt = travel.travel_times(lsoas, venues, max_minutes=30, assumptions=REACH)
    assert not tt.network and tt.estimate and tt.pair_estimate.all()
    assert any("straight-line distance × 1.3" in a for a in tt.assumptions)
    # cell 0's point is its centre (500, 500): venue a is there (0 min), venue c is 1,414 m away
    pairs = dict(zip(zip(tt.rows, tt.cols), tt.minutes))
    assert pairs[(0, 0)] == pytest.approx(0.0)
    assert pairs[(0, 2)] == pytest.approx(1.3 * np.hypot(1000, 1000) / 80)
    assert (0, 4) not in pairs or pairs[(0, 4)] <= 30  # only pairs within the horizon are kept
    cover = tt.cover(15)
    assert cover[0, 0] and not cover[0, 1]  # 2 km × 1.3 = 32.5 min > 15


def test_plan_hubs_fixed_kinds_satellites_and_swap(grid):
    lsoas, venues = grid
    need = need_table(lsoas)
    tt = travel.travel_times(lsoas, venues, max_minutes=40, assumptions=REACH)
    s = hubs.HubSettings(n_hubs=2, budget_min=17, kinds=("library",), fixed=("e",), n_satellites=2,
                         satellite_budget_min=17, satellite_kinds=(), min_satellite_need=1)
    plan = hubs.plan_hubs(need, tt, venues, s)
    assert "e" in plan.hubs and plan.hubs[0] == "e"  # fixed (a school, not a chosen kind) stays
    assert set(plan.hubs) == {"e", "a"}  # 'a' serves the most deprived corner
    assert plan.optimal and plan.bound == pytest.approx(plan.hub_need)
    t = plan.lsoas.set_index("lsoa_code")
    assert t.loc["E01000000", "site"] == "a" and t.loc["E01000000", "served_by"] == hubs.HUB
    # satellites only serve what hubs leave uncovered, and are not hubs
    assert not set(plan.satellites) & set(plan.hubs)
    assert (plan.lsoas.loc[plan.lsoas["served_by"] == hubs.SATELLITE, "site"].isin(plan.satellites)).all()
    assert plan.total_need == pytest.approx(need["need"].sum())
    assert plan.covered_share >= plan.hub_share

    swapped = hubs.swap_hub(plan, need, tt, out="a", into="d")
    assert swapped.hubs == ("e", "d") and swapped.edited and swapped.bound == plan.bound
    assert swapped.hub_need < plan.hub_need  # d is in the least deprived corner
    assert swapped.gap > 0
    with pytest.raises(DataError, match="already a hub"):
        hubs.swap_hub(swapped, need, tt, out="d", into="e")

    adj, _ = lsoa_adjacency(lsoas)
    pockets = hubs.uncovered_pockets(plan, adj)
    uncovered = set(plan.lsoas.loc[plan.lsoas["served_by"] == hubs.NONE, "lsoa_code"])
    assert pockets["n_lsoas"].sum() == len(uncovered)

    payload = hubs.plan_payload(swapped)
    again = hubs.plan_from_payload(payload, need, tt)
    assert again.hubs == swapped.hubs and again.hub_need == pytest.approx(swapped.hub_need)


def test_budgets_outside_the_horizon_are_refused(grid):
    lsoas, venues = grid
    tt = travel.travel_times(lsoas, venues, max_minutes=20, assumptions=REACH)
    with pytest.raises(DataError, match="between 1 and 20 minutes"):
        hubs.plan_hubs(need_table(lsoas), tt, venues, hubs.HubSettings(budget_min=30, satellite_budget_min=10))


def test_network_times_on_tiny_roads_are_no_shorter_than_straight_lines():
    layers = tiny_layers()
    tt = travel.travel_times(layers["lsoas"], layers["venues"], roads=layers["roads"], max_minutes=60,
                             assumptions=REACH)
    assert tt.network
    straight = np.hypot(*(tt.origin_xy[tt.rows] - tt.candidate_xy[tt.cols]).T) / 80
    net = ~tt.pair_estimate
    assert net.any()
    assert (tt.minutes[net] >= straight[net] - 1e-6).all()


def test_exports_open_as_geopackage_and_csv(grid):
    lsoas, venues = grid
    need = need_table(lsoas)
    tt = travel.travel_times(lsoas, venues, max_minutes=30, assumptions=REACH)
    plan = hubs.plan_hubs(need, tt, venues, hubs.HubSettings(n_hubs=2, budget_min=15, n_satellites=1,
                                                             satellite_budget_min=15, min_satellite_need=0))
    data = gpkg.gpkg_bytes(plan_tables.hub_frames(plan, lsoas, venues, attribution="test data"))
    layers = {name: kind for name, kind in pyogrio.list_layers(_io.BytesIO(data))}
    assert layers == {"hub_sites": "Point", "hub_lsoas": "Polygon", "hub_catchments": "Polygon", "about": None}
    sites = pyogrio.read_dataframe(_io.BytesIO(data), layer="hub_sites")
    assert sorted(sites["venue_id"]) == sorted(plan.hubs + plan.satellites)
    assert sites.crs.to_epsg() == 27700
    areas = pyogrio.read_dataframe(_io.BytesIO(data), layer="hub_lsoas")
    assert len(areas) == 9 and set(areas["served_by"]) <= {"hub", "satellite", "none"}
    about = pyogrio.read_dataframe(_io.BytesIO(data), layer="about")
    assert "test data" in about["value"].tolist()
    text = plan_tables.hub_csv_bytes(plan, venues).decode("utf-8")
    assert text.startswith("\ufeff# Patchwork hub plan") and "straight-line" in text
    table = pd.read_csv(_io.StringIO(text.lstrip("\ufeff")), comment="#")
    assert len(table) == 9 and {"lsoa_code", "served_by", "site", "site_name", "minutes"} <= set(table.columns)


def test_colour_groups_differ_for_touching_groups(grid):
    lsoas, _ = grid
    adj, _ = lsoa_adjacency(lsoas)
    labels = ["x", "x", "y", "z", "x", "y", "z", "z", None]
    col = plan_layers.colour_groups(labels, adj)
    coo = adj.tocoo()
    for i, j in zip(coo.row, coo.col):
        if labels[i] and labels[j] and labels[i] != labels[j]:
            assert col[labels[i]] != col[labels[j]]
