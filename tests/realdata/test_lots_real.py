"""Lots on real places: the four Working Together wards and the nine Connecting Communities
neighbourhoods, from ../shared/data (current and 2013 wards, 2021 LSOAs with IoD2025 and Census 2021
residents, 2011 LSOAs with IoD2019). Profiles are printed (run with -s) and attached with record_property.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.assumptions import LotValueModel
from geo.plan import places
from geo.plan.lots.profile import assess_lots
from geo.plan.lots.scenario import make_scenario
from geo.plan.lots.suggest import suggest_lots
from geo.plan.lots.tables import display_table
from geo.plan.lots.units import prepare_units
from tests.realdata import lots_data as ld

WT = ["Bilston East", "Darlaston South", "St Thomas's", "Princes End"]
WT_LADS = ["E08000031", "E08000030", "E08000027", "E08000028"]
CC = ["Birchills Leamore", "Batchley and Brockhill (Redditch)", "Cannock North", "Washwood Heath", "Shard End",
      "Chelmsley Wood", "Binley and Willenhall", "Camp Hill (Nuneaton)", "Glascote (Tamworth)"]
COLUMNS = ["unit_names", "lsoas", "population", "working_age", "share_most_deprived_10", "share_most_deprived_20",
           "workless", "workless_basis", "participants", "advisors", "lot_value_gbp", "job_outcomes",
           "pbr_income_gbp", "flags"]


def _show(title: str, prof: pd.DataFrame, record_property) -> None:
    table = prof[COLUMNS].copy()
    for col in ("population", "working_age", "workless", "participants", "lot_value_gbp", "job_outcomes",
                "pbr_income_gbp"):
        table[col] = table[col].round(0).astype(int)
    for col in ("share_most_deprived_10", "share_most_deprived_20", "advisors"):
        table[col] = table[col].round(2)
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 40):
        print(f"\n{title}\n{table}")
    record_property(title, table.to_dict(orient="index"))


@pytest.fixture(scope="module")
def aliases(data_dir):
    return pd.read_csv(data_dir / "boundaries" / "ward_name_aliases.csv")


@pytest.fixture(scope="module")
def cc_area(data_dir, aliases):
    lads = sorted(set(aliases["lad_code"]))
    return {"wards": ld.wards(data_dir, lads), "old": ld.wards_2013(data_dir, lads),
            "lsoas": ld.lsoas_2021(data_dir, lads)}


def test_working_together_wards_as_lots(data_dir, aliases, cc_area, record_property):
    found = places.resolve_places(WT, wards=cc_area["wards"], legacy_wards=cc_area["old"], aliases=aliases)
    assert list(found["boundary"]) == ["current"] * 4
    notes = dict(zip(found["query"], found["note"]))
    assert "Bilston East is now mostly Bilston South" in notes["Bilston East"] and "92%" in notes["Bilston East"]
    assert "unchanged" in notes["Darlaston South"] and "E05001255 -> E05015923" in notes["St Thomas's"]

    lsoas = cc_area["lsoas"]
    wards = cc_area["wards"][cc_area["wards"]["lad_code"].isin(WT_LADS)]
    lu = prepare_units(wards, lsoas, kind="wards",
                            code_col="ward_code", name_col="ward_name", lad_col="lad_name")
    s = make_scenario({q: codes for q, codes in zip(found["query"], found["codes"])}, unit_layer="wards:2025",
                           known=lu.codes)
    prof = assess_lots(lu, s)
    _show("Working Together wards (2025 wards, 2021 LSOAs, IoD2025, Census 2021)", prof, record_property)
    assert (prof["lsoas"] >= 5).all()
    assert prof["population"].between(8_000, 25_000).all()
    assert (prof["share_most_deprived_20"] > 0.3).all()     # all among England's most deprived wards
    assert (prof["workless_basis"] == "from employment score").all()
    assert not any("not contiguous" in f for flags in prof["flags"] for f in flags)

    # the same wards with IoD2019 on 2011 LSOAs: no employment score there, so the estimate is labelled
    lsoa11 = ld.lsoas_2011(data_dir, WT_LADS)
    lu11 = prepare_units(wards, lsoa11, kind="wards", code_col="ward_code", name_col="ward_name",
                              lad_col="lad_name")
    prof11 = assess_lots(lu11, s)
    _show("Working Together wards (2025 wards, 2011 LSOAs, IoD2019 deciles)", prof11, record_property)
    assert (prof11["workless_basis"] == "estimate from decile").all()
    assert display_table(prof11)["Estimated workless residents"].str.endswith("(estimate)").all()
    assert (prof11["share_most_deprived_20"] > 0.3).all()


def test_connecting_communities_nine_lots(aliases, cc_area, record_property):
    found = places.resolve_places(CC, wards=cc_area["wards"], legacy_wards=cc_area["old"], aliases=aliases)
    by = found.set_index("query")
    assert by.loc["Washwood Heath", "boundary"] == "legacy"
    assert "Alum Rock 68%" in by.loc["Washwood Heath", "note"]
    assert by.loc["Cannock North", "boundary"] == "legacy"
    assert by.loc["Chelmsley Wood", "boundary"] == "current" and not by.loc["Chelmsley Wood", "changed"]
    for q, row in by.iterrows():
        print(f"{q}: {row['note']}")

    lsoas = cc_area["lsoas"]
    within = places.lsoas_within(found, lsoas)
    assert set(within) == set(CC) and all(len(v) >= 4 for v in within.values())
    lu = prepare_units(lsoas, lsoas, kind="lsoas", code_col="lsoa_code", name_col="lsoa_name")
    s = make_scenario(within, unit_layer="lsoas", known=lu.codes)
    prof = assess_lots(lu, s)
    prof["unit_names"] = [f"{len(within[q])} LSOAs in {by.loc[q, 'boundary']} {by.loc[q, 'boundary_year']} boundary"
                          for q in prof.index]
    _show("Connecting Communities neighbourhoods (2021 LSOAs in their ward boundary, IoD2025, Census 2021)",
          prof, record_property)
    assert not any("not contiguous" in f for flags in prof["flags"] for f in flags)
    total = prof["lot_value_gbp"].sum()
    print(f"total value £{total:,.0f}; participants {prof['participants'].sum():,.0f}; "
          f"range £{prof['lot_value_gbp'].min():,.0f} to £{prof['lot_value_gbp'].max():,.0f}")
    # defaults are set so the nine lots come near the documented figures: about £4.0m and over 4,000 engaged
    assert 3_400_000 < total < 4_600_000
    assert 3_400 < prof["participants"].sum() < 4_600
    assert prof["share_most_deprived_20"].min() > 0.3


def test_wmca_wards_are_one_contiguous_region_and_nine_lots_can_be_suggested(data_dir):
    wards = ld.wards(data_dir, "E47000007")
    lsoas = ld.lsoas_2021(data_dir, "E47000007")
    assert len(wards) == 192 and len(lsoas) == 1719
    lu = prepare_units(wards, lsoas, kind="wards", code_col="ward_code", name_col="ward_name", lad_col="lad_name")
    assert len(lu.adjacency.parts(lu.codes)) == 1
    assert lu.membership.notna().all()
    out = suggest_lots(lu, LotValueModel(), k=9)
    prof = assess_lots(lu, make_scenario(out.lots, unit_layer="wards", known=lu.codes))
    assert len(prof) == 9 and all(not f for f in prof["flags"])
    print("\nsuggested:", {k: ", ".join(lu.names()[c] for c in v) for k, v in out.lots.items()})
