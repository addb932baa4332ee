"""Building a workspace from the user's files: read each one, assemble the layers, write one GeoPackage.

`WorkspaceSources` says which files (and how to read them); `build_workspace` reads them in order
through geo.io.importers, hands the frames to the pure assembly in geo.read.area, and writes the
workspace atomically (all or nothing) through geo.io.store. A problem in any file is a DataError
naming file, row, column and fix, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.analyse import transit
from geo.io import importers
from geo.io.sources import Source, Upload, source_name
from geo.io.store import list_workspaces, read_meta, workspace_dir, write_workspace
from geo.model import OLDER_WARDS, OUTSIDE_LAYERS, DataError, Problem
from geo.read import area as assemble
from geo.read import iod
from geo.read.postcodes import PostcodeIndex
from geo.read.report import ImportReport
from geo.text import slug

#: `progress(fraction, text)`: called as each step of a build starts (fraction from 0 to 1).
Progress = Callable[[float, str], None]
LSOA_YEARS: tuple[int, ...] = (2011, 2021)
_LISTS = ("tables", "older_wards", "postcodes", "venues", "partners", "participants")


@dataclass(frozen=True)
class WorkspaceSources:
    """The files a workspace is built from, and how to read them.

    Only `wards` and `lsoas` are required (`wards` the current wards; `older_wards` files of earlier
    boundary years, e.g. the ONS 2013 wards, which the Lots page reads; a GeoPackage given as `wards`
    that also holds older ward layers gives those too). `tables` are IoD and population tables; `postcodes` are
    Code-Point Open CSVs (or their folder or zip) or ONSPD, used to place list rows that have a
    postcode only. `venue_kind` / `partner_kind` is the kind for rows whose kind is not given.
    `mappings` maps a kind of file ("wards", "lsoas", "venues", "partners", "participants") to an
    explicit column mapping (role -> column); otherwise a mapping remembered for the same headers is
    used. `lsoa_year` is the LSOA vintage when the columns do not say. Venues and partner sites (from
    lists or OpenStreetMap) more than `margin_km` outside the area are left out and counted, or kept
    in their own layers (reach only) with `keep_outside`; roads and bus stops are clipped at the same
    margin. Either left as None: the setting recorded in the workspace being rebuilt (`out`), else
    2 km and left out. `gtfs_date` is the service date whose trips give the buses per hour (default:
    the next ordinary Wednesday in the feed; kept in the metadata). Lists are stored as tuples; a bad
    value is a DataError naming the field.
    """

    wards: Source
    lsoas: Source
    tables: Sequence[Source] = ()
    older_wards: Sequence[Source] = ()
    osm: Source | None = None
    gtfs: Source | None = None
    naptan: Source | None = None
    postcodes: Sequence[Source] = ()
    venues: Sequence[Source] = ()
    partners: Sequence[Source] = ()
    participants: Sequence[Source] = ()
    venue_kind: str | None = None
    partner_kind: str | None = None
    mappings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    lsoa_year: int | None = None
    margin_km: float | None = None
    keep_outside: bool | None = None
    gtfs_date: dt.date | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in _LISTS:
            value = getattr(self, name)
            if isinstance(value, (str, Path, Upload)):
                problems.append(Problem("workspace sources", f"{name} is one file, not a list of files.",
                                        column=name, fix=f"Pass {name}=[file]."))
            else:
                object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "mappings", {str(k): dict(v) for k, v in self.mappings.items()})
        if self.lsoa_year is not None and self.lsoa_year not in LSOA_YEARS:
            problems.append(Problem("workspace sources", f"lsoa_year {self.lsoa_year} is not an LSOA vintage the "
                                                         "app reads.", column="lsoa_year",
                                    fix="Give 2011 or 2021, or leave it out when the columns say."))
        margin = self.margin_km
        if margin is not None and not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
            problems.append(Problem("workspace sources", f"margin_km {margin!r} is not a distance in km.",
                                    column="margin_km", fix="Give a distance of 0 km or more, e.g. 2."))
        if problems:
            raise DataError(problems)

    def steps(self) -> int:
        """How many progress steps a build of these files takes."""
        return (5 + len(self.older_wards) + bool(self.osm) + bool(self.gtfs) + bool(self.naptan)
                + len(self.venues) + len(self.partners) + len(self.participants))

    def named(self) -> list[str]:
        """The files' names as kept in the workspace metadata (participant files are not named)."""
        feeds = [x for x in (self.osm, self.gtfs, self.naptan) if x]
        return [source_name(s) for s in [self.wards, *self.older_wards, self.lsoas, *self.tables, *feeds, *self.venues,
                                         *self.partners, *self.postcodes]]


