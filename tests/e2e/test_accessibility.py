"""axe-core in the real app: no serious or critical accessibility violation on the Map page (the page
and the map inside its iframe), the Export and share page and the Data protection page.

axe-core comes from npm (package.json) and is copied to static/vendor/axe-core/ by scripts/vendor.py;
the test injects it with `add_script_tag(path=...)`, so nothing is fetched from the network. The whole
document is analysed, Streamlit's own chrome included: nothing is excluded, because nothing in it
is flagged serious or critical (Streamlit 1.67). Moderate and minor findings are printed, not failed.
The app runs on the tiny test workspace: the same pages, widgets and map layers as the demo, faster.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import MAP_IFRAME_SELECTOR

AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 140))}));
}"""


def audit(frame) -> list[dict]:
    if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
        frame.add_script_tag(path=str(AXE))
    return frame.evaluate(RUN)


def serious(found: list[dict], where: str) -> list[str]:
    for v in found:
        if v["impact"] not in ("serious", "critical"):
            print(f"{where}: {v['impact']} {v['id']} ({v['help']})")
    return [f"{where}: {v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found
            if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def axe_file():
    if not AXE.exists():
        pytest.skip("static/vendor/axe-core/axe.min.js missing: run `make setup`")
    return AXE


@pytest.fixture(scope="module")
def tiny_app(streamlit_launcher, tiny_workspace_path):
    """The real app on the tiny workspace: the same pages and chrome, far less to load."""
    return streamlit_launcher("app.py", env={**os.environ, "PATCHWORK_WORKSPACE": str(tiny_workspace_path),
                                             "PATCHWORK_MEETING_MODE": ""})


def map_frame(page):
    page.frame_locator(MAP_IFRAME_SELECTOR).first.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    return next(f for f in page.frames if "streamlit_folium" in f.url)


def test_main_pages_have_no_serious_violations(tiny_app, browser_page, axe_file):
    page = browser_page.page
    problems: list[str] = []

    page.goto(tiny_app, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Outreach map").wait_for(timeout=60_000)
    frame = map_frame(page)
    problems += serious(audit(page), "Map")
    problems += serious(audit(frame), "Map (the map itself)")

    page.goto(f"{tiny_app}/exports", wait_until="domcontentloaded")
    page.get_by_role("button", name="Download GeoPackage").wait_for(timeout=60_000)
    problems += serious(audit(page), "Export and share")

    page.goto(f"{tiny_app}/data_protection", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Retention").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    problems += serious(audit(page), "Data protection")

    assert problems == [], "\n".join(problems)
    assert browser_page.blocked == []
