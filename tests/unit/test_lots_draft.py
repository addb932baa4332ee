"""LotDraft, the lots being edited on the Lots page, without Streamlit: every edit by hand on a tiny
literal grid, the numbers of the lots it makes counted by hand, and invariants over random edits."""

from __future__ import annotations

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo.assumptions import LotValueModel
from geo.model import DataError
from geo.plan.lots.draft import CURRENT_OPTION, LotDraft
from geo.plan.lots.profile import assess_lots, extension
from geo.plan.lots.scenario import make_scenario
from geo.plan.lots.units import prepare_units

# A row of three 1 km squares (west to east: W, M, E) and a fourth square N above W, as LSOAs:
#   N
#   W M E
# W and M, M and E, W and N share an edge; N and M meet only at a corner (not neighbours).
X0, Y0 = 450_000, 318_000
SQUARES = {"W": (0, 0), "M": (1, 0), "E": (2, 0), "N": (0, 1)}
LSOAS = gpd.GeoDataFrame(
    {"lsoa_code": list(SQUARES), "population": [1000, 2000, 3000, 4000], "working_age": [600, 1200, 1800, 2400],
     "employment_score": [0.1, 0.2, 0.3, 0.4], "imd_decile": [1, 2, 5, 10]},
    geometry=[box(X0 + 1000 * c, Y0 + 1000 * r, X0 + 1000 * (c + 1), Y0 + 1000 * (r + 1)) for c, r in SQUARES.values()],
    crs=27700)
CODES = list(SQUARES)


@pytest.fixture(scope="module")
def lu():
    return prepare_units(LSOAS, LSOAS, kind="lsoas", code_col="lsoa_code")


# ---- edits, by hand --------------------------------------------------------------------------------
def test_adding_lots_names_them_and_makes_the_new_one_active():
    d = LotDraft("lsoas").add_lot().add_lot("North").add_lot("North").add_lot("  North ")
    assert d.names == ["Lot 1", "North", "North (2)", "North (3)"]
    assert d.active == "North (3)" and all(codes == () for codes in d.lots.values())
    assert d.revision == 4
    assert d.add_lot("").names[-1] == "Lot 5"


def test_removing_the_active_lot_activates_the_first():
    d = LotDraft("lsoas").add_lot("A").add_lot("B").add_lot("C").choose("B")
    assert d.remove_lot().names == ["A", "C"] and d.remove_lot().active == "A"
    assert d.remove_lot("C").active == "B"             # another lot: the active one stays
    empty = LotDraft("lsoas").add_lot("A").remove_lot()
    assert empty.lots == {} and empty.active is None


def test_units_are_in_one_lot_only():
    d = LotDraft("lsoas").add_lot("A").set_units("A", ["W", "M"]).add_lot("B").set_units("B", ["M", "E"])
    assert d.lots == {"A": ("W",), "B": ("M", "E")}
    assert d.lot_of("M") == "B" and d.lot_of("N") is None and d.taken() == {"W", "M", "E"}
    assert d.active == "B"


def test_a_map_click_toggles_a_unit_in_the_active_lot():
    d = LotDraft("lsoas").toggle_unit("W")           # no lots yet: Lot 1 is made for it
    assert d.lots == {"Lot 1": ("W",)} and d.active == "Lot 1"
    d = d.toggle_unit("M")
    assert d.lots == {"Lot 1": ("W", "M")}
    assert d.toggle_unit("W").lots == {"Lot 1": ("M",)}  # a second click takes it out again
    d = d.add_lot("B").toggle_unit("M")                 # a unit of another lot moves to the active one
    assert d.lots == {"Lot 1": ("W",), "B": ("M",)}


def test_rename_keeps_the_place_and_refuses_blank_or_taken_names():
    d = LotDraft("lsoas").add_lot("A").add_lot("B").set_units("A", ["W"]).choose("A")
    renamed = d.rename_lot("West")
    assert renamed.names == ["West", "B"] and renamed.active == "West" and renamed.lots["West"] == ("W",)
    assert d.rename_lot("B").lots == d.lots and d.rename_lot("  ").lots == d.lots
    assert d.rename_lot("B").revision == d.revision + 1   # widgets still reset, as a rename attempt did


def test_served_areas_suggestions_and_places():
    d = LotDraft("lsoas").set_served(["N", "N", "E"])
    assert d.served == ("N", "E")
    d = d.replace_lots({"S1": ["W", "M"], "S2": ["E"]})
    assert d.lots == {"S1": ("W", "M"), "S2": ("E",)} and d.active == "S1"
    d, added = d.add_lots([("Westfield", ["W", "N"]), ("Eastgate", ["E"]), ("S1", ["N"])])
    assert added == ["Westfield"]               # W is taken, so Westfield gets N; Eastgate's E is taken
    assert d.lots["Westfield"] == ("N",) and d.active == "Westfield"
    d, added = LotDraft("lsoas").add_lot("West").add_lots([("West", ["W"])])
    assert added == ["West (2)"]


def test_layer_change_keeps_only_the_value_model():
    model = LotValueModel(caseload=40)
    d = LotDraft("wards:2023").with_model(model).toggle_unit("E05900001").set_served(["E05900002"])
    other = d.on_layer("lsoas")
    assert other == LotDraft("lsoas", model=model)
    assert d.with_model(LotValueModel(), reset_widgets=True).model_revision == d.model_revision + 1
    assert d.with_model(model).model_revision == d.model_revision


