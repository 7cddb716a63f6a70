"""Monthly series, count models and decomposition: the pieces every model in :mod:`trendkit.models` uses.

Every function takes a *series*: a frame with ``period`` (Date, first of the month) and
``cases``, as :func:`series` cuts it from a :func:`trendkit.panel`. Counts are modelled as
counts (Poisson or negative binomial GLMs from statsmodels, chosen by an overdispersion test),
with a trend, month-of-year effects and the pre-Tết window (real Tết dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from trendkit.models.fitting import (
    Family,
    check_months,
    design_matrix,
    fit_glm,
    known_sum,
    period_starts,
    series_label,
    term_table,
)
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.plots import finish
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.threads import limit_threads

__all__ = ["CountModel", "Decomposition", "Interval", "decompose", "fit_counts", "series"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval."""

    estimate: float
    low: float
    high: float
    level: float = 0.95

    @classmethod
    def from_log(cls, estimate: float, half: float, level: float) -> Interval:
        """A proportional change from a log-scale estimate ± ``half``: exp(·) − 1 at each end (an
        upper end past float range, from a unit fitted to months of zeros, is inf, not a warning).

        >>> Interval.from_log(0.0, 1e4, 0.95).high
        inf
        """
        with np.errstate(over="ignore"):
            low, est, high = np.expm1([estimate - half, estimate, estimate + half])
        return cls(float(est), float(low), float(high), level)

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
    A quantity or value panel (``panel(..., value="quantity_std")``) gives the series of its sum.
    Returns ``period``, ``cases`` (Float64) and a ``label`` column naming the selection (and, for a
    quantity or value, a ``measure`` column naming its unit: "kg", "đồng"). A month in
    which a selected unit did not report (its value null, as :func:`trendkit.panel` writes it when
    given ``reports=``) is null, not the sum of the others: models leave such months out.
    """
    measure = measure_of(panel)
    frame = panel = measure_panel(panel) if value == "cases" else panel  # a quantity or value panel: its sum
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
    bounds = [pl.col(c).first() for c in ("period_from", "period_to") if c in frame.columns]  # customs months
    return (
        frame.group_by("period")  # a month some unit did not report is unknown, not a smaller sum
        .agg(known_sum(value).alias("cases"), *bounds)
        .sort("period")
        .with_columns(
            pl.lit(label).alias("label"), *([] if measure.is_count else [pl.lit(measure.unit).alias("measure")])
        )
    )


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
    #: what the series counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

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
        what = self.measure.what
        return Summary(f"Model of {what.en} / mô hình {what.vi} — {self.label}", lines, self.terms)


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
    check_months(s, 6)
    periods = s["period"].to_list()
    months = s.height >= 24 if months is None else months
    x, names = design_matrix(periods, periods[0], months=months, tet=tet, starts=period_starts(s))
    fit = fit_glm(s["cases"].to_numpy(), x, family)
    fitted = s.select("period", "cases").with_columns(pl.Series("fitted", np.asarray(fit.result.fittedvalues)))
    return CountModel(
        series_label(s), fit.family, fit.dispersion, fit.alpha, fit.lr_pvalue, term_table(fit, names, level), fitted,
        measure_of(s),
    )  # fmt: skip


# --- STL ----------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Decomposition(Result):
    """STL decomposition (statsmodels, robust) of one monthly series."""

    label: str
    frame: pl.DataFrame
    #: what the series counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``observed``, ``trend``, ``seasonal``, ``resid``."""
        return self.frame

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        f = self.frame
        amp = (f["seasonal"].max() - f["seasonal"].min()) / max(f["trend"].mean(), 1e-9)
        lines = [
            f"Trend from {fmt_num(f['trend'][0])} to {self.measure.amount(f['trend'][-1])} a month / xu hướng.",
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

    check_months(s, 2 * period)
    res = STL(s["cases"].to_numpy(), period=period, robust=True).fit()
    frame = s.select("period").with_columns(
        pl.Series("observed", res.observed),
        pl.Series("trend", res.trend),
        pl.Series("seasonal", res.seasonal),
        pl.Series("resid", res.resid),
    )
    return Decomposition(series_label(s), frame, measure_of(s))
