"""Honest on series shaped like real extracts: autocorrelated months, drifting provinces, reporting gaps.

The data come from tests/realseries.py, a generator that is not trendkit's model (its own season
shape, a latent AR(1) on the log scale, per-unit drift, NB noise). Rates are asserted over 200
replicates; ``benchmarks/calibration_real.py`` prints every family's rate.
"""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tests.realseries import Scenario, draw
from trendkit.models import (
    campaign_effect,
    change_points,
    comparative_effect,
    displacement_measures,
    displacement_scan,
    series,
)
from trendkit.models.serial import NONE, SerialCorrelation, estimate_serial, sandwich, sum_variance

REPS = 200
MEANS = list(np.random.default_rng(7).uniform(5, 60, 20))
OTHERS = [f"P{i:02d}" for i in range(1, 20)]
GAP = ["2023-02", "2023-03", "2023-04", "2023-05"]


def _comparative(p: pl.DataFrame):
    return comparative_effect(p, ["P00"], "2023-01", comparison=OTHERS)


def _rate(check, scenario: Scenario, seed: int, reps: int = REPS) -> float:
    rng = np.random.default_rng(seed)
    return sum(bool(check(draw(scenario, rng))) for _ in range(reps)) / reps


def _excludes_zero(interval) -> bool:
    return not (interval.low <= 0 <= interval.high)


# --- hand-computable ----------------------------------------------------------------------------


def test_the_sandwich_of_a_mean_is_the_variance_of_a_correlated_sum_by_hand():
    n, rho, mu, phi = 6, 0.5, 10.0, 2.0
    sc = SerialCorrelation(1.0, rho, 0)
    x, m = np.ones((n, 1)), np.full(n, mu)
    pairs = n + 2 * sum((n - k) * rho**k for k in range(1, n))  # Σᵢⱼ ρ^|i−j|
    cov = sandwich(x, m, phi * m, np.zeros(n), np.arange(n), sc)
    assert cov[0, 0] == pytest.approx(phi * pairs / (n**2 * mu))  # Var(log ȳ) = φμΣR / (nμ)²
    assert sum_variance(np.full(n, 4.0), np.arange(n), sc) == pytest.approx(4.0 * pairs)
    assert sandwich(x, m, phi * m, np.zeros(n), np.arange(n), NONE)[0, 0] == pytest.approx(phi / (n * mu))


def test_gaps_keep_their_distance_in_the_correlation():
    sc = SerialCorrelation(1.0, 0.5, 0)
    assert sum_variance(np.ones(2), np.array([0, 3]), sc) == pytest.approx(2 + 2 * 0.5**3)


def test_independent_residuals_show_no_serial_correlation_and_ar1_is_recovered():
    rng = np.random.default_rng(1)
    flat = estimate_serial([rng.normal(size=48) for _ in range(30)], [np.arange(48)] * 30)
    assert flat.long_run() == pytest.approx(1.0, abs=0.15)
    latent = [np.convolve(rng.normal(size=600), 0.6 ** np.arange(40))[:600] for _ in range(4)]
    noisy = [e / np.std(e) + rng.normal(size=600) for e in latent]  # half the variance carries over
    sc = estimate_serial(noisy, [np.arange(600)] * 4)
    assert sc.rho == pytest.approx(0.6, abs=0.1) and sc.share == pytest.approx(0.5, abs=0.12)


def test_drift_variance_is_dersimonian_laird_as_statsmodels_computes_it():
    from statsmodels.stats.meta_analysis import combine_effects

    from trendkit.models.fitting import dersimonian_laird

    rng = np.random.default_rng(4)
    for _ in range(5):
        b, v = rng.normal(0, 0.2, 12), rng.uniform(0.005, 0.05, 12)
        ref = combine_effects(b, v, method_re="dl")
        assert dersimonian_laird(b, v) == pytest.approx((max(0.0, ref.tau2), ref.q))  # statsmodels keeps τ² < 0


