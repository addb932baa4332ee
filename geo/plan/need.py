"""Need per LSOA for hub and patch plans: working-age residents weighted by deprivation.

Weight (11 − decile) / 10 on the chosen index (decile 1 → 1.0, decile 10 → 0.1; unknown decile → 0.5,
flagged). Working-age residents come from the layer where it has them, else population × 62%
(flagged).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from geo.analyse.deprivation import decile_column
from geo.model import DataError, Problem

WORKING_AGE_SHARE = 0.62
UNKNOWN_DECILE_WEIGHT = 0.5


def deprivation_weight(decile: ArrayLike) -> NDArray[np.float64]:
    """(11 − decile) / 10: decile 1 (most deprived) → 1.0, decile 10 → 0.1; NaN → 0.5."""
    d = np.asarray(decile, dtype="float64")
    w = (11.0 - np.clip(d, 1, 10)) / 10.0
    out: NDArray[np.float64] = np.where(np.isnan(d), UNKNOWN_DECILE_WEIGHT, w)
    return out


def _numbers(frame: pd.DataFrame, col: str) -> NDArray[np.float64]:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[col], errors="coerce"), dtype=np.float64)


def need_table(lsoas: pd.DataFrame, *, index: str = "imd",
               working_age_share: float = WORKING_AGE_SHARE) -> pd.DataFrame:
    """Per LSOA: lsoa_code, lsoa_name, working_age, decile, weight, need and two flags saying what was
    estimated (`working_age_estimated`: population × `working_age_share`; `decile_unknown`)."""
    if "lsoa_code" not in lsoas.columns:
        raise DataError(Problem("LSOAs", "have no lsoa_code column.", column="lsoa_code"))
    codes = lsoas["lsoa_code"].astype("string").to_numpy()
    names = (lsoas["lsoa_name"].astype("string").fillna(pd.Series(codes, index=lsoas.index)).to_numpy()
             if "lsoa_name" in lsoas.columns else codes)
    wa = _numbers(lsoas, "working_age")
    est = np.isnan(wa)
    wa = np.where(est, np.nan_to_num(_numbers(lsoas, "population")) * working_age_share, wa)
    dec = _numbers(lsoas, decile_column(index))
    weight = deprivation_weight(dec)
    return pd.DataFrame({"lsoa_code": codes, "lsoa_name": names, "working_age": wa, "decile": dec,
                         "weight": weight, "need": wa * weight, "working_age_estimated": est,
                         "decile_unknown": np.isnan(dec)})


def need_notes(table: pd.DataFrame, *, working_age_share: float = WORKING_AGE_SHARE) -> list[str]:
    """What the need figures assume, one sentence each."""
    notes = ["Need = working-age residents × (11 − deprivation decile) / 10 (decile 1 counts 1.0, "
             "decile 10 counts 0.1)."]
    n_wa = int(table["working_age_estimated"].sum())
    if n_wa:
        notes.append(f"{n_wa} LSOAs have no working-age population: {working_age_share:.0%} of residents assumed.")
    n_dec = int(table["decile_unknown"].sum())
    if n_dec:
        notes.append(f"{n_dec} LSOAs have no deprivation decile: weight {UNKNOWN_DECILE_WEIGHT} assumed.")
    return notes


def need_at(table: pd.DataFrame, codes: Sequence[str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(need, working-age residents) of the LSOAs `codes`, in that order (NaN for a code not in the table)."""
    pos = pd.Series(np.arange(len(table)), index=table["lsoa_code"].astype(str))
    idx = pos.reindex([str(c) for c in codes]).to_numpy()
    ok = ~np.isnan(idx.astype("float64"))
    need = np.full(len(idx), np.nan)
    wa = np.full(len(idx), np.nan)
    take = idx[ok].astype("int64")
    need[ok] = table["need"].to_numpy(dtype="float64")[take]
    wa[ok] = table["working_age"].to_numpy(dtype="float64")[take]
    return need, wa
