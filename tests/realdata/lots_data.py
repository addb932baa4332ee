"""Readers for the real-data lot tests and the lots benchmark (tests may read files; geo/ does not).

2021 LSOAs with IoD2025 scores and deciles and Census 2021 residents (working age = 16 to 64), or
2011 LSOAs with IoD2019 deciles and the IoD2019 population denominators (working age 18-59/64, no
employment score, so workless residents are estimated from the decile).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.model import validate_layer

DOMAIN_2025 = {"Income": "income", "Employment": "employment", "Education": "education", "Health": "health",
               "Crime": "crime", "Housing_and_Services": "housing", "Environment": "environment"}
WORKING_AGE_BANDS = ("Aged 16 to 24 years", "Aged 25 to 34 years", "Aged 35 to 49 years", "Aged 50 to 64 years")


@lru_cache(maxsize=4)
def _imd2025(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "imd" / "imd2025_england_lsoa21.csv.gz")


@lru_cache(maxsize=4)
def _census(data: Path) -> pd.DataFrame:
    pop = pd.read_csv(data / "population" / "census21_pop_lsoa21.csv.gz")
    total = pop.groupby("lsoa21_code")["usual_residents"].sum()
    wa = pop[pop["age_group"].isin(WORKING_AGE_BANDS)].groupby("lsoa21_code")["usual_residents"].sum()
    return pd.DataFrame({"population": total, "working_age": wa}).round().astype("int64")


def clear_caches() -> None:
    """Forget the national IoD2025 and Census tables read so far (to time reading them again)."""
    _imd2025.cache_clear()
    _census.cache_clear()


def wards(data: Path, lads: list[str] | str) -> gpd.GeoDataFrame:
    lads = [lads] if isinstance(lads, str) else lads
    g = pd.concat([gpd.read_file(data / "boundaries" / "wards" / f"{lad}.geojson") for lad in lads], ignore_index=True)
    g = g.drop_duplicates("WD25CD")
    out = gpd.GeoDataFrame({"ward_code": g["WD25CD"], "ward_name": g["WD25NM"], "lad_code": g["LAD25CD"],
                            "lad_name": g["LAD25NM"], "boundary_year": 2025}, geometry=g.geometry, crs=g.crs)
    return validate_layer(out, "wards", source="boundaries/wards")


def wards_2013(data: Path, lads: list[str]) -> gpd.GeoDataFrame:
    g = pd.concat([gpd.read_file(data / "boundaries" / "wards_2013" / f"{lad}.json").assign(lad_code=lad)
                   for lad in lads], ignore_index=True)
    return g.to_crs(27700)


def lsoas_2021(data: Path, lads: list[str] | str) -> gpd.GeoDataFrame:
    lads = [lads] if isinstance(lads, str) else lads
    g = pd.concat([gpd.read_file(data / "boundaries" / "lsoa21" / f"{lad}.geojson") for lad in lads], ignore_index=True)
    g = g.drop_duplicates("LSOA21CD")
    imd = _imd2025(data).set_index("lsoa21_code").reindex(g["LSOA21CD"])
    pop = _census(data).reindex(g["LSOA21CD"])
    cols = {"lsoa_code": g["LSOA21CD"].to_numpy(), "lsoa_name": g["LSOA21NM"].to_numpy(),
            "population": pop["population"].to_numpy(), "working_age": pop["working_age"].to_numpy(),
            "imd_rank": imd["IMD_rank"].to_numpy(), "imd_decile": imd["IMD_decile"].to_numpy(),
            "imd_score": imd["IMD_score"].to_numpy(), "employment_score": imd["Employment_score"].to_numpy(),
            "imd_edition": 2025}
    for src, dst in DOMAIN_2025.items():
        cols[f"{dst}_decile"] = imd[f"{src}_decile"].to_numpy()
    out = gpd.GeoDataFrame(cols, geometry=g.geometry.values, crs=g.crs)
    return validate_layer(out, "lsoas", source="boundaries/lsoa21 + IoD2025 + Census 2021")


def lsoas_2011(data: Path, lads: list[str] | str) -> gpd.GeoDataFrame:
    lads = [lads] if isinstance(lads, str) else lads
    g = pd.concat([gpd.read_file(data / "boundaries" / "lsoa11" / f"{lad}.geojson") for lad in lads], ignore_index=True)
    g = g.drop_duplicates("LSOA11CD")
    f2 = pd.read_csv(data / "imd" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz", encoding="utf-8-sig")
    f6 = pd.read_csv(data / "imd" / "File_6_-_IoD2019_Population_Denominators.csv.gz", encoding="utf-8-sig",
                     thousands=",")
    f2 = f2.set_index(f2.columns[0]).reindex(g["LSOA11CD"])
    f6 = f6.set_index(f6.columns[0]).reindex(g["LSOA11CD"])

    def col(frame: pd.DataFrame, start: str, kind: str) -> pd.Series:
        hits = [c for c in frame.columns if c.startswith(start) and kind in c]
        return frame[hits[0]]

    cols = {"lsoa_code": g["LSOA11CD"].to_numpy(), "lsoa_name": g["LSOA11NM"].to_numpy(),
            "population": col(f6, "Total population", "mid 2015").to_numpy(),
            "working_age": col(f6, "Working age population", "").to_numpy(),
            "imd_rank": col(f2, "Index of Multiple Deprivation", "Rank").to_numpy(),
            "imd_decile": col(f2, "Index of Multiple Deprivation", "Decile").to_numpy(), "imd_edition": 2019}
    for start, dst in (("Income", "income"), ("Employment", "employment"), ("Education", "education"),
                       ("Health", "health"), ("Crime", "crime"), ("Barriers", "housing"),
                       ("Living Environment", "environment")):
        cols[f"{dst}_decile"] = col(f2, start, "Decile").to_numpy()
    out = gpd.GeoDataFrame(cols, geometry=g.geometry.values, crs=g.crs)
    return validate_layer(out, "lsoas", source="boundaries/lsoa11 + IoD2019")
