"""Lots: the value model by hand, contiguity on a hand-made grid, need, flags, scenarios, exports."""

from __future__ import annotations

import io as _io
import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from geo import io
from geo.analyse.adjacency import adjacency
from geo.assumptions import (
    DEFAULT_CASELOAD,
    DEFAULT_COHORTS,
    DEFAULT_MONTHS_ON_PROGRAMME,
    DEFAULT_WORKING_AGE_SHARE,
    LOT_VALUE_BOUNDS,
    LOT_VALUE_SOURCES,
    PROGRESSION_OUTCOME,
    CohortAssumption,
    LotValueModel,
)
from geo.model import DataError
from geo.out.lots_exports import export_csv, export_gpkg, export_xlsx, safe_filename, summary_pdf
from geo.plan.lots.need import lsoa_needs
from geo.plan.lots.profile import assess_lots, enrolled_per_lot, extension
from geo.plan.lots.scenario import PLAN_KIND, make_scenario, scenario_from_payload, scenario_payload
from geo.plan.lots.tables import compare_table, display_table
from geo.plan.lots.units import prepare_units
from geo.plan.lots.value import (
    assumption_table,
    cohort_frame,
    value_for_advisors,
    value_model,
    value_per_workless_gbp,
    with_cohort_frame,
    workless_for_value,
)
from tests.conftest import tiny_layers

#: Every value spelled out, so the hand computation below does not depend on the defaults.
HAND = LotValueModel(
    engagement_rate=0.2, delivery_months=36, months_on_programme=9, caseload=50,
    advisor_cost_gbp_per_year=36_000, venue_cost_gbp_per_advisor_month=350, management_share=0.2,
    set_up_months=6, set_up_cost_share=0.5, sustained_13w_rate=0.68, working_age_share=0.6,
    min_value_gbp=173_000, min_advisors=1.0,
    cohorts=(CohortAssumption("Hardest to Help", 0.30, 0.22, 889.0),
             CohortAssumption("Harder to Reach", 0.25, 0.30, 650.0),
             CohortAssumption("Rapid Progression", 0.30, 0.45, 400.0),
             CohortAssumption("Employed Progression", 0.15, 0.25, 300.0, PROGRESSION_OUTCOME)))


def grid(rows: int, cols: int, size_m: float = 100.0) -> gpd.GeoDataFrame:
    """rows x cols squares, code 'r{row}c{col}', row 0 at the bottom."""
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    return gpd.GeoDataFrame({"code": [f"r{r}c{c}" for r, c in cells]},
                            geometry=[box(450_000 + c * size_m, 318_000 + r * size_m,
                                          450_000 + (c + 1) * size_m, 318_000 + (r + 1) * size_m) for r, c in cells],
                            crs=27700)


# ---- value model ----------------------------------------------------------------------------------
def test_value_model_by_hand():
    row = value_model([1000.0], HAND).iloc[0]
    assert row["participants"] == pytest.approx(200)               # 1000 x 20%
    assert row["enrolments_per_month"] == pytest.approx(200 / 36)
    assert row["active_at_once"] == pytest.approx(50)              # 200/36 x 9
    assert row["advisors"] == pytest.approx(1.0)                   # 50 / caseload 50
    assert row["advisor_cost_gbp"] == pytest.approx(108_000)       # 1 x 36,000 x 36/12
    assert row["venue_cost_gbp"] == pytest.approx(12_600)          # 1 x 350 x 36
    assert row["management_cost_gbp"] == pytest.approx(24_120)     # 20% of 120,600
    assert row["delivery_cost_gbp"] == pytest.approx(144_720)
    assert row["set_up_cost_gbp"] == pytest.approx(12_060)         # 6 x 50% x 144,720/36
    assert row["lot_value_gbp"] == pytest.approx(156_780)
    assert row["outcomes: Hardest to Help"] == pytest.approx(13.2)  # 200 x 30% x 22%
    assert row["outcomes: Harder to Reach"] == pytest.approx(15.0)
    assert row["outcomes: Rapid Progression"] == pytest.approx(27.0)
    assert row["outcomes: Employed Progression"] == pytest.approx(7.5)
    assert row["job_outcomes"] == pytest.approx(55.2)
    assert row["progressions"] == pytest.approx(7.5)
    assert row["sustained_13w"] == pytest.approx(55.2 * 0.68)
    # 13.2 x 889 + 15 x 650 + 27 x 400 + 7.5 x 300
    assert row["pbr_income_gbp"] == pytest.approx(11_734.8 + 9_750 + 10_800 + 2_250)
    assert row["pbr_share"] == pytest.approx(34_534.8 / 156_780)