def test_saving_refuses_to_overwrite_a_scenario_not_loaded():
    d = LotDraft("lsoas").toggle_unit("W")
    assert d.expected_version("New", saved={"Old"}) is None
    with pytest.raises(DataError, match=r"a scenario called 'Old' is already saved\. Load it first"):
        d.expected_version(" Old ", saved={"Old"})
    saved = d.saved_as(" Old ", 3)
    assert saved.loaded == ("Old", 3) and saved.expected_version("Old", saved={"Old"}) == 3
    assert saved.deleted("Other") is saved and saved.deleted("Old").loaded is None


def test_a_loaded_scenario_becomes_the_draft():
    s = make_scenario({"A": ["W", "M"], "B": ["E"]}, unit_layer="lsoas", served=["N"],
                      assumptions=LotValueModel(caseload=25))
    before = LotDraft("lsoas").add_lot().with_model(LotValueModel(), reset_widgets=True)
    d = LotDraft.from_scenario(s, loaded=("Two", 2), after=before)
    assert d.lots == {"A": ("W", "M"), "B": ("E",)} and d.active == "A" and d.served == ("N",)
    assert d.model.caseload == 25 and d.loaded == ("Two", 2)
    assert (d.revision, d.model_revision) == (before.revision + 1, before.model_revision + 1)
    assert d.scenario(known=CODES) == s
    with pytest.raises(DataError, match="unit W is not in the lsoas layer"):
        d.scenario(known=["M", "E"])


def test_compare_options():
    d = LotDraft("lsoas")
    assert d.compare_options(["One"]) == (["One"], ["One"])
    assert d.toggle_unit("W").compare_options(["One"]) == ([CURRENT_OPTION, "One"], [CURRENT_OPTION, "One"])
    assert d.toggle_unit("W").compare_options(["1", "2", "3", "4"])[1] == ["1", "2", "3"]


# ---- what the lots add up to, by hand ----------------------------------------------------------------
def test_a_drafted_lot_profile_and_extension_by_hand(lu):
    assert sorted(lu.adjacency.neighbours("W")) == ["M", "N"]     # N touches M only at a corner
    a = LotValueModel(engagement_rate=0.5, min_value_gbp=0, min_advisors=0)
    d = LotDraft("lsoas", model=a).toggle_unit("W").toggle_unit("M")
    prof = assess_lots(lu, d.scenario(known=lu.codes))
    row = prof.loc["Lot 1"]
    assert row["population"] == 3000 and row["working_age"] == 1800
    assert row["workless"] == pytest.approx(600 * 0.1 + 1200 * 0.2)           # 300
    assert row["participants"] == pytest.approx(150)                          # 300 x 50%
    assert row["share_most_deprived_10"] == pytest.approx(1000 / 3000)         # W is in decile 1
    assert row["share_most_deprived_20"] == pytest.approx(1.0)                 # M is in decile 2
    assert row["flags"] == []
    ext = extension(lu, d.scenario(known=lu.codes)).loc["Lot 1"]
    assert ext["adjacent_codes"] == ["E", "N"]
    assert ext["added_workless"] == pytest.approx(1800 * 0.3 + 2400 * 0.4)     # 1,500
    assert ext["added_participants"] == pytest.approx(750)
    split = assess_lots(lu, d.toggle_unit("M").toggle_unit("E").scenario(known=lu.codes))
    assert split.loc["Lot 1", "flags"] == ["not contiguous: 2 separate parts"]  # W and E do not touch


# ---- invariants over random edits ----------------------------------------------------------------
EDITS = st.one_of(
    st.tuples(st.just("add_lot"), st.sampled_from(["", "A", "B", "Lot 1"])),
    st.tuples(st.just("remove_lot"), st.none()),
    st.tuples(st.just("toggle_unit"), st.sampled_from(CODES)),
    st.tuples(st.just("add_unit"), st.sampled_from(CODES)),
    st.tuples(st.just("remove_unit"), st.sampled_from(CODES)),
    st.tuples(st.just("rename_lot"), st.sampled_from(["", "A", "C"])),
    st.tuples(st.just("choose"), st.sampled_from(["A", "B", "Lot 1", "Lot 2"])),
    st.tuples(st.just("set_units"), st.tuples(st.sampled_from(["A", "Lot 1"]), st.lists(st.sampled_from(CODES)))),
)


def apply(d: LotDraft, edit: tuple) -> LotDraft:
    name, arg = edit
    if name == "remove_lot":
        return d.remove_lot()
    if name == "set_units":
        return d.set_units(*arg)
    return getattr(d, name)(arg)


@settings(max_examples=200, deadline=None)
@given(st.lists(EDITS, max_size=25))
def test_edits_keep_lots_disjoint_names_unique_and_one_lot_active(edits):
    d = LotDraft("lsoas")
    for edit in edits:
        before = d
        d = apply(d, edit)
        assert d.revision > before.revision
        codes = [c for lot in d.lots.values() for c in lot]
        assert len(codes) == len(set(codes)), d.lots
        assert len(d.names) == len(set(d.names))
        assert (d.active in d.lots) if d.lots else d.active is None
    assert d.scenario(known=CODES).lots == d.lots  # always a valid scenario


@settings(max_examples=200, deadline=None)
@given(st.lists(EDITS, max_size=15), st.sampled_from(CODES))
def test_adding_then_removing_a_unit_gives_back_the_same_lots(edits, code):
    d = LotDraft("lsoas").add_lot()
    for edit in edits:
        d = apply(d, edit)
    d = d.remove_unit(code) if d.lots else d.add_lot()
    assert d.remove_unit(code).lots == d.lots  # removing what is not there changes nothing
    assert d.add_unit(code).remove_unit(code).lots == d.lots
    assert d.toggle_unit(code).toggle_unit(code).lots == d.lots
