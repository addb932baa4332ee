"""The real app in headless Chromium with every non-local request blocked."""

from __future__ import annotations

import time

from geo import io
from tests.e2e.conftest import ARTIFACTS


def test_map_page_draws_five_layers_offline(app_server, browser_page):
    page = browser_page.page
    t0 = time.perf_counter()
    page.goto(app_server, wait_until="domcontentloaded")
    frame = browser_page.map_frame()
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    first_shapes_s = time.perf_counter() - t0
    page.get_by_text("Participants per road").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)

    # 1 deprivation + 2 engagement + 4 bus: polygons and lines are SVG paths;
    # 3 venues and bus stops are circle markers (also paths); 5 partners are div markers.
    paths = frame.locator("path.leaflet-interactive").count()
    ws = io.read_workspace(io.demo_path())
    expected_min = len(ws.layer("lsoas")) + len(ws.layer("venues")) + len(ws.layer("bus_stops"))
    assert paths >= expected_min, (paths, expected_min)
    assert frame.locator(".pw-partner").count() == len(ws.layer("partners"))
    labels = frame.locator(".pw-ward-label").all_inner_texts()
    assert sorted(labels) == sorted(ws.layer("wards")["ward_name"].astype(str))

    # a venue's popup carries its outreach attributes
    for f in page.frames:
        if "st_folium" in f.url:
            f.evaluate("""() => { let done = false; window.map.eachLayer(l => {
                if (!done && l.getPopup && l.getPopup()) { l.openPopup(); done = true; } }); }""")
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    for attr in ["Wi-fi", "Toilets", "Step-free access", "Childcare", "Quiet room", "Capacity", "Cost",
                 "Opening hours"]:
        assert attr in popup.inner_text()

    # legend and KPI strip drawn by Streamlit
    for text in ["Participants engaged", "Roads with residents engaged",
                 "LSOAs in most deprived 20%", "Venues within 400 m of a bus stop",
                 "Index of Multiple Deprivation (overall) decile", "Venues", "Partner sites", "Buses"]:
        assert page.get_by_text(text, exact=True).count() >= 1, text

    # nothing left this machine, and the map's HTML holds no participant
    assert browser_page.blocked == []
    assert all(("127.0.0.1" in u or "localhost" in u or u.startswith(("data:", "blob:", "about:")))
               for u in browser_page.requests)
    html = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator("html").inner_html()
    for pid in ws.layer("participants")["participant_id"].astype(str)[:200]:
        assert pid not in html

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_page.png"), full_page=True)
    print(f"server launch {app_server.launch_s:.2f}s; page load to first shapes {first_shapes_s:.2f}s; "
          f"{paths} shapes")


def test_page_url_opened_first_on_a_cold_server_keeps_the_app_navigation(streamlit_launcher, browser_page):
    server = streamlit_launcher("app.py")  # a fresh server: no session has run app.py yet
    page = browser_page.page
    page.goto(f"{server}/gaps", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Coverage gaps").wait_for(timeout=60_000)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_text("Pop-ups and routes").wait_for(timeout=30_000)  # the app's titles, not file names
    assert nav.get_by_text("popups", exact=True).count() == 0
    assert page.get_by_text("Meeting mode").count() >= 1  # app.py's sidebar ran
    assert browser_page.blocked == []
