"""What every importer shares: the import report, column mapping, geometry checks and area assembly.

Pure functions on frames that `geo.io` has already read. Row numbers in reports follow what a person
sees: in a table the header is row 1, so the first data row is row 2 (as in a spreadsheet); in a
vector file (GeoJSON, GeoPackage, Shapefile) features count from 1.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.model import CRS, DataError, Problem

#: Great Britain in British National Grid metres (generous: the grid's false origin to Shetland).
GB_BNG_BOUNDS: tuple[float, float, float, float] = (0.0, 0.0, 700_000.0, 1_300_000.0)
#: Great Britain in longitude/latitude (WGS84): mainland, islands, Scilly to Shetland.
GB_LONLAT_BOUNDS: tuple[float, float, float, float] = (-8.75, 49.8, 1.8, 60.95)
#: Table rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
#: How many individual rows a report lists before it summarises.
MAX_LISTED = 200


# ---- the report ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowIssue:
    """One row rejected (or kept with a warning): where, which column, the value and why."""

    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.column}: {self.value} {self.reason}"


@dataclass
class ImportReport:
    """What one file gave: rows read, used, rejected (with reasons), flagged, and what was assumed."""

    source: str
    what: str
    rows_read: int = 0
    rows_used: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    flagged: list[RowIssue] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def summary(self) -> str:
        text = f"{self.source} ({self.what}): {self.rows_read:,} rows read, {self.rows_used:,} used"
        if self.rejected:
            text += f", {len(self.rejected):,} rejected"
        if self.flagged:
            text += f", {len(self.flagged):,} flagged"
        return text

    def lines(self) -> list[str]:
        """The whole report as plain lines (for the CLI and for storing in the workspace)."""
        out = [self.summary()]
        out += [f"  rejected {issue}" for issue in self.rejected[:MAX_LISTED]]
        if len(self.rejected) > MAX_LISTED:
            out.append(f"  ... and {len(self.rejected) - MAX_LISTED:,} more rejected rows")
        out += [f"  flagged {issue}" for issue in self.flagged[:MAX_LISTED]]
        if len(self.flagged) > MAX_LISTED:
            out.append(f"  ... and {len(self.flagged) - MAX_LISTED:,} more flagged rows")
        out += [f"  assumed: {a}" for a in self.assumptions]
        out += [f"  note: {n}" for n in self.notes]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "what": self.what, "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rejected": [str(i) for i in self.rejected[:MAX_LISTED]],
            "rejected_count": len(self.rejected),
            "flagged": [str(i) for i in self.flagged[:MAX_LISTED]],
            "flagged_count": len(self.flagged),
            "assumptions": list(self.assumptions), "notes": list(self.notes),
        }


# ---- column mapping -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Role:
    """A column an importer looks for: its name in the app, how to say it, and header aliases."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


class ColumnMappingNeeded(DataError):
    """The file's headers do not say which column is which: the user maps them (remembered later)."""

    def __init__(self, *, source: str, what: str, headers: Sequence[str], roles: Sequence[Role],
                 missing: Sequence[str], guess: Mapping[str, str]) -> None:
        self.source, self.what = source, what
        self.headers = [str(h) for h in headers]
        self.roles = list(roles)
        self.missing = list(missing)
        self.guess = dict(guess)
        labels = {r.name: r.label for r in roles}
        problems = [
            Problem(source, f"no column for {labels.get(m, m)} (headers found: {', '.join(self.headers[:30])}).",
                    column=m, fix="Rename the column, or choose which column holds it in the column-mapping "
                                  "step (it is remembered for files with the same headers).")
            for m in self.missing
        ]
        super().__init__(problems)


def norm_header(header: object) -> str:
    """'Post Code ' -> 'post_code'; the form aliases are written in."""
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower().replace("\ufeff", "")).strip("_")


def resolve_roles(headers: Sequence[str], roles: Sequence[Role], *, mapping: Mapping[str, str] | None = None
                  ) -> dict[str, str]:
    """Map role name -> header: an explicit mapping first, then aliases (normalised, first match).

    Unknown headers named in `mapping` are ignored here; `check_mapping` reports them.
    """
    found: dict[str, str] = {}
    used: set[str] = set()
    for role, header in (mapping or {}).items():
        if header in headers and header not in used:
            found[role] = header
            used.add(header)
    normed = {h: norm_header(h) for h in headers}
    for role in roles:
        if role.name in found:
            continue
        for alias in (role.name, *role.aliases):
            hit = next((h for h in headers if normed[h] == alias and h not in used), None)
            if hit is not None:
                found[role.name] = hit
                used.add(hit)
                break
    return found


def check_mapping(mapping: Mapping[str, str], headers: Sequence[str], *, source: str) -> None:
    """A saved or typed mapping that names a column the file does not have is an error."""
    bad = [(role, col) for role, col in mapping.items() if col and col not in headers]
    if bad:
        raise DataError([Problem(source, f"the column mapping names column '{col}' for {role}, but the file "
                                         f"has no such column (headers: {', '.join(map(str, headers[:30]))}).",
                                 column=col, fix="Choose one of the file's columns in the mapping.")
                         for role, col in bad])


