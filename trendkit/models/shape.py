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

__all__ = [
    "SHIFT_Z",
    "CommonShape",
    "common_shape",
    "pearson_dispersion",
    "recent_block",
    "recent_readings",
    "recent_shift",
    "shape_design",
]

#: How far (in standard errors) the last months before the date must sit, together, off the earlier
#: months' projection to be left out: two-sided 1% over the ten block lengths tried (Bonferroni).
SHIFT_Z = 3.3
SHIFT_MONTHS = range(3, 13)
#: Below this (every block against the earliest history's projection) no block is refitted.
SCREEN_Z = 2.0


def shape_design(
    periods: Sequence[dt.date], *, seasons: bool | Literal["smooth"], starts: Sequence[dt.date] | None = None
) -> np.ndarray:
    """Columns: constant, years since the first month, the pre-Tết window share, and (with
    ``seasons``, for 24 months or more of fitting data) month-of-year effects; ``"smooth"`` gives a
    yearly and a half-yearly harmonic and January and February effects (the months Tết moves
    between) instead of eleven month effects: 6 parameters, not 11, so the projection moves less
    with the noise of a few years. The harmonics alone left the window 3% low on the calibration
    generator, whose Tết bump is not the pre-Tết window share. ``starts``: each period's first day for
    customs months (:func:`~trendkit.models.fitting.period_starts`), for the Tết share."""
    t = np.array([months_between(periods[0], p) / 12 for p in periods])
    tet = tet_window_share(pl.Series(list(periods), dtype=pl.Date), starts=starts).to_numpy()
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


@dataclass(frozen=True)
class CommonShape:
    """The common shape of the non-target units and what its projection is worth."""

    values: np.ndarray  #: exp(trend + season) in every month
    var: float  #: variance of log S_window − log S_used (S the shape summed over those months)
    scale: float  #: the fit's quasi-Poisson dispersion (≥ 1)
    used: np.ndarray  #: the months before the date that set the shape, and so each unit's level


def common_shape(y: np.ndarray, x: np.ndarray, pre: np.ndarray, left_out: np.ndarray | None = None) -> CommonShape:
    """The common shape exp(trend + season) of all non-target units, fitted on the months before a date.

    A quasi-Poisson GLM of their total on the ``pre`` months. Months before the date that together sit
    far off the months before them (:func:`recent_shift`: a national dip just before a campaign) are
    left out of the fit, so the shape does not extrapolate a shock into the window; ``used`` says which
    months remain, and each unit's level must come from those months too, or the dip sets the level.
    ``var`` is the delta-method variance of log S_window − log S_used: how far the projected trend and
    season may be off between the months that set the levels and the window (the months after
    ``pre``), which moves every unit's counterfactual together. Single months far off are kept: with
    overdispersed counts, leaving out the high ones understated the dispersion and biased the level
    (spread of estimates 1.3× the reported SE).
    """
    import warnings

    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    used = pre & ~(recent_shift(y, x, pre) if left_out is None else left_out)  # ``left_out``: already known
    with warnings.catch_warnings():  # a month effect whose months were all left out: rank-deficient, harmless
        warnings.simplefilter("ignore")
        res = GLM(y[used], x[used], family=families.Poisson()).fit()
    beta = np.asarray(res.params)
    shape = np.exp(x[:, 1:] @ beta[1:])
    xs = x[:, 1:]
    grad = (shape[~pre] @ xs[~pre]) / shape[~pre].sum() - (shape[used] @ xs[used]) / shape[used].sum()
    phi = pearson_dispersion(res)
    cov = np.asarray(res.cov_params())[1:, 1:] * phi
    return CommonShape(shape, float(grad @ cov @ grad), phi, used)


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
    lengths = [m for m in SHIFT_MONTHS if len(idx) - m >= 18]
    if not lengths:
        return np.zeros(len(y), dtype=bool)
    longest = _History.fit(y, x, idx[: -lengths[-1]])  # its residuals also give the months' correlation
    if max(abs(longest.z(y, x, idx[-m:])) for m in lengths) < SCREEN_Z:
        return np.zeros(len(y), dtype=bool)  # nothing near a shift against the earliest history: one fit
    block, z = recent_block(y, x, pre, longest)
    return block if abs(z) > SHIFT_Z else np.zeros(len(y), dtype=bool)


