"""Fuzzing every importer with broken inputs (hypothesis, derandomised so CI runs are repeatable).

Each case starts from a valid file in the official format and breaks it: columns dropped or renamed,
cells replaced by junk or enormous numbers, bytes cut off or flipped, other encodings, geometries
emptied, made invalid, of the wrong type, in a wrong CRS or enormous. The importer must either succeed
with a valid layer or raise DataError whose every problem names the file (and says the row and column
wherever it gives one). Any other exception fails the test. Building a workspace from broken files
must never leave a partial workspace: the old file stays byte for byte.
"""

from __future__ import annotations

import csv
import io as stdio
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import io
from geo.model import DataError, validate_layer
from geo.read import ons
from tests.unit.test_import_area import (
    area_files,
    lsoa_frame,
    ward_frame,
    write_census,
    write_file1,
    write_file6,
    write_iod2025,
)
from tests.unit.test_import_points import codepoint_csv
from tests.unit.test_import_transit import NAPTAN, gtfs_zip, write_pbf

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

JUNK = st.one_of(st.text(max_size=12), st.sampled_from(
    ["", "  ", "nan", "inf", "-inf", "1e309", "-1e308", "9" * 40, "0", "-5", "1,2", '"', "\n", "NULL", "£3",
     "E01900001", "XX1 1XX", "52.5", "-113.57", "1e12", "\x00", "é", "\ufeff"]))
TABLE_MUTATION = st.one_of(
    st.tuples(st.just("drop_col"), st.integers(0, 30)),
    st.tuples(st.just("rename_col"), st.integers(0, 30), st.text(max_size=10)),
    st.tuples(st.just("cell"), st.integers(0, 40), st.integers(0, 30), JUNK),
    st.tuples(st.just("extra_field"), st.integers(0, 40)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.binary(min_size=1, max_size=6)),
    st.tuples(st.just("encode"), st.sampled_from(["utf-16", "cp1252", "latin-1", "utf-8-sig", "utf-32"])),
    st.tuples(st.just("header_only")),
    st.tuples(st.just("empty")),
    st.tuples(st.just("binary")),
)


def mutate_table(text: str, ops: list[tuple], *, headerless: bool = False) -> bytes:
    rows = list(csv.reader(stdio.StringIO(text)))
    data: bytes | None = None
    encoding = "utf-8"
    for op in ops:
        kind = op[0]
        if kind == "drop_col" and rows and rows[0]:
            k = op[1] % len(rows[0])
            rows = [r[:k] + r[k + 1:] for r in rows]
        elif kind == "rename_col" and rows and rows[0] and not headerless:
            rows[0][op[1] % len(rows[0])] = op[2]
        elif kind == "cell" and len(rows) > 1:
            r = rows[1 + op[1] % (len(rows) - 1)]
            if r:
                r[op[2] % len(r)] = op[3]
        elif kind == "extra_field" and len(rows) > 1:
            rows[1 + op[1] % (len(rows) - 1)].append("extra")
        elif kind == "header_only":
            rows = rows[:1]
        elif kind == "empty":
            rows = []
        elif kind == "encode":
            encoding = op[1]
        elif kind in ("truncate", "flip", "binary"):
            buf = stdio.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            data = buf.getvalue().encode("utf-8")
            if kind == "truncate":
                data = data[: int(len(data) * op[1])]
            elif kind == "flip" and data:
                at = int((len(data) - 1) * op[1])
                data = data[:at] + op[2] + data[at + len(op[2]):]
            else:
                data = bytes(range(256)) * 4
            return data
    buf = stdio.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    try:
        return buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return buf.getvalue().encode("utf-8")


def check(call, *names: str):
    """Run `call`; a DataError must name one of the files in every problem (row/column shown when set)."""
    try:
        return call()
    except DataError as err:
        assert err.problems, "a DataError must carry its problems"
        for p in err.problems:
            assert any(n in p.source for n in names), f"problem does not name the file: {p}"
            text = str(p)
            assert text.startswith(p.source)
            if p.row is not None:
                assert f"row {p.row}" in text
            if p.column is not None:
                assert f"column '{p.column}'" in text
            assert p.message.strip()
        return None


