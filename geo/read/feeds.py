"""Bus data from GTFS feeds and NaPTAN stops, from tables `geo.io` has read (pure).

GTFS (https://gtfs.org/schedule/reference/): `stops.txt` gives the stops; `routes.txt` the routes
(bus route types only: 3, 11 and the extended 700-716, 800); the route's line is the union of the
`shapes.txt` shapes its trips use (or, without shapes, the stop sequence of its longest trip).
`trips_per_hour` is the busiest direction's departures between 07:00 and 19:00 on one service date,
divided by 12: from `frequencies.txt` where a trip has headways, else by counting trips' first
departures in `stop_times.txt`. The trips counted are those whose service runs on that date by the
GTFS calendar rules (`geo.read.service_dates`): `calendar.txt`'s weekly pattern between its start_date and
end_date, with `calendar_dates.txt`'s additions (exception_type 1) and removals (2); a feed may use
either file alone. The date is the one chosen, else the next ordinary Wednesday inside the feed (not
a bank holiday in England, with service), else the feed's last such Wednesday once it has ended
(`default_service_date`); it is said in the report and kept as `GtfsReport.service_date`. A feed with
neither file counts every trip (said). `speed_kmh` is the median over trips of the line length
divided by the time from first departure to last arrival.

NaPTAN (https://naptan.api.dft.gov.uk, Stops.csv): on-street bus stops and bus station bays
(StopType BCT, BCS, BCQ) that are active, named "CommonName (Indicator)", placed by
Easting/Northing, else Longitude/Latitude.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from geo.model import CRS, DataError, Problem
from geo.read.columns import norm_header, show_value, to_number
from geo.read.geometry import in_gb_bng, in_gb_lonlat, lonlat_to_bng
from geo.read.report import FIRST_DATA_ROW, ImportReport, RowIssue
from geo.read.service_dates import default_service_date, long_date, need_table, read_service_calendar

BUS_ROUTE_TYPES = frozenset({3, 11, 800, *range(700, 717)})
DAY_START_S, DAY_END_S = 7 * 3600, 19 * 3600
#: (route_id, direction_id): how trips are counted per hour.
RouteDirection = tuple[str, str]


def gtfs_seconds(values: pd.Series) -> np.ndarray:
    """'07:05:00' -> 25500.0; GTFS times may pass 24:00:00. Junk -> NaN."""
    parts = values.astype("string").str.strip().str.extract(r"^(\d{1,3}):(\d{2}):(\d{2})$")
    h, m, s = (pd.to_numeric(parts[i], errors="coerce").to_numpy(dtype="float64", na_value=np.nan) for i in range(3))
    with np.errstate(invalid="ignore"):
        ok = (m < 60) & (s < 60)
    return np.where(ok, h * 3600 + m * 60 + s, np.nan)


@dataclass
class GtfsReport(ImportReport):
    """An import report that also says the service date whose trips were counted (None: no calendar)."""

    service_date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["service_date"] = self.service_date.isoformat() if self.service_date else None
        return out


def layers_from_gtfs(tables: Mapping[str, pd.DataFrame], *, source: str, service_date: dt.date | None = None,
                     today: dt.date | None = None) -> tuple[dict[str, gpd.GeoDataFrame], GtfsReport]:
    """bus_stops and bus_routes from GTFS tables (file name -> frame of text). Buses per hour count the
    trips running on `service_date` (default: `default_service_date` from `today`, default today);
    a date outside the feed is a DataError."""
    report = GtfsReport(source, "GTFS feed")
    stops = need_table(tables, "stops.txt", ("stop_id", "stop_name", "stop_lat", "stop_lon"), source=source)
    routes = need_table(tables, "routes.txt", ("route_id", "route_type"), source=source)
    trips = need_table(tables, "trips.txt", ("route_id", "service_id", "trip_id"), source=source)
    report.rows_read = len(stops) + len(routes) + len(trips)

    # stops
    lat = to_number(stops["stop_lat"]).to_numpy(dtype="float64", na_value=np.nan)
    lon = to_number(stops["stop_lon"]).to_numpy(dtype="float64", na_value=np.nan)
    loc_type = to_number(stops["location_type"]).fillna(0).to_numpy() if "location_type" in stops else \
        np.zeros(len(stops))
    is_stop = loc_type == 0
    ok = in_gb_lonlat(lon, lat) & is_stop
    src_stops = f"{source}/stops.txt"
    for i in np.flatnonzero(is_stop & ~ok):
        where = f"{show_value(stops['stop_lat'].iloc[i])}, {show_value(stops['stop_lon'].iloc[i])}"
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, "stop_lat/stop_lon", where,
                                        f"in {src_stops} lies outside Great Britain or is not a number"))
    ids = stops["stop_id"].astype("string").str.strip()
    for i in np.flatnonzero((ids.isna() | (ids == "")).to_numpy() & ok):
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, "stop_id", "(blank)", f"in {src_stops} is blank"))
    ok &= ~(ids.isna() | (ids == "")).to_numpy()
    dup = ids.where(ok).duplicated(keep="first").to_numpy() & ok
    for i in np.flatnonzero(dup):
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, "stop_id", show_value(ids.iloc[i]),
                                        f"in {src_stops} appears again (first row used)"))
    ok &= ~dup
    x, y = lonlat_to_bng(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    stop_names = stops["stop_name"].astype("string").str.strip().fillna("")
    stop_names = stop_names.where(stop_names != "", "Stop " + ids.fillna(""))

    # routes: bus only
    rtype = to_number(routes["route_type"]).to_numpy(dtype="float64", na_value=np.nan)
    bus = np.isin(rtype, list(BUS_ROUTE_TYPES))
    if (~bus).any():
        report.notes.append(f"{int((~bus).sum())} routes that are not buses (rail, tram, ferry...) were left out.")
    routes = routes.loc[bus].copy()
    routes["route_id"] = routes["route_id"].astype("string").str.strip()
    short = routes["route_short_name"].astype("string").str.strip() if "route_short_name" in routes else \
        pd.Series(pd.NA, index=routes.index, dtype="string")
    long = routes["route_long_name"].astype("string").str.strip() if "route_long_name" in routes else \
        pd.Series(pd.NA, index=routes.index, dtype="string")
    label = short.fillna("").where(short.fillna("") != "", routes["route_id"])
    name = (short.fillna("") + " " + long.fillna("")).str.strip()
    name = name.where(name != "", routes["route_id"])
    trips = trips.copy()
    for c in ("route_id", "service_id", "trip_id"):
        trips[c] = trips[c].astype("string").str.strip()
    trips = trips[trips["route_id"].isin(set(routes["route_id"]))]

    services = _services_for(tables, source=source, service_date=service_date, today=today, report=report)
    day_trips = trips[trips["service_id"].isin(services)] if services is not None else trips

    stop_times = tables.get("stop_times.txt")
    first_dep: pd.Series | None = None
    st = None
    if stop_times is not None and {"trip_id", "stop_id", "stop_sequence"} <= set(stop_times.columns):
        st = stop_times[["trip_id", "stop_id", "stop_sequence"]].astype("string").apply(lambda c: c.str.strip())
        st["seq"] = to_number(st["stop_sequence"])
        st["dep"] = gtfs_seconds(stop_times["departure_time"]) if "departure_time" in stop_times else np.nan
        st["arr"] = gtfs_seconds(stop_times["arrival_time"]) if "arrival_time" in stop_times else np.nan
        st = st.dropna(subset=["seq"]).sort_values(["trip_id", "seq"])
        first_dep = st.groupby("trip_id")["dep"].first()

    tph = _trips_per_hour(tables, day_trips, first_dep, report=report)

    # route lines
    shapes = tables.get("shapes.txt")
    shape_lines: dict[str, LineString] = {}
    if shapes is not None and {"shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"} <= set(shapes.columns):
        sh = pd.DataFrame({"id": shapes["shape_id"].astype("string").str.strip(),
                           "lat": to_number(shapes["shape_pt_lat"]), "lon": to_number(shapes["shape_pt_lon"]),
                           "seq": to_number(shapes["shape_pt_sequence"])})
        good = in_gb_lonlat(sh["lon"].to_numpy(dtype="float64", na_value=np.nan),
                            sh["lat"].to_numpy(dtype="float64", na_value=np.nan)) & sh["seq"].notna().to_numpy()
        bad = int((~good).sum())
        if bad:
            report.notes.append(f"{bad:,} shape points in {source}/shapes.txt are not in Great Britain or have no "
                                "sequence and were skipped.")
        sh = sh[good].sort_values(["id", "seq"])
        if len(sh):
            sx, sy = lonlat_to_bng(sh["lon"].to_numpy(dtype="float64"), sh["lat"].to_numpy(dtype="float64"))
            sh["x"], sh["y"] = sx, sy
            for sid, part in sh.groupby("id", sort=False):
                if len(part) >= 2:
                    shape_lines[str(sid)] = LineString(part[["x", "y"]].to_numpy())
    stop_xy = {str(s): (x[i], y[i]) for i, s in enumerate(ids) if ok[i]}
    used_stop_sequence = False
    r_ids: list[str] = []
    r_names: list[str] = []
    r_tph: list[float] = []
    r_speed: list[float] = []
    r_geoms: list[BaseGeometry] = []
    stop_routes: dict[str, set[str]] = {}
    if st is not None:
        trip_route = dict(zip(trips["trip_id"], trips["route_id"]))
        route_label = dict(zip(routes["route_id"], label))
        for sid, tid in zip(st["stop_id"], st["trip_id"]):
            rid = trip_route.get(tid)
            if rid is not None:
                stop_routes.setdefault(str(sid), set()).add(str(route_label[rid]))
    for rid, lab, nm in zip(routes["route_id"], label, name):
        rtrips = trips[trips["route_id"] == rid]
        lines: list[LineString] = []
        if "shape_id" in rtrips:
            for sid in rtrips["shape_id"].astype("string").str.strip().dropna().unique():
                if str(sid) in shape_lines:
                    lines.append(shape_lines[str(sid)])
        if not lines and st is not None and len(rtrips):
            seqs = st[st["trip_id"].isin(set(rtrips["trip_id"]))]
            if len(seqs):
                longest = seqs.groupby("trip_id").size().idxmax()
                pts = [stop_xy[s] for s in seqs.loc[seqs["trip_id"] == longest, "stop_id"] if s in stop_xy]
                if len(pts) >= 2:
                    lines.append(LineString(pts))
                    used_stop_sequence = True
        if not lines:
            report.notes.append(f"route {lab}: no shape and no stop sequence to draw it; left out.")
            continue
        geom = MultiLineString(lines) if len(lines) > 1 else lines[0]
        r_ids.append(str(lab) if list(label).count(lab) == 1 else str(rid))
        r_names.append(str(nm))
        r_tph.append(tph.get(rid, np.nan))
        r_speed.append(_speed(rtrips, st, geom))
        r_geoms.append(geom)
    if used_stop_sequence:
        report.assumptions.append("routes without shapes.txt are drawn as straight lines between their stops.")
    out_stops = gpd.GeoDataFrame(
        {"stop_id": ids[ok].to_numpy(), "name": stop_names[ok].to_numpy(),
         "route_ids": [";".join(sorted(stop_routes.get(str(s), ()))) or None for s in ids[ok]]},
        geometry=gpd.points_from_xy(np.asarray(x)[ok], np.asarray(y)[ok]), crs=CRS)
    out_routes = gpd.GeoDataFrame(
        {"route_id": r_ids, "name": r_names, "trips_per_hour": pd.array(r_tph, dtype="Float64"),
         "speed_kmh": pd.array(r_speed, dtype="Float64")},
        geometry=r_geoms if r_geoms else gpd.GeoSeries([]), crs=CRS)
    report.rows_used = len(out_stops) + len(out_routes)
    report.notes.append(f"{len(out_stops):,} stops and {len(out_routes)} bus routes.")
    return {"bus_stops": out_stops, "bus_routes": out_routes}, report


def _services_for(tables: Mapping[str, pd.DataFrame], *, source: str, service_date: dt.date | None,
                  today: dt.date | None, report: GtfsReport) -> frozenset[str] | None:
    """The services running on the service date (None: the feed has no calendar, count every trip)."""
    calendar = read_service_calendar(tables, source=source)
    if calendar is None:
        report.assumptions.append("no calendar.txt or calendar_dates.txt: every service is counted as running on "
                                  "a typical weekday.")
        return None
    span = calendar.span()
    if service_date is None:
        service_date, why = default_service_date(calendar, today=today or dt.date.today())
        words = f"a typical weekday, {long_date(service_date)} ({why})"
    elif span is None or not span[0] <= service_date <= span[1]:
        within = (f"between {long_date(span[0])} and {long_date(span[1])}" if span is not None
                  else "on no date: its calendar files are empty")
        raise DataError(Problem(calendar.files, f"{long_date(service_date)} is outside the dates this feed runs "
                                                f"({within}).",
                                fix=(f"Choose a service date between {long_date(span[0])} and {long_date(span[1])}, or "
                                     "leave it blank for the next ordinary Wednesday in the feed."
                                     if span is not None else "Download the operator's current feed.")))
    else:
        words = f"{long_date(service_date)} (the service date chosen)"
    report.service_date = service_date
    services = calendar.services_on(service_date)
    report.assumptions.append(f"buses per hour are for {words}: trips whose service runs that day by "
                              f"{calendar.files.rsplit('/', 1)[-1]}, 07:00 to 19:00, busiest direction.")
    if not services:
        report.notes.append(f"no service runs on {long_date(service_date)}: no buses are counted.")
    return services


def _trips_per_hour(tables: Mapping[str, pd.DataFrame], trips: pd.DataFrame, first_dep: pd.Series | None, *,
                    report: ImportReport) -> dict[str, float]:
    direction = trips["direction_id"].astype("string").fillna("0") if "direction_id" in trips else \
        pd.Series("0", index=trips.index)
    counts = pd.Series(0.0, index=pd.MultiIndex.from_arrays([trips["route_id"], direction]).unique())
    freq = tables.get("frequencies.txt")
    freq_trips: set[str] = set()
    if freq is not None and {"trip_id", "start_time", "end_time", "headway_secs"} <= set(freq.columns):
        f = pd.DataFrame({"trip_id": freq["trip_id"].astype("string").str.strip(),
                          "start": gtfs_seconds(freq["start_time"]), "end": gtfs_seconds(freq["end_time"]),
                          "headway": to_number(freq["headway_secs"]).to_numpy(dtype="float64", na_value=np.nan)})
        f = f[(f["headway"] > 0) & f["start"].notna() & f["end"].notna()]
        lookup = pd.DataFrame({"route_id": trips["route_id"].to_numpy(), "dir": direction.to_numpy()},
                              index=trips["trip_id"].to_numpy())
        f = f[f["trip_id"].isin(lookup.index)]
        overlap = (f["end"].clip(upper=DAY_END_S) - f["start"].clip(lower=DAY_START_S)).clip(lower=0)
        f = f.assign(n=overlap / f["headway"], route_id=lookup.loc[f["trip_id"], "route_id"].to_numpy(),
                     dir=lookup.loc[f["trip_id"], "dir"].to_numpy())
        for key, n in f.groupby(["route_id", "dir"])["n"].sum().items():
            counts[cast(RouteDirection, key)] = counts.get(key, 0.0) + n
        freq_trips = set(f["trip_id"])
    if first_dep is not None:
        plain = trips[~trips["trip_id"].isin(freq_trips)]
        dep = first_dep.reindex(plain["trip_id"]).to_numpy()
        with np.errstate(invalid="ignore"):
            in_day = (dep >= DAY_START_S) & (dep < DAY_END_S)
        d = direction.loc[plain.index]
        for key, n in pd.Series(in_day.astype(float)).groupby(
                [plain["route_id"].to_numpy(), d.to_numpy()]).sum().items():
            counts[cast(RouteDirection, key)] = counts.get(key, 0.0) + n
    elif not freq_trips:
        report.notes.append("no stop_times.txt or frequencies.txt: buses per hour are not known from this feed.")
        return {}
    hours = (DAY_END_S - DAY_START_S) / 3600
    if len(counts) == 0:
        return {}
    best = counts.groupby(level=0).max()
    return {str(k): round(float(v) / hours, 2) for k, v in best.items()}


def _speed(rtrips: pd.DataFrame, st: pd.DataFrame | None, geom: BaseGeometry) -> float:
    if st is None or not len(rtrips):
        return np.nan
    times = st[st["trip_id"].isin(set(rtrips["trip_id"]))].groupby("trip_id").agg(
        start=("dep", "first"), end=("arr", "last"))
    dur = (times["end"] - times["start"]).to_numpy(dtype="float64")
    dur = dur[np.isfinite(dur) & (dur > 0)]
    if not len(dur):
        return np.nan
    length = max(g.length for g in geom.geoms) if isinstance(geom, MultiLineString) else geom.length
    speed = length / 1000 / (float(np.median(dur)) / 3600)
    return round(speed, 1) if 2 <= speed <= 120 else np.nan


def stops_from_naptan(frame: pd.DataFrame, *, source: str) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Active bus stops from a NaPTAN Stops.csv frame."""
    report = ImportReport(source, "NaPTAN stops", rows_read=len(frame))
    cols = {norm_header(c): c for c in frame.columns}
    atco = cols.get("atcocode")
    common = cols.get("commonname")
    if atco is None or common is None:
        raise DataError([Problem(source, f"required NaPTAN column is missing (headers found: "
                                         f"{', '.join(map(str, frame.columns[:20]))}).", column=c,
                                 fix="Choose Stops.csv as downloaded from NaPTAN.")
                         for c, have in (("ATCOCode", atco), ("CommonName", common)) if have is None])
    kind = frame[cols["stoptype"]].astype("string").str.strip().str.upper() if "stoptype" in cols else None
    status = frame[cols["status"]].astype("string").str.strip().str.lower() if "status" in cols else None
    keep = np.ones(len(frame), dtype=bool)
    if kind is not None:
        keep &= kind.isin(["BCT", "BCS", "BCQ"]).fillna(False).to_numpy()
        if (~keep).any():
            report.notes.append(f"{int((~keep).sum()):,} stops that are not bus stops (rail, tram, taxi...) "
                                "were left out.")
    if status is not None:
        active = status.isin(["act", "active"]).fillna(True).to_numpy() | status.isna().to_numpy()
        if (keep & ~active).any():
            report.notes.append(f"{int((keep & ~active).sum()):,} inactive or deleted stops were left out.")
        keep &= active
    x = np.full(len(frame), np.nan)
    y = np.full(len(frame), np.nan)
    if "easting" in cols and "northing" in cols:
        e = to_number(frame[cols["easting"]]).to_numpy(dtype="float64", na_value=np.nan)
        n = to_number(frame[cols["northing"]]).to_numpy(dtype="float64", na_value=np.nan)
        good = in_gb_bng(e, n) & ~((e == 0) & (n == 0))
        x[good], y[good] = e[good], n[good]
    if "longitude" in cols and "latitude" in cols:
        lon = to_number(frame[cols["longitude"]]).to_numpy(dtype="float64", na_value=np.nan)
        lat = to_number(frame[cols["latitude"]]).to_numpy(dtype="float64", na_value=np.nan)
        fill = np.isnan(x) & in_gb_lonlat(lon, lat)
        if fill.any():
            fx, fy = lonlat_to_bng(lon[fill], lat[fill])
            x[fill], y[fill] = fx, fy
    for i in np.flatnonzero(keep & np.isnan(x)):
        e_text = show_value(frame[cols["easting"]].iloc[i]) if "easting" in cols else "(none)"
        n_text = show_value(frame[cols["northing"]].iloc[i]) if "northing" in cols else "(none)"
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, "Easting/Northing", f"{e_text}, {n_text}",
                                        "lies outside Great Britain or is missing (and so are Longitude/Latitude)"))
    keep &= ~np.isnan(x)
    ids = frame[atco].astype("string").str.strip()
    blank = (ids.isna() | (ids == "")).to_numpy()
    for i in np.flatnonzero(keep & blank):
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, atco, "(blank)", "is blank"))
    keep &= ~blank
    dup = ids.where(keep).duplicated(keep="first").to_numpy() & keep
    for i in np.flatnonzero(dup):
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, atco, show_value(ids.iloc[i]),
                                        "appears again (first row used)"))
    keep &= ~dup
    name = frame[common].astype("string").str.strip().fillna("")
    if "indicator" in cols:
        ind = frame[cols["indicator"]].astype("string").str.strip().fillna("")
        name = name.where(ind == "", name + " (" + ind + ")")
    name = name.where(name != "", "Stop " + ids.fillna(""))
    out = gpd.GeoDataFrame({"stop_id": ids[keep].to_numpy(), "name": name[keep].to_numpy(),
                            "route_ids": [None] * int(keep.sum())},
                           geometry=gpd.points_from_xy(x[keep], y[keep]), crs=CRS)
    report.rows_used = len(out)
    if len(out) == 0:
        raise DataError(Problem(source, "holds no active bus stops with a location in Great Britain.",
                                fix="Choose NaPTAN's Stops.csv for your area."))
    return out, report
