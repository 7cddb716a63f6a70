"""Staggered starts: each target from its own start, together, and an event study with leads.

Hand-computable cases use noise-free counts the model describes exactly, so every estimate has one
right answer; calibration uses tests/realseries.py (not trendkit's model) with starts 3 months apart.
"""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from tests.realseries import Scenario, draw, months
from trendkit.models import comparative_effect, staggered_effect

# noise-free counts fit exactly, which statsmodels flags as perfect prediction
pytestmark = pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
N = 48
PERIODS = months(N)
STARTS = {"T1": "2023-01", "T2": "2023-04"}


def _exact(effect_of, scale: float = 1e4) -> pl.DataFrame:
    """A panel whose targets are a multiple of the comparison's monthly path times ``effect_of(name, k)``
    (k = months from that target's start): Poisson fits it exactly."""
    rng = np.random.default_rng(0)
    path = scale * np.exp(rng.normal(0, 0.3, N))
    rows = [(p, f"C{j}", float(path[i] * (1 + j))) for j in range(3) for i, p in enumerate(PERIODS)]
    for name, start in STARTS.items():
        s = PERIODS.index(dt.date.fromisoformat(start + "-01"))
        rows += [
            (p, name, float((2 if name == "T1" else 6) * path[i] * effect_of(name, i - s)))
            for i, p in enumerate(PERIODS)
        ]
    return pl.DataFrame(rows, schema={"period": pl.Date, "province": pl.String, "cases": pl.Float64}, orient="row")


def _run(p: pl.DataFrame, **kw):
    return staggered_effect(p, STARTS, comparison=["C0", "C1", "C2"], **kw)


def test_each_target_gets_its_planted_change_from_its_own_start():
    cut = {"T1": 0.5, "T2": 0.8}
    e = _run(_exact(lambda name, k: cut[name] if k >= 0 else 1.0))
    got = dict(zip(e.per_target["target"], e.per_target["change"], strict=True))
    assert got["T1"] == pytest.approx(-0.5, abs=1e-6)
    assert got["T2"] == pytest.approx(-0.2, abs=1e-6)


def test_the_overall_change_weights_each_target_by_its_cases_before_its_start():
    cut = {"T1": 0.5, "T2": 0.8}
    p = _exact(lambda name, k: cut[name] if k >= 0 else 1.0)
    e = _run(p)
    pre = {
        t: p.filter((pl.col("province") == t) & (pl.col("period") < dt.date.fromisoformat(s + "-01")))["cases"].mean()
        for t, s in STARTS.items()
    }
    w = np.array([pre["T1"], pre["T2"]]) / (pre["T1"] + pre["T2"])
    assert e.per_target["weight"].to_list() == pytest.approx(list(w))
    assert np.log1p(e.change_pct.estimate) == pytest.approx(w @ np.log([0.5, 0.8]), abs=1e-6)
    assert e.to_frame()["target"].to_list() == ["T1", "T2", "all targets"]


def test_the_event_study_recovers_a_growing_effect_and_flat_leads():
    path = {0: 0.9, 1: 0.9, 2: 0.9, 3: 0.7, 4: 0.7, 5: 0.7}  # −10% for three months, then −30%
    e = _run(_exact(lambda name, k: path.get(k, 0.6) if k >= 0 else 1.0))
    ev = {(r["first"], r["last"]): r["change"] for r in e.events.iter_rows(named=True)}
    assert ev[(-6, -4)] == pytest.approx(0.0, abs=1e-6)
    assert ev[(-3, -1)] == pytest.approx(0.0, abs=1e-6)
    assert ev[(0, 2)] == pytest.approx(-0.1, abs=1e-6)
    assert ev[(3, 5)] == pytest.approx(-0.3, abs=1e-6)
    assert ev[(6, 8)] == pytest.approx(-0.4, abs=1e-6)


def test_a_target_already_moving_before_its_start_fails_the_pretrend_check_and_says_so():
    rng = np.random.default_rng(3)
    p = _exact(lambda name, k: 1.0 + 0.08 * max(0, k + 7), scale=200)  # rising from 6 months before, no break
    p = p.with_columns(pl.Series("cases", rng.poisson(p["cases"].to_numpy()).astype(float)))
    e = _run(p)
    assert e.pretrend_failed()
    assert "not evidence of an effect" in e.headline()[1]
    assert "Warning" in str(e)


def test_one_target_given_with_its_start_is_the_comparative_effect():
    p = draw(Scenario([20.0, 30, 25, 40, 15]), np.random.default_rng(1))
    one = comparative_effect(p, ["P00"], {"P00": "2023-01"}, comparison=["P02", "P03", "P04"])
    plain = comparative_effect(p, ["P00"], "2023-01", comparison=["P02", "P03", "P04"])
    assert one.change_pct == plain.change_pct
    with pytest.raises(ValueError, match="one start per target"):
        comparative_effect(p, ["P00", "P01"], {"P00": "2023-01"}, comparison=["P02", "P03"])


def test_too_few_months_before_the_start_for_a_lead_is_said():
    e = staggered_effect(
        _exact(lambda name, k: 1.0).filter(pl.col("period") >= dt.date(2022, 8, 1)),
        STARTS,
        comparison=["C0", "C1", "C2"],
    )
    assert e.pretrend_p is None
    assert "Pre-trend not checked" in str(e)


# --- calibration on real-shaped series -----------------------------------------------------------

MEANS = list(np.random.default_rng(7).uniform(5, 60, 20))
OTHERS = [f"P{i:02d}" for i in range(2, 20)]
REAL_STARTS = {"P00": "2023-01", "P01": "2023-04"}


