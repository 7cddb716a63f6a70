"""The command line's small hostile inputs: each bad argument is one line and exit 2 before any work;
odd but valid ones (a '$' in a campaign name, two names with one slug) run; a stuck run stops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trendkit.errors import TrendkitInputError
from trendkit.ingest.parse import parse_date
from trendkit.report import publish

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
GOOD = "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến\nG-1;12/03/2021;Huế;Đường bộ\n"


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trendkit.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def _one_line(res: subprocess.CompletedProcess, code: int = 2) -> str:
    lines = res.stderr.strip().splitlines()
    assert res.returncode == code and len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "2023-13"], "--since '2023-13': expected a month"),
        (["--campaign", "X:Atlantis:2023-07"], "--campaign 'X'"),
    ],
)
def test_a_bad_argument_is_one_line_before_any_work(tmp_path, args, expected):
    start = time.perf_counter()
    line = _one_line(_run("report", "--cases", str(SAMPLE), "--out", str(tmp_path / "r"), *args))
    assert expected in line and time.perf_counter() - start < 15  # no loading, no models
    assert not (tmp_path / "r").exists() and not (tmp_path / ".r.reports").exists()


def test_an_over_long_name_is_bad_input(tmp_path):
    line = _one_line(_run("load", str(tmp_path / ("x" * 300 + ".csv"))))
    assert "cannot be opened" in line
    line = _one_line(_run("report", "--cases", str(SAMPLE), "--out", str(tmp_path / ("y" * 300))))
    assert "--out" in line and "cannot be used" in line


def test_a_values_file_saved_in_windows_1258_is_read(tmp_path):
    cases = tmp_path / "c.csv"
    cases.write_text(GOOD.replace("Đường bộ", "Tàu cá"), encoding="utf-8")
    words = tmp_path / "v.csv"
    words.write_bytes("channel;Tàu cá;sea\n".encode("cp1258"))
    res = _run("load", str(cases), "--values", str(words))
    assert res.returncode == 0, res.stderr


def test_a_zero_padded_year_is_never_read_as_this_century():
    assert parse_date("12/03/0021")[0].year == 21 and parse_date("12/03/21")[0].year == 2021


def test_the_home_folder_is_never_taken_over_even_empty(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(TrendkitInputError, match="home folder"):
        publish.refuse_unsafe_out(home, [])
    with pytest.raises(TrendkitInputError, match="home folder"):
        publish.refuse_unsafe_out(Path("/"), [])


def test_load_rejected_neutralises_source_headers(tmp_path):
    cases = tmp_path / "c.csv"
    cases.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP;=1+2\nA;31/02/2021;Huế;x\n", encoding="utf-8")
    rejected = tmp_path / "rej.csv"
    assert _run("load", str(cases), "--rejected", str(rejected)).returncode == 0
    header = rejected.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith(",'=1+2") and ",=1+2" not in header


@pytest.mark.slow
def test_math_text_and_clashing_names_in_campaigns(tmp_path):
    out = tmp_path / "r"
    res = _run(
        "report", "--cases", str(SAMPLE), "--out", str(out),
        "--campaign", "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06",
        "--campaign", "$QN_LS^$:Quảng Ninh+Lạng Sơn:2023-07:2024-06",  # bad math text; the same slug
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    maps = sorted(p.name for p in out.iterdir() if p.name.startswith("map_displacement_") and p.suffix == ".html")
    assert maps == ["map_displacement_qn_ls.html", "map_displacement_qn_ls_2.html"], maps
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {i["file"] for i in summary["inputs"]} == {p.name for p in SAMPLE.iterdir() if p.suffix != ".json"} - {
        "README.md"
    }
    assert all(len(i["sha256"]) == 64 for i in summary["inputs"])


@pytest.mark.slow
def test_a_run_past_its_timeout_stops_in_one_line_and_frees_its_lock(tmp_path):
    out = tmp_path / "r"
    res = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--timeout", "0.5")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "--timeout" in res.stderr.strip().splitlines()[-1]
    assert not out.exists()
    with publish.lock(out):  # the lock went with the process
        assert os.path.exists(tmp_path / ".r.lock")


def test_version_is_printed_and_stamped():
    from trendkit import __version__

    res = _run("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"trendkit {__version__}"


@pytest.mark.slow
def test_quiet_prints_nothing_on_success_and_the_version_is_in_the_report(tmp_path):
    from trendkit import __version__

    out = tmp_path / "r"
    res = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--quiet")
    assert res.returncode == 0 and res.stdout == "" and res.stderr == "", (res.stdout, res.stderr)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["version"] == __version__
    assert f"by trendkit {__version__}" in (out / "index.html").read_text(encoding="utf-8")
