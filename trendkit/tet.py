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
import functools
from collections.abc import Sequence

import polars as pl

__all__ = ["FIRST_YEAR", "LAST_YEAR", "in_tet_window", "tet_date", "tet_window_share"]

#: Years :func:`tet_date` knows (those of the lunisolar tables in ``holidays``).
FIRST_YEAR, LAST_YEAR = 1901, 2100

#: Days before Tết counted as the pre-Tết peak (about six weeks: from early December's
#: "cao điểm" campaigns to the eve of Tết).
DEFAULT_WINDOW_DAYS = 42


@functools.cache
def tet_date(year: int) -> dt.date:
    """The first day of Tết (Mùng 1 Tết) in Vietnam in ``year``, for any year 1901–2100.

    From the Vietnamese lunisolar calendar (UTC+7) of the maintained ``holidays`` package, which
    differs from the Chinese calendar in some years (1985, 2007, 2030, …).

    >>> tet_date(2024), tet_date(2030), tet_date(2031)
    (datetime.date(2024, 2, 10), datetime.date(2030, 2, 2), datetime.date(2031, 1, 23))
    """
    import holidays

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"no Tết date for {year}; trendkit knows {FIRST_YEAR}–{LAST_YEAR}")
    found = holidays.country_holidays("VN", years=year, language="en_US").get_named("Lunar New Year", lookup="exact")
    if len(found) != 1:  # pragma: no cover - would mean the holidays package changed its names
        raise RuntimeError(f"the holidays package gave {found} as Tết {year}; expected one date")
    return found[0]


def in_tet_window(day: dt.date, days: int = DEFAULT_WINDOW_DAYS) -> bool:
    """Whether ``day`` falls in the ``days`` days before Tết (Tết itself excluded)."""
    tet = tet_date(day.year) if day <= tet_date(day.year) else tet_date(day.year + 1)
    return 0 < (tet - day).days <= days


def tet_window_share(
    months: pl.Series, days: int = DEFAULT_WINDOW_DAYS, *, starts: Sequence[dt.date] | None = None
) -> pl.Series:
    """For each month (a Date on the 1st), the share of its days that fall in the pre-Tết window.

    A regressor for monthly count models: 0 in most months, up to 1 for a month that lies
    wholly inside the window. ``starts`` gives each period's first day when a period does not
    start on the 1st: a customs month, 16th to 15th (:func:`trendkit.panel.period_start`), whose
    share is over its own days.

    >>> s = pl.Series([dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 6, 1)])
    >>> [round(x, 3) for x in tet_window_share(s)]
    [1.0, 0.393, 0.0]
    >>> customs = [dt.date(2020, 12, 16), dt.date(2021, 1, 16), dt.date(2021, 5, 16)]  # 16th to 15th
    >>> [round(x, 3) for x in tet_window_share(s, starts=customs)]  # Tết 12/02/2021: window 01/01–11/02
    [0.484, 0.871, 0.0]

    By hand: 16/12/2020–15/01/2021 holds 15 of the window's days out of 31 (0.484); 16/01–15/02/2021
    holds 27 of 31 (0.871).
    """
    firsts = months.to_list() if starts is None else list(starts)
    if len(firsts) != months.len():
        raise ValueError(f"{len(firsts)} period starts for {months.len()} periods")
    out = [_period_share(first, days) for first in firsts]
    return pl.Series(months.name or "tet_share", out, dtype=pl.Float64)


@functools.cache
def _period_share(first: dt.date, days: int) -> float:
    """The share of days in the pre-Tết window over the month from ``first`` to the day before the
    same day of the next month (every model asks for the same few periods)."""
    nxt = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=first.day)
    n_days = (nxt - first).days
    return sum(in_tet_window(first + dt.timedelta(days=i), days) for i in range(n_days)) / n_days
