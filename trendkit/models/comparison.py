"""A campaign's effect against comparison provinces: difference in differences on monthly counts.

The single-series :func:`~trendkit.models.campaign.campaign_effect` cannot tell a campaign from a
shock that hits the whole country. :func:`comparative_effect` compares the targets with provinces
the campaign should not have touched, month by month: a common shock moves both and cancels.

>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases, by=("province",))
>>> eff = comparative_effect(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07", end="2024-06")
>>> eff.change_pct.high < 0  # the planted 40% cut, against the comparison
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from trendkit.errors import NoComparisonError
from trendkit.geo.provinces import Layout
from trendkit.models.fitting import (
    drift_variance,
    for_series,
    gap_note,
    known_sum,
    month_numbers,
    nb_moments,
    panel_serial,
)
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.models.selection import resolve_units
from trendkit.models.serial import NONE as NO_SERIAL
from trendkit.models.serial import SerialCorrelation, estimate_serial, sandwich
from trendkit.models.shock import CommonShock, common_shock
from trendkit.models.trend import Interval
from trendkit.months import parse_month
from trendkit.result import Result
from trendkit.summary import Summary, change_phrase, fmt_num
from trendkit.threads import limit_threads
from trendkit.words import REASONS

if TYPE_CHECKING:
    from trendkit.models.staggered import StaggeredEffect

__all__ = ["ComparativeEffect", "Placebos", "comparative_effect", "placebo_checks"]


@dataclass(frozen=True, repr=False)
class ComparativeEffect(Result):
    """The targets' change after ``start`` relative to the comparison provinces (ratio of ratios).

    ``change_pct`` is exp(δ) − 1, δ the target × after interaction of a quasi-Poisson model with
    a fixed effect for every month (so anything common to both groups in a month cancels).
    """

    targets: list[str]
    comparison: list[str]
    excluded: dict[str, list[str]]
    start: dt.date
    change_pct: Interval
    dispersion: float
    df: float
    frame: pl.DataFrame
    #: the common-shock check of the window (targets left out)
    shock: CommonShock | None = None
    #: the serial correlation of the target's residuals before the start, allowed for in the interval
    serial: SerialCorrelation = NO_SERIAL
    #: months left out because a target did not report
    unreported: tuple[dt.date, ...] = ()
    #: how far provinces drift apart a year (log scale, sd), allowed for in the interval
    drift: float = 0.0
    #: what the panel counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``target`` and ``comparison`` monthly cases, ``post``."""
        return self.frame

    def headline(self) -> tuple[str, str]:
        """The plain sentence, Vietnamese and English, with the interval."""
        vi, en = change_phrase(self.change_pct.estimate, self.change_pct.low, self.change_pct.high)
        return (
            f"{self.measure.subject.vi} ở {' và '.join(self.targets)} {vi} so với các tỉnh khác từ {self.start:%m/%Y}.",
            f"{self.measure.subject.en} in {' and '.join(self.targets)}: {en} relative to the other provinces from "
            f"{self.start:%m/%Y}.",
        )

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        vi, en = self.headline()
        lines = [
            vi,
            en,
            f"Comparison ({len(self.comparison)}): {', '.join(self.comparison)}.",
            *(f"Left out of the comparison — {why}: {', '.join(names)}." for why, names in self.left_out()),
            f"Quasi-Poisson difference in differences with a fixed effect per month (a shock common to both "
            f"groups cancels); dispersion {fmt_num(self.dispersion, 2)}, Student t on {fmt_num(self.df, 1)} "
            f"degrees of freedom; {self.serial.describe()}; "
            + (
                f"provinces drift apart by about {fmt_num(100 * self.drift, 0)}% a year, allowed for."
                if self.drift > 0
                else "no drift between provinces found."
            ),
            *filter(None, [gap_note(self.unreported)]),
            *((self.shock.warning(compared=True) or ()) if self.shock is not None else ()),
        ]
        return Summary("Campaign effect against a comparison / so với nhóm đối chứng", lines, self.frame)

    def left_out(self) -> list[tuple[str, list[str]]]:
        """Who was left out of the comparison, and why (in words), for each reason with someone in it."""
        return reasons_in_words(self.excluded)


def reasons_in_words(excluded: Mapping[str, list[str]]) -> list[tuple[str, list[str]]]:
    """``excluded`` (reason key → provinces) as (the reason in words, provinces), reasons with someone in them."""
    return [(str(REASONS[why]), names) for why, names in excluded.items() if names]


