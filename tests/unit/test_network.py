"""Road graph and shortest distances on hand-made networks (answers worked out by hand)."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, MultiLineString

from geo.analyse.network import (
    build_graph,
    edge_point_xy,
    induced_subgraph,
    nearest_nodes,
    segment_midpoints,
    snap_points,
    street_groups,
)
from geo.analyse.paths import (
    LIMIT_TOL_M,
    bounded_distance,
    distance_from,
    multi_source_distance,
    point_to_point,
    segment_distance,
    source_pairs,
    values_at,
)


def grid_lines(k=3, step=100.0):
    """k x k nodes, `step` apart: horizontal segments row by row, then vertical ones column by column."""
    lines = []
    for j in range(k):
        for i in range(k - 1):
            lines.append(LineString([(i * step, j * step), ((i + 1) * step, j * step)]))
    for i in range(k):
        for j in range(k - 1):
            lines.append(LineString([(i * step, j * step), (i * step, (j + 1) * step)]))
    return lines


def node_at(g, x, y):
    return int(np.flatnonzero((g.node_xy[:, 0] == x) & (g.node_xy[:, 1] == y))[0])


def test_grid_graph_shape():
    g = build_graph(grid_lines())
    assert g.n_nodes == 9 and g.n_segments == 12 and g.n_edges == 12
    assert g.matrix.nnz == 24  # undirected: both directions stored
    assert (g.matrix != g.matrix.T).nnz == 0
    assert np.allclose(g.matrix.data, 100.0)
    assert np.allclose(g.seg_length_m, 100.0)


def test_ends_within_half_metre_grid_join_and_others_do_not():
    # 100.2 and 100.0 fall in the same 0.5 m cell; 101 does not.
    g = build_graph([LineString([(0, 0), (100.2, 0.1)]), LineString([(100.0, 0.0), (200, 0)]),
                     LineString([(101, 0), (101, 50)])])
    assert g.seg_v[0] == g.seg_u[1]
    assert g.seg_u[2] not in (g.seg_u[0], g.seg_v[0], g.seg_v[1])


def test_interior_vertex_is_a_junction_but_a_plain_crossing_is_not():
    # An OSM-style way runs through (100, 0); a side street starts there. A third line crosses
    # the way at (150, 0) without a shared vertex (a bridge): not joined.
    way = LineString([(0, 0), (100, 0), (200, 0)])
    side = LineString([(100, 0), (100, 80)])
    bridge = LineString([(150, -50), (150, 50)])
    g = build_graph([way, side, bridge])
    d = multi_source_distance(g, [node_at(g, 0, 0)], [0.0])
    assert d[node_at(g, 100, 80)] == pytest.approx(180.0)
    assert np.isinf(d[node_at(g, 150, 50)])


def test_parallel_edges_keep_the_shortest_and_multilines_are_read():
    g = build_graph([LineString([(0, 0), (100, 0)]), LineString([(0, 0), (50, 40), (100, 0)]),
                     MultiLineString([[(100, 0), (200, 0)], [(300, 0), (400, 0)]])])
    d = multi_source_distance(g, [node_at(g, 0, 0)], [0.0])
    assert d[node_at(g, 200, 0)] == pytest.approx(200.0)
    assert np.isinf(d[node_at(g, 400, 0)])  # the second part does not touch the first
    assert g.seg_length_m[2] == pytest.approx(200.0)


def test_nearest_nodes_kdtree():
    g = build_graph(grid_lines())
    idx, off = nearest_nodes(g, np.array([[10.0, 0.0], [190.0, 230.0]]))
    assert tuple(g.node_xy[idx[0]]) == (0.0, 0.0) and off[0] == pytest.approx(10.0)
    assert tuple(g.node_xy[idx[1]]) == (200.0, 200.0) and off[1] == pytest.approx(np.hypot(10, 30))


def test_multi_source_offsets_added():
    # Sources at the two bottom corners; the right one is 30 m off the road.
    g = build_graph(grid_lines())
    d = multi_source_distance(g, [node_at(g, 0, 0), node_at(g, 200, 0)], [0.0, 30.0])
    assert d[node_at(g, 100, 0)] == pytest.approx(100.0)       # 100 vs 130
    assert d[node_at(g, 200, 100)] == pytest.approx(130.0)     # 30 + 100 vs 300
    assert d[node_at(g, 100, 200)] == pytest.approx(300.0)     # 300 vs 330
    assert d[node_at(g, 200, 200)] == pytest.approx(230.0)


def test_snap_points_to_edge():
    g = build_graph(grid_lines())
    s = snap_points(g, np.array([[150.0, 230.0], [-20.0, 40.0]]))
    assert s.offset_m[0] == pytest.approx(30.0) and s.offset_m[1] == pytest.approx(20.0)
    assert np.allclose(edge_point_xy(g, s), [[150.0, 200.0], [0.0, 40.0]])


# Two venues on the 3 x 3 grid (100 m): A at corner (0, 0); B at (150, 230), 30 m above the top
# edge (100,200)-(200,200) half way along it. Node distances by hand:
#   (0,0) 0   (100,0) 100   (200,0) 200
#   (0,100) 100   (100,100) min(200, 30+50+100=180) = 180   (200,100) 180
#   (0,200) min(200, 30+150) = 180   (100,200) 80   (200,200) 80
# Segment midpoint = min(d[u], d[v]) + 50, except the top-right edge where B itself stands: 30.
GRID_SEGMENT_M = {
    (50, 0): 50, (150, 0): 150, (50, 100): 150, (150, 100): 230, (50, 200): 130, (150, 200): 30,
    (0, 50): 50, (0, 150): 150, (100, 50): 150, (100, 150): 130, (200, 50): 230, (200, 150): 130,
}


def test_segment_distances_two_venues_by_hand():
    lines = grid_lines()
    g = build_graph(lines)
    venues = snap_points(g, np.array([[0.0, 0.0], [150.0, 230.0]]))
    d = distance_from(g, venues)
    assert d[node_at(g, 100, 100)] == pytest.approx(180.0)
    seg = segment_distance(g, d, sources=venues)
    for line, got in zip(lines, seg):
        mid = tuple(int(v) for v in line.interpolate(0.5, normalized=True).coords[0])
        assert got == pytest.approx(GRID_SEGMENT_M[mid]), mid


def test_midpoint_of_a_bent_segment():
    # 0 -> 60 -> (60, 80): length 140, midpoint 70 m along = (60, 10). Source at the far end.
    g = build_graph([LineString([(0, 0), (60, 0), (60, 80)])])
    mid = segment_midpoints(g)
    d = multi_source_distance(g, [node_at(g, 60, 80)], [0.0])
    assert values_at(g, d, mid)[0] == pytest.approx(70.0)


def test_point_to_point_along_the_network():
    # On the 3 x 3 grid: (50, 0) to (200, 150) is 150 + 150 = 300 m; two points on one edge: 40 m.
    g = build_graph(grid_lines())
    d = point_to_point(g, snap_points(g, np.array([[50.0, 0.0], [200.0, 150.0], [90.0, 0.0]])))
    assert d[0, 1] == pytest.approx(300.0) and d[1, 0] == pytest.approx(300.0)
    assert d[0, 2] == pytest.approx(40.0) and d[2, 2] == 0.0


def test_induced_subgraph_keeps_only_inner_edges():
    g = build_graph(grid_lines())
    idx = np.sort([node_at(g, 0, 0), node_at(g, 100, 0), node_at(g, 200, 0), node_at(g, 0, 100)])
    sub = induced_subgraph(g.matrix, idx)
    assert sub.shape == (4, 4) and sub.nnz == 6  # three edges, both directions
    assert np.allclose(sub.toarray(), g.matrix[idx][:, idx].toarray())


def test_street_groups_split_same_name_that_do_not_touch():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]),
             LineString([(1000, 0), (1100, 0)]), LineString([(100, 0), (100, 100)]), LineString([(0, 5), (0, 50)])]
    labels = street_groups(build_graph(lines), ["Main St", "Main St", "Main St", "Mill Rd", ""])
    assert labels[0] == labels[1] and labels[2] != labels[0] and labels[3] not in (labels[0], labels[2])
    assert labels[4] == -1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 450), st.floats(-50, 450), st.floats(0, 300)), min_size=1, max_size=12),
       st.floats(50, 500))
@example([(0.0, 0.0, 0.0)], 100.0)  # a node exactly at the limit counts (limits are inclusive)
@example([(0.0, 1.192092896e-07, 0.0)], 100.0)  # 1e-7 m past the limit: inside the 1e-6 m tolerance
def test_bounded_distance_matches_brute_force(sources, limit):
    g = build_graph(grid_lines(5))
    xy = np.array([(x, y) for x, y, _ in sources])
    cost = np.array([c for *_, c in sources])
    snap = snap_points(g, xy)
    got = bounded_distance(g, snap, cost_m=cost, limit_m=limit)
    want = np.full(g.n_nodes, np.inf)
    for i in range(len(xy)):
        one = distance_from(g, type(snap)(snap.edge[i:i + 1], snap.along_m[i:i + 1], snap.offset_m[i:i + 1]))
        want = np.minimum(want, np.where(one <= limit + LIMIT_TOL_M, one + cost[i], np.inf))
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    assert np.allclose(np.where(np.isfinite(want), want, -1), np.where(np.isfinite(got), got, -1))


def test_dijkstra_agrees_with_scipy_on_grid():
    g = build_graph(grid_lines(4))
    src = node_at(g, 100, 200)
    ours = multi_source_distance(g, [src], [0.0])
    plain = dijkstra(g.matrix, directed=False, indices=src)
    assert np.allclose(ours, plain)


def test_empty_roads():
    g = build_graph([])
    assert g.n_nodes == 0 and g.empty
    assert snap_points(g, np.array([[0.0, 0.0]])).edge[0] == -1
    assert multi_source_distance(g, [], []).shape == (0,)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-300, 700), st.floats(-300, 700)), min_size=1, max_size=20),
       st.one_of(st.none(), st.floats(1, 200)))
def test_snap_points_finds_the_nearest_edge_within_the_limit(points, max_m):
    # bent and crossing lines: the nearest edge is often not one touching the nearest node
    lines = [*grid_lines(4), LineString([(-50, 320), (160, 330), (420, -40)]), LineString([(10, 10), (290, 290)])]
    g = build_graph(lines)
    xy = np.array(points)
    s = snap_points(g, xy, max_m=max_m)
    tree_edges = g.edge_ids
    segs = [LineString([g.node_xy[g.edge_u[e]], g.node_xy[g.edge_v[e]]]) for e in tree_edges]
    from shapely.geometry import Point
    for i, (x, y) in enumerate(points):
        d = np.array([seg.distance(Point(x, y)) for seg in segs])
        if max_m is not None and d.min() > max_m:
            assert s.edge[i] == -1 and np.isinf(s.offset_m[i])
            continue
        assert s.offset_m[i] == pytest.approx(d.min(), abs=1e-7)
        assert np.hypot(*(edge_point_xy(g, s)[i] - (x, y))) == pytest.approx(d.min(), abs=1e-7)


def test_bounded_distance_with_precomputed_pairs():
    g = build_graph(grid_lines(5))
    snap = snap_points(g, np.array([[0.0, 0.0], [100.0, 30.0], [400.0, 400.0], [210.0, 200.0]]))
    cost = np.array([300.0, 0.0, 50.0, 10.0])
    pairs = source_pairs(g, snap, limit_m=150.0)
    assert {tuple(p) for p in pairs.tolist()} >= {(0, 1)}  # 104 m apart: their 150 m walks may overlap
    assert np.array_equal(bounded_distance(g, snap, cost_m=cost, limit_m=150.0, pairs=pairs),
                          bounded_distance(g, snap, cost_m=cost, limit_m=150.0))


def test_values_at_direct_walk_along_a_shared_edge():
    # two points and two sources on one 100 m edge; the direct walk along the edge wins
    g = build_graph([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)])])
    src = snap_points(g, np.array([[40.0, 5.0], [90.0, 0.0]]))
    pts = snap_points(g, np.array([[50.0, 0.0], [95.0, 0.0], [100.0, 60.0]]))
    node = distance_from(g, src)
    got = values_at(g, node, pts, sources=src)
    assert got == pytest.approx([5 + 10, 5, 10 + 60])
    # with a cost of 100 on the second source, the 95 m point is best served directly by the first: 5 + 55
    cost = np.array([0.0, 100.0])
    node = distance_from(g, src, cost_m=cost)
    assert values_at(g, node, pts, sources=src, source_cost_m=cost)[1] == pytest.approx(60.0)
    # a limit on the direct walk (excluding cost) leaves the path through the node at (100, 0): 65 + 5
    assert values_at(g, node, pts, sources=src, source_cost_m=cost, limit_m=50.0)[1] == pytest.approx(70.0)
