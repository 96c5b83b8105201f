"""Criteria sets: the file format, loading and overlays, threshold lookup, and how rules read.

The sets themselves are data, in `sets/` (one YAML file each); `regions.yaml` holds the regions
and units they share, `concordance/` the working correspondences between sets.
"""
