"""Calibration on the Director General's four patterns and a national shock (SYNTHETIC).

Prints, over N seeds each, how often each comparison tool finds what was planted — and how
often it finds something when nothing was. The scenarios are :mod:`trendkit.synthetic.patterns`;
``tests/test_scenarios.py`` asserts the same rates on 20 seeds.

    python benchmarks/bench_scenarios.py [N]      # default 100 seeds (about 4 minutes)
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

from trendkit.models import (
    campaign_effect,
    channel_shift,
    common_shock,
    comparative_effect,
    displacement_measures,
    displacement_scan,
    series,
    synthetic_control,
)
from trendkit.synthetic import draw_panel, patterns

T, START = list(patterns.TARGETS), patterns.START
_provinces, _truth = patterns.by_province, patterns.planted_effect


def shock(seed: int) -> dict[str, float]:
    p = draw_panel(patterns.national_shock(), seed)
    pp = _provinces(p)
    e = comparative_effect(pp, T, START)
    return {
        "DiD interval covers 0": e.change_pct.low <= 0 <= e.change_pct.high,
        "shock flagged": e.shock.detected,
        "scan: share of units flagged": displacement_scan(p, T, START).to_frame()["significant"].mean(),
        "scan without the shock check: share flagged": displacement_scan(p, T, START, shock="ignore")
        .to_frame()["significant"]
        .mean(),
        "single series: mean estimate": campaign_effect(series(pp, province=T), START, n_sim=300).change_pct.estimate,
        "synthetic control: mean estimate": synthetic_control(pp, T, START).change_pct,
    }


def null(seed: int) -> dict[str, float]:
    return {"shock flagged with nothing planted": common_shock(draw_panel(patterns.base(), seed), START,
                                                               targets=T).detected}  # fmt: skip


def lao_cai(seed: int) -> dict[str, float]:
    p = draw_panel(patterns.lao_cai(), seed)
    m = displacement_measures(p, T, START, level=0.95)
    truth = _truth(p, m.target + m.buffer)
    return {
        "Lào Cai in the buffer (scan receiver)": "Lào Cai" in m.buffer,
        "WDQ says displacement": "displacement into the buffer" in m.claim,
        "WDD displacement 95% CI > 0": m.wdd.displacement.ci_low > 0,
        "WDD total covers the true net effect": m.wdd.total.ci_low <= truth <= m.wdd.total.ci_high,
    }


def north_south(seed: int) -> dict[str, float]:
    shares = channel_shift(draw_panel(patterns.north_south(), seed), START, by="macro_region").to_frame()
    return {"Centre's share rises (95% CI > 0)": shares.filter(pl.col("macro_region") == "Trung")["ci_low"][0] > 0}


def diffusion(seed: int) -> dict[str, float]:
    return {"named diffusion": "diffusion of benefits" in displacement_measures(draw_panel(patterns.diffusion(), seed),
                                                                               T, START, level=0.95).claim}  # fmt: skip


def four(seed: int) -> dict[str, float]:
    m = displacement_measures(draw_panel(patterns.four_channels(), seed), ["road"], START, by="channel", within=T,
                              level=0.95)  # fmt: skip
    return {"road down, sea/air/post up (95%)": m.wdd.local.ci_high < 0 and m.wdd.displacement.ci_low > 0}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for name, run in (("national shock, no campaign", shock), ("no event", null), ("QN + LS → Lào Cai", lao_cai),
                      ("North + South → Centre", north_south), ("diffusion to neighbours", diffusion),
                      ("road → sea/air/post, four channels", four)):  # fmt: skip
        t = time.perf_counter()
        rows = [run(seed) for seed in range(n)]
        print(f"{name} ({n} seeds, {time.perf_counter() - t:.0f} s)")
        for key in rows[0]:
            print(f"    {key}: {np.mean([r[key] for r in rows]):.3f}")


if __name__ == "__main__":
    main()
