"""The pure half of building a workspace: the study area, its LSOAs and their values, layers near it.

`geo.io.build` reads each file and hands the frames here: the study area is the union of the wards;
LSOAs belong to the ward holding their inner point; deprivation and population tables are joined by
code and checked; OpenStreetMap, GTFS and NaPTAN layers are clipped to the area plus a margin (one
setting, 2 km unless the user says), venues beyond it left out or kept apart by the one rule of
`geo.read.geometry.limit_to_area`; the user's point lists are merged; and the workspace metadata
(sources, attribution, margin, reports) is assembled.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.model import CRS, OUTSIDE_LAYERS, DataError, Problem
from geo.read.geometry import DEFAULT_MARGIN_M, distance_to_area_m, limit_to_area
from geo.read.iod import LsoaTable
from geo.read.report import ImportReport, RowIssue


def study_area(wards: gpd.GeoDataFrame) -> BaseGeometry:
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


def clip_to_area(frame: gpd.GeoDataFrame, area: BaseGeometry, *, buffer_m: float) -> gpd.GeoDataFrame:
    """Rows whose geometry comes within buffer_m of the study area (points: by their exact distance)."""
    if len(frame) == 0:
        return frame
    if frame.geometry.geom_type.eq("Point").all():
        return frame.loc[distance_to_area_m(frame.geometry, area) <= buffer_m].reset_index(drop=True)
    zone = shapely.buffer(area, buffer_m) if buffer_m > 0 else area
    shapely.prepare(zone)
    keep = shapely.intersects(zone, frame.geometry.to_numpy())
    return frame.loc[keep].reset_index(drop=True)


# ---- the pure half of building a workspace ----------------------------------------------------------
#: Layers from OpenStreetMap, GTFS and NaPTAN, and the venues and partners of lists, are kept within
#: this distance of the study area unless the user gives another margin.
AREA_BUFFER_M = DEFAULT_MARGIN_M
DEFAULT_MARGIN_KM = DEFAULT_MARGIN_M / 1000.0
#: The attribution line for each kind of source a workspace was built from, in the order shown.
ATTRIBUTION: dict[str, str] = {
    "ons": "Contains National Statistics data © Crown copyright and database right",
    "os": "Contains OS data © Crown copyright and database right 2025",
    "royal_mail": "Contains Royal Mail data © Royal Mail copyright and database right 2025",
    "ogl": "Contains public sector information licensed under the Open Government Licence v3.0",
    "osm": "© OpenStreetMap contributors, ODbL",
}
#: The identifier column of each point layer a user's lists can fill.
POINT_ID_COLUMNS: dict[str, str] = {"venues": "venue_id", "partners": "partner_id",
                                    "participants": "participant_id"}
_NOT_DEPRIVATION = ("population", "working_age")


def join_lsoa_tables(lsoas: gpd.GeoDataFrame, tables: Sequence[LsoaTable]) -> tuple[gpd.GeoDataFrame, list[int]]:
    """The LSOAs with every table's values joined by code (a later table fills what an earlier lacks).

    Returns (LSOAs, the IoD editions the tables carry, oldest first). With an edition, `imd_edition`
    holds the newest edition for each LSOA that has a deprivation value.
    """
    editions = sorted({t.edition for t in tables if t.edition})
    values = pd.DataFrame(index=pd.Index(lsoas["lsoa_code"].astype(str), name="lsoa_code"))
    for table in tables:
        for col in table.values.columns:
            if col not in values.columns:
                values[col] = table.values[col].reindex(values.index)
            else:
                values[col] = values[col].fillna(table.values[col].reindex(values.index))
    out = lsoas.drop(columns=[c for c in values.columns if c in lsoas.columns])
    for col in values.columns:
        out[col] = values[col].to_numpy()
    if editions:
        deprivation = [c for c in values.columns if c not in _NOT_DEPRIVATION]
        out["imd_edition"] = np.where(out[deprivation].notna().any(axis=1), editions[-1], np.nan)
    return out, editions


def check_lsoa_values(lsoas: gpd.GeoDataFrame, tables: Sequence[LsoaTable], *, report: ImportReport) -> None:
    """Every LSOA needs a population (else DataError naming the file and the LSOAs); a missing IMD decile
    is flagged in the LSOA `report`, and no IMD at all is noted there."""
    problems: list[Problem] = []
    if "population" not in lsoas.columns:
        problems.append(Problem(report.source, "the LSOAs have no population: add a population file.",
                                column="population",
                                fix="Add Census 2021 population by LSOA (for 2021 LSOAs) or IoD2019 File 6 "
                                    "(population denominators, for 2011 LSOAs)."))
    else:
        missing = lsoas.loc[lsoas["population"].isna(), "lsoa_code"].astype(str).tolist()
        if missing:
            pop_src = next((t.source for t in tables if "population" in t.values.columns), "the population file")
            problems.append(Problem(pop_src, f"has no population for {len(missing):,} of the {len(lsoas):,} "
                                             f"LSOAs ({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}).",
                                    column="population",
                                    fix="Use a population file for the same LSOA vintage and the whole area."))
    if problems:
        raise DataError(problems)
    if "imd_decile" in lsoas.columns:
        no_imd = lsoas.loc[lsoas["imd_decile"].isna(), "lsoa_code"].astype(str).tolist()
        if no_imd:
            report.flagged.append(RowIssue(None, "imd_decile", f"{len(no_imd)} LSOAs",
                                           f"have no IMD decile ({', '.join(no_imd[:5])})"))
    elif tables:
        report.notes.append("no IMD decile in the tables given: the map cannot shade deprivation.")


def clip_osm_layers(layers: Mapping[str, gpd.GeoDataFrame], area: BaseGeometry, *, report: ImportReport,
                    buffer_m: float = AREA_BUFFER_M, keep_outside: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """OpenStreetMap layers kept within `buffer_m` of the area (bus routes cut at that line), with a note
    in `report` for each layer that lost features. Venues follow the rule of lists
    (`limit_to_area`): beyond the margin they are left out, or kept as `venues_outside`."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for lname, frame in layers.items():
        before = len(frame)
        if lname == "venues":
            out["venues"], outside, _ = limit_to_area(frame, what="venues", area=area, margin_m=buffer_m,
                                                      keep_outside=keep_outside, report=report, column="venue",
                                                      values=[f"{n} ({i})" for n, i in
                                                              zip(frame["name"], frame["venue_id"])])
            if len(outside):
                out[OUTSIDE_LAYERS["venues"]] = outside
            continue
        frame = clip_to_area(frame, area, buffer_m=buffer_m)
        if lname == "bus_routes" and len(frame):
            zone = area.buffer(buffer_m)
            frame = frame.assign(geometry=frame.geometry.intersection(zone))
            frame = frame[~frame.geometry.is_empty & frame.geometry.geom_type.isin(
                ["LineString", "MultiLineString"])].reset_index(drop=True)
        if before != len(frame):
            report.notes.append(f"{lname}: {before - len(frame):,} of {before:,} lie more than "
                                f"{buffer_m / 1000:.0f} km outside the study area and were left out.")
        out[lname] = frame
    return out


