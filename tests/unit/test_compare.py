"""geo.plan.compare: lining two plans up, matching patches, suppressing small observed caseloads."""

from __future__ import annotations

import math

import pandas as pd

from geo.plan import compare
from geo.plan.patch_plan import PatchPlan


def patch_table(caseloads, trips=None, estimate=False):
    n = len(caseloads)
    return pd.DataFrame({"patch": [f"Patch {i + 1}" for i in range(n)], "caseload": caseloads,
                         "within_bounds": [True] * n, "pieces": [1] * n,
                         "longest_trip_min": trips or [10.0] * n, "estimate": [estimate] * n})


def test_changed_lsoas_ignores_patch_names():
    a = PatchPlan(assignment={"a": "Patch 1", "b": "Patch 1", "c": "Patch 2", "d": "Patch 2"},
                  labels=("Patch 1", "Patch 2"), lower=0, upper=10)
    renamed = PatchPlan(assignment={"a": "Patch 2", "b": "Patch 2", "c": "Patch 1", "d": "Patch 1"},
                        labels=("Patch 1", "Patch 2"), lower=0, upper=10)
    assert compare.changed_lsoas(a, renamed) == (0, 4)
    one_moved = PatchPlan(assignment={"a": "Patch 1", "b": "Patch 2", "c": "Patch 2", "d": "Patch 2"},
                          labels=("Patch 1", "Patch 2"), lower=0, upper=10)
    assert compare.changed_lsoas(a, one_moved) == (1, 4)
    merged = PatchPlan(assignment=dict.fromkeys("abcd", "Patch 1"), labels=("Patch 1",), lower=0, upper=10)
    assert compare.changed_lsoas(a, merged) == (2, 4)


def test_patch_rows_estimated_and_differences():
    a = compare.patch_facts(patch_table([8.0, 12.0], trips=[10.0, 20.0], estimate=True), observed=False)
    b = compare.patch_facts(patch_table([10.0, 10.0, 10.0]), observed=False)
    t = compare.patch_rows(a, b, changed=(1, 4)).set_index("measure")
    assert t.loc["Patches"].tolist() == ["2", "3", "+1"]
    assert t.loc["Caseload spread (highest − lowest)"].tolist() == ["4.0", "0.0", "−4.0"]
    assert t.loc["Largest gap from the mean caseload"].tolist() == ["20%", "0%", "−20 pts"]
    assert t.loc["Longest trip from a base (min walk (estimate))"].tolist() == ["20", "10", "−10"]
    assert t.loc["LSOAs that change patch", "difference (B − A)"] == "1 of 4"


def test_small_observed_caseloads_are_suppressed_and_not_given_away():
    a = compare.patch_facts(patch_table([3.0, 9.0]), observed=True)
    b = compare.patch_facts(patch_table([6.0, 7.0]), observed=True)
    t = compare.patch_rows(a, b, changed=(0, 4)).set_index("measure")
    assert t.loc["Lowest caseload a patch"].tolist() == ["<5", "6", "–"]
    assert t.loc["Highest caseload a patch"].tolist() == ["9", "7", "−2"]
    assert t.loc["Caseload spread (highest − lowest)"].tolist() == ["–", "1", "–"]


def test_hub_rows():
    a = compare.HubFacts(hub_share=0.5, covered_share=0.6, n_hubs=2, n_satellites=1, venues=("v1", "v2", "v3"),
                         pockets=2, uncovered_lsoas=5, furthest_min=14.0, estimate=True)
    b = compare.HubFacts(hub_share=0.55, covered_share=0.6, n_hubs=2, n_satellites=0, venues=("v1", "v4"),
                         pockets=1, uncovered_lsoas=3, furthest_min=math.nan, estimate=False)
    t = compare.hub_rows(a, b, {"v2": "Hall", "v3": "Library", "v4": "Centre"}).set_index("measure")
    assert t.loc["Need covered by hubs"].tolist() == ["50%", "55%", "+5 pts"]
    assert t.loc["Need covered with satellites", "difference (B − A)"] == "0 pts"
    assert t.loc["Venues only in this plan"].tolist() == ["Hall, Library", "Centre", "2 only in A, 1 only in B"]
    assert t.loc["Uncovered pockets"].tolist() == ["2", "1", "−1"]
    assert t.loc["Furthest LSOA served (min walk (estimate))"].tolist() == ["14", "–", "–"]


def test_differences_that_round_to_nothing_have_no_sign():
    assert compare._diff(15.0, 14.8) == "0"
    assert compare._diff(0.5, 0.52, "{:+.1f} pts") == "0.0 pts"
    assert compare._diff(3, 1) == "−2"
