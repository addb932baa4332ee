"""GTFS, NaPTAN and OpenStreetMap importers on small files written here in the official formats."""

from __future__ import annotations

import zipfile
from pathlib import Path

import osmium
import pytest

from geo import io
from geo.model import DataError, validate_layer
from geo.read import osm

# a few points near Loughborough (lon, lat)
LON0, LAT0 = -1.26, 52.76


def _stop_times(trips: list[tuple[str, int]], stops: list[str]) -> list[str]:
    rows = []
    for trip, start in trips:
        for k, s in enumerate(stops):
            t = start + k * 300
            hh, mm = divmod(t // 60, 60)
            rows.append(f"{trip},{hh:02d}:{mm:02d}:00,{hh:02d}:{mm:02d}:00,{s},{k + 1}")
    return rows


def gtfs_zip(path: Path, *, shapes: bool = True, calendar: bool = True) -> Path:
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Tiny Buses,https://example.org,Europe/London\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
                     f"S1,Market Place,{LAT0},{LON0},0\nS2,Church Lane,{LAT0 + 0.01},{LON0},0\n"
                     f"S3,Station Road,{LAT0 + 0.02},{LON0},\nST,Bus Station,{LAT0},{LON0},1\n"
                     "S9,Nowhere,0,0,0\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
                      "R1,A,1,Town circular,3\nR2,A,,Rail link,2\nR3,A,3,Hospital shuttle,3\n",
        "trips.txt": "route_id,service_id,trip_id,direction_id,shape_id\n"
                     + "".join(f"R1,WK,T{i},0,SH1\n" for i in range(24))
                     + "".join(f"R1,WK,B{i},1,SH1\n" for i in range(12))
                     + "R1,SUN,SUN1,0,SH1\nR3,WK,F1,0,\nR2,WK,RAIL1,0,\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "\n".join(
            _stop_times([(f"T{i}", 7 * 3600 + i * 1800) for i in range(24)], ["S1", "S2", "S3"])
            + _stop_times([(f"B{i}", 7 * 3600 + i * 3600) for i in range(12)], ["S3", "S2", "S1"])
            + _stop_times([("SUN1", 9 * 3600), ("F1", 6 * 3600), ("RAIL1", 8 * 3600)], ["S1", "S3"])) + "\n",
        "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nF1,06:00:00,20:00:00,600\n",
    }
    if shapes:
        files["shapes.txt"] = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n" + "".join(
            f"SH1,{LAT0 + k * 0.005},{LON0 + (0.001 if k % 2 else 0)},{k}\n" for k in range(5))
    if calendar:
        files["calendar.txt"] = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                                 "start_date,end_date\n"
                                 "WK,1,1,1,1,1,0,0,20250101,20251231\nSUN,0,0,0,0,0,0,1,20250101,20251231\n")
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_gtfs_stops_routes_and_trips_per_hour(tmp_path):
    layers, report = io.import_gtfs(gtfs_zip(tmp_path / "feed.zip"))
    stops, routes = layers["bus_stops"], layers["bus_routes"]
    assert stops["stop_id"].tolist() == ["S1", "S2", "S3"]  # the station and the stop at 0,0 are not stops
    assert stops.set_index("stop_id").loc["S2", "route_ids"] == "1"
    assert any(str(r).startswith("row 6, stop_lat/stop_lon: '0', '0'") for r in report.rejected)
    r = routes.set_index("route_id")
    assert list(r.index) == ["1", "3"]  # the rail route is left out
    assert r.loc["1", "trips_per_hour"] == 2.0  # 24 weekday departures 07-19 in the busier direction
    assert r.loc["3", "trips_per_hour"] == 6.0  # frequencies.txt: every 10 minutes, 06:00-20:00
    assert r.loc["1", "name"] == "1 Town circular" and r.loc["1", "geometry"].length > 2000
    assert 5 < r.loc["1", "speed_kmh"] < 60
    assert any("typical weekday" in a for a in report.assumptions)
    validate_layer(stops, "bus_stops")
    validate_layer(routes, "bus_routes")


def test_gtfs_without_shapes_or_calendar(tmp_path):
    layers, report = io.import_gtfs(gtfs_zip(tmp_path / "feed.zip", shapes=False, calendar=False))
    r = layers["bus_routes"].set_index("route_id")
    assert r.loc["1", "geometry"].length > 2000  # drawn through the stops
    assert r.loc["1", "trips_per_hour"] == round(25 / 12, 2)  # the Sunday trip counts too without a calendar
    assert any("straight lines between their stops" in a for a in report.assumptions)


def test_gtfs_broken(tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("stops.txt", "stop_id,stop_name\nS1,A\n")
        zf.writestr("routes.txt", "route_id,route_type\nR1,3\n")
        zf.writestr("trips.txt", "route_id,service_id,trip_id\nR1,WK,T1\n")
    with pytest.raises(DataError, match=r"bad.zip/stops.txt, column 'stop_lat': required column is missing"):
        io.import_gtfs(bad)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DataError, match=r"junk.zip: is not a readable GTFS zip"):
        io.import_gtfs(junk)


