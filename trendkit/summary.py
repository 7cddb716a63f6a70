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

__all__ = ["SUPPRESS_BELOW", "Summary", "fmt_ci", "fmt_num", "fmt_p", "suppress"]

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
