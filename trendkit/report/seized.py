"""What was seized and what happened next: the report's commodity, outcome and goods-value tables.

Each table is a tidy polars frame with bilingual labels (the report's workbook writes them as they
are) and a JSON-ready piece of ``summary.json`` (the page renders it). Every number here describes
the extracts; none of them is a test, and the page says so. Counts of 1–2 are shown as "<3", and a
total of fewer than three cases' quantities or values is not shown (it would describe those cases).

>>> import datetime as dt
>>> cases = pl.DataFrame({"detected_on": [dt.date(2025, 1, 5)] * 4, "commodity_group": ["drugs"] * 4,
...     "commodity": ["heroin", "heroin", "heroin", "methamphetamine"], "quantity_std": [1.0, 2.0, 3.0, 4.0],
...     "unit_std": ["kg"] * 4, "goods_value_vnd": [1e6] * 4, "outcome": ["criminal"] * 4})
>>> tables = seized_tables(cases, [dt.date(2025, 1, 1)])
>>> tables.commodities.select("commodity_group", "commodity", "cases", "kg").rows()
[('drugs', None, 4, 10.0), ('drugs', 'heroin', 3, 6.0), ('drugs', 'methamphetamine', 1, None)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from trendkit.ingest.vocab import COMMODITY_LABELS
from trendkit.panel import period_of
from trendkit.summary import SUPPRESS_BELOW, suppress
from trendkit.words import COMMODITY_GROUPS, OUTCOMES, UNITS

__all__ = ["SeizedTables", "seized_section", "seized_tables"]

#: The standard units a quantity column is kept for, in the order the tables show them.
STD_UNITS = tuple(UNITS)


@dataclass(frozen=True)
class SeizedTables:
    """The report's tables of what was seized, over its last twelve months (``months``)."""

    months: list[dt.date]
    commodities: pl.DataFrame  # one row per group, then per substance of the drugs
    commodity_months: pl.DataFrame  # cases by group and month
    outcomes: pl.DataFrame  # cases by outcome and month
    goods_value: pl.DataFrame  # value of goods by month


def seized_tables(cases: pl.DataFrame, months: Sequence[dt.date], freq: str = "1mo") -> SeizedTables:
    """The tables for ``cases`` over ``months`` (month labels, calendar or customs as ``freq`` says; the
    report passes its last twelve)."""
    window = cases.with_columns(period_of(pl.col("detected_on"), freq).alias("month")).filter(
        pl.col("month").is_in(list(months))
    )
    return SeizedTables(
        list(months),
        _commodities(window),
        _by_month(window, "commodity_group", months),
        _by_month(window, "outcome", months, levels=list(OUTCOMES)),
        _goods_value(window, months),
    )


