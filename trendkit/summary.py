"""Plain-language summaries that every result object returns: text in a terminal, HTML in Jupyter.

>>> s = Summary("Kết quả / Result", ["line <one>"])
>>> print(s)
Kết quả / Result
  line <one>
>>> "&lt;one&gt;" in s._repr_html_()
True
"""

from __future__ import annotations

import contextlib
import html
import math
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

__all__ = [
    "SUPPRESS_BELOW",
    "NumberStyle",
    "Summary",
    "change_phrase",
    "fmt_cell",
    "fmt_ci",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "number_style",
    "set_number_style",
    "suppress",
]

#: "vi": 12.345,7 (Vietnamese: '.' groups thousands, ',' is the decimal mark); "en": 12,345.7.
NumberStyle = Literal["vi", "en"]

#: (thousands separator, decimal mark) for each style.
_MARKS: dict[str, tuple[str, str]] = {"vi": (".", ","), "en": (",", ".")}

_STYLE: ContextVar[str] = ContextVar("trendkit_number_style", default="vi")


def _marks(style: str) -> tuple[str, str]:
    if style not in _MARKS:
        raise ValueError(f"number style must be one of {sorted(_MARKS)}, not {style!r}")
    return _MARKS[style]


def set_number_style(style: NumberStyle) -> None:
    """Write numbers in ``style`` from now on, in this thread or task (default "vi").

    Every number trendkit shows goes through :func:`fmt_num`, so this one switch sets summaries,
    tables, maps' legends and the report alike.

    >>> set_number_style("en"); fmt_num(12345.678)
    '12,345.7'
    >>> set_number_style("vi"); fmt_num(12345.678)
    '12.345,7'
    """
    _marks(style)
    _STYLE.set(style)


@contextlib.contextmanager
def number_style(style: NumberStyle) -> Iterator[None]:
    """Write numbers in ``style`` inside the ``with`` block only.

    >>> with number_style("en"):
    ...     fmt_cell(0.0002, "p_value"), fmt_cell(12345, "cases"), fmt_pct(-0.283, signed=True)
    ('< 0.001', '12,345', '−28%')
    >>> fmt_cell(0.0002, "p_value")
    '< 0,001'
    """
    _marks(style)
    token = _STYLE.set(style)
    try:
        yield
    finally:
        _STYLE.reset(token)


#: Counts from 1 to this minus one are shown as "<3" in everything trendkit shares (small-cell suppression).
SUPPRESS_BELOW = 3


@dataclass(frozen=True)
class Summary:
    """A title, plain-language lines, and optionally a table."""

    title: str
    lines: list[str] = field(default_factory=list)
    table: pl.DataFrame | None = None

    def cells(self, rows: int = 40) -> pl.DataFrame | None:
        """The table's first ``rows`` rows as the text both renderings show (:func:`fmt_cell`)."""
        if self.table is None:
            return None
        head = self.table.head(rows)
        return pl.DataFrame(
            {c: [fmt_cell(v, c) for v in head.get_column(c).to_list()] for c in head.columns},
            schema=dict.fromkeys(head.columns, pl.String),
        )

    def __str__(self) -> str:
        out = [self.title, *(f"  {line}" for line in self.lines)]
        cells = self.cells()
        if cells is not None:
            config = {"tbl_hide_column_data_types": True, "tbl_hide_dataframe_shape": True, "fmt_str_lengths": 60}
            config["tbl_width_chars"] = 160
            with pl.Config(tbl_rows=40, tbl_cols=12, **config):
                out.append(str(cells))
            if self.table is not None and self.table.height > cells.height:
                out.append(f"  … {self.table.height - cells.height} more rows (to_frame())")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        if self.lines:
            parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in self.lines) + "</ul>")
        cells = self.cells()
        if cells is not None:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cells.columns)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in cells.iter_rows()
            )
            more = self.table.height - cells.height if self.table is not None else 0
            note = f"<p>… {more} more rows (to_frame())</p>" if more > 0 else ""
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{note}")
        return "\n".join(parts)


def fmt_cell(value: object, column: str = "") -> str:
    """A number in a table, formatted by what its column holds: p- and q-values with two significant
    digits (or "< 0,001"), weights with two decimals, proportions (``*_pct``, ``share*``) as percents,
    whole numbers (counts) without decimals, other numbers with two significant digits below 1 and one
    decimal above; in the :func:`number_style` in force (Vietnamese by default: ',' decimal mark,
    '.' thousands).

    >>> [fmt_cell(v, c) for v, c in [(0.0432, "q_value"), (0.4, "p_value"), (0.0002, "p_value"), (0.02, "weight")]]
    ['0,043', '0,40', '< 0,001', '0,02']
    >>> [fmt_cell(v, c) for v, c in [(394.0, "cases"), (12345, "n"), (-0.283, "change_pct"), (0.55, "share_after")]]
    ['394', '12.345', '−28%', '55%']
    >>> [fmt_cell(v) for v in (0.0123, 3.14159, 1234.5, None, float("nan"), "Lào Cai")]
    ['0,012', '3,1', '1.234', '', '—', 'Lào Cai']
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "—"
    name = column.lower()
    if re.search(r"(^|_)[pq](_?value)?$", name):
        return f"< {fmt_num(0.001, 3)}" if value < 0.001 else _significant(value)
    if "weight" in name:
        return fmt_num(value, 2)
    if name.endswith("_pct") or name.startswith("share"):
        return fmt_pct(value, signed=not name.startswith("share"))
    if float(value).is_integer():
        return fmt_num(value, 0)
    if abs(value) >= 100:
        return fmt_num(value, 0)
    return fmt_num(value, 1) if abs(value) >= 1 else _significant(value)


def _significant(x: float) -> str:
    _, point = _marks(_STYLE.get())
    return f"{x:#.2g}".replace(".", point).rstrip(point)


def fmt_num(x: float | None, digits: int = 1) -> str:
    """A number as readers write it: Vietnamese by default ('.' groups thousands, ',' is the decimal
    mark), English under :func:`number_style` "en".

    >>> fmt_num(12345.678), fmt_num(-0.25, 2), fmt_num(None), fmt_num(float("inf"))
    ('12.345,7', '-0,25', '—', '∞')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else "−∞"
    group, point = _marks(_STYLE.get())
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", point).replace("\x00", group)


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
    return f"p < {fmt_num(0.001, 3)}" if p < 0.001 else f"p = {fmt_num(p, 3)}"


def fmt_ci(low: float | None, high: float | None, level: float, digits: int = 1) -> str:
    """'95% CI −196 to −40' style, numbers as :func:`fmt_num` writes them."""
    return f"{round(level * 100):d}% CI {fmt_num(low, digits)} to {fmt_num(high, digits)}"


def suppress(count: float | None, below: float = SUPPRESS_BELOW) -> float | str | None:
    """A count as shared outputs may show it: "<3" for a count from 1 to 2, else the count.

    >>> suppress(1), suppress(0), suppress(17)
    ('<3', 0, 17)
    """
    if count is not None and 0 < count < below:
        return f"<{fmt_num(below, 0)}"
    return count