def test_value_model_is_linear_and_helpers_agree():
    out = value_model(pd.Series([0.0, 500.0, 1000.0], index=["a", "b", "c"]), HAND)
    assert list(out.index) == ["a", "b", "c"]
    assert out.at["a", "lot_value_gbp"] == 0
    assert out.at["c", "lot_value_gbp"] == pytest.approx(2 * out.at["b", "lot_value_gbp"])
    assert value_per_workless_gbp(HAND) == pytest.approx(156.78)
    assert value_for_advisors(1.0, HAND) == pytest.approx(156_780)
    assert workless_for_value(156_780, HAND) == pytest.approx(1000)


def test_only_two_payment_rates_and_a_few_values_are_sourced():
    table = assumption_table(LotValueModel())
    sourced = table[table["basis"].str.startswith("Source")]
    payments = sourced[sourced["setting"].str.contains("payment")]
    assert sorted(payments["value"]) == ["£400", "£889"]
    assert set(sourced["setting"]) == {"Caseload", "Job starts sustained at 13 weeks", "Minimum viable lot value",
                                       "Hardest to Help: payment per job outcome",
                                       "Rapid Progression: payment per job outcome"}
    assert (table.drop(sourced.index)["basis"] == "Assumption").all()
    edited = assumption_table(LotValueModel(caseload=40))
    assert edited.loc[edited["setting"] == "Caseload", "basis"].item() == "Your value"


def test_invalid_assumptions_rejected_with_every_problem():
    with pytest.raises(DataError) as err:  # checked when made: a bad model never exists
        LotValueModel(engagement_rate=-0.1, caseload=0, advisor_cost_gbp_per_year=-5,
                         cohorts=(CohortAssumption("Hardest to Help", 0.5, 0.2, -889.0),
                                  CohortAssumption("Rapid Progression", 0.4, 1.5, 400.0)))
    text = str(err.value)
    assert "Caseload must be more than 0, got 0" in text
    assert "Engagement rate must be a share between 0 and 1 (0% to 100%), got -0.1" in text
    assert "Advisor cost cannot be negative" in text
    assert "cohort 'Hardest to Help': payment (£) must be 0 or more, got -889" in text
    assert "cohort 'Rapid Progression': outcome rate must be a share between 0 and 1, got 1.5" in text
    assert "cohort shares add up to 90%" in text
    assert len(err.value.problems) == 6
    assert all(p.fix for p in err.value.problems)
    with pytest.raises(DataError, match="Caseload must be more than 0"):
        value_model([100.0], LotValueModel(caseload=0))
    with pytest.raises(DataError, match="longer than the delivery period"):
        LotValueModel(months_on_programme=40, delivery_months=36)
    with pytest.raises(DataError, match="not a number"):
        LotValueModel(caseload=float("nan"))


def test_assumptions_round_trip_and_unknown_keys():
    a = LotValueModel(engagement_rate=0.25)
    assert LotValueModel.from_dict(a.to_dict()) == a
    with pytest.raises(DataError, match="unknown setting"):
        LotValueModel.from_dict({"engagment_rate": 0.2})
    frame = cohort_frame(a)
    frame.loc[0, "payment_gbp"] = 900.0
    assert with_cohort_frame(a, frame).cohorts[0].payment_gbp == 900.0


