"""Geography: provinces in both layouts (63 and 34) with the crosswalk, polygons and neighbours,
and the gazetteer of border gates, seaports and airports.

Geo uses only the shared base (:mod:`trendkit.text`, :mod:`trendkit.errors`); geopandas is
imported only when a polygon is asked for.
"""

from __future__ import annotations

from trendkit.geo.gazetteer import places, resolve_place
from trendkit.geo.provinces import crosswalk, province_name, provinces, resolve_province
from trendkit.geo.shapes import adjacency, archipelagos, neighbours, province_shapes

__all__ = [
    "adjacency",
    "archipelagos",
    "crosswalk",
    "neighbours",
    "places",
    "province_name",
    "province_shapes",
    "provinces",
    "resolve_place",
    "resolve_province",
]
