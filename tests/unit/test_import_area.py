"""Importing an area: ONS boundaries, IoD and population tables as published, the vintage rule,
building a workspace (all or nothing) and the command line.

The helpers at the top write small files in the official formats; the other test_import_* modules
use them too.
"""

from __future__ import annotations

import gzip
import itertools
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo import io
from geo.model import DataError
from geo.read import iod, ons
from geo.read.columns import ColumnMappingNeeded

X0, Y0 = 450_000, 318_000
F1_HEADER = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
             "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
             "Index of Multiple Deprivation (IMD) Decile")
F2_HEADER = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
             "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
             "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
             "Income Rank (where 1 is most deprived),Income Decile (where 1 is most deprived 10% of LSOAs),"
             "Employment Rank (where 1 is most deprived),Employment Decile (where 1 is most deprived 10% of LSOAs),"
             "\"Education, Skills and Training Rank (where 1 is most deprived)\","
             "\"Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)\","
             "Health Deprivation and Disability Rank (where 1 is most deprived),"
             "Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs),"
             "Crime Rank (where 1 is most deprived),Crime Decile (where 1 is most deprived 10% of LSOAs),"
             "Barriers to Housing and Services Rank (where 1 is most deprived),"
             "Barriers to Housing and Services Decile (where 1 is most deprived 10% of LSOAs),"
             "Living Environment Rank (where 1 is most deprived),"
             "Living Environment Decile (where 1 is most deprived 10% of LSOAs)")
F6_HEADER = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
             "Local Authority District name (2019),Total population: mid 2015 (excluding prisoners),"
             "Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
             "Population aged 16-59: mid 2015 (excluding prisoners),"
             "Older population aged 60 and over: mid 2015 (excluding prisoners),"
             "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)")
CODES = ["E01900001", "E01900002", "E01900003", "E01900004"]


def ward_frame(*, crs: int = 4326) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"FID": [1, 2], "WD25CD": ["E05900001", "E05900002"], "WD25NM": ["Westfield", "Eastgate"],
                          "LAD25CD": ["E08900001"] * 2, "LAD25NM": ["Tinyborough"] * 2},
                         geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
                         crs=27700)
    return g.to_crs(crs)


def lsoa_frame(*, year: int | str = 11, crs: int = 4326, extra_outside: bool = False) -> gpd.GeoDataFrame:
    geoms = [box(X0, Y0, X0 + 1000, Y0 + 500), box(X0, Y0 + 500, X0 + 1000, Y0 + 1000),
             box(X0 + 1000, Y0, X0 + 2000, Y0 + 500), box(X0 + 1000, Y0 + 500, X0 + 2000, Y0 + 1000)]
    codes, names = list(CODES), ["Tiny 001A", "Tiny 001B", "Tiny 002A", "Tiny 002B"]
    if extra_outside:
        geoms.append(box(X0 + 5000, Y0, X0 + 6000, Y0 + 500))
        codes.append("E01900099")
        names.append("Elsewhere 001A")
    g = gpd.GeoDataFrame({f"LSOA{year}CD": codes, f"LSOA{year}NM": names}, geometry=geoms, crs=27700)
    return g.to_crs(crs)


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, driver="GeoJSON")
    return path


def write_file1(path: Path, *, bom: bool = True, codes: list[str] = CODES) -> Path:
    rows = [f'{c},Tiny {i},E08900001,Tinyborough,"{29199 - i * 9000:,}",{[9, 6, 4, 1][i]}'
            for i, c in enumerate(codes)]
    text = ("\ufeff" if bom else "") + F1_HEADER + "\n" + "\n".join(rows) + "\n"
    _write(path, text)
    return path


def write_file2(path: Path) -> Path:
    rows = []
    for i, c in enumerate(CODES):
        dec = [9, 6, 4, 1][i]
        vals = []
        for _ in range(8):
            vals += [str(30000 - i * 9000), str(dec)]
        rows.append(f"{c},Tiny {i},E08900001,Tinyborough," + ",".join(vals))
    _write(path, "\ufeff" + F2_HEADER + "\n" + "\n".join(rows) + "\n")
    return path


