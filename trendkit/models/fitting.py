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

from trendkit.models.serial import SerialCorrelation, estimate_serial, sandwich
from trendkit.months import months_between
from trendkit.tet import tet_window_share

__all__ = [
    "Family",
    "GLMFit",
    "check_months",
    "dersimonian_laird",
    "design_matrix",
    "drift_variance",
    "fit_glm",
    "for_series",
    "gap_note",
    "known_sum",
    "month_numbers",
    "nb_moments",
    "panel_serial",
    "reported",
    "reported_total",
    "serial_cov",
    "series_label",
    "term_table",
]


Family = Literal["auto", "poisson", "negbin"]

#: Level of Cochran's Q test below which units are taken to drift apart (:func:`drift_variance`),
#: for histories shorter than ``DRIFT_MONTHS``; from that length on τ² is used as estimated.
DRIFT_TEST = 0.05
DRIFT_MONTHS = 24


def check_months(s: pl.DataFrame, minimum: int) -> None:
    """Refuse a frame that is not a series, or one shorter than ``minimum`` months."""
    if not {"period", "cases"} <= set(s.columns):
        raise ValueError(
            "a series needs 'period' and 'cases' columns; make one with trendkit.models.series(panel, ...)"
        )
    if s.height < minimum:
        raise ValueError(f"this needs at least {minimum} months of data; the series has {s.height}")


def reported(s: pl.DataFrame) -> tuple[pl.DataFrame, list[dt.date]]:
    """The months with a count, and the months left out because some unit did not report (null).

    Missing is never zero: a month nobody reported is not a month with no cases.
    """
    gaps = s.filter(pl.col("cases").is_null() | pl.col("cases").is_nan())
    return s.filter(pl.col("cases").is_not_null() & pl.col("cases").is_not_nan()), gaps["period"].to_list()


def known_sum(column: str = "cases") -> pl.Expr:
    """A group's sum of ``column`` (Float64), null when any of its values is null: a month some unit
    did not report is unknown, never a smaller sum.

    >>> f = pl.DataFrame({"period": [1, 1, 2, 2], "cases": [3, 4, 10, None]})
    >>> f.group_by("period", maintain_order=True).agg(known_sum())["cases"].to_list()
    [7.0, None]
    """
    return pl.when(pl.col(column).null_count() == 0).then(pl.col(column).sum().cast(pl.Float64))


def reported_total(frame: pl.DataFrame, units: Sequence[str]) -> pl.DataFrame:
    """Each period's total ``cases`` (``period``, ``cases``, sorted) over the units (the ``units``
    columns) that reported every period of ``frame``: a unit silent in a month (null) is left out of
    every month, so its silence never reads as a fall and the total stays one set of units.

    >>> import datetime as dt
    >>> f = pl.DataFrame({"period": [dt.date(2024, m, 1) for m in (1, 2)] * 2, "province": ["A", "A", "B", "B"],
    ...                   "cases": [3, 4, 10, None]})
    >>> reported_total(f, ["province"])["cases"].to_list()
    [3, 4]
    """
    silent = frame.filter(pl.col("cases").is_null()).select(units).unique()
    kept = frame.join(silent, on=list(units), how="anti", nulls_equal=True)
    return kept.group_by("period").agg(pl.col("cases").sum()).sort("period")


def gap_note(months: Sequence[dt.date]) -> str | None:
    """The summary line naming the months left out, or None when every month was reported."""
    if not months:
        return None
    shown = ", ".join(f"{m:%m/%Y}" for m in months[:8]) + (" …" if len(months) > 8 else "")
    return (f"{len(months)} month(s) left out because not every unit reported / tháng thiếu báo cáo, không tính: "
            f"{shown}.")  # fmt: skip


def series_label(s: pl.DataFrame) -> str:
    """What a series is called in summaries (its ``label`` column, else "series")."""
    return s["label"][0] if "label" in s.columns and s.height else "series"


