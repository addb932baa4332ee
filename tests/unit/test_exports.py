"""Exports obey the privacy rules: no participant identifier, no count of people from 1 to 4.

Every export is generated from the tiny hand-made workspace (tests/conftest.py) and scanned: the
standalone HTML's tooltips, the PDF's text (pypdf), CSV rows, every Excel cell and every GeoPackage
table (and the raw bytes of the xlsx and gpkg files for identifiers).
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re
import sqlite3
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from geo.analyse import deprivation, engagement, gaps
from geo.io import assets
from geo.model import validate_workspace
from geo.out import exports, gpkg, mapview, png
from geo.privacy import suppress
from tests.conftest import ROOT, tiny_layers

DAY = dt.date(2025, 6, 1)
FICTIONAL = {"name": "Tiny Town", "fictional": "true", "attribution": "Fictional test data"}
SMALL = {"1", "2", "3", "4"}


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return validate_workspace(tiny_layers(), source="tiny")


@pytest.fixture(scope="module")
def ids(layers) -> set[str]:
    return set(layers["participants"]["participant_id"].astype(str))


@pytest.fixture(scope="module")
def aggs(layers):
    return exports.engagement_aggregates(participants=layers["participants"], roads=layers["roads"],
                                         wards=layers["wards"], lsoas=layers["lsoas"])


@pytest.fixture(scope="module")
def tables(layers, aggs):
    eng = engagement.engagement_by_road(layers["participants"], layers["roads"], wards=layers["wards"])
    out = {"Key figures": pd.DataFrame({"measure": ["Participants engaged"], "value": ["12"]})}
    out.update(exports.aggregate_tables(aggs))
    table = gaps.gap_table(pd.DataFrame(layers["lsoas"].drop(columns="geometry")),
                           road_table=gaps.road_lsoas(layers["roads"], eng, layers["lsoas"]))
    out["Top gaps"] = exports.top_gaps(table)
    out.update(exports.layer_tables(layers))
    return out


def small_people_cells(frame: pd.DataFrame) -> list[tuple[str, object]]:
    """(column, value) of every people-count cell holding 1..4 (as number or text)."""
    bad = []
    for col in frame.columns:
        if exports.is_people_column(col):
            bad += [(col, v) for v in frame[col] if str(v).strip() in SMALL or v in (1, 2, 3, 4)]
    return bad


# ---- aggregates, by hand ----------------------------------------------------------------------------
def test_aggregates_by_hand(aggs):
    roads = aggs["engagement_by_road"].set_index("road_key")
    # Church Street 3 people -> "<5"; Westfield Mill Lane 8: the only other non-zero cell in a column
    # whose total is shown, so it is hidden too ("*"), else 12 - 8 - 1 unmatched would give 3 back.
    assert roads.loc["E05900001|Church Street", "participants"] == "<5"
    assert roads.loc["E05900001|Mill Lane", "participants"] == "*"
    assert roads.loc["E05900001|Mill Lane", "band"] == "*"
    assert roads.loc["E05900002|Mill Lane", "participants"] == "0"
    assert roads.loc["E05900002|Mill Lane", "engaged"] == "no"
    assert roads.crs.to_epsg() == 27700
    lsoas = aggs["engagement_by_lsoa"].set_index("lsoa_code")
    # 8 on Mill Lane West in 001A, 3 on Church Street (north half) in 001B, 1 in 002B: two "<5" cells,
    # so no secondary suppression is needed.
    assert lsoas["participants"].to_dict() == {"E01900001": "8", "E01900002": "<5", "E01900003": "0",
                                               "E01900004": "<5"}
    assert lsoas["band"].tolist() == ["5–9", "<5", "none", "<5"]
    assert lsoas.loc["E01900001", "roads_engaged"] == 2


def test_few_households_show_nothing(layers):
    roads = layers["roads"].copy()
    roads.loc[roads["name"] == "Church Street", "households"] = 3
    out = exports.engagement_aggregates(participants=layers["participants"], roads=roads,
                                        wards=layers["wards"], lsoas=layers["lsoas"])["engagement_by_road"]
    row = out.set_index("road_key").loc["E05900001|Church Street"]
    assert (row["participants"], row["band"], row["engaged"]) == (exports.NOT_SHOWN,) * 3


def test_bands_only_in_meeting_mode(layers):
    out = exports.engagement_aggregates(participants=layers["participants"], roads=layers["roads"],
                                        wards=layers["wards"], lsoas=layers["lsoas"], bands_only=True)
    assert "participants" not in out["engagement_by_road"].columns
    assert set(out["engagement_by_road"]["band"]) <= {"none", "<5", "5–9", "10+", "*"}


# ---- notes ----------------------------------------------------------------------------------------
def test_notes_fictional_and_real():
    fictional = exports.data_notes(FICTIONAL)
    assert fictional[0].startswith("Fictional demo data")
    assert not any("Open Government" in n for n in fictional)
    real = exports.data_notes({"fictional": "false", "attribution": "© OpenStreetMap contributors, ODbL; "
                               "Contains OS data © Crown copyright and database right 2025"})
    text = " ".join(real)
    for needle in ["Contains OS data © Crown copyright", "Royal Mail", "National Statistics",
                   "Open Government Licence v3.0", "© OpenStreetMap contributors, ODbL", "<5"]:
        assert needle in text, needle
    assert not any(n.startswith("Workspace source") for n in real)  # nothing beyond the standard lines
    assert "OpenStreetMap" not in " ".join(exports.data_notes({"fictional": "false"}))
    assert "Workspace source: Wolverhampton council venues list." in exports.data_notes(
        {"fictional": "false", "attribution": "Wolverhampton council venues list"})


# ---- the guard ------------------------------------------------------------------------------------
def test_guard_refuses_small_counts_and_identifiers(ids):
    with pytest.raises(exports.PrivacyError):
        exports.check_table(pd.DataFrame({"participants": [3, 12]}))
    with pytest.raises(exports.PrivacyError):
        exports.check_table(pd.DataFrame({"note": ["pid003"]}), participant_ids=ids)
    with pytest.raises(exports.PrivacyError):
        exports.check_text("<p>pid007 was here</p>", participant_ids=ids)
    safe = exports.safe_table(pd.DataFrame({"participant_id": ["pid001"], "participants": [3], "job_starts": [7],
                                            "pct_participants": [3.5], "households": [2]}))
    assert list(safe.columns) == ["participants", "job_starts", "pct_participants", "households"]
    assert safe.iloc[0].tolist() == ["<5", "7", 3.5, 2]


def test_plan_payload_scrubbed(ids):
    payload = {"lots": {"North": ["E05900001"]}, "participant_ids": ["pid001"], "people": 3,
               "notes": "pid002", "rows": None}
    clean = exports.scrub_payload(payload, participant_ids=ids)
    assert "participant_ids" not in clean and clean["people"] == "<5" and clean["notes"] == "[removed]"


# ---- each export, scanned ---------------------------------------------------------------------------
def test_csv_has_notes_and_no_small_counts(tables, ids):
    for name, frame in tables.items():
        data = exports.csv_bytes(frame, notes=exports.data_notes(FICTIONAL), participant_ids=ids)
        text = data.decode("utf-8-sig")
        assert text.startswith("# Fictional demo data")
        assert not any(i in text for i in ids), name
        back = pd.read_csv(io.BytesIO(data), comment="#", encoding="utf-8-sig", dtype=str)
        assert small_people_cells(back) == [], name


def test_excel_every_cell(tables, ids):
    data = exports.excel_bytes(tables, title="Tiny Town", notes=exports.data_notes(FICTIONAL),
                               generated_on=DAY, participant_ids=ids)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "About"
    about = " ".join(str(c.value) for row in wb["About"].iter_rows() for c in row if c.value)
    assert "Fictional demo data" in about and "<5" in about
    assert {"Engagement by road", "Engagement by LSOA", "Top gaps", "Venues"} <= set(wb.sheetnames)
    for ws in wb.worksheets[1:]:
        rows = list(ws.iter_rows(values_only=True))
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        assert small_people_cells(frame) == [], ws.title
        assert not ({str(v) for r in rows for v in r} & ids), ws.title
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert not any(i.encode() in raw for i in ids)


def test_geopackage_has_aggregates_not_participants(layers, aggs, ids, tmp_path):
    plans = {"hubs Spring": pd.DataFrame({"venue": ["Westfield Library"], "people": [2]})}
    data = exports.geopackage_bytes(layers, aggregates=aggs, plans=plans, notes=exports.data_notes(FICTIONAL),
                                    title="Tiny Town", generated_on=DAY, participant_ids=ids)
    assert not any(i.encode() in data for i in ids)
    path = tmp_path / "export.gpkg"
    path.write_bytes(data)
    names = {str(n) for n, _ in pyogrio.list_layers(path)}
    assert "participants" not in names
    assert {"wards", "lsoas", "roads", "venues", "bus_stops", "bus_routes", "partners",
            "engagement_by_road", "engagement_by_lsoa", "plan_hubs_spring", "about"} <= names
    for name in names:
        frame = pyogrio.read_dataframe(path, layer=name)
        assert not any("participant_id" in str(c) for c in frame.columns), name
        assert small_people_cells(pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))) == [], name
    roads = pyogrio.read_dataframe(path, layer="engagement_by_road")
    assert roads.crs.to_epsg() == 27700 and set(roads["participants"]) == {"<5", "*", "0"}
    about = pyogrio.read_dataframe(path, layer="about")
    assert any("Fictional demo data" in v for v in about["value"])
    with sqlite3.connect(path) as con:  # every text cell of every table, straight from SQLite
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            for row in con.execute(f'SELECT * FROM "{t}"'):
                assert not ({str(v) for v in row} & ids), t


def _tiny_map(layers, eng, *, bands_only: bool = False):
    web = {k: mapview.to_web(v) for k, v in layers.items() if k != "participants"}
    keys = engagement.road_keys(layers["roads"], layers["wards"])
    shapes = mapview.road_shapes(layers["roads"], keys, dict(zip(layers["wards"]["ward_code"],
                                                                  layers["wards"]["ward_name"])))
    return mapview.build_map(
        wards=web["wards"], lsoas=mapview.decile_layer(web["lsoas"], deprivation.deciles(layers["lsoas"])),
        roads=mapview.engagement_layer(shapes, eng.roads, bands_only=bands_only), venues=web["venues"],
        bus_stops=web["bus_stops"], bus_routes=web["bus_routes"], partners=web["partners"],
        options=mapview.MapOptions(attribution="Fictional test data"))


def standalone(layers, ids, *, people=None) -> str:
    people = layers["participants"] if people is None else people
    eng = engagement.engagement_by_road(people, layers["roads"], wards=layers["wards"])
    m = _tiny_map(layers, eng)
    return exports.standalone_html(m, assets=assets.read_vendor_assets(ROOT), title="Tiny Town",
                                   notes=exports.data_notes(FICTIONAL),
                                   legends=[("Participants per road", [("#d55e00", "nobody engaged")])],
                                   participant_ids=ids).decode("utf-8")


@pytest.fixture(scope="module")
def vendored():
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        pytest.skip("static/vendor/leaflet missing: run `make setup`")


def test_standalone_html_is_self_contained_and_safe(layers, ids, vendored):
    text = standalone(layers, ids)
    assert not re.search(r"<script[^>]+src=", text) and not re.search(r"<link[^>]+href=", text)
    assert "L.map(" in text and "leaflet-container" in text  # Leaflet JS and CSS inlined
    assert "Fictional demo data" in text and "Tiny Town" in text and 'lang="en"' in text
    assert not any(i in text for i in ids)
    tips = [html_lib.unescape(t) for t in re.findall(r"Participants</b>: ([^<\"\\]+)", text)]
    assert tips and all(t not in SMALL for t in tips), tips
    assert "<5" in tips  # Church Street's 3 people


def test_standalone_html_refuses_cdn_assets(layers, ids, vendored):
    eng = engagement.engagement_by_road(layers["participants"], layers["roads"], wards=layers["wards"])
    m = _tiny_map(layers, eng)
    m.default_js = [*m.default_js, ("jquery", "https://code.jquery.com/jquery.min.js")]
    with pytest.raises(ValueError, match="jquery"):
        exports.standalone_html(m, assets=assets.read_vendor_assets(ROOT), title="t", notes=[])


def test_pdf_text_has_no_small_counts_or_ids(layers, ids, tables):
    # Two Rapid Progression participants: the KPI must read "<5", never "2".
    png = io.BytesIO()
    Image.new("RGB", (320, 200), "#dadaeb").save(png, format="PNG")
    plan = pd.DataFrame({"venue": ["Westfield Library"], "people": [2], "who": ["[removed]"]})
    data = exports.pdf_briefing(
        title="Patchwork: Tiny Town", subtitle="Rapid Progression only",
        kpis=[("Participants engaged", suppress(2)), ("Roads with residents engaged", "33%")],
        notes=exports.data_notes(FICTIONAL), generated_on=DAY, map_png=png.getvalue(),
        gaps_table=tables["Top gaps"], plan=plan, plan_title="Hubs: Spring", participant_ids=ids)
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Participants engaged\n<5" in text
    for needle in ["Top gaps", "Hubs: Spring", "Data sources and attribution", "Fictional demo data"]:
        assert needle in text, needle
    assert not any(i in text for i in ids)
    assert not re.search(r"(?i)(participants|people)[^\n\d<]{0,30}\b[1-4]\b(?![/\d]| to )", text), text
    assert any(page.images for page in reader.pages)  # the map image is embedded


def test_pdf_without_map_says_why():
    data = exports.pdf_briefing(title="T", subtitle="s", kpis=[], notes=["Fictional demo data."],
                                generated_on=DAY, map_note="No map image: Chromium is not installed.")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Chromium is not installed" in text and "No gap table" in text


def test_png_unavailable_without_chromium(monkeypatch):
    monkeypatch.setattr(png.shutil, "which", lambda name: None)
    assert "Chromium" in exports.png_unavailable_reason()
    with pytest.raises(exports.PngUnavailable, match="Chromium"):
        exports.html_to_png(b"<html></html>")


def test_filename():
    assert exports.export_filename("Tiny Town (demo)", "map", "html", on=DAY) == \
        "patchwork-tiny-town-demo-map-2025-06-01.html"


# ---- the one GeoPackage writer, formula-safe cells ---------------------------------
def test_gpkg_bytes_writes_layers_and_tables_in_order(layers):
    wards = layers["wards"]
    table = pd.DataFrame({"key": ["a", "b"], "value": [pd.NA, "x"], "n": pd.array([1, None], dtype="Int64"),
                          "ok": pd.array([True, False], dtype="boolean"), "parts": [["p", "q"], {"k": 1}]})
    data = gpkg.gpkg_bytes({"wards": wards, "about": table})
    got = pyogrio.list_layers(io.BytesIO(data))
    assert [str(n) for n, _ in got] == ["wards", "about"] and got[0][1] == "Polygon" and got[1][1] is None
    back = pyogrio.read_dataframe(io.BytesIO(data), layer="wards")
    assert back.crs.to_epsg() == 27700 and list(back["ward_code"]) == list(wards["ward_code"])
    about = pyogrio.read_dataframe(io.BytesIO(data), layer="about", read_geometry=False)
    assert about["value"].isna().tolist() == [True, False] and about["parts"].tolist() == ['["p", "q"]', '{"k": 1}']
    assert about["n"].isna().tolist() == [False, True] and about["ok"].tolist() == [True, False]
    multi = gpkg.gpkg_bytes({"wards": wards}, promote_to_multi=True)
    assert pyogrio.list_layers(io.BytesIO(multi))[0][1] == "MultiPolygon"
    with pytest.raises(ValueError):
        gpkg.gpkg_bytes({})


def test_formula_cells_are_prefixed_in_csv_and_excel():
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Mill Lane", "a=b"],
                          "venues": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0]})
    text = exports.csv_bytes(frame, notes=["one\nnote"]).decode("utf-8-sig")
    assert text.startswith("# one note\n")
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert back["name"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Mill Lane", "a=b"]
    assert back["venues"].tolist() == [1.5, -2.0, 3.0, 4.0, 5.0, 6.0]  # numbers stay numbers
    book = load_workbook(io.BytesIO(exports.excel_bytes({"Names": frame}, title="t", notes=[], generated_on=DAY)))
    cells = [c for row in book["Names"].iter_rows(min_row=2) for c in row[:1]]
    assert [c.value for c in cells][:4] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)"]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
