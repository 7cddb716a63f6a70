"""Maps: structure of the folium objects, escaping, suppression, offline export, static PNG."""

import html
import json
import re

import polars as pl
import pytest

import trendkit as tk
from trendkit.maps import ExportError, add_places, choropleth, save_map, static_choropleth
from trendkit.maps.style import NO_DATA

PANEL = tk.panel(tk.load_cases("data/sample").cases, by=("province",))
VALUES = (
    PANEL.filter(pl.col("period").dt.year() == 2024)
    .group_by("province")
    .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
)
EVIL = "<script>alert(1)</script>"


def _geojson(m):
    layer = next(c for c in m._children.values() if type(c).__name__ == "GeoJson")
    return layer.data


@pytest.mark.parametrize(("layout", "n"), [("2025", 34), ("legacy", 63)])
def test_choropleth_has_every_province(layout, n):
    values = VALUES if layout == "2025" else pl.DataFrame({"province": ["Yên Bái", "Lạng Sơn"], "value": [5.0, 9.0]})
    data = _geojson(choropleth(values, layout=layout))
    assert len(data["features"]) == n


def test_colours_follow_the_classes_and_missing_is_grey():
    data = _geojson(choropleth(VALUES, scheme="fixed", bins=[50, 200, 1000]))
    by_name = {f["properties"]["tip_name"]: f["properties"] for f in data["features"]}
    assert by_name["Cần Thơ"]["colour"] == "#ffeda0"  # 17 cases: first class
    assert by_name["TP. Hồ Chí Minh"]["colour"] == "#f03b20"  # 660: last class
    assert by_name["Gia Lai"]["colour"] == NO_DATA and "no data" in by_name["Gia Lai"]["tip_value"]


def test_legend_tooltips_and_vietnamese_numbers():
    values = pl.DataFrame({"province": ["Lạng Sơn", "Lào Cai", "Cao Bằng"], "value": [12345.0, 2.0, 400.0]})
    m = choropleth(values, title="Số vụ / cases", period="2024", scheme="fixed", bins=[10, 1000, 20000])
    html = m.get_root().render()
    assert "trendkit-legend" in html and "không có số liệu / no data" in html
    assert "1.001 – 20.000" in html  # Vietnamese thousands separator; classes that never overlap
    props = {f["properties"]["tip_name"]: f["properties"] for f in _geojson(m)["features"]}
    assert props["Lạng Sơn"]["tip_value"] == "12.345"
    assert props["Lào Cai"]["tip_value"] == "&lt;3"  # suppressed small count
    assert props["Lạng Sơn"]["tip_period"] == "2024"
    unsuppressed = choropleth(values, suppress_below=None)
    assert {f["properties"]["tip_name"]: f["properties"] for f in _geojson(unsuppressed)["features"]}["Lào Cai"][
        "tip_value"
    ] == "2"


def test_data_strings_are_escaped():
    m = choropleth(VALUES, title=EVIL, period=EVIL)
    add_places(m)
    html = m.get_root().render()
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_map_bounds_cover_the_mainland_and_the_archipelagos():
    html = choropleth(VALUES).get_root().render()
    (south, west), (north, east) = json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    assert south < 8.4 and north > 23.3 and west < 102.2 and east > 114.4  # Cà Mau, Hà Giang, Điện Biên, Trường Sa


def test_archipelagos_are_on_national_maps():
    html = choropleth(VALUES).get_root().render()
    for label in ("Quần đảo Hoàng Sa (Đà Nẵng)", "Quần đảo Trường Sa (Khánh Hòa)"):
        assert json.dumps(label)[1:-1] in html  # folium writes the label into JS as a JSON string


def test_places_layers_by_channel_sized_by_cases():
    m = choropleth(VALUES)
    add_places(m, pl.DataFrame({"place_id": ["huu_nghi", "noi_bai"], "cases": [100, 1]}))
    groups = [c for c in m._children.values() if type(c).__name__ == "FeatureGroup"]
    names = {g.layer_name for g in groups}
    assert {"Đường bộ / road", "Đường biển / sea", "Hàng không / air", "Đường sắt / rail"} <= names
    assert any(type(c).__name__ == "LayerControl" for c in m._children.values())
    road = next(g for g in groups if g.layer_name == "Đường bộ / road")
    radii = {c.location[0]: c.options["radius"] for c in road._children.values()}
    style = {c.location[0]: c.options for c in road._children.values()}
    assert radii[21.97] > radii[21.54]  # Hữu Nghị (100 cases) drawn bigger than Móng Cái (none given)
    assert "&lt;3" in m.get_root().render()  # Nội Bài's single case is suppressed in its popup
    # a place without cases is context: a small grey ring, never a coloured disc that reads as data
    assert style[21.54]["color"] == "#888888" and not style[21.54]["fill"]
    assert style[21.97]["color"] != "#888888" and style[21.97]["fill"]
    assert "không có vụ (để định hướng) / no cases (for orientation)" in m.get_root().render()


