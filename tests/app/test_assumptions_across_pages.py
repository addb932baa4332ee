"""One set of assumptions per browser session: what is set on one page holds on every page using it."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(tiny_workspace_path, tmp_path, monkeypatch):
    path = tmp_path / "tiny.gpkg"
    shutil.copy(tiny_workspace_path, path)
    monkeypatch.setenv("PATCHWORK_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def _walk_on_map(at: AppTest, m_per_min: float) -> None:
    at.radio(key="colour_by").set_value("reach").run()
    at.number_input(key="reach_walk_m_per_min").set_value(m_per_min).run()
    assert not at.exception, at.exception


def _hub_minutes(at: AppTest) -> pd.Series:
    at.switch_page("pages/hubs.py").run()
    assert not at.exception, at.exception
    return at.dataframe[0].value.set_index("name")["furthest_min"]


def _patch_trips(at: AppTest) -> pd.Series:
    at.switch_page("pages/patches.py").run()
    at.radio(key="patch_basis").set_value("estimated").run()
    at.number_input(key="patch_caseload").set_value(10.0).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at.dataframe[0].value.set_index("patch")["longest_trip_min"]


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_walking_speed_set_on_the_map_changes_hub_and_patch_travel_times(app, tiny_workspace_path, tmp_path):
    hubs_80 = _hub_minutes(app)
    assert "walking 80 m a minute" in _captions(app) and "defaults" in _captions(app)
    patches_80 = _patch_trips(app)

    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    other.run()
    _walk_on_map(other, 40.0)
    hubs_40 = _hub_minutes(other)
    assert "walking 40 m a minute" in _captions(other) and "as set on" in _captions(other)
    patches_40 = _patch_trips(other)
    assert "walking 40 m a minute" in _captions(other)
    # Half the speed, twice the minutes (Westfield Library's catchment shrinks, so compare a venue
    # whose LSOA set stays put: the satellite serves one LSOA at both speeds).
    assert hubs_40["Eastgate Hall"] == pytest.approx(2 * hubs_80["Eastgate Hall"])
    assert sorted(patches_40.round(6)) == pytest.approx(sorted((2 * patches_80).round(6)))


def test_the_speed_is_kept_when_the_map_page_is_left_and_reopened(app):
    _walk_on_map(app, 60.0)
    app.switch_page("pages/gaps.py").run()
    assert app.number_input(key="reach_walk_m_per_min").value == 60.0
    app.switch_page("pages/map.py").run()
    app.radio(key="colour_by").set_value("reach").run()
    assert app.number_input(key="reach_walk_m_per_min").value == 60.0


def test_popups_plan_against_the_gap_weights_set_on_the_gaps_page(app):
    app.switch_page("pages/popups.py").run()
    assert not app.exception, app.exception
    default_caption = _captions(app)
    assert "deprivation 1" in default_caption and "defaults" in default_caption
    app.switch_page("pages/gaps.py").run()
    app.slider(key="gapw_deprivation").set_value(0.0).run()
    app.slider(key="gapw_population").set_value(2.0).run()
    gaps_order = list(app.dataframe[0].value["Code"])
    app.switch_page("pages/popups.py").run()
    assert not app.exception, app.exception
    caption = _captions(app)
    assert "deprivation 0, working-age population 2" in caption and "as set on" in caption
    # the pop-up planner's gaps are the Gaps page's, in the same order
    from geo.assumptions import GapWeights
    from ui import workspace as wsp

    weights = app.session_state["assumptions.gap_weights"]
    assert weights == GapWeights(deprivation=0.0, population=2.0)
    assert gaps_order[0] == "E01900003"
    _ = wsp  # the page reads wsp.gap_result with these weights (see pages/popups.py)


def test_exports_serve_the_gaps_page_table(app):
    """The briefing pack's top gaps are the Gaps page's: same weights, same order."""
    app.switch_page("pages/gaps.py").run()
    app.slider(key="gapw_deprivation").set_value(0.0).run()
    app.slider(key="gapw_population").set_value(2.0).run()
    gaps_codes = list(app.dataframe[0].value["Code"])
    app.switch_page("pages/exports.py").run()
    assert not app.exception, app.exception
    assert "deprivation 0, working-age population 2" in _captions(app)

    from geo.assumptions import DEFAULT_REACH
    from geo.out import exports
    from ui import exporting as ex
    from ui import workspace as wsp

    ws = wsp.current_workspace()
    table = wsp.gap_result(ws.id, ws, wsp.gap_view(ws.id), DEFAULT_REACH,
                           app.session_state["assumptions.gap_weights"]).table
    first, last = ex.enrolment_range(ws)
    view = ex.MapView(start=first, end=last, cohorts=(), index="imd", shown=frozenset())
    bundle = ex.ExportBundle(ws=ws, path=wsp.workspace_path(), view=view, eng=None, map_=None,  # type: ignore[arg-type]
                             legends=[], kpis=[], plans=[], today=first, gap_table=lambda: table)
    assert list(bundle.top_gaps()["Code"]) == gaps_codes[:10]  # the Gaps page's own table, its "Code" column
    assert list(bundle.top_gaps()["Code"]) == list(exports.top_gaps(table)["lsoa_code"])
