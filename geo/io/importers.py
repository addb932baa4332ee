"""The importers: each kind of published file, read (geo.io.sources) and understood (geo.read).

Boundaries (`import_wards`, `import_lsoas`, and the older ward layers of a GeoPackage,
`import_older_ward_layers`), IoD and population tables (`import_lsoa_table`),
postcodes (`import_postcodes`), venue, partner and participant lists (`import_points`),
OpenStreetMap extracts (`read_osm`, `import_osm`, with pyosmium), GTFS feeds (`import_gtfs`) and
NaPTAN stops (`import_naptan`). A source is a path or an `Upload`; every failure is a DataError
naming the file, and row, column and fix where there is one. A column mapping the user chose for
the same headers before is used when none is given (geo.io.remembered).
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _stdio
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd

from geo.io.remembered import participant_salt, remembered_mapping
from geo.io.sources import (
    LayerChoice,
    Source,
    Upload,
    decode_text,
    gunzip,
    is_zip,
    read_bytes,
    read_table,
    read_vector,
    source_name,
    vector_layers,
)
from geo.model import DataError, Problem
from geo.read import feeds, iod, ons, points
from geo.read import osm as _osm
from geo.read import postcodes as _postcodes
from geo.read.geometry import DEFAULT_MARGIN_M
from geo.read.report import ImportReport


# ---- boundaries ------------------------------------------------------------------------------------
def _choose_ons(prefix: str) -> LayerChoice:
    """Of a file's layers, the one with the newest ONS columns for `prefix` (else the first)."""

    def choose(layers: list[tuple[str, list[str]]]) -> str:
        scored = [(max(ons.ons_columns(fields, prefix), default=0), lname) for lname, fields in layers]
        best = max(scored, key=lambda s: s[0])
        return best[1] if best[0] else layers[0][0]

    return choose


def import_wards(src: Source, *, mapping: Mapping[str, str] | None = None, year: int | None = None
                 ) -> ons.Boundaries:
    """Ward polygons (geo.read.ons.Boundaries) from an ONS boundary file."""
    frame, name, mapping = _boundary_file(src, what="wards", prefix="WD", mapping=mapping)
    return ons.wards_from_frame(frame, source=name, mapping=mapping, year=year)


def import_lsoas(src: Source, *, mapping: Mapping[str, str] | None = None, year: int | None = None
                 ) -> ons.Boundaries:
    """LSOA polygons (geo.read.ons.Boundaries) from an ONS boundary file (2011 or 2021 LSOAs)."""
    frame, name, mapping = _boundary_file(src, what="lsoas", prefix="LSOA", mapping=mapping)
    return ons.lsoas_from_frame(frame, source=name, mapping=mapping, year=year)


def _layer_named(name: str) -> LayerChoice:
    def choose(layers: list[tuple[str, list[str]]]) -> str:
        return name

    return choose


def import_older_ward_layers(src: Source) -> list[ons.Boundaries]:
    """The ward layers of a multi-layer file other than the one `import_wards` reads (the ready-made
    GeoPackages hold 2025 and 2013 wards): every layer with ward code columns and no LSOA ones."""
    layers = vector_layers(src)
    if len(layers) < 2:
        return []
    newest = _choose_ons("WD")(layers)
    out = []
    for lname, fields in layers:
        if lname == newest or not any(cd for cd, _ in ons.ons_columns(fields, "WD").values()) \
                or any(cd for cd, _ in ons.ons_columns(fields, "LSOA").values()):
            continue
        frame, _ = read_vector(src, choose=_layer_named(lname))
        out.append(ons.wards_from_frame(frame, source=f"{source_name(src)} (layer {lname})"))
    return out


def _boundary_file(src: Source, *, what: str, prefix: str, mapping: Mapping[str, str] | None
                   ) -> tuple[gpd.GeoDataFrame, str, Mapping[str, str] | None]:
    """(frame, name for messages, column mapping: the one given or the one remembered for these headers)."""
    frame, layer = read_vector(src, choose=_choose_ons(prefix))
    name = source_name(src) + (f" (layer {layer})" if layer else "")
    return frame, name, mapping or remembered_mapping(what, _headers(frame))


def _headers(frame: pd.DataFrame) -> list[str]:
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [str(c) for c in frame.columns if c != geom]



def headers_of(src: Source, *, what: str) -> list[str]:
    """The column names of a file, as the importer for `what` sees them (for the mapping step)."""
    if what in ("wards", "lsoas"):
        frame, _ = read_vector(src, choose=_choose_ons("WD" if what == "wards" else "LSOA"))
        return _headers(frame)
    return [str(c) for c in read_table(src).columns]


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
        files = sorted(p for p in root.rglob("*.csv")
                       if "doc" not in {q.lower() for q in p.relative_to(root).parts[:-1]})
        if not files:
            raise DataError(Problem(str(path), "holds no CSV files.",
                                    fix="Choose Code-Point Open's folder (with Data/CSV) or its CSV files."))
        return list(files)
    return [path]


