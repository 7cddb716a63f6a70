"""Count models, campaign effects, change points, forecasts: references, planted effects, nulls."""

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

import trendkit as tk
from trendkit.models import (
    campaign_effect,
    change_points,
    decompose,
    fit_counts,
    forecast,
    series,
)
from trendkit.models.breaks import _segment_costs
from trendkit.tet import tet_window_share

SAMPLE = tk.panel(tk.load_cases("data/sample").cases)
TARGETS = ["Quảng Ninh", "Lạng Sơn"]


def _months(n, start=dt.date(2020, 1, 1)):
    return [dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(n)]


def _series(y, start=dt.date(2020, 1, 1)):
    return pl.DataFrame({"period": _months(len(y), start), "cases": np.asarray(y, dtype=float), "label": "test"})


def _true_pct(scenario, provinces, start, end):
    exp = scenario.expected().filter(pl.col("province").is_in(provinces))
    post = exp.filter((pl.col("month") >= start) & (pl.col("month") <= end))
    return post["expected"].sum() / post["baseline"].sum() - 1


def test_series_helper():
    s = series(SAMPLE, province=TARGETS, channel="road")
    manual = SAMPLE.filter(pl.col("province").is_in(TARGETS) & (pl.col("channel") == "road"))
    assert s["cases"].sum() == manual["cases"].sum() and s.height == SAMPLE["period"].n_unique()
    assert s["label"][0] == "Quảng Ninh + Lạng Sơn, road"
    with pytest.raises(ValueError, match="not in the panel"):
        series(SAMPLE, province="Atlantis")
    with pytest.raises(ValueError, match="no column"):
        series(SAMPLE, gate="Hữu Nghị")


def test_fit_counts_matches_statsmodels():
    rng = np.random.default_rng(1)
    periods = _months(48)
    t = np.arange(48) / 12
    tet = tet_window_share(pl.Series(periods)).to_numpy()
    y = rng.poisson(np.exp(3 + 0.1 * t + 0.5 * tet))
    m = fit_counts(_series(y), family="poisson")
    x = np.column_stack([np.ones(48), t, *[[float(p.month == k) for p in periods] for k in range(2, 13)], tet])
    ref = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    assert np.allclose(m.terms["coef"].to_numpy(), ref.params)
    assert np.allclose(m.terms["se"].to_numpy(), ref.bse)
    # the planted trend (+10.5% a year) and Tết effect (+65%) are inside their CIs
    assert m.term("trend_per_year").low < np.exp(0.1) - 1 < m.term("trend_per_year").high
    assert m.term("tet_window").low < np.exp(0.5) - 1 < m.term("tet_window").high


def test_overdispersion_check_picks_the_family():
    rng = np.random.default_rng(2)
    mu = np.full(60, 40.0)
    poisson = fit_counts(_series(rng.poisson(mu)), months=False)
    negbin = fit_counts(_series(rng.poisson(rng.gamma(5, mu / 5))), months=False)
    assert poisson.family in ("Poisson", "quasi-Poisson") and poisson.alpha is None
    assert negbin.family == "negative binomial" and negbin.alpha == pytest.approx(0.2, abs=0.15)
    assert "negative binomial" in str(negbin.summary())


@pytest.mark.filterwarnings("ignore:Perfect separation")  # noise-free counts fit exactly, on purpose
def test_campaign_effect_by_hand_on_noise_free_data():
    # exactly 100 a month, then exactly 60: a 40% level cut, no slope change
    y = np.r_[np.full(24, 100.0), np.full(18, 60.0)]
    eff = campaign_effect(_series(y), "2022-01", family="poisson", months=False)
    assert eff.level_change.estimate == pytest.approx(-0.4, abs=1e-6)
    assert eff.slope_change.estimate == pytest.approx(0.0, abs=1e-6)
    assert eff.change_per_month.estimate == pytest.approx(-40.0, abs=1e-3)
    assert eff.change_pct.estimate == pytest.approx(-0.4, abs=1e-6)


