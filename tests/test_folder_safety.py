"""A folder of extracts never stops, hangs or leaks on one odd entry: each is listed with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import trendkit as tk
from trendkit.ingest import loader

GOOD = "Mã vụ việc;Ngày phát hiện;Tỉnh/TP\nG-1;12/03/2021;Huế\n"


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "ok.csv").write_text(GOOD, encoding="utf-8")
    return d


def _skipped(res: tk.LoadResult) -> dict[str, str]:
    return dict(res.skipped_files.select("file", "reason").iter_rows())


def test_links_are_followed_only_inside_the_folder(tmp_path):
    d = _folder(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text(GOOD.replace("G-1", "S-1"), encoding="utf-8")
    (d / "out.csv").symlink_to(secret)
    (d / "inside.csv").symlink_to(d / "ok.csv")
    (d / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    (d / "loop.csv").symlink_to(d / "loop.csv")
    res = tk.load_cases(d)
    skipped = _skipped(res)
    assert "S-1" not in res.cases["case_id"].to_list()
    assert "outside the folder" in skipped["in/out.csv"]
    assert "leads nowhere" in skipped["in/dangling.csv"] and "leads nowhere" in skipped["in/loop.csv"]
    assert "in/inside.csv" not in skipped  # a link inside the folder is read like its file


def test_a_pipe_in_the_folder_is_listed_not_opened(tmp_path):
    d = _folder(tmp_path)
    os.mkfifo(d / "zz.csv")
    code = "import sys, trendkit as tk; r = tk.load_cases(sys.argv[1]); print(dict(r.skipped_files.iter_rows()))"
    res = subprocess.run([sys.executable, "-c", code, str(d)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "not a regular file" in res.stdout
    with pytest.raises(tk.TrendkitInputError, match="not a regular file"):
        tk.load_cases(d / "zz.csv")  # named: refused at once, never opened


@pytest.mark.parametrize(
    "error", [PermissionError(13, "Permission denied"), FileNotFoundError(2, "No such file"), RuntimeError("boom")]
)
def test_a_file_that_fails_while_loading_is_listed_and_the_rest_loads(tmp_path, monkeypatch, error):
    d = _folder(tmp_path)
    (d / "bad.csv").write_text(GOOD.replace("G-1", "B-1"), encoding="utf-8")
    real = loader.iter_sheets

    def flaky(path, **kw):
        if path.name == "bad.csv":
            raise error
        yield from real(path, **kw)

    monkeypatch.setattr(loader, "iter_sheets", flaky)
    res = tk.load_cases(d)
    assert res.cases["case_id"].to_list() == ["G-1"]
    assert "cannot be read" in _skipped(res)["bad.csv"]
    with pytest.raises(tk.TrendkitInputError, match=r"bad\.csv: không đọc được / cannot be read"):
        tk.load_cases(d / "bad.csv")


def test_a_file_name_that_is_not_utf8_is_loaded_and_named_printably(tmp_path):
    d = _folder(tmp_path)
    raw = os.fsencode(d) + b"/B\xe1o c\xe1o.csv"
    with open(raw, "wb") as fh:
        fh.write(GOOD.replace("G-1", "N-1").encode())
    res = tk.load_cases(d)
    assert sorted(res.cases["case_id"]) == ["G-1", "N-1"]
    names = res.cases["source_file"].to_list()
    assert "B\ufffdo c\ufffdo.csv" in names
    res.summary()._repr_html_().encode("utf-8")  # printable everywhere


def test_a_csv_whose_first_line_is_over_64_kib_does_not_stop_the_folder(tmp_path):
    d = _folder(tmp_path)
    (d / "wide.csv").write_text("Mã vụ việc;" + "x" * 70_000 + "\nA;b\n", encoding="utf-8")
    res = tk.load_cases(d)
    assert "G-1" in res.cases["case_id"].to_list()


@pytest.mark.parametrize("header", ["____", "__key", "__"])
def test_a_header_of_underscores_ends(tmp_path, header):
    csv = tmp_path / "u.csv"
    csv.write_text(f"Mã vụ việc;Ngày phát hiện;Tỉnh/TP;{header}\nU-1;12/03/2021;Huế;x\n", encoding="utf-8")
    pq = tmp_path / "u.parquet"
    pl.DataFrame(
        {"Mã vụ việc": ["U-1"], "Ngày phát hiện": ["12/03/2021"], "Tỉnh/TP": ["Huế"], header: ["x"]}
    ).write_parquet(pq)
    code = "import sys, trendkit as tk; print([tk.load_cases(p).cases.height for p in sys.argv[1:]])"
    res = subprocess.run([sys.executable, "-c", code, str(csv), str(pq)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "[1, 1]", res.stderr


def test_a_stray_quote_rejects_its_row_and_no_message_quotes_the_row(tmp_path):
    from tests.hostile import csv_stray_quote

    path = csv_stray_quote(tmp_path)
    res = tk.load_cases(path)
    assert res.cases["case_id"].to_list() == ["Q-2"]
    bad = res.rejected.row(0, named=True)
    assert (bad["source_row"], bad["reason_code"]) == (2, "stray_quote")
    shown = bad["reason"] + str(res.summary()) + res.summary()._repr_html_()  # messages (the value column is data)
    assert "079188123456" not in shown and "Bí Mật" not in shown


def test_an_office_lock_file_picked_up_by_a_wildcard_is_listed_not_fatal(tmp_path):
    d = _folder(tmp_path)
    lock = d / "~$ok.csv"
    lock.write_bytes(b"\x00" * 165)  # what Excel leaves while the workbook is open
    files = sorted(str(p) for p in d.iterdir())  # as the shell expands in/*
    res = tk.load_cases(files)
    assert res.cases["case_id"].to_list() == ["G-1"]
    assert "Office lock file" in _skipped(res)["~$ok.csv"]
    cli = subprocess.run([sys.executable, "-m", "trendkit.cli", "load", *files], capture_output=True, text=True)
    assert cli.returncode == 0 and "Office lock file" in cli.stdout, cli.stderr
