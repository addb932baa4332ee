"""Wards of several boundary years (issue 12, item 15): the 2013 ONS wards import like the current ones,
into their own layer that only the Lots page reads, and document names resolve across the years.

The tiny area: current (2025) wards Westfield X0..X0+1000 and Eastgate X0+1000..X0+2000 (1 km tall);
2013 wards Old West X0..X0+1100 (so 1000/1100 = 91% of it is in Westfield, 9% in Eastgate) and Old
East X0+1100..X0+2000 (all in Eastgate).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo import io
from geo.model import DataError, ward_years
from geo.plan import places
from tests.unit.test_import_area import X0, Y0, area_files, ward_frame, write_geojson


@pytest.fixture(autouse=True)
def _workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))


def wards_2013() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"WD13CD": ["E05000101", "E05000102"], "WD13NM": ["Old West", "Old East"]},
                            geometry=[box(X0, Y0, X0 + 1100, Y0 + 1000), box(X0 + 1100, Y0, X0 + 2000, Y0 + 1000)],
                            crs=27700).to_crs(4326)


def _build(tmp_path, **kw):
    f = area_files(tmp_path)
    sources = io.WorkspaceSources(**{"wards": f["wards"], "lsoas": f["lsoas"], "tables": [f["f1"], f["f6"]], **kw})
    return io.read_workspace(io.build_workspace(sources, name="Tiny", out=tmp_path / "tiny.gpkg").path)


def test_older_ward_file_goes_to_its_own_layer(tmp_path) -> None:
    old = write_geojson(wards_2013(), tmp_path / "wards_2013.json")
    ws = _build(tmp_path, older_wards=[old])
    assert ws.layer("wards")["ward_name"].tolist() == ["Westfield", "Eastgate"]  # what maps and figures read
    assert ws.layer("wards_older")["ward_name"].tolist() == ["Old West", "Old East"]
    assert set(ws.layer("wards_older")["boundary_year"]) == {2013} and ws.meta["older_ward_years"] == "2013"
    both = ward_years(ws)
    assert both["boundary_year"].tolist() == [2025, 2025, 2013, 2013]


def test_a_geopackage_of_several_ward_years_gives_them_all(tmp_path) -> None:
    gpkg = tmp_path / "area.gpkg"
    ward_frame().to_file(gpkg, layer="wards_wd25", driver="GPKG")
    wards_2013().to_file(gpkg, layer="wards_wd13_legacy", driver="GPKG")
    ws = _build(tmp_path, wards=gpkg)
    assert ws.layer("wards")["ward_code"].tolist() == ["E05900001", "E05900002"]
    assert ws.layer("wards_older")["ward_code"].tolist() == ["E05000101", "E05000102"]


def test_older_wards_refused_when_not_older_or_twice(tmp_path) -> None:
    same = write_geojson(ward_frame(), tmp_path / "again.geojson")
    with pytest.raises(DataError, match=r"again.geojson: holds 2025 wards, not older than the ward boundaries"):
        _build(tmp_path, older_wards=[same])
    old = write_geojson(wards_2013(), tmp_path / "a.json")
    old2 = write_geojson(wards_2013(), tmp_path / "b.json")
    with pytest.raises(DataError, match=r"b.json: holds 2013 wards, as .*a.json does"):
        _build(tmp_path, older_wards=[old, old2])
    assert not (tmp_path / "tiny.gpkg").exists()


def test_document_names_resolve_across_years(tmp_path) -> None:
    ws = _build(tmp_path, older_wards=[write_geojson(wards_2013(), tmp_path / "wards_2013.json")])
    found = places.resolve_workspace_wards(["Old West", "old  west", "Westfield", "Nowhere"], ward_years(ws))
    assert found["boundary"].tolist() == ["legacy", "duplicate", "current", "not found"]
    assert found["boundary_year"].tolist()[:1] == [2013] and found["boundary_year"].iloc[2] == 2025
    assert found["note"].iloc[0] == ("'Old West' is a 2013 ward name only; using its 2013 boundary "
                                     "(now Westfield 91%, Eastgate 9%).")
    assert found["note"].iloc[1] == ("'old  west' is 'Old West' again but for case or punctuation: left out here; "
                                     "keep one.")
    assert found.geometry.iloc[1] is None


def test_a_users_alias_table(tmp_path) -> None:
    ws = _build(tmp_path, older_wards=[write_geojson(wards_2013(), tmp_path / "wards_2013.json")])
    table = pd.DataFrame({"Name in the bid": ["West End", "Top Town", "Ghost"],
                          "Code": ["E05000101", "e05900002", "E05999999"]})
    codes = places.alias_codes(table, source="aliases.csv")
    assert codes == {"west end": "E05000101", "top town": "E05900002", "ghost": "E05999999"}
    found = places.resolve_workspace_wards(["West End", "Top Town", "Ghost"], ward_years(ws), user_aliases=codes)
    assert found["boundary"].tolist() == ["legacy", "current", "not found"]
    assert found["note"].tolist() == [
        "From your alias table: Old West (E05000101, 2013 wards), now Westfield 91%, Eastgate 9%.",
        "From your alias table: Eastgate (E05900002, 2025 wards).",
        "Your alias table gives 'Ghost' the code E05999999, which is not a ward of this workspace."]


def test_alias_table_problems_are_named_by_row() -> None:
    table = pd.DataFrame({"name": ["West End", "west end", "Blank"], "code": ["E05000101", "E05000102", ""]})
    with pytest.raises(DataError) as err:
        places.alias_codes(table, source="aliases.csv")
    assert [str(p) for p in err.value.problems] == [
        "aliases.csv, row 3, column 'name': 'west end' is given E05000102 here and E05000101 in row 2 ('West End'); "
        "names that differ only in case or punctuation are one. Fix: Keep one code for the name.",
        "aliases.csv, row 4, column 'code': (blank) is not a ward code. Fix: Give the ONS ward code (E05 and six "
        "digits)."]
