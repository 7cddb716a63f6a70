"""Monthly series, count models and decomposition: the pieces every model in :mod:`trendkit.models` uses.

Every function takes a *series*: a frame with ``period`` (Date, first of the month) and
``cases``, as :func:`series` cuts it from a :func:`trendkit.panel`. Counts are modelled as
counts (Poisson or negative binomial GLMs from statsmodels, chosen by an overdispersion test),
with a trend, month-of-year effects and the pre-Tết window (real Tết dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from trendkit.months import months_between
from trendkit.plots import finish
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.tet import tet_window_share
from trendkit.threads import limit_threads

__all__ = ["CountModel", "Decomposition", "Interval", "decompose", "fit_counts", "series"]

Family = Literal["auto", "poisson", "negbin"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval."""

    estimate: float
    low: float
    high: float
    level: float = 0.95

    def pct(self) -> str:
        """The proportion with its interval, as signed percents."""
        ci = f"{round(self.level * 100)}% CI {fmt_num(100 * self.low)}% to {fmt_num(100 * self.high)}%"
        return f"{fmt_num(100 * self.estimate)}% ({ci})"

    def num(self, digits: int = 1) -> str:
        """The number with its interval, ``digits`` decimals."""
        return (
            f"{fmt_num(self.estimate, digits)} ({round(self.level * 100)}% CI {fmt_num(self.low, digits)} "
            f"to {fmt_num(self.high, digits)})"
        )


# --- series -------------------------------------------------------------------------------------


def series(panel: pl.DataFrame, value: str = "cases", **where: str | Sequence[str]) -> pl.DataFrame:
    """One monthly series from a panel: the sum of ``value`` over the rows ``where`` selects.

    ``where`` names panel columns: ``series(p, province=["Quảng Ninh", "Lạng Sơn"], channel="road")``.
    Returns ``period``, ``cases`` (Float64) and a ``label`` column naming the selection.
    """
    frame = panel
    parts = []
    for column, wanted in where.items():
        if column not in panel.columns:
            raise ValueError(f"the panel has no column {column!r}; it has {', '.join(panel.columns)}")
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        known = set(panel[column].cast(pl.String).unique().to_list())
        missing = [v for v in values if v not in known]
        if missing:
            raise ValueError(f"{column} {missing} not in the panel; it has {sorted(known)[:12]}…")
        frame = frame.filter(pl.col(column).cast(pl.String).is_in(values))
        parts.append(" + ".join(values))
    label = ", ".join(parts) or "all"
    return (
        frame.group_by("period")
        .agg(pl.col(value).sum().cast(pl.Float64).alias("cases"))
        .sort("period")
        .with_columns(pl.lit(label).alias("label"))
    )


def _check(s: pl.DataFrame, minimum: int) -> None:
    if not {"period", "cases"} <= set(s.columns):
        raise ValueError(
            "a series needs 'period' and 'cases' columns; make one with trendkit.models.series(panel, ...)"
        )
    if s.height < minimum:
        raise ValueError(f"this needs at least {minimum} months of data; the series has {s.height}")


def _label(s: pl.DataFrame) -> str:
    return s["label"][0] if "label" in s.columns and s.height else "series"


# --- design and fitting -------------------------------------------------------------------------


def _design(
    periods: Sequence[dt.date], origin: dt.date, *, months: bool, tet: bool, trend: bool = True
) -> tuple[np.ndarray, list[str]]:
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
class _Fit:
    result: Any
    family: str
    alpha: float | None
    dispersion: float
    lr_pvalue: float | None


