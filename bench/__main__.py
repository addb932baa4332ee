"""``python -m bench [names or glob patterns...]``: run the benchmarks; see bench/__init__.py."""

from bench.harness import main

raise SystemExit(main())