def write_file6(path: Path, *, codes: list[str] = CODES) -> Path:
    rows = [f'{c},Tiny {i},E08900001,Tinyborough,"1,{500 + i}",300,900,{300 + i},"{800 + i}"'
            for i, c in enumerate(codes)]
    _write(path, "\ufeff" + F6_HEADER + "\n" + "\n".join(rows) + "\n")
    return path


def write_iod2025(path: Path) -> Path:
    cols = ["lsoa21_code", "IMD_decile", "Income_decile", "Employment_decile", "IMD_rank", "IMD_score",
            "Employment_score"]
    rows = [f"{c},{d}.0,{d}.0,{d}.0,{r}.0,{s},{e}" for c, d, r, s, e in
            zip(CODES, [1, 3, 5, 10], [1200, 9000, 15000, 33000], [55.1, 30.2, 20.0, 2.5], [0.3, 0.2, 0.1, 0.01])]
    _write(path, ",".join(cols) + "\n" + "\n".join(rows) + "\n")
    return path


def write_census(path: Path, *, codes: list[str] = CODES) -> Path:
    bands = ["Aged 15 years and under", "Aged 16 to 24 years", "Aged 25 to 34 years", "Aged 35 to 49 years",
             "Aged 50 to 64 years", "Aged 65 years and over"]
    rows = [f"{c},Tiny {i},{b},{100.0 + k}" for i, c in enumerate(codes) for k, b in enumerate(bands)]
    _write(path, "lsoa21_code,lsoa21_name,age_group,usual_residents\n" + "\n".join(rows) + "\n")
    return path


def _write(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def area_files(tmp: Path, *, year: int = 11) -> dict[str, Path]:
    """Wards, LSOAs and matching tables for the tiny area, in the official formats."""
    files = {"wards": write_geojson(ward_frame(), tmp / "wards.geojson"),
             "lsoas": write_geojson(lsoa_frame(year=year), tmp / f"lsoa{year}.geojson")}
    if year == 11:
        files["f1"] = write_file1(tmp / "File_1.csv.gz")
        files["f2"] = write_file2(tmp / "File_2.csv")
        files["f6"] = write_file6(tmp / "File_6.csv")
    else:
        files["iod25"] = write_iod2025(tmp / "imd2025.csv.gz")
        files["census"] = write_census(tmp / "census.csv.gz")
    return files


@pytest.fixture(autouse=True)
def _workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))


# ---- boundaries -----------------------------------------------------------------------------------
def test_ons_columns_recognised_in_any_case_and_year():
    found = ons.ons_columns(["FID", "WD25CD", "WD25NM", "wd13cd", "LAD25CD"], "WD")
    assert found == {2013: ("wd13cd", None), 2025: ("WD25CD", "WD25NM")}
    assert ons.ons_columns(["LSOA_21_CD", "lsoa21nm"], "LSOA") == {2021: ("LSOA_21_CD", "lsoa21nm")}


def test_wards_geojson_any_crs(tmp_path):
    for crs in (4326, 27700, 3857):
        path = write_geojson(ward_frame(crs=crs), tmp_path / f"w{crs}.geojson")
        b = io.import_wards(path)
        assert list(b.frame["ward_code"]) == ["E05900001", "E05900002"] and b.year == 2025
        assert b.frame.crs.to_epsg() == 27700
        assert abs(b.frame.total_bounds[0] - X0) < 1 and list(b.frame["lad_name"]) == ["Tinyborough"] * 2


