"""The command line's small hostile inputs: each bad argument is one line and exit 2 before any work;
odd but valid ones (a '$' in a campaign name, two names with one slug) run; a stuck run stops."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import polars as pl
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
        (["--since", "2023-13"], "--since '2023-13': không phải tháng / expected a month"),
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
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no lock file, no half-built folder left
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
    assert f"), trendkit {__version__}." in (out / "index.html").read_text(encoding="utf-8")  # after the time stamp


# --- load --out, --replace, --date-range ------------------------------------------------------------

RISKY = 'Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến;Cửa khẩu\nR-1;12/03/2021;Huế;Đường bộ;=HYPERLINK("http://x")\n'


def _load(capsys, *args: str) -> tuple[int, str, str]:
    from trendkit.cli import main

    code = main(["load", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_load_out_writes_the_accepted_cases_and_nothing_runs_as_a_formula(tmp_path, capsys, suffix):
    from python_calamine import CalamineWorkbook

    from trendkit.ingest.loader import load_cases

    cases = tmp_path / "c.csv"
    cases.write_text(RISKY, encoding="utf-8")
    out = tmp_path / "sub" / f"cases{suffix}"
    code, stdout, _ = _load(capsys, str(cases), "--out", str(out))
    expected = load_cases(cases).cases
    assert code == 0 and f"accepted cases / các vụ hợp lệ: {expected.height} → {out}" in stdout
    if suffix == ".parquet":
        assert pl.read_parquet(out).equals(expected)
        return
    if suffix == ".csv":
        back = pl.read_csv(out)
        assert back.height == expected.height and back["case_id"].to_list() == expected["case_id"].to_list()
        assert all(not str(v).startswith("=") for col in back.columns for v in back[col].to_list() if v is not None)
        return
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0] == expected.columns and len(rows) == expected.height + 1
    got = dict(zip(rows[0], rows[1], strict=True))
    assert got["detected_on"] == expected["detected_on"][0]  # a date cell, not text
    text = [v for v in expected.row(0) if isinstance(v, str) and v.startswith("=")]
    assert text and all(v in rows[1] for v in text)  # the formula-looking text is a text cell, as written
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere in the workbook


def test_load_out_refuses_an_existing_file_a_link_and_a_bad_suffix_before_loading(tmp_path, capsys):
    cases = tmp_path / "c.csv"
    cases.write_text(GOOD, encoding="utf-8")
    mine = tmp_path / "mine.csv"
    mine.write_text("the analyst's own file", encoding="utf-8")
    code, stdout, err = _load(capsys, str(cases), "--out", str(mine))
    assert code == 2 and "the file exists" in err and "--replace" in err and stdout == ""  # nothing was loaded
    assert mine.read_text(encoding="utf-8") == "the analyst's own file"
    link = tmp_path / "link.csv"
    link.symlink_to(mine)
    code, _, err = _load(capsys, str(cases), "--out", str(link), "--replace")
    assert code == 2 and "link" in err and mine.read_text(encoding="utf-8") == "the analyst's own file"
    code, _, err = _load(capsys, str(cases), "--rejected", str(tmp_path / "r.txt"))
    assert code == 2 and ".csv, .xlsx, .parquet" in err
    code, _, _ = _load(capsys, str(cases), "--out", str(mine), "--replace")
    assert code == 0 and "G-1" in mine.read_text(encoding="utf-8-sig")  # replaced only when asked


def test_load_date_range_rejects_what_falls_outside_with_the_reason(tmp_path, capsys):
    cases = tmp_path / "c.csv"
    cases.write_text(GOOD + "G-2;12/05/2021;Huế;Đường bộ\n", encoding="utf-8")
    rejected = tmp_path / "rej.parquet"
    code, stdout, _ = _load(capsys, str(cases), "--date-range", "2021-03", "2021-04", "--rejected", str(rejected))
    rej = pl.read_parquet(rejected)
    assert code == 0 and f"rejected rows / dòng bị loại: 1 → {rejected}" in stdout
    assert rej.height == 1 and rej["reason_code"][0] == "date_out_of_range"
    code, _, err = _load(capsys, str(cases), "--date-range", "2021-05", "2021-03")
    assert code == 2 and "after the last" in err
    code, _, err = _load(capsys, str(cases), "--date-range", "March", "2021-03")
    assert code == 2 and "expected a date YYYY-MM-DD or a month YYYY-MM" in err and len(err.strip().splitlines()) == 1


class _Terminal:
    """A stderr that says it is a terminal, and keeps what is written to it."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_the_file_bar_ends_where_it_says_it_ends(tmp_path, monkeypatch, capsys):
    from trendkit.cli import main

    for k in range(4):
        (tmp_path / f"c{k}.csv").write_text(GOOD.replace("G-1", f"G-{k}"), encoding="utf-8")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["load", str(tmp_path)]) == 0
    last = terminal.text.replace("\r", "\n").strip().splitlines()[-1]
    assert "4/4" in last and "100%" in last  # not 18 of 24 blocks at 4/4, as the hand-made bar was
    assert "Đọc / reading" in last and "3/4" in terminal.text  # each file counted once it was read
    assert "accepted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [["load", "--bogus", "x"], ["report", "--layout", "1999", "--cases", "x", "--out", "y"], [], ["load"]],
    ids=["unknown option", "bad choice", "no command", "no paths"],
)
def test_an_argument_mistake_is_one_bilingual_line(args):
    line = _one_line(_run(*args))
    assert line.startswith("trendkit") and "lỗi tham số / bad argument:" in line and "--help" in line
    detail = line.split("bad argument: ", 1)[1]
    vi, en = detail.split(" / ", 1)  # argparse's own words, Vietnamese first
    assert vi != "xem chi tiết" and any(ch in vi for ch in "ảạáàãâăđêếệôơưứ"), vi
    assert re.search(r"unrecognized|invalid choice|required|expected", en)


