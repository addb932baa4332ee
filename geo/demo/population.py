"""Who lives where in the demo borough: households per road, LSOA populations, deprivation.

Deprivation follows the plan in `geo.demo`'s docstring: estates in deciles 1-2 (the poor estate
mostly 1), the centre 2-5, suburbs 5-9 rising with distance, villages 4-9 and one deprived rural
pocket. Ranks are unique and fall inside their decile's band of England's 32,844 LSOAs (IoD2019).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import shapely

from geo.demo.areas import Areas
from geo.demo.layout import Layout
from geo.demo.shapes import locate
from geo.demo.streets import KIND_COUNTRY, KIND_TOWN, KIND_VILLAGE, ZONE_ESTATE, ZONE_ESTATE_C, Streets, Zones
from geo.model import DOMAINS

IMD_LSOA_COUNT = 32_844
# how far each domain's decile strays from the overall IMD decile (standard deviation, deciles)
_DOMAIN_SIGMA = {"income": 0.6, "employment": 0.8, "education": 1.2, "health": 1.0, "crime": 1.6,
                 "housing": 1.8, "environment": 1.8}


@dataclass(frozen=True)
class Residents:
    """Households per road segment; residents and working-age residents per LSOA."""

    households: np.ndarray
    population: np.ndarray
    working_age: np.ndarray


@dataclass(frozen=True)
class Deprivation:
    """IoD2019-style figures per LSOA, and the two coverage-gap pockets."""

    lsoa_pt: np.ndarray  # household-weighted centre of each LSOA
    pocket_rural: int  # LSOA of the deprived village nobody reaches
    pocket_estate: int  # LSOA at the poor estate's far corner
    decile: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    domain_dec: dict[str, np.ndarray]
    emp_score: np.ndarray


def count_residents(rng: np.random.Generator, streets: Streets, areas: Areas, zones: Zones) -> Residents:
    """Scale households so each LSOA holds 1,250-2,350 people (1,000-2,600 after rounding)."""
    n_l, seg_lsoa = areas.n_l, areas.seg_lsoa
    target_pop = rng.uniform(1_250.0, 2_350.0, n_l)
    base_sum = np.bincount(seg_lsoa, weights=zones.hh_base, minlength=n_l)
    factor = np.where(base_sum > 0, target_pop / 2.35 / np.maximum(base_sum, 1e-9), 0.0)
    cap = np.where(streets.kind == KIND_COUNTRY, 8.0, 60.0)
    households = np.minimum(np.round(zones.hh_base * factor[seg_lsoa]), cap).astype(np.int64)
    hh_lsoa = np.bincount(seg_lsoa, weights=households, minlength=n_l)
    population = np.clip(np.round(hh_lsoa * rng.uniform(2.25, 2.45, n_l)), 1_000, 2_600).astype(np.int64)
    working_age = np.round(population * rng.uniform(0.55, 0.65, n_l)).astype(np.int64)
    return Residents(households=households, population=population, working_age=working_age)


def _lsoa_points(streets: Streets, areas: Areas, zones: Zones) -> np.ndarray:
    """Household-weighted centre of each LSOA (a point on its surface when it has no households)."""
    n_l, seg_lsoa, hh_base, mids = areas.n_l, areas.seg_lsoa, zones.hh_base, streets.mids
    wsum = np.maximum(np.bincount(seg_lsoa, weights=hh_base, minlength=n_l), 1e-9)
    lx = np.bincount(seg_lsoa, weights=hh_base * mids[:, 0], minlength=n_l) / wsum
    ly = np.bincount(seg_lsoa, weights=hh_base * mids[:, 1], minlength=n_l) / wsum
    lsoa_pt = np.c_[lx, ly]
    no_hh = np.bincount(seg_lsoa, weights=hh_base, minlength=n_l) <= 0
    if no_hh.any():
        lsoa_pt[no_hh] = shapely.get_coordinates(
            shapely.point_on_surface(np.asarray(areas.lsoa_polys, dtype=object)[no_hh]))
    return cast(np.ndarray, lsoa_pt)


def _lsoa_estates(layout: Layout, areas: Areas, zones: Zones) -> np.ndarray:
    """The estate each LSOA belongs to (over 45% of its households there, at least one per estate), else -1."""
    n_l, seg_lsoa, hh_base = areas.n_l, areas.seg_lsoa, zones.hh_base
    wsum = np.maximum(np.bincount(seg_lsoa, weights=hh_base, minlength=n_l), 1e-9)
    lsoa_estate = np.full(n_l, -1)
    for e in range(layout.n_est):
        est_share = np.bincount(seg_lsoa, weights=hh_base * (zones.seg_est == e), minlength=n_l) / wsum
        members = np.flatnonzero(est_share > 0.45)
        if members.size == 0:
            members = np.array([int(np.argmax(est_share))])
        lsoa_estate[members] = e
    return lsoa_estate


def _ranks(rng: np.random.Generator, decile: np.ndarray) -> np.ndarray:
    """A rank in England inside each decile's band, no two alike."""
    lo = np.ceil((decile - 1) * IMD_LSOA_COUNT / 10.0).astype(np.int64) + 1
    hi = np.floor(decile * IMD_LSOA_COUNT / 10.0).astype(np.int64)
    rank = rng.integers(lo, hi + 1)
    for _ in range(20):  # ranks are unique in England
        dup = pd.Series(rank).duplicated().to_numpy()
        if not dup.any():
            break
        rank[dup] = rng.integers(lo[dup], hi[dup] + 1)
    return rank


