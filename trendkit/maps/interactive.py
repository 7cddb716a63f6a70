"""Interactive maps (folium): the province choropleth, places by channel, displacement arrows and
the month slider."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from trendkit.geo.provinces import Layout
from trendkit.maps.elements import arrow_head, dock_frame, escape, legend_box, month_slider, title_box
from trendkit.maps.offline import map_class, trim_assets
from trendkit.maps.style import NO_DATA, Scheme, classes_for, classified, members_of, shown_value, unit_label
from trendkit.palette import CHANNEL_COLOURS, CHANNEL_LABELS, UNKNOWN_COLOUR
from trendkit.summary import SUPPRESS_BELOW, fmt_num


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
    suppress_below: float | None = SUPPRESS_BELOW,
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

    Notes
    -----
    The scale bar is metric only; the Hoàng Sa and Trường Sa labels end at their islands, so a
    narrow screen never cuts them off.
    """
    return _choropleth(
        values,
        value=value,
        layout=layout,
        title=title,
        period=period,
        scheme=scheme,
        k=k,
        bins=bins,
        digits=digits,
        suppress_below=suppress_below,
        tiles=tiles,
        labels=labels,
    )[0]


def _choropleth(
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
    suppress_below: float | None = SUPPRESS_BELOW,
    tiles: str | None = None,
    labels: bool = False,
) -> tuple[Any, Any]:
    """The choropleth and the province layer it added (the month slider restyles that layer)."""
    import folium

    shapes, rows, shown = classified(values, value, layout, scheme, k, bins, digits, suppress_below)
    shapes["tip_name"] = [escape(n) for n in shapes["unit"]]
    shapes["tip_value"] = [escape(shown_value(v, suppress_below, digits)) for v in shown]
    shapes["tip_period"] = escape(period or "")
    keep = ["code", "tip_name", "tip_value", "tip_period", "colour", "geometry"]
    m = map_class()(
        location=[16.0, 107.5],
        zoom_start=5,
        tiles=tiles,
        attribution_control=False,
        control_scale=False,
        zoom_snap=0.25,
    )
    trim_assets(m)
    m.trendkit_title = f"{title} — {period}" if period else title  # the page's <title> (save_map)
    layer = folium.GeoJson(
        shapes[keep],
        name=escape(title),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda f: {"weight": 2, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["tip_name", "tip_value", "tip_period"],
            aliases=["Tỉnh / province", escape(title), "Kỳ / period"],
            localize=False,
        ),
    )
    layer.add_to(m)
    _add_archipelagos(m)
    if labels:
        _add_names(m, shapes)
    note = "Ranh giới: Natural Earth (đơn giản hóa). Boundaries: Natural Earth, simplified."
    if suppress_below:
        note += f" Giá trị < {fmt_num(suppress_below, 0)} được ẩn / values below {fmt_num(suppress_below, 0)} hidden."
    m.get_root().add_child(dock_frame(m.get_name()))
    m.get_root().add_child(title_box(title, period))
    m.get_root().add_child(legend_box(title, rows, note))
    m.fit_bounds([[8.2, 102.1], [23.4, 114.5]], padding_top_left=(0, 70), padding_bottom_right=(0, 5))
    return m, layer


def _add_archipelagos(m: Any) -> Any:
    """Hoàng Sa and Trường Sa: their islands as dots and their names, under the province that administers them."""
    import folium

    from trendkit.geo.shapes import archipelagos

    for row in archipelagos().itertuples():
        group = folium.FeatureGroup(name=escape(row.name))
        for pt in row.geometry.geoms:
            folium.CircleMarker([pt.y, pt.x], radius=2, color="#444", fill=True, weight=1).add_to(group)
        label = f"{row.name} ({row.province_2025})"
        folium.Marker(
            [row.label_lat, row.label_lon],
            icon=folium.DivIcon(html=f'<div class="trendkit-archipelago">{escape(label)}</div>', icon_size=(0, 0)),
        ).add_to(group)
        group.add_to(m)
    return m


def _add_names(m: Any, shapes: Any) -> Any:
    """Each province's name at a point inside it, as one layer."""
    import folium

    group = folium.FeatureGroup(name="Tên tỉnh / province names")
    for name, point in zip(shapes["name"], shapes.geometry.representative_point(), strict=True):
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(html=f'<div class="trendkit-place-label">{escape(name)}</div>', icon_size=(0, 0)),
        ).add_to(group)
    group.add_to(m)
    return group


#: A place shown for orientation only (no cases in the data): a small grey ring.
CONTEXT_COLOUR = "#888888"