def default_comparison(
    panel: pl.DataFrame,
    targets: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    receivers: Sequence[str] | Literal["scan"] = (),
    start: dt.date | None = None,
    layout: Layout = "2025",
) -> tuple[list[str], dict[str, list[str]]]:
    """The documented default: every province that is not a target, not a land neighbour of one
    (spill-over goes there first), not a receiver — ``receivers="scan"`` runs the displacement
    scan from ``start`` and takes the provinces it finds rising significantly — and not in
    ``exclude``."""
    from trendkit.geo.shapes import neighbours_of
    from trendkit.models.groups import NO_SCAN, scan_receivers

    everyone = sorted(panel["province"].cast(pl.String).unique().to_list())
    near = neighbours_of(list(targets), layout, units=everyone)
    why_not = None
    if receivers == "scan":
        if start is None:
            raise ValueError("receivers='scan' needs the campaign's start")
        after = sum(p >= start for p in panel["period"].unique().to_list())
        receivers, why_not = scan_receivers(panel, list(targets), start, after)
    excluded = {  # keys of trendkit.words.REASONS
        "neighbours": near,
        "receivers": [p for p in receivers if p in everyone],
        "named": [p for p in exclude if p in everyone],
        **({NO_SCAN: [why_not]} if why_not else {}),
    }
    dropped = set(targets) | {p for names in excluded.values() for p in names}
    return [p for p in everyone if p not in dropped], excluded


def group_totals(frame: pl.DataFrame, targets: list[str], comparison: list[str]) -> pl.DataFrame:
    """Monthly ``target`` and ``comparison`` totals; a month a target did not report is dropped (its
    total is unknown, not smaller)."""
    group = pl.when(pl.col("province").is_in(targets)).then(pl.lit("target")).otherwise(pl.lit("comparison"))
    return (
        frame.filter(pl.col("province").is_in([*targets, *comparison]))
        .with_columns(group.alias("group"), pl.col("cases").cast(pl.Float64))
        .group_by("period", "group")
        .agg(known_sum().alias("cases"))
        .pivot(on="group", index="period", values="cases")
        .sort("period")
        .drop_nulls()
    )


@dataclass(frozen=True)
class DidFit:
    """One difference in differences, with what a joint covariance across several of them needs:
    the design ``x``, fitted means ``mu``, variances ``var``, each row's ``group`` (0 target,
    1 comparison) and month number ``times``, and the ``serial`` correlation allowed for."""

    change: Interval
    phi: float
    df: float
    frame: pl.DataFrame
    serial: SerialCorrelation
    delta: float
    variance: float
    x: np.ndarray
    mu: np.ndarray
    var: np.ndarray
    group: np.ndarray
    times: np.ndarray


def did_fit(
    frame: pl.DataFrame,
    targets: list[str],
    comparison: list[str],
    start: dt.date,
    level: float = 0.95,
    pooled: tuple[SerialCorrelation, float, float] | None = None,
) -> DidFit:
    """The difference in differences itself (:class:`DidFit`): change (exp δ − 1 with its interval),
    dispersion, degrees of freedom, the monthly ``period``/``target``/``comparison``/``post`` frame,
    the design for a joint covariance, and the serial correlation allowed for (the target's own, or
    ``pooled`` over the panel's units and scaled to the target, whichever is larger:
    :func:`~trendkit.models.fitting.for_series`)."""
    from scipy import stats
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    if not comparison:
        raise NoComparisonError("no comparison provinces are left: name some with comparison=[...]")
    wide = group_totals(frame, targets, comparison)
    post = (wide["period"] >= start).to_numpy()
    n = wide.height
    if post.sum() < 1 or (~post).sum() < 3:
        raise ValueError(f"{start:%Y-%m} leaves {(~post).sum()} months before and {post.sum()} after; need ≥ 3 and ≥ 1")
    y = np.concatenate([wide["target"].to_numpy(), wide["comparison"].to_numpy()])
    months = np.vstack([np.eye(n), np.eye(n)])
    group = np.concatenate([np.ones(n), np.zeros(n)])
    x = np.column_stack([months, group, group * np.concatenate([post, post])])
    fit = GLM(y, x, family=families.Poisson()).fit()
    dof = float(fit.df_resid)
    phi = max(1.0, float(fit.pearson_chi2) / max(dof, 1.0))
    mu = np.asarray(fit.fittedvalues)
    # the target's months carry the contrast's noise; the comparison's total is nearly Poisson in
    # relative terms, so its rows would hide a heavy-tailed target from the degrees of freedom
    df = nb_moments(y[:n], mu[:n], dof)[1]
    delta = float(fit.params[-1])
    t = np.tile(month_numbers(wide["period"].to_list()), 2)
    pearson = (y - mu) / np.sqrt(phi * np.maximum(mu, 1e-12))
    own = estimate_serial([pearson[:n][~post]], [t[:n][~post]])  # the target's months before the start
    serial = own if pooled is None else for_series(pooled[:2], y[:n][~post], mu[:n][~post], own)
    var = sandwich(x, mu, phi * mu, group, t, serial)[-1, -1]
    if pooled is not None:  # the provinces' own drift, carried from the pre to the post window
        var += pooled[2] * ((t[:n][post].mean() - t[:n][~post].mean()) / 12) ** 2
    df = serial.effective_df(df)
    half = stats.t.ppf(0.5 + level / 2, df) * float(np.sqrt(max(var, 0.0)))
    change = Interval.from_log(delta, half, level)
    out = wide.select("period", "target", "comparison").with_columns(pl.Series("post", post))
    return DidFit(change, phi, df, out, serial, delta, float(var), x, mu, phi * mu, 1 - group, t)


