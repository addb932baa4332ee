"""The Pop-ups and routes page in headless Chromium, offline: propose a plan, then route a day with
van stops, and keep screenshots of both (artifacts/e2e/popups_page.png, popups_route.png)."""

from __future__ import annotations

import re

from tests.e2e.conftest import ARTIFACTS


def test_popups_page_and_route_on_the_map(app_server, browser_page):
    # The session's app on the demo borough; this test never presses Save, so the demo file is unchanged.
    popups_server = app_server
    page = browser_page.page
    page.set_viewport_size({"width": 1600, "height": 2400})  # Streamlit scrolls inside: show the whole page
    page.goto(popups_server, wait_until="domcontentloaded")
    page.get_by_role("link", name="Pop-ups and routes").click()
    page.get_by_role("heading", name="Pop-ups and routes").wait_for(timeout=60_000)
    page.get_by_role("button", name="Propose sessions").click()
    page.get_by_text("Which gaps, and how often").wait_for(timeout=60_000)
    frame = browser_page.map_frame()
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() > 40  # LSOAs and venues
    counts = frame.locator(".pw-session-count, [class*='pw-session-count']")
    assert counts.count() > 0  # sessions per venue, drawn as numbered markers
    assert page.get_by_text("Every session keeps to the opening hours").count() == 1
    page.wait_for_timeout(800)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "popups_page.png"), full_page=True)

    page.get_by_text("Route for a day", exact=True).click()
    picker = page.locator("[data-testid='stMultiSelect']").filter(has_text="Van stops at gap areas")
    picker.wait_for(timeout=30_000)
    for rank in (1, 3, 5):
        picker.locator("input").click()
        page.get_by_role("option", name=re.compile(f"^#{rank} ")).click()
        page.wait_for_timeout(150)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add van stops").click()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Work out the best order").click()
    page.get_by_text("Back at base").wait_for(timeout=60_000)
    route_frame = browser_page.map_frame()
    stops = route_frame.locator(".pw-route-stop")
    stops.first.wait_for(timeout=60_000)
    assert stops.count() >= 3  # the base and at least two stops, numbered with arrival times
    text = " ".join(stops.all_inner_texts())
    assert "Base" in text and re.search(r"\b1 · \d\d:\d\d", text)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "popups_route.png"), full_page=True)
    assert browser_page.blocked == []
    assert not browser_page.page_errors
