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

Examples
--------
>>> import polars as pl, trendkit as tk
>>> values = pl.DataFrame({"province": ["Lạng Sơn", "Lào Cai"], "value": [120.0, 80.0]})
>>> m = choropleth(values, title="Số vụ / cases (SYNTHETIC)")
>>> type(m).__name__
'Map'
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from trendkit.places import Layout, resolve_province
from trendkit.summary import fmt_num

__all__ = ["CHANNEL_COLOURS", "ExportError", "add_places", "choropleth", "save_map", "static_choropleth"]

#: ColorBrewer YlOrRd, 3 to 7 classes.
_YLORRD = {
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
}
_NO_DATA = "#eeeeee"
#: Channel colours (colour-blind safe, Okabe–Ito).
CHANNEL_COLOURS = {
    "road": "#d55e00",
    "rail": "#cc79a7",
    "sea": "#0072b2",
    "air": "#009e73",
    "post": "#e69f00",
    "inland": "#999999",
}
CHANNEL_LABELS = {
    "road": "Đường bộ / road",
    "rail": "Đường sắt / rail",
    "sea": "Đường biển / sea",
    "air": "Hàng không / air",
    "post": "Bưu chính / post",
    "inland": "Nội địa / inland",
}
Scheme = Literal["quantiles", "natural_breaks", "fixed"]


class ExportError(RuntimeError):
    """A map cannot be written as asked (e.g. an asset that cannot be inlined offline)."""


def _missing(value: float | None) -> bool:
    """None or NaN (pandas turns None into NaN inside a GeoDataFrame)."""
    return value is None or value != value


def _shown(value: float | None, suppress_below: float | None, digits: int) -> str:
    if _missing(value):
        return "không có số liệu / no data"
    if suppress_below is not None and 0 < value < suppress_below:
        return f"<{fmt_num(suppress_below, 0)}"
    return fmt_num(value, digits)


def _classes(values: Sequence[float], scheme: Scheme, k: int, bins: Sequence[float] | None) -> list[float]:
    """Upper bounds of the classes, from mapclassify."""
    import warnings

    import mapclassify
    import numpy as np

    warnings.filterwarnings("ignore", message="Numba not installed")  # mapclassify's pure-Python path is fine here

    y = np.asarray(values, dtype=float)
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


def _legend(title: str, rows: list[tuple[str, str]], note: str) -> Any:
    from branca.element import MacroElement, Template

    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'border:1px solid #777;margin-right:6px"></span>{html.escape(label)}</div>'
        for c, label in rows
    )
    body = (
        '<div class="trendkit-legend" style="position:absolute;bottom:20px;left:10px;z-index:1000;'
        "background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px sans-serif;"
        f'max-width:260px"><b>{html.escape(title)}</b>{items}'
        f'<div style="margin-top:4px;color:#555">{html.escape(note)}</div></div>'
    )
    element = MacroElement()
    element._template = Template("{% macro html(this, kwargs) %}" + body + "{% endmacro %}")
    return element


def _classified(
    values: pl.DataFrame, value: str, layout: Layout, scheme: Scheme, k: int, bins: Sequence[float] | None, digits: int
) -> tuple[Any, list[tuple[str, str]]]:
    """Province shapes with ``value`` and ``colour`` columns, and the legend rows (colour, label)."""
    from trendkit.shapes import province_shapes

    if "province" not in values.columns or value not in values.columns:
        raise ValueError(f"values needs 'province' and {value!r} columns; it has {', '.join(values.columns)}")
    shapes = province_shapes(layout)
    names = [
        (resolve_province(p).name_2025 if layout == "2025" else resolve_province(p).legacy) for p in values["province"]
    ]
    by_name = dict(zip(names, values[value].cast(pl.Float64).to_list(), strict=True))
    present = [v for v in by_name.values() if v is not None]
    bounds = _classes(present, scheme, k, bins) if present else []
    colours = _YLORRD.get(len(bounds), _YLORRD[7][: len(bounds)]) if bounds else []

    def colour(v: float | None) -> str:
        if _missing(v):
            return _NO_DATA
        for upper, c in zip(bounds, colours, strict=True):
            if v <= upper:
                return c
        return colours[-1]

    shapes["value"] = [by_name.get(n) for n in shapes["name"]]
    shapes["colour"] = [colour(v) for v in shapes["value"]]
    rows, lower = [], min(present) if present else 0
    for upper, c in zip(bounds, colours, strict=True):
        rows.append((c, f"{fmt_num(lower, digits)} – {fmt_num(upper, digits)}"))
        lower = upper
    rows.append((_NO_DATA, "không có số liệu / no data"))
    return shapes, rows


