"""Benchmark: the displacement scan on full-size panels (every province x 6 channels x 96 months).

Prints wall seconds per step. The aim (issue 5) is under 10 s for the whole scan.

    python benchmarks/bench_models.py
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl

import trendkit as tk
from trendkit.models import (
    change_points,
    channel_shift,
    common_shock,
    comparative_effect,
    displacement_measures,
    displacement_scan,
    displacement_study,
    minimum_detectable,
    placebo_checks,
    series,
    synthetic_control,
)

CHANNELS = ["road", "sea", "air", "rail", "post", "inland"]


def synthetic_panel(layout: str, months: int = 96, seed: int = 1) -> pl.DataFrame:
    """SYNTHETIC Poisson panel: every province x channel, rates drawn at random."""
    rng = np.random.default_rng(seed)
    names = tk.provinces(layout)["name"].to_list()
    periods = [dt.date(2019 + m // 12, m % 12 + 1, 1) for m in range(months)]
    rate = rng.gamma(1.0, 8.0, size=(len(names), len(CHANNELS)))
    rows = {"period": [], "province": [], "channel": [], "cases": []}
    for i, name in enumerate(names):
        for j, ch in enumerate(CHANNELS):
            rows["period"] += periods
            rows["province"] += [name] * months
            rows["channel"] += [ch] * months
            rows["cases"] += rng.poisson(rate[i, j], months).tolist()
    return pl.DataFrame(rows, schema_overrides={"period": pl.Date})


def main() -> None:
    for layout in ("2025", "legacy"):
        panel = synthetic_panel(layout)
        t = time.perf_counter()
        scan = displacement_scan(panel, ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
        scan_s = time.perf_counter() - t
        t = time.perf_counter()
        minimum_detectable(panel, ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
        mde_s = time.perf_counter() - t
        t = time.perf_counter()
        channel_shift(panel, "2023-07")
        shift_s = time.perf_counter() - t
        t = time.perf_counter()
        for province in panel["province"].unique().to_list():
            change_points(series(panel, province=province))
        cp_s = time.perf_counter() - t
        provinces = panel.group_by("period", "province").agg(pl.col("cases").sum())
        comparison = {}
        for name, step in (
            ("common shock", lambda p=provinces: common_shock(p, "2023-07", targets=["Quảng Ninh", "Lạng Sơn"])),
            ("comparative effect (with its scan)",
             lambda p=provinces: comparative_effect(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07", end="2024-06")),
            ("synthetic control (with placebos)",
             lambda p=provinces: synthetic_control(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07", end="2024-06")),
            ("placebo checks",
             lambda p=provinces: placebo_checks(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07", end="2024-06")),
            ("WDQ/WDD with default groups",
             lambda p=panel: displacement_measures(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07")),
            ("displacement study (shock, scan, measures, power; aim ≤ 5 s)",
             lambda p=panel: displacement_study(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07")),
        ):  # fmt: skip
            t = time.perf_counter()
            step()
            comparison[name] = time.perf_counter() - t
        units = panel["province"].n_unique()
        print(
            f"layout {layout:>6}: {units} provinces x 6 channels x 96 months ({panel.height:,} rows): "
            f"scan {scan_s:.2f} s ({scan.results.height} units tested), minimum detectable {mde_s:.2f} s, "
            f"channel shift {shift_s:.2f} s, "
            f"change points for every province {cp_s:.2f} s"
        )
        print("    " + "; ".join(f"{k} {v:.2f} s" for k, v in comparison.items()))


if __name__ == "__main__":
    main()
