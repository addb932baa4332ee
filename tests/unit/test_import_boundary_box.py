"""A boundary file in the wrong box (issue 12, item 12): said so from its column names or its codes,
instead of asking which column is which."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import io
from geo.model import DataError
from geo.read import ons
from geo.read.columns import ColumnMappingNeeded
from tests.unit.test_import_area import lsoa_frame, ward_frame, write_geojson


@pytest.fixture(autouse=True)
def _workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))


def test_lsoa_file_in_the_ward_box_is_named_by_its_column() -> None:
    with pytest.raises(DataError) as err:
        ons.wards_from_frame(lsoa_frame(year=21), source="lsoa21.geojson")
    assert not isinstance(err.value, ColumnMappingNeeded)
    assert str(err.value).startswith("lsoa21.geojson, column 'LSOA21CD': this looks like an LSOA file (LSOA21CD): "
                                     "put it under LSOA boundaries. Fix: Move it to LSOA boundaries (--lsoas")


def test_ward_file_in_the_lsoa_box_is_named_by_its_column() -> None:
    with pytest.raises(DataError, match=r"column 'WD25CD': this looks like a ward file \(WD25CD\): put it under "
                                        r"ward boundaries\.") as err:
        ons.lsoas_from_frame(ward_frame(), source="wards.geojson")
    assert not isinstance(err.value, ColumnMappingNeeded)


def test_codes_say_it_when_the_columns_do_not() -> None:
    # a QGIS export with plain names: 'code' is an alias of the ward code, but the codes are LSOAs'
    plain = lsoa_frame(year=11).rename(columns={"LSOA11CD": "code", "LSOA11NM": "name"})
    with pytest.raises(DataError, match=r"column 'code': this looks like an LSOA file \(column 'code' holds LSOA "
                                        r"codes such as E01900001\): put it under LSOA boundaries"):
        ons.wards_from_frame(plain, source="areas.geojson")
    odd = lsoa_frame(year=11).rename(columns={"LSOA11CD": "Ref", "LSOA11NM": "Title"})
    with pytest.raises(DataError, match=r"column 'Ref' holds LSOA codes such as E01900001\): put it under LSOA"):
        ons.wards_from_frame(odd, source="areas.geojson")


def test_other_geographies_are_named_too() -> None:
    lads = ward_frame().drop(columns=["WD25CD", "WD25NM"])
    with pytest.raises(DataError, match=r"this looks like a local authority district file \(LAD25CD\), not a ward "
                                        r"file\."):
        ons.wards_from_frame(lads, source="lad.geojson")
    msoa = lsoa_frame(year=21).rename(columns={"LSOA21CD": "MSOA21CD", "LSOA21NM": "MSOA21NM"})
    msoa["MSOA21CD"] = msoa["MSOA21CD"].str.replace("E01", "E02")
    with pytest.raises(DataError, match=r"this looks like an MSOA file \(MSOA21CD\), not an LSOA file\."):
        ons.lsoas_from_frame(msoa, source="msoa.geojson")


def test_unknown_headers_of_the_right_geography_still_ask_for_a_mapping() -> None:
    odd = ward_frame().rename(columns={"WD25CD": "Ref", "WD25NM": "Area title"})
    with pytest.raises(ColumnMappingNeeded):  # LAD25CD beside ward codes: a ward file with odd names
        ons.wards_from_frame(odd, source="odd.geojson")
    odd = odd.drop(columns=["LAD25CD"])
    with pytest.raises(ColumnMappingNeeded):
        ons.wards_from_frame(odd, source="odd.geojson")
    no_codes = odd.assign(Ref=["1", "2"])
    with pytest.raises(ColumnMappingNeeded):
        ons.wards_from_frame(no_codes, source="odd.geojson")


def test_a_mapping_to_another_geographys_codes_is_refused(tmp_path) -> None:
    path = write_geojson(lsoa_frame(year=21), tmp_path / "lsoa21.geojson")
    with pytest.raises(DataError, match=r"column 'LSOA21CD' holds LSOA codes such as E01900001\): put it under LSOA"):
        io.import_wards(path, mapping={"ward_code": "LSOA21CD", "ward_name": "LSOA21NM"})
    assert io.import_lsoas(path).frame["lsoa_code"].tolist()[0] == "E01900001"  # the right box still reads it


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["E01", "W01", "E05", "W05", "E02", "E08", "S12", "X99"]),
       st.lists(st.integers(0, 999_999), min_size=1, max_size=30))
def test_code_geography_follows_the_prefix(prefix: str, numbers: list[int]) -> None:
    codes = pd.Series([f"{prefix}{n:06d}" for n in numbers])
    found = ons.code_geography(codes)
    expected = next((k for k, p in ons.CODE_PREFIXES.items() if prefix in p), None)
    assert (found[0] if found else None) == expected
    if found:
        assert found[1] == codes.iloc[0]
    mixed = pd.concat([codes, pd.Series(["not a code"] * (len(codes) + 1))], ignore_index=True)
    assert ons.code_geography(mixed) is None  # fewer than nine in ten are codes: no claim
