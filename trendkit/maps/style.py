"""Classes and palettes: class breaks (mapclassify), ColorBrewer colours, and how a value is shown
(small counts suppressed). Channel colours and labels come from the shared :mod:`trendkit.palette`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
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


#: ColorBrewer RdBu, 3, 5 and 7 classes, from blue (fewer than expected) to red (more), white at 0.
RDBU = {
    3: ["#67a9cf", "#f7f7f7", "#ef8a62"],
    5: ["#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020"],
    7: ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"],
}

#: No data: a mid grey, apart from both palettes' lightest class (YlOrRd's cream, RdBu's white).
NO_DATA = "#cccccc"


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


@dataclass(frozen=True)
class Classes:
    """A map's classes: each one's colour and legend label, and which class a value falls in.

    Sequential (counts): ``uppers`` are the classes' upper bounds, ascending. Diverging (a signed
    measure such as excess cases): ``uppers`` are the positive half's bounds, and the classes are
    symmetric about 0 — a neutral class within ±``uppers[0]``, then one class each way per bound.
    """

    uppers: list[float]
    colours: list[str]
    labels: list[str]
    diverging: bool = False
    #: labels in whole numbers: a value is classed as it is shown, rounded (2,6 is "3", in "3 – 15")
    whole: bool = False

    def colour(self, v: float | None) -> str:
        """The class colour of ``v`` (grey for None)."""
        if v is None or not self.colours:
            return NO_DATA
        v = float(round(v)) if self.whole else v
        if not self.diverging:
            return next((c for up, c in zip(self.uppers, self.colours, strict=False) if v <= up), self.colours[-1])
        step = next((j for j, up in enumerate(self.uppers) if abs(v) <= up), len(self.uppers) - 1)
        middle = len(self.colours) // 2
        return self.colours[middle + step if v > 0 else middle - step]

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The legend: (colour, label) per class, lowest first, then "no data"."""
        return [*zip(self.colours, self.labels, strict=True), (NO_DATA, "không có số liệu / no data")]


def classes_for(
    values: Sequence[float], scheme: Scheme, k: int, bins: Sequence[float] | None, digits: int,
    suppress_below: float | None,
) -> Classes:  # fmt: skip
    """The classes that fit ``values``: diverging and symmetric about 0 when they hold both signs (and
    no ``bins`` are fixed), sequential otherwise; never more classes than distinct values, and labels
    that never overlap (whole numbers when ``digits`` is 0: "16 – 29" after "0 – 15").

    >>> classes_for([0, 1, 2, 15, 29, 60], "fixed", 5, [15, 29, 60], 0, 3).labels
    ['0', '<3', '3 – 15', '16 – 29', '30 – 60']
    >>> c = classes_for([-30, -5, 0, 4, 20, 144], "quantiles", 5, None, 0, None)
    >>> c.labels, c.colour(0.0) == "#f7f7f7", c.colour(-30.0) == c.colours[0]
    (['-144 – -24', '-23 – -6', '-5 – 5', '6 – 23', '24 – 144'], True, True)
    """
    if not values:
        return Classes([], [], [])
    low, high = min(values), max(values)
    if low < 0 < high and scheme != "fixed":
        return _diverging(values, scheme, k, digits)
    uppers = class_bounds(values, scheme, k, bins)
    if suppress_below is not None and digits == 0:  # "0" and "<3" get classes of their own, never "0 – <3"
        small = [v for v in values if 0 < v < suppress_below]
        cuts = ([0.0] if small and low == 0 else []) + ([float(suppress_below) - 1] if small else [])
        uppers = sorted({*(u for u in uppers if not cuts or u > cuts[-1]), *cuts})
    labels, uppers = _labels(uppers, low, digits, suppress_below)
    whole = digits == 0
    return Classes([math.floor(u) for u in uppers] if whole else uppers, _sequential(len(uppers)), labels, whole=whole)


def _sequential(n: int) -> list[str]:
    """YlOrRd for ``n`` classes; one or two classes take YlOrRd-3's middle, or its ends (never two
    near-identical creams)."""
    if n >= 3:
        return YLORRD[min(n, 7)][:n]
    return [YLORRD[3][1]] if n == 1 else [YLORRD[3][0], YLORRD[3][2]][:n]


def _labels(
    uppers: list[float], low: float, digits: int, suppress_below: float | None
) -> tuple[list[str], list[float]]:
    """Half-open, non-overlapping labels for classes with these upper bounds (and the bounds kept:
    a class with no whole number in it, after rounding, is merged into the next)."""
    labels, kept, lower = [], [], low
    for up in uppers:
        first = lower if not kept else (math.floor(kept[-1]) + 1 if digits == 0 else kept[-1])
        last = math.floor(up) if digits == 0 else up
        if digits == 0 and first > last:
            continue
        if suppress_below is not None and 0 < last < suppress_below:
            text = f"<{fmt_num(suppress_below, 0)}"
        else:
            a, b = fmt_num(first, digits), fmt_num(last, digits)
            text = a if a == b else (f"{a} – {b}" if digits == 0 or not kept else f"> {a} – {b}")
        labels.append(text)
        kept.append(up)
    return labels, kept


def _diverging(values: Sequence[float], scheme: Scheme, k: int, digits: int) -> Classes:
    """Symmetric classes about 0: the bounds of |value|, mirrored; RdBu with a white middle class."""
    size = sorted({abs(v) for v in values})
    side = max(1, min((k - 1) // 2 if k > 2 else 1, 3, len(size)))
    uppers = class_bounds(size, "quantiles" if scheme == "fixed" else scheme, side + 1, None)[: side + 1]
    whole = digits == 0
    top = math.floor(size[-1] + 0.5) if whole else size[-1]  # the largest size as shown
    inner = sorted({math.floor(u + 0.5) if whole else u for u in uppers[:-1]} - {top})  # no empty class
    uppers = [*(inner or [0.0]), top]  # at least a white "0" and one class each way
    n = len(uppers)

    def span(a: float, b: float) -> str:
        x, y = fmt_num(a + 0.0, digits), fmt_num(b + 0.0, digits)  # + 0.0: never "-0"
        return x if x == y else f"{x} – {y}"

    starts = [(uppers[j - 1] + 1 if whole else uppers[j - 1]) for j in range(1, n)]
    positive = [span(a, b) for a, b in zip(starts, uppers[1:], strict=True)]
    negative = [span(-b, -a) for a, b in zip(starts, uppers[1:], strict=True)][::-1]
    labels = [*negative, span(-uppers[0], uppers[0]), *positive]
    return Classes(uppers, RDBU[2 * n - 1], labels, diverging=True, whole=whole)


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
    classes = classes_for(present, scheme, k, bins, digits, suppress_below)
    # a list, not read back from the GeoDataFrame, where pandas would turn None into NaN
    shown = [by_name.get(n) for n in shapes["name"]]
    shapes["value"] = shown
    shapes["colour"] = [classes.colour(v) for v in shown]
    shapes["unit"] = [label.get(n, n) for n in shapes["name"]]
    rows = classes.rows
    return shapes, rows, shown
