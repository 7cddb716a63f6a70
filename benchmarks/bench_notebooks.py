"""Benchmark: every notebook cell's wall time, cold (a fresh kernel: imports, first reads) and warm
(the same notebook run again in the same kernel, as an analyst re-runs a cell).

    python benchmarks/bench_notebooks.py               # every notebook
    python benchmarks/bench_notebooks.py 02_route_maps # one

Prints one line per code cell: notebook, cell number, cold and warm seconds, and the cell's first
line; then each notebook's total and its slowest warm cell against the aim (every cell ≤ 2 s warm).
Runs in the notebooks' own folder, as Jupyter does.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
AIM_WARM = 2.0


def _timed_run(client, book) -> list[float]:
    """Each code cell's wall seconds, executed in order in the client's kernel."""
    seconds = []
    for index, cell in enumerate(book.cells):
        if cell.cell_type != "code":
            continue
        start = time.perf_counter()
        client.execute_cell(cell, index)
        seconds.append(time.perf_counter() - start)
    return seconds


def bench(path: Path) -> list[tuple[int, float, float, str]]:
    """(cell number, cold seconds, warm seconds, first line) for each code cell of ``path``."""
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    where = {"metadata": {"path": str(path.parent)}}  # the notebook's own folder, as Jupyter runs it
    client = NotebookClient(book, timeout=600, kernel_name="python3", resources=where)
    with client.setup_kernel():
        cold = _timed_run(client, book)
        warm = _timed_run(client, book)
    code = [c for c in book.cells if c.cell_type == "code"]
    return [(k + 1, c, w, cell.source.splitlines()[0][:60] if cell.source else "")
            for k, (c, w, cell) in enumerate(zip(cold, warm, code, strict=True))]  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="notebook names (stems); default every notebook")
    args = ap.parse_args()
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in set(args.names)]
    print(f"{'notebook':<26} {'cell':>4} {'cold s':>7} {'warm s':>7}  first line")
    slow = 0
    for path in paths:
        rows = bench(path)
        for k, cold, warm, first in rows:
            print(f"{path.stem:<26} {k:>4} {cold:>7.2f} {warm:>7.2f}  {first}")
        worst = max(rows, key=lambda r: r[2])
        slow += sum(1 for r in rows if r[2] > AIM_WARM)
        print(f"{path.stem:<26} total cold {sum(r[1] for r in rows):.1f} s, warm {sum(r[2] for r in rows):.1f} s; "
              f"slowest warm cell {worst[0]} at {worst[2]:.2f} s (aim ≤ {AIM_WARM:g} s)")  # fmt: skip
    print(f"cells over {AIM_WARM:g} s warm: {slow}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
