"""geo.analyse.adjacency: rook needs a shared border, queen a touch; the tolerance; islands joined."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo.analyse.adjacency import adjacency, join_pieces
from geo.model import DataError


def squares(*cells: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"u{i}" for i in range(len(cells))]}, geometry=[box(*c) for c in cells],
                            crs=27700)


def neighbours(frame: gpd.GeoDataFrame, rule: str, **kw: float) -> set[frozenset[str]]:
    adj = adjacency(frame, id_col="code", rule=rule, **kw)  # type: ignore[arg-type]
    return {frozenset((a, b)) for a, nb in adj.as_sets().items() for b in nb}


CORNER = squares((0, 0, 100, 100), (100, 100, 200, 200))
EDGE = squares((0, 0, 100, 100), (100, 0, 200, 100))


def test_squares_touching_only_at_a_corner_are_queen_not_rook_neighbours():
    assert neighbours(CORNER, "rook") == set()
    assert neighbours(CORNER, "queen") == {frozenset(("u0", "u1"))}


def test_squares_sharing_an_edge_are_rook_and_queen_neighbours():
    assert neighbours(EDGE, "rook") == neighbours(EDGE, "queen") == {frozenset(("u0", "u1"))}
    half = squares((0, 0, 100, 100), (100, 50, 200, 150))  # half an edge (50 m) is still a border
    assert neighbours(half, "rook") == {frozenset(("u0", "u1"))}


def test_a_tiny_shared_edge_counts_as_a_corner():
    # Snapping left the two squares sharing 1e-9 m of edge: shorter than min_shared_m (1 m), so a point touch.
    tiny = squares((0, 0, 100, 100), (100, 100 - 1e-9, 200, 200))
    assert neighbours(tiny, "rook") == set()
    assert neighbours(tiny, "queen") == {frozenset(("u0", "u1"))}
    # a 2 m edge is a border; asking for more border than that makes it a point again
    short = squares((0, 0, 100, 100), (100, 98, 200, 200))
    assert neighbours(short, "rook") == {frozenset(("u0", "u1"))}
    assert neighbours(short, "rook", min_shared_m=5.0) == set()


def test_slivers_within_the_tolerance_still_touch():
    gap = squares((0, 0, 100, 100), (100.5, 0, 200, 100))  # 0.5 m apart: generalised boundaries
    assert neighbours(gap, "rook") == {frozenset(("u0", "u1"))}
    assert neighbours(gap, "rook", tolerance_m=0.1) == set()
    far_corner = squares((0, 0, 100, 100), (100.5, 100.5, 200, 200))
    assert neighbours(far_corner, "rook") == set() and neighbours(far_corner, "queen") != set()


def test_bad_options_are_data_errors_naming_the_field():
    with pytest.raises(DataError, match="rule must be 'rook' or 'queen'"):
        adjacency(EDGE, id_col="code", rule="bishop")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="tolerance_m"):
        adjacency(EDGE, id_col="code", rule="rook", tolerance_m=-1)
    with pytest.raises(DataError, match="not metres"):
        adjacency(EDGE.to_crs(4326), id_col="code", rule="rook")
    assert adjacency(EDGE.iloc[:0], id_col="code", rule="queen").matrix.shape == (0, 0)


def test_islands_are_joined_to_the_nearest_polygon():
    frame = squares((0, 0, 100, 100), (100, 0, 200, 100), (500, 0, 600, 100))
    adj, links = join_pieces(adjacency(frame, id_col="code", rule="rook"), frame)
    assert [(lk.a, lk.b, lk.gap_m) for lk in links] == [(2, 1, 300.0)]
    assert adj.parts(["u0", "u1", "u2"]) == [["u0", "u1", "u2"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 2), st.integers(1, 2)),
                min_size=1, max_size=9, unique_by=lambda t: (t[0], t[1])))
def test_rook_is_within_queen_symmetric_and_without_self_loops(cells):
    frame = squares(*[(100 * x, 100 * y, 100 * (x + w), 100 * (y + h)) for x, y, w, h in cells])
    assume(shapely.area(shapely.union_all(frame.geometry.values)) == pytest.approx(frame.area.sum()))  # no overlaps
    rook = adjacency(frame, id_col="code", rule="rook").matrix
    queen = adjacency(frame, id_col="code", rule="queen").matrix
    for m in (rook, queen):
        assert (m != m.T).nnz == 0  # symmetric
        assert not m.diagonal().any()  # no polygon is its own neighbour
    assert (rook.astype(int) - rook.multiply(queen).astype(int)).nnz == 0  # rook ⊆ queen
    # rook neighbours share at least 1 m of border (boxes on a 100 m grid: the shared length is exact)
    geoms = np.asarray(frame.geometry.values)
    coo = rook.tocoo()
    for i, j in zip(coo.row, coo.col):
        assert geoms[i].boundary.intersection(geoms[j].boundary).length >= 1.0
