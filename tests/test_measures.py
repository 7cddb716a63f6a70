"""WDQ, WDD and the E-test: hand-computable cases, the published worked example, references."""

import math

import numpy as np
import pytest
from scipy import stats

from trendkit.models import e_test, wdd, wdd_harm, wdq

# --- WDQ -----------------------------------------------------------------------------------------


def test_wdq_by_hand():
    # target 100 -> 60, buffer 50 -> 60, control 200 -> 200
    r = wdq(target=(100, 60), buffer=(50, 60), control=(200, 200))
    assert r.gross_effect == -40
    assert r.net_effect == pytest.approx(60 - 100 * 200 / 200)
    assert r.success_measure == pytest.approx(60 / 200 - 100 / 200)
    assert r.buffer_displacement == pytest.approx(60 / 200 - 50 / 200)
    assert r.wdq == pytest.approx(0.05 / -0.2)
    assert r.tne == pytest.approx((100 - 60) + (50 - 60))
    assert "net benefit" in r.interpretation and r.undefined is None


def test_wdq_control_trend_enters():
    # control doubles: the target "should" have doubled too
    r = wdq(target=(10, 10), buffer=(10, 30), control=(100, 200))
    assert r.net_effect == pytest.approx(10 - 20)
    assert r.success_measure == pytest.approx(10 / 200 - 10 / 100)
    assert r.wdq == pytest.approx((30 / 200 - 10 / 100) / (10 / 200 - 10 / 100))  # -1: displacement = effect
    assert r.tne == pytest.approx((20 - 10) + (20 - 30))


@pytest.mark.parametrize(
    ("wdq_value", "words"),
    [(1.5, "larger than the direct effect"), (0.5, "diffusion"), (-0.5, "net benefit"), (-2, "displacement larger")],
)
def test_wdq_interpretation_bands(wdq_value, words):
    # target 100 -> 50 with a flat control gives success measure -0.5; choose the buffer to hit wdq_value
    bdm = wdq_value * -0.5
    r = wdq(target=(100, 50), buffer=(100, 100 + 100 * bdm), control=(100, 100))
    assert r.wdq == pytest.approx(wdq_value)
    assert words in r.interpretation and "a reading, not a finding" in r.interpretation  # counts carry no interval
    assert "was counter-productive" not in r.interpretation


def test_wdq_undefined_cases_do_not_raise():
    zero_before = wdq(target=(10, 5), buffer=(3, 4), control=(0, 7))
    zero_after = wdq(target=(10, 5), buffer=(3, 4), control=(7, 0))
    for r in (zero_before, zero_after):
        assert r.wdq is None and r.tne is None and "zero" in r.undefined
        assert r.gross_effect == -5
        assert r.to_frame().filter(r.to_frame()["measure"] == "wdq")["value"].item() is None
    flat = wdq(target=(10, 20), buffer=(5, 5), control=(10, 20))
    assert flat.success_measure == 0 and flat.wdq is None and "divides by zero" in flat.undefined
    no_success = wdq(target=(10, 30), buffer=(5, 5), control=(10, 10))
    assert no_success.wdq == pytest.approx(0.0) and "no success" in no_success.interpretation
    assert all(v is None or math.isfinite(v) for v in no_success.to_frame()["value"])
    assert "WDQ" in str(flat.summary())


# --- WDD -----------------------------------------------------------------------------------------


def test_wdd_worked_example_of_wheeler_ratcliffe_2018():
    r = wdd(treated=(207, 110), control=(308, 318), disp_treated=(178, 157), disp_control=(150, 140), level=0.95)
    assert r.local.estimate == -107 and r.displacement.estimate == -11
    assert r.total.estimate == -118
    assert r.total.se == pytest.approx(math.sqrt(1568))
    assert round(r.total.z, 2) == -2.98
    assert (round(r.total.ci_low), round(r.total.ci_high)) == (-196, -40)
    assert r.total.p_value == pytest.approx(2 * stats.norm.sf(118 / math.sqrt(1568)))


def test_wdd_ptools_unit_cases():
    assert wdd(treated=(20, 10), control=(20, 20)).local.estimate == -10
    assert (
        wdd(treated=(20, 20), control=(20, 20), disp_treated=(20, 10), disp_control=(20, 20)).displacement.estimate
        == -10
    )
    assert wdd(treated=(20, 10), control=(20, 20), disp_treated=(20, 10), disp_control=(20, 20)).total.estimate == -20


