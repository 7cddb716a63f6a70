"""The ``trendkit`` command.

trendkit demo                 load the bundled SYNTHETIC sample, print the load summary and a panel
trendkit load PATH [PATH …]   load extracts, print the summary, optionally write the rejected rows
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from trendkit.errors import TrendkitInputError
from trendkit.loader import load_cases
from trendkit.panel import panel

__all__ = ["main"]

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _demo(args: argparse.Namespace) -> int:
    folder = Path(args.sample)
    print(f"trendkit demo — DỮ LIỆU MÔ PHỎNG / SYNTHETIC sample in {folder}\n")
    res = load_cases(folder)
    print(res.summary())
    if res.rejected.height:
        print("\nRejected rows / dòng bị loại:")
        with pl.Config(tbl_rows=20, fmt_str_lengths=90, tbl_hide_dataframe_shape=True):
            print(res.rejected.select("source_file", "source_row", "column", "reason"))
    p = panel(res.cases, by=("province",), value="cases")
    wide = p.pivot(on="period", index="province", values="cases").sort("province")
    wide = wide.rename({c: c[:7] for c in wide.columns if c != "province"})
    print("\nCases per province and month (SYNTHETIC) / Số vụ theo tỉnh và tháng (mô phỏng):")
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(wide)
    return 0


def _load(args: argparse.Namespace) -> int:
    res = load_cases([Path(p) for p in args.paths], sheet=args.sheet)
    print(res.summary())
    if args.rejected:
        res.rejected.write_csv(args.rejected)
        print(f"rejected rows written to {args.rejected}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="trendkit", description="Customs case extracts: load, check, trends, displacement, maps."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="load the bundled SYNTHETIC sample and show what trendkit makes of it")
    demo.add_argument("--sample", default=str(SAMPLE), help="folder of extracts (default: the bundled sample)")
    demo.set_defaults(func=_demo)
    load = sub.add_parser("load", help="load extracts and print the row accounting")
    load.add_argument("paths", nargs="+", help="files or folders (.xlsx, .csv, .parquet)")
    load.add_argument("--sheet", default=None, help="only this sheet of each workbook")
    load.add_argument("--rejected", metavar="CSV", help="write the rejected rows to this CSV file")
    load.set_defaults(func=_load)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TrendkitInputError as exc:
        print(f"trendkit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
