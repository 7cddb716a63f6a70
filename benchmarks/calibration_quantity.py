"""Calibration on quantity panels: are intervals honest when the measure is kilograms, not cases?

A seizure's quantity is heavy-tailed (one truck of 20 tonnes beside a hundred 50 kg loads), so a
month's sum is far noisier than its count. This draws SYNTHETIC monthly sums from a generator that is
not trendkit's own model: case counts negative binomial (size 3) around a Tết season and a national
trend, and each case's quantity log-normal (median per province, log-sd ``--sigma``), summed; then asks
each model what it says.

- ``null``: nothing changes; the share of runs whose 95% interval excludes 0 (false positives);
- ``planted``: the targets' cases fall 40% from the start; the share of runs whose interval covers the
  true change of the expected sum (−40%), and the share that finds a fall (power);
- ``scan``: the share of null runs in which any other province is called a significant rise.

    python benchmarks/calibration_quantity.py --reps 200
    python benchmarks/calibration_quantity.py --reps 200 --sigma 1.5 --only campaign comparative
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import numpy as np
import polars as pl

NAMES = ["Lạng Sơn", "Cao Bằng", "Huế", "Hà Nội", "Cần Thơ", "Khánh Hòa", "An Giang", "Đà Nẵng", "Nghệ An", "Thanh Hóa"]
MEANS = [40, 15, 25, 25, 25, 25, 25, 25, 25, 25]
MEDIAN_KG = [50, 20, 80, 30, 60, 40, 50, 70, 30, 45]
MONTHS = [dt.date(2022 + i // 12, i % 12 + 1, 1) for i in range(36)]
START = dt.date(2024, 1, 1)
TARGET = "Lạng Sơn"


def draw(
    rng: np.random.Generator, *, sigma: float, change: float = 0.0, size: float = 3.0, measure: str = "kg"
) -> pl.DataFrame:
    """One SYNTHETIC quantity panel: ``period``, ``province``, ``quantity_std`` (kg); with
    ``measure="cases"`` the same draw's case counts instead (``cases``)."""
    season = np.array([1.6 if m.month in (1, 2) else (1.2 if m.month == 12 else 1.0) for m in MONTHS])
    trend = 1.04 ** (np.arange(len(MONTHS)) / 12)
    post = np.array([m >= START for m in MONTHS])
    rows = []
    for name, mu, median in zip(NAMES, MEANS, MEDIAN_KG, strict=True):
        lam = mu * season * trend * np.where(post & (name == TARGET), 1 + change, 1.0)
        n = rng.negative_binomial(size, size / (size + lam))
        kg = [float(np.sum(median * np.exp(sigma * rng.normal(size=k)))) for k in n]
        rows += list(zip(MONTHS, [name] * len(MONTHS), kg, n.astype(float).tolist(), strict=True))
    schema = {"period": pl.Date, "province": pl.String, "quantity_std": pl.Float64, "n": pl.Float64}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.drop("n") if measure == "kg" else frame.drop("quantity_std").rename({"n": "cases"})


def _campaign(p: pl.DataFrame) -> tuple[float, float]:
    from trendkit import models as tk

    e = tk.campaign_effect(tk.series(p, province=TARGET), START, n_sim=1000).change_pct
    return e.low, e.high


def _comparative(p: pl.DataFrame) -> tuple[float, float]:
    from trendkit import models as tk

    e = tk.comparative_effect(p, [TARGET], START, comparison=NAMES[2:]).change_pct
    return e.low, e.high


def _wdd(p: pl.DataFrame) -> tuple[float, float]:
    from trendkit import models as tk

    m = tk.displacement_measures(p, [TARGET], START, buffer=["Cao Bằng"], control=NAMES[2:], before=24, after=12)
    return m.wdd.local.ci_low, m.wdd.local.ci_high


