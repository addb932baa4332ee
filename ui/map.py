"""The one map wrapper: every page shows folium maps through `show_map`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import folium
from streamlit_folium import st_folium

from geo.out.basemap import external_urls


def show_map(m: folium.Map, *, key: str, height: int = 640, returned_objects: Iterable[str] = (),
             feature_group_to_add: folium.FeatureGroup | None = None) -> dict[str, Any]:
    """Render `m`. Display-only maps return nothing; clickable ones name what they need back.
    `feature_group_to_add` is drawn on top without reloading the map (its view and clicks stay)."""
    leaks = external_urls(m)
    if leaks:  # a bug, not bad data: the app must work with no internet
        raise RuntimeError(f"map would load assets from other hosts: {leaks}")
    return st_folium(m, key=key, height=height, use_container_width=True,
                     returned_objects=list(returned_objects), feature_group_to_add=feature_group_to_add) or {}


def tile_settings() -> dict[str, str | None]:
    """Base tiles only when a tile URL is configured (the app works offline without them)."""
    return {"tile_url": os.environ.get("PATCHWORK_TILE_URL") or None,
            "tile_attribution": os.environ.get("PATCHWORK_TILE_ATTRIBUTION", "")}
