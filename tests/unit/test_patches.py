"""Patches: contiguity and one patch per LSOA (property test), hard bounds or a clear message,
locking, moves by hand, expected caseload, saving (versions, stale saves, a save killed half way)."""

from __future__ import annotations

import io as _io
import os
import re
import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo import assumptions, io
from geo.assumptions import ReachAssumptions
from geo.model import DataError
from geo.out import gpkg, plan_tables
from geo.plan import caseload, patch_plan, patch_table, patches
from geo.plan.patch_edits import PatchDesk
from geo.plan.patch_plan import PatchPlan
from geo.plan.patch_units import PatchUnits, lsoa_adjacency, make_units
from tests.conftest import tiny_layers

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")
REACH = ReachAssumptions()


def grid_lsoas(rows: int, cols: int, holes: frozenset[int] = frozenset()) -> gpd.GeoDataFrame:
    cells, codes = [], []
    for r in range(rows):
        for c in range(cols):
            if r * cols + c in holes:
                continue
            cells.append(box(c * 500, r * 500, (c + 1) * 500, (r + 1) * 500))
            codes.append(f"E01{r:03d}{c:03d}")
    return gpd.GeoDataFrame({"lsoa_code": codes, "population": 1500}, geometry=cells, crs=27700)


def grid_units(rows: int, cols: int, caseload, holes=frozenset()) -> PatchUnits:
    lsoas = grid_lsoas(rows, cols, holes)
    cl = pd.DataFrame({"lsoa_code": lsoas["lsoa_code"], "caseload": np.asarray(caseload, dtype=float)[:len(lsoas)]})
    return make_units(lsoas, cl)


def check_partition(units: PatchUnits, plan: PatchPlan) -> np.ndarray:
    """Every LSOA in exactly one patch, every patch non-empty and in one piece; returns caseloads."""
    assert set(plan.assignment) == set(units.codes) and len(plan.assignment) == units.n
    assert set(plan.assignment.values()) == set(plan.labels)
    assert all(p == 1 for p in patch_plan.patch_pieces(units, plan).values())
    return np.array([sum(units.caseload[i] for i, c in enumerate(units.codes) if plan.assignment[c] == label)
                     for label in plan.labels])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_patches_are_contiguous_and_bounds_hold_or_are_explained(data):
    rows = data.draw(st.integers(1, 6), label="rows")
    cols = data.draw(st.integers(2, 6), label="cols")
    n_cells = rows * cols
    holes = frozenset(data.draw(st.lists(st.integers(0, n_cells - 1), max_size=n_cells // 4, unique=True),
                                label="holes"))
    caseload = data.draw(st.lists(st.integers(0, 20), min_size=n_cells, max_size=n_cells), label="caseload")
    units = grid_units(rows, cols, caseload, holes)
    n = data.draw(st.integers(1, max(1, min(6, units.n))), label="patches")
    tol = data.draw(st.sampled_from([0.1, 0.25, 0.5, 1.0]), label="tolerance")
    mean = max(units.caseload.sum() / n, 1.0)
    lower, upper = (1 - tol) * mean, (1 + tol) * mean
    try:
        plan = patches.plan_patches(units, n_patches=n, lower=lower, upper=upper, time_limit_s=2.0)
    except DataError as err:
        text = str(err)
        assert re.search(r"\d", text), text  # the message gives the numbers
        return
    c = check_partition(units, plan)
    within = (c >= lower - 1e-9) & (c <= upper + 1e-9)
    assert within.all() or any("could not be brought within the bounds" in n for n in plan.notes)


def test_balanced_grid_meets_tight_bounds():
    rng = np.random.default_rng(3)
    units = grid_units(12, 12, rng.uniform(0.5, 2.0, 144))
    mean = units.caseload.sum() / 8
    plan = patches.plan_patches(units, n_patches=8, lower=0.95 * mean, upper=1.05 * mean)
    c = check_partition(units, plan)
    assert (np.abs(c / mean - 1) <= 0.05 + 1e-9).all()


def test_infeasible_totals_give_the_numbers():
    units = grid_units(2, 5, [10] * 10)  # 100 in total
    with pytest.raises(DataError) as err:
        patches.plan_patches(units, n_patches=3, lower=40, upper=50)
    text = str(err.value)
    assert "expected caseload is 100 participants at once" in text
    assert "3 patches of 40–50 each can hold only 120–150" in text
    assert "Use 2 patches (100 ÷ 50 = 2.0; 100 ÷ 40 = 2.5)" in text


def test_an_lsoa_above_the_upper_bound_is_named():
    units = grid_units(1, 4, [5, 70, 5, 5])
    with pytest.raises(DataError, match=r"LSOA E01000001 alone has an expected caseload of 70"):
        patches.plan_patches(units, n_patches=2, lower=20, upper=60)


def test_separate_pieces_that_cannot_be_split_are_explained():
    # two islands of 3 and 1 LSOAs (no bridging): the island of 5 can hold no patch of 8–11
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["a", "b", "c", "d"], "population": 1},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(10, 0, 11, 1)], crs=27700)
    adj, notes = lsoa_adjacency(lsoas, bridge=False)
    units = PatchUnits(codes=np.array(["a", "b", "c", "d"]), caseload=np.array([10.0, 10, 10, 5]),
                               xy=np.array([[0.5, 0.5], [1.5, 0.5], [2.5, 0.5], [10.5, 0.5]]), adjacency=adj)
    with pytest.raises(DataError, match=r"separate piece of 1 LSOAs \(d\) has caseload 5"):
        patches.plan_patches(units, n_patches=4, lower=8, upper=11)
    bridged, notes = lsoa_adjacency(lsoas)
    assert bridged[2, 3] and any("joined to its nearest LSOA" in n for n in notes)