def _scan(p: pl.DataFrame) -> tuple[float, float]:
    """Not an interval: (1, 2) when any unit is called a significant rise (a family-wise false
    positive on null panels), (-1, 1) when none is."""
    from trendkit import models as tk

    s = tk.displacement_scan(p, [TARGET], START, shock="ignore")
    return (1.0, 2.0) if s.rising().height else (-1.0, 1.0)


def _breaks(p: pl.DataFrame) -> tuple[float, float]:
    """Not an interval: (-2, -1) when a fall is placed within 2 months of the start (found), (1, 2)
    for any other change point (a false one on null panels), (-1, 1) when there is none."""
    from trendkit import models as tk

    cp = tk.change_points(tk.series(p, province=TARGET)).segments.filter(pl.col("change_pct").is_not_null())
    near = cp.filter((pl.col("start") - START).dt.total_days().abs() <= 62)
    if near.height and near["change_pct"][0] < 0:
        return (-2.0, -1.0)
    return (1.0, 2.0) if cp.height else (-1.0, 1.0)


CHECKS = {"campaign": _campaign, "comparative": _comparative, "wdd": _wdd, "scan": _scan, "breaks": _breaks}


def forecast_outside(reps: int, sigma: float, level: float = 0.95, holdout: int = 6) -> float:
    """The share of held-out months outside their ``level`` forecast interval on null panels (nominal
    1 − ``level``): the target's series, the last ``holdout`` months held out."""
    from trendkit import models as tk

    rng = np.random.default_rng(9)
    outside = 0
    for _ in range(reps):
        s = tk.series(draw(rng, sigma=sigma), province=TARGET)
        outside += int(tk.forecast(s, holdout=holdout, horizon=0, level=level).to_frame()["anomaly"].sum())
    return outside / (reps * holdout)


def run(reps: int, sigma: float, only: list[str], measure: str = "kg") -> dict[str, dict[str, float]]:
    """False-positive rate (null) and coverage of −40% (planted) for each check."""
    out = {}
    for name in only:
        fn = CHECKS[name]
        rng = np.random.default_rng(7)
        fp = sum(not (lo <= 0 <= hi) for lo, hi in (fn(draw(rng, sigma=sigma, measure=measure)) for _ in range(reps)))
        rng = np.random.default_rng(8)
        hits = [fn(draw(rng, sigma=sigma, change=-0.4, measure=measure)) for _ in range(reps)]
        truth = -0.4 if name in ("campaign", "comparative") else None
        cover = sum(lo <= truth <= hi for lo, hi in hits) / reps if truth is not None else float("nan")
        found = sum(hi < 0 for lo, hi in hits) / reps
        out[name] = {"false_positive": fp / reps, "coverage_of_-40%": cover, "power_-40%": found}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--sigma", type=float, default=1.2, help="log-sd of one case's quantity")
    ap.add_argument("--only", nargs="*", default=list(CHECKS), choices=list(CHECKS))
    ap.add_argument("--measure", choices=["kg", "cases"], default="kg", help="cases: the same draws' counts")
    ap.add_argument("--forecast", action="store_true", help="also the forecast's held-out months outside 95%%")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    res = run(args.reps, args.sigma, args.only, args.measure)
    print(f"SYNTHETIC panels of {args.measure}, {args.reps} replicates each, log-sd {args.sigma}, NB size 3, "
          "nominal 5% / 95%")  # fmt: skip
    print(f"{'check':<12} {'false positives':>16} {'coverage of -40%':>17} {'power at -40%':>14}")
    for name, r in res.items():
        print(f"{name:<12} {r['false_positive']:>16.1%} {r['coverage_of_-40%']:>17.1%} {r['power_-40%']:>14.1%}")
    if args.forecast:
        print(f"forecast: held-out months outside the 95% interval {forecast_outside(args.reps, args.sigma):.1%} "
              "(nominal 5%)")  # fmt: skip
    print(f"({time.perf_counter() - t:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
