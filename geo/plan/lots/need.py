"""Need for lots: workless residents per LSOA (with how each was estimated) and best-fit LSOAs per unit."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.assumptions import DEFAULT_WORKING_AGE_SHARE
from geo.model import DataError, Problem

#: Typical (median) IoD2025 employment-domain score of England's LSOAs in each employment decile
#: (decile 1 = most deprived), computed from the national IoD2025 file. Used only where an LSOA has a
#: decile but no score; results are labelled as estimates.
EMPLOYMENT_SCORE_BY_DECILE: dict[int, float] = {
    1: 0.306, 2: 0.225, 3: 0.178, 4: 0.146, 5: 0.120, 6: 0.101, 7: 0.085, 8: 0.071, 9: 0.058, 10: 0.041,
}
#: The same by overall IMD decile, for LSOAs with no employment decile either.
EMPLOYMENT_SCORE_BY_IMD_DECILE: dict[int, float] = {
    1: 0.306, 2: 0.225, 3: 0.179, 4: 0.147, 5: 0.122, 6: 0.103, 7: 0.087, 8: 0.075, 9: 0.063, 10: 0.047,
}


def _num(frame: pd.DataFrame, col: str) -> NDArray[np.float64]:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[col], errors="coerce"), dtype="float64")


def _typical_score(deciles: NDArray[np.float64], table: dict[int, float]) -> NDArray[np.float64]:
    return np.array([table.get(int(d), np.nan) if np.isfinite(d) else np.nan for d in deciles], dtype="float64")


def lsoa_needs(lsoas: pd.DataFrame, *, working_age_share: float = DEFAULT_WORKING_AGE_SHARE) -> pd.DataFrame:
    """Per LSOA (indexed by lsoa_code): population, working_age, workless and how each was obtained.

    workless = employment_score x working_age where a score exists ('score'); else the typical score of
    the employment decile, or failing that the IMD decile ('decile', an estimate); else 0 ('none').
    Working age falls back to population x `working_age_share` (flagged in `working_age_estimated`).
    """
    if "lsoa_code" not in lsoas.columns or "population" not in lsoas.columns:
        raise DataError(Problem("LSOAs", "need lsoa_code and population columns to profile lots.",
                                fix="Load LSOAs with their Census population."))
    pop = np.nan_to_num(_num(lsoas, "population"))
    wa = _num(lsoas, "working_age")
    wa_est = np.isnan(wa)
    wa = np.where(wa_est, pop * working_age_share, wa)
    score = _num(lsoas, "employment_score")
    from_emp = _typical_score(_num(lsoas, "employment_decile"), EMPLOYMENT_SCORE_BY_DECILE)
    imd_dec = _num(lsoas, "imd_decile")
    from_imd = _typical_score(imd_dec, EMPLOYMENT_SCORE_BY_IMD_DECILE)
    est = np.where(np.isnan(from_emp), from_imd, from_emp)
    has_score = np.isfinite(score)
    rate = np.where(has_score, score, est)
    how = np.where(has_score, "score", np.where(np.isfinite(est), "decile", "none"))
    workless = np.where(np.isfinite(rate), rate, 0.0) * wa
    return pd.DataFrame({
        "population": pop, "working_age": wa, "working_age_estimated": wa_est,
        "workless": workless, "workless_basis": how, "imd_decile": imd_dec, "imd_score": _num(lsoas, "imd_score"),
    }, index=pd.Index(lsoas["lsoa_code"].astype(str).to_numpy(), name="lsoa_code"))


def best_fit(lsoas: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_col: str,
             code_col: str = "lsoa_code") -> pd.Series:
    """The unit holding each small area's representative point (index = the small areas' `code_col`;
    NA where no unit does). Works for LSOAs in wards, or current wards in an older boundary."""
    pts = gpd.GeoDataFrame({"lsoa_code": lsoas[code_col].astype(str).to_numpy()},
                           geometry=shapely.point_on_surface(lsoas.geometry.values), crs=lsoas.crs)
    target = units[[unit_col, units.geometry.name]]
    if target.crs is not None and pts.crs is not None and target.crs != pts.crs:
        target = target.to_crs(pts.crs)
    joined = gpd.sjoin(pts, target, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return pd.Series(joined[unit_col].astype("string").to_numpy(), index=pd.Index(pts["lsoa_code"], name=code_col),
                     name="unit")


def unit_needs(needs: pd.DataFrame, membership: pd.Series, units: Sequence[str]) -> pd.DataFrame:
    """Sum LSOA needs per unit (index = `units`, in that order; units with no LSOA get zeros)."""
    m = membership.reindex(needs.index)
    frame = needs.assign(unit=m.to_numpy())
    frame = frame[frame["unit"].notna()]
    dec = frame["imd_decile"]
    pop = frame["population"]
    agg = pd.DataFrame({
        "unit": frame["unit"].astype(str),
        "lsoas": 1,
        "population": pop,
        "working_age": frame["working_age"],
        "working_age_estimated_pop": np.where(frame["working_age_estimated"], frame["working_age"], 0.0),
        "workless": frame["workless"],
        "workless_from_score": np.where(frame["workless_basis"] == "score", frame["workless"], 0.0),
        "workless_unknown_lsoas": (frame["workless_basis"] == "none").astype(int),
        "pop_decile_known": np.where(dec.notna(), pop, 0.0),
        "pop_decile_1": np.where(dec == 1, pop, 0.0),
        "pop_decile_1_2": np.where(dec <= 2, pop, 0.0),
        "score_x_pop": np.where(frame["imd_score"].notna(), frame["imd_score"].fillna(0) * pop, 0.0),
        "pop_with_score": np.where(frame["imd_score"].notna(), pop, 0.0),
        **{f"lsoas_decile_{d}": (dec == d).astype(int) for d in range(1, 11)},
    })
    out = agg.groupby("unit").sum()
    return out.reindex(pd.Index([str(u) for u in units], name="unit")).fillna(0.0)
