"""Classes and palettes: class breaks (mapclassify), ColorBrewer colours, and how a value is shown
(small counts suppressed). Channel colours and labels come from the shared :mod:`trendkit.palette`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from trendkit.geo.provinces import Layout, province_name
from trendkit.summary import fmt_num

#: ColorBrewer YlOrRd, 3 to 7 classes.
YLORRD = {
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
}


NO_DATA = "#eeeeee"


Scheme = Literal["quantiles", "natural_breaks", "fixed"]


def shown_value(value: float | None, suppress_below: float | None, digits: int) -> str:
    """A value as maps show it: "no data", "<3" below ``suppress_below``, else the number."""
    if value is None:
        return "không có số liệu / no data"
    if suppress_below is not None and 0 < value < suppress_below:
        return f"<{fmt_num(suppress_below, 0)}"
    return fmt_num(value, digits)


def class_bounds(values: Sequence[float], scheme: Scheme, k: int, bins: Sequence[float] | None) -> list[float]:
    """Upper bounds of the classes, from mapclassify."""
    import warnings

    import mapclassify
    import numpy as np

    y = np.asarray(values, dtype=float)
    with warnings.catch_warnings():  # here only, never for the caller: mapclassify's pure-Python path is fine,
        warnings.filterwarnings("ignore", message="Numba not installed")  # and few values give few classes
        warnings.filterwarnings("ignore", message="Not enough unique values")
        if scheme == "fixed":
            if not bins:
                raise ValueError("scheme='fixed' needs bins=[upper bound of each class, ...]")
            return list(mapclassify.UserDefined(y, bins=list(bins)).bins)
        k = max(1, min(k, len(np.unique(y))))
        if scheme == "quantiles":
            return list(mapclassify.Quantiles(y, k=k).bins)
        if scheme == "natural_breaks":
            return list(mapclassify.FisherJenks(y, k=k).bins)
    raise ValueError(f"scheme must be 'quantiles', 'natural_breaks' or 'fixed', not {scheme!r}")


def palette(bounds: Sequence[float], colours: Sequence[str]) -> Any:
    """Value -> class colour (grey for None)."""

    def colour(v: float | None) -> str:
        if v is None:
            return NO_DATA
        return next((c for upper, c in zip(bounds, colours, strict=True) if v <= upper), colours[-1])

    return colour


def members_of(unit: str, layout: Layout) -> list[str]:
    """The shapes a unit covers: one province, or (legacy layout) a merged group's members."""
    from trendkit.geo.provinces import GROUP_JOIN, group_members

    if layout == "legacy" and GROUP_JOIN in unit:
        return [province_name(p, layout) for p in group_members(unit)]
    return [province_name(unit, layout)]


def unit_label(unit: str, layout: Layout) -> str:
    """The name a unit's shapes show: the province, or the merged group ("Lào Cai + Yên Bái (gộp / merged)")."""
    members = members_of(unit, layout)
    return members[0] if len(members) == 1 else f"{unit} (gộp / merged)"


def classified(
    values: pl.DataFrame,
    value: str,
    layout: Layout,
    scheme: Scheme,
    k: int,
    bins: Sequence[float] | None,
    digits: int,
    suppress_below: float | None = None,
) -> tuple[Any, list[tuple[str, str]], list[float | None]]:
    """Province shapes with ``value`` and ``colour`` columns, the legend rows (colour, label), and
    each shape's value as a list (None for no data)."""
    from trendkit.geo.shapes import province_shapes

    if "province" not in values.columns or value not in values.columns:
        raise ValueError(f"values needs 'province' and {value!r} columns; it has {', '.join(values.columns)}")
    shapes = province_shapes(layout)
    by_name, label = {}, {}
    for unit, v in zip(values["province"], values[value].cast(pl.Float64).to_list(), strict=True):
        for name in members_of(unit, layout):  # a merged group colours each of its members with the group's value
            by_name[name], label[name] = v, unit_label(unit, layout)
    present = [v for v in by_name.values() if v is not None]
    bounds = class_bounds(present, scheme, k, bins) if present else []
    colours = YLORRD.get(len(bounds), YLORRD[7][: len(bounds)]) if bounds else []
    colour = palette(bounds, colours)
    # a list, not read back from the GeoDataFrame, where pandas would turn None into NaN
    shown = [by_name.get(n) for n in shapes["name"]]
    shapes["value"] = shown
    shapes["colour"] = [colour(v) for v in shown]
    shapes["unit"] = [label.get(n, n) for n in shapes["name"]]
    rows, lower = [], min(present) if present else 0
    for upper, c in zip(bounds, colours, strict=True):
        low, high = shown_value(lower, suppress_below, digits), shown_value(upper, suppress_below, digits)
        rows.append((c, low if low == high else f"{low} – {high}"))  # "<3", never an exact small count
        lower = upper
    rows.append((NO_DATA, "không có số liệu / no data"))
    return shapes, rows, shown