def test_offline_export_loads_nothing_from_the_internet(tmp_path):
    m = choropleth(VALUES, title="Số vụ 2024 (SYNTHETIC)")
    add_places(m)
    path = save_map(m, tmp_path / "map.html")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "url(http" not in text and "url(images/" not in text
    assert "L.map(" in text or "L.map (" in text
    assert path.stat().st_size < 1_500_000
    features = json.loads(re.search(r"geo_json_\w+_add\((\{.*?\})\);", text, re.S).group(1))["features"]
    assert len(features) == 34


@pytest.mark.parametrize("offline", [True, False])
def test_every_saved_map_names_itself_and_its_language(tmp_path, offline):
    """A map opened alone (a leader's browser tab, a screen reader) says what it is: ``<title>`` with
    the map's title and period, escaped, and ``lang="vi"``."""
    maps = {
        "cases": choropleth(VALUES, title="Số vụ 2024 / cases", period="01/2024–12/2024"),
        "evil": choropleth(VALUES, title=EVIL),
        "monthly": tk.maps.monthly_map(PANEL.filter(pl.col("period").dt.year() == 2024)),
    }
    for name, m in maps.items():
        text = save_map(m, tmp_path / f"{name}.html", offline=offline).read_text(encoding="utf-8")
        assert re.search(r'<html lang="vi">\s*<head>\s*<title>', text), name
        assert text.count("<title>") == 1
    title = re.search(r"<title>(.*?)</title>", (tmp_path / "cases.html").read_text(encoding="utf-8")).group(1)
    assert title == "Số vụ 2024 / cases — 01/2024–12/2024"
    evil = (tmp_path / "evil.html").read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in evil
    assert "<title>Số vụ theo tháng / cases by month" in (tmp_path / "monthly.html").read_text(encoding="utf-8")


def test_online_export_keeps_cdn_references(tmp_path):
    text = save_map(choropleth(VALUES), tmp_path / "online.html", offline=False).read_text(encoding="utf-8")
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/leaflet@1\.9\.3/dist/leaflet\.js"', text)


def test_an_asset_that_cannot_be_inlined_is_refused(tmp_path):
    from folium.plugins import MarkerCluster

    m = choropleth(VALUES)
    MarkerCluster().add_to(m)
    with pytest.raises(ExportError, match="cannot inline"):
        save_map(m, tmp_path / "cluster.html")
    assert not (tmp_path / "cluster.html").exists()


def test_static_png(tmp_path):
    path = static_choropleth(VALUES, tmp_path / "map.png", title="Số vụ 2024 (SYNTHETIC)")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000


def test_bad_values_frame():
    with pytest.raises(ValueError, match="'province'"):
        choropleth(pl.DataFrame({"tinh": ["Lạng Sơn"], "value": [1.0]}))


def test_displacement_map_arrows():
    from trendkit.maps import displacement_map
    from trendkit.models import displacement_scan

    scan = displacement_scan(
        tk.panel(tk.load_cases("data/sample").cases), ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12
    )
    m = displacement_map(scan, top=5)
    group = next(c for c in m._children.values() if getattr(c, "layer_name", "") == "Dịch chuyển / displacement")
    lines = [c for c in group._children.values() if type(c).__name__ == "PolyLine"]
    heads = [c for c in group._children.values() if type(c).__name__ == "Polygon"]
    assert len(lines) == len(heads) == 5
    solid = [ln for ln in lines if ln.options.get("dashArray") is None]
    assert len(solid) == int(scan.to_frame().head(5)["significant"].sum()) >= 1
    assert max(ln.options["weight"] for ln in lines) == solid[0].options["weight"] == 12  # Lào Cai · road, the largest
    html = m.get_root().render()
    assert "not proof of its cause" in html


def test_monthly_map_has_a_slider_with_every_month():
    from trendkit.maps import monthly_map

    panel = tk.panel(tk.load_cases("data/sample").cases, by=("province",))
    html = monthly_map(panel).get_root().render()
    assert 'id="trendkit-month"' in html and 'max="47"' in html
    payload = json.loads(re.search(r"var T = (\{.*?\}); var layer", html, re.S).group(1))
    assert payload["labels"][0] == "01/2022" and len(payload["labels"]) == 48
    small = [v[1] for month in payload["data"].values() for v in month.values() if v[1].startswith("&lt;")]
    assert small  # counts of 1-2 are suppressed in the slider too


TEMPLATE = "T{{7*7}}{% if true %}x{% endif %}{{ lipsum.__globals__ }}{%"


