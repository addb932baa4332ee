"""ReachAssumptions and GapWeights: every field checked when the object is made, and a round trip."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.assumptions import (
    DEFAULT_GAP_WEIGHTS,
    DEFAULT_REACH,
    GAP_BOUNDS,
    REACH_BOUNDS,
    Bound,
    GapWeights,
    ReachAssumptions,
)
from geo.model import DataError

REACH_FIELDS = [f.name for f in fields(ReachAssumptions)]
GAP_FIELDS = [f.name for f in fields(GapWeights)]


def bad_values(bound: Bound) -> list[object]:
    """Values outside `bound` (or not a finite number at all)."""
    below = bound.low if bound.low_open else bound.low - max(bound.step, 1e-3)
    return [below, bound.high + bound.step, float("nan"), float("inf"), "1", None, True]


def test_every_field_has_a_bound_and_the_defaults_are_inside():
    assert set(REACH_BOUNDS) == set(REACH_FIELDS) and set(GAP_BOUNDS) == set(GAP_FIELDS)
    assert ReachAssumptions() == DEFAULT_REACH and DEFAULT_REACH.is_default
    assert GapWeights() == DEFAULT_GAP_WEIGHTS and DEFAULT_GAP_WEIGHTS.is_default


@pytest.mark.parametrize("name", REACH_FIELDS)
def test_a_bad_reach_value_names_its_field(name):
    for value in bad_values(REACH_BOUNDS[name]):
        with pytest.raises(DataError) as err:
            ReachAssumptions(**{name: value})
        assert [p.column for p in err.value.problems] == [name], value
        assert REACH_BOUNDS[name].label in str(err.value)


@pytest.mark.parametrize("name", GAP_FIELDS)
def test_a_bad_gap_weight_names_its_field(name):
    for value in bad_values(GAP_BOUNDS[name]):
        with pytest.raises(DataError) as err:
            GapWeights(**{name: value})
        assert [p.column for p in err.value.problems] == [name], value
        assert GAP_BOUNDS[name].label in str(err.value)


def test_every_bad_field_is_listed_at_once():
    with pytest.raises(DataError) as err:
        ReachAssumptions(walk_m_per_min=0, detour_factor=0.5)
    assert [p.column for p in err.value.problems] == ["walk_m_per_min", "detour_factor"]


def test_need_and_lack_each_need_a_weight():
    with pytest.raises(DataError, match="need weight") as err:
        GapWeights(deprivation=0, population=0)
    assert [p.column for p in err.value.problems] == ["deprivation"]
    with pytest.raises(DataError, match="lack weight") as err:
        GapWeights(reach=0, engagement=0)
    assert [p.column for p in err.value.problems] == ["reach"]
    GapWeights(deprivation=0, reach=0)  # one of each is enough


def within(bound: Bound) -> st.SearchStrategy[float]:
    return st.floats(bound.low, bound.high, allow_nan=False, exclude_min=bound.low_open)


reach_values = st.fixed_dictionaries({name: within(REACH_BOUNDS[name]) for name in REACH_FIELDS})
gap_values = st.fixed_dictionaries({name: within(GAP_BOUNDS[name]) for name in GAP_FIELDS}).filter(
    lambda d: d["deprivation"] + d["population"] > 0 and d["reach"] + d["engagement"] > 0)


@settings(max_examples=60, deadline=None)
@given(reach_values)
def test_reach_round_trips_through_a_dict(values):
    obj = ReachAssumptions(**values)
    data = obj.to_dict()
    assert set(data) == set(REACH_FIELDS) and all(isinstance(v, float) for v in data.values())
    assert ReachAssumptions.from_dict(data) == obj
    assert ReachAssumptions.from_dict({**data, "unknown": 1}) == obj  # a saved plan's extra keys are ignored
    assert math.isclose(obj.walk_m_per_min, data["walk_m_per_min"])


@settings(max_examples=60, deadline=None)
@given(gap_values)
def test_gap_weights_round_trip_through_a_dict(values):
    obj = GapWeights(**values)
    data = obj.to_dict()
    assert set(data) == set(GAP_FIELDS)
    assert GapWeights.from_dict(data) == obj
