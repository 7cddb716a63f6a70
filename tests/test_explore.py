"""The explorer: its view function by hand, and the widgets wired to it (no browser needed)."""

import datetime as dt

import polars as pl
import pytest

import trendkit as tk
from trendkit.explore import ALL, explore_view, explorer

CASES = tk.load_cases("data/sample").cases


def test_the_view_follows_the_choice():
    v = explore_view(CASES, ["Lào Cai", "Lạng Sơn"], channel="road", first="2023-01", last="2023-12")
    expected = CASES.filter(
        pl.col("province").is_in(["Lào Cai", "Lạng Sơn"]) & (pl.col("channel") == "road")
        & pl.col("detected_on").is_between(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    ).height  # fmt: skip
    assert v.series["cases"].sum() == expected and v.series.height == 12
    assert (
        v.effect is None
        and v.totals["value"].sum()
        == CASES.filter(
            (pl.col("channel") == "road") & pl.col("detected_on").is_between(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
        ).height
    )


def test_a_campaign_needs_enough_months_and_then_shows_the_planted_effect():
    short = explore_view(CASES, ["Quảng Ninh"], first="2023-01", last="2023-12", start="2023-07")
    assert short.effect is None and "12" in short.note
    full = explore_view(CASES, ["Quảng Ninh", "Lạng Sơn"], first="2022-01", last="2024-06", start="2023-07")
    assert full.effect.change_pct.high < 0  # the planted 40% cut
    assert full.effect.shock is not None  # checked against the other provinces for a common shock
    everyone = explore_view(CASES, [], start="2023-07")  # nobody left to compare with: no shock check, no error
    assert everyone.effect is not None and everyone.effect.shock is None


def test_no_province_means_all_and_all_channels():
    v = explore_view(CASES, [])
    assert v.channel == ALL and v.series["cases"].sum() == CASES.height


def test_widgets_update_the_view():
    pytest.importorskip("ipywidgets")
    box = explorer(CASES, note="SYNTHETIC")
    pick, chan = box.children[0].children[0].children[0], box.children[0].children[1].children[0]
    assert "Lào Cai" in pick.options and "road" in chan.options
    pick.value = ("Lào Cai",)  # each change re-runs the view; an error here would raise
    chan.value = "road"
    assert pick.value == ("Lào Cai",)
