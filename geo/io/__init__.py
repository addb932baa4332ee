"""The only module that touches files: the workspace store (one GeoPackage per area) and the importers.

A workspace file holds one GeoPackage layer per `geo.model.SCHEMAS` entry plus a plain SQLite
table `patchwork_meta` (key, value). Writes go to a temporary file beside the target and replace it
in one `os.replace`, so a crash leaves the old file or the new one, never a broken one.

Importers (`import_wards`, `import_lsoas`, `import_lsoa_table`, `import_postcodes`, `import_points`,
`import_osm`, `import_gtfs`, `import_naptan`, and `build_workspace` which runs them all) read the
files users download: a path or an `Upload` (name and bytes, never written to disk). Reading is here;
understanding the frames is pure and lives in geo.read.ons, geo.read.iod, geo.read.postcodes, geo.read.points, geo.read.osm and
geo.read.feeds. Any failure of a reading library becomes a DataError naming the file. Column mappings the
user chose are remembered in `<workspace dir>/column_mappings.json`; the participant salt is kept in
`<workspace dir>/.participant_salt`. Command line: `python -m geo.io import --help`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io as _stdio
import json
import os
import re
import secrets
import sqlite3
import sys
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo import demo
from geo.io import boundaries as boundary_files
from geo.read import feeds, importing, iod, ons, points
from geo.read import osm as _osm
from geo.read import postcodes as _postcodes
from geo.model import CRS, SCHEMAS, DataError, Problem, Workspace, validate_workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
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


# ==== importers: reading the files users download (the parsing is pure, in geo/) ==================
# Everything below reads bytes and hands frames to geo.read.ons, geo.read.iod, geo.read.points, geo.read.postcodes,
# geo.read.osm and geo.read.feeds. Any failure of a reading library becomes a DataError naming the file; an
# upload is read from memory and never written to disk.

MAPPINGS_FILE = "column_mappings.json"
SALT_FILE = ".participant_salt"
ATTRIBUTION = {
    "ons": "Contains National Statistics data © Crown copyright and database right",
    "os": "Contains OS data © Crown copyright and database right 2025",
    "royal_mail": "Contains Royal Mail data © Royal Mail copyright and database right 2025",
    "ogl": "Contains public sector information licensed under the Open Government Licence v3.0",
    "osm": "© OpenStreetMap contributors, ODbL",
}


@dataclass(frozen=True)
class Upload:
    """A file the user uploaded: its name and bytes, held in memory only."""

    name: str
    data: bytes


Source = str | Path | Upload


def source_name(src: Source) -> str:
    """How a file is named in messages: the upload's name, or the path as given."""
    return src.name if isinstance(src, Upload) else str(src)


def _read_bytes(src: Source) -> bytes:
    if isinstance(src, Upload):
        return bytes(src.data)
    path = Path(src)
    try:
        if path.is_dir():
            raise DataError(Problem(str(path), "is a folder, not a file.", fix="Choose the file itself."))
        return path.read_bytes()
    except OSError as exc:
        raise DataError(Problem(str(path), f"cannot be read ({exc.strerror or exc}).",
                                fix="Check the path and that the file exists.")) from None


