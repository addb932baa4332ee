"""The only module that touches files: the workspace store (one GeoPackage per area).

A workspace file holds one GeoPackage layer per `geo.model.SCHEMAS` entry plus a plain SQLite
table `patchwork_meta` (key, value). Writes go to a temporary file beside the target and replace it
in one `os.replace`, so a crash leaves the old file or the new one, never a broken one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.model import SCHEMAS, DataError, Problem, Workspace, validate_workspace

REPO_ROOT = Path(__file__).resolve().parent.parent
META_TABLE = "patchwork_meta"
PLANS_TABLE = "patchwork_plans"


def workspace_dir() -> Path:
    """Where workspaces live: $PATCHWORK_WORKSPACE_DIR, else `<repo>/workspaces`."""
    return Path(os.environ.get("PATCHWORK_WORKSPACE_DIR", REPO_ROOT / "workspaces"))


def data_dir() -> Path:
    """The shared real-data folder: $PATCHWORK_DATA, else `../shared/data` beside the repo."""
    return Path(os.environ.get("PATCHWORK_DATA", REPO_ROOT.parent / "shared" / "data"))


def _to_storable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Convert pandas extension dtypes to ones the GeoPackage driver writes faithfully."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        dtype = out[col].dtype
        if isinstance(dtype, pd.BooleanDtype):
            out[col] = out[col].astype("float64") if out[col].isna().any() else out[col].astype(bool)
        elif isinstance(dtype, pd.Int64Dtype):
            out[col] = out[col].astype("float64") if out[col].isna().any() else out[col].astype("int64")
        elif isinstance(dtype, pd.Float64Dtype):
            out[col] = out[col].astype("float64")
        elif pd.api.types.is_string_dtype(dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_workspace(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame], meta: Mapping[str, str]) -> None:
    """Validate `layers` and write them with `meta` to the GeoPackage at `path`, atomically."""
    path = Path(path)
    valid = validate_workspace(layers, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp.gpkg", dir=path.parent)
    os.close(fd)
    os.unlink(tmp_name)
    try:
        for name, frame in valid.items():
            pyogrio.write_dataframe(_to_storable(frame), tmp_name, layer=name, driver="GPKG",
                                    promote_to_multi=False)
        content_id = _file_id(Path(tmp_name))
        with sqlite3.connect(tmp_name) as con:
            con.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            con.executemany(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)",
                            [(str(k), str(v)) for k, v in meta.items()] + [("content_id", content_id)])
            _ensure_plans_table(con)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _file_id(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def read_meta(path: str | Path) -> dict[str, str]:
    path = Path(path)
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            rows = con.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
    except sqlite3.Error:
        return {}
    return {str(k): str(v) for k, v in rows}


def read_workspace(path: str | Path) -> Workspace:
    """Load and validate the workspace GeoPackage at `path`."""
    path = Path(path)
    if not path.exists():
        raise DataError(Problem(str(path), "workspace file does not exist.",
                                fix="Choose an existing workspace or build one on the 'Your data' page."))
    try:
        available = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises several types for a non-GeoPackage file
        raise DataError(Problem(str(path), f"is not a readable GeoPackage ({exc}).",
                                fix="Open it in QGIS to check it, or rebuild the workspace.")) from None
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in SCHEMAS:
        if name in available:
            layers[name] = pyogrio.read_dataframe(path, layer=name)
    valid = validate_workspace(layers, source=str(path))
    meta = read_meta(path)
    # The id names the layers' content; saving a plan does not change it, so caches stay warm.
    ws_id = meta.get("content_id") or _file_id(path)
    return Workspace(id=ws_id, name=meta.get("name", path.stem), layers=valid, meta=meta)


def demo_path(scale: int = 1) -> Path:
    return workspace_dir() / ("demo.gpkg" if scale == 1 else f"demo_x{scale}.gpkg")


def demo_generator_hash() -> str:
    """Hash of the generator's source: a demo file written by older code is rebuilt."""
    return hashlib.sha256((REPO_ROOT / "geo" / "demo.py").read_bytes()).hexdigest()[:12]


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


