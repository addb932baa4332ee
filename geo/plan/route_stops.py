"""The stops of a day's route as the team edits them: one table row a stop (latitude and longitude, as a
person types them), filled from the day's sessions, a venue or partner site, a gap area or a point
picked on the map, and read back into `geo.plan.routes.Stop`s with every problem named by row.

Optional cells (an address, a blank name, a cleared "booked" tick) may hold None, NaN or pd.NA: they
are read through `geo.plan.missing`, never with `or` or `bool()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import shapely

from geo.model import DataError, Problem
from geo.plan.clock import fmt_hhmm, parse_optional_hhmm
from geo.plan.missing import is_missing, is_true, text_or
from geo.plan.routes import Stop, latlon_to_xy, stops_from_sessions, xy_to_latlon

STOP_COLUMNS: tuple[str, ...] = ("name", "kind", "lat", "lon", "minutes", "earliest", "latest", "must")
STOP_KINDS: tuple[str, ...] = ("van stop", "venue", "partner")
PLACE_MINUTES = 60.0
GAP_STOP_MINUTES = 90.0
PICKED_STOP_MINUTES = 60.0

StopRow = dict[str, Any]
#: A table row as `DataFrame.to_dict("records")` gives it.
Record = Mapping[Hashable, Any]


@dataclass(frozen=True)
class RoutePlace:
    """A venue or partner site a route can start from or call at (EPSG:27700 metres)."""

    kind: str
    name: str
    x: float
    y: float
    address: str = ""


def route_places(venues: gpd.GeoDataFrame, partners: gpd.GeoDataFrame | None = None) -> dict[str, RoutePlace]:
    """"Partner: …" and "Venue: …" labels to places: every partner site and every venue (a missing
    `address` reads ""). Venues marked closed are listed too, as the page always has (its check
    `closed is True` never matched the numpy booleans a workspace holds); whether to leave them out is
    a separate decision."""
    places: dict[str, RoutePlace] = {}
    if partners is not None:
        for name, x, y in zip(partners["name"], _xs(partners), _ys(partners)):
            places[f"Partner: {name}"] = RoutePlace("partner", str(name), x, y)
    address = venues["address"] if "address" in venues.columns else pd.Series(pd.NA, index=venues.index)
    for name, x, y, addr in zip(venues["name"], _xs(venues), _ys(venues), address):
        places[f"Venue: {name}"] = RoutePlace("venue", str(name), x, y, text_or(addr))
    return places


def _xs(points: gpd.GeoDataFrame) -> list[float]:
    return [float(v) for v in shapely.get_x(points.geometry.to_numpy())]


def _ys(points: gpd.GeoDataFrame) -> list[float]:
    return [float(v) for v in shapely.get_y(points.geometry.to_numpy())]


def _row(name: str, kind: str, x: float, y: float, *, minutes: float, earliest: str = "", latest: str = "",
         must: bool = False) -> StopRow:
    lat, lon = xy_to_latlon(x, y)
    return {"name": name, "kind": kind, "lat": round(lat, 6), "lon": round(lon, 6), "minutes": minutes,
            "earliest": earliest, "latest": latest, "must": must}


def session_stop_rows(sessions: pd.DataFrame) -> list[StopRow]:
    """One booked row per session (its start is both window ends)."""
    return [_row(s.name, "venue", s.x, s.y, minutes=s.duration_min, earliest=fmt_hhmm(s.earliest or 0),
                 latest=fmt_hhmm(s.latest or 0), must=True)
            for s in (stops_from_sessions(sessions) if len(sessions) else [])]


def place_stop_row(place: RoutePlace) -> StopRow:
    return _row(place.name, place.kind, place.x, place.y, minutes=PLACE_MINUTES)


def gap_stop_row(gap: Record) -> StopRow:
    """A van stop at a gap area's population-weighted point (a `gaps_with_points` row)."""
    label = text_or(gap.get("lsoa_name"), str(gap["lsoa_code"]))
    return _row(f"Van stop: {label}", "van stop", float(gap["x"]), float(gap["y"]), minutes=GAP_STOP_MINUTES)


def picked_stop_row(lat: float, lon: float, *, number: int) -> StopRow:
    """A van stop at a point picked on the map (WGS84)."""
    return {"name": f"Van stop {number}", "kind": "van stop", "lat": round(lat, 6), "lon": round(lon, 6),
            "minutes": PICKED_STOP_MINUTES, "earliest": "", "latest": "", "must": False}


def stops_from_table(table: pd.DataFrame) -> list[Stop]:
    """The stops of an edited STOP_COLUMNS table. DataError listing every row that cannot be read (no
    latitude and longitude, outside Great Britain, a time that is not HH:MM), or when there is none."""
    stops: list[Stop] = []
    problems: list[Problem] = []
    for i, r in enumerate(table.to_dict("records"), start=1):
        if is_missing(r.get("lat")) or is_missing(r.get("lon")):
            problems.append(Problem("stops", f"row {i} ({text_or(r.get('name'), 'unnamed')}) has no latitude "
                                             "and longitude.", fix="Type them or pick the point on the map."))
            continue
        try:
            x, y = latlon_to_xy(float(r["lat"]), float(r["lon"]))
        except DataError as err:
            problems.extend(err.problems)
            continue
        try:
            early, late = parse_optional_hhmm(r.get("earliest")), parse_optional_hhmm(r.get("latest"))
        except ValueError as exc:
            problems.append(Problem("stops", f"row {i}: {exc}.", fix="Write times as HH:MM."))
            continue
        minutes = r.get("minutes")
        stops.append(Stop(name=text_or(r.get("name"), f"Stop {i}"), x=x, y=y,
                          duration_min=0.0 if is_missing(minutes) else float(cast(float, minutes)),
                          earliest=early, latest=late, kind=text_or(r.get("kind"), "van stop"),
                          must_visit=is_true(r.get("must"))))
    if problems:
        raise DataError(problems)
    if not stops:
        raise DataError(Problem("route", "has no stops.", fix="Add stops above."))
    return stops


# ---- the day's sessions -------------------------------------------------------------------------------
def plan_days(live: pd.DataFrame) -> list[dt.date]:
    """The days the live sessions fall on, in order."""
    return sorted(set(live["date"])) if len(live) else []


def day_label(live: pd.DataFrame, day: dt.date) -> str:
    return f"{day:%a %d %b %Y} ({int((live['date'] == day).sum())} session(s))"


def workers_on(live: pd.DataFrame, day: dt.date) -> list[int]:
    return sorted(int(w) for w in set(live.loc[live["date"] == day, "worker"])) if len(live) else []


def sessions_of(live: pd.DataFrame, day: dt.date, worker: int) -> pd.DataFrame:
    """The live sessions of one worker on one day."""
    return live[(live["date"] == day) & (live["worker"] == worker)] if len(live) else pd.DataFrame()


def gap_label(gap: Record) -> str:
    """"#3 Kelderby 004C": a gap's rank and name (its code where it has no name)."""
    return f"#{int(gap['rank'])} {text_or(gap.get('lsoa_name'), str(gap['lsoa_code']))}"
