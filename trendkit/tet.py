"""Tết Nguyên Đán (Lunar New Year) dates and the pre-Tết window when smuggling peaks.

Tết falls between 21 January and 20 February; the weeks before it carry the year's peak of
firecrackers, alcohol, cigarettes and frozen food on the northern road routes. Dates are
the first day of the lunar year in Vietnam (UTC+7), from the Vietnamese lunar calendar.

Examples
--------
>>> tet_date(2021)
datetime.date(2021, 2, 12)
>>> import datetime as dt
>>> in_tet_window(dt.date(2021, 1, 20)), in_tet_window(dt.date(2021, 3, 1))
(True, False)
"""

from __future__ import annotations

import datetime as dt

import polars as pl

__all__ = ["TET_DATES", "in_tet_window", "tet_date", "tet_window_share"]

#: First day of the lunar year (Mùng 1 Tết) in Vietnam.
TET_DATES: dict[int, dt.date] = {
    y: dt.date.fromisoformat(d)
    for y, d in {
        2010: "2010-02-14",
        2011: "2011-02-03",
        2012: "2012-01-23",
        2013: "2013-02-10",
        2014: "2014-01-31",
        2015: "2015-02-19",
        2016: "2016-02-08",
        2017: "2017-01-28",
        2018: "2018-02-16",
        2019: "2019-02-05",
        2020: "2020-01-25",
        2021: "2021-02-12",
        2022: "2022-02-01",
        2023: "2023-01-22",
        2024: "2024-02-10",
        2025: "2025-01-29",
        2026: "2026-02-17",
        2027: "2027-02-06",
        2028: "2028-01-26",
        2029: "2029-02-13",
        2030: "2030-02-03",
    }.items()
}

#: Days before Tết counted as the pre-Tết peak (about six weeks: from early December's
#: "cao điểm" campaigns to the eve of Tết).
DEFAULT_WINDOW_DAYS = 42


def tet_date(year: int) -> dt.date:
    """The first day of Tết in ``year`` (2010–2030)."""
    try:
        return TET_DATES[year]
    except KeyError:
        raise ValueError(f"no Tết date for {year}; trendkit knows {min(TET_DATES)}–{max(TET_DATES)}") from None


def in_tet_window(day: dt.date, days: int = DEFAULT_WINDOW_DAYS) -> bool:
    """Whether ``day`` falls in the ``days`` days before Tết (Tết itself excluded)."""
    tet = tet_date(day.year) if day <= tet_date(day.year) else tet_date(day.year + 1)
    return 0 < (tet - day).days <= days


def tet_window_share(months: pl.Series, days: int = DEFAULT_WINDOW_DAYS) -> pl.Series:
    """For each month (a Date on the 1st), the share of its days that fall in the pre-Tết window.

    A regressor for monthly count models: 0 in most months, up to 1 for a month that lies
    wholly inside the window.

    >>> s = pl.Series([dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 6, 1)])
    >>> [round(x, 3) for x in tet_window_share(s)]
    [1.0, 0.393, 0.0]
    """
    out = []
    for month in months.to_list():
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        n_days = (nxt - month).days
        inside = sum(in_tet_window(month + dt.timedelta(days=i), days) for i in range(n_days))
        out.append(inside / n_days)
    return pl.Series(months.name or "tet_share", out, dtype=pl.Float64)
