"""Deterministic demo borough: "Kelderby", a fictional English town with outlying villages.

`build_demo_layers` returns every layer the app knows (wards, LSOAs, roads, venues, bus stops and
routes, partner sites, participants) in EPSG:27700, each already passed through
`geo.model.validate_layer`. Everything comes from one `numpy.random.default_rng(seed)`, so the same
seed always gives the same frames. No real people or places are described. The package is pure: it
builds frames and metadata and never touches a file (geo.io writes them).

The borough (scale 1) is centred on easting 452000, northing 318000 (rural East Midlands):

* a town about 6 km across on a warped street grid, with a centre and two or three estates;
* four to six villages on small street grids, each joined to the town by a country road;
* about 10 wards (6-7 urban, 3-4 rural) tiling one borough polygon, about 60 LSOAs nested in them;
* deprivation: estates in deciles 1-2, the centre 2-5, suburbs 5-9, villages 4-9 plus one deprived
  rural pocket; that pocket and one estate corner have almost no participants (coverage gaps), and
  one estate has no bus route.

`scale=N` tiles N independently generated boroughs (copy 0 is exactly the scale-1 borough) on a grid
33 km apart; copies after the first get their own LAD code and name and an id suffix ("-2", "-3"...).

Modules, in the order a borough is built (`borough.build_borough`): `layout` (outlines, villages,
estates), `streets` (road network, neighbourhood zones), `areas` (wards and LSOAs), `population`
(households, residents, deprivation, social housing), `places` (venues, partner sites), `buses`,
`people` (participants); `shapes` and `names` hold the geometry helpers and the fictional names.

Run `python -m geo.demo --scale N --seed S --out PATH` to write a workspace GeoPackage (and, for the
shipped borough, seed 7 at scale 1, its wards and LSOAs to data/boundaries/); the command lives in
`geo.io.demo_cli`, since writing files is geo.io's job.
"""

from __future__ import annotations

from geo.demo.borough import (
    CENTRE_EASTING,
    CENTRE_NORTHING,
    DEMO_SEED,
    LAYER_NAMES,
    build_demo_layers,
    demo_meta,
)
from geo.demo.layout import DEMO_NAME
from geo.demo.people import ENROL_FROM, ENROL_TO
from geo.demo.population import IMD_LSOA_COUNT

__all__ = [
    "CENTRE_EASTING",
    "CENTRE_NORTHING",
    "DEMO_NAME",
    "DEMO_SEED",
    "ENROL_FROM",
    "ENROL_TO",
    "IMD_LSOA_COUNT",
    "LAYER_NAMES",
    "build_demo_layers",
    "demo_meta",
]
