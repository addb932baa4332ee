"""A small benchmark harness: timing, a registry, discovery, a report and a JSON record.

See bench/__init__.py for how to add a benchmark.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import fnmatch
import gc
import importlib
import importlib.metadata
import json
import os
import pkgutil
import platform
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def measure(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> dict[str, Any]:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeat`` timed ones (perf_counter).

    Returns ``{"median_s": float, "min_s": float, "runs": [seconds, ...]}``.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    for _ in range(max(warmup, 0)):
        fn()
    runs: list[float] = []
    gc_was_enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
            if gc_was_enabled:
                gc.enable()
    finally:
        if gc_was_enabled:
            gc.enable()
    return {"median_s": statistics.median(runs), "min_s": min(runs), "runs": runs}


@dataclass(frozen=True)
class Benchmark:
    name: str
    fn: Callable[..., Any]
    target_s: float | None = None
    baseline: Callable[..., Any] | None = None
    setup: Callable[[], Any] | None = None
    repeat: int = 5
    warmup: int = 1
    module: str = ""
    min_speedup: float | None = None


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str,
    *,
    target_s: float | None = None,
    baseline: Callable[..., Any] | None = None,
    setup: Callable[[], Any] | None = None,
    repeat: int = 5,
    warmup: int = 1,
    min_speedup: float | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as benchmark ``name`` (returned unchanged).

    With ``setup``, its result (computed once, untimed) is passed to the function and the baseline.
    With ``min_speedup`` (needs ``baseline``), the run fails unless baseline median / median reaches it.
    """
    if min_speedup is not None and baseline is None:
        raise ValueError(f"benchmark {name!r}: min_speedup needs a baseline")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} registered twice ({REGISTRY[name].module}, {fn.__module__})")
        REGISTRY[name] = Benchmark(
            name=name, fn=fn, target_s=target_s, baseline=baseline, setup=setup,
            repeat=repeat, warmup=warmup, module=fn.__module__, min_speedup=min_speedup,
        )
        return fn

    return register


def discover() -> list[str]:
    """Import every ``bench/bench_*.py`` module; return their names."""
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(BENCH_DIR)]) if m.name.startswith("bench_")
    )
    for name in names:
        importlib.import_module(f"bench.{name}")
    return names


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count()
    env: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {d: _version(d) for d in ("numpy", "scipy", "shapely", "geopandas", "pyogrio", "pandas")},
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    try:
        from threadpoolctl import threadpool_info  # optional

        env["blas"] = [
            {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for info in threadpool_info()
        ]
    except Exception:
        pass
    return env


def select(patterns: Sequence[str]) -> tuple[list[Benchmark], list[str]]:
    """Benchmarks matching any pattern (exact name, glob, or dotted prefix); unmatched patterns."""
    if not patterns:
        return [REGISTRY[n] for n in sorted(REGISTRY)], []
    chosen: dict[str, Benchmark] = {}
    unmatched: list[str] = []
    for pat in patterns:
        hits = [
            n for n in sorted(REGISTRY)
            if n == pat or fnmatch.fnmatchcase(n, pat) or n.startswith(pat.rstrip(".") + ".")
        ]
        if not hits:
            unmatched.append(pat)
        for n in hits:
            chosen[n] = REGISTRY[n]
    return list(chosen.values()), unmatched


def run_one(b: Benchmark, *, repeat: int | None = None, with_baseline: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"name": b.name, "module": b.module, "target_s": b.target_s,
                           "min_speedup": b.min_speedup}
    reps = repeat or b.repeat
    try:
        args = (b.setup(),) if b.setup is not None else ()
        out.update(measure(lambda: b.fn(*args), repeat=reps, warmup=b.warmup))
        if with_baseline and b.baseline is not None:
            base = measure(lambda: b.baseline(*args), repeat=reps, warmup=b.warmup)
            out["baseline"] = base
            out["speedup"] = base["median_s"] / out["median_s"] if out["median_s"] > 0 else None
        out["passed"] = b.target_s is None or out["median_s"] <= b.target_s
        if b.min_speedup is not None:
            if "speedup" not in out:
                out["speedup_checked"] = False  # baseline skipped (--no-baseline): not judged
            else:
                out["speedup_checked"] = True
                out["passed"] = out["passed"] and (out["speedup"] or 0.0) >= b.min_speedup
    except Exception as exc:
        out["passed"] = False
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()
    return out


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} us"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def report(results: list[dict[str, Any]], env: dict[str, Any]) -> str:
    lines = [
        f"cpu: {env['cpu']} ({env['cores_usable']}/{env['cores']} cores usable)",
        f"python {env['python']}; "
        + ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v),
        "OPENBLAS_CORETYPE: "
        + (f"set ({env['OPENBLAS_CORETYPE']})" if env["OPENBLAS_CORETYPE"] else "not set"),
        "",
    ]
    header = ("benchmark", "median", "target", "baseline", "speed-up", "required", "result")
    rows = [header]
    for r in results:
        base = r.get("baseline", {}).get("median_s")
        speed = r.get("speedup")
        rows.append((
            r["name"],
            _fmt_s(r.get("median_s")),
            _fmt_s(r.get("target_s")),
            _fmt_s(base),
            f"{speed:.1f}x" if speed else "-",
            f">={r['min_speedup']:g}x" if r.get("min_speedup") else "-",
            "PASS" if r["passed"] else ("ERROR" if "error" in r else "FAIL"),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        cells = (cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    for r in results:
        if "error" in r:
            lines += ["", f"{r['name']}: {r['error']}", r["traceback"].rstrip()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run Patchwork benchmarks.")
    parser.add_argument("names", nargs="*", help="benchmark names, glob patterns or dotted prefixes")
    parser.add_argument("--list", action="store_true", help="list benchmarks and exit")
    parser.add_argument("--repeat", type=int, default=None, help="override every benchmark's repeat")
    parser.add_argument("--no-baseline", action="store_true", help="skip baselines")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / "latest.json", help="results file")
    args = parser.parse_args(argv)

    discover()
    chosen, unmatched = select(args.names)
    if unmatched:
        print(f"bench: no benchmark matches {', '.join(unmatched)}; known: {', '.join(sorted(REGISTRY)) or 'none'}",
              file=sys.stderr)
        return 2
    if args.list:
        for b in chosen:
            print(f"{b.name}\t{b.module}\ttarget {_fmt_s(b.target_s)}")
        return 0
    env = environment()
    if not chosen:
        print("no benchmarks (add bench/bench_*.py; see bench/__init__.py)")
        return 0

    results = []
    for b in chosen:
        print(f"running {b.name} ...", file=sys.stderr, flush=True)
        results.append(run_one(b, repeat=args.repeat, with_baseline=not args.no_baseline))
    print(report(results, env))

    record = {
        "when": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "argv": list(sys.argv[1:] if argv is None else argv),
        "environment": env,
        "results": [{k: v for k, v in r.items() if k != "traceback"} for r in results],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    failed = [r["name"] for r in results if not r["passed"]]
    if failed:
        print(f"missed target or failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
