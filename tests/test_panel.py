import datetime as dt

import polars as pl
import pytest

import trendkit as tk

CASES = pl.DataFrame(
    {
        "detected_on": [dt.date(2021, 1, 5), dt.date(2021, 1, 20), dt.date(2021, 3, 9), dt.date(2021, 3, 10)],
        "province": ["Lạng Sơn", "Lạng Sơn", "Lào Cai", "Lạng Sơn"],
        "channel": ["road", "road", "rail", "sea"],
        "goods_value_vnd": [1.0, 2.0, None, 5.0],
    }
)


def test_counts_with_explicit_zeros():
    p = tk.panel(CASES)
    # 3 months × 3 observed (province, channel) groups
    assert p.height == 9 and p.columns == ["period", "province", "channel", "cases"]
    assert p["cases"].sum() == 4
    jan = p.filter(
        (pl.col("period") == dt.date(2021, 1, 1)) & (pl.col("province") == "Lạng Sơn") & (pl.col("channel") == "road")
    )
    assert jan["cases"].item() == 2
    feb = p.filter(pl.col("period") == dt.date(2021, 2, 1))
    assert feb["cases"].to_list() == [0, 0, 0]


def test_values_sum_and_ignore_nulls():
    p = tk.panel(CASES, by=("province",), value="goods_value_vnd")
    got = {(r["period"], r["province"]): r["goods_value_vnd"] for r in p.iter_rows(named=True)}
    assert got[(dt.date(2021, 1, 1), "Lạng Sơn")] == 3.0
    assert got[(dt.date(2021, 2, 1), "Lạng Sơn")] == 0.0  # no case: nothing seized
    assert got[(dt.date(2021, 3, 1), "Lào Cai")] is None  # a case without a value: unknown, never 0
    assert got[(dt.date(2021, 3, 1), "Lạng Sơn")] == 5.0
    march = p.filter(pl.col("period") == dt.date(2021, 3, 1)).sort("province")
    assert march.select("n_cases", "n_measured").rows() == [(1, 0), (1, 1)]


SEIZED = pl.DataFrame(
    {
        "detected_on": [dt.date(2024, 1, d) for d in (3, 15, 16, 31)] + [dt.date(2024, 2, 15), dt.date(2024, 2, 16)],
        "province": ["Lạng Sơn", "Lạng Sơn", "Lào Cai", "Lạng Sơn", "Lào Cai", "Lào Cai"],
        "commodity_group": ["drugs", "drugs", "drugs", "cigarettes", "drugs", "drugs"],
        "quantity_std": [17.3, 1.2, 8.05, 6000.0, None, 0.5],
        "unit_std": ["kg", "kg", "kg", "piece", None, "kg"],
        "quantity": [17.3, 1200.0, 23.0, 30.0, 5.0, 0.5],
        "unit": ["kg", "g", "bánh", "cây", "hộp", "kg"],
    }
)


def test_a_quantity_panel_equals_hand_sums_in_one_unit():
    drugs = SEIZED.filter(pl.col("commodity_group") == "drugs")
    p = tk.panel(drugs, by=("province",), value="quantity_std")
    got = {(r["period"].month, r["province"]): r["quantity_std"] for r in p.iter_rows(named=True)}
    assert got == {
        (1, "Lào Cai"): pytest.approx(8.05),
        (1, "Lạng Sơn"): pytest.approx(17.3 + 1.2),
        (2, "Lào Cai"): 0.5,  # the case without a quantity is left out of the sum, and counted
        (2, "Lạng Sơn"): 0.0,
    }
    feb = p.filter((pl.col("period").dt.month() == 2) & (pl.col("province") == "Lào Cai"))
    assert feb.select("n_cases", "n_measured").row(0) == (2, 1)


def test_a_quantity_panel_never_adds_different_units():
    with pytest.raises(ValueError, match=r"mixes units \(kg, piece\).*filter.*unit_std"):
        tk.panel(SEIZED, by=("province",), value="quantity_std")
    with pytest.raises(ValueError, match=r"quantity mixes units"):
        tk.panel(SEIZED.filter(pl.col("commodity_group") == "drugs"), by=("province",), value="quantity")
    by_unit = tk.panel(SEIZED, by=("unit_std",), value="quantity_std")  # one unit per group: allowed
    sums = by_unit.drop_nulls("unit_std").group_by("unit_std").agg(pl.col("quantity_std").sum())
    assert sums.sort("unit_std").rows() == [
        ("kg", pytest.approx(27.05)),
        ("piece", 6000.0),
    ]
    with pytest.raises(ValueError, match="no column 'unit_std'"):
        tk.panel(SEIZED.drop("unit_std"), by=("province",), value="quantity_std")


def test_the_customs_month_runs_from_the_16th_to_the_15th():
    p = tk.panel(SEIZED, by=(), freq="customs")
    assert p.select("period", "period_from", "period_to", "cases").rows() == [
        (dt.date(2024, 1, 1), dt.date(2023, 12, 16), dt.date(2024, 1, 15), 2),  # 3 and 15 January
        (dt.date(2024, 2, 1), dt.date(2024, 1, 16), dt.date(2024, 2, 15), 3),  # 16 and 31 January, 15 February
        (dt.date(2024, 3, 1), dt.date(2024, 2, 16), dt.date(2024, 3, 15), 1),  # 16 February
    ]
    calendar = tk.panel(SEIZED, by=(), freq="1mo")
    assert calendar["cases"].to_list() == [4, 2] and "period_from" not in calendar.columns