def up_to_end(panel: pl.DataFrame, end: str | dt.date | None) -> pl.DataFrame:
    """A province panel with text province names, up to ``end`` (the analysis window of every comparison)."""
    frame = panel.with_columns(pl.col("province").cast(pl.String))
    return frame if end is None else frame.filter(pl.col("period") <= parse_month(end))


def comparison_pool(
    frame: pl.DataFrame,
    targets: list[str],
    start: dt.date,
    named: Sequence[str] | None,
    exclude: Sequence[str],
    receivers: Sequence[str] | Literal["scan"],
    layout: Layout,
    role: str = "comparison",
) -> tuple[list[str], dict[str, list[str]]]:
    """The provinces the analyst named (as ``role``), or :func:`default_comparison` with who was left out and why."""
    if named is not None:
        return resolve_units(frame, "province", named, role), {}
    return default_comparison(frame, targets, exclude=exclude, receivers=receivers, start=start, layout=layout)


@limit_threads
def comparative_effect(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date | Mapping[str, str | dt.date],
    *,
    end: str | dt.date | None = None,
    comparison: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    receivers: Sequence[str] | Literal["scan"] = "scan",
    layout: Layout = "2025",
    level: float = 0.95,
) -> ComparativeEffect | StaggeredEffect:
    """The targets' change from ``start`` relative to comparison provinces, with an interval.

    Parameters
    ----------
    panel
        A province panel (``period``, ``province``, ``cases``), e.g. ``tk.panel(cases, by=("province",))``.
    start
        The first campaign month; or each target's own, ``{"Quảng Ninh": "2023-02", "Lạng Sơn":
        "2023-05"}``, which returns :func:`~trendkit.models.staggered.staggered_effect`'s result
        (each target from its own start, together, and an event study whose leads check the pre-trend).
    comparison
        The comparison provinces; default :func:`default_comparison`: not targets, not their land
        neighbours, not the provinces the displacement scan finds rising significantly
        (``receivers="scan"``; or name them, or ``()``), not ``exclude``. The result lists
        every province left out and why.
    end
        Last month of the analysis window.

    Notes
    -----
    The model: log μ(g, t) = α_g + γ_t + δ·[g = targets]·[t ≥ start], counts summed per group,
    quasi-Poisson (Pearson dispersion ≥ 1), Student-t interval on the degrees of freedom the
    dispersion is worth. With a fixed effect per month, a shock common to targets and comparison
    cancels: on a national 50% drop with no campaign the interval covers 0
    (``tests/test_comparison.py``).

    Real months are not independent and provinces do not move in parallel: the interval allows for
    the serial correlation of the provinces' residuals before ``start`` (pooled over the panel,
    scaled to the targets; ``.serial``) and for the provinces' drift apart (``.drift``,
    DerSimonian–Laird over their pre-period slopes, counted only when Cochran's Q finds it),
    carried over the distance between the windows. On autocorrelated, drifting, gappy series from
    a generator that is not this model the false-positive rate stays near 5%
    (``tests/test_real_series.py``). A province that did not report a month (null) is left out of
    the comparison (``excluded["gaps"]``); a target's unreported months are left out (``.unreported``).
    """
    if isinstance(start, Mapping):
        from trendkit.models.staggered import staggered_effect

        if set(targets) != set(start):
            raise ValueError(
                f"targets {list(targets)} and the starts given for {list(start)} differ: give one start per target"
            )
        return staggered_effect(panel, start, end=end, comparison=comparison, exclude=exclude, receivers=receivers,
                                layout=layout, level=level)  # fmt: skip
    start_d, measure = parse_month(start), measure_of(panel)
    frame = up_to_end(measure_panel(panel), end)  # a quantity or value panel: its sum is the measure
    targets = resolve_units(frame, "province", targets, "targets")
    comparison, excluded = comparison_pool(frame, targets, start_d, comparison, exclude, receivers, layout)
    comparison, excluded = without_gaps(frame, comparison, excluded)
    pooled = pooled_panel(frame, start_d)
    fit = did_fit(frame, targets, comparison, start_d, level, pooled)
    change, phi, df, out, serial = fit.change, fit.phi, fit.df, fit.frame, fit.serial
    shock = common_shock(frame, start_d, end=out["period"].max(), targets=targets)
    left_out = sorted(set(frame["period"].unique().to_list()) - set(out["period"].to_list()))
    return ComparativeEffect(list(targets), list(comparison), excluded, start_d, change, phi, df, out, shock,
                             serial, tuple(left_out), float(np.sqrt(pooled[2])), measure)  # fmt: skip


