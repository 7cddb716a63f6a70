"""Trend, seasonality, campaign effects, change points and forecasts for monthly case counts.

Every function takes a *series*: a frame with ``period`` (Date, first of the month) and
``cases``, as :func:`series` cuts it from a :func:`trendkit.panel`. Counts are modelled as
counts (Poisson or negative binomial GLMs from statsmodels, chosen by an overdispersion test),
with a trend, month-of-year effects and the pre-Tết window (real Tết dates).

Examples
--------
>>> import trendkit as tk
>>> ex = tk.generate(tk.default_scenario(scale=0.2))
>>> s = series(tk.panel(ex.cases), province=["Quảng Ninh", "Lạng Sơn"])
>>> eff = campaign_effect(s, "2023-07", end="2024-06")
>>> eff.change_pct.low < -0.4 < eff.change_pct.high  # the planted cut is 40%
True
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from trendkit.months import add_months, months_between, parse_month
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.tet import tet_window_share

__all__ = [
    "CampaignEffect",
    "ChangePoints",
    "CountModel",
    "Decomposition",
    "Forecast",
    "Interval",
    "campaign_effect",
    "change_points",
    "decompose",
    "fit_counts",
    "forecast",
    "series",
]

Family = Literal["auto", "poisson", "negbin"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval."""

    estimate: float
    low: float
    high: float
    level: float = 0.95

    def pct(self) -> str:
        ci = f"{round(self.level * 100)}% CI {fmt_num(100 * self.low)}% to {fmt_num(100 * self.high)}%"
        return f"{fmt_num(100 * self.estimate)}% ({ci})"

    def num(self, digits: int = 1) -> str:
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
            "a series needs 'period' and 'cases' columns; make one with trendkit.trends.series(panel, ...)"
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


def _fit(y: np.ndarray, x: np.ndarray, family: Family) -> _Fit:
    """Poisson GLM, and a negative-binomial one when the counts are overdispersed.

    ``auto`` fits NB2 by maximum likelihood and keeps it when the likelihood-ratio test of
    alpha = 0 rejects at 5% (the p-value is halved: alpha = 0 is on the boundary).
    """
    import statsmodels.api as sm
    from scipy import stats

    pois = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    dispersion = float(pois.pearson_chi2 / max(pois.df_resid, 1))
    # quasi-Poisson: the Poisson model's CIs are widened by the Pearson dispersion when above 1
    quasi = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale=dispersion) if dispersion > 1 else pois
    if family == "poisson":
        return _Fit(quasi, "Poisson", None, dispersion, None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = sm.NegativeBinomial(y, x).fit(disp=0, maxiter=200)
    alpha = float(nb.params[-1])
    lr = max(0.0, 2 * (nb.llf - pois.llf))
    p = 0.5 * stats.chi2.sf(lr, 1) if lr > 0 else 1.0
    if family == "auto" and (p >= 0.05 or alpha <= 1e-8):
        return _Fit(quasi, "Poisson", None, dispersion, float(p))
    glm = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=max(alpha, 1e-8))).fit()
    return _Fit(glm, "negative binomial", alpha, dispersion, float(p))


# --- count model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountModel:
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
        return self.terms

    def term(self, name: str) -> Interval:
        row = self.terms.filter(pl.col("term") == name).row(0, named=True)
        return Interval(row["irr"] - 1, row["irr_low"] - 1, row["irr_high"] - 1)

    def summary(self) -> Summary:
        lines = [
            f"Model: {self.family} GLM (Pearson dispersion of the Poisson fit {fmt_num(self.dispersion, 2)}"
            + (f"; NB alpha {fmt_num(self.alpha, 3)}, LR test {fmt_p(self.lr_pvalue)})" if self.alpha else ")"),
            f"Trend: {self.term('trend_per_year').pct()} a year / xu hướng mỗi năm.",
        ]
        if "tet_window" in self.terms["term"]:
            lines.append(f"Pre-Tết window: a month wholly inside it has {self.term('tet_window').pct()} / trước Tết.")
        return Summary(f"Count model / mô hình số vụ — {self.label}", lines, self.terms)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


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


