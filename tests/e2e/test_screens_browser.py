"""Screens in headless Chromium (issue 12, items 10, 11 and 13), each saving its screenshots to
artifacts/e2e/:

- the attribution is one small line on every map: under 3% of the map's area at 1400x900 and
  1920x1080 on the Map, Compare plans and Lots pages (a real workspace's attribution is long: the
  ONS, OS and OGL lines), and it opens to the full text when focused;
- the PNG image of the standalone map has no zoom buttons and the attribution once (in the footer);
- meeting mode at 1920x1080: no text under 20 px (inputs, dropdowns, tags, tables, KPI labels and
  everything else on the page), no KPI label or figure cut, and each page's map starts on the first
  screen (its top within 1080 px);
- a fresh server: every map's component reports ready and the "trouble loading" warning never shows.
"""

from __future__ import annotations

import os
import re

import pytest

from geo import io
from geo.analyse import deprivation
from geo.assumptions import ReachAssumptions
from geo.io import assets
from geo.model import validate_workspace
from geo.out import exports, mapview, png
from geo.plan import hubs
from geo.plan.lsoa_travel import travel_times
from geo.plan.need import need_table
from geo.read.area import attribution as attribution_line
from tests.conftest import ROOT, tiny_layers
from tests.e2e.conftest import ARTIFACTS, MAP_IFRAME_SELECTOR

#: What a workspace built from ONS, OS and OGL files says (geo.read.area.attribution): 214 characters.
REAL_ATTRIBUTION = attribution_line({"ons", "os", "ogl"})
NAV = '[data-testid="stSidebarNav"]'

#: Every visible text on the page whose type is under 20 px, the data grids' type, and KPI labels or
#: figures wider than their box (cut with an ellipsis).
MEASURE = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('script,style,noscript,[aria-hidden="true"]')) continue;
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (!r.width || !r.height || cs.visibility === 'hidden') continue;
    if (parseFloat(cs.fontSize) < 20) small.push(parseFloat(cs.fontSize) + 'px ' + n.textContent.trim().slice(0, 40));
  }
  const px = sel => [...document.querySelectorAll(sel)].map(e => parseFloat(getComputedStyle(e).fontSize));
  const grid = [...document.querySelectorAll('[data-testid="stDataFrame"] *')]
    .flatMap(e => ['--gdg-base-font-style', '--gdg-header-font-style']
      .map(v => getComputedStyle(e).getPropertyValue(v)))
    .filter(v => v).map(v => parseFloat(v.match(/([0-9.]+)px/)[1]));
  const cut = [...document.querySelectorAll('[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"] *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.slice(0, 40));
  const top = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')].map(f => {
    let y = f.getBoundingClientRect().top + window.scrollY;
    for (let e = f.parentElement; e; e = e.parentElement) y += e.scrollTop;
    return Math.round(y); });
  return {small, cut, top, grid,
          inputs: px('[data-testid="stNumberInput"] input, [data-testid="stTextInput"] input, '
                     + '[data-testid="stDateInput"] input'),
          selects: px('[data-testid="stSelectbox"] input, [data-testid="stMultiSelect"] input'),
          tags: px('[data-testid="stMultiSelectTagsContainer"] span'),
          tables: px('[data-testid="stTable"] td, [data-testid="stTable"] th'),
          kpi_labels: px('[data-testid="stMetricLabel"] p')};
}"""

#: The attribution control of a map, against the map: areas in CSS px, its text, how many there are.
ATTRIBUTION = """() => {
  const m = document.querySelector('.leaflet-container').getBoundingClientRect();
  const all = [...document.querySelectorAll('.leaflet-control-attribution')];
  const a = all[0].getBoundingClientRect();
  return {controls: all.length, map: m.width * m.height, attribution: a.width * a.height,
          text: all[0].textContent, lines: Math.round(a.height / parseFloat(getComputedStyle(all[0]).lineHeight))};
}"""


def _workspace(tmp_path_factory) -> str:
    """The demo borough with a real workspace's attribution and two saved hub plans (for Compare plans)."""
    path = tmp_path_factory.mktemp("screens") / "demo.gpkg"
    ws = io.read_workspace(io.ensure_demo())
    io.write_workspace(path, ws.layers, {**ws.meta, "attribution": REAL_ATTRIBUTION})
    ws = io.read_workspace(path)
    tt = travel_times(ws.layer("lsoas"), ws.layer("venues"), roads=ws.layer("roads"), max_minutes=60.0,
                      assumptions=ReachAssumptions())
    ids = ws.layer("venues")["venue_id"].astype(str).tolist()
    for name, chosen in [("Three hubs", ids[:3]), ("Five hubs", ids[:5])]:
        settings = hubs.HubSettings(n_hubs=len(chosen), budget_min=15.0, n_satellites=0)
        plan = hubs.evaluate_plan(need_table(ws.layer("lsoas")), tt, hubs=chosen, satellites=[], settings=settings)
        io.save_plan(path, kind=hubs.PLAN_KIND, name=name, payload=hubs.plan_payload(plan), meta=hubs.plan_meta(plan))
    return str(path)


