"""A lot scenario: lot name -> unit codes (disjoint), with its value model and served areas, checked;
and its saved form (the payload of a geo.io plan of kind "lots").

The payload has been the same since lots were first saved: {"unit_layer", "lots", "assumptions",
"served"}, with `assumptions` keyed by the `LotValueModel` field names. Missing settings take the
defaults, so a scenario saved before a setting existed still loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.assumptions import LotValueModel
from geo.model import DataError, Problem

#: The kind lot scenarios are saved under (geo.io.save_plan / load_plan).
PLAN_KIND = "lots"


@dataclass(frozen=True)
class Scenario:
    """A lot option: lot name -> unit codes (disjoint), with its value model and served areas."""

    unit_layer: str
    lots: Mapping[str, tuple[str, ...]]
    assumptions: LotValueModel = field(default_factory=LotValueModel)
    served: tuple[str, ...] = ()

    def assignment(self) -> pd.Series:
        """unit code -> lot name."""
        pairs = [(c, name) for name, codes in self.lots.items() for c in codes]
        return pd.Series([p[1] for p in pairs], index=pd.Index([p[0] for p in pairs], name="unit"),
                         dtype="string", name="lot")


def make_scenario(lots: Mapping[str, Iterable[str]], *, unit_layer: str, assumptions: LotValueModel | None = None,
                  served: Iterable[str] = (), known: Iterable[str] | None = None) -> Scenario:
    """Build and check a scenario: lot names non-blank and distinct, each unit in at most one lot,
    every code known (when `known` is given). Raises DataError listing every problem."""
    problems: list[Problem] = []
    known_set = None if known is None else set(known)
    owner: dict[str, str] = {}
    out: dict[str, tuple[str, ...]] = {}
    for raw_name, raw_codes in lots.items():
        name = str(raw_name).strip()
        if not name:
            problems.append(Problem("lots", "a lot has no name.", fix="Name every lot."))
            continue
        if name in out:
            problems.append(Problem("lots", f"two lots are called '{name}'.", fix="Give each lot its own name."))
            continue
        codes = tuple(dict.fromkeys(str(c) for c in raw_codes))
        for c in codes:
            if known_set is not None and c not in known_set:
                problems.append(Problem(f"lot '{name}'", f"unit {c} is not in the {unit_layer} layer.",
                                        fix="Remove it, or choose the boundaries it belongs to."))
            if c in owner:
                problems.append(Problem(f"lot '{name}'", f"unit {c} is already in lot '{owner[c]}'; lots cannot "
                                        "overlap.", fix="Keep the unit in one lot only."))
            owner.setdefault(c, name)
        out[name] = codes
    if problems:
        raise DataError(problems)
    return Scenario(unit_layer=unit_layer, lots=out, assumptions=assumptions or LotValueModel(),
                    served=tuple(dict.fromkeys(str(s) for s in served)))


def scenario_payload(s: Scenario) -> dict[str, Any]:
    """A JSON-able dict for `geo.io.save_plan(kind="lots", payload=...)`."""
    return {"unit_layer": s.unit_layer, "lots": {k: list(v) for k, v in s.lots.items()},
            "assumptions": s.assumptions.to_dict(), "served": list(s.served)}


def scenario_from_payload(payload: Mapping[str, Any], *, known: Iterable[str] | None = None) -> Scenario:
    """The scenario a payload of `scenario_payload` (of this or an earlier version) describes, checked."""
    try:
        lots = payload["lots"]
        unit_layer = str(payload["unit_layer"])
    except (KeyError, TypeError):
        raise DataError(Problem("saved lots", "is missing its lots or unit layer.",
                                fix="Save the scenario again.")) from None
    return make_scenario(lots, unit_layer=unit_layer,
                         assumptions=LotValueModel.from_dict(payload.get("assumptions", {})),
                         served=payload.get("served", ()), known=known)
