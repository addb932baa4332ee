"""The attribution once, in a small control (issue 12, item 10): the map's control is compact and opens
on hover, focus or a click; the standalone page's footer carries every part of it; the image of the
page (PNG, and the page printed) hides the zoom buttons and the control, so the attribution is drawn
once. The browser checks are in tests/e2e/test_screens_browser.py."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from geo.out import png
from geo.out.basemap import ATTRIBUTION_CSS, MEETING_MAP_CSS, MapOptions, attribution_texts, base_map
from geo.out.offline_html import STATIC_CSS, footer_notes, standalone_html

VIEW = (-1.30, 52.60, -1.20, 52.70)
LEAFLET = {"leaflet/leaflet.js": "/* leaflet */", "leaflet/leaflet.css": ".leaflet-container{}"}


def test_the_control_is_compact_and_carries_the_text_once():
    m = base_map(VIEW, options=MapOptions(attribution="Contains OS data; Survey 2024"))
    page = m.get_root().render()
    assert page.count('addAttribution("Contains OS data; Survey 2024")') == 1
    assert page.count(ATTRIBUTION_CSS) == 1  # one line, at most half the map's width, opens on hover/focus
    assert "classList.add('pw-attribution')" in page and "el.tabIndex = 0" in page
    assert "white-space:nowrap" in ATTRIBUTION_CSS and "max-width:min(50vw" in ATTRIBUTION_CSS
    assert attribution_texts(m) == ["Contains OS data; Survey 2024"]
    assert MEETING_MAP_CSS not in page


def test_meeting_mode_sets_the_map_type_at_20_px():
    page = base_map(VIEW, options=MapOptions(attribution="A", meeting=True)).get_root().render()
    assert "'pw-attribution', 'pw-big'" in page and MEETING_MAP_CSS in page
    assert ".pw-big{font-size:20px" in ATTRIBUTION_CSS and "font-size:20px" in MEETING_MAP_CSS


def test_a_map_without_an_attribution_control_gets_no_attribution_code():
    page = base_map(VIEW, options=MapOptions(attribution="A"), attribution_control=False).get_root().render()
    assert "addAttribution" not in page and ATTRIBUTION_CSS not in page


def test_the_footer_says_every_part_the_notes_do_not():
    notes = ["Contains OS data © Crown copyright and database right 2025; Contains public sector information "
             "licensed under the Open Government Licence v3.0."]
    got = footer_notes(notes, ["Contains OS data © Crown copyright and database right 2025; Survey 2024",
                               "survey 2024; Tiles © Someone"])
    # the OS part is said already (any case); "Survey 2024" once though given twice
    assert got == [*notes, "Map data: Survey 2024; Tiles © Someone."]
    assert footer_notes(notes, []) == notes
    assert footer_notes(notes, ["Contains OS data © Crown copyright and database right 2025."]) == notes


@given(st.lists(st.text(alphabet="abc ;", max_size=12), max_size=4))
def test_every_attribution_part_ends_up_in_the_footer(parts):
    got = " ".join(footer_notes(["Notes."], parts)).casefold()
    for text in parts:
        for part in text.split(";"):
            assert part.strip().rstrip(".").casefold() in got


def test_the_standalone_page_prints_without_zoom_buttons_or_the_control():
    m = base_map(VIEW, options=MapOptions(attribution="Survey 2024"))
    page = standalone_html(m, assets=LEAFLET, title="T", notes=["Note."]).decode("utf-8")
    footer = page[page.index("<footer"):page.index("</footer>")]
    assert footer.count("Survey 2024") == 1  # "Map data: Survey 2024."
    assert f"@media print {{ {STATIC_CSS} }}" in page
    assert STATIC_CSS == ".leaflet-control-zoom, .leaflet-control-attribution { display: none !important; }"


def test_the_image_is_drawn_from_the_page_without_zoom_buttons_and_with_canvas(monkeypatch):
    m = base_map(VIEW, options=MapOptions(attribution="Survey 2024"))
    html = standalone_html(m, assets=LEAFLET, title="T", notes=["Note."])
    drawn = {}

    def fake_render(text, width, height, scale, timeout_ms, executable):
        drawn["text"] = text
        return b"png"

    monkeypatch.setattr(png, "_render_png", fake_render)
    assert png.html_to_png(html, executable="/bin/true") == b"png"
    head = drawn["text"][:drawn["text"].index("</head>") + 7]
    assert f"<style>{STATIC_CSS}</style></head>" in head  # the zoom buttons and the control hidden
    assert '"preferCanvas": true' in drawn["text"] and '"preferCanvas": false' not in drawn["text"]
    assert png.image_page(html.decode("utf-8")) == drawn["text"]
    assert re.search(r"footer.*Map data: Survey 2024\.", drawn["text"], re.S)
