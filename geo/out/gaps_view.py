"""The Gaps page's tables and map layer, made from geo.analyse.gaps results: pure and ready to show.

Counts of people in the by-area tables go through geo.privacy's secondary suppression here ("<5",
and "*" where a total would give a hidden count away).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analyse.gaps import OUTSIDE
from geo.privacy import secondary_suppress

#: The outcome funnel's stages: column of geo.analyse.gaps.outcome_funnel -> label.
STAGES = {"engaged": "Engaged", "embedded": "Embedded", "job_start": "Job start",
          "sustained_13w": "Sustained 13 weeks"}
TOTAL = "Total"


def lsoa_names(lsoas: pd.DataFrame) -> dict[str, Any]:
    """LSOA code -> name (NA where a name is missing; empty when the layer has no names)."""
    if "lsoa_name" not in lsoas.columns:
        return {}
    return dict(zip(lsoas["lsoa_code"].astype(str), lsoas["lsoa_name"].astype("string")))


def ward_names(wards: pd.DataFrame) -> dict[str, str]:
    return dict(zip(wards["ward_code"].astype(str), wards["ward_name"].astype(str)))


def roads_text(n_eng: Any, n_roads: Any) -> str:
    """'3 of 7' roads engaged; 'no roads' where none is counted; 'no data' without engagement data."""
    if pd.isna(n_roads):
        return "no data"
    return f"{int(n_eng)} of {int(n_roads)}" if int(n_roads) else "no roads"


def ranked_table(table: pd.DataFrame, *, lsoa_name: Mapping[str, Any], ward_name: Mapping[str, str]) -> pd.DataFrame:
    """geo.analyse.gaps.gap_table as the page shows it: names, the score and its parts, rounded."""
    wards = table["ward_code"] if "ward_code" in table.columns else pd.Series([None] * len(table))
    return pd.DataFrame({
        "Rank": table["rank"],
        "LSOA": [lsoa_name.get(c) or c for c in table["lsoa_code"]],
        "Code": table["lsoa_code"],
        "Ward": [ward_name.get(str(w), "") if pd.notna(w) else "" for w in wards],
        "Gap score": table["score"].round(3),
        "Why": table["reason"],
        "Decile": table["decile"],
        "Minutes to a venue": table["best_min"].replace(np.inf, np.nan).round(0),
        "Estimate": np.where(table["estimate"], "estimate", ""),
        "Roads engaged": [roads_text(e, r) for e, r in zip(table["roads_engaged"], table["roads"])],
        "Working-age residents": table["working_age"],
        "Need": table["need"].round(3),
        "Lack": table["lack"].round(3),
    })


def table_csv(table: pd.DataFrame) -> bytes:
    """The whole gap table as CSV (UTF-8), the estimate flag in words."""
    csv: str = table.assign(estimate=np.where(table["estimate"], "estimate", "")).to_csv(index=False)
    return csv.encode("utf-8")


def gap_layer(lsoas_web: gpd.GeoDataFrame, table: pd.DataFrame, top_codes: set[str]) -> gpd.GeoDataFrame:
    """The LSOAs (web-ready) with rank, score, reason, whether a top gap, and a name for the tooltip."""
    info = table.set_index("lsoa_code")
    codes = lsoas_web["lsoa_code"].astype(str)
    out = lsoas_web.assign(rank=codes.map(info["rank"]).fillna(0).astype(int), score=codes.map(info["score"]),
                           reason=codes.map(info["reason"]).fillna(""), top=codes.isin(top_codes))
    if "lsoa_name" not in out.columns:
        out["lsoa_name"] = out["lsoa_code"]
    out["lsoa_name"] = out["lsoa_name"].fillna(out["lsoa_code"])
    return out


def unengaged_table(unengaged: pd.DataFrame, *, lsoa_name: Mapping[str, Any],
                    ward_name: Mapping[str, str]) -> pd.DataFrame:
    """geo.analyse.gaps.unengaged_roads as the page shows it."""
    return pd.DataFrame({
        "Road": unengaged["name"], "Ward": [ward_name.get(str(w), str(w)) for w in unengaged["ward_code"]],
        "LSOA": [lsoa_name.get(str(c)) or c for c in unengaged["lsoa_code"]], "Decile": unengaged["decile"],
        "Households": unengaged["households"]})


def core_bounds(shapes: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Where most roads are (5th to 95th percentile of road centres, padded): the map opens on the
    populated core rather than on the longest rural lane."""
    c = shapes.geometry.representative_point()
    x, y = c.x.to_numpy(), c.y.to_numpy()
    (x0, x1), (y0, y1) = np.percentile(x, [5, 95]), np.percentile(y, [5, 95])
    pad_x, pad_y = 0.15 * (x1 - x0) + 1e-3, 0.15 * (y1 - y0) + 1e-3
    return (float(x0 - pad_x), float(y0 - pad_y), float(x1 + pad_x), float(y1 + pad_y))


def area_label(code: str, labels: Mapping[str, str]) -> str:
    """'Name (code)' of an area; 'All areas' for the total row; 'Outside every area' for OUTSIDE."""
    if code == TOTAL:
        return "All areas"
    return "Outside every area" if code == OUTSIDE else f"{labels.get(code, code)} ({code})"


def area_outcomes(funnel: pd.DataFrame, heard: pd.DataFrame, *, code_col: str
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The funnel and how-people-heard tables suppressed for display (once over all areas with column
    totals, so every view of a row shows the same cells), and the areas with anyone in them (all areas
    when nobody is anywhere)."""
    funnel_counts = funnel.set_index(code_col)[list(STAGES)].rename(columns=STAGES)
    funnel_text = secondary_suppress(funnel_counts, row_totals=False, col_totals=True)
    heard_text = secondary_suppress(heard.set_index(code_col), row_totals=True, col_totals=True)
    codes = [str(c) for c in funnel_counts.index if funnel_counts.loc[c].sum() > 0] or \
        [str(c) for c in funnel_counts.index]
    return funnel_text, heard_text, codes


def stage_rows(funnel_text: pd.DataFrame, area: str) -> pd.DataFrame:
    row = funnel_text.loc[area]
    return pd.DataFrame({"Stage": list(STAGES.values()), "People": [row[s] for s in STAGES.values()]})


def source_rows(heard_text: pd.DataFrame, area: str) -> pd.DataFrame:
    row = heard_text.loc[area]
    return pd.DataFrame({"Source": list(row.index), "People": list(row.to_numpy())})
