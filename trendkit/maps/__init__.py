"""Province choropleths and places as folium maps that work offline, safe to share.

- :func:`choropleth` colours provinces by a value (class breaks from mapclassify), with a
  Vietnamese/English legend, tooltips in Vietnamese number format, the Hoàng Sa and Trường Sa
  archipelagos labelled, and no base tiles unless asked for.
- :func:`add_places` puts border gates, seaports and airports on a map, coloured by channel and
  sized by cases, with a layer per channel.
- :func:`save_map` writes one HTML file. With ``offline=True`` (the default) Leaflet and jQuery
  are inlined from the XStatic packages (the versions folium uses) and Leaflet's images become
  data URIs: the file loads nothing from the internet, and saving fails loudly if some asset
  cannot be inlined.

Every string that comes from data is HTML-escaped; values below ``suppress_below`` (default 3)
show as "<3", so exports carry aggregates, never case-level detail.

One module a concept: :mod:`~trendkit.maps.style` (classes and palettes),
:mod:`~trendkit.maps.elements` (folium elements), :mod:`~trendkit.maps.interactive` (the maps),
:mod:`~trendkit.maps.static` (matplotlib figures), :mod:`~trendkit.maps.offline` (offline export).

Examples
--------
>>> import polars as pl, trendkit as tk
>>> values = pl.DataFrame({"province": ["Lạng Sơn", "Lào Cai"], "value": [120.0, 80.0]})
>>> m = choropleth(values, title="Số vụ / cases (SYNTHETIC)")
>>> type(m).__name__
'Map'
"""

from __future__ import annotations

from trendkit.maps.interactive import add_places, choropleth, displacement_map, monthly_map
from trendkit.maps.offline import ExportError, offline_html, save_map
from trendkit.maps.static import static_choropleth, static_figure
from trendkit.palette import CHANNEL_COLOURS, CHANNEL_LABELS

__all__ = [
    "CHANNEL_COLOURS",
    "CHANNEL_LABELS",
    "ExportError",
    "add_places",
    "choropleth",
    "displacement_map",
    "monthly_map",
    "offline_html",
    "save_map",
    "static_choropleth",
    "static_figure",
]