@pytest.fixture(scope="module")
def scan():
    from trendkit.models import displacement_scan

    return displacement_scan(PANEL.with_columns(channel=pl.lit("road")), ["Quảng Ninh", "Lạng Sơn"], "2023-07")


@pytest.mark.parametrize("kind", ["choropleth", "period", "monthly", "displacement"])
def test_template_syntax_in_a_title_is_shown_not_run(kind, scan):
    from trendkit.maps import displacement_map, monthly_map

    make = {
        "choropleth": lambda: choropleth(VALUES, title=TEMPLATE),
        "period": lambda: choropleth(VALUES, period=TEMPLATE),
        "monthly": lambda: monthly_map(PANEL, title=TEMPLATE),
        "displacement": lambda: displacement_map(scan, title=TEMPLATE),
    }[kind]
    page = make().get_root().render()  # a "{%" in the title used to crash the render
    assert "T49" not in page and "__builtins__" not in page
    assert "T{{7*7}}{% if true %}x{% endif %}" in html.unescape(page.replace("\\u0026", "&"))  # shown as written


def test_legend_never_shows_an_exact_small_count():
    values = pl.DataFrame({"province": ["Lạng Sơn", "Lào Cai", "Cao Bằng", "Huế"], "value": [1.0, 2.0, 40.0, 90.0]})
    page = choropleth(values, scheme="fixed", bins=[2, 50, 100]).get_root().render()
    start = page.index('class="trendkit-legend')
    legend = page[start : page.index("trendkit-note", start)]
    assert "&lt;3</div>" in legend and "1 – 2" not in legend and "3 – 50</div>" in legend


def test_maps_show_offline_in_a_notebook():
    page = html.unescape(choropleth(VALUES)._repr_html_())
    assert 'title="trendkit map"' in page and "L.map(" in page
    assert not re.search(r"""<script[^>]*src=["']https?://|<link[^>]*href=["']https?://""", page)


def test_title_period_metric_scale_and_place_legend_are_on_the_page():
    m = choropleth(VALUES, title="Số vụ 2024 — SYNTHETIC", period="01/2024–12/2024")
    add_places(m, pl.DataFrame({"place_id": ["huu_nghi"], "cases": [10]}))
    page = m.get_root().render()
    title = re.search(r'<div class="trendkit-title[^>]*><b>(.*?)</b><div>(.*?)</div>', page)
    assert title and title.group(1) == "Số vụ 2024 — SYNTHETIC" and "01/2024–12/2024" in title.group(2)
    assert "imperial: false" in page and "control_scale" not in page and "L.control.scale({imperial: false" in page
    legends = re.findall(r'class="trendkit-legend[^>]*><summary><b>(.*?)</b></summary>', page)
    assert legends == ["Số vụ 2024 — SYNTHETIC", "Cửa khẩu, cảng, sân bay / gates, ports, airports"]
    assert "cỡ = số vụ / size = cases" in page and "Đường bộ / road" in page
    assert page.count('id="trendkit-dock-bottom"') == 1  # one dock however many legends


def test_province_labels_on_request():
    plain = choropleth(VALUES).get_root().render()
    labelled = choropleth(VALUES, labels=True).get_root().render()
    assert 'class="trendkit-place-label"' not in plain
    icons = [json.loads(f'"{h}"') for h in re.findall(r'"html": "(.*?)",', labelled)]
    names = [re.sub("<[^>]+>", "", h) for h in icons if 'class="trendkit-place-label"' in h]
    assert len(names) == 34 and "Lào Cai" in names


def _ranges(labels):
    """Each whole-number label as (first, last); "<3" as (1, 2)."""
    out = []
    for text in labels:
        if text.startswith("<"):
            out.append((1, int(text[1:]) - 1))
            continue
        parts = [int(p.replace(".", "")) for p in re.findall(r"-?[\d.]+", text)]
        out.append((parts[0], parts[-1]))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_class_labels_never_overlap_and_leave_no_gap(seed):
    import numpy as np

    from trendkit.maps.style import classes_for

    rng = np.random.default_rng(seed)
    values = rng.negative_binomial(1 + seed % 3, 0.02 + 0.01 * (seed % 5), size=34).astype(float).tolist()
    for scheme in ("quantiles", "natural_breaks"):
        c = classes_for(values, scheme, 5, None, 0, 3)
        ranges = _ranges(c.labels)
        assert all(a <= b for a, b in ranges), c.labels
        assert all(ranges[i][1] + 1 == ranges[i + 1][0] for i in range(len(ranges) - 1)), c.labels
        assert len(c.labels) == len(c.colours) == len(set(c.colours)) <= len(set(values))
        assert all(c.colour(v) in c.colours for v in values)


