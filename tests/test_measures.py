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
    [(1.5, "larger than the direct effect"), (0.5, "diffusion"), (-0.5, "net benefit"), (-2, "counter-productive")],
)
def test_wdq_interpretation_bands(wdq_value, words):
    # target 100 -> 50 with a flat control gives success measure -0.5; choose the buffer to hit wdq_value
    bdm = wdq_value * -0.5
    r = wdq(target=(100, 50), buffer=(100, 100 + 100 * bdm), control=(100, 100))
    assert r.wdq == pytest.approx(wdq_value)
    assert words in r.interpretation


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
    r = wdd(treated=(207, 110), control=(308, 318), disp_treated=(178, 157), disp_control=(150, 140), alpha=0.05)
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
    r = wdd(treated=(20, 10), control=(20, 20), time_weights=(1, 0.5))
    assert r.local.estimate == pytest.approx((0.5 * 10 - 20) - (0.5 * 20 - 20))
    assert r.local.se**2 == pytest.approx(0.25 * 10 + 20 + 0.25 * 20 + 20)
    # area weights are ordered control, treated, disp_control, disp_treated
    r = wdd(treated=(20, 10), control=(20, 30), area_weights=(2, 1, 1, 1))
    assert r.local.estimate == pytest.approx((10 - 20) - (60 - 40))
    assert r.local.se**2 == pytest.approx(30 + 4 * 50)
    r = wdd(treated=(20, 10), control=(20, 30), disp_treated=(5, 9), disp_control=(4, 4), area_weights=(1, 1, 3, 2))
    assert r.displacement.estimate == pytest.approx((18 - 10) - (12 - 12))
    assert r.displacement.se**2 == pytest.approx(4 * 14 + 9 * 8)


def test_wdd_alpha_sets_the_interval():
    r90 = wdd(treated=(50, 30), control=(50, 50), alpha=0.1)
    r95 = wdd(treated=(50, 30), control=(50, 50), alpha=0.05)
    q = stats.norm.ppf(0.95)
    assert r90.total.ci_high == pytest.approx(r90.total.estimate + q * r90.total.se)
    assert r95.total.ci_high - r95.total.ci_low > r90.total.ci_high - r90.total.ci_low


def test_wdd_all_zero_is_undefined_not_an_error():
    r = wdd(treated=(0, 0), control=(0, 0))
    assert r.total.se == 0 and r.total.z is None and r.total.p_value is None
    assert "undefined" in str(r.summary())


def test_wdd_harm_by_hand():
    a = wdd(treated=(20, 10), control=(20, 20))  # -10, var 70
    b = wdd(treated=(5, 5), control=(5, 4))  # +1, var 19
    h = wdd_harm([a, b], [2.0, 10.0], alpha=0.05)
    assert h.estimate == pytest.approx(2 * -10 + 10 * 1)
    assert h.se**2 == pytest.approx(4 * 70 + 100 * 19)
    with pytest.raises(ValueError, match="weights"):
        wdd_harm([a, b], [1.0])


# --- E-test --------------------------------------------------------------------------------------


def _etest_reference(k1, k2, n1, n2, d):
    """Krishnamoorthy & Thomson (2004), eq. for the E-test p-value, by brute-force double sum."""

    def t(x1, x2):
        var = x1 / n1**2 + x2 / n2**2
        return (x1 / n1 - x2 / n2 - d) / np.sqrt(np.where(var > 0, var, 1e-20))

    t_obs = t(np.array(k1), np.array(k2))
    lam2 = (k1 + k2) / (n1 + n2) - d * n1 / (n1 + n2)
    lam1 = lam2 + d
    grid = np.arange(0, 400)
    p1 = stats.poisson.pmf(grid, n1 * lam1)
    p2 = stats.poisson.pmf(grid, n2 * lam2)
    x1, x2 = np.meshgrid(grid, grid, indexing="ij")
    return float((p1[:, None] * p2[None, :] * (t(x1, x2) >= t_obs - 1e-12)).sum())


@pytest.mark.parametrize(
    ("k1", "k2", "n1", "n2", "d"), [(20, 10, 1, 1, 0), (12, 5, 2, 1, 0), (30, 20, 3, 3, 1), (7, 7, 1, 1, 0)]
)
def test_etest_matches_the_published_definition(k1, k2, n1, n2, d):
    assert e_test(k1, k2, n1, n2, d).p_value == pytest.approx(_etest_reference(k1, k2, n1, n2, d), abs=1e-6)


@pytest.mark.parametrize(("k1", "k2", "n1", "n2"), [(20, 10, 1, 1), (3, 9, 1, 2), (40, 25, 12, 12)])
def test_etest_matches_statsmodels_for_d_zero(k1, k2, n1, n2):
    from statsmodels.stats.rates import etest_poisson_2indep

    _, ref = etest_poisson_2indep(k1, n1, k2, n2, method="wald", compare="diff", alternative="larger")
    assert e_test(k1, k2, n1, n2).p_value == pytest.approx(ref, abs=1e-8)


def test_etest_edge_cases():
    assert e_test(0, 0).p_value == 1.0
    assert e_test(50, 10).p_value < 0.001 < e_test(10, 50).p_value
    with pytest.raises(ValueError, match="count"):
        e_test(-1, 3)
    with pytest.raises(ValueError, match="exposures"):
        e_test(1, 3, n1=0)
    assert "E-test" in str(e_test(20, 10).summary())
