"""Choosing the before/after windows and the units of a panel that a model compares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from trendkit.months import add_months


def before_after(panel: pl.DataFrame, start: dt.date, before: int, after: int) -> tuple[pl.Expr, pl.Expr]:
    """The panel rows of the ``before`` months before ``start`` and the ``after`` months from it."""
    periods = panel["period"]
    first, last = periods.min(), periods.max()
    if add_months(start, -before) < first or add_months(start, after - 1) > last:
        raise ValueError(
            f"{before} months before and {after} after {start:%Y-%m} need data from {add_months(start, -before):%Y-%m} "
            f"to {add_months(start, after - 1):%Y-%m}; the panel covers {first:%Y-%m} to {last:%Y-%m}"
        )
    pre = (pl.col("period") >= add_months(start, -before)) & (pl.col("period") < start)
    post = (pl.col("period") >= start) & (pl.col("period") < add_months(start, after))
    return pre, post


def resolve_units(panel: pl.DataFrame, by: str, names: Sequence[str], role: str) -> list[str]:
    """``names`` as they are, once each is known in the panel's ``by`` column; an unknown one raises,
    naming the ``role``."""
    known = set(panel[by].cast(pl.String).unique().to_list())
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"{role}: {missing} not found in the panel's {by} column")
    return list(names)