def test_the_recent_block_deviance_is_statsmodels_poisson_deviance():
    import statsmodels.api as sm

    from trendkit.models.shape import _shifted_deviance, shape_design

    periods = [dt.date(2020 + i // 12, i % 12 + 1, 1) for i in range(36)]
    x, rng = shape_design(periods, seasons="smooth"), np.random.default_rng(1)
    for mean in (3.0, 40.0, 600.0):
        y = rng.negative_binomial(3, 3 / (3 + mean), 36).astype(float)
        for m in (3, 7, 12):
            shift = (np.arange(36) >= 36 - m)[:, None].astype(float)
            ref = sm.GLM(y, np.hstack([x, shift]), family=sm.families.Poisson()).fit().deviance
            assert _shifted_deviance(y, x, np.arange(36), m) == pytest.approx(ref, rel=1e-9, abs=1e-9)


def test_drift_is_gated_by_cochrans_q_only_on_short_histories(monkeypatch):
    import trendkit.models.fitting as fitting

    rng = np.random.default_rng(0)  # twelve units drifting 6% a year apart
    y = rng.poisson(40.0 * np.exp(np.outer(np.arange(36) / 12, rng.normal(0, 0.06, 12)))).astype(float)
    assert fitting.drift_variance(y[:18], np.arange(18)) == 0.0  # Q does not reject on 18 months
    assert fitting.drift_variance(y, np.arange(36)) > 0.0  # three years: DerSimonian-Laird's estimate as it is
    monkeypatch.setattr(fitting, "DRIFT_MONTHS", 18)
    assert fitting.drift_variance(y[:18], np.arange(18)) > 0.0  # the gate, not the estimate, gave 0


# --- missing is never zero ----------------------------------------------------------------------


def _gap_panel() -> pl.DataFrame:
    return draw(Scenario(MEANS, ar_sd=0.0, gaps={"P00": GAP, "P03": ["2021-06"]}), np.random.default_rng(3))


def test_a_month_a_unit_did_not_report_is_null_in_the_series_and_named_by_the_models():
    p = _gap_panel()
    s = series(p, province=["P00", "P01"])
    assert s.filter(pl.col("cases").is_null())["period"].to_list() == [dt.date(2023, m, 1) for m in (2, 3, 4, 5)]
    e = campaign_effect(series(p, province="P00"), "2023-01", n_sim=500)
    assert len(e.unreported) == 4 and "4 month(s) left out" in str(e.summary())
    c = _comparative(p)
    assert "P03" in c.excluded["gaps"] and "P03" not in c.comparison  # its total would shrink that month
    assert len(c.unreported) == 4 and dt.date(2023, 3, 1) not in c.to_frame()["period"].to_list()


def test_the_scan_measures_a_silent_unit_on_the_months_it_reported():
    res = displacement_scan(_gap_panel(), ["P01"], "2023-01", after=12).to_frame()
    row = res.filter(pl.col("unit") == "P00").row(0, named=True)
    assert row["observed"] > 0 and np.isfinite(row["p_value"]) and not row["significant"]


def test_a_break_after_a_stretch_of_zeros_is_listed_with_the_others():
    months = [dt.date(2020 + i // 12, i % 12 + 1, 1) for i in range(36)]
    cases = (
        [0.0] * 12 + [30.0, 28, 33, 31, 29, 30, 32, 27, 31, 30, 29, 33] + [10.0, 12, 9, 11, 10, 8, 12, 9, 10, 11, 9, 10]
    )
    cp = change_points(pl.DataFrame({"period": months, "cases": cases}), seasonal=False)
    text = str(cp.summary())
    assert len(cp.breaks) == 2 and "from none to" in text and text.count("date range") == 2


# --- calibration on real-shaped series -----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("rho", "limit"), [(0.5, 0.08), (0.7, 0.10)])
def test_comparative_effect_false_positives_on_autocorrelated_months(rho, limit):
    # measured 2-7.5% at rho 0.5 over seeds (was 8-12% before serial correlation was allowed for)
    assert _rate(lambda p: _excludes_zero(_comparative(p).change_pct), Scenario(MEANS, rho=rho), 40) <= limit


@pytest.mark.slow
def test_comparative_effect_false_positives_when_provinces_drift_apart():
    sc = Scenario(MEANS, ar_sd=0.0, drift_sd=0.10)
    assert _rate(lambda p: _excludes_zero(_comparative(p).change_pct), sc, 41) <= 0.07


@pytest.mark.slow
def test_comparative_effect_covers_a_planted_cut_on_autocorrelated_months():
    sc = Scenario(MEANS, rho=0.7, effects={"P00": ("2023-01", -0.3)})
    covered = _rate(lambda p: (e := _comparative(p).change_pct).low <= -0.3 <= e.high, sc, 42)
    assert covered >= 0.92


@pytest.mark.slow
def test_a_reporting_gap_is_not_read_as_a_fall():
    sc = Scenario(MEANS, ar_sd=0.0, gaps={"P00": GAP})
    assert _rate(lambda p: _excludes_zero(_comparative(p).change_pct), sc, 43) <= 0.07

    def one(p):
        return _excludes_zero(campaign_effect(series(p, province="P00"), "2023-01", n_sim=500).change_pct)

    assert _rate(one, sc, 44) <= 0.07
    assert _rate(lambda p: bool(change_points(series(p, province="P00")).breaks), sc, 45) <= 0.07

    def success(p):  # the WDQ's success measure counted the silent months as 0: 17.5% on 200 runs, now 5.5%
        m = displacement_measures(p, ["P00"], "2023-01", buffer=["P01", "P02"], receivers=(), level=0.95)
        return not (m.intervals["sm"][0] <= 0 <= m.intervals["sm"][1]) or not set(GAP) <= {f"{d:%Y-%m}" for d in m.gaps}

    assert _rate(success, sc, 48) <= 0.07


@pytest.mark.slow
@pytest.mark.parametrize(("means", "limit"), [(MEANS, 0.12), ([4 * m for m in MEANS], 0.12)])
def test_campaign_effect_false_positives_on_autocorrelated_months(means, limit):
    # one series' 36 months estimate its own correlation: about 10% at rho 0.7 (600 reps), was 17%
    def one(p):
        return _excludes_zero(campaign_effect(series(p, province="P00"), "2023-01", n_sim=500).change_pct)

    assert _rate(one, Scenario(means, rho=0.7), 46) <= limit


@pytest.mark.slow
@pytest.mark.parametrize(("rho", "limit"), [(0.5, 0.07), (0.7, 0.10)])
def test_scan_family_wise_error_on_autocorrelated_months(rho, limit):
    # at rho 0.5: 4.5% on the benchmark's 200 runs; 7-9% while the provinces' 4%-a-year drift was
    # left out whenever Cochran's Q did not reject (fitting.DRIFT_MONTHS)
    def scan(p):
        return displacement_scan(p, ["P00"], "2023-01", after=12).to_frame()["significant"].any()

    assert _rate(scan, Scenario(MEANS, rho=rho), 47) <= limit


def test_heavy_tailed_counts_raise_the_change_point_penalty_to_the_same_tail_probability():
    from scipy import stats

    from trendkit.models.breaks import REFERENCE_DF

    rng = np.random.default_rng(3)
    light = draw(Scenario(MEANS[:1], size=1e6, ar_sd=0.0), rng)  # Poisson months: the default penalty
    heavy = draw(Scenario(MEANS[:1], size=1.0, ar_sd=0.0), rng)  # size-1 negative binomial: excess kurtosis ~6
    cp = change_points(series(light, province="P00"))
    assert cp.tails_df is None and cp.penalty == pytest.approx(3.5 * np.log(48))
    cp = change_points(series(heavy, province="P00"))
    assert cp.tails_df is not None and cp.tails_df < REFERENCE_DF and cp.serial.long_run() == 1
    same_tail = stats.f.sf(3.5 * np.log(48), 1, REFERENCE_DF)
    assert stats.f.sf(cp.penalty, 1, cp.tails_df) == pytest.approx(same_tail) and cp.penalty > 3.5 * np.log(48)
    assert "heavy-tailed" in str(cp.summary())
    assert change_points(series(heavy, province="P00"), penalty=10.0).penalty == 10.0  # the analyst's own stays


@pytest.mark.slow
def test_change_points_on_heavy_tailed_months_stay_under_the_limit():
    # 200 reps of size-1 negative-binomial months: 9% (benchmark seed) before the penalty allowed for the tails
    assert _rate(lambda p: bool(change_points(series(p, province="P00")).breaks),
                 Scenario(MEANS[:1], size=1.0, ar_sd=0.0), 57) <= 0.07  # fmt: skip


@pytest.mark.slow
def test_change_points_allow_for_autocorrelated_months():
    # 200 reps at AR(1) rho 0.7: 12% (benchmark seed) before the penalty allowed for the correlation, 10% after;
    # 5.5% on this seed
    assert _rate(lambda p: bool(change_points(series(p, province="P00")).breaks), Scenario(MEANS, rho=0.7), 56) <= 0.10


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.0, 0.7])
def test_channel_shift_calls_no_channel_clear_on_null_mixes(rho):
    from trendkit.models import channel_shift

    channels = ["road", "sea", "air", "rail", "post", "inland_waterway"]
    sc = Scenario([60, 25, 12, 8, 15, 6], rho=rho, ar_sd=0.2 if rho else 0.0, names=channels)

    def clear(p: pl.DataFrame) -> bool:
        res = channel_shift(p.rename({"province": "channel"}), "2023-01").to_frame()
        return bool(((res["ci_low"] > 0) | (res["ci_high"] < 0)).any())

    assert _rate(clear, sc, 48) <= (0.07 if rho == 0 else 0.10)


@pytest.mark.slow
def test_wdd_and_wdq_intervals_allow_for_autocorrelated_months():
    # 200 reps at AR(1) rho 0.7: WDD local / displacement / total 8 / 9.5 / 7% before, 5 / 6 / 5% after;
    # the bootstrap's success and buffer measures 13.5 / 6% before widening, 9.5 / 3.5% after
    from trendkit.models import displacement_measures

    measured = []

    def clear(p: pl.DataFrame) -> bool:
        m = displacement_measures(p, ["P00"], "2023-01", buffer=["P01", "P02"], receivers=(), level=0.95)
        measured.append([not lo <= 0 <= hi for lo, hi in (m.intervals["sm"], m.intervals["bdm"])])
        measured[-1].append(bool(m.buffer_units["clear"].any()))  # either buffer unit on its own
        return bool(((m.wdd.to_frame()["ci_low"] > 0) | (m.wdd.to_frame()["ci_high"] < 0))[0])

    assert _rate(clear, Scenario(MEANS, rho=0.7), 50) <= 0.075
    sm, bdm, unit = np.mean(measured, axis=0)
    assert sm <= 0.10 and bdm <= 0.10 and unit <= 0.10


@pytest.mark.slow
@pytest.mark.parametrize(
    "family",
    [
        {"size": 1.0, "ar_sd": 0.0},
        {"means": list(np.linspace(0.5, 6, 20)), "ar_sd": 0.0},
        {"dip": ("2022-06", "2022-11", -0.4), "ar_sd": 0.0},
    ],
    ids=["NB size 1", "sparse", "dip ending a month before the start"],
)
def test_the_national_shock_test_is_calibrated_on_overdispersed_and_sparse_nulls(family):
    # 0.5-3.5% per 200-rep seed over every family of benchmarks/calibration_real.py; the rule alone
    # said "the whole country fell" in 27-61% of such runs, and the dip made "rose" 21.5% with one
    # reading of the months before the start (the test must now reject with and without them)
    from trendkit.models import common_shock

    kw = {"means": MEANS, **family}
    detected = _rate(lambda p: common_shock(p, "2023-01", after=12, targets=["P00"]).detected, Scenario(**kw), 49)
    assert detected <= 0.07


def test_a_dip_just_before_the_start_sets_neither_the_shape_nor_the_level():
    from trendkit.models.shape import recent_shift, shape_design
    from trendkit.models.shock import common_shock

    p = draw(Scenario(MEANS, ar_sd=0.0, size=20.0, dip=("2022-06", "2022-11", -0.4)), np.random.default_rng(4))
    total = p.group_by("period").agg(pl.col("cases").sum()).sort("period")
    periods = total["period"].to_list()
    pre = np.array([d < dt.date(2023, 1, 1) for d in periods])
    dropped = recent_shift(total["cases"].to_numpy(), shape_design(periods, seasons="smooth"), pre)
    assert {dt.date(2022, m, 1) for m in range(6, 12)} <= {d for d, x in zip(periods, dropped, strict=True) if x}
    assert not dropped[~pre].any() and not dropped[:24].any()
    shock = common_shock(p, "2023-01", after=12, targets=["P00"])
    assert not shock.detected and shock.change.low < 0 < shock.change.high


@pytest.mark.filterwarnings("ignore:Perfect separation")  # the flat series fits exactly
def test_a_dip_just_before_the_start_is_left_out_of_one_series_campaign_baseline():
    rng = np.random.default_rng(8)
    months = [dt.date(2020 + i // 12, i % 12 + 1, 1) for i in range(48)]
    mean = np.where((np.arange(48) >= 29) & (np.arange(48) <= 34), 60.0, 100.0)  # 06–11/2022 at −40%, no campaign
    s = pl.DataFrame({"period": months, "cases": rng.poisson(mean).astype(float)})
    eff = campaign_effect(s, "2023-01")
    assert {dt.date(2022, m, 1) for m in range(6, 12)} <= set(eff.baseline_left_out)
    assert all(m < dt.date(2023, 1, 1) for m in eff.baseline_left_out)
    assert eff.change_pct.low < 0 < eff.change_pct.high  # nothing happened at the start
    assert "with them left out" in str(eff.summary())  # read both ways, and this reading claims less
    flat = campaign_effect(s.with_columns(pl.lit(100.0).alias("cases")), "2023-01")  # nothing off: nothing left out
    assert flat.baseline_left_out == flat.recent == () and "baseline" not in str(flat.summary())


def test_a_national_dip_the_series_alone_cannot_see_is_read_both_ways_with_the_panel():
    months = [dt.date(2020 + i // 12, i % 12 + 1, 1) for i in range(48)]
    dip = np.where((np.arange(48) >= 29) & (np.arange(48) <= 34), 0.6, 1.0)  # 06–11/2022 at −40%, not in the target
    rng = np.random.default_rng(0)
    rows = [(m, "Target", float(v)) for m, v in zip(months, rng.poisson(40, 48), strict=True)]
    for k in range(5):
        rows += [(m, f"Other {k}", float(v)) for m, v in zip(months, rng.poisson(100 * dip), strict=True)]
    p = pl.DataFrame(rows, schema={"period": pl.Date, "province": pl.String, "cases": pl.Float64}, orient="row")
    s = series(p, province="Target")
    assert campaign_effect(s, "2023-01").recent == ()  # the series alone shows nothing off
    eff = campaign_effect(s, "2023-01", panel=p)
    assert {dt.date(2022, m, 1) for m in range(6, 12)} <= set(eff.recent) and eff.readings == 2
    assert all(m < dt.date(2023, 1, 1) for m in eff.recent)
    assert "Read with and without 06/2022" in str(eff.summary())


@pytest.mark.slow
def test_a_dip_ending_before_the_start_is_not_read_as_a_campaign_effect():
    # 200 reps of one unit, seed 58: 11% alone (the series cannot tell the dip from its noise), 1.5% when the
    # other provinces' total, where the dip is clear, adds its readings (campaign._readings)
    def clear(p):
        return _excludes_zero(campaign_effect(series(p, province="P00"), "2023-01", n_sim=1000, panel=p).change_pct)

    assert _rate(clear, Scenario(MEANS, ar_sd=0.0, dip=("2022-06", "2022-11", -0.4)), 58) <= 0.07


# --- late data ----------------------------------------------------------------------------------

LATE = (0.9, 0.75, 0.5)  # the last three months 90%, 75% and 50% entered


def test_an_incomplete_tail_is_held_out_and_named():
    from trendkit.models import late_tail

    p = draw(Scenario(MEANS, ar_sd=0.0, late=LATE), np.random.default_rng(5))
    tail = late_tail(p)  # on the whole panel: every unit is late at once
    assert tail.months and tail.months[-1] == dt.date(2023, 12, 1) and tail.note()
    s = series(p, province="P01")
    cp = change_points(s, late=tail)
    assert cp.held_out == tuple(tail.months) and "look incomplete (late data entry)" in str(cp.summary())
    assert change_points(s).held_out == ()
    kept = campaign_effect(s, "2023-06", end="2023-12", late=tail, n_sim=300)  # end= is the analyst's say
    assert kept.held_out == () and campaign_effect(s, "2023-06", late=tail, n_sim=300).held_out == tuple(tail.months)


def test_one_unit_falling_at_the_end_is_not_late_data():
    from trendkit.models import late_tail

    p = draw(Scenario(MEANS, ar_sd=0.0, effects={"P00": ("2023-10", -0.8)}), np.random.default_rng(6))
    assert late_tail(p).months == [] and late_tail(series(p, province="P00")).months


@pytest.mark.slow
def test_late_tails_are_found_and_complete_months_are_not_flagged():
    from trendkit.models import late_tail

    def national(p):
        return bool(late_tail(p).months)

    assert _rate(national, Scenario(MEANS, ar_sd=0.0, late=LATE), 50, reps=100) >= 0.8
    assert _rate(national, Scenario(MEANS, rho=0.7), 51) <= 0.05


@pytest.mark.slow
def test_a_late_tail_is_not_read_as_a_change_or_a_campaign_effect():
    from trendkit.models import late_tail

    sc = Scenario(MEANS, ar_sd=0.0, late=LATE)

    def broke(p: pl.DataFrame) -> bool:
        return bool(change_points(series(p), late=late_tail(p)).breaks)

    def fell(p: pl.DataFrame) -> bool:
        return _excludes_zero(campaign_effect(series(p), "2023-06", late=late_tail(p), n_sim=300).change_pct)

    assert _rate(broke, sc, 52, reps=100) <= 0.07
    assert _rate(fell, sc, 53, reps=100) <= 0.07
    assert _rate(lambda p: bool(change_points(series(p)).breaks), sc, 52, reps=100) >= 0.15  # what it did before


# --- synthetic control --------------------------------------------------------------------------


@pytest.mark.slow
def test_synthetic_control_interval_covers_a_planted_cut():
    from trendkit.models import synthetic_control

    sc = Scenario(MEANS, ar_sd=0.0, effects={"P00": ("2023-01", -0.3)})

    def covered(p: pl.DataFrame) -> bool:
        low, high = synthetic_control(p, ["P00"], "2023-01", donors=OTHERS).interval(0.9)
        return low <= -0.3 <= high

    assert _rate(covered, sc, 54) >= 0.86  # nominal 90%; interpolated quantiles gave 82-85%