def import_postcodes(sources: Sequence[Source]) -> tuple[_postcodes.PostcodeIndex, ImportReport]:
    """A geo.read.postcodes.PostcodeIndex from Code-Point Open CSVs (files, their folder, or the zip) or ONSPD."""

    report = ImportReport(", ".join(source_name(s) for s in sources[:3])
                          + (f" and {len(sources) - 3} more" if len(sources) > 3 else ""), "postcodes")
    indexes = []
    for src in sources:
        files: list[Upload] = []
        for f in _postcode_files(src):
            data = gunzip(source_name(f), read_bytes(f))
            if is_zip(data):
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
    head = gunzip(src.name, src.data)[:4096]
    text = decode_text(src.name, head + b"\n") if head else ""
    try:
        return next(csv.reader(_stdio.StringIO(text.split("\n", 1)[0])), [])
    except csv.Error:
        return []


def import_points(src: Source, *, layer: str, postcodes: _postcodes.PostcodeIndex | None = None,
                  mapping: Mapping[str, str] | None = None, area: Any = None,
                  margin_m: float = DEFAULT_MARGIN_M, keep_outside: bool = False,
                  default_kind: str | None = None) -> points.PointTable:
    """Venues, partners or participants (geo.read.points.PointTable) from CSV or Excel; with an `area`,
    venues and partners more than `margin_m` outside it are left out, or kept apart with `keep_outside`."""

    notes: list[str] = []
    frame = read_table(src, notes=notes)
    headers = [str(c) for c in frame.columns]
    mapping = mapping or remembered_mapping(layer, headers)
    result = points.points_from_table(frame, layer=layer, source=source_name(src), mapping=mapping,
                                      postcodes=postcodes, area=area, margin_m=margin_m, keep_outside=keep_outside,
                                      default_kind=default_kind,
                                      salt=participant_salt() if layer == "participants" else None)
    result.report.assumptions.extend(notes)
    if mapping:
        result.report.notes.append("column mapping used: " + ", ".join(f"{k} ← {v}" for k, v in mapping.items()) + ".")
    return result


# ---- OpenStreetMap, GTFS, NaPTAN ------------------------------------------------------------------
def read_osm(src: Source) -> _osm.OsmExtract:
    """A geo.read.osm.OsmExtract from an .osm.pbf (pyosmium): roads, venues, bus stops and route relations."""
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


def import_osm(src: Source) -> tuple[dict[str, gpd.GeoDataFrame], ImportReport]:
    """(layers, report): roads, venues, bus_stops, bus_routes from an .osm.pbf."""

    ex = read_osm(src)
    if not (ex.roads or ex.venues or ex.stops or ex.routes):
        raise DataError(Problem(source_name(src), "holds no roads, venues, bus stops or bus routes.",
                                fix="Choose an OpenStreetMap extract that covers your area."))
    return _osm.layers_from_extract(ex, source=source_name(src))


GTFS_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "shapes.txt", "frequencies.txt",
              "calendar.txt", "calendar_dates.txt")


def import_gtfs(src: Source, *, service_date: dt.date | None = None
                ) -> tuple[dict[str, gpd.GeoDataFrame], feeds.GtfsReport]:
    """(layers, report): bus_stops and bus_routes from a GTFS zip (or a folder of its .txt files); buses
    per hour for the trips running on `service_date` (default: the next ordinary Wednesday in the feed)."""

    name = source_name(src)
    tables: dict[str, pd.DataFrame] = {}
    if not isinstance(src, Upload) and Path(src).is_dir():
        for fname in GTFS_FILES:
            if (Path(src) / fname).exists():
                tables[fname] = read_table(Path(src) / fname)
    else:
        data = read_bytes(src)
        try:
            with zipfile.ZipFile(_stdio.BytesIO(data)) as zf:
                members = {Path(n).name: n for n in zf.namelist()}
                for fname in GTFS_FILES:
                    if fname in members:
                        tables[fname] = read_table(Upload(f"{name}/{fname}", zf.read(members[fname])))
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise DataError(Problem(name, f"is not a readable GTFS zip ({exc}).",
                                    fix="Download the feed again; a GTFS feed is a zip of .txt files.")) from None
    return feeds.layers_from_gtfs(tables, source=name, service_date=service_date)


def import_naptan(src: Source) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """(bus_stops frame, report) from NaPTAN's Stops.csv."""

    notes: list[str] = []
    frame = read_table(src, notes=notes)
    out, report = feeds.stops_from_naptan(frame, source=source_name(src))
    report.assumptions.extend(notes)
    return out, report

