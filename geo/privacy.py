"""The small-number rule: counts of people below a threshold are never shown as numbers.

Every count of participants that reaches a screen, tooltip, table or export passes through
`suppress`. Zero is not suppressed (it tells nobody anything about a person); 1 to threshold-1 read
"<5"; the rest are shown with thousands separators.
"""

from __future__ import annotations

from typing import Iterable

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
    return np.asarray(BANDS, dtype=object)[idx]
