"""Benchmark: ``trendkit report`` end to end on the bundled sample and on N generated SYNTHETIC rows,
with BLAS/OpenMP threads limited by trendkit (the default, one thread inside model calls) and
with the libraries' own default (``TRENDKIT_THREADS=0``: no limit).

    python benchmarks/bench_report.py [--rows 1000000]

The aim (the scheduled-report issue) is under 60 s for 1 M rows on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).parent / "_data"
CAMPAIGN = "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06"


def _generate(rows: int) -> Path:
    import trendkit as tk

    folder = DATA / f"report_{rows}"
    path = folder / "SYNTHETIC_cases.csv"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        scale = rows / tk.default_scenario().expected()["expected"].sum()
        tk.generate(tk.default_scenario(scale=scale)).raw.write_csv(path)
    return folder


def _report(cases: Path, threads: str | None) -> float:
    env = dict(os.environ)
    env.pop("TRENDKIT_THREADS", None)
    if threads is not None:
        env["TRENDKIT_THREADS"] = threads
    out = Path(tempfile.mkdtemp(prefix="bench_report_")) / "r"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "trendkit.cli", "report", "--cases", str(cases), "--out", str(out),
                    "--campaign", CAMPAIGN], check=True, capture_output=True, env=env)  # fmt: skip
    secs = time.perf_counter() - t
    shutil.rmtree(out.parent, ignore_errors=True)
    return secs


def main(rows: int) -> None:
    inputs = {"sample (13,188 rows)": Path("data/sample"), f"{rows:,} rows": _generate(rows)}
    for name, cases in inputs.items():
        limited = _report(cases, None)
        unlimited = _report(cases, str(os.cpu_count() or 1))
        print(f"{name:>22}: {limited:6.1f} s with trendkit's thread limit, {unlimited:6.1f} s with a thread per core "
              f"({os.cpu_count()} cores)")  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    main(ap.parse_args().rows)
