"""Lead and lag between units' monthly series: VAR on Δlog1p with Granger F tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from trendkit.models.selection import resolve_units
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.threads import limit_threads

__all__ = ["LeadLag", "lead_lag"]


# --- lead-lag -----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class LeadLag(Result):
    """Granger tests between units' monthly series, from a VAR on month-to-month changes."""

    lags: int
    tests: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """One row per ordered pair: cause, effect, lags, F, df, p_value."""
        return self.tests

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        lines = [
            f"{r['cause']} → {r['effect']}: F = {fmt_num(r['f'], 2)}, {fmt_p(r['p_value'])}"
            + (" (leads / dẫn trước)" if r["p_value"] < 0.05 else "")
            for r in self.tests.iter_rows(named=True)
        ]
        lines.append(
            f"VAR({self.lags}) on Δlog(1 + cases). Caveats: 'Granger-causes' means 'helps predict', not 'causes'; a "
            "common driver (a national campaign, Tết, COVID closures) can make units move together; short series give "
            "weak tests; results depend on the lag length. / Chỉ là quan hệ dự báo, không phải nhân quả."
        )
        return Summary("Lead–lag / quan hệ dẫn trước (Granger)", lines, self.tests)


@limit_threads
def lead_lag(
    panel: pl.DataFrame, units: Sequence[str], *, by: str = "province", maxlags: int = 3, channel: str | None = None
) -> LeadLag:
    """Pairwise Granger tests between the series of ``units`` (a VAR with the lag order chosen by AIC).

    Series are Δlog(1 + cases) so that trends do not make everything "lead" everything.
    """
    import warnings

    from statsmodels.tsa.api import VAR

    units = resolve_units(panel, by, units, "units")
    if len(units) < 2:
        raise ValueError("lead_lag needs at least two units")
    frame = panel.with_columns(pl.col(by).cast(pl.String))
    if channel is not None:
        frame = frame.filter(pl.col("channel").cast(pl.String) == channel)
    wide = (
        frame.filter(pl.col(by).is_in(units))
        .group_by("period", by)
        .agg(pl.col("cases").sum().cast(pl.Float64))
        .pivot(by, index="period", values="cases")
        .sort("period")
        .fill_null(0.0)
    )
    data = np.diff(np.log1p(wide.select(units).to_numpy()), axis=0)
    if data.shape[0] < 4 * maxlags + 8:
        raise ValueError(f"{data.shape[0] + 1} months are too few for a VAR with up to {maxlags} lags")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = VAR(data)
        lags = max(1, int(model.select_order(maxlags).aic))
        res = model.fit(lags)
        rows = []
        for i, cause in enumerate(units):
            for j, effect in enumerate(units):
                if i != j:
                    t = res.test_causality(j, [i], kind="f")
                    rows.append(
                        (cause, effect, lags, float(t.test_statistic), int(t.df[0]), int(t.df[1]), float(t.pvalue))
                    )
    tests = pl.DataFrame(
        rows,
        schema={
            "cause": pl.String,
            "effect": pl.String,
            "lags": pl.Int64,
            "f": pl.Float64,
            "df_num": pl.Int64,
            "df_den": pl.Int64,
            "p_value": pl.Float64,
        },
        orient="row",
    )
    return LeadLag(lags, tests)