# ---- plans: named, versioned, saved in the workspace file ----------------------------------------
class StalePlanError(DataError):
    """A save based on an older version of a plan than the one stored (another tab saved first)."""

    def __init__(self, kind: str, name: str, expected: int | None, stored: int) -> None:
        self.kind, self.name, self.expected, self.stored = kind, name, expected, stored
        seen = "no saved version" if expected is None else f"version {expected}"
        super().__init__(Problem(
            source=f"{kind} plan '{name}'",
            message=f"was changed elsewhere since you opened it (you had {seen}; the saved one is "
                    f"version {stored}). Nothing was overwritten.",
            fix="Reload the plan to see the other changes, or save yours under a new name."))


@dataclass(frozen=True)
class PlanInfo:
    kind: str
    name: str
    version: int
    saved_at: str
    meta: dict[str, Any]


def _ensure_plans_table(con: sqlite3.Connection) -> None:
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {PLANS_TABLE} (kind TEXT NOT NULL, name TEXT NOT NULL, "
        "version INTEGER NOT NULL, saved_at TEXT NOT NULL, meta TEXT NOT NULL, payload TEXT NOT NULL, "
        "PRIMARY KEY (kind, name))")


def _connect_rw(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise DataError(Problem(str(path), "workspace file does not exist.",
                                fix="Open or build a workspace before saving plans."))
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    _ensure_plans_table(con)
    return con


def save_plan(path: str | Path, *, kind: str, name: str, payload: Mapping[str, Any],
              meta: Mapping[str, Any] | None = None, expected_version: int | None = None) -> int:
    """Save a plan in one transaction and return its new version.

    `expected_version` is the version the user started from (None for a new plan). When the stored
    version differs, nothing is written and StalePlanError says so.
    """
    name = name.strip()
    if not name:
        raise DataError(Problem(f"{kind} plan", "has no name.", fix="Give the plan a name."))
    body = json.dumps(payload, default=str)
    con = _connect_rw(Path(path))
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute(f"SELECT version FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name)).fetchone()
        stored = None if row is None else int(row[0])
        if stored != expected_version:
            con.execute("ROLLBACK")
            raise StalePlanError(kind, name, expected_version, stored or 0)
        new = (stored or 0) + 1
        con.execute(f"INSERT OR REPLACE INTO {PLANS_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                    (kind, name, new, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     json.dumps(dict(meta or {}), default=str), body))
        con.execute("COMMIT")
        return new
    finally:
        con.close()


def list_plans(path: str | Path, *, kind: str) -> list[PlanInfo]:
    con = _connect_rw(Path(path))
    try:
        rows = con.execute(f"SELECT kind, name, version, saved_at, meta FROM {PLANS_TABLE} WHERE kind=? "
                           "ORDER BY name", (kind,)).fetchall()
    finally:
        con.close()
    return [PlanInfo(r[0], r[1], int(r[2]), r[3], json.loads(r[4])) for r in rows]


def load_plan(path: str | Path, *, kind: str, name: str) -> tuple[PlanInfo, dict[str, Any]]:
    con = _connect_rw(Path(path))
    try:
        row = con.execute(f"SELECT kind, name, version, saved_at, meta, payload FROM {PLANS_TABLE} "
                          "WHERE kind=? AND name=?", (kind, name)).fetchone()
    finally:
        con.close()
    if row is None:
        raise DataError(Problem(f"{kind} plan '{name}'", "is not saved in this workspace.",
                                fix="Choose one of the saved plans."))
    return PlanInfo(row[0], row[1], int(row[2]), row[3], json.loads(row[4])), json.loads(row[5])


def delete_plan(path: str | Path, *, kind: str, name: str, expected_version: int) -> None:
    con = _connect_rw(Path(path))
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute(f"SELECT version FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name)).fetchone()
        if row is None or int(row[0]) != expected_version:
            con.execute("ROLLBACK")
            raise StalePlanError(kind, name, expected_version, 0 if row is None else int(row[0]))
        con.execute(f"DELETE FROM {PLANS_TABLE} WHERE kind=? AND name=?", (kind, name))
        con.execute("COMMIT")
    finally:
        con.close()
