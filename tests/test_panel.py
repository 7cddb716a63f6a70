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
    assert got[(dt.date(2021, 3, 1), "Lào Cai")] == 0.0
    assert got[(dt.date(2021, 3, 1), "Lạng Sơn")] == 5.0


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


def test_panel_on_loaded_sample_adds_up():
    res = tk.load_cases("data/sample")
    p = tk.panel(res.cases)
    assert p["cases"].sum() == res.cases.height


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="no column 'region'"):
        tk.panel(CASES, by=("region",))
    with pytest.raises(ValueError, match="value must be"):
        tk.panel(CASES, value="weight")