def pooled_panel(frame: pl.DataFrame, start: dt.date) -> tuple[SerialCorrelation, float, float]:
    """:func:`~trendkit.models.fitting.panel_serial` and :func:`~trendkit.models.fitting.drift_variance`
    on the provinces that reported every month before ``start``."""
    wide = (
        frame.filter(pl.col("period") < start)
        .group_by("period", "province")
        .agg(known_sum())
        .pivot(on="province", index="period", values="cases")
        .sort("period")
    )
    values = wide.drop("period").to_numpy()
    complete = ~np.isnan(values.astype(float)).any(axis=0)
    y, months = values[:, complete].astype(float), month_numbers(wide["period"].to_list())
    return (*panel_serial(y, months), drift_variance(y, months))


def without_gaps(
    frame: pl.DataFrame, comparison: list[str], excluded: dict[str, list[str]]
) -> tuple[list[str], dict[str, list[str]]]:
    """The comparison without the provinces that did not report every month (their total would
    shrink in those months and read as the targets rising), listed under ``gaps``."""
    silent = set(frame.filter(pl.col("cases").is_null())["province"].unique().to_list())
    gaps = [p for p in comparison if p in silent]
    if not gaps:
        return comparison, excluded
    return [p for p in comparison if p not in silent], {**excluded, "gaps": gaps}


@dataclass(frozen=True, repr=False)
class Placebos(Result):
    """The real effect among placebo effects: the same model at fake dates and on fake targets."""

    real: float
    frame: pl.DataFrame

    def rank(self, kind: str) -> int:
        """1 = the real effect is larger (in size) than every placebo of this kind."""
        others = self.frame.filter(pl.col("kind") == kind)["change_pct"].abs()
        return int((others >= abs(self.real)).sum()) + 1

    def count(self, kind: str) -> int:
        """How many placebos of this kind ("time" or "space") were run."""
        return self.frame.filter(pl.col("kind") == kind).height

    def to_frame(self) -> pl.DataFrame:
        """One row per placebo: ``kind`` ("time" or "space"), ``label`` (start month or province), ``change_pct``."""
        return self.frame

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        lines = [f"Real effect {fmt_num(100 * self.real)}%."]
        for kind, vi in (("time", "ngày bắt đầu giả"), ("space", "tỉnh giả làm mục tiêu")):
            n = self.frame.filter(pl.col("kind") == kind).height
            if n:
                lines.append(
                    f"Placebo in {kind} ({vi}): the real effect ranks {self.rank(kind)} of {n + 1} by size "
                    "(1 = larger than every placebo)."
                )
        return Summary("Placebo checks / kiểm tra giả định", lines, self.frame)


@limit_threads
def placebo_checks(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    end: str | dt.date | None = None,
    fake_starts: int = 6,
    exclude: Sequence[str] = (),
    receivers: Sequence[str] | Literal["scan"] = "scan",
    layout: Layout = "2025",
) -> Placebos:
    """:func:`comparative_effect` at fake start dates and on fake targets, to rank the real effect.

    In time: the months before ``start`` only, with a fake start every month from 6 months after
    the first to 3 months before ``start`` (at most ``fake_starts`` of them, the latest ones). In
    space: each comparison province, alone, as if it were targeted, against the rest of the
    comparison. A real effect should be larger than nearly all of them.
    """
    from trendkit.months import add_months

    start_d = parse_month(start)
    real = comparative_effect(panel, targets, start_d, end=end, exclude=exclude, receivers=receivers, layout=layout)
    rows = []
    frame = up_to_end(measure_panel(panel), end)  # a quantity or value panel: its sum is the measure
    before = frame.filter(pl.col("period") < start_d)
    months = sorted(before["period"].unique().to_list())
    fakes = [m for m in months if months[0] < add_months(m, -5) and m <= add_months(start_d, -3)][-fake_starts:]
    for m in fakes:  # the same model, no shock check or scan: only the estimate is ranked
        rows.append(("time", f"{m:%Y-%m}", did_fit(before, list(real.targets), real.comparison, m).change.estimate))
    for p in real.comparison:
        rest = [q for q in real.comparison if q != p]
        rows.append(("space", p, did_fit(frame, [p], rest, start_d).change.estimate))
    table = pl.DataFrame(rows, schema={"kind": pl.String, "label": pl.String, "change_pct": pl.Float64}, orient="row")
    return Placebos(real.change_pct.estimate, table)
