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

__all__ = ["CUSTOMS", "MEASURES", "panel", "period_of", "period_start"]

Value = Literal["cases", "goods_value_vnd", "quantity_std", "quantity"]
#: The measures a panel may sum, and the column that names each one's unit (none: đồng).
MEASURES = {"goods_value_vnd": None, "quantity_std": "unit_std", "quantity": "unit"}


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
        A polars interval: ``"1mo"`` (default), ``"1q"``, ``"1w"``, ``"1y"``, ``"1d"``; or
        ``"customs"``, the customs reporting month (16th to 15th), labelled by the month it reports
        (16 Feb – 15 Mar is March) with its first and last day in ``period_from`` and ``period_to``.
    value
        ``"cases"`` counts rows; ``"goods_value_vnd"`` sums the value of goods; ``"quantity_std"``
        sums the standard quantity (kg, litre, piece or head), ``"quantity"`` the quantity as written.
        A sum's panel also has ``n_cases`` and ``n_measured`` (the cases that gave a value); a
        period and group whose cases gave no value at all is null (unknown), not 0. A quantity panel
        holds one unit: it is refused when the rows mix units (filter on ``unit_std``, e.g. by
        commodity group, or put ``"unit_std"`` in ``by``).
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
        ``period`` (Date, period start), the ``by`` columns, then ``value`` (and ``n_cases``,
        ``n_measured`` for a sum; the unit column, ``unit_std`` or ``unit``, for a quantity, so a
        model's result can say "kg"; ``reported`` with ``reports``; ``period_from``, ``period_to`` for
        customs months), sorted by period then group.
    """
    by = list(by)
    cases = _with_derived(cases, by)
    _check_columns(cases, by, value)
    unit = _check_units(cases, by, value)
    period = period_of(pl.col("detected_on"), freq).alias("period")
    frame = cases.lazy().with_columns(period)
    if start is not None:
        frame = frame.filter(pl.col("detected_on") >= start)
    if end is not None:
        frame = frame.filter(pl.col("detected_on") <= end)
    agg = [pl.len().alias("cases")] if value == "cases" else _sums(value)
    counts = _as_text(frame.group_by("period", *by).agg(agg).collect(), by)
    # every group seen in the data: the counts have them all when no window cut rows out
    groups = _groups(counts if start is None and end is None else _as_text(cases.select(by), by), by, levels)
    grid = _periods(cases, freq, start, end)
    grid = grid.join(groups, how="cross") if by else grid
    out = _zeros_and_unit(grid.join(counts, on=["period", *by], how="left", nulls_equal=True), value, unit)
    out = out.sort("period", *by)
    out = _customs_bounds(out) if freq == CUSTOMS else out
    return out if reports is None else _unreported_as_null(out, reports, by, value)


def _as_text(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """The ``by`` columns a loaded case table stores as Categorical (``province_code``, ``region`` …),
    as String: a panel is small, and joins with the analyst's own frames (reports, levels) as text."""
    cat = [c for c in by if isinstance(frame.schema[c], pl.Categorical)]
    return frame.with_columns(pl.col(cat).cast(pl.String)) if cat else frame


def _zeros_and_unit(out: pl.DataFrame, value: str, unit: str | None) -> pl.DataFrame:
    """A period and group without cases is 0; one whose cases gave no value is unknown (null). A
    quantity panel says its one unit (``unit``), so the models' results can say "kg"."""
    if value == "cases":
        return out.with_columns(pl.col(value).fill_null(0))
    out = out.with_columns(pl.col("n_cases", "n_measured").fill_null(0)).with_columns(
        pl.when(pl.col("n_cases") == 0).then(0.0).otherwise(pl.col(value)).alias(value)
    )
    return out if unit is None else out.with_columns(pl.lit(unit, dtype=pl.String).alias(MEASURES[value]))


#: The customs reporting month: units report from the 16th of one month to the 15th of the next
#: ("Số liệu từ 16/02/2021 đến 15/03/2021" is the March report).
CUSTOMS = "customs"