@dataclass(frozen=True)
class AreaSettings:
    """How a workspace limits points to its area: the margin (km) and whether points beyond it are kept."""

    margin_km: float = assemble.DEFAULT_MARGIN_KM
    keep_outside: bool = False


def area_settings(meta: Mapping[str, str]) -> AreaSettings:
    """The settings a workspace's metadata records (the defaults for a workspace built before they were)."""
    try:
        margin = float(meta.get("area_margin_km", ""))
    except ValueError:
        margin = assemble.DEFAULT_MARGIN_KM
    if not (math.isfinite(margin) and margin >= 0):
        margin = assemble.DEFAULT_MARGIN_KM
    return AreaSettings(margin, meta.get("outside_points") == "kept")


def previous_settings(where: str | Path) -> AreaSettings | None:
    """The area settings of the workspace a rebuild replaces: the file at `where`, else the newest
    workspace in the workspace folder named `where`; None when there is none."""
    path = Path(where)
    if path.suffix == ".gpkg" and path.is_file():
        return area_settings(read_meta(path))
    named = [(p, m) for p, m in list_workspaces()
             if m.get("name", "").strip().casefold() == str(where).strip().casefold() and m.get("fictional") != "true"]
    if not named:
        return None
    newest = max(named, key=lambda pm: (pm[1].get("built_at", ""), pm[0].stat().st_mtime))
    return area_settings(newest[1])


@dataclass(frozen=True)
class BuildResult:
    """A workspace written: where, its name, one report per file read, rows per layer, its metadata."""

    path: Path
    name: str
    reports: list[ImportReport]
    counts: dict[str, int]
    meta: dict[str, str]


def unused_path(path: Path) -> Path:
    """`path`, or `stem-2.gpkg`, `stem-3.gpkg`... : a default build never replaces a workspace (and its plans)."""
    k = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return candidate


