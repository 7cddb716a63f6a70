"""A shock common to the whole country: most units moving the same way at the same time.

A campaign is a change in *some* units. When nearly every province falls (or rises) together —
a pandemic closure, a national reform of how cases are recorded — a single-series model reads
the campaign's targets as a success and the scan reads every other unit as "diffusion of
benefits". :func:`common_shock` checks the window first, so every result that involves it can
say so.

The rule (documented, deterministic): each unit's cases in the window are compared with the same
calendar months of the years before (so Tết and the season cancel); a shock is when the
*median* unit moved by at least ``threshold`` (default 20%) and at least ``share`` (default
two-thirds) of the units moved that way. When ``targets`` are given they are left out of the
count, and the rest must have moved the same way as the targets did: targets falling while the
rest rise is what a campaign with displacement looks like, not a shock.

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

from trendkit.months import add_months, parse_month
from trendkit.summary import Summary, fmt_num

__all__ = ["CommonShock", "common_shock"]

#: Smallest baseline (expected cases in the window) for a unit to count: sparser units are noise.
MIN_BASELINE = 10.0


@dataclass(frozen=True)
class CommonShock:
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
            f"Cả nước {vi_move} cùng lúc ({self.span()}: đơn vị trung vị {'giảm' if fell else 'tăng'} {pct}%, "
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
        if self.detected:
            vi, en = self.warning() or ("", "")
            lines = [vi, en]
        else:
            lines = [
                f"No shock common to the whole country in {self.start:%m/%Y}–{self.end:%m/%Y}: the median unit changed "
                f"{fmt_num(100 * self.median_change, 0)}% against the same months before / không có biến động chung.",
            ]
        lines.append(
            f"Rule: a shock when the median unit moves ≥ {fmt_num(100 * self.threshold, 0)}% against the same calendar "
            f"months of earlier years and ≥ {fmt_num(100 * self.share, 0)}% of units move that way"
            + (" (targets left out; the rest must move the targets' way)." if self.target_change is not None else ".")
        )
        return Summary("Common shock check / kiểm tra biến động chung", lines, self.units)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _baseline(wide: pl.DataFrame, window: list[dt.date], start: dt.date) -> np.ndarray:
    """Each unit's expected count in each window month: its mean in the same calendar month of
    the years before ``start``; its mean over all months before when it has no such month."""
    periods = wide["period"].to_list()
    values = wide.drop("period").to_numpy().astype(float)  # months × units
    before = np.array([p < start for p in periods])
    out = np.empty((len(window), values.shape[1]))
    overall = values[before].mean(axis=0)
    for i, m in enumerate(window):
        same = before & np.array([p.month == m.month for p in periods])
        out[i] = values[same].mean(axis=0) if same.any() else overall
    return out


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
    """
    start_d = parse_month(start)
    end_d = parse_month(end) if end is not None else add_months(start_d, after - 1)
    frame = panel.with_columns(pl.col(by).cast(pl.String)).filter(pl.col("period") <= end_d)
    wide = (
        frame.group_by("period", by)
        .agg(pl.col("cases").sum().cast(pl.Float64))
        .pivot(on=by, index="period", values="cases")
        .sort("period")
        .fill_null(0.0)
    )
    names = wide.columns[1:]
    window = [p for p in wide["period"].to_list() if p >= start_d]
    if not window or not any(p < start_d for p in wide["period"].to_list()):
        raise ValueError(f"common_shock: the panel needs months before and from {start_d:%Y-%m}")
    observed = wide.filter(pl.col("period") >= start_d).drop("period").to_numpy().astype(float)
    base = _baseline(wide, window, start_d)
    is_target = np.array([n in set(targets) for n in names])
    keep = (~is_target) & (base.sum(axis=0) >= MIN_BASELINE)
    change = observed.sum(axis=0) / np.where(base.sum(axis=0) > 0, base.sum(axis=0), np.nan) - 1
    units = pl.DataFrame(
        {"unit": names, "observed": observed.sum(axis=0), "baseline": base.sum(axis=0), "change": change}
    ).filter(pl.Series(keep))
    target_change = None
    if is_target.any():
        target_change = float(observed[:, is_target].sum() / max(base[:, is_target].sum(), 1e-9) - 1)
    c = units["change"].to_numpy()
    median = float(np.median(c)) if c.size else 0.0
    direction = "fall" if median < 0 else "rise"
    moved = float(np.mean(c < 0) if median < 0 else np.mean(c > 0)) if c.size else 0.0
    detected = bool(c.size >= 4 and abs(median) >= threshold and moved >= share)
    if detected and target_change is not None and np.sign(target_change) != np.sign(median):
        detected = False  # the targets went the other way: a campaign with displacement, not a shock
    per_month = np.median(observed[:, keep] / np.maximum(base[:, keep], 1e-9), axis=1) - 1 if keep.any() else []
    months = [m for m, v in zip(window, per_month, strict=True) if detected and np.sign(v) == np.sign(median)
              and abs(v) >= threshold]  # fmt: skip
    return CommonShock(
        start_d, end_d, detected, direction if detected else None, median, moved, target_change, units,
        months, threshold, share,
    )  # fmt: skip