def recent_readings(y: np.ndarray, x: np.ndarray, pre: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The months just before the date to leave out (:func:`recent_shift`), and the other reading
    whenever the best recent block (:func:`recent_block`) sits ``SCREEN_Z`` standard errors or more
    off: kept when it was left out, left out when it was kept (below ``SHIFT_Z``: a shift too noisy
    to be sure of). A result that must not mistake such a dip for a change holds in both readings
    (the shock test, the scan). With nothing near a shift there is one reading (None). Both are
    needed: left out, a dip's block sometimes took months whose history ran high, and the window
    read as a fall; kept when it was not clear, the dip bent the trend and the window read as a rise.
    """
    none = np.zeros(len(y), dtype=bool)
    block, z = recent_block(y, x, pre)  # no screen: a dip can hide from the earliest history's projection
    if not block.any():
        return none, None
    if abs(z) > SHIFT_Z:
        return block, none
    return none, (block if abs(z) >= SCREEN_Z else None)


def recent_block(
    y: np.ndarray, x: np.ndarray, pre: np.ndarray, longest: _History | None = None
) -> tuple[np.ndarray, float]:
    """The last 3–12 months of ``pre`` that fit best with a level of their own (the change point,
    trend and season fitted on every month), and how many standard errors they sit off the
    projection of the months before them. No months (and 0) when fewer than 18 would remain.

    Choosing the block that sits furthest off its history's projection instead favoured histories
    whose trend happened to run high, and the window then read as a fall.
    """
    idx = np.flatnonzero(pre)
    out = np.zeros(len(y), dtype=bool)
    lengths = [m for m in SHIFT_MONTHS if len(idx) - m >= 18]
    if not lengths:
        return out, 0.0
    longest = longest or _History.fit(y, x, idx[: -lengths[-1]])
    m = min(lengths, key=lambda m: _shifted_deviance(y, x, idx, m))
    fit = longest if m == lengths[-1] else _History.fit(y, x, idx[:-m], longest.serial)
    out[idx[-m:]] = True
    return out, fit.z(y, x, idx[-m:])


def pearson_dispersion(res: object) -> float:
    """A Poisson fit's quasi-Poisson dispersion, Pearson χ² / residual degrees of freedom, at least 1
    (fitted as Poisson and scaled after: statsmodels' ``scale="X2"`` fails on counts the model fits
    exactly, where χ² is 0)."""
    df = float(res.df_resid)  # type: ignore[attr-defined]
    return max(1.0, float(res.pearson_chi2) / df) if df > 0 else 1.0  # type: ignore[attr-defined]


def _shifted_deviance(y: np.ndarray, x: np.ndarray, rows: np.ndarray, m: int) -> float:
    """The Poisson deviance of ``rows`` with a level of their own for the last ``m`` of them.

    Newton–Raphson (IRLS) in numpy: ten of these run for every scan and shock check, and
    statsmodels' GLM set-up cost more than the fit. ``tests/test_real_series.py`` checks the
    deviance against statsmodels'."""
    yy = y[rows]
    xx = np.hstack([x[rows], (np.arange(len(rows)) >= len(rows) - m)[:, None].astype(float)])
    beta = np.zeros(xx.shape[1])
    beta[0] = np.log(max(yy.mean(), 1e-9))
    dev = np.inf
    for _ in range(50):
        mu = np.exp(np.clip(xx @ beta, -30, 30))
        step = np.linalg.lstsq(xx.T @ (mu[:, None] * xx), xx.T @ (yy - mu), rcond=None)[0]
        beta = beta + step
        mu = np.exp(np.clip(xx @ beta, -30, 30))
        new = 2 * float(np.sum(np.where(yy > 0, yy * np.log(np.where(yy > 0, yy, 1) / mu), 0.0) - (yy - mu)))
        if abs(dev - new) < 1e-10 * (1 + abs(new)):
            return new
        dev = new
    return dev


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

        from statsmodels.genmod import families
        from statsmodels.genmod.generalized_linear_model import GLM

        from trendkit.models.serial import estimate_serial

        with warnings.catch_warnings():  # a month effect whose months were all left out: rank-deficient, harmless
            warnings.simplefilter("ignore")
            res = GLM(y[rows], x[rows], family=families.Poisson()).fit()
        phi = pearson_dispersion(res)
        if serial is None:
            mu = np.asarray(res.fittedvalues)
            resid = (y[rows] - mu) / np.sqrt(phi * mu)
            serial = estimate_serial([resid], [rows], designs=[x[rows] * np.sqrt(mu)[:, None]])
        return cls(np.asarray(res.params), np.asarray(res.cov_params()) * phi, phi, serial)

    def z(self, y: np.ndarray, x: np.ndarray, block: np.ndarray) -> float:
        """How many standard errors the block's total sits off the projection (noise and projection)."""
        from trendkit.models.serial import sum_variance

        mu = np.exp(x[block] @ self.params)
        grad = (mu @ x[block]) / mu.sum()
        var = sum_variance(self.phi * mu, block, self.serial) / mu.sum() ** 2 + float(grad @ self.cov @ grad)
        return float(np.log(max(y[block].sum(), 0.5) / mu.sum()) / np.sqrt(var))