#: A scenario exactly as Patchwork saved it before the value model moved to geo.assumptions (payload of
#: a geo.io plan of kind "lots"; the assumption keys are the field names of the old `lots.Assumptions`).
OLD_PAYLOAD = (
    '{"unit_layer": "wards", "lots": {"North": ["E05900001"], "South": ["E05900002"]}, "assumptions": '
    '{"engagement_rate": 0.2, "delivery_months": 36.0, "months_on_programme": 12.0, "caseload": 40, '
    '"advisor_cost_gbp_per_year": 36000.0, "venue_cost_gbp_per_advisor_month": 350.0, "management_share": 0.15, '
    '"set_up_months": 6.0, "set_up_cost_share": 0.5, "sustained_13w_rate": 0.68, "working_age_share": 0.62, '
    '"min_value_gbp": 173000.0, "min_advisors": 1.0, "cohorts": [{"cohort": "Hardest to Help", "share": 0.3, '
    '"outcome_rate": 0.22, "payment_gbp": 889.0, "outcome": "job outcome"}, {"cohort": "Harder to Reach", '
    '"share": 0.25, "outcome_rate": 0.3, "payment_gbp": 650.0, "outcome": "job outcome"}, {"cohort": '
    '"Rapid Progression", "share": 0.3, "outcome_rate": 0.45, "payment_gbp": 400.0, "outcome": "job outcome"}, '
    '{"cohort": "Employed Progression", "share": 0.15, "outcome_rate": 0.25, "payment_gbp": 300.0, "outcome": '
    '"in-work progression"}]}, "served": ["E05900002"]}')


def test_value_model_defaults_come_from_one_place():
    a = LotValueModel()
    assert a.caseload == DEFAULT_CASELOAD and a.months_on_programme == DEFAULT_MONTHS_ON_PROGRAMME
    assert a.working_age_share == DEFAULT_WORKING_AGE_SHARE and a.is_default
    assert list(LOT_VALUE_BOUNDS) == [k for k in a.to_dict() if k != "cohorts"]  # a label for every field
    assert all(k in LOT_VALUE_BOUNDS or k.startswith("cohort:") for k in LOT_VALUE_SOURCES)


def test_value_model_is_typed_and_each_bad_value_names_its_field():
    a = LotValueModel(caseload=40, delivery_months=24, cohorts=list(DEFAULT_COHORTS))
    assert type(a.caseload) is float and type(a.delivery_months) is float and isinstance(a.cohorts, tuple)
    assert a == LotValueModel(caseload=40.0, delivery_months=24.0)
    for field, value, text in [("delivery_months", 0, "Delivery period must be more than 0, got 0"),
                               ("set_up_months", -1, "Set-up period cannot be negative, got -1"),
                               ("management_share", 1.5, "Management and overheads must be a share between 0 and 1"),
                               ("caseload", "50", "Caseload is '50', not a number"),
                               ("min_advisors", True, "Minimum advisors is True, not a number"),
                               ("engagement_rate", float("inf"), "Engagement rate is inf, not a number")]:
        with pytest.raises(DataError) as err:
            LotValueModel(**{field: value})
        assert [p.column for p in err.value.problems] == [field], field
        assert text in str(err.value)
    with pytest.raises(DataError, match="has no cohorts"):
        LotValueModel(cohorts=())
    with pytest.raises(DataError, match="cohort 'Hardest to Help' appears twice"):
        LotValueModel(cohorts=(DEFAULT_COHORTS[0], DEFAULT_COHORTS[0]))