def test_wdd_weights_by_hand():
    # ptools divides each count by its weights (rates per unit time / area), variance by their square
    r = wdd(treated=(20, 10), control=(20, 20), time_weights=(1, 0.5))
    assert r.local.estimate == pytest.approx((10 / 0.5 - 20) - (20 / 0.5 - 20))
    assert r.local.se**2 == pytest.approx(10 / 0.25 + 20 + 20 / 0.25 + 20)
    # area weights are ordered control, treated, disp_control, disp_treated
    r = wdd(treated=(20, 10), control=(20, 30), area_weights=(2, 1, 1, 1))
    assert r.local.estimate == pytest.approx((10 - 20) - (30 / 2 - 20 / 2))
    assert r.local.se**2 == pytest.approx(30 + 50 / 4)
    r = wdd(treated=(20, 10), control=(20, 30), disp_treated=(5, 9), disp_control=(4, 4), area_weights=(1, 1, 4, 2))
    assert r.displacement.estimate == pytest.approx((9 / 2 - 5 / 2) - (4 / 4 - 4 / 4))
    assert r.displacement.se**2 == pytest.approx(14 / 4 + 8 / 16)


# ptools' own tests (tests/testthat/test-wdd.R), from the paper and Wheeler's worked posts
def test_wdd_ptools_time_weights_example():
    r = wdd(control=(100, 50), treated=(80, 20), time_weights=(2, 1), level=0.95)
    assert (r.total.estimate, r.total.se) == (pytest.approx(-20), pytest.approx(115**0.5))


def test_wdd_ptools_area_weights_example():
    r = wdd(control=(308, 318), treated=(207, 110), disp_control=(150, 140), disp_treated=(178, 157),
            area_weights=(0.9, 1.2, 1.6, 1.5), level=0.95)  # fmt: skip
    got = (r.total.estimate, r.total.se, r.total.z, r.total.ci_low, r.total.ci_high)
    assert got == pytest.approx((-99.69444444, 35.4280755, -2.813995483, -169.1321965, -30.25669241), rel=1e-8)


def test_wdd_harm_ptools_cumulative_harm_example():
    pairs = [((133, 91), (130, 74)), ((388, 305), (327, 202)), ((148, 97), (398, 190)), ((86, 64), (144, 92)),
             ((94, 67), (183, 96))]  # fmt: skip
    res = [wdd(control=c, treated=t) for c, t in pairs]
    h = wdd_harm(res, [3, 2, 5, 7, 10], level=0.95)
    got = (h.estimate, h.se, h.z, h.ci_low, h.ci_high)
    assert got == pytest.approx((-1721.0, 304.10360077, -5.65925558, -2317.03210507, -1124.96789493), rel=1e-7)


def test_wdd_rejects_non_positive_weights():
    with pytest.raises(ValueError, match="time_weights must be positive"):
        wdd(treated=(1, 1), control=(1, 1), time_weights=(0, 1))


def test_wdd_level_sets_the_interval():
    r90 = wdd(treated=(50, 30), control=(50, 50), level=0.9)
    r95 = wdd(treated=(50, 30), control=(50, 50), level=0.95)
    q = stats.norm.ppf(0.95)
    assert r90.total.ci_high == pytest.approx(r90.total.estimate + q * r90.total.se)
    assert r95.total.ci_high - r95.total.ci_low > r90.total.ci_high - r90.total.ci_low
    assert (r90.level, r90.alpha) == (0.9, pytest.approx(0.1))  # ptools' alpha is 1 − level
    assert wdd(treated=(50, 30), control=(50, 50)).level == 0.9  # ptools' default alpha = 0.1


def test_ptools_alpha_still_works_and_warns_at_the_callers_line():
    new = wdd(treated=(50, 30), control=(50, 50), level=0.95)
    with pytest.warns(DeprecationWarning, match=r"wdd\(alpha=\).*level=1 - alpha") as caught:
        old = wdd(treated=(50, 30), control=(50, 50), alpha=0.05)
    assert caught[0].filename == __file__
    assert old.to_frame().equals(new.to_frame())
    with pytest.warns(DeprecationWarning, match=r"wdd_harm\(alpha=\)"):
        harm = wdd_harm([old], [2.0], alpha=0.05)
    same = wdd_harm([new], [2.0], level=0.95)
    assert (harm.ci_low, harm.ci_high, harm.level) == (same.ci_low, same.ci_high, 0.95)


def test_wdd_all_zero_is_undefined_not_an_error():
    r = wdd(treated=(0, 0), control=(0, 0))
    assert r.total.se == 0 and r.total.z is None and r.total.p_value is None
    assert "undefined" in str(r.summary())


