"""The guard every export passes: no participant identifier, no count of people from 1 to 4.

- `safe_table` drops identifier columns (and geometry unless kept), suppresses every column whose
  name says it counts people (`is_people_column`: 1 to 4 read "<5", via geo.privacy.suppress) and
  then checks the result;
- `check_table` / `check_text` raise `PrivacyError` when a table or a text still holds an identifier
  column, a raw small count of people or a participant identifier (an upstream bug, never bad data);
- `scrub_payload` does the same to a saved plan's JSON-like payload.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.privacy import THRESHOLD, suppress


class PrivacyError(ValueError):
    """An export would contain a participant identifier or an unsuppressed small count (a bug)."""


_IDENTIFIER_COLUMN = re.compile(r"participant_id|pseudonym|person_id|salt", re.IGNORECASE)
_PEOPLE_COLUMN = re.compile(
    r"(^|_)(participants|people|persons|enrolments|enrolled_people|job_starts|unmatched|caseload_now)(_|$)",
    re.IGNORECASE)
_NOT_A_COUNT = re.compile(r"(^|_)(pct|share|rate|per|percent|text)(_|$)|_pct$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(\.\d+)?")
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
#: What a missing count of people reads in an export.
MISSING = "–"


def is_text(column: pd.Series) -> bool:
    """True for a column of text (str or object dtype)."""
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def is_identifier_column(name: str) -> bool:
    return bool(_IDENTIFIER_COLUMN.search(str(name)))


def is_people_column(name: str) -> bool:
    """True for a column that counts people (participants, job_starts, ...), not a share of them."""
    name = str(name)
    return bool(_PEOPLE_COLUMN.search(name)) and not _NOT_A_COUNT.search(name)


def suppress_value(v: object, threshold: int = THRESHOLD) -> object:
    """One cell of a people column, suppressed: numbers (or number text) as geo.privacy.suppress
    writes them, missing as MISSING, booleans and other text unchanged."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)):
        return suppress(max(float(v), 0.0), threshold=threshold)
    text = str(v).strip().replace(",", "")
    if _NUMBER.fullmatch(text):
        return suppress(float(text), threshold=threshold)
    return v


def safe_table(frame: pd.DataFrame, *, participant_ids: Collection[str] = (),
               threshold: int = THRESHOLD, keep_geometry: bool = False) -> pd.DataFrame:
    """A copy fit for export: identifier columns dropped, counts of people suppressed, checked.

    Geometry columns are dropped unless `keep_geometry`. Raises PrivacyError when any cell equals
    one of `participant_ids` (an upstream bug: a table must never carry one).
    """
    out = frame.copy()
    if not keep_geometry:
        geo_cols = [c for c in out.columns if isinstance(out[c].dtype, gpd.array.GeometryDtype)]
        out = pd.DataFrame(out.drop(columns=geo_cols))
    out = out.drop(columns=[c for c in out.columns if is_identifier_column(c)])
    for col in out.columns:
        if is_people_column(col):
            out[col] = pd.Series([suppress_value(v, threshold) for v in out[col]], index=out.index,
                                 dtype=object)
    check_table(out, participant_ids=participant_ids, threshold=threshold)
    return out


def _small_count_problem(frame: pd.DataFrame, col: str, threshold: int) -> str | None:
    for v in frame[col]:
        if isinstance(v, (bool, np.bool_)):
            continue
        try:
            n = float(str(v).replace(",", ""))
        except ValueError:
            continue
        if 0 < n < threshold:
            return f"column '{col}' holds a count of people below {threshold} ({v})"
    return None


def check_table(frame: pd.DataFrame, *, participant_ids: Collection[str] = (),
                threshold: int = THRESHOLD) -> None:
    """Raise PrivacyError if `frame` holds an identifier column, a raw count of 1..threshold-1 in
    a people column, or a cell equal to a participant identifier."""
    problems: list[str] = []
    for col in frame.columns:
        if is_identifier_column(col):
            problems.append(f"column '{col}' is a participant identifier")
        if is_people_column(col):
            problem = _small_count_problem(frame, col, threshold)
            if problem:
                problems.append(problem)
    ids = set(map(str, participant_ids))
    if ids:
        for col in frame.columns:
            if is_text(frame[col]):
                hits = set(frame[col].dropna().astype(str)) & ids
                if hits:
                    problems.append(f"column '{col}' holds {len(hits)} participant identifier(s)")
    if problems:
        raise PrivacyError("; ".join(problems))


def check_text(text: str, *, participant_ids: Collection[str] = ()) -> None:
    """Raise PrivacyError if any participant identifier appears as a token in `text`."""
    ids = {str(i) for i in participant_ids if len(str(i)) >= 4}
    if not ids:
        return
    hits = set(_TOKEN.findall(text)) & ids
    if hits:
        raise PrivacyError(f"export text holds {len(hits)} participant identifier(s)")


def scrub_payload(obj: object, *, participant_ids: Collection[str] = (), threshold: int = THRESHOLD) -> object:
    """A plan payload (JSON-like) with identifier keys removed, people counts suppressed and any
    string equal to a participant identifier replaced by '[removed]'."""
    ids = set(map(str, participant_ids))

    def walk(v: object, key: str = "") -> object:
        if isinstance(v, Mapping):
            return {k: walk(x, str(k)) for k, x in v.items() if not is_identifier_column(str(k))}
        if isinstance(v, (list, tuple)):
            return [walk(x, key) for x in v]
        if isinstance(v, str) and v in ids:
            return "[removed]"
        if key and is_people_column(key) and isinstance(v, (int, float)) and not isinstance(v, bool):
            return suppress_value(v, threshold)
        return v

    return walk(obj)
