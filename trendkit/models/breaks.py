"""Change points: breaks in a monthly count series found without being told the dates."""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from trendkit.models.fitting import (
    check_months,
    design_matrix,
    gap_note,
    month_numbers,
    nb_moments,
    period_starts,
    reported,
    series_label,
)
from trendkit.models.late import LateTail, held_months, late_note
from trendkit.models.measure import CASES, Measure, measure_of
from trendkit.models.memo import remembered
from trendkit.models.serial import NONE as NO_SERIAL
from trendkit.models.serial import SerialCorrelation, estimate_serial
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num
from trendkit.threads import limit_threads

__all__ = ["ChangePoints", "change_points"]

#: The degrees of freedom the dispersion was worth on the series the default penalty was calibrated on
#: (4 years of negative-binomial size-3 counts: Satterthwaite's 2·dof/(2 + κ), median 18). A series whose
#: dispersion is worth fewer (heavier tails, fewer months) gets the penalty with the same tail probability.
REFERENCE_DF = 18.0

# --- change points ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ChangePoints(Result):
    """Level shifts found in a count series without being told the dates."""

    label: str
    breaks: list[dt.date]
    segments: pl.DataFrame
    penalty: float
    dispersion: float
    #: recent months held out as incomplete (late data entry), oldest first
    held_out: tuple[dt.date, ...] = ()
    #: months left out because not every unit reported
    unreported: tuple[dt.date, ...] = ()
    #: the months' correlation around the segments; the penalty was raised for it
    serial: SerialCorrelation = NO_SERIAL
    #: degrees of freedom the dispersion estimate is worth, when fewer than :data:`REFERENCE_DF` raised the penalty
    tails_df: float | None = None
    #: what the series counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    @property
    def ranges(self) -> list[tuple[dt.date, dt.date]]:
        """The range of dates each break could be at (parametric bootstrap; see ``_date_ranges``)."""
        later = self.segments.filter(pl.col("start_low").is_not_null())
        return list(zip(later["start_low"].to_list(), later["start_high"].to_list(), strict=True))

    def to_frame(self) -> pl.DataFrame:
        """One row per segment: start (with start_low/start_high, the range of its break date),
        end, months, cases, level (seasonally adjusted cases a month), change_pct."""
        return self.segments

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        if not self.breaks:
            lines = ["No change in level found / không phát hiện điểm gãy."]
        else:
            later = self.segments.filter(pl.col("start_low").is_not_null())
            lines = [
                f"{len(self.breaks)} change(s) in level / điểm gãy: "
                + "; ".join(
                    f"{r['start']:%m/%Y} ({_change(r['change_pct'], r['level'], self.measure)}; "
                    f"date range {_span(r['start_low'], r['start_high'])} / khoảng thời điểm)"
                    for r in later.iter_rows(named=True)
                )
            ]
        lines += [n for n in (late_note(self.held_out), gap_note(self.unreported)) if n]
        lines.append(
            "Poisson likelihood scaled by the dispersion from month-to-month changes "
            f"({fmt_num(self.dispersion, 2)}); penalty "
            f"{fmt_num(self.penalty, 1)} per change; trend, month and pre-Tết factors fitted alongside; "
            + self.serial.describe()
            + (" (penalty raised for it)" if self.serial.long_run() > 1 else "")
            + (
                f"; penalty raised for heavy-tailed counts (their dispersion is worth {fmt_num(self.tails_df, 0)} "
                "degrees of freedom) / tăng ngưỡng vì số liệu biến động mạnh."
                if self.tails_df is not None
                else "."
            )
        )
        return Summary(f"Change points / điểm thay đổi — {self.label}", lines, self.segments)


def _change(pct: float | None, level: float, measure: Measure) -> str:
    """A break's change in words: a percentage, or from none when the segment before had none."""
    if pct is None:
        return f"from none to {measure.amount(level)} a month / từ 0 lên {measure.amount(level, vi=True)}/tháng"
    return f"{'+' if pct > 0 else ''}{fmt_num(100 * pct)}%"


