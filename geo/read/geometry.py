"""Geometry checks every importer shares: coordinates in Great Britain, CRS, geometry family, distance to the area,
and the one rule that limits points to the area (`limit_to_area`).

Pure functions on frames `geo.io` has read; everything comes out in British National Grid (EPSG:27700).
Vector features are numbered from 1 in messages (`first_row`), table rows as a spreadsheet shows them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import cast

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geo.model import CRS, DataError, Problem
from geo.read.report import ImportReport, OutsideArea, RowIssue

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

#: Great Britain in British National Grid metres (generous: the grid's false origin to Shetland).
GB_BNG_BOUNDS: tuple[float, float, float, float] = (0.0, 0.0, 700_000.0, 1_300_000.0)
#: Great Britain in longitude/latitude (WGS84): mainland, islands, Scilly to Shetland.
GB_LONLAT_BOUNDS: tuple[float, float, float, float] = (-8.75, 49.8, 1.8, 60.95)


@functools.lru_cache(maxsize=1)
def _to_bng() -> Transformer:
    return Transformer.from_crs(4326, 27700, always_xy=True)


def lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (WGS84) to British National Grid metres (the transformer is built once)."""
    x, y = _to_bng().transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")


def in_gb_bng(x: np.ndarray, y: np.ndarray) -> BoolArray:
    """Whether each (x, y) is a finite point within Great Britain's grid bounds (metres)."""
    x0, y0, x1, y1 = GB_BNG_BOUNDS
    with np.errstate(invalid="ignore"):
        return cast(BoolArray, np.isfinite(x) & np.isfinite(y) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))


def in_gb_lonlat(lon: np.ndarray, lat: np.ndarray) -> BoolArray:
    """Whether each (lon, lat) is a finite point within Great Britain (WGS84 degrees)."""
    x0, y0, x1, y1 = GB_LONLAT_BOUNDS
    with np.errstate(invalid="ignore"):
        return cast(BoolArray, np.isfinite(lon) & np.isfinite(lat) & (lon >= x0) & (lon <= x1)
                    & (lat >= y0) & (lat <= y1))


def guess_crs(frame: gpd.GeoDataFrame) -> str | None:
    """For a layer without a CRS: EPSG:4326 when the coordinates look like GB lon/lat, EPSG:27700 when
    they look like GB grid metres, else None."""
    keep = (frame.geometry.notna() & ~frame.geometry.is_empty).to_numpy()
    if not keep.any():
        return None
    x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(frame.geometry.to_numpy()[keep]))
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
            raise DataError(Problem(source, "has no coordinate reference system and its coordinates are neither "
                                            "British National Grid metres nor longitude/latitude in Great Britain.",
                                    fix="Save the file with its CRS (EPSG:27700 or EPSG:4326)."))
        report.assumptions.append(f"the file has no CRS; its coordinates look like {guessed} "
                                  f"({'longitude/latitude' if guessed == 'EPSG:4326' else 'British National Grid'}).")
        out = out.set_crs(guessed)
    crs = out.crs
    assert crs is not None  # set above when the file had none
    crs_name = crs.to_string()
    try:
        if crs.to_epsg() != 27700:
            out = out.to_crs(CRS)
    except Exception as exc:
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


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def distance_to_area_m(points: gpd.GeoSeries, area: BaseGeometry | None) -> FloatArray:
    """Metres from each point to the study area (0 inside); NaN when there is no area."""
    if area is None or area.is_empty:
        return np.full(len(points), np.nan)
    shapely.prepare(area)
    return np.asarray(shapely.distance(points.to_numpy(), area), dtype="float64")


def flag_far(geoms: gpd.GeoSeries, *, area: BaseGeometry | None, far_m: float, rows: Sequence[int],
             column: str, values: Sequence[str], report: ImportReport) -> BoolArray:
    """Flag (keep, not drop) every point more than far_m outside the study area; return the mask."""
    if area is None or len(geoms) == 0:
        return np.zeros(len(geoms), dtype=bool)
    dist = distance_to_area_m(geoms, area)
    far: BoolArray = np.isfinite(dist) & (dist > far_m)
    for i in map(int, np.flatnonzero(far)):
        report.flagged.append(RowIssue(int(rows[i]), column, values[i],
                                       f"is {dist[i] / 1000:.0f} km outside the study area (kept; check it)"))
    return far



#: Points within this distance of the area (the union of the wards) are the workspace's.
DEFAULT_MARGIN_M = 2_000.0


def limit_to_area(frame: gpd.GeoDataFrame, *, what: str, area: BaseGeometry | None, margin_m: float,
                  keep_outside: bool, report: ImportReport, rows: Sequence[int | None] | None = None,
                  column: str = "location", values: Sequence[str] | None = None
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, BoolArray]:
    """The one rule for venues and partner sites, from a list or OpenStreetMap: (the area's points, the
    points kept outside it, the mask of points further than `margin_m` outside the area).

    Points within `margin_m` of the area are the area's. Points further out are left out, or, with
    `keep_outside`, returned as the second frame (their own layer, which only reach reads); either way
    each is listed in `report.outside` with its distance, under the row number and value given.
    Without an area every point is the area's.
    """
    if area is None or area.is_empty or len(frame) == 0:
        return frame.reset_index(drop=True), frame.iloc[:0].reset_index(drop=True), np.zeros(len(frame), dtype=bool)
    dist = distance_to_area_m(frame.geometry, area)
    far: BoolArray = np.isfinite(dist) & (dist > margin_m)
    listed = OutsideArea(what, margin_m / 1000.0, keep_outside)
    xy = shapely.get_coordinates(shapely.centroid(frame.geometry.to_numpy()))
    for i in map(int, np.flatnonzero(far)):
        value = values[i] if values is not None else f"{xy[i, 0]:.0f}, {xy[i, 1]:.0f}"
        listed.rows.append(RowIssue(rows[i] if rows is not None else None, column, value,
                                    f"is {dist[i] / 1000:.1f} km outside the area"))
    report.outside = listed
    inside = frame.loc[~far].reset_index(drop=True)
    outside = frame.loc[far].reset_index(drop=True) if keep_outside else frame.iloc[:0].reset_index(drop=True)
    return inside, outside, far
