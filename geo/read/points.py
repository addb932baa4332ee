"""Venues, partner sites and participants from a table (CSV or Excel) that `geo.io` has read.

A row is placed by its coordinates (latitude/longitude, or easting/northing in British National
Grid) or, failing those, by its postcode looked up in a postcode file the user supplies
(`geo.read.postcodes`). A row that cannot be placed is rejected with the reason naming the row, the
column and the value. Venues and partner sites further outside the area than the margin (2 km unless
the user says) are left out and counted, or kept apart when the user asks (`geo.read.geometry.
limit_to_area`, the rule OpenStreetMap venues follow too); a participant far from the area is kept and
flagged.

Participants are pseudonymised here: the identifier becomes a salted hash (the salt stays in the
workspace folder, `geo.io` keeps it), and columns holding names, phone numbers, email addresses,
street addresses, dates of birth or National Insurance numbers are never read into the layer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import SupportsIndex

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.model import CRS, PARTNER_KINDS, SCHEMAS, VENUE_KINDS, DataError, Problem, coerce_column
from geo.read.columns import ColumnMappingNeeded, Role, check_mapping, norm_header, resolve_roles, show_value, to_number
from geo.read.geometry import DEFAULT_MARGIN_M, flag_far, in_gb_bng, in_gb_lonlat, limit_to_area, lonlat_to_bng
from geo.read.postcodes import PostcodeIndex, normalise
from geo.read.report import FIRST_DATA_ROW, ImportReport, RowIssue

_LOCATION_ROLES: tuple[Role, ...] = (
    Role("lat", "latitude", ("lat", "latitude", "y_lat", "lat_wgs84", "wgs84_lat")),
    Role("lon", "longitude", ("lon", "lng", "long", "longitude", "x_lon", "lon_wgs84", "wgs84_lon")),
    Role("easting", "easting (British National Grid)", ("easting", "eastings", "bng_e", "x", "os_easting",
                                                         "oseast1m", "east")),
    Role("northing", "northing (British National Grid)", ("northing", "northings", "bng_n", "y", "os_northing",
                                                           "osnrth1m", "north")),
    Role("postcode", "postcode", ("postcode", "post_code", "postal_code", "pcd", "pcds", "zip", "postcode_1")),
)
_BOOL_ALIASES = {
    "wifi": ("wifi", "wi_fi", "internet"), "toilets": ("toilets", "toilet", "wc"),
    "step_free": ("step_free", "stepfree", "accessible", "wheelchair_access", "wheelchair"),
    "childcare": ("childcare", "creche"), "quiet_room": ("quiet_room", "private_room", "interview_room"),
    "closed": ("closed", "is_closed"), "refers": ("refers", "referral_partner"),
    "co_location": ("co_location", "colocation", "co_located"),
}

ROLES: dict[str, tuple[Role, ...]] = {
    "venues": (
        Role("name", "the venue name", ("name", "venue_name", "venue", "site_name", "site", "centre", "title",
                                        "location_name", "building"), True),
        Role("venue_id", "an identifier", ("venue_id", "id", "site_id", "ref", "reference", "code")),
        Role("kind", "the kind of venue", ("kind", "venue_kind", "venue_type", "category", "type")),
        Role("address", "the address", ("address", "street_address", "address_line_1", "address1")),
        Role("opening_hours", "opening hours", ("opening_hours", "hours", "opening_times")),
        Role("capacity", "capacity", ("capacity", "seats", "max_people")),
        Role("cost_per_hour", "cost per hour", ("cost_per_hour", "hourly_cost", "cost", "price_per_hour")),
        *(Role(b, b.replace("_", " "), _BOOL_ALIASES[b]) for b in
          ("wifi", "toilets", "step_free", "childcare", "quiet_room", "closed")),
        *_LOCATION_ROLES,
    ),
    "partners": (
        Role("name", "the partner's name", ("name", "partner_name", "partner", "organisation", "organization",
                                            "site_name", "site"), True),
        Role("partner_id", "an identifier", ("partner_id", "id", "site_id", "ref", "reference", "code")),
        Role("kind", "the kind of partner", ("kind", "partner_kind", "partner_type", "category", "type", "sector")),
        *(Role(b, b.replace("_", " "), _BOOL_ALIASES[b]) for b in ("refers", "co_location")),
        *_LOCATION_ROLES,
    ),
    "participants": (
        Role("participant_id", "the participant identifier", ("participant_id", "id", "client_id", "customer_id",
                                                              "case_id", "reference", "ref", "person_id"), True),
        Role("enrolled_on", "the enrolment date", ("enrolled_on", "enrolment_date", "enrollment_date",
                                                    "start_date", "enrolled", "date_enrolled", "referral_date",
                                                    "date"), True),
        Role("cohort", "the cohort", ("cohort", "group", "strand")),
        Role("status", "the status", ("status", "state")),
        Role("referral_source", "the referral source", ("referral_source", "referred_by", "source", "referral")),
        Role("job_start_on", "the job start date", ("job_start_on", "job_start", "job_start_date",
                                                     "date_job_started")),
        Role("embedded", "embedded", ("embedded",)),
        Role("sustained_13w", "job sustained 13 weeks", ("sustained_13w", "sustained", "sustained_13_weeks")),
        *_LOCATION_ROLES,
    ),
}
ID_PREFIX = {"venues": "v", "partners": "p", "participants": "x"}
ID_ROLE = {"venues": "venue_id", "partners": "partner_id", "participants": "participant_id"}

#: Participant columns that identify a person: never read, dropped with a note.
PERSONAL_HEADERS = re.compile(
    r"(^|_)(name|first_?name|forename|surname|last_?name|full_?name|given_name|family_name|phone|telephone|tel|"
    r"mobile|mob|email|e_mail|address|address_line_\d|street|house|dob|date_of_birth|birth_?date|birthday|"
    r"ni_?number|nino|national_insurance|nhs_?number)($|_)")

VENUE_WORDS: dict[str, tuple[str, ...]] = {
    "library": ("library", "libraries", "lal", "crl", "icl", "cl", "community library"),
    "childrens_centre": ("childrens centre", "children s centre", "children centre", "family hub", "sure start"),
    "church_hall": ("church hall", "church", "chapel", "place of worship", "corps", "citadel", "mosque",
                    "gurdwara", "temple", "synagogue", "salvation army", "parish hall", "methodist"),
    "food_bank": ("food bank", "foodbank", "food pantry", "soup kitchen"),
    "leisure_centre": ("leisure centre", "sports centre", "leisure", "swimming", "gym"),
    "supermarket_cafe": ("supermarket", "supermarket cafe", "cafe"),
    "school": ("school", "academy", "primary", "secondary school"),
    "gp_surgery": ("gp", "gp surgery", "surgery", "doctors", "medical centre", "health centre"),
    "community_centre": ("community centre", "community center", "community hall", "village hall",
                         "neighbourhood centre", "community", "hall", "hub", "town hall"),
}
PARTNER_WORDS: dict[str, tuple[str, ...]] = {
    "jobcentre_plus": ("jobcentre plus", "jobcentre", "job centre", "jcp", "dwp"),
    "housing_association": ("housing association", "housing"),
    "citizens_advice": ("citizens advice", "cab", "advice"),
    "college": ("college", "university", "adult education", "further education"),
    "health": ("health", "nhs", "gp", "hospital", "mental health"),
    "childcare_provider": ("childcare", "nursery", "childminder", "childcare provider"),
    "esol_provider": ("esol", "english language", "esol provider"),
    "employer": ("employer", "business", "company", "firm"),
    "voluntary_sector": ("voluntary", "charity", "vcse", "voluntary sector", "community", "faith"),
}



#: How each point layer is named in the sentence about points outside the area.
OUTSIDE_WORDS = {"venues": "venues", "partners": "partner sites"}


@dataclass(frozen=True)
class PointTable:
    frame: gpd.GeoDataFrame  # the layer's columns, EPSG:27700, one row per accepted row in the area
    rows: np.ndarray  # the input row number (spreadsheet numbering) of each output row
    report: ImportReport
    outside: gpd.GeoDataFrame  # rows kept although further outside the area than the margin (reach only)
    outside_rows: np.ndarray  # their input row numbers


def kind_from_text(values: pd.Series, words: Mapping[str, tuple[str, ...]], labels: Mapping[str, str]
                   ) -> pd.Series:
    """Free text ('Community Centre', 'LAL', 'church') -> a kind key, or <NA> when nothing matches."""
    lookup: dict[str, str] = {}
    for key, label in labels.items():
        lookup[_plain(key)] = key
        lookup[_plain(label)] = key
    for key, synonyms in words.items():
        for s in synonyms:
            lookup.setdefault(_plain(s), key)

    def one(text: object) -> str | None:
        if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
            return None
        plain = _plain(text)
        if plain in lookup:
            return lookup[plain]
        for key, synonyms in words.items():  # a known phrase inside longer text
            if any(re.search(rf"\b{re.escape(_plain(s))}\b", plain) for s in synonyms if len(s) > 3):
                return key
        return None

    return values.map(one).astype("string")


def _plain(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def pseudonymise(ids: pd.Series, *, salt: bytes) -> pd.Series:
    """Identifier -> 'p-' + 16 hex digits of SHA-256(salt + identifier). Same salt, same id, same hash."""
    if len(salt) < 16:
        raise ValueError("salt must be at least 16 bytes")
    return ids.astype("string").str.strip().map(
        lambda v: pd.NA if v is pd.NA or v == "" else "p-" + hashlib.sha256(salt + v.encode("utf-8")).hexdigest()[:16]
    ).astype("string")


def parse_dates(values: pd.Series) -> tuple[pd.Series, bool]:
    """Dates as people write them: ISO (2024-02-01) first, then UK day-first (01/02/2024), then text.

    Returns (dates, used_day_first).
    """
    text = values.astype("string").str.strip()
    iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
    rest = iso.isna() & text.notna() & (text != "")
    out = iso.copy()
    day_first = False
    if rest.any():
        numeric = rest & text.str.match(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}").fillna(False)
        if numeric.any():
            out[numeric] = pd.to_datetime(text[numeric], errors="coerce", format="mixed", dayfirst=True)
            day_first = True
        other = rest & ~numeric
        if other.any():
            out[other] = pd.to_datetime(text[other], errors="coerce", format="mixed")
    out = out.where((out.dt.year >= 1900) & (out.dt.year <= 2100))
    return out.dt.normalize(), day_first


def points_from_table(frame: pd.DataFrame, *, layer: str, source: str, mapping: Mapping[str, str] | None = None,
                      postcodes: PostcodeIndex | None = None, area: BaseGeometry | None = None,
                      margin_m: float = DEFAULT_MARGIN_M, keep_outside: bool = False,
                      default_kind: str | None = None, salt: bytes | None = None,
                      first_row: int = FIRST_DATA_ROW, check_postcode_m: float = 2_000.0) -> PointTable:
    """Place the rows of a venues/partners/participants table; see the module docstring.

    With an `area`, venues and partners more than `margin_m` outside it are left out (counted in the
    report), or returned in `outside` with `keep_outside`; participants that far out are flagged."""
    if layer not in ROLES:
        raise ValueError(f"layer must be one of {sorted(ROLES)}, got {layer!r}")
    report = ImportReport(source, layer, rows_read=len(frame))
    if len(frame) == 0:
        raise DataError(Problem(source, f"has no rows of {layer} (only a header, or nothing).",
                                fix="Choose the file with the list in it."))
    headers = [str(c) for c in frame.columns]
    frame = frame.set_axis(headers, axis=1)
    check_mapping(mapping or {}, headers, source=source)
    personal: list[str] = []
    if layer == "participants":
        personal = [h for h in headers if PERSONAL_HEADERS.search(norm_header(h))
                    and h not in (mapping or {}).values()]
        # a postcode column is used to place the person, then dropped like the rest
    usable = [h for h in headers if h not in personal]
    roles = resolve_roles(usable, ROLES[layer], mapping=mapping)
    has_location = ("lat" in roles and "lon" in roles) or ("easting" in roles and "northing" in roles) \
        or "postcode" in roles
    missing = [r.name for r in ROLES[layer] if r.required and r.name not in roles]
    if not has_location:
        missing.append("location")
    if missing:
        wanted = [*ROLES[layer], Role("location", "the location (latitude and longitude, easting and "
                                                  "northing, or a postcode)")]
        raise ColumnMappingNeeded(source=source, what=layer, headers=headers, roles=wanted, missing=missing,
                                  guess=roles)
    if personal:
        report.notes.append("columns holding personal details were dropped and not stored: "
                            + ", ".join(personal) + ".")
    n = len(frame)
    rows = np.arange(n) + first_row
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    reason: list[RowIssue | None] = [None] * n
    from_coords = np.zeros(n, dtype=bool)

    def reject(i: SupportsIndex, issue: RowIssue) -> None:
        if reason[i] is None:
            reason[i] = issue

    for a, b, kind in (("lat", "lon", "lonlat"), ("easting", "northing", "bng")):
        if a not in roles or b not in roles:
            continue
        raw_a, raw_b = frame[roles[a]], frame[roles[b]]
        va, vb = _coordinate(raw_a, decimal_comma=kind == "lonlat"), _coordinate(raw_b, decimal_comma=kind == "lonlat")
        blank_a = raw_a.isna().to_numpy() | (raw_a.astype("string").str.strip() == "").fillna(True).to_numpy()
        blank_b = raw_b.isna().to_numpy() | (raw_b.astype("string").str.strip() == "").fillna(True).to_numpy()
        given = ~(blank_a & blank_b)
        label = "lat/lon" if kind == "lonlat" else "easting/northing"
        for i in np.flatnonzero(given & ~(np.isfinite(va) & np.isfinite(vb)) & np.isnan(x)):
            reject(i, RowIssue(int(rows[i]), label, f"{show_value(raw_a.iloc[i])}, {show_value(raw_b.iloc[i])}",
                               "is not a pair of numbers"))
        ok = given & np.isfinite(va) & np.isfinite(vb) & np.isnan(x)
        if kind == "lonlat":
            inside = in_gb_lonlat(vb, va)
            swapped = in_gb_lonlat(va, vb)
            with np.errstate(invalid="ignore"):
                ex, ny = lonlat_to_bng(np.where(ok & inside, vb, 0.0), np.where(ok & inside, va, 0.0))
        else:
            inside = in_gb_bng(va, vb)
            swapped = in_gb_bng(vb, va) & ~inside
            ex, ny = va, vb
        inside = inside & in_gb_bng(np.asarray(ex, dtype="float64"), np.asarray(ny, dtype="float64"))
        for i in np.flatnonzero(ok & ~inside):
            hint = f" ({a} and {b} look swapped)" if swapped[i] else ""
            reject(i, RowIssue(int(rows[i]), label, f"{_num(va[i])}, {_num(vb[i])}",
                               f"lies outside Great Britain{hint}"))
        good = ok & inside
        x[good], y[good] = np.asarray(ex)[good], np.asarray(ny)[good]
        from_coords |= good

    pc_norm = None
    if "postcode" in roles:
        raw_pc = frame[roles["postcode"]]
        pc_norm = normalise(raw_pc)
        pc_given = raw_pc.notna().to_numpy() & (raw_pc.astype("string").str.strip() != "").fillna(False).to_numpy()
        need = np.isnan(x) & np.array([r is None for r in reason], dtype=bool)
        if postcodes is not None:
            px, py, found = postcodes.locate(pc_norm)
            use = need & found
            x[use], y[use] = px[use], py[use]
            if use.any():
                report.assumptions.append(f"{int(use.sum()):,} rows placed at their postcode's point "
                                          f"({postcodes.label}).")
            for i in np.flatnonzero(need & pc_given & pc_norm.isna().to_numpy()):
                reject(i, RowIssue(int(rows[i]), roles["postcode"], show_value(raw_pc.iloc[i]),
                                   "is not a UK postcode"))
            covered = set(postcodes.areas)
            for i in np.flatnonzero(need & pc_given & pc_norm.notna().to_numpy() & ~found):
                area_code = re.sub(r"[^A-Z].*$", "", str(pc_norm.iloc[i]))
                extra = "" if area_code in covered else \
                    f" (the postcode file covers {', '.join(sorted(covered)[:12])}, not {area_code})"
                reject(i, RowIssue(int(rows[i]), roles["postcode"], repr(str(pc_norm.iloc[i])),
                                   f"not found in the postcode file{extra}"))
            # coordinates and postcode both given: far apart means one of them is wrong
            both = from_coords & found
            if both.any() and check_postcode_m > 0:
                d = np.hypot(x - px, y - py)
                for i in np.flatnonzero(both & (d > check_postcode_m)):
                    report.flagged.append(RowIssue(int(rows[i]), "lat/lon" if "lat" in roles else "easting/northing",
                                                   _coords_text(frame, roles, i),
                                                   f"lies {d[i] / 1000:.1f} km from its postcode {pc_norm.iloc[i]} "
                                                   "(kept at the coordinates; check it)"))
        else:
            for i in np.flatnonzero(need & pc_given):
                reject(i, RowIssue(int(rows[i]), roles["postcode"], show_value(raw_pc.iloc[i]),
                                   "cannot be placed: no postcode file was given (add OS Code-Point Open or ONSPD)"))
    for i in np.flatnonzero(np.isnan(x)):
        reject(i, RowIssue(int(rows[i]), "location", "(blank)", "has no coordinates and no postcode"))

    data: dict[str, pd.Series] = {}
    schema_cols = {c.name: c for c in SCHEMAS[layer].columns}
    for role, header in roles.items():
        if role in schema_cols:
            data[role] = frame[header]
    keep = np.array([r is None for r in reason], dtype=bool)
    if layer == "participants":
        dates, day_first = parse_dates(frame[roles["enrolled_on"]])
        for i in np.flatnonzero(dates.isna().to_numpy()):
            reject(i, RowIssue(int(rows[i]), roles["enrolled_on"], show_value(frame[roles["enrolled_on"]].iloc[i]),
                               "is not a date"))
        data["enrolled_on"] = dates
        for col in ("job_start_on",):
            if col in roles:
                d, df2 = parse_dates(frame[roles[col]])
                day_first |= df2
                data[col] = d
        if day_first:
            report.assumptions.append("dates written like 01/02/2024 were read as day/month/year.")
    id_role = ID_ROLE[layer]
    if id_role in roles:
        ids = frame[roles[id_role]].astype("string").str.strip()
        for i in np.flatnonzero((ids.isna() | (ids == "")).to_numpy()):
            reject(i, RowIssue(int(rows[i]), roles[id_role], "(blank)", "is blank; every row needs an identifier"))
    else:
        ids = pd.Series([f"{ID_PREFIX[layer]}{r}" for r in rows], dtype="string")
        report.assumptions.append(f"no identifier column: rows are numbered by their row in the file "
                                  f"({ID_PREFIX[layer]}{rows[0] if n else first_row}, ...).")
    if "name" in roles:
        names = frame[roles["name"]].astype("string").str.strip()
        for i in np.flatnonzero((names.isna() | (names == "")).to_numpy()):
            reject(i, RowIssue(int(rows[i]), roles["name"], "(blank)", "is blank; every row needs a name"))
        data["name"] = names
    keep = np.array([r is None for r in reason], dtype=bool)
    kept_ids = ids.where(keep)
    dup = kept_ids.duplicated(keep="first").to_numpy() & keep
    for i in np.flatnonzero(dup):
        reject(i, RowIssue(int(rows[i]), roles.get(id_role, id_role), show_value(ids.iloc[i]),
                           "appears again (the first row with this identifier was used)"))
    keep = np.array([r is None for r in reason], dtype=bool)
    data[id_role] = ids
    if layer == "participants":
        if salt is None:
            raise ValueError("participants need a salt for pseudonymisation")
        data[id_role] = pseudonymise(ids, salt=salt)
        report.notes.append("participant identifiers were replaced by salted hashes; the raw file is not kept.")
    if layer in ("venues", "partners"):
        words, labels = (VENUE_WORDS, VENUE_KINDS) if layer == "venues" else (PARTNER_WORDS, PARTNER_KINDS)
        fallback = default_kind or ("community_centre" if layer == "venues" else "voluntary_sector")
        if fallback not in labels:
            raise DataError(Problem(source, f"the default kind '{fallback}' is not one of "
                                            f"{', '.join(labels)}.", fix="Choose one of the listed kinds."))
        if "kind" in roles:
            kinds = kind_from_text(frame[roles["kind"]], words, labels)
            unknown = kinds.isna() & keep
            if unknown.any():
                seen = frame.loc[unknown, roles["kind"]].astype("string").fillna("(blank)").value_counts()
                report.assumptions.append(
                    f"{int(unknown.sum()):,} rows have a {roles['kind']} the app does not know ("
                    + ", ".join(f"{v!r} ×{c}" for v, c in seen.head(6).items())
                    + f"); they were taken as {labels[fallback]}.")
            data["kind"] = kinds.fillna(fallback)
        else:
            data["kind"] = pd.Series([fallback] * n, dtype="string")
            report.assumptions.append(f"the file has no kind column: every row is a {labels[fallback]}.")
    for col, header in roles.items():
        spec = schema_cols.get(col)
        if spec is None or col in ("name", "kind", id_role, "enrolled_on", "job_start_on") or spec.kind == "str":
            continue
        raw = frame[header]
        if col == "closed":
            # lists often mark closure with a code or a date ('XL', 'XLR', '2016') rather than yes/no
            text = raw.astype("string").str.strip().str.lower()
            coded = text.notna() & (text != "") & ~text.isin(["true", "false", "1", "0", "yes", "no", "y", "n",
                                                              "t", "f"])
            if coded.any():
                seen = raw[coded].astype("string").value_counts().head(5)
                report.assumptions.append(f"{header}: values such as " + ", ".join(map(repr, seen.index))
                                          + " were taken to mean closed.")
                raw = raw.where(~coded, "true")
        coerced, bad = coerce_column(raw, spec.kind)
        for i in np.flatnonzero(bad.to_numpy() & keep):
            report.flagged.append(RowIssue(int(rows[i]), header, show_value(frame[header].iloc[i]),
                                           f"is not a valid {spec.kind}; left blank"))
        data[col] = coerced.where(~bad)
    rejected = [r for r in reason if r is not None]
    report.rejected.extend(rejected)
    out = gpd.GeoDataFrame({k: pd.Series(v).reset_index(drop=True)[keep].reset_index(drop=True)
                            for k, v in data.items()},
                           geometry=gpd.points_from_xy(x[keep], y[keep]), crs=CRS)
    out_rows = rows[keep]
    order = [c.name for c in SCHEMAS[layer].columns if c.name in out.columns]
    out = out[[*order, "geometry"]]
    if not len(out) and n:
        raise DataError([Problem(source, f"no row could be used; {rejected[0]}",
                                 row=rejected[0].row, column=rejected[0].column,
                                 fix="Check the location columns (and the postcode file) and try again.")])
    outside, outside_rows = out.iloc[:0].reset_index(drop=True), out_rows[:0]
    if area is not None:
        values = [_coords_text(frame, roles, i) for i in np.flatnonzero(keep)]
        if layer in OUTSIDE_WORDS:
            out, outside, far = limit_to_area(out, what=OUTSIDE_WORDS[layer], area=area, margin_m=margin_m,
                                              keep_outside=keep_outside, report=report, rows=list(map(int, out_rows)),
                                              column=_location_label(roles), values=values)
            out_rows, outside_rows = out_rows[~far], (out_rows[far] if keep_outside else out_rows[:0])
        else:
            flag_far(out.geometry, area=area, far_m=margin_m, rows=out_rows, column=_location_label(roles),
                     values=values, report=report)
    report.rows_used = len(out) + len(outside)
    return PointTable(out, out_rows, report, outside, outside_rows)


def _coordinate(values: pd.Series, *, decimal_comma: bool) -> np.ndarray:
    """Numbers from a coordinate column; latitude/longitude never carry thousands separators, so a single
    comma there is a decimal comma (52,5 from a European-locale spreadsheet)."""
    if decimal_comma and not pd.api.types.is_numeric_dtype(values):
        values = values.astype("string").str.replace(r"^\s*(-?\d+),(\d+)\s*$", r"\1.\2", regex=True)
    return np.asarray(to_number(values).to_numpy(dtype="float64", na_value=np.nan), dtype="float64")


def _num(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 1e7 else f"{v:.3g}"


def _location_label(roles: Mapping[str, str]) -> str:
    if "lat" in roles:
        return "lat/lon"
    if "easting" in roles:
        return "easting/northing"
    return roles.get("postcode", "postcode")


def _coords_text(frame: pd.DataFrame, roles: Mapping[str, str], row: SupportsIndex) -> str:
    i = int(row)
    for a, b in (("lat", "lon"), ("easting", "northing")):
        if a in roles and b in roles:
            va, vb = to_number(frame[roles[a]].iloc[i:i + 1]).iloc[0], to_number(frame[roles[b]].iloc[i:i + 1]).iloc[0]
            if np.isfinite(va) and np.isfinite(vb):
                return f"{_num(va)}, {_num(vb)}"
    if "postcode" in roles:
        return show_value(frame[roles["postcode"]].iloc[i])
    return "(no location)"


def required_roles(layer: str) -> Sequence[Role]:
    return [r for r in ROLES[layer] if r.required]
