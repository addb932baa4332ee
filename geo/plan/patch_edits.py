"""The patch plan being edited on the Patches page: plan, lock, move, rebalance, reopen.

`PatchDesk` is a frozen value: each step returns a new desk, so the page keeps one in its session and
replaces it, and the steps are tested without Streamlit. `generation` counts the plans that arrived
whole (planned afresh or reopened from a save): widgets that show a plan's own settings (the locks)
reset when it changes. `error` says why the last "Plan patches" failed; the plan shown is then the
previous one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from geo.plan.patch_plan import PatchPlan, move_lsoa, set_locked
from geo.plan.patch_units import PatchUnits
from geo.plan.patches import rebalance


@dataclass(frozen=True)
class PatchDesk:
    """The current patch plan (None before the first), its generation and the last planning error."""

    plan: PatchPlan | None = None
    generation: int = 0
    error: str | None = None

    def current(self) -> PatchPlan:
        if self.plan is None:
            raise LookupError("no patch plan yet: plan patches first")
        return self.plan

    def locks(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The locked patches (with their LSOAs) a new plan keeps: none before the first plan."""
        return self.plan.locked_parts() if self.plan is not None else ()

    def planned(self, plan: PatchPlan) -> PatchDesk:
        """A new plan from the planner (or reopened from a save): a new generation, no error."""
        return PatchDesk(plan=plan, generation=self.generation + 1, error=None)

    reopened = planned

    def failed(self, message: str) -> PatchDesk:
        """Planning failed: keep the plan there was, and say why."""
        return replace(self, error=message)

    def cleared(self) -> PatchDesk:
        """The caseload under the plan changed: no plan until the next one is made."""
        return PatchDesk(plan=None, generation=self.generation, error=None)

    def with_locks(self, labels: Iterable[str]) -> PatchDesk:
        return replace(self, plan=set_locked(self.current(), labels))

    def moved(self, code: str, to: str) -> PatchDesk:
        """Move one LSOA by hand (DataError when the move is refused: locked, unknown, last of a patch)."""
        return replace(self, plan=move_lsoa(self.current(), code, to))

    def rebalanced(self, units: PatchUnits, *, time_limit_s: float = 5.0) -> PatchDesk:
        return replace(self, plan=rebalance(units, self.current(), time_limit_s=time_limit_s))
