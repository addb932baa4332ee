"""English Indices of Deprivation on LSOAs: decile columns, bands and headline counts."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.model import DOMAIN_LABELS, DOMAINS

#: The selector's choices: the overall index, then the seven domains.
INDICES: tuple[str, ...] = ("imd", *DOMAINS)


def decile_column(index: str) -> str:
    """Column holding the decile for `index` ('imd' or one of the seven domains)."""
    if index not in INDICES:
        raise ValueError(f"unknown deprivation index {index!r}; choose one of {', '.join(INDICES)}")
    return f"{index}_decile"


def index_label(index: str) -> str:
    return DOMAIN_LABELS[index]


def available_indices(lsoas: gpd.GeoDataFrame) -> list[str]:
    """Indices whose decile column exists and holds at least one value."""
    return [i for i in INDICES if decile_column(i) in lsoas.columns and lsoas[decile_column(i)].notna().any()]


@dataclass(frozen=True)
class DeprivedCount:
    lsoas: int
    total: int
    max_decile: int

    @property
    def share(self) -> float:
        return self.lsoas / self.total if self.total else float("nan")


def most_deprived(lsoas: gpd.GeoDataFrame, *, index: str = "imd", max_decile: int = 2) -> DeprivedCount:
    """LSOAs in England's most deprived `max_decile` tenths (deciles 1..max_decile) on `index`."""
    if not 1 <= max_decile <= 10:
        raise ValueError(f"max_decile must be 1..10, got {max_decile}")
    col = decile_column(index)
    if col not in lsoas.columns:
        return DeprivedCount(0, 0, max_decile)
    dec = pd.to_numeric(lsoas[col], errors="coerce")
    known = dec.notna()
    return DeprivedCount(int((dec[known] <= max_decile).sum()), int(known.sum()), max_decile)


def deciles(lsoas: gpd.GeoDataFrame, *, index: str = "imd") -> np.ndarray:
    """Decile per LSOA as float (NaN where unknown)."""
    col = decile_column(index)
    if col not in lsoas.columns:
        return np.full(len(lsoas), np.nan)
    return np.asarray(pd.to_numeric(lsoas[col], errors="coerce").astype("float64").to_numpy(), dtype="float64")