def test_every_input_error_trendkit_raises_speaks_vietnamese_first():
    """Each ``TrendkitInputError(...)`` in the package says its point in Vietnamese, then English
    ("không đọc được / cannot be read …"); a message passed on from elsewhere (a variable) is
    checked where it is made."""
    import ast

    english_only = []
    for path in (ROOT / "trendkit").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "TrendkitInputError" and node.args:
                text = ast.get_source_segment(source, node.args[0])
                if isinstance(node.args[0], ast.Name) or (text.startswith('f"{') and text.count("{") == 2):
                    continue  # passed on: "{name}: {reason}"
                if " / " not in text:
                    english_only.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not english_only


def test_help_speaks_vietnamese_first_and_english_alongside():
    for args in (["--help"], ["load", "--help"], ["report", "--help"]):
        res = _run(*args)
        assert res.returncode == 0 and "xem hướng dẫn này / show this help and exit" in res.stdout
        assert res.stdout.startswith("cách dùng / usage: trendkit") and "tùy chọn / options:" in res.stdout
    assert "ghi các vụ hợp lệ / write the accepted cases" in _run("load", "--help").stdout


@pytest.mark.slow
def test_the_command_is_stamped_less_its_out_and_verbose_times_the_steps(tmp_path):
    month = SAMPLE / "SYNTHETIC_bao_cao_2025-12.xlsx"
    runs = []
    for name in ("a", "b"):
        res = _run("report", "--cases", str(month), "--out", str(tmp_path / name), "--now", "2025-12-02T06:00:00+07:00",
                   "--verbose")  # fmt: skip
        assert res.returncode == 0, res.stderr
        runs.append(res)
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["command"] == [
        "trendkit",
        "report",
        "--cases",
        month.name,
        "--now",
        "2025-12-02T06:00:00+07:00",
        "--verbose",
    ]  # fmt: skip  (an absolute path by its name only)
    page = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert "Lệnh / command: <code>trendkit report --cases" in page
    assert (tmp_path / "a" / "summary.json").read_bytes() == (tmp_path / "b" / "summary.json").read_bytes()
    assert re.search(r"trendkit: .+ \(\d+\.\d s\)", runs[0].stderr)  # each step with how long the one before took


def test_a_table_longer_than_an_excel_sheet_is_refused_not_cut(tmp_path, monkeypatch):
    from trendkit import export

    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)  # the header and two rows
    frame = pl.DataFrame({"n": [1, 2, 3]})
    with pytest.raises(TrendkitInputError, match=r"3 rows, more than an Excel sheet holds \(2 after the header\)"):
        export.write_table(frame, tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temp file left
    export.write_table(frame.head(2), tmp_path / "t.xlsx", sheet="rejected")
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).sheet_names == ["rejected"]
