"""Participants as aggregates only: counts per road and per LSOA, suppressed, for the exports.

Privacy, the same rules as on screen: participant points and identifiers never leave this module;
1 to 4 read "<5", and "*" hides one more count where the column total (shown as a KPI) would let a
"<5" be worked back (geo.privacy.secondary_suppress); a road with very few households (1 to
FEW_HOUSEHOLDS - 1) shows no engagement at all, since even "<5" could point at a family.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse import engagement as engagement_mod
from geo.analyse import gaps
from geo.privacy import THRESHOLD, band, secondary_suppress

FEW_HOUSEHOLDS = THRESHOLD
NOT_SHOWN = "not shown (few households)"


def _count_text(counts: np.ndarray, *, threshold: int) -> tuple[list[str], np.ndarray]:
    """Suppressed text per cell of one column whose total is shown elsewhere (the KPI): primary
    "<5" plus secondary "*" (geo.privacy.secondary_suppress), and a mask of the secondary cells."""
    table = secondary_suppress(pd.DataFrame({"n": counts.astype("int64")}), threshold=threshold,
                               row_totals=False, col_totals=True).iloc[: len(counts)]
    text = table["n"].astype(str).tolist()
    return text, np.asarray([t == "*" for t in text], dtype=bool)


def engagement_aggregates(
    *,
    participants: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    wards: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    max_m: float = engagement_mod.DEFAULT_SNAP_M,
    result: engagement_mod.RoadEngagement | None = None,
    bands_only: bool = False,
    threshold: int = THRESHOLD,
) -> dict[str, gpd.GeoDataFrame]:
    """Participants as aggregates only, in EPSG:27700: 'engagement_by_road' and 'engagement_by_lsoa'.

    `participants` text: "0", "<5" (1 to 4), "*" (hidden so that the column total, shown as a KPI,
    cannot be used to work a "<5" back: geo.privacy.secondary_suppress) or the count; `band` is the
    geo.privacy band ("*" where the count is hidden by secondary suppression). With `bands_only`
    (meeting mode) the road layer carries the band alone. A road is a named street within a ward
    (geo.analyse.engagement); roads with 1..FEW_HOUSEHOLDS-1 households show NOT_SHOWN instead of a count,
    band or engaged flag. No ward totals are given: LSOAs nest in wards, so a ward total beside its
    LSOAs could be differenced back to a "<5". `result` is `geo.analyse.engagement.engagement_by_road` for
    the same participants and roads when the caller has it (computed otherwise).
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    ward_names = dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str)))
    road_table = None
    if roads is not None and len(roads):
        if result is None:
            result = engagement_mod.engagement_by_road(participants, roads, wards=wards, max_m=max_m)
        keys = result.segment_keys
        seg = gpd.GeoDataFrame({"road_key": keys.to_numpy()}, geometry=roads.geometry.values, crs=roads.crs)
        shapes = seg.dropna(subset=["road_key"]).dissolve(by="road_key", as_index=False, sort=True)
        t = result.roads.merge(shapes, on="road_key", how="left")
        few = ((t["households"] > 0) & (t["households"] < FEW_HOUSEHOLDS)).to_numpy()
        counts = t["participants"].astype("int64").to_numpy()
        bands = band(counts)
        text, hidden = _count_text(np.where(few, 0, counts), threshold=threshold)
        bands = np.where(hidden, "*", bands)
        columns = {
            "road_key": t["road_key"].astype(str).to_numpy(),
            "name": t["name"].astype(str).to_numpy(),
            "ward_code": t["ward_code"].astype(str).to_numpy(),
            "ward_name": t["ward_code"].astype(str).map(ward_names).fillna("").to_numpy(),
            "households": t["households"].astype("int64").to_numpy(),
            "participants": np.where(few, NOT_SHOWN, bands if bands_only else np.asarray(text, dtype=object)),
            "band": np.where(few, NOT_SHOWN, bands),
            "engaged": np.where(few, NOT_SHOWN, np.where(counts > 0, "yes", "no")),
        }
        if bands_only:
            del columns["participants"]
        out["engagement_by_road"] = gpd.GeoDataFrame(columns, geometry=t["geometry"].values, crs=roads.crs)
        road_table = gaps.road_lsoas(roads, result, lsoas)

    where = gaps.area_of_points(participants, lsoas, code_col="lsoa_code")
    per_lsoa = where.value_counts()
    codes = lsoas["lsoa_code"].astype(str)
    counts = codes.map(per_lsoa).fillna(0).astype("int64").to_numpy()
    text, hidden = _count_text(counts, threshold=threshold)
    by_lsoa = gpd.GeoDataFrame({
        "lsoa_code": codes.to_numpy(),
        "lsoa_name": (lsoas["lsoa_name"].astype(str).to_numpy() if "lsoa_name" in lsoas.columns
                      else codes.to_numpy()),
        "ward_code": (lsoas["ward_code"].astype(str).to_numpy() if "ward_code" in lsoas.columns
                      else np.full(len(lsoas), "")),
        "participants": text,
        "band": np.where(hidden, "*", band(counts)),
    }, geometry=lsoas.geometry.values, crs=lsoas.crs)
    if road_table is not None:
        eng = gaps.pct_roads_engaged_by_lsoa(road_table).set_index("lsoa_code")
        by_lsoa["roads"] = codes.map(eng["roads"]).fillna(0).astype("int64").to_numpy()
        by_lsoa["roads_engaged"] = codes.map(eng["roads_engaged"]).fillna(0).astype("int64").to_numpy()
        by_lsoa["pct_roads_engaged"] = np.round(codes.map(eng["pct_engaged"]).astype("float64").to_numpy(), 1)
    out["engagement_by_lsoa"] = by_lsoa
    return out

