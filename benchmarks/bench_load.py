"""Benchmark: generate N SYNTHETIC case rows, load them from CSV and Parquet, build the panel.

Prints wall seconds and peak memory (RSS high-water mark of a fresh child process per
step, so one step's memory does not hide another's).

    make bench                       # 1,000,000 rows
    python benchmarks/bench_load.py --rows 200000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / "_data"


def _generate(rows: int) -> dict:
    import trendkit as tk

    DATA.mkdir(exist_ok=True)
    t = time.perf_counter()
    # the default scenario (~66,000 cases over 48 months) scaled up to about `rows` cases
    scale = rows / tk.default_scenario().expected()["expected"].sum()
    df = tk.generate(tk.default_scenario(scale=scale)).raw
    df.write_csv(DATA / "SYNTHETIC_bench.csv")
    df.write_parquet(DATA / "SYNTHETIC_bench.parquet")
    return {"seconds": time.perf_counter() - t}


def _load(fmt: str) -> dict:
    import trendkit as tk

    t = time.perf_counter()
    res = tk.load_cases(DATA / f"SYNTHETIC_bench.{fmt}")
    secs = time.perf_counter() - t
    res.cases.write_parquet(DATA / "cases.parquet")
    return {"seconds": secs, "accepted": res.cases.height, "rejected": res.rejected.height}


def _panel() -> dict:
    import polars as pl

    import trendkit as tk

    cases = pl.read_parquet(DATA / "cases.parquet")
    t = time.perf_counter()
    p = tk.panel(cases)
    return {"seconds": time.perf_counter() - t, "panel_rows": p.height}


def _run(step, *args) -> dict:
    def target(q):
        out = step(*args)
        out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        q.put(out)

    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(q,))
    p.start()
    out = q.get()
    p.join()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    results = {"rows": args.rows, "generate": _run(_generate, args.rows)}
    results["load_csv"] = _run(_load, "csv")
    results["load_parquet"] = _run(_load, "parquet")
    results["panel_monthly"] = _run(_panel)
    for step in ("generate", "load_csv", "load_parquet", "panel_monthly"):
        r = results[step]
        extra = {k: v for k, v in r.items() if k not in ("seconds", "peak_mb")}
        print(f"{step:14s} {r['seconds']:7.2f} s   peak {r['peak_mb']:7.0f} MB   {extra if extra else ''}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
