"""Participant engagement by road: the Working Together measure, computed from points.

A *road*, for counting, is a named street within one ward: every segment with the same name in the
same ward is one road; unnamed segments (paths, service roads) are not counted. Each participant is
snapped to the nearest named segment within `max_m`; participants further away are reported as
unmatched, never silently dropped. Nothing here returns a participant's location.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

DEFAULT_SNAP_M = 50.0


def filter_participants(
    participants: gpd.GeoDataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    cohorts: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Participants enrolled between `start` and `end` inclusive, in any of `cohorts` (None = all)."""
    keep = np.ones(len(participants), dtype=bool)
    enrolled = pd.to_datetime(participants["enrolled_on"])
    if start is not None:
        keep &= (enrolled >= pd.Timestamp(start)).to_numpy(dtype=bool, na_value=False)
    if end is not None:
        keep &= (enrolled <= pd.Timestamp(end)).to_numpy(dtype=bool, na_value=False)
    if cohorts is not None:
        wanted = list(cohorts)
        keep &= participants["cohort"].isin(wanted).to_numpy(dtype=bool, na_value=False)
    return participants[keep]


def assign_wards(roads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.Series:
    """Ward code of the ward containing each segment's midpoint (NA outside every ward)."""
    mids = shapely.line_interpolate_point(roads.geometry.values, 0.5, normalized=True)
    hits = wards.sindex.query(mids, predicate="within")
    codes = pd.Series(pd.NA, index=roads.index, dtype="string")
    if hits.size:
        first = pd.Series(hits[1], index=hits[0]).groupby(level=0).first()
        codes.iloc[first.index.to_numpy()] = wards["ward_code"].astype("string").to_numpy()[first.to_numpy()]
    return codes


def road_keys(roads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame | None = None) -> pd.Series:
    """'<ward_code>|<name>' for named segments, NA for unnamed ones or those outside every ward."""
    if "ward_code" in roads.columns and roads["ward_code"].notna().all():
        ward = roads["ward_code"].astype("string")
    elif wards is not None:
        ward = assign_wards(roads, wards)
    else:
        ward = pd.Series("", index=roads.index, dtype="string")
    name = roads["name"].astype("string").str.strip()
    named = name.notna() & (name != "")
    keys = (ward.fillna("") + "|" + name.fillna("")).astype("string")
    return keys.where(named & ward.notna(), pd.NA)


@dataclass(frozen=True)
class RoadEngagement:
    """Engagement per road (named street within a ward) and per segment.

    `roads` has one row per road: road_key, name, ward_code, segments, households, participants,
    engaged. `segment_counts` is aligned with the input road segments (unnamed segments get 0).
    """

    roads: pd.DataFrame
    segment_counts: np.ndarray
    segment_keys: pd.Series
    matched: int
    unmatched: int

    @property
    def roads_total(self) -> int:
        return len(self.roads)

    @property
    def roads_engaged(self) -> int:
        return int(self.roads["engaged"].sum())

    @property
    def pct_roads_engaged(self) -> float:
        return 100.0 * self.roads_engaged / self.roads_total if self.roads_total else float("nan")


def snap_to_roads(
    points: gpd.GeoSeries | gpd.GeoDataFrame, roads: gpd.GeoDataFrame, *, max_m: float = DEFAULT_SNAP_M
) -> np.ndarray:
    """Index (position) into `roads` of the nearest segment within `max_m` of each point, or -1."""
    geoms = points.geometry.values if isinstance(points, gpd.GeoDataFrame) else points.values
    out = np.full(len(geoms), -1, dtype="int64")
    if len(geoms) == 0 or len(roads) == 0:
        return out
    tree = shapely.STRtree(roads.geometry.values)
    idx = tree.query_nearest(geoms, max_distance=max_m, all_matches=False)
    out[idx[0]] = idx[1]
    return out


def engagement_by_road(
    participants: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    wards: gpd.GeoDataFrame | None = None,
    max_m: float = DEFAULT_SNAP_M,
) -> RoadEngagement:
    """Count participants per road: snap each to the nearest named segment within `max_m`."""
    keys = road_keys(roads, wards)
    named_pos = np.flatnonzero(keys.notna().to_numpy())
    named = roads.iloc[named_pos]
    snapped = snap_to_roads(participants, named, max_m=max_m)
    ok = snapped >= 0
    seg_counts = np.zeros(len(roads), dtype="int64")
    np.add.at(seg_counts, named_pos[snapped[ok]], 1)

    households = (roads["households"] if "households" in roads.columns
                  else pd.Series(0, index=roads.index)).astype("Float64").fillna(0).to_numpy()
    ward = keys.str.split("|", n=1).str[0]
    seg = pd.DataFrame({
        "road_key": keys.to_numpy(),
        "name": roads["name"].astype("string").str.strip().to_numpy(),
        "ward_code": ward.to_numpy(),
        "households": households,
        "participants": seg_counts,
    }).dropna(subset=["road_key"])
    table = (
        seg.groupby("road_key", sort=True)
        .agg(name=("name", "first"), ward_code=("ward_code", "first"), segments=("name", "size"),
             households=("households", "sum"), participants=("participants", "sum"))
        .reset_index()
    )
    table["households"] = table["households"].round().astype("int64")
    table["engaged"] = table["participants"] > 0
    return RoadEngagement(roads=table, segment_counts=seg_counts, segment_keys=keys,
                          matched=int(ok.sum()), unmatched=int((~ok).sum()))


def road_counts_for_segments(result: RoadEngagement) -> np.ndarray:
    """Participants on each segment's *road* (the whole named street within its ward); 0 if unnamed."""
    per_road = result.roads.set_index("road_key")["participants"]
    return np.asarray(result.segment_keys.map(per_road).fillna(0).astype("int64").to_numpy(), dtype="int64")


def pct_engaged_by(result: RoadEngagement, *, by: str = "ward_code") -> pd.DataFrame:
    """Roads, engaged roads and % of roads engaged per `by` (a column of `result.roads`)."""
    g = result.roads.groupby(by)
    out = pd.DataFrame({"roads": g.size(), "roads_engaged": g["engaged"].sum().astype("int64")})
    out["pct_engaged"] = 100.0 * out["roads_engaged"] / out["roads"]
    return out.reset_index()
