"""A shock common to the whole country: most units moving the same way at the same time.

A campaign is a change in *some* units. When nearly every province falls (or rises) together —
a pandemic closure, a national reform of how cases are recorded — a single-series model reads
the campaign's targets as a success and the scan reads every other unit as "diffusion of
benefits". :func:`common_shock` checks the window first, so every result that involves it can
say so.

The check is a rule confirmed by a test. The rule: each unit's cases are compared with its own level before
the window times the common shape of all the other units (trend, pre-Tết peak, month of year;
:mod:`trendkit.models.shape`, so Tết moving between January and February does not read as a
shock), three months at a time across the window; a shock is a 3-month block in which the
*median* unit moved by at least ``threshold`` (default 20%) and at least ``share`` (default
two-thirds) of the units moved that way. When ``targets`` are given they are left out of the count,
and the rest must have moved the same way as the targets did: targets falling while the rest
rise is what a campaign with displacement looks like, not a shock. ``months`` lists the months
in such blocks; ``units`` and ``median_change`` are measured over them. The test: the total of
those units over the whole window against its baseline, with an interval (``change``) whose variance
adds quasi-Poisson noise in correlated months (the correlation pooled over the units' months),
the level's and the shape's uncertainty; a shock is reported only when it rejects at 5% in the
rule's direction. The rule alone, on sparse or overdispersed panels, printed "the whole country
fell" in 27–69% of runs where nothing happened. The last months before the window, when together
they sit off the rest (a national dip just before the start), set neither the shape nor the
levels (:func:`~trendkit.models.shape.recent_shift`); and when the best-fitting recent block sits
off the rest, but not clearly enough to be sure (:func:`~trendkit.models.shape.recent_readings`),
the test must reject both with and without it: read either way, the window moved. With one
reading, a dip that ended a month before the start made "the whole country rose" in 21% of null
runs. The baseline's season is two harmonics and
January/February effects (Tết), not eleven month effects: fewer parameters, a steadier projection.

>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases, by=("province",))
>>> common_shock(p, "2023-07", end="2024-06", targets=["Quảng Ninh", "Lạng Sơn"]).detected
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from trendkit.models.fitting import for_series, known_sum, panel_serial, period_starts
from trendkit.models.late import LateTail, held_months, late_note
from trendkit.models.measure import measure_panel
from trendkit.models.serial import SerialCorrelation, estimate_serial, sum_variance
from trendkit.models.trend import Interval
from trendkit.months import add_months, months_between, parse_month
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num
from trendkit.threads import limit_threads

__all__ = ["CommonShock", "common_shock"]

#: Smallest baseline (expected cases in the window) for a unit to count: sparser units are noise.
MIN_BASELINE = 10.0


@dataclass(frozen=True, repr=False)
class CommonShock(Result):
    """Whether the units moved together in ``start``–``end``, and by how much."""

    start: dt.date
    end: dt.date
    detected: bool
    direction: str | None  # "fall" or "rise" when detected
    median_change: float  # the median unit's change against its own baseline (−0.5 = halved)
    share_moved: float  # share of units that moved the way the median did
    target_change: float | None  # the targets' pooled change, when targets were given
    units: pl.DataFrame  # unit, observed, baseline, change
    months: list[dt.date]  # months of the window in which the median unit moved by ≥ threshold
    threshold: float
    share: float
    #: the non-target units' total over the whole window against its baseline (tested over the whole
    #: window, fixed in advance: testing the months the rule picked out was biased, 14-24% false alarms)
    change: Interval | None = None
    #: the test of that change (two-sided; a shock needs it below 0.05)
    p_value: float = 1.0
    #: units left out because they did not report every month
    unreported: tuple[str, ...] = ()
    #: recent months held out as not fully entered yet
    held_out: tuple[dt.date, ...] = ()

    def to_frame(self) -> pl.DataFrame:
        """One row per unit: ``unit``, ``observed``, ``baseline``, ``change``."""
        return self.units

    def span(self) -> str:
        """The months the shock is seen in, e.g. ``01/2023–06/2023``."""
        months = self.months or [self.start, self.end]
        return f"{months[0]:%m/%Y}–{months[-1]:%m/%Y}"

    def warning(self, *, compared: bool = False) -> tuple[str, str] | None:
        """The sentence every result in this window carries, Vietnamese and English; None when no shock.

        ``compared=True`` is for results that compare the targets with other units month by month
        (what is common cancels there); otherwise the result cannot tell the shock from the campaign.
        """
        if not self.detected:
            return None
        fell = self.direction == "fall"
        vi_move, en_move = ("cùng giảm", "fell") if fell else ("cùng tăng", "rose")
        pct = fmt_num(100 * abs(self.median_change), 0)
        n = self.units.height
        head_vi = (
            f"Cả nước {vi_move} ({self.span()}: đơn vị trung vị {'giảm' if fell else 'tăng'} {pct}%, "
            f"{fmt_num(100 * self.share_moved, 0)}% trong {n} đơn vị cùng chiều)"
        )
        head_en = (
            f"The whole country {en_move} at the same time ({self.span()}: the median unit {en_move} {pct}%, "
            f"{fmt_num(100 * self.share_moved, 0)}% of {n} units the same way)"
        )
        if compared:
            return (
                f"{head_vi}: phần chung đã được trừ khi so với các tỉnh khác; chỉ phần chênh lệch nói về chiến dịch.",
                f"{head_en}: what is common cancels against the comparison; only the difference speaks about the "
                "campaign.",
            )
        return (
            f"{head_vi}: đây không phải bằng chứng về chiến dịch.",
            f"{head_en}: this is not evidence about the campaign.",
        )

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        if self.detected:
            vi, en = self.warning() or ("", "")
            lines = [vi, en]
        else:
            lines = [
                f"No shock common to the whole country in {self.start:%m/%Y}–{self.end:%m/%Y}: the median unit changed "
                f"{fmt_num(100 * self.median_change, 0)}% against its expectation / không có biến động chung.",
            ]
        lines.append(
            f"Rule: a shock when, over 3 months, the median unit moves ≥ {fmt_num(100 * self.threshold, 0)}% "
            f"against its own level × the common trend and season and ≥ {fmt_num(100 * self.share, 0)}% of units "
            "move that way"
            + (" (targets left out; the rest must move the targets' way)" if self.target_change is not None else "")
            + ", and the test below must reject whether or not the last months before the window are read as a shift."
        )
        if self.change is not None:
            lines.append(
                f"Test: the other units' total over {self.start:%m/%Y}–{self.end:%m/%Y} was {self.change.pct()} "
                f"against its baseline (p = {fmt_num(self.p_value, 3)}; quasi-Poisson noise, correlated months and "
                "the baseline's own uncertainty) / kiểm định tổng các đơn vị khác: "
                f"{'có' if self.detected else 'chưa có'} biến động chung."
            )
        if self.unreported:
            lines.append(f"Left out, as they did not report every month: {', '.join(self.unreported)}.")
        lines.extend(filter(None, [late_note(self.held_out)]))
        return Summary("Common shock check / kiểm tra biến động chung", lines, self.units)


@dataclass(frozen=True)
class _Baseline:
    """Each unit's expected count in each month of the window, and what the test of the total needs."""

    expected: np.ndarray  # window months × units
    scale: float  # quasi-Poisson dispersion of the kept units' total before the window
    shape_var: float  # variance of the shape's projection (log scale)
    pre_total: float  # the kept units' cases before the window
    serial: SerialCorrelation  # of the total's months before the window
    df: float  # degrees of freedom of the dispersion