def _span(low: dt.date, high: dt.date) -> str:
    return f"{low:%m/%Y}" if low == high else f"{low:%m/%Y}–{high:%m/%Y}"


def _factors(s: pl.DataFrame, breaks: list[int], trend: bool) -> np.ndarray:
    """Multiplicative month/pre-Tết (and trend) factors from a GLM with one level per segment."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    periods = s["period"].to_list()
    x, _ = design_matrix(periods, periods[0], months=s.height >= 24, tet=True, trend=trend, starts=period_starts(s))
    steps = [np.arange(len(periods)) >= b for b in breaks]
    xs = np.column_stack([x, *steps]) if steps else x
    with warnings.catch_warnings():  # months of zeros (a stray old record) separate perfectly: harmless here,
        warnings.simplefilter("ignore")  # the factors only shape the costs, and the bootstrap checks the result
        # the Poisson coefficients only (fit_glm would fit a second time for a scaled covariance)
        fit = GLM(s["cases"].to_numpy(), xs, family=families.Poisson()).fit()
    beta = np.asarray(fit.params)[: x.shape[1]]
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


def _date_ranges(
    y: np.ndarray, f: np.ndarray, edges: list[int], phi: float, min_size: int, *, n_boot: int = 400, seed: int = 0
) -> list[tuple[int, int]]:
    """A range for each break position, by parametric bootstrap.

    Counts are redrawn from the fitted segmentation (mean θₖ·fₜ, variance φ·μ as a negative
    binomial) and each break is placed again between its neighbours, which are held; the range
    is the 0.5–99.5% quantiles of where it lands, widened to include the estimate. Those wide
    quantiles are needed for about 95% coverage: the bootstrap holds the fitted season and
    trend, and a χ²₁ profile-likelihood range (tried first) covered only 40–50%.
    """
    rng = np.random.default_rng(seed)
    mu = np.concatenate([np.full(b - a, y[a:b].sum() / f[a:b].sum()) * f[a:b] for a, b in itertools.pairwise(edges)])
    if phi > 1:
        size = np.maximum(mu, 1e-9) / (phi - 1)
        draws = rng.negative_binomial(size, size / (size + np.maximum(mu, 1e-9)), (n_boot, len(y)))
    else:
        draws = rng.poisson(mu, (n_boot, len(y)))
    found = np.empty((n_boot, len(edges) - 2), dtype=int)
    costs = _BootCosts(draws.astype(float), f)
    for i in range(1, len(edges) - 1):  # every draw at once: only the costs around each break are needed
        a, b = edges[i - 1], edges[i + 1]
        cand = np.arange(a + min_size, b - min_size + 1)
        found[:, i - 1] = cand[np.argmin(costs.between(a, cand) + costs.between(cand, b), axis=1)]
    lo, hi = np.quantile(found, [0.005, 0.995], axis=0, method="inverted_cdf") if len(found.T) else ([], [])
    return [(min(int(l_), e), max(int(h), e)) for l_, h, e in zip(lo, hi, edges[1:-1], strict=True)]


class _BootCosts:
    """:func:`_segment_costs` for many draws at once, only for the segments asked for."""

    def __init__(self, draws: np.ndarray, f: np.ndarray) -> None:
        zero = np.zeros((len(draws), 1))
        self.cy = np.hstack([zero, np.cumsum(draws, axis=1)])
        self.cyl = np.hstack([zero, np.cumsum(draws * np.log(f), axis=1)])
        self.cf = np.concatenate([[0.0], np.cumsum(f)])

    def between(self, a: int | np.ndarray, b: int | np.ndarray) -> np.ndarray:
        """cost of the segments [a, b) in every draw (draws × segments); ``a`` or ``b`` an array."""
        ys, cyl = (c[:, np.atleast_1d(b)] - c[:, np.atleast_1d(a)] for c in (self.cy, self.cyl))
        fs = self.cf[b] - self.cf[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            theta_term = np.where(ys > 0, ys * np.log(ys / fs), 0.0)
        return -2 * (theta_term - ys + cyl)


def _search(
    s: pl.DataFrame, y: np.ndarray, f: np.ndarray, pen: float, min_size: int, *, refit: bool
) -> tuple[list[int], np.ndarray, float]:
    """Breaks given the factors, then trend and season given the breaks, in turn (≤ 4 rounds)."""
    breaks: list[int] = []
    for round_ in range(4):
        phi = _difference_dispersion(y, f)
        new = _partition(_segment_costs(y, f) / phi, len(y), pen, min_size)
        if new == breaks and round_ > 0:
            break
        breaks = new
        if refit:
            f = _factors(s, breaks, trend=True)
    return breaks, f, phi


def _criterion(y: np.ndarray, f: np.ndarray, breaks: list[int], phi: float, pen: float) -> float:
    """Penalised cost of a segmentation: −2 log-likelihood / φ + penalty per break."""
    cost = _segment_costs(y, f)
    return sum(cost[a, b] for a, b in itertools.pairwise([0, *breaks, len(y)])) / phi + pen * len(breaks)


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


@remembered  # the same series again (a re-run cell, a second report): not refitted
@limit_threads
def change_points(
    s: pl.DataFrame,
    *,
    min_size: int = 3,
    penalty: float | None = None,
    seasonal: bool = True,
    late: Sequence[dt.date] | LateTail = (),
) -> ChangePoints:
    """Find shifts in the level of a monthly count series (dates unknown).

    The model: cases in month t are Poisson with mean θₖ·fₜ, where θₖ is the level of segment
    k and fₜ the trend, month and pre-Tết factors of a GLM with one level per segment; breaks
    and factors are found in turn (at most 4 rounds, the first with the trend fitted over the
    whole series), so a steady trend is not cut into steps and the steps do not bend the
    trend. ``seasonal=False`` sets fₜ = 1 (no trend either).

    Overdispersion is handled quasi-likelihood style: the Poisson cost is divided by a
    dispersion φ estimated from month-to-month differences (robust to the shifts themselves).
    Breaks are placed by exact optimal partitioning with segments of at least ``min_size``
    months and a penalty per break of ``penalty`` (default 3.5·ln n, so that on
    negative-binomial series with a trend and no break fewer than 5% show one; a higher
    penalty finds fewer breaks). The default is raised for heavy-tailed counts, whose dispersion
    estimate is worth fewer degrees of freedom (``_default_penalty``), and for correlated months.

    Months with no count (a unit did not report) are left out, never read as zeros. ``late``
    holds out recent months not fully entered yet, e.g. ``late=late_tail(panel)`` (found on the
    whole panel: a fall in one province while the others are complete is a real fall, not late
    data). Both are named in the summary.

    Each break date comes with a range (``ranges``, and the segments' ``start_low`` /
    ``start_high``) by parametric bootstrap of the fitted segmentation (``_date_ranges``). On
    a 50% drop in NB series of 4 years it covered the true month in 92% (size 12) and 84%
    (size 3) of the series where a break was found (``tests/test_calibration.py``).
    """
    s, gaps = reported(s)
    tail = held_months(s, late)
    s = s.filter(~pl.col("period").is_in(tail))
    check_months(s, 2 * min_size)
    y = s["cases"].to_numpy().astype(float)
    n = len(y)
    pen, tails_df = (float(penalty), None) if penalty is not None else _default_penalty(s, y, seasonal)
    breaks, f, phi = _best(s, y, pen, min_size, seasonal)
    serial = _serial(y, f, breaks, phi, month_numbers(s["period"].to_list()))
    if serial.long_run() > 1:  # correlated months: a wiggle lasts, and differences understate φ
        pen *= serial.long_run() / (1 - serial.lag1())
        breaks, f, phi = _best(s, y, pen, min_size, seasonal)
    edges = [0, *breaks, n]
    periods = s["period"].to_list()
    ranges = [(0, 0), *_date_ranges(y, f, edges, phi, min_size)]
    rows, prev = [], None
    for (a, b), (lo, hi) in zip(itertools.pairwise(edges), ranges, strict=True):
        lvl = float(y[a:b].sum() / f[a:b].sum())
        change = None if not prev else lvl / prev - 1  # after a stretch at zero there is no ratio
        low, high = (periods[lo], periods[hi]) if a else (None, None)
        rows.append((periods[a], low, high, periods[b - 1], b - a, float(y[a:b].sum()), lvl, change))
        prev = lvl
    segments = pl.DataFrame(
        rows,
        schema={
            "start": pl.Date,
            "start_low": pl.Date,
            "start_high": pl.Date,
            "end": pl.Date,
            "months": pl.Int64,
            "cases": pl.Float64,
            "level": pl.Float64,
            "change_pct": pl.Float64,
        },
        orient="row",
    )
    return ChangePoints(series_label(s), [periods[b] for b in breaks], segments, pen, phi, tuple(tail), tuple(gaps),
                        serial, tails_df, measure_of(s))  # fmt: skip


def _default_penalty(s: pl.DataFrame, y: np.ndarray, seasonal: bool) -> tuple[float, float | None]:
    """3.5·ln n; raised, for counts whose dispersion estimate is worth fewer degrees of freedom than
    :data:`REFERENCE_DF` (heavy tails, few months), to the value with the same tail probability
    under F(1, df) — and the df, when it was raised.

    The costs are divided by an estimated dispersion, so a break's statistic is F-like, not χ²: with
    size-1 negative-binomial months (excess kurtosis about 6) the default penalty found a break in
    9% of series with none (``benchmarks/calibration_real.py``)."""
    from scipy import stats

    base = 3.5 * np.log(len(y))
    periods = s["period"].to_list()
    x, _ = design_matrix(periods, periods[0], months=len(y) >= 24, tet=True, trend=True, starts=period_starts(s))
    f = _factors(s, [], trend=True) if seasonal else np.ones(len(y))
    mu = f * y.sum() / f.sum()
    df = nb_moments(y, mu, len(y) - (x.shape[1] if seasonal else 1))[1]
    if df >= REFERENCE_DF:
        return base, None
    return max(base, float(stats.f.isf(stats.f.sf(base, 1, REFERENCE_DF), 1, df))), df


def _best(
    s: pl.DataFrame, y: np.ndarray, pen: float, min_size: int, seasonal: bool
) -> tuple[list[int], np.ndarray, float]:
    """The breaks, factors and dispersion of the better of two starts (see :func:`change_points`)."""
    if not seasonal:
        return _search(s, y, np.ones(len(y)), pen, min_size, refit=False)
    # two starts: a trend absorbing any step, or steps absorbing any trend; the better one wins
    phi0 = _difference_dispersion(y, _factors(s, [], trend=False))
    fits = [_search(s, y, _factors(s, [], trend=t), pen, min_size, refit=True) for t in (True, False)]
    return min(fits, key=lambda r: _criterion(y, r[1], r[0], phi0, pen))


def _serial(y: np.ndarray, f: np.ndarray, breaks: list[int], phi: float, months: np.ndarray) -> SerialCorrelation:
    """The months' correlation around the fitted segments (Pearson residuals, each segment's level
    subtracted as a design column). Under it the quasi-likelihood cost of a level shift grows by the
    long-run factor, and φ from month-to-month differences is low by (1 − the lag-one correlation):
    the penalty is raised by both. Without this, AR(1) ρ 0.7 months showed a break in 12% of null
    series and NB size 1 in 10.5% (benchmarks/calibration_real.py)."""
    edges = [0, *breaks, len(y)]
    seg = np.zeros((len(y), len(edges) - 1))
    for k, (a, b) in enumerate(itertools.pairwise(edges)):
        seg[a:b, k] = 1.0
    mu = f * (seg @ np.array([y[a:b].sum() / max(f[a:b].sum(), 1e-12) for a, b in itertools.pairwise(edges)]))
    resid = (y - mu) / np.sqrt(np.maximum(phi * mu, 1e-12))
    return estimate_serial([resid], [months], designs=[seg * np.sqrt(np.maximum(mu, 1e-12))[:, None]])