def test_zipped_shapefile_upload_and_geopackage_layers(tmp_path):
    shp = tmp_path / "shp"
    shp.mkdir()
    ward_frame(crs=27700).to_file(shp / "wards.shp")
    zpath = tmp_path / "wards.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp.iterdir():
            zf.write(f, f.name)
    b = io.import_wards(io.Upload("wards.zip", zpath.read_bytes()))
    assert len(b.frame) == 2 and b.year == 2025
    assert len(io.import_wards(zpath).frame) == 2
    gpkg = tmp_path / "area.gpkg"
    lsoa_frame(year=21).to_file(gpkg, layer="lsoa21", driver="GPKG")
    ward_frame().to_file(gpkg, layer="wards_wd25", driver="GPKG")
    assert io.import_wards(gpkg).frame["ward_code"].tolist() == ["E05900001", "E05900002"]
    ls = io.import_lsoas(gpkg)
    assert ls.year == 2021 and "layer lsoa21" in ls.report.source


def test_missing_crs_is_guessed_and_said(tmp_path):
    frame = ward_frame(crs=27700).set_crs(None, allow_override=True)
    b = ons.wards_from_frame(frame, source="w.geojson")
    assert any("no CRS" in a for a in b.report.assumptions)
    assert b.frame.crs.to_epsg() == 27700


def test_wrong_crs_is_named(tmp_path):
    frame = ward_frame(crs=27700).set_crs(4326, allow_override=True)  # metres declared as degrees
    with pytest.raises(DataError, match=r"w\.geojson, row 1, column 'geometry': lies outside Great Britain"):
        ons.wards_from_frame(frame, source="w.geojson")


def test_unrecognised_columns_ask_for_a_mapping_that_is_remembered(tmp_path):
    frame = ward_frame().rename(columns={"WD25CD": "Ref", "WD25NM": "Area title"})
    path = write_geojson(frame, tmp_path / "odd.geojson")
    with pytest.raises(ColumnMappingNeeded) as err:
        io.import_wards(path)
    assert err.value.what == "wards" and set(err.value.missing) == {"ward_code", "ward_name"}
    assert "odd.geojson, column 'ward_code': no column for the ward code" in str(err.value)
    io.remember_mapping("wards", io.headers_of(path, what="wards"), {"ward_code": "Ref", "ward_name": "Area title"})
    b = io.import_wards(path)
    assert b.frame["ward_name"].tolist() == ["Westfield", "Eastgate"]
    with pytest.raises(DataError, match="names column 'Nope'"):
        io.import_wards(path, mapping={"ward_code": "Nope", "ward_name": "Area title"})


def test_lsoa_vintage_from_columns():
    assert ons.lsoas_from_frame(lsoa_frame(year=11), source="x").year == 2011
    assert ons.lsoas_from_frame(lsoa_frame(year=21), source="x").year == 2021
    with pytest.raises(DataError, match="2001"):
        ons.lsoas_from_frame(lsoa_frame(year="01"), source="x")


# ---- IoD and population tables --------------------------------------------------------------------
def test_iod2019_files_as_published(tmp_path):
    t1 = io.import_lsoa_table(write_file1(tmp_path / "File_1.csv.gz"))
    assert (t1.kind, t1.edition, t1.lsoa_year) == ("IoD2019 File 1 (IMD)", 2019, 2011)
    assert t1.values.loc["E01900001", "imd_rank"] == 29199  # "29,199" with a BOM before the header
    assert t1.values["imd_decile"].tolist() == [9, 6, 4, 1]
    t2 = io.import_lsoa_table(write_file2(tmp_path / "File_2.csv"))
    assert t2.kind == "IoD2019 File 2 (domains)"
    assert {"income_decile", "employment_decile", "education_decile", "health_decile", "crime_decile",
            "housing_decile", "environment_decile"} <= set(t2.values.columns)
    t6 = io.import_lsoa_table(write_file6(tmp_path / "File_6.csv"))
    assert t6.kind == "IoD2019 File 6 (population denominators)"
    assert t6.values["population"].tolist() == [1500, 1501, 1502, 1503]
    assert t6.values["working_age"].tolist() == [800, 801, 802, 803]


