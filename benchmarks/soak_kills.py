"""Soak: kill ``trendkit report`` at random moments and check that ``--out`` is a complete report
every time, then that the next run cleans up and succeeds.

    python benchmarks/soak_kills.py [--kills 60] [--seed 1]

Prints how many runs were killed, at what delays, and how many left ``--out`` broken (the aim: 0).
A report is complete when its ``summary.json`` parses, ``index.html`` ends with ``</html>`` and the
folder carries trendkit's marker.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
CAMPAIGN = "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06"


def _report(out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "trendkit.cli", "report", "--cases", str(SAMPLE), "--out", str(out),
           "--campaign", CAMPAIGN, "--keep", "3"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def complete(out: Path) -> bool:
    """Whether ``out`` is a whole trendkit report."""
    try:
        json.loads((out / "summary.json").read_text(encoding="utf-8"))
        page = (out / "index.html").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False
    return page.rstrip().endswith("</html>") and (out / ".trendkit-report").is_file()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = Path(tempfile.mkdtemp(prefix="trendkit-soak-")) / "latest"
    first = _report(out)
    assert first.wait() == 0 and complete(out), "the first report failed"
    killed = broken = finished = 0
    start = time.perf_counter()
    while killed < args.kills:
        proc = _report(out)
        time.sleep(rng.uniform(0.0, 12.0))  # a whole run on the sample takes about 10-15 s here
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed += 1
        else:
            finished += 1
        broken += not complete(out)
    last = _report(out).wait()
    leftovers = [p.name for p in (out.parent / ".latest.reports").iterdir() if p.name.startswith(".building-")]
    print(f"killed {killed}, finished {finished}, broken --out after a kill or finish: {broken}; "
          f"next run exit {last}, build folders left after it: {len(leftovers)}; "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
