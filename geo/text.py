"""Small text helpers every package shares: a filename slug, the HH:MM parser, the CSV-for-Excel writer.

One of each, so that a file name, a time of day and a CSV download mean the same thing everywhere:

- `slug(name)`: lower-case ASCII letters and digits joined by "-" (for file names and identifiers);
- `parse_hhmm(text)`: "9", "9:30" or "09:30" to a `datetime.time`, anything else a `DataError`;
- `csv_bytes(frame)`: UTF-8 CSV with a byte-order mark (so Excel reads the accents right), optional
  "# " note lines first, and optionally every text cell a spreadsheet would run as a formula
  (starting with =, +, - or @) prefixed with an apostrophe.

Pure: no file access.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from geo.model import DataError, Problem

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_HHMM = re.compile(r"(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?")
#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def slug(name: str, *, default: str = "workspace") -> str:
    """'Wolverhampton (2025)' -> 'wolverhampton-2025': a name made safe for a file name.

    Runs of anything but ASCII letters and digits become one "-"; `default` when nothing is left.
    """
    text = _SLUG_JUNK.sub("-", name.lower()).strip("-")
    return text or default


def parse_hhmm(text: str | dt.time, *, source: str = "time") -> dt.time:
    """'9', '9:30' or '09:30' (spaces around allowed) as a time of day; a `datetime.time` is returned as is.

    Raises DataError naming `source` for anything else: an hour over 23, minutes over 59, seconds,
    other separators or words.
    """
    if isinstance(text, dt.time):
        return text
    raw = str(text)
    m = _HHMM.fullmatch(raw.strip())
    if m is not None:
        hour, minute = int(m["h"]), int(m["m"] or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise DataError(Problem(source, f"{raw!r} is not a time of day (HH:MM).",
                            fix="Write the time as HH:MM on the 24-hour clock, e.g. 09:30 or 17:00."))


def formula_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, with an apostrophe in front; others as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame, *, notes: Sequence[str] = (), index: bool = False,
              date_format: str | None = None, safe_formulas: bool = False) -> bytes:
    """`frame` as UTF-8 CSV with a byte-order mark (Excel), after one "# note" line per note.

    Lines end in "\\n". Read it back with `pd.read_csv(buf, comment="#", encoding="utf-8-sig")`.
    `safe_formulas` prefixes text cells (and column names) starting with =, +, -, @, tab or CR with an
    apostrophe so a spreadsheet shows them instead of running them.
    """
    table = frame
    if safe_formulas:
        table = frame.copy()
        table.columns = pd.Index([formula_safe(c) for c in frame.columns])
        for i in range(table.shape[1]):
            column = table.iloc[:, i]
            if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
                table.isetitem(i, column.map(formula_safe).to_numpy(dtype=object))
    head = "".join("# " + note.replace("\n", " ") + "\n" for note in notes)
    body: str = table.to_csv(index=index, lineterminator="\n", date_format=date_format)
    return (head + body).encode("utf-8-sig")
