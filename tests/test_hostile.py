"""Every hostile file of :mod:`tests.hostile` is refused within 10 s and 500 MB, and refuses only itself.

Each variant is loaded in a child process whose address space is capped (2.5 GB: polars alone
reserves about 1.3 GB of address space it never touches), so a regression fails here instead of
eating the machine; the child's peak resident memory is read from ``wait4``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import hostile

resource = pytest.importorskip("resource")  # POSIX: the cap and the measurement

CAP = 2_500 << 20
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
import trendkit as tk
path, folder = Path(sys.argv[1]), Path(sys.argv[2])
out = {{}}
start = time.perf_counter()
try:
    tk.load_cases(path)
    out["alone"] = "loaded"
except tk.TrendkitInputError as exc:
    out["alone"] = str(exc)
out["seconds"] = time.perf_counter() - start
res = tk.load_cases(folder)
out["folder_rows"] = res.cases.height
out["skipped"] = dict(res.skipped_files.select("file", "reason").iter_rows())
try:  # this process image's own peak (ru_maxrss keeps the parent's across fork and exec)
    hwm = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
    out["peak_mb"] = int(hwm.split()[1]) / 1024
except OSError:
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def load_capped(path: Path, folder: Path, seconds: float = 60.0) -> dict:
    """Load ``path`` alone, then ``folder``, in a child with a capped address space; its answer,
    the seconds the file alone took and the child's peak resident memory."""
    try:
        res = subprocess.run(
            [sys.executable, "-c", CHILD.format(cap=CAP), str(path), str(folder)],
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name}: still running after {seconds} s")
    assert res.returncode == 0, (path.name, res.stderr[-2000:])
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hostile")
    return {name: build(base) for name, build in hostile.VARIANTS.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(hostile.VARIANTS))
def test_a_hostile_file_is_refused_fast_small_and_alone(name, built, tmp_path):
    path = built[name]
    good = tmp_path / "ok.csv"
    good.write_text(";".join(hostile.HEADER) + "\n" + ";".join(hostile.ROW) + "\n", encoding="utf-8")
    os.link(path, tmp_path / path.name)
    answer = load_capped(path, tmp_path)
    assert answer["alone"] != "loaded", answer
    assert answer["alone"].startswith(path.name) and answer["alone"].count(path.name) == 1
    assert "\n" not in answer["alone"]
    assert answer["folder_rows"] == 1 and path.name in answer["skipped"], answer
    assert answer["seconds"] <= 10 and answer["peak_mb"] <= 500, answer
