"""Lots: suggesting 9 lots over the West Midlands combined authority (192 wards, 1,719 LSOAs).

Target from issue 6: under 10 s. `lots.suggest_wmca_9` times what the page does after the workspace is
loaded: need per ward from the LSOAs, ward adjacency, then the suggestion. `lots.suggest_wmca_9_from_files`
adds reading the boundary, IoD2025 and Census files. `lots.suggest_wmca_lsoas_9` suggests over the 1,719
LSOAs instead of wards. Needs ../shared/data (PATCHWORK_DATA).
"""

from __future__ import annotations

from typing import Any

from bench.harness import benchmark
from geo.assumptions import LotValueModel
from geo.io import data_dir
from geo.plan.lots.suggest import suggest_lots
from geo.plan.lots.units import prepare_units
from tests.realdata import lots_data as ld


def _read() -> dict[str, Any]:
    data = data_dir()
    if not (data / "boundaries" / "wards" / "E47000007.geojson").exists():
        raise RuntimeError(f"real data not found in {data} (set PATCHWORK_DATA)")
    return {"data": data, "wards": ld.wards(data, "E47000007"), "lsoas": ld.lsoas_2021(data, "E47000007")}


def _suggest(wards: Any, lsoas: Any, *, kind: str = "wards") -> None:
    if kind == "wards":
        lu = prepare_units(wards, lsoas, kind="wards", code_col="ward_code", name_col="ward_name", lad_col="lad_name")
    else:
        lu = prepare_units(lsoas, lsoas, kind="lsoas", code_col="lsoa_code", name_col="lsoa_name")
    out = suggest_lots(lu, LotValueModel(), k=9)
    if len(out.lots) != 9:
        raise RuntimeError(f"expected 9 lots, got {len(out.lots)}: {out.notes}")


@benchmark("lots.suggest_wmca_9", target_s=10.0, setup=_read, repeat=5)
def suggest_wmca_9(state: dict[str, Any]) -> None:
    _suggest(state["wards"], state["lsoas"])


@benchmark("lots.suggest_wmca_9_from_files", target_s=10.0, setup=_read, repeat=3)
def suggest_wmca_9_from_files(state: dict[str, Any]) -> None:
    ld.clear_caches()
    _suggest(ld.wards(state["data"], "E47000007"), ld.lsoas_2021(state["data"], "E47000007"))


@benchmark("lots.suggest_wmca_lsoas_9", target_s=10.0, setup=_read, repeat=3)
def suggest_wmca_lsoas_9(state: dict[str, Any]) -> None:
    _suggest(state["wards"], state["lsoas"], kind="lsoas")
