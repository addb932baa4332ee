"""AppTest of the Gaps page on the tiny hand-made workspace (and the same without roads)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_map_page import map_script
from tests.conftest import ROOT, tiny_layers

SMALL = re.compile(r"^\s*[1-4]\s*$")


def _run(path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "pages" / "gaps.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(tiny_workspace_path, monkeypatch):
    return _run(tiny_workspace_path, monkeypatch)


@pytest.fixture(scope="session")
def no_roads_path(tmp_path_factory):
    from geo import io

    layers = tiny_layers()
    del layers["roads"]
    path = tmp_path_factory.mktemp("ws") / "no_roads.gpkg"
    io.write_workspace(path, layers, {"name": "No Roads Town", "fictional": "true"})
    return path


#: Each table of the page, known by a column only it has (AppTest does not expose dataframe keys).
COLUMNS = {"gap_table": "Why", "gap_roads": "Households", "area_funnel": "Stage", "area_heard": "Source",
           "all_funnel": "Sustained 13 weeks", "all_heard": "Social media"}


def table(at, key="gap_table"):
    return next(d.value for d in at.dataframe if COLUMNS[key] in d.value.columns)


def test_ranked_with_every_part_shown(app):
    t = table(app)
    # Tiny 002A: decile 5, no venue joined to its road by the network except Eastgate Mill Lane's own,
    # 13 min (network walk), 0 of 1 roads engaged -> the top gap; 001A (8 people on Mill Lane) ranks low.
    assert list(t["Code"]) == ["E01900003", "E01900002", "E01900001", "E01900004"]
    assert t.loc[0, "Why"] == "decile 5, 13 min to the nearest venue, 0 of 1 roads engaged"
    assert t.loc[2, "Why"] == "decile 1, 3 min to the nearest venue (estimate), 2 of 2 roads engaged"
    assert t.loc[2, "Estimate"] == "estimate" and t.loc[2, "Roads engaged"] == "2 of 2"
    k = {m.label: m.value for m in app.metric}
    assert k["Most deprived 20%: within 15 min of a venue (estimate)"] == "100%"
    assert k["Roads engaged in deprived LSOAs"] == "100%" and k["Roads engaged elsewhere"] == "0%"
    assert k["Participants not matched to a road"] == "<5"  # 1 person beyond 50 m: reported, never a number
    assert any("unmatched" in c.value for c in app.caption)
    # the unengaged road in the top gaps: Mill Lane in Eastgate, 20 households
    roads = table(app, "gap_roads")
    assert list(roads["Road"]) == ["Mill Lane"] and list(roads["Ward"]) == ["Eastgate"]
    buttons = app.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download the gap table (CSV)"]
    text = map_script(app)
    assert "#1 Tiny 002A" in text and "pid0" not in text and "unpkg" not in text


def test_weights_change_the_order(app):
    before = list(table(app)["Code"])
    app.slider(key="gapw_deprivation").set_value(0.0).run()
    app.slider(key="gapw_population").set_value(2.0).run()  # need = working-age residents only: 002B has the most
    assert not app.exception
    after = list(table(app)["Code"])
    assert after != before and after[0] == "E01900003" and after.index("E01900004") < before.index("E01900004")
    app.slider(key="gapw_engagement").set_value(0.0).run()
    app.slider(key="gapw_reach").set_value(0.0).run()  # no lack weight left: a warning, defaults used
    assert any("at least one" in w.value for w in app.warning)
    assert list(table(app)["Code"]) == before
    app.selectbox(key="gap_index").set_value("income").run()  # the chosen domain's deciles
    assert table(app).set_index("Code").loc["E01900002", "Why"].startswith("income decile 1,")


def test_no_count_below_five_is_shown_as_a_number(app):
    def cells(at):
        for key in ("area_funnel", "area_heard", "all_funnel", "all_heard"):
            frame = table(at, key)
            yield from (str(v) for v in frame.to_numpy().ravel())
        yield from (m.value for m in at.metric)

    # "Every area" holds every area's row (and the one-area views are rows of the same suppressed
    # tables): Westfield 11 and Eastgate 1 people; LSOAs 001A 8, 001B 3, 002B 1
    assert not [c for c in cells(app) if SMALL.match(c)]
    assert table(app, "all_funnel").loc["Eastgate (E05900002)", "Engaged"] == "<5"
    assert table(app, "all_funnel").loc["Westfield (E05900001)", "Engaged"] == "*"  # else 12 - 1 gives it
    app.radio(key="area_level").set_value("lsoa").run()
    app.selectbox(key="area_pick").set_value("E01900002").run()
    assert table(app, "area_funnel").set_index("Stage").loc["Engaged", "People"] == "<5"
    assert not [c for c in cells(app) if SMALL.match(c)]
    # Rapid Progression: 2 people in all -> "<5" everywhere, never "2" or "1"
    app.multiselect(key="gap_cohorts").set_value(["Rapid Progression"]).run()
    app.selectbox(key="area_pick").set_value("Total").run()
    assert table(app, "area_funnel").set_index("Stage").loc["Engaged", "People"] == "<5"
    assert not [c for c in cells(app) if SMALL.match(c)]


def test_works_without_a_road_network(no_roads_path, monkeypatch):
    at = _run(no_roads_path, monkeypatch)
    assert any("no road network" in i.value and "estimate" in i.value for i in at.info)
    t = table(at)
    assert all("(estimate)" in why and "no engagement data" in why for why in t["Why"])
    assert set(t["Estimate"]) == {"estimate"}
    assert any("(estimate)" in m.label for m in at.metric)
    assert any("No road network" in c.value for c in at.caption)
    assert [b.proto.label for b in at.get("download_button")] == ["Download the gap table (CSV)"]


def test_app_lists_the_gaps_page(tiny_workspace_path, monkeypatch):
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(tiny_workspace_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/gaps.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Coverage gaps"]
