"""Streamlit helpers shared by pages: workspace loading, the one map wrapper, legends, KPI strips."""
