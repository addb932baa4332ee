"""Reading the files users download: bytes from a path or an upload, tables (CSV, Excel, zip) and vector files.

A source is a path or an `Upload` (a name and bytes, held in memory and never written to disk). Any
failure of a reading library becomes a DataError naming the file (and the line, for a malformed CSV).
Understanding what the frames hold is pure and lives in geo.read; the importers that join the two
are in geo.io.importers.
"""

from __future__ import annotations

import csv
import gzip
import io as _stdio
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.model import DataError, Problem

#: A vector file's layers as (layer name, field names), for choosing one of several.
LayerChoice = Callable[[list[tuple[str, list[str]]]], str]
_REEXPORT = "Export the boundaries again from the ONS Open Geography Portal or QGIS."


@dataclass(frozen=True)
class Upload:
    """A file the user uploaded: its name and bytes, held in memory only."""

    name: str
    data: bytes


Source = str | Path | Upload


def source_name(src: Source) -> str:
    """How a file is named in messages: the upload's name, or the path as given."""
    return src.name if isinstance(src, Upload) else str(src)


def read_bytes(src: Source) -> bytes:
    """The whole file (or upload) as bytes; a folder or an unreadable path is a DataError naming it."""
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


def gunzip(name: str, data: bytes) -> bytes:
    """The bytes, uncompressed when they are gzip (a damaged gzip is a DataError naming the file)."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(Problem(name, f"is a damaged or truncated gzip file ({exc}).",
                                fix="Download the file again.")) from None


def is_zip(data: bytes) -> bool:
    """Whether the bytes start like a zip archive (or an empty one)."""
    return data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06"


def _is_xlsx(name: str, data: bytes) -> bool:
    if not is_zip(data):
        return False
    if name.lower().endswith((".xlsx", ".xlsm")):
        return True
    try:
        with zipfile.ZipFile(_stdio.BytesIO(data)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def decode_text(name: str, data: bytes, *, notes: list[str] | None = None) -> str:
    """Text from a file's bytes: UTF-8 (with or without BOM), UTF-16, else Windows-1252 or Latin-1 (noted)."""
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
    data = gunzip(name, read_bytes(src))
    if _is_xlsx(name, data):
        return _read_excel(name, data, header=header, notes=notes)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(Problem(name, "is an old Excel .xls file, which the app does not read.",
                                fix="Open it in Excel and save it as .xlsx or CSV."))
    if is_zip(data):
        inner = _single_csv_in_zip(name, data)
        return _parse_csv(f"{name}/{inner[0]}", decode_text(name, inner[1], notes=notes), header=header)
    return _parse_csv(name, decode_text(name, data, notes=notes), header=header)


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
def _vector_target(src: Source) -> tuple[str, str | bytes]:
    name = source_name(src)
    if isinstance(src, Upload):
        data = gunzip(name, src.data)
        return name, data
    path = Path(src)
    if not path.exists():
        raise DataError(Problem(str(path), "does not exist.", fix="Check the path."))
    if path.suffix.lower() == ".gz":
        return name, gunzip(name, read_bytes(path))
    return name, str(path)


def vector_layers(src: Source) -> list[tuple[str, list[str]]]:
    """The layers of a GeoJSON, GeoPackage or (zipped) Shapefile as (layer name, field names)."""
    name, target = _vector_target(src)
    return _layers(name, target)


def _layers(name: str, target: str | bytes) -> list[tuple[str, list[str]]]:
    try:
        names = [str(row[0]) for row in pyogrio.list_layers(target)]
        # in-memory GeoJSON gets a new random layer name on every open: name layers only when there are several
        layers = [(n, [str(f) for f in pyogrio.read_info(target, layer=n if len(names) > 1 else None)["fields"]])
                  for n in names]
    except Exception as exc:  # pyogrio/GDAL raise several types for unreadable data
        raise DataError(Problem(name, f"cannot be read as GeoJSON, GeoPackage or zipped Shapefile ({exc}).",
                                fix=_REEXPORT)) from None
    if not layers:
        raise DataError(Problem(name, "holds no layers.", fix="Choose a file with boundary polygons."))
    return layers


def read_vector(src: Source, *, choose: LayerChoice | None = None) -> tuple[gpd.GeoDataFrame, str | None]:
    """Read a GeoJSON, GeoPackage or (zipped) Shapefile; `choose(layers: list[(name, fields)])` picks
    the layer of a multi-layer file (default: the first). Returns (frame, layer name)."""
    name, target = _vector_target(src)
    layers = _layers(name, target)
    layer = choose(layers) if choose is not None and len(layers) > 1 else layers[0][0]
    try:
        with warnings.catch_warnings():  # pyogrio warns about JSON-looking columns it leaves as text
            warnings.simplefilter("ignore", UserWarning)
            frame = pyogrio.read_dataframe(target, layer=layer if len(layers) > 1 else None)
    except Exception as exc:  # as above: any GDAL failure is a DataError naming the file
        raise DataError(Problem(name, f"cannot be read ({exc}).",
                                fix=_REEXPORT)) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataError(Problem(name, "has no geometries (a table, not boundaries).",
                                fix="Choose a GeoJSON, GeoPackage or zipped Shapefile of polygons."))
    return frame, (layer if len(layers) > 1 else None)

