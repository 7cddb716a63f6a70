"""Benchmark: generate N SYNTHETIC case rows, load them from CSV, Parquet, .xlsx and .xls, build the panel.

The workbooks hold the first ``--excel-rows`` rows (default 100,000; aim: each loads in ≤ 3 s).
Prints wall seconds and peak memory (RSS high-water mark of a fresh child process per
step, so one step's memory does not hide another's).

    make bench                       # 1,000,000 rows
    python benchmarks/bench_load.py --rows 200000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

DATA = Path(__file__).parent / "_data"


def _generate(rows: int) -> dict:
    import trendkit as tk

    DATA.mkdir(exist_ok=True)
    t = time.perf_counter()
    # the default scenario (~66,000 cases over 48 months) scaled up to about `rows` cases
    scale = rows / tk.default_scenario().expected()["expected"].sum()
    df = tk.generate(tk.default_scenario(scale=scale)).raw
    df.write_csv(DATA / "SYNTHETIC_bench.csv")
    df.write_parquet(DATA / "SYNTHETIC_bench.parquet")
    return {"seconds": time.perf_counter() - t}


def _write_workbooks(rows: int) -> dict:
    """The first ``rows`` generated rows as an .xlsx (openpyxl) and an .xls (xlwt; Excel 97-2003 holds
    65,536 rows a sheet, so the rows continue on a second sheet), dates and values typed as a unit's
    Excel would store them."""
    import datetime as dt

    import openpyxl
    import polars as pl
    import xlwt

    t = time.perf_counter()
    df = pl.read_csv(DATA / "SYNTHETIC_bench.csv", infer_schema=False, n_rows=rows)
    df = df.with_columns(
        pl.col("Ngày phát hiện").str.to_date("%d/%m/%Y", strict=False),
        pl.col("Trị giá hàng vi phạm (đồng)").str.replace_all(".", "", literal=True).cast(pl.Int64, strict=False),
    )
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("T1")
    sheet.append(df.columns)
    for row in df.iter_rows():
        sheet.append(row)
    book.save(DATA / "SYNTHETIC_bench.xlsx")
    old = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for k, part in enumerate(df.iter_slices(60_000)):
        ws = old.add_sheet(f"T{k + 1}")
        for j, name in enumerate(df.columns):
            ws.write(0, j, name)
        for i, row in enumerate(part.iter_rows(), start=1):
            for j, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write(i, j, v, day)
                elif v is not None:
                    ws.write(i, j, v)
    old.save(str(DATA / "SYNTHETIC_bench.xls"))
    return {"seconds": time.perf_counter() - t, "rows": df.height}


def _load(fmt: str) -> dict:
    import trendkit as tk

    t = time.perf_counter()
    res = tk.load_cases(DATA / f"SYNTHETIC_bench.{fmt}")
    secs = time.perf_counter() - t
    if fmt == "csv":  # the panel step counts the full CSV's cases
        res.cases.write_parquet(DATA / "cases.parquet")
    return {"seconds": secs, "accepted": res.cases.height, "rejected": res.rejected.height}


def _write_big_parquet(rows: int) -> dict:
    """A Parquet file of ``rows`` SYNTHETIC rows: the generated rows again and again, each copy's ids
    made its own."""
    import polars as pl

    t = time.perf_counter()
    raw = pl.read_parquet(DATA / "SYNTHETIC_bench.parquet")
    copies = -(-rows // raw.height)
    ids = raw.columns[0]
    big = pl.concat([raw.with_columns(pl.col(ids) + f"-{k}") for k in range(copies)]).head(rows)
    big.write_parquet(DATA / "SYNTHETIC_bench.big.parquet", row_group_size=500_000)
    return {"seconds": time.perf_counter() - t, "rows": big.height}


def _panel() -> dict:
    import polars as pl

    import trendkit as tk

    cases = pl.read_parquet(DATA / "cases.parquet")
    t = time.perf_counter()
    p = tk.panel(cases)
    return {"seconds": time.perf_counter() - t, "panel_rows": p.height}


def _load_and_panel() -> dict:
    """What an analyst runs: load the CSV (every check and normalisation) and build the monthly panel."""
    import polars as pl

    import trendkit as tk

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the interpreter and libraries
    t = time.perf_counter()
    res = tk.load_cases(DATA / "SYNTHETIC_bench.csv")
    p = tk.panel(res.cases)
    secs = time.perf_counter() - t
    frame = round(res.cases.estimated_size("mb"), 1)
    # polars keeps each String row as a 16-byte view (plus the bytes of texts over 12 bytes), but
    # estimated_size counts the texts' bytes only: the views are a floor it misses
    cases = res.cases
    views = sum(16 * cases.height if d == pl.String else cases[c].estimated_size() for c, d in cases.schema.items())
    return {
        "seconds": secs,
        "panel_rows": p.height,
        "frame_mb": frame,
        "views_mb": round(views / 2**20, 1),
        "base_mb": round(base),
    }


def _frame_footprint() -> dict:
    """The loaded case table's resident size: what stays in anonymous memory once everything else is
    freed. jemalloc (polars' allocator) is told to return freed pages at once, in this step only,
    so its cache of freed pages is not counted. ``estimated_size`` misses the reader's string buffers
    that zero-copy columns (ids, the *_raw texts) keep alive."""
    import gc
    import os

    os.environ["_RJEM_MALLOC_CONF"] = "dirty_decay_ms:0,muzzy_decay_ms:0"  # before polars loads
    import trendkit as tk

    def anon_mb() -> float:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("RssAnon")) / 1024

    base = anon_mb()
    res = tk.load_cases(DATA / "SYNTHETIC_bench.csv")
    cases = res.cases
    del res
    gc.collect()
    resident, estimated = round(anon_mb() - base), round(cases.estimated_size("mb"))
    return {"seconds": float("nan"), "resident_mb": resident, "estimated_mb": estimated}


def _polars_floor() -> dict:
    """The least any tool must do: read the CSV, parse the day-first date, count by province, channel, month."""
    import polars as pl

    t = time.perf_counter()
    df = pl.read_csv(DATA / "SYNTHETIC_bench.csv", infer_schema=False)
    p = (
        df.with_columns(pl.col("Ngày phát hiện").str.to_date("%d/%m/%Y", strict=False).dt.truncate("1mo").alias("m"))
        .group_by("Tỉnh/TP", "Tuyến", "m")
        .len()
    )
    return {"seconds": time.perf_counter() - t, "panel_rows": p.height}


#: The generated file's text columns that the loader reads as words (each one hashed once per row).
_WORD_COLUMNS = ("Tỉnh/TP", "Tuyến", "Loại vi phạm", "Mặt hàng", "Đơn vị tính", "Hình thức xử lý", "Cửa khẩu")


def _polars_same_columns() -> dict:
    """The floor, plus the least work the loader's columns need: the amount and the quantity read as
    numbers, each word column coded once (Categorical). No cleaning, no vocabulary, no checks; not an
    aim, a measure of how much of the loader's time its columns alone cost."""
    import polars as pl

    t = time.perf_counter()
    df = pl.read_csv(DATA / "SYNTHETIC_bench.csv", infer_schema=False)
    typed = df.with_columns(
        pl.col("Ngày phát hiện").str.to_date("%d/%m/%Y", strict=False).dt.truncate("1mo").alias("m"),
        pl.col("Trị giá hàng vi phạm (đồng)").str.replace_all(".", "", literal=True).cast(pl.Float64, strict=False),
        pl.col("Số lượng").str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
        .cast(pl.Float64, strict=False),
        *(pl.col(c).cast(pl.Categorical) for c in _WORD_COLUMNS),
    )  # fmt: skip
    p = typed.group_by("Tỉnh/TP", "Tuyến", "m").len()
    return {"seconds": time.perf_counter() - t, "panel_rows": p.height}


def _pandas_script() -> dict:
    """A competent pandas script: fold each distinct province/channel spelling once, map, parse, count."""
    import unicodedata

    import pandas as pd

    def fold(text: object) -> str:
        s = unicodedata.normalize("NFD", str(text).replace("Đ", "D").replace("đ", "d"))
        return " ".join("".join(c for c in s if not unicodedata.combining(c)).lower().split())

    t = time.perf_counter()
    df = pd.read_csv(DATA / "SYNTHETIC_bench.csv", dtype=str)
    for col in ("Tỉnh/TP", "Tuyến"):
        codes, uniques = pd.factorize(df[col])
        df[col] = pd.Series([fold(u) for u in uniques]).to_numpy()[codes]
    df["m"] = pd.to_datetime(df["Ngày phát hiện"], format="%d/%m/%Y", errors="coerce").dt.to_period("M")
    p = df.groupby(["Tỉnh/TP", "Tuyến", "m"]).size()
    return {"seconds": time.perf_counter() - t, "panel_rows": int(p.shape[0])}


def _run(step, *args) -> dict:
    def target(q):
        out = step(*args)
        out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        q.put(out)

    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(q,))
    p.start()
    out = q.get()
    p.join()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--excel-rows", type=int, default=100_000, help="rows in the .xlsx and .xls (0: skip)")
    ap.add_argument("--big-rows", type=int, default=0, help="also load a Parquet file of this many rows (0: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side-by-side step (the median is shown)")
    args = ap.parse_args()
    results = {"rows": args.rows, "generate": _run(_generate, args.rows)}
    results["load_csv"] = _run(_load, "csv")
    results["load_parquet"] = _run(_load, "parquet")
    workbooks = ("write_workbooks", "load_xlsx", "load_xls") if args.excel_rows else ()
    if workbooks:
        results["write_workbooks"] = _run(_write_workbooks, min(args.excel_rows, args.rows))
        results["load_xlsx"] = _run(_load, "xlsx")
        results["load_xls"] = _run(_load, "xls")
    if args.big_rows:  # the memory aim: a 10 M-row Parquet load peaks at ≤ 2 GB (its own fresh process)
        results["write_big_parquet"] = _run(_write_big_parquet, args.big_rows)
        results["load_big_parquet"] = _run(_load, "big.parquet")
        (DATA / "SYNTHETIC_bench.big.parquet").unlink()
    results["panel_monthly"] = _run(_panel)
    results["frame_footprint"] = _run(_frame_footprint)
    # the side-by-side comparison, alternating, median of --repeat runs each: one run on a shared
    # 2-core machine varies by about 10%
    sides = {
        "trendkit_load_panel": _load_and_panel,
        "polars_floor": _polars_floor,
        "polars_same_columns": _polars_same_columns,
        "pandas_script": _pandas_script,
    }
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for _ in range(args.repeat):
        for name, step in sides.items():
            try:
                runs[name].append(_run(step))
            except ImportError:  # pandas comes with geopandas; if it is missing, say so rather than fail
                runs[name].append({"seconds": float("nan"), "peak_mb": float("nan")})
    for name, done in runs.items():
        results[name] = {**sorted(done, key=lambda r: r["seconds"])[len(done) // 2], "runs": len(done)}
    big = ("write_big_parquet", "load_big_parquet") if args.big_rows else ()
    steps = ("generate", "load_csv", "load_parquet", *workbooks, *big, "panel_monthly", "trendkit_load_panel",
             "frame_footprint", "polars_floor", "polars_same_columns", "pandas_script")  # fmt: skip
    for step in steps:
        r = results[step]
        extra = {k: v for k, v in r.items() if k not in ("seconds", "peak_mb")}
        print(f"{step:19s} {r['seconds']:7.2f} s   peak {r['peak_mb']:7.0f} MB   {extra if extra else ''}")
    tk_run = results["trendkit_load_panel"]
    floor, pandas_s = results["polars_floor"]["seconds"], results["pandas_script"]["seconds"]
    frame, resident = max(tk_run["frame_mb"], 1e-9), max(results["frame_footprint"]["resident_mb"], 1e-9)
    peak, above = tk_run["peak_mb"], tk_run["peak_mb"] - tk_run["base_mb"]
    print(
        f"trendkit load+panel / polars floor: {tk_run['seconds'] / floor:.2f}x; pandas script / trendkit: "
        f"{pandas_s / tk_run['seconds']:.2f}x"
    )
    same = results["polars_same_columns"]["seconds"]
    print(
        f"trendkit load+panel / polars with the same columns typed: {tk_run['seconds'] / same:.2f}x (that script / "
        f"floor: {same / floor:.2f}x)"
    )
    print(f"peak memory {peak:.0f} MB: {tk_run['base_mb']} MB after import, {above:.0f} MB for the load and panel")
    print(f"loaded frame: {resident:.0f} MB resident, at least {tk_run['views_mb']:.0f} MB of String views and "
          f"columns, {frame:.0f} MB by estimated_size (text bytes only)")  # fmt: skip
    for name, size in (("resident", resident), ("views", tk_run["views_mb"]), ("estimated", frame)):
        size = max(size, 1e-9)
        print(f"  peak / frame ({name:9s}): {peak / size:.1f}x total, {above / size:.1f}x above import")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
