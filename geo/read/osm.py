"""OpenStreetMap: which ways are roads, which places are venues, stops and bus routes (pure).

`geo.io` reads an .osm.pbf with pyosmium into an `OsmExtract` (tags and longitude/latitude
coordinates); `layers_from_extract` turns it into the roads, venues, bus_stops and bus_routes layers.

Venue kinds from tags (first rule that matches):

| OSM tags | venue kind |
|---|---|
| amenity=library | library |
| amenity=community_centre, community_hall, village_hall, social_centre, townhall | community_centre |
| amenity=place_of_worship | church_hall (a hall is assumed; marked in the report) |
| amenity=food_bank, or social_facility=food_bank / soup_kitchen | food_bank |
| amenity=social_facility (day care, outreach and other non-residential) | community_centre |
| amenity=childcare / kindergarten named "children's centre" or "family hub" | childrens_centre |
| leisure=sports_centre, amenity=leisure_centre | leisure_centre |
| amenity=school | school |
| amenity=doctors, healthcare=doctor | gp_surgery |

Residential social facilities (care homes, shelters) are not venues for outreach sessions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiLineString

from geo.model import CRS, VENUE_KINDS
from geo.read.geometry import in_gb_lonlat, lonlat_to_bng
from geo.read.report import ImportReport

#: Ways people walk along (motorways and their links are not walkable and are left out).
ROAD_HIGHWAYS: frozenset[str] = frozenset({
    "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link", "tertiary",
    "tertiary_link", "unclassified", "residential", "living_street", "service", "pedestrian", "footway",
    "path", "steps", "cycleway", "track", "road", "bridleway",
})
RESIDENTIAL_SOCIAL = frozenset({"nursing_home", "group_home", "assisted_living", "hospice", "shelter",
                                "residential"})
_BUS_ROUTES = frozenset({"bus", "trolleybus"})


def venue_kind(tags: Mapping[str, str]) -> str | None:
    """The venue kind for an OSM object's tags, or None when it is not a venue."""
    amenity = tags.get("amenity", "")
    social = tags.get("social_facility", "")
    name = tags.get("name", "").lower()
    if amenity == "library":
        return "library"
    if amenity in ("community_centre", "community_hall", "village_hall", "social_centre", "townhall"):
        return "community_centre"
    if amenity == "place_of_worship":
        return "church_hall"
    if amenity == "food_bank" or social in ("food_bank", "soup_kitchen"):
        return "food_bank"
    if amenity == "social_facility":
        return None if social in RESIDENTIAL_SOCIAL else "community_centre"
    if amenity in ("childcare", "kindergarten") and re.search(r"children'?s centre|family hub|sure start", name):
        return "childrens_centre"
    if tags.get("leisure") == "sports_centre" or amenity == "leisure_centre":
        return "leisure_centre"
    if amenity == "school":
        return "school"
    if amenity == "doctors" or tags.get("healthcare") == "doctor":
        return "gp_surgery"
    return None


def is_road(tags: Mapping[str, str]) -> bool:
    return tags.get("highway", "") in ROAD_HIGHWAYS and tags.get("area", "no") != "yes"


def is_bus_stop(tags: Mapping[str, str]) -> bool:
    if tags.get("highway") == "bus_stop":
        return True
    return tags.get("public_transport") in ("platform", "stop_position") and tags.get("bus") == "yes"


def is_bus_route(tags: Mapping[str, str]) -> bool:
    return tags.get("type") == "route" and tags.get("route") in _BUS_ROUTES


def trips_per_hour(tags: Mapping[str, str]) -> float | None:
    """From the route's `interval` tag (minutes or hh:mm between buses), when it has one."""
    text = tags.get("interval", "").strip()
    m = re.match(r"^(?:(\d+):)?(\d+)(?::\d+)?$", text)
    if not m:
        return None
    minutes = int(m.group(1) or 0) * 60 + int(m.group(2)) if m.group(1) else int(m.group(2))
    return round(60.0 / minutes, 2) if minutes > 0 else None


@dataclass
class OsmExtract:
    """What the reader collected: ids, tags and longitude/latitude coordinates."""

    roads: list[tuple[int, dict[str, str], np.ndarray]] = field(default_factory=list)
    venues: list[tuple[str, dict[str, str], float, float]] = field(default_factory=list)
    stops: list[tuple[int, dict[str, str], float, float]] = field(default_factory=list)
    routes: list[tuple[int, dict[str, str], list[int], list[int]]] = field(default_factory=list)
    route_ways: dict[int, np.ndarray] = field(default_factory=dict)
    skipped_venue_relations: int = 0
    broken_ways: int = 0