def test_levels_frequency_and_range():
    p = tk.panel(
        CASES,
        by=("channel",),
        levels={"channel": ["road", "sea", "air", "rail", "post"]},
        freq="1q",
        start=dt.date(2021, 1, 1),
        end=dt.date(2021, 6, 30),
    )
    assert p["period"].unique().sort().to_list() == [dt.date(2021, 1, 1), dt.date(2021, 4, 1)]
    assert p.height == 10 and p.filter(pl.col("channel") == "air")["cases"].to_list() == [0, 0]


def test_zero_cases_versus_no_report():
    reports = pl.DataFrame(
        {
            "province": ["Lạng Sơn", "Lạng Sơn", "Lào Cai"],
            "period": [dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 3, 1)],
        }
    )
    p = tk.panel(CASES, by=("province",), reports=reports)
    row = {(r["period"], r["province"]): (r["cases"], r["reported"]) for r in p.iter_rows(named=True)}
    assert row[(dt.date(2021, 2, 1), "Lạng Sơn")] == (0, True)  # reported, nothing found
    assert row[(dt.date(2021, 2, 1), "Lào Cai")] == (None, False)  # no report received
    assert row[(dt.date(2021, 3, 1), "Lạng Sơn")] == (None, False)


def test_a_loaded_table_s_categorical_units_count_and_join_as_text():
    """The loader keeps regions, legacy groups and codes as Categorical; a panel by them is text,
    and the analyst's own reports (String) join it, with or without a window."""
    cases = tk.load_cases("data/sample").cases
    assert cases.schema["legacy_group"] == pl.Categorical
    reports = cases.select(pl.col("legacy_group").cast(pl.String), period=pl.col("detected_on").dt.truncate("1mo"))
    for window in ({}, {"start": dt.date(2022, 1, 1)}):
        p = tk.panel(cases, by=("legacy_group", "region"), reports=reports.unique(), **window)
        assert p.schema["legacy_group"] == pl.String and p.schema["region"] == pl.String
        assert p.filter(pl.col("reported"))["cases"].sum() == cases.filter(pl.col("detected_on") >= window.get(
            "start", dt.date(2000, 1, 1))).height  # fmt: skip


def test_panel_on_loaded_sample_adds_up():
    res = tk.load_cases("data/sample")
    p = tk.panel(res.cases)
    assert p["cases"].sum() == res.cases.height


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="no column 'district'"):
        tk.panel(CASES, by=("district",))  # region and macro_region now come from the province
    with pytest.raises(ValueError, match="value must be"):
        tk.panel(CASES, value="weight")


def test_region_levels_come_from_the_province():
    from trendkit.geo.regions import MACRO_REGIONS, with_regions

    assert {k: len(v) for k, v in MACRO_REGIONS.items()} == {"Bắc": 15, "Trung": 11, "Nam": 8}
    assert sorted(n for v in MACRO_REGIONS.values() for n in v) == sorted(tk.provinces("2025")["name"].to_list())
    legacy = with_regions(tk.provinces("legacy").select(pl.col("name").alias("province")), layout="legacy")
    assert legacy["macro_region"].null_count() == 0 and legacy["region"].null_count() == 0
    assert dict(legacy.select("province", "macro_region").iter_rows())["Yên Bái"] == "Bắc"  # via Lào Cai


@pytest.mark.parametrize("level", ["region", "macro_region"])
def test_panel_by_region_adds_up_to_the_province_panel(level):
    cases = tk.load_cases("data/sample").cases
    by_region = tk.panel(cases, by=(level, "channel"))
    by_province = tk.panel(cases, by=("province", "channel"))
    assert by_region["cases"].sum() == by_province["cases"].sum() == cases.height
    assert by_region[level].null_count() == 0


def test_the_scan_can_target_a_macro_region():
    from trendkit.models import displacement_scan

    p = tk.panel(tk.load_cases("data/sample").cases)
    res = displacement_scan(p, ["Bắc", "Nam"], "2023-07", by="macro_region", after=12).to_frame()
    from trendkit.geo.regions import MACRO_REGIONS

    assert res.height > 0 and set(res["province"]) <= set(MACRO_REGIONS["Trung"])


def test_models_on_customs_months_count_tet_over_each_month_s_own_days():
    from trendkit.models import campaign_effect, change_points, common_shock, forecast, series
    from trendkit.models.campaign import campaign_design
    from trendkit.models.fitting import period_starts
    from trendkit.tet import tet_window_share

    cases = tk.load_cases("data/sample").cases
    p = tk.panel(cases, by=("province",), freq="customs")
    s = series(p, province=["Quảng Ninh", "Lạng Sơn"])
    assert {"period_from", "period_to"} <= set(s.columns)  # the series keeps what its months are
    starts = period_starts(s)
    assert all(d.day == 16 for d in starts) and starts[1] == s["period_to"][0] + dt.timedelta(days=1)
    periods = s["period"].to_list()
    x, names = campaign_design(periods, dt.date(2023, 7, 1), starts=starts)
    tet = x[:, names.index("tet_window")]
    # the customs "February 2023" (16/01–15/02; Tết 22/01/2023, window 11/12/2022–21/01/2023) holds
    # 6 of the window's 31 days; the calendar February holds none
    feb = periods.index(dt.date(2023, 2, 1))
    assert tet[feb] == pytest.approx(6 / 31) and tet_window_share(pl.Series([dt.date(2023, 2, 1)]))[0] == 0
    assert list(tet) == pytest.approx(tet_window_share(s["period"], starts=starts).to_list())
    assert campaign_effect(s, "2023-07", panel=p).change_pct.high < 0  # the sample's planted cut, on customs months
    assert forecast(s, holdout=3, horizon=2).to_frame().height == 5
    change_points(s)
    common_shock(p, "2023-07", targets=["Quảng Ninh", "Lạng Sơn"])