def _baselines(
    wide: pl.DataFrame, keep: np.ndarray, start: dt.date, starts: list[dt.date] | None = None
) -> tuple[_Baseline, _Baseline]:
    """Each unit's expected count in each month from ``start``, read two ways when both are plausible
    (:func:`~trendkit.models.shape.recent_readings`): the last months before the window kept, and left
    out as a shift. A national dip just before the window is sometimes too noisy to be sure of; read
    as part of the trend, it made the window a rise (21% false alarms). A shock must show in both.
    ``starts``: each month's first day for customs months (the Tết share over their own days)."""
    from trendkit.models.shape import recent_readings, shape_design

    periods = wide["period"].to_list()
    values = wide.drop("period").to_numpy().astype(float)  # months × units
    pre = np.array([p < start for p in periods])
    x = shape_design(periods, seasons="smooth" if pre.sum() >= 24 else False, starts=starts)
    total = values[:, keep].sum(axis=1)
    shift, other = recent_readings(total, x, pre)
    first = _baseline(values, x, pre, keep, shift)
    return first, (first if other is None else _baseline(values, x, pre, keep, other))


def _baseline(values: np.ndarray, x: np.ndarray, pre: np.ndarray, keep: np.ndarray, left_out: np.ndarray) -> _Baseline:
    """Each unit's own level in the months before the window (``left_out`` aside) times the common
    shape (trend, pre-Tết window, a smooth season with 24 months or more) of the kept units' total,
    fitted on those months and projected (:mod:`trendkit.models.shape`)."""
    from trendkit.models.shape import common_shape

    total = values[:, keep].sum(axis=1)
    common = common_shape(total, x, pre, left_out)
    shape, scale, clean = common.values, common.scale, common.used
    # a target's unreported months (NaN) count in neither its cases nor its expectation
    level = np.nansum(values[clean], axis=0) / (np.isfinite(values[clean]) * shape[clean][:, None]).sum(axis=0)
    mu = shape[clean] * total[clean].sum() / shape[clean].sum()
    resid = (total[clean] - mu) / np.sqrt(np.maximum(scale * mu, 1e-9))
    own = estimate_serial([resid], [np.flatnonzero(clean)], designs=[x[clean] * np.sqrt(mu)[:, None]])
    # one total's 36 months cannot see a correlation diluted by count noise; the units' months, pooled, can
    serial = for_series(panel_serial(values[clean][:, keep], np.flatnonzero(clean)), total[clean], mu, own)
    df = serial.effective_df(float(clean.sum() - np.linalg.matrix_rank(x[clean])))
    return _Baseline(np.outer(shape[~pre], level), scale, common.var, float(total[clean].sum()), serial, df)


