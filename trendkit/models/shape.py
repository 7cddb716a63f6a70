"""The common shape of many units' monthly counts: trend × pre-Tết peak × month of year.

Shared by the displacement scan (each unit's counterfactual is its own level times this shape)
and the common-shock check (each unit's baseline in a window). Fitted on the months before a
date and projected forward, so what happens after the date does not shape the expectation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from trendkit.months import months_between
from trendkit.tet import tet_window_share

if TYPE_CHECKING:
    from trendkit.models.serial import SerialCorrelation

__all__ = ["SHIFT_Z", "common_shape", "recent_shift", "shape_design"]

#: How far (in standard errors) the last months before the date must sit, together, off the earlier
#: months' projection to be left out: two-sided 1% over the ten block lengths tried (Bonferroni).
SHIFT_Z = 3.3
SHIFT_MONTHS = range(3, 13)
#: Below this (every block against the earliest history's projection) no block is refitted.
SCREEN_Z = 2.0


def shape_design(periods: Sequence[dt.date], *, seasons: bool | Literal["smooth"]) -> np.ndarray:
    """Columns: constant, years since the first month, the pre-Tết window share, and (with
    ``seasons``, for 24 months or more of fitting data) month-of-year effects; ``"smooth"`` gives a
    yearly and a half-yearly harmonic and January and February effects (the months Tết moves
    between) instead of eleven month effects: 6 parameters, not 11, so the projection moves less
    with the noise of a few years. The harmonics alone left the window 3% low on the calibration
    generator, whose Tết bump is not the pre-Tết window share."""
    t = np.array([months_between(periods[0], p) / 12 for p in periods])
    tet = tet_window_share(pl.Series(list(periods), dtype=pl.Date)).to_numpy()
    if seasons == "smooth":
        angle = 2 * np.pi * np.array([p.month for p in periods]) / 12
        months = [
            np.cos(angle),
            np.sin(angle),
            np.cos(2 * angle),
            np.sin(2 * angle),
            *(np.array([p.month == m for p in periods], dtype=float) for m in (1, 2)),
        ]
    else:
        months = [np.array([p.month == m for p in periods], dtype=float) for m in range(2, 13)] if seasons else []
    return np.column_stack([np.ones(len(periods)), t, tet, *months])


def common_shape(
    y: np.ndarray, x: np.ndarray, pre: np.ndarray, left_out: np.ndarray | None = None
) -> tuple[np.ndarray, float, float]:
    """The common shape exp(trend + season) of all non-target units, its projection's variance,
    and the fit's quasi-Poisson dispersion (≥ 1).

    A quasi-Poisson GLM of their total on the pre window. The variance is the delta-method
    variance of log S_post − log S_pre (S the shape summed over a window): how far the projected
    trend and season may be off, which moves every unit's counterfactual together. Months before
    the date that together sit far off the months before them (:func:`recent_shift`: a national dip
    just before a campaign) are left out of the fit, so the shape does not extrapolate a shock into
    the window. Single months far off are kept: with overdispersed counts, leaving out the high ones
    understated the dispersion and biased the level (spread of estimates 1.3× the reported SE).
    """
    import warnings

    import statsmodels.api as sm

    pre = pre & ~(recent_shift(y, x, pre) if left_out is None else left_out)  # ``left_out``: already known
    with warnings.catch_warnings():  # a month effect whose months were all left out: rank-deficient, harmless
        warnings.simplefilter("ignore")
        res = sm.GLM(y[pre], x[pre], family=sm.families.Poisson()).fit(scale="X2")
    beta = np.asarray(res.params)
    shape = np.exp(x[:, 1:] @ beta[1:])
    xs = x[:, 1:]
    grad = (shape[~pre] @ xs[~pre]) / shape[~pre].sum() - (shape[pre] @ xs[pre]) / shape[pre].sum()
    cov = np.asarray(res.cov_params())[1:, 1:] * max(1.0, res.scale) / res.scale
    return shape, float(grad @ cov @ grad), max(1.0, float(res.scale))


def recent_shift(y: np.ndarray, x: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """The last 3–12 months of ``pre`` when together they sit more than ``SHIFT_Z`` standard errors
    off the projection of the months before them (the block length that sits furthest off).

    A national dip that ends just before a campaign is too long and too gentle for any one month to
    be an outlier, yet it bends the fitted trend and sets the level, and the baseline extrapolates
    it into the window (a null window then reads as "the whole country rose"). The standard error
    adds the block's quasi-Poisson noise in correlated months to the projection's own uncertainty,
    so a persistent but ordinary run of months is kept. At least 18 months must remain.

    >>> periods = [dt.date(2020 + i // 12, i % 12 + 1, 1) for i in range(36)]
    >>> y = np.full(36, 400.0) + np.tile([15.0, -15.0], 18)
    >>> y[28:35] *= 0.6  # a dip over the last months but one
    >>> np.flatnonzero(recent_shift(y, shape_design(periods, seasons=False), np.ones(36, bool))).tolist()
    [28, 29, 30, 31, 32, 33, 34, 35]
    """
    idx = np.flatnonzero(pre)
    out = np.zeros(len(y), dtype=bool)
    lengths = [m for m in SHIFT_MONTHS if len(idx) - m >= 18]
    if not lengths:
        return out
    longest = _History.fit(y, x, idx[: -lengths[-1]])  # its residuals also give the months' correlation
    if max(abs(longest.z(y, x, idx[-m:])) for m in lengths) < SCREEN_Z:
        return out  # nothing near a shift against the earliest history: one fit, not ten
    fits = {m: longest if m == lengths[-1] else _History.fit(y, x, idx[:-m], longest.serial) for m in lengths}
    z, m = max(((fits[m].z(y, x, idx[-m:]), m) for m in lengths), key=lambda t: abs(t[0]))
    if abs(z) > SHIFT_Z:
        out[idx[-m:]] = True
    return out


@dataclass(frozen=True)
class _History:
    """A quasi-Poisson fit of the months before a block, to project over the block."""

    params: np.ndarray
    cov: np.ndarray
    phi: float
    serial: SerialCorrelation

    @classmethod
    def fit(cls, y: np.ndarray, x: np.ndarray, rows: np.ndarray, serial: SerialCorrelation | None = None) -> _History:
        """Fit the months ``rows``; their residuals' correlation unless ``serial`` is given."""
        import warnings

        import statsmodels.api as sm

        from trendkit.models.serial import estimate_serial

        with warnings.catch_warnings():  # a month effect whose months were all left out: rank-deficient, harmless
            warnings.simplefilter("ignore")
            res = sm.GLM(y[rows], x[rows], family=sm.families.Poisson()).fit(scale="X2")
        phi = max(1.0, float(res.scale))
        if serial is None:
            mu = np.asarray(res.fittedvalues)
            resid = (y[rows] - mu) / np.sqrt(phi * mu)
            serial = estimate_serial([resid], [rows], designs=[x[rows] * np.sqrt(mu)[:, None]])
        return cls(np.asarray(res.params), np.asarray(res.cov_params()) * phi / res.scale, phi, serial)

    def z(self, y: np.ndarray, x: np.ndarray, block: np.ndarray) -> float:
        """How many standard errors the block's total sits off the projection (noise and projection)."""
        from trendkit.models.serial import sum_variance

        mu = np.exp(x[block] @ self.params)
        grad = (mu @ x[block]) / mu.sum()
        var = sum_variance(self.phi * mu, block, self.serial) / mu.sum() ** 2 + float(grad @ self.cov @ grad)
        return float(np.log(max(y[block].sum(), 0.5) / mu.sum()) / np.sqrt(var))
