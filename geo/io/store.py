"""The workspace store: one GeoPackage file per area, written atomically, read and validated.

A workspace file holds one GeoPackage layer per `geo.model.SCHEMAS` entry, a plain SQLite table
`patchwork_meta` (key, value) and the saved plans (geo.io.plans). Building a workspace writes a
temporary file beside the target (`.<name>.pid<writer's pid>.<random>.tmp.gpkg`) and replaces the
target in one `os.replace`, so a crash leaves the old file or the new one, never a broken one; a
temporary file whose writer is gone is removed when a workspace in that folder is opened (it may hold
participant rows). Every later write (plans, purge, erasure) is a transaction inside the file under
its write lock (geo.io.revision). Workspaces live in `workspace_dir()`; the shared real data in
`data_dir()`.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.io.plans import ensure_plans_table
from geo.io.revision import META_TABLE, REVISION_KEY, ensure_meta_table, workspace_revision
from geo.model import SCHEMAS, DataError, Problem, Workspace, validate_workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Temporary files of a workspace build: `.<stem>.pid<pid>.<random>.tmp.gpkg` (and SQLite's sidecars).
TEMP_GLOB = ".*.tmp.gpkg*"
_TEMP_PID = re.compile(r"\.pid(\d+)\.")


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
    # A file rebuilt at the same path keeps counting revisions from where the old one stopped.
    if path.exists():
        _recover(path)
    revision = max(workspace_revision(path) if path.exists() else 0, int(meta.get(REVISION_KEY, 0) or 0))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem[:80]}.pid{os.getpid()}.", suffix=".tmp.gpkg",
                                    dir=path.parent)
    os.close(fd)
    os.unlink(tmp_name)
    try:
        for name, frame in valid.items():
            pyogrio.write_dataframe(_to_storable(frame), tmp_name, layer=name, driver="GPKG",
                                    promote_to_multi=False)
        content_id = _file_id(Path(tmp_name))
        rows = {str(k): str(v) for k, v in meta.items()} | {"content_id": content_id}
        if revision:  # carried over from the file this one replaces (none: the counter starts at 0)
            rows[REVISION_KEY] = str(revision)
        with closing(sqlite3.connect(tmp_name)) as con, con:
            ensure_meta_table(con)
            con.executemany(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)", list(rows.items()))
            ensure_plans_table(con)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Remove the temporary files of workspace builds in `folder` whose writer is gone; return them.

    A build killed half way leaves its hidden `.*.tmp.gpkg` file (it can hold participant rows). One
    whose writer process still runs is left alone; one without a pid in its name is from before
    names carried it, and is removed.
    """
    removed = []
    for temp in sorted(Path(folder).glob(TEMP_GLOB)):
        found = _TEMP_PID.search(temp.name)
        if found and _writer_alive(int(found.group(1))):
            continue
        try:
            temp.unlink()
            removed.append(temp)
        except FileNotFoundError:
            pass
    return removed


def _file_id(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _recover(path: Path) -> None:
    """Roll back a save that was killed mid-commit (SQLite's hot journal) before reading.

    A read-only open cannot replay the journal, so a workspace whose last plan save was interrupted
    would look unreadable; one read-write open restores the last committed state. Nothing happens
    when there is no journal or the file is not writable.
    """
    journal = path.with_name(path.name + "-journal")
    if not journal.exists() or not os.access(path, os.W_OK):
        return
    try:
        with sqlite3.connect(path, timeout=10) as con:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        pass  # the read that follows reports the file as unreadable, naming it


def read_meta(path: str | Path) -> dict[str, str]:
    path = Path(path)
    _recover(path)
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
    remove_stale_temps(path.parent)
    _recover(path)
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


def list_workspaces() -> list[tuple[Path, dict[str, str]]]:
    """Workspace files in workspace_dir() with their metadata (demo files included)."""
    folder = workspace_dir()
    if not folder.is_dir():
        return []
    return [(p, read_meta(p)) for p in sorted(folder.glob("*.gpkg")) if not p.name.startswith(".")]
