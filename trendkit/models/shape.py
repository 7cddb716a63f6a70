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

__all__ = ["OUTLIER_Z", "common_shape", "outlying_months", "shape_design"]

#: How far (in robust standard deviations of the Pearson residuals) a month must sit off the fit to be left out.
OUTLIER_Z = 4.0


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
    trend and season may be off, which moves every unit's counterfactual together. Months before
    the date that sit far off the rest (:func:`outlying_months`: a national dip just before a
    campaign) are left out of the fit, so the shape does not extrapolate a shock into the window.
    """
    import warnings

    import statsmodels.api as sm

    pre = pre & ~outlying_months(y, x, pre)
    with warnings.catch_warnings():  # as in outlying_months
        warnings.simplefilter("ignore")
        res = sm.GLM(y[pre], x[pre], family=sm.families.Poisson()).fit(scale="X2")
    beta = np.asarray(res.params)
    shape = np.exp(x[:, 1:] @ beta[1:])
    xs = x[:, 1:]
    grad = (shape[~pre] @ xs[~pre]) / shape[~pre].sum() - (shape[pre] @ xs[pre]) / shape[pre].sum()
    cov = np.asarray(res.cov_params())[1:, 1:] * max(1.0, res.scale) / res.scale
    return shape, float(grad @ cov @ grad), max(1.0, float(res.scale))


def outlying_months(y: np.ndarray, x: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """Months of ``pre`` whose total sits more than ``OUTLIER_Z`` robust standard deviations off a
    quasi-Poisson fit of the others (the spread is 1.4826 × the median absolute Pearson residual,
    which a few shocked months cannot inflate). At most a third of the months are left out, and
    none when fewer than 12 would remain.

    >>> periods = [dt.date(2021 + i // 12, i % 12 + 1, 1) for i in range(36)]
    >>> y = np.full(36, 200.0) + np.tile([5.0, -5.0], 18)
    >>> y[30:34] *= 0.5  # a national dip at the end of the history
    >>> np.flatnonzero(outlying_months(y, shape_design(periods, seasons=False), np.ones(36, bool))).tolist()
    [30, 31, 32, 33]
    """
    import warnings

    import statsmodels.api as sm

    out = np.zeros(len(y), dtype=bool)
    if pre.sum() < 18:
        return out
    keep = np.ones(int(pre.sum()), dtype=bool)
    for z in (2.5, OUTLIER_Z):  # a loose pass cleans the fit the shocked months pulled; the strict one decides
        with warnings.catch_warnings():  # a month effect whose months were all left out: rank-deficient, harmless
            warnings.simplefilter("ignore")
            res = sm.GLM(y[pre][keep], x[pre][keep], family=sm.families.Poisson()).fit()
        mu = np.exp(x[pre] @ np.asarray(res.params))
        r = (y[pre] - mu) / np.sqrt(np.maximum(mu, 1e-9))
        spread = max(1.4826 * float(np.median(np.abs(r[keep] - np.median(r[keep])))), 1.0)
        far = np.abs(r) > z * spread
        if far.sum() > pre.sum() / 3 or pre.sum() - far.sum() < 12:
            return out
        keep = ~far
    out[np.flatnonzero(pre)[~keep]] = True
    return out
