"""The displacement scan: rank every other unit by its excess over its own counterfactual.

Benjamini–Hochberg corrected, so the receiving unit surfaces without being named.

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

import numpy as np
import polars as pl

from trendkit.models.selection import _units, _windows
from trendkit.months import add_months, months_between, parse_month
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.tet import tet_window_share
from trendkit.threads import limit_threads

__all__ = ["DisplacementScan", "displacement_scan"]


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


@limit_threads
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
