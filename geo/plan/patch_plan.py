"""A patch plan: which patch every LSOA is in, which patches are locked, which LSOAs were moved by hand.

Edits by hand (`move_lsoa`, `set_locked`) return a new plan; `patch_pieces` says whether each patch is
still in one piece on the units' adjacency. Plans are saved as JSON-ready payloads (`plan_payload`,
`plan_from_payload`) through geo.io's plan store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from geo.assumptions import CaseloadSettings
from geo.model import DataError, Problem
from geo.plan.patch_units import PatchUnits

PLAN_KIND = "patches"


@dataclass(frozen=True)
class PatchPlan:
    """A partition: `assignment` maps every LSOA code to a patch label; `labels` in order."""

    assignment: dict[str, str]
    labels: tuple[str, ...]
    lower: float
    upper: float
    locked: tuple[str, ...] = ()
    pinned: tuple[str, ...] = ()
    settings: CaseloadSettings = field(default_factory=CaseloadSettings)
    method: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    def members(self, label: str) -> tuple[str, ...]:
        """The LSOA codes of one patch, in the plan's order."""
        return tuple(c for c, p in self.assignment.items() if p == label)

    def locked_parts(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Every locked patch with its LSOAs: what a replan keeps as it is."""
        return tuple((label, self.members(label)) for label in self.locked)


def patch_labels(n: int) -> list[str]:
    return [f"Patch {i + 1}" for i in range(n)]


def assignment_index(units: PatchUnits, plan_assignment: Mapping[str, str], labels: Sequence[str]
                     ) -> NDArray[np.int64]:
    """The patch position of every unit (DataError when the plan does not cover the units)."""
    li = {label: k for k, label in enumerate(labels)}
    missing = [str(c) for c in units.codes if c not in plan_assignment]
    unknown = sorted({plan_assignment[c] for c in units.codes if c in plan_assignment} - set(li))
    if missing or unknown:
        raise DataError(Problem("patch plan", (f"{len(missing)} LSOAs ({', '.join(missing[:5])}) are in no patch. "
                                               if missing else "") +
                                (f"unknown patches {', '.join(unknown)}." if unknown else ""),
                                fix="Reopen the plan with the workspace it was made for, or plan afresh."))
    return np.array([li[plan_assignment[c]] for c in units.codes], dtype="int64")


def move_lsoa(plan: PatchPlan, code: str, to: str) -> PatchPlan:
    """Move one LSOA to another patch by hand (it is then pinned there). Contiguity is checked by
    `patch_pieces`, not refused here: the page warns when a patch falls into pieces."""
    if code not in plan.assignment:
        raise DataError(Problem("move", f"LSOA {code} is not in this plan."))
    if to not in plan.labels:
        raise DataError(Problem("move", f"there is no patch called {to!r}."))
    src = plan.assignment[code]
    for label in (src, to):
        if label in plan.locked:
            raise DataError(Problem("move", f"{label} is locked.", fix=f"Unlock {label} to change it."))
    if src == to:
        return plan
    if sum(1 for v in plan.assignment.values() if v == src) <= 1:
        raise DataError(Problem("move", f"{code} is the last LSOA of {src}; a patch cannot be empty."))
    assignment = dict(plan.assignment)
    assignment[code] = to
    pinned = tuple(sorted(set(plan.pinned) | {code}))
    return replace(plan, assignment=assignment, pinned=pinned, method=plan.method.split(" (")[0] + " (edited by hand)")


def set_locked(plan: PatchPlan, labels: Iterable[str]) -> PatchPlan:
    wanted = set(labels)
    return replace(plan, locked=tuple(label for label in plan.labels if label in wanted))


def move_targets(units: PatchUnits, plan: PatchPlan, code: str) -> tuple[list[str], list[str]]:
    """Where an LSOA can be moved: (the patches next to it, every other patch: those next to it first)."""
    pos = units.position
    near = sorted({plan.assignment[str(units.codes[j])] for j in units.adjacency[pos[code]].indices}
                  - {plan.assignment[code]}, key=plan.labels.index) if code in pos else []
    rest = [label for label in plan.labels if label not in near and label != plan.assignment.get(code)]
    return near, near + rest


def patch_pieces(units: PatchUnits, plan: PatchPlan) -> dict[str, int]:
    """Number of connected pieces of every patch (1 = contiguous)."""
    assign = assignment_index(units, plan.assignment, plan.labels)
    out = {}
    for k, label in enumerate(plan.labels):
        idx = np.flatnonzero(assign == k)
        if idx.size == 0:
            out[label] = 0
            continue
        n_comp, _ = connected_components(units.adjacency[idx][:, idx], directed=False)
        out[label] = int(n_comp)
    return out


def plan_payload(plan: PatchPlan) -> dict[str, Any]:
    return {"assignment": dict(plan.assignment), "labels": list(plan.labels), "lower": plan.lower, "upper": plan.upper,
            "locked": list(plan.locked), "pinned": list(plan.pinned), "settings": plan.settings.to_dict(),
            "method": plan.method, "notes": list(plan.notes)}


def plan_from_payload(payload: Mapping[str, Any]) -> PatchPlan:
    return PatchPlan(assignment={str(k): str(v) for k, v in dict(payload.get("assignment", {})).items()},
                     labels=tuple(payload.get("labels", ())), lower=float(payload.get("lower", 0.0)),
                     upper=float(payload.get("upper", 0.0)), locked=tuple(payload.get("locked", ())),
                     pinned=tuple(payload.get("pinned", ())),
                     settings=CaseloadSettings.from_dict(payload.get("settings", {})),
                     method=str(payload.get("method", "saved")), notes=tuple(payload.get("notes", ())))
