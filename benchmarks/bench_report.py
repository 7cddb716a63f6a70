"""Benchmark: ``trendkit report`` end to end on the bundled sample and on N generated SYNTHETIC rows,
with BLAS/OpenMP threads limited by trendkit (the default, one thread inside model calls) and
with the libraries' own default (``TRENDKIT_THREADS=0``: no limit).

    python benchmarks/bench_report.py [--rows 1000000 5000000] [--threads]

Each run is also shown as a multiple of polars reading the same CSV files (the floor): the aim is
≤ 10× at 1 M rows (the interactive-speed issue). ``--threads`` adds a run with a BLAS thread per core.
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


#: ``trendkit report`` as the command line runs it, writing its peak resident memory (kB) last on stderr:
#: the report runs in this one process (no worker processes). VmHWM, not ru_maxrss, which a child
#: inherits from the parent it was forked from (this benchmark holds the generated extracts).
_CLI = (
    "import atexit, sys\n"
    "def peak():\n"
    "    with open('/proc/self/status') as f:\n"
    "        kb = next((line.split()[1] for line in f if line.startswith('VmHWM')), 'nan')\n"
    "    print(f'PEAK_KB {kb}', file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "from trendkit.cli import main\n"
    "sys.argv[0] = 'trendkit'\n"
    "sys.exit(main())\n"
)


def _report(cases: Path, threads: str | None) -> tuple[float, float]:
    """Seconds and peak MB of one ``trendkit report`` run in a fresh interpreter."""
    env = dict(os.environ)
    env.pop("TRENDKIT_THREADS", None)
    if threads is not None:
        env["TRENDKIT_THREADS"] = threads
    out = Path(tempfile.mkdtemp(prefix="bench_report_")) / "r"
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _CLI, "report", "--cases", str(cases), "--out", str(out),
                          "--campaign", CAMPAIGN], check=True, capture_output=True, env=env, text=True)  # fmt: skip
    secs = time.perf_counter() - t
    shutil.rmtree(out.parent, ignore_errors=True)
    peak = [line.split()[1] for line in res.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return secs, float(peak[-1]) / 1024 if peak else float("nan")


def _floor_read(folder: Path) -> float:
    """The least any tool must do with the extract: polars reads its CSV files (the report's floor)."""
    import polars as pl

    t = time.perf_counter()
    for path in sorted(folder.glob("*.csv")):
        pl.read_csv(path, infer_schema=False, separator=";" if ";" in path.open(encoding="utf-8").readline() else ",")
    return time.perf_counter() - t


def in_process() -> None:
    """``run_report`` as a notebook runs it: the first call (imports), the same extract again (forecasts
    and change points remembered, :mod:`trendkit.models.memo`), and a new extract (everything fitted)."""
    import trendkit as tk
    from trendkit.report import parse_campaign, run_report

    campaign = [parse_campaign(CAMPAIGN)]
    fresh = Path(tempfile.mkdtemp(prefix="bench_report_"))
    tk.generate(tk.default_scenario(scale=0.2, seed=2)).raw.write_csv(fresh / "SYNTHETIC_new.csv", separator=";")
    times = []
    for folder in (Path("data/sample"), Path("data/sample"), fresh):
        t = time.perf_counter()
        run_report([folder], Path(tempfile.mkdtemp(prefix="bench_report_")) / "r", campaigns=campaign)
        times.append(time.perf_counter() - t)
    print(
        f"run_report in one process: first {times[0]:.1f} s, the same extract again {times[1]:.1f} s, "
        f"a new extract {times[2]:.1f} s (aim for a notebook cell ≤ 2 s)"
    )


def main(rows: list[int], both: bool) -> None:
    inputs = {"sample (13,188 rows)": Path("data/sample")} | {f"{n:,} rows": _generate(n) for n in rows}
    for name, cases in inputs.items():
        limited, peak = _report(cases, None)
        floor = _floor_read(cases)
        line = f"{name:>22}: {limited:6.1f} s with trendkit's thread limit ({limited / floor:5.1f}× the polars read, "
        line += f"{floor:.2f} s; aim ≤ 10×), peak {peak:,.0f} MB (aim ≤ 2,500 MB at 5 M rows)"
        if both:
            every, _ = _report(cases, str(os.cpu_count() or 1))
            line += f", {every:6.1f} s with a thread per core ({os.cpu_count()} cores)"
        print(line)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000], help="generated sizes, e.g. 1000000 5000000")
    ap.add_argument("--threads", action="store_true", help="also time each run with a BLAS thread per core")
    args = ap.parse_args()
    in_process()
    main(args.rows, args.threads)
