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
import functools
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from trendkit.geo.provinces import Layout, province_name
from trendkit.summary import fmt_num
from trendkit.words import CHANNELS

__all__ = [
    "CHANNEL_COLOURS",
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
#: How maps name a channel ("Đường bộ / road"), from :data:`trendkit.words.CHANNELS`.
CHANNEL_LABELS = {key: str(words.capitalised()) for key, words in CHANNELS.items()}
Scheme = Literal["quantiles", "natural_breaks", "fixed"]


class ExportError(RuntimeError):
    """A map cannot be written as asked (e.g. an asset that cannot be inlined offline)."""


def _esc(text: str) -> str:
    """Text from data, safe in folium output: HTML-escaped, and ``{`` ``}`` as character references.

    branca compiles the output of every element's macros again as a Jinja template, so ``{{ … }}``
    in a name, title or label would run as template code; as ``&#123;`` it is only shown.

    >>> _esc("<b>T{{7*7}}</b>")
    '&lt;b&gt;T&#123;&#123;7*7&#125;&#125;&lt;/b&gt;'
    """
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def _once(template: str, **values: Any) -> Any:
    """A map element from a branca macro template whose output is added to the page as text.

    branca's ``MacroElement`` compiles its rendered macros again as templates; this one does not,
    so values passed here (and shown with ``|e`` or ``|tojson``) can never run as template code.
    """
    from branca.element import Element, MacroElement, Template

    class Text(Element):
        _template = Template("{{ this.text }}")

    class Once(MacroElement):
        _template = Template(template)

        def render(self, **kwargs: Any) -> None:
            figure = self.get_root()
            for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
                macro = self._template.module.__dict__.get(part)
                if macro is not None:
                    text = Text()
                    text.text = macro(self, kwargs)
                    target.add_child(text, name=f"{self.get_name()}_{part}")

    element = Once()
    for name, value in values.items():
        setattr(element, name, value)
    return element


def _shown(value: float | None, suppress_below: float | None, digits: int) -> str:
    if value is None:
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


def _legend(title: str, rows: list[tuple[str, str]], note: str, *, round_marks: bool = False) -> Any:
    """A legend box in the map's lower-left dock; title, labels and note are values, escaped when
    rendered (see :func:`_once`). Every legend of a map shares the dock, so they never overlap."""
    return _once(
        "{% macro html(this, kwargs) %}"
        '<div class="trendkit-legend trendkit-box" data-trendkit-dock="bottom"><b>{{ this.title|e }}</b>'
        "{% for colour, label in this.rows %}"
        '<div><span style="display:inline-block;width:12px;height:12px;background:{{ colour|e }};'
        "border:1px solid #777;margin-right:6px;vertical-align:-1px;"
        '{% if this.round_marks %}border-radius:50%{% endif %}"></span>{{ label|e }}</div>'
        "{% endfor %}"
        '<div class="trendkit-note">{{ this.note|e }}</div></div>'
        "{% endmacro %}",
        title=title,
        rows=rows,
        note=note,
        round_marks=round_marks,
    )


def _title(title: str, period: str | None) -> Any:
    """The map's visible title and data period, top left beside the zoom buttons."""
    return _once(
        "{% macro html(this, kwargs) %}"
        '<div class="trendkit-title trendkit-box" data-trendkit-dock="top"><b>{{ this.title|e }}</b>'
        "{% if this.period %}<div>Kỳ dữ liệu / data period: {{ this.period|e }}</div>{% endif %}</div>"
        "{% endmacro %}",
        title=title,
        period=period,
    )


_FRAME_CSS = (
    ".trendkit-dock{position:absolute;z-index:1000;display:flex;flex-direction:column;gap:6px;"
    "pointer-events:none}"
    ".trendkit-dock>*{pointer-events:auto}"
    "#trendkit-dock-top{top:10px;left:54px;max-width:calc(100% - 64px)}"
    "#trendkit-dock-bottom{bottom:10px;left:10px;max-width:min(300px,calc(50% - 15px));"
    "max-height:calc(100% - 140px);overflow:auto}"
    ".trendkit-box{background:rgba(255,255,255,.93);padding:6px 9px;border:1px solid #999;border-radius:4px;"
    "font:12px sans-serif;color:#222}"
    ".trendkit-title b{font-size:14px}"
    ".trendkit-note{margin-top:4px;color:#555}"
    ".trendkit-place-label{font:11px sans-serif;color:#333;white-space:nowrap;text-shadow:0 0 3px #fff}"
    ".trendkit-archipelago{display:inline-block;font:11px sans-serif;color:#333;white-space:nowrap;"
    "transform:translateX(-100%);text-shadow:0 0 3px #fff}"
    ".leaflet-control-layers{max-width:calc(50% - 25px);font-size:12px}"
    "@media (max-width:600px){.trendkit-box{font-size:10px;padding:4px 6px}.trendkit-title b{font-size:12px}"
    ".trendkit-note{display:none}.leaflet-control-layers{font-size:10px}}"
)


def _frame(map_name: str) -> Any:
    """Once per map: the docks that hold the title and legends, and a metric-only scale.

    The title (and a month slider) stack in the top dock beside the zoom buttons; every legend
    stacks in the bottom-left dock; the layer list and the scale sit bottom right. Boxes in one
    dock cannot overlap, and the two bottom corners each keep under half the width, so nothing
    overlaps on a 1280×720 screen or a 390×844 phone (``tests/test_browser.py`` measures it).
    """
    return _once(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
        "{% macro html(this, kwargs) %}"
        '<div id="trendkit-dock-top" class="trendkit-dock"></div>'
        '<div id="trendkit-dock-bottom" class="trendkit-dock"></div>'
        "{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, metric: true, position: 'bottomright'}).addTo({{ this.map }});"
        "document.querySelectorAll('[data-trendkit-dock]').forEach(function(el) {"
        " document.getElementById('trendkit-dock-' + el.getAttribute('data-trendkit-dock')).appendChild(el); });"
        "{% endmacro %}",
        css=_FRAME_CSS,
        map=map_name,
    )


def _palette(bounds: Sequence[float], colours: Sequence[str]) -> Any:
    """Value -> class colour (grey for None)."""

    def colour(v: float | None) -> str:
        if v is None:
            return _NO_DATA
        return next((c for upper, c in zip(bounds, colours, strict=True) if v <= upper), colours[-1])

    return colour


def _members(unit: str, layout: Layout) -> list[str]:
    """The shapes a unit covers: one province, or (legacy layout) a merged group's members."""
    from trendkit.geo.provinces import GROUP_JOIN, group_members

    if layout == "legacy" and GROUP_JOIN in unit:
        return [province_name(p, layout) for p in group_members(unit)]
    return [province_name(unit, layout)]


def _label(unit: str, layout: Layout) -> str:
    """The name a unit's shapes show: the province, or the merged group ("Lào Cai + Yên Bái (gộp / merged)")."""
    members = _members(unit, layout)
    return members[0] if len(members) == 1 else f"{unit} (gộp / merged)"


def _classified(
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
        for name in _members(unit, layout):  # a merged group colours each of its members with the group's value
            by_name[name], label[name] = v, _label(unit, layout)
    present = [v for v in by_name.values() if v is not None]
    bounds = _classes(present, scheme, k, bins) if present else []
    colours = _YLORRD.get(len(bounds), _YLORRD[7][: len(bounds)]) if bounds else []
    colour = _palette(bounds, colours)
    # a list, not read back from the GeoDataFrame, where pandas would turn None into NaN
    shown = [by_name.get(n) for n in shapes["name"]]
    shapes["value"] = shown
    shapes["colour"] = [colour(v) for v in shown]
    shapes["unit"] = [label.get(n, n) for n in shapes["name"]]
    rows, lower = [], min(present) if present else 0
    for upper, c in zip(bounds, colours, strict=True):
        low, high = _shown(lower, suppress_below, digits), _shown(upper, suppress_below, digits)
        rows.append((c, low if low == high else f"{low} – {high}"))  # "<3", never an exact small count
        lower = upper
    rows.append((_NO_DATA, "không có số liệu / no data"))
    return shapes, rows, shown


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
    suppress_below: float | None = 3,
) -> Any:
    """The choropleth as a matplotlib Figure (no pyplot, no backend change): light enough to redraw
    in the explorer, and what :func:`static_choropleth` saves."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from trendkit.geo.shapes import archipelagos

    shapes, rows, _ = _classified(values, value, layout, scheme, k, bins, digits, suppress_below)
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
    labels: bool = False,
) -> Any:
    """A folium map of provinces coloured by ``values[value]``, with its title and data period shown.

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
    title
        Shown at the top of the map and as the legend's heading. Put SYNTHETIC in it for
        synthetic data (the report does so from the loader's provenance).
    period
        The data period, shown under the title and in tooltips, e.g. "07/2023–06/2024".
    suppress_below
        Positive values below this show as "<3" in tooltips (None shows every value).
    tiles
        A folium tile name for online use; None (the default) draws no base map, so the map
        needs no internet.
    labels
        Write each province's name on the map.

    The scale bar is metric only; the Hoàng Sa and Trường Sa labels end at their islands, so a
    narrow screen never cuts them off.
    """
    import folium

    from trendkit.geo.shapes import archipelagos

    shapes, rows, shown = _classified(values, value, layout, scheme, k, bins, digits, suppress_below)
    shapes["tip_name"] = [_esc(n) for n in shapes["unit"]]
    shapes["tip_value"] = [_esc(_shown(v, suppress_below, digits)) for v in shown]
    shapes["tip_period"] = _esc(period or "")
    keep = ["code", "tip_name", "tip_value", "tip_period", "colour", "geometry"]
    m = _map_class()(
        location=[16.0, 107.5],
        zoom_start=5,
        tiles=tiles,
        attribution_control=False,
        control_scale=False,
        zoom_snap=0.25,
    )
    _trim_assets(m)
    folium.GeoJson(
        shapes[keep],
        name=_esc(title),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda f: {"weight": 2, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["tip_name", "tip_value", "tip_period"],
            aliases=["Tỉnh / province", _esc(title), "Kỳ / period"],
            localize=False,
        ),
    ).add_to(m)
    for row in archipelagos().itertuples():
        group = folium.FeatureGroup(name=_esc(row.name))
        for pt in row.geometry.geoms:
            folium.CircleMarker([pt.y, pt.x], radius=2, color="#444", fill=True, weight=1).add_to(group)
        label = f"{row.name} ({row.province_2025})"
        folium.Marker(
            [row.label_lat, row.label_lon],
            icon=folium.DivIcon(html=f'<div class="trendkit-archipelago">{_esc(label)}</div>', icon_size=(0, 0)),
        ).add_to(group)
        group.add_to(m)
    if labels:
        group = folium.FeatureGroup(name="Tên tỉnh / province names")
        for name, point in zip(shapes["name"], shapes.geometry.representative_point(), strict=True):
            folium.Marker(
                [point.y, point.x],
                icon=folium.DivIcon(html=f'<div class="trendkit-place-label">{_esc(name)}</div>', icon_size=(0, 0)),
            ).add_to(group)
        group.add_to(m)
    note = "Ranh giới: Natural Earth (đơn giản hóa). Boundaries: Natural Earth, simplified."
    if suppress_below:
        note += f" Giá trị < {fmt_num(suppress_below, 0)} được ẩn / values below {fmt_num(suppress_below, 0)} hidden."
    m.get_root().add_child(_frame(m.get_name()))
    m.get_root().add_child(_title(title, period))
    m.get_root().add_child(_legend(title, rows, note))
    m.fit_bounds([[8.2, 102.1], [23.4, 114.5]], padding_top_left=(0, 70), padding_bottom_right=(0, 5))
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

    from trendkit.geo.gazetteer import places

    table = places().filter(pl.col("kind").is_in(list(kinds)))
    counts = dict(cases.select("place_id", "cases").iter_rows()) if cases is not None else {}
    groups: dict[str, Any] = {}
    biggest = max([n for n in counts.values() if n] or [1])
    for row in table.iter_rows(named=True):
        ch = row["channel"]
        if ch not in groups:
            groups[ch] = folium.FeatureGroup(name=_esc(CHANNEL_LABELS.get(ch, ch)))
        n = counts.get(row["place_id"])
        radius = 3 + (12 * math.sqrt(n / biggest) if n else 0)  # area ∝ cases; at most 15 px
        popup = (
            f"<b>{_esc(row['name'])}</b><br>{_esc(row['name_en'])}<br>"
            f"{_esc(CHANNEL_LABELS.get(ch, ch))} · {_esc(row['province_2025'])}"
            + (f"<br>Số vụ / cases: {_esc(_shown(float(n), suppress_below, 0))}" if n is not None else "")
        )
        folium.CircleMarker(
            [row["lat"], row["lon"]],
            radius=radius,
            color=CHANNEL_COLOURS.get(ch, "#333"),
            fill=True,
            fill_opacity=0.45,  # the choropleth stays readable under the markers
            weight=1,
            popup=folium.Popup(popup, max_width=250),
            tooltip=_esc(row["name"]),
        ).add_to(groups[ch])
    for group in groups.values():
        group.add_to(m)
    folium.LayerControl(collapsed=False, position="bottomright").add_to(m)
    rows = [(CHANNEL_COLOURS.get(ch, "#333"), CHANNEL_LABELS.get(ch, ch)) for ch in groups]
    note = "Màu = phương thức / colour = channel" + ("; cỡ = số vụ / size = cases" if counts else "")
    m.get_root().add_child(_legend("Cửa khẩu, cảng, sân bay / gates, ports, airports", rows, note, round_marks=True))
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


_RANDOM_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(text: str) -> str:
    """folium names elements with random uuids; number them in order instead, so the same map
    always gives the same file (scheduled reports compare byte for byte)."""
    seen: dict[str, str] = {}
    return _RANDOM_ID.sub(lambda m: seen.setdefault(m.group(0), f"{len(seen):032d}"), text)


_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>')


def offline_html(m: Any, *, name: str = "map") -> str:
    """The page of ``m`` with every external script and stylesheet replaced by its inlined copy.

    An asset trendkit cannot inline raises :class:`ExportError` naming it, rather than leaving a
    reference to the internet. Element ids are numbered in order, so the same map gives the same text.
    """
    text = _stable_ids(m.get_root().render())
    assets = _local_assets()

    def inline(kind: str) -> Any:
        def repl(match: re.Match[str]) -> str:
            asset = match.group(1).rsplit("/", 1)[-1]
            if asset not in assets:
                raise ExportError(
                    f"{name}: cannot inline {match.group(1)} for offline use; remove the element that "
                    "needs it or save with offline=False"
                )
            body = assets[asset].replace("</script", "<\\/script")
            return f"<script>{body}</script>" if kind == "js" else f"<style>{body}</style>"

        return repl

    return _LINK.sub(inline("css"), _SCRIPT.sub(inline("js"), text))


def save_map(m: Any, path: str | Path, *, offline: bool = True) -> Path:
    """Write ``m`` as one HTML file.

    ``offline=True``: assets inlined by :func:`offline_html` (nothing is written if one cannot be).
    Tiles, if the map has any, are the one thing that needs internet; :func:`choropleth` draws none
    by default.
    """
    path = Path(path)
    text = offline_html(m, name=path.name) if offline else _stable_ids(m.get_root().render())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


@functools.cache
def _map_class() -> type:
    import folium

    class Map(folium.Map):
        """A folium map whose notebook view carries Leaflet inline, so it shows without internet."""

        def _repr_html_(self, **kwargs: Any) -> str:
            page = html.escape(offline_html(self), quote=True)
            return (
                f'<iframe srcdoc="{page}" title="trendkit map" '
                'style="width:100%;height:560px;border:1px solid #ddd"></iframe>'
            )

    return Map


# --- displacement arrows ------------------------------------------------------------------------


def _arrow(start: tuple[float, float], end: tuple[float, float], size: float) -> list[list[float]]:
    """A triangle arrowhead (lat, lon points) at ``end``, pointing away from ``start``."""
    import math

    (y0, x0), (y1, x1) = start, end
    angle = math.atan2(y1 - y0, x1 - x0)
    left = (y1 - size * math.sin(angle - 0.4), x1 - size * math.cos(angle - 0.4))
    right = (y1 - size * math.sin(angle + 0.4), x1 - size * math.cos(angle + 0.4))
    return [[y1, x1], list(left), list(right)]


def displacement_map(scan: Any, *, layout: Layout = "2025", top: int = 8, title: str | None = None) -> Any:
    """Arrows from the target provinces to the units that rose most in a displacement scan.

    Width is proportional to the estimated excess cases; solid arrows are significant after
    Benjamini–Hochberg, dashed ones are the largest rises that are not (shown for context).
    Only rises are drawn. The base is a choropleth of each province's excess.
    """
    import folium

    from trendkit.geo.shapes import province_shapes

    res = scan.to_frame()
    rises = res.filter(pl.col("direction") == "rise").head(top)
    per_province = res.group_by("province").agg(pl.col("excess").sum().alias("value"))
    m = choropleth(
        per_province,
        layout=layout,
        title=title or "Số vụ vượt dự kiến / excess cases",
        period=f"{scan.after} tháng từ / months from {scan.start:%m/%Y}",
        scheme="quantiles",
        k=5,
        suppress_below=None,
    )
    shapes = province_shapes(layout).set_index("name")
    points = {n: g.representative_point() for n, g in shapes.geometry.items()}
    centre = {n: (p.y, p.x) for n, p in points.items()}
    origin_pts = [centre[_members(t, layout)[0]] for t in scan.targets]
    origin = (sum(p[0] for p in origin_pts) / len(origin_pts), sum(p[1] for p in origin_pts) / len(origin_pts))
    biggest = max([r["excess"] for r in rises.iter_rows(named=True)] or [1.0])
    group = folium.FeatureGroup(name="Dịch chuyển / displacement")
    for r in rises.iter_rows(named=True):
        end = centre[_members(r["province"], layout)[0]]
        weight = 2 + 10 * r["excess"] / biggest
        colour = "#7b3294" if r["significant"] else "#999999"
        tip = _esc(
            f"{r['unit']}: +{fmt_num(r['excess'], 0)} vụ/cases so với dự kiến / vs expected "
            f"({fmt_num(r['expected'], 0)} → {_shown(r['observed'], 3, 0)}); q = {fmt_num(r['q_value'], 3)}"
        )
        folium.PolyLine([origin, end], color=colour, weight=weight, opacity=0.8,
                        dash_array=None if r["significant"] else "6 6", tooltip=tip).add_to(group)  # fmt: skip
        folium.Polygon(_arrow(origin, end, 0.35), color=colour, fill=True, fill_opacity=0.9, weight=1).add_to(group)
    group.add_to(m)
    note = (
        "Mũi tên: từ địa bàn bị siết tới nơi tăng vượt dự kiến. Đậm = có ý nghĩa thống kê (BH), "
        "nét đứt = chưa chắc chắn. Arrow: from the targeted provinces to units that rose above their own "
        "expectation; width = excess cases; solid = significant after Benjamini–Hochberg, dashed = not. "
        "A rise is evidence of a shift, not proof of its cause."
    )
    m.get_root().add_child(
        _legend(
            "Dịch chuyển / displacement",
            [("#7b3294", "có ý nghĩa / significant"), ("#999999", "chưa chắc / not significant")],
            note,
        )
    )
    return m


# --- monthly slider -----------------------------------------------------------------------------


def monthly_map(
    panel: pl.DataFrame,
    *,
    layout: Layout = "2025",
    title: str = "Số vụ theo tháng / cases by month",
    k: int = 5,
    suppress_below: float | None = 3,
) -> Any:
    """A choropleth with a month slider: drag it (or press play) to see the shift happen.

    ``panel`` has ``period``, ``province`` and ``cases``. Classes are fixed across months
    (quantiles of all monthly values) so colours compare between months. Plain Leaflet and a
    range input: nothing to fetch, works offline.
    """

    frame = panel.group_by("period", "province").agg(pl.col("cases").sum().cast(pl.Float64))
    months = sorted(frame["period"].unique().to_list())
    last = frame.filter(pl.col("period") == months[-1]).rename({"cases": "value"})
    bounds = _classes(frame["cases"].to_list(), "quantiles", k, None)
    m = choropleth(
        last,
        layout=layout,
        title=title,
        period=f"{months[-1]:%m/%Y}",
        scheme="fixed",
        bins=bounds,
        suppress_below=suppress_below,
    )
    colours = _YLORRD.get(len(bounds), _YLORRD[7][: len(bounds)])
    layer = next(c for c in m._children.values() if type(c).__name__ == "GeoJson")

    colour = _palette(bounds, colours)
    names = {p: _label(p, layout) for p in frame["province"].unique().to_list()}
    by_month: dict[str, dict[str, list[str]]] = {}
    for r in frame.iter_rows(named=True):
        name = names[r["province"]]
        by_month.setdefault(f"{r['period']:%m/%Y}", {})[_esc(name)] = [
            colour(r["cases"]),
            _esc(_shown(r["cases"], suppress_below, 0)),
        ]
    labels = [f"{d:%m/%Y}" for d in months]

    # months and values are passed as a value (|tojson), never pasted into the template source
    element = _once(
        "{% macro html(this, kwargs) %}"
        '<div class="trendkit-box" data-trendkit-dock="top">'
        '<button id="trendkit-play" type="button" aria-label="play / chạy">▶</button> '
        '<input id="trendkit-month" type="range" min="0" max="{{ this.payload.labels|length - 1 }}" '
        'value="{{ this.payload.labels|length - 1 }}" style="width:min(240px,50vw);vertical-align:middle"> '
        '<b id="trendkit-label"></b></div>'
        "{% endmacro %}"
        "{% macro script(this, kwargs) %}"
        "(function() { var T = {{ this.payload|tojson }}; var layer = {{ this.layer }};"
        " var input = document.getElementById('trendkit-month'), label = document.getElementById('trendkit-label');"
        " function show(i) { var key = T.labels[i], month = T.data[key] || {}; label.textContent = key;"
        "  layer.eachLayer(function(l) { var d = month[l.feature.properties.tip_name];"
        "   l.setStyle({fillColor: d ? d[0] : '#eeeeee'});"
        "   l.feature.properties.tip_value = d ? d[1] : 'không có số liệu / no data';"
        "   l.feature.properties.tip_period = key; }); }"
        " input.addEventListener('input', function() { show(+input.value); });"
        " var timer = null; document.getElementById('trendkit-play').addEventListener('click', function() {"
        "  if (timer) { clearInterval(timer); timer = null; return; }"
        "  timer = setInterval(function() {"
        "   input.value = (+input.value + 1) % T.labels.length; show(+input.value); }, 700); });"
        " show(+input.value); })();"
        "{% endmacro %}",
        payload={"labels": labels, "data": by_month},
        layer=layer.get_name(),
    )
    m.add_child(element)
    return m
