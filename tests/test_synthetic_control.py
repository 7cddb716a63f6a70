"""synthetic_control: by hand, against pysyncon (the Python port of R's Synth), and its placebo ranks."""

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest

from trendkit.models import synthetic_control
from trendkit.models.synthetic_control import _fit

MONTHS = [dt.date(2021 + i // 12, i % 12 + 1, 1) for i in range(30)]
START = "2023-01"  # 24 months before, 6 after


def _panel(series: dict[str, np.ndarray]) -> pl.DataFrame:
    return pl.DataFrame(
        [(m, name, float(v)) for name, ys in series.items() for m, v in zip(MONTHS, ys, strict=True)],
        schema={"period": pl.Date, "province": pl.String, "cases": pl.Float64},
        orient="row",
    )


def _donors(rng: np.random.Generator, n: int = 6) -> dict[str, np.ndarray]:
    t = np.arange(30)
    names = ["Hà Nội", "Tây Ninh", "An Giang", "Nghệ An", "Đà Nẵng", "Huế", "Cần Thơ", "Gia Lai"][:n]
    return {name: 20 * (1 + 0.5 * np.sin(t / (2 + j))) * (1 + 0.02 * j * t) + rng.normal(0, 0.5, 30)
            for j, name in enumerate(names)}  # fmt: skip


def test_an_exact_blend_is_recovered_and_a_planted_cut_measured_exactly():
    donors = _donors(np.random.default_rng(0))
    a, b = donors["Hà Nội"], donors["Tây Ninh"]
    # the target's shape is 0.3 × A's + 0.7 × B's (each on its own pre-period mean), at 5× the size
    shape = 0.3 * a / a[:24].mean() + 0.7 * b / b[:24].mean()
    target = 5 * 40 * shape
    target[24:] *= 0.6  # a 40% cut from the start
    p = _panel({**donors, "Quảng Ninh": target})
    sc = synthetic_control(p, ["Quảng Ninh"], START, donors=list(donors))
    w = dict(sc.weights.iter_rows())
    assert w["Hà Nội"] == pytest.approx(0.3, abs=1e-4) and w["Tây Ninh"] == pytest.approx(0.7, abs=1e-4)
    assert sc.pre_rmspe < 1e-4 and sc.change_pct == pytest.approx(-0.4, abs=1e-4)
    assert sc.rank == 1 and sc.p_value == pytest.approx(1 / 7)  # the real fit is perfect, its post gap is not


@pytest.mark.parametrize("seed", range(5))
def test_matches_pysyncon_weights_and_counterfactual(seed):
    """pysyncon's Synth, with V fixed, solves the same inner programme: min (X₁ − X₀w)ᵀV(X₁ − X₀w) over
    the simplex, each predictor row first divided by its standard deviation s. With trendkit's
    predictors (every pre-campaign month of the series, each divided by its pre-campaign mean) and
    V = diag(s²), that is trendkit's plain squared distance. Run to a tight tolerance, pysyncon's own
    optimiser gives the same weights to 1e-5; its ``fit()`` stops at a looser tolerance, with an
    objective never below trendkit's."""
    from pysyncon import Synth

    rng = np.random.default_rng(seed)
    x = 30 + np.cumsum(rng.normal(0, 2, (30, 8)), axis=0)  # eight donors' monthly counts
    y = 3 * (0.5 * x[:, 2] + 0.3 * x[:, 5] + 0.2 * x[:, 7]) + rng.normal(0, 2, 30)
    pre = np.arange(30) < 24
    w, synth, *_ = _fit(y, x, pre)
    yn, xn = y / y[pre].mean(), x / x[pre].mean(axis=0)
    s = np.column_stack([xn[pre], yn[pre]]).std(axis=1, ddof=1)
    theirs, _ = Synth.w_optimize(V_mat=np.diag(s**2), X0=xn[pre] / s[:, None], X1=yn[pre] / s,
                                 qp_options={"maxiter": 1000, "ftol": 1e-14})  # fmt: skip
    assert np.abs(w - theirs).max() < 1e-5
    assert np.allclose(synth, (xn @ theirs) * y[pre].mean(), rtol=1e-5)
    names = [f"d{j}" for j in range(8)]
    model = Synth()
    model.fit(X0=pd.DataFrame(xn[pre], columns=names), X1=pd.Series(yn[pre], name="t"),
              Z0=pd.DataFrame(xn, columns=names), Z1=pd.Series(yn, name="t"), custom_V=s**2)  # fmt: skip
    loss = lambda v: float(np.sum((yn[pre] - xn[pre] @ v) ** 2))  # noqa: E731
    assert loss(w) <= loss(np.asarray(model.W)) + 1e-12 and np.abs(w - np.asarray(model.W)).max() < 1e-2


def test_donors_default_to_the_comparison_rule_and_sparse_ones_are_dropped():
    rng = np.random.default_rng(1)
    donors = _donors(rng)
    series = {**donors, "Quảng Ninh": 60 + rng.normal(0, 3, 30), "Lạng Sơn": 80 + rng.normal(0, 3, 30),
              "Cao Bằng": 15 + rng.normal(0, 1, 30), "Lai Châu": np.full(30, 0.2)}  # fmt: skip
    sc = synthetic_control(_panel(series), ["Quảng Ninh", "Lạng Sơn"], START)
    used = set(sc.weights["donor"]) | set(sc.placebos["donor"])
    assert "Cao Bằng" not in used  # a neighbour of Lạng Sơn
    assert sc.dropped == ["Lai Châu"] and "Lai Châu" in str(sc.summary())
    assert abs(sc.weights["weight"].sum() - 1) < 1e-6 and (sc.weights["weight"] >= 0).all()
    assert sc.to_frame().columns == ["period", "target", "synthetic", "post"]
    with pytest.raises(ValueError, match="months before"):
        synthetic_control(_panel(series), ["Quảng Ninh"], "2021-03")


def test_the_headline_claims_a_change_only_when_the_placebo_rank_supports_it():
    rng = np.random.default_rng(2)
    donors = _donors(rng, 8)
    cut = 3 * donors["Huế"] + rng.normal(0, 1, 30)
    cut[24:] *= 0.5
    sc = synthetic_control(_panel({**donors, "Quảng Ninh": cut}), ["Quảng Ninh"], START, donors=list(donors))
    # first among 9, but with 8 donors the smallest p-value possible is 1/9: not enough to say "clear"
    assert sc.rank == 1 and sc.p_value == pytest.approx(1 / 9)
    vi, en = sc.headline()
    assert "chưa khác rõ" in vi and "no clear change" in en and "−50%" in vi
    vi, en = sc.headline(alpha=0.15)
    assert "giảm khoảng 50%" in vi and "fell by about 50%" in en