@pytest.mark.slow
def test_staggered_starts_three_months_apart_raise_no_false_alarm():
    # 400 reps, other seeds: the overall change 5.3% / 6.5% (independent / AR(1) 0.5), each target
    # 5-7%, the pre-trend alarm 5.8% / 6.3% (300 reps here; the bound leaves room for chance)
    rng = np.random.default_rng(22)
    runs = [staggered_effect(draw(Scenario(MEANS, rho=0.5), rng), REAL_STARTS, comparison=OTHERS) for _ in range(300)]
    assert np.mean([not (e.change_pct.low <= 0 <= e.change_pct.high) for e in runs]) <= 0.08
    assert np.mean([e.pretrend_failed() for e in runs]) <= 0.08


@pytest.mark.slow
def test_staggered_starts_cover_a_planted_cut_that_one_common_start_misses():
    # 300 reps: covered 98.7%; one common start (the earliest) 87-94%; the spread of the estimates
    # is 0.8x the reported SE (a 40% cut leaves the quasi-Poisson dispersion slightly high)
    rng = np.random.default_rng(11)
    cut = Scenario(MEANS, rho=0.5, effects={u: (s, -0.4) for u, s in REAL_STARTS.items()})
    runs = [staggered_effect(draw(cut, rng), REAL_STARTS, comparison=OTHERS) for _ in range(200)]
    assert np.mean([e.change_pct.low <= -0.4 <= e.change_pct.high for e in runs]) >= 0.92
    logs = np.log1p([e.change_pct.estimate for e in runs])
    se = np.mean([np.log1p(e.change_pct.high) - np.log1p(e.change_pct.low) for e in runs]) / 3.92
    assert logs.std() <= 1.2 * se


# --- against the reference implementation -------------------------------------------------------


def _noisy() -> pl.DataFrame:
    means = list(np.random.default_rng(7).uniform(5, 60, 12))
    effects = {"P00": ("2023-01", -0.3), "P01": ("2023-04", -0.2)}
    return draw(Scenario(means, effects=effects), np.random.default_rng(3))


STAGGERED = {"P00": "2023-01", "P01": "2023-04"}


def test_each_target_s_change_is_the_ratio_of_its_totals_against_the_comparison_s():
    # Poisson with a fixed effect per month and per series: its MLE of δ is closed form,
    # exp δ = (target after / comparison after) / (target before / comparison before)
    p = _noisy()
    eff = staggered_effect(p, STAGGERED, comparison=[f"P{i:02d}" for i in range(2, 12)], receivers=())
    for target, start in STAGGERED.items():
        after = pl.col("period") >= dt.date.fromisoformat(start + "-01")
        own = pl.col("province") == target
        rest = pl.col("province").is_in([f"P{i:02d}" for i in range(2, 12)])
        cells = [(after, own), (after, rest), (~after, own), (~after, rest)]
        s = p.select(pl.col("cases").filter(a & b).sum().alias(f"s{i}") for i, (a, b) in enumerate(cells)).row(0)
        change = eff.per_target.filter(pl.col("target") == target)["change"][0]
        assert np.log1p(change) == pytest.approx(np.log((s[0] / s[1]) / (s[2] / s[3])), abs=1e-8)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pyfixest's own pandas calls
def test_each_target_and_the_event_study_are_pyfixest_s_poisson_fixed_effects_estimates():
    # the reference for this estimator: fixest's fepois (Python port pyfixest), the Poisson
    # difference in differences with a fixed effect per month and per series (Wooldridge 2023), and
    # for the event study the stacked regression with those effects per stack (Cengiz et al. 2019)
    import pandas as pd
    import pyfixest as pf  # a dev dependency: the reference, never imported by trendkit

    p = _noisy()
    comparison = [f"P{i:02d}" for i in range(2, 12)]
    eff = staggered_effect(p, STAGGERED, comparison=comparison, receivers=())
    stacks = []
    for k, (target, start) in enumerate(STAGGERED.items()):
        first = dt.date.fromisoformat(start + "-01")
        long = (
            p.filter(pl.col("province").is_in([target, *comparison]))
            .group_by("period", (pl.col("province") == target).cast(pl.Int8).alias("treated"))
            .agg(pl.col("cases").sum().alias("y"))
            .with_columns(
                ((pl.col("period").dt.year() - first.year) * 12 + pl.col("period").dt.month() - first.month).alias(
                    "rel"
                ),
                pl.lit(k).alias("stack"),
                pl.col("period").cast(pl.String),
            )
        )
        did = long.with_columns((pl.col("treated") * (pl.col("rel") >= 0)).alias("d"))
        fit = pf.fepois("y ~ d | period + treated", data=pd.DataFrame(did.to_dict(as_series=False)))
        mine = eff.per_target.filter(pl.col("target") == target)["change"][0]
        assert np.log1p(mine) == pytest.approx(float(fit.coef()["d"]), abs=1e-7)
        stacks.append(long)
    bins = eff.events.select("first", "last").rows()
    names = [f"b{i}" for i in range(len(bins))]
    stacked = pl.concat(stacks).with_columns(
        *((pl.col("treated") * pl.col("rel").is_between(a, b)).alias(n) for n, (a, b) in zip(names, bins, strict=True))
    )
    fit = pf.fepois(
        f"y ~ {' + '.join(names)} | stack^period + stack^treated", data=pd.DataFrame(stacked.to_dict(as_series=False))
    )
    assert np.log1p(eff.events["change"].to_numpy()) == pytest.approx(fit.coef()[names].to_numpy(), abs=1e-6)
