"""AppTest of the Export and share page on the tiny workspace: every download button, and the files
its buttons make (their deferred callables are captured and run), scanned for privacy."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo.out import png
from tests.conftest import ROOT

IDS = [f"pid{i:03d}" for i in range(12)]


@pytest.fixture
def captured(monkeypatch):
    """file name -> the callable a download button runs when clicked."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(png.shutil, "which", lambda name: None)


def run_page(tiny_workspace_path, monkeypatch, *, meeting: bool = False) -> AppTest:
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    monkeypatch.delenv("PATCHWORK_MEETING_MODE", raising=False)
    at = AppTest.from_file(str(ROOT / "pages" / "exports.py"), default_timeout=60)
    if meeting:
        at.query_params["meeting"] = "1"
    at.run()
    assert not at.exception, at.exception
    return at


def file_named(captured, part: str) -> bytes:
    (name,) = [n for n in captured if part in n]
    return captured[name]()


def test_page_offers_every_export(tiny_workspace_path, monkeypatch, captured, no_chromium):
    at = run_page(tiny_workspace_path, monkeypatch)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download briefing pack (PDF)", "Download map (HTML)", "Download tables (Excel)",
                      "Download GeoPackage", "Download table (CSV)"]
    # no Chromium here: a clear note instead of the PNG button, and the pack says why it has no map
    assert any("Chromium" in i.value for i in at.info)
    text = " ".join(str(m.value) for m in at.markdown)
    assert "Fictional demo data" in text and "<5" in text
    assert not any(pid in text for pid in IDS)

    html = file_named(captured, "map-").decode("utf-8")
    assert "Fictional demo data" in html and not re.search(r"<script[^>]+src=", html)
    assert not any(pid in html for pid in IDS)

    pdf = PdfReader(io.BytesIO(file_named(captured, "briefing")))
    pdf_text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Participants engaged\n12" in pdf_text and "No map image" in pdf_text
    assert "Data sources and attribution" in pdf_text and not any(pid in pdf_text for pid in IDS)

    xlsx = file_named(captured, "tables")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert b"Fictional demo data" in raw and not any(pid.encode() in raw for pid in IDS)

    gpkg = file_named(captured, "layers")
    assert not any(pid.encode() in gpkg for pid in IDS)

    csv = file_named(captured, "key-figures").decode("utf-8-sig")
    assert csv.startswith("# Fictional demo data") and "Participants engaged,12" in csv

    options = at.selectbox(key="export_csv_table").options
    assert {"Key figures", "Engagement by road", "Engagement by LSOA", "Top gaps", "Venues"} <= set(options)
    at.selectbox(key="export_csv_table").set_value("Engagement by road").run()
    back = pd.read_csv(io.BytesIO(file_named(captured, "engagement-by-road")), comment="#",
                       encoding="utf-8-sig", dtype=str)
    assert set(back["participants"]) == {"<5", "*", "0"}


def test_cohort_filter_reaches_the_files(tiny_workspace_path, monkeypatch, captured, no_chromium):
    at = run_page(tiny_workspace_path, monkeypatch)
    at.multiselect(key="export_cohorts").set_value(["Rapid Progression"]).run()
    assert not at.exception
    csv = file_named(captured, "key-figures").decode("utf-8-sig")
    assert "Participants engaged,<5" in csv  # 2 people: never "2"
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(file_named(captured, "briefing"))).pages)
    assert "Participants engaged\n<5" in pdf_text


def test_meeting_mode_exports_bands_only(tiny_workspace_path, monkeypatch, captured, no_chromium, tmp_path):
    at = run_page(tiny_workspace_path, monkeypatch, meeting=True)
    assert any("Meeting mode is on" in c.value for c in at.caption)
    path = tmp_path / "meeting.gpkg"
    path.write_bytes(file_named(captured, "layers"))
    roads = pyogrio.read_dataframe(path, layer="engagement_by_road")
    assert "participants" not in roads.columns
    assert set(roads["band"]) <= {"none", "<5", "5–9", "10+", "*"}
    lsoas = pyogrio.read_dataframe(path, layer="engagement_by_lsoa")
    assert not (set(lsoas["participants"].astype(str)) & {"1", "2", "3", "4"})
    html = file_named(captured, "map-").decode("utf-8")
    assert "fewer than 5" in html and "Participants</b>: 3" not in html