def _common_change(
    observed: np.ndarray, b: _Baseline, keep: np.ndarray, rows: np.ndarray, level: float = 0.95
) -> tuple[Interval, float]:
    """The kept units' total over ``rows`` against its baseline: the change with its ``level`` interval,
    and the two-sided p-value. The log ratio's variance adds the months' quasi-Poisson noise
    (correlated as the total's history was), the level's uncertainty and the shape's projection."""
    from scipy import stats

    obs, exp = observed[rows][:, keep].sum(), b.expected[rows][:, keep].sum()
    if obs <= 0 or exp <= 0:
        return Interval(-1.0 if obs <= 0 else 0.0, -1.0, np.inf, level), 1.0
    months = np.flatnonzero(rows)
    mu = b.expected[rows][:, keep].sum(axis=1)
    noise = sum_variance(b.scale * mu, months, b.serial) / exp**2
    level_and_shape = (b.scale / b.pre_total + b.shape_var) * b.serial.long_run()  # from correlated months too
    sd = float(np.sqrt(noise + level_and_shape))
    d = float(np.log(obs / exp))
    half = stats.t.ppf(0.5 + level / 2, b.df) * sd
    p = float(2 * stats.t.sf(abs(d) / sd, b.df))
    return Interval(float(np.expm1(d)), float(np.expm1(d - half)), float(np.expm1(d + half)), level), p


