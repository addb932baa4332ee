"""The demo workspace file: where it lives and when it is rebuilt (the borough itself is geo.demo)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from geo.io.store import REPO_ROOT, read_meta, workspace_dir, write_workspace


def demo_path(scale: int = 1) -> Path:
    return workspace_dir() / ("demo.gpkg" if scale == 1 else f"demo_x{scale}.gpkg")


def demo_generator_hash() -> str:
    """Hash of the generator's source: a demo file written by older code is rebuilt."""
    digest = hashlib.sha256()
    for part in sorted((REPO_ROOT / "geo" / "demo").glob("*.py")):
        digest.update(part.name.encode() + b"\0" + part.read_bytes())
    return digest.hexdigest()[:12]


def ensure_demo(*, scale: int = 1, seed: int = 7) -> Path:
    """Return the demo workspace path, (re)building it when missing or made by older code."""
    from geo import demo  # local import: geo.demo imports geo.io for its CLI

    path = demo_path(scale)
    meta = read_meta(path) if path.exists() else {}
    want = demo_generator_hash()
    if meta.get("generator_hash") != want or meta.get("seed") != str(seed):
        layers = demo.build_demo_layers(seed=seed, scale=scale)
        write_workspace(path, layers, {**demo.demo_meta(seed=seed, scale=scale), "generator_hash": want})
    return path