def test_iod2025_and_census(tmp_path):
    t = io.import_lsoa_table(write_iod2025(tmp_path / "imd2025.csv.gz"))
    assert (t.edition, t.lsoa_year) == (2025, 2021)
    assert t.values.loc["E01900004", "imd_decile"] == 10 and t.values.loc["E01900001", "employment_score"] == 0.3
    c = io.import_lsoa_table(write_census(tmp_path / "census.csv.gz"))
    assert c.lsoa_year == 2021 and c.edition is None
    assert c.values.loc["E01900001", "population"] == sum(100 + k for k in range(6))
    assert c.values.loc["E01900001", "working_age"] == 101 + 102 + 103 + 104
    assert any("16 to 64" in a for a in c.report.assumptions)


def test_bad_values_in_iod_rows_are_rejected_by_row_and_column(tmp_path):
    path = tmp_path / "f1.csv"
    path.write_text(F1_HEADER + "\nE01900001,a,b,c,\"29,199\",eleven\nE01900002,a,b,c,100,3\nnot-a-code,a,b,c,1,1\n",
                    encoding="utf-8")
    t = io.import_lsoa_table(path)
    text = [str(r) for r in t.report.rejected]
    assert "row 2, Index of Multiple Deprivation (IMD) Decile: 'eleven' is not a decile " \
           "(a whole number from 1 to 10); the value was left blank" in text
    assert any(s.startswith("row 4, LSOA code (2011): 'not-a-code' is not an LSOA code") for s in text)
    assert pd.isna(t.values.loc["E01900001", "imd_decile"]) and t.values.loc["E01900002", "imd_decile"] == 3


def test_age_bands():
    assert iod.age_band("Aged 15 years and under") == (0, 15)
    assert iod.age_band("Aged 16 to 24 years") == (16, 24)
    assert iod.age_band("Aged 65 years and over") == (65, np.inf)
    assert iod.age_band("Under 16") == (0, 15)


# ---- building a workspace -------------------------------------------------------------------------
def test_build_2011_area_with_iod2019(tmp_path):
    f = area_files(tmp_path, year=11)
    seen = []
    result = io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"],
                                                    tables=[f["f1"], f["f2"], f["f6"]]),
                                name="Tiny", out=tmp_path / "out.gpkg", progress=lambda p, t: seen.append((p, t)))
    ws = io.read_workspace(result.path)
    lsoas = ws.layer("lsoas").set_index("lsoa_code")
    assert lsoas["imd_decile"].tolist() == [9, 6, 4, 1] and lsoas["population"].tolist() == [1500, 1501, 1502, 1503]
    assert lsoas["ward_code"].tolist() == ["E05900001", "E05900001", "E05900002", "E05900002"]
    assert set(lsoas["imd_edition"]) == {2019} and ws.meta["imd_edition"] == "2019" and ws.meta["lsoa_year"] == "2011"
    assert "income_decile" in lsoas and "Open Government Licence" in ws.meta["attribution"]
    assert seen[0][0] == 0 and seen[-1][0] == 1.0 and all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    assert json.loads(ws.meta["import_report"])[0]["what"] == "wards"


def test_build_2021_area_and_lsoas_outside_the_wards_left_out(tmp_path):
    f = area_files(tmp_path, year=21)
    lsoas = write_geojson(lsoa_frame(year=21, extra_outside=True), tmp_path / "lsoa21_more.geojson")
    result = io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=lsoas, tables=[f["iod25"], f["census"]]),
                                name="Tiny 21")
    assert result.path == io.workspace_dir() / "tiny-21.gpkg"
    again = io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=lsoas, tables=[f["iod25"], f["census"]]),
                               name="Tiny 21")
    assert again.path == io.workspace_dir() / "tiny-21-2.gpkg"  # a default build never replaces a workspace
    ws = io.read_workspace(result.path)
    assert ws.meta["imd_edition"] == "2025" and len(ws.layer("lsoas")) == 4
    assert any("1 LSOAs lie outside the wards" in n for r in result.reports for n in r.notes)