@pytest.fixture(scope="module")
def screens_server(streamlit_launcher, tmp_path_factory):
    return streamlit_launcher("app.py", env={**os.environ, "PATCHWORK_WORKSPACE": _workspace(tmp_path_factory),
                                             "PATCHWORK_MEETING_MODE": ""})


def _maps(page, n: int) -> list:
    """The page's `n` map frames once Leaflet has drawn in each."""
    page.wait_for_function(f"document.querySelectorAll('{MAP_IFRAME_SELECTOR}').length >= {n}", timeout=90_000)
    for i in range(n):
        page.frame_locator(MAP_IFRAME_SELECTOR).nth(i).locator(".leaflet-overlay-pane path").first.wait_for(
            state="attached", timeout=90_000)
    page.wait_for_timeout(1200)
    frames = [f for f in page.frames if "streamlit_folium" in f.url]
    assert len(frames) >= n
    return frames


def _open(page, title: str, ready: str) -> None:
    page.locator(NAV).get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=ready).wait_for(timeout=90_000)


PAGES = [("Map", "Outreach map", 1), ("Compare plans", "Compare plans", 2), ("Lots", "Commissioning lots", 1)]


@pytest.mark.parametrize("size", [(1400, 900), (1920, 1080)], ids=["1400x900", "1920x1080"])
def test_the_attribution_is_one_small_line_on_every_map(screens_server, browser_page, size):
    page = browser_page.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(screens_server, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Outreach map").wait_for(timeout=90_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for title, heading, n in PAGES:
        if title != "Map":
            _open(page, title, heading)
        for frame in _maps(page, n):
            got = frame.evaluate(ATTRIBUTION)
            assert got["controls"] == 1, (title, got)
            assert got["text"] == REAL_ATTRIBUTION, (title, got["text"])  # the whole text, once
            share = got["attribution"] / got["map"]
            assert share < 0.03, (title, size, f"{share:.1%}")
            assert got["lines"] == 1, (title, got)
        page.locator(MAP_IFRAME_SELECTOR).first.screenshot(
            path=str(ARTIFACTS / f"attribution_{title.split()[0].lower()}_{size[0]}.png"))
    # focused (keyboard) or hovered, it opens to the whole text, wrapped
    frame = _maps(page, 1)[0]
    frame.focus(".leaflet-control-attribution")
    opened = frame.evaluate("() => { const a = document.querySelector('.leaflet-control-attribution');"
                            " return [a.scrollWidth <= a.clientWidth + 1, getComputedStyle(a).whiteSpace]; }")
    assert opened == [True, "normal"]
    assert browser_page.blocked == []
    assert not browser_page.page_errors, browser_page.page_errors


def test_the_map_image_has_no_zoom_buttons_and_the_attribution_once(browser_page):
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        pytest.skip("static/vendor/leaflet missing: run `make setup`")
    layers = validate_workspace(tiny_layers(), source="tiny")
    web = {k: mapview.to_web(v) for k, v in layers.items() if k != "participants"}
    own = "Tiny Town street survey 2024"  # a source the standard notes do not name
    m = mapview.build_map(
        wards=web["wards"], lsoas=mapview.decile_layer(web["lsoas"], deprivation.deciles(layers["lsoas"])),
        roads=None, venues=web["venues"], bus_stops=None, bus_routes=None, partners=None,
        options=mapview.MapOptions(attribution=f"{REAL_ATTRIBUTION}; {own}"))
    notes = exports.data_notes({"fictional": "false"})
    html = exports.standalone_html(m, assets=assets.read_vendor_assets(ROOT), title="Tiny Town", notes=notes)
    page = browser_page.page
    page.set_viewport_size({"width": 1000, "height": 700})
    page.set_content(png.image_page(html.decode("utf-8")), wait_until="load")  # what html_to_png draws
    page.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for(timeout=15_000)
    assert page.locator(".leaflet-control-zoom").count() == 1 and not page.locator(".leaflet-control-zoom").is_visible()
    assert not page.locator(".leaflet-control-attribution").is_visible()
    text = page.locator("body").inner_text()  # visible text only
    for part in [own, "Contains OS data © Crown copyright and database right 2025",
                 "Contains National Statistics data © Crown copyright and database right"]:
        assert text.count(part) == 1, (part, text.count(part))
    assert f"Map data: {own}." in page.locator("footer").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "map_image_no_zoom.png").write_bytes(exports.html_to_png(html, width=1000, height=700, scale=1.0))


