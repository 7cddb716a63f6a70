"""Campaign effects: the level and slope change of a series from a start month, with intervals.

>>> import trendkit as tk
>>> from trendkit.models.trend import series
>>> ex = tk.generate(tk.default_scenario(scale=0.2))
>>> s = series(tk.panel(ex.cases), province=["Quảng Ninh", "Lạng Sơn"])
>>> eff = campaign_effect(s, "2023-07", end="2024-06")
>>> eff.change_pct.low < -0.4 < eff.change_pct.high  # the planted cut is 40%
True
"""

from __future__ import annotations

import datetime as dt
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
    gap_note,
    month_numbers,
    nb_moments,
    period_starts,
    reported,
    reported_total,
    serial_cov,
    series_label,
    term_table,
)
from trendkit.models.late import LateTail, held_months, late_note
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.models.serial import NONE as NO_SERIAL
from trendkit.models.serial import SerialCorrelation
from trendkit.models.shock import CommonShock, common_shock
from trendkit.models.trend import Interval
from trendkit.months import months_between, parse_month
from trendkit.plots import finish
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num
from trendkit.threads import limit_threads

__all__ = ["CampaignEffect", "campaign_effect"]

#: Fewest cases a month (on average) for month-of-year effects to be fitted by default.
SEASON_MIN_RATE = 3.0

