"""The units lots are built from (wards of any boundary year, or LSOAs), with their need and adjacency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse.adjacency import Adjacency, adjacency
from geo.assumptions import DEFAULT_WORKING_AGE_SHARE
from geo.model import DataError, Problem
from geo.plan.lots.need import best_fit, lsoa_needs, unit_needs

UNIT_KINDS = ("wards", "lsoas")


@dataclass(frozen=True)
class LotUnits:
    """The units lots are built from, with their need and adjacency (derive once per layer)."""

    kind: str                    # "wards" or "lsoas"
    label: str                   # e.g. "Wards (2023 boundaries)"
    units: gpd.GeoDataFrame      # columns code, name, lad_name, geometry (EPSG:27700)
    needs: pd.DataFrame          # `unit_needs`, index = code
    adjacency: Adjacency
    membership: pd.Series        # lsoa_code -> unit code

    @property
    def codes(self) -> tuple[str, ...]:
        return self.adjacency.codes

    @property
    def unit_word(self) -> str:
        """'wards' or 'LSOAs', for sentences."""
        return "wards" if self.kind == "wards" else "LSOAs"

    def names(self) -> dict[str, str]:
        return dict(zip(self.units["code"], self.units["name"]))

    def councils(self) -> dict[str, str]:
        """unit code -> council name ('' where unknown)."""
        return dict(zip(self.units["code"], self.units["lad_name"]))

    def label_of(self, code: str) -> str:
        """'Name (code)', with ', council' for wards: how a unit is listed for choosing."""
        lad = self.councils().get(code, "")
        return f"{self.names().get(code, code)} ({code})" + (f", {lad}" if lad and self.kind == "wards" else "")

    def codes_in_councils(self, councils: Iterable[str]) -> list[str]:
        """The units (in layer order) of the councils named."""
        wanted = set(councils)
        lad_of = self.councils()
        return [c for c in self.codes if lad_of.get(c) in wanted]


def prepare_units(units: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame, *, kind: str, code_col: str,
                  name_col: str | None = None, lad_col: str | None = None, label: str | None = None,
                  working_age_share: float = DEFAULT_WORKING_AGE_SHARE, tolerance_m: float = 1.0) -> LotUnits:
    """Units (wards of any boundary year, or the LSOAs themselves) with need and adjacency."""
    if kind not in UNIT_KINDS:
        raise DataError(Problem("lot units", f"unknown unit kind {kind!r}.", fix="Use 'wards' or 'lsoas'."))
    frame = gpd.GeoDataFrame({
        "code": units[code_col].astype(str).to_numpy(),
        "name": (units[name_col] if name_col and name_col in units.columns else units[code_col]).astype(str).to_numpy(),
        "lad_name": (units[lad_col].astype(str).to_numpy() if lad_col and lad_col in units.columns
                     else np.full(len(units), "", dtype=object)),
    }, geometry=units.geometry.values, crs=units.crs)
    if frame.crs is not None and frame.crs.to_epsg() != 27700:
        frame = frame.to_crs(27700)
    needs = lsoa_needs(lsoas, working_age_share=working_age_share)
    if kind == "lsoas":
        membership = pd.Series(needs.index.to_numpy(), index=needs.index, name="unit", dtype="string")
    else:
        if lsoas.crs != frame.crs and frame.crs is not None:
            lsoas = lsoas.to_crs(frame.crs)
        membership = best_fit(lsoas, frame, unit_col="code")
    un = unit_needs(needs, membership, frame["code"].tolist())
    adj = adjacency(frame, id_col="code", rule="rook", tolerance_m=tolerance_m)
    return LotUnits(kind=kind, label=label or kind.capitalize(), units=frame, needs=un, adjacency=adj,
                    membership=membership)
