"""Campaigns that start at different dates in different provinces (staggered adoption).

With one start for all, a target whose campaign began three months later counts three campaign-free
months as "after" and dilutes the effect; a target that began earlier counts campaign months as
"before". :func:`staggered_effect` gives each target its own start:

- **per target**, the difference in differences of that target against the comparison provinces
  from its own start — the comparison holds only provinces no campaign touched, as Callaway &
  Sant'Anna's group-time effects with a never-treated control group, on the multiplicative scale:
  a Poisson regression with a fixed effect per month and per series (Wooldridge 2023), whose
  estimate is the ratio of the target's and the comparison's totals after and before the start
  (``tests/test_staggered.py`` checks it by hand and against pyfixest's ``fepois``);
- **overall**, the targets' effects on the log scale weighted by each target's cases before its
  start (Callaway & Sant'Anna's "simple" aggregation weights by group size; here the size that
  matters is activity), with an interval that allows for the targets sharing one comparison;
- an **event study** stacked over the targets (Cengiz et al. 2019): the change in each 3-month
  bin of months relative to each target's start. The bins before the start (the *leads*) are
  the pre-trend check: a target already moving apart from the comparison before its campaign
  shows there, and a joint F test says whether the leads together differ from no change (the bins'
  estimates are pyfixest's ``fepois`` with month and series effects per stack).

>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases, by=("province",))
>>> eff = staggered_effect(p, {"Quảng Ninh": "2023-07", "Lạng Sơn": "2023-07"}, end="2024-06", receivers=())
>>> eff.change_pct.high < 0  # the sample's planted 40% cut
True
>>> eff.pretrend_p > 0.05  # no sign of the targets moving apart before the start
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from trendkit.geo.provinces import Layout
from trendkit.models.comparison import (
    DidFit,
    comparison_pool,
    did_fit,
    pooled_panel,
    reasons_in_words,
    up_to_end,
    without_gaps,
)
from trendkit.models.fitting import gap_note, month_numbers, nb_moments
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.models.selection import resolve_units
from trendkit.models.serial import SerialCorrelation, sandwich
from trendkit.models.trend import Interval
from trendkit.months import parse_month
from trendkit.result import Result
from trendkit.summary import Summary, change_phrase, fmt_num, fmt_p, fmt_pct
from trendkit.threads import limit_threads

__all__ = ["StaggeredEffect", "staggered_effect"]

#: months before each start the event study checks (the leads), in bins of :data:`BIN` months
LEADS = 6
BIN = 3
#: the pre-trend test's level: below it the summary warns that the targets were already moving apart
PRETREND_LEVEL = 0.05


@dataclass(frozen=True, repr=False)
class StaggeredEffect(Result):
    """Each target's change from its own start against the comparison, and the targets together.

    ``change_pct`` is the overall change (exp of the weighted mean log effect − 1); ``per_target``
    one row per target; ``events`` the event study (``kind`` lead/lag, ``first``/``last`` months
    relative to the start, ``change``/``low``/``high``); ``pretrend_p`` the joint test of the leads
    (None when the months before the earliest start are too few for a lead).
    """

    targets: list[str]
    starts: dict[str, dt.date]
    comparison: list[str]
    excluded: dict[str, list[str]]
    change_pct: Interval
    df: float
    per_target: pl.DataFrame
    events: pl.DataFrame
    pretrend_p: float | None
    unreported: tuple[dt.date, ...] = ()
    #: what the panel counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    def to_frame(self) -> pl.DataFrame:
        """``target``, ``start``, ``weight``, ``change``, ``low``, ``high``: each target, then all together."""
        c = self.change_pct
        overall = {
            "target": "all targets",
            "start": min(self.starts.values()),
            "weight": 1.0,
            "change": c.estimate,
            "low": c.low,
            "high": c.high,
        }
        return pl.concat([self.per_target, pl.DataFrame([overall], schema=self.per_target.schema)])

    def left_out(self) -> list[tuple[str, list[str]]]:
        """Who was left out of the comparison, and why (in words), for each reason with someone in it."""
        return reasons_in_words(self.excluded)

    def pretrend_failed(self) -> bool:
        """Whether the leads show the targets moving apart from the comparison before their starts."""
        return self.pretrend_p is not None and self.pretrend_p < PRETREND_LEVEL

    def headline(self) -> tuple[str, str]:
        """The plain sentence, Vietnamese and English; a failed pre-trend check says so in it."""
        vi, en = change_phrase(self.change_pct.estimate, self.change_pct.low, self.change_pct.high)
        names = ", ".join(f"{t} ({self.starts[t]:%m/%Y})" for t in self.targets)
        vi, en = (
            f"{self.measure.subject.vi} ở {names}, mỗi tỉnh từ khi bắt đầu chiến dịch, {vi} so với các tỉnh khác.",
            f"{self.measure.subject.en} in {names}, each from its own start: {en} relative to the other provinces.",
        )
        if self.pretrend_failed():
            vi += " Nhưng trước khi bắt đầu, các tỉnh này đã đi lệch so với nhóm đối chứng: chưa đủ căn cứ về tác động."
            en += " But the targets were already moving apart from the comparison before: not evidence of an effect."
        return vi, en

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        lines = [
            *self.headline(),
            *(
                f"{r['target']} from {r['start']:%m/%Y} (weight {fmt_pct(r['weight'])}): "
                f"{change_phrase(r['change'], r['low'], r['high'])[1]}."
                for r in self.per_target.iter_rows(named=True)
            ),
            f"Comparison ({len(self.comparison)}): {', '.join(self.comparison)}.",
            *(f"Left out of the comparison — {why}: {', '.join(n)}." for why, n in self.excluded.items() if n),
            "Each target against provinces no campaign touched, from its own start (group-time effects "
            "with a never-treated control, Callaway & Sant'Anna); together, weighted by each target's "
            "cases before its start; the interval allows for the shared comparison, serial correlation "
            f"and drift, Student t on {fmt_num(self.df, 1)} degrees of freedom.",
            self._pretrend_line(),
            *filter(None, [gap_note(self.unreported)]),
        ]
        return Summary("Staggered campaign effect / tác động chiến dịch bắt đầu lệch nhau", lines, self.to_frame())

    def _pretrend_line(self) -> str:
        leads = self.events.filter(pl.col("kind") == "lead")
        if self.pretrend_p is None:
            return "Pre-trend not checked: too few months before the earliest start for a lead."
        test = fmt_p(self.pretrend_p)
        shown = "; ".join(
            f"months {r['first']} to {r['last']}: {fmt_pct(r['change'], signed=True)}"
            for r in leads.iter_rows(named=True)
        )
        if self.pretrend_failed():
            return (
                "Cảnh báo: trước khi bắt đầu, các tỉnh mục tiêu đã đi lệch nhóm đối chứng / Warning: before "
                f"their starts the targets already moved apart from the comparison ({shown}; joint test {test})."
            )
        return (
            f"Pre-trend check: before their starts the targets moved with the comparison ({shown}; joint test {test})."
        )


@limit_threads
def staggered_effect(
    panel: pl.DataFrame,
    starts: Mapping[str, str | dt.date],
    *,
    end: str | dt.date | None = None,
    comparison: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    receivers: Sequence[str] | Literal["scan"] = "scan",
    layout: Layout = "2025",
    level: float = 0.95,
    leads: int = LEADS,
) -> StaggeredEffect:
    """Each target's change from its own start, the targets together, and an event study.

    Parameters
    ----------
    panel
        A province panel (``period``, ``province``, ``cases``).
    starts
        Each target's first campaign month, e.g. ``{"Quảng Ninh": "2023-02", "Lạng Sơn": "2023-05"}``.
    comparison, exclude, receivers, layout, end, level
        As :func:`~trendkit.models.comparison.comparative_effect`; the comparison leaves out every
        target and their neighbours, and receivers are scanned from the earliest start.
    leads
        Months before each start the event study checks, in bins of 3 (fewer when the months
        before the earliest start do not leave 3 months of reference).
    """
    measure, panel = measure_of(panel), measure_panel(panel)  # a quantity or value panel: its sum is the measure
    frame = up_to_end(panel, end)
    targets = resolve_units(frame, "province", list(starts), "targets")
    start_of = {t: parse_month(starts[t]) for t in targets}
    first = min(start_of.values())
    pool, excluded = comparison_pool(frame, targets, first, comparison, exclude, receivers, layout)
    pool, excluded = without_gaps(frame, pool, excluded)
    pooled = pooled_panel(frame, first)
    fits = [did_fit(frame, [t], pool, start_of[t], level, pooled) for t in targets]
    weights = np.array([f.frame.filter(~pl.col("post"))["target"].mean() or 0.0 for f in fits])
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(fits), 1 / len(fits))
    change, df = _aggregate(fits, weights, level)
    per_target = pl.DataFrame(
        {
            "target": targets,
            "start": [start_of[t] for t in targets],
            "weight": weights,
            "change": [f.change.estimate for f in fits],
            "low": [f.change.low for f in fits],
            "high": [f.change.high for f in fits],
        },
    )
    events, pretrend = _event_study([start_of[t] for t in targets], fits, pooled[2], leads, level)
    months = set(frame["period"].unique().to_list())
    left_out = sorted(months - set().union(*(f.frame["period"].to_list() for f in fits)))
    return StaggeredEffect(
        targets, start_of, pool, excluded, change, df, per_target, events, pretrend, tuple(left_out), measure
    )


def _joint_serial(fits: Sequence[DidFit]) -> dict[int, SerialCorrelation]:
    """Each target's own correlation for its rows (group i + 1); the comparison's rows (group 0) the
    most persistent of them."""
    most = max((f.serial for f in fits), key=lambda s: s.long_run())
    return {0: most, **{i + 1: f.serial for i, f in enumerate(fits)}}


def _aggregate(fits: Sequence[DidFit], weights: np.ndarray, level: float) -> tuple[Interval, float]:
    """The weighted mean of the targets' log effects with its interval. Each target's variance is its
    own (serial correlation and drift included); their correlation, which comes from the shared
    comparison, is read off the sandwich of the fits stacked side by side (block-diagonal design,
    comparison rows one series, so the same month counts once per pair)."""
    from scipy import stats
    from scipy.linalg import block_diag

    x = block_diag(*(f.x for f in fits))
    groups = np.concatenate([np.where(f.group == 1, 0, i + 1) for i, f in enumerate(fits)])
    cov = sandwich(
        x,
        np.concatenate([f.mu for f in fits]),
        np.concatenate([f.var for f in fits]),
        groups,
        np.concatenate([f.times for f in fits]),
        _joint_serial(fits),
    )
    last = np.cumsum([f.x.shape[1] for f in fits]) - 1
    sub = cov[np.ix_(last, last)]
    sd = np.sqrt(np.diag(sub))
    corr = sub / np.outer(sd, sd)
    own = np.sqrt([f.variance for f in fits])
    var = float(weights @ (corr * np.outer(own, own)) @ weights)
    parts = weights**2 * own**2
    df = float(parts.sum() ** 2 / np.sum(parts**2 / np.array([f.df for f in fits])))  # Welch–Satterthwaite
    delta = float(weights @ [f.delta for f in fits])
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(var)
    return Interval.from_log(delta, half, level), df


def _bins(leads: int, last: int) -> list[tuple[int, int]]:
    """Event-time bins (first, last month relative to the start): leads from −``leads``, lags to ``last``."""
    before = [(a, a + BIN - 1) for a in range(-leads, 0, BIN)]
    return before + [(a, min(a + BIN - 1, last)) for a in range(0, last + 1, BIN)]


def _event_study(
    starts: Sequence[dt.date],
    fits: Sequence[DidFit],
    drift: float,
    leads: int,
    level: float,
) -> tuple[pl.DataFrame, float | None]:
    """The stacked event study: per target, its months and the comparison's, a fixed effect per
    month and per group within the stack, and one coefficient per event-time bin shared by the
    targets (months further than ``leads`` before a start are the reference). Returns the bins'
    changes and the joint test of the leads. Each target's months are those of its own fit."""
    from scipy import stats
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    stacks = [_stack(f, s) for f, s in zip(fits, starts, strict=True)]
    shortest = min(int((rel < 0).sum()) for _, rel in stacks)
    leads = max(0, min(leads, shortest - 3)) // BIN * BIN
    bins = _bins(leads, max(int(rel.max()) for _, rel in stacks))
    reference = float(np.mean(np.concatenate([rel[rel < -leads] for _, rel in stacks])))
    x, y, groups, times = _stacked_design(stacks, bins)
    fit = GLM(y, x, family=families.Poisson()).fit()
    mu = np.asarray(fit.fittedvalues)
    phi = max(1.0, float(fit.pearson_chi2) / max(float(fit.df_resid), 1.0))
    serial = _joint_serial(fits)
    cov = sandwich(x, mu, phi * mu, groups, times, serial)[-len(bins) :, -len(bins) :]
    away = np.array([(a + b) / 2 for a, b in bins]) - reference  # months from the reference's middle
    cov = cov + np.diag(drift * (away / 12) ** 2)  # the provinces' drift, as in each target's own fit
    target = groups > 0  # the targets' months carry the contrasts' noise (as in did_fit)
    df = serial[0].effective_df(nb_moments(y[target], mu[target], float(fit.df_resid))[1])
    beta = np.asarray(fit.params)[-len(bins) :]
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(np.diag(cov))
    with np.errstate(over="ignore"):  # a bin fitted to months of zeros: its upper end is inf
        low, change, high = np.expm1(beta - half), np.expm1(beta), np.expm1(beta + half)
    events = pl.DataFrame(
        {
            "kind": ["lead" if b < 0 else "lag" for _, b in bins],
            "first": [a for a, _ in bins],
            "last": [b for _, b in bins],
            "change": change,
            "low": low,
            "high": high,
        }
    )
    k = sum(b < 0 for _, b in bins)
    if k == 0:
        return events, None
    wald = float(beta[:k] @ np.linalg.solve(cov[:k, :k], beta[:k])) / k
    return events, float(stats.f.sf(wald, k, df))


