"""ONS boundary files: recognise the columns by their ONS patterns and turn them into layers.

ONS publishes every geography with a code and a name column whose names carry the vintage:
`WD25CD`/`WD25NM` (wards, 2025), `LSOA11CD`/`LSOA21NM` (LSOAs, 2011/2021), `LAD25CD`/`LAD25NM`
(local authorities). Other producers (and QGIS exports) change the case or add an underscore, so
the patterns ignore case and allow `WD_25_CD`. Where no pattern matches, the user maps the columns
(`geo.read.columns.ColumnMappingNeeded`), and the mapping is remembered by `geo.io`, unless the file
is plainly another geography (`check_geography`: an LSOA file given as wards, by its `LSOA21CD`
column or its E01 codes), which is said so instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.model import DataError, Problem
from geo.read.columns import ColumnMappingNeeded, Role, check_mapping, resolve_roles
from geo.read.geometry import prepare_geometries
from geo.read.report import ImportReport

_PATTERN = r"^{prefix}_?(\d{{2}})_?{suffix}$"

WARD_ROLES: tuple[Role, ...] = (
    Role("ward_code", "the ward code (e.g. E05014838)", ("ward_code", "wardcode", "wd_code", "code"), True),
    Role("ward_name", "the ward name", ("ward_name", "wardname", "ward", "wd_name", "name"), True),
    Role("lad_code", "the local authority code", ("lad_code", "la_code", "lacode")),
    Role("lad_name", "the local authority name", ("lad_name", "la_name", "laname")),
)
LSOA_ROLES: tuple[Role, ...] = (
    Role("lsoa_code", "the LSOA code (e.g. E01010410)", ("lsoa_code", "lsoacode", "lsoa", "code"), True),
    Role("lsoa_name", "the LSOA name", ("lsoa_name", "lsoaname", "name")),
)


#: What the first three characters of a GSS code say the area is (England and Wales).
CODE_PREFIXES: dict[str, tuple[str, ...]] = {
    "wards": ("E05", "W05"), "lsoas": ("E01", "W01"), "msoas": ("E02", "W02"),
    "lads": ("E06", "E07", "E08", "E09", "W06"),
}
#: The ONS column prefix of each geography, in the order a file's columns are tried.
COLUMN_PREFIXES: dict[str, str] = {"lsoas": "LSOA", "wards": "WD", "msoas": "MSOA", "lads": "LAD"}
_FILE = {"wards": "a ward file", "lsoas": "an LSOA file", "msoas": "an MSOA file",
         "lads": "a local authority district file"}
_NOUN = {"wards": "ward", "lsoas": "LSOA", "msoas": "MSOA", "lads": "local authority"}
#: The box (and command-line option) each boundary file goes in.
BOXES: dict[str, tuple[str, str]] = {"wards": ("ward boundaries", "--wards"), "lsoas": ("LSOA boundaries", "--lsoas")}
_GSS = r"^[EWSN]\d{8}$"


def code_geography(values: pd.Series) -> tuple[str, str] | None:
    """(geography, an example code) when nine in ten of the values are GSS codes of one geography in
    `CODE_PREFIXES` (E01 LSOA, E05 ward...); None otherwise."""
    text = values.dropna().astype("string").str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    codes = text[text.str.fullmatch(_GSS, case=False).fillna(False).astype(bool)].str.upper()
    if len(codes) < 0.9 * len(text):
        return None
    prefix = codes.str[:3].value_counts()
    for kind, prefixes in CODE_PREFIXES.items():
        share = int(prefix.reindex(list(prefixes)).fillna(0).sum())
        if share >= 0.9 * len(codes):
            return kind, str(codes[codes.str[:3].isin(prefixes)].iloc[0])
    return None


def check_geography(frame: pd.DataFrame, headers: Sequence[str], *, want: str, source: str,
                    code_column: str | None = None) -> None:
    """Raise DataError when the file plainly holds another geography than `want` ("wards" or "lsoas").

    With `code_column` (the column taken as the code), its values decide. Without one (the columns
    were not recognised) and no column of `want`'s codes, ONS column names of another geography
    (LSOA21CD in the ward box) decide, then a column of another geography's codes."""
    if code_column is not None:
        found = code_geography(frame[code_column])
        if found is not None and found[0] != want:
            raise _wrong_box(source, want, found[0], f"column '{code_column}' holds {_NOUN[found[0]]} codes such "
                                                     f"as {found[1]}", column=code_column)
        return
    other: tuple[str, str, str] | None = None
    for h in headers:
        found = code_geography(frame[h])
        if found is not None and found[0] == want:
            return  # the right geography under unfamiliar names: the user maps the columns
        if found is not None and other is None:
            other = (found[0], found[1], h)
    for kind, prefix in COLUMN_PREFIXES.items():
        codes = [cd for _, (cd, _) in ons_columns(headers, prefix).items() if cd is not None]
        if kind != want and codes:
            raise _wrong_box(source, want, kind, codes[-1], column=codes[-1])
    if other is not None:
        raise _wrong_box(source, want, other[0], f"column '{other[2]}' holds {_NOUN[other[0]]} codes such as "
                                                 f"{other[1]}", column=other[2])


