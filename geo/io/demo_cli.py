"""Command line `python -m geo.demo`: write the demo workspace (and the shipped borough's boundaries).

It lives in geo.io because writing files is geo.io's job; geo/demo/__main__.py only calls `main`,
so geo.demo itself never imports geo.io (geo.io imports geo.demo, one way).

    python -m geo.demo [--scale N] [--seed S] [--out PATH]

writes `workspaces/demo.gpkg` (or `workspaces/demo_x{N}.gpkg`, or PATH). For the shipped borough
(seed 7, scale 1) it first writes its wards and LSOAs to data/boundaries/ (or
$PATCHWORK_BOUNDARIES_DIR) and builds the workspace's wards and LSOAs from those files.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from geo import demo
from geo.io import boundaries as boundary_files
from geo.io.demo import demo_generator_hash, write_demo_workspace


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: write the demo workspace to a GeoPackage through geo.io.write_demo_workspace."""
    parser = argparse.ArgumentParser(
        prog="python -m geo.demo",
        description=f"Write the fictional demo borough ({demo.DEMO_NAME}) to a workspace GeoPackage.",
    )
    parser.add_argument("--scale", type=int, default=1, help="number of borough copies (default 1)")
    parser.add_argument("--seed", type=int, default=demo.DEMO_SEED, help=f"random seed (default {demo.DEMO_SEED})")
    parser.add_argument("--out", type=str, default=None,
                        help="output path (default workspaces/demo.gpkg or workspaces/demo_x{N}.gpkg)")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.seed < 0:
        parser.error("--seed must be non-negative")
    out = Path(args.out or ("workspaces/demo.gpkg" if args.scale == 1
                            else f"workspaces/demo_x{args.scale}.gpkg"))

    layers = demo.build_demo_layers(seed=args.seed, scale=args.scale)
    boundaries = None
    if args.seed == demo.DEMO_SEED and args.scale == 1:  # the shipped borough: its boundary files first
        boundaries = boundary_files.write_demo_boundaries(layers, generator_hash=demo_generator_hash())
    layers = write_demo_workspace(out, layers, seed=args.seed, scale=args.scale, boundaries=boundaries)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in layers.items())
    print(f"Wrote {out} ({demo.DEMO_NAME}, seed {args.seed}, scale {args.scale}): {counts}")
    if boundaries is not None:
        print("Wrote " + " and ".join(str(p) for p in boundaries.values()))
    return 0