def _stack(fit: DidFit, start: dt.date) -> tuple[pl.DataFrame, np.ndarray]:
    """One target's monthly totals against the comparison (its fit's), each month's distance from its start."""
    wide = fit.frame
    rel = month_numbers(wide["period"].to_list()) - month_numbers([start])[0]
    return wide, rel.astype(int)


def _stacked_design(
    stacks: Sequence[tuple[pl.DataFrame, np.ndarray]], bins: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Design, counts, series (0 comparison, i + 1 target i) and month numbers of the stacked event study."""
    from scipy.linalg import block_diag

    blocks, ys, groups, times, events = [], [], [], [], []
    for i, (wide, rel) in enumerate(stacks):
        n = wide.height
        blocks.append(np.column_stack([np.vstack([np.eye(n), np.eye(n)]), np.r_[np.ones(n), np.zeros(n)]]))
        ys.append(np.r_[wide["target"].to_numpy(), wide["comparison"].to_numpy()])
        groups.append(np.r_[np.full(n, i + 1), np.zeros(n)])
        times.append(np.tile(month_numbers(wide["period"].to_list()), 2))
        inside = np.column_stack([(rel >= a) & (rel <= b) for a, b in bins]).astype(float)
        events.append(np.vstack([inside, np.zeros_like(inside)]))
    x = np.column_stack([block_diag(*blocks), np.vstack(events)])
    return x, np.concatenate(ys), np.concatenate(groups), np.concatenate(times)
