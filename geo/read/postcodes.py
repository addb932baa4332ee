"""Postcodes: normalise them and locate them with a postcode file the user supplies.

Two published files are understood, from frames `geo.io` has read:

* OS Code-Point Open: headerless CSVs, one per postcode area, columns by position (the headers are in
  `Doc/Code-Point_Open_Column_Headers.csv`): postcode, positional quality, easting, northing, country,
  NHS region, NHS health authority, county, district, ward. Positional quality 90 means "no
  coordinates" and such postcodes are treated as not found.
* ONS Postcode Directory (ONSPD/NSPL): headers `pcds` (or `pcd`, `pcd7`), `oseast1m`/`osnrth1m`
  (or `east1m`/`north1m`), else `lat`/`long`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.model import DataError, Problem
from geo.read.columns import norm_header, to_number
from geo.read.geometry import in_gb_bng, lonlat_to_bng
from geo.read.report import ImportReport

_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
CODEPOINT_COLUMNS: tuple[str, ...] = ("Postcode", "Positional_quality_indicator", "Eastings", "Northings",
                                      "Country_code", "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code",
                                      "Admin_district_code", "Admin_ward_code")


def normalise(values: pd.Series) -> pd.Series:
    """'b6  6ej ' -> 'B6 6EJ'; anything that is not a UK postcode -> <NA>."""
    compact = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    ok = compact.str.match(_POSTCODE).fillna(False)
    spaced = compact.str[:-3] + " " + compact.str[-3:]
    return spaced.where(ok, pd.NA)


def looks_like_postcode(value: object) -> bool:
    return bool(_POSTCODE.match(re.sub(r"\s+", "", str(value).upper())))


@dataclass(frozen=True)
class PostcodeIndex:
    """Postcode -> British National Grid point, from one or more postcode files."""

    codes: pd.Index  # normalised postcodes, unique
    x: np.ndarray
    y: np.ndarray
    sources: tuple[str, ...]
    label: str  # "OS Code-Point Open" / "ONS Postcode Directory"

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, postcodes: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, found) for normalised postcodes (NaN where not found)."""
        pos = self.codes.get_indexer(pd.Index(postcodes.astype("string").fillna("")))
        found = pos >= 0
        x = np.where(found, self.x[np.where(found, pos, 0)] if len(self.x) else np.nan, np.nan)
        y = np.where(found, self.y[np.where(found, pos, 0)] if len(self.y) else np.nan, np.nan)
        return x, y, found

    @property
    def areas(self) -> list[str]:
        """Postcode areas covered (B, WV, ...), for saying what a 'not found' may mean."""
        return sorted(set(self.codes.str.extract(r"^([A-Z]+)", expand=False).dropna()))


def merge(indexes: list[PostcodeIndex]) -> PostcodeIndex:
    if len(indexes) == 1:
        return indexes[0]
    codes = pd.Index(np.concatenate([i.codes.to_numpy(dtype=object) for i in indexes]))
    x = np.concatenate([i.x for i in indexes])
    y = np.concatenate([i.y for i in indexes])
    keep = ~codes.duplicated(keep="first")
    labels = sorted({i.label for i in indexes})
    return PostcodeIndex(codes[keep], x[keep], y[keep], tuple(s for i in indexes for s in i.sources),
                         " and ".join(labels))


def is_headerless_codepoint(first_row: Sequence[object]) -> bool:
    """True when a CSV's first row is data in Code-Point's layout (a postcode, then numbers)."""
    return len(first_row) >= 4 and looks_like_postcode(first_row[0]) and str(first_row[2]).strip().isdigit()


def from_frame(frame: pd.DataFrame, *, source: str, headerless: bool, report: ImportReport) -> PostcodeIndex:
    """A PostcodeIndex from a Code-Point (headerless) or ONSPD/Code-Point-with-headers frame."""
    if headerless:
        if frame.shape[1] < 4:
            raise DataError(Problem(source, f"has {frame.shape[1]} columns; OS Code-Point Open has 10 "
                                            "(postcode, quality, easting, northing, ...).",
                                    fix="Choose the CSV files from Code-Point Open's Data/CSV folder."))
        quality: pd.Series | None
        pc, east, north, quality = frame.iloc[:, 0], frame.iloc[:, 2], frame.iloc[:, 3], frame.iloc[:, 1]
        label = "OS Code-Point Open"
        first = 1
    else:
        names = {norm_header(c): c for c in frame.columns}
        pc_col = next((names[n] for n in ("pcds", "pcd", "pcd7", "pcd8", "pcd2", "postcode", "post_code")
                       if n in names), None)
        e_col = next((names[n] for n in ("oseast1m", "east1m", "eastings", "easting", "x") if n in names), None)
        n_col = next((names[n] for n in ("osnrth1m", "north1m", "northings", "northing", "y") if n in names), None)
        lat_col = next((names[n] for n in ("lat", "latitude") if n in names), None)
        lon_col = next((names[n] for n in ("long", "lon", "lng", "longitude") if n in names), None)
        if pc_col is None or not ((e_col and n_col) or (lat_col and lon_col)):
            raise DataError(Problem(source, "is not a postcode file the app knows: expected OS Code-Point Open "
                                            "(headerless CSV) or the ONS Postcode Directory (pcds, oseast1m, "
                                            f"osnrth1m); headers found: {', '.join(map(str, frame.columns[:15]))}.",
                                    column="postcode", fix="Choose Code-Point Open's Data/CSV files or ONSPD."))
        pc = frame[pc_col]
        quality = frame[names["positional_quality_indicator"]] if "positional_quality_indicator" in names else None
        label = "OS Code-Point Open" if quality is not None else "ONS Postcode Directory"
        first = 2
        if e_col and n_col:
            east, north = frame[e_col], frame[n_col]
        else:
            lon = to_number(frame[lon_col]).to_numpy(dtype="float64", na_value=np.nan)
            lat = to_number(frame[lat_col]).to_numpy(dtype="float64", na_value=np.nan)
            ex, ny = lonlat_to_bng(lon, lat)
            east, north = pd.Series(ex), pd.Series(ny)
            report.assumptions.append("postcodes located from their latitude/longitude columns.")
    codes = normalise(pc)
    x = to_number(pd.Series(east)).to_numpy(dtype="float64", na_value=np.nan)
    y = to_number(pd.Series(north)).to_numpy(dtype="float64", na_value=np.nan)
    located = in_gb_bng(x, y) & ~((x == 0) & (y == 0))
    if quality is not None:
        located &= to_number(pd.Series(quality)).to_numpy(dtype="float64", na_value=np.nan) != 90
    usable = codes.notna().to_numpy() & located
    report.rows_read += len(frame)
    report.rows_used += int(usable.sum())
    if (~usable).any():
        report.notes.append(f"{int((~usable).sum()):,} rows of {source} have no usable postcode or coordinates "
                            "(e.g. positional quality 90) and were skipped.")
    if usable.sum() == 0:
        raise DataError(Problem(source, f"holds no usable postcodes (rows from {first} on: no valid postcode with "
                                        "coordinates in Great Britain).", column="postcode",
                                fix="Choose Code-Point Open's Data/CSV files or the ONS Postcode Directory."))
    idx = pd.Index(codes[usable].to_numpy(dtype=object))
    keep = ~idx.duplicated(keep="first")
    return PostcodeIndex(idx[keep], x[usable][keep], y[usable][keep], (source,), label)