@pytest.fixture(scope="module", autouse=True)
def _workspace_dir(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("PATCHWORK_WORKSPACE_DIR", str(tmp_path_factory.mktemp("fuzz_ws")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("seeds")
    out = {
        "file1": write_file1(d / "f1.csv").read_text(encoding="utf-8-sig"),
        "file6": write_file6(d / "f6.csv").read_text(encoding="utf-8-sig"),
        "iod2025": write_iod2025(d / "i.csv").read_text(),
        "census": write_census(d / "c.csv").read_text(),
        "codepoint": codepoint_csv(d / "cp.csv").read_text(),
        "naptan": NAPTAN,
        "venues": "name,kind,lat,lon,postcode,wifi\nHall,church hall,52.76,-1.26,TN1 1AA,yes\n"
                  "Library,library,52.77,-1.25,,no\nCentre,,,,TN1 1AB,\n",
        "participants": "id,name,email,postcode,enrolled,cohort\nA1,Ann,a@b.c,TN1 1AA,2024-01-02,Hardest to Help\n"
                        "A2,Bob,b@b.c,TN1 1AB,03/04/2024,Rapid Progression\n",
    }
    return out


@pytest.fixture(scope="module")
def postcode_index(tmp_path_factory):
    d = tmp_path_factory.mktemp("pc")
    return io.import_postcodes([codepoint_csv(d / "tn.csv")])[0]


@FUZZ
@given(which=st.sampled_from(["file1", "file6", "iod2025", "census"]), ops=st.lists(TABLE_MUTATION, min_size=1,
                                                                                   max_size=3))
def test_fuzz_lsoa_tables(seeds, which, ops):
    name = f"{which}.csv"
    table = check(lambda: io.import_lsoa_table(io.Upload(name, mutate_table(seeds[which], ops))), name)
    if table is not None:
        assert table.values.index.is_unique
        for issue in table.report.rejected:
            assert issue.row is not None and issue.column


@FUZZ
@given(layer=st.sampled_from(["venues", "partners", "participants"]), ops=st.lists(TABLE_MUTATION, min_size=1,
                                                                                  max_size=3),
       excel=st.booleans())
def test_fuzz_point_tables(seeds, postcode_index, layer, ops, excel):
    seed = seeds["participants" if layer == "participants" else "venues"]
    data = mutate_table(seed, ops)
    name = f"{layer}.csv"
    if excel and not any(op[0] in ("truncate", "flip", "binary") for op in ops):
        import pandas as pd

        try:
            frame = pd.read_csv(stdio.BytesIO(data), dtype=str)
        except Exception:  # the mutation already broke the CSV: nothing to put in a workbook
            frame = None
        if frame is not None:
            buf = stdio.BytesIO()
            try:
                frame.to_excel(buf, index=False)
                data, name = buf.getvalue(), f"{layer}.xlsx"
            except Exception:  # openpyxl cannot write control characters (IllegalCharacterError): keep the CSV
                pass
    result = check(lambda: io.import_points(io.Upload(name, data), layer=layer, postcodes=postcode_index), name)
    if result is not None:
        validate_layer(result.frame, layer, allow_empty=True)
        for issue in result.report.rejected + result.report.flagged:
            assert issue.row is not None and issue.column and issue.reason
        if layer == "participants":
            assert not {"name", "email"} & set(result.frame.columns)


@FUZZ
@given(ops=st.lists(TABLE_MUTATION, min_size=1, max_size=3))
def test_fuzz_postcodes_and_naptan(seeds, ops):
    check(lambda: io.import_postcodes([io.Upload("cp.csv", mutate_table(seeds["codepoint"], ops,
                                                                         headerless=True))]), "cp.csv")
    res = check(lambda: io.import_naptan(io.Upload("Stops.csv", mutate_table(seeds["naptan"], ops))), "Stops.csv")
    if res is not None:
        validate_layer(res[0], "bus_stops")


GEOM_MUTATION = st.one_of(
    st.tuples(st.just("drop_prop"), st.sampled_from(["WD25CD", "WD25NM", "LSOA11CD", "LSOA11NM", "LAD25CD"])),
    st.tuples(st.just("rename_prop"), st.sampled_from(["WD25CD", "WD25NM", "LSOA11CD"]), st.text(max_size=8)),
    st.tuples(st.just("prop_value"), st.integers(0, 5), st.sampled_from(["WD25CD", "LSOA11CD", "WD25NM"]),
              st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.just([1, 2]))),
    st.tuples(st.just("geom_null"), st.integers(0, 5)),
    st.tuples(st.just("geom_empty"), st.integers(0, 5)),
    st.tuples(st.just("geom_point"), st.integers(0, 5)),
    st.tuples(st.just("bowtie"), st.integers(0, 5)),
    st.tuples(st.just("scale"), st.sampled_from([1e30, 1e6, -1, 0])),
    st.tuples(st.just("crs"), st.sampled_from(["EPSG:27700", "EPSG:3857", "EPSG:99999", "nonsense"])),
    st.tuples(st.just("no_features")),
    st.tuples(st.just("duplicate"), st.integers(0, 5)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.binary(min_size=1, max_size=4)),
)


def mutate_geojson(doc: dict, ops: list[tuple]) -> bytes:
    doc = json.loads(json.dumps(doc))
    feats = doc["features"]
    cut: tuple | None = None
    for op in ops:
        kind = op[0]
        f = feats[op[1] % len(feats)] if feats and isinstance(op[1] if len(op) > 1 else None, int) else None
        if kind == "drop_prop":
            for feat in feats:
                feat["properties"].pop(op[1], None)
        elif kind == "rename_prop":
            for feat in feats:
                if op[1] in feat["properties"]:
                    feat["properties"][op[2]] = feat["properties"].pop(op[1])
        elif kind == "prop_value" and f is not None:
            f["properties"][op[2]] = op[3]
        elif kind == "geom_null" and f is not None:
            f["geometry"] = None
        elif kind == "geom_empty" and f is not None:
            f["geometry"] = {"type": "Polygon", "coordinates": []}
        elif kind == "geom_point" and f is not None:
            f["geometry"] = {"type": "Point", "coordinates": [-1.26, 52.76]}
        elif kind == "bowtie" and f is not None:
            f["geometry"] = {"type": "Polygon", "coordinates": [[[-1.26, 52.76], [-1.25, 52.77], [-1.25, 52.76],
                                                                 [-1.26, 52.77], [-1.26, 52.76]]]}
        elif kind == "scale":
            for feat in feats:
                g = feat["geometry"]
                if g and g.get("type") == "Polygon" and g["coordinates"]:
                    g["coordinates"] = [[[x * op[1], y * op[1]] for x, y in ring] for ring in g["coordinates"]]
        elif kind == "crs":
            doc["crs"] = {"type": "name", "properties": {"name": op[1]}}
        elif kind == "no_features":
            feats.clear()
        elif kind == "duplicate" and f is not None:
            feats.append(json.loads(json.dumps(f)))
        elif kind in ("truncate", "flip"):
            cut = op
    data = json.dumps(doc).encode("utf-8")
    if cut is not None and cut[0] == "truncate":
        data = data[: int(len(data) * cut[1])]
    elif cut is not None and data:
        at = int((len(data) - 1) * cut[1])
        data = data[:at] + cut[2] + data[at + len(cut[2]):]
    return data


@pytest.fixture(scope="module")
def boundary_docs() -> dict[str, dict]:
    return {"wards": json.loads(ward_frame().to_json()), "lsoas": json.loads(lsoa_frame(year=11).to_json())}


@FUZZ
@given(which=st.sampled_from(["wards", "lsoas"]), ops=st.lists(GEOM_MUTATION, min_size=1, max_size=3))
def test_fuzz_boundaries(boundary_docs, which, ops):
    name = f"{which}.geojson"
    data = mutate_geojson(boundary_docs[which], ops)
    call = io.import_wards if which == "wards" else io.import_lsoas
    result = check(lambda call=call, name=name, data=data: call(io.Upload(name, data)), name)
    if result is not None:
        frame = result.frame.assign(population=1) if which == "lsoas" else result.frame
        validate_layer(frame, which)


@FUZZ
@given(ops=st.lists(st.one_of(st.tuples(st.just("truncate"), st.floats(0, 1)),
                              st.tuples(st.just("flip"), st.floats(0, 1), st.binary(min_size=1, max_size=8))),
                    min_size=1, max_size=2))
def test_fuzz_osm_and_gtfs(tmp_path_factory, ops):
    d = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    for name, raw, call in (("tiny.osm.pbf", write_pbf(d / "t.osm.pbf").read_bytes(), io.import_osm),
                            ("feed.zip", gtfs_zip(d / "feed.zip").read_bytes(), io.import_gtfs)):
        data = raw
        for op in ops:
            if op[0] == "truncate":
                data = data[: int(len(data) * op[1])]
            elif data:
                at = int((len(data) - 1) * op[1])
                data = data[:at] + op[2] + data[at + len(op[2]):]
        result = check(lambda call=call, name=name, data=data: call(io.Upload(name, data)), name)
        if result is not None:
            for lname, frame in result[0].items():
                validate_layer(frame, lname, allow_empty=True)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(["wards", "lsoas", "f1", "f6", "venues"]), geo_ops=st.lists(GEOM_MUTATION, min_size=1,
                                                                                         max_size=2),
       table_ops=st.lists(TABLE_MUTATION, min_size=1, max_size=2))
def test_fuzz_build_never_leaves_a_partial_workspace(tmp_path_factory, boundary_docs, seeds, target, geo_ops,
                                                     table_ops):
    d = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    f = area_files(d, year=11)
    venues = d / "venues.csv"
    venues.write_text(seeds["venues"], encoding="utf-8")
    out = d / "ws.gpkg"
    io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"], tables=[f["f1"], f["f6"]]),
                       name="Before", out=out)
    before = out.read_bytes()
    sources = {"wards": f["wards"], "lsoas": f["lsoas"], "f1": f["f1"], "f6": f["f6"], "venues": venues}
    path = sources[target]
    if target in ("wards", "lsoas"):
        path.write_bytes(mutate_geojson(boundary_docs[target], geo_ops))
    else:
        text = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            text = gzip.decompress(text)
        path.write_bytes(mutate_table(text.decode("utf-8-sig"), table_ops))
    names = [str(p) for p in sources.values()]
    result = check(lambda: io.build_workspace(io.WorkspaceSources(wards=f["wards"], lsoas=f["lsoas"],
                                                                  tables=[f["f1"], f["f6"]], venues=[venues],
                                                                  venue_kind="library"), name="After", out=out),
                   *names)
    leftovers = sorted(p.name for p in d.iterdir() if p.name.startswith(".ws."))
    assert leftovers == [], leftovers
    if result is None:
        assert out.read_bytes() == before
    else:
        ws = io.read_workspace(out)
        assert ws.name == "After" and len(ws.layer("lsoas")) >= 1


