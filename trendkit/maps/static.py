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
) -> Any:
    """The choropleth as a matplotlib Figure (no pyplot, no backend change): light enough to redraw
    in the explorer, and what :func:`static_choropleth` saves."""
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
        handles=[Patch(facecolor=c, edgecolor="#777", label=label) for c, label in rows], loc="lower left", fontsize=7
    )
    ax.set_title(title, parse_math=False)  # "$…$" in a name is text, never math
    ax.set_axis_off()
    return fig


def static_choropleth(values: pl.DataFrame, path: str | Path, *, dpi: int = 150, **options: Any) -> Path:
    """The choropleth as a PNG for printed reports; ``options`` as :func:`static_figure`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    static_figure(values, **options).savefig(path, dpi=dpi, bbox_inches="tight")
    return path
