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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

import numpy as np
import polars as pl

from trendkit._deprecated import renamed_argument
from trendkit.models.fitting import (
    drift_variance,
    for_series,
    known_sum,
    nb_moments,
    panel_serial,
    period_starts,
    reported_total,
)
from trendkit.models.measure import CASES, Measure, measure_of, measure_panel
from trendkit.models.selection import before_after, resolve_units
from trendkit.models.serial import NONE as NO_SERIAL
from trendkit.models.serial import SerialCorrelation, corr_matrix, sum_variance
from trendkit.models.shape import common_shape, recent_readings, shape_design
from trendkit.models.shock import CommonShock, common_shock
from trendkit.months import add_months, parse_month
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num, fmt_p
from trendkit.threads import limit_threads

__all__ = ["DisplacementScan", "displacement_scan"]


# --- displacement scan --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class DisplacementScan(Result):
    """Every other unit's excess over its own counterfactual after the targets' drop, ranked."""

    targets: list[str]
    start: dt.date
    before: int
    after: int
    alpha: float
    target_change: float
    results: pl.DataFrame
    sparse: list[str]
    #: the common-shock check of the window (None when the scan was told to ignore shocks)
    shock: CommonShock | None = None
    #: what the panel counts or sums: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    def to_frame(self) -> pl.DataFrame:
        """One row per unit, ranked by z: unit, province, channel, observed, expected, excess,
        excess_pct, z, p_value, q_value (BH), significant, direction."""
        return self.results

    def rising(self) -> pl.DataFrame:
        """The units that rose significantly (Benjamini–Hochberg), highest z first."""
        return self.results.filter(pl.col("significant") & (pl.col("direction") == "rise"))

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        sig = self.results.filter(pl.col("significant"))
        rises = sig.filter(pl.col("direction") == "rise")
        falls = sig.filter(pl.col("direction") == "fall")
        lines = [
            f"Targets {', '.join(self.targets)}: {self.measure.amount(self.target_change)} against their own "
            f"counterfactual over {self.after} months from {self.start:%m/%Y}.",
        ]
        if rises.height:
            lines.append(
                "Rose more than expected (candidate receivers, to check against a control / nơi có thể nhận): "
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
        if self.shock is not None and self.shock.detected:
            vi, en = self.shock.warning(compared=True) or ("", "")
            lines += [vi, en, "Each unit is therefore measured against the rest of the country in the same months, "
                      "so the common shock is not read as displacement or diffusion."]  # fmt: skip
        lines.append(
            f"Each unit: its own level × the common trend and pre-Tết shape of all other units, fitted on "
            f"{self.before} months before and projected forward (negative-binomial noise, each unit its own "
            "dispersion; the projected trend's own uncertainty included); p-values two-sided (Student's t), "
            f"Benjamini–Hochberg at {fmt_num(self.alpha, 2)} across {self.results.height} units. "
            "An excess is evidence of a shift, not proof of its cause."
        )
        if self.sparse:
            lines.append(
                f"{len(self.sparse)} units with under {self.measure.amount(1, 0)} a month before were not tested."
            )
        return Summary("Displacement scan / quét dịch chuyển", lines, self.results.head(10))


@dataclass(frozen=True)
class Projection:
    """One unit's projected post-window total under the common shape, with its noise model."""

    mu: float  # projected total
    noise_level: float  # variance from the level θ̂ carried forward
    shape_var: float  # variance of log S_post − log S_pre (common to all units), plus the unit's drift
    inv_k: float  # the unit's dispersion 1/k (Var y = μ + μ²/k)
    mu_post: np.ndarray  # projected monthly means
    df: float  # degrees of freedom of the dispersion estimate (Satterthwaite)
    serial: SerialCorrelation = NO_SERIAL  # the unit's months' correlation
    post_months: np.ndarray | None = None  # positions of the projected months (gaps left out)

    @cached_property
    def _corr(self) -> np.ndarray:
        """The post months' correlation matrix (the power search asks for the variance thousands of times)."""
        at = np.arange(len(self.mu_post)) if self.post_months is None else self.post_months
        return corr_matrix(np.asarray(at), self.serial)

    def var(self, scale: float = 1.0) -> float:
        """Variance of observed − projected when the post months run at ``scale`` × the projection
        (:func:`~trendkit.models.serial.sum_variance` of the months, the level's and the shape's)."""
        m = self.mu_post * scale
        months = sum_variance(m + self.inv_k * m**2, np.empty(0), self.serial, corr=self._corr)
        return months + self.noise_level + self.mu**2 * self.shape_var


def _counterfactual(
    y_pre: np.ndarray,
    shape_pre: np.ndarray,
    shape_post: np.ndarray,
    shape_var: float = 0.0,
    pooled: Pooled | None = None,
    months: tuple[np.ndarray, np.ndarray] | None = None,
) -> Projection:
    """Project one unit's post-window total from its pre-window level and the common shape.

    The unit's level θ is fitted on its pre-window counts with the common shape as offset
    (μₜ = θ·shapeₜ, θ̂ = Σy / Σshape). Noise is negative-binomial in its moments,
    Var yₜ = μₜ + μₜ²/k, with 1/k the unit's own moment estimate Σ[(y − μ)² − μ] / Σμ² on the
    pre window (≥ 0, corrected for the fitted level). The variance of the projection adds
    the post-window noise, the uncertainty of θ̂ carried forward, and the uncertainty of the
    shape's projection, μ²·``shape_var`` (common to all units). Because the extra-Poisson part
    grows with μₜ², busy months (Tết, a growing trend) weigh in properly, where a single
    quasi-Poisson factor would understate them. The dispersion is estimated from n months of
    heavy-tailed counts; its degrees of freedom, 2(n − 1) / (2 + κ) with κ the negative
    binomial's excess kurtosis 6/k + 1/Var, make the tests and intervals use Student's t.

    With ``pooled`` (the non-target units' serial correlation and drift, :class:`Pooled`), months
    correlate within the pre and the post windows (sums vary more than independent months'), the
    unit may drift from the common shape (τ²·D², D the years between the windows' centres), and
    the degrees of freedom shrink with the correlation. ``months`` gives the positions of the pre
    and post months when some were left out (not reported), so correlation follows real distances.
    """
    s_pre, s_post = shape_pre.sum(), shape_post.sum()
    theta = y_pre.sum() / s_pre
    mu_pre, mu_post = theta * shape_pre, theta * shape_post
    inv_k, df = nb_moments(y_pre, mu_pre, len(y_pre) - 1)
    serial, drift = NO_SERIAL, 0.0
    if pooled is not None:
        serial = for_series(pooled.serial, y_pre, mu_pre, NO_SERIAL)
        drift = pooled.drift * ((len(y_pre) + len(shape_post)) / 2 / 12) ** 2
        df = serial.effective_df(df)
    at_pre, at_post = months or (np.arange(len(y_pre)), np.arange(len(y_pre), len(y_pre) + len(shape_post)))
    pre_var = sum_variance(mu_pre + inv_k * mu_pre**2, at_pre, serial)
    noise_level = pre_var * (s_post / s_pre) ** 2
    return Projection(float(mu_post.sum()), noise_level, shape_var + drift, inv_k, mu_post, df, serial, at_post)


@dataclass(frozen=True)
class Pooled:
    """What the non-target units say about every unit's noise: serial correlation (with the share
    of extra-Poisson variance it is) and the variance of their drift from the common shape."""

    serial: tuple[SerialCorrelation, float]
    drift: float

    @classmethod
    def of(cls, wide: pl.DataFrame, keys: list[str], pre: np.ndarray) -> Pooled:
        """From the non-target rows of the window (complete units only)."""
        matrix = wide.pivot(on=keys, index="period", values="cases").sort("period")
        y = matrix.drop("period").to_numpy().astype(float)[pre]
        y = y[:, ~np.isnan(y).any(axis=0)]
        months = np.arange(y.shape[0])
        return cls(panel_serial(y, months), drift_variance(y, months))


def _shock_shape(
    y: np.ndarray, shape: np.ndarray, used: np.ndarray, post: np.ndarray, scale: float
) -> tuple[np.ndarray, float]:
    """The shape when the whole country moved together after the start: its post months follow the
    non-target units' observed total (rescaled to the level of the ``used`` months before the start)
    instead of the projection, so each unit is measured against the rest of the country in the same
    months. The variance of log S_post − log S_used is then the totals' own noise,
    scale·(1/ΣT_used + 1/ΣT_post)."""
    out = shape.copy()
    out[post] = y[post] * shape[used].sum() / y[used].sum()
    return out, scale * (1 / y[used].sum() + 1 / max(y[post].sum(), 1.0))


@dataclass(frozen=True)
class _Prepared:
    """The scan's window: non-target units, the common shape and its uncertainty."""

    targets: list[str]
    before: int
    keys: list[str]
    wide: pl.DataFrame  # non-target rows in the window, sorted by unit and period
    is_post: np.ndarray
    shape: np.ndarray
    shape_var: float
    y_target: np.ndarray
    shock: CommonShock | None = None
    pooled: Pooled | None = None
    #: the months before the start that set the shape and each unit's level (None: all of them)
    used: np.ndarray | None = None
    #: the same window with the months just before the start read the other way (a shift left out, or
    #: kept), when both readings are plausible (:func:`~trendkit.models.shape.recent_readings`)
    other: _Prepared | None = None

    def units(self) -> Iterator[tuple[tuple[str, ...], np.ndarray]]:
        """Each non-target unit's key and monthly counts over the window."""
        for key, group in self.wide.group_by(self.keys, maintain_order=True):
            yield tuple(str(k) for k in key), group.sort("period")["cases"].to_numpy().astype(float)

    def project(self, y: np.ndarray, *, with_shape: bool = False) -> Projection:
        """The unit's projected post-window total from its level in the ``used`` months."""
        ok = ~np.isnan(y)  # a month the unit did not report is left out of both windows
        pre = (~self.is_post if self.used is None else self.used) & ok
        post = self.is_post & ok
        months = (np.flatnonzero(pre), np.flatnonzero(post)) if (pre | post).sum() < len(y) else None
        shape_var = self.shape_var if with_shape else 0.0
        pooled = self.pooled if with_shape else None
        return _counterfactual(y[pre], self.shape[pre], self.shape[post], shape_var, pooled, months)

    def observed(self, y: np.ndarray) -> float:
        """The unit's total over the post months it reported."""
        return float(np.nansum(y[self.is_post]))


def prepare(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: dt.date,
    before: int | None,
    after: int,
    by: str,
    shock: str = "ignore",
) -> _Prepared:
    periods = sorted(panel["period"].unique().to_list())
    keys = _unit_columns(panel)  # before any region column is looked up for the targets
    if before is None:
        before = sum(p < start for p in periods)
    if before < 12:
        raise ValueError(f"the scan needs at least 12 months before {start:%Y-%m}; got {before}")
    before_after(panel, start, before, after)
    if by in ("region", "macro_region") and by not in panel.columns and "province" in panel.columns:
        from trendkit.geo.regions import with_regions

        panel = with_regions(panel)  # target a region: every unit in it is a target
    targets = resolve_units(panel, by, targets, "targets")
    frame = panel.with_columns(pl.col(keys).cast(pl.String)).filter(
        pl.col("period").is_between(add_months(start, -before), add_months(start, after), closed="left")
    )
    window = sorted(frame["period"].unique().to_list())
    x = shape_design(window, seasons=before >= 24, starts=period_starts(frame, window))
    is_post = np.array([p >= start for p in window])

    def total(rows: pl.DataFrame) -> np.ndarray:  # NaN in a month some unit did not report
        return rows.group_by("period").agg(known_sum()).sort("period")["cases"].to_numpy()

    wide = frame.filter(~pl.col(by).is_in(targets)).sort(*keys, "period")
    y_rest = reported_total(wide, keys)["cases"].to_numpy().astype(float)  # the units that reported every month
    shift, other = recent_readings(y_rest, x, ~is_post)
    common = common_shape(y_rest, x, ~is_post, shift)
    shape, shape_var = common.values, common.var
    found = None
    if shock == "auto":  # on provinces, or on the units of by (channels, commodities …)
        found = _shock(frame, targets, by, start, after)
        if found.detected:
            shape, shape_var = _shock_shape(y_rest, shape, common.used, is_post, common.scale)
    y_target = total(frame.filter(pl.col(by).is_in(targets)))
    pooled = Pooled.of(wide, keys, ~is_post)
    prep = _Prepared(list(targets), before, keys, wide, is_post, shape, shape_var, y_target, found, pooled, common.used)
    if other is None or (found is not None and found.detected):  # after a shock the rest of the country's
        return prep  # observed months are the shape: no projection to doubt
    # the months just before the start might be a shift too noisy to be sure of: a unit rises or falls
    # only as far as both readings allow (a dip ending a month before: 14% family-wise error, 3% with both)
    alt = common_shape(y_rest, x, ~is_post, other)
    return replace(prep, other=replace(prep, shape=alt.values, shape_var=alt.var, used=alt.used))


def _unit_columns(panel: pl.DataFrame) -> list[str]:
    """The panel's grouping columns (text), which together name a unit: province, channel, place kind,
    commodity … — a region column is left out when the province already says it."""
    text = [c for c, t in panel.schema.items()
            if c != "period" and (t == pl.String or isinstance(t, pl.Enum | pl.Categorical))]  # fmt: skip
    if "province" in text:
        text = [c for c in text if c not in ("region", "macro_region", "legacy_group", "label")]
    if not text:
        raise ValueError("the panel has no grouping column (province, channel, place_kind …) to scan")
    return text


def _shock(frame: pl.DataFrame, targets: Sequence[str], by: str, start: dt.date, after: int) -> CommonShock:
    """:func:`common_shock` on the provinces, the targets' provinces left out — or, when the targets
    are not provinces (a channel, a kind of place), on the units of ``by``, the targets left
    out: with road as the target every province carries some road, and none would be left."""
    known = known_sum()  # a silence is no zero
    if by != "province":
        units = frame.group_by("period", by).agg(known)
        return common_shock(units, start, after=after, targets=targets, by=by)
    provinces = frame.filter(pl.col(by).is_in(targets))["province"].unique().to_list()
    by_province = frame.group_by("period", "province").agg(known)
    return common_shock(by_province, start, after=after, targets=provinces)


def signed_root(obs: float, mu: float, var: float) -> float:
    """z of an observed total against its projection: the signed root of the deviance of a
    negative binomial with that mean and variance (size K = μ² / (var − μ); Poisson when
    var ≤ μ). Unlike (obs − μ)/√var it keeps the right skew of overdispersed counts, so a
    chance rise in one unit is not read as a 3σ event.

    >>> round(signed_root(130.0, 100.0, 100.0), 2), round(signed_root(130.0, 100.0, 400.0), 2)
    (2.87, 1.39)
    """
    size = mu**2 / (var - mu) if var > mu else np.inf
    dev = 2 * (obs * np.log(obs / mu) if obs > 0 else 0.0)
    if np.isfinite(size):
        dev -= 2 * (obs + size) * np.log((obs + size) / (mu + size))
    else:
        dev -= 2 * (obs - mu)
    return float(np.sign(obs - mu) * np.sqrt(max(dev, 0.0)))


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values)."""
    from statsmodels.stats.multitest import multipletests

    return multipletests(p, method="fdr_bh")[1] if len(p) else p


def _unit_rows(prep: _Prepared, alpha: float, min_rate: float) -> tuple[list[tuple], list[str], dict]:
    """Each unit's observed and projected post-window total, its excess with the ``alpha`` interval,
    z and p; the units too sparse to test; and the rows' schema."""
    from scipy import stats

    is_post = prep.is_post
    rows, sparse = [], []
    keys = prep.keys
    for key, y in prep.units():
        unit = " · ".join(key)
        if np.nanmean(y[~is_post]) < min_rate or np.isnan(y[is_post]).all():
            sparse.append(unit)
            continue
        obs = prep.observed(y)
        # a unit rises or falls only as far as both readings of the months before the start allow
        readings = [prep.project(y, with_shape=True)] + ([prep.other.project(y, with_shape=True)] if prep.other else [])
        z, proj = min(((signed_root(obs, r.mu, r.var()), r) for r in readings), key=lambda t: abs(t[0]))
        half = stats.t.ppf(1 - alpha / 2, proj.df) * np.sqrt(proj.var(obs / proj.mu if proj.mu > 0 else 1.0))
        p = 2 * stats.t.sf(abs(z), proj.df)
        excess = obs - proj.mu
        rows.append((unit, *key, obs, proj.mu, excess, excess - half, excess + half,
                     excess / proj.mu, z, p))  # fmt: skip
    schema = {"unit": pl.String, **dict.fromkeys(keys, pl.String), "observed": pl.Float64, "expected": pl.Float64,
              "excess": pl.Float64, "excess_low": pl.Float64, "excess_high": pl.Float64, "excess_pct": pl.Float64,
              "z": pl.Float64, "p_value": pl.Float64}  # fmt: skip
    return rows, sparse, schema