def period_of(day: pl.Expr, freq: str) -> pl.Expr:
    """The period a day falls in: its start for a polars interval (``"1mo"``, ``"1q"`` …); for
    ``"customs"``, the first day of the month whose report it belongs to (16 Feb – 15 Mar → 1 March).

    >>> import datetime as dt
    >>> days = pl.DataFrame({"d": [dt.date(2021, 2, 15), dt.date(2021, 2, 16), dt.date(2021, 12, 31)]})
    >>> days.select(period_of(pl.col("d"), "customs"))["d"].to_list()
    [datetime.date(2021, 2, 1), datetime.date(2021, 3, 1), datetime.date(2022, 1, 1)]
    """
    if freq != CUSTOMS:
        return day.dt.truncate(freq)
    return pl.when(day.dt.day() >= 16).then(day.dt.offset_by("1mo")).otherwise(day).dt.truncate("1mo")


def period_start(period: dt.date, freq: str) -> dt.date:
    """The first day a period label covers: itself, or for a customs month the 16th of the month before.

    >>> period_start(dt.date(2021, 3, 1), "customs"), period_start(dt.date(2021, 3, 1), "1mo")
    (datetime.date(2021, 2, 16), datetime.date(2021, 3, 1))
    """
    if freq != CUSTOMS:
        return period
    before = period - dt.timedelta(days=1)
    return before.replace(day=16)


def _customs_bounds(out: pl.DataFrame) -> pl.DataFrame:
    """``period_from`` (the 16th before) and ``period_to`` (the 15th) beside each customs ``period``."""
    start = pl.col("period").dt.offset_by("-1mo").dt.offset_by("15d").alias("period_from")
    return out.with_columns(start, pl.col("period").dt.offset_by("14d").alias("period_to"))


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


def _sums(value: str) -> list[pl.Expr]:
    """A measure's sum over the cases that gave it (null when none did), with the two counts."""
    measured = pl.col(value).is_not_null().sum()
    return [
        pl.when(measured > 0).then(pl.col(value).sum()).otherwise(None).cast(pl.Float64).alias(value),
        pl.len().cast(pl.Int64).alias("n_cases"),
        measured.cast(pl.Int64).alias("n_measured"),
    ]


def _check_units(cases: pl.DataFrame, by: list[str], value: str) -> str | None:
    """The one unit a quantity panel adds (None: no quantity, or the unit is in ``by``); a panel whose
    groups would add different units is refused."""
    unit = MEASURES.get(value)
    if unit is None or unit in by:
        return None
    units = cases.filter(pl.col(value).is_not_null()).get_column(unit).unique().drop_nulls().sort().to_list()
    if len(units) > 1:
        raise ValueError(
            f"panel(): {value} mixes units ({', '.join(units)}), and a sum never adds different units; "
            f"choose one, e.g. cases.filter(pl.col({unit!r}) == {units[0]!r}) or a commodity group, "
            f"or put {unit!r} in by="
        )
    return units[0] if units else None


def _check_columns(cases: pl.DataFrame, by: list[str], value: str) -> None:
    if value != "cases" and value not in MEASURES:
        raise ValueError(f"panel(): value must be 'cases' or one of {', '.join(MEASURES)}, not {value!r}")
    missing = [c for c in ("detected_on", *by) if c not in cases.columns]
    if value != "cases" and value not in cases.columns:
        missing.append(value)
    if MEASURES.get(value) and MEASURES[value] not in cases.columns and MEASURES[value] not in by:
        missing.append(MEASURES[value])
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
    first, last = pl.select(period_of(pl.lit(lo), freq), period_of(pl.lit(hi), freq).alias("hi")).row(0)
    step = "1mo" if freq == CUSTOMS else freq
    return pl.DataFrame({"period": pl.date_range(first, last, interval=step, eager=True)})


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
    flags = _as_text(reports.select("period", *keys), keys).unique().with_columns(pl.lit(True).alias("reported"))
    out = out.join(flags, on=["period", *keys], how="left").with_columns(pl.col("reported").fill_null(False))
    return out.with_columns(pl.when(pl.col("reported")).then(pl.col(value)).otherwise(None).alias(value))
