"""The demo borough's participants: about 1,500 fictional people enrolled 2023-2025.

People live beside roads, more often near an open venue and in deprived LSOAs, almost never in the
two coverage-gap pockets; about 1% live 200-400 m from any road (farms, boats, caravans), which
exercises "unmatched" reporting. Cohort and referral mixes vary by ward; enrolment follows the
seasons (quiet in August, at Christmas and at weekends); some find work, some sustain it 13 weeks.
Identifiers are random (`p` and 10 hex digits) and in no order of place or date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.demo.areas import Areas
from geo.demo.layout import BOROUGH_R_MAX_M, Layout
from geo.demo.places import Venues
from geo.demo.population import Deprivation
from geo.demo.shapes import locate, segment_lines
from geo.demo.streets import Streets
from geo.model import COHORTS, REFERRAL_SOURCES

ENROL_FROM = dt.date(2023, 1, 1)
ENROL_TO = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class Participants:
    frame: pd.DataFrame  # participant_id, enrolled_on, cohort, status, referral_source, embedded, job...
    xy: np.ndarray


@dataclass(frozen=True)
class _Homes:
    xy: np.ndarray  # road homes first, then field homes
    ward: np.ndarray  # ward index of each


def _homes(rng: np.random.Generator, layout: Layout, streets: Streets, areas: Areas, dep: Deprivation,
           venues: Venues, households: np.ndarray) -> _Homes:
    """Where each participant lives: beside a road drawn by households x propensity, or in a field."""
    p_a, p_b, seg_len, seg_lsoa = streets.p_a, streets.p_b, streets.seg_len, areas.seg_lsoa
    closed = venues.frame["closed"].to_numpy(dtype=bool)
    d_venue, _ = cKDTree(venues.xy[~closed]).query(streets.mids)
    seg_dec = dep.decile[seg_lsoa]
    propensity = (0.04 + np.exp(-d_venue / 800.0)) * ((11 - seg_dec) / 10.0) ** 1.5
    propensity[np.isin(seg_lsoa, [dep.pocket_rural, dep.pocket_estate])] *= 0.01
    w = households * propensity
    n_par = int(rng.integers(1_450, 1_551))
    n_field = round(0.01 * n_par)
    n_road = n_par - n_field
    q = rng.choice(streets.n_seg, size=n_road, p=w / w.sum())
    t = rng.uniform(0.1, 0.9, n_road)
    d = p_b[q] - p_a[q]
    perp = np.c_[-d[:, 1], d[:, 0]] / np.maximum(seg_len[q], 1e-9)[:, None]
    off = rng.uniform(3.0, 20.0, n_road) * rng.choice([-1.0, 1.0], n_road)
    road_xy = p_a[q] + t[:, None] * d + perp * off[:, None]
    field_xy = _field_homes(rng, n_field, layout, streets, areas, dep)
    ward = np.r_[areas.seg_ward[q], locate(field_xy, areas.ward_polys) if n_field else np.zeros(0, int)]
    return _Homes(xy=np.r_[road_xy, field_xy], ward=ward)


def _field_homes(rng: np.random.Generator, n_field: int, layout: Layout, streets: Streets, areas: Areas,
                 dep: Deprivation) -> np.ndarray:
    """`n_field` points in the borough 210-390 m from any road, outside the two gap pockets."""
    road_tree = shapely.STRtree(segment_lines(streets.p_a, streets.p_b))
    avoid = shapely.union_all([areas.lsoa_polys[dep.pocket_rural], areas.lsoa_polys[dep.pocket_estate]])
    borough = layout.borough
    field_xy = np.empty((0, 2))
    while len(field_xy) < n_field:
        cand = rng.uniform(-BOROUGH_R_MAX_M, BOROUGH_R_MAX_M, (400, 2))
        pts = shapely.points(cand)
        ok = shapely.contains_xy(borough, cand[:, 0], cand[:, 1]) & ~shapely.contains_xy(avoid, cand[:, 0], cand[:, 1])
        _, dist = road_tree.query_nearest(pts, return_distance=True, all_matches=False)
        ok &= (dist >= 210.0) & (dist <= 390.0)
        field_xy = np.r_[field_xy, cand[ok]]
    return field_xy[:n_field]


def _journeys(rng: np.random.Generator, par_ward: np.ndarray, n_w: int) -> pd.DataFrame:
    """Enrolment date, cohort, referral source, status and job outcome of each participant."""
    n_par = len(par_ward)
    days = (ENROL_TO - ENROL_FROM).days + 1
    day = np.arange(days)
    dates = pd.to_datetime(ENROL_FROM) + pd.to_timedelta(day, unit="D")
    season = np.where(dates.month == 8, 0.6, 1.0) * np.where((dates.month == 12) & (dates.day > 18), 0.3, 1.0)
    season = season * np.where(dates.day_of_week >= 5, 0.15, 1.0) * (0.6 + 0.4 * np.minimum(day / 180.0, 1.0))
    enrol_day = np.sort(rng.choice(days, size=n_par, p=season / season.sum()))
    base_cohort = np.array([0.30, 0.30, 0.25, 0.15])
    base_ref = np.array([0.37, 0.27, 0.16, 0.13, 0.07])
    cohort_p = rng.dirichlet(base_cohort * 60.0, size=n_w)
    ref_p = rng.dirichlet(base_ref * 60.0, size=n_w)
    u1 = rng.random(n_par)
    u2 = rng.random(n_par)
    cohort_i = (u1[:, None] > np.cumsum(cohort_p[par_ward], axis=1)).sum(axis=1).clip(0, 3)
    ref_i = (u2[:, None] > np.cumsum(ref_p[par_ward], axis=1)).sum(axis=1).clip(0, 4)
    employed = cohort_i == 3
    embedded = rng.random(n_par) < np.where(employed, 0.88, 0.72)
    p_job = np.where(employed, 0.15, np.where(embedded, 0.52, 0.16))
    job_gap = np.round(rng.gamma(3.0, 45.0, n_par)).astype(int) + 14
    job_day = enrol_day + job_gap
    has_job = (rng.random(n_par) < p_job) & (job_day < days)
    matured = job_day + 91 <= days - 1
    sustained = has_job & matured & (rng.random(n_par) < 0.72)
    age = (days - 1) - enrol_day
    status = np.where(embedded, "embedded", "engaged").astype(object)
    finished = embedded & ((has_job & matured) | (age > 330))
    status[finished] = np.where(rng.random(finished.sum()) < 0.85, "completed", "withdrawn")
    drop = ~embedded & (age > 120) & (rng.random(n_par) < 0.7)
    status[drop] = "withdrawn"
    pid = rng.choice(16**10, size=n_par, replace=False)
    return pd.DataFrame({
        "participant_id": [f"p{v:010x}" for v in pid],
        "enrolled_on": dates[enrol_day],
        "cohort": [COHORTS[i] for i in cohort_i],
        "status": status.astype(str),
        "referral_source": [REFERRAL_SOURCES[i] for i in ref_i],
        "embedded": embedded,
        "job_start_on": pd.Series(dates[np.minimum(job_day, days - 1)]).where(has_job).to_numpy(),
        "sustained_13w": sustained,
    })


def draw_participants(rng: np.random.Generator, layout: Layout, streets: Streets, areas: Areas,
                      dep: Deprivation, venues: Venues, households: np.ndarray) -> Participants:
    """Every participant's home and journey, shuffled so that id order follows neither place nor date."""
    homes = _homes(rng, layout, streets, areas, dep, venues, households)
    frame = _journeys(rng, homes.ward, areas.n_w)
    perm = rng.permutation(len(frame))  # do not let id order follow location or date
    return Participants(frame=frame.iloc[perm].reset_index(drop=True), xy=homes.xy[perm])


def dedupe_participant_ids(frame: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """Copies draw ids independently; redraw the (rare) clashes deterministically."""
    ids = frame["participant_id"].astype(str).tolist()
    dup = pd.Series(ids).duplicated().to_numpy()
    if not dup.any():
        return frame
    rng = np.random.default_rng([seed, 999_983])
    seen = set(ids)
    for i in np.flatnonzero(dup):
        while True:
            cand = f"p{int(rng.integers(16**10)):010x}"
            if cand not in seen:
                seen.add(cand)
                ids[i] = cand
                break
    out = frame.copy()
    out["participant_id"] = ids
    return out
