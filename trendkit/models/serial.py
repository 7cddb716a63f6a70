"""Serial correlation: months whose deviation carries into the next, measured and allowed for.

Monthly counts of smuggling cases are not independent draws: a busy quarter stays busy (a route
in use, a unit's staffing, a market price). An interval that treats months as independent is too
narrow, and a test too quick to call a change. This module measures the correlation left in a
model's residuals and widens the model's covariance for it.

The correlation model is the one a latent AR(1) on the log scale gives counts: the part of a
month's deviation that is not count noise carries over with correlation ρ per month, so Pearson
residuals k months apart correlate ``share`` · ρᵏ (``share`` is that part's share of the residual
variance; ARMA(1,1) in the time-series literature). Both are fitted to the residuals'
autocorrelations at lags 1–6, pooled over series, each lag corrected for the downward bias of
autocorrelations estimated from short, fitted series.

The covariance is the sandwich of generalised estimating equations with that working
correlation (Liang & Zeger 1986): A⁻¹ B A⁻¹ with A = X'WX and B = φ · Σ_g D_g' R_g D_g, where
D = W^½ X and R_g the correlation of series g's months. With ``share = 0`` it is the quasi-Poisson
covariance φ·A⁻¹ exactly.

>>> sc = SerialCorrelation(share=0.5, rho=0.6, pairs=100)
>>> [round(float(c), 3) for c in sc.corr(np.array([0, 1, 2]))]
[1.0, 0.3, 0.18]
>>> round(sc.long_run(), 2)  # variance of a long mean, relative to independent months
2.5
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NONE", "SerialCorrelation", "corr_matrix", "estimate_serial", "sandwich", "sum_variance"]

MAX_LAG = 6
#: the smallest lag-one correlation taken as real: below it months are treated as independent
MIN_LAG1 = 0.05
#: the most correlation an estimate may claim (a random walk has no level to compare with)
MAX_RHO = 0.95


@dataclass(frozen=True)
class SerialCorrelation:
    """Correlation of residuals k months apart: ``share`` · ``rho``ᵏ (1 at lag 0)."""

    share: float
    rho: float
    pairs: int  # neighbouring-month residual pairs it was estimated from

    def corr(self, lags: np.ndarray) -> np.ndarray:
        """The correlation at each (absolute) lag in months."""
        lags = np.abs(lags)
        return np.where(lags == 0, 1.0, self.share * self.rho ** np.maximum(lags, 1))

    def lag1(self) -> float:
        """Residual correlation of neighbouring months."""
        return self.share * self.rho

    def long_run(self) -> float:
        """Variance of a long sum of months relative to independent months: 1 + 2·share·ρ/(1 − ρ)."""
        return 1 + 2 * self.share * self.rho / (1 - self.rho)

    def effective_df(self, df: float) -> float:
        """Degrees of freedom of a variance estimated from correlated months: ``df`` / long-run factor
        (correlated months carry less information each), at least 1."""
        return max(1.0, df / self.long_run())

    def describe(self) -> str:
        """One clause for a summary."""
        if self.share * self.rho < 0.02:
            return f"no serial correlation found in the residuals ({self.pairs} month pairs)"
        return (
            f"serial correlation allowed for: residuals one month apart correlate "
            f"{self.lag1():.2f} (AR(1) ρ {self.rho:.2f} on {self.share:.0%} of the variance, from "
            f"{self.pairs} month pairs), intervals widened accordingly"
        )


#: no serial correlation (what a model without the check assumes)
NONE = SerialCorrelation(0.0, 0.0, 0)


def _pairs(times: np.ndarray, max_lag: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each lag 1..``max_lag``, the index pairs (i, j) of months exactly that far apart (in the
    order of i). Every unit of a panel has the same months: the answer is kept per months."""
    return _pairs_of(tuple(int(v) for v in np.asarray(times, int)), max_lag)


@functools.lru_cache(maxsize=256)
def _pairs_of(t: tuple[int, ...], max_lag: int) -> list[tuple[np.ndarray, np.ndarray]]:
    arr = np.asarray(t, int)
    order = np.argsort(arr, kind="stable")
    ranked = arr[order]
    out = []
    for k in range(1, max_lag + 1):
        at = np.minimum(np.searchsorted(ranked, arr + k), max(len(arr) - 1, 0))
        i = np.flatnonzero(ranked[at] == arr + k) if len(arr) else np.array([], int)
        out.append((_frozen(i), _frozen(order[at[i]])))
    return out


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only: a cached array is shared by every caller, and none may change it."""
    a.flags.writeable = False
    return a


def _residual_maker(design: np.ndarray | None, n: int) -> np.ndarray:
    """I − H for the (weighted) design; the mean's when no design is given."""
    if design is None:
        return _mean_residual_maker(n)
    x = np.asarray(design, float)
    return np.eye(n) - x @ np.linalg.pinv(x)


@functools.lru_cache(maxsize=64)
def _mean_residual_maker(n: int) -> np.ndarray:
    return _frozen(np.eye(n) - np.full((n, n), 1.0 / n))


