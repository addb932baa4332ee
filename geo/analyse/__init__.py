"""Analyses on a workspace: road network, reach, engagement, gaps, deprivation, retention."""