def _totals(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Cases, the standard quantity per unit (over at least three cases that gave one) and the value."""
    sums = [pl.len().alias("cases")]
    for unit in STD_UNITS:
        chosen = pl.col("quantity_std").filter(pl.col("unit_std") == unit)
        enough = chosen.count() >= SUPPRESS_BELOW
        sums.append(pl.when(enough).then(chosen.sum()).otherwise(None).cast(pl.Float64).alias(unit))
    value = pl.col("goods_value_vnd")
    sums.append(pl.when(value.count() >= SUPPRESS_BELOW).then(value.sum()).otherwise(None).alias("goods_value_vnd"))
    return frame.group_by(keys).agg(sums)


def _commodities(window: pl.DataFrame) -> pl.DataFrame:
    """Each group (most cases first), and under the drugs each substance."""
    text = window.with_columns(pl.col("commodity_group", "commodity").cast(pl.String))
    groups = _totals(text, ["commodity_group"]).with_columns(pl.lit(None, pl.String).alias("commodity"))
    drugs = _totals(text.filter(pl.col("commodity_group") == "drugs"), ["commodity_group", "commodity"])
    rows = pl.concat([groups, drugs.select(groups.columns)]).with_columns(
        pl.col("cases").max().over("commodity_group").alias("_order"), pl.col("commodity").is_not_null().alias("_sub")
    )
    order = ["_order", "commodity_group", "_sub", "cases", "commodity"]  # ties broken by name: the same bytes
    rows = rows.sort(order, descending=[True, False, False, True, False], nulls_last=False)
    label = [
        COMMODITY_LABELS[c] if c in COMMODITY_LABELS else COMMODITY_GROUPS.get(g, COMMODITY_GROUPS["other"])
        for g, c in zip(rows["commodity_group"], rows["commodity"], strict=True)
    ]
    return rows.select(
        pl.Series("label_vi", [b.vi for b in label]),
        pl.Series("label_en", [b.en for b in label]),
        "commodity_group",
        "commodity",
        pl.col("cases").cast(pl.Int64),
        *STD_UNITS,
        "goods_value_vnd",
    )


def _by_month(
    window: pl.DataFrame, column: str, months: Sequence[dt.date], levels: list[str] | None = None
) -> pl.DataFrame:
    """Cases by ``column`` and month, a column per month (zeros written out)."""
    seen = window.get_column(column).cast(pl.String).unique().drop_nulls().sort().to_list()
    grid = pl.DataFrame({column: levels or seen}).join(_month_grid(months), how="cross")
    counts = window.group_by(pl.col(column).cast(pl.String), "month").len("cases")
    long = grid.join(counts, on=[column, "month"], how="left").with_columns(pl.col("cases").fill_null(0).cast(pl.Int64))
    wide = long.with_columns(pl.col("month").dt.strftime("%Y-%m")).pivot(on="month", index=column, values="cases")
    if levels is not None:
        return wide
    return wide.sort(pl.sum_horizontal(pl.exclude(column)), pl.col(column), descending=[True, False])


def _month_grid(months: Sequence[dt.date]) -> pl.DataFrame:
    return pl.DataFrame({"month": list(months)}, schema={"month": pl.Date})


def _goods_value(window: pl.DataFrame, months: Sequence[dt.date]) -> pl.DataFrame:
    """The value of goods by month: total over the cases that gave one, with how many did."""
    value = pl.col("goods_value_vnd")
    per = window.group_by("month").agg(
        pl.len().cast(pl.Int64).alias("cases"),
        value.count().cast(pl.Int64).alias("measured"),
        pl.when(value.count() >= SUPPRESS_BELOW).then(value.sum()).otherwise(None).alias("goods_value_vnd"),
    )
    return _month_grid(months).join(per, on="month", how="left").with_columns(pl.col("cases", "measured").fill_null(0))


def seized_section(tables: SeizedTables, top: int = 8, incomplete: str = "") -> dict[str, Any]:
    """The piece of ``summary.json`` the page renders: the ``top`` groups and the drugs, with their substances,
    outcomes by month, goods value by month; small counts suppressed. ``incomplete`` says which months
    or units the totals lack (as the maps' period line does), "" when none."""
    groups = tables.commodities.filter(pl.col("commodity").is_null())["commodity_group"].to_list()
    heads = [g for i, g in enumerate(groups) if i < top or g == "drugs"]  # drugs always: in kg and pills
    rows = tables.commodities.filter(pl.col("commodity_group").is_in(heads))
    trend = {r["commodity_group"]: r for r in tables.commodity_months.iter_rows(named=True)}
    months = [f"{m:%Y-%m}" for m in tables.months]
    return {
        "months": months,
        "incomplete": incomplete,
        "commodities": [_commodity_row(r, trend, months) for r in rows.iter_rows(named=True)],
        "outcomes": [_outcome_row(r, months) for r in tables.outcomes.iter_rows(named=True)],
        "goods_value": [_value_row(r) for r in tables.goods_value.iter_rows(named=True)],
    }


def _outcome_row(r: dict[str, Any], months: list[str]) -> dict[str, Any]:
    words = OUTCOMES[r["outcome"]]
    return {"outcome": r["outcome"], "vi": words.vi, "en": words.en, "monthly": [suppress(r[m]) for m in months]}


def _value_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "month": f"{r['month']:%Y-%m}",
        "value_vnd": r["goods_value_vnd"],
        "cases": suppress(r["cases"]),
        "measured": suppress(r["measured"]),
    }


def _commodity_row(r: dict[str, Any], trend: dict[str, dict[str, Any]], months: list[str]) -> dict[str, Any]:
    substance = r["commodity"] is not None
    monthly = None if substance else [suppress(trend.get(r["commodity_group"], {}).get(m, 0)) for m in months]
    return {
        "group": r["commodity_group"],
        "commodity": r["commodity"],
        "vi": r["label_vi"],
        "en": r["label_en"],
        "cases": suppress(r["cases"]),
        "quantities": {u: r[u] for u in STD_UNITS if r[u] is not None},
        "value_vnd": r["goods_value_vnd"],
        "monthly": monthly,
    }