def _wrong_box(source: str, want: str, kind: str, evidence: str, *, column: str) -> DataError:
    want_box, want_option = BOXES[want]
    if kind in BOXES:
        box, option = BOXES[kind]
        message = f"this looks like {_FILE[kind]} ({evidence}): put it under {box}."
        fix = (f"Move it to {box} ({option} on the command line), and choose {_FILE[want]} for {want_box} "
               f"({want_option}).")
    else:
        message = f"this looks like {_FILE[kind]} ({evidence}), not {_FILE[want]}."
        fix = f"Choose {_FILE[want]} from the ONS Open Geography Portal for {want_box} ({want_option})."
    return DataError(Problem(source, message, column=column, fix=fix))


@dataclass(frozen=True)
class Boundaries:
    """Ward or LSOA polygons in EPSG:27700 with the layer's columns, and the boundary year (or None)."""

    frame: gpd.GeoDataFrame
    year: int | None
    report: ImportReport


def ons_columns(headers: Sequence[str], prefix: str) -> dict[int, tuple[str | None, str | None]]:
    """{year: (code column, name column)} for ONS-style columns with this prefix (WD, LSOA, LAD...)."""
    found: dict[int, list[str | None]] = {}
    for h in headers:
        for slot, suffix in ((0, "CD"), (1, "NM")):
            m = re.match(_PATTERN.format(prefix=prefix, suffix=suffix), str(h).strip(), flags=re.IGNORECASE)
            if m:
                year = 2000 + int(m.group(1)) if int(m.group(1)) < 90 else 1900 + int(m.group(1))
                found.setdefault(year, [None, None])
                if found[year][slot] is None:
                    found[year][slot] = h
    return {y: (v[0], v[1]) for y, v in sorted(found.items())}


def _pick(headers: Sequence[str], prefix: str) -> tuple[int | None, str | None, str | None]:
    cols = {y: v for y, v in ons_columns(headers, prefix).items() if v[0] is not None}
    if not cols:
        return None, None, None
    year = max(cols)  # a file carrying several vintages: the newest
    return year, cols[year][0], cols[year][1]


def wards_from_frame(frame: gpd.GeoDataFrame, *, source: str, mapping: Mapping[str, str] | None = None,
                     year: int | None = None) -> Boundaries:
    """Ward polygons from an ONS (or mapped) boundary layer. `year` is the boundary year when the
    columns do not carry it (a mapped file)."""
    report = ImportReport(source, "wards", rows_read=len(frame))
    headers = [str(c) for c in frame.columns if c != frame.geometry.name]
    check_mapping(mapping or {}, headers, source=source)
    given_year = year
    year, code, name = (None, None, None) if mapping else _pick(headers, "WD")
    roles: dict[str, str] = {}
    if code:
        roles["ward_code"] = code
        if name:
            roles["ward_name"] = name
        _, lad_code, lad_name = _pick(headers, "LAD")
        if lad_code:
            roles["lad_code"] = lad_code
        if lad_name:
            roles["lad_name"] = lad_name
        report.notes.append(f"ward columns recognised: {code}" + (f", {name}" if name else "")
                            + f" (boundary year {year}).")
        roles = {**resolve_roles(headers, [r for r in WARD_ROLES if r.name not in roles]), **roles}
    else:
        roles = resolve_roles(headers, WARD_ROLES, mapping=mapping)
    check_geography(frame, headers, want="wards", source=source, code_column=roles.get("ward_code"))
    _require(roles, WARD_ROLES, headers, source=source, what="wards")
    out = _build(frame, roles, WARD_ROLES, source=source, report=report)
    year = year or given_year
    if year is not None:
        out["boundary_year"] = year
    return Boundaries(out, year, report)


