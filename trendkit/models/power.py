"""Power: the smallest campaign effect and the smallest displacement trendkit would detect.

Before an analyst says "no displacement", the question is whether a displacement of a size
that matters *could* have been seen. ptools has ``powalt`` for a Poisson difference; nobody has
it for displacement. :func:`minimum_detectable` answers it from the data before the campaign:

- the smallest % drop in the targets that :func:`~trendkit.models.campaign.campaign_effect`
  would find (its interval excluding 0) with the given power, and
- for every other unit, the smallest number of displaced cases over the window that
  :func:`~trendkit.models.scan.displacement_scan` would flag with that power.

Both use the same models, noise and degrees of freedom as the tests they stand for, and are
checked by simulation in ``tests/test_calibration.py`` (planted at the minimum detectable size,
the test finds it in about 80% of replicates).

>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases)
>>> mde = minimum_detectable(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
>>> 0.05 < mde.drop_pct < 0.5
True
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from trendkit.models.campaign import campaign_design
from trendkit.models.fitting import nb_moments, period_starts
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.models.scan import Projection, by_or_target_by, prepare, signed_root
from trendkit.months import parse_month
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num
from trendkit.threads import limit_threads

__all__ = ["MinimumDetectable", "minimum_detectable"]


@dataclass(frozen=True, repr=False)
class MinimumDetectable(Result):
    """The smallest drop in the targets and the smallest displacement per unit detectable with ``power``."""

    targets: list[str]
    start: dt.date
    after: int
    alpha: float
    power: float
    drop_pct: float
    expected: float
    tests: int
    units: pl.DataFrame
    #: what the panel counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    def to_frame(self) -> pl.DataFrame:
        """One row per unit: unit, province, channel, expected (cases over the window without
        displacement), displaced (the smallest detectable excess, cases) and displaced_pct."""
        return self.units

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        who = ", ".join(self.targets)
        pw, months, m = round(100 * self.power), self.after, self.measure
        drop = self.drop_pct * self.expected
        lines = [
            f"Trong {months} tháng từ {self.start:%m/%Y}, {who} phải giảm ít nhất {fmt_num(100 * self.drop_pct)}% "
            f"(khoảng {m.amount(drop, 0, vi=True)}) thì mới có {pw}% khả năng phát hiện / "
            f"Over {months} months from {self.start:%m/%Y}, a drop in {who} smaller than "
            f"{fmt_num(100 * self.drop_pct)}% (about {m.amount(drop, 0)}) has less "
            f"than a {pw}% chance of being detected.",
        ]
        if self.units.height:
            d = self.units["displaced"]
            lines.append(
                f"Dịch chuyển nhỏ hơn {fmt_num(d.min(), 0)}–{m.amount(d.max(), 0, vi=True)} vào một đơn vị khác "
                f"(trung vị {fmt_num(d.median(), 0)}) dễ bị bỏ sót / Displacement of less than "
                f"{fmt_num(d.min(), 0)}–{m.amount(d.max(), 0)} into one other unit (median "
                f"{fmt_num(d.median(), 0)}) would likely be missed: 'no displacement found' rules out only "
                "more than that."
            )
        lines.append(
            f"Power {pw}%, two-sided {round(100 * self.alpha)}% tests: the campaign effect's interval, and the "
            f"scan across {self.tests} units (Bonferroni, which Benjamini–Hochberg equals for one real receiver)."
        )
        return Summary("Minimum detectable change / mức thay đổi nhỏ nhất phát hiện được", lines, self.units.head(10))


def _solve(power_at: Callable[[float], float], target: float, high: float) -> float:
    """The smallest effect in (0, ``high``] whose power reaches ``target`` (inf if none does).

    Power need not rise all the way (a drop of nearly 100% leaves so few cases that the
    interval widens again), so the first grid point that reaches it brackets the root.
    """
    from scipy.optimize import brentq

    grid = np.geomspace(high * 1e-4, high, 200)
    for lo, hi in itertools.pairwise(np.concatenate([[0.0], grid])):
        if power_at(hi) >= target:
            if lo == 0.0:
                return float(hi)
            return float(brentq(lambda e: power_at(e) - target, lo, hi, xtol=hi * 1e-6))
    return float("inf")


def _drop_power(
    y_pre: np.ndarray, periods: list[dt.date], start: dt.date, alpha: float, starts: list[dt.date] | None = None
) -> Callable[[float], float]:
    """Power of :func:`campaign_effect` (quasi-Poisson, level and slope change, t on the
    dispersion's degrees of freedom) against a level drop d, as a function of d."""
    from scipy import stats
    from scipy.special import stdtr
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    xf, _ = campaign_design(periods, start, starts=starts)  # the very design campaign_effect fits
    x, post, since = xf[:, :-2], xf[:, -2].astype(bool), xf[:, -1]
    n_pre = len(y_pre)
    pre_fit = GLM(y_pre, x[:n_pre], family=families.Poisson()).fit()
    m = np.exp(x @ np.asarray(pre_fit.params))
    phi = max(1.0, float(pre_fit.pearson_chi2 / max(pre_fit.df_resid, 1)))
    df = nb_moments(y_pre, m[:n_pre], float(len(periods) - xf.shape[1]))[1]
    crit = stats.t.ppf(1 - alpha / 2, df)
    w = m[post] / m[post].sum()
    g = np.zeros(xf.shape[1])
    g[-2], g[-1] = 1.0, float(w @ since[post])

    def power_at(d: float) -> float:
        mu = m * np.where(post, 1 - d, 1.0)
        cov = phi * np.linalg.inv(xf.T @ (xf * mu[:, None]))
        se = float(np.sqrt(g @ cov @ g))
        return float(stdtr(df, abs(np.log1p(-d)) / se - crit))  # stats.t.cdf, without its per-call checks

    return power_at


def _displaced_power(proj: Projection, crit: float) -> Callable[[float], float]:
    """Power of the scan's test against an excess of D cases spread like the projection.

    The scan flags a unit when the signed root of the deviance passes ``crit``; that happens
    above an excess e* (found once), and the excess is about normal around D with the
    variance of the projection at the raised level.
    """
    from scipy.optimize import brentq
    from scipy.special import ndtr

    var0 = proj.var()
    top = proj.mu + 50 * np.sqrt(var0) + 50

    def past(e: float) -> float:
        return signed_root(proj.mu + e, proj.mu, var0) - crit

    # heavy-tailed sums (kilograms: a negative binomial of size ≪ 1) need an excess of many standard
    # deviations before the deviance passes ``crit``: widen the bracket, and past 2⁴⁰ × it none is detectable
    for _ in range(40):
        if past(top) > 0:
            break
        top *= 2
    else:
        return lambda d: 0.0
    threshold = brentq(past, 0.0, top)

    def power_at(d: float) -> float:
        return float(ndtr((d - threshold) / np.sqrt(proj.var(1 + d / proj.mu))))  # stats.norm.cdf, faster

    return power_at


@limit_threads
def minimum_detectable(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    after: int = 12,
    before: int | None = None,
    by: str = "province",
    alpha: float = 0.05,
    power: float = 0.8,
    min_rate: float = 1.0,
    target_by: str | None = None,
) -> MinimumDetectable:
    """The smallest campaign drop and displaced count detectable with ``power``, from the data before ``start``.

    Parameters
    ----------
    panel, targets, start, after, before, by, min_rate
        As for :func:`~trendkit.models.scan.displacement_scan`: the campaign's targets, its
        first month, how many months it is followed, how much history there is.
    alpha, power
        The tests' two-sided level and the wanted chance of detection.

    Returns
    -------
    MinimumDetectable
        ``drop_pct``: the smallest proportional drop in the targets' summed series that
        :func:`campaign_effect` detects with ``power`` (its ``1 − alpha`` interval excluding 0),
        with ``end`` ``after`` months on. ``to_frame()``: per non-target unit, the smallest
        excess (cases over the ``after`` months) that :func:`displacement_scan` flags with
        ``power``; the scan's Benjamini–Hochberg step is taken as Bonferroni over the units
        tested, which it equals when one unit really receives.

    Only the months before ``start`` are used: the answer does not depend on what happened.
    """
    measure, panel = measure_of(panel), measure_panel(panel)  # a quantity or value panel: its sum is the measure
    from scipy import stats

    start_d = parse_month(start)
    prep = prepare(panel, targets, start_d, before, after, by_or_target_by("minimum_detectable", by, target_by))
    window = sorted(prep.wide["period"].unique().to_list())
    y_pre = prep.y_target[~prep.is_post]
    drop = _solve(_drop_power(y_pre, window, start_d, alpha, period_starts(panel, window)), power, 0.999)
    expected = prep.project(prep.y_target).mu
    readings = [prep] if prep.other is None else [prep, prep.other]  # the scan must see it in both
    tested = [(k, [r.project(y, with_shape=True) for r in readings])
              for k, y in prep.units() if y[~prep.is_post].mean() >= min_rate]  # fmt: skip
    rows = []
    for key, projs in tested:
        need = [_solve(_displaced_power(p, stats.t.ppf(1 - alpha / (2 * len(tested)), p.df)), power, 100 * p.mu + 100)
                for p in projs]  # fmt: skip
        d, mu = max(need), projs[0].mu
        rows.append((" · ".join(key), *key, mu, d, d / mu))
    schema = {"unit": pl.String, **dict.fromkeys(prep.keys, pl.String), "expected": pl.Float64,
              "displaced": pl.Float64, "displaced_pct": pl.Float64}  # fmt: skip
    units = pl.DataFrame(rows, schema=schema, orient="row").sort("displaced")
    return MinimumDetectable(prep.targets, start_d, after, alpha, power, drop, expected, len(tested), units, measure)
