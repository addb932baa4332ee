"""Lot profiles: one row per lot (need, the value model, flags), what extending a lot's eligibility to
its adjacent units adds, and participants already enrolled in each lot (raw counts: show them only
through `geo.privacy.suppress`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.plan.lots.scenario import Scenario
from geo.plan.lots.units import LotUnits
from geo.plan.lots.value import value_model


def _profile_label(row: pd.Series) -> str:
    return " ".join(f"{int(row[f'lsoas_decile_{d}'])}" for d in range(1, 11))


def served_overlap(units: gpd.GeoDataFrame, served: Iterable[str]) -> pd.Series:
    """Area of each unit (index code) inside the units marked as served by another programme, in m²."""
    served = set(served)
    mask = units["code"].isin(served).to_numpy()
    if not mask.any():
        return pd.Series(0.0, index=units["code"].to_numpy())
    union = shapely.union_all(units.geometry.values[mask])
    inter = shapely.area(shapely.intersection(units.geometry.values, union))
    return pd.Series(inter, index=units["code"].to_numpy())


def assess_lots(lu: LotUnits, scenario: Scenario, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per lot: need, the value model and flags (`flags` is a list of plain sentences)."""
    names = list(order) if order is not None else list(scenario.lots)
    assign = scenario.assignment()
    assign = assign[assign.index.isin(lu.needs.index)]
    needs = lu.needs.loc[assign.index].assign(lot=assign.to_numpy())
    agg = needs.groupby("lot").sum(numeric_only=True).reindex(names).fillna(0.0)
    unit_names, lads = lu.names(), lu.councils()
    prof = pd.DataFrame(index=pd.Index(names, name="lot"))
    prof["units"] = [len(scenario.lots.get(n, ())) for n in names]
    prof["unit_names"] = [", ".join(unit_names.get(c, c) for c in scenario.lots.get(n, ())) for n in names]
    prof["councils"] = [", ".join(sorted({lads.get(c, "") for c in scenario.lots.get(n, ())} - {""})) for n in names]
    for col in ("lsoas", "population", "working_age", "workless"):
        prof[col] = agg[col]
    with np.errstate(divide="ignore", invalid="ignore"):
        prof["workless_rate"] = np.where(agg["working_age"] > 0, agg["workless"] / agg["working_age"], np.nan)
        known = agg["pop_decile_known"].to_numpy()
        prof["share_most_deprived_10"] = np.where(known > 0, agg["pop_decile_1"] / known, np.nan)
        prof["share_most_deprived_20"] = np.where(known > 0, agg["pop_decile_1_2"] / known, np.nan)
        prof["imd_score"] = np.where(agg["pop_with_score"] > 0, agg["score_x_pop"] / agg["pop_with_score"], np.nan)
        from_score = np.where(agg["workless"] > 0, agg["workless_from_score"] / agg["workless"], np.nan)
    for d in range(1, 11):
        prof[f"lsoas_decile_{d}"] = agg[f"lsoas_decile_{d}"].astype(int)
    prof["imd_profile"] = [_profile_label(r) for _, r in agg.iterrows()]
    prof["workless_basis"] = [_basis_label(f, int(u)) for f, u in zip(from_score, agg["workless_unknown_lsoas"])]
    prof["working_age_estimated"] = agg["working_age_estimated_pop"] > 0
    prof = pd.concat([prof, value_model(prof["workless"], scenario.assumptions)], axis=1)
    prof["flags"] = _flags(lu, scenario, prof, names)
    return prof


def _basis_label(from_score: float, unknown: int) -> str:
    if not np.isfinite(from_score):
        text = "no data"
    elif from_score >= 0.999:
        text = "from employment score"
    elif from_score <= 0.001:
        text = "estimate from decile"
    else:
        text = f"{from_score * 100:.0f}% from employment score, rest estimated from decile"
    if unknown:
        text += f"; {unknown} LSOA(s) without any deprivation data counted as 0"
    return text