def _nb_moments(y: np.ndarray, mu: np.ndarray, dof: float) -> tuple[float, float]:
    """Negative-binomial dispersion 1/k by moments and the degrees of freedom it is worth.

    1/k = Σ[(y − μ)² − μ] / Σμ² (≥ 0; the squared deviations scaled by n/``dof`` for the
    fitted parameters). A variance estimated from heavy-tailed counts is worth fewer degrees
    of freedom than its residuals: Satterthwaite's 2·dof / (2 + κ), with κ = 6/k + 1/Var the
    negative binomial's excess kurtosis (mean over the months). Student-t intervals on these
    degrees of freedom keep their level on overdispersed series of a few dozen months.

    >>> inv_k, df = _nb_moments(np.array([4.0, 16, 6, 14]), np.full(4, 10.0), 3)
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


def _fit(y: np.ndarray, x: np.ndarray, family: Family) -> _Fit:
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
        return _Fit(quasi, name, None, dispersion, None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = sm.NegativeBinomial(y, x).fit(disp=0, maxiter=200)
    alpha = float(nb.params[-1])
    lr = max(0.0, 2 * (nb.llf - pois.llf))
    p = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
    if family == "auto" and (p >= 0.05 or alpha <= 1e-8):
        return _Fit(quasi, name, None, dispersion, float(p))
    glm = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=max(alpha, 1e-8))).fit()
    return _Fit(glm, "negative binomial", alpha, dispersion, float(p))


# --- count model --------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CountModel(Result):
    """A count GLM of one series: trend, month effects and the pre-Tết window.

    ``to_frame()`` gives every term as an incidence-rate ratio with its CI; ``family`` says
    which model the overdispersion test kept.
    """

    label: str
    family: str
    dispersion: float
    alpha: float | None
    lr_pvalue: float | None
    terms: pl.DataFrame
    fitted: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """What this result holds, as a tidy polars frame."""
        return self.terms

    def term(self, name: str) -> Interval:
        """The proportional effect of one term of the model (exp β − 1) with its interval."""
        row = self.terms.filter(pl.col("term") == name).row(0, named=True)
        return Interval(row["irr"] - 1, row["irr_low"] - 1, row["irr_high"] - 1)

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        lines = [
            f"Model: {self.family} GLM (Pearson dispersion of the Poisson fit {fmt_num(self.dispersion, 2)}"
            + (f"; NB alpha {fmt_num(self.alpha, 3)}, LR test {fmt_p(self.lr_pvalue)})" if self.alpha else ")"),
            f"Trend: {self.term('trend_per_year').pct()} a year / xu hướng mỗi năm.",
        ]
        if "tet_window" in self.terms["term"]:
            lines.append(f"Pre-Tết window: a month wholly inside it has {self.term('tet_window').pct()} / trước Tết.")
        return Summary(f"Count model / mô hình số vụ — {self.label}", lines, self.terms)


def _terms(fit: _Fit, names: list[str], level: float) -> pl.DataFrame:
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


@limit_threads
def fit_counts(
    s: pl.DataFrame, *, family: Family = "auto", months: bool | None = None, tet: bool = True, level: float = 0.95
) -> CountModel:
    """Fit trend + month-of-year + pre-Tết window to a monthly count series.

    Parameters
    ----------
    family
        ``"auto"`` picks negative binomial over Poisson when an LR test finds overdispersion.
    months
        Month-of-year effects; by default only with 24 months or more.
    """
    _check(s, 6)
    periods = s["period"].to_list()
    months = s.height >= 24 if months is None else months
    x, names = _design(periods, periods[0], months=months, tet=tet)
    fit = _fit(s["cases"].to_numpy(), x, family)
    fitted = s.select("period", "cases").with_columns(pl.Series("fitted", np.asarray(fit.result.fittedvalues)))
    return CountModel(
        _label(s), fit.family, fit.dispersion, fit.alpha, fit.lr_pvalue, _terms(fit, names, level), fitted
    )


# --- STL ----------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Decomposition(Result):
    """STL decomposition (statsmodels, robust) of one monthly series."""

    label: str
    frame: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``observed``, ``trend``, ``seasonal``, ``resid``."""
        return self.frame

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        f = self.frame
        amp = (f["seasonal"].max() - f["seasonal"].min()) / max(f["trend"].mean(), 1e-9)
        lines = [
            f"Trend from {fmt_num(f['trend'][0])} to {fmt_num(f['trend'][-1])} cases a month / xu hướng.",
            f"Seasonal swing {fmt_num(100 * amp)}% of the mean level; the peak month is "
            f"{f.sort('seasonal')['period'][-1]:%m/%Y} / mùa vụ.",
        ]
        return Summary(f"STL decomposition / phân rã — {self.label}", lines)

    def plot(self, *, note: str | None = None) -> Any:
        """Observed, trend, seasonal and remainder, one panel each; ``note`` goes in the title."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(4, 1, figsize=(8, 7), sharex=True)
        for ax, col in zip(axes, ("observed", "trend", "seasonal", "resid"), strict=True):
            ax.plot(self.frame["period"].to_list(), self.frame[col].to_list())
            ax.set_ylabel(col)
        finish(fig, axes[0], f"{self.label} — STL", note=note)
        return fig


@limit_threads
def decompose(s: pl.DataFrame, *, period: int = 12) -> Decomposition:
    """Robust STL decomposition of a monthly series (needs two full years)."""
    from statsmodels.tsa.seasonal import STL

    _check(s, 2 * period)
    res = STL(s["cases"].to_numpy(), period=period, robust=True).fit()
    frame = s.select("period").with_columns(
        pl.Series("observed", res.observed),
        pl.Series("trend", res.trend),
        pl.Series("seasonal", res.seasonal),
        pl.Series("resid", res.resid),
    )
    return Decomposition(_label(s), frame)