def test_squares_touching_only_at_a_corner_are_not_rook_neighbours_for_patches():
    # a and b meet only at the corner (100, 100); c shares an edge with each
    lsoas = gpd.GeoDataFrame({"lsoa_code": ["a", "b", "c"], "population": 1},
                             geometry=[box(0, 0, 100, 100), box(100, 100, 200, 200), box(100, 0, 200, 100)], crs=27700)
    rook, _ = lsoa_adjacency(lsoas, bridge=False)
    queen, _ = lsoa_adjacency(lsoas, rule="queen", bridge=False)
    assert not rook[0, 1] and rook[0, 2] and rook[1, 2]
    assert queen[0, 1] and queen[0, 2] and queen[1, 2]
    # so a patch of a and b is in two pieces under rook: it cannot hang together by the corner
    cl = pd.DataFrame({"lsoa_code": ["a", "b", "c"], "caseload": [1.0, 1.0, 1.0]})
    plan = PatchPlan(assignment={"a": "Patch 1", "b": "Patch 1", "c": "Patch 2"}, labels=("Patch 1", "Patch 2"),
                     lower=0, upper=5)
    assert patch_plan.patch_pieces(make_units(lsoas, cl), plan) == {"Patch 1": 2, "Patch 2": 1}
    assert patch_plan.patch_pieces(make_units(lsoas, cl, rule="queen"), plan) == {"Patch 1": 1, "Patch 2": 1}
    # and the planner never makes such a patch: two patches of a, b, c are {a, c} + {b} or {b, c} + {a}
    made = patches.plan_patches(make_units(lsoas, cl), n_patches=2, lower=1, upper=2)
    assert made.assignment["a"] != made.assignment["b"]


