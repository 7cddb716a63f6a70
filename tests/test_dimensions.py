"""Any dimension: cases carry region, macro-region, place kind and the legacy group; the scan and the
measures work by any of them, alone or crossed; the legacy layout never drops post-merger cases."""

import datetime as dt

import polars as pl
import pytest

import trendkit as tk
from trendkit.geo.provinces import legacy_members, with_legacy_groups
from trendkit.geo.regions import MACRO_REGIONS
from trendkit.ingest import fields
from trendkit.models import displacement_measures, displacement_scan

RESULT = tk.load_cases("data/sample")
CASES = RESULT.cases


def test_cases_carry_region_macro_region_place_kind_and_legacy_group():
    for column in ("region", "macro_region", "place_kind", "legacy_group"):
        assert column in CASES.columns and CASES[column].null_count() == 0, column
    north = CASES.filter(pl.col("province") == "Lạng Sơn")
    assert set(north["macro_region"]) == {"Bắc"} and set(CASES["macro_region"]) <= set(MACRO_REGIONS)
    assert set(CASES["place_kind"].cast(pl.String)) <= {"official_gate", "seaport", "airport", "unknown"}
    gate = CASES.filter(pl.col("place_id") == "huu_nghi")
    assert gate.height and set(gate["place_kind"].cast(pl.String)) == {"official_gate"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Đường mòn khu vực mốc 1119", "informal_crossing"),
        ("lối mở Bản Vược", "informal_crossing"),
        ("Đường tiểu ngạch", "informal_crossing"),
        ("đường mòn gần cửa khẩu Hữu Nghị", "informal_crossing"),  # a trail near a gate is a trail
        ("CK Hữu Nghị", "official_gate"),
        ("Cửa khẩu phụ Nà Nưa", "official_gate"),
        ("Cảng Cát Lái", "seaport"),
        ("Sân bay Nội Bài", "airport"),
        ("Cảng hàng không quốc tế Đà Nẵng", "airport"),
        ("Bưu cục Tân Bình", "post_office"),
        ("Chuyển phát nhanh", "post_office"),
        ("Chợ Đồng Xuân", "inland"),
        ("bãi đất trống", "unknown"),
    ],
)
def test_place_kind_from_place_text(text, kind):
    assert fields.place(pl.Series([text])).columns["place_kind"].to_list() == [kind]


def test_place_words_the_analyst_maps(tmp_path):
    path = tmp_path / "SYNTHETIC_places.csv"
    path.write_text("Ngày phát hiện,Tỉnh,Địa điểm\n01/03/2024,Lạng Sơn,Bãi Bản Khiếng\n", encoding="utf-8")
    assert tk.load_cases(path).unmapped.rows() == [("place_kind", "Bãi Bản Khiếng", 1, "unknown")]
    mapped = tk.load_cases(path, values={"place_kind": {"Bãi Bản Khiếng": "informal_crossing"}})
    assert mapped.cases["place_kind"].to_list() == ["informal_crossing"] and mapped.unmapped.height == 0


def test_the_legacy_layout_keeps_post_merger_cases_in_merged_groups():
    after = CASES.filter((pl.col("detected_on") >= dt.date(2025, 7, 1)) & pl.col("province_legacy").is_null())
    assert after.height > 0  # e.g. "Lào Cai" after the merger: Lào Cai or Yên Bái?
    with pytest.raises(ValueError, match="legacy_group"):
        tk.panel(CASES, by=("province_legacy",))
    p = tk.panel(CASES, by=("legacy_group",))
    assert p["cases"].sum() == CASES.height  # nothing dropped
    assert "Lào Cai + Yên Bái" in set(p["legacy_group"]) and "Yên Bái" not in set(p["legacy_group"])
    assert legacy_members("Lào Cai") == ["Lào Cai", "Yên Bái"]
    before_only = with_legacy_groups(CASES.filter(pl.col("detected_on") < dt.date(2025, 7, 1)))
    assert (before_only["legacy_group"] == before_only["province_legacy"]).all()  # nothing to merge


def test_the_loader_groups_legacy_provinces_over_every_file(tmp_path):
    """Lào Cai and Yên Bái before the merger in one file, "Lào Cai" after it in another: the first
    file's cases count in the merged group too, as ``with_legacy_groups`` over the whole table says."""
    header = "Mã vụ việc,Ngày phát hiện,Tỉnh/TP,Tuyến\n"
    before = "A1,03/03/2025,Lào Cai,Đường bộ\nA2,04/03/2025,Yên Bái,Đường bộ\nA3,05/03/2025,Cao Bằng,Đường bộ\n"
    (tmp_path / "SYNTHETIC_T3.csv").write_text(header + before, encoding="utf-8")
    (tmp_path / "SYNTHETIC_T9.csv").write_text(header + "B1,02/09/2025,Lào Cai,Đường bộ\n", encoding="utf-8")
    both = tk.load_cases(tmp_path).cases
    assert both["legacy_group"].to_list() == ["Lào Cai + Yên Bái"] * 2 + ["Cao Bằng", "Lào Cai + Yên Bái"]
    assert both["legacy_group"].equals(with_legacy_groups(both.drop("legacy_group"))["legacy_group"])
    alone = tk.load_cases(tmp_path / "SYNTHETIC_T3.csv").cases  # nothing after the merger: nothing to merge
    assert alone["legacy_group"].to_list() == ["Lào Cai", "Yên Bái", "Cao Bằng"]


def test_the_scan_works_by_any_dimension_alone_or_crossed():
    for by in (("commodity",), ("place_kind",), ("macro_region", "channel")):
        p = tk.panel(CASES, by=by)
        first = sorted(p[by[0]].cast(pl.String).unique().to_list())[0]
        res = displacement_scan(p, [first], "2023-07", by=by[0]).to_frame()
        assert res.height and not res[by[0]].is_in([first]).any()
        assert list(res.columns[1 : 1 + len(by)]) == list(by)


def test_measures_work_on_crossed_units_and_by_region():
    p = tk.panel(CASES)
    m = displacement_measures(p, ["Quảng Ninh · road", "Lạng Sơn · road"], "2023-07", by=("province", "channel"),
                              buffer=["Lào Cai · road"])  # fmt: skip
    assert m.by == "unit" and m.buffer == ["Lào Cai · road"] and "Lào Cai · rail" in m.control
    assert m.wdq.buffer_displacement > 0
    with pytest.raises(ValueError, match="no default buffer"):
        displacement_measures(tk.panel(CASES, by=("commodity",)), ["cigarettes"], "2023-07", by="commodity")
