"""The standalone HTML map opens in headless Chromium with no server and the network blocked, and
draws its shapes; the PNG export draws the same page."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from geo.analyse import deprivation, engagement
from geo.io import assets
from geo.model import validate_workspace
from geo.out import exports, mapview
from tests.conftest import ROOT, tiny_layers
from tests.e2e.conftest import ARTIFACTS

AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def standalone() -> tuple[str, set[str]]:
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        pytest.skip("static/vendor/leaflet missing: run `make setup`")
    layers = validate_workspace(tiny_layers(), source="tiny")
    eng = engagement.engagement_by_road(layers["participants"], layers["roads"], wards=layers["wards"])
    web = {k: mapview.to_web(v) for k, v in layers.items() if k != "participants"}
    keys = engagement.road_keys(layers["roads"], layers["wards"])
    shapes = mapview.road_shapes(layers["roads"], keys, dict(zip(layers["wards"]["ward_code"],
                                                                  layers["wards"]["ward_name"])))
    m = mapview.build_map(
        wards=web["wards"], lsoas=mapview.decile_layer(web["lsoas"], deprivation.deciles(layers["lsoas"])),
        roads=mapview.engagement_layer(shapes, eng.roads), venues=web["venues"], bus_stops=web["bus_stops"],
        bus_routes=web["bus_routes"], partners=web["partners"],
        options=mapview.MapOptions(attribution="Fictional test data"))
    ids = set(layers["participants"]["participant_id"])
    html = exports.standalone_html(m, assets=assets.read_vendor_assets(ROOT), title="Tiny Town",
                                   subtitle="All cohorts", notes=exports.data_notes({"fictional": "true"}),
                                   legends=[("Participants per road", [("#d55e00", "nobody engaged")])],
                                   participant_ids=ids)
    return html.decode("utf-8"), ids


def test_standalone_html_works_offline(browser_page, standalone):
    html, ids = standalone
    page = browser_page.page
    page.set_content(html, wait_until="load")  # no server: the page is the file's text
    page.locator("path.leaflet-interactive").first.wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    # 4 LSOAs + 3 named roads + 1 unnamed path (not interactive) + 1 bus route + 1 stop + 2 venues
    assert page.locator("path.leaflet-interactive").count() >= 4 + 3 + 1 + 1 + 2
    assert sorted(page.locator(".pw-ward-label").all_inner_texts()) == ["Eastgate", "Westfield"]
    assert page.locator(".pw-partner").count() == 1
    assert page.get_by_label("Jobcentre Plus Tiny, Jobcentre Plus").count() == 1  # named marker
    assert "Fictional demo data" in page.locator("footer").inner_text()
    assert "Fictional test data" in page.locator(".leaflet-control-attribution").inner_text()
    # nothing was fetched at all: no network, no server
    assert browser_page.requests == [] and browser_page.blocked == []
    assert browser_page.page_errors == []
    text = page.content()
    assert not any(i in text for i in ids)
    # the file's own content passes axe-core with no serious or critical violation
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)""")
    assert found == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "standalone_map.png"))


def test_png_export_draws_the_map(chromium_browser, standalone):
    html, _ = standalone
    png = exports.html_to_png(html.encode("utf-8"), width=1000, height=700, scale=1.0)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (1000, 700)
    # the most deprived LSOAs (deciles 1 and 2, purple) fill a good part of the picture
    purple = sum(1 for x in range(0, 1000, 10) for y in range(0, 700, 10)
                 if (lambda p: p[2] > p[1] + 40 and p[0] > p[1])(img.getpixel((x, y))))
    assert purple > 500, purple
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "standalone_map_export.png").write_bytes(png)
