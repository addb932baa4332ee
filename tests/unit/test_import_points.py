"""Venues, partners and participants from CSV or Excel: coordinates, postcodes, reasons, privacy."""

from __future__ import annotations

import stat

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo import io
from geo.model import DataError
from geo.read import points, postcodes
from geo.read.columns import ColumnMappingNeeded
from geo.read.report import ImportReport
from tests.unit.test_import_area import X0, Y0, area_files

AREA = box(X0, Y0, X0 + 2000, Y0 + 1000)


@pytest.fixture(autouse=True)
def _workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path / "workspaces"))


def codepoint_csv(path, rows=None):
    """Headerless, as OS publishes Code-Point Open (postcode, quality, easting, northing, ...)."""
    rows = rows or [("TN1 1AA", 10, X0 + 500, Y0 + 500), ("TN1 1AB", 10, X0 + 1500, Y0 + 300),
                    ("TN9 9ZZ", 90, 0, 0), ("TN2 2AA", 10, X0 + 60_000, Y0)]
    path.write_text("\n".join(f'"{pc}",{q},{e},{n},"E92000001","E19000001","E18000005","","E08900001","E05900001"'
                              for pc, q, e, n in rows) + "\n", encoding="utf-8")
    return path


def test_postcode_normalise():
    s = postcodes.normalise(pd.Series(["b6  6ej", " WV1 1AA ", "XX", None, "wv11aa"]))
    assert s.tolist()[:2] == ["B6 6EJ", "WV1 1AA"] and pd.isna(s.iloc[2]) and pd.isna(s.iloc[3])
    assert s.iloc[4] == "WV1 1AA"


def test_codepoint_headerless_and_onspd(tmp_path):
    index, _report = io.import_postcodes([codepoint_csv(tmp_path / "tn.csv")])
    assert len(index) == 3 and index.label == "OS Code-Point Open"  # quality 90 (no coordinates) skipped
    x, _y, found = index.locate(pd.Series(["TN1 1AA", "TN9 9ZZ", "ZZ1 1ZZ"]))
    assert found.tolist() == [True, False, False] and x[0] == X0 + 500
    onspd = tmp_path / "onspd.csv"
    onspd.write_text("pcd,pcds,oseast1m,osnrth1m,doterm\nTN3 3AA ,TN3 3AA,450100,318100,\n", encoding="utf-8")
    index2, _ = io.import_postcodes([onspd])
    assert index2.label == "ONS Postcode Directory" and index2.locate(pd.Series(["TN3 3AA"]))[2].all()


def test_venues_lat_lon_rejected_rows_named(tmp_path):
    csv = tmp_path / "venues.csv"
    lon, lat = -1.9000, 52.4000  # Birmingham, about 40 km from the tiny area: left out, or kept apart
    csv.write_text("name,address,postcode,email,phone,lat,lon\n"
                   f"Hall A,1 Street,,a@x.org,0100,{lat},{lon}\n"
                   "Bolton Citadel,102 Road,BL1 2BZ,b@x.org,0100,37.0965278,-113.5684164\n"
                   "Swapped,x,,,,-1.5,52.5\n"
                   "Words,x,,,,north,west\n"
                   ",no name,,,,52.5,-1.5\n", encoding="utf-8")
    t = io.import_points(csv, layer="venues", area=AREA, default_kind="church_hall", keep_outside=True)
    rejected = [str(r) for r in t.report.rejected]
    assert "row 3, lat/lon: 37.10, -113.57 lies outside Great Britain" in rejected
    assert "row 4, lat/lon: -1.50, 52.50 lies outside Great Britain (lat and lon look swapped)" in rejected
    assert "row 5, lat/lon: 'north', 'west' is not a pair of numbers" in rejected
    assert "row 6, name: (blank) is blank; every row needs a name" in rejected
    assert t.outside["name"].tolist() == ["Hall A"] and t.outside["kind"].tolist() == ["church_hall"]
    assert t.frame.empty and t.report.rows_read == 5 and t.report.rows_used == 1
    assert t.report.outside is not None and t.report.outside.kept
    far = [str(f) for f in t.report.outside.rows]
    assert len(far) == 1 and far[0].startswith("row 2, lat/lon: 52.40, -1.90 is ") and "outside the area" in far[0]
    assert "email" not in t.outside.columns and t.outside.crs.to_epsg() == 27700
    dropped = io.import_points(csv, layer="venues", area=AREA, default_kind="church_hall")
    assert dropped.frame.empty and dropped.outside.empty and dropped.report.rows_used == 0
    assert [r.row for r in dropped.report.outside.rows] == [2]


