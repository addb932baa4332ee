"""The demo workspace file: where it lives and when it is rebuilt (the borough itself is geo.demo).

The shipped borough (seed 7, scale 1) takes its wards and LSOAs from data/boundaries/
(geo.io.boundaries); other seeds and scales are built in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd

from geo import demo
from geo.io import boundaries as boundary_files
from geo.io.store import REPO_ROOT, read_meta, workspace_dir, write_workspace


def demo_path(scale: int = 1) -> Path:
    return workspace_dir() / ("demo.gpkg" if scale == 1 else f"demo_x{scale}.gpkg")


def demo_generator_hash() -> str:
    """Hash of the generator's source (every geo/demo/*.py): demo files written by older code are rebuilt."""
    digest = hashlib.sha256()
    for part in sorted((REPO_ROOT / "geo" / "demo").glob("*.py")):
        digest.update(part.name.encode() + b"\0" + part.read_bytes())
    return digest.hexdigest()[:12]


def write_demo_workspace(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame], *, seed: int, scale: int,
                         boundaries: Mapping[str, Path] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Write the generated demo `layers` (of `seed`, `scale`) to the workspace at `path`; returns what was written.

    With `boundaries` (the shipped borough's files, geo.io.boundaries) the wards and LSOAs are read
    back from those files instead of taken from `layers`, and the files' id is recorded.
    """
    written = dict(layers)
    meta = {**demo.demo_meta(seed=seed, scale=scale), "generator_hash": demo_generator_hash()}
    if boundaries is not None:
        written.update(boundary_files.read_demo_boundaries(boundaries))
        meta["boundaries_id"] = boundary_files.boundaries_id(boundaries)
    write_workspace(path, written, meta)
    return written


def ensure_demo(*, scale: int = 1, seed: int = demo.DEMO_SEED) -> Path:
    """Return the demo workspace path, (re)building it when missing or made by older code.

    The shipped borough (seed 7, scale 1) takes its wards and LSOAs from data/boundaries/; those
    files are first rewritten when missing or made by older generator code, and the workspace is
    rebuilt when they change.
    """
    path = demo_path(scale)
    meta = read_meta(path) if path.exists() else {}
    want = {"generator_hash": demo_generator_hash(), "seed": str(seed)}
    layers = None
    boundaries = None
    if seed == demo.DEMO_SEED and scale == 1:
        boundaries = boundary_files.demo_boundary_paths()
        want["boundaries_id"] = boundary_files.boundaries_id(boundaries)
        # files this workspace was built from, by this generator, are current: no need to parse them
        built_from_these = bool(want["boundaries_id"]) and meta.get("boundaries_id") == want["boundaries_id"]
        known_current = built_from_these and meta.get("generator_hash") == want["generator_hash"]
        if not known_current and not boundary_files.demo_boundaries_current(
                boundaries, generator_hash=want["generator_hash"]):
            layers = demo.build_demo_layers(seed=seed, scale=scale)
            boundary_files.write_demo_boundaries(layers, generator_hash=want["generator_hash"])
            want["boundaries_id"] = boundary_files.boundaries_id(boundaries)
    if any(meta.get(key) != value for key, value in want.items()):
        if layers is None:
            layers = demo.build_demo_layers(seed=seed, scale=scale)
        write_demo_workspace(path, layers, seed=seed, scale=scale, boundaries=boundaries)
    return path
