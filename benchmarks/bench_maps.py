"""Benchmark: size of the offline HTML choropleths and their render time in headless Chromium.

python benchmarks/bench_maps.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import polars as pl

import trendkit as tk
from trendkit.maps import add_places, choropleth, save_map


def main() -> None:
    cases = tk.load_cases(Path(__file__).resolve().parent.parent / "data" / "sample").cases
    chromium = shutil.which("chromium")
    with tempfile.TemporaryDirectory() as tmp:
        for layout, by in (("2025", "province"), ("legacy", "province_legacy")):
            values = (
                tk.panel(cases.filter(pl.col(by).is_not_null()), by=(by,))
                .group_by(by)
                .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
                .rename({by: "province"})
            )
            t = time.perf_counter()
            m = choropleth(values, layout=layout, title="Số vụ / cases (SYNTHETIC)")
            add_places(m)
            path = save_map(m, Path(tmp) / f"{layout}.html")
            build = time.perf_counter() - t
            line = f"layout {layout:>6}: {path.stat().st_size / 1e6:.2f} MB offline HTML, built in {build:.2f} s"
            if chromium:
                t = time.perf_counter()
                subprocess.run(
                    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
                     "--dump-dom", path.as_uri()], capture_output=True, check=True, timeout=120,
                )  # fmt: skip
                line += f", headless Chromium load + render + DOM dump {time.perf_counter() - t:.2f} s"
            print(line)


if __name__ == "__main__":
    main()