def test_a_scenario_saved_by_the_old_version_still_loads(tiny_workspace_path, tmp_path):
    path = tmp_path / "tiny.gpkg"
    path.write_bytes(tiny_workspace_path.read_bytes())
    io.save_plan(path, kind=PLAN_KIND, name="Saved before", payload=json.loads(OLD_PAYLOAD), meta={"lots": 2})
    _, payload = io.load_plan(path, kind=PLAN_KIND, name="Saved before")
    s = scenario_from_payload(payload, known=["E05900001", "E05900002"])
    assert s == make_scenario({"North": ["E05900001"], "South": ["E05900002"]}, unit_layer="wards",
                              served=["E05900002"], assumptions=LotValueModel(engagement_rate=0.2, caseload=40))
    assert scenario_payload(s) == {**json.loads(OLD_PAYLOAD),
                                   "assumptions": {**json.loads(OLD_PAYLOAD)["assumptions"], "caseload": 40.0}}
    # older still: no served areas, and settings added since (min_advisors, cohorts) take their defaults
    bare = scenario_from_payload({"unit_layer": "wards", "lots": {"North": ["E05900001"]},
                                  "assumptions": {"engagement_rate": 0.2}})
    assert bare.served == () and bare.assumptions == LotValueModel(engagement_rate=0.2)
    with pytest.raises(DataError, match="cohort table is not readable"):
        scenario_from_payload({**json.loads(OLD_PAYLOAD), "assumptions": {"cohorts": [{"name": "x"}]}})


# ---- contiguity on a hand-made grid ---------------------------------------------------------------
def test_contiguity_on_a_grid():
    g = grid(3, 3)
    rook = adjacency(g, id_col="code", rule="rook")
    queen = adjacency(g, id_col="code", rule="queen")
    assert rook.matrix.nnz // 2 == 12          # 3 rows x 2 + 3 cols x 2 shared edges
    assert queen.matrix.nnz // 2 == 20         # plus 2 x 4 diagonal corners
    assert sorted(rook.neighbours("r1c1")) == ["r0c1", "r1c0", "r1c2", "r2c1"]
    assert len(rook.parts(["r0c0", "r0c1", "r0c2"])) == 1
    assert rook.parts(["r0c0", "r0c2"]) == [["r0c0"], ["r0c2"]]
    assert len(rook.parts(["r0c0", "r1c1"])) == 2          # corner only: not contiguous
    assert len(queen.parts(["r0c0", "r1c1"])) == 1
    assert len(rook.parts(["r0c0", "r0c1", "r1c1", "r2c1", "r2c2"])) == 1


def test_adjacency_tolerates_slivers_but_not_distance():
    g = grid(1, 3)
    g.loc[1, "geometry"] = box(450_100.5, 318_000, 450_200, 318_100)  # a 0.5 m gap on its left edge
    assert adjacency(g, id_col="code", rule="rook").parts(["r0c0", "r0c1"]) == [["r0c0", "r0c1"]]
    assert len(adjacency(g, id_col="code", rule="rook", tolerance_m=0.1).parts(["r0c0", "r0c1"])) == 2
    with pytest.raises(DataError, match="not metres"):
        adjacency(g.to_crs(4326), id_col="code", rule="rook")


# ---- need and profiles ----------------------------------------------------------------------------
def test_lsoa_needs_score_decile_and_fallbacks():
    frame = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D"], "population": [1000, 1000, 1000, 1000],
                          "working_age": [600, 600, None, 600], "employment_score": [0.25, None, None, None],
                          "employment_decile": [1, 2, None, None], "imd_decile": [1, 2, 3, None]})
    n = lsoa_needs(frame, working_age_share=0.5)
    assert n.loc["A", "workless"] == pytest.approx(150)                     # score x working age
    assert n.loc["B", "workless"] == pytest.approx(0.225 * 600)             # employment decile 2 typical score
    assert n.loc["C", "working_age"] == pytest.approx(500) and n.loc["C", "working_age_estimated"]
    assert n.loc["C", "workless"] == pytest.approx(0.179 * 500)             # IMD decile 3
    assert list(n["workless_basis"]) == ["score", "decile", "decile", "none"]
    assert n.loc["D", "workless"] == 0


@pytest.fixture(scope="module")
def tiny():
    layers = tiny_layers()
    return prepare_units(layers["wards"], layers["lsoas"], kind="wards", code_col="ward_code",
                              name_col="ward_name")


