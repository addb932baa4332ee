"""The boundary files the app ships (`data/boundaries/`): the demo borough's wards and LSOAs.

Each file is GeoJSON in British National Grid (EPSG:27700) with a "crs" member, as GDAL and
GeoPandas write it. RFC 7946 asks for WGS84, but a round trip through WGS84 moves vertices by up to
7 mm (1 mm even unrounded), and the demo workspace built from these files must equal the generated
borough exactly; coordinates are written with 15 decimals, which reads back bit for bit. A
"patchwork" member at the top records what wrote the file: the generator's hash (geo.io's
`demo_generator_hash`), seed and scale, and that it is fictional.

`write_demo_boundaries` writes both files; `demo_boundaries_current` says whether they exist and
were written by this generator code (geo.io.ensure_demo rewrites them when not); `read_boundaries`
reads one back, validated, or raises a DataError naming the file and the fix.
Folder: `$PATCHWORK_BOUNDARIES_DIR`, else `<repo>/data/boundaries`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyogrio.errors

from geo.demo import DEMO_NAME, DEMO_SEED
from geo.io.store import REPO_ROOT
from geo.model import DataError, Problem, validate_layer

BOUNDARY_LAYERS: tuple[str, ...] = ("wards", "lsoas")
META_MEMBER = "patchwork"
REBUILD_FIX = ("Delete the file and run `python -m geo.demo` (or `make demo`) to write it again; "
               "data/boundaries/README.md says how the files are made.")


def boundaries_dir() -> Path:
    """Where the shipped boundary files live: $PATCHWORK_BOUNDARIES_DIR, else `<repo>/data/boundaries`."""
    return Path(os.environ.get("PATCHWORK_BOUNDARIES_DIR", REPO_ROOT / "data" / "boundaries"))


def demo_boundary_paths(folder: Path | None = None) -> dict[str, Path]:
    """The demo borough's boundary files by layer: `demo_wards.geojson`, `demo_lsoas.geojson`."""
    folder = boundaries_dir() if folder is None else folder
    return {layer: folder / f"demo_{layer}.geojson" for layer in BOUNDARY_LAYERS}


def write_boundaries(path: str | Path, frame: gpd.GeoDataFrame, *, layer: str, meta: Mapping[str, str]) -> None:
    """Validate `frame` as `layer` and write it to `path` as GeoJSON (EPSG:27700), atomically."""
    path = Path(path)
    valid = validate_layer(frame, layer, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp.geojson", dir=path.parent)
    os.close(fd)
    os.unlink(tmp_name)  # GDAL creates the file itself
    try:
        pyogrio.write_dataframe(
            valid, tmp_name, driver="GeoJSON", layer=path.stem, promote_to_multi=False,
            layer_options={"FOREIGN_MEMBERS_COLLECTION": json.dumps({META_MEMBER: dict(meta)}),
                           "WRITE_BBOX": "NO", "RFC7946": "NO"})
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _corrupt(path: Path, what: str) -> DataError:
    return DataError(Problem(str(path), f"is not a readable boundary file ({what}).", fix=REBUILD_FIX))


def boundaries_meta(path: str | Path) -> dict[str, str]:
    """What wrote the file (its "patchwork" member); {} when the file is missing or has none."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise _corrupt(path, f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise _corrupt(path, "not a GeoJSON FeatureCollection")
    meta = doc.get(META_MEMBER)
    return {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def read_boundaries(path: str | Path, *, layer: str) -> gpd.GeoDataFrame:
    """Read a boundary file as the `layer` ("wards" or "lsoas"), validated, in EPSG:27700."""
    path = Path(path)
    if not path.exists():
        raise DataError(Problem(str(path), "boundary file does not exist.", fix=REBUILD_FIX))
    try:
        with warnings.catch_warnings():  # GDAL warns about each broken feature; validation says it once
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _corrupt(path, str(exc)) from None
    try:
        return validate_layer(frame, layer, source=str(path))
    except DataError as err:
        raise DataError([*err.problems, Problem(str(path), "does not hold valid demo boundaries.",
                                                fix=REBUILD_FIX)]) from None


def boundaries_id(paths: Mapping[str, Path]) -> str:
    """A hash of the files' bytes ("" when one is missing): a workspace built from them records it."""
    if not all(p.exists() for p in paths.values()):
        return ""
    digest = hashlib.sha256()
    for layer in sorted(paths):
        digest.update(layer.encode() + b"\0" + paths[layer].read_bytes())
    return digest.hexdigest()[:16]


def demo_boundaries_meta(*, generator_hash: str) -> dict[str, str]:
    return {"generator": "geo.demo", "generator_hash": generator_hash, "seed": str(DEMO_SEED), "scale": "1",
            "fictional": "true",
            "note": f"Fictional boundaries of the demo borough {DEMO_NAME}; see data/boundaries/README.md."}


def write_demo_boundaries(layers: Mapping[str, gpd.GeoDataFrame], *, generator_hash: str,
                          folder: Path | None = None) -> dict[str, Path]:
    """Write the shipped demo borough's wards and LSOAs (seed 7, scale 1) from `layers`."""
    paths = demo_boundary_paths(folder)
    meta = demo_boundaries_meta(generator_hash=generator_hash)
    for layer, path in paths.items():
        write_boundaries(path, layers[layer], layer=layer, meta=meta)
    return paths


def demo_boundaries_current(paths: Mapping[str, Path], *, generator_hash: str) -> bool:
    """Whether every file exists and was written by this generator code (raises DataError when unreadable)."""
    return all(boundaries_meta(p).get("generator_hash") == generator_hash for p in paths.values())


def read_demo_boundaries(paths: Mapping[str, Path]) -> dict[str, gpd.GeoDataFrame]:
    """The demo borough's wards and LSOAs read back from its boundary files."""
    return {layer: read_boundaries(path, layer=layer) for layer, path in paths.items()}
