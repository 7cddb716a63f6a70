"""WDQ and WDD from a panel: target, buffer and control counts before and after a date.

Buffer = the targets' neighbours from :func:`trendkit.neighbours`, control = the rest, by a
documented rule the analyst can override — for provinces or for channels. The measures themselves
(:func:`wdq`, :func:`wdd`, :func:`e_test`) are in :mod:`trendkit.models.measures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from trendkit.models.measures import WDDResult, WDQResult, _wdd, wdq
from trendkit.models.selection import _units, _windows
from trendkit.months import parse_month
from trendkit.summary import Summary
from trendkit.threads import limit_threads

__all__ = ["DisplacementMeasures", "displacement_measures"]


# --- builders for WDQ / WDD --------------------------------------------------------------------


@dataclass(frozen=True)
class DisplacementMeasures:
    """Counts for target, buffer and control before and after a date, with WDQ and WDD on them.

    The WDD uses the control for both comparisons (local and displacement), weighted so its
    pre-period count equals the treated's and the buffer's (area weights T₀/C₀ and D₀/C₀); the
    variance counts the shared control once with the summed weight, so it is not understated.
    """

    by: str
    start: dt.date
    before: int
    after: int
    target: list[str]
    buffer: list[str]
    control: list[str]
    counts: pl.DataFrame
    wdq: WDQResult
    wdd: WDDResult

    def to_frame(self) -> pl.DataFrame:
        """``role``, ``units``, ``before``, ``after`` counts."""
        return self.counts

    def summary(self) -> Summary:
        lines = [
            f"{self.by}: target {', '.join(self.target)}; buffer {', '.join(self.buffer) or '—'}; "
            f"control {len(self.control)} units ({', '.join(self.control[:6])}{'…' if len(self.control) > 6 else ''}).",
            f"Windows: {self.before} months before and {self.after} from {self.start:%m/%Y}.",
            self.wdq.interpretation,
            *(e.sentence() for e in (self.wdd.local, self.wdd.displacement, self.wdd.total)),
        ]
        return Summary("Displacement measures / đo lường dịch chuyển (WDQ, WDD)", lines, self.counts)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


@limit_threads
def displacement_measures(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    before: int = 12,
    after: int = 12,
    by: Literal["province", "channel"] = "province",
    buffer: Sequence[str] | None = None,
    control: Sequence[str] | None = None,
    channel: str | Sequence[str] | None = None,
    layout: Literal["2025", "legacy"] = "2025",
    alpha: float = 0.1,
) -> DisplacementMeasures:
    """Assemble target / buffer / control counts around ``start`` and compute WDQ and WDD.

    Rules (each can be overridden):

    - ``by="province"``: buffer = provinces that share a land border with any target
      (:func:`trendkit.adjacency` in ``layout``) and are not targets; control = every other
      province in the panel. ``channel`` restricts the counts to one or more channels.
    - ``by="channel"``: targets are channels (e.g. ``["road"]``); buffer = sea, air and post
      (where road traffic goes when hit); control = the remaining channels (rail, inland).

    Counts are summed over ``before`` months before ``start`` and ``after`` months from it.
    """
    from trendkit.geo.shapes import adjacency

    start_d = parse_month(start)
    pre, post = _windows(panel, start_d, before, after)
    frame = panel
    if by == "province" and channel is not None:
        frame = frame.filter(
            pl.col("channel").cast(pl.String).is_in([channel] if isinstance(channel, str) else channel)
        )
    if by not in frame.columns:
        raise ValueError(f"the panel has no {by!r} column; build it with panel(cases, by=('{by}', ...))")
    targets = _units(frame, by, targets, "targets")
    everyone = sorted(frame[by].cast(pl.String).unique().to_list())
    if buffer is None:
        if by == "province":
            adj = adjacency(layout)
            buffer = sorted(set(adj.filter(pl.col("name").is_in(targets))["neighbour_name"]) - set(targets))
            buffer = [b for b in buffer if b in everyone]
        else:
            buffer = [c for c in ("sea", "air", "post") if c in everyone and c not in targets]
    buffer = _units(frame, by, buffer, "buffer")
    if control is None:
        control = [u for u in everyone if u not in set(targets) | set(buffer)]
    control = _units(frame, by, control, "control")
    overlap = (set(targets) & set(buffer)) | (set(targets) & set(control)) | (set(buffer) & set(control))
    if overlap:
        raise ValueError(f"a unit cannot have two roles: {sorted(overlap)}")
    rows = []
    for role, units in (("target", targets), ("buffer", buffer), ("control", control)):
        sel = frame.filter(pl.col(by).cast(pl.String).is_in(units))
        b = float(sel.filter(pre)["cases"].sum())
        a = float(sel.filter(post)["cases"].sum())
        rows.append((role, ", ".join(units), b, a))
    counts = pl.DataFrame(
        rows, schema={"role": pl.String, "units": pl.String, "before": pl.Float64, "after": pl.Float64}, orient="row"
    )
    (tb, ta), (db, da), (cb, ca) = ((r[2], r[3]) for r in rows)
    wq = wdq(target=(tb, ta), buffer=(db, da), control=(cb, ca))
    aw_c = tb / cb if cb > 0 else 1.0
    aw_dc = db / cb if cb > 0 else 1.0
    wd = _wdd((tb, ta), (cb, ca), (db, da), (cb, ca), (1, 1), (aw_c, 1, aw_dc, 1), alpha, shared=True)
    return DisplacementMeasures(by, start_d, before, after, list(targets), list(buffer), list(control), counts, wq, wd)