NAPTAN = ("ATCOCode,NaptanCode,CommonName,Indicator,Street,Easting,Northing,Longitude,Latitude,StopType,Status\n"
          "2400A001,lei123,Market Place,Stop A,High St,450100,318200,,,BCT,active\n"
          "2400A002,lei124,Church Lane,opp,Church Ln,,,-1.2600,52.7600,BCT,active\n"
          "9100LBORO,,Loughborough Rail,,,450500,318500,,,RSE,active\n"
          "2400A003,lei125,Old Stop,,,450200,318300,,,BCT,del\n"
          "2400A004,lei126,Lost Stop,,,,,,,BCS,active\n")


def test_naptan_stops(tmp_path):
    path = tmp_path / "Stops.csv"
    path.write_text(NAPTAN, encoding="cp1252")
    stops, report = io.import_naptan(path)
    assert stops["stop_id"].tolist() == ["2400A001", "2400A002"]
    assert stops["name"].tolist() == ["Market Place (Stop A)", "Church Lane (opp)"]
    assert [str(r) for r in report.rejected] == [
        "row 6, Easting/Northing: (blank), (blank) lies outside Great Britain or is missing (and so are "
        "Longitude/Latitude)"]
    validate_layer(stops, "bus_stops")
    with pytest.raises(DataError, match="column 'ATCOCode': required NaPTAN column is missing"):
        io.import_naptan(io.Upload("x.csv", b"id,name\n1,a\n"))


# ---- OpenStreetMap --------------------------------------------------------------------------------
def write_pbf(path: Path) -> Path:
    from osmium.osm.mutable import Node, Relation, Way

    with osmium.SimpleWriter(str(path)) as w:
        for i in range(1, 7):
            w.add_node(Node(id=i, location=(LON0 + 0.002 * i, LAT0)))
        w.add_node(Node(id=10, location=(LON0, LAT0 + 0.001), tags={"amenity": "library", "name": "Town Library",
                                                                   "wheelchair": "yes"}))
        w.add_node(Node(id=11, location=(LON0 + 0.004, LAT0 + 0.0005),
                        tags={"highway": "bus_stop", "name": "Market Place"}))
        w.add_node(Node(id=12, location=(LON0 + 0.006, LAT0 + 0.002), tags={"amenity": "social_facility",
                                                                           "social_facility": "nursing_home"}))
        for i, (dx, dy) in enumerate([(0, 0.003), (0.001, 0.003), (0.001, 0.004), (0, 0.004)]):
            w.add_node(Node(id=20 + i, location=(LON0 + dx, LAT0 + dy)))
        w.add_way(Way(id=100, nodes=[1, 2, 3], tags={"highway": "residential", "name": "Mill Lane"}))
        w.add_way(Way(id=101, nodes=[3, 4], tags={"highway": "footway"}))
        w.add_way(Way(id=102, nodes=[4, 5, 6], tags={"highway": "motorway", "name": "M1"}))
        w.add_way(Way(id=103, nodes=[20, 21, 22, 23, 20], tags={"amenity": "place_of_worship", "name": "St Mary"}))
        w.add_relation(Relation(id=500, members=[("w", 100, ""), ("w", 101, ""), ("n", 11, "stop")],
                                tags={"type": "route", "route": "bus", "ref": "5", "name": "Town 5",
                                      "interval": "00:20"}))
        w.add_relation(Relation(id=501, members=[("w", 102, "")], tags={"type": "route", "route": "bicycle"}))
    return path


def test_osm_roads_venues_stops_routes(tmp_path):
    pbf = write_pbf(tmp_path / "tiny.osm.pbf")
    for src in (pbf, io.Upload("tiny.osm.pbf", pbf.read_bytes())):
        layers, report = io.import_osm(src)
        roads = layers["roads"]
        assert roads["road_id"].tolist() == ["w100", "w101"] and roads["name"].tolist() == ["Mill Lane", ""]
        venues = layers["venues"].set_index("venue_id")
        assert venues["kind"].to_dict() == {"n10": "library", "w103": "church_hall"}  # the care home is not a venue
        assert bool(venues.loc["n10", "step_free"]) is True
        routes = layers["bus_routes"]
        assert routes["route_id"].tolist() == ["5"] and routes["trips_per_hour"].tolist() == [3.0]
        assert layers["bus_stops"]["route_ids"].tolist() == ["5"]
        for name, frame in layers.items():
            validate_layer(frame, name)
    assert any("church hall" in a for a in report.assumptions)


def test_osm_tags():
    assert osm.venue_kind({"amenity": "community_centre"}) == "community_centre"
    assert osm.venue_kind({"amenity": "social_facility", "social_facility": "food_bank"}) == "food_bank"
    assert osm.venue_kind({"amenity": "kindergarten", "name": "Eastgate Children's Centre"}) == "childrens_centre"
    assert osm.venue_kind({"shop": "bakery"}) is None
    assert osm.is_bus_stop({"public_transport": "platform", "bus": "yes"})
    assert osm.trips_per_hour({"interval": "30"}) == 2.0 and osm.trips_per_hour({"interval": "01:00"}) == 1.0


def test_osm_broken(tmp_path):
    pbf = write_pbf(tmp_path / "tiny.osm.pbf")
    with pytest.raises(DataError, match=r"cut.osm.pbf: cannot be read as an OpenStreetMap .osm.pbf extract"):
        io.import_osm(io.Upload("cut.osm.pbf", pbf.read_bytes()[:40]))
    with pytest.raises(DataError, match=r"nope.osm.pbf: does not exist"):
        io.import_osm(tmp_path / "nope.osm.pbf")
