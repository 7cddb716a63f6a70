"""Border gates, seaports and airports."""

import geopandas as gpd
import polars as pl
import pytest
import shapely

import trendkit as tk
from trendkit.geo.gazetteer import KINDS

REQUIRED_GATES = {
    "China": ["Móng Cái", "Hoành Mô", "Hữu Nghị", "Tân Thanh", "Cốc Nam", "Chi Ma", "Lào Cai", "Kim Thành",
              "Thanh Thủy", "Tà Lùng", "Trà Lĩnh", "Ma Lù Thàng"],
    "Laos": ["Cầu Treo", "Lao Bảo", "Cha Lo", "Nậm Cắn", "Bờ Y"],
    "Cambodia": ["Mộc Bài", "Xa Mát", "Hoa Lư", "Tịnh Biên"],
}  # fmt: skip
PLACES = tk.places()


def test_required_gates_are_present_with_their_border():
    gates = tk.places("border_gate")
    for country, names in REQUIRED_GATES.items():
        for name in names:
            row = gates.filter(pl.col("place_id") == tk.resolve_place(name))
            assert row.height == 1, name
            assert row["border_with"].item() == country, name


def test_seaports_and_airports():
    assert {"Cát Lái", "Lạch Huyện", "Cái Mép–Thị Vải", "Tiên Sa", "Quy Nhơn", "Cái Lân"} <= set(
        tk.places("seaport")["name"]
    )
    airports = tk.places("airport")
    for code in ["HAN", "SGN", "DAD", "CXR", "VDO", "PQC"]:
        assert tk.resolve_place(code) in airports["place_id"].to_list(), code


def test_table_is_complete_and_consistent():
    assert PLACES["place_id"].is_unique().all()
    required = ["place_id", "name", "kind", "channel", "province_legacy", "province_2025", "lat", "lon", "source"]
    assert PLACES.select(pl.col(required).null_count()).row(0) == (0,) * len(required)
    assert set(PLACES["kind"]) == set(KINDS)
    kind_channel = set(PLACES.select("kind", "channel").unique().iter_rows())
    assert kind_channel == {("border_gate", "road"), ("border_gate", "rail"), ("seaport", "sea"), ("airport", "air")}
    assert PLACES.filter(pl.col("kind") == "border_gate")["border_with"].null_count() == 0
    assert (
        PLACES.filter(pl.col("kind") != "border_gate")["border_with"].null_count()
        == PLACES.filter(pl.col("kind") != "border_gate").height
    )
    # the 2025 province comes from the crosswalk
    cw = dict(tk.crosswalk().select("name_legacy", "name_2025").iter_rows())
    assert all(cw[a] == b for a, b in PLACES.select("province_legacy", "province_2025").iter_rows())


@pytest.mark.parametrize("layout", ["legacy", "2025"])
def test_every_place_lies_within_5km_of_its_province(layout):
    shapes = tk.province_shapes(layout).set_index("name").to_crs("EPSG:32648")
    column = "province_legacy" if layout == "legacy" else "province_2025"
    points = gpd.GeoSeries(gpd.points_from_xy(PLACES["lon"], PLACES["lat"]), crs="EPSG:4326").to_crs("EPSG:32648")
    for (place, province), point in zip(PLACES.select("place_id", column).iter_rows(), points, strict=True):
        km = shapes.geometry.loc[province].distance(point) / 1000
        assert km <= 5, f"{place} is {km:.1f} km from {province}"


def test_a_gate_outside_the_coarse_border_keeps_its_table_province():
    # Móng Cái lies ~2 km outside the simplified polygon; point-in-polygon would lose it.
    row = PLACES.filter(pl.col("place_id") == "mong_cai").row(0, named=True)
    shapes = tk.province_shapes("legacy")
    assert not shapes.contains(shapely.Point(row["lon"], row["lat"])).any()
    assert row["province_legacy"] == "Quảng Ninh"


@pytest.mark.parametrize("row", list(PLACES.iter_rows(named=True)), ids=lambda r: r["place_id"])
def test_every_place_resolves_from_its_names(row):
    for spelling in (row["name"], row["name_ascii"], row["name_en"], row["name"].upper()):
        assert tk.resolve_place(spelling) == row["place_id"], spelling


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cửa khẩu quốc tế Hữu Nghị", "huu_nghi"),
        ("CK Tân Thanh", "tan_thanh"),
        ("cua khau chinh Hoanh Mo", "hoanh_mo"),
        ("Cảng Cát Lái", "cat_lai"),
        ("Cảng hàng không quốc tế Nội Bài", "noi_bai"),
        ("Sân bay Tân Sơn Nhất", "tan_son_nhat"),
        ("sgn", "tan_son_nhat"),
        ("Móng Cái", "mong_cai"),
        ("Nơi khác", None),
        ("", None),
        (None, None),
    ],
)
def test_free_text_places(text, expected):
    assert tk.resolve_place(text) == expected


def test_unknown_kind():
    with pytest.raises(ValueError, match="border_gate"):
        tk.places("bridge")


def test_loader_fills_place_id(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "Mã vụ việc,Ngày phát hiện,Tỉnh/TP,Tuyến,Cửa khẩu\n"
        "A1,01/03/2021,Lạng Sơn,Đường bộ,CK Hữu Nghị\n"
        "A2,02/03/2021,Lạng Sơn,Đường bộ,Km 12 QL1A\n"
        "A3,03/03/2021,Hà Nội,Hàng không,Sân bay Nội Bài\n",
        encoding="utf-8",
    )
    cases = tk.load_cases(path).cases.sort("case_id")
    assert cases["place_id"].to_list() == ["huu_nghi", None, "noi_bai"]
    assert cases["place_raw"].to_list() == ["CK Hữu Nghị", "Km 12 QL1A", "Sân bay Nội Bài"]
