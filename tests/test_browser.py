"""Real-browser check: the offline HTML renders in headless Chromium with the network blocked.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it). Without it these
tests skip with a message — unless TRENDKIT_REQUIRE_BROWSER=1 (set by CI), when they fail.
"""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest

import trendkit as tk
from trendkit.maps import add_places, choropleth, displacement_map, monthly_map, save_map
from trendkit.models import displacement_scan

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parent.parent / "maps" / "browser"

if CHROMIUM is None:
    if os.environ.get("TRENDKIT_REQUIRE_BROWSER") == "1":
        pytest.fail("TRENDKIT_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install -y chromium)", pytrace=False)
    pytestmark = pytest.mark.skip(reason="no chromium on PATH: install Debian's chromium to run the browser tests")

CASES = tk.load_cases("data/sample").cases


def _chromium(*args: str) -> subprocess.CompletedProcess:
    # --proxy-server to a closed port: any attempt to reach the network fails
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--proxy-server=127.0.0.1:9", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"]  # fmt: skip
    return subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line and ("rror" in line or "Uncaught" in line)]


def _check(path: Path, expected_paths: int, name: str) -> float:
    t = time.perf_counter()
    dom = _chromium("--dump-dom", path.as_uri())
    seconds = time.perf_counter() - t
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(re.findall(r'class="leaflet-interactive"', dom.stdout)) >= expected_paths
    assert _console_errors(dom.stderr) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = _chromium("--screenshot=" + str(SHOTS / f"{name}.png"), "--window-size=900,1100", path.as_uri())
    assert shot.returncode == 0 and (SHOTS / f"{name}.png").stat().st_size > 10_000
    return seconds


@pytest.mark.parametrize(("layout", "n"), [("2025", 34), ("legacy", 63)])
def test_choropleth_renders_offline(tmp_path, layout, n):
    by = "province" if layout == "2025" else "province_legacy"
    values = (
        tk.panel(CASES.filter(pl.col(by).is_not_null()), by=(by,))
        .group_by(by)
        .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
        .rename({by: "province"})
    )
    m = choropleth(values, layout=layout, title="Số vụ / cases (SYNTHETIC)")
    add_places(m)
    path = save_map(m, tmp_path / f"choropleth_{layout}.html")
    _check(path, n, f"choropleth_{layout}")


def test_displacement_and_monthly_maps_render_offline(tmp_path):
    scan = displacement_scan(tk.panel(CASES), ["Quảng Ninh", "Lạng Sơn"], "2023-07", after=12)
    _check(save_map(displacement_map(scan), tmp_path / "displacement.html"), 34, "displacement")
    _check(save_map(monthly_map(tk.panel(CASES, by=("province",))), tmp_path / "monthly.html"), 34, "monthly")


def test_the_check_catches_errors(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    assert _console_errors(_chromium("--dump-dom", bad.as_uri()).stderr)