def with_gtfs(layers: Mapping[str, gpd.GeoDataFrame], feed: Mapping[str, gpd.GeoDataFrame], area: BaseGeometry,
              *, report: ImportReport, buffer_m: float = AREA_BUFFER_M) -> dict[str, gpd.GeoDataFrame]:
    """`layers` with the GTFS feed's stops and routes near the area in place of OpenStreetMap's (noted)."""
    out = dict(layers)
    for lname, frame in feed.items():
        if lname in out and len(out[lname]):
            report.notes.append(f"{lname} from the GTFS feed replace those from OpenStreetMap.")
        out[lname] = clip_to_area(frame, area, buffer_m=buffer_m)
    return out


def with_naptan(layers: Mapping[str, gpd.GeoDataFrame], stops: gpd.GeoDataFrame, area: BaseGeometry, *,
                report: ImportReport, gtfs_given: bool, buffer_m: float = AREA_BUFFER_M
                ) -> dict[str, gpd.GeoDataFrame]:
    """`layers` with NaPTAN's stops near the area as bus_stops, unless a GTFS feed gave the stops."""
    near = clip_to_area(stops, area, buffer_m=buffer_m)
    report.notes.append(f"{len(near):,} stops lie in or near the study area.")
    out = dict(layers)
    if gtfs_given:
        report.notes.append("the GTFS feed's stops are used; NaPTAN stops were not added.")
    else:
        out["bus_stops"] = near
    return out