@dataclass(frozen=True)
class Decomposition:
    """STL decomposition (statsmodels, robust) of one monthly series."""

    label: str
    frame: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``observed``, ``trend``, ``seasonal``, ``resid``."""
        return self.frame

    def summary(self) -> Summary:
        f = self.frame
        amp = (f["seasonal"].max() - f["seasonal"].min()) / max(f["trend"].mean(), 1e-9)
        lines = [
            f"Trend from {fmt_num(f['trend'][0])} to {fmt_num(f['trend'][-1])} cases a month / xu hướng.",
            f"Seasonal swing {fmt_num(100 * amp)}% of the mean level; the peak month is "
            f"{f.sort('seasonal')['period'][-1]:%m/%Y} / mùa vụ.",
        ]
        return Summary(f"STL decomposition / phân rã — {self.label}", lines)

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(4, 1, figsize=(8, 7), sharex=True)
        for ax, col in zip(axes, ("observed", "trend", "seasonal", "resid"), strict=True):
            ax.plot(self.frame["period"].to_list(), self.frame[col].to_list())
            ax.set_ylabel(col)
        axes[0].set_title(f"{self.label} — STL")
        return fig


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


# --- campaign effect ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignEffect:
    """Segmented count regression around a known campaign date.

    Attributes
    ----------
    level_change
        Immediate change in the rate at the start, as a proportion (−0.4 = 40% fewer).
    slope_change
        Change in the yearly trend after the start, as a proportion per year.
    change_per_month
        Mean over the months after the start of (fitted − counterfactual) cases a month.
    change_pct
        The same as a proportion of the counterfactual.
    """

    label: str
    start: dt.date
    family: str
    level_change: Interval
    slope_change: Interval
    change_per_month: Interval
    change_pct: Interval
    frame: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``cases``, ``fitted``, ``counterfactual`` (no campaign), ``post``."""
        return self.frame

    def summary(self) -> Summary:
        direction = "fewer" if self.change_per_month.estimate < 0 else "more"
        lines = [
            f"From {self.start:%m/%Y}, {self.label} had {fmt_num(abs(self.change_per_month.estimate))} {direction} "
            f"cases a month than the model expects without the campaign: {self.change_per_month.num()} cases/month, "
            f"{self.change_pct.pct()}.",
            f"Level change at the start: {self.level_change.pct()}; trend change: {self.slope_change.pct()} a year.",
            "Sau chiến dịch, số vụ thay đổi như trên so với mức dự kiến nếu không có chiến dịch "
            f"({self.family} model; CI by simulation from the fitted coefficients).",
        ]
        if self.change_pct.low < 0 < self.change_pct.high:
            lines.append("The interval includes zero: the data do not show a clear effect / chưa đủ bằng chứng.")
        return Summary(f"Campaign effect / hiệu quả chiến dịch — {self.label}", lines)

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4))
        f = self.frame
        ax.plot(f["period"].to_list(), f["cases"].to_list(), "o", ms=3, label="cases / số vụ")
        ax.plot(f["period"].to_list(), f["fitted"].to_list(), label="fitted / ước lượng")
        post = f.filter(pl.col("post"))
        ax.plot(
            post["period"].to_list(), post["counterfactual"].to_list(), "--", label="without campaign / nếu không có"
        )
        ax.axvline(self.start, color="grey", lw=0.8)
        ax.set_title(self.label)
        ax.legend()
        return fig


