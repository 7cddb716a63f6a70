"""minimum_detectable: hand-checkable pieces and its behaviour; its calibration is in test_calibration."""

import numpy as np
import polars as pl
import pytest

import trendkit as tk
from trendkit.models import minimum_detectable
from trendkit.models.power import _displaced_power, _solve
from trendkit.models.scan import _counterfactual

SAMPLE = tk.panel(tk.load_cases("data/sample").cases)
TARGETS = ["Quảng Ninh", "Lạng Sơn"]


def test_solve_finds_the_first_effect_with_enough_power():
    assert _solve(lambda e: e, 0.8, 1.0) == pytest.approx(0.8)
    assert _solve(lambda e: min(e, 2 - e), 0.8, 1.9) == pytest.approx(0.8)  # power that falls again
    assert _solve(lambda e: 0.5, 0.8, 1.0) == float("inf")


def test_displaced_power_for_a_poisson_unit_by_hand():
    # a flat Poisson unit: level 100 a month for 24 months, projected 12 months at the same level
    proj = _counterfactual(np.full(24, 100.0), np.ones(24), np.ones(12))
    assert proj.inv_k == 0 and proj.mu == pytest.approx(1200)
    power = _displaced_power(proj, 1.96)
    assert power(0.0) < 0.05
    # the excess that is just significant, then 80% power needs it plus 0.84 SD at the raised level
    d = _solve(power, 0.8, 2000)
    assert 1.96 * np.sqrt(proj.var()) < d < (1.96 + 0.85) * np.sqrt(proj.var(1 + d / 1200)) * 1.05


def test_minimum_detectable_on_the_sample():
    mde = minimum_detectable(SAMPLE, TARGETS, "2023-07", after=12)
    units = mde.to_frame()
    assert 0 < mde.drop_pct < 0.5 and mde.tests == units.height
    assert (units["displaced"] > 0).all() and not units["province"].is_in(TARGETS).any()
    # busier units need more displaced cases, but a smaller share of their level
    big, small = units.sort("expected")[-1], units.sort("expected")[0]
    assert big["displaced"][0] > small["displaced"][0] and big["displaced_pct"][0] < small["displaced_pct"][0]
    text = str(mde.summary())
    assert "80%" in text and "phát hiện" in text and "Lào Cai" not in text.split("\n")[0]
    assert "<table" in mde._repr_html_()


def test_more_power_or_a_longer_window_changes_the_minimum_the_right_way():
    base = minimum_detectable(SAMPLE, TARGETS, "2023-07", after=12)
    strict = minimum_detectable(SAMPLE, TARGETS, "2023-07", after=12, power=0.95)
    longer = minimum_detectable(SAMPLE, TARGETS, "2023-07", after=24)
    assert strict.drop_pct > base.drop_pct
    # a longer window: more cases, so a smaller share of a unit's level is enough to see a shift
    # (not so for the campaign's drop: its model lets the trend change too, which widens with time)
    assert longer.to_frame()["displaced_pct"].median() < base.to_frame()["displaced_pct"].median()
    assert strict.to_frame()["displaced"].median() > base.to_frame()["displaced"].median()


def test_it_uses_only_the_months_before_the_start():
    changed = SAMPLE.with_columns(
        pl.when(pl.col("period") >= pl.date(2023, 7, 1)).then(pl.col("cases") * 3).otherwise("cases").alias("cases")
    )
    a = minimum_detectable(SAMPLE, TARGETS, "2023-07", after=12)
    b = minimum_detectable(changed, TARGETS, "2023-07", after=12)
    assert a.drop_pct == pytest.approx(b.drop_pct)
    assert a.to_frame()["displaced"].to_list() == pytest.approx(b.to_frame()["displaced"].to_list())
