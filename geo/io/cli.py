"""Command line: `python -m geo.io import --name NAME --wards FILE --lsoas FILE ...` builds a workspace.

The report of every file is printed; on a problem the command prints it, writes nothing and exits
with status 1. `python -m geo.io import --help` lists the options (README: "Your own area").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from geo.io.build import WorkspaceSources, build_workspace
from geo.io.importers import headers_of
from geo.io.remembered import remember_mapping
from geo.model import DataError
from geo.read.columns import ColumnMappingNeeded


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m geo.io", description="Patchwork workspace files.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import", help="build a workspace from your own files",
                       description="Build a workspace GeoPackage from official UK files and your own lists. "
                                   "Nothing is written unless every file can be used.")
    p.add_argument("--name", required=True, help="workspace name, e.g. 'Wolverhampton'")
    p.add_argument("--out", help="output .gpkg (default: <workspace dir>/<name>.gpkg)")
    p.add_argument("--wards", required=True, help="ward boundaries: GeoJSON, GeoPackage or zipped Shapefile")
    p.add_argument("--older-wards", nargs="*", default=[], metavar="FILE",
                   help="ward boundaries of earlier years (e.g. the ONS 2013 wards), for lots and the ward names "
                        "documents use")
    p.add_argument("--lsoas", required=True, help="LSOA boundaries (2011 or 2021)")
    p.add_argument("--lsoa-year", type=int, choices=(2011, 2021), help="LSOA vintage when the columns do not say")
    p.add_argument("--tables", nargs="*", default=[], help="IoD files (2019 Files 1, 2, 6; IoD2025) and "
                                                           "Census 2021 population")
    p.add_argument("--osm", help="OpenStreetMap extract (.osm.pbf)")
    p.add_argument("--gtfs", help="GTFS feed (zip)")
    p.add_argument("--gtfs-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                   help="service date whose trips give buses per hour (default: next ordinary Wednesday in the feed)")
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
    p.add_argument("--margin-km", "--far-km", dest="margin_km", type=float, default=None, metavar="KM",
                   help="venues, partners, roads and bus stops within this distance of the area are the "
                        "workspace's (default: the rebuilt workspace's margin, else 2)")
    p.add_argument("--keep-outside", action=argparse.BooleanOptionalAction, default=None,
                   help="keep venues and partners further out, flagged 'outside the area': they count for reach "
                        "only, never as hubs, satellites or session venues (default: the rebuilt workspace's "
                        "choice, else left out and counted in the report)")
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
        sources = WorkspaceSources(
            wards=args.wards, lsoas=args.lsoas, tables=args.tables, older_wards=args.older_wards, osm=args.osm,
            gtfs=args.gtfs, naptan=args.naptan, venues=args.venues, partners=args.partners,
            participants=args.participants, postcodes=args.postcodes, venue_kind=args.venue_kind,
            partner_kind=args.partner_kind, mappings=mappings, lsoa_year=args.lsoa_year, margin_km=args.margin_km,
            keep_outside=args.keep_outside, gtfs_date=args.gtfs_date)
        result = build_workspace(sources, name=args.name, out=args.out, progress=progress)
    except ColumnMappingNeeded as err:
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

