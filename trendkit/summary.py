"""Plain-language summaries that every result object returns: text in a terminal, HTML in Jupyter.

>>> s = Summary("Kết quả / Result", ["line <one>"])
>>> print(s)
Kết quả / Result
  line <one>
>>> "&lt;one&gt;" in s._repr_html_()
True
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import polars as pl

__all__ = ["SUPPRESS_BELOW", "Summary", "change_phrase", "fmt_ci", "fmt_num", "fmt_p", "fmt_pct", "suppress"]

#: Counts from 1 to this minus one are shown as "<3" in everything trendkit shares (small-cell suppression).
SUPPRESS_BELOW = 3


@dataclass(frozen=True)
class Summary:
    """A title, plain-language lines, and optionally a table."""

    title: str
    lines: list[str] = field(default_factory=list)
    table: pl.DataFrame | None = None

    def __str__(self) -> str:
        out = [self.title, *(f"  {line}" for line in self.lines)]
        if self.table is not None:
            with pl.Config(tbl_rows=40, tbl_cols=12, tbl_hide_dataframe_shape=True, fmt_str_lengths=40):
                out.append(str(self.table))
        return "\n".join(out)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        if self.lines:
            parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in self.lines) + "</ul>")
        if self.table is not None:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.table.columns)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                for row in self.table.iter_rows()
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        return "\n".join(parts)


def _cell(v: object) -> str:
    if isinstance(v, float):
        return fmt_num(v)
    return "" if v is None else str(v)


def fmt_num(x: float | None, digits: int = 1) -> str:
    """A number as Vietnamese readers write it: '.' groups thousands, ',' is the decimal mark.

    >>> fmt_num(12345.678), fmt_num(-0.25, 2), fmt_num(None)
    ('12.345,7', '-0,25', '—')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_pct(x: float, *, signed: bool = False) -> str:
    """A proportion as a whole percent for plain sentences: its size, or with its sign.

    >>> fmt_pct(-0.444), fmt_pct(-0.444, signed=True), fmt_pct(0.05, signed=True)
    ('44%', '−44%', '+5%')
    """
    sign = ("+" if x > 0 else "−" if x < 0 else "") if signed else ""
    return f"{sign}{fmt_num(abs(100 * x), 0)}%"


def change_phrase(estimate: float, low: float, high: float) -> tuple[str, str]:
    """How a proportional change with its interval reads in a plain sentence (Vietnamese, English):
    a clear fall or rise with its range, or no clear change when the interval holds 0.

    >>> change_phrase(-0.444, -0.527, -0.347)
    ('giảm khoảng 44% (có thể từ 35% đến 53%)', 'fell by about 44% (plausibly 35% to 53%)')
    >>> change_phrase(-0.05, -0.2, 0.12)[1]
    'no clear change (estimate −5%, plausibly −20% to +12%)'
    """
    if low < 0 < high:
        span = f"{fmt_pct(low, signed=True)} đến {fmt_pct(high, signed=True)}"
        return (
            f"chưa thay đổi rõ (ước tính {fmt_pct(estimate, signed=True)}, có thể từ {span})",
            f"no clear change (estimate {fmt_pct(estimate, signed=True)}, plausibly "
            f"{fmt_pct(low, signed=True)} to {fmt_pct(high, signed=True)})",
        )
    lo, hi = sorted((abs(low), abs(high)))
    vi, en = ("giảm", "fell") if estimate < 0 else ("tăng", "rose")
    return (
        f"{vi} khoảng {fmt_pct(estimate)} (có thể từ {fmt_pct(lo)} đến {fmt_pct(hi)})",
        f"{en} by about {fmt_pct(estimate)} (plausibly {fmt_pct(lo)} to {fmt_pct(hi)})",
    )


def fmt_p(p: float | None) -> str:
    """A p-value for a sentence.

    >>> fmt_p(0.0001), fmt_p(0.0432), fmt_p(None)
    ('p < 0,001', 'p = 0,043', 'p undefined')
    """
    if p is None or math.isnan(p):
        return "p undefined"
    return "p < 0,001" if p < 0.001 else f"p = {fmt_num(p, 3)}"


def fmt_ci(low: float | None, high: float | None, level: float, digits: int = 1) -> str:
    """'95% CI −196 to −40' style, with Vietnamese number formatting."""
    return f"{round(level * 100):d}% CI {fmt_num(low, digits)} to {fmt_num(high, digits)}"


def suppress(count: float | None, below: float = SUPPRESS_BELOW) -> float | str | None:
    """A count as shared outputs may show it: "<3" for a count from 1 to 2, else the count.

    >>> suppress(1), suppress(0), suppress(17)
    ('<3', 0, 17)
    """
    if count is not None and 0 < count < below:
        return f"<{fmt_num(below, 0)}"
    return count