def test_wdd_harm_by_hand():
    a = wdd(treated=(20, 10), control=(20, 20))  # -10, var 70
    b = wdd(treated=(5, 5), control=(5, 4))  # +1, var 19
    h = wdd_harm([a, b], [2.0, 10.0], level=0.95)
    assert h.estimate == pytest.approx(2 * -10 + 10 * 1)
    assert h.se**2 == pytest.approx(4 * 70 + 100 * 19)
    with pytest.raises(ValueError, match="weights"):
        wdd_harm([a, b], [1.0])


# --- E-test --------------------------------------------------------------------------------------


def _ptools_e_test(k1, k2, n1=1, n2=1, d=0):
    """ptools::e_test (R) transcribed line by line: a square grid to where the PMF drops below 1e-20,
    the pooled-rate statistic, two-sided, the undefined (0, 0) cell left out."""
    lhat = (k1 + k2) / (n1 + n2) - d * n1 / (n1 + n2)
    tk = abs((k1 / n1 - k2 / n2 - d) / np.sqrt(lhat))
    d1, d2 = n2 * lhat, n1 * (lhat + d)
    top = int(max(d1, d2))
    while stats.poisson.pmf(top, max(d1, d2)) > 1e-20:
        top += 1
    x1, x2 = np.meshgrid(np.arange(top + 1), np.arange(top + 1), indexing="ij")
    rp = (x1 + x2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.abs(x1 / n1 - x2 / n2 - d) / np.sqrt(rp)
    return float(np.nansum(stats.poisson.pmf(x1, d2) * stats.poisson.pmf(x2, d1) * (tx >= tk)))


def test_etest_krishnamoorthy_thomson_examples():
    # the paper's two examples, as ptools' tests check them
    assert round(e_test(6, 2).p_value, 4) == 0.1749
    assert e_test(0, 3).p_value == pytest.approx(0.0884, abs=5e-4)
    assert e_test(6, 2).p_value == e_test(2, 6).p_value


@pytest.mark.parametrize(
    ("k1", "k2", "n1", "n2", "d"),
    [(20, 10, 1, 1, 0), (12, 5, 2, 1, 0), (30, 20, 3, 3, 1), (7, 7, 1, 1, 0), (3, 0, 2, 2, 0), (20, 10, 4, 2, 0)],
)
def test_etest_matches_ptools(k1, k2, n1, n2, d):
    assert e_test(k1, k2, n1, n2, d).p_value == pytest.approx(_ptools_e_test(k1, k2, n1, n2, d), abs=1e-9)


@pytest.mark.parametrize(("k1", "k2", "n1", "n2"), [(20, 10, 1, 1), (3, 9, 1, 2), (40, 25, 12, 12), (6, 2, 1, 1)])
@pytest.mark.parametrize(("ours", "theirs"), [("two-sided", "two-sided"), ("greater", "larger"), ("less", "smaller")])
def test_etest_matches_statsmodels_for_each_alternative(k1, k2, n1, n2, ours, theirs):
    from statsmodels.stats.rates import etest_poisson_2indep

    _, ref = etest_poisson_2indep(k1, n1, k2, n2, method="score", compare="diff", alternative=theirs)
    assert e_test(k1, k2, n1, n2, alternative=ours).p_value == pytest.approx(ref, abs=1e-9)


def test_etest_national_counts_are_bounded():
    import tracemalloc

    tracemalloc.start()
    r = e_test(16_000, 15_500)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.method == "exact sum" and peak < 600e6
    from statsmodels.stats.rates import test_poisson_2indep

    approx = test_poisson_2indep(16_000, 1, 15_500, 1, method="score", compare="diff").pvalue
    assert r.p_value == pytest.approx(approx, rel=0.05)  # large counts: the E-test is the normal test
    big = e_test(2_000_000, 1_990_000)
    assert big.method.startswith("normal approximation") and 0 < big.p_value < 1e-5


def test_etest_edge_cases():
    assert e_test(0, 0).p_value == 1.0
    assert e_test(50, 10, alternative="greater").p_value < 0.001 < e_test(10, 50, alternative="greater").p_value
    with pytest.raises(ValueError, match="alternative"):
        e_test(1, 2, alternative="bigger")
    with pytest.raises(ValueError, match="count"):
        e_test(-1, 3)
    with pytest.raises(ValueError, match="exposures"):
        e_test(1, 3, n1=0)
    assert "E-test" in str(e_test(20, 10).summary())
