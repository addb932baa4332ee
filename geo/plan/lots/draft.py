"""`LotDraft`: the lots being edited on the Lots page, as a typed, immutable state machine.

Every edit is a method returning a new draft (the old one is untouched), so a page keeps one draft in
its session and replaces it on each edit. The rules:

- a unit is in at most one lot: putting it into a lot takes it out of any other;
- lot names are unique: a new lot named like an existing one becomes 'Name (2)', 'Name (3)', ...;
- `active` names the lot map clicks add to; it is None only when there are no lots;
- `revision` counts edits of the lots and served areas and `model_revision` replacements of the value
  model (a page keys its widgets on them, so a widget shows the draft after every edit);
- `loaded` is the saved scenario (name, version) the draft was loaded from or last saved as; a save
  under another existing name is refused (`expected_version`), so nothing is overwritten unseen.

Nothing here checks codes against a layer; `scenario(known=...)` does, as `make_scenario` does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from geo.assumptions import LotValueModel
from geo.model import DataError
from geo.plan.lots.scenario import Scenario, make_scenario

CURRENT_OPTION = "Current lots (unsaved)"


def _unique(name: str, taken: Collection[str]) -> str:
    base, i, out = name, 2, name
    while out in taken:
        out, i = f"{base} ({i})", i + 1
    return out


@dataclass(frozen=True)
class LotDraft:
    """Lots being edited: lot name -> unit codes (in the order added), on one unit layer."""

    unit_layer: str
    lots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    active: str | None = None
    served: tuple[str, ...] = ()
    model: LotValueModel = field(default_factory=LotValueModel)
    loaded: tuple[str, int] | None = None
    revision: int = 0
    model_revision: int = 0

    # ---- reading ---------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return list(self.lots)

    def lot_of(self, code: str) -> str | None:
        """The lot holding `code`, if any."""
        return next((name for name, codes in self.lots.items() if code in codes), None)

    def taken(self) -> set[str]:
        """Every unit in some lot."""
        return {c for codes in self.lots.values() for c in codes}

    def scenario(self, *, known: Iterable[str] | None = None) -> Scenario:
        """The draft as a checked scenario (DataError when a code is not in `known`)."""
        return make_scenario(self.lots, unit_layer=self.unit_layer, assumptions=self.model, served=self.served,
                             known=known)

    # ---- edits -----------------------------------------------------------------------------------
    def _with_lots(self, lots: Mapping[str, Sequence[str]], active: str | None) -> LotDraft:
        frozen = {k: tuple(v) for k, v in lots.items()}
        if active not in frozen:
            active = next(iter(frozen), None)
        return replace(self, lots=frozen, active=active, revision=self.revision + 1)

    def add_lot(self, name: str = "") -> LotDraft:
        """A new empty lot (named 'Lot n' when `name` is blank), made active."""
        name = name.strip() or f"Lot {len(self.lots) + 1}"
        name = _unique(name, self.lots)
        return self._with_lots({**self.lots, name: ()}, name)

    def remove_lot(self, name: str | None = None) -> LotDraft:
        """Without lot `name` (default the active one); the first remaining lot becomes active."""
        gone = self.active if name is None else name
        rest = {k: v for k, v in self.lots.items() if k != gone}
        return self._with_lots(rest, self.active if self.active != gone else None)

    def rename_lot(self, new: str, old: str | None = None) -> LotDraft:
        """Lot `old` (default the active one) renamed, keeping its place; unchanged (but for the revision)
        when `new` is blank or taken."""
        new, old = new.strip(), self.active if old is None else old
        if not new or old not in self.lots or new in self.lots:
            return replace(self, revision=self.revision + 1)
        renamed = {(new if k == old else k): v for k, v in self.lots.items()}
        return self._with_lots(renamed, new if self.active == old else self.active)

    def choose(self, name: str) -> LotDraft:
        """Lot `name` becomes the active one."""
        return self._with_lots(self.lots, name)

    def set_units(self, lot: str, codes: Iterable[str]) -> LotDraft:
        """Lot `lot` holds exactly `codes` (created if new); they leave every other lot."""
        chosen = list(dict.fromkeys(codes))
        out: dict[str, Sequence[str]] = {k: [c for c in v if c not in chosen] for k, v in self.lots.items()}
        out[lot] = chosen
        return self._with_lots(out, self.active if self.active in out else lot)

    def add_unit(self, code: str, lot: str | None = None) -> LotDraft:
        """`code` appended to lot `lot` (default the active one, or a new 'Lot 1' when there are no lots),
        out of any other lot; unchanged but for the revision if it is there already."""
        draft = self if self.lots or lot is not None else self.add_lot()
        target = (draft.active or "") if lot is None else lot
        current = draft.lots.get(target, ())
        if code in current:
            return replace(draft, revision=draft.revision + 1)
        return draft.set_units(target, [*current, code])

    def remove_unit(self, code: str) -> LotDraft:
        """`code` out of whichever lot holds it (the lot stays, even if empty)."""
        out = {k: [c for c in v if c != code] for k, v in self.lots.items()}
        return self._with_lots(out, self.active)

    def toggle_unit(self, code: str) -> LotDraft:
        """A click on a unit: out of the active lot if in it, else into the active lot (out of any other).
        With no lots yet, a 'Lot 1' is made for it."""
        if self.active is not None and code in self.lots.get(self.active, ()):
            return self.remove_unit(code)
        return self.add_unit(code)

    def set_served(self, codes: Iterable[str]) -> LotDraft:
        """The units served by another programme."""
        return replace(self, served=tuple(dict.fromkeys(codes)), revision=self.revision + 1)

    def replace_lots(self, lots: Mapping[str, Sequence[str]]) -> LotDraft:
        """Every lot replaced (a suggestion); the first becomes active."""
        return self._with_lots(lots, None)

    def add_lots(self, lots: Iterable[tuple[str, Sequence[str]]]) -> tuple[LotDraft, list[str]]:
        """New lots (e.g. from place names), each without the units already in a lot; lots left with no
        units are not added. Returns the draft (the first added lot active) and the names added."""
        out: dict[str, Sequence[str]] = dict(self.lots)
        added: list[str] = []
        for name, codes in lots:
            taken = {c for v in out.values() for c in v}
            free = [c for c in dict.fromkeys(codes) if c not in taken]
            if free:
                name = _unique(name, out)
                out[name] = free
                added.append(name)
        return self._with_lots(out, added[0] if added else self.active), added

    def with_model(self, model: LotValueModel, *, reset_widgets: bool = False) -> LotDraft:
        """The draft on value model `model` (`reset_widgets` when the model did not come from the widgets)."""
        return replace(self, model=model, model_revision=self.model_revision + (1 if reset_widgets else 0))

    def on_layer(self, unit_layer: str) -> LotDraft:
        """An empty draft on another unit layer, keeping the value model."""
        return LotDraft(unit_layer, model=self.model)

    # ---- saving and loading ----------------------------------------------------------------------
    def expected_version(self, name: str, saved: Collection[str]) -> int | None:
        """The version a save under `name` replaces: the loaded one, or None for a new name. A name
        already saved, but not the one loaded, is refused (DataError)."""
        name = name.strip()
        if self.loaded and self.loaded[0] == name:
            return self.loaded[1]
        if name in saved:
            raise DataError(f"a scenario called '{name}' is already saved. Load it first to update it, or choose "
                            "another name.", source="save")
        return None

    def saved_as(self, name: str, version: int) -> LotDraft:
        return replace(self, loaded=(name.strip(), version))

    def deleted(self, name: str) -> LotDraft:
        """After scenario `name` was deleted: no longer loaded from it."""
        return replace(self, loaded=None) if self.loaded and self.loaded[0] == name else self

    @classmethod
    def from_scenario(cls, s: Scenario, *, loaded: tuple[str, int] | None = None,
                      after: LotDraft | None = None) -> LotDraft:
        """A draft of scenario `s` (its first lot active); `after` is the draft it replaces, so the
        revisions keep counting up."""
        rev, mrev = (after.revision + 1, after.model_revision + 1) if after is not None else (0, 0)
        return cls(s.unit_layer, lots={k: tuple(v) for k, v in s.lots.items()}, active=next(iter(s.lots), None),
                   served=tuple(s.served), model=s.assumptions, loaded=loaded, revision=rev, model_revision=mrev)

    def compare_options(self, saved: Sequence[str]) -> tuple[list[str], list[str]]:
        """What can be compared (the current lots, when there are any, then the saved scenarios) and
        what is compared by default (up to three saved, or the current and two saved)."""
        options = ([CURRENT_OPTION] if self.lots else []) + list(saved)
        default = list(saved)[:3] if len(saved) >= 2 else options[:3]
        return options, default