def test_unbroken_seeds_import(seeds, boundary_docs, postcode_index, tmp_path):
    """The fuzzers start from files that import: a DataError in the fuzz comes from the damage."""
    for which in ("file1", "file6", "iod2025", "census"):
        assert len(io.import_lsoa_table(io.Upload(f"{which}.csv", mutate_table(seeds[which], []))).values) == 4
    for layer in ("venues", "partners", "participants"):
        seed = seeds["participants" if layer == "participants" else "venues"]
        res = io.import_points(io.Upload("x.csv", mutate_table(seed, [])), layer=layer, postcodes=postcode_index)
        assert res.report.rows_used >= 2 and not res.report.rejected
    headerless = mutate_table(seeds["codepoint"], [], headerless=True)
    assert len(io.import_postcodes([io.Upload("cp.csv", headerless)])[0]) == 3
    assert len(io.import_naptan(io.Upload("Stops.csv", mutate_table(seeds["naptan"], [])))[0]) == 2
    assert len(io.import_wards(io.Upload("w.geojson", mutate_geojson(boundary_docs["wards"], []))).frame) == 2
    assert len(io.import_lsoas(io.Upload("l.geojson", mutate_geojson(boundary_docs["lsoas"], []))).frame) == 4
    assert len(io.import_osm(io.Upload("t.osm.pbf", write_pbf(tmp_path / "t.osm.pbf").read_bytes()))[0]["roads"]) == 2
    assert len(io.import_gtfs(io.Upload("g.zip", gtfs_zip(tmp_path / "g.zip").read_bytes()))[0]["bus_routes"]) == 2


