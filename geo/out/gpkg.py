"""GeoPackage bytes: the one writer (`gpkg_bytes`) and the workspace export for QGIS (`geopackage_bytes`).

A GeoPackage is an SQLite file that GDAL writes by path, so `gpkg_bytes` writes into a temporary
directory that never outlives the call and returns the file's bytes; nothing else is touched.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.out.privacy_guard import is_text, safe_table
from geo.out.tables import plain_value

#: Workspace layers a GeoPackage export may carry. Participants are absent on purpose.
EXPORTABLE_LAYERS: tuple[str, ...] = ("wards", "lsoas", "roads", "venues", "bus_stops", "bus_routes", "partners")

_NOT_LAYER_CHARS = re.compile(r"[^a-z0-9_]+")


def storable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy GDAL can write: nullable booleans and integers as bool / int64 (float64 when they hold a
    missing value), text and object columns as str with None for missing (lists and dicts as JSON)."""
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, gpd.array.GeometryDtype):
            continue
        if isinstance(dtype, (pd.BooleanDtype, pd.Int64Dtype, pd.Float64Dtype)) and out[col].isna().any():
            out[col] = out[col].astype("float64")
        elif isinstance(dtype, pd.BooleanDtype):
            out[col] = out[col].astype(bool)
        elif isinstance(dtype, pd.Int64Dtype):
            out[col] = out[col].astype("int64")
        elif isinstance(dtype, pd.Float64Dtype):
            out[col] = out[col].astype("float64")
        elif is_text(out[col]):
            out[col] = [None if plain_value(v) is None else (json.dumps(v, default=str) if isinstance(v, (dict, list))
                                                             else str(v)) for v in out[col]]
    return out


def gpkg_bytes(layers: Mapping[str, pd.DataFrame], *, promote_to_multi: bool = False) -> bytes:
    """A GeoPackage holding one layer per entry, in order: a GeoDataFrame with its geometry column as a
    spatial layer (in its own CRS), any other frame as an attribute table; columns made `storable`.
    With `promote_to_multi` polygons and lines are written as multi-geometries. Raises ValueError
    when `layers` is empty."""
    if not layers:
        raise ValueError("no layers to export")
    tmp = tempfile.mkdtemp(prefix="patchwork-export-")
    try:
        path = Path(tmp) / "export.gpkg"
        for name, frame in layers.items():
            data = storable(frame)
            if isinstance(data, gpd.GeoDataFrame) and data.geometry.name in data.columns:
                pyogrio.write_dataframe(data, path, layer=name, driver="GPKG", promote_to_multi=promote_to_multi)
            else:
                pyogrio.write_dataframe(pd.DataFrame(data), path, layer=name, driver="GPKG")
        return path.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _layer_name(name: str, used: set[str]) -> str:
    base = _NOT_LAYER_CHARS.sub("_", str(name).lower()).strip("_")[:60] or "layer"
    cand, i = base, 2
    while cand in used:
        cand, i = f"{base[:56]}_{i}", i + 1
    used.add(cand)
    return cand


def geopackage_bytes(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    aggregates: Mapping[str, gpd.GeoDataFrame],
    plans: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str],
    title: str,
    generated_on: dt.date,
    participant_ids: Collection[str] = (),
) -> bytes:
    """A GeoPackage for QGIS: workspace layers (never participants), participant aggregates, plans
    (one table or layer each) and an 'about' table with the notes. EPSG:27700 throughout.

    `layers` may be the workspace's own mapping: only EXPORTABLE_LAYERS are written.
    """
    written: dict[str, pd.DataFrame] = {}
    used: set[str] = {"about"}
    for name in EXPORTABLE_LAYERS:
        layer = layers.get(name)
        if layer is not None and len(layer):
            written[_layer_name(name, used)] = safe_table(layer, participant_ids=participant_ids, keep_geometry=True)
    for name, frame in aggregates.items():
        written[_layer_name(name, used)] = safe_table(frame, participant_ids=participant_ids, keep_geometry=True)
    for name, plan in (plans or {}).items():
        written[_layer_name(f"plan_{name}", used)] = safe_table(
            plan, participant_ids=participant_ids, keep_geometry=isinstance(plan, gpd.GeoDataFrame))
    about = pd.DataFrame({"key": ["title", "exported_on", *[f"note_{i + 1}" for i in range(len(notes))],
                                  *[f"layer_{n}" for n in written]],
                          "value": [title, generated_on.isoformat(), *notes,
                                    *[f"{len(f):,} rows" for f in written.values()]]})
    return gpkg_bytes({"about": about, **written})