def add_places(
    m: Any,
    cases: pl.DataFrame | None = None,
    *,
    kinds: Sequence[str] = ("border_gate", "seaport", "airport"),
    suppress_below: float | None = SUPPRESS_BELOW,
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
            groups[ch] = folium.FeatureGroup(name=escape(CHANNEL_LABELS.get(ch, ch)))
        n = counts.get(row["place_id"])
        context = bool(counts) and not n  # a place without cases, shown for orientation only
        radius = 2.5 if context else 3 + (12 * math.sqrt(n / biggest) if n else 0)  # area ∝ cases; ≤ 15 px
        popup = (
            f"<b>{escape(row['name'])}</b><br>{escape(row['name_en'])}<br>"
            f"{escape(CHANNEL_LABELS.get(ch, ch))} · {escape(row['province_2025'])}"
            + (f"<br>Số vụ / cases: {escape(shown_value(float(n), suppress_below, 0))}" if n is not None else "")
        )
        folium.CircleMarker(
            [row["lat"], row["lon"]],
            radius=radius,
            color=CONTEXT_COLOUR if context else CHANNEL_COLOURS.get(ch, UNKNOWN_COLOUR),
            fill=not context,  # context: a small grey ring; data: a disc sized by its cases
            fill_opacity=0.45,  # the choropleth stays readable under the markers
            opacity=0.7 if context else 1.0,
            weight=1,
            popup=folium.Popup(popup, max_width=250),
            tooltip=escape(row["name"]),
        ).add_to(groups[ch])
    for group in groups.values():
        group.add_to(m)
    folium.LayerControl(collapsed=False, position="bottomright").add_to(m)
    rows = [(CHANNEL_COLOURS.get(ch, UNKNOWN_COLOUR), CHANNEL_LABELS.get(ch, ch)) for ch in groups]
    if counts:
        rows.append((CONTEXT_COLOUR, "không có vụ (để định hướng) / no cases (for orientation)"))
    note = "Màu = phương thức / colour = channel" + ("; cỡ = số vụ / size = cases" if counts else "")
    m.get_root().add_child(legend_box("Cửa khẩu, cảng, sân bay / gates, ports, airports", rows, note, round_marks=True))
    return m


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
    origin_pts = [centre[members_of(t, layout)[0]] for t in scan.targets]
    origin = (sum(p[0] for p in origin_pts) / len(origin_pts), sum(p[1] for p in origin_pts) / len(origin_pts))
    biggest = max([r["excess"] for r in rises.iter_rows(named=True)] or [1.0])
    group = folium.FeatureGroup(name="Dịch chuyển / displacement")
    for r in rises.iter_rows(named=True):
        end = centre[members_of(r["province"], layout)[0]]
        weight = 2 + 10 * r["excess"] / biggest
        colour = "#7b3294" if r["significant"] else "#999999"
        tip = escape(
            f"{r['unit']}: +{fmt_num(r['excess'], 0)} vụ/cases so với dự kiến / vs expected "
            f"({fmt_num(r['expected'], 0)} → {shown_value(r['observed'], SUPPRESS_BELOW, 0)}); "
            f"q = {fmt_num(r['q_value'], 3)}"
        )
        folium.PolyLine([origin, end], color=colour, weight=weight, opacity=0.8,
                        dash_array=None if r["significant"] else "6 6", tooltip=tip).add_to(group)  # fmt: skip
        folium.Polygon(arrow_head(origin, end, 0.35), color=colour, fill=True, fill_opacity=0.9, weight=1).add_to(group)
    group.add_to(m)
    note = (
        "Mũi tên: từ địa bàn bị siết tới nơi tăng vượt dự kiến. Đậm = có ý nghĩa thống kê (BH), "
        "nét đứt = chưa chắc chắn. Arrow: from the targeted provinces to units that rose above their own "
        "expectation; width = excess cases; solid = significant after Benjamini–Hochberg, dashed = not. "
        "A rise is evidence of a shift, not proof of its cause."
    )
    m.get_root().add_child(
        legend_box(
            "Dịch chuyển / displacement",
            [("#7b3294", "có ý nghĩa / significant"), ("#999999", "chưa chắc / not significant")],
            note,
        )
    )
    return m


def monthly_map(
    panel: pl.DataFrame,
    *,
    layout: Layout = "2025",
    title: str = "Số vụ theo tháng / cases by month",
    k: int = 5,
    suppress_below: float | None = SUPPRESS_BELOW,
) -> Any:
    """A choropleth with a month slider: drag it (or press play) to see the shift happen.

    ``panel`` has ``period``, ``province`` and ``cases``. Classes are fixed across months
    (quantiles of all monthly values) so colours compare between months. Plain Leaflet and a
    range input: nothing to fetch, works offline.
    """

    frame = panel.group_by("period", "province").agg(pl.col("cases").sum().cast(pl.Float64))
    months = sorted(frame["period"].unique().to_list())
    last = frame.filter(pl.col("period") == months[-1]).rename({"cases": "value"})
    classes = classes_for(frame["cases"].to_list(), "quantiles", k, None, 0, suppress_below)
    m, layer = _choropleth(
        last,
        layout=layout,
        title=title,
        period=f"{months[-1]:%m/%Y}",
        scheme="fixed",
        bins=classes.uppers,
        suppress_below=suppress_below,
    )
    colour = classes.colour
    names = {p: unit_label(p, layout) for p in frame["province"].unique().to_list()}
    by_month: dict[str, dict[str, list[str]]] = {}
    for r in frame.iter_rows(named=True):
        name = names[r["province"]]
        by_month.setdefault(f"{r['period']:%m/%Y}", {})[escape(name)] = [
            colour(r["cases"]),
            escape(shown_value(r["cases"], suppress_below, 0)),
        ]
    labels = [f"{d:%m/%Y}" for d in months]

    m.add_child(month_slider({"labels": labels, "data": by_month, "missing": NO_DATA}, layer.get_name()))
    return m