def test_campaign_effect_recovers_the_planted_cut_on_the_sample():
    eff = campaign_effect(series(SAMPLE, province=TARGETS), "2023-07", end="2024-06")
    truth = _true_pct(tk.default_scenario(scale=0.2), TARGETS, dt.date(2023, 7, 1), dt.date(2024, 6, 1))
    assert truth == pytest.approx(-0.4)
    assert eff.change_pct.low < truth < eff.change_pct.high
    assert eff.change_pct.high < 0
    assert "fewer cases a month" in str(eff.summary())
    assert (
        eff.to_frame().filter(pl.col("post"))["counterfactual"].sum()
        > eff.to_frame().filter(pl.col("post"))["fitted"].sum()
    )


def test_campaign_effect_ci_covers_zero_under_the_null():
    covered = 0
    for seed in range(10):
        ex = tk.generate(tk.default_scenario(scale=0.2, seed=100 + seed).without_events())
        eff = campaign_effect(series(tk.panel(ex.cases), province=TARGETS), "2023-07", end="2024-06")
        covered += eff.change_pct.low < 0 < eff.change_pct.high
    assert covered >= 8  # nominal 95%


def test_campaign_effect_refuses_a_date_at_the_edge():
    with pytest.raises(ValueError, match="at least 6 before"):
        campaign_effect(series(SAMPLE, province=TARGETS), "2022-03")


def test_segment_cost_is_the_poisson_likelihood():
    from scipy import stats

    y = np.array([3.0, 5.0, 4.0, 10.0, 12.0])
    cost = _segment_costs(y, np.ones(5))
    for a, b in [(0, 3), (3, 5), (0, 5)]:
        seg = y[a:b]
        ll = stats.poisson.logpmf(seg, seg.mean()).sum() + sum(np.log(float(np.prod(np.arange(1, k + 1)))) for k in seg)
        assert cost[a, b] == pytest.approx(-2 * ll)


def test_change_points_find_the_planted_breaks():
    cp = change_points(series(SAMPLE, province=TARGETS))
    assert len(cp.breaks) == 1 and abs((cp.breaks[0] - dt.date(2023, 7, 1)).days) <= 31
    assert cp.segments["change_pct"][1] == pytest.approx(-0.4, abs=0.12)
    lao_cai = change_points(series(SAMPLE, province="Lào Cai"))
    assert dt.date(2023, 7, 1) <= lao_cai.breaks[0] <= dt.date(2023, 8, 1)
    road = change_points(series(SAMPLE, channel="road"))
    assert any(dt.date(2024, 7, 1) <= b <= dt.date(2024, 8, 1) for b in road.breaks)
    assert change_points(series(SAMPLE, province="Khánh Hòa")).breaks == []  # unchanged in the truth


def test_change_points_are_rare_under_the_null():
    flagged, tested = 0, 0
    for seed in range(8):
        p = tk.panel(tk.generate(tk.default_scenario(scale=0.2, seed=200 + seed).without_events()).cases)
        for province in ["Lạng Sơn", "Quảng Ninh", "Lào Cai", "TP. Hồ Chí Minh", "Hải Phòng", "Tây Ninh"]:
            flagged += bool(change_points(series(p, province=province)).breaks)
            tested += 1
    # measured: 8 of 60 (13%) null series with a 3%/year trend show a break at the default penalty
    assert flagged / tested <= 0.2, f"{flagged} of {tested} null series had a break"


def test_penalty_controls_the_number_of_breaks():
    s = series(SAMPLE, province="Lào Cai")
    assert len(change_points(s, penalty=1e6).breaks) == 0
    assert len(change_points(s, penalty=1.0).breaks) >= len(change_points(s).breaks)