def period_starts(frame: pl.DataFrame, periods: Sequence[dt.date] | None = None) -> list[dt.date] | None:
    """Each period's first day when ``frame`` holds customs months (its ``period_from`` column, as
    :func:`trendkit.panel` writes it for ``freq="customs"``): the 16th of the month before, for
    ``periods`` (default: the frame's own ``period`` column; a period the frame does not hold, such
    as a forecast's, is computed). None for calendar months, whose periods start on themselves.

    >>> f = pl.DataFrame({"period": [dt.date(2021, 3, 1)], "period_from": [dt.date(2021, 2, 16)]})
    >>> period_starts(f, [dt.date(2021, 3, 1), dt.date(2021, 4, 1)])
    [datetime.date(2021, 2, 16), datetime.date(2021, 3, 16)]
    >>> period_starts(f.drop("period_from")) is None
    True
    """
    from trendkit.panel import CUSTOMS, period_start

    if "period_from" not in frame.columns:
        return None
    known = dict(frame.select("period", "period_from").unique().iter_rows())
    wanted = frame["period"].to_list() if periods is None else periods
    return [known.get(p) or period_start(p, CUSTOMS) for p in wanted]


def design_matrix(
    periods: Sequence[dt.date],
    origin: dt.date,
    *,
    months: bool,
    tet: bool,
    trend: bool = True,
    starts: Sequence[dt.date] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Columns for a count model: a constant, the trend in years from ``origin``, month-of-year
    dummies and the pre-Tết window share (over each period's own days from ``starts`` for customs
    months: :func:`period_starts`); and their names."""
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
        cols.append(tet_window_share(pl.Series(list(periods), dtype=pl.Date), starts=starts).to_numpy())
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
    from scipy import stats
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    pois = GLM(y, x, family=families.Poisson()).fit()
    dispersion = float(pois.pearson_chi2 / max(pois.df_resid, 1))
    # quasi-Poisson: the Poisson model's CIs are widened by the Pearson dispersion when above 1
    over = dispersion > 1
    quasi = GLM(y, x, family=families.Poisson()).fit(scale=dispersion, use_t=True) if over else pois
    name = "quasi-Poisson" if over else "Poisson"
    if family == "poisson":
        return GLMFit(quasi, name, None, dispersion, None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = NegativeBinomial(y, x).fit(disp=0, maxiter=200)
    alpha = float(nb.params[-1])
    lr = max(0.0, 2 * (nb.llf - pois.llf))
    p = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
    if family == "auto" and (p >= 0.05 or alpha <= 1e-8):
        return GLMFit(quasi, name, None, dispersion, float(p))
    glm = GLM(y, x, family=families.NegativeBinomial(alpha=max(alpha, 1e-8))).fit()
    return GLMFit(glm, "negative binomial", alpha, dispersion, float(p))


def month_numbers(periods: Sequence[dt.date]) -> np.ndarray:
    """Each month as a whole number (year·12 + month), so distances between months are differences."""
    return np.array([p.year * 12 + p.month for p in periods])


def serial_cov(fit: GLMFit, x: np.ndarray, months: np.ndarray, use: np.ndarray) -> tuple[np.ndarray, SerialCorrelation]:
    """The fit's covariance widened for serial correlation, and the correlation found.

    The correlation is estimated from the Pearson residuals of the months in ``use`` (the
    pre-period: a campaign's own shape cannot pass for correlation there) and applied to every
    month through :func:`~trendkit.models.serial.sandwich`. With no correlation found the fit's
    own covariance is returned, which the sandwich equals in that case.
    """
    res = fit.result
    mu = np.asarray(res.fittedvalues, float)
    y = np.asarray(res.model.endog, float)
    model_var = mu + fit.alpha * mu**2 if fit.alpha is not None else mu
    var = model_var if fit.alpha is not None else max(fit.dispersion, 1.0) * mu
    pearson = (y - mu) / np.sqrt(np.maximum(var, 1e-12))
    design = x[use] * np.sqrt(mu[use] ** 2 / model_var[use])[:, None]  # the IRLS-weighted design
    sc = estimate_serial([pearson[use]], [months[use]], designs=[design])
    if sc.lag1() < 0.02:
        return np.asarray(res.cov_params()), sc
    return sandwich(x, mu, var, np.zeros(len(y), dtype=int), months, sc, model_var=model_var), sc


def panel_serial(
    y: np.ndarray, months: np.ndarray, blocks: Sequence[np.ndarray] | None = None
) -> tuple[SerialCorrelation, float]:
    """Serial correlation pooled over a panel's units, and the share of extra-Poisson variance it is.

    ``y`` is months × units (the months before a start). Each unit is set against its own level ×
    the panel's monthly total (what is common cancels) and standardised by its own negative-binomial
    variance; the autocorrelations are pooled (:func:`~trendkit.models.serial.estimate_serial`).
    Units with fewer than 10 cases say nothing and are skipped. Correlation lives in the
    extra-Poisson part of a count's variance (a latent deviation on the log scale), so a busy unit's
    residuals correlate more than a sparse one's; the second value, the correlated share divided by
    the units' mean extra-Poisson share, carries the pooled estimate over to any one series
    (:func:`for_series`). ``blocks`` (row positions) splits the months into windows with levels of
    their own, e.g. before and after a start.
    """
    resid, extra, times = [], [], []
    for rows in blocks if blocks is not None else [np.arange(len(months))]:
        total = y[rows].sum(axis=1)
        for u in range(y.shape[1]):
            yu = y[rows, u]
            if yu.sum() < 10 or total.sum() <= 0:
                continue
            mu = yu.sum() / total.sum() * total
            inv_k = nb_moments(yu, mu, len(yu) - 1)[0]
            var = np.maximum(mu + inv_k * mu**2, 1e-12)
            resid.append((yu - mu) / np.sqrt(var))
            extra.append(float(np.mean(inv_k * mu**2 / var)))
            times.append(months[rows])
    sc = estimate_serial(resid, times)
    return sc, (min(1.0, sc.share / max(float(np.mean(extra)), 1e-9)) if extra else 0.0)


def drift_variance(y: np.ndarray, months: np.ndarray) -> float:
    """Variance across units of their own yearly trend relative to the panel's (τ², log scale).

    ``y`` is months × units (the months before a start). Each unit with 10 cases or more gets its
    log-rate slope on time in years against its own level × the panel's monthly total (one
    Fisher-scoring step from no slope: b = Σ(y − μ)(t − t̄) / Σμ(t − t̄)², t̄ the μ-weighted mean)
    with its count-based sampling variance Σ(μ + μ²/k)(t − t̄)² / [Σμ(t − t̄)²]², 1/k the unit's
    negative-binomial dispersion. τ² is DerSimonian & Laird's random-effects estimate
    (Q − (k − 1)) / (Σw − Σw²/Σw), Q the inverse-variance weighted spread of the slopes: their
    spread beyond what their own sampling variances explain, never below 0. Sparse units, whose
    slopes are noise, weigh little. A comparison of two windows D years apart then varies by τ²·D²
    more than units that follow the panel's shape would. With fewer than ``DRIFT_MONTHS`` months, τ²
    is 0 unless Cochran's Q rejects equal slopes at ``DRIFT_TEST``: a season and a half aliases into
    the slopes (from 18 months of a panel with no drift at all τ ranged 0–18% a year over seeds).
    From two years on the estimate is used as it is: gating it there too left a drift of 4% a year
    out in most runs, and the scan's family-wise error at AR(1) ρ 0.5 was 9% instead of 4.5%.
    """
    from scipy import stats

    total = y.sum(axis=1)
    keep = y.sum(axis=0) >= 10
    if keep.sum() < 3 or len(months) < 6 or total.sum() <= 0:
        return 0.0
    y = y[:, keep]
    mu = np.outer(total, y.sum(axis=0) / total.sum())
    t = months / 12
    tc = t[:, None] - (mu * t[:, None]).sum(axis=0) / mu.sum(axis=0)
    info = (mu * tc**2).sum(axis=0)
    slopes = ((y - mu) * tc).sum(axis=0) / info
    inv_k = np.array([nb_moments(y[:, u], mu[:, u], len(months) - 1)[0] for u in range(y.shape[1])])
    var = ((mu + inv_k * mu**2) * tc**2).sum(axis=0) / info**2
    tau2, q = dersimonian_laird(slopes, var)
    if len(months) < DRIFT_MONTHS and stats.chi2.sf(q, len(slopes) - 1) > DRIFT_TEST:
        return 0.0  # a short history's slopes agree within their noise: no drift
    return tau2


def dersimonian_laird(effects: np.ndarray, variances: np.ndarray) -> tuple[float, float]:
    """Between-unit variance τ² of ``effects`` with sampling ``variances`` (DerSimonian & Laird 1986),
    and Cochran's Q: τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)), w = 1/variance.

    The same as statsmodels' ``combine_effects(..., method_re="dl")`` (``tests/test_real_series.py``).

    By hand: w = 100, 50, 100, weighted mean 0.12, Q = 0.04 + 5.12 + 3.24 = 8.4,
    τ² = (8.4 − 2) / (250 − 22500/250) = 0.04.

    >>> tau2, q = dersimonian_laird(np.array([0.1, -0.2, 0.3]), np.array([0.01, 0.02, 0.01]))
    >>> round(tau2, 6), round(q, 6)
    (0.04, 8.4)
    """
    w = 1 / np.maximum(variances, 1e-12)
    q = float(np.sum(w * (effects - np.sum(w * effects) / w.sum()) ** 2))
    return max(0.0, (q - (len(effects) - 1)) / float(w.sum() - np.sum(w**2) / w.sum())), q


def for_series(
    pooled: tuple[SerialCorrelation, float], y: np.ndarray, mu: np.ndarray, own: SerialCorrelation
) -> SerialCorrelation:
    """The pooled correlation (:func:`panel_serial`) scaled to one series' extra-Poisson share, or the
    series' ``own`` estimate when that implies more correlation over a long sum."""
    sc, per_extra = pooled
    inv_k = nb_moments(y, mu, len(y) - 1)[0]
    var = np.maximum(mu + inv_k * mu**2, 1e-12)
    share = min(1.0, per_extra * float(np.mean(inv_k * mu**2 / var)))
    scaled = SerialCorrelation(share, sc.rho, sc.pairs)
    return own if own.long_run() > scaled.long_run() else scaled


def term_table(fit: GLMFit, names: list[str], level: float, cov: np.ndarray | None = None) -> pl.DataFrame:
    """One row per term: coefficient, standard error, rate ratio with its ``level`` interval, p-value.

    ``cov`` replaces the fit's covariance (e.g. widened for serial correlation by :func:`serial_cov`);
    the reference distribution stays the fit's (Student t on its residual degrees of freedom when it
    uses t, else normal)."""
    from scipy import stats

    res = fit.result
    beta = np.asarray(res.params)
    se = np.asarray(res.bse) if cov is None else np.sqrt(np.maximum(np.diag(cov), 0.0))
    dist = stats.t(float(res.df_resid)) if getattr(res, "use_t", False) else stats.norm()
    half = dist.ppf(0.5 + level / 2) * se
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a term fitted to months of zeros:
        p = 2 * dist.sf(np.abs(beta / se))  # its upper ratio is unbounded (inf), not a warning
        irr, low, high = np.exp(beta), np.exp(beta - half), np.exp(beta + half)
    return pl.DataFrame(
        {"term": names, "coef": beta, "se": se, "irr": irr, "irr_low": low, "irr_high": high, "p_value": p}
    )
