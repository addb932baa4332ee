"""LSOA tables: the English Indices of Deprivation and population, from frames `geo.io` has read.

Recognised as published:

* IoD2019 (MHCLG) Files 1-7: `LSOA code (2011)`, long headers such as "Index of Multiple
  Deprivation (IMD) Rank (where 1 is most deprived)", ranks with thousands separators ("29,199"),
  a byte-order mark; File 6 carries the population denominators (total and working-age). The edition
  is read from the "Local Authority District code (2019)" header. IoD2015 files ("(2013)") are
  recognised the same way.
* IoD2025 with short names (`lsoa21_code`, `IMD_decile`, `Income_rank`, `Employment_score`...).
* Census 2021 usual residents by LSOA: long format (`lsoa21_code`, `age_group`, `usual_residents`,
  or the ONS download's "Lower layer Super Output Areas Code", "Age (6 categories)", "Observation")
  or one total per LSOA. Working age is the sum of the bands from 16 to 64.

Every table knows its LSOA vintage (2011 or 2021) so that `check_vintage` can refuse a join across
vintages: LSOA codes were split and merged in 2021, and a join by code would put figures on the
wrong areas without any error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.model import DataError, Problem
from geo.read.columns import norm_header, show_value, to_number
from geo.read.report import FIRST_DATA_ROW, ImportReport, RowIssue

#: Columns of the lsoas layer a table can fill.
VALUE_COLUMNS: tuple[str, ...] = (
    "imd_rank", "imd_decile", "imd_score", "income_decile", "employment_decile", "education_decile",
    "health_decile", "crime_decile", "housing_decile", "environment_decile", "employment_score",
    "population", "working_age",
)

_LSOA_CODE = re.compile(r"^E0[01]\d{6}$|^W0[01]\d{6}$")

_MEASURES: tuple[tuple[str, str], ...] = (
    ("imd", r"^(index of multiple deprivation|imd)\b"),
    ("income", r"^income\b"),
    ("employment", r"^employment\b"),
    ("education", r"^education\b"),
    ("health", r"^health\b"),
    ("crime", r"^crime\b"),
    ("housing", r"^(barriers to housing|housing)\b"),
    ("environment", r"^(living environment|environment)\b"),
)


@dataclass
class LsoaTable:
    """Values by LSOA code (index) in `VALUE_COLUMNS` names, with what the file was."""

    source: str
    kind: str  # "IoD2019 File 1", "IoD2025", "Census 2021 population", ...
    lsoa_year: int | None
    edition: int | None  # IoD edition (2015, 2019, 2025) when the table carries deprivation
    values: pd.DataFrame
    code_column: str
    report: ImportReport
    columns_from: dict[str, str] = field(default_factory=dict)  # our column -> file header


def _lsoa_code_column(headers: Sequence[str]) -> tuple[str | None, int | None]:
    for h in headers:
        text = str(h).strip()
        m = re.match(r"^lsoa\s*code\s*\((20\d\d)\)$", text, flags=re.IGNORECASE)
        if m:
            return h, int(m.group(1))
        m = re.match(r"^lsoa_?(11|21)_?(code|cd)$", text, flags=re.IGNORECASE)
        if m:
            return h, 2000 + int(m.group(1))
        m = re.match(r"^lower layer super output areas? (code|\(20(11|21)\) code)$", text, flags=re.IGNORECASE)
        if m:
            return h, None
    for h in headers:
        if norm_header(h) in ("lsoa_code", "lsoa", "lsoacd", "lsoa_cd", "geography_code"):
            return h, None
    return None, None


def _measure(header: str) -> tuple[str, str] | None:
    """('imd', 'decile') for "Index of Multiple Deprivation (IMD) Decile (where 1 is...)" etc."""
    text = str(header).strip().lower().replace("_", " ")
    if any(word in text for word in ("sub-domain", "subdomain", "affecting", "idaci", "idaopi")):
        return None
    measure = next((m for m, pat in _MEASURES if re.match(pat, text)), None)
    if measure is None:
        return None
    head = re.split(r"\(where", text)[0]
    for stat in ("decile", "rank", "score"):
        if re.search(rf"\b{stat}\b", head):
            return measure, stat
    return None


def _population_column(header: str) -> str | None:
    text = str(header).strip().lower()
    if norm_header(header) in ("population", "total_population", "usual_residents", "all_usual_residents"):
        return "population"
    if norm_header(header) in ("working_age", "working_age_population"):
        return "working_age"
    if text.startswith("total population"):
        return "population"
    if text.startswith("working age population"):
        return "working_age"
    return None


def _edition(headers: Sequence[str], lsoa_year: int | None, short_names: bool) -> int | None:
    for h in headers:
        m = re.search(r"local authority district code \((20\d\d)\)", str(h), flags=re.IGNORECASE)
        if m:
            return {2019: 2019, 2013: 2015}.get(int(m.group(1)), int(m.group(1)))
    if lsoa_year == 2021:
        return 2025
    if lsoa_year == 2011 and short_names:
        return 2019
    return None


def parse_lsoa_table(frame: pd.DataFrame, *, source: str) -> LsoaTable:
    """Recognise an IoD or population table (all values as read, text or numbers) and parse it."""
    headers = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise DataError(Problem(source, "has no rows (only a header, or nothing).",
                                fix="Choose the complete file as published."))
    code_col, year = _lsoa_code_column(headers)
    if code_col is None:
        raise DataError(Problem(source, "has no LSOA code column (looked for 'LSOA code (2011)', 'lsoa21_code', "
                                        f"'LSOA21CD', ...; headers found: {', '.join(headers[:20])}).",
                                column="LSOA code", fix="Choose the file as published by MHCLG or ONS, or name "
                                                        "the column 'lsoa21_code' or 'lsoa11_code'."))
    names = [norm_header(h) for h in headers]
    age_col = next((h for h, n in zip(headers, names) if n in ("age_group", "age") or (n.startswith("age_")
                    and not n.endswith("_code"))), None)
    count_col = next((h for h, n in zip(headers, names) if n in ("usual_residents", "observation", "count",
                                                                   "population", "value", "total")), None)
    if age_col is not None and count_col is not None:
        return _census_long(frame, source=source, code_col=code_col, year=year or 2021, age_col=age_col,
                            count_col=count_col)
    mapped: dict[str, str] = {}
    for h in headers:
        pop = _population_column(h)
        if pop and pop not in mapped:
            mapped[pop] = h
            continue
        found = _measure(h)
        if found is None:
            continue
        measure, stat = found
        target = f"{measure}_{stat}"
        if (stat == "rank" and measure != "imd") or (stat == "score" and measure not in ("imd", "employment")):
            continue
        if target not in mapped:
            mapped[target] = h
    if not mapped and count_col is not None:
        mapped["population"] = count_col
    if not mapped:
        raise DataError(Problem(source, "has an LSOA code column but no deprivation or population columns "
                                        f"the app knows (headers: {', '.join(headers[:20])}).",
                                fix="Use IoD File 1, 2, 5 or 6 as published, IoD2025, or Census 2021 population."))
    short = all(" " not in str(mapped[k]) for k in mapped)
    deprivation = any(k not in ("population", "working_age") for k in mapped)
    edition = _edition(headers, year, short) if deprivation else None
    if year is None and deprivation and edition == 2019:
        year = 2011
    kind = _kind(headers, mapped, edition, deprivation)
    report = ImportReport(source, kind, rows_read=len(frame))
    codes, keep = _codes(frame[code_col], source=source, column=code_col, report=report)
    values = pd.DataFrame(index=pd.Index(codes[keep], name="lsoa_code"))
    for target, header in mapped.items():
        nums = to_number(frame[header])
        raw = frame[header]
        bad = raw.notna() & (raw.astype("string").str.strip() != "") & nums.isna()
        lo, hi, whole = _range(target)
        with np.errstate(invalid="ignore"):
            out_of_range = nums.notna() & ((nums < lo) | (nums > hi) | (whole & (nums != np.round(nums))))
        for i in np.flatnonzero((bad | out_of_range).to_numpy() & keep)[:50]:
            report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, header, show_value(raw.iloc[i]),
                                            f"is not {_expect(target)}; the value was left blank"))
        nums = nums.where(~(bad | out_of_range))
        values[target] = nums.to_numpy()[keep]
    report.rows_used = int(keep.sum())
    report.notes.append("columns read: " + ", ".join(f"{h} → {t}" for t, h in mapped.items()) + ".")
    if year is None:
        report.assumptions.append("the LSOA vintage is not in the column names; it is checked against the "
                                  "boundaries by code.")
    return LsoaTable(source, kind, year, edition, values, code_col, report, dict(mapped))


def _kind(headers: Sequence[str], mapped: dict[str, str], edition: int | None, deprivation: bool) -> str:
    if not deprivation:
        published = _edition(headers, None, False)
        if published and any(" " in str(h) for h in mapped.values()):
            return f"IoD{published} File 6 (population denominators)"
        return "population"
    label = f"IoD{edition}" if edition else "deprivation"
    if edition in (2015, 2019) and any(" " in str(h) for h in mapped.values()):
        if "population" in mapped or "working_age" in mapped:
            return f"{label} File 6 (population denominators)"
        if "income_decile" in mapped:
            return f"{label} File 2 (domains)"
        if "imd_score" in mapped:
            return f"{label} File 5 (scores)"
        return f"{label} File 1 (IMD)"
    return label


def _range(target: str) -> tuple[float, float, bool]:
    if target.endswith("_decile"):
        return 1, 10, True
    if target == "imd_rank":
        return 1, 100_000, True
    if target in ("population", "working_age"):
        return 0, 1_000_000, False
    return -1e6, 1e6, False


def _expect(target: str) -> str:
    if target.endswith("_decile"):
        return "a decile (a whole number from 1 to 10)"
    if target == "imd_rank":
        return "a rank (a whole number from 1)"
    if target in ("population", "working_age"):
        return "a count of people"
    return "a number"


def _codes(raw: pd.Series, *, source: str, column: str, report: ImportReport) -> tuple[np.ndarray, np.ndarray]:
    """Cleaned codes and the rows to keep (valid-looking, first occurrence)."""
    codes = raw.astype("string").str.strip().str.upper().fillna("")
    valid = codes.str.match(_LSOA_CODE).fillna(False).to_numpy(dtype=bool)
    blank = (codes == "").to_numpy()
    if valid.sum() == 0:
        raise DataError(Problem(source, f"column '{column}' holds no LSOA codes (they look like E01012345; "
                                        f"first values: {', '.join(map(repr, codes.head(3).tolist()))}).",
                                column=column, fix="Check that this is the LSOA code column."))
    for i in np.flatnonzero(~valid & ~blank)[:50]:
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, column, show_value(raw.iloc[i]),
                                        "is not an LSOA code (E01 or W01 and six digits)"))
    if (~valid & blank).any():
        report.notes.append(f"{int((~valid & blank).sum()):,} rows without an LSOA code were skipped.")
    dup = codes.duplicated(keep="first").to_numpy() & valid
    for i in np.flatnonzero(dup)[:50]:
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, column, show_value(raw.iloc[i]),
                                        "appears again (the first row for this LSOA was used)"))
    return codes.to_numpy(dtype=object), valid & ~dup


_AGE_NUM = re.compile(r"(\d+)")


def age_band(label: str) -> tuple[float, float] | None:
    """'Aged 16 to 24 years' -> (16, 24); 'Aged 15 years and under' -> (0, 15); '65 and over' -> (65, inf)."""
    text = str(label).lower()
    nums = [int(n) for n in _AGE_NUM.findall(text)]
    if not nums:
        return (0.0, math.inf) if "total" in text or "all" in text else None
    if "under" in text or "less than" in text:
        return 0.0, float(nums[0] - (1 if "under" in text and "and under" not in text else 0))
    if "over" in text or "+" in text or "and above" in text:
        return float(nums[0]), math.inf
    if len(nums) >= 2:
        return float(nums[0]), float(nums[1])
    return float(nums[0]), float(nums[0])


def _census_long(frame: pd.DataFrame, *, source: str, code_col: str, year: int, age_col: str,
                 count_col: str) -> LsoaTable:
    report = ImportReport(source, f"Census {year} population by age" if year == 2021 else "population by age",
                          rows_read=len(frame))
    codes = frame[code_col].astype("string").str.strip().str.upper().fillna("")
    valid = codes.str.match(_LSOA_CODE).fillna(False).to_numpy(dtype=bool)
    counts = to_number(frame[count_col])
    bad = (~np.isfinite(counts.to_numpy(dtype="float64", na_value=np.nan)) | (counts < 0).to_numpy()) & valid
    for i in np.flatnonzero(bad)[:50]:
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, count_col, show_value(frame[count_col].iloc[i]),
                                        "is not a count of people"))
    for i in np.flatnonzero(~valid & (codes != "").to_numpy())[:50]:
        report.rejected.append(RowIssue(int(i) + FIRST_DATA_ROW, code_col, show_value(frame[code_col].iloc[i]),
                                        "is not an LSOA code (E01 or W01 and six digits)"))
    if valid.sum() == 0:
        raise DataError(Problem(source, f"column '{code_col}' holds no LSOA codes.", column=code_col,
                                fix="Check that this is the LSOA code column."))
    ok = valid & ~bad
    labels = frame[age_col].astype("string").fillna("")
    bands = {lab: age_band(lab) for lab in labels[ok].unique()}
    totals = [lab for lab, b in bands.items() if b == (0.0, math.inf)]
    part = pd.DataFrame({"code": codes[ok].to_numpy(), "age": labels[ok].to_numpy(),
                         "n": counts[ok].to_numpy()})
    if totals:  # a table with an explicit total row per LSOA: use it, not the sum of bands
        population = part[part["age"].isin(totals)].groupby("code")["n"].sum()
    else:
        population = part.groupby("code")["n"].sum()
    values = pd.DataFrame({"population": population})
    values.index.name = "lsoa_code"
    lower = {lab: b[0] for lab, b in bands.items() if b is not None}
    working = [lab for lab, b in bands.items() if b is not None and b[0] >= 16 and b[1] <= 64]
    straddle = [lab for lab, b in bands.items() if b is not None and b != (0.0, math.inf)
                and (b[0] < 16 < b[1] or b[0] < 64 < b[1])]
    if working and not straddle:
        values["working_age"] = part[part["age"].isin(working)].groupby("code")["n"].sum().reindex(
            values.index).fillna(0)
        report.assumptions.append("working-age population = residents aged 16 to 64 (" + ", ".join(sorted(
            working, key=lower.__getitem__)) + "); IoD's own measure is 18 to 59/64.")
    else:
        report.notes.append("the age bands do not split at 16 and 64, so working-age population was not derived.")
    unknown = [lab for lab, b in bands.items() if b is None]
    if unknown:
        report.notes.append("age groups not understood (counted in the total only): " + ", ".join(unknown[:5]))
    report.rows_used = int(ok.sum())
    report.notes.append(f"{len(values):,} LSOAs: columns {code_col}, {age_col}, {count_col}.")
    return LsoaTable(source, report.what, year, None, values, code_col, report,
                     {"population": count_col})


def vintage_label(year: int | None) -> str:
    return f"{year} LSOAs" if year else "LSOAs of unknown vintage"


def check_vintage(table: LsoaTable, *, boundary_year: int | None, boundary_codes: pd.Index,
                  boundary_source: str) -> None:
    """Refuse to join a table to LSOAs of another vintage by code (DataError naming both files)."""
    fix = ("Use 2011 LSOA boundaries (LSOA11CD) with IoD2019 and its File 6, or 2021 LSOA boundaries "
           "(LSOA21CD) with IoD2025 and Census 2021 population.")
    if table.lsoa_year and boundary_year and table.lsoa_year != boundary_year:
        what = f"{table.kind} figures"
        raise DataError(Problem(
            table.source,
            f"holds {what} for {table.lsoa_year} LSOAs, but the LSOA boundaries in "
            f"{boundary_source} are {boundary_year} LSOAs. LSOA codes changed in {max(table.lsoa_year, boundary_year)} "
            "(areas were split and merged), so joining them by code would put figures on the wrong areas; "
            "the app will not do it.",
            column=table.code_column, fix=fix))
    if not (table.lsoa_year and boundary_year):
        missing = boundary_codes.difference(table.values.index)
        if len(missing) and len(missing) > 0.02 * len(boundary_codes):
            raise DataError(Problem(
                table.source,
                f"has no row for {len(missing):,} of the {len(boundary_codes):,} LSOAs in {boundary_source} "
                f"(for example {', '.join(missing[:3])}): the two files are probably of different LSOA vintages "
                "(2011 and 2021), and a join by code would be wrong.", column=table.code_column, fix=fix))