def test_decompose_is_statsmodels_stl():
    from statsmodels.tsa.seasonal import STL

    s = series(SAMPLE, province="Lạng Sơn")
    ref = STL(s["cases"].to_numpy(), period=12, robust=True).fit()
    d = decompose(s).to_frame()
    assert np.allclose(d["trend"].to_numpy(), ref.trend) and np.allclose(d["seasonal"].to_numpy(), ref.seasonal)
    with pytest.raises(ValueError, match="at least 24 months"):
        decompose(s.head(20))


def test_forecast_flags_a_planted_spike():
    rng = np.random.default_rng(5)
    y = rng.poisson(50, 48).astype(float)
    y[-1] = 150
    f = forecast(_series(y), holdout=3, horizon=2)
    frame = f.to_frame()
    assert frame.height == 5 and frame["cases"].null_count() == 2
    assert frame["anomaly"].to_list() == [False, False, True, False, False]
    assert (frame["lower"] <= frame["forecast"]).all() and (frame["forecast"] <= frame["upper"]).all()
    assert "Anomaly" in str(f.summary())


def test_forecast_intervals_cover_about_right_on_null_data():
    inside, total = 0, 0
    for seed in range(10):
        y = np.random.default_rng(seed).poisson(30, 42).astype(float)
        fr = forecast(_series(y), holdout=6, horizon=0).to_frame()
        inside += int((~fr["anomaly"]).sum())
        total += fr.height
    assert inside / total >= 0.85


def test_forecast_reaches_the_likelihood_maximum_an_independent_optimizer_finds():
    # statsmodels' default (L-BFGS, 50 iterations) stopped short on 14 of the sample's 15 series; the fit
    # now starts from least squares (forecast._start), which must not change where it ends
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    for province, months in (("Quảng Ninh", 48), ("Lạng Sơn", 48), ("Lào Cai", 48), ("Lào Cai", 30)):
        s = series(SAMPLE, province=province).head(months)  # 27 months fitted: no seasonal term
        fc = forecast(s, holdout=3, horizon=0)
        y = np.log1p(s["cases"].to_numpy()[:-3])
        seasonal = (1, 0, 0, 12) if len(y) >= 36 else (0, 0, 0, 0)
        model = SARIMAX(y, exog=tet_window_share(s["period"].head(s.height - 3)).to_numpy()[:, None],
                        order=(1, 0, 0), seasonal_order=seasonal, trend="ct")  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rough = model.fit(disp=False, method="nm", maxiter=20000)  # Nelder–Mead, then polished by Powell
            best = model.fit(rough.params, disp=False, method="powell", maxiter=20000)
        assert fc.converged
        assert fc.loglike == pytest.approx(best.llf, abs=1e-3)  # the same maximum, found another way


@pytest.mark.slow
def test_forecast_intervals_hold_their_level_on_series_drawn_by_another_generator():
    # negative-binomial months with the generator's own Tết bump and season (tests/realseries.py):
    # the plug-in normal interval held 91%; with the scale's degrees of freedom 94%
    from tests.realseries import Scenario, draw

    rng = np.random.default_rng(1)
    inside = total = 0
    for _ in range(100):
        s = series(draw(Scenario([30.0], ar_sd=0.0), rng), province="P00")
        fr = forecast(s, holdout=6, horizon=0).to_frame()
        inside, total = inside + int((~fr["anomaly"]).sum()), total + fr.height
    assert 0.92 <= inside / total <= 0.98


def test_plots_say_synthetic_have_readable_months_and_forecast_history():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates

    s = series(SAMPLE, province=TARGETS)
    fig = campaign_effect(s, "2023-07", end="2024-06").plot(note="SYNTHETIC")
    ax = fig.axes[0]
    assert ax.get_title().endswith("SYNTHETIC")
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.DateFormatter)
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert 4 <= len(ticks) <= 9 and all(re.fullmatch(r"\d\d/\d{4}", t) for t in ticks)  # "07/2023", never "Jul"
    fc = forecast(s, holdout=3, horizon=6)
    lines = {line.get_label(): line for line in fc.plot(note="SYNTHETIC").axes[0].get_lines()}
    assert len(lines["đã qua / history"].get_xdata()) == s.height - 3  # the history, not only the last months


