"""``panel``: cases -> a long period × group frame with explicit zeros.

>>> import datetime as dt, polars as pl
>>> cases = pl.DataFrame({"detected_on": [dt.date(2021, 1, 5), dt.date(2021, 3, 9)],
...                       "province": ["Lạng Sơn", "Lào Cai"], "channel": ["road", "rail"]})
>>> panel(cases, by=("province",)).sort("period", "province").rows()  # doctest: +NORMALIZE_WHITESPACE
[(datetime.date(2021, 1, 1), 'Lào Cai', 0), (datetime.date(2021, 1, 1), 'Lạng Sơn', 1),
 (datetime.date(2021, 2, 1), 'Lào Cai', 0), (datetime.date(2021, 2, 1), 'Lạng Sơn', 0),
 (datetime.date(2021, 3, 1), 'Lào Cai', 1), (datetime.date(2021, 3, 1), 'Lạng Sơn', 0)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal

import polars as pl

__all__ = ["panel"]

Value = Literal["cases", "goods_value_vnd"]


def panel(
    cases: pl.DataFrame,
    *,
    by: Sequence[str] = ("province", "channel"),
    freq: str = "1mo",
    value: Value = "cases",
    start: dt.date | None = None,
    end: dt.date | None = None,
    levels: Mapping[str, Sequence[str]] | None = None,
    reports: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Count cases (or sum goods values) per period and group, zeros written out.

    Parameters
    ----------
    cases
        The canonical case table (``LoadResult.cases``); needs ``detected_on`` and ``by``.
    by
        Grouping columns; every combination seen in the data appears in every period.
        ``"region"`` (the six socio-economic regions) and ``"macro_region"`` (Bắc / Trung / Nam)
        are looked up from ``province`` when the table does not have them
        (:mod:`trendkit.geo.regions`). ``"legacy_group"`` is the legacy layout with merged
        groups where post-merger cases cannot be split
        (:func:`trendkit.geo.provinces.with_legacy_groups`); ``"province_legacy"`` refuses such
        cases rather than drop them silently.
    freq
        A polars interval: ``"1mo"`` (default), ``"1q"``, ``"1w"``, ``"1y"``, ``"1d"``.
    value
        ``"cases"`` counts rows; ``"goods_value_vnd"`` sums the value (nulls ignored).
    start, end
        The date range to cover (default: first and last detection date).
    levels
        Values to include for a grouping column even if absent from the data, e.g.
        ``{"channel": ["road", "sea", "air", "rail", "post"]}``.
    reports
        Which units reported in which periods: a frame with the ``by`` columns it speaks
        about plus ``period``. When given, the result has a ``reported`` column, and the
        value is null (not 0) where no report was received — "no cases" and "no report"
        are different things.

    Returns
    -------
    polars.DataFrame
        ``period`` (Date, period start), the ``by`` columns, then ``value`` (and
        ``reported`` with ``reports``), sorted by period then group.
    """
    by = list(by)
    cases = _with_derived(cases, by)
    _check_columns(cases, by, value)
    period = pl.col("detected_on").dt.truncate(freq).alias("period")
    frame = cases.lazy().with_columns(period)
    if start is not None:
        frame = frame.filter(pl.col("detected_on") >= start)
    if end is not None:
        frame = frame.filter(pl.col("detected_on") <= end)
    agg = pl.len().alias("cases") if value == "cases" else pl.col(value).sum().alias(value)
    counts = frame.group_by("period", *by).agg(agg).collect()
    # every group seen in the data: the counts have them all when no window cut rows out
    groups = _groups(counts if start is None and end is None else cases, by, levels)
    grid = _periods(cases, freq, start, end)
    grid = grid.join(groups, how="cross") if by else grid
    out = (
        grid.join(counts, on=["period", *by], how="left", nulls_equal=True)
        .with_columns(pl.col(value).fill_null(0))
        .sort("period", *by)
    )
    return out if reports is None else _unreported_as_null(out, reports, by, value)


def _with_derived(cases: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Regions and legacy groups looked up where ``by`` asks for them and the table lacks them."""
    derived = [c for c in by if c in ("region", "macro_region") and c not in cases.columns]
    if derived and "province" in cases.columns:  # region levels come from the province
        from trendkit.geo.regions import with_regions

        cases = with_regions(cases)
    if "legacy_group" in by and "legacy_group" not in cases.columns and "province_legacy" in cases.columns:
        from trendkit.geo.provinces import with_legacy_groups

        cases = with_legacy_groups(cases)
    if "province_legacy" in by and "province" in cases.columns:
        unsplit = cases.filter(pl.col("province_legacy").is_null() & pl.col("province").is_not_null())
        if unsplit.height:
            names = ", ".join(sorted(unsplit["province"].unique().to_list())[:5])
            raise ValueError(
                f"panel(): {unsplit.height} cases detected after the 1 July 2025 merger in merged provinces ({names}) "
                "cannot be split into legacy provinces; use by=('legacy_group', ...) to count them in the merged "
                "legacy group (e.g. 'Lào Cai + Yên Bái'), or filter them out knowingly"
            )
    return cases


def _check_columns(cases: pl.DataFrame, by: list[str], value: str) -> None:
    if value not in ("cases", "goods_value_vnd"):
        raise ValueError(f"panel(): value must be 'cases' or 'goods_value_vnd', not {value!r}")
    missing = [c for c in ("detected_on", *by) if c not in cases.columns]
    if value != "cases" and value not in cases.columns:
        missing.append(value)
    if missing:
        raise ValueError(
            f"panel(): the case table has no column {', '.join(map(repr, missing))}; it has {', '.join(cases.columns)}"
        )


def _periods(cases: pl.DataFrame, freq: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    """Every period from the first to the last, as ``period`` (its start date)."""
    lo = start or cases["detected_on"].min()
    hi = end or cases["detected_on"].max()
    if lo is None or hi is None:
        return pl.DataFrame({"period": []}, schema={"period": pl.Date})
    first = pl.select(pl.lit(lo).dt.truncate(freq)).item()
    return pl.DataFrame({"period": pl.date_range(first, hi, interval=freq, eager=True)})


def _groups(seen: pl.DataFrame, by: list[str], levels: Mapping[str, Sequence[str]] | None) -> pl.DataFrame:
    """The ``by`` combinations seen, plus the ``levels`` asked for, crossed with the other columns' values."""
    groups = seen.select(by).unique() if by else pl.DataFrame()
    for col, vals in (levels or {}).items():
        if col not in by:
            raise ValueError(f"panel(): levels names {col!r}, which is not one of by={by}")
        extra = pl.DataFrame({col: list(vals)}).cast({col: seen.schema[col]}, strict=False)
        others = [c for c in by if c != col]
        grid = extra.join(groups.select(others).unique(), how="cross") if others else extra
        groups = pl.concat([groups, grid.select(by)], how="vertical_relaxed").unique()
    return groups


def _unreported_as_null(out: pl.DataFrame, reports: pl.DataFrame, by: list[str], value: str) -> pl.DataFrame:
    """A ``reported`` column, and the value null (not 0) where no report was received."""
    keys = [c for c in by if c in reports.columns]
    flags = reports.select("period", *keys).unique().with_columns(pl.lit(True).alias("reported"))
    out = out.join(flags, on=["period", *keys], how="left").with_columns(pl.col("reported").fill_null(False))
    return out.with_columns(pl.when(pl.col("reported")).then(pl.col(value)).otherwise(None).alias(value))
