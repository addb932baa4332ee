"""Patchwork's domain: pure, typed functions on GeoDataFrames (EPSG:27700). Never imports streamlit."""
