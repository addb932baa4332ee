"""The Gaps page and the map coloured by reach time, in headless Chromium with nothing off-machine."""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS

#: Fire a click on the first venue marker (radius 8 circle) the way Leaflet would, so streamlit-folium
#: reports it as the last object clicked.
CLICK_A_VENUE = """() => {
  let done = null;
  window.map.eachLayer(l => {
    if (!done && l.getLatLng && l.options && l.options.radius === 8 && l.getPopup && l.getPopup()) {
      l.fire('click', {latlng: l.getLatLng()}); done = l.getLatLng();
    }
  });
  return done;
}"""


def _only_local(session) -> None:
    assert session.blocked == []
    assert all(("127.0.0.1" in u or "localhost" in u or u.startswith(("data:", "blob:", "about:")))
               for u in session.requests)


def _tall_screenshot(page, name: str, height: int = 2100) -> None:
    """Streamlit scrolls inside its own container, so a full-page shot shows only the first screen:
    make the window tall enough for the map instead."""
    page.set_viewport_size({"width": 1600, "height": height})
    page.wait_for_timeout(1000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_map_by_reach_time_with_a_catchment_then_the_gaps_page(app_server, browser_page):
    """One browser session: the map coloured by reach time with a clicked venue's catchment, then
    the Gaps page through the app's navigation (one map page load for both)."""
    page = browser_page.page
    page.goto(app_server, wait_until="domcontentloaded")
    frame = browser_page.map_frame()
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    page.get_by_text("Reach time to a venue").click()
    page.get_by_text("Reach time, best of walk and bus").wait_for(timeout=60_000)
    page.get_by_text("Roads within 20 min of a venue").wait_for(timeout=30_000)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)

    # click a venue on the map: its 10/20/30-minute walking catchment is drawn, the map stays put
    clicked = None
    for f in page.frames:
        if "st_folium" in f.url:
            clicked = f.evaluate(CLICK_A_VENUE)
    assert clicked is not None
    page.get_by_text("Walk from ").first.wait_for(timeout=30_000)
    assert page.get_by_text("within 10 minutes").count() >= 1
    page.wait_for_timeout(500)
    for f in page.frames:
        if "st_folium" in f.url:
            f.evaluate("() => { window.map.closePopup(); "
                       "window.map.fitBounds(window.feature_group[0].getBounds()); }")
            assert f.evaluate("() => (window.feature_group || []).length") >= 1  # catchment drawn on top
    _only_local(browser_page)
    _tall_screenshot(page, "map_reach.png")

    # the Gaps page
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.get_by_role("link", name="Gaps").click()  # through the app's navigation, as a user goes
    page.get_by_text("LSOAs ranked by gap score").wait_for(timeout=60_000)
    frame = browser_page.map_frame()
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    page.get_by_text("Reach and gaps ready").wait_for(timeout=30_000)
    for text in ["Most deprived 20%: within 15 min of a venue",
                 "Roads engaged in deprived LSOAs", "Roads engaged elsewhere", "Outcome funnel",
                 "How people heard about the programme", "Download the gap table (CSV)"]:
        assert page.get_by_text(text).count() >= 1, text
    assert frame.locator("path.leaflet-interactive").count() > 60  # LSOAs, unengaged roads, venues
    _only_local(browser_page)
    _tall_screenshot(page, "gaps_page.png", height=2300)
