"""Real published figures on customs anti-smuggling results, each with its source.

These are public numbers from Vietnamese press reports on the customs service (see
``data/published/README.md``), kept apart from the SYNTHETIC sample so a notebook can set
the two side by side without mixing them up.

Examples
--------
>>> figs = published_figures()
>>> figs.filter((pl.col("period_label") == "2023") & (pl.col("metric") == "cases")).select("channel", "value").rows()
[('all', 15966.0), ('road', 9430.0)]
"""

from __future__ import annotations

from importlib import resources

import polars as pl

__all__ = ["published_figures"]

_SCHEMA = {
    "period_label": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "scope": pl.String,
    "channel": pl.String,
    "metric": pl.String,
    "qualifier": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "source": pl.String,
}


def published_figures() -> pl.DataFrame:
    """The published figures as a tidy table, one figure per row.

    Columns: ``period_label`` (as reported), ``period_start``/``period_end`` (Date; customs
    statistical years often run 16 December – 15 December), ``scope`` ("customs national",
    "Hải Phòng customs"), ``channel`` ("all", "road", "sea", "air", "air_post"), ``metric``
    (cases, goods_value, drug_cases, case_share, cases_change_yoy, ...), ``qualifier``
    ("=" exact, ">" more than, "~" about), ``value``, ``unit`` and ``source`` (URL or
    citation).
    """
    with resources.files("trendkit.data").joinpath("published_figures.csv").open("rb") as fh:
        return pl.read_csv(fh, schema=_SCHEMA)
