"""What every trendkit chart shares: a readable month axis and a visible note (e.g. SYNTHETIC).

>>> import matplotlib; matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt, datetime as dt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([dt.date(2022, m, 1) for m in range(1, 13)], range(12))
>>> finish(fig, ax, "Lào Cai", note="SYNTHETIC / mô phỏng")
>>> ax.get_title()
'Lào Cai — SYNTHETIC / mô phỏng'
>>> fig.canvas.draw(); ax.get_xticklabels()[0].get_text()[-5:]
'/2022'
"""

from __future__ import annotations

from typing import Any

__all__ = ["finish", "month_axis"]


def month_axis(ax: Any) -> None:
    """Month ticks that never run together (at most 9) and read the same in any language: "04/2023",
    never the English "Apr"."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%Y"))
    ax.tick_params(axis="x", labelsize=8)


def finish(fig: Any, ax: Any, title: str, *, note: str | None = None) -> None:
    """Title (with ``note``, e.g. "SYNTHETIC", so a copied chart still says it), month axis, legend."""
    ax.set_title(f"{title} — {note}" if note else title, parse_math=False)  # "$…$" in a name is text
    month_axis(ax)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
