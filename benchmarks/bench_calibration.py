"""Calibration figures: false-positive rates and interval coverage on SYNTHETIC count data.

The same scenarios as ``tests/test_calibration.py`` (negative-binomial noise of size 3 and 12,
a Tết-like season, a +4%/year national trend), printed as rates instead of asserted:

    python benchmarks/bench_calibration.py [--reps 200]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_calibration import (  # the scenarios live with the tests
    SEASON4,
    START4,
    TREND4,
    YEARS4,
    _expected,
    _measures,
    _one,
    _panel,
    _panel4,
)
from trendkit.models import campaign_effect, change_points, displacement_scan


def _rate(hits: int, n: int) -> str:
    return f"{100 * hits / n:5.1f}% of {n}"


def main(reps: int) -> None:
    for size in (3, 12):
        rng = np.random.default_rng(1000 + size)
        wdd = {"local": 0, "displacement": 0, "total": 0}
        claims = 0
        for _ in range(reps):
            m = _measures(_panel(_expected(), rng, size))
            for k in wdd:
                e = getattr(m.wdd, k)
                wdd[k] += not (e.ci_low <= 0 <= e.ci_high)
            claims += any(w in _measures(_panel(_expected(-0.3), rng, size)).claim
                          for w in ("displacement into", "diffusion of benefits"))  # fmt: skip
        for k, v in wdd.items():
            print(f"size {size:>2}  WDD {k:<13} 95% CI excludes 0 on null data   {_rate(v, reps)}")
        print(f"size {size:>2}  WDQ claims displacement/diffusion on null data  {_rate(claims, reps)}")

        means = rng.uniform(5, 60, 20)
        r = int(np.argmax(means[1:])) + 1
        lift = 0.5 if size == 12 else 1.0
        truth = means[r] * (SEASON4 * TREND4)[START4:].sum() * lift
        fwer = cover = 0
        for _ in range(reps):
            null = displacement_scan(_panel4(rng, size, means, {0: -0.4}), ["P00"], "2023-01").results
            fwer += bool(null["significant"].any())
            res = displacement_scan(_panel4(rng, size, means, {0: -0.4, r: lift}), ["P00"], "2023-01").results
            row = res.filter(pl.col("province") == f"P{r:02d}").row(0, named=True)
            cover += row["excess_low"] <= truth <= row["excess_high"]
        print(f"size {size:>2}  scan family-wise error (BH 5%) on null data    {_rate(fwer, reps)}")
        print(f"size {size:>2}  scan 95% excess interval covers the planted     {_rate(cover, reps)}")

        false = cov = 0
        for _ in range(reps):
            e = campaign_effect(_one(_panel4(rng, size, [30])), "2023-01", n_sim=1000).change_pct
            false += not (e.low <= 0 <= e.high)
            e = campaign_effect(_one(_panel4(rng, size, [30], {0: -0.3})), "2023-01", n_sim=1000).change_pct
            cov += e.low <= -0.3 <= e.high
        print(f"size {size:>2}  campaign effect 95% CI excludes 0 on null data  {_rate(false, reps)}")
        print(f"size {size:>2}  campaign effect 95% CI covers a planted -30%    {_rate(cov, reps)}")

        false = found = covered = 0
        for _ in range(reps):
            false += bool(change_points(_one(_panel4(rng, size, [30]))).breaks)
            cp = change_points(_one(_panel4(rng, size, [40], {0: -0.5})))
            found += bool(cp.breaks)
            covered += any(lo <= YEARS4[START4] <= hi for lo, hi in cp.ranges)
        print(f"size {size:>2}  change points: a break in a trend-only series    {_rate(false, reps)}")
        print(f"size {size:>2}  change points: a planted -50% found              {_rate(found, reps)}; "
              f"its date range covers the month in {_rate(covered, max(found, 1))}")  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    main(ap.parse_args().reps)