def _acf(
    resid: Sequence[np.ndarray], times: Sequence[np.ndarray], designs: Sequence[np.ndarray | None], max_lag: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled autocorrelations at lags 1..``max_lag`` (months apart, gaps respected) less what
    independent months would show after the fit (the residual maker's own lag structure), and the
    pair counts."""
    num, null, cnt = np.zeros(max_lag), np.zeros(max_lag), np.zeros(max_lag)
    den = null_den = 0.0
    for r, t, x in zip(resid, times, designs, strict=True):
        r = np.asarray(r, float)
        m = _residual_maker(x, len(r))
        den += float(r @ r)
        null_den += float(np.trace(m))
        for k, (i, j) in enumerate(_pairs(t, max_lag)):
            num[k] += float(r[i] @ r[j])
            null[k] += float(m[i, j].sum())
            cnt[k] += len(i)
    if den <= 0 or null_den <= 0:
        return np.zeros(max_lag), cnt
    return num / den - null / null_den, cnt


def estimate_serial(
    resid: Sequence[np.ndarray],
    times: Sequence[np.ndarray],
    *,
    designs: Sequence[np.ndarray | None] | None = None,
    max_lag: int = MAX_LAG,
) -> SerialCorrelation:
    """Fit ``share`` · ρᵏ to the pooled autocorrelations of residual series.

    Parameters
    ----------
    resid
        Pearson residuals, one array per series.
    times
        Each residual's month as an integer (months since any origin), so gaps are respected.
    designs
        Each series' (weighted) design matrix: residuals of a fit correlate negatively even when
        the months are independent (a fitted mean alone gives about −1/n); what the design would
        give independent months is subtracted. Default: a mean per series.

    >>> rng = np.random.default_rng(0)
    >>> e = [np.convolve(rng.normal(size=400), 0.7 ** np.arange(30))[:400] for _ in range(5)]
    >>> sc = estimate_serial(e, [np.arange(400)] * 5)
    >>> 0.6 < sc.rho < 0.8 and sc.share > 0.8
    True
    """
    designs = [None] * len(resid) if designs is None else designs
    acf, cnt = _acf(resid, times, designs, max_lag)
    if cnt[0] < 3 or acf[0] <= max(1 / np.sqrt(cnt[0]), MIN_LAG1):  # within one standard error of none, or
        # too slight to matter for a short window (a long-lag echo of it would still widen every interval)
        return SerialCorrelation(0.0, 0.0, int(cnt[0]))
    lags = np.arange(1, max_lag + 1)
    w = cnt / cnt.sum()
    best = (np.inf, 0.0, 0.0)
    for rho in np.linspace(0.05, MAX_RHO, 91):
        basis = rho**lags
        share = float(np.clip(np.sum(w * acf * basis) / np.sum(w * basis**2), 0.0, 1.0))
        sse = float(np.sum(w * (acf - share * basis) ** 2))
        if sse < best[0]:
            best = (sse, share, float(rho))
    return SerialCorrelation(best[1], best[2], int(cnt[0]))


def corr_matrix(times: np.ndarray, sc: SerialCorrelation) -> np.ndarray:
    """The correlation between every pair of ``times`` (months) as ``sc`` says."""
    return sc.corr(times[:, None] - times[None, :])


def sandwich(
    x: np.ndarray,
    mu: np.ndarray,
    var: np.ndarray,
    groups: np.ndarray,
    times: np.ndarray,
    sc: SerialCorrelation | Mapping[Any, SerialCorrelation],
    *,
    model_var: np.ndarray | None = None,
) -> np.ndarray:
    """Covariance of a log-link GLM's coefficients when each group's months correlate as ``sc`` says.

    ``mu`` are the fitted means; ``var`` each observation's variance (φ·μ for quasi-Poisson,
    μ + αμ² for the negative binomial); ``model_var`` the family's variance function that
    weighted the fit (default μ, Poisson). ``groups`` and ``times`` say which series and which
    month each row is; ``sc`` may be one correlation for all, or one per group. The score of row
    i is xᵢ(yᵢ − μᵢ)μᵢ/Vᵢ: the bread is Σ xx'μ²/V, the meat Σ_g X_g' S_g R_g S_g X_g with
    S = diag(μ√var / V). With no correlation and var = φV the result is φ·(X'diag(μ²/V)X)⁻¹, the model's own covariance.

    >>> x = np.column_stack([np.ones(4), [0.0, 0, 1, 1]])
    >>> mu = np.array([10.0, 10, 20, 20])
    >>> cov = sandwich(x, mu, 2 * mu, np.zeros(4), np.arange(4), NONE)
    >>> bool(np.allclose(cov, 2 * np.linalg.inv(x.T @ (mu[:, None] * x))))
    True
    """
    v = mu if model_var is None else model_var
    bread = np.linalg.pinv(x.T @ ((mu**2 / v)[:, None] * x))
    meat = np.zeros_like(bread)
    s = mu * np.sqrt(var) / v
    for g in np.unique(groups):
        rows = groups == g
        xs = x[rows] * s[rows, None]
        meat += xs.T @ corr_matrix(times[rows], sc[g] if isinstance(sc, Mapping) else sc) @ xs
    return bread @ meat @ bread


def sum_variance(var: np.ndarray, times: np.ndarray, sc: SerialCorrelation, *, corr: np.ndarray | None = None) -> float:
    """Variance of a sum of months with variances ``var`` correlated as ``sc`` says (or as ``corr``,
    their correlation matrix already built, says: a caller asking thousands of times keeps it).

    >>> sum_variance(np.array([4.0, 9.0]), np.array([0, 1]), NONE)
    13.0
    >>> sum_variance(np.array([4.0, 9.0]), np.array([0, 1]), NONE, corr=np.array([[1.0, 0.5], [0.5, 1.0]]))
    19.0
    """
    sd = np.sqrt(var)
    c = corr_matrix(np.asarray(times), sc) if corr is None else corr
    return float(sd @ c @ sd)
