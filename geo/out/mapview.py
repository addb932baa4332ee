"""The map API the pages and plan modules use, by name; the code lives in one module per responsibility.

- geo.out.basemap: the offline base map (`base_map`, `MapOptions`), where a map opens
  (`opening_view`), ward outlines and names (`ward_layers`), the no-CDN check (`external_urls`);
- geo.out.geojson: web-ready geometries (`to_web`, `round_coords`) and the one script-safe GeoJSON
  serialiser (`FastGeoJson`);
- geo.out.labels: tooltip and popup HTML (`tooltip_html`, `venue_popup_html`);
- geo.out.colours: every palette;
- geo.out.outreach_map: the Map page's layers (`build_map`, `road_shapes`, `engagement_layer`,
  `decile_layer`);
- geo.out.reach_layers: reach bands and catchment rings; geo.out.gaps_map: the Gaps page's map.

New code inside geo/ imports from those modules; this one keeps the names its callers know.
"""

from __future__ import annotations

from geo.out.basemap import LAYER_LABELS, LAYERS, Bounds, MapOptions, base_map, external_urls, opening_view, ward_layers
from geo.out.colours import (
    CATCHMENT_COLOURS,
    GAP_COLOUR,
    GAP_ROAD_COLOUR,
    PARTNER_COLOURS,
    ROUTE_COLOURS,
    UNNAMED_COLOUR,
    VENUE_COLOURS,
    band_colours,
    decile_colours,
    reach_colours,
)
from geo.out.gaps_map import gap_map
from geo.out.geojson import FastGeoJson, round_coords, to_web
from geo.out.labels import tooltip_html, venue_popup_html
from geo.out.outreach_map import build_map, decile_layer, engagement_layer, road_shapes
from geo.out.reach_layers import catchment_group, reach_lsoa_layer, reach_road_layer

__all__ = [
    "CATCHMENT_COLOURS", "GAP_COLOUR", "GAP_ROAD_COLOUR", "LAYERS", "LAYER_LABELS", "PARTNER_COLOURS",
    "ROUTE_COLOURS", "UNNAMED_COLOUR", "VENUE_COLOURS", "Bounds", "FastGeoJson", "MapOptions", "band_colours",
    "base_map", "build_map", "catchment_group", "decile_colours", "decile_layer", "engagement_layer",
    "external_urls", "gap_map", "opening_view", "reach_colours", "reach_lsoa_layer", "reach_road_layer",
    "road_shapes", "round_coords", "to_web", "tooltip_html", "venue_popup_html", "ward_layers",
]
