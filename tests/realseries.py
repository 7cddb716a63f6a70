"""Monthly counts shaped like real extracts, drawn by a generator that is *not* trendkit's model.

trendkit models a month as a GLM with a log-linear trend, month-of-year dummies and the share of
the month inside a 42-day pre-Tết window, with independent overdispersed noise. This generator
differs on purpose, so calibration tests do not merely confirm the model's own assumptions:

- season: a smooth yearly cosine (peak in December) times a Gaussian bump centred 12 days
  before Tết, averaged over each month's days (a different shape from the pre-Tết window share);
- trend: a national 3% a year times each unit's own drift (sd 4% a year);
- a latent AR(1) deviation on the log scale (marginal sd ``ar_sd``, lag-one correlation ``rho``),
  so a month's deviation carries into the next;
- negative-binomial noise of size ``size`` around that mean;
- optional reporting gaps (null, not zero), a late tail (the last months only partly entered,
  by binomial thinning), a national dip, and planted effects with their own start months.

``draw(...)`` returns a tidy panel ``period``, ``province``, ``cases`` (Float64; null where the unit
did not report) and ``reported``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from trendkit.tet import tet_date

FIRST = dt.date(2020, 1, 1)


def months(n: int, first: dt.date = FIRST) -> list[dt.date]:
    """``n`` month starts from ``first``."""
    return [dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(n)]


def month_index(periods: Sequence[dt.date], month: str) -> int:
    """Position of ``YYYY-MM`` in ``periods``."""
    y, m = map(int, month.split("-"))
    return periods.index(dt.date(y, m, 1))


def season(periods: Sequence[dt.date]) -> np.ndarray:
    """The generator's own seasonal factor for each month (mean about 1)."""
    out = []
    for p in periods:
        days = [p + dt.timedelta(d) for d in range(28)]
        bump = np.mean([0.45 * np.exp(-(((d - (tet_date(d.year) - dt.timedelta(12))).days / 16) ** 2)) for d in days])
        bump += np.mean(
            [0.45 * np.exp(-(((d - (tet_date(d.year + 1) - dt.timedelta(12))).days / 16) ** 2)) for d in days]
        )
        out.append((1 + 0.12 * np.cos(2 * np.pi * (p.month - 12) / 12)) * (1 + bump))
    return np.array(out)


@dataclass
class Scenario:
    """What to draw. Units are named P00, P01 … unless ``names`` is given."""

    means: Sequence[float]
    n_months: int = 48
    size: float = 3.0
    rho: float = 0.0
    ar_sd: float = 0.2
    drift_sd: float = 0.04
    national: float = 0.03
    names: Sequence[str] | None = None
    #: unit → (start month YYYY-MM, proportional change from then on)
    effects: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    #: unit → months (YYYY-MM) it did not report
    gaps: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: share of cases already entered in the last months, oldest first, e.g. (0.9, 0.75, 0.5)
    late: Sequence[float] = ()
    #: (first month, last month, proportional change) applied to every unit
    dip: tuple[str, str, float] | None = None

    def unit_names(self) -> list[str]:
        """The units' names."""
        return list(self.names) if self.names else [f"P{i:02d}" for i in range(len(self.means))]


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    e = np.empty(n)
    e[0] = rng.normal(0, sd)
    innov = sd * np.sqrt(1 - rho**2)
    for t in range(1, n):
        e[t] = rho * e[t - 1] + rng.normal(0, innov)
    return e


def expected(sc: Scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each unit's mean before the noise (season, trends, AR deviation, dip, effects)."""
    periods = months(sc.n_months)
    t = np.arange(sc.n_months) / 12
    base = season(periods) * (1 + sc.national) ** t
    if sc.dip:
        a, b = month_index(periods, sc.dip[0]), month_index(periods, sc.dip[1])
        base = base * np.where((np.arange(sc.n_months) >= a) & (np.arange(sc.n_months) <= b), 1 + sc.dip[2], 1.0)
    out = {}
    for name, mu in zip(sc.unit_names(), sc.means, strict=True):
        lam = mu * base * np.exp(rng.normal(0, sc.drift_sd) * t)
        if sc.rho or sc.ar_sd:
            lam = lam * np.exp(_ar1(rng, sc.n_months, sc.rho, sc.ar_sd) - sc.ar_sd**2 / 2)
        if name in sc.effects:
            start, change = sc.effects[name]
            lam = lam * np.where(np.arange(sc.n_months) >= month_index(periods, start), 1 + change, 1.0)
        out[name] = lam
    return out


def draw(sc: Scenario, rng: np.random.Generator) -> pl.DataFrame:
    """One panel: ``period``, ``province``, ``cases`` (null where not reported), ``reported``."""
    periods = months(sc.n_months)
    rows = []
    for name, lam in expected(sc, rng).items():
        y = rng.negative_binomial(sc.size, sc.size / (sc.size + lam)).astype(float)
        for i, share in enumerate(sc.late):
            j = sc.n_months - len(sc.late) + i
            y[j] = rng.binomial(int(y[j]), share)
        missing = {month_index(periods, m) for m in sc.gaps.get(name, ())}
        rows += [
            (p, name, None if i in missing else float(v), i not in missing)
            for i, (p, v) in enumerate(zip(periods, y, strict=True))
        ]
    schema = {"period": pl.Date, "province": pl.String, "cases": pl.Float64, "reported": pl.Boolean}
    return pl.DataFrame(rows, schema=schema, orient="row")


def one(panel: pl.DataFrame, unit: str = "P00") -> pl.DataFrame:
    """One unit's series (``period``, ``cases``, ``label``)."""
    return panel.filter(pl.col("province") == unit).select("period", "cases", pl.col("province").alias("label"))