def test_postcodes_located_and_not_found_named(tmp_path):
    cp = codepoint_csv(tmp_path / "tn.csv")
    csv = tmp_path / "partners.csv"
    csv.write_text("Organisation,Type,Post Code\nJobcentre Plus Tiny,Jobcentre,tn11aa\nHousing Co,housing,TN1 1AB\n"
                   "Ghost,charity,XX1 1XX\nNo code,charity,not a postcode\nFar,college,TN2 2AA\n", encoding="utf-8")
    index, _ = io.import_postcodes([cp])
    t = io.import_points(csv, layer="partners", postcodes=index, area=AREA)
    rejected = [str(r) for r in t.report.rejected]
    assert ("row 4, Post Code: 'XX1 1XX' not found in the postcode file "
            "(the postcode file covers TN, not XX)") in rejected
    assert "row 5, Post Code: 'not a postcode' is not a UK postcode" in rejected
    assert t.frame["kind"].tolist() == ["jobcentre_plus", "housing_association"]
    assert t.frame.geometry.x.tolist()[0] == X0 + 500
    assert [f.row for f in t.report.outside.rows] == [6] and not t.report.flagged  # 60 km away: left out


def test_postcode_only_rows_without_postcode_file(tmp_path):
    frame = pd.DataFrame({"name": ["A", "B"], "postcode": ["TN1 1AA", ""], "lat": ["", "52.5"], "lon": ["", "-1.5"]})
    t = points.points_from_table(frame, layer="venues", source="v.csv")
    assert [str(r) for r in t.report.rejected] == [
        "row 2, postcode: 'TN1 1AA' cannot be placed: no postcode file was given (add OS Code-Point Open or ONSPD)"]
    with pytest.raises(DataError, match=r"v.csv, row 2, column 'postcode': no row could be used"):
        points.points_from_table(frame.iloc[:1], layer="venues", source="v.csv")


def test_easting_northing_and_excel(tmp_path):
    frame = pd.DataFrame({"Site name": ["Library", "Bad"], "Easting": ["450500", "9e12"], "Northing": [318500, 5],
                          "Category": ["Library", "Food bank"], "WiFi": ["yes", "maybe"]})
    xlsx = tmp_path / "venues.xlsx"
    frame.to_excel(xlsx, index=False)
    t = io.import_points(io.Upload("venues.xlsx", xlsx.read_bytes()), layer="venues")
    assert t.frame["kind"].tolist() == ["library"] and bool(t.frame["wifi"].iloc[0]) is True
    assert [str(r) for r in t.report.rejected] == ["row 3, easting/northing: 9e+12, 5.00 lies outside Great Britain"]


def test_mapping_needed_then_remembered(tmp_path):
    csv = tmp_path / "odd.csv"
    csv.write_text("Place,Where (lat),Where (long)\nHall,52.5,-1.5\n", encoding="utf-8")
    with pytest.raises(ColumnMappingNeeded) as err:
        io.import_points(csv, layer="venues")
    assert set(err.value.missing) == {"name", "location"}
    assert "odd.csv, column 'name': no column for the venue name" in str(err.value)
    assert "Place" in err.value.headers
    io.remember_mapping("venues", err.value.headers, {"name": "Place", "lat": "Where (lat)", "lon": "Where (long)"})
    t = io.import_points(csv, layer="venues")
    assert t.frame["name"].tolist() == ["Hall"]
    assert any("column mapping used" in n for n in t.report.notes)


