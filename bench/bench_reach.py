"""Reach and gaps on a borough scaled to about 100,000 road segments and 500 venues.

Scenario: `geo.demo.build_demo_layers(seed=7, scale=30)` (30 demo boroughs side by side: ~101,000
road segments, ~1,900 bus stops on 120 routes, 1,800 LSOAs), with 500 of its open venues (evenly
spaced in the table, deterministic). If geo.demo is not importable, a perturbed 224 x 224 grid (~100,000 segments)
with 500 venues and 40 bus routes stands in.

Baseline: the very same `compute_reach` with its two road-network searches swapped for networkx
(`geo.analyse.reach.Searches`): `single_source_dijkstra_path_length` from a virtual super-source for walking
from all venues, and a cutoff search per bus stop for the walk to a stop. Everything else (placing the
venues, values at segment midpoints, stop costs, modes) is the same code on both sides. Built untimed,
on both sides alike: the road graph, the networkx Graph and the prepared network (`prepare_network`:
segment midpoints, stops placed on the graph, ride table), which a page builds once per workspace;
`reach.prepare_network` and `network.build_graph` time those separately. The set-up checks that both
sides give the same minutes.

Speed-ups: `reach.all_roads` is end to end (reported); `reach.searches` replays the two searches of
that very run with the arguments they received (the 500 placed venues; the stops with their real
onward costs) and must be at least 20 times faster than networkx (`min_speedup`): the searches are the
only steps the two sides do differently.
"""

from __future__ import annotations

import functools
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from bench.harness import benchmark
from geo.analyse.catchment import catchment
from geo.analyse.engagement import engagement_by_road
from geo.analyse.gaps import (
    deprived_within_minutes,
    gap_table,
    road_lsoas,
    roads_engaged_deprived_vs_elsewhere,
    unengaged_roads,
)
from geo.analyse.hours import usable_venues
from geo.analyse.network import build_graph, geometry_xy
from geo.analyse.paths import bounded_distance, distance_from, source_links
from geo.analyse.reach import Searches, compute_reach, prepare_network

N_VENUES = 500
SCALE = 30


