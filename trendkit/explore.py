"""An interactive explorer for JupyterLab: pick provinces, a channel and a period; see the series,
the map and the campaign effect update. Works offline (ipywidgets run in the kernel; the map
carries Leaflet inline).

The logic is :func:`explore_view`, a plain function that the widgets call and the tests check
without a browser; :func:`explorer` only wires widgets to it.

>>> import trendkit as tk
>>> cases = tk.load_cases("data/sample").cases
>>> v = explore_view(cases, ["Lào Cai"], channel="road", first="2022-07", last="2024-12", start="2023-07")
>>> v.series["cases"].sum() > 0, v.effect.change_pct.estimate > 0  # Lào Cai road rose after the campaign
(True, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from trendkit.months import add_months, months_between, parse_month
from trendkit.panel import panel

__all__ = ["ExploreView", "explore_view", "explorer"]

ALL = "all / tất cả"


@dataclass(frozen=True)
class ExploreView:
    """What the explorer shows for one choice: the monthly series, per-province totals, the effect."""

    provinces: tuple[str, ...]
    channel: str
    first: dt.date
    last: dt.date
    series: pl.DataFrame  # period, cases for the chosen provinces and channel
    totals: pl.DataFrame  # province, value: cases in the period, every province (for the map)
    effect: Any  # a CampaignEffect, or None when no start month is chosen or it does not fit
    note: str = ""  # why there is no effect, when there is none


def explore_view(
    cases: pl.DataFrame,
    provinces: Sequence[str],
    *,
    channel: str = ALL,
    first: str | dt.date | None = None,
    last: str | dt.date | None = None,
    start: str | dt.date | None = None,
) -> ExploreView:
    """The explorer's content for one choice (see the module example)."""
    from trendkit.models import campaign_effect, series

    data = cases if channel in (ALL, None) else cases.filter(pl.col("channel").cast(pl.String) == channel)
    p = panel(data, by=("province",))
    lo = parse_month(first) if first else p["period"].min()
    hi = parse_month(last) if last else p["period"].max()
    p = p.filter(pl.col("period").is_between(lo, hi))
    chosen = tuple(provinces) or tuple(sorted(p["province"].unique().to_list()))
    s = series(p, province=list(chosen))
    totals = p.group_by("province").agg(pl.col("cases").sum().cast(pl.Float64).alias("value")).sort("province")
    effect, note = None, ""
    if start:
        begin = parse_month(start)
        before, after = months_between(lo, begin), months_between(begin, add_months(hi, 1))
        if before < 12 or after < 3:
            note = f"cần ≥ 12 tháng trước và ≥ 3 tháng sau / needs 12 months before and 3 after ({before}, {after})"
        else:
            effect = campaign_effect(s, begin, panel=p)  # the other provinces: a national dip, a common shock
    return ExploreView(chosen, channel or ALL, lo, hi, s, totals, effect, note)


def explorer(cases: pl.DataFrame, *, note: str | None = None) -> Any:
    """Widgets over :func:`explore_view`: province(s), channel, period and campaign start.

    ``note`` (e.g. "SYNTHETIC") goes on the chart and the map title. Needs ``ipywidgets``
    (``pip install trendkit[lab]``).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    from trendkit.maps import static_figure

    months = [f"{d:%Y-%m}" for d in panel(cases, by=("province",))["period"].unique().sort().to_list()]
    names = sorted(cases["province"].drop_nulls().unique().to_list())
    channels = [ALL, *sorted(cases["channel"].cast(pl.String).unique().to_list())]
    pick = w.SelectMultiple(options=names, rows=8, description="Tỉnh / province")
    chan = w.Dropdown(options=channels, value=ALL, description="Tuyến / channel")
    span = w.SelectionRangeSlider(options=months, index=(0, len(months) - 1), description="Kỳ / period")
    start = w.Dropdown(options=["—", *months], value="—", description="Chiến dịch từ / campaign from")
    chart, view, text = w.Output(), w.Output(), w.Output()

    def update(_: Any = None) -> None:
        v = explore_view(cases, pick.value, channel=chan.value, first=span.value[0], last=span.value[1],
                         start=None if start.value == "—" else start.value)  # fmt: skip
        label = ", ".join(v.provinces) if len(v.provinces) <= 3 else f"{len(v.provinces)} tỉnh / provinces"
        for out in (chart, view, text):
            out.clear_output()
        with chart:
            if v.effect is not None:
                fig = v.effect.plot(note=note)
            else:
                from trendkit.plots import finish

                fig, ax = plt.subplots(figsize=(8, 3.5))
                ax.plot(v.series["period"].to_list(), v.series["cases"].to_list(), label="số vụ / cases")
                finish(fig, ax, f"{label} · {v.channel}", note=note)
            display(fig)
            plt.close(fig)
        with view:  # a static map: redrawn on every change without resending Leaflet
            title = f"Số vụ / cases {v.first:%m/%Y}–{v.last:%m/%Y}" + (f" ({note})" if note else "")
            display(static_figure(v.totals, title=title))
        with text:
            display(v.effect.summary() if v.effect is not None else v.note or "")

    for control in (pick, chan, span, start):
        control.observe(update, names="value")
    update()
    controls = w.HBox([w.VBox([pick]), w.VBox([chan, span, start])])
    return w.VBox([controls, chart, w.HBox([view]), text])