def static_choropleth(
    values: pl.DataFrame,
    path: str | Path,
    *,
    value: str = "value",
    layout: Layout = "2025",
    title: str = "Số vụ / cases",
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    digits: int = 0,
    dpi: int = 150,
) -> Path:
    """The same choropleth as a PNG (geopandas + matplotlib) for printed reports."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from trendkit.shapes import archipelagos

    shapes, rows = _classified(values, value, layout, scheme, k, bins, digits)
    fig, ax = plt.subplots(figsize=(7, 9))
    shapes.plot(ax=ax, color=shapes["colour"], edgecolor="#555", linewidth=0.3)
    for row in archipelagos().itertuples():
        xs, ys = [p.x for p in row.geometry.geoms], [p.y for p in row.geometry.geoms]
        ax.scatter(xs, ys, s=4, color="#444")
        ax.text(row.label_lon, row.label_lat + 0.6, f"{row.name}\n({row.province_2025})", fontsize=7, ha="center")
    ax.legend(
        handles=[Patch(facecolor=c, edgecolor="#777", label=label) for c, label in rows], loc="lower left", fontsize=7
    )
    ax.set_title(title)
    ax.set_axis_off()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def choropleth(
    values: pl.DataFrame,
    *,
    value: str = "value",
    layout: Layout = "2025",
    title: str = "Số vụ / cases",
    period: str | None = None,
    scheme: Scheme = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    digits: int = 0,
    suppress_below: float | None = 3,
    tiles: str | None = None,
) -> Any:
    """A folium map of provinces coloured by ``values[value]``.

    Parameters
    ----------
    values
        One row per province: a ``province`` column (any spelling :func:`trendkit.resolve_province`
        accepts) and the ``value`` column. Provinces not in it are drawn grey ("no data").
    layout
        Polygons of the 34 (``"2025"``) or 63 (``"legacy"``) provinces.
    scheme, k, bins
        Class breaks: quantiles or natural breaks (Fisher–Jenks) with ``k`` classes, or
        ``"fixed"`` upper bounds in ``bins``.
    period
        Shown in tooltips, e.g. "07/2023–06/2024".
    suppress_below
        Positive values below this show as "<3" in tooltips (None shows every value).
    tiles
        A folium tile name for online use; None (the default) draws no base map, so the map
        needs no internet.
    """
    import folium

    from trendkit.shapes import archipelagos

    shapes, rows = _classified(values, value, layout, scheme, k, bins, digits)
    key = "name"
    shapes["tip_name"] = [html.escape(n) for n in shapes[key]]
    shapes["tip_value"] = [html.escape(_shown(v, suppress_below, digits)) for v in shapes["value"]]
    shapes["tip_period"] = html.escape(period or "")
    keep = ["code", "tip_name", "tip_value", "tip_period", "colour", "geometry"]
    m = folium.Map(location=[16.0, 107.5], zoom_start=5, tiles=tiles, attribution_control=False, control_scale=True)
    _trim_assets(m)
    folium.GeoJson(
        shapes[keep],
        name=html.escape(title),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda f: {"weight": 2, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["tip_name", "tip_value", "tip_period"],
            aliases=["Tỉnh / province", html.escape(title), "Kỳ / period"],
            localize=False,
        ),
    ).add_to(m)
    for row in archipelagos().itertuples():
        group = folium.FeatureGroup(name=html.escape(row.name))
        for pt in row.geometry.geoms:
            folium.CircleMarker([pt.y, pt.x], radius=2, color="#444", fill=True, weight=1).add_to(group)
        label = f"{row.name} ({row.province_2025})"
        folium.Marker(
            [row.label_lat, row.label_lon],
            icon=folium.DivIcon(
                html=f'<div style="font:11px sans-serif;color:#333;white-space:nowrap">{html.escape(label)}</div>'
            ),
        ).add_to(group)
        group.add_to(m)
    note = "Ranh giới: Natural Earth (đơn giản hóa). Boundaries: Natural Earth, simplified."
    if suppress_below:
        note += f" Giá trị < {fmt_num(suppress_below, 0)} được ẩn / values below {fmt_num(suppress_below, 0)} hidden."
    m.get_root().add_child(_legend(title, rows, note))
    m.fit_bounds([[8.2, 102.1], [23.4, 114.5]])
    return m


def add_places(
    m: Any,
    cases: pl.DataFrame | None = None,
    *,
    kinds: Sequence[str] = ("border_gate", "seaport", "airport"),
    suppress_below: float | None = 3,
) -> Any:
    """Add gates, seaports and airports to ``m``: one layer per channel, with a layer control.

    ``cases`` (optional): ``place_id`` and ``cases`` columns; markers are sized by cases and
    their popups show the (suppressed) count.
    """
    import math

    import folium

    from trendkit.gazetteer import places

    table = places().filter(pl.col("kind").is_in(list(kinds)))
    counts = dict(cases.select("place_id", "cases").iter_rows()) if cases is not None else {}
    groups: dict[str, Any] = {}
    for row in table.iter_rows(named=True):
        ch = row["channel"]
        if ch not in groups:
            groups[ch] = folium.FeatureGroup(name=html.escape(CHANNEL_LABELS.get(ch, ch)))
        n = counts.get(row["place_id"])
        radius = 4 + (2 * math.sqrt(n) if n else 0)
        popup = (
            f"<b>{html.escape(row['name'])}</b><br>{html.escape(row['name_en'])}<br>"
            f"{html.escape(CHANNEL_LABELS.get(ch, ch))} · {html.escape(row['province_2025'])}"
            + (f"<br>Số vụ / cases: {html.escape(_shown(float(n), suppress_below, 0))}" if n is not None else "")
        )
        folium.CircleMarker(
            [row["lat"], row["lon"]],
            radius=min(radius, 30),
            color=CHANNEL_COLOURS.get(ch, "#333"),
            fill=True,
            fill_opacity=0.8,
            weight=1,
            popup=folium.Popup(popup, max_width=250),
            tooltip=html.escape(row["name"]),
        ).add_to(groups[ch])
    for group in groups.values():
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


# --- offline export -----------------------------------------------------------------------------


def _trim_assets(m: Any) -> None:
    """Keep only the assets trendkit maps use (Leaflet, jQuery); drop Bootstrap and Font Awesome."""
    m.default_js = [(n, u) for n, u in m.default_js if n in ("leaflet", "jquery")]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]


def _local_assets() -> dict[str, str]:
    """Asset file name -> inline text, from the installed XStatic packages."""
    import xstatic.pkg.jquery as xjquery
    import xstatic.pkg.leaflet as xleaflet

    leaflet = Path(xleaflet.BASE_DIR)
    css = (leaflet / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        data = base64.b64encode((leaflet / "images" / match.group(1)).read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    return {
        "leaflet.js": (leaflet / "leaflet.js").read_text(encoding="utf-8"),
        "leaflet.css": css,
        "jquery-3.7.1.min.js": (Path(xjquery.BASE_DIR) / "jquery.min.js").read_text(encoding="utf-8"),
    }


_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')


def save_map(m: Any, path: str | Path, *, offline: bool = True) -> Path:
    """Write ``m`` as one HTML file.

    ``offline=True``: every external script and stylesheet is replaced by its inlined copy;
    an asset trendkit cannot inline raises :class:`ExportError` naming it (nothing is written),
    rather than leaving a reference to the internet. Tiles, if the map has any, are the one
    thing that needs internet; :func:`choropleth` draws none by default.
    """
    path = Path(path)
    text = m.get_root().render()
    if offline:
        assets = _local_assets()

        def inline(kind: str) -> Any:
            def repl(match: re.Match[str]) -> str:
                name = match.group(1).rsplit("/", 1)[-1]
                if name not in assets:
                    raise ExportError(
                        f"{path.name}: cannot inline {match.group(1)} for offline use; remove the element that "
                        "needs it or save with offline=False"
                    )
                body = assets[name].replace("</script", "<\\/script")
                return f"<script>{body}</script>" if kind == "js" else f"<style>{body}</style>"

            return repl

        text = _SCRIPT.sub(inline("js"), text)
        text = _LINK.sub(inline("css"), text)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
