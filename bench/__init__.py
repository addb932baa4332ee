"""Patchwork benchmarks: ``make bench`` or ``python -m bench [names...]``.

Adding a benchmark: create ``bench/bench_<topic>.py`` (auto-imported) and register functions::

    from bench.harness import benchmark

    def _graph():                      # optional set-up, run once, not timed
        return make_test_graph(50_000)

    def _networkx(graph):              # optional baseline: same signature as the benchmark
        ...

    @benchmark("network.dijkstra", target_s=0.05, setup=_graph, baseline=_networkx)
    def dijkstra(graph):               # the timed work; takes set-up's result if there is one
        geo.analyse.network.walk_metres(graph, ...)

``target_s`` is the median time the benchmark must beat (the run fails otherwise);
``baseline`` is timed the same way and reported as a speed-up (baseline median / median).
``repeat`` and ``warmup`` can be set per benchmark. Results go to bench/results/latest.json.
"""

from bench.harness import REGISTRY, Benchmark, benchmark, measure

__all__ = ["REGISTRY", "Benchmark", "benchmark", "measure"]