def _to_bng(lonlat: np.ndarray) -> np.ndarray:
    if len(lonlat) == 0:
        return np.zeros((0, 2))
    x, y = lonlat_to_bng(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _lines(coords: list[np.ndarray]) -> np.ndarray:
    """LineStrings (EPSG:27700) from lon/lat arrays, one transform for all of them."""
    if not coords:
        return np.array([], dtype=object)
    counts = np.array([len(c) for c in coords])
    xy = _to_bng(np.concatenate(coords))
    return np.asarray(shapely.linestrings(xy, indices=np.repeat(np.arange(len(coords)), counts)), dtype=object)


def layers_from_extract(ex: OsmExtract, *, source: str) -> tuple[dict[str, gpd.GeoDataFrame], ImportReport]:
    """Roads, venues, bus stops and bus routes (EPSG:27700) from an OsmExtract."""
    report = ImportReport(source, "OpenStreetMap extract")
    layers: dict[str, gpd.GeoDataFrame] = {}
    ex, dropped = _in_gb(ex)
    if dropped:
        report.notes.append(f"{dropped:,} objects outside Great Britain were left out.")
    roads = [(i, t, c) for i, t, c in ex.roads if len(c) >= 2]
    names = [t.get("name", "").strip() for _, t, _ in roads]
    layers["roads"] = gpd.GeoDataFrame(
        {"road_id": [f"w{i}" for i, _, _ in roads], "name": names},
        geometry=_lines([c for _, _, c in roads]), crs=CRS)
    named = sum(1 for n in names if n)
    report.notes.append(f"roads: {len(roads):,} ways ({named:,} named; unnamed paths and service roads are kept "
                        "for walking but not counted as roads).")
    if ex.broken_ways:
        report.notes.append(f"{ex.broken_ways:,} ways cut by the edge of the extract were shortened or left out.")

    vx = _to_bng(np.array([[lon, lat] for _, _, lon, lat in ex.venues]).reshape(-1, 2))
    kinds = [venue_kind(t) for _, t, _, _ in ex.venues]
    unnamed = 0
    vnames: list[str] = []
    for (oid, tags, _, _), kind in zip(ex.venues, kinds):
        name = tags.get("name", "").strip()
        if not name:
            unnamed += 1
            name = f"{VENUE_KINDS[kind] if kind else 'Venue'} (no name in OSM, {oid})"
        vnames.append(name)
    layers["venues"] = gpd.GeoDataFrame(
        {"venue_id": [oid for oid, _, _, _ in ex.venues], "name": vnames, "kind": kinds,
         "address": [_address(t) for _, t, _, _ in ex.venues],
         "wifi": pd.array([_yes_no(t.get("internet_access")) for _, t, _, _ in ex.venues], dtype="boolean"),
         "toilets": pd.array([_yes_no(t.get("toilets")) for _, t, _, _ in ex.venues], dtype="boolean"),
         "step_free": pd.array([_yes_no(t.get("wheelchair"), limited=False) for _, t, _, _ in ex.venues],
                               dtype="boolean"),
         "opening_hours": [t.get("opening_hours") or None for _, t, _, _ in ex.venues]},
        geometry=gpd.points_from_xy(vx[:, 0], vx[:, 1]) if len(vx) else gpd.GeoSeries([]), crs=CRS)
    counts = pd.Series(kinds, dtype="object").value_counts()
    by_kind = ", ".join(f"{VENUE_KINDS[str(k)]} {c}" for k, c in counts.items())
    report.notes.append("venues: " + (by_kind or "none") + ".")
    if "church_hall" in counts:
        report.assumptions.append("a place of worship (amenity=place_of_worship) is taken as a church hall that "
                                  "can host sessions; check before booking.")
    if unnamed:
        report.assumptions.append(f"{unnamed} venues have no name in OSM and are labelled by kind and OSM id.")
    if ex.skipped_venue_relations:
        report.notes.append(f"{ex.skipped_venue_relations} venues mapped as multipolygon relations were left out.")

    # bus routes: relations with the same ref (both directions) become one route
    groups: dict[str, list[tuple[int, dict[str, str], list[int], list[int]]]] = {}
    for rel in ex.routes:
        tags = rel[1]
        key = (tags.get("ref") or tags.get("name") or f"r{rel[0]}").strip()
        groups.setdefault(key, []).append(rel)
    r_ids: list[str] = []
    r_names: list[str] = []
    r_tph: list[float] = []
    r_geoms: list[MultiLineString] = []
    stop_routes: dict[int, set[str]] = {}
    missing_ways = 0
    for key, rels in groups.items():
        parts = []
        for _rid, _tags, ways, stops in rels:
            for w in ways:
                if w in ex.route_ways and len(ex.route_ways[w]) >= 2:
                    parts.append(ex.route_ways[w])
                else:
                    missing_ways += 1
            for s in stops:
                stop_routes.setdefault(s, set()).add(key)
        if not parts:
            report.notes.append(f"bus route {key}: none of its ways are in the extract; left out.")
            continue
        lines = _lines(parts)
        r_ids.append(key)
        tags = rels[0][1]
        r_names.append((tags.get("name") or tags.get("ref") or key).strip())
        tph = [t for t in (trips_per_hour(r[1]) for r in rels) if t is not None]
        r_tph.append(max(tph) if tph else np.nan)
        r_geoms.append(MultiLineString(list(lines)))
    layers["bus_routes"] = gpd.GeoDataFrame(
        {"route_id": r_ids, "name": r_names, "trips_per_hour": pd.array(r_tph, dtype="Float64")},
        geometry=r_geoms if r_geoms else gpd.GeoSeries([]), crs=CRS)
    listed = ", ".join(f"{i} {n}" if n != i else i for i, n in zip(r_ids, r_names))
    report.notes.append(f"bus routes: {len(r_ids)} ({listed})." if r_ids
                        else "bus routes: none (no route=bus relations in the extract).")
    if missing_ways:
        report.notes.append(f"{missing_ways:,} ways of bus routes lie outside the extract; routes are drawn where "
                            "the extract has them.")
    if r_ids and not any(np.isfinite(t) for t in r_tph):
        report.assumptions.append("OSM does not give bus frequencies: routes use the app's default buses per hour "
                                  "until GTFS data or an edit says otherwise.")

    sx = _to_bng(np.array([[lon, lat] for _, _, lon, lat in ex.stops]).reshape(-1, 2))
    stop_names = []
    for sid, tags, _, _ in ex.stops:
        name = (tags.get("name") or "").strip()
        stop_names.append(name or f"Bus stop n{sid}")
    layers["bus_stops"] = gpd.GeoDataFrame(
        {"stop_id": [f"n{sid}" for sid, _, _, _ in ex.stops], "name": stop_names,
         "route_ids": [";".join(sorted(stop_routes.get(sid, ()))) or None for sid, _, _, _ in ex.stops]},
        geometry=gpd.points_from_xy(sx[:, 0], sx[:, 1]) if len(sx) else gpd.GeoSeries([]), crs=CRS)
    report.notes.append(f"bus stops: {len(ex.stops):,}.")
    report.rows_read = len(ex.roads) + len(ex.venues) + len(ex.stops) + len(ex.routes)
    report.rows_used = sum(len(f) for f in layers.values())
    return layers, report


def _in_gb(ex: OsmExtract) -> tuple[OsmExtract, int]:
    """The extract without objects whose coordinates fall outside Great Britain (damaged or foreign)."""
    def ok(lon: float, lat: float) -> bool:
        return bool(in_gb_lonlat(np.array([lon]), np.array([lat]))[0])

    def ok_line(c: np.ndarray) -> bool:
        return len(c) > 0 and bool(in_gb_lonlat(c[:, 0], c[:, 1]).all())

    out = OsmExtract(
        roads=[r for r in ex.roads if ok_line(r[2])],
        venues=[v for v in ex.venues if ok(v[2], v[3])],
        stops=[s for s in ex.stops if ok(s[2], s[3])],
        routes=ex.routes,
        route_ways={k: c for k, c in ex.route_ways.items() if ok_line(c)},
        skipped_venue_relations=ex.skipped_venue_relations, broken_ways=ex.broken_ways)
    dropped = (len(ex.roads) - len(out.roads)) + (len(ex.venues) - len(out.venues)) + (len(ex.stops) - len(out.stops))
    return out, dropped


def _yes_no(value: str | None, *, limited: bool = True) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("yes", "wlan", "wifi", "terminal", "wired", "customers", "designated"):
        return True
    if v == "limited":
        return limited
    if v == "no":
        return False
    return None


def _address(tags: Mapping[str, str]) -> str | None:
    parts = [tags.get("addr:housenumber", ""), tags.get("addr:street", ""), tags.get("addr:city", ""),
             tags.get("addr:postcode", "")]
    text = ", ".join(p for p in (" ".join(parts[:2]).strip(), parts[2], parts[3]) if p)
    return text or None