def test_tiny_ward_profiles(tiny):
    s = make_scenario({"West": ["E05900001"], "Both": ["E05900002"]}, unit_layer="wards", assumptions=HAND)
    prof = assess_lots(tiny, s)
    west = prof.loc["West"]
    assert west["population"] == 3100 and west["working_age"] == 1850 and west["lsoas"] == 2
    # employment deciles 2 and 3 -> typical scores 0.225 and 0.178
    assert west["workless"] == pytest.approx(900 * 0.225 + 950 * 0.178)
    assert west["workless_basis"] == "estimate from decile"
    assert west["share_most_deprived_10"] == pytest.approx(1500 / 3100)
    assert west["share_most_deprived_20"] == pytest.approx(1.0)
    assert west["imd_profile"] == "1 1 0 0 0 0 0 0 0 0"
    assert west["participants"] == pytest.approx(west["workless"] * 0.2)
    assert prof.loc["Both", "share_most_deprived_20"] == 0
    assert any("below minimum value" in f for f in west["flags"])


def test_flags_contiguity_value_and_served(tiny):
    g = grid(3, 3)
    lsoas = g.rename(columns={"code": "lsoa_code"}).assign(population=2000, working_age=1200,
                                                           employment_score=0.25, imd_decile=1)
    lu = prepare_units(lsoas, lsoas, kind="lsoas", code_col="lsoa_code")
    a = LotValueModel(min_value_gbp=0, min_advisors=0)
    s = make_scenario({"Split": ["r0c0", "r0c2"], "Row": ["r2c0", "r2c1", "r2c2"]}, unit_layer="lsoas",
                           assumptions=a, served=["r2c1"])
    prof = assess_lots(lu, s)
    assert prof.loc["Split", "flags"] == ["not contiguous: 2 separate parts"]
    assert len(prof.loc["Row", "flags"]) == 1 and "served by another programme (33% of its area: r2c1)" in \
        prof.loc["Row", "flags"][0]
    big = make_scenario({"Row": ["r2c0", "r2c1", "r2c2"]}, unit_layer="lsoas",
                             assumptions=LotValueModel(min_value_gbp=10_000_000, min_advisors=50))
    flags = assess_lots(lu, big).loc["Row", "flags"]
    assert flags[0].startswith("below minimum value") and flags[1].startswith("below minimum advisors")


def test_extension_adds_adjacent_units_outside_lots():
    g = grid(3, 3)
    lsoas = g.rename(columns={"code": "lsoa_code"}).assign(population=1000, working_age=500, employment_score=0.2)
    lu = prepare_units(lsoas, lsoas, kind="lsoas", code_col="lsoa_code")
    s = make_scenario({"Centre": ["r1c1"], "Corner": ["r0c0"]}, unit_layer="lsoas", assumptions=HAND)
    ext = extension(lu, s)
    assert ext.loc["Centre", "adjacent_codes"] == ["r0c1", "r1c0", "r1c2", "r2c1"]
    assert ext.loc["Corner", "adjacent_codes"] == ["r0c1", "r1c0"]
    assert ext.loc["Centre", "added_workless"] == pytest.approx(400)
    assert ext.loc["Centre", "added_participants"] == pytest.approx(80)
    rp = extension(lu, s, eligible_cohorts=["Rapid Progression"])
    assert rp.loc["Centre", "added_participants"] == pytest.approx(80 * 0.30)


def test_scenarios_are_checked_and_round_trip(tiny):
    with pytest.raises(DataError) as err:
        make_scenario({"A": ["E05900001"], "B": ["E05900001", "E05999999"], " ": []}, unit_layer="wards",
                           known=tiny.codes)
    text = str(err.value)
    assert "already in lot 'A'" in text and "E05999999 is not in the wards layer" in text and "no name" in text
    s = make_scenario({"A": ["E05900001"]}, unit_layer="wards", served=["E05900002"],
                           assumptions=LotValueModel(caseload=40))
    back = scenario_from_payload(scenario_payload(s), known=tiny.codes)
    assert back == s


