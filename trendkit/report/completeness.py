"""Which units reported each month, so an early or partial month is not read as a collapse.

A unit (province) is *expected* in a month when it had cases in each of the six months before it and
at least :data:`EXPECTED_MEAN` a month on average — so a month with none is not chance (P(0) < 0.04%
for a Poisson mean of 8), and quiet provinces never mark a month incomplete — or, with
``expected=``, when it is on the list the analyst gives (``--expected-units FILE``). A month is
complete when every expected unit has at least one case in it. Trailing incomplete months are *held
back* from the models (their rows are counted, and the page says so): when one unit sends next
month's extract early, the other provinces are "not yet reported", not "0 cases", and raise no
alert.

>>> import datetime as dt, polars as pl
>>> rows = [(dt.date(2025, m, d), p) for m in range(1, 8) for d in range(1, 11) for p in ("Huế", "Lào Cai")]
>>> rows += [(dt.date(2025, 8, 1), "Huế")]
>>> cases = pl.DataFrame(rows, schema=["detected_on", "province"], orient="row")
>>> table, held = completeness(cases, "province")
>>> held, table.filter(pl.col("period") == dt.date(2025, 8, 1))["missing"].item()
([datetime.date(2025, 8, 1)], 'Lào Cai')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from trendkit.panel import period_of

__all__ = ["EXPECTED_MEAN", "completeness", "read_expected_units", "reported_units"]

#: Cases a month (mean of the six months before) above which a unit with none is "not reported".
EXPECTED_MEAN = 8
#: How long a unit's silence, once seen, marks its following empty months as unreported too.
SILENT_MONTHS = 6


def completeness(
    cases: pl.DataFrame, unit: str, expected: Sequence[str] | None = None, freq: str = "1mo"
) -> tuple[pl.DataFrame, list[dt.date]]:
    """Per month (calendar, or customs with ``freq="customs"``): ``period``, ``reported``, ``expected``,
    ``missing`` (names), ``complete``; and the trailing incomplete months to hold back (oldest first)."""
    counts = (
        cases.select(period_of(pl.col("detected_on"), freq).alias("period"), pl.col(unit).alias("unit"))
        .drop_nulls()
        .group_by("period", "unit")
        .len("cases")
    )
    months = sorted(counts["period"].unique().to_list())
    n = {(r["period"], r["unit"]): r["cases"] for r in counts.iter_rows(named=True)}
    by_month = {m: {u for (p, u) in n if p == m} for m in months}
    rows = []
    for i, m in enumerate(months):
        if expected is not None:
            want = set(expected)
        else:
            window = months[max(0, i - 6) : i]
            units = {u for w in window for u in by_month[w]}
            want = {
                u for u in units
                if len(window) == 6 and all(n.get((w, u), 0) > 0 for w in window)
                and sum(n.get((w, u), 0) for w in window) >= EXPECTED_MEAN * 6
            }  # fmt: skip
        missing = sorted(want - by_month[m])
        rows.append((m, len(by_month[m]), len(want), ", ".join(missing), not missing))
    table = pl.DataFrame(
        rows,
        schema={"period": pl.Date, "reported": pl.Int64, "expected": pl.Int64, "missing": pl.String,
                "complete": pl.Boolean},
        orient="row",
    )  # fmt: skip
    held: list[dt.date] = []
    for m, *_, complete in reversed(rows):
        if complete or len(held) + 1 >= len(months):
            break
        held.insert(0, m)
    return table, held


def reported_units(cases: pl.DataFrame, table: pl.DataFrame, unit: str, freq: str = "1mo") -> pl.DataFrame:
    """Which units reported in which month, for :func:`trendkit.panel`'s ``reports=``.

    Every unit with cases anywhere reported in each month the table covers, except an expected unit
    that had none (``missing``) — and, while it stays without cases, the months after it (up to
    :data:`SILENT_MONTHS`): once a unit has been silent a month it is no longer "expected" by the
    six-month rule, but its next empty months are the same silence, not zeros. A month with no cases
    at all (a gap between extracts) has no row: every unit is unreported there.

    >>> import datetime as dt
    >>> months = [dt.date(2025, m, 1) for m in range(1, 5)]
    >>> cases = pl.DataFrame({"detected_on": [*months, months[0], months[3]],
    ...                       "province": ["Huế"] * 4 + ["Lào Cai"] * 2})
    >>> t = pl.DataFrame({"period": months, "missing": ["", "Lào Cai", "", ""]})
    >>> r = reported_units(cases, t, "province")
    >>> sorted(p.month for p in r.filter(pl.col("province") == "Lào Cai")["period"])  # silent in 2 and 3
    [1, 4]
    """
    present = cases.select(period_of(pl.col("detected_on"), freq).alias("period"), pl.col(unit).cast(pl.String))
    seen = {(r["period"], r[unit]) for r in present.unique().iter_rows(named=True)}
    units = sorted({u for _, u in seen if u is not None})
    rows, silent = [], dict[str, int]()
    for r in table.sort("period").iter_rows(named=True):
        m = r["period"]
        missing = set(filter(None, r["missing"].split(", ")))
        silent = {u: k + 1 for u, k in silent.items() if (m, u) not in seen and k < SILENT_MONTHS}
        silent.update({u: silent.get(u, 1) for u in missing})
        rows += [(u, m) for u in units if u not in silent]
    return pl.DataFrame(rows, schema={unit: pl.String, "period": pl.Date}, orient="row")


def read_expected_units(path: str, layout: str = "2025") -> list[str]:
    """The provinces that must report every month: one name a line (any spelling), ``#`` comments."""
    from pathlib import Path

    from trendkit.errors import TrendkitInputError
    from trendkit.geo.provinces import province_name

    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise TrendkitInputError(f"--expected-units {path}: không đọc được / cannot be read ({exc.strerror})") from None
    names = []
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            names.append(province_name(text, layout))
        except ValueError:
            raise TrendkitInputError(
                f"--expected-units {path}, line {n}: không phải tên tỉnh / {text!r} is not a province; expected one "
                "name a line"
            ) from None
    return sorted(set(names))