class _Steps:
    """Calls `progress` with the fraction done as each step starts (never 1.0 before the end)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, text: str) -> None:
        if self.progress is not None:
            self.progress(min(self.done / self.total, 0.99), text)
        self.done += 1


def build_workspace(sources: WorkspaceSources, *, name: str, out: str | Path | None = None,
                    progress: Progress | None = None) -> BuildResult:
    """Import `sources` into one workspace GeoPackage named `name` (atomically: all or nothing).

    `out` None writes `<workspace dir>/<slug of name>.gpkg`, or `<slug>-2.gpkg`... when that exists,
    so a new build never replaces a workspace and the plans saved in it; an explicit `out` is
    replaced. `progress(fraction, text)` is called as each step starts. Raises DataError (nothing
    written).
    """
    name = name.strip()
    if not name:
        raise DataError(Problem("workspace", "has no name.", fix="Give the workspace a name."))
    previous = (previous_settings(out) if out else None) or AreaSettings()
    margin_km = previous.margin_km if sources.margin_km is None else float(sources.margin_km)
    keep_outside = previous.keep_outside if sources.keep_outside is None else bool(sources.keep_outside)
    margin_m = margin_km * 1000.0
    path = Path(out) if out else unused_path(workspace_dir() / f"{slug(name)}.gpkg")
    mappings = sources.mappings
    tick = _Steps(progress, sources.steps())

    reports: list[ImportReport] = []
    tick(f"Reading wards from {source_name(sources.wards)}")
    w = importers.import_wards(sources.wards, mapping=mappings.get("wards"))
    reports.append(w.report)
    tick(f"Reading LSOAs from {source_name(sources.lsoas)}")
    ls = importers.import_lsoas(sources.lsoas, mapping=mappings.get("lsoas"), year=sources.lsoa_year)
    reports.append(ls.report)
    area = assemble.study_area(w.frame)
    older = [(b.frame, b.year, b.report) for b in importers.import_older_ward_layers(sources.wards)]
    for src in sources.older_wards:
        tick(f"Reading older wards from {source_name(src)}")
        b = importers.import_wards(src)
        older.append((b.frame, b.year, b.report))
    older_frame = assemble.older_wards(w.year, older, area)
    reports.extend(rep for _, _, rep in older)
    lsoa_frame = assemble.lsoas_in_area(ls.frame, w.frame, report=ls.report)
    ls.report.rows_used = len(lsoa_frame)
    year = ls.year
    tick("Reading deprivation and population tables")
    parsed: list[iod.LsoaTable] = []
    for t in sources.tables:
        table = importers.import_lsoa_table(t)
        iod.check_vintage(table, boundary_year=year, boundary_codes=pd.Index(lsoa_frame["lsoa_code"]),
                          boundary_source=ls.report.source)
        year = year or table.lsoa_year
        parsed.append(table)
        reports.append(table.report)
    lsoa_frame, editions = assemble.join_lsoa_tables(lsoa_frame, parsed)
    assemble.check_lsoa_values(lsoa_frame, parsed, report=ls.report)
    layers: dict[str, gpd.GeoDataFrame] = {"wards": w.frame, "lsoas": lsoa_frame}
    if older_frame is not None:
        layers[OLDER_WARDS] = older_frame
    used = {"ons", "os"} | ({"ogl"} if parsed else set())

    if sources.osm:
        tick(f"Reading OpenStreetMap roads, venues and buses from {source_name(sources.osm)}")
        osm_layers, rep = importers.import_osm(sources.osm)
        layers.update(assemble.clip_osm_layers(osm_layers, area, report=rep, buffer_m=margin_m,
                                               keep_outside=keep_outside))
        reports.append(rep)
        used.add("osm")
    gtfs_date: dt.date | None = None
    if sources.gtfs:
        tick(f"Reading GTFS feed {source_name(sources.gtfs)}")
        feed, rep = importers.import_gtfs(sources.gtfs, service_date=sources.gtfs_date)
        gtfs_date = rep.service_date
        layers = assemble.with_gtfs(layers, feed, area, report=rep, buffer_m=margin_m)
        reports.append(rep)
        used.add("ogl")
    if sources.naptan:
        tick(f"Reading NaPTAN stops {source_name(sources.naptan)}")
        stops, rep = importers.import_naptan(sources.naptan)
        layers = assemble.with_naptan(layers, stops, area, report=rep, gtfs_given=bool(sources.gtfs),
                                      buffer_m=margin_m)
        reports.append(rep)
        used.add("ogl")

    index: PostcodeIndex | None = None
    if sources.postcodes:
        tick("Reading postcodes")
        index, rep = importers.import_postcodes(sources.postcodes)
        reports.append(rep)
        used.add("royal_mail")
    for lname, files, kind in (("venues", sources.venues, sources.venue_kind),
                               ("partners", sources.partners, sources.partner_kind),
                               ("participants", sources.participants, None)):
        outer = OUTSIDE_LAYERS.get(lname, "")
        parts: list[tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] = []
        if lname in layers:  # OpenStreetMap's venues come first
            first = layers.pop(lname)
            parts.append((first, layers.pop(outer, first.iloc[:0])))
        for src in files:
            tick(f"Reading {lname} from {source_name(src)}")
            res = importers.import_points(src, layer=lname, postcodes=index, mapping=mappings.get(lname),
                                          area=area, margin_m=margin_m, keep_outside=keep_outside,
                                          default_kind=kind)
            parts.append((res.frame, res.outside))
            reports.append(res.report)
        if parts:
            layers.update(assemble.point_layers(lname, parts))

    tick(f"Writing the workspace {path.name}")
    meta = assemble.workspace_meta(name=name, editions=editions, lsoa_year=year, ward_year=w.year, used=used,
                                   sources=sources.named(), reports=reports, participants=bool(sources.participants),
                                   built_at=dt.datetime.now(dt.UTC), margin_km=margin_km, keep_outside=keep_outside,
                                   older_ward_years=sorted({int(y) for _, y, _ in older if y}, reverse=True))
    if gtfs_date is not None:
        meta[transit.SERVICE_DATE_META] = gtfs_date.isoformat()
    write_workspace(path, layers, meta)
    if progress is not None:
        progress(1.0, f"Workspace {path.name} written")
    counts = {k: len(v) for k, v in layers.items()}
    return BuildResult(path, name, reports, counts, meta)
