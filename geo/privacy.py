"""The small-number rule: counts of people below a threshold are never shown as numbers.

Every count of participants that reaches a screen, tooltip, table or export passes through
`suppress`. Zero is not suppressed (it tells nobody anything about a person); 1 to threshold-1 read
"<5"; the rest are shown with thousands separators.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

THRESHOLD = 5

#: Engagement bands used on the map, in order. Labels are safe to show at any count.
BANDS: tuple[str, ...] = ("none", "<5", "5–9", "10+")


def suppress(count: int | float | None, *, threshold: int = THRESHOLD) -> str:
    """Display text for a count of people: 0 → "0", 1..threshold-1 → "<threshold", else "1,234"."""
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    if count is None or (isinstance(count, float) and np.isnan(count)):
        return "–"
    n = int(count)
    if n < 0:
        raise ValueError(f"a count of people cannot be negative, got {count}")
    if n == 0:
        return "0"
    if n < threshold:
        return f"<{threshold}"
    return f"{n:,}"


def suppress_series(counts: Iterable[int] | pd.Series, *, threshold: int = THRESHOLD) -> pd.Series:
    """`suppress` applied to every count; keeps the index of a Series."""
    series = counts if isinstance(counts, pd.Series) else pd.Series(list(counts))
    return series.map(lambda n: suppress(n, threshold=threshold)).astype("string")


def band(counts: np.ndarray | pd.Series | Iterable[int]) -> np.ndarray:
    """Map counts of people to BANDS labels: 0 'none', 1-4 '<5', 5-9 '5–9', 10+ '10+'."""
    arr = np.asarray(list(counts) if not isinstance(counts, (np.ndarray, pd.Series)) else counts,
                     dtype="int64")
    idx = np.digitize(arr, [1, THRESHOLD, 10])
    labels: np.ndarray = np.asarray(BANDS, dtype=object)[idx]
    return labels


def secondary_suppress(
    counts: pd.DataFrame,
    *,
    threshold: int = THRESHOLD,
    row_totals: bool = True,
    col_totals: bool = True,
) -> pd.DataFrame:
    """Display strings for a table of counts of people, safe even when totals are shown.

    Primary suppression: cells from 1 to threshold-1 read "<threshold". Secondary suppression: a
    row or column whose total is shown and that holds exactly one suppressed cell would let a
    reader subtract the others from the total and recover it, so the smallest other non-zero cell
    in that line is suppressed too (it reads "<threshold" only if it really is small, else "*").
    Repeats until no line has a single suppressed cell. Zero cells stay "0" (a zero cannot be
    worked back to a person); totals themselves are shown with `suppress`.
    """
    values = counts.to_numpy(dtype="int64")
    if (values < 0).any():
        raise ValueError("counts of people cannot be negative")
    hidden = (values > 0) & (values < threshold)
    secondary = np.zeros_like(hidden)

    def fix_lines(mat_hidden: np.ndarray, mat_secondary: np.ndarray, vals: np.ndarray) -> bool:
        changed = False
        for i in range(vals.shape[0]):
            row_hidden = mat_hidden[i] | mat_secondary[i]
            if row_hidden.sum() == 1:
                candidates = np.flatnonzero(~row_hidden & (vals[i] > 0))
                if candidates.size:
                    j = candidates[np.argmin(vals[i, candidates])]
                    mat_secondary[i, j] = True
                    changed = True
        return changed

    for _ in range(values.size + 1):
        changed = False
        if row_totals:
            changed |= fix_lines(hidden, secondary, values)
        if col_totals:
            changed |= fix_lines(hidden.T, secondary.T, values.T)
        if not changed:
            break
    text = np.empty(values.shape, dtype=object)
    for (i, j), v in np.ndenumerate(values):
        if hidden[i, j]:
            text[i, j] = f"<{threshold}"
        elif secondary[i, j]:
            text[i, j] = "*"
        else:
            text[i, j] = suppress(int(v), threshold=threshold)
    out = pd.DataFrame(text, index=counts.index, columns=counts.columns)
    if row_totals:
        out["Total"] = [suppress(int(v), threshold=threshold) for v in values.sum(axis=1)]
    if col_totals:
        total_row = [suppress(int(v), threshold=threshold) for v in values.sum(axis=0)]
        if row_totals:
            total_row.append(suppress(int(values.sum()), threshold=threshold))
        out.loc["Total"] = total_row
    return out
