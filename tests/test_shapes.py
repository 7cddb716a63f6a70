"""Shipped polygons, adjacency and the archipelagos."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely

import trendkit as tk
from trendkit.errors import UnknownProvinceError
from trendkit.geo.shapes import MANUAL_LEGACY_NEIGHBOURS

DATA = Path(tk.__file__).parent / "data"
EQUAL_AREA = "EPSG:6933"


@pytest.fixture(scope="module")
def legacy():
    return tk.province_shapes("legacy")


@pytest.fixture(scope="module")
def new():
    return tk.province_shapes("2025")


def test_committed_geometry_is_small():
    size = sum(p.stat().st_size for p in DATA.glob("*.geojson"))
    assert size <= 1_500_000, size


def test_layouts_have_every_province_once(legacy, new):
    assert sorted(legacy["code"]) == sorted(tk.provinces("legacy")["code"])
    assert sorted(new["code"]) == sorted(tk.provinces("2025")["code"])
    assert legacy.crs.to_epsg() == new.crs.to_epsg() == 4326
    # names come from trendkit's own table, not the source (which has "Đông Bắc" for Bắc Kạn etc.)
    table = dict(tk.provinces("legacy").select("code", "name").iter_rows())
    assert dict(zip(legacy["code"], legacy["name"], strict=True)) == table
    assert not {"Đông Bắc", "Đồng Bằng Sông Hồng", "Đông Nam Bộ", "Quàng Nam"} & set(legacy["name"])


def test_union_of_63_equals_union_of_34(legacy, new):
    a = legacy.to_crs(EQUAL_AREA)
    b = new.to_crs(EQUAL_AREA)
    assert abs(a.area.sum() / b.area.sum() - 1) < 0.001
    union_a, union_b = shapely.union_all(a.geometry.to_numpy()), shapely.union_all(b.geometry.to_numpy())
    assert shapely.symmetric_difference(union_a, union_b).area / union_a.area < 0.001
    # each 2025 province is exactly the union of its members
    members = dict(tk.crosswalk().group_by("code_2025").agg("code_legacy").iter_rows())
    by_code = a.set_index("code").geometry
    for code, geom in b.set_index("code").geometry.items():
        merged = shapely.union_all(by_code.loc[members[code]].to_numpy())
        assert shapely.symmetric_difference(merged, geom).area / geom.area < 1e-6, code


def test_national_area_is_vietnam(legacy):
    km2 = legacy.to_crs(EQUAL_AREA).area.sum() / 1e6
    assert 320_000 < km2 < 335_000  # official land area about 331,000 km²


@pytest.mark.parametrize("layout", ["legacy", "2025"])
def test_polygons_form_a_clean_coverage(layout):
    shapes = tk.province_shapes(layout)
    geoms = shapes.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    # no slivers: the nation has no holes, and provinces do not overlap
    nation = shapely.union_all(geoms)
    holes = [ring for poly in shapely.get_parts(nation) for ring in poly.interiors]
    assert holes == []
    left, right = shapely.STRtree(geoms).query(geoms)
    overlap = sum(shapely.intersection(geoms[i], geoms[j]).area for i, j in zip(left, right, strict=True) if i < j)
    assert overlap < 1e-9


@pytest.mark.parametrize("layout", ["legacy", "2025"])
def test_neighbour_pairs_touch_along_a_border(layout):
    adj = tk.adjacency(layout)
    shapes = tk.province_shapes(layout).set_index("code").geometry
    assert adj.height > 2 * len(shapes)  # a real adjacency graph, not an empty one
    pairs = set(zip(adj["code"], adj["neighbour_code"], strict=True))
    assert all((b, a) in pairs for a, b in pairs)  # symmetric
    for row in adj.filter(pl.col("source") == "polygons").iter_rows(named=True):
        shared = shapely.intersection(shapes.loc[row["code"]].boundary, shapes.loc[row["neighbour_code"]].boundary)
        assert shared.length > 0, (row["name"], row["neighbour_name"])
        assert not shapely.intersection(shapes.loc[row["code"]], shapes.loc[row["neighbour_code"]]).area > 1e-9
    # every polygon-touching pair with a real shared border is listed
    geoms = shapes.to_numpy()
    codes = shapes.index.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i != j and shapely.intersection(geoms[i].boundary, geoms[j].boundary).length > 0.02:
            assert (codes[i], codes[j]) in pairs


# Checked by hand against the provinces' own descriptions (vi.wikipedia "Vị trí địa lý" sections).
LEGACY_NEIGHBOURS = {
    "Lạng Sơn": ["Bắc Giang", "Bắc Kạn", "Cao Bằng", "Quảng Ninh", "Thái Nguyên"],
    "Quảng Ninh": ["Bắc Giang", "Hải Dương", "Hải Phòng", "Lạng Sơn"],
    "Lào Cai": ["Hà Giang", "Lai Châu", "Sơn La", "Yên Bái"],
    "Cao Bằng": ["Bắc Kạn", "Hà Giang", "Lạng Sơn", "Tuyên Quang"],
    "Hà Giang": ["Cao Bằng", "Lào Cai", "Tuyên Quang", "Yên Bái"],
    "Điện Biên": ["Lai Châu", "Sơn La"],
}
NEIGHBOURS_2025 = {
    "Lạng Sơn": ["Bắc Ninh", "Cao Bằng", "Quảng Ninh", "Thái Nguyên"],
    "Quảng Ninh": ["Bắc Ninh", "Hải Phòng", "Lạng Sơn"],
    "Lào Cai": ["Lai Châu", "Phú Thọ", "Sơn La", "Tuyên Quang"],
    "Cao Bằng": ["Lạng Sơn", "Thái Nguyên", "Tuyên Quang"],
}


@pytest.mark.parametrize(("province", "expected"), LEGACY_NEIGHBOURS.items())
def test_northern_border_neighbours_legacy(province, expected):
    assert tk.neighbours(province, layout="legacy") == expected


@pytest.mark.parametrize(("province", "expected"), NEIGHBOURS_2025.items())
def test_northern_border_neighbours_2025(province, expected):
    assert tk.neighbours(province) == expected


@pytest.mark.parametrize("spelling", ["Lạng Sơn", "lang son", "Tỉnh Lạng Sơn", "LANG SON", "VN-09", "20"])
def test_neighbours_accepts_any_spelling(spelling):
    assert tk.neighbours(spelling) == NEIGHBOURS_2025["Lạng Sơn"]


def test_neighbours_errors():
    with pytest.raises(UnknownProvinceError, match="did you mean Lạng Sơn"):
        tk.neighbours("Lang Sonn")
    with pytest.raises(ValueError, match="legacy"):
        tk.neighbours("15", layout="legacy")  # a bare 2025 code names no legacy province
    with pytest.raises(ValueError, match="layout"):
        tk.neighbours("Lạng Sơn", layout="1976")


def test_manual_pairs_are_the_only_ones_without_length():
    adj = tk.adjacency("legacy")
    manual = adj.filter(pl.col("source") == "manual")
    assert manual["shared_border_km"].null_count() == manual.height == 2 * len(MANUAL_LEGACY_NEIGHBOURS)
    assert adj.filter(pl.col("source") == "polygons")["shared_border_km"].min() >= 0.5
    assert tk.adjacency("2025")["source"].unique().to_list() == ["polygons"]


def test_shapes_are_copies():
    a = tk.province_shapes()
    a["name"] = "x"
    assert tk.province_shapes()["name"].iloc[0] != "x"


def test_archipelagos():
    arch = tk.archipelagos().set_index("name")
    assert arch.loc["Quần đảo Hoàng Sa", "province_2025"] == "Đà Nẵng"
    assert arch.loc["Quần đảo Trường Sa", "province_2025"] == "Khánh Hòa"
    assert arch.loc["Quần đảo Hoàng Sa", "province_legacy"] == "Đà Nẵng"
    hs, ts = arch.geometry.loc["Quần đảo Hoàng Sa"], arch.geometry.loc["Quần đảo Trường Sa"]
    assert shapely.box(111.0, 15.5, 113.0, 17.2).contains(hs)
    assert shapely.box(111.5, 7.5, 116.0, 12.0).contains(ts)
    # offshore: no island lies on the mainland polygons
    nation = shapely.union_all(tk.province_shapes().geometry.to_numpy())
    assert not nation.intersects(hs) and not nation.intersects(ts)
    label = arch.loc["Quần đảo Hoàng Sa", ["label_lat", "label_lon"]].astype(float)
    assert np.allclose(label, [hs.centroid.y, hs.centroid.x])
