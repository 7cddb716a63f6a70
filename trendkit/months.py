"""Month arithmetic shared by the scenario, the models and the report: months are Dates on the 1st.

>>> import datetime as dt
>>> parse_month("2023-07"), add_months(dt.date(2023, 11, 1), 3)
(datetime.date(2023, 7, 1), datetime.date(2024, 2, 1))
>>> parse_month("July 2023")
Traceback (most recent call last):
...
ValueError: month 'July 2023': expected YYYY-MM
"""

from __future__ import annotations

import datetime as dt

__all__ = ["add_months", "months_between", "parse_month"]


def parse_month(value: str | dt.date) -> dt.date:
    """'YYYY-MM' (or any date) -> the first day of that month."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise ValueError(f"month {value!r}: expected YYYY-MM") from None


def add_months(month: dt.date, k: int) -> dt.date:
    """The month ``k`` months after ``month`` (before, for negative ``k``)."""
    i = month.year * 12 + month.month - 1 + k
    return dt.date(i // 12, i % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from ``a`` to ``b``."""
    return (b.year - a.year) * 12 + b.month - a.month