def test_iod2019_refused_on_2021_lsoas(tmp_path):
    f = area_files(tmp_path, year=21)
    f1 = write_file1(tmp_path / "File_1.csv")
    with pytest.raises(DataError) as err:
        io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f1]),
                           name="X", out=tmp_path / "x.gpkg")
    text = str(err.value)
    assert "File_1.csv, column 'LSOA code (2011)': holds IoD2019 File 1 (IMD) figures for 2011 LSOAs" in text
    assert "lsoa21.geojson are 2021 LSOAs" in text and "will not do it" in text
    assert not (tmp_path / "x.gpkg").exists()


def test_census_refused_on_2011_lsoas(tmp_path):
    f = area_files(tmp_path, year=11)
    with pytest.raises(DataError, match=r"for 2021 LSOAs, but the LSOA boundaries .* are 2011 LSOAs"):
        io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"],
                                               tables=[write_census(tmp_path / "c.csv")]),
                           name="X", out=tmp_path / "x.gpkg")


def test_unknown_vintage_checked_by_codes(tmp_path):
    f = area_files(tmp_path, year=11)
    lsoas = write_geojson(lsoa_frame(year=11).rename(columns={"LSOA11CD": "code", "LSOA11NM": "name"}),
                          tmp_path / "plain.geojson")
    other = write_file6(tmp_path / "f6_other.csv", codes=["E01000001", "E01000002", "E01000003", "E01000004"])
    with pytest.raises(DataError, match=r"has no row for 4 of the 4 LSOAs .* different LSOA vintages"):
        io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=lsoas, tables=[other]),
                           name="X", out=tmp_path / "x.gpkg")


def test_population_is_required(tmp_path):
    f = area_files(tmp_path, year=11)
    with pytest.raises(DataError, match=r"the LSOAs have no population.*File 6"):
        io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"]]),
                           name="X", out=tmp_path / "x.gpkg")
    short = write_file6(tmp_path / "f6_short.csv", codes=CODES[:3])
    with pytest.raises(DataError, match=r"f6_short.csv, column 'population': has no population for 1 of the 4 "
                                        r"LSOAs \(E01900004\)"):
        io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[short]),
                           name="X", out=tmp_path / "x.gpkg")


def test_failed_import_leaves_existing_workspace_untouched(tmp_path):
    f = area_files(tmp_path, year=11)
    out = tmp_path / "ws.gpkg"
    io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"], f["f6"]]),
                       name="Tiny", out=out)
    before = out.read_bytes()
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(f["f6"].read_bytes())[:60])
    with pytest.raises(DataError, match=r"broken.csv.gz: is a damaged or truncated gzip file"):
        io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"], broken]),
                           name="Tiny", out=out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.glob("*.gpkg*")) == ["ws.gpkg"]


def test_cli_import_and_failure(tmp_path, capsys):
    f = area_files(tmp_path, year=11)
    out = tmp_path / "cli.gpkg"
    code = io.main(["import", "--name", "Tiny CLI", "--out", str(out), "--wards", str(f["wards"]), "--lsoas",
                    str(f["lsoas"]), "--tables", str(f["f1"]), str(f["f6"]), "--report-json",
                    str(tmp_path / "r.json")])
    assert code == 0 and out.exists()
    printed = capsys.readouterr().out
    assert "Wrote" in printed and "lsoas 4" in printed and "IoD2019 File 1" in printed
    assert json.loads((tmp_path / "r.json").read_text())[2]["what"] == "IoD2019 File 1 (IMD)"
    code = io.main(["import", "--name", "Bad", "--out", str(tmp_path / "bad.gpkg"), "--wards", str(f["f1"]),
                    "--lsoas", str(f["lsoas"])])
    err = capsys.readouterr().err
    assert code == 1 and "nothing was written" in err and "File_1.csv.gz" in err
    assert not (tmp_path / "bad.gpkg").exists()