def test_every_model_call_limits_blas_threads():
    from trendkit import models

    for name in ("fit_counts", "decompose", "campaign_effect", "change_points", "forecast", "displacement_scan",
                 "displacement_measures", "channel_shift", "lead_lag"):  # fmt: skip
        assert hasattr(getattr(models, name), "__wrapped__"), name


def test_a_blas_library_first_loaded_inside_a_model_call_is_limited_too():
    """scipy's own OpenBLAS is loaded lazily (statsmodels imports it inside the call): threadpoolctl
    limits only what is loaded, so trendkit loads it first. Run in a fresh interpreter, where nothing
    has loaded scipy yet, with the libraries' default of a thread per core."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy\n"
        "from trendkit.threads import limit_threads\n"
        "@limit_threads\n"
        "def inside():\n"
        "    import scipy.linalg\n"
        "    from threadpoolctl import threadpool_info\n"
        "    return sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'})\n"
        "print(inside())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS") and k != "TRENDKIT_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[1]"


def test_a_model_asked_again_about_the_same_series_answers_without_refitting(monkeypatch):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    fits = []
    original = SARIMAX.fit
    monkeypatch.setattr(SARIMAX, "fit", lambda self, *a, **k: fits.append(1) or original(self, *a, **k))
    y = np.random.default_rng(11).poisson(40, 40).astype(float)
    first = forecast(_series(y), holdout=3, horizon=2)
    again = forecast(_series(y.copy()), holdout=3, horizon=2)  # a new frame with the same content
    assert again is first and len(fits) == 1
    y[-5] += 1  # one month corrected: a new series, fitted afresh
    changed = forecast(_series(y), holdout=3, horizon=2)
    assert changed is not first and len(fits) == 2
    assert forecast(_series(y), holdout=3, horizon=3) is not changed and len(fits) == 3  # another argument
    late = tk.models.late_tail(SAMPLE)
    s = series(SAMPLE, province="Lào Cai")
    assert change_points(s, late=late) is change_points(s, late=late)  # a LateTail is keyed by its months


def test_the_thread_libraries_are_looked_up_again_only_after_an_import():
    import sys
    import types

    from trendkit import threads

    found = threads._controller()
    assert threads._controller() is found  # the same libraries: not walked again on every model call
    sys.modules["trendkit_test_new_module"] = types.ModuleType("trendkit_test_new_module")
    try:
        assert threads._controller() is not found  # a new module may have brought a new native library
    finally:
        del sys.modules["trendkit_test_new_module"]


def test_the_bootstrap_s_costs_for_all_draws_are_each_draw_s_segment_costs():
    from trendkit.models.breaks import _BootCosts

    rng = np.random.default_rng(2)
    f = rng.uniform(0.5, 1.5, 30)
    draws = rng.poisson(20 * f, (5, 30)).astype(float)
    draws[0, :10] = 0  # a stretch of zeros: the θ log term is 0 there
    costs, cand = _BootCosts(draws, f), np.arange(5, 20)
    for j, y in enumerate(draws):
        full = _segment_costs(y, f)
        assert costs.between(3, cand)[j] == pytest.approx(full[3, cand], rel=1e-12, abs=1e-9)
        assert costs.between(cand, 27)[j] == pytest.approx(full[cand, 27], rel=1e-12, abs=1e-9)


def test_forecast_fits_around_a_month_not_reported():
    y = np.random.default_rng(12).poisson(40, 48).astype(float)
    y[20:23] = np.nan  # three months a unit did not report: missing, not zero
    fc = forecast(_series(y), holdout=3, horizon=1)
    assert fc.converged and np.isfinite(fc.loglike) and fc.to_frame()["forecast"].is_finite().all()
