"""Which column holds what: header roles, the user's column mapping, and reading numbers and values.

Pure functions on the headers and frames `geo.io` has read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.model import DataError, Problem


@dataclass(frozen=True)
class Role:
    """A column an importer looks for: its name in the app, how to say it, and header aliases."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


class ColumnMappingNeeded(DataError):
    """The file's headers do not say which column is which: the user maps them (remembered later)."""

    def __init__(self, *, source: str, what: str, headers: Sequence[str], roles: Sequence[Role],
                 missing: Sequence[str], guess: Mapping[str, str]) -> None:
        self.source, self.what = source, what
        self.headers = [str(h) for h in headers]
        self.roles = list(roles)
        self.missing = list(missing)
        self.guess = dict(guess)
        labels = {r.name: r.label for r in roles}
        problems = [
            Problem(source, f"no column for {labels.get(m, m)} (headers found: {', '.join(self.headers[:30])}).",
                    column=m, fix="Rename the column, or choose which column holds it in the column-mapping "
                                  "step (it is remembered for files with the same headers).")
            for m in self.missing
        ]
        super().__init__(problems)


def norm_header(header: object) -> str:
    """'Post Code ' -> 'post_code'; the form aliases are written in."""
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower().replace("\ufeff", "")).strip("_")


def resolve_roles(headers: Sequence[str], roles: Sequence[Role], *, mapping: Mapping[str, str] | None = None
                  ) -> dict[str, str]:
    """Map role name -> header: an explicit mapping first, then aliases (normalised, first match).

    Unknown headers named in `mapping` are ignored here; `check_mapping` reports them.
    """
    found: dict[str, str] = {}
    used: set[str] = set()
    for role_name, header in (mapping or {}).items():
        if header in headers and header not in used:
            found[role_name] = header
            used.add(header)
    normed = {h: norm_header(h) for h in headers}
    for role in roles:
        if role.name in found:
            continue
        for alias in (role.name, *role.aliases):
            hit = next((h for h in headers if normed[h] == alias and h not in used), None)
            if hit is not None:
                found[role.name] = hit
                used.add(hit)
                break
    return found


def check_mapping(mapping: Mapping[str, str], headers: Sequence[str], *, source: str) -> None:
    """A saved or typed mapping that names a column the file does not have is an error."""
    bad = [(role, col) for role, col in mapping.items() if col and col not in headers]
    if bad:
        raise DataError([Problem(source, f"the column mapping names column '{col}' for {role}, but the file "
                                         f"has no such column (headers: {', '.join(map(str, headers[:30]))}).",
                                 column=col, fix="Choose one of the file's columns in the mapping.")
                         for role, col in bad])


def to_number(values: pd.Series) -> pd.Series:
    """Text to float: thousands separators, spaces and a leading '£' removed; blanks and junk -> NaN."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    text = values.astype("string").str.strip().str.replace(r"^£", "", regex=True)
    text = text.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    out = pd.to_numeric(text, errors="coerce").astype("float64")
    return out.where(np.isfinite(out.to_numpy(dtype="float64", na_value=np.nan)))


def show_value(value: object) -> str:
    """A raw value quoted for a message, shortened when long."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(blank)"
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)

