"""Where did it go? Displacement between provinces and channels, with honest uncertainty.

The field's measures (:func:`wdq`, :func:`wdd`, :func:`wdd_harm`, :func:`e_test`) live in
:mod:`trendkit.measures` and are re-exported here. This module adds:

- :func:`displacement_measures`: assemble target / buffer / control counts from a panel
  (buffer = the targets' neighbours from :func:`trendkit.neighbours`, control = the rest, by a
  documented rule the analyst can override) and run WDQ and WDD on them — for provinces or for
  channels;
- :func:`channel_shift`: did the channel mix move after a date? Share changes with CIs;
- :func:`displacement_scan`: rank every other province × channel by its excess over its own
  counterfactual, Benjamini–Hochberg corrected, so the receiving unit surfaces unnamed;
- :func:`lead_lag`: VAR / Granger tests between units' series.

Examples
--------
>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases)
>>> scan = displacement_scan(p, targets=["Quảng Ninh", "Lạng Sơn"], start="2023-07", after=12)
>>> scan.to_frame().row(0, named=True)["unit"]
'Lào Cai · road'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from trendkit.measures import Estimate, ETestResult, WDDResult, WDQResult, _wdd, e_test, wdd, wdd_harm, wdq
from trendkit.months import add_months, months_between, parse_month
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.tet import tet_window_share

__all__ = [
    "ChannelShift",
    "DisplacementMeasures",
    "DisplacementScan",
    "ETestResult",
    "Estimate",
    "LeadLag",
    "WDDResult",
    "WDQResult",
    "channel_shift",
    "displacement_measures",
    "displacement_scan",
    "e_test",
    "lead_lag",
    "wdd",
    "wdd_harm",
    "wdq",
]


def _windows(panel: pl.DataFrame, start: dt.date, before: int, after: int) -> tuple[pl.Expr, pl.Expr]:
    periods = panel["period"]
    first, last = periods.min(), periods.max()
    if add_months(start, -before) < first or add_months(start, after - 1) > last:
        raise ValueError(
            f"{before} months before and {after} after {start:%Y-%m} need data from {add_months(start, -before):%Y-%m} "
            f"to {add_months(start, after - 1):%Y-%m}; the panel covers {first:%Y-%m} to {last:%Y-%m}"
        )
    pre = (pl.col("period") >= add_months(start, -before)) & (pl.col("period") < start)
    post = (pl.col("period") >= start) & (pl.col("period") < add_months(start, after))
    return pre, post


def _units(panel: pl.DataFrame, by: str, names: Sequence[str], role: str) -> list[str]:
    known = set(panel[by].cast(pl.String).unique().to_list())
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"{role}: {missing} not found in the panel's {by} column")
    return list(names)


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
    from trendkit.shapes import adjacency

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


# --- channel mix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelShift:
    """Change in the channel mix between two windows, with CIs for each share change."""

    start: dt.date
    before: int
    after: int
    dispersion: float
    level: float
    shares: pl.DataFrame
    dropped: list[str]

    def to_frame(self) -> pl.DataFrame:
        """One row per channel: cases and shares before/after, change, CI, p-value."""
        return self.shares

    def summary(self) -> Summary:
        lines = []
        for r in self.shares.sort("change").iter_rows(named=True):
            sig = " (clear / rõ ràng)" if r["ci_low"] > 0 or r["ci_high"] < 0 else ""
            lines.append(
                f"{r['channel']}: {fmt_num(100 * r['share_before'])}% → {fmt_num(100 * r['share_after'])}% "
                f"({'+' if r['change'] > 0 else ''}{fmt_num(100 * r['change'])} points; {round(self.level * 100)}% CI "
                f"{fmt_num(100 * r['ci_low'])} to {fmt_num(100 * r['ci_high'])}){sig}"
            )
        lines.append(
            f"Shares of cases over {self.before} months before and {self.after} from {self.start:%m/%Y}; "
            "CIs widened by the month-to-month overdispersion of the mix "
            f"(×{fmt_num(self.dispersion**0.5, 2)} on the SE)."
        )
        if self.dropped:
            lines.append(f"Channels with no cases in either window were left out: {', '.join(self.dropped)}.")
        return Summary("Channel shift / dịch chuyển phương thức", lines, self.shares)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def channel_shift(
    panel: pl.DataFrame,
    start: str | dt.date,
    *,
    before: int = 12,
    after: int = 12,
    channels: Sequence[str] | None = None,
    level: float = 0.95,
    **where: str | Sequence[str],
) -> ChannelShift:
    """Did the channel mix (road / sea / air / rail / post / inland) shift after ``start``?

    Each window's shares are the channels' case counts over the window total. The change in a
    share has the binomial variance p(1−p)/N of each window, multiplied by a quasi-multinomial
    dispersion φ ≥ 1: the Pearson χ² of the monthly channel counts around their window's
    shares, over its degrees of freedom — months vary more than a multinomial draw, and
    ignoring that would make the CIs too narrow. Zero policy: channels with no cases in both
    windows are dropped (and listed); a share of 0 in one window is kept, and its CI uses the
    counts plus ½ in every cell (Agresti–Caffo) so it is never of zero width.
    ``where`` restricts the panel first (``province="Lạng Sơn"``).
    """
    start_d = parse_month(start)
    frame = panel
    for column, wanted in where.items():
        frame = frame.filter(
            pl.col(column).cast(pl.String).is_in([wanted] if isinstance(wanted, str) else list(wanted))
        )
    pre, post = _windows(frame, start_d, before, after)
    frame = frame.with_columns(pl.col("channel").cast(pl.String))
    if channels is not None:
        frame = frame.filter(pl.col("channel").is_in(list(channels)))
    monthly = frame.group_by("period", "channel").agg(pl.col("cases").sum().cast(pl.Float64))
    counts = {}
    for name, cond in (("before", pre), ("after", post)):
        counts[name] = monthly.filter(cond)
    totals = {k: v.group_by("channel").agg(pl.col("cases").sum()) for k, v in counts.items()}
    table = (
        totals["before"].rename({"cases": "cases_before"})
        .join(totals["after"].rename({"cases": "cases_after"}), on="channel", how="full", coalesce=True)
        .fill_null(0.0)
    )  # fmt: skip
    dropped = sorted(table.filter((pl.col("cases_before") == 0) & (pl.col("cases_after") == 0))["channel"].to_list())
    table = table.filter((pl.col("cases_before") > 0) | (pl.col("cases_after") > 0)).sort("channel")
    k = table.height
    if k < 2:
        raise ValueError("channel_shift needs cases on at least two channels")
    n0, n1 = table["cases_before"].sum(), table["cases_after"].sum()
    if n0 == 0 or n1 == 0:
        raise ValueError(f"no cases in the {'before' if n0 == 0 else 'after'} window")
    # quasi-multinomial dispersion from the months inside each window
    chi2, df = 0.0, 0
    for name, tot in (("before", n0), ("after", n1)):
        share = table.select("channel", (pl.col(f"cases_{name}") / tot).alias("p"))
        m = counts[name].join(share, on="channel").with_columns(pl.col("cases").sum().over("period").alias("n_month"))
        m = m.filter(pl.col("p") > 0)
        expected = m["n_month"] * m["p"]
        chi2 += float((((m["cases"] - expected) ** 2) / expected).sum())
        df += (m["period"].n_unique() - 1) * (k - 1)
    phi = max(1.0, chi2 / df) if df > 0 else 1.0
    from scipy import stats

    z = stats.norm.ppf(1 - (1 - level) / 2)
    a0 = table["cases_before"].to_numpy() + 0.5
    a1 = table["cases_after"].to_numpy() + 0.5
    q0, q1 = a0 / a0.sum(), a1 / a1.sum()
    se = np.sqrt(phi * (q0 * (1 - q0) / a0.sum() + q1 * (1 - q1) / a1.sum()))
    p0 = table["cases_before"].to_numpy() / n0
    p1 = table["cases_after"].to_numpy() / n1
    change = p1 - p0
    shares = table.with_columns(
        pl.Series("share_before", p0),
        pl.Series("share_after", p1),
        pl.Series("change", change),
        pl.Series("se", se),
        pl.Series("ci_low", change - z * se),
        pl.Series("ci_high", change + z * se),
        pl.Series("p_value", 2 * stats.norm.sf(np.abs(change / se))),
    )
    return ChannelShift(start_d, before, after, phi, level, shares, dropped)


# --- displacement scan --------------------------------------------------------------------------


@dataclass(frozen=True)
class DisplacementScan:
    """Every other unit's excess over its own counterfactual after the targets' drop, ranked."""

    targets: list[str]
    start: dt.date
    before: int
    after: int
    alpha: float
    target_change: float
    results: pl.DataFrame
    sparse: list[str]

    def to_frame(self) -> pl.DataFrame:
        """One row per unit, ranked by z: unit, province, channel, observed, expected, excess,
        excess_pct, z, p_value, q_value (BH), significant, direction."""
        return self.results

    def summary(self) -> Summary:
        sig = self.results.filter(pl.col("significant"))
        rises = sig.filter(pl.col("direction") == "rise")
        falls = sig.filter(pl.col("direction") == "fall")
        lines = [
            f"Targets {', '.join(self.targets)}: {fmt_num(self.target_change)} cases against their own counterfactual "
            f"over {self.after} months from {self.start:%m/%Y}.",
        ]
        if rises.height:
            lines.append(
                "Rose more than expected (possible displacement / có thể dịch chuyển tới): "
                + "; ".join(
                    f"{r['unit']} +{fmt_num(r['excess'], 0)} ({fmt_p(r['q_value'])} BH)"
                    for r in rises.head(5).iter_rows(named=True)
                )
            )
        else:
            lines.append("No unit rose significantly more than expected / không đơn vị nào tăng bất thường.")
        if falls.height:
            lines.append(
                "Fell more than expected (diffusion of benefits, or other causes): "
                + "; ".join(f"{r['unit']} {fmt_num(r['excess'], 0)}" for r in falls.head(5).iter_rows(named=True))
            )
        lines.append(
            f"Each unit: its own level × the common trend and pre-Tết shape of all other units, fitted on "
            f"{self.before} months before and projected forward (quasi-Poisson); p-values two-sided, "
            f"Benjamini–Hochberg at {fmt_num(self.alpha, 2)} across {self.results.height} units. "
            "An excess is evidence of a shift, not proof of its cause."
        )
        if self.sparse:
            lines.append(f"{len(self.sparse)} units with under 1 case a month before were not tested.")
        return Summary("Displacement scan / quét dịch chuyển", lines, self.results.head(10))

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _counterfactual(y_pre: np.ndarray, shape_pre: np.ndarray, shape_post: np.ndarray) -> tuple[float, float]:
    """Projected post-window total of one unit and its variance.

    The unit's level θ is fitted on its pre-window counts with the common shape as offset
    (μₜ = θ·shapeₜ, θ̂ = Σy / Σshape); the variance adds quasi-Poisson noise φ·μ to the
    uncertainty of θ̂, φ·μ·(S_post / S_pre), with φ the unit's own Pearson dispersion (≥ 1).
    """
    s_pre, s_post = shape_pre.sum(), shape_post.sum()
    theta = y_pre.sum() / s_pre
    mu_pre = theta * shape_pre
    n = len(y_pre)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.sum(np.where(mu_pre > 0, (y_pre - mu_pre) ** 2 / mu_pre, 0.0)))
    phi = max(1.0, chi2 / max(n - 1, 1))
    mu = theta * s_post
    return float(mu), float(phi * mu * (1 + s_post / s_pre))


def _common_shape(y: np.ndarray, x: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """exp(trend + pre-Tết effect) from a Poisson GLM of all non-target units' pre-window total."""
    import statsmodels.api as sm

    res = sm.GLM(y[pre], x[pre], family=sm.families.Poisson()).fit()
    beta = np.asarray(res.params)
    return np.exp(x[:, 1:] @ beta[1:])


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values)."""
    from statsmodels.stats.multitest import multipletests

    return multipletests(p, method="fdr_bh")[1] if len(p) else p


def displacement_scan(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    before: int | None = None,
    after: int = 12,
    target_by: str = "province",
    alpha: float = 0.05,
    min_rate: float = 1.0,
) -> DisplacementScan:
    """Rank every other province × channel by its excess over its own counterfactual.

    Counterfactual: the common shape of all non-target units (a Poisson GLM of their total
    with a trend and the pre-Tết window share, fitted on the ``before`` months before ``start``,
    default all of them) times each unit's own level, fitted on its pre-window counts. A
    per-unit trend is not used: extrapolating a trend fitted to a few noisy months is what makes
    naive scans flag noise. The excess is observed − projected over the ``after`` months from
    ``start``; its variance is quasi-Poisson noise plus the level's uncertainty (see
    ``_counterfactual``). z = excess / SE, p-values two-sided, Benjamini–Hochberg across units at
    ``alpha``. Units below ``min_rate`` cases a month before are too sparse to test.
    """
    start_d = parse_month(start)
    periods = sorted(panel["period"].unique().to_list())
    if before is None:
        before = sum(p < start_d for p in periods)
    if before < 12:
        raise ValueError(f"the scan needs at least 12 months before {start_d:%Y-%m}; got {before}")
    _pre, _post = _windows(panel, start_d, before, after)
    targets = _units(panel, target_by, targets, "targets")
    keys = [c for c in ("province", "channel") if c in panel.columns]
    frame = panel.with_columns(pl.col(keys).cast(pl.String)).filter(pl.col("period") < add_months(start_d, after))
    frame = frame.filter(pl.col("period") >= add_months(start_d, -before))
    window = sorted(frame["period"].unique().to_list())
    origin = window[0]
    t = np.array([months_between(origin, p) / 12 for p in window])
    tet = tet_window_share(pl.Series(window, dtype=pl.Date)).to_numpy()
    x = np.column_stack([np.ones(len(window)), t, tet])
    is_post = np.array([p >= start_d for p in window])

    def total(rows: pl.DataFrame) -> np.ndarray:
        return rows.group_by("period").agg(pl.col("cases").sum()).sort("period")["cases"].to_numpy().astype(float)

    wide = frame.filter(~pl.col(target_by).is_in(targets)).sort(*keys, "period")
    shape = _common_shape(total(wide), x, ~is_post)
    y_t = total(frame.filter(pl.col(target_by).is_in(targets)))
    mu_t, _ = _counterfactual(y_t[~is_post], shape[~is_post], shape[is_post])
    target_change = float(y_t[is_post].sum() - mu_t)

    rows, sparse = [], []
    for key, group in wide.group_by(keys, maintain_order=True):
        y = group.sort("period")["cases"].to_numpy().astype(float)
        unit = " · ".join(str(k) for k in key)
        if y[~is_post].mean() < min_rate:
            sparse.append(unit)
            continue
        mu, var = _counterfactual(y[~is_post], shape[~is_post], shape[is_post])
        obs = float(y[is_post].sum())
        z = (obs - mu) / np.sqrt(var)
        rows.append((unit, *[str(k) for k in key], obs, mu, obs - mu, (obs - mu) / mu, z))
    schema = {"unit": pl.String, **dict.fromkeys(keys, pl.String), "observed": pl.Float64, "expected": pl.Float64,
              "excess": pl.Float64, "excess_pct": pl.Float64, "z": pl.Float64}  # fmt: skip
    res = pl.DataFrame(rows, schema=schema, orient="row")
    from scipy import stats

    p = 2 * stats.norm.sf(np.abs(res["z"].to_numpy()))
    q = _bh(p)
    res = res.with_columns(
        pl.Series("p_value", p),
        pl.Series("q_value", q),
        pl.Series("significant", q < alpha),
        pl.when(pl.col("z") > 0).then(pl.lit("rise")).otherwise(pl.lit("fall")).alias("direction"),
    ).sort("z", descending=True)
    return DisplacementScan(list(targets), start_d, before, after, alpha, target_change, res, sparse)


# --- lead-lag -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadLag:
    """Granger tests between units' monthly series, from a VAR on month-to-month changes."""

    lags: int
    tests: pl.DataFrame

    def to_frame(self) -> pl.DataFrame:
        """One row per ordered pair: cause, effect, lags, F, df, p_value."""
        return self.tests

    def summary(self) -> Summary:
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

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def lead_lag(
    panel: pl.DataFrame, units: Sequence[str], *, by: str = "province", maxlags: int = 3, channel: str | None = None
) -> LeadLag:
    """Pairwise Granger tests between the series of ``units`` (a VAR with the lag order chosen by AIC).

    Series are Δlog(1 + cases) so that trends do not make everything "lead" everything.
    """
    import warnings

    from statsmodels.tsa.api import VAR

    units = _units(panel, by, units, "units")
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
