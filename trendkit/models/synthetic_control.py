"""Synthetic control: the targets against a weighted blend of donor provinces fitted on the months before.

A second counterfactual beside :func:`~trendkit.models.comparison.comparative_effect`, the one
CausalPy and CausalImpact users expect (Abadie, Diamond & Hainmueller 2010). The weights are
non-negative and sum to one, fitted so the blend tracks the targets month by month before the
campaign; after it, the blend is what the targets would have seen without it. Each series is
first divided by its own pre-campaign mean, because the targets (two of the busiest border
provinces together) are larger than any donor and a convex blend of raw counts could never reach
them — the blend matches the *shape* (trend, Tết, shocks), the targets' own level scales it.

Inference is by placebo in space, as in the paper: each donor in turn is treated as if targeted,
fitted from the other donors, and the ratio of post- to pre-campaign RMSPE ranks the real
effect among them; the p-value is that rank over the number of units. With 20 donors the
smallest possible p-value is 1/21.

Written here rather than taken from ``pysyncon``: the fit is a 20-variable quadratic programme
(scipy's SLSQP) and the placebo loop a few lines, while ``pysyncon`` brings pandas-shaped
inputs and a second, slower optimiser for predictor weights that monthly counts do not need.

>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases, by=("province",))
>>> sc = synthetic_control(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07", end="2024-06", exclude=["Lào Cai"])
>>> sc.change_pct < -0.2 and abs(sum(sc.weights["weight"]) - 1) < 1e-6
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from trendkit.errors import NoComparisonError
from trendkit.geo.provinces import Layout
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.models.selection import resolve_units
from trendkit.models.shock import CommonShock, common_shock
from trendkit.months import parse_month
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num, fmt_p, fmt_pct
from trendkit.threads import limit_threads

__all__ = ["SyntheticControl", "synthetic_control"]

#: Donors with fewer cases a month than this before the campaign are too sparse to blend.
MIN_DONOR_RATE = 1.0


@dataclass(frozen=True, repr=False)
class SyntheticControl(Result):
    """The targets' cases against their synthetic counterpart, with the donors' weights and placebo ranks."""

    targets: list[str]
    start: dt.date
    change_pct: float  # Σ post cases / Σ post synthetic − 1
    weights: pl.DataFrame  # donor, weight (> 0.001 only, largest first)
    frame: pl.DataFrame  # period, target, synthetic, post
    pre_rmspe: float  # on the scale of the targets' pre-campaign mean (1 = 100%)
    ratio: float  # post / pre RMSPE
    placebos: pl.DataFrame  # donor, change_pct, ratio
    dropped: list[str]
    #: the common-shock check of the window (targets left out)
    shock: CommonShock | None = None
    #: what the panel counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    @property
    def rank(self) -> int:
        """1 = the real post/pre RMSPE ratio is larger than every placebo's."""
        return int((self.placebos["ratio"] >= self.ratio).sum()) + 1

    @property
    def p_value(self) -> float:
        """Placebo-in-space p-value: rank / (placebos + 1)."""
        return self.rank / (self.placebos.height + 1)

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """A ``level`` interval for ``change_pct`` by inverting the placebo distribution.

        On the log scale, the effects δ for which the real estimate less δ lies between the
        placebos' order statistics of rank n + 1 − k and k, k = ⌈(n + 1)(1 + level)/2⌉ (a
        conformal interval: the placebo changes are what the estimator gives where nothing
        happened, and with the real one exchangeable among them the interval covers at least
        ``level``; Firpo & Possebom 2018 invert the same placebo test). With n placebos a level
        above 1 − 2/(n + 1) cannot be honoured: the interval is then the placebos' full range.
        Interpolated quantiles instead covered a planted effect in only 82–85% of runs at 90%.

        >>> import polars as pl
        >>> sc = SyntheticControl(["A"], None, -0.5, None, None, 0.1, 3.0,
        ...                       pl.DataFrame({"change_pct": [-0.2, -0.1, 0.0, 0.1, 0.25]}), [])
        >>> [round(v, 3) for v in sc.interval(0.6)]  # k = ⌈6 × 0.8⌉ = 5: log(0.8) and log(1.25)
        [-0.6, -0.375]
        """
        d = np.sort(np.log1p(np.asarray(self.placebos["change_pct"], float)))
        d = d[np.isfinite(d)]
        if d.size == 0:
            return (-1.0, float("inf"))
        k = min(int(np.ceil((d.size + 1) * (1 + level) / 2)), d.size)  # conformal order statistic (1-based)
        lo, hi = d[d.size - k], d[k - 1]
        real = float(np.log1p(self.change_pct))
        return float(np.expm1(real - hi)), float(np.expm1(real - lo))

    def to_frame(self) -> pl.DataFrame:
        """``period``, ``target`` (cases), ``synthetic`` (the blend), ``post``."""
        return self.frame

    def headline(self, alpha: float = 0.1) -> tuple[str, str]:
        """The plain sentence; it calls the change clear only when the placebo p-value is ≤ ``alpha``."""
        who, n, what = " và ".join(self.targets), self.placebos.height + 1, self.measure.subject
        rank_vi = f"xếp hạng {self.rank}/{n} so với các tỉnh giả làm mục tiêu, {fmt_p(self.p_value)}"
        rank_en = f"placebo rank {self.rank} of {n}, {fmt_p(self.p_value)}"
        if self.p_value <= alpha:
            move_vi, move_en = ("giảm", "fell") if self.change_pct < 0 else ("tăng", "rose")
            return (
                f"{what.vi} ở {who} {move_vi} khoảng {fmt_pct(self.change_pct)} so với đối chứng tổng hợp từ "
                f"{self.start:%m/%Y} ({rank_vi}).",
                f"{what.en} in {' and '.join(self.targets)} {move_en} by about {fmt_pct(self.change_pct)} against the "
                f"synthetic control from {self.start:%m/%Y} ({rank_en}).",
            )
        return (
            f"{what.vi} ở {who} chưa khác rõ so với đối chứng tổng hợp từ {self.start:%m/%Y} (ước tính "
            f"{fmt_pct(self.change_pct, signed=True)}; {rank_vi}).",
            f"{what.en} in {' and '.join(self.targets)}: no clear change against the synthetic control from "
            f"{self.start:%m/%Y} (estimate {fmt_pct(self.change_pct, signed=True)}; {rank_en}).",
        )

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        vi, en = self.headline()
        low, high = self.interval()
        top = "; ".join(f"{r['donor']} {fmt_num(r['weight'], 2)}" for r in self.weights.head(6).iter_rows(named=True))
        lines = [
            vi,
            en,
            f"Weights (non-negative, sum 1): {top}{'…' if self.weights.height > 6 else ''}.",
            f"Fit before the campaign: RMSPE {fmt_num(100 * self.pre_rmspe, 1)}% of the targets' mean month"
            + (" — a poor fit; read the effect with care." if self.pre_rmspe > 0.25 else "."),
            "Inference: each donor treated as if targeted (placebo in space); the real post/pre RMSPE ratio "
            f"ranks {self.rank} of {self.placebos.height + 1}; 90% interval of the change by inverting the "
            f"placebos' changes: {fmt_pct(low, signed=True)} to {fmt_pct(high, signed=True)} / khoảng 90% từ các "
            "tỉnh giả làm mục tiêu.",
        ]
        if self.shock is not None and self.shock.detected:
            lines.extend(self.shock.warning(compared=True) or ())
        if self.dropped:
            lines.append(f"Too sparse to be donors (< {fmt_num(MIN_DONOR_RATE, 0)} case a month): "
                         f"{', '.join(self.dropped)}.")  # fmt: skip
        return Summary("Synthetic control / đối chứng tổng hợp", lines, self.weights)