# ---- numbers and geometry -----------------------------------------------------------------------
def to_number(values: pd.Series) -> pd.Series:
    """Text to float: thousands separators, spaces and a leading '£' removed; blanks and junk -> NaN."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    text = values.astype("string").str.strip().str.replace(r"^£", "", regex=True)
    text = text.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    out = pd.to_numeric(text, errors="coerce").astype("float64")
    return out.where(np.isfinite(out.to_numpy(dtype="float64", na_value=np.nan)))


def show_value(value: object) -> str:
    """A raw value quoted for a message, shortened when long."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(blank)"
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


@functools.lru_cache(maxsize=1)
def _to_bng() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(4326, 27700, always_xy=True)


def lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (WGS84) to British National Grid metres (the transformer is built once)."""
    x, y = _to_bng().transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def in_gb_bng(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = GB_BNG_BOUNDS
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & np.isfinite(y) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def in_gb_lonlat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = GB_LONLAT_BOUNDS
    with np.errstate(invalid="ignore"):
        return np.isfinite(lon) & np.isfinite(lat) & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def guess_crs(frame: gpd.GeoDataFrame) -> str | None:
    """For a layer without a CRS: EPSG:4326 when the coordinates look like GB lon/lat, EPSG:27700 when
    they look like GB grid metres, else None."""
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(geoms) == 0:
        return None
    x0, y0, x1, y1 = geoms.total_bounds
    if in_gb_lonlat(np.array([x0, x1]), np.array([y0, y1])).all():
        return "EPSG:4326"
    if in_gb_bng(np.array([x0, x1]), np.array([y0, y1])).all():
        return CRS
    return None


def prepare_geometries(frame: gpd.GeoDataFrame, *, source: str, family: str,
                       report: ImportReport, first_row: int = 1) -> gpd.GeoDataFrame:
    """Bring a vector layer to EPSG:27700 with usable geometries of one family, or raise DataError.

    family: "Polygon", "LineString" or "Point". Missing CRS is guessed from the coordinates (and
    said so); coordinates that land outside Great Britain point at a wrong CRS; empty or missing
    geometries and geometries of another family are problems naming the feature; invalid polygons
    are repaired (and counted).
    """
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None or frame.geometry.name not in frame:
        raise DataError(Problem(source, f"has no geometries; expected {family} features.",
                                fix="Choose a GeoJSON, GeoPackage or zipped Shapefile with the boundaries."))
    out = frame.reset_index(drop=True).copy()
    geoms = out.geometry
    problems: list[Problem] = []
    empty = (geoms.isna() | geoms.is_empty).to_numpy()
    for i in np.flatnonzero(empty)[:20]:
        problems.append(Problem(source, "geometry is empty or missing.", row=int(i) + first_row,
                                column="geometry", fix="Give the feature its shape or remove it."))
    if empty.sum() > 20:
        problems.append(Problem(source, f"{int(empty.sum()) - 20} more features have no geometry.",
                                column="geometry"))
    allowed = {"Polygon": {"Polygon", "MultiPolygon"}, "LineString": {"LineString", "MultiLineString"},
               "Point": {"Point"}}[family]
    types = geoms.geom_type
    wrong = (~types.isin(list(allowed))).to_numpy() & ~empty
    for i in np.flatnonzero(wrong)[:20]:
        problems.append(Problem(source, f"geometry is a {types.iloc[i]}, expected {family}.",
                                row=int(i) + first_row, column="geometry",
                                fix=f"Choose a file of {family.lower()} features (is this the right layer?)."))
    if wrong.sum() > 20:
        problems.append(Problem(source, f"{int(wrong.sum()) - 20} more features have the wrong geometry type.",
                                column="geometry"))
    if problems:
        raise DataError(problems)
    if out.crs is None:
        guessed = guess_crs(out)
        if guessed is None:
            raise DataError(Problem(source, "has no coordinate reference system and its coordinates are "
                                            "neither British National Grid metres nor longitude/latitude in Great Britain.",
                                    fix="Save the file with its CRS (EPSG:27700 or EPSG:4326)."))
        report.assumptions.append(f"the file has no CRS; its coordinates look like {guessed} "
                                  f"({'longitude/latitude' if guessed == 'EPSG:4326' else 'British National Grid'}).")
        out = out.set_crs(guessed)
    crs_name = out.crs.to_string()
    try:
        if out.crs.to_epsg() != 27700:
            out = out.to_crs(CRS)
    except Exception as exc:  # pyproj raises several types for unusable CRSs
        raise DataError(Problem(source, f"its CRS ({crs_name}) cannot be converted to British National Grid ({exc}).",
                                fix="Save the file in EPSG:27700 or EPSG:4326.")) from None
    bounds = out.geometry.bounds.to_numpy()
    ok = in_gb_bng(bounds[:, 0], bounds[:, 1]) & in_gb_bng(bounds[:, 2], bounds[:, 3])
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise DataError([Problem(source, f"lies outside Great Britain once read in its CRS ({crs_name}); "
                                         "the file's CRS is probably wrong or the coordinates are damaged.",
                                 row=int(i) + first_row, column="geometry",
                                 fix="Check the file's CRS (British National Grid is EPSG:27700, "
                                     "longitude/latitude EPSG:4326) and re-export it.")
                         for i in bad[:10]]
                        + ([Problem(source, f"{len(bad) - 10} more features lie outside Great Britain.")]
                           if len(bad) > 10 else []))
    if family == "Polygon":
        valid = out.geometry.is_valid.to_numpy()
        if not valid.all():
            fixed = shapely.make_valid(out.geometry.to_numpy()[~valid])
            polys = np.array([_polygonal(g) for g in fixed], dtype=object)
            out.loc[~valid, out.geometry.name] = polys
            lost = np.flatnonzero(~valid)[[p is None or p.is_empty for p in polys]]
            if len(lost):
                raise DataError([Problem(source, "geometry is not a valid polygon and cannot be repaired.",
                                         row=int(i) + first_row, column="geometry",
                                         fix="Repair it in QGIS (Vector > Geometry tools > Fix geometries).")
                                 for i in lost[:20]])
            report.assumptions.append(f"{int((~valid).sum())} invalid polygon(s) repaired "
                                      "(self-intersections fixed with make_valid).")
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def distance_to_area_m(points: gpd.GeoSeries, area: shapely.Geometry | None) -> np.ndarray:
    """Metres from each point to the study area (0 inside); NaN when there is no area."""
    if area is None or area.is_empty:
        return np.full(len(points), np.nan)
    shapely.prepare(area)
    return shapely.distance(points.to_numpy(), area)


def flag_far(geoms: gpd.GeoSeries, *, area: shapely.Geometry | None, far_m: float, rows: Sequence[int],
             column: str, values: Sequence[str], report: ImportReport) -> np.ndarray:
    """Flag (keep, not drop) every point more than far_m outside the study area; return the mask."""
    if area is None or len(geoms) == 0:
        return np.zeros(len(geoms), dtype=bool)
    dist = distance_to_area_m(geoms, area)
    far = np.isfinite(dist) & (dist > far_m)
    for i in np.flatnonzero(far):
        report.flagged.append(RowIssue(int(rows[i]), column, values[i],
                                       f"is {dist[i] / 1000:.0f} km outside the study area (kept; check it)"))
    return far


# ---- area assembly ------------------------------------------------------------------------------
def study_area(wards: gpd.GeoDataFrame) -> shapely.Geometry:
    """The union of the ward polygons (EPSG:27700)."""
    return shapely.union_all(wards.geometry.to_numpy())


def lsoas_in_area(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, *, report: ImportReport
                  ) -> gpd.GeoDataFrame:
    """Keep the LSOAs whose inner point lies in a ward; give each the ward holding that point.

    LSOAs do not nest exactly in wards (different vintages and review cycles), so an LSOA belongs to
    the ward holding its representative point; that is said in the report.
    """
    pts = gpd.GeoDataFrame(geometry=lsoas.geometry.representative_point(), crs=lsoas.crs)
    tree = shapely.STRtree(wards.geometry.to_numpy())
    idx_pt, idx_ward = tree.query(pts.geometry.to_numpy(), predicate="within")
    ward_of = np.full(len(lsoas), -1)
    ward_of[idx_pt] = idx_ward  # a point on a shared edge lands in one of the wards
    inside = ward_of >= 0
    if not inside.any():
        raise DataError(Problem(report.source, "no LSOA lies inside the wards: the ward and LSOA files seem to "
                                               "be for different places.",
                                fix="Choose ward and LSOA boundaries for the same area."))
    out = lsoas.loc[inside].copy()
    out["ward_code"] = wards["ward_code"].to_numpy()[ward_of[inside]]
    if (~inside).any():
        report.notes.append(f"{int((~inside).sum()):,} LSOAs lie outside the wards and were left out.")
    report.assumptions.append("each LSOA belongs to the ward holding its inner point (LSOAs do not nest "
                              "exactly in wards).")
    return out.reset_index(drop=True)


def clip_to_area(frame: gpd.GeoDataFrame, area: shapely.Geometry, *, buffer_m: float) -> gpd.GeoDataFrame:
    """Rows whose geometry comes within buffer_m of the study area."""
    if len(frame) == 0:
        return frame
    zone = shapely.buffer(area, buffer_m) if buffer_m > 0 else area
    shapely.prepare(zone)
    keep = shapely.intersects(zone, frame.geometry.to_numpy())
    return frame.loc[keep].reset_index(drop=True)