def campaign_effect(
    s: pl.DataFrame,
    start: str | dt.date,
    *,
    end: str | dt.date | None = None,
    family: Family = "auto",
    months: bool | None = None,
    level: float = 0.95,
    n_sim: int = 4000,
    seed: int = 0,
) -> CampaignEffect:
    """Level and slope change at ``start`` (YYYY-MM) in one series (a unit, or a group summed).

    log μₜ = β₀ + β₁·t + β₂·postₜ + β₃·(t − t₀)·postₜ + month effects + β·Tết-windowₜ.
    The counterfactual sets β₂ = β₃ = 0. CIs for the change in cases per month and in percent
    come from ``n_sim`` draws of the coefficients from their estimated normal distribution.
    ``end`` (YYYY-MM) stops the analysis window, e.g. before a later, different event.
    Month-of-year effects are included by default only with 36 months or more (with fewer,
    11 extra coefficients make the counterfactual too noisy; the pre-Tết window stays in).
    """
    start_d = parse_month(start)
    if end is not None:
        s = s.filter(pl.col("period") <= parse_month(end))
    _check(s, 12)
    periods = s["period"].to_list()
    n_pre = sum(p < start_d for p in periods)
    if n_pre < 6 or n_pre > len(periods) - 3:
        raise ValueError(f"the campaign start {start_d:%Y-%m} leaves {n_pre} months before and "
                         f"{len(periods) - n_pre} after; at least 6 before and 3 after are needed")  # fmt: skip
    months = len(periods) >= 36 if months is None else months
    x, names = _design(periods, periods[0], months=months, tet=True)
    post = np.array([p >= start_d for p in periods], dtype=float)
    since = np.array([months_between(start_d, p) / 12 for p in periods]) * post
    x = np.column_stack([x, post, since])
    names = [*names, "level_change", "slope_change"]
    y = s["cases"].to_numpy()
    fit = _fit(y, x, family)
    beta = np.asarray(fit.result.params)
    cov = np.asarray(fit.result.cov_params())
    x_cf = x.copy()
    x_cf[:, -2:] = 0
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(beta, cov, size=n_sim)
    mask = post.astype(bool)
    mu = np.exp(x[mask] @ draws.T)
    mu_cf = np.exp(x_cf[mask] @ draws.T)
    diff = (mu - mu_cf).mean(axis=0)
    pct = mu.sum(axis=0) / mu_cf.sum(axis=0) - 1
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    fitted = np.exp(x @ beta)
    cf = np.exp(x_cf @ beta)
    point_diff = float((fitted[mask] - cf[mask]).mean())
    point_pct = float(fitted[mask].sum() / cf[mask].sum() - 1)
    terms = _terms(fit, names, level)
    lv = terms.filter(pl.col("term") == "level_change").row(0, named=True)
    sl = terms.filter(pl.col("term") == "slope_change").row(0, named=True)
    frame = s.select("period", "cases").with_columns(
        pl.Series("fitted", fitted), pl.Series("counterfactual", cf), pl.Series("post", mask)
    )
    return CampaignEffect(
        label=_label(s),
        start=start_d,
        family=fit.family,
        level_change=Interval(lv["irr"] - 1, lv["irr_low"] - 1, lv["irr_high"] - 1, level),
        slope_change=Interval(sl["irr"] - 1, sl["irr_low"] - 1, sl["irr_high"] - 1, level),
        change_per_month=Interval(point_diff, *np.quantile(diff, q).tolist(), level),
        change_pct=Interval(point_pct, *np.quantile(pct, q).tolist(), level),
        frame=frame,
    )


# --- change points ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangePoints:
    """Level shifts found in a count series without being told the dates."""

    label: str
    breaks: list[dt.date]
    segments: pl.DataFrame
    penalty: float
    dispersion: float

    def to_frame(self) -> pl.DataFrame:
        """One row per segment: start, end, months, cases, level (seasonally adjusted cases a month), change_pct."""
        return self.segments

    def summary(self) -> Summary:
        if not self.breaks:
            lines = ["No change in level found / không phát hiện điểm gãy."]
        else:
            lines = [
                f"{len(self.breaks)} change(s) in level / điểm gãy: "
                + "; ".join(
                    f"{r['start']:%m/%Y} ({'+' if r['change_pct'] > 0 else ''}{fmt_num(100 * r['change_pct'])}%)"
                    for r in self.segments.filter(pl.col("change_pct").is_not_null()).iter_rows(named=True)
                )
            ]
        lines.append(
            "Poisson likelihood scaled by the dispersion from month-to-month changes "
            f"({fmt_num(self.dispersion, 2)}); penalty "
            f"{fmt_num(self.penalty, 1)} per change; trend, month and pre-Tết factors fitted alongside."
        )
        return Summary(f"Change points / điểm thay đổi — {self.label}", lines, self.segments)


def _factors(s: pl.DataFrame, breaks: list[int], trend: bool) -> np.ndarray:
    """Multiplicative month/pre-Tết (and trend) factors from a GLM with one level per segment."""
    periods = s["period"].to_list()
    x, _ = _design(periods, periods[0], months=s.height >= 24, tet=True, trend=trend)
    steps = [np.arange(len(periods)) >= b for b in breaks]
    xs = np.column_stack([x, *steps]) if steps else x
    fit = _fit(s["cases"].to_numpy(), xs, "poisson")
    beta = np.asarray(fit.result.params)[: x.shape[1]]
    eta = x[:, 1:] @ beta[1:]
    f = np.exp(eta - eta.mean())
    return f / f.mean()