@limit_threads
def common_shock(
    panel: pl.DataFrame,
    start: str | dt.date,
    *,
    end: str | dt.date | None = None,
    after: int = 12,
    targets: Sequence[str] = (),
    by: str = "province",
    threshold: float = 0.2,
    share: float = 2 / 3,
    late: Sequence[dt.date] | LateTail = (),
) -> CommonShock:
    """Did most units move together from ``start`` to ``end`` (default ``after`` months)?

    Parameters
    ----------
    panel
        Any panel with ``period``, ``by`` and ``cases``; other columns are summed over.
    targets
        The campaign's units: left out, and the rest must have moved their way to count as a shock.
    threshold, share
        The median unit's change and the share of units that must move that way.
    late
        Recent months not fully entered yet (:func:`~trendkit.models.late.late_tail`): the window
        ends before them (``.held_out``), since every unit falling there is data entry, not a shock.

    Notes
    -----
    A unit that did not report a month (null cases) is left out of the check (``.unreported``):
    its silence would read as a fall.
    """
    panel = measure_panel(panel)  # a quantity or value panel: its sum is the measure
    start_d = parse_month(start)
    end_d = parse_month(end) if end is not None else add_months(start_d, after - 1)
    window_months = [add_months(start_d, k) for k in range(months_between(start_d, end_d) + 1)]
    held = [m for m in held_months(pl.DataFrame({"period": window_months}), late) if m > start_d]
    end_d = add_months(held[0], -1) if held else end_d
    frame = panel.with_columns(pl.col(by).cast(pl.String)).filter(pl.col("period") <= end_d)
    total = known_sum()
    wide = frame.group_by("period", by).agg(total).pivot(on=by, index="period", values="cases").sort("period")
    silent = [c for c in wide.columns[1:] if wide[c].null_count() and c not in set(targets)]
    wide = wide.drop(silent)
    names = wide.columns[1:]
    window = [p for p in wide["period"].to_list() if p >= start_d]
    if not window or not any(p < start_d for p in wide["period"].to_list()):
        raise ValueError(f"common_shock: the panel needs months before and from {start_d:%Y-%m}")
    observed = wide.filter(pl.col("period") >= start_d).drop("period").to_numpy().astype(float)
    is_target = np.array([n in set(targets) for n in names])
    values = wide.drop("period").to_numpy()
    keep = (~is_target) & (values[: -len(window)].mean(axis=0) * len(window) >= MIN_BASELINE)
    if keep.sum() < 4:
        keep = ~is_target
    baseline, other = _baselines(wide, keep, start_d, period_starts(panel, wide["period"].to_list()))
    base = baseline.expected
    target_change = None
    if is_target.any():
        target_change = _reported_change(observed[:, is_target], base[:, is_target])
    hit = _shock_months(observed, base, is_target, keep, threshold, share)
    rows = hit if hit.any() else np.ones(len(window), dtype=bool)
    change = observed[rows].sum(axis=0) / np.where(base[rows].sum(axis=0) > 0, base[rows].sum(axis=0), np.nan) - 1
    units = pl.DataFrame(
        {"unit": names, "observed": observed[rows].sum(axis=0), "baseline": base[rows].sum(axis=0), "change": change}
    ).filter(pl.Series(keep))
    c = units["change"].to_numpy()
    median = float(np.median(c)) if c.size else 0.0
    moved = float(np.mean(np.sign(c) == np.sign(median))) if c.size else 0.0
    whole = np.ones(len(window), dtype=bool)
    change, p = _common_change(observed, baseline, keep, whole)
    other_change, other_p = _common_change(observed, other, keep, whole)
    p = max(p, other_p) if np.sign(other_change.estimate) == np.sign(change.estimate) else 1.0
    detected = bool(hit.any()) and p < 0.05 and np.sign(change.estimate) == np.sign(median)
    direction = ("fall" if median < 0 else "rise") if detected else None
    months = [m for m, h in zip(window, hit, strict=True) if h]
    return CommonShock(start_d, end_d, detected, direction, median, moved, target_change, units, months, threshold,
                       share, change, p, tuple(sorted(silent)), tuple(held))  # fmt: skip


def _reported_change(observed: np.ndarray, base: np.ndarray) -> float:
    """Observed against expected over the months reported (a target's silence is no fall)."""
    seen = np.isfinite(observed)
    return float(observed[seen].sum() / max(base[seen].sum(), 1e-9) - 1)


def _shock_months(
    observed: np.ndarray, base: np.ndarray, is_target: np.ndarray, keep: np.ndarray, threshold: float, share: float
) -> np.ndarray:
    """The window's months inside a 3-month block where the median unit moved ≥ ``threshold`` against
    its baseline and ≥ ``share`` of the units moved that way (and the targets too, when there are
    targets). A short shock (six months of a pandemic in a year's window) is seen in its own
    months instead of being diluted by the rest."""
    n = observed.shape[0]
    width = min(3, n)
    hit = np.zeros(n, dtype=bool)
    if keep.sum() < 4:
        return hit
    for i in range(n - width + 1):
        rows = slice(i, i + width)
        b = base[rows].sum(axis=0)
        c = observed[rows].sum(axis=0)[keep] / np.maximum(b[keep], 1e-9) - 1
        median = float(np.median(c))
        if abs(median) < threshold or np.mean(np.sign(c) == np.sign(median)) < share:
            continue
        if is_target.any():
            t = _reported_change(observed[rows][:, is_target], base[rows][:, is_target])
            if np.sign(t) != np.sign(median):
                continue  # the targets went the other way: a campaign with displacement, not a shock
        hit[rows] = True
    return hit
