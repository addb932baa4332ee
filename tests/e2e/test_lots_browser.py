"""The Lots page in headless Chromium, offline: a map click builds a lot; the comparison view of three
saved scenarios (table and small maps) is screenshotted to artifacts/e2e/lots_compare.png."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from geo import io
from geo.assumptions import LotValueModel
from geo.plan.lots.profile import assess_lots
from geo.plan.lots.scenario import make_scenario, scenario_payload
from geo.plan.lots.suggest import suggest_lots
from geo.plan.lots.units import prepare_units
from tests.e2e.conftest import ARTIFACTS, MAP_IFRAME_SELECTOR


@pytest.fixture(scope="module")
def lots_server(streamlit_launcher, tmp_path_factory):
    """The app on a copy of the demo borough holding three saved lot scenarios."""
    path = tmp_path_factory.mktemp("lots") / "demo.gpkg"
    shutil.copy(io.ensure_demo(), path)
    ws = io.read_workspace(path)
    key = f"wards:{int(ws.layer('wards')['boundary_year'].max())}"
    lu = prepare_units(ws.layer("wards"), ws.layer("lsoas"), kind="wards", code_col="ward_code",
                            name_col="ward_name", lad_col="lad_name")
    a = LotValueModel(min_value_gbp=150_000)
    for name, kw in [("Two high-need lots", {"k": 2}), ("Three high-need lots", {"k": 3}),
                     ("Whole borough in three", {"k": 3, "mode": "divide"})]:
        s = make_scenario(suggest_lots(lu, a, **kw).lots, unit_layer=key, assumptions=a)
        prof = assess_lots(lu, s)
        io.save_plan(path, kind="lots", name=name, payload=scenario_payload(s),
                     meta={"lots": len(s.lots), "unit_layer": "Wards", "value_gbp": round(prof["lot_value_gbp"].sum())})
    return streamlit_launcher("app.py", env={**os.environ, "PATCHWORK_WORKSPACE": str(path)})


def open_lots(page, url):
    # Open the app and follow its navigation: a deep link on a server no session has run yet would run
    # pages/lots.py as a legacy pages/ directory page, without app.py's navigation.
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Outreach planning for employment support").wait_for(timeout=60_000)  # app.py has run
    page.locator('[data-testid="stSidebarNav"] a[href$="/lots"]').click(timeout=60_000)
    page.get_by_role("heading", name="Commissioning lots").wait_for(timeout=60_000)


def test_map_click_builds_a_lot_and_comparison_view(lots_server, browser_page):
    page = browser_page.page
    # Tall enough that the map needs no scrolling: Playwright's click after scrolling Streamlit's inner
    # container lands off the SVG path (a real mouse does not).
    page.set_viewport_size({"width": 1600, "height": 1400})
    open_lots(page, lots_server)
    frame = page.frame_locator(MAP_IFRAME_SELECTOR).first
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    assert page.get_by_text("No lots yet").count() == 1

    # click a ward: its tooltip names its code, and the page puts it into a new Lot 1
    page.wait_for_timeout(1000)  # streamlit-folium binds its click handlers once the map is drawn
    frame.locator("path.leaflet-interactive").nth(6).click()
    page.get_by_text(re.compile(r"^Wards in Lot 1$")).wait_for(timeout=30_000)
    assert page.get_by_text("No lots yet").count() == 0
    frame.locator("text=Lot 1").first.wait_for(timeout=30_000)  # the lot's label on the re-drawn map

    page.get_by_role("tab", name="Compare and save", exact=True).click()
    page.set_viewport_size({"width": 1600, "height": 2300})
    page.get_by_text("Compare lot options").wait_for()
    table = page.get_by_text("Expected participants (model)", exact=True)
    table.first.wait_for(state="attached")
    # only the open tab is drawn: three small maps, one per saved scenario
    page.wait_for_function(f"document.querySelectorAll('{MAP_IFRAME_SELECTOR}').length == 3", timeout=30_000)
    for i in range(3):
        page.frame_locator(MAP_IFRAME_SELECTOR).nth(i).locator("path.leaflet-interactive, path").first.wait_for(
            state="attached", timeout=30_000)
    page.wait_for_timeout(700)
    for label in ["Two high-need lots", "Three high-need lots", "Whole borough in three", "Total value",
                  "Advisors needed (FTE)"]:
        assert page.get_by_text(label).count() >= 1, label
    assert browser_page.blocked == []
    assert not browser_page.page_errors
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lots_compare.png"), full_page=True)