def older_wards(current_year: int | None, older: Sequence[tuple[gpd.GeoDataFrame, int | None, ImportReport]],
                area: BaseGeometry) -> gpd.GeoDataFrame | None:
    """The wards of earlier boundary years as one layer (geo.model.OLDER_WARDS), or None when there are
    none: each file's wards whose inner point lies in the area (noted in its report when some do not).

    Every file must say its year (WD13CD...), earlier than the current wards' and each year once; a
    code used in two earlier years is refused (import one of them). DataError names the file."""
    problems: list[Problem] = []
    seen: dict[int, str] = {}
    parts = []
    if older and current_year is None:
        raise DataError(Problem(older[0][2].source, "older wards need the ward boundaries to say their year, "
                                                    "and their columns do not.",
                                fix="Use the current ONS ward file as published (WD25CD, WD25NM ...)."))
    for frame, year, report in older:
        if year is None:
            problems.append(Problem(report.source, "the columns do not say the boundary year of these wards.",
                                    fix="Use the ONS file as published (WD13CD, WD13NM ...)."))
            continue
        if current_year is not None and year >= current_year:
            problems.append(Problem(report.source, f"holds {year} wards, not older than the ward boundaries "
                                                   f"({current_year}).",
                                    fix="Give the newest wards as the ward boundaries and older years as "
                                        "older wards."))
            continue
        if year in seen:
            problems.append(Problem(report.source, f"holds {year} wards, as {seen[year]} does.",
                                    fix="Give each boundary year once."))
            continue
        seen[year] = report.source
        inner = frame.geometry.representative_point()
        shapely.prepare(area)
        keep = shapely.contains(area, inner.to_numpy())
        if (~keep).any():
            report.notes.append(f"{int((~keep).sum()):,} wards lie outside the area and were left out.")
        report.rows_used = int(keep.sum())
        parts.append(frame.loc[keep].assign(boundary_year=year))
    if problems:
        raise DataError(problems)
    if not parts:
        return None
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)
    dup = out["ward_code"].duplicated(keep=False)
    if dup.any():
        code = str(out.loc[dup, "ward_code"].iloc[0])
        years = ", ".join(str(y) for y in sorted(set(out.loc[dup, "boundary_year"])))
        raise DataError(Problem("older wards", f"ward code {code} is in more than one earlier boundary year "
                                               f"({years}).", column="ward_code",
                                fix="Import one earlier boundary year."))
    return out


def point_layers(layer: str, parts: Sequence[tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]]
                 ) -> dict[str, gpd.GeoDataFrame]:
    """`layer` and its outside layer (geo.model.OUTSIDE_LAYERS) from (area's points, points kept outside)
    pairs, one pair per source in order (OpenStreetMap's first): identifiers unique across both layers,
    as `merge_points` makes them. The outside layer is left out when it has no rows."""
    flag = "__outside"
    frames = [pd.concat([inside.assign(**{flag: False}), outside.assign(**{flag: True})], ignore_index=True)
              for inside, outside in parts if len(inside) or len(outside)]
    if not frames:
        return {layer: parts[0][0]} if parts else {}
    merged = merge_points(layer, [gpd.GeoDataFrame(f, geometry="geometry", crs=CRS) for f in frames])
    is_out = merged[flag].astype(bool).to_numpy()
    out = {layer: merged.loc[~is_out].drop(columns=flag).reset_index(drop=True)}
    if is_out.any() and layer in OUTSIDE_LAYERS:
        out[OUTSIDE_LAYERS[layer]] = merged.loc[is_out].drop(columns=flag).reset_index(drop=True)
    return out


def merge_points(layer: str, frames: Sequence[gpd.GeoDataFrame], *, existing: gpd.GeoDataFrame | None = None
                 ) -> gpd.GeoDataFrame:
    """One point layer from several lists (after `existing`, e.g. OpenStreetMap's venues).

    An identifier already used by an earlier frame is prefixed with the frame's number ("2-17"), so
    identifiers stay unique.
    """
    id_col = POINT_ID_COLUMNS[layer]
    parts = list(frames)
    if existing is not None and len(existing):
        parts.insert(0, existing)
    seen: set[str] = set()
    for k, frame in enumerate(parts):
        ids = frame[id_col].astype(str)
        if seen & set(ids):
            parts[k] = frame.assign(**{id_col: f"{k + 1}-" + ids})
        seen |= set(parts[k][id_col].astype(str))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=CRS)


def attribution(used: Collection[str]) -> str:
    """The attribution line for the kinds of source used ("ons", "os", "royal_mail", "ogl", "osm")."""
    return "; ".join(text for key, text in ATTRIBUTION.items() if key in used)


def workspace_meta(*, name: str, editions: Sequence[int], lsoa_year: int | None, ward_year: int | None,
                   used: Collection[str], sources: Sequence[str], reports: Sequence[ImportReport],
                   participants: bool, built_at: dt.datetime, margin_km: float = DEFAULT_MARGIN_KM,
                   keep_outside: bool = False, older_ward_years: Sequence[int] = ()) -> dict[str, str]:
    """The `patchwork_meta` of a built workspace: what it was built from, when, the margin around the area
    and whether points beyond it were kept (so a rebuild uses the same), and the import reports."""
    meta = {
        "area_margin_km": f"{margin_km:g}", "outside_points": "kept" if keep_outside else "left out",
        "name": name, "fictional": "false",
        "imd_edition": str(editions[-1]) if editions else "",
        "lsoa_year": str(lsoa_year or ""), "ward_year": str(ward_year or ""),
        "older_ward_years": ", ".join(str(y) for y in older_ward_years),
        "attribution": attribution(used),
        "sources": json.dumps(list(sources)),
        "import_report": json.dumps([r.to_dict() for r in reports]),
        "built_at": built_at.isoformat(timespec="seconds"),
    }
    if participants:
        meta["participants_note"] = ("participant identifiers are salted hashes; names, phone numbers and emails "
                                     "were dropped on import; the uploaded file was not kept.")
    return meta