# --- campaign effect ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CampaignEffect(Result):
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
    dispersion: float = 1.0
    #: the common-shock check of the window, when the panel was given
    shock: CommonShock | None = None
    #: the residuals' serial correlation, estimated on the months before the start and allowed for
    serial: SerialCorrelation = NO_SERIAL
    #: months left out because not every unit reported
    unreported: tuple[dt.date, ...] = ()
    #: recent months held out as incomplete (late data entry)
    held_out: tuple[dt.date, ...] = ()
    #: months just before the start left out of the baseline in the reading shown
    baseline_left_out: tuple[dt.date, ...] = ()
    #: the last months before the start that sat off the earlier ones, read both ways (left out and kept)
    recent: tuple[dt.date, ...] = ()
    #: 2 when those months were read both ways and the reading that claims less is shown
    readings: int = 1
    #: what the series counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``cases``, ``fitted``, ``counterfactual`` (no campaign), ``post``."""
        return self.frame

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        m = self.measure
        lines = [
            f"From {self.start:%m/%Y}, {self.label} had {m.change(self.change_per_month.estimate)} a month than the "
            f"model expects without the campaign: {self.change_per_month.num()} {m.en}/month, {self.change_pct.pct()}.",
            f"Level change at the start: {self.level_change.pct()}; trend change: {self.slope_change.pct()} a year.",
            f"Sau chiến dịch, {m.what.vi} thay đổi như trên so với mức dự kiến nếu không có chiến dịch "
            f"({self.family} model; {self._why()}; {self.serial.describe()}; CI by simulation from the "
            "fitted coefficients).",
            *filter(None, [gap_note(self.unreported), late_note(self.held_out), self._baseline_note()]),
        ]
        lines.append(
            "No comparison group: a change that hit every province at the same time would show here too / "
            "chưa so sánh với tỉnh khác: một biến động chung cả nước cũng sẽ hiện ra như trên."
        )
        if self.change_pct.low < 0 < self.change_pct.high:
            lines.append("The interval includes zero: the data do not show a clear effect / chưa đủ bằng chứng.")
        if self.shock is not None and self.shock.detected:
            lines.extend(self.shock.warning() or ())
        return Summary(f"Campaign effect / hiệu quả chiến dịch — {self.label}", lines)

    def _baseline_note(self) -> str | None:
        if not self.recent:
            return None
        span = f"{self.recent[0]:%m/%Y}–{self.recent[-1]:%m/%Y}"
        shown = "left out" if self.baseline_left_out else "kept"
        return (f"Read with and without {span}, the last months before the start, which sat off the earlier ones "
                "(a dip or a surge there would be carried into the window); shown: the reading that claims less, "
                f"with them {shown} / đã tính cả khi bỏ và khi giữ các tháng ngay trước chiến dịch, hiển thị kết quả "
                "thận trọng hơn.")  # fmt: skip

    def _why(self) -> str:
        if self.family == "quasi-Poisson":
            return (f"the counts' variance is {fmt_num(self.dispersion, 1)}× what Poisson allows, so the "
                    f"intervals are {fmt_num(self.dispersion**0.5, 2)}× wider")  # fmt: skip
        if self.family == "Poisson":
            return "no overdispersion found"
        return "negative binomial chosen by the overdispersion test"

    def plot(self, *, note: str | None = None) -> Any:
        """Cases, the fitted model and the counterfactual without the campaign; ``note`` goes in the title."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4))
        f = self.frame
        observed = f"{self.measure.what.vi} / {self.measure.en}"
        ax.plot(f["period"].to_list(), f["cases"].to_list(), "o", ms=3, label=observed)
        ax.plot(f["period"].to_list(), f["fitted"].to_list(), label="ước lượng / fitted")
        post = f.filter(pl.col("post"))
        without = "nếu không có chiến dịch / without campaign"
        ax.plot(post["period"].to_list(), post["counterfactual"].to_list(), "--", label=without)
        ax.axvline(self.start, color="grey", lw=0.8)
        finish(fig, ax, self.label, note=note)
        return fig


def campaign_design(
    periods: list[dt.date], start: dt.date, *, months: bool | None = None, starts: list[dt.date] | None = None
) -> tuple[np.ndarray, list[str]]:
    """The segmented design of :func:`campaign_effect` (and of its power in
    :mod:`trendkit.models.power`): trend, month effects (by default with 36 months or more),
    pre-Tết window (over each customs month's own days with ``starts``), then ``level_change``
    (after ``start``) and ``slope_change`` (years since it)."""
    months = len(periods) >= 36 if months is None else months
    x, names = design_matrix(periods, periods[0], months=months, tet=True, starts=starts)
    post = np.array([p >= start for p in periods], dtype=float)
    since = np.array([months_between(start, p) / 12 for p in periods]) * post
    return np.column_stack([x, post, since]), [*names, "level_change", "slope_change"]


def _tail_hint(tail: list[dt.date]) -> str:
    """What to add to a window error when an incomplete tail was held out."""
    if not tail:
        return ""
    return (f" ({len(tail)} recent month(s) from {tail[0]:%m/%Y} were held out as incomplete: pass late='keep' "
            "or end= to keep them)")  # fmt: skip


def _check_window(periods: list[dt.date], start: dt.date) -> None:
    """A campaign needs at least 6 months before its start and 3 from it."""
    n_pre = sum(p < start for p in periods)
    if n_pre < 6 or n_pre > len(periods) - 3:
        raise ValueError(f"the campaign start {start:%Y-%m} leaves {n_pre} months before and "
                         f"{len(periods) - n_pre} after; at least 6 before and 3 after are needed")  # fmt: skip


def _t_draws(fit: Any, y: np.ndarray, cov: np.ndarray, serial: SerialCorrelation, n_sim: int, seed: int) -> np.ndarray:
    """``n_sim`` draws of the coefficients from a multivariate Student t on the degrees of freedom the
    dispersion estimate is worth when the counts are heavy-tailed (:func:`~trendkit.models.fitting.nb_moments`)
    and the months correlated (:meth:`~trendkit.models.serial.SerialCorrelation.effective_df`)."""
    rng = np.random.default_rng(seed)
    beta = np.asarray(fit.result.params)
    df = serial.effective_df(nb_moments(y, np.asarray(fit.result.fittedvalues), float(fit.result.df_resid))[1])
    normal = rng.multivariate_normal(np.zeros(len(beta)), cov, size=n_sim, check_valid="ignore")
    return beta + normal / np.sqrt(rng.chisquare(df, size=(n_sim, 1)) / df)


@limit_threads
def campaign_effect(
    s: pl.DataFrame,
    start: str | dt.date,
    *,
    end: str | dt.date | None = None,
    family: Family = "poisson",
    months: bool | None = None,
    level: float = 0.95,
    n_sim: int = 4000,
    seed: int = 0,
    panel: pl.DataFrame | None = None,
    late: Sequence[dt.date] | LateTail = (),
) -> CampaignEffect:
    """Level and slope change at ``start`` (YYYY-MM) in one series (a unit, or a group summed).

    log μₜ = β₀ + β₁·t + β₂·postₜ + β₃·(t − t₀)·postₜ + month effects + β·Tết-windowₜ.
    The counterfactual sets β₂ = β₃ = 0. CIs for the change in cases per month and in percent
    come from ``n_sim`` draws of the coefficients from a multivariate Student t on the degrees
    of freedom the dispersion estimate is worth (``nb_moments``: the residual degrees of
    freedom, fewer when the counts are heavy-tailed).

    ``family="poisson"`` (the default) is quasi-Poisson: the Poisson fit with its covariance
    scaled by the Pearson dispersion (≥ 1). On negative-binomial series (size 3 and 12) with a
    Tết season and a trend its 95% interval excludes 0 on null series about 5% of the time and
    covers a planted change at about the nominal rate; a maximum-likelihood negative binomial
    (``"negbin"``, or ``"auto"`` when an LR test finds overdispersion) gives intervals that
    are too narrow with this few months (15% false positives at size 3; see
    ``tests/test_calibration.py``). This model has no comparison group: a shock that hits
    every province at once is read as an effect.
    ``end`` (YYYY-MM) stops the analysis window, e.g. before a later, different event.
    Month-of-year effects are included by default only with 36 months or more and at least
    ``SEASON_MIN_RATE`` cases a month (with fewer, 11 extra coefficients make the counterfactual
    too noisy; the pre-Tết window stays in).

    Months carry their deviation into the next in real series: the residuals' serial
    correlation is estimated on the months before ``start`` and the covariance widened for it
    (:func:`~trendkit.models.fitting.serial_cov`; ``.serial`` and the summary report it). On
    series with an AR(1) deviation (ρ 0.5–0.7) drawn by a generator that is not this model, the
    interval keeps its level (``tests/test_real_series.py``). Months with a null count (a unit
    that did not report) are left out, never read as zeros, and named in ``.unreported``. ``late``
    holds out recent months not fully entered yet (``late=late_tail(panel)``, found on the whole
    panel; ignored when ``end`` is given) and names them in ``.held_out``.
    When the last months before ``start`` sit off the earlier ones (a dip, or the surge a campaign
    answers), the trend would carry them into the window: the model is then fitted with them left
    out and kept, and the reading that claims less is shown (``.recent``, ``.baseline_left_out``;
    the rule of the scan and the shock test, :func:`~trendkit.models.shape.recent_readings`).
    ``panel`` (the province panel the series came from) lets the result check the window for a
    shock common to the whole country (:func:`~trendkit.models.shock.common_shock`); ``.shock``
    and the summary then say when the country moved together, which this model cannot tell
    from the campaign. It also shows a national dip before the start that one noisy series hides:
    the other provinces' total adds its readings of those months. After a 40% dip ending a month
    before the start, 11% of null series read as an effect alone and 1.5–2.5% with the panel
    (200 replicates, ``tests/test_real_series.py``; every other family ≤ 6%).
    """
    start_d = parse_month(start)
    if end is not None:
        s = s.filter(pl.col("period") <= parse_month(end))
    s, gaps, tail = _window(s, start_d, late if end is None else ())
    periods = s["period"].to_list()
    y = s["cases"].to_numpy()
    if months is None:  # 11 month effects need months enough, and cases enough to fit them
        months = len(periods) >= 36 and float(y.mean()) >= SEASON_MIN_RATE
    starts = period_starts(s)  # customs months: the Tết share over their own days
    x, names = campaign_design(periods, start_d, months=months, starts=starts)
    # a dip (or surge) just before the start bends the trend into the window: read without it when it is
    # clear, and both ways when it is not, keeping the reading that claims less
    rest = None if panel is None else _rest_total(panel, s)
    readings = _readings(y, periods, start_d, rest, starts)
    fits = [_fit(y, x, periods, ~out, family, level, n_sim, seed) for out in readings]
    shock = None if panel is None else _shock_of(panel, s, start_d)
    return _effect(s, start_d, x, names, fits, level, (tuple(gaps), tuple(tail)), shock)


def _effect(
    s: pl.DataFrame, start: dt.date, x: np.ndarray, names: list[str], fits: list[_Fit], level: float,
    left_out: tuple[tuple[dt.date, ...], tuple[dt.date, ...]], shock: CommonShock | None,
) -> CampaignEffect:  # fmt: skip
    """The result from the reading that claims less (``left_out``: unreported and late months)."""
    periods = s["period"].to_list()
    fit = min(fits, key=lambda f: (round(_claim(f), 9), int((~f.rows).sum())))  # a tie keeps every month
    terms = term_table(fit.glm, names, level, fit.cov)
    lv = terms.filter(pl.col("term") == "level_change").row(0, named=True)
    sl = terms.filter(pl.col("term") == "slope_change").row(0, named=True)
    frame = s.select("period", "cases").with_columns(
        pl.Series("fitted", fit.fitted), pl.Series("counterfactual", fit.cf), pl.Series("post", x[:, -2] == 1)
    )
    return CampaignEffect(
        label=series_label(s),
        start=start,
        family=fit.glm.family,
        level_change=Interval(lv["irr"] - 1, lv["irr_low"] - 1, lv["irr_high"] - 1, level),
        slope_change=Interval(sl["irr"] - 1, sl["irr_low"] - 1, sl["irr_high"] - 1, level),
        change_per_month=fit.per_month,
        change_pct=fit.pct,
        frame=frame,
        dispersion=fit.glm.dispersion,
        shock=shock,
        serial=fit.serial,
        unreported=left_out[0],
        held_out=left_out[1],
        baseline_left_out=tuple(p for p, used in zip(periods, fit.rows, strict=True) if not used),
        recent=tuple(p for p, *used in zip(periods, *(f.rows for f in fits), strict=True) if not all(used)),
        readings=len(fits),
        measure=measure_of(s),
    )


@dataclass(frozen=True)
class _Fit:
    """One reading of the campaign model: the months it was fitted on and what it found."""

    rows: np.ndarray
    glm: Any
    cov: np.ndarray
    serial: SerialCorrelation
    per_month: Interval
    pct: Interval
    fitted: np.ndarray
    cf: np.ndarray


def _fit(
    y: np.ndarray, x: np.ndarray, periods: list[dt.date], rows: np.ndarray, family: Family, level: float,
    n_sim: int, seed: int,
) -> _Fit:  # fmt: skip
    """The campaign model fitted on the months ``rows``; fitted and counterfactual means on every month."""
    fit = fit_glm(y[rows], x[rows], family)
    cov, serial = serial_cov(fit, x[rows], month_numbers(periods)[rows], x[rows, -2] == 0)
    per_month, pct, fitted, cf = _changes(fit, x, cov, serial, n_sim, seed, level)
    return _Fit(rows, fit, cov, serial, per_month, pct, fitted, cf)


def _claim(f: _Fit) -> float:
    """How far the change sits from none, in half-widths of its interval (log scale): smaller claims less."""
    low, est, high = (np.log1p(max(v, -0.999999)) for v in (f.pct.low, f.pct.estimate, f.pct.high))
    return abs(est) / max((high - low) / 2, 1e-12)


def _readings(
    y: np.ndarray,
    periods: list[dt.date],
    start: dt.date,
    rest: np.ndarray | None = None,
    starts: list[dt.date] | None = None,
) -> list[np.ndarray]:
    """The months to leave out of the baseline in each reading, by the rule the scan and the shock
    test follow (:func:`~trendkit.models.shape.recent_readings`): none; the last 3–12 months before
    ``start`` when they sit clearly off the earlier ones; or both ways, left out and kept, when they
    sit off but not clearly.

    Reading both ways always (every block, however ordinary) cut false effects after a 40% dip to
    3% but halved the power at the minimum detectable drop (80% → 50%): too dear. With this rule a
    dip ending the month before the last went from 8% to 7% of null series read as an effect
    (``benchmarks/calibration_real.py``); a single series has no other units to tell a national dip
    from a campaign. ``rest`` (the other provinces' total, when the panel is given) is where a
    national dip shows clearly: its readings are added, so the baseline leaves such a dip out even
    when the series alone is too noisy to see it."""
    from trendkit.models.shape import recent_readings, shape_design

    pre = np.array([p < start for p in periods])
    x = shape_design(periods, seasons="smooth" if pre.sum() >= 24 else False, starts=starts)
    readings: list[np.ndarray] = []
    for total in (y, rest):
        for out in recent_readings(total.astype(float), x, pre) if total is not None else ():
            if out is not None and not any((out == r).all() for r in readings):
                readings.append(out)
    return readings


def _window(
    s: pl.DataFrame, start: dt.date, late: Sequence[dt.date] | LateTail
) -> tuple[pl.DataFrame, list[dt.date], list[dt.date]]:
    """The series without unreported months and the held-out late tail, checked for the campaign
    window; and the months left out for each reason."""
    s, gaps = reported(s)
    tail = held_months(s, late)
    s = s.filter(~pl.col("period").is_in(tail))
    check_months(s, 12)
    try:
        _check_window(s["period"].to_list(), start)
    except ValueError as e:
        raise ValueError(f"{e}{_tail_hint(tail)}") from None
    return s, gaps, tail


def _changes(
    fit: Any, x: np.ndarray, cov: np.ndarray, serial: SerialCorrelation, n_sim: int, seed: int, level: float
) -> tuple[Interval, Interval, np.ndarray, np.ndarray]:
    """The change in cases a month and in percent over the post months, with intervals from
    simulated coefficients; and the fitted and counterfactual (no campaign) means."""
    beta = np.asarray(fit.result.params)
    x_cf = x.copy()
    x_cf[:, -2:] = 0
    mask = x[:, -2] == 1
    draws = _t_draws(fit, np.asarray(fit.result.model.endog), cov, serial, n_sim, seed)
    mu = np.exp(np.clip(x[mask] @ draws.T, -50, 50))  # a month effect fitted to months of zeros
    mu_cf = np.exp(np.clip(x_cf[mask] @ draws.T, -50, 50))  # is −∞: draws must not overflow
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    fitted, cf = np.exp(x @ beta), np.exp(x_cf @ beta)
    per_month = Interval(float((fitted[mask] - cf[mask]).mean()),
                         *np.quantile((mu - mu_cf).mean(axis=0), q).tolist(), level)  # fmt: skip
    pct = Interval(float(fitted[mask].sum() / cf[mask].sum() - 1),
                   *np.quantile(mu.sum(axis=0) / mu_cf.sum(axis=0) - 1, q).tolist(), level)  # fmt: skip
    return per_month, pct, fitted, cf


def _shock_of(panel: pl.DataFrame, s: pl.DataFrame, start: dt.date) -> CommonShock | None:
    """The common-shock check on ``panel`` over the series' post months, the series' provinces left out
    (None when the series is every province: there is nobody to compare with)."""
    targets = _provinces_of(panel, s)
    if "province" in panel.columns and set(targets) >= set(panel["province"].cast(pl.String).unique().to_list()):
        return None
    return common_shock(panel, start, end=s["period"].max(), targets=targets)


def _provinces_of(panel: pl.DataFrame, s: pl.DataFrame) -> list[str]:
    """The panel's provinces that the series' label names (``series(p, province=[…])`` writes them)."""
    known = set(panel["province"].cast(pl.String).unique().to_list()) if "province" in panel.columns else set()
    return [t for part in series_label(s).split(", ") for t in part.split(" + ") if t in known]


def _rest_total(panel: pl.DataFrame, s: pl.DataFrame) -> np.ndarray | None:
    """The other provinces' total in each of the series' months, from those that reported every one of
    them (None without a ``province`` column, or when no such province had any cases)."""
    if "province" not in panel.columns:
        return None
    rest = measure_panel(panel).filter(
        ~pl.col("province").cast(pl.String).is_in(_provinces_of(panel, s))
        & pl.col("period").is_in(s["period"].to_list())
    )
    total = reported_total(rest, ["province"])
    y = total["cases"].cast(pl.Float64).to_numpy()
    return y if total.height == s.height and y.sum() > 0 else None
