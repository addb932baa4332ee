"""The import report every importer fills in: rows read, used, rejected and flagged, with reasons.

Row numbers follow what a person sees: in a table the header is row 1, so the first data row is row 2
(as in a spreadsheet); in a vector file (GeoJSON, GeoPackage, Shapefile) features count from 1.
Pure: no file access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Table rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
#: How many individual rows a report lists before it summarises.
MAX_LISTED = 200

@dataclass(frozen=True)
class RowIssue:
    """One row rejected (or kept with a warning): where, which column, the value and why."""

    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.column}: {self.value} {self.reason}"


@dataclass
class OutsideArea:
    """The points of one file further outside the area than the margin: left out, or kept (flagged
    "outside the area", for reach only) when the user asked to keep them."""

    what: str  # plural, as the sentence says it: "venues", "partner sites"
    margin_km: float
    kept: bool
    rows: list[RowIssue] = field(default_factory=list)

    def sentence(self, source: str) -> str:
        n = len(self.rows)
        noun = self.what if n != 1 else self.what.removesuffix("s")
        head = f"{n:,} {noun} more than {self.margin_km:g} km outside the area {'were' if n != 1 else 'was'}"
        if not self.kept:
            return f"{head} left out ({source})."
        return (f"{head} kept, flagged 'outside the area' ({source}): they count for reach only, never as hubs, "
                "satellites or session venues, nor in the area's figures.")


@dataclass
class ImportReport:
    """What one file gave: rows read, used, rejected (with reasons), flagged, and what was assumed."""

    source: str
    what: str
    rows_read: int = 0
    rows_used: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    flagged: list[RowIssue] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outside: OutsideArea | None = None

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def outside_summary(self) -> str | None:
        """'309 venues more than 2 km outside the area were left out (file).', or None when none were."""
        if self.outside is None or not self.outside.rows:
            return None
        return self.outside.sentence(self.source)

    def summary(self) -> str:
        text = f"{self.source} ({self.what}): {self.rows_read:,} rows read, {self.rows_used:,} used"
        if self.rejected:
            text += f", {len(self.rejected):,} rejected"
        if self.flagged:
            text += f", {len(self.flagged):,} flagged"
        if self.outside is not None and self.outside.rows:
            text += f", {len(self.outside.rows):,} {'kept outside the area' if self.outside.kept else 'left out'}"
        return text

    def lines(self) -> list[str]:
        """The whole report as plain lines (for the CLI and for storing in the workspace)."""
        out = [self.summary()]
        out += [f"  rejected {issue}" for issue in self.rejected[:MAX_LISTED]]
        if len(self.rejected) > MAX_LISTED:
            out.append(f"  ... and {len(self.rejected) - MAX_LISTED:,} more rejected rows")
        out += [f"  flagged {issue}" for issue in self.flagged[:MAX_LISTED]]
        if len(self.flagged) > MAX_LISTED:
            out.append(f"  ... and {len(self.flagged) - MAX_LISTED:,} more flagged rows")
        if (sentence := self.outside_summary()) and self.outside is not None:
            out.append(f"  {sentence}")
            out += [f"  outside {issue}" for issue in self.outside.rows[:MAX_LISTED]]
            if len(self.outside.rows) > MAX_LISTED:
                out.append(f"  ... and {len(self.outside.rows) - MAX_LISTED:,} more outside the area")
        out += [f"  assumed: {a}" for a in self.assumptions]
        out += [f"  note: {n}" for n in self.notes]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "what": self.what, "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rejected": [str(i) for i in self.rejected[:MAX_LISTED]],
            "rejected_count": len(self.rejected),
            "flagged": [str(i) for i in self.flagged[:MAX_LISTED]],
            "flagged_count": len(self.flagged),
            "assumptions": list(self.assumptions), "notes": list(self.notes),
            "outside": [str(i) for i in (self.outside.rows if self.outside else [])[:MAX_LISTED]],
            "outside_count": len(self.outside.rows) if self.outside else 0,
            "outside_kept": bool(self.outside and self.outside.kept),
            "outside_summary": self.outside_summary() or "",
        }