MEETING_PAGES = [("Map", "Outreach map", 1), ("Gaps", "Coverage gaps", 1), ("Hubs", "Hubs and satellite hubs", 1),
                 ("Patches", "Worker patches", 1), ("Lots", "Commissioning lots", 1),
                 ("Compare plans", "Compare plans", 2)]


def test_meeting_mode_at_1920x1080_reads_across_a_room(screens_server, browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{screens_server}/?meeting=1", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Outreach map").wait_for(timeout=90_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen: dict[str, float] = {}
    for title, heading, n in MEETING_PAGES:
        if title != "Map":
            _open(page, title, heading)
        frames = _maps(page, n)
        got = page.evaluate(MEASURE)
        page.screenshot(path=str(ARTIFACTS / f"meeting_{title.split()[0].lower()}.png"))
        assert got["small"] == [], (title, got["small"][:10])
        assert got["cut"] == [], (title, got["cut"])
        assert all(t < 1080 for t in got["top"][:n]), (title, got["top"])
        # then with every folded section open: the settings' inputs, dropdowns and tags
        folded = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
        for _ in range(12):  # nested sections appear as their parents open
            if not folded.count():
                break
            folded.first.click()
            page.wait_for_timeout(300)
        page.wait_for_timeout(800)
        opened = page.evaluate(MEASURE)
        assert opened["small"] == [], (title, "opened", opened["small"][:10])
        for group in ("inputs", "selects", "tags", "tables", "kpi_labels", "grid"):
            if got[group] or opened[group]:
                assert min(got[group] + opened[group]) >= 20, (title, group, got[group], opened[group])
                seen[group] = min(seen.get(group, 99.0), *got[group], *opened[group])
        # inside the map: ward names, scale bar and attribution (the Lots map takes meeting mode once
        # ui/lots_edit.py passes `meeting=` to geo.out.lots_map.lots_map)
        for frame in frames if title != "Lots" else []:
            sizes = frame.evaluate("() => [...document.querySelectorAll('.pw-ward-label, .leaflet-control-scale-line, "
                                   ".leaflet-control-attribution')].map(e => parseFloat(getComputedStyle(e).fontSize))")
            assert sizes and min(sizes) >= 20, (title, sizes)
    # every kind of control the issue names was measured somewhere
    assert {"inputs", "selects", "tags", "kpi_labels", "grid"} <= set(seen), seen
    assert browser_page.blocked == []
    assert not browser_page.page_errors, browser_page.page_errors


#: Records each streamlit component's ready message and any "trouble loading" warning, from the first
#: byte of the page on.
WATCH = """
window.__pw = {ready: 0, warned: false};
window.addEventListener('message', e => {
  if (e.data && e.data.isStreamlitMessage && e.data.type === 'streamlit:componentReady') window.__pw.ready += 1;
}, true);
new MutationObserver(() => {
  if (document.body && /trouble loading/.test(document.body.innerText)) window.__pw.warned = true;
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def test_a_fresh_server_never_shows_the_component_warning(streamlit_launcher, browser_page, tiny_workspace_path):
    server = streamlit_launcher("app.py", env={**os.environ, "PATCHWORK_WORKSPACE": str(tiny_workspace_path)})
    page = browser_page.page
    warnings: list[str] = []
    page.on("console", lambda msg: re.search("trouble loading|unregistered ComponentInstance", msg.text)
            and warnings.append(msg.text))
    page.context.add_init_script(WATCH)
    page.goto(server, wait_until="domcontentloaded")  # the very first load of this server
    for title, heading in [("Map", "Outreach map"), ("Gaps", "Coverage gaps"), ("Hubs", "Hubs and satellite hubs")]:
        if title != "Map":
            _open(page, title, heading)
        _maps(page, 1)
        # every map on the page said it is ready, so Streamlit's 15 s / 60 s timers are cleared
        page.wait_for_function(f"window.__pw.ready >= document.querySelectorAll('{MAP_IFRAME_SELECTOR}').length",
                               timeout=60_000)
        assert page.evaluate("() => getComputedStyle(document.querySelector("
                             f"'{MAP_IFRAME_SELECTOR}')).display") != "none"
    assert page.evaluate("window.__pw.warned") is False
    assert page.get_by_text("trouble loading").count() == 0
    assert warnings == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "fresh_server_hubs.png"))