def _domain_deciles(rng: np.random.Generator, decile: np.ndarray, lsoa_urban: np.ndarray,
                    d_lsoa: np.ndarray) -> dict[str, np.ndarray]:
    """Each domain's decile: the IMD decile plus noise, housing worse in the country, crime in the centre."""
    domain_dec: dict[str, np.ndarray] = {}
    for d in DOMAINS:
        shift = np.zeros(len(decile))
        if d == "housing":  # barriers to services are worst in the countryside
            shift = np.where(lsoa_urban, 1.0, -3.0)
        elif d in ("crime", "environment"):
            shift = np.where(lsoa_urban & (d_lsoa < 1_200.0), -1.0, np.where(lsoa_urban, 0.0, 1.0))
        noisy = decile + shift + rng.normal(0.0, _DOMAIN_SIGMA.get(d, 1.0), len(decile))
        domain_dec[d] = np.clip(np.round(noisy), 1, 10).astype(np.int64)
    return domain_dec


def rate_deprivation(rng: np.random.Generator, layout: Layout, streets: Streets, areas: Areas,
                     zones: Zones) -> Deprivation:
    """IMD decile, rank and score, the seven domain deciles and the employment score of each LSOA."""
    n_l = areas.n_l
    lsoa_pt = _lsoa_points(streets, areas, zones)
    lsoa_urban = areas.ward_urban[areas.lsoa_ward]
    lsoa_estate = _lsoa_estates(layout, areas, zones)
    poor_estate = layout.poor_estate
    pocket_rural = int(locate(layout.vil_xy[[layout.pocket_village]], areas.lsoa_polys)[0])
    c_members = np.flatnonzero(lsoa_estate == poor_estate)
    pocket_estate = int(c_members[np.argmax(np.hypot(*lsoa_pt[c_members].T))])
    d_lsoa = np.hypot(*lsoa_pt.T)
    decile = np.empty(n_l, dtype=np.int64)
    for i in range(n_l):
        if lsoa_estate[i] >= 0:
            decile[i] = 1 if (lsoa_estate[i] == poor_estate and rng.random() < 0.7) else rng.integers(1, 3)
        elif i == pocket_rural:
            decile[i] = rng.integers(2, 4)
        elif not lsoa_urban[i]:
            decile[i] = rng.integers(4, 10)
        elif d_lsoa[i] < 900.0:
            decile[i] = rng.integers(2, 6)
        else:
            decile[i] = int(np.clip(round(5 + 4 * d_lsoa[i] / 2_800.0 + rng.normal(0.0, 1.2)), 5, 9))
    rank = _ranks(rng, decile)
    rel = (rank - 1) / (IMD_LSOA_COUNT - 1)
    score = np.round(5.0 + 55.0 * (1.0 - rel) ** 2.2, 3)
    domain_dec = _domain_deciles(rng, decile, lsoa_urban, d_lsoa)
    emp_rel = (domain_dec["employment"] - rng.uniform(0.0, 1.0, n_l)) / 10.0
    emp_score = np.round(np.clip(0.02 + 0.31 * (1.0 - emp_rel) ** 2.5 + rng.normal(0.0, 0.006, n_l),
                                 0.02, 0.35), 4)
    return Deprivation(lsoa_pt=lsoa_pt, pocket_rural=pocket_rural, pocket_estate=pocket_estate, decile=decile,
                       rank=rank, score=score, domain_dec=domain_dec, emp_score=emp_score)


def social_housing(rng: np.random.Generator, streets: Streets, areas: Areas, zones: Zones,
                   households: np.ndarray) -> np.ndarray:
    """Whether each road is social housing: most estate streets, a few elsewhere; whole streets at once."""
    zone, kind = zones.zone, streets.kind
    estate_street = zone == ZONE_ESTATE
    estate_street |= zone == ZONE_ESTATE_C
    p_social = np.select([estate_street, kind == KIND_TOWN, kind == KIND_VILLAGE], [0.94, 0.15, 0.1], 0.0)
    social = (rng.random(streets.n_seg) < p_social) & (households > 0)
    # a street is social housing or not as a whole: take the majority per (name, ward)
    key = pd.Series([f"{nm}|{w}" for nm, w in zip(streets.names, areas.seg_ward)])
    street_social = pd.Series(social).groupby(key).transform("mean").to_numpy() >= 0.5
    return np.where(streets.named, street_social, False) & (households > 0)
