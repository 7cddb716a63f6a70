"""False-positive rates and coverage on series shaped like real extracts (tests/realseries.py).

    python benchmarks/calibration_real.py [--reps 200] [--only campaign,comparative,...]

Prints one line per model × family: the rate, the replicate count and the seconds it took. The data
come from a generator that is not trendkit's own model (see tests/realseries.py).
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.realseries import Scenario, draw
from trendkit.models import (
    campaign_effect,
    change_points,
    common_shock,
    comparative_effect,
    displacement_measures,
    displacement_scan,
    late_tail,
    staggered_effect,
)
from trendkit.models.trend import series

MEANS = np.random.default_rng(7).uniform(5, 60, 20)
FAMILIES = {
    "iid NB size 3": {"size": 3.0, "ar_sd": 0.0},
    "AR(1) rho 0.5": {"rho": 0.5},
    "AR(1) rho 0.7": {"rho": 0.7},
    "AR(1) rho 0.7, busy units (x4)": {"rho": 0.7, "means": list(4 * MEANS)},
    "NB size 1": {"size": 1.0, "ar_sd": 0.0},
    "province trends sd 10%": {"drift_sd": 0.10, "ar_sd": 0.0},
    "sparse 0.5-6 a month": {"means": list(np.linspace(0.5, 6, 20)), "ar_sd": 0.0},
    "4-month gap in P00": {"gaps": {"P00": ["2023-02", "2023-03", "2023-04", "2023-05"]}, "ar_sd": 0.0},
    "late tail 90/75/50": {"late": (0.9, 0.75, 0.5), "ar_sd": 0.0},
    "national dip ending before start": {"dip": ("2022-06", "2022-11", -0.4), "ar_sd": 0.0},
}


def _scenario(family: dict, **extra) -> Scenario:
    kw = {"means": list(MEANS), **family, **extra}
    return Scenario(**kw)


def _excludes(ci_low: float, ci_high: float) -> bool:
    return not (ci_low <= 0 <= ci_high)


def campaign(p: pl.DataFrame) -> bool:
    e = campaign_effect(series(p, province="P00"), "2023-01", n_sim=1000)
    return _excludes(e.change_pct.low, e.change_pct.high)


def campaign_with_panel(p: pl.DataFrame) -> bool:
    e = campaign_effect(series(p, province="P00"), "2023-01", n_sim=1000, panel=p)
    return _excludes(e.change_pct.low, e.change_pct.high)


def comparative(p: pl.DataFrame) -> bool:
    e = comparative_effect(p, ["P00"], "2023-01", comparison=[f"P{i:02d}" for i in range(1, 20)])
    return _excludes(e.change_pct.low, e.change_pct.high)


def staggered(p: pl.DataFrame) -> bool:
    e = staggered_effect(p, {"P00": "2023-01", "P01": "2023-04"}, comparison=[f"P{i:02d}" for i in range(2, 20)])
    return _excludes(e.change_pct.low, e.change_pct.high)


def pretrend(p: pl.DataFrame) -> bool:
    return staggered_effect(
        p, {"P00": "2023-01", "P01": "2023-04"}, comparison=[f"P{i:02d}" for i in range(2, 20)]
    ).pretrend_failed()


def scan(p: pl.DataFrame) -> bool:
    return bool(displacement_scan(p, ["P00"], "2023-01", after=12).to_frame()["significant"].any())


def breaks(p: pl.DataFrame) -> bool:
    return bool(change_points(series(p, province="P00")).breaks)


def _measures(p: pl.DataFrame):
    return displacement_measures(p, ["P00"], "2023-01", buffer=["P01", "P02"], receivers=(), level=0.95)


def wdq_success(p: pl.DataFrame) -> bool:
    return _excludes(*_measures(p).intervals["sm"])


def wdq_buffer(p: pl.DataFrame) -> bool:
    return _excludes(*_measures(p).intervals["bdm"])


def shock(p: pl.DataFrame) -> bool:
    return common_shock(p, "2023-01", after=12, targets=["P00"], late=late_tail(p)).detected


CHECKS: dict[str, Callable[[pl.DataFrame], bool]] = {
    "campaign": campaign,
    "campaign_panel": campaign_with_panel,
    "comparative": comparative,
    "staggered": staggered,
    "pretrend": pretrend,
    "scan": scan,
    "change_points": breaks,
    "shock": shock,
    "wdq_success": wdq_success,
    "wdq_buffer": wdq_buffer,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--only", default=",".join(CHECKS))
    ap.add_argument("--families", default="")
    args = ap.parse_args()
    fams = [f for f in FAMILIES if not args.families or any(k in f for k in args.families.split(","))]
    for name in args.only.split(","):
        for fam in fams:
            rng = np.random.default_rng(zlib.crc32(f"{name}|{fam}".encode()))  # the same seeds in every run
            t0 = time.perf_counter()
            hits = sum(CHECKS[name](draw(_scenario(FAMILIES[fam]), rng)) for _ in range(args.reps))
            print(f"{name:14s} {fam:34s} false positives {hits / args.reps:6.1%}  ({args.reps} reps, "
                  f"{time.perf_counter() - t0:5.1f} s)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