def test_few_distinct_values_give_few_classes_never_a_meaningless_one():
    from trendkit.maps.style import classes_for

    assert classes_for([0.0, 0.0, 1.0, 2.0, 4.0], "quantiles", 5, None, 0, 3).labels == ["0", "<3", "3 – 4"]
    one = classes_for([7.0, 7.0, 7.0], "quantiles", 5, None, 0, 3)
    assert one.labels == ["7"] and len(one.colours) == 1
    two = classes_for([5.0, 9.0], "quantiles", 5, None, 0, 3)
    assert len(two.labels) == 2 and two.colours[0] != two.colours[1]


def test_a_signed_measure_gets_a_diverging_palette_centred_on_zero():
    from trendkit.maps.style import RDBU, classes_for

    values = [-30.0, -12.0, -3.0, 0.0, 2.0, 15.0, 60.0, 144.0]
    c = classes_for(values, "quantiles", 5, None, 0, 3)
    assert c.diverging and c.colours == RDBU[len(c.colours)]
    middle = len(c.colours) // 2
    assert c.colour(0.0) == c.colours[middle] == "#f7f7f7"  # no change: white
    assert c.colour(144.0) == c.colours[-1] and c.colour(-144.0) == c.colours[0]  # symmetric ends
    assert c.colour(-30.0) in c.colours[:middle] and c.colour(15.0) in c.colours[middle + 1 :]
    lows, highs = zip(*_ranges(c.labels), strict=True)
    assert list(lows) == [-h for h in highs[::-1]]  # the classes mirror each other about 0
    counts = classes_for([0.0, 4.0, 9.0, 30.0], "quantiles", 5, None, 0, 3)
    assert not counts.diverging and "#f7f7f7" not in counts.colours  # counts stay sequential


def test_the_excess_map_shows_falls_blue_and_rises_red():
    scan = tk.models.displacement_scan(PANEL, ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
    m = tk.maps.displacement_map(scan)
    page = m.get_root().render()
    assert "#f7f7f7" in page and any(blue in page for blue in ("#2166ac", "#0571b0", "#67a9cf"))
    excess = dict(scan.to_frame().group_by("province").agg(pl.col("excess").sum()).iter_rows())
    props = {f["properties"]["tip_name"]: f["properties"]["colour"] for f in _geojson(m)["features"]}
    worst = min(excess, key=excess.get)
    assert excess[worst] < 0 and props[worst] in ("#2166ac", "#0571b0", "#67a9cf")


def test_the_printed_map_carries_its_period_and_scale_and_its_legend_stays_off_the_land():
    from shapely.geometry import box

    from trendkit.geo.shapes import province_shapes
    from trendkit.maps.static import static_figure

    fig = static_figure(VALUES, title="Số vụ 2024 — SYNTHETIC", period="01/2024–12/2024")
    ax = fig.axes[0]
    assert "Kỳ dữ liệu / data period: 01/2024–12/2024" in ax.get_title() and "SYNTHETIC" in ax.get_title()
    assert any(t.get_text() == "200 km" for t in ax.texts)
    fig.canvas.draw()
    corners = ax.transData.inverted().transform(ax.get_legend().get_window_extent())
    legend = box(*corners[0], *corners[1])
    land = province_shapes("2025").geometry
    assert not land.intersects(legend).any()


def test_edge_cases_of_the_classes_never_give_an_empty_or_contradicting_class():
    from trendkit.maps.style import classes_for

    assert classes_for([-3.0, 3.0], "quantiles", 5, None, 0, None).labels == ["-3 – -1", "0", "1 – 3"]
    assert classes_for([-1.0, 0.0, 1.0], "quantiles", 5, None, 0, None).labels == ["-1", "0", "1"]
    c = classes_for([-0.4, 0.2, 0.3, 5.7, 5.9], "quantiles", 5, None, 0, None)
    for v in (-0.4, 0.2, 5.7):  # a value is classed as it is shown (rounded): "-0" and "0,2" are in "0"
        shown = round(v)
        label = c.labels[c.colours.index(c.colour(v))]
        lows_highs = [int(x) for x in re.findall(r"-?\d+", label)]
        assert min(lows_highs) <= shown <= max(lows_highs), (v, label)
    seq = classes_for([0.4, 2.6, 14.6, 15.4, 40.0], "fixed", 5, [15, 40], 0, 3)
    assert [seq.labels[seq.colours.index(seq.colour(v))] for v in (2.6, 14.6, 15.4, 15.6)] == [
        "3 – 15", "3 – 15", "3 – 15", "16 – 40"
    ]  # 2,6 shows "3"; 15,4 shows "15"; 15,6 shows "16"  # fmt: skip