def _grid_layers(n: int = 224, step: float = 100.0, seed: int = 7) -> dict:
    """Fallback scenario: a perturbed n x n grid (2 n (n-1) segments), venues, bus routes along rows."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(n) * step, np.arange(n) * step, indexing="ij"), -1).astype(float)
    xy += rng.uniform(-20, 20, xy.shape)
    a = np.concatenate([xy[:-1, :].reshape(-1, 2), xy[:, :-1].reshape(-1, 2)])
    b = np.concatenate([xy[1:, :].reshape(-1, 2), xy[:, 1:].reshape(-1, 2)])
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    roads = gpd.GeoDataFrame({"road_id": np.arange(len(lines)).astype(str), "name": "Grid Street"},
                             geometry=lines, crs=27700)
    vxy = rng.uniform(0, (n - 1) * step, (N_VENUES, 2))
    venues = gpd.GeoDataFrame({"venue_id": [f"v{i}" for i in range(N_VENUES)], "name": "Venue", "kind": "library"},
                              geometry=shapely.points(vxy), crs=27700)
    rows = np.linspace(5, n - 6, 40).astype(int)
    routes = gpd.GeoDataFrame({"route_id": [str(r) for r in rows], "name": "Route", "trips_per_hour": 4.0},
                              geometry=[shapely.linestrings(xy[:, r]) for r in rows], crs=27700)
    stops_xy = np.concatenate([xy[::4, r] for r in rows])
    stop_routes = np.concatenate([[str(r)] * len(xy[::4, r]) for r in rows])
    stops = gpd.GeoDataFrame({"stop_id": [f"s{i}" for i in range(len(stops_xy))], "name": "Stop",
                              "route_ids": stop_routes}, geometry=shapely.points(stops_xy), crs=27700)
    return {"roads": roads, "venues": venues, "bus_routes": routes, "bus_stops": stops}


@functools.lru_cache(maxsize=1)
def _scenario() -> dict:
    try:
        from geo.demo import build_demo_layers

        layers = dict(build_demo_layers(seed=7, scale=SCALE))
        source = f"geo.demo scale {SCALE}"
    except ImportError:
        layers = _grid_layers()
        source = "perturbed grid (geo.demo not available)"
    venues = usable_venues(layers["venues"])[0]  # closed venues never count (compute_reach drops them too)
    if len(venues) > N_VENUES:
        venues = venues.iloc[np.linspace(0, len(venues) - 1, N_VENUES).round().astype(int)].reset_index(drop=True)
    layers["venues"] = venues
    graph = build_graph(layers["roads"])
    G = _nx_graph(graph)
    prepared = prepare_network(layers["roads"], bus_stops=layers["bus_stops"], bus_routes=layers["bus_routes"],
                               graph=graph)
    case = {**layers, "graph": graph, "nx": G, "nx_searches": _nx_searches(G), "prepared": prepared,
            "source": source}
    ours = _ours(case)
    theirs = _networkx(case)
    for name in ("walk_min", "bus_min", "best_min"):
        a, b = getattr(ours, name), getattr(theirs, name)
        if not (np.array_equal(np.isfinite(a), np.isfinite(b)) and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)])):
            raise AssertionError(f"networkx baseline disagrees with geo.analyse.reach on {name}")
    if "participants" in layers and "lsoas" in layers:
        case["engagement"] = engagement_by_road(layers["participants"], layers["roads"])
        case["reach_lsoas"] = compute_reach(layers["roads"], venues, lsoas=layers["lsoas"],
                                            bus_stops=layers["bus_stops"], bus_routes=layers["bus_routes"],
                                            graph=graph).lsoas
    print(f"bench_reach: {source}: {len(layers['roads']):,} segments, {graph.n_nodes:,} nodes, {len(venues)} venues, "
          f"{len(layers['bus_stops']):,} stops, {len(layers['bus_routes'])} routes; "
          f"bus best on {(ours.mode == 'bus').sum():,} segments; baseline agrees", file=sys.stderr)
    return case


# ------------------------------------------------------------------------------------------------ networkx side


def _nx_graph(graph) -> nx.Graph:
    coo = graph.matrix.tocoo()
    upper = coo.row < coo.col
    G = nx.Graph()
    G.add_nodes_from(range(graph.n_nodes))
    G.add_weighted_edges_from(zip(coo.row[upper].tolist(), coo.col[upper].tolist(), coo.data[upper].tolist()))
    return G


def _to_array(lengths: dict, n: int, skip) -> np.ndarray:
    out = np.full(n, np.inf)
    lengths.pop(skip, None)
    if lengths:
        out[np.fromiter(lengths.keys(), dtype="int64", count=len(lengths))] = np.fromiter(
            lengths.values(), dtype="float64", count=len(lengths))
    return out


def _nx_multi_source(G: nx.Graph, graph, snap, cost_m=None) -> np.ndarray:
    """networkx: metres from the nearest source, via a virtual super-source (removed afterwards)."""
    nodes, w = source_links(graph, snap, cost_m)
    best: dict[int, float] = {}
    for u, x in zip(nodes.tolist(), w.tolist()):
        if x < best.get(u, np.inf):
            best[u] = x
    S = "super-source"
    G.add_weighted_edges_from((S, u, x) for u, x in best.items())
    try:
        lengths = nx.single_source_dijkstra_path_length(G, S)
    finally:
        G.remove_node(S)
    return _to_array(lengths, graph.n_nodes, S)


def _nx_bounded(G: nx.Graph, graph, snap, cost_m: np.ndarray, limit_m: float) -> np.ndarray:
    """networkx: per node, min over stops of cost + walk, walks of at most limit_m (one search per stop)."""
    best = np.full(graph.n_nodes, np.inf)
    ok = snap.placed & np.isfinite(cost_m) & (snap.offset_m <= limit_m + 1e-6)
    for i in np.flatnonzero(ok):
        e = snap.edge[i]
        v = ("stop", int(i))
        wu = snap.offset_m[i] + snap.along_m[i]
        wv = snap.offset_m[i] + graph.edge_length_m[e] - snap.along_m[i]
        links = [(v, int(graph.edge_u[e]), max(float(wu), 1e-9)), (v, int(graph.edge_v[e]), max(float(wv), 1e-9))]
        G.add_weighted_edges_from([link for link in links if link[2] <= limit_m + 1e-6])
        try:
            lengths = nx.single_source_dijkstra_path_length(G, v, cutoff=limit_m + 1e-6)
        finally:
            G.remove_node(v)
        arr = _to_array(lengths, graph.n_nodes, v)
        np.minimum(best, arr + cost_m[i], out=best)
    return best


def _nx_searches(G: nx.Graph) -> Searches:
    """The two road-network searches of geo.analyse.reach, done by networkx on the same graph."""

    def walk(graph, sources):
        return _nx_multi_source(G, graph, sources)

    def bounded(graph, sources, *, cost_m, limit_m, pairs=None):
        return _nx_bounded(G, graph, sources, cost_m, limit_m)

    return Searches(walk=walk, bounded=bounded)


def _networkx(case: dict):
    """compute_reach for every road segment (walk + bus), the very same pipeline with its two
    shortest-path searches done by networkx."""
    return _reach(case, searches=case["nx_searches"])


def _reach(case: dict, **kw):
    return compute_reach(case["roads"], case["venues"], bus_stops=case["bus_stops"], bus_routes=case["bus_routes"],
                         prepared=case["prepared"], **kw)


def _ours(case: dict):
    return _reach(case)


# ------------------------------------------------------------------------------------------------ benchmarks


@benchmark("reach.all_roads", target_s=2.0, setup=_scenario, baseline=_networkx, repeat=5)
def all_roads_reach(case: dict):
    """Walk + bus minutes for every road segment, end to end: venue placement, both searches, values
    at every segment's midpoint, stop costs, modes. The baseline runs the very same compute_reach with
    its two searches done by networkx. Graph and prepared network built untimed on both sides."""
    return _ours(case)


def _recorded_searches(case: dict) -> dict:
    """Run all-roads reach once and keep the exact arguments its two searches received (the venues
    placed on the graph; the stops with their real onward costs, the walking limit and stop pairs)."""
    calls: dict = {}

    def walk(graph, sources, **kw):
        calls["walk"] = (graph, sources, kw)
        return distance_from(graph, sources, **kw)

    def bounded(graph, sources, **kw):
        calls["bounded"] = (graph, sources, kw)
        return bounded_distance(graph, sources, **kw)

    _reach(case, searches=Searches(walk=walk, bounded=bounded))
    return calls


@functools.lru_cache(maxsize=1)
def _paths_case() -> dict:
    case = _scenario()
    return {**case, "calls": _recorded_searches(case)}


def _paths_networkx(case: dict):
    g, src, kw = case["calls"]["walk"]
    _nx_multi_source(case["nx"], g, src)
    g, src, kw = case["calls"]["bounded"]
    _nx_bounded(case["nx"], g, src, kw["cost_m"], kw["limit_m"])


@benchmark("reach.searches", target_s=0.5, setup=_paths_case, baseline=_paths_networkx, repeat=5, min_speedup=20.0)
def searches(case: dict):
    """The shortest-path steps of reach.all_roads, with the arguments that run gave them: walk from
    all 500 venues (one super-source csgraph run) and walks of at most 400 m from every stop that
    leads somewhere (rounds of csgraph runs), against networkx on the same graph. Required >= 20x."""
    g, src, kw = case["calls"]["walk"]
    distance_from(g, src, **kw)
    g, src, kw = case["calls"]["bounded"]
    bounded_distance(g, src, **kw)


@benchmark("reach.prepare_network", target_s=2.0, setup=_scenario, repeat=3)
def prepare(case: dict):
    """The venue-independent part reach reuses (built once per workspace, not part of the timings
    above): segment midpoints, stops placed on the graph, the table of rides between stops."""
    return prepare_network(case["roads"], bus_stops=case["bus_stops"], bus_routes=case["bus_routes"],
                           graph=case["graph"])


@benchmark("reach.roads_and_lsoas", target_s=2.0, setup=_scenario, repeat=3)
def roads_and_lsoas(case: dict):
    """The whole analysis a page runs the first time: prepare the network (LSOAs' population-weighted
    points included) and reach for every segment and LSOA (the road graph prebuilt)."""
    return compute_reach(case["roads"], case["venues"], lsoas=case.get("lsoas"), bus_stops=case["bus_stops"],
                         bus_routes=case["bus_routes"], graph=case["graph"])


@benchmark("network.build_graph", target_s=2.0, setup=_scenario, repeat=3)
def graph_build(case: dict):
    """Building the road graph (not part of the reach timings above)."""
    return build_graph(case["roads"])


@benchmark("gaps.table", target_s=1.0, setup=_scenario, repeat=5)
def gaps_table(case: dict):
    """Roads to LSOAs, the ranked gap table, unengaged roads and the two KPIs (reach and engagement
    by road computed beforehand)."""
    if "engagement" not in case:
        raise RuntimeError("scenario has no participants/LSOAs (fallback grid): gap table not measured")
    table = road_lsoas(case["roads"], case["engagement"], case["lsoas"])
    gaps = gap_table(case["lsoas"], case["reach_lsoas"], table)
    unengaged_roads(table, case["lsoas"])
    deprived_within_minutes(case["lsoas"], case["reach_lsoas"])
    roads_engaged_deprived_vs_elsewhere(table, case["lsoas"])
    return gaps


@benchmark("reach.catchment", target_s=0.3, setup=_scenario, repeat=5)
def venue_catchment(case: dict):
    """The 10/20/30-minute walking areas of one clicked venue (the map's catchment overlay)."""
    return catchment(case["graph"], geometry_xy(case["venues"])[0], minutes=(10, 20, 30))
