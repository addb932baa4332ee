"""The Map page on a real area: Wolverhampton built from the official files in ../shared/data."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import io
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wolverhampton(data_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wolves")
    libs = pd.read_csv(data_dir / "venues" / "libraries_target_lads_with_wd25.csv", dtype=str)
    libs = libs[(libs["LAD25CD"] == "E08000031")]
    path = tmp / "libraries.csv"
    libs[["name", "address", "postcode", "lat", "lng"]].to_csv(path, index=False)
    sources = io.WorkspaceSources(
        wards=data_dir / "boundaries" / "wards" / "E08000031.geojson",
        lsoas=data_dir / "boundaries" / "lsoa11" / "E08000031.geojson",
        tables=[data_dir / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
                data_dir / "imd" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz",
                data_dir / "imd" / "File_6_-_IoD2019_Population_Denominators.csv.gz"],
        venues=[path], venue_kind="library")
    result = io.build_workspace(sources, name="Wolverhampton", out=tmp / "wolverhampton.gpkg")
    return result.path


def test_map_page_on_wolverhampton(wolverhampton, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(wolverhampton))
    ws = io.read_workspace(wolverhampton)
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    k = {m.label: m.value for m in at.metric}
    deprived = int((ws.layer("lsoas")["imd_decile"] <= 2).sum())
    assert k["LSOAs in most deprived 20%"] == f"{deprived} of 158"
    assert deprived > 60  # Wolverhampton: well over a third of its LSOAs in England's most deprived 20%
    assert k["Participants engaged"] == "0"
    assert k["Roads with residents engaged"] == "no roads"
    assert k["Venues within 400 m of a bus stop"] == "no bus data"
    script = json.dumps([str(el.proto) for el in at.get("component_instance")])
    for ward in ws.layer("wards")["ward_name"].astype(str):
        assert html.escape(ward) in script
    assert "Central Library" in script or "Library" in script
    assert not any("fictional" in i.value.lower() for i in at.info)