def lsoas_from_frame(frame: gpd.GeoDataFrame, *, source: str, mapping: Mapping[str, str] | None = None,
                     year: int | None = None) -> Boundaries:
    """LSOA polygons from an ONS (or mapped) boundary layer; the year is 2011 or 2021 when known
    (from the column names, else from `year`)."""
    report = ImportReport(source, "LSOAs", rows_read=len(frame))
    headers = [str(c) for c in frame.columns if c != frame.geometry.name]
    check_mapping(mapping or {}, headers, source=source)
    given_year = year
    year, code, name = (None, None, None) if mapping else _pick(headers, "LSOA")
    if code:
        roles = {"lsoa_code": code, **({"lsoa_name": name} if name else {})}
        report.notes.append(f"LSOA columns recognised: {code}" + (f", {name}" if name else "")
                            + f" ({year} LSOAs).")
    else:
        roles = resolve_roles(headers, LSOA_ROLES, mapping=mapping)
    check_geography(frame, headers, want="lsoas", source=source, code_column=roles.get("lsoa_code"))
    _require(roles, LSOA_ROLES, headers, source=source, what="LSOAs")
    out = _build(frame, roles, LSOA_ROLES, source=source, report=report)
    year = year or given_year
    if year is None:
        report.assumptions.append("the LSOA vintage (2011 or 2021) is not in the column names; it is checked "
                                  "against the deprivation and population files by code.")
    elif year not in (2011, 2021):
        raise DataError(Problem(source, f"holds {year} LSOAs; LSOAs exist for 2001, 2011 and 2021 and "
                                        "the app supports 2011 (IoD2019) and 2021 (IoD2025, Census 2021).",
                                column=code, fix="Download 2011 or 2021 LSOA boundaries from the ONS Open "
                                                 "Geography Portal."))
    return Boundaries(out, year, report)


def _require(roles: Mapping[str, str], spec: Sequence[Role], headers: Sequence[str], *, source: str,
             what: str) -> None:
    missing = [r.name for r in spec if r.required and r.name not in roles]
    if missing:
        raise ColumnMappingNeeded(source=source, what=what, headers=headers, roles=spec, missing=missing,
                                  guess=roles)


def _build(frame: gpd.GeoDataFrame, roles: Mapping[str, str], spec: Sequence[Role], *, source: str,
           report: ImportReport) -> gpd.GeoDataFrame:
    geo = prepare_geometries(frame, source=source, family="Polygon", report=report)
    data: dict[str, pd.Series] = {}
    for role in spec:
        if role.name in roles:
            col = geo[roles[role.name]]
            text = col.astype("string").str.strip()
            # codes read as numbers by a driver (1.0) would not join: keep integers without '.0'
            if pd.api.types.is_float_dtype(col):
                text = col.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v))
                               ).astype("string")
            data[role.name] = text.where(text != "", pd.NA)
    out = gpd.GeoDataFrame(data, geometry=geo.geometry.to_numpy(), crs=geo.crs)
    problems: list[Problem] = []
    code_role = spec[0].name
    for role in spec:
        if role.required and role.name in out:
            blank = out[role.name].isna().to_numpy()
            for i in blank.nonzero()[0][:20]:
                problems.append(Problem(source, "value is blank.", row=int(i) + 1, column=roles[role.name],
                                        fix="Fill it in or remove the feature."))
    if problems:
        raise DataError(problems)
    dup = out[code_role].duplicated(keep=False) & out[code_role].notna()
    if dup.any():
        # ONS files sometimes split one area into several features: dissolve them, and say so
        n_before = len(out)
        first = out.loc[~out[code_role].duplicated(keep="first")].drop(columns="geometry")
        merged = out[[code_role, "geometry"]].dissolve(by=code_role, as_index=False)
        out = gpd.GeoDataFrame(first.merge(merged, on=code_role, how="left"), geometry="geometry", crs=geo.crs)
        report.assumptions.append(f"{n_before - len(out)} features shared a code with another and were "
                                  "merged into one area.")
    report.rows_used = len(out)
    return out.reset_index(drop=True)