def by_or_target_by(owner: str, by: str, target_by: str | None) -> str:
    """The targets' column: ``by``, or the old ``target_by=`` with a deprecation warning."""
    if target_by is None:
        return by
    renamed_argument(owner, "target_by", f"by={target_by!r}", stacklevel=5)  # past the limit_threads wrapper
    return target_by


@limit_threads
def displacement_scan(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    before: int | None = None,
    after: int = 12,
    by: str = "province",
    alpha: float = 0.05,
    min_rate: float = 1.0,
    shock: Literal["auto", "ignore"] = "auto",
    target_by: str | None = None,
) -> DisplacementScan:
    """Rank every other province × channel by its excess over its own counterfactual.

    A unit is a combination of the panel's grouping columns — province × channel by default, or
    any other: ``panel(cases, by=("place_kind",))`` scans kinds of place, ``by=("commodity",)``
    commodity groups, ``by=("region", "channel")`` regions crossed with channels. ``by`` names
    the column the targets are values of (a region targets every unit in it), as in
    :func:`~trendkit.models.displacement_study`; ``target_by=`` is its old name and warns.

    Counterfactual: the common shape of all non-target units (a quasi-Poisson GLM of their total
    with a trend, the pre-Tết window share and, with 24 months or more, month-of-year effects,
    fitted on the ``before`` months before ``start``, default all of them) times each unit's own
    level, fitted on its pre-window counts. A per-unit trend is not used: extrapolating a trend
    fitted to a few noisy months is what makes naive scans flag noise. The excess is observed −
    projected over the ``after`` months from ``start``; its variance is the unit's own
    negative-binomial noise, the level's uncertainty and the common shape's (see
    ``_counterfactual``). z is the signed root of the deviance (``signed_root``), p-values
    two-sided from Student's t, Benjamini–Hochberg across units at ``alpha``;
    ``excess_low``/``excess_high`` is the excess's (1 − ``alpha``) interval. On
    negative-binomial nulls (size 3 and 12) with a Tết season and a national trend the
    family-wise error stays near ``alpha`` and the intervals cover planted excesses
    (``tests/test_calibration.py``). Units below ``min_rate`` cases a month before are too
    sparse to test.

    ``shock="auto"`` first runs :func:`~trendkit.models.shock.common_shock` on the provinces (targets
    left out); when the whole country moved together, the projection's post months follow the
    non-target units' observed total, so every unit is measured against the rest of the country in
    the same months and a national shock is not read as diffusion (``.shock`` says so). When the
    last months before the start sit off the rest but not clearly enough to be sure (a national dip
    just before a campaign), the shape is read both ways, the months left out and kept, and each unit
    is tested on the reading that gives it the smaller z (its interval from the same reading).
    """
    measure, panel = measure_of(panel), measure_panel(panel)  # a quantity or value panel: its sum is the measure
    start_d = parse_month(start)
    if shock not in ("auto", "ignore"):
        raise ValueError(f"shock must be 'auto' or 'ignore', not {shock!r}")
    by = by_or_target_by("displacement_scan", by, target_by)
    prep = prepare(panel, targets, start_d, before, after, by, shock)
    target_change = prep.observed(prep.y_target) - prep.project(prep.y_target).mu
    rows, sparse, schema = _unit_rows(prep, alpha, min_rate)
    res = pl.DataFrame(rows, schema=schema, orient="row")
    q = _bh(res["p_value"].to_numpy())
    res = res.with_columns(
        pl.Series("q_value", q),
        pl.Series("significant", q < alpha),
        pl.when(pl.col("z") > 0).then(pl.lit("rise")).otherwise(pl.lit("fall")).alias("direction"),
    ).sort("z", descending=True)
    return DisplacementScan(
        list(prep.targets), start_d, prep.before, after, alpha, target_change, res, sparse, prep.shock, measure
    )
