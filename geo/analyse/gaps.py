"""Coverage gaps: need without reach, and roads where nobody has engaged.

Per LSOA the gap score combines four parts, each 0..1 and shown:

- deprivation: (10 - decile) / 9 on the chosen index (IMD or a domain): decile 1 → 1, decile 10 → 0
- population:  working-age residents / the largest LSOA's in the table
- reach:       minutes to the nearest venue / `GapWeights.reach_full_minutes` (30), capped at 1; nothing
               reachable → 1
- engagement:  share of the LSOA's roads with nobody engaged (1 = no road engaged)

need = weighted mean of deprivation and population; lack = weighted mean of reach and engagement;
score = need × lack. Need gates the score (an affluent LSOA is never a top gap however far from a
venue), while either lack of reach *or* lack of engagement makes a needy LSOA a gap, as in the
domain's definition ("no venue within distance, or roads where nobody has engaged"). A part with no
data (no roads counted, no engagement data) drops out of its mean and the row says so.

A road (named street within a ward, geo.analyse.engagement) belongs to the LSOA holding the longest share of
its length (segments placed by their midpoint). Participants are placed in areas by point-in-polygon.
All counts of people are returned as raw ints: the UI passes them through geo.privacy.suppress
(`display_counts` does that for a table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.analyse.deprivation import decile_column
from geo.analyse.engagement import RoadEngagement
from geo.assumptions import DEFAULT_GAP_WEIGHTS, GapWeights
from geo.model import DOMAIN_LABELS, REFERRAL_SOURCES
from geo.privacy import THRESHOLD, suppress_series

NOT_RECORDED = "Not recorded"
OUTSIDE = "(outside the areas)"


# --------------------------------------------------------------------------------------------------
# Roads in LSOAs


def area_of_points(points: Any, areas: gpd.GeoDataFrame, *, code_col: str) -> pd.Series:
    """Code (from `code_col`) of the area containing each point; NA outside every area."""
    geoms = np.asarray(getattr(getattr(points, "geometry", points), "values", points))
    out = pd.Series(pd.NA, index=range(len(geoms)), dtype="string")
    if len(geoms) == 0 or len(areas) == 0:
        return out
    hits = areas.sindex.query(geoms, predicate="intersects")
    if hits.size:
        first = np.unique(hits[0], return_index=True)[1]
        codes = areas[code_col].astype("string").to_numpy()
        out.iloc[hits[0][first]] = codes[hits[1][first]]
    return out


def road_lsoas(roads: gpd.GeoDataFrame, engagement: RoadEngagement, lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """`engagement.roads` plus `lsoa_code`: the LSOA holding the longest part of each road."""
    table = engagement.roads.copy()
    keys = engagement.segment_keys
    mids = shapely.line_interpolate_point(np.asarray(roads.geometry.values), 0.5, normalized=True)
    seg = pd.DataFrame({"road_key": keys.to_numpy(), "lsoa_code": area_of_points(mids, lsoas,
                                                                                 code_col="lsoa_code").to_numpy(),
                        "length": shapely.length(np.asarray(roads.geometry.values))})
    seg = seg.dropna(subset=["road_key", "lsoa_code"])
    by = seg.groupby(["road_key", "lsoa_code"], sort=True)["length"].sum().reset_index()
    by = by.sort_values(["road_key", "length", "lsoa_code"], ascending=[True, False, True])
    main = by.drop_duplicates("road_key").set_index("road_key")["lsoa_code"]
    table["lsoa_code"] = table["road_key"].map(main).astype("string")
    return table


def pct_roads_engaged_by_lsoa(road_table: pd.DataFrame) -> pd.DataFrame:
    """lsoa_code, roads, roads_engaged, pct_engaged (roads outside every LSOA are left out)."""
    t = road_table.dropna(subset=["lsoa_code"])
    g = t.groupby("lsoa_code", sort=True)
    out = pd.DataFrame({"roads": g.size().astype("int64"), "roads_engaged": g["engaged"].sum().astype("int64")})
    out["pct_engaged"] = 100.0 * out["roads_engaged"] / out["roads"]
    return out.reset_index()


def _deciles(lsoas: pd.DataFrame, index: str) -> pd.Series:
    col = decile_column(index)
    if col not in lsoas.columns:
        return pd.Series(np.nan, index=lsoas.index)
    return pd.to_numeric(lsoas[col], errors="coerce").astype("float64")


def unengaged_roads(road_table: pd.DataFrame, lsoas: pd.DataFrame, *, index: str = "imd") -> pd.DataFrame:
    """Roads with nobody engaged: road_key, name, ward_code, lsoa_code, decile, households, ordered by
    their LSOA's deprivation (decile, then IMD rank where known, most deprived first), then households
    (most first) and name."""
    t = road_table[~road_table["engaged"].astype(bool)].copy()
    info = pd.DataFrame({"lsoa_code": lsoas["lsoa_code"].astype("string").to_numpy(),
                         "decile": _deciles(lsoas, index).to_numpy()})
    rank_col = f"{index}_rank"
    info["rank"] = (pd.to_numeric(lsoas[rank_col], errors="coerce").astype("float64").to_numpy()
                    if rank_col in lsoas.columns else np.nan)
    t = t.merge(info, on="lsoa_code", how="left")
    t = t.sort_values(["decile", "rank", "households", "name"], ascending=[True, True, False, True],
                      na_position="last", kind="stable")
    return t[["road_key", "name", "ward_code", "lsoa_code", "decile", "households"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Gap score


def _wmean(parts: list[np.ndarray], weights: list[float]) -> np.ndarray:
    num = np.zeros(parts[0].shape)
    den = np.zeros(parts[0].shape)
    for p, w in zip(parts, weights):
        ok = ~np.isnan(p)
        num += np.where(ok, p * w, 0.0)
        den += np.where(ok, w, 0.0)
    out: np.ndarray = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
    return out


def _fmt_minutes(m: float) -> str:
    if np.isnan(m):
        return "reach not known"
    if not np.isfinite(m):
        return "no venue reachable"
    return f"{m:.0f} min to the nearest venue"


def gap_table(
    lsoas: pd.DataFrame,
    reach_lsoas: pd.DataFrame | None = None,
    road_table: pd.DataFrame | None = None,
    *,
    index: str = "imd",
    weights: GapWeights = DEFAULT_GAP_WEIGHTS,
) -> pd.DataFrame:
    """One row per LSOA ranked by gap score (highest first), every part shown, plus a `reason`.

    `reach_lsoas` is `ReachResult.lsoas` (lsoa_code, best_min, estimate); `road_table` is
    `road_lsoas(...)` (None when there is no engagement data). `weights` (geo.assumptions.GapWeights,
    validated when made) weigh the four parts and set the minutes at which reach is fully lacking.
    """
    codes = lsoas["lsoa_code"].astype("string").to_numpy()
    out = pd.DataFrame({"lsoa_code": codes})
    for col in ("lsoa_name", "ward_code"):
        if col in lsoas.columns:
            out[col] = lsoas[col].astype("string").to_numpy()
    decile = _deciles(lsoas, index).to_numpy()
    out["decile"] = decile
    wa = (pd.to_numeric(lsoas["working_age"], errors="coerce").astype("float64").to_numpy()
          if "working_age" in lsoas.columns else np.full(len(lsoas), np.nan))
    out["working_age"] = wa

    if reach_lsoas is not None and len(reach_lsoas):
        r = reach_lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")
        best = pd.Series(codes).map(r["best_min"]).astype("float64").to_numpy()
        est = pd.Series(codes).map(r["estimate"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        best = np.full(len(codes), np.nan)
        est = np.zeros(len(codes), dtype=bool)
    out["best_min"] = best
    out["estimate"] = est

    if road_table is not None:
        eng = pct_roads_engaged_by_lsoa(road_table).set_index("lsoa_code")
        roads = pd.Series(codes).map(eng["roads"]).fillna(0).astype("int64").to_numpy()
        engaged = pd.Series(codes).map(eng["roads_engaged"]).fillna(0).astype("int64").to_numpy()
    else:
        roads = np.zeros(len(codes), dtype="int64")
        engaged = np.zeros(len(codes), dtype="int64")
    out["roads"] = pd.array(roads, dtype="Int64")
    out["roads_engaged"] = pd.array(engaged, dtype="Int64")
    if road_table is None:  # no engagement data: unknown, not zero
        out["roads"] = pd.NA
        out["roads_engaged"] = pd.NA
        out["roads"] = out["roads"].astype("Int64")
        out["roads_engaged"] = out["roads_engaged"].astype("Int64")
    out["pct_engaged"] = np.divide(100.0 * engaged, roads, out=np.full(len(codes), np.nan), where=roads > 0)

    deprivation = np.clip((10.0 - decile) / 9.0, 0.0, 1.0)
    wa_max = np.nanmax(wa) if np.isfinite(wa).any() else np.nan
    population = np.clip(wa / wa_max, 0.0, 1.0) if wa_max and np.isfinite(wa_max) else np.full(len(codes), np.nan)
    full = weights.reach_full_minutes
    reach = np.where(np.isnan(best), np.nan, np.clip(np.nan_to_num(best, posinf=1e18) / full, 0, 1))
    engagement = np.divide(roads - engaged, roads, out=np.full(len(codes), np.nan), where=roads > 0)
    out["deprivation"] = deprivation
    out["population"] = population
    out["reach"] = reach
    out["engagement"] = engagement
    out["need"] = _wmean([deprivation, population], [weights.deprivation, weights.population])
    out["lack"] = _wmean([reach, engagement], [weights.reach, weights.engagement])
    out["score"] = out["need"] * out["lack"]

    label = "decile" if index == "imd" else f"{DOMAIN_LABELS[index].split(',')[0].lower()} decile"
    reasons = []
    for d, m, e, n_roads, n_eng in zip(decile, best, est, roads, engaged):
        parts = [f"{label} {int(d)}" if np.isfinite(d) else f"{label} not known",
                 _fmt_minutes(float(m)) + (" (estimate)" if e and np.isfinite(m) else "")]
        if road_table is None:
            parts.append("no engagement data")
        elif n_roads == 0:
            parts.append("no named roads counted")
        else:
            parts.append(f"{n_eng} of {n_roads} roads engaged")
        reasons.append(", ".join(parts))
    out["reason"] = reasons
    out = out.sort_values(["score", "decile", "lsoa_code"], ascending=[False, True, True],
                          na_position="last", kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# --------------------------------------------------------------------------------------------------
# KPIs


@dataclass(frozen=True)
class ShareKpi:
    """`numerator` of `denominator` people; `estimate` when any reach time behind it is an estimate."""

    numerator: int
    denominator: int
    estimate: bool

    @property
    def share(self) -> float:
        return self.numerator / self.denominator if self.denominator else float("nan")


def deprived_within_minutes(lsoas: pd.DataFrame, reach_lsoas: pd.DataFrame, *, minutes: float = 15.0,
                            max_decile: int = 2, index: str = "imd") -> ShareKpi:
    """Working-age residents of England's most deprived 20% of LSOAs (decile <= `max_decile` on
    `index`) whose LSOA's best reach time is within `minutes` of a venue, of all of them."""
    if not 1 <= max_decile <= 10:
        raise ValueError(f"max_decile must be 1..10, got {max_decile}")
    codes = lsoas["lsoa_code"].astype("string")
    dec = _deciles(lsoas, index).to_numpy()
    wa_col = "working_age" if "working_age" in lsoas.columns else "population"
    wa = pd.to_numeric(lsoas[wa_col], errors="coerce").fillna(0).astype("float64").to_numpy()
    r = reach_lsoas.drop_duplicates("lsoa_code").set_index("lsoa_code")
    best = codes.map(r["best_min"]).astype("float64").to_numpy()
    est = codes.map(r["estimate"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    deprived = np.nan_to_num(dec, nan=99) <= max_decile
    within = deprived & (np.nan_to_num(best, nan=np.inf) <= minutes)
    return ShareKpi(round(float(wa[within].sum())), round(float(wa[deprived].sum())), bool(est[deprived].any()))


def roads_engaged_deprived_vs_elsewhere(road_table: pd.DataFrame, lsoas: pd.DataFrame, *, max_decile: int = 2,
                                        index: str = "imd") -> pd.DataFrame:
    """Roads and % engaged in LSOAs of decile <= `max_decile` ("deprived") and in the rest
    ("elsewhere"); roads outside every LSOA or in LSOAs of unknown decile are left out."""
    dec = pd.Series(_deciles(lsoas, index).to_numpy(), index=lsoas["lsoa_code"].astype("string").to_numpy())
    d = road_table["lsoa_code"].map(dec)
    known = d.notna()
    group = np.where(d[known] <= max_decile, "deprived", "elsewhere")
    t = pd.DataFrame({"group": group, "engaged": road_table.loc[known, "engaged"].astype(bool).to_numpy()})
    out = (t.groupby("group").agg(roads=("engaged", "size"), roads_engaged=("engaged", "sum"))
           .reindex(["deprived", "elsewhere"], fill_value=0))
    out = out.astype("int64")
    out["pct_engaged"] = np.divide(100.0 * out["roads_engaged"], out["roads"],
                                   out=np.full(2, np.nan), where=out["roads"].to_numpy() > 0)
    return out.reset_index()


# --------------------------------------------------------------------------------------------------
# Outcomes and referral sources by area


def _participant_areas(participants: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, code_col: str) -> pd.Series:
    return area_of_points(participants, areas, code_col=code_col).fillna(OUTSIDE)


def outcome_funnel(participants: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *,
                   code_col: str = "lsoa_code") -> pd.DataFrame:
    """Per area: engaged (enrolled), embedded, job_start, sustained_13w, as raw ints (suppress before
    showing). Every area appears (zeros included); participants outside every area get a row
    labelled OUTSIDE rather than being dropped."""
    area = _participant_areas(participants, areas, code_col)

    def flag(col: str) -> np.ndarray:
        if col not in participants.columns:
            return np.zeros(len(participants), dtype="int64")
        if col == "job_start_on":
            return np.asarray(participants[col].notna().to_numpy(), dtype="int64")
        return np.asarray(participants[col].astype("boolean").fillna(False).to_numpy(dtype=bool), dtype="int64")

    t = pd.DataFrame({code_col: area.to_numpy(), "engaged": 1, "embedded": flag("embedded"),
                      "job_start": flag("job_start_on"), "sustained_13w": flag("sustained_13w")})
    out = t.groupby(code_col).sum()
    order = list(areas[code_col].astype("string"))
    if OUTSIDE in out.index:
        order.append(OUTSIDE)
    return out.reindex(order, fill_value=0).astype("int64").rename_axis(code_col).reset_index()


def referral_sources(participants: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *,
                     code_col: str = "lsoa_code") -> pd.DataFrame:
    """Per area, how many heard from each source: the model's REFERRAL_SOURCES in order, then any other
    value seen, then NOT_RECORDED. Raw ints; an OUTSIDE row where people fall outside every area."""
    area = _participant_areas(participants, areas, code_col)
    src = (participants["referral_source"].astype("string").str.strip()
           if "referral_source" in participants.columns
           else pd.Series(pd.NA, index=participants.index, dtype="string"))
    src = src.where(src.notna() & (src != ""), NOT_RECORDED)
    t = pd.crosstab(area.to_numpy(), src.to_numpy())
    extra = sorted(c for c in t.columns if c not in REFERRAL_SOURCES and c != NOT_RECORDED)
    cols = list(REFERRAL_SOURCES) + extra + [NOT_RECORDED]
    order = list(areas[code_col].astype("string"))
    if OUTSIDE in t.index:
        order.append(OUTSIDE)
    out = t.reindex(index=order, columns=cols, fill_value=0).astype("int64")
    out.index.name = code_col
    out.columns.name = None
    return out.reset_index()


def display_counts(frame: pd.DataFrame, columns: list[str] | None = None, *,
                   threshold: int = THRESHOLD) -> pd.DataFrame:
    """A copy for display with counts of people passed through geo.privacy.suppress ("<5").
    `columns` defaults to every integer column. Primary suppression only: where the same screen
    shows row or column totals of these counts, use geo.privacy's secondary suppression instead, or a
    reader could subtract their way back to a "<5" cell."""
    out = frame.copy()
    cols = columns if columns is not None else [c for c in out.columns if pd.api.types.is_integer_dtype(out[c])]
    for c in cols:
        out[c] = suppress_series(out[c], threshold=threshold).to_numpy()
    return out
