"""Static figures: the choropleth as a matplotlib Figure and a PNG for printed reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from trendkit.geo.provinces import Layout
from trendkit.maps.style import Scheme, classified
from trendkit.summary import SUPPRESS_BELOW


def static_figure(
    values: pl.DataFrame,
    *,
    value: str = "value",
    layout: Layout = "2025",
    title: str = "Số vụ / cases",
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    digits: int = 0,
    suppress_below: float | None = SUPPRESS_BELOW,
    period: str | None = None,
) -> Any:
    """The choropleth as a matplotlib Figure (no pyplot, no backend change): light enough to redraw
    in the explorer, and what :func:`static_choropleth` saves. The title carries the data period
    (``period``, e.g. "07/2023–06/2024") and the legend sits beside the map, off the land, with a
    scale bar below it: a printed page keeps all three without the HTML around it."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from trendkit.geo.shapes import archipelagos

    shapes, rows, _ = classified(values, value, layout, scheme, k, bins, digits, suppress_below)
    fig = Figure(figsize=(7, 9))
    ax = fig.subplots()
    shapes.plot(ax=ax, color=shapes["colour"], edgecolor="#555", linewidth=0.3)
    for row in archipelagos().itertuples():
        xs, ys = [p.x for p in row.geometry.geoms], [p.y for p in row.geometry.geoms]
        ax.scatter(xs, ys, s=4, color="#444")
        ax.text(row.label_lon, row.label_lat + 0.6, f"{row.name}\n({row.province_2025})", fontsize=7, ha="center")
    ax.legend(
        handles=[Patch(facecolor=c, edgecolor="#777", label=label) for c, label in rows],
        loc="upper left", bbox_to_anchor=(1.0, 0.98), fontsize=7, frameon=False,
    )  # fmt: skip
    heading = title if period is None else f"{title}\nKỳ dữ liệu / data period: {period}"
    ax.set_title(heading, parse_math=False, fontsize=10)  # "$…$" in a name is text, never math
    _scale_bar(ax, km=200)
    ax.set_axis_off()
    return fig


def _scale_bar(ax: Any, km: float) -> None:
    """A ``km`` bar in the sea south-east of the mainland (lon/lat axes: its length in degrees of
    longitude at its own latitude, ≈ 111.32 km × cos(latitude) a degree)."""
    import math

    lon, lat = 110.0, 9.0
    width = km / (111.32 * math.cos(math.radians(lat)))
    ax.plot([lon, lon + width], [lat, lat], color="#222", linewidth=2, solid_capstyle="butt")
    for x in (lon, lon + width):
        ax.plot([x, x], [lat - 0.12, lat + 0.12], color="#222", linewidth=1)
    ax.text(lon + width / 2, lat + 0.25, f"{km:g} km", ha="center", fontsize=7)


def static_choropleth(values: pl.DataFrame, path: str | Path, *, dpi: int = 150, **options: Any) -> Path:
    """The choropleth as a PNG for printed reports; ``options`` as :func:`static_figure`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    static_figure(values, **options).savefig(path, dpi=dpi, bbox_inches="tight")
    return path
