"""Browsing the library: the timeline's buckets, the map's clusters, the filter menus' facets."""