def _gunzip(name: str, data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(Problem(name, f"is a damaged or truncated gzip file ({exc}).",
                                fix="Download the file again.")) from None


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06"


def _is_xlsx(name: str, data: bytes) -> bool:
    if not _is_zip(data):
        return False
    if name.lower().endswith((".xlsx", ".xlsm")):
        return True
    try:
        with zipfile.ZipFile(_stdio.BytesIO(data)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _decode(name: str, data: bytes, *, notes: list[str] | None = None) -> str:
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                text = data.decode("utf-16")
                if notes is not None:
                    notes.append(f"{name} was read as UTF-16.")
                return text
            except UnicodeDecodeError:
                pass
        raise DataError(Problem(name, "is not a text (CSV) file: it holds binary data.",
                                fix="Save it as CSV (comma-separated, UTF-8) or Excel .xlsx."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for enc, label in (("cp1252", "Windows-1252 (Excel's usual encoding)"), ("latin-1", "Latin-1")):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if notes is not None:
            notes.append(f"{name} is not UTF-8; it was read as {label}.")
        return text
    raise AssertionError("latin-1 decodes any bytes")


def _parse_csv(name: str, text: str, *, header: bool) -> pd.DataFrame:
    if not text.strip():
        raise DataError(Problem(name, "is empty.", fix="Choose a file with a header row and data."))
    sample = text[:20_000]
    try:
        sep = csv.Sniffer().sniff(sample.split("\n", 1)[0] if header else sample, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(_stdio.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                            header=0 if header else None, skip_blank_lines=True, on_bad_lines="error",
                            engine="c", low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(Problem(name, "is empty.", fix="Choose a file with a header row and data.")) from None
    except (pd.errors.ParserError, ValueError, csv.Error, OverflowError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise DataError(Problem(name, f"cannot be read as CSV: {str(exc).strip()}", row=int(m.group(1)) if m else None,
                                fix="Check that every row has as many values as the header (quote values "
                                    "holding commas) and that the file is not cut short.")) from None
    if header:
        frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    return frame


def read_table(src: Source, *, header: bool = True, notes: list[str] | None = None) -> pd.DataFrame:
    """A CSV (plain or .gz, any common encoding and delimiter) or Excel sheet as a frame of text.

    Raises DataError naming the file (and the line, for a malformed CSV).
    """
    name = source_name(src)
    data = _gunzip(name, _read_bytes(src))
    if _is_xlsx(name, data):
        return _read_excel(name, data, header=header, notes=notes)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(Problem(name, "is an old Excel .xls file, which the app does not read.",
                                fix="Open it in Excel and save it as .xlsx or CSV."))
    if _is_zip(data):
        inner = _single_csv_in_zip(name, data)
        return _parse_csv(f"{name}/{inner[0]}", _decode(name, inner[1], notes=notes), header=header)
    return _parse_csv(name, _decode(name, data, notes=notes), header=header)


def _single_csv_in_zip(name: str, data: bytes) -> tuple[str, bytes]:
    try:
        with zipfile.ZipFile(_stdio.BytesIO(data)) as zf:
            csvs = [n for n in zf.namelist() if n.lower().endswith((".csv", ".txt"))]
            if len(csvs) != 1:
                raise DataError(Problem(name, f"is a zip holding {len(csvs)} CSV files; expected one.",
                                        fix="Unzip it and choose the CSV file."))
            return csvs[0], zf.read(csvs[0])
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DataError(Problem(name, f"is a damaged zip file ({exc}).", fix="Download it again.")) from None


def _read_excel(name: str, data: bytes, *, header: bool, notes: list[str] | None) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(_stdio.BytesIO(data), sheet_name=None, dtype=str, header=0 if header else None,
                               engine="openpyxl", keep_default_na=False, na_values=[""])
    except Exception as exc:  # openpyxl raises many types (KeyError, BadZipFile, InvalidFileException...)
        raise DataError(Problem(name, f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc}).",
                                fix="Open it in Excel and save it again as .xlsx, or as CSV.")) from None
    filled = [(s, f) for s, f in sheets.items() if len(f.columns) and len(f)]
    if not filled:
        raise DataError(Problem(name, "has no sheet with data.", fix="Put the table on the first sheet."))
    sheet, frame = filled[0]
    if notes is not None and len(sheets) > 1:
        notes.append(f"{name}: read the sheet '{sheet}' (the first with data).")
    if header:
        frame.columns = [str(c).strip() for c in frame.columns]
    return frame


# ---- vector files (boundaries) -------------------------------------------------------------------
def _vector_target(src: Source) -> tuple[str, Any]:
    name = source_name(src)
    if isinstance(src, Upload):
        data = _gunzip(name, src.data)
        return name, data
    path = Path(src)
    if not path.exists():
        raise DataError(Problem(str(path), "does not exist.", fix="Check the path."))
    if path.suffix.lower() == ".gz":
        return name, _gunzip(name, _read_bytes(path))
    return name, str(path)


def read_vector(src: Source, *, choose: Any = None) -> tuple[gpd.GeoDataFrame, str | None]:
    """Read a GeoJSON, GeoPackage or (zipped) Shapefile; `choose(layers: list[(name, fields)])` picks
    the layer of a multi-layer file (default: the first). Returns (frame, layer name)."""
    name, target = _vector_target(src)
    try:
        names = [str(row[0]) for row in pyogrio.list_layers(target)]
        # in-memory GeoJSON gets a new random layer name on every open: name layers only when there are several
        layers = [(n, [str(f) for f in pyogrio.read_info(target, layer=n if len(names) > 1 else None)["fields"]])
                  for n in names]
    except Exception as exc:  # pyogrio/GDAL raise several types for unreadable data
        raise DataError(Problem(name, f"cannot be read as GeoJSON, GeoPackage or zipped Shapefile ({exc}).",
                                fix="Export the boundaries again from the ONS Open Geography Portal or QGIS.")) from None
    if not layers:
        raise DataError(Problem(name, "holds no layers.", fix="Choose a file with boundary polygons."))
    layer = choose(layers) if choose is not None and len(layers) > 1 else layers[0][0]
    try:
        with warnings.catch_warnings():  # pyogrio warns about JSON-looking columns it leaves as text
            warnings.simplefilter("ignore", UserWarning)
            frame = pyogrio.read_dataframe(target, layer=layer if len(layers) > 1 else None)
    except Exception as exc:
        raise DataError(Problem(name, f"cannot be read ({exc}).",
                                fix="Export the boundaries again from the ONS Open Geography Portal or QGIS.")) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataError(Problem(name, "has no geometries (a table, not boundaries).",
                                fix="Choose a GeoJSON, GeoPackage or zipped Shapefile of polygons."))
    return frame, (layer if len(layers) > 1 else None)


def _choose_ons(prefix: str) -> Any:

    def choose(layers: list[tuple[str, list[str]]]) -> str:
        scored = [(max(ons.ons_columns(fields, prefix) or {0: None}), lname) for lname, fields in layers]
        best = max(scored, key=lambda s: s[0])
        return best[1] if best[0] else layers[0][0]

    return choose


def import_wards(src: Source, *, mapping: Mapping[str, str] | None = None, year: int | None = None
                 ) -> ons.Boundaries:
    """Ward polygons (geo.read.ons.Boundaries) from an ONS boundary file."""

    frame, layer = read_vector(src, choose=_choose_ons("WD"))
    name = source_name(src) + (f" (layer {layer})" if layer else "")
    mapping = mapping or remembered_mapping("wards", _headers(frame))
    return ons.wards_from_frame(frame, source=name, mapping=mapping, year=year)


def import_lsoas(src: Source, *, mapping: Mapping[str, str] | None = None, year: int | None = None
                 ) -> ons.Boundaries:
    """LSOA polygons (geo.read.ons.Boundaries) from an ONS boundary file (2011 or 2021 LSOAs)."""

    frame, layer = read_vector(src, choose=_choose_ons("LSOA"))
    name = source_name(src) + (f" (layer {layer})" if layer else "")
    mapping = mapping or remembered_mapping("lsoas", _headers(frame))
    return ons.lsoas_from_frame(frame, source=name, mapping=mapping, year=year)


def _headers(frame: pd.DataFrame) -> list[str]:
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [str(c) for c in frame.columns if c != geom]


# ---- LSOA tables, postcodes, points ---------------------------------------------------------------
def import_lsoa_table(src: Source) -> iod.LsoaTable:
    """An IoD or population table (geo.read.iod.LsoaTable) as published."""

    notes: list[str] = []
    frame = read_table(src, notes=notes)
    table = iod.parse_lsoa_table(frame, source=source_name(src))
    table.report.assumptions.extend(notes)
    return table


def _postcode_files(src: Source) -> list[Source]:
    if isinstance(src, Upload):
        return [src]
    path = Path(src)
    if path.is_dir():
        data = path / "Data" / "CSV"
        root = data if data.is_dir() else path
        files = sorted(p for p in root.rglob("*.csv") if "doc" not in {q.lower() for q in p.relative_to(root).parts[:-1]})
        if not files:
            raise DataError(Problem(str(path), "holds no CSV files.",
                                    fix="Choose Code-Point Open's folder (with Data/CSV) or its CSV files."))
        return list(files)
    return [path]


def import_postcodes(sources: Sequence[Source]) -> tuple[_postcodes.PostcodeIndex, importing.ImportReport]:
    """A geo.read.postcodes.PostcodeIndex from Code-Point Open CSVs (files, their folder, or the zip) or ONSPD."""

    report = importing.ImportReport(", ".join(source_name(s) for s in sources[:3])
                                    + (f" and {len(sources) - 3} more" if len(sources) > 3 else ""), "postcodes")
    indexes = []
    for src in sources:
        files: list[Source] = []
        for f in _postcode_files(src):
            data = _gunzip(source_name(f), _read_bytes(f))
            if _is_zip(data):
                try:
                    with zipfile.ZipFile(_stdio.BytesIO(data)) as zf:
                        members = [n for n in zf.namelist() if n.lower().endswith(".csv") and "/doc/" not in
                                   ("/" + n.lower())]
                        files += [Upload(f"{source_name(f)}/{n}", zf.read(n)) for n in members]
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                    raise DataError(Problem(source_name(f), f"is a damaged zip file ({exc}).",
                                            fix="Download it again.")) from None
            else:
                files.append(Upload(source_name(f), data))
        for f in files:
            first = _first_row(f)
            headerless = _postcodes.is_headerless_codepoint(first)
            frame = read_table(f, header=not headerless)
            indexes.append(_postcodes.from_frame(frame, source=source_name(f), headerless=headerless, report=report))
    if not indexes:
        raise DataError(Problem(report.source, "holds no postcode files.", fix="Choose Code-Point Open or ONSPD."))
    index = _postcodes.merge(indexes)
    report.notes.append(f"{len(index):,} postcodes in areas {', '.join(index.areas[:20])}"
                        + (" ..." if len(index.areas) > 20 else "") + f" ({index.label}).")
    return index, report


def _first_row(src: Upload) -> list[str]:
    head = _gunzip(src.name, src.data)[:4096]
    text = _decode(src.name, head + b"\n") if head else ""
    try:
        return next(csv.reader(_stdio.StringIO(text.split("\n", 1)[0])), [])
    except csv.Error:
        return []


def participant_salt(*, create: bool = True) -> bytes:
    """The salt for participant hashes, kept in the workspace folder (never in a workspace or export)."""
    path = workspace_dir() / SALT_FILE
    if path.exists():
        salt = path.read_bytes()
        if len(salt) >= 16:
            return salt
    if not create:
        raise DataError(Problem(str(path), "no participant salt yet.", fix="Import participants first."))
    path.parent.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(salt)
    return salt


def import_points(src: Source, *, layer: str, postcodes: _postcodes.PostcodeIndex | None = None,
                  mapping: Mapping[str, str] | None = None, area: Any = None, far_m: float = 5_000.0,
                  default_kind: str | None = None) -> points.PointTable:
    """Venues, partners or participants (geo.read.points.PointTable) from CSV or Excel."""

    notes: list[str] = []
    frame = read_table(src, notes=notes)
    headers = [str(c) for c in frame.columns]
    mapping = mapping or remembered_mapping(layer, headers)
    result = points.points_from_table(frame, layer=layer, source=source_name(src), mapping=mapping,
                                      postcodes=postcodes, area=area, far_m=far_m, default_kind=default_kind,
                                      salt=participant_salt() if layer == "participants" else None)
    result.report.assumptions.extend(notes)
    if mapping:
        result.report.notes.append("column mapping used: " + ", ".join(f"{k} ← {v}" for k, v in mapping.items()) + ".")
    return result


# ---- OpenStreetMap, GTFS, NaPTAN ------------------------------------------------------------------
def read_osm(src: Source) -> _osm.OsmExtract:
    """A geo.read.osm.OsmExtract from an .osm.pbf (pyosmium): roads, venues, bus stops and route relations."""
    import osmium


    name = source_name(src)

    def reader(entities: Any = None) -> Any:
        target = osmium.io.FileBuffer(src.data, "pbf") if isinstance(src, Upload) else str(src)
        if not isinstance(src, Upload) and not Path(src).is_file():
            raise DataError(Problem(name, "does not exist.", fix="Check the path."))
        return osmium.FileProcessor(target, entities) if entities is not None else osmium.FileProcessor(target)

    ex = _osm.OsmExtract()
    route_ways: set[int] = set()
    try:
        for rel in reader(osmium.osm.RELATION):
            tags = dict(rel.tags)
            if _osm.is_bus_route(tags):
                ways = [m.ref for m in rel.members if m.type == "w" and not m.role.startswith("platform")]
                stops = [m.ref for m in rel.members if m.type == "n"]
                ex.routes.append((rel.id, tags, ways, stops))
                route_ways.update(ways)
            elif tags.get("type") == "multipolygon" and _osm.venue_kind(tags):
                ex.skipped_venue_relations += 1
        for obj in reader().with_locations():
            if obj.is_node():
                if not obj.tags:
                    continue
                tags = dict(obj.tags)
                kind = _osm.venue_kind(tags)
                if kind is None and not _osm.is_bus_stop(tags):
                    continue
                loc = obj.location
                if not loc.valid():
                    continue
                if kind is not None:
                    ex.venues.append((f"n{obj.id}", tags, loc.lon, loc.lat))
                if _osm.is_bus_stop(tags):
                    ex.stops.append((obj.id, tags, loc.lon, loc.lat))
            elif obj.is_way():
                road = False
                kind = None
                if obj.tags:
                    tags = dict(obj.tags)
                    road = _osm.is_road(tags)
                    kind = _osm.venue_kind(tags)
                if not (road or kind or obj.id in route_ways):
                    continue
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if len(coords) < len(obj.nodes):
                    ex.broken_ways += 1
                arr = np.asarray(coords, dtype="float64").reshape(-1, 2)
                if road:
                    ex.roads.append((obj.id, tags, arr))
                if obj.id in route_ways:
                    ex.route_ways[obj.id] = arr
                if kind and len(arr):
                    centre = arr[:-1].mean(axis=0) if len(arr) > 2 and (arr[0] == arr[-1]).all() else arr.mean(axis=0)
                    ex.venues.append((f"w{obj.id}", tags, float(centre[0]), float(centre[1])))
    except (RuntimeError, ValueError, OSError) as exc:
        raise DataError(Problem(name, f"cannot be read as an OpenStreetMap .osm.pbf extract ({exc}).",
                                fix="Download the extract again (for example from Geofabrik).")) from None
    return ex


def import_osm(src: Source) -> tuple[dict[str, gpd.GeoDataFrame], importing.ImportReport]:
    """(layers, report): roads, venues, bus_stops, bus_routes from an .osm.pbf."""

    ex = read_osm(src)
    if not (ex.roads or ex.venues or ex.stops or ex.routes):
        raise DataError(Problem(source_name(src), "holds no roads, venues, bus stops or bus routes.",
                                fix="Choose an OpenStreetMap extract that covers your area."))
    return _osm.layers_from_extract(ex, source=source_name(src))


GTFS_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "shapes.txt", "frequencies.txt",
              "calendar.txt")


def import_gtfs(src: Source) -> tuple[dict[str, gpd.GeoDataFrame], importing.ImportReport]:
    """(layers, report): bus_stops and bus_routes from a GTFS zip (or a folder of its .txt files)."""

    name = source_name(src)
    tables: dict[str, pd.DataFrame] = {}
    if not isinstance(src, Upload) and Path(src).is_dir():
        for fname in GTFS_FILES:
            if (Path(src) / fname).exists():
                tables[fname] = read_table(Path(src) / fname)
    else:
        data = _read_bytes(src)
        try:
            with zipfile.ZipFile(_stdio.BytesIO(data)) as zf:
                members = {Path(n).name: n for n in zf.namelist()}
                for fname in GTFS_FILES:
                    if fname in members:
                        tables[fname] = read_table(Upload(f"{name}/{fname}", zf.read(members[fname])))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise DataError(Problem(name, f"is not a readable GTFS zip ({exc}).",
                                    fix="Download the feed again; a GTFS feed is a zip of .txt files.")) from None
    return feeds.layers_from_gtfs(tables, source=name)


def import_naptan(src: Source) -> tuple[gpd.GeoDataFrame, importing.ImportReport]:
    """(bus_stops frame, report) from NaPTAN's Stops.csv."""

    notes: list[str] = []
    frame = read_table(src, notes=notes)
    out, report = feeds.stops_from_naptan(frame, source=source_name(src))
    report.assumptions.extend(notes)
    return out, report


# ---- column mappings, remembered in the workspace folder -----------------------------------------
def headers_of(src: Source, *, what: str) -> list[str]:
    """The column names of a file, as the importer for `what` sees them (for the mapping step)."""
    if what in ("wards", "lsoas"):
        frame, _ = read_vector(src, choose=_choose_ons("WD" if what == "wards" else "LSOA"))
        return _headers(frame)
    return [str(c) for c in read_table(src).columns]


def mapping_key(what: str, headers: Sequence[str]) -> str:

    sig = "\x1f".join(sorted(importing.norm_header(h) for h in headers))
    return f"{what}:{hashlib.sha256(sig.encode('utf-8')).hexdigest()[:16]}"


def _mappings_path() -> Path:
    return workspace_dir() / MAPPINGS_FILE


def _load_mappings() -> dict[str, Any]:
    try:
        data = json.loads(_mappings_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def remembered_mapping(what: str, headers: Sequence[str]) -> dict[str, str] | None:
    """The column mapping saved for files of this kind with these headers, if any."""
    entry = _load_mappings().get(mapping_key(what, headers))
    if not isinstance(entry, dict) or not isinstance(entry.get("mapping"), dict):
        return None
    mapping = {str(k): str(v) for k, v in entry["mapping"].items() if v}
    return mapping if all(v in headers for v in mapping.values()) else None


def remember_mapping(what: str, headers: Sequence[str], mapping: Mapping[str, str]) -> None:
    """Save a column mapping (atomically) for the next file of this kind with these headers."""
    data = _load_mappings()
    data[mapping_key(what, headers)] = {
        "what": what, "headers": list(map(str, headers)), "mapping": {k: v for k, v in mapping.items() if v},
        "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    path = _mappings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".mappings.", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, path)


# ---- building a workspace from the user's files -----------------------------------------------------
@dataclass
class BuildResult:
    path: Path
    name: str
    reports: list[Any]
    counts: dict[str, int]
    meta: dict[str, str]


def _unused_path(path: Path) -> Path:
    """`path`, or `stem-2.gpkg`, `stem-3.gpkg`... : a default build never replaces a workspace (and its plans)."""
    k = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return candidate


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text or "workspace"


def build_workspace(out: str | Path | None, *, name: str, wards: Source, lsoas: Source,
                    tables: Sequence[Source] = (), osm: Source | None = None, gtfs: Source | None = None,
                    naptan: Source | None = None, venues: Sequence[Source] = (), partners: Sequence[Source] = (),
                    participants: Sequence[Source] = (), postcodes: Sequence[Source] = (),
                    venue_kind: str | None = None, partner_kind: str | None = None,
                    mappings: Mapping[str, Mapping[str, str]] | None = None, lsoa_year: int | None = None,
                    far_km: float = 5.0, progress: Any = None) -> BuildResult:
    """Import the user's files into one workspace GeoPackage (atomically: all or nothing).

    `out` None writes `<workspace dir>/<name>.gpkg`, or `<name>-2.gpkg`... when that exists, so a new
    build never replaces a workspace and the plans saved in it; an explicit `out` is replaced.

    `mappings` maps a kind of file ("wards", "lsoas", "venues", "partners", "participants") to an
    explicit column mapping; otherwise a mapping remembered for the same headers is used.
    `progress(fraction, text)` is called as each step starts. Raises DataError (nothing written).
    """


    name = name.strip()
    if not name:
        raise DataError(Problem("workspace", "has no name.", fix="Give the workspace a name."))
    path = Path(out) if out else _unused_path(workspace_dir() / f"{slug(name)}.gpkg")
    mappings = mappings or {}
    steps = 5 + bool(osm) + bool(gtfs) + bool(naptan) + len(venues) + len(partners) + len(participants)
    step = [0]

    def tick(text: str) -> None:
        if progress is not None:
            progress(min(step[0] / steps, 0.99), text)
        step[0] += 1

    reports: list[importing.ImportReport] = []
    tick(f"Reading wards from {source_name(wards)}")
    w = import_wards(wards, mapping=mappings.get("wards"))
    reports.append(w.report)
    tick(f"Reading LSOAs from {source_name(lsoas)}")
    ls = import_lsoas(lsoas, mapping=mappings.get("lsoas"), year=lsoa_year)
    reports.append(ls.report)
    area = importing.study_area(w.frame)
    lsoa_frame = importing.lsoas_in_area(ls.frame, w.frame, report=ls.report)
    ls.report.rows_used = len(lsoa_frame)
    year = ls.year
    tick("Reading deprivation and population tables")
    parsed = []
    for t in tables:
        table = import_lsoa_table(t)
        iod.check_vintage(table, boundary_year=year, boundary_codes=pd.Index(lsoa_frame["lsoa_code"]),
                          boundary_source=ls.report.source)
        year = year or table.lsoa_year
        parsed.append(table)
        reports.append(table.report)
    editions = sorted({t.edition for t in parsed if t.edition})
    values = pd.DataFrame(index=pd.Index(lsoa_frame["lsoa_code"].astype(str), name="lsoa_code"))
    for table in parsed:
        for col in table.values.columns:
            if col not in values.columns:
                values[col] = table.values[col].reindex(values.index)
            else:
                values[col] = values[col].fillna(table.values[col].reindex(values.index))
    lsoa_frame = lsoa_frame.drop(columns=[c for c in values.columns if c in lsoa_frame.columns])
    for col in values.columns:
        lsoa_frame[col] = values[col].to_numpy()
    if editions:
        lsoa_frame["imd_edition"] = np.where(lsoa_frame[[c for c in values.columns if c not in
                                                         ("population", "working_age")]].notna().any(axis=1),
                                             editions[-1], np.nan)
    problems: list[Problem] = []
    if "population" not in lsoa_frame.columns:
        problems.append(Problem(ls.report.source, "the LSOAs have no population: add a population file.",
                                column="population",
                                fix="Add Census 2021 population by LSOA (for 2021 LSOAs) or IoD2019 File 6 "
                                    "(population denominators, for 2011 LSOAs)."))
    else:
        missing = lsoa_frame.loc[lsoa_frame["population"].isna(), "lsoa_code"].astype(str).tolist()
        if missing:
            pop_src = next((t.source for t in parsed if "population" in t.values.columns), "the population file")
            problems.append(Problem(pop_src, f"has no population for {len(missing):,} of the {len(lsoa_frame):,} "
                                             f"LSOAs ({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}).",
                                    column="population",
                                    fix="Use a population file for the same LSOA vintage and the whole area."))
    if problems:
        raise DataError(problems)
    if "imd_decile" in lsoa_frame.columns:
        no_imd = lsoa_frame.loc[lsoa_frame["imd_decile"].isna(), "lsoa_code"].astype(str).tolist()
        if no_imd:
            ls.report.flagged.append(importing.RowIssue(None, "imd_decile", f"{len(no_imd)} LSOAs",
                                                        f"have no IMD decile ({', '.join(no_imd[:5])})"))
    elif parsed:
        ls.report.notes.append("no IMD decile in the tables given: the map cannot shade deprivation.")
    layers: dict[str, gpd.GeoDataFrame] = {"wards": w.frame, "lsoas": lsoa_frame}
    buffer_m = 2_000.0
    used = {"ons", "os"}
    if parsed:
        used.add("ogl")

    if osm:
        tick(f"Reading OpenStreetMap roads, venues and buses from {source_name(osm)}")
        osm_layers, rep = import_osm(osm)
        for lname, frame in osm_layers.items():
            before = len(frame)
            frame = importing.clip_to_area(frame, area, buffer_m=buffer_m)
            if lname == "bus_routes" and len(frame):
                zone = area.buffer(buffer_m)
                frame = frame.assign(geometry=frame.geometry.intersection(zone))
                frame = frame[~frame.geometry.is_empty & frame.geometry.geom_type.isin(
                    ["LineString", "MultiLineString"])].reset_index(drop=True)
            if before != len(frame):
                rep.notes.append(f"{lname}: {before - len(frame):,} of {before:,} lie more than "
                                 f"{buffer_m / 1000:.0f} km outside the study area and were left out.")
            layers[lname] = frame
        reports.append(rep)
        used.add("osm")
    if gtfs:
        tick(f"Reading GTFS feed {source_name(gtfs)}")
        g_layers, rep = import_gtfs(gtfs)
        for lname, frame in g_layers.items():
            if lname in layers and len(layers[lname]):
                rep.notes.append(f"{lname} from the GTFS feed replace those from OpenStreetMap.")
            layers[lname] = importing.clip_to_area(frame, area, buffer_m=buffer_m)
        reports.append(rep)
        used.add("ogl")
    if naptan:
        tick(f"Reading NaPTAN stops {source_name(naptan)}")
        stops, rep = import_naptan(naptan)
        stops = importing.clip_to_area(stops, area, buffer_m=buffer_m)
        rep.notes.append(f"{len(stops):,} stops lie in or near the study area.")
        if gtfs:
            rep.notes.append("the GTFS feed's stops are used; NaPTAN stops were not added.")
        else:
            layers["bus_stops"] = stops
        reports.append(rep)
        used.add("ogl")

    index = None
    if postcodes:
        tick("Reading postcodes")
        index, rep = import_postcodes(postcodes)
        reports.append(rep)
        used.add("royal_mail")
    far_m = far_km * 1000.0
    for lname, sources, kind in (("venues", venues, venue_kind), ("partners", partners, partner_kind),
                                 ("participants", participants, None)):
        frames = []
        for src in sources:
            tick(f"Reading {lname} from {source_name(src)}")
            res = import_points(src, layer=lname, postcodes=index, mapping=mappings.get(lname), area=area,
                                far_m=far_m, default_kind=kind)
            frames.append(res.frame)
            reports.append(res.report)
        if not frames:
            continue
        id_col = {"venues": "venue_id", "partners": "partner_id", "participants": "participant_id"}[lname]
        if lname in layers and len(layers[lname]):
            frames.insert(0, layers[lname])
        seen: set[str] = set()
        for k, frame in enumerate(frames):
            ids = frame[id_col].astype(str)
            if seen & set(ids):
                frames[k] = frame.assign(**{id_col: f"{k + 1}-" + ids})
            seen |= set(frames[k][id_col].astype(str))
        layers[lname] = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS)

    tick(f"Writing the workspace {path.name}")
    meta = {
        "name": name, "fictional": "false",
        "imd_edition": str(editions[-1]) if editions else "",
        "lsoa_year": str(year or ""), "ward_year": str(w.year or ""),
        "attribution": "; ".join(ATTRIBUTION[k] for k in ("ons", "os", "royal_mail", "ogl", "osm") if k in used),
        "sources": json.dumps([source_name(s) for s in [wards, lsoas, *tables, *(x for x in (osm, gtfs, naptan) if x),
                                                          *venues, *partners, *postcodes]]),
        "import_report": json.dumps([r.to_dict() for r in reports]),
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if participants:
        meta["participants_note"] = ("participant identifiers are salted hashes; names, phone numbers and emails "
                                     "were dropped on import; the uploaded file was not kept.")
    write_workspace(path, layers, meta)
    if progress is not None:
        progress(1.0, f"Workspace {path.name} written")
    counts = {k: int(len(v)) for k, v in layers.items()}
    return BuildResult(path, name, reports, counts, meta)


def list_workspaces() -> list[tuple[Path, dict[str, str]]]:
    """Workspace files in workspace_dir() with their metadata (demo files included)."""
    folder = workspace_dir()
    if not folder.is_dir():
        return []
    return [(p, read_meta(p)) for p in sorted(folder.glob("*.gpkg")) if not p.name.startswith(".")]


# ---- command line: python -m geo.io import ... -----------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:

    parser = argparse.ArgumentParser(prog="python -m geo.io", description="Patchwork workspace files.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import", help="build a workspace from your own files",
                       description="Build a workspace GeoPackage from official UK files and your own lists. "
                                   "Nothing is written unless every file can be used.")
    p.add_argument("--name", required=True, help="workspace name, e.g. 'Wolverhampton'")
    p.add_argument("--out", help="output .gpkg (default: <workspace dir>/<name>.gpkg)")
    p.add_argument("--wards", required=True, help="ward boundaries: GeoJSON, GeoPackage or zipped Shapefile")
    p.add_argument("--lsoas", required=True, help="LSOA boundaries (2011 or 2021)")
    p.add_argument("--lsoa-year", type=int, choices=(2011, 2021), help="LSOA vintage when the columns do not say")
    p.add_argument("--tables", nargs="*", default=[], help="IoD files (2019 Files 1, 2, 6; IoD2025) and "
                                                           "Census 2021 population")
    p.add_argument("--osm", help="OpenStreetMap extract (.osm.pbf)")
    p.add_argument("--gtfs", help="GTFS feed (zip)")
    p.add_argument("--naptan", help="NaPTAN Stops.csv")
    p.add_argument("--venues", nargs="*", default=[], help="venue lists (CSV or Excel)")
    p.add_argument("--venue-kind", help="kind for venues whose kind is not given (e.g. library)")
    p.add_argument("--partners", nargs="*", default=[], help="partner site lists (CSV or Excel)")
    p.add_argument("--partner-kind", help="kind for partners whose kind is not given")
    p.add_argument("--participants", nargs="*", default=[], help="participant lists (pseudonymised on import)")
    p.add_argument("--postcodes", nargs="*", default=[], help="Code-Point Open CSVs (or folder) or ONSPD")
    p.add_argument("--map", action="append", default=[], metavar="KIND:ROLE=COLUMN",
                   help="column mapping, e.g. venues:name='Centre name' (repeatable)")
    p.add_argument("--remember", action="store_true", help="remember --map mappings for files with the same headers")
    p.add_argument("--far-km", type=float, default=5.0, help="flag points further than this outside the area")
    p.add_argument("--report-json", help="also write the import report as JSON here")
    args = parser.parse_args(argv)

    mappings: dict[str, dict[str, str]] = {}
    for item in args.map:
        try:
            kind, rest = item.split(":", 1)
            role, column = rest.split("=", 1)
        except ValueError:
            parser.error(f"--map {item!r}: expected KIND:ROLE=COLUMN")
        mappings.setdefault(kind.strip(), {})[role.strip()] = column.strip()

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction * 100:3.0f}%] {text}", file=sys.stderr, flush=True)

    if args.remember:
        files = {"wards": [args.wards], "lsoas": [args.lsoas], "venues": args.venues, "partners": args.partners,
                 "participants": args.participants}
        try:
            for what, mapping in mappings.items():
                for src in files.get(what, []):
                    remember_mapping(what, headers_of(src, what=what), mapping)
        except DataError as err:
            print(f"Import failed; nothing was written.\n{err}", file=sys.stderr)
            return 1

    try:
        result = build_workspace(
            args.out, name=args.name, wards=args.wards, lsoas=args.lsoas, tables=args.tables, osm=args.osm,
            gtfs=args.gtfs, naptan=args.naptan, venues=args.venues, partners=args.partners,
            participants=args.participants, postcodes=args.postcodes, venue_kind=args.venue_kind,
            partner_kind=args.partner_kind, mappings=mappings, lsoa_year=args.lsoa_year, far_km=args.far_km,
            progress=progress)
    except importing.ColumnMappingNeeded as err:
        print(f"Import failed; nothing was written.\n{err}\nMap the columns with --map {err.what}:ROLE=COLUMN "
              f"(roles: {', '.join(r.name for r in err.roles)}).", file=sys.stderr)
        return 1
    except DataError as err:
        print(f"Import failed; nothing was written.\n{err}", file=sys.stderr)
        return 1
    for report in result.reports:
        print("\n".join(report.lines()))
    print(f"\nWrote {result.path}: " + ", ".join(f"{k} {v:,}" for k, v in result.counts.items()))
    if args.report_json:
        Path(args.report_json).write_text(json.dumps([r.to_dict() for r in result.reports], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover - python -m runs __main__.py
    raise SystemExit(main())
