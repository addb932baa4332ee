"""Optional cells read safely: None, pd.NA, NaN, NaT and blank text all count as missing.

Venue, session and stop tables come from files and editable tables, where an optional column (an
address, a contact, wi-fi) may hold pd.NA. `pd.NA or ""` and `bool(pd.NA)` raise "boolean value of NA
is ambiguous", so optional cells are read through these helpers, never with `or` or `bool()`.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd


def is_missing(value: object) -> bool:
    """None, pd.NA, NaN or NaT (a scalar that pandas reads as missing); False for array-likes."""
    try:
        return bool(pd.isna(cast(Any, value)))
    except (TypeError, ValueError):
        return False


def text_or(value: object, default: str = "") -> str:
    """The cell as stripped text, or `default` when it is missing or blank."""
    if is_missing(value):
        return default
    text = str(value).strip()
    return text or default


def is_true(value: object) -> bool:
    """True only for a cell that holds a true value (missing reads as not true)."""
    if is_missing(value):
        return False
    return bool(value)


def number_or_none(value: object) -> float | None:
    """The cell as a number, or None when it is missing (ValueError for text that is not a number)."""
    if is_missing(value):
        return None
    return float(cast(Any, value))