def test_participants_pseudonymised_and_personal_columns_dropped(tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("Client ID,First name,Surname,Phone,Email,Date of birth,Postcode,Start date,Cohort\n"
                   "C001,Ann,Smith,0123,a@b.c,01/01/1980,TN1 1AA,03/02/2024,Hardest to Help\n"
                   "C002,Bob,Jones,0456,b@b.c,02/02/1990,TN1 1AB,2024-05-06,Rapid Progression\n"
                   "C003,Cy,Lee,0789,c@b.c,03/03/1970,TN1 1AB,someday,Rapid Progression\n", encoding="utf-8")
    index, _ = io.import_postcodes([codepoint_csv(tmp_path / "tn.csv")])
    t = io.import_points(csv, layer="participants", postcodes=index)
    frame = t.frame
    assert list(frame.columns) == ["participant_id", "enrolled_on", "cohort", "geometry"]
    assert frame["participant_id"].str.match(r"^p-[0-9a-f]{16}$").all()
    assert "C001" not in frame["participant_id"].tolist()
    assert frame["enrolled_on"].tolist() == [pd.Timestamp("2024-02-03"), pd.Timestamp("2024-05-06")]  # day first
    assert [str(r) for r in t.report.rejected] == ["row 4, Start date: 'someday' is not a date"]
    note = " ".join(t.report.notes)
    assert "First name, Surname, Phone, Email, Date of birth" in note and "salted hashes" in note
    salt_file = io.workspace_dir() / io.SALT_FILE
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    again = io.import_points(csv, layer="participants", postcodes=index)
    assert again.frame["participant_id"].tolist() == frame["participant_id"].tolist()  # same salt, same hash
    text = frame.drop(columns="geometry").astype(str).to_string()
    for secret in ("Ann", "Smith", "0123", "a@b.c", "1980", "C001", "TN1"):
        assert secret not in text


def test_build_with_lists_keeps_salt_out_of_workspace(tmp_path):
    f = area_files(tmp_path, year=11)
    cp = codepoint_csv(tmp_path / "tn.csv")
    people = tmp_path / "people.csv"
    people.write_text("id,name,postcode,enrolled\nA1,Ann,TN1 1AA,2024-01-02\nA2,Bob,TN1 1AB,2024-01-03\n",
                      encoding="utf-8")
    venues = tmp_path / "venues.csv"
    venues.write_text("id,name,kind,postcode\n1,Library,library,TN1 1AA\n", encoding="utf-8")
    venues2 = tmp_path / "venues2.csv"
    venues2.write_text("id,name,kind,postcode\n1,Hall,church hall,TN1 1AB\n", encoding="utf-8")
    res = io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"], f["f6"]],
                                                 postcodes=[cp], venues=[venues, venues2], participants=[people]),
                             name="Tiny", out=tmp_path / "ws.gpkg")
    ws = io.read_workspace(res.path)
    assert ws.layer("venues")["venue_id"].tolist() == ["1", "2-1"]  # clashing ids from two files kept apart
    assert len(ws.layer("participants")) == 2 and "Royal Mail" in ws.meta["attribution"]
    salt = (io.workspace_dir() / io.SALT_FILE).read_bytes()
    raw = res.path.read_bytes()
    assert salt not in raw and b"Ann" not in raw and b"A1," not in raw
    assert "salted hashes" in ws.meta["participants_note"]


def test_kind_words():
    kinds = points.kind_from_text(pd.Series(["LAL", "Community Centre", "St Mary's Church", "foodbank", "?"]),
                                  points.VENUE_WORDS, {"library": "Library", "community_centre": "Community centre",
                                                       "church_hall": "Church hall", "food_bank": "Food bank"})
    assert kinds.tolist()[:4] == ["library", "community_centre", "church_hall", "food_bank"]
    assert pd.isna(kinds.iloc[4])


def test_dates_iso_and_day_first():
    d, day_first = points.parse_dates(pd.Series(["2024-02-01", "01/02/2024", "1 March 2024", "31/31/2024", None]))
    assert d.tolist()[:3] == [pd.Timestamp("2024-02-01")] * 2 + [pd.Timestamp("2024-03-01")]
    assert pd.isna(d.iloc[3]) and pd.isna(d.iloc[4]) and day_first


def test_report_lines_and_dict():
    r = ImportReport("f.csv", "venues", rows_read=3, rows_used=2)
    assert r.summary() == "f.csv (venues): 3 rows read, 2 used"
    assert r.to_dict()["rejected_count"] == 0 and np.isclose(r.rows_rejected, 0)
