"""Importing real areas from the files in ../shared/data (PATCHWORK_DATA).

`import.wmca`: the whole West Midlands combined authority (E47000007: 192 wards, 1,719 2021 LSOAs)
with IoD2025 (33,755 rows) and Census 2021 population by age (214,032 rows), from reading the files to
the validated workspace GeoPackage on disk. Target from issue 7: under 60 s.
`import.rutland_osm`: the Rutland OpenStreetMap extract (1.2 MB .osm.pbf) to roads, venues, bus stops
and routes. `import.codepoint`: all seven Code-Point Open areas (139,000 postcodes, headerless CSV).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.harness import benchmark


def _data() -> Path:
    from geo.io import data_dir

    path = data_dir()
    if not path.exists():
        raise RuntimeError(f"real data folder {path} not found (set PATCHWORK_DATA)")
    return path


def _wmca_setup() -> dict[str, Any]:
    d = _data()
    tmp = Path(tempfile.mkdtemp(prefix="bench_import_"))
    return {"out": tmp / "wmca.gpkg", "wards": d / "boundaries" / "wards" / "E47000007.geojson",
            "lsoas": d / "boundaries" / "lsoa21" / "E47000007.geojson",
            "tables": [d / "imd" / "imd2025_england_lsoa21.csv.gz",
                       d / "population" / "census21_pop_lsoa21.csv.gz"]}


@benchmark("import.wmca", target_s=60.0, setup=_wmca_setup, repeat=3, warmup=0)
def wmca(args: dict[str, Any]) -> None:
    from geo import io

    result = io.build_workspace(io.WorkspaceSources(wards=args["wards"], lsoas=args["lsoas"], tables=args["tables"]),
                                name="West Midlands CA", out=args["out"])
    if result.counts["wards"] != 192 or result.counts["lsoas"] != 1719:
        raise AssertionError(f"unexpected counts {result.counts}")


@benchmark("import.rutland_osm", target_s=10.0, setup=_data, repeat=3, warmup=0)
def rutland_osm(d: Path) -> None:
    from geo import io

    layers, _ = io.import_osm(d / "osm" / "rutland-latest_2018-02.osm.pbf")
    if len(layers["bus_routes"]) != 4:
        raise AssertionError("expected four bus routes")


@benchmark("import.codepoint", target_s=10.0, setup=_data, repeat=3, warmup=0)
def codepoint(d: Path) -> None:
    from geo import io

    index, _ = io.import_postcodes([d / "postcodes" / "codepoint_open_2025_4"])
    if len(index) < 130_000:
        raise AssertionError(f"only {len(index)} postcodes")
