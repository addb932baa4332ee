"""The benchmark harness fails a benchmark that misses its required speed-up."""

import pytest

from bench.harness import Benchmark, benchmark, run_one


def test_min_speedup_is_enforced():
    slow = lambda: sum(range(200_000))  # noqa: E731
    fast = lambda: None  # noqa: E731
    ok = run_one(Benchmark("t.ok", fast, baseline=slow, repeat=1, warmup=0, min_speedup=2.0))
    assert ok["passed"] and ok["speedup"] >= 2.0 and ok["speedup_checked"]
    missed = run_one(Benchmark("t.missed", slow, baseline=fast, repeat=1, warmup=0, min_speedup=2.0))
    assert not missed["passed"] and missed["min_speedup"] == 2.0
    skipped = run_one(Benchmark("t.skip", slow, baseline=fast, repeat=1, warmup=0, min_speedup=2.0),
                      with_baseline=False)
    assert skipped["passed"] and skipped["speedup_checked"] is False


def test_min_speedup_needs_a_baseline():
    with pytest.raises(ValueError, match="baseline"):
        benchmark("t.nobase", min_speedup=3.0)(lambda: None)
