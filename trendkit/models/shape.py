"""The common shape of many units' monthly counts: trend × pre-Tết peak × month of year.

Shared by the displacement scan (each unit's counterfactual is its own level times this shape)
and the common-shock check (each unit's baseline in a window). Fitted on the months before a
date and projected forward, so what happens after the date does not shape the expectation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from trendkit.months import months_between
from trendkit.tet import tet_window_share

__all__ = ["common_shape", "shape_design"]


def shape_design(periods: Sequence[dt.date], *, seasons: bool) -> np.ndarray:
    """Columns: constant, years since the first month, the pre-Tết window share, and (with
    ``seasons``, for 24 months or more of fitting data) month-of-year effects."""
    t = np.array([months_between(periods[0], p) / 12 for p in periods])
    tet = tet_window_share(pl.Series(list(periods), dtype=pl.Date)).to_numpy()
    months = [np.array([p.month == m for p in periods], dtype=float) for m in range(2, 13)] if seasons else []
    return np.column_stack([np.ones(len(periods)), t, tet, *months])


def common_shape(y: np.ndarray, x: np.ndarray, pre: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The common shape exp(trend + season) of all non-target units, its projection's variance,
    and the fit's quasi-Poisson dispersion (≥ 1).

    A quasi-Poisson GLM of their total on the pre window. The variance is the delta-method
    variance of log S_post − log S_pre (S the shape summed over a window): how far the projected
    trend and season may be off, which moves every unit's counterfactual together.
    """
    import statsmodels.api as sm

    res = sm.GLM(y[pre], x[pre], family=sm.families.Poisson()).fit(scale="X2")
    beta = np.asarray(res.params)
    shape = np.exp(x[:, 1:] @ beta[1:])
    xs = x[:, 1:]
    grad = (shape[~pre] @ xs[~pre]) / shape[~pre].sum() - (shape[pre] @ xs[pre]) / shape[pre].sum()
    cov = np.asarray(res.cov_params())[1:, 1:] * max(1.0, res.scale) / res.scale
    return shape, float(grad @ cov @ grad), max(1.0, float(res.scale))