def test_locked_patch_is_kept_and_moves_by_hand_update_the_balance():
    rng = np.random.default_rng(5)
    units = grid_units(6, 6, rng.uniform(1, 3, 36))
    mean = units.caseload.sum() / 4
    plan = patches.plan_patches(units, n_patches=4, lower=0.8 * mean, upper=1.2 * mean)
    check_partition(units, plan)
    locked = plan.labels[0]
    members = sorted(c for c, p in plan.assignment.items() if p == locked)
    plan = patch_plan.set_locked(plan, [locked])
    # replanning with one more patch keeps the locked one exactly
    mean5 = units.caseload.sum() / 5
    lo, hi = 0.7 * mean5, 1.3 * mean5
    again = patches.plan_patches(units, n_patches=5, lower=min(lo, sum(units.caseload[np.isin(units.codes, members)])),
                                 upper=max(hi, sum(units.caseload[np.isin(units.codes, members)])),
                                 locked={locked: members})
    assert sorted(c for c, p in again.assignment.items() if p == locked) == members
    check_partition(units, again)
    # a locked patch cannot be edited by hand
    with pytest.raises(DataError, match="is locked"):
        patch_plan.move_lsoa(plan, members[0], plan.labels[1])
    # move a boundary LSOA between two unlocked patches: it is pinned and the table's balance changes
    free = [label for label in plan.labels if label != locked]
    pos = {c: i for i, c in enumerate(units.codes)}
    code, to = next((c, plan.assignment[str(units.codes[j])]) for c, p in plan.assignment.items() if p in free
                    for j in units.adjacency[pos[c]].indices
                    if plan.assignment[str(units.codes[j])] in free and plan.assignment[str(units.codes[j])] != p)
    src = plan.assignment[code]
    lsoas = grid_lsoas(6, 6)
    before, _ = patch_table.patch_table(units, plan, assumptions=REACH, lsoas=lsoas)
    moved = patch_plan.move_lsoa(plan, code, to)
    after, per = patch_table.patch_table(units, moved, assumptions=REACH, lsoas=lsoas)
    c = units.caseload[pos[code]]
    b, a = before.set_index("patch")["caseload"], after.set_index("patch")["caseload"]
    assert a[src] == pytest.approx(b[src] - c) and a[to] == pytest.approx(b[to] + c)
    assert code in moved.pinned and per.set_index("lsoa_code").loc[code, "pinned"]
    # rebalancing keeps the pinned LSOA and the locked patch where they are
    rebalanced = patches.rebalance(units, moved)
    assert rebalanced.assignment[code] == to
    assert sorted(c for c, p in rebalanced.assignment.items() if p == locked) == members
    check_partition(units, rebalanced)


def test_expected_caseload_observed_and_estimated():
    layers = tiny_layers()
    table, notes = caseload.expected_caseload(layers["lsoas"], layers["participants"],
                                             settings=assumptions.CaseloadSettings(basis="observed"))
    # 12 months to 1 March 2025: the 2 (Mar 2025) + 3 (Jul 2024) + 1 (Sep 2024) enrolments; 12 months on
    # the programme, so the caseload equals the enrolments.
    assert table["caseload"].sum() == pytest.approx(6.0)
    assert table.set_index("lsoa_code").loc["E01900001", "caseload"] == pytest.approx(2.0)
    assert any("12 months to 01/03/2025" in n for n in notes)
    est, notes = caseload.expected_caseload(layers["lsoas"], None, settings=assumptions.CaseloadSettings())
    assert (est["basis"] == "estimated").all() and est["caseload"].gt(0).all()
    assert any("assumption" in n for n in notes)
    assert caseload.caseload_text(3.2, observed=True) == "<5"
    assert caseload.caseload_text(3.2, observed=False) == "3.2"
    with pytest.raises(DataError, match="Caseload per worker must be above 0"):
        caseload.expected_caseload(layers["lsoas"], None, settings=assumptions.CaseloadSettings(caseload=0))


