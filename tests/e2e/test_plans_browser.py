"""The Hubs and Patches pages in headless Chromium (demo borough), every non-local request blocked."""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS


def _show(browser_page, title: str, ready: str, markers: tuple[str, ...], shot: str) -> None:
    page = browser_page.page
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_text(ready, exact=True).first.wait_for(timeout=60_000)
    frame = browser_page.map_frame()
    frame.locator(".pw-site").first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    labels = frame.locator(".pw-site").all_inner_texts()
    for m in markers:
        assert m in labels, (title, m, labels)
    # one shape per LSOA at least (59 in the demo borough), the ten ward names on top
    assert frame.locator("path.leaflet-interactive").count() >= 59
    assert frame.locator(".pw-ward-label").count() == 10
    assert page.get_by_text("Export", exact=True).count() == 1
    assert page.get_by_text("Save plan").count() >= 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)


def test_hubs_and_patches_pages_draw_offline(app_server, browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 1600, "height": 2400})  # the whole page, map included, on one screen
    page.goto(app_server, wait_until="domcontentloaded")
    _show(browser_page, "Hubs", "Need covered by hubs", ("H1", "H2", "H3", "S1"), "hubs_page.png")
    assert page.get_by_text("proven best", exact=True).count() == 1
    _show(browser_page, "Patches", "Largest gap from the mean", ("P1", "P2", "P10"), "patches_page.png")
    assert browser_page.blocked == []
    assert not browser_page.page_errors, browser_page.page_errors