def _difference_dispersion(y: np.ndarray, f: np.ndarray) -> float:
    """Overdispersion φ (≥ 1) from month-to-month differences of the seasonally adjusted counts.

    Var(yₜ/fₜ) ≈ φ·yₜ/fₜ², so Σ(Δ(y/f))² / Σ(yₜ/fₜ² + yₜ₋₁/fₜ₋₁²) estimates φ. A level shift
    touches one difference only, so unlike residuals from a fitted segmentation this cannot
    be driven down by over-segmenting (which would make every wiggle look like a break).
    """
    r = y / f
    var = y / f**2
    denom = float((var[1:] + var[:-1]).sum())
    return max(1.0, float((np.diff(r) ** 2).sum()) / denom) if denom > 0 else 1.0


def _segment_costs(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """cost[a, b] = −2 × Poisson log-likelihood (up to a constant) of y[a:b] with mean θ·f, θ at its MLE."""
    cy = np.concatenate([[0.0], np.cumsum(y)])
    cf = np.concatenate([[0.0], np.cumsum(f)])
    cyl = np.concatenate([[0.0], np.cumsum(y * np.log(f))])
    a = np.arange(len(y) + 1)[:, None]
    b = np.arange(len(y) + 1)[None, :]
    ys, fs = cy[b] - cy[a], cf[b] - cf[a]
    with np.errstate(divide="ignore", invalid="ignore"):
        theta_term = np.where(ys > 0, ys * np.log(ys / fs), 0.0)
    return -2 * (theta_term - ys + (cyl[b] - cyl[a]))


def _partition(cost: np.ndarray, n: int, penalty: float, min_size: int) -> list[int]:
    """Optimal partitioning (exact): the breaks minimising total cost + penalty per break."""
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(n + 1, dtype=int)
    for b in range(min_size, n + 1):
        a = np.arange(0, b - min_size + 1)
        ok = np.isfinite(best[a])
        if not ok.any():
            continue
        total = best[a] + cost[a, b] + penalty
        total[~ok] = np.inf
        k = int(np.argmin(total))
        best[b], last[b] = total[k], a[k]
    breaks, b = [], n
    while b > 0:
        breaks.append(int(last[b]))
        b = int(last[b])
    return sorted(x for x in breaks if x > 0)


def change_points(
    s: pl.DataFrame, *, min_size: int = 3, penalty: float | None = None, seasonal: bool = True
) -> ChangePoints:
    """Find shifts in the level of a monthly count series (dates unknown).

    The model: cases in month t are Poisson with mean θₖ·fₜ, where θₖ is the level of segment
    k and fₜ the trend, month and pre-Tết factors of a GLM with one level per segment; breaks
    and factors are found in turn (at most 4 rounds), so a steady trend is not cut into steps
    and the steps do not bend the trend. ``seasonal=False`` sets fₜ = 1.
    Overdispersion is handled quasi-likelihood style: the Poisson cost is divided by a
    dispersion φ estimated from month-to-month differences (robust to the shifts themselves).
    Breaks are placed by exact optimal partitioning with segments of at least ``min_size``
    months and a penalty per break of
    ``penalty`` (default 3·ln n: about the 95% point of the largest likelihood ratio over all
    break dates in a series of 3–8 years, so a null series rarely shows a break; tested on
    null scenarios). A higher penalty finds fewer breaks.
    """
    _check(s, 2 * min_size)
    y = s["cases"].to_numpy().astype(float)
    n = len(y)
    f = _factors(s, [], trend=False) if seasonal else np.ones(n)
    pen = 3 * np.log(n) if penalty is None else float(penalty)
    breaks: list[int] = []
    for _ in range(4):  # alternate: breaks given the factors, trend and season given the breaks
        phi = _difference_dispersion(y, f)
        new = _partition(_segment_costs(y, f) / phi, n, pen, min_size)
        if new == breaks and _ > 0:
            break
        breaks = new
        if seasonal:
            f = _factors(s, breaks, trend=True)
    edges = [0, *breaks, n]
    periods = s["period"].to_list()
    rows, prev = [], None
    for a, b in itertools.pairwise(edges):
        lvl = float(y[a:b].sum() / f[a:b].sum())
        rows.append(
            (periods[a], periods[b - 1], b - a, float(y[a:b].sum()), lvl, None if prev is None else lvl / prev - 1)
        )
        prev = lvl
    segments = pl.DataFrame(
        rows,
        schema={
            "start": pl.Date,
            "end": pl.Date,
            "months": pl.Int64,
            "cases": pl.Float64,
            "level": pl.Float64,
            "change_pct": pl.Float64,
        },
        orient="row",
    )
    return ChangePoints(_label(s), [periods[b] for b in breaks], segments, pen, phi)


# --- forecast -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Forecasts with prediction intervals; with a hold-out, months outside them are anomalies."""

    label: str
    level: float
    frame: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``cases`` (null for future months), ``forecast``, ``lower``, ``upper``, ``anomaly``."""
        return self.frame

    @property
    def anomalies(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("anomaly"))

    def summary(self) -> Summary:
        lines = [
            f"{self.frame.height} months forecast with {round(self.level * 100)}% prediction intervals "
            "(SARIMAX on log(1 + cases), pre-Tết window as a regressor) / dự báo."
        ]
        for r in self.anomalies.iter_rows(named=True):
            side = "above" if r["cases"] > r["upper"] else "below"
            lines.append(
                f"Anomaly / bất thường {r['period']:%m/%Y}: {fmt_num(r['cases'], 0)} cases, {side} the interval "
                f"{fmt_num(r['lower'], 0)}–{fmt_num(r['upper'], 0)}."
            )
        return Summary(f"Forecast / dự báo — {self.label}", lines, self.frame)

    def plot(self) -> Any:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4))
        f = self.frame
        ax.fill_between(f["period"].to_list(), f["lower"].to_list(), f["upper"].to_list(), alpha=0.3, label="interval")
        ax.plot(f["period"].to_list(), f["forecast"].to_list(), label="forecast / dự báo")
        obs = f.filter(pl.col("cases").is_not_null())
        ax.plot(obs["period"].to_list(), obs["cases"].to_list(), "o", ms=3, label="cases / số vụ")
        ax.set_title(self.label)
        ax.legend()
        return fig


def forecast(s: pl.DataFrame, *, horizon: int = 6, holdout: int = 0, level: float = 0.95) -> Forecast:
    """Forecast ``horizon`` months past the data (or check the last ``holdout`` months).

    SARIMAX(1,0,0) with a linear trend on log(1 + cases), the pre-Tết window share as a
    regressor, and a seasonal AR(12) term when there are 36 months or more to fit. Intervals
    are transformed back to cases (never below 0). With ``holdout > 0`` the model is fitted
    without the last ``holdout`` months, which are then flagged when outside the interval.
    """
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    _check(s, 12 + holdout)
    fit_part = s.head(s.height - holdout)
    periods = s["period"].to_list()
    future = [add_months(parse_month(periods[-1]), k) for k in range(1, horizon + 1)]
    target = periods[s.height - holdout :] + future
    tet_fit = tet_window_share(fit_part["period"]).to_numpy()[:, None]
    tet_out = tet_window_share(pl.Series(target, dtype=pl.Date)).to_numpy()[:, None]
    seasonal = (1, 0, 0, 12) if fit_part.height >= 36 else (0, 0, 0, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(
            np.log1p(fit_part["cases"].to_numpy()), exog=tet_fit, order=(1, 0, 0), seasonal_order=seasonal, trend="ct"
        )
        res = model.fit(disp=False)
        pred = res.get_forecast(steps=len(target), exog=tet_out)
    mean = np.expm1(pred.predicted_mean)
    ci = np.asarray(pred.conf_int(alpha=1 - level))
    actual = s["cases"].to_list()[s.height - holdout :] + [None] * horizon
    frame = pl.DataFrame(
        {
            "period": target,
            "cases": actual,
            "forecast": np.maximum(mean, 0),
            "lower": np.maximum(np.expm1(ci[:, 0]), 0),
            "upper": np.maximum(np.expm1(ci[:, 1]), 0),
        },
        schema_overrides={"period": pl.Date, "cases": pl.Float64},
    ).with_columns(
        ((pl.col("cases") < pl.col("lower")) | (pl.col("cases") > pl.col("upper"))).fill_null(False).alias("anomaly")
    )
    return Forecast(_label(s), level, frame)