def test_patch_table_on_tiny_workspace_and_exports():
    from geo.analyse.engagement import road_keys

    layers = tiny_layers()
    cl = pd.DataFrame({"lsoa_code": layers["lsoas"]["lsoa_code"], "caseload": [20.0, 25.0, 22.0, 23.0]})
    units = make_units(layers["lsoas"], cl, roads=layers["roads"])
    plan = patches.plan_patches(units, n_patches=2, lower=40, upper=50)
    table, per = patch_table.patch_table(units, plan, assumptions=REACH, lsoas=layers["lsoas"], venues=layers["venues"],
                                         roads=layers["roads"], road_keys=road_keys(layers["roads"], layers["wards"]))
    assert table["lsoas"].sum() == 4 and table["venues"].sum() == 2 and table["within_bounds"].all()
    assert (table["pieces"] == 1).all() and not per["estimate"].all()  # some trips along the roads
    assert table["longest_trip_min"].gt(0).all()
    frames = plan_tables.patch_frames(plan, table, per, layers["lsoas"], observed=False)
    data = gpkg.gpkg_bytes(frames)
    got = dict(pyogrio.list_layers(_io.BytesIO(data)))
    assert set(got) == {"patches", "patch_lsoas", "about"}
    polys = pyogrio.read_dataframe(_io.BytesIO(data), layer="patches")
    assert sorted(polys["patch"]) == sorted(plan.labels) and polys.crs.to_epsg() == 27700
    text = plan_tables.patch_csv_bytes(table, observed=False).decode("utf-8")
    assert text.startswith("\ufeff# Patchwork patch plan")


# ------------------------------------------------------------------------------------------- saving


@pytest.fixture
def workspace(tiny_workspace_path, tmp_path):
    path = tmp_path / "ws.gpkg"
    shutil.copy(tiny_workspace_path, path)
    return path


def test_saved_plan_round_trip_versions_and_stale_save(workspace):
    plan = PatchPlan(assignment={"E01900001": "Patch 1", "E01900002": "Patch 1", "E01900003": "Patch 2",
                                         "E01900004": "Patch 2"}, labels=("Patch 1", "Patch 2"), lower=1, upper=9,
                             locked=("Patch 2",), pinned=("E01900002",))
    v1 = io.save_plan(workspace, kind=patch_plan.PLAN_KIND, name="Two patches", payload=patch_plan.plan_payload(plan))
    info, payload = io.load_plan(workspace, kind=patch_plan.PLAN_KIND, name="Two patches")
    again = patch_plan.plan_from_payload(payload)
    assert again == plan and info.version == v1 == 1
    v2 = io.save_plan(workspace, kind=patch_plan.PLAN_KIND, name="Two patches", payload=payload, expected_version=1)
    assert v2 == 2
    with pytest.raises(io.StalePlanError, match="changed elsewhere"):  # the other tab still had version 1
        io.save_plan(workspace, kind=patch_plan.PLAN_KIND, name="Two patches", payload=payload, expected_version=1)
    assert [p.name for p in io.list_plans(workspace, kind=patch_plan.PLAN_KIND)] == ["Two patches"]
    io.delete_plan(workspace, kind=patch_plan.PLAN_KIND, name="Two patches", expected_version=2)
    assert io.list_plans(workspace, kind=patch_plan.PLAN_KIND) == []


# Killing a process in the middle of plan saves (and purges, erasures, builds) and checking nothing reported
# done is lost: tests/unit/test_store_durability.py.


