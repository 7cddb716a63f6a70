"""Late data: the last months of an extract are not complete yet.

A database extract taken on the 5th holds most of last month's cases but not all: units enter
cases weeks after the seizure. The last two or three months then look like a fall that never
happened — a change point, a campaign "success". :func:`late_tail` finds such a tail by comparing
the last months with what the history before them predicts (trend, pre-Tết peak and month of
year, :mod:`trendkit.models.shape`), so models can hold it out and say so.

>>> import datetime as dt, polars as pl
>>> months = [dt.date(2021 + i // 12, i % 12 + 1, 1) for i in range(36)]
>>> cases = [100.0 + 8 * (i % 3) for i in range(36)]
>>> cases[-2:] = [75.0, 45.0]  # the last two months 75% and 45% entered
>>> [f"{m:%Y-%m}" for m in late_tail(pl.DataFrame({"period": months, "cases": cases})).months]
['2023-11', '2023-12']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from trendkit.result import Result
from trendkit.summary import Summary, fmt_num

__all__ = ["LateTail", "held_months", "late_note", "late_tail"]

#: One-sided level at which the last month counts as incomplete (strict: a real fall is not late data).
LATE_LEVEL = 0.01
#: The level for the months before it, once the last is incomplete: entry lags shrink with age, so a
#: month just before an incomplete one is likely short too.
LATE_FOLLOW = 0.10
#: Share of units that must be short in a month for the shortfall to be late entry rather than a local fall.
LATE_BREADTH = 2 / 3


@dataclass(frozen=True, repr=False)
class LateTail(Result):
    """The recent months that look incomplete, oldest first (empty when the extract looks complete)."""

    months: list[dt.date]
    frame: pl.DataFrame  # period, cases, expected, ratio, p_value for the months checked

    def to_frame(self) -> pl.DataFrame:
        """One row per recent month checked: ``period``, ``cases``, ``expected``, ``ratio``, ``p_value``."""
        return self.frame

    def note(self) -> str | None:
        """The sentence a model's summary carries when it held the tail out; None when there is none."""
        return late_note(self.months)

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        lines = [self.note() or "The recent months look complete / các tháng gần nhất có vẻ đã nhập đủ."]
        lines.append(
            f"Each of the last months against what the history before them predicts (trend, pre-Tết peak, month "
            f"of year; quasi-Poisson): the last month is incomplete when it falls short at the one-sided "
            f"{fmt_num(100 * LATE_LEVEL, 0)}% level, the months before it then at {fmt_num(100 * LATE_FOLLOW, 0)}%."
        )
        return Summary("Late data / số liệu nhập muộn", lines, self.frame)


def held_months(s: pl.DataFrame, late: Sequence[dt.date] | LateTail) -> list[dt.date]:
    """The months of ``s`` that ``late`` (a :class:`LateTail` or months) holds out."""
    months = set(late.months if isinstance(late, LateTail) else late)
    return [p for p in s["period"].to_list() if p in months]


def late_note(months: tuple[dt.date, ...] | list[dt.date]) -> str | None:
    """The summary line for recent months held out as incomplete; None when there are none."""
    if not months:
        return None
    span = f"{months[0]:%m/%Y}–{months[-1]:%m/%Y}"
    return (
        f"The last {len(months)} month(s) ({span}) look incomplete (late data entry) and were held out / "
        f"{len(months)} tháng gần nhất ({span}) có vẻ chưa nhập đủ, chưa tính."
    )


def late_tail(panel: pl.DataFrame, *, check: int = 4) -> LateTail:
    """The run of incomplete months at the end of a panel or series, at most ``check``.

    Late entry touches every unit at once (the extract was taken before the units caught up), so
    the check is on the total over all units: one province falling while the others are complete is
    a real fall, not late data. Pass the result to a model's ``late=`` to hold the months out.

    The last ``check`` months are set against the common shape fitted on the months before them
    (at least 12; null months left out) and projected; each month's shortfall is tested one-sided
    with the fit's quasi-Poisson dispersion and the projection's own uncertainty. The tail is the
    run of short months that ends at the last month: the last below the ``LATE_LEVEL`` bound, the
    ones before it below ``LATE_FOLLOW``. A single low month earlier is not late data. The
    shortfall must also be broad: in a panel, at least ``LATE_BREADTH`` of the units with 3 or more
    expected cases must be below their own expectation that month (:func:`_broad`), so one big
    province falling hard does not pass for late entry.
    """
    from scipy import stats

    from trendkit.models.fitting import known_sum, period_starts
    from trendkit.models.shape import common_shape, shape_design

    s = panel.group_by("period").agg(known_sum()).drop_nulls().sort("period")
    empty = pl.DataFrame(schema={"period": pl.Date, "cases": pl.Float64, "expected": pl.Float64,
                                 "ratio": pl.Float64, "p_value": pl.Float64})  # fmt: skip
    if s.height < 12 + check:
        return LateTail([], empty)
    periods, y = s["period"].to_list(), s["cases"].to_numpy().astype(float)
    pre = np.arange(len(y)) < len(y) - check
    common = common_shape(y, shape_design(periods, seasons=pre.sum() >= 24, starts=period_starts(panel, periods)), pre)
    shape, used, scale = common.values, common.used, common.scale
    expected = shape[~pre] * y[used].sum() / shape[used].sum()
    sd = np.sqrt(scale * expected + expected**2 * (common.var + scale / max(y[used].sum(), 1.0)))
    p = stats.norm.cdf((y[~pre] - expected) / np.maximum(sd, 1e-9))
    p = np.where(_broad(panel, periods, shape, pre, used), p, 1.0)
    run = 0  # the last month must be clearly short; once it is, older months may be less so
    while run < len(p) and p[len(p) - 1 - run] < (LATE_LEVEL if run == 0 else LATE_FOLLOW):
        run += 1
    frame = pl.DataFrame(
        {
            "period": periods[-check:],
            "cases": y[~pre],
            "expected": expected,
            "ratio": y[~pre] / np.maximum(expected, 1e-9),
            "p_value": p,
        }
    ).cast({"period": pl.Date})
    return LateTail(periods[len(periods) - run :] if run else [], frame)


def _broad(
    panel: pl.DataFrame, periods: list[dt.date], shape: np.ndarray, pre: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """For each checked month (after ``pre``), whether at least ``LATE_BREADTH`` of the units expecting
    3 or more cases are below their own level (from the ``used`` months) × the common shape (True for a
    series, which is one unit)."""
    text = [c for c, t in panel.schema.items() if t == pl.String or isinstance(t, pl.Enum | pl.Categorical)]
    keys = [c for c in text if c not in ("period", "cases")]
    if not keys:
        return np.ones(int((~pre).sum()), dtype=bool)
    wide = (
        panel.filter(pl.col("period").is_in(periods))
        .group_by("period", *keys)
        .agg(pl.col("cases").sum().cast(pl.Float64))
        .pivot(on=keys, index="period", values="cases")
        .sort("period")
    )
    y = wide.drop("period").to_numpy().astype(float)
    level = np.nansum(y[used], axis=0) / shape[used].sum()
    expected = np.outer(shape[~pre], level)
    below = (y[~pre] < expected) & (expected >= 3)
    counted = (expected >= 3).sum(axis=1)
    return np.where(counted > 0, below.sum(axis=1) >= LATE_BREADTH * np.maximum(counted, 1), True)