# ---- targeted cases: the message says file, row and column ----------------------------------------
def test_named_row_and_column_for_broken_cells(tmp_path):
    text = ("\ufeff" + write_file6(tmp_path / "f6.csv").read_text(encoding="utf-8-sig")).replace('"1,501"', "lots")
    t = io.import_lsoa_table(io.Upload("File_6.csv", text.encode("utf-8")))
    assert "row 3, Total population: mid 2015 (excluding prisoners): 'lots' is not a count of people" in \
        next(str(r) for r in t.report.rejected)
    bad_csv = b"name,lat,lon\nA,52.5,-1.5\nB,52.5,-1.5,extra,fields\n"
    with pytest.raises(DataError, match=r"v.csv, row 3: cannot be read as CSV: .*Expected 3 fields in line 3, saw 5"):
        io.import_points(io.Upload("v.csv", bad_csv), layer="venues")
    doc = json.loads(ward_frame().to_json())
    doc["features"][1]["geometry"] = None
    with pytest.raises(DataError, match=r"w.geojson, row 2, column 'geometry': geometry is empty or missing"):
        ons.wards_from_frame(io.read_vector(io.Upload("w.geojson", json.dumps(doc).encode()))[0], source="w.geojson")
    with pytest.raises(DataError, match=r"old.xls: is an old Excel .xls file"):
        io.read_table(io.Upload("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    with pytest.raises(DataError, match=r"e.csv: is empty"):
        io.read_table(io.Upload("e.csv", b"   \n"))


def test_encodings_are_read(tmp_path):
    text = "name,lat,lon\nCafé Hall,52.5,-1.5\n"
    for enc in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        res = io.import_points(io.Upload(f"{enc}.csv", text.encode(enc)), layer="venues")
        assert res.frame["name"].tolist() == ["Café Hall"], enc
    res = io.import_points(io.Upload("semi.csv", b"name;lat;lon\nHall;52,5;-1,5\n"), layer="venues")
    assert res.frame["name"].tolist() == ["Hall"]  # semicolons and decimal commas (European-locale Excel)