def test_enrolled_counts_are_suppressed_in_display(tiny):
    layers = tiny_layers()
    s = make_scenario({"West": ["E05900001"], "East": ["E05900002"]}, unit_layer="wards")
    enrolled = enrolled_per_lot(layers["participants"], tiny, s)
    assert enrolled.to_dict() == {"West": 11, "East": 1}
    table = display_table(assess_lots(tiny, s), enrolled=enrolled)
    assert table.loc["East", "Enrolled so far"] == "<5"
    assert table.loc["West", "Enrolled so far"] == "11"


# ---- comparison and exports -----------------------------------------------------------------------
def test_compare_table(tiny):
    one = assess_lots(tiny, make_scenario({"A": ["E05900001"]}, unit_layer="wards"))
    two = assess_lots(tiny, make_scenario({"A": ["E05900001"], "B": ["E05900002"]}, unit_layer="wards"))
    table = compare_table({"One": one, "Two": two})
    assert list(table.columns) == ["One", "Two"]
    assert table.loc["Lots"].tolist() == ["1", "2"]
    assert table.loc["Residents"].tolist() == ["3,100", "6,200"]


def test_exports(tiny, tmp_path):
    layers = tiny_layers()
    s = make_scenario({"West": ["E05900001"], "East": ["E05900002"]}, unit_layer="wards")
    prof = assess_lots(tiny, s)
    enrolled = enrolled_per_lot(layers["participants"], tiny, s)
    gpkg = tmp_path / "lots.gpkg"
    gpkg.write_bytes(export_gpkg(tiny, s, prof, attribution="Test attribution"))
    assert {str(n) for n, _ in pyogrio.list_layers(gpkg)} == {"lots", "lot_units", "assumptions", "about"}
    shapes = gpd.read_file(gpkg, layer="lots")
    assert shapes.crs.to_epsg() == 27700 and sorted(shapes["lot"]) == ["East", "West"]
    assert shapes.set_index("lot").loc["West", "population"] == 3100
    about = pyogrio.read_dataframe(gpkg, layer="about")
    assert "Test attribution" in set(about["value"])

    csv = export_csv(prof, attribution="Test attribution", enrolled=enrolled).decode("utf-8-sig")
    assert csv.startswith("# Patchwork lot profiles") and "Test attribution" in csv.splitlines()[0]
    table = pd.read_csv(_io.StringIO(csv), comment="#")
    assert list(table["Lot"]) == ["West", "East"] and "<5" in set(table["Enrolled so far"])

    book = openpyxl.load_workbook(_io.BytesIO(export_xlsx(tiny, s, prof, enrolled=enrolled)))
    assert book.sheetnames == ["Lots", "Units", "Assumptions", "About"]

    pdf = summary_pdf(tiny, s, prof, attribution="Test attribution", enrolled=enrolled)
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 2 or \
        pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 2
    one = summary_pdf(tiny, s, prof, lots=["West"])
    assert one.count(b"/Type /Page") - one.count(b"/Type /Pages") == 1


def test_exports_never_hand_a_spreadsheet_a_formula(tiny):
    s = make_scenario({"=HYPERLINK(1)": ["E05900001"], "@West": ["E05900002"]}, unit_layer="wards")
    prof = assess_lots(tiny, s)
    csv = export_csv(prof).decode("utf-8-sig")
    assert "\n'=HYPERLINK(1)," in csv and "\n'@West," in csv
    book = openpyxl.load_workbook(_io.BytesIO(export_xlsx(tiny, s, prof)))
    lots_sheet, units = book["Lots"], book["Units"]
    assert [c.value for c in lots_sheet["A"]][1:] == ["'=HYPERLINK(1)", "'@West"]
    assert {c.value for c in units["A"]} >= {"'=HYPERLINK(1)", "'@West"}
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert safe_filename("Kelderby lots: v2") == "kelderby-lots-v2" and safe_filename("  ") == "lots"
