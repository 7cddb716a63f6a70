"""The models' shared fitting internals: checks, labels, design matrices, the count GLM and its
terms, negative-binomial moments. Names are public inside :mod:`trendkit.models` (every model module
imports them from here) but not part of trendkit's API: :mod:`trendkit.models` does not re-export them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from trendkit.months import months_between
from trendkit.tet import tet_window_share

__all__ = ["Family", "GLMFit", "check_months", "design_matrix", "fit_glm", "nb_moments", "series_label", "term_table"]


Family = Literal["auto", "poisson", "negbin"]


def check_months(s: pl.DataFrame, minimum: int) -> None:
    """Refuse a frame that is not a series, or one shorter than ``minimum`` months."""
    if not {"period", "cases"} <= set(s.columns):
        raise ValueError(
            "a series needs 'period' and 'cases' columns; make one with trendkit.models.series(panel, ...)"
        )
    if s.height < minimum:
        raise ValueError(f"this needs at least {minimum} months of data; the series has {s.height}")


def series_label(s: pl.DataFrame) -> str:
    """What a series is called in summaries (its ``label`` column, else "series")."""
    return s["label"][0] if "label" in s.columns and s.height else "series"


def design_matrix(
    periods: Sequence[dt.date], origin: dt.date, *, months: bool, tet: bool, trend: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Columns for a count model: a constant, the trend in years from ``origin``, month-of-year
    dummies and the pre-Tết window share; and their names."""
    n = len(periods)
    cols, names = [np.ones(n)], ["const"]
    if trend:
        cols.append(np.array([months_between(origin, p) / 12 for p in periods]))
        names.append("trend_per_year")
    if months:
        for m in range(2, 13):
            cols.append(np.array([1.0 if p.month == m else 0.0 for p in periods]))
            names.append(f"month_{m:02d}")
    if tet:
        cols.append(tet_window_share(pl.Series(list(periods), dtype=pl.Date)).to_numpy())
        names.append("tet_window")
    return np.column_stack(cols), names


@dataclass(frozen=True)
class GLMFit:
    """A fitted count GLM, its family's name, NB2 alpha (None for Poisson), Pearson dispersion, and the
    likelihood-ratio p-value of the negative binomial against the Poisson."""

    result: Any
    family: str
    alpha: float | None
    dispersion: float
    lr_pvalue: float | None


def nb_moments(y: np.ndarray, mu: np.ndarray, dof: float) -> tuple[float, float]:
    """Negative-binomial dispersion 1/k by moments and the degrees of freedom it is worth.

    1/k = Σ[(y − μ)² − μ] / Σμ² (≥ 0; the squared deviations scaled by n/``dof`` for the
    fitted parameters). A variance estimated from heavy-tailed counts is worth fewer degrees
    of freedom than its residuals: Satterthwaite's 2·dof / (2 + κ), with κ = 6/k + 1/Var the
    negative binomial's excess kurtosis (mean over the months). Student-t intervals on these
    degrees of freedom keep their level on overdispersed series of a few dozen months.

    >>> inv_k, df = nb_moments(np.array([4.0, 16, 6, 14]), np.full(4, 10.0), 3)
    >>> round(inv_k, 4), round(df, 2)
    (0.2133, 1.81)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_k = float(np.sum((y - mu) ** 2 - mu) * len(y) / max(dof, 1.0)) / float(np.sum(mu**2))
    inv_k = max(0.0, inv_k) if np.isfinite(inv_k) else 0.0
    var = mu + inv_k * mu**2
    with np.errstate(divide="ignore"):
        kurtosis = float(np.mean(6 * inv_k + np.where(var > 0, 1 / var, 0.0)))
    return inv_k, 2 * max(dof, 1.0) / (2 + kurtosis)


def fit_glm(y: np.ndarray, x: np.ndarray, family: Family) -> GLMFit:
    """Poisson GLM, and a negative-binomial one when the counts are overdispersed.

    ``poisson`` is quasi-Poisson when the Pearson dispersion exceeds 1: the covariance scaled
    by it and Student-t intervals on the residual degrees of freedom.
    ``auto`` fits NB2 by maximum likelihood and keeps it when the likelihood-ratio test of
    alpha = 0 rejects at 5% (the p-value is halved: alpha = 0 is on the boundary).
    """
    import statsmodels.api as sm
    from scipy import stats

    pois = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    dispersion = float(pois.pearson_chi2 / max(pois.df_resid, 1))
    # quasi-Poisson: the Poisson model's CIs are widened by the Pearson dispersion when above 1
    over = dispersion > 1
    quasi = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale=dispersion, use_t=True) if over else pois
    name = "quasi-Poisson" if over else "Poisson"
    if family == "poisson":
        return GLMFit(quasi, name, None, dispersion, None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = sm.NegativeBinomial(y, x).fit(disp=0, maxiter=200)
    alpha = float(nb.params[-1])
    lr = max(0.0, 2 * (nb.llf - pois.llf))
    p = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
    if family == "auto" and (p >= 0.05 or alpha <= 1e-8):
        return GLMFit(quasi, name, None, dispersion, float(p))
    glm = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=max(alpha, 1e-8))).fit()
    return GLMFit(glm, "negative binomial", alpha, dispersion, float(p))


def term_table(fit: GLMFit, names: list[str], level: float) -> pl.DataFrame:
    """One row per term: coefficient, standard error, rate ratio with its ``level`` interval, p-value."""
    res = fit.result
    ci = np.asarray(res.conf_int(1 - level))
    return pl.DataFrame(
        {
            "term": names,
            "coef": np.asarray(res.params),
            "se": np.asarray(res.bse),
            "irr": np.exp(np.asarray(res.params)),
            "irr_low": np.exp(ci[:, 0]),
            "irr_high": np.exp(ci[:, 1]),
            "p_value": np.asarray(res.pvalues),
        }
    )