HALF_SAVED = """
import os, signal, sqlite3
con = sqlite3.connect({path!r}, isolation_level=None)
con.execute("PRAGMA cache_size=1")  # spill pages to the file before the commit, as a big save does
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT OR REPLACE INTO patchwork_plans VALUES ('patches', 'big', 2, 'now', '{{}}', ?)", ("x" * 3_000_000,))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_workspace_opens_straight_after_a_save_killed_mid_commit(workspace):
    io.save_plan(workspace, kind="patches", name="big", payload={"round": 1})
    subprocess.run([sys.executable, "-c", HALF_SAVED.format(path=str(workspace))], check=False)
    assert os.path.exists(f"{workspace}-journal")  # the killed save left a hot journal
    ws = io.read_workspace(workspace)  # what the app does first
    assert len(ws.layer("lsoas")) == 4
    assert io.load_plan(workspace, kind="patches", name="big")[1] == {"round": 1}  # the previous plan


def test_observed_caseloads_are_suppressed_in_exports():
    layers = tiny_layers()
    cl, _ = caseload.expected_caseload(layers["lsoas"], layers["participants"],
                                      settings=assumptions.CaseloadSettings(basis="observed"))  # 2, 3, 0, 1
    units = make_units(layers["lsoas"], cl)
    plan = patches.plan_patches(units, n_patches=2, lower=1, upper=5)
    table, per = patch_table.patch_table(units, plan, assumptions=REACH, lsoas=layers["lsoas"])
    frames = plan_tables.patch_frames(plan, table, per, layers["lsoas"], observed=True)
    assert set(frames["patch_lsoas"]["caseload"]) <= {"0", "<5"}
    assert set(frames["patches"]["caseload"]) <= {"<5", "5", "6"}
    small = frames["patches"]["caseload"] == "<5"
    assert frames["patches"].loc[small, "workers"].isna().all()
    text = plan_tables.patch_csv_bytes(table, observed=True).decode("utf-8")
    rows = pd.read_csv(_io.StringIO(text.lstrip("\ufeff")), comment="#", dtype=str)
    assert set(rows["caseload"]) <= {"<5", "5", "6"} and "base_x" not in rows.columns


# ------------------------------------------------------------------------------------------- the page's desk


def test_patch_desk_plans_locks_moves_rebalances_and_reopens():
    rng = np.random.default_rng(7)
    units = grid_units(5, 5, rng.uniform(1, 3, 25))
    mean = units.caseload.sum() / 3
    desk = PatchDesk()
    assert desk.plan is None and desk.locks() == ()
    with pytest.raises(LookupError):
        desk.current()
    first = patches.plan_patches(units, n_patches=3, lower=0.8 * mean, upper=1.2 * mean)
    desk = desk.planned(first)
    assert desk.generation == 1 and desk.error is None
    locked = desk.with_locks(["Patch 2"])
    assert locked.plan.locked == ("Patch 2",) and locked.generation == 1  # an edit, not a new plan
    assert locked.locks() == (("Patch 2", first.members("Patch 2")),)
    failed = locked.failed("no room")
    assert failed.error == "no room" and failed.plan is locked.plan  # the previous plan stays on show
    pos = units.position
    code, to = next((c, first.assignment[str(units.codes[j])]) for c, p in first.assignment.items() if p == "Patch 1"
                    for j in units.adjacency[pos[c]].indices if first.assignment[str(units.codes[j])] == "Patch 3")
    moved = failed.moved(code, to)
    assert moved.plan.assignment[code] == to and code in moved.plan.pinned
    with pytest.raises(DataError, match="is locked"):
        moved.moved(first.members("Patch 2")[0], "Patch 1")
    near, targets = patch_plan.move_targets(units, moved.plan, code)
    assert to not in targets and "Patch 1" in near and set(targets) == {"Patch 1", "Patch 2"}
    balanced = moved.rebalanced(units, time_limit_s=1.0)
    assert balanced.plan.assignment[code] == to and balanced.plan.members("Patch 2") == first.members("Patch 2")
    reopened = balanced.reopened(first)
    assert reopened.generation == 2 and reopened.plan is first and reopened.error is None
    assert reopened.cleared().plan is None and reopened.cleared().generation == 2


def test_caseload_settings_are_checked_when_made():
    with pytest.raises(DataError) as err:
        assumptions.CaseloadSettings(caseload=-1, engagement_rate=2.0, basis="guess")
    problems = {p.column: p.message for p in err.value.problems}
    assert set(problems) == {"caseload", "engagement_rate", "basis"}
    assert "Caseload per worker must be above 0" in problems["caseload"]
    s = assumptions.CaseloadSettings()
    assert (s.caseload, s.months_on_programme) == (50.0, 12.0)
    assert assumptions.CaseloadSettings.from_dict({**s.to_dict(), "caseload": "40", "unknown": 1}).caseload == 40.0