def _weights(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to 1 that minimise ‖y − x·w‖² (SLSQP from equal weights)."""
    from scipy.optimize import minimize

    k = x.shape[1]
    if k == 1:
        return np.ones(1)
    gram, xy = x.T @ x, x.T @ y
    res = minimize(
        lambda w: float(w @ gram @ w - 2 * xy @ w),
        np.full(k, 1 / k),
        jac=lambda w: 2 * (gram @ w - xy),
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(k)}],
        method="SLSQP",
        options={"maxiter": 500, "ftol": 1e-12},
    )
    w = np.clip(res.x, 0, None)
    return w / w.sum()


def _fit(y: np.ndarray, x: np.ndarray, pre: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Weights, the synthetic series (the target's scale), and pre/post RMSPE on the normalised scale."""
    level = y[pre].mean()
    yn, xn = y / level, x / x[pre].mean(axis=0)
    w = _weights(yn[pre], xn[pre])
    synth = xn @ w
    gap = yn - synth
    return w, synth * level, float(np.sqrt(np.mean(gap[pre] ** 2))), float(np.sqrt(np.mean(gap[~pre] ** 2)))


@limit_threads
def synthetic_control(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    end: str | dt.date | None = None,
    donors: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    receivers: Sequence[str] | Literal["scan"] = "scan",
    layout: Layout = "2025",
) -> SyntheticControl:
    """The targets' change from ``start`` against a synthetic control of donor provinces.

    Parameters
    ----------
    panel
        A province panel (``period``, ``province``, ``cases``).
    donors
        Donor provinces; default the comparison rule of
        :func:`~trendkit.models.comparison.default_comparison` (not targets, not their land
        neighbours, not the scan's receivers, not ``exclude``), minus donors with under one
        case a month before ``start``.
    end
        Last month of the analysis window.
    """
    measure, panel = measure_of(panel), measure_panel(panel)  # a quantity or value panel: its sum is the measure
    from trendkit.models.comparison import comparison_pool, up_to_end

    start_d = parse_month(start)
    frame = up_to_end(panel, end)
    targets = resolve_units(frame, "province", targets, "targets")
    pool = comparison_pool(frame, targets, start_d, donors, exclude, receivers, layout, role="donors")[0]
    wide = (
        frame.filter(pl.col("province").is_in([*targets, *pool]))
        .with_columns(unit=pl.when(pl.col("province").is_in(targets)).then(pl.lit("__target")).otherwise("province"))
        .group_by("period", "unit")
        .agg(pl.col("cases").sum().cast(pl.Float64))
        .pivot(on="unit", index="period", values="cases")
        .sort("period")
        .fill_null(0.0)
    )
    pre = (wide["period"] < start_d).to_numpy()
    if pre.sum() < 6 or (~pre).sum() < 1:
        raise ValueError(f"{start_d:%Y-%m} leaves {pre.sum()} months before and {(~pre).sum()} after; need ≥ 6 and ≥ 1")
    dropped = [d for d in pool if wide[d].to_numpy()[pre].mean() < MIN_DONOR_RATE]
    names = [d for d in pool if d not in dropped]
    if len(names) < 2:
        raise NoComparisonError(
            "fewer than two donor provinces with a case a month before the campaign; name donors=[...]"
        )
    y, x = wide["__target"].to_numpy(), wide.select(names).to_numpy()
    w, synth, pre_rmspe, post_rmspe = _fit(y, x, pre)
    placebos = []
    for j, name in enumerate(names):
        rest = np.delete(x, j, axis=1)
        _, s_j, pre_j, post_j = _fit(x[:, j], rest, pre)
        placebos.append((name, float(x[~pre, j].sum() / s_j[~pre].sum() - 1), post_j / max(pre_j, 1e-12)))
    order = np.argsort(-w)
    weights = pl.DataFrame({"donor": [names[i] for i in order], "weight": w[order]}).filter(pl.col("weight") > 1e-3)
    out = wide.select("period", pl.col("__target").alias("target")).with_columns(
        pl.Series("synthetic", synth), pl.Series("post", ~pre)
    )
    return SyntheticControl(
        list(targets), start_d, float(y[~pre].sum() / synth[~pre].sum() - 1), weights, out, pre_rmspe,
        post_rmspe / max(pre_rmspe, 1e-12),
        pl.DataFrame(placebos, schema={"donor": pl.String, "change_pct": pl.Float64, "ratio": pl.Float64},
                     orient="row"),
        dropped, common_shock(frame, start_d, end=wide["period"].max(), targets=targets), measure,
    )  # fmt: skip