def _flags(lu: LotUnits, s: Scenario, prof: pd.DataFrame, names: Sequence[str]) -> list[list[str]]:
    a = s.assumptions
    overlap = served_overlap(lu.units, s.served) if s.served else None
    area = pd.Series(shapely.area(lu.units.geometry.values), index=lu.units["code"].to_numpy())
    unit_names = lu.names()
    values, advisors = prof["lot_value_gbp"].to_dict(), prof["advisors"].to_dict()
    out: list[list[str]] = []
    for name in names:
        codes = [c for c in s.lots.get(name, ()) if c in area.index]
        flags: list[str] = []
        if not codes:
            out.append(["empty: no units"])
            continue
        parts = lu.adjacency.parts(codes)
        if len(parts) > 1:
            flags.append(f"not contiguous: {len(parts)} separate parts")
        value = float(values[name])
        if value < a.min_value_gbp:
            flags.append(f"below minimum value (£{value:,.0f} < £{a.min_value_gbp:,.0f})")
        adv = float(advisors[name])
        if adv < a.min_advisors:
            flags.append(f"below minimum advisors ({adv:.1f} < {a.min_advisors:g})")
        if overlap is not None:
            inside = float(overlap.reindex(codes).fillna(0).sum())
            share = inside / float(area.reindex(codes).sum()) if codes else 0.0
            if share > 0.01:
                served_names = [unit_names.get(c, c) for c in s.served if c in codes] or \
                    [unit_names.get(c, c) for c in s.served]
                flags.append(f"overlaps an area served by another programme ({share * 100:.0f}% of its area: "
                             f"{', '.join(served_names[:4])})")
        out.append(flags)
    return out


def adjacent_units(lu: LotUnits, codes: Iterable[str], *, outside: Iterable[str] = ()) -> list[str]:
    """Units sharing a border with any of `codes`, not in `codes` or `outside`, sorted by name."""
    chosen = set(codes)
    nb: set[str] = set()
    for c in chosen:
        if c in lu.adjacency.position:
            nb.update(lu.adjacency.neighbours(c))
    nb -= chosen | set(outside)
    names = lu.names()
    return sorted(nb, key=lambda c: names.get(c, c))


def extension(lu: LotUnits, scenario: Scenario, *, eligible_cohorts: Iterable[str] | None = None) -> pd.DataFrame:
    """What extending each lot's eligibility to its adjacent units (not in any lot) adds.

    With `eligible_cohorts` (e.g. only Rapid Progression, as WMCA did during Covid), only those cohorts'
    share of the extra participants counts.
    """
    a = scenario.assumptions
    in_any = set(scenario.assignment().index)
    cohorts = None if eligible_cohorts is None else set(eligible_cohorts)
    share = 1.0 if cohorts is None else sum(c.share for c in a.cohorts if c.cohort in cohorts)
    names = lu.names()
    rows = []
    for lot, codes in scenario.lots.items():
        nb_list = adjacent_units(lu, codes, outside=in_any)
        add = lu.needs.reindex(nb_list)
        base = lu.needs.reindex([c for c in codes if c in lu.needs.index])
        w_add = float(add["workless"].sum()) * share
        vm_base = value_model([float(base["workless"].sum())], a).iloc[0]
        vm_ext = value_model([float(base["workless"].sum()) + w_add], a).iloc[0]
        rows.append({
            "lot": lot, "adjacent_units": len(nb_list), "adjacent_names": ", ".join(names.get(c, c) for c in nb_list),
            "added_population": float(add["population"].sum()), "added_working_age": float(add["working_age"].sum()),
            "added_workless": float(add["workless"].sum()),
            "added_participants": vm_ext["participants"] - vm_base["participants"],
            "added_advisors": vm_ext["advisors"] - vm_base["advisors"],
            "added_value_gbp": vm_ext["lot_value_gbp"] - vm_base["lot_value_gbp"],
            "added_pbr_income_gbp": vm_ext["pbr_income_gbp"] - vm_base["pbr_income_gbp"],
            "extended_value_gbp": vm_ext["lot_value_gbp"], "adjacent_codes": nb_list,
        })
    return pd.DataFrame(rows).set_index("lot") if rows else pd.DataFrame()


def enrolled_per_lot(participants: gpd.GeoDataFrame | None, lu: LotUnits, scenario: Scenario) -> pd.Series:
    """Participants already enrolled who live in each lot (raw counts: show only through `suppress`)."""
    names = list(scenario.lots)
    if participants is None or len(participants) == 0:
        return pd.Series(0, index=names, dtype="int64")
    pts = participants[[participants.geometry.name]]
    units = lu.units[["code", "geometry"]]
    if pts.crs != units.crs and pts.crs is not None and units.crs is not None:
        pts = pts.to_crs(units.crs)
    joined = gpd.sjoin(pts, units, how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    lot = joined["code"].map(scenario.assignment().to_dict())
    return lot.value_counts().reindex(names).fillna(0).astype("int64")
